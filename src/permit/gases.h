/* gases.h — the gases a permit's gas analysis knows, and the verdict of one reading.
 *
 * A reading is a value in a unit: combustible gas in % vol or % LEL (converted with the
 * gas's lower explosive limit), oxygen in % vol, a toxic gas in ppm against its
 * occupational exposure limit. The pass limits are GB 30871-2022's (grading.h): a
 * combustible gas of LEL >= 4 % vol passes at <= 0.5 % vol, else <= 0.2 % vol; oxygen
 * 19.5-21 % vol in a confined space (19.5-23.5 in oxygen-rich work); a toxic gas at or
 * below its OEL. LEL values are the usual handbook figures (NIOSH Pocket Guide); the
 * table is in gases.c. Pure functions, no allocation. */
#ifndef AJ_PERMIT_GASES_H
#define AJ_PERMIT_GASES_H

#include "permit/grading.h"

#include <stdbool.h>

typedef enum aj_gas_unit {
    AJ_GAS_UNIT_PCT_VOL,
    AJ_GAS_UNIT_PCT_LEL,
    AJ_GAS_UNIT_PPM,
    AJ_GAS_UNIT_COUNT
} aj_gas_unit;

typedef struct aj_gas_info {
    const char *code; /* "methanol", "O2", "H2S", ... */
    const char *name_zh;
    double lel_pct_vol; /* 0 when not combustible */
    bool is_oxygen;
} aj_gas_info;

/* The gas with this code or alias (case-insensitive: "CH4" and "methane" alike), or NULL. */
const aj_gas_info *aj_gas_find(const char *code);
/* "%vol", "%LEL", "ppm" and back (-1: unknown). */
const char *aj_gas_unit_code(aj_gas_unit u);
int aj_gas_unit_parse(const char *s);

/* One reading and what it was judged against. */
typedef struct aj_gas_reading {
    const aj_gas_info *gas;
    double value;
    aj_gas_unit unit;
    double oel_ppm;         /* toxic gases in ppm: the exposure limit (> 0) */
    aj_oxygen_rule o2_rule; /* oxygen readings */
} aj_gas_reading;

typedef struct aj_gas_judgement {
    aj_gas_verdict verdict;
    double limit;     /* the upper limit in the reading's unit (oxygen: the upper end) */
    double limit_low; /* oxygen only: the lower end; else 0 */
} aj_gas_judgement;

/* Judges one reading. Fails (AJ_GAS_BAD_READING) for a value that is negative or not a
 * number, % LEL of a gas with no LEL, ppm without an OEL, oxygen not in % vol. */
aj_gas_judgement aj_gas_judge(const aj_gas_reading *r);

/* The most a detector of gas in unit may read and still pass (for interlocks): % LEL
 * and % vol of combustible gases; ppm of toxic gases at oel_ppm (> 0). Returns false
 * when no upper limit applies (oxygen, unknown). */
bool aj_gas_detector_limit(const aj_gas_info *gas, aj_gas_unit unit, double oel_ppm, double *limit);

/* The worse of two verdicts (pass is the best). */
aj_gas_verdict aj_gas_verdict_worse(aj_gas_verdict a, aj_gas_verdict b);
/* "pass", "too_high", "too_low", "stale", "after_start", "bad_reading". */
const char *aj_gas_verdict_code(aj_gas_verdict v);

#endif
