/* modbus_poll.c — the Modbus TCP poller: register map -> libmodbus reads -> aj_engine_submit().
 *
 * READ-ONLY: this file calls modbus_read_bits, modbus_read_input_bits, modbus_read_registers
 * and modbus_read_input_registers (function codes 1-4) and nothing else that sends a request.
 * No libmodbus write function (FC 5, 6, 15, 16, 22, 23) is ever called, here or anywhere in
 * anjian (docs/modbus.md "Read-only by design"); keep it that way.
 *
 * Ownership: the aj_mb_poll owns the map, the plan, the resolved tag ids and one `device`
 * per map device. Each device has one thread ("its thread") that alone touches its libmodbus
 * context and its scratch buffers; the status block is guarded by the device's mutex and
 * read by the HTTP threads (GET /api/v1/connections, /metrics). The map, the plan and the tag
 * ids never change after start, so every thread reads them without locks.
 *
 * A device thread, per device (docs/modbus.md "Polling"):
 *
 *     CONNECTING --read answered--> CONNECTED --timeout/refused/lost (after retries)--> FAILING
 *         \                             ^                                                 |
 *          \--unreachable-------------->|<-------------------read answered----------------+
 *
 * It sleeps on a condition variable until the earliest group is due (or the poller stops),
 * polls that group — every planned read of it, each with `retries` further attempts after
 * a retryable failure, `backoff_ms` apart — and schedules the group's next poll one interval
 * after the last due time (a poll that overran skips the missed slots rather than bursting).
 * A read that cannot reach the device (timeout, refused, lost) closes the connection and
 * makes the remaining reads of that poll fail at once with the same reason (no more waits);
 * the next poll connects again. An exception fails only its own read. Every point of the
 * poll, good or bad, goes to the engine with the poll's wall-clock time.
 */
#include "ingest/modbus_poll.h"
#include "ingest/rate.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "modbus/plan.h"
#include "modbus/regmap.h"

#include <errno.h>
#include <modbus.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A full engine queue: the poll's points wait 10 ms doubling to 500 ms, this many times
 * (about 2.5 s), then are dropped (the next poll brings fresher values anyway). */
#define SUBMIT_TRIES       8
#define SUBMIT_WAIT_MS     10
#define SUBMIT_WAIT_MS_MAX 500

typedef struct device {
    aj_mb_poll *owner;
    int index; /* into map->devices */
    pthread_t thread;
    bool has_thread;

    /* its thread only (and start/stop while it does not run) */
    modbus_t *ctx;
    bool is_open;
    int *groups; /* indices of the map groups polling this device */
    int n_groups;
    int64_t *next_due_ms;    /* per entry of groups, monotonic clock */
    aj_mb_reading *readings; /* map->n_points, indexed by map point */
    aj_point *pts;           /* the points of one poll, at most map->n_points */
    int last_errno;          /* errno of the last failed libmodbus call */

    pthread_mutex_t lock; /* guards status and the rate window */
    aj_mb_device_status status;
    aj_rate rate;
} device;

struct aj_mb_poll {
    aj_mb_map *map;
    aj_mb_plan *plan;
    int64_t *tag_ids; /* by map point */
    struct aj_engine *engine;
    device *devices; /* map->n_devices */
    int n_devices;

    pthread_mutex_t lock; /* guards nothing but the wake-up condition */
    pthread_cond_t wake;  /* broadcast by aj_mb_poll_stop() */
    atomic_bool is_stopping;
};

const char *aj_mb_device_state_name(aj_mb_device_state state) {
    switch (state) {
    case AJ_MB_CONNECTING:
        return "connecting";
    case AJ_MB_CONNECTED:
        return "connected";
    case AJ_MB_FAILING:
        return "failing";
    }
    return "?";
}

/* ---- clocks and waiting ------------------------------------------------------------- */

