/* test_sim.c — the plant simulator (src/sim/): determinism, ranges, the domain's
 * seal-failure example, sensor faults, the gas plume, the day cycle, process faults,
 * the failure-mode library (each type's exact effect), the noise factor, the scenario
 * parser's errors and the output format.
 *
 * Every case runs on the repository's demo plant (plants/demo-chemical.json, found from
 * this file's path). Comparisons of a faulty run with the fault-free run of the same seed
 * rely on the simulator's promise that faults never change the random stream; a second
 * fault-free run with the noise doubled separates each value into model and noise, so a
 * fault's effect is checked exactly, not statistically.
 */
#include "sim/sim.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define START_NS (1796083200LL * 1000000000LL) /* 2026-12-01T00:00:00Z */
#define S_NS     1000000000LL
#define MIN_NS   (60LL * S_NS)
#define H_NS     (3600LL * S_NS)
#define PI_      3.14159265358979323846

/* Every scenario file of the repository (each must parse and stay in range). */
static const char *const scenario_files[] = {
    "scenarios/seal-failure-P-101.json",     "scenarios/mixed-faults.json",
    "scenarios/cavitation-P-102.json",       "scenarios/motor-overheat-M-P301.json",
    "scenarios/compressor-surge-K-201.json", "scenarios/hx-fouling-E-301.json",
    "scenarios/hx-tube-leak-E-201.json",     "scenarios/confined-space-inerting-sump.json",
    "scenarios/h2s-release-sump.json",       "scenarios/sensor-faults.json",
};
#define N_SCENARIO_FILES (sizeof scenario_files / sizeof scenario_files[0])

static json_t *plant;

/* Path of a file of the repository, from this file's path. */
static bool repo_path(const char *rel, char *out, size_t outlen) {
    snprintf(out, outlen, "%s", __FILE__);
    char *cut = strstr(out, "tests/unit/test_sim.c");
    if (!cut) return false;
    snprintf(cut, outlen - (size_t)(cut - out), "%s", rel);
    return access(out, R_OK) == 0;
}

static int setup(void **state) {
    char path[1024];
    if (!repo_path("plants/demo-chemical.json", path, sizeof path)) return -1;
    json_error_t je;
    plant = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    return plant ? 0 : -1;
}

static int teardown(void **state) {
    json_decref(plant);
    return 0;
}

static aj_sim *new_sim(const char *scenario) {
    aj_sim *s = NULL;
    char err[AJ_SIM_ERR_LEN];
    aj_err e = aj_sim_new(plant, &s, err, sizeof err);
    if (e) fail_msg("aj_sim_new: %s", err);
    if (scenario && aj_sim_load_scenario(s, scenario, strlen(scenario), err, sizeof err))
        fail_msg("scenario: %s", err);
    return s;
}

static char *read_repo_file(const char *rel) {
    char path[1024];
    if (!repo_path(rel, path, sizeof path)) fail_msg("missing %s", rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static long tag(const aj_sim *s, const char *key) {
    long i = aj_sim_tag_find(s, key);
    if (i < 0) fail_msg("no tag %s", key);
    return i;
}

static aj_sim_opts opts(uint64_t seed, int64_t duration_ns, int64_t step_ns) {
    return (aj_sim_opts){.seed = seed, .start_ns = START_NS, .duration_ns = duration_ns, .step_ns = step_ns};
}

/* Runs to memory; *out and *labels are malloc'ed (caller frees). */
static void run_to_memory(aj_sim *s, const aj_sim_opts *o, char **out, size_t *out_len, char **labels,
                          size_t *labels_len) {
    FILE *fo = open_memstream(out, out_len), *fl = open_memstream(labels, labels_len);
    assert_non_null(fo);
    assert_non_null(fl);
    aj_sim_stats st;
    assert_int_equal(aj_sim_run(s, o, fo, fl, &st), AJ_OK);
    fclose(fo);
    fclose(fl);
    assert_int_equal(st.n_points, st.n_steps * aj_sim_n_tags(s));
}

/* ---- determinism ---------------------------------------------------------------------- */

static void test_determinism(void **state) {
    char *scen = read_repo_file("scenarios/mixed-faults.json");
    aj_sim *s = new_sim(scen);
    char *o1, *o2, *o3, *l1, *l2, *l3;
    size_t n1, n2, n3, m1, m2, m3;
    aj_sim_opts o = opts(42, 3 * H_NS, 10 * S_NS);
    run_to_memory(s, &o, &o1, &n1, &l1, &m1);
    o.speed = 1e6; /* paced (3 h in ~11 ms of wall time): same bytes */
    run_to_memory(s, &o, &o2, &n2, &l2, &m2);
    assert_true(n1 > 1000000);
    assert_true(m1 > 0);
    assert_int_equal(n1, n2);
    assert_memory_equal(o1, o2, n1);
    assert_int_equal(m1, m2);
    assert_memory_equal(l1, l2, m1);
    /* a fresh simulator from the same inputs gives the same bytes too */
    aj_sim *s2 = new_sim(scen);
    free(o2), free(l2);
    o.speed = 0;
    run_to_memory(s2, &o, &o2, &n2, &l2, &m2);
    assert_int_equal(n1, n2);
    assert_memory_equal(o1, o2, n1);
    /* a different seed differs (labels do not: they follow the scenario only) */
    o.seed = 43;
    run_to_memory(s2, &o, &o3, &n3, &l3, &m3);
    assert_true(n1 != n3 || memcmp(o1, o3, n1) != 0);
    assert_int_equal(m1, m3);
    assert_memory_equal(l1, l3, m1);
    free(o1), free(o2), free(o3), free(l1), free(l2), free(l3), free(scen);
    aj_sim_free(s);
    aj_sim_free(s2);
}

/* ---- ranges ------------------------------------------------------------------------------ */

static void check_in_range(const char *file, int64_t duration_ns, int64_t step_ns) {
    char *scen = read_repo_file(file);
    aj_sim *s = new_sim(scen);
    aj_sim_opts o = opts(7, duration_ns, step_ns);
    aj_sim_begin(s, &o, NULL);
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(s);
        for (size_t i = 0; i < aj_sim_n_tags(s); i++) {
            double v = aj_sim_tag_value(s, i), lo, hi;
            if (!isfinite(v)) fail_msg("%s: %s not finite", file, aj_sim_tag_key(s, i));
            if (aj_sim_tag_range(s, i, &lo, &hi)) {
                if (v < lo || v > hi)
                    fail_msg("%s: %s = %g outside [%g, %g]", file, aj_sim_tag_key(s, i), v, lo, hi);
            } else if (v != 0 && v != 1) {
                fail_msg("%s: status %s = %g", file, aj_sim_tag_key(s, i), v);
            }
        }
    }
    free(scen);
    aj_sim_free(s);
}

static void test_values_in_range(void **state) {
    check_in_range("scenarios/mixed-faults.json", 12 * H_NS, 30 * S_NS);
    for (size_t i = 2; i < N_SCENARIO_FILES; i++) check_in_range(scenario_files[i], 12 * H_NS, 60 * S_NS);
}

/* ---- the domain example -------------------------------------------------------------------- */

typedef struct window {
    double sum[3];
    int n;
} window;

/* Means of three tags over [from, to) of a run. */
static void means(aj_sim *s, uint64_t seed, int64_t from_ns, int64_t to_ns, const long ids[3],
                  double out[3]) {
    aj_sim_opts o = opts(seed, to_ns, 10 * S_NS);
    window w = {0};
    aj_sim_begin(s, &o, NULL);
    for (int64_t k = 0; k < to_ns / o.step_ns; k++) {
        aj_sim_step(s);
        if (aj_sim_time_ns(s) - START_NS < from_ns) continue;
        for (int j = 0; j < 3; j++) w.sum[j] += aj_sim_tag_value(s, (size_t)ids[j]);
        w.n++;
    }
    for (int j = 0; j < 3; j++) out[j] = w.sum[j] / w.n;
}

static void test_seal_failure_example(void **state) {
    char *scen = read_repo_file("scenarios/seal-failure-P-101.json");
    aj_sim *faulty = new_sim(scen), *clean = new_sim(NULL);
    long ids[3] = {tag(faulty, "JS01.P-101.seal_temp"), tag(faulty, "JS01.P-101.vib_2x"),
                   tag(faulty, "JS01.P-101.ir_max")};
    /* onset +1h, 2 h to full development, cleared at +8h: measure from +4h to +6h */
    double f[3], c[3];
    means(faulty, 11, 4 * H_NS, 6 * H_NS, ids, f);
    means(clean, 11, 4 * H_NS, 6 * H_NS, ids, c);
    double d_seal = f[0] - c[0], ratio = f[1] / c[1], d_ir = f[2] - c[2];
    print_message("seal +%.2f ℃, vib_2x x%.3f, IR dT %.2f ℃\n", d_seal, ratio, d_ir);
    assert_true(fabs(d_seal - 12.0) <= 1.0);
    assert_true(fabs(ratio - 4.2) <= 0.42);
    assert_true(fabs(d_ir - 8.3) <= 0.5);
    /* before the onset, both runs are the same */
    double f0[3], c0[3];
    means(faulty, 11, 0, H_NS, ids, f0);
    means(clean, 11, 0, H_NS, ids, c0);
    for (int j = 0; j < 3; j++) assert_true(f0[j] == c0[j]);
    free(scen);
    aj_sim_free(faulty);
    aj_sim_free(clean);
}

static void test_seal_failure_labels(void **state) {
    char *scen = read_repo_file("scenarios/seal-failure-P-101.json");
    aj_sim *s = new_sim(scen);
    char *out, *labels;
    size_t n, m;
    aj_sim_opts o = opts(1, 9 * H_NS, 60 * S_NS);
    run_to_memory(s, &o, &out, &n, &labels, &m);
    assert_non_null(strstr(labels,
                           "{\"t\":\"2026-12-01T01:00:00.000Z\",\"id\":\"seal-P-101\",\"asset\":\"P-101\","
                           "\"fault\":\"seal_failure\",\"phase\":\"onset\",\"severity\":0.000}\n"));
    assert_non_null(strstr(labels,
                           "\"t\":\"2026-12-01T03:00:00.000Z\",\"id\":\"seal-P-101\",\"asset\":\"P-101\","
                           "\"fault\":\"seal_failure\",\"phase\":\"failed\",\"severity\":1.000}"));
    assert_non_null(strstr(labels,
                           "\"t\":\"2026-12-01T08:00:00.000Z\",\"id\":\"seal-P-101\",\"asset\":\"P-101\","
                           "\"fault\":\"seal_failure\",\"phase\":\"cleared\",\"severity\":0.000}"));
    assert_non_null(strstr(labels, "\"phase\":\"developing\",\"severity\":0.500}"));
    /* each line is one JSON object */
    for (char *line = labels; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_error_t je;
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, &je);
        assert_non_null(j);
        json_decref(j);
        line = nl + 1;
    }
    free(out), free(labels), free(scen);
    aj_sim_free(s);
}

