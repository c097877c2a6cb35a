/* adapters.c — the set of plant-connection adapters and where their maps come from
 * (adapters.h). */
#include "ingest/adapters.h"

#include "base/log.h"
#include "ingest/modbus_poll.h"
#include "ingest/opcua_ingest.h"
#include "ingest/sparkplug.h"
#include "sparkplug/map.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct aj_adapters {
    pthread_rwlock_t lock;
    pthread_mutex_t apply_lock; /* one apply at a time (start, swap, stop) */
    aj_adapter items[AJ_ADAPTERS_MAX];
    int n;
    const aj_config *cfg;
    aj_store *store;
    struct aj_engine *engine;
};

static const char *const PROTO_NAMES[AJ_PROTO_COUNT] = {"modbus-tcp", "opcua", "sparkplug-b"};

const char *aj_proto_name(aj_proto p) {
    return (unsigned)p < AJ_PROTO_COUNT ? PROTO_NAMES[p] : "?";
}

bool aj_proto_from_name(const char *name, aj_proto *out) {
    for (int p = 0; p < AJ_PROTO_COUNT; p++)
        if (!strcmp(name, PROTO_NAMES[p])) {
            *out = (aj_proto)p;
            return true;
        }
    return false;
}

/* The settings an adapter of (enterprise, proto) runs with: the server's, with the
 * enterprise set and the map named by where it comes from. */
static aj_config *config_for(const aj_config *base, const char *enterprise, aj_proto proto,
                             bool is_from_file) {
    aj_config *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = *base;
    if (is_from_file) return c;
    char origin[128];
    snprintf(origin, sizeof origin, "(stored map of enterprise %s)", enterprise);
    switch (proto) {
    case AJ_PROTO_MODBUS:
        snprintf(c->modbus_enterprise, sizeof c->modbus_enterprise, "%s", enterprise);
        snprintf(c->modbus_map, sizeof c->modbus_map, "%s", origin);
        break;
    case AJ_PROTO_OPCUA:
        snprintf(c->opcua_enterprise, sizeof c->opcua_enterprise, "%s", enterprise);
        snprintf(c->opcua_map, sizeof c->opcua_map, "%s", origin);
        break;
    default: {
        snprintf(c->sparkplug_enterprise, sizeof c->sparkplug_enterprise, "%s", enterprise);
        snprintf(c->sparkplug_map, sizeof c->sparkplug_map, "%s", origin);
        /* each host needs its own MQTT session on the broker */
        char host[128] = "anjian";
        gethostname(host, sizeof host - 1);
        if (!base->sparkplug_client_id[0] || strcmp(base->sparkplug_enterprise, enterprise))
            snprintf(c->sparkplug_client_id, sizeof c->sparkplug_client_id, "anjian-sparkplug-%.60s-%.40s",
                     host, enterprise);
    }
    }
    return c;
}

/* Starts one adapter into *ad (json NULL: from the file setting). */
static aj_err start_one(aj_adapters *a, aj_adapter *ad, const char *json, size_t len, char *err,
                        size_t errlen) {
    ad->cfg = config_for(a->cfg, ad->enterprise, ad->proto, ad->is_from_file);
    if (!ad->cfg) return AJ_ENOMEM;
    switch (ad->proto) {
    case AJ_PROTO_MODBUS:
        return json ? aj_mb_poll_start_text(ad->cfg, json, len, a->store, a->engine, &ad->modbus, err, errlen)
                    : aj_mb_poll_start(ad->cfg, a->store, a->engine, &ad->modbus, err, errlen);
    case AJ_PROTO_OPCUA:
        return json
                   ? aj_ua_ingest_start_text(ad->cfg, json, len, a->store, a->engine, &ad->opcua, err, errlen)
                   : aj_ua_ingest_start(ad->cfg, a->store, a->engine, &ad->opcua, err, errlen);
    default: {
        if (!json) return aj_sparkplug_start(ad->cfg, a->store, a->engine, &ad->sparkplug, err, errlen);
        if (!a->cfg->sparkplug_url[0]) {
            snprintf(err, errlen,
                     "a Sparkplug B map needs the broker: set sparkplug-url (docs/sparkplug.md)");
            return AJ_EINVAL;
        }
        aj_sp_map *map = NULL;
        char msg[512];
        aj_err e = aj_sp_map_parse(json, len, &map, msg, sizeof msg);
        if (e) {
            snprintf(err, errlen, "sparkplug-map %s: %s", ad->cfg->sparkplug_map, msg);
            return e == AJ_ENOMEM ? e : AJ_EINVAL;
        }
        return aj_sparkplug_start_map(ad->cfg, map, a->store, a->engine, &ad->sparkplug, err, errlen);
    }
    }
}

