/* audit.c — append to and verify the hash-chained audit log (see audit.h).
 *
 * Record hash input, fields separated by '\n':
 *   prev_hash, seq, at_ms, enterprise_id, actor, action, object_type, object_id,
 *   before_digest, after_digest
 * The link to the previous record is the prev_hash field; the first record links to
 * 64 zeros. Appends lock audit_head (SQLite: the write transaction is already exclusive;
 * PostgreSQL: SELECT ... FOR UPDATE), so concurrent writers form one chain.
 */
#include "audit/audit.h"

#include "base/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

void aj_audit_digest(const json_t *obj, char out[65]) {
    out[0] = 0;
    if (!obj) return;
    char *text = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) return;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    free(text);
    hex(h, sizeof h, out);
}

static void record_hash(const char *prev, int64_t seq, int64_t at_ms, int64_t ent, const char *actor,
                        const char *action, const char *otype, const char *oid, const char *before,
                        const char *after, char out[65]) {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    char nums[96];
    int n =
        snprintf(nums, sizeof nums, "\n%lld\n%lld\n%lld\n", (long long)seq, (long long)at_ms, (long long)ent);
    crypto_hash_sha256_update(&st, (const unsigned char *)prev, strlen(prev));
    crypto_hash_sha256_update(&st, (const unsigned char *)nums, (size_t)n);
    const char *rest[] = {actor, action, otype, oid, before ? before : "", after ? after : ""};
    for (int i = 0; i < 6; i++) {
        crypto_hash_sha256_update(&st, (const unsigned char *)rest[i], strlen(rest[i]));
        crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, h);
    hex(h, sizeof h, out);
}

/* Reads and locks the head once per transaction (PostgreSQL: SELECT ... FOR UPDATE;
 * SQLite: the write transaction already holds the database lock). */
static aj_err load_head(aj_db *db) {
    if (db->audit_head_known) return AJ_OK;
    const char *head_sql = db->kind == AJ_DB_POSTGRES
                               ? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                               : "SELECT seq, hash FROM audit_head WHERE id = 1";
    aj_result *r;
    aj_err e = aj_db_query(db, head_sql, NULL, 0, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_db_fail(db, AJ_EAUDIT, "audit: audit_head row missing");
    }
    db->audit_seq = aj_result_int(r, 0, 0);
    snprintf(db->audit_hash, sizeof db->audit_hash, "%s", aj_result_text(r, 0, 1));
    aj_result_free(r);
    db->audit_head_known = true;
    return AJ_OK;
}

aj_err aj_audit_append(aj_db *db, const aj_audit_entry *en) {
    if (!db->in_tx) return aj_db_fail(db, AJ_EINTERNAL, "audit: append outside a transaction");
    aj_err e = load_head(db);
    if (e) return e;
    int64_t seq = db->audit_seq + 1;
    char before[65], after[65], hash[65];
    aj_audit_digest(en->before, before);
    aj_audit_digest(en->after, after);
    int64_t at_ms = aj_time_now_ms();
    record_hash(db->audit_hash, seq, at_ms, en->enterprise_id, en->actor, en->action, en->object_type,
                en->object_id, before, after, hash);
    aj_val p[13] = {AJ_VINT(seq),
                    AJ_VINT(at_ms),
                    en->enterprise_id ? AJ_VINT(en->enterprise_id) : AJ_VNULL,
                    AJ_VTEXT(en->actor),
                    AJ_VTEXT(en->action),
                    AJ_VTEXT(en->object_type),
                    AJ_VTEXT(en->object_id),
                    before[0] ? AJ_VTEXT(before) : AJ_VNULL,
                    after[0] ? AJ_VTEXT(after) : AJ_VNULL,
                    AJ_VTEXT(db->audit_hash),
                    AJ_VTEXT(hash),
                    AJ_VINT(seq),
                    AJ_VTEXT(hash)};
    const char *insert = "INSERT INTO audit_log (seq, at_ms, enterprise_id, actor, action, object_type,"
                         " object_id, before_digest, after_digest, prev_hash, hash)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    if (db->kind == AJ_DB_POSTGRES) {
        /* One round trip: the record and the head move together. */
        e = aj_db_exec(
            db,
            "WITH rec AS (INSERT INTO audit_log (seq, at_ms, enterprise_id, actor, action, object_type,"
            " object_id, before_digest, after_digest, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))"
            " UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
            p, 13, NULL);
    } else {
        e = aj_db_exec(db, insert, p, 11, NULL);
        if (!e) e = aj_db_exec(db, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", p + 11, 2, NULL);
    }
    if (e) {
        db->audit_head_known = false;
        return e;
    }
    db->audit_seq = seq;
    memcpy(db->audit_hash, hash, sizeof hash);
    return AJ_OK;
}

