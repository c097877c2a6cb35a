/* quality.c — data-quality checks per tag (see quality.h, docs/data-quality.md).
 *
 * One call, one point, in this order (so that events come out in event-time order):
 *   1. a held spike candidate whose hold ran out is released as it came;
 *   2. a gap longer than stale_ns since the previous point begins STALE (at previous +
 *      stale_ns) unless advance() already did; any point ends STALE;
 *   3. a held candidate gets its verdict from this point (spike or not) and is released;
 *   4. the point is judged: communication loss (the adapter's BAD with COMM_LOSS or
 *      SOURCE_BAD), out of range (or not finite), rate, flatline — marks go on the point
 *      at once;
 *   5. the point is released, or held when it is itself a spike candidate.
 * Only "usable" points (not BAD on arrival, finite, inside range + margin) feed the
 * value history; rate-implausible and spike points do not move the rate and spike
 * references, so a fault cannot drag the reference along.
 *
 * Conditions: each condition is a bit in st->active. cond_hit() begins it (event) and
 * resets its clean count; cond_clean() counts consecutive clean points while it is
 * active and ends it (event) at cfg->clear_points. STALE ends at the first point.
 *
 * Spike scale: a ring of the last AJ_QUALITY_DIFFS_N |differences| between accepted
 * points; its median (O(n) selection, computed only for jumps above spike_min) times k
 * is the threshold. A released candidate (a step) empties the ring: after a step the
 * noise is learnt afresh.
 *
 * Invariants: points are accepted in strictly increasing event time; at most one point
 * is held, and it is the latest point seen (st->last_t_ns == st->held.t_ns) until the
 * next point or advance(); the ring's valid entries are diffs[0..n_diffs) while it fills,
 * all AJ_QUALITY_DIFFS_N once full.
 */
#include "engine/quality.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* ---- names and kinds ----------------------------------------------------------------- */

