/* models.c — the physical-ish models of the simulator: weather and equipment (the gas
 * detectors are in gas.c).
 *
 * Every sample runs three passes in a fixed order (this order, and drawing exactly one
 * deviate per tag and a fixed number per asset and for the weather, is what keeps runs
 * reproducible and a faulty run comparable with the fault-free run of the same seed):
 *
 *   1. weather: air temperature (day cycle + slow noise), humidity, wind speed and
 *      direction (Ornstein–Uhlenbeck drift), typhoon warning level (from the scenario);
 *      equipment ambient = air temperature through 30 min and 6 h first-order lags;
 *   2. assets: process load (a slow sinusoidal cycle per asset + noise), then states:
 *      first-order thermal lags x += (target − x)·(1 − e^(−dt/τ)), tank levels, the
 *      reactor's heat balance under a PI cooling controller;
 *   3. tags: value = model(asset state, role, the tag's range) + noise, clamped to the
 *      instrument range; gas detectors add a Gaussian-plume concentration per leak.
 *      The noise deviate is scaled by the scenario's "noise" factor (exactly 1 by default).
 *
 * Faults act through the effects of their asset (sim_effects, filled by faults.c before
 * this pass). Every effect is 0 without a fault and enters so that 0 leaves the value
 * bit-identical (x·(1 + 0), x + 0), which is how a faulty run stays comparable.
 *
 * Nominal operating points are fractions of each tag's instrument range, so any plant
 * file gives values that sit sensibly inside their ranges. The equations are written out
 * in docs/simulator.md.
 */
#include "sim/sim_int.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846

const sim_substance aj_sim_substances[] = {
    {"methane", 16.04, 5.0},     {"propane", 44.10, 2.1},
    {"hydrogen", 2.016, 4.0},    {"methanol", 32.04, 6.0},
    {"toluene", 92.14, 1.1},     {"benzene", 78.11, 1.2},
    {"acetone", 58.08, 2.5},     {"ethanol", 46.07, 3.3},
    {"isopropanol", 60.10, 2.0}, {"ethyl_acetate", 88.11, 2.0},
    {"H2S", 34.08, 4.0},         {"NH3", 17.03, 15.0},
    {"Cl2", 70.90, 0},           {"CO", 28.01, 12.5},
    {"SO2", 64.07, 0},           {"HCl", 36.46, 0},
    {"HCN", 27.03, 5.6},         {"NO2", 46.01, 0},
    {"nitrogen", 28.01, 0},      {"argon", 39.95, 0},
    {"CO2", 44.01, 0},
};
const int aj_sim_n_substances = (int)(sizeof aj_sim_substances / sizeof aj_sim_substances[0]);

int aj_sim_substance_find(const char *name) {
    for (int i = 0; i < aj_sim_n_substances; i++)
        if (!strcmp(aj_sim_substances[i].name, name)) return i;
    return -1;
}

