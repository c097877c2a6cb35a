/* test_sim_send.c — `anjian sim --url`: the HTTP client (src/sim/http_client.c) and the
 * sender (src/sim/sender.c) against a real HTTP peer started by the test.
 *
 * Each case forks a tiny server (plain blocking sockets) that answers requests from a
 * script (204, 503 + Retry-After, 400 with details, 401, a closed connection, ...) and
 * logs every request it received (connection number, head, body) to a file. The test
 * then checks what arrived: the concatenated bodies are exactly the line protocol the
 * simulator writes to a file for the same seed, the number of requests, the headers.
 * The end-to-end test against the real server lives with the /write endpoint.
 */
#include "sim/http_client.h"
#include "sim/sender.h"
#include "sim/sim.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define START_NS (1796083200LL * 1000000000LL) /* 2026-12-01T00:00:00Z */
#define S_NS     1000000000LL
#define TOKEN    "secret-token_1"

static json_t *plant;

/* ---- the scripted peer ------------------------------------------------------------------------ */

typedef enum {
    A_204,          /* 204, keep-alive */
    A_204_CLOSE,    /* 204, then the connection is closed without notice */
    A_204_CONN_HDR, /* 204 with Connection: close, then closed */
    A_503,          /* 503 with Retry-After: 0 */
    A_400,          /* 400: lines 2 and 5 rejected */
    A_401,          /* 401 */
    A_413,          /* 413 */
    A_LOGIN,        /* 200 {"token":"tok-from-login"} */
    A_HUGE,         /* 200 announcing a 2 MiB body */
    A_SILENT,       /* never answers */
} action;

typedef struct peer {
    pid_t pid;
    int port;
    char log_path[64];
} peer;

typedef struct request {
    int conn;
    char *head;
    char *body;
    size_t body_len;
} request;

static const char *const body_400 =
    "{\"error\":{\"code\":\"invalid\",\"message\":\"2 lines rejected\",\"details\":["
    "{\"line\":2,\"column\":5,\"reason\":\"bad field\"},{\"line\":5,\"column\":1,\"reason\":\"bad "
    "measurement\"}]},"
    "\"accepted\":100,\"rejected\":2}";

static void peer_answer(int fd, action a) {
    char out[1024];
    const char *body = "";
    const char *status = "204 No Content", *extra = "";
    switch (a) {
    case A_204:
    case A_204_CLOSE:
        break;
    case A_204_CONN_HDR:
        extra = "Connection: close\r\n";
        break;
    case A_503:
        status = "503 Service Unavailable";
        extra = "Retry-After: 0\r\n";
        body = "{\"error\":{\"code\":\"unavailable\",\"message\":\"queue full\"}}";
        break;
    case A_400:
        status = "400 Bad Request";
        body = body_400;
        break;
    case A_401:
        status = "401 Unauthorized";
        body = "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"bad token\"}}";
        break;
    case A_413:
        status = "413 Content Too Large";
        body = "{\"error\":{\"code\":\"too_large\",\"message\":\"body too large\"}}";
        break;
    case A_LOGIN:
        status = "200 OK";
        body = "{\"token\":\"tok-from-login\",\"expires_in\":43200}";
        break;
    case A_HUGE: {
        int n = snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n{");
        if (write(fd, out, (size_t)n) < 0) _exit(3);
        return;
    }
    case A_SILENT:
        pause();
        return;
    }
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n%s",
                     status, extra, strlen(body), body);
    if (write(fd, out, (size_t)n) < 0) _exit(3);
}

/* Reads one request (head + Content-Length body) into buf; its length, 0 at EOF. */
static size_t peer_read_request(int fd, char *buf, size_t cap, size_t *head_len) {
    size_t n = 0, want = 0;
    for (;;) {
        if (!want) {
            buf[n] = 0;
            char *eoh = strstr(buf, "\r\n\r\n");
            if (eoh) {
                *head_len = (size_t)(eoh + 4 - buf);
                char *cl = strstr(buf, "Content-Length: ");
                want = *head_len + (cl && cl < eoh ? strtoul(cl + 16, NULL, 10) : 0);
            }
        }
        if (want && n >= want) return want;
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got <= 0) return 0;
        n += (size_t)got;
    }
}

