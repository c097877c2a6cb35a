/* test_risk_major_hazard.c — GB 18218-2018 major hazard sources (src/risk/major_hazard.c,
 * data/risk/gb18218.json, docs/risk.md).
 *
 * The shipped table must hold what the standard says (the values checked here are the
 * ones docs/risk.md lists); lookups by code, CAS number, name and alias. Then worked
 * examples computed by hand in the comments, every alpha band edge, the S and R
 * thresholds exactly and within the tolerance, invalid units, and the loader: a table of
 * one edit each to a small valid table (BASE) with the exact error, limits, raw texts,
 * files and a replay of the fuzz corpus (tests/fuzz/corpus/risk_data/).
 */
#include "base/limits.h"
#include "risk/major_hazard.h"

#include <jansson.h>
#include <limits.h>
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

static void source_path(char *out, size_t size, const char *rel) {
    aj_test_source_path(out, size, __FILE__, rel);
}

static aj_mh_table *load_real(void) {
    char path[1024], err[600];
    source_path(path, sizeof path, "../../data/risk/gb18218.json");
    aj_mh_table *t = NULL;
    aj_err e = aj_mh_table_load(path, &t, err, sizeof err);
    if (e) fail_msg("%s", err);
    assert_true(aj_mh_table_ok(t));
    return t;
}

static int sub(const aj_mh_table *t, const char *key) {
    int i = aj_mh_substance_find(t, key);
    if (i < 0) fail_msg("no substance %s", key);
    return i;
}

static int cat(const aj_mh_table *t, const char *code) {
    int i = aj_mh_category_find(t, code);
    if (i < 0) fail_msg("no category %s", code);
    return i;
}

/* An item of a Table 1 substance (with the table's category) or of a category. */
static aj_mh_item item_of(const aj_mh_table *t, const char *substance, double q_t) {
    return (aj_mh_item){.substance = sub(t, substance), .category = -1, .q_t = q_t};
}

static aj_mh_item item_by_category(const aj_mh_table *t, const char *category, double q_t) {
    return (aj_mh_item){.substance = -1, .category = cat(t, category), .q_t = q_t};
}

static void assess_ok(const aj_mh_table *t, const aj_mh_item *items, int n, int people, aj_mh_result *r) {
    char err[300] = "stale";
    aj_err e = aj_mh_assess(t, items, n, people, r, err, sizeof err);
    if (e) fail_msg("%s", err);
    assert_string_equal(err, "");
    assert_int_equal(r->n_items, n);
}

static void assert_near_at(double a, double b, int line) {
    if (!(fabs(a - b) < 1e-9 * (1 + fabs(b)))) fail_msg("line %d: %.17g, want %.17g", line, a, b);
}
#define assert_near(a, b) assert_near_at((a), (b), __LINE__)

/* ---- the shipped table ---------------------------------------------------------------- */

static void test_real_categories(void **state) {
    aj_mh_table *t = load_real();
    /* Table 2 (critical quantity) and Table 4 (beta) */
    static const struct {
        const char *code;
        double q_t, beta;
    } rows[] = {
        {"J1", 5, 4},      {"J2", 50, 1},     {"J3", 50, 2},     {"J4", 50, 2},     {"J5", 500, 1},
        {"W1.1", 1, 2},    {"W1.2", 10, 2},   {"W1.3", 50, 2},   {"W2", 10, 1.5},   {"W3", 150, 1},
        {"W4", 50, 1},     {"W5.1", 10, 1.5}, {"W5.2", 50, 1},   {"W5.3", 1000, 1}, {"W5.4", 5000, 1},
        {"W6.1", 10, 1.5}, {"W6.2", 50, 1},   {"W7.1", 10, 1.5}, {"W7.2", 50, 1},   {"W8", 50, 1},
        {"W9.1", 50, 1},   {"W9.2", 200, 1},  {"W10", 200, 1},   {"W11", 200, 1},
    };
    assert_string_equal(t->standard, "GB 18218-2018");
    assert_int_equal(t->n_categories, (int)(sizeof rows / sizeof rows[0]));
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const aj_mh_category *c = &t->categories[cat(t, rows[i].code)];
        assert_int_equal(cat(t, rows[i].code), (int)i);
        if (c->critical_t != rows[i].q_t || c->beta != rows[i].beta)
            fail_msg("%s: Q %g beta %g", c->code, c->critical_t, c->beta);
    }
    assert_int_equal(aj_mh_category_find(t, "w5.3"), -1);
    assert_int_equal(aj_mh_category_find(t, "W12"), -1);
    aj_mh_table_free(t);
}

