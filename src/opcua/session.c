/* session.c — OPC UA endpoint discovery, session creation and activation, re-activation
 * after a lost channel, Read and Browse (session.h). */
#include "opcua/session.h"
#include "base/timeutil.h"

#include "base/limits.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANON_TOKEN     0
#define USERNAME_TOKEN 1

struct aj_ua_client {
    aj_ua_client_opts opts;
    aj_ua_channel *ch;
    /* the chosen endpoint */
    uint8_t *server_cert; /* DER (owned) */
    size_t server_cert_len;
    char token_policy_id[256];
    aj_ua_policy token_policy; /* how a UserName password is encrypted */
    /* the session */
    aj_ua_node_id auth_token; /* owned copy: strings in auth_buf */
    char auth_buf[1024];
    uint8_t server_nonce[64];
    size_t server_nonce_len;
    double revised_timeout_ms;
    aj_ua_writer w;
};

aj_ua_channel *aj_ua_client_channel(aj_ua_client *c) {
    return c->ch;
}

aj_ua_request_header aj_ua_client_header(aj_ua_client *c) {
    aj_ua_request_header h = {.auth_token = c->auth_token,
                              .timestamp = aj_ua_datetime_from_unix_ns(aj_time_now_ns()),
                              .handle = c->ch ? aj_ua_channel_next_handle(c->ch) : 1,
                              .timeout_hint_ms = c->opts.timeout_ms};
    return h;
}

static void status_text(uint32_t status, char *out, size_t len) {
    const char *name = aj_ua_status_name(status);
    if (name)
        snprintf(out, len, "%s (0x%08X)", name, status);
    else
        snprintf(out, len, "0x%08X", status);
}

/* Calls over ch (no session needed: GetEndpoints) or the client's channel. */
static aj_err call_on(aj_ua_channel *ch, aj_ua_writer *req, uint32_t expect_type, aj_arena *arena,
                      aj_ua_other_fn other, void *ctx, aj_ua_reader *r, uint32_t *service_result, char *err,
                      size_t errlen) {
    if (req->status) {
        snprintf(err, errlen, "encoding the request: %s", req->err);
        return AJ_EINTERNAL;
    }
    const uint8_t *resp;
    size_t len;
    aj_err e = aj_ua_channel_call(ch, req->buf, req->len, other, ctx, &resp, &len, err, errlen);
    if (e) return e;
    aj_ua_reader_init(r, resp, len, arena);
    uint32_t type;
    aj_ua_response_header h;
    if (aj_ua_response_begin(r, &type, &h)) {
        snprintf(err, errlen, "%s", r->err);
        return AJ_EINVAL;
    }
    if (service_result) *service_result = h.service_result;
    if (type == AJ_UA_ID_SERVICE_FAULT || h.service_result >= 0x80000000u) {
        char s[64];
        status_text(h.service_result, s, sizeof s);
        snprintf(err, errlen, "the server answered %s", s);
        return AJ_EUNAVAILABLE;
    }
    if (type != expect_type) {
        snprintf(err, errlen, "the server answered with message type %u, expected %u", type, expect_type);
        return AJ_EINVAL;
    }
    return AJ_OK;
}

aj_err aj_ua_client_call(aj_ua_client *c, aj_ua_writer *req, uint32_t expect_type, aj_arena *arena,
                         aj_ua_other_fn other, void *ctx, aj_ua_reader *r, uint32_t *service_result,
                         char *err, size_t errlen) {
    if (!c->ch) {
        snprintf(err, errlen, "not connected");
        return AJ_EUNAVAILABLE;
    }
    return call_on(c->ch, req, expect_type, arena, other, ctx, r, service_result, err, errlen);
}

static bool str_eq(aj_ua_string s, const char *c) {
    size_t n = strlen(c);
    return s.len >= 0 && (size_t)s.len == n && !memcmp(s.data, c, n);
}

/* ---- discovery -------------------------------------------------------------------------------- */

