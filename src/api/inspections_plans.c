/* inspections_plans.c — inspection plans (巡检计划, docs/inspections.md):
 *
 *   GET   /api/v1/inspection-plans        plans with route, check lists and frequency
 *   POST  /api/v1/inspection-plans        a plan
 *   GET   /api/v1/inspection-plans/{id}
 *   PATCH /api/v1/inspection-plans/{id}   any of the creation fields; the route whole
 *
 * A plan is a route of checkpoints, each with its check list (items to tick or readings with
 * a normal range), for a risk point and its control measures: without an explicit list a
 * checkpoint gets one item per control measure of the risk point. Without an explicit
 * frequency the plan follows the risk point's residual level (src/inspect/schedule.h), also
 * after a re-assessment. Changes apply from the next window; the open task keeps its
 * route. */
#include "api/inspections_int.h"
#include "auth/perm.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "inspect/schedule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const PLAN_FIELDS[] = {"site_id",   "name",        "route",     "risk_point_id",
                                          "org_id",    "assignee_id", "frequency", "interval_min",
                                          "is_active", NULL};

/* A checked plan, ready to write. */
typedef struct plan_in {
    int64_t site_id, risk_point_id, org_id, assignee_id;
    const char *name;
    int frequency; /* -1: from the risk level */
    int64_t interval_min;
    bool is_active;
    json_t *route; /* owned: [{"checkpoint_id", "items": [...]}] normalised */
} plan_in;

static aj_err check_item(aj_req *req, const json_t *it, int i, int k, json_t *out_items) {
    static const char *const allowed[] = {"text", "kind", "lo", "hi", "unit", "measure_id", NULL};
    char path[64];
    snprintf(path, sizeof path, "route[%d].items[%d].", i, k);
    if (!json_is_object(it))
        return aj_req_fail(req, AJ_EINVAL, "%.*s: an object", (int)strlen(path) - 1, path);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)it, key, v) {
        bool ok = false;
        for (int j = 0; allowed[j] && !ok; j++) ok = !strcmp(key, allowed[j]);
        if (!ok) return aj_req_fail(req, AJ_EINVAL, "%s%s: unknown field", path, key);
    }
    aj_err e;
    if ((e = insp_check_text(req, it, "text", path)) || (e = insp_check_text(req, it, "unit", path)))
        return e;
    const char *kind = insp_text(it, "kind");
    if (kind && strcmp(kind, "check") && strcmp(kind, "reading"))
        return aj_req_fail(req, AJ_EINVAL, "%skind: check or reading", path);
    bool is_reading = kind && !strcmp(kind, "reading");
    json_t *o = json_object();
    const char *text = insp_text(it, "text");
    const json_t *mid = json_object_get(it, "measure_id");
    if (mid && !json_is_null(mid)) {
        aj_val q[2] = {AJ_VINT(json_integer_value(mid)), AJ_VINT(req->auth.enterprise_id)};
        aj_result *r = NULL;
        if (!json_is_integer(mid) ||
            aj_db_query(aj_req_db(req), "SELECT text FROM risk_measures WHERE id = ? AND enterprise_id = ?",
                        q, 2, &r) ||
            aj_result_rows(r) != 1) {
            aj_result_free(r);
            json_decref(o);
            return aj_req_fail(req, AJ_EINVAL, "%smeasure_id: not a control measure of your enterprise",
                               path);
        }
        if (!text) json_object_set_new(o, "text", json_string(aj_result_text(r, 0, 0)));
        json_object_set_new(o, "measure_id", json_integer(json_integer_value(mid)));
        aj_result_free(r);
    }
    if (text) json_object_set_new(o, "text", json_string(text));
    if (!json_object_get(o, "text")) {
        json_decref(o);
        return aj_req_fail(req, AJ_EINVAL, "%stext: required (or a measure_id)", path);
    }
    json_object_set_new(o, "kind", json_string(is_reading ? "reading" : "check"));
    const char *bounds[2] = {"lo", "hi"};
    for (int b = 0; b < 2; b++) {
        const json_t *x = json_object_get(it, bounds[b]);
        if (!x || json_is_null(x)) continue;
        if (!is_reading || !json_is_number(x) || !isfinite(json_number_value(x))) {
            json_decref(o);
            return aj_req_fail(req, AJ_EINVAL, "%s%s: a number, for a reading only", path, bounds[b]);
        }
        json_object_set_new(o, bounds[b], json_real(json_number_value(x)));
    }
    const json_t *lo = json_object_get(o, "lo"), *hi = json_object_get(o, "hi");
    if (lo && hi && json_real_value(lo) > json_real_value(hi)) {
        json_decref(o);
        return aj_req_fail(req, AJ_EINVAL, "%slo: above hi", path);
    }
    if (insp_text(it, "unit")) json_object_set_new(o, "unit", json_string(insp_text(it, "unit")));
    json_array_append_new(out_items, o);
    return AJ_OK;
}

