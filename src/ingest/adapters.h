/* adapters.h — the plant-connection adapters of `anjian serve` and where their maps come
 * from (docs/connections.md): Modbus TCP pollers, OPC UA clients and Sparkplug B hosts.
 *
 * A map comes from a file setting (--modbus-map / --opcua-map / --sparkplug-map with the
 * matching --*-enterprise), or from the database (table connection_maps: one map per
 * enterprise and protocol, set through PUT /api/v1/connection-maps/{protocol} or a plant
 * file's "connections" section). A file wins for its enterprise and protocol: the database
 * map of the same pair is then not run and cannot be changed through the API (409).
 *
 * One adapter runs per (enterprise, protocol). aj_adapters_apply() replaces one while the
 * server runs: the new adapter is started first (a map that does not start — a bad map, an
 * unknown tag — changes nothing), then swapped in, then the old one stopped. A stored map
 * that fails to start when the server starts does not stop the server: it is listed with
 * its error (GET /api/v1/connections) and logged.
 *
 * Threads: HTTP handlers read under aj_adapters_read_lock(); apply and stop take the write
 * lock only to swap entries, never while an adapter starts or stops.
 */
#ifndef AJ_ADAPTERS_H
#define AJ_ADAPTERS_H

#include "base/err.h"
#include "config/config.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aj_engine;
struct aj_mb_poll;
struct aj_ua_ingest;
struct aj_sparkplug;

typedef enum { AJ_PROTO_MODBUS = 0, AJ_PROTO_OPCUA, AJ_PROTO_SPARKPLUG, AJ_PROTO_COUNT } aj_proto;

/* "modbus-tcp", "opcua", "sparkplug-b". */
const char *aj_proto_name(aj_proto p);
bool aj_proto_from_name(const char *name, aj_proto *out);

/* Adapters running at once (enterprises x protocols). */
#define AJ_ADAPTERS_MAX 64

typedef struct aj_adapter {
    aj_proto proto;
    int64_t enterprise_id;
    char enterprise[64]; /* code */
    bool is_from_file;   /* from a --*-map setting */
    /* exactly one is set, or none when the stored map failed to start (error says why) */
    struct aj_mb_poll *modbus;
    struct aj_ua_ingest *opcua;
    struct aj_sparkplug *sparkplug;
    char error[300];
    aj_config *cfg; /* the settings it runs with (owned) */
} aj_adapter;

typedef struct aj_adapters aj_adapters;

/* Starts the file-configured adapters (an error there stops the start: AJ_EINVAL,
 * AJ_ENOTFOUND, AJ_ETOOBIG for the map or settings, as before) and then one per stored map
 * (errors logged and kept). cfg, store and engine must outlive the set. */
aj_err aj_adapters_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_adapters **out,
                         char *err, size_t errlen);
/* Runs `json` (len bytes) as the map of (enterprise, proto) in place of the running one, or
 * stops it when json is NULL. Errors: AJ_ECONFLICT when a file setting configures the pair;
 * AJ_EINVAL / AJ_ENOTFOUND / AJ_ETOOBIG when the map does not start (message in err, with
 * the JSONPath); then nothing changed. */
aj_err aj_adapters_apply(aj_adapters *a, int64_t enterprise_id, const char *enterprise_code, aj_proto proto,
                         const char *json, size_t len, char *err, size_t errlen);
/* Whether a file setting configures (enterprise, proto). */
bool aj_adapters_is_file(aj_adapters *a, const char *enterprise_code, aj_proto proto);
/* Stops every adapter and frees a (NULL is fine). Call before the engine stops. */
void aj_adapters_stop(aj_adapters *a);

/* Reading the set: lock, then count/get, then unlock. Entries stay valid while locked. */
void aj_adapters_read_lock(aj_adapters *a);
void aj_adapters_unlock(aj_adapters *a);
int aj_adapters_count(const aj_adapters *a);
const aj_adapter *aj_adapters_get(const aj_adapters *a, int i);

#endif
