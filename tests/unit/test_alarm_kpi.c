/* test_alarm_kpi.c — alarm performance KPIs (src/engine/alarm_kpi.c).
 *
 * Hand-built activation logs with exact expected numbers: the empty window, a steady one
 * alarm per 10 minutes, flood at 11 vs 10 alarms, the peak period, bad actors with ties
 * and with fewer than ten alarms, chattering at exactly 60 s vs 60 s + 1 ns, stale at
 * exactly 24 h vs 24 h + 1 ns, priority shares (diagnostic kept out of the load), partial
 * first and last periods, the longest window, and refused arguments. Inputs are given out
 * of order on purpose: the module must not rely on the caller sorting.
 */
#include "engine/alarm_kpi.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SEC   1000000000LL
#define MIN   (60 * SEC)
#define HOUR  (60 * MIN)
#define T0    (1704067200LL * SEC) /* 2024-01-01T00:00:00Z, on every period boundary */
#define N_MAX 256

static aj_kpi_result R; /* ~24 KB: not on the stack */
static aj_kpi_activation A[N_MAX];
static size_t N;

static void reset(void) {
    memset(A, 0, sizeof A);
    N = 0;
}

static void act(int64_t id, int64_t t_ns, aj_alarm_priority p) {
    assert_true(N < N_MAX);
    A[N++] = (aj_kpi_activation){.alarm_id = id, .t_ns = t_ns, .priority = p};
}

/* reverse the log so that the module sees it out of order */
static void reverse(void) {
    for (size_t i = 0; i < N / 2; i++) {
        aj_kpi_activation tmp = A[i];
        A[i] = A[N - 1 - i];
        A[N - 1 - i] = tmp;
    }
}

static void compute_ok(int64_t from_ns, int64_t to_ns, const aj_kpi_standing *st, size_t n_st) {
    assert_int_equal(aj_kpi_compute(from_ns, to_ns, N ? A : NULL, N, st, n_st, &R), AJ_OK);
}

static void assert_dbl(double got, double want) {
    if (fabs(got - want) > 1e-12) fail_msg("got %.17g, want %.17g", got, want);
}

/* ---- cases --------------------------------------------------------------------------- */

static void test_empty_window(void **state) {
    reset();
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.from_ns, T0);
    assert_int_equal(R.to_ns, T0 + HOUR);
    assert_int_equal(R.load.n_alarms, 0);
    assert_dbl(R.load.per_hour, 0.0);
    assert_dbl(R.load.per_10min, 0.0);
    assert_int_equal(R.load.verdict_per_hour, AJ_KPI_OK);
    assert_int_equal(R.load.verdict_per_10min, AJ_KPI_OK);
    assert_int_equal(R.series_10min.start_ns, T0);
    assert_int_equal(R.series_10min.n, 6);
    for (size_t i = 0; i < 6; i++) assert_int_equal(R.series_10min.count[i], 0);
    assert_int_equal(R.series_hour.start_ns, T0);
    assert_int_equal(R.series_hour.n, 1);
    assert_int_equal(R.flood.n_complete_periods, 6);
    assert_int_equal(R.flood.n_flood_periods, 0);
    assert_dbl(R.flood.share, 0.0);
    assert_int_equal(R.flood.verdict, AJ_KPI_OK);
    assert_int_equal(R.flood.peak_count, 0);
    assert_int_equal(R.flood.peak_start_ns, T0);
    assert_int_equal(R.flood.verdict_peak, AJ_KPI_OK);
    assert_int_equal(R.flood.n_complete_hours, 1);
    assert_int_equal(R.flood.verdict_busy_hours, AJ_KPI_OK);
    assert_int_equal(R.bad_actors.n_distinct, 0);
    assert_int_equal(R.bad_actors.n, 0);
    assert_int_equal(R.bad_actors.verdict, AJ_KPI_NO_DATA);
    assert_int_equal(R.chattering.n_chattering, 0);
    assert_int_equal(R.chattering.verdict, AJ_KPI_OK);
    assert_int_equal(R.stale.n_stale, 0);
    assert_int_equal(R.stale.verdict, AJ_KPI_OK);
    assert_int_equal(R.priority.verdict, AJ_KPI_NO_DATA);
}