static void peer_serve(int lfd, const action *script, size_t n_script, const char *log_path) {
    FILE *log = fopen(log_path, "wb");
    size_t cap = 64u << 20, k = 0;
    char *buf = malloc(cap);
    if (!log || !buf) _exit(2);
    alarm(60);
    for (int conn = 1;; conn++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) _exit(2);
        for (;;) {
            size_t head_len, n = peer_read_request(fd, buf, cap, &head_len);
            if (!n) break;
            fprintf(log, "REQ %d %zu %zu\n", conn, head_len, n - head_len);
            fwrite(buf, 1, n, log);
            fflush(log);
            action a = k < n_script ? script[k] : A_204;
            k++;
            peer_answer(fd, a);
            if (a == A_204_CLOSE || a == A_204_CONN_HDR || a == A_HUGE) break;
        }
        close(fd);
    }
}

static void peer_start(peer *p, const action *script, size_t n_script) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 8), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
    p->port = ntohs(sa.sin_port);
    snprintf(p->log_path, sizeof p->log_path, "/tmp/aj_sim_send_%d_%d.log", (int)getpid(), p->port);
    fflush(NULL);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        peer_serve(lfd, script, n_script, p->log_path);
        _exit(0);
    }
    close(lfd);
}

/* Stops the peer and returns the requests it logged (*n of them; free with free_requests). */
static request *peer_stop(peer *p, size_t *n) {
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    FILE *f = fopen(p->log_path, "rb");
    assert_non_null(f);
    request *rs = NULL;
    *n = 0;
    int conn;
    size_t hl, bl;
    while (fscanf(f, "REQ %d %zu %zu\n", &conn, &hl, &bl) == 3) {
        rs = realloc(rs, (*n + 1) * sizeof *rs);
        request *r = &rs[(*n)++];
        r->conn = conn;
        r->head = calloc(1, hl + 1);
        r->body = calloc(1, bl + 1);
        r->body_len = bl;
        assert_int_equal(fread(r->head, 1, hl, f), hl);
        assert_int_equal(fread(r->body, 1, bl, f), bl);
    }
    fclose(f);
    unlink(p->log_path);
    return rs;
}

static void free_requests(request *rs, size_t n) {
    for (size_t i = 0; i < n; i++) free(rs[i].head), free(rs[i].body);
    free(rs);
}

/* ---- the simulator side ---------------------------------------------------------------------------- */

static bool repo_path(const char *rel, char *out, size_t outlen) {
    snprintf(out, outlen, "%s", __FILE__);
    char *cut = strstr(out, "tests/unit/test_sim_send.c");
    if (!cut) return false;
    snprintf(cut, outlen - (size_t)(cut - out), "%s", rel);
    return access(out, R_OK) == 0;
}

static int setup(void **state) {
    char path[1024];
    if (!repo_path("plants/demo-chemical.json", path, sizeof path)) return -1;
    json_error_t je;
    plant = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    return plant ? 0 : -1;
}

static int teardown(void **state) {
    json_decref(plant);
    return 0;
}

static aj_sim *new_sim(void) {
    aj_sim *s = NULL;
    char err[AJ_SIM_ERR_LEN];
    if (aj_sim_new(plant, &s, err, sizeof err)) fail_msg("aj_sim_new: %s", err);
    return s;
}

static aj_sim_opts opts(int n_steps) {
    return (aj_sim_opts){.seed = 7, .start_ns = START_NS, .duration_ns = n_steps * S_NS, .step_ns = S_NS};
}