sim_template aj_sim_template_parse(const char *name) {
    static const char *const names[] = {"centrifugal_pump",   "compressor", "storage_tank", "reactor",
                                        "heat_exchanger",     "pipe_rack",  "motor",        "loading_arm",
                                        "gas_detector_group", "valve"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (!strcmp(names[i], name)) return (sim_template)i;
    return SIM_T_OTHER;
}

int aj_sim_role_parse(const char *name) {
    static const char *const names[] = {
#define SIM_ROLE_NAME(id, n) n,
        SIM_ROLES(SIM_ROLE_NAME)
#undef SIM_ROLE_NAME
    };
    for (int i = 0; i < SIM_R_COUNT; i++)
        if (!strcmp(names[i], name)) return i;
    return SIM_R_NONE;
}

/* ---- helpers ------------------------------------------------------------------------- */

/* Lag factors 1 − e^(−dt/τ) of the time constants used, computed once per sample. */
typedef struct lags {
    double s300, s600, s900, s1200, s1800, h1, h6, ou_wind, ou_dir, ou_air, ou_load;
} lags;

static double lag_factor(double dt, double tau) {
    return 1.0 - exp(-dt / tau);
}

static void lags_init(lags *l, double dt) {
    l->s300 = lag_factor(dt, 300);
    l->s600 = lag_factor(dt, 600);
    l->s900 = lag_factor(dt, 900);
    l->s1200 = lag_factor(dt, 1200);
    l->s1800 = lag_factor(dt, 1800);
    l->h1 = lag_factor(dt, 3600);
    l->h6 = lag_factor(dt, 21600);
    l->ou_wind = lag_factor(dt, 600);
    l->ou_dir = lag_factor(dt, 1800);
    l->ou_air = lag_factor(dt, 7200);
    l->ou_load = lag_factor(dt, 900);
}

/* First-order lag towards target; the first sample starts in steady state. */
static inline void lag(double *x, double target, double a, bool is_first) {
    *x = is_first ? target : *x + (target - *x) * a;
}

/* Ornstein–Uhlenbeck step of x (mean 0, stationary sd sigma) with lag factor a. */
static inline double ou(double x, double sigma, double a, double z) {
    double keep = 1.0 - a;
    return x * keep + sigma * sqrt(1.0 - keep * keep) * z;
}

static inline double clampd(double v, double lo, double hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* lo + f·(hi − lo) of a tag's range. */
static inline double frac(const sim_tag *t, double f) {
    return t->lo + f * (t->hi - t->lo);
}

static const sim_tag *role_tag(const aj_sim *s, const sim_asset *a, int role) {
    return a->role_tag[role] >= 0 ? &s->tags[a->role_tag[role]] : NULL;
}

/* ---- build-time parameters -------------------------------------------------------------- */

void aj_sim_models_init(aj_sim *s) {
    for (size_t i = 0; i < s->n_assets; i++) {
        sim_asset *a = &s->assets[i];
        double u1 = aj_rng_uniform(&s->rng), u2 = aj_rng_uniform(&s->rng);
        double u3 = aj_rng_uniform(&s->rng), u4 = aj_rng_uniform(&s->rng);
        a->load_phase = 2 * PI * u1;
        a->load_period_s = 3600.0 * (6 + 6 * u2); /* process cycles of 6–12 h */
        a->level_phase = 2 * PI * u3;
        a->level_period_s = 3600.0 * (10 + 20 * u4); /* tank fill/empty cycles of 10–30 h */
        switch (a->tmpl) {
        case SIM_T_COMPRESSOR:
            a->load_mean = 0.85;
            a->load_amp = 0.05;
            break;
        case SIM_T_HX:
            a->load_mean = 0.8;
            a->load_amp = 0.12;
            break;
        default:
            a->load_mean = 0.75;
            a->load_amp = 0.12;
            break;
        }
    }
}

/* ---- weather ---------------------------------------------------------------------------- */

static void weather_step(aj_sim *s, const lags *l) {
    const sim_weather_cfg *w = &s->wcfg;
    double z1 = aj_rng_gauss(&s->rng), z2 = aj_rng_gauss(&s->rng), z3 = aj_rng_gauss(&s->rng);
    double z4 = aj_rng_gauss(&s->rng);
    double secs = (double)(s->t_ns % 86400000000000LL) / 1e9;
    if (secs < 0) secs += 86400;
    double hour = fmod(secs / 3600.0 + s->solar_offset_h + 48.0, 24.0);
    /* warmest at 15:00 local solar time, coolest at 03:00 */
    double cycle = sin(2 * PI * (hour - 9.0) / 24.0);
    if (s->is_first) s->air_noise = s->hum_noise = s->wind_speed = s->wind_dir_dev = 0;
    s->air_noise = ou(s->air_noise, 0.6, l->ou_air, z1);
    s->air = w->air_mean + w->air_amp * cycle + s->air_noise;
    s->hum_noise = ou(s->hum_noise, 3.0, l->ou_air, z2);
    s->humidity = clampd(w->humidity_mean - 2.5 * (s->air - w->air_mean) + s->hum_noise, 5, 100);
    double mean_wind = w->wind_speed + 6.0 * s->typhoon_level;
    double wind_dev = s->is_first ? 0 : s->wind_speed - mean_wind;
    wind_dev = ou(wind_dev, 0.3 * mean_wind + 0.2, l->ou_wind, z3);
    s->wind_speed = fmax(0.0, mean_wind + wind_dev);
    s->wind_dir_dev = ou(s->wind_dir_dev, w->wind_var, l->ou_dir, z4);
    lag(&s->amb, s->air + 3.0, l->s1800, s->is_first);
    lag(&s->amb_slow, s->air, l->h6, s->is_first);
}

double aj_sim_wind_from_deg(const aj_sim *s) {
    double d = fmod(s->wcfg.wind_from + s->wind_dir_dev, 360.0);
    return d < 0 ? d + 360.0 : d;
}

/* Cooling water supply temperature: follows the slow ambient, never below 15 ℃. */
static double cooling_water(const aj_sim *s) {
    return fmax(15.0, s->amb_slow + 14.0);
}

/* ---- assets -------------------------------------------------------------------------------- */

/* Exothermic reactor: heat release g0·c·e^((T − Tset)/θa) against jacket cooling
 * κ·f·(T − Tc), with a PI controller on the coolant fraction f and reactant c fed back
 * towards 1 (τ 30 min) and consumed faster as the reaction runs away — so a runaway
 * peaks and burns out instead of diverging. Euler sub-steps of at most 1 s. */
static void reactor_step(aj_sim *s, sim_asset *a) {
    const sim_tag *tt = role_tag(s, a, SIM_R_TEMPERATURE);
    double t_set = tt ? frac(tt, 0.45) : 90.0;
    double tc = cooling_water(s);
    const double g0 = 0.02, theta_a = 10.0, f0 = 0.55, kp = 0.2, ki = 0.0005;
    double kappa = g0 / (f0 * fmax(t_set - 30.0, 10.0)); /* steady at f0 with 30 ℃ water */
    if (s->is_first) {
        a->r_temp = t_set;
        a->r_conc = 1.0;
        a->r_integral = (g0 / (kappa * fmax(t_set - tc, 1.0)) - f0) / ki;
        a->r_flow = fmin(1.0, f0 + ki * a->r_integral);
        return;
    }
    int n_sub = (int)ceil(s->dt_s / AJ_SIM_SUBSTEP_S);
    if (n_sub > 100000) n_sub = 100000;
    double h = s->dt_s / n_sub;
    double loss = clampd(a->fx.cooling_loss, 0, 1);
    for (int i = 0; i < n_sub; i++) {
        double theta = a->r_temp - t_set;
        double cmd = f0 + kp * theta + ki * a->r_integral;
        if (cmd > 1.0)
            cmd = 1.0;
        else if (cmd < 0.05)
            cmd = 0.05;
        else
            a->r_integral += theta * h; /* integrate only while not saturated */
        a->r_flow = cmd * (1.0 - loss);
        double rate = exp(fmin(theta, 80.0) / theta_a);
        double gen = g0 * a->r_conc * rate;
        double cool = kappa * a->r_flow * (a->r_temp - tc);
        a->r_conc += ((1.0 - a->r_conc) / 1800.0 - a->r_conc * (rate - 1.0) / 600.0) * h;
        a->r_conc = clampd(a->r_conc, 0, 1);
        a->r_temp += (gen - cool) * h;
    }
}

static void asset_step(aj_sim *s, sim_asset *a, const lags *l) {
    const sim_effects *fx = &a->fx;
    double z = aj_rng_gauss(&s->rng);
    a->load_noise = s->is_first ? 0 : ou(a->load_noise, 0.02, l->ou_load, z);
    double cyc = sin(2 * PI * s->t_s / a->load_period_s + a->load_phase);
    a->load = clampd(a->load_mean + fx->load_shift + a->load_amp * cyc + a->load_noise, 0.2, 1.0);
    if (a->parent >= 0 && a->tmpl == SIM_T_MOTOR) a->load = s->assets[a->parent].load;
    double q = a->load, amb = s->amb;
    switch (a->tmpl) {
    case SIM_T_PUMP:
        a->power = q * (0.55 + 0.45 * q * q);
        lag(&a->t_seal, amb + 18 + 10 * q + fx->seal_dt, l->s600, s->is_first);
        lag(&a->t_bearing, amb + 22 + 14 * q + fx->bearing_dt, l->s1200, s->is_first);
        lag(&a->t_casing, amb + 10 + 8 * q, l->s900, s->is_first);
        lag(&a->t_ir_hot, fx->ir_dt, l->s300, s->is_first);
        break;
    case SIM_T_COMPRESSOR:
        a->power = 0.35 + 0.65 * q;
        lag(&a->t_bearing, amb + 30 + 15 * q + fx->bearing_dt, l->s1200, s->is_first);
        break;
    case SIM_T_MOTOR: {
        double p = a->parent >= 0 ? s->assets[a->parent].power : 0.35 + 0.65 * q;
        a->power = p;
        lag(&a->t_winding, amb + 25 + 50 * p * p + fx->winding_dt, l->s1800, s->is_first);
        lag(&a->t_bearing, amb + 18 + 12 * q + fx->bearing_dt, l->s1200, s->is_first);
        break;
    }
    case SIM_T_TANK: {
        double prev = a->t_body;
        lag(&a->t_body, s->amb_slow + 1.5, l->h6, s->is_first);
        a->t_body_prev = s->is_first ? a->t_body : prev;
    }
        if (s->is_first) a->level_extra_m = 0;
        if (fx->inflow_m_h > 0)
            a->level_extra_m += fx->inflow_m_h * s->dt_s / 3600.0;
        else
            a->level_extra_m -= a->level_extra_m * l->h1; /* operators draw it back down */
        break;
    case SIM_T_REACTOR:
        reactor_step(s, a);
        break;
    case SIM_T_PIPE_RACK:
        lag(&a->t_body, s->amb_slow + 2.0, l->h1, s->is_first);
        lag(&a->t_ir_hot, fx->ir_dt, l->s300, s->is_first);
        break;
    default:
        break;
    }
}

/* ---- tag values ------------------------------------------------------------------------------ */

/* Vapour pressure (MPa gauge) of a liquefied gas at temp_c: ammonia-like Clausius–Clapeyron
 * fit (0.43 MPa abs at 0 ℃, 0.86 at 20 ℃). */
static double liquefied_gauge_mpa(double temp_c) {
    return exp(9.315 - 2775.0 / (temp_c + 273.15)) - 0.101;
}

static double tank_level_m(const aj_sim *s, const sim_asset *a, const sim_tag *lt) {
    double lo = lt ? lt->lo : 0, hi = lt ? lt->hi : 10;
    double base = lo + (hi - lo) * (0.5 + 0.2 * sin(2 * PI * s->t_s / a->level_period_s + a->level_phase));
    return fmin(base + a->level_extra_m, hi);
}

bool aj_sim_tank_overflowing(const aj_sim *s, int asset) {
    if (asset < 0 || (size_t)asset >= s->n_assets) return false;
    const sim_asset *a = &s->assets[asset];
    const sim_tag *lt = role_tag(s, a, SIM_R_LEVEL);
    if (!lt) return false;
    double base =
        lt->lo + (lt->hi - lt->lo) * (0.5 + 0.2 * sin(2 * PI * s->t_s / a->level_period_s + a->level_phase));
    return base + a->level_extra_m >= lt->hi;
}

static double tank_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    const sim_tag *lt = role_tag(s, a, SIM_R_LEVEL);
    switch (t->role) {
    case SIM_R_LEVEL:
        return tank_level_m(s, a, t) + 0.001 * (t->hi - t->lo) * z;
    case SIM_R_TEMPERATURE:
        return a->t_body + 0.05 * z;
    case SIM_R_PRESSURE: {
        if (a->is_pressurised) return liquefied_gauge_mpa(a->t_body) * (1 + a->fx.pressure_frac) + 0.002 * z;
        double lo = lt ? lt->lo : 0, hi = lt ? lt->hi : 10;
        double dh_m_h = (hi - lo) * 0.2 * 2 * PI * 3600.0 / a->level_period_s *
                            cos(2 * PI * s->t_s / a->level_period_s + a->level_phase) +
                        a->fx.inflow_m_h;
        double dt_c_h = (a->t_body - a->t_body_prev) * 3600.0 / fmax(s->dt_s, 1e-3);
        return frac(t, 0.35) + 2.0 * dt_c_h + 0.8 * dh_m_h + 0.02 * z;
    }
    case SIM_R_HIGH_LEVEL_SWITCH: {
        double lvl = tank_level_m(s, a, lt);
        double hi = lt ? lt->hi : 10, lo = lt ? lt->lo : 0;
        return lvl >= lo + 0.9 * (hi - lo) ? 1.0 : 0.0;
    }
    default:
        return frac(t, 0.5) + 0.001 * (t->hi - t->lo) * z;
    }
}

/* Cavitation makes flow, discharge pressure and current fluctuate (k_proc) and the
 * vibration broadband (k_vib); both factors are exactly 1 without it. */
static double pump_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    double q = a->load;
    const sim_effects *fx = &a->fx;
    double span = t->hi - t->lo, k_proc = 1 + fx->noise_proc, k_vib = 1 + fx->noise_vib;
    switch (t->role) {
    case SIM_R_FLOW:
        return q * 0.75 * t->hi * (1 + fx->flow_frac) + 0.004 * span * z * k_proc;
    case SIM_R_SUCTION_PRESSURE:
        return frac(t, 0.2 - 0.03 * q * q + fx->suction_span) + 0.002 * span * z;
    case SIM_R_DISCHARGE_PRESSURE:
        return frac(t, (0.28 + 0.30 * q * q) * (1 + fx->pressure_frac)) + 0.002 * span * z * k_proc;
    case SIM_R_MOTOR_CURRENT:
        return 0.8 * t->hi * (0.3 + 0.7 * a->power) * (1 + fx->current_frac) + 0.004 * span * z * k_proc;
    case SIM_R_SEAL_TEMP:
        return a->t_seal + 0.08 * z;
    case SIM_R_BEARING_TEMP:
        return a->t_bearing + 0.08 * z;
    case SIM_R_IR_MAX:
        return a->t_casing + a->t_ir_hot + 0.15 * z;
    case SIM_R_VIB_1X:
        return (1.1 + 0.9 * q) * (1 + fx->vib1) * (1 + 0.03 * z * k_vib);
    case SIM_R_VIB_2X:
        return 0.45 * (1 + 0.3 * q) * (1 + fx->vib2) * (1 + 0.03 * z * k_vib);
    case SIM_R_VIB_3X:
        return 0.25 * (1 + 0.2 * q) * (1 + fx->vib3) * (1 + 0.03 * z * k_vib);
    default:
        return frac(t, 0.5) + 0.002 * span * z;
    }
}

