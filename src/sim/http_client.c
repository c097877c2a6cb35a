/* http_client.c — HTTP/1.1 over one non-blocking TCP socket, timeouts by poll().
 *
 * A request is: connect if there is no open connection (getaddrinfo, non-blocking
 * connect, poll for at most the connect timeout), send the request head and body, read
 * the response head (up to AJ_HTTP_HEADER_BYTES_MAX) and its body (Content-Length bytes,
 * none for 204/304, or up to EOF when there is no length), all before one deadline of
 * the response timeout. The connection is kept for the next request unless the server
 * said `Connection: close`, spoke HTTP/1.0 without keep-alive, or anything failed.
 *
 * Invariant: c->fd is -1 or a connected socket positioned at a response boundary (no
 * unread bytes of an earlier response), so a request on it starts clean.
 *
 * A server may close an idle keep-alive connection at any time; if a request on a reused
 * connection fails before a single response byte arrived, it is resent once on a new
 * connection (as browsers and curl do). Any other failure is the caller's to retry.
 */
#include "sim/http_client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct aj_http_client {
    char host[AJ_HTTP_HOST_LEN_MAX];
    int port;
    int fd; /* -1: not connected */
    unsigned n_connects;
    int connect_ms;
    int response_ms;
};

void aj_http_response_clear(aj_http_response *r) {
    free(r->body);
    *r = (aj_http_response){.retry_after_s = -1};
}

aj_err aj_http_url_parse(const char *url, char *host, int *port, char *err, size_t errlen) {
    if (!strncasecmp(url, "https://", 8)) {
        snprintf(err, errlen,
                 "%s: https is not supported; give a plain http:// URL (e.g. through a local proxy)", url);
        return AJ_EINVAL;
    }
    if (strncasecmp(url, "http://", 7) != 0) {
        snprintf(err, errlen, "%s: not an http://HOST:PORT URL", url);
        return AJ_EINVAL;
    }
    const char *h = url + 7, *end = h + strcspn(h, "/?#");
    if (*end && strcmp(end, "/") != 0) {
        snprintf(err, errlen, "%s: give only http://HOST:PORT (no path)", url);
        return AJ_EINVAL;
    }
    const char *host_b = h, *host_e, *port_s = NULL;
    if (*h == '[') { /* [IPv6]:port */
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb || (rb + 1 < end && rb[1] != ':')) {
            snprintf(err, errlen, "%s: malformed [IPv6 address]", url);
            return AJ_EINVAL;
        }
        host_b = h + 1;
        host_e = rb;
        port_s = rb + 1 < end ? rb + 2 : NULL;
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        host_e = colon ? colon : end;
        port_s = colon ? colon + 1 : NULL;
    }
    size_t hl = (size_t)(host_e - host_b);
    if (hl == 0 || hl >= AJ_HTTP_HOST_LEN_MAX) {
        snprintf(err, errlen, "%s: missing or overlong host", url);
        return AJ_EINVAL;
    }
    memcpy(host, host_b, hl);
    host[hl] = 0;
    *port = 80;
    if (port_s) {
        char *pe;
        errno = 0;
        long p = strtol(port_s, &pe, 10);
        if (errno || pe == port_s || pe != end || *port_s == '-' || *port_s == '+' || p < 1 || p > 65535) {
            snprintf(err, errlen, "%s: port must be 1..65535", url);
            return AJ_EINVAL;
        }
        *port = (int)p;
    }
    return AJ_OK;
}

aj_err aj_http_client_new(const char *url, aj_http_client **out, char *err, size_t errlen) {
    *out = NULL;
    aj_http_client *c = calloc(1, sizeof *c);
    if (!c) return AJ_ENOMEM;
    aj_err e = aj_http_url_parse(url, c->host, &c->port, err, errlen);
    if (e) {
        free(c);
        return e;
    }
    c->fd = -1;
    c->connect_ms = AJ_HTTP_CONNECT_TIMEOUT_MS;
    c->response_ms = AJ_HTTP_RESPONSE_TIMEOUT_MS;
    *out = c;
    return AJ_OK;
}

