/* risk_api.c — the risk register (风险分级管控, docs/risk.md):
 *
 *   GET/PUT /api/v1/risk-bands        the enterprise's LEC and matrix bands (default: the file)
 *   GET/POST /api/v1/risk-points      risk points of an area, equipment or operation
 *   GET/PATCH /api/v1/risk-points/{id}
 *   GET /api/v1/risk-map?site_id=     the four-colour map: each area by its highest residual risk
 *
 * The server scores every assessment (src/risk/assess.h) with the enterprise's bands; the
 * inherent assessment (before the measures) and the residual one (with them) are kept with
 * their factors, score, band and level. Every change is audited. */
#include "api/api.h"
#include "api/resource.h"
#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "risk/assess.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RISK_TEXT_MAX     2000
#define RISK_HAZARDS_MAX  64
#define RISK_MEASURES_MAX 64

static const char *const KINDS[] = {"area", "equipment", "operation", NULL};
static const char *const CONTROL_LEVELS[] = {"company", "department", "workshop", "crew", NULL};
static const char *const MEASURE_KINDS[] = {"engineering", "management", "training",
                                            "ppe",         "emergency",  NULL};

static bool one_of(const char *s, const char *const *list) {
    for (int i = 0; s && list[i]; i++)
        if (!strcmp(s, list[i])) return true;
    return false;
}

/* The bands of the caller's enterprise: its own or the default. */
static aj_err bands_of(aj_req *req, int64_t enterprise_id, aj_risk_bands *out, char **text) {
    if (!req->app->risk_bands)
        return aj_req_fail(req, AJ_EUNAVAILABLE, "the risk register is not available: no risk bands loaded");
    aj_val v = AJ_VINT(enterprise_id);
    aj_result *r;
    *out = *req->app->risk_bands;
    if (text) *text = NULL;
    if (aj_db_query(aj_req_db(req), "SELECT config_json FROM risk_bands WHERE enterprise_id = ?", &v, 1, &r))
        return aj_req_fail(req, AJ_EDB, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) == 1) {
        const char *t = aj_result_text(r, 0, 0);
        char err[300];
        if (aj_risk_bands_parse(t, strlen(t), out, err, sizeof err))
            *out = *req->app->risk_bands;
        else if (text)
            *text = strdup(t);
    }
    aj_result_free(r);
    if (text && !*text) *text = strdup(req->app->risk_bands_text ? req->app->risk_bands_text : "{}");
    return AJ_OK;
}

aj_err aj_api_risk_bands_get(aj_req *req) {
    aj_risk_bands b;
    char *text;
    aj_err e = bands_of(req, req->auth.enterprise_id, &b, &text);
    if (e) return e;
    json_error_t je;
    json_t *o = text ? json_loads(text, 0, &je) : NULL;
    free(text);
    aj_reply_json(req, 200, o ? o : json_object());
    return AJ_OK;
}

aj_err aj_api_risk_bands_put(aj_req *req) {
    char *text = json_dumps(req->json, JSON_COMPACT);
    aj_risk_bands b;
    char err[400];
    aj_err e = text ? aj_risk_bands_parse(text, strlen(text), &b, err, sizeof err) : AJ_ENOMEM;
    if (e) {
        free(text);
        return aj_req_fail(req, e == AJ_ENOMEM ? e : AJ_EINVAL, "%s", e == AJ_ENOMEM ? "out of memory" : err);
    }
    aj_db *db = aj_req_db(req);
    aj_val dv = AJ_VINT(req->auth.enterprise_id);
    aj_val v[2] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(text)};
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(db, "DELETE FROM risk_bands WHERE enterprise_id = ?", &dv, 1, NULL);
    if (!e)
        e = aj_db_exec(db, "INSERT INTO risk_bands (enterprise_id, config_json) VALUES (?, ?)", v, 2, NULL);
    if (!e) {
        char actor[128];
        aj_req_actor(req, actor, sizeof actor);
        aj_audit_entry ae = {
            req->auth.enterprise_id, actor, "risks.bands", "risk_bands", "bands", NULL, req->json};
        e = aj_audit_append(db, &ae);
    }
    if (!e) e = aj_db_commit(db);
    free(text);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "not changed: %s", aj_db_errmsg(db));
    }
    return aj_api_risk_bands_get(req);
}

