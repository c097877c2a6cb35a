/* alarms_api.c — alarm routes (docs/alarms.md, docs/api.md):
 *   GET  /api/v1/alarms                 current alarms (not normal by default), scoped
 *   GET  /api/v1/alarms/{id}            one alarm: definition, state, latest journal
 *   POST /api/v1/alarms/{id}/ack|reset|shelve|unshelve|remove-from-service|return-to-service
 *                                       operator actions by the named caller, with a comment
 *   GET  /api/v1/alarm-journal          every transition, by id (cursor) or time
 *   GET  /api/v1/tags/{id}/alarms       the tag's alarm definitions
 *   PUT  /api/v1/tags/{id}/alarms       set the tag's alarms (replaces the user-set ones)
 * and the hooks that keep a tag's generated alarms in line when the tag changes.
 */
#include "api/alarms_api.h"

#include "api/api.h"
#include "api/resource.h"
#include "base/timeutil.h"
#include "engine/alarm_defs.h"
#include "engine/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALARMS_LIST_MAX  2000
#define JOURNAL_PAGE_MAX 5000

/* ---- hooks for the tags resource --------------------------------------------------------- */

aj_err aj_api_tag_alarms_written(aj_req *req, int64_t tag_id) {
    char actor[128];
    aj_req_actor(req, actor, sizeof actor);
    aj_err e = aj_alarm_defs_sync(aj_req_db(req), req->auth.enterprise_id, tag_id, actor, NULL);
    if (e)
        return aj_req_fail(req, e, "the tag's default alarms could not be written: %s",
                           aj_db_errmsg(req->db));
    return AJ_OK;
}

