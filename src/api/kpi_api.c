/* kpi_api.c — GET /api/v1/alarm-kpi (placeholder until the KPI route is built). */
#include "api/alarms_api.h"

aj_err aj_api_alarm_kpi(aj_req *req) {
    return aj_req_fail(req, AJ_ENOTFOUND, "not built yet");
}
