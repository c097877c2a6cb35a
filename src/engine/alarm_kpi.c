/* alarm_kpi.c — alarm system performance KPIs (ISA-18.2 / EEMUA 191) of one console.
 *
 * One call, four passes, no state between calls:
 *   1. check the arguments and every input row (nothing is computed from bad input);
 *   2. one pass over the activations: the per-priority counts, the operator load and the
 *      10-minute / hourly series (index = (t - aligned start) / period);
 *   3. a sorted private copy of the in-window operator activations, by (alarm_id, t_ns),
 *      walked one alarm (one run of equal ids) at a time: its count feeds the bad-actor
 *      list, its sorted times the chattering test (any AJ_ALARM_CHATTER_COUNT consecutive
 *      activations spanning <= AJ_ALARM_CHATTER_WINDOW_NS, inclusive like alarm.c);
 *   4. flood, busy hours and the peak from the series; stale from the standing list;
 *      shares and verdicts last.
 * Bounded lists (top 10, chattering, stale) are kept sorted by insertion: each row offered
 * goes in at its rank and the last row falls off, so memory is fixed by the result struct.
 *
 * Invariants: the copy holds exactly out->load.n_alarms rows, is freed before return; the
 * lists are sorted by their documented order (asserted by list_ok()); every series index
 * is below its AJ_KPI_SERIES_*_MAX because the window is at most AJ_KPI_WINDOW_MAX_NS.
 * Conventions are explained in docs/alarm-kpi.md.
 */
#include "engine/alarm_kpi.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const VERDICT_NAMES[AJ_KPI_VERDICT_COUNT] = {"no_data", "ok", "warn", "bad"};

const char *aj_kpi_verdict_name(aj_kpi_verdict v) {
    return (v >= 0 && v < AJ_KPI_VERDICT_COUNT) ? VERDICT_NAMES[v] : "invalid";
}

/* ---- helpers ------------------------------------------------------------------------- */

static bool is_priority_ok(aj_alarm_priority p) {
    return p >= 0 && p < AJ_PRIO_COUNT;
}
static bool is_operator_priority(aj_alarm_priority p) {
    return p != AJ_PRIO_DIAGNOSTIC;
}

/* OK at or below target, WARN up to warn_max, BAD beyond. */
static aj_kpi_verdict verdict_at_most(double value, double target, double warn_max) {
    if (value <= target) return AJ_KPI_OK;
    if (value <= warn_max) return AJ_KPI_WARN;
    return AJ_KPI_BAD;
}

static aj_kpi_verdict verdict_worst(aj_kpi_verdict a, aj_kpi_verdict b) {
    return a > b ? a : b;
}

static double share_of(uint64_t part, uint64_t whole) {
    return whole == 0 ? 0.0 : (double)part / (double)whole;
}

static int cmp_activation(const void *pa, const void *pb) {
    const aj_kpi_activation *a = pa, *b = pb;
    if (a->alarm_id != b->alarm_id) return a->alarm_id < b->alarm_id ? -1 : 1;
    if (a->t_ns != b->t_ns) return a->t_ns < b->t_ns ? -1 : 1;
    /* same alarm, same instant: order by priority only so that the result is deterministic */
    return (a->priority > b->priority) - (a->priority < b->priority);
}

/* ---- bounded sorted lists ------------------------------------------------------------ */

/* a ranks before b: more activations first, then the smaller alarm id */
static bool count_ranks_before(const aj_kpi_alarm_count *a, const aj_kpi_alarm_count *b) {
    if (a->n_activations != b->n_activations) return a->n_activations > b->n_activations;
    return a->alarm_id < b->alarm_id;
}

#ifndef NDEBUG /* used by assert() only */
static bool count_list_ok(const aj_kpi_alarm_count *list, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (!count_ranks_before(&list[i - 1], &list[i])) return false;
    return true;
}
#endif

/* Inserts row at its rank in list[0..*n) (capacity cap); the last row drops out when full. */
static void count_list_offer(aj_kpi_alarm_count *list, size_t *n, size_t cap, const aj_kpi_alarm_count *row) {
    size_t at = *n;
    while (at > 0 && count_ranks_before(row, &list[at - 1])) at--;
    if (at >= cap) return;
    size_t n_keep = (*n < cap) ? *n : cap - 1;
    memmove(&list[at + 1], &list[at], (n_keep - at) * sizeof *list);
    list[at] = *row;
    if (*n < cap) (*n)++;
    assert(count_list_ok(list, *n));
}

/* a ranks before b: active longer first, then the smaller alarm id */
static bool stale_ranks_before(const aj_kpi_stale_alarm *a, const aj_kpi_stale_alarm *b) {
    if (a->active_ns != b->active_ns) return a->active_ns > b->active_ns;
    return a->alarm_id < b->alarm_id;
}