/* ---- sensor faults --------------------------------------------------------------------------- */

static void test_stuck_freezes_one_tag(void **state) {
    const char *scen = "{\"faults\":[{\"type\":\"stuck\",\"tag\":\"JS01.T-101.level\",\"onset\":\"+10m\"}]}";
    aj_sim *faulty = new_sim(scen), *clean = new_sim(NULL);
    long stuck = tag(faulty, "JS01.T-101.level");
    aj_sim_opts o = opts(5, 3 * H_NS, 10 * S_NS);
    aj_sim_begin(faulty, &o, NULL);
    aj_sim_begin(clean, &o, NULL);
    double frozen = NAN;
    bool differs = false;
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(faulty);
        aj_sim_step(clean);
        int64_t el = aj_sim_time_ns(faulty) - START_NS;
        for (size_t i = 0; i < aj_sim_n_tags(faulty); i++) {
            double vf = aj_sim_tag_value(faulty, i), vc = aj_sim_tag_value(clean, i);
            if ((long)i != stuck || el < 10 * MIN_NS) {
                if (vf != vc)
                    fail_msg("%s changed at +%llds", aj_sim_tag_key(faulty, i), (long long)(el / S_NS));
                continue;
            }
            if (isnan(frozen)) frozen = vf;
            assert_true(vf == frozen);
            if (vc != frozen) differs = true;
        }
    }
    assert_true(differs); /* the real level moved on */
    aj_sim_free(faulty);
    aj_sim_free(clean);
}

static void test_drift_offsets_one_tag(void **state) {
    const char *scen =
        "{\"faults\":[{\"type\":\"drift\",\"tag\":\"JS01.P-101.bearing_temp\",\"onset\":\"+0s\","
        "\"duration\":\"1h\",\"magnitude\":5}]}";
    aj_sim *faulty = new_sim(scen), *clean = new_sim(NULL);
    long id = tag(faulty, "JS01.P-101.bearing_temp");
    aj_sim_opts o = opts(5, 2 * H_NS, 60 * S_NS);
    aj_sim_begin(faulty, &o, NULL);
    aj_sim_begin(clean, &o, NULL);
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(faulty);
        aj_sim_step(clean);
    }
    assert_true(fabs(aj_sim_tag_value(faulty, (size_t)id) - aj_sim_tag_value(clean, (size_t)id) - 5.0) <
                1e-9);
    assert_true(aj_sim_tag_value(faulty, (size_t)tag(faulty, "JS01.P-101.seal_temp")) ==
                aj_sim_tag_value(clean, (size_t)tag(clean, "JS01.P-101.seal_temp")));
    aj_sim_free(faulty);
    aj_sim_free(clean);
}

/* ---- gas plume --------------------------------------------------------------------------------- */

static void test_leak_plume(void **state) {
    /* wind from the north: the seal detector GT-1026, 5 m south of P-101, is downwind;
     * GT-2024 (methanol, in the reaction unit 170 m to the north) is far upwind */
    const char *scen =
        "{\"weather\":{\"wind_speed\":2,\"wind_from\":0,\"wind_variability\":5},"
        "\"faults\":[{\"type\":\"flange_micro_leak\",\"leak\":{\"x\":190,\"y\":152,\"area\":\"PH1\"},"
        "\"substance\":\"methanol\",\"onset\":\"+30m\",\"development\":\"step\",\"magnitude\":10}]}";
    aj_sim *s = new_sim(scen);
    long near = tag(s, "JS01.GD-107.GT-1026"), far = tag(s, "JS01.GD-206.GT-2024");
    long ir = tag(s, "JS01.P-101.ir_max");
    aj_sim_opts o = opts(3, 2 * H_NS, 10 * S_NS);
    aj_sim_begin(s, &o, NULL);
    double before[3] = {0}, after[3] = {0};
    int nb = 0, na = 0;
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(s);
        int64_t el = aj_sim_time_ns(s) - START_NS;
        double v[3] = {aj_sim_tag_value(s, (size_t)near), aj_sim_tag_value(s, (size_t)far),
                       aj_sim_tag_value(s, (size_t)ir)};
        if (el < 30 * MIN_NS) {
            for (int j = 0; j < 3; j++) before[j] += v[j];
            nb++;
        } else if (el >= H_NS) {
            for (int j = 0; j < 3; j++) after[j] += v[j];
            na++;
        }
    }
    for (int j = 0; j < 3; j++) before[j] /= nb, after[j] /= na;
    print_message("near %.3f -> %.3f %%LEL, far %.3f -> %.3f %%LEL, IR %.2f -> %.2f\n", before[0], after[0],
                  before[1], after[1], before[2], after[2]);
    assert_true(before[0] < 0.2);
    assert_true(after[0] > 2.0 && after[0] < 25.0); /* a low reading, below the 1st alarm level */
    assert_true(after[1] < 0.2);
    assert_true(after[2] - before[2] > 1.5); /* the IR anomaly at the pump */
    aj_sim_free(s);
}