static void stop_one(aj_adapter *ad) {
    aj_mb_poll_stop(ad->modbus);
    aj_ua_ingest_stop(ad->opcua);
    aj_sparkplug_stop(ad->sparkplug);
    free(ad->cfg);
    memset(ad, 0, sizeof *ad);
}

static int find(const aj_adapters *a, const char *enterprise, aj_proto proto) {
    for (int i = 0; i < a->n; i++)
        if (a->items[i].proto == proto && !strcmp(a->items[i].enterprise, enterprise)) return i;
    return -1;
}

static aj_err start_files(aj_adapters *a, char *err, size_t errlen) {
    const aj_config *c = a->cfg;
    struct {
        aj_proto proto;
        const char *map, *enterprise;
    } files[] = {{AJ_PROTO_MODBUS, c->modbus_map, c->modbus_enterprise},
                 {AJ_PROTO_SPARKPLUG, c->sparkplug_url, c->sparkplug_enterprise},
                 {AJ_PROTO_OPCUA, c->opcua_map, c->opcua_enterprise}};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        if (!files[k].map[0]) continue;
        /* Sparkplug runs from the file setting only with a map file (else stored maps use the broker) */
        if (files[k].proto == AJ_PROTO_SPARKPLUG && !c->sparkplug_map[0] && !c->sparkplug_enterprise[0])
            continue;
        aj_adapter *ad = &a->items[a->n];
        memset(ad, 0, sizeof *ad);
        ad->proto = files[k].proto;
        ad->is_from_file = true;
        snprintf(ad->enterprise, sizeof ad->enterprise, "%s", files[k].enterprise);
        aj_err e = start_one(a, ad, NULL, 0, err, errlen);
        if (e) {
            free(ad->cfg);
            memset(ad, 0, sizeof *ad);
            return e;
        }
        a->n++;
    }
    return AJ_OK;
}

/* One adapter per stored map (not shadowed by a file setting). */
static void start_stored(aj_adapters *a) {
    aj_db *db = aj_store_acquire(a->store);
    aj_result *r = NULL;
    aj_err e =
        aj_db_query(db,
                    "SELECT m.enterprise_id, e.code, m.protocol, m.map_json FROM connection_maps m "
                    "JOIN enterprises e ON e.id = m.enterprise_id ORDER BY m.enterprise_id, m.protocol",
                    NULL, 0, &r);
    if (e) aj_error("connection maps: cannot read the stored maps: %s", aj_db_errmsg(db));
    aj_store_release(a->store, db);
    for (int row = 0; !e && row < aj_result_rows(r); row++) {
        aj_proto proto;
        const char *code = aj_result_text(r, row, 1), *json = aj_result_text(r, row, 3);
        if (!aj_proto_from_name(aj_result_text(r, row, 2), &proto) || find(a, code, proto) >= 0) continue;
        if (a->n >= AJ_ADAPTERS_MAX) {
            aj_error("connection maps: more than %d adapters; the map %s of %s is not run", AJ_ADAPTERS_MAX,
                     aj_proto_name(proto), code);
            continue;
        }
        aj_adapter *ad = &a->items[a->n++];
        memset(ad, 0, sizeof *ad);
        ad->proto = proto;
        ad->enterprise_id = aj_result_int(r, row, 0);
        snprintf(ad->enterprise, sizeof ad->enterprise, "%s", code);
        char msg[sizeof ad->error];
        if (start_one(a, ad, json, strlen(json), msg, sizeof msg)) {
            snprintf(ad->error, sizeof ad->error, "%s", msg);
            aj_error("connection maps: the stored %s map of enterprise %s does not start: %s",
                     aj_proto_name(proto), code, msg);
        }
    }
    aj_result_free(r);
}

