/* instance.h — one failure mode bound to one asset (or zone): its channels (the tags behind
 * each signal), their baselines, the state of every piece of evidence, and the posterior.
 *
 * The reasoner calls aj_rinst_tick once per tick of event time (AJ_RINST_TICK_NS) with, per
 * channel, the mean of that tag's good-quality points in the tick (NAN: none). Everything
 * else — smoothing, baselines, evidence, posterior, time to failure — is computed here from
 * those numbers only, so the outcome depends on the data and never on how fast it arrived
 * (docs/reasoning.md "Determinism").
 *
 * Per tick:
 *  1. a channel's value is the tick mean, or its last value for AJ_RINST_HOLD_NS, else
 *     unknown; its smoothed value follows with time constant AJ_RINST_SMOOTH_S;
 *  2. the operating state: the load signal's smoothed value as a fraction of its range;
 *     running above AJ_RINST_RUNNING_FRACTION (no load signal: always running); the
 *     baselines see it through the mode's load lag when it has one;
 *  3. baselines learn (baseline.h), unless the instance is at early warning or beyond or
 *     is_held (another mode of the asset is) (a sensor check freezes only the suspect
 *     signal's);
 *     a temperature is learned and judged relative to the site's air temperature, lagged
 *     by AJ_RINST_AMBIENT_LAG_S, when the site has one (the day's swing and the season
 *     then do not look like a fault, and a fault cannot hide in them);
 *  4. signal evidence per channel — level, deviation, relative, ratio (on the smoothed
 *     value), slope (least squares over the span) — compared with the threshold; a signal
 *     with several channels (a zone's detectors) holds the evidence when any channel does;
 *     `for` asks for it to hold without a break; unknown when no channel can be judged;
 *  5. evidence over evidence (count, within, before) from the kept transitions;
 *  6. posterior log-odds = logit(prior) + Σ ln(lr) over present evidence; the level is
 *     early warning / diagnosis when the posterior reaches warn_at / diagnose_at AND the
 *     present signal evidence covers `corroborate` distinct signals; a posterior past
 *     warn_at without that corroboration, or the evidence of a single signal present alone
 *     for AJ_RINST_LONE_NS in a mode that asks for corroboration, is reported as
 *     uncorroborated: a sensor to check (drift looks like this), not a process incident —
 *     unless another mode of the asset is raised (is_held): then the fault explains it.
 *
 * Ownership: the instance points at its mode (owned by the rules set, which must outlive
 * it); aj_rinst_free frees what aj_rinst_new allocated. */
#ifndef AJ_RINST_H
#define AJ_RINST_H

#include "base/err.h"
#include "reason/baseline.h"
#include "reason/evtrack.h"
#include "reason/rules.h"

#include <stdbool.h>
#include <stdint.h>

#define AJ_RINST_TICK_NS          (5LL * 1000000000)       /* evaluation period, event time */
#define AJ_RINST_HOLD_NS          (60LL * 1000000000)      /* a channel's last value stays valid */
#define AJ_RINST_SMOOTH_S         30.0                     /* smoothing time constant */
#define AJ_RINST_RUNNING_FRACTION 0.05                     /* load above this: running */
#define AJ_RINST_SLOPE_BUCKETS    16                       /* sub-windows of a slope span */
#define AJ_RINST_CHANNELS_MAX     64                       /* tags behind one instance */
#define AJ_RINST_TTF_SPAN_NS      (30LL * 60 * 1000000000) /* trend used for time to failure */
#define AJ_RINST_AMBIENT_LAG_S    1800.0 /* equipment follows the air temperature this slowly */
#define AJ_RINST_LONE_NS          (30LL * 60 * 1000000000) /* one signal deviating alone this long: check it */

typedef enum { AJ_RLEVEL_NONE = 0, AJ_RLEVEL_WARNING = 1, AJ_RLEVEL_DIAGNOSIS = 2 } aj_rlevel;

/* What the rules file says about a tag behind a signal. */
typedef struct aj_rchan_spec {
    int signal; /* index in the mode's signals */
    int64_t tag_id;
    double range_lo, range_hi; /* instrument range; NAN when none */
    double scale_floor;        /* smallest baseline scale (> 0), tag units */
    bool use_ambient;          /* judged relative to the site's air temperature (temperatures) */
} aj_rchan_spec;

