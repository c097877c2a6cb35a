/* data_api.c — time-series routes: POST /write (InfluxDB v1 line protocol, so Telegraf
 * and other collectors work unchanged), POST /api/v1/points (JSON batches) and
 * GET /api/v1/tags/{id}/history (archive + points not yet archived).
 *
 * Queries (all scoped like GET /api/v1/tags/{id}): history (JSON or CSV), trend (M4
 * downsampling for charts), aggregates per interval, value at a time (engine/query.h).
 *
 * Ingest answers like InfluxDB: 204 when every point was accepted (and is durable);
 * 400 with the accepted and rejected counts and, per rejected line or point, its
 * position and reason, when some were rejected — the good ones are kept; 503 with
 * Retry-After when the engine's queue is full (nothing kept). Keys map to tags of the
 * caller's enterprise (docs/line-protocol.md); unknown keys are rejected.
 */
#include "api/api.h"
#include "api/resource.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "engine/query.h"
#include "ingest/lineproto.h"
#include "ingest/points_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rejections listed in one answer (all are counted). */
#define INGEST_ERRORS_LISTED 100

/* Where an accepted point came from, to name it if the engine's screen rejects it. */
typedef struct origin {
    int64_t newest; /* the tag's newest time in the engine when resolved */
    int32_t at;     /* line protocol: line number; JSON: index in points */
    int16_t field;  /* line protocol: field index on the line; JSON: -1 */
} origin;

/* Points are parsed into a block of pending points whose keys are then looked up
 * together (aj_engine_lookup_many): a request of 10,000 lines makes 157 lookups of 64
 * keys instead of 10,000 single ones. A rejection by the parser first flushes the block,
 * so the rejections of an answer stay in input order. */
#define PENDING_BLOCK 64

typedef struct pending {
    aj_point p;
    int32_t at;
    int16_t field;
    uint32_t key_off, key_len; /* in ingest.keys: key, NUL, field name, NUL */
} pending;

typedef struct ingest {
    aj_req *req;
    aj_point *pts;
    origin *from;
    size_t n, cap;
    int n_rejected;
    json_t *details;
    pending wait[PENDING_BLOCK];
    int n_wait;
    char *keys; /* keys of the waiting points */
    size_t keys_len, keys_cap;
} ingest;

static void reject(ingest *in, json_t *detail) {
    in->n_rejected++;
    if (json_array_size(in->details) < INGEST_ERRORS_LISTED)
        json_array_append_new(in->details, detail);
    else
        json_decref(detail);
}

static aj_err add_point(ingest *in, const aj_point *p, int64_t newest, int32_t at, int16_t field) {
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 1024;
        if (cap > AJ_ENGINE_BATCH_POINTS_MAX) cap = AJ_ENGINE_BATCH_POINTS_MAX;
        if (in->n == cap) return AJ_ETOOBIG;
        aj_point *grown = realloc(in->pts, sizeof *grown * cap);
        if (!grown) return AJ_ENOMEM;
        in->pts = grown;
        origin *grown_from = realloc(in->from, sizeof *grown_from * cap);
        if (!grown_from) return AJ_ENOMEM;
        in->from = grown_from;
        in->cap = cap;
    }
    in->from[in->n] = (origin){newest, at, field};
    in->pts[in->n++] = *p;
    return AJ_OK;
}

/* Where a point came from, for a rejection: {line, field} or {path}. */
static json_t *where_of(int32_t at, int16_t field, const char *field_name) {
    if (field >= 0) return json_pack("{s:i, s:s}", "line", at, "field", field_name);
    char path[64];
    snprintf(path, sizeof path, "$.points[%d]", at);
    return json_pack("{s:s}", "path", path);
}