#ifndef NDEBUG /* used by assert() only */
static bool stale_list_ok(const aj_kpi_stale_alarm *list, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (!stale_ranks_before(&list[i - 1], &list[i])) return false;
    return true;
}
#endif

static void stale_list_offer(aj_kpi_stale_alarm *list, size_t *n, size_t cap, const aj_kpi_stale_alarm *row) {
    size_t at = *n;
    while (at > 0 && stale_ranks_before(row, &list[at - 1])) at--;
    if (at >= cap) return;
    size_t n_keep = (*n < cap) ? *n : cap - 1;
    memmove(&list[at + 1], &list[at], (n_keep - at) * sizeof *list);
    list[at] = *row;
    if (*n < cap) (*n)++;
    assert(stale_list_ok(list, *n));
}

/* ---- pass 1: arguments --------------------------------------------------------------- */

static aj_err check_args(int64_t from_ns, int64_t to_ns, const aj_kpi_activation *acts, size_t n_acts,
                         const aj_kpi_standing *standing, size_t n_standing) {
    if (from_ns < 0 || to_ns <= from_ns || to_ns - from_ns > AJ_KPI_WINDOW_MAX_NS) return AJ_EINVAL;
    if ((acts == NULL && n_acts > 0) || (standing == NULL && n_standing > 0)) return AJ_EINVAL;
    if (n_acts > AJ_KPI_ACTIVATIONS_MAX || n_standing > AJ_KPI_STANDING_MAX) return AJ_ETOOBIG;
    for (size_t i = 0; i < n_acts; i++)
        if (acts[i].t_ns < 0 || !is_priority_ok(acts[i].priority)) return AJ_EINVAL;
    for (size_t i = 0; i < n_standing; i++) {
        const aj_kpi_standing *s = &standing[i];
        if (s->active_since_ns < 0 || s->active_since_ns > to_ns || !is_priority_ok(s->priority))
            return AJ_EINVAL;
    }
    return AJ_OK;
}

/* ---- pass 2: load and series --------------------------------------------------------- */

static void count_load(const aj_kpi_activation *acts, size_t n_acts, aj_kpi_result *out) {
    aj_kpi_series_10min *s10 = &out->series_10min;
    aj_kpi_series_hour *sh = &out->series_hour;
    for (size_t i = 0; i < n_acts; i++) {
        const aj_kpi_activation *a = &acts[i];
        if (a->t_ns < out->from_ns || a->t_ns >= out->to_ns) continue;
        out->priority.n[a->priority]++;
        if (!is_operator_priority(a->priority)) continue;
        out->load.n_alarms++;
        size_t i10 = (size_t)((a->t_ns - s10->start_ns) / AJ_KPI_10MIN_NS);
        size_t ih = (size_t)((a->t_ns - sh->start_ns) / AJ_KPI_HOUR_NS);
        assert(i10 < s10->n && ih < sh->n);
        s10->count[i10]++;
        sh->count[ih]++;
    }
    double window_ns = (double)(out->to_ns - out->from_ns);
    out->load.per_hour = (double)out->load.n_alarms * (double)AJ_KPI_HOUR_NS / window_ns;
    out->load.per_10min = (double)out->load.n_alarms * (double)AJ_KPI_10MIN_NS / window_ns;
    out->load.verdict_per_hour =
        verdict_at_most(out->load.per_hour, AJ_KPI_TARGET_PER_HOUR, AJ_KPI_TARGET_PER_HOUR_MAX);
    out->load.verdict_per_10min =
        verdict_at_most(out->load.per_10min, AJ_KPI_TARGET_PER_10MIN, AJ_KPI_TARGET_PER_10MIN_MAX);
}

/* Number of periods of length period_ns, aligned to multiples of it, that meet [from, to). */
static size_t periods_touched(int64_t from_ns, int64_t to_ns, int64_t period_ns, int64_t *start_ns) {
    *start_ns = from_ns / period_ns * period_ns;
    int64_t last_start_ns = (to_ns - 1) / period_ns * period_ns;
    return (size_t)((last_start_ns - *start_ns) / period_ns) + 1u;
}

/* ---- pass 3: per alarm (bad actors, chattering) -------------------------------------- */

/* times[0..n) ascending: some AJ_ALARM_CHATTER_COUNT of them lie within the window
 * (inclusive: the last minus the first <= AJ_ALARM_CHATTER_WINDOW_NS). */
static bool is_chattering(const aj_kpi_activation *run, size_t n) {
    const size_t k = AJ_ALARM_CHATTER_COUNT;
    for (size_t i = 0; i + k - 1 < n; i++)
        if (run[i + k - 1].t_ns - run[i].t_ns <= AJ_ALARM_CHATTER_WINDOW_NS) return true;
    return false;
}

