/* test_risk_assess.c — LEC, the risk matrix, the four levels and the band configuration
 * (src/risk/assess.c, docs/risk.md).
 *
 * The shipped default (data/risk/assessment.json) must say what docs/risk.md says: every
 * LEC band edge is tested on both sides (nextafter), every LEC factor combination against
 * an exact product, and all 25 matrix cells against a table written out below. Invalid
 * configurations come as a table of one edit each to a small valid one (BASE), with the
 * exact error code and message; then limits, raw texts, error buffers, files and a replay
 * of the fuzz corpus (tests/fuzz/corpus/risk_data/).
 */
#include "base/limits.h"
#include "risk/assess.h"

#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support/helpers.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* path of a file relative to this source file's directory */
static void source_path(char *out, size_t size, const char *rel) {
    aj_test_source_path(out, size, __FILE__, rel);
}

static aj_risk_bands load_default(void) {
    char path[1024], err[600];
    source_path(path, sizeof path, "../../data/risk/assessment.json");
    aj_risk_bands b;
    aj_err e = aj_risk_bands_load(path, &b, err, sizeof err);
    if (e) fail_msg("%s", err);
    assert_true(aj_risk_bands_ok(&b));
    return b;
}

static const char *code_of(const aj_risk_table *t, double score) {
    int i = aj_risk_band_of(t, score);
    return i >= 0 ? t->bands[i].code : "(none)";
}

static aj_risk_level level_of(const aj_risk_table *t, double score) {
    int i = aj_risk_band_of(t, score);
    assert_true(i >= 0);
    return t->bands[i].level;
}

/* ---- levels --------------------------------------------------------------------------- */

static void test_levels(void **state) {
    static const struct {
        aj_risk_level level;
        const char *code, *zh, *colour, *hex;
    } rows[] = {
        {AJ_RISK_LOW, "low", "低", "blue", "#0000FF"},
        {AJ_RISK_GENERAL, "general", "一般", "yellow", "#FFFF00"},
        {AJ_RISK_SIGNIFICANT, "significant", "较大", "orange", "#FF8C00"},
        {AJ_RISK_MAJOR, "major", "重大", "red", "#FF0000"},
    };
    for (int i = 0; i < 4; i++) {
        const aj_risk_level_info *info = aj_risk_level_describe(rows[i].level);
        assert_non_null(info);
        assert_string_equal(info->code, rows[i].code);
        assert_string_equal(info->name_zh, rows[i].zh);
        assert_string_equal(info->colour, rows[i].colour);
        assert_string_equal(info->hex, rows[i].hex);
        assert_non_null(info->name_en);
        assert_int_equal(aj_risk_level_parse(rows[i].code), rows[i].level);
    }
    assert_true(AJ_RISK_LOW < AJ_RISK_GENERAL && AJ_RISK_GENERAL < AJ_RISK_SIGNIFICANT &&
                AJ_RISK_SIGNIFICANT < AJ_RISK_MAJOR);
    assert_null(aj_risk_level_describe(AJ_RISK_NONE));
    assert_null(aj_risk_level_describe(AJ_RISK_LEVEL_COUNT));
    assert_null(aj_risk_level_describe((aj_risk_level)-1));
    assert_int_equal(aj_risk_level_parse("Major"), AJ_RISK_NONE);
    assert_int_equal(aj_risk_level_parse(""), AJ_RISK_NONE);
    assert_int_equal(aj_risk_level_parse("none"), AJ_RISK_NONE);
}

/* ---- the default LEC bands ------------------------------------------------------------- */

static void test_default_file(void **state) {
    aj_risk_bands b = load_default();
    static const char *const lec_codes[] = {"slight", "moderate", "notable", "high", "extreme"};
    static const char *const lec_zh[] = {"稍有危险，可以接受", "一般危险，需要注意", "显著危险，需要整改",
                                         "高度危险，需立即整改", "极其危险，不能继续作业"};
    static const double lec_above[] = {0, 20, 70, 160, 320};
    static const aj_risk_level lec_levels[] = {AJ_RISK_LOW, AJ_RISK_LOW, AJ_RISK_GENERAL, AJ_RISK_SIGNIFICANT,
                                               AJ_RISK_MAJOR};
    assert_int_equal(b.lec.n_bands, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(b.lec.bands[i].code, lec_codes[i]);
        assert_string_equal(b.lec.bands[i].name_zh, lec_zh[i]);
        assert_true(b.lec.bands[i].above == lec_above[i]);
        assert_int_equal(b.lec.bands[i].level, lec_levels[i]);
        assert_int_equal(b.lec.bands[i].has_max, i < 4);
    }
    static const int m_min[] = {1, 6, 12, 20}, m_max[] = {5, 11, 19, 25};
    assert_int_equal(b.matrix.n_bands, 4);
    for (int i = 0; i < 4; i++) {
        assert_true(b.matrix.bands[i].above == m_min[i] - 1);
        assert_true(b.matrix.bands[i].max == m_max[i]);
        assert_int_equal(b.matrix.bands[i].level, AJ_RISK_LOW + i);
    }
}

/* Every edge of the default LEC table: D = edge belongs to the band below, the next
 * double up to the band above (bands hold above < D <= max). */