/* ---- assessment ---------------------------------------------------------------------------- */

/* Scores one assessment object ({l, e, c} or {likelihood, severity}) into a JSON record. */
static aj_err assess(aj_req *req, const aj_risk_bands *b, const char *method, const json_t *a,
                     const char *what, json_t **out, aj_risk_level *level) {
    aj_risk_result res;
    char err[300];
    aj_err e;
    if (!json_is_object(a)) return aj_req_fail(req, AJ_EINVAL, "%s: an object with the factors", what);
    if (!strcmp(method, "lec")) {
        const json_t *l = json_object_get(a, "l"), *x = json_object_get(a, "e"), *c = json_object_get(a, "c");
        if (!json_is_number(l) || !json_is_number(x) || !json_is_number(c) || json_object_size(a) != 3)
            return aj_req_fail(req, AJ_EINVAL, "%s: {\"l\", \"e\", \"c\"}, three numbers", what);
        if ((e = aj_risk_lec(b, json_number_value(l), json_number_value(x), json_number_value(c), &res, err,
                             sizeof err)))
            return aj_req_fail(req, AJ_EINVAL, "%s: %s", what, err);
        *out = json_pack("{s:f, s:f, s:f}", "l", json_number_value(l), "e", json_number_value(x), "c",
                         json_number_value(c));
    } else {
        const json_t *l = json_object_get(a, "likelihood"), *s = json_object_get(a, "severity");
        if (!json_is_integer(l) || !json_is_integer(s) || json_object_size(a) != 2)
            return aj_req_fail(req, AJ_EINVAL, "%s: {\"likelihood\", \"severity\"}, two whole numbers 1-5",
                               what);
        if ((e = aj_risk_matrix(b, (int)json_integer_value(l), (int)json_integer_value(s), &res, err,
                                sizeof err)))
            return aj_req_fail(req, AJ_EINVAL, "%s: %s", what, err);
        *out =
            json_pack("{s:I, s:I}", "likelihood", json_integer_value(l), "severity", json_integer_value(s));
    }
    const aj_risk_level_info *li = aj_risk_level_describe(res.level);
    json_object_set_new(*out, "score", json_real(res.score));
    json_object_set_new(*out, "band", json_string(res.band_code));
    json_object_set_new(*out, "level", json_string(li ? li->code : "none"));
    json_object_set_new(*out, "level_zh", json_string(li ? li->name_zh : ""));
    json_object_set_new(*out, "colour", json_string(li ? li->colour : ""));
    json_object_set_new(*out, "hex", json_string(li ? li->hex : ""));
    *level = res.level;
    return AJ_OK;
}

static json_t *point_json(aj_req *req, const aj_result *r, int i) {
    json_t *o = aj_result_row_json(r, i);
    aj_val v = AJ_VINT(aj_result_int(r, i, 0));
    json_t *m = NULL;
    aj_db_query_json(
        aj_req_db(req),
        "SELECT m.id, m.kind, m.text, m.owner_id, p.name AS owner_name, m.control_level FROM risk_measures m "
        "LEFT JOIN people p ON p.id = m.owner_id WHERE m.risk_point_id = ? ORDER BY m.id",
        &v, 1, &m);
    json_object_set_new(o, "measures", m ? m : json_array());
    return o;
}

#define POINT_COLS                                                                                           \
    "rp.id, rp.site_id, rp.area_id, (SELECT code FROM areas WHERE id = rp.area_id) AS area_code, "           \
    "rp.asset_id, "                                                                                          \
    "(SELECT code FROM assets WHERE id = rp.asset_id) AS asset_code, rp.kind, rp.name, rp.description, "     \
    "rp.hazards_json, rp.method, rp.inherent_json, rp.residual_json, rp.residual_level, rp.control_level, "  \
    "rp.owner_id, (SELECT name FROM people WHERE id = rp.owner_id) AS owner_name, rp.review_cycle_days, "    \
    "rp.next_review_on, rp.updated_by, rp.updated_ms"

