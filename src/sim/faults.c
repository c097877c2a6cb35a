/* faults.c — fault development, ground-truth labels and fault effects, per sample.
 *
 * Fault life cycle, evaluated at every sample from its offsets (event time only):
 *
 *   none --onset--> onset --(0 < p < 1)--> developing --(p >= 1)--> failed
 *     any active phase --clear_at--> cleared (effects stop, sensor faults release)
 *
 * A tank overfill is the exception: its severity ramps the inflow imbalance, and it fails
 * when the tank overflows (the level reaches the top of its range, the loss of containment
 * a lead time is measured against), whenever that happens — never, if the level settles
 * below the top.
 *
 * p = (t − onset) / duration; severity = p (linear), (e^(4p) − 1)/(e^4 − 1)
 * (exponential) or 1 from onset (step). A label is written on every phase change and
 * each time the severity passes another tenth while developing.
 *
 * Physical faults act through the effects of an asset (sim_effects, reset and refilled
 * every sample before the models run); leaks and inerting are read by the detectors
 * (gas.c) from the faults themselves; sensor faults (stuck, drift, spike) rewrite one tag's
 * value after the models. Nothing here draws from the main random stream: a spike fault
 * has a stream of its own, so adding a fault never changes the values of other tags.
 */
#include "base/timeutil.h"
#include "sim/sim_int.h"

#include <math.h>
#include <string.h>

const char *const aj_sim_fault_names[SIM_F_COUNT] = {"seal_failure",
                                                     "bearing_wear",
                                                     "flange_micro_leak",
                                                     "reactor_cooling_loss",
                                                     "tank_overfill",
                                                     "stuck",
                                                     "drift",
                                                     "typhoon",
                                                     "cavitation",
                                                     "motor_overheat",
                                                     "compressor_surge",
                                                     "hx_fouling",
                                                     "hx_tube_leak",
                                                     "confined_space_inerting",
                                                     "toxic_release",
                                                     "spike",
                                                     "load_step"};

static const char *const phase_names[] = {"none", "onset", "developing", "failed", "cleared"};

/* Seed of fault i's spike stream: the run's seed, the tag and the fault's position mixed
 * (splitmix64 inside aj_rng_seed spreads them), never the main stream. */
static uint64_t spike_seed(uint64_t seed, long tag, int i) {
    return seed ^ ((uint64_t)(tag + 1) * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)(i + 1) * 0xD1B54A32D192ED03ULL);
}

void aj_sim_faults_begin(aj_sim *s) {
    for (int i = 0; i < s->n_faults; i++) {
        sim_fault *f = &s->faults[i];
        f->phase = SIM_PHASE_NONE;
        f->severity = 0;
        f->decile = 0;
        if (f->type == SIM_F_SPIKE) aj_rng_seed(&f->spike_rng, spike_seed(s->o.seed, f->tag, i));
    }
}

/* ---- development and labels ------------------------------------------------------------ */

static double severity_at(const sim_fault *f, double p) {
    if (f->development == SIM_DEV_STEP) return 1.0;
    if (p >= 1.0) return 1.0;
    if (p <= 0.0) return 0.0;
    if (f->development == SIM_DEV_EXPONENTIAL) return (exp(4.0 * p) - 1.0) / (exp(4.0) - 1.0);
    return p;
}

static bool is_leak(const sim_fault *f) {
    return f->type == SIM_F_FLANGE_MICRO_LEAK || f->type == SIM_F_TOXIC_RELEASE;
}

static void write_label(aj_sim *s, const sim_fault *f) {
    if (!s->labels) return;
    char ts[32];
    int64_t ms = s->t_ns / 1000000;
    aj_time_format_ms(ms, ts, sizeof ts);
    fprintf(s->labels, "{\"t\":\"%s\"", ts);
    if (f->id[0]) fprintf(s->labels, ",\"id\":\"%s\"", f->id);
    if (f->tag >= 0)
        fprintf(s->labels, ",\"tag\":\"%s\"", s->tags[f->tag].key);
    else if (f->asset >= 0)
        fprintf(s->labels, ",\"asset\":\"%s\"", s->assets[f->asset].code);
    else if (f->area >= 0)
        fprintf(s->labels, ",\"area\":\"%s\"", s->areas[f->area]);
    if (is_leak(f)) {
        fprintf(s->labels, ",\"leak\":{\"x\":%.2f,\"y\":%.2f}", f->lx, f->ly);
        if (f->substance >= 0)
            fprintf(s->labels, ",\"substance\":\"%s\"", aj_sim_substances[f->substance].name);
    }
    if (f->type == SIM_F_TYPHOON)
        fprintf(s->labels, ",\"level\":%d", f->phase == SIM_PHASE_CLEARED ? 0 : (int)f->magnitude);
    fprintf(s->labels, ",\"fault\":\"%s\"", aj_sim_fault_names[f->type]);
    if (f->type == SIM_F_LOAD_STEP) fputs(",\"operational\":true", s->labels);
    fprintf(s->labels, ",\"phase\":\"%s\",\"severity\":%.3f}\n", phase_names[f->phase], f->severity);
    s->n_labels++;
}

