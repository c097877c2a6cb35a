/* query.c — pure queries over one tag's points (see query.h and docs/historian.md,
 * "Queries").
 *
 * The signal is reconstructed from the points as the historian archives them: linear
 * between consecutive points for continuous kinds, held until the next point for step
 * kinds, undefined before the first point and after the last. A segment between two
 * consecutive points is *covered* (counts toward time-weighted averages) when it has a
 * positive length and the points it is drawn from are usable: both ends for continuous
 * kinds, the start for step kinds.
 *
 * Everything here reads borrowed arrays and writes into caller buffers: no allocation,
 * one pass over the points (plus one over the intervals for aggregates). Time arithmetic
 * on offsets is done in uint64 so that spans of the whole int64 range never overflow.
 */
#include "engine/query.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the sequence prior + points ------------------------------------------------------ */

static size_t seq_len(const aj_query_series *s) {
    return s->n_points + (s->prior != NULL);
}

static const aj_point *seq_at(const aj_query_series *s, size_t i) {
    if (s->prior) return i == 0 ? s->prior : &s->points[i - 1];
    return &s->points[i];
}

static bool is_usable(const aj_point *p) {
    return p->quality != AJ_QUALITY_BAD && isfinite(p->value);
}

/* b - a in ns as a double, for b >= a (exact in uint64 even across the whole int64 range). */
static double span_ns(int64_t a, int64_t b) {
    assert(b >= a);
    return (double)((uint64_t)b - (uint64_t)a);
}

/* The value at t on the line from p to q (t_p <= t <= t_q, t_p < t_q). */
static double lerp(const aj_point *p, const aj_point *q, int64_t t) {
    if (t == p->t_ns) return p->value;
    if (t == q->t_ns) return q->value;
    return p->value + (q->value - p->value) * (span_ns(p->t_ns, t) / span_ns(p->t_ns, q->t_ns));
}

static aj_quality worst_quality(const aj_point *p) {
    if (!isfinite(p->value)) return AJ_QUALITY_BAD;
    return p->quality;
}

/* ---- value at ------------------------------------------------------------------------- */

/* Index of the last point with t <= t_ns in the sequence, or n when there is none. */
static size_t last_at_or_before(const aj_query_series *s, int64_t t_ns) {
    size_t lo = 0, hi = seq_len(s); /* the answer + 1 is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (seq_at(s, mid)->t_ns <= t_ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? seq_len(s) : lo - 1;
}

aj_err aj_query_value_at(const aj_query_series *s, int64_t t_ns, aj_point *out) {
    if (!s || !out || (s->n_points > 0 && !s->points)) return AJ_EINVAL;
    size_t n = seq_len(s);
    size_t i = last_at_or_before(s, t_ns);
    if (i == n) return AJ_ENOTFOUND;
    const aj_point *p = seq_at(s, i);
    *out = *p;
    out->t_ns = t_ns;
    out->quality = worst_quality(p);
    if (!isfinite(p->value)) out->value = NAN;
    if (p->t_ns == t_ns) return AJ_OK;
    if (i + 1 == n) return AJ_ENOTFOUND; /* after the last point */
    if (s->is_step) return AJ_OK;
    const aj_point *q = seq_at(s, i + 1);
    aj_quality q_quality = worst_quality(q);
    if (q_quality > out->quality) out->quality = q_quality;
    out->quality_reasons |= q->quality_reasons;
    out->value = isfinite(p->value) && isfinite(q->value) ? lerp(p, q, t_ns) : NAN;
    return AJ_OK;
}

/* ---- aggregates ----------------------------------------------------------------------- */

/* Interval geometry in offsets from `from` (uint64): interval k is
 * [k*step, min((k+1)*step, span)). typedef'd for the helpers that only need geometry. */
typedef aj_query_aggregator grid;

static uint64_t grid_offset(const grid *g, int64_t t) {
    return (uint64_t)t - (uint64_t)g->from_ns;
}