/* Inert gas at a reactor manway: the oxygen detector 2 m downwind drops below the
 * GB/T 50493-2019 low alarm (19.5 %VOL); the one at the next manway (40 m) stays at 20.9. */
static void test_oxygen_dilution(void **state) {
    const char *scen =
        "{\"weather\":{\"wind_speed\":2,\"wind_from\":0,\"wind_variability\":5},"
        "\"faults\":[{\"type\":\"flange_micro_leak\",\"leak\":{\"x\":66,\"y\":244,\"area\":\"PU1\"},"
        "\"substance\":\"nitrogen\",\"development\":\"step\",\"magnitude\":300}]}";
    aj_sim *s = new_sim(scen);
    long near = tag(s, "JS01.GD-205.AT-2018"), far = tag(s, "JS01.GD-205.AT-2019");
    aj_sim_opts o = opts(4, H_NS, 10 * S_NS);
    aj_sim_begin(s, &o, NULL);
    double sum_near = 0, sum_far = 0;
    int n = 0;
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(s);
        sum_near += aj_sim_tag_value(s, (size_t)near);
        sum_far += aj_sim_tag_value(s, (size_t)far);
        n++;
    }
    print_message("O2 near %.2f %%, far %.2f %%\n", sum_near / n, sum_far / n);
    assert_true(sum_near / n < 19.5);
    assert_true(fabs(sum_far / n - 20.9) < 0.1);
    aj_sim_free(s);
}

/* ---- day cycle -------------------------------------------------------------------------------- */

static void test_day_cycle(void **state) {
    aj_sim *s = new_sim(NULL);
    long air = tag(s, "JS01.UT1.temperature");
    aj_sim_opts o = opts(9, 24 * H_NS, 60 * S_NS);
    double hourly[24] = {0};
    aj_sim_begin(s, &o, NULL);
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(s);
        hourly[k / 60] += aj_sim_tag_value(s, (size_t)air) / 60.0;
    }
    int hmax = 0, hmin = 0;
    for (int h = 0; h < 24; h++) {
        if (hourly[h] > hourly[hmax]) hmax = h;
        if (hourly[h] < hourly[hmin]) hmin = h;
    }
    /* local solar time at 121.34° E is UTC + 8.1 h: warmest about 15:00, coolest about 03:00 */
    int lmax = (hmax + 8) % 24, lmin = (hmin + 8) % 24;
    print_message("air: max %.2f at %02d h local, min %.2f at %02d h local\n", hourly[hmax], lmax,
                  hourly[hmin], lmin);
    assert_true(hourly[hmax] - hourly[hmin] > 5.0);
    assert_true(lmax >= 12 && lmax <= 18);
    assert_true(lmin <= 6 || lmin >= 23);
    aj_sim_free(s);
}

/* ---- process faults ------------------------------------------------------------------------------ */

static void test_process_faults(void **state) {
    const char *scen =
        "{\"faults\":["
        "{\"type\":\"reactor_cooling_loss\",\"asset\":\"R-201\",\"onset\":\"+10m\",\"duration\":\"30m\"},"
        "{\"type\":\"tank_overfill\",\"asset\":\"T-101\",\"onset\":\"+0s\",\"development\":\"step\","
        "\"magnitude\":3},"
        "{\"type\":\"bearing_wear\",\"asset\":\"M-P101\",\"duration\":\"1h\"},"
        "{\"type\":\"typhoon\",\"magnitude\":3}]}";
    aj_sim *faulty = new_sim(scen), *clean = new_sim(NULL);
    const char *keys[] = {"JS01.R-201.temperature",       "JS01.R-201.coolant_flow",  "JS01.R-201.pressure",
                          "JS01.T-101.high_level_switch", "JS01.M-P101.bearing_temp", "JS01.UT1.wind_speed"};
    double maxf[6], maxc[6];
    for (int j = 0; j < 6; j++) maxf[j] = maxc[j] = -INFINITY;
    double min_flow_f = INFINITY;
    aj_sim_opts o = opts(2, 3 * H_NS, 10 * S_NS);
    aj_sim_begin(faulty, &o, NULL);
    aj_sim_begin(clean, &o, NULL);
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(faulty);
        aj_sim_step(clean);
        for (int j = 0; j < 6; j++) {
            maxf[j] = fmax(maxf[j], aj_sim_tag_value(faulty, (size_t)tag(faulty, keys[j])));
            maxc[j] = fmax(maxc[j], aj_sim_tag_value(clean, (size_t)tag(clean, keys[j])));
        }
        min_flow_f = fmin(min_flow_f, aj_sim_tag_value(faulty, (size_t)tag(faulty, keys[1])));
    }
    print_message("reactor T max %.1f vs %.1f, P max %.2f vs %.2f; wind max %.1f vs %.1f\n", maxf[0], maxc[0],
                  maxf[2], maxc[2], maxf[5], maxc[5]);
    assert_true(maxf[0] > maxc[0] + 10.0);         /* runaway precursor: temperature climbs */
    assert_true(maxf[2] > maxc[2]);                /* and pressure with it */
    assert_true(min_flow_f < 0.5 * maxc[1]);       /* coolant flow lost */
    assert_true(maxf[3] == 1.0 && maxc[3] == 0.0); /* high-level switch trips */
    assert_true(maxf[4] > maxc[4] + 10.0);
    assert_true(maxf[5] > maxc[5] + 8.0); /* typhoon level 3 */
    aj_sim_free(faulty);
    aj_sim_free(clean);
}

/* ---- the failure-mode library ------------------------------------------------------------ */

/* Every value of every tag at every sample of a run: n_steps × n_tags, malloc'ed. */
typedef struct trace {
    double *v;
    size_t n_steps, n_tags;
} trace;

static trace run_trace(aj_sim *s, const aj_sim_opts *o) {
    trace tr = {.n_steps = (size_t)(o->duration_ns / o->step_ns), .n_tags = aj_sim_n_tags(s)};
    tr.v = malloc(tr.n_steps * tr.n_tags * sizeof *tr.v);
    assert_non_null(tr.v);
    aj_sim_begin(s, o, NULL);
    for (size_t k = 0; k < tr.n_steps; k++) {
        aj_sim_step(s);
        for (size_t i = 0; i < tr.n_tags; i++) tr.v[k * tr.n_tags + i] = aj_sim_tag_value(s, i);
    }
    return tr;
}

static double at(const trace *tr, size_t k, long tag_i) {
    return tr->v[k * tr->n_tags + (size_t)tag_i];
}

/* Runs a scenario (NULL: none) and returns its trace. */
static trace trace_of(const char *scenario, const aj_sim_opts *o) {
    aj_sim *s = new_sim(scenario);
    trace tr = run_trace(s, o);
    aj_sim_free(s);
    return tr;
}

/* The fault-free run with the tag noise doubled: with the normal run c1 it separates each
 * value into model μ = 2·c1 − c2 and noise n = c2 − c1 (the noise factor scales the tag
 * deviates only, never the process). */
typedef struct reference {
    trace c1, c2;
} reference;

static reference reference_of(const aj_sim_opts *o) {
    return (reference){trace_of(NULL, o), trace_of("{\"noise\":2}", o)};
}

static double mu(const reference *r, size_t k, long i) {
    return 2 * at(&r->c1, k, i) - at(&r->c2, k, i);
}

static double noise(const reference *r, size_t k, long i) {
    return at(&r->c2, k, i) - at(&r->c1, k, i);
}

static void reference_free(reference *r) {
    free(r->c1.v);
    free(r->c2.v);
}

