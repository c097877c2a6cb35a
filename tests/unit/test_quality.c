/* test_quality.c — data-quality checks per tag (src/engine/quality.c).
 *
 * Synthetic signals at 1 s sampling from a deterministic PRNG (xorshift64*, Box-Muller):
 * each check must begin and end exactly when the rules in docs/data-quality.md say, and
 * clean noise of every kind must raise nothing over 100k points. The per-point cost is
 * printed, never asserted (tests do not fail on speed).
 */
#include "engine/quality.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define S          AJ_QUALITY_NS_PER_S
#define T0         ((int64_t)1767225600 * S) /* 2026-01-01T00:00:00Z */
#define EVENTS_MAX 64
#define OUTS_MAX   256
#define CLEAN_N    100000

/* ---- helpers ----------------------------------------------------------------------- */

typedef struct prng {
    uint64_t s;
} prng;

static uint64_t prng_next(prng *r) {
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

static double prng_uniform(prng *r) {
    return (double)(prng_next(r) >> 11) / 9007199254740992.0;
}

static double prng_gauss(prng *r) {
    double u = prng_uniform(r), v = prng_uniform(r);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* One tag under test: its state, config, the events and the released points. Events
 * and points beyond the arrays are counted, not kept. */
typedef struct run {
    aj_quality_state st;
    aj_quality_config cfg;
    aj_quality_event ev[EVENTS_MAX];
    size_t n_ev;
    aj_point out[OUTS_MAX];
    size_t n_out;
    size_t n_not_good;     /* released points that are not GOOD */
    aj_point last;         /* the latest released point */
    int64_t ev_t_max;      /* latest event time reported */
    size_t n_ev_unordered; /* events older than one reported before */
} run;

static void on_event(void *ctx, const aj_quality_event *ev) {
    run *r = ctx;
    if (ev->t_ns < r->ev_t_max) r->n_ev_unordered++;
    if (ev->t_ns > r->ev_t_max) r->ev_t_max = ev->t_ns;
    if (r->n_ev < EVENTS_MAX) r->ev[r->n_ev] = *ev;
    r->n_ev++;
}

static void collect(run *r, const aj_point *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (r->n_out < OUTS_MAX) r->out[r->n_out] = out[i];
        r->n_out++;
        r->last = out[i];
        if (out[i].quality != AJ_QUALITY_GOOD) r->n_not_good++;
    }
}

static void run_init(run *r, const char *kind, double lo, double hi) {
    memset(r, 0, sizeof *r);
    assert_int_equal(aj_quality_config_defaults(kind, lo, hi, &r->cfg), AJ_OK);
    assert_int_equal(aj_quality_config_validate(&r->cfg), AJ_OK);
    aj_quality_state_init(&r->st, 42);
}

/* Feeds one GOOD point; returns how many points the call released. */
static size_t feed_q(run *r, int64_t t_ns, double v, aj_quality q, uint32_t reasons) {
    aj_point p = {.tag_id = 42,
                  .t_ns = t_ns,
                  .value = v,
                  .type = AJ_VALUE_FLOAT,
                  .quality = q,
                  .quality_reasons = reasons};
    aj_point out[AJ_QUALITY_OUT_MAX];
    size_t n = 99;
    assert_int_equal(aj_quality_check(&r->st, &r->cfg, &p, out, &n, on_event, r), AJ_OK);
    assert_true(n <= AJ_QUALITY_OUT_MAX);
    collect(r, out, n);
    return n;
}

static size_t feed(run *r, int64_t t_ns, double v) {
    return feed_q(r, t_ns, v, AJ_QUALITY_GOOD, 0);
}

static size_t advance(run *r, int64_t wm_ns) {
    aj_point out[AJ_QUALITY_OUT_MAX];
    size_t n = 99;
    aj_quality_advance(&r->st, &r->cfg, wm_ns, out, &n, on_event, r);
    assert_true(n <= AJ_QUALITY_OUT_MAX);
    collect(r, out, n);
    return n;
}

static void assert_event(const run *r, size_t i, aj_quality_cond cond, bool is_begin, int64_t t_ns) {
    assert_true(i < r->n_ev);
    assert_int_equal(r->ev[i].cond, cond);
    assert_int_equal(r->ev[i].is_begin, is_begin);
    assert_int_equal(r->ev[i].t_ns, t_ns);
    assert_int_equal(r->ev[i].tag_id, 42);
    assert_ptr_equal(r->ev[i].state, &r->st);
}

/* A noisy analogue signal: mid-range, a slow hourly swing, Gaussian noise of 0.5 %. */
static double noisy(prng *g, double lo, double hi, int64_t i) {
    double span = hi - lo;
    return lo + 0.5 * span + 0.2 * span * sin(2.0 * M_PI * (double)i / 3600.0) + 0.005 * span * prng_gauss(g);
}

/* ---- configuration ------------------------------------------------------------------ */

static void test_defaults(void **unused) {
    (void)unused;
    aj_quality_config cfg;
    for (int k = 0; k < AJ_QK_N; k++) {
        const char *name = aj_quality_kind_name((aj_quality_kind)k);
        aj_quality_kind back;
        assert_int_equal(aj_quality_kind_parse(name, &back), AJ_OK);
        assert_int_equal(back, k);
        assert_int_equal(aj_quality_config_defaults(name, 0, 100, &cfg), AJ_OK);
        assert_int_equal(aj_quality_config_validate(&cfg), AJ_OK);
        assert_int_equal(cfg.stale_ns, 60 * S);
        assert_true(cfg.range_margin == 2.0);
        bool has_nan = aj_quality_config_defaults(name, NAN, NAN, &cfg) == AJ_OK;
        assert_int_equal(has_nan, k == AJ_QK_STATUS || k == AJ_QK_COUNT);
    }
    assert_int_equal(aj_quality_config_defaults("pressure", 5, 5, &cfg), AJ_EINVAL);
    assert_int_equal(aj_quality_config_defaults("pressure", 0, INFINITY, &cfg), AJ_EINVAL);
    assert_int_equal(aj_quality_config_defaults("pressure", 0, NAN, &cfg), AJ_EINVAL);
    assert_int_equal(aj_quality_config_defaults("status", 0, NAN, &cfg), AJ_EINVAL);
    assert_int_equal(aj_quality_config_defaults("pressur", 0, 1, &cfg), AJ_EINVAL);
    assert_int_equal(aj_quality_config_defaults(NULL, 0, 1, &cfg), AJ_EINVAL);
    assert_string_equal(aj_quality_cond_name(AJ_QC_OUT_OF_RANGE), "out_of_range");
    assert_string_equal(aj_quality_cond_name((aj_quality_cond)99), "?");

    /* Gas: flatline only above the zero-suppression band; no spike, no rate check. */
    assert_int_equal(aj_quality_config_defaults("gas_combustible_lel", 0, 100, &cfg), AJ_OK);
    assert_true(cfg.flatline_floor == 5.0 && cfg.flatline_ns == 7200 * S);
    assert_true(cfg.spike_k == 0 && cfg.rate_max_per_s == 0);
    /* Temperature: 0.2 span/s rate limit, spike on, no floor. */
    assert_int_equal(aj_quality_config_defaults("temperature", 0, 150, &cfg), AJ_OK);
    assert_true(cfg.rate_max_per_s == 30.0 && cfg.spike_k > 0 && isinf(cfg.flatline_floor));

    assert_int_equal(aj_quality_config_set_period(&cfg, 2 * S), AJ_OK);
    assert_int_equal(cfg.stale_ns, 10 * S);
    assert_int_equal(cfg.spike_hold_ns, 4 * S);
    assert_int_equal(aj_quality_config_set_period(&cfg, 0), AJ_EINVAL);
    cfg.spike_hold_ns = cfg.stale_ns + 1;
    assert_int_equal(aj_quality_config_validate(&cfg), AJ_EINVAL);
    cfg.spike_hold_ns = S;
    cfg.clear_points = 0;
    assert_int_equal(aj_quality_config_validate(&cfg), AJ_EINVAL);
}

/* ---- no false positives -------------------------------------------------------------- */

/* A clean signal of each kind, typical of a healthy instrument of that kind. */
static double clean_value(prng *g, aj_quality_kind k, double lo, double hi, int64_t i) {
    double span = hi - lo;
    switch (k) {
    case AJ_QK_GAS_COMBUSTIBLE_LEL:
    case AJ_QK_GAS_TOXIC_PPM: {
        /* clean air: exactly 0 most of the time (zero suppression), a little above
         * from time to time */
        double v = 0.01 * span * prng_gauss(g);
        return v < 0.03 * span ? lo : v;
    }
    case AJ_QK_OXYGEN_PCT:
        return 20.9 + 0.05 * prng_gauss(g);
    case AJ_QK_STATUS:
        return (double)((i / 500) % 2);
    case AJ_QK_COUNT:
        return (double)(i / 7);
    case AJ_QK_POSITION:
        return 50.0 + 10.0 * (double)((i / 1000) % 3);
    case AJ_QK_WIND_DIRECTION:
        return fmod(180.0 + 90.0 * sin((double)i / 5000.0) + 20.0 * prng_gauss(g) + 360.0, 360.0);
    case AJ_QK_WIND_SPEED:
        return fabs(5.0 + 1.5 * prng_gauss(g));
    default:
        return noisy(g, lo, hi, i);
    }
}

static void kind_range(aj_quality_kind k, double *lo, double *hi) {
    *lo = 0;
    *hi = 100;
    if (k == AJ_QK_OXYGEN_PCT) *hi = 25;
    if (k == AJ_QK_WIND_DIRECTION) *hi = 360;
    if (k == AJ_QK_WIND_SPEED) *hi = 60;
    if (k == AJ_QK_TEMPERATURE) *hi = 150;
    if (k == AJ_QK_PRESSURE) *hi = 2.5;
    if (k == AJ_QK_STATUS) *hi = 1;
    if (k == AJ_QK_COUNT) *lo = *hi = NAN; /* a counter has no range */
}

static void test_clean_noise_every_kind(void **unused) {
    (void)unused;
    static run r; /* large: keep it off the stack */
    double total_s = 0;
    for (int k = 0; k < AJ_QK_N; k++) {
        double lo, hi;
        kind_range((aj_quality_kind)k, &lo, &hi);
        run_init(&r, aj_quality_kind_name((aj_quality_kind)k), lo, hi);
        prng g = {0x9e3779b97f4a7c15ull + (uint64_t)k};
        static double values[CLEAN_N]; /* made first, so that the timing is the checks' */
        for (int64_t i = 0; i < CLEAN_N; i++) values[i] = clean_value(&g, (aj_quality_kind)k, lo, hi, i);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int64_t i = 0; i < CLEAN_N; i++) {
            int64_t t = T0 + i * S;
            feed(&r, t, values[i]);
            advance(&r, t);
        }
        /* release anything held (hold 10 s): not yet stale (60 s) */
        advance(&r, T0 + (CLEAN_N - 1) * S + r.cfg.spike_hold_ns);
        clock_gettime(CLOCK_MONOTONIC, &b);
        total_s += (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
        if (r.n_ev || r.n_not_good)
            fprintf(stderr, "kind %s: %zu events (first %s), %zu points not good\n",
                    aj_quality_kind_name((aj_quality_kind)k), r.n_ev,
                    r.n_ev ? aj_quality_cond_name(r.ev[0].cond) : "-", r.n_not_good);
        assert_int_equal(r.n_ev, 0); /* false positives: none */
        assert_int_equal(r.n_not_good, 0);
        assert_int_equal(r.n_out, CLEAN_N); /* every point released exactly once */
        assert_true(r.st.n_diffs <= AJ_QUALITY_DIFFS_N);
    }
    printf("# per-point cost (check + advance + test bookkeeping): %.1f ns over %d points\n",
           1e9 * total_s / ((double)CLEAN_N * AJ_QK_N), CLEAN_N * AJ_QK_N);
}

/* ---- flatline ------------------------------------------------------------------------ */

static void test_flatline_flow(void **unused) {
    (void)unused;
    static run r;
    run_init(&r, "flow", 0, 100);
    prng g = {7};
    int64_t i = 0;
    for (; i < 600; i++) feed(&r, T0 + i * S, noisy(&g, 0, 100, i));
    double frozen = 63.25;
    int64_t t_freeze = T0 + i * S;
    int64_t t_begin = t_freeze + r.cfg.flatline_ns + S; /* first point past flatline_ns */
    for (; T0 + i * S < t_begin; i++) {
        feed(&r, T0 + i * S, frozen);
        advance(&r, T0 + i * S);
    }
    assert_int_equal(r.n_ev, 0); /* not before */
    assert_int_equal(r.n_not_good, 0);
    feed(&r, T0 + i * S, frozen);
    i++;
    assert_int_equal(r.n_ev, 1);
    assert_event(&r, 0, AJ_QC_FLATLINE, true, t_begin);
    assert_true(r.ev[0].value == frozen);
    for (int j = 0; j < 100; j++, i++) feed(&r, T0 + i * S, frozen);
    assert_int_equal(r.n_not_good, 101);
    assert_true(aj_quality_is_active(&r.st, AJ_QC_FLATLINE));
    /* moves again: ends at the third moving point (hysteresis) */
    int64_t t_move = T0 + i * S;
    size_t bad_before = r.n_not_good;
    for (int j = 0; j < 10; j++, i++) feed(&r, T0 + i * S, noisy(&g, 0, 100, i));
    assert_int_equal(r.n_not_good, bad_before); /* moving points are good */
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 1, AJ_QC_FLATLINE, false, t_move + 2 * S);
    assert_false(aj_quality_is_active(&r.st, AJ_QC_FLATLINE));
}

