/* instance.c — one failure mode on one asset or zone, evaluated tick by tick (instance.h). */
#include "reason/instance.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S    1000000000LL
#define NS_PER_HOUR (3600LL * NS_PER_S)

/* ---- slope over a span ---------------------------------------------------------------- */

static void slope_init(aj_rslope *s, int64_t span_ns) {
    memset(s, 0, sizeof *s);
    s->width_ns = span_ns / AJ_RINST_SLOPE_BUCKETS;
    if (s->width_ns < AJ_RINST_TICK_NS) s->width_ns = AJ_RINST_TICK_NS;
    s->cur_idx = INT64_MIN;
}

static void slope_close(aj_rslope *s) {
    if (s->cur_idx == INT64_MIN || s->cur_n == 0) return;
    int at = (s->head + s->n) % AJ_RINST_SLOPE_BUCKETS;
    if (s->n == AJ_RINST_SLOPE_BUCKETS) {
        at = s->head;
        s->head = (s->head + 1) % AJ_RINST_SLOPE_BUCKETS;
    } else {
        s->n++;
    }
    s->idx[at] = s->cur_idx;
    s->mean[at] = s->cur_sum / s->cur_n;
}

static void slope_add(aj_rslope *s, int64_t t_ns, double v) {
    int64_t idx = (t_ns - 1) / s->width_ns; /* the tick ending at t_ns lies in (t - tick, t] */
    if (idx != s->cur_idx) {
        slope_close(s);
        s->cur_idx = idx;
        s->cur_sum = 0;
        s->cur_n = 0;
    }
    if (isfinite(v)) {
        s->cur_sum += v;
        s->cur_n++;
    }
}

/* Sub-windows a slope needs before it is given: all but the open one for spans up to an hour
 * (a few minutes of correlated noise make a steep short slope: 8 of 16 sub-windows of a
 * 15 min span raised oxygen falls at every start), half for longer spans (a two-day trend is
 * worth knowing after a day). */
static int slope_min_buckets(const aj_rslope *s) {
    return s->width_ns * AJ_RINST_SLOPE_BUCKETS <= NS_PER_HOUR ? AJ_RINST_SLOPE_BUCKETS - 1
                                                               : AJ_RINST_SLOPE_BUCKETS / 2;
}

/* Units per hour over the closed sub-windows of the last span; NAN while too few of them. */
static double slope_value(const aj_rslope *s) {
    if (s->cur_idx == INT64_MIN) return NAN;
    int64_t oldest = s->cur_idx - AJ_RINST_SLOPE_BUCKETS;
    double n = 0, st = 0, sv = 0, stt = 0, stv = 0;
    for (int k = 0; k < s->n; k++) {
        int i = (s->head + k) % AJ_RINST_SLOPE_BUCKETS;
        if (s->idx[i] < oldest) continue;
        double t = (double)(s->idx[i] - s->cur_idx); /* in widths, <= -1 */
        n++;
        st += t;
        sv += s->mean[i];
        stt += t * t;
        stv += t * s->mean[i];
    }
    if (n < slope_min_buckets(s)) return NAN;
    double var = stt - st * st / n;
    if (var <= 0) return NAN;
    double per_width = (stv - st * sv / n) / var;
    return per_width * ((double)NS_PER_HOUR / (double)s->width_ns);
}

/* ---- life cycle ------------------------------------------------------------------------ */

