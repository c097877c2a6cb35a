/* test_spectrum.c — the vibration spectrum (src/ingest/spectrum.c) and the block parser of
 * POST /api/v1/vibration-blocks (src/ingest/vibration_block.c).
 *
 * Synthetic blocks with known RMS velocities at 1x, 2x, 3x running speed: on a bin and
 * between bins (a sweep of speeds and phases), with white noise, a DC offset, as
 * acceleration, at the 8-revolution minimum, at lengths that are not powers of two. The
 * expectations are exact values within a stated relative tolerance; each test prints the
 * largest error it saw (docs/vibration.md quotes them). Then leakage, the overall RMS, the
 * lines, the input checks, the plan cache under threads, and the parser's paths.
 */
#include "ingest/spectrum.h"
#include "ingest/vibration_block.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PI 3.14159265358979323846

/* ---- synthetic blocks ------------------------------------------------------------------ */

typedef struct synth {
    size_t n;
    double fs, f0;
    double rms[3];    /* RMS velocity (mm/s) at 1x, 2x, 3x */
    double phase;     /* of 1x (rad); harmonic h gets h x phase + h */
    double noise_rms; /* white Gaussian noise (in the sample unit) */
    double dc;        /* offset (in the sample unit) */
    bool is_accel;    /* samples as acceleration (m/s^2) of the same velocity */
    uint64_t seed;
} synth;