/* One item per control measure of the risk point. */
static json_t *items_from_measures(aj_req *req, int64_t risk_point_id) {
    aj_val v = AJ_VINT(risk_point_id);
    json_t *rows = NULL;
    aj_db_query_json(aj_req_db(req), "SELECT id, text FROM risk_measures WHERE risk_point_id = ? ORDER BY id",
                     &v, 1, &rows);
    json_t *items = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(rows, i, m) {
        if (i >= AJ_INSPECT_ITEMS_MAX) break;
        json_array_append_new(items, json_pack("{s:O, s:s, s:O}", "text", json_object_get(m, "text"), "kind",
                                               "check", "measure_id", json_object_get(m, "id")));
    }
    json_decref(rows);
    return items;
}

static aj_err check_route(aj_req *req, const json_t *route, plan_in *p) {
    if (!json_is_array(route) || json_array_size(route) < 1 || json_array_size(route) > AJ_INSPECT_ROUTE_MAX)
        return aj_req_fail(req, AJ_EINVAL, "route: 1 to %d checkpoints", AJ_INSPECT_ROUTE_MAX);
    p->route = json_array();
    size_t i;
    json_t *pt;
    json_array_foreach((json_t *)route, i, pt) {
        const json_t *cp = json_object_get(pt, "checkpoint_id"), *items = json_object_get(pt, "items");
        const char *key;
        json_t *v;
        if (!json_is_object(pt)) return aj_req_fail(req, AJ_EINVAL, "route[%zu]: an object", i);
        json_object_foreach((json_t *)pt, key, v) {
            if (strcmp(key, "checkpoint_id") && strcmp(key, "items"))
                return aj_req_fail(req, AJ_EINVAL, "route[%zu].%s: unknown field", i, key);
        }
        int64_t cp_id = 0;
        char what[48];
        snprintf(what, sizeof what, "route[%zu].checkpoint_id", i);
        aj_err e = insp_on_site(req, "inspection_checkpoints", what, cp, p->site_id, &cp_id);
        if (e) return e;
        if (!cp_id) return aj_req_fail(req, AJ_EINVAL, "%s: required", what);
        for (size_t j = 0; j < i; j++)
            if (json_integer_value(json_object_get(json_array_get(p->route, j), "checkpoint_id")) == cp_id)
                return aj_req_fail(req, AJ_EINVAL, "%s: checkpoint %lld is on the route twice", what,
                                   (long long)cp_id);
        json_t *out_items;
        if (items && !json_is_null(items)) {
            if (!json_is_array(items) || json_array_size(items) > AJ_INSPECT_ITEMS_MAX)
                return aj_req_fail(req, AJ_EINVAL, "route[%zu].items: at most %d items", i,
                                   AJ_INSPECT_ITEMS_MAX);
            out_items = json_array();
            size_t k;
            json_t *it;
            json_array_foreach((json_t *)items, k, it) {
                if ((e = check_item(req, it, (int)i, (int)k, out_items))) {
                    json_decref(out_items);
                    return e;
                }
            }
        } else {
            out_items = p->risk_point_id ? items_from_measures(req, p->risk_point_id) : json_array();
        }
        if (!json_array_size(out_items)) {
            json_decref(out_items);
            return aj_req_fail(req, AJ_EINVAL,
                               "route[%zu].items: a check list (or a risk point with control measures)", i);
        }
        json_array_append_new(
            p->route, json_pack("{s:I, s:o}", "checkpoint_id", (json_int_t)cp_id, "items", out_items));
    }
    return AJ_OK;
}

