/* audit.h — the hash-chained audit log.
 *
 * Every write to the store appends one record in the same transaction as the change:
 * actor, action, object, digests of the object before and after, time, and
 * hash = SHA-256(prev_hash | fields). audit_head keeps the last seq and hash, so
 * altering, removing (anywhere, including the tail) or reordering records is detected
 * by aj_audit_verify().
 */
#ifndef AJ_AUDIT_H
#define AJ_AUDIT_H

#include "store/store.h"

#include <jansson.h>

typedef struct aj_audit_entry {
    int64_t enterprise_id;   /* 0 for platform-level records (no enterprise) */
    const char *actor;       /* "user:12:admin", "cli:root", "system" */
    const char *action;      /* "areas.create", "auth.login", "plant.import" */
    const char *object_type; /* "area", "user", "site" */
    const char *object_id;   /* id or code, as text */
    const json_t *before;    /* object before the change, NULL when created */
    const json_t *after;     /* object after the change, NULL when deleted */
} aj_audit_entry;

/* Appends one record. Must be called inside a write transaction (aj_db_begin). */
aj_err aj_audit_append(aj_db *db, const aj_audit_entry *entry);

/* SHA-256 (hex, 64 chars + NUL) of the canonical JSON of obj (sorted keys, compact);
 * NULL obj gives an empty string. */
void aj_audit_digest(const json_t *obj, char out[65]);

typedef struct aj_audit_report {
    int64_t n_checked;
    int64_t first_bad_seq; /* 0 when the chain is intact */
    char reason[256];
} aj_audit_report;

/* Walks the whole chain. Returns AJ_OK when intact, AJ_EAUDIT with the first broken
 * record and the reason in report otherwise, or a storage error. */
aj_err aj_audit_verify(aj_db *db, aj_audit_report *report);

#endif