aj_err aj_api_risk_points_list(aj_req *req) {
    char ent[1100], site[1100], sql[3000];
    aj_scope_enterprise(req, "rp.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "rp.site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT " POINT_COLS " FROM risk_points rp WHERE %s AND %s", ent, site);
    aj_val v[4];
    int n = 0;
    int64_t site_id, area_id, limit;
    aj_err e;
    if ((e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id))) return e;
    if ((e = aj_req_query_int(req, "area_id", 0, 0, INT64_MAX, &area_id))) return e;
    if ((e = aj_req_query_int(req, "limit", 500, 1, 2000, &limit))) return e;
    if (site_id) {
        strncat(sql, " AND rp.site_id = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(site_id);
    }
    if (area_id) {
        strncat(sql, " AND rp.area_id = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(area_id);
    }
    const char *level = aj_req_query(req, "level");
    if (level) {
        if (aj_risk_level_parse(level) == AJ_RISK_NONE)
            return aj_req_fail(req, AJ_EINVAL, "level: major, significant, general or low");
        strncat(sql, " AND rp.residual_level = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VTEXT(level);
    }
    strncat(sql, " ORDER BY rp.id LIMIT ?", sizeof sql - strlen(sql) - 1);
    v[n++] = AJ_VINT(limit);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, v, n, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, point_json(req, r, i));
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

static aj_err reply_point(aj_req *req, int64_t id, int status) {
    char ent[1100], site[1100], sql[3000];
    aj_scope_enterprise(req, "rp.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "rp.site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT " POINT_COLS " FROM risk_points rp WHERE rp.id = ? AND %s AND %s", ent,
             site);
    aj_val v = AJ_VINT(id);
    aj_result *r;
    aj_err e = aj_db_query(aj_req_db(req), sql, &v, 1, &r);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "risk point %lld not found", (long long)id);
    }
    json_t *o = point_json(req, r, 0);
    aj_result_free(r);
    aj_reply_json(req, status, o);
    return AJ_OK;
}

aj_err aj_api_risk_points_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such risk point");
    return reply_point(req, id, 200);
}

/* A checked risk point, ready to write. */
typedef struct point_in {
    int64_t site_id, area_id, asset_id, owner_id;
    const char *kind, *name, *description, *method, *control_level;
    int64_t review_days;
    json_t *hazards, *inherent, *residual; /* owned */
    aj_risk_level residual_level;
    const json_t *measures;
} point_in;

static void point_in_free(point_in *p) {
    json_decref(p->hazards);
    json_decref(p->inherent);
    json_decref(p->residual);
}

static aj_err in_site(aj_req *req, const char *table, const char *what, int64_t id, int64_t site_id) {
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ? AND site_id = ?", table);
    aj_val v[2] = {AJ_VINT(id), AJ_VINT(site_id)};
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), sql, v, 2, &n);
    return n ? AJ_OK : aj_req_fail(req, AJ_EINVAL, "%s: not on site %lld", what, (long long)site_id);
}

static aj_err person_ok(aj_req *req, const char *what, int64_t id) {
    aj_val v[2] = {AJ_VINT(id), AJ_VINT(req->auth.enterprise_id)};
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), "SELECT COUNT(*) FROM people WHERE id = ? AND enterprise_id = ?", v, 2,
                    &n);
    return n ? AJ_OK
             : aj_req_fail(req, AJ_EINVAL, "%s: no person %lld in the enterprise", what, (long long)id);
}