static void test_lec_edges(void **state) {
    aj_risk_bands b = load_default();
    static const struct {
        double edge;
        const char *at, *above;
        aj_risk_level at_level, above_level;
    } rows[] = {
        {20, "slight", "moderate", AJ_RISK_LOW, AJ_RISK_LOW},
        {70, "moderate", "notable", AJ_RISK_LOW, AJ_RISK_GENERAL},
        {160, "notable", "high", AJ_RISK_GENERAL, AJ_RISK_SIGNIFICANT},
        {320, "high", "extreme", AJ_RISK_SIGNIFICANT, AJ_RISK_MAJOR},
    };
    for (int i = 0; i < 4; i++) {
        double up = nextafter(rows[i].edge, INFINITY), down = nextafter(rows[i].edge, 0);
        assert_string_equal(code_of(&b.lec, rows[i].edge), rows[i].at);
        assert_string_equal(code_of(&b.lec, down), rows[i].at);
        assert_string_equal(code_of(&b.lec, up), rows[i].above);
        assert_int_equal(level_of(&b.lec, rows[i].edge), rows[i].at_level);
        assert_int_equal(level_of(&b.lec, up), rows[i].above_level);
    }
    /* the ends: nothing at or below 0, everything above 320 is extreme */
    assert_int_equal(aj_risk_band_of(&b.lec, 0), -1);
    assert_int_equal(aj_risk_band_of(&b.lec, -1), -1);
    assert_int_equal(aj_risk_band_of(&b.lec, NAN), -1);
    assert_string_equal(code_of(&b.lec, nextafter(0, 1)), "slight");
    assert_string_equal(code_of(&b.lec, 1e300), "extreme");
    assert_string_equal(code_of(&b.lec, INFINITY), "extreme");
}

/* Products that land on an edge land on it exactly (D is formed from whole numbers). */
static void test_lec_products_on_edges(void **state) {
    aj_risk_bands b = load_default();
    static const struct {
        double l, e, c, d;
        const char *band;
        aj_risk_level level;
    } rows[] = {
        {1, 10, 7, 70, "moderate", AJ_RISK_LOW},        {10, 1, 7, 70, "moderate", AJ_RISK_LOW},
        {0.1, 2, 100, 20, "slight", AJ_RISK_LOW},       {0.2, 1, 100, 20, "slight", AJ_RISK_LOW},
        {10, 2, 1, 20, "slight", AJ_RISK_LOW},          {0.5, 10, 15, 75, "notable", AJ_RISK_GENERAL},
        {6, 6, 7, 252, "high", AJ_RISK_SIGNIFICANT},    {10, 6, 7, 420, "extreme", AJ_RISK_MAJOR},
        {3, 6, 7, 126, "notable", AJ_RISK_GENERAL},     {6, 3, 15, 270, "high", AJ_RISK_SIGNIFICANT},
        {10, 10, 100, 10000, "extreme", AJ_RISK_MAJOR}, {0.1, 0.5, 1, 0.05, "slight", AJ_RISK_LOW},
        {0.2, 0.5, 3, 0.3, "slight", AJ_RISK_LOW},      {3, 3, 7, 63, "moderate", AJ_RISK_LOW},
        {1, 1, 100, 100, "notable", AJ_RISK_GENERAL},   {1, 2, 100, 200, "high", AJ_RISK_SIGNIFICANT},
        {1, 3, 100, 300, "high", AJ_RISK_SIGNIFICANT},  {0.5, 1, 40, 20, "slight", AJ_RISK_LOW},
    };
    char err[200];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_risk_result r;
        assert_int_equal(aj_risk_lec(&b, rows[i].l, rows[i].e, rows[i].c, &r, err, sizeof err), AJ_OK);
        assert_string_equal(err, "");
        if (r.score != rows[i].d) fail_msg("row %zu: D %.17g, want %g", i, r.score, rows[i].d);
        assert_string_equal(r.band_code, rows[i].band);
        assert_string_equal(b.lec.bands[r.band].code, rows[i].band);
        assert_int_equal(r.level, rows[i].level);
    }
}

/* All 7 x 6 x 6 factor combinations: D is the exact product (checked against the product
 * in tenths x halves, whole numbers), the band is the one aj_risk_band_of gives, and the
 * level never falls when a factor rises. */
static void test_lec_all_factors(void **state) {
    aj_risk_bands b = load_default();
    static const int l10[] = {100, 60, 30, 10, 5, 2, 1}, e2[] = {20, 12, 6, 4, 2, 1},
                     c1[] = {100, 40, 15, 7, 3, 1};
    int n = 0, n_by_level[AJ_RISK_LEVEL_COUNT] = {0};
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 6; j++)
            for (int k = 0; k < 6; k++) {
                aj_risk_result r;
                assert_int_equal(
                    aj_risk_lec(&b, AJ_RISK_LEC_L[i], AJ_RISK_LEC_E[j], AJ_RISK_LEC_C[k], &r, NULL, 0),
                    AJ_OK);
                assert_true(r.score == (double)(l10[i] * e2[j] * c1[k]) / 20.0);
                assert_int_equal(r.band, aj_risk_band_of(&b.lec, r.score));
                if (i > 0) {
                    aj_risk_result higher;
                    aj_risk_lec(&b, AJ_RISK_LEC_L[i - 1], AJ_RISK_LEC_E[j], AJ_RISK_LEC_C[k], &higher, NULL,
                                0);
                    assert_true(higher.level >= r.level);
                }
                n_by_level[r.level]++;
                n++;
            }
    assert_int_equal(n, 252);
    printf("LEC combinations: %d low, %d general, %d significant, %d major\n", n_by_level[AJ_RISK_LOW],
           n_by_level[AJ_RISK_GENERAL], n_by_level[AJ_RISK_SIGNIFICANT], n_by_level[AJ_RISK_MAJOR]);
}