/* Sleeps until the monotonic time until_ms or until the poller stops. */
static void wait_until(aj_mb_poll *p, int64_t until_ms) {
    struct timespec until = {.tv_sec = until_ms / 1000, .tv_nsec = (long)(until_ms % 1000) * 1000000L};
    pthread_mutex_lock(&p->lock);
    while (!atomic_load(&p->is_stopping))
        if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&p->lock);
}

/* ---- one read ----------------------------------------------------------------------- */

/* How a libmodbus call that returned -1 with errno e failed. */
static aj_mb_outcome classify(int e) {
    if (e >= EMBXILFUN && e <= EMBXGTAR) return (aj_mb_outcome){AJ_MB_READ_EXCEPTION, e - MODBUS_ENOBASE};
    /* libmodbus does not hand out the code of an exception it does not know */
    if (e == EMBUNKEXC) return (aj_mb_outcome){AJ_MB_READ_EXCEPTION, 255};
    if (e == EMBBADDATA || e == EMBMDATA || e == EMBBADEXC || e == EMBBADCRC || e == EMBBADSLAVE)
        return (aj_mb_outcome){AJ_MB_READ_PROTOCOL, 0};
    if (e == ETIMEDOUT) return (aj_mb_outcome){AJ_MB_READ_TIMEOUT, 0};
    return (aj_mb_outcome){AJ_MB_READ_CONNECTION, 0};
}

/* One attempt of request rq on an open connection: FC 1-4 only. */
static aj_mb_outcome read_once(device *d, const aj_mb_request *rq, uint16_t *regs, uint8_t *bits) {
    int n;
    errno = 0;
    switch (rq->table) {
    case AJ_MB_COIL:
        n = modbus_read_bits(d->ctx, rq->start, rq->count, bits);
        break;
    case AJ_MB_DISCRETE_INPUT:
        n = modbus_read_input_bits(d->ctx, rq->start, rq->count, bits);
        break;
    case AJ_MB_HOLDING:
        n = modbus_read_registers(d->ctx, rq->start, rq->count, regs);
        break;
    default:
        n = modbus_read_input_registers(d->ctx, rq->start, rq->count, regs);
        break;
    }
    if (n == rq->count) return (aj_mb_outcome){AJ_MB_READ_OK, 0};
    d->last_errno = n < 0 ? errno : EMBBADDATA;
    return n < 0 ? classify(errno) : (aj_mb_outcome){AJ_MB_READ_PROTOCOL, 0};
}

static void close_connection(device *d) {
    if (d->is_open) modbus_close(d->ctx);
    d->is_open = false;
}

/* Request rq with the device's retries: connects first when needed. */
static aj_mb_outcome read_with_retries(device *d, const aj_mb_request *rq, uint16_t *regs, uint8_t *bits) {
    aj_mb_poll *p = d->owner;
    const aj_mb_device *dev = &p->map->devices[d->index];
    for (int attempt = 0;; attempt++) {
        aj_mb_outcome o;
        if (!d->is_open && modbus_connect(d->ctx) == -1) {
            d->last_errno = errno;
            bool is_timeout = errno == ETIMEDOUT || errno == EINPROGRESS;
            o = (aj_mb_outcome){is_timeout ? AJ_MB_READ_TIMEOUT : AJ_MB_READ_CONNECTION, 0};
            modbus_close(d->ctx); /* frees the socket of the failed attempt */
        } else {
            d->is_open = true;
            o = read_once(d, rq, regs, bits);
            /* after a timeout a late answer could be taken for the next one: start afresh */
            if (o.failure != AJ_MB_READ_OK && o.failure != AJ_MB_READ_EXCEPTION) close_connection(d);
        }
        if (o.failure == AJ_MB_READ_OK) return o;
        aj_mb_verdict v = aj_mb_outcome_verdict(o);
        if (!v.is_retryable || attempt >= dev->retries || atomic_load(&p->is_stopping)) return o;
        wait_until(p, aj_time_mono_ms() + dev->backoff_ms);
    }
}