/* Resting zero: a stopped pump's flow and a gas detector in clean air read exactly 0. */
static void test_flatline_resting_zero(void **unused) {
    (void)unused;
    static run r;
    const char *kinds[] = {"flow", "gas_combustible_lel", "gas_toxic_ppm", "current", "vibration"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        run_init(&r, kinds[k], 0, 100);
        for (int64_t i = 0; i < 6 * 3600; i++) feed(&r, T0 + i * S, 0.0);
        assert_int_equal(r.n_ev, 0);
        assert_int_equal(r.n_not_good, 0);
    }
}

/* A gas detector stuck above its zero band and an oxygen cell stuck at 20.9. */
static void test_flatline_gas_and_oxygen(void **unused) {
    (void)unused;
    static run r;
    run_init(&r, "gas_combustible_lel", 0, 100);
    int64_t i = 0;
    for (; i <= 7200; i++) feed(&r, T0 + i * S, 12.0);
    assert_int_equal(r.n_ev, 0); /* 7200 s exactly: not longer than flatline_ns */
    feed(&r, T0 + i * S, 12.0);
    assert_int_equal(r.n_ev, 1);
    assert_event(&r, 0, AJ_QC_FLATLINE, true, T0 + 7201 * S);
    assert_int_equal(r.last.quality, AJ_QUALITY_UNCERTAIN);
    assert_int_equal(r.last.quality_reasons, AJ_QR_FLATLINE);
    /* back to resting zero: clean at once, ends after three points */
    for (int j = 1; j <= 3; j++) feed(&r, T0 + (i + j) * S, 0.0);
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 1, AJ_QC_FLATLINE, false, T0 + (i + 3) * S);

    run_init(&r, "oxygen_pct", 0, 25);
    for (i = 0; i <= 8 * 3600; i++) feed(&r, T0 + i * S, 20.9);
    assert_int_equal(r.n_ev, 0);
    feed(&r, T0 + i * S, 20.9);
    assert_int_equal(r.n_ev, 1);
    assert_event(&r, 0, AJ_QC_FLATLINE, true, T0 + (8 * 3600 + 1) * S);
}

