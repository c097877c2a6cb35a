/* assess.c — LEC and risk-matrix scoring, the four risk levels and the band
 * configuration that maps scores to them (assess.h, docs/risk.md).
 *
 * The configuration is read strictly and in a fixed order (format, version, lec bands,
 * matrix bands; in a band: code, name, bounds, level), so a file always gives the same
 * first error, as "JSONPATH: message" (the checks of base/jsoncheck.h, without an arena:
 * strings are copied into the bands). Only the first error is kept. A configuration is
 * either accepted whole or *out is zeroed. Once accepted, every score the method can give
 * falls in exactly one band: the scoring functions rely on that (assert).
 *
 * LEC arithmetic is exact: L is a whole number of tenths and E of halves, so 20 x D is a
 * whole number and D = (20 x D) / 20 is rounded once. A D that equals a band edge in
 * decimal therefore equals it in binary, and the open/closed ends of the bands mean
 * exactly what docs/risk.md says.
 */
#include "risk/assess.h"

#include "base/fileread.h"
#include "base/jsoncheck.h"
#include "base/jsonutil.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANDS_FORMAT  "anjian-risk-bands"
#define BANDS_VERSION 1
#define MATRIX_SIDE   5 /* likelihood and severity run 1..5 */

/* ---- levels --------------------------------------------------------------------------- */

static const aj_risk_level_info LEVELS[AJ_RISK_LEVEL_COUNT] = {
    [AJ_RISK_LOW] = {"low", "低", "Low", "blue", "#0000FF"},
    [AJ_RISK_GENERAL] = {"general", "一般", "General", "yellow", "#FFFF00"},
    [AJ_RISK_SIGNIFICANT] = {"significant", "较大", "Significant", "orange", "#FF8C00"},
    [AJ_RISK_MAJOR] = {"major", "重大", "Major", "red", "#FF0000"},
};

const aj_risk_level_info *aj_risk_level_describe(aj_risk_level level) {
    return level > AJ_RISK_NONE && level < AJ_RISK_LEVEL_COUNT ? &LEVELS[level] : NULL;
}

aj_risk_level aj_risk_level_parse(const char *code) {
    for (int i = AJ_RISK_LOW; i < AJ_RISK_LEVEL_COUNT; i++)
        if (strcmp(LEVELS[i].code, code) == 0) return (aj_risk_level)i;
    return AJ_RISK_NONE;
}

/* ---- codes ---------------------------------------------------------------------------- */

