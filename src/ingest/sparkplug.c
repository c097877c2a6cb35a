/* sparkplug.c — the Sparkplug B host application: libmosquitto client -> topic and payload
 * decoding -> session state machine -> aj_engine_submit() (sparkplug.h, docs/sparkplug.md).
 *
 * Ownership and threads: the aj_sparkplug owns the map, the per-metric runtime state, the
 * sessions and the alias tables. One thread ("the loop thread") owns the mosquitto client
 * and is the only one that touches the sessions, alias tables and metric state; it runs
 * every callback. The HTTP threads read connection snapshots under status_lock and the
 * atomic counters. The map never changes after start.
 *
 * Connection (loop thread), as in src/ingest/mqtt.c:
 *
 *     DOWN --connect ok--> UP --CONNACK--> subscribe spBv1.0/<group>/# (+ our STATE topic)
 *      ^                    |     --SUBACK--> publish STATE online, ask every node not ONLINE
 *      |                    |                 for a rebirth
 *      +--- loop error -----+  (every live tag: bad, communication loss; sessions wait for a birth)
 *
 * One message (on_message): topic -> mapped edge node (else counted, ignored) -> payload ->
 * aj_sp_session_step() -> the actions: rebirth request (paced by aj_sp_rebirth_due), new
 * alias table for a birth, values of the mapped metrics as points, bad points for a death.
 * A point's event time is the metric's timestamp, else the payload's, else the arrival time.
 * Bad points of a death or of a lost broker are stamped with the arrival time (a will's own
 * timestamp is from when the edge node connected), and never earlier than the tag's last
 * point here, so the engine does not drop them as late.
 *
 * "Live" metrics: a mapped metric whose last point here was a value (good or bad from the
 * source). Deaths turn exactly the live metrics of the node (and its devices) or the device
 * bad and make them not live; the next birth makes them live again.
 */
#include "ingest/sparkplug.h"
#include "base/fileread.h"
#include "ingest/rate.h"

#include "base/jsoncheck.h"
#include "base/jsonutil.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "ingest/mqtt.h"
#include "sparkplug/payload.h"
#include "sparkplug/topic.h"

#include <errno.h>
#include <jansson.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARN_WINDOW_MS     10000
#define SUBMIT_WAIT_MS     10
#define SUBMIT_WAIT_MS_MAX 500

/* Runtime state of one mapped metric (loop thread only). */
typedef struct metric_rt {
    int64_t tag_id;
    uint32_t datatype; /* declared by the last birth of its owner; 0: not in it */
    bool is_live;
    double last_value;
    aj_value_type last_type;
    int64_t last_t_ns; /* event time of its last point here; INT64_MIN: none */
    bool has_warned;   /* a value of it was skipped and logged (once per run) */
} metric_rt;

/* One edge node or device of the map: a row of GET /connections. */
typedef struct entry {
    int node;              /* index into map->nodes */
    int device;            /* index into map->devices; -1 for the node itself */
    aj_sp_aliases aliases; /* of its last birth (loop thread only) */
    /* guarded by status_lock */
    aj_sparkplug_status status;
    aj_rate rate;
} entry;

struct aj_sparkplug {
    aj_sp_map *map;
    metric_rt *metrics; /* by map metric */
    entry *entries;     /* nodes in map order, each followed by its devices */
    int n_entries;
    int *node_entry;                    /* map node -> entry */
    int *device_entry;                  /* map device -> entry */
    aj_sp_node_session *sessions;       /* by map node */
    aj_sp_device_session *dev_sessions; /* by map device (each node's slice is its session's) */
    aj_point *pts;
    size_t pts_cap;
    struct aj_engine *engine;

    struct mosquitto *mosq;
    char host[256];
    int port;
    char host_id[AJ_SP_ID_LEN_MAX + 1];
    char state_topic[AJ_SP_TOPIC_LEN_MAX + 1]; /* "" without a host id */
    char **topics;                             /* subscriptions */
    int n_topics;

    pthread_t thread;
    bool has_thread;
    pthread_mutex_t lock; /* guards nothing but the wake-up condition */
    pthread_cond_t wake;  /* signalled by aj_sparkplug_stop() */
    atomic_bool is_stopping;
    pthread_mutex_t status_lock;

    /* loop thread only */
    bool has_connected;
    bool is_up;
    bool has_session; /* connected since the last connection_lost() */
    int reconnect_ms;
    int sub_mid;
    int64_t state_ts_ms; /* timestamp of this connection's STATE messages */
    int state_offline_mid;
    bool is_state_offline_acked;
    int64_t warn_window_ms;
    int n_warnings, n_warnings_suppressed;

    atomic_uint_fast64_t n_messages, n_rejected, n_unmapped, n_points, n_dropped, n_gaps, n_rebirths,
        n_reconnects;
    atomic_bool is_connected;
};

/* ---- helpers ---------------------------------------------------------------------------- */

/* Sleeps ms or until aj_sparkplug_stop() is called. */
static void wait_ms(aj_sparkplug *s, int ms) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&s->lock);
    while (!atomic_load(&s->is_stopping))
        if (pthread_cond_timedwait(&s->wake, &s->lock, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&s->lock);
}

/* A warning, at most AJ_SPARKPLUG_WARNINGS_PER_WINDOW per 10 s (a misbehaving edge node must
 * not flood the log); the rest are counted and summed up once the window is over. */