static void reject_unresolved(ingest *in, const pending *w, aj_err e) {
    const char *key = in->keys + w->key_off;
    json_t *where = where_of(w->at, w->field, key + w->key_len + 1);
    json_object_set_new(
        where, "reason",
        json_string(e == AJ_ENOTFOUND ? "unknown tag key (register the tag first)" : "tag lookup failed"));
    json_object_set_new(where, "key", json_string(key));
    reject(in, where);
}

/* Resolves the keys of the waiting points in the caller's enterprise (those the engine
 * does not hold yet one by one, from the store) and adds the points; unknown keys are
 * rejected with detail. */
static aj_err flush_pending(ingest *in) {
    if (in->n_wait == 0) return AJ_OK;
    aj_req *req = in->req;
    const char *keys[PENDING_BLOCK];
    size_t lens[PENDING_BLOCK];
    int64_t ids[PENDING_BLOCK], newest[PENDING_BLOCK];
    for (int i = 0; i < in->n_wait; i++) {
        keys[i] = in->keys + in->wait[i].key_off;
        lens[i] = in->wait[i].key_len;
    }
    aj_engine_lookup_many(req->app->engine, req->auth.enterprise_id, keys, lens, (size_t)in->n_wait, ids,
                          newest);
    aj_err err = AJ_OK;
    for (int i = 0; i < in->n_wait && !err; i++) {
        pending *w = &in->wait[i];
        if (ids[i] == 0) {
            aj_err e = aj_engine_resolve_newest(req->app->engine, aj_req_db(req), req->auth.enterprise_id,
                                                keys[i], &ids[i], &newest[i]);
            if (e) {
                reject_unresolved(in, w, e);
                continue;
            }
        }
        w->p.tag_id = ids[i];
        err = add_point(in, &w->p, newest[i], w->at, w->field);
    }
    in->n_wait = 0;
    in->keys_len = 0;
    return err;
}

/* Queues a parsed point whose key is still to be resolved. */
static aj_err add_pending(ingest *in, const aj_point *p, const char *key, size_t key_len,
                          const char *field_name, int32_t at, int16_t field) {
    if (in->n_wait == PENDING_BLOCK) {
        aj_err e = flush_pending(in);
        if (e) return e;
    }
    size_t name_len = field_name ? strlen(field_name) : 0;
    size_t need = key_len + 1 + name_len + 1;
    if (in->keys_len + need > in->keys_cap) {
        size_t cap = in->keys_cap ? in->keys_cap : 4096;
        while (cap < in->keys_len + need) cap *= 2;
        char *grown = realloc(in->keys, cap);
        if (!grown) return AJ_ENOMEM;
        in->keys = grown;
        in->keys_cap = cap;
    }
    char *k = in->keys + in->keys_len;
    memcpy(k, key, key_len);
    k[key_len] = 0;
    if (name_len) memcpy(k + key_len + 1, field_name, name_len);
    k[key_len + 1 + name_len] = 0;
    in->wait[in->n_wait++] = (pending){*p, at, field, (uint32_t)in->keys_len, (uint32_t)key_len};
    in->keys_len += need;
    return AJ_OK;
}

