/* api.h — every route handler, one family per file under src/api/. */
#ifndef AJ_API_H
#define AJ_API_H

#include "http/http.h"

/* Checks the JSON object body against a NULL-terminated list of allowed fields whose
 * first n_required are required; names every unknown and missing field in one 400. */
aj_err aj_api_check_fields(aj_req *req, const char *const *allowed, int n_required);

aj_err aj_api_healthz(aj_req *req);
aj_err aj_api_metrics(aj_req *req);
aj_err aj_api_routes(aj_req *req);
aj_err aj_api_asset_templates(aj_req *req);

aj_err aj_api_login(aj_req *req);
aj_err aj_api_logout(aj_req *req);
aj_err aj_api_me(aj_req *req);

aj_err aj_api_users_list(aj_req *req);
aj_err aj_api_users_get(aj_req *req);
aj_err aj_api_users_create(aj_req *req);
aj_err aj_api_users_patch(aj_req *req);
aj_err aj_api_users_password(aj_req *req);

aj_err aj_api_audit_list(aj_req *req);
aj_err aj_api_audit_verify(aj_req *req);

#define AJ_API_FAMILY(fn)                                                                                    \
    aj_err aj_api_##fn##_list(aj_req *req);                                                                  \
    aj_err aj_api_##fn##_get(aj_req *req);                                                                   \
    aj_err aj_api_##fn##_create(aj_req *req);                                                                \
    aj_err aj_api_##fn##_patch(aj_req *req);                                                                 \
    aj_err aj_api_##fn##_delete(aj_req *req);
AJ_API_FAMILY(sites)
AJ_API_FAMILY(areas)
AJ_API_FAMILY(assets)
AJ_API_FAMILY(tags)
AJ_API_FAMILY(organisations)
AJ_API_FAMILY(people)
AJ_API_FAMILY(certificates)
aj_err aj_api_enterprises_list(aj_req *req);
aj_err aj_api_enterprises_get(aj_req *req);
aj_err aj_api_plant_import(aj_req *req);
/* The plant changed (resource hook and import): the engine binds the failure-mode rules again. */
void aj_api_plant_committed(aj_req *req, int64_t id);
/* incidents_api.c */
aj_err aj_api_incidents_list(aj_req *req);
aj_err aj_api_incident_get(aj_req *req);
aj_err aj_api_incident_acknowledge(aj_req *req);
aj_err aj_api_incident_handle(aj_req *req);
aj_err aj_api_incident_resolve(aj_req *req);
aj_err aj_api_incident_review(aj_req *req);
aj_err aj_api_incident_comment(aj_req *req);
aj_err aj_api_write(aj_req *req);
aj_err aj_api_points(aj_req *req);
aj_err aj_api_tag_history(aj_req *req);
aj_err aj_api_tag_trend(aj_req *req);
aj_err aj_api_tag_aggregates(aj_req *req);
aj_err aj_api_tag_value(aj_req *req);
aj_err aj_api_plant_export(aj_req *req);

#endif