void aj_api_tag_alarms_committed(aj_req *req, int64_t tag_id) {
    if (req->app->engine) aj_engine_reload_alarms(req->app->engine, tag_id);
    aj_api_plant_committed(req, tag_id);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void fmt_ns(int64_t t_ns, char *buf, size_t size) {
    aj_time_format_ms(t_ns >= 0 ? t_ns / 1000000 : 0, buf, size);
}

/* Parses an RFC 3339 time parameter into ns; def when absent. */
static aj_err query_time(aj_req *req, const char *name, int64_t def, int64_t *out) {
    const char *s = aj_req_query(req, name);
    if (!s) {
        *out = def;
        return AJ_OK;
    }
    int64_t ms;
    if (!aj_time_parse(s, &ms)) return aj_req_fail(req, AJ_EINVAL, "%s: not an RFC 3339 time: %s", name, s);
    *out = ms * 1000000;
    return AJ_OK;
}

/* The tag of a scoped alarm (404 outside the caller's enterprises and sites). */
static aj_err scoped_alarm(aj_req *req, int64_t alarm_id, int64_t *tag_id) {
    char ent[1100], site[1100], sql[2600];
    aj_scope_enterprise(req, "t.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "t.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT d.tag_id FROM alarm_defs d JOIN tags t ON t.id = d.tag_id WHERE d.id = ? AND %s AND %s",
             ent, site);
    aj_val p = AJ_VINT(alarm_id);
    aj_err e = aj_db_query_int(aj_req_db(req), sql, &p, 1, tag_id);
    if (e == AJ_ENOTFOUND) return aj_req_fail(req, e, "alarm %lld not found", (long long)alarm_id);
    if (e) return aj_req_fail(req, e, "alarm lookup failed: %s", aj_db_errmsg(req->db));
    return AJ_OK;
}

static json_t *status_json(const aj_alarm_status *s) {
    json_t *o = json_object();
    json_object_set_new(o, "state", json_string(aj_alarm_state_name(s->state)));
    json_object_set_new(o, "annunciation", json_string(aj_alarm_state_name(s->annunciation)));
    json_object_set_new(o, "is_condition_active", json_boolean(s->is_condition_active));
    json_object_set_new(o, "is_chattering", json_boolean(s->is_chattering));
    json_object_set_new(o, "is_quality_good", json_boolean(s->is_quality_good));
    json_object_set_new(o, "value", s->has_value && isfinite(s->value) ? json_real(s->value) : json_null());
    json_object_set_new(o, "is_shelved", json_boolean(s->is_shelved));
    if (s->is_shelved) {
        json_object_set_new(o, "shelve_kind",
                            json_string(s->shelve_kind == AJ_SHELVE_TIMED ? "timed" : "one_shot"));
        if (s->shelve_until_ns) {
            char t[32];
            fmt_ns(s->shelve_until_ns, t, sizeof t);
            json_object_set_new(o, "shelve_until", json_string(t));
        }
    }
    json_object_set_new(o, "n_suppressors", json_integer(s->n_suppressors));
    json_object_set_new(o, "is_out_of_service", json_boolean(s->is_out_of_service));
    return o;
}

/* ---- current alarms ------------------------------------------------------------------------ */

#define ALARM_COLS                                                                                           \
    "d.id, d.tag_id, t.key, t.name, t.name_en, t.unit, t.site_id, t.area_id, d.kind, d.priority, "           \
    "d.setpoint, "                                                                                           \
    "COALESCE(s.state, 'normal'), COALESCE(s.is_condition_active, 0), s.value, s.since_ns, d.source, "       \
    "d.basis"

static json_t *alarm_row_json(const aj_result *r, int i) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(aj_result_int(r, i, 0)));
    json_object_set_new(o, "tag_id", json_integer(aj_result_int(r, i, 1)));
    json_object_set_new(o, "tag_key", json_string(aj_result_text(r, i, 2)));
    json_object_set_new(o, "tag_name", json_string(aj_result_text(r, i, 3)));
    json_object_set_new(o, "tag_name_en",
                        aj_result_is_null(r, i, 4) ? json_null() : json_string(aj_result_text(r, i, 4)));
    json_object_set_new(o, "unit",
                        aj_result_is_null(r, i, 5) ? json_null() : json_string(aj_result_text(r, i, 5)));
    json_object_set_new(o, "site_id", json_integer(aj_result_int(r, i, 6)));
    json_object_set_new(o, "area_id",
                        aj_result_is_null(r, i, 7) ? json_null() : json_integer(aj_result_int(r, i, 7)));
    json_object_set_new(o, "kind", json_string(aj_result_text(r, i, 8)));
    json_object_set_new(o, "priority", json_string(aj_result_text(r, i, 9)));
    json_object_set_new(o, "limit", json_real(aj_result_double(r, i, 10)));
    json_object_set_new(o, "state", json_string(aj_result_text(r, i, 11)));
    json_object_set_new(o, "is_condition_active", json_boolean(aj_result_int(r, i, 12) != 0));
    json_object_set_new(o, "value",
                        aj_result_is_null(r, i, 13) ? json_null() : json_real(aj_result_double(r, i, 13)));
    if (!aj_result_is_null(r, i, 14) && aj_result_int(r, i, 14) > 0) {
        char t[32];
        fmt_ns(aj_result_int(r, i, 14), t, sizeof t);
        json_object_set_new(o, "since", json_string(t));
        json_object_set_new(o, "since_ns", json_integer(aj_result_int(r, i, 14)));
    } else {
        json_object_set_new(o, "since", json_null());
    }
    json_object_set_new(o, "source", json_string(aj_result_text(r, i, 15)));
    json_object_set_new(o, "basis",
                        aj_result_is_null(r, i, 16) ? json_null() : json_string(aj_result_text(r, i, 16)));
    return o;
}

/* Appends " AND col IN ('a','b')" for a comma list of names checked by parse. */
static aj_err name_filter(aj_req *req, const char *param, const char *col,
                          aj_err (*parse)(const char *, int *), char *sql, size_t size) {
    const char *v = aj_req_query(req, param);
    if (!v || !*v) return AJ_OK;
    char list[256];
    snprintf(list, sizeof list, "%s", v);
    size_t n = strlen(sql);
    snprintf(sql + n, size - n, " AND %s IN (", col);
    bool is_first = true;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int dummy;
        if (parse(tok, &dummy)) return aj_req_fail(req, AJ_EINVAL, "%s: unknown value \"%s\"", param, tok);
        n = strlen(sql);
        snprintf(sql + n, size - n, "%s'%s'", is_first ? "" : ",", tok); /* checked names only */
        is_first = false;
    }
    n = strlen(sql);
    snprintf(sql + n, size - n, ")");
    return AJ_OK;
}

static aj_err parse_state(const char *s, int *out) {
    aj_alarm_state st;
    aj_err e = aj_alarm_state_parse(s, &st);
    *out = (int)st;
    return e;
}

static aj_err parse_priority(const char *s, int *out) {
    aj_alarm_priority p;
    aj_err e = aj_alarm_priority_parse(s, &p);
    *out = (int)p;
    return e;
}

