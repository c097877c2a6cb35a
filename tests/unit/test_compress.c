/* test_compress.c — historian compression (src/engine/compress.c).
 *
 * Property tests on generated signals (deterministic PRNG, so every run checks the same
 * points): random walk (with irregular and repeated timestamps), sine + noise, steps,
 * ramps, constant, and a dither that stays inside the exception band. For each, every raw
 * point must be within comp_dev + exc_dev of the line through the archived points around
 * it (the bound compress.c states), archived points must be exact copies of fed points in
 * time order, and comp_max must hold. Quality changes, step kinds, flush, comp_min,
 * ordering errors and defaults by kind have their own cases. Compression ratios and feed
 * speed are printed, never asserted.
 */
#include "engine/compress.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define N_POINTS 200000
#define T0_NS    1764000000000000000LL /* late 2025, like real event times */
#define SEC_NS   1000000000LL

/* ---- deterministic PRNG (splitmix64) ------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_unit(void) {
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}
static double rng_range(double lo, double hi) {
    return lo + (hi - lo) * rng_unit();
}
static double rng_gauss(double sigma) {
    double u1 = rng_unit(), u2 = rng_unit();
    if (u1 < 1e-300) u1 = 1e-300;
    return sigma * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- archive collector --------------------------------------------------------------- */

typedef struct sink {
    aj_point *pts;
    size_t n;
    size_t cap;
    aj_err fail_with; /* returned from emit when set */
} sink;

static aj_err sink_emit(void *ctx, const aj_point *p) {
    sink *s = ctx;
    if (s->fail_with) return s->fail_with;
    assert_true(s->n < s->cap);
    s->pts[s->n++] = *p;
    return AJ_OK;
}

static void sink_init(sink *s, size_t cap) {
    memset(s, 0, sizeof *s);
    s->pts = calloc(cap, sizeof *s->pts);
    s->cap = cap;
    assert_non_null(s->pts);
}

static void sink_clear(sink *s) {
    free(s->pts);
}

static aj_point plain_point(int64_t t, double v) {
    aj_point p = {.t_ns = t, .value = v, .type = AJ_VALUE_FLOAT, .quality = AJ_QUALITY_GOOD};
    return p;
}

static bool is_plain(const aj_point *p) {
    return p->quality == AJ_QUALITY_GOOD && p->quality_reasons == 0 && isfinite(p->value);
}