static void disconnect(aj_http_client *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

void aj_http_client_free(aj_http_client *c) {
    if (!c) return;
    disconnect(c);
    free(c);
}

void aj_http_client_set_timeouts(aj_http_client *c, int connect_ms, int response_ms) {
    c->connect_ms = connect_ms;
    c->response_ms = response_ms;
}

unsigned aj_http_client_n_connects(const aj_http_client *c) {
    return c->n_connects;
}

/* ---- time and waiting ------------------------------------------------------------------- */

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline_ms) {
    for (;;) {
        int64_t left = deadline_ms - now_ms();
        if (left <= 0) return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (n > 0) return 1;
        if (n == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

/* ---- connecting ------------------------------------------------------------------------- */

static int connect_addr(const struct addrinfo *ai, int64_t deadline_ms, int *err_no) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *err_no = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            *err_no = errno;
            close(fd);
            return -1;
        }
        int w = wait_fd(fd, POLLOUT, deadline_ms), so = 0;
        socklen_t sl = sizeof so;
        if (w <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0 || so != 0) {
            *err_no = w == 0 ? ETIMEDOUT : so ? so : errno;
            close(fd);
            return -1;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static aj_err do_connect(aj_http_client *c, char *err, size_t errlen) {
    char port[8];
    snprintf(port, sizeof port, "%d", c->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(c->host, port, &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "%s: %s", c->host, gai_strerror(g));
        return AJ_EIO;
    }
    int64_t deadline = now_ms() + c->connect_ms;
    int err_no = 0;
    for (const struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next)
        c->fd = connect_addr(ai, deadline, &err_no);
    freeaddrinfo(res);
    if (c->fd < 0) {
        snprintf(err, errlen, "connect to %s:%d: %s", c->host, c->port, strerror(err_no));
        return AJ_EIO;
    }
    c->n_connects++;
    return AJ_OK;
}

/* ---- sending and receiving ---------------------------------------------------------------- */

static aj_err send_all(int fd, const char *p, size_t len, int64_t deadline_ms, char *err, size_t errlen) {
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = wait_fd(fd, POLLOUT, deadline_ms);
            if (w > 0) continue;
            snprintf(err, errlen, "send: %s", w == 0 ? "timed out" : strerror(errno));
            return AJ_EIO;
        }
        snprintf(err, errlen, "send: %s", strerror(errno));
        return AJ_EIO;
    }
    return AJ_OK;
}

/* Reads what is there (at most cap bytes): > 0 bytes, 0 EOF, -1 error or timeout (err set). */
static ssize_t recv_some(int fd, char *p, size_t cap, int64_t deadline_ms, char *err, size_t errlen) {
    for (;;) {
        ssize_t n = recv(fd, p, cap, 0);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            snprintf(err, errlen, "receive: %s", strerror(errno));
            return -1;
        }
        int w = wait_fd(fd, POLLIN, deadline_ms);
        if (w <= 0) {
            snprintf(err, errlen, "receive: %s", w == 0 ? "no response within the timeout" : strerror(errno));
            return -1;
        }
    }
}

/* Value of header name in the head (lines after the status line), or NULL; *len its length. */
static const char *header_value(const char *head, const char *name, size_t *len) {
    size_t nl = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n")) {
        const char *l = line + 2;
        if (strncasecmp(l, name, nl) != 0 || l[nl] != ':') continue;
        const char *v = l + nl + 1, *e = strstr(v, "\r\n");
        while (*v == ' ' || *v == '\t') v++;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
        *len = (size_t)(e - v);
        return v;
    }
    return NULL;
}

static bool header_is(const char *head, const char *name, const char *token) {
    size_t len;
    const char *v = header_value(head, name, &len);
    return v && len == strlen(token) && !strncasecmp(v, token, len);
}

/* Parses the head (NUL-terminated, ends in CRLFCRLF): status, Retry-After, framing. */
static aj_err parse_head(const char *head, aj_http_response *r, long long *content_length, char *err,
                         size_t errlen) {
    int minor, status;
    if (sscanf(head, "HTTP/1.%d %3d", &minor, &status) != 2 || status < 100 || status > 999) {
        snprintf(err, errlen, "not an HTTP/1.x response");
        return AJ_EIO;
    }
    r->status = status;
    if (header_is(head, "Transfer-Encoding", "chunked")) {
        snprintf(err, errlen, "chunked responses are not supported");
        return AJ_EIO;
    }
    r->is_close = header_is(head, "Connection", "close") ||
                  (minor == 0 && !header_is(head, "Connection", "keep-alive"));
    size_t len;
    const char *v = header_value(head, "Retry-After", &len);
    if (v && len > 0 && len < 10 && strspn(v, "0123456789") == len) r->retry_after_s = atoi(v);
    *content_length = -1;
    if ((v = header_value(head, "Content-Length", &len))) {
        if (len == 0 || len > 18 || strspn(v, "0123456789") != len) {
            snprintf(err, errlen, "bad Content-Length");
            return AJ_EIO;
        }
        *content_length = atoll(v);
    }
    if (status == 204 || status == 304) *content_length = 0;
    return AJ_OK;
}

