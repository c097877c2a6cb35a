/* test_inspect_schedule.c — inspection windows and scan rules (src/inspect/schedule.c,
 * docs/inspections.md): every frequency at and around its boundaries in Beijing time
 * (UTC+8), shifts across midnight, ISO weeks across a year end, months across a leap
 * February, the default frequency per risk level, shift-pattern parsing errors, each scan
 * refusal in its order, and the check-item rule. Expected instants are written as RFC 3339
 * texts with their offset, computed by hand. */
#include "base/timeutil.h"
#include "inspect/schedule.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define BEIJING 480

static int64_t at(const char *rfc3339) {
    int64_t ms = 0;
    assert_true(aj_time_parse(rfc3339, &ms));
    return ms;
}

static void expect_window(aj_insp_freq f, int interval, const aj_shift_pattern *sp, const char *t,
                          const char *start, const char *end) {
    int64_t s = 0, e = 0;
    assert_true(aj_insp_window(f, interval, sp, BEIJING, at(t), &s, &e));
    assert_int_equal(s, at(start));
    assert_int_equal(e, at(end));
}

static void test_interval(void **state) {
    (void)state;
    /* two-hourly rounds (每2小时巡检) align to local midnight */
    expect_window(AJ_IF_INTERVAL, 120, NULL, "2026-11-30T09:59:59.999+08:00", "2026-11-30T08:00:00+08:00",
                  "2026-11-30T10:00:00+08:00");
    expect_window(AJ_IF_INTERVAL, 120, NULL, "2026-11-30T10:00:00+08:00", "2026-11-30T10:00:00+08:00",
                  "2026-11-30T12:00:00+08:00");
    expect_window(AJ_IF_INTERVAL, 120, NULL, "2026-11-30T00:30:00+08:00", "2026-11-30T00:00:00+08:00",
                  "2026-11-30T02:00:00+08:00");
    expect_window(AJ_IF_INTERVAL, 1, NULL, "2026-11-30T10:07:31+08:00", "2026-11-30T10:07:00+08:00",
                  "2026-11-30T10:08:00+08:00");
    int64_t s, e;
    assert_false(aj_insp_window(AJ_IF_INTERVAL, 0, NULL, BEIJING, 0, &s, &e));
    assert_false(aj_insp_window(AJ_IF_INTERVAL, AJ_INSPECT_INTERVAL_MAX_MIN + 1, NULL, BEIJING, 0, &s, &e));
    assert_false(aj_insp_window(AJ_IF_DAY, 0, NULL, 841, 0, &s, &e));
    assert_false(aj_insp_window((aj_insp_freq)99, 0, NULL, BEIJING, 0, &s, &e));
    /* before 1970 too (floor, not truncation) */
    assert_true(aj_insp_window(AJ_IF_INTERVAL, 60, NULL, 0, -1, &s, &e));
    assert_int_equal(s, -3600000);
    assert_int_equal(e, 0);
}

static void test_shifts(void **state) {
    (void)state;
    aj_shift_pattern sp;
    aj_shift_pattern_default(&sp);
    expect_window(AJ_IF_SHIFT, 0, &sp, "2026-11-30T07:59:59+08:00", "2026-11-30T00:00:00+08:00",
                  "2026-11-30T08:00:00+08:00");
    expect_window(AJ_IF_SHIFT, 0, &sp, "2026-11-30T08:00:00+08:00", "2026-11-30T08:00:00+08:00",
                  "2026-11-30T16:00:00+08:00");
    expect_window(AJ_IF_SHIFT, 0, &sp, "2026-11-30T23:59:00+08:00", "2026-11-30T16:00:00+08:00",
                  "2026-12-01T00:00:00+08:00");
    /* a pattern whose night shift crosses midnight: 08:30 and 20:30 (two twelve-hour shifts) */
    const char *two[] = {"20:30", "08:30"};
    char err[128];
    assert_true(aj_shift_pattern_from(two, 2, &sp, err, sizeof err));
    assert_int_equal(sp.start_min[0], 8 * 60 + 30);
    assert_int_equal(sp.start_min[1], 20 * 60 + 30);
    expect_window(AJ_IF_SHIFT, 0, &sp, "2026-11-30T03:00:00+08:00", "2026-11-29T20:30:00+08:00",
                  "2026-11-30T08:30:00+08:00");
    expect_window(AJ_IF_SHIFT, 0, &sp, "2026-11-30T21:00:00+08:00", "2026-11-30T20:30:00+08:00",
                  "2026-12-01T08:30:00+08:00");
    expect_window(AJ_IF_SHIFT, 0, &sp, "2026-11-30T08:30:00+08:00", "2026-11-30T08:30:00+08:00",
                  "2026-11-30T20:30:00+08:00");
    /* one shift a day */
    const char *one[] = {"06:00"};
    assert_true(aj_shift_pattern_from(one, 1, &sp, err, sizeof err));
    expect_window(AJ_IF_SHIFT, 0, &sp, "2026-11-30T05:00:00+08:00", "2026-11-29T06:00:00+08:00",
                  "2026-11-30T06:00:00+08:00");
}

