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

static bool fit(const aj_baseline *b, double *mean_l, double *mean_x, double *slope, double *sd_l) {
    if (b->sw <= 0) return false;
    *mean_l = b->sl / b->sw;
    *mean_x = b->sx / b->sw;
    double var_l = b->sll / b->sw - *mean_l * *mean_l;
    *sd_l = var_l > 0 ? sqrt(var_l) : 0;
    *slope = *sd_l >= LOAD_SD_MIN ? (b->slx / b->sw - *mean_l * *mean_x) / var_l : 0;
    return true;
}

static double predict(const aj_baseline *b, double load) {
    double ml, mx, k, sd;
    if (!fit(b, &ml, &mx, &k, &sd)) return NAN;
    if (isnan(load) || k == 0) return mx;
    double lo = ml - LOAD_EXTRAPOLATE_SD * sd, hi = ml + LOAD_EXTRAPOLATE_SD * sd;
    double l = load < lo ? lo : load > hi ? hi : load;
    return mx + k * (l - ml);
}

static double scale_of(const aj_baseline *b, const aj_baseline_config *c) {
    return b->scale > c->scale_floor ? b->scale : c->scale_floor;
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
    double tau = c->tau_s, weight = 1;
    if (is_warm) {
        double r = fabs(value - predict(b, load));
        if (r > c->gate_sigmas * scale) {
            b->gated_s += dt;
            if (b->gated_s < c->freeze_max_s) return false;
            weight = c->tau_s / c->slow_tau_s; /* a lasting change: follow it, slowly */
        } else {
            b->gated_s = 0;
            if (r > HUBER_K * scale) weight = HUBER_K * scale / r;
        }
    }
    double f = exp(-dt / tau);
    double w = weight * dt;
    double before = b->sw > 0 ? predict(b, load) : value;
    b->sw = f * b->sw + w;
    b->sl = f * b->sl + w * l;
    b->sx = f * b->sx + w * value;
    b->sll = f * b->sll + w * l * l;
    b->slx = f * b->slx + w * l * value;
    /* Robust scale: exponentially weighted mean absolute residual (× 1.25 ≈ σ for normal
     * noise) against the fit before this sample, on a faster clock than the fit. Once warm,
     * residuals count at most SCALE_CLIP scales, so a slowly growing deviation cannot widen
     * the gate as fast as it grows. */
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
