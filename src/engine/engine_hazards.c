/* engine_hazards.c — overdue hidden dangers (docs/hazards.md "Overdue"): every
 * AJ_HAZARD_CHECK_MS the engine looks for registered hazards past their deadline and
 * raises each to the escalation level due (src/hazard/hazard.h): at the deadline the
 * assignee is told (level 1); every escalate_after of the enterprise's policy past it, one
 * level up — the unit leaders (2), the safety managers (3), the administrators (4). Each
 * step is a timeline entry, an audit record by system:escalation and a notification to
 * each person behind those accounts.
 *
 * Escalation runs on event time: each step is stamped with the instant it fell due
 * (deadline + (level - 1) x escalate_after), not the instant the engine noticed, and a
 * hazard whose deadline lies far back (a ledger taken over from paper, a server that was
 * down) is brought up to the level due at once, each step with its own due time. */
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine_internal.h"
#include "hazard/hazard.h"
#include "audit/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ESCALATION_ACTOR "system:escalation"

static const char *const TO_ROLE[AJ_HAZARD_ESCALATION_MAX + 1] = {NULL, NULL, "unit_leader", "safety_manager",
                                                                  "admin"};

static aj_err escalate(aj_db *db, int64_t id, int64_t enterprise_id, const char *number, int from, int to,
                       int64_t due_ms) {
    aj_val v[4] = {AJ_VINT(to), AJ_VINT(id), AJ_VINT(from)};
    int64_t changed = 0;
    aj_err e = aj_db_exec(
        db, "UPDATE hazards SET escalation = ? WHERE id = ? AND escalation = ? AND state = 'registered'", v,
        3, &changed);
    if (e || changed != 1) return e;
    char due_text[40];
    aj_time_format_ms(due_ms, due_text, sizeof due_text);
    json_t *detail = json_pack("{s:i, s:s?, s:s}", "level", to, "notify", to >= 2 ? TO_ROLE[to] : "assignee",
                               "due_at", due_text);
    char *dtext = json_dumps(detail, JSON_COMPACT);
    aj_val ev[6] = {AJ_VINT(id),
                    AJ_VINT(enterprise_id),
                    AJ_VINT(due_ms),
                    AJ_VTEXT(to == 1 ? "overdue" : "escalated"),
                    AJ_VTEXT(ESCALATION_ACTOR),
                    AJ_VTEXT(dtext)};
    e = aj_db_exec(db,
                   "INSERT INTO hazard_events (hazard_id, enterprise_id, at_ms, kind, actor, detail_json) "
                   "VALUES (?, ?, ?, "
                   "?, ?, ?)",
                   ev, 6, NULL);
    free(dtext);
    if (!e) {
        char oid[32];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        json_t *before = json_pack("{s:i}", "escalation", from);
        aj_audit_entry ae = {enterprise_id,
                             ESCALATION_ACTOR,
                             to == 1 ? "hazards.overdue" : "hazards.escalate",
                             "hazard",
                             oid,
                             before,
                             detail};
        e = aj_audit_append(db, &ae);
        json_decref(before);
    }
    char text[300];
    snprintf(text, sizeof text,
             to == 1 ? "%s: the rectification deadline has passed" : "%s: overdue, escalated to you", number);
    if (!e && to == 1) {
        aj_val nv[5] = {AJ_VINT(enterprise_id), AJ_VINT(id), AJ_VTEXT(text), AJ_VINT(due_ms), AJ_VINT(id)};
        e = aj_db_exec(
            db,
            "INSERT INTO notifications (enterprise_id, person_id, role, hazard_id, kind, text, created_ms) "
            "SELECT CAST(? AS BIGINT), u.person_id, 'assignee', CAST(? AS BIGINT), 'hazard_overdue', "
            "CAST(? AS TEXT), CAST(? AS BIGINT) FROM hazards h JOIN users u ON u.id = h.assignee_id WHERE "
            "h.id = ? AND u.person_id IS NOT NULL",
            nv, 5, NULL);
    } else if (!e) {
        aj_val nv[7] = {AJ_VINT(enterprise_id), AJ_VTEXT(TO_ROLE[to]),  AJ_VINT(id),          AJ_VTEXT(text),
                        AJ_VINT(due_ms),        AJ_VINT(enterprise_id), AJ_VTEXT(TO_ROLE[to])};
        e = aj_db_exec(
            db,
            "INSERT INTO notifications (enterprise_id, person_id, role, hazard_id, kind, text, created_ms) "
            "SELECT DISTINCT CAST(? AS BIGINT), u.person_id, CAST(? AS TEXT), CAST(? AS BIGINT), "
            "'hazard_escalated', CAST(? AS TEXT), CAST(? AS BIGINT) FROM users u JOIN user_roles r ON "
            "r.user_id "
            "= u.id WHERE u.enterprise_id = ? AND r.role = CAST(? AS TEXT) AND u.person_id IS NOT NULL",
            nv, 7, NULL);
    }
    json_decref(detail);
    return e;
}

void aj_eh_tick(aj_engine *e) {
    int64_t now = aj_time_now_ms();
    if (e->is_replaying || e->db->in_tx || now < e->next_hazard_check_ms) return;
    e->next_hazard_check_ms = now + AJ_HAZARD_CHECK_MS;
    aj_val v[2] = {AJ_VINT(AJ_HAZARD_ESCALATE_AFTER_S), AJ_VINT(now)};
    aj_result *r;
    if (aj_db_query(e->db,
                    "SELECT h.id, h.enterprise_id, h.number, h.deadline_ms, h.escalation, "
                    "COALESCE(p.escalate_after_s, "
                    "?) FROM hazards h LEFT JOIN hazard_policy p ON p.enterprise_id = h.enterprise_id WHERE "
                    "h.state = "
                    "'registered' AND h.deadline_ms <= ? AND h.escalation < 4 ORDER BY h.id LIMIT 500",
                    v, 2, &r))
        return;
    for (int i = 0; i < aj_result_rows(r); i++) {
        int64_t id = aj_result_int(r, i, 0), ent = aj_result_int(r, i, 1);
        int from = (int)aj_result_int(r, i, 4);
        int due = aj_hazard_escalation_due(aj_result_int(r, i, 3), now, aj_result_int(r, i, 5) * 1000,
                                           AJ_HAZARD_ESCALATION_MAX);
        if (due <= from) continue;
        int64_t deadline = aj_result_int(r, i, 3), step_ms = aj_result_int(r, i, 5) * 1000;
        aj_err err = aj_db_begin(e->db);
        for (int level = from + 1; !err && level <= due; level++)
            err = escalate(e->db, id, ent, aj_result_text(r, i, 2), level - 1, level,
                           deadline + (int64_t)(level - 1) * step_ms);
        if (!err) err = aj_db_commit(e->db);
        if (err) {
            aj_db_rollback(e->db);
            aj_warn("engine: hazard %lld not escalated: %s", (long long)id, aj_db_errmsg(e->db));
        }
    }
    aj_result_free(r);
}
