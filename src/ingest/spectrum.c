/* spectrum.c — window, FFT, power spectrum and the running-speed features of one block.
 *
 * The steps (formulas and their reasons: docs/vibration.md "Signal processing"):
 *   1. remove the block's mean, multiply by a periodic Hann window w[n] = 0.5 - 0.5 cos(2 pi n/N);
 *   2. X = real-to-complex DFT (FFTW, N/2 + 1 bins, any N);
 *   3. mean-square per bin, single-sided and normalised by the window's energy:
 *      P[k] = c_k |X[k]|^2 / (N sum w^2), c_k = 2 except at DC and Nyquist (1), so that
 *      sum_k P[k] is the block's mean square (Parseval) and a tone's main lobe sums to its
 *      RMS^2 wherever it falls between bins (no scalloping loss); in amplitude terms
 *      P[k] = A[k]^2 / ENBW with A[k] = sqrt(2) |X[k]| / sum w the amplitude-corrected RMS
 *      spectrum and ENBW = 1.5 bins;
 *   4. a harmonic h: the largest bin within +-2 % of h x running speed, then the power of its
 *      main lobe (that bin +-2) summed: RMS = sqrt(sum P), frequency f_c = the lobe's power
 *      centroid; lines: the 20 largest local maxima from a quarter of the running speed up,
 *      measured the same way;
 *   5. acceleration is integrated to velocity in the frequency domain, v(f) = a(f) / (2 pi f)
 *      x 1000: a lobe's RMS at its centroid f_c (exact for a tone; weighting each bin by its
 *      own 1/f^2 would be 0.8 % off at the 8-revolution minimum, where 1x is 8 bins from DC),
 *      the overall band bin by bin, P_v[k] = P_a[k] (1000 / (2 pi f_k))^2;
 *   6. overall: sqrt of the velocity power of the bins in 10..1000 Hz.
 *
 * Plans: one mutex guards every FFTW planner call (plan, destroy, cleanup), which FFTW does
 * not make thread-safe. A cache of AJ_SPECTRUM_PLANS_MAX slots keeps one plan per length
 * with a count of its users; a slot is reused (least recently used first) only when nobody
 * uses it, and when every slot is busy a call gets a plan of its own, destroyed after it.
 * Execution (fftw_execute_dft_r2c) runs outside the mutex on arrays owned by the call, all
 * from fftw_malloc so they have the alignment the plans were made for.
 */
#include "ingest/spectrum.h"

#include <assert.h>
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI (2.0 * 3.14159265358979323846)

/* ---- plan cache ----------------------------------------------------------------------- */

typedef struct plan_slot {
    size_t n; /* 0: empty */
    fftw_plan plan;
    int n_users;
    uint64_t last_used;
} plan_slot;

static pthread_mutex_t g_plan_mutex = PTHREAD_MUTEX_INITIALIZER;
static plan_slot g_plans[AJ_SPECTRUM_PLANS_MAX];
static uint64_t g_plan_clock;
static int g_n_uncached; /* plans in use outside the slots (every slot was busy) */

/* A free slot, else the least recently used idle one (its plan destroyed), else NULL.
 * Called with the mutex held. */
static plan_slot *slot_to_fill(void) {
    plan_slot *best = NULL;
    for (int i = 0; i < AJ_SPECTRUM_PLANS_MAX; i++) {
        plan_slot *s = &g_plans[i];
        if (s->n == 0) return s;
        if (s->n_users == 0 && (!best || s->last_used < best->last_used)) best = s;
    }
    if (best) {
        fftw_destroy_plan(best->plan);
        *best = (plan_slot){0};
    }
    return best;
}

/* A plan for length n made for in/out (FFTW_ESTIMATE leaves them untouched). NULL when
 * FFTW cannot make one. Release it with plan_release. */