/* A rejection found while parsing: after the waiting points, to keep input order. */
static aj_err reject_now(ingest *in, json_t *detail) {
    aj_err e = flush_pending(in);
    reject(in, detail);
    return e;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* Takes out the points the engine would drop as late (not after the tag's newest time
 * when resolved, or after an earlier point of the same tag in this request), rejecting
 * each by its origin. A race with another request for the same tag only lets a late
 * point through to the engine, which drops and counts it. */
static aj_err screen_late(ingest *in) {
    if (in->n == 0) return AJ_OK;
    bool in_order = aj_engine_reorder_ns(in->req->app->engine) == 0;
    uint32_t cap = 16;
    while (cap < 2 * in->n) cap *= 2; /* n <= AJ_ENGINE_BATCH_POINTS_MAX */
    struct seen {
        int64_t tag_id, max_t;
    } *seen = in_order ? calloc(cap, sizeof *seen) : NULL;
    if (in_order && !seen) return AJ_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < in->n; i++) {
        const aj_point *p = &in->pts[i];
        bool late = p->t_ns <= in->from[i].newest;
        if (seen) {
            uint32_t j = (uint32_t)mix64((uint64_t)p->tag_id) & (cap - 1);
            while (seen[j].tag_id != 0 && seen[j].tag_id != p->tag_id) j = (j + 1) & (cap - 1);
            if (seen[j].tag_id == 0)
                seen[j] = (struct seen){p->tag_id, p->t_ns};
            else if (p->t_ns <= seen[j].max_t)
                late = true;
            else
                seen[j].max_t = p->t_ns;
        }
        if (!late) {
            in->pts[k] = in->pts[i];
            in->from[k++] = in->from[i];
            continue;
        }
        json_t *where;
        if (in->from[i].field >= 0) {
            where = json_pack("{s:i, s:i}", "line", in->from[i].at, "field_index", in->from[i].field);
        } else {
            char path[64];
            snprintf(path, sizeof path, "$.points[%d]", in->from[i].at);
            where = json_pack("{s:s}", "path", path);
        }
        json_object_set_new(where, "reason",
                            json_string("late: not after the tag's latest point (points of a tag must come "
                                        "in event-time order, within the reorder window)"));
        reject(in, where);
    }
    in->n = k;
    free(seen);
    return AJ_OK;
}

static aj_err on_lp_line(void *ctx, const aj_lp_line *line) {
    ingest *in = ctx;
    for (int f = 0; f < line->n_fields; f++) {
        const aj_lp_field *fd = &line->fields[f];
        char key[AJ_LP_NAME_MAX * 2];
        aj_point p = {.t_ns = line->t_ns, .quality = AJ_QUALITY_GOOD};
        const char *problem = NULL;
        if (!aj_lp_tag_key(line, f, key, sizeof key))
            problem = "tag key too long";
        else if (!aj_lp_field_value(fd, &p.value, &p.type))
            problem = "string fields are not stored as tag values";
        aj_err e;
        if (problem) {
            json_t *where = where_of(line->line_no, (int16_t)f, fd->key);
            json_object_set_new(where, "reason", json_string(problem));
            e = reject_now(in, where);
        } else {
            e = add_pending(in, &p, key, strlen(key), fd->key, line->line_no, (int16_t)f);
        }
        if (e) return e;
    }
    return AJ_OK;
}

static aj_err on_lp_error(void *ctx, const aj_lp_error *err) {
    ingest *in = ctx;
    return reject_now(
        in, json_pack("{s:i, s:i, s:s}", "line", err->line, "column", err->column, "reason", err->reason));
}

static aj_err on_pj_point(void *ctx, const aj_pj_point *pp) {
    ingest *in = ctx;
    if (pp->type == AJ_VALUE_STRING) {
        json_t *where = where_of(pp->index, -1, NULL);
        json_object_set_new(where, "reason", json_string("string values are not stored as tag values"));
        return reject_now(in, where);
    }
    aj_point p = {.t_ns = pp->t_ns, .value = pp->f, .type = pp->type, .quality = pp->quality};
    if (pp->quality == AJ_QUALITY_BAD) p.quality_reasons = AJ_QR_SOURCE_BAD;
    return add_pending(in, &p, pp->key, strlen(pp->key), NULL, pp->index, -1);
}

static aj_err on_pj_error(void *ctx, const aj_pj_error *err) {
    ingest *in = ctx;
    return reject_now(in, json_pack("{s:s, s:s}", "path", err->path, "reason", err->reason));
}

