/* channel.c — the OPC UA secure channel over TCP (channel.h).
 *
 * Layout of what we send (OPC 10000-6 §6.7.2):
 *   OPN: header(8) SecureChannelId(4) AsymmetricSecurityHeader SequenceHeader(8) body [padding signature]
 *   MSG/CLO: header(8) SecureChannelId(4) TokenId(4) SequenceHeader(8) body-part [padding signature]
 * security.c adds padding and signature and encrypts; here we frame, split, number and
 * check. Every chunk the server sends is read whole (size checked against the negotiated
 * buffer first), its security removed, its sequence number checked (each one the previous
 * plus one), and its body given to the reassembly.
 */
#include "opcua/channel.h"
#include "base/timeutil.h"

#include "base/limits.h"
#include "opcua/messages.h"
#include "opcua/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct aj_ua_channel {
    int fd;
    aj_ua_channel_opts opts;
    char url[AJ_UA_URL_MAX];
    aj_ua_limits ours, theirs;
    uint32_t channel_id, token_id;
    uint32_t prev_token_id; /* the token before the last renewal (0: none) */
    aj_ua_keys client_keys, server_keys, prev_server_keys;
    uint8_t client_nonce[32];
    size_t client_nonce_len;
    uint32_t send_seq, recv_seq;
    bool has_recv_seq;
    uint32_t next_request_id, next_handle;
    int64_t renew_at_ms;       /* monotonic time to start the next renewal */
    uint32_t renew_request_id; /* an OPN renewal in flight (0: none) */
    uint32_t revised_lifetime_ms;
    aj_ua_assembly assembly;
    uint8_t *rx; /* one received chunk */
    uint8_t *tx; /* one chunk being sent */
    size_t tx_cap;
    aj_ua_writer msg; /* a message being built (OPN, CLO) */
    aj_ua_channel_stats stats;
};

bool aj_ua_url_parse(const char *url, char *host, size_t hostlen, int *port) {
    static const char scheme[] = "opc.tcp://";
    if (strncmp(url, scheme, sizeof scheme - 1)) return false;
    const char *h = url + sizeof scheme - 1, *end;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end) return false;
        h++;
    } else {
        end = h + strcspn(h, ":/");
    }
    size_t n = (size_t)(end - h);
    if (!n || n >= hostlen) return false;
    memcpy(host, h, n);
    host[n] = 0;
    const char *rest = *end == ']' ? end + 1 : end;
    *port = 4840;
    if (*rest == ':') {
        char *stop;
        long p = strtol(rest + 1, &stop, 10);
        if (stop == rest + 1 || p < 1 || p > 65535 || (*stop && *stop != '/')) return false;
        *port = (int)p;
    } else if (*rest && *rest != '/') {
        return false;
    }
    return true;
}

/* ---- socket ---------------------------------------------------------------------------------- */

static aj_err tcp_connect(const char *host, int port, uint32_t timeout_ms, int *out, char *err,
                          size_t errlen) {
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return AJ_EUNAVAILABLE;
    }
    int last = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) && errno != EINPROGRESS) {
            last = errno;
            close(fd);
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int so = 0;
        socklen_t sl = sizeof so;
        if (poll(&p, 1, (int)timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) || so) {
            last = so ? so : ETIMEDOUT;
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        freeaddrinfo(res);
        *out = fd;
        return AJ_OK;
    }
    freeaddrinfo(res);
    snprintf(err, errlen, "cannot connect to %s:%d: %s", host, port, strerror(last ? last : ECONNREFUSED));
    return AJ_EUNAVAILABLE;
}

static aj_err write_all(aj_ua_channel *ch, const uint8_t *p, size_t n, char *err, size_t errlen) {
    int64_t deadline = aj_time_mono_ms() + ch->opts.timeout_ms;
    while (n) {
        ssize_t k = send(ch->fd, p, n, MSG_NOSIGNAL);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
            ch->stats.bytes_sent += (uint64_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int64_t left = deadline - aj_time_mono_ms();
            struct pollfd pf = {.fd = ch->fd, .events = POLLOUT};
            if (left > 0 && poll(&pf, 1, (int)left) >= 0) continue;
            snprintf(err, errlen, "sending to the server timed out");
            return AJ_EUNAVAILABLE;
        }
        snprintf(err, errlen, "sending to the server failed: %s", strerror(k < 0 ? errno : EPIPE));
        return AJ_EUNAVAILABLE;
    }
    return AJ_OK;
}