aj_rinst *aj_rinst_new(const aj_rule_mode *mode, int64_t scope_id, const aj_rchan_spec *chans, int n_chans,
                       int64_t ambient_tag_id) {
    assert(mode && n_chans >= 0 && n_chans <= AJ_RINST_CHANNELS_MAX);
    size_t ne = mode->n_evidence ? (size_t)mode->n_evidence : 1;
    size_t per_ev = sizeof(aj_evtrack) + sizeof(int64_t) + sizeof(aj_rev_view) + sizeof(int);
    aj_rinst *in = calloc(1, sizeof *in + ne * per_ev + 16);
    if (!in) return NULL;
    /* the evidence arrays follow the struct, each aligned for its type */
    char *at = (char *)(in + 1);
    in->ev = (aj_evtrack *)at;
    at += ne * sizeof(aj_evtrack);
    in->view = (aj_rev_view *)(((uintptr_t)at + 7) & ~(uintptr_t)7);
    at = (char *)(in->view + ne);
    in->cond_since = (int64_t *)(((uintptr_t)at + 7) & ~(uintptr_t)7);
    in->slope_first = (int *)(in->cond_since + ne);
    in->mode = mode;
    in->scope_id = scope_id;
    in->chans = calloc(n_chans ? (size_t)n_chans : 1, sizeof *in->chans);
    if (!in->chans) {
        free(in);
        return NULL;
    }
    in->n_chans = n_chans;
    for (int i = 0; i < n_chans; i++) {
        aj_rchan *c = &in->chans[i];
        assert(chans[i].signal >= 0 && chans[i].signal < mode->n_signals);
        assert(i == 0 || chans[i].signal >= chans[i - 1].signal);
        c->spec = chans[i];
        aj_baseline_config_defaults(&c->bcfg, chans[i].scale_floor > 0 ? chans[i].scale_floor : 1e-6);
        aj_baseline_init(&c->base);
        c->value = NAN;
        c->last_value = NAN;
        c->last_value_t = INT64_MIN;
    }
    for (int j = 0, i = 0; j <= mode->n_signals; j++) {
        while (i < n_chans && chans[i].signal < j) i++;
        in->sig_first[j] = i;
    }
    int n_slopes = 0;
    for (int e = 0; e < mode->n_evidence; e++) {
        const aj_rule_evidence *ev = &mode->evidence[e];
        in->slope_first[e] = -1;
        if (ev->term == AJ_RT_SLOPE) {
            in->slope_first[e] = n_slopes;
            n_slopes += in->sig_first[ev->signal + 1] - in->sig_first[ev->signal];
        }
        aj_evtrack_init(&in->ev[e]);
        in->cond_since[e] = INT64_MIN;
        in->view[e] = (aj_rev_view){.state = AJ_EV_UNKNOWN, .term = NAN, .expected = NAN, .channel = -1};
    }
    in->slopes = calloc(n_slopes ? (size_t)n_slopes : 1, sizeof *in->slopes);
    if (!in->slopes) {
        free(in->chans);
        free(in);
        return NULL;
    }
    for (int e = 0; e < mode->n_evidence; e++) {
        const aj_rule_evidence *ev = &mode->evidence[e];
        if (ev->term != AJ_RT_SLOPE) continue;
        int k = in->sig_first[ev->signal + 1] - in->sig_first[ev->signal];
        for (int c = 0; c < k; c++) slope_init(&in->slopes[in->slope_first[e] + c], ev->span_ns);
    }
    slope_init(&in->ttf_slope, AJ_RINST_TTF_SPAN_NS);
    in->last_tick_ns = INT64_MIN;
    in->posterior = mode->prior;
    in->log_odds = log(mode->prior / (1 - mode->prior));
    in->ttf_hours = NAN;
    in->has_ambient = ambient_tag_id != 0;
    in->ambient_tag_id = ambient_tag_id;
    in->ambient_last = NAN;
    in->ambient_last_t = INT64_MIN;
    in->lone_signal = -1;
    in->lone_since_ns = INT64_MIN;
    return in;
}

void aj_rinst_free(aj_rinst *in) {
    if (!in) return;
    free(in->slopes);
    free(in->chans);
    free(in);
}

bool aj_rinst_signal_folded(const aj_rinst *in, int j) {
    assert(j >= 0 && j < in->mode->n_signals);
    if (in->level != AJ_RLEVEL_NONE && (in->mode->explains_mask & (1u << j))) return true;
    for (int k = 0; k < in->mode->n_evidence; k++)
        if (in->mode->evidence[k].signal == j && in->view[k].state == AJ_EV_PRESENT) return true;
    return false;
}

double aj_rinst_channel_value(const aj_rinst *in, int channel) {
    if (channel < 0 || channel >= in->n_chans) return NAN;
    return in->chans[channel].has_smooth ? in->chans[channel].smooth : NAN;
}

/* ---- one tick -------------------------------------------------------------------------- */

static bool compare(aj_rule_cmp cmp, double v, double threshold) {
    switch (cmp) {
    case AJ_RC_GT:
        return v > threshold;
    case AJ_RC_GE:
        return v >= threshold;
    case AJ_RC_LT:
        return v < threshold;
    case AJ_RC_LE:
        return v <= threshold;
    }
    return false;
}

/* Which channel value is "most in favour" of a comparison: the largest for > and >=. */
static bool is_upward(aj_rule_cmp cmp) {
    return cmp == AJ_RC_GT || cmp == AJ_RC_GE;
}

