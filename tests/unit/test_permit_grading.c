/* test_permit_grading.c — grading rules and limits of GB 30871-2022 (src/permit/grading*.c,
 * docs/permits.md).
 *
 * Tables: the hot-work grade of every place, the raise by holiday, night and wind (each
 * alone, combined, and special staying special), the night window at its edges, height
 * classes and lifting grades at every band boundary, gas verdicts at the exact limits,
 * the re-test pause and the validity limits of the real catalogue
 * (data/permits/gb30871.json), including temporary power inside the permit it serves.
 * Boundaries are tested on both sides with nextafter(), so "≤" and "<" cannot be
 * swapped without a failure.
 */
#include "permit/catalogue.h"
#include "permit/grading.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MIN_MS  60000LL
#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL
#define CN      480 /* Asia/Shanghai, minutes east of UTC */

/* UTC ms of local (UTC+8) 2026-05-04 (a Monday) + day days at hh:mm. */
static int64_t local(int day, int hh, int mm) {
    const int64_t may4_utc = 1777852800000LL; /* 2026-05-04T00:00:00Z */
    return may4_utc + day * DAY_MS + hh * HOUR_MS + mm * MIN_MS - CN * MIN_MS;
}

static double above(double x) {
    return nextafter(x, INFINITY);
}

static double below(double x) {
    return nextafter(x, -INFINITY);
}

/* ---- hot work: base grade of the place ---------------------------------------------------- */

static void test_hot_work_base(void **state) {
    /* every combination of (fire-explosion area, running equipment, tank-farm bund, pipe rack) */
    for (int m = 0; m < 16; m++) {
        aj_hot_work_place p = {.is_fire_explosion_area = m & 1,
                               .is_on_running_equipment = m & 2,
                               .is_in_tank_farm_bund = m & 4,
                               .is_on_pipe_rack = m & 8};
        aj_hot_work_grade want = AJ_HOT_WORK_GRADE2;
        if ((p.is_fire_explosion_area && p.is_on_running_equipment) || p.is_in_tank_farm_bund)
            want = AJ_HOT_WORK_SPECIAL;
        else if (p.is_fire_explosion_area || p.is_on_pipe_rack)
            want = AJ_HOT_WORK_GRADE1;
        assert_int_equal(aj_hot_work_base_grade(&p), want);
    }
    /* the same as named rows, so the table above cannot drift with the code */
    aj_hot_work_place running = {.is_fire_explosion_area = true, .is_on_running_equipment = true};
    aj_hot_work_place bund = {.is_in_tank_farm_bund = true};
    aj_hot_work_place area = {.is_fire_explosion_area = true};
    aj_hot_work_place rack = {.is_on_pipe_rack = true};
    aj_hot_work_place running_outside_area = {.is_on_running_equipment = true};
    aj_hot_work_place workshop = {0};
    assert_int_equal(aj_hot_work_base_grade(&running), AJ_HOT_WORK_SPECIAL);
    assert_int_equal(aj_hot_work_base_grade(&bund), AJ_HOT_WORK_SPECIAL);
    assert_int_equal(aj_hot_work_base_grade(&area), AJ_HOT_WORK_GRADE1);
    assert_int_equal(aj_hot_work_base_grade(&rack), AJ_HOT_WORK_GRADE1);
    assert_int_equal(aj_hot_work_base_grade(&running_outside_area), AJ_HOT_WORK_GRADE2);
    assert_int_equal(aj_hot_work_base_grade(&workshop), AJ_HOT_WORK_GRADE2);
}

/* ---- hot work: raising ----------------------------------------------------------------- */

typedef struct raise_row {
    const char *name;
    aj_hot_work_place place;
    bool is_holiday;
    int start_hh, end_hh; /* local hours, same day (end 24 = midnight) */
    bool is_outdoors;
    double wind_mps;
    aj_hot_work_grade base, grade;
    const char *described;
} raise_row;

#define SPECIAL_PLACE                                                                                        \
    { .is_in_tank_farm_bund = true }
#define GRADE1_PLACE                                                                                         \
    { .is_on_pipe_rack = true }
#define GRADE2_PLACE                                                                                         \
    { 0 }

