/* grading_gas.c — gas-analysis verdicts of GB 30871-2022 (grading.h): combustible gas
 * against the LEL-dependent limit, oxygen ranges, sample age at the start and the
 * re-test after a pause.
 *
 * Every limit is inclusive (a reading equal to the limit passes; a sample exactly
 * max_age_min old passes; a pause exactly as long as the limit needs no re-test). A
 * reading that is negative or not a number never passes.
 */
#include "permit/grading.h"

#include <math.h>

#define MS_PER_MIN 60000LL

double aj_gas_combustible_limit_pct_vol(double lel_pct_vol) {
    return lel_pct_vol >= AJ_GAS_LEL_SPLIT_PCT_VOL ? AJ_GAS_HIGH_LEL_MAX_PCT_VOL : AJ_GAS_LOW_LEL_MAX_PCT_VOL;
}

static bool is_reading(double v) {
    return v >= 0 && isfinite(v);
}

aj_gas_verdict aj_gas_check_combustible(double lel_pct_vol, double measured_pct_vol) {
    if (!is_reading(measured_pct_vol) || !(lel_pct_vol > 0) || !isfinite(lel_pct_vol))
        return AJ_GAS_BAD_READING;
    return measured_pct_vol <= aj_gas_combustible_limit_pct_vol(lel_pct_vol) ? AJ_GAS_PASS : AJ_GAS_TOO_HIGH;
}

aj_gas_verdict aj_gas_check_oxygen(double o2_pct_vol, aj_oxygen_rule rule) {
    if (!is_reading(o2_pct_vol) || o2_pct_vol > 100) return AJ_GAS_BAD_READING;
    double lo = rule == AJ_O2_OXYGEN_EQUIPMENT ? 0 : AJ_GAS_O2_MIN_PCT_VOL;
    double hi = rule == AJ_O2_CONFINED_SPACE ? AJ_GAS_O2_MAX_PCT_VOL : AJ_GAS_O2_RICH_MAX_PCT_VOL;
    if (o2_pct_vol < lo) return AJ_GAS_TOO_LOW;
    if (o2_pct_vol > hi) return AJ_GAS_TOO_HIGH;
    return AJ_GAS_PASS;
}

aj_gas_verdict aj_gas_check_sample_age(int64_t sampled_ms, int64_t start_ms, int max_age_min) {
    if (sampled_ms > start_ms) return AJ_GAS_AFTER_START;
    /* the age as an unsigned difference is exact even where start - sampled overflows */
    uint64_t age_ms = (uint64_t)start_ms - (uint64_t)sampled_ms;
    if (age_ms > (uint64_t)max_age_min * MS_PER_MIN) return AJ_GAS_STALE;
    return AJ_GAS_PASS;
}

bool aj_gas_retest_is_due(int64_t pause_ms, int retest_after_pause_min) {
    return pause_ms > (int64_t)retest_after_pause_min * MS_PER_MIN;
}

const char *aj_gas_verdict_text(aj_gas_verdict v) {
    static const char *const texts[] = {
        "pass",       "too high", "too low", "sample too old at the start", "sample taken after the start",
        "bad reading"};
    return (v >= AJ_GAS_PASS && v <= AJ_GAS_BAD_READING) ? texts[v] : "unknown";
}