/* Below 10 % surge margin flow and discharge pressure oscillate (period 20 s, amplitude
 * up to 8 % of their range at 0 margin) and the 1×/2× vibration rises: surge precursor. */
static double compressor_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    double q = a->load, span = t->hi - t->lo;
    const sim_effects *fx = &a->fx;
    double pr_rel = (0.45 + 0.15 * q) / 0.5775; /* pressure ratio relative to design */
    double margin = clampd(100.0 * (q / (0.62 * pr_rel) - 1.0), 0, 100) * (1 - clampd(fx->surge_loss, 0, 1));
    double surge_vib = margin < 10 ? 0.3 * (10 - margin) : 0;
    double osc = margin < 10 ? 0.08 * (10 - margin) / 10 * sin(2 * PI * s->t_s / 20.0 + a->load_phase) : 0;
    switch (t->role) {
    case SIM_R_FLOW:
        return q * 0.7 * t->hi + osc * span + 0.004 * span * z;
    case SIM_R_SUCTION_PRESSURE:
        return frac(t, 0.5 * (1 - 0.05 * q)) + 0.002 * span * z;
    case SIM_R_DISCHARGE_PRESSURE:
        return frac(t, (0.45 + 0.15 * q) * (1 + fx->pressure_frac)) + osc * span + 0.002 * span * z;
    case SIM_R_SURGE_MARGIN:
        return margin + 0.5 * z;
    case SIM_R_VIB_1X:
        return (1.8 + 1.2 * q + surge_vib) * (1 + fx->vib1) * (1 + 0.03 * z);
    case SIM_R_VIB_2X:
        return (0.5 + 0.5 * surge_vib) * (1 + fx->vib2) * (1 + 0.03 * z);
    case SIM_R_BEARING_TEMP:
        return a->t_bearing + 0.08 * z;
    case SIM_R_MOTOR_CURRENT:
        return 0.8 * t->hi * a->power * (1 + fx->current_frac) + 0.004 * span * z;
    default:
        return frac(t, 0.5) + 0.002 * span * z;
    }
}

