/* incidents_api.c — incidents raised by the failure-mode reasoner (docs/reasoning.md):
 *
 *   GET  /api/v1/incidents              ranked list (priority, then live evidence, confidence)
 *   GET  /api/v1/incidents/{id}         one incident with its timeline and the alarm
 *                                       fragments it suppressed (from the alarm journal)
 *   POST /api/v1/incidents/{id}/acknowledge | handle | resolve | review | comment
 *
 * Life cycle: open → acknowledged → in_handling → resolved → reviewed (acknowledge may be
 * skipped; review needs the root cause and the lessons). Every action is by the named
 * caller, goes to the incident's timeline and the audit chain in one transaction, and is
 * published on the live stream. Resolving tells the engine, which releases the alarms the
 * incident suppressed. Everything is scoped to the caller's enterprise and sites. */
#include "api/api.h"
#include "audit/audit.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "engine/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INCIDENTS_LIST_MAX  1000
#define INCIDENT_TEXT_MAX   4000
#define TIMELINE_SHOWN_MAX  500
#define FRAGMENTS_SHOWN_MAX 500

#define INCIDENT_COLS                                                                                        \
    "i.id, i.site_id, i.kind, i.mode_id, i.name, i.name_zh, i.scope_type, i.scope_id, i.scope_code, "        \
    "i.priority, i.state, i.level, i.is_evidence_active, i.confidence, i.peak_confidence, i.ttf_hours, "     \
    "i.evidence, i.actions, i.reference, i.opened_ns, i.diagnosed_ns, i.cleared_ns, i.updated_ns, "          \
    "i.acknowledged_by, i.acknowledged_at, i.handled_by, i.handled_at, i.resolved_by, i.resolved_at, "       \
    "i.reviewed_by, i.reviewed_at, i.root_cause, i.lessons, i.escalation, i.created_at"

static json_t *text_or_null(const aj_result *r, int i, int c) {
    return aj_result_is_null(r, i, c) ? json_null() : json_string(aj_result_text(r, i, c));
}

static json_t *time_or_null(const aj_result *r, int i, int c) {
    if (aj_result_is_null(r, i, c)) return json_null();
    char t[40];
    aj_time_format_ms(aj_result_int(r, i, c) / 1000000, t, sizeof t);
    return json_string(t);
}

static json_t *parsed_or_empty(const char *text) {
    json_error_t je;
    json_t *v = text ? json_loads(text, 0, &je) : NULL;
    return v ? v : json_array();
}

static json_t *incident_json(const aj_result *r, int i) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(aj_result_int(r, i, 0)));
    json_object_set_new(o, "site_id", json_integer(aj_result_int(r, i, 1)));
    json_object_set_new(o, "kind", json_string(aj_result_text(r, i, 2)));
    json_object_set_new(o, "mode", json_string(aj_result_text(r, i, 3)));
    json_object_set_new(o, "name", json_string(aj_result_text(r, i, 4)));
    json_object_set_new(o, "name_zh", text_or_null(r, i, 5));
    json_object_set_new(o, "scope_type", json_string(aj_result_text(r, i, 6)));
    json_object_set_new(o, "scope_id", json_integer(aj_result_int(r, i, 7)));
    json_object_set_new(o, "scope_code", json_string(aj_result_text(r, i, 8)));
    json_object_set_new(o, "priority", json_string(aj_result_text(r, i, 9)));
    json_object_set_new(o, "state", json_string(aj_result_text(r, i, 10)));
    json_object_set_new(o, "level", json_string(aj_result_text(r, i, 11)));
    json_object_set_new(o, "is_evidence_active", json_boolean(aj_result_int(r, i, 12) != 0));
    json_object_set_new(o, "confidence", json_real(aj_result_double(r, i, 13)));
    json_object_set_new(o, "peak_confidence", json_real(aj_result_double(r, i, 14)));
    json_object_set_new(o, "ttf_hours",
                        aj_result_is_null(r, i, 15) ? json_null() : json_real(aj_result_double(r, i, 15)));
    json_object_set_new(o, "evidence", parsed_or_empty(aj_result_text(r, i, 16)));
    json_object_set_new(o, "actions", parsed_or_empty(aj_result_text(r, i, 17)));
    json_object_set_new(o, "reference", text_or_null(r, i, 18));
    json_object_set_new(o, "opened", time_or_null(r, i, 19));
    json_object_set_new(o, "opened_ns", json_integer(aj_result_int(r, i, 19)));
    json_object_set_new(o, "diagnosed", time_or_null(r, i, 20));
    json_object_set_new(o, "evidence_cleared", time_or_null(r, i, 21));
    json_object_set_new(o, "updated", time_or_null(r, i, 22));
    if (!aj_result_is_null(r, i, 15) && !aj_result_is_null(r, i, 22)) {
        /* the estimate made at the latest change, as a time (event time) */
        double at_ns = (double)aj_result_int(r, i, 22) + aj_result_double(r, i, 15) * 3600e9;
        char t[40];
        aj_time_format_ms((int64_t)(at_ns / 1e6), t, sizeof t);
        json_object_set_new(o, "failure_at", json_string(t));
    } else {
        json_object_set_new(o, "failure_at", json_null());
    }
    static const char *const who[][2] = {{"acknowledged_by", "acknowledged_at"},
                                         {"handled_by", "handled_at"},
                                         {"resolved_by", "resolved_at"},
                                         {"reviewed_by", "reviewed_at"}};
    for (int k = 0; k < 4; k++) {
        json_object_set_new(o, who[k][0], text_or_null(r, i, 23 + 2 * k));
        json_object_set_new(o, who[k][1], text_or_null(r, i, 24 + 2 * k));
    }
    json_object_set_new(o, "root_cause", text_or_null(r, i, 31));
    json_object_set_new(o, "lessons", text_or_null(r, i, 32));
    json_object_set_new(o, "escalation", json_integer(aj_result_int(r, i, 33)));
    json_object_set_new(o, "created_at", json_string(aj_result_text(r, i, 34)));
    return o;
}

