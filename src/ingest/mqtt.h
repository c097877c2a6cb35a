/* mqtt.h — the MQTT subscriber of `anjian serve` (docs/mqtt.md).
 *
 * One thread holds one libmosquitto client with a persistent session (clean session off),
 * subscribes to the configured topic filters on every connect, parses each message as line
 * protocol or a JSON points batch, resolves the keys in one enterprise and hands the points
 * to aj_engine_submit(), which returns once they are durable. Only then does the thread go
 * back to the network, so a QoS-1 PUBACK leaves after the points are in the ingest journal.
 * A full engine queue makes the thread wait (the broker's flow to anjian slows down);
 * nothing is dropped and nothing is buffered beyond the message being handled.
 */
#ifndef AJ_MQTT_H
#define AJ_MQTT_H

#include "base/err.h"
#include "config/config.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reconnect backoff: first wait after a lost or refused connection, doubling up to the max. */
#define AJ_MQTT_RECONNECT_MS_MIN 500
#define AJ_MQTT_RECONNECT_MS_MAX 30000
/* Back-pressure: wait while the engine's queue is full, doubling up to the max. */
#define AJ_MQTT_RETRY_MS_MIN 10
#define AJ_MQTT_RETRY_MS_MAX 500
/* On stop, how long a message waiting for a full queue keeps trying before the connection
 * is dropped without acknowledging it (the broker then delivers it again next time). */
#define AJ_MQTT_STOP_WAIT_MS 10000
/* Seconds between MQTT PINGREQs when idle (the broker drops us after 1.5x this silent). */
#define AJ_MQTT_KEEPALIVE_S 30
/* Topic filters in mqtt-topics. */
#define AJ_MQTT_TOPICS_MAX 32
/* Payload bytes accepted; larger messages are rejected (counted, acknowledged). Same bound as a
 * /write body by default. */
#define AJ_MQTT_PAYLOAD_MAX (16u * 1024u * 1024u)

struct aj_engine;
typedef struct aj_mqtt aj_mqtt;

typedef struct aj_mqtt_stats {
    uint64_t messages;          /* messages received (including bad ones) */
    uint64_t messages_rejected; /* messages with at least one rejected line or point */
    uint64_t points_accepted;   /* made durable by the engine */
    uint64_t points_rejected;   /* bad lines/points, unknown keys, string values */
    uint64_t reconnects;        /* successful connects after the first */
    uint64_t queue_full_waits;  /* times a message waited for a full engine queue */
    bool is_connected;
} aj_mqtt_stats;

/* Checks the mqtt-* settings, looks up mqtt-enterprise in store, and starts the subscriber
 * thread (which connects, and keeps reconnecting, in the background: a broker that is down
 * at start is not an error). AJ_EINVAL for a bad setting, AJ_ENOTFOUND for an unknown
 * enterprise, with a message in err. store and engine stay owned by the caller and must
 * outlive the subscriber; free it with aj_mqtt_stop(). */
aj_err aj_mqtt_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_mqtt **out,
                     char *err, size_t errlen);
/* Finishes the message being handled, disconnects, stops the thread and frees m (NULL is
 * fine). Call before the engine stops. */
void aj_mqtt_stop(aj_mqtt *m);
/* Counters since start; safe from any thread. */
void aj_mqtt_stats_get(aj_mqtt *m, aj_mqtt_stats *out);

/* Parses "mqtt://host[:port]" or "tcp://host[:port]" (port 1..65535, default 1883; an IPv6
 * host in brackets). False when malformed. Exposed for the unit tests. */
bool aj_mqtt_url_parse(const char *url, char *host, size_t hostlen, int *port);

#endif