/* Picks the endpoint and the identity token policy; copies what we keep. */
static aj_err choose_endpoint(aj_ua_client *c, const aj_ua_endpoints *eps, char *err, size_t errlen) {
    const char *want_policy = aj_ua_policy_uri(c->opts.policy);
    uint32_t want_token = c->opts.username ? USERNAME_TOKEN : ANON_TOKEN;
    const aj_ua_endpoint *match = NULL;
    bool has_policy = false;
    for (uint32_t k = 0; k < eps->n; k++) {
        const aj_ua_endpoint *e = &eps->items[k];
        if (!str_eq(e->security_policy_uri, want_policy) || e->security_mode != (uint32_t)c->opts.mode)
            continue;
        if (e->transport_profile_uri.len > 0 &&
            !str_eq(e->transport_profile_uri,
                    "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary"))
            continue;
        has_policy = true;
        for (uint32_t t = 0; t < e->n_tokens; t++)
            if (e->tokens[t].token_type == want_token) {
                match = e;
                break;
            }
        if (match) break;
    }
    if (!match) {
        if (!has_policy)
            snprintf(err, errlen, "the server offers no endpoint with security %s / %s",
                     aj_ua_policy_name(c->opts.policy), aj_ua_mode_name(c->opts.mode));
        else
            snprintf(err, errlen, "the server's %s / %s endpoint does not take %s identities",
                     aj_ua_policy_name(c->opts.policy), aj_ua_mode_name(c->opts.mode),
                     c->opts.username ? "UserName" : "Anonymous");
        return AJ_ENOTFOUND;
    }
    const aj_ua_token_policy *tp = NULL;
    for (uint32_t t = 0; t < match->n_tokens && !tp; t++)
        if (match->tokens[t].token_type == want_token) tp = &match->tokens[t];
    snprintf(c->token_policy_id, sizeof c->token_policy_id, "%.*s",
             tp->policy_id.len > 0 ? (int)tp->policy_id.len : 0,
             tp->policy_id.len > 0 ? tp->policy_id.data : "");
    c->token_policy = c->opts.policy;
    if (tp->security_policy_uri.len > 0 &&
        !aj_ua_policy_from_uri(tp->security_policy_uri.data, (size_t)tp->security_policy_uri.len,
                               &c->token_policy)) {
        snprintf(err, errlen,
                 "the server wants UserName passwords encrypted with %.100s, which anjian does not support",
                 tp->security_policy_uri.data);
        return AJ_ENOTFOUND;
    }
    free(c->server_cert);
    c->server_cert = NULL;
    c->server_cert_len = 0;
    if (match->server_certificate.len > 0) {
        c->server_cert = malloc((size_t)match->server_certificate.len);
        if (!c->server_cert) return AJ_ENOMEM;
        memcpy(c->server_cert, match->server_certificate.data, (size_t)match->server_certificate.len);
        c->server_cert_len = (size_t)match->server_certificate.len;
    }
    return AJ_OK;
}

static aj_err discover(aj_ua_client *c, char *err, size_t errlen) {
    aj_ua_channel_opts co = {.endpoint_url = c->opts.endpoint_url,
                             .policy = AJ_UA_POLICY_NONE,
                             .mode = AJ_UA_MODE_NONE,
                             .timeout_ms = c->opts.timeout_ms};
    aj_ua_channel *ch = NULL;
    aj_err e = aj_ua_channel_open(&co, &ch, err, errlen);
    if (e) return e;
    aj_arena *arena = aj_arena_new();
    if (!arena) {
        aj_ua_channel_close(ch);
        return AJ_ENOMEM;
    }
    aj_ua_request_header h = {.timestamp = aj_ua_datetime_from_unix_ns(aj_time_now_ns()),
                              .handle = aj_ua_channel_next_handle(ch),
                              .timeout_hint_ms = c->opts.timeout_ms};
    h.auth_token = aj_ua_node_numeric(0, 0);
    c->w.len = 0;
    c->w.status = AJ_OK;
    aj_ua_encode_get_endpoints(&c->w, &h, c->opts.endpoint_url);
    aj_ua_reader r;
    e = call_on(ch, &c->w, AJ_UA_ID_GET_ENDPOINTS_RESP, arena, NULL, NULL, &r, NULL, err, errlen);
    aj_ua_endpoints eps;
    if (!e && aj_ua_decode_get_endpoints(&r, &eps)) {
        snprintf(err, errlen, "GetEndpoints: %s", r.err);
        e = AJ_EINVAL;
    }
    if (!e) e = choose_endpoint(c, &eps, err, errlen);
    aj_arena_free(arena);
    aj_ua_channel_close(ch);
    if (e) return e;
    bool needs_cert =
        c->opts.policy != AJ_UA_POLICY_NONE || (c->opts.username && c->token_policy != AJ_UA_POLICY_NONE);
    if (needs_cert) {
        if (!c->opts.pki) {
            snprintf(err, errlen, "a secured connection needs the OPC UA PKI (opcua-pki-dir)");
            return AJ_EINVAL;
        }
        if (!c->server_cert) {
            snprintf(err, errlen, "the server's endpoint has no certificate");
            return AJ_EINVAL;
        }
        e = aj_ua_pki_check_peer(c->opts.pki, c->server_cert, c->server_cert_len, err, errlen);
        if (e) return e;
    }
    return AJ_OK;
}