/* 1 to AJ_RISK_CODE_LEN_MAX letters, digits or '_'. */
static bool is_code(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > AJ_RISK_CODE_LEN_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* ---- bands ---------------------------------------------------------------------------- */

/* code, unique among the bands before it */
static aj_err band_code(aj_jc *r, const json_t *j, const char *path, const aj_risk_table *t,
                        aj_risk_band *b) {
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    if (strlen(s) != json_string_length(j) || !is_code(s))
        return aj_jc_fail(r, AJ_EINVAL, path, "\"%s\" is not a code (1 to %d letters, digits or _)",
                          aj_jc_quote(s, q), AJ_RISK_CODE_LEN_MAX);
    for (int i = 0; i < t->n_bands; i++)
        if (strcmp(t->bands[i].code, s) == 0)
            return aj_jc_fail(r, AJ_EINVAL, path, "duplicate code \"%s\"", s);
    memcpy(b->code, s, strlen(s) + 1);
    return AJ_OK;
}

/* name: {"en", "zh"}, copied into the band (the reader has no arena: en and zh point
 * into the document, checked to fit). */
static aj_err band_name(aj_jc *r, const json_t *j, const char *path, aj_risk_band *b) {
    const char *en, *zh;
    aj_err e = aj_jc_text(r, j, path, AJ_RISK_NAME_LEN_MAX, &en, &zh);
    if (e) return e;
    memcpy(b->name_en, en, strlen(en) + 1);
    memcpy(b->name_zh, zh, strlen(zh) + 1);
    return AJ_OK;
}

/* level, known and not below the level of the band before */
static aj_err band_level(aj_jc *r, const json_t *j, const char *path, const aj_risk_table *t,
                         aj_risk_band *b) {
    char q[AJ_JC_QUOTE_LEN];
    b->level = aj_risk_level_parse(json_string_value(j));
    if (b->level == AJ_RISK_NONE || strlen(json_string_value(j)) != json_string_length(j))
        return aj_jc_fail(r, AJ_EINVAL, path,
                          "unknown level \"%s\" (one of low, general, significant, major)",
                          aj_jc_quote(json_string_value(j), q));
    if (t->n_bands > 0 && b->level < t->bands[t->n_bands - 1].level)
        return aj_jc_fail(r, AJ_EINVAL, path,
                          "\"%s\" is below \"%s\" of bands[%d] (levels must not fall as the score rises)",
                          LEVELS[b->level].code, LEVELS[t->bands[t->n_bands - 1].level].code, t->n_bands - 1);
    return AJ_OK;
}

/* The lower end of band i (start, written as shown) meets the upper end of band i - 1
 * (prev_end) exactly. */
static aj_err meets(aj_jc *r, const char *path, double start, double shown, double prev_end, int i) {
    char a[AJ_JC_NUM_LEN], b[AJ_JC_NUM_LEN];
    if (start > prev_end)
        return aj_jc_fail(r, AJ_EINVAL, path, "%s leaves a gap after bands[%d] (which ends at %s)",
                          aj_jc_num(shown, a), i - 1, aj_jc_num(prev_end, b));
    if (start < prev_end)
        return aj_jc_fail(r, AJ_EINVAL, path, "%s overlaps bands[%d] (which ends at %s)", aj_jc_num(shown, a),
                          i - 1, aj_jc_num(prev_end, b));
    return AJ_OK;
}

/* LEC bounds: above < D <= max; the first starts above 0, only the last has no max. */
static aj_err lec_bounds(aj_jc *r, const json_t *j, const char *path, int i, int n, const aj_risk_table *t,
                         aj_risk_band *b) {
    char sub[AJ_JC_PATH_LEN], n1[AJ_JC_NUM_LEN], n2[AJ_JC_NUM_LEN];
    aj_jc_path(sub, path, ".above");
    b->above = json_number_value(json_object_get(j, "above"));
    if (i == 0 && b->above != 0)
        return aj_jc_fail(r, AJ_EINVAL, sub, "the first band must start above 0, not %s",
                          aj_jc_num(b->above, n1));
    aj_err e = i > 0 ? meets(r, sub, b->above, b->above, t->bands[i - 1].max, i) : AJ_OK;
    if (e) return e;
    const json_t *max = json_object_get(j, "max");
    aj_jc_path(sub, path, ".max");
    if (i == n - 1 && max)
        return aj_jc_fail(r, AJ_EINVAL, sub, "not allowed on the last band (it has no upper end)");
    if (i < n - 1 && !max)
        return aj_jc_fail(r, AJ_EINVAL, path, "missing key \"max\" (only the last band has no upper end)");
    b->has_max = max != NULL;
    b->max = max ? json_number_value(max) : 0;
    if (max && !(b->max > b->above))
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be more than above (%s), not %s", aj_jc_num(b->above, n1),
                          aj_jc_num(b->max, n2));
    return AJ_OK;
}

/* Matrix bounds: min <= R <= max, whole numbers 1-25; the first starts at 1, the last
 * ends at 25. Kept as above = min - 1. */