static void test_lec_invalid(void **state) {
    aj_risk_bands b = load_default();
    static const struct {
        double l, e, c;
        const char *message;
    } rows[] = {
        {4, 6, 7, "L must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1, not 4"},
        {0, 6, 7, "L must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1, not 0"},
        {-1, 6, 7, "L must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1, not -1"},
        {0.7 - 0.5, 6, 7, "L must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1, not 0.19999999999999996"},
        {NAN, 6, 7, "L must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1, not nan"},
        {10, 5, 7, "E must be one of 10, 6, 3, 2, 1, 0.5, not 5"},
        {10, 0.2, 7, "E must be one of 10, 6, 3, 2, 1, 0.5, not 0.2"},
        {10, INFINITY, 7, "E must be one of 10, 6, 3, 2, 1, 0.5, not inf"},
        {10, 6, 50, "C must be one of 100, 40, 15, 7, 3, 1, not 50"},
        {10, 6, 0.5, "C must be one of 100, 40, 15, 7, 3, 1, not 0.5"},
        {4, 5, 50, "L must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1, not 4"}, /* the first bad factor */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_risk_result r = {.score = 9, .band = 9, .level = AJ_RISK_MAJOR};
        char err[200] = "stale";
        assert_int_equal(aj_risk_lec(&b, rows[i].l, rows[i].e, rows[i].c, &r, err, sizeof err), AJ_EINVAL);
        assert_string_equal(err, rows[i].message);
        assert_int_equal(r.band, -1);
        assert_null(r.band_code);
        assert_int_equal(r.level, AJ_RISK_NONE);
        assert_true(r.score == 0);
    }
    /* a short buffer is cut and terminated; none at all is fine */
    char small[8];
    aj_risk_result r;
    assert_int_equal(aj_risk_lec(&b, 4, 6, 7, &r, small, sizeof small), AJ_EINVAL);
    assert_string_equal(small, "L must ");
    assert_int_equal(aj_risk_lec(&b, 4, 6, 7, &r, NULL, 0), AJ_EINVAL);
}

/* ---- the default matrix: all 25 cells ------------------------------------------------- */

#define LO AJ_RISK_LOW
#define GE AJ_RISK_GENERAL
#define SI AJ_RISK_SIGNIFICANT
#define MA AJ_RISK_MAJOR

/* MATRIX[likelihood - 1][severity - 1]: R and its level under the default bands
 * (R 1-5 low, 6-11 general, 12-19 significant, 20-25 major). */
static const struct {
    int r;
    aj_risk_level level;
} MATRIX[5][5] = {
    /*        S=1       S=2       S=3       S=4       S=5 */
    /* L=1 */ {{1, LO}, {2, LO}, {3, LO}, {4, LO}, {5, LO}},
    /* L=2 */ {{2, LO}, {4, LO}, {6, GE}, {8, GE}, {10, GE}},
    /* L=3 */ {{3, LO}, {6, GE}, {9, GE}, {12, SI}, {15, SI}},
    /* L=4 */ {{4, LO}, {8, GE}, {12, SI}, {16, SI}, {20, MA}},
    /* L=5 */ {{5, LO}, {10, GE}, {15, SI}, {20, MA}, {25, MA}},
};