/* ---- one poll ----------------------------------------------------------------------- */

static void set_error(device *d, const aj_mb_request *rq, aj_mb_outcome o) {
    const aj_mb_device *dev = &d->owner->map->devices[d->index];
    aj_mb_verdict v = aj_mb_outcome_verdict(o);
    char text[AJ_MB_ERROR_TEXT_MAX];
    if (o.failure == AJ_MB_READ_TIMEOUT)
        snprintf(text, sizeof text, "%s %d-%d: %s (timeout_ms %d)", aj_mb_table_name(rq->table), rq->start,
                 rq->start + rq->count - 1, v.text, dev->timeout_ms);
    else
        snprintf(text, sizeof text, "%s %d-%d: %s (%s)", aj_mb_table_name(rq->table), rq->start,
                 rq->start + rq->count - 1, v.text, modbus_strerror(d->last_errno));
    pthread_mutex_lock(&d->lock);
    bool is_new = strcmp(text, d->status.last_error) != 0;
    snprintf(d->status.last_error, sizeof d->status.last_error, "%s", text);
    d->status.last_error_ms = aj_time_now_ms();
    pthread_mutex_unlock(&d->lock);
    if (is_new) aj_warn("modbus: device \"%s\" (%s:%d): %s", dev->code, dev->host, dev->port, text);
}

/* Hands n points to the engine, waiting a little while its queue is full. */
static void submit(device *d, size_t n) {
    aj_mb_poll *p = d->owner;
    int wait_ms = SUBMIT_WAIT_MS;
    for (int i = 0;; i++) {
        aj_err e = aj_engine_submit(p->engine, d->pts, n);
        if (e == AJ_OK) break;
        if (e != AJ_EUNAVAILABLE || i + 1 >= SUBMIT_TRIES || atomic_load(&p->is_stopping)) {
            aj_warn("modbus: device \"%s\": %zu point(s) of a poll not taken by the engine: %s",
                    p->map->devices[d->index].code, n, aj_err_name(e));
            pthread_mutex_lock(&d->lock);
            d->status.points_dropped += n;
            pthread_mutex_unlock(&d->lock);
            return;
        }
        wait_until(p, aj_time_mono_ms() + wait_ms);
        wait_ms = wait_ms * 2 > SUBMIT_WAIT_MS_MAX ? SUBMIT_WAIT_MS_MAX : wait_ms * 2;
    }
    int64_t now = aj_time_mono_ms();
    pthread_mutex_lock(&d->lock);
    d->status.points += n;
    aj_rate_add(&d->rate, n, now);
    pthread_mutex_unlock(&d->lock);
}

/* Appends the points of request r (decoded into d->readings) to d->pts. */
static size_t add_points(device *d, int r, int64_t t_ns, size_t n) {
    aj_mb_poll *p = d->owner;
    const aj_mb_request *rq = &p->plan->requests[r];
    for (int k = 0; k < rq->n_points; k++) {
        int i = p->plan->points[rq->first + k];
        const aj_mb_reading *rd = &d->readings[i];
        d->pts[n++] =
            (aj_point){.tag_id = p->tag_ids[i],
                       .t_ns = t_ns,
                       .value = rd->value,
                       .type = p->map->points[i].type == AJ_MB_BOOL ? AJ_VALUE_BOOL : AJ_VALUE_FLOAT,
                       .quality = rd->quality,
                       .quality_reasons = rd->quality_reasons};
    }
    return n;
}

static void set_state(device *d, aj_mb_device_state state, bool is_poll_ok) {
    const aj_mb_device *dev = &d->owner->map->devices[d->index];
    pthread_mutex_lock(&d->lock);
    aj_mb_device_state was = d->status.state;
    d->status.state = state;
    if (is_poll_ok) {
        d->status.polls_ok++;
        d->status.last_success_ms = aj_time_now_ms();
    } else {
        d->status.polls_failed++;
    }
    pthread_mutex_unlock(&d->lock);
    if (was != state && state == AJ_MB_CONNECTED)
        aj_info("modbus: device \"%s\" (%s:%d unit %d) connected", dev->code, dev->host, dev->port,
                dev->unit_id);
}

