/* gases.c — the gas table and the verdict of one reading (gases.h). */
#include "permit/gases.h"

#include <math.h>
#include <stddef.h>
#include <strings.h>

/* code, name, LEL % vol, oxygen; aliases follow in ALIASES. */
static const aj_gas_info GASES[] = {
    {"methane", "甲烷", 5.0, false},
    {"methanol", "甲醇", 6.0, false},
    {"ethanol", "乙醇", 3.3, false},
    {"isopropanol", "异丙醇", 2.0, false},
    {"acetone", "丙酮", 2.5, false},
    {"toluene", "甲苯", 1.1, false},
    {"benzene", "苯", 1.2, false},
    {"xylene", "二甲苯", 0.9, false},
    {"ethyl_acetate", "乙酸乙酯", 2.0, false},
    {"propane", "丙烷", 2.1, false},
    {"butane", "丁烷", 1.6, false},
    {"ethylene", "乙烯", 2.7, false},
    {"propylene", "丙烯", 2.0, false},
    {"hydrogen", "氢气", 4.0, false},
    {"gasoline", "汽油", 1.4, false},
    {"CO", "一氧化碳", 12.5, false},
    {"H2S", "硫化氢", 4.0, false},
    {"NH3", "氨", 15.0, false},
    {"Cl2", "氯气", 0.0, false},
    {"O2", "氧气", 0.0, true},
};
static const struct {
    const char *alias, *code;
} ALIASES[] = {{"CH4", "methane"},          {"MeOH", "methanol"},      {"H2", "hydrogen"},
               {"ammonia", "NH3"},          {"oxygen", "O2"},          {"chlorine", "Cl2"},
               {"hydrogen_sulfide", "H2S"}, {"carbon_monoxide", "CO"}, {"C3H8", "propane"}};

const aj_gas_info *aj_gas_find(const char *code) {
    if (!code) return NULL;
    for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++)
        if (!strcasecmp(code, ALIASES[i].alias)) code = ALIASES[i].code;
    for (size_t i = 0; i < sizeof GASES / sizeof GASES[0]; i++)
        if (!strcasecmp(code, GASES[i].code)) return &GASES[i];
    return NULL;
}

static const char *const UNIT_CODES[AJ_GAS_UNIT_COUNT] = {"%vol", "%LEL", "ppm"};

const char *aj_gas_unit_code(aj_gas_unit u) {
    return (unsigned)u < AJ_GAS_UNIT_COUNT ? UNIT_CODES[u] : "?";
}

int aj_gas_unit_parse(const char *s) {
    for (int i = 0; s && i < AJ_GAS_UNIT_COUNT; i++)
        if (!strcasecmp(s, UNIT_CODES[i])) return i;
    return -1;
}

bool aj_gas_detector_limit(const aj_gas_info *gas, aj_gas_unit unit, double oel_ppm, double *limit) {
    if (!gas || gas->is_oxygen) return false;
    if (unit == AJ_GAS_UNIT_PPM) {
        if (!(oel_ppm > 0)) return false;
        *limit = oel_ppm;
        return true;
    }
    if (!(gas->lel_pct_vol > 0)) return false;
    double vol = aj_gas_combustible_limit_pct_vol(gas->lel_pct_vol);
    *limit = unit == AJ_GAS_UNIT_PCT_VOL ? vol : vol / gas->lel_pct_vol * 100.0;
    return true;
}

aj_gas_judgement aj_gas_judge(const aj_gas_reading *r) {
    aj_gas_judgement j = {AJ_GAS_BAD_READING, 0, 0};
    if (!r->gas || !isfinite(r->value) || r->value < 0) return j;
    if (r->gas->is_oxygen) {
        if (r->unit != AJ_GAS_UNIT_PCT_VOL) return j;
        j.limit_low = r->o2_rule == AJ_O2_OXYGEN_EQUIPMENT ? 0 : AJ_GAS_O2_MIN_PCT_VOL;
        j.limit = r->o2_rule == AJ_O2_CONFINED_SPACE ? AJ_GAS_O2_MAX_PCT_VOL : AJ_GAS_O2_RICH_MAX_PCT_VOL;
        j.verdict = aj_gas_check_oxygen(r->value, r->o2_rule);
        return j;
    }
    if (!aj_gas_detector_limit(r->gas, r->unit, r->oel_ppm, &j.limit)) return j;
    j.verdict = r->value <= j.limit ? AJ_GAS_PASS : AJ_GAS_TOO_HIGH;
    return j;
}

aj_gas_verdict aj_gas_verdict_worse(aj_gas_verdict a, aj_gas_verdict b) {
    if (a == AJ_GAS_PASS) return b;
    if (b == AJ_GAS_PASS) return a;
    return a == AJ_GAS_BAD_READING ? a : b == AJ_GAS_BAD_READING ? b : a;
}

const char *aj_gas_verdict_code(aj_gas_verdict v) {
    static const char *const codes[] = {"pass", "too_high", "too_low", "stale", "after_start", "bad_reading"};
    return (unsigned)v < sizeof codes / sizeof codes[0] ? codes[v] : "bad_reading";
}
