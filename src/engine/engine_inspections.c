/* engine_inspections.c — the inspection clock (docs/inspections.md): every
 * AJ_INSPECT_CHECK_MS the engine
 *
 *   1. makes the task of the current window for each active plan whose last task's window
 *      has ended (one per plan and window; the frequency is the plan's own or the one its
 *      risk point's residual level gives today, src/inspect/schedule.h), with a snapshot of
 *      the route so a later change of the plan does not move the goal posts;
 *   2. marks tasks whose window closed unfinished as missed, stamped with the window's end
 *      (event time), tells the assignee and the unit leaders of the department, and audits
 *      it as system:inspection.
 *
 * Windows that passed while the server was down get no task (nobody could scan them);
 * docs/inspections.md says so. */
#include "audit/audit.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine_internal.h"
#include "inspect/schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INSPECTION_ACTOR "system:inspection"

/* The route of a plan as a task keeps it: [{checkpoint_id, code, name, items}]. */
static json_t *route_snapshot(aj_db *db, int64_t plan_id) {
    aj_val v = AJ_VINT(plan_id);
    json_t *rows = NULL;
    if (aj_db_query_json(
            db,
            "SELECT pp.checkpoint_id, c.code, c.name, c.area_id, c.x, c.y, pp.items_json FROM "
            "inspection_plan_points pp JOIN inspection_checkpoints c ON c.id = pp.checkpoint_id WHERE "
            "pp.plan_id = ? ORDER BY pp.seq",
            &v, 1, &rows))
        return NULL;
    return rows;
}

static aj_err make_task(aj_db *db, const aj_result *r, int i, int64_t now) {
    int64_t plan_id = aj_result_int(r, i, 0);
    int f = aj_insp_freq_parse(aj_result_text(r, i, 5));
    const char *source = aj_result_text(r, i, 7);
    if (source && !strcmp(source, "risk_level") && !aj_result_is_null(r, i, 8)) {
        int g = aj_insp_freq_for_level(aj_result_text(r, i, 8));
        if (g >= 0) f = g;
    }
    aj_shift_pattern sp;
    aj_shift_pattern_default(&sp);
    json_t *starts = aj_result_is_null(r, i, 10) ? NULL : json_loads(aj_result_text(r, i, 10), 0, NULL);
    if (json_is_array(starts)) {
        const char *texts[AJ_INSPECT_SHIFTS_MAX];
        int n = 0;
        size_t k;
        json_t *s;
        json_array_foreach(starts, k, s) if (n < AJ_INSPECT_SHIFTS_MAX) texts[n++] = json_string_value(s);
        char err[128];
        if (!aj_shift_pattern_from(texts, n, &sp, err, sizeof err)) aj_shift_pattern_default(&sp);
    }
    json_decref(starts);
    int64_t ws, we;
    if (f < 0 || !aj_insp_window((aj_insp_freq)f, (int)aj_result_int(r, i, 6), &sp,
                                 aj_time_zone_offset_min(aj_result_text(r, i, 9)), now, &ws, &we)) {
        aj_warn("engine: inspection plan %lld has no valid frequency", (long long)plan_id);
        return AJ_EINVAL;
    }
    json_t *route = route_snapshot(db, plan_id);
    if (!route) return AJ_EIO;
    char *rtext = json_dumps(route, JSON_COMPACT);
    size_t n_points = json_array_size(route);
    json_decref(route);
    aj_val v[9] = {AJ_VINT(aj_result_int(r, i, 1)),
                   AJ_VINT(aj_result_int(r, i, 2)),
                   AJ_VINT(plan_id),
                   aj_result_is_null(r, i, 3) ? AJ_VNULL : AJ_VINT(aj_result_int(r, i, 3)),
                   aj_result_is_null(r, i, 4) ? AJ_VNULL : AJ_VINT(aj_result_int(r, i, 4)),
                   AJ_VINT(ws),
                   AJ_VINT(we),
                   AJ_VTEXT(rtext),
                   AJ_VINT((int64_t)n_points)};
    aj_err e = aj_db_begin(db);
    if (!e && n_points)
        e = aj_db_exec(
            db,
            "INSERT INTO inspection_tasks (enterprise_id, site_id, plan_id, org_id, assignee_id, "
            "window_start_ms, window_end_ms, state, route_json, n_points) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "'open', ?, ?) ON CONFLICT (plan_id, window_start_ms) DO NOTHING",
            v, 9, NULL);
    aj_val u[2] = {AJ_VINT(we), AJ_VINT(plan_id)};
    if (!e) e = aj_db_exec(db, "UPDATE inspection_plans SET generated_until_ms = ? WHERE id = ?", u, 2, NULL);
    if (!e) e = aj_db_commit(db);
    if (e) aj_db_rollback(db);
    free(rtext);
    return e;
}