/* Reads one response; *got_any tells whether a single byte arrived. */
static aj_err read_response(aj_http_client *c, int64_t deadline_ms, aj_http_response *r, bool *got_any,
                            char *err, size_t errlen) {
    char *buf = malloc(AJ_HTTP_HEADER_BYTES_MAX + 1);
    if (!buf) return AJ_ENOMEM;
    size_t n = 0;
    char *end_of_head = NULL;
    while (!end_of_head) {
        if (n == AJ_HTTP_HEADER_BYTES_MAX) {
            snprintf(err, errlen, "response headers larger than %u bytes", AJ_HTTP_HEADER_BYTES_MAX);
            free(buf);
            return AJ_ETOOBIG;
        }
        ssize_t got = recv_some(c->fd, buf + n, AJ_HTTP_HEADER_BYTES_MAX - n, deadline_ms, err, errlen);
        if (got <= 0) {
            if (got == 0)
                snprintf(err, errlen, "connection closed by the server%s", n ? " mid-response" : "");
            free(buf);
            return AJ_EIO;
        }
        *got_any = true;
        n += (size_t)got;
        buf[n] = 0;
        end_of_head = strstr(buf, "\r\n\r\n");
    }
    end_of_head[2] = 0; /* head keeps its last CRLF */
    long long clen;
    aj_err e = parse_head(buf, r, &clen, err, errlen);
    if (!e && clen > (long long)AJ_HTTP_BODY_BYTES_MAX) {
        snprintf(err, errlen, "response body of %lld bytes exceeds %u", clen, AJ_HTTP_BODY_BYTES_MAX);
        e = AJ_ETOOBIG;
    }
    size_t have = n - (size_t)(end_of_head + 4 - buf);
    size_t cap = clen >= 0 ? (size_t)clen : AJ_HTTP_BODY_BYTES_MAX;
    if (!e && have > cap) {
        snprintf(err, errlen, "more bytes than Content-Length");
        e = AJ_EIO;
    }
    if (!e && !(r->body = malloc(cap + 1))) e = AJ_ENOMEM;
    if (e) {
        free(buf);
        return e;
    }
    memcpy(r->body, end_of_head + 4, have);
    free(buf);
    while (have < cap) {
        ssize_t got = recv_some(c->fd, r->body + have, cap - have, deadline_ms, err, errlen);
        if (got < 0) return AJ_EIO;
        if (got == 0) {
            if (clen < 0) break; /* framed by EOF */
            snprintf(err, errlen, "connection closed by the server mid-response");
            return AJ_EIO;
        }
        have += (size_t)got;
    }
    if (clen < 0) {
        r->is_close = true;
        if (have == cap) {
            snprintf(err, errlen, "response body exceeds %u bytes", AJ_HTTP_BODY_BYTES_MAX);
            return AJ_ETOOBIG;
        }
    }
    r->body[have] = 0;
    r->body_len = have;
    return AJ_OK;
}

static aj_err request_once(aj_http_client *c, const char *head, size_t head_len, const char *body,
                           size_t body_len, aj_http_response *r, bool *got_any, char *err, size_t errlen) {
    int64_t deadline = now_ms() + c->response_ms;
    aj_err e = send_all(c->fd, head, head_len, deadline, err, errlen);
    if (!e && body_len) e = send_all(c->fd, body, body_len, deadline, err, errlen);
    /* Read even when sending failed: a server may answer (413, 401) and close early. */
    aj_err re = read_response(c, deadline, r, got_any, err, errlen);
    if (re == AJ_OK) return AJ_OK;
    return *got_any || !e ? re : e;
}

aj_err aj_http_request(aj_http_client *c, const char *method, const char *path, const char *authorization,
                       const char *content_type, const char *body, size_t body_len, aj_http_response *r,
                       char *err, size_t errlen) {
    aj_http_response_clear(r);
    char head[2048];
    bool is_v6 = strchr(c->host, ':') != NULL;
    int hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nUser-Agent: anjian-sim/" AJ_VERSION
                      "\r\nAccept: application/json\r\nContent-Length: %zu\r\n",
                      method, path, is_v6 ? "[" : "", c->host, is_v6 ? "]" : "", c->port, body_len);
    if (hn > 0 && content_type)
        hn += snprintf(head + hn, sizeof head - (size_t)hn, "Content-Type: %s\r\n", content_type);
    if (hn > 0 && (size_t)hn < sizeof head && authorization)
        hn += snprintf(head + hn, sizeof head - (size_t)hn, "Authorization: %s\r\n", authorization);
    if (hn > 0 && (size_t)hn < sizeof head) hn += snprintf(head + hn, sizeof head - (size_t)hn, "\r\n");
    if (hn <= 0 || (size_t)hn >= sizeof head) {
        snprintf(err, errlen, "request head too long");
        return AJ_EINVAL;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        bool is_reused = c->fd >= 0, got_any = false;
        if (!is_reused) {
            aj_err e = do_connect(c, err, errlen);
            if (e) return e;
        }
        aj_err e = request_once(c, head, (size_t)hn, body, body_len, r, &got_any, err, errlen);
        if (e || r->is_close) disconnect(c);
        if (!e) return AJ_OK;
        aj_http_response_clear(r);
        if (!is_reused || got_any) return e; /* only a stale keep-alive connection is retried here */
    }
    return AJ_EIO;
}