static aj_err check_plan(aj_req *req, const json_t *b, plan_in *p) {
    memset(p, 0, sizeof *p);
    p->frequency = -1;
    aj_err e;
    if ((e = insp_own_site(req, json_object_get(b, "site_id"), &p->site_id))) return e;
    p->name = insp_text(b, "name");
    if ((e = insp_check_text(req, b, "name", ""))) return e;
    if (!p->name) return aj_req_fail(req, AJ_EINVAL, "name: required");
    if ((e = insp_on_site(req, "risk_points", "risk_point_id", json_object_get(b, "risk_point_id"),
                          p->site_id, &p->risk_point_id)))
        return e;
    if ((e = insp_in_enterprise(req, "organisations", "org_id", json_object_get(b, "org_id"), &p->org_id)))
        return e;
    if ((e = insp_in_enterprise(req, "users", "assignee_id", json_object_get(b, "assignee_id"),
                                &p->assignee_id)))
        return e;
    const json_t *f = json_object_get(b, "frequency"), *iv = json_object_get(b, "interval_min");
    if (f && !json_is_null(f)) {
        p->frequency = aj_insp_freq_parse(json_string_value(f));
        if (p->frequency < 0)
            return aj_req_fail(req, AJ_EINVAL, "frequency: interval, shift, day, week or month");
    } else if (!p->risk_point_id) {
        return aj_req_fail(req, AJ_EINVAL, "frequency: required for a plan without a risk point");
    }
    if (p->frequency == AJ_IF_INTERVAL) {
        if (!json_is_integer(iv) || json_integer_value(iv) < AJ_INSPECT_INTERVAL_MIN_MIN ||
            json_integer_value(iv) > AJ_INSPECT_INTERVAL_MAX_MIN)
            return aj_req_fail(req, AJ_EINVAL, "interval_min: minutes from %d to %d",
                               AJ_INSPECT_INTERVAL_MIN_MIN, AJ_INSPECT_INTERVAL_MAX_MIN);
        p->interval_min = json_integer_value(iv);
    } else if (iv && !json_is_null(iv)) {
        return aj_req_fail(req, AJ_EINVAL, "interval_min: for frequency interval only");
    }
    const json_t *act = json_object_get(b, "is_active");
    if (act && !json_is_boolean(act)) return aj_req_fail(req, AJ_EINVAL, "is_active: true or false");
    p->is_active = !act || json_is_true(act);
    return check_route(req, json_object_get(b, "route"), p);
}

/* ---- reading ------------------------------------------------------------------------------ */

#define PLAN_COLS                                                                                            \
    "p.id, p.site_id, p.name, p.risk_point_id, rp.name AS risk_point_name, rp.residual_level AS "            \
    "risk_level, "                                                                                           \
    "p.org_id, (SELECT name FROM organisations WHERE id = p.org_id) AS org_name, p.assignee_id, "            \
    "(SELECT username FROM users WHERE id = p.assignee_id) AS assignee, p.frequency, p.interval_min, "       \
    "p.frequency_source, p.is_active, p.active_from_ms, p.updated_by, p.updated_ms"

static json_t *plan_json(aj_req *req, const aj_result *r, int i) {
    json_t *o = aj_result_row_json(r, i);
    json_object_set_new(o, "is_active", json_boolean(aj_result_int(r, i, 13) != 0));
    const char *source = aj_result_text(r, i, 12);
    int f = aj_insp_freq_parse(aj_result_text(r, i, 10));
    if (source && !strcmp(source, "risk_level")) {
        int g = aj_insp_freq_for_level(aj_result_text(r, i, 5));
        if (g >= 0) f = g;
    }
    json_object_set_new(o, "effective_frequency", json_string(aj_insp_freq_name((aj_insp_freq)f)));
    aj_val v = AJ_VINT(aj_result_int(r, i, 0));
    json_t *route = NULL;
    aj_db_query_json(
        aj_req_db(req),
        "SELECT pp.seq, pp.checkpoint_id, c.code, c.name, c.area_id, c.x, c.y, pp.items_json FROM "
        "inspection_plan_points pp JOIN inspection_checkpoints c ON c.id = pp.checkpoint_id WHERE "
        "pp.plan_id = ? ORDER BY pp.seq",
        &v, 1, &route);
    json_object_set_new(o, "route", route ? route : json_array());
    return o;
}

static aj_err load_plans(aj_req *req, int64_t id, int64_t site_id, aj_result **out) {
    char ent[1100], site[1100], sql[3200];
    aj_scope_enterprise(req, "p.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "p.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT " PLAN_COLS
             " FROM inspection_plans p LEFT JOIN risk_points rp ON rp.id = p.risk_point_id WHERE "
             "%s AND %s AND (? = 0 OR p.id = ?) AND (? = 0 OR p.site_id = ?) ORDER BY p.id LIMIT %d",
             ent, site, AJ_INSPECT_LIST_MAX);
    aj_val v[4] = {AJ_VINT(id), AJ_VINT(id), AJ_VINT(site_id), AJ_VINT(site_id)};
    aj_err e = aj_db_query(aj_req_db(req), sql, v, 4, out);
    return e ? aj_req_fail(req, e, "%s", aj_db_errmsg(req->db)) : AJ_OK;
}