#define assert_near(got, want, tol)                                                                          \
    do {                                                                                                     \
        double g_ = (got), w_ = (want);                                                                      \
        if (!(fabs(g_ - w_) <= (tol))) fail_msg("%s = %.9g, want %.9g (±%g)", #got, g_, w_, (double)(tol));  \
    } while (0)

/* Fails unless every tag that differs between the two traces starts with one of the
 * prefixes (NULL-terminated); returns how many tags differ. */
static int only_changed(const aj_sim *s, const trace *a, const trace *b, const char *const *prefixes) {
    int n_changed = 0;
    for (size_t i = 0; i < a->n_tags; i++) {
        bool differs = false;
        for (size_t k = 0; k < a->n_steps && !differs; k++) differs = at(a, k, (long)i) != at(b, k, (long)i);
        if (!differs) continue;
        n_changed++;
        bool is_allowed = false;
        for (int j = 0; prefixes[j]; j++)
            if (!strncmp(aj_sim_tag_key(s, i), prefixes[j], strlen(prefixes[j]))) is_allowed = true;
        if (!is_allowed) fail_msg("%s changed", aj_sim_tag_key(s, i));
    }
    return n_changed;
}

/* The labels of a run of the scenario (malloc'ed, NUL-terminated). */
static char *labels_of(const char *scenario, int64_t duration_ns) {
    aj_sim *s = new_sim(scenario);
    char *out, *labels;
    size_t n, m;
    aj_sim_opts o = opts(1, duration_ns, 60 * S_NS);
    run_to_memory(s, &o, &out, &n, &labels, &m);
    free(out);
    aj_sim_free(s);
    return labels;
}

static void test_cavitation(void **state) {
    const char *scen = "{\"faults\":[{\"type\":\"cavitation\",\"asset\":\"P-102\",\"onset\":\"+10m\","
                       "\"development\":\"step\",\"clear_at\":\"+50m\"}]}";
    aj_sim_opts o = opts(21, H_NS, 10 * S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o);
    reference r = reference_of(&o);
    long suc = tag(s, "JS01.P-102.suction_pressure"), flow = tag(s, "JS01.P-102.flow");
    long dis = tag(s, "JS01.P-102.discharge_pressure"), cur = tag(s, "JS01.P-102.motor_current");
    long vib[3] = {tag(s, "JS01.P-102.vib_1x"), tag(s, "JS01.P-102.vib_2x"), tag(s, "JS01.P-102.vib_3x")};
    const double vib_rise[3] = {1.4, 1.4, 2.2};
    for (size_t k = 60; k < 300; k++) { /* +10m .. +50m: s = 1 */
        assert_near(at(&f, k, suc), fmax(-0.1, at(&r.c1, k, suc) - 0.25 * 1.1), 1e-9);
        assert_near(at(&f, k, flow), 0.85 * mu(&r, k, flow) + 5 * noise(&r, k, flow), 1e-9);
        assert_near(at(&f, k, dis), 0.90 * mu(&r, k, dis) + 5 * noise(&r, k, dis), 1e-9);
        assert_near(at(&f, k, cur), 0.95 * mu(&r, k, cur) + 5 * noise(&r, k, cur), 1e-9);
        for (int j = 0; j < 3; j++) { /* base·(1 + rise)·(1 + 0.03·z·4) */
            double base = mu(&r, k, vib[j]), rel = noise(&r, k, vib[j]) / base;
            assert_near(at(&f, k, vib[j]), base * vib_rise[j] * (1 + 4 * rel), 1e-9);
        }
    }
    for (size_t k = 0; k < 60; k++) assert_true(at(&f, k, flow) == at(&r.c1, k, flow));
    for (size_t k = 300; k < 360; k++) assert_true(at(&f, k, flow) == at(&r.c1, k, flow)); /* cleared */
    const char *const only[] = {"JS01.P-102.", NULL};
    assert_int_equal(only_changed(s, &f, &r.c1, only), 7); /* not seal, bearing, IR */
    free(f.v);
    /* linear over 2 h: at +1h s = 0.5 and the suction is down by 12.5 % of its range */
    const char *lin = "{\"faults\":[{\"type\":\"cavitation\",\"asset\":\"P-102\",\"duration\":\"2h\"}]}";
    o.duration_ns = 2 * H_NS;
    trace fl = trace_of(lin, &o);
    trace c = trace_of(NULL, &o);
    assert_near(at(&fl, 360, suc) - at(&c, 360, suc), -0.125 * 1.1, 1e-9);
    assert_near(at(&fl, 180, suc) - at(&c, 180, suc), -0.0625 * 1.1, 1e-9);
    free(fl.v), free(c.v);
    char *labels = labels_of(scen, H_NS);
    assert_non_null(strstr(labels,
                           "{\"t\":\"2026-12-01T00:10:00.000Z\",\"asset\":\"P-102\",\"fault\":\"cavitation\","
                           "\"phase\":\"onset\",\"severity\":1.000}\n"));
    assert_non_null(strstr(labels, "\"asset\":\"P-102\",\"fault\":\"cavitation\",\"phase\":\"failed\""));
    assert_non_null(strstr(labels,
                           "{\"t\":\"2026-12-01T00:50:00.000Z\",\"asset\":\"P-102\",\"fault\":\"cavitation\","
                           "\"phase\":\"cleared\",\"severity\":0.000}\n"));
    free(labels);
    reference_free(&r);
    aj_sim_free(s);
}

static void test_motor_overheat(void **state) {
    /* on the pump: the fault is its motor's */
    const char *scen =
        "{\"faults\":[{\"type\":\"motor_overheat\",\"asset\":\"P-102\",\"development\":\"step\"}]}";
    aj_sim_opts o = opts(22, 2 * H_NS, 10 * S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o);
    reference r = reference_of(&o);
    long wind = tag(s, "JS01.M-P102.winding_temp"), bear = tag(s, "JS01.M-P102.bearing_temp");
    long cur = tag(s, "JS01.M-P102.current");
    for (size_t k = 0; k < f.n_steps; k++) { /* from +0s: every lag starts at its faulty target */
        assert_near(at(&f, k, wind) - at(&r.c1, k, wind), 40.0, 1e-9);
        assert_near(at(&f, k, bear) - at(&r.c1, k, bear), 8.0, 1e-9);
        assert_near(at(&f, k, cur), 1.02 * mu(&r, k, cur) + noise(&r, k, cur), 1e-9);
    }
    const char *const only[] = {"JS01.M-P102.", NULL};
    assert_int_equal(only_changed(s, &f, &r.c1, only), 3); /* not the motor's vibration */
    free(f.v);
    /* a later onset goes through the 30 min lag: 40·(1 − e^−1) = 25.3 ℃ after 30 min */
    const char *late = "{\"faults\":[{\"type\":\"motor_overheat\",\"asset\":\"M-P102\",\"onset\":\"+1h\","
                       "\"development\":\"step\"}]}";
    trace fl = trace_of(late, &o);
    assert_true(at(&fl, 359, wind) == at(&r.c1, 359, wind));
    assert_near(at(&fl, 360 + 180, wind) - at(&r.c1, 360 + 180, wind), 40.0 * (1 - exp(-1.0)), 0.2);
    free(fl.v);
    char *labels = labels_of(scen, H_NS);
    assert_non_null(strstr(labels, "\"asset\":\"M-P102\",\"fault\":\"motor_overheat\",\"phase\":\"onset\""));
    free(labels);
    reference_free(&r);
    aj_sim_free(s);
}

static void test_compressor_surge(void **state) {
    const char *scen =
        "{\"faults\":[{\"type\":\"compressor_surge\",\"asset\":\"K-201\",\"development\":\"step\"}]}";
    aj_sim_opts o = opts(23, 20 * MIN_NS, S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o);
    reference r = reference_of(&o);
    long margin = tag(s, "JS01.K-201.surge_margin"), flow = tag(s, "JS01.K-201.flow");
    long dis = tag(s, "JS01.K-201.discharge_pressure"), v1 = tag(s, "JS01.K-201.vib_1x");
    long v2 = tag(s, "JS01.K-201.vib_2x"), bear = tag(s, "JS01.K-201.bearing_temp");
    double max_osc = 0;
    for (size_t k = 0; k + 20 < f.n_steps; k++) {
        assert_true(mu(&r, k, margin) > 20); /* the clean compressor is far from surge */
        assert_near(at(&f, k, margin), fmax(0.0, noise(&r, k, margin)), 1e-9); /* margin 0 + noise */
        double d = at(&f, k, flow) - at(&r.c1, k, flow);                       /* 8 % of 2000 */
        assert_true(fabs(d) <= 160.0 + 1e-6);
        assert_near(at(&f, k + 10, flow) - at(&r.c1, k + 10, flow), -d, 1e-6); /* period 20 s */
        assert_near(at(&f, k + 20, flow) - at(&r.c1, k + 20, flow), d, 1e-6);
        assert_near((at(&f, k, dis) - at(&r.c1, k, dis)) / 8.0, d / 2000.0,
                    1e-9); /* same wave, 8 % of 8 MPa */
        max_osc = fmax(max_osc, fabs(d));
        double b1 = mu(&r, k, v1); /* (1.8 + 1.2q + 0.3·10)·(1 + 0.03z) */
        assert_near(at(&f, k, v1), (b1 + 3.0) * at(&r.c1, k, v1) / b1, 1e-9);
        assert_near(at(&f, k, v2), (0.5 + 1.5) * at(&r.c1, k, v2) / 0.5, 1e-9);
        assert_near(at(&f, k, bear) - at(&r.c1, k, bear), 6.0, 1e-9);
    }
    assert_true(max_osc >= 160.0 * cos(PI_ / 20) - 1e-6);
    const char *const only[] = {"JS01.K-201.", NULL};
    assert_int_equal(only_changed(s, &f, &r.c1, only), 6); /* not suction, not current */
    free(f.v);
    reference_free(&r);
    /* half the margin lost (magnitude 0.5): still above 10 %, no oscillation yet */
    const char *half =
        "{\"faults\":[{\"type\":\"compressor_surge\",\"asset\":\"K-201\",\"development\":\"step\","
        "\"magnitude\":0.5}]}";
    o = opts(23, H_NS, 10 * S_NS);
    r = reference_of(&o);
    trace fh = trace_of(half, &o);
    for (size_t k = 0; k < fh.n_steps; k++) {
        assert_near(at(&fh, k, margin), 0.5 * mu(&r, k, margin) + noise(&r, k, margin), 1e-9);
        assert_true(at(&fh, k, flow) == at(&r.c1, k, flow));
        assert_near(at(&fh, k, bear) - at(&r.c1, k, bear), 3.0, 1e-9);
    }
    free(fh.v);
    reference_free(&r);
    aj_sim_free(s);
}

static void test_hx_fouling(void **state) {
    const char *scen =
        "{\"faults\":[{\"type\":\"hx_fouling\",\"asset\":\"E-201\",\"development\":\"step\"}]}";
    aj_sim_opts o = opts(24, H_NS, 10 * S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o);
    reference r = reference_of(&o);
    long hin = tag(s, "JS01.E-201.inlet_temp_hot"), hout = tag(s, "JS01.E-201.outlet_temp_hot");
    long cin = tag(s, "JS01.E-201.inlet_temp_cold"), cout = tag(s, "JS01.E-201.outlet_temp_cold");
    long dp = tag(s, "JS01.E-201.pressure_drop");
    for (size_t k = 0; k < f.n_steps; k++) { /* effectiveness 0.6 -> 0.3 */
        double th = mu(&r, k, hin), tc = mu(&r, k, cin);
        assert_near(at(&f, k, hout), th - 0.3 * (th - tc) + noise(&r, k, hout), 1e-9);
        assert_near(at(&f, k, cout), tc + 0.15 * (th - tc) + noise(&r, k, cout), 1e-9);
        assert_near(at(&f, k, dp), 1.6 * mu(&r, k, dp) + noise(&r, k, dp), 1e-9);
    }
    const char *const only[] = {"JS01.E-201.outlet_temp_", "JS01.E-201.pressure_drop", NULL};
    assert_int_equal(only_changed(s, &f, &r.c1, only), 3);
    free(f.v);
    reference_free(&r);
    char *labels = labels_of(scen, 10 * MIN_NS);
    assert_non_null(strstr(labels, "\"asset\":\"E-201\",\"fault\":\"hx_fouling\",\"phase\":\"onset\""));
    free(labels);
    aj_sim_free(s);
}

static void test_hx_tube_leak(void **state) {
    const char *scen =
        "{\"faults\":[{\"type\":\"hx_tube_leak\",\"asset\":\"E-201\",\"development\":\"step\"}]}";
    aj_sim_opts o = opts(25, H_NS, 10 * S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o);
    reference r = reference_of(&o);
    long hout = tag(s, "JS01.E-201.outlet_temp_hot"), cout = tag(s, "JS01.E-201.outlet_temp_cold");
    long dp = tag(s, "JS01.E-201.pressure_drop"), flow = tag(s, "JS01.E-201.flow");
    for (size_t k = 0; k < f.n_steps; k++) {
        assert_near(at(&f, k, cout) - at(&r.c1, k, cout), 6.0, 1e-9);
        assert_near(at(&f, k, hout) - at(&r.c1, k, hout), -3.0, 1e-9);
        assert_near(at(&f, k, dp), 0.8 * mu(&r, k, dp) + noise(&r, k, dp), 1e-9);
        assert_near(at(&f, k, flow), 1.05 * mu(&r, k, flow) + noise(&r, k, flow), 1e-9);
    }
    const char *const only[] = {"JS01.E-201.", NULL};
    assert_int_equal(only_changed(s, &f, &r.c1, only), 4); /* not the inlets */
    free(f.v);
    reference_free(&r);
    aj_sim_free(s);
}

static void test_confined_space_inerting(void **state) {
    /* area PU1: the five manway oxygen detectors of GD-205, nothing else */
    const char *scen =
        "{\"faults\":[{\"type\":\"confined_space_inerting\",\"area\":\"PU1\",\"development\":\"step\"}]}";
    aj_sim_opts o = opts(26, H_NS, 10 * S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o), c = trace_of(NULL, &o);
    const char *keys[] = {"JS01.GD-205.AT-2018", "JS01.GD-205.AT-2019", "JS01.GD-205.AT-2020",
                          "JS01.GD-205.AT-2021", "JS01.GD-205.AT-2022"};
    for (int j = 0; j < 5; j++) {
        long i = tag(s, keys[j]);
        for (size_t k = 0; k < f.n_steps; k++) /* 20.9·(1 − 0.5·0.3) */
            assert_near(at(&f, k, i) - at(&c, k, i), 20.9 * 0.85 - 20.9, 1e-9);
    }
    const char *const only[] = {"JS01.GD-205.", NULL};
    assert_int_equal(only_changed(s, &f, &c, only), 5);
    free(f.v);
    /* the sump's detector group GD-301: its oxygen detector only, down to ~17.8 %VOL */
    const char *sump = "{\"faults\":[{\"type\":\"confined_space_inerting\",\"asset\":\"GD-301\","
                       "\"development\":\"step\",\"magnitude\":0.3}]}";
    trace fs = trace_of(sump, &o);
    long o2 = tag(s, "JS01.GD-301.AT-3004");
    double sum = 0;
    for (size_t k = 0; k < fs.n_steps; k++) sum += at(&fs, k, o2);
    assert_near(sum / fs.n_steps, 17.765, 0.01);
    const char *const only_sump[] = {"JS01.GD-301.AT-3004", NULL};
    assert_int_equal(only_changed(s, &fs, &c, only_sump), 1);
    free(fs.v), free(c.v);
    char *labels = labels_of(scen, 10 * MIN_NS);
    assert_non_null(strstr(labels, "{\"t\":\"2026-12-01T00:00:00.000Z\",\"area\":\"PU1\",\"fault\":"
                                   "\"confined_space_inerting\",\"phase\":\"onset\",\"severity\":1.000}\n"));
    free(labels);
    labels = labels_of(sump, 10 * MIN_NS);
    assert_non_null(strstr(labels, "\"asset\":\"GD-301\",\"fault\":\"confined_space_inerting\""));
    free(labels);
    aj_sim_free(s);
}

static void test_toxic_release(void **state) {
    /* 8 m upwind of the sump's H2S detector AT-3001 (545, 330) for a steady NNW wind */
    const char *scen =
        "{\"weather\":{\"wind_speed\":2,\"wind_from\":330,\"wind_variability\":2},"
        "\"faults\":[{\"type\":\"toxic_release\",\"leak\":{\"x\":541,\"y\":336.9,\"area\":\"UT1\"},"
        "\"onset\":\"+10m\",\"development\":\"step\"}]}";
    aj_sim_opts o = opts(27, H_NS, 10 * S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o);
    char *clean_w = strdup(scen);
    strcpy(strstr(clean_w, ",\"faults\""), "}"); /* same weather, no fault */
    trace c = trace_of(clean_w, &o);
    long near = tag(s, "JS01.GD-301.AT-3001");
    double sum = 0;
    for (size_t k = 0; k < 60; k++) assert_true(at(&f, k, near) == at(&c, k, near));
    for (size_t k = 60; k < f.n_steps; k++) sum += at(&f, k, near);
    print_message("H2S at AT-3001: %.1f ppm\n", sum / (f.n_steps - 60));
    assert_true(sum / (f.n_steps - 60) > 10.0); /* 2 g/s: well above the 10 ppm alarm */
    const char *const only[] = {"JS01.GD-301.", NULL};
    assert_true(only_changed(s, &f, &c, only) >= 1);
    free(f.v), free(c.v), free(clean_w);
    char *labels = labels_of(scen, H_NS);
    assert_non_null(strstr(labels, "{\"t\":\"2026-12-01T00:10:00.000Z\",\"leak\":{\"x\":541.00,\"y\":336.90},"
                                   "\"substance\":\"H2S\",\"fault\":\"toxic_release\",\"phase\":\"onset\","
                                   "\"severity\":1.000}\n"));
    free(labels);
    /* at an asset's position, with another substance */
    aj_sim_free(s);
    s = new_sim("{\"faults\":[{\"type\":\"toxic_release\",\"asset\":\"E-301\",\"substance\":\"NH3\"}]}");
    aj_sim_free(s);
}

static void test_spike(void **state) {
    /* P-102 flow: spikes of 30 % of 0..80 m³/h, one a minute on average, for 6 h */
    const char *scen = "{\"faults\":[{\"type\":\"spike\",\"tag\":\"JS01.P-102.flow\"},"
                       "{\"type\":\"spike\",\"tag\":\"JS01.P-102.suction_pressure\",\"every\":\"10m\","
                       "\"magnitude\":-0.05}]}";
    aj_sim_opts o = opts(28, 6 * H_NS, S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o), c = trace_of(NULL, &o);
    long flow = tag(s, "JS01.P-102.flow"), suc = tag(s, "JS01.P-102.suction_pressure");
    int n_flow = 0, n_suc = 0;
    for (size_t k = 0; k < f.n_steps; k++) {
        double d = at(&f, k, flow) - at(&c, k, flow);
        if (d != 0) {
            n_flow++;
            if (fabs(d - 24.0) > 1e-9 && at(&f, k, flow) != 80.0) fail_msg("flow spike %g", d);
        }
        d = at(&f, k, suc) - at(&c, k, suc);
        if (d != 0) {
            n_suc++;
            if (fabs(d + 0.05) > 1e-9) fail_msg("suction spike %g", d);
        }
    }
    print_message("spikes: %d on flow (360 expected), %d on suction (36 expected)\n", n_flow, n_suc);
    assert_true(n_flow >= 300 && n_flow <= 420);
    assert_true(n_suc >= 20 && n_suc <= 52);
    const char *const only[] = {"JS01.P-102.flow", "JS01.P-102.suction_pressure", NULL};
    assert_int_equal(only_changed(s, &f, &c, only), 2);
    free(f.v), free(c.v);
    char *labels = labels_of(scen, H_NS);
    assert_non_null(strstr(labels,
                           "{\"t\":\"2026-12-01T00:00:00.000Z\",\"tag\":\"JS01.P-102.flow\",\"fault\":"
                           "\"spike\",\"phase\":\"onset\",\"severity\":1.000}\n"));
    free(labels);
    aj_sim_free(s);
}

static void test_load_step(void **state) {
    const char *scen = "{\"faults\":[{\"type\":\"load_step\",\"asset\":\"P-102\",\"onset\":\"+10m\"}]}";
    aj_sim_opts o = opts(29, 2 * H_NS, 10 * S_NS);
    aj_sim *s = new_sim(scen);
    trace f = run_trace(s, &o), c = trace_of(NULL, &o);
    long flow = tag(s, "JS01.P-102.flow"), cur = tag(s, "JS01.P-102.motor_current");
    long mcur = tag(s, "JS01.M-P102.current");
    for (size_t k = 0; k < 60; k++) assert_true(at(&f, k, flow) == at(&c, k, flow));
    for (size_t k = 60; k < f.n_steps; k++) { /* 30 points of load: 0.3 · 75 % of 80 m³/h */
        assert_near(at(&f, k, flow) - at(&c, k, flow), -18.0, 1e-9);
        assert_true(at(&f, k, cur) < at(&c, k, cur) - 5.0);
        assert_true(at(&f, k, mcur) < at(&c, k, mcur) - 5.0); /* the motor follows its pump */
    }
    const char *const only[] = {"JS01.P-102.", "JS01.M-P102.", NULL};
    assert_true(only_changed(s, &f, &c, only) >= 10);
    free(f.v), free(c.v);
    char *labels = labels_of(scen, H_NS);
    assert_non_null(strstr(labels,
                           "{\"t\":\"2026-12-01T00:10:00.000Z\",\"asset\":\"P-102\",\"fault\":"
                           "\"load_step\",\"operational\":true,\"phase\":\"onset\",\"severity\":1.000}\n"));
    free(labels);
    aj_sim_free(s);
}

static void test_noise_scaling(void **state) {
    aj_sim_opts o = opts(30, H_NS, 10 * S_NS);
    aj_sim *s = new_sim(NULL);
    trace c1 = trace_of(NULL, &o), c3 = trace_of("{\"noise\":3}", &o), c01 = trace_of("{\"noise\":0.1}", &o);
    reference r = reference_of(&o);
    const char *keys[] = {"JS01.P-101.flow", "JS01.P-101.seal_temp", "JS01.R-201.temperature",
                          "JS01.E-201.pressure_drop", "JS01.K-301.surge_margin"};
    for (int j = 0; j < 5; j++) {
        long i = tag(s, keys[j]);
        for (size_t k = 0; k < c1.n_steps; k++) {
            assert_near(at(&c3, k, i), mu(&r, k, i) + 3 * noise(&r, k, i), 1e-9);
            assert_near(at(&c01, k, i), mu(&r, k, i) + 0.1 * noise(&r, k, i), 1e-9);
        }
    }
    /* "noise": 1 is the default: the same bytes */
    char *o1, *o2, *l1, *l2;
    size_t n1, n2, m1, m2;
    aj_sim *s1 = new_sim("{\"noise\":1}");
    run_to_memory(s, &o, &o1, &n1, &l1, &m1);
    run_to_memory(s1, &o, &o2, &n2, &l2, &m2);
    assert_int_equal(n1, n2);
    assert_memory_equal(o1, o2, n1);
    free(o1), free(o2), free(l1), free(l2);
    free(c1.v), free(c3.v), free(c01.v);
    reference_free(&r);
    aj_sim_free(s);
    aj_sim_free(s1);
}

/* motor_overheat needs a motor: on a copy of the demo plant without P-101's motor */
static void test_motor_overheat_needs_motor(void **state) {
    json_t *p = json_deep_copy(plant);
    json_t *assets = json_object_get(p, "assets"), *tags = json_object_get(p, "tags");
    for (size_t i = json_array_size(assets); i-- > 0;)
        if (!strcmp(json_string_value(json_object_get(json_array_get(assets, i), "code")), "M-P101"))
            json_array_remove(assets, i);
    for (size_t i = json_array_size(tags); i-- > 0;) {
        const char *a = json_string_value(json_object_get(json_array_get(tags, i), "asset"));
        if (a && !strcmp(a, "M-P101")) json_array_remove(tags, i);
    }
    aj_sim *s = NULL;
    char err[AJ_SIM_ERR_LEN];
    if (aj_sim_new(p, &s, err, sizeof err)) fail_msg("aj_sim_new: %s", err);
    const char *scen = "{\"faults\":[{\"type\":\"motor_overheat\",\"asset\":\"P-101\"}]}";
    assert_int_equal(aj_sim_load_scenario(s, scen, strlen(scen), err, sizeof err), AJ_EINVAL);
    assert_string_equal(err, "$.faults[0].asset: \"P-101\" has no motor (no asset of template motor has it "
                             "as parent)");
    scen = "{\"faults\":[{\"type\":\"motor_overheat\",\"asset\":\"P-102\"}]}";
    assert_int_equal(aj_sim_load_scenario(s, scen, strlen(scen), err, sizeof err), AJ_OK);
    aj_sim_free(s);
    json_decref(p);
}

/* ---- scenario parser ------------------------------------------------------------------------------ */

typedef struct bad_case {
    const char *json;
    aj_err err;
    const char *prefix; /* the message starts with this */
} bad_case;

static const bad_case bad_cases[] = {
    {"{\"faults\": [", AJ_EJSON, "$: malformed JSON"},
    {"[]", AJ_EINVAL, "$: a scenario must be a JSON object"},
    {"{\"faults\":[{\"type\":\"meltdown\",\"asset\":\"P-101\"}]}", AJ_EINVAL,
     "$.faults[0].type: unknown fault type \"meltdown\""},
    {"{\"faults\":[{\"type\":\"stuck\",\"tag\":\"JS01.P-101.flow\"},{\"type\":\"seal_failure\",\"asset\":\"P-"
     "999\"}]}",
     AJ_EINVAL, "$.faults[1].asset: no asset \"P-999\" in the plant"},
    {"{\"faults\":[{\"type\":\"seal_failure\",\"asset\":\"T-101\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a seal_failure"},
    {"{\"faults\":[{\"type\":\"drift\",\"tag\":\"JS01.NOPE\"}]}", AJ_EINVAL,
     "$.faults[0].tag: no tag \"JS01.NOPE\""},
    {"{\"faults\":[{\"type\":\"stuck\",\"asset\":\"P-101\"}]}", AJ_EINVAL,
     "$.faults[0]: a stuck fault needs \"tag\""},
    {"{\"faults\":[{\"type\":\"seal_failure\",\"asset\":\"P-101\",\"colour\":1}]}", AJ_EINVAL,
     "$.faults[0].colour: unknown member"},
    {"{\"faults\":[{\"type\":\"seal_failure\",\"asset\":\"P-101\",\"onset\":\"+2x\"}]}", AJ_EINVAL,
     "$.faults[0].onset: not an offset"},
    {"{\"faults\":[{\"type\":\"seal_failure\",\"asset\":\"P-101\",\"onset\":\"+2h\",\"clear_at\":\"+1h\"}]}",
     AJ_EINVAL, "$.faults[0].clear_at: must be after onset"},
    {"{\"faults\":[{\"type\":\"seal_failure\",\"asset\":\"P-101\",\"development\":\"sudden\"}]}", AJ_EINVAL,
     "$.faults[0].development:"},
    {"{\"faults\":[{\"type\":\"reactor_cooling_loss\",\"asset\":\"R-201\",\"magnitude\":2}]}", AJ_EINVAL,
     "$.faults[0].magnitude: must be between 0 and 1"},
    {"{\"faults\":[{\"type\":\"flange_micro_leak\",\"leak\":{\"x\":1,\"y\":2,\"area\":\"ZZ9\"}}]}", AJ_EINVAL,
     "$.faults[0].leak.area: no area \"ZZ9\""},
    {"{\"faults\":[{\"type\":\"flange_micro_leak\",\"leak\":{\"x\":1}}]}", AJ_EINVAL,
     "$.faults[0].leak: needs"},
    {"{\"faults\":[{\"type\":\"flange_micro_leak\",\"asset\":\"P-101\",\"substance\":\"unobtainium\"}]}",
     AJ_EINVAL, "$.faults[0].substance: unknown substance"},
    {"{\"weather\":{\"wind_speed\":-1}}", AJ_EINVAL, "$.weather.wind_speed: must be between"},
    {"{\"format\":\"other\"}", AJ_EINVAL, "$.format:"},
    {"{\"faults\":{}}", AJ_EINVAL, "$.faults: must be an array"},
    {"{\"faults\":[{\"type\":\"typhoon\",\"magnitude\":2.5}]}", AJ_EINVAL, "$.faults[0].magnitude:"},
    /* the failure-mode library */
    {"{\"faults\":[{\"type\":\"cavitation\",\"asset\":\"T-101\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a cavitation cannot happen on asset \"T-101\" (wrong template)"},
    {"{\"faults\":[{\"type\":\"compressor_surge\",\"asset\":\"P-101\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a compressor_surge cannot happen"},
    {"{\"faults\":[{\"type\":\"hx_fouling\",\"asset\":\"R-201\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a hx_fouling cannot happen"},
    {"{\"faults\":[{\"type\":\"hx_tube_leak\"}]}", AJ_EINVAL,
     "$.faults[0]: a hx_tube_leak fault needs \"asset\""},
    {"{\"faults\":[{\"type\":\"motor_overheat\",\"asset\":\"E-201\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a motor_overheat cannot happen"},
    {"{\"faults\":[{\"type\":\"confined_space_inerting\",\"area\":\"TF1\"}]}", AJ_EINVAL,
     "$.faults[0].area: no oxygen detectors in area \"TF1\""},
    {"{\"faults\":[{\"type\":\"confined_space_inerting\",\"asset\":\"GD-101\"}]}", AJ_EINVAL,
     "$.faults[0].asset: no oxygen detectors in group \"GD-101\""},
    {"{\"faults\":[{\"type\":\"confined_space_inerting\",\"asset\":\"P-101\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a confined_space_inerting cannot happen"},
    {"{\"faults\":[{\"type\":\"confined_space_inerting\",\"area\":\"ZZ9\"}]}", AJ_EINVAL,
     "$.faults[0].area: no area \"ZZ9\" in the plant"},
    {"{\"faults\":[{\"type\":\"confined_space_inerting\"}]}", AJ_EINVAL,
     "$.faults[0]: a confined_space_inerting fault needs \"area\""},
    {"{\"faults\":[{\"type\":\"confined_space_inerting\",\"area\":\"PU1\",\"asset\":\"GD-205\"}]}", AJ_EINVAL,
     "$.faults[0]: a confined_space_inerting fault needs"},
    {"{\"faults\":[{\"type\":\"confined_space_inerting\",\"area\":\"PU1\",\"magnitude\":3}]}", AJ_EINVAL,
     "$.faults[0].magnitude: must be between 0 and 2"},
    {"{\"faults\":[{\"type\":\"cavitation\",\"asset\":\"P-101\",\"area\":\"PH1\"}]}", AJ_EINVAL,
     "$.faults[0].area: only confined_space_inerting faults target an area"},
    {"{\"faults\":[{\"type\":\"cavitation\",\"asset\":\"P-101\",\"tag\":\"JS01.P-101.flow\"}]}", AJ_EINVAL,
     "$.faults[0].tag: only stuck, drift and spike faults target a tag"},
    {"{\"faults\":[{\"type\":\"cavitation\",\"asset\":\"P-101\",\"leak\":{\"x\":1,\"y\":2}}]}", AJ_EINVAL,
     "$.faults[0].leak: only flange_micro_leak and toxic_release faults have a leak point"},
    {"{\"faults\":[{\"type\":\"toxic_release\"}]}", AJ_EINVAL, "$.faults[0]: a toxic_release needs \"leak\""},
    {"{\"faults\":[{\"type\":\"toxic_release\",\"asset\":\"P-101\",\"substance\":\"kryptonite\"}]}",
     AJ_EINVAL, "$.faults[0].substance: unknown substance"},
    {"{\"faults\":[{\"type\":\"spike\",\"asset\":\"P-101\"}]}", AJ_EINVAL,
     "$.faults[0]: a spike fault needs \"tag\" (and no \"asset\")"},
    {"{\"faults\":[{\"type\":\"drift\",\"tag\":\"JS01.P-101.flow\",\"every\":\"1m\"}]}", AJ_EINVAL,
     "$.faults[0].every: only spike faults have \"every\""},
    {"{\"faults\":[{\"type\":\"spike\",\"tag\":\"JS01.P-101.flow\",\"every\":\"often\"}]}", AJ_EINVAL,
     "$.faults[0].every: not a duration"},
    {"{\"faults\":[{\"type\":\"load_step\",\"asset\":\"T-101\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a load_step cannot happen"},
    {"{\"faults\":[{\"type\":\"load_step\",\"asset\":\"M-P101\"}]}", AJ_EINVAL,
     "$.faults[0].asset: a load_step cannot happen"},
    {"{\"faults\":[{\"type\":\"load_step\",\"asset\":\"P-101\",\"magnitude\":-1}]}", AJ_EINVAL,
     "$.faults[0].magnitude: must be between -0.8 and 0.8"},
    {"{\"noise\":0.05}", AJ_EINVAL, "$.noise: must be between 0.1 and 10"},
    {"{\"noise\":\"loud\"}", AJ_EINVAL, "$.noise: must be a number"},
    {"{\"faults\":[{\"type\":\"meltdown\"}]}", AJ_EINVAL,
     "$.faults[0].type: unknown fault type \"meltdown\" (seal_failure, bearing_wear, flange_micro_leak, "
     "reactor_cooling_loss, tank_overfill, stuck, drift, typhoon, cavitation, motor_overheat, "
     "compressor_surge, "
     "hx_fouling, hx_tube_leak, confined_space_inerting, toxic_release, spike, load_step)"},
};

static void test_parser_errors(void **state) {
    aj_sim *s = new_sim("{\"faults\":[{\"type\":\"stuck\",\"tag\":\"JS01.P-101.flow\"}]}");
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char err[AJ_SIM_ERR_LEN];
        aj_err e = aj_sim_load_scenario(s, c->json, strlen(c->json), err, sizeof err);
        if (e != c->err || strncmp(err, c->prefix, strlen(c->prefix)) != 0 || err[0] != '$')
            fail_msg("case %zu: got %d \"%s\", want %d \"%s...\"", i, e, err, c->err, c->prefix);
    }
    /* deep nesting is refused before jansson recurses */
    char deep[400];
    memset(deep, '[', sizeof deep);
    char err[AJ_SIM_ERR_LEN];
    assert_int_equal(aj_sim_load_scenario(s, deep, sizeof deep, err, sizeof err), AJ_EJSON);
    /* the scenario installed before the errors is still in force: the flow tag is stuck */
    aj_sim_opts o = opts(1, 10 * MIN_NS, 60 * S_NS);
    long flow = tag(s, "JS01.P-101.flow");
    aj_sim_begin(s, &o, NULL);
    aj_sim_step(s);
    double v0 = aj_sim_tag_value(s, (size_t)flow);
    for (int k = 0; k < 9; k++) aj_sim_step(s);
    assert_true(aj_sim_tag_value(s, (size_t)flow) == v0);
    /* the example scenarios parse */
    for (size_t i = 0; i < N_SCENARIO_FILES; i++) {
        char *text = read_repo_file(scenario_files[i]);
        if (aj_sim_load_scenario(s, text, strlen(text), err, sizeof err))
            fail_msg("%s: %s", scenario_files[i], err);
        free(text);
    }
    aj_sim_free(s);
}