static const raise_row RAISES[] = {
    {"day, calm", GRADE2_PLACE, false, 8, 17, true, 3.0, AJ_HOT_WORK_GRADE2, AJ_HOT_WORK_GRADE2,
     "not raised"},
    {"holiday", GRADE2_PLACE, true, 8, 17, false, 0, AJ_HOT_WORK_GRADE2, AJ_HOT_WORK_GRADE1,
     "raised: holiday"},
    {"night", GRADE2_PLACE, false, 21, 23, false, 0, AJ_HOT_WORK_GRADE2, AJ_HOT_WORK_GRADE1, "raised: night"},
    {"wind at force 5", GRADE2_PLACE, false, 8, 17, true, 8.0, AJ_HOT_WORK_GRADE2, AJ_HOT_WORK_GRADE1,
     "raised: wind 8.0 m/s ≥ force 5"},
    {"wind just below force 5", GRADE2_PLACE, false, 8, 17, true, 7.99, AJ_HOT_WORK_GRADE2,
     AJ_HOT_WORK_GRADE2, "not raised"},
    {"wind indoors", GRADE2_PLACE, false, 8, 17, false, 20.0, AJ_HOT_WORK_GRADE2, AJ_HOT_WORK_GRADE2,
     "not raised"},
    {"night and wind raise once", GRADE2_PLACE, false, 21, 23, true, 9.1, AJ_HOT_WORK_GRADE2,
     AJ_HOT_WORK_GRADE1, "raised: night, wind 9.1 m/s ≥ force 5"},
    {"all three raise once", GRADE2_PLACE, true, 21, 23, true, 12.0, AJ_HOT_WORK_GRADE2, AJ_HOT_WORK_GRADE1,
     "raised: holiday, night, wind 12.0 m/s ≥ force 5"},
    {"grade1 at night", GRADE1_PLACE, false, 19, 21, false, 0, AJ_HOT_WORK_GRADE1, AJ_HOT_WORK_SPECIAL,
     "raised: night"},
    {"grade1 holiday and wind", GRADE1_PLACE, true, 8, 17, true, 10.0, AJ_HOT_WORK_GRADE1,
     AJ_HOT_WORK_SPECIAL, "raised: holiday, wind 10.0 m/s ≥ force 5"},
    {"grade1 by day", GRADE1_PLACE, false, 6, 20, true, 0, AJ_HOT_WORK_GRADE1, AJ_HOT_WORK_GRADE1,
     "not raised"},
    {"special stays special", SPECIAL_PLACE, true, 22, 24, true, 15.0, AJ_HOT_WORK_SPECIAL,
     AJ_HOT_WORK_SPECIAL,
     "not raised (special is the highest grade): holiday, night, wind 15.0 m/s ≥ force 5"},
    {"special by day", SPECIAL_PLACE, false, 9, 10, false, 0, AJ_HOT_WORK_SPECIAL, AJ_HOT_WORK_SPECIAL,
     "not raised"},
};

static void test_hot_work_raise(void **state) {
    for (size_t i = 0; i < sizeof RAISES / sizeof RAISES[0]; i++) {
        const raise_row *r = &RAISES[i];
        aj_hot_work_conditions c = {.start_ms = local(0, r->start_hh, 0),
                                    .end_ms = local(0, r->end_hh, 0),
                                    .utc_offset_min = CN,
                                    .is_holiday = r->is_holiday,
                                    .is_outdoors = r->is_outdoors,
                                    .wind_mps = r->wind_mps};
        aj_hot_work_grading g;
        assert_int_equal(aj_hot_work_grade_of(&r->place, &c, NULL, &g), AJ_OK);
        char buf[160];
        aj_hot_work_grading_describe(&g, buf, sizeof buf);
        if (g.base_grade != r->base || g.grade != r->grade || strcmp(buf, r->described) != 0)
            fail_msg("%s: want %s -> %s \"%s\", got %s -> %s \"%s\"", r->name,
                     aj_hot_work_grade_code(r->base), aj_hot_work_grade_code(r->grade), r->described,
                     aj_hot_work_grade_code(g.base_grade), aj_hot_work_grade_code(g.grade), buf);
    }
}