static double motor_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    const sim_effects *fx = &a->fx;
    switch (t->role) {
    case SIM_R_CURRENT:
        return 0.8 * t->hi * (0.3 + 0.7 * a->power) * (1 + fx->current_frac) + 0.004 * (t->hi - t->lo) * z;
    case SIM_R_WINDING_TEMP:
        return a->t_winding + 0.1 * z;
    case SIM_R_BEARING_TEMP:
        return a->t_bearing + 0.08 * z;
    case SIM_R_VIB_1X:
        return (0.9 + 0.6 * a->load) * (1 + fx->vib1) * (1 + 0.03 * z);
    default:
        return frac(t, 0.5) + 0.002 * (t->hi - t->lo) * z;
    }
}

static double reactor_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    const sim_tag *tt = role_tag(s, a, SIM_R_TEMPERATURE);
    double t_set = tt ? frac(tt, 0.45) : 90.0, tc = cooling_water(s), span = t->hi - t->lo;
    switch (t->role) {
    case SIM_R_TEMPERATURE:
        return a->r_temp + 0.1 * z;
    case SIM_R_PRESSURE:
        return frac(t, 0.5) * exp((a->r_temp - t_set) / 30.0) + 0.002 * span * z;
    case SIM_R_COOLANT_FLOW:
        return a->r_flow * 0.9 * t->hi + 0.003 * span * z;
    case SIM_R_COOLANT_TEMP:
        return tc + (a->r_temp - tc) * (1 - exp(-0.12 / fmax(a->r_flow, 0.02))) + 0.08 * z;
    case SIM_R_LEVEL:
        return frac(t, 0.65 + 0.1 * sin(2 * PI * s->t_s / 14400.0 + a->level_phase)) + 0.002 * span * z;
    case SIM_R_AGITATOR_CURRENT:
        return 0.55 * t->hi * (0.9 + 0.2 * a->load) + 0.004 * span * z;
    default:
        return frac(t, 0.5) + 0.002 * span * z;
    }
}

