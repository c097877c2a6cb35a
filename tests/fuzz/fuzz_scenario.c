/* fuzz_scenario.c — libFuzzer harness for the simulator's scenario parser.
 *
 * Parses the input as a scenario against a small built-in plant (one of each modelled
 * template, detectors of each kind in two areas and the weather tags). A scenario that
 * parses is then run twice, for a few samples over 12 h and for a minute at 1 s (surge
 * oscillation, spikes), so the fault development, labels and models see whatever values
 * the parser let through; every value must stay finite and inside its range. A rejected
 * scenario must leave an error message that starts with a JSONPath ("$").
 * Seeds: tests/fuzz/corpus/scenario/; dictionary: tests/fuzz/scenario.dict.
 */
#include "sim/sim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char plant_json[] =
    "{\"format\":\"anjian-plant\",\"version\":1,\"site\":{\"code\":\"FZ01\",\"name\":\"fuzz\",\"lon\":121.3},"
    "\"areas\":[{\"code\":\"A1\",\"name\":\"area\"},{\"code\":\"A2\",\"name\":\"sump\"}],"
    "\"assets\":["
    "{\"code\":\"P-1\",\"name\":\"pump\",\"template\":\"centrifugal_pump\",\"area\":\"A1\",\"x\":10,\"y\":10}"
    ","
    "{\"code\":\"M-1\",\"name\":\"motor\",\"template\":\"motor\",\"area\":\"A1\",\"parent\":\"P-1\",\"x\":12,"
    "\"y\":10},"
    "{\"code\":\"T-1\",\"name\":\"tank\",\"template\":\"storage_tank\",\"area\":\"A1\",\"x\":40,\"y\":10},"
    "{\"code\":\"R-1\",\"name\":\"reactor\",\"template\":\"reactor\",\"area\":\"A1\",\"x\":10,\"y\":40},"
    "{\"code\":\"K-1\",\"name\":\"compressor\",\"template\":\"compressor\",\"area\":\"A1\",\"x\":40,\"y\":40}"
    ","
    "{\"code\":\"E-1\",\"name\":\"exchanger\",\"template\":\"heat_exchanger\",\"area\":\"A1\",\"x\":70,"
    "\"y\":40},"
    "{\"code\":\"GD-1\",\"name\":\"detectors\",\"template\":\"gas_detector_group\",\"area\":\"A1\"},"
    "{\"code\":\"GD-2\",\"name\":\"sump\",\"template\":\"gas_detector_group\",\"area\":\"A2\"}],"
    "\"tags\":["
    "{\"key\":\"FZ01.P-1.seal_temp\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[0,150],\"asset\":\"P-"
    "1\","
    "\"role\":\"seal_temp\"},"
    "{\"key\":\"FZ01.P-1.vib_2x\",\"name\":\"t\",\"kind\":\"vibration\",\"range\":[0,50],\"asset\":\"P-1\","
    "\"role\":\"vib_2x\"},"
    "{\"key\":\"FZ01.P-1.ir_max\",\"name\":\"t\",\"kind\":\"ir_temperature\",\"range\":[0,200],\"asset\":\"P-"
    "1\","
    "\"role\":\"ir_max\"},"
    "{\"key\":\"FZ01.P-1.discharge_pressure\",\"name\":\"t\",\"kind\":\"pressure\",\"range\":[0,2.5],"
    "\"asset\":\"P-1\",\"role\":\"discharge_pressure\"},"
    "{\"key\":\"FZ01.M-1.bearing_temp\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[0,150],\"asset\":"
    "\"M-1\","
    "\"role\":\"bearing_temp\"},"
    "{\"key\":\"FZ01.T-1.level\",\"name\":\"t\",\"unit\":\"m\",\"kind\":\"level\",\"range\":[0,10],\"asset\":"
    "\"T-1\","
    "\"role\":\"level\"},"
    "{\"key\":\"FZ01.T-1.pressure\",\"name\":\"t\",\"unit\":\"kPa\",\"kind\":\"pressure\",\"range\":[-2,6],"
    "\"asset\":\"T-1\",\"role\":\"pressure\"},"
    "{\"key\":\"FZ01.T-1.high_level_switch\",\"name\":\"t\",\"kind\":\"status\",\"asset\":\"T-1\","
    "\"role\":\"high_level_switch\"},"
    "{\"key\":\"FZ01.R-1.temperature\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[0,200],\"asset\":"
    "\"R-1\","
    "\"role\":\"temperature\"},"
    "{\"key\":\"FZ01.R-1.coolant_flow\",\"name\":\"t\",\"kind\":\"flow\",\"range\":[0,80],\"asset\":\"R-1\","
    "\"role\":\"coolant_flow\"},"
    "{\"key\":\"FZ01.K-1.surge_margin\",\"name\":\"t\",\"kind\":\"flow\",\"range\":[0,100],\"asset\":\"K-1\","
    "\"role\":\"surge_margin\"},"
    "{\"key\":\"FZ01.GD-1.GT-1\",\"name\":\"t\",\"kind\":\"gas_combustible_lel\",\"range\":[0,100],"
    "\"asset\":\"GD-1\",\"role\":\"gas\",\"x\":10,\"y\":5,\"gas\":\"methanol\"},"
    "{\"key\":\"FZ01.GD-1.AT-2\",\"name\":\"t\",\"kind\":\"gas_toxic_ppm\",\"range\":[0,100],"
    "\"asset\":\"GD-1\",\"role\":\"gas\",\"x\":12,\"y\":5,\"gas\":\"NH3\",\"oel\":20},"
    "{\"key\":\"FZ01.GD-1.AT-3\",\"name\":\"t\",\"kind\":\"oxygen_pct\",\"range\":[0,30],"
    "\"asset\":\"GD-1\",\"role\":\"gas\",\"x\":14,\"y\":5},"
    "{\"key\":\"FZ01.P-1.flow\",\"name\":\"t\",\"kind\":\"flow\",\"range\":[0,80],\"asset\":\"P-1\","
    "\"role\":\"flow\"},"
    "{\"key\":\"FZ01.P-1.suction_pressure\",\"name\":\"t\",\"kind\":\"pressure\",\"range\":[-0.1,1],"
    "\"asset\":\"P-1\",\"role\":\"suction_pressure\"},"
    "{\"key\":\"FZ01.P-1.motor_current\",\"name\":\"t\",\"kind\":\"current\",\"range\":[0,60],"
    "\"asset\":\"P-1\",\"role\":\"motor_current\"},"
    "{\"key\":\"FZ01.P-1.vib_3x\",\"name\":\"t\",\"kind\":\"vibration\",\"range\":[0,50],\"asset\":\"P-1\","
    "\"role\":\"vib_3x\"},"
    "{\"key\":\"FZ01.M-1.winding_temp\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[0,180],"
    "\"asset\":\"M-1\",\"role\":\"winding_temp\"},"
    "{\"key\":\"FZ01.M-1.current\",\"name\":\"t\",\"kind\":\"current\",\"range\":[0,60],\"asset\":\"M-1\","
    "\"role\":\"current\"},"
    "{\"key\":\"FZ01.K-1.flow\",\"name\":\"t\",\"kind\":\"flow\",\"range\":[0,2000],\"asset\":\"K-1\","
    "\"role\":\"flow\"},"
    "{\"key\":\"FZ01.K-1.discharge_pressure\",\"name\":\"t\",\"kind\":\"pressure\",\"range\":[0,8],"
    "\"asset\":\"K-1\",\"role\":\"discharge_pressure\"},"
    "{\"key\":\"FZ01.K-1.vib_1x\",\"name\":\"t\",\"kind\":\"vibration\",\"range\":[0,50],\"asset\":\"K-1\","
    "\"role\":\"vib_1x\"},"
    "{\"key\":\"FZ01.E-1.inlet_temp_hot\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[0,250],"
    "\"asset\":\"E-1\",\"role\":\"inlet_temp_hot\"},"
    "{\"key\":\"FZ01.E-1.outlet_temp_hot\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[0,250],"
    "\"asset\":\"E-1\",\"role\":\"outlet_temp_hot\"},"
    "{\"key\":\"FZ01.E-1.outlet_temp_cold\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[0,100],"
    "\"asset\":\"E-1\",\"role\":\"outlet_temp_cold\"},"
    "{\"key\":\"FZ01.E-1.pressure_drop\",\"name\":\"t\",\"kind\":\"differential_pressure\",\"range\":[0,200],"
    "\"asset\":\"E-1\",\"role\":\"pressure_drop\"},"
    "{\"key\":\"FZ01.E-1.flow\",\"name\":\"t\",\"kind\":\"flow\",\"range\":[0,100],\"asset\":\"E-1\","
    "\"role\":\"flow\"},"
    "{\"key\":\"FZ01.GD-2.AT-4\",\"name\":\"t\",\"kind\":\"gas_toxic_ppm\",\"range\":[0,50],"
    "\"asset\":\"GD-2\",\"role\":\"gas\",\"x\":80,\"y\":80,\"gas\":\"H2S\",\"oel\":10},"
    "{\"key\":\"FZ01.GD-2.AT-5\",\"name\":\"t\",\"kind\":\"oxygen_pct\",\"range\":[0,30],"
    "\"asset\":\"GD-2\",\"role\":\"gas\",\"x\":82,\"y\":80},"
    "{\"key\":\"FZ01.A1.wind_speed\",\"name\":\"t\",\"kind\":\"wind_speed\",\"range\":[0,60],\"area\":\"A1\"}"
    ","
    "{\"key\":\"FZ01.A1.wind_direction\",\"name\":\"t\",\"kind\":\"wind_direction\",\"range\":[0,360],"
    "\"area\":\"A1\"},"
    "{\"key\":\"FZ01.A1.temperature\",\"name\":\"t\",\"kind\":\"temperature\",\"range\":[-30,50],\"area\":"
    "\"A1\"}"
    "]}";