static const char *const KIND_NAMES[AJ_QK_N] = {"temperature",
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

static const char *const COND_NAMES[AJ_QC_N] = {"stale",        "comm_loss", "flatline",
                                                "out_of_range", "spike",     "rate"};

static const uint32_t COND_REASON[AJ_QC_N] = {AJ_QR_STALE,        AJ_QR_COMM_LOSS, AJ_QR_FLATLINE,
                                              AJ_QR_OUT_OF_RANGE, AJ_QR_SPIKE,     AJ_QR_RATE};

static const aj_quality COND_QUALITY[AJ_QC_N] = {AJ_QUALITY_BAD, AJ_QUALITY_BAD, AJ_QUALITY_UNCERTAIN,
                                                 AJ_QUALITY_BAD, AJ_QUALITY_BAD, AJ_QUALITY_BAD};

/* Per-kind defaults. Times in seconds, the rest as fractions of span.
 *   flat_s      flatline time (0: off)
 *   floor       values at or below lo + floor x span never flatline (-1: no floor)
 *   has_spike   spike check on
 *   rate        max |dv/dt| in spans per second (0: off)
 * The reasons for each row are in docs/data-quality.md. */
typedef struct kind_defaults {
    int64_t flat_s;
    double floor;
    bool has_spike;
    double rate;
} kind_defaults;

static const kind_defaults KIND_DEFAULTS[AJ_QK_N] = {
    [AJ_QK_TEMPERATURE] = {7200, -1, true, 0.2},
    [AJ_QK_PRESSURE] = {1800, 0.01, false, 0},
    [AJ_QK_DIFFERENTIAL_PRESSURE] = {1800, 0.01, true, 0},
    [AJ_QK_FLOW] = {1800, 0.01, true, 0},
    [AJ_QK_LEVEL] = {0, -1, true, 0.1},
    [AJ_QK_VIBRATION] = {1800, 0.01, true, 0},
    [AJ_QK_GAS_COMBUSTIBLE_LEL] = {7200, 0.05, false, 0},
    [AJ_QK_GAS_TOXIC_PPM] = {7200, 0.05, false, 0},
    [AJ_QK_OXYGEN_PCT] = {28800, -1, false, 0},
    [AJ_QK_IR_TEMPERATURE] = {7200, -1, false, 0},
    [AJ_QK_CURRENT] = {1800, 0.01, false, 0},
    [AJ_QK_VOLTAGE] = {1800, 0.01, false, 0},
    [AJ_QK_POWER] = {1800, 0.01, false, 0},
    [AJ_QK_SPEED] = {1800, 0.01, true, 0},
    [AJ_QK_POSITION] = {0, -1, false, 0},
    [AJ_QK_HUMIDITY] = {7200, -1, true, 0.1},
    [AJ_QK_WIND_SPEED] = {3600, 0.02, false, 0},
    [AJ_QK_WIND_DIRECTION] = {0, -1, false, 0},
    [AJ_QK_STATUS] = {0, -1, false, 0},
    [AJ_QK_COUNT] = {0, -1, false, 0},
};

const char *aj_quality_cond_name(aj_quality_cond cond) {
    return (unsigned)cond < AJ_QC_N ? COND_NAMES[cond] : "?";
}

const char *aj_quality_kind_name(aj_quality_kind kind) {
    return (unsigned)kind < AJ_QK_N ? KIND_NAMES[kind] : "?";
}

aj_err aj_quality_kind_parse(const char *name, aj_quality_kind *out) {
    if (!name) return AJ_EINVAL;
    for (int k = 0; k < AJ_QK_N; k++) {
        if (strcmp(name, KIND_NAMES[k]) == 0) {
            *out = (aj_quality_kind)k;
            return AJ_OK;
        }
    }
    return AJ_EINVAL;
}

/* ---- configuration -------------------------------------------------------------------- */

aj_err aj_quality_config_defaults(const char *kind, double range_lo, double range_hi,
                                  aj_quality_config *cfg) {
    aj_quality_kind k;
    if (aj_quality_kind_parse(kind, &k)) return AJ_EINVAL;
    bool is_range_optional = k == AJ_QK_STATUS || k == AJ_QK_COUNT;
    bool has_range = !(isnan(range_lo) && isnan(range_hi));
    if (!has_range && !is_range_optional) return AJ_EINVAL;
    if (has_range && !(isfinite(range_lo) && isfinite(range_hi) && range_lo < range_hi)) return AJ_EINVAL;

    memset(cfg, 0, sizeof *cfg);
    cfg->kind = k;
    cfg->has_range = has_range;
    cfg->range_lo = has_range ? range_lo : NAN;
    cfg->range_hi = has_range ? range_hi : NAN;
    cfg->stale_ns = AJ_QUALITY_STALE_NS_DEFAULT;
    cfg->flatline_floor = -INFINITY;
    cfg->clear_points = AJ_QUALITY_CLEAR_POINTS_DEFAULT;
    cfg->spike_return = AJ_QUALITY_SPIKE_RETURN_FRACTION;
    if (!has_range) return AJ_OK; /* without a span only stale and comm loss apply */

    const kind_defaults *d = &KIND_DEFAULTS[k];
    double span = range_hi - range_lo;
    cfg->range_margin = AJ_QUALITY_RANGE_MARGIN_FRACTION * span;
    cfg->flatline_ns = d->flat_s * AJ_QUALITY_NS_PER_S;
    cfg->flatline_eps = AJ_QUALITY_FLATLINE_EPS_FRACTION * span;
    if (d->floor >= 0) cfg->flatline_floor = range_lo + d->floor * span;
    if (d->has_spike) {
        cfg->spike_k = AJ_QUALITY_SPIKE_K_DEFAULT;
        cfg->spike_min = AJ_QUALITY_SPIKE_MIN_FRACTION * span;
        cfg->spike_hold_ns = AJ_QUALITY_SPIKE_HOLD_NS_DEFAULT;
    }
    cfg->rate_max_per_s = d->rate * span;
    return AJ_OK;
}

aj_err aj_quality_config_set_period(aj_quality_config *cfg, int64_t period_ns) {
    if (period_ns <= 0 || period_ns > 3600 * AJ_QUALITY_NS_PER_S) return AJ_EINVAL;
    int64_t stale_ns = 5 * period_ns;
    if (stale_ns < 10 * AJ_QUALITY_NS_PER_S) stale_ns = 10 * AJ_QUALITY_NS_PER_S;
    cfg->stale_ns = stale_ns;
    if (cfg->spike_k > 0) cfg->spike_hold_ns = 2 * period_ns;
    return AJ_OK;
}

aj_err aj_quality_config_validate(const aj_quality_config *cfg) {
    if ((unsigned)cfg->kind >= AJ_QK_N) return AJ_EINVAL;
    if (cfg->stale_ns < 0 || cfg->flatline_ns < 0 || cfg->spike_hold_ns < 0) return AJ_EINVAL;
    if (cfg->clear_points < 1 || cfg->clear_points > AJ_QUALITY_CLEAR_POINTS_MAX) return AJ_EINVAL;
    if (!(cfg->rate_max_per_s >= 0) || !isfinite(cfg->rate_max_per_s)) return AJ_EINVAL;
    bool needs_span = cfg->flatline_ns > 0 || cfg->spike_k > 0 || cfg->rate_max_per_s > 0;
    if (needs_span && !cfg->has_range) return AJ_EINVAL;
    if (cfg->has_range) {
        if (!(isfinite(cfg->range_lo) && isfinite(cfg->range_hi) && cfg->range_lo < cfg->range_hi))
            return AJ_EINVAL;
        if (!(cfg->range_margin >= 0) || !isfinite(cfg->range_margin)) return AJ_EINVAL;
    }
    if (cfg->flatline_ns > 0 && (!(cfg->flatline_eps >= 0) || !isfinite(cfg->flatline_eps))) return AJ_EINVAL;
    if (isnan(cfg->flatline_floor)) return AJ_EINVAL;
    if (cfg->spike_k != 0) {
        if (!(cfg->spike_k > 0) || !isfinite(cfg->spike_k)) return AJ_EINVAL;
        if (!(cfg->spike_min >= 0) || !isfinite(cfg->spike_min)) return AJ_EINVAL;
        if (!(cfg->spike_return > 0 && cfg->spike_return < 1)) return AJ_EINVAL;
        if (cfg->spike_hold_ns <= 0) return AJ_EINVAL;
        /* Held points are released before the tag can go stale, so events stay in
         * event-time order whichever of check() and advance() fires first. */
        if (cfg->stale_ns > 0 && cfg->spike_hold_ns > cfg->stale_ns) return AJ_EINVAL;
    }
    return AJ_OK;
}

/* ---- conditions ------------------------------------------------------------------------ */

void aj_quality_state_init(aj_quality_state *st, int64_t tag_id) {
    memset(st, 0, sizeof *st);
    st->tag_id = tag_id;
}

bool aj_quality_is_active(const aj_quality_state *st, aj_quality_cond cond) {
    return (unsigned)cond < AJ_QC_N && (st->active & (1u << cond)) != 0;
}

typedef struct sink {
    aj_quality_emit_fn emit;
    void *ctx;
} sink;

static void emit_event(const aj_quality_state *st, const sink *sk, aj_quality_cond cond, bool is_begin,
                       int64_t t_ns, double value) {
    if (!sk->emit) return;
    aj_quality_event ev = {
        .state = st, .tag_id = st->tag_id, .cond = cond, .is_begin = is_begin, .t_ns = t_ns, .value = value};
    sk->emit(sk->ctx, &ev);
}

/* The condition holds at (t_ns, value): begin it if it is not active. */
static void cond_hit(aj_quality_state *st, const sink *sk, aj_quality_cond cond, int64_t t_ns, double value) {
    st->n_clean[cond] = 0;
    if (st->active & (1u << cond)) return;
    st->active |= 1u << cond;
    emit_event(st, sk, cond, true, t_ns, value);
}

/* A clean point for the condition: end it after clear_points of them in a row. */
static void cond_clean(aj_quality_state *st, const aj_quality_config *cfg, const sink *sk,
                       aj_quality_cond cond, int64_t t_ns, double value) {
    if (!(st->active & (1u << cond))) return;
    if (++st->n_clean[cond] < cfg->clear_points) return;
    st->active &= ~(1u << cond);
    st->n_clean[cond] = 0;
    emit_event(st, sk, cond, false, t_ns, value);
}

static void mark(aj_point *p, aj_quality_cond cond) {
    p->quality_reasons |= COND_REASON[cond];
    if (COND_QUALITY[cond] > p->quality) p->quality = COND_QUALITY[cond];
}

/* ---- spike history ------------------------------------------------------------------ */

static void diffs_push(aj_quality_state *st, double d) {
    st->diffs[st->next_diff] = (float)fabs(d);
    st->next_diff = (st->next_diff + 1) % AJ_QUALITY_DIFFS_N;
    if (st->n_diffs < AJ_QUALITY_DIFFS_N) st->n_diffs++;
}

/* The k-th smallest of a[0..n) (0-based), reordering a: Wirth's selection, O(n). After
 * it, a[0..k) <= a[k] <= a(k..n). */
static float kth_smallest(float *a, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float x = a[k];
        int i = lo, j = hi;
        do {
            while (a[i] < x) i++;
            while (x < a[j]) j--;
            if (i <= j) {
                float t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < k) lo = i;
        if (k < i) hi = j;
    }
    return a[k];
}

/* Median of the recent |differences| (n_diffs >= 1). */
static double diffs_median(const aj_quality_state *st) {
    float a[AJ_QUALITY_DIFFS_N];
    int n = (int)st->n_diffs;
    memcpy(a, st->diffs, (size_t)n * sizeof a[0]);
    double upper = kth_smallest(a, n, n / 2);
    if (n % 2) return upper;
    float lower = a[0]; /* the largest of the lower half */
    for (int i = 1; i < n / 2; i++)
        if (a[i] > lower) lower = a[i];
    return 0.5 * (lower + upper);
}

/* The point becomes the spike reference (it was accepted as the process value). */
static void ref_accept(aj_quality_state *st, const aj_point *p) {
    if (st->has_ref) diffs_push(st, p->value - st->ref_value);
    st->has_ref = true;
    st->ref_t_ns = p->t_ns;
    st->ref_value = p->value;
}

static void out_push(aj_point *out, size_t *n_out, const aj_point *p) {
    assert(*n_out < AJ_QUALITY_OUT_MAX);
    out[(*n_out)++] = *p;
}

/* Releases the held candidate without a spike verdict: it becomes the reference. A jump
 * that stayed is a step, and a step often changes the noise too (a pump starts: 0.0
 * becomes a noisy flow), so the differences are learnt afresh: the spike check waits for
 * AJ_QUALITY_DIFFS_MIN new ones rather than judge a noisy signal by a quiet median. */
static void held_release(aj_quality_state *st, const aj_quality_config *cfg, const sink *sk, aj_point *out,
                         size_t *n_out) {
    st->has_held = false;
    ref_accept(st, &st->held);
    st->n_diffs = 0;
    st->next_diff = 0;
    cond_clean(st, cfg, sk, AJ_QC_SPIKE, st->held.t_ns, st->held.value);
    out_push(out, n_out, &st->held);
}

/* Verdict on the held candidate from the next usable point p. */
static void held_judge(aj_quality_state *st, const aj_quality_config *cfg, const sink *sk, const aj_point *p,
                       aj_point *out, size_t *n_out) {
    double jump = st->held.value - st->ref_value;
    double back = p->value - st->ref_value;
    double onward = p->value - st->held.value;
    bool is_spike = fabs(back) <= cfg->spike_return * fabs(jump) && fabs(onward) > st->held_threshold;
    if (!is_spike) {
        held_release(st, cfg, sk, out, n_out);
        return;
    }
    st->has_held = false;
    mark(&st->held, AJ_QC_SPIKE);
    cond_hit(st, sk, AJ_QC_SPIKE, st->held.t_ns, st->held.value);
    out_push(out, n_out, &st->held);
}

/* Is the usable point p a spike candidate? Sets *threshold when it is. */
static bool is_spike_candidate(const aj_quality_state *st, const aj_quality_config *cfg, const aj_point *p,
                               double *threshold) {
    if (cfg->spike_k <= 0 || !st->has_ref || st->n_diffs < AJ_QUALITY_DIFFS_MIN) return false;
    if (p->t_ns - st->ref_t_ns > cfg->spike_hold_ns) return false; /* after a gap anything goes */
    double jump = fabs(p->value - st->ref_value);
    if (jump <= cfg->spike_min) return false; /* cheap test first: no median for small moves */
    double t = cfg->spike_k * diffs_median(st);
    if (t < cfg->spike_min) t = cfg->spike_min;
    *threshold = t;
    return jump > t;
}

/* ---- the checks on one point -------------------------------------------------------- */

/* Begins STALE if the tag has been silent for longer than stale_ns by now_ns. */
static void stale_check(aj_quality_state *st, const aj_quality_config *cfg, const sink *sk, int64_t now_ns) {
    if (cfg->stale_ns <= 0 || !st->has_last || (st->active & (1u << AJ_QC_STALE))) return;
    if (now_ns - st->last_t_ns <= cfg->stale_ns) return;
    cond_hit(st, sk, AJ_QC_STALE, st->last_t_ns + cfg->stale_ns, st->last_value);
}

/* Rate: p must lie within rate_max x elapsed time of the last plausible value. */
static bool rate_check(aj_quality_state *st, const aj_quality_config *cfg, const sink *sk, aj_point *p) {
    if (cfg->rate_max_per_s <= 0) return true;
    if (st->has_rate_ref) {
        double dt_s = (double)(p->t_ns - st->rate_t_ns) / (double)AJ_QUALITY_NS_PER_S;
        if (fabs(p->value - st->rate_value) > cfg->rate_max_per_s * dt_s) {
            mark(p, AJ_QC_RATE);
            cond_hit(st, sk, AJ_QC_RATE, p->t_ns, p->value);
            return false;
        }
    }
    st->has_rate_ref = true;
    st->rate_t_ns = p->t_ns;
    st->rate_value = p->value;
    cond_clean(st, cfg, sk, AJ_QC_RATE, p->t_ns, p->value);
    return true;
}

/* Flatline: a run of values within eps of its first value, longer than flatline_ns,
 * above the resting floor. While active, every unchanged point is marked. */
static void flatline_check(aj_quality_state *st, const aj_quality_config *cfg, const sink *sk, aj_point *p) {
    if (cfg->flatline_ns <= 0) return;
    bool is_moved = !st->has_flat_ref || fabs(p->value - st->flat_value) > cfg->flatline_eps;
    if (is_moved) {
        st->has_flat_ref = true;
        st->flat_value = p->value;
        st->flat_since_ns = p->t_ns;
    }
    if (is_moved || p->value <= cfg->flatline_floor) {
        cond_clean(st, cfg, sk, AJ_QC_FLATLINE, p->t_ns, p->value);
    } else if ((st->active & (1u << AJ_QC_FLATLINE)) || p->t_ns - st->flat_since_ns > cfg->flatline_ns) {
        mark(p, AJ_QC_FLATLINE);
        cond_hit(st, sk, AJ_QC_FLATLINE, p->t_ns, p->value);
    }
}

/* Will p be usable and plausible? The same answer as usable_check() && rate_check(),
 * without their side effects: the held candidate's verdict needs it before p's own
 * events are emitted, so that events come out in event-time order. */
static bool is_plausible_peek(const aj_quality_state *st, const aj_quality_config *cfg, const aj_point *p) {
    if (p->quality == AJ_QUALITY_BAD || p->type == AJ_VALUE_STRING || !isfinite(p->value)) return false;
    if (cfg->has_range &&
        (p->value < cfg->range_lo - cfg->range_margin || p->value > cfg->range_hi + cfg->range_margin))
        return false;
    if (cfg->rate_max_per_s <= 0 || !st->has_rate_ref) return true;
    double dt_s = (double)(p->t_ns - st->rate_t_ns) / (double)AJ_QUALITY_NS_PER_S;
    return fabs(p->value - st->rate_value) <= cfg->rate_max_per_s * dt_s;
}

/* Communication loss and range. Returns whether the value is usable. */
static bool usable_check(aj_quality_state *st, const aj_quality_config *cfg, const sink *sk, aj_point *p) {
    bool is_comm_loss =
        p->quality == AJ_QUALITY_BAD && (p->quality_reasons & (AJ_QR_COMM_LOSS | AJ_QR_SOURCE_BAD)) != 0;
    if (is_comm_loss) {
        cond_hit(st, sk, AJ_QC_COMM_LOSS, p->t_ns, p->value);
        return false;
    }
    cond_clean(st, cfg, sk, AJ_QC_COMM_LOSS, p->t_ns, p->value);
    bool is_out = p->type != AJ_VALUE_STRING && !isfinite(p->value);
    if (!is_out && cfg->has_range)
        is_out = p->value < cfg->range_lo - cfg->range_margin || p->value > cfg->range_hi + cfg->range_margin;
    if (is_out) {
        mark(p, AJ_QC_OUT_OF_RANGE);
        cond_hit(st, sk, AJ_QC_OUT_OF_RANGE, p->t_ns, p->value);
        return false;
    }
    cond_clean(st, cfg, sk, AJ_QC_OUT_OF_RANGE, p->t_ns, p->value);
    /* BAD for another reason is not ours to judge; a string has no value to judge. */
    return p->quality != AJ_QUALITY_BAD && p->type != AJ_VALUE_STRING;
}

aj_err aj_quality_check(aj_quality_state *st, const aj_quality_config *cfg, const aj_point *in,
                        aj_point out[AJ_QUALITY_OUT_MAX], size_t *n_out, aj_quality_emit_fn emit, void *ctx) {
    *n_out = 0;
    if (in->tag_id != st->tag_id || (st->has_last && in->t_ns <= st->last_t_ns)) return AJ_EINVAL;
    assert(cfg->clear_points >= 1);
    sink sk = {emit, ctx};
    aj_point p = *in;

    /* 1. a candidate whose hold ran out goes as it came (as advance() would have) */
    if (st->has_held && p.t_ns >= st->held.t_ns + cfg->spike_hold_ns) held_release(st, cfg, &sk, out, n_out);
    /* 2. stale: begins at the deadline if advance() did not see it; ends here. A point
     * older than the deadline (later than the allowed lateness) ends it at the deadline. */
    stale_check(st, cfg, &sk, p.t_ns);
    if (st->active & (1u << AJ_QC_STALE)) {
        int64_t begin_ns = st->last_t_ns + cfg->stale_ns;
        st->active &= ~(1u << AJ_QC_STALE);
        emit_event(st, &sk, AJ_QC_STALE, false, p.t_ns > begin_ns ? p.t_ns : begin_ns, p.value);
    }
    /* 3. the held candidate's verdict (its events are older than p's) */
    bool is_plausible_expected = is_plausible_peek(st, cfg, &p);
    if (st->has_held) {
        if (is_plausible_expected)
            held_judge(st, cfg, &sk, &p, out, n_out);
        else
            held_release(st, cfg, &sk, out, n_out);
    }
    st->has_last = true;
    st->last_t_ns = p.t_ns;
    st->last_value = p.value;

    /* 4. p itself */
    bool is_usable = usable_check(st, cfg, &sk, &p);
    bool is_plausible = is_usable && rate_check(st, cfg, &sk, &p);
    if (is_usable) flatline_check(st, cfg, &sk, &p);
    assert(is_plausible == is_plausible_expected);

    /* 5. release p, or hold it for its own verdict */
    double threshold = 0;
    if (is_plausible && is_spike_candidate(st, cfg, &p, &threshold)) {
        st->has_held = true;
        st->held = p;
        st->held_threshold = threshold;
        return AJ_OK;
    }
    if (is_plausible) {
        ref_accept(st, &p);
        cond_clean(st, cfg, &sk, AJ_QC_SPIKE, p.t_ns, p.value);
    }
    out_push(out, n_out, &p);
    return AJ_OK;
}

void aj_quality_advance(aj_quality_state *st, const aj_quality_config *cfg, int64_t watermark_ns,
                        aj_point out[AJ_QUALITY_OUT_MAX], size_t *n_out, aj_quality_emit_fn emit, void *ctx) {
    *n_out = 0;
    sink sk = {emit, ctx};
    if (st->has_held && watermark_ns >= st->held.t_ns + cfg->spike_hold_ns)
        held_release(st, cfg, &sk, out, n_out);
    stale_check(st, cfg, &sk, watermark_ns);
}