/* Every read of group g, then its points to the engine. */
static void poll_group(device *d, int g) {
    aj_mb_poll *p = d->owner;
    uint16_t regs[AJ_MB_READ_REGISTERS_MAX];
    uint8_t bits[AJ_MB_READ_BITS_MAX];
    int64_t t_ns = aj_time_now_ns();
    bool is_unreachable = false, is_all_ok = true;
    aj_mb_outcome unreachable = {AJ_MB_READ_OK, 0};
    size_t n = 0;
    for (int r = 0; r < p->plan->n_requests; r++) {
        const aj_mb_request *rq = &p->plan->requests[r];
        if (rq->group != g) continue;
        bool is_attempted = !is_unreachable;
        aj_mb_outcome o = is_attempted ? read_with_retries(d, rq, regs, bits) : unreachable;
        if (o.failure == AJ_MB_READ_TIMEOUT || o.failure == AJ_MB_READ_CONNECTION) {
            is_unreachable = true;
            unreachable = o;
        }
        if (o.failure != AJ_MB_READ_OK) {
            is_all_ok = false;
            /* only a read that was sent says what went wrong (the rest of an unreachable
             * poll fail with its reason, unlogged) */
            if (is_attempted) set_error(d, rq, o);
        }
        aj_mb_result result = {.outcome = o, .registers = regs, .bits = bits};
        aj_mb_request_decode(p->map, p->plan, r, &result, d->readings);
        n = add_points(d, r, t_ns, n);
    }
    set_state(d, is_unreachable ? AJ_MB_FAILING : AJ_MB_CONNECTED, is_all_ok);
    if (n) submit(d, n);
}