static void test_matrix_cells(void **state) {
    aj_risk_bands b = load_default();
    int n_by_level[AJ_RISK_LEVEL_COUNT] = {0};
    for (int l = 1; l <= 5; l++)
        for (int s = 1; s <= 5; s++) {
            aj_risk_result r;
            char err[100] = "stale";
            assert_int_equal(aj_risk_matrix(&b, l, s, &r, err, sizeof err), AJ_OK);
            assert_string_equal(err, "");
            assert_true(r.score == MATRIX[l - 1][s - 1].r);
            if (r.level != MATRIX[l - 1][s - 1].level)
                fail_msg("L %d x S %d = %g: level %d, want %d", l, s, r.score, r.level,
                         MATRIX[l - 1][s - 1].level);
            assert_string_equal(r.band_code, b.matrix.bands[r.level - 1].code);
            n_by_level[r.level]++;
        }
    assert_int_equal(n_by_level[LO], 10);
    assert_int_equal(n_by_level[GE], 7);
    assert_int_equal(n_by_level[SI], 5);
    assert_int_equal(n_by_level[MA], 3);
    /* the band edges (scores no cell gives as well) */
    static const struct {
        int r;
        const char *band;
    } edges[] = {{5, "r1_5"},    {6, "r6_11"},   {11, "r6_11"},  {12, "r12_19"}, {13, "r12_19"},
                 {19, "r12_19"}, {20, "r20_25"}, {25, "r20_25"}, {1, "r1_5"}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        assert_string_equal(code_of(&b.matrix, edges[i].r), edges[i].band);
    assert_int_equal(aj_risk_band_of(&b.matrix, 0), -1);
    assert_int_equal(aj_risk_band_of(&b.matrix, 26), -1);
}

static void test_matrix_invalid(void **state) {
    aj_risk_bands b = load_default();
    static const struct {
        int l, s;
        const char *message;
    } rows[] = {
        {0, 3, "likelihood must be a whole number from 1 to 5, not 0"},
        {6, 3, "likelihood must be a whole number from 1 to 5, not 6"},
        {3, -1, "severity must be a whole number from 1 to 5, not -1"},
        {3, 6, "severity must be a whole number from 1 to 5, not 6"},
        {-7, 9, "likelihood must be a whole number from 1 to 5, not -7"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_risk_result r;
        char err[100];
        assert_int_equal(aj_risk_matrix(&b, rows[i].l, rows[i].s, &r, err, sizeof err), AJ_EINVAL);
        assert_string_equal(err, rows[i].message);
        assert_int_equal(r.band, -1);
        assert_int_equal(r.level, AJ_RISK_NONE);
    }
}

/* ---- residual risk -------------------------------------------------------------------- */

static void test_highest(void **state) {
    aj_risk_bands b = load_default();
    aj_risk_result r[4];
    assert_int_equal(aj_risk_highest(r, 0), AJ_RISK_NONE);
    assert_int_equal(aj_risk_matrix(&b, 1, 2, &r[0], NULL, 0), AJ_OK);    /* 2: low */
    assert_int_equal(aj_risk_lec(&b, 3, 6, 7, &r[1], NULL, 0), AJ_OK);    /* 126: general */
    assert_int_equal(aj_risk_matrix(&b, 3, 4, &r[2], NULL, 0), AJ_OK);    /* 12: significant */
    assert_int_equal(aj_risk_lec(&b, 0.5, 1, 40, &r[3], NULL, 0), AJ_OK); /* 20: low */
    assert_int_equal(aj_risk_highest(r, 1), AJ_RISK_LOW);
    assert_int_equal(aj_risk_highest(r, 2), AJ_RISK_GENERAL);
    assert_int_equal(aj_risk_highest(r, 4), AJ_RISK_SIGNIFICANT);
    assert_int_equal(aj_risk_highest(&r[3], 1), AJ_RISK_LOW);
    assert_int_equal(aj_risk_lec(&b, 10, 6, 7, &r[0], NULL, 0), AJ_OK); /* 420: major */
    assert_int_equal(aj_risk_highest(r, 4), AJ_RISK_MAJOR);
    assert_string_equal(aj_risk_level_describe(aj_risk_highest(r, 4))->hex, "#FF0000");
}

/* ---- a small valid configuration and edits of it ---------------------------------------- */

#define NAME(en, zh) "\"name\": {\"en\": \"" en "\", \"zh\": \"" zh "\"}"

static const char BASE[] =
    "{\"format\": \"anjian-risk-bands\", \"version\": 1,"
    " \"lec\": {\"bands\": ["
    "  {\"code\": \"slight\", " NAME(
        "Slight",
        "稍有危险") ", \"above\": 0, \"max\": 20, \"level\": \"low\"},"
                    "  {\"code\": \"moderate\", " NAME(
                        "Moderate",
                        "一般危险") ", \"above\": 20, \"max\": 70, \"level\": \"low\"},"
                                    "  {\"code\": \"notable\", " NAME(
                                        "Notable",
                                        "显著危险") ", \"above\": 70, \"max\": 160, \"level\": \"general\"},"
                                                    "  {\"code\": \"high\", " NAME(
                                                        "High",
                                                        "高度危险") ", \"above\": 160, \"max\": 320, "
                                                                    "\"level\": \"significant\"},"
                                                                    "  {\"code\": \"extreme\", " NAME(
                                                                        "Extreme",
                                                                        "极其危险") ", \"above\": 320, "
                                                                                    "\"level\": \"major\"}]},"
                                                                                    " \"matrix\": "
                                                                                    "{\"bands\": ["
                                                                                    "  {\"code\": "
                                                                                    "\"r1_5\", " NAME(
                                                                                        "Low",
                                                                                        "低风险") ", "
                                                                                                  "\"min\": "
                                                                                                  "1, "
                                                                                                  "\"max\": "
                                                                                                  "5, "
                                                                                                  "\"level\":"
                                                                                                  " \"low\"},"
                                                                                                  "  "
                                                                                                  "{\"code\":"
                                                                                                  " \"r6_"
                                                                                                  "11\","
                                                                                                  " " NAME(
                                                                                                      "Genera"
                                                                                                      "l",
                                                                                                      "一般风"
                                                                                                      "险") ", \"min\": 6, \"max\": 11, \"level\": \"general\"},"
                                                                                                            "  {\"code\": \"r12_19\", " NAME(
                                                                                                                "Significant",
                                                                                                                "较大风险") ", \"min\": 12, \"max\": 19, \"level\": "
                                                                                                                            "\"significant\"},"
                                                                                                                            "  {\"code\": \"r20_25\", " NAME(
                                                                                                                                "Major",
                                                                                                                                "重大风险") ", \"min\": 20, \"max\": 25, \"level\": \"major\"}]}}";

/* BASE with one edit (tests/unit/support/helpers.h), as text the caller frees. */
static char *edited(const char *path, const char *value) {
    return aj_test_json_edited(BASE, path, value);
}

static aj_err parse_text(const char *text, char *err, size_t errlen, aj_risk_bands *out) {
    aj_err e = aj_risk_bands_parse(text, strlen(text), out, err, errlen);
    if (e) {
        aj_risk_bands zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(out, &zero, sizeof zero);
    }
    return e;
}

static void test_base_and_variants(void **state) {
    char err[600] = "stale";
    aj_risk_bands b;
    char *text = edited(NULL, NULL);
    assert_int_equal(parse_text(text, err, sizeof err, &b), AJ_OK);
    assert_string_equal(err, "");
    aj_risk_bands def = load_default();
    for (int i = 0; i < 5; i++) {
        assert_true(b.lec.bands[i].above == def.lec.bands[i].above &&
                    b.lec.bands[i].max == def.lec.bands[i].max);
        assert_int_equal(b.lec.bands[i].level, def.lec.bands[i].level);
    }
    free(text);
    /* an enterprise's own choices: one band for everything, all levels the same, edges
     * between whole numbers, a finer split, a map without "low" */
    static const char *const ok_edits[][2] = {
        {"lec.bands", "[{\"code\": \"all\", \"name\": {\"en\": \"All\", \"zh\": \"全部\"}, \"above\": 0, "
                      "\"level\": \"major\"}]"},
        {"matrix.bands", "[{\"code\": \"all\", \"name\": {\"en\": \"All\", \"zh\": \"全部\"}, \"min\": 1, "
                         "\"max\": 25, \"level\": "
                         "\"low\"}]"},
        {"lec.bands[4].level", "\"significant\""},
        {"lec.bands[0].level", "\"low\""},
        {"matrix.bands[0].level", "\"general\""},
        {"lec.bands[3].level", "\"major\""},
    };
    for (size_t i = 0; i < sizeof ok_edits / sizeof ok_edits[0]; i++) {
        text = edited(ok_edits[i][0], ok_edits[i][1]);
        aj_err e = parse_text(text, err, sizeof err, &b);
        if (e) fail_msg("%s = %s: %s", ok_edits[i][0], ok_edits[i][1], err);
        assert_true(aj_risk_bands_ok(&b));
        free(text);
    }
    /* one LEC band: every product is in it */
    text = edited(ok_edits[0][0], ok_edits[0][1]);
    assert_int_equal(parse_text(text, err, sizeof err, &b), AJ_OK);
    free(text);
    aj_risk_result r;
    assert_int_equal(aj_risk_lec(&b, 0.1, 0.5, 1, &r, NULL, 0), AJ_OK);
    assert_int_equal(r.level, AJ_RISK_MAJOR);
    assert_int_equal(aj_risk_lec(&b, 10, 10, 100, &r, NULL, 0), AJ_OK);
    assert_string_equal(r.band_code, "all");
    /* fractional edges: above 19.5 up to 70.25 */
    static const char SPLIT[] = "[{\"code\": \"a\", \"name\": {\"en\": \"A\", \"zh\": \"甲\"}, \"above\": 0, "
                                "\"max\": 19.5, \"level\": "
                                "\"low\"},"
                                " {\"code\": \"b\", \"name\": {\"en\": \"B\", \"zh\": \"乙\"}, \"above\": "
                                "19.5, \"max\": 70.25, \"level\": "
                                "\"general\"},"
                                " {\"code\": \"c\", \"name\": {\"en\": \"C\", \"zh\": \"丙\"}, \"above\": "
                                "70.25, \"level\": \"major\"}]";
    text = edited("lec.bands", SPLIT);
    assert_int_equal(parse_text(text, err, sizeof err, &b), AJ_OK);
    free(text);
    assert_string_equal(code_of(&b.lec, 19.5), "a");
    assert_string_equal(code_of(&b.lec, nextafter(19.5, 100)), "b");
    assert_string_equal(code_of(&b.lec, 70.25), "b");
    assert_string_equal(code_of(&b.lec, nextafter(70.25, 100)), "c");
    assert_int_equal(aj_risk_lec(&b, 0.1, 2, 100, &r, NULL, 0), AJ_OK); /* D = 20 */
    assert_string_equal(r.band_code, "b");
}

typedef struct bad_case {
    const char *path;  /* NULL: value is the whole text */
    const char *value; /* JSON; NULL deletes */
    aj_err code;
    const char *message;
} bad_case;

#define DEL NULL

static const bad_case BAD[] = {
    /* the document */
    {NULL, "[]", AJ_EINVAL, "$: must be an object, not an array"},
    {"colour", "1", AJ_EINVAL, "$: unknown key \"colour\""},
    {"matrix", DEL, AJ_EINVAL, "$: missing key \"matrix\""},
    {"format", "\"anjian-permit-catalogue\"", AJ_EINVAL,
     "$.format: must be \"anjian-risk-bands\", not \"anjian-permit-catalogue\""},
    {"format", "7", AJ_EINVAL, "$.format: must be a string, not an integer"},
    {"version", "2", AJ_EINVAL, "$.version: unsupported version 2 (this build reads 1)"},
    {"version", "1.0", AJ_EINVAL, "$.version: must be an integer, not a real number"},
    {"lec", "[]", AJ_EINVAL, "$.lec: must be an object, not an array"},
    {"lec.scale", "1", AJ_EINVAL, "$.lec: unknown key \"scale\""},
    {"lec.bands", DEL, AJ_EINVAL, "$.lec: missing key \"bands\""},
    {"lec.bands", "[]", AJ_EINVAL, "$.lec.bands: must not be empty"},
    {"matrix.bands", "{}", AJ_EINVAL, "$.matrix.bands: must be an array, not an object"},
    /* LEC bands */
    {"lec.bands[0]", "null", AJ_EINVAL, "$.lec.bands[0]: must be an object, not null"},
    {"lec.bands[0].above", "5", AJ_EINVAL, "$.lec.bands[0].above: the first band must start above 0, not 5"},
    {"lec.bands[0].above", "-1", AJ_EINVAL,
     "$.lec.bands[0].above: the first band must start above 0, not -1"},
    {"lec.bands[2].above", "80", AJ_EINVAL,
     "$.lec.bands[2].above: 80 leaves a gap after bands[1] (which ends at 70)"},
    {"lec.bands[2].above", "60", AJ_EINVAL, "$.lec.bands[2].above: 60 overlaps bands[1] (which ends at 70)"},
    {"lec.bands[2].above", "70.000001", AJ_EINVAL,
     "$.lec.bands[2].above: 70.000001 leaves a gap after bands[1] (which ends at 70)"},
    {"lec.bands[1].max", "20", AJ_EINVAL, "$.lec.bands[1].max: must be more than above (20), not 20"},
    {"lec.bands[1].max", "10.5", AJ_EINVAL, "$.lec.bands[1].max: must be more than above (20), not 10.5"},
    {"lec.bands[4].max", "10000", AJ_EINVAL,
     "$.lec.bands[4].max: not allowed on the last band (it has no upper end)"},
    {"lec.bands[3].max", DEL, AJ_EINVAL,
     "$.lec.bands[3]: missing key \"max\" (only the last band has no upper end)"},
    {"lec.bands[1].above", "\"20\"", AJ_EINVAL, "$.lec.bands[1].above: must be a number, not a string"},
    {"lec.bands[1].above", DEL, AJ_EINVAL, "$.lec.bands[1]: missing key \"above\""},
    {"lec.bands[1].max", "null", AJ_EINVAL, "$.lec.bands[1].max: must be a number, not null"},
    {"lec.bands[1].min", "20", AJ_EINVAL, "$.lec.bands[1]: unknown key \"min\""},
    {"lec.bands[2].level", "\"medium\"", AJ_EINVAL,
     "$.lec.bands[2].level: unknown level \"medium\" (one of low, general, significant, major)"},
    {"lec.bands[2].level", "\"Major\"", AJ_EINVAL,
     "$.lec.bands[2].level: unknown level \"Major\" (one of low, general, significant, major)"},
    {"lec.bands[2].level", "\"none\"", AJ_EINVAL,
     "$.lec.bands[2].level: unknown level \"none\" (one of low, general, significant, major)"},
    {"lec.bands[2].level", "3", AJ_EINVAL, "$.lec.bands[2].level: must be a string, not an integer"},
    {"lec.bands[4].level", "\"general\"", AJ_EINVAL,
     "$.lec.bands[4].level: \"general\" is below \"significant\" of bands[3] (levels must not fall as the "
     "score "
     "rises)"},
    {"lec.bands[1].code", "\"slight\"", AJ_EINVAL, "$.lec.bands[1].code: duplicate code \"slight\""},
    {"lec.bands[1].code", "\"a b\"", AJ_EINVAL,
     "$.lec.bands[1].code: \"a b\" is not a code (1 to 32 letters, digits or _)"},
    {"lec.bands[1].code", "\"\"", AJ_EINVAL,
     "$.lec.bands[1].code: \"\" is not a code (1 to 32 letters, digits or _)"},
    {"lec.bands[1].name", "{\"en\": \"X\"}", AJ_EINVAL, "$.lec.bands[1].name: missing key \"zh\""},
    {"lec.bands[1].name", "\"X\"", AJ_EINVAL, "$.lec.bands[1].name: must be an object, not a string"},
    {"lec.bands[1].name.zh", "\"\"", AJ_EINVAL, "$.lec.bands[1].name.zh: must not be empty"},
    {"lec.bands[1].name.fr", "\"X\"", AJ_EINVAL, "$.lec.bands[1].name: unknown key \"fr\""},
    /* matrix bands */
    {"matrix.bands[0].min", "0", AJ_EINVAL, "$.matrix.bands[0].min: must be from 1 to 25, not 0"},
    {"matrix.bands[0].min", "2", AJ_EINVAL, "$.matrix.bands[0].min: the first band must start at 1, not 2"},
    {"matrix.bands[1].min", "7", AJ_EINVAL,
     "$.matrix.bands[1].min: 7 leaves a gap after bands[0] (which ends at 5)"},
    {"matrix.bands[1].min", "5", AJ_EINVAL, "$.matrix.bands[1].min: 5 overlaps bands[0] (which ends at 5)"},
    {"matrix.bands[1].max", "5", AJ_EINVAL, "$.matrix.bands[1].max: must be from min (6) to 25, not 5"},
    {"matrix.bands[1].max", "26", AJ_EINVAL, "$.matrix.bands[1].max: must be from min (6) to 25, not 26"},
    {"matrix.bands[3].max", "24", AJ_EINVAL, "$.matrix.bands[3].max: the last band must end at 25, not 24"},
    {"matrix.bands[2].max", "25", AJ_EINVAL,
     "$.matrix.bands[3].min: 20 overlaps bands[2] (which ends at 25)"},
    {"matrix.bands[1].min", "6.0", AJ_EINVAL, "$.matrix.bands[1].min: must be an integer, not a real number"},
    {"matrix.bands[1].max", DEL, AJ_EINVAL, "$.matrix.bands[1]: missing key \"max\""},
    {"matrix.bands[1].above", "5", AJ_EINVAL, "$.matrix.bands[1]: unknown key \"above\""},
    {"matrix.bands[3].level", "\"low\"", AJ_EINVAL,
     "$.matrix.bands[3].level: \"low\" is below \"significant\" of bands[2] (levels must not fall as the "
     "score "
     "rises)"},
    {"matrix.bands[4]",
     "{\"code\": \"x\", \"name\": {\"en\": \"X\", \"zh\": \"叉\"}, \"min\": 26, \"max\": 26, \"level\": "
     "\"major\"}",
     AJ_EINVAL, "$.matrix.bands[4].min: must be from 1 to 25, not 26"},
    {"matrix.bands[3].code", "\"r1_5\"", AJ_EINVAL, "$.matrix.bands[3].code: duplicate code \"r1_5\""},
    /* the same code in both tables is fine: only an error further on */
    {"matrix.bands[0].code", "\"slight\"", AJ_OK, ""},
};

static void test_invalid(void **state) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        const bad_case *c = &BAD[i];
        char *text = c->path ? edited(c->path, c->value) : strdup(c->value);
        char err[600] = "";
        aj_risk_bands b;
        aj_err e = parse_text(text, err, sizeof err, &b);
        if (e != c->code || strcmp(err, c->message) != 0)
            fail_msg("case %zu (%s = %s):\n  want %s %s\n  got  %s %s", i, c->path ? c->path : "-",
                     c->value ? c->value : "(delete)", aj_err_name(c->code), c->message, aj_err_name(e), err);
        free(text);
    }
    printf("invalid configurations: %zu cases\n", sizeof BAD / sizeof BAD[0]);
}