static aj_err check_point(aj_req *req, const json_t *b, point_in *p) {
    memset(p, 0, sizeof *p);
    aj_err e;
    const json_t *site = json_object_get(b, "site_id");
    json_t *so;
    if (!json_is_integer(site) || aj_resource_load(req, &aj_res_sites, json_integer_value(site), &so))
        return aj_req_fail(req, AJ_EINVAL, "site_id: no such site");
    int64_t ent = json_integer_value(json_object_get(so, "enterprise_id"));
    json_decref(so);
    if (ent != req->auth.enterprise_id)
        return aj_req_fail(req, AJ_EFORBIDDEN, "risk points are kept in your own enterprise");
    p->site_id = json_integer_value(site);
    p->kind = json_string_value(json_object_get(b, "kind"));
    if (!one_of(p->kind, KINDS)) return aj_req_fail(req, AJ_EINVAL, "kind: area, equipment or operation");
    p->name = json_string_value(json_object_get(b, "name"));
    if (!p->name || !*p->name || strlen(p->name) > 200)
        return aj_req_fail(req, AJ_EINVAL, "name: 1 to 200 bytes");
    p->description = json_string_value(json_object_get(b, "description"));
    if (json_object_get(b, "description") && !json_is_null(json_object_get(b, "description")) &&
        (!p->description || strlen(p->description) > RISK_TEXT_MAX))
        return aj_req_fail(req, AJ_EINVAL, "description: a text of at most %d bytes", RISK_TEXT_MAX);
    const json_t *area = json_object_get(b, "area_id"), *asset = json_object_get(b, "asset_id");
    if (area && !json_is_null(area)) {
        if (!json_is_integer(area)) return aj_req_fail(req, AJ_EINVAL, "area_id: an id");
        if ((e = in_site(req, "areas", "area_id", json_integer_value(area), p->site_id))) return e;
        p->area_id = json_integer_value(area);
    }
    if (asset && !json_is_null(asset)) {
        if (!json_is_integer(asset)) return aj_req_fail(req, AJ_EINVAL, "asset_id: an id");
        if ((e = in_site(req, "assets", "asset_id", json_integer_value(asset), p->site_id))) return e;
        p->asset_id = json_integer_value(asset);
        if (!p->area_id) {
            aj_val v = AJ_VINT(p->asset_id);
            aj_db_query_int(aj_req_db(req), "SELECT COALESCE(area_id, 0) FROM assets WHERE id = ?", &v, 1,
                            &p->area_id);
        }
    }
    if (!p->area_id)
        return aj_req_fail(req, AJ_EINVAL, "area_id: a risk point lies in an area (or give asset_id)");
    const json_t *hz = json_object_get(b, "hazards");
    if (!json_is_array(hz) || json_array_size(hz) < 1 || json_array_size(hz) > RISK_HAZARDS_MAX)
        return aj_req_fail(req, AJ_EINVAL, "hazards: 1 to %d identified hazards (texts)", RISK_HAZARDS_MAX);
    for (size_t i = 0; i < json_array_size(hz); i++) {
        const char *t = json_string_value(json_array_get(hz, i));
        if (!t || !*t || strlen(t) > RISK_TEXT_MAX)
            return aj_req_fail(req, AJ_EINVAL, "hazards[%zu]: a text of 1 to %d bytes", i, RISK_TEXT_MAX);
    }
    p->hazards = json_deep_copy(hz);
    p->method = json_string_value(json_object_get(b, "method"));
    if (!p->method || (strcmp(p->method, "lec") && strcmp(p->method, "matrix")))
        return aj_req_fail(req, AJ_EINVAL, "method: lec (D = L x E x C) or matrix (R = L x S)");
    aj_risk_bands bands;
    if ((e = bands_of(req, req->auth.enterprise_id, &bands, NULL))) return e;
    aj_risk_level inherent_level;
    if ((e = assess(req, &bands, p->method, json_object_get(b, "inherent"), "inherent", &p->inherent,
                    &inherent_level)))
        return e;
    if ((e = assess(req, &bands, p->method, json_object_get(b, "residual"), "residual", &p->residual,
                    &p->residual_level)))
        return e;
    if (p->residual_level > inherent_level)
        return aj_req_fail(req, AJ_EINVAL,
                           "residual: higher than the inherent risk (the measures cannot add risk)");
    p->control_level = json_string_value(json_object_get(b, "control_level"));
    if (!one_of(p->control_level, CONTROL_LEVELS))
        return aj_req_fail(req, AJ_EINVAL, "control_level: company, department, workshop or crew");
    const json_t *owner = json_object_get(b, "owner_id");
    if (owner && !json_is_null(owner)) {
        if (!json_is_integer(owner)) return aj_req_fail(req, AJ_EINVAL, "owner_id: a person id");
        if ((e = person_ok(req, "owner_id", json_integer_value(owner)))) return e;
        p->owner_id = json_integer_value(owner);
    }
    const json_t *rd = json_object_get(b, "review_cycle_days");
    p->review_days = rd ? json_integer_value(rd) : 365;
    if (rd && (!json_is_integer(rd) || p->review_days < 1 || p->review_days > 3650))
        return aj_req_fail(req, AJ_EINVAL, "review_cycle_days: 1 to 3650");
    p->measures = json_object_get(b, "measures");
    if (!json_is_array(p->measures) || json_array_size(p->measures) > RISK_MEASURES_MAX)
        return aj_req_fail(req, AJ_EINVAL, "measures: a list of up to %d control measures",
                           RISK_MEASURES_MAX);
    for (size_t i = 0; i < json_array_size(p->measures); i++) {
        const json_t *m = json_array_get(p->measures, i);
        const char *t = json_string_value(json_object_get(m, "text"));
        if (!json_is_object(m) || !one_of(json_string_value(json_object_get(m, "kind")), MEASURE_KINDS))
            return aj_req_fail(req, AJ_EINVAL,
                               "measures[%zu].kind: engineering, management, training, ppe or emergency", i);
        if (!t || !*t || strlen(t) > RISK_TEXT_MAX)
            return aj_req_fail(req, AJ_EINVAL, "measures[%zu].text: 1 to %d bytes", i, RISK_TEXT_MAX);
        if (!one_of(json_string_value(json_object_get(m, "control_level")), CONTROL_LEVELS))
            return aj_req_fail(req, AJ_EINVAL,
                               "measures[%zu].control_level: company, department, workshop or crew", i);
        const json_t *mo = json_object_get(m, "owner_id");
        char what[40];
        snprintf(what, sizeof what, "measures[%zu].owner_id", i);
        if (mo && !json_is_null(mo) &&
            (!json_is_integer(mo) || (e = person_ok(req, what, json_integer_value(mo)))))
            return e ? e : aj_req_fail(req, AJ_EINVAL, "%s: a person id", what);
    }
    if (json_array_size(p->measures) == 0 && p->residual_level < inherent_level)
        return aj_req_fail(req, AJ_EINVAL,
                           "measures: a lower residual risk needs the control measures that lower it");
    return AJ_OK;
}