static void test_shift_errors(void **state) {
    (void)state;
    aj_shift_pattern sp;
    char err[128];
    const char *bad_hour[] = {"08:00", "24:00"};
    assert_false(aj_shift_pattern_from(bad_hour, 2, &sp, err, sizeof err));
    assert_string_equal(err, "starts[1]: \"24:00\" is not a time of day HH:MM");
    const char *bad_form[] = {"8:00"};
    assert_false(aj_shift_pattern_from(bad_form, 1, &sp, err, sizeof err));
    assert_string_equal(err, "starts[0]: \"8:00\" is not a time of day HH:MM");
    const char *twice[] = {"08:00", "16:00", "08:00"};
    assert_false(aj_shift_pattern_from(twice, 3, &sp, err, sizeof err));
    assert_string_equal(err, "starts[2]: \"08:00\" is given twice");
    assert_false(aj_shift_pattern_from(twice, 0, &sp, err, sizeof err));
    assert_string_equal(err, "starts: 1 to 6 shift starts");
    const char *seven[] = {"00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00"};
    assert_false(aj_shift_pattern_from(seven, 7, &sp, err, sizeof err));
    int64_t s, e;
    assert_false(aj_insp_window(AJ_IF_SHIFT, 0, NULL, BEIJING, 0, &s, &e)); /* shifts needed */
}

static void test_day_week_month(void **state) {
    (void)state;
    /* a local day starts at 00:00 Beijing = 16:00 UTC the day before */
    expect_window(AJ_IF_DAY, 0, NULL, "2026-11-30T15:59:59Z", "2026-11-30T00:00:00+08:00",
                  "2026-12-01T00:00:00+08:00");
    expect_window(AJ_IF_DAY, 0, NULL, "2026-11-30T16:00:00Z", "2026-12-01T00:00:00+08:00",
                  "2026-12-02T00:00:00+08:00");
    /* 2026-11-30 is a Monday; 2026-12-06 a Sunday */
    expect_window(AJ_IF_WEEK, 0, NULL, "2026-11-30T00:00:00+08:00", "2026-11-30T00:00:00+08:00",
                  "2026-12-07T00:00:00+08:00");
    expect_window(AJ_IF_WEEK, 0, NULL, "2026-12-06T23:59:59+08:00", "2026-11-30T00:00:00+08:00",
                  "2026-12-07T00:00:00+08:00");
    /* across a year end: 2027-01-01 is a Friday, its week began on Monday 2026-12-28 */
    expect_window(AJ_IF_WEEK, 0, NULL, "2027-01-01T12:00:00+08:00", "2026-12-28T00:00:00+08:00",
                  "2027-01-04T00:00:00+08:00");
    /* 1970-01-01 (a Thursday) */
    expect_window(AJ_IF_WEEK, 0, NULL, "1970-01-01T12:00:00+08:00", "1969-12-29T00:00:00+08:00",
                  "1970-01-05T00:00:00+08:00");
    expect_window(AJ_IF_MONTH, 0, NULL, "2028-02-29T23:00:00+08:00", "2028-02-01T00:00:00+08:00",
                  "2028-03-01T00:00:00+08:00");
    expect_window(AJ_IF_MONTH, 0, NULL, "2026-12-31T23:59:59+08:00", "2026-12-01T00:00:00+08:00",
                  "2027-01-01T00:00:00+08:00");
    expect_window(AJ_IF_MONTH, 0, NULL, "2026-12-31T16:00:00Z", "2027-01-01T00:00:00+08:00",
                  "2027-02-01T00:00:00+08:00");
    expect_window(AJ_IF_MONTH, 0, NULL, "2000-02-15T00:00:00+08:00", "2000-02-01T00:00:00+08:00",
                  "2000-03-01T00:00:00+08:00");
    /* every instant of a year lies in exactly the window it reports */
    for (int64_t t = at("2026-01-01T00:00:00Z"); t < at("2027-01-01T00:00:00Z"); t += 3599999) {
        for (int f = AJ_IF_DAY; f <= AJ_IF_MONTH; f++) {
            int64_t s, e, s2, e2;
            assert_true(aj_insp_window((aj_insp_freq)f, 0, NULL, BEIJING, t, &s, &e));
            assert_true(s <= t && t < e);
            assert_true(aj_insp_window((aj_insp_freq)f, 0, NULL, BEIJING, e, &s2, &e2));
            assert_int_equal(s2, e); /* windows tile time */
        }
    }
}

