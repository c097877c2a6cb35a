/* request.c — helpers handlers use on an aj_req: input (query, headers, path ids,
 * paging), answers (JSON, raw, errors) and the caller's scope as SQL conditions. */
#include "base/limits.h"
#include "http/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aj_db *aj_req_db(aj_req *req) {
    if (!req->db) req->db = aj_store_acquire(req->app->store);
    return req->db;
}

const char *aj_req_query(aj_req *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *aj_req_header(aj_req *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static bool parse_int(const char *s, int64_t *out) {
    if (!s || !*s) return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s) return false;
    *out = v;
    return true;
}

aj_err aj_req_path_id(aj_req *req, int index, int64_t *out) {
    if (index >= req->n_path_params || !parse_int(req->path_params[index], out) || *out <= 0)
        return aj_req_fail(req, AJ_ENOTFOUND, "no such object: \"%.40s\" is not an id",
                           index < req->n_path_params ? req->path_params[index] : "");
    return AJ_OK;
}

aj_err aj_req_query_int(aj_req *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out) {
    const char *s = aj_req_query(req, name);
    if (!s) {
        *out = def;
        return AJ_OK;
    }
    if (!parse_int(s, out) || *out < min || *out > max)
        return aj_req_fail(req, AJ_EINVAL,
                           "query parameter %s must be an integer in %lld..%lld (got \"%.40s\")", name,
                           (long long)min, (long long)max, s);
    return AJ_OK;
}

/* Cursors are opaque to clients: "c" followed by the last id in base 36. */
void aj_page_cursor(int64_t last_id, char *buf, size_t size) {
    char tmp[24];
    int n = 0;
    uint64_t v = (uint64_t)last_id;
    do {
        tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v && n < 23);
    size_t k = 0;
    if (size < 2) return;
    buf[k++] = 'c';
    while (n > 0 && k + 1 < size) buf[k++] = tmp[--n];
    buf[k] = 0;
}

bool aj_page_cursor_parse(const char *s, int64_t *out) {
    if (s[0] != 'c' || !s[1] || strlen(s) > 13) return false; /* 12 base-36 digits fit int64 */
    int64_t v = 0;
    for (const char *p = s + 1; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'z')
            d = *p - 'a' + 10;
        else
            return false;
        v = v * 36 + d;
    }
    *out = v;
    return v > 0;
}

aj_err aj_req_page(aj_req *req, int64_t *limit, int64_t *after_id) {
    aj_err e = aj_req_query_int(req, "limit", AJ_PAGE_LIMIT_DEFAULT, 1, AJ_PAGE_LIMIT_MAX, limit);
    if (e) return e;
    *after_id = 0;
    const char *c = aj_req_query(req, "cursor");
    if (c && *c && !aj_page_cursor_parse(c, after_id))
        return aj_req_fail(req, AJ_EINVAL, "query parameter cursor is not a cursor this server issued");
    return AJ_OK;
}

aj_err aj_req_fail(aj_req *req, aj_err err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->errmsg, sizeof req->errmsg, fmt, ap);
    va_end(ap);
    return err;
}

void aj_reply_json(aj_req *req, int status, json_t *body) {
    json_decref(req->reply);
    req->reply = body;
    req->status = status;
}

void aj_reply_stream(aj_req *req, const char *content_type, aj_stream_fn fn, void *ctx,
                     void (*free_fn)(void *)) {
    if (req->stream_fn && req->stream_free) req->stream_free(req->stream_ctx);
    req->stream_fn = fn;
    req->stream_ctx = ctx;
    req->stream_free = free_fn;
    req->content_type = content_type;
    req->status = 200;
}

void aj_reply_raw(aj_req *req, int status, const char *content_type, const char *data, size_t len) {
    free(req->reply_raw);
    req->reply_raw = malloc(len ? len : 1);
    if (!req->reply_raw) {
        req->status = 500;
        return;
    }
    memcpy(req->reply_raw, data, len);
    req->reply_raw_len = len;
    req->content_type = content_type;
    req->status = status;
}

void aj_reply_header(aj_req *req, const char *name, const char *value) {
    if (req->n_extra_headers >= 4) return;
    snprintf(req->extra_headers[req->n_extra_headers++], sizeof req->extra_headers[0], "%s: %s", name, value);
}

void aj_reply_page(aj_req *req, json_t *items, int64_t limit, const char *id_key) {
    json_t *body = json_object();
    json_t *next = json_null();
    size_t n = json_array_size(items);
    if ((int64_t)n == limit && n > 0) {
        json_t *last = json_object_get(json_array_get(items, n - 1), id_key);
        if (json_is_integer(last)) {
            char cur[24];
            aj_page_cursor(json_integer_value(last), cur, sizeof cur);
            json_decref(next);
            next = json_string(cur);
        }
    }
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "next_cursor", next);
    aj_reply_json(req, 200, body);
}

void aj_req_actor(const aj_req *req, char *buf, size_t size) {
    if (req->is_authed)
        snprintf(buf, size, "user:%lld:%s", (long long)req->auth.user_id, req->auth.username);
    else
        snprintf(buf, size, "anonymous:%s", req->peer);
}

static void id_list(const char *col, const int64_t *ids, int n, char *buf, size_t size) {
    if (n == 0) {
        snprintf(buf, size, "1=0");
        return;
    }
    size_t k = (size_t)snprintf(buf, size, "%s IN (", col);
    for (int i = 0; i < n && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%lld", i ? "," : "", (long long)ids[i]);
    if (k < size) snprintf(buf + k, size - k, ")");
}

void aj_scope_enterprise(const aj_req *req, const char *col, char *buf, size_t size) {
    id_list(col, req->auth.enterprises, req->auth.n_enterprises, buf, size);
}

void aj_scope_site(const aj_req *req, const char *col, char *buf, size_t size) {
    if (req->auth.n_sites == 0)
        snprintf(buf, size, "1=1");
    else
        id_list(col, req->auth.sites, req->auth.n_sites, buf, size);
}

bool aj_req_has_perm(const aj_req *req, uint32_t perm) {
    return (req->auth.perms & perm) == perm;
}