static aj_sim *sim;

/* n samples at step_ns; every value must be finite and inside its range. */
static void run(int64_t step_ns, int n, size_t seed) {
    aj_sim_opts o = {.seed = seed, .start_ns = 1796083200LL * 1000000000LL, .step_ns = step_ns};
    aj_sim_begin(sim, &o, NULL);
    for (int k = 0; k < n; k++) {
        aj_sim_step(sim);
        for (size_t i = 0; i < aj_sim_n_tags(sim); i++) {
            double v = aj_sim_tag_value(sim, i), lo, hi;
            if (!isfinite(v)) abort();
            if (aj_sim_tag_range(sim, i, &lo, &hi) && (v < lo || v > hi)) abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[AJ_SIM_ERR_LEN];
    if (!sim) {
        json_error_t je;
        json_t *plant = json_loads(plant_json, 0, &je);
        if (!plant || aj_sim_new(plant, &sim, err, sizeof err) != AJ_OK) abort();
        json_decref(plant);
    }
    aj_err e = aj_sim_load_scenario(sim, (const char *)data, size, err, sizeof err);
    if (e != AJ_OK) {
        if (e != AJ_EJSON && e != AJ_EINVAL && e != AJ_ETOOBIG) abort();
        if (err[0] != '$') abort();
        return 0;
    }
    /* a few samples over a long span, so every onset up to 12 h comes into play, then a
     * minute at 1 s */
    run(1800LL * 1000000000LL, 24, size);
    run(1000000000LL, 60, size);
    return 0;
}