static aj_err matrix_bounds(aj_jc *r, const json_t *j, const char *path, int i, int n, const aj_risk_table *t,
                            aj_risk_band *b) {
    const int top = MATRIX_SIDE * MATRIX_SIDE;
    char sub[AJ_JC_PATH_LEN];
    json_int_t min = json_integer_value(json_object_get(j, "min"));
    json_int_t max = json_integer_value(json_object_get(j, "max"));
    aj_jc_path(sub, path, ".min");
    if (min < 1 || min > top)
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be from 1 to %d, not %lld", top, (long long)min);
    if (i == 0 && min != 1)
        return aj_jc_fail(r, AJ_EINVAL, sub, "the first band must start at 1, not %lld", (long long)min);
    aj_err e = i > 0 ? meets(r, sub, (double)min - 1, (double)min, t->bands[i - 1].max, i) : AJ_OK;
    if (e) return e;
    aj_jc_path(sub, path, ".max");
    if (max < min || max > top)
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be from min (%lld) to %d, not %lld", (long long)min, top,
                          (long long)max);
    if (i == n - 1 && max != top)
        return aj_jc_fail(r, AJ_EINVAL, sub, "the last band must end at %d, not %lld", top, (long long)max);
    b->above = (double)min - 1;
    b->max = (double)max;
    b->has_max = true;
    return AJ_OK;
}

static aj_err table(aj_jc *r, const json_t *j, const char *path, bool is_lec, aj_risk_table *t) {
    static const aj_jc_key table_rules[] = {{"bands", AJ_JC_ARRAY, true}};
    static const aj_jc_key lec_rules[] = {{"code", AJ_JC_STRING, true},
                                          {"name", AJ_JC_OBJECT, true},
                                          {"above", AJ_JC_NUMBER, true},
                                          {"max", AJ_JC_NUMBER, false},
                                          {"level", AJ_JC_STRING, true}};
    static const aj_jc_key matrix_rules[] = {{"code", AJ_JC_STRING, true},
                                             {"name", AJ_JC_OBJECT, true},
                                             {"min", AJ_JC_INTEGER, true},
                                             {"max", AJ_JC_INTEGER, true},
                                             {"level", AJ_JC_STRING, true}};
    char at[AJ_JC_PATH_LEN], sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(r, j, path, table_rules, 1);
    if (e) return e;
    const json_t *arr = json_object_get(j, "bands");
    size_t n = json_array_size(arr);
    aj_jc_path(at, path, ".bands");
    if ((e = aj_jc_count(r, arr, at, "bands", 1, AJ_RISK_BANDS_MAX))) return e;
    for (int i = 0; i < (int)n; i++) {
        const json_t *jb = json_array_get(arr, (size_t)i);
        aj_risk_band *b = &t->bands[i];
        aj_jc_path(at, path, ".bands[%d]", i);
        if ((e = aj_jc_object(r, jb, at, is_lec ? lec_rules : matrix_rules, 5))) return e;
        aj_jc_path(sub, at, ".code");
        if ((e = band_code(r, json_object_get(jb, "code"), sub, t, b))) return e;
        aj_jc_path(sub, at, ".name");
        if ((e = band_name(r, json_object_get(jb, "name"), sub, b))) return e;
        e = is_lec ? lec_bounds(r, jb, at, i, (int)n, t, b) : matrix_bounds(r, jb, at, i, (int)n, t, b);
        if (e) return e;
        aj_jc_path(sub, at, ".level");
        if ((e = band_level(r, json_object_get(jb, "level"), sub, t, b))) return e;
        t->n_bands = i + 1;
    }
    return AJ_OK;
}

static aj_err document(aj_jc *r, const json_t *doc, aj_risk_bands *out) {
    static const aj_jc_key rules[] = {{"format", AJ_JC_STRING, true},
                                      {"version", AJ_JC_INTEGER, true},
                                      {"lec", AJ_JC_OBJECT, true},
                                      {"matrix", AJ_JC_OBJECT, true}};
    aj_err e = aj_jc_object(r, doc, "$", rules, 4);
    if (!e) e = aj_jc_format_version(r, doc, BANDS_FORMAT, BANDS_VERSION);
    if (!e) e = table(r, json_object_get(doc, "lec"), "$.lec", true, &out->lec);
    if (!e) e = table(r, json_object_get(doc, "matrix"), "$.matrix", false, &out->matrix);
    return e;
}