static int64_t grid_time(const grid *g, uint64_t offset) {
    return (int64_t)((uint64_t)g->from_ns + offset); /* offset <= span: in range */
}

static uint64_t grid_end(const grid *g, size_t k) {
    uint64_t start = (uint64_t)k * g->step_ns; /* <= span for k < n_intervals */
    return g->span_ns - start > g->step_ns ? start + g->step_ns : g->span_ns;
}

static void agg_init(aj_query_agg *a, const grid *g, size_t k) {
    a->from_ns = grid_time(g, (uint64_t)k * g->step_ns);
    a->to_ns = grid_time(g, grid_end(g, k));
    a->min = a->max = a->avg = a->first = a->last = NAN;
    a->twa = 0; /* holds the integral (value x ns) until agg_finish */
    a->covered_ns = 0;
    a->n = a->n_bad = 0;
}

static void agg_add_point(aj_query_agg *a, const aj_point *p) {
    if (!is_usable(p)) {
        a->n_bad++;
        return;
    }
    double v = p->value;
    if (a->n == 0) {
        a->min = a->max = a->first = v;
        a->avg = 0; /* holds the sum until agg_finish */
    }
    if (v < a->min) a->min = v;
    if (v > a->max) a->max = v;
    a->avg += v;
    a->last = v;
    a->n++;
}

static void agg_finish(aj_query_agg *a) {
    if (a->n > 0) a->avg /= a->n;
    a->twa = a->covered_ns > 0 ? a->twa / (double)a->covered_ns : NAN;
}

/* Adds the segment p -> q (t_p < t_q), clipped to [from, to), to the intervals it spans. */
static void agg_add_segment(aj_query_agg *out, const grid *g, const aj_point *p, const aj_point *q,
                            bool is_step) {
    int64_t to_ns = grid_time(g, g->span_ns);
    if (q->t_ns <= g->from_ns || p->t_ns >= to_ns) return;
    uint64_t lo = p->t_ns > g->from_ns ? grid_offset(g, p->t_ns) : 0;
    uint64_t hi = q->t_ns < to_ns ? grid_offset(g, q->t_ns) : g->span_ns;
    for (size_t k = (size_t)(lo / g->step_ns); lo < hi; k++) {
        uint64_t end = grid_end(g, k);
        uint64_t piece_end = hi < end ? hi : end;
        double v_lo = is_step ? p->value : lerp(p, q, grid_time(g, lo));
        double v_hi = is_step ? p->value : lerp(p, q, grid_time(g, piece_end));
        uint64_t len = piece_end - lo;
        out[k].twa += (v_lo + v_hi) / 2 * (double)len;
        out[k].covered_ns += (int64_t)len;
        lo = piece_end;
    }
}

static bool seq_is_ordered(const aj_query_series *s) {
    for (size_t i = 1; i < seq_len(s); i++)
        if (seq_at(s, i)->t_ns < seq_at(s, i - 1)->t_ns) return false;
    return true;
}

aj_err aj_query_aggregator_init(aj_query_aggregator *g, bool is_step, int64_t from_ns, int64_t to_ns,
                                int64_t step_ns, aj_query_agg *out, size_t cap) {
    if (!g || from_ns >= to_ns || step_ns <= 0) return AJ_EINVAL;
    uint64_t span_ns = (uint64_t)to_ns - (uint64_t)from_ns;
    uint64_t n = span_ns / (uint64_t)step_ns + (span_ns % (uint64_t)step_ns != 0);
    if (n > AJ_QUERY_INTERVALS_MAX || n > cap || !out) return AJ_ETOOBIG;
    *g = (aj_query_aggregator){.out = out,
                               .n_intervals = (size_t)n,
                               .from_ns = from_ns,
                               .span_ns = span_ns,
                               .step_ns = (uint64_t)step_ns,
                               .is_step = is_step};
    for (size_t k = 0; k < g->n_intervals; k++) agg_init(&out[k], g, k);
    return AJ_OK;
}

