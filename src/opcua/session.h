/* session.h — an OPC UA client session (OPC 10000-4 §5.4, §5.6): endpoint discovery,
 * CreateSession / ActivateSession with an Anonymous or UserName identity, re-activation on
 * a new channel after a connection loss, Read and Browse.
 *
 * aj_ua_client_connect asks the server for its endpoints (GetEndpoints on an unsecured
 * channel, as discovery allows), picks the one with the configured policy and mode, checks
 * its certificate against the trust list (secured policies, and UserName passwords
 * encrypted with the server key), opens the channel and the session. After a lost
 * connection aj_ua_client_reconnect opens a new channel and re-activates the same session
 * (its subscriptions live on); when the server no longer knows the session (it restarted,
 * or the session timed out) it creates a new one and says so, so that the caller
 * re-creates its subscription.
 */
#ifndef AJ_OPCUA_SESSION_H
#define AJ_OPCUA_SESSION_H

#include "base/arena.h"
#include "opcua/channel.h"
#include "opcua/messages.h"
#include "opcua/pki.h"

#include <stdbool.h>

typedef struct aj_ua_client_opts {
    const char *endpoint_url;
    aj_ua_policy policy;
    aj_ua_mode mode;
    aj_ua_pki *pki;       /* our certificate and trust list; needed for secured policies and
                             for UserName tokens whose password is encrypted */
    const char *username; /* NULL: Anonymous */
    const char *password;
    uint32_t timeout_ms;         /* connect and each request */
    uint32_t session_timeout_ms; /* requested; the server revises it */
    uint32_t channel_lifetime_ms;
    const char *session_name;
} aj_ua_client_opts;

typedef struct aj_ua_client aj_ua_client;

/* Discovers the endpoint, opens the channel and an activated session. The options'
 * strings must outlive the client. Errors: AJ_EUNAVAILABLE (server unreachable or it
 * refused), AJ_EFORBIDDEN (server certificate not trusted, identity rejected), AJ_ENOTFOUND
 * (no endpoint with the policy and mode, or none taking the identity), AJ_EINVAL (a
 * malformed answer). err says what. */
aj_err aj_ua_client_connect(const aj_ua_client_opts *opts, aj_ua_client **out, char *err, size_t errlen);
/* Opens a new channel and re-activates the session; when the server refuses that, creates
 * and activates a new session and sets *is_new_session. */
aj_err aj_ua_client_reconnect(aj_ua_client *c, bool *is_new_session, char *err, size_t errlen);
/* Drops the channel without closing the session (after a connection loss). */
void aj_ua_client_drop_channel(aj_ua_client *c);
/* Closes the session (deleting its subscriptions) and the channel, frees c (NULL is fine). */
void aj_ua_client_close(aj_ua_client *c);

aj_ua_channel *aj_ua_client_channel(aj_ua_client *c);
/* A request header for the session's next request. */
aj_ua_request_header aj_ua_client_header(aj_ua_client *c);

/* Sends a request and decodes the response header: *r is ready for the body decoder (the
 * message is in arena's reader); ServiceFault and a bad ServiceResult are errors naming the
 * status. expect_type: the response's encoding id. Other responses arriving meanwhile go to
 * other. */
aj_err aj_ua_client_call(aj_ua_client *c, aj_ua_writer *req, uint32_t expect_type, aj_arena *arena,
                         aj_ua_other_fn other, void *ctx, aj_ua_reader *r, uint32_t *service_result,
                         char *err, size_t errlen);

/* Reads the Value attribute of n nodes (index_ranges may be NULL). */
aj_err aj_ua_client_read(aj_ua_client *c, const aj_ua_node_id *nodes, const aj_ua_string *index_ranges,
                         uint32_t n, aj_arena *arena, aj_ua_read_resp *out, char *err, size_t errlen);
/* Browses the forward hierarchical references of node, following continuation points up
 * to max_refs references in all. */
aj_err aj_ua_client_browse(aj_ua_client *c, const aj_ua_node_id *node, uint32_t max_refs, aj_arena *arena,
                           aj_ua_reference **refs, uint32_t *n_refs, char *err, size_t errlen);

#endif
