/* plant_file.h — the plant file: validate, import and export a site's plant model.
 *
 * A plant file (format "anjian-plant", version 1, see docs/plant-file.md) describes one
 * site with its organisations, areas, assets, tags and people (with certificates).
 *
 * - aj_plant_validate() checks a parsed document against the schema and the references
 *   it makes. It is pure: everything it needs from the database comes through an
 *   aj_plant_lookup (a struct of function pointers), so tests and the fuzzer run it
 *   without a database. It never recurses on the document's nesting.
 * - aj_plant_import() validates (inside the write transaction, so what it checked is what
 *   it writes) and, only when there is no error at all, upserts everything in that one
 *   transaction with one audit record per created or updated object plus a summary.
 * - aj_plant_export() writes the same format back from the database, deterministically.
 *
 * Counting: every object of the file is counted in exactly one of created, updated or
 * unchanged. "unchanged" means the stored row already equals what the file says (no
 * write and no audit record for it); so re-importing an export counts everything as
 * unchanged. The site itself is reported separately (site_status).
 */
#ifndef AJ_PLANT_FILE_H
#define AJ_PLANT_FILE_H

#include "base/err.h"
#include "base/limits.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Longest parent chain followed through *existing* organisations or assets while looking
 * for cycles (chains inside the file are bounded by the file itself). Real hierarchies
 * are a handful of levels deep; a longer chain means the stored data is already cyclic. */
#define AJ_PLANT_CHAIN_MAX 1000

/* Object families of a plant file, in file (and import) order. */
typedef enum {
    AJ_PLANT_ORGANISATIONS,
    AJ_PLANT_AREAS,
    AJ_PLANT_ASSETS,
    AJ_PLANT_TAGS,
    AJ_PLANT_PEOPLE,
    AJ_PLANT_CERTIFICATES,
    AJ_PLANT_FAMILIES
} aj_plant_family;

/* "organisations", "areas", ... (never NULL for a valid family). */
const char *aj_plant_family_name(aj_plant_family f);

typedef struct aj_plant_error {
    char path[160];    /* JSONPath-like: "$.tags[12].range" */
    char message[200]; /* "lo must be less than hi" */
} aj_plant_error;

typedef enum {
    AJ_PLANT_SITE_NONE,
    AJ_PLANT_SITE_CREATED,
    AJ_PLANT_SITE_UPDATED,
    AJ_PLANT_SITE_UNCHANGED
} aj_plant_site_status;

typedef struct aj_plant_report {
    int n_errors; /* all errors found */
    int n_listed; /* errors kept in errors[] (the first AJ_PLANT_ERRORS_MAX) */
    aj_plant_error errors[AJ_PLANT_ERRORS_MAX];
    int created[AJ_PLANT_FAMILIES], updated[AJ_PLANT_FAMILIES], unchanged[AJ_PLANT_FAMILIES];
    aj_plant_site_status site_status;
    int64_t site_id;
} aj_plant_report;

/* Heap report, zeroed; the caller frees it with aj_plant_report_free(). NULL on ENOMEM. */
aj_plant_report *aj_plant_report_new(void);
void aj_plant_report_free(aj_plant_report *rep);
/* Clears errors and counts (done by validate and import themselves). */
void aj_plant_report_reset(aj_plant_report *rep);
/* Records one error (counted always, listed while there is room). */
void aj_plant_report_add_error(aj_plant_report *rep, const char *path, const char *message);

/* {"site_id", "created": {"sites": 0|1, family: n, ...}, "updated": {...}, "unchanged": {...}}.
 * Caller owns the result. */
json_t *aj_plant_report_json(const aj_plant_report *rep);
/* [{"path", "message"}, ...] of the listed errors. Caller owns the result. */
json_t *aj_plant_errors_json(const aj_plant_report *rep);

/* What the validator needs to know about objects already in the database (of the
 * importing enterprise, and of the file's site for areas, assets). Every function answers
 * AJ_OK (found; out-pointers set, borrowed from ctx and valid while ctx lives),
 * AJ_ENOTFOUND, or another error, which stops the validation with that error.
 * A NULL function pointer means "never found". */
typedef struct aj_plant_lookup {
    void *ctx;
    /* Asset template: *signal_roles is its JSON array of role names. */
    aj_err (*template_roles)(void *ctx, const char *template_code, const json_t **signal_roles);
    /* Person role (table roles). */
    aj_err (*role_exists)(void *ctx, const char *role);
    /* Existing organisation; *parent_code is NULL for a top-level one. */
    aj_err (*org_parent)(void *ctx, const char *code, const char **parent_code);
    /* Existing area of the site. */
    aj_err (*area_exists)(void *ctx, const char *code);
    /* Existing asset of the site: its parent code (NULL if none) and template. */
    aj_err (*asset_info)(void *ctx, const char *code, const char **parent_code, const char **template_code);
    /* Existing tag of the enterprise with this key: code of the site it belongs to. */
    aj_err (*tag_site)(void *ctx, const char *key, const char **site_code);
    /* Person of the enterprise holding this badge (upper-case hex). */
    aj_err (*badge_owner)(void *ctx, const char *badge_uid, const char **person_code);
    /* Person of the enterprise holding this certificate. */
    aj_err (*cert_owner)(void *ctx, const char *type, const char *number, const char **person_code);
} aj_plant_lookup;

/* Validates doc. Resets rep, then lists every violated rule in it. Returns AJ_OK when
 * the document is valid, AJ_EINVAL when rep holds errors, AJ_ENOMEM, or the error of a
 * failing lookup. */
aj_err aj_plant_validate(const json_t *doc, const aj_plant_lookup *lookup, aj_plant_report *rep);

/* Imports doc into enterprise_id (see the file comment). actor is recorded in the audit
 * log. On AJ_EINVAL, rep lists the errors and nothing was written. On AJ_OK, rep holds
 * the counts and the site id. AJ_ENOTFOUND when the enterprise does not exist. db must
 * not be inside a transaction. */
aj_err aj_plant_import(aj_db *db, int64_t enterprise_id, const char *actor, const json_t *doc,
                       aj_plant_report *rep);

/* Builds the plant file of site_id (which must belong to enterprise_id): organisations and
 * people of the whole enterprise, areas/assets/tags of the site; sorted by code (key);
 * null optional fields are omitted. Caller owns *out_doc. AJ_ENOTFOUND if no such site. */
aj_err aj_plant_export(aj_db *db, int64_t enterprise_id, int64_t site_id, json_t **out_doc);

/* ---- shared by validate.c and import.c ------------------------------------------------ */

/* Normalises a badge uid to upper case into out (at least 21 bytes). */
void aj_plant_badge_normalise(const char *badge_uid, char out[21]);

/* Order in which to write n objects so that each comes after its parent: parent[i] is
 * the index of i's parent among the n, or -1. Fills order[0..n-1]. Returns AJ_EINVAL
 * when the parents form a cycle, AJ_ENOMEM. Iterative, O(n). */
aj_err aj_plant_parent_order(const int *parent, int n, int *order);

#endif