/* Reads exactly n bytes before the monotonic deadline. AJ_EUNAVAILABLE with "" when nothing
 * at all arrived and is_first (a quiet timeout), else an error message. */
static aj_err read_exact(aj_ua_channel *ch, uint8_t *p, size_t n, int64_t deadline, bool is_first, char *err,
                         size_t errlen) {
    size_t got = 0;
    while (got < n) {
        ssize_t k = recv(ch->fd, p + got, n - got, 0);
        if (k > 0) {
            got += (size_t)k;
            ch->stats.bytes_received += (uint64_t)k;
            continue;
        }
        if (k == 0) {
            snprintf(err, errlen, "the server closed the connection");
            return AJ_EUNAVAILABLE;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            snprintf(err, errlen, "receiving from the server failed: %s", strerror(errno));
            return AJ_EUNAVAILABLE;
        }
        int64_t left = deadline - aj_time_mono_ms();
        struct pollfd pf = {.fd = ch->fd, .events = POLLIN};
        int rc = left > 0 ? poll(&pf, 1, (int)left) : 0;
        if (rc > 0 || (rc < 0 && errno == EINTR)) continue;
        if (is_first && got == 0) {
            err[0] = 0;
        } else {
            snprintf(err, errlen, "the server stopped sending in the middle of a message (%zu of %zu bytes)",
                     got, n);
        }
        return AJ_EUNAVAILABLE;
    }
    return AJ_OK;
}

/* Reads one chunk into ch->rx: header checked against our receive buffer. */
static aj_err read_chunk(aj_ua_channel *ch, int timeout_ms, aj_ua_msg_header *h, char *err, size_t errlen) {
    int64_t deadline = aj_time_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    aj_err e = read_exact(ch, ch->rx, AJ_UA_TCP_HEADER_LEN, deadline, true, err, errlen);
    if (e) return e;
    if ((e = aj_ua_msg_header_parse(ch->rx, ch->ours.receive_buffer, h, err, errlen))) return e;
    /* the rest of a chunk that has started must come within the request timeout */
    int64_t rest_deadline = aj_time_mono_ms() + ch->opts.timeout_ms;
    e = read_exact(ch, ch->rx + AJ_UA_TCP_HEADER_LEN, h->size - AJ_UA_TCP_HEADER_LEN, rest_deadline, false,
                   err, errlen);
    if (!e) ch->stats.chunks_received++;
    return e;
}

/* ---- sequence numbers and security ------------------------------------------------------------ */

static aj_err check_sequence(aj_ua_channel *ch, uint32_t seq, char *err, size_t errlen) {
    if (ch->has_recv_seq) {
        uint32_t want = aj_ua_seq_next(ch->recv_seq);
        /* after the wrap the server restarts below 1024 */
        bool wrapped = ch->recv_seq >= AJ_UA_SEQ_WRAP_LIMIT && seq < AJ_UA_SEQ_RESTART;
        if (seq != want && !wrapped) {
            snprintf(err, errlen, "sequence number %u follows %u (expected %u): a chunk was lost or replayed",
                     seq, ch->recv_seq, want);
            return AJ_EINVAL;
        }
    }
    ch->recv_seq = seq;
    ch->has_recv_seq = true;
    return AJ_OK;
}

/* Writes the asymmetric security header. */
static void write_asym_header(aj_ua_channel *ch, aj_ua_writer *w) {
    aj_ua_write_string(w, aj_ua_string_of(aj_ua_policy_uri(ch->opts.policy)));
    if (ch->opts.policy == AJ_UA_POLICY_NONE) {
        aj_ua_write_bytestring(w, AJ_UA_STRING_NULL);
        aj_ua_write_bytestring(w, AJ_UA_STRING_NULL);
        return;
    }
    size_t cert_len = 0;
    const uint8_t *cert = aj_ua_pki_own_cert(ch->opts.pki, &cert_len);
    aj_ua_write_bytestring(w, (aj_ua_string){(const char *)cert, (int32_t)cert_len});
    uint8_t thumb[20];
    size_t leaf = aj_ua_cert_leaf_len(ch->opts.server_cert, ch->opts.server_cert_len);
    aj_ua_cert_thumbprint(ch->opts.server_cert, leaf ? leaf : ch->opts.server_cert_len, thumb);
    aj_ua_write_bytestring(w, (aj_ua_string){(const char *)thumb, 20});
}