/* What the engine knows beside the row: the mode's thresholds (to draw the confidence
 * against them). */
static void add_thresholds(aj_req *req, json_t *o) {
    double warn, diag;
    const char *mode = json_string_value(json_object_get(o, "mode"));
    bool ok = req->app->engine && mode && aj_engine_mode_thresholds(req->app->engine, mode, &warn, &diag);
    json_object_set_new(o, "warn_at", ok ? json_real(warn) : json_null());
    json_object_set_new(o, "diagnose_at", ok ? json_real(diag) : json_null());
}

/* The reasoner's clock (event time), so a page can place "now" on an incident's timeline. */
static json_t *clock_json(aj_req *req) {
    int64_t t = req->app->engine ? aj_engine_reason_clock(req->app->engine) : INT64_MIN;
    if (t == INT64_MIN) return json_null();
    char s[40];
    aj_time_format_ms(t / 1000000, s, sizeof s);
    return json_string(s);
}

/* ---- list ------------------------------------------------------------------------------------ */

static bool is_one_of(const char *s, const char *const *names) {
    for (int i = 0; names[i]; i++)
        if (!strcmp(s, names[i])) return true;
    return false;
}

static const char *const STATES[] = {"open", "acknowledged", "in_handling", "resolved", "reviewed", NULL};
static const char *const PRIORITIES[] = {"emergency", "high", "medium", "low", "diagnostic", NULL};
static const char *const KINDS[] = {"process", "sensor_check", NULL};

aj_err aj_api_incidents_list(aj_req *req) {
    char ent[1100], site[1100], sql[4000];
    aj_scope_enterprise(req, "i.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "i.site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT " INCIDENT_COLS " FROM incidents i WHERE %s AND %s", ent, site);
    aj_val p[6];
    int np = 0;
    const char *state = aj_req_query(req, "state");
    if (!state || !strcmp(state, "active")) {
        strncat(sql, " AND i.state IN ('open', 'acknowledged', 'in_handling')", sizeof sql - strlen(sql) - 1);
    } else if (strcmp(state, "all") != 0) {
        if (!is_one_of(state, STATES))
            return aj_req_fail(
                req, AJ_EINVAL,
                "state: active, all, open, acknowledged, in_handling, resolved or reviewed (got "
                "\"%.40s\")",
                state);
        strncat(sql, " AND i.state = ?", sizeof sql - strlen(sql) - 1);
        p[np++] = AJ_VTEXT(state);
    }
    const char *prio = aj_req_query(req, "priority");
    if (prio) {
        if (!is_one_of(prio, PRIORITIES))
            return aj_req_fail(req, AJ_EINVAL, "priority: emergency, high, medium, low or diagnostic");
        strncat(sql, " AND i.priority = ?", sizeof sql - strlen(sql) - 1);
        p[np++] = AJ_VTEXT(prio);
    }
    const char *kind = aj_req_query(req, "kind");
    if (kind) {
        if (!is_one_of(kind, KINDS)) return aj_req_fail(req, AJ_EINVAL, "kind: process or sensor_check");
        strncat(sql, " AND i.kind = ?", sizeof sql - strlen(sql) - 1);
        p[np++] = AJ_VTEXT(kind);
    }
    int64_t site_id, limit;
    aj_err e;
    if ((e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id))) return e;
    if (site_id) {
        strncat(sql, " AND i.site_id = ?", sizeof sql - strlen(sql) - 1);
        p[np++] = AJ_VINT(site_id);
    }
    if ((e = aj_req_query_int(req, "limit", 200, 1, INCIDENTS_LIST_MAX, &limit))) return e;
    strncat(sql,
            " ORDER BY CASE i.priority WHEN 'emergency' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN "
            "'low' THEN 3 ELSE 4 END, i.is_evidence_active DESC, i.confidence DESC, i.id DESC LIMIT ?",
            sizeof sql - strlen(sql) - 1);
    p[np++] = AJ_VINT(limit);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, p, np, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) {
        json_t *o = incident_json(r, i);
        add_thresholds(req, o);
        json_array_append_new(items, o);
    }
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items, "reasoner_time", clock_json(req)));
    return AJ_OK;
}

