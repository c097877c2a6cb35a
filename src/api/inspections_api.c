/* inspections_api.c — inspection checkpoints, shift patterns and plans (巡检,
 * docs/inspections.md):
 *
 *   GET  /api/v1/inspection-checkpoints        the points of a site (with their QR text)
 *   POST /api/v1/inspection-checkpoints        a point: code, name, place, NFC tag UID
 *   GET  /api/v1/inspection-checkpoints/{id}
 *   GET  /api/v1/inspection-shifts?site_id     the site's shift starts (default 00/08/16)
 *   PUT  /api/v1/inspection-shifts             set them
 *
 * Every change is one transaction with an audit record. Plans: inspections_plans.c; tasks
 * and scans: inspections_tasks.c; task generation and missed inspections: the engine
 * (engine_inspections.c). */
#include "api/inspections_int.h"
#include "api/resource.h"
#include "audit/audit.h"
#include "auth/perm.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "inspect/schedule.h"

#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QR_PREFIX "AJCP:"

/* ---- shared helpers -------------------------------------------------------------------- */

const char *insp_text(const json_t *o, const char *name) {
    const json_t *v = o ? json_object_get(o, name) : NULL;
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

aj_err insp_check_text(aj_req *req, const json_t *o, const char *name, const char *path) {
    const json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) return AJ_OK;
    if (!json_is_string(v) || !*json_string_value(v) || strlen(json_string_value(v)) > AJ_INSPECT_TEXT_MAX)
        return aj_req_fail(req, AJ_EINVAL, "%s%s: a text of 1 to %d bytes", path, name, AJ_INSPECT_TEXT_MAX);
    return AJ_OK;
}

bool insp_nfc_normalise(const char *in, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = in; p && *p; p++) {
        if (*p == ':' || *p == ' ' || *p == '-') continue;
        if (!isxdigit((unsigned char)*p) || n + 1 >= size || n >= AJ_INSPECT_NFC_UID_MAX) return false;
        out[n++] = (char)toupper((unsigned char)*p);
    }
    if (n < 8 || n % 2) return false;
    out[n] = 0;
    return true;
}

int64_t insp_checkpoint_by_code(aj_req *req, const char *method, const char *code) {
    if (!code) return 0;
    int64_t id = 0;
    if (!strcmp(method, "nfc")) {
        char uid[AJ_INSPECT_NFC_UID_MAX + 1];
        if (!insp_nfc_normalise(code, uid, sizeof uid)) return 0;
        aj_val v[2] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(uid)};
        aj_db_query_int(aj_req_db(req),
                        "SELECT id FROM inspection_checkpoints WHERE enterprise_id = ? AND nfc_uid = ?", v, 2,
                        &id);
    } else {
        if (!strncmp(code, QR_PREFIX, strlen(QR_PREFIX))) code += strlen(QR_PREFIX);
        aj_val v[2] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(code)};
        aj_db_query_int(aj_req_db(req),
                        "SELECT id FROM inspection_checkpoints WHERE enterprise_id = ? AND qr_token = ?", v,
                        2, &id);
    }
    return id;
}

aj_err insp_audit(aj_req *req, const char *action, const char *type, int64_t id, const json_t *after) {
    char actor[128], oid[32];
    aj_req_actor(req, actor, sizeof actor);
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    aj_audit_entry ae = {req->auth.enterprise_id, actor, action, type, oid, NULL, after};
    return aj_audit_append(aj_req_db(req), &ae);
}

/* The site of the body's site_id, in the caller's enterprise and sites. */
aj_err insp_own_site(aj_req *req, const json_t *v, int64_t *site_id) {
    json_t *so;
    if (!json_is_integer(v) || aj_resource_load(req, &aj_res_sites, json_integer_value(v), &so))
        return aj_req_fail(req, AJ_EINVAL, "site_id: no such site");
    int64_t ent = json_integer_value(json_object_get(so, "enterprise_id"));
    json_decref(so);
    if (ent != req->auth.enterprise_id)
        return aj_req_fail(req, AJ_EFORBIDDEN, "inspections are kept in your own enterprise");
    *site_id = json_integer_value(v);
    return AJ_OK;
}

