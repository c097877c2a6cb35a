/* opcua_ingest.c — the OPC UA client of `anjian serve`: map -> sessions and subscriptions
 * -> aj_engine_submit() (opcua_ingest.h).
 *
 * Ownership: the aj_ua_ingest owns the map (in its arena), the PKI, the resolved tag ids
 * and one `endpoint` per map endpoint. Each endpoint's thread alone touches its client,
 * subscription and point buffer; the status block is guarded by the endpoint's mutex and
 * read by HTTP threads. The map and tag ids never change after start.
 *
 * An endpoint's thread:
 *
 *   CONNECTING --session + subscription--> CONNECTED --channel lost / silent--> FAILING
 *        ^                                     ^                                 |
 *        |                                     +--re-activated (same session)----+
 *        +--------------(backoff: 0.5 s doubling to 30 s)------------------------+
 *
 * When an endpoint goes from CONNECTED to FAILING every item's tag gets one bad point
 * (communication loss) at that wall-clock instant, so displays and rules see the loss; the
 * next good value from the server clears it.
 */
#include "ingest/opcua_ingest.h"
#include "ingest/rate.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "base/fileread.h"
#include "engine/engine.h"
#include "opcua/pki.h"
#include "opcua/subscribe.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SUBMIT_TRIES 8
#define STEP_WAIT_MS 250

typedef struct endpoint {
    struct aj_ua_ingest *owner;
    int index;
    const aj_uamap_endpoint *map;
    int64_t *tag_ids;       /* per item */
    int64_t *last_t_ns;     /* per item: event time of the newest point handed over (0: none) */
    bool *is_unusable_told; /* per item: a value that is no number was logged (once per subscription) */
    uint32_t renewals_seen; /* token renewals of the current channel already counted */
    uint32_t channel_seen;  /* the channel they were counted on */
    pthread_t thread;
    bool has_thread;
    char password[256];

    /* its thread only */
    aj_ua_client *client;
    aj_ua_sub sub;
    bool has_sub;
    aj_ua_item_request *requests;
    uint32_t *item_status;
    aj_point *pts; /* points of one Publish response being gathered */
    size_t n_pts, cap_pts;

    pthread_mutex_t lock; /* guards status and the rate window */
    aj_ua_endpoint_status status;
    aj_rate rate;
} endpoint;

struct aj_ua_ingest {
    aj_arena *arena;
    aj_uamap map;
    aj_ua_pki *pki;
    struct aj_engine *engine;
    endpoint *endpoints;
    int n_endpoints;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_bool is_stopping;
};

const int aj_ua_age_bounds_ms[AJ_UA_AGE_BUCKETS] = {5,    10,   25,   50,   100,  250,   500,   750,
                                                    1000, 1500, 2000, 3000, 5000, 10000, 30000, 60000};

const char *aj_ua_endpoint_state_name(aj_ua_endpoint_state s) {
    switch (s) {
    case AJ_UA_EP_CONNECTING:
        return "connecting";
    case AJ_UA_EP_CONNECTED:
        return "connected";
    case AJ_UA_EP_FAILING:
        return "failing";
    }
    return "?";
}

