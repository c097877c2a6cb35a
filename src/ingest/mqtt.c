/* mqtt.c — the MQTT subscriber: libmosquitto client -> parsers -> aj_engine_submit().
 *
 * One thread ("the loop thread") owns the mosquitto client and is the only one that calls
 * into libmosquitto after start; other threads only read the atomic counters and set
 * is_stopping. The client is told it lives in a threaded program (mosquitto_threaded_set),
 * so packets it queues (PUBACK, SUBSCRIBE) are written by the next mosquitto_loop() call
 * on this thread and never from inside a callback.
 *
 * Connection states (loop thread):
 *
 *     DOWN --connect/reconnect ok--> UP --CONNACK accepted--> (subscribed again)
 *      ^  \--refused/failed: wait backoff (0.5 s doubling to 30 s)--> DOWN
 *      +------------- mosquitto_loop() error (lost, refused, protocol) <-- UP
 *
 * Delivery (QoS 1): on_message runs inside mosquitto_loop(); it parses the payload, resolves
 * the keys with a borrowed database connection (given back before waiting on the engine),
 * and calls aj_engine_submit() until the points are durable, sleeping 10 ms doubling to
 * 500 ms while the engine's queue is full. libmosquitto 2.0.11 builds the PUBACK before it
 * calls on_message but only queues it; it is written after on_message returns (docs/mqtt.md
 * has the analysis). When the points cannot be made durable (journal error, database down,
 * stop while the queue stays full), the socket is shut down from inside the callback so
 * that PUBACK never leaves: the broker keeps the message and delivers it again after the
 * reconnect. Bad payloads and unknown keys are logged, counted and acknowledged: sending
 * them again would not make them good.
 */
#include "ingest/mqtt.h"
#include "base/fileread.h"

#include "base/jsonutil.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "ingest/lineproto.h"
#include "ingest/points_json.h"

#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Warnings logged per message (the rest are only counted). */
#define WARNINGS_PER_MESSAGE 5

typedef enum { FORMAT_AUTO, FORMAT_LINE, FORMAT_JSON } payload_format;

struct aj_mqtt {
    struct mosquitto *mosq;
    aj_store *store;
    struct aj_engine *engine;
    int64_t enterprise_id;
    char host[256];
    int port;
    int qos;
    payload_format format;
    char topic_buf[sizeof(((aj_config *)0)->mqtt_topics)];
    char *topics[AJ_MQTT_TOPICS_MAX];
    int n_topics;

    pthread_t thread;
    pthread_mutex_t lock; /* guards nothing but the wake-up condition */
    pthread_cond_t wake;  /* signalled by aj_mqtt_stop() */
    atomic_bool is_stopping;

    /* loop thread only */
    bool has_connected;
    bool is_up;
    int reconnect_ms;
    int64_t stop_deadline_ms;

    atomic_uint_fast64_t n_messages, n_messages_rejected, n_points_accepted, n_points_rejected, n_reconnects,
        n_queue_full_waits;
    atomic_bool is_connected;
};

/* ---- helpers ------------------------------------------------------------------------ */

/* Sleeps ms or until aj_mqtt_stop() is called. */
static void wait_ms(aj_mqtt *m, int ms) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&m->lock);
    while (!atomic_load(&m->is_stopping))
        if (pthread_cond_timedwait(&m->wake, &m->lock, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&m->lock);
}