static void test_real_substances(void **state) {
    aj_mh_table *t = load_real();
    /* Table 1 critical quantities; beta of Table 3 (class NULL) or the class (Table 4) */
    static const struct {
        const char *code, *zh, *cas;
        double q_t, beta;
        const char *class;
    } rows[] = {
        {"ammonia", "氨", "7664-41-7", 10, 2, NULL},
        {"chlorine", "氯", "7782-50-5", 5, 4, NULL},
        {"hydrogen_sulfide", "硫化氢", "7783-06-4", 5, 5, NULL},
        {"hydrogen_fluoride", "氟化氢", "7664-39-3", 1, 5, NULL},
        {"phosgene", "碳酰氯", "75-44-5", 0.3, 20, NULL},
        {"phosphine", "磷化氢", "7803-51-2", 1, 20, NULL},
        {"methyl_isocyanate", "异氰酸甲酯", "624-83-9", 0.75, 20, NULL},
        {"nitrogen_dioxide", "二氧化氮", "10102-44-0", 1, 10, NULL},
        {"hydrogen_cyanide", "氰化氢", "74-90-8", 1, 10, NULL},
        {"hydrogen_chloride", "氯化氢（无水）", "7647-01-0", 20, 3, NULL},
        {"methyl_bromide", "溴甲烷", "74-83-9", 10, 3, NULL},
        {"sulfur_dioxide", "二氧化硫", "7446-09-5", 20, 2, NULL},
        {"ethylene_oxide", "环氧乙烷", "75-21-8", 10, 2, NULL},
        {"coal_gas", "煤气（CO，CO和H2、CH4的混合物等）", "630-08-0", 20, 2, NULL},
        {"hydrogen", "氢", "1333-74-0", 5, 1.5, "W2"},
        {"methane", "甲烷，天然气", "74-82-8", 50, 1.5, "W2"},
        {"lpg", "液化石油气（含丙烷、丁烷及其混合物）", "68476-85-7", 50, 1.5, "W2"},
        {"ethylene", "乙烯", "74-85-1", 50, 1.5, "W2"},
        {"vinyl_chloride", "氯乙烯", "75-01-4", 50, 1.5, "W2"},
        {"acetylene", "乙炔", "74-86-2", 1, 1.5, "W2"},
        {"methanol", "甲醇", "67-56-1", 500, 1, "W5.3"},
        {"toluene", "甲苯", "108-88-3", 500, 1, "W5.3"},
        {"benzene", "苯", "71-43-2", 50, 1, "W5.3"},
        {"acetone", "丙酮", "67-64-1", 500, 1, "W5.3"},
        {"acrylonitrile", "2-丙烯腈", "107-13-1", 50, 1, "W5.3"},
        {"styrene", "苯乙烯", "100-42-5", 500, 1, "W5.4"},
        {"diethyl_ether", "乙醚", "60-29-7", 10, 1.5, "W5.1"},
        {"formaldehyde", "甲醛（含量>90%）", "50-00-0", 5, 2, "J3"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int k = sub(t, rows[i].code);
        const aj_mh_substance *s = &t->substances[k];
        assert_string_equal(s->name.zh, rows[i].zh);
        assert_int_equal(aj_mh_substance_find(t, rows[i].zh), k);
        assert_int_equal(aj_mh_substance_find(t, rows[i].cas), k);
        if (s->critical_t != rows[i].q_t) fail_msg("%s: Q %g", s->code, s->critical_t);
        if (rows[i].class) {
            assert_int_equal(s->category, cat(t, rows[i].class));
            assert_true(s->beta == 0 && t->categories[s->category].beta == rows[i].beta);
        } else {
            assert_int_equal(s->category, -1);
            assert_true(s->beta == rows[i].beta);
        }
        assert_non_null(strstr(s->source, "Table 1"));
    }
    /* every Table 3 beta is on its substance, and only those */
    int n_table3 = 0;
    for (int i = 0; i < t->n_substances; i++) n_table3 += t->substances[i].category < 0;
    assert_int_equal(n_table3, 14);
    printf("GB 18218-2018 table: %d substances, %d categories\n", t->n_substances, t->n_categories);
    aj_mh_table_free(t);
}

static void test_lookup(void **state) {
    aj_mh_table *t = load_real();
    int ammonia = sub(t, "ammonia"), lpg = sub(t, "lpg"), coal_gas = sub(t, "coal_gas");
    assert_int_equal(aj_mh_substance_find(t, "7664-41-7"), ammonia);
    assert_int_equal(aj_mh_substance_find(t, "氨"), ammonia);
    assert_int_equal(aj_mh_substance_find(t, "液氨"), ammonia);
    assert_int_equal(aj_mh_substance_find(t, "氨气"), ammonia);
    /* propane and butane are in the LPG row; CO in the coal gas row */
    assert_int_equal(aj_mh_substance_find(t, "丙烷"), lpg);
    assert_int_equal(aj_mh_substance_find(t, "74-98-6"), lpg);
    assert_int_equal(aj_mh_substance_find(t, "106-97-8"), lpg);
    assert_int_equal(aj_mh_substance_find(t, "一氧化碳"), coal_gas);
    assert_int_equal(aj_mh_substance_find(t, "630-08-0"), coal_gas);
    assert_int_equal(aj_mh_substance_find(t, "天然气"), sub(t, "methane"));
    assert_int_equal(aj_mh_substance_find(t, "8006-14-2"), sub(t, "methane"));
    assert_int_equal(aj_mh_substance_find(t, "光气"), sub(t, "phosgene"));
    /* not in Table 1: assessed by category */
    assert_int_equal(aj_mh_substance_find(t, "丙烯"), -1);
    assert_int_equal(aj_mh_substance_find(t, "115-07-1"), -1);
    /* exact and case-sensitive */
    assert_int_equal(aj_mh_substance_find(t, "Ammonia"), -1);
    assert_int_equal(aj_mh_substance_find(t, "ammonia "), -1);
    assert_int_equal(aj_mh_substance_find(t, ""), -1);
    assert_int_equal(aj_mh_substance_find(t, "W2"), -1);
    aj_mh_table_free(t);
}

/* ---- alpha, levels, thresholds -------------------------------------------------------- */

static void test_alpha_edges(void **state) {
    static const struct {
        int people;
        double alpha;
    } rows[] = {{0, 0.5},  {1, 1.0},  {29, 1.0},  {30, 1.2},     {49, 1.2},
                {50, 1.5}, {99, 1.5}, {100, 2.0}, {101, 2.0},    {AJ_MH_PEOPLE_MAX, 2.0},
                {15, 1.0}, {40, 1.2}, {75, 1.5},  {INT_MAX, 2.0}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (aj_mh_alpha(rows[i].people) != rows[i].alpha)
            fail_msg("%d people: alpha %g, want %g", rows[i].people, aj_mh_alpha(rows[i].people),
                     rows[i].alpha);
}

static void test_level_edges(void **state) {
    const struct { /* not static: nextafter is no constant expression for every compiler */
        double r;
        int level;
    } rows[] = {
        {1000, 1},
        {100, 1},
        {99.9999, 2},
        {99.99999, 2},
        {50, 2},
        {49.9999, 3},
        {10, 3},
        {9.9999, 4},
        {0, 4},
        {-1, 4},
        {150, 1},
        {75, 2},
        {25, 3},
        {5, 4},
        /* within AJ_MH_TOLERANCE of a threshold counts as on it */
        {nextafter(100, 0), 1},
        {100 * (1 - 0.5e-9), 1},
        {nextafter(50, 0), 2},
        {nextafter(10, 0), 3},
        {100 * (1 - 2e-9), 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (aj_mh_level_of(rows[i].r) != rows[i].level)
            fail_msg("R %.17g: level %d, want %d", rows[i].r, aj_mh_level_of(rows[i].r), rows[i].level);
}

static void test_approaches(void **state) {
    assert_false(aj_mh_approaches_major(0.8, 0.9));
    assert_true(aj_mh_approaches_major(0.9, 0.9));
    assert_true(aj_mh_approaches_major(0.95, 0.9));
    assert_true(aj_mh_approaches_major(0.999, 0.9));
    assert_false(aj_mh_approaches_major(1, 0.9)); /* major already */
    assert_false(aj_mh_approaches_major(1.4, 0.9));
    assert_false(aj_mh_approaches_major(nextafter(1, 0), 0.9)); /* 1 within the tolerance */
    assert_true(aj_mh_approaches_major(0.8, 0.8));
    assert_true(aj_mh_approaches_major(0.7 + 0.1, 0.8)); /* 0.7999999999999999 */
    assert_false(aj_mh_approaches_major(0, 0.5));
}

/* ---- worked examples ------------------------------------------------------------------ */

/* A tank farm: 8 t ammonia (Q 10, beta 2) and 3 t chlorine (Q 5, beta 4); 120 people
 * within 500 m, so alpha 2.0.
 *   S = 8/10 + 3/5 = 0.8 + 0.6 = 1.4                  >= 1: a major hazard source
 *   R = 2.0 x (2 x 0.8 + 4 x 0.6) = 2.0 x 4.0 = 8.0    < 10: level 4 */
static void test_example_tank_farm(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "ammonia", 8), item_of(t, "chlorine", 3)};
    aj_mh_result r;
    assess_ok(t, items, 2, 120, &r);
    assert_near(r.s, 1.4);
    assert_true(r.alpha == 2.0);
    assert_near(r.r, 8.0);
    assert_true(r.is_major);
    assert_int_equal(r.level, 4);
    assert_int_equal(r.r_level, 4);
    assert_near(r.items[0].ratio, 0.8);
    assert_true(r.items[0].beta == 2 && r.items[0].critical_t == 10 && r.items[0].category == -1);
    assert_near(r.items[1].ratio, 0.6);
    assert_true(r.items[1].beta == 4 && r.items[1].critical_t == 5 && r.items[1].q_t == 3);
    aj_mh_table_free(t);
}

/* Level 1: 3 t phosgene (Q 0.3, beta 20), 10 people (alpha 1.0).
 *   S = 3 / 0.3 = 10;  R = 1.0 x 20 x 10 = 200 >= 100: level 1 */
static void test_example_level1(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "光气", 3)};
    aj_mh_result r;
    assess_ok(t, items, 1, 10, &r);
    assert_near(r.s, 10);
    assert_near(r.r, 200);
    assert_int_equal(r.level, 1);
    aj_mh_table_free(t);
}

