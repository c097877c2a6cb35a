/* compress.h — historian compression of one tag: exception deviation, then swinging door.
 *
 * One aj_compress_state per tag (fixed size, no allocation). Feed points in event-time
 * order; the callback receives the archived points, in time order, as copies of fed points
 * (values are never synthesized). The rule, the state diagram and the error bound are at
 * the top of compress.c and in docs/historian.md.
 *
 * Guarantee (comp_min_ns == 0, the default): for a continuous tag every raw point that is
 * not archived lies between two archived good points (in feed order) and is within
 * comp_dev + exc_dev of the straight line through them, up to float rounding. For a step
 * tag every raw point has exactly the value (same bits) of the last archived point at or
 * before it. Non-good or non-finite points are always archived, and so are the point
 * before and the point after them. Two archived points are never more than comp_max_ns
 * apart unless no raw point was fed between them.
 */
#ifndef AJ_COMPRESS_H
#define AJ_COMPRESS_H

#include "base/err.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stdint.h>

/* Default longest gap between archived points: 10 min. A trend viewer or a replay never
 * interpolates across more than this, and a flat tag still shows it is alive. */
#define AJ_COMPRESS_MAX_NS_DEFAULT (600LL * 1000000000LL)
/* Default deviations as fractions of the instrument span (hi - lo). 0.1 % / 0.2 % is
 * below the accuracy of common field transmitters (0.075-0.25 % of span), so the archive
 * loses nothing the instrument could tell. */
#define AJ_COMPRESS_EXC_FRAC  0.001
#define AJ_COMPRESS_COMP_FRAC 0.002
/* Gas detectors and oxygen are safety signals: half those bands. */
#define AJ_COMPRESS_GAS_EXC_FRAC  0.0005
#define AJ_COMPRESS_GAS_COMP_FRAC 0.001
/* Temperatures: absolute bands in degrees Celsius (RTDs and thermocouples resolve about
 * 0.1 degC), capped at 1 % of the span for tiny spans (below 20 degC) so the band stays
 * small against what the instrument can show. */
#define AJ_COMPRESS_TEMP_EXC_C     0.1
#define AJ_COMPRESS_TEMP_COMP_C    0.2
#define AJ_COMPRESS_TEMP_SPAN_FRAC 0.01

typedef struct aj_compress_config {
    double exc_dev;      /* exception deviation, value units, 0 <= exc_dev <= comp_dev */
    double comp_dev;     /* compression deviation, value units, >= 0 */
    int64_t comp_min_ns; /* no archived point closer than this to the previous (0 = off) */
    int64_t comp_max_ns; /* archive at least this often while points flow (0 = no limit) */
    bool is_step;        /* status/count: archive on change of value, hold between points */
} aj_compress_config;

/* Called for each archived point, in time order; a non-zero return stops feed/flush
 * and is returned to its caller (the point counts as archived in the state). */
typedef aj_err (*aj_compress_emit_fn)(void *ctx, const aj_point *p);

/* Per-tag state; treat as opaque. About 200 bytes. */
typedef struct aj_compress_state {
    aj_point archived; /* A: the last archived point (valid if has_archived) */
    aj_point snapshot; /* S: last point passed to the door, not archived yet */
    aj_point held;     /* H: last point the exception filter dropped, not passed on */
    double door_lo;    /* slopes (value/ns) from A that keep every point since A in band */
    double door_hi;
    int64_t gap_t_lo; /* box around the points dropped since the last passed one */
    int64_t gap_t_hi;
    double gap_v_lo;
    double gap_v_hi;
    int64_t last_t_ns; /* event time of the last fed point */
    uint64_t n_fed;    /* counters for metrics and tests */
    uint64_t n_archived;
    bool has_archived;
    bool has_snapshot;
    bool has_held;
    bool has_last;
    bool is_last_plain; /* last fed point was good, without reasons, finite */
} aj_compress_state;

/* A fresh state (nothing fed). _clear is not needed: the state owns nothing. */
void aj_compress_init(aj_compress_state *st);

/* AJ_OK if cfg is usable: deviations finite and >= 0, exc_dev <= comp_dev (the error bound
 * relies on it), times >= 0, comp_min_ns <= comp_max_ns when comp_max_ns > 0. */
aj_err aj_compress_config_check(const aj_compress_config *cfg);

/* Feeds one raw point; emits zero or more archived points. AJ_EINVAL if p->t_ns is earlier
 * than the last fed point (equal is accepted), if the quality is not an aj_quality, or if
 * cfg fails aj_compress_config_check; the state is unchanged then. Pass the same cfg for
 * a tag every time; to change it, flush first. */
aj_err aj_compress_feed(aj_compress_state *st, const aj_compress_config *cfg, const aj_point *p,
                        aj_compress_emit_fn emit, void *ctx);

/* Emits the pending point, so that the last point fed is archived: call it at shutdown,
 * before closing a chunk, or when a tag goes quiet. After a flush the state continues as
 * if the flushed point had been archived by the rule (later feeds interpolate from it). */
aj_err aj_compress_flush(aj_compress_state *st, const aj_compress_config *cfg, aj_compress_emit_fn emit,
                         void *ctx);

/* Default config for a tag kind (the names of the plant file) and instrument range.
 * AJ_EINVAL for an unknown kind, or (continuous kinds) a range that is not finite with
 * hi > lo. status and count are step kinds and ignore the range. */
aj_err aj_compress_defaults(const char *kind, double range_lo, double range_hi, aj_compress_config *out);

#endif