static void set_phase(aj_sim *s, sim_fault *f, sim_phase ph) {
    f->phase = ph;
    write_label(s, f);
}

/* Advances one fault to the current sample and writes its labels. */
static void fault_advance(aj_sim *s, sim_fault *f) {
    int64_t el = s->t_ns - s->o.start_ns;
    if (f->phase == SIM_PHASE_CLEARED || el < f->onset_ns) {
        f->severity = 0;
        return;
    }
    if (f->clear_ns >= 0 && el >= f->clear_ns) {
        f->severity = 0;
        if (f->phase != SIM_PHASE_NONE)
            set_phase(s, f, SIM_PHASE_CLEARED);
        else
            f->phase = SIM_PHASE_CLEARED;
        return;
    }
    double p = f->development == SIM_DEV_STEP ? 1.0 : (double)(el - f->onset_ns) / (double)f->duration_ns;
    f->severity = severity_at(f, p);
    if (f->phase == SIM_PHASE_NONE) {
        set_phase(s, f, SIM_PHASE_ONSET);
        f->decile = (int)floor(f->severity * 10);
    }
    bool fails_on_overflow = f->type == SIM_F_TANK_OVERFILL;
    bool has_failed = fails_on_overflow ? aj_sim_tank_overflowing(s, f->asset) : p >= 1.0;
    if (has_failed && f->phase != SIM_PHASE_FAILED) set_phase(s, f, SIM_PHASE_FAILED);
    if (p >= 1.0 || f->phase == SIM_PHASE_FAILED) return;
    int dec = (int)floor(f->severity * 10);
    if (f->phase == SIM_PHASE_ONSET && p > 0) {
        f->decile = dec;
        set_phase(s, f, SIM_PHASE_DEVELOPING);
    } else if (f->phase == SIM_PHASE_DEVELOPING && dec > f->decile) {
        f->decile = dec;
        write_label(s, f);
    }
}

/* ---- effects ------------------------------------------------------------------------------ */

/* NPSH loss on a centrifugal pump: suction pressure falls, flow, head and current drop
 * and fluctuate, the vibration turns broadband (3× most). x = severity · magnitude. */
static void cavitation_effects(sim_effects *fx, double x) {
    fx->suction_span -= 0.25 * x;
    fx->flow_frac -= 0.15 * x;
    fx->pressure_frac -= 0.10 * x;
    fx->current_frac -= 0.05 * x;
    fx->noise_proc += 4.0 * x;
    fx->vib1 += 0.4 * x;
    fx->vib2 += 0.4 * x;
    fx->vib3 += 1.2 * x;
    fx->noise_vib += 3.0 * x;
}

