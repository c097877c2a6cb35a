/* channel.h — an OPC UA secure channel over TCP (OPC 10000-6 §6.7, §7.1): connect,
 * Hello/Acknowledge, OpenSecureChannel (issue and renew), sending requests as secured
 * chunks and receiving responses reassembled, CloseSecureChannel.
 *
 * One thread uses a channel at a time (the session and subscription code run in the
 * adapter's thread, or a browse in an HTTP thread with its own channel). Requests are
 * sent with aj_ua_channel_send and any response is taken with aj_ua_channel_recv, so a
 * caller can keep several requests (Publish) in flight and match responses by request id.
 * Token renewal is automatic: aj_ua_channel_send starts it at 75 % of the token lifetime
 * and aj_ua_channel_recv takes the answer.
 *
 * Security: policies None and Basic256Sha256 (security.h); the server certificate must be
 * in the PKI's trust list for a secured channel.
 */
#ifndef AJ_OPCUA_CHANNEL_H
#define AJ_OPCUA_CHANNEL_H

#include "base/err.h"
#include "opcua/chunk.h"
#include "opcua/security.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AJ_UA_URL_MAX 512
/* Our transport limits (Hello). */
#define AJ_UA_CHUNK_SIZE                  65536u
#define AJ_UA_CHANNEL_LIFETIME_MS_DEFAULT 3600000u

typedef struct aj_ua_channel_opts {
    const char *endpoint_url; /* opc.tcp://host:port[/path] */
    aj_ua_policy policy;
    aj_ua_mode mode;
    const aj_ua_pki *pki;       /* needed unless policy None */
    const uint8_t *server_cert; /* DER, from GetEndpoints; needed unless policy None */
    size_t server_cert_len;
    uint32_t timeout_ms;  /* connect, and each request's answer */
    uint32_t lifetime_ms; /* requested token lifetime; 0: the default */
} aj_ua_channel_opts;

typedef struct aj_ua_channel aj_ua_channel;

/* Parses "opc.tcp://host[:port][/path]" (port default 4840, IPv6 host in brackets). */
bool aj_ua_url_parse(const char *url, char *host, size_t hostlen, int *port);

/* Connects and opens the secure channel. The options' pointers must outlive the channel. */
aj_err aj_ua_channel_open(const aj_ua_channel_opts *opts, aj_ua_channel **out, char *err, size_t errlen);
/* Sends CloseSecureChannel (best effort), closes the socket and frees ch (NULL is fine). */
void aj_ua_channel_close(aj_ua_channel *ch);

/* The next request handle (for RequestHeader.RequestHandle). */
uint32_t aj_ua_channel_next_handle(aj_ua_channel *ch);
/* Sends one encoded request (type NodeId + fields) in as many chunks as needed; *request_id
 * is what the response will carry. Starts a token renewal first when one is due. */
aj_err aj_ua_channel_send(aj_ua_channel *ch, const uint8_t *msg, size_t len, uint32_t *request_id, char *err,
                          size_t errlen);
/* Waits up to timeout_ms for the next complete response. AJ_EUNAVAILABLE with err ""
 * when none arrived in time; other errors mean the channel is broken (close it). The body
 * stays valid until the next call on ch. */
aj_err aj_ua_channel_recv(aj_ua_channel *ch, int timeout_ms, uint32_t *request_id, const uint8_t **msg,
                          size_t *len, char *err, size_t errlen);
/* Sends a request and waits for its own response, handing any other response that arrives
 * meanwhile to other (may be NULL: dropped). */
typedef void (*aj_ua_other_fn)(void *ctx, uint32_t request_id, const uint8_t *msg, size_t len);
aj_err aj_ua_channel_call(aj_ua_channel *ch, const uint8_t *msg, size_t len, aj_ua_other_fn other, void *ctx,
                          const uint8_t **resp, size_t *resp_len, char *err, size_t errlen);

/* Counters. */
typedef struct aj_ua_channel_stats {
    uint32_t channel_id, token_id;
    uint32_t renewals;
    uint64_t chunks_sent, chunks_received, bytes_sent, bytes_received;
} aj_ua_channel_stats;
void aj_ua_channel_stats_get(const aj_ua_channel *ch, aj_ua_channel_stats *out);

#endif
