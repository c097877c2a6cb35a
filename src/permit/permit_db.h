/* permit_db.h — the permit writes shared by the API and the real-time engine: timeline
 * entries, notifications, and the changes no person asks for (an interlock trips or
 * clears, the validity ends). Each change is one transaction with its timeline entry and
 * its audit record; the caller publishes the live event after the commit
 * (aj_permit_event_text). docs/permits.md "Interlocks". */
#ifndef AJ_PERMIT_DB_H
#define AJ_PERMIT_DB_H

#include "base/err.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A permit as the live stream names it. */
typedef struct aj_permit_ref {
    int64_t id, enterprise_id, site_id;
    char number[48];
    char state[24];
    char type[32];
} aj_permit_ref;

/* Reads the permit's reference (AJ_ENOTFOUND when there is none). */
aj_err aj_permit_db_ref(aj_db *db, int64_t permit_id, aj_permit_ref *out);
/* Appends a timeline entry (detail borrowed, may be NULL). */
aj_err aj_permit_db_event(aj_db *db, int64_t permit_id, int64_t enterprise_id, int64_t at_ms,
                          const char *kind, const char *actor, const json_t *detail);
/* Tells the permit's workers, its attendant and the people who approved it (one
 * notification each, kept in the notifications table for their phones and the console). */
aj_err aj_permit_db_notify(aj_db *db, int64_t permit_id, int64_t enterprise_id, const char *kind,
                           const char *text, int64_t now_ms);

/* An interlock trips (cause: {"kind": "gas"|"gas_alarm", "tag_key", "value", "limit", ...}):
 * work in progress is suspended (paused, a gas re-test needed before it resumes); an
 * issued or paused permit is held (it may not start or resume while the interlock holds).
 * *is_changed false when the permit was not active. */
aj_err aj_permit_db_trip(aj_db *db, int64_t permit_id, const json_t *cause, const char *actor, int64_t now_ms,
                         aj_permit_ref *out, bool *is_changed);
/* The interlock's condition is gone: the permit may resume after a passing re-test. */
aj_err aj_permit_db_untrip(aj_db *db, int64_t permit_id, const char *actor, int64_t now_ms,
                           aj_permit_ref *out, bool *is_changed);
/* The validity window is over: an active permit becomes void ("expired"). */
aj_err aj_permit_db_expire(aj_db *db, int64_t permit_id, const char *actor, int64_t now_ms,
                           aj_permit_ref *out, bool *is_changed);

/* The live-stream text {"permit_id","number","type","change","state","cause","by"}
 * (cause may be NULL). Caller frees. */
char *aj_permit_event_text(const aj_permit_ref *p, const char *change, const char *cause, const char *by);

#endif