aj_err insp_on_site(aj_req *req, const char *table, const char *what, const json_t *v, int64_t site_id,
                    int64_t *out) {
    *out = 0;
    if (!v || json_is_null(v)) return AJ_OK;
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ? AND site_id = ?", table);
    aj_val q[2] = {AJ_VINT(json_integer_value(v)), AJ_VINT(site_id)};
    int64_t n = 0;
    if (json_is_integer(v)) aj_db_query_int(aj_req_db(req), sql, q, 2, &n);
    if (!n) return aj_req_fail(req, AJ_EINVAL, "%s: not on site %lld", what, (long long)site_id);
    *out = json_integer_value(v);
    return AJ_OK;
}

aj_err insp_in_enterprise(aj_req *req, const char *table, const char *what, const json_t *v, int64_t *out) {
    *out = 0;
    if (!v || json_is_null(v)) return AJ_OK;
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ? AND enterprise_id = ?", table);
    aj_val q[2] = {AJ_VINT(json_integer_value(v)), AJ_VINT(req->auth.enterprise_id)};
    int64_t n = 0;
    if (json_is_integer(v)) aj_db_query_int(aj_req_db(req), sql, q, 2, &n);
    if (!n) return aj_req_fail(req, AJ_EINVAL, "%s: not one of your enterprise", what);
    *out = json_integer_value(v);
    return AJ_OK;
}

/* ---- checkpoints ------------------------------------------------------------------------- */

#define CP_COLS                                                                                              \
    "c.id, c.site_id, c.area_id, (SELECT code FROM areas WHERE id = c.area_id) AS area_code, c.asset_id, "   \
    "(SELECT code FROM assets WHERE id = c.asset_id) AS asset_code, c.code, c.name, c.nfc_uid, c.qr_token, " \
    "c.x, c.y"

static json_t *checkpoint_json(const aj_result *r, int i) {
    json_t *o = aj_result_row_json(r, i);
    char qr[80];
    snprintf(qr, sizeof qr, QR_PREFIX "%s", aj_result_text(r, i, 9));
    json_object_set_new(o, "qr_text", json_string(qr));
    return o;
}

aj_err aj_api_inspection_checkpoints_list(aj_req *req) {
    char ent[1100], site[1100], sql[3000];
    aj_scope_enterprise(req, "c.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "c.site_id", site, sizeof site);
    int64_t site_id;
    aj_err e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id);
    if (e) return e;
    snprintf(sql, sizeof sql,
             "SELECT " CP_COLS " FROM inspection_checkpoints c WHERE %s AND %s AND (? = 0 OR c.site_id = ?) "
             "ORDER BY c.code LIMIT %d",
             ent, site, AJ_INSPECT_LIST_MAX);
    aj_val v[2] = {AJ_VINT(site_id), AJ_VINT(site_id)};
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, v, 2, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, checkpoint_json(r, i));
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

static aj_err reply_checkpoint(aj_req *req, int64_t id, int status) {
    aj_result *r;
    aj_err e =
        aj_api_scoped_row(req, "SELECT " CP_COLS " FROM inspection_checkpoints c", "c", id, "checkpoint", &r);
    if (e) return e;
    json_t *o = checkpoint_json(r, 0);
    aj_result_free(r);
    aj_reply_json(req, status, o);
    return AJ_OK;
}

aj_err aj_api_inspection_checkpoints_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such checkpoint");
    return reply_checkpoint(req, id, 200);
}

