/* test_reason.c — the reasoning core without the engine: baselines (src/reason/baseline.c),
 * evidence histories (evtrack.c) and a failure mode evaluated tick by tick (instance.c).
 *
 * Modes are built as structs here (the rules parser has its own test), so each case states
 * exactly the rule it runs. Signals are synthetic, from a deterministic PRNG. */
#include "reason/baseline.h"
#include "reason/evtrack.h"
#include "reason/instance.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define S    1000000000LL
#define MIN  (60 * S)
#define HOUR (3600 * S)
#define T0   ((int64_t)1796083200 * S)
#define TICK AJ_RINST_TICK_NS

typedef struct prng {
    uint64_t s;
} prng;

static double uniform(prng *r) {
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (double)((r->s * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double normal(prng *r) {
    double u = uniform(r), v = uniform(r);
    if (u < 1e-12) u = 1e-12;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* ---- baseline ------------------------------------------------------------------------ */

static void baseline_learns_level_and_load(void **state) {
    (void)state;
    aj_baseline_config c;
    aj_baseline_config_defaults(&c, 0.05);
    aj_baseline b;
    aj_baseline_init(&b);
    prng r = {42};
    double e, sc;
    int64_t t = T0;
    /* value = 40 + 20 * load + noise 0.2, load wandering 0.5..0.9 over 1 h cycles */
    for (int i = 0; i < 4 * 3600; i += 5, t += 5 * S) {
        double load = 0.7 + 0.2 * sin(2 * M_PI * i / 3600.0);
        if (i < 1800 - 5) {
            aj_baseline_learn(&b, &c, t, 40 + 20 * load + 0.2 * normal(&r), load, true);
            assert_false(aj_baseline_expected(&b, &c, load, &e, &sc)); /* warming up */
            continue;
        }
        aj_baseline_learn(&b, &c, t, 40 + 20 * load + 0.2 * normal(&r), load, true);
    }
    assert_true(aj_baseline_expected(&b, &c, 0.6, &e, &sc));
    assert_true(fabs(e - 52.0) < 0.1);
    assert_true(aj_baseline_expected(&b, &c, 0.85, &e, &sc));
    assert_true(fabs(e - 57.0) < 0.1);
    assert_true(sc > 0.15 && sc < 0.35); /* ~ the noise sd */
    /* far outside the loads seen: clamped to mean ± 2.5 sd of the load, not extrapolated */
    assert_true(aj_baseline_expected(&b, &c, 5.0, &e, &sc));
    assert_true(e < 40 + 20 * 1.1);
}

static void baseline_gates_a_fault_then_follows_slowly(void **state) {
    (void)state;
    aj_baseline_config c;
    aj_baseline_config_defaults(&c, 0.05);
    aj_baseline b;
    aj_baseline_init(&b);
    prng r = {7};
    int64_t t = T0;
    for (int i = 0; i < 3600; i += 5, t += 5 * S)
        aj_baseline_learn(&b, &c, t, 50 + 0.1 * normal(&r), NAN, true);
    double e0, e, sc;
    assert_true(aj_baseline_expected(&b, &c, NAN, &e0, &sc));
    assert_true(fabs(e0 - 50) < 0.05);
    /* a +5 step: gated (not learned) for freeze_max_s of running time */
    int learned = 0;
    for (int i = 0; i < 6 * 3600 - 10; i += 5, t += 5 * S)
        learned += aj_baseline_learn(&b, &c, t, 55 + 0.1 * normal(&r), NAN, true);
    assert_int_equal(learned, 0);
    assert_true(aj_baseline_expected(&b, &c, NAN, &e, &sc));
    assert_true(fabs(e - e0) < 1e-9);
    /* stopped time is not running time: still gated afterwards */
    for (int i = 0; i < 3600; i += 5, t += 5 * S) assert_false(aj_baseline_learn(&b, &c, t, 55, NAN, false));
    assert_false(aj_baseline_learn(&b, &c, t, 55, NAN, true));
    t += 5 * S;
    /* after the freeze: learns with the slow time constant (a day) */
    for (int i = 0; i < 3600; i += 5, t += 5 * S)
        aj_baseline_learn(&b, &c, t, 55 + 0.1 * normal(&r), NAN, true);
    assert_true(aj_baseline_expected(&b, &c, NAN, &e, &sc));
    assert_true(e > 50.2 && e < 51.5); /* moved, slowly (samples weigh a twelfth) */
    /* a gap in the data counts as at most 60 s */
    aj_baseline_learn(&b, &c, t + 10 * HOUR, 55, NAN, true);
    assert_true(b.learned_s < 3600 + 1800 + 3600 + 100);
}

static void baseline_learns_a_load_it_has_not_seen(void **state) {
    (void)state;
    aj_baseline_config c;
    aj_baseline_config_defaults(&c, 0.05);
    aj_baseline b;
    aj_baseline_init(&b);
    prng r = {11};
    double e, sc;
    int64_t t = T0;
    /* value = 40 + 20 * load: 2 h at a steady 0.5 (no slope to be learned), then the load
     * rises to 0.8 in 20 min and stays there */
    int learned_late = 0;
    for (int i = 0; i < 5 * 3600; i += 5, t += 5 * S) {
        double load = i < 7200 ? 0.5 : i < 8400 ? 0.5 + 0.3 * (i - 7200) / 1200.0 : 0.8;
        load += 0.002 * normal(&r);
        bool learned = aj_baseline_learn(&b, &c, t, 40 + 20 * load + 0.2 * normal(&r), load, true);
        if (i >= 4 * 3600) learned_late += learned;
    }
    /* the new load is predicted (not +6 off and gated for hours), and learned again */
    assert_true(aj_baseline_expected(&b, &c, 0.8, &e, &sc));
    assert_true(fabs(e - 56.0) < 0.5);
    assert_true(learned_late > 600);
}

static void baseline_keeps_a_fault_out_of_the_slope(void **state) {
    (void)state;
    aj_baseline_config c;
    aj_baseline_config_defaults(&c, 0.05);
    aj_baseline b;
    aj_baseline_init(&b);
    prng r = {13};
    double e, sc;
    int64_t t = T0;
    /* value = 40 + 20 * load over 3 h of load cycles 0.5..0.9, then a +5 fault for 2 h at a
     * steady load 0.7: the fault is gated and does not tilt the slope */
    for (int i = 0; i < 5 * 3600; i += 5, t += 5 * S) {
        bool is_fault = i >= 3 * 3600;
        double load = is_fault ? 0.7 + 0.002 * normal(&r) : 0.7 + 0.2 * sin(2 * M_PI * i / 3600.0);
        aj_baseline_learn(&b, &c, t, 40 + 20 * load + (is_fault ? 5 : 0) + 0.2 * normal(&r), load, true);
    }
    assert_true(aj_baseline_expected(&b, &c, 0.7, &e, &sc));
    assert_true(fabs(e - 54.0) < 0.3);
    assert_true(aj_baseline_expected(&b, &c, 0.9, &e, &sc));
    assert_true(fabs(e - 58.0) < 0.5);
}

/* ---- evtrack -------------------------------------------------------------------------- */

static void evtrack_answers_about_windows(void **state) {
    (void)state;
    aj_evtrack e;
    aj_evtrack_init(&e);
    assert_int_equal(aj_evtrack_at(&e, T0), AJ_EV_UNKNOWN);
    aj_evtrack_set(&e, T0, AJ_EV_ABSENT);
    aj_evtrack_set(&e, T0 + 10 * S, AJ_EV_PRESENT);
    aj_evtrack_set(&e, T0 + 20 * S, AJ_EV_PRESENT); /* no change */
    aj_evtrack_set(&e, T0 + 30 * S, AJ_EV_ABSENT);
    aj_evtrack_set(&e, T0 + 50 * S, AJ_EV_PRESENT);
    assert_int_equal(e.n, 4);
    assert_int_equal(aj_evtrack_at(&e, T0 + 9 * S), AJ_EV_ABSENT);
    assert_int_equal(aj_evtrack_at(&e, T0 + 10 * S), AJ_EV_PRESENT);
    assert_int_equal(aj_evtrack_at(&e, T0 + 35 * S), AJ_EV_ABSENT);
    assert_true(aj_evtrack_present_in(&e, T0 + 25 * S, T0 + 40 * S)); /* present at the start */
    assert_false(aj_evtrack_present_in(&e, T0 + 31 * S, T0 + 49 * S));
    assert_true(aj_evtrack_present_in(&e, T0 + 31 * S, T0 + 50 * S));
    assert_int_equal(aj_evtrack_rises_in(&e, T0, T0 + 60 * S), 2);
    assert_int_equal(aj_evtrack_rises_in(&e, T0 + 11 * S, T0 + 60 * S), 1);
    int64_t r, since;
    assert_true(aj_evtrack_last_rise(&e, T0 + 45 * S, &r));
    assert_true(r == T0 + 10 * S);
    assert_true(aj_evtrack_since(&e, T0 + 45 * S, &since));
    assert_true(since == T0 + 30 * S);
    assert_false(aj_evtrack_last_rise(&e, T0 + 5 * S, &r));
    /* the ring keeps the last 16 changes */
    for (int i = 0; i < 40; i++) aj_evtrack_set(&e, T0 + (100 + i) * S, i % 2 ? AJ_EV_PRESENT : AJ_EV_ABSENT);
    assert_int_equal(e.n, AJ_EVTRACK_HISTORY);
    assert_true(e.has_forgotten);
    assert_int_equal(aj_evtrack_at(&e, T0 + 139 * S), AJ_EV_PRESENT);
    assert_int_equal(aj_evtrack_rises_in(&e, T0 + 124 * S, T0 + 139 * S), 8);
}

/* ---- instance: the domain's seal example -------------------------------------------------
 * seal_temp deviation > 6 for 5m (lr 12), vib_2x ratio >= 2.5 for 5m (lr 10), ir_max
 * deviation > 4 for 2m (lr 8), prior 0.01, warn 0.5, diagnose 0.9, corroborate 2, load =
 * motor current (0..100 A). */

static aj_rule_mode seal_mode(void) {
    aj_rule_mode m = {0};
    m.id = "pump_seal_failure";
    m.priority = AJ_RULE_PRIO_HIGH;
    m.prior = 0.01;
    m.warn_at = 0.5;
    m.diagnose_at = 0.9;
    m.corroborate = 2;
    m.n_signals = 4;
    m.signals[0].id = "seal_temp";
    m.signals[1].id = "vib_2x";
    m.signals[2].id = "ir_max";
    m.signals[3].id = "current";
    m.load_signal = 3;
    m.n_evidence = 3;
    m.evidence[0] = (aj_rule_evidence){.id = "seal_hot",
                                       .term = AJ_RT_DEVIATION,
                                       .signal = 0,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_GT,
                                       .threshold = 6,
                                       .for_ns = 5 * MIN,
                                       .lr = 12};
    m.evidence[1] = (aj_rule_evidence){.id = "vib_up",
                                       .term = AJ_RT_RATIO,
                                       .signal = 1,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_GE,
                                       .threshold = 2.5,
                                       .for_ns = 5 * MIN,
                                       .lr = 10};
    m.evidence[2] = (aj_rule_evidence){.id = "ir_spot",
                                       .term = AJ_RT_DEVIATION,
                                       .signal = 2,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_GT,
                                       .threshold = 4,
                                       .for_ns = 2 * MIN,
                                       .lr = 8};
    m.ttf_signal = 0;
    m.ttf_is_deviation = true;
    m.ttf_value = 20;
    return m;
}

static const aj_rchan_spec seal_chans[4] = {
    {.signal = 0, .tag_id = 1, .range_lo = 0, .range_hi = 150, .scale_floor = 0.1, .use_ambient = true},
    {.signal = 1, .tag_id = 2, .range_lo = 0, .range_hi = 50, .scale_floor = 0.02},
    {.signal = 2, .tag_id = 3, .range_lo = 0, .range_hi = 200, .scale_floor = 0.1, .use_ambient = true},
    {.signal = 3, .tag_id = 4, .range_lo = 0, .range_hi = 100, .scale_floor = 0.5},
};

/* The pump at load q, time t: the simulator's shapes (docs/simulator.md), with a seal
 * fault of severity s (+12 s ℃, +320 s % 2x, +8.3 s ℃ IR) and an optional drift of the
 * seal temperature sensor alone. */
static void pump_values(prng *r, int64_t t, double s, double seal_drift, double *v) {
    double h = (double)(t - T0) / HOUR;
    double q = 0.75 + 0.1 * sin(2 * M_PI * h / 8);
    double air = 12 + 4 * sin(2 * M_PI * (h - 9) / 24);
    double ambient = 3 + 12 + 4 * sin(2 * M_PI * (h - 9.5) / 24); /* the air, half an hour later */
    v[4] = air + 0.05 * normal(r);
    v[0] = ambient + 18 + 10 * q + 12 * s + seal_drift + 0.1 * normal(r);
    v[1] = 0.45 * (1 + 0.3 * q) * (1 + 3.2 * s) * (1 + 0.03 * normal(r));
    v[2] = ambient + 10 + 8 * q + 8.3 * s + 0.15 * normal(r);
    v[3] = 80 * (0.3 + 0.7 * q * (0.55 + 0.45 * q * q)) + 0.3 * normal(r);
}

typedef struct run_result {
    int64_t first_warning, first_diagnosis, first_uncorroborated;
    double max_posterior, ttf_at_diagnosis;
    bool was_ev0_present;
} run_result;

/* 24 h: normal for the first `onset` hours, then the fault develops linearly over `dev`
 * hours (or the seal sensor drifts by `drift` ℃ over the same time). */
static run_result run_pump(aj_rinst *in, double onset_h, double dev_h, double fault, double drift) {
    prng r = {1234};
    run_result rr = {INT64_MIN, INT64_MIN, INT64_MIN, 0, NAN, false};
    for (int64_t t = T0 + TICK; t <= T0 + 24 * HOUR; t += TICK) {
        double h = (double)(t - T0) / HOUR;
        double p = h < onset_h ? 0 : (h - onset_h) / dev_h > 1 ? 1 : (h - onset_h) / dev_h;
        double v[5];
        pump_values(&r, t, fault * p, drift * p, v);
        aj_rinst_tick(in, t, v);
        if (in->posterior > rr.max_posterior) rr.max_posterior = in->posterior;
        if (in->view[0].state == AJ_EV_PRESENT) rr.was_ev0_present = true;
        if (in->level >= AJ_RLEVEL_WARNING && rr.first_warning == INT64_MIN) {
            rr.first_warning = t;
            if (getenv("AJ_TEST_VERBOSE"))
                for (int e = 0; e < in->mode->n_evidence; e++)
                    printf("  +%.2f h %s: state %d term %.3f expected %.3f\n", h, in->mode->evidence[e].id,
                           in->view[e].state, in->view[e].term, in->view[e].expected);
        }
        if (in->level == AJ_RLEVEL_DIAGNOSIS && rr.first_diagnosis == INT64_MIN) {
            rr.first_diagnosis = t;
            rr.ttf_at_diagnosis = in->ttf_hours;
        }
        if (in->is_uncorroborated && rr.first_uncorroborated == INT64_MIN) rr.first_uncorroborated = t;
    }
    return rr;
}

static void seal_example_is_diagnosed_before_failure(void **state) {
    (void)state;
    aj_rule_mode m = seal_mode();
    aj_rinst *in = aj_rinst_new(&m, 101, seal_chans, 4, 99);
    assert_non_null(in);
    /* The reasoner has watched the pump through one load cycle (8 h) before the onset at
     * 11 h: during the first cycle, a fault developing while the load moves somewhere it has
     * never been is partly taken for the load's doing (docs/reasoning.md "Baselines"). */
    run_result rr = run_pump(in, 11, 2, 1, 0);
    /* nothing before the onset; early warning, then diagnosis, before the failure at 13 h */
    assert_true(rr.first_warning > T0 + 11 * HOUR);
    assert_true(rr.first_diagnosis >= rr.first_warning);
    assert_true(rr.first_diagnosis < T0 + 13 * HOUR);
    printf("seal example: warning at +%.2f h, diagnosis at +%.2f h (failure at +13 h), ttf %.2f h\n",
           (double)(rr.first_warning - T0) / HOUR, (double)(rr.first_diagnosis - T0) / HOUR,
           rr.ttf_at_diagnosis);
    /* at full development all three pieces are present: posterior = odds(prior) x 12 x 10 x 8 */
    assert_int_equal(in->view[0].state, AJ_EV_PRESENT);
    assert_int_equal(in->view[1].state, AJ_EV_PRESENT);
    assert_int_equal(in->view[2].state, AJ_EV_PRESENT);
    double odds = 0.01 / 0.99 * 12 * 10 * 8; /* 9.70: posterior 0.907 */
    assert_true(fabs(in->posterior - odds / (1 + odds)) < 1e-12);
    assert_int_equal(in->level, AJ_RLEVEL_DIAGNOSIS);
    assert_int_equal(in->n_corroborating, 3);
    /* folded into the incident: the signals of present evidence, and the ones the mode
     * explains (the motor current, no evidence of its own) once raised */
    for (int j = 0; j < 3; j++) assert_true(aj_rinst_signal_folded(in, j));
    assert_false(aj_rinst_signal_folded(in, 3));
    m.explains_mask = 1u << 3;
    assert_true(aj_rinst_signal_folded(in, 3));
    in->level = AJ_RLEVEL_NONE;
    assert_false(aj_rinst_signal_folded(in, 3));
    aj_rinst_free(in);
}

static void normal_day_and_sensor_drift_raise_nothing(void **state) {
    (void)state;
    aj_rule_mode m = seal_mode();
    aj_rinst *in = aj_rinst_new(&m, 101, seal_chans, 4, 99);
    run_result rr = run_pump(in, 30, 1, 0, 0); /* no fault in the 24 h */
    assert_true(rr.first_warning == INT64_MIN);
    assert_true(rr.first_uncorroborated == INT64_MIN); /* nothing to check on a normal day */
    assert_true(rr.max_posterior < 0.01 + 1e-12);      /* the prior: no evidence at all */
    aj_rinst_free(in);
    in = aj_rinst_new(&m, 101, seal_chans, 4, 99);
    rr = run_pump(in, 3, 2, 0, 15); /* the seal temperature sensor drifts +15 ℃ alone */
    assert_true(rr.first_warning == INT64_MIN);
    /* lr 12 alone gives odds 0.12, below warn, but alone for 30 min it is a sensor to check */
    assert_true(rr.first_uncorroborated != INT64_MIN);
    printf("seal sensor drift: uncorroborated at +%.2f h\n", (double)(rr.first_uncorroborated - T0) / HOUR);
    assert_true(rr.was_ev0_present); /* the deviation itself was seen */
    aj_rinst_free(in);
}

/* ---- instance: a zone's detectors, evidence over evidence, slope, a stopped asset ------- */

/* Zone: oxygen (2 detectors) below 19.5 for 1 min (lr 50); toxic (1 detector) level >= 10
 * (lr 20); within(10m: o2_low, h2s) lr 5; count(h2s, 1h) >= 2 lr 3; before(h2s, o2_low,
 * 30m) lr 2; o2 slope over 10 min < -3 %VOL/h lr 4. corroborate 1. */
static aj_rule_mode zone_mode(void) {
    aj_rule_mode m = {0};
    m.id = "zone_test";
    m.scope = AJ_RULE_ON_ZONE;
    m.prior = 0.01;
    m.warn_at = 0.5;
    m.diagnose_at = 0.9;
    m.corroborate = 1;
    m.load_signal = -1;
    m.ttf_signal = -1;
    m.n_signals = 2;
    m.signals[0].id = "o2";
    m.signals[1].id = "h2s";
    m.n_evidence = 6;
    m.evidence[0] = (aj_rule_evidence){.id = "o2_low",
                                       .term = AJ_RT_LEVEL,
                                       .signal = 0,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_LT,
                                       .threshold = 19.5,
                                       .for_ns = MIN,
                                       .lr = 50};
    m.evidence[1] = (aj_rule_evidence){.id = "h2s",
                                       .term = AJ_RT_LEVEL,
                                       .signal = 1,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_GE,
                                       .threshold = 10,
                                       .lr = 20};
    m.evidence[2] = (aj_rule_evidence){.id = "both",
                                       .term = AJ_RT_WITHIN,
                                       .signal = -1,
                                       .span_ns = 10 * MIN,
                                       .refs = {0, 1},
                                       .n_refs = 2,
                                       .lr = 5};
    m.evidence[3] = (aj_rule_evidence){.id = "again",
                                       .term = AJ_RT_COUNT,
                                       .signal = -1,
                                       .span_ns = HOUR,
                                       .refs = {1},
                                       .n_refs = 1,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_GE,
                                       .threshold = 2,
                                       .lr = 3};
    m.evidence[4] = (aj_rule_evidence){.id = "h2s_first",
                                       .term = AJ_RT_BEFORE,
                                       .signal = -1,
                                       .span_ns = 30 * MIN,
                                       .refs = {1, 0},
                                       .n_refs = 2,
                                       .lr = 2};
    m.evidence[5] = (aj_rule_evidence){.id = "o2_falling",
                                       .term = AJ_RT_SLOPE,
                                       .signal = 0,
                                       .span_ns = 10 * MIN,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_LT,
                                       .threshold = -3,
                                       .lr = 4};
    return m;
}

static void zone_evidence_terms(void **state) {
    (void)state;
    aj_rule_mode m = zone_mode();
    aj_rchan_spec chans[3] = {
        {.signal = 0, .tag_id = 11, .range_lo = 0, .range_hi = 30, .scale_floor = 0.05},
        {.signal = 0, .tag_id = 12, .range_lo = 0, .range_hi = 30, .scale_floor = 0.05},
        {.signal = 1, .tag_id = 13, .range_lo = 0, .range_hi = 50, .scale_floor = 0.1},
    };
    aj_rinst *in = aj_rinst_new(&m, 7, chans, 3, 0);
    assert_non_null(in);
    int64_t t = T0;
    double v[3] = {20.9, 20.9, 0};
    for (int i = 0; i < 120; i++) aj_rinst_tick(in, t += TICK, v); /* 10 min normal */
    assert_int_equal(in->view[0].state, AJ_EV_ABSENT);
    assert_int_equal(in->view[5].state, AJ_EV_ABSENT);
    assert_int_equal(in->level, AJ_RLEVEL_NONE);
    /* H2S puffs twice (1 min each, 5 min apart) */
    for (int k = 0; k < 2; k++) {
        v[2] = 15;
        for (int i = 0; i < 12; i++) aj_rinst_tick(in, t += TICK, v);
        v[2] = 0;
        for (int i = 0; i < 60; i++) aj_rinst_tick(in, t += TICK, v);
    }
    assert_int_equal(in->view[3].state, AJ_EV_PRESENT); /* count(h2s, 1h) >= 2 */
    assert_true(in->view[3].term == 2);
    assert_int_equal(in->view[2].state, AJ_EV_ABSENT);             /* o2 never low */
    for (int i = 0; i < 120; i++) aj_rinst_tick(in, t += TICK, v); /* 10 min quiet */
    /* then the oxygen falls on the second detector only: 20.9 -> 18.9 over 10 min */
    for (int i = 1; i <= 120; i++) {
        v[1] = 20.9 - 2.0 * i / 120;
        aj_rinst_tick(in, t += TICK, v);
    }
    assert_int_equal(in->view[0].state, AJ_EV_PRESENT); /* any channel: the min for "<" */
    assert_int_equal(in->view[0].channel, 1);
    assert_int_equal(in->view[5].state, AJ_EV_PRESENT); /* -12 %VOL/h */
    assert_true(in->view[5].term < -10 && in->view[5].term > -14);
    assert_int_equal(in->view[2].state, AJ_EV_ABSENT);  /* h2s last present > 10 min ago */
    assert_int_equal(in->view[4].state, AJ_EV_PRESENT); /* h2s rose ~24.5 min before o2_low did */
    assert_true(in->view[4].term > 20 * 60 && in->view[4].term < 30 * 60);
    /* posterior: odds(0.01) x 50 x 3 x 2 x 4 */
    double odds = 0.01 / 0.99 * 50 * 3 * 2 * 4;
    assert_true(fabs(in->posterior - odds / (1 + odds)) < 1e-12);
    assert_int_equal(in->level, AJ_RLEVEL_DIAGNOSIS);
    /* H2S again while the oxygen is low: within() holds */
    v[2] = 30;
    for (int i = 0; i < 3; i++) aj_rinst_tick(in, t += TICK, v); /* smoothed: 11.8 after 15 s */
    assert_int_equal(in->view[1].state, AJ_EV_PRESENT);
    assert_int_equal(in->view[2].state, AJ_EV_PRESENT);
    /* the oxygen recovers for 20 min: o2_low ends; before() needs it present */
    v[0] = v[1] = 20.9;
    v[2] = 0;
    for (int i = 0; i < 240; i++) aj_rinst_tick(in, t += TICK, v);
    assert_int_equal(in->view[0].state, AJ_EV_ABSENT);
    assert_int_equal(in->view[4].state, AJ_EV_ABSENT);
    assert_int_equal(in->view[2].state, AJ_EV_ABSENT);
    aj_rinst_free(in);
}

static void stopped_asset_judges_levels_only(void **state) {
    (void)state;
    aj_rule_mode m = seal_mode();
    m.evidence[1] = (aj_rule_evidence){.id = "very_hot",
                                       .term = AJ_RT_LEVEL,
                                       .signal = 0,
                                       .has_cmp = true,
                                       .cmp = AJ_RC_GT,
                                       .threshold = 90,
                                       .lr = 2};
    aj_rinst *in = aj_rinst_new(&m, 101, seal_chans, 4, 99);
    prng r = {5};
    int64_t t = T0;
    for (int i = 0; i < 720; i++) { /* 1 h running */
        double v[5];
        pump_values(&r, t += TICK, 0, 0, v);
        aj_rinst_tick(in, t, v);
    }
    assert_true(in->is_running);
    assert_int_equal(in->view[0].state, AJ_EV_ABSENT);
    for (int i = 0; i < 120; i++) { /* stopped: current 0, seal cools */
        double v[5] = {25, 0.1, 20, 0, 12};
        aj_rinst_tick(in, t += TICK, v);
    }
    assert_false(in->is_running);
    assert_int_equal(in->view[0].state, AJ_EV_UNKNOWN); /* deviation from a running baseline: no */
    assert_int_equal(in->view[1].state, AJ_EV_ABSENT);  /* a level is still judged */
    /* no data at all for longer than the hold time: unknown */
    double none[5] = {NAN, NAN, NAN, NAN, NAN};
    for (int i = 0; i < 13; i++) aj_rinst_tick(in, t += TICK, none);
    assert_int_equal(in->view[1].state, AJ_EV_UNKNOWN);
    assert_int_equal(in->level, AJ_RLEVEL_NONE);
    aj_rinst_free(in);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(baseline_learns_level_and_load),
        cmocka_unit_test(baseline_gates_a_fault_then_follows_slowly),
        cmocka_unit_test(baseline_learns_a_load_it_has_not_seen),
        cmocka_unit_test(baseline_keeps_a_fault_out_of_the_slope),
        cmocka_unit_test(evtrack_answers_about_windows),
        cmocka_unit_test(seal_example_is_diagnosed_before_failure),
        cmocka_unit_test(normal_day_and_sensor_drift_raise_nothing),
        cmocka_unit_test(zone_evidence_terms),
        cmocka_unit_test(stopped_asset_judges_levels_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
