/* sender.c — the simulator's line protocol to `POST /write?precision=ns`.
 *
 * Batching: the batch buffer (--batch-bytes) collects whole samples. step_end marks the
 * end of the last complete sample in it. When the next lines do not fit, the complete
 * samples are sent and the partial one moves to the front; a single sample larger than
 * the buffer is sent in pieces split at line boundaries. Pacing points (--speed N) and
 * the end of the run send the complete samples at once.
 *
 * One batch, until it is answered:
 *
 *   send ──204──────────────────────────────▶ done (points += lines)
 *     │ ──400 {accepted, rejected, details}──▶ done (rejected += M; the good lines are in)
 *     │ ──503 Retry-After: s─▶ wait s ─▶ send the same bytes again
 *     │ ──connection refused/reset/timeout─▶ wait 100 ms·2ⁿ (≤ 5 s) ─▶ reconnect, resend
 *     │ ──401/403/413/other──────────────────▶ stop (error)
 *     └ retrying longer than --retry-max ───▶ stop (AJ_EUNAVAILABLE)
 *
 * Invariant: 0 <= step_end <= len <= cap; buf[0, step_end) is whole samples and
 * buf[0, len) whole lines. Ownership: the sender owns its client, token and buffer.
 */
#include "sim/sender.h"

#include "sim/http_client.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct aj_sim_sender {
    aj_http_client *http;
    char *authorization; /* "Bearer <token>" */
    char *buf;
    size_t cap;
    size_t len;
    size_t step_end;
    int retry_max_ms;
    FILE *log;
    uint64_t n_lines_before; /* lines in earlier batches: rejected line numbers are absolute */
    aj_sim_send_stats st;
    char err[AJ_SIM_SEND_ERR_LEN];
};

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

#ifndef NDEBUG
/* The batch invariant (see the top of the file). */
static bool sender_ok(const aj_sim_sender *snd) {
    return snd->buf && snd->step_end <= snd->len && snd->len <= snd->cap;
}
#endif

/* error.message of a JSON error body, or a prefix of the body, into out. */
static void body_message(const aj_http_response *r, char *out, size_t outlen) {
    json_t *doc = r->body_len ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
    if (m)
        snprintf(out, outlen, "%s", m);
    else
        snprintf(out, outlen, "%.200s", r->body_len ? r->body : "no message");
    json_decref(doc);
}

/* ---- one request with retries ---------------------------------------------------------------- */

/* Sends until the server answers with something other than 503, or --retry-max has
 * passed. AJ_OK with the answer in *r; else AJ_EUNAVAILABLE (gave up) or the client's
 * error, with snd->err set. */
static aj_err request_retrying(aj_sim_sender *snd, const char *path, const char *auth, const char *ctype,
                               const char *body, size_t len, bool is_write, aj_http_response *r) {
    double t0 = mono_ms();
    int backoff_ms = AJ_SIM_BACKOFF_MS_MIN;
    char cerr[AJ_HTTP_ERR_LEN];
    for (;;) {
        aj_err e = aj_http_request(snd->http, "POST", path, auth, ctype, body, len, r, cerr, sizeof cerr);
        int wait_ms;
        if (e == AJ_EIO) {
            wait_ms = backoff_ms;
            backoff_ms = backoff_ms * 2 > AJ_SIM_BACKOFF_MS_MAX ? AJ_SIM_BACKOFF_MS_MAX : backoff_ms * 2;
        } else if (e) {
            snprintf(snd->err, sizeof snd->err, "%s", cerr);
            return e;
        } else {
            if (is_write) snd->st.n_requests++;
            if (r->status != 503) return AJ_OK;
            wait_ms = r->retry_after_s >= 0 ? r->retry_after_s * 1000 : AJ_SIM_RETRY_AFTER_MS_DEFAULT;
            snprintf(cerr, sizeof cerr, "server busy (503)");
        }
        double elapsed_ms = mono_ms() - t0;
        if (elapsed_ms + wait_ms > snd->retry_max_ms) {
            snprintf(snd->err, sizeof snd->err, "gave up after %.1f s (--retry-max %d s): %s",
                     elapsed_ms / 1e3, snd->retry_max_ms / 1000, cerr);
            return AJ_EUNAVAILABLE;
        }
        if (e == AJ_EIO)
            snd->st.n_reconnects++;
        else if (is_write)
            snd->st.n_retries_503++;
        sleep_ms(wait_ms);
    }
}

/* ---- login ----------------------------------------------------------------------------------- */

static aj_err set_token(aj_sim_sender *snd, const char *token) {
    size_t n = strlen(token);
    if (n == 0 || n > AJ_SIM_TOKEN_LEN_MAX) return AJ_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] <= ' ' || token[i] == 0x7f) return AJ_EINVAL; /* header-safe */
    free(snd->authorization);
    snd->authorization = malloc(n + 8);
    if (!snd->authorization) return AJ_ENOMEM;
    memcpy(snd->authorization, "Bearer ", 7);
    memcpy(snd->authorization + 7, token, n + 1);
    return AJ_OK;
}