/* ---- out of range -------------------------------------------------------------------- */

static void test_out_of_range(void **unused) {
    (void)unused;
    static run r;
    run_init(&r, "position", 0, 100); /* no flatline, spike or rate: range alone */
    feed(&r, T0, 50);
    feed(&r, T0 + 1 * S, 101.99); /* inside the 2 % margin */
    feed(&r, T0 + 2 * S, -1.99);
    assert_int_equal(r.n_not_good, 0);
    feed(&r, T0 + 3 * S, 102.01);
    assert_int_equal(r.out[3].quality, AJ_QUALITY_BAD);
    assert_int_equal(r.out[3].quality_reasons, AJ_QR_OUT_OF_RANGE);
    assert_int_equal(r.n_ev, 1);
    assert_event(&r, 0, AJ_QC_OUT_OF_RANGE, true, T0 + 3 * S);
    assert_true(r.ev[0].value == 102.01);
    feed(&r, T0 + 4 * S, 50);
    feed(&r, T0 + 5 * S, -2.01); /* resets the clean count */
    feed(&r, T0 + 6 * S, NAN);   /* not finite: out of range too */
    assert_int_equal(r.out[6].quality_reasons, AJ_QR_OUT_OF_RANGE);
    feed(&r, T0 + 7 * S, 50);
    feed(&r, T0 + 8 * S, 50);
    assert_int_equal(r.n_ev, 1);
    feed(&r, T0 + 9 * S, 50);
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 1, AJ_QC_OUT_OF_RANGE, false, T0 + 9 * S);
    assert_int_equal(r.n_not_good, 3);
}