static void test_one_per_10min_is_6_per_hour(void **state) {
    reset();
    for (int i = 0; i < 6; i++) act(100 + i, T0 + i * 10 * MIN + 5 * MIN, AJ_PRIO_LOW);
    reverse();
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.load.n_alarms, 6);
    assert_dbl(R.load.per_hour, 6.0);
    assert_dbl(R.load.per_10min, 1.0);
    assert_int_equal(R.load.verdict_per_hour, AJ_KPI_OK);
    assert_int_equal(R.load.verdict_per_10min, AJ_KPI_OK);
    for (size_t i = 0; i < 6; i++) assert_int_equal(R.series_10min.count[i], 1);
    assert_int_equal(R.series_hour.count[0], 6);
    assert_int_equal(R.flood.peak_count, 1);
    assert_int_equal(R.flood.peak_start_ns, T0);
    assert_int_equal(R.bad_actors.n_distinct, 6);
    assert_int_equal(R.bad_actors.n, 6);
    assert_dbl(R.bad_actors.share, 1.0);
    assert_int_equal(R.bad_actors.verdict, AJ_KPI_BAD);
    assert_int_equal(R.priority.n[AJ_PRIO_LOW], 6);
    assert_dbl(R.priority.share[AJ_PRIO_LOW], 1.0);
    assert_int_equal(R.priority.verdict, AJ_KPI_OK);
}

static void test_rate_verdict_bands(void **state) {
    /* 12 per hour: maximum manageable (WARN); 13: BAD. Distinct ids, 5 min apart. */
    reset();
    for (int i = 0; i < 12; i++) act(i + 1, T0 + i * 5 * MIN, AJ_PRIO_LOW);
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_dbl(R.load.per_hour, 12.0);
    assert_dbl(R.load.per_10min, 2.0);
    assert_int_equal(R.load.verdict_per_hour, AJ_KPI_WARN);
    assert_int_equal(R.load.verdict_per_10min, AJ_KPI_WARN);
    act(99, T0 + 59 * MIN, AJ_PRIO_LOW);
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.load.verdict_per_hour, AJ_KPI_BAD);
    assert_int_equal(R.load.verdict_per_10min, AJ_KPI_BAD);
}

static void test_flood_11_vs_10(void **state) {
    reset();
    /* period 0: 11 alarms (flood); period 1: exactly 10 (not a flood). Distinct ids. */
    for (int i = 0; i < 11; i++) act(1000 + i, T0 + i * 50 * SEC, AJ_PRIO_LOW);
    for (int i = 0; i < 10; i++) act(2000 + i, T0 + 10 * MIN + i * 50 * SEC, AJ_PRIO_LOW);
    reverse();
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.series_10min.count[0], 11);
    assert_int_equal(R.series_10min.count[1], 10);
    assert_int_equal(R.flood.n_complete_periods, 6);
    assert_int_equal(R.flood.n_flood_periods, 1);
    assert_dbl(R.flood.share, 1.0 / 6.0);
    assert_int_equal(R.flood.verdict, AJ_KPI_BAD);
    assert_int_equal(R.flood.peak_count, 11);
    assert_int_equal(R.flood.peak_start_ns, T0);
    assert_int_equal(R.flood.verdict_peak, AJ_KPI_WARN);
    assert_int_equal(R.chattering.n_chattering, 0);
    /* 21 in the hour: not a busy hour (> 30) */
    assert_int_equal(R.flood.n_busy_hours, 0);
    assert_int_equal(R.flood.verdict_busy_hours, AJ_KPI_OK);
}

