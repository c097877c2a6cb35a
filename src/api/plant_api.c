/* plant_api.c — the plant-model routes: CRUD of each family through resource.c, and
 * the plant file: POST /api/v1/plant/import (all or nothing) and
 * GET /api/v1/sites/{id}/plant (export in the same format). */
#include "api/api.h"
#include "http/metrics.h"
#include "ingest/adapters.h"
#include "engine/engine.h"
#include "api/resource.h"
#include "auth/perm.h"
#include "plant/plant_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAMILY(fn, res)                                                                                      \
    aj_err aj_api_##fn##_list(aj_req *req) {                                                                 \
        return aj_resource_list(req, &res);                                                                  \
    }                                                                                                        \
    aj_err aj_api_##fn##_get(aj_req *req) {                                                                  \
        return aj_resource_get(req, &res);                                                                   \
    }                                                                                                        \
    aj_err aj_api_##fn##_create(aj_req *req) {                                                               \
        return aj_resource_create(req, &res);                                                                \
    }                                                                                                        \
    aj_err aj_api_##fn##_patch(aj_req *req) {                                                                \
        return aj_resource_patch(req, &res);                                                                 \
    }                                                                                                        \
    aj_err aj_api_##fn##_delete(aj_req *req) {                                                               \
        return aj_resource_delete(req, &res);                                                                \
    }

FAMILY(sites, aj_res_sites)
FAMILY(areas, aj_res_areas)
FAMILY(assets, aj_res_assets)
FAMILY(tags, aj_res_tags)
FAMILY(organisations, aj_res_organisations)
FAMILY(people, aj_res_people)
FAMILY(certificates, aj_res_certificates)

aj_err aj_api_enterprises_list(aj_req *req) {
    return aj_resource_list(req, &aj_res_enterprises);
}
aj_err aj_api_enterprises_get(aj_req *req) {
    return aj_resource_get(req, &aj_res_enterprises);
}

/* Runs the connection maps an imported plant file carried (stored by the import). A map
 * that does not start is reported in the answer's "connections" and left stored: GET
 * /api/v1/connections lists it with its error after the next start too. */
static void apply_connections(aj_req *req, const json_t *conn) {
    if (!conn || !req->reply) return;
    aj_result *r = NULL;
    char code[64] = "";
    if (!aj_db_query(aj_req_db(req), "SELECT code FROM enterprises WHERE id = ?",
                     (aj_val[]){AJ_VINT(req->auth.enterprise_id)}, 1, &r) &&
        aj_result_rows(r) == 1)
        snprintf(code, sizeof code, "%s", aj_result_text(r, 0, 0));
    aj_result_free(r);
    json_t *out = json_object();
    const char *key;
    json_t *map;
    json_object_foreach((json_t *)conn, key, map) {
        aj_proto proto;
        char *text = json_dumps(map, JSON_COMPACT);
        char msg[600] = "";
        aj_err e = text && aj_proto_from_name(key, &proto)
                       ? aj_adapters_apply(req->app->metrics.adapters, req->auth.enterprise_id, code, proto,
                                           text, strlen(text), msg, sizeof msg)
                       : AJ_ENOMEM;
        free(text);
        json_object_set_new(
            out, key,
            e ? json_pack("{s:b, s:s}", "running", 0, "error", msg[0] ? msg : aj_err_message(e))
              : json_pack("{s:b}", "running", 1));
    }
    json_object_set_new(req->reply, "connections", out);
}

aj_err aj_api_plant_import(aj_req *req) {
    if (req->auth.n_sites > 0)
        return aj_req_fail(req, AJ_EFORBIDDEN,
                           "your account is limited to some sites; plant files are imported by users of the "
                           "whole enterprise");
    aj_plant_report *rep = aj_plant_report_new();
    if (!rep) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    char actor[128];
    aj_req_actor(req, actor, sizeof actor);
    aj_err e = aj_plant_import(aj_req_db(req), req->auth.enterprise_id, actor, req->json, rep);
    if (e == AJ_EINVAL) {
        req->err_details = aj_plant_errors_json(rep);
        aj_req_fail(req, e, "the plant file has %d error(s); nothing was imported", rep->n_errors);
    } else if (e) {
        aj_req_fail(req, e, "import failed, nothing was imported: %s", aj_db_errmsg(req->db));
    } else {
        aj_reply_json(req, 200, aj_plant_report_json(rep));
        aj_api_plant_committed(req, 0);
        apply_connections(req, json_object_get(req->json, "connections"));
    }
    aj_plant_report_free(rep);
    return e;
}

void aj_api_plant_committed(aj_req *req, int64_t id) {
    (void)id;
    if (req->app->engine) aj_engine_reason_rebind(req->app->engine); /* rules follow the plant */
}

aj_err aj_api_plant_export(aj_req *req) {
    int64_t site_id;
    aj_err e = aj_req_path_id(req, 0, &site_id);
    if (e) return e;
    json_t *site;
    if ((e = aj_resource_load(req, &aj_res_sites, site_id, &site))) return e; /* scope check */
    int64_t ent = json_integer_value(json_object_get(site, "enterprise_id"));
    json_decref(site);
    json_t *doc;
    e = aj_plant_export(aj_req_db(req), ent, site_id, &doc);
    if (e) return aj_req_fail(req, e, "export failed: %s", aj_db_errmsg(req->db));
    aj_reply_json(req, 200, doc);
    return AJ_OK;
}