aj_err aj_api_inspection_plans_list(aj_req *req) {
    int64_t site_id;
    aj_err e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id);
    aj_result *r;
    if (e || (e = load_plans(req, 0, site_id, &r))) return e;
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, plan_json(req, r, i));
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

static aj_err reply_plan(aj_req *req, int64_t id, int status) {
    aj_result *r;
    aj_err e = load_plans(req, id, 0, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "inspection plan %lld not found", (long long)id);
    }
    json_t *o = plan_json(req, r, 0);
    aj_result_free(r);
    aj_reply_json(req, status, o);
    return AJ_OK;
}

aj_err aj_api_inspection_plans_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such inspection plan");
    return reply_plan(req, id, 200);
}

/* ---- writing ------------------------------------------------------------------------------ */

static aj_err save(aj_req *req, int64_t id, const plan_in *p, const json_t *body) {
    bool is_new = id == 0;
    aj_db *db = aj_req_db(req);
    int64_t now = aj_time_now_ms();
    const char *freq = p->frequency >= 0 ? aj_insp_freq_name((aj_insp_freq)p->frequency) : "shift";
    aj_val v[12] = {AJ_VINT(req->auth.enterprise_id),
                    AJ_VINT(p->site_id),
                    AJ_VTEXT(p->name),
                    p->risk_point_id ? AJ_VINT(p->risk_point_id) : AJ_VNULL,
                    p->org_id ? AJ_VINT(p->org_id) : AJ_VNULL,
                    p->assignee_id ? AJ_VINT(p->assignee_id) : AJ_VNULL,
                    AJ_VTEXT(freq),
                    p->interval_min ? AJ_VINT(p->interval_min) : AJ_VNULL,
                    AJ_VTEXT(p->frequency >= 0 ? "set" : "risk_level"),
                    AJ_VINT(p->is_active),
                    AJ_VTEXT(req->auth.username),
                    AJ_VINT(now)};
    aj_err e = aj_db_begin(db);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    if (!is_new) {
        aj_val u[13];
        memcpy(u, v, sizeof v);
        u[12] = AJ_VINT(id);
        e = aj_db_exec(
            db,
            "UPDATE inspection_plans SET enterprise_id = ?, site_id = ?, name = ?, risk_point_id = ?, "
            "org_id = ?, assignee_id = ?, frequency = ?, interval_min = ?, frequency_source = ?, "
            "is_active = ?, updated_by = ?, updated_ms = ? WHERE id = ?",
            u, 13, NULL);
        aj_val d = AJ_VINT(id);
        if (!e) e = aj_db_exec(db, "DELETE FROM inspection_plan_points WHERE plan_id = ?", &d, 1, NULL);
    } else {
        aj_val u[13];
        memcpy(u, v, sizeof v);
        u[12] = AJ_VINT(now);
        e = aj_db_query_int(
            db,
            "INSERT INTO inspection_plans (enterprise_id, site_id, name, risk_point_id, org_id, "
            "assignee_id, frequency, interval_min, frequency_source, is_active, updated_by, "
            "updated_ms, active_from_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            u, 13, &id);
    }
    size_t i;
    json_t *pt;
    json_array_foreach(p->route, i, pt) {
        if (e) break;
        char *items = json_dumps(json_object_get(pt, "items"), JSON_COMPACT);
        aj_val pv[5] = {AJ_VINT(id), AJ_VINT(req->auth.enterprise_id), AJ_VINT((int64_t)i + 1),
                        AJ_VINT(json_integer_value(json_object_get(pt, "checkpoint_id"))), AJ_VTEXT(items)};
        e = aj_db_exec(
            db,
            "INSERT INTO inspection_plan_points (plan_id, enterprise_id, seq, checkpoint_id, items_json) "
            "VALUES (?, ?, ?, ?, ?)",
            pv, 5, NULL);
        free(items);
    }
    if (!e)
        e = insp_audit(req, is_new ? "inspections.plan_create" : "inspections.plan_update", "inspection_plan",
                       id, body);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the plan was not saved: %s", aj_db_errmsg(db));
    }
    return reply_plan(req, id, is_new ? 201 : 200);
}

