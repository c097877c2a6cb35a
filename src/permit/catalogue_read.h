/* catalogue_read.h — checked reading of catalogue JSON, shared by the catalogue parser
 * files: catalogue_read.c (ids, texts, integers), catalogue_form.c (form fields,
 * checklist, hazards), catalogue_type.c (one type), catalogue.c (the whole file).
 * Not for use outside src/permit/.
 *
 * The readers work on the generic checker of base/jsoncheck.h (first error, paths, key
 * tables, counts, strings): every reader takes the JSONPath-like location of the value it
 * reads ("$.types[2].code") and, on a problem, records the first error as "PATH: message"
 * in the checker; later errors are ignored, so callers just return the code they get.
 * Values the catalogue keeps are copied into the checker's arena (which must be set).
 */
#ifndef AJ_PERMIT_CATALOGUE_READ_H
#define AJ_PERMIT_CATALOGUE_READ_H

#include "base/err.h"
#include "base/jsoncheck.h"
#include "permit/catalogue.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A code or id: 1 to AJ_PERMIT_ID_LEN_MAX letters, digits or '_'. */
bool aj_pcat_is_id(const char *s);
/* Reads an id (j already known to be a string) into the arena. */
aj_err aj_pcat_id(aj_jc *c, const json_t *j, const char *path, const char **out);
/* Reads {"en": "...", "zh": "..."} (both non-empty, at most max_len bytes each); strings
 * (aj_jc_string) and the rest come from base/jsoncheck.h. */
aj_err aj_pcat_text(aj_jc *c, const json_t *j, const char *path, size_t max_len, aj_permit_text *out);
/* Reads an integer (j already known to be one) within [min, max]; unit names the unit in
 * the message ("hours", "minutes"). */
aj_err aj_pcat_int(aj_jc *c, const json_t *j, const char *path, int min, int max, const char *unit, int *out);

/* Index of id in the first n ids, or -1. For duplicate checks on short lists. */
int aj_pcat_find(const char *const *ids, int n, const char *id);

/* ---- the parts of a catalogue (catalogue_form.c, catalogue_type.c) ---- */

/* Reads a type's "fields" (form fields with their enum options) into t. */
aj_err aj_pcat_fields(aj_jc *c, const json_t *arr, const char *path, aj_permit_type *t);
/* Reads a list of {"id", "text"} items (checklist, hazards): 1 to n_max, ids unique.
 * what names the items in messages ("checklist items"). */
aj_err aj_pcat_items(aj_jc *c, const json_t *arr, const char *path, const char *what, int n_max,
                     const aj_permit_item **out, int *n_out);
/* Reads the type at index self, all but "bounded_by" (which may name types further on:
 * see aj_pcat_bounded_by). Its code must differ from those of cat->types[0..self-1];
 * role codes in approval chains are resolved against cat->roles. */
aj_err aj_pcat_type(aj_jc *c, const json_t *j, const char *path, const aj_permit_catalogue *cat, int self,
                    aj_permit_type *out);
/* Reads the optional "bounded_by" of the type at index self of cat (j is the type's
 * object), once all types are read. */
aj_err aj_pcat_bounded_by(aj_jc *c, const json_t *j, const char *path, const aj_permit_catalogue *cat,
                          int self, aj_permit_type *t);

#endif