/* ---- session ---------------------------------------------------------------------------------- */

static aj_err open_channel(aj_ua_client *c, char *err, size_t errlen) {
    aj_ua_channel_opts co = {.endpoint_url = c->opts.endpoint_url,
                             .policy = c->opts.policy,
                             .mode = c->opts.mode,
                             .pki = c->opts.pki,
                             .server_cert = c->server_cert,
                             .server_cert_len = c->server_cert_len,
                             .timeout_ms = c->opts.timeout_ms,
                             .lifetime_ms = c->opts.channel_lifetime_ms};
    return aj_ua_channel_open(&co, &c->ch, err, errlen);
}

static aj_err keep_nonce(aj_ua_client *c, aj_ua_string nonce, char *err, size_t errlen) {
    size_t n = nonce.len > 0 ? (size_t)nonce.len : 0;
    if (n > sizeof c->server_nonce) {
        snprintf(err, errlen, "the server nonce has %zu bytes (at most %zu)", n, sizeof c->server_nonce);
        return AJ_EINVAL;
    }
    if (n) memcpy(c->server_nonce, nonce.data, n);
    c->server_nonce_len = n;
    return AJ_OK;
}

static aj_err create_session(aj_ua_client *c, aj_arena *arena, char *err, size_t errlen) {
    uint8_t nonce[32];
    if (aj_ua_random(nonce, sizeof nonce)) return AJ_EINTERNAL;
    bool secured = c->opts.policy != AJ_UA_POLICY_NONE;
    size_t own_len = 0;
    const uint8_t *own = secured || c->opts.pki ? aj_ua_pki_own_cert(c->opts.pki, &own_len) : NULL;
    aj_ua_client_app app = {.application_uri =
                                c->opts.pki ? aj_ua_pki_application_uri(c->opts.pki) : "urn:anjian:client",
                            .product_uri = "urn:anjian",
                            .name = "anjian"};
    c->auth_token = aj_ua_node_numeric(0, 0);
    aj_ua_request_header h = aj_ua_client_header(c);
    c->w.len = 0;
    c->w.status = AJ_OK;
    aj_ua_string cert = secured ? (aj_ua_string){(const char *)own, (int32_t)own_len} : AJ_UA_STRING_NULL;
    aj_ua_encode_create_session(&c->w, &h, &app, c->opts.endpoint_url,
                                c->opts.session_name ? c->opts.session_name : "anjian",
                                (aj_ua_string){(const char *)nonce, 32}, cert,
                                c->opts.session_timeout_ms ? c->opts.session_timeout_ms : 120000);
    aj_ua_reader r;
    aj_err e =
        aj_ua_client_call(c, &c->w, AJ_UA_ID_CREATE_SESSION_RESP, arena, NULL, NULL, &r, NULL, err, errlen);
    if (e) {
        char inner[200];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, errlen, "CreateSession: %s", inner);
        return e;
    }
    aj_ua_create_session_resp resp;
    if (aj_ua_decode_create_session(&r, &resp)) {
        snprintf(err, errlen, "CreateSession: %s", r.err);
        return AJ_EINVAL;
    }
    if (secured) {
        size_t sc_len = resp.server_certificate.len > 0 ? (size_t)resp.server_certificate.len : 0;
        if (sc_len != c->server_cert_len || memcmp(resp.server_certificate.data, c->server_cert, sc_len)) {
            snprintf(err, errlen, "CreateSession: the server certificate differs from its endpoint's");
            return AJ_EINVAL;
        }
        if (!str_eq(resp.signature_alg, AJ_UA_URI_RSA_SHA256) ||
            aj_ua_verify_data(c->server_cert, c->server_cert_len, own, own_len, nonce, sizeof nonce,
                              (const uint8_t *)resp.signature.data,
                              resp.signature.len > 0 ? (size_t)resp.signature.len : 0, err, errlen)) {
            snprintf(err, errlen,
                     "CreateSession: the server's signature over our certificate and nonce is not valid");
            return AJ_EFORBIDDEN;
        }
    }
    /* keep the authentication token: its strings live in auth_buf */
    c->auth_token = resp.auth_token;
    if (resp.auth_token.id_type == AJ_UA_ID_STRING || resp.auth_token.id_type == AJ_UA_ID_OPAQUE) {
        size_t n = resp.auth_token.string.len > 0 ? (size_t)resp.auth_token.string.len : 0;
        if (n >= sizeof c->auth_buf) {
            snprintf(err, errlen, "CreateSession: authentication token of %zu bytes is too long", n);
            return AJ_EINVAL;
        }
        memcpy(c->auth_buf, resp.auth_token.string.data, n);
        c->auth_token.string.data = c->auth_buf;
    }
    c->revised_timeout_ms = resp.revised_timeout_ms;
    return keep_nonce(c, resp.server_nonce, err, errlen);
}

