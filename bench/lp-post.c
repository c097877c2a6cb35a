/* lp-post.c — the one line-protocol client of the ingest benchmarks, used unchanged for
 * anjian and for InfluxDB 1.6.
 *
 * Reads a line-protocol file, splits it over K connections by series (the text before the
 * first space: measurement and tags), so that every series is sent by one connection in
 * file order — anjian drops points older than their tag's last point, and this keeps
 * the order the file has. Then each connection POSTs batches of B lines (HTTP/1.1
 * keep-alive, Content-Length, plain POSIX sockets, one request in flight per connection)
 * and checks every response status. The split and copy happen before the clock starts;
 * the clock covers the first byte sent to the last response received.
 *
 * 503 (anjian: engine queue full, "send the same body again") is retried after a short
 * pause and counted; any other status that is not 2xx, or not the expected status when
 * --expect is given, prints the response and exits 1; so does a server that sends no
 * response for 120 s (a hung server fails the run instead of blocking it).
 *
 * Usage: lp-post --port P [--host 127.0.0.1] --path '/write?precision=s'
 *                [--header 'Authorization: Bearer T']... [--conns K] [--batch B]
 *                [--expect 204] FILE
 * Prints one line: "RESULT points=.. bytes=.. requests=.. retries_503=.. wall_s=..
 *   points_per_s=.. lat_p50_ms=.. lat_p99_ms=.. lat_max_ms=.. client_cpu_s=.."
 * Build: gcc -O2 -pthread -o lp-post bench/lp-post.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX   64
#define HEADERS_MAX 8
#define RESPONSE_TIMEOUT_S 120

typedef struct conn {
    int index;
    char *data; /* this connection's lines, back to back */
    size_t len, cap;
    size_t *batch_end; /* offsets in data where batches end */
    size_t n_batches, cap_batches;
    size_t n_lines_open; /* lines in the current, unfinished batch */
    uint64_t n_points;
    double *lat_ms; /* per request */
    uint64_t n_retries;
    int fd;
} conn;

static const char *opt_host = "127.0.0.1", *opt_path = NULL;
static int opt_port = 0, opt_conns = 4, opt_batch = 5000, opt_expect = 0;
static const char *opt_headers[HEADERS_MAX];
static int n_headers = 0;
static pthread_barrier_t start_barrier;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg) {
    fprintf(stderr, "lp-post: %s\n", msg);
    exit(1);
}

/* Ends the current batch at the current end of c's data. */
static void end_batch(conn *c) {
    if (c->n_batches == c->cap_batches) {
        c->cap_batches = c->cap_batches ? c->cap_batches * 2 : 1024;
        c->batch_end = realloc(c->batch_end, c->cap_batches * sizeof *c->batch_end);
        if (!c->batch_end) die("out of memory");
    }
    c->batch_end[c->n_batches++] = c->len;
    c->n_lines_open = 0;
}

/* Appends one line (n bytes; a newline is added when the line has none) and ends the
 * batch after every opt_batch lines. */
static void conn_add_line(conn *c, const char *line, size_t n) {
    if (c->len + n + 1 > c->cap) {
        c->cap = (c->cap + n + 1) * 2;
        c->data = realloc(c->data, c->cap);
        if (!c->data) die("out of memory");
    }
    memcpy(c->data + c->len, line, n);
    c->len += n;
    if (n == 0 || line[n - 1] != '\n') c->data[c->len++] = '\n';
    if (++c->n_lines_open == (size_t)opt_batch) end_batch(c);
}

/* FNV-1a of the series (text up to the first space). */
static uint32_t series_hash(const char *p, const char *end) {
    uint32_t h = 2166136261u;
    while (p < end && *p != ' ') {
        h ^= (uint8_t)*p++;
        h *= 16777619u;
    }
    return h;
}