/* ---- spike ---------------------------------------------------------------------------- */

static void warm_flow(run *r, prng *g, int64_t n) {
    run_init(r, "flow", 0, 100);
    for (int64_t i = 0; i < n; i++) feed(r, T0 + i * S, noisy(g, 0, 100, i));
    assert_int_equal(r->n_ev, 0);
    r->n_out = 0;
}

static void test_spike_single(void **unused) {
    (void)unused;
    static run r;
    prng g = {11};
    warm_flow(&r, &g, 300);
    int64_t s = 300;
    double v_spike = noisy(&g, 0, 100, s) + 30.0;
    assert_int_equal(feed(&r, T0 + s * S, v_spike), 0); /* held for the verdict */
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(feed(&r, T0 + (s + 1) * S, noisy(&g, 0, 100, s + 1)), 2);
    /* the spike point comes out first, marked; the returning point is good */
    assert_int_equal(r.out[0].t_ns, T0 + s * S);
    assert_true(r.out[0].value == v_spike);
    assert_int_equal(r.out[0].quality, AJ_QUALITY_BAD);
    assert_int_equal(r.out[0].quality_reasons, AJ_QR_SPIKE);
    assert_int_equal(r.out[1].quality, AJ_QUALITY_GOOD);
    assert_int_equal(r.n_ev, 1);
    assert_event(&r, 0, AJ_QC_SPIKE, true, T0 + s * S);
    assert_true(r.ev[0].value == v_spike);
    for (int64_t i = s + 2; i < s + 100; i++) feed(&r, T0 + i * S, noisy(&g, 0, 100, i));
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 1, AJ_QC_SPIKE, false, T0 + (s + 3) * S); /* third clean point */
    assert_int_equal(r.n_not_good, 1);
    /* a spike downwards too */
    assert_int_equal(feed(&r, T0 + (s + 100) * S, noisy(&g, 0, 100, s + 100) - 25.0), 0);
    feed(&r, T0 + (s + 101) * S, noisy(&g, 0, 100, s + 101));
    assert_int_equal(r.n_not_good, 2);
    assert_event(&r, 2, AJ_QC_SPIKE, true, T0 + (s + 100) * S);
}