/* Least-squares slope over a span: sub-window means. */
typedef struct aj_rslope {
    int64_t width_ns;
    int64_t cur_idx; /* index (t / width) of the open sub-window; INT64_MIN: none */
    double cur_sum;
    int cur_n;
    int64_t idx[AJ_RINST_SLOPE_BUCKETS];
    double mean[AJ_RINST_SLOPE_BUCKETS];
    int n, head;
} aj_rslope;

typedef struct aj_rchan {
    aj_rchan_spec spec;
    aj_baseline_config bcfg;
    aj_baseline base;
    double value;         /* value of the current tick (NAN: unknown) */
    double last_value;    /* last tick mean seen */
    int64_t last_value_t; /* its tick time; INT64_MIN: none */
    double smooth;
    bool has_smooth;
} aj_rchan;

/* The explanation of one piece of evidence at the latest tick. */
typedef struct aj_rev_view {
    aj_ev_state state;
    double term;      /* the term's value (aggregated over channels), NAN if unknown */
    double expected;  /* the baseline behind deviation/relative/ratio, NAN otherwise */
    int channel;      /* channel that decided it (-1: none / evidence term) */
    int64_t since_ns; /* when the current state began */
} aj_rev_view;

typedef struct aj_rinst {
    const aj_rule_mode *mode;
    int64_t scope_id; /* the asset's (or area's) id */
    aj_rchan *chans;
    int n_chans;
    int sig_first[AJ_RULE_SIGNALS_MAX + 1]; /* channels of signal j: [sig_first[j], sig_first[j+1]) */
    /* per piece of evidence (mode->n_evidence each; one allocation with the instance, so
     * a plant of 100k tags and tens of thousands of instances stays small) */
    aj_evtrack *ev;
    int64_t *cond_since; /* INT64_MIN: condition not holding */
    aj_rev_view *view;
    aj_rslope *slopes;    /* per (slope evidence, channel of its signal) */
    int *slope_first;     /* -1: not a slope term */
    aj_rslope ttf_slope;  /* trend of the ttf signal's first channel */
    int64_t last_tick_ns; /* INT64_MIN before the first tick */
    bool is_running;
    double log_odds, posterior;
    int n_corroborating;   /* distinct signals with present signal evidence */
    uint32_t present_mask; /* bit e: evidence e present at the latest tick */
    aj_rlevel level;
    bool is_uncorroborated; /* see 6. above; lone_signal names the signal */
    int lone_signal;        /* the only signal with present evidence, or -1 */
    int64_t lone_since_ns;  /* since when it is alone; INT64_MIN: not alone */
    double ttf_hours;       /* estimated time to failure; NAN when not estimated */
    /* the site's air temperature (values[n_chans] when has_ambient) */
    bool has_ambient;
    int64_t ambient_tag_id;
    double ambient_last, ambient_ref;
    int64_t ambient_last_t;
    bool has_ambient_ref;
    /* set by the owner before a tick: another mode on the same asset or zone is raised, so
     * the signals do not show normal operation and the baselines do not learn */
    bool is_held;
    /* the load through the mode's lag (load_lag_ns > 0) */
    double load_lagged;
    bool has_load_lagged;
} aj_rinst;

/* A new instance of mode over the channels given (each signal's channels together, in
 * signal order; a signal may have none when it is optional), with the site's air
 * temperature tag (0: none). NULL when out of memory. */
aj_rinst *aj_rinst_new(const aj_rule_mode *mode, int64_t scope_id, const aj_rchan_spec *chans, int n_chans,
                       int64_t ambient_tag_id);
void aj_rinst_free(aj_rinst *in);

/* Evaluates the tick ending at t_ns (a multiple of AJ_RINST_TICK_NS, after the previous
 * one) with values[i] = mean of channel i's good points in the tick, or NAN; when the
 * instance has an ambient tag, values[n_chans] is its mean. */
void aj_rinst_tick(aj_rinst *in, int64_t t_ns, const double *values);

/* The channel value of a signal term at the latest tick (for display). */
double aj_rinst_channel_value(const aj_rinst *in, int channel);

/* Whether the process alarms of signal j's tags belong to the instance's incident (folded
 * into it, suppressed by design): a piece of its evidence is present, or the mode `explains`
 * the signal and the level is early warning or beyond. */
bool aj_rinst_signal_folded(const aj_rinst *in, int j);

#endif