static void test_peak_earliest_of_equal_periods(void **state) {
    reset();
    for (int i = 0; i < 10; i++) act(1 + i, T0 + 40 * MIN + i * SEC, AJ_PRIO_LOW);
    for (int i = 0; i < 10; i++) act(101 + i, T0 + 20 * MIN + i * SEC, AJ_PRIO_LOW);
    for (int i = 0; i < 3; i++) act(201 + i, T0 + 50 * MIN + i * SEC, AJ_PRIO_LOW);
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.flood.peak_count, 10);
    assert_int_equal(R.flood.peak_start_ns, T0 + 20 * MIN);
    assert_int_equal(R.flood.verdict_peak, AJ_KPI_OK);
    assert_int_equal(R.flood.n_flood_periods, 0);
    assert_int_equal(R.flood.verdict, AJ_KPI_OK);
}

static void test_busy_hours(void **state) {
    reset();
    /* hour 0: 31 alarms (busy), hour 1: 30 (not) */
    for (int i = 0; i < 31; i++) act(i + 1, T0 + i * MIN, AJ_PRIO_LOW);
    for (int i = 0; i < 30; i++) act(i + 101, T0 + HOUR + i * MIN, AJ_PRIO_LOW);
    compute_ok(T0, T0 + 2 * HOUR, NULL, 0);
    assert_int_equal(R.series_hour.n, 2);
    assert_int_equal(R.series_hour.count[0], 31);
    assert_int_equal(R.series_hour.count[1], 30);
    assert_int_equal(R.flood.n_complete_hours, 2);
    assert_int_equal(R.flood.n_busy_hours, 1);
    assert_dbl(R.flood.busy_hour_share, 0.5);
    assert_int_equal(R.flood.verdict_busy_hours, AJ_KPI_BAD);
}

static void test_top10_with_ties(void **state) {
    reset();
    /* ids 1..12 once each; 3 and 5 twice more (3 each), 9 once more (2). Activations of
     * the same alarm are 2 min apart: no chattering. */
    for (int id = 1; id <= 12; id++) act(id, T0 + id * MIN, AJ_PRIO_LOW);
    act(5, T0 + 20 * MIN, AJ_PRIO_LOW);
    act(5, T0 + 22 * MIN, AJ_PRIO_HIGH);
    act(3, T0 + 24 * MIN, AJ_PRIO_LOW);
    act(3, T0 + 26 * MIN, AJ_PRIO_LOW);
    act(9, T0 + 28 * MIN, AJ_PRIO_LOW);
    reverse();
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.load.n_alarms, 17);
    assert_int_equal(R.bad_actors.n_distinct, 12);
    assert_int_equal(R.bad_actors.n, 10);
    const int64_t want_id[10] = {3, 5, 9, 1, 2, 4, 6, 7, 8, 10};
    const uint32_t want_n[10] = {3, 3, 2, 1, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 10; i++) {
        assert_int_equal(R.bad_actors.top[i].alarm_id, want_id[i]);
        assert_int_equal(R.bad_actors.top[i].n_activations, want_n[i]);
        assert_dbl(R.bad_actors.top[i].share, want_n[i] / 17.0);
    }
    /* priority of a bad actor: that of its latest activation */
    assert_int_equal(R.bad_actors.top[1].priority, AJ_PRIO_HIGH);
    assert_dbl(R.bad_actors.share, 15.0 / 17.0);
    assert_int_equal(R.bad_actors.verdict, AJ_KPI_BAD);
    assert_int_equal(R.chattering.n_chattering, 0);
}