static void test_step_is_not_spike(void **unused) {
    (void)unused;
    static run r;
    prng g = {12};
    warm_flow(&r, &g, 300);
    int64_t s = 300;
    assert_int_equal(feed(&r, T0 + s * S, noisy(&g, 0, 100, s) + 20.0), 0); /* held: a candidate */
    assert_int_equal(feed(&r, T0 + (s + 1) * S, noisy(&g, 0, 100, s + 1) + 20.0), 2);
    for (int64_t i = s + 2; i < s + 600; i++) feed(&r, T0 + i * S, noisy(&g, 0, 100, i) + 20.0);
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(r.n_not_good, 0);
    assert_int_equal(r.out[0].t_ns, T0 + s * S);
    /* a two-point pulse is not a spike either: it lasted */
    feed(&r, T0 + (s + 600) * S, 40.0);
    feed(&r, T0 + (s + 601) * S, 40.0);
    feed(&r, T0 + (s + 602) * S, noisy(&g, 0, 100, s + 602) + 20.0);
    feed(&r, T0 + (s + 603) * S, noisy(&g, 0, 100, s + 603) + 20.0);
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(r.n_not_good, 0);
}

/* Regime changes and loud noise are not spikes: a pump that starts (exactly 0.0, then
 * a flow with noise of 2 % of span) 100 times, then 100k points of noise at 5 % of span
 * (where the 3 % floor does not help: the median alone sets the threshold). */
static void test_noisy_flow_and_pump_starts(void **unused) {
    (void)unused;
    static run r;
    run_init(&r, "flow", 0, 100);
    prng g = {18};
    int64_t t = T0;
    for (int cycle = 0; cycle < 100; cycle++) {
        for (int i = 0; i < 300; i++, t += S) feed(&r, t, 0.0);
        for (int i = 0; i < 700; i++, t += S) feed(&r, t, 60.0 + 2.0 * prng_gauss(&g));
    }
    for (int i = 0; i < CLEAN_N; i++, t += S) feed(&r, t, 50.0 + 5.0 * prng_gauss(&g));
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(r.n_not_good, 0);
}

/* With no next point, the watermark releases the candidate after spike_hold_ns. */
static void test_spike_hold_released_by_watermark(void **unused) {
    (void)unused;
    static run r;
    prng g = {13};
    warm_flow(&r, &g, 300);
    int64_t t = T0 + 300 * S;
    assert_int_equal(feed(&r, t, 95.0), 0);
    assert_int_equal(advance(&r, t + r.cfg.spike_hold_ns - 1), 0);
    assert_int_equal(advance(&r, t + r.cfg.spike_hold_ns), 1);
    assert_int_equal(r.out[0].t_ns, t);
    assert_int_equal(r.out[0].quality, AJ_QUALITY_GOOD); /* no verdict: as it came */
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(advance(&r, t + r.cfg.spike_hold_ns + S), 0);
    /* the next point releases itself only */
    assert_int_equal(feed(&r, t + r.cfg.spike_hold_ns + 2 * S, 95.2), 1);
    assert_int_equal(r.n_ev, 0);
}

/* ---- stale and communication loss ----------------------------------------------------- */

static void test_stale_by_watermark(void **unused) {
    (void)unused;
    static run r;
    run_init(&r, "pressure", 0, 2.5);
    prng g = {14};
    int64_t i = 0;
    for (; i < 100; i++) feed(&r, T0 + i * S, noisy(&g, 0, 2.5, i));
    int64_t t_last = T0 + 99 * S;
    double v_last = r.out[99].value;
    advance(&r, t_last + 60 * S); /* exactly stale_ns: not longer */
    assert_int_equal(r.n_ev, 0);
    advance(&r, t_last + 60 * S + 1);
    assert_int_equal(r.n_ev, 1);
    assert_event(&r, 0, AJ_QC_STALE, true, t_last + 60 * S); /* at the deadline, not the watermark */
    assert_true(r.ev[0].value == v_last);
    assert_true(aj_quality_is_active(&r.st, AJ_QC_STALE));
    advance(&r, t_last + 3600 * S);
    assert_int_equal(r.n_ev, 1); /* once */
    feed(&r, t_last + 3601 * S, 1.0);
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 1, AJ_QC_STALE, false, t_last + 3601 * S);
    assert_false(aj_quality_is_active(&r.st, AJ_QC_STALE));
    assert_int_equal(r.n_not_good, 0); /* stale marks no point */

    /* the same gap without any advance(): the same events from the next point */
    static run r2;
    run_init(&r2, "pressure", 0, 2.5);
    g.s = 14;
    for (i = 0; i < 100; i++) feed(&r2, T0 + i * S, noisy(&g, 0, 2.5, i));
    feed(&r2, t_last + 3601 * S, 1.0);
    assert_int_equal(r2.n_ev, 2);
    assert_event(&r2, 0, AJ_QC_STALE, true, t_last + 60 * S);
    assert_event(&r2, 1, AJ_QC_STALE, false, t_last + 3601 * S);
}