/* ---- limits, raw texts, buffers, files ------------------------------------------------- */

static void expect(const char *path, const char *value, aj_err code, const char *message) {
    char *text = edited(path, value);
    char err[600] = "";
    aj_risk_bands b;
    aj_err e = parse_text(text, err, sizeof err, &b);
    if (e != code || strcmp(err, message) != 0)
        fail_msg("%s:\n  want %s %s\n  got  %s %s", path, aj_err_name(code), message, aj_err_name(e), err);
    free(text);
}

/* A JSON list of n LEC bands 10 wide, the last one open (the caller frees it). */
static char *lec_bands(int n) {
    char *list = malloc(200 * (size_t)n + 2), *p = list;
    assert_non_null(list);
    p += sprintf(p, "[");
    for (int i = 0; i < n; i++) {
        p += sprintf(p, "%s{\"code\": \"b%d\", \"name\": {\"en\": \"B\", \"zh\": \"乙\"}, \"above\": %d",
                     i ? ", " : "", i, i * 10);
        if (i < n - 1) p += sprintf(p, ", \"max\": %d", i * 10 + 10);
        p += sprintf(p, ", \"level\": \"low\"}");
    }
    sprintf(p, "]");
    return list;
}

static void test_limits(void **state) {
    char *list = lec_bands(AJ_RISK_BANDS_MAX);
    expect("lec.bands", list, AJ_OK, "");
    free(list);
    list = lec_bands(AJ_RISK_BANDS_MAX + 1);
    expect("lec.bands", list, AJ_ETOOBIG, "$.lec.bands: too many bands (9; at most 8)");
    free(list);
    /* code and name lengths */
    char s[400];
    snprintf(s, sizeof s, "\"%.*s\"", AJ_RISK_CODE_LEN_MAX,
             "cccccccccccccccccccccccccccccccccccccccccccccccc");
    expect("lec.bands[0].code", s, AJ_OK, "");
    snprintf(s, sizeof s, "\"%.*s\"", AJ_RISK_CODE_LEN_MAX + 1,
             "cccccccccccccccccccccccccccccccccccccccccccccccc");
    expect("lec.bands[0].code", s, AJ_EINVAL,
           "$.lec.bands[0].code: \"ccccccccccccccccccccccccccccccccc\" is not a code (1 to 32 letters, "
           "digits or _)");
    memset(s, 'n', sizeof s);
    s[0] = '"';
    s[AJ_RISK_NAME_LEN_MAX + 1] = '"';
    s[AJ_RISK_NAME_LEN_MAX + 2] = 0;
    expect("matrix.bands[2].name.en", s, AJ_OK, "");
    s[AJ_RISK_NAME_LEN_MAX + 1] = 'n';
    s[AJ_RISK_NAME_LEN_MAX + 2] = '"';
    s[AJ_RISK_NAME_LEN_MAX + 3] = 0;
    expect("matrix.bands[2].name.en", s, AJ_ETOOBIG,
           "$.matrix.bands[2].name.en: longer than 120 bytes (121)");
    /* a quoted key cut at a character boundary: 13 three-byte characters fit in 40 bytes */
    char key[128] = "lec.bands[0].";
    for (int i = 0; i < 20; i++) strcat(key, "风");
    expect(key, "1", AJ_EINVAL, "$.lec.bands[0]: unknown key \"风风风风风风风风风风风风风...\"");
}