static void test_top10_fewer_than_10(void **state) {
    reset();
    act(7, T0 + 1 * MIN, AJ_PRIO_LOW);
    act(7, T0 + 3 * MIN, AJ_PRIO_LOW);
    act(2, T0 + 5 * MIN, AJ_PRIO_LOW);
    act(4, T0 + 7 * MIN, AJ_PRIO_LOW);
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.bad_actors.n_distinct, 3);
    assert_int_equal(R.bad_actors.n, 3);
    assert_int_equal(R.bad_actors.top[0].alarm_id, 7);
    assert_int_equal(R.bad_actors.top[0].n_activations, 2);
    assert_dbl(R.bad_actors.top[0].share, 0.5);
    assert_int_equal(R.bad_actors.top[1].alarm_id, 2);
    assert_int_equal(R.bad_actors.top[2].alarm_id, 4);
    assert_dbl(R.bad_actors.share, 1.0);
}

static void test_chattering_60s_inclusive(void **state) {
    reset();
    int64_t t = T0 + 10 * MIN;
    /* alarm 1: 3 activations spanning exactly 60 s: chatters (alarm.h counts activations
     * at or after now - window) */
    act(1, t, AJ_PRIO_LOW);
    act(1, t + 30 * SEC, AJ_PRIO_LOW);
    act(1, t + 60 * SEC, AJ_PRIO_LOW);
    /* alarm 2: spanning 60 s + 1 ns: does not */
    act(2, t, AJ_PRIO_LOW);
    act(2, t + 30 * SEC, AJ_PRIO_LOW);
    act(2, t + 60 * SEC + 1, AJ_PRIO_LOW);
    /* alarm 3: one activation before the window: judged only inside the window, not */
    act(3, T0 - 10 * SEC, AJ_PRIO_LOW);
    act(3, T0 + 10 * SEC, AJ_PRIO_LOW);
    act(3, T0 + 20 * SEC, AJ_PRIO_LOW);
    /* alarm 4: 5 activations, the last three within 60 s: chatters, listed first */
    act(4, t, AJ_PRIO_HIGH);
    act(4, t + 2 * MIN, AJ_PRIO_HIGH);
    act(4, t + 4 * MIN, AJ_PRIO_HIGH);
    act(4, t + 4 * MIN + 20 * SEC, AJ_PRIO_HIGH);
    act(4, t + 4 * MIN + 40 * SEC, AJ_PRIO_HIGH);
    /* alarm 5: diagnostic chattering is not operator load */
    for (int i = 0; i < 3; i++) act(5, t + i * SEC, AJ_PRIO_DIAGNOSTIC);
    reverse();
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.load.n_alarms, 13);
    assert_int_equal(R.priority.n[AJ_PRIO_DIAGNOSTIC], 3);
    assert_int_equal(R.chattering.n_chattering, 2);
    assert_int_equal(R.chattering.n, 2);
    assert_int_equal(R.chattering.list[0].alarm_id, 4);
    assert_int_equal(R.chattering.list[0].n_activations, 5);
    assert_int_equal(R.chattering.list[1].alarm_id, 1);
    assert_int_equal(R.chattering.list[1].n_activations, 3);
    assert_dbl(R.chattering.list[1].share, 3.0 / 13.0);
    assert_int_equal(R.chattering.verdict, AJ_KPI_WARN);
}

static void test_chattering_list_bounded(void **state) {
    /* 60 chattering alarms of 3 activations: all counted, 50 listed, smallest ids first */
    static aj_kpi_activation big[180];
    for (int id = 0; id < 60; id++)
        for (int k = 0; k < 3; k++)
            big[id * 3 + k] = (aj_kpi_activation){
                .alarm_id = 60 - id, .t_ns = T0 + id * MIN + k * SEC, .priority = AJ_PRIO_LOW};
    assert_int_equal(aj_kpi_compute(T0, T0 + 2 * HOUR, big, 180, NULL, 0, &R), AJ_OK);
    assert_int_equal(R.chattering.n_chattering, 60);
    assert_int_equal(R.chattering.n, AJ_KPI_CHATTER_LIST);
    for (int i = 0; i < AJ_KPI_CHATTER_LIST; i++) assert_int_equal(R.chattering.list[i].alarm_id, i + 1);
    assert_int_equal(R.chattering.verdict, AJ_KPI_BAD);
}