static void judge_alarm(const aj_kpi_activation *run, size_t n, aj_kpi_result *out) {
    aj_kpi_alarm_count row = {
        .alarm_id = run[0].alarm_id, .n_activations = (uint32_t)n, .priority = run[n - 1].priority};
    out->bad_actors.n_distinct++;
    count_list_offer(out->bad_actors.top, &out->bad_actors.n, AJ_KPI_TOP_N, &row);
    if (is_chattering(run, n)) {
        out->chattering.n_chattering++;
        count_list_offer(out->chattering.list, &out->chattering.n, AJ_KPI_CHATTER_LIST, &row);
    }
}

static aj_err judge_alarms(const aj_kpi_activation *acts, size_t n_acts, aj_kpi_result *out) {
    size_t n_copy = out->load.n_alarms;
    if (n_copy == 0) return AJ_OK;
    aj_kpi_activation *copy = malloc(n_copy * sizeof *copy);
    if (copy == NULL) return AJ_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < n_acts; i++) {
        const aj_kpi_activation *a = &acts[i];
        if (a->t_ns < out->from_ns || a->t_ns >= out->to_ns || !is_operator_priority(a->priority)) continue;
        copy[n++] = *a;
    }
    assert(n == n_copy);
    qsort(copy, n, sizeof *copy, cmp_activation);
    size_t first = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && copy[i].alarm_id == copy[first].alarm_id) continue;
        judge_alarm(&copy[first], i - first, out);
        first = i;
    }
    free(copy);

    uint64_t n_top = 0;
    for (size_t i = 0; i < out->bad_actors.n; i++) {
        aj_kpi_alarm_count *r = &out->bad_actors.top[i];
        r->share = share_of(r->n_activations, n_copy);
        n_top += r->n_activations;
    }
    for (size_t i = 0; i < out->chattering.n; i++)
        out->chattering.list[i].share = share_of(out->chattering.list[i].n_activations, n_copy);
    out->bad_actors.share = share_of(n_top, n_copy);
    return AJ_OK;
}

/* ---- pass 4: flood, stale, priority -------------------------------------------------- */

static bool is_complete(int64_t start_ns, int64_t period_ns, int64_t from_ns, int64_t to_ns) {
    return start_ns >= from_ns && start_ns <= to_ns - period_ns;
}

static void judge_flood(aj_kpi_result *out) {
    const aj_kpi_series_10min *s10 = &out->series_10min;
    const aj_kpi_series_hour *sh = &out->series_hour;
    out->flood.peak_start_ns = s10->start_ns;
    for (size_t i = 0; i < s10->n; i++) {
        int64_t start_ns = s10->start_ns + (int64_t)i * AJ_KPI_10MIN_NS;
        if (s10->count[i] > out->flood.peak_count) {
            out->flood.peak_count = s10->count[i];
            out->flood.peak_start_ns = start_ns;
        }
        if (!is_complete(start_ns, AJ_KPI_10MIN_NS, out->from_ns, out->to_ns)) continue;
        out->flood.n_complete_periods++;
        if (s10->count[i] > AJ_KPI_FLOOD_10MIN_COUNT) out->flood.n_flood_periods++;
    }
    for (size_t i = 0; i < sh->n; i++) {
        int64_t start_ns = sh->start_ns + (int64_t)i * AJ_KPI_HOUR_NS;
        if (!is_complete(start_ns, AJ_KPI_HOUR_NS, out->from_ns, out->to_ns)) continue;
        out->flood.n_complete_hours++;
        if (sh->count[i] > AJ_KPI_BUSY_HOUR_COUNT) out->flood.n_busy_hours++;
    }
    out->flood.share = share_of(out->flood.n_flood_periods, out->flood.n_complete_periods);
    out->flood.verdict =
        out->flood.n_complete_periods == 0
            ? AJ_KPI_NO_DATA
            : verdict_at_most(out->flood.share, AJ_KPI_TARGET_FLOOD_SHARE, 2 * AJ_KPI_TARGET_FLOOD_SHARE);
    out->flood.verdict_peak =
        verdict_at_most(out->flood.peak_count, AJ_KPI_TARGET_PEAK_10MIN, 2 * AJ_KPI_TARGET_PEAK_10MIN);
    out->flood.busy_hour_share = share_of(out->flood.n_busy_hours, out->flood.n_complete_hours);
    out->flood.verdict_busy_hours =
        out->flood.n_complete_hours == 0
            ? AJ_KPI_NO_DATA
            : verdict_at_most(out->flood.busy_hour_share, AJ_KPI_TARGET_BUSY_HOUR_SHARE,
                              2 * AJ_KPI_TARGET_BUSY_HOUR_SHARE);
}

