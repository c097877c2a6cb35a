/* inspections_tasks.c — inspection tasks and checkpoint scans (巡检任务, docs/inspections.md):
 *
 *   GET  /api/v1/inspection-tasks              tasks by site, state, window; mine=1 for my own
 *   GET  /api/v1/inspection-tasks/{id}         one, its route with each point's scan
 *   POST /api/v1/inspection-tasks/{id}/scans   a scan: the code read (NFC UID or QR), the
 *                                              answers to the point's check list, and a
 *                                              finding that becomes a hidden danger at once
 *
 * The engine makes the tasks (one per plan and window) and marks those not finished when
 * their window closes as missed (engine_inspections.c). A scan is judged by
 * aj_scan_judge (src/inspect/schedule.h); a refusal is 409 with details.refusal and
 * nothing is written. A scan, its task's progress, the hazard of a finding and the audit
 * record are one transaction. */
#include "api/hazard_int.h"
#include "api/inspections_int.h"
#include "auth/perm.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "inspect/schedule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASK_COLS                                                                                            \
    "t.id, t.site_id, t.plan_id, p.name AS plan_name, t.org_id, (SELECT name FROM organisations WHERE id = " \
    "t.org_id) AS org_name, t.assignee_id, (SELECT username FROM users WHERE id = t.assignee_id) AS "        \
    "assignee, t.window_start_ms, t.window_end_ms, t.state, t.n_points, t.n_scanned, t.n_findings, "         \
    "t.started_ms, t.ended_ms, t.route_json, t.enterprise_id"

enum {
    C_ID,
    C_SITE,
    C_PLAN,
    C_PLAN_NAME,
    C_ORG,
    C_ORG_NAME,
    C_ASSIGNEE,
    C_ASSIGNEE_NAME,
    C_WSTART,
    C_WEND,
    C_STATE,
    C_NPOINTS,
    C_NSCANNED,
    C_NFIND,
    C_STARTED,
    C_ENDED,
    C_ROUTE,
    C_ENT
};

/* May the caller perform this task: its assignee, or (none assigned) one of its department
 * (or anyone when it has none), or a planner. */
static bool may_perform(const aj_req *req, int64_t assignee_id, int64_t org_id) {
    if (req->auth.perms & AJ_PERM_INSPECTIONS_PLAN) return true;
    if (assignee_id) return assignee_id == req->auth.user_id;
    return !org_id || org_id == req->auth.org_id;
}

static json_t *task_json(const aj_result *r, int i, bool with_route) {
    json_t *o = aj_result_row_json(r, i);
    json_object_del(o, "enterprise_id");
    if (!with_route) json_object_del(o, "route");
    int64_t total = aj_result_int(r, i, C_NPOINTS);
    json_object_set_new(o, "progress",
                        json_real(total ? (double)aj_result_int(r, i, C_NSCANNED) / (double)total : 0));
    return o;
}

static void mine_clause(aj_req *req, char *sql, size_t size, aj_val *v, int *n) {
    strncat(sql, " AND (t.assignee_id = ? OR (t.assignee_id IS NULL AND (t.org_id IS NULL OR t.org_id = ?)))",
            size - strlen(sql) - 1);
    v[(*n)++] = AJ_VINT(req->auth.user_id);
    v[(*n)++] = AJ_VINT(req->auth.org_id);
}

