/* modbus-client.c — the reference peer of bench/modbus-poll.sh: a bare libmodbus client loop
 * that sends the same reads as anjian's poller, as fast as one connection can, and nothing
 * else (no decoding, no quality, no engine). Its CPU per 1000 registers is the floor cost of
 * a Modbus read on the machine, against which anjian's is compared.
 *
 * The plan file has one read per line, `UNIT FC START COUNT` (FC 1-4), in the order of one
 * cycle; bench/modbus-map.mjs writes it from the same register map anjian polls. The loop
 * runs the plan over and over until SECONDS have passed (the clock is read once per cycle),
 * checks that every read returns COUNT values, and prints
 * `RESULT reads=… registers=… bits=… seconds=… cpu_s=…` (CPU: user + system of this
 * process, getrusage). Any failed read ends it with exit status 1.
 *
 * Usage: modbus-client --port PORT --plan FILE --seconds S
 * Build: gcc -O2 -o modbus-client bench/modbus-client.c $(pkg-config --cflags --libs libmodbus)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <modbus.h>

#define PLAN_READS_MAX 100000 /* lines of a plan file */

typedef struct read_req {
    int unit, fc, start, count;
} read_req;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* Reads the plan; returns the number of reads (0 on any error, message printed). */
static int load_plan(const char *path, read_req *plan) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "modbus-client: %s: %s\n", path, strerror(errno));
        return 0;
    }
    int n = 0, line = 0;
    char buf[256];
    while (fgets(buf, sizeof buf, f)) {
        line++;
        read_req r;
        if (buf[0] == '#' || buf[0] == '\n') continue;
        if (sscanf(buf, "%d %d %d %d", &r.unit, &r.fc, &r.start, &r.count) != 4 || r.unit < 0 ||
            r.unit > 255 || r.fc < 1 || r.fc > 4 || r.start < 0 || r.count < 1 || r.start + r.count > 65536 ||
            r.count > (r.fc <= 2 ? MODBUS_MAX_READ_BITS : MODBUS_MAX_READ_REGISTERS)) {
            fprintf(stderr,
                    "modbus-client: %s:%d: want UNIT FC(1-4) START COUNT within the protocol limits\n", path,
                    line);
            fclose(f);
            return 0;
        }
        if (n == PLAN_READS_MAX) {
            fprintf(stderr, "modbus-client: %s: more than %d reads\n", path, PLAN_READS_MAX);
            fclose(f);
            return 0;
        }
        plan[n++] = r;
    }
    fclose(f);
    if (n == 0) fprintf(stderr, "modbus-client: %s: no reads\n", path);
    return n;
}

/* One read of the plan; returns the values read or -1. */
static int read_one(modbus_t *ctx, const read_req *r, uint16_t *regs, uint8_t *bits) {
    modbus_set_slave(ctx, r->unit);
    switch (r->fc) {
    case 1:
        return modbus_read_bits(ctx, r->start, r->count, bits);
    case 2:
        return modbus_read_input_bits(ctx, r->start, r->count, bits);
    case 3:
        return modbus_read_registers(ctx, r->start, r->count, regs);
    default:
        return modbus_read_input_registers(ctx, r->start, r->count, regs);
    }
}

int main(int argc, char **argv) {
    const char *port = NULL, *plan_path = NULL;
    double seconds = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = argv[i + 1];
        if (strcmp(argv[i], "--plan") == 0) plan_path = argv[i + 1];
        if (strcmp(argv[i], "--seconds") == 0) seconds = atof(argv[i + 1]);
    }
    if (!port || !plan_path || seconds <= 0 || atoi(port) <= 0) {
        fprintf(stderr, "usage: %s --port PORT --plan FILE --seconds S\n", argv[0]);
        return 2;
    }
    read_req *plan = malloc(sizeof *plan * PLAN_READS_MAX);
    if (!plan) return 1;
    int n_plan = load_plan(plan_path, plan);
    if (!n_plan) return 2;
    modbus_t *ctx = modbus_new_tcp("127.0.0.1", atoi(port));
    if (!ctx || modbus_connect(ctx) == -1) {
        fprintf(stderr, "modbus-client: cannot connect to 127.0.0.1:%s: %s\n", port, modbus_strerror(errno));
        return 1;
    }
    modbus_set_response_timeout(ctx, 5, 0);
    uint16_t regs[MODBUS_MAX_READ_REGISTERS];
    uint8_t bits[MODBUS_MAX_READ_BITS];
    unsigned long long n_reads = 0, n_regs = 0, n_bits = 0;
    double cpu0 = cpu_s(), t0 = now_s(), t = t0;
    while (t - t0 < seconds) {
        for (int i = 0; i < n_plan; i++) {
            const read_req *r = &plan[i];
            int got = read_one(ctx, r, regs, bits);
            if (got != r->count) {
                fprintf(stderr, "modbus-client: unit %d FC %d %d+%d: %s\n", r->unit, r->fc, r->start,
                        r->count, got < 0 ? modbus_strerror(errno) : "short answer");
                return 1;
            }
            n_reads++;
            if (r->fc <= 2)
                n_bits += (unsigned long long)r->count;
            else
                n_regs += (unsigned long long)r->count;
        }
        t = now_s();
    }
    double cpu = cpu_s() - cpu0;
    printf("RESULT reads=%llu registers=%llu bits=%llu seconds=%.3f cpu_s=%.3f\n", n_reads, n_regs, n_bits,
           t - t0, cpu);
    modbus_close(ctx);
    modbus_free(ctx);
    free(plan);
    return 0;
}