static bool same_point(const aj_point *a, const aj_point *b) {
    return a->t_ns == b->t_ns && memcmp(&a->value, &b->value, sizeof a->value) == 0 &&
           a->quality == b->quality && a->quality_reasons == b->quality_reasons;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Feeds all raw points and flushes; returns feed throughput (points/s). */
static double run(const aj_compress_config *cfg, const aj_point *raw, size_t n, sink *out) {
    aj_compress_state st;
    aj_compress_init(&st);
    double t_start = now_s();
    for (size_t i = 0; i < n; i++)
        assert_int_equal(aj_compress_feed(&st, cfg, &raw[i], sink_emit, out), AJ_OK);
    assert_int_equal(aj_compress_flush(&st, cfg, sink_emit, out), AJ_OK);
    double secs = now_s() - t_start;
    assert_int_equal(st.n_fed, n);
    assert_int_equal(st.n_archived, out->n);
    return secs > 0 ? (double)n / secs : 0;
}

/* Marks which raw points were archived: archived points are copies of fed points, in feed
 * order, so a forward scan matches each to the next equal raw point. */
static void match_archive(const aj_point *raw, size_t n, const sink *arch, bool *is_archived) {
    memset(is_archived, 0, n * sizeof *is_archived);
    size_t j = 0;
    for (size_t k = 0; k < arch->n; k++) {
        while (j < n && !same_point(&raw[j], &arch->pts[k])) j++;
        assert_true(j < n); /* every archived point is a fed point, in order */
        is_archived[j++] = true;
        if (k > 0) assert_true(arch->pts[k].t_ns >= arch->pts[k - 1].t_ns);
    }
}

/* Value of the line from a to b at time t (a.t <= t <= b.t); a's value if a.t == b.t. */
static double line_at(const aj_point *a, const aj_point *b, int64_t t) {
    uint64_t span = (uint64_t)b->t_ns - (uint64_t)a->t_ns;
    if (span == 0) return a->value;
    double f = (double)((uint64_t)t - (uint64_t)a->t_ns) / (double)span;
    return a->value + (b->value - a->value) * f;
}

/* The stated bound: every raw point not archived lies between archived plain points and
 * is within comp_dev + exc_dev of their line (float rounding allowance: 1e-9 relative).
 * Returns the largest error seen as a fraction of the bound. */
static double check_bound(const aj_compress_config *cfg, const aj_point *raw, size_t n, const sink *arch) {
    bool *is_archived = malloc(n * sizeof *is_archived);
    assert_non_null(is_archived);
    match_archive(raw, n, arch, is_archived);
    assert_true(is_archived[0]);
    assert_true(is_archived[n - 1]); /* flushed */
    double bound = cfg->comp_dev + cfg->exc_dev, worst = 0;
    size_t a = 0;
    while (a < n - 1) {
        size_t b = a + 1;
        while (!is_archived[b]) b++;
        for (size_t i = a + 1; i < b; i++) {
            assert_true(is_plain(&raw[a]) && is_plain(&raw[b]) && is_plain(&raw[i]));
            double err = fabs(raw[i].value - line_at(&raw[a], &raw[b], raw[i].t_ns));
            double slack = 1e-9 * (fabs(raw[i].value) + fabs(raw[a].value) + fabs(raw[b].value) + 1);
            if (err > bound + slack) {
                fprintf(stderr, "point %zu (t %lld v %.17g): error %.17g > bound %.17g (archived %zu, %zu)\n",
                        i, (long long)raw[i].t_ns, raw[i].value, err, bound, a, b);
                fail();
            }
            if (bound > 0 && err / bound > worst) worst = err / bound;
        }
        a = b;
    }
    free(is_archived);
    return worst;
}

/* comp_max: consecutive archived points are at most comp_max apart, unless no raw point
 * was fed between them. */
static void check_comp_max(const aj_compress_config *cfg, const aj_point *raw, size_t n, const sink *arch) {
    bool *is_archived = malloc(n * sizeof *is_archived);
    assert_non_null(is_archived);
    match_archive(raw, n, arch, is_archived);
    size_t prev = 0;
    for (size_t i = 1; i < n; i++) {
        if (!is_archived[i]) continue;
        uint64_t gap = (uint64_t)raw[i].t_ns - (uint64_t)raw[prev].t_ns;
        if (gap > (uint64_t)cfg->comp_max_ns) assert_int_equal(i, prev + 1);
        prev = i;
    }
    free(is_archived);
}

/* ---- signals (span 0..100, sampled every second unless noted) ------------------------ */

typedef enum {
    SIG_WALK,
    SIG_WALK_IRREGULAR,
    SIG_SINE,
    SIG_STEPS,
    SIG_RAMPS,
    SIG_CONST,
    SIG_DITHER
} signal_kind;

static const char *signal_name[] = {
    "random walk", "random walk, irregular t", "sine + noise", "steps", "ramps + noise",
    "constant",    "dither in exc band"};

static void make_signal(signal_kind kind, aj_point *raw, size_t n, uint64_t seed) {
    rng_state = seed;
    int64_t t = T0_NS;
    double v = 50, level = 50, slope = 0;
    size_t next_change = 0;
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case SIG_WALK:
            v += rng_gauss(0.05);
            break;
        case SIG_WALK_IRREGULAR:
            v += rng_gauss(0.05);
            if (i > 0) t += (rng_next() % 8 == 0) ? 0 : (int64_t)(rng_next() % 2000000000); /* repeats */
            break;
        case SIG_SINE:
            v = 50 + 30 * sin(6.283185307179586 * (double)i / 3600.0) + rng_gauss(0.05);
            break;
        case SIG_STEPS:
            if (i == next_change) {
                level = rng_range(10, 90);
                next_change = i + 50 + rng_next() % 450;
            }
            v = level + rng_gauss(0.02);
            break;
        case SIG_RAMPS:
            if (i == next_change) {
                slope = rng_range(-0.05, 0.05);
                next_change = i + 100 + rng_next() % 900;
            }
            level += slope;
            v = level + rng_gauss(0.02);
            break;
        case SIG_CONST:
            v = 42.0;
            break;
        case SIG_DITHER:
            level += 0.001;
            v = level + rng_range(-0.15, 0.15); /* exc_dev 0.1: half the points jump, half are held */
            break;
        }
        raw[i] = plain_point(t, v);
        if (kind != SIG_WALK_IRREGULAR) t += SEC_NS;
    }
}

static aj_compress_config span_config(void) {
    aj_compress_config cfg;
    assert_int_equal(aj_compress_defaults("pressure", 0, 100, &cfg), AJ_OK);
    return cfg;
}