static aj_err mark_missed(aj_db *db, const aj_result *r, int i) {
    int64_t id = aj_result_int(r, i, 0), ent = aj_result_int(r, i, 1), end = aj_result_int(r, i, 4);
    aj_val v[2] = {AJ_VINT(end), AJ_VINT(id)};
    int64_t changed = 0;
    aj_err e = aj_db_begin(db);
    if (!e)
        e = aj_db_exec(db,
                       "UPDATE inspection_tasks SET state = 'missed', ended_ms = ? WHERE id = ? AND state IN "
                       "('open', 'in_progress')",
                       v, 2, &changed);
    if (!e && changed == 1) {
        char text[400], when[40];
        aj_time_format_ms(end + 480LL * 60000, when, sizeof when);
        snprintf(text, sizeof text,
                 "inspection missed: %s (window ending %.16s Beijing time), %lld of %lld points done",
                 aj_result_text(r, i, 5), when, (long long)aj_result_int(r, i, 6),
                 (long long)aj_result_int(r, i, 7));
        aj_val nv[6] = {AJ_VINT(ent), AJ_VINT(id), AJ_VTEXT(text), AJ_VINT(end), AJ_VINT(id), AJ_VINT(ent)};
        /* the assignee, and the unit leaders of the task's department (of the enterprise
         * when it has none) */
        e = aj_db_exec(
            db,
            "INSERT INTO notifications (enterprise_id, person_id, role, inspection_task_id, kind, text, "
            "created_ms) SELECT DISTINCT CAST(? AS BIGINT), u.person_id, 'inspection', CAST(? AS BIGINT), "
            "'inspection_missed', CAST(? AS TEXT), CAST(? AS BIGINT) FROM inspection_tasks t JOIN users u "
            "ON u.id = t.assignee_id OR (u.enterprise_id = t.enterprise_id AND u.is_disabled = 0 AND "
            "(t.org_id IS NULL OR u.org_id = t.org_id) AND EXISTS (SELECT 1 FROM user_roles ur WHERE "
            "ur.user_id = u.id AND ur.role = 'unit_leader')) WHERE t.id = ? AND u.person_id IS NOT NULL "
            "AND u.enterprise_id = ?",
            nv, 6, NULL);
        if (!e) {
            char oid[32], due[40];
            snprintf(oid, sizeof oid, "%lld", (long long)id);
            aj_time_format_ms(end, due, sizeof due);
            json_t *after =
                json_pack("{s:s, s:s, s:I, s:I}", "state", "missed", "window_end", due, "n_scanned",
                          (json_int_t)aj_result_int(r, i, 6), "n_points", (json_int_t)aj_result_int(r, i, 7));
            aj_audit_entry ae = {ent,  INSPECTION_ACTOR, "inspections.missed", "inspection_task", oid, NULL,
                                 after};
            e = aj_audit_append(db, &ae);
            json_decref(after);
        }
    }
    if (!e) e = aj_db_commit(db);
    if (e) aj_db_rollback(db);
    return e;
}

void aj_ei_tick(aj_engine *e) {
    int64_t now = aj_time_now_ms();
    if (e->is_replaying || e->db->in_tx || now < e->next_inspection_check_ms) return;
    e->next_inspection_check_ms = now + AJ_INSPECT_CHECK_MS;
    aj_val v[3] = {AJ_VINT(now), AJ_VINT(now), AJ_VINT(AJ_INSPECT_TICK_BATCH)};
    aj_result *r;
    if (!aj_db_query(
            e->db,
            "SELECT p.id, p.enterprise_id, p.site_id, p.org_id, p.assignee_id, p.frequency, "
            "COALESCE(p.interval_min, 0), p.frequency_source, rp.residual_level, s.timezone, sh.starts_json "
            "FROM inspection_plans p JOIN sites s ON s.id = p.site_id LEFT JOIN risk_points rp ON rp.id = "
            "p.risk_point_id LEFT JOIN inspection_shifts sh ON sh.site_id = p.site_id WHERE p.is_active = 1 "
            "AND p.generated_until_ms <= ? AND p.active_from_ms <= ? ORDER BY p.id LIMIT ?",
            v, 3, &r)) {
        for (int i = 0; i < aj_result_rows(r); i++)
            if (make_task(e->db, r, i, now))
                aj_warn("engine: no inspection task for plan %lld: %s", (long long)aj_result_int(r, i, 0),
                        aj_db_errmsg(e->db));
        aj_result_free(r);
    }
    aj_val m[2] = {AJ_VINT(now), AJ_VINT(AJ_INSPECT_TICK_BATCH)};
    if (!aj_db_query(
            e->db,
            "SELECT t.id, t.enterprise_id, t.org_id, t.assignee_id, t.window_end_ms, p.name, t.n_scanned, "
            "t.n_points FROM inspection_tasks t JOIN inspection_plans p ON p.id = t.plan_id WHERE t.state "
            "IN ('open', 'in_progress') AND t.window_end_ms <= ? ORDER BY t.window_end_ms, t.id LIMIT ?",
            m, 2, &r)) {
        for (int i = 0; i < aj_result_rows(r); i++)
            if (mark_missed(e->db, r, i))
                aj_warn("engine: inspection task %lld not marked missed: %s",
                        (long long)aj_result_int(r, i, 0), aj_db_errmsg(e->db));
        aj_result_free(r);
    }
}