static uint64_t next_u64(uint64_t *s) { /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double gaussian(uint64_t *s) { /* Box-Muller */
    double u1 = ((double)(next_u64(s) >> 11) + 1.0) / 9007199254740993.0;
    double u2 = (double)(next_u64(s) >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
}

/* Fills buf[0..n): velocity v(t) = sum sqrt(2) rms_h sin(w_h t + p_h), or its derivative
 * a(t) = sum sqrt(2) rms_h w_h / 1000 cos(w_h t + p_h) in m/s^2. */
static void make(const synth *s, double *buf) {
    uint64_t seed = s->seed ? s->seed : 88172645463325252ULL;
    for (size_t i = 0; i < s->n; i++) {
        double t = (double)i / s->fs, v = s->dc;
        for (int h = 0; h < 3; h++) {
            double w = 2 * PI * (h + 1) * s->f0, p = (h + 1) * s->phase + h;
            v += s->is_accel ? sqrt(2) * s->rms[h] * w / 1000.0 * cos(w * t + p)
                             : sqrt(2) * s->rms[h] * sin(w * t + p);
        }
        buf[i] = v + (s->noise_rms > 0 ? s->noise_rms * gaussian(&seed) : 0);
    }
}

static double g_buf[AJ_SPECTRUM_SAMPLES_MAX];

static aj_spectrum_result analyse(const synth *s) {
    make(s, g_buf);
    aj_spectrum_input in = {g_buf, s->n, s->fs, s->f0,
                            s->is_accel ? AJ_SPECTRUM_ACCEL_M_S2 : AJ_SPECTRUM_VELOCITY_MM_S};
    aj_spectrum_result r;
    assert_int_equal(aj_spectrum_compute(&in, &r), AJ_OK);
    return r;
}

/* Checks the three amplitudes within rel_tol (relative) and returns the largest error. */
static double expect_amplitudes(const synth *s, const aj_spectrum_result *r, double rel_tol) {
    double worst = 0;
    for (int h = 0; h < 3; h++) {
        double err = fabs(r->harmonics[h].rms_mm_s / s->rms[h] - 1);
        if (err > rel_tol)
            fail_msg("%zu samples, f0 %.5f Hz, %dx: %.6f mm/s, expected %.6f (error %.4f %% > %.4f %%)", s->n,
                     s->f0, h + 1, r->harmonics[h].rms_mm_s, s->rms[h], 100 * err, 100 * rel_tol);
        if (err > worst) worst = err;
        assert_true(fabs(r->harmonics[h].frequency_hz - (h + 1) * s->f0) < 0.25 * r->resolution_hz);
        assert_true(fabs(r->harmonics[h].target_hz - (h + 1) * s->f0) < 1e-9);
        assert_int_equal(r->harmonics[h].order, h + 1);
    }
    return worst;
}

static const synth PUMP = {.n = 8192, .fs = 5120, .f0 = 24.75, .rms = {2.0, 1.2, 0.4}, .phase = 0.3};

/* ---- accuracy ---------------------------------------------------------------------------- */

static void on_bin_exact(void **state) {
    (void)state;
    synth s = PUMP;
    s.f0 = 25.0; /* bin 40 exactly */
    aj_spectrum_result r = analyse(&s);
    double worst = expect_amplitudes(&s, &r, 1e-6);
    assert_true(fabs(r.resolution_hz - 0.625) < 1e-12);
    assert_true(fabs(r.duration_s - 1.6) < 1e-12);
    assert_true(fabs(r.revolutions - 40) < 1e-9);
    print_message("on a bin: largest error %.2e %%\n", 100 * worst);
}

/* Speeds swept over two bins in 1/16-bin steps, four phases each: the main-lobe power sum
 * has no scalloping loss, so every amplitude is within 0.1 % wherever it falls. */
static void between_bins(void **state) {
    (void)state;
    double worst = 0;
    for (int step = 0; step <= 32; step++) {
        for (int ph = 0; ph < 4; ph++) {
            synth s = PUMP;
            s.f0 = 24.0 + step * (0.625 / 16);
            s.phase = ph * 0.8;
            aj_spectrum_result r = analyse(&s);
            double w = expect_amplitudes(&s, &r, 1e-3);
            if (w > worst) worst = w;
        }
    }
    print_message("between bins (132 blocks): largest error %.4f %%\n", 100 * worst);
}

/* White noise of 0.1 mm/s RMS (over 0..2560 Hz): its power in a 5-bin lobe is
 * 0.01 x 5 / 4096 = 1.2e-5 (mm/s)^2, i.e. +-0.0035 mm/s on each amplitude: 1 % of 0.4. */
static void with_noise(void **state) {
    (void)state;
    double worst = 0;
    for (int seed = 1; seed <= 8; seed++) {
        synth s = PUMP;
        s.noise_rms = 0.1;
        s.seed = (uint64_t)seed * 0x9E3779B97F4A7C15ULL;
        s.f0 = 24.75 + seed * 0.05;
        aj_spectrum_result r = analyse(&s);
        double w = expect_amplitudes(&s, &r, 0.02);
        if (w > worst) worst = w;
        /* overall: the tones plus the noise in 10..1000 Hz (990 / 2560 of its power) */
        double expected = sqrt(4 + 1.44 + 0.16 + 0.01 * 990 / 2560);
        assert_true(fabs(r.overall_rms_mm_s / expected - 1) < 0.01);
    }
    print_message("noise 0.1 mm/s RMS (8 blocks): largest error %.3f %%\n", 100 * worst);
}

static void dc_offset(void **state) {
    (void)state;
    synth s = PUMP;
    aj_spectrum_result plain = analyse(&s);
    s.dc = 25.0; /* a sensor bias 12 x the 1x amplitude */
    aj_spectrum_result r = analyse(&s);
    double worst = expect_amplitudes(&s, &r, 1e-3);
    for (int h = 0; h < 3; h++)
        assert_true(fabs(r.harmonics[h].rms_mm_s - plain.harmonics[h].rms_mm_s) < 1e-9);
    assert_true(fabs(r.overall_rms_mm_s - plain.overall_rms_mm_s) < 1e-9);
    for (int i = 0; i < r.n_lines; i++) assert_true(r.lines[i].frequency_hz > 5);
    print_message("DC offset 25 mm/s: largest error %.4f %%\n", 100 * worst);
}

/* Acceleration in m/s^2 integrated to mm/s, at the e2e block and at the 8-revolution
 * minimum (1x only 8 bins from DC, where per-bin 1/f weighting would be 0.8 % off). */
static void acceleration(void **state) {
    (void)state;
    double worst = 0;
    synth cases[] = {PUMP, PUMP, PUMP, PUMP};
    cases[0].is_accel = true;
    cases[1].is_accel = true;
    cases[1].n = 4096;
    cases[1].f0 = 10.03;
    cases[2].is_accel = true;
    cases[2].n = 4096;
    cases[2].f0 = 10.31;
    cases[3].is_accel = true;
    cases[3].fs = 25600;
    cases[3].n = 16384;
    cases[3].f0 = 49.6;
    cases[3].dc = 9.81;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aj_spectrum_result r = analyse(&cases[i]);
        double w = expect_amplitudes(&cases[i], &r, 1e-3);
        if (w > worst) worst = w;
    }
    print_message("acceleration input: largest error %.4f %%\n", 100 * worst);
}

static void minimum_revolutions(void **state) {
    (void)state;
    synth s = PUMP;
    s.n = 4096;
    s.f0 = 8 * 5120.0 / 4096; /* exactly 8 revolutions: 1x at bin 8 */
    aj_spectrum_result r = analyse(&s);
    double worst = expect_amplitudes(&s, &r, 1e-3);
    s.f0 = 10.3; /* 8.24 revolutions, between bins */
    r = analyse(&s);
    double w = expect_amplitudes(&s, &r, 1e-3);
    print_message("8 revolutions: largest error %.4f %%\n", 100 * (w > worst ? w : worst));
}

/* Lengths FFTW handles without a power of two: composite, odd, prime, the bounds. */
static void any_length(void **state) {
    (void)state;
    static const size_t N[] = {256, 1000, 4097, 6000, 65521, 65536};
    static const double FS[] = {256, 2560, 2560, 12800, 25600, 51200};
    double worst = 0;
    for (size_t i = 0; i < sizeof N / sizeof N[0]; i++) {
        synth s = PUMP;
        s.n = N[i];
        s.fs = FS[i];
        s.f0 = 29.7;
        aj_spectrum_result r = analyse(&s);
        double w = expect_amplitudes(&s, &r, 1e-3);
        if (w > worst) worst = w;
        assert_true(fabs(r.resolution_hz - s.fs / (double)N[i]) < 1e-12);
    }
    print_message("lengths 256..65536, not powers of two: largest error %.4f %%\n", 100 * worst);
}

/* ---- leakage, overall, lines --------------------------------------------------------------- */

/* A strong 1x alone (half a bin off, the worst case for leakage): what shows at 2x and 3x
 * is the Hann side lobes: below 0.001 % of 1x with 1x 40 bins up (measured 0.0004 %), below
 * 0.2 % at the 8-revolution minimum, where 2x is only 8 bins away (measured 0.13 %). */
static void leakage(void **state) {
    (void)state;
    synth cases[] = {PUMP, PUMP};
    cases[0].f0 = 24.0 + 0.5 * 0.625;
    cases[1].n = 4096;
    cases[1].f0 = 8.5 * 1.25;
    double worst = 0;
    for (int i = 0; i < 2; i++) {
        cases[i].rms[0] = 10;
        cases[i].rms[1] = 0;
        cases[i].rms[2] = 0;
        aj_spectrum_result r = analyse(&cases[i]);
        assert_true(fabs(r.harmonics[0].rms_mm_s / 10 - 1) < 1e-3);
        for (int h = 1; h < 3; h++) {
            double ratio = r.harmonics[h].rms_mm_s / 10;
            assert_true(ratio < (i == 0 ? 1e-5 : 2e-3));
            if (ratio > worst) worst = ratio;
        }
        print_message("leakage of a 10 mm/s 1x into 2x/3x, 1x %.1f bins up: at most %.5f %% of 1x\n",
                      cases[i].f0 * (double)cases[i].n / cases[i].fs, 100 * worst);
        worst = 0;
    }
}

static void overall_band(void **state) {
    (void)state;
    synth s = PUMP;
    aj_spectrum_result r = analyse(&s);
    assert_true(fabs(r.overall_rms_mm_s / sqrt(4 + 1.44 + 0.16) - 1) < 1e-3);
    assert_true(r.overall_lo_hz == 10 && r.overall_hi_hz == 1000);
    /* 1x at 520.3 Hz: 2x (1040.6 Hz) and 3x (1560.9 Hz) lie above the band */
    s.f0 = 520.3;
    r = analyse(&s);
    assert_true(fabs(r.overall_rms_mm_s / 2.0 - 1) < 1e-3);
    /* a low sample rate: the band ends at the highest bin */
    s.fs = 1024;
    s.n = 1024;
    s.f0 = 24.75;
    r = analyse(&s);
    assert_true(fabs(r.overall_hi_hz - 512) < 1e-9);
    assert_true(fabs(r.overall_rms_mm_s / sqrt(4 + 1.44 + 0.16) - 1) < 1e-3);
}

static void largest_lines(void **state) {
    (void)state;
    synth s = PUMP;
    s.noise_rms = 0.05;
    aj_spectrum_result r = analyse(&s);
    assert_int_equal(r.n_lines, AJ_SPECTRUM_LINES_MAX);
    for (int i = 0; i < 3; i++) { /* 1x, 2x, 3x lead, each the harmonic's own measure */
        assert_true(fabs(r.lines[i].frequency_hz - (i + 1) * s.f0) < 0.1);
        assert_true(fabs(r.lines[i].rms_mm_s - r.harmonics[i].rms_mm_s) < 1e-12);
    }
    for (int i = 1; i < r.n_lines; i++) assert_true(r.lines[i].rms_mm_s <= r.lines[i - 1].rms_mm_s);
    assert_true(r.lines[3].rms_mm_s < 0.05); /* then noise */
    /* a clean block has only its three peaks (and side lobes far below) */
    s.noise_rms = 0;
    r = analyse(&s);
    assert_true(r.n_lines >= 3);
    assert_true(r.lines[3].rms_mm_s < 1e-3);
}

/* Same block, same answer; a cached plan gives bit-identical results. */
static void deterministic(void **state) {
    (void)state;
    synth s = PUMP;
    s.noise_rms = 0.1;
    aj_spectrum_result a = analyse(&s), b = analyse(&s);
    for (int h = 0; h < 3; h++) {
        assert_true(a.harmonics[h].rms_mm_s == b.harmonics[h].rms_mm_s);
        assert_true(a.harmonics[h].frequency_hz == b.harmonics[h].frequency_hz);
    }
    assert_true(a.overall_rms_mm_s == b.overall_rms_mm_s);
    assert_int_equal(a.n_lines, b.n_lines);
    for (int i = 0; i < a.n_lines; i++)
        assert_true(a.lines[i].rms_mm_s == b.lines[i].rms_mm_s &&
                    a.lines[i].frequency_hz == b.lines[i].frequency_hz);
}

/* ---- input checks -------------------------------------------------------------------------- */

static aj_spectrum_problem problem_of(size_t n, double fs, double f0, int unit, size_t bad_at, double bad,
                                      size_t *bad_index) {
    for (size_t i = 0; i < AJ_SPECTRUM_SAMPLES_MAX; i++) g_buf[i] = sin((double)i);
    if (bad_at < AJ_SPECTRUM_SAMPLES_MAX) g_buf[bad_at] = bad;
    aj_spectrum_input in = {g_buf, n, fs, f0, (aj_spectrum_unit)unit};
    aj_spectrum_problem p = aj_spectrum_check(&in, bad_index);
    aj_spectrum_result r;
    assert_int_equal(aj_spectrum_compute(&in, &r), p == AJ_SPECTRUM_INPUT_OK ? AJ_OK : AJ_EINVAL);
    return p;
}

static void rejects_bad_inputs(void **state) {
    (void)state;
    size_t at = 0, none = SIZE_MAX;
    assert_int_equal(problem_of(8192, 5120, 24.75, 0, none, 0, NULL), AJ_SPECTRUM_INPUT_OK);
    assert_int_equal(problem_of(255, 5120, 240, 0, none, 0, NULL), AJ_SPECTRUM_BAD_COUNT);
    assert_int_equal(problem_of(65537, 51200, 240, 0, none, 0, NULL), AJ_SPECTRUM_BAD_COUNT);
    assert_int_equal(problem_of(8192, 99, 10, 0, none, 0, NULL), AJ_SPECTRUM_BAD_RATE);
    assert_int_equal(problem_of(8192, NAN, 10, 0, none, 0, NULL), AJ_SPECTRUM_BAD_RATE);
    assert_int_equal(problem_of(8192, 204801, 10, 0, none, 0, NULL), AJ_SPECTRUM_BAD_RATE);
    assert_int_equal(problem_of(8192, 5120, 0.05, 0, none, 0, NULL), AJ_SPECTRUM_BAD_SPEED);
    assert_int_equal(problem_of(8192, 5120, INFINITY, 0, none, 0, NULL), AJ_SPECTRUM_BAD_SPEED);
    assert_int_equal(problem_of(8192, 5120, 2000.5, 0, none, 0, NULL), AJ_SPECTRUM_BAD_SPEED);
    /* 3 x 853.4 = 2560.2 Hz: not below Nyquist (2560 Hz); 853.3 is */
    assert_int_equal(problem_of(8192, 5120, 853.4, 0, none, 0, NULL), AJ_SPECTRUM_ABOVE_NYQUIST);
    assert_int_equal(problem_of(8192, 5120, 853.3, 0, none, 0, NULL), AJ_SPECTRUM_INPUT_OK);
    /* 8 revolutions: 4096 samples at 5120 Hz need 10 Hz */
    assert_int_equal(problem_of(4096, 5120, 9.99, 0, none, 0, NULL), AJ_SPECTRUM_TOO_SHORT);
    assert_int_equal(problem_of(4096, 5120, 10.0, 0, none, 0, NULL), AJ_SPECTRUM_INPUT_OK);
    assert_int_equal(problem_of(4096, 5120, 24.75, 2, none, 0, NULL), AJ_SPECTRUM_BAD_UNIT);
    assert_int_equal(problem_of(4096, 5120, 24.75, 0, 17, NAN, &at), AJ_SPECTRUM_BAD_SAMPLE);
    assert_int_equal(at, 17);
    assert_int_equal(problem_of(4096, 5120, 24.75, 1, 4095, -INFINITY, &at), AJ_SPECTRUM_BAD_SAMPLE);
    assert_int_equal(at, 4095);
    assert_int_equal(problem_of(4096, 5120, 24.75, 0, 0, 1.0000001e6, &at), AJ_SPECTRUM_BAD_SAMPLE);
    assert_int_equal(at, 0);
    assert_int_equal(problem_of(4096, 5120, 24.75, 0, 0, -1e6, NULL), AJ_SPECTRUM_INPUT_OK);
    aj_spectrum_input null_samples = {NULL, 4096, 5120, 24.75, AJ_SPECTRUM_VELOCITY_MM_S};
    assert_int_equal(aj_spectrum_check(&null_samples, NULL), AJ_SPECTRUM_BAD_COUNT);
}

/* Extreme but valid input stays finite: full-scale samples, acceleration at the lowest speed. */
static void extremes_finite(void **state) {
    (void)state;
    for (size_t i = 0; i < AJ_SPECTRUM_SAMPLES_MAX; i++) g_buf[i] = (i % 3 == 0) ? 1e6 : -1e6;
    aj_spectrum_input in = {g_buf, AJ_SPECTRUM_SAMPLES_MAX, AJ_SPECTRUM_RATE_MIN_HZ, AJ_SPECTRUM_SPEED_MIN_HZ,
                            AJ_SPECTRUM_ACCEL_M_S2};
    aj_spectrum_result r;
    assert_int_equal(aj_spectrum_compute(&in, &r), AJ_OK);
    assert_true(isfinite(r.overall_rms_mm_s));
    for (int h = 0; h < 3; h++)
        assert_true(isfinite(r.harmonics[h].rms_mm_s) && isfinite(r.harmonics[h].frequency_hz));
    for (int i = 0; i < r.n_lines; i++) assert_true(isfinite(r.lines[i].rms_mm_s));
    for (size_t i = 0; i < 512; i++) g_buf[i] = 0; /* silence: zeros, no division by zero */
    aj_spectrum_input zero = {g_buf, 512, 5120, 100, AJ_SPECTRUM_ACCEL_M_S2};
    assert_int_equal(aj_spectrum_compute(&zero, &r), AJ_OK);
    assert_true(r.harmonics[0].rms_mm_s == 0 && r.overall_rms_mm_s == 0 && r.n_lines == 0);
    assert_true(fabs(r.harmonics[0].frequency_hz - 100) < 5.1); /* the searched bin */
}

/* ---- plan cache ---------------------------------------------------------------------------- */

typedef struct job {
    size_t n;
    double got;
    int rounds;
} job;

static void *worker(void *arg) {
    job *j = arg;
    double *buf = malloc(sizeof *buf * j->n);
    synth s = PUMP;
    s.n = j->n;
    s.f0 = 27.3;
    make(&s, buf);
    aj_spectrum_input in = {buf, j->n, s.fs, s.f0, AJ_SPECTRUM_VELOCITY_MM_S};
    for (int i = 0; i < j->rounds; i++) {
        aj_spectrum_result r;
        if (aj_spectrum_compute(&in, &r) != AJ_OK)
            j->got = -1;
        else if (i == 0)
            j->got = r.harmonics[0].rms_mm_s;
        else if (r.harmonics[0].rms_mm_s != j->got)
            j->got = -2; /* must not vary */
    }
    free(buf);
    return NULL;
}

/* 12 threads on 12 lengths (more than the cache's 8 slots) at once: every result right. */
static void plans_under_threads(void **state) {
    (void)state;
    enum { N_THREADS = 12 };
    pthread_t th[N_THREADS];
    job jobs[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        jobs[i] = (job){.n = 2048 + 7 * (size_t)i, .rounds = 20};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_true(fabs(jobs[i].got / 2.0 - 1) < 1e-3);
    }
    aj_spectrum_cleanup();
    synth s = PUMP; /* and plans are made again after a cleanup */
    aj_spectrum_result r = analyse(&s);
    expect_amplitudes(&s, &r, 1e-3);
}

/* ---- the block parser ----------------------------------------------------------------------- */

/* A valid body with n samples of a 2 mm/s 1x at 24.75 Hz and 5120 Hz, plus `extra` fields
 * (JSON members without braces, replacing the defaults of the same name). */
static char *body_of(size_t n, const char *fields) {
    size_t cap = 512 + n * 24;
    char *text = malloc(cap);
    int k = snprintf(text, cap, "{%s\"samples\": [", fields);
    for (size_t i = 0; i < n; i++)
        k += snprintf(text + k, cap - (size_t)k, "%s%.6f", i ? "," : "",
                      2 * sqrt(2) * sin(2 * PI * 24.75 * (double)i / 5120));
    snprintf(text + k, cap - (size_t)k, "]}");
    return text;
}

#define GOOD                                                                                                 \
    "\"asset\": \"P-101\", \"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, "                      \
    "\"running_speed_hz\": 24.75, \"unit\": \"mm/s\", "

static aj_err parse_text(const char *text, aj_vb_block *b, aj_vb_error *err) {
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    assert_non_null(doc);
    aj_err e = aj_vb_parse(doc, b, err);
    if (e == AJ_OK) b->asset_code = NULL; /* points into doc */
    json_decref(doc);
    return e;
}

static void parser_good(void **state) {
    (void)state;
    char *text = body_of(8192, GOOD);
    aj_vb_block b;
    aj_vb_error err;
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    assert_int_equal(aj_vb_parse(doc, &b, &err), AJ_OK);
    assert_string_equal(b.asset_code, "P-101");
    assert_int_equal(b.asset_id, 0);
    assert_int_equal(b.t_ns, 1796112000000000000LL);
    assert_int_equal(b.mid_ns, 1796112000000000000LL + 800000000LL); /* 8192 / 5120 / 2 = 0.8 s */
    assert_int_equal(b.input.n_samples, 8192);
    assert_true(b.input.samples == b.samples);
    assert_true(b.input.sample_rate_hz == 5120 && b.input.running_speed_hz == 24.75);
    assert_int_equal(b.input.unit, AJ_SPECTRUM_VELOCITY_MM_S);
    assert_string_equal(b.speed_path, "$.running_speed_hz");
    aj_spectrum_result r;
    assert_int_equal(aj_spectrum_compute(&b.input, &r), AJ_OK);
    assert_true(fabs(r.harmonics[0].rms_mm_s / 2 - 1) < 1e-3);
    aj_vb_block_clear(&b);
    aj_vb_block_clear(&b); /* twice is safe */
    json_decref(doc);
    free(text);
    /* asset_id, t_ns, rpm, acceleration */
    text = body_of(
        4096,
        "\"asset_id\": 7, \"t_ns\": 1000, \"sample_rate_hz\": 5120, \"rpm\": 1485, \"unit\": \"m/s2\", ");
    assert_int_equal(parse_text(text, &b, &err), AJ_OK);
    assert_int_equal(b.asset_id, 7);
    assert_int_equal(b.mid_ns, 1000 + 400000000LL);
    assert_true(fabs(b.input.running_speed_hz - 24.75) < 1e-12);
    assert_int_equal(b.input.unit, AJ_SPECTRUM_ACCEL_M_S2);
    assert_string_equal(b.speed_path, "$.rpm");
    assert_string_equal(aj_vb_unit_name(b.input.unit), "m/s2");
    aj_vb_block_clear(&b);
    free(text);
}

typedef struct bad_case {
    size_t n_samples;
    const char *fields; /* before "samples" */
    const char *path;
    const char *reason; /* substring */
} bad_case;

#define R_                                                                                                   \
    "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"running_speed_hz\": 24.75, \"unit\": "     \
    "\"mm/s\", "
#define A_ "\"asset\": \"P-101\", "

static const bad_case BAD[] = {
    {300, A_ R_ "\"sensor\": 1, ", "$.sensor", "unknown field"},
    {300, A_ R_ "\"a b\\\"\": 1, ", "$[\"a b\\\"\"]", "unknown field"},
    {300, R_, "$.asset", "required"},
    {300, A_ R_ "\"asset_id\": 3, ", "$.asset_id", "either asset or asset_id"},
    {300, "\"asset\": 5, " R_, "$.asset", "must be a string"},
    {300, "\"asset\": \"\", " R_, "$.asset", "must not be empty"},
    {300, "\"asset\": \"P\\u0001\", " R_, "$.asset", "control characters"},
    {300, "\"asset\": \"PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP\", " R_, "$.asset",
     "longer than 64"},
    {300, "\"asset_id\": 0, " R_, "$.asset_id", "positive integer"},
    {300, "\"asset_id\": 1.5, " R_, "$.asset_id", "positive integer"},
    {300, A_ "\"sample_rate_hz\": 5120, \"running_speed_hz\": 24.75, \"unit\": \"mm/s\", ", "$.t",
     "required"},
    {300, A_ R_ "\"t_ns\": 5, ", "$.t_ns", "either t or t_ns"},
    {300,
     A_ "\"t\": \"yesterday\", \"sample_rate_hz\": 5120, \"running_speed_hz\": 24.75, \"unit\": \"mm/s\", ",
     "$.t", "RFC 3339"},
    {300, A_ "\"t_ns\": \"1\", \"sample_rate_hz\": 5120, \"running_speed_hz\": 24.75, \"unit\": \"mm/s\", ",
     "$.t_ns", "integer"},
    {300, A_ "\"t\": \"2026-12-01T08:00:00Z\", \"running_speed_hz\": 24.75, \"unit\": \"mm/s\", ",
     "$.sample_rate_hz", "required"},
    {300,
     A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": \"5120\", \"running_speed_hz\": 24.75, "
        "\"unit\": \"mm/s\", ",
     "$.sample_rate_hz", "must be a number"},
    {300,
     A_
     "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 50, \"running_speed_hz\": 4, \"unit\": \"mm/s\", ",
     "$.sample_rate_hz", "within 100..204800"},
    {300, A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"unit\": \"mm/s\", ",
     "$.running_speed_hz", "required"},
    {300, A_ R_ "\"rpm\": 1485, ", "$.rpm", "either running_speed_hz or rpm"},
    {300,
     A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"running_speed_hz\": 0, \"unit\": "
        "\"mm/s\", ",
     "$.running_speed_hz", "within 0.1..2000 Hz"},
    {300,
     A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"rpm\": 200000, \"unit\": \"mm/s\", ",
     "$.rpm", "within 6..120000 rpm"},
    {300, A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"running_speed_hz\": 24.75, ",
     "$.unit", "required"},
    {300,
     A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"running_speed_hz\": 24.75, \"unit\": "
        "\"g\", ",
     "$.unit", "\"mm/s\" (velocity) or \"m/s2\""},
    {255, A_ R_, "$.samples", "has 255 samples: 256..65536 needed"},
    {300,
     A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"running_speed_hz\": 900, \"unit\": "
        "\"mm/s\", ",
     "$.running_speed_hz", "below the Nyquist frequency"},
    {300,
     A_ "\"t\": \"2026-12-01T08:00:00Z\", \"sample_rate_hz\": 5120, \"rpm\": 54000, \"unit\": \"mm/s\", ",
     "$.rpm", "below the Nyquist frequency"},
    {1024, A_ R_, "$.samples", "covers 4.95 shaft revolutions"},
    {1024, A_ R_, "$.samples", "send at least 1655 samples"},
    {300,
     A_ "\"t_ns\": 9223372036854775806, \"sample_rate_hz\": 5120, \"running_speed_hz\": 900, \"unit\": "
        "\"mm/s\", ",
     "$.running_speed_hz", "Nyquist"},
    {2000,
     A_ "\"t_ns\": 9223372036854775806, \"sample_rate_hz\": 5120, \"running_speed_hz\": 200, \"unit\": "
        "\"mm/s\", ",
     "$.t_ns", "must end before 2262"},
};

static void parser_bad(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        char *text = body_of(BAD[i].n_samples, BAD[i].fields);
        aj_vb_block b;
        aj_vb_error err;
        aj_err e = parse_text(text, &b, &err);
        if (e != AJ_EINVAL || strcmp(err.path, BAD[i].path) || !strstr(err.reason, BAD[i].reason))
            fail_msg("case %zu: %s %s: %s (expected %s: ...%s...)", i, aj_err_name(e), err.path, err.reason,
                     BAD[i].path, BAD[i].reason);
        assert_null(b.samples);
        free(text);
    }
}

