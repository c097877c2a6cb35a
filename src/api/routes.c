/* routes.c — the route table: every HTTP route of the API in one place, with its
 * permission and body kind. docs/openapi.yaml must list each of them (a test checks). */
#include "api/alarms_api.h"
#include "api/api.h"
#include "api/vibration_api.h"
#include "auth/perm.h"

#define J        AJ_ROUTE_JSON_BODY
#define PLANT_R  AJ_PERM_PLANT_READ
#define PLANT_W  AJ_PERM_PLANT_WRITE
#define ALARM_OP (AJ_PERM_PLANT_READ | AJ_PERM_ALARMS_OPERATE)
#define JO       (AJ_ROUTE_JSON_BODY | AJ_ROUTE_JSON_OPTIONAL)
#define INC_OP   (AJ_PERM_PLANT_READ | AJ_PERM_INCIDENTS_OPERATE)
#define INC_REV  (AJ_PERM_PLANT_READ | AJ_PERM_INCIDENTS_REVIEW)
#define PMT_R    AJ_PERM_PERMITS_READ
#define PMT_AP   (AJ_PERM_PERMITS_READ | AJ_PERM_PERMITS_APPLY)
#define PMT_AV   (AJ_PERM_PERMITS_READ | AJ_PERM_PERMITS_APPROVE)
#define PMT_OP   (AJ_PERM_PERMITS_READ | AJ_PERM_PERMITS_OPERATE)
#define PMT_CF   (AJ_PERM_PERMITS_READ | AJ_PERM_PERMITS_CONFIGURE)
#define HZ_REP   (AJ_PERM_PLANT_READ | AJ_PERM_HAZARDS_REPORT)
#define HZ_MAN   (AJ_PERM_PLANT_READ | AJ_PERM_HAZARDS_MANAGE)
#define HZ_FIX   (AJ_PERM_PLANT_READ | AJ_PERM_HAZARDS_RECTIFY)
#define RISK_W   (AJ_PERM_PLANT_READ | AJ_PERM_RISKS_WRITE)