static void check_signals_with(const aj_compress_config *cfg, const char *label) {
    aj_point *raw = malloc(N_POINTS * sizeof *raw);
    assert_non_null(raw);
    for (signal_kind k = SIG_WALK; k <= SIG_DITHER; k++) {
        make_signal(k, raw, N_POINTS, 1000 + (uint64_t)k);
        sink arch;
        sink_init(&arch, N_POINTS);
        double pps = run(cfg, raw, N_POINTS, &arch);
        double worst = check_bound(cfg, raw, N_POINTS, &arch);
        if (cfg->comp_max_ns > 0) check_comp_max(cfg, raw, N_POINTS, &arch);
        printf("  %-10s %-26s %7zu -> %6zu archived, ratio %7.1f:1, worst error %.3f of bound, feed %.1f M "
               "points/s\n",
               label, signal_name[k], (size_t)N_POINTS, arch.n, (double)N_POINTS / (double)arch.n, worst,
               pps / 1e6);
        sink_clear(&arch);
    }
    free(raw);
}

static void test_bound_defaults(void **state) {
    (void)state;
    aj_compress_config cfg = span_config();
    check_signals_with(&cfg, "defaults");
}

static void test_bound_edge_configs(void **state) {
    (void)state;
    aj_compress_config cfg = span_config();
    cfg.exc_dev = cfg.comp_dev; /* the largest exc_dev allowed */
    check_signals_with(&cfg, "exc=comp");
    cfg.exc_dev = 0;
    check_signals_with(&cfg, "exc=0");
    cfg.exc_dev = 0.05;
    cfg.comp_dev = 0.05;
    cfg.comp_max_ns = 0; /* no maximum */
    check_signals_with(&cfg, "nomax");
    cfg.comp_dev = cfg.exc_dev = 0; /* lossless: only exact lines compress */
    check_signals_with(&cfg, "lossless");
}

/* The weakness of the classic two-stage scheme, by hand (binary fractions, so the
 * exception test is exact): R passed, Q and H dropped by the exception filter (within
 * 0.125 of R), then a jump J whose line from A fits R and H within comp_dev but passes
 * 0.477 below Q, beyond comp_dev + exc_dev = 0.375. The gap box makes the door refuse J
 * and archive H instead. (Without the box this case fails check_bound.) */
static void test_exception_gap(void **state) {
    (void)state;
    aj_compress_config cfg = {.exc_dev = 0.125, .comp_dev = 0.25};
    aj_point raw[] = {
        plain_point(0, 11),                  /* A */
        plain_point(100, 10),                /* R: a jump, passed to the door */
        plain_point(109, 10.125),            /* Q: dropped */
        plain_point(110, 9.875),             /* H: dropped, passed before the jump */
        plain_point(200, 11 - 0.0124 * 200), /* J */
    };
    sink arch;
    sink_init(&arch, 8);
    run(&cfg, raw, 5, &arch);
    check_bound(&cfg, raw, 5, &arch);
    assert_int_equal(arch.n, 3);
    assert_true(arch.pts[1].t_ns == 110); /* H */
    sink_clear(&arch);
}

static void test_comp_max(void **state) {
    (void)state;
    aj_compress_config cfg = span_config();
    cfg.comp_max_ns = 60 * SEC_NS;
    aj_point *raw = malloc(N_POINTS * sizeof *raw);
    assert_non_null(raw);
    make_signal(SIG_CONST, raw, N_POINTS, 7);
    sink arch;
    sink_init(&arch, N_POINTS);
    run(&cfg, raw, N_POINTS, &arch);
    check_comp_max(&cfg, raw, N_POINTS, &arch);
    /* A constant 1 Hz signal: one archived point every 60 s (the point at exactly 60 s). */
    assert_true(arch.n >= N_POINTS / 61 && arch.n <= N_POINTS / 60 + 2);
    sink_clear(&arch);
    /* A gap longer than comp_max in the data: the points either side are archived. */
    /* shift everything after point 1000 by one hour */
    for (size_t i = 1001; i < N_POINTS; i++) raw[i].t_ns += 3600 * SEC_NS;
    sink_init(&arch, N_POINTS);
    run(&cfg, raw, N_POINTS, &arch);
    check_comp_max(&cfg, raw, N_POINTS, &arch);
    bool found = false;
    for (size_t k = 0; k + 1 < arch.n; k++)
        if (arch.pts[k].t_ns == raw[1000].t_ns && arch.pts[k + 1].t_ns == raw[1001].t_ns) found = true;
    assert_true(found);
    sink_clear(&arch);
    free(raw);
}