/* Submits what was accepted and writes the answer. */
static aj_err finish(aj_req *req, ingest *in) {
    aj_err e = flush_pending(in);
    if (e == AJ_ETOOBIG)
        return aj_req_fail(req, e, "more than %d points in one request", AJ_ENGINE_BATCH_POINTS_MAX);
    if (!e) e = screen_late(in);
    if (e) return aj_req_fail(req, e, "out of memory");
    e = aj_engine_submit(req->app->engine, in->pts, in->n);
    if (e == AJ_EUNAVAILABLE)
        return aj_req_fail(req, e, "the engine's queue is full: retry after the Retry-After delay");
    if (e == AJ_ETOOBIG)
        return aj_req_fail(req, e, "more than %d points in one request", AJ_ENGINE_BATCH_POINTS_MAX);
    if (e) return aj_req_fail(req, e, "the points could not be made durable: %s", aj_err_name(e));
    if (in->n_rejected == 0) {
        req->status = 204;
        return AJ_OK;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "%d point(s) or line(s) rejected, %zu accepted", in->n_rejected, in->n);
    json_t *err = json_pack("{s:s, s:s, s:O}", "code", "invalid", "message", msg, "details", in->details);
    aj_reply_json(req, 400,
                  json_pack("{s:o, s:I, s:i}", "error", err, "accepted", (json_int_t)in->n, "rejected",
                            in->n_rejected));
    return AJ_OK;
}

static aj_err need_engine(aj_req *req) {
    if (!req->app->engine) return aj_req_fail(req, AJ_EUNAVAILABLE, "the real-time engine is not running");
    return AJ_OK;
}

aj_err aj_api_write(aj_req *req) {
    aj_err e = need_engine(req);
    if (e) return e;
    aj_lp_precision precision;
    const char *ps = aj_req_query(req, "precision");
    if (aj_lp_precision_parse(ps ? ps : "ns", &precision) != AJ_OK)
        return aj_req_fail(req, AJ_EINVAL, "precision must be ns, us, ms, s, m or h (got \"%.20s\")", ps);
    ingest in = {.req = req, .details = json_array()};
    aj_lp_callbacks cb = {.ctx = &in, .on_line = on_lp_line, .on_error = on_lp_error};
    aj_lp_stats stats;
    int64_t now_ns = aj_time_now_ms() * 1000000;
    e = aj_lp_parse(req->body ? req->body : "", req->body_len, precision, now_ns, &cb, &stats);
    if (e == AJ_OK || e == AJ_EINVAL)
        e = finish(req, &in);
    else
        aj_req_fail(req, e, "line protocol could not be processed: %s", aj_err_name(e));
    free(in.pts);
    free(in.from);
    free(in.keys);
    json_decref(in.details);
    return e;
}

aj_err aj_api_points(aj_req *req) {
    aj_err e = need_engine(req);
    if (e) return e;
    ingest in = {.req = req, .details = json_array()};
    aj_pj_callbacks cb = {.ctx = &in, .on_point = on_pj_point, .on_error = on_pj_error};
    e = aj_pj_parse(req->json, &cb, NULL);
    if (e == AJ_ETOOBIG)
        aj_req_fail(req, e, "too many points in one batch (at most %d)", AJ_PJ_POINTS_MAX);
    else if (e == AJ_OK || e == AJ_EINVAL)
        e = finish(req, &in);
    else
        aj_req_fail(req, e, "points could not be processed: %s", aj_err_name(e));
    free(in.pts);
    free(in.from);
    free(in.keys);
    json_decref(in.details);
    return e;
}

/* ---- history --------------------------------------------------------------------------- */

typedef struct history {
    json_t *points;
    int64_t last_t;
} history;

static const char *quality_name(aj_quality q) {
    return q == AJ_QUALITY_GOOD ? "good" : q == AJ_QUALITY_UNCERTAIN ? "uncertain" : "bad";
}

