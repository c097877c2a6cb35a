/* baseline.c — robust, forgetting linear baseline of a signal over its load (baseline.h). */
#include "reason/baseline.h"

#include <assert.h>
#include <math.h>

/* Longest gap counted as running time between two samples. */
#define GAP_MAX_S 60.0
/* Once warm, a residual moves the scale as if it were at most this many scales. */
#define SCALE_CLIP 2.0
/* Huber: residuals up to this many scales get full weight. */
#define HUBER_K 1.5
/* A load spread below this (fraction of range, standard deviation) fits no slope. */
#define LOAD_SD_MIN 0.01
/* Loads are clamped to the learned mean ± this many standard deviations. */
#define LOAD_EXTRAPOLATE_SD 2.5
/* A load farther than this many standard deviations (at least LOAD_NOVEL_MIN of the range)
 * from the running mean is one the running fit has not seen. */
#define LOAD_NOVEL_SD  2.0
#define LOAD_NOVEL_MIN 0.05

void aj_baseline_config_defaults(aj_baseline_config *c, double scale_floor) {
    assert(scale_floor > 0);
    *c = (aj_baseline_config){.tau_s = 7200,
                              .slow_tau_s = 86400,
                              .gate_sigmas = 4,
                              .scale_floor = scale_floor,
                              .warmup_s = 1800,
                              .freeze_max_s = 21600};
}

void aj_baseline_init(aj_baseline *b) {
    *b = (aj_baseline){0};
}

/* The fit: running means, load slope and the load range it may extrapolate over. */
typedef struct fit_t {
    double mean_l, mean_x, slope, lo, hi;
} fit_t;

static bool fit(const aj_baseline *b, fit_t *f) {
    if (b->sw <= 0) return false;
    f->mean_l = b->sl / b->sw;
    f->mean_x = b->sx / b->sw;
    double var_l = b->sll / b->sw - f->mean_l * f->mean_l;
    double sd_l = var_l > 0 ? sqrt(var_l) : 0;
    f->slope = sd_l >= LOAD_SD_MIN ? (b->slx / b->sw - f->mean_l * f->mean_x) / var_l : 0;
    f->lo = f->mean_l - LOAD_EXTRAPOLATE_SD * sd_l;
    f->hi = f->mean_l + LOAD_EXTRAPOLATE_SD * sd_l;
    if (b->sw2 > 0) { /* the day-long fit: its slope and its (wider) load range */
        double dvar = b->sdll / b->sw2;
        if (dvar >= LOAD_SD_MIN * LOAD_SD_MIN) f->slope = b->sdlx / b->sdll;
        double m2 = b->sl2 / b->sw2, var2 = b->sll2 / b->sw2 - m2 * m2;
        double sd2 = var2 > 0 ? sqrt(var2) : 0;
        if (m2 - LOAD_EXTRAPOLATE_SD * sd2 < f->lo) f->lo = m2 - LOAD_EXTRAPOLATE_SD * sd2;
        if (m2 + LOAD_EXTRAPOLATE_SD * sd2 > f->hi) f->hi = m2 + LOAD_EXTRAPOLATE_SD * sd2;
    }
    return true;
}

static double predict(const aj_baseline *b, double load) {
    fit_t f;
    if (!fit(b, &f)) return NAN;
    if (isnan(load) || f.slope == 0) return f.mean_x;
    double l = load < f.lo ? f.lo : load > f.hi ? f.hi : load;
    return f.mean_x + f.slope * (l - f.mean_l);
}

static double scale_of(const aj_baseline *b, const aj_baseline_config *c) {
    return b->scale > c->scale_floor ? b->scale : c->scale_floor;
}

/* One sample into the slope's day-long sums, weight w (seconds), as a departure from the
 * running means before the sample moves them. */
