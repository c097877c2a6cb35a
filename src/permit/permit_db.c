/* permit_db.c — permit writes shared by the API and the engine (permit_db.h). */
#include "permit/permit_db.h"

#include "audit/audit.h"
#include "permit/lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aj_err aj_permit_db_ref(aj_db *db, int64_t permit_id, aj_permit_ref *out) {
    aj_val p = AJ_VINT(permit_id);
    aj_result *r;
    aj_err e = aj_db_query(
        db, "SELECT id, enterprise_id, site_id, number, state, type FROM permits WHERE id = ?", &p, 1, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return AJ_ENOTFOUND;
    }
    memset(out, 0, sizeof *out);
    out->id = aj_result_int(r, 0, 0);
    out->enterprise_id = aj_result_int(r, 0, 1);
    out->site_id = aj_result_int(r, 0, 2);
    snprintf(out->number, sizeof out->number, "%s", aj_result_text(r, 0, 3));
    snprintf(out->state, sizeof out->state, "%s", aj_result_text(r, 0, 4));
    snprintf(out->type, sizeof out->type, "%s", aj_result_text(r, 0, 5));
    aj_result_free(r);
    return AJ_OK;
}

aj_err aj_permit_db_event(aj_db *db, int64_t permit_id, int64_t enterprise_id, int64_t at_ms,
                          const char *kind, const char *actor, const json_t *detail) {
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    aj_val p[6] = {AJ_VINT(permit_id), AJ_VINT(enterprise_id), AJ_VINT(at_ms),
                   AJ_VTEXT(kind),     AJ_VTEXT(actor),        AJ_VTEXT(text)};
    aj_err e =
        aj_db_exec(db,
                   "INSERT INTO permit_events (permit_id, enterprise_id, at_ms, kind, actor, detail_json) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   p, 6, NULL);
    free(text);
    return e;
}

aj_err aj_permit_db_notify(aj_db *db, int64_t permit_id, int64_t enterprise_id, const char *kind,
                           const char *text, int64_t now_ms) {
    /* workers and the attendant of the permit; the people behind the approvals */
    aj_val p[7] = {AJ_VINT(enterprise_id), AJ_VINT(permit_id), AJ_VTEXT(kind),    AJ_VTEXT(text),
                   AJ_VINT(now_ms),        AJ_VINT(permit_id), AJ_VINT(permit_id)};
    return aj_db_exec(
        db,
        "INSERT INTO notifications (enterprise_id, person_id, role, permit_id, kind, text, "
        "created_ms) SELECT DISTINCT CAST(? AS BIGINT), w.person_id, w.role, CAST(? AS BIGINT), CAST(? AS "
        "TEXT), CAST(? AS TEXT), CAST(? AS BIGINT) FROM ("
        "SELECT person_id, role FROM permit_people WHERE permit_id = ? UNION "
        "SELECT u.person_id, 'approver' FROM permit_approvals a JOIN users u ON u.id = a.user_id "
        "WHERE a.permit_id = ? AND u.person_id IS NOT NULL) w",
        p, 7, NULL);
}

/* Reads state and the ref, locked for the transaction (SQLite: BEGIN IMMEDIATE). */
static aj_err begin_with(aj_db *db, int64_t permit_id, aj_permit_ref *ref) {
    aj_err e = aj_db_begin(db);
    if (!e) e = aj_permit_db_ref(db, permit_id, ref);
    if (e) aj_db_rollback(db);
    return e;
}

static aj_err finish(aj_db *db, aj_err e) {
    if (!e) e = aj_db_commit(db);
    if (e) aj_db_rollback(db);
    return e;
}

static aj_err audit(aj_db *db, const aj_permit_ref *ref, const char *actor, const char *action,
                    const char *from, const json_t *detail) {
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)ref->id);
    json_t *before = json_pack("{s:s}", "state", from);
    json_t *after = json_pack("{s:s, s:O?}", "state", ref->state, "detail", detail);
    aj_audit_entry ae = {ref->enterprise_id, actor, action, "permit", oid, before, after};
    aj_err e = aj_audit_append(db, &ae);
    json_decref(before);
    json_decref(after);
    return e;
}