aj_err aj_query_aggregator_feed(void *ctx, const aj_point *q) {
    aj_query_aggregator *g = ctx;
    if (g->has_prev && q->t_ns < g->prev.t_ns) return AJ_EINVAL;
    if (q->t_ns >= g->from_ns && grid_offset(g, q->t_ns) < g->span_ns)
        agg_add_point(&g->out[grid_offset(g, q->t_ns) / g->step_ns], q);
    const aj_point *p = &g->prev;
    bool is_covered = is_usable(p) && (g->is_step || is_usable(q));
    if (g->has_prev && q->t_ns > p->t_ns && is_covered) agg_add_segment(g->out, g, p, q, g->is_step);
    g->prev = *q;
    g->has_prev = true;
    return AJ_OK;
}

size_t aj_query_aggregator_finish(aj_query_aggregator *g) {
    for (size_t k = 0; k < g->n_intervals; k++) agg_finish(&g->out[k]);
    return g->n_intervals;
}

aj_err aj_query_aggregate(const aj_query_series *s, int64_t from_ns, int64_t to_ns, int64_t step_ns,
                          aj_query_agg *out, size_t cap, size_t *n_out) {
    if (!s || !n_out || (s->n_points > 0 && !s->points)) return AJ_EINVAL;
    if (!seq_is_ordered(s)) return AJ_EINVAL; /* before init touches out */
    aj_query_aggregator g;
    aj_err err = aj_query_aggregator_init(&g, s->is_step, from_ns, to_ns, step_ns, out, cap);
    if (err) return err;
    for (size_t i = 0; i < seq_len(s); i++) {
        err = aj_query_aggregator_feed(&g, seq_at(s, i));
        assert(err == AJ_OK); /* the order was checked */
    }
    *n_out = aj_query_aggregator_finish(&g);
    return AJ_OK;
}

/* ---- trend (M4) ----------------------------------------------------------------------- */

/* The indices a bucket keeps; n_kept = 0 when the bucket is empty. */
typedef struct bucket {
    size_t first, last, i_min, i_max;
    bool has_extreme; /* i_min / i_max set (some value in the bucket is not NaN) */
    bool is_empty;
} bucket;

static void bucket_start(bucket *b, const aj_point *points, size_t i) {
    b->first = b->last = b->i_min = b->i_max = i;
    b->has_extreme = !isnan(points[i].value);
    b->is_empty = false;
}

static void bucket_add(bucket *b, const aj_point *points, size_t i) {
    b->last = i;
    double v = points[i].value;
    if (isnan(v)) return;
    if (!b->has_extreme) {
        b->i_min = b->i_max = i;
        b->has_extreme = true;
    }
    if (v < points[b->i_min].value) b->i_min = i;
    if (v > points[b->i_max].value) b->i_max = i;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Appends the bucket's distinct indices' points in time (index) order. */
static void bucket_emit(const bucket *b, const aj_point *points, aj_point *out, size_t *n_out) {
    if (b->is_empty) return;
    size_t idx[4] = {b->first, b->i_min, b->i_max, b->last};
    qsort(idx, 4, sizeof idx[0], cmp_size);
    for (size_t j = 0; j < 4; j++)
        if (j == 0 || idx[j] != idx[j - 1]) out[(*n_out)++] = points[idx[j]];
}

aj_err aj_query_trend(const aj_point *points, size_t n, size_t n_max, aj_point *out, size_t cap,
                      size_t *n_out) {
    if (!n_out || (n > 0 && !points) || n_max < AJ_QUERY_TREND_MIN) return AJ_EINVAL;
    for (size_t i = 1; i < n; i++)
        if (points[i].t_ns < points[i - 1].t_ns) return AJ_EINVAL;
    size_t n_need = n < n_max ? n : n_max;
    if (cap < n_need || (n_need > 0 && !out)) return AJ_ETOOBIG;
    *n_out = 0;
    if (n <= n_max) {
        if (n > 0) memcpy(out, points, n * sizeof *points);
        *n_out = n;
        return AJ_OK;
    }
    uint64_t n_buckets = n_max / 4;
    uint64_t span = (uint64_t)points[n - 1].t_ns - (uint64_t)points[0].t_ns;
    uint64_t width = span / n_buckets; /* + 1 so that span / width < n_buckets, unless it wraps: */
    if (width < UINT64_MAX) width++;
    bucket b = {.is_empty = true};
    uint64_t b_index = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = ((uint64_t)points[i].t_ns - (uint64_t)points[0].t_ns) / width;
        if (k >= n_buckets) k = n_buckets - 1; /* only when width wrapped: one bucket, whole int64 span */
        if (b.is_empty || k != b_index) {
            bucket_emit(&b, points, out, n_out);
            bucket_start(&b, points, i);
            b_index = k;
        } else {
            bucket_add(&b, points, i);
        }
    }
    bucket_emit(&b, points, out, n_out);
    assert(*n_out <= n_max);
    return AJ_OK;
}