/* Fouling lowers the effectiveness and raises the pressure drop; a tube leak (hot fluid
 * into the cold side) offsets the outlets and the pressure drop and adds cold-side flow. */
static double hx_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    double q = a->load, span = t->hi - t->lo;
    const sim_effects *fx = &a->fx;
    const sim_tag *hot = role_tag(s, a, SIM_R_INLET_TEMP_HOT);
    double th_in = hot ? frac(hot, 0.40 + 0.08 * q) : 100.0;
    double tc_in = cooling_water(s), eff = 0.6 * (1 - clampd(fx->eff_loss, 0, 0.95));
    switch (t->role) {
    case SIM_R_INLET_TEMP_HOT:
        return th_in + 0.08 * z;
    case SIM_R_OUTLET_TEMP_HOT:
        return th_in - eff * (th_in - tc_in) + fx->hot_out_dt + 0.08 * z;
    case SIM_R_INLET_TEMP_COLD:
        return tc_in + 0.05 * z;
    case SIM_R_OUTLET_TEMP_COLD:
        return tc_in + 0.5 * eff * (th_in - tc_in) + fx->cold_out_dt + 0.08 * z;
    case SIM_R_PRESSURE_DROP:
        return frac(t, 0.35 * q * q * fmax(0.0, 1 + fx->dp_frac)) + 0.003 * span * z;
    case SIM_R_FLOW:
        return q * 0.6 * t->hi * (1 + fx->flow_frac) + 0.004 * span * z;
    default:
        return frac(t, 0.5) + 0.002 * span * z;
    }
}