/* What `anjian sim --out FILE` writes for these options (malloc'ed). */
static char *file_output(aj_sim *s, const aj_sim_opts *o, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    aj_sim_stats st;
    assert_int_equal(aj_sim_run(s, o, f, NULL, &st), AJ_OK);
    fclose(f);
    return buf;
}

static void url_of(const peer *p, char *url, size_t len) {
    snprintf(url, len, "http://127.0.0.1:%d", p->port);
}

/* Runs the simulator into a sender for url; returns the run's result, *stats copied. */
static aj_err send_run(aj_sim *s, const aj_sim_opts *o, aj_sim_send_opts so, aj_sim_send_stats *stats,
                       char *err, size_t errlen) {
    aj_sim_sender *snd = NULL;
    aj_err e = aj_sim_sender_new(&so, &snd, err, errlen);
    if (e) return e;
    aj_sim_sink sink = aj_sim_sender_sink(snd);
    aj_sim_stats st;
    e = aj_sim_run_sinks(s, o, &sink, 1, NULL, &st);
    *stats = *aj_sim_sender_stats(snd);
    snprintf(err, errlen, "%s", aj_sim_sender_error(snd));
    aj_sim_sender_free(snd);
    return e;
}

/* Concatenation of the bodies of requests [from, n) to /write. */
static char *concat_bodies(const request *rs, size_t n, size_t from, size_t *len) {
    size_t total = 0;
    for (size_t i = from; i < n; i++) total += rs[i].body_len;
    char *out = malloc(total + 1);
    *len = 0;
    for (size_t i = from; i < n; i++) {
        memcpy(out + *len, rs[i].body, rs[i].body_len);
        *len += rs[i].body_len;
    }
    out[*len] = 0;
    return out;
}

static size_t count_lines(const char *p, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += p[i] == '\n';
    return n;
}

/* Requests the batching rule gives for whole samples of step_bytes[] with cap bytes. */
static size_t expected_requests(const char *lp, size_t len, size_t n_tags, size_t cap) {
    size_t n_req = 0, batch = 0, lines = 0, step = 0;
    for (size_t i = 0; i < len; i++) {
        step++;
        if (lp[i] == '\n' && ++lines % n_tags == 0) {
            if (batch + step > cap) n_req++, batch = 0;
            batch += step;
            step = 0;
        }
    }
    return n_req + (batch > 0);
}

