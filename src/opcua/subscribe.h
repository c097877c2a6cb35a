/* subscribe.h — an OPC UA subscription (OPC 10000-4 §5.13, §5.12): CreateSubscription,
 * CreateMonitoredItems in batches, and the Publish loop with acknowledgements, keep-alives,
 * sequence-gap detection and Republish.
 *
 * The caller's thread drives it: aj_ua_sub_step keeps AJ_UA_PUBLISH_IN_FLIGHT Publish
 * requests outstanding, waits for one response and hands each data change to a callback.
 * A notification whose sequence number skips ahead makes the missing ones be asked for
 * with Republish at once and handed over first, so values arrive in order (the historian
 * takes no point older than its tag's newest); what the server no longer holds is counted
 * as lost. After a reconnect that kept the session, aj_ua_sub_resume continues
 * the same subscription on the new channel (nothing is lost while the server kept it);
 * when the session was new, create the subscription again.
 */
#ifndef AJ_OPCUA_SUBSCRIBE_H
#define AJ_OPCUA_SUBSCRIBE_H

#include "base/limits.h"
#include "opcua/session.h"

/* One data change: client_handle is the item's index as given to aj_ua_sub_create. */
typedef void (*aj_ua_change_fn)(void *ctx, uint32_t client_handle, const aj_ua_data_value *dv);

typedef struct aj_ua_sub_stats {
    uint64_t notifications;  /* NotificationMessages with data */
    uint64_t data_changes;   /* item values delivered */
    uint64_t keepalives;     /* Publish responses without data */
    uint64_t republished;    /* messages recovered with Republish */
    uint64_t lost;           /* messages the server could not republish */
    uint64_t status_changes; /* StatusChangeNotifications (the server ended the subscription) */
} aj_ua_sub_stats;

typedef struct aj_ua_sub {
    aj_ua_client *client;
    uint32_t id;
    double interval_ms;
    uint32_t keepalive_count, lifetime_count;
    uint32_t last_seq; /* last data sequence number taken (0: none yet) */
    aj_ua_ack acks[64];
    uint32_t n_acks;
    uint32_t publish_ids[8]; /* at least AJ_UA_PUBLISH_IN_FLIGHT */
    uint32_t n_publish;
    /* responses that arrived while a Republish was awaited: handled next (owned copies) */
    struct aj_ua_stashed {
        uint32_t request_id;
        uint8_t *msg;
        size_t len;
    } stash[8];
    uint32_t n_stash;
    int64_t last_response_ms; /* monotonic */
    aj_ua_writer w;
    aj_ua_sub_stats stats;
} aj_ua_sub;

/* Creates the subscription and its items (in batches of AJ_UA_ITEMS_PER_CALL).
 * item_status[k] receives each item's creation status (Good, or why the server refused
 * it: such an item gets no values). items[k].client_handle must be k. */
aj_err aj_ua_sub_create(aj_ua_sub *s, aj_ua_client *c, double interval_ms, uint32_t keepalive_count,
                        const aj_ua_item_request *items, uint32_t n, uint32_t *item_status, char *err,
                        size_t errlen);
/* After aj_ua_client_reconnect kept the session: continue on the new channel. */
void aj_ua_sub_resume(aj_ua_sub *s);
/* One turn of the Publish loop, waiting up to wait_ms. AJ_OK (also when nothing came);
 * AJ_ENOTFOUND when the server no longer has the subscription (create it again);
 * AJ_EUNAVAILABLE when the channel failed or the server went silent past the keep-alive
 * limit (reconnect); other errors for a malformed message (reconnect). */
aj_err aj_ua_sub_step(aj_ua_sub *s, int wait_ms, aj_ua_change_fn fn, void *ctx, char *err, size_t errlen);
/* Frees what the subscription holds (not the server side: closing the session does that). */
void aj_ua_sub_clear(aj_ua_sub *s);

#endif