static void split_file(const char *path, conn *conns) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("cannot open the input file");
    struct stat st;
    if (fstat(fd, &st) || st.st_size == 0) die("empty input file");
    size_t size = (size_t)st.st_size;
    const char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) die("mmap failed");
    madvise((void *)map, size, MADV_SEQUENTIAL);
    for (int i = 0; i < opt_conns; i++) {
        conns[i].cap = size / (size_t)opt_conns + (size / 50) + 4096;
        conns[i].data = malloc(conns[i].cap);
        if (!conns[i].data) die("out of memory");
    }
    const char *p = map, *end = map + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl + 1 : end;
        const char *q = p;
        while (q < line_end && (*q == ' ' || *q == '\t')) q++;
        if (q < line_end && *q != '\n' && *q != '#') {
            conn *c = &conns[series_hash(q, line_end) % (uint32_t)opt_conns];
            c->n_points++;
            conn_add_line(c, p, (size_t)(line_end - p));
        }
        p = line_end;
    }
    for (int i = 0; i < opt_conns; i++) { /* close the last, partial batch */
        conn *c = &conns[i];
        if (c->n_lines_open) end_batch(c);
    }
    munmap((void *)map, size);
    close(fd);
}

static int dial(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket failed");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval timeout = {.tv_sec = RESPONSE_TIMEOUT_S}; /* a hung server fails the run */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt_port)};
    if (inet_pton(AF_INET, opt_host, &sa.sin_addr) != 1) die("--host must be an IPv4 address");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) die("cannot connect to the server");
    return fd;
}

static void write_all(int fd, struct iovec *iov, int n_iov) {
    while (n_iov > 0) {
        ssize_t n = writev(fd, iov, n_iov);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("send failed (server closed the connection?)");
        }
        while (n_iov > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++, n_iov--;
        }
        if (n_iov > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
}

/* Reads one response; returns its status, copies up to cap-1 body bytes into body and
 * sets *is_close when the server will close the connection. */
static int read_response(int fd, char *body, size_t cap, int *is_close) {
    static __thread char buf[65536];
    size_t len = 0;
    char *hdr_end = NULL;
    while (!hdr_end) {
        if (len == sizeof buf - 1) die("response header too large");
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) die("no response within 120 s");
        if (n <= 0) die("server closed the connection before answering");
        len += (size_t)n;
        buf[len] = 0;
        hdr_end = strstr(buf, "\r\n\r\n");
    }
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) die("malformed response");
    size_t hdr_len = (size_t)(hdr_end + 4 - buf);
    long content_length = 0;
    *is_close = 0;
    for (char *line = strstr(buf, "\r\n") + 2; line < hdr_end; line = strstr(line, "\r\n") + 2) {
        if (!strncasecmp(line, "Content-Length:", 15)) content_length = strtol(line + 15, NULL, 10);
        if (!strncasecmp(line, "Connection:", 11)) {
            char *close_word = strcasestr(line, "close");
            if (close_word && close_word < strstr(line, "\r\n")) *is_close = 1;
        }
        if (!strncasecmp(line, "Transfer-Encoding:", 18)) die("chunked responses are not supported");
    }
    size_t have = len - hdr_len;
    size_t copied = have < cap - 1 ? have : cap - 1;
    memcpy(body, buf + hdr_len, copied);
    while ((long)have < content_length) {
        char tmp[4096];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die("server closed the connection in a response body");
        size_t room = cap - 1 - copied;
        size_t k = (size_t)n < room ? (size_t)n : room;
        memcpy(body + copied, tmp, k);
        copied += k;
        have += (size_t)n;
    }
    body[copied] = 0;
    if ((long)have > content_length) die("pipelined or oversized response");
    return status;
}