/* R = 100 exactly: 50 t chlorine (50/5 = 10, x 4 = 40) and 10 t hydrogen sulfide (10/5 =
 * 2, x 5 = 10), 150 people (alpha 2.0).  S = 12;  R = 2.0 x 50 = 100: level 1 (the edge
 * belongs to level 1). With 99 people (alpha 1.5): R = 75, level 2. */
static void test_example_r100(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "chlorine", 50), item_of(t, "7783-06-4", 10)};
    aj_mh_result r;
    assess_ok(t, items, 2, 150, &r);
    assert_near(r.s, 12);
    assert_true(r.r == 100);
    assert_int_equal(r.level, 1);
    assess_ok(t, items, 2, 99, &r);
    assert_true(r.r == 75);
    assert_int_equal(r.level, 2);
    aj_mh_table_free(t);
}

/* Level 2: 1000 t LPG (1000/50 = 20, beta 1.5 of W2: 30) and 5000 t methanol (5000/500 =
 * 10, beta 1 of W5.3: 10), 60 people (alpha 1.5).  S = 30;  R = 1.5 x 40 = 60: level 2. */
static void test_example_level2(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "液化石油气", 1000), item_of(t, "methanol", 5000)};
    aj_mh_result r;
    assess_ok(t, items, 2, 60, &r);
    assert_near(r.s, 30);
    assert_near(r.r, 60);
    assert_int_equal(r.level, 2);
    assert_int_equal(r.items[0].category, cat(t, "W2"));
    assert_true(r.items[0].beta == 1.5);
    assert_int_equal(r.items[1].category, cat(t, "W5.3"));
    aj_mh_table_free(t);
}

/* R = 50 exactly: 125 t ammonia (12.5 x 2 = 25), 100 people (alpha 2.0): R = 50, level 2.
 * 124.9 t: 12.49 x 2 x 2.0 = 49.96, level 3. */
static void test_example_r50(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "ammonia", 125)};
    aj_mh_result r;
    assess_ok(t, items, 1, 100, &r);
    assert_true(r.r == 50);
    assert_int_equal(r.level, 2);
    items[0].q_t = 124.9;
    assess_ok(t, items, 1, 100, &r);
    assert_near(r.r, 49.96);
    assert_int_equal(r.level, 3);
    aj_mh_table_free(t);
}

/* Level 3 at its lower edge: 2500 t toluene (5, beta 1) and 250 t benzene (5, beta 1), 29
 * people (alpha 1.0): S = 10, R = 10: level 3. Nobody around (alpha 0.5): R = 5, level 4.
 * Inside level 3: 20 t hydrogen (4 x 1.5 = 6) and 20 t ammonia (2 x 2 = 4), 35 people
 * (alpha 1.2): S = 6, R = 1.2 x 10 = 12: level 3. */