static void test_hot_work_reasons_and_policy(void **state) {
    aj_hot_work_place place = GRADE2_PLACE;
    aj_hot_work_conditions c = {.start_ms = local(0, 21, 0),
                                .end_ms = local(0, 22, 0),
                                .utc_offset_min = CN,
                                .is_holiday = true,
                                .is_outdoors = true,
                                .wind_mps = 9.1};
    aj_hot_work_grading g;
    assert_int_equal(aj_hot_work_grade_of(&place, &c, NULL, &g), AJ_OK);
    assert_int_equal(g.n_reasons, 3);
    assert_int_equal(g.reasons[0], AJ_HOT_WORK_RAISE_HOLIDAY);
    assert_int_equal(g.reasons[1], AJ_HOT_WORK_RAISE_NIGHT);
    assert_int_equal(g.reasons[2], AJ_HOT_WORK_RAISE_WIND);
    assert_string_equal(aj_hot_work_raise_code(AJ_HOT_WORK_RAISE_WIND), "wind");
    assert_string_equal(aj_hot_work_raise_code(AJ_HOT_WORK_RAISE_COUNT), "unknown");
    /* an enterprise policy: night from 22:00 to 05:00, raise from 7 m/s */
    aj_grading_policy p = {.night_start_min = 22 * 60, .night_end_min = 5 * 60, .wind_raise_mps = 7.0};
    c.is_holiday = false;
    c.wind_mps = 7.5;
    assert_int_equal(aj_hot_work_grade_of(&place, &c, &p, &g), AJ_OK);
    char buf[160];
    assert_string_equal(aj_hot_work_grading_describe(&g, buf, sizeof buf), "raised: wind 7.5 m/s ≥ 7.0 m/s");
    /* a short buffer stays terminated */
    char tiny[10];
    aj_hot_work_grading_describe(&g, tiny, sizeof tiny);
    assert_string_equal(tiny, "raised: w");
    aj_hot_work_grading_describe(&g, tiny, 0);
    /* bad input */
    aj_hot_work_conditions bad = c;
    bad.end_ms = bad.start_ms;
    assert_int_equal(aj_hot_work_grade_of(&place, &bad, NULL, &g), AJ_EINVAL);
    bad = c;
    bad.wind_mps = NAN;
    assert_int_equal(aj_hot_work_grade_of(&place, &bad, NULL, &g), AJ_EINVAL);
    bad.wind_mps = -1;
    assert_int_equal(aj_hot_work_grade_of(&place, &bad, NULL, &g), AJ_EINVAL);
    bad.is_outdoors = false; /* indoors the wind is not read */
    assert_int_equal(aj_hot_work_grade_of(&place, &bad, NULL, &g), AJ_OK);
    bad = c;
    bad.utc_offset_min = 15 * 60;
    assert_int_equal(aj_hot_work_grade_of(&place, &bad, NULL, &g), AJ_EINVAL);
    bad = c;
    bad.start_ms = INT64_MIN;
    assert_int_equal(aj_hot_work_grade_of(&place, &bad, NULL, &g), AJ_EINVAL);
    aj_grading_policy bad_policy = {.night_start_min = 300, .night_end_min = 300, .wind_raise_mps = 8};
    assert_int_equal(aj_hot_work_grade_of(&place, &c, &bad_policy, &g), AJ_EINVAL);
    bad_policy = (aj_grading_policy){.night_start_min = 1440, .night_end_min = 300, .wind_raise_mps = 8};
    assert_int_equal(aj_hot_work_grade_of(&place, &c, &bad_policy, &g), AJ_EINVAL);
    bad_policy = (aj_grading_policy){.night_start_min = 1200, .night_end_min = 300, .wind_raise_mps = 0};
    assert_int_equal(aj_hot_work_grade_of(&place, &c, &bad_policy, &g), AJ_EINVAL);
}

/* ---- night window ------------------------------------------------------------------------ */

typedef struct night_row {
    int start_day, start_hh, start_mm, end_day, end_hh, end_mm;
    bool is_night;
} night_row;

static const night_row NIGHTS[] = {
    {0, 8, 0, 0, 17, 0, false},  /* day shift */
    {0, 6, 0, 0, 20, 0, false},  /* 06:00 is day; ending at 20:00 is not night */
    {0, 19, 0, 0, 20, 1, true},  /* one minute into the night */
    {0, 5, 59, 0, 7, 0, true},   /* one minute before 06:00 */
    {0, 20, 0, 0, 20, 30, true}, /* 20:00 is night */
    {0, 23, 0, 1, 1, 0, true},   /* over midnight */
    {0, 2, 0, 0, 3, 0, true},    /* small hours */
    {0, 10, 0, 1, 10, 0, true},  /* 24 hours always contain a night */
    {0, 6, 0, 0, 19, 59, false}, /* the whole day */
    {0, 12, 0, 3, 11, 0, true},  /* 72-hour grade-2 permit */
};