/* Sends an OpenSecureChannel request (issue or renew); *request_id is its id. */
static aj_err send_open(aj_ua_channel *ch, bool is_renew, uint32_t *request_id, char *err, size_t errlen) {
    uint32_t mode = ch->opts.policy == AJ_UA_POLICY_NONE ? AJ_UA_MODE_NONE : ch->opts.mode;
    ch->client_nonce_len = aj_ua_policy_nonce_len(ch->opts.policy);
    if (ch->client_nonce_len && aj_ua_random(ch->client_nonce, ch->client_nonce_len)) {
        snprintf(err, errlen, "no random bytes for the channel nonce");
        return AJ_EINTERNAL;
    }
    aj_ua_writer *w = &ch->msg;
    w->len = 0;
    w->status = AJ_OK;
    aj_ua_msg_header_write(w, AJ_UA_MT_OPN, 'F');
    aj_ua_write_uint32(w, ch->channel_id);
    write_asym_header(ch, w);
    size_t hdr_len = w->len;
    *request_id = ch->next_request_id++;
    ch->send_seq = aj_ua_seq_next(ch->send_seq);
    aj_ua_write_uint32(w, ch->send_seq);
    aj_ua_write_uint32(w, *request_id);
    aj_ua_request_header rh = {.timestamp = aj_ua_datetime_from_unix_ns(aj_time_now_ns()),
                               .handle = aj_ua_channel_next_handle(ch),
                               .timeout_hint_ms = ch->opts.timeout_ms};
    rh.auth_token = aj_ua_node_numeric(0, 0);
    aj_ua_string nonce = {(const char *)ch->client_nonce, (int32_t)ch->client_nonce_len};
    uint32_t lifetime = ch->opts.lifetime_ms ? ch->opts.lifetime_ms : AJ_UA_CHANNEL_LIFETIME_MS_DEFAULT;
    aj_ua_encode_open_channel(w, &rh, is_renew, mode, nonce, lifetime);
    size_t plain_len = w->len - hdr_len;
    size_t cap = aj_ua_asym_sealed_size(ch->opts.policy, ch->opts.mode, ch->opts.pki, ch->opts.server_cert,
                                        ch->opts.server_cert_len, hdr_len, plain_len);
    if (!cap) {
        snprintf(err, errlen, "the server certificate cannot be used with %s",
                 aj_ua_policy_name(ch->opts.policy));
        return AJ_EINVAL;
    }
    if (!w->status && w->cap < cap) {
        size_t keep = w->len, extra = cap - w->len;
        uint8_t *zeros = calloc(1, extra);
        if (zeros) aj_ua_write_bytes(w, zeros, extra);
        free(zeros);
        if (!zeros) aj_ua_writer_fail(w, AJ_ENOMEM, "OPN", "out of memory");
        w->len = keep;
    }
    if (w->status) {
        snprintf(err, errlen, "OpenSecureChannel request: %s", w->err);
        return AJ_EINTERNAL;
    }
    size_t out_len = 0;
    aj_err e = aj_ua_asym_seal(ch->opts.pki, ch->opts.server_cert, ch->opts.server_cert_len, ch->opts.policy,
                               ch->opts.mode, w->buf, hdr_len, plain_len, w->cap, &out_len, err, errlen);
    if (e) return e;
    if (out_len > ch->theirs.receive_buffer) {
        snprintf(err, errlen, "OpenSecureChannel request of %zu bytes exceeds the server's %u-byte buffer",
                 out_len, ch->theirs.receive_buffer);
        return AJ_ETOOBIG;
    }
    ch->stats.chunks_sent++;
    return write_all(ch, w->buf, out_len, err, errlen);
}