static aj_err write_measures(aj_db *db, int64_t id, int64_t enterprise_id, const json_t *measures) {
    aj_val d = AJ_VINT(id);
    aj_err e = aj_db_exec(db, "DELETE FROM risk_measures WHERE risk_point_id = ?", &d, 1, NULL);
    for (size_t i = 0; !e && i < json_array_size(measures); i++) {
        const json_t *m = json_array_get(measures, i);
        const json_t *o = json_object_get(m, "owner_id");
        aj_val v[6] = {AJ_VINT(id),
                       AJ_VINT(enterprise_id),
                       AJ_VTEXT(json_string_value(json_object_get(m, "kind"))),
                       AJ_VTEXT(json_string_value(json_object_get(m, "text"))),
                       json_is_integer(o) ? AJ_VINT(json_integer_value(o)) : AJ_VNULL,
                       AJ_VTEXT(json_string_value(json_object_get(m, "control_level")))};
        e = aj_db_exec(
            db,
            "INSERT INTO risk_measures (risk_point_id, enterprise_id, kind, text, owner_id, control_level) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            v, 6, NULL);
    }
    return e;
}

static aj_err save(aj_req *req, int64_t id, const point_in *p) {
    char *h = json_dumps(p->hazards, JSON_COMPACT), *in = json_dumps(p->inherent, JSON_COMPACT),
         *res = json_dumps(p->residual, JSON_COMPACT);
    char today[40], next[16];
    int64_t now = aj_time_now_ms();
    aj_time_format_ms(now + 480LL * 60000 + p->review_days * 86400000LL, today, sizeof today);
    snprintf(next, sizeof next, "%.10s", today);
    const aj_risk_level_info *li = aj_risk_level_describe(p->residual_level);
    aj_val v[19] = {AJ_VINT(req->auth.enterprise_id),
                    AJ_VINT(p->site_id),
                    AJ_VINT(p->area_id),
                    p->asset_id ? AJ_VINT(p->asset_id) : AJ_VNULL,
                    AJ_VTEXT(p->kind),
                    AJ_VTEXT(p->name),
                    AJ_VTEXT(p->description),
                    AJ_VTEXT(h),
                    AJ_VTEXT(p->method),
                    AJ_VTEXT(in),
                    AJ_VTEXT(res),
                    AJ_VTEXT(li ? li->code : "low"),
                    AJ_VTEXT(p->control_level),
                    p->owner_id ? AJ_VINT(p->owner_id) : AJ_VNULL,
                    AJ_VINT(p->review_days),
                    AJ_VTEXT(next),
                    AJ_VTEXT(req->auth.username),
                    AJ_VINT(now),
                    AJ_VINT(id)};
    aj_db *db = aj_req_db(req);
    aj_err e = aj_db_begin(db);
    if (!e && id)
        e = aj_db_exec(
            db,
            "UPDATE risk_points SET enterprise_id = ?, site_id = ?, area_id = ?, asset_id = ?, kind = ?, "
            "name = ?, description = ?, hazards_json = ?, method = ?, inherent_json = ?, residual_json = ?, "
            "residual_level = ?, control_level = ?, owner_id = ?, review_cycle_days = ?, next_review_on = ?, "
            "updated_by = ?, updated_ms = ? WHERE id = ?",
            v, 19, NULL);
    else if (!e)
        e = aj_db_exec(
            db,
            "INSERT INTO risk_points (enterprise_id, site_id, area_id, asset_id, kind, name, description, "
            "hazards_json, method, inherent_json, residual_json, residual_level, control_level, owner_id, "
            "review_cycle_days, next_review_on, updated_by, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, "
            "?, ?, ?, ?, ?, ?, ?, ?)",
            v, 18, NULL);
    if (!e && !id) {
        aj_val q[2] = {AJ_VINT(req->auth.enterprise_id), AJ_VINT(now)};
        e = aj_db_query_int(db, "SELECT MAX(id) FROM risk_points WHERE enterprise_id = ? AND updated_ms = ?",
                            q, 2, &id);
    }
    if (!e) e = write_measures(db, id, req->auth.enterprise_id, p->measures);
    if (!e) {
        char actor[128], oid[32];
        aj_req_actor(req, actor, sizeof actor);
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        aj_audit_entry ae = {req->auth.enterprise_id,
                             actor,
                             v[18].i ? "risks.update" : "risks.create",
                             "risk_point",
                             oid,
                             NULL,
                             req->json};
        e = aj_audit_append(db, &ae);
    }
    if (!e) e = aj_db_commit(db);
    free(h);
    free(in);
    free(res);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the risk point was not saved: %s", aj_db_errmsg(db));
    }
    return reply_point(req, id, v[18].i ? 200 : 201);
}

