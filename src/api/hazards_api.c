/* hazards_api.c — the hidden-danger ledger (隐患排查治理, docs/hazards.md):
 *
 *   GET  /api/v1/hazards                 the ledger (open by default), overdue and repeats flagged
 *   POST /api/v1/hazards                 report one (from a phone: place, category, text)
 *   GET  /api/v1/hazards/{id}            one, with photos and timeline
 *   POST /api/v1/hazards/{id}/register | rectify | accept | reject | close
 *   PUT  /api/v1/hazard-policy           escalation step and repeat window of the enterprise
 *
 * Every change is one transaction with its timeline entry and audit record; refusals are
 * 409 with details.refusal (src/hazard/hazard.h). Photos: hazard_photos.c; inserting a
 * hazard (also from an inspection finding): hazard_new.c; KPIs and the regulator export:
 * prevention_kpi.c. */
#include "api/api.h"
#include "api/hazard_int.h"
#include "api/resource.h"
#include "audit/audit.h"
#include "auth/perm.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "hazard/hazard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HAZARD_COLS                                                                                          \
    "h.id, h.enterprise_id, h.site_id, h.number, h.state, h.grade, h.category, h.cause, h.description, "     \
    "h.area_id, h.asset_id, h.x, h.y, h.source, h.reported_by, h.reported_ms, h.registered_by, "             \
    "h.registered_ms, h.assignee_id, h.deadline_ms, h.plan_json, h.rectified_by, h.rectified_user_id, "      \
    "h.rectified_ms, h.rectification, h.accepted_by, h.accepted_ms, h.closed_by, h.closed_ms, "              \
    "h.escalation, "                                                                                         \
    "h.repeat_of_id, h.n_repeats, (SELECT code FROM areas WHERE id = h.area_id) AS area_code, "              \
    "(SELECT code FROM assets WHERE id = h.asset_id) AS asset_code, "                                        \
    "(SELECT username FROM users WHERE id = h.assignee_id) AS assignee"

static json_t *hazard_json(const aj_result *r, int i) {
    json_t *o = aj_result_row_json(r, i);
    int64_t deadline = aj_result_is_null(r, i, 19) ? 0 : aj_result_int(r, i, 19);
    const char *state = aj_result_text(r, i, 4);
    bool is_open = strcmp(state, "accepted") != 0 && strcmp(state, "closed") != 0;
    json_object_set_new(o, "is_overdue", json_boolean(is_open && deadline && aj_time_now_ms() >= deadline));
    json_object_set_new(o, "is_repeat", json_boolean(!aj_result_is_null(r, i, 30)));
    return o;
}

static aj_err load(aj_req *req, int64_t id, aj_result **out) {
    char ent[1100], site[1100], sql[3000];
    aj_scope_enterprise(req, "h.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "h.site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT " HAZARD_COLS " FROM hazards h WHERE h.id = ? AND %s AND %s", ent,
             site);
    aj_val v = AJ_VINT(id);
    aj_err e = aj_db_query(aj_req_db(req), sql, &v, 1, out);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(*out) != 1) {
        aj_result_free(*out);
        *out = NULL;
        return aj_req_fail(req, AJ_ENOTFOUND, "hazard %lld not found", (long long)id);
    }
    return AJ_OK;
}

static aj_err reply_one(aj_req *req, int64_t id, int status) {
    aj_result *r;
    aj_err e = load(req, id, &r);
    if (e) return e;
    json_t *o = hazard_json(r, 0);
    aj_result_free(r);
    aj_val v = AJ_VINT(id);
    json_t *photos = NULL, *events = NULL;
    aj_db_query_json(
        aj_req_db(req),
        "SELECT id, stage, content_type, bytes, by_user, created_ms FROM hazard_photos WHERE hazard_id = ? "
        "ORDER BY id",
        &v, 1, &photos);
    aj_db_query_json(
        aj_req_db(req),
        "SELECT id, at_ms, kind, actor, detail_json FROM hazard_events WHERE hazard_id = ? ORDER BY id", &v,
        1, &events);
    json_object_set_new(o, "photos", photos ? photos : json_array());
    json_object_set_new(o, "events", events ? events : json_array());
    aj_reply_json(req, status, o);
    return AJ_OK;
}