static void test_example_level3(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "toluene", 2500), item_of(t, "benzene", 250)};
    aj_mh_result r;
    assess_ok(t, items, 2, 29, &r);
    assert_true(r.s == 10 && r.r == 10);
    assert_int_equal(r.level, 3);
    assess_ok(t, items, 2, 0, &r);
    assert_true(r.alpha == 0.5 && r.r == 5);
    assert_int_equal(r.level, 4);
    aj_mh_item mixed[] = {item_of(t, "氢气", 20), item_of(t, "ammonia", 20)};
    assess_ok(t, mixed, 2, 35, &r);
    assert_near(r.s, 6);
    assert_near(r.r, 12);
    assert_int_equal(r.level, 3);
    aj_mh_table_free(t);
}

/* S = 1 exactly: 5 t ammonia (0.5) and 2.5 t chlorine (0.5): S = 1, major; R = 1.0 x (2 x
 * 0.5 + 4 x 0.5) = 3, level 4. And S = 0.7 + 0.2 + 0.1 (350 t methanol, 2 t ammonia,
 * 0.5 t chlorine), which binary arithmetic makes 0.9999999999999999: still 1, major. Just
 * below: 349 t methanol gives S = 0.998, not major, level 0. */
static void test_example_s_exactly_one(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "ammonia", 5), item_of(t, "chlorine", 2.5)};
    aj_mh_result r;
    assess_ok(t, items, 2, 1, &r);
    assert_true(r.s == 1);
    assert_true(r.is_major);
    assert_near(r.r, 3);
    assert_int_equal(r.level, 4);
    aj_mh_item sum[] = {item_of(t, "methanol", 350), item_of(t, "ammonia", 2), item_of(t, "chlorine", 0.5)};
    assess_ok(t, sum, 3, 1, &r);
    assert_true(r.s < 1); /* 0.9999999999999999 */
    assert_true(r.is_major);
    assert_int_equal(r.level, 4);
    sum[0].q_t = 349;
    assess_ok(t, sum, 3, 1, &r);
    assert_near(r.s, 0.998);
    assert_false(r.is_major);
    assert_int_equal(r.level, 0);
    assert_true(aj_mh_approaches_major(r.s, 0.9));
    aj_mh_table_free(t);
}

/* Not major: 400 t methanol, S = 0.8. R is still computed (alpha 1.0 x 0.8 = 0.8, which
 * would be level 4), but the unit has no level. */
static void test_example_not_major(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "甲醇", 400)};
    aj_mh_result r;
    assess_ok(t, items, 1, 5, &r);
    assert_near(r.s, 0.8);
    assert_near(r.r, 0.8);
    assert_false(r.is_major);
    assert_int_equal(r.r_level, 4);
    assert_int_equal(r.level, 0);
    assert_false(aj_mh_approaches_major(r.s, 0.9));
    assert_true(aj_mh_approaches_major(r.s, 0.75));
    aj_mh_table_free(t);
}

/* Categories: 20 t propylene, not in Table 1, is a flammable gas (W2: Q 10, beta 1.5):
 * S = 2, R = 1.0 x 1.5 x 2 = 3. Methanol kept above its boiling point is W5.1 for beta
 * (1.5) but keeps Q 500 of Table 1: 1000 t gives S = 2, R = 1.0 x 1.5 x 2 = 3 (R = 2
 * with the table's W5.3). */
static void test_example_categories(void **state) {
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_by_category(t, "W2", 20)};
    aj_mh_result r;
    assess_ok(t, items, 1, 5, &r);
    assert_near(r.s, 2);
    assert_near(r.r, 3);
    assert_true(r.items[0].critical_t == 10 && r.items[0].beta == 1.5);
    assert_int_equal(r.items[0].category, cat(t, "W2"));
    aj_mh_item hot = {.substance = sub(t, "methanol"), .category = cat(t, "W5.1"), .q_t = 1000};
    assess_ok(t, &hot, 1, 5, &r);
    assert_near(r.s, 2);
    assert_near(r.r, 3);
    assert_true(r.items[0].critical_t == 500 && r.items[0].beta == 1.5);
    hot.category = -1;
    assess_ok(t, &hot, 1, 5, &r);
    assert_near(r.r, 2);
    /* the same substance in two tanks counts twice */
    aj_mh_item tanks[] = {item_of(t, "ammonia", 6), item_of(t, "ammonia", 6)};
    assess_ok(t, tanks, 2, 0, &r);
    assert_near(r.s, 1.2);
    assert_true(r.is_major);
    aj_mh_table_free(t);
}

static void test_level_change(void **state) {
    aj_mh_result none = {.level = 0}, l4 = {.level = 4}, l3 = {.level = 3}, l1 = {.level = 1};
    assert_int_equal(aj_mh_level_change(&l4, &l4), 0);
    assert_int_equal(aj_mh_level_change(&none, &none), 0);
    assert_int_equal(aj_mh_level_change(&l4, &l3), 1);
    assert_int_equal(aj_mh_level_change(&l3, &l4), -1);
    assert_int_equal(aj_mh_level_change(&none, &l4), 1);
    assert_int_equal(aj_mh_level_change(&l1, &none), -4);
    assert_int_equal(aj_mh_level_change(&l4, &l1), 3);
    /* from assessments: filling the tank farm from 8 t to 130 t ammonia (3 t chlorine):
     * R = 2.0 x (2 x 13 + 4 x 0.6) = 56.8, level 2, two steps up from level 4 */
    aj_mh_table *t = load_real();
    aj_mh_item items[] = {item_of(t, "ammonia", 8), item_of(t, "chlorine", 3)};
    aj_mh_result before, after;
    assess_ok(t, items, 2, 120, &before);
    items[0].q_t = 130;
    assess_ok(t, items, 2, 120, &after);
    assert_near(after.r, 56.8);
    assert_int_equal(after.level, 2);
    assert_int_equal(aj_mh_level_change(&before, &after), 2);
    aj_mh_table_free(t);
}