static void test_raw_texts(void **state) {
    char err[600];
    aj_risk_bands b;
    assert_int_equal(parse_text("not json", err, sizeof err, &b), AJ_EJSON);
    assert_string_equal(err, "malformed JSON at line 1, column 3: '[' or '{' expected near 'not'");
    assert_int_equal(parse_text("", err, sizeof err, &b), AJ_EJSON);
    char deep[400] = ""; /* 40 x 5 bytes */
    for (int i = 0; i < 40; i++) strcat(deep, "{\"a\":");
    assert_int_equal(parse_text(deep, err, sizeof err, &b), AJ_EJSON);
    assert_string_equal(err, "JSON nested deeper than 32 levels");
    assert_int_equal(parse_text("{\"lec\": 1, \"lec\": 2}", err, sizeof err, &b), AJ_EJSON);
    assert_int_equal(parse_text("{\"lec\": 1e400}", err, sizeof err, &b), AJ_EJSON);
    /* len counts, not NUL */
    assert_int_equal(aj_risk_bands_parse(BASE, 10, &b, err, sizeof err), AJ_EJSON);
}

static void test_error_buffers(void **state) {
    char *text = edited("lec.bands", "[]");
    aj_risk_bands b;
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(parse_text(text, small, sizeof small, &b), AJ_EINVAL);
    assert_string_equal(small, "$.lec.b");
    assert_int_equal(parse_text(text, NULL, 0, &b), AJ_EINVAL);
    free(text);
    char err[64] = "stale";
    text = edited(NULL, NULL);
    assert_int_equal(parse_text(text, err, sizeof err, &b), AJ_OK);
    assert_string_equal(err, "");
    free(text);
}

