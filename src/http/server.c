/* server.c — the HTTP front: libmicrohttpd callbacks, request body limits, routing,
 * authentication, CSRF and role checks, JSON body parsing, the JSON error envelope,
 * static console files, and graceful shutdown.
 *
 * Request lifecycle (one aj_req per request, freed in request_completed):
 *   first callback   -> allocate, reject oversized Content-Length with 413 at once
 *   body callbacks   -> append up to body_max; beyond it, drop the body and answer 413
 *   final callback   -> dispatch(): route -> auth -> checks -> parse -> handler -> answer
 * Handlers borrow a database connection lazily; it goes back to the pool before the
 * answer is queued, so a slow client never holds a connection.
 */
#include "http/server.h"

#include "auth/session.h"
#include "base/jsonutil.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "http/http.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "http/static_files.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <sodium.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct aj_server {
    struct MHD_Daemon *daemon;
    aj_app *app;
    int port;
};

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- routing ----------------------------------------------------------------------- */

/* Matches path against pattern; on success copies {params} into req. */
static bool match(aj_req *req, const char *pattern, const char *path) {
    int n = 0;
    char *params[AJ_PATH_PARAMS_MAX];
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pend = strchr(p, '}');
            const char *send = strchr(s, '/');
            if (!pend) return false;
            if (!send) send = s + strlen(s);
            if (send == s || n >= AJ_PATH_PARAMS_MAX) goto fail;
            params[n] = strndup(s, (size_t)(send - s));
            if (!params[n]) goto fail;
            n++;
            p = pend + 1;
            s = send;
        } else if (*p == *s) {
            p++, s++;
        } else {
            goto fail;
        }
    }
    if (*p || *s) goto fail;
    for (int i = 0; i < n; i++) req->path_params[i] = params[i];
    req->n_path_params = n;
    return true;
fail:
    for (int i = 0; i < n; i++) free(params[i]);
    return false;
}

/* Finds the route; *path_known tells whether some route has this path (for 405). */
static const aj_route *route_find(aj_req *req, bool *path_known) {
    *path_known = false;
    for (int i = 0; aj_routes[i].method; i++) {
        if (!match(req, aj_routes[i].pattern, req->path)) continue;
        if (strcmp(aj_routes[i].method, req->method) == 0) {
            req->route_index = i;
            return &aj_routes[i];
        }
        *path_known = true;
        for (int k = 0; k < req->n_path_params; k++) free(req->path_params[k]);
        req->n_path_params = 0;
    }
    return NULL;
}

/* ---- answers ----------------------------------------------------------------------- */

static void add_common_headers(struct MHD_Response *resp) {
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result queue_buffer(struct MHD_Connection *conn, int status, const char *ctype, char *data,
                                    size_t len, aj_req *req) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_common_headers(resp);
    if (req) {
        for (int i = 0; i < req->n_extra_headers; i++) {
            char *h = req->extra_headers[i], *colon = strchr(h, ':');
            if (!colon) continue;
            *colon = 0;
            MHD_add_response_header(resp, h, colon + 2);
        }
    }
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return r;
}

typedef struct stream_box {
    aj_stream_fn fn;
    void *ctx;
    void (*free_fn)(void *);
} stream_box;

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    stream_box *b = cls;
    long n = b->fn(b->ctx, buf, max);
    if (n == AJ_STREAM_END) return MHD_CONTENT_READER_END_OF_STREAM;
    if (n <= 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    return (ssize_t)n;
}

static void stream_free(void *cls) {
    stream_box *b = cls;
    if (b->free_fn) b->free_fn(b->ctx);
    free(b);
}

static enum MHD_Result queue_stream(aj_req *req) {
    stream_box *b = malloc(sizeof *b);
    if (!b) {
        if (req->stream_free) req->stream_free(req->stream_ctx);
        req->stream_fn = NULL;
        return MHD_NO;
    }
    *b = (stream_box){req->stream_fn, req->stream_ctx, req->stream_free};
    req->stream_fn = NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_reader, b, stream_free);
    if (!resp) {
        stream_free(b);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type",
                            req->content_type ? req->content_type : "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    add_common_headers(resp);
    enum MHD_Result r = MHD_queue_response(req->conn, 200, resp);
    MHD_destroy_response(resp);
    return r;
}