static void test_durations(void **state) {
    int64_t ns;
    assert_true(aj_sim_parse_duration("1h", false, &ns) && ns == H_NS);
    assert_true(aj_sim_parse_duration("30m", false, &ns) && ns == 30 * MIN_NS);
    assert_true(aj_sim_parse_duration("86400s", false, &ns) && ns == 86400 * S_NS);
    assert_true(aj_sim_parse_duration("1h30m", false, &ns) && ns == 90 * MIN_NS);
    assert_true(aj_sim_parse_duration("250ms", false, &ns) && ns == 250000000LL);
    assert_true(aj_sim_parse_duration("2d", false, &ns) && ns == 48 * H_NS);
    assert_true(aj_sim_parse_duration("+2h", true, &ns) && ns == 2 * H_NS);
    assert_false(aj_sim_parse_duration("+2h", false, &ns));
    assert_false(aj_sim_parse_duration("0s", false, &ns));
    assert_false(aj_sim_parse_duration("", false, &ns));
    assert_false(aj_sim_parse_duration("h", false, &ns));
    assert_false(aj_sim_parse_duration("5", false, &ns));
    assert_false(aj_sim_parse_duration("5x", false, &ns));
    assert_false(aj_sim_parse_duration("-5s", false, &ns));
    assert_false(aj_sim_parse_duration("99999999999999999999d", false, &ns));
    assert_false(aj_sim_parse_duration("9999999999999d", false, &ns));
}