static void test_assess_invalid(void **state) {
    aj_mh_table *t = load_real();
    int ammonia = sub(t, "ammonia"), methanol = sub(t, "methanol");
    static aj_mh_item many[AJ_MH_UNIT_ITEMS_MAX + 1];
    for (int i = 0; i <= AJ_MH_UNIT_ITEMS_MAX; i++) many[i] = (aj_mh_item){ammonia, -1, 1};
    aj_mh_result r;
    char err[300];
    assert_int_equal(aj_mh_assess(t, many, AJ_MH_UNIT_ITEMS_MAX, 0, &r, err, sizeof err), AJ_OK);
    assert_near(r.s, AJ_MH_UNIT_ITEMS_MAX / 10.0);
    assert_int_equal(aj_mh_assess(t, many, AJ_MH_UNIT_ITEMS_MAX + 1, 0, &r, err, sizeof err), AJ_ETOOBIG);
    assert_string_equal(err, "items: 129 items (a unit has 1 to 128)");
    assert_int_equal(aj_mh_assess(t, many, 0, 0, &r, err, sizeof err), AJ_EINVAL);
    assert_string_equal(err, "items: 0 items (a unit has 1 to 128)");
    assert_int_equal(aj_mh_assess(t, many, 1, -1, &r, err, sizeof err), AJ_EINVAL);
    assert_string_equal(err, "people_500m: must be from 0 to 10000000, not -1");
    assert_int_equal(aj_mh_assess(t, many, 1, AJ_MH_PEOPLE_MAX + 1, &r, err, sizeof err), AJ_EINVAL);
    static const struct {
        aj_mh_item item;
        const char *message;
    } rows[] = {
        {{999, -1, 1}, "items[1].substance: no substance 999 (the table has 41)"},
        {{-2, -1, 1}, "items[1].substance: no substance -2 (the table has 41)"},
        {{-1, 24, 1}, "items[1].category: no category 24 (the table has 24)"},
        {{-1, -1, 1}, "items[1]: names neither a substance nor a category"},
        {{0, 0, 1}, "items[1].category: ammonia takes beta from Table 3; a category does not apply"},
        {{0, -1, -1}, "items[1].q_t: must be from 0 to 1e+07 t, not -1"},
        {{0, -1, NAN}, "items[1].q_t: must be from 0 to 1e+07 t, not nan"},
        {{0, -1, INFINITY}, "items[1].q_t: must be from 0 to 1e+07 t, not inf"},
        {{0, -1, 1e7 + 1}, "items[1].q_t: must be from 0 to 1e+07 t, not 10000001"},
        {{0, -1, -0.1}, "items[1].q_t: must be from 0 to 1e+07 t, not -0.1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_mh_item items[2] = {{methanol, -1, 100}, rows[i].item};
        memset(&r, 0x55, sizeof r);
        assert_int_equal(aj_mh_assess(t, items, 2, 10, &r, err, sizeof err), AJ_EINVAL);
        assert_string_equal(err, rows[i].message);
        assert_int_equal(r.n_items, 0);
        assert_true(r.s == 0 && r.r == 0 && !r.is_major && r.level == 0);
    }
    /* q 0 and the limit itself are fine; a short or missing buffer too */
    aj_mh_item edge[] = {{ammonia, -1, 0}, {methanol, -1, AJ_MH_QUANTITY_T_MAX}};
    assert_int_equal(aj_mh_assess(t, edge, 2, 0, &r, NULL, 0), AJ_OK);
    assert_near(r.s, AJ_MH_QUANTITY_T_MAX / 500);
    char small[6];
    assert_int_equal(aj_mh_assess(t, many, 0, 0, &r, small, sizeof small), AJ_EINVAL);
    assert_string_equal(small, "items");
    assert_int_equal(aj_mh_assess(t, many, 0, 0, &r, NULL, 0), AJ_EINVAL);
    aj_mh_table_free(t);
}

/* ---- a small valid table and edits of it ------------------------------------------------ */

static const char BASE[] =
    "{\"format\": \"anjian-major-hazard-table\", \"version\": 1, \"standard\": \"GB 18218-2018\","
    " \"categories\": ["
    "  {\"code\": \"J1\", \"name\": {\"en\": \"Acute toxicity 1, gas\", \"zh\": \"急性毒性 类别1 气体\"},"
    "   \"critical_t\": 5, \"beta\": 4, \"source\": \"Table 2\"},"
    "  {\"code\": \"W2\", \"name\": {\"en\": \"Flammable gas\", \"zh\": \"易燃气体\"},"
    "   \"critical_t\": 10, \"beta\": 1.5, \"source\": \"Table 2\"}],"
    " \"substances\": ["
    "  {\"code\": \"ammonia\", \"name\": {\"en\": \"Ammonia\", \"zh\": \"氨\"}, \"aliases\": [\"液氨\", "
    "\"氨气\"],"
    "   \"cas\": [\"7664-41-7\"], \"critical_t\": 10, \"beta\": 2, \"source\": \"Table 1\"},"
    "  {\"code\": \"hydrogen\", \"name\": {\"en\": \"Hydrogen\", \"zh\": \"氢\"}, \"aliases\": [\"氢气\"],"
    "   \"cas\": [\"1333-74-0\"], \"critical_t\": 5, \"class\": \"W2\", \"source\": \"Table 1\", \"note\": "
    "\"n\"}]}";

/* BASE with one edit (tests/unit/support/helpers.h), as text the caller frees. */
static char *edited(const char *path, const char *value) {
    return aj_test_json_edited(BASE, path, value);
}

static aj_err parse_text(const char *text, char *err, size_t errlen, aj_mh_table **out) {
    aj_err e = aj_mh_table_parse(text, strlen(text), out, err, errlen);
    if (e) assert_null(*out);
    return e;
}

static void test_base(void **state) {
    char err[600] = "stale";
    aj_mh_table *t = (aj_mh_table *)1;
    char *text = edited(NULL, NULL);
    assert_int_equal(parse_text(text, err, sizeof err, &t), AJ_OK);
    assert_string_equal(err, "");
    assert_int_equal(t->n_substances, 2);
    const aj_mh_substance *h = &t->substances[1];
    assert_int_equal(h->n_aliases, 1);
    assert_int_equal(h->n_cas, 1);
    assert_int_equal(h->category, 1);
    assert_true(h->beta == 0);
    assert_string_equal(h->note, "n");
    assert_null(t->substances[0].note);
    aj_mh_table_free(t);
    free(text);
    static const char *const ok_edits[][2] = {
        {"substances[0].aliases", "[]"},
        {"substances[0].aliases", NULL},
        {"substances[0].cas", "[\"7664-41-7\", \"74-98-6\"]"},
        {"substances[1].code", "\"W2\""}, /* substance and category codes are apart */
        {"categories[1].beta", "100"},
        {"categories[1].critical_t", "100000"},
        {"categories[1].critical_t", "0.001"},
        {"categories[1].beta", "0.001"},
        {"substances[0].critical_t", "0.3"},
    };
    for (size_t i = 0; i < sizeof ok_edits / sizeof ok_edits[0]; i++) {
        text = edited(ok_edits[i][0], ok_edits[i][1]);
        aj_err e = parse_text(text, err, sizeof err, &t);
        if (e) fail_msg("%s = %s: %s", ok_edits[i][0], ok_edits[i][1] ? ok_edits[i][1] : "(delete)", err);
        assert_true(aj_mh_table_ok(t));
        aj_mh_table_free(t);
        free(text);
    }
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
    {"substances", DEL, AJ_EINVAL, "$: missing key \"substances\""},
    {"format", "\"anjian-risk-bands\"", AJ_EINVAL,
     "$.format: must be \"anjian-major-hazard-table\", not \"anjian-risk-bands\""},
    {"version", "2", AJ_EINVAL, "$.version: unsupported version 2 (this build reads 1)"},
    {"standard", "\"\"", AJ_EINVAL, "$.standard: must not be empty"},
    {"standard", "18218", AJ_EINVAL, "$.standard: must be a string, not an integer"},
    /* categories */
    {"categories", "[]", AJ_EINVAL, "$.categories: must not be empty"},
    {"categories[0]", "\"J1\"", AJ_EINVAL, "$.categories[0]: must be an object, not a string"},
    {"categories[1].code", "\"J1\"", AJ_EINVAL, "$.categories[1].code: duplicate code \"J1\""},
    {"categories[0].code", "\"J 1\"", AJ_EINVAL,
     "$.categories[0].code: \"J 1\" is not a code (1 to 32 letters, digits, _ or .)"},
    {"categories[0].critical_t", "0", AJ_EINVAL,
     "$.categories[0].critical_t: must be from 0.001 to 100000 t, not 0"},
    {"categories[0].critical_t", "100000.5", AJ_EINVAL,
     "$.categories[0].critical_t: must be from 0.001 to 100000 t, not 100000.5"},
    {"categories[0].critical_t", "0.0009", AJ_EINVAL,
     "$.categories[0].critical_t: must be from 0.001 to 100000 t, not 0.0009"},
    {"categories[0].beta", "-1", AJ_EINVAL,
     "$.categories[0].beta: must be more than 0 and at most 100, not -1"},
    {"categories[0].beta", "\"4\"", AJ_EINVAL, "$.categories[0].beta: must be a number, not a string"},
    {"categories[0].source", DEL, AJ_EINVAL, "$.categories[0]: missing key \"source\""},
    {"categories[0].name.zh", "\"\"", AJ_EINVAL, "$.categories[0].name.zh: must not be empty"},
    {"categories[0].class", "\"J\"", AJ_EINVAL, "$.categories[0]: unknown key \"class\""},
    /* substances: keys */
    {"substances", "[]", AJ_EINVAL, "$.substances: must not be empty"},
    {"substances[0].formula", "\"NH3\"", AJ_EINVAL, "$.substances[0]: unknown key \"formula\""},
    {"substances[1].code", "\"ammonia\"", AJ_EINVAL,
     "$.substances[1].code: \"ammonia\" already names substances[0] (ammonia)"},
    {"substances[1].code", "\"h-2\"", AJ_EINVAL,
     "$.substances[1].code: \"h-2\" is not a code (1 to 32 letters, digits, _ or .)"},
    {"substances[1].name.zh", "\"氨\"", AJ_EINVAL,
     "$.substances[1].name.zh: \"氨\" already names substances[0] (ammonia)"},
    {"substances[1].name.zh", "\"液氨\"", AJ_EINVAL,
     "$.substances[1].name.zh: \"液氨\" already names substances[0] (ammonia)"},
    {"substances[1].aliases[0]", "\"液氨\"", AJ_EINVAL,
     "$.substances[1].aliases[0]: \"液氨\" already names substances[0] (ammonia)"},
    {"substances[1].aliases[0]", "\"ammonia\"", AJ_EINVAL,
     "$.substances[1].aliases[0]: \"ammonia\" already names substances[0] (ammonia)"},
    {"substances[0].aliases[1]", "\"液氨\"", AJ_EINVAL,
     "$.substances[0].aliases[1]: \"液氨\" already names substances[0] (ammonia)"},
    {"substances[0].aliases[0]", "\"氨\"", AJ_EINVAL,
     "$.substances[0].aliases[0]: \"氨\" already names substances[0] (ammonia)"},
    {"substances[0].aliases[0]", "\"\"", AJ_EINVAL, "$.substances[0].aliases[0]: must not be empty"},
    {"substances[0].aliases[0]", "null", AJ_EINVAL, "$.substances[0].aliases[0]: must be a string, not null"},
    {"substances[0].aliases", "\"液氨\"", AJ_EINVAL,
     "$.substances[0].aliases: must be an array, not a string"},
    {"substances[1].cas[0]", "\"7664-41-7\"", AJ_EINVAL,
     "$.substances[1].cas[0]: \"7664-41-7\" already names substances[0] (ammonia)"},
    {"substances[0].cas[0]", "\"7664-41-8\"", AJ_EINVAL,
     "$.substances[0].cas[0]: \"7664-41-8\" has a wrong check digit (7664-41-7?)"},
    {"substances[0].cas[0]", "\"7664417\"", AJ_EINVAL,
     "$.substances[0].cas[0]: \"7664417\" is not a CAS number (2-7 digits, 2 digits, 1 check digit)"},
    {"substances[0].cas[0]", "\"12345678-12-3\"", AJ_EINVAL,
     "$.substances[0].cas[0]: \"12345678-12-3\" is not a CAS number (2-7 digits, 2 digits, 1 check digit)"},
    {"substances[0].cas[0]", "\"7-41-7\"", AJ_EINVAL,
     "$.substances[0].cas[0]: \"7-41-7\" is not a CAS number (2-7 digits, 2 digits, 1 check digit)"},
    {"substances[0].cas[0]", "\"7664-41-7 \"", AJ_EINVAL,
     "$.substances[0].cas[0]: \"7664-41-7 \" is not a CAS number (2-7 digits, 2 digits, 1 check digit)"},
    {"substances[0].cas[0]", "7664", AJ_EINVAL, "$.substances[0].cas[0]: must be a string, not an integer"},
    /* substances: values */
    {"substances[0].critical_t", "-10", AJ_EINVAL,
     "$.substances[0].critical_t: must be from 0.001 to 100000 t, not -10"},
    {"substances[0].critical_t", DEL, AJ_EINVAL, "$.substances[0]: missing key \"critical_t\""},
    {"substances[0].beta", DEL, AJ_EINVAL, "$.substances[0]: missing key \"beta\" or \"class\""},
    {"substances[0].class", "\"J1\"", AJ_EINVAL,
     "$.substances[0]: both \"beta\" and \"class\" (beta comes from Table 3 or from the class)"},
    {"substances[1].class", "\"W5.3\"", AJ_EINVAL, "$.substances[1].class: unknown category \"W5.3\""},
    {"substances[1].class", "\"w2\"", AJ_EINVAL, "$.substances[1].class: unknown category \"w2\""},
    {"substances[0].beta", "0", AJ_EINVAL,
     "$.substances[0].beta: must be more than 0 and at most 100, not 0"},
    {"substances[0].beta", "100.25", AJ_EINVAL,
     "$.substances[0].beta: must be more than 0 and at most 100, not 100.25"},
    {"substances[1].note", "\"\"", AJ_EINVAL, "$.substances[1].note: must not be empty"},
    {"substances[1].source", "[]", AJ_EINVAL, "$.substances[1].source: must be a string, not an array"},
};

static void test_invalid(void **state) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        const bad_case *c = &BAD[i];
        char *text = c->path ? edited(c->path, c->value) : strdup(c->value);
        char err[600] = "";
        aj_mh_table *t = (aj_mh_table *)1;
        aj_err e = parse_text(text, err, sizeof err, &t);
        if (e != c->code || strcmp(err, c->message) != 0)
            fail_msg("case %zu (%s = %s):\n  want %s %s\n  got  %s %s", i, c->path ? c->path : "-",
                     c->value ? c->value : "(delete)", aj_err_name(c->code), c->message, aj_err_name(e), err);
        free(text);
    }
    printf("invalid tables: %zu cases\n", sizeof BAD / sizeof BAD[0]);
}