/* The server's certificate without the rest of a chain (what the signature covers). */
static size_t server_leaf_len(const aj_ua_client *c) {
    size_t n = aj_ua_cert_leaf_len(c->server_cert, c->server_cert_len);
    return n ? n : c->server_cert_len;
}

static aj_err activate_session(aj_ua_client *c, aj_arena *arena, uint32_t *status, char *err, size_t errlen) {
    *status = 0;
    bool secured = c->opts.policy != AJ_UA_POLICY_NONE;
    uint8_t *sig = NULL, *secret = NULL;
    size_t sig_len = 0, secret_len = 0;
    aj_err e = AJ_OK;
    if (secured)
        e = aj_ua_sign_data(c->opts.pki, c->server_cert, server_leaf_len(c), c->server_nonce,
                            c->server_nonce_len, &sig, &sig_len, err, errlen);
    aj_ua_identity id = {.policy_id = aj_ua_string_of(c->token_policy_id),
                         .username = AJ_UA_STRING_NULL,
                         .password = AJ_UA_STRING_NULL,
                         .encryption_algorithm = AJ_UA_STRING_NULL};
    if (!e && c->opts.username) {
        id.is_username = true;
        id.username = aj_ua_string_of(c->opts.username);
        const char *pw = c->opts.password ? c->opts.password : "";
        if (c->token_policy == AJ_UA_POLICY_NONE) {
            id.password = (aj_ua_string){pw, (int32_t)strlen(pw)};
        } else {
            e = aj_ua_encrypt_secret(c->server_cert, c->server_cert_len, (const uint8_t *)pw, strlen(pw),
                                     c->server_nonce, c->server_nonce_len, &secret, &secret_len, err, errlen);
            id.password = (aj_ua_string){(const char *)secret, (int32_t)secret_len};
            id.encryption_algorithm = aj_ua_string_of(AJ_UA_URI_RSA_OAEP);
        }
    }
    if (!e) {
        aj_ua_request_header h = aj_ua_client_header(c);
        c->w.len = 0;
        c->w.status = AJ_OK;
        aj_ua_encode_activate_session(
            &c->w, &h, secured ? aj_ua_string_of(AJ_UA_URI_RSA_SHA256) : AJ_UA_STRING_NULL,
            secured ? (aj_ua_string){(const char *)sig, (int32_t)sig_len} : AJ_UA_STRING_NULL, &id);
        aj_ua_reader r;
        e = aj_ua_client_call(c, &c->w, AJ_UA_ID_ACTIVATE_SESSION_RESP, arena, NULL, NULL, &r, status, err,
                              errlen);
        aj_ua_activate_session_resp resp;
        if (!e && aj_ua_decode_activate_session(&r, &resp)) {
            snprintf(err, errlen, "%s", r.err);
            e = AJ_EINVAL;
        }
        if (!e) e = keep_nonce(c, resp.server_nonce, err, errlen);
    }
    if (secret) sodium_memzero(secret, secret_len);
    free(secret);
    free(sig);
    if (e) {
        char inner[200];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, errlen, "ActivateSession: %s", inner);
        uint32_t s = *status & 0xFFFF0000u;
        if (s == AJ_UA_BAD_IDENTITY_TOKEN_INVALID || s == AJ_UA_BAD_IDENTITY_TOKEN_REJECTED ||
            s == AJ_UA_BAD_USER_ACCESS_DENIED)
            e = AJ_EFORBIDDEN;
    }
    return e;
}