static void test_quality_changes(void **state) {
    (void)state;
    aj_compress_config cfg = span_config();
    size_t n = 50000;
    aj_point *raw = malloc(n * sizeof *raw);
    assert_non_null(raw);
    make_signal(SIG_SINE, raw, n, 11);
    rng_state = 99;
    for (size_t i = 100; i < n; i += 200 + rng_next() % 800) {
        size_t len = 1 + rng_next() % 20;
        for (size_t j = i; j < i + len && j < n; j++) {
            switch (rng_next() % 4) {
            case 0:
                raw[j].quality = AJ_QUALITY_BAD;
                break;
            case 1:
                raw[j].quality = AJ_QUALITY_UNCERTAIN;
                break;
            case 2:
                raw[j].quality_reasons = AJ_QR_SPIKE;
                break;
            default:
                raw[j].value = (j % 2) ? NAN : INFINITY;
                break;
            }
            if (rng_next() % 3 == 0) raw[j].quality_reasons |= AJ_QR_COMM_LOSS;
        }
    }
    sink arch;
    sink_init(&arch, n);
    run(&cfg, raw, n, &arch);
    check_bound(&cfg, raw, n, &arch);
    bool *is_archived = malloc(n * sizeof *is_archived);
    assert_non_null(is_archived);
    match_archive(raw, n, &arch, is_archived);
    size_t n_bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_plain(&raw[i])) continue;
        n_bad++;
        assert_true(is_archived[i]);                    /* never compressed away */
        if (i > 0) assert_true(is_archived[i - 1]);     /* the point before */
        if (i + 1 < n) assert_true(is_archived[i + 1]); /* the point after */
    }
    assert_true(n_bad > 100);
    printf("  quality bursts: %zu points, %zu not good, %zu archived\n", n, n_bad, arch.n);
    free(is_archived);
    sink_clear(&arch);
    free(raw);
}

static void test_step_kinds(void **state) {
    (void)state;
    aj_compress_config cfg;
    assert_int_equal(aj_compress_defaults("status", 0, 0, &cfg), AJ_OK);
    assert_true(cfg.is_step);
    size_t n = 100000;
    aj_point *raw = malloc(n * sizeof *raw);
    assert_non_null(raw);
    rng_state = 5;
    double status = 0, count = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            if (pass == 0 && rng_next() % 300 == 0) status = (double)(rng_next() % 4);
            if (pass == 1 && rng_next() % 40 == 0) count += 1;
            raw[i] = plain_point(T0_NS + (int64_t)i * SEC_NS, pass == 0 ? status : count);
        }
        raw[n / 2].value = -0.0; /* a change of bits only is a change too */
        sink arch;
        sink_init(&arch, n);
        run(&cfg, raw, n, &arch);
        bool *is_archived = malloc(n * sizeof *is_archived);
        assert_non_null(is_archived);
        match_archive(raw, n, &arch, is_archived);
        check_comp_max(&cfg, raw, n, &arch);
        size_t last = 0;
        for (size_t i = 0; i < n; i++) {
            bool changed = i == 0 || memcmp(&raw[i].value, &raw[i - 1].value, sizeof(double)) != 0;
            if (changed) assert_true(is_archived[i]);
            if (is_archived[i]) last = i;
            /* hold reconstruction is exact */
            assert_memory_equal(&raw[i].value, &raw[last].value, sizeof(double));
        }
        printf("  step %-6s %zu -> %zu archived, ratio %.1f:1\n", pass == 0 ? "status" : "count", n, arch.n,
               (double)n / (double)arch.n);
        free(is_archived);
        sink_clear(&arch);
    }
    free(raw);
}