static void test_night(void **state) {
    for (size_t i = 0; i < sizeof NIGHTS / sizeof NIGHTS[0]; i++) {
        const night_row *r = &NIGHTS[i];
        int64_t s = local(r->start_day, r->start_hh, r->start_mm),
                e = local(r->end_day, r->end_hh, r->end_mm);
        if (aj_is_night(s, e, CN, NULL) != r->is_night)
            fail_msg("row %zu: %02d:%02d-%02d:%02d want %d", i, r->start_hh, r->start_mm, r->end_hh,
                     r->end_mm, r->is_night);
    }
    /* 1 ms either side of 06:00 and 20:00 */
    assert_true(aj_is_night(local(0, 5, 0), local(0, 6, 0) + 1, CN, NULL));
    assert_false(aj_is_night(local(0, 6, 0), local(0, 19, 0), CN, NULL));
    assert_false(aj_is_night(local(0, 6, 0) + 1, local(0, 20, 0), CN, NULL));
    assert_true(aj_is_night(local(0, 6, 0) + 1, local(0, 20, 0) + 1, CN, NULL));
    /* an instant (end <= start) is tested alone */
    assert_true(aj_is_night(local(0, 20, 0), local(0, 20, 0), CN, NULL));
    assert_false(aj_is_night(local(0, 19, 59), local(0, 19, 59), CN, NULL));
    /* the offset decides: 13:00Z-14:00Z is 21:00 in Shanghai, 13:00 in London */
    int64_t t13z = local(0, 21, 0);
    assert_true(aj_is_night(t13z, t13z + HOUR_MS, CN, NULL));
    assert_false(aj_is_night(t13z, t13z + HOUR_MS, 0, NULL));
    assert_true(aj_is_night(t13z, t13z + HOUR_MS, -14 * 60, NULL)); /* 23:00 the day before */
    /* before 1970: 1969-12-31 22:00 UTC */
    assert_true(aj_is_night(-2 * HOUR_MS, -HOUR_MS, 0, NULL));
    assert_false(aj_is_night(-12 * HOUR_MS, -11 * HOUR_MS, 0, NULL));
    /* a night that does not cross midnight */
    aj_grading_policy p = {.night_start_min = 0, .night_end_min = 6 * 60, .wind_raise_mps = 8};
    assert_false(aj_is_night(local(0, 22, 0), local(0, 23, 59), CN, &p));
    assert_true(aj_is_night(local(0, 22, 0), local(1, 0, 1), CN, &p));
    assert_false(aj_is_night(local(0, 6, 0), local(0, 23, 0), CN, &p));
}

/* ---- height ----------------------------------------------------------------------------- */

typedef struct height_row {
    double height_m;
    aj_height_class class_a, class_b;
} height_row;

