/* test_query.c — pure queries over one tag's points (src/engine/query.c).
 *
 * Value at a time on both kinds; aggregates per interval checked against hand-computed
 * values (a ramp, a step kind, a gap, a bad point in the middle, intervals with only a
 * prior value), the time-weighted average of a linear ramp equal to the midpoint value
 * exactly; bounds. The trend: a single-sample spike survives at every N, at most N points,
 * a subset in time order, identity for short input. CSV: exact strings, times before and
 * after the epoch at ns precision, buffers that do not fit. The time to downsample a
 * 24 h 1 Hz trend is printed, never asserted.
 */
#include "engine/query.h"

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

#define SEC_NS 1000000000LL

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static aj_point pt(int64_t t, double v) {
    aj_point p = {.t_ns = t, .value = v, .type = AJ_VALUE_FLOAT, .quality = AJ_QUALITY_GOOD};
    return p;
}

static aj_point pt_q(int64_t t, double v, aj_quality q, uint32_t reasons) {
    aj_point p = pt(t, v);
    p.quality = q;
    p.quality_reasons = reasons;
    return p;
}

static aj_query_series series(const aj_point *points, size_t n, const aj_point *prior, bool is_step) {
    aj_query_series s = {.points = points, .n_points = n, .prior = prior, .is_step = is_step};
    return s;
}

/* ---- value at ------------------------------------------------------------------------- */