static void assert_write_request(const request *r, const char *auth) {
    assert_true(!strncmp(r->head, "POST /write?precision=ns HTTP/1.1\r\n", 35));
    assert_non_null(strstr(r->head, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    char want[256];
    snprintf(want, sizeof want, "\r\nAuthorization: Bearer %s\r\n", auth);
    assert_non_null(strstr(r->head, want));
    snprintf(want, sizeof want, "\r\nContent-Length: %zu\r\n", r->body_len);
    assert_non_null(strstr(r->head, want));
}

/* ---- cases --------------------------------------------------------------------------------------------- */

static void test_all_accepted(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(10);
    size_t lp_len;
    char *lp = file_output(s, &o, &lp_len);
    peer p;
    peer_start(&p, NULL, 0);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(
        s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .batch_bytes = 64 * 1024, .retry_max_ms = -1},
        &ss, err, sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_OK);
    size_t want = expected_requests(lp, lp_len, aj_sim_n_tags(s), 64 * 1024);
    assert_true(want > 2);
    assert_int_equal(n, want);
    assert_int_equal(ss.n_requests, want);
    assert_int_equal(ss.n_points, 10 * aj_sim_n_tags(s));
    assert_int_equal(ss.n_retries_503 + ss.n_reconnects + ss.n_rejected, 0);
    for (size_t i = 0; i < n; i++) {
        assert_write_request(&rs[i], TOKEN);
        assert_int_equal(rs[i].conn, 1); /* one keep-alive connection */
        assert_true(rs[i].body_len <= 64 * 1024);
        assert_int_equal(count_lines(rs[i].body, rs[i].body_len) % aj_sim_n_tags(s), 0); /* whole samples */
    }
    size_t got_len;
    char *got = concat_bodies(rs, n, 0, &got_len);
    assert_int_equal(got_len, lp_len);
    assert_memory_equal(got, lp, lp_len);
    free(got);
    free_requests(rs, n);
    free(lp);
    aj_sim_free(s);
}

static void test_503_resends_same_batch(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(6);
    size_t lp_len;
    char *lp = file_output(s, &o, &lp_len);
    static const action script[] = {A_204, A_503, A_204};
    peer p;
    peer_start(&p, script, 3);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(
        s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .batch_bytes = 64 * 1024, .retry_max_ms = -1},
        &ss, err, sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_OK);
    size_t want = expected_requests(lp, lp_len, aj_sim_n_tags(s), 64 * 1024);
    assert_int_equal(n, want + 1);
    assert_int_equal(ss.n_requests, want + 1);
    assert_int_equal(ss.n_retries_503, 1);
    assert_int_equal(rs[1].body_len, rs[2].body_len); /* the batch answered 503 is resent as is */
    assert_memory_equal(rs[1].body, rs[2].body, rs[1].body_len);
    /* Without the refused copy the bodies are the file output. */
    size_t got_len;
    char *got = concat_bodies(rs, 1, 0, &got_len), *rest;
    size_t rest_len;
    rest = concat_bodies(rs, n, 2, &rest_len);
    assert_int_equal(got_len + rest_len, lp_len);
    assert_memory_equal(got, lp, got_len);
    assert_memory_equal(rest, lp + got_len, rest_len);
    free(got);
    free(rest);
    free_requests(rs, n);
    free(lp);
    aj_sim_free(s);
}

static void test_400_counts_rejected_and_goes_on(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(6);
    size_t lp_len;
    char *lp = file_output(s, &o, &lp_len);
    static const action script[] = {A_204, A_400};
    peer p;
    peer_start(&p, script, 2);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(
        s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .batch_bytes = 64 * 1024, .retry_max_ms = -1},
        &ss, err, sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_OK);
    assert_int_equal(n, expected_requests(lp, lp_len, aj_sim_n_tags(s), 64 * 1024));
    assert_true(n > 2);
    assert_int_equal(ss.n_rejected, 2);
    assert_int_equal(ss.n_points, 6 * aj_sim_n_tags(s));
    size_t got_len; /* nothing resent */
    char *got = concat_bodies(rs, n, 0, &got_len);
    assert_int_equal(got_len, lp_len);
    assert_memory_equal(got, lp, lp_len);
    free(got);
    free_requests(rs, n);
    free(lp);
    aj_sim_free(s);
}

static void test_reconnects_after_close(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(8);
    size_t lp_len;
    char *lp = file_output(s, &o, &lp_len);
    static const action script[] = {A_204_CLOSE, A_204_CONN_HDR, A_204};
    peer p;
    peer_start(&p, script, 3);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(
        s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .batch_bytes = 64 * 1024, .retry_max_ms = -1},
        &ss, err, sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_OK);
    size_t want = expected_requests(lp, lp_len, aj_sim_n_tags(s), 64 * 1024);
    assert_true(want >= 4);
    assert_int_equal(n, want);
    assert_int_equal(rs[0].conn, 1);
    assert_int_equal(rs[1].conn, 2); /* closed without notice: a new connection */
    assert_int_equal(rs[2].conn, 3); /* Connection: close: a new connection */
    for (size_t i = 3; i < n; i++) assert_int_equal(rs[i].conn, 3);
    size_t got_len;
    char *got = concat_bodies(rs, n, 0, &got_len);
    assert_int_equal(got_len, lp_len);
    assert_memory_equal(got, lp, lp_len);
    free(got);
    free_requests(rs, n);
    free(lp);
    aj_sim_free(s);
}