static double load_fraction(const aj_rinst *in) {
    int j = in->mode->load_signal;
    if (j < 0) return NAN;
    int i = in->sig_first[j];
    if (i >= in->sig_first[j + 1]) return NAN;
    const aj_rchan *c = &in->chans[i];
    if (!c->has_smooth || !isfinite(c->value)) return NAN;
    double lo = c->spec.range_lo, hi = c->spec.range_hi;
    if (!isfinite(lo) || !isfinite(hi) || hi <= lo) return NAN;
    return (c->smooth - lo) / (hi - lo);
}

/* What channel c's baseline is about: its value, less the lagged air temperature when it
 * is judged relative to it; NAN when that reference is missing. */
static double relative_value(const aj_rinst *in, const aj_rchan *c, double v) {
    if (!c->spec.use_ambient || !in->has_ambient) return v;
    return in->has_ambient_ref ? v - in->ambient_ref : NAN;
}

static double reference(const aj_rinst *in, const aj_rchan *c) {
    return c->spec.use_ambient && in->has_ambient ? in->ambient_ref : 0;
}

/* The value of a signal term on one channel; NAN when it cannot be judged. */
static double term_on_channel(aj_rinst *in, const aj_rule_evidence *ev, int e, int ci, double load,
                              double *expected) {
    aj_rchan *c = &in->chans[ci];
    *expected = NAN;
    if (ev->term == AJ_RT_SLOPE) {
        aj_rslope *s = &in->slopes[in->slope_first[e] + (ci - in->sig_first[ev->signal])];
        return isfinite(c->value) ? slope_value(s) : NAN;
    }
    if (!isfinite(c->value) || !c->has_smooth) return NAN;
    if (ev->term == AJ_RT_LEVEL) return c->smooth;
    if (!in->is_running) return NAN;
    double exp_v, scale;
    if (!isfinite(relative_value(in, c, c->smooth))) return NAN;
    if (!aj_baseline_expected(&c->base, &c->bcfg, load, &exp_v, &scale)) return NAN;
    exp_v += reference(in, c);
    *expected = exp_v;
    double dev = c->smooth - exp_v;
    switch (ev->term) {
    case AJ_RT_DEVIATION:
        return dev;
    case AJ_RT_RELATIVE:
        return fabs(exp_v) > c->bcfg.scale_floor ? dev / fabs(exp_v) * 100 : NAN;
    case AJ_RT_RATIO:
        return exp_v > c->bcfg.scale_floor ? c->smooth / exp_v : NAN;
    default:
        return NAN;
    }
}

static aj_ev_state signal_condition(aj_rinst *in, int e, double load) {
    const aj_rule_evidence *ev = &in->mode->evidence[e];
    aj_rev_view *v = &in->view[e];
    bool up = is_upward(ev->cmp), any_known = false, holds = false;
    v->term = NAN;
    v->expected = NAN;
    v->channel = -1;
    for (int ci = in->sig_first[ev->signal]; ci < in->sig_first[ev->signal + 1]; ci++) {
        double expected;
        double t = term_on_channel(in, ev, e, ci, load, &expected);
        if (!isfinite(t)) continue;
        if (!any_known || (up ? t > v->term : t < v->term)) {
            v->term = t;
            v->expected = expected;
            v->channel = ci;
        }
        any_known = true;
        if (compare(ev->cmp, t, ev->threshold)) holds = true;
    }
    if (!any_known) return AJ_EV_UNKNOWN;
    return holds ? AJ_EV_PRESENT : AJ_EV_ABSENT;
}