static void test_value_at_continuous(void **state) {
    (void)state;
    aj_point pts[] = {pt(0, 0),
                      pt(10 * SEC_NS, 10),
                      pt(20 * SEC_NS, 0),
                      pt_q(30 * SEC_NS, 7, AJ_QUALITY_BAD, AJ_QR_SPIKE),
                      pt_q(40 * SEC_NS, 9, AJ_QUALITY_UNCERTAIN, AJ_QR_STALE),
                      pt(50 * SEC_NS, NAN)};
    aj_query_series s = series(pts, 6, NULL, false);
    aj_point out;
    assert_int_equal(aj_query_value_at(&s, 5 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 5.0);
    assert_int_equal(out.t_ns, 5 * SEC_NS);
    assert_int_equal(out.quality, AJ_QUALITY_GOOD);
    assert_int_equal(aj_query_value_at(&s, 10 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 10.0);
    assert_int_equal(aj_query_value_at(&s, 15 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 5.0);
    assert_int_equal(aj_query_value_at(&s, 12500 * 1000000LL, &out), AJ_OK);
    assert_true(out.value == 7.5);
    /* A bad neighbour: interpolated, quality bad, its reasons. */
    assert_int_equal(aj_query_value_at(&s, 25 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 3.5);
    assert_int_equal(out.quality, AJ_QUALITY_BAD);
    assert_int_equal(out.quality_reasons, AJ_QR_SPIKE);
    assert_int_equal(aj_query_value_at(&s, 35 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 8.0);
    assert_int_equal(out.quality, AJ_QUALITY_BAD);
    assert_int_equal(out.quality_reasons, AJ_QR_SPIKE | AJ_QR_STALE);
    /* Uncertain and good: uncertain. A NaN neighbour: NaN, bad. */
    assert_int_equal(aj_query_value_at(&s, 40 * SEC_NS, &out), AJ_OK);
    assert_int_equal(out.quality, AJ_QUALITY_UNCERTAIN);
    assert_int_equal(aj_query_value_at(&s, 45 * SEC_NS, &out), AJ_OK);
    assert_true(isnan(out.value));
    assert_int_equal(out.quality, AJ_QUALITY_BAD);
    /* Outside the data. */
    assert_int_equal(aj_query_value_at(&s, -1, &out), AJ_ENOTFOUND);
    assert_int_equal(aj_query_value_at(&s, 50 * SEC_NS + 1, &out), AJ_ENOTFOUND);
    /* With a prior point the range starts earlier. */
    aj_point prior = pt(-10 * SEC_NS, -10);
    s = series(pts, 6, &prior, false);
    assert_int_equal(aj_query_value_at(&s, -4 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == -4.0);
    assert_int_equal(aj_query_value_at(&s, -11 * SEC_NS, &out), AJ_ENOTFOUND);
    /* Several points at one time: the last one at t; between: from the last one. */
    aj_point dup[] = {pt(0, 1), pt(SEC_NS, 2), pt(SEC_NS, 4), pt(2 * SEC_NS, 6)};
    s = series(dup, 4, NULL, false);
    assert_int_equal(aj_query_value_at(&s, SEC_NS, &out), AJ_OK);
    assert_true(out.value == 4.0);
    assert_int_equal(aj_query_value_at(&s, 1500 * 1000000LL, &out), AJ_OK);
    assert_true(out.value == 5.0);
    /* Empty. */
    s = series(NULL, 0, NULL, false);
    assert_int_equal(aj_query_value_at(&s, 0, &out), AJ_ENOTFOUND);
}

static void test_value_at_step(void **state) {
    (void)state;
    aj_point pts[] = {pt(0, 1), pt(10 * SEC_NS, 2), pt_q(20 * SEC_NS, 3, AJ_QUALITY_BAD, AJ_QR_COMM_LOSS),
                      pt(30 * SEC_NS, 4)};
    aj_point prior = pt(-10 * SEC_NS, 0);
    aj_query_series s = series(pts, 4, &prior, true);
    aj_point out;
    assert_int_equal(aj_query_value_at(&s, -5 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 0.0);
    assert_int_equal(aj_query_value_at(&s, 5 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 1.0);
    assert_int_equal(aj_query_value_at(&s, 10 * SEC_NS - 1, &out), AJ_OK);
    assert_true(out.value == 1.0);
    assert_int_equal(aj_query_value_at(&s, 10 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 2.0);
    assert_int_equal(out.quality, AJ_QUALITY_GOOD); /* the next point (bad) does not matter */
    assert_int_equal(aj_query_value_at(&s, 25 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 3.0);
    assert_int_equal(out.quality, AJ_QUALITY_BAD);
    assert_int_equal(out.quality_reasons, AJ_QR_COMM_LOSS);
    assert_int_equal(aj_query_value_at(&s, 30 * SEC_NS, &out), AJ_OK);
    assert_true(out.value == 4.0);
    assert_int_equal(aj_query_value_at(&s, 30 * SEC_NS + 1, &out), AJ_ENOTFOUND);
    assert_int_equal(aj_query_value_at(&s, -10 * SEC_NS - 1, &out), AJ_ENOTFOUND);
}

/* ---- aggregates ----------------------------------------------------------------------- */

static void assert_nan_values(const aj_query_agg *a) {
    assert_int_equal(a->n, 0);
    assert_true(isnan(a->min) && isnan(a->max) && isnan(a->avg) && isnan(a->first) && isnan(a->last));
}

/* A ramp v = t (s), one point a second, 0..10 s; two intervals of 5 s. */
static void test_agg_ramp(void **state) {
    (void)state;
    aj_point pts[11];
    for (int i = 0; i <= 10; i++) pts[i] = pt(i * SEC_NS, i);
    aj_query_series s = series(pts, 11, NULL, false);
    aj_query_agg out[2];
    size_t n;
    assert_int_equal(aj_query_aggregate(&s, 0, 10 * SEC_NS, 5 * SEC_NS, out, 2, &n), AJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].from_ns, 0);
    assert_int_equal(out[0].to_ns, 5 * SEC_NS);
    assert_int_equal(out[0].n, 5); /* 0..4; the point at 5 s belongs to the next interval */
    assert_int_equal(out[0].n_bad, 0);
    assert_true(out[0].min == 0 && out[0].max == 4 && out[0].avg == 2 && out[0].first == 0 &&
                out[0].last == 4);
    assert_true(out[0].twa == 2.5);
    assert_int_equal(out[0].covered_ns, 5 * SEC_NS);
    assert_int_equal(out[1].n, 5);
    assert_true(out[1].min == 5 && out[1].max == 9 && out[1].avg == 7 && out[1].first == 5 &&
                out[1].last == 9);
    assert_true(out[1].twa == 7.5); /* the point at 10 s closes the last segment */
    assert_int_equal(out[1].covered_ns, 5 * SEC_NS);
}

/* The time-weighted average of a linear ramp is its value at the interval's midpoint. */
static void test_agg_ramp_midpoint(void **state) {
    (void)state;
    aj_query_agg out[8];
    size_t n;
    /* Two points, intervals inside the segment and not aligned to the points. */
    aj_point two[] = {pt(-10 * SEC_NS, 3), pt(30 * SEC_NS, 83)}; /* v = 2 t + 23 */
    aj_query_series s = series(two, 2, NULL, false);
    assert_int_equal(aj_query_aggregate(&s, 0, 20 * SEC_NS, 5 * SEC_NS, out, 8, &n), AJ_OK);
    assert_int_equal(n, 4);
    for (size_t k = 0; k < n; k++) {
        double mid_s = 2.5 + 5.0 * (double)k;
        assert_true(out[k].twa == 2 * mid_s + 23);
        assert_int_equal(out[k].covered_ns, 5 * SEC_NS);
        assert_nan_values(&out[k]);
    }
    /* Points every second, an interval from 2.5 s to 7.5 s. */
    aj_point pts[11];
    for (int i = 0; i <= 10; i++) pts[i] = pt(i * SEC_NS, i);
    s = series(pts, 11, NULL, false);
    assert_int_equal(aj_query_aggregate(&s, 2500 * 1000000LL, 7500 * 1000000LL, 5 * SEC_NS, out, 8, &n),
                     AJ_OK);
    assert_int_equal(n, 1);
    assert_true(out[0].twa == 5.0);
    /* Irregular points on v = 2 t + 1: equal up to rounding of the slope. */
    aj_point irr[] = {pt(0, 1), pt(3 * SEC_NS, 7), pt(4 * SEC_NS, 9), pt(9 * SEC_NS, 19),
                      pt(10 * SEC_NS, 21)};
    s = series(irr, 5, NULL, false);
    assert_int_equal(aj_query_aggregate(&s, SEC_NS, 9 * SEC_NS, 8 * SEC_NS, out, 8, &n), AJ_OK);
    assert_near(out[0].twa, 11.0, 1e-12);
}

/* status: 1 from 0 s, 5 from 3 s, 2 from 8 s; the point at 10 s closes the range. */
static void test_agg_step(void **state) {
    (void)state;
    aj_point pts[] = {pt(0, 1), pt(3 * SEC_NS, 5), pt(8 * SEC_NS, 2), pt(10 * SEC_NS, 2)};
    aj_query_series s = series(pts, 4, NULL, true);
    aj_query_agg out[2];
    size_t n;
    assert_int_equal(aj_query_aggregate(&s, 0, 10 * SEC_NS, 5 * SEC_NS, out, 2, &n), AJ_OK);
    assert_int_equal(out[0].n, 2);
    assert_true(out[0].min == 1 && out[0].max == 5 && out[0].avg == 3 && out[0].first == 1 &&
                out[0].last == 5);
    assert_true(out[0].twa == (1.0 * 3 + 5.0 * 2) / 5); /* 2.6 */
    assert_int_equal(out[1].n, 1);
    assert_true(out[1].min == 2 && out[1].max == 2 && out[1].first == 2 && out[1].last == 2);
    assert_true(out[1].twa == (5.0 * 3 + 2.0 * 2) / 5); /* 3.8 */
    assert_int_equal(out[1].covered_ns, 5 * SEC_NS);
    /* The same points as a continuous kind: linear between them. */
    s.is_step = false;
    assert_int_equal(aj_query_aggregate(&s, 0, 10 * SEC_NS, 5 * SEC_NS, out, 2, &n), AJ_OK);
    /* [0,3): (1+5)/2 * 3; [3,5): 5 -> 3.8 at 5 s: (5+3.8)/2 * 2 */
    assert_near(out[0].twa, (3.0 * 3 + 4.4 * 2) / 5, 1e-12);
}

/* A gap: points at 0 and 10 s, nothing until 50 s, nothing after 50 s. */
static void test_agg_gap(void **state) {
    (void)state;
    aj_point pts[] = {pt(0, 0), pt(10 * SEC_NS, 10), pt(50 * SEC_NS, 50)};
    aj_query_series s = series(pts, 3, NULL, false);
    aj_query_agg out[8];
    size_t n;
    assert_int_equal(aj_query_aggregate(&s, -10 * SEC_NS, 70 * SEC_NS, 10 * SEC_NS, out, 8, &n), AJ_OK);
    assert_int_equal(n, 8);
    /* [-10, 0): before the first point, no prior: undefined. */
    assert_nan_values(&out[0]);
    assert_true(isnan(out[0].twa));
    assert_int_equal(out[0].covered_ns, 0);
    /* [0, 10): one point, the ramp. */
    assert_int_equal(out[1].n, 1);
    assert_true(out[1].twa == 5.0);
    /* [20, 30): no point in it, the line from 10 s to 50 s. */
    assert_nan_values(&out[3]);
    assert_true(out[3].twa == 25.0);
    assert_int_equal(out[3].covered_ns, 10 * SEC_NS);
    /* [50, 60): the last point, nothing after it: no time covered. */
    assert_int_equal(out[6].n, 1);
    assert_true(out[6].first == 50);
    assert_true(isnan(out[6].twa));
    assert_int_equal(out[6].covered_ns, 0);
    assert_nan_values(&out[7]);
    assert_true(isnan(out[7].twa));
    /* An interval straddling the start: only the covered part counts. */
    assert_int_equal(aj_query_aggregate(&s, -10 * SEC_NS, 10 * SEC_NS, 20 * SEC_NS, out, 8, &n), AJ_OK);
    assert_int_equal(out[0].covered_ns, 10 * SEC_NS);
    assert_true(out[0].twa == 5.0);
}

/* A ramp 0..4 s with a bad point (quality bad, value 99) at 2 s. */
static void test_agg_bad_point(void **state) {
    (void)state;
    aj_point pts[] = {pt(0, 0), pt(SEC_NS, 1), pt_q(2 * SEC_NS, 99, AJ_QUALITY_BAD, AJ_QR_SPIKE),
                      pt(3 * SEC_NS, 3), pt(4 * SEC_NS, 4)};
    aj_query_series s = series(pts, 5, NULL, false);
    aj_query_agg out[1];
    size_t n;
    assert_int_equal(aj_query_aggregate(&s, 0, 4 * SEC_NS, 4 * SEC_NS, out, 1, &n), AJ_OK);
    assert_int_equal(out[0].n, 3);
    assert_int_equal(out[0].n_bad, 1);
    assert_true(out[0].min == 0 && out[0].max == 3 && out[0].first == 0 && out[0].last == 3);
    assert_true(out[0].avg == 4.0 / 3);
    /* covered: [0,1) (0.5) and [3,4) (3.5); [1,2) and [2,3) touch the bad point */
    assert_int_equal(out[0].covered_ns, 2 * SEC_NS);
    assert_true(out[0].twa == 2.0);
    /* A NaN value counts as bad too, whatever its quality. */
    pts[2] = pt(2 * SEC_NS, NAN);
    assert_int_equal(aj_query_aggregate(&s, 0, 4 * SEC_NS, 4 * SEC_NS, out, 1, &n), AJ_OK);
    assert_int_equal(out[0].n_bad, 1);
    assert_true(out[0].twa == 2.0);
    /* Step kind: a segment counts when its start is usable (values 1, 2, bad, 4, 4). */
    aj_point st[] = {pt(0, 1), pt(SEC_NS, 2), pt_q(2 * SEC_NS, 9, AJ_QUALITY_BAD, 0), pt(3 * SEC_NS, 4),
                     pt(4 * SEC_NS, 4)};
    s = series(st, 5, NULL, true);
    assert_int_equal(aj_query_aggregate(&s, 0, 4 * SEC_NS, 4 * SEC_NS, out, 1, &n), AJ_OK);
    assert_int_equal(out[0].n, 3);
    assert_int_equal(out[0].n_bad, 1);
    assert_int_equal(out[0].covered_ns, 3 * SEC_NS);
    assert_true(out[0].twa == 7.0 / 3);
    /* Uncertain points are usable. */
    st[2].quality = AJ_QUALITY_UNCERTAIN;
    assert_int_equal(aj_query_aggregate(&s, 0, 4 * SEC_NS, 4 * SEC_NS, out, 1, &n), AJ_OK);
    assert_int_equal(out[0].n, 4);
    assert_true(out[0].twa == 4.0);
}

/* Intervals with no points of their own, only a prior value (and a point after). */
static void test_agg_prior_only(void **state) {
    (void)state;
    aj_query_agg out[3];
    size_t n;
    aj_point prior = pt(-5 * SEC_NS, 3);
    aj_point next[] = {pt(25 * SEC_NS, 7)};
    aj_query_series s = series(next, 1, &prior, true);
    assert_int_equal(aj_query_aggregate(&s, 0, 30 * SEC_NS, 10 * SEC_NS, out, 3, &n), AJ_OK);
    assert_int_equal(n, 3);
    for (int k = 0; k < 2; k++) {
        assert_nan_values(&out[k]);
        assert_true(out[k].twa == 3.0);
        assert_int_equal(out[k].covered_ns, 10 * SEC_NS);
    }
    assert_int_equal(out[2].n, 1);
    assert_true(out[2].first == 7);
    assert_true(out[2].twa == 3.0); /* [20,25) holds 3, nothing known after 25 s */
    assert_int_equal(out[2].covered_ns, 5 * SEC_NS);
    /* Continuous: the line from the prior (-10 s, 0) to (30 s, 40). */
    prior = pt(-10 * SEC_NS, 0);
    next[0] = pt(30 * SEC_NS, 40);
    s.is_step = false;
    assert_int_equal(aj_query_aggregate(&s, 0, 30 * SEC_NS, 10 * SEC_NS, out, 3, &n), AJ_OK);
    assert_true(out[0].twa == 15.0 && out[1].twa == 25.0 && out[2].twa == 35.0);
    assert_nan_values(&out[2]); /* the point at 30 s is after the range */
    /* Only a prior, no points: nothing known after it. */
    s = series(NULL, 0, &prior, true);
    assert_int_equal(aj_query_aggregate(&s, 0, 30 * SEC_NS, 10 * SEC_NS, out, 3, &n), AJ_OK);
    assert_true(isnan(out[0].twa));
}

static void test_agg_bounds(void **state) {
    (void)state;
    aj_point pts[] = {pt(0, 1), pt(SEC_NS, 2)};
    aj_query_series s = series(pts, 2, NULL, false);
    aj_query_agg out[4];
    size_t n = 77;
    assert_int_equal(aj_query_aggregate(&s, 10, 10, 1, out, 4, &n), AJ_EINVAL);
    assert_int_equal(aj_query_aggregate(&s, 10, 5, 1, out, 4, &n), AJ_EINVAL);
    assert_int_equal(aj_query_aggregate(&s, 0, 10, 0, out, 4, &n), AJ_EINVAL);
    assert_int_equal(aj_query_aggregate(&s, 0, 10, -1, out, 4, &n), AJ_EINVAL);
    assert_int_equal(aj_query_aggregate(&s, 0, 5, 1, out, 4, &n), AJ_ETOOBIG); /* cap 4 < 5 */
    assert_int_equal(aj_query_aggregate(&s, 0, AJ_QUERY_INTERVALS_MAX + 1, 1, out, 4, &n), AJ_ETOOBIG);
    assert_int_equal(aj_query_aggregate(&s, INT64_MIN, INT64_MAX, 1, out, 4, &n), AJ_ETOOBIG);
    assert_int_equal(n, 77); /* untouched on error */
    /* Not in time order, also with the prior. */
    aj_point bad_order[] = {pt(SEC_NS, 1), pt(0, 2)};
    s = series(bad_order, 2, NULL, false);
    assert_int_equal(aj_query_aggregate(&s, 0, 10, 5, out, 4, &n), AJ_EINVAL);
    aj_point late_prior = pt(2 * SEC_NS, 0);
    s = series(pts, 2, &late_prior, false);
    assert_int_equal(aj_query_aggregate(&s, 0, 10, 5, out, 4, &n), AJ_EINVAL);
    /* Exactly the maximum. */
    aj_query_agg *big = malloc(AJ_QUERY_INTERVALS_MAX * sizeof *big);
    assert_non_null(big);
    s = series(pts, 2, NULL, false);
    assert_int_equal(
        aj_query_aggregate(&s, 0, SEC_NS, SEC_NS / AJ_QUERY_INTERVALS_MAX, big, AJ_QUERY_INTERVALS_MAX, &n),
        AJ_OK);
    assert_int_equal(n, AJ_QUERY_INTERVALS_MAX);
    assert_near(big[AJ_QUERY_INTERVALS_MAX - 1].twa,
                1.0 + (AJ_QUERY_INTERVALS_MAX - 0.5) / AJ_QUERY_INTERVALS_MAX, 1e-12);
    free(big);
    /* A shorter last interval. */
    assert_int_equal(aj_query_aggregate(&s, 0, 25, 10, out, 4, &n), AJ_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[2].from_ns, 20);
    assert_int_equal(out[2].to_ns, 25);
    assert_int_equal(out[2].covered_ns, 5);
    /* The whole int64 range in 3 intervals, points at both ends: no overflow. */
    aj_point ends[] = {pt(INT64_MIN, 0), pt(0, 1), pt(INT64_MAX, 2)};
    s = series(ends, 3, NULL, true);
    assert_int_equal(aj_query_aggregate(&s, INT64_MIN, INT64_MAX, INT64_MAX, out, 4, &n), AJ_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].from_ns, INT64_MIN);
    assert_int_equal(out[2].to_ns, INT64_MAX);
    assert_int_equal(out[0].covered_ns, INT64_MAX); /* [MIN, -1) */
    assert_int_equal(out[1].covered_ns, INT64_MAX); /* [-1, MAX - 1) */
    assert_int_equal(out[2].covered_ns, 1);         /* [MAX - 1, MAX) */
    assert_true(out[0].twa == 0 && out[2].twa == 1);
    assert_int_equal(out[0].n + out[1].n + out[2].n, 2); /* INT64_MAX is not < to */
}

static uint64_t rng_next(void);
static double rng_unit(void);

/* Random points (irregular times with repeats, ~5 % bad): the streaming API gives the same
 * bytes as the array one; splitting a range into intervals keeps the counts and the
 * integral (sum of twa x covered) of the whole. */
static void test_agg_stream_and_split(void **state) {
    (void)state;
    enum { N = 5000, K = 100 };
    static aj_point pts[N];
    static aj_query_agg a[K], b[K], whole[1];
    for (int is_step = 0; is_step <= 1; is_step++) {
        int64_t t = -1000 * SEC_NS;
        for (size_t i = 0; i < N; i++) {
            pts[i] = pt(t, rng_unit() * 100 - 50);
            if (rng_next() % 20 == 0) pts[i].quality = AJ_QUALITY_BAD;
            t += (int64_t)(rng_next() % 3) * SEC_NS / 2;
        }
        aj_point prior = pt(-2000 * SEC_NS, 7);
        aj_query_series s = series(pts, N, &prior, is_step);
        int64_t from = -900 * SEC_NS - 123, step = 17 * SEC_NS + 1, to = from + K * step;
        size_t n;
        assert_int_equal(aj_query_aggregate(&s, from, to, step, a, K, &n), AJ_OK);
        assert_int_equal(n, K);
        aj_query_aggregator g;
        assert_int_equal(aj_query_aggregator_init(&g, is_step, from, to, step, b, K), AJ_OK);
        assert_int_equal(aj_query_aggregator_feed(&g, &prior), AJ_OK);
        for (size_t i = 0; i < N; i++) assert_int_equal(aj_query_aggregator_feed(&g, &pts[i]), AJ_OK);
        aj_point early = pt(from, 0);
        assert_int_equal(aj_query_aggregator_feed(&g, &early), AJ_EINVAL);
        assert_int_equal(aj_query_aggregator_finish(&g), K);
        assert_memory_equal(a, b, sizeof a);
        assert_int_equal(aj_query_aggregate(&s, from, to, to - from, whole, 1, &n), AJ_OK);
        uint32_t n_sum = 0, n_bad_sum = 0;
        int64_t covered = 0;
        double integral = 0;
        for (size_t k = 0; k < K; k++) {
            n_sum += a[k].n, n_bad_sum += a[k].n_bad, covered += a[k].covered_ns;
            if (a[k].covered_ns > 0) integral += a[k].twa * (double)a[k].covered_ns;
        }
        assert_int_equal(n_sum, whole[0].n);
        assert_int_equal(n_bad_sum, whole[0].n_bad);
        assert_int_equal(covered, whole[0].covered_ns);
        assert_near(integral / (double)covered, whole[0].twa, 1e-9);
        assert_true(whole[0].n > 1000 && whole[0].n_bad > 20 && covered > 0);
    }
}

/* ---- trend ---------------------------------------------------------------------------- */

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

/* n points, tag_id = index (to check the output is a subset), irregular times with
 * repeats when is_irregular, a noisy sine. */
static aj_point *make_signal(size_t n, bool is_irregular) {
    aj_point *p = malloc(n * sizeof *p);
    assert_non_null(p);
    int64_t t = 1764000000LL * SEC_NS;
    for (size_t i = 0; i < n; i++) {
        p[i] = pt(t, 50 + 30 * sin((double)i / 300.0) + rng_unit() - 0.5);
        p[i].tag_id = (int64_t)i;
        t += is_irregular ? (int64_t)(rng_next() % 3) * SEC_NS / 2 : SEC_NS;
    }
    return p;
}

/* out[0..n_out) is a subset of points in time order, at most n_max long. */
static void check_subset(const aj_point *points, const aj_point *out, size_t n_out, size_t n_max) {
    assert_true(n_out <= n_max);
    for (size_t j = 0; j < n_out; j++) {
        int64_t i = out[j].tag_id;
        assert_true(memcmp(&out[j], &points[i], sizeof out[j]) == 0);
        if (j > 0) assert_true(i > out[j - 1].tag_id);
    }
}

static bool has_index(const aj_point *out, size_t n_out, int64_t i) {
    for (size_t j = 0; j < n_out; j++)
        if (out[j].tag_id == i) return true;
    return false;
}

static void test_trend_spike(void **state) {
    (void)state;
    rng_state = 7;
    const size_t n = 1000;
    const size_t spikes[] = {0, 1, 2, 333, 500, 998, 999};
    aj_point *out = malloc((n + 200) * sizeof *out);
    assert_non_null(out);
    for (int is_irregular = 0; is_irregular <= 1; is_irregular++) {
        aj_point *points = make_signal(n, is_irregular);
        for (size_t k = 0; k < sizeof spikes / sizeof spikes[0]; k++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                double saved = points[spikes[k]].value;
                points[spikes[k]].value = 50 + sign * 1000;
                for (size_t n_max = AJ_QUERY_TREND_MIN; n_max <= n + 100; n_max++) {
                    size_t n_out;
                    assert_int_equal(aj_query_trend(points, n, n_max, out, n + 200, &n_out), AJ_OK);
                    check_subset(points, out, n_out, n_max);
                    assert_true(has_index(out, n_out, (int64_t)spikes[k]));
                    assert_true(has_index(out, n_out, 0) && has_index(out, n_out, (int64_t)n - 1));
                    if (n_max >= n) assert_int_equal(n_out, n);
                }
                points[spikes[k]].value = saved;
            }
        }
        free(points);
    }
    free(out);
}

static void test_trend_edges(void **state) {
    (void)state;
    aj_point pts[] = {pt(0, 1), pt(1, NAN), pt(2, 3), pt(3, 0), pt(3, 5), pt(3, 5), pt(4, 2)};
    for (size_t i = 0; i < 7; i++) pts[i].tag_id = (int64_t)i;
    aj_point out[8];
    size_t n_out = 99;
    /* Identity for short input. */
    assert_int_equal(aj_query_trend(pts, 7, 7, out, 7, &n_out), AJ_OK);
    assert_int_equal(n_out, 7);
    assert_memory_equal(out, pts, sizeof pts);
    assert_int_equal(aj_query_trend(pts, 0, 4, NULL, 0, &n_out), AJ_OK);
    assert_int_equal(n_out, 0);
    /* One bucket: first, min (3: value 0), max (4: the first 5), last; NaN never wins. */
    assert_int_equal(aj_query_trend(pts, 7, 4, out, 8, &n_out), AJ_OK);
    assert_int_equal(n_out, 4);
    assert_int_equal(out[0].tag_id, 0);
    assert_int_equal(out[1].tag_id, 3);
    assert_int_equal(out[2].tag_id, 4);
    assert_int_equal(out[3].tag_id, 6);
    /* All at one time. */
    aj_point same[6];
    for (size_t i = 0; i < 6; i++) same[i] = pt(-5, (double)(i % 3)), same[i].tag_id = (int64_t)i;
    assert_int_equal(aj_query_trend(same, 6, 5, out, 8, &n_out), AJ_OK);
    check_subset(same, out, n_out, 5);
    assert_int_equal(n_out, 3); /* 0 (first, min), 2 (max), 5 (last) */
    /* Errors. */
    assert_int_equal(aj_query_trend(pts, 7, 3, out, 8, &n_out), AJ_EINVAL);
    assert_int_equal(aj_query_trend(pts, 7, 5, out, 4, &n_out), AJ_ETOOBIG);
    aj_point unordered[] = {pt(1, 0), pt(0, 0)};
    assert_int_equal(aj_query_trend(unordered, 2, 4, out, 8, &n_out), AJ_EINVAL);
    /* Times across the whole int64 range. */
    aj_point wide[] = {pt(INT64_MIN, 0), pt(-1, 1), pt(0, 2), pt(1, 3), pt(INT64_MAX, 4), pt(INT64_MAX, 5)};
    for (size_t i = 0; i < 6; i++) wide[i].tag_id = (int64_t)i;
    assert_int_equal(aj_query_trend(wide, 6, 4, out, 8, &n_out), AJ_OK);
    check_subset(wide, out, n_out, 4);
    assert_int_equal(aj_query_trend(wide, 6, 5, out, 8, &n_out), AJ_OK);
    check_subset(wide, out, n_out, 5);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_trend_speed(void **state) {
    (void)state;
    rng_state = 11;
    const size_t n = 86400;
    aj_point *points = make_signal(n, false);
    aj_point out[1000];
    size_t n_out = 0;
    const int reps = 50;
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        assert_int_equal(aj_query_trend(points, n, 1000, out, 1000, &n_out), AJ_OK);
        double dt = now_s() - t0;
        if (dt < best) best = dt;
    }
    check_subset(points, out, n_out, 1000);
    printf("  trend: 86 400 points (24 h at 1 Hz) -> %zu points: %.3f ms (best of %d)\n", n_out, best * 1e3,
           reps);
    free(points);
}

/* ---- CSV ------------------------------------------------------------------------------ */

static void check_time(int64_t t, const char *want) {
    char buf[AJ_QUERY_TIME_LEN + 1];
    assert_int_equal(aj_query_format_time_ns(t, buf, sizeof buf), AJ_OK);
    assert_string_equal(buf, want);
}

static void test_format_time(void **state) {
    (void)state;
    check_time(0, "1970-01-01T00:00:00.000000000Z");
    check_time(1, "1970-01-01T00:00:00.000000001Z");
    check_time(-1, "1969-12-31T23:59:59.999999999Z");
    check_time(-1500000000, "1969-12-31T23:59:58.500000000Z");
    check_time(-86400 * SEC_NS, "1969-12-31T00:00:00.000000000Z");
    check_time(86400 * SEC_NS - 1, "1970-01-01T23:59:59.999999999Z");
    check_time(1764000000123456789LL, "2025-11-24T16:00:00.123456789Z");
    check_time(INT64_MIN, "1677-09-21T00:12:43.145224192Z");
    check_time(INT64_MAX, "2262-04-11T23:47:16.854775807Z");
    char small[AJ_QUERY_TIME_LEN];
    memset(small, 'x', sizeof small);
    assert_int_equal(aj_query_format_time_ns(0, small, sizeof small), AJ_ETOOBIG);
    assert_int_equal(small[0], '\0');
}

static void test_csv(void **state) {
    (void)state;
    aj_point pts[] = {
        pt(-1, -2.5),
        pt_q(1764000000123456789LL, 0.1, AJ_QUALITY_UNCERTAIN, AJ_QR_STALE),
        pt_q(-1500000000, NAN, AJ_QUALITY_BAD, 0),
        pt(0, 1.0 / 3),
        pt(1, 100),
        pt(2, -0.0),
        pt(3, 1e21),
        pt(4, -INFINITY),
        pt(5, -2.2250738585072014e-308),
    };
    const char *want = "time,value,quality\r\n"
                       "1969-12-31T23:59:59.999999999Z,-2.5,good\r\n"
                       "2025-11-24T16:00:00.123456789Z,0.1,uncertain\r\n"
                       "1969-12-31T23:59:58.500000000Z,NaN,bad\r\n"
                       "1970-01-01T00:00:00.000000000Z,0.3333333333333333,good\r\n"
                       "1970-01-01T00:00:00.000000001Z,100,good\r\n"
                       "1970-01-01T00:00:00.000000002Z,-0,good\r\n"
                       "1970-01-01T00:00:00.000000003Z,1e+21,good\r\n"
                       "1970-01-01T00:00:00.000000004Z,-inf,good\r\n"
                       "1970-01-01T00:00:00.000000005Z,-2.2250738585072014e-308,good\r\n";
    size_t n = sizeof pts / sizeof pts[0];
    char buf[20 + 9 * AJ_QUERY_CSV_ROW_MAX];
    size_t len, n_rows;
    assert_int_equal(aj_query_csv(pts, n, true, buf, sizeof buf, &len, &n_rows), AJ_OK);
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(n_rows, n);
    /* Exactly enough, then one byte short: whole rows only, an error. */
    assert_int_equal(aj_query_csv(pts, n, true, buf, strlen(want) + 1, &len, &n_rows), AJ_OK);
    assert_int_equal(aj_query_csv(pts, n, true, buf, strlen(want), &len, &n_rows), AJ_ETOOBIG);
    assert_int_equal(n_rows, n - 1);
    assert_int_equal(len, strlen(buf));
    assert_true(strncmp(buf, want, len) == 0);
    assert_int_equal(aj_query_csv(pts, n, true, buf, 10, &len, &n_rows), AJ_ETOOBIG);
    assert_int_equal(n_rows, 0);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    /* Streaming with a small fixed buffer reproduces the whole text. */
    char all[sizeof buf] = "", piece[100];
    size_t done = 0;
    bool is_first = true;
    for (int guard = 0; done < n; guard++) {
        assert_true(guard < 20);
        aj_err err = aj_query_csv(pts + done, n - done, is_first, piece, sizeof piece, &len, &n_rows);
        assert_true(err == AJ_OK || (err == AJ_ETOOBIG && n_rows > 0));
        strcat(all, piece);
        done += n_rows;
        is_first = false;
    }
    assert_string_equal(all, want);
    /* No points: the header alone. Bad arguments. */
    assert_int_equal(aj_query_csv(NULL, 0, true, buf, sizeof buf, &len, &n_rows), AJ_OK);
    assert_string_equal(buf, AJ_QUERY_CSV_HEADER);
    assert_int_equal(aj_query_csv(pts, n, true, buf, 0, &len, &n_rows), AJ_EINVAL);
    assert_int_equal(aj_query_csv(pts, n, true, NULL, 10, &len, &n_rows), AJ_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_at_continuous),
        cmocka_unit_test(test_value_at_step),
        cmocka_unit_test(test_agg_ramp),
        cmocka_unit_test(test_agg_ramp_midpoint),
        cmocka_unit_test(test_agg_step),
        cmocka_unit_test(test_agg_gap),
        cmocka_unit_test(test_agg_bad_point),
        cmocka_unit_test(test_agg_prior_only),
        cmocka_unit_test(test_agg_bounds),
        cmocka_unit_test(test_agg_stream_and_split),
        cmocka_unit_test(test_trend_spike),
        cmocka_unit_test(test_trend_edges),
        cmocka_unit_test(test_trend_speed),
        cmocka_unit_test(test_format_time),
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