static char *error_body(aj_err err, const char *msg, json_t *details, size_t *len) {
    json_t *e =
        json_pack("{s:s, s:s}", "code", aj_err_name(err), "message", msg && *msg ? msg : aj_err_message(err));
    if (details) json_object_set(e, "details", details);
    json_t *body = json_pack("{s:o}", "error", e);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    *len = text ? strlen(text) : 0;
    return text;
}

static enum MHD_Result answer_error(struct MHD_Connection *conn, aj_req *req, aj_err err) {
    size_t len;
    char *text = error_body(err, req ? req->errmsg : NULL, req ? req->err_details : NULL, &len);
    if (!text) return MHD_NO;
    return queue_buffer(conn, aj_err_http_status(err), "application/json; charset=utf-8", text, len, req);
}

/* ---- authentication ---------------------------------------------------------------- */

static aj_err authenticate(aj_req *req) {
    const char *authz = aj_req_header(req, "Authorization");
    const char *token = NULL;
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0)
            return aj_req_fail(req, AJ_EUNAUTH, "Authorization header must be \"Bearer <token>\"");
        token = authz + 7;
    } else {
        token = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, "aj_session");
        req->auth.via_cookie = token != NULL;
    }
    if (!token) return aj_req_fail(req, AJ_EUNAUTH, "authentication required: log in first");
    aj_err e = aj_session_resolve(aj_req_db(req), token, &req->auth);
    if (e == AJ_EUNAUTH) return aj_req_fail(req, e, "session unknown or expired: log in again");
    if (e) return aj_req_fail(req, e, "could not check the session: %s", aj_db_errmsg(req->db));
    req->is_authed = true;
    return AJ_OK;
}