static void test_comm_loss(void **unused) {
    (void)unused;
    static run r;
    run_init(&r, "flow", 0, 100);
    prng g = {15};
    int64_t i = 0;
    for (; i < 50; i++) feed(&r, T0 + i * S, noisy(&g, 0, 100, i));
    int64_t t_loss = T0 + i * S;
    for (int j = 0; j < 20; j++, i++) feed_q(&r, T0 + i * S, NAN, AJ_QUALITY_BAD, AJ_QR_COMM_LOSS);
    feed_q(&r, T0 + i * S, 0.0, AJ_QUALITY_BAD, AJ_QR_SOURCE_BAD);
    i++;
    assert_int_equal(r.n_ev, 1);
    assert_event(&r, 0, AJ_QC_COMM_LOSS, true, t_loss);
    assert_int_equal(r.n_not_good, 21);
    /* the adapter's marks are kept; its value is not judged (no out-of-range for NaN) */
    assert_int_equal(r.out[50].quality, AJ_QUALITY_BAD);
    assert_int_equal(r.out[50].quality_reasons, AJ_QR_COMM_LOSS);
    /* only BAD is communication loss: an UNCERTAIN point with the bit is not */
    feed_q(&r, T0 + i * S, 50.0, AJ_QUALITY_UNCERTAIN, AJ_QR_COMM_LOSS);
    i++;
    feed(&r, T0 + i * S, noisy(&g, 0, 100, i));
    i++;
    assert_int_equal(r.n_ev, 1);
    feed(&r, T0 + i * S, noisy(&g, 0, 100, i));
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 1, AJ_QC_COMM_LOSS, false, T0 + i * S);
}

/* ---- rate ------------------------------------------------------------------------------ */

static void test_rate(void **unused) {
    (void)unused;
    static run r;
    run_init(&r, "temperature", 0, 150); /* 30 ℃/s */
    prng g = {16};
    int64_t i = 0;
    for (; i < 100; i++) feed(&r, T0 + i * S, 50.0 + 0.2 * prng_gauss(&g));
    double v_ref = r.out[99].value;
    /* a real ramp at 20 ℃/s: plausible */
    for (int j = 1; j <= 4; j++, i++) feed(&r, T0 + i * S, v_ref + 20.0 * j);
    for (int j = 0; j < 3; j++, i++) feed(&r, T0 + i * S, v_ref + 80.0); /* a plateau, not a peak */
    for (int j = 4; j >= 1; j--, i++) feed(&r, T0 + i * S, v_ref + 20.0 * (j - 1));
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(r.n_not_good, 0);
    for (; i < 200; i++) feed(&r, T0 + i * S, 50.0 + 0.2 * prng_gauss(&g));
    assert_int_equal(r.n_ev, 0);
    v_ref = r.out[r.n_out - 1].value;
    /* a fault: +95 ℃ in one second and it stays. Plausible again once rate x elapsed
     * time covers the jump: 30 x 4 s >= 95, so points 0..2 are implausible. */
    r.n_out = 0;
    r.n_not_good = 0;
    int64_t t_fault = T0 + i * S;
    for (int j = 0; j < 10; j++, i++) feed(&r, T0 + i * S, v_ref + 95.0);
    advance(&r, T0 + i * S + 10 * S);
    assert_int_equal(r.n_not_good, 3);
    for (int j = 0; j < 3; j++) {
        assert_int_equal(r.out[j].quality, AJ_QUALITY_BAD);
        assert_int_equal(r.out[j].quality_reasons, AJ_QR_RATE);
    }
    assert_int_equal(r.out[3].quality, AJ_QUALITY_GOOD);
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 0, AJ_QC_RATE, true, t_fault);
    assert_event(&r, 1, AJ_QC_RATE, false, t_fault + 5 * S); /* 3rd plausible point */
}

/* ---- event order ---------------------------------------------------------------------- */

/* The spike verdict on point s+2 comes with point s+3, which also ends OUT_OF_RANGE:
 * the spike's begin (at s+2) is reported before the range's end (at s+3). */