/* Bad samples by hand: the path names the first bad one. */
static void parser_bad_samples(void **state) {
    (void)state;
    static const struct {
        const char *samples;
        const char *path, *reason;
    } C[] = {
        {"1, 2, \"3\"", "$.samples[2]", "must be a number"},
        {"1, null", "$.samples[1]", "must be a number"},
        {"[1]", "$.samples[0]", "must be a number"},
        {"1, 2, 3, 1e7", "$.samples[3]", "within +-1e+06"},
        {"-1000001", "$.samples[0]", "within +-1e+06"},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        char text[8192];
        int k = snprintf(text, sizeof text, "{" A_ R_ "\"samples\": [%s", C[i].samples);
        for (int j = 0; j < 400; j++) k += snprintf(text + k, sizeof text - (size_t)k, ", 0");
        snprintf(text + k, sizeof text - (size_t)k, "]}");
        aj_vb_block b;
        aj_vb_error err;
        assert_int_equal(parse_text(text, &b, &err), AJ_EINVAL);
        assert_string_equal(err.path, C[i].path);
        if (!strstr(err.reason, C[i].reason)) fail_msg("%s: %s", err.path, err.reason);
    }
    aj_vb_block b;
    aj_vb_error err;
    assert_int_equal(parse_text("[1, 2]", &b, &err), AJ_EINVAL);
    assert_string_equal(err.path, "$");
    assert_int_equal(parse_text("{" A_ R_ "\"samples\": {}}", &b, &err), AJ_EINVAL);
    assert_string_equal(err.path, "$.samples");
    assert_int_equal(parse_text("{" A_ R_ "\"x\": 1}", &b, &err), AJ_EINVAL); /* unknown key comes first */
    assert_string_equal(err.path, "$.x");
    /* a long unknown key is cut in the path */
    char text[512];
    snprintf(text, sizeof text, "{\"%0100d\": 1}", 0);
    assert_int_equal(parse_text(text, &b, &err), AJ_EINVAL);
    assert_true(strlen(err.path) < 64 && strstr(err.path, "..."));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(on_bin_exact),       cmocka_unit_test(between_bins),
        cmocka_unit_test(with_noise),         cmocka_unit_test(dc_offset),
        cmocka_unit_test(acceleration),       cmocka_unit_test(minimum_revolutions),
        cmocka_unit_test(any_length),         cmocka_unit_test(leakage),
        cmocka_unit_test(overall_band),       cmocka_unit_test(largest_lines),
        cmocka_unit_test(deterministic),      cmocka_unit_test(rejects_bad_inputs),
        cmocka_unit_test(extremes_finite),    cmocka_unit_test(plans_under_threads),
        cmocka_unit_test(parser_good),        cmocka_unit_test(parser_bad),
        cmocka_unit_test(parser_bad_samples),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    aj_spectrum_cleanup();
    return failed;
}