aj_err aj_risk_bands_parse(const char *text, size_t len, aj_risk_bands *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (errlen) err[0] = 0;
    json_t *doc = NULL;
    aj_err e = aj_json_parse(text, len, &doc, err, errlen);
    if (e) return e;
    aj_jc r = {.arena = NULL, .err = err, .errlen = errlen};
    e = document(&r, doc, out);
    json_decref(doc);
    if (e) {
        memset(out, 0, sizeof *out);
        return e;
    }
    assert(aj_risk_bands_ok(out));
    return AJ_OK;
}

aj_err aj_risk_bands_load(const char *path, aj_risk_bands *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    aj_err e = aj_file_read(path, AJ_RISK_BANDS_FILE_MAX, &text, &len, err, errlen);
    if (e) return e;
    char msg[600];
    e = aj_risk_bands_parse(text, len, out, msg, sizeof msg);
    free(text);
    if (e) snprintf(err, errlen, "%s: %s", path, msg);
    return e;
}

/* ---- invariants ----------------------------------------------------------------------- */

static bool text_ok(const char *s, size_t size) {
    const char *end = memchr(s, 0, size);
    return end && end != s;
}

static bool band_ok(const aj_risk_table *t, int i) {
    const aj_risk_band *b = &t->bands[i];
    if (!text_ok(b->code, sizeof b->code) || !is_code(b->code)) return false;
    if (!text_ok(b->name_en, sizeof b->name_en) || !text_ok(b->name_zh, sizeof b->name_zh)) return false;
    if (b->level <= AJ_RISK_NONE || b->level >= AJ_RISK_LEVEL_COUNT) return false;
    if (b->has_max && !(b->max > b->above)) return false;
    if (i == t->n_bands - 1) return true;
    const aj_risk_band *next = &t->bands[i + 1];
    return b->has_max && next->above == b->max && next->level >= b->level;
}

static bool table_ok(const aj_risk_table *t) {
    if (t->n_bands < 1 || t->n_bands > AJ_RISK_BANDS_MAX || t->bands[0].above != 0) return false;
    for (int i = 0; i < t->n_bands; i++) {
        if (!band_ok(t, i)) return false;
        for (int k = 0; k < i; k++)
            if (strcmp(t->bands[k].code, t->bands[i].code) == 0) return false;
    }
    return true;
}

bool aj_risk_bands_ok(const aj_risk_bands *bands) {
    if (!bands || !table_ok(&bands->lec) || !table_ok(&bands->matrix)) return false;
    if (bands->lec.bands[bands->lec.n_bands - 1].has_max) return false;
    const aj_risk_table *m = &bands->matrix;
    for (int i = 0; i < m->n_bands; i++)
        if (!m->bands[i].has_max || m->bands[i].max != floor(m->bands[i].max)) return false;
    return m->bands[m->n_bands - 1].max == MATRIX_SIDE * MATRIX_SIDE;
}

/* ---- scoring -------------------------------------------------------------------------- */

const double AJ_RISK_LEC_L[7] = {10, 6, 3, 1, 0.5, 0.2, 0.1};
const double AJ_RISK_LEC_E[6] = {10, 6, 3, 2, 1, 0.5};
const double AJ_RISK_LEC_C[6] = {100, 40, 15, 7, 3, 1};
/* The same values as whole numbers: L in tenths, E in halves, C as is. */
static const int L_TENTHS[7] = {100, 60, 30, 10, 5, 2, 1};
static const int E_HALVES[6] = {20, 12, 6, 4, 2, 1};
static const int C_UNITS[6] = {100, 40, 15, 7, 3, 1};