static void judge_stale(const aj_kpi_standing *standing, size_t n_standing, aj_kpi_result *out) {
    for (size_t i = 0; i < n_standing; i++) {
        const aj_kpi_standing *s = &standing[i];
        if (!is_operator_priority(s->priority)) continue;
        int64_t active_ns = out->to_ns - s->active_since_ns;
        if (active_ns <= AJ_KPI_STALE_NS) continue;
        aj_kpi_stale_alarm row = {.alarm_id = s->alarm_id,
                                  .active_since_ns = s->active_since_ns,
                                  .active_ns = active_ns,
                                  .priority = s->priority};
        out->stale.n_stale++;
        stale_list_offer(out->stale.list, &out->stale.n, AJ_KPI_STALE_LIST, &row);
    }
    out->stale.verdict =
        verdict_at_most((double)out->stale.n_stale, AJ_KPI_TARGET_STALE_MAX, AJ_KPI_WARN_STALE_MAX);
}

static void judge_priority(aj_kpi_result *out) {
    uint32_t n_load = out->load.n_alarms;
    for (int p = 0; p < AJ_PRIO_COUNT; p++)
        out->priority.share[p] = is_operator_priority(p) ? share_of(out->priority.n[p], n_load) : 0.0;
    if (n_load == 0) {
        out->priority.verdict = AJ_KPI_NO_DATA;
        return;
    }
    /* cumulative shares from the integer counts, so that 4 of 20 is exactly 0.20 */
    const uint32_t *n = out->priority.n;
    double emergency = share_of(n[AJ_PRIO_EMERGENCY], n_load);
    double high_up = share_of((uint64_t)n[AJ_PRIO_EMERGENCY] + n[AJ_PRIO_HIGH], n_load);
    double medium_up = share_of((uint64_t)n[AJ_PRIO_EMERGENCY] + n[AJ_PRIO_HIGH] + n[AJ_PRIO_MEDIUM], n_load);
    aj_kpi_verdict v =
        verdict_at_most(emergency, AJ_KPI_TARGET_SHARE_EMERGENCY, 2 * AJ_KPI_TARGET_SHARE_EMERGENCY);
    v = verdict_worst(v,
                      verdict_at_most(high_up, AJ_KPI_TARGET_SHARE_HIGH_UP, 2 * AJ_KPI_TARGET_SHARE_HIGH_UP));
    v = verdict_worst(
        v, verdict_at_most(medium_up, AJ_KPI_TARGET_SHARE_MEDIUM_UP, 2 * AJ_KPI_TARGET_SHARE_MEDIUM_UP));
    out->priority.verdict = v;
}

static void judge_bad_actors_and_chattering(aj_kpi_result *out) {
    out->bad_actors.verdict =
        out->load.n_alarms == 0
            ? AJ_KPI_NO_DATA
            : verdict_at_most(out->bad_actors.share, AJ_KPI_TARGET_TOP_SHARE, 2 * AJ_KPI_TARGET_TOP_SHARE);
    out->chattering.verdict = verdict_at_most((double)out->chattering.n_chattering, AJ_KPI_TARGET_CHATTERING,
                                              AJ_KPI_WARN_CHATTERING_MAX);
}

/* ---- entry point --------------------------------------------------------------------- */

aj_err aj_kpi_compute(int64_t from_ns, int64_t to_ns, const aj_kpi_activation *activations,
                      size_t n_activations, const aj_kpi_standing *standing, size_t n_standing,
                      aj_kpi_result *out) {
    assert(out != NULL);
    memset(out, 0, sizeof *out);
    aj_err err = check_args(from_ns, to_ns, activations, n_activations, standing, n_standing);
    if (err != AJ_OK) return err;
    out->from_ns = from_ns;
    out->to_ns = to_ns;

    out->series_10min.n = periods_touched(from_ns, to_ns, AJ_KPI_10MIN_NS, &out->series_10min.start_ns);
    out->series_hour.n = periods_touched(from_ns, to_ns, AJ_KPI_HOUR_NS, &out->series_hour.start_ns);
    assert(out->series_10min.n <= AJ_KPI_SERIES_10MIN_MAX && out->series_hour.n <= AJ_KPI_SERIES_HOUR_MAX);

    count_load(activations, n_activations, out);
    err = judge_alarms(activations, n_activations, out);
    if (err != AJ_OK) {
        memset(out, 0, sizeof *out);
        return err;
    }
    judge_flood(out);
    judge_stale(standing, n_standing, out);
    judge_priority(out);
    judge_bad_actors_and_chattering(out);
    return AJ_OK;
}