static void *run(void *arg) {
    device *d = arg;
    aj_mb_poll *p = d->owner;
    int64_t now = aj_time_mono_ms();
    for (int k = 0; k < d->n_groups; k++) d->next_due_ms[k] = now;
    while (!atomic_load(&p->is_stopping)) {
        int k_due = 0;
        for (int k = 1; k < d->n_groups; k++)
            if (d->next_due_ms[k] < d->next_due_ms[k_due]) k_due = k;
        if (d->next_due_ms[k_due] > aj_time_mono_ms()) {
            wait_until(p, d->next_due_ms[k_due]);
            continue;
        }
        int g = d->groups[k_due];
        poll_group(d, g);
        int interval_ms = p->map->groups[g].interval_ms;
        d->next_due_ms[k_due] += interval_ms;
        now = aj_time_mono_ms();
        if (d->next_due_ms[k_due] <= now) d->next_due_ms[k_due] = now + interval_ms; /* overran: skip */
    }
    close_connection(d);
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static aj_err resolve_tags(aj_mb_poll *p, const aj_config *cfg, aj_store *store, char *err, size_t errlen) {
    aj_db *db = aj_store_acquire(store);
    int64_t enterprise_id = 0;
    aj_err e = aj_db_query_int(db, "SELECT id FROM enterprises WHERE code = ?",
                               (aj_val[]){AJ_VTEXT(cfg->modbus_enterprise)}, 1, &enterprise_id);
    if (e == AJ_ENOTFOUND)
        snprintf(err, errlen, "modbus-enterprise: no enterprise with code \"%s\"", cfg->modbus_enterprise);
    else if (e)
        snprintf(err, errlen, "modbus-enterprise: lookup failed: %s", aj_db_errmsg(db));
    for (int i = 0; !e && i < p->map->n_points; i++) {
        const char *key = p->map->points[i].tag;
        e = aj_engine_resolve(p->engine, db, enterprise_id, key, &p->tag_ids[i]);
        if (e == AJ_ENOTFOUND)
            snprintf(err, errlen,
                     "modbus-map %s: $.points[%d].tag: no tag \"%s\" in enterprise \"%s\" (register the tag "
                     "first)",
                     cfg->modbus_map, i, key, cfg->modbus_enterprise);
        else if (e)
            snprintf(err, errlen, "modbus-map %s: $.points[%d].tag: lookup of \"%s\" failed: %s",
                     cfg->modbus_map, i, key, aj_err_name(e));
    }
    aj_store_release(store, db);
    return e;
}

/* The libmodbus context and scratch buffers of device i. */
static aj_err device_init(aj_mb_poll *p, int i, char *err, size_t errlen) {
    device *d = &p->devices[i];
    const aj_mb_device *dev = &p->map->devices[i];
    d->owner = p;
    d->index = i;
    pthread_mutex_init(&d->lock, NULL);
    d->status.code = dev->code;
    d->status.host = dev->host;
    d->status.port = dev->port;
    d->status.unit_id = dev->unit_id;
    aj_rate_start(&d->rate, aj_time_mono_ms());
    for (int g = 0; g < p->map->n_groups; g++) d->n_groups += p->map->groups[g].device == i;
    d->groups = calloc((size_t)(d->n_groups ? d->n_groups : 1), sizeof *d->groups);
    d->next_due_ms = calloc((size_t)(d->n_groups ? d->n_groups : 1), sizeof *d->next_due_ms);
    d->readings = calloc((size_t)p->map->n_points, sizeof *d->readings);
    d->pts = calloc((size_t)p->map->n_points, sizeof *d->pts);
    if (!d->groups || !d->next_due_ms || !d->readings || !d->pts) return AJ_ENOMEM;
    int k = 0;
    for (int g = 0; g < p->map->n_groups; g++)
        if (p->map->groups[g].device == i) d->groups[k++] = g;
    char port[8];
    snprintf(port, sizeof port, "%d", dev->port);
    d->ctx = modbus_new_tcp_pi(dev->host, port);
    if (!d->ctx) {
        snprintf(err, errlen, "modbus: device \"%s\": cannot create the client: %s", dev->code,
                 modbus_strerror(errno));
        return AJ_ENOMEM;
    }
    if (modbus_set_slave(d->ctx, dev->unit_id) == -1) {
        snprintf(err, errlen, "modbus: device \"%s\": libmodbus refuses unit id %d (%s)", dev->code,
                 dev->unit_id, modbus_strerror(errno));
        return AJ_EINVAL;
    }
    modbus_set_response_timeout(d->ctx, (uint32_t)(dev->timeout_ms / 1000),
                                (uint32_t)(dev->timeout_ms % 1000) * 1000u);
    return AJ_OK;
}

static void free_poll(aj_mb_poll *p) {
    for (int i = 0; p->devices && i < p->n_devices; i++) {
        device *d = &p->devices[i];
        if (d->ctx) {
            close_connection(d);
            modbus_free(d->ctx);
        }
        free(d->groups);
        free(d->next_due_ms);
        free(d->readings);
        free(d->pts);
        if (d->owner) pthread_mutex_destroy(&d->lock);
    }
    free(p->devices);
    free(p->tag_ids);
    aj_mb_plan_free(p->plan);
    aj_mb_map_free(p->map);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

static aj_err load(aj_mb_poll *p, const aj_config *cfg, const char *text, size_t len, aj_store *store,
                   char *err, size_t errlen) {
    if (!cfg->modbus_enterprise[0]) {
        snprintf(err, errlen,
                 "modbus-enterprise: required with modbus-map (the enterprise whose tags the map feeds)");
        return AJ_EINVAL;
    }
    char msg[512];
    aj_err e = text ? aj_mb_map_parse(text, len, &p->map, msg, sizeof msg)
                    : aj_mb_map_load(cfg->modbus_map, &p->map, msg, sizeof msg);
    if (e) {
        if (text)
            snprintf(err, errlen, "modbus-map %s: %s", cfg->modbus_map, msg);
        else
            snprintf(err, errlen, "modbus-map: %s", msg);
        return e == AJ_ENOMEM || e == AJ_EIO ? e : AJ_EINVAL;
    }
    if (p->map->n_devices > AJ_MB_POLL_DEVICES_MAX) {
        snprintf(err, errlen, "modbus-map %s: %d devices, more than the %d one server polls", cfg->modbus_map,
                 p->map->n_devices, AJ_MB_POLL_DEVICES_MAX);
        return AJ_ETOOBIG;
    }
    if ((e = aj_mb_plan_build(p->map, &p->plan))) return e;
    p->tag_ids = calloc((size_t)p->map->n_points, sizeof *p->tag_ids);
    p->devices = calloc((size_t)p->map->n_devices, sizeof *p->devices);
    if (!p->tag_ids || !p->devices) return AJ_ENOMEM;
    p->n_devices = p->map->n_devices;
    if ((e = resolve_tags(p, cfg, store, err, errlen))) return e;
    for (int i = 0; i < p->n_devices; i++)
        if ((e = device_init(p, i, err, errlen))) return e;
    return AJ_OK;
}

aj_err aj_mb_poll_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_mb_poll **out,
                        char *err, size_t errlen) {
    return aj_mb_poll_start_text(cfg, NULL, 0, store, engine, out, err, errlen);
}

aj_err aj_mb_poll_start_text(const aj_config *cfg, const char *text, size_t len, aj_store *store,
                             struct aj_engine *engine, aj_mb_poll **out, char *err, size_t errlen) {
    *out = NULL;
    err[0] = 0;
    aj_mb_poll *p = calloc(1, sizeof *p);
    if (!p) return AJ_ENOMEM;
    p->engine = engine;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &attr);
    pthread_condattr_destroy(&attr);
    aj_err e = load(p, cfg, text, len, store, err, errlen);
    for (int i = 0; !e && i < p->n_devices; i++) {
        if (p->devices[i].n_groups == 0) continue; /* a device no group polls */
        if (pthread_create(&p->devices[i].thread, NULL, run, &p->devices[i]) != 0) {
            snprintf(err, errlen, "modbus: cannot start the thread of device \"%s\"",
                     p->map->devices[i].code);
            e = AJ_ENOMEM;
        } else {
            p->devices[i].has_thread = true;
        }
    }
    if (e) {
        aj_mb_poll_stop(p);
        return e;
    }
    aj_info("modbus: polling %d point(s) of %d device(s) in %d read(s) per cycle, enterprise \"%s\"",
            p->map->n_points, p->n_devices, p->plan->n_requests, cfg->modbus_enterprise);
    *out = p;
    return AJ_OK;
}

void aj_mb_poll_stop(aj_mb_poll *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->is_stopping, true);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    uint64_t n_points = 0;
    for (int i = 0; i < p->n_devices; i++) {
        if (p->devices[i].has_thread) pthread_join(p->devices[i].thread, NULL);
        n_points += p->devices[i].status.points;
    }
    if (p->plan) aj_info("modbus: stopped (%llu points taken)", (unsigned long long)n_points);
    free_poll(p);
}

int aj_mb_poll_n_devices(const aj_mb_poll *p) {
    return p ? p->n_devices : 0;
}

void aj_mb_poll_device_status(aj_mb_poll *p, int i, aj_mb_device_status *out) {
    device *d = &p->devices[i];
    int64_t now = aj_time_mono_ms();
    pthread_mutex_lock(&d->lock);
    *out = d->status;
    out->points_per_second = aj_rate_get(&d->rate, now);
    pthread_mutex_unlock(&d->lock);
}