static aj_err add_history(void *ctx, const aj_point *p) {
    history *h = ctx;
    if (p->t_ns <= h->last_t) return AJ_OK; /* the engine tail may repeat the archive's end */
    h->last_t = p->t_ns;
    char t[40];
    aj_time_format_ms(p->t_ns / 1000000, t, sizeof t);
    json_t *v = isfinite(p->value) ? json_real(p->value) : json_null();
    json_array_append_new(h->points, json_pack("{s:s, s:I, s:o, s:s, s:I}", "t", t, "t_ns",
                                               (json_int_t)p->t_ns, "v", v, "q", quality_name(p->quality),
                                               "reasons", (json_int_t)p->quality_reasons));
    return AJ_OK;
}

static aj_err time_param(aj_req *req, const char *name, int64_t def_ns, int64_t *out_ns) {
    const char *s = aj_req_query(req, name);
    if (!s) {
        *out_ns = def_ns;
        return AJ_OK;
    }
    if (!aj_pj_time_parse(s, strlen(s), out_ns))
        return aj_req_fail(req, AJ_EINVAL, "query parameter %s must be an RFC 3339 time (got \"%.40s\")",
                           name, s);
    return AJ_OK;
}

/* Points read for one query at most (a 24 h trend of a 1 Hz tag is 86,400). */
#define QUERY_READ_MAX 2000000

typedef struct collected {
    aj_point *pts;
    size_t n, cap;
    int64_t last_t;
} collected;

static aj_err collect_point(void *ctx, const aj_point *p) {
    collected *c = ctx;
    if (p->t_ns <= c->last_t) return AJ_OK; /* the engine tail may repeat the archive's end */
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        aj_point *grown = realloc(c->pts, sizeof *grown * cap);
        if (!grown) return AJ_ENOMEM;
        c->pts = grown;
        c->cap = cap;
    }
    c->pts[c->n++] = *p;
    c->last_t = p->t_ns;
    return AJ_OK;
}

/* Archive + engine tail of a tag in [from, to], at most max points, in time order. */
static aj_err collect_range(aj_req *req, int64_t id, int64_t from, int64_t to, size_t max, collected *c,
                            bool *is_truncated) {
    size_t n = 0;
    c->last_t = INT64_MIN;
    aj_err e = aj_archive_read(aj_req_db(req), id, from, to, max, collect_point, c, &n, is_truncated);
    if (!e && !*is_truncated && req->app->engine)
        e = aj_engine_recent(req->app->engine, id, from, to, collect_point, c);
    if (!e && c->n > max) {
        c->n = max;
        *is_truncated = true;
    }
    if (e) return aj_req_fail(req, e, "history could not be read: %s", req->db ? aj_db_errmsg(req->db) : "");
    return AJ_OK;
}

/* Loads the tag in the caller's scope; *is_step for step kinds. */
static aj_err tag_of(aj_req *req, int64_t *id, bool *is_step) {
    aj_err e = aj_req_path_id(req, 0, id);
    if (e) return e;
    json_t *tag;
    if ((e = aj_resource_load(req, &aj_res_tags, *id, &tag))) return e; /* scope: 404 outside */
    const char *kind = json_string_value(json_object_get(tag, "kind"));
    *is_step = kind && (!strcmp(kind, "status") || !strcmp(kind, "count"));
    json_decref(tag);
    return AJ_OK;
}

static json_t *points_json(const aj_point *pts, size_t n) {
    history h = {.points = json_array(), .last_t = INT64_MIN};
    for (size_t i = 0; i < n; i++) add_history(&h, &pts[i]);
    return h.points;
}

static aj_err reply_csv(aj_req *req, const aj_point *pts, size_t n) {
    size_t cap = 64 + (n + 1) * AJ_QUERY_CSV_ROW_MAX, len = 0, rows = 0;
    char *buf = malloc(cap);
    if (!buf) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    aj_err e = aj_query_csv(pts, n, true, buf, cap, &len, &rows);
    if (!e) aj_reply_raw(req, 200, "text/csv; charset=utf-8", buf, len);
    free(buf);
    return e ? aj_req_fail(req, e, "CSV could not be written") : AJ_OK;
}