/* ---- limits, raw texts, buffers, files ------------------------------------------------- */

static void expect(const char *path, const char *value, aj_err code, const char *message) {
    char *text = edited(path, value);
    char err[600] = "";
    aj_mh_table *t = NULL;
    aj_err e = parse_text(text, err, sizeof err, &t);
    if (e != code || strcmp(err, message) != 0)
        fail_msg("%s:\n  want %s %s\n  got  %s %s", path, aj_err_name(code), message, aj_err_name(e), err);
    if (!e) {
        assert_true(aj_mh_table_ok(t));
        aj_mh_table_free(t);
    }
    free(text);
}

/* A JSON list of n items made by printf(fmt, i, i) (the caller frees it). */
static char *list_of(const char *fmt, int n) {
    char *out = malloc(300 * (size_t)n + 3), *p = out;
    assert_non_null(out);
    p += sprintf(p, "[");
    for (int i = 0; i < n; i++) {
        if (i) p += sprintf(p, ", ");
        p += sprintf(p, fmt, i, i);
    }
    sprintf(p, "]");
    return out;
}

static void test_limits(void **state) {
    static const char SUBSTANCE[] = "{\"code\": \"s%d\", \"name\": {\"en\": \"S\", \"zh\": \"物%d\"}, "
                                    "\"critical_t\": 1, \"beta\": 1, \"source\": \"T\"}";
    static const char CATEGORY[] = "{\"code\": \"C%d\", \"name\": {\"en\": \"C\", \"zh\": \"类%d\"}, "
                                   "\"critical_t\": 1, \"beta\": 1, \"source\": \"T\"}";
    char *l = list_of(SUBSTANCE, AJ_MH_SUBSTANCES_MAX);
    expect("substances", l, AJ_OK, "");
    free(l);
    l = list_of(SUBSTANCE, AJ_MH_SUBSTANCES_MAX + 1);
    expect("substances", l, AJ_ETOOBIG, "$.substances: too many substances (513; at most 512)");
    free(l);
    l = list_of(CATEGORY, AJ_MH_CATEGORIES_MAX + 1);
    expect("categories", l, AJ_ETOOBIG, "$.categories: too many categories (33; at most 32)");
    free(l);
    l = list_of("\"别名%d\"", AJ_MH_ALIASES_MAX);
    expect("substances[0].aliases", l, AJ_OK, "");
    free(l);
    l = list_of("\"别名%d\"", AJ_MH_ALIASES_MAX + 1);
    expect("substances[0].aliases", l, AJ_ETOOBIG,
           "$.substances[0].aliases: too many aliases (9; at most 8)");
    free(l);
    l = list_of("\"7664-41-7\"", AJ_MH_CAS_MAX + 1);
    expect("substances[0].cas", l, AJ_ETOOBIG, "$.substances[0].cas: too many CAS numbers (9; at most 8)");
    free(l);
    char s[1200];
    memset(s, 'n', sizeof s);
    s[0] = '"';
    s[AJ_MH_NAME_LEN_MAX + 1] = '"';
    s[AJ_MH_NAME_LEN_MAX + 2] = 0;
    expect("substances[0].name.en", s, AJ_OK, "");
    s[AJ_MH_NAME_LEN_MAX + 1] = 'n';
    s[AJ_MH_NAME_LEN_MAX + 2] = '"';
    s[AJ_MH_NAME_LEN_MAX + 3] = 0;
    expect("substances[0].name.en", s, AJ_ETOOBIG, "$.substances[0].name.en: longer than 200 bytes (201)");
    memset(s, 'n', sizeof s);
    s[0] = '"';
    s[AJ_MH_NOTE_LEN_MAX + 1] = '"';
    s[AJ_MH_NOTE_LEN_MAX + 2] = 0;
    expect("substances[1].note", s, AJ_OK, "");
    s[AJ_MH_NOTE_LEN_MAX + 1] = 'n';
    s[AJ_MH_NOTE_LEN_MAX + 2] = '"';
    s[AJ_MH_NOTE_LEN_MAX + 3] = 0;
    expect("substances[1].note", s, AJ_ETOOBIG, "$.substances[1].note: longer than 1000 bytes (1001)");
}