static const char *const POINT_FIELDS[] = {
    "site_id",  "kind",        "name",          "hazards",           "method",
    "inherent", "residual",    "control_level", "measures",          "area_id",
    "asset_id", "description", "owner_id",      "review_cycle_days", NULL};

aj_err aj_api_risk_points_create(aj_req *req) {
    aj_err e = aj_api_check_fields(req, POINT_FIELDS, 9);
    if (e) return e;
    point_in p;
    if (!(e = check_point(req, req->json, &p))) e = save(req, 0, &p);
    point_in_free(&p);
    return e;
}

aj_err aj_api_risk_points_patch(aj_req *req) {
    aj_err e = aj_api_check_fields(req, POINT_FIELDS, 9); /* the whole assessment, as on creation */
    if (e) return e;
    int64_t id;
    if ((e = aj_req_path_id(req, 0, &id))) return aj_req_fail(req, e, "no such risk point");
    char ent[1100], sql[1300];
    aj_scope_enterprise(req, "enterprise_id", ent, sizeof ent);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM risk_points WHERE id = ? AND %s", ent);
    aj_val v = AJ_VINT(id);
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), sql, &v, 1, &n);
    if (!n) return aj_req_fail(req, AJ_ENOTFOUND, "risk point %lld not found", (long long)id);
    point_in p;
    if (!(e = check_point(req, req->json, &p))) e = save(req, id, &p);
    point_in_free(&p);
    return e;
}