static aj_err login(aj_sim_sender *snd, const char *user, const char *password) {
    json_t *req = json_pack("{s:s, s:s}", "username", user, "password", password);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) return AJ_ENOMEM;
    aj_http_response r = {.retry_after_s = -1};
    aj_err e =
        request_retrying(snd, "/api/v1/auth/login", NULL, "application/json", body, strlen(body), false, &r);
    free(body);
    if (!e && r.status != 200) {
        char msg[256];
        body_message(&r, msg, sizeof msg);
        snprintf(snd->err, sizeof snd->err, "login as %s refused (HTTP %d): %s", user, r.status, msg);
        e = r.status == 401 ? AJ_EUNAUTH : r.status == 403 ? AJ_EFORBIDDEN : AJ_EIO;
    } else if (!e) {
        json_t *doc = json_loadb(r.body, r.body_len, 0, NULL);
        const char *token = json_string_value(json_object_get(doc, "token"));
        e = token ? set_token(snd, token) : AJ_EINVAL;
        if (e) snprintf(snd->err, sizeof snd->err, "login answer has no usable \"token\"");
        json_decref(doc);
    }
    aj_http_response_clear(&r);
    return e;
}

/* ---- lifecycle --------------------------------------------------------------------------------- */

aj_err aj_sim_sender_new(const aj_sim_send_opts *o, aj_sim_sender **out, char *err, size_t errlen) {
    *out = NULL;
    size_t cap = o->batch_bytes ? o->batch_bytes : AJ_SIM_BATCH_BYTES_DEFAULT;
    if (cap < AJ_SIM_BATCH_BYTES_MIN || cap > AJ_SIM_BATCH_BYTES_MAX) {
        snprintf(err, errlen, "batch size must be %u..%u bytes", AJ_SIM_BATCH_BYTES_MIN,
                 AJ_SIM_BATCH_BYTES_MAX);
        return AJ_EINVAL;
    }
    if (!o->token && (!o->user || !o->password)) {
        snprintf(err, errlen, "a token, or a user and a password, is needed");
        return AJ_EINVAL;
    }
    aj_sim_sender *snd = calloc(1, sizeof *snd);
    if (!snd) return AJ_ENOMEM;
    snd->cap = cap;
    snd->retry_max_ms = o->retry_max_ms >= 0 ? o->retry_max_ms : AJ_SIM_RETRY_MAX_S_DEFAULT * 1000;
    snd->log = o->log;
    aj_err e = aj_http_client_new(o->url, &snd->http, err, errlen);
    if (!e && !(snd->buf = malloc(cap))) e = AJ_ENOMEM;
    if (!e && o->token && (e = set_token(snd, o->token)))
        snprintf(err, errlen, "the token is empty, too long or has spaces or control characters");
    if (!e && !o->token && (e = login(snd, o->user, o->password))) snprintf(err, errlen, "%s", snd->err);
    if (e) {
        if (e == AJ_ENOMEM) snprintf(err, errlen, "out of memory");
        aj_sim_sender_free(snd);
        return e;
    }
    snd->err[0] = 0;
    *out = snd;
    return AJ_OK;
}

void aj_sim_sender_free(aj_sim_sender *snd) {
    if (!snd) return;
    aj_http_client_free(snd->http);
    free(snd->authorization);
    free(snd->buf);
    free(snd);
}

const aj_sim_send_stats *aj_sim_sender_stats(const aj_sim_sender *snd) {
    return &snd->st;
}

const char *aj_sim_sender_error(const aj_sim_sender *snd) {
    return snd->err;
}

/* ---- sending one batch --------------------------------------------------------------------------- */

static uint64_t count_lines(const char *p, size_t len) {
    uint64_t n = 0;
    for (const char *e = p + len; (p = memchr(p, '\n', (size_t)(e - p))); p++) n++;
    return n;
}

