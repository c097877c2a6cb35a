/* grading.h — the grading rules and numeric limits of GB 30871-2022, as pure functions.
 *
 * No I/O, no clock, no allocation: callers pass every fact (the place, the local time
 * offset, the wind, the readings) and get a verdict, so the rules are tested as tables
 * and the permit engine can explain each decision. docs/permits.md states the standard's
 * numbers and how each boundary is read. Implemented in grading.c (hot-work, height and
 * lifting grades), grading_gas.c (gas analysis) and grading_validity.c (validity).
 *
 * Grade codes returned here are the grade codes of data/permits/gb30871.json, so
 * aj_permit_grade_index(type, aj_hot_work_grade_code(g)) finds the catalogue grade.
 */
#ifndef AJ_PERMIT_GRADING_H
#define AJ_PERMIT_GRADING_H

#include "base/err.h"
#include "permit/catalogue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- hot work (动火) ------------------------------------------------------------------ */

/* In order of severity: raising a grade adds one, up to special. */
typedef enum aj_hot_work_grade {
    AJ_HOT_WORK_GRADE2,  /* 二级 */
    AJ_HOT_WORK_GRADE1,  /* 一级 */
    AJ_HOT_WORK_SPECIAL, /* 特级 */
} aj_hot_work_grade;

/* Where the hot work is done. */
typedef struct aj_hot_work_place {
    bool is_fire_explosion_area;  /* in a fire and explosion hazard area (火灾爆炸危险场所) */
    bool is_on_running_equipment; /* on production equipment, pipes, tanks or vessels in operation */
    bool is_in_tank_farm_bund;    /* inside the bund of a major-hazard tank farm holding flammables */
    bool is_on_pipe_rack;         /* on a pipe rack (管廊) */
} aj_hot_work_place;

/* When and in what weather. */
typedef struct aj_hot_work_conditions {
    int64_t start_ms, end_ms; /* planned work, UTC milliseconds; end_ms > start_ms */
    int utc_offset_min;       /* local time = UTC + offset (Asia/Shanghai: 480); |offset| <= 14 h */
    bool is_holiday;          /* the work falls on a statutory holiday (enterprise calendar) */
    bool is_outdoors;
    double wind_mps; /* mean wind speed at the work, m/s; read only outdoors, then >= 0 */
} aj_hot_work_conditions;

/* What the enterprise may set; AJ_GRADING_POLICY_DEFAULT is the reading of the standard. */
typedef struct aj_grading_policy {
    int night_start_min;   /* local minute of the day night starts (0..1439) */
    int night_end_min;     /* local minute of the day night ends (0..1439, != start) */
    double wind_raise_mps; /* outdoors at this mean wind speed or more raises the grade */
} aj_grading_policy;

#define AJ_NIGHT_START_MIN_DEFAULT (20 * 60) /* 20:00 */
#define AJ_NIGHT_END_MIN_DEFAULT   (6 * 60)  /* 06:00 */
#define AJ_WIND_FORCE5_MPS         8.0       /* Beaufort force 5 starts at 8.0 m/s */
#define AJ_GRADING_POLICY_DEFAULT                                                                            \
    {                                                                                                        \
        .night_start_min = AJ_NIGHT_START_MIN_DEFAULT, .night_end_min = AJ_NIGHT_END_MIN_DEFAULT,            \
        .wind_raise_mps = AJ_WIND_FORCE5_MPS                                                                 \
    }

/* Why a grade was raised, in the order they are reported. */
typedef enum aj_hot_work_raise {
    AJ_HOT_WORK_RAISE_HOLIDAY,
    AJ_HOT_WORK_RAISE_NIGHT,
    AJ_HOT_WORK_RAISE_WIND,
    AJ_HOT_WORK_RAISE_COUNT
} aj_hot_work_raise;

typedef struct aj_hot_work_grading {
    aj_hot_work_grade base_grade; /* from the place alone */
    aj_hot_work_grade grade;      /* final: base raised one grade at most */
    int n_reasons;                /* reasons that apply (0: not raised) */
    aj_hot_work_raise reasons[AJ_HOT_WORK_RAISE_COUNT];
    double wind_mps;       /* as given, for the explanation */
    double wind_raise_mps; /* the policy's threshold */
} aj_hot_work_grading;