aj_err aj_api_alarms_list(aj_req *req) {
    char ent[1100], site[1100], sql[5000];
    aj_scope_enterprise(req, "t.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "t.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT " ALARM_COLS " FROM alarm_defs d JOIN tags t ON t.id = d.tag_id "
             "LEFT JOIN alarm_state s ON s.alarm_id = d.id WHERE d.is_retired = 0 AND %s AND %s",
             ent, site);
    const char *state = aj_req_query(req, "state");
    aj_err e;
    if (!state || !strcmp(state, "active")) {
        size_t n = strlen(sql);
        snprintf(sql + n, sizeof sql - n, " AND COALESCE(s.state, 'normal') <> 'normal'");
    } else if (strcmp(state, "all") != 0) {
        if ((e = name_filter(req, "state", "COALESCE(s.state, 'normal')", parse_state, sql, sizeof sql)))
            return e;
    }
    if ((e = name_filter(req, "priority", "d.priority", parse_priority, sql, sizeof sql))) return e;
    aj_val p[4];
    int np = 0;
    static const char *const int_filters[][2] = {
        {"site_id", "t.site_id"}, {"area_id", "t.area_id"}, {"tag_id", "d.tag_id"}};
    for (size_t i = 0; i < 3; i++) {
        int64_t v;
        if ((e = aj_req_query_int(req, int_filters[i][0], 0, 0, INT64_MAX, &v))) return e;
        if (!v) continue;
        size_t n = strlen(sql);
        snprintf(sql + n, sizeof sql - n, " AND %s = ?", int_filters[i][1]);
        p[np++] = AJ_VINT(v);
    }
    int64_t limit;
    if ((e = aj_req_query_int(req, "limit", 500, 1, ALARMS_LIST_MAX, &limit))) return e;
    size_t n = strlen(sql);
    snprintf(sql + n, sizeof sql - n,
             " ORDER BY CASE d.priority WHEN 'emergency' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
             "WHEN 'low' THEN 3 ELSE 4 END, COALESCE(s.since_ns, 0) DESC, d.id LIMIT ?");
    p[np++] = AJ_VINT(limit);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, p, np, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, alarm_row_json(r, i));
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

/* ---- journal -------------------------------------------------------------------------------- */

#define JOURNAL_COLS                                                                                         \
    "j.id, j.alarm_id, j.tag_id, t.key, d.kind, j.priority, j.from_state, j.to_state, j.cause, j.t_ns, "     \
    "j.value, j.limit_value, j.is_condition_active, j.is_chattering, j.user_name, j.comment, "               \
    "j.suppressor_id, "                                                                                      \
    "j.shelve_until_ns, j.recorded_at"

json_t *aj_alarm_journal_row_json(const aj_result *r, int i) {
    char t[32];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(aj_result_int(r, i, 0)));
    json_object_set_new(o, "alarm_id", json_integer(aj_result_int(r, i, 1)));
    json_object_set_new(o, "tag_id", json_integer(aj_result_int(r, i, 2)));
    json_object_set_new(o, "tag_key", json_string(aj_result_text(r, i, 3)));
    json_object_set_new(o, "kind", json_string(aj_result_text(r, i, 4)));
    json_object_set_new(o, "priority", json_string(aj_result_text(r, i, 5)));
    json_object_set_new(o, "from", json_string(aj_result_text(r, i, 6)));
    json_object_set_new(o, "to", json_string(aj_result_text(r, i, 7)));
    json_object_set_new(o, "cause", json_string(aj_result_text(r, i, 8)));
    fmt_ns(aj_result_int(r, i, 9), t, sizeof t);
    json_object_set_new(o, "t", json_string(t));
    json_object_set_new(o, "t_ns", json_integer(aj_result_int(r, i, 9)));
    json_object_set_new(o, "value",
                        aj_result_is_null(r, i, 10) ? json_null() : json_real(aj_result_double(r, i, 10)));
    json_object_set_new(o, "limit",
                        aj_result_is_null(r, i, 11) ? json_null() : json_real(aj_result_double(r, i, 11)));
    json_object_set_new(o, "is_condition_active", json_boolean(aj_result_int(r, i, 12) != 0));
    json_object_set_new(o, "is_chattering", json_boolean(aj_result_int(r, i, 13) != 0));
    json_object_set_new(o, "user",
                        aj_result_is_null(r, i, 14) ? json_null() : json_string(aj_result_text(r, i, 14)));
    json_object_set_new(o, "comment",
                        aj_result_is_null(r, i, 15) ? json_null() : json_string(aj_result_text(r, i, 15)));
    if (!aj_result_is_null(r, i, 16))
        json_object_set_new(o, "suppressor_id", json_integer(aj_result_int(r, i, 16)));
    if (!aj_result_is_null(r, i, 17)) {
        fmt_ns(aj_result_int(r, i, 17), t, sizeof t);
        json_object_set_new(o, "shelve_until", json_string(t));
    }
    json_object_set_new(o, "recorded_at", json_string(aj_result_text(r, i, 18)));
    return o;
}