static void test_401_stops(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(6);
    static const action script[] = {A_401};
    peer p;
    peer_start(&p, script, 1);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(
        s, &o, (aj_sim_send_opts){.url = url, .token = "wrong", .batch_bytes = 64 * 1024, .retry_max_ms = -1},
        &ss, err, sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_EUNAUTH);
    assert_non_null(strstr(err, "401"));
    assert_non_null(strstr(err, "bad token"));
    assert_int_equal(n, 1);
    assert_write_request(&rs[0], "wrong");
    assert_int_equal(ss.n_points, 0);
    free_requests(rs, n);
    aj_sim_free(s);
}

static void test_413_stops(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(2);
    static const action script[] = {A_413};
    peer p;
    peer_start(&p, script, 1);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .retry_max_ms = -1}, &ss, err,
                        sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_ETOOBIG);
    assert_non_null(strstr(err, "--batch-bytes"));
    assert_int_equal(n, 1);
    free_requests(rs, n);
    aj_sim_free(s);
}

static void test_login_then_token(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(2);
    static const action script[] = {A_LOGIN};
    peer p;
    peer_start(&p, script, 1);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(
        s, &o, (aj_sim_send_opts){.url = url, .user = "op\"1", .password = "pass word", .retry_max_ms = -1},
        &ss, err, sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_OK);
    assert_int_equal(n, 2); /* login + one batch (2 samples < 1 MiB) */
    assert_true(!strncmp(rs[0].head, "POST /api/v1/auth/login HTTP/1.1\r\n", 34));
    assert_non_null(strstr(rs[0].head, "\r\nContent-Type: application/json\r\n"));
    assert_null(strstr(rs[0].head, "Authorization"));
    assert_string_equal(rs[0].body, "{\"username\":\"op\\\"1\",\"password\":\"pass word\"}");
    assert_write_request(&rs[1], "tok-from-login");
    assert_int_equal(ss.n_requests, 1);
    free_requests(rs, n);
    aj_sim_free(s);
}

static void test_large_sample_split_at_lines(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(3);
    size_t lp_len;
    char *lp = file_output(s, &o, &lp_len);
    peer p;
    peer_start(&p, NULL, 0);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(
        s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .batch_bytes = 4096, .retry_max_ms = -1}, &ss,
        err, sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_OK);
    assert_true(n >= lp_len / 4096);
    assert_int_equal(ss.n_requests, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(rs[i].body_len > 0 && rs[i].body_len <= 4096);
        assert_int_equal(rs[i].body[rs[i].body_len - 1], '\n');
        /* a request never mixes two samples: one timestamp per body */
        const char *first_ts = strrchr(rs[i].body, ' ');
        const char *line_end = strchr(rs[i].body, '\n');
        const char *ts0 = rs[i].body;
        for (const char *q = ts0; q < line_end; q++)
            if (*q == ' ') ts0 = q;
        assert_int_equal(strncmp(ts0, first_ts, (size_t)(line_end - ts0)), 0);
    }
    size_t got_len;
    char *got = concat_bodies(rs, n, 0, &got_len);
    assert_int_equal(got_len, lp_len);
    assert_memory_equal(got, lp, lp_len);
    free(got);
    free_requests(rs, n);
    free(lp);
    aj_sim_free(s);
}

static void test_paced_sends_every_sample(void **state) {
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(3);
    o.speed = 5; /* 200 ms of wall time per sample: each is sent at its pacing point */
    peer p;
    peer_start(&p, NULL, 0);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_sim_send_stats ss;
    aj_err e = send_run(s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .retry_max_ms = -1}, &ss, err,
                        sizeof err);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(e, AJ_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(count_lines(rs[i].body, rs[i].body_len), aj_sim_n_tags(s));
    free_requests(rs, n);
    aj_sim_free(s);
}