static void fault_effects(aj_sim *s, sim_fault *f) {
    double sev = f->severity, m = f->magnitude, x = sev * m;
    sim_effects *fx = f->asset >= 0 ? &s->assets[f->asset].fx : NULL;
    switch (f->type) {
    case SIM_F_SEAL_FAILURE:           /* the domain example: +12 ℃ seal, 2× +320 %, IR hot spot 8.3 ℃ */
        fx->seal_dt += 12.0 * sev * m; /* (the existing types keep their exact arithmetic) */
        fx->vib2 += 3.2 * sev * m;
        fx->ir_dt += 8.3 * sev * m;
        fx->vib1 += 0.15 * sev * m;
        break;
    case SIM_F_BEARING_WEAR:
        fx->bearing_dt += 15.0 * sev * m;
        fx->vib1 += 1.5 * sev * m;
        fx->vib3 += 4.0 * sev * m;
        fx->current_frac += 0.03 * sev * m;
        break;
    case SIM_F_FLANGE_MICRO_LEAK: /* plume is computed by the detectors; here IR and pressure */
    case SIM_F_TOXIC_RELEASE:
        if (sev > 0 && f->ir_asset >= 0) s->assets[f->ir_asset].fx.ir_dt += 3.0 * sev;
        if (sev > 0 && f->press_asset >= 0) s->assets[f->press_asset].fx.pressure_frac -= 0.04 * sev;
        break;
    case SIM_F_REACTOR_COOLING_LOSS:
        fx->cooling_loss += m * sev;
        break;
    case SIM_F_TANK_OVERFILL:
        fx->inflow_m_h += m * sev;
        break;
    case SIM_F_TYPHOON:
        if (sev > 0 && (int)m > s->typhoon_level) s->typhoon_level = (int)m;
        break;
    case SIM_F_CAVITATION:
        cavitation_effects(fx, x);
        break;
    case SIM_F_MOTOR_OVERHEAT: /* cooling lost: the winding heats through its 30 min lag */
        fx->winding_dt += 40.0 * x;
        fx->bearing_dt += 8.0 * x;
        fx->current_frac += 0.02 * x;
        break;
    case SIM_F_COMPRESSOR_SURGE: /* the margin falls; the model adds oscillation and vibration */
        fx->surge_loss += x;
        fx->bearing_dt += 6.0 * x;
        break;
    case SIM_F_HX_FOULING:
        fx->eff_loss += 0.5 * x;
        fx->dp_frac += 0.6 * x;
        break;
    case SIM_F_HX_TUBE_LEAK: /* hot fluid into the cold side */
        fx->cold_out_dt += 6.0 * x;
        fx->hot_out_dt -= 3.0 * x;
        fx->dp_frac -= 0.2 * x;
        fx->flow_frac += 0.05 * x;
        break;
    case SIM_F_LOAD_STEP:
        fx->load_shift += x;
        break;
    case SIM_F_CONFINED_SPACE_INERTING: /* read by the oxygen detectors (gas.c) */
    case SIM_F_STUCK:
    case SIM_F_DRIFT:
    case SIM_F_SPIKE:
    case SIM_F_COUNT:
        break;
    }
}

void aj_sim_faults_apply(aj_sim *s) {
    for (size_t i = 0; i < s->n_assets; i++) memset(&s->assets[i].fx, 0, sizeof s->assets[i].fx);
    s->typhoon_level = 0;
    for (int i = 0; i < s->n_faults; i++) {
        fault_advance(s, &s->faults[i]);
        fault_effects(s, &s->faults[i]);
    }
}

/* ---- sensor faults ------------------------------------------------------------------------- */

static double clamp_to_range(const sim_tag *t, double v) {
    return t->has_range ? fmin(fmax(v, t->lo), t->hi) : v;
}

/* A spike at this sample with probability step/every, drawn from the fault's own stream
 * at every sample of the run (active or not), so where spikes fall depends only on the
 * seed, the fault and the sample index. */
static void spike_apply(aj_sim *s, sim_fault *f, sim_tag *t, bool is_active) {
    double p = s->dt_s / ((double)f->every_ns / 1e9);
    bool is_spike = aj_rng_uniform(&f->spike_rng) < p;
    if (is_active && is_spike) t->value = clamp_to_range(t, t->value + f->magnitude * f->severity);
}

void aj_sim_sensor_faults_apply(aj_sim *s) {
    for (int i = 0; i < s->n_faults; i++) {
        sim_fault *f = &s->faults[i];
        if (f->tag < 0) continue;
        sim_tag *t = &s->tags[f->tag];
        bool is_active = f->phase != SIM_PHASE_NONE && f->phase != SIM_PHASE_CLEARED;
        if (f->type == SIM_F_STUCK) {
            if (is_active && !t->is_stuck) t->is_stuck = true, t->stuck_value = t->value;
            if (!is_active) t->is_stuck = false;
            if (t->is_stuck) t->value = t->stuck_value;
        } else if (f->type == SIM_F_DRIFT && is_active) {
            t->value = clamp_to_range(t, t->value + f->magnitude * f->severity);
        } else if (f->type == SIM_F_SPIKE) {
            spike_apply(s, f, t, is_active);
        }
    }
}