aj_err aj_api_inspection_tasks_list(aj_req *req) {
    char ent[1100], site[1100], sql[3600];
    aj_scope_enterprise(req, "t.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "t.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT " TASK_COLS
             " FROM inspection_tasks t JOIN inspection_plans p ON p.id = t.plan_id WHERE %s AND %s",
             ent, site);
    aj_val v[10];
    int n = 0;
    int64_t site_id, plan_id, mine, limit, from = 0, to = 0;
    aj_err e;
    if ((e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id)) ||
        (e = aj_req_query_int(req, "plan_id", 0, 0, INT64_MAX, &plan_id)) ||
        (e = aj_req_query_int(req, "mine", 0, 0, 1, &mine)) ||
        (e = aj_req_query_int(req, "limit", 200, 1, AJ_INSPECT_LIST_MAX, &limit)))
        return e;
    const char *fs = aj_req_query(req, "from"), *ts = aj_req_query(req, "to");
    if (fs && !aj_time_parse(fs, &from)) return aj_req_fail(req, AJ_EINVAL, "from: an RFC 3339 time");
    if (ts && !aj_time_parse(ts, &to)) return aj_req_fail(req, AJ_EINVAL, "to: an RFC 3339 time");
    if (site_id) {
        strncat(sql, " AND t.site_id = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(site_id);
    }
    if (plan_id) {
        strncat(sql, " AND t.plan_id = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(plan_id);
    }
    if (fs) {
        strncat(sql, " AND t.window_end_ms > ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(from);
    }
    if (ts) {
        strncat(sql, " AND t.window_start_ms < ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(to);
    }
    const char *state = aj_req_query(req, "state");
    if (state && !strcmp(state, "active")) {
        strncat(sql, " AND t.state IN ('open', 'in_progress')", sizeof sql - strlen(sql) - 1);
    } else if (state) {
        if (strcmp(state, "open") && strcmp(state, "in_progress") && strcmp(state, "done") &&
            strcmp(state, "missed"))
            return aj_req_fail(req, AJ_EINVAL, "state: open, in_progress, done, missed or active");
        strncat(sql, " AND t.state = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VTEXT(state);
    }
    if (mine) mine_clause(req, sql, sizeof sql, v, &n);
    strncat(sql, " ORDER BY t.window_start_ms DESC, t.id DESC LIMIT ?", sizeof sql - strlen(sql) - 1);
    v[n++] = AJ_VINT(limit);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, v, n, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, task_json(r, i, false));
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

static aj_err load_task(aj_req *req, int64_t id, aj_result **out) {
    return aj_api_scoped_row(
        req, "SELECT " TASK_COLS " FROM inspection_tasks t JOIN inspection_plans p ON p.id = t.plan_id", "t",
        id, "inspection task", out);
}

static aj_err reply_task(aj_req *req, int64_t id, int status, json_t *extra) {
    aj_result *r;
    aj_err e = load_task(req, id, &r);
    if (e) {
        json_decref(extra);
        return e;
    }
    json_t *o = task_json(r, 0, true);
    aj_result_free(r);
    aj_val v = AJ_VINT(id);
    json_t *scans = NULL;
    aj_db_query_json(
        aj_req_db(req),
        "SELECT s.id, s.checkpoint_id, s.method, s.username, s.at_ms, s.results_json, s.n_abnormal, "
        "s.hazard_id, (SELECT number FROM hazards WHERE id = s.hazard_id) AS hazard_number FROM "
        "inspection_scans s WHERE s.task_id = ? ORDER BY s.id",
        &v, 1, &scans);
    /* each point of the route with its scan (null while not scanned) */
    json_t *route = json_object_get(o, "route");
    size_t i, j;
    json_t *pt, *sc;
    json_array_foreach(route, i, pt) {
        json_t *found = json_null();
        json_array_foreach(scans, j, sc) {
            if (json_integer_value(json_object_get(sc, "checkpoint_id")) ==
                json_integer_value(json_object_get(pt, "checkpoint_id")))
                found = json_incref(sc);
        }
        json_object_set_new(pt, "scan", found);
    }
    json_decref(scans);
    json_object_set_new(o, "may_perform",
                        json_boolean(may_perform(req, json_integer_value(json_object_get(o, "assignee_id")),
                                                 json_integer_value(json_object_get(o, "org_id")))));
    if (extra) json_object_update(o, extra);
    json_decref(extra);
    aj_reply_json(req, status, o);
    return AJ_OK;
}

aj_err aj_api_inspection_tasks_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such inspection task");
    return reply_task(req, id, 200, NULL);
}

/* ---- scans -------------------------------------------------------------------------------- */

static aj_err refuse(aj_req *req, int64_t task_id, aj_scan_refusal why, const char *fmt, const char *arg) {
    json_decref(req->err_details);
    req->err_details = json_pack("{s:s}", "refusal", aj_scan_refusal_name(why));
    char text[200];
    snprintf(text, sizeof text, fmt, arg);
    return aj_req_fail(req, AJ_ECONFLICT, "inspection task %lld: %s", (long long)task_id, text);
}

static const char *refusal_text(aj_scan_refusal why) {
    switch (why) {
    case AJ_SR_TOO_EARLY:
        return "its window has not begun";
    case AJ_SR_WINDOW_CLOSED:
        return "its window is over";
    case AJ_SR_TASK_DONE:
        return "every checkpoint is done";
    case AJ_SR_NOT_ON_ROUTE:
        return "checkpoint %s is not on its route";
    case AJ_SR_ALREADY_SCANNED:
        return "checkpoint %s is already done";
    case AJ_SR_NOT_YOURS:
        return "it is assigned to someone else";
    default:
        return "refused";
    }
}

/* Checks the answers against the check list; counts abnormal ones. Writes the normalised
 * answers to out (owned by the caller). */
static aj_err check_results(aj_req *req, const json_t *items, const json_t *results, json_t *out,
                            int *n_abnormal) {
    *n_abnormal = 0;
    if (!json_is_array(results) || json_array_size(results) != json_array_size(items))
        return aj_req_fail(req, AJ_EINVAL, "results: one answer per check-list item (%zu)",
                           json_array_size(items));
    size_t i;
    json_t *it;
    json_array_foreach((json_t *)items, i, it) {
        const json_t *a = json_array_get(results, i);
        if (!json_is_object(a)) return aj_req_fail(req, AJ_EINVAL, "results[%zu]: an object", i);
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)a, key, v) {
            if (strcmp(key, "ok") && strcmp(key, "value") && strcmp(key, "note"))
                return aj_req_fail(req, AJ_EINVAL, "results[%zu].%s: unknown field", i, key);
        }
        char path[32];
        snprintf(path, sizeof path, "results[%zu].", i);
        aj_err e = insp_check_text(req, a, "note", path);
        if (e) return e;
        const json_t *ok = json_object_get(a, "ok"), *val = json_object_get(a, "value");
        if (ok && !json_is_boolean(ok))
            return aj_req_fail(req, AJ_EINVAL, "results[%zu].ok: true or false", i);
        if (val && !json_is_number(val))
            return aj_req_fail(req, AJ_EINVAL, "results[%zu].value: a number", i);
        const json_t *lo = json_object_get(it, "lo"), *hi = json_object_get(it, "hi");
        aj_check_item ci = {.is_reading = !strcmp(json_string_value(json_object_get(it, "kind")), "reading"),
                            .has_lo = lo != NULL,
                            .has_hi = hi != NULL,
                            .lo = json_number_value(lo),
                            .hi = json_number_value(hi)};
        aj_check_answer ca = {.has_ok = ok != NULL,
                              .ok = json_is_true(ok),
                              .has_value = val != NULL,
                              .value = json_number_value(val)};
        int verdict = aj_check_judge(&ci, &ca);
        if (verdict < 0)
            return aj_req_fail(req, AJ_EINVAL, "results[%zu]: %s", i,
                               ci.is_reading ? "a reading needs its value (a number)"
                                             : "a check needs ok: true or false");
        json_t *o = json_pack("{s:O, s:b}", "item", json_object_get(it, "text"), "abnormal", verdict == 1);
        if (ok) json_object_set(o, "ok", (json_t *)ok);
        if (val) json_object_set_new(o, "value", json_real(json_number_value(val)));
        if (insp_text(a, "note")) json_object_set_new(o, "note", json_string(insp_text(a, "note")));
        json_array_append_new(out, o);
        *n_abnormal += verdict;
    }
    return AJ_OK;
}

static aj_err check_finding(aj_req *req, const json_t *f) {
    static const char *const allowed[] = {"category", "description", "cause", NULL};
    if (!json_is_object(f))
        return aj_req_fail(req, AJ_EINVAL, "finding: an object {category, description, cause?}");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)f, key, v) {
        bool known = false;
        for (int i = 0; allowed[i] && !known; i++) known = !strcmp(key, allowed[i]);
        if (!known) return aj_req_fail(req, AJ_EINVAL, "finding.%s: unknown field", key);
    }
    const char *c = insp_text(f, "category"), *d = insp_text(f, "description");
    if (!c || strlen(c) > 64) return aj_req_fail(req, AJ_EINVAL, "finding.category: 1 to 64 bytes");
    if (!d || strlen(d) > AJ_HAZARD_TEXT_MAX)
        return aj_req_fail(req, AJ_EINVAL, "finding.description: 1 to %d bytes", AJ_HAZARD_TEXT_MAX);
    const json_t *cause = json_object_get(f, "cause");
    if (cause && !json_is_null(cause) &&
        (!json_is_string(cause) || strlen(json_string_value(cause)) > AJ_HAZARD_TEXT_MAX))
        return aj_req_fail(req, AJ_EINVAL, "finding.cause: a text of at most %d bytes", AJ_HAZARD_TEXT_MAX);
    return AJ_OK;
}

