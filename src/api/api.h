/* api.h — every route handler, one family per file under src/api/. */
#ifndef AJ_API_H
#define AJ_API_H

#include "http/http.h"

/* Checks the JSON object body against a NULL-terminated list of allowed fields whose
 * first n_required are required; names every unknown and missing field in one 400. */
aj_err aj_api_check_fields(aj_req *req, const char *const *allowed, int n_required);

/* One row by id in the caller's scope: runs "<select> WHERE <alias>.id = ? AND <the
 * caller's enterprises> AND <sites>" (select is "SELECT cols FROM table alias [joins]";
 * alias owns the enterprise_id and site_id columns). *out has exactly one row (the caller
 * frees it), or the answer is 404 "<what> <id> not found" (500 on a store error) and *out
 * is NULL. */
aj_err aj_api_scoped_row(aj_req *req, const char *select, const char *alias, int64_t id, const char *what,
                         aj_result **out);

aj_err aj_api_healthz(aj_req *req);
aj_err aj_api_metrics(aj_req *req);
aj_err aj_api_routes(aj_req *req);
aj_err aj_api_connections(aj_req *req); /* GET /api/v1/connections (connections_api.c) */
aj_err aj_api_opcua_browse(aj_req *req); /* POST /api/v1/opcua/browse (opcua_api.c) */
/* /api/v1/connection-maps[/{protocol}] (connection_maps_api.c) */
aj_err aj_api_connection_maps_list(aj_req *req);
aj_err aj_api_connection_maps_get(aj_req *req);
aj_err aj_api_connection_maps_put(aj_req *req);
aj_err aj_api_connection_maps_delete(aj_req *req);
/* True when the enterprise with this code is one the caller may read (opcua_api.c). */
bool aj_api_enterprise_code_readable(aj_req *req, const char *code);
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
/* work permits (permits_*.c, docs/permits.md) */
aj_err aj_api_permit_types(aj_req *req);
aj_err aj_api_permits_list(aj_req *req);
aj_err aj_api_permits_get(aj_req *req);
aj_err aj_api_permits_create(aj_req *req);
aj_err aj_api_permits_patch(aj_req *req);
aj_err aj_api_permits_submit(aj_req *req);
aj_err aj_api_permits_measures(aj_req *req);
aj_err aj_api_permits_gas_samples(aj_req *req);
aj_err aj_api_permits_approve(aj_req *req);
aj_err aj_api_permits_start(aj_req *req);
aj_err aj_api_permits_pause(aj_req *req);
aj_err aj_api_permits_stop_work(aj_req *req);
aj_err aj_api_permits_resume(aj_req *req);
aj_err aj_api_permits_complete(aj_req *req);
aj_err aj_api_permits_close(aj_req *req);
aj_err aj_api_permits_archive(aj_req *req);
aj_err aj_api_permits_cancel(aj_req *req);
aj_err aj_api_permits_void(aj_req *req);
aj_err aj_api_permits_check_in(aj_req *req);
aj_err aj_api_permits_check_out(aj_req *req);
aj_err aj_api_permits_entries(aj_req *req);
aj_err aj_api_permits_positions(aj_req *req);
aj_err aj_api_permits_monitoring(aj_req *req);
aj_err aj_api_permit_roles_get(aj_req *req);
aj_err aj_api_permit_roles_put(aj_req *req);
aj_err aj_api_permit_chains_put(aj_req *req);
aj_err aj_api_permit_holidays_get(aj_req *req);
aj_err aj_api_permit_holidays_put(aj_req *req);
aj_err aj_api_simops_list(aj_req *req);
aj_err aj_api_simops_create(aj_req *req);
aj_err aj_api_permit_metrics(aj_req *req);
aj_err aj_api_notifications_list(aj_req *req);
/* hidden dangers (hazards_api.c, hazard_photos.c, docs/hazards.md) */
aj_err aj_api_hazards_list(aj_req *req);
aj_err aj_api_hazards_get(aj_req *req);
aj_err aj_api_hazards_create(aj_req *req);
aj_err aj_api_hazards_register(aj_req *req);
aj_err aj_api_hazards_rectify(aj_req *req);
aj_err aj_api_hazards_accept(aj_req *req);
aj_err aj_api_hazards_reject(aj_req *req);
aj_err aj_api_hazards_close(aj_req *req);
aj_err aj_api_hazard_policy_put(aj_req *req);
aj_err aj_api_hazard_kpi(aj_req *req);     /* prevention_kpi.c: totals, by department or period */
aj_err aj_api_hazards_export(aj_req *req); /* prevention_kpi.c: the regulator export (CSV, XLSX) */
aj_err aj_api_hazard_photos_upload(aj_req *req);
aj_err aj_api_hazard_photo_get(aj_req *req);
/* inspections (inspections_api.c, inspections_plans.c, inspections_tasks.c, docs/inspections.md) */
aj_err aj_api_inspection_checkpoints_list(aj_req *req);
aj_err aj_api_inspection_checkpoints_get(aj_req *req);
aj_err aj_api_inspection_checkpoints_create(aj_req *req);
aj_err aj_api_inspection_shifts_get(aj_req *req);
aj_err aj_api_inspection_shifts_put(aj_req *req);
aj_err aj_api_inspection_plans_list(aj_req *req);
aj_err aj_api_inspection_plans_get(aj_req *req);
aj_err aj_api_inspection_plans_create(aj_req *req);
aj_err aj_api_inspection_plans_patch(aj_req *req);
aj_err aj_api_inspection_tasks_list(aj_req *req);
aj_err aj_api_inspection_tasks_get(aj_req *req);
aj_err aj_api_inspection_scans_create(aj_req *req);
/* the risk register (risk_api.c, docs/risk.md) */
aj_err aj_api_risk_bands_get(aj_req *req);
aj_err aj_api_risk_bands_put(aj_req *req);
aj_err aj_api_risk_points_list(aj_req *req);
aj_err aj_api_risk_points_get(aj_req *req);
aj_err aj_api_risk_points_create(aj_req *req);
aj_err aj_api_risk_points_patch(aj_req *req);
aj_err aj_api_risk_map(aj_req *req);
/* major hazard sources in the register (major_hazards_api.c, docs/risk.md) */
aj_err aj_api_major_hazards_list(aj_req *req);
aj_err aj_api_major_hazards_get(aj_req *req);
aj_err aj_api_major_hazards_create(aj_req *req);
aj_err aj_api_major_hazards_patch(aj_req *req);
aj_err aj_api_major_hazards_events(aj_req *req);
aj_err aj_api_gb18218(aj_req *req);

#endif