/* ---- one --------------------------------------------------------------------------------------- */

/* The incident row (scoped); 404 outside the caller's enterprise and sites. */
static aj_err load_incident(aj_req *req, int64_t id, aj_result **out) {
    char ent[1100], site[1100], sql[3000];
    aj_scope_enterprise(req, "i.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "i.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT " INCIDENT_COLS ", i.enterprise_id FROM incidents i WHERE i.id = ? AND %s AND %s", ent,
             site);
    aj_val p = AJ_VINT(id);
    aj_err e = aj_db_query(aj_req_db(req), sql, &p, 1, out);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(*out) != 1) {
        aj_result_free(*out);
        *out = NULL;
        return aj_req_fail(req, AJ_ENOTFOUND, "incident %lld not found", (long long)id);
    }
    return AJ_OK;
}

static json_t *timeline_json(aj_req *req, int64_t id) {
    aj_val p[2] = {AJ_VINT(id), AJ_VINT(TIMELINE_SHOWN_MAX)};
    aj_result *r;
    json_t *arr = json_array();
    if (aj_db_query(
            aj_req_db(req),
            "SELECT id, t_ns, kind, actor, detail, recorded_at FROM incident_timeline WHERE incident_id = ? "
            "ORDER BY id LIMIT ?",
            p, 2, &r))
        return arr;
    for (int i = 0; i < aj_result_rows(r); i++) {
        json_t *o = json_pack("{s:I, s:o, s:s, s:s, s:s}", "id", (json_int_t)aj_result_int(r, i, 0), "t",
                              time_or_null(r, i, 1), "kind", aj_result_text(r, i, 2), "actor",
                              aj_result_text(r, i, 3), "recorded_at", aj_result_text(r, i, 5));
        json_t *detail = NULL;
        if (!aj_result_is_null(r, i, 4)) {
            json_error_t je;
            detail = json_loads(aj_result_text(r, i, 4), 0, &je);
        }
        json_object_set_new(o, "detail", detail ? detail : json_null());
        json_array_append_new(arr, o);
    }
    aj_result_free(r);
    return arr;
}

/* The alarm transitions the incident suppressed: its fragments, kept in the journal. */
static json_t *fragments_json(aj_req *req, int64_t id) {
    aj_val p[2] = {AJ_VINT(id), AJ_VINT(FRAGMENTS_SHOWN_MAX)};
    aj_result *r;
    json_t *arr = json_array();
    if (aj_db_query(
            aj_req_db(req),
            "SELECT j.alarm_id, j.tag_id, t.key, d.kind, j.priority, j.from_state, j.to_state, j.cause, "
            "j.t_ns, j.value, j.limit_value FROM alarm_journal j JOIN tags t ON t.id = j.tag_id JOIN "
            "alarm_defs d ON d.id = j.alarm_id WHERE j.suppressor_id = ? ORDER BY j.id LIMIT ?",
            p, 2, &r))
        return arr;
    for (int i = 0; i < aj_result_rows(r); i++) {
        json_t *o = json_pack(
            "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "alarm_id", (json_int_t)aj_result_int(r, i, 0),
            "tag_id", (json_int_t)aj_result_int(r, i, 1), "tag_key", aj_result_text(r, i, 2), "alarm_kind",
            aj_result_text(r, i, 3), "priority", aj_result_text(r, i, 4), "from", aj_result_text(r, i, 5),
            "to", aj_result_text(r, i, 6), "cause", aj_result_text(r, i, 7), "t", time_or_null(r, i, 8));
        json_object_set_new(o, "value",
                            aj_result_is_null(r, i, 9) ? json_null() : json_real(aj_result_double(r, i, 9)));
        json_object_set_new(
            o, "limit", aj_result_is_null(r, i, 10) ? json_null() : json_real(aj_result_double(r, i, 10)));
        json_array_append_new(arr, o);
    }
    aj_result_free(r);
    return arr;
}