static void learn_slope(aj_baseline *b, const aj_baseline_config *c, double dt, double l, double value,
                        double w) {
    if (b->sw <= 0) return;
    double dl = l - b->sl / b->sw, dx = value - b->sx / b->sw, f2 = exp(-dt / c->slow_tau_s);
    b->sdll = f2 * b->sdll + w * dl * dl;
    b->sdlx = f2 * b->sdlx + w * dl * dx;
    b->sw2 = f2 * b->sw2 + w;
    b->sl2 = f2 * b->sl2 + w * l;
    b->sll2 = f2 * b->sll2 + w * l * l;
}

bool aj_baseline_learn(aj_baseline *b, const aj_baseline_config *c, int64_t t_ns, double value, double load,
                       bool running) {
    double dt = 1.0;
    if (b->has_last) {
        if (t_ns <= b->last_t_ns) return false; /* not after the previous sample */
        dt = (double)(t_ns - b->last_t_ns) / 1e9;
        if (dt > GAP_MAX_S) dt = GAP_MAX_S;
    }
    b->last_t_ns = t_ns;
    b->has_last = true;
    if (!running || !isfinite(value)) return false;
    double l = isnan(load) ? 0 : load;
    double scale = scale_of(b, c);
    bool is_warm = b->learned_s >= c->warmup_s;
    /* The slope's day-long sums take the samples the level learns, and also those the gate
     * holds back at a load the running fit has not seen: that is exactly what teaches the
     * slope. A fault at a known load (a motor's cooling loss lifts its current a little)
     * stays out of it. */
    bool is_novel_load = false;
    if (b->sw > 0) {
        double ml = b->sl / b->sw, var_l = b->sll / b->sw - ml * ml;
        double reach = LOAD_NOVEL_SD * (var_l > 0 ? sqrt(var_l) : 0);
        if (reach < LOAD_NOVEL_MIN) reach = LOAD_NOVEL_MIN;
        is_novel_load = fabs(l - ml) > reach;
    }
    double tau = c->tau_s, weight = 1;
    if (is_warm) {
        double r = fabs(value - predict(b, load));
        if (r > c->gate_sigmas * scale) {
            b->gated_s += dt;
            if (b->gated_s < c->freeze_max_s) {
                if (is_novel_load && !b->is_cautious) learn_slope(b, c, dt, l, value, dt);
                return false;
            }
            weight = c->tau_s / c->slow_tau_s; /* a lasting change: follow it, slowly */
        } else {
            b->gated_s = 0;
            if (r > HUBER_K * scale) weight = HUBER_K * scale / r;
        }
    }
    double f = exp(-dt / tau);
    double w = weight * dt;
    double before = b->sw > 0 ? predict(b, load) : value;
    if (!b->is_cautious) learn_slope(b, c, dt, l, value, w);
    b->sw = f * b->sw + w;
    b->sl = f * b->sl + w * l;
    b->sx = f * b->sx + w * value;
    b->sll = f * b->sll + w * l * l;
    b->slx = f * b->slx + w * l * value;
    /* Robust scale: exponentially weighted mean absolute residual (× 1.25 ≈ σ for normal
     * noise) against the fit before this sample, on a faster clock than the fit. Once warm,
     * residuals count at most SCALE_CLIP scales, so a slowly growing deviation cannot widen
     * the gate as fast as it grows. (On the fit's slower clock a cycling signal — a tank's
     * vent pressure over its fill cycle — outgrows a scale learned in a quiet hour.) */
    double r = fabs(value - before);
    if (is_warm && r > SCALE_CLIP * scale) r = SCALE_CLIP * scale;
    double fs = exp(-dt / (tau / 4));
    b->scale = fs * b->scale + (1 - fs) * 1.25 * r;
    b->learned_s += dt;
    return true;
}

bool aj_baseline_expected(const aj_baseline *b, const aj_baseline_config *c, double load, double *expected,
                          double *scale) {
    if (b->learned_s < c->warmup_s) return false;
    double p = predict(b, load);
    if (!isfinite(p)) return false;
    *expected = p;
    *scale = scale_of(b, c);
    return true;
}