static aj_ev_state evidence_condition(aj_rinst *in, int e, int64_t t) {
    const aj_rule_evidence *ev = &in->mode->evidence[e];
    aj_rev_view *v = &in->view[e];
    v->expected = NAN;
    v->channel = -1;
    switch (ev->term) {
    case AJ_RT_COUNT: {
        int n = aj_evtrack_rises_in(&in->ev[ev->refs[0]], t - ev->span_ns, t);
        v->term = n;
        return compare(ev->cmp, n, ev->threshold) ? AJ_EV_PRESENT : AJ_EV_ABSENT;
    }
    case AJ_RT_WITHIN: {
        int n = 0;
        for (int k = 0; k < ev->n_refs; k++)
            if (aj_evtrack_present_in(&in->ev[ev->refs[k]], t - ev->span_ns, t)) n++;
        v->term = n;
        return n == ev->n_refs ? AJ_EV_PRESENT : AJ_EV_ABSENT;
    }
    case AJ_RT_BEFORE: {
        int64_t r2, r1;
        v->term = NAN;
        const aj_evtrack *a = &in->ev[ev->refs[0]], *b = &in->ev[ev->refs[1]];
        if (aj_evtrack_at(b, t) != AJ_EV_PRESENT || !aj_evtrack_last_rise(b, t, &r2)) return AJ_EV_ABSENT;
        if (!aj_evtrack_last_rise(a, r2, &r1)) return AJ_EV_ABSENT;
        v->term = (double)(r2 - r1) / NS_PER_S;
        return r2 - r1 <= ev->span_ns ? AJ_EV_PRESENT : AJ_EV_ABSENT;
    }
    default:
        return AJ_EV_UNKNOWN;
    }
}

/* Applies `for`: present only after the condition has held for for_ns without a break. */
static aj_ev_state sustain(aj_rinst *in, int e, int64_t t, aj_ev_state cond) {
    const aj_rule_evidence *ev = &in->mode->evidence[e];
    if (cond != AJ_EV_PRESENT) {
        in->cond_since[e] = INT64_MIN;
        return cond;
    }
    if (in->cond_since[e] == INT64_MIN) in->cond_since[e] = t;
    return t - in->cond_since[e] >= ev->for_ns ? AJ_EV_PRESENT : AJ_EV_ABSENT;
}

static void estimate_ttf(aj_rinst *in, double load) {
    const aj_rule_mode *m = in->mode;
    in->ttf_hours = NAN;
    if (m->ttf_signal < 0 || in->level == AJ_RLEVEL_NONE) return;
    int ci = in->sig_first[m->ttf_signal];
    if (ci >= in->sig_first[m->ttf_signal + 1]) return;
    const aj_rchan *c = &in->chans[ci];
    double slope = slope_value(&in->ttf_slope);
    if (!c->has_smooth || !isfinite(slope)) return;
    double now = c->smooth, target = m->ttf_value;
    if (m->ttf_is_deviation) {
        double exp_v, scale;
        if (!isfinite(relative_value(in, c, now))) return;
        if (!aj_baseline_expected(&c->base, &c->bcfg, load, &exp_v, &scale)) return;
        now -= exp_v + reference(in, c);
    }
    double gap = target - now;
    if (gap <= 0)
        in->ttf_hours = 0;
    else if (slope > 0)
        in->ttf_hours = gap / slope;
}