static void test_height(void **state) {
    const height_row rows[] = {
        {0, AJ_HEIGHT_NOT_SPECIAL, AJ_HEIGHT_NOT_SPECIAL},
        {below(2.0), AJ_HEIGHT_NOT_SPECIAL, AJ_HEIGHT_NOT_SPECIAL},
        {2.0, AJ_HEIGHT_I, AJ_HEIGHT_II},
        {3.5, AJ_HEIGHT_I, AJ_HEIGHT_II},
        {5.0, AJ_HEIGHT_I, AJ_HEIGHT_II},
        {above(5.0), AJ_HEIGHT_II, AJ_HEIGHT_III},
        {15.0, AJ_HEIGHT_II, AJ_HEIGHT_III},
        {above(15.0), AJ_HEIGHT_III, AJ_HEIGHT_IV},
        {30.0, AJ_HEIGHT_III, AJ_HEIGHT_IV},
        {above(30.0), AJ_HEIGHT_IV, AJ_HEIGHT_IV},
        {120.0, AJ_HEIGHT_IV, AJ_HEIGHT_IV},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_height_class a, b;
        assert_int_equal(aj_height_class_of(rows[i].height_m, false, &a), AJ_OK);
        assert_int_equal(aj_height_class_of(rows[i].height_m, true, &b), AJ_OK);
        if (a != rows[i].class_a || b != rows[i].class_b)
            fail_msg("%.17g m: want %s/%s, got %s/%s", rows[i].height_m,
                     aj_height_class_code(rows[i].class_a), aj_height_class_code(rows[i].class_b),
                     aj_height_class_code(a), aj_height_class_code(b));
    }
    aj_height_class c;
    assert_int_equal(aj_height_class_of(-0.5, false, &c), AJ_EINVAL);
    assert_int_equal(aj_height_class_of(NAN, true, &c), AJ_EINVAL);
    assert_int_equal(aj_height_class_of(INFINITY, true, &c), AJ_EINVAL);
    static const char *const codes[] = {"none", "I", "II", "III", "IV"};
    for (int k = AJ_HEIGHT_NOT_SPECIAL; k <= AJ_HEIGHT_IV; k++)
        assert_string_equal(aj_height_class_code((aj_height_class)k), codes[k]);
}

/* ---- lifting ------------------------------------------------------------------------------ */