static void test_events_in_time_order(void **unused) {
    (void)unused;
    static run r;
    prng g = {17};
    warm_flow(&r, &g, 300);
    int64_t s = 300;
    feed(&r, T0 + s * S, 150.0);
    feed(&r, T0 + (s + 1) * S, noisy(&g, 0, 100, s + 1));
    feed(&r, T0 + (s + 2) * S, noisy(&g, 0, 100, s + 2) + 30.0);
    feed(&r, T0 + (s + 3) * S, noisy(&g, 0, 100, s + 3));
    assert_int_equal(r.n_ev, 3);
    assert_event(&r, 0, AJ_QC_OUT_OF_RANGE, true, T0 + s * S);
    assert_event(&r, 1, AJ_QC_SPIKE, true, T0 + (s + 2) * S);
    assert_event(&r, 2, AJ_QC_OUT_OF_RANGE, false, T0 + (s + 3) * S);
    assert_int_equal(r.n_ev_unordered, 0);

    /* a point older than the stale deadline the watermark passed (later than the allowed
     * lateness) ends STALE at the deadline, not before its begin */
    run_init(&r, "pressure", 0, 2.5);
    feed(&r, T0, 1.0);
    advance(&r, T0 + 61 * S);
    feed(&r, T0 + 30 * S, 1.1);
    assert_int_equal(r.n_ev, 2);
    assert_event(&r, 0, AJ_QC_STALE, true, T0 + 60 * S);
    assert_event(&r, 1, AJ_QC_STALE, false, T0 + 60 * S);
}

/* ---- random input: the contracts hold ----------------------------------------------- */

typedef struct contract {
    uint32_t active; /* per condition, from the events */
    size_t n_broken; /* a begin while active, an end while not */
    int64_t ev_t_max;
    size_t n_unordered;
    size_t n_events;
} contract;

static void on_event_contract(void *ctx, const aj_quality_event *ev) {
    contract *c = ctx;
    uint32_t bit = 1u << ev->cond;
    if (ev->is_begin == ((c->active & bit) != 0)) c->n_broken++;
    c->active ^= bit;
    c->n_events++;
    if (ev->t_ns < c->ev_t_max) c->n_unordered++;
    if (ev->t_ns > c->ev_t_max) c->ev_t_max = ev->t_ns;
}

/* Random values (some NaN, inf, out of range), qualities, gaps and watermarks for every
 * kind: every point comes out exactly once, in event-time order; begins and ends
 * alternate, in event-time order, and match aj_quality_is_active(). */
static void test_random_input_contracts(void **unused) {
    (void)unused;
    prng g = {0xdeadbeefull};
    size_t n_events = 0;
    for (int k = 0; k < AJ_QK_N; k++) {
        aj_quality_config cfg;
        assert_int_equal(aj_quality_config_defaults(aj_quality_kind_name((aj_quality_kind)k), 0, 100, &cfg),
                         AJ_OK);
        aj_quality_state st;
        aj_quality_state_init(&st, 7);
        contract c = {0};
        size_t n_in = 0, n_released = 0;
        int64_t t = T0, t_out_max = 0, wm = 0;
        double v = 50;
        for (int i = 0; i < 20000; i++) {
            uint64_t r = prng_next(&g);
            t += (r % 100 == 0) ? (int64_t)(1 + r % 200) * S : (int64_t)(1 + r % 3) * S;
            switch (r >> 60) {
            case 0:
                v = NAN;
                break;
            case 1:
                v = (r & 1) ? INFINITY : 150.0;
                break;
            case 2:
                v += 30.0 * prng_gauss(&g);
                break;
            case 3:
                break; /* stuck */
            default:
                v = 50.0 + 10.0 * prng_gauss(&g);
                break;
            }
            aj_point p = {.tag_id = 7, .t_ns = t, .value = v, .type = AJ_VALUE_FLOAT};
            if ((r >> 56 & 15) == 0) {
                p.quality = AJ_QUALITY_BAD;
                p.quality_reasons = (r & 2) ? AJ_QR_COMM_LOSS : AJ_QR_SOURCE_BAD;
            }
            aj_point out[AJ_QUALITY_OUT_MAX];
            size_t n;
            assert_int_equal(aj_quality_check(&st, &cfg, &p, out, &n, on_event_contract, &c), AJ_OK);
            n_in++;
            for (size_t j = 0; j < n; j++, n_released++) {
                assert_true(out[j].t_ns > t_out_max);
                t_out_max = out[j].t_ns;
            }
            if (r >> 52 & 1) {
                int64_t next = t + (int64_t)(r >> 40 & 63) * S;
                if (next > wm) wm = next;
                aj_quality_advance(&st, &cfg, wm, out, &n, on_event_contract, &c);
                for (size_t j = 0; j < n; j++, n_released++) {
                    assert_true(out[j].t_ns > t_out_max);
                    t_out_max = out[j].t_ns;
                }
                if (wm > t) t = wm; /* points come after the watermark */
            }
            if (!isfinite(v) || fabs(v) > 1e6) v = 50; /* keep the walk finite */
        }
        aj_point out[AJ_QUALITY_OUT_MAX];
        size_t n;
        aj_quality_advance(&st, &cfg, t + 3600 * S, out, &n, on_event_contract, &c);
        n_released += n;
        assert_int_equal(n_released, n_in);
        assert_int_equal(c.n_broken, 0);
        assert_int_equal(c.n_unordered, 0);
        for (int q = 0; q < AJ_QC_N; q++)
            assert_int_equal(aj_quality_is_active(&st, (aj_quality_cond)q), (c.active >> q) & 1);
        n_events += c.n_events;
    }
    printf("# random input: %zu events checked\n", n_events);
    assert_true(n_events > 1000);
}

