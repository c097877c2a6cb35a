/* sim_int.h — the simulator's internal state, shared by sim.c, models.c, gas.c, scenario.c
 * and faults.c.
 *
 * Indices, not pointers, link the pieces: a tag names its asset by index, an asset its
 * parent and the first tag of each role, a fault its asset or tag. Everything is owned
 * by struct aj_sim and freed with it.
 */
#ifndef AJ_SIM_INT_H
#define AJ_SIM_INT_H

#include "base/limits.h"
#include "sim/rng.h"
#include "sim/sim.h"

/* Asset templates of the plant file (docs/plant-file.md). */
typedef enum {
    SIM_T_PUMP,
    SIM_T_COMPRESSOR,
    SIM_T_TANK,
    SIM_T_REACTOR,
    SIM_T_HX,
    SIM_T_PIPE_RACK,
    SIM_T_MOTOR,
    SIM_T_LOADING_ARM,
    SIM_T_GD_GROUP,
    SIM_T_VALVE,
    SIM_T_OTHER
} sim_template;

/* Signal roles of all templates. */
#define SIM_ROLES(X)                                                                                         \
    X(SEAL_TEMP, "seal_temp")                                                                                \
    X(VIB_1X, "vib_1x")                                                                                      \
    X(VIB_2X, "vib_2x")                                                                                      \
    X(VIB_3X, "vib_3x")                                                                                      \
    X(IR_MAX, "ir_max")                                                                                      \
    X(MOTOR_CURRENT, "motor_current")                                                                        \
    X(DISCHARGE_PRESSURE, "discharge_pressure")                                                              \
    X(SUCTION_PRESSURE, "suction_pressure")                                                                  \
    X(FLOW, "flow")                                                                                          \
    X(BEARING_TEMP, "bearing_temp")                                                                          \
    X(SURGE_MARGIN, "surge_margin")                                                                          \
    X(LEVEL, "level")                                                                                        \
    X(TEMPERATURE, "temperature")                                                                            \
    X(PRESSURE, "pressure")                                                                                  \
    X(HIGH_LEVEL_SWITCH, "high_level_switch")                                                                \
    X(COOLANT_FLOW, "coolant_flow")                                                                          \
    X(COOLANT_TEMP, "coolant_temp")                                                                          \
    X(AGITATOR_CURRENT, "agitator_current")                                                                  \
    X(INLET_TEMP_HOT, "inlet_temp_hot")                                                                      \
    X(OUTLET_TEMP_HOT, "outlet_temp_hot")                                                                    \
    X(INLET_TEMP_COLD, "inlet_temp_cold")                                                                    \
    X(OUTLET_TEMP_COLD, "outlet_temp_cold")                                                                  \
    X(PRESSURE_DROP, "pressure_drop")                                                                        \
    X(WINDING_TEMP, "winding_temp")                                                                          \
    X(CURRENT, "current")                                                                                    \
    X(POSITION, "position")                                                                                  \
    X(GAS, "gas")

typedef enum {
#define SIM_ROLE_ENUM(id, name) SIM_R_##id,
    SIM_ROLES(SIM_ROLE_ENUM)
#undef SIM_ROLE_ENUM
        SIM_R_COUNT,
    SIM_R_NONE = -1
} sim_role;

/* What computes a tag's value. */
typedef enum {
    SIM_M_ASSET,      /* by its asset's model and its role */
    SIM_M_DET_LEL,    /* combustible gas detector, %LEL */
    SIM_M_DET_PPM,    /* toxic gas detector, ppm */
    SIM_M_DET_O2,     /* oxygen detector, %VOL */
    SIM_M_AIR_TEMP,   /* weather: air temperature */
    SIM_M_HUMIDITY,   /* weather: relative humidity */
    SIM_M_WIND_SPEED, /* weather: wind speed */
    SIM_M_WIND_DIR,   /* weather: wind direction (from, ° clockwise from north) */
    SIM_M_TYPHOON,    /* weather: typhoon warning level 0..4 */
    SIM_M_CONSTANT    /* anything else: mid-range with small noise */
} sim_model;

/* Fault types of a scenario. */
typedef enum {
    SIM_F_SEAL_FAILURE,
    SIM_F_BEARING_WEAR,
    SIM_F_FLANGE_MICRO_LEAK,
    SIM_F_REACTOR_COOLING_LOSS,
    SIM_F_TANK_OVERFILL,
    SIM_F_STUCK,
    SIM_F_DRIFT,
    SIM_F_TYPHOON,
    SIM_F_CAVITATION,
    SIM_F_MOTOR_OVERHEAT,
    SIM_F_COMPRESSOR_SURGE,
    SIM_F_HX_FOULING,
    SIM_F_HX_TUBE_LEAK,
    SIM_F_CONFINED_SPACE_INERTING,
    SIM_F_TOXIC_RELEASE,
    SIM_F_SPIKE,
    SIM_F_LOAD_STEP, /* an operational change, not a fault: its labels say "operational" */
    SIM_F_COUNT
} sim_fault_type;