aj_err aj_api_inspection_plans_create(aj_req *req) {
    aj_err e = aj_api_check_fields(req, PLAN_FIELDS, 3);
    if (e) return e;
    plan_in p;
    if (!(e = check_plan(req, req->json, &p))) e = save(req, 0, &p, req->json);
    json_decref(p.route);
    return e;
}

/* The stored plan in the form of a creation body, for merging a PATCH into it. */
static json_t *plan_as_body(aj_req *req, int64_t id) {
    aj_result *r;
    if (load_plans(req, id, 0, &r)) return NULL;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        aj_req_fail(req, AJ_ENOTFOUND, "inspection plan %lld not found", (long long)id);
        return NULL;
    }
    json_t *b = json_object();
    json_object_set_new(b, "site_id", json_integer(aj_result_int(r, 0, 1)));
    json_object_set_new(b, "name", json_string(aj_result_text(r, 0, 2)));
    const int ids[3] = {3, 6, 8};
    const char *names[3] = {"risk_point_id", "org_id", "assignee_id"};
    for (int k = 0; k < 3; k++)
        if (!aj_result_is_null(r, 0, ids[k]))
            json_object_set_new(b, names[k], json_integer(aj_result_int(r, 0, ids[k])));
    if (!strcmp(aj_result_text(r, 0, 12), "set"))
        json_object_set_new(b, "frequency", json_string(aj_result_text(r, 0, 10)));
    if (!aj_result_is_null(r, 0, 11))
        json_object_set_new(b, "interval_min", json_integer(aj_result_int(r, 0, 11)));
    json_object_set_new(b, "is_active", json_boolean(aj_result_int(r, 0, 13) != 0));
    aj_result_free(r);
    aj_val v = AJ_VINT(id);
    json_t *rows = NULL;
    aj_db_query_json(
        aj_req_db(req),
        "SELECT checkpoint_id, items_json FROM inspection_plan_points WHERE plan_id = ? ORDER BY seq", &v, 1,
        &rows);
    json_t *route = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        /* an item whose control measure was since removed (a re-assessment replaces the
         * measures) keeps its text and loses the link */
        json_t *items = json_object_get(row, "items"), *it;
        size_t k;
        json_array_foreach(items, k, it) {
            const json_t *mid = json_object_get(it, "measure_id");
            if (!mid) continue;
            aj_val q[2] = {AJ_VINT(json_integer_value(mid)), AJ_VINT(req->auth.enterprise_id)};
            int64_t n = 0;
            aj_db_query_int(aj_req_db(req),
                            "SELECT COUNT(*) FROM risk_measures WHERE id = ? AND enterprise_id = ?", q, 2,
                            &n);
            if (!n) json_object_del(it, "measure_id");
        }
        json_array_append_new(route, json_pack("{s:O, s:O}", "checkpoint_id",
                                               json_object_get(row, "checkpoint_id"), "items", items));
    }
    json_decref(rows);
    json_object_set_new(b, "route", route);
    return b;
}

aj_err aj_api_inspection_plans_patch(aj_req *req) {
    static const char *const allowed[] = {"name",         "route",       "risk_point_id",
                                          "org_id",       "assignee_id", "frequency",
                                          "interval_min", "is_active",   NULL};
    aj_err e = aj_api_check_fields(req, allowed, 0);
    if (e) return e;
    int64_t id;
    if ((e = aj_req_path_id(req, 0, &id))) return aj_req_fail(req, e, "no such inspection plan");
    json_t *b = plan_as_body(req, id);
    if (!b) return req->errmsg[0] ? AJ_ENOTFOUND : aj_req_fail(req, AJ_EIO, "%s", aj_db_errmsg(req->db));
    const char *key;
    json_t *v;
    json_object_foreach(req->json, key, v) json_object_set(b, key, v);
    /* a new frequency other than interval drops the old interval */
    const json_t *f = json_object_get(req->json, "frequency");
    if (f && !json_object_get(req->json, "interval_min") &&
        !(json_is_string(f) && !strcmp(json_string_value(f), "interval")))
        json_object_del(b, "interval_min");
    plan_in p;
    if (!(e = check_plan(req, b, &p))) e = save(req, id, &p, req->json);
    json_decref(p.route);
    json_decref(b);
    return e;
}