static void test_names_and_levels(void **state) {
    (void)state;
    for (int f = 0; f < AJ_IF_COUNT; f++)
        assert_int_equal(aj_insp_freq_parse(aj_insp_freq_name((aj_insp_freq)f)), f);
    assert_int_equal(aj_insp_freq_parse("hourly"), -1);
    assert_int_equal(aj_insp_freq_parse(NULL), -1);
    assert_int_equal(aj_insp_freq_for_level("major"), AJ_IF_SHIFT);
    assert_int_equal(aj_insp_freq_for_level("significant"), AJ_IF_DAY);
    assert_int_equal(aj_insp_freq_for_level("general"), AJ_IF_WEEK);
    assert_int_equal(aj_insp_freq_for_level("low"), AJ_IF_MONTH);
    assert_int_equal(aj_insp_freq_for_level("red"), -1);
}

static void test_scan_refusals(void **state) {
    (void)state;
    const aj_scan_facts ok = {
        .at_ms = 500, .window_start_ms = 0, .window_end_ms = 1000, .is_on_route = true, .may_perform = true};
    assert_int_equal(aj_scan_judge(&ok), AJ_SR_NONE);
    aj_scan_facts f = ok;
    f.at_ms = 1000; /* the end is outside */
    assert_int_equal(aj_scan_judge(&f), AJ_SR_WINDOW_CLOSED);
    f = ok;
    f.is_missed = true;
    assert_int_equal(aj_scan_judge(&f), AJ_SR_WINDOW_CLOSED);
    f = ok;
    f.at_ms = -1;
    assert_int_equal(aj_scan_judge(&f), AJ_SR_TOO_EARLY);
    f = ok;
    f.may_perform = false;
    f.is_on_route = false;
    assert_int_equal(aj_scan_judge(&f), AJ_SR_NOT_YOURS); /* who comes before where */
    f = ok;
    f.is_on_route = false;
    assert_int_equal(aj_scan_judge(&f), AJ_SR_NOT_ON_ROUTE);
    f = ok;
    f.is_already_scanned = true;
    f.is_done = true;
    assert_int_equal(aj_scan_judge(&f), AJ_SR_ALREADY_SCANNED);
    f = ok;
    f.is_done = true;
    assert_int_equal(aj_scan_judge(&f), AJ_SR_TASK_DONE);
    for (int r = 0; r < AJ_SR_COUNT; r++) assert_true(strlen(aj_scan_refusal_name((aj_scan_refusal)r)) > 0);
    assert_string_equal(aj_scan_refusal_name(AJ_SR_NOT_ON_ROUTE), "not_on_route");
}

static void test_check_items(void **state) {
    (void)state;
    aj_check_item check = {0};
    aj_check_answer a = {.has_ok = true, .ok = true};
    assert_int_equal(aj_check_judge(&check, &a), 0);
    a.ok = false;
    assert_int_equal(aj_check_judge(&check, &a), 1);
    a.has_ok = false;
    assert_int_equal(aj_check_judge(&check, &a), -1);
    /* a pressure gauge 0.2 .. 0.6 MPa: both edges are normal */
    aj_check_item gauge = {.is_reading = true, .has_lo = true, .has_hi = true, .lo = 0.2, .hi = 0.6};
    aj_check_answer v = {.has_value = true, .value = 0.2};
    assert_int_equal(aj_check_judge(&gauge, &v), 0);
    v.value = 0.6;
    assert_int_equal(aj_check_judge(&gauge, &v), 0);
    v.value = 0.61;
    assert_int_equal(aj_check_judge(&gauge, &v), 1);
    v.value = 0.19;
    assert_int_equal(aj_check_judge(&gauge, &v), 1);
    v.value = NAN;
    assert_int_equal(aj_check_judge(&gauge, &v), -1);
    v.has_value = false;
    assert_int_equal(aj_check_judge(&gauge, &v), -1);
    /* in range but marked not ok: abnormal */
    aj_check_answer w = {.has_value = true, .value = 0.4, .has_ok = true, .ok = false};
    assert_int_equal(aj_check_judge(&gauge, &w), 1);
    /* an upper bound only */
    aj_check_item temp = {.is_reading = true, .has_hi = true, .hi = 60};
    aj_check_answer x = {.has_value = true, .value = -40};
    assert_int_equal(aj_check_judge(&temp, &x), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval),         cmocka_unit_test(test_shifts),
        cmocka_unit_test(test_shift_errors),     cmocka_unit_test(test_day_week_month),
        cmocka_unit_test(test_names_and_levels), cmocka_unit_test(test_scan_refusals),
        cmocka_unit_test(test_check_items),
    };
    return cmocka_run_group_tests_name("inspect_schedule", tests, NULL, NULL);
}