bool aj_mqtt_url_parse(const char *url, char *host, size_t hostlen, int *port) {
    const char *rest;
    if (strncmp(url, "mqtt://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "tcp://", 6) == 0)
        rest = url + 6;
    else
        return false;
    const char *host_end, *after;
    if (*rest == '[') {
        host_end = strchr(rest, ']');
        if (!host_end) return false;
        rest++;
        after = host_end + 1;
    } else {
        host_end = rest + strcspn(rest, ":/?#@");
        after = host_end;
    }
    size_t len = (size_t)(host_end - rest);
    if (len == 0 || len >= hostlen) return false;
    for (size_t i = 0; i < len; i++) /* no spaces or control bytes in a host name */
        if ((unsigned char)rest[i] <= 0x20 || rest[i] == 0x7f) return false;
    memcpy(host, rest, len);
    host[len] = 0;
    *port = 1883;
    if (*after == ':') {
        if (after[1] < '0' || after[1] > '9') return false; /* digits only: no sign, no space */
        char *end;
        errno = 0;
        long p = strtol(after + 1, &end, 10);
        if (errno || end == after + 1 || p < 1 || p > 65535) return false;
        *port = (int)p;
        after = end;
    }
    if (*after == '/') after++; /* a bare trailing slash is fine */
    return *after == 0;
}

/* Splits cfg->mqtt_topics into m->topics, checking each filter. */
static bool split_topics(aj_mqtt *m, const char *list, char *err, size_t errlen) {
    snprintf(m->topic_buf, sizeof m->topic_buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(m->topic_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ') t++;
        char *end = t + strlen(t);
        while (end > t && end[-1] == ' ') *--end = 0;
        if (!*t) continue;
        if (m->n_topics == AJ_MQTT_TOPICS_MAX) {
            snprintf(err, errlen, "mqtt-topics: more than %d topic filters", AJ_MQTT_TOPICS_MAX);
            return false;
        }
        if (mosquitto_sub_topic_check(t) != MOSQ_ERR_SUCCESS) {
            snprintf(err, errlen, "mqtt-topics: \"%s\" is not a valid MQTT topic filter", t);
            return false;
        }
        m->topics[m->n_topics++] = t;
    }
    if (m->n_topics == 0) {
        snprintf(err, errlen, "mqtt-topics: no topic filter given");
        return false;
    }
    return true;
}

/* ---- one message -------------------------------------------------------------------- */

typedef struct message {
    aj_mqtt *m;
    aj_db *db;
    const char *topic;
    aj_point *pts;
    size_t n, cap;
    int n_rejected;
    int n_warned;
    bool is_transient; /* a failure that a later delivery may not have (database down) */
} message;

static void warn_point(message *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_point(message *g, const char *fmt, ...) {
    g->n_rejected++;
    if (g->n_warned++ >= WARNINGS_PER_MESSAGE) return;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    aj_warn("mqtt: topic \"%.200s\": %s", g->topic, what);
}

static aj_err add_point(message *g, const aj_point *p) {
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        if (cap > AJ_ENGINE_BATCH_POINTS_MAX) cap = AJ_ENGINE_BATCH_POINTS_MAX;
        if (g->n == cap) return AJ_ETOOBIG;
        aj_point *grown = realloc(g->pts, sizeof *grown * cap);
        if (!grown) return AJ_ENOMEM;
        g->pts = grown;
        g->cap = cap;
    }
    g->pts[g->n++] = *p;
    return AJ_OK;
}

/* Resolves key in the configured enterprise, as POST /write does. */
static bool resolve(message *g, const char *key, int64_t *tag_id) {
    aj_err e = aj_engine_resolve(g->m->engine, g->db, g->m->enterprise_id, key, tag_id);
    if (e == AJ_OK) return true;
    if (e == AJ_ENOTFOUND) {
        warn_point(g, "unknown tag key \"%.200s\" (register the tag first)", key);
    } else {
        g->is_transient = true;
        warn_point(g, "tag lookup of \"%.200s\" failed: %s", key, aj_err_name(e));
    }
    return false;
}

static aj_err on_lp_line(void *ctx, const aj_lp_line *line) {
    message *g = ctx;
    for (int f = 0; f < line->n_fields; f++) {
        const aj_lp_field *fd = &line->fields[f];
        char key[AJ_LP_NAME_MAX * 2];
        aj_point p = {.t_ns = line->t_ns, .quality = AJ_QUALITY_GOOD};
        if (!aj_lp_tag_key(line, f, key, sizeof key)) {
            warn_point(g, "line %d field \"%.100s\": tag key too long", line->line_no, fd->key);
            continue;
        }
        if (!aj_lp_field_value(fd, &p.value, &p.type)) {
            warn_point(g, "line %d field \"%.100s\": string fields are not stored as tag values",
                       line->line_no, fd->key);
            continue;
        }
        if (!resolve(g, key, &p.tag_id)) continue;
        aj_err e = add_point(g, &p);
        if (e) return e;
    }
    return AJ_OK;
}

static aj_err on_lp_error(void *ctx, const aj_lp_error *err) {
    message *g = ctx;
    warn_point(g, "line protocol error at line %d, column %d: %s", err->line, err->column, err->reason);
    return AJ_OK;
}

static aj_err on_pj_point(void *ctx, const aj_pj_point *pp) {
    message *g = ctx;
    if (pp->type == AJ_VALUE_STRING) {
        warn_point(g, "$.points[%d]: string values are not stored as tag values", pp->index);
        return AJ_OK;
    }
    aj_point p = {.t_ns = pp->t_ns, .value = pp->f, .type = pp->type, .quality = pp->quality};
    if (pp->quality == AJ_QUALITY_BAD) p.quality_reasons = AJ_QR_SOURCE_BAD;
    if (!resolve(g, pp->key, &p.tag_id)) return AJ_OK;
    return add_point(g, &p);
}

static aj_err on_pj_error(void *ctx, const aj_pj_error *err) {
    message *g = ctx;
    warn_point(g, "JSON points error at %s: %s", err->path, err->reason);
    return AJ_OK;
}

static bool looks_like_json(const char *p, size_t len) {
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    return i < len && (p[i] == '{' || p[i] == '[');
}

/* Parses the payload into g->pts (keys resolved). Returns AJ_OK also when some lines or
 * points were rejected (they are counted in g); another code when nothing could be taken
 * (all of it is then one rejection). */
static aj_err parse_payload(message *g, const char *payload, size_t len) {
    bool is_json =
        g->m->format == FORMAT_JSON || (g->m->format == FORMAT_AUTO && looks_like_json(payload, len));
    if (!is_json) {
        aj_lp_callbacks cb = {.ctx = g, .on_line = on_lp_line, .on_error = on_lp_error};
        int64_t now_ns = aj_time_now_ms() * 1000000;
        aj_err e = aj_lp_parse(payload, len, AJ_LP_NS, now_ns, &cb, NULL);
        return e == AJ_EINVAL ? AJ_OK : e;
    }
    json_t *doc = NULL;
    char msg[200];
    aj_err e = aj_json_parse(payload, len, &doc, msg, sizeof msg);
    if (e) {
        warn_point(g, "%s", msg);
        return AJ_OK;
    }
    if (json_is_array(doc)) { /* a bare array is short for {"points": [...]} */
        json_t *batch = json_pack("{s:o}", "points", doc);
        if (!batch) return AJ_ENOMEM;
        doc = batch;
    }
    aj_pj_callbacks cb = {.ctx = g, .on_point = on_pj_point, .on_error = on_pj_error};
    e = aj_pj_parse(doc, &cb, NULL);
    json_decref(doc);
    if (e == AJ_ETOOBIG) {
        warn_point(g, "more than %d points in one JSON batch: none taken", AJ_PJ_POINTS_MAX);
        return AJ_OK;
    }
    return e == AJ_EINVAL ? AJ_OK : e;
}

/* Makes g's points durable, waiting while the engine's queue is full. False when they could
 * not be (the message must then not be acknowledged). */
static bool submit(message *g) {
    aj_mqtt *m = g->m;
    int retry_ms = AJ_MQTT_RETRY_MS_MIN;
    for (;;) {
        aj_err e = aj_engine_submit(m->engine, g->pts, g->n);
        if (e == AJ_OK) return true;
        if (e != AJ_EUNAVAILABLE) {
            aj_error("mqtt: topic \"%.200s\": %zu point(s) could not be made durable: %s", g->topic, g->n,
                     aj_err_name(e));
            return false;
        }
        atomic_fetch_add(&m->n_queue_full_waits, 1);
        if (atomic_load(&m->is_stopping)) {
            if (!m->stop_deadline_ms) m->stop_deadline_ms = aj_time_now_ms() + AJ_MQTT_STOP_WAIT_MS;
            if (aj_time_now_ms() > m->stop_deadline_ms) {
                aj_warn("mqtt: stopping while the engine's queue stays full: message on \"%.200s\" left with "
                        "the broker",
                        g->topic);
                return false;
            }
            usleep((useconds_t)retry_ms * 1000); /* wait_ms() returns at once when stopping */
        } else {
            wait_ms(m, retry_ms);
        }
        retry_ms = retry_ms * 2 > AJ_MQTT_RETRY_MS_MAX ? AJ_MQTT_RETRY_MS_MAX : retry_ms * 2;
    }
}

/* Ends the connection without writing anything more, so the PUBACK libmosquitto queued
 * for the message being handled never reaches the broker, which delivers it again. */
static void drop_without_ack(aj_mqtt *m) {
    int fd = mosquitto_socket(m->mosq);
    if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg) {
    aj_mqtt *m = obj;
    atomic_fetch_add(&m->n_messages, 1);
    message g = {.m = m, .topic = msg->topic ? msg->topic : ""};
    size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    aj_err e = AJ_OK;
    if (len > AJ_MQTT_PAYLOAD_MAX) {
        warn_point(&g, "payload of %zu bytes is larger than %u", len, AJ_MQTT_PAYLOAD_MAX);
    } else if (len == 0) {
        warn_point(&g, "empty payload");
    } else {
        g.db = aj_store_acquire(m->store);
        e = parse_payload(&g, msg->payload, len);
        aj_store_release(m->store, g.db);
        g.db = NULL;
    }
    if (e == AJ_ENOMEM || g.is_transient) {
        aj_error("mqtt: topic \"%.200s\": message not taken (%s): not acknowledged, the broker will send it "
                 "again",
                 g.topic, e ? aj_err_name(e) : "tag lookup failed");
        drop_without_ack(m);
    } else {
        if (e) warn_point(&g, "payload rejected: %s", aj_err_name(e));
        bool is_durable = g.n == 0 || submit(&g);
        if (!is_durable) {
            drop_without_ack(m);
        } else {
            atomic_fetch_add(&m->n_points_accepted, g.n);
            atomic_fetch_add(&m->n_points_rejected, (uint64_t)g.n_rejected);
            if (g.n_rejected) atomic_fetch_add(&m->n_messages_rejected, 1);
            if (g.n_warned > WARNINGS_PER_MESSAGE)
                aj_warn("mqtt: topic \"%.200s\": %d more rejection(s) in this message not shown", g.topic,
                        g.n_warned - WARNINGS_PER_MESSAGE);
        }
    }
    free(g.pts);
    (void)mosq;
}

/* ---- connection --------------------------------------------------------------------- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags) {
    aj_mqtt *m = obj;
    if (rc != 0) {
        aj_error("mqtt: broker %s:%d refused the connection: %s", m->host, m->port,
                 mosquitto_connack_string(rc));
        return;
    }
    m->reconnect_ms = AJ_MQTT_RECONNECT_MS_MIN;
    if (m->has_connected) atomic_fetch_add(&m->n_reconnects, 1);
    m->has_connected = true;
    atomic_store(&m->is_connected, true);
    aj_info("mqtt: connected to %s:%d (%s)", m->host, m->port,
            (flags & 1) ? "session resumed" : "new session");
    int sub = mosquitto_subscribe_multiple(mosq, NULL, m->n_topics, m->topics, m->qos, 0, NULL);
    if (sub != MOSQ_ERR_SUCCESS) aj_error("mqtt: subscribing failed: %s", mosquitto_strerror(sub));
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int n_granted, const int *granted) {
    aj_mqtt *m = obj;
    for (int i = 0; i < n_granted && i < m->n_topics; i++) {
        if (granted[i] > 2)
            aj_error("mqtt: the broker refused the subscription to \"%s\"", m->topics[i]);
        else if (granted[i] < m->qos)
            aj_warn("mqtt: the broker granted QoS %d (not %d) for \"%s\"", granted[i], m->qos, m->topics[i]);
    }
    (void)mosq, (void)mid;
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc) {
    aj_mqtt *m = obj;
    atomic_store(&m->is_connected, false);
    if (rc != 0 && !atomic_load(&m->is_stopping)) aj_warn("mqtt: connection to %s:%d lost", m->host, m->port);
    (void)mosq;
}

static void *run(void *arg) {
    aj_mqtt *m = arg;
    int rc = mosquitto_connect(m->mosq, m->host, m->port, AJ_MQTT_KEEPALIVE_S);
    m->is_up = rc == MOSQ_ERR_SUCCESS;
    if (!m->is_up)
        aj_warn("mqtt: cannot connect to %s:%d (%s); retrying", m->host, m->port,
                rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
    while (!atomic_load(&m->is_stopping)) {
        if (!m->is_up) {
            wait_ms(m, m->reconnect_ms);
            if (atomic_load(&m->is_stopping)) break;
            m->reconnect_ms = m->reconnect_ms * 2 > AJ_MQTT_RECONNECT_MS_MAX ? AJ_MQTT_RECONNECT_MS_MAX
                                                                             : m->reconnect_ms * 2;
            rc = mosquitto_reconnect(m->mosq);
            m->is_up = rc == MOSQ_ERR_SUCCESS;
            if (!m->is_up)
                aj_debug("mqtt: reconnecting to %s:%d failed (%s); next try in %d ms", m->host, m->port,
                         rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc), m->reconnect_ms);
            continue;
        }
        rc = mosquitto_loop(m->mosq, 200, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            m->is_up = false;
            atomic_store(&m->is_connected, false);
            aj_debug("mqtt: network loop: %s",
                     rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
        }
    }
    if (m->is_up) { /* write what is queued (the last PUBACKs), then DISCONNECT */
        mosquitto_disconnect(m->mosq);
        for (int i = 0; i < 20 && mosquitto_loop(m->mosq, 50, 1) == MOSQ_ERR_SUCCESS; i++) continue;
    }
    atomic_store(&m->is_connected, false);
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static aj_err find_enterprise(aj_store *store, const char *code, int64_t *id, char *err, size_t errlen) {
    aj_db *db = aj_store_acquire(store);
    aj_err e =
        aj_db_query_int(db, "SELECT id FROM enterprises WHERE code = ?", (aj_val[]){AJ_VTEXT(code)}, 1, id);
    if (e == AJ_ENOTFOUND)
        snprintf(err, errlen, "mqtt-enterprise: no enterprise with code \"%s\"", code);
    else if (e)
        snprintf(err, errlen, "mqtt-enterprise: lookup failed: %s", aj_db_errmsg(db));
    aj_store_release(store, db);
    return e;
}

static aj_err check_settings(aj_mqtt *m, const aj_config *cfg, char *err, size_t errlen) {
    if (!aj_mqtt_url_parse(cfg->mqtt_url, m->host, sizeof m->host, &m->port)) {
        snprintf(err, errlen, "mqtt-url: \"%s\" is not mqtt://host[:port] (TLS is not supported yet)",
                 cfg->mqtt_url);
        return AJ_EINVAL;
    }
    if (!cfg->mqtt_enterprise[0]) {
        snprintf(err, errlen,
                 "mqtt-enterprise: required with mqtt-url (the enterprise whose tags MQTT feeds)");
        return AJ_EINVAL;
    }
    if (!split_topics(m, cfg->mqtt_topics, err, errlen)) return AJ_EINVAL;
    m->format = !strcmp(cfg->mqtt_format, "line")   ? FORMAT_LINE
                : !strcmp(cfg->mqtt_format, "json") ? FORMAT_JSON
                                                    : FORMAT_AUTO;
    m->qos = (int)cfg->mqtt_qos;
    if (cfg->mqtt_password_file[0] && !cfg->mqtt_user[0]) {
        snprintf(err, errlen, "mqtt-password-file: needs mqtt-user");
        return AJ_EINVAL;
    }
    return AJ_OK;
}

/* The password file's first line; errors name the setting. */
static bool read_password_setting(const char *path, char *out, size_t outlen, char *err, size_t errlen) {
    char msg[300];
    if (aj_file_read_secret(path, out, outlen, msg, sizeof msg)) return true;
    snprintf(err, errlen, "mqtt-password-file %s", msg);
    return false;
}

static aj_err make_client(aj_mqtt *m, const aj_config *cfg, char *err, size_t errlen) {
    char client_id[sizeof cfg->mqtt_client_id + 16];
    if (cfg->mqtt_client_id[0]) {
        snprintf(client_id, sizeof client_id, "%s", cfg->mqtt_client_id);
    } else {
        char host[64] = "";
        if (gethostname(host, sizeof host - 1) != 0 || !host[0]) snprintf(host, sizeof host, "localhost");
        snprintf(client_id, sizeof client_id, "anjian-%s", host);
    }
    /* clean_session false: the broker keeps the subscriptions and queues QoS-1 messages
     * while anjian is away. */
    m->mosq = mosquitto_new(client_id, false, m);
    if (!m->mosq) {
        snprintf(err, errlen, "mqtt: cannot create the client: %s", strerror(errno));
        return errno == ENOMEM ? AJ_ENOMEM : AJ_EINVAL;
    }
    mosquitto_threaded_set(m->mosq, true);
    if (cfg->mqtt_user[0]) {
        char password[512] = "";
        if (cfg->mqtt_password_file[0] &&
            !read_password_setting(cfg->mqtt_password_file, password, sizeof password, err, errlen))
            return AJ_EINVAL;
        int rc = mosquitto_username_pw_set(m->mosq, cfg->mqtt_user, password[0] ? password : NULL);
        memset(password, 0, sizeof password);
        if (rc != MOSQ_ERR_SUCCESS) {
            snprintf(err, errlen, "mqtt-user: %s", mosquitto_strerror(rc));
            return AJ_EINVAL;
        }
    }
    mosquitto_connect_with_flags_callback_set(m->mosq, on_connect);
    mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
    mosquitto_subscribe_callback_set(m->mosq, on_subscribe);
    mosquitto_message_callback_set(m->mosq, on_message);
    aj_info("mqtt: client id \"%s\", topics \"%s\", QoS %d, enterprise \"%s\"", client_id, cfg->mqtt_topics,
            m->qos, cfg->mqtt_enterprise);
    return AJ_OK;
}

static void free_mqtt(aj_mqtt *m) {
    if (m->mosq) mosquitto_destroy(m->mosq);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    free(m);
    mosquitto_lib_cleanup();
}

aj_err aj_mqtt_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_mqtt **out,
                     char *err, size_t errlen) {
    *out = NULL;
    aj_mqtt *m = calloc(1, sizeof *m);
    if (!m) return AJ_ENOMEM;
    m->store = store;
    m->engine = engine;
    m->reconnect_ms = AJ_MQTT_RECONNECT_MS_MIN;
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&m->wake, &attr);
    pthread_condattr_destroy(&attr);
    mosquitto_lib_init();
    aj_err e = check_settings(m, cfg, err, errlen);
    if (!e) e = find_enterprise(store, cfg->mqtt_enterprise, &m->enterprise_id, err, errlen);
    if (!e) e = make_client(m, cfg, err, errlen);
    if (!e && pthread_create(&m->thread, NULL, run, m) != 0) {
        snprintf(err, errlen, "mqtt: cannot start the thread");
        e = AJ_ENOMEM;
    }
    if (e) {
        free_mqtt(m);
        return e;
    }
    *out = m;
    return AJ_OK;
}

void aj_mqtt_stop(aj_mqtt *m) {
    if (!m) return;
    pthread_mutex_lock(&m->lock);
    atomic_store(&m->is_stopping, true);
    pthread_cond_broadcast(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    aj_info("mqtt: stopped (%llu messages, %llu points taken, %llu rejected)",
            (unsigned long long)atomic_load(&m->n_messages),
            (unsigned long long)atomic_load(&m->n_points_accepted),
            (unsigned long long)atomic_load(&m->n_points_rejected));
    free_mqtt(m);
}

void aj_mqtt_stats_get(aj_mqtt *m, aj_mqtt_stats *out) {
    memset(out, 0, sizeof *out);
    if (!m) return;
    out->messages = atomic_load(&m->n_messages);
    out->messages_rejected = atomic_load(&m->n_messages_rejected);
    out->points_accepted = atomic_load(&m->n_points_accepted);
    out->points_rejected = atomic_load(&m->n_points_rejected);
    out->reconnects = atomic_load(&m->n_reconnects);
    out->queue_full_waits = atomic_load(&m->n_queue_full_waits);
    out->is_connected = atomic_load(&m->is_connected);
}
