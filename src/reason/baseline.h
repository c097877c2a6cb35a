/* baseline.h — what a signal normally reads in its current operating state, so that
 * "+12 ℃" means "12 ℃ above what this seal runs at, at this load, today".
 *
 * Model: value ≈ a + b · load. The level a follows the asset's running time with
 * exponential forgetting (time constant tau_s, so it follows seasons and the day's ambient
 * but not a fault developing over hours). The load slope b is a property of the machine,
 * learned over slow_tau_s (a day) from each sample's departure from the running means —
 * (load − mean load) against (value − mean value) — so a level drifting with the weather
 * does not bias it, and a load last seen hours ago is still predicted; while that
 * day-long fit has too little load spread, the slope of the tau_s fit is used. load is the asset's
 * operating-state signal as a fraction of its instrument range (NAN when the mode names no
 * load signal: the fit is then a level). While the asset is stopped nothing is learned and
 * no baseline is given (deviations from a running baseline mean nothing for a stopped
 * pump).
 *
 * Robustness: a sample whose residual exceeds gate_sigmas robust scales is not learned
 * (a developing fault must not become the new normal); residuals between 1.5 and
 * gate_sigmas scales are learned with Huber weights. When samples have been gated for
 * freeze_max_s of running time in a row (a lasting change nobody repaired, e.g. a new
 * operating regime), learning resumes with samples weighted tau_s / slow_tau_s (a twelfth
 * by default), so a baseline never stays frozen for good but takes about half a day to
 * take in the change. The scale is an exponentially weighted mean
 * absolute residual, never below scale_floor. The baseline is usable after warmup_s of
 * running time; before that every sample is learned.
 *
 * Pure: no I/O; the state is plain numbers (saved and restored by the caller as is). */
#ifndef AJ_BASELINE_H
#define AJ_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct aj_baseline_config {
    double tau_s;        /* forgetting time constant, running seconds (default 7200) */
    double slow_tau_s;   /* the load slope's memory; after a long freeze samples weigh tau_s / slow_tau_s
                            (default 86400) */
    double gate_sigmas;  /* residuals beyond this many scales are not learned (default 4) */
    double scale_floor;  /* smallest scale, signal units (> 0) */
    double warmup_s;     /* running time before the baseline is given (default 1800) */
    double freeze_max_s; /* running time gated in a row before slow learning (default 21600) */
} aj_baseline_config;

typedef struct aj_baseline {
    /* decayed weighted sums (weight = seconds): Σw, Σw·l, Σw·x, Σw·l², Σw·l·x */
    double sw, sl, sx, sll, slx;
    /* the same over slow_tau_s: Σw, Σw·l, Σw·l² (the load's range) and, for the slope,
     * Σw·dl², Σw·dl·dx with dl, dx the departures from the tau_s means */
    double sw2, sl2, sll2, sdll, sdlx;
    double scale;     /* robust scale of the residuals */
    double learned_s; /* running time learned so far (for the warm-up) */
    double gated_s;   /* running time gated in a row */
    /* set by the owner: no sample teaches the slope (a check is open on the mode — a fault
     * may be developing while the load moves); the level still learns */
    bool is_cautious;
    int64_t last_t_ns;
    bool has_last;
} aj_baseline;

/* Defaults as documented, with scale_floor. */
void aj_baseline_config_defaults(aj_baseline_config *c, double scale_floor);

void aj_baseline_init(aj_baseline *b);

/* Learns one good-quality sample at t_ns (non-decreasing). dt is the time since the previous
 * sample, at most 60 s counted (a gap in the data is not running time). running false: the
 * sample only moves the clock. Returns true when the sample was learned (false: gated, not
 * running, or not finite). */
bool aj_baseline_learn(aj_baseline *b, const aj_baseline_config *c, int64_t t_ns, double value, double load,
                       bool running);

/* The expected value at this load (NAN load: the level) and the robust scale. false while
 * warming up. */
bool aj_baseline_expected(const aj_baseline *b, const aj_baseline_config *c, double load, double *expected,
                          double *scale);

#endif
