/* metrics.h — request counters for GET /metrics (Prometheus text format).
 * Counters are per route and status class, updated with relaxed atomics. */
#ifndef AJ_METRICS_H
#define AJ_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define AJ_METRICS_ROUTES 128 /* route table entries tracked; the last slot counts "other" */

typedef struct aj_metrics {
    atomic_uint_fast64_t requests[AJ_METRICS_ROUTES][5]; /* by status class 1xx..5xx */
    atomic_uint_fast64_t latency_us_sum[AJ_METRICS_ROUTES];
    atomic_uint_fast64_t static_files;
    atomic_uint_fast64_t logins_ok, logins_failed, logins_throttled;
    atomic_int in_flight;
    struct aj_mqtt *mqtt;      /* the MQTT subscriber, or NULL; set before the server starts */
    struct aj_adapters *adapters; /* Modbus, OPC UA, Sparkplug B adapters, or NULL; set before the server starts */
} aj_metrics;

struct aj_app;
void aj_metrics_count(aj_metrics *m, int route_index, int status, int64_t latency_us);
/* Renders the exposition text; caller frees. */
char *aj_metrics_render(struct aj_app *app, size_t *len);

#endif