static void test_stale_24h_strict(void **state) {
    reset();
    int64_t to = T0 + 48 * HOUR;
    const aj_kpi_standing st[] = {
        {.alarm_id = 1, .active_since_ns = to - 24 * HOUR, .priority = AJ_PRIO_LOW},     /* exactly 24 h */
        {.alarm_id = 2, .active_since_ns = to - 24 * HOUR - 1, .priority = AJ_PRIO_LOW}, /* 24 h + 1 ns */
        {.alarm_id = 3, .active_since_ns = to - 48 * HOUR, .priority = AJ_PRIO_HIGH},
        {.alarm_id = 4, .active_since_ns = to - 48 * HOUR, .priority = AJ_PRIO_DIAGNOSTIC},
        {.alarm_id = 5, .active_since_ns = to, .priority = AJ_PRIO_LOW}, /* just became active */
    };
    compute_ok(to - HOUR, to, st, 5);
    assert_int_equal(R.stale.n_stale, 2);
    assert_int_equal(R.stale.n, 2);
    assert_int_equal(R.stale.list[0].alarm_id, 3);
    assert_int_equal(R.stale.list[0].active_ns, 48 * HOUR);
    assert_int_equal(R.stale.list[0].active_since_ns, to - 48 * HOUR);
    assert_int_equal(R.stale.list[0].priority, AJ_PRIO_HIGH);
    assert_int_equal(R.stale.list[1].alarm_id, 2);
    assert_int_equal(R.stale.list[1].active_ns, 24 * HOUR + 1);
    assert_int_equal(R.stale.verdict, AJ_KPI_OK);

    /* 5 stale: WARN; 10: BAD */
    aj_kpi_standing many[10];
    for (int i = 0; i < 10; i++)
        many[i] = (aj_kpi_standing){.alarm_id = i + 1, .active_since_ns = T0, .priority = AJ_PRIO_LOW};
    compute_ok(to - HOUR, to, many, 5);
    assert_int_equal(R.stale.verdict, AJ_KPI_WARN);
    compute_ok(to - HOUR, to, many, 10);
    assert_int_equal(R.stale.n_stale, 10);
    assert_int_equal(R.stale.verdict, AJ_KPI_BAD);
}

static void test_priority_shares(void **state) {
    reset();
    /* 20 operator alarms, 80/15/5 low/medium/high, and 5 diagnostic ones */
    int id = 1;
    for (int i = 0; i < 16; i++) act(id++, T0 + i * MIN, AJ_PRIO_LOW);
    for (int i = 0; i < 3; i++) act(id++, T0 + (20 + i) * MIN, AJ_PRIO_MEDIUM);
    act(id++, T0 + 30 * MIN, AJ_PRIO_HIGH);
    for (int i = 0; i < 5; i++) act(id++, T0 + (40 + i) * MIN, AJ_PRIO_DIAGNOSTIC);
    reverse();
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_int_equal(R.load.n_alarms, 20);
    assert_dbl(R.load.per_hour, 20.0); /* diagnostic not in the load */
    assert_int_equal(R.series_hour.count[0], 20);
    assert_int_equal(R.bad_actors.n_distinct, 20);
    assert_int_equal(R.priority.n[AJ_PRIO_EMERGENCY], 0);
    assert_int_equal(R.priority.n[AJ_PRIO_HIGH], 1);
    assert_int_equal(R.priority.n[AJ_PRIO_MEDIUM], 3);
    assert_int_equal(R.priority.n[AJ_PRIO_LOW], 16);
    assert_int_equal(R.priority.n[AJ_PRIO_DIAGNOSTIC], 5);
    assert_dbl(R.priority.share[AJ_PRIO_EMERGENCY], 0.0);
    assert_dbl(R.priority.share[AJ_PRIO_HIGH], 0.05);
    assert_dbl(R.priority.share[AJ_PRIO_MEDIUM], 0.15);
    assert_dbl(R.priority.share[AJ_PRIO_LOW], 0.80);
    assert_dbl(R.priority.share[AJ_PRIO_DIAGNOSTIC], 0.0);
    assert_int_equal(R.priority.verdict, AJ_KPI_OK);

    /* one low becomes emergency: 5 % emergency (> 2 × 1 %) → BAD */
    for (size_t i = 0; i < N; i++)
        if (A[i].priority == AJ_PRIO_LOW) {
            A[i].priority = AJ_PRIO_EMERGENCY;
            break;
        }
    compute_ok(T0, T0 + HOUR, NULL, 0);
    assert_dbl(R.priority.share[AJ_PRIO_EMERGENCY], 0.05);
    assert_int_equal(R.priority.verdict, AJ_KPI_BAD);
}