aj_err aj_api_incident_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such incident");
    aj_result *r;
    if ((e = load_incident(req, id, &r))) return e;
    json_t *o = incident_json(r, 0);
    aj_result_free(r);
    add_thresholds(req, o);
    json_object_set_new(o, "reasoner_time", clock_json(req));
    json_object_set_new(o, "timeline", timeline_json(req, id));
    json_object_set_new(o, "suppressed_alarms", fragments_json(req, id));
    aj_reply_json(req, 200, o);
    return AJ_OK;
}

/* ---- actions ------------------------------------------------------------------------------------ */

typedef enum { ACT_ACK, ACT_HANDLE, ACT_RESOLVE, ACT_REVIEW, ACT_COMMENT } act_kind;

typedef struct act_spec {
    const char *name;    /* timeline kind and audit action suffix */
    const char *from;    /* SQL list of the states it may start from */
    const char *to;      /* new state (NULL: unchanged) */
    const char *by, *at; /* columns naming who and when (NULL: none) */
} act_spec;

static const act_spec ACTS[] = {
    [ACT_ACK] = {"acknowledged", "'open'", "acknowledged", "acknowledged_by", "acknowledged_at"},
    [ACT_HANDLE] = {"in_handling", "'open', 'acknowledged'", "in_handling", "handled_by", "handled_at"},
    [ACT_RESOLVE] = {"resolved", "'open', 'acknowledged', 'in_handling'", "resolved", "resolved_by",
                     "resolved_at"},
    [ACT_REVIEW] = {"reviewed", "'resolved'", "reviewed", "reviewed_by", "reviewed_at"},
    [ACT_COMMENT] = {"comment", "'open', 'acknowledged', 'in_handling', 'resolved', 'reviewed'", NULL, NULL,
                     NULL},
};

/* A text member of the body: NULL when absent; 400 when not a text or too long, or when
 * required and empty. */
static aj_err body_text(aj_req *req, const char *name, bool is_required, const char **out) {
    const json_t *v = req->json ? json_object_get(req->json, name) : NULL;
    *out = NULL;
    if (v && !json_is_string(v) && !json_is_null(v))
        return aj_req_fail(req, AJ_EINVAL, "%s: must be a text", name);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s && strlen(s) > INCIDENT_TEXT_MAX)
        return aj_req_fail(req, AJ_EINVAL, "%s: at most %d bytes", name, INCIDENT_TEXT_MAX);
    if (is_required && (!s || !*s)) return aj_req_fail(req, AJ_EINVAL, "%s: required", name);
    *out = s && *s ? s : NULL;
    return AJ_OK;
}

