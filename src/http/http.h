/* http.h — one HTTP request as handlers see it, the route table entry, and the helpers
 * handlers use to read input and write JSON answers.
 *
 * A handler returns AJ_OK after setting the answer (aj_reply_json & co.), or an error
 * code after aj_req_fail() set a precise message; the server turns errors into
 * {"error":{"code","message"[,"details"]}} with the status of the code (err.h).
 * The request owns everything it holds; it is freed when the connection completes.
 */
#ifndef AJ_HTTP_H
#define AJ_HTTP_H

#include "app.h"
#include "base/err.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct MHD_Connection;

#define AJ_SCOPE_MAX 64 /* enterprises a regulator may be granted; sites a user may be limited to */

/* Who is calling, resolved from the bearer token or session cookie. */
typedef struct aj_auth {
    int64_t user_id;
    int64_t enterprise_id; /* the user's own enterprise */
    int64_t org_id;        /* 0 when not tied to an organisation */
    char username[64];
    char display_name[128];
    uint32_t perms;
    bool is_regulator;
    bool via_cookie;
    char csrf_token[64];
    char token_hash[65];
    int64_t expires_ms;
    int n_roles;
    char roles[12][32];
    int n_enterprises; /* readable enterprises: own, or a regulator's grants */
    int64_t enterprises[AJ_SCOPE_MAX];
    int n_sites; /* 0: all sites of the enterprise(s) */
    int64_t sites[AJ_SCOPE_MAX];
} aj_auth;

typedef struct aj_req aj_req;
typedef aj_err (*aj_handler)(aj_req *req);

enum {
    AJ_ROUTE_PUBLIC = 1 << 0,        /* no authentication */
    AJ_ROUTE_JSON_BODY = 1 << 1,     /* body must be a JSON document */
    AJ_ROUTE_ANY_BODY = 1 << 2,      /* body passed raw (e.g. line protocol) */
    AJ_ROUTE_SELF = 1 << 3,          /* allowed to regulators although not GET (logout) */
    AJ_ROUTE_JSON_OPTIONAL = 1 << 4, /* with JSON_BODY: an empty body is allowed (req->json NULL) */
};

typedef struct aj_route {
    const char *method;  /* "GET", "POST", "PATCH", "PUT", "DELETE" */
    const char *pattern; /* "/api/v1/areas/{id}" */
    aj_handler handler;
    uint32_t perm; /* all of these bits required; 0 = any authenticated user */
    unsigned flags;
    const char *summary; /* one line, also used by `anjian routes` */
} aj_route;

/* The route table (src/api/routes.c). Ends with a zeroed entry. */
extern const aj_route aj_routes[];
int aj_routes_count(void);

#define AJ_PATH_PARAMS_MAX 4

/* A streamed answer (SSE): called from the connection's thread until it returns
 * AJ_STREAM_END or AJ_STREAM_ERROR; may block (thread-per-connection). Writes at most max
 * bytes into buf and returns how many (> 0). free_fn releases ctx when the stream ends. */
#define AJ_STREAM_END   (-1)
#define AJ_STREAM_ERROR (-2)
typedef long (*aj_stream_fn)(void *ctx, char *buf, size_t max);

struct aj_req {
    aj_app *app;
    struct MHD_Connection *conn;
    const aj_route *route;
    int route_index;
    const char *method;
    char path[1024];
    char *path_params[AJ_PATH_PARAMS_MAX];
    int n_path_params;
    char peer[64]; /* client address */
    /* body */
    char *body;
    size_t body_len, body_cap;
    bool body_too_big;
    json_t *json; /* parsed body for AJ_ROUTE_JSON_BODY routes */
    /* caller */
    bool is_authed;
    aj_auth auth;
    aj_db *db; /* borrowed lazily by aj_req_db(), returned after the handler */
    /* answer */
    int status;
    json_t *reply;
    char *reply_raw;
    size_t reply_raw_len;
    const char *content_type;
    char extra_headers[4][512]; /* "Name: value" */
    int n_extra_headers;
    char errmsg[600];
    json_t *err_details;
    aj_stream_fn stream_fn; /* set by aj_reply_stream */
    void *stream_ctx;
    void (*stream_free)(void *ctx);
    int64_t started_us;
};

/* The connection to the store, borrowed on first use. */
aj_db *aj_req_db(aj_req *req);
/* Query-string parameter or NULL. */
const char *aj_req_query(aj_req *req, const char *name);
/* Request header or NULL. */
const char *aj_req_header(aj_req *req, const char *name);
/* Path parameter {id} as a positive integer; AJ_ENOTFOUND when not a valid id. */
aj_err aj_req_path_id(aj_req *req, int index, int64_t *out);
/* Integer query parameter within bounds; def when absent; AJ_EINVAL with a message when bad. */
aj_err aj_req_query_int(aj_req *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out);
/* Paging: limit (1..AJ_PAGE_LIMIT_MAX) and the cursor's last id (0 = first page). */
aj_err aj_req_page(aj_req *req, int64_t *limit, int64_t *after_id);
/* Makes the cursor string for a page that ended at id. buf >= 24. */
void aj_page_cursor(int64_t last_id, char *buf, size_t size);
/* Parses a cursor made by aj_page_cursor; false when it is not one. */
bool aj_page_cursor_parse(const char *s, int64_t *out);

/* Sets the error message (and returns err) for the JSON error answer. */
aj_err aj_req_fail(aj_req *req, aj_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Answer with a JSON value (takes ownership). */
void aj_reply_json(aj_req *req, int status, json_t *body);
/* Answer with raw bytes (copied) and a content type. */
void aj_reply_raw(aj_req *req, int status, const char *content_type, const char *data, size_t len);
void aj_reply_header(aj_req *req, const char *name, const char *value);
/* Answer 200 with a stream of content_type (takes ownership of ctx). */
void aj_reply_stream(aj_req *req, const char *content_type, aj_stream_fn fn, void *ctx,
                     void (*free_fn)(void *));
/* {"items": items, "next_cursor": ...} where next_cursor is set when items is full. */
void aj_reply_page(aj_req *req, json_t *items, int64_t limit, const char *id_key);

/* Actor string for the audit log: "user:ID:username". buf >= 96. */
void aj_req_actor(const aj_req *req, char *buf, size_t size);
/* SQL condition restricting column col to the caller's enterprises, e.g.
 * "t.enterprise_id IN (1,4)". Written into buf (>= 1024). */
void aj_scope_enterprise(const aj_req *req, const char *col, char *buf, size_t size);
/* Same for sites: "1=1" when the caller is not limited to sites. */
void aj_scope_site(const aj_req *req, const char *col, char *buf, size_t size);
bool aj_req_has_perm(const aj_req *req, uint32_t perm);

#endif