aj_err aj_alarm_journal_query(aj_db *db, const char *scope_sql, int64_t after_id, int64_t from_ns,
                              int64_t to_ns, int64_t alarm_id, int64_t tag_id, int64_t limit,
                              aj_result **out) {
    char sql[3000];
    snprintf(
        sql, sizeof sql,
        "SELECT " JOURNAL_COLS " FROM alarm_journal j JOIN tags t ON t.id = j.tag_id JOIN alarm_defs d ON "
        "d.id = j.alarm_id WHERE %s AND j.id > ? AND j.t_ns >= ? AND j.t_ns < ? AND (CAST(? AS BIGINT) = 0 "
        "OR j.alarm_id = ?) AND (CAST(? AS BIGINT) = 0 OR j.tag_id = ?) ORDER BY j.id LIMIT ?",
        scope_sql);
    aj_val p[8] = {AJ_VINT(after_id), AJ_VINT(from_ns), AJ_VINT(to_ns),  AJ_VINT(alarm_id),
                   AJ_VINT(alarm_id), AJ_VINT(tag_id),  AJ_VINT(tag_id), AJ_VINT(limit)};
    return aj_db_query(db, sql, p, 8, out);
}

void aj_alarm_scope_sql(const aj_req *req, char *buf, size_t size) {
    char ent[1100], site[1100];
    aj_scope_enterprise(req, "t.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "t.site_id", site, sizeof site);
    snprintf(buf, size, "%s AND %s", ent, site);
}

aj_err aj_api_alarm_journal(aj_req *req) {
    int64_t limit, after = 0, from, to, alarm_id, tag_id;
    aj_err e;
    const char *cursor = aj_req_query(req, "cursor");
    if (cursor && *cursor && !aj_page_cursor_parse(cursor, &after))
        return aj_req_fail(req, AJ_EINVAL, "query parameter cursor is not a cursor this server issued");
    if ((e = aj_req_query_int(req, "limit", 100, 1, JOURNAL_PAGE_MAX, &limit))) return e;
    if ((e = query_time(req, "from", 0, &from))) return e;
    if ((e = query_time(req, "to", INT64_MAX, &to))) return e;
    if ((e = aj_req_query_int(req, "alarm_id", 0, 0, INT64_MAX, &alarm_id))) return e;
    if ((e = aj_req_query_int(req, "tag_id", 0, 0, INT64_MAX, &tag_id))) return e;
    int64_t after_id;
    if ((e = aj_req_query_int(req, "after_id", after, 0, INT64_MAX, &after_id))) return e;
    char scope[2300];
    aj_alarm_scope_sql(req, scope, sizeof scope);
    aj_result *r;
    if ((e = aj_alarm_journal_query(aj_req_db(req), scope, after_id, from, to, alarm_id, tag_id, limit, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, aj_alarm_journal_row_json(r, i));
    aj_result_free(r);
    aj_reply_page(req, items, limit, "id");
    return AJ_OK;
}

/* ---- one alarm -------------------------------------------------------------------------------- */

aj_err aj_api_alarm_get(aj_req *req) {
    int64_t id, tag_id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such alarm");
    if ((e = scoped_alarm(req, id, &tag_id))) return e;
    aj_val p = AJ_VINT(id);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req),
                         "SELECT " ALARM_COLS " FROM alarm_defs d JOIN tags t ON t.id = d.tag_id "
                         "LEFT JOIN alarm_state s ON s.alarm_id = d.id WHERE d.id = ?",
                         &p, 1, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "alarm %lld not found", (long long)id);
    }
    json_t *o = alarm_row_json(r, 0);
    aj_result_free(r);
    aj_alarm_def_row rows[AJ_ALARM_DEFS_PER_TAG];
    size_t n = 0;
    if (aj_alarm_defs_load(req->db, tag_id, rows, AJ_ALARM_DEFS_PER_TAG, &n) == AJ_OK)
        for (size_t i = 0; i < n; i++)
            if (rows[i].def.id == id)
                json_object_set_new(o, "definition", aj_alarm_def_row_to_json(&rows[i]));
    aj_alarm_status st;
    if (req->app->engine && aj_engine_alarm_status(req->app->engine, tag_id, id, &st) == AJ_OK)
        json_object_set_new(o, "live", status_json(&st));
    char scope[2300];
    aj_alarm_scope_sql(req, scope, sizeof scope);
    /* the latest 50 entries, oldest first */
    int64_t first = 0;
    aj_val q = AJ_VINT(id);
    aj_db_query_int(req->db, "SELECT COALESCE(MAX(id), 0) FROM alarm_journal WHERE alarm_id = ?", &q, 1,
                    &first);
    int64_t after = 0;
    aj_val q2[2] = {AJ_VINT(id), AJ_VINT(first)};
    aj_db_query_int(
        req->db,
        "SELECT COALESCE(MIN(id), 1) - 1 FROM (SELECT id FROM alarm_journal WHERE alarm_id = ? AND id <= ? "
        "ORDER BY id DESC LIMIT 50) x",
        q2, 2, &after);
    if (aj_alarm_journal_query(req->db, scope, after, 0, INT64_MAX, id, 0, 50, &r) == AJ_OK) {
        json_t *items = json_array();
        for (int i = 0; i < aj_result_rows(r); i++)
            json_array_append_new(items, aj_alarm_journal_row_json(r, i));
        aj_result_free(r);
        json_object_set_new(o, "journal", items);
    }
    aj_reply_json(req, 200, o);
    return AJ_OK;
}

