/* rules_load.h — the failure-mode library on disk: every NAME.rules file of a directory
 * (or one file), parsed and checked together (mode ids unique across files). */
#ifndef AJ_RULES_LOAD_H
#define AJ_RULES_LOAD_H

#include "reason/rules.h"

#include <stddef.h>

/* Loads path: a directory (its *.rules files in name order) or a single file. On error
 * *out is NULL and err holds the first problem as "FILE:LINE:COLUMN: message" (or
 * "PATH: reason"). An empty directory gives an empty set. */
aj_err aj_rules_load(const char *path, aj_rules **out, char *err, size_t errlen);

#endif