#define CRUD(path, fn, read_perm, write_perm, what)                                                          \
    {"GET", "/api/v1/" path, aj_api_##fn##_list, read_perm, 0, "list " what},                                \
        {"POST", "/api/v1/" path, aj_api_##fn##_create, write_perm, J, "create " what},                      \
        {"GET", "/api/v1/" path "/{id}", aj_api_##fn##_get, read_perm, 0, "get one " what},                  \
        {"PATCH", "/api/v1/" path "/{id}", aj_api_##fn##_patch, write_perm, J, "change " what}, {            \
        "DELETE", "/api/v1/" path "/{id}", aj_api_##fn##_delete, write_perm, 0, "delete " what               \
    }

const aj_route aj_routes[] = {
    {"GET", "/healthz", aj_api_healthz, 0, AJ_ROUTE_PUBLIC, "liveness and database check"},
    {"GET", "/metrics", aj_api_metrics, AJ_PERM_METRICS_READ, 0, "Prometheus metrics"},
    {"POST", "/api/v1/auth/login", aj_api_login, 0, AJ_ROUTE_PUBLIC | J,
     "log in: session cookie and bearer token"},
    {"POST", "/api/v1/auth/logout", aj_api_logout, 0, AJ_ROUTE_SELF, "end the current session"},
    {"GET", "/api/v1/auth/me", aj_api_me, 0, 0, "the caller's identity, roles and CSRF token"},
    {"GET", "/api/v1/routes", aj_api_routes, 0, 0, "the route table"},
    {"GET", "/api/v1/asset-templates", aj_api_asset_templates, PLANT_R, 0,
     "asset templates and signal roles"},
    {"GET", "/api/v1/enterprises", aj_api_enterprises_list, 0, 0, "enterprises the caller may read"},
    {"GET", "/api/v1/enterprises/{id}", aj_api_enterprises_get, 0, 0, "one enterprise"},
    CRUD("sites", sites, PLANT_R, PLANT_W, "sites"),
    CRUD("areas", areas, PLANT_R, PLANT_W, "areas"),
    CRUD("assets", assets, PLANT_R, PLANT_W, "assets"),
    CRUD("tags", tags, PLANT_R, PLANT_W, "tags"),
    CRUD("organisations", organisations, 0, PLANT_W, "organisations"),
    CRUD("people", people, 0, AJ_PERM_PEOPLE_WRITE, "people"),
    CRUD("certificates", certificates, 0, AJ_PERM_PEOPLE_WRITE, "special-operation certificates"),
    {"POST", "/api/v1/plant/import", aj_api_plant_import, PLANT_W | AJ_PERM_PEOPLE_WRITE, J,
     "import a plant file (all or nothing)"},
    {"GET", "/api/v1/sites/{id}/plant", aj_api_plant_export, PLANT_R | AJ_PERM_PEOPLE_READ, 0,
     "export a site as a plant file"},
    {"POST", "/write", aj_api_write, AJ_PERM_DATA_WRITE, AJ_ROUTE_ANY_BODY,
     "write points as InfluxDB v1 line protocol (Telegraf compatible)"},
    {"POST", "/api/v1/points", aj_api_points, AJ_PERM_DATA_WRITE, J, "write a JSON batch of points"},
    {"POST", "/api/v1/vibration-blocks", aj_api_vibration_blocks, AJ_PERM_DATA_WRITE, J,
     "analyse a raw vibration waveform block; write its 1x/2x/3x running-speed amplitudes"},
    {"GET", "/api/v1/tags/{id}/history", aj_api_tag_history, PLANT_R, 0,
     "archived and recent points of a tag"},
    {"GET", "/api/v1/tags/{id}/trend", aj_api_tag_trend, PLANT_R, 0,
     "a tag's points downsampled for a chart"},
    {"GET", "/api/v1/tags/{id}/aggregates", aj_api_tag_aggregates, PLANT_R, 0,
     "aggregates of a tag per interval"},
    {"GET", "/api/v1/tags/{id}/value", aj_api_tag_value, PLANT_R, 0, "a tag's value at a time"},
    {"GET", "/api/v1/tags/{id}/alarms", aj_api_tag_alarms_get, PLANT_R, 0,
     "a tag's alarm definitions with their live state"},
    {"PUT", "/api/v1/tags/{id}/alarms", aj_api_tag_alarms_put, PLANT_R | AJ_PERM_ALARMS_CONFIGURE, J,
     "set a tag's alarms (limits, priorities, delays)"},
    {"GET", "/api/v1/alarms", aj_api_alarms_list, PLANT_R, 0, "current alarms (not normal), by priority"},
    {"GET", "/api/v1/alarms/{id}", aj_api_alarm_get, PLANT_R, 0, "one alarm with its latest journal"},
    {"POST", "/api/v1/alarms/{id}/ack", aj_api_alarm_ack, ALARM_OP, JO, "acknowledge an alarm"},
    {"POST", "/api/v1/alarms/{id}/reset", aj_api_alarm_reset, ALARM_OP, JO, "reset a latched alarm"},
    {"POST", "/api/v1/alarms/{id}/shelve", aj_api_alarm_shelve, ALARM_OP, J,
     "shelve an alarm (one-shot or timed) with a reason"},
    {"POST", "/api/v1/alarms/{id}/unshelve", aj_api_alarm_unshelve, ALARM_OP, JO, "unshelve an alarm"},
    {"POST", "/api/v1/alarms/{id}/remove-from-service", aj_api_alarm_remove_from_service, ALARM_OP, JO,
     "take an alarm out of service"},
    {"POST", "/api/v1/alarms/{id}/return-to-service", aj_api_alarm_return_to_service, ALARM_OP, JO,
     "return an alarm to service"},
    {"GET", "/api/v1/alarm-journal", aj_api_alarm_journal, PLANT_R, 0, "alarm state transitions"},
    {"GET", "/api/v1/alarm-kpi", aj_api_alarm_kpi, PLANT_R, 0,
     "alarm performance KPIs (ISA-18.2 / EEMUA 191) for a console (a set of areas)"},
    {"GET", "/api/v1/events", aj_api_events, PLANT_R, 0,
     "live events (SSE): alarm transitions, incident changes, points of watched tags"},
    {"GET", "/api/v1/incidents", aj_api_incidents_list, PLANT_R, 0,
     "incidents of the failure-mode reasoner, ranked by priority and confidence"},
    {"GET", "/api/v1/incidents/{id}", aj_api_incident_get, PLANT_R, 0,
     "one incident: evidence chain, timeline, the alarms it suppressed"},
    {"POST", "/api/v1/incidents/{id}/acknowledge", aj_api_incident_acknowledge, INC_OP, JO,
     "acknowledge an incident"},
    {"POST", "/api/v1/incidents/{id}/handle", aj_api_incident_handle, INC_OP, JO,
     "take an incident into handling"},
    {"POST", "/api/v1/incidents/{id}/resolve", aj_api_incident_resolve, INC_OP, J,
     "resolve an incident (comment required); its suppressed alarms come back"},
    {"POST", "/api/v1/incidents/{id}/review", aj_api_incident_review, INC_REV, J,
     "review a resolved incident: root cause and lessons"},
    {"POST", "/api/v1/incidents/{id}/comment", aj_api_incident_comment, INC_OP, J,
     "add a comment to an incident's timeline"},
    {"GET", "/api/v1/permit-types", aj_api_permit_types, PMT_R, 0,
     "the special-operation types (GB 30871-2022): forms, measures, hazards, grades, validity, approval "
     "chains"},
    {"GET", "/api/v1/permits", aj_api_permits_list, PMT_R, 0,
     "work permits (active by default) for the board"},
    {"POST", "/api/v1/permits", aj_api_permits_create, PMT_AP, J,
     "draft a work permit: graded, validity and SIMOPS checked"},
    {"GET", "/api/v1/permits/{id}", aj_api_permits_get, PMT_R, 0,
     "one permit: chain, measures, gas samples, people, timeline, conflicts, allowed events"},
    {"PATCH", "/api/v1/permits/{id}", aj_api_permits_patch, PMT_AP, J,
     "change a permit before issue (back to draft); after issue a new permit is needed"},
    {"POST", "/api/v1/permits/{id}/submit", aj_api_permits_submit, PMT_AP, JO, "submit a draft permit"},
    {"POST", "/api/v1/permits/{id}/measures", aj_api_permits_measures, PMT_OP, J, "confirm safety measures"},
    {"POST", "/api/v1/permits/{id}/gas-samples", aj_api_permits_gas_samples, PMT_OP, J,
     "record a gas analysis: readings by hand or from live detectors near the work"},
    {"POST", "/api/v1/permits/{id}/approve", aj_api_permits_approve, PMT_AV, J,
     "approve as the next role of the chain, at the work site"},
    {"POST", "/api/v1/permits/{id}/start", aj_api_permits_start, PMT_OP, JO, "start work"},
    {"POST", "/api/v1/permits/{id}/pause", aj_api_permits_pause, PMT_OP, JO, "pause work"},
    {"POST", "/api/v1/permits/{id}/stop-work", aj_api_permits_stop_work, PMT_OP, J,
     "the attendant stops the work (reason required)"},
    {"POST", "/api/v1/permits/{id}/resume", aj_api_permits_resume, PMT_OP, JO, "resume paused work"},
    {"POST", "/api/v1/permits/{id}/complete", aj_api_permits_complete, PMT_OP, JO, "work completed"},
    {"POST", "/api/v1/permits/{id}/close", aj_api_permits_close, PMT_OP, JO,
     "verify and close a completed permit"},
    {"POST", "/api/v1/permits/{id}/archive", aj_api_permits_archive, PMT_AV, JO, "archive an ended permit"},
    {"POST", "/api/v1/permits/{id}/cancel", aj_api_permits_cancel, PMT_AP, J,
     "cancel a permit before issue (reason required)"},
    {"POST", "/api/v1/permits/{id}/void", aj_api_permits_void, PMT_AV, J,
     "void an active permit (reason required)"},
    {"POST", "/api/v1/permits/{id}/check-in", aj_api_permits_check_in, PMT_OP, J,
     "check a worker or the attendant in by NFC badge UID"},
    {"POST", "/api/v1/permits/{id}/check-out", aj_api_permits_check_out, PMT_OP, J, "check out by badge UID"},
    {"POST", "/api/v1/permits/{id}/entries", aj_api_permits_entries, PMT_OP, J,
     "a person enters or leaves a confined space"},
    {"POST", "/api/v1/permits/{id}/positions", aj_api_permits_positions, PMT_OP, J,
     "a person's position; the attendant leaving the geofence pauses the work"},
    {"POST", "/api/v1/permits/{id}/monitoring", aj_api_permits_monitoring, PMT_OP, J,
     "a monitoring record (confined space: every 2 h)"},
    {"GET", "/api/v1/permit-roles", aj_api_permit_roles_get, PMT_R, 0, "who holds the approval roles"},
    {"PUT", "/api/v1/permit-roles", aj_api_permit_roles_put, PMT_CF, J,
     "set the holders of an approval role"},
    {"PUT", "/api/v1/permit-chains", aj_api_permit_chains_put, PMT_CF, J,
     "the enterprise's approval chain of a type and grade (empty: the standard's)"},
    {"GET", "/api/v1/permit-holidays", aj_api_permit_holidays_get, PMT_R, 0,
     "statutory holidays for grading"},
    {"PUT", "/api/v1/permit-holidays", aj_api_permit_holidays_put, PMT_CF, J, "set the holiday calendar"},
    {"GET", "/api/v1/simops-activities", aj_api_simops_list, PMT_R, 0,
     "active venting and other SIMOPS activities"},
    {"POST", "/api/v1/simops-activities", aj_api_simops_create, PMT_CF, J,
     "register venting (gas or liquid) for the SIMOPS rules"},
    {"GET", "/api/v1/permit-metrics", aj_api_permit_metrics, PMT_R, 0,
     "approval lead time, permits by type and grade, suspensions, refusals"},
    {"GET", "/api/v1/notifications", aj_api_notifications_list, 0, 0, "the caller's notifications"},
    {"GET", "/api/v1/hazards", aj_api_hazards_list, PLANT_R, 0,
     "the hidden-danger ledger (open by default; overdue=1, repeat=1)"},
    {"POST", "/api/v1/hazards", aj_api_hazards_create, HZ_REP, J,
     "report a hidden danger: place, category, description (repeats are linked)"},
    {"GET", "/api/v1/hazards/{id}", aj_api_hazards_get, PLANT_R, 0, "one hidden danger with photos and timeline"},
    {"POST", "/api/v1/hazards/{id}/photos", aj_api_hazard_photos_upload, HZ_REP, AJ_ROUTE_ANY_BODY,
     "add a photo (JPEG or PNG, judged by content, size-capped)"},
    {"GET", "/api/v1/hazard-photos/{id}", aj_api_hazard_photo_get, PLANT_R, 0, "a photo of a hidden danger"},
    {"POST", "/api/v1/hazards/{id}/register", aj_api_hazards_register, HZ_MAN, J,
     "register: grade, assignee, deadline (major: the remediation plan)"},
    {"POST", "/api/v1/hazards/{id}/rectify", aj_api_hazards_rectify, HZ_FIX, J,
     "record the rectification (the assignee)"},
    {"POST", "/api/v1/hazards/{id}/accept", aj_api_hazards_accept, HZ_MAN, JO,
     "accept the rectification (not by the rectifier)"},
    {"POST", "/api/v1/hazards/{id}/reject", aj_api_hazards_reject, HZ_MAN, J,
     "reject the rectification (reason required): back to the assignee"},
    {"POST", "/api/v1/hazards/{id}/close", aj_api_hazards_close, HZ_MAN, JO, "close an accepted hazard (销号)"},
    {"PUT", "/api/v1/hazard-policy", aj_api_hazard_policy_put, HZ_MAN, J,
     "the escalation step past the deadline and the repeat window"},
    {"GET", "/api/v1/hazard-kpi", aj_api_hazard_kpi, PLANT_R, 0,
     "rectification rate, on-time rate, overdue, repeats"},
    {"GET", "/api/v1/risk-bands", aj_api_risk_bands_get, PLANT_R, 0,
     "the enterprise's LEC and risk-matrix bands and their levels"},
    {"PUT", "/api/v1/risk-bands", aj_api_risk_bands_put, RISK_W, J, "set the enterprise's bands (checked)"},
    {"GET", "/api/v1/risk-points", aj_api_risk_points_list, PLANT_R, 0, "the risk register"},
    {"POST", "/api/v1/risk-points", aj_api_risk_points_create, RISK_W, J,
     "a risk point with its hazards, assessments (scored by the server) and control measures"},
    {"GET", "/api/v1/risk-points/{id}", aj_api_risk_points_get, PLANT_R, 0, "one risk point (its notification card)"},
    {"PATCH", "/api/v1/risk-points/{id}", aj_api_risk_points_patch, RISK_W, J, "re-assess a risk point (whole)"},
    {"GET", "/api/v1/risk-map", aj_api_risk_map, PLANT_R, 0,
     "the four-colour risk map: each area by its highest residual risk"},
    {"GET", "/api/v1/users", aj_api_users_list, AJ_PERM_USERS_ADMIN, 0, "list user accounts"},
    {"POST", "/api/v1/users", aj_api_users_create, AJ_PERM_USERS_ADMIN, J, "create a user account"},
    {"GET", "/api/v1/users/{id}", aj_api_users_get, AJ_PERM_USERS_ADMIN, 0, "one user account"},
    {"PATCH", "/api/v1/users/{id}", aj_api_users_patch, AJ_PERM_USERS_ADMIN, J,
     "change roles, name, disabled"},
    {"POST", "/api/v1/users/{id}/password", aj_api_users_password, AJ_PERM_USERS_ADMIN, J,
     "reset a password"},
    {"GET", "/api/v1/audit", aj_api_audit_list, AJ_PERM_AUDIT_READ, 0,
     "audit records of the caller's enterprises"},
    {"GET", "/api/v1/audit/verify", aj_api_audit_verify, AJ_PERM_AUDIT_READ, 0,
     "verify the audit hash chain"},
    {0, 0, 0, 0, 0, 0},
};

int aj_routes_count(void) {
    int n = 0;
    while (aj_routes[n].method) n++;
    return n;
}
