/* test_permit_gases.c — gas readings and SIMOPS rules of the permit engine
 * (src/permit/gases.c, src/permit/simops.c; docs/permits.md "Gas analysis", "Conflicts").
 *
 * Readings at the exact limits and one ulp past them, in % vol, % LEL and ppm; oxygen by
 * rule; bad readings never pass; the detector limits the engine's interlocks use; the
 * 30 m / 15 m SIMOPS distances on both sides; the same-equipment flag; point in polygon.
 */
#include "permit/gases.h"
#include "permit/simops.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static aj_gas_verdict judge(const char *gas, double value, aj_gas_unit unit, double oel) {
    aj_gas_reading r = {aj_gas_find(gas), value, unit, oel, AJ_O2_CONFINED_SPACE};
    return aj_gas_judge(&r).verdict;
}

static void test_lookup(void **state) {
    (void)state;
    assert_non_null(aj_gas_find("methanol"));
    assert_ptr_equal(aj_gas_find("CH4"), aj_gas_find("METHANE"));
    assert_ptr_equal(aj_gas_find("ammonia"), aj_gas_find("NH3"));
    assert_null(aj_gas_find("unobtainium"));
    assert_null(aj_gas_find(NULL));
    assert_true(aj_gas_find("O2")->is_oxygen);
    assert_int_equal(aj_gas_unit_parse("%LEL"), AJ_GAS_UNIT_PCT_LEL);
    assert_int_equal(aj_gas_unit_parse("%vol"), AJ_GAS_UNIT_PCT_VOL);
    assert_int_equal(aj_gas_unit_parse("mg/m3"), -1);
}

static void test_combustible_limits(void **state) {
    (void)state;
    /* methanol LEL 6 % vol >= 4: 0.5 % vol = 8.33 % LEL */
    assert_int_equal(judge("methanol", 0.5, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_PASS);
    assert_int_equal(judge("methanol", nextafter(0.5, 1), AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_TOO_HIGH);
    double lim;
    assert_true(aj_gas_detector_limit(aj_gas_find("methanol"), AJ_GAS_UNIT_PCT_LEL, 0, &lim));
    assert_float_equal(lim, 0.5 / 6.0 * 100, 1e-9);
    assert_int_equal(judge("methanol", lim, AJ_GAS_UNIT_PCT_LEL, 0), AJ_GAS_PASS);
    assert_int_equal(judge("methanol", nextafter(lim, 100), AJ_GAS_UNIT_PCT_LEL, 0), AJ_GAS_TOO_HIGH);
    /* toluene LEL 1.1 < 4: 0.2 % vol */
    assert_int_equal(judge("toluene", 0.2, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_PASS);
    assert_int_equal(judge("toluene", nextafter(0.2, 1), AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_TOO_HIGH);
    /* hydrogen at exactly 4 % LEL takes the looser limit */
    assert_int_equal(judge("hydrogen", 0.5, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_PASS);
}

static void test_oxygen_and_toxic(void **state) {
    (void)state;
    assert_int_equal(judge("O2", 19.5, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_PASS);
    assert_int_equal(judge("O2", 21.0, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_PASS);
    assert_int_equal(judge("O2", nextafter(19.5, 0), AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_TOO_LOW);
    assert_int_equal(judge("O2", nextafter(21.0, 30), AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_TOO_HIGH);
    aj_gas_reading rich = {aj_gas_find("O2"), 23.0, AJ_GAS_UNIT_PCT_VOL, 0, AJ_O2_OXYGEN_RICH};
    assert_int_equal(aj_gas_judge(&rich).verdict, AJ_GAS_PASS);
    assert_int_equal(judge("O2", 20.9, AJ_GAS_UNIT_PCT_LEL, 0), AJ_GAS_BAD_READING);
    assert_int_equal(judge("H2S", 10, AJ_GAS_UNIT_PPM, 10), AJ_GAS_PASS);
    assert_int_equal(judge("H2S", 10.5, AJ_GAS_UNIT_PPM, 10), AJ_GAS_TOO_HIGH);
    assert_int_equal(judge("H2S", 1, AJ_GAS_UNIT_PPM, 0), AJ_GAS_BAD_READING);     /* no OEL */
    assert_int_equal(judge("Cl2", 1, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_BAD_READING); /* not combustible */
    assert_int_equal(judge("methanol", -0.1, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_BAD_READING);
    assert_int_equal(judge("methanol", NAN, AJ_GAS_UNIT_PCT_VOL, 0), AJ_GAS_BAD_READING);
    double lim;
    assert_false(aj_gas_detector_limit(aj_gas_find("O2"), AJ_GAS_UNIT_PCT_VOL, 0, &lim));
    assert_int_equal(aj_gas_verdict_worse(AJ_GAS_PASS, AJ_GAS_TOO_LOW), AJ_GAS_TOO_LOW);
    assert_int_equal(aj_gas_verdict_worse(AJ_GAS_TOO_HIGH, AJ_GAS_BAD_READING), AJ_GAS_BAD_READING);
}

static void test_simops(void **state) {
    (void)state;
    aj_simops_item hot = {"hot_work", 0, 0, 0}, blind = {"blind_plate", 30, 0, 0};
    aj_simops_conflict c;
    assert_true(aj_simops_check(&hot, &blind, &c));
    assert_int_equal(c.kind, AJ_SIMOPS_HOT_WORK_BLIND_PLATE);
    assert_int_equal(c.severity, AJ_SIMOPS_REFUSE);
    assert_true(aj_simops_check(&blind, &hot, &c)); /* symmetric */
    blind.x = nextafter(30, 31);
    assert_false(aj_simops_check(&hot, &blind, &c));
    aj_simops_item vent_gas = {"venting_gas", 0, 30, 0}, vent_liq = {"venting_liquid", 0, 15, 0};
    assert_true(aj_simops_check(&hot, &vent_gas, &c));
    assert_int_equal(c.kind, AJ_SIMOPS_VENTING);
    assert_true(aj_simops_check(&hot, &vent_liq, &c));
    vent_liq.y = 15.5;
    assert_false(aj_simops_check(&hot, &vent_liq, &c));
    aj_simops_item h1 = {"height", 0, 0, 7}, h2 = {"lifting", 100, 0, 7}, h3 = {"lifting", 0, 0, 8};
    assert_true(aj_simops_check(&h1, &h2, &c));
    assert_int_equal(c.kind, AJ_SIMOPS_SAME_EQUIPMENT);
    assert_int_equal(c.severity, AJ_SIMOPS_FLAG);
    assert_false(aj_simops_check(&h1, &h3, &c));
    aj_simops_item none1 = {"height", 0, 0, 0}, none2 = {"lifting", 0, 0, 0};
    assert_false(aj_simops_check(&none1, &none2, &c)); /* no equipment named */
}

static void test_polygon(void **state) {
    (void)state;
    const double sq[] = {0, 0, 10, 0, 10, 10, 0, 10};
    assert_true(aj_point_in_polygon(5, 5, sq, 4));
    assert_false(aj_point_in_polygon(15, 5, sq, 4));
    const double l[] = {0, 0, 10, 0, 10, 4, 4, 4, 4, 10, 0, 10}; /* an L */
    assert_true(aj_point_in_polygon(2, 8, l, 6));
    assert_false(aj_point_in_polygon(8, 8, l, 6));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),           cmocka_unit_test(test_combustible_limits),
        cmocka_unit_test(test_oxygen_and_toxic), cmocka_unit_test(test_simops),
        cmocka_unit_test(test_polygon),
    };
    return cmocka_run_group_tests_name("permit_gases", tests, NULL, NULL);
}
