/* metrics.c — counters and the Prometheus text exposition for GET /metrics. */
#include "http/metrics.h"

#include "app.h"
#include "engine/engine.h"
#include "http/http.h"
#include "ingest/adapters.h"
#include "ingest/modbus_poll.h"
#include "ingest/opcua_ingest.h"
#include "ingest/mqtt.h"
#include "ingest/sparkplug.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aj_metrics_count(aj_metrics *m, int route_index, int status, int64_t latency_us) {
    int slot =
        (route_index < 0 || route_index >= AJ_METRICS_ROUTES - 1) ? AJ_METRICS_ROUTES - 1 : route_index;
    int cls = status / 100 - 1;
    if (cls < 0 || cls > 4) cls = 4;
    atomic_fetch_add_explicit(&m->requests[slot][cls], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_us_sum[slot], (uint64_t)(latency_us > 0 ? latency_us : 0),
                              memory_order_relaxed);
}

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->data + b->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *grown = realloc(b->data, cap);
        if (!grown) return;
        b->data = grown;
        b->cap = cap;
    }
}

/* The series of one Modbus poller; ent is "" or ",enterprise=\"CODE\"" (codes are
 * [A-Za-z0-9_.:-]: safe in a label value). */
static void put_modbus(buf *b, aj_mb_poll *poll, const char *ent, bool with_help) {
    if (with_help)
        put(b, "# HELP anjian_modbus_device_connected 1 while the last poll of a Modbus device reached it.\n"
               "# TYPE anjian_modbus_device_connected gauge\n# HELP anjian_modbus_polls_total Polls of a "
               "Modbus device's groups by result (failed: a read failed).\n# TYPE anjian_modbus_polls_total "
               "counter\n# HELP anjian_modbus_points_total Points a Modbus device gave the engine.\n"
               "# TYPE anjian_modbus_points_total counter\n");
    for (int i = 0; i < aj_mb_poll_n_devices(poll); i++) {
        aj_mb_device_status st;
        aj_mb_poll_device_status(poll, i, &st);
        put(b, "anjian_modbus_device_connected{device=\"%s\"%s} %d\n", st.code, ent,
            st.state == AJ_MB_CONNECTED);
        put(b, "anjian_modbus_polls_total{device=\"%s\",result=\"ok\"%s} %llu\n", st.code, ent,
            (unsigned long long)st.polls_ok);
        put(b, "anjian_modbus_polls_total{device=\"%s\",result=\"failed\"%s} %llu\n", st.code, ent,
            (unsigned long long)st.polls_failed);
        put(b, "anjian_modbus_points_total{device=\"%s\"%s} %llu\n", st.code, ent,
            (unsigned long long)st.points);
    }
}

/* The series of one OPC UA client (see put_modbus). */
static void put_opcua(buf *b, aj_ua_ingest *ua, const char *ent, bool with_help) {
    if (with_help)
        put(b, "# HELP anjian_opcua_endpoint_connected 1 while an OPC UA endpoint's session and subscription "
               "are up.\n"
               "# TYPE anjian_opcua_endpoint_connected gauge\n"
               "# HELP anjian_opcua_points_total Points an OPC UA endpoint gave the engine.\n"
               "# TYPE anjian_opcua_points_total counter\n"
               "# HELP anjian_opcua_reconnects_total Connections of an OPC UA endpoint re-established.\n"
               "# TYPE anjian_opcua_reconnects_total counter\n"
               "# HELP anjian_opcua_data_age_seconds From a good value's source timestamp to the engine "
               "holding it durable.\n# TYPE anjian_opcua_data_age_seconds histogram\n");
    for (int i = 0; i < aj_ua_ingest_n_endpoints(ua); i++) {
        aj_ua_endpoint_status st;
        aj_ua_ingest_endpoint_status(ua, i, &st);
        put(b, "anjian_opcua_endpoint_connected{endpoint=\"%s\"%s} %d\n", st.code, ent,
            st.state == AJ_UA_EP_CONNECTED);
        put(b, "anjian_opcua_points_total{endpoint=\"%s\"%s} %llu\n", st.code, ent,
            (unsigned long long)st.points);
        put(b, "anjian_opcua_reconnects_total{endpoint=\"%s\"%s} %llu\n", st.code, ent,
            (unsigned long long)st.reconnects);
        unsigned long long cum = 0;
        for (int k = 0; k <= AJ_UA_AGE_BUCKETS; k++) {
            cum += st.age_counts[k];
            if (k < AJ_UA_AGE_BUCKETS)
                put(b, "anjian_opcua_data_age_seconds_bucket{endpoint=\"%s\"%s,le=\"%g\"} %llu\n", st.code,
                    ent, aj_ua_age_bounds_ms[k] / 1000.0, cum);
            else
                put(b, "anjian_opcua_data_age_seconds_bucket{endpoint=\"%s\"%s,le=\"+Inf\"} %llu\n", st.code,
                    ent, cum);
        }
        put(b, "anjian_opcua_data_age_seconds_sum{endpoint=\"%s\"%s} %.6f\n", st.code, ent,
            st.age_sum_ms / 1000.0);
        put(b, "anjian_opcua_data_age_seconds_count{endpoint=\"%s\"%s} %llu\n", st.code, ent, cum);
    }
}