static void wait_until(aj_ua_ingest *u, int64_t until_ms) {
    struct timespec until = {.tv_sec = until_ms / 1000, .tv_nsec = (long)(until_ms % 1000) * 1000000L};
    pthread_mutex_lock(&u->lock);
    while (!atomic_load(&u->is_stopping))
        if (pthread_cond_timedwait(&u->wake, &u->lock, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&u->lock);
}

/* ---- status ------------------------------------------------------------------------------- */

static void set_error(endpoint *d, const char *text) {
    pthread_mutex_lock(&d->lock);
    bool is_new = strcmp(text, d->status.last_error) != 0;
    snprintf(d->status.last_error, sizeof d->status.last_error, "%s", text);
    d->status.last_error_ms = aj_time_now_ms();
    pthread_mutex_unlock(&d->lock);
    if (is_new) aj_warn("opcua: endpoint \"%s\" (%s): %s", d->map->code, d->map->url, text);
}

static void set_state(endpoint *d, aj_ua_endpoint_state s) {
    pthread_mutex_lock(&d->lock);
    aj_ua_endpoint_state was = d->status.state;
    d->status.state = s;
    if (s == AJ_UA_EP_CONNECTED) d->status.last_success_ms = aj_time_now_ms();
    pthread_mutex_unlock(&d->lock);
    if (was != s && s == AJ_UA_EP_CONNECTED)
        aj_info("opcua: endpoint \"%s\" (%s, %s/%s) subscribed to %d item(s)", d->map->code, d->map->url,
                aj_ua_policy_name(d->map->policy), aj_ua_mode_name(d->map->mode), d->map->n_items);
}

static void copy_sub_stats(endpoint *d) {
    aj_ua_channel_stats cs;
    aj_ua_channel_stats_get(aj_ua_client_channel(d->client), &cs);
    pthread_mutex_lock(&d->lock);
    if (cs.channel_id != d->channel_seen) d->renewals_seen = 0; /* a new channel counts from 0 */
    d->channel_seen = cs.channel_id;
    if (cs.renewals > d->renewals_seen) d->status.channel_renewals += cs.renewals - d->renewals_seen;
    d->renewals_seen = cs.renewals;
    d->status.notifications = d->sub.stats.notifications;
    d->status.keepalives = d->sub.stats.keepalives;
    d->status.republished = d->sub.stats.republished;
    d->status.lost = d->sub.stats.lost;
    d->status.last_success_ms = aj_time_now_ms();
    pthread_mutex_unlock(&d->lock);
}

/* ---- points --------------------------------------------------------------------------------- */

static void submit(endpoint *d) {
    if (!d->n_pts) return;
    aj_ua_ingest *u = d->owner;
    int wait_ms = 10;
    aj_err e = AJ_OK;
    for (int i = 0; i < SUBMIT_TRIES; i++) {
        e = aj_engine_submit(u->engine, d->pts, d->n_pts);
        if (e != AJ_EUNAVAILABLE || atomic_load(&u->is_stopping)) break;
        wait_until(u, aj_time_mono_ms() + wait_ms);
        wait_ms = wait_ms * 2 > 500 ? 500 : wait_ms * 2;
    }
    int64_t now = aj_time_mono_ms(), now_ns = aj_time_now_ns();
    pthread_mutex_lock(&d->lock);
    if (e) {
        d->status.points_dropped += d->n_pts;
    } else {
        d->status.points += d->n_pts;
        aj_rate_add(&d->rate, d->n_pts, now);
        for (size_t k = 0; k < d->n_pts; k++) {
            if (d->pts[k].quality != AJ_QUALITY_GOOD) continue;
            double age_ms = (double)(now_ns - d->pts[k].t_ns) / 1e6;
            if (age_ms < 0) age_ms = 0; /* a server clock ahead of ours */
            int b = 0;
            while (b < AJ_UA_AGE_BUCKETS && age_ms > aj_ua_age_bounds_ms[b]) b++;
            d->status.age_counts[b]++;
            d->status.age_sum_ms += age_ms;
        }
    }
    pthread_mutex_unlock(&d->lock);
    if (e)
        aj_warn("opcua: endpoint \"%s\": %zu point(s) not taken by the engine: %s", d->map->code, d->n_pts,
                aj_err_name(e));
    d->n_pts = 0;
}

static void add_point(endpoint *d, aj_point p) {
    if (d->n_pts == d->cap_pts) submit(d);
    d->pts[d->n_pts++] = p;
}

/* A data change from the subscription: one point. */
static void on_change(void *ctx, uint32_t handle, const aj_ua_data_value *dv) {
    endpoint *d = ctx;
    if (handle >= (uint32_t)d->map->n_items) return; /* not ours: ignore */
    int64_t t_ns = 0;
    if (dv->mask & AJ_UA_DV_SOURCE_TIMESTAMP && dv->source_timestamp)
        t_ns = aj_ua_datetime_to_unix_ns(dv->source_timestamp);
    else if (dv->mask & AJ_UA_DV_SERVER_TIMESTAMP && dv->server_timestamp)
        t_ns = aj_ua_datetime_to_unix_ns(dv->server_timestamp);
    if (t_ns <= 0 || t_ns == INT64_MAX) t_ns = aj_time_now_ns();
    uint32_t status = dv->mask & AJ_UA_DV_STATUS ? dv->status : 0;
    aj_point p = {.tag_id = d->tag_ids[handle],
                  .t_ns = t_ns,
                  .type = AJ_VALUE_FLOAT,
                  .quality = aj_ua_status_quality(status),
                  .quality_reasons = aj_ua_status_reasons(status)};
    const aj_ua_variant *v = &dv->value;
    aj_ua_variant one = *v;
    if (v->is_array && v->count == 1) { /* an index_range picked one element */
        one.is_array = false;
        one.n_dims = 0;
    }
    double value = 0;
    bool has_value = (dv->mask & AJ_UA_DV_VALUE) && aj_ua_variant_to_double(&one, &value);
    if (has_value) {
        p.value = value;
        if (one.type == AJ_UA_BOOLEAN) p.type = AJ_VALUE_BOOL;
    } else if (p.quality != AJ_QUALITY_BAD) {
        /* a Good value that is no number (a string, an array without index_range, ...) */
        p.quality = AJ_QUALITY_BAD;
        p.quality_reasons |= AJ_QR_SOURCE_BAD;
        pthread_mutex_lock(&d->lock);
        d->status.points_unusable++;
        pthread_mutex_unlock(&d->lock);
        if (d->is_unusable_told[handle]) {
            add_point(d, p);
            return;
        }
        d->is_unusable_told[handle] = true;
        char text[AJ_UA_ERROR_TEXT_MAX];
        snprintf(text, sizeof text,
                 "item %s (tag %s): a %s%s value is not a number (map an index_range or another node)",
                 d->map->items[handle].node_text, d->map->items[handle].tag, aj_ua_type_name(v->type),
                 v->is_array ? " array" : "");
        set_error(d, text);
    }
    if (t_ns > d->last_t_ns[handle]) d->last_t_ns[handle] = t_ns;
    add_point(d, p);
}

/* Every item's tag bad (communication loss), just after its newest value: notifications
 * the server republishes after a reconnect are newer, so the historian takes them (a
 * marker stamped with the wall clock would make them late). Items without a value yet
 * are marked now. */
static void mark_lost(endpoint *d) {
    int64_t now = aj_time_now_ns();
    for (int k = 0; k < d->map->n_items; k++)
        add_point(d, (aj_point){.tag_id = d->tag_ids[k],
                                .t_ns = d->last_t_ns[k] ? d->last_t_ns[k] + 1000 : now,
                                .type = AJ_VALUE_FLOAT,
                                .quality = AJ_QUALITY_BAD,
                                .quality_reasons = AJ_QR_COMM_LOSS});
    submit(d);
}

/* ---- connection ------------------------------------------------------------------------------- */

static aj_err subscribe(endpoint *d, char *err, size_t errlen) {
    aj_err e = aj_ua_sub_create(&d->sub, d->client, d->map->publishing_ms, d->map->keepalive_count,
                                d->requests, (uint32_t)d->map->n_items, d->item_status, err, errlen);
    if (e) return e;
    d->has_sub = true;
    memset(d->is_unusable_told, 0, (size_t)d->map->n_items * sizeof *d->is_unusable_told);
    int failed = 0;
    int64_t t = aj_time_now_ns();
    for (int k = 0; k < d->map->n_items; k++) {
        if (d->item_status[k] < 0x80000000u) continue;
        if (!failed) {
            const char *name = aj_ua_status_name(d->item_status[k]);
            char text[AJ_UA_ERROR_TEXT_MAX];
            snprintf(text, sizeof text, "the server refused to monitor %s (tag %s): %s (0x%08X)",
                     d->map->items[k].node_text, d->map->items[k].tag, name ? name : "", d->item_status[k]);
            set_error(d, text);
        }
        failed++;
        add_point(d, (aj_point){.tag_id = d->tag_ids[k],
                                .t_ns = t,
                                .type = AJ_VALUE_FLOAT,
                                .quality = AJ_QUALITY_BAD,
                                .quality_reasons = AJ_QR_SOURCE_BAD});
    }
    submit(d);
    pthread_mutex_lock(&d->lock);
    d->status.items_failed = failed;
    pthread_mutex_unlock(&d->lock);
    return AJ_OK;
}

static aj_err connect_endpoint(endpoint *d, char *err, size_t errlen) {
    aj_ua_client_opts co = {.endpoint_url = d->map->url,
                            .policy = d->map->policy,
                            .mode = d->map->mode,
                            .pki = d->owner->pki,
                            .username = d->map->username,
                            .password = d->map->username ? d->password : NULL,
                            .timeout_ms = d->map->timeout_ms,
                            .session_timeout_ms = d->map->session_timeout_ms,
                            .channel_lifetime_ms = d->map->channel_lifetime_ms,
                            .session_name = d->map->code};
    aj_err e = aj_ua_client_connect(&co, &d->client, err, errlen);
    if (e) return e;
    pthread_mutex_lock(&d->lock);
    d->status.connects++;
    d->status.sessions_created++;
    pthread_mutex_unlock(&d->lock);
    return subscribe(d, err, errlen);
}

/* After a failure with a client: try to keep the session, else start over. */
static aj_err recover(endpoint *d, char *err, size_t errlen) {
    bool is_new = false;
    aj_err e = aj_ua_client_reconnect(d->client, &is_new, err, errlen);
    if (e) return e;
    pthread_mutex_lock(&d->lock);
    d->status.reconnects++;
    if (is_new) d->status.sessions_created++;
    pthread_mutex_unlock(&d->lock);
    if (is_new || !d->has_sub) return subscribe(d, err, errlen);
    aj_ua_sub_resume(&d->sub);
    return AJ_OK;
}

static void drop_all(endpoint *d) {
    aj_ua_sub_clear(&d->sub);
    d->has_sub = false;
    aj_ua_client_close(d->client);
    d->client = NULL;
}

static void *run(void *arg) {
    endpoint *d = arg;
    aj_ua_ingest *u = d->owner;
    int64_t backoff = AJ_UA_RECONNECT_MS_MIN;
    bool was_connected = false, needs_recover = false;
    char err[400];
    while (!atomic_load(&u->is_stopping)) {
        aj_err e;
        if (!d->client) {
            needs_recover = false;
            e = connect_endpoint(d, err, sizeof err);
        } else if (needs_recover) {
            e = recover(d, err, sizeof err);
            if (!e) needs_recover = false;
        } else if (!d->has_sub) {
            e = subscribe(d, err, sizeof err);
        } else {
            e = aj_ua_sub_step(&d->sub, STEP_WAIT_MS, on_change, d, err, sizeof err);
            submit(d);
            if (!e) {
                copy_sub_stats(d);
                if (!was_connected) set_state(d, AJ_UA_EP_CONNECTED);
                was_connected = true;
                backoff = AJ_UA_RECONNECT_MS_MIN;
                continue;
            }
            set_error(d, err);
            if (e == AJ_ENOTFOUND) { /* the subscription is gone; the session may live on */
                aj_ua_sub_clear(&d->sub);
                d->has_sub = false;
                continue;
            }
            /* the channel broke: try at once to keep the session on a new channel */
            if (was_connected) mark_lost(d);
            was_connected = false;
            set_state(d, AJ_UA_EP_FAILING);
            aj_ua_client_drop_channel(d->client);
            needs_recover = true;
            continue;
        }
        if (!e) continue; /* connected: the next turns run the Publish loop */
        set_error(d, err);
        if (was_connected) mark_lost(d);
        was_connected = false;
        set_state(d, AJ_UA_EP_FAILING);
        if (d->client) {
            if (e == AJ_EFORBIDDEN || e == AJ_EINVAL || e == AJ_ENOTFOUND) {
                drop_all(d); /* start over with discovery next time */
            } else {
                aj_ua_client_drop_channel(d->client);
                needs_recover = true;
            }
        }
        wait_until(u, aj_time_mono_ms() + backoff);
        backoff = backoff * 2 > AJ_UA_RECONNECT_MS_MAX ? AJ_UA_RECONNECT_MS_MAX : backoff * 2;
    }
    if (d->client) drop_all(d);
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------------------- */

static aj_err resolve_tags(aj_ua_ingest *u, const aj_config *cfg, aj_store *store, char *err, size_t errlen) {
    aj_db *db = aj_store_acquire(store);
    int64_t enterprise_id = 0;
    aj_err e = aj_db_query_int(db, "SELECT id FROM enterprises WHERE code = ?",
                               (aj_val[]){AJ_VTEXT(cfg->opcua_enterprise)}, 1, &enterprise_id);
    if (e == AJ_ENOTFOUND)
        snprintf(err, errlen, "opcua-enterprise: no enterprise with code \"%s\"", cfg->opcua_enterprise);
    else if (e)
        snprintf(err, errlen, "opcua-enterprise: lookup failed: %s", aj_db_errmsg(db));
    for (int i = 0; !e && i < u->n_endpoints; i++) {
        endpoint *d = &u->endpoints[i];
        for (int k = 0; !e && k < d->map->n_items; k++) {
            const char *key = d->map->items[k].tag;
            e = aj_engine_resolve(u->engine, db, enterprise_id, key, &d->tag_ids[k]);
            if (e == AJ_ENOTFOUND)
                snprintf(err, errlen,
                         "opcua-map %s: $.endpoints[%d].items[%d].tag: no tag \"%s\" in enterprise \"%s\" "
                         "(register "
                         "the tag first)",
                         cfg->opcua_map, i, k, key, cfg->opcua_enterprise);
            else if (e)
                snprintf(err, errlen,
                         "opcua-map %s: $.endpoints[%d].items[%d].tag: lookup of \"%s\" failed: %s",
                         cfg->opcua_map, i, k, key, aj_err_name(e));
        }
    }
    aj_store_release(store, db);
    return e;
}

static aj_err endpoint_init(aj_ua_ingest *u, int i, char *err, size_t errlen) {
    endpoint *d = &u->endpoints[i];
    const aj_uamap_endpoint *m = &u->map.endpoints[i];
    d->owner = u;
    d->index = i;
    d->map = m;
    pthread_mutex_init(&d->lock, NULL);
    d->status.code = m->code;
    d->status.url = m->url;
    d->status.policy = m->policy;
    d->status.mode = m->mode;
    d->status.is_username = m->username != NULL;
    d->status.items = m->n_items;
    aj_rate_start(&d->rate, aj_time_mono_ms());
    size_t n = (size_t)m->n_items;
    d->tag_ids = calloc(n, sizeof *d->tag_ids);
    d->last_t_ns = calloc(n, sizeof *d->last_t_ns);
    d->is_unusable_told = calloc(n, sizeof *d->is_unusable_told);
    d->requests = calloc(n, sizeof *d->requests);
    d->item_status = calloc(n, sizeof *d->item_status);
    d->cap_pts = n < 4096 ? 4096 : n;
    d->pts = calloc(d->cap_pts, sizeof *d->pts);
    if (!d->tag_ids || !d->last_t_ns || !d->is_unusable_told || !d->requests || !d->item_status || !d->pts)
        return AJ_ENOMEM;
    for (int k = 0; k < m->n_items; k++) {
        const aj_uamap_item *it = &m->items[k];
        d->requests[k] = (aj_ua_item_request){.node = it->node,
                                              .index_range = aj_ua_string_of(it->index_range),
                                              .client_handle = (uint32_t)k,
                                              .sampling_ms = it->sampling_ms,
                                              .queue_size = it->queue_size,
                                              .deadband = it->deadband,
                                              .deadband_value = it->deadband_value};
    }
    if (m->username) {
        char where[200];
        bool ok;
        if (m->password_env) {
            const char *v = getenv(m->password_env);
            ok = v && strlen(v) < sizeof d->password;
            if (ok) snprintf(d->password, sizeof d->password, "%s", v);
            snprintf(where, sizeof where, "environment variable %s is not set", m->password_env);
        } else {
            ok = aj_file_read_secret(m->password_file, d->password, sizeof d->password, where, sizeof where);
        }
        if (!ok) {
            snprintf(err, errlen, "opcua-map: endpoint \"%s\": the password: %s", m->code, where);
            return AJ_EINVAL;
        }
    }
    return AJ_OK;
}

static void free_ingest(aj_ua_ingest *u) {
    for (int i = 0; u->endpoints && i < u->n_endpoints; i++) {
        endpoint *d = &u->endpoints[i];
        if (d->client) drop_all(d);
        free(d->tag_ids);
        free(d->last_t_ns);
        free(d->is_unusable_told);
        free(d->requests);
        free(d->item_status);
        free(d->pts);
        memset(d->password, 0, sizeof d->password);
        if (d->owner) pthread_mutex_destroy(&d->lock);
    }
    free(u->endpoints);
    aj_ua_pki_free(u->pki);
    aj_arena_free(u->arena);
    pthread_cond_destroy(&u->wake);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

static aj_err load(aj_ua_ingest *u, const aj_config *cfg, const char *text, size_t len, aj_store *store,
                   char *err, size_t errlen) {
    if (!cfg->opcua_enterprise[0]) {
        snprintf(err, errlen,
                 "opcua-enterprise: required with opcua-map (the enterprise whose tags the map feeds)");
        return AJ_EINVAL;
    }
    u->arena = aj_arena_new();
    if (!u->arena) return AJ_ENOMEM;
    char msg[600];
    aj_err e = text ? aj_uamap_parse(text, len, u->arena, &u->map, msg, sizeof msg)
                    : aj_uamap_load(cfg->opcua_map, u->arena, &u->map, msg, sizeof msg);
    if (e) {
        if (text)
            snprintf(err, errlen, "opcua-map %s: %s", cfg->opcua_map, msg);
        else
            snprintf(err, errlen, "opcua-map: %s", msg);
        return e == AJ_ENOMEM || e == AJ_EIO ? e : AJ_EINVAL;
    }
    char host[256] = "localhost", uri[300];
    gethostname(host, sizeof host - 1);
    snprintf(uri, sizeof uri, "urn:anjian:%s", host);
    if ((e = aj_ua_pki_open(cfg->opcua_pki_dir, uri, host, &u->pki, msg, sizeof msg))) {
        snprintf(err, errlen, "opcua-pki-dir %s: %s", cfg->opcua_pki_dir, msg);
        return e;
    }
    u->n_endpoints = u->map.n_endpoints;
    u->endpoints = calloc((size_t)u->n_endpoints, sizeof *u->endpoints);
    if (!u->endpoints) return AJ_ENOMEM;
    for (int i = 0; i < u->n_endpoints; i++)
        if ((e = endpoint_init(u, i, err, errlen))) return e;
    return resolve_tags(u, cfg, store, err, errlen);
}

aj_err aj_ua_ingest_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_ua_ingest **out,
                          char *err, size_t errlen) {
    return aj_ua_ingest_start_text(cfg, NULL, 0, store, engine, out, err, errlen);
}

aj_err aj_ua_ingest_start_text(const aj_config *cfg, const char *text, size_t len, aj_store *store,
                               struct aj_engine *engine, aj_ua_ingest **out, char *err, size_t errlen) {
    *out = NULL;
    err[0] = 0;
    aj_ua_ingest *u = calloc(1, sizeof *u);
    if (!u) return AJ_ENOMEM;
    u->engine = engine;
    pthread_mutex_init(&u->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&u->wake, &attr);
    pthread_condattr_destroy(&attr);
    aj_err e = load(u, cfg, text, len, store, err, errlen);
    for (int i = 0; !e && i < u->n_endpoints; i++) {
        if (pthread_create(&u->endpoints[i].thread, NULL, run, &u->endpoints[i]) != 0) {
            snprintf(err, errlen, "opcua: cannot start the thread of endpoint \"%s\"",
                     u->map.endpoints[i].code);
            e = AJ_ENOMEM;
        } else {
            u->endpoints[i].has_thread = true;
        }
    }
    if (e) {
        aj_ua_ingest_stop(u);
        return e;
    }
    aj_info("opcua: %d item(s) on %d endpoint(s), enterprise \"%s\", PKI %s", u->map.n_items, u->n_endpoints,
            cfg->opcua_enterprise, cfg->opcua_pki_dir);
    *out = u;
    return AJ_OK;
}

void aj_ua_ingest_stop(aj_ua_ingest *u) {
    if (!u) return;
    pthread_mutex_lock(&u->lock);
    atomic_store(&u->is_stopping, true);
    pthread_cond_broadcast(&u->wake);
    pthread_mutex_unlock(&u->lock);
    uint64_t n = 0;
    for (int i = 0; i < u->n_endpoints; i++) {
        if (u->endpoints[i].has_thread) pthread_join(u->endpoints[i].thread, NULL);
        n += u->endpoints[i].status.points;
    }
    if (u->n_endpoints) aj_info("opcua: stopped (%llu points taken)", (unsigned long long)n);
    free_ingest(u);
}

int aj_ua_ingest_n_endpoints(const aj_ua_ingest *u) {
    return u ? u->n_endpoints : 0;
}

void aj_ua_ingest_endpoint_status(aj_ua_ingest *u, int i, aj_ua_endpoint_status *out) {
    endpoint *d = &u->endpoints[i];
    int64_t now = aj_time_mono_ms();
    pthread_mutex_lock(&d->lock);
    *out = d->status;
    out->points_per_second = aj_rate_get(&d->rate, now);
    pthread_mutex_unlock(&d->lock);
}

aj_err aj_ua_ingest_client_opts(aj_ua_ingest *u, const char *code, aj_ua_client_opts *out) {
    for (int i = 0; u && i < u->n_endpoints; i++) {
        const endpoint *d = &u->endpoints[i];
        if (strcmp(d->map->code, code)) continue;
        *out = (aj_ua_client_opts){.endpoint_url = d->map->url,
                                   .policy = d->map->policy,
                                   .mode = d->map->mode,
                                   .pki = u->pki,
                                   .username = d->map->username,
                                   .password = d->map->username ? d->password : NULL,
                                   .timeout_ms = d->map->timeout_ms,
                                   .session_timeout_ms = 60000,
                                   .session_name = "anjian-browse"};
        return AJ_OK;
    }
    return AJ_ENOTFOUND;
}