/* ---- actions ------------------------------------------------------------------------------------ */

static aj_err act(aj_req *req, aj_alarm_act_kind kind) {
    static const char *const allowed[] = {"comment", "kind", "duration_s", NULL};
    aj_err e;
    if (req->json && (e = aj_api_check_fields(req, allowed, 0))) return e;
    int64_t id, tag_id;
    if ((e = aj_req_path_id(req, 0, &id))) return aj_req_fail(req, e, "no such alarm");
    if ((e = scoped_alarm(req, id, &tag_id))) return e;
    if (!req->app->engine) return aj_req_fail(req, AJ_EUNAVAILABLE, "the real-time engine is not running");
    const json_t *body = req->json;
    const json_t *comment = body ? json_object_get(body, "comment") : NULL;
    if (comment && !json_is_string(comment) && !json_is_null(comment))
        return aj_req_fail(req, AJ_EINVAL, "comment: must be a text");
    const char *text = json_is_string(comment) ? json_string_value(comment) : NULL;
    if (text && strlen(text) > AJ_ALARM_COMMENT_LEN_MAX)
        return aj_req_fail(req, AJ_EINVAL, "comment: at most %d bytes", AJ_ALARM_COMMENT_LEN_MAX);
    aj_alarm_act a = {.kind = kind, .user = req->auth.username, .comment = text && *text ? text : NULL};
    char actor[128];
    aj_req_actor(req, actor, sizeof actor);
    a.actor = actor;
    if (kind == AJ_ALARM_ACT_SHELVE) {
        if (!a.comment) return aj_req_fail(req, AJ_EINVAL, "comment: shelving needs a reason");
        const json_t *k = json_object_get(body, "kind");
        const char *ks = json_is_string(k) ? json_string_value(k) : "timed";
        if (k && !json_is_string(k)) return aj_req_fail(req, AJ_EINVAL, "kind: one_shot or timed");
        if (!strcmp(ks, "one_shot")) {
            a.shelve_kind = AJ_SHELVE_ONE_SHOT;
        } else if (!strcmp(ks, "timed")) {
            a.shelve_kind = AJ_SHELVE_TIMED;
            const json_t *d = json_object_get(body, "duration_s");
            if (!json_is_number(d) || !(json_number_value(d) >= 1))
                return aj_req_fail(req, AJ_EINVAL,
                                   "duration_s: a timed shelve needs its duration in seconds (>= 1)");
            double s = json_number_value(d);
            if (s > (double)(AJ_ALARM_SHELVE_LIMIT_NS / 1000000000LL))
                return aj_req_fail(req, AJ_EINVAL, "duration_s: at most %lld s",
                                   (long long)(AJ_ALARM_SHELVE_LIMIT_NS / 1000000000LL));
            a.duration_ns = (int64_t)llround(s * 1e9);
        } else {
            return aj_req_fail(req, AJ_EINVAL, "kind: one_shot or timed, not \"%s\"", ks);
        }
    }
    aj_alarm_status st;
    e = aj_engine_alarm_act(req->app->engine, tag_id, id, &a, &st);
    if (e == AJ_ECONFLICT) {
        aj_engine_alarm_status(req->app->engine, tag_id, id, &st);
        return aj_req_fail(req, e, "the alarm is %s: this action is not possible now",
                           aj_alarm_state_name(st.state));
    }
    if (e == AJ_EINVAL && kind == AJ_ALARM_ACT_SHELVE)
        return aj_req_fail(
            req, e, "duration_s: longer than this alarm's maximum shelving time (or shelving not allowed)");
    if (e == AJ_EINVAL && kind == AJ_ALARM_ACT_UNSUPPRESS)
        return aj_req_fail(req, e, "not suppressed by that suppressor");
    if (e) return aj_req_fail(req, e, "the action failed");
    json_t *o = status_json(&st);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "tag_id", json_integer(tag_id));
    aj_reply_json(req, 200, o);
    return AJ_OK;
}