/* The series of one Sparkplug B host (see put_modbus; ent starts with a comma). */
static void put_sparkplug(buf *b, aj_sparkplug *sp, const char *ent, bool with_help) {
    aj_sparkplug_stats ss;
    aj_sparkplug_stats_get(sp, &ss);
    char lbl[100] = "", lbl_and[100] = "";
    if (ent[0]) {
        snprintf(lbl, sizeof lbl, "{%s}", ent + 1);
        snprintf(lbl_and, sizeof lbl_and, "%s", ent);
    }
    if (with_help)
        put(b, "# HELP anjian_sparkplug_connected 1 while the Sparkplug B host is connected to its broker.\n"
               "# TYPE anjian_sparkplug_connected gauge\n"
               "# HELP anjian_sparkplug_messages_total Sparkplug B messages by result.\n"
               "# TYPE anjian_sparkplug_messages_total counter\n"
               "# HELP anjian_sparkplug_points_total Points from Sparkplug B by result.\n"
               "# TYPE anjian_sparkplug_points_total counter\n"
               "# HELP anjian_sparkplug_seq_gaps_total Sequence gaps seen (messages lost).\n"
               "# TYPE anjian_sparkplug_seq_gaps_total counter\n"
               "# HELP anjian_sparkplug_rebirths_requested_total Rebirth requests sent (NCMD).\n"
               "# TYPE anjian_sparkplug_rebirths_requested_total counter\n"
               "# HELP anjian_sparkplug_reconnects_total Connections to the broker after the first.\n"
               "# TYPE anjian_sparkplug_reconnects_total counter\n");
    put(b, "anjian_sparkplug_connected%s %d\n", lbl, ss.is_connected ? 1 : 0);
    put(b, "anjian_sparkplug_messages_total{result=\"received\"%s} %llu\n", lbl_and,
        (unsigned long long)ss.messages);
    put(b, "anjian_sparkplug_messages_total{result=\"rejected\"%s} %llu\n", lbl_and,
        (unsigned long long)ss.messages_rejected);
    put(b, "anjian_sparkplug_messages_total{result=\"unmapped\"%s} %llu\n", lbl_and,
        (unsigned long long)ss.messages_unmapped);
    put(b, "anjian_sparkplug_points_total{result=\"accepted\"%s} %llu\n", lbl_and,
        (unsigned long long)ss.points);
    put(b, "anjian_sparkplug_points_total{result=\"dropped\"%s} %llu\n", lbl_and,
        (unsigned long long)ss.points_dropped);
    put(b, "anjian_sparkplug_seq_gaps_total%s %llu\n", lbl, (unsigned long long)ss.seq_gaps);
    put(b, "anjian_sparkplug_rebirths_requested_total%s %llu\n", lbl,
        (unsigned long long)ss.rebirths_requested);
    put(b, "anjian_sparkplug_reconnects_total%s %llu\n", lbl, (unsigned long long)ss.reconnects);
}