static double pipe_rack_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    switch (t->role) {
    case SIM_R_PRESSURE:
        return frac(t, (0.45 + 0.1 * a->load) * (1 + a->fx.pressure_frac)) + 0.002 * (t->hi - t->lo) * z;
    case SIM_R_TEMPERATURE:
        return a->t_body + 0.05 * z;
    case SIM_R_IR_MAX:
        return a->t_body + 3.0 + a->t_ir_hot + 0.15 * z;
    default:
        return frac(t, 0.5) + 0.002 * (t->hi - t->lo) * z;
    }
}

/* Loading arms work in batches: a truck every 2 h, loading for 45 % of the cycle with
 * 3-minute ramps; the arm is connected 5 minutes before and after. */
static double loading_arm_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    const double cycle_s = 7200.0;
    double pos = fmod(s->t_s + a->load_phase / (2 * PI) * cycle_s, cycle_s), on = 0.45 * cycle_s;
    double ramp = pos < on ? fmin(1.0, fmin(pos, on - pos) / 180.0) : 0.0;
    bool is_connected = pos < on + 300.0 || pos > cycle_s - 300.0;
    switch (t->role) {
    case SIM_R_FLOW:
        return ramp * 0.6 * t->hi * (0.95 + 0.1 * a->load) + (ramp > 0 ? 0.004 * (t->hi - t->lo) * z : 0);
    case SIM_R_PRESSURE:
        return frac(t, 0.02 + 0.3 * ramp) + 0.001 * (t->hi - t->lo) * z;
    case SIM_R_POSITION:
        return (is_connected ? t->hi : t->lo) + 0.05 * z;
    default:
        return frac(t, 0.5) + 0.002 * (t->hi - t->lo) * z;
    }
}

