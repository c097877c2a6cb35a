/* spectrum.h — the amplitude spectrum of one vibration waveform block and the features the
 * failure-mode reasoner reads from it: the RMS velocity at 1x, 2x and 3x running speed
 * (signal roles vib_1x, vib_2x, vib_3x) and the overall RMS velocity in 10-1000 Hz
 * (ISO 10816 style). The method and its formulas: docs/vibration.md.
 *
 * Pure: no I/O, bounded sizes (the limits below). Thread-safe: FFTW plans are made (and
 * destroyed) under one mutex and cached per block length; every call transforms arrays of
 * its own, which FFTW allows concurrently.
 */
#ifndef AJ_SPECTRUM_H
#define AJ_SPECTRUM_H

#include "base/err.h"

#include <stddef.h>

/* ---- bounds (to move into base/limits.h) ---------------------------------------------- */

/* Samples in one block. 256 gives a usable spectrum at the lowest useful resolution; 65536
 * (64k, 0.8 Hz at 51.2 kHz) is what portable analysers send as one block, ~1.3 MB of JSON
 * and ~1.3 MiB of work arrays. A power of two is not required (FFTW handles any length). */
#define AJ_SPECTRUM_SAMPLES_MIN 256
#define AJ_SPECTRUM_SAMPLES_MAX 65536
/* Sample rate (Hz): online vibration sensors use 2.56 kHz .. 51.2 kHz; the bounds leave
 * room on both sides and keep frequencies and durations well inside a double's range. */
#define AJ_SPECTRUM_RATE_MIN_HZ 100.0
#define AJ_SPECTRUM_RATE_MAX_HZ 204800.0
/* Running speed (Hz): 0.1 Hz (6 rpm, slow agitators) .. 2000 Hz (120,000 rpm turbo
 * machinery). */
#define AJ_SPECTRUM_SPEED_MIN_HZ 0.1
#define AJ_SPECTRUM_SPEED_MAX_HZ 2000.0
/* Shaft revolutions a block must cover: puts 1x at least 8 bins from DC and the harmonics
 * 8 bins apart, so their main lobes (5 bins with Hann) never overlap. */
#define AJ_SPECTRUM_REVOLUTIONS_MIN 8
/* Magnitude of one sample (mm/s or m/s^2): far above any real machine (1e6 m/s^2 is
 * 100,000 g), low enough that no sum of squares can overflow. */
#define AJ_SPECTRUM_SAMPLE_ABS_MAX 1e6
/* Harmonics of the running speed reported (1x, 2x, 3x). */
#define AJ_SPECTRUM_HARMONICS 3
/* A harmonic's peak is searched within +-2 % of k x running speed (speed given by a
 * tachometer or the drive is rarely further off; slip of induction motors is below). */
#define AJ_SPECTRUM_SEARCH_FRACTION 0.02
/* Half-width of the Hann main lobe in bins: its first zeros are 2 bins from the peak. */
#define AJ_SPECTRUM_LOBE_HALF_BINS 2
/* Overall RMS band (Hz), as in ISO 10816 / ISO 20816 for machines above 600 rpm. */
#define AJ_SPECTRUM_OVERALL_LO_HZ 10.0
#define AJ_SPECTRUM_OVERALL_HI_HZ 1000.0
/* Largest spectral lines reported. */
#define AJ_SPECTRUM_LINES_MAX 20
/* FFTW plans cached (one per block length; collectors send a few fixed lengths). */
#define AJ_SPECTRUM_PLANS_MAX 8

typedef enum {
    AJ_SPECTRUM_VELOCITY_MM_S = 0, /* samples are velocity in mm/s */
    AJ_SPECTRUM_ACCEL_M_S2 = 1,    /* samples are acceleration in m/s^2 */
} aj_spectrum_unit;

typedef struct aj_spectrum_input {
    const double *samples; /* borrowed for the call */
    size_t n_samples;
    double sample_rate_hz;
    double running_speed_hz;
    aj_spectrum_unit unit;
} aj_spectrum_input;

/* Why an input cannot be computed (aj_spectrum_check). */
typedef enum {
    AJ_SPECTRUM_INPUT_OK = 0,
    AJ_SPECTRUM_BAD_COUNT,     /* n_samples outside AJ_SPECTRUM_SAMPLES_MIN..MAX */
    AJ_SPECTRUM_BAD_RATE,      /* sample rate not finite or outside its bounds */
    AJ_SPECTRUM_BAD_SPEED,     /* running speed not finite or outside its bounds */
    AJ_SPECTRUM_ABOVE_NYQUIST, /* 3 x running speed not below sample_rate / 2 */
    AJ_SPECTRUM_TOO_SHORT,     /* fewer than AJ_SPECTRUM_REVOLUTIONS_MIN revolutions */
    AJ_SPECTRUM_BAD_SAMPLE,    /* a sample not finite or beyond AJ_SPECTRUM_SAMPLE_ABS_MAX */
    AJ_SPECTRUM_BAD_UNIT,      /* not an aj_spectrum_unit */
} aj_spectrum_problem;

typedef struct aj_spectrum_line {
    double frequency_hz; /* power-weighted centre of the peak's main lobe */
    double rms_mm_s;     /* RMS velocity of the peak (power summed over its main lobe) */
} aj_spectrum_line;

typedef struct aj_spectrum_harmonic {
    int order;           /* 1, 2, 3 */
    double target_hz;    /* order x running speed */
    double frequency_hz; /* where the peak was found (centre of its main lobe) */
    double rms_mm_s;
} aj_spectrum_harmonic;

typedef struct aj_spectrum_result {
    size_t n_samples;
    double duration_s;    /* n_samples / sample_rate */
    double resolution_hz; /* bin spacing: sample_rate / n_samples */
    double revolutions;   /* running speed x duration */
    aj_spectrum_harmonic harmonics[AJ_SPECTRUM_HARMONICS];
    double overall_rms_mm_s;                       /* RMS velocity in [overall_lo_hz, overall_hi_hz] */
    double overall_lo_hz, overall_hi_hz;           /* hi is min(1000 Hz, the highest bin) */
    int n_lines;                                   /* 0..AJ_SPECTRUM_LINES_MAX */
    aj_spectrum_line lines[AJ_SPECTRUM_LINES_MAX]; /* largest first */
} aj_spectrum_result;

/* Checks an input against the bounds above. On AJ_SPECTRUM_BAD_SAMPLE *bad_index (may be
 * NULL) is the first bad sample's index. */
aj_spectrum_problem aj_spectrum_check(const aj_spectrum_input *in, size_t *bad_index);

/* Computes the spectrum features of a block. AJ_EINVAL when aj_spectrum_check refuses the
 * input, AJ_ENOMEM when work arrays or the FFTW plan cannot be had. All outputs are finite. */
aj_err aj_spectrum_compute(const aj_spectrum_input *in, aj_spectrum_result *out);

/* Destroys the cached FFTW plans (and FFTW's own state when no plan is left). For tests and
 * shutdown: plans in use by a running aj_spectrum_compute are kept. */
void aj_spectrum_cleanup(void);

#endif