/* The grade of the place: special when on running equipment in a fire and explosion
 * hazard area or inside the bund of a major-hazard tank farm; grade1 for other work in
 * such an area or on a pipe rack; grade2 otherwise. */
aj_hot_work_grade aj_hot_work_base_grade(const aj_hot_work_place *place);
/* Grades hot work: the base grade, raised by exactly one grade (special stays special)
 * when any of holiday, night (the work overlaps the policy's night) or outdoor wind at or
 * above the threshold applies; every reason that applies is listed. policy NULL: the
 * defaults. AJ_EINVAL when end_ms <= start_ms, the offset is out of range, the wind is
 * negative or not a number outdoors, or the policy is out of range. */
aj_err aj_hot_work_grade_of(const aj_hot_work_place *place, const aj_hot_work_conditions *cond,
                            const aj_grading_policy *policy, aj_hot_work_grading *out);
/* True when some part of [start_ms, end_ms) falls in the night [night_start, night_end)
 * of local time (night may run over midnight); end_ms <= start_ms tests the instant
 * start_ms. policy NULL: the defaults; else it must be in range (asserted). Times as
 * aj_hot_work_grade_of accepts them (years 0000 to 9999). */
bool aj_is_night(int64_t start_ms, int64_t end_ms, int utc_offset_min, const aj_grading_policy *policy);
/* Catalogue code: "grade2", "grade1", "special". */
const char *aj_hot_work_grade_code(aj_hot_work_grade g);
/* "holiday", "night", "wind". */
const char *aj_hot_work_raise_code(aj_hot_work_raise r);
/* One line for people: "not raised", "raised: night, wind 9.1 m/s ≥ force 5", or
 * "not raised (special is the highest grade): holiday". Returns buf. */
const char *aj_hot_work_grading_describe(const aj_hot_work_grading *g, char *buf, size_t size);

/* ---- work at height (高处) ------------------------------------------------------------- */

typedef enum aj_height_class {
    AJ_HEIGHT_NOT_SPECIAL, /* below 2 m: not work at height, no permit */
    AJ_HEIGHT_I,
    AJ_HEIGHT_II,
    AJ_HEIGHT_III,
    AJ_HEIGHT_IV,
} aj_height_class;

#define AJ_HEIGHT_MIN_M 2.0 /* work at height starts at 2 m above the fall datum */

/* Class of work at height_m metres: bands [2, 5], (5, 15], (15, 30], (30, ...) give
 * I/II/III/IV, or II/III/IV/IV when any objective hazard factor is present (class B);
 * below 2 m AJ_HEIGHT_NOT_SPECIAL. AJ_EINVAL when height_m is negative or not a number. */
aj_err aj_height_class_of(double height_m, bool has_objective_hazard, aj_height_class *out);
/* Catalogue code: "I" .. "IV"; "none" for AJ_HEIGHT_NOT_SPECIAL. */
const char *aj_height_class_code(aj_height_class c);

/* ---- lifting (吊装) ------------------------------------------------------------------- */

typedef enum aj_lifting_grade {
    AJ_LIFTING_GRADE3, /* m < 40 t */
    AJ_LIFTING_GRADE2, /* 40 t <= m <= 100 t */
    AJ_LIFTING_GRADE1, /* m > 100 t */
} aj_lifting_grade;

#define AJ_LIFTING_GRADE2_MIN_T 40.0
#define AJ_LIFTING_GRADE2_MAX_T 100.0

/* Grade of a lift of mass_t tonnes. AJ_EINVAL when mass_t is not a positive number. */
aj_err aj_lifting_grade_of(double mass_t, aj_lifting_grade *out);
/* Catalogue code: "1", "2", "3". */
const char *aj_lifting_grade_code(aj_lifting_grade g);

/* ---- gas analysis (grading_gas.c) ------------------------------------------------------ */