static double valve_value(const aj_sim *s, const sim_asset *a, const sim_tag *t, double z) {
    if (t->role == SIM_R_POSITION) return t->hi - fabs(0.05 * z); /* shut-off valves stand open */
    if (t->role == SIM_R_PRESSURE && a->parent >= 0 && s->assets[a->parent].tmpl == SIM_T_TANK) {
        const sim_asset *tank = &s->assets[a->parent];
        double head_mpa = 800.0 * 9.81 * tank_level_m(s, tank, role_tag(s, tank, SIM_R_LEVEL)) / 1e6;
        double vap = tank->is_pressurised ? liquefied_gauge_mpa(tank->t_body) : 0;
        return frac(t, 0.02) + head_mpa + vap + 0.001 * (t->hi - t->lo) * z;
    }
    return frac(t, 0.5 + 0.05 * a->load) + 0.002 * (t->hi - t->lo) * z;
}

static double asset_value(const aj_sim *s, const sim_tag *t, double z) {
    const sim_asset *a = &s->assets[t->asset];
    switch (a->tmpl) {
    case SIM_T_PUMP:
        return pump_value(s, a, t, z);
    case SIM_T_COMPRESSOR:
        return compressor_value(s, a, t, z);
    case SIM_T_MOTOR:
        return motor_value(s, a, t, z);
    case SIM_T_TANK:
        return tank_value(s, a, t, z);
    case SIM_T_REACTOR:
        return reactor_value(s, a, t, z);
    case SIM_T_HX:
        return hx_value(s, a, t, z);
    case SIM_T_PIPE_RACK:
        return pipe_rack_value(s, a, t, z);
    case SIM_T_LOADING_ARM:
        return loading_arm_value(s, a, t, z);
    case SIM_T_VALVE:
        return valve_value(s, a, t, z);
    default:
        return frac(t, 0.5) + 0.002 * (t->hi - t->lo) * z;
    }
}

static double tag_value(const aj_sim *s, const sim_tag *t, double z) {
    switch (t->model) {
    case SIM_M_ASSET:
        return asset_value(s, t, z);
    case SIM_M_DET_LEL:
    case SIM_M_DET_PPM:
    case SIM_M_DET_O2:
        return aj_sim_detector_value(s, t, z);
    case SIM_M_AIR_TEMP:
        return s->air + 0.05 * z;
    case SIM_M_HUMIDITY:
        return s->humidity + 0.3 * z;
    case SIM_M_WIND_SPEED:
        return s->wind_speed * (1 + 0.05 * z);
    case SIM_M_WIND_DIR: {
        double d = fmod(aj_sim_wind_from_deg(s) + 2.0 * z + 360.0, 360.0);
        return d;
    }
    case SIM_M_TYPHOON:
        return s->typhoon_level;
    default:
        return t->has_range ? frac(t, 0.5) + 0.002 * (t->hi - t->lo) * z : 0;
    }
}

void aj_sim_models_step(aj_sim *s) {
    lags l;
    lags_init(&l, s->dt_s);
    weather_step(s, &l);
    for (size_t i = 0; i < s->n_assets; i++) asset_step(s, &s->assets[i], &l);
    for (size_t i = 0; i < s->n_tags; i++) {
        sim_tag *t = &s->tags[i];
        double z = aj_rng_gauss(&s->rng) * s->noise_scale;
        double v = tag_value(s, t, z);
        if (!isfinite(v)) v = t->has_range ? t->hi : 0;
        t->value = t->has_range ? clampd(v, t->lo, t->hi) : v;
    }
    s->is_first = false;
}
