/* test_sim.c — the plant simulator (src/sim/): determinism, ranges, the domain's
 * seal-failure example, sensor faults, the gas plume, the day cycle, process faults,
 * the scenario parser's errors and the output format.
 *
 * Every case runs on the repository's demo plant (plants/demo-chemical.json, found from
 * this file's path). Comparisons of a faulty run with the fault-free run of the same seed
 * rely on the simulator's promise that faults never change the random stream.
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

static void test_values_in_range(void **state) {
    char *scen = read_repo_file("scenarios/mixed-faults.json");
    aj_sim *s = new_sim(scen);
    aj_sim_opts o = opts(7, 12 * H_NS, 30 * S_NS);
    aj_sim_begin(s, &o, NULL);
    for (int64_t k = 0; k < o.duration_ns / o.step_ns; k++) {
        aj_sim_step(s);
        for (size_t i = 0; i < aj_sim_n_tags(s); i++) {
            double v = aj_sim_tag_value(s, i), lo, hi;
            if (!isfinite(v)) fail_msg("%s not finite", aj_sim_tag_key(s, i));
            if (aj_sim_tag_range(s, i, &lo, &hi)) {
                if (v < lo || v > hi) fail_msg("%s = %g outside [%g, %g]", aj_sim_tag_key(s, i), v, lo, hi);
            } else if (v != 0 && v != 1) {
                fail_msg("status %s = %g", aj_sim_tag_key(s, i), v);
            }
        }
    }
    free(scen);
    aj_sim_free(s);
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
    const char *files[] = {"scenarios/seal-failure-P-101.json", "scenarios/mixed-faults.json"};
    for (int i = 0; i < 2; i++) {
        char *text = read_repo_file(files[i]);
        if (aj_sim_load_scenario(s, text, strlen(text), err, sizeof err)) fail_msg("%s: %s", files[i], err);
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
        cmocka_unit_test(test_parser_errors),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_line_protocol),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