static aj_err act(aj_req *req, act_kind kind) {
    static const char *const allowed[] = {"comment", "root_cause", "lessons", NULL};
    aj_err e;
    if (req->json && (e = aj_api_check_fields(req, allowed, 0))) return e;
    int64_t id;
    if ((e = aj_req_path_id(req, 0, &id))) return aj_req_fail(req, e, "no such incident");
    const char *comment, *root_cause = NULL, *lessons = NULL;
    if ((e = body_text(req, "comment", kind == ACT_RESOLVE || kind == ACT_COMMENT, &comment))) return e;
    if (kind == ACT_REVIEW) {
        if ((e = body_text(req, "root_cause", true, &root_cause))) return e;
        if ((e = body_text(req, "lessons", true, &lessons))) return e;
    } else if (req->json &&
               (json_object_get(req->json, "root_cause") || json_object_get(req->json, "lessons"))) {
        return aj_req_fail(req, AJ_EINVAL, "root_cause and lessons belong to a review");
    }
    aj_result *r;
    if ((e = load_incident(req, id, &r))) return e;
    int64_t enterprise_id = aj_result_int(r, 0, 35), site_id = aj_result_int(r, 0, 1);
    char state[32], mode[64], scope[80], ikind[32];
    snprintf(ikind, sizeof ikind, "%s", aj_result_text(r, 0, 2));
    snprintf(state, sizeof state, "%s", aj_result_text(r, 0, 10));
    snprintf(mode, sizeof mode, "%s", aj_result_text(r, 0, 3));
    snprintf(scope, sizeof scope, "%s", aj_result_text(r, 0, 8));
    aj_result_free(r);
    const act_spec *a = &ACTS[kind];
    char now[40], actor[128], sql[600];
    aj_time_format_ms(aj_time_now_ms(), now, sizeof now);
    aj_req_actor(req, actor, sizeof actor);
    aj_db *db = aj_req_db(req);
    if ((e = aj_db_begin(db))) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    int64_t changed = 1;
    if (a->to) {
        snprintf(sql, sizeof sql,
                 "UPDATE incidents SET state = ?, %s = ?, %s = ?%s WHERE id = ? AND state IN (%s)", a->by,
                 a->at, kind == ACT_REVIEW ? ", root_cause = ?, lessons = ?" : "", a->from);
        aj_val p[6] = {AJ_VTEXT(a->to), AJ_VTEXT(req->auth.username), AJ_VTEXT(now)};
        int np = 3;
        if (kind == ACT_REVIEW) {
            p[np++] = AJ_VTEXT(root_cause);
            p[np++] = AJ_VTEXT(lessons);
        }
        p[np++] = AJ_VINT(id);
        e = aj_db_exec(db, sql, p, np, &changed);
    }
    if (!e && changed == 0) {
        aj_db_rollback(db);
        return aj_req_fail(req, AJ_ECONFLICT, "incident %lld is %s: it cannot be %s", (long long)id, state,
                           kind == ACT_ACK       ? "acknowledged"
                           : kind == ACT_HANDLE  ? "taken into handling"
                           : kind == ACT_RESOLVE ? "resolved"
                                                 : "reviewed (resolve it first)");
    }
    json_t *detail = json_pack("{s:s?, s:s?, s:s?, s:s?}", "comment", comment, "root_cause", root_cause,
                               "lessons", lessons, "from", a->to ? state : NULL);
    char *dtext = json_dumps(detail, JSON_COMPACT);
    if (!e) {
        aj_val p[6] = {AJ_VINT(id),       AJ_VINT(enterprise_id),       AJ_VINT(aj_time_now_ms() * 1000000LL),
                       AJ_VTEXT(a->name), AJ_VTEXT(req->auth.username), AJ_VTEXT(dtext)};
        aj_val all[7];
        memcpy(all, p, sizeof p);
        all[6] = AJ_VTEXT(now);
        e = aj_db_exec(
            db,
            "INSERT INTO incident_timeline (incident_id, enterprise_id, t_ns, kind, actor, detail, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            all, 7, NULL);
    }
    if (!e) {
        char oid[32], action[48];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        snprintf(action, sizeof action, "incidents.%s",
                 kind == ACT_ACK       ? "acknowledge"
                 : kind == ACT_HANDLE  ? "handle"
                 : kind == ACT_RESOLVE ? "resolve"
                 : kind == ACT_REVIEW  ? "review"
                                       : "comment");
        json_t *before = json_pack("{s:s}", "state", state);
        json_t *after = json_pack("{s:s, s:s?, s:s?, s:s?}", "state", a->to ? a->to : state, "comment",
                                  comment, "root_cause", root_cause, "lessons", lessons);
        aj_audit_entry ae = {enterprise_id, actor, action, "incident", oid, before, after};
        e = aj_audit_append(db, &ae);
        json_decref(before);
        json_decref(after);
    }
    if (!e) e = aj_db_commit(db);
    free(dtext);
    json_decref(detail);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the incident was not changed: %s", aj_db_errmsg(db));
    }
    if (req->app->engine) {
        if (kind == ACT_RESOLVE) aj_engine_incident_closed(req->app->engine, id);
        json_t *ev = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "incident_id", (json_int_t)id, "kind",
                               ikind, "change", a->name, "state", a->to ? a->to : state, "mode", mode,
                               "scope", scope, "by", req->auth.username);
        char *evt = json_dumps(ev, JSON_COMPACT);
        if (evt) aj_engine_publish_incident(req->app->engine, enterprise_id, site_id, evt);
        free(evt);
        json_decref(ev);
    }
    return aj_api_incident_get(req);
}

aj_err aj_api_incident_acknowledge(aj_req *req) {
    return act(req, ACT_ACK);
}
aj_err aj_api_incident_handle(aj_req *req) {
    return act(req, ACT_HANDLE);
}
aj_err aj_api_incident_resolve(aj_req *req) {
    return act(req, ACT_RESOLVE);
}
aj_err aj_api_incident_review(aj_req *req) {
    return act(req, ACT_REVIEW);
}
aj_err aj_api_incident_comment(aj_req *req) {
    return act(req, ACT_COMMENT);
}