/* ---- output format -------------------------------------------------------------------------------- */

static void test_line_protocol(void **state) {
    aj_sim *s = new_sim(NULL);
    char *out, *labels;
    size_t n, m;
    aj_sim_opts o = opts(1, 2 * S_NS, S_NS);
    run_to_memory(s, &o, &out, &n, &labels, &m);
    assert_int_equal(m, 0);
    assert_true(strncmp(out, "JS01.T-101 level=", 17) == 0);
    char *p101 = strstr(out, "\nJS01.P-101 seal_temp=");
    assert_non_null(p101);
    size_t n_lines = 0;
    for (char *line = out; *line; n_lines++) {
        char *nl = strchr(line, '\n'), *sp1 = strchr(line, ' '), *eq = strchr(line, '=');
        assert_non_null(nl);
        assert_true(sp1 && eq && sp1 < eq && eq < nl);
        char *sp2 = strchr(eq, ' ');
        assert_true(sp2 && sp2 < nl);
        char *end;
        strtod(eq + 1, &end);
        assert_ptr_equal(end, sp2);
        long long ts = strtoll(sp2 + 1, &end, 10);
        assert_ptr_equal(end, nl);
        assert_true(ts == START_NS || ts == START_NS + S_NS);
        line = nl + 1;
    }
    assert_int_equal(n_lines, 2 * aj_sim_n_tags(s));
    free(out), free(labels);
    aj_sim_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_values_in_range),
        cmocka_unit_test(test_seal_failure_example),
        cmocka_unit_test(test_seal_failure_labels),
        cmocka_unit_test(test_stuck_freezes_one_tag),
        cmocka_unit_test(test_drift_offsets_one_tag),
        cmocka_unit_test(test_leak_plume),
        cmocka_unit_test(test_oxygen_dilution),
        cmocka_unit_test(test_day_cycle),
        cmocka_unit_test(test_process_faults),
        cmocka_unit_test(test_cavitation),
        cmocka_unit_test(test_motor_overheat),
        cmocka_unit_test(test_motor_overheat_needs_motor),
        cmocka_unit_test(test_compressor_surge),
        cmocka_unit_test(test_hx_fouling),
        cmocka_unit_test(test_hx_tube_leak),
        cmocka_unit_test(test_confined_space_inerting),
        cmocka_unit_test(test_toxic_release),
        cmocka_unit_test(test_spike),
        cmocka_unit_test(test_load_step),
        cmocka_unit_test(test_noise_scaling),
        cmocka_unit_test(test_parser_errors),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_line_protocol),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