static const char *text_member(aj_req *req, const char *name) {
    const json_t *v = req->json ? json_object_get(req->json, name) : NULL;
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

static aj_err check_texts(aj_req *req, const char *const *names) {
    for (int i = 0; names[i]; i++) {
        const json_t *v = req->json ? json_object_get(req->json, names[i]) : NULL;
        if (v && !json_is_null(v) &&
            (!json_is_string(v) || strlen(json_string_value(v)) > AJ_HAZARD_TEXT_MAX))
            return aj_req_fail(req, AJ_EINVAL, "%s: a text of at most %d bytes", names[i],
                               AJ_HAZARD_TEXT_MAX);
    }
    return AJ_OK;
}

/* ---- list and report ------------------------------------------------------------------------ */

aj_err aj_api_hazards_list(aj_req *req) {
    char ent[1100], site[1100], sql[4000];
    aj_scope_enterprise(req, "h.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "h.site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT " HAZARD_COLS " FROM hazards h WHERE %s AND %s", ent, site);
    aj_val v[4];
    int n = 0;
    const char *state = aj_req_query(req, "state");
    if (!state || !strcmp(state, "open")) {
        strncat(sql, " AND h.state NOT IN ('accepted', 'closed')", sizeof sql - strlen(sql) - 1);
    } else if (strcmp(state, "all") != 0) {
        if (aj_hazard_state_parse(state) < 0)
            return aj_req_fail(
                req, AJ_EINVAL,
                "state: open, all, reported, registered, rectified, accepted or closed (got \"%.40s\")",
                state);
        strncat(sql, " AND h.state = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VTEXT(state);
    }
    int64_t site_id, limit, overdue, repeat;
    aj_err e;
    if ((e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id))) return e;
    if (site_id) {
        strncat(sql, " AND h.site_id = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(site_id);
    }
    if ((e = aj_req_query_int(req, "overdue", 0, 0, 1, &overdue))) return e;
    if (overdue) {
        strncat(sql, " AND h.deadline_ms <= ? AND h.state NOT IN ('accepted', 'closed')",
                sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(aj_time_now_ms());
    }
    if ((e = aj_req_query_int(req, "repeat", 0, 0, 1, &repeat))) return e;
    if (repeat)
        strncat(sql, " AND (h.repeat_of_id IS NOT NULL OR h.n_repeats > 0)", sizeof sql - strlen(sql) - 1);
    if ((e = aj_req_query_int(req, "limit", 200, 1, AJ_HAZARD_LIST_MAX, &limit))) return e;
    strncat(sql, " ORDER BY h.id DESC LIMIT ?", sizeof sql - strlen(sql) - 1);
    v[n++] = AJ_VINT(limit);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, v, n, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, hazard_json(r, i));
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

aj_err aj_api_hazards_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such hazard");
    return reply_one(req, id, 200);
}

aj_err aj_api_hazards_create(aj_req *req) {
    static const char *const allowed[] = {"site_id", "category", "description", "area_id", "asset_id",
                                          "x",       "y",        "cause",       "source",  NULL};
    static const char *const texts[] = {"category", "description", "cause", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 3);
    if (e || (e = check_texts(req, texts))) return e;
    const json_t *b = req->json;
    int64_t site_id = json_integer_value(json_object_get(b, "site_id"));
    json_t *site;
    if (!json_is_integer(json_object_get(b, "site_id")) ||
        aj_resource_load(req, &aj_res_sites, site_id, &site))
        return aj_req_fail(req, AJ_EINVAL, "site_id: no such site");
    int64_t enterprise_id = json_integer_value(json_object_get(site, "enterprise_id"));
    json_decref(site);
    if (enterprise_id != req->auth.enterprise_id)
        return aj_req_fail(req, AJ_EFORBIDDEN, "hazards are reported in your own enterprise only");
    const char *category = text_member(req, "category"), *description = text_member(req, "description");
    if (!category || strlen(category) > 64) return aj_req_fail(req, AJ_EINVAL, "category: 1 to 64 bytes");
    if (!description) return aj_req_fail(req, AJ_EINVAL, "description: required");
    const char *source = text_member(req, "source");
    if (source && strcmp(source, "report") && strcmp(source, "inspection") && strcmp(source, "permit") &&
        strcmp(source, "incident"))
        return aj_req_fail(req, AJ_EINVAL, "source: report, inspection, permit or incident");
    int64_t area = 0, asset = 0;
    const char *ids[2] = {"area_id", "asset_id"};
    int64_t *outs[2] = {&area, &asset};
    const char *tables[2] = {"areas", "assets"};
    for (int k = 0; k < 2; k++) {
        const json_t *v = json_object_get(b, ids[k]);
        if (!v || json_is_null(v)) continue;
        char sql[120];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ? AND site_id = ?", tables[k]);
        aj_val q[2] = {AJ_VINT(json_integer_value(v)), AJ_VINT(site_id)};
        int64_t n = 0;
        aj_db_query_int(aj_req_db(req), sql, q, 2, &n);
        if (!json_is_integer(v) || !n)
            return aj_req_fail(req, AJ_EINVAL, "%s: not on site %lld", ids[k], (long long)site_id);
        *outs[k] = json_integer_value(v);
    }
    const json_t *jx = json_object_get(b, "x"), *jy = json_object_get(b, "y");
    if ((jx || jy) && !(json_is_number(jx) && json_is_number(jy) && isfinite(json_number_value(jx)) &&
                        isfinite(json_number_value(jy))))
        return aj_req_fail(req, AJ_EINVAL, "x, y: a point on the site plan (metres), both numbers");
    if (!area && !asset && !jx)
        return aj_req_fail(req, AJ_EINVAL, "the place: give area_id, asset_id or x, y");
    aj_hazard_new h = {.enterprise_id = enterprise_id,
                       .site_id = site_id,
                       .area_id = area,
                       .asset_id = asset,
                       .has_xy = jx != NULL,
                       .x = jx ? json_number_value(jx) : 0,
                       .y = jy ? json_number_value(jy) : 0,
                       .category = category,
                       .cause = text_member(req, "cause"),
                       .description = description,
                       .source = source ? source : "report"};
    aj_db *db = aj_req_db(req);
    int64_t id = 0;
    if ((e = aj_db_begin(db))) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    e = aj_hazard_insert(req, &h, &id, NULL, 0);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the hazard was not recorded: %s", aj_db_errmsg(db));
    }
    return reply_one(req, id, 201);
}

/* ---- the closed loop ------------------------------------------------------------------------------ */

static const char *const PLAN_PARTS[] = {"target",   "method",          "funds_materials", "people_in_charge",
                                         "deadline", "safety_measures", "emergency_plan",  NULL};

static aj_err check_plan(aj_req *req, const json_t *plan, bool *complete) {
    *complete = false;
    if (!plan || json_is_null(plan)) return AJ_OK;
    if (!json_is_object(plan)) return aj_req_fail(req, AJ_EINVAL, "plan: an object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)plan, key, v) {
        bool known = false;
        for (int i = 0; PLAN_PARTS[i] && !known; i++) known = !strcmp(key, PLAN_PARTS[i]);
        if (!known) return aj_req_fail(req, AJ_EINVAL, "plan.%.40s: not a part of a remediation plan", key);
        if (!json_is_string(v) || strlen(json_string_value(v)) > AJ_HAZARD_TEXT_MAX)
            return aj_req_fail(req, AJ_EINVAL, "plan.%s: a text of at most %d bytes", key,
                               AJ_HAZARD_TEXT_MAX);
    }
    *complete = true;
    for (int i = 0; PLAN_PARTS[i]; i++) {
        const char *s = json_string_value(json_object_get(plan, PLAN_PARTS[i]));
        if (!s || !*s) *complete = false;
    }
    return AJ_OK;
}

typedef struct act_ctx {
    int64_t id, enterprise_id, assignee_id, rectifier_id;
    char number[48], state[24], grade[16];
} act_ctx;

static aj_err act_load(aj_req *req, act_ctx *c) {
    aj_err e = aj_req_path_id(req, 0, &c->id);
    if (e) return aj_req_fail(req, e, "no such hazard");
    aj_result *r;
    if ((e = load(req, c->id, &r))) return e;
    c->enterprise_id = aj_result_int(r, 0, 1);
    snprintf(c->number, sizeof c->number, "%s", aj_result_text(r, 0, 3));
    snprintf(c->state, sizeof c->state, "%s", aj_result_text(r, 0, 4));
    snprintf(c->grade, sizeof c->grade, "%s", aj_result_text(r, 0, 5) ? aj_result_text(r, 0, 5) : "");
    c->assignee_id = aj_result_is_null(r, 0, 18) ? 0 : aj_result_int(r, 0, 18);
    c->rectifier_id = aj_result_is_null(r, 0, 22) ? 0 : aj_result_int(r, 0, 22);
    aj_result_free(r);
    return AJ_OK;
}

static aj_err refuse(aj_req *req, const act_ctx *c, aj_hazard_event ev, aj_hazard_refusal why) {
    json_decref(req->err_details);
    req->err_details =
        json_pack("{s:s, s:s}", "refusal", aj_hazard_refusal_name(why), "event", aj_hazard_event_name(ev));
    return aj_req_fail(req, AJ_ECONFLICT, "hazard %s (%s): %s", c->number, c->state,
                       aj_hazard_refusal_text(why));
}

static aj_err apply(aj_req *req, act_ctx *c, aj_hazard_event ev, const aj_hazard_facts *f,
                    const char *set_sql, const aj_val *set, int n_set, json_t *detail) {
    aj_hazard_state to;
    aj_hazard_refusal why = aj_hazard_step((aj_hazard_state)aj_hazard_state_parse(c->state), ev, f, &to);
    if (why != AJ_HR_NONE) return refuse(req, c, ev, why);
    char sql[800];
    snprintf(sql, sizeof sql, "UPDATE hazards SET state = ?, %s WHERE id = ? AND state = ?", set_sql);
    aj_val v[16];
    int n = 0;
    v[n++] = AJ_VTEXT(aj_hazard_state_name(to));
    for (int i = 0; i < n_set && n < 13; i++) v[n++] = set[i];
    v[n++] = AJ_VINT(c->id);
    v[n++] = AJ_VTEXT(c->state);
    aj_db *db = aj_req_db(req);
    int64_t changed = 0;
    aj_err e = aj_db_begin(db);
    if (!e) e = aj_db_exec(db, sql, v, n, &changed);
    if (!e && changed != 1) e = AJ_ECONFLICT;
    if (!e)
        e = aj_hazard_record(req, c->id, c->enterprise_id, c->number, aj_hazard_event_name(ev), c->state,
                             aj_hazard_state_name(to), detail);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the hazard was not changed: %s", aj_db_errmsg(db));
    }
    return reply_one(req, c->id, 200);
}

aj_err aj_api_hazards_register(aj_req *req) {
    static const char *const allowed[] = {"grade", "assignee_id", "deadline", "plan",
                                          "cause", "category",    NULL};
    static const char *const texts[] = {"cause", "category", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 3);
    if (e || (e = check_texts(req, texts))) return e;
    const char *grade = text_member(req, "grade");
    if (!grade || (strcmp(grade, "general") && strcmp(grade, "major")))
        return aj_req_fail(req, AJ_EINVAL, "grade: general (一般) or major (重大)");
    const json_t *a = json_object_get(req->json, "assignee_id");
    int64_t assignee = json_integer_value(a), n = 0;
    aj_val av[2] = {AJ_VINT(assignee), AJ_VINT(req->auth.enterprise_id)};
    aj_db_query_int(aj_req_db(req),
                    "SELECT COUNT(*) FROM users WHERE id = ? AND enterprise_id = ? AND is_disabled = 0", av,
                    2, &n);
    if (!json_is_integer(a) || !n)
        return aj_req_fail(req, AJ_EINVAL, "assignee_id: a user of your enterprise");
    int64_t deadline;
    const char *ds = text_member(req, "deadline");
    if (!ds || !aj_time_parse(ds, &deadline))
        return aj_req_fail(req, AJ_EINVAL, "deadline: an RFC 3339 time");
    bool has_plan;
    if ((e = check_plan(req, json_object_get(req->json, "plan"), &has_plan))) return e;
    act_ctx c;
    if ((e = act_load(req, &c))) return e;
    aj_hazard_facts f = {.is_major = !strcmp(grade, "major"), .has_plan = has_plan};
    char *plan = json_object_get(req->json, "plan")
                     ? json_dumps(json_object_get(req->json, "plan"), JSON_COMPACT)
                     : NULL;
    aj_val set[7] = {AJ_VTEXT(grade),
                     AJ_VINT(assignee),
                     AJ_VINT(deadline),
                     AJ_VTEXT(plan),
                     AJ_VTEXT(req->auth.username),
                     AJ_VINT(aj_time_now_ms()),
                     AJ_VTEXT(text_member(req, "cause"))};
    json_t *detail =
        json_pack("{s:s, s:I, s:s}", "grade", grade, "assignee_id", (json_int_t)assignee, "deadline", ds);
    e = apply(
        req, &c, AJ_HE_REGISTER, &f,
        "grade = ?, assignee_id = ?, deadline_ms = ?, plan_json = ?, registered_by = ?, registered_ms = ?, "
        "cause = COALESCE(?, cause), escalation = 0",
        set, 7, detail);
    json_decref(detail);
    free(plan);
    return e;
}

aj_err aj_api_hazards_rectify(aj_req *req) {
    static const char *const allowed[] = {"rectification", NULL};
    static const char *const texts[] = {"rectification", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 0);
    if (e || (e = check_texts(req, texts))) return e;
    act_ctx c;
    if ((e = act_load(req, &c))) return e;
    const char *what = text_member(req, "rectification");
    aj_hazard_facts f = {.is_actor_assignee = c.assignee_id == req->auth.user_id,
                         .is_actor_manager = aj_req_has_perm(req, AJ_PERM_HAZARDS_MANAGE),
                         .has_evidence = what != NULL};
    aj_val set[4] = {AJ_VTEXT(req->auth.username), AJ_VINT(req->auth.user_id), AJ_VINT(aj_time_now_ms()),
                     AJ_VTEXT(what)};
    json_t *detail = json_pack("{s:s?}", "rectification", what);
    e = apply(req, &c, AJ_HE_RECTIFY, &f,
              "rectified_by = ?, rectified_user_id = ?, rectified_ms = ?, rectification = ?", set, 4, detail);
    json_decref(detail);
    return e;
}

static aj_err judge(aj_req *req, bool is_accept) {
    static const char *const allowed[] = {"comment", "reason", NULL};
    static const char *const texts[] = {"comment", "reason", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 0);
    if (e || (e = check_texts(req, texts))) return e;
    act_ctx c;
    if ((e = act_load(req, &c))) return e;
    aj_hazard_facts f = {.is_actor_rectifier = c.rectifier_id == req->auth.user_id,
                         .has_reason = text_member(req, "reason") != NULL};
    json_t *detail = json_pack("{s:s?, s:s?}", "comment", text_member(req, "comment"), "reason",
                               text_member(req, "reason"));
    aj_val set[2] = {AJ_VTEXT(req->auth.username), AJ_VINT(aj_time_now_ms())};
    e = is_accept
            ? apply(req, &c, AJ_HE_ACCEPT, &f, "accepted_by = ?, accepted_ms = ?", set, 2, detail)
            : apply(
                  req, &c, AJ_HE_REJECT, &f, /* who rejected it and why: on the timeline */
                  "rectified_by = NULL, rectified_user_id = NULL, rectified_ms = NULL, rectification = NULL",
                  set, 0, detail);
    json_decref(detail);
    return e;
}

aj_err aj_api_hazards_accept(aj_req *req) {
    return judge(req, true);
}
aj_err aj_api_hazards_reject(aj_req *req) {
    return judge(req, false);
}

aj_err aj_api_hazards_close(aj_req *req) {
    static const char *const allowed[] = {"comment", NULL};
    aj_err e = req->json ? aj_api_check_fields(req, allowed, 0) : AJ_OK;
    if (e) return e;
    act_ctx c;
    if ((e = act_load(req, &c))) return e;
    aj_hazard_facts f = {0};
    aj_val set[2] = {AJ_VTEXT(req->auth.username), AJ_VINT(aj_time_now_ms())};
    return apply(req, &c, AJ_HE_CLOSE, &f, "closed_by = ?, closed_ms = ?", set, 2, NULL);
}

/* ---- policy and KPIs -------------------------------------------------------------------------------------
 */

aj_err aj_api_hazard_policy_put(aj_req *req) {
    static const char *const allowed[] = {"escalate_after_h", "repeat_window_days", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 2);
    if (e) return e;
    const json_t *h = json_object_get(req->json, "escalate_after_h"),
                 *w = json_object_get(req->json, "repeat_window_days");
    if (!json_is_number(h) || json_number_value(h) < 0 || json_number_value(h) > 24 * 365)
        return aj_req_fail(req, AJ_EINVAL, "escalate_after_h: hours from 0 (at once) to 8760");
    if (!json_is_integer(w) || json_integer_value(w) < 1 || json_integer_value(w) > 3650)
        return aj_req_fail(req, AJ_EINVAL, "repeat_window_days: 1 to 3650");
    aj_db *db = aj_req_db(req);
    aj_val dv = AJ_VINT(req->auth.enterprise_id);
    aj_val v[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VINT((int64_t)llround(json_number_value(h) * 3600)),
                   AJ_VINT(json_integer_value(w))};
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(db, "DELETE FROM hazard_policy WHERE enterprise_id = ?", &dv, 1, NULL);
    if (!e)
        e = aj_db_exec(db,
                       "INSERT INTO hazard_policy (enterprise_id, escalate_after_s, repeat_window_days) "
                       "VALUES (?, ?, ?)",
                       v, 3, NULL);
    if (!e) {
        char actor[128];
        aj_req_actor(req, actor, sizeof actor);
        aj_audit_entry ae = {
            req->auth.enterprise_id, actor, "hazards.policy", "hazard_policy", "policy", NULL, req->json};
        e = aj_audit_append(db, &ae);
    }
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "not changed: %s", aj_db_errmsg(db));
    }
    aj_reply_json(req, 200, json_deep_copy(req->json));
    return AJ_OK;
}