aj_err aj_permit_db_trip(aj_db *db, int64_t permit_id, const json_t *cause, const char *actor, int64_t now_ms,
                         aj_permit_ref *out, bool *is_changed) {
    *is_changed = false;
    aj_err e = begin_with(db, permit_id, out);
    if (e) return e;
    int st = aj_permit_state_parse(out->state);
    if (st < 0 || !aj_permit_state_is_active((aj_permit_state)st)) return finish(db, AJ_OK);
    char from[24];
    snprintf(from, sizeof from, "%s", out->state);
    const char *kind = json_string_value(json_object_get(cause, "kind"));
    char *ctext = json_dumps(cause, JSON_COMPACT);
    int64_t changed = 0;
    if (st == AJ_PS_IN_PROGRESS) {
        aj_val p[5] = {AJ_VINT(now_ms), AJ_VTEXT(kind ? kind : "gas"), AJ_VTEXT(ctext), AJ_VINT(permit_id)};
        e = aj_db_exec(db,
                       "UPDATE permits SET state = 'paused', paused_since_ms = ?, suspended_cause = ?, "
                       "needs_retest = 1, interlock_json = ? WHERE id = ? AND state = 'in_progress'",
                       p, 4, &changed);
        snprintf(out->state, sizeof out->state, "paused");
    } else {
        aj_val p[3] = {AJ_VTEXT(ctext), AJ_VINT(st == AJ_PS_PAUSED), AJ_VINT(permit_id)};
        e = aj_db_exec(db,
                       "UPDATE permits SET interlock_json = ?, needs_retest = CASE WHEN ? = 1 THEN 1 ELSE "
                       "needs_retest END WHERE id = ?",
                       p, 3, &changed);
    }
    free(ctext);
    const char *ev = st == AJ_PS_IN_PROGRESS ? "suspended" : "interlock";
    if (!e && changed) e = aj_permit_db_event(db, permit_id, out->enterprise_id, now_ms, ev, actor, cause);
    if (!e && changed)
        e = audit(db, out, actor, st == AJ_PS_IN_PROGRESS ? "permits.suspend" : "permits.interlock", from,
                  cause);
    if (!e && changed) {
        char text[400];
        snprintf(text, sizeof text, "%s %s: %s — %s", out->number,
                 st == AJ_PS_IN_PROGRESS ? "suspended, stop work and leave the area" : "held, do not start",
                 kind && !strcmp(kind, "gas_alarm") ? "gas alarm in the area"
                                                    : "gas detector above the pass limit",
                 json_string_value(json_object_get(cause, "tag_key"))
                     ? json_string_value(json_object_get(cause, "tag_key"))
                     : "");
        e = aj_permit_db_notify(db, permit_id, out->enterprise_id, ev, text, now_ms);
    }
    *is_changed = !e && changed > 0;
    return finish(db, e);
}

aj_err aj_permit_db_untrip(aj_db *db, int64_t permit_id, const char *actor, int64_t now_ms,
                           aj_permit_ref *out, bool *is_changed) {
    *is_changed = false;
    aj_err e = begin_with(db, permit_id, out);
    if (e) return e;
    aj_val p = AJ_VINT(permit_id);
    int64_t changed = 0;
    e = aj_db_exec(db, "UPDATE permits SET interlock_json = NULL WHERE id = ? AND interlock_json IS NOT NULL",
                   &p, 1, &changed);
    if (!e && changed)
        e = aj_permit_db_event(db, permit_id, out->enterprise_id, now_ms, "interlock_cleared", actor, NULL);
    if (!e && changed) e = audit(db, out, actor, "permits.interlock_clear", out->state, NULL);
    *is_changed = !e && changed > 0;
    return finish(db, e);
}

aj_err aj_permit_db_expire(aj_db *db, int64_t permit_id, const char *actor, int64_t now_ms,
                           aj_permit_ref *out, bool *is_changed) {
    *is_changed = false;
    aj_err e = begin_with(db, permit_id, out);
    if (e) return e;
    aj_val p[2] = {AJ_VINT(permit_id), AJ_VINT(now_ms)};
    aj_result *r;
    if ((e = aj_db_query(db, "SELECT valid_from_ms, valid_to_ms FROM permits WHERE id = ?", p, 1, &r)))
        return finish(db, e);
    aj_permit_facts f = {
        .now_ms = now_ms, .valid_from_ms = aj_result_int(r, 0, 0), .valid_to_ms = aj_result_int(r, 0, 1)};
    aj_result_free(r);
    int st = aj_permit_state_parse(out->state);
    aj_permit_state to;
    if (st < 0 || aj_permit_step((aj_permit_state)st, AJ_PE_EXPIRE, &f, &to) != AJ_PR_NONE)
        return finish(db, AJ_OK);
    char from[24];
    snprintf(from, sizeof from, "%s", out->state);
    int64_t changed = 0;
    aj_val q[3] = {AJ_VTEXT(aj_permit_state_name(to)), AJ_VINT(permit_id), AJ_VTEXT(from)};
    e = aj_db_exec(db, "UPDATE permits SET state = ?, ended_reason = 'expired' WHERE id = ? AND state = ?", q,
                   3, &changed);
    snprintf(out->state, sizeof out->state, "%s", aj_permit_state_name(to));
    if (!e && changed)
        e = aj_permit_db_event(db, permit_id, out->enterprise_id, now_ms, "expired", actor, NULL);
    if (!e && changed) e = audit(db, out, actor, "permits.expire", from, NULL);
    if (!e && changed) {
        char text[200];
        snprintf(text, sizeof text, "%s expired: the validity is over, stop work", out->number);
        e = aj_permit_db_notify(db, permit_id, out->enterprise_id, "expired", text, now_ms);
    }
    *is_changed = !e && changed > 0;
    return finish(db, e);
}

char *aj_permit_event_text(const aj_permit_ref *p, const char *change, const char *cause, const char *by) {
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s}", "permit_id", (json_int_t)p->id, "number", p->number,
                  "type", p->type, "change", change, "state", p->state, "cause", cause, "by", by);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}
