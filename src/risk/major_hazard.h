/* major_hazard.h — identifying and grading major hazard sources (重大危险源) by
 * GB 18218-2018 (危险化学品重大危险源辨识).
 *
 * A unit (a tank farm, a process unit, a warehouse) holds substances in design maximum
 * quantities q (t). Each substance has a critical quantity Q (t): from Table 1 when the
 * standard names it, else from Table 2 by its hazard category. Then
 *
 *   S = sum of q / Q                    the unit is a major hazard source when S >= 1
 *   R = alpha x sum of beta x q / Q     level 1 R >= 100, 2 50 <= R < 100,
 *                                       3 10 <= R < 50, 4 R < 10 (Table 6)
 *
 * beta is the correction factor of Table 3 (named toxic gases) or, for everything else,
 * of Table 4 by category; alpha (Table 5) grows with the people within 500 m outside the
 * fence. Tables 1-4 are data (data/risk/gb18218.json, docs/risk.md); Tables 5 and 6 are
 * fixed here. S and R are compared with their thresholds allowing AJ_MH_TOLERANCE, so
 * that sums that equal a threshold in decimal (0.7 + 0.2 + 0.1) are not lost to binary
 * rounding.
 *
 * Ownership: one aj_mh_table owns everything reachable from it (one arena) and is freed
 * with aj_mh_table_free. It never changes after loading: any number of threads may read
 * it. The assessment functions are pure and allocate nothing.
 */
#ifndef AJ_RISK_MAJOR_HAZARD_H
#define AJ_RISK_MAJOR_HAZARD_H

#include "base/err.h"
#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>

/* Relative tolerance of the S >= 1 and R >= 10/50/100 comparisons: S >= 1 - 1e-9 counts
 * as S >= 1. Quantities are never known to a billionth, so nothing real is misjudged. */
#define AJ_MH_TOLERANCE 1e-9

/* A text in both languages. Neither is NULL or empty. */
typedef struct aj_mh_text {
    const char *en;
    const char *zh;
} aj_mh_text;

/* A hazard category of Table 2 with its critical quantity, and its beta of Table 4. */
typedef struct aj_mh_category {
    const char *code; /* "J1" ... "J5", "W1.1" ... "W11" */
    aj_mh_text name;
    double critical_t; /* Q, AJ_MH_CRITICAL_T_MIN to _MAX */
    double beta;       /* > 0, at most AJ_MH_BETA_MAX */
    const char *source;
} aj_mh_category;

/* A substance named in Table 1. Its beta is either its own (Table 3: named toxic gases;
 * category -1) or that of its category (Table 4; beta 0). */
typedef struct aj_mh_substance {
    const char *code;           /* "ammonia" */
    aj_mh_text name;            /* name.zh as printed in Table 1: "氨" */
    const char *const *aliases; /* other Chinese names ("液氨", "氨气"); n_aliases >= 0 */
    int n_aliases;
    const char *const *cas; /* CAS numbers, check digit verified; n_cas >= 0 */
    int n_cas;
    double critical_t;  /* Q, AJ_MH_CRITICAL_T_MIN to _MAX */
    double beta;        /* Table 3 beta, > 0; 0 when the category gives it */
    int category;       /* index into aj_mh_table.categories giving beta; -1 when beta is set */
    const char *source; /* e.g. "Table 1 No. 1; beta Table 3" */
    const char *note;   /* NULL when none */
} aj_mh_substance;

typedef struct aj_mh_table {
    const char *standard; /* "GB 18218-2018" */
    const aj_mh_category *categories;
    int n_categories;
    const aj_mh_substance *substances;
    int n_substances;
    struct aj_arena *arena; /* owns everything above */
} aj_mh_table;

/* Parses and checks a table from JSON text (len bytes, NUL not needed). On success *out is
 * a new table the caller frees with aj_mh_table_free. On failure *out is NULL, nothing is
 * left allocated and err holds the first problem as "JSONPATH: what is wrong" (e.g.
 * `$.substances[3].cas[0]: "7664-41-8" has a wrong check digit (7664-41-7?)`).
 * Codes, CAS numbers, names and aliases are unique across all substances, so a lookup
 * finds one row at most. Errors: AJ_EJSON, AJ_EINVAL, AJ_ETOOBIG (more rows or longer
 * texts than src/base/limits.h allows), AJ_ENOMEM. */