static fftw_plan plan_acquire(size_t n, double *in, fftw_complex *out) {
    pthread_mutex_lock(&g_plan_mutex);
    fftw_plan plan = NULL;
    for (int i = 0; i < AJ_SPECTRUM_PLANS_MAX && !plan; i++) {
        if (g_plans[i].n == n) {
            g_plans[i].n_users++;
            g_plans[i].last_used = ++g_plan_clock;
            plan = g_plans[i].plan;
        }
    }
    if (!plan) {
        plan = fftw_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
        plan_slot *s = plan ? slot_to_fill() : NULL;
        if (s) *s = (plan_slot){.n = n, .plan = plan, .n_users = 1, .last_used = ++g_plan_clock};
        if (plan && !s) g_n_uncached++;
    }
    pthread_mutex_unlock(&g_plan_mutex);
    return plan;
}

static void plan_release(fftw_plan plan) {
    pthread_mutex_lock(&g_plan_mutex);
    bool is_cached = false;
    for (int i = 0; i < AJ_SPECTRUM_PLANS_MAX && !is_cached; i++) {
        if (g_plans[i].n && g_plans[i].plan == plan) {
            assert(g_plans[i].n_users > 0);
            g_plans[i].n_users--;
            is_cached = true;
        }
    }
    if (!is_cached) {
        fftw_destroy_plan(plan);
        g_n_uncached--;
    }
    pthread_mutex_unlock(&g_plan_mutex);
}

void aj_spectrum_cleanup(void) {
    pthread_mutex_lock(&g_plan_mutex);
    bool is_any_left = false;
    for (int i = 0; i < AJ_SPECTRUM_PLANS_MAX; i++) {
        plan_slot *s = &g_plans[i];
        if (s->n && s->n_users == 0) {
            fftw_destroy_plan(s->plan);
            *s = (plan_slot){0};
        }
        is_any_left = is_any_left || s->n;
    }
    if (!is_any_left && g_n_uncached == 0) fftw_cleanup();
    pthread_mutex_unlock(&g_plan_mutex);
}

/* ---- checks --------------------------------------------------------------------------- */

aj_spectrum_problem aj_spectrum_check(const aj_spectrum_input *in, size_t *bad_index) {
    if (in->n_samples < AJ_SPECTRUM_SAMPLES_MIN || in->n_samples > AJ_SPECTRUM_SAMPLES_MAX || !in->samples)
        return AJ_SPECTRUM_BAD_COUNT;
    if (in->unit != AJ_SPECTRUM_VELOCITY_MM_S && in->unit != AJ_SPECTRUM_ACCEL_M_S2)
        return AJ_SPECTRUM_BAD_UNIT;
    double fs = in->sample_rate_hz, f0 = in->running_speed_hz;
    if (!(fs >= AJ_SPECTRUM_RATE_MIN_HZ && fs <= AJ_SPECTRUM_RATE_MAX_HZ)) return AJ_SPECTRUM_BAD_RATE;
    if (!(f0 >= AJ_SPECTRUM_SPEED_MIN_HZ && f0 <= AJ_SPECTRUM_SPEED_MAX_HZ)) return AJ_SPECTRUM_BAD_SPEED;
    if (!(AJ_SPECTRUM_HARMONICS * f0 < fs / 2)) return AJ_SPECTRUM_ABOVE_NYQUIST;
    if (!(f0 * (double)in->n_samples / fs >= AJ_SPECTRUM_REVOLUTIONS_MIN)) return AJ_SPECTRUM_TOO_SHORT;
    for (size_t i = 0; i < in->n_samples; i++) {
        if (!(fabs(in->samples[i]) <= AJ_SPECTRUM_SAMPLE_ABS_MAX)) { /* also NaN */
            if (bad_index) *bad_index = i;
            return AJ_SPECTRUM_BAD_SAMPLE;
        }
    }
    return AJ_SPECTRUM_INPUT_OK;
}

/* ---- spectrum ------------------------------------------------------------------------- */