#define VERIFY_BATCH 2000

aj_err aj_audit_verify(aj_db *db, aj_audit_report *rep) {
    memset(rep, 0, sizeof *rep);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    int64_t expect_seq = 1;
    for (;;) {
        aj_val p[2] = {AJ_VINT(expect_seq), AJ_VINT(VERIFY_BATCH)};
        aj_result *r;
        aj_err e = aj_db_query(db,
                               "SELECT seq, at_ms, enterprise_id, actor, action, object_type, object_id,"
                               " before_digest, after_digest, prev_hash, hash FROM audit_log"
                               " WHERE seq >= ? ORDER BY seq LIMIT ?",
                               p, 2, &r);
        if (e) return e;
        int n = aj_result_rows(r);
        for (int i = 0; i < n; i++) {
            int64_t seq = aj_result_int(r, i, 0);
            char computed[65];
            const char *stored_prev = aj_result_text(r, i, 9), *stored_hash = aj_result_text(r, i, 10);
            if (seq != expect_seq) {
                rep->first_bad_seq = expect_seq;
                snprintf(rep->reason, sizeof rep->reason,
                         "record %lld is missing (next present record is %lld)", (long long)expect_seq,
                         (long long)seq);
            } else if (strcmp(stored_prev, prev) != 0) {
                rep->first_bad_seq = seq;
                snprintf(rep->reason, sizeof rep->reason,
                         "record %lld does not link to record %lld (removed or reordered)", (long long)seq,
                         (long long)(seq - 1));
            } else {
                record_hash(prev, seq, aj_result_int(r, i, 1), aj_result_int(r, i, 2),
                            aj_result_text(r, i, 3), aj_result_text(r, i, 4), aj_result_text(r, i, 5),
                            aj_result_text(r, i, 6),
                            aj_result_is_null(r, i, 7) ? "" : aj_result_text(r, i, 7),
                            aj_result_is_null(r, i, 8) ? "" : aj_result_text(r, i, 8), computed);
                if (strcmp(computed, stored_hash) != 0) {
                    rep->first_bad_seq = seq;
                    snprintf(rep->reason, sizeof rep->reason,
                             "record %lld was altered (its content does not match its hash)", (long long)seq);
                }
            }
            if (rep->first_bad_seq) {
                aj_result_free(r);
                return AJ_EAUDIT;
            }
            snprintf(prev, sizeof prev, "%s", stored_hash);
            rep->n_checked++;
            expect_seq++;
        }
        aj_result_free(r);
        if (n < VERIFY_BATCH) break;
    }
    /* The head must point at the last record: catches removal of the tail. */
    aj_result *h;
    aj_err e = aj_db_query(db, "SELECT seq, hash FROM audit_head WHERE id = 1", NULL, 0, &h);
    if (e) return e;
    if (aj_result_rows(h) != 1) {
        aj_result_free(h);
        snprintf(rep->reason, sizeof rep->reason, "audit_head row is missing");
        rep->first_bad_seq = expect_seq;
        return AJ_EAUDIT;
    }
    int64_t head_seq = aj_result_int(h, 0, 0);
    bool head_ok = head_seq == expect_seq - 1 && strcmp(aj_result_text(h, 0, 1), prev) == 0;
    aj_result_free(h);
    if (!head_ok) {
        rep->first_bad_seq = expect_seq <= head_seq ? expect_seq : head_seq;
        snprintf(rep->reason, sizeof rep->reason,
                 "the chain ends at record %lld but the head says %lld: records at the end were removed or "
                 "altered",
                 (long long)(expect_seq - 1), (long long)head_seq);
        return AJ_EAUDIT;
    }
    return AJ_OK;
}