char *aj_metrics_render(aj_app *app, size_t *len) {
    aj_metrics *m = &app->metrics;
    buf b = {malloc(8192), 0, 8192};
    if (!b.data) return NULL;
    b.data[0] = 0;
    put(&b, "# HELP anjian_build_info Build version.\n# TYPE anjian_build_info gauge\n");
    put(&b, "anjian_build_info{version=\"%s\"} 1\n", AJ_VERSION);
    put(&b, "# HELP anjian_start_time_seconds Process start time.\n# TYPE anjian_start_time_seconds gauge\n");
    put(&b, "anjian_start_time_seconds %lld\n", (long long)(app->started_ms / 1000));
    put(&b, "# HELP anjian_http_in_flight Requests being served.\n# TYPE anjian_http_in_flight gauge\n");
    put(&b, "anjian_http_in_flight %d\n", atomic_load(&m->in_flight));
    put(&b, "# HELP anjian_http_requests_total HTTP requests by route and status class.\n"
            "# TYPE anjian_http_requests_total counter\n");
    int n_routes = aj_routes_count();
    for (int r = 0; r < AJ_METRICS_ROUTES; r++) {
        bool is_other = r == AJ_METRICS_ROUTES - 1;
        if (!is_other && r >= n_routes) continue;
        const char *method = is_other ? "" : aj_routes[r].method;
        const char *pattern = is_other ? "other" : aj_routes[r].pattern;
        for (int c = 0; c < 5; c++) {
            uint64_t v = atomic_load_explicit(&m->requests[r][c], memory_order_relaxed);
            if (v)
                put(&b, "anjian_http_requests_total{method=\"%s\",route=\"%s\",status=\"%dxx\"} %llu\n",
                    method, pattern, c + 1, (unsigned long long)v);
        }
    }
    put(&b, "# HELP anjian_http_request_seconds_sum Time spent serving requests by route.\n"
            "# TYPE anjian_http_request_seconds_sum counter\n");
    for (int r = 0; r < n_routes && r < AJ_METRICS_ROUTES - 1; r++) {
        uint64_t us = atomic_load_explicit(&m->latency_us_sum[r], memory_order_relaxed);
        if (us)
            put(&b, "anjian_http_request_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", aj_routes[r].method,
                aj_routes[r].pattern, (double)us / 1e6);
    }
    put(&b,
        "# HELP anjian_static_files_total Console files served.\n# TYPE anjian_static_files_total counter\n");
    put(&b, "anjian_static_files_total %llu\n", (unsigned long long)atomic_load(&m->static_files));
    put(&b, "# HELP anjian_logins_total Login attempts by result.\n# TYPE anjian_logins_total counter\n");
    put(&b, "anjian_logins_total{result=\"ok\"} %llu\n", (unsigned long long)atomic_load(&m->logins_ok));
    put(&b, "anjian_logins_total{result=\"failed\"} %llu\n",
        (unsigned long long)atomic_load(&m->logins_failed));
    put(&b, "anjian_logins_total{result=\"throttled\"} %llu\n",
        (unsigned long long)atomic_load(&m->logins_throttled));
    if (app->engine) {
        aj_engine_stats es;
        aj_engine_stats_get(app->engine, &es);
        put(&b, "# HELP anjian_engine_points_total Points through the real-time engine by stage.\n"
                "# TYPE anjian_engine_points_total counter\n");
        const struct {
            const char *stage;
            uint64_t v;
        } stages[] = {{"accepted", es.points_accepted},
                      {"applied", es.points_applied},
                      {"late", es.points_late},
                      {"archived", es.points_archived},
                      {"replayed", es.points_replayed},
                      {"reordered", es.points_reordered},
                      {"alarm_late", es.alarm_points_late}};
        for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
            put(&b, "anjian_engine_points_total{stage=\"%s\"} %llu\n", stages[i].stage,
                (unsigned long long)stages[i].v);
        put(&b,
            "# HELP anjian_engine_chunks_total Archive chunks written and expired by retention.\n"
            "# TYPE anjian_engine_chunks_total counter\nanjian_engine_chunks_total{op=\"written\"} %llu\n"
            "anjian_engine_chunks_total{op=\"expired\"} %llu\n",
            (unsigned long long)es.chunks_written, (unsigned long long)es.chunks_expired);
        put(&b,
            "# HELP anjian_engine_batches_refused_total Batches refused with 503 (queue full).\n"
            "# TYPE anjian_engine_batches_refused_total counter\nanjian_engine_batches_refused_total %llu\n",
            (unsigned long long)es.batches_refused);
        put(&b,
            "# HELP anjian_alarm_entries_total Alarm journal entries made.\n"
            "# TYPE anjian_alarm_entries_total counter\nanjian_alarm_entries_total %llu\n",
            (unsigned long long)es.alarm_entries);
        put(&b,
            "# HELP anjian_engine_queue_depth Batches waiting for the engine.\n"
            "# TYPE anjian_engine_queue_depth gauge\nanjian_engine_queue_depth %d\n"
            "# HELP anjian_engine_tags Tags the engine holds state for.\n"
            "# TYPE anjian_engine_tags gauge\nanjian_engine_tags %d\n",
            es.queue_depth, es.n_tags);
        aj_engine_reason_stats_t rs;
        aj_engine_reason_stats(app->engine, &rs);
        put(&b,
            "# HELP anjian_reasoner_modes Failure modes loaded from the rules.\n"
            "# TYPE anjian_reasoner_modes gauge\nanjian_reasoner_modes %d\n"
            "# HELP anjian_reasoner_instances Failure modes bound to assets and zones.\n"
            "# TYPE anjian_reasoner_instances gauge\nanjian_reasoner_instances %d\n"
            "# HELP anjian_reasoner_ticks_total Ticks (5 s of event time) evaluated.\n"
            "# TYPE anjian_reasoner_ticks_total counter\nanjian_reasoner_ticks_total %llu\n"
            "# HELP anjian_incidents_opened_total Incidents opened by the reasoner.\n"
            "# TYPE anjian_incidents_opened_total counter\nanjian_incidents_opened_total %llu\n",
            rs.modes, rs.instances, (unsigned long long)rs.ticks, (unsigned long long)rs.incidents_opened);
    }
    if (m->mqtt) {
        aj_mqtt_stats ms;
        aj_mqtt_stats_get(m->mqtt, &ms);
        put(&b,
            "# HELP anjian_mqtt_connected 1 while the MQTT subscriber is connected to its broker.\n"
            "# TYPE anjian_mqtt_connected gauge\nanjian_mqtt_connected %d\n",
            ms.is_connected ? 1 : 0);
        put(&b, "# HELP anjian_mqtt_messages_total MQTT messages received, and those with rejections.\n"
                "# TYPE anjian_mqtt_messages_total counter\n");
        put(&b, "anjian_mqtt_messages_total %llu\n", (unsigned long long)ms.messages);
        put(&b, "anjian_mqtt_messages_rejected_total %llu\n", (unsigned long long)ms.messages_rejected);
        put(&b, "# HELP anjian_mqtt_points_total Points from MQTT by result.\n# TYPE "
                "anjian_mqtt_points_total counter\n");
        put(&b, "anjian_mqtt_points_total{result=\"accepted\"} %llu\n",
            (unsigned long long)ms.points_accepted);
        put(&b, "anjian_mqtt_points_total{result=\"rejected\"} %llu\n",
            (unsigned long long)ms.points_rejected);
        put(&b,
            "# HELP anjian_mqtt_reconnects_total Connections to the broker after the first.\n"
            "# TYPE anjian_mqtt_reconnects_total counter\nanjian_mqtt_reconnects_total %llu\n",
            (unsigned long long)ms.reconnects);
        put(&b,
            "# HELP anjian_mqtt_queue_full_waits_total Waits for a full engine queue (back-pressure).\n"
            "# TYPE anjian_mqtt_queue_full_waits_total counter\nanjian_mqtt_queue_full_waits_total %llu\n",
            (unsigned long long)ms.queue_full_waits);
    }
    if (m->adapters) {
        aj_adapters_read_lock(m->adapters);
        for (int p = 0; p < AJ_PROTO_COUNT; p++) {
            bool is_first = true;
            for (int i = 0; i < aj_adapters_count(m->adapters); i++) {
                const aj_adapter *ad = aj_adapters_get(m->adapters, i);
                if ((int)ad->proto != p) continue;
                /* stored maps: an enterprise label (file-set adapters keep their plain series) */
                char ent[96] = "";
                if (!ad->is_from_file) snprintf(ent, sizeof ent, ",enterprise=\"%s\"", ad->enterprise);
                if (ad->modbus)
                    put_modbus(&b, ad->modbus, ent, is_first);
                else if (ad->opcua)
                    put_opcua(&b, ad->opcua, ent, is_first);
                else if (ad->sparkplug)
                    put_sparkplug(&b, ad->sparkplug, ent, is_first);
                else
                    continue;
                is_first = false;
            }
        }
        aj_adapters_unlock(m->adapters);
    }
    *len = b.len;
    return b.data;
}