aj_err aj_api_tag_history(aj_req *req) {
    int64_t id;
    bool is_step;
    aj_err e = tag_of(req, &id, &is_step);
    if (e) return e;
    int64_t now_ns = aj_time_now_ms() * 1000000, from, to, limit;
    if ((e = time_param(req, "from", now_ns - 3600LL * 1000000000LL, &from))) return e;
    if ((e = time_param(req, "to", INT64_MAX, &to))) return e;
    if ((e = aj_req_query_int(req, "limit", 10000, 1, 100000, &limit))) return e;
    const char *format = aj_req_query(req, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
        return aj_req_fail(req, AJ_EINVAL, "format must be json or csv");
    collected c = {0};
    bool is_truncated = false;
    if ((e = collect_range(req, id, from, to, (size_t)limit, &c, &is_truncated))) {
        free(c.pts);
        return e;
    }
    if (format && !strcmp(format, "csv")) {
        e = reply_csv(req, c.pts, c.n);
    } else {
        aj_reply_json(req, 200,
                      json_pack("{s:I, s:o, s:b}", "tag_id", (json_int_t)id, "points",
                                points_json(c.pts, c.n), "truncated", is_truncated));
    }
    free(c.pts);
    return e;
}

aj_err aj_api_tag_trend(aj_req *req) {
    int64_t id, from, to, n_max;
    bool is_step;
    aj_err e = tag_of(req, &id, &is_step);
    if (e) return e;
    int64_t now_ns = aj_time_now_ms() * 1000000;
    if ((e = time_param(req, "from", now_ns - 24 * 3600LL * 1000000000LL, &from))) return e;
    if ((e = time_param(req, "to", now_ns, &to))) return e;
    if ((e = aj_req_query_int(req, "points", 1000, AJ_QUERY_TREND_MIN, 20000, &n_max))) return e;
    collected c = {0};
    bool is_truncated = false;
    if ((e = collect_range(req, id, from, to, QUERY_READ_MAX, &c, &is_truncated))) {
        free(c.pts);
        return e;
    }
    aj_point *out = malloc(sizeof *out * (size_t)n_max);
    size_t n_out = 0;
    e = out ? aj_query_trend(c.pts, c.n, (size_t)n_max, out, (size_t)n_max, &n_out) : AJ_ENOMEM;
    if (!e)
        aj_reply_json(req, 200,
                      json_pack("{s:I, s:I, s:o, s:b}", "tag_id", (json_int_t)id, "n_raw", (json_int_t)c.n,
                                "points", points_json(out, n_out), "truncated", is_truncated));
    else
        aj_req_fail(req, e, "trend could not be computed");
    free(out);
    free(c.pts);
    return e;
}

static json_t *num_or_null(double v) {
    return isfinite(v) ? json_real(v) : json_null();
}

aj_err aj_api_tag_aggregates(aj_req *req) {
    int64_t id, from, to, interval_s;
    bool is_step;
    aj_err e = tag_of(req, &id, &is_step);
    if (e) return e;
    int64_t now_ns = aj_time_now_ms() * 1000000;
    if ((e = time_param(req, "from", now_ns - 3600LL * 1000000000LL, &from))) return e;
    if ((e = time_param(req, "to", now_ns, &to))) return e;
    if ((e = aj_req_query_int(req, "interval", 60, 1, 366LL * 86400, &interval_s))) return e;
    if (from >= to) return aj_req_fail(req, AJ_EINVAL, "from must be before to");
    int64_t step = interval_s * 1000000000LL;
    if ((to - from) / step >= AJ_QUERY_INTERVALS_MAX)
        return aj_req_fail(req, AJ_EINVAL, "at most %d intervals: widen interval or shorten the range",
                           AJ_QUERY_INTERVALS_MAX);
    size_t n_int = (size_t)((to - from + step - 1) / step);
    aj_query_agg *out = calloc(n_int, sizeof *out);
    if (!out) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    aj_query_aggregator agg;
    e = aj_query_aggregator_init(&agg, is_step, from, to, step, out, n_int);
    aj_point prior;
    aj_err pe = e ? e : aj_archive_prior(aj_req_db(req), id, from - 1, &prior);
    if (!e && pe == AJ_OK) aj_query_aggregator_feed(&agg, &prior);
    collected c = {0};
    bool is_truncated = false;
    int64_t end = to > INT64_MAX - step ? INT64_MAX : to + step; /* the next point closes the last interval */
    if (!e) e = collect_range(req, id, from, end, QUERY_READ_MAX, &c, &is_truncated);
    for (size_t i = 0; !e && i < c.n; i++) aj_query_aggregator_feed(&agg, &c.pts[i]);
    if (!e) {
        size_t n = aj_query_aggregator_finish(&agg);
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            char t[AJ_QUERY_TIME_LEN + 1];
            aj_query_format_time_ns(out[i].from_ns, t, sizeof t);
            json_array_append_new(
                items, json_pack("{s:s, s:I, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "t", t, "t_ns",
                                 (json_int_t)out[i].from_ns, "n", (int)out[i].n, "n_bad", (int)out[i].n_bad,
                                 "min", num_or_null(out[i].min), "max", num_or_null(out[i].max), "avg",
                                 num_or_null(out[i].avg), "twa", num_or_null(out[i].twa), "first",
                                 num_or_null(out[i].first), "last", num_or_null(out[i].last)));
        }
        aj_reply_json(req, 200,
                      json_pack("{s:I, s:I, s:o, s:b}", "tag_id", (json_int_t)id, "interval_s",
                                (json_int_t)interval_s, "intervals", items, "truncated", is_truncated));
    } else if (!req->errmsg[0]) {
        aj_req_fail(req, e, "aggregates could not be computed");
    }
    free(c.pts);
    free(out);
    return e;
}

