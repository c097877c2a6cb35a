/* compress.c — per-tag historian compression (see compress.h, docs/historian.md).
 *
 * Two stages, as in the PI-style historians: an exception filter drops points that say
 * nothing new, then a swinging door decides which of the remaining points to archive.
 * The door is the one E. H. Bristol described in "Swinging Door Trending: Adaptive
 * Trend Recording?" (ISA, 1990): from the last archived point, the band +/- comp_dev
 * around every later point constrains the slope of the line that may replace them; the
 * allowed slopes form a door that only ever narrows; once no slope fits the newest point,
 * the point before it is archived and the door reopens from there. The code below is
 * written from that description, not taken from any implementation.
 *
 * Names: A = last archived point, S = snapshot (last point passed to the door, not yet
 * archived), H = held point (last point the exception filter dropped), D = door, the
 * interval [door_lo, door_hi] of slopes (value per ns) from A. "Plain" point: quality
 * good, no reason bits, finite value. Time differences are computed in uint64 (t never
 * decreases), so no int64 overflow for any timestamps.
 *
 *   feed(P):
 *     P.t < last fed t                      -> AJ_EINVAL, nothing changes
 *     P or the previous fed point not plain -> flush pending; archive P          (rule Q)
 *     comp_max > 0 and P.t - A.t > comp_max -> flush pending, then go on         (rule M)
 *     step kind                             -> step rule below                   (rule T)
 *     |P.v - R.v| <= exc_dev                -> H := P, grow the gap box; done    (rule E)
 *           (R = S if there is one, else A: the last point passed on)
 *     otherwise (a jump)                    -> if H: door(H, with gap box); door(P)
 *
 *   door(P):                                                                     (rule D)
 *     nothing archived yet                  -> archive P
 *     D' := D  narrowed by  S +/- comp_dev, and by the gap box +/- (comp_dev + exc_dev)
 *     slope(A -> P) in D'                   -> D := D', S := P
 *     else (and there is an S)              -> archive S (A := S, D := all slopes
 *                                              narrowed by the gap box from the new A), S := P
 *       ... unless comp_min > 0 and S.t - A.t < comp_min: S is dropped, D := all
 *
 *   flush: if H: door(H, with gap box); if S: archive S.
 *
 *   step kind (status, count): archive P if its value differs (bitwise) from A's,
 *   else S := P (archived only by rule M or a flush). Reconstruction holds each value.
 *
 * The gap box: the dropped points between two passed points are within exc_dev of the
 * earlier one, but a line that is within comp_dev of the passed points alone could
 * still miss them by up to comp_dev + 2 * exc_dev. So the door is also narrowed by the
 * box [t_lo, t_hi] x [v_lo, v_hi] around them: the line at t_lo and at t_hi must lie
 * within [v_hi - tol, v_lo + tol] with tol = comp_dev + exc_dev; a line is linear, so
 * then it is within tol of every dropped point. With exc_dev <= comp_dev the line from
 * the earlier passed point to H always satisfies the box, so re-anchoring never leaves
 * a violated constraint behind.
 *
 * Hence the bound (comp_min == 0): every raw point not archived is within
 * comp_dev + exc_dev of the line between the archived points before and after it (a
 * passed point within comp_dev by the door, a dropped one within tol by the box), up to
 * float rounding of the slope arithmetic. If the two archived points have the same
 * time, the "line" is the value of the earlier one.
 */
#include "engine/compress.h"

#include <math.h>
#include <string.h>

static uint64_t tdiff_ns(int64_t later, int64_t earlier) {
    return (uint64_t)later - (uint64_t)earlier;
}

static bool point_is_plain(const aj_point *p) {
    return p->quality == AJ_QUALITY_GOOD && p->quality_reasons == 0 && isfinite(p->value);
}

static void door_open(aj_compress_state *st) {
    st->door_lo = -INFINITY;
    st->door_hi = INFINITY;
}

/* Narrows D so that the line from A at time t lies within [v_min, v_max]. */
static void door_narrow(aj_compress_state *st, int64_t t, double v_min, double v_max) {
    uint64_t dt = tdiff_ns(t, st->archived.t_ns);
    double a = st->archived.value;
    if (dt == 0) {
        if (a < v_min || a > v_max) {
            st->door_lo = INFINITY;
            st->door_hi = -INFINITY;
        }
        return;
    }
    double lo = (v_min - a) / (double)dt;
    double hi = (v_max - a) / (double)dt;
    if (lo > st->door_lo) st->door_lo = lo;
    if (hi < st->door_hi) st->door_hi = hi;
}