static void test_partial_periods(void **state) {
    reset();
    int64_t from = T0 + 5 * MIN, to = T0 + 65 * MIN;
    act(1, from - 1, AJ_PRIO_LOW); /* before the window: ignored */
    act(2, to, AJ_PRIO_LOW);       /* at to: outside [from, to) */
    act(3, to - 1, AJ_PRIO_LOW);   /* last, partial period */
    /* 11 alarms in the partial first period [from, T0 + 10 min): the peak, not a flood */
    for (int i = 0; i < 11; i++) act(10 + i, from + i * 20 * SEC, AJ_PRIO_LOW);
    reverse();
    compute_ok(from, to, NULL, 0);
    assert_int_equal(R.load.n_alarms, 12);
    assert_dbl(R.load.per_hour, 12.0);
    assert_int_equal(R.series_10min.start_ns, T0);
    assert_int_equal(R.series_10min.n, 7);
    assert_int_equal(R.series_10min.count[0], 11);
    assert_int_equal(R.series_10min.count[6], 1);
    assert_int_equal(R.series_hour.start_ns, T0);
    assert_int_equal(R.series_hour.n, 2);
    assert_int_equal(R.series_hour.count[0], 11);
    assert_int_equal(R.series_hour.count[1], 1);
    assert_int_equal(R.flood.n_complete_periods, 5); /* T0+10 .. T0+50 min */
    assert_int_equal(R.flood.n_flood_periods, 0);
    assert_int_equal(R.flood.verdict, AJ_KPI_OK);
    assert_int_equal(R.flood.peak_count, 11);
    assert_int_equal(R.flood.peak_start_ns, T0);
    assert_int_equal(R.flood.n_complete_hours, 0);
    assert_int_equal(R.flood.verdict_busy_hours, AJ_KPI_NO_DATA);

    /* a 5-minute window inside one period: no complete period at all */
    compute_ok(T0 + 1 * MIN, T0 + 6 * MIN, NULL, 0);
    assert_int_equal(R.series_10min.n, 1);
    assert_int_equal(R.flood.n_complete_periods, 0);
    assert_int_equal(R.flood.verdict, AJ_KPI_NO_DATA);
}

static void test_longest_window(void **state) {
    reset();
    int64_t from = T0 + 1; /* not aligned: one more period than whole ones */
    int64_t to = from + AJ_KPI_WINDOW_MAX_NS;
    act(1, from, AJ_PRIO_LOW);
    act(2, to - 1, AJ_PRIO_LOW);
    compute_ok(from, to, NULL, 0);
    assert_int_equal(R.series_10min.n, AJ_KPI_SERIES_10MIN_MAX);
    assert_int_equal(R.series_hour.n, AJ_KPI_SERIES_HOUR_MAX);
    assert_int_equal(R.series_10min.count[0], 1);
    assert_int_equal(R.series_10min.count[AJ_KPI_SERIES_10MIN_MAX - 1], 1);
    assert_int_equal(R.series_hour.count[AJ_KPI_SERIES_HOUR_MAX - 1], 1);
    assert_int_equal(R.flood.n_complete_periods, AJ_KPI_SERIES_10MIN_MAX - 2);
    assert_int_equal(aj_kpi_compute(from, to + 1, A, N, NULL, 0, &R), AJ_EINVAL);
}

