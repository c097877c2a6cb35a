/* query.h — pure queries over the archived points of one tag: the value at a time,
 * aggregates per interval, a downsampled trend for charts, CSV rendering.
 *
 * No database, no HTTP, no allocation: the caller reads the points (aj_archive_read,
 * aj_archive_prior) and owns every buffer. The rules (reconstruction, quality, edges)
 * are in docs/historian.md, section "Queries".
 *
 * A point is *usable* when its quality is not AJ_QUALITY_BAD and its value is finite;
 * other points are *bad* here. Uncertain points are usable.
 */
#ifndef AJ_QUERY_H
#define AJ_QUERY_H

#include "base/err.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Intervals of one aggregate query: a day at 1 s is 86 400, a year at 5 min 105 120. The
 * output (64 B an interval) stays below 6.5 MiB. */
#define AJ_QUERY_INTERVALS_MAX 100000

/* Smallest point budget of a trend: M4 keeps up to 4 points (first, min, max, last) a bucket. */
#define AJ_QUERY_TREND_MIN 4

/* Longest CSV row: 30 bytes of time, 24 of value ("-2.2250738585072014e-308"), 9 of
 * quality ("uncertain"), 2 commas and CRLF = 67. A buffer of 20 + n * AJ_QUERY_CSV_ROW_MAX
 * bytes always holds the header and n rows. */
#define AJ_QUERY_CSV_ROW_MAX 80
#define AJ_QUERY_CSV_HEADER  "time,value,quality\r\n"
#define AJ_QUERY_TIME_LEN    30 /* "2026-11-29T12:00:00.123456789Z" */

/* The points of one tag, borrowed from the caller. The sequence queried is prior (when not
 * NULL) followed by points[0..n_points), in non-decreasing time order. Points before or
 * after a query's range are allowed and used for the edges: pass aj_archive_prior() of the
 * range start as prior and include the first point after the range end. */
typedef struct aj_query_series {
    const aj_point *points;
    size_t n_points;
    const aj_point *prior; /* the last point before points[0], or NULL when unknown */
    bool is_step;          /* status, count: a value holds until the next point */
} aj_query_series;

/* The reconstructed value at t_ns into *out (t_ns = t_ns, type and tag_id of the point at or
 * before t). Continuous kinds: linear between the last point at or before t and the next
 * one; step kinds: the last point at or before t. A point exactly at t (the last of several
 * at t) is returned as is. Quality: the worst of the points used, AJ_QUALITY_BAD if any of
 * them is not finite; reason bits: their union; value NaN if a point used is not finite.
 * AJ_ENOTFOUND when t is before the first point or after the last (for both kinds).
 * Binary search, O(log n): the time order is the caller's promise, not checked here. */
aj_err aj_query_value_at(const aj_query_series *s, int64_t t_ns, aj_point *out);

/* Aggregates of one interval [from_ns, to_ns). Point aggregates use the usable points in
 * the interval; the time-weighted average integrates the reconstructed signal. */
typedef struct aj_query_agg {
    int64_t from_ns, to_ns; /* the interval; the last one of a query may be shorter */
    double min, max, avg;   /* of the usable points' values; NaN when n is 0 */
    double first, last;     /* values of the first and last usable point; NaN when n is 0 */
    double twa;             /* integral / covered_ns; NaN when covered_ns is 0 */
    int64_t covered_ns;     /* time of the interval where the signal is defined */
    uint32_t n;             /* usable points in the interval */
    uint32_t n_bad;         /* bad points in the interval (not in any value above) */
} aj_query_agg;

/* Splits [from_ns, to_ns) into ceil((to - from) / step_ns) intervals and writes one
 * aj_query_agg each into out[0..cap); *n_out = intervals written. AJ_EINVAL when from >= to,
 * step_ns <= 0 or the sequence is not in time order; AJ_ETOOBIG when the intervals would
 * exceed AJ_QUERY_INTERVALS_MAX or cap (out is then untouched). One pass over the points
 * and the intervals, no allocation. Calls the streaming functions below. */
aj_err aj_query_aggregate(const aj_query_series *s, int64_t from_ns, int64_t to_ns, int64_t step_ns,
                          aj_query_agg *out, size_t cap, size_t *n_out);

/* The same, streaming: init, feed every point of the sequence in time order (prior
 * first), finish. aj_query_aggregator_feed has the type of aj_archive_point_fn, so it can
 * be passed to aj_archive_read with the aggregator as ctx. Memory: the caller's out array
 * and one point. The fields are private. */
typedef struct aj_query_aggregator {
    aj_query_agg *out;
    size_t n_intervals;
    int64_t from_ns;
    uint64_t span_ns, step_ns; /* to - from, step */
    aj_point prev;             /* the last point fed */
    bool has_prev, is_step;
} aj_query_aggregator;

/* Errors as aj_query_aggregate; initializes out[0..intervals). */
aj_err aj_query_aggregator_init(aj_query_aggregator *a, bool is_step, int64_t from_ns, int64_t to_ns,
                                int64_t step_ns, aj_query_agg *out, size_t cap);
/* ctx is the aj_query_aggregator. AJ_EINVAL (and the point is ignored) if p is earlier
 * than the last point fed. */
aj_err aj_query_aggregator_feed(void *ctx, const aj_point *p);
/* Completes out (averages, NaN where undefined); returns the number of intervals. */
size_t aj_query_aggregator_finish(aj_query_aggregator *a);

/* Downsamples points[0..n) (time order) to at most n_max points for a chart, M4 style: the
 * time span is cut into n_max / 4 equal buckets and each keeps its first, last, minimum
 * and maximum point (the first of equal ones; NaN values never win), in time order. So
 * every extreme of a bucket, a single-sample spike included, stays. Quality does not
 * change the selection. If n <= n_max the points are copied unchanged. Output: copies of
 * input points into out[0..cap), *n_out of them, a subset in time order.
 * AJ_EINVAL when n_max < AJ_QUERY_TREND_MIN or the points are not in time order;
 * AJ_ETOOBIG when cap < min(n, n_max). */
aj_err aj_query_trend(const aj_point *points, size_t n, size_t n_max, aj_point *out, size_t cap,
                      size_t *n_out);

/* Writes t_ns as RFC 3339 UTC with 9 fraction digits ("1969-12-31T23:59:59.999999999Z")
 * and a NUL: AJ_QUERY_TIME_LEN + 1 bytes. AJ_ETOOBIG (buf holds "" if cap > 0) when cap is
 * smaller. Covers the whole int64 range (years 1677..2262). */
aj_err aj_query_format_time_ns(int64_t t_ns, char *buf, size_t cap);

/* Renders points[0..n) as CSV (RFC 4180, CRLF), one row "time,value,quality" a point,
 * preceded by AJ_QUERY_CSV_HEADER if has_header: time as aj_query_format_time_ns, value
 * in the shortest "%.{15,16,17}g" form that reads back to the same double ("NaN", "inf",
 * "-inf" otherwise), quality "good", "uncertain" or "bad". Writes whole rows only into
 * buf[0..cap) and a NUL; *len = bytes before the NUL, *n_rows = points written.
 * AJ_ETOOBIG when not everything fits: buf then holds the header (if it fitted) and the
 * first *n_rows rows, so a caller streaming with a fixed buffer sends them and continues
 * from points + *n_rows with has_header false. AJ_EINVAL if buf is NULL or cap is 0. */
aj_err aj_query_csv(const aj_point *points, size_t n, bool has_header, char *buf, size_t cap, size_t *len,
                    size_t *n_rows);

#endif