aj_err aj_api_tag_value(aj_req *req) {
    int64_t id, t;
    bool is_step;
    aj_err e = tag_of(req, &id, &is_step);
    if (e) return e;
    if (!aj_req_query(req, "t"))
        return aj_req_fail(req, AJ_EINVAL, "query parameter t (RFC 3339) is required");
    if ((e = time_param(req, "t", 0, &t))) return e;
    /* The series around t: the last point at or before t and the first after it. */
    aj_point pts[2];
    size_t n = 0;
    collected before = {0}, after = {0};
    bool is_truncated = false;
    if ((e = collect_range(req, id, t - 600LL * 1000000000LL, t, QUERY_READ_MAX, &before, &is_truncated)))
        goto out;
    if (before.n)
        pts[n++] = before.pts[before.n - 1];
    else if (aj_archive_prior(aj_req_db(req), id, t, &pts[0]) == AJ_OK)
        n = 1;
    if (t < INT64_MAX && (e = collect_range(req, id, t + 1, INT64_MAX, 1, &after, &is_truncated))) goto out;
    if (after.n) pts[n++] = after.pts[0];
    aj_query_series s = {.points = pts, .n_points = n, .is_step = is_step};
    aj_point v;
    e = n ? aj_query_value_at(&s, t, &v) : AJ_ENOTFOUND;
    if (e == AJ_ENOTFOUND) {
        aj_req_fail(req, e, "no value of tag %lld at that time (no data around it)", (long long)id);
    } else if (!e) {
        char ts[AJ_QUERY_TIME_LEN + 1];
        aj_query_format_time_ns(t, ts, sizeof ts);
        aj_reply_json(req, 200,
                      json_pack("{s:I, s:s, s:I, s:o, s:s, s:s}", "tag_id", (json_int_t)id, "t", ts, "t_ns",
                                (json_int_t)t, "v", num_or_null(v.value), "q", quality_name(v.quality),
                                "method", is_step ? "step" : "linear"));
    }
out:
    free(before.pts);
    free(after.pts);
    return e;
}
