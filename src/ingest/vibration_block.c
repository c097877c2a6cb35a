/* vibration_block.c — checks a vibration waveform block (POST /api/v1/vibration-blocks).
 *
 * Checks run in a fixed order — unknown keys (in document order), asset, time, sample
 * rate, running speed, unit, samples, then the block as a whole (Nyquist, revolutions,
 * the time of its middle) — and the first problem is the one error, so an answer names
 * exactly one path. The samples are copied into an array the block owns (the spectrum
 * wants doubles in a row); nothing else is allocated. No recursion: the depth that matters
 * is fixed (object, array, number).
 */
#include "ingest/vibration_block.h"

#include "ingest/lineproto.h"
#include "ingest/points_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNKNOWN_KEY_IN_PATH_MAX 48
#define STR_(x)                 #x
#define STR(x)                  STR_(x)

static const char *const FIELDS[] = {"asset", "asset_id",         "t",    "t_ns",    "sample_rate_hz",
                                     "rpm",   "running_speed_hz", "unit", "samples", NULL};

/* Sets the error and returns false. */
static bool fail(aj_vb_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(aj_vb_error *err, const char *path, const char *fmt, ...) {
    snprintf(err->path, sizeof err->path, "%s", path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof err->reason, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_ident_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* "$.key" for identifiers, else $["key"] with '"' and '\' escaped and control bytes as
 * '?'; cut to UNKNOWN_KEY_IN_PATH_MAX bytes at a UTF-8 character boundary. */
static void key_path(const char *key, char *out, size_t outlen) {
    size_t n = strlen(key), cut = n;
    if (cut > UNKNOWN_KEY_IN_PATH_MAX) {
        cut = UNKNOWN_KEY_IN_PATH_MAX;
        while (cut > 0 && ((unsigned char)key[cut] & 0xC0) == 0x80) cut--;
    }
    bool is_ident = n > 0;
    for (size_t k = 0; k < n; k++) is_ident = is_ident && is_ident_byte((unsigned char)key[k]);
    if (is_ident) {
        snprintf(out, outlen, "$.%.*s%s", (int)cut, key, cut < n ? "..." : "");
        return;
    }
    size_t o = 0;
    out[o++] = '$';
    out[o++] = '[';
    out[o++] = '"';
    for (size_t k = 0; k < cut && o + 8 < outlen; k++) {
        unsigned char c = (unsigned char)key[k];
        if (c == '"' || c == '\\') out[o++] = '\\';
        out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (cut < n && o + 8 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o++] = ']';
    out[o] = 0;
}

static bool check_unknown_keys(json_t *doc, aj_vb_error *err) {
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v) {
        bool is_known = false;
        for (int i = 0; FIELDS[i] && !is_known; i++) is_known = strcmp(k, FIELDS[i]) == 0;
        if (!is_known) {
            char path[UNKNOWN_KEY_IN_PATH_MAX * 2 + 16];
            key_path(k, path, sizeof path);
            return fail(err, path,
                        "unknown field (expected asset or asset_id, t or t_ns, sample_rate_hz, "
                        "running_speed_hz or rpm, unit, samples)");
        }
    }
    return true;
}

static bool check_asset(json_t *doc, aj_vb_block *b, aj_vb_error *err) {
    json_t *code = json_object_get(doc, "asset"), *id = json_object_get(doc, "asset_id");
    if (code && id) return fail(err, "$.asset_id", "give either asset or asset_id, not both");
    if (!code && !id) return fail(err, "$.asset", "required (an asset code such as \"P-101\", or asset_id)");
    if (id) {
        if (!json_is_integer(id) || json_integer_value(id) <= 0)
            return fail(err, "$.asset_id", "must be a positive integer");
        b->asset_id = (int64_t)json_integer_value(id);
        return true;
    }
    if (!json_is_string(code)) return fail(err, "$.asset", "must be a string (an asset code)");
    const char *s = json_string_value(code);
    size_t n = json_string_length(code);
    if (n == 0) return fail(err, "$.asset", "must not be empty");
    if (n > AJ_VB_ASSET_CODE_MAX)
        return fail(err, "$.asset", "longer than " STR(AJ_VB_ASSET_CODE_MAX) " bytes");
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            return fail(err, "$.asset", "must not contain control characters");
    b->asset_code = s;
    return true;
}

static bool check_time(json_t *doc, aj_vb_block *b, aj_vb_error *err) {
    json_t *t = json_object_get(doc, "t"), *t_ns = json_object_get(doc, "t_ns");
    if (t && t_ns) return fail(err, "$.t_ns", "give either t or t_ns, not both");
    if (!t && !t_ns) return fail(err, "$.t", "required (the time of the first sample, or t_ns)");
    if (t) {
        if (!json_is_string(t)) return fail(err, "$.t", "must be an RFC 3339 date-time string");
        if (!aj_pj_time_parse(json_string_value(t), json_string_length(t), &b->t_ns))
            return fail(err, "$.t",
                        "not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction up to 9 digits]Z or "
                        "+hh:mm) within 1677..2262");
        return true;
    }
    if (!json_is_integer(t_ns)) return fail(err, "$.t_ns", "must be an integer (ns since the epoch)");
    json_int_t v = json_integer_value(t_ns);
    if (v < AJ_LP_TIME_NS_MIN || v > AJ_LP_TIME_NS_MAX) return fail(err, "$.t_ns", "out of range");
    b->t_ns = (int64_t)v;
    return true;
}

/* A number field within [lo, hi] into *out. */
static bool check_number(json_t *doc, const char *name, double lo, double hi, const char *unit, double *out,
                         aj_vb_error *err) {
    char path[48];
    snprintf(path, sizeof path, "$.%s", name);
    json_t *v = json_object_get(doc, name);
    if (!json_is_number(v)) return fail(err, path, "must be a number (%s)", unit);
    double d = json_number_value(v);
    if (!(d >= lo && d <= hi)) return fail(err, path, "must be within %g..%g %s (got %g)", lo, hi, unit, d);
    *out = d;
    return true;
}

static bool check_rate(json_t *doc, aj_vb_block *b, aj_vb_error *err) {
    if (!json_object_get(doc, "sample_rate_hz")) return fail(err, "$.sample_rate_hz", "required");
    return check_number(doc, "sample_rate_hz", AJ_SPECTRUM_RATE_MIN_HZ, AJ_SPECTRUM_RATE_MAX_HZ, "Hz",
                        &b->input.sample_rate_hz, err);
}

static bool check_speed(json_t *doc, aj_vb_block *b, aj_vb_error *err) {
    json_t *hz = json_object_get(doc, "running_speed_hz"), *rpm = json_object_get(doc, "rpm");
    if (hz && rpm) return fail(err, "$.rpm", "give either running_speed_hz or rpm, not both");
    if (!hz && !rpm) return fail(err, "$.running_speed_hz", "required (the shaft speed, or rpm)");
    if (hz) {
        b->speed_path = "$.running_speed_hz";
        return check_number(doc, "running_speed_hz", AJ_SPECTRUM_SPEED_MIN_HZ, AJ_SPECTRUM_SPEED_MAX_HZ, "Hz",
                            &b->input.running_speed_hz, err);
    }
    b->speed_path = "$.rpm";
    double v;
    if (!check_number(doc, "rpm", AJ_SPECTRUM_SPEED_MIN_HZ * 60, AJ_SPECTRUM_SPEED_MAX_HZ * 60, "rpm", &v,
                      err))
        return false;
    b->input.running_speed_hz = v / 60.0;
    return true;
}

const char *aj_vb_unit_name(aj_spectrum_unit unit) {
    return unit == AJ_SPECTRUM_ACCEL_M_S2 ? "m/s2" : "mm/s";
}

static bool check_unit(json_t *doc, aj_vb_block *b, aj_vb_error *err) {
    json_t *u = json_object_get(doc, "unit");
    if (!u) return fail(err, "$.unit", "required: \"mm/s\" (velocity) or \"m/s2\" (acceleration)");
    const char *s = json_is_string(u) ? json_string_value(u) : "";
    if (!strcmp(s, "mm/s"))
        b->input.unit = AJ_SPECTRUM_VELOCITY_MM_S;
    else if (!strcmp(s, "m/s2") || !strcmp(s, "m/s^2") || !strcmp(s, "m/s\xc2\xb2"))
        b->input.unit = AJ_SPECTRUM_ACCEL_M_S2;
    else
        return fail(err, "$.unit", "must be \"mm/s\" (velocity) or \"m/s2\" (acceleration)");
    return true;
}

/* Checks the samples and copies them into b->samples (allocated here). */
static aj_err check_samples(json_t *doc, aj_vb_block *b, aj_vb_error *err) {
    json_t *arr = json_object_get(doc, "samples");
    if (!arr) return fail(err, "$.samples", "required (an array of numbers)"), AJ_EINVAL;
    if (!json_is_array(arr)) return fail(err, "$.samples", "must be an array of numbers"), AJ_EINVAL;
    size_t n = json_array_size(arr);
    if (n < AJ_SPECTRUM_SAMPLES_MIN || n > AJ_SPECTRUM_SAMPLES_MAX)
        return fail(err, "$.samples",
                    "has %zu samples: " STR(AJ_SPECTRUM_SAMPLES_MIN) ".." STR(
                        AJ_SPECTRUM_SAMPLES_MAX) " needed",
                    n),
               AJ_EINVAL;
    b->samples = malloc(sizeof *b->samples * n);
    if (!b->samples) return AJ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        char path[48];
        snprintf(path, sizeof path, "$.samples[%zu]", i);
        if (!json_is_number(v)) return fail(err, path, "must be a number"), AJ_EINVAL;
        double d = json_number_value(v);
        if (!(fabs(d) <= AJ_SPECTRUM_SAMPLE_ABS_MAX))
            return fail(err, path, "must be finite and within +-%g", AJ_SPECTRUM_SAMPLE_ABS_MAX), AJ_EINVAL;
        b->samples[i] = d;
    }
    b->input.samples = b->samples;
    b->input.n_samples = n;
    return AJ_OK;
}

/* The block as a whole: what aj_spectrum_compute needs, and the time of its middle. */
static bool check_block(aj_vb_block *b, bool has_t, aj_vb_error *err) {
    const aj_spectrum_input *in = &b->input;
    double fs = in->sample_rate_hz, f0 = in->running_speed_hz;
    if (!(AJ_SPECTRUM_HARMONICS * f0 < fs / 2))
        return fail(
            err, b->speed_path,
            "3 x running speed (%g Hz) must be below the Nyquist frequency, sample_rate_hz / 2 (%g Hz)",
            AJ_SPECTRUM_HARMONICS * f0, fs / 2);
    double revolutions = f0 * (double)in->n_samples / fs;
    if (!(revolutions >= AJ_SPECTRUM_REVOLUTIONS_MIN))
        return fail(err, "$.samples",
                    "the block covers %.2f shaft revolutions (%zu samples at %g Hz, running speed %g Hz); at "
                    "least " STR(AJ_SPECTRUM_REVOLUTIONS_MIN) " are needed: send at least %.0f samples",
                    revolutions, in->n_samples, fs, f0, ceil(AJ_SPECTRUM_REVOLUTIONS_MIN * fs / f0));
    size_t bad = 0;
    if (aj_spectrum_check(in, &bad) != AJ_SPECTRUM_INPUT_OK) /* NEVER: every bound is checked above */
        return fail(err, "$", "the block cannot be analysed");
    /* duration <= 65536 / 100 Hz = 656 s: half of it in ns fits easily. */
    int64_t half_ns = (int64_t)llround((double)in->n_samples / fs * 0.5e9);
    if (b->t_ns > AJ_LP_TIME_NS_MAX - half_ns)
        return fail(err, has_t ? "$.t" : "$.t_ns", "out of range: the block must end before 2262-04-11");
    b->mid_ns = b->t_ns + half_ns;
    return true;
}

aj_err aj_vb_parse(const json_t *cdoc, aj_vb_block *out, aj_vb_error *err) {
    json_t *doc = (json_t *)cdoc; /* jansson's getters take non-const; nothing is changed */
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!json_is_object(doc)) {
        fail(err, "$",
             "must be an object {\"asset\", \"t\", \"sample_rate_hz\", \"running_speed_hz\", "
             "\"unit\", \"samples\"}");
        return AJ_EINVAL;
    }
    bool is_ok = check_unknown_keys(doc, err) && check_asset(doc, out, err) && check_time(doc, out, err) &&
                 check_rate(doc, out, err) && check_speed(doc, out, err) && check_unit(doc, out, err);
    aj_err e = is_ok ? check_samples(doc, out, err) : AJ_EINVAL;
    if (!e && !check_block(out, json_object_get(doc, "t") != NULL, err)) e = AJ_EINVAL;
    if (e) aj_vb_block_clear(out);
    return e;
}

void aj_vb_block_clear(aj_vb_block *b) {
    free(b->samples);
    memset(b, 0, sizeof *b);
}
