/* cli.h — subcommands of the anjian binary. Exit codes (docs/cli.md):
 * 0 success, 1 failure while running, 2 usage error, 3 audit chain broken. */
#ifndef AJ_CLI_H
#define AJ_CLI_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { AJ_EXIT_OK = 0, AJ_EXIT_FAIL = 1, AJ_EXIT_USAGE = 2, AJ_EXIT_AUDIT = 3 };

int aj_cmd_serve(int argc, char **argv);
int aj_cmd_admin(int argc, char **argv);
int aj_cmd_audit(int argc, char **argv);
/* `anjian reason replay ...` (reason_cli.c): argv after "reason". */
int aj_cmd_reason(int argc, char **argv);
/* `anjian rules check FILE...` (rules_cli.c): argv after "rules". */
int aj_cmd_rules(int argc, char **argv);
/* `anjian opcua browse|read URL ...` (opcua_cli.c): argv after "opcua". */
int aj_cmd_opcua(int argc, char **argv);

/* Small option parser for the tool subcommands: --name value / --name=value. Returns
 * the value of --name or NULL; positional arguments are collected in pos. */
typedef struct aj_opts {
    int n;
    const char *names[24];
    const char *values[24];
    int n_pos;
    const char *pos[8];
} aj_opts;
/* Parses argv; allowed is a NULL-terminated list of option names (flags without a value
 * end in '!'). Writes a message and returns false on an unknown option. */
bool aj_opts_parse(aj_opts *o, int argc, char **argv, const char *const *allowed, char *err, size_t errlen);
const char *aj_opt(const aj_opts *o, const char *name);
/* The database URL: --db, else ANJIAN_DB, else sqlite:anjian.db. */
const char *aj_opt_db(const aj_opts *o);
/* Reads a secret: from the file named by --<file_opt>, else from env var, else NULL. The
 * trailing newline of a file is dropped. */
bool aj_read_secret(const char *file, const char *env, char *out, size_t outlen, char *err, size_t errlen);

#endif
