/* alarm_defs.h — alarm definitions in the store (table alarm_defs, docs/alarms.md).
 *
 * Every tag has a diagnostic alarm (kind "quality": raised while a data-quality
 * condition holds on the tag) and, for gas detectors, the GB/T 50493-2019 alarms from
 * its kind. These are generated ("default" rows) and follow the tag: aj_alarm_defs_sync
 * brings them in line after the tag changes. Users set process alarms per tag through
 * the API or the plant file ("user" rows); a user row replaces the default of its kind,
 * and removing it brings the default back. Rows are never deleted once they have a
 * journal: a removed alarm is retired (is_retired = 1).
 *
 * All writes happen inside the caller's transaction and append audit records.
 */
#ifndef AJ_ALARM_DEFS_H
#define AJ_ALARM_DEFS_H

#include "engine/alarm.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>

/* Definitions one tag may have: hh h l ll roc discrete + quality. */
#define AJ_ALARM_DEFS_PER_TAG  8
#define AJ_ALARM_BASIS_LEN_MAX 200

/* kind names in the table: the aj_alarm_kind names plus this one. */
#define AJ_ALARM_KIND_QUALITY_NAME "quality"

typedef struct aj_alarm_def_row {
    aj_alarm_def def; /* def.basis points at basis below (fix with aj_alarm_def_row_fix) */
    bool is_quality;  /* the tag's diagnostic alarm (def.kind is DISCRETE, setpoint 1) */
    bool is_user;     /* source "user" (else "default") */
    int64_t enterprise_id;
    char basis[AJ_ALARM_BASIS_LEN_MAX + 1];
} aj_alarm_def_row;

/* Re-points def.basis at the row's own basis text (after copying a row). */
void aj_alarm_def_row_fix(aj_alarm_def_row *r);
const char *aj_alarm_def_row_kind_name(const aj_alarm_def_row *r);

/* The tag's live (not retired) definitions, by kind order. */
aj_err aj_alarm_defs_load(aj_db *db, int64_t tag_id, aj_alarm_def_row *out, size_t cap, size_t *n);

/* Every live definition of the store, by tag (the engine's start). The row is valid
 * during the call only. */
typedef void (*aj_alarm_def_row_fn)(void *ctx, const aj_alarm_def_row *row);
aj_err aj_alarm_defs_load_all(aj_db *db, aj_alarm_def_row_fn fn, void *ctx);

/* Brings the generated rows of one tag (tag_id > 0) or of every tag of the enterprise
 * (tag_id == 0; enterprise_id == 0: all enterprises) in line with the tags; user rows
 * are kept. *n_changed (may be NULL) counts rows created, changed or retired. Inside a
 * transaction; audit records are written with actor. */
aj_err aj_alarm_defs_sync(aj_db *db, int64_t enterprise_id, int64_t tag_id, const char *actor,
                          int *n_changed);

/* Replaces the user-set alarms of a tag with defs[0..n) (kinds unique): listed kinds
 * become user rows; user rows not listed fall back to the generated default of their
 * kind, or are retired. The quality alarm cannot be set this way. Inside a
 * transaction. AJ_EINVAL (with err) for a bad list. */
aj_err aj_alarm_defs_put(aj_db *db, int64_t enterprise_id, int64_t tag_id, const aj_alarm_def_row *defs,
                         size_t n, const char *actor, int *n_changed, char *err, size_t errlen);

/* JSON form (API and plant file):
 *   {"kind":"h","priority":"high","setpoint":80,"deadband":1,"on_delay_s":0,"off_delay_s":5,
 *    "roc_window_s":60,"is_not_equal":false,"is_latched":false,"shelve_max_s":28800,"basis":"..."}
 * Only kind, priority and setpoint are required. On error, err names the member under
 * path (e.g. "$.tags[3].alarms[1].setpoint: must be a number"). */
aj_err aj_alarm_def_from_json(const json_t *obj, const char *path, aj_alarm_def_row *out, char *err,
                              size_t errlen);
/* The row as JSON (adds id, tag_id, source); the caller owns it. */
json_t *aj_alarm_def_row_to_json(const aj_alarm_def_row *r);
/* Checks a list (each valid, kinds unique, no quality); err as above with path "$". */
aj_err aj_alarm_defs_check_list(const json_t *arr, const char *path, char *err, size_t errlen);

#endif