#define AJ_GAS_LEL_SPLIT_PCT_VOL          4.0  /* gases with LEL >= 4 % vol have the looser limit */
#define AJ_GAS_HIGH_LEL_MAX_PCT_VOL       0.5  /* most allowed when LEL >= 4 % vol */
#define AJ_GAS_LOW_LEL_MAX_PCT_VOL        0.2  /* most allowed when LEL < 4 % vol */
#define AJ_GAS_O2_MIN_PCT_VOL             19.5 /* confined space */
#define AJ_GAS_O2_MAX_PCT_VOL             21.0 /* confined space */
#define AJ_GAS_O2_RICH_MAX_PCT_VOL        23.5 /* oxygen-rich work and oxygen equipment */
#define AJ_GAS_SAMPLE_MAX_AGE_MIN_DEFAULT 30   /* the standard's limit for hot work and confined space */

typedef enum aj_gas_verdict {
    AJ_GAS_PASS,
    AJ_GAS_TOO_HIGH,    /* above the limit */
    AJ_GAS_TOO_LOW,     /* below the limit (oxygen) */
    AJ_GAS_STALE,       /* the sample is older than allowed at the start */
    AJ_GAS_AFTER_START, /* the sample was taken after the start it should clear */
    AJ_GAS_BAD_READING, /* negative or not a number: never a pass */
} aj_gas_verdict;

/* Which oxygen limit applies. */
typedef enum aj_oxygen_rule {
    AJ_O2_CONFINED_SPACE,   /* 19.5 to 21 % vol */
    AJ_O2_OXYGEN_RICH,      /* confined space in oxygen-rich work: 19.5 to 23.5 % vol */
    AJ_O2_OXYGEN_EQUIPMENT, /* hot work on oxygen equipment: at most 23.5 % vol */
} aj_oxygen_rule;

/* Most combustible gas allowed (% vol) for a gas whose lower explosive limit is
 * lel_pct_vol: 0.5 when LEL >= 4 % vol, else 0.2. */
double aj_gas_combustible_limit_pct_vol(double lel_pct_vol);
/* Pass when measured_pct_vol <= the limit for lel_pct_vol (the limit itself passes). */
aj_gas_verdict aj_gas_check_combustible(double lel_pct_vol, double measured_pct_vol);
/* Pass when o2_pct_vol lies within the rule's range, both ends included. */
aj_gas_verdict aj_gas_check_oxygen(double o2_pct_vol, aj_oxygen_rule rule);
/* Pass when the sample was taken at most max_age_min minutes before start_ms (exactly
 * max_age_min passes; a sample at start_ms passes). */
aj_gas_verdict aj_gas_check_sample_age(int64_t sampled_ms, int64_t start_ms, int max_age_min);
/* True when a pause of pause_ms needs a new analysis: longer than the grade's limit
 * (aj_permit_grade.gas_retest_after_pause_min; a pause of exactly the limit does not). */
bool aj_gas_retest_is_due(int64_t pause_ms, int retest_after_pause_min);
/* "pass", "too high", ... for messages. */
const char *aj_gas_verdict_text(aj_gas_verdict v);

/* ---- validity (grading_validity.c) ----------------------------------------------------- */

typedef struct aj_permit_window {
    int64_t start_ms, end_ms; /* UTC milliseconds */
} aj_permit_window;

/* The permit another one serves (temporary power for a hot-work job). */
typedef struct aj_permit_served {
    int type; /* index into the catalogue's types */
    aj_permit_window window;
} aj_permit_served;

typedef enum aj_validity_verdict {
    AJ_VALIDITY_OK,
    AJ_VALIDITY_EMPTY,         /* end is not after start */
    AJ_VALIDITY_TOO_LONG,      /* longer than the grade's max_h */
    AJ_VALIDITY_BEFORE_SERVED, /* starts before the permit it serves */
    AJ_VALIDITY_AFTER_SERVED,  /* ends after the permit it serves */
} aj_validity_verdict;

/* Checks a requested window for grade of type (indexes into cat; programmer errors when
 * out of range): end after start, at most validity.max_h long (exactly max_h passes).
 * When served is given and its type is in the type's bounded_by, the window must also
 * lie within served->window; otherwise served is not looked at. */
aj_validity_verdict aj_permit_validity_check(const aj_permit_catalogue *cat, int type, int grade,
                                             aj_permit_window w, const aj_permit_served *served);
/* "ok", "ends before it starts", ... for messages. */
const char *aj_validity_verdict_text(aj_validity_verdict v);

#endif
