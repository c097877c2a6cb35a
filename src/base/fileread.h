/* fileread.h — read a whole (bounded) file into memory, for the tools that take files
 * (plant files, scenarios, rules). */
#ifndef AJ_FILEREAD_H
#define AJ_FILEREAD_H

#include "base/err.h"

#include <stddef.h>

/* Reads path ("-": standard input) into a NUL-terminated buffer (*out, freed by the
 * caller; *len excludes the NUL). Errors, with err saying which and starting with the
 * path: AJ_EIO "PATH: cannot read: <OS error>", AJ_ETOOBIG "PATH: larger than MAX bytes"
 * (the file holds more than max bytes), AJ_ENOMEM. */
aj_err aj_file_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

#include <stdbool.h>
/* Reads a secret (a password) from the first line of a file, the trailing CR/LF dropped
 * and the line cut to outlen - 1 bytes. false with "PATH: <OS error>" in err when the file
 * cannot be read. */
bool aj_file_read_secret(const char *path, char *out, size_t outlen, char *err, size_t errlen);

#endif