/* Handles an OPN response chunk in ch->rx (size h->size): checks and applies the token. */
static aj_err take_open_response(aj_ua_channel *ch, const aj_ua_msg_header *h, uint32_t *request_id,
                                 char *err, size_t errlen) {
    aj_arena *arena = aj_arena_new();
    if (!arena) return AJ_ENOMEM;
    aj_err e = AJ_OK;
    aj_ua_reader r;
    aj_ua_reader_init(&r, ch->rx, h->size, arena);
    r.pos = AJ_UA_TCP_HEADER_LEN;
    uint32_t channel_id = 0;
    aj_ua_string policy_uri, sender_cert, thumb;
    aj_ua_read_uint32(&r, "OPN.SecureChannelId", &channel_id);
    aj_ua_read_string(&r, "OPN.SecurityPolicyUri", &policy_uri);
    aj_ua_read_bytestring(&r, "OPN.SenderCertificate", &sender_cert);
    aj_ua_read_bytestring(&r, "OPN.ReceiverCertificateThumbprint", &thumb);
    if (r.status) {
        snprintf(err, errlen, "%s", r.err);
        e = AJ_EINVAL;
        goto out;
    }
    aj_ua_policy policy;
    if (!aj_ua_policy_from_uri(policy_uri.data ? policy_uri.data : "",
                               policy_uri.len > 0 ? (size_t)policy_uri.len : 0, &policy) ||
        policy != ch->opts.policy) {
        snprintf(err, errlen, "the server answered OpenSecureChannel with another security policy (%.100s)",
                 policy_uri.len > 0 ? policy_uri.data : "none given");
        e = AJ_EINVAL;
        goto out;
    }
    const uint8_t *sender = (const uint8_t *)sender_cert.data;
    size_t sender_len = sender_cert.len > 0 ? (size_t)sender_cert.len : 0;
    if (policy != AJ_UA_POLICY_NONE &&
        (sender_len != ch->opts.server_cert_len || memcmp(sender, ch->opts.server_cert, sender_len))) {
        snprintf(err, errlen,
                 "the server signed OpenSecureChannel with a certificate other than its endpoint's");
        e = AJ_EINVAL;
        goto out;
    }
    if (policy != AJ_UA_POLICY_NONE) {
        uint8_t own[AJ_UA_THUMBPRINT_LEN];
        aj_ua_pki_own_thumbprint(ch->opts.pki, own);
        if (thumb.len != AJ_UA_THUMBPRINT_LEN || memcmp(thumb.data, own, AJ_UA_THUMBPRINT_LEN)) {
            snprintf(err, errlen, "the server encrypted OpenSecureChannel for another certificate than ours");
            e = AJ_EINVAL;
            goto out;
        }
    }
    size_t plain_off = 0, plain_len = 0;
    if ((e = aj_ua_asym_open(ch->opts.pki, sender, sender_len, policy, ch->opts.mode, ch->rx, h->size, r.pos,
                             &plain_off, &plain_len, err, errlen)))
        goto out;
    if (plain_len < AJ_UA_SEQ_HEADER_LEN) {
        snprintf(err, errlen, "OPN response without a sequence header");
        e = AJ_EINVAL;
        goto out;
    }
    uint32_t seq = aj_ua_get_u32(ch->rx + plain_off);
    *request_id = aj_ua_get_u32(ch->rx + plain_off + 4);
    if ((e = check_sequence(ch, seq, err, errlen))) goto out;
    aj_ua_reader_init(&r, ch->rx + plain_off + AJ_UA_SEQ_HEADER_LEN, plain_len - AJ_UA_SEQ_HEADER_LEN, arena);
    uint32_t type = 0;
    aj_ua_response_header rh;
    aj_ua_response_begin(&r, &type, &rh);
    if (!r.status && type == AJ_UA_ID_SERVICE_FAULT) {
        const char *name = aj_ua_status_name(rh.service_result);
        snprintf(err, errlen, "OpenSecureChannel refused: 0x%08X %s", rh.service_result, name ? name : "");
        e = AJ_EUNAVAILABLE;
        goto out;
    }
    if (!r.status && type != AJ_UA_ID_OPEN_CHANNEL_RESP)
        aj_ua_reader_fail(&r, AJ_EINVAL, 0, "OPN", "message type %u is not OpenSecureChannelResponse", type);
    aj_ua_open_channel_resp resp;
    if (r.status || aj_ua_decode_open_channel(&r, &resp)) {
        snprintf(err, errlen, "%s", r.err);
        e = AJ_EINVAL;
        goto out;
    }
    if (rh.service_result >= 0x80000000u) {
        const char *name = aj_ua_status_name(rh.service_result);
        snprintf(err, errlen, "OpenSecureChannel refused: 0x%08X %s", rh.service_result, name ? name : "");
        e = AJ_EUNAVAILABLE;
        goto out;
    }
    if (ch->channel_id && resp.channel_id != ch->channel_id) {
        snprintf(err, errlen, "the renewed token belongs to channel %u, not %u", resp.channel_id,
                 ch->channel_id);
        e = AJ_EINVAL;
        goto out;
    }
    aj_ua_keys client_keys, server_keys;
    memset(&client_keys, 0, sizeof client_keys);
    memset(&server_keys, 0, sizeof server_keys);
    if (policy != AJ_UA_POLICY_NONE) {
        size_t sn_len = resp.server_nonce.len > 0 ? (size_t)resp.server_nonce.len : 0;
        if (sn_len != 32) {
            snprintf(err, errlen, "the server nonce has %zu bytes, Basic256Sha256 needs 32", sn_len);
            e = AJ_EINVAL;
            goto out;
        }
        if ((e = aj_ua_derive_keys(policy, ch->client_nonce, ch->client_nonce_len,
                                   (const uint8_t *)resp.server_nonce.data, sn_len, &client_keys,
                                   &server_keys, err, errlen)))
            goto out;
    }
    ch->prev_token_id = ch->token_id;
    aj_ua_keys_clear(&ch->prev_server_keys);
    ch->prev_server_keys = ch->server_keys;
    aj_ua_keys_clear(&ch->client_keys);
    ch->channel_id = resp.channel_id;
    ch->token_id = resp.token_id;
    ch->client_keys = client_keys;
    ch->server_keys = server_keys;
    ch->revised_lifetime_ms = resp.revised_lifetime_ms ? resp.revised_lifetime_ms : 600000;
    ch->renew_at_ms = aj_time_mono_ms() + (int64_t)ch->revised_lifetime_ms * 3 / 4;
    ch->stats.channel_id = ch->channel_id;
    ch->stats.token_id = ch->token_id;
out:
    aj_arena_free(arena);
    return e;
}

