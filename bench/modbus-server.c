/* modbus-server.c — a small, fast Modbus TCP server for bench/modbus-poll.sh: libmodbus, one
 * thread, select() over every connection, so the peer costs as little as a Modbus server
 * can and is never the bottleneck of the benchmark.
 *
 * It serves one mapping to every unit id (a gateway with identical devices behind it):
 * TABLE_SIZE coils, discrete inputs, holding and input registers. Registers hold 0x40xx,
 * which is a finite number as float32 or float64 in every word and byte order (the top
 * byte, wherever it lands, is followed by a byte whose high bit is clear, so the exponent
 * is never all ones); each request moves one register and one bit on (rotating), so values
 * change as a plant's do, without ever becoming NaN.
 *
 * It counts requests, registers and bits served and exceptions answered. SIGUSR1 prints
 * `STATS requests=… registers=… bits=… exceptions=… connections=…` on stdout (the bench
 * script reads it before and after each phase); SIGTERM or SIGINT prints it once more and
 * exits. The server only answers reads in a benchmark; it refuses nothing a client sends
 * beyond what libmodbus's modbus_reply() refuses.
 *
 * Usage: modbus-server --port PORT
 * Build: gcc -O2 -o modbus-server bench/modbus-server.c $(pkg-config --cflags --libs libmodbus)
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <modbus.h>

#define TABLE_SIZE      10000 /* entries per table: the benchmark's maps stay below */
#define CONNECTIONS_MAX 512   /* select() on FD_SETSIZE descriptors at most */
#define LISTEN_BACKLOG  128

static volatile sig_atomic_t want_stats, want_stop;

static void on_signal(int sig) {
    if (sig == SIGUSR1)
        want_stats = 1;
    else
        want_stop = 1;
}

typedef struct counters {
    unsigned long long requests, registers, bits, exceptions, connections;
} counters;

static void print_stats(const counters *c) {
    printf("STATS requests=%llu registers=%llu bits=%llu exceptions=%llu connections=%llu\n", c->requests,
           c->registers, c->bits, c->exceptions, c->connections);
    fflush(stdout);
}

/* Counts request req (rc bytes, MBAP header first) before it is answered. */
static void count_request(counters *c, const uint8_t *req, int rc, int header) {
    c->requests++;
    if (rc < header + 5) return;
    int fc = req[header];
    int start = (req[header + 1] << 8) | req[header + 2];
    int n = (req[header + 3] << 8) | req[header + 4];
    if (fc < 1 || fc > 4 || start + n > TABLE_SIZE) {
        c->exceptions++;
        return;
    }
    if (fc <= 2)
        c->bits += (unsigned long long)n;
    else
        c->registers += (unsigned long long)n;
}

/* Moves one register of each register table and one bit of each bit table on. */
static void change_values(modbus_mapping_t *m, unsigned long long k) {
    int i = (int)(k % TABLE_SIZE);
    m->tab_registers[i] = (uint16_t)(0x4000 | ((m->tab_registers[i] + 1) & 0xFF));
    m->tab_input_registers[i] = (uint16_t)(0x4000 | ((m->tab_input_registers[i] + 1) & 0xFF));
    m->tab_bits[i] ^= 1;
    m->tab_input_bits[i] ^= 1;
}

static void fill(modbus_mapping_t *m) {
    for (int i = 0; i < TABLE_SIZE; i++) {
        m->tab_registers[i] = (uint16_t)(0x4000 | (i & 0xFF));
        m->tab_input_registers[i] = (uint16_t)(0x4000 | ((i * 7) & 0xFF));
        m->tab_bits[i] = (uint8_t)(i & 1);
        m->tab_input_bits[i] = (uint8_t)((i >> 1) & 1);
    }
}

int main(int argc, char **argv) {
    const char *port = NULL;
    for (int i = 1; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--port") == 0) port = argv[i + 1];
    if (!port || atoi(port) <= 0 || atoi(port) > 65535) {
        fprintf(stderr, "usage: %s --port PORT\n", argv[0]);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: select() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    modbus_t *ctx = modbus_new_tcp("127.0.0.1", atoi(port));
    modbus_mapping_t *map = modbus_mapping_new(TABLE_SIZE, TABLE_SIZE, TABLE_SIZE, TABLE_SIZE);
    if (!ctx || !map) {
        fprintf(stderr, "modbus-server: cannot allocate the context or the mapping: %s\n",
                modbus_strerror(errno));
        return 1;
    }
    fill(map);
    int listener = modbus_tcp_listen(ctx, LISTEN_BACKLOG);
    if (listener < 0) {
        fprintf(stderr, "modbus-server: cannot listen on 127.0.0.1:%s: %s\n", port, modbus_strerror(errno));
        return 1;
    }
    int header = modbus_get_header_length(ctx);
    fd_set all;
    FD_ZERO(&all);
    FD_SET(listener, &all);
    int fd_max = listener, n_open = 0;
    counters c = {0};
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    printf("LISTENING port=%s\n", port);
    fflush(stdout);
    while (!want_stop) {
        if (want_stats) {
            want_stats = 0;
            print_stats(&c);
        }
        fd_set ready = all;
        if (select(fd_max + 1, &ready, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "modbus-server: select: %s\n", strerror(errno));
            return 1;
        }
        for (int fd = 0; fd <= fd_max; fd++) {
            if (!FD_ISSET(fd, &ready)) continue;
            if (fd == listener) {
                int s = accept(listener, NULL, NULL);
                if (s < 0) continue;
                if (s >= FD_SETSIZE || n_open >= CONNECTIONS_MAX) {
                    close(s); /* more clients than select() can watch */
                    continue;
                }
                FD_SET(s, &all);
                if (s > fd_max) fd_max = s;
                n_open++;
                c.connections++;
                continue;
            }
            modbus_set_socket(ctx, fd);
            int rc = modbus_receive(ctx, req);
            if (rc > 0) {
                count_request(&c, req, rc, header);
                modbus_reply(ctx, req, rc, map);
                change_values(map, c.requests);
            } else if (rc < 0) { /* the client went away (or sent garbage): drop it */
                close(fd);
                FD_CLR(fd, &all);
                n_open--;
            }
        }
    }
    print_stats(&c);
    close(listener);
    modbus_mapping_free(map);
    modbus_free(ctx);
    return 0;
}