aj_err aj_adapters_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_adapters **out,
                         char *err, size_t errlen) {
    *out = NULL;
    aj_adapters *a = calloc(1, sizeof *a);
    if (!a) return AJ_ENOMEM;
    pthread_rwlock_init(&a->lock, NULL);
    pthread_mutex_init(&a->apply_lock, NULL);
    a->cfg = cfg;
    a->store = store;
    a->engine = engine;
    aj_err e = start_files(a, err, errlen);
    if (e) {
        aj_adapters_stop(a);
        return e;
    }
    start_stored(a);
    *out = a;
    return AJ_OK;
}

bool aj_adapters_is_file(aj_adapters *a, const char *enterprise_code, aj_proto proto) {
    aj_adapters_read_lock(a);
    int i = find(a, enterprise_code, proto);
    bool is_file = i >= 0 && a->items[i].is_from_file;
    aj_adapters_unlock(a);
    return is_file;
}

aj_err aj_adapters_apply(aj_adapters *a, int64_t enterprise_id, const char *enterprise_code, aj_proto proto,
                         const char *json, size_t len, char *err, size_t errlen) {
    pthread_mutex_lock(&a->apply_lock);
    aj_err e = AJ_OK;
    if (aj_adapters_is_file(a, enterprise_code, proto)) {
        snprintf(err, errlen,
                 "the %s map of enterprise %s is set by the server's --%s setting; change that file",
                 aj_proto_name(proto), enterprise_code,
                 proto == AJ_PROTO_MODBUS  ? "modbus-map"
                 : proto == AJ_PROTO_OPCUA ? "opcua-map"
                                           : "sparkplug-map");
        pthread_mutex_unlock(&a->apply_lock);
        return AJ_ECONFLICT;
    }
    aj_adapter fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.proto = proto;
    fresh.enterprise_id = enterprise_id;
    snprintf(fresh.enterprise, sizeof fresh.enterprise, "%s", enterprise_code);
    if (json && (e = start_one(a, &fresh, json, len, err, errlen))) {
        stop_one(&fresh);
        pthread_mutex_unlock(&a->apply_lock);
        return e;
    }
    aj_adapter old;
    memset(&old, 0, sizeof old);
    pthread_rwlock_wrlock(&a->lock);
    int i = find(a, enterprise_code, proto);
    if (i >= 0) old = a->items[i];
    if (json && i >= 0) {
        a->items[i] = fresh;
    } else if (json && a->n < AJ_ADAPTERS_MAX) {
        a->items[a->n++] = fresh;
    } else if (json) {
        snprintf(err, errlen, "more than %d adapters", AJ_ADAPTERS_MAX);
        e = AJ_ETOOBIG;
    } else if (i >= 0) {
        a->items[i] = a->items[--a->n];
    }
    pthread_rwlock_unlock(&a->lock);
    if (e)
        stop_one(&fresh);
    else if (i >= 0)
        stop_one(&old);
    pthread_mutex_unlock(&a->apply_lock);
    return e;
}

void aj_adapters_stop(aj_adapters *a) {
    if (!a) return;
    for (int i = 0; i < a->n; i++) stop_one(&a->items[i]);
    pthread_rwlock_destroy(&a->lock);
    pthread_mutex_destroy(&a->apply_lock);
    free(a);
}

void aj_adapters_read_lock(aj_adapters *a) {
    if (a) pthread_rwlock_rdlock(&a->lock);
}

void aj_adapters_unlock(aj_adapters *a) {
    if (a) pthread_rwlock_unlock(&a->lock);
}

int aj_adapters_count(const aj_adapters *a) {
    return a ? a->n : 0;
}

const aj_adapter *aj_adapters_get(const aj_adapters *a, int i) {
    return &a->items[i];
}
