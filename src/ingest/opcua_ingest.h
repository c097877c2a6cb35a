/* opcua_ingest.h — the OPC UA client of `anjian serve` (docs/opcua.md "Subscriptions").
 *
 * At start the connection map (--opcua-map) is loaded, every item's tag key is resolved in
 * one enterprise (--opcua-enterprise) and the PKI (--opcua-pki-dir) is opened (our
 * certificate is made on first start). Then one thread per endpoint connects (discovery,
 * secure channel, session), subscribes to the items and hands every data change to
 * aj_engine_submit() as a point with the source timestamp as event time and the status
 * code as quality. A lost connection turns the endpoint's tags bad (communication loss)
 * and is retried with backoff: the session is re-activated on a new channel when the
 * server still has it (the subscription goes on, missed notifications are republished),
 * else a new session and subscription are made.
 *
 * Read-only by design: the client never calls Write, Call or any service that changes the
 * server.
 */
#ifndef AJ_OPCUA_INGEST_H
#define AJ_OPCUA_INGEST_H

#include "base/err.h"
#include "base/limits.h"
#include "config/config.h"
#include "opcua/session.h"
#include "opcua/uamap.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

struct aj_engine;
typedef struct aj_ua_ingest aj_ua_ingest;

typedef enum {
    AJ_UA_EP_CONNECTING = 0, /* not connected yet */
    AJ_UA_EP_CONNECTED,      /* session and subscription up */
    AJ_UA_EP_FAILING,        /* the last attempt failed; retrying with backoff */
} aj_ua_endpoint_state;

const char *aj_ua_endpoint_state_name(aj_ua_endpoint_state s);

/* Upper bounds (ms) of the data-age histogram buckets; a last bucket takes the rest. */
#define AJ_UA_AGE_BUCKETS 16
extern const int aj_ua_age_bounds_ms[AJ_UA_AGE_BUCKETS];

typedef struct aj_ua_endpoint_status {
    const char *code; /* borrowed from the map: valid while the client runs */
    const char *url;
    aj_ua_policy policy;
    aj_ua_mode mode;
    bool is_username;
    int items;
    int items_failed; /* items the server refused to monitor */
    aj_ua_endpoint_state state;
    int64_t last_success_ms; /* wall clock of the last Publish response; 0: none */
    int64_t last_error_ms;
    char last_error[AJ_UA_ERROR_TEXT_MAX];
    uint64_t connects, reconnects, sessions_created;
    uint64_t channel_renewals;                        /* security tokens renewed on open channels */
    uint64_t points, points_dropped, points_unusable; /* unusable: a value that is not a number */
    uint64_t notifications, keepalives, republished, lost;
    double points_per_second;
    /* Data age of the good points: from the source timestamp to the moment the engine has
     * the point durable (aj_engine_submit returned), counted per bucket (cumulative since
     * start; the last entry is beyond the last bound). */
    uint64_t age_counts[AJ_UA_AGE_BUCKETS + 1];
    double age_sum_ms;
} aj_ua_endpoint_status;

/* Loads the map from cfg->opcua_map and starts. Errors (message in err): AJ_EINVAL for a
 * bad map or settings, AJ_ENOTFOUND for an unknown enterprise or tag, others for I/O, PKI,
 * database or memory trouble. store and engine must outlive the client. */
aj_err aj_ua_ingest_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_ua_ingest **out,
                          char *err, size_t errlen);
/* The same with the map given as JSON text (from the database: docs/connections.md);
 * cfg->opcua_map then only names where it comes from in messages. */
aj_err aj_ua_ingest_start_text(const aj_config *cfg, const char *text, size_t len, aj_store *store,
                               struct aj_engine *engine, aj_ua_ingest **out, char *err, size_t errlen);
/* Stops the threads (within about one request timeout), closes the sessions, frees u (NULL
 * is fine). Call before the engine stops. */
void aj_ua_ingest_stop(aj_ua_ingest *u);

int aj_ua_ingest_n_endpoints(const aj_ua_ingest *u);
void aj_ua_ingest_endpoint_status(aj_ua_ingest *u, int i, aj_ua_endpoint_status *out);
/* How to connect to the map's endpoint `code` (for the browse route: a short session of
 * its own with the endpoint's security and identity). The pointers stay valid while the
 * client runs. AJ_ENOTFOUND for an unknown code. */
aj_err aj_ua_ingest_client_opts(aj_ua_ingest *u, const char *code, struct aj_ua_client_opts *out);

#endif