static void test_load_files(void **state) {
    char err[700];
    aj_risk_bands b;
    assert_int_equal(aj_risk_bands_load("/nonexistent/assessment.json", &b, err, sizeof err), AJ_EIO);
    assert_string_equal(err, "/nonexistent/assessment.json: cannot read: No such file or directory");
    char path[] = "/tmp/aj-risk-bands-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *text = edited("lec.bands[2].above", "80");
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    assert_int_equal(aj_risk_bands_load(path, &b, err, sizeof err), AJ_EINVAL);
    char want[700];
    snprintf(want, sizeof want, "%s: $.lec.bands[2].above: 80 leaves a gap after bands[1] (which ends at 70)",
             path);
    assert_string_equal(err, want);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (unsigned i = 0; i <= AJ_RISK_BANDS_FILE_MAX / 1024; i++) {
        char block[1024];
        memset(block, ' ', sizeof block);
        assert_int_equal(fwrite(block, 1, sizeof block, f), sizeof block);
    }
    fclose(f);
    assert_int_equal(aj_risk_bands_load(path, &b, err, sizeof err), AJ_ETOOBIG);
    snprintf(want, sizeof want, "%s: larger than %u bytes", path, AJ_RISK_BANDS_FILE_MAX);
    assert_string_equal(err, want);
    unlink(path);
}