/* ---- open / close ---------------------------------------------------------------------------- */

static void channel_free(aj_ua_channel *ch) {
    if (!ch) return;
    if (ch->fd >= 0) close(ch->fd);
    aj_ua_assembly_free(&ch->assembly);
    aj_ua_writer_clear(&ch->msg);
    free(ch->rx);
    free(ch->tx);
    free(ch);
}

/* A server Error message in ch->rx as an error text. */
static aj_err server_error(aj_ua_channel *ch, const aj_ua_msg_header *h, const char *when, char *err,
                           size_t errlen) {
    uint32_t status = 0;
    char reason[160];
    aj_ua_error_decode(ch->rx + AJ_UA_TCP_HEADER_LEN, h->size - AJ_UA_TCP_HEADER_LEN, &status, reason,
                       sizeof reason);
    const char *name = aj_ua_status_name(status);
    snprintf(err, errlen, "the server sent Error %s0x%08X%s%s %s", name ? name : "", status, name ? "" : "",
             reason[0] ? ":" : "", reason);
    (void)when;
    return AJ_EUNAVAILABLE;
}

aj_err aj_ua_channel_open(const aj_ua_channel_opts *opts, aj_ua_channel **out, char *err, size_t errlen) {
    *out = NULL;
    err[0] = 0;
    if (strlen(opts->endpoint_url) >= AJ_UA_URL_MAX) {
        snprintf(err, errlen, "endpoint URL longer than %d bytes", AJ_UA_URL_MAX - 1);
        return AJ_EINVAL;
    }
    char host[256];
    int port;
    if (!aj_ua_url_parse(opts->endpoint_url, host, sizeof host, &port)) {
        snprintf(err, errlen, "endpoint URL \"%.100s\" is not opc.tcp://host[:port][/path]",
                 opts->endpoint_url);
        return AJ_EINVAL;
    }
    if (opts->policy != AJ_UA_POLICY_NONE && (!opts->pki || !opts->server_cert || !opts->server_cert_len)) {
        snprintf(err, errlen, "a secured channel needs our PKI and the server certificate");
        return AJ_EINVAL;
    }
    aj_ua_channel *ch = calloc(1, sizeof *ch);
    if (!ch) return AJ_ENOMEM;
    ch->fd = -1;
    ch->opts = *opts;
    if (!ch->opts.timeout_ms) ch->opts.timeout_ms = 10000;
    snprintf(ch->url, sizeof ch->url, "%s", opts->endpoint_url);
    ch->opts.endpoint_url = ch->url;
    ch->next_request_id = 1;
    ch->next_handle = 1;
    ch->ours = (aj_ua_limits){0, AJ_UA_CHUNK_SIZE, AJ_UA_CHUNK_SIZE, AJ_UA_MESSAGE_MAX, 0};
    aj_ua_writer_init(&ch->msg, AJ_UA_CHUNK_SIZE * 4);
    ch->rx = malloc(AJ_UA_CHUNK_SIZE);
    aj_err e = ch->rx ? AJ_OK : AJ_ENOMEM;
    if (!e) e = tcp_connect(host, port, ch->opts.timeout_ms, &ch->fd, err, errlen);
    if (!e) {
        aj_ua_writer *w = &ch->msg;
        aj_ua_hello_encode(w, &ch->ours, ch->url);
        e = w->status ? AJ_EINTERNAL : write_all(ch, w->buf, w->len, err, errlen);
    }
    aj_ua_msg_header h;
    if (!e) {
        e = read_chunk(ch, (int)ch->opts.timeout_ms, &h, err, errlen);
        if (e == AJ_EUNAVAILABLE && !err[0]) snprintf(err, errlen, "no Acknowledge from the server in time");
    }
    if (!e && h.type == AJ_UA_MT_ERR) e = server_error(ch, &h, "Hello", err, errlen);
    if (!e && h.type != AJ_UA_MT_ACK) {
        snprintf(err, errlen, "the server answered Hello with %s", aj_ua_msg_type_name(h.type));
        e = AJ_EINVAL;
    }
    if (!e)
        e = aj_ua_ack_decode(ch->rx + AJ_UA_TCP_HEADER_LEN, h.size - AJ_UA_TCP_HEADER_LEN, &ch->ours,
                             &ch->theirs, err, errlen);
    if (!e) {
        ch->tx_cap = ch->theirs.receive_buffer;
        ch->tx = malloc(ch->tx_cap);
        aj_ua_assembly_init(&ch->assembly, ch->ours.max_message, 0);
        if (!ch->tx) e = AJ_ENOMEM;
    }
    uint32_t request_id = 0;
    if (!e) e = send_open(ch, false, &request_id, err, errlen);
    if (!e) {
        e = read_chunk(ch, (int)ch->opts.timeout_ms, &h, err, errlen);
        if (e == AJ_EUNAVAILABLE && !err[0]) snprintf(err, errlen, "no OpenSecureChannel response in time");
    }
    if (!e && h.type == AJ_UA_MT_ERR) e = server_error(ch, &h, "OpenSecureChannel", err, errlen);
    if (!e && h.type != AJ_UA_MT_OPN) {
        snprintf(err, errlen, "the server answered OpenSecureChannel with %s", aj_ua_msg_type_name(h.type));
        e = AJ_EINVAL;
    }
    uint32_t got_id = 0;
    if (!e) e = take_open_response(ch, &h, &got_id, err, errlen);
    if (!e && got_id != request_id) {
        snprintf(err, errlen, "OpenSecureChannel response for request %u, not %u", got_id, request_id);
        e = AJ_EINVAL;
    }
    if (e) {
        channel_free(ch);
        return e;
    }
    *out = ch;
    return AJ_OK;
}