static void warn(aj_sparkplug *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(aj_sparkplug *s, const char *fmt, ...) {
    int64_t now = aj_time_mono_ms();
    if (now - s->warn_window_ms >= WARN_WINDOW_MS) {
        if (s->n_warnings_suppressed)
            aj_warn("sparkplug: %d more warning(s) in the last %d s not shown", s->n_warnings_suppressed,
                    WARN_WINDOW_MS / 1000);
        s->warn_window_ms = now;
        s->n_warnings = s->n_warnings_suppressed = 0;
    }
    if (s->n_warnings++ >= AJ_SPARKPLUG_WARNINGS_PER_WINDOW) {
        s->n_warnings_suppressed++;
        return;
    }
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    aj_warn("sparkplug: %s", text);
}

/* "group/node" or "group/node/device" of entry e, for logs. */
static const char *entry_name(const aj_sparkplug *s, const entry *e, char *buf, size_t size) {
    const aj_sp_map_node *n = &s->map->nodes[e->node];
    if (e->device < 0)
        snprintf(buf, size, "%s/%s", n->group, n->node);
    else
        snprintf(buf, size, "%s/%s/%s", n->group, n->node, s->map->devices[e->device].device);
    return buf;
}

/* Records a problem of entry e (GET /connections) and, when should_log, logs it
 * (rate-limited). */
static void entry_problem(aj_sparkplug *s, entry *e, bool should_log, const char *fmt, va_list ap) {
    char text[AJ_SP_ERROR_TEXT_MAX], name[AJ_SP_TOPIC_LEN_MAX];
    vsnprintf(text, sizeof text, fmt, ap);
    pthread_mutex_lock(&s->status_lock);
    snprintf(e->status.last_error, sizeof e->status.last_error, "%s", text);
    e->status.last_error_ms = aj_time_now_ms();
    pthread_mutex_unlock(&s->status_lock);
    if (should_log) warn(s, "%s: %s", entry_name(s, e, name, sizeof name), text);
}

static void entry_error(aj_sparkplug *s, entry *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void entry_error(aj_sparkplug *s, entry *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    entry_problem(s, e, true, fmt, ap);
    va_end(ap);
}

/* The same, logged only when should_log (a problem that repeats with every message). */
static void entry_error_once(aj_sparkplug *s, entry *e, bool should_log, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void entry_error_once(aj_sparkplug *s, entry *e, bool should_log, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    entry_problem(s, e, should_log, fmt, ap);
    va_end(ap);
}

/* Copies the session states of node n (and its devices) into their status rows. */
static void publish_states(aj_sparkplug *s, int n) {
    const aj_sp_node_session *ns = &s->sessions[n];
    const aj_sp_map_node *mn = &s->map->nodes[n];
    pthread_mutex_lock(&s->status_lock);
    entry *e = &s->entries[s->node_entry[n]];
    e->status.state = ns->state;
    e->status.has_bd_seq = ns->has_bd_seq;
    e->status.bd_seq = ns->bd_seq;
    for (int d = 0; d < mn->n_devices; d++) {
        entry *de = &s->entries[s->device_entry[mn->first_device + d]];
        de->status.state = ns->devices[d].state;
        de->status.has_bd_seq = ns->has_bd_seq;
        de->status.bd_seq = ns->bd_seq;
    }
    pthread_mutex_unlock(&s->status_lock);
}

/* ---- points ------------------------------------------------------------------------------ */

/* Hands n points of entry e to the engine, waiting a little while its queue is full. */
static void submit(aj_sparkplug *s, entry *e, size_t n) {
    if (n == 0) return;
    int wait = SUBMIT_WAIT_MS;
    aj_err err = AJ_OK;
    for (int i = 0;; i++) {
        err = aj_engine_submit(s->engine, s->pts, n);
        if (err != AJ_EUNAVAILABLE || i + 1 >= AJ_SPARKPLUG_SUBMIT_TRIES || atomic_load(&s->is_stopping))
            break;
        wait_ms(s, wait);
        wait = wait * 2 > SUBMIT_WAIT_MS_MAX ? SUBMIT_WAIT_MS_MAX : wait * 2;
    }
    int64_t now = aj_time_mono_ms();
    pthread_mutex_lock(&s->status_lock);
    if (err) {
        e->status.points_dropped += n;
    } else {
        e->status.points += n;
        aj_rate_add(&e->rate, n, now);
    }
    pthread_mutex_unlock(&s->status_lock);
    if (err) {
        atomic_fetch_add(&s->n_dropped, n);
        char name[AJ_SP_TOPIC_LEN_MAX];
        warn(s, "%s: %zu point(s) not taken by the engine: %s", entry_name(s, e, name, sizeof name), n,
             aj_err_name(err));
    } else {
        atomic_fetch_add(&s->n_points, n);
    }
}

/* Appends a bad point (communication loss) for every live metric in [first, first + n). */
static size_t lose_metrics(aj_sparkplug *s, int first, int n, int64_t now_ns, size_t k) {
    for (int i = first; i < first + n; i++) {
        metric_rt *rt = &s->metrics[i];
        if (!rt->is_live) continue;
        int64_t t = rt->last_t_ns != INT64_MIN && rt->last_t_ns >= now_ns ? rt->last_t_ns + 1 : now_ns;
        s->pts[k++] = (aj_point){.tag_id = rt->tag_id,
                                 .t_ns = t,
                                 .value = rt->last_value,
                                 .type = rt->last_type,
                                 .quality = AJ_QUALITY_BAD,
                                 .quality_reasons = AJ_QR_COMM_LOSS};
        rt->is_live = false;
        rt->last_t_ns = t;
    }
    return k;
}

/* Device d (map index) lost: its live tags bad. */
static void device_lost(aj_sparkplug *s, int d, int64_t now_ns) {
    const aj_sp_map_device *md = &s->map->devices[d];
    size_t k = lose_metrics(s, md->first_metric, md->n_metrics, now_ns, 0);
    submit(s, &s->entries[s->device_entry[d]], k);
}

/* Node n lost: its live tags and those of its devices bad. */
static void node_lost(aj_sparkplug *s, int n, int64_t now_ns) {
    const aj_sp_map_node *mn = &s->map->nodes[n];
    size_t k = lose_metrics(s, mn->first_metric, mn->n_metrics, now_ns, 0);
    submit(s, &s->entries[s->node_entry[n]], k);
    for (int d = mn->first_device; d < mn->first_device + mn->n_devices; d++) device_lost(s, d, now_ns);
}

/* The broker connection is gone: every session waits for a birth again, live tags go bad. */
static void connection_lost(aj_sparkplug *s) {
    if (!s->has_session) return;
    s->has_session = false;
    int64_t now_ns = aj_time_now_ms() * 1000000;
    for (int n = 0; n < s->map->n_nodes; n++) {
        node_lost(s, n, now_ns);
        aj_sp_session_connection_lost(&s->sessions[n]);
        publish_states(s, n);
    }
}

/* ---- publishing ------------------------------------------------------------------------- */

/* Asks node n for a rebirth when one is due (is_paced: aj_sp_rebirth_due; the requests made on
 * connecting neither wait for nor count towards the pacing, so the first request for data
 * before a birth always goes out); because_of is the entry the reason came from. */
static void request_rebirth(aj_sparkplug *s, int n, entry *because_of, const char *why, bool is_paced) {
    if (is_paced && !aj_sp_rebirth_due(&s->sessions[n], aj_time_now_ms())) return;
    const aj_sp_map_node *mn = &s->map->nodes[n];
    char topic[AJ_SP_TOPIC_LEN_MAX + 1];
    uint8_t *payload = NULL;
    size_t len = 0;
    if (!aj_sp_topic_format(topic, sizeof topic, mn->group, AJ_SP_NCMD, mn->node, NULL) ||
        aj_sp_rebirth_encode((uint64_t)aj_time_now_ms(), &payload, &len))
        return;
    int rc = mosquitto_publish(s->mosq, NULL, topic, (int)len, payload, 0, false);
    free(payload);
    if (rc != MOSQ_ERR_SUCCESS) {
        warn(s, "%s/%s: rebirth request not sent: %s", mn->group, mn->node, mosquitto_strerror(rc));
        return;
    }
    atomic_fetch_add(&s->n_rebirths, 1);
    entry *ne = &s->entries[s->node_entry[n]];
    pthread_mutex_lock(&s->status_lock);
    ne->status.rebirths_requested++;
    if (because_of && because_of != ne) because_of->status.rebirths_requested++;
    pthread_mutex_unlock(&s->status_lock);
    aj_info("sparkplug: %s/%s: rebirth requested (%s)", mn->group, mn->node, why);
}

/* {"online":B,"timestamp":T} on our STATE topic, retained, QoS 1. */
static int publish_state(aj_sparkplug *s, bool is_online, int *mid) {
    char payload[80];
    int len = snprintf(payload, sizeof payload, "{\"online\":%s,\"timestamp\":%lld}",
                       is_online ? "true" : "false", (long long)s->state_ts_ms);
    return mosquitto_publish(s->mosq, mid, s->state_topic, len, payload, 1, true);
}

/* ---- one message -------------------------------------------------------------------------- */

/* The bdSeq metric of an NBIRTH or NDEATH. */
static bool find_bd_seq(const aj_sp_payload *p, uint64_t *out) {
    for (int i = 0; i < p->n_metrics; i++) {
        const aj_sp_metric *m = &p->metrics[i];
        if (!m->name || strcmp(m->name, AJ_SP_BDSEQ_METRIC) != 0) continue;
        if (m->field == AJ_SP_F_LONG)
            *out = m->raw.u64;
        else if (m->field == AJ_SP_F_INT)
            *out = m->raw.u32;
        else
            return false;
        return true;
    }
    return false;
}

/* A birth of the node (device -1) or device: its aliases and datatypes replace the old. */
static void take_birth(aj_sparkplug *s, int n, int device, entry *e, const aj_sp_payload *p) {
    int first = device < 0 ? s->map->nodes[n].first_metric : s->map->devices[device].first_metric;
    int count = device < 0 ? s->map->nodes[n].n_metrics : s->map->devices[device].n_metrics;
    for (int i = first; i < first + count; i++) s->metrics[i].datatype = 0;
    aj_sp_aliases_reset(&e->aliases);
    bool is_full = false;
    for (int i = 0; i < p->n_metrics; i++) {
        const aj_sp_metric *m = &p->metrics[i];
        if (m->invalid || !m->name) continue;
        int target = aj_sp_map_find_metric(s->map, n, device, m->name);
        if (target >= 0) s->metrics[target].datatype = m->datatype;
        if (m->has_alias && !is_full && aj_sp_aliases_add(&e->aliases, m->alias, target) != AJ_OK)
            is_full = true;
    }
    if (is_full) entry_error(s, e, "birth: aliases not all kept (out of memory)");
    if (!aj_sp_aliases_finish(&e->aliases))
        entry_error(s, e, "birth: two metrics share an alias (the first is used)");
}

/* The point of metric m (target: mapped metric) of payload p into s->pts[k]; false: no point. */
static bool metric_point(aj_sparkplug *s, entry *e, const aj_sp_payload *p, const aj_sp_metric *m, int target,
                         int64_t now_ms, size_t k) {
    metric_rt *rt = &s->metrics[target];
    uint32_t datatype = m->datatype ? m->datatype : rt->datatype;
    aj_sp_reading r = aj_sp_metric_read(datatype, m);
    if (r.skip != AJ_SP_SKIP_NONE && r.skip != AJ_SP_SKIP_NULL) {
        const aj_sp_map_metric *mm = &s->map->metrics[target];
        entry_error_once(s, e, !rt->has_warned, "metric \"%.80s\" (%s): %s%s%s", mm->name,
                         aj_sp_datatype_name(datatype), aj_sp_skip_text(r.skip), m->invalid ? ": " : "",
                         m->invalid ? m->invalid : "");
        rt->has_warned = true;
    }
    if (!r.is_point) return false;
    int64_t t_ms = m->has_timestamp   ? (int64_t)m->timestamp_ms
                   : p->has_timestamp ? (int64_t)p->timestamp_ms
                                      : now_ms;
    int64_t t_ns = t_ms * 1000000;
    s->pts[k] = (aj_point){.tag_id = rt->tag_id,
                           .t_ns = t_ns,
                           .value = r.value,
                           .type = r.type,
                           .quality = r.quality,
                           .quality_reasons = r.quality_reasons};
    rt->is_live = true;
    rt->last_value = r.value;
    rt->last_type = r.type;
    if (rt->last_t_ns == INT64_MIN || t_ns > rt->last_t_ns) rt->last_t_ns = t_ns;
    return true;
}

/* The values of a birth or data message of the node (device -1) or a mapped device. */
static void take_values(aj_sparkplug *s, int n, int device, entry *e, const aj_sp_payload *p) {
    int64_t now_ms = aj_time_now_ms();
    size_t k = 0;
    uint64_t n_unmapped = 0, n_skipped = 0;
    bool has_unknown_alias = false;
    for (int i = 0; i < p->n_metrics; i++) {
        const aj_sp_metric *m = &p->metrics[i];
        int target;
        if (m->name) {
            target = aj_sp_map_find_metric(s->map, n, device, m->name);
        } else if (m->has_alias) {
            target = aj_sp_aliases_find(&e->aliases, m->alias);
            if (target == -2) {
                has_unknown_alias = true;
                entry_error(s, e, "alias %llu is not in the birth", (unsigned long long)m->alias);
                continue;
            }
        } else {
            n_skipped++;
            entry_error(s, e, "a metric with neither name nor alias%s%s", m->invalid ? ": " : "",
                        m->invalid ? m->invalid : "");
            continue;
        }
        if (target < 0) {
            n_unmapped += !m->name || strcmp(m->name, AJ_SP_BDSEQ_METRIC) != 0; /* bdSeq is the protocol's */
            continue;
        }
        if (metric_point(s, e, p, m, target, now_ms, k))
            k++;
        else
            n_skipped++;
    }
    pthread_mutex_lock(&s->status_lock);
    e->status.metrics_unmapped += n_unmapped;
    e->status.metrics_skipped += n_skipped;
    e->status.last_success_ms = now_ms;
    pthread_mutex_unlock(&s->status_lock);
    submit(s, e, k);
    if (has_unknown_alias) request_rebirth(s, n, e, "an alias not in the birth", true);
}

/* Counts a verdict of the session on entry e (and on the node's entry); ev is the message,
 * prev_seq the node's seq before it (-1: none). */
static void note_verdict(aj_sparkplug *s, int n, entry *e, const aj_sp_event *ev, int prev_seq,
                         aj_sp_verdict v) {
    if (v == AJ_SP_V_OK) return;
    entry *ne = &s->entries[s->node_entry[n]];
    pthread_mutex_lock(&s->status_lock);
    if (v == AJ_SP_V_SEQ_GAP) {
        ne->status.seq_gaps++;
        if (e != ne) e->status.seq_gaps++;
    }
    if (v == AJ_SP_V_BD_SEQ_MISMATCH || v == AJ_SP_V_DEATH_UNBORN) ne->status.deaths_ignored++;
    pthread_mutex_unlock(&s->status_lock);
    const char *type = aj_sp_msg_type_name(ev->type);
    unsigned long long seq = ev->seq, bd_seq = ev->bd_seq, birth_bd_seq = s->sessions[n].bd_seq;
    if (v == AJ_SP_V_SEQ_GAP) {
        atomic_fetch_add(&s->n_gaps, 1);
        entry_error(s, e, "%s seq %llu does not follow seq %d: messages were lost", type, seq, prev_seq);
    } else if (v == AJ_SP_V_BD_SEQ_MISMATCH && ev->has_bd_seq) {
        entry_error(s, e, "NDEATH with bdSeq %llu, not the current birth's %llu: ignored", bd_seq,
                    birth_bd_seq);
    } else if (ev->has_seq) {
        entry_error(s, e, "%s seq %llu: %s", type, seq, aj_sp_verdict_text(v));
    } else {
        entry_error(s, e, "%s: %s", type, aj_sp_verdict_text(v));
    }
}

/* A message of mapped node n (device: map index, -1 for the node or a device not in the map). */
static void handle(aj_sparkplug *s, const aj_sp_topic *t, int n, int device, const void *payload,
                   size_t len) {
    if (t->type == AJ_SP_NCMD || t->type == AJ_SP_DCMD) return; /* commands (ours among them) */
    entry *e = &s->entries[device >= 0 ? s->device_entry[device] : s->node_entry[n]];
    pthread_mutex_lock(&s->status_lock);
    e->status.messages++;
    pthread_mutex_unlock(&s->status_lock);
    aj_sp_payload *p = NULL;
    char msg[300];
    aj_err err = aj_sp_payload_decode(payload, len, &p, msg, sizeof msg);
    if (!err && p->is_compressed) {
        snprintf(msg, sizeof msg, "compressed payloads (uuid SPBV1.0_COMPRESSED) are not supported");
        err = AJ_EINVAL;
    }
    if (err) {
        atomic_fetch_add(&s->n_rejected, 1);
        entry_error(s, e, "%s rejected: %s", aj_sp_msg_type_name(t->type), msg);
        aj_sp_payload_free(p);
        return;
    }
    const aj_sp_map_node *mn = &s->map->nodes[n];
    aj_sp_event ev = {.type = t->type,
                      .has_seq = p->has_seq,
                      .seq = p->seq,
                      .device = device >= 0 ? device - mn->first_device : -1};
    if (t->type == AJ_SP_NBIRTH || t->type == AJ_SP_NDEATH) ev.has_bd_seq = find_bd_seq(p, &ev.bd_seq);
    int prev_seq = s->sessions[n].state == AJ_SP_ONLINE ? s->sessions[n].seq : -1;
    aj_sp_decision d = aj_sp_session_step(&s->sessions[n], &ev);
    note_verdict(s, n, e, &ev, prev_seq, d.verdict);
    int64_t now_ns = aj_time_now_ms() * 1000000;
    if (d.actions & AJ_SP_ACT_NODE_LOST) {
        aj_info("sparkplug: %s/%s: NDEATH (bdSeq %llu): edge node offline", mn->group, mn->node,
                (unsigned long long)ev.bd_seq);
        node_lost(s, n, now_ns);
    }
    if ((d.actions & AJ_SP_ACT_DEVICE_LOST) && device >= 0) {
        aj_info("sparkplug: %s/%s/%s: DDEATH: device offline", mn->group, mn->node,
                s->map->devices[device].device);
        device_lost(s, device, now_ns);
    }
    if (d.actions & AJ_SP_ACT_NODE_BIRTH) {
        aj_info("sparkplug: %s/%s: NBIRTH (bdSeq %llu, %d metrics): edge node online", mn->group, mn->node,
                (unsigned long long)ev.bd_seq, p->n_metrics);
        take_birth(s, n, -1, e, p);
    }
    if ((d.actions & AJ_SP_ACT_DEVICE_BIRTH) && device >= 0) take_birth(s, n, device, e, p);
    if ((d.actions & AJ_SP_ACT_TAKE) && (device >= 0 || !aj_sp_msg_type_is_device(t->type)))
        take_values(s, n, device, e, p);
    publish_states(s, n);
    if (d.actions & AJ_SP_ACT_REBIRTH) request_rebirth(s, n, e, aj_sp_verdict_text(d.verdict), true);
    aj_sp_payload_free(p);
}

/* A message on our own STATE topic: an offline STATE of this connection (a will that a broker
 * delivered late) is answered with online again (Sparkplug 3.0 primary host). */
static void own_state(aj_sparkplug *s, const void *payload, size_t len) {
    json_t *doc = NULL;
    char msg[200];
    if (aj_json_parse(payload, len, &doc, msg, sizeof msg)) return;
    json_t *online = json_object_get(doc, "online"), *ts = json_object_get(doc, "timestamp");
    bool is_ours_offline =
        json_is_false(online) && json_is_integer(ts) && json_integer_value(ts) >= s->state_ts_ms;
    json_decref(doc);
    if (is_ours_offline && s->has_session && !atomic_load(&s->is_stopping)) { /* not our own goodbye */
        aj_warn("sparkplug: our STATE says offline: publishing online again");
        publish_state(s, true, NULL);
    }
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg) {
    aj_sparkplug *s = obj;
    atomic_fetch_add(&s->n_messages, 1);
    const char *topic = msg->topic ? msg->topic : "";
    size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    if (s->state_topic[0] && strcmp(topic, s->state_topic) == 0) {
        own_state(s, msg->payload, len);
        return;
    }
    aj_sp_topic t;
    char err[300];
    if (aj_sp_topic_parse(topic, strlen(topic), &t, err, sizeof err)) {
        atomic_fetch_add(&s->n_rejected, 1);
        warn(s, "topic \"%.200s\": %s", topic, err);
        return;
    }
    if (t.type == AJ_SP_STATE) return; /* other hosts' states */
    int n = aj_sp_map_find_node(s->map, t.group, t.node);
    if (n < 0) {
        atomic_fetch_add(&s->n_unmapped, 1);
        return;
    }
    int device = aj_sp_msg_type_is_device(t.type) ? aj_sp_map_find_device(s->map, n, t.device) : -1;
    handle(s, &t, n, device, msg->payload, len);
    (void)mosq;
}

/* ---- connection --------------------------------------------------------------------------- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags) {
    aj_sparkplug *s = obj;
    if (rc != 0) {
        aj_error("sparkplug: broker %s:%d refused the connection: %s", s->host, s->port,
                 mosquitto_connack_string(rc));
        return;
    }
    s->reconnect_ms = AJ_SPARKPLUG_RECONNECT_MS_MIN;
    if (s->has_connected) atomic_fetch_add(&s->n_reconnects, 1);
    s->has_connected = true;
    s->has_session = true;
    atomic_store(&s->is_connected, true);
    aj_info("sparkplug: connected to %s:%d", s->host, s->port);
    int sub = mosquitto_subscribe_multiple(mosq, &s->sub_mid, s->n_topics, s->topics, 1, 0, NULL);
    if (sub != MOSQ_ERR_SUCCESS) aj_error("sparkplug: subscribing failed: %s", mosquitto_strerror(sub));
    (void)flags;
}

/* Subscribed: now edge nodes may learn that we are here (STATE online) and be asked for births. */
static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int n_granted, const int *granted) {
    aj_sparkplug *s = obj;
    if (mid != s->sub_mid) return;
    for (int i = 0; i < n_granted && i < s->n_topics; i++)
        if (granted[i] > 2)
            aj_error("sparkplug: the broker refused the subscription to \"%s\"", s->topics[i]);
    if (s->state_topic[0]) {
        int rc = publish_state(s, true, NULL);
        if (rc != MOSQ_ERR_SUCCESS)
            aj_error("sparkplug: publishing STATE failed: %s", mosquitto_strerror(rc));
    }
    for (int n = 0; n < s->map->n_nodes; n++)
        if (s->sessions[n].state != AJ_SP_ONLINE)
            request_rebirth(s, n, NULL, "connected to the broker", false);
    (void)mosq;
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid) {
    aj_sparkplug *s = obj;
    if (s->state_offline_mid && mid == s->state_offline_mid) s->is_state_offline_acked = true;
    (void)mosq;
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc) {
    aj_sparkplug *s = obj;
    atomic_store(&s->is_connected, false);
    if (rc != 0 && !atomic_load(&s->is_stopping)) {
        aj_warn("sparkplug: connection to %s:%d lost", s->host, s->port);
        connection_lost(s);
    }
    (void)mosq;
}

/* The will (STATE offline) of the next connection, with its timestamp. */
static void set_will(aj_sparkplug *s) {
    s->state_ts_ms = aj_time_now_ms();
    if (!s->state_topic[0]) return;
    char payload[80];
    int len =
        snprintf(payload, sizeof payload, "{\"online\":false,\"timestamp\":%lld}", (long long)s->state_ts_ms);
    int rc = mosquitto_will_set(s->mosq, s->state_topic, len, payload, 1, true);
    if (rc != MOSQ_ERR_SUCCESS) aj_error("sparkplug: setting the will failed: %s", mosquitto_strerror(rc));
}

/* Clean stop: STATE offline (acknowledged, or given up after a while), then DISCONNECT. */
static void say_goodbye(aj_sparkplug *s) {
    if (s->state_topic[0] && s->has_session &&
        publish_state(s, false, &s->state_offline_mid) == MOSQ_ERR_SUCCESS) {
        int64_t deadline = aj_time_mono_ms() + AJ_SPARKPLUG_STOP_WAIT_MS;
        while (!s->is_state_offline_acked && aj_time_mono_ms() < deadline)
            if (mosquitto_loop(s->mosq, 50, 1) != MOSQ_ERR_SUCCESS) break;
    }
    mosquitto_disconnect(s->mosq);
    for (int i = 0; i < 20 && mosquitto_loop(s->mosq, 50, 1) == MOSQ_ERR_SUCCESS; i++) continue;
}

static void *run(void *arg) {
    aj_sparkplug *s = arg;
    set_will(s);
    int rc = mosquitto_connect(s->mosq, s->host, s->port, AJ_SPARKPLUG_KEEPALIVE_S);
    s->is_up = rc == MOSQ_ERR_SUCCESS;
    if (!s->is_up)
        aj_warn("sparkplug: cannot connect to %s:%d (%s); retrying", s->host, s->port,
                rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
    while (!atomic_load(&s->is_stopping)) {
        if (!s->is_up) {
            wait_ms(s, s->reconnect_ms);
            if (atomic_load(&s->is_stopping)) break;
            s->reconnect_ms = s->reconnect_ms * 2 > AJ_SPARKPLUG_RECONNECT_MS_MAX
                                  ? AJ_SPARKPLUG_RECONNECT_MS_MAX
                                  : s->reconnect_ms * 2;
            set_will(s);
            rc = mosquitto_reconnect(s->mosq);
            s->is_up = rc == MOSQ_ERR_SUCCESS;
            if (!s->is_up)
                aj_debug("sparkplug: reconnecting to %s:%d failed (%s); next try in %d ms", s->host, s->port,
                         rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc), s->reconnect_ms);
            continue;
        }
        rc = mosquitto_loop(s->mosq, 200, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            s->is_up = false;
            atomic_store(&s->is_connected, false);
            aj_debug("sparkplug: network loop: %s",
                     rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
            connection_lost(s);
        }
    }
    if (s->is_up) say_goodbye(s);
    atomic_store(&s->is_connected, false);
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static aj_err check_settings(aj_sparkplug *s, const aj_config *cfg, char *err, size_t errlen) {
    if (!aj_mqtt_url_parse(cfg->sparkplug_url, s->host, sizeof s->host, &s->port)) {
        snprintf(err, errlen, "sparkplug-url: \"%s\" is not mqtt://host[:port] (TLS is not supported yet)",
                 cfg->sparkplug_url);
        return AJ_EINVAL;
    }
    if (!cfg->sparkplug_enterprise[0]) {
        snprintf(
            err, errlen,
            "sparkplug-enterprise: required with sparkplug-url (the enterprise whose tags the map feeds)");
        return AJ_EINVAL;
    }
    size_t len = strlen(cfg->sparkplug_host_id);
    if (len && !aj_sp_id_ok(cfg->sparkplug_host_id, len)) {
        snprintf(err, errlen,
                 "sparkplug-host-id: \"%s\" is not a Sparkplug host id (1 to %d bytes, no '/', '+', '#' or "
                 "control "
                 "characters)",
                 cfg->sparkplug_host_id, AJ_SP_ID_LEN_MAX);
        return AJ_EINVAL;
    }
    snprintf(s->host_id, sizeof s->host_id, "%s", cfg->sparkplug_host_id);
    if (len) snprintf(s->state_topic, sizeof s->state_topic, AJ_SP_NAMESPACE "/STATE/%s", s->host_id);
    if (cfg->sparkplug_password_file[0] && !cfg->sparkplug_user[0]) {
        snprintf(err, errlen, "sparkplug-password-file: needs sparkplug-user");
        return AJ_EINVAL;
    }
    return AJ_OK;
}

/* Tag ids of every mapped metric, in the enterprise. */
static aj_err resolve_tags(aj_sparkplug *s, const aj_config *cfg, aj_store *store, const char *what,
                           char *err, size_t errlen) {
    aj_db *db = aj_store_acquire(store);
    int64_t enterprise_id = 0;
    aj_err e = aj_db_query_int(db, "SELECT id FROM enterprises WHERE code = ?",
                               (aj_val[]){AJ_VTEXT(cfg->sparkplug_enterprise)}, 1, &enterprise_id);
    if (e == AJ_ENOTFOUND)
        snprintf(err, errlen, "sparkplug-enterprise: no enterprise with code \"%s\"",
                 cfg->sparkplug_enterprise);
    else if (e)
        snprintf(err, errlen, "sparkplug-enterprise: lookup failed: %s", aj_db_errmsg(db));
    for (int i = 0; !e && i < s->map->n_metrics; i++) {
        const aj_sp_map_metric *mm = &s->map->metrics[i];
        e = aj_engine_resolve(s->engine, db, enterprise_id, mm->tag, &s->metrics[i].tag_id);
        if (e) {
            char path[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
            aj_sp_map_path(s->map, mm->node, mm->device, path);
            if (e == AJ_ENOTFOUND)
                snprintf(
                    err, errlen,
                    "%s: %s.metrics[\"%s\"]: no tag \"%s\" in enterprise \"%s\" (register the tag first)",
                    what, path, aj_jc_quote(mm->name, q), mm->tag, cfg->sparkplug_enterprise);
            else
                snprintf(err, errlen, "%s: %s.metrics[\"%s\"]: lookup of \"%s\" failed: %s", what, path,
                         aj_jc_quote(mm->name, q), mm->tag, aj_err_name(e));
        }
    }
    aj_store_release(store, db);
    return e;
}

/* Entries, sessions, metric state, points buffer and subscriptions for the map. */
static aj_err build(aj_sparkplug *s) {
    const aj_sp_map *m = s->map;
    s->n_entries = m->n_nodes + m->n_devices;
    s->entries = calloc((size_t)s->n_entries, sizeof *s->entries);
    s->node_entry = calloc((size_t)m->n_nodes, sizeof *s->node_entry);
    s->device_entry = calloc((size_t)(m->n_devices ? m->n_devices : 1), sizeof *s->device_entry);
    s->sessions = calloc((size_t)m->n_nodes, sizeof *s->sessions);
    s->dev_sessions = calloc((size_t)(m->n_devices ? m->n_devices : 1), sizeof *s->dev_sessions);
    s->metrics = calloc((size_t)(m->n_metrics ? m->n_metrics : 1), sizeof *s->metrics);
    s->pts_cap = (size_t)(m->n_metrics > AJ_SP_METRICS_MAX ? m->n_metrics : AJ_SP_METRICS_MAX);
    s->pts = calloc(s->pts_cap, sizeof *s->pts);
    s->n_topics = m->n_groups + (s->state_topic[0] ? 1 : 0);
    s->topics = calloc((size_t)s->n_topics, sizeof *s->topics);
    if (!s->entries || !s->node_entry || !s->device_entry || !s->sessions || !s->dev_sessions ||
        !s->metrics || !s->pts || !s->topics)
        return AJ_ENOMEM;
    int64_t now = aj_time_mono_ms();
    int k = 0;
    for (int n = 0; n < m->n_nodes; n++) {
        const aj_sp_map_node *mn = &m->nodes[n];
        s->node_entry[n] = k;
        s->entries[k++] = (entry){.node = n,
                                  .device = -1,
                                  .rate = {.start_ms = now},
                                  .status = {.group = mn->group, .node = mn->node}};
        s->sessions[n].devices = &s->dev_sessions[mn->first_device];
        s->sessions[n].n_devices = mn->n_devices;
        for (int d = mn->first_device; d < mn->first_device + mn->n_devices; d++) {
            s->device_entry[d] = k;
            s->entries[k++] =
                (entry){.node = n,
                        .device = d,
                        .rate = {.start_ms = now},
                        .status = {.group = mn->group, .node = mn->node, .device = m->devices[d].device}};
        }
    }
    for (int i = 0; i < m->n_metrics; i++) s->metrics[i].last_t_ns = INT64_MIN;
    for (int g = 0; g < m->n_groups; g++) {
        size_t size = strlen(m->groups[g]) + sizeof AJ_SP_NAMESPACE + 3;
        if (!(s->topics[g] = malloc(size))) return AJ_ENOMEM;
        snprintf(s->topics[g], size, AJ_SP_NAMESPACE "/%s/#", m->groups[g]);
    }
    if (s->state_topic[0] && !(s->topics[m->n_groups] = strdup(s->state_topic))) return AJ_ENOMEM;
    return AJ_OK;
}

/* The password file's first line; errors name the setting. */
static bool read_password_setting(const char *path, char *out, size_t outlen, char *err, size_t errlen) {
    char msg[300];
    if (aj_file_read_secret(path, out, outlen, msg, sizeof msg)) return true;
    snprintf(err, errlen, "sparkplug-password-file %s", msg);
    return false;
}

static aj_err make_client(aj_sparkplug *s, const aj_config *cfg, char *err, size_t errlen) {
    char client_id[sizeof cfg->sparkplug_client_id + 80];
    if (cfg->sparkplug_client_id[0]) {
        snprintf(client_id, sizeof client_id, "%s", cfg->sparkplug_client_id);
    } else {
        char host[64] = "";
        if (gethostname(host, sizeof host - 1) != 0 || !host[0]) snprintf(host, sizeof host, "localhost");
        snprintf(client_id, sizeof client_id, "anjian-sparkplug-%s", host);
    }
    s->mosq = mosquitto_new(client_id, true, s); /* clean session: births carry the whole state */
    if (!s->mosq) {
        snprintf(err, errlen, "sparkplug: cannot create the MQTT client: %s", strerror(errno));
        return errno == ENOMEM ? AJ_ENOMEM : AJ_EINVAL;
    }
    mosquitto_threaded_set(s->mosq, true);
    if (cfg->sparkplug_user[0]) {
        char password[512] = "";
        if (cfg->sparkplug_password_file[0] &&
            !read_password_setting(cfg->sparkplug_password_file, password, sizeof password, err, errlen))
            return AJ_EINVAL;
        int rc = mosquitto_username_pw_set(s->mosq, cfg->sparkplug_user, password[0] ? password : NULL);
        memset(password, 0, sizeof password);
        if (rc != MOSQ_ERR_SUCCESS) {
            snprintf(err, errlen, "sparkplug-user: %s", mosquitto_strerror(rc));
            return AJ_EINVAL;
        }
    }
    mosquitto_connect_with_flags_callback_set(s->mosq, on_connect);
    mosquitto_disconnect_callback_set(s->mosq, on_disconnect);
    mosquitto_subscribe_callback_set(s->mosq, on_subscribe);
    mosquitto_publish_callback_set(s->mosq, on_publish);
    mosquitto_message_callback_set(s->mosq, on_message);
    aj_info("sparkplug: client id \"%s\", %d group(s), %d edge node(s), %d device(s), %d metric(s), host id "
            "\"%s\", "
            "enterprise \"%s\"",
            client_id, s->map->n_groups, s->map->n_nodes, s->map->n_devices, s->map->n_metrics, s->host_id,
            cfg->sparkplug_enterprise);
    return AJ_OK;
}

static void free_host(aj_sparkplug *s) {
    if (s->mosq) mosquitto_destroy(s->mosq);
    for (int i = 0; s->entries && i < s->n_entries; i++) aj_sp_aliases_clear(&s->entries[i].aliases);
    for (int i = 0; s->topics && i < s->n_topics; i++) free(s->topics[i]);
    free(s->topics);
    free(s->entries);
    free(s->node_entry);
    free(s->device_entry);
    free(s->sessions);
    free(s->dev_sessions);
    free(s->metrics);
    free(s->pts);
    aj_sp_map_free(s->map);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->status_lock);
    free(s);
    mosquitto_lib_cleanup();
}

static aj_err start(const aj_config *cfg, aj_sp_map *map, const char *what, aj_store *store,
                    struct aj_engine *engine, aj_sparkplug **out, char *err, size_t errlen) {
    aj_sparkplug *s = calloc(1, sizeof *s);
    if (!s) {
        aj_sp_map_free(map);
        return AJ_ENOMEM;
    }
    s->map = map;
    s->engine = engine;
    s->reconnect_ms = AJ_SPARKPLUG_RECONNECT_MS_MIN;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->status_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    mosquitto_lib_init();
    aj_err e = check_settings(s, cfg, err, errlen);
    if (!e && (e = build(s))) snprintf(err, errlen, "sparkplug: out of memory");
    if (!e) e = resolve_tags(s, cfg, store, what, err, errlen);
    if (!e) e = make_client(s, cfg, err, errlen);
    if (!e && pthread_create(&s->thread, NULL, run, s) != 0) {
        snprintf(err, errlen, "sparkplug: cannot start the thread");
        e = AJ_ENOMEM;
    }
    if (e) {
        free_host(s);
        return e;
    }
    s->has_thread = true;
    *out = s;
    return AJ_OK;
}

aj_err aj_sparkplug_start_map(const aj_config *cfg, aj_sp_map *map, aj_store *store, struct aj_engine *engine,
                              aj_sparkplug **out, char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    if (!map || !aj_sp_map_ok(map)) {
        snprintf(err, errlen, "sparkplug-map: no valid map given");
        aj_sp_map_free(map);
        return AJ_EINVAL;
    }
    return start(cfg, map, "sparkplug-map", store, engine, out, err, errlen);
}

aj_err aj_sparkplug_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_sparkplug **out,
                          char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    if (!cfg->sparkplug_map[0]) {
        snprintf(err, errlen, "sparkplug-map: required with sparkplug-url (which metric feeds which tag)");
        return AJ_EINVAL;
    }
    aj_sp_map *map = NULL;
    char msg[1024];
    aj_err e = aj_sp_map_load(cfg->sparkplug_map, &map, msg, sizeof msg);
    if (e) {
        snprintf(err, errlen, "sparkplug-map: %s", msg);
        return e == AJ_ENOMEM || e == AJ_EIO ? e : e == AJ_ETOOBIG ? AJ_ETOOBIG : AJ_EINVAL;
    }
    char what[sizeof cfg->sparkplug_map + 16];
    snprintf(what, sizeof what, "sparkplug-map %s", cfg->sparkplug_map);
    return start(cfg, map, what, store, engine, out, err, errlen);
}

void aj_sparkplug_stop(aj_sparkplug *s) {
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->is_stopping, true);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->has_thread) pthread_join(s->thread, NULL);
    aj_info("sparkplug: stopped (%llu messages, %llu points taken, %llu rebirth requests)",
            (unsigned long long)atomic_load(&s->n_messages), (unsigned long long)atomic_load(&s->n_points),
            (unsigned long long)atomic_load(&s->n_rebirths));
    free_host(s);
}

int aj_sparkplug_n_connections(const aj_sparkplug *s) {
    return s ? s->n_entries : 0;
}

void aj_sparkplug_connection_status(aj_sparkplug *s, int i, aj_sparkplug_status *out) {
    entry *e = &s->entries[i];
    int64_t now = aj_time_mono_ms();
    pthread_mutex_lock(&s->status_lock);
    *out = e->status;
    out->points_per_second = aj_rate_get(&e->rate, now);
    pthread_mutex_unlock(&s->status_lock);
}

void aj_sparkplug_stats_get(aj_sparkplug *s, aj_sparkplug_stats *out) {
    memset(out, 0, sizeof *out);
    if (!s) return;
    out->is_connected = atomic_load(&s->is_connected);
    out->messages = atomic_load(&s->n_messages);
    out->messages_rejected = atomic_load(&s->n_rejected);
    out->messages_unmapped = atomic_load(&s->n_unmapped);
    out->points = atomic_load(&s->n_points);
    out->points_dropped = atomic_load(&s->n_dropped);
    out->seq_gaps = atomic_load(&s->n_gaps);
    out->rebirths_requested = atomic_load(&s->n_rebirths);
    out->reconnects = atomic_load(&s->n_reconnects);
}