/* Counts and describes the rejected lines of a 400 answer. */
static void note_rejects(aj_sim_sender *snd, const aj_http_response *r, uint64_t n_lines) {
    json_t *doc = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *details = json_object_get(json_object_get(doc, "error"), "details");
    json_t *rejected = json_object_get(doc, "rejected");
    uint64_t n = json_is_integer(rejected) && json_integer_value(rejected) >= 0
                     ? (uint64_t)json_integer_value(rejected)
                 : json_is_array(details) ? json_array_size(details)
                                          : n_lines; /* no report: count the whole request */
    uint64_t shown_before = snd->st.n_rejected;
    snd->st.n_rejected += n;
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d) {
        if (!snd->log || shown_before + i >= AJ_SIM_REJECTS_SHOWN_MAX) break;
        json_int_t line = json_integer_value(json_object_get(d, "line"));
        json_int_t col = json_integer_value(json_object_get(d, "column"));
        const char *reason = json_string_value(json_object_get(d, "reason"));
        fprintf(snd->log,
                "anjian sim: the server rejected output line %" JSON_INTEGER_FORMAT " (request %" PRIu64
                " line %" JSON_INTEGER_FORMAT ", column %" JSON_INTEGER_FORMAT "): %s\n",
                (json_int_t)snd->n_lines_before + line, snd->st.n_requests, line, col, reason ? reason : "?");
    }
    if (!json_is_array(details) && snd->log && shown_before < AJ_SIM_REJECTS_SHOWN_MAX) {
        char msg[256];
        body_message(r, msg, sizeof msg);
        fprintf(snd->log, "anjian sim: the server rejected request %" PRIu64 ": %s\n", snd->st.n_requests,
                msg);
    }
    json_decref(doc);
}

static aj_err send_batch(aj_sim_sender *snd, const char *p, size_t len) {
    if (len == 0) return AJ_OK;
    aj_http_response r = {.retry_after_s = -1};
    aj_err e = request_retrying(snd, "/write?precision=ns", snd->authorization, "text/plain; charset=utf-8",
                                p, len, true, &r);
    uint64_t n_lines = count_lines(p, len);
    char msg[256];
    if (!e && (r.status == 204 || r.status == 200 || r.status == 400)) {
        if (r.status == 400) note_rejects(snd, &r, n_lines);
        snd->st.n_points += n_lines;
        snd->st.n_bytes += len;
        snd->n_lines_before += n_lines;
    } else if (!e) {
        body_message(&r, msg, sizeof msg);
        if (r.status == 401 || r.status == 403) {
            snprintf(snd->err, sizeof snd->err, "the server refused the token (HTTP %d): %s", r.status, msg);
            e = r.status == 401 ? AJ_EUNAUTH : AJ_EFORBIDDEN;
        } else if (r.status == 413) {
            snprintf(snd->err, sizeof snd->err,
                     "the server refused a %zu-byte request as too large (HTTP 413): lower --batch-bytes",
                     len);
            e = AJ_ETOOBIG;
        } else {
            snprintf(snd->err, sizeof snd->err, "unexpected answer HTTP %d to POST /write: %s", r.status,
                     msg);
            e = AJ_EIO;
        }
    }
    aj_http_response_clear(&r);
    return e;
}

/* ---- the sink ------------------------------------------------------------------------------------ */

/* Sends buf[0, n) and moves the rest to the front. */
static aj_err send_prefix(aj_sim_sender *snd, size_t n) {
    aj_err e = send_batch(snd, snd->buf, n);
    if (e) return e;
    memmove(snd->buf, snd->buf + n, snd->len - n);
    snd->len -= n;
    snd->step_end = snd->step_end >= n ? snd->step_end - n : 0;
    assert(sender_ok(snd));
    return AJ_OK;
}

static aj_err sender_write(void *ctx, const char *lines, size_t len) {
    aj_sim_sender *snd = ctx;
    assert(sender_ok(snd));
    while (len > 0) {
        if (snd->cap - snd->len >= len) {
            memcpy(snd->buf + snd->len, lines, len);
            snd->len += len;
            break;
        }
        aj_err e;
        if (snd->step_end > 0) { /* send the complete samples, keep the partial one */
            e = send_prefix(snd, snd->step_end);
        } else { /* one sample larger than a batch: fill up with whole lines and send */
            size_t room = snd->cap - snd->len, take = 0;
            for (size_t i = 0; i < room; i++)
                if (lines[i] == '\n') take = i + 1;
            if (take == 0 && snd->len == 0) { /* a line longer than a batch: not from the run loop */
                assert(!"line longer than --batch-bytes");
                snprintf(snd->err, sizeof snd->err, "a line is longer than --batch-bytes");
                return AJ_EINVAL;
            }
            memcpy(snd->buf + snd->len, lines, take);
            snd->len += take;
            lines += take;
            len -= take;
            e = send_prefix(snd, snd->len);
        }
        if (e) return e;
    }
    assert(sender_ok(snd));
    return AJ_OK;
}

static aj_err sender_end_step(void *ctx) {
    aj_sim_sender *snd = ctx;
    snd->step_end = snd->len;
    return AJ_OK;
}

aj_err aj_sim_sender_flush(aj_sim_sender *snd, bool is_final) {
    return send_prefix(snd, is_final ? snd->len : snd->step_end);
}

static aj_err sender_flush(void *ctx, bool is_final) {
    return aj_sim_sender_flush(ctx, is_final);
}

aj_sim_sink aj_sim_sender_sink(aj_sim_sender *snd) {
    return (aj_sim_sink){
        .ctx = snd, .write = sender_write, .end_step = sender_end_step, .flush = sender_flush, .clear = NULL};
}
