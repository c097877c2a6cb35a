/* connections_api.c — GET /api/v1/connections: the state of the plant connections anjian
 * keeps itself (the Modbus TCP devices of --modbus-map, docs/modbus.md "Device state"; the
 * Sparkplug B edge nodes and devices of --sparkplug-map, docs/sparkplug.md "Connection state";
 * the OPC UA endpoints of --opcua-map, docs/opcua.md "Connection state"), each shown only to
 * callers who may read the enterprise the adapter feeds. Reads snapshots; never blocks on a
 * device. */
#include "api/api.h"
#include "http/metrics.h"
#include "ingest/adapters.h"
#include "ingest/modbus_poll.h"
#include "ingest/opcua_ingest.h"
#include "ingest/sparkplug.h"

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

/* A Sparkplug B edge node or device (docs/sparkplug.md "Connection state"). */
static json_t *sparkplug_json(const aj_sparkplug_status *st) {
    char code[3 * (AJ_SP_ID_LEN_MAX + 1)];
    if (st->device)
        snprintf(code, sizeof code, "%s/%s/%s", st->group, st->node, st->device);
    else
        snprintf(code, sizeof code, "%s/%s", st->group, st->node);
    json_t *bd_seq = st->has_bd_seq ? json_integer((json_int_t)st->bd_seq) : json_null();
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:o, s:s?, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:f}",
        "protocol", "sparkplug-b", "code", code, "group", st->group, "node", st->node, "device", st->device,
        "state", aj_sp_state_name(st->state), "last_success", time_or_null(st->last_success_ms),
        "last_error_at", time_or_null(st->last_error_ms), "last_error",
        st->last_error[0] ? st->last_error : NULL, "bd_seq", bd_seq, "messages", (json_int_t)st->messages,
        "seq_gaps", (json_int_t)st->seq_gaps, "rebirths_requested", (json_int_t)st->rebirths_requested,
        "deaths_ignored", (json_int_t)st->deaths_ignored, "points", (json_int_t)st->points, "points_dropped",
        (json_int_t)st->points_dropped, "metrics_unmapped", (json_int_t)st->metrics_unmapped,
        "metrics_skipped", (json_int_t)st->metrics_skipped, "points_per_second", st->points_per_second);
}

/* An OPC UA endpoint (docs/opcua.md "Connection state"). */
static json_t *opcua_json(const aj_ua_endpoint_status *st) {
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:I, s:I, s:I, s:I, s:f}",
        "protocol", "opcua", "code", st->code, "endpoint_url", st->url, "security_policy",
        aj_ua_policy_name(st->policy), "security_mode", aj_ua_mode_name(st->mode), "identity",
        st->is_username ? "username" : "anonymous", "state", aj_ua_endpoint_state_name(st->state), "items",
        st->items, "items_failed", st->items_failed, "last_success", time_or_null(st->last_success_ms),
        "last_error_at", time_or_null(st->last_error_ms), "last_error",
        st->last_error[0] ? st->last_error : NULL, "connects", (json_int_t)st->connects, "reconnects",
        (json_int_t)st->reconnects, "sessions_created", (json_int_t)st->sessions_created, "notifications",
        (json_int_t)st->notifications, "republished", (json_int_t)st->republished, "lost",
        (json_int_t)st->lost, "points", (json_int_t)st->points, "points_dropped",
        (json_int_t)st->points_dropped, "points_unusable", (json_int_t)st->points_unusable, "keepalives",
        (json_int_t)st->keepalives, "channel_renewals", (json_int_t)st->channel_renewals, "points_per_second",
        st->points_per_second);
}

/* A stored map that did not start: one entry saying why (nothing runs for it). */
static json_t *failed_json(const aj_adapter *ad) {
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:i, s:f}", "protocol", aj_proto_name(ad->proto), "code",
                     "(map)", "state", "failing", "last_success", json_null(), "last_error_at", json_null(),
                     "last_error", ad->error, "points", 0, "points_per_second", 0.0);
}

aj_err aj_api_connections(aj_req *req) {
    /* each adapter feeds one enterprise: its connections are shown to those who may read it */
    aj_adapters *set = req->app->metrics.adapters;
    json_t *items = json_array();
    aj_adapters_read_lock(set);
    for (int a = 0; a < aj_adapters_count(set); a++) {
        const aj_adapter *ad = aj_adapters_get(set, a);
        if (!aj_api_enterprise_code_readable(req, ad->enterprise)) continue;
        size_t from = json_array_size(items);
        if (ad->modbus) {
            for (int i = 0; i < aj_mb_poll_n_devices(ad->modbus); i++) {
                aj_mb_device_status st;
                aj_mb_poll_device_status(ad->modbus, i, &st);
                json_array_append_new(items, device_json(&st));
            }
        } else if (ad->sparkplug) {
            for (int i = 0; i < aj_sparkplug_n_connections(ad->sparkplug); i++) {
                aj_sparkplug_status st;
                aj_sparkplug_connection_status(ad->sparkplug, i, &st);
                json_array_append_new(items, sparkplug_json(&st));
            }
        } else if (ad->opcua) {
            for (int i = 0; i < aj_ua_ingest_n_endpoints(ad->opcua); i++) {
                aj_ua_endpoint_status st;
                aj_ua_ingest_endpoint_status(ad->opcua, i, &st);
                json_array_append_new(items, opcua_json(&st));
            }
        } else {
            json_array_append_new(items, failed_json(ad));
        }
        /* whose data and where the map comes from (docs/connections.md) */
        for (size_t k = from; k < json_array_size(items); k++) {
            json_object_set_new(json_array_get(items, k), "enterprise", json_string(ad->enterprise));
            json_object_set_new(json_array_get(items, k), "map",
                                json_string(ad->is_from_file ? "file" : "stored"));
        }
    }
    aj_adapters_unlock(set);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}
