/* catalogue_read.h — checked reading of catalogue JSON, shared by the catalogue parser
 * files: catalogue_read.c (paths, key tables, typed values), catalogue_form.c (form
 * fields, checklist, hazards), catalogue_type.c (one type), catalogue.c (the whole file).
 * Not for use outside src/permit/.
 *
 * Every reader takes the JSONPath-like location of the value it reads ("$.types[2].code")
 * and, on a problem, records the first error as "PATH: message" in the context; later
 * errors are ignored, so callers just return the code they get. Values the catalogue
 * keeps are copied into the context's arena.
 */
#ifndef AJ_PERMIT_CATALOGUE_READ_H
#define AJ_PERMIT_CATALOGUE_READ_H

#include "base/arena.h"
#include "base/err.h"
#include "permit/catalogue.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Room for any path the parser builds: keys in paths are fixed names or checked ids. */
#define AJ_PCAT_PATH_LEN 256

typedef struct aj_pcat {
    aj_arena *arena;
    char *err; /* the caller's buffer */
    size_t errlen;
    aj_err first; /* first error; AJ_OK while none */
} aj_pcat;

/* What a key of an object must hold. */
typedef enum aj_pcat_kind {
    AJ_PCAT_STRING,
    AJ_PCAT_INTEGER,
    AJ_PCAT_NUMBER, /* integer or real */
    AJ_PCAT_BOOL,
    AJ_PCAT_OBJECT,
    AJ_PCAT_ARRAY,
} aj_pcat_kind;

typedef struct aj_pcat_key {
    const char *key;
    aj_pcat_kind kind;
    bool is_required;
} aj_pcat_key;

/* Records "PATH: message" as the first error (if none yet) and returns code. */
aj_err aj_pcat_fail(aj_pcat *c, aj_err code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reports AJ_ENOMEM when p is NULL. */
aj_err aj_pcat_nomem(aj_pcat *c, const void *p, const char *path);

/* out = base + printf(fmt, ...), e.g. aj_pcat_path(out, "$.types", "[%d]", i). */
void aj_pcat_path(char out[AJ_PCAT_PATH_LEN], const char *base, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A user string made safe for quoting in a message: at most 40 bytes (cut at a UTF-8
 * boundary, "..." added), quotes, backslashes and control characters escaped. */
const char *aj_pcat_quote(const char *s, char buf[200]);
/* "an object", "a string", ... for messages. */
const char *aj_pcat_kind_of(const json_t *j);

/* Checks that j is an object whose keys are all in table (first unknown key in document
 * order is reported), that every required key is present and that each present key holds
 * its kind (in table order). */
aj_err aj_pcat_object(aj_pcat *c, const json_t *j, const char *path, const aj_pcat_key *table, int n_table);
/* Checks that the array j has n_min to n_max items (more than n_max: AJ_ETOOBIG). */
aj_err aj_pcat_count(aj_pcat *c, const json_t *j, const char *path, const char *what, int n_min, int n_max);

/* A code or id: 1 to AJ_PERMIT_ID_LEN_MAX letters, digits or '_'. */
bool aj_pcat_is_id(const char *s);
/* Reads an id (j already known to be a string) into the arena. */
aj_err aj_pcat_id(aj_pcat *c, const json_t *j, const char *path, const char **out);
/* Reads a non-empty string of at most max_len bytes into the arena. */
aj_err aj_pcat_string(aj_pcat *c, const json_t *j, const char *path, size_t max_len, const char **out);
/* Reads {"en": "...", "zh": "..."} (both non-empty, at most max_len bytes each). */
aj_err aj_pcat_text(aj_pcat *c, const json_t *j, const char *path, size_t max_len, aj_permit_text *out);
/* Reads an integer (j already known to be one) within [min, max]; unit names the unit in
 * the message ("hours", "minutes"). */
aj_err aj_pcat_int(aj_pcat *c, const json_t *j, const char *path, int min, int max, const char *unit,
                   int *out);

/* Index of id in the first n ids, or -1. For duplicate checks on short lists. */
int aj_pcat_find(const char *const *ids, int n, const char *id);

/* ---- the parts of a catalogue (catalogue_form.c, catalogue_type.c) ---- */

/* Reads a type's "fields" (form fields with their enum options) into t. */
aj_err aj_pcat_fields(aj_pcat *c, const json_t *arr, const char *path, aj_permit_type *t);
/* Reads a list of {"id", "text"} items (checklist, hazards): 1 to n_max, ids unique.
 * what names the items in messages ("checklist items"). */
aj_err aj_pcat_items(aj_pcat *c, const json_t *arr, const char *path, const char *what, int n_max,
                     const aj_permit_item **out, int *n_out);
/* Reads the type at index self, all but "bounded_by" (which may name types further on:
 * see aj_pcat_bounded_by). Its code must differ from those of cat->types[0..self-1];
 * role codes in approval chains are resolved against cat->roles. */
aj_err aj_pcat_type(aj_pcat *c, const json_t *j, const char *path, const aj_permit_catalogue *cat, int self,
                    aj_permit_type *out);
/* Reads the optional "bounded_by" of the type at index self of cat (j is the type's
 * object), once all types are read. */
aj_err aj_pcat_bounded_by(aj_pcat *c, const json_t *j, const char *path, const aj_permit_catalogue *cat,
                          int self, aj_permit_type *t);

#endif