/* ---- the four-colour map ------------------------------------------------------------------------ */

aj_err aj_api_risk_map(aj_req *req) {
    int64_t site_id;
    aj_err e = aj_req_query_int(req, "site_id", 0, 1, INT64_MAX, &site_id);
    if (e) return e;
    if (!site_id) return aj_req_fail(req, AJ_EINVAL, "site_id: required");
    json_t *site;
    if ((e = aj_resource_load(req, &aj_res_sites, site_id, &site))) return e;
    aj_val v = AJ_VINT(site_id);
    aj_result *r;
    if ((e = aj_db_query(
             aj_req_db(req),
             "SELECT a.id, a.code, a.name, a.name_en, a.polygon_json, rp.residual_level, a.kind FROM "
             "areas a LEFT JOIN "
             "risk_points rp ON rp.area_id = a.id WHERE a.site_id = ? ORDER BY a.id",
             &v, 1, &r))) {
        json_decref(site);
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    }
    json_t *areas = json_array();
    json_t *cur = NULL;
    int64_t cur_id = 0;
    aj_risk_level highest = AJ_RISK_NONE;
    int counts[AJ_RISK_LEVEL_COUNT] = {0};
    for (int i = 0; i <= aj_result_rows(r); i++) {
        int64_t id = i < aj_result_rows(r) ? aj_result_int(r, i, 0) : -1;
        if (id != cur_id && cur) { /* close the previous area */
            const aj_risk_level_info *li = aj_risk_level_describe(highest);
            json_object_set_new(cur, "level", li ? json_string(li->code) : json_null());
            json_object_set_new(cur, "level_zh", li ? json_string(li->name_zh) : json_null());
            json_object_set_new(cur, "colour", li ? json_string(li->colour) : json_null());
            json_object_set_new(cur, "hex", li ? json_string(li->hex) : json_null());
            json_object_set_new(cur, "counts",
                                json_pack("{s:i, s:i, s:i, s:i}", "major", counts[AJ_RISK_MAJOR],
                                          "significant", counts[AJ_RISK_SIGNIFICANT], "general",
                                          counts[AJ_RISK_GENERAL], "low", counts[AJ_RISK_LOW]));
            json_array_append_new(areas, cur);
            cur = NULL;
        }
        if (id < 0) break;
        if (!cur) {
            json_error_t je;
            const char *poly = aj_result_text(r, i, 4);
            json_t *pj = poly ? json_loads(poly, 0, &je) : NULL;
            cur = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:o}", "id", (json_int_t)id, "code",
                            aj_result_text(r, i, 1), "name", aj_result_text(r, i, 2), "name_en",
                            aj_result_text(r, i, 3), "kind", aj_result_text(r, i, 6), "polygon",
                            pj ? pj : json_null());
            cur_id = id;
            highest = AJ_RISK_NONE;
            memset(counts, 0, sizeof counts);
        }
        aj_risk_level l =
            aj_result_is_null(r, i, 5) ? AJ_RISK_NONE : aj_risk_level_parse(aj_result_text(r, i, 5));
        if (l != AJ_RISK_NONE) {
            counts[l]++;
            if (l > highest) highest = l;
        }
    }
    aj_result_free(r);
    json_t *legend = json_array();
    for (int l = AJ_RISK_MAJOR; l >= AJ_RISK_LOW; l--) {
        const aj_risk_level_info *li = aj_risk_level_describe((aj_risk_level)l);
        json_array_append_new(legend, json_pack("{s:s, s:s, s:s, s:s, s:s}", "level", li->code, "name_zh",
                                                li->name_zh, "name_en", li->name_en, "colour", li->colour,
                                                "hex", li->hex));
    }
    aj_reply_json(req, 200, json_pack("{s:o, s:o, s:o}", "site", site, "areas", areas, "legend", legend));
    return AJ_OK;
}