typedef enum { SIM_DEV_LINEAR, SIM_DEV_EXPONENTIAL, SIM_DEV_STEP } sim_development;

typedef enum {
    SIM_PHASE_NONE,
    SIM_PHASE_ONSET,
    SIM_PHASE_DEVELOPING,
    SIM_PHASE_FAILED,
    SIM_PHASE_CLEARED
} sim_phase;

/* A substance a detector measures or a leak releases. */
typedef struct sim_substance {
    const char *name;
    double molar_mass; /* g/mol */
    double lel_pct;    /* lower explosive limit, % vol; 0 = not combustible */
} sim_substance;

/* Effects of the active faults on one asset, recomputed every sample. All are 0 without a
 * fault, and every model is written so that a 0 leaves its value bit-identical. */
typedef struct sim_effects {
    double seal_dt;          /* ℃ added to the seal temperature target */
    double ir_dt;            /* ℃ hot spot added to the IR maximum */
    double bearing_dt;       /* ℃ added to the bearing temperature target */
    double winding_dt;       /* ℃ added to the motor winding temperature target */
    double vib1, vib2, vib3; /* relative increase of the 1×/2×/3× amplitudes (3.2 = +320 %) */
    double pressure_frac;    /* relative change of pressures (−0.03 = −3 %) */
    double suction_span;     /* change of the suction pressure, as a fraction of its range */
    double flow_frac;        /* relative change of flow */
    double current_frac;     /* relative change of motor current */
    double noise_proc;       /* extra relative noise of flow, discharge pressure, current (4 = ×5) */
    double noise_vib;        /* extra relative noise of the vibration amplitudes */
    double cooling_loss;     /* fraction of coolant flow lost, 0..1 */
    double inflow_m_h;       /* extra tank inflow as level rise, m/h */
    double surge_loss;       /* fraction of the compressor's surge margin lost, 0..1 */
    double eff_loss;         /* fraction of the heat exchanger's effectiveness lost */
    double dp_frac;          /* relative change of the heat exchanger's pressure drop */
    double hot_out_dt;       /* ℃ added to the hot outlet */
    double cold_out_dt;      /* ℃ added to the cold outlet */
    double load_shift;       /* change of the load mean (load_step), fraction of rated */
} sim_effects;

typedef struct sim_asset {
    char code[AJ_CODE_LEN_MAX + 1];
    sim_template tmpl;
    double x, y;
    bool has_xy;
    int parent;                 /* index of the parent asset, -1 */
    int area;                   /* index into aj_sim.areas, -1 */
    long role_tag[SIM_R_COUNT]; /* first tag of each role, -1 */
    bool is_pressurised;        /* storage tank whose pressure is in MPa (liquefied gas) */
    /* parameters drawn once at build time */
    double load_mean, load_amp, load_period_s, load_phase;
    double level_period_s, level_phase;
    /* state */
    double load, load_noise;
    double power; /* shaft power as a fraction of rated (pumps, compressors) */
    double t_seal, t_bearing, t_casing, t_winding, t_ir_hot, t_body, t_body_prev;
    double level_extra_m;
    double r_temp, r_integral, r_flow,
        r_conc; /* reactor: temperature, PI integral, coolant fraction, reactant */
    sim_effects fx;
} sim_asset;

typedef struct sim_tag {
    char key[AJ_CODE_LEN_MAX + 1];
    char prefix[2 * AJ_CODE_LEN_MAX + 8]; /* "measurement field=" (escaped) */
    unsigned prefix_len;
    int asset; /* -1 without */
    int area;  /* index into aj_sim.areas (the tag's, else its asset's), -1 */
    int role;  /* sim_role or SIM_R_NONE */
    sim_model model;
    bool has_range;
    double lo, hi;
    double x, y;
    int substance; /* index into the substance table, -1 */
    double value;
    /* sensor faults */
    bool is_stuck;
    double stuck_value;
    double drift;
} sim_tag;