aj_err aj_api_inspection_checkpoints_create(aj_req *req) {
    static const char *const allowed[] = {"site_id", "code", "name", "area_id", "asset_id",
                                          "nfc_uid", "x",    "y",    NULL};
    aj_err e = aj_api_check_fields(req, allowed, 3);
    if (e) return e;
    const json_t *b = req->json;
    int64_t site_id, area_id, asset_id;
    if ((e = insp_own_site(req, json_object_get(b, "site_id"), &site_id))) return e;
    const char *code = insp_text(b, "code"), *name = insp_text(b, "name");
    if (!code || strlen(code) > 64) return aj_req_fail(req, AJ_EINVAL, "code: 1 to 64 bytes");
    if ((e = insp_check_text(req, b, "name", "")) || !name)
        return name ? e : aj_req_fail(req, AJ_EINVAL, "name: required");
    if ((e = insp_on_site(req, "areas", "area_id", json_object_get(b, "area_id"), site_id, &area_id)))
        return e;
    if ((e = insp_on_site(req, "assets", "asset_id", json_object_get(b, "asset_id"), site_id, &asset_id)))
        return e;
    if (asset_id && !area_id) {
        aj_val v = AJ_VINT(asset_id);
        aj_db_query_int(aj_req_db(req), "SELECT COALESCE(area_id, 0) FROM assets WHERE id = ?", &v, 1,
                        &area_id);
    }
    char uid[AJ_INSPECT_NFC_UID_MAX + 1] = "";
    const json_t *juid = json_object_get(b, "nfc_uid");
    if (juid && !json_is_null(juid) &&
        (!json_is_string(juid) || !insp_nfc_normalise(json_string_value(juid), uid, sizeof uid)))
        return aj_req_fail(req, AJ_EINVAL, "nfc_uid: the tag's UID in hex, 4 to %d bytes (\"04:A2:2B:1A\")",
                           AJ_INSPECT_NFC_UID_MAX / 2);
    const json_t *jx = json_object_get(b, "x"), *jy = json_object_get(b, "y");
    if ((jx || jy) && !(json_is_number(jx) && json_is_number(jy) && isfinite(json_number_value(jx)) &&
                        isfinite(json_number_value(jy))))
        return aj_req_fail(req, AJ_EINVAL, "x, y: a point on the site plan (metres), both numbers");
    aj_db *db = aj_req_db(req);
    aj_val dv[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(code), AJ_VTEXT(uid[0] ? uid : "\x01")};
    int64_t dup = 0;
    aj_db_query_int(
        db,
        "SELECT COUNT(*) FROM inspection_checkpoints WHERE enterprise_id = ? AND (code = ? OR nfc_uid "
        "= ?)",
        dv, 3, &dup);
    if (dup)
        return aj_req_fail(req, AJ_ECONFLICT, "a checkpoint with code %s or NFC tag %s exists", code,
                           uid[0] ? uid : "-");
    unsigned char raw[16];
    char token[33];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, sizeof token, raw, sizeof raw);
    aj_val v[10] = {AJ_VINT(req->auth.enterprise_id),
                    AJ_VINT(site_id),
                    area_id ? AJ_VINT(area_id) : AJ_VNULL,
                    asset_id ? AJ_VINT(asset_id) : AJ_VNULL,
                    AJ_VTEXT(code),
                    AJ_VTEXT(name),
                    uid[0] ? AJ_VTEXT(uid) : AJ_VNULL,
                    AJ_VTEXT(token),
                    jx ? AJ_VDBL(json_number_value(jx)) : AJ_VNULL,
                    jy ? AJ_VDBL(json_number_value(jy)) : AJ_VNULL};
    int64_t id = 0;
    if ((e = aj_db_begin(db))) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    e = aj_db_query_int(
        db,
        "INSERT INTO inspection_checkpoints (enterprise_id, site_id, area_id, asset_id, code, name, "
        "nfc_uid, qr_token, x, y) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        v, 10, &id);
    if (!e) e = insp_audit(req, "inspections.checkpoint", "inspection_checkpoint", id, b);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the checkpoint was not saved: %s", aj_db_errmsg(db));
    }
    return reply_checkpoint(req, id, 201);
}

/* ---- shift patterns -------------------------------------------------------------------- */