/* The whole-number form of v, which must be one of values[n] (the factor called name). */
static aj_err factor(double v, const double *values, const int *units, int n, const char *name, int *out,
                     char *err, size_t errlen) {
    for (int i = 0; i < n; i++) {
        if (v == values[i]) {
            *out = units[i];
            return AJ_OK;
        }
    }
    if (errlen) {
        int o = snprintf(err, errlen, "%s must be one of ", name);
        for (int i = 0; i < n && o >= 0 && (size_t)o < errlen; i++)
            o += snprintf(err + o, errlen - (size_t)o, "%s%g", i ? ", " : "", values[i]);
        char shown[AJ_JC_NUM_LEN];
        if (o >= 0 && (size_t)o < errlen)
            snprintf(err + o, errlen - (size_t)o, ", not %s", aj_jc_num(v, shown));
    }
    return AJ_EINVAL;
}

/* Fills out for score; AJ_EINVAL when no band holds it, which a table that passed
 * aj_risk_bands_ok cannot do (the callers assert that; this guards builds without asserts). */
static aj_err result_of(const aj_risk_table *t, double score, aj_risk_result *out, char *err, size_t errlen) {
    int band = aj_risk_band_of(t, score);
    if (band < 0) {
        char shown[AJ_JC_NUM_LEN];
        if (errlen)
            snprintf(err, errlen, "no band holds the score %s (bands not checked?)", aj_jc_num(score, shown));
        return AJ_EINVAL;
    }
    out->score = score;
    out->band = band;
    out->band_code = t->bands[band].code;
    out->level = t->bands[band].level;
    return AJ_OK;
}

static void result_clear(aj_risk_result *out) {
    *out = (aj_risk_result){.score = 0, .band = -1, .band_code = NULL, .level = AJ_RISK_NONE};
}

aj_err aj_risk_lec(const aj_risk_bands *bands, double l, double e, double c, aj_risk_result *out, char *err,
                   size_t errlen) {
    assert(aj_risk_bands_ok(bands));
    result_clear(out);
    if (errlen) err[0] = 0;
    int l10, e2, c1;
    if (factor(l, AJ_RISK_LEC_L, L_TENTHS, 7, "L", &l10, err, errlen) ||
        factor(e, AJ_RISK_LEC_E, E_HALVES, 6, "E", &e2, err, errlen) ||
        factor(c, AJ_RISK_LEC_C, C_UNITS, 6, "C", &c1, err, errlen))
        return AJ_EINVAL;
    return result_of(&bands->lec, (double)(l10 * e2 * c1) / 20.0, out, err, errlen);
}

aj_err aj_risk_matrix(const aj_risk_bands *bands, int likelihood, int severity, aj_risk_result *out,
                      char *err, size_t errlen) {
    assert(aj_risk_bands_ok(bands));
    result_clear(out);
    if (errlen) err[0] = 0;
    const char *bad = likelihood < 1 || likelihood > MATRIX_SIDE ? "likelihood"
                      : severity < 1 || severity > MATRIX_SIDE   ? "severity"
                                                                 : NULL;
    if (bad) {
        if (errlen)
            snprintf(err, errlen, "%s must be a whole number from 1 to %d, not %d", bad, MATRIX_SIDE,
                     bad[0] == 'l' ? likelihood : severity);
        return AJ_EINVAL;
    }
    return result_of(&bands->matrix, (double)(likelihood * severity), out, err, errlen);
}

int aj_risk_band_of(const aj_risk_table *table, double score) {
    for (int i = 0; i < table->n_bands; i++) {
        const aj_risk_band *b = &table->bands[i];
        if (score > b->above && (!b->has_max || score <= b->max)) return i;
    }
    return -1;
}

aj_risk_level aj_risk_highest(const aj_risk_result *results, int n) {
    aj_risk_level highest = AJ_RISK_NONE;
    for (int i = 0; i < n; i++) {
        assert(results[i].level >= AJ_RISK_NONE && results[i].level < AJ_RISK_LEVEL_COUNT);
        if (results[i].level > highest) highest = results[i].level;
    }
    return highest;
}