aj_err aj_api_inspection_scans_create(aj_req *req) {
    static const char *const allowed[] = {"method", "code", "results", "finding", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 3);
    if (e) return e;
    int64_t task_id;
    if ((e = aj_req_path_id(req, 0, &task_id))) return aj_req_fail(req, e, "no such inspection task");
    const json_t *b = req->json;
    const char *method = insp_text(b, "method"), *code = insp_text(b, "code");
    if (!method || (strcmp(method, "nfc") && strcmp(method, "qr")))
        return aj_req_fail(req, AJ_EINVAL, "method: nfc or qr (how the checkpoint was identified)");
    if (!code || strlen(code) > 128)
        return aj_req_fail(req, AJ_EINVAL, "code: the UID or QR text read, 1 to 128 bytes");
    const json_t *finding = json_object_get(b, "finding");
    if (json_is_null(finding)) finding = NULL;
    if (finding && (e = check_finding(req, finding))) return e;
    aj_result *t;
    if ((e = load_task(req, task_id, &t))) return e;
    if (aj_result_int(t, 0, C_ENT) != req->auth.enterprise_id) {
        aj_result_free(t);
        return aj_req_fail(req, AJ_EFORBIDDEN, "inspections are performed in your own enterprise");
    }
    int64_t cp_id = insp_checkpoint_by_code(req, method, code);
    if (!cp_id) {
        aj_result_free(t);
        return aj_req_fail(req, AJ_EINVAL, "code: no checkpoint of your enterprise has %s %s",
                           strcmp(method, "nfc") ? "QR code" : "NFC tag", code);
    }
    int64_t now = aj_time_now_ms();
    json_t *route = json_loads(aj_result_text(t, 0, C_ROUTE), 0, NULL);
    const json_t *point = NULL;
    size_t i;
    json_t *pt;
    json_array_foreach(route, i, pt) {
        if (json_integer_value(json_object_get(pt, "checkpoint_id")) == cp_id) point = pt;
    }
    aj_val sv[2] = {AJ_VINT(task_id), AJ_VINT(cp_id)};
    int64_t already = 0;
    aj_db_query_int(aj_req_db(req),
                    "SELECT COUNT(*) FROM inspection_scans WHERE task_id = ? AND checkpoint_id = ?", sv, 2,
                    &already);
    const char *state = aj_result_text(t, 0, C_STATE);
    aj_scan_facts f = {.at_ms = now,
                       .window_start_ms = aj_result_int(t, 0, C_WSTART),
                       .window_end_ms = aj_result_int(t, 0, C_WEND),
                       .is_missed = !strcmp(state, "missed"),
                       .is_done = !strcmp(state, "done"),
                       .is_on_route = point != NULL,
                       .is_already_scanned = already > 0,
                       .may_perform =
                           may_perform(req, aj_result_int(t, 0, C_ASSIGNEE), aj_result_int(t, 0, C_ORG))};
    int64_t site_id = aj_result_int(t, 0, C_SITE);
    aj_result_free(t);
    aj_scan_refusal why = aj_scan_judge(&f);
    char cp_code[80] = "";
    aj_val cv = AJ_VINT(cp_id);
    aj_result *cr;
    if ((e = aj_db_query(
             aj_req_db(req),
             "SELECT code, COALESCE(area_id, 0), COALESCE(asset_id, 0), x, y FROM inspection_checkpoints "
             "WHERE id = ?",
             &cv, 1, &cr))) {
        json_decref(route);
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    }
    snprintf(cp_code, sizeof cp_code, "%s", aj_result_text(cr, 0, 0));
    if (why != AJ_SR_NONE) {
        aj_result_free(cr);
        json_decref(route);
        return refuse(req, task_id, why, refusal_text(why), cp_code);
    }
    json_t *answers = json_array();
    int n_abnormal = 0;
    if ((e = check_results(req, json_object_get(point, "items"), json_object_get(b, "results"), answers,
                           &n_abnormal))) {
        aj_result_free(cr);
        json_decref(answers);
        json_decref(route);
        return e;
    }
    aj_hazard_new hz = {.enterprise_id = req->auth.enterprise_id,
                        .site_id = site_id,
                        .area_id = aj_result_int(cr, 0, 1),
                        .asset_id = aj_result_int(cr, 0, 2),
                        .has_xy = !aj_result_is_null(cr, 0, 3) && !aj_result_is_null(cr, 0, 4),
                        .x = aj_result_double(cr, 0, 3),
                        .y = aj_result_double(cr, 0, 4),
                        .category = finding ? insp_text(finding, "category") : NULL,
                        .cause = finding ? insp_text(finding, "cause") : NULL,
                        .description = finding ? insp_text(finding, "description") : NULL,
                        .source = "inspection"};
    aj_result_free(cr);
    aj_db *db = aj_req_db(req);
    int64_t hazard_id = 0, scan_id = 0;
    char hazard_number[48] = "";
    char *results_text = json_dumps(answers, JSON_COMPACT);
    if (!(e = aj_db_begin(db))) {
        if (finding) {
            json_t *extra =
                json_pack("{s:I, s:s}", "inspection_task_id", (json_int_t)task_id, "checkpoint", cp_code);
            hz.extra_detail = extra;
            e = aj_hazard_insert(req, &hz, &hazard_id, hazard_number, sizeof hazard_number);
            json_decref(extra);
        }
        int64_t person_id = 0;
        aj_val pv = AJ_VINT(req->auth.user_id);
        if (!e)
            e = aj_db_query_int(db, "SELECT COALESCE(person_id, 0) FROM users WHERE id = ?", &pv, 1,
                                &person_id);
        aj_val v[11] = {AJ_VINT(req->auth.enterprise_id),
                        AJ_VINT(task_id),
                        AJ_VINT(cp_id),
                        AJ_VTEXT(method),
                        AJ_VINT(req->auth.user_id),
                        AJ_VTEXT(req->auth.username),
                        person_id ? AJ_VINT(person_id) : AJ_VNULL,
                        AJ_VINT(now),
                        AJ_VTEXT(results_text),
                        AJ_VINT(n_abnormal),
                        hazard_id ? AJ_VINT(hazard_id) : AJ_VNULL};
        if (!e)
            e = aj_db_query_int(
                db,
                "INSERT INTO inspection_scans (enterprise_id, task_id, checkpoint_id, method, user_id, "
                "username, person_id, at_ms, results_json, n_abnormal, hazard_id) VALUES (?, ?, ?, ?, "
                "?, ?, ?, ?, ?, ?, ?) RETURNING id",
                v, 11, &scan_id);
        int64_t changed = 0;
        aj_val uv[4] = {AJ_VINT(now), AJ_VINT(hazard_id ? 1 : 0), AJ_VINT(now), AJ_VINT(task_id)};
        if (!e)
            e = aj_db_exec(
                db,
                "UPDATE inspection_tasks SET n_scanned = n_scanned + 1, started_ms = COALESCE(started_ms, "
                "?), "
                "n_findings = n_findings + ?, state = CASE WHEN n_scanned + 1 >= n_points THEN 'done' ELSE "
                "'in_progress' END, ended_ms = CASE WHEN n_scanned + 1 >= n_points THEN CAST(? AS BIGINT) "
                "ELSE NULL END "
                "WHERE id = ? AND state IN ('open', 'in_progress')",
                uv, 4, &changed);
        if (!e && changed != 1) e = AJ_ECONFLICT; /* the engine found it missed meanwhile */
        if (!e) {
            json_t *after =
                json_pack("{s:I, s:s, s:s, s:o, s:i, s:I?}", "task_id", (json_int_t)task_id, "checkpoint",
                          cp_code, "method", method, "results", json_incref(answers), "n_abnormal",
                          n_abnormal, "hazard_id", hazard_id ? (json_int_t)hazard_id : (json_int_t)0);
            if (!hazard_id) json_object_del(after, "hazard_id");
            e = insp_audit(req, "inspections.scan", "inspection_task", task_id, after);
            json_decref(after);
        }
        if (!e) e = aj_db_commit(db);
        if (e) aj_db_rollback(db);
    }
    free(results_text);
    json_decref(answers);
    json_decref(route);
    if (e == AJ_ECONFLICT)
        return refuse(req, task_id, AJ_SR_WINDOW_CLOSED, "%s", refusal_text(AJ_SR_WINDOW_CLOSED));
    if (e) return aj_req_fail(req, e, "the scan was not recorded: %s", aj_db_errmsg(db));
    json_t *extra = json_pack("{s:{s:I, s:s, s:i}}", "scan", "id", (json_int_t)scan_id, "checkpoint", cp_code,
                              "n_abnormal", n_abnormal);
    if (hazard_id) {
        json_object_set_new(json_object_get(extra, "scan"), "hazard_id", json_integer(hazard_id));
        json_object_set_new(json_object_get(extra, "scan"), "hazard_number", json_string(hazard_number));
    }
    return reply_task(req, task_id, 201, extra);
}