static void test_lifting(void **state) {
    const struct {
        double mass_t;
        aj_lifting_grade grade;
    } rows[] = {
        {0.2, AJ_LIFTING_GRADE3},          {below(40.0), AJ_LIFTING_GRADE3}, {40.0, AJ_LIFTING_GRADE2},
        {above(40.0), AJ_LIFTING_GRADE2},  {75.0, AJ_LIFTING_GRADE2},        {100.0, AJ_LIFTING_GRADE2},
        {above(100.0), AJ_LIFTING_GRADE1}, {450.0, AJ_LIFTING_GRADE1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_lifting_grade g;
        assert_int_equal(aj_lifting_grade_of(rows[i].mass_t, &g), AJ_OK);
        if (g != rows[i].grade)
            fail_msg("%.17g t: want %s, got %s", rows[i].mass_t, aj_lifting_grade_code(rows[i].grade),
                     aj_lifting_grade_code(g));
    }
    aj_lifting_grade g;
    assert_int_equal(aj_lifting_grade_of(0, &g), AJ_EINVAL);
    assert_int_equal(aj_lifting_grade_of(-3, &g), AJ_EINVAL);
    assert_int_equal(aj_lifting_grade_of(NAN, &g), AJ_EINVAL);
    assert_string_equal(aj_lifting_grade_code(AJ_LIFTING_GRADE1), "1");
    assert_string_equal(aj_lifting_grade_code(AJ_LIFTING_GRADE3), "3");
}

/* ---- gas analysis ----------------------------------------------------------------------- */

static void test_gas_combustible(void **state) {
    const struct {
        double lel, measured;
        aj_gas_verdict v;
    } rows[] = {
        {5.0, 0.5, AJ_GAS_PASS}, /* methane-like: limit 0.5 % vol, itself passes */
        {5.0, above(0.5), AJ_GAS_TOO_HIGH},
        {4.0, 0.5, AJ_GAS_PASS}, /* LEL exactly 4 % takes the 0.5 limit (hydrogen) */
        {4.0, above(0.5), AJ_GAS_TOO_HIGH},
        {below(4.0), 0.5, AJ_GAS_TOO_HIGH}, /* LEL just under 4 %: limit 0.2 */
        {below(4.0), 0.2, AJ_GAS_PASS},
        {2.7, 0.2, AJ_GAS_PASS}, /* ethylene-like */
        {2.7, above(0.2), AJ_GAS_TOO_HIGH},
        {1.2, 0, AJ_GAS_PASS},
        {5.0, -0.01, AJ_GAS_BAD_READING},
        {5.0, NAN, AJ_GAS_BAD_READING},
        {0, 0.1, AJ_GAS_BAD_READING},
        {NAN, 0.1, AJ_GAS_BAD_READING},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_gas_verdict v = aj_gas_check_combustible(rows[i].lel, rows[i].measured);
        if (v != rows[i].v)
            fail_msg("LEL %.17g %%, %.17g %% vol: want %s, got %s", rows[i].lel, rows[i].measured,
                     aj_gas_verdict_text(rows[i].v), aj_gas_verdict_text(v));
    }
    assert_true(aj_gas_combustible_limit_pct_vol(4.0) == 0.5);
    assert_true(aj_gas_combustible_limit_pct_vol(below(4.0)) == 0.2);
}

static void test_gas_oxygen(void **state) {
    const struct {
        double o2;
        aj_oxygen_rule rule;
        aj_gas_verdict v;
    } rows[] = {
        {19.5, AJ_O2_CONFINED_SPACE, AJ_GAS_PASS},
        {below(19.5), AJ_O2_CONFINED_SPACE, AJ_GAS_TOO_LOW},
        {20.9, AJ_O2_CONFINED_SPACE, AJ_GAS_PASS},
        {21.0, AJ_O2_CONFINED_SPACE, AJ_GAS_PASS},
        {above(21.0), AJ_O2_CONFINED_SPACE, AJ_GAS_TOO_HIGH},
        {22.0, AJ_O2_OXYGEN_RICH, AJ_GAS_PASS},
        {23.5, AJ_O2_OXYGEN_RICH, AJ_GAS_PASS},
        {above(23.5), AJ_O2_OXYGEN_RICH, AJ_GAS_TOO_HIGH},
        {below(19.5), AJ_O2_OXYGEN_RICH, AJ_GAS_TOO_LOW},
        {23.5, AJ_O2_OXYGEN_EQUIPMENT, AJ_GAS_PASS},
        {above(23.5), AJ_O2_OXYGEN_EQUIPMENT, AJ_GAS_TOO_HIGH},
        {2.0, AJ_O2_OXYGEN_EQUIPMENT, AJ_GAS_PASS}, /* purged oxygen equipment: no lower limit */
        {-1, AJ_O2_CONFINED_SPACE, AJ_GAS_BAD_READING},
        {NAN, AJ_O2_OXYGEN_RICH, AJ_GAS_BAD_READING},
        {100.5, AJ_O2_OXYGEN_EQUIPMENT, AJ_GAS_BAD_READING},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_gas_verdict v = aj_gas_check_oxygen(rows[i].o2, rows[i].rule);
        if (v != rows[i].v)
            fail_msg("O2 %.17g %% (rule %d): want %s, got %s", rows[i].o2, rows[i].rule,
                     aj_gas_verdict_text(rows[i].v), aj_gas_verdict_text(v));
    }
}

static void test_gas_timing(void **state) {
    int64_t start = local(0, 9, 0);
    const struct {
        int64_t sampled;
        int max_age_min;
        aj_gas_verdict v;
    } rows[] = {
        {start, 30, AJ_GAS_PASS},
        {start - 30 * MIN_MS, 30, AJ_GAS_PASS},
        {start - 30 * MIN_MS - 1, 30, AJ_GAS_STALE},
        {start - 2 * HOUR_MS, 30, AJ_GAS_STALE},
        {start + 1, 30, AJ_GAS_AFTER_START},
        {start - 10 * MIN_MS, 10, AJ_GAS_PASS},
        {start - 10 * MIN_MS - 1, 10, AJ_GAS_STALE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(aj_gas_check_sample_age(rows[i].sampled, start, rows[i].max_age_min), rows[i].v);
    assert_int_equal(aj_gas_check_sample_age(INT64_MIN, INT64_MIN + 1, 30), AJ_GAS_PASS);
    assert_string_equal(aj_gas_verdict_text(AJ_GAS_STALE), "sample too old at the start");
    assert_string_equal(aj_gas_verdict_text(AJ_GAS_PASS), "pass");
}

/* ---- against the real catalogue ----------------------------------------------------------- */

static aj_permit_catalogue *cat;

static int load_catalogue(void **state) {
    char path[1024], err[600];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (!slash) return -1;
    snprintf(slash, sizeof path - (size_t)(slash - path), "/../../data/permits/gb30871.json");
    if (aj_permit_catalogue_load(path, &cat, err, sizeof err) != AJ_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int free_catalogue(void **state) {
    aj_permit_catalogue_free(cat);
    return 0;
}

static const aj_permit_grade *grade(const char *type, const char *code) {
    const aj_permit_type *t = aj_permit_type_find(cat, type);
    assert_non_null(t);
    int g = aj_permit_grade_index(t, code);
    if (g < 0) fail_msg("%s has no grade %s", type, code);
    return &t->grades[g];
}

static void test_codes_match_catalogue(void **state) {
    for (int g = AJ_HOT_WORK_GRADE2; g <= AJ_HOT_WORK_SPECIAL; g++)
        grade("hot_work", aj_hot_work_grade_code(g));
    for (int c = AJ_HEIGHT_I; c <= AJ_HEIGHT_IV; c++) grade("height", aj_height_class_code(c));
    for (int g = AJ_LIFTING_GRADE3; g <= AJ_LIFTING_GRADE1; g++) grade("lifting", aj_lifting_grade_code(g));
    assert_int_equal(aj_permit_grade_index(aj_permit_type_find(cat, "height"),
                                           aj_height_class_code(AJ_HEIGHT_NOT_SPECIAL)),
                     -1);
}

static void test_gas_retest(void **state) {
    const struct {
        const char *type, *grade;
        int64_t pause_ms;
        bool is_due;
    } rows[] = {
        {"hot_work", "special", 30 * MIN_MS, false},
        {"hot_work", "special", 30 * MIN_MS + 1, true},
        {"hot_work", "grade1", 30 * MIN_MS, false},
        {"hot_work", "grade1", 30 * MIN_MS + 1, true},
        {"hot_work", "grade2", 30 * MIN_MS + 1, false},
        {"hot_work", "grade2", 60 * MIN_MS, false},
        {"hot_work", "grade2", 60 * MIN_MS + 1, true},
        {"confined_space", "standard", 60 * MIN_MS, false},
        {"confined_space", "standard", 60 * MIN_MS + 1, true},
        {"confined_space", "standard", 0, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const aj_permit_grade *g = grade(rows[i].type, rows[i].grade);
        if (aj_gas_retest_is_due(rows[i].pause_ms, g->gas_retest_after_pause_min) != rows[i].is_due)
            fail_msg("%s/%s pause %lld ms: want due=%d", rows[i].type, rows[i].grade,
                     (long long)rows[i].pause_ms, rows[i].is_due);
    }
    /* the sample age limit comes from the catalogue too */
    const aj_permit_type *hot = aj_permit_type_find(cat, "hot_work");
    assert_int_equal(hot->gas.sample_max_age_min, AJ_GAS_SAMPLE_MAX_AGE_MIN_DEFAULT);
}

typedef struct validity_row {
    const char *type, *grade;
    int64_t length_ms;
    aj_validity_verdict v;
} validity_row;

static void test_validity(void **state) {
    const validity_row rows[] = {
        {"hot_work", "special", 8 * HOUR_MS, AJ_VALIDITY_OK},
        {"hot_work", "special", 8 * HOUR_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"hot_work", "grade1", 8 * HOUR_MS, AJ_VALIDITY_OK},
        {"hot_work", "grade1", 8 * HOUR_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"hot_work", "grade2", 72 * HOUR_MS, AJ_VALIDITY_OK},
        {"hot_work", "grade2", 72 * HOUR_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"confined_space", "standard", 24 * HOUR_MS, AJ_VALIDITY_OK},
        {"confined_space", "standard", 24 * HOUR_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"height", "I", 7 * DAY_MS, AJ_VALIDITY_OK},
        {"height", "IV", 7 * DAY_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"temporary_power", "standard", 15 * DAY_MS, AJ_VALIDITY_OK},
        {"temporary_power", "standard", 30 * DAY_MS, AJ_VALIDITY_OK},
        {"temporary_power", "standard", 30 * DAY_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"blind_plate", "standard", 8 * HOUR_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"lifting", "1", 24 * HOUR_MS, AJ_VALIDITY_OK},
        {"excavation", "standard", 72 * HOUR_MS + 1, AJ_VALIDITY_TOO_LONG},
        {"road_closure", "standard", 72 * HOUR_MS, AJ_VALIDITY_OK},
        {"hot_work", "grade2", 1, AJ_VALIDITY_OK},
        {"hot_work", "grade2", 0, AJ_VALIDITY_EMPTY},
        {"hot_work", "grade2", -HOUR_MS, AJ_VALIDITY_EMPTY},
    };
    int64_t start = local(0, 8, 0);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int t = aj_permit_type_index(cat, rows[i].type);
        int g = aj_permit_grade_index(&cat->types[t], rows[i].grade);
        aj_permit_window w = {start, start + rows[i].length_ms};
        aj_validity_verdict v = aj_permit_validity_check(cat, t, g, w, NULL);
        if (v != rows[i].v)
            fail_msg("%s/%s %lld ms: want %s, got %s", rows[i].type, rows[i].grade,
                     (long long)rows[i].length_ms, aj_validity_verdict_text(rows[i].v),
                     aj_validity_verdict_text(v));
    }
    /* no overflow near the end of time */
    int t = aj_permit_type_index(cat, "hot_work");
    aj_permit_window far = {INT64_MAX - HOUR_MS, INT64_MAX};
    assert_int_equal(aj_permit_validity_check(cat, t, 0, far, NULL), AJ_VALIDITY_OK);
    aj_permit_window huge = {INT64_MIN, INT64_MAX};
    assert_int_equal(aj_permit_validity_check(cat, t, 0, huge, NULL), AJ_VALIDITY_TOO_LONG);
    assert_string_equal(aj_validity_verdict_text(AJ_VALIDITY_AFTER_SERVED),
                        "ends after the permit it serves");
}

static void test_validity_served(void **state) {
    int power = aj_permit_type_index(cat, "temporary_power");
    int hot = aj_permit_type_index(cat, "hot_work"), cs = aj_permit_type_index(cat, "confined_space");
    int height = aj_permit_type_index(cat, "height");
    aj_permit_served job = {hot, {local(0, 8, 0), local(0, 16, 0)}};
    const struct {
        int served_type;
        int64_t start, end;
        aj_validity_verdict v;
    } rows[] = {
        {hot, local(0, 8, 0), local(0, 16, 0), AJ_VALIDITY_OK}, /* the same window */
        {hot, local(0, 9, 0), local(0, 12, 0), AJ_VALIDITY_OK}, /* inside */
        {hot, local(0, 8, 0) - 1, local(0, 12, 0), AJ_VALIDITY_BEFORE_SERVED},
        {hot, local(0, 9, 0), local(0, 16, 0) + 1, AJ_VALIDITY_AFTER_SERVED},
        {hot, local(0, 9, 0), local(3, 9, 0), AJ_VALIDITY_AFTER_SERVED}, /* 3 days for an 8-hour job */
        {cs, local(0, 9, 0), local(0, 17, 0), AJ_VALIDITY_AFTER_SERVED},
        {height, local(0, 7, 0), local(3, 9, 0), AJ_VALIDITY_OK},     /* not a bounding type */
        {hot, local(0, 8, 0), local(31, 8, 0), AJ_VALIDITY_TOO_LONG}, /* own limit first */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        job.type = rows[i].served_type;
        aj_permit_window w = {rows[i].start, rows[i].end};
        aj_validity_verdict v = aj_permit_validity_check(cat, power, 0, w, &job);
        if (v != rows[i].v)
            fail_msg("row %zu: want %s, got %s", i, aj_validity_verdict_text(rows[i].v),
                     aj_validity_verdict_text(v));
    }
    /* without a served permit, or for a type without bounded_by, only the own limit counts */
    aj_permit_window long_power = {local(0, 8, 0), local(20, 8, 0)};
    assert_int_equal(aj_permit_validity_check(cat, power, 0, long_power, NULL), AJ_VALIDITY_OK);
    job.type = power;
    aj_permit_window hot_window = {local(0, 7, 0), local(0, 15, 0)};
    assert_int_equal(aj_permit_validity_check(cat, hot, 0, hot_window, &job), AJ_VALIDITY_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hot_work_base),
        cmocka_unit_test(test_hot_work_raise),
        cmocka_unit_test(test_hot_work_reasons_and_policy),
        cmocka_unit_test(test_night),
        cmocka_unit_test(test_height),
        cmocka_unit_test(test_lifting),
        cmocka_unit_test(test_gas_combustible),
        cmocka_unit_test(test_gas_oxygen),
        cmocka_unit_test(test_gas_timing),
        cmocka_unit_test(test_codes_match_catalogue),
        cmocka_unit_test(test_gas_retest),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_validity_served),
    };
    return cmocka_run_group_tests_name("permit_grading", tests, load_catalogue, free_catalogue);
}