static void door_narrow_gap(aj_compress_state *st, const aj_compress_config *cfg) {
    double tol = cfg->comp_dev + cfg->exc_dev;
    door_narrow(st, st->gap_t_lo, st->gap_v_hi - tol, st->gap_v_lo + tol);
    door_narrow(st, st->gap_t_hi, st->gap_v_hi - tol, st->gap_v_lo + tol);
}

static bool door_admits(const aj_compress_state *st, const aj_point *p) {
    uint64_t dt = tdiff_ns(p->t_ns, st->archived.t_ns);
    if (dt == 0) return st->door_lo <= st->door_hi; /* every point since A is at A.t */
    double slope = (p->value - st->archived.value) / (double)dt;
    return slope >= st->door_lo && slope <= st->door_hi;
}

static aj_err archive(aj_compress_state *st, const aj_point *p, aj_compress_emit_fn emit, void *ctx) {
    st->archived = *p;
    st->has_archived = true;
    door_open(st);
    st->n_archived++;
    return emit(ctx, &st->archived);
}

/* Rule D. has_gap: p is the held point and the gap box covers the points dropped
 * before it (and p itself, which is harmless). */
static aj_err door_pass(aj_compress_state *st, const aj_compress_config *cfg, const aj_point *p, bool has_gap,
                        aj_compress_emit_fn emit, void *ctx) {
    if (!st->has_archived) return archive(st, p, emit, ctx);
    if (st->has_snapshot)
        door_narrow(st, st->snapshot.t_ns, st->snapshot.value - cfg->comp_dev,
                    st->snapshot.value + cfg->comp_dev);
    if (has_gap) door_narrow_gap(st, cfg);
    aj_err e = AJ_OK;
    if (!door_admits(st, p) && st->has_snapshot) {
        if (cfg->comp_min_ns > 0 &&
            tdiff_ns(st->snapshot.t_ns, st->archived.t_ns) < (uint64_t)cfg->comp_min_ns) {
            door_open(st); /* comp_min wins: the bound is given up for this stretch */
        } else {
            aj_point s = st->snapshot;
            st->has_snapshot = false;
            e = archive(st, &s, emit, ctx);
            if (has_gap) door_narrow_gap(st, cfg);
        }
    }
    st->snapshot = *p;
    st->has_snapshot = true;
    return e;
}

/* Archives whatever raw point is pending, so that the last point fed is archived. */
static aj_err flush_pending(aj_compress_state *st, const aj_compress_config *cfg, aj_compress_emit_fn emit,
                            void *ctx) {
    if (st->has_held) {
        aj_point h = st->held;
        st->has_held = false;
        aj_err e = door_pass(st, cfg, &h, true, emit, ctx);
        if (e) return e;
    }
    if (!st->has_snapshot) return AJ_OK;
    aj_point s = st->snapshot;
    st->has_snapshot = false;
    return archive(st, &s, emit, ctx);
}

/* Rule E: P is within exc_dev of the last passed point; hold it. */
static void exception_hold(aj_compress_state *st, const aj_point *p) {
    if (!st->has_held) {
        st->gap_t_lo = p->t_ns;
        st->gap_v_lo = p->value;
        st->gap_v_hi = p->value;
    }
    st->gap_t_hi = p->t_ns;
    if (p->value < st->gap_v_lo) st->gap_v_lo = p->value;
    if (p->value > st->gap_v_hi) st->gap_v_hi = p->value;
    st->held = *p;
    st->has_held = true;
}