static bool is_read_method(const char *m) {
    return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

static aj_err check_access(aj_req *req) {
    const aj_route *rt = req->route;
    if (rt->flags & AJ_ROUTE_PUBLIC) return AJ_OK;
    aj_err e = authenticate(req);
    if (e) return e;
    bool is_write = !is_read_method(req->method);
    if (is_write && req->auth.via_cookie) {
        const char *csrf = aj_req_header(req, "X-CSRF-Token");
        if (!csrf || strlen(csrf) != strlen(req->auth.csrf_token) ||
            sodium_memcmp(csrf, req->auth.csrf_token, strlen(csrf)) != 0) /* constant time */
            return aj_req_fail(
                req, AJ_EFORBIDDEN,
                "missing or wrong X-CSRF-Token header (required for writes with a session cookie)");
    }
    if (is_write && req->auth.is_regulator && !(rt->flags & AJ_ROUTE_SELF))
        return aj_req_fail(req, AJ_EFORBIDDEN, "regulators have read-only access");
    if (rt->perm && !aj_req_has_perm(req, rt->perm))
        return aj_req_fail(req, AJ_EFORBIDDEN, "your roles do not allow %s %s", req->method, rt->pattern);
    return AJ_OK;
}

/* ---- body -------------------------------------------------------------------------- */

static aj_err parse_json_body(aj_req *req) {
    const char *ctype = aj_req_header(req, "Content-Type");
    if (req->body_len == 0)
        return aj_req_fail(req, AJ_EJSON, "request body is empty: a JSON document is required");
    if (ctype && strncasecmp(ctype, "application/json", 16) != 0)
        return aj_req_fail(req, AJ_EMEDIA, "Content-Type must be application/json (got \"%.60s\")", ctype);
    char msg[400];
    if (aj_json_parse(req->body, req->body_len, &req->json, msg, sizeof msg))
        return aj_req_fail(req, AJ_EJSON, "%s", msg);
    return AJ_OK;
}

/* ---- dispatch ---------------------------------------------------------------------- */

static enum MHD_Result answer_api(aj_req *req) {
    bool path_known;
    req->route = route_find(req, &path_known);
    aj_err e = AJ_OK;
    if (!req->route) {
        if (path_known)
            e = aj_req_fail(req, AJ_EMETHOD, "%s is not allowed on %s", req->method, req->path);
        else
            e = aj_req_fail(req, AJ_ENOTFOUND, "no such route: %s", req->path);
    }
    if (!e) e = check_access(req);
    if (!e && req->body_too_big)
        e = aj_req_fail(req, AJ_ETOOBIG, "request body larger than %lld bytes",
                        (long long)req->app->cfg.body_max);
    if (!e && (req->route->flags & AJ_ROUTE_JSON_BODY) &&
        !(req->body_len == 0 && (req->route->flags & AJ_ROUTE_JSON_OPTIONAL)))
        e = parse_json_body(req);
    if (!e && !(req->route->flags & (AJ_ROUTE_JSON_BODY | AJ_ROUTE_ANY_BODY)) && req->body_len > 0)
        e = aj_req_fail(req, AJ_EINVAL, "%s %s takes no request body", req->method, req->route->pattern);
    if (!e) {
        req->status = 200;
        e = req->route->handler(req);
    }
    if (req->db) {
        aj_store_release(req->app->store, req->db);
        req->db = NULL;
    }
    if (e) {
        if (e >= AJ_ENOMEM && e != AJ_EUNAVAILABLE)
            aj_error("%s %s: %s: %s", req->method, req->path, aj_err_name(e), req->errmsg);
        if (e == AJ_EUNAVAILABLE) aj_reply_header(req, "Retry-After", "1");
        req->status = aj_err_http_status(e);
        return answer_error(req->conn, req, e);
    }
    if (req->reply_raw) {
        char *data = req->reply_raw;
        req->reply_raw = NULL;
        return queue_buffer(req->conn, req->status, req->content_type, data, req->reply_raw_len, req);
    }
    if (req->stream_fn) return queue_stream(req);
    if (!req->reply) {
        return queue_buffer(req->conn, req->status ? req->status : 204, "application/json; charset=utf-8",
                            strdup(""), 0, req);
    }
    char *text = json_dumps(req->reply, JSON_COMPACT);
    if (!text) return answer_error(req->conn, req, AJ_ENOMEM);
    return queue_buffer(req->conn, req->status, "application/json; charset=utf-8", text, strlen(text), req);
}

static bool is_api_path(const char *path) {
    return strncmp(path, "/api/", 5) == 0 || !strcmp(path, "/healthz") || !strcmp(path, "/metrics") ||
           !strcmp(path, "/write");
}

static void peer_address(struct MHD_Connection *conn, char *buf, size_t size) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, size, "?");
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)size);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    aj_app *app = cls;
    aj_req *req = *con_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req) return MHD_NO;
        *con_cls = req;
        req->app = app;
        req->conn = conn;
        req->method = method;
        req->route_index = -1;
        req->started_us = now_us();
        atomic_fetch_add(&app->metrics.in_flight, 1);
        if (strlen(url) >= sizeof req->path) {
            snprintf(req->errmsg, sizeof req->errmsg, "URL longer than %zu bytes", sizeof req->path - 1);
            req->status = 414;
            size_t len;
            char *text = error_body(AJ_EINVAL, req->errmsg, NULL, &len);
            return queue_buffer(conn, 414, "application/json; charset=utf-8", text, len, NULL);
        }
        snprintf(req->path, sizeof req->path, "%s", url);
        peer_address(conn, req->peer, sizeof req->peer);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > (unsigned long long)app->cfg.body_max) {
            aj_req_fail(req, AJ_ETOOBIG, "request body of %s bytes is larger than the limit of %lld bytes",
                        cl, (long long)app->cfg.body_max);
            req->status = 413;
            req->body_too_big = true;
            return answer_error(conn, req, AJ_ETOOBIG);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->body_too_big) return MHD_YES;
        if (req->body_len + n > (size_t)app->cfg.body_max) {
            req->body_too_big = true;
            free(req->body);
            req->body = NULL;
            req->body_len = req->body_cap = 0;
            return MHD_YES;
        }
        if (req->body_len + n + 1 > req->body_cap) {
            size_t cap = req->body_cap ? req->body_cap : 4096;
            while (cap < req->body_len + n + 1) cap *= 2;
            char *grown = realloc(req->body, cap);
            if (!grown) return MHD_NO;
            req->body = grown;
            req->body_cap = cap;
        }
        memcpy(req->body + req->body_len, upload_data, n);
        req->body_len += n;
        req->body[req->body_len] = 0;
        return MHD_YES;
    }
    if (req->status == 413 || req->status == 414) return MHD_YES; /* already answered */
    if (is_api_path(req->path)) return answer_api(req);
    if (req->body_too_big) {
        aj_req_fail(req, AJ_ETOOBIG, "request body too large");
        req->status = 413;
        return answer_error(conn, req, AJ_ETOOBIG);
    }
    return aj_static_answer(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    aj_app *app = cls;
    aj_req *req = *con_cls;
    if (!req) return;
    aj_metrics_count(&app->metrics, req->route_index, req->status ? req->status : 500,
                     now_us() - req->started_us);
    if (req->db) aj_store_release(app->store, req->db);
    for (int i = 0; i < req->n_path_params; i++) free(req->path_params[i]);
    free(req->body);
    free(req->reply_raw);
    if (req->stream_fn && req->stream_free) req->stream_free(req->stream_ctx); /* never queued */
    json_decref(req->json);
    json_decref(req->reply);
    json_decref(req->err_details);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&app->metrics.in_flight, 1);
}