static void test_raw_texts_and_files(void **state) {
    char err[700];
    aj_mh_table *t = (aj_mh_table *)1;
    assert_int_equal(parse_text("not json", err, sizeof err, &t), AJ_EJSON);
    assert_string_equal(err, "malformed JSON at line 1, column 3: '[' or '{' expected near 'not'");
    assert_int_equal(parse_text("", err, sizeof err, &t), AJ_EJSON);
    assert_int_equal(aj_mh_table_parse(BASE, 20, &t, err, sizeof err), AJ_EJSON);
    assert_null(t);
    /* a short buffer is cut and terminated */
    char *text = edited("substances", "[]");
    char small[10];
    assert_int_equal(parse_text(text, small, sizeof small, &t), AJ_EINVAL);
    assert_string_equal(small, "$.substan");
    assert_int_equal(parse_text(text, NULL, 0, &t), AJ_EINVAL);
    free(text);
    /* files */
    assert_int_equal(aj_mh_table_load("/nonexistent/gb18218.json", &t, err, sizeof err), AJ_EIO);
    assert_null(t);
    assert_string_equal(err, "/nonexistent/gb18218.json: cannot read: No such file or directory");
    char path[] = "/tmp/aj-mh-table-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    text = edited("substances[0].cas[0]", "\"7664-41-8\"");
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    assert_int_equal(aj_mh_table_load(path, &t, err, sizeof err), AJ_EINVAL);
    char want[800];
    snprintf(want, sizeof want,
             "%s: $.substances[0].cas[0]: \"7664-41-8\" has a wrong check digit (7664-41-7?)", path);
    assert_string_equal(err, want);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (unsigned i = 0; i <= AJ_MH_TABLE_FILE_MAX / 1024; i++) {
        char block[1024];
        memset(block, ' ', sizeof block);
        assert_int_equal(fwrite(block, 1, sizeof block, f), sizeof block);
    }
    fclose(f);
    assert_int_equal(aj_mh_table_load(path, &t, err, sizeof err), AJ_ETOOBIG);
    unlink(path);
    aj_mh_table_free(NULL);
}