static bool same_bits(double a, double b) {
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Rule T: a step tag is archived on each change of value and held in between. */
static aj_err step_feed(aj_compress_state *st, const aj_point *p, aj_compress_emit_fn emit, void *ctx) {
    if (st->has_archived && same_bits(p->value, st->archived.value)) {
        st->snapshot = *p;
        st->has_snapshot = true;
        return AJ_OK;
    }
    st->has_snapshot = false;
    return archive(st, p, emit, ctx);
}

void aj_compress_init(aj_compress_state *st) {
    memset(st, 0, sizeof *st);
    door_open(st);
}

aj_err aj_compress_config_check(const aj_compress_config *cfg) {
    if (!isfinite(cfg->exc_dev) || !isfinite(cfg->comp_dev)) return AJ_EINVAL;
    if (cfg->exc_dev < 0 || cfg->comp_dev < 0 || cfg->exc_dev > cfg->comp_dev) return AJ_EINVAL;
    if (cfg->comp_min_ns < 0 || cfg->comp_max_ns < 0) return AJ_EINVAL;
    if (cfg->comp_max_ns > 0 && cfg->comp_min_ns > cfg->comp_max_ns) return AJ_EINVAL;
    return AJ_OK;
}

aj_err aj_compress_feed(aj_compress_state *st, const aj_compress_config *cfg, const aj_point *p,
                        aj_compress_emit_fn emit, void *ctx) {
    if (aj_compress_config_check(cfg)) return AJ_EINVAL;
    if ((unsigned)p->quality > (unsigned)AJ_QUALITY_BAD) return AJ_EINVAL;
    if (st->has_last && p->t_ns < st->last_t_ns) return AJ_EINVAL;
    bool was_plain = st->is_last_plain;
    bool is_plain = point_is_plain(p);
    st->has_last = true;
    st->last_t_ns = p->t_ns;
    st->is_last_plain = is_plain;
    st->n_fed++;

    aj_err e;
    if (!is_plain || !was_plain) { /* rule Q (the first point lands here too) */
        e = flush_pending(st, cfg, emit, ctx);
        return e ? e : archive(st, p, emit, ctx);
    }
    if (cfg->comp_max_ns > 0 && tdiff_ns(p->t_ns, st->archived.t_ns) > (uint64_t)cfg->comp_max_ns) {
        e = flush_pending(st, cfg, emit, ctx); /* rule M */
        if (e) return e;
    }
    if (cfg->is_step) return step_feed(st, p, emit, ctx);
    const aj_point *passed = st->has_snapshot ? &st->snapshot : &st->archived;
    if (fabs(p->value - passed->value) <= cfg->exc_dev) {
        exception_hold(st, p);
        return AJ_OK;
    }
    if (st->has_held) {
        aj_point h = st->held;
        st->has_held = false;
        e = door_pass(st, cfg, &h, true, emit, ctx);
        if (e) return e;
    }
    return door_pass(st, cfg, p, false, emit, ctx);
}

aj_err aj_compress_flush(aj_compress_state *st, const aj_compress_config *cfg, aj_compress_emit_fn emit,
                         void *ctx) {
    if (aj_compress_config_check(cfg)) return AJ_EINVAL;
    return flush_pending(st, cfg, emit, ctx);
}

/* ---- defaults by tag kind ------------------------------------------------------------ */

typedef enum { BAND_SPAN, BAND_GAS, BAND_TEMP, BAND_STEP } band_class;

static const struct {
    const char *kind;
    band_class band;
} kind_bands[] = {
    {"temperature", BAND_TEMP},  {"ir_temperature", BAND_TEMP},
    {"pressure", BAND_SPAN},     {"differential_pressure", BAND_SPAN},
    {"flow", BAND_SPAN},         {"level", BAND_SPAN},
    {"vibration", BAND_SPAN},    {"gas_combustible_lel", BAND_GAS},
    {"gas_toxic_ppm", BAND_GAS}, {"oxygen_pct", BAND_GAS},
    {"current", BAND_SPAN},      {"voltage", BAND_SPAN},
    {"power", BAND_SPAN},        {"speed", BAND_SPAN},
    {"position", BAND_SPAN},     {"humidity", BAND_SPAN},
    {"wind_speed", BAND_SPAN},   {"wind_direction", BAND_SPAN},
    {"status", BAND_STEP},       {"count", BAND_STEP},
};

aj_err aj_compress_defaults(const char *kind, double range_lo, double range_hi, aj_compress_config *out) {
    size_t n = sizeof kind_bands / sizeof kind_bands[0];
    size_t i = 0;
    while (i < n && strcmp(kind_bands[i].kind, kind) != 0) i++;
    if (i == n) return AJ_EINVAL;
    aj_compress_config cfg = {.comp_min_ns = 0, .comp_max_ns = AJ_COMPRESS_MAX_NS_DEFAULT};
    band_class band = kind_bands[i].band;
    if (band == BAND_STEP) {
        cfg.is_step = true;
        *out = cfg;
        return AJ_OK;
    }
    double span = range_hi - range_lo;
    if (!isfinite(range_lo) || !isfinite(range_hi) || !isfinite(span) || !(span > 0)) return AJ_EINVAL;
    if (band == BAND_TEMP) {
        double cap = AJ_COMPRESS_TEMP_SPAN_FRAC * span;
        cfg.comp_dev = fmin(AJ_COMPRESS_TEMP_COMP_C, cap);
        cfg.exc_dev = fmin(AJ_COMPRESS_TEMP_EXC_C, cap / 2);
    } else if (band == BAND_GAS) {
        cfg.exc_dev = AJ_COMPRESS_GAS_EXC_FRAC * span;
        cfg.comp_dev = AJ_COMPRESS_GAS_COMP_FRAC * span;
    } else {
        cfg.exc_dev = AJ_COMPRESS_EXC_FRAC * span;
        cfg.comp_dev = AJ_COMPRESS_COMP_FRAC * span;
    }
    *out = cfg;
    return AJ_OK;
}