void aj_rinst_tick(aj_rinst *in, int64_t t, const double *values) {
    const aj_rule_mode *m = in->mode;
    assert(t > in->last_tick_ns);
    double dt_s = in->last_tick_ns == INT64_MIN ? (double)AJ_RINST_TICK_NS / NS_PER_S
                                                : (double)(t - in->last_tick_ns) / NS_PER_S;
    in->last_tick_ns = t;
    double alpha = 1 - exp(-dt_s / AJ_RINST_SMOOTH_S);
    /* 1. channel values and smoothing */
    for (int i = 0; i < in->n_chans; i++) {
        aj_rchan *c = &in->chans[i];
        double v = values[i];
        if (isfinite(v)) {
            c->last_value = v;
            c->last_value_t = t;
        } else if (c->last_value_t != INT64_MIN && t - c->last_value_t <= AJ_RINST_HOLD_NS) {
            v = c->last_value;
        } else {
            v = NAN;
            c->has_smooth = false; /* a long gap: start smoothing afresh */
        }
        c->value = v;
        if (isfinite(v)) {
            c->smooth = c->has_smooth ? c->smooth + alpha * (v - c->smooth) : v;
            c->has_smooth = true;
        }
    }
    /* the site's air temperature, lagged: the reference of temperatures */
    if (in->has_ambient) {
        double a = values[in->n_chans];
        if (isfinite(a)) {
            in->ambient_last = a;
            in->ambient_last_t = t;
        } else if (in->ambient_last_t != INT64_MIN && t - in->ambient_last_t <= AJ_RINST_HOLD_NS) {
            a = in->ambient_last;
        }
        if (isfinite(a)) {
            double k = 1 - exp(-dt_s / AJ_RINST_AMBIENT_LAG_S);
            in->ambient_ref = in->has_ambient_ref ? in->ambient_ref + k * (a - in->ambient_ref) : a;
            in->has_ambient_ref = true;
        } else {
            in->has_ambient_ref = false;
        }
    }
    /* 2. operating state */
    double now_load = load_fraction(in);
    in->is_running = m->load_signal < 0 || (isfinite(now_load) && now_load > AJ_RINST_RUNNING_FRACTION);
    double load = now_load;
    if (m->load_lag_ns > 0) {
        if (isfinite(now_load)) {
            double k = 1 - exp(-dt_s * NS_PER_S / (double)m->load_lag_ns);
            in->load_lagged =
                in->has_load_lagged ? in->load_lagged + k * (now_load - in->load_lagged) : now_load;
            in->has_load_lagged = true;
        } else {
            in->has_load_lagged = false;
        }
        load = in->has_load_lagged ? in->load_lagged : NAN;
    }
    /* 3. baselines learn from fresh tick means only, not while the mode is suspected */
    bool learn = in->level == AJ_RLEVEL_NONE && !in->is_held;
    for (int i = 0; i < in->n_chans; i++) {
        aj_rchan *c = &in->chans[i];
        /* a sensor check freezes only the suspect signal: the others must keep judging it */
        if (in->is_uncorroborated && c->spec.signal == in->lone_signal) continue;
        double v = isfinite(values[i]) ? relative_value(in, c, values[i]) : NAN;
        c->base.is_cautious = in->is_uncorroborated; /* a fault may be developing: no load learns it */
        if (learn && isfinite(v)) aj_baseline_learn(&c->base, &c->bcfg, t, v, load, in->is_running);
    }
    for (int e = 0; e < m->n_evidence; e++) {
        const aj_rule_evidence *ev = &m->evidence[e];
        if (ev->term != AJ_RT_SLOPE) continue;
        for (int ci = in->sig_first[ev->signal]; ci < in->sig_first[ev->signal + 1]; ci++)
            slope_add(&in->slopes[in->slope_first[e] + (ci - in->sig_first[ev->signal])], t, values[ci]);
    }
    if (m->ttf_signal >= 0 && in->sig_first[m->ttf_signal] < in->sig_first[m->ttf_signal + 1])
        slope_add(&in->ttf_slope, t, values[in->sig_first[m->ttf_signal]]);
    /* 4./5. evidence, in order (evidence terms refer to earlier evidence only) */
    double log_odds = log(m->prior / (1 - m->prior));
    uint32_t signals_present = 0, present = 0;
    for (int e = 0; e < m->n_evidence; e++) {
        const aj_rule_evidence *ev = &m->evidence[e];
        aj_ev_state cond = ev->signal >= 0 ? signal_condition(in, e, load) : evidence_condition(in, e, t);
        aj_ev_state st = sustain(in, e, t, cond);
        aj_evtrack_set(&in->ev[e], t, st);
        in->view[e].state = st;
        int64_t since;
        in->view[e].since_ns = aj_evtrack_since(&in->ev[e], t, &since) ? since : t;
        if (st == AJ_EV_PRESENT) {
            present |= 1u << e;
            log_odds += log(ev->lr);
            if (ev->signal >= 0 && ev->lr > 1) signals_present |= 1u << ev->signal; /* support only */
        }
    }
    /* 6. posterior and level */
    in->log_odds = log_odds;
    in->present_mask = present;
    in->posterior = 1 / (1 + exp(-log_odds));
    in->n_corroborating = __builtin_popcount(signals_present);
    bool corroborated = in->n_corroborating >= m->corroborate;
    in->level = !corroborated                     ? AJ_RLEVEL_NONE
                : in->posterior >= m->diagnose_at ? AJ_RLEVEL_DIAGNOSIS
                : in->posterior >= m->warn_at     ? AJ_RLEVEL_WARNING
                                                  : AJ_RLEVEL_NONE;
    int lone = in->n_corroborating == 1 ? __builtin_ctz(signals_present) : -1;
    if (lone != in->lone_signal) in->lone_since_ns = lone >= 0 ? t : INT64_MIN;
    in->lone_signal = lone;
    bool is_long_alone = lone >= 0 && m->corroborate >= 2 && t - in->lone_since_ns >= AJ_RINST_LONE_NS;
    /* a signal deviating alone while another mode of the asset is raised is that fault's
     * doing, not a sensor to check */
    in->is_uncorroborated = !corroborated && !in->is_held && (in->posterior >= m->warn_at || is_long_alone);
    estimate_ttf(in, load);
}