static void test_flush(void **state) {
    (void)state;
    aj_compress_config cfg = span_config();
    aj_compress_state st;
    aj_compress_init(&st);
    sink arch;
    sink_init(&arch, 100);
    assert_int_equal(aj_compress_flush(&st, &cfg, sink_emit, &arch), AJ_OK); /* nothing fed */
    assert_int_equal(arch.n, 0);
    for (int i = 0; i < 10; i++) {
        aj_point p = plain_point(T0_NS + i * SEC_NS, 10.0 + 0.01 * i); /* a line, inside the band */
        assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_OK);
    }
    assert_int_equal(arch.n, 1); /* only the first point so far */
    assert_int_equal(aj_compress_flush(&st, &cfg, sink_emit, &arch), AJ_OK);
    assert_int_equal(arch.n, 2);
    assert_true(arch.pts[1].t_ns == T0_NS + 9 * SEC_NS); /* the last point fed */
    assert_int_equal(aj_compress_flush(&st, &cfg, sink_emit, &arch), AJ_OK);
    assert_int_equal(arch.n, 2); /* idempotent */
    /* Feeding continues from the flushed point. */
    aj_point p = plain_point(T0_NS + 20 * SEC_NS, 10.09);
    assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_OK);
    assert_int_equal(aj_compress_flush(&st, &cfg, sink_emit, &arch), AJ_OK);
    assert_int_equal(arch.n, 3);

    /* Flushing halfway through a signal keeps the bound over the whole signal. */
    size_t n = 20000;
    aj_point *raw = malloc(n * sizeof *raw);
    assert_non_null(raw);
    make_signal(SIG_DITHER, raw, n, 3);
    sink all;
    sink_init(&all, n);
    aj_compress_init(&st);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(aj_compress_feed(&st, &cfg, &raw[i], sink_emit, &all), AJ_OK);
        if (i % 1000 == 999) assert_int_equal(aj_compress_flush(&st, &cfg, sink_emit, &all), AJ_OK);
    }
    bool *is_archived = malloc(n * sizeof *is_archived);
    assert_non_null(is_archived);
    match_archive(raw, n, &all, is_archived);
    for (size_t i = 999; i < n; i += 1000) assert_true(is_archived[i]);
    check_bound(&cfg, raw, n, &all);
    free(is_archived);
    sink_clear(&all);
    sink_clear(&arch);
    free(raw);
}

static void test_comp_min(void **state) {
    (void)state;
    aj_compress_config cfg = span_config();
    cfg.comp_min_ns = 30 * SEC_NS;
    size_t n = 50000;
    aj_point *raw = malloc(n * sizeof *raw);
    assert_non_null(raw);
    make_signal(SIG_WALK, raw, n, 17);
    sink arch;
    sink_init(&arch, n);
    aj_compress_state st;
    aj_compress_init(&st);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(aj_compress_feed(&st, &cfg, &raw[i], sink_emit, &arch), AJ_OK);
    for (size_t k = 1; k < arch.n; k++)
        assert_true(arch.pts[k].t_ns - arch.pts[k - 1].t_ns >= cfg.comp_min_ns);
    printf("  comp_min 30 s on a random walk: %zu -> %zu archived\n", n, arch.n);
    sink_clear(&arch);
    free(raw);
}

static void test_order_and_config_errors(void **state) {
    (void)state;
    aj_compress_config cfg = span_config();
    aj_compress_state st, before;
    aj_compress_init(&st);
    sink arch;
    sink_init(&arch, 10);
    aj_point p = plain_point(100, 1.0);
    assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_OK);
    p = plain_point(100, 5.0); /* equal time is accepted */
    assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_OK);
    memcpy(&before, &st, sizeof st);
    p = plain_point(99, 1.0);
    assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_EINVAL);
    assert_memory_equal(&before, &st, sizeof st); /* unchanged */
    p = plain_point(101, 1.0);
    p.quality = (aj_quality)7;
    assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_EINVAL);
    assert_memory_equal(&before, &st, sizeof st);

    aj_compress_config bad = cfg;
    bad.exc_dev = bad.comp_dev * 2;
    assert_int_equal(aj_compress_config_check(&bad), AJ_EINVAL);
    p = plain_point(200, 1.0);
    assert_int_equal(aj_compress_feed(&st, &bad, &p, sink_emit, &arch), AJ_EINVAL);
    bad = cfg;
    bad.comp_dev = NAN;
    assert_int_equal(aj_compress_config_check(&bad), AJ_EINVAL);
    bad = cfg;
    bad.comp_dev = -1;
    assert_int_equal(aj_compress_config_check(&bad), AJ_EINVAL);
    bad = cfg;
    bad.comp_min_ns = bad.comp_max_ns + 1;
    assert_int_equal(aj_compress_config_check(&bad), AJ_EINVAL);
    bad = cfg;
    bad.comp_max_ns = -1;
    assert_int_equal(aj_compress_config_check(&bad), AJ_EINVAL);

    /* An error from the callback comes back from feed. */
    aj_compress_init(&st);
    arch.fail_with = AJ_EIO;
    p = plain_point(0, 1.0);
    assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_EIO);

    /* Extreme timestamps: no int64 overflow in time differences. */
    aj_compress_init(&st);
    arch.fail_with = AJ_OK;
    arch.n = 0;
    cfg.comp_max_ns = 0;
    int64_t ts[] = {INT64_MIN, INT64_MIN + 1, 0, INT64_MAX - 1, INT64_MAX};
    for (size_t i = 0; i < 5; i++) {
        p = plain_point(ts[i], (double)i * 10);
        assert_int_equal(aj_compress_feed(&st, &cfg, &p, sink_emit, &arch), AJ_OK);
    }
    assert_int_equal(aj_compress_flush(&st, &cfg, sink_emit, &arch), AJ_OK);
    assert_true(arch.n >= 2 && arch.pts[arch.n - 1].t_ns == INT64_MAX);
    sink_clear(&arch);
}