/* The invariant checker refuses what the parser never makes. */
static void test_bands_ok(void **state) {
    aj_risk_bands good = load_default(), b;
    assert_false(aj_risk_bands_ok(NULL));
    b = good;
    b.lec.n_bands = 0;
    assert_false(aj_risk_bands_ok(&b));
    b = good;
    b.lec.bands[4].has_max = true, b.lec.bands[4].max = 1e6;
    assert_false(aj_risk_bands_ok(&b)); /* the last LEC band is open */
    b = good;
    b.lec.bands[2].above = 71;
    assert_false(aj_risk_bands_ok(&b)); /* gap */
    b = good;
    b.matrix.bands[3].max = 24;
    assert_false(aj_risk_bands_ok(&b));
    b = good;
    b.matrix.bands[1].level = AJ_RISK_NONE;
    assert_false(aj_risk_bands_ok(&b));
    b = good;
    b.matrix.bands[3].level = AJ_RISK_LOW;
    assert_false(aj_risk_bands_ok(&b)); /* falls */
    b = good;
    strcpy(b.matrix.bands[1].code, "r1_5");
    assert_false(aj_risk_bands_ok(&b));
    b = good;
    b.lec.bands[0].name_zh[0] = 0;
    assert_false(aj_risk_bands_ok(&b));
    b = good;
    assert_true(aj_risk_bands_ok(&b));
}

/* ---- the fuzz corpus: every input parses or fails cleanly ------------------------------ */

/* One corpus file: it parses into bands that pass their checker, or is refused with a
 * message. */
static bool replay_bands(const char *name, const char *bytes, size_t len, void *ctx) {
    (void)name, (void)ctx;
    aj_risk_bands b;
    char err[600] = "";
    aj_err e = aj_risk_bands_parse(bytes, len, &b, err, sizeof err);
    if (e == AJ_OK) {
        assert_true(aj_risk_bands_ok(&b));
        return true;
    }
    assert_true(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
    assert_true(err[0] != 0);
    return false;
}

static void test_fuzz_corpus(void **state) {
    (void)state;
    int n_valid = 0;
    int n_files = aj_test_corpus_each(__FILE__, "../fuzz/corpus/risk_data", AJ_MH_TABLE_FILE_MAX,
                                      replay_bands, NULL, &n_valid);
    if (n_files < 0) skip();
    assert_true(n_files > 0 && n_valid > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),          cmocka_unit_test(test_default_file),
        cmocka_unit_test(test_lec_edges),       cmocka_unit_test(test_lec_products_on_edges),
        cmocka_unit_test(test_lec_all_factors), cmocka_unit_test(test_lec_invalid),
        cmocka_unit_test(test_matrix_cells),    cmocka_unit_test(test_matrix_invalid),
        cmocka_unit_test(test_highest),         cmocka_unit_test(test_base_and_variants),
        cmocka_unit_test(test_invalid),         cmocka_unit_test(test_limits),
        cmocka_unit_test(test_raw_texts),       cmocka_unit_test(test_error_buffers),
        cmocka_unit_test(test_load_files),      cmocka_unit_test(test_bands_ok),
        cmocka_unit_test(test_fuzz_corpus),
    };
    return cmocka_run_group_tests_name("risk_assess", tests, NULL, NULL);
}
