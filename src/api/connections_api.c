/* connections_api.c — GET /api/v1/connections: the state of the plant connections anjian
 * keeps itself (today the Modbus TCP devices of --modbus-map, docs/modbus.md "Device state").
 * Reads snapshots from the poller; never blocks on a device. */
#include "api/api.h"
#include "http/metrics.h"
#include "ingest/modbus_poll.h"

#include "base/timeutil.h"

#include <stdio.h>

/* A wall-clock time in ms as RFC 3339 text, or JSON null for 0 (never). */
static json_t *time_or_null(int64_t ms) {
    if (!ms) return json_null();
    char t[40];
    aj_time_format_ms(ms, t, sizeof t);
    return json_string(t);
}

static json_t *device_json(const aj_mb_device_status *st) {
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:o, s:o, s:s?, s:I, s:I, s:I, s:I, s:f}", "protocol",
                     "modbus-tcp", "code", st->code, "host", st->host, "port", st->port, "unit_id",
                     st->unit_id, "state", aj_mb_device_state_name(st->state), "last_success",
                     time_or_null(st->last_success_ms), "last_error_at", time_or_null(st->last_error_ms),
                     "last_error", st->last_error[0] ? st->last_error : NULL, "polls_ok",
                     (json_int_t)st->polls_ok, "polls_failed", (json_int_t)st->polls_failed, "points",
                     (json_int_t)st->points, "points_dropped", (json_int_t)st->points_dropped,
                     "points_per_second", st->points_per_second);
}

aj_err aj_api_connections(aj_req *req) {
    aj_mb_poll *poll = req->app->metrics.modbus;
    json_t *items = json_array();
    for (int i = 0; i < aj_mb_poll_n_devices(poll); i++) {
        aj_mb_device_status st;
        aj_mb_poll_device_status(poll, i, &st);
        json_array_append_new(items, device_json(&st));
    }
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}
