/* system_api.c — GET /healthz (no auth), GET /metrics, GET /api/v1/asset-templates,
 * GET /api/v1/routes (the route table, for tooling). */
#include "api/api.h"
#include "http/metrics.h"
#include "store/migrations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aj_err aj_api_healthz(aj_req *req) {
    aj_db *db = aj_req_db(req);
    int64_t v = 0;
    aj_err e = aj_db_query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL, 0, &v);
    if (e) return aj_req_fail(req, AJ_EUNAVAILABLE, "database not reachable: %s", aj_db_errmsg(db));
    aj_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:I}", "status", "ok", "version", AJ_VERSION, "database",
                            aj_db_kind_of(db) == AJ_DB_SQLITE ? "sqlite" : "postgres", "schema_version",
                            (json_int_t)v));
    return AJ_OK;
}

aj_err aj_api_metrics(aj_req *req) {
    size_t len;
    char *text = aj_metrics_render(req->app, &len);
    if (!text) return aj_req_fail(req, AJ_ENOMEM, "cannot render metrics");
    aj_reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
    return AJ_OK;
}

aj_err aj_api_asset_templates(aj_req *req) {
    json_t *rows;
    aj_err e = aj_db_query_json(
        aj_req_db(req), "SELECT code, name, name_en, signal_roles_json FROM asset_templates ORDER BY code",
        NULL, 0, &rows);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    aj_reply_json(req, 200, json_pack("{s:o}", "items", rows));
    return AJ_OK;
}

aj_err aj_api_routes(aj_req *req) {
    json_t *items = json_array();
    for (int i = 0; aj_routes[i].method; i++)
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:b}", "method", aj_routes[i].method, "path",
                                               aj_routes[i].pattern, "summary", aj_routes[i].summary,
                                               "public", (aj_routes[i].flags & AJ_ROUTE_PUBLIC) != 0));
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

aj_err aj_api_check_fields(aj_req *req, const char *const *allowed, int n_required) {
    if (!json_is_object(req->json)) return aj_req_fail(req, AJ_EINVAL, "request body must be a JSON object");
    char unknown[400] = "", missing[400] = "";
    const char *key;
    json_t *v;
    json_object_foreach(req->json, key, v) {
        bool ok = false;
        for (int i = 0; allowed[i]; i++) ok = ok || strcmp(allowed[i], key) == 0;
        size_t k = strlen(unknown);
        if (!ok && k < sizeof unknown) snprintf(unknown + k, sizeof unknown - k, "%s%s", k ? ", " : "", key);
    }
    for (int i = 0; i < n_required; i++) {
        size_t k = strlen(missing);
        if (!json_object_get(req->json, allowed[i]) && k < sizeof missing)
            snprintf(missing + k, sizeof missing - k, "%s%s", k ? ", " : "", allowed[i]);
    }
    if (!unknown[0] && !missing[0]) return AJ_OK;
    return aj_req_fail(req, AJ_EINVAL, "%s%s%s%s%s", unknown[0] ? "unknown field(s): " : "", unknown,
                       unknown[0] && missing[0] ? "; " : "", missing[0] ? "missing required field(s): " : "",
                       missing);
}

aj_err aj_api_scoped_row(aj_req *req, const char *select, const char *alias, int64_t id, const char *what,
                         aj_result **out) {
    char col[40], ent[1100], site[1100], sql[4800];
    *out = NULL;
    snprintf(col, sizeof col, "%s.enterprise_id", alias);
    aj_scope_enterprise(req, col, ent, sizeof ent);
    snprintf(col, sizeof col, "%s.site_id", alias);
    aj_scope_site(req, col, site, sizeof site);
    int n = snprintf(sql, sizeof sql, "%s WHERE %s.id = ? AND %s AND %s", select, alias, ent, site);
    if (n < 0 || (size_t)n >= sizeof sql) return aj_req_fail(req, AJ_ETOOBIG, "query too long");
    aj_val v = AJ_VINT(id);
    aj_err e = aj_db_query(aj_req_db(req), sql, &v, 1, out);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(*out) != 1) {
        aj_result_free(*out);
        *out = NULL;
        return aj_req_fail(req, AJ_ENOTFOUND, "%s %lld not found", what, (long long)id);
    }
    return AJ_OK;
}