static void *conn_run(void *arg) {
    conn *c = arg;
    c->lat_ms = calloc(c->n_batches + 1, sizeof *c->lat_ms);
    char extra[2048] = "";
    for (int i = 0; i < n_headers; i++) {
        strncat(extra, opt_headers[i], sizeof extra - strlen(extra) - 3);
        strcat(extra, "\r\n");
    }
    pthread_barrier_wait(&start_barrier);
    if (c->n_batches) c->fd = dial();
    size_t from = 0;
    for (size_t b = 0; b < c->n_batches; b++) {
        size_t to = c->batch_end[b];
        char head[4096];
        int n_head = snprintf(head, sizeof head,
                              "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: text/plain; charset=utf-8\r\n"
                              "Content-Length: %zu\r\n%s\r\n",
                              opt_path, opt_host, opt_port, to - from, extra);
        double t0 = now_s();
        for (;;) {
            struct iovec iov[2] = {{head, (size_t)n_head}, {c->data + from, to - from}};
            write_all(c->fd, iov, 2);
            char body[2048];
            int is_close = 0;
            int status = read_response(c->fd, body, sizeof body, &is_close);
            if (is_close) {
                close(c->fd);
                c->fd = dial();
            }
            if (status == 503) {
                c->n_retries++;
                usleep(20000);
                continue;
            }
            if (status < 200 || status > 299 || (opt_expect && status != opt_expect)) {
                fprintf(stderr, "lp-post: connection %d batch %zu: HTTP %d: %s\n", c->index, b, status, body);
                exit(1);
            }
            break;
        }
        c->lat_ms[b] = (now_s() - t0) * 1000.0;
        from = to;
    }
    if (c->n_batches) close(c->fd);
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--host") && v) opt_host = v, i++;
        else if (!strcmp(a, "--port") && v) opt_port = atoi(v), i++;
        else if (!strcmp(a, "--path") && v) opt_path = v, i++;
        else if (!strcmp(a, "--conns") && v) opt_conns = atoi(v), i++;
        else if (!strcmp(a, "--batch") && v) opt_batch = atoi(v), i++;
        else if (!strcmp(a, "--expect") && v) opt_expect = atoi(v), i++;
        else if (!strcmp(a, "--header") && v && n_headers < HEADERS_MAX) opt_headers[n_headers++] = v, i++;
        else if (a[0] != '-' && !file) file = a;
        else {
            fprintf(stderr, "usage: lp-post --port P [--host IP] --path PATH [--header H]... [--conns K] "
                            "[--batch B] [--expect STATUS] FILE\n");
            return 2;
        }
    }
    if (!file || !opt_path || opt_port <= 0 || opt_conns < 1 || opt_conns > CONNS_MAX || opt_batch < 1) {
        fprintf(stderr, "lp-post: need FILE, --path, --port; 1 <= --conns <= %d; --batch >= 1\n", CONNS_MAX);
        return 2;
    }
    conn *conns = calloc((size_t)opt_conns, sizeof *conns);
    split_file(file, conns);
    pthread_barrier_init(&start_barrier, NULL, (unsigned)opt_conns + 1);
    pthread_t th[CONNS_MAX];
    for (int i = 0; i < opt_conns; i++) {
        conns[i].index = i;
        pthread_create(&th[i], NULL, conn_run, &conns[i]);
    }
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    pthread_barrier_wait(&start_barrier);
    double t0 = now_s();
    for (int i = 0; i < opt_conns; i++) pthread_join(th[i], NULL);
    double wall = now_s() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    uint64_t points = 0, bytes = 0, requests = 0, retries = 0;
    for (int i = 0; i < opt_conns; i++) {
        points += conns[i].n_points;
        bytes += conns[i].len;
        requests += conns[i].n_batches;
        retries += conns[i].n_retries;
    }
    double *lat = malloc((requests + 1) * sizeof *lat);
    size_t k = 0;
    for (int i = 0; i < opt_conns; i++)
        for (size_t b = 0; b < conns[i].n_batches; b++) lat[k++] = conns[i].lat_ms[b];
    qsort(lat, k, sizeof *lat, cmp_double);
    double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    printf("RESULT points=%llu bytes=%llu requests=%llu retries_503=%llu wall_s=%.3f points_per_s=%.0f "
           "lat_p50_ms=%.1f lat_p99_ms=%.1f lat_max_ms=%.1f client_cpu_s=%.2f\n",
           (unsigned long long)points, (unsigned long long)bytes, (unsigned long long)requests,
           (unsigned long long)retries, wall, (double)points / wall, k ? lat[k / 2] : 0.0,
           k ? lat[(size_t)((double)(k - 1) * 0.99)] : 0.0, k ? lat[k - 1] : 0.0, cpu);
    return 0;
}
