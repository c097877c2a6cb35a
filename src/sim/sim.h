/* sim.h — the plant simulator (digital twin) behind `anjian sim`.
 *
 * A simulator is built from a plant file (docs/plant-file.md): every tag with an asset
 * and a signal role, every gas detector and every weather tag gets a model (models.c).
 * A scenario file (docs/simulator.md) injects faults with ground truth (scenario.c).
 * The run loop (sim.c) samples every tag at start + k·step in event time and writes
 * InfluxDB line protocol; labels go to a second stream as JSON lines.
 *
 * Determinism: one seeded PRNG (rng.c) is drawn in a fixed order that depends only on
 * the plant, the seed and the sample index — never on faults, wall time or --speed —
 * so the same inputs give byte-identical output, and a faulty run differs from the
 * fault-free run of the same seed only where the faults act.
 *
 * Ownership: aj_sim_new() copies what it needs from the plant document (the caller
 * keeps the document); aj_sim_free() frees everything.
 */
#ifndef AJ_SIM_H
#define AJ_SIM_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- bounds (why: each keeps memory and time per run bounded) ------------------------- */

/* Faults in one scenario. A demo or test scenario has a handful; 256 is plenty. */
#define AJ_SIM_FAULTS_MAX 256
/* Size of a scenario file: a few KiB in practice; larger is not a scenario. */
#define AJ_SIM_SCENARIO_BYTES_MAX (1024u * 1024u)
/* Size of a plant file read by the simulator (the HTTP body limit's maximum). */
#define AJ_SIM_PLANT_BYTES_MAX (256u * 1024u * 1024u)
/* Tags simulated: the plant file's bound per family. */
#define AJ_SIM_TAGS_MAX 200000
/* Sample period bounds: 1 ms (finer is not a plant signal) to 1 day. */
#define AJ_SIM_STEP_NS_MIN 1000000LL
#define AJ_SIM_STEP_NS_MAX (86400LL * 1000000000LL)
/* Longest run: one leap year of event time (a duration needs no more). */
#define AJ_SIM_DURATION_NS_MAX (366LL * 86400LL * 1000000000LL)
/* Output buffer: lines are written in chunks of this size (one write per ~20k points). */
#define AJ_SIM_OUT_BUF_BYTES (1u << 20)
/* A line of line protocol: key (<= 64) + value + timestamp + spaces, with room to spare. */
#define AJ_SIM_LINE_MAX 160
/* Internal integration step of the stiff models (reactor): at most 1 s of event time. */
#define AJ_SIM_SUBSTEP_S 1.0
/* Paced modes (--speed N): write and sleep at least every 100 ms of wall time. */
#define AJ_SIM_PACE_MS 100
/* Largest --speed factor other than "max". */
#define AJ_SIM_SPEED_MAX 1000000.0
/* A scenario's "noise" factor on every tag's noise: from a tenth (a quiet, well-filtered
 * plant) to ten times (a noisy one); beyond that the signals are noise, not a plant. */
#define AJ_SIM_NOISE_MIN 0.1
#define AJ_SIM_NOISE_MAX 10.0
/* Error messages of the parser and the loader. */
#define AJ_SIM_ERR_LEN 512

typedef struct aj_sim aj_sim;

typedef struct aj_sim_opts {
    uint64_t seed;
    int64_t start_ns;    /* event time of the first sample (Unix ns, UTC) */
    int64_t duration_ns; /* samples at start + k*step for k*step < duration */
    int64_t step_ns;     /* sample period */
    double speed;        /* ×N real time; 0 = as fast as possible */
} aj_sim_opts;

typedef struct aj_sim_stats {
    uint64_t n_points;
    uint64_t n_steps;
    uint64_t n_labels;
    double wall_s;
} aj_sim_stats;

/* Builds a simulator for the plant document (validated with aj_plant_validate first;
 * errors go to err as "path: message"). *out is freed with aj_sim_free(). */
aj_err aj_sim_new(const json_t *plant, aj_sim **out, char *err, size_t errlen);
void aj_sim_free(aj_sim *s);

/* Parses a scenario (JSON text) against the simulator's plant and installs its faults
 * and weather, replacing any earlier scenario. On error returns AJ_EJSON or AJ_EINVAL,
 * leaves the previous scenario in place and writes "$.faults[1].asset: message" to err. */
aj_err aj_sim_load_scenario(aj_sim *s, const char *text, size_t len, char *err, size_t errlen);

/* Resets the state to the first sample of a run; labels (may be NULL) receives the
 * ground-truth JSON lines written by the following aj_sim_step() calls. */
void aj_sim_begin(aj_sim *s, const aj_sim_opts *o, FILE *labels);
/* Computes the next sample of every tag (the first call gives the sample at start). */
void aj_sim_step(aj_sim *s);
/* Event time of the sample computed by the last aj_sim_step(). */
int64_t aj_sim_time_ns(const aj_sim *s);

size_t aj_sim_n_tags(const aj_sim *s);
/* Index of the tag with this key, or -1. */
long aj_sim_tag_find(const aj_sim *s, const char *key);
const char *aj_sim_tag_key(const aj_sim *s, size_t i);
double aj_sim_tag_value(const aj_sim *s, size_t i);
/* The tag's instrument range; false for a tag without one (status). */
bool aj_sim_tag_range(const aj_sim *s, size_t i, double *lo, double *hi);

/* Runs a whole simulation: begin, then one step per sample, writing line protocol to out
 * and labels to labels (either may be NULL). AJ_EIO when a write fails. */
aj_err aj_sim_run(aj_sim *s, const aj_sim_opts *o, FILE *out, FILE *labels, aj_sim_stats *st);

/* Where a run's line protocol goes (plug-in point): a file (below), a server (sender.h).
 * write() receives whole lines, in order, never more than AJ_SIM_OUT_BUF_BYTES at once;
 * end_step() follows the last line of each sample; flush() is called at every pacing
 * point of --speed N and once at the end (is_final). A non-zero aj_err stops the run.
 * clear (may be NULL) frees ctx and what it owns. */
typedef struct aj_sim_sink {
    void *ctx;
    aj_err (*write)(void *ctx, const char *lines, size_t len);
    aj_err (*end_step)(void *ctx);
    aj_err (*flush)(void *ctx, bool is_final);
    void (*clear)(void *ctx);
} aj_sim_sink;

/* A sink writing to f through a buffer of AJ_SIM_OUT_BUF_BYTES (f stays the caller's);
 * AJ_EIO when a write fails. Freed with sink->clear(sink->ctx). */
aj_err aj_sim_file_sink_init(aj_sim_sink *sink, FILE *f);

/* aj_sim_run() with any number of sinks (all see the same bytes; none: nothing is
 * formatted). Returns the first sink error, else AJ_EIO when labels cannot be written. */
aj_err aj_sim_run_sinks(aj_sim *s, const aj_sim_opts *o, const aj_sim_sink *sinks, size_t n_sinks,
                        FILE *labels, aj_sim_stats *st);

/* Parses a duration "1h", "30m", "86400s", "250ms", "1d", or a sum such as "1h30m";
 * with allow_plus a leading '+' (scenario offsets) is accepted. Returns false on
 * malformed input, zero or overflow. */
bool aj_sim_parse_duration(const char *s, bool allow_plus, int64_t *ns);

/* `anjian sim` (sim_cli.c). Exit codes as in cli/cli.h. */
int aj_cmd_sim(int argc, char **argv);

#endif
