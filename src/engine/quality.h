/* quality.h — data-quality checks per tag: stale, communication loss, flatline,
 * out-of-range, spike and implausible rate of change. Pure logic: no storage, no HTTP,
 * no threads, no wall clock, no allocation.
 *
 * Time is event time (ns since the Unix epoch, UTC). Points of one tag come in
 * event-time order; timers (stale data, the spike hold) fire when the engine's
 * watermark passes them (aj_quality_advance), or when the next point shows they are
 * due, so the same points give the same marks and the same events however advance()
 * calls are interleaved.
 *
 * Each check marks points (quality class and reason bits of point.h) and reports the
 * begin and end of each condition as a diagnostic event, so that the alarm engine can
 * raise a diagnostic alarm ("instrument fault") and hold process alarms on points that
 * are not good. See docs/data-quality.md for the rules and the defaults per kind.
 *
 * Lifecycle: aj_quality_state is embedded (aj_quality_state_init); it owns no memory and
 * needs no clear. aj_quality_config is a plain value. One thread uses a state at a time.
 */
#ifndef AJ_QUALITY_H
#define AJ_QUALITY_H

#include "base/err.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- bounds (why each one) --------------------------------------------------------- */

/* Recent point-to-point differences kept for the spike check's robust scale (their
 * median). 63 is odd (one middle element) and covers a minute at 1 s sampling: the
 * median of 31 was measured too jumpy (5 false spikes in 4M points of Gaussian noise at
 * 5 % of span; none with 63 in 40M), and a minute still follows a change in noise. */
#define AJ_QUALITY_DIFFS_N 63
/* The spike check judges nothing until this many differences were seen (at start and
 * after every step, when the ring is learnt afresh): a median of fewer is too easily
 * fooled by a noisy signal that followed a quiet one (a pump starting). */
#define AJ_QUALITY_DIFFS_MIN 31
/* Points one call can release: the point held for the spike verdict and the new one. */
#define AJ_QUALITY_OUT_MAX 2
/* Size of aj_quality_state must stay below this: 100k tags keep their state in memory
 * (about 50 MB at this bound; 448 bytes now). A test checks it. */
#define AJ_QUALITY_STATE_BYTES_MAX 512
/* Hysteresis: consecutive clean points that end a condition, at most. */
#define AJ_QUALITY_CLEAR_POINTS_MAX 1000

/* Defaults (see docs/data-quality.md for the per-kind table). */
#define AJ_QUALITY_NS_PER_S ((int64_t)1000000000)
/* Stale: no point for 60 s. Sources poll every 1..10 s; set stale_ns = 5 x the period
 * with aj_quality_config_set_period when it is known. */
#define AJ_QUALITY_STALE_NS_DEFAULT (60 * AJ_QUALITY_NS_PER_S)
/* Range margin: 2 % of span beyond the instrument range (4-20 mA transmitters
 * legitimately read slightly outside it: NAMUR NE 43 allows 3.8..20.5 mA). */
#define AJ_QUALITY_RANGE_MARGIN_FRACTION 0.02
/* Flatline: "unchanged" means within 0.01 % of span — below the noise of a live
 * analogue signal, above the last-digit flicker of a frozen one. */
#define AJ_QUALITY_FLATLINE_EPS_FRACTION 1e-4
/* Spike: a jump of more than k x the median recent |difference| and more than 3 % of
 * span, that comes back to within 25 % of the jump at the next point. */
#define AJ_QUALITY_SPIKE_K_DEFAULT       10.0
#define AJ_QUALITY_SPIKE_MIN_FRACTION    0.03
#define AJ_QUALITY_SPIKE_RETURN_FRACTION 0.25
/* Longest a point is held for the spike verdict: one sample at up to 10 s sampling. */
#define AJ_QUALITY_SPIKE_HOLD_NS_DEFAULT (10 * AJ_QUALITY_NS_PER_S)
/* Conditions end after this many consecutive clean points (no chatter). */
#define AJ_QUALITY_CLEAR_POINTS_DEFAULT 3