static aj_err new_session(aj_ua_client *c, char *err, size_t errlen) {
    aj_arena *arena = aj_arena_new();
    if (!arena) return AJ_ENOMEM;
    uint32_t status;
    aj_err e = create_session(c, arena, err, errlen);
    if (!e) e = activate_session(c, arena, &status, err, errlen);
    aj_arena_free(arena);
    return e;
}

aj_err aj_ua_client_connect(const aj_ua_client_opts *opts, aj_ua_client **out, char *err, size_t errlen) {
    *out = NULL;
    err[0] = 0;
    if (!aj_ua_mode_valid(opts->policy, opts->mode)) {
        snprintf(err, errlen, "security policy %s does not go with mode %s", aj_ua_policy_name(opts->policy),
                 aj_ua_mode_name(opts->mode));
        return AJ_EINVAL;
    }
    aj_ua_client *c = calloc(1, sizeof *c);
    if (!c) return AJ_ENOMEM;
    c->opts = *opts;
    if (!c->opts.timeout_ms) c->opts.timeout_ms = 10000;
    aj_ua_writer_init(&c->w, 0);
    aj_err e = discover(c, err, errlen);
    if (!e) e = open_channel(c, err, errlen);
    if (!e) e = new_session(c, err, errlen);
    if (e) {
        aj_ua_client_close(c);
        return e;
    }
    *out = c;
    return AJ_OK;
}

void aj_ua_client_drop_channel(aj_ua_client *c) {
    if (c && c->ch) {
        aj_ua_channel_close(c->ch);
        c->ch = NULL;
    }
}

aj_err aj_ua_client_reconnect(aj_ua_client *c, bool *is_new_session, char *err, size_t errlen) {
    *is_new_session = false;
    err[0] = 0;
    aj_ua_client_drop_channel(c);
    /* the server may have restarted with another certificate or endpoints: ask again */
    aj_err e = discover(c, err, errlen);
    if (!e) e = open_channel(c, err, errlen);
    if (e) return e;
    aj_arena *arena = aj_arena_new();
    if (!arena) return AJ_ENOMEM;
    uint32_t status = 0;
    bool has_session = c->auth_token.id_type != AJ_UA_ID_NUMERIC || c->auth_token.numeric != 0;
    e = has_session ? activate_session(c, arena, &status, err, errlen) : AJ_ENOTFOUND;
    aj_arena_free(arena);
    if (!e) return AJ_OK;
    if (e == AJ_EFORBIDDEN) return e;
    /* the server no longer knows the session: make a new one */
    *is_new_session = true;
    return new_session(c, err, errlen);
}

void aj_ua_client_close(aj_ua_client *c) {
    if (!c) return;
    if (c->ch && (c->auth_token.id_type != AJ_UA_ID_NUMERIC || c->auth_token.numeric)) {
        aj_arena *arena = aj_arena_new();
        if (arena) {
            aj_ua_request_header h = aj_ua_client_header(c);
            c->w.len = 0;
            c->w.status = AJ_OK;
            aj_ua_encode_close_session(&c->w, &h, true);
            aj_ua_reader r;
            char ignored[200];
            aj_ua_client_call(c, &c->w, AJ_UA_ID_CLOSE_SESSION_RESP, arena, NULL, NULL, &r, NULL, ignored,
                              sizeof ignored);
            aj_arena_free(arena);
        }
    }
    aj_ua_client_drop_channel(c);
    aj_ua_writer_clear(&c->w);
    free(c->server_cert);
    free(c);
}

