/* lp-gen.c — writes the line-protocol file of the 100k-tag benchmark from the tag table
 * of bench/plant-100k.mjs: N_STEPS timestamps 1 s apart (precision s), every tag once per
 * timestamp, one field per line, time-major (all tags of second 0, then second 1, ...):
 *
 *     B1.P-00001A seal_temp=71.234 1796083200
 *
 * Values are deterministic random walks (xorshift64*, fixed seed) shaped by the tag kind
 * and its range, so that they look like plant signals to the compressor and quality checks:
 *   - continuous kinds: start at 30-70 % of the span, step N(0, 0.1 % of span) per second
 *     with a weak pull back to the start (stays well inside the range);
 *   - temperatures: step N(0, 0.05 degC) per second (an RTD's noise, below 0.1 degC);
 *   - combustible gas and toxic gas: near zero (0-2 % of span), small noise, clamped at 0;
 *   - oxygen: 20.9 %VOL with 0.02 noise;
 *   - status: 0, flips with probability 1/3600 per second.
 * Values are written with 3 decimals (status: 0 or 1), as transmitters and the simulator do.
 *
 * Usage: lp-gen TAGS_TSV N_STEPS > FILE     (TSV: measurement, field, kind, lo, hi)
 * Build: gcc -O2 -o lp-gen bench/lp-gen.c -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_S 1796083200LL /* 2026-12-01T00:00:00Z, as anjian sim */

enum shape { WALK, TEMP, GAS, OXYGEN, STATUS };

typedef struct tag {
    char *prefix; /* "measurement field=" */
    size_t n_prefix;
    enum shape shape;
    double lo, hi, v, v0, sigma;
} tag;

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static double rng_unit(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* Sum of 4 uniforms, scaled to unit variance: close enough to a normal and fast. */
static double rng_normal(void) {
    return (rng_unit() + rng_unit() + rng_unit() + rng_unit() - 2.0) * 1.7320508075688772;
}

static enum shape shape_of(const char *kind) {
    if (!strcmp(kind, "temperature") || !strcmp(kind, "ir_temperature")) return TEMP;
    if (!strcmp(kind, "gas_combustible_lel") || !strcmp(kind, "gas_toxic_ppm")) return GAS;
    if (!strcmp(kind, "oxygen_pct")) return OXYGEN;
    if (!strcmp(kind, "status") || !strcmp(kind, "count")) return STATUS;
    return WALK;
}

static void tag_start(tag *t) {
    double span = t->hi - t->lo;
    switch (t->shape) {
    case WALK: t->v0 = t->lo + span * (0.3 + 0.4 * rng_unit()); t->sigma = span * 0.001; break;
    case TEMP: t->v0 = t->lo + span * (0.3 + 0.4 * rng_unit()); t->sigma = 0.05; break;
    case GAS: t->v0 = t->lo + span * 0.02 * rng_unit(); t->sigma = span * 0.0005; break;
    case OXYGEN: t->v0 = 20.9; t->sigma = 0.02; break;
    case STATUS: t->v0 = 0; t->sigma = 0; break;
    }
    t->v = t->v0;
}

static void tag_step(tag *t) {
    if (t->shape == STATUS) {
        if (rng_unit() < 1.0 / 3600) t->v = 1 - t->v;
        return;
    }
    if (t->shape == OXYGEN) {
        t->v = t->v0 + t->sigma * rng_normal();
        return;
    }
    t->v += t->sigma * rng_normal() + 0.01 * (t->v0 - t->v);
    if (t->v < t->lo) t->v = t->lo;
    if (t->v > t->hi) t->v = t->hi;
}

/* Writes v with 3 decimals into p, returns the end. */
static char *put_value(char *p, double v) {
    long long m = llround(v * 1000.0);
    if (m < 0) {
        *p++ = '-';
        m = -m;
    }
    char tmp[24];
    int n = 0;
    long long ip = m / 1000;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n) *p++ = tmp[--n];
    int frac = (int)(m % 1000);
    *p++ = '.';
    *p++ = (char)('0' + frac / 100);
    *p++ = (char)('0' + frac / 10 % 10);
    *p++ = (char)('0' + frac % 10);
    return p;
}

static tag *read_tags(const char *path, size_t *n_out) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 1024, n = 0;
    tag *tags = malloc(cap * sizeof *tags);
    char line[512], meas[256], field[128], kind[64];
    double lo, hi;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%255[^\t]\t%127[^\t]\t%63[^\t]\t%lf\t%lf", meas, field, kind, &lo, &hi) != 5) continue;
        if (n == cap) tags = realloc(tags, (cap *= 2) * sizeof *tags);
        tag *t = &tags[n++];
        size_t len = strlen(meas) + strlen(field) + 3;
        t->prefix = malloc(len);
        t->n_prefix = (size_t)snprintf(t->prefix, len, "%s %s=", meas, field);
        t->shape = shape_of(kind);
        t->lo = lo;
        t->hi = hi;
        tag_start(t);
    }
    fclose(f);
    *n_out = n;
    return tags;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: lp-gen TAGS_TSV N_STEPS > FILE\n");
        return 2;
    }
    size_t n_tags = 0;
    tag *tags = read_tags(argv[1], &n_tags);
    long n_steps = atol(argv[2]);
    if (!tags || n_tags == 0 || n_steps <= 0) {
        fprintf(stderr, "lp-gen: cannot read tags from %s or bad N_STEPS\n", argv[1]);
        return 2;
    }
    size_t cap = 1 << 22;
    char *buf = malloc(cap + 1024), *p = buf;
    for (long s = 0; s < n_steps; s++) {
        char ts[24];
        int n_ts = snprintf(ts, sizeof ts, " %lld\n", START_S + s);
        for (size_t i = 0; i < n_tags; i++) {
            tag *t = &tags[i];
            if (s) tag_step(t);
            memcpy(p, t->prefix, t->n_prefix);
            p += t->n_prefix;
            if (t->shape == STATUS)
                *p++ = t->v ? '1' : '0';
            else
                p = put_value(p, t->v);
            memcpy(p, ts, (size_t)n_ts);
            p += n_ts;
            if ((size_t)(p - buf) >= cap) {
                if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf)) return 1;
                p = buf;
            }
        }
    }
    if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf) || fflush(stdout)) return 1;
    return 0;
}