static void pattern_json(const aj_shift_pattern *sp, json_t *arr) {
    for (int i = 0; i < sp->n; i++) {
        char t[8];
        snprintf(t, sizeof t, "%02d:%02d", sp->start_min[i] / 60, sp->start_min[i] % 60);
        json_array_append_new(arr, json_string(t));
    }
}

aj_err aj_api_inspection_shifts_get(aj_req *req) {
    int64_t site_id;
    aj_err e = aj_req_query_int(req, "site_id", 0, 1, INT64_MAX, &site_id);
    if (e) return e;
    if (!site_id) return aj_req_fail(req, AJ_EINVAL, "site_id: required");
    json_t *so;
    if (aj_resource_load(req, &aj_res_sites, site_id, &so))
        return aj_req_fail(req, AJ_ENOTFOUND, "no such site");
    json_decref(so);
    aj_val v = AJ_VINT(site_id);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), "SELECT starts_json FROM inspection_shifts WHERE site_id = ?", &v, 1,
                         &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *starts = NULL;
    if (aj_result_rows(r) == 1) starts = json_loads(aj_result_text(r, 0, 0), 0, NULL);
    aj_result_free(r);
    bool is_default = !starts;
    if (!starts) {
        aj_shift_pattern sp;
        aj_shift_pattern_default(&sp);
        starts = json_array();
        pattern_json(&sp, starts);
    }
    aj_reply_json(req, 200,
                  json_pack("{s:I, s:o, s:b}", "site_id", (json_int_t)site_id, "starts", starts, "is_default",
                            is_default));
    return AJ_OK;
}

aj_err aj_api_inspection_shifts_put(aj_req *req) {
    static const char *const allowed[] = {"site_id", "starts", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 2);
    if (e) return e;
    int64_t site_id;
    if ((e = insp_own_site(req, json_object_get(req->json, "site_id"), &site_id))) return e;
    const json_t *arr = json_object_get(req->json, "starts");
    if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > AJ_INSPECT_SHIFTS_MAX)
        return aj_req_fail(req, AJ_EINVAL, "starts: 1 to %d shift starts \"HH:MM\"", AJ_INSPECT_SHIFTS_MAX);
    const char *texts[AJ_INSPECT_SHIFTS_MAX];
    int n = (int)json_array_size(arr);
    for (int i = 0; i < n; i++) texts[i] = json_string_value(json_array_get(arr, i));
    aj_shift_pattern sp;
    char err[160];
    if (!aj_shift_pattern_from(texts, n, &sp, err, sizeof err)) return aj_req_fail(req, AJ_EINVAL, "%s", err);
    json_t *norm = json_array();
    pattern_json(&sp, norm);
    char *text = json_dumps(norm, JSON_COMPACT);
    aj_db *db = aj_req_db(req);
    aj_val dv = AJ_VINT(site_id);
    aj_val v[3] = {AJ_VINT(site_id), AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(text)};
    if (!(e = aj_db_begin(db))) {
        e = aj_db_exec(db, "DELETE FROM inspection_shifts WHERE site_id = ?", &dv, 1, NULL);
        if (!e)
            e = aj_db_exec(
                db, "INSERT INTO inspection_shifts (site_id, enterprise_id, starts_json) VALUES (?, ?, ?)", v,
                3, NULL);
        /* plans per shift take the new pattern from their next window on */
        json_t *after = json_pack("{s:I, s:O}", "site_id", (json_int_t)site_id, "starts", norm);
        if (!e) e = insp_audit(req, "inspections.shifts", "site", site_id, after);
        json_decref(after);
        if (!e) e = aj_db_commit(db);
        if (e) aj_db_rollback(db);
    }
    free(text);
    if (e) {
        json_decref(norm);
        return aj_req_fail(req, e, "the shifts were not saved: %s", aj_db_errmsg(db));
    }
    aj_reply_json(
        req, 200,
        json_pack("{s:I, s:o, s:b}", "site_id", (json_int_t)site_id, "starts", norm, "is_default", 0));
    return AJ_OK;
}