/* ---- kinds, conditions, events ------------------------------------------------------ */

/* The tag kinds of the plant file (docs/plant-file.md), in its order. */
typedef enum {
    AJ_QK_TEMPERATURE,
    AJ_QK_PRESSURE,
    AJ_QK_DIFFERENTIAL_PRESSURE,
    AJ_QK_FLOW,
    AJ_QK_LEVEL,
    AJ_QK_VIBRATION,
    AJ_QK_GAS_COMBUSTIBLE_LEL,
    AJ_QK_GAS_TOXIC_PPM,
    AJ_QK_OXYGEN_PCT,
    AJ_QK_IR_TEMPERATURE,
    AJ_QK_CURRENT,
    AJ_QK_VOLTAGE,
    AJ_QK_POWER,
    AJ_QK_SPEED,
    AJ_QK_POSITION,
    AJ_QK_HUMIDITY,
    AJ_QK_WIND_SPEED,
    AJ_QK_WIND_DIRECTION,
    AJ_QK_STATUS,
    AJ_QK_COUNT,
    AJ_QK_N
} aj_quality_kind;

/* Conditions, each with its reason bit (point.h). Marks the checks put on points:
 * OUT_OF_RANGE, SPIKE, RATE -> BAD; FLATLINE -> UNCERTAIN. COMM_LOSS is the adapter's
 * own BAD mark, kept as it came; STALE marks no point (there is none): both are reported
 * by events only. */
typedef enum {
    AJ_QC_STALE,
    AJ_QC_COMM_LOSS,
    AJ_QC_FLATLINE,
    AJ_QC_OUT_OF_RANGE,
    AJ_QC_SPIKE,
    AJ_QC_RATE,
    AJ_QC_N
} aj_quality_cond;

struct aj_quality_state;

/* A diagnostic event: a condition began or ended on a tag. */
typedef struct aj_quality_event {
    const struct aj_quality_state *state; /* the tag's state (valid during the callback) */
    int64_t tag_id;
    aj_quality_cond cond;
    bool is_begin; /* true: begin, false: end */
    int64_t t_ns;  /* event time of the change (see docs for each condition) */
    double value;  /* value of the point that made the change (stale: the last value) */
} aj_quality_event;

typedef void (*aj_quality_emit_fn)(void *ctx, const aj_quality_event *ev);

/* ---- configuration ------------------------------------------------------------------ */

/* A 0 time or factor switches a check off. Values are in the tag's unit. */
typedef struct aj_quality_config {
    aj_quality_kind kind;
    bool has_range;            /* range_lo < range_hi known (status/count may lack one) */
    double range_lo, range_hi; /* instrument range */
    double range_margin;       /* absolute; out of range beyond lo - margin, hi + margin */
    int64_t stale_ns;          /* no point for longer than this: stale; 0: off */
    int64_t flatline_ns;       /* unchanged for longer than this: flatline; 0: off */
    double flatline_eps;       /* "unchanged": |v - v_ref| <= eps */
    double flatline_floor;     /* values <= this never flatline (resting zero); -inf: none */
    double spike_k;            /* jump > k x median |diff|; 0: spike check off */
    double spike_min;          /* and jump > this (absolute) */
    double spike_return;       /* next point within this fraction of the jump of before */
    int64_t spike_hold_ns;     /* longest hold of a candidate; <= stale_ns when both on */
    double rate_max_per_s;     /* |dv/dt| above this is implausible; 0: off */
    uint32_t clear_points;     /* consecutive clean points that end a condition, >= 1 */
} aj_quality_config;

/* Defaults for a tag of kind (a plant-file kind name) with instrument range
 * [range_lo, range_hi]. status and count may pass NaN for both (no range: only stale
 * and communication loss are checked). AJ_EINVAL for an unknown kind, a missing or
 * non-finite range, or range_lo >= range_hi. */