aj_err aj_api_alarm_ack(aj_req *req) {
    return act(req, AJ_ALARM_ACT_ACK);
}
aj_err aj_api_alarm_reset(aj_req *req) {
    return act(req, AJ_ALARM_ACT_RESET);
}
aj_err aj_api_alarm_shelve(aj_req *req) {
    return act(req, AJ_ALARM_ACT_SHELVE);
}
aj_err aj_api_alarm_unshelve(aj_req *req) {
    return act(req, AJ_ALARM_ACT_UNSHELVE);
}
aj_err aj_api_alarm_remove_from_service(aj_req *req) {
    return act(req, AJ_ALARM_ACT_REMOVE_FROM_SERVICE);
}
aj_err aj_api_alarm_return_to_service(aj_req *req) {
    return act(req, AJ_ALARM_ACT_RETURN_TO_SERVICE);
}

/* ---- definitions per tag ------------------------------------------------------------------------ */

aj_err aj_api_tag_alarms_get(aj_req *req) {
    int64_t tag_id;
    json_t *tag;
    aj_err e = aj_req_path_id(req, 0, &tag_id);
    if (e) return aj_req_fail(req, e, "no such tag");
    if ((e = aj_resource_load(req, &aj_res_tags, tag_id, &tag))) return e;
    json_decref(tag);
    aj_alarm_def_row rows[AJ_ALARM_DEFS_PER_TAG];
    size_t n = 0;
    if ((e = aj_alarm_defs_load(aj_req_db(req), tag_id, rows, AJ_ALARM_DEFS_PER_TAG, &n)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = aj_alarm_def_row_to_json(&rows[i]);
        aj_alarm_status st;
        if (req->app->engine &&
            aj_engine_alarm_status(req->app->engine, tag_id, rows[i].def.id, &st) == AJ_OK)
            json_object_set_new(o, "live", status_json(&st));
        json_array_append_new(items, o);
    }
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

aj_err aj_api_tag_alarms_put(aj_req *req) {
    static const char *const allowed[] = {"alarms", NULL};
    aj_err e;
    if ((e = aj_api_check_fields(req, allowed, 1))) return e;
    int64_t tag_id;
    json_t *tag;
    if ((e = aj_req_path_id(req, 0, &tag_id))) return aj_req_fail(req, e, "no such tag");
    if ((e = aj_resource_load(req, &aj_res_tags, tag_id, &tag))) return e;
    json_decref(tag);
    const json_t *arr = json_object_get(req->json, "alarms");
    char err[400];
    if (aj_alarm_defs_check_list(arr, "$.alarms", err, sizeof err))
        return aj_req_fail(req, AJ_EINVAL, "%s", err);
    aj_alarm_def_row rows[AJ_ALARM_DEFS_PER_TAG];
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++)
        aj_alarm_def_from_json(json_array_get(arr, i), "$", &rows[i], err, sizeof err);
    char actor[128];
    aj_req_actor(req, actor, sizeof actor);
    aj_db *db = aj_req_db(req);
    int n_changed = 0;
    if ((e = aj_db_begin(db))) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    e = aj_alarm_defs_put(db, req->auth.enterprise_id, tag_id, rows, n, actor, &n_changed, err, sizeof err);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return e == AJ_EINVAL ? aj_req_fail(req, e, "%s", err) : aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    }
    if (req->app->engine) aj_engine_reload_alarms(req->app->engine, tag_id);
    return aj_api_tag_alarms_get(req);
}
