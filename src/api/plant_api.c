/* plant_api.c — the plant-model routes: CRUD of each family through resource.c, and
 * the plant file: POST /api/v1/plant/import (all or nothing) and
 * GET /api/v1/sites/{id}/plant (export in the same format). */
#include "api/api.h"
#include "engine/engine.h"
#include "api/resource.h"
#include "auth/perm.h"
#include "plant/plant_file.h"

#include <stdio.h>

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