aj_err aj_mh_table_parse(const char *text, size_t len, aj_mh_table **out, char *err, size_t errlen);

/* Reads the file at path (at most AJ_MH_TABLE_FILE_MAX bytes) and parses it; errors
 * start with "PATH: ". Adds AJ_EIO and AJ_ETOOBIG (file too large). */
aj_err aj_mh_table_load(const char *path, aj_mh_table **out, char *err, size_t errlen);

/* Frees the table and everything in it. NULL is a no-op. */
void aj_mh_table_free(aj_mh_table *table);

/* True when every invariant stated above holds. For asserts and fuzzing. */
bool aj_mh_table_ok(const aj_mh_table *table);

/* The substance whose code, CAS number, Chinese name or Chinese alias is key (exact,
 * case-sensitive): an index into table->substances, or -1. */
int aj_mh_substance_find(const aj_mh_table *table, const char *key);
/* The category with this code ("W5.3"): an index into table->categories, or -1. */
int aj_mh_category_find(const aj_mh_table *table, const char *code);

/* ---- assessment ----------------------------------------------------------------------- */

/* One substance in a unit. Either a Table 1 substance (substance >= 0), or a substance the
 * table does not name, given by its category (substance -1, category >= 0: Q and beta of
 * the category). For a Table 1 substance whose beta comes from a category, category may
 * name another one for beta than the table's (methanol handled above its boiling point:
 * W5.1, beta 1.5); Q stays that of Table 1. -1: the table's. */
typedef struct aj_mh_item {
    int substance;
    int category;
    double q_t; /* design maximum quantity in the unit, 0 to AJ_MH_QUANTITY_T_MAX t */
} aj_mh_item;

/* How one item counted. */
typedef struct aj_mh_item_result {
    double q_t;
    double critical_t; /* Q */
    double ratio;      /* q / Q */
    double beta;
    int category; /* the category that gave beta (and Q when substance -1); -1: Table 3 */
} aj_mh_item_result;

typedef struct aj_mh_result {
    double s;      /* sum of q / Q */
    double r;      /* alpha x sum of beta x q / Q, computed whether or not the unit is major */
    double alpha;  /* Table 5 */
    bool is_major; /* S >= 1 */
    int r_level;   /* the level R alone gives (1-4), whether or not the unit is major */
    int level;     /* r_level when is_major, else 0 */
    int n_items;
    aj_mh_item_result items[AJ_MH_UNIT_ITEMS_MAX];
} aj_mh_result;

/* Assesses a unit of n items (1 to AJ_MH_UNIT_ITEMS_MAX) with people_500m people within
 * 500 m outside the fence (0 to AJ_MH_PEOPLE_MAX). AJ_EINVAL for a bad item (index out of
 * range, neither substance nor category, a category for a Table 3 substance, quantity
 * negative, not finite or over the limit) or people count, AJ_ETOOBIG for too many items;
 * err then says which ("items[2].q_t: must be from 0 to 1e+07 t, not -3"), and *out is
 * zeroed. */
aj_err aj_mh_assess(const aj_mh_table *table, const aj_mh_item *items, int n, int people_500m,
                    aj_mh_result *out, char *err, size_t errlen);

/* alpha of Table 5: >= 100 people 2.0; 50-99 1.5; 30-49 1.2; 1-29 1.0; 0 0.5.
 * people_500m >= 0 (a programmer error otherwise). */
double aj_mh_alpha(int people_500m);

/* The level R gives (Table 6): 1 for R >= 100, 2 for 50 <= R < 100, 3 for 10 <= R < 50,
 * 4 below (each threshold allowing AJ_MH_TOLERANCE). */
int aj_mh_level_of(double r);

/* True when S is at least threshold but the unit is not (yet) major: an early warning
 * that a unit's stock approaches the critical quantity. 0 < threshold < 1. */
bool aj_mh_approaches_major(double s, double threshold);

/* How the grade changed from before to after: 0 the same level (or neither is major),
 * > 0 more severe (a lower level number, or becoming major), < 0 less severe. The value
 * is the number of steps (not major counts as one step below level 4). */
int aj_mh_level_change(const aj_mh_result *before, const aj_mh_result *after);

#endif