uint32_t aj_ua_channel_next_handle(aj_ua_channel *ch) {
    uint32_t h = ch->next_handle++;
    if (!ch->next_handle) ch->next_handle = 1;
    return h;
}

/* Sends msg as MSG (or CLO) chunks. */
static aj_err send_chunks(aj_ua_channel *ch, aj_ua_msg_type type, const uint8_t *msg, size_t len,
                          uint32_t request_id, char *err, size_t errlen) {
    if (ch->theirs.max_message && len > ch->theirs.max_message) {
        snprintf(err, errlen, "request of %zu bytes exceeds the server's %u-byte message limit", len,
                 ch->theirs.max_message);
        return AJ_ETOOBIG;
    }
    size_t max_plain = aj_ua_sym_max_body(ch->opts.policy, ch->opts.mode, AJ_UA_SYM_HEADER_LEN, ch->tx_cap);
    if (max_plain <= AJ_UA_SEQ_HEADER_LEN) {
        snprintf(err, errlen, "the server's %zu-byte buffer leaves no room for a message", ch->tx_cap);
        return AJ_EINVAL;
    }
    size_t per_chunk = max_plain - AJ_UA_SEQ_HEADER_LEN;
    size_t n_chunks = len ? (len + per_chunk - 1) / per_chunk : 1;
    if (ch->theirs.max_chunks && n_chunks > ch->theirs.max_chunks) {
        snprintf(err, errlen, "request needs %zu chunks, the server takes %u", n_chunks,
                 ch->theirs.max_chunks);
        return AJ_ETOOBIG;
    }
    size_t off = 0;
    for (size_t k = 0; k < n_chunks; k++) {
        size_t part = len - off < per_chunk ? len - off : per_chunk;
        uint8_t *b = ch->tx;
        memcpy(b, aj_ua_msg_type_name(type), 3);
        b[3] = k + 1 == n_chunks ? 'F' : 'C';
        aj_ua_set_u32(b + 4, 0);
        aj_ua_set_u32(b + 8, ch->channel_id);
        aj_ua_set_u32(b + 12, ch->token_id);
        ch->send_seq = aj_ua_seq_next(ch->send_seq);
        aj_ua_set_u32(b + 16, ch->send_seq);
        aj_ua_set_u32(b + 20, request_id);
        memcpy(b + AJ_UA_SYM_HEADER_LEN + AJ_UA_SEQ_HEADER_LEN, msg + off, part);
        size_t out_len = 0;
        aj_err e = aj_ua_sym_seal(&ch->client_keys, ch->opts.policy, ch->opts.mode, b, AJ_UA_SYM_HEADER_LEN,
                                  AJ_UA_SEQ_HEADER_LEN + part, ch->tx_cap, &out_len, err, errlen);
        if (e) return e;
        if ((e = write_all(ch, b, out_len, err, errlen))) return e;
        ch->stats.chunks_sent++;
        off += part;
    }
    return AJ_OK;
}