typedef struct work {
    size_t n, n_bins;  /* n_bins = n/2 + 1 */
    double df;         /* bin spacing (Hz) */
    double *in;        /* fftw_malloc: n */
    fftw_complex *out; /* fftw_malloc: n_bins */
    double *power;     /* malloc: n_bins, mean square per bin in the input's unit squared */
    bool is_accel;     /* power is (m/s^2)^2: convert to velocity (step 5) */
} work;

/* Mean removed, Hann window applied; returns sum w^2. */
static double window_block(const aj_spectrum_input *in, double *dst) {
    size_t n = in->n_samples;
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += in->samples[i];
    mean /= (double)n;
    double sum_w2 = 0;
    for (size_t i = 0; i < n; i++) {
        double w = 0.5 - 0.5 * cos(TWO_PI * (double)i / (double)n);
        dst[i] = (in->samples[i] - mean) * w;
        sum_w2 += w * w;
    }
    return sum_w2;
}

/* Fills W->power from W->out (see the header comment, step 3). */
static void power_spectrum(work *W, double sum_w2) {
    double norm = 1.0 / ((double)W->n * sum_w2);
    for (size_t k = 0; k < W->n_bins; k++) {
        double re = W->out[k][0], im = W->out[k][1];
        bool is_single = k == 0 || (W->n % 2 == 0 && k == W->n / 2);
        W->power[k] = (is_single ? 1.0 : 2.0) * (re * re + im * im) * norm;
    }
}

/* Velocity (mm/s) per unit of the input at frequency f_hz > 0 (step 5). */
static double to_velocity(const work *W, double f_hz) {
    return W->is_accel ? 1000.0 / (TWO_PI * f_hz) : 1.0;
}

/* RMS and centre frequency of the main lobe around bin peak (bins 1..n_bins-1). */
static aj_spectrum_line lobe_at(const work *W, size_t peak) {
    size_t lo = peak > AJ_SPECTRUM_LOBE_HALF_BINS ? peak - AJ_SPECTRUM_LOBE_HALF_BINS : 1;
    size_t hi = peak + AJ_SPECTRUM_LOBE_HALF_BINS;
    if (hi > W->n_bins - 1) hi = W->n_bins - 1;
    if (lo < 1) lo = 1;
    double sum = 0, moment = 0;
    for (size_t k = lo; k <= hi; k++) {
        sum += W->power[k];
        moment += (double)k * W->power[k];
    }
    aj_spectrum_line line = {.frequency_hz = (double)peak * W->df};
    if (sum > 0) line.frequency_hz = moment / sum * W->df; /* >= df: every k >= 1 */
    line.rms_mm_s = sqrt(sum) * to_velocity(W, line.frequency_hz);
    return line;
}

static size_t bin_of(const work *W, double f_hz) {
    double k = floor(f_hz / W->df + 0.5);
    if (k < 1) return 1;
    if (k > (double)(W->n_bins - 1)) return W->n_bins - 1;
    return (size_t)k;
}

static aj_spectrum_harmonic harmonic(const work *W, int order, double f0) {
    double target = order * f0;
    size_t lo = bin_of(W, target * (1 - AJ_SPECTRUM_SEARCH_FRACTION));
    size_t hi = bin_of(W, target * (1 + AJ_SPECTRUM_SEARCH_FRACTION));
    size_t peak = lo;
    for (size_t k = lo + 1; k <= hi; k++)
        if (W->power[k] > W->power[peak]) peak = k;
    aj_spectrum_line line = lobe_at(W, peak);
    return (aj_spectrum_harmonic){
        .order = order, .target_hz = target, .frequency_hz = line.frequency_hz, .rms_mm_s = line.rms_mm_s};
}