/* ---- CSV ------------------------------------------------------------------------------ */

/* Howard Hinnant's civil_from_days (public domain description); days since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

aj_err aj_query_format_time_ns(int64_t t_ns, char *buf, size_t cap) {
    if (cap < AJ_QUERY_TIME_LEN + 1) {
        if (buf && cap > 0) buf[0] = '\0';
        return AJ_ETOOBIG;
    }
    const int64_t ns_per_s = 1000000000;
    int64_t secs = t_ns / ns_per_s, frac = t_ns % ns_per_s; /* floor division for t < 0: */
    if (frac < 0) secs -= 1, frac += ns_per_s;
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) days -= 1, sod += 86400;
    int64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    int len = snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%09lldZ", (long long)y, mo, d,
                       (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), (long long)frac);
    assert(len == AJ_QUERY_TIME_LEN);
    (void)len;
    return AJ_OK;
}

/* The shortest of %.15g, %.16g, %.17g that reads back to v; buf holds >= 32 bytes. */
static void format_value(double v, char *buf, size_t cap) {
    if (isnan(v)) {
        snprintf(buf, cap, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, v > 0 ? "inf" : "-inf");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, cap, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) return;
    }
}

static const char *quality_name(aj_quality q) {
    switch (q) {
    case AJ_QUALITY_GOOD:
        return "good";
    case AJ_QUALITY_UNCERTAIN:
        return "uncertain";
    case AJ_QUALITY_BAD:
        return "bad";
    }
    return "bad"; /* not one of the enums: never claim good */
}

aj_err aj_query_csv(const aj_point *points, size_t n, bool has_header, char *buf, size_t cap, size_t *len,
                    size_t *n_rows) {
    if (!buf || cap == 0 || !len || !n_rows || (n > 0 && !points)) return AJ_EINVAL;
    size_t pos = 0;
    *n_rows = 0;
    *len = 0;
    buf[0] = '\0';
    if (has_header) {
        size_t header_len = strlen(AJ_QUERY_CSV_HEADER);
        if (header_len + 1 > cap) return AJ_ETOOBIG;
        memcpy(buf, AJ_QUERY_CSV_HEADER, header_len + 1);
        pos = *len = header_len;
    }
    for (size_t i = 0; i < n; i++) {
        char time[AJ_QUERY_TIME_LEN + 1], value[32], row[AJ_QUERY_CSV_ROW_MAX];
        aj_query_format_time_ns(points[i].t_ns, time, sizeof time);
        format_value(points[i].value, value, sizeof value);
        int row_len = snprintf(row, sizeof row, "%s,%s,%s\r\n", time, value, quality_name(points[i].quality));
        assert(row_len > 0 && (size_t)row_len < sizeof row);
        if ((size_t)row_len + 1 > cap - pos) return AJ_ETOOBIG;
        memcpy(buf + pos, row, (size_t)row_len + 1);
        pos += (size_t)row_len;
        *len = pos;
        *n_rows = i + 1;
    }
    return AJ_OK;
}