aj_err aj_ua_channel_send(aj_ua_channel *ch, const uint8_t *msg, size_t len, uint32_t *request_id, char *err,
                          size_t errlen) {
    err[0] = 0;
    if (!ch->renew_request_id && aj_time_mono_ms() >= ch->renew_at_ms) {
        aj_err e = send_open(ch, true, &ch->renew_request_id, err, errlen);
        if (e) return e;
    }
    *request_id = ch->next_request_id++;
    if (!ch->next_request_id) ch->next_request_id = 1;
    return send_chunks(ch, AJ_UA_MT_MSG, msg, len, *request_id, err, errlen);
}

/* Removes the security of the MSG/CLO chunk in ch->rx and feeds its body to the assembly. */
static aj_err take_symmetric(aj_ua_channel *ch, const aj_ua_msg_header *h, aj_ua_asm_result *res,
                             uint32_t *request_id, char *err, size_t errlen) {
    if (h->size < AJ_UA_SYM_HEADER_LEN + AJ_UA_SEQ_HEADER_LEN) {
        snprintf(err, errlen, "%s chunk of %u bytes is too short", aj_ua_msg_type_name(h->type), h->size);
        return AJ_EINVAL;
    }
    uint32_t channel_id = aj_ua_get_u32(ch->rx + 8), token_id = aj_ua_get_u32(ch->rx + 12);
    if (channel_id != ch->channel_id) {
        snprintf(err, errlen, "chunk for channel %u on channel %u", channel_id, ch->channel_id);
        return AJ_EINVAL;
    }
    const aj_ua_keys *keys = &ch->server_keys;
    if (token_id != ch->token_id) {
        if (!ch->prev_token_id || token_id != ch->prev_token_id) {
            snprintf(err, errlen, "chunk with unknown security token %u (current %u)", token_id,
                     ch->token_id);
            return AJ_EINVAL;
        }
        keys = &ch->prev_server_keys;
    }
    size_t plain_off = 0, plain_len = 0;
    aj_err e = aj_ua_sym_open(keys, ch->opts.policy, ch->opts.mode, ch->rx, h->size, AJ_UA_SYM_HEADER_LEN,
                              &plain_off, &plain_len, err, errlen);
    if (e) return e;
    if (plain_len < AJ_UA_SEQ_HEADER_LEN) {
        snprintf(err, errlen, "chunk without a sequence header");
        return AJ_EINVAL;
    }
    uint32_t seq = aj_ua_get_u32(ch->rx + plain_off);
    *request_id = aj_ua_get_u32(ch->rx + plain_off + 4);
    if ((e = check_sequence(ch, seq, err, errlen))) return e;
    const uint8_t *body = ch->rx + plain_off + AJ_UA_SEQ_HEADER_LEN;
    size_t body_len = plain_len - AJ_UA_SEQ_HEADER_LEN;
    if (ch->assembly.n_chunks == 0) aj_ua_assembly_reset(&ch->assembly);
    return aj_ua_assembly_add(&ch->assembly, h->chunk, *request_id, body, body_len, res, err, errlen);
}

