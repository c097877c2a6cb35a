/* sparkplug.h — the Sparkplug B host application of `anjian serve` (docs/sparkplug.md).
 *
 * One thread holds one libmosquitto client (clean session, as Sparkplug hosts connect),
 * subscribes to spBv1.0/<group>/# for every group of the map, and for every message of a
 * mapped edge node: decodes the payload (src/sparkplug/payload.c), steps the node's session
 * (src/sparkplug/session.c), and hands the mapped metrics' values to aj_engine_submit() as
 * points of their tags; a node's or device's death, or the loss of the broker, turns its
 * tags bad (communication loss). A gap in the sequence numbers, data before a birth or an
 * unknown alias makes it publish a rebirth request (NCMD Node Control/Rebirth). With a host
 * id it is a Sparkplug 3.0 primary host: spBv1.0/STATE/<host_id> is {"online":true,...} while
 * it is connected (retained; its will says false).
 *
 * Every node and device of the map has a state and counters for GET /api/v1/connections and
 * /metrics.
 */
#ifndef AJ_INGEST_SPARKPLUG_H
#define AJ_INGEST_SPARKPLUG_H

#include "base/err.h"
#include "base/limits.h"
#include "config/config.h"
#include "sparkplug/map.h"
#include "sparkplug/session.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reconnect backoff: first wait after a lost or refused connection, doubling up to the max. */
#define AJ_SPARKPLUG_RECONNECT_MS_MIN 500
#define AJ_SPARKPLUG_RECONNECT_MS_MAX 30000
/* Seconds between MQTT PINGREQs when idle. */
#define AJ_SPARKPLUG_KEEPALIVE_S 30
/* A full engine queue: a message's points wait 10 ms doubling to 500 ms, this many times
 * (about 2.5 s), then are dropped and counted (Sparkplug data is QoS 0: nothing would send
 * them again, and holding the network loop longer gets the connection dropped). */
#define AJ_SPARKPLUG_SUBMIT_TRIES 8
/* On stop, how long the offline STATE may take to be acknowledged by the broker. */
#define AJ_SPARKPLUG_STOP_WAIT_MS 2000
/* Warnings logged per 10 s (the rest are counted and summed up in one line). */
#define AJ_SPARKPLUG_WARNINGS_PER_WINDOW 20

struct aj_engine;
typedef struct aj_sparkplug aj_sparkplug;

/* A snapshot of one edge node or device of the map. */
typedef struct aj_sparkplug_status {
    const char *group; /* borrowed from the map: valid while the host runs */
    const char *node;
    const char *device; /* NULL for the edge node itself */
    aj_sp_state state;
    bool has_bd_seq;                       /* the node's current birth carried bdSeq */
    uint64_t bd_seq;                       /* that bdSeq (a device shows its node's) */
    int64_t last_success_ms;               /* wall clock of the last birth or data message taken; 0: none */
    int64_t last_error_ms;                 /* wall clock of the last problem; 0: none */
    char last_error[AJ_SP_ERROR_TEXT_MAX]; /* "" when none */
    uint64_t messages;                     /* messages of it (N* for a node, D* for a device) */
    uint64_t seq_gaps;                     /* sequence gaps seen (a node counts those of all its messages) */
    uint64_t rebirths_requested;           /* rebirth requests sent because of it */
    uint64_t deaths_ignored;               /* NDEATHs with another bdSeq or before a birth (node only) */
    uint64_t points;                       /* points handed to the engine, good and bad */
    uint64_t points_dropped;               /* points the engine did not take (queue full, journal error) */
    uint64_t metrics_unmapped;             /* metrics of its messages the map does not name (not stored) */
    uint64_t metrics_skipped; /* mapped metrics without a storable value (strings, DataSets, ...) */
    double points_per_second; /* over the last complete window of about 10 s */
} aj_sparkplug_status;

/* Counters of the whole host since start; safe from any thread. */
typedef struct aj_sparkplug_stats {
    bool is_connected;
    uint64_t messages;          /* received, every kind */
    uint64_t messages_rejected; /* a topic or payload that is not valid Sparkplug B */
    uint64_t messages_unmapped; /* of an edge node the map does not name */
    uint64_t points;            /* handed to the engine */
    uint64_t points_dropped;
    uint64_t seq_gaps;
    uint64_t rebirths_requested;
    uint64_t reconnects; /* connections to the broker after the first */
} aj_sparkplug_stats;

/* Checks the sparkplug-* settings, loads cfg->sparkplug_map, resolves its tags in
 * cfg->sparkplug_enterprise and starts the host thread (which connects, and keeps
 * reconnecting, in the background: a broker that is down at start is not an error).
 * Errors (message in err): AJ_EINVAL for a bad setting or map, AJ_ENOTFOUND for an unknown
 * enterprise or tag, AJ_ETOOBIG for a map too large, others for I/O or memory trouble.
 * store and engine stay owned by the caller and must outlive the host; free it with
 * aj_sparkplug_stop(). */
aj_err aj_sparkplug_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_sparkplug **out,
                          char *err, size_t errlen);
/* The same with a map already parsed (aj_sp_map_parse: from the plant file or the API);
 * cfg->sparkplug_map is not read. The host takes map over, also when it fails to start
 * (then map is freed). */
aj_err aj_sparkplug_start_map(const aj_config *cfg, aj_sp_map *map, aj_store *store, struct aj_engine *engine,
                              aj_sparkplug **out, char *err, size_t errlen);
/* Publishes the offline STATE, disconnects, stops the thread and frees s (NULL is fine).
 * Call before the engine stops. Tags are not marked bad on stop. */
void aj_sparkplug_stop(aj_sparkplug *s);

/* Edge nodes and devices of the map, each node followed by its devices (0 for NULL). */
int aj_sparkplug_n_connections(const aj_sparkplug *s);
/* A snapshot of connection i (0 <= i < aj_sparkplug_n_connections); safe from any thread. */
void aj_sparkplug_connection_status(aj_sparkplug *s, int i, aj_sparkplug_status *out);
/* Counters since start; safe from any thread. */
void aj_sparkplug_stats_get(aj_sparkplug *s, aj_sparkplug_stats *out);

#endif