static void test_defaults_by_kind(void **state) {
    (void)state;
    aj_compress_config c;
    assert_int_equal(aj_compress_defaults("pressure", 0, 1000, &c), AJ_OK);
    assert_true(fabs(c.exc_dev - 1.0) < 1e-12 && fabs(c.comp_dev - 2.0) < 1e-12);
    assert_int_equal(c.comp_max_ns, 600 * SEC_NS);
    assert_int_equal(c.comp_min_ns, 0);
    assert_false(c.is_step);
    assert_int_equal(aj_compress_defaults("temperature", -50, 450, &c), AJ_OK);
    assert_true(c.exc_dev == 0.1 && c.comp_dev == 0.2);
    assert_int_equal(aj_compress_defaults("ir_temperature", 0, 1500, &c), AJ_OK);
    assert_true(c.exc_dev == 0.1 && c.comp_dev == 0.2);
    assert_int_equal(aj_compress_defaults("temperature", 0, 10, &c), AJ_OK); /* tiny span: 1 % */
    assert_true(fabs(c.comp_dev - 0.1) < 1e-12 && fabs(c.exc_dev - 0.05) < 1e-12);
    assert_int_equal(aj_compress_defaults("gas_combustible_lel", 0, 100, &c), AJ_OK);
    assert_true(fabs(c.exc_dev - 0.05) < 1e-12 && fabs(c.comp_dev - 0.1) < 1e-12);
    assert_int_equal(aj_compress_defaults("gas_toxic_ppm", 0, 50, &c), AJ_OK);
    assert_true(fabs(c.comp_dev - 0.05) < 1e-12);
    assert_int_equal(aj_compress_defaults("oxygen_pct", 0, 25, &c), AJ_OK);
    assert_true(fabs(c.comp_dev - 0.025) < 1e-12);
    assert_int_equal(aj_compress_defaults("count", NAN, NAN, &c), AJ_OK); /* range ignored */
    assert_true(c.is_step);
    const char *kinds[] = {"temperature",
                           "pressure",
                           "differential_pressure",
                           "flow",
                           "level",
                           "vibration",
                           "gas_combustible_lel",
                           "gas_toxic_ppm",
                           "oxygen_pct",
                           "ir_temperature",
                           "current",
                           "voltage",
                           "power",
                           "speed",
                           "position",
                           "humidity",
                           "wind_speed",
                           "wind_direction",
                           "status",
                           "count"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        assert_int_equal(aj_compress_defaults(kinds[i], 0, 100, &c), AJ_OK);
        assert_int_equal(aj_compress_config_check(&c), AJ_OK);
        assert_int_equal(c.comp_max_ns, 600 * SEC_NS);
    }
    assert_int_equal(aj_compress_defaults("pressur", 0, 100, &c), AJ_EINVAL);
    assert_int_equal(aj_compress_defaults("pressure", 5, 5, &c), AJ_EINVAL);
    assert_int_equal(aj_compress_defaults("pressure", 10, 0, &c), AJ_EINVAL);
    assert_int_equal(aj_compress_defaults("flow", 0, INFINITY, &c), AJ_EINVAL);
    assert_int_equal(aj_compress_defaults("flow", -DBL_MAX, DBL_MAX, &c), AJ_EINVAL); /* span overflows */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_defaults),
        cmocka_unit_test(test_bound_edge_configs),
        cmocka_unit_test(test_exception_gap),
        cmocka_unit_test(test_comp_max),
        cmocka_unit_test(test_quality_changes),
        cmocka_unit_test(test_step_kinds),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_comp_min),
        cmocka_unit_test(test_order_and_config_errors),
        cmocka_unit_test(test_defaults_by_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