/* The invariant checker refuses what the parser never makes. */
static void test_table_ok(void **state) {
    aj_mh_table *t = load_real();
    assert_false(aj_mh_table_ok(NULL));
    aj_mh_substance *s = (aj_mh_substance *)&t->substances[0];
    double beta = s->beta;
    s->beta = 0; /* a Table 3 substance with neither beta nor class */
    assert_false(aj_mh_table_ok(t));
    s->beta = beta;
    s->category = 0; /* both */
    assert_false(aj_mh_table_ok(t));
    s->category = -1;
    const char *zh = s->name.zh;
    s->name.zh = t->substances[1].name.zh; /* a key of two substances */
    assert_false(aj_mh_table_ok(t));
    s->name.zh = zh;
    aj_mh_category *c = (aj_mh_category *)&t->categories[0];
    c->critical_t = 0;
    assert_false(aj_mh_table_ok(t));
    c->critical_t = 5;
    assert_true(aj_mh_table_ok(t));
    aj_mh_table_free(t);
}

/* ---- the fuzz corpus: every input parses or fails cleanly ------------------------------ */

/* One corpus file: it parses into a table that passes its checker, or is refused with a
 * message and no table. */
static bool replay_table(const char *name, const char *bytes, size_t len, void *ctx) {
    (void)name, (void)ctx;
    aj_mh_table *t = NULL;
    char err[600] = "";
    aj_err e = aj_mh_table_parse(bytes, len, &t, err, sizeof err);
    if (e == AJ_OK) {
        assert_true(aj_mh_table_ok(t));
    } else {
        assert_null(t);
        assert_true(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
        assert_true(err[0] != 0);
    }
    aj_mh_table_free(t);
    return e == AJ_OK;
}

static void test_fuzz_corpus(void **state) {
    (void)state;
    int n_valid = 0;
    int n_files = aj_test_corpus_each(__FILE__, "../fuzz/corpus/risk_data", AJ_MH_TABLE_FILE_MAX,
                                      replay_table, NULL, &n_valid);
    if (n_files < 0) skip();
    assert_true(n_files > 0 && n_valid > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_categories),
        cmocka_unit_test(test_real_substances),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_alpha_edges),
        cmocka_unit_test(test_level_edges),
        cmocka_unit_test(test_approaches),
        cmocka_unit_test(test_example_tank_farm),
        cmocka_unit_test(test_example_level1),
        cmocka_unit_test(test_example_r100),
        cmocka_unit_test(test_example_level2),
        cmocka_unit_test(test_example_r50),
        cmocka_unit_test(test_example_level3),
        cmocka_unit_test(test_example_s_exactly_one),
        cmocka_unit_test(test_example_not_major),
        cmocka_unit_test(test_example_categories),
        cmocka_unit_test(test_level_change),
        cmocka_unit_test(test_assess_invalid),
        cmocka_unit_test(test_base),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_raw_texts_and_files),
        cmocka_unit_test(test_table_ok),
        cmocka_unit_test(test_fuzz_corpus),
    };
    return cmocka_run_group_tests_name("risk_major_hazard", tests, NULL, NULL);
}
