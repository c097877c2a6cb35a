/* assess.h — risk assessment of the dual-prevention system (风险分级管控): LEC scores,
 * the 5 x 5 risk matrix, the four risk levels and the residual risk of an area.
 *
 * Two scoring methods give a score, the band the score falls in and the risk level of
 * that band:
 *   - LEC (作业条件危险性评价法): D = L x E x C, each factor one of the method's discrete
 *     values; bands hold above < D <= max (lower end open, upper end closed).
 *   - Risk matrix: R = L x S, both integers 1-5; bands hold min <= R <= max (integers).
 * Which scores make which band, and which band is which level, differ between companies,
 * so the bands are data: data/risk/assessment.json holds the default and docs/risk.md
 * describes the format. The four levels and their colours are fixed (the national
 * four-colour map: 重大 red, 较大 orange, 一般 yellow, 低 blue).
 *
 * aj_risk_bands is a plain value (fixed arrays, no pointers out of it): copy it, keep it
 * in a struct, free nothing. Every function here is pure and thread-safe.
 */
#ifndef AJ_RISK_ASSESS_H
#define AJ_RISK_ASSESS_H

#include "base/err.h"
#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>

/* The four risk levels, in order of severity (so the highest of several is their max). */
typedef enum aj_risk_level {
    AJ_RISK_NONE = 0,    /* nothing assessed (an area without risk points) */
    AJ_RISK_LOW,         /* 低风险, blue */
    AJ_RISK_GENERAL,     /* 一般风险, yellow */
    AJ_RISK_SIGNIFICANT, /* 较大风险, orange */
    AJ_RISK_MAJOR,       /* 重大风险, red */
    AJ_RISK_LEVEL_COUNT
} aj_risk_level;

/* How a level is written and shown. */
typedef struct aj_risk_level_info {
    const char *code;    /* "low", "general", "significant", "major" */
    const char *name_zh; /* 低, 一般, 较大, 重大 */
    const char *name_en; /* "Low", "General", "Significant", "Major" */
    const char *colour;  /* "blue", "yellow", "orange", "red" */
    const char *hex;     /* "#0000FF", "#FFFF00", "#FF8C00", "#FF0000" */
} aj_risk_level_info;

/* The names and colours of level; NULL for AJ_RISK_NONE and anything out of range. */
const aj_risk_level_info *aj_risk_level_describe(aj_risk_level level);
/* The level with this code ("major", ...); AJ_RISK_NONE when there is none. */
aj_risk_level aj_risk_level_parse(const char *code);

/* One band of a scoring table. LEC: above < D <= max (has_max false on the last band: no
 * upper end). Matrix: min <= R <= max, whole numbers (kept in above/max as min - 1 and
 * max, so both tables compare the same way: above < score <= max). */
typedef struct aj_risk_band {
    char code[AJ_RISK_CODE_LEN_MAX + 1];
    char name_en[AJ_RISK_NAME_LEN_MAX + 1];
    char name_zh[AJ_RISK_NAME_LEN_MAX + 1];
    double above;
    double max;
    bool has_max;
    aj_risk_level level;
} aj_risk_band;

/* A scoring table: bands in rising order, without gap or overlap, levels never falling
 * as the score rises. LEC: the first band starts above 0 and the last has no upper end.
 * Matrix: the first band starts at 1 and the last ends at 25. */
typedef struct aj_risk_table {
    aj_risk_band bands[AJ_RISK_BANDS_MAX];
    int n_bands; /* 1 to AJ_RISK_BANDS_MAX */
} aj_risk_table;

/* An enterprise's bands for both methods. */
typedef struct aj_risk_bands {
    aj_risk_table lec;
    aj_risk_table matrix;
} aj_risk_bands;

/* Parses and checks a band configuration from JSON text (len bytes, NUL not needed) into
 * *out. On failure *out is zeroed and err holds the first problem as "JSONPATH: what is
 * wrong" (e.g. `$.lec.bands[2].above: 80 leaves a gap after bands[1] (which ends at
 * 70)`). Errors: AJ_EJSON (not JSON, or nested too deep), AJ_EINVAL (not a valid
 * configuration), AJ_ETOOBIG (more bands or longer texts than src/base/limits.h allows). */
aj_err aj_risk_bands_parse(const char *text, size_t len, aj_risk_bands *out, char *err, size_t errlen);

/* Reads the file at path (at most AJ_RISK_BANDS_FILE_MAX bytes) and parses it as
 * aj_risk_bands_parse does; errors start with "PATH: ". Adds AJ_EIO and AJ_ETOOBIG. */
aj_err aj_risk_bands_load(const char *path, aj_risk_bands *out, char *err, size_t errlen);

/* True when every invariant stated above holds. For asserts and fuzzing. */
bool aj_risk_bands_ok(const aj_risk_bands *bands);

/* ---- scoring -------------------------------------------------------------------------- */

/* The outcome of one assessment. */
typedef struct aj_risk_result {
    double score;          /* D or R */
    int band;              /* index into the table's bands */
    const char *band_code; /* that band's code: points into the aj_risk_bands used */
    aj_risk_level level;
} aj_risk_result;

/* The values each LEC factor may take, highest first (for forms and messages). */
extern const double AJ_RISK_LEC_L[7]; /* likelihood: 10, 6, 3, 1, 0.5, 0.2, 0.1 */
extern const double AJ_RISK_LEC_E[6]; /* exposure: 10, 6, 3, 2, 1, 0.5 */
extern const double AJ_RISK_LEC_C[6]; /* consequence: 100, 40, 15, 7, 3, 1 */

/* LEC: D = l x e x c, computed exactly (the factors are tenths and halves, so D is formed
 * from whole numbers and rounded once): D equals a band edge whenever the product does.
 * AJ_EINVAL when a factor is not one of the allowed values; err then names the factor
 * and the values ("E must be one of 10, 6, 3, 2, 1, 0.5, not 4"). */
aj_err aj_risk_lec(const aj_risk_bands *bands, double l, double e, double c, aj_risk_result *out, char *err,
                   size_t errlen);

/* Risk matrix: R = likelihood x severity, both 1-5. AJ_EINVAL otherwise. */
aj_err aj_risk_matrix(const aj_risk_bands *bands, int likelihood, int severity, aj_risk_result *out,
                      char *err, size_t errlen);

/* The band of table holding score (above < score <= max), or -1 when none does (a score
 * of 0 or less, NaN). For scores from elsewhere and for testing band edges. */
int aj_risk_band_of(const aj_risk_table *table, double score);

/* The residual risk of an area: the highest level of its assessed risk points (the
 * four-colour map colours an area by it). AJ_RISK_NONE when n is 0. */
aj_risk_level aj_risk_highest(const aj_risk_result *results, int n);

#endif