typedef struct sim_fault {
    char id[AJ_CODE_LEN_MAX + 1];
    sim_fault_type type;
    sim_development development;
    int asset;                               /* target asset, -1 (motor_overheat: the motor) */
    long tag;                                /* target tag, -1 */
    int area;                                /* target area (confined_space_inerting), -1 */
    double lx, ly;                           /* leak point */
    int substance;                           /* leak substance, -1 = per detector's own gas */
    int ir_asset;                            /* leak: nearest asset with an ir_max tag (within 30 m), -1 */
    int press_asset;                         /* leak: nearest asset with a pressure tag (within 30 m), -1 */
    int64_t onset_ns, duration_ns, clear_ns; /* offsets from start; clear_ns < 0: never */
    double magnitude;
    int64_t every_ns; /* spike: mean spacing of the spikes */
    /* run state */
    sim_phase phase;
    int decile; /* last severity decile labelled while developing */
    double severity;
    aj_rng spike_rng; /* spike: its own stream, so the main stream is never touched */
} sim_fault;

typedef struct sim_weather_cfg {
    double air_mean, air_amp; /* ℃ */
    double wind_speed;        /* m/s, mean */
    double wind_from;         /* °, mean */
    double wind_var;          /* °, sd of the direction's drift */
    double humidity_mean;     /* %RH */
} sim_weather_cfg;

struct aj_sim {
    sim_asset *assets;
    size_t n_assets;
    sim_tag *tags;
    size_t n_tags;
    char (*areas)[AJ_CODE_LEN_MAX + 1];
    size_t n_areas;
    double solar_offset_h; /* local solar time − UTC, from the site's longitude */
    sim_fault faults[AJ_SIM_FAULTS_MAX];
    int n_faults;
    sim_weather_cfg wcfg;
    double noise_scale; /* the scenario's "noise": factor on every tag's noise */
    /* run state */
    aj_rng rng;
    aj_sim_opts o;
    FILE *labels;
    uint64_t n_labels;
    int64_t k;     /* index of the next sample */
    int64_t t_ns;  /* event time of the last sample */
    double t_s;    /* seconds since start of the last sample */
    double dt_s;   /* sample period, s */
    bool is_first; /* the next sample is the first: lags start at their targets */
    double air, air_noise, amb, amb_slow, humidity, hum_noise, wind_speed, wind_dir_dev;
    int typhoon_level;
};

/* ---- models.c ------------------------------------------------------------------------ */
extern const sim_substance aj_sim_substances[];
extern const int aj_sim_n_substances;
/* Index in aj_sim_substances, or -1. */
int aj_sim_substance_find(const char *name);
/* SIM_T_OTHER for a template without a model. */
sim_template aj_sim_template_parse(const char *name);
/* A sim_role, or SIM_R_NONE. */
int aj_sim_role_parse(const char *name);
/* Draws the per-asset parameters (load and level cycles) at the start of a run, in plant
 * order, right after seeding. */
void aj_sim_models_init(aj_sim *s);
/* Weather, then asset states, then every tag's value for the current sample. */
void aj_sim_models_step(aj_sim *s);
/* Where the wind blows from now, degrees clockwise from north, 0..360. */
double aj_sim_wind_from_deg(const aj_sim *s);
/* Whether a tank's contents have reached the top of its level range (it overflows), at the
 * last sample; false for an asset without a level. */
bool aj_sim_tank_overflowing(const aj_sim *s, int asset);

/* ---- gas.c --------------------------------------------------------------------------- */
/* Gas added at (x, y) by the active leaks (flange_micro_leak, toxic_release), as a volume
 * fraction, for the current wind: leaks of substance sub only, or of any substance when
 * any_substance (oxygen dilution). */
double aj_sim_leak_volfrac(const aj_sim *s, double x, double y, int sub, bool any_substance);
/* Value of a gas detector tag (SIM_M_DET_*) for the noise deviate z, before clamping. */
double aj_sim_detector_value(const aj_sim *s, const sim_tag *t, double z);

/* ---- scenario.c ---------------------------------------------------------------------- */
void aj_sim_weather_defaults(sim_weather_cfg *w);

/* ---- faults.c ------------------------------------------------------------------------ */
/* Names of the fault types, indexed by sim_fault_type. */
extern const char *const aj_sim_fault_names[SIM_F_COUNT];
/* Resets every fault to "not yet begun" and seeds the spike streams for a run. */
void aj_sim_faults_begin(aj_sim *s);
/* Severities, phases and labels of every fault at the current sample; fills the effects
 * of assets (reset first) and the typhoon level. */
void aj_sim_faults_apply(aj_sim *s);
/* Applies the sensor faults (stuck, drift, spike) to the tag values just computed. */
void aj_sim_sensor_faults_apply(aj_sim *s);

#endif