/* ---- determinism and bounds ------------------------------------------------------------- */

/* A day of a flow with faults, fed twice: advance() after every point, or only every
 * 97 s (the watermark of a live engine moves irregularly). Same events, same points. */
static void run_faulty_day(run *r, uint64_t *hash, size_t *n_events, int advance_every) {
    run_init(r, "flow", 0, 100);
    prng g = {99};
    uint64_t h = 1469598103934665603ull;
    *n_events = 0;
    int64_t t = T0;
    for (int64_t i = 0; i < 86400; i++) {
        double v = noisy(&g, 0, 100, i);
        if (i % 5000 == 17) v += 40;             /* spikes */
        if (i % 7000 > 5000) v = 37.5;           /* frozen spells */
        if (i % 11000 == 3) v = 150;             /* out of range */
        t += (i % 13000 == 12999) ? 120 * S : S; /* gaps: stale */
        aj_quality q = (i % 17000 < 30) ? AJ_QUALITY_BAD : AJ_QUALITY_GOOD;
        if (i % advance_every == 0) advance(r, t - 1); /* the watermark just before t */
        feed_q(r, t, v, q, q == AJ_QUALITY_BAD ? AJ_QR_COMM_LOSS : 0);
        for (size_t k = 0; k < r->n_out && k < OUTS_MAX; k++)
            h = (h ^ (uint64_t)r->out[k].t_ns ^ (uint64_t)r->out[k].quality << 1 ^
                 (uint64_t)r->out[k].quality_reasons << 8) *
                1099511628211ull;
        r->n_out = 0;
        for (size_t k = 0; k < r->n_ev && k < EVENTS_MAX; k++)
            h = (h ^ (uint64_t)r->ev[k].t_ns ^ (uint64_t)r->ev[k].cond << 3 ^ (uint64_t)r->ev[k].is_begin) *
                1099511628211ull;
        *n_events += r->n_ev;
        r->n_ev = 0;
    }
    *hash = h;
}

static void test_determinism(void **unused) {
    (void)unused;
    static run a, b;
    uint64_t ha, hb, hc;
    size_t na, nb, nc;
    run_faulty_day(&a, &ha, &na, 1);
    run_faulty_day(&b, &hb, &nb, 97);
    run_faulty_day(&b, &hc, &nc, 1);
    printf("# faulty day: %zu diagnostic events\n", na);
    assert_int_equal(a.n_ev_unordered, 0);
    assert_int_equal(b.n_ev_unordered, 0);
    assert_true(na > 20); /* every kind of fault showed up */
    assert_int_equal(na, nb);
    assert_int_equal(na, nc);
    assert_true(ha == hb);
    assert_true(ha == hc);
}

static void test_bounded_and_ordered(void **unused) {
    (void)unused;
    printf("# sizeof(aj_quality_state) = %zu bytes (bound %d)\n", sizeof(aj_quality_state),
           AJ_QUALITY_STATE_BYTES_MAX);
    assert_true(sizeof(aj_quality_state) <= AJ_QUALITY_STATE_BYTES_MAX);
    static run r;
    run_init(&r, "flow", 0, 100);
    feed(&r, T0, 10);
    aj_quality_state before = r.st;
    aj_point p = {.tag_id = 42, .t_ns = T0, .value = 20};
    aj_point out[AJ_QUALITY_OUT_MAX];
    size_t n = 99;
    assert_int_equal(aj_quality_check(&r.st, &r.cfg, &p, out, &n, on_event, &r), AJ_EINVAL);
    assert_int_equal(n, 0);
    assert_memory_equal(&before, &r.st, sizeof before);
    p.t_ns = T0 - S;
    assert_int_equal(aj_quality_check(&r.st, &r.cfg, &p, out, &n, NULL, NULL), AJ_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_clean_noise_every_kind),
        cmocka_unit_test(test_flatline_flow),
        cmocka_unit_test(test_flatline_resting_zero),
        cmocka_unit_test(test_flatline_gas_and_oxygen),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_spike_single),
        cmocka_unit_test(test_step_is_not_spike),
        cmocka_unit_test(test_noisy_flow_and_pump_starts),
        cmocka_unit_test(test_spike_hold_released_by_watermark),
        cmocka_unit_test(test_stale_by_watermark),
        cmocka_unit_test(test_comm_loss),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_events_in_time_order),
        cmocka_unit_test(test_random_input_contracts),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_bounded_and_ordered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