static void test_refused_gives_up(void **state) {
    int fd = socket(AF_INET, SOCK_STREAM, 0); /* a port nobody listens on */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    char url[64], err[AJ_SIM_SEND_ERR_LEN];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(sa.sin_port));
    aj_sim *s = new_sim();
    aj_sim_opts o = opts(1);
    aj_sim_send_stats ss;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    aj_err e = send_run(s, &o, (aj_sim_send_opts){.url = url, .token = TOKEN, .retry_max_ms = 850}, &ss, err,
                        sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(e, AJ_EUNAVAILABLE);
    assert_non_null(strstr(err, "gave up"));
    /* backoff 100, 200, 400 ms: three reconnects fit in 850 ms, the fourth (800 more) does not */
    assert_int_equal(ss.n_reconnects, 3);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs >= 0.69 && secs < 3.0);
    assert_int_equal(ss.n_requests, 0);
    aj_sim_free(s);
}

static void test_url_parse(void **state) {
    char host[AJ_HTTP_HOST_LEN_MAX], err[AJ_HTTP_ERR_LEN];
    int port;
    assert_int_equal(aj_http_url_parse("https://h:1", host, &port, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "https is not supported"));
    assert_int_equal(aj_http_url_parse("http://plant-7:8086", host, &port, err, sizeof err), AJ_OK);
    assert_string_equal(host, "plant-7");
    assert_int_equal(port, 8086);
    assert_int_equal(aj_http_url_parse("HTTP://h/", host, &port, err, sizeof err), AJ_OK);
    assert_int_equal(port, 80);
    assert_int_equal(aj_http_url_parse("http://[::1]:9", host, &port, err, sizeof err), AJ_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 9);
    static const char *const bad[] = {"ftp://h",        "http://",       "http://:80",  "http://h:0",
                                      "http://h:65536", "http://h:8x",   "http://h:-1", "http://h:80/write",
                                      "http://[::1",    "http://[::1]x", "h:80",        "http://h:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (aj_http_url_parse(bad[i], host, &port, err, sizeof err) != AJ_EINVAL)
            fail_msg("accepted %s", bad[i]);
}

static void test_client_bounds_and_timeout(void **state) {
    static const action script[] = {A_HUGE, A_SILENT};
    peer p;
    peer_start(&p, script, 2);
    char url[64], err[AJ_HTTP_ERR_LEN];
    url_of(&p, url, sizeof url);
    aj_http_client *c;
    assert_int_equal(aj_http_client_new(url, &c, err, sizeof err), AJ_OK);
    aj_http_client_set_timeouts(c, 1000, 300);
    aj_http_response r = {.retry_after_s = -1};
    assert_int_equal(aj_http_request(c, "POST", "/x", NULL, NULL, "a", 1, &r, err, sizeof err), AJ_ETOOBIG);
    assert_non_null(strstr(err, "exceeds"));
    assert_int_equal(aj_http_request(c, "POST", "/x", NULL, NULL, "b", 1, &r, err, sizeof err), AJ_EIO);
    assert_non_null(strstr(err, "timeout"));
    assert_int_equal(aj_http_client_n_connects(c), 2);
    aj_http_response_clear(&r);
    aj_http_client_free(c);
    size_t n;
    request *rs = peer_stop(&p, &n);
    assert_int_equal(n, 2);
    free_requests(rs, n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_accepted),
        cmocka_unit_test(test_503_resends_same_batch),
        cmocka_unit_test(test_400_counts_rejected_and_goes_on),
        cmocka_unit_test(test_reconnects_after_close),
        cmocka_unit_test(test_401_stops),
        cmocka_unit_test(test_413_stops),
        cmocka_unit_test(test_login_then_token),
        cmocka_unit_test(test_large_sample_split_at_lines),
        cmocka_unit_test(test_paced_sends_every_sample),
        cmocka_unit_test(test_refused_gives_up),
        cmocka_unit_test(test_url_parse),
        cmocka_unit_test(test_client_bounds_and_timeout),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, setup, teardown);
}