/* ---- lifecycle --------------------------------------------------------------------- */

static bool parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t errlen) {
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) {
        snprintf(err, errlen, "listen address \"%s\" must be host:port", listen);
        return false;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        snprintf(err, errlen, "listen port in \"%s\" must be 0..65535", listen);
        return false;
    }
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!strcmp(host, "localhost")) snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1) {
        snprintf(err, errlen, "listen host \"%s\" must be an IPv4 address", host);
        return false;
    }
    return true;
}

aj_err aj_server_start(aj_app *app, aj_server **out, char *err, size_t errlen) {
    struct sockaddr_in sa;
    if (!parse_listen(app->cfg.listen, &sa, err, errlen)) return AJ_EINVAL;
    aj_server *srv = calloc(1, sizeof *srv);
    if (!srv) return AJ_ENOMEM;
    srv->app = app;
    /* One thread per connection: a long request (a plant import) never delays requests
     * on other connections, and later long-lived streams (SSE) need no special case.
     * Memory stays bounded by --max-connections. ITC is needed to quiesce. */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO | MHD_USE_ITC;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)AJ_HEADER_POOL_BYTES, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)app->cfg.max_connections, MHD_OPTION_THREAD_STACK_SIZE, (size_t)AJ_HTTP_THREAD_STACK_BYTES,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on %s (address in use or not available)", app->cfg.listen);
        free(srv);
        return AJ_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : ntohs(sa.sin_port);
    *out = srv;
    return AJ_OK;
}

int aj_server_port(const aj_server *srv) {
    return srv->port;
}

void aj_server_stop(aj_server *srv, int64_t grace_s) {
    if (!srv) return;
    /* Stop accepting; connections already open are served until done or the grace ends. */
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    if (srv->app->engine) aj_events_close(aj_engine_events(srv->app->engine)); /* ends SSE streams */
    int64_t deadline = aj_time_now_ms() + grace_s * 1000;
    while (atomic_load(&srv->app->metrics.in_flight) > 0 && aj_time_now_ms() < deadline) usleep(20000);
    if (atomic_load(&srv->app->metrics.in_flight) > 0)
        aj_warn("shutdown: %d requests still running after %llds; closing them",
                atomic_load(&srv->app->metrics.in_flight), (long long)grace_s);
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