aj_err aj_quality_config_defaults(const char *kind, double range_lo, double range_hi, aj_quality_config *cfg);
/* Tunes the time-based defaults to a known sampling period: stale after 5 periods (at
 * least 10 s), spike hold 2 periods. AJ_EINVAL for period_ns <= 0 or above 1 h. */
aj_err aj_quality_config_set_period(aj_quality_config *cfg, int64_t period_ns);
/* AJ_EINVAL when the config breaks its rules (negative times, non-finite numbers,
 * clear_points outside 1..AJ_QUALITY_CLEAR_POINTS_MAX, spike hold longer than stale). */
aj_err aj_quality_config_validate(const aj_quality_config *cfg);

/* ---- state and checks --------------------------------------------------------------- */

/* Per-tag state, fixed size (AJ_QUALITY_STATE_BYTES_MAX). Fields are private. */
typedef struct aj_quality_state {
    int64_t tag_id;
    uint32_t active;           /* bit (1 << cond) per active condition */
    uint32_t n_clean[AJ_QC_N]; /* consecutive clean points while active */
    bool has_last;             /* a point was seen */
    int64_t last_t_ns;         /* event time of the latest point */
    double last_value;         /* its value */
    bool has_ref;              /* spike reference: last accepted value */
    int64_t ref_t_ns;
    double ref_value;
    bool has_rate_ref; /* rate: last plausible value */
    int64_t rate_t_ns;
    double rate_value;
    bool has_flat_ref; /* flatline: value and start of the run */
    int64_t flat_since_ns;
    double flat_value;
    bool has_held;         /* spike candidate waiting for the next point */
    double held_threshold; /* the jump threshold it was held with */
    aj_point held;
    uint32_t n_diffs, next_diff; /* ring of recent |differences| */
    float diffs[AJ_QUALITY_DIFFS_N];
} aj_quality_state;

void aj_quality_state_init(aj_quality_state *st, int64_t tag_id);

/* Checks one point of the tag. *in keeps its incoming quality (an adapter's BAD with
 * AJ_QR_COMM_LOSS / AJ_QR_SOURCE_BAD is communication loss); the checks may lower it and
 * add reason bits. Points come out in event-time order, in out[0..*n_out): usually the
 * point itself at once; a spike candidate (a jump above the spike threshold) is held
 * until the next point (or the watermark, aj_quality_advance) gives the verdict, so one
 * call may release 0, 1 or 2 points. emit (may be NULL) gets the diagnostic events.
 * AJ_EINVAL for a point not later than the tag's previous one (changes nothing). */
aj_err aj_quality_check(aj_quality_state *st, const aj_quality_config *cfg, const aj_point *in,
                        aj_point out[AJ_QUALITY_OUT_MAX], size_t *n_out, aj_quality_emit_fn emit, void *ctx);

/* The event-time watermark moved to watermark_ns: a tag silent for longer than stale_ns
 * begins STALE (event time: last point + stale_ns); a held spike candidate older than
 * spike_hold_ns is released unconfirmed (as it came) into out. */
void aj_quality_advance(aj_quality_state *st, const aj_quality_config *cfg, int64_t watermark_ns,
                        aj_point out[AJ_QUALITY_OUT_MAX], size_t *n_out, aj_quality_emit_fn emit, void *ctx);

/* Is the condition active now? */
bool aj_quality_is_active(const aj_quality_state *st, aj_quality_cond cond);

/* Stable snake_case names for events, the API and logs. Never NULL ("?" if unknown). */
const char *aj_quality_cond_name(aj_quality_cond cond);
const char *aj_quality_kind_name(aj_quality_kind kind);
/* Kind by plant-file name; AJ_EINVAL if unknown. */
aj_err aj_quality_kind_parse(const char *name, aj_quality_kind *out);

#endif