static void overall(const work *W, aj_spectrum_result *r) {
    double hi_hz = (double)(W->n_bins - 1) * W->df;
    r->overall_lo_hz = AJ_SPECTRUM_OVERALL_LO_HZ;
    r->overall_hi_hz = hi_hz < AJ_SPECTRUM_OVERALL_HI_HZ ? hi_hz : AJ_SPECTRUM_OVERALL_HI_HZ;
    double sum = 0;
    for (size_t k = 1; k < W->n_bins; k++) {
        double f = (double)k * W->df;
        double g = to_velocity(W, f);
        if (f >= r->overall_lo_hz && f <= r->overall_hi_hz) sum += W->power[k] * g * g;
    }
    r->overall_rms_mm_s = sqrt(sum);
}

/* True when line a ranks before line b: larger first, then lower frequency. */
static bool ranks_before(const aj_spectrum_line *a, const aj_spectrum_line *b) {
    if (a->rms_mm_s != b->rms_mm_s) return a->rms_mm_s > b->rms_mm_s;
    return a->frequency_hz < b->frequency_hz;
}

/* Keeps the AJ_SPECTRUM_LINES_MAX largest local maxima, by insertion into r->lines. */
static void largest_lines(const work *W, double f0, aj_spectrum_result *r) {
    size_t start = (size_t)floor(0.25 * f0 / W->df);
    if (start < 2) start = 2; /* the windowed mean leaks into bins 0 and 1 only */
    r->n_lines = 0;
    for (size_t k = start; k + 1 < W->n_bins; k++) {
        const double *p = W->power;
        if (!(p[k] > p[k - 1] && p[k] >= p[k + 1] && p[k] > 0)) continue;
        aj_spectrum_line line = lobe_at(W, k);
        int at = r->n_lines;
        while (at > 0 && ranks_before(&line, &r->lines[at - 1])) at--;
        if (at >= AJ_SPECTRUM_LINES_MAX) continue;
        int last = r->n_lines < AJ_SPECTRUM_LINES_MAX ? r->n_lines : AJ_SPECTRUM_LINES_MAX - 1;
        memmove(&r->lines[at + 1], &r->lines[at], sizeof r->lines[0] * (size_t)(last - at));
        r->lines[at] = line;
        if (r->n_lines < AJ_SPECTRUM_LINES_MAX) r->n_lines++;
    }
}

static void work_free(work *W) {
    fftw_free(W->in);
    fftw_free(W->out);
    free(W->power);
}

aj_err aj_spectrum_compute(const aj_spectrum_input *in, aj_spectrum_result *out) {
    memset(out, 0, sizeof *out);
    if (aj_spectrum_check(in, NULL) != AJ_SPECTRUM_INPUT_OK) return AJ_EINVAL;
    work W = {
        .n = in->n_samples, .n_bins = in->n_samples / 2 + 1, .is_accel = in->unit == AJ_SPECTRUM_ACCEL_M_S2};
    W.df = in->sample_rate_hz / (double)W.n;
    W.in = fftw_malloc(sizeof *W.in * W.n);
    W.out = fftw_malloc(sizeof *W.out * W.n_bins);
    W.power = malloc(sizeof *W.power * W.n_bins);
    fftw_plan plan = W.in && W.out && W.power ? plan_acquire(W.n, W.in, W.out) : NULL;
    if (!plan) {
        work_free(&W);
        return AJ_ENOMEM;
    }
    double sum_w2 = window_block(in, W.in);
    fftw_execute_dft_r2c(plan, W.in, W.out);
    plan_release(plan);
    power_spectrum(&W, sum_w2);

    out->n_samples = W.n;
    out->duration_s = (double)W.n / in->sample_rate_hz;
    out->resolution_hz = W.df;
    out->revolutions = in->running_speed_hz * out->duration_s;
    for (int h = 0; h < AJ_SPECTRUM_HARMONICS; h++)
        out->harmonics[h] = harmonic(&W, h + 1, in->running_speed_hz);
    overall(&W, out);
    largest_lines(&W, in->running_speed_hz, out);
    work_free(&W);
    return AJ_OK;
}