aj_err aj_ua_channel_recv(aj_ua_channel *ch, int timeout_ms, uint32_t *request_id, const uint8_t **msg,
                          size_t *len, char *err, size_t errlen) {
    err[0] = 0;
    int64_t deadline = aj_time_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (int guard = 0; guard < 1 << 20; guard++) {
        int left = (int)(deadline - aj_time_mono_ms());
        aj_ua_msg_header h;
        aj_err e = read_chunk(ch, left > 0 ? left : 0, &h, err, errlen);
        if (e) return e;
        if (h.type == AJ_UA_MT_ERR) return server_error(ch, &h, "a request", err, errlen);
        if (h.type == AJ_UA_MT_OPN) {
            uint32_t rid = 0;
            if ((e = take_open_response(ch, &h, &rid, err, errlen))) return e;
            if (rid != ch->renew_request_id) {
                snprintf(err, errlen, "unexpected OpenSecureChannel response (request %u)", rid);
                return AJ_EINVAL;
            }
            ch->renew_request_id = 0;
            ch->stats.renewals++;
            continue;
        }
        if (h.type != AJ_UA_MT_MSG && h.type != AJ_UA_MT_CLO) {
            snprintf(err, errlen, "unexpected %s message on an open channel", aj_ua_msg_type_name(h.type));
            return AJ_EINVAL;
        }
        aj_ua_asm_result res;
        if ((e = take_symmetric(ch, &h, &res, request_id, err, errlen))) return e;
        if (res == AJ_UA_ASM_COMPLETE) {
            *msg = ch->assembly.data;
            *len = ch->assembly.len;
            ch->assembly.n_chunks = 0; /* the next chunk starts a new message; data stays until then */
            return AJ_OK;
        }
        /* MORE or ABORTED: keep reading */
    }
    snprintf(err, errlen, "too many chunks without a complete message");
    return AJ_EINVAL;
}

aj_err aj_ua_channel_call(aj_ua_channel *ch, const uint8_t *msg, size_t len, aj_ua_other_fn other, void *ctx,
                          const uint8_t **resp, size_t *resp_len, char *err, size_t errlen) {
    uint32_t id = 0;
    aj_err e = aj_ua_channel_send(ch, msg, len, &id, err, errlen);
    if (e) return e;
    int64_t deadline = aj_time_mono_ms() + ch->opts.timeout_ms;
    for (;;) {
        int left = (int)(deadline - aj_time_mono_ms());
        if (left <= 0) {
            snprintf(err, errlen, "no response within %u ms", ch->opts.timeout_ms);
            return AJ_EUNAVAILABLE;
        }
        uint32_t got = 0;
        e = aj_ua_channel_recv(ch, left, &got, resp, resp_len, err, errlen);
        if (e == AJ_EUNAVAILABLE && !err[0]) continue;
        if (e) return e;
        if (got == id) return AJ_OK;
        if (other) other(ctx, got, *resp, *resp_len);
    }
}

void aj_ua_channel_close(aj_ua_channel *ch) {
    if (!ch) return;
    if (ch->fd >= 0 && ch->channel_id) {
        aj_ua_writer *w = &ch->msg;
        w->len = 0;
        w->status = AJ_OK;
        aj_ua_request_header rh = {.timestamp = aj_ua_datetime_from_unix_ns(aj_time_now_ns()),
                                   .handle = aj_ua_channel_next_handle(ch)};
        rh.auth_token = aj_ua_node_numeric(0, 0);
        char err[160];
        if (!aj_ua_encode_close_channel(w, &rh)) {
            uint32_t id = ch->next_request_id++;
            /* copy: send_chunks reads msg while writing tx */
            send_chunks(ch, AJ_UA_MT_CLO, w->buf, w->len, id, err, sizeof err);
        }
    }
    channel_free(ch);
}

void aj_ua_channel_stats_get(const aj_ua_channel *ch, aj_ua_channel_stats *out) {
    *out = ch->stats;
}