static void test_bad_arguments(void **state) {
    reset();
    act(1, T0, AJ_PRIO_LOW);
    assert_int_equal(aj_kpi_compute(T0, T0, A, N, NULL, 0, &R), AJ_EINVAL);
    assert_int_equal(aj_kpi_compute(T0, T0 - 1, A, N, NULL, 0, &R), AJ_EINVAL);
    assert_int_equal(aj_kpi_compute(-1, T0, A, N, NULL, 0, &R), AJ_EINVAL);
    assert_int_equal(aj_kpi_compute(T0, T0 + AJ_KPI_WINDOW_MAX_NS + 1, A, N, NULL, 0, &R), AJ_EINVAL);
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, NULL, 1, NULL, 0, &R), AJ_EINVAL);
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, A, N, NULL, 1, &R), AJ_EINVAL);
    A[0].priority = AJ_PRIO_COUNT;
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, A, N, NULL, 0, &R), AJ_EINVAL);
    A[0].priority = AJ_PRIO_LOW;
    A[0].t_ns = -1;
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, A, N, NULL, 0, &R), AJ_EINVAL);
    A[0].t_ns = T0;
    aj_kpi_standing st = {.alarm_id = 1, .active_since_ns = T0 + HOUR + 1, .priority = AJ_PRIO_LOW};
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, A, N, &st, 1, &R), AJ_EINVAL);
    st.active_since_ns = -1;
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, A, N, &st, 1, &R), AJ_EINVAL);
    /* the result is all zero after an error */
    static const aj_kpi_result zero;
    assert_memory_equal(&R, &zero, sizeof R);
}

static void test_too_many_activations(void **state) {
    size_t n = AJ_KPI_ACTIVATIONS_MAX + 1u;
    aj_kpi_activation *big = calloc(n, sizeof *big); /* all at t = 0: outside the window */
    assert_non_null(big);
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, big, n, NULL, 0, &R), AJ_ETOOBIG);
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, big, n - 1, NULL, 0, &R), AJ_OK);
    assert_int_equal(R.load.n_alarms, 0);
    free(big);
    aj_kpi_standing st = {0};
    assert_int_equal(aj_kpi_compute(T0, T0 + HOUR, NULL, 0, &st, AJ_KPI_STANDING_MAX + 1u, &R), AJ_ETOOBIG);
}

static void test_verdict_names(void **state) {
    assert_string_equal(aj_kpi_verdict_name(AJ_KPI_NO_DATA), "no_data");
    assert_string_equal(aj_kpi_verdict_name(AJ_KPI_OK), "ok");
    assert_string_equal(aj_kpi_verdict_name(AJ_KPI_WARN), "warn");
    assert_string_equal(aj_kpi_verdict_name(AJ_KPI_BAD), "bad");
    assert_string_equal(aj_kpi_verdict_name(AJ_KPI_VERDICT_COUNT), "invalid");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_window),
        cmocka_unit_test(test_one_per_10min_is_6_per_hour),
        cmocka_unit_test(test_rate_verdict_bands),
        cmocka_unit_test(test_flood_11_vs_10),
        cmocka_unit_test(test_peak_earliest_of_equal_periods),
        cmocka_unit_test(test_busy_hours),
        cmocka_unit_test(test_top10_with_ties),
        cmocka_unit_test(test_top10_fewer_than_10),
        cmocka_unit_test(test_chattering_60s_inclusive),
        cmocka_unit_test(test_chattering_list_bounded),
        cmocka_unit_test(test_stale_24h_strict),
        cmocka_unit_test(test_priority_shares),
        cmocka_unit_test(test_partial_periods),
        cmocka_unit_test(test_longest_window),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_too_many_activations),
        cmocka_unit_test(test_verdict_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