/* ---- Read and Browse -------------------------------------------------------------------------- */

aj_err aj_ua_client_read(aj_ua_client *c, const aj_ua_node_id *nodes, const aj_ua_string *index_ranges,
                         uint32_t n, aj_arena *arena, aj_ua_read_resp *out, char *err, size_t errlen) {
    uint32_t *attrs = aj_arena_alloc(arena, (n ? n : 1) * sizeof *attrs);
    if (!attrs) return AJ_ENOMEM;
    for (uint32_t k = 0; k < n; k++) attrs[k] = 13;
    aj_ua_request_header h = aj_ua_client_header(c);
    c->w.len = 0;
    c->w.status = AJ_OK;
    aj_ua_encode_read(&c->w, &h, nodes, index_ranges, attrs, n);
    aj_ua_reader r;
    aj_err e = aj_ua_client_call(c, &c->w, AJ_UA_ID_READ_RESP, arena, NULL, NULL, &r, NULL, err, errlen);
    if (e) return e;
    if (aj_ua_decode_read(&r, out)) {
        snprintf(err, errlen, "Read: %s", r.err);
        return AJ_EINVAL;
    }
    if (out->n != n) {
        snprintf(err, errlen, "Read: %u results for %u nodes", out->n, n);
        return AJ_EINVAL;
    }
    return AJ_OK;
}

aj_err aj_ua_client_browse(aj_ua_client *c, const aj_ua_node_id *node, uint32_t max_refs, aj_arena *arena,
                           aj_ua_reference **refs, uint32_t *n_refs, char *err, size_t errlen) {
    *refs = NULL;
    *n_refs = 0;
    aj_ua_request_header h = aj_ua_client_header(c);
    c->w.len = 0;
    c->w.status = AJ_OK;
    aj_ua_encode_browse(&c->w, &h, node, max_refs < 1000 ? max_refs : 1000);
    aj_ua_reader r;
    aj_err e = aj_ua_client_call(c, &c->w, AJ_UA_ID_BROWSE_RESP, arena, NULL, NULL, &r, NULL, err, errlen);
    for (int round = 0; !e && round < 1000; round++) {
        aj_ua_browse_result b;
        if (aj_ua_decode_browse(&r, &b)) {
            snprintf(err, errlen, "Browse: %s", r.err);
            return AJ_EINVAL;
        }
        if (b.status >= 0x80000000u) {
            char s[64];
            status_text(b.status, s, sizeof s);
            snprintf(err, errlen, "Browse: %s", s);
            return b.status == 0x80340000u ? AJ_ENOTFOUND : AJ_EUNAVAILABLE;
        }
        uint32_t take = b.n_refs;
        if (take > max_refs - *n_refs) take = max_refs - *n_refs;
        if (take) {
            aj_ua_reference *all = aj_arena_alloc(arena, (*n_refs + take) * sizeof *all);
            if (!all) return AJ_ENOMEM;
            if (*n_refs) memcpy(all, *refs, *n_refs * sizeof *all);
            memcpy(all + *n_refs, b.refs, take * sizeof *all);
            *refs = all;
            *n_refs += take;
        }
        if (b.continuation_point.len <= 0) return AJ_OK;
        bool release = *n_refs >= max_refs;
        /* copy the continuation point: the writer is reused */
        aj_ua_string cp = b.continuation_point;
        h = aj_ua_client_header(c);
        c->w.len = 0;
        c->w.status = AJ_OK;
        aj_ua_encode_browse_next(&c->w, &h, cp, release);
        e = aj_ua_client_call(c, &c->w, AJ_UA_ID_BROWSE_NEXT_RESP, arena, NULL, NULL, &r, NULL, err, errlen);
        if (release) return e;
    }
    return e;
}
