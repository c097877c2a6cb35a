/* catalogue.h — the catalogue of special-operation types (GB 30871-2022) as plain C data.
 *
 * The catalogue is data, not code: data/permits/gb30871.json lists the eight types of
 * the standard with their form fields, safety-measure checklist, typical hazards,
 * grades, validity limits, approval chains and gas-analysis rules; docs/permits.md
 * describes every key. This module reads such a file, checks all of it and gives
 * read-only structs and lookups to the permit engine, the API and the UI.
 *
 * Ownership: one aj_permit_catalogue owns everything reachable from it (one arena) and
 * is freed with aj_permit_catalogue_free. Nothing in it changes after loading, so any
 * number of threads may read it at once.
 */
#ifndef AJ_PERMIT_CATALOGUE_H
#define AJ_PERMIT_CATALOGUE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

/* A text in both languages of the console. Neither is NULL or empty. */
typedef struct aj_permit_text {
    const char *en;
    const char *zh;
} aj_permit_text;

/* What a form field holds, and so how the UI asks for it. */
typedef enum aj_permit_field_type {
    AJ_PERMIT_FIELD_TEXT,
    AJ_PERMIT_FIELD_NUMBER,
    AJ_PERMIT_FIELD_DATETIME,
    AJ_PERMIT_FIELD_ENUM,
    AJ_PERMIT_FIELD_BOOL,
    AJ_PERMIT_FIELD_GEO_POINT, /* a position on the site (lat/lon) */
    AJ_PERMIT_FIELD_PERSON,    /* one person of the plant model */
    AJ_PERMIT_FIELD_PEOPLE,    /* several people of the plant model */
    AJ_PERMIT_FIELD_TYPE_COUNT
} aj_permit_field_type;

/* One choice of an enum field. */
typedef struct aj_permit_option {
    const char *id;
    aj_permit_text label;
} aj_permit_option;

/* One field of a type's permit form. */
typedef struct aj_permit_field {
    const char *id;
    aj_permit_text label;
    aj_permit_field_type type;
    bool is_required;
    const char *unit;                /* number fields only; NULL when none */
    const aj_permit_option *options; /* enum fields only (n_options >= 1), else NULL */
    int n_options;
} aj_permit_field;

/* A checklist safety measure or a typical hazard: an id unique in its list and a text. */
typedef struct aj_permit_item {
    const char *id;
    aj_permit_text text;
} aj_permit_item;

/* How long a permit of one grade may be valid, in whole hours: the end the UI proposes
 * (default_h) and the most allowed (max_h); 1 <= default_h <= max_h. */
typedef struct aj_permit_validity {
    int default_h;
    int max_h;
} aj_permit_validity;

/* Who approves a permit of one grade: every role signs, in this order (one role for
 * most grades; countersignatures for excavation). n_roles >= 1; each role is an index
 * into aj_permit_catalogue.roles. */
typedef struct aj_permit_approval {
    const int *roles;
    int n_roles;
} aj_permit_approval;

/* One grade of a type (hot work: special/grade1/grade2; height: I-IV; lifting: 1-3;
 * the others: "standard"). */
typedef struct aj_permit_grade {
    const char *code;
    aj_permit_text name;
    aj_permit_validity validity;
    aj_permit_approval approval;
    int gas_retest_after_pause_min; /* re-test gas after a pause longer than this; 0 when
                                       the type needs no gas analysis */
    bool is_gas_monitored;          /* continuous gas monitoring during the work */
} aj_permit_grade;

/* Gas analysis of a type, the same for all its grades (the per-grade re-test pause is
 * in aj_permit_grade). All zero when is_required is false. */
typedef struct aj_permit_gas_rules {
    bool is_required;
    int sample_max_age_min;       /* the last sample before the start is at most this old */
    int record_interval_min;      /* monitoring results are recorded this often; 0: no rule */
    bool is_daily_retest;         /* a new analysis each day the permit is used */
    double sample_distance_m_max; /* samples within this distance of the work; 0: no rule */
} aj_permit_gas_rules;

/* One special-operation type. */
typedef struct aj_permit_type {
    const char *code;
    aj_permit_text name;
    const aj_permit_grade *grades; /* n_grades >= 1, codes unique */
    int n_grades;
    aj_permit_gas_rules gas;
    const aj_permit_field *fields; /* n_fields >= 1, ids unique */
    int n_fields;
    const aj_permit_item *checklist; /* safety measures; n_checklist >= 1, ids unique */
    int n_checklist;
    const aj_permit_item *hazards; /* typical hazards for the risk analysis; >= 1 */
    int n_hazards;
    /* A permit of this type that serves a permit of one of these types (indexes into
     * aj_permit_catalogue.types) must lie within that permit's validity (temporary power
     * serving hot work or confined space). */
    const int *bounded_by;
    int n_bounded_by;
    /* Special-operation certificate types (plant file "certificates[].type") of which
     * every worker holds one, valid and not overdue for review; none when 0. */
    const char *const *certificates;
    int n_certificates;
} aj_permit_type;

/* A role that approves or countersigns permits. */
typedef struct aj_permit_role {
    const char *code;
    aj_permit_text name;
} aj_permit_role;

typedef struct aj_permit_catalogue {
    const char *standard; /* e.g. "GB 30871-2022" */
    const aj_permit_role *roles;
    int n_roles;
    const aj_permit_type *types;
    int n_types;
    struct aj_arena *arena; /* owns everything above */
} aj_permit_catalogue;

/* Parses and checks a catalogue from JSON text (len bytes, NUL not needed). On success
 * *out is a new catalogue the caller frees with aj_permit_catalogue_free. On failure
 * *out is NULL, nothing is left allocated, and err holds the first problem as
 * "JSONPATH: what is wrong" (e.g. `$.types[2].checklist[4].id: duplicate id
 * "gas_test"`). Errors: AJ_EJSON (not JSON, or nested too deep), AJ_EINVAL (not a valid
 * catalogue), AJ_ETOOBIG (more items or longer texts than src/base/limits.h allows),
 * AJ_ENOMEM. */
aj_err aj_permit_catalogue_parse(const char *text, size_t len, aj_permit_catalogue **out, char *err,
                                 size_t errlen);

/* Reads the file at path (at most AJ_PERMIT_CATALOGUE_FILE_MAX bytes) and parses it as
 * aj_permit_catalogue_parse does; errors start with "PATH: ". Adds AJ_EIO and
 * AJ_ETOOBIG (file too large). */
aj_err aj_permit_catalogue_load(const char *path, aj_permit_catalogue **out, char *err, size_t errlen);

/* Frees the catalogue and everything in it. NULL is a no-op. */
void aj_permit_catalogue_free(aj_permit_catalogue *cat);

/* True when every invariant stated in this header holds (counts within limits, unique
 * codes, indexes in range, validity and gas times in range). For asserts and fuzzing. */
bool aj_permit_catalogue_ok(const aj_permit_catalogue *cat);

/* ---- lookups (all return NULL / -1 when not found; none allocates) ---- */

/* The type with this code. */
const aj_permit_type *aj_permit_type_find(const aj_permit_catalogue *cat, const char *code);
/* Index of the type with this code in cat->types. */
int aj_permit_type_index(const aj_permit_catalogue *cat, const char *code);
/* Index of the grade with this code in t->grades. */
int aj_permit_grade_index(const aj_permit_type *t, const char *grade_code);
/* Validity limits of grade (an index into t->grades); NULL when out of range. */
const aj_permit_validity *aj_permit_validity_of(const aj_permit_type *t, int grade);
/* Default approval chain of grade; NULL when out of range. */
const aj_permit_approval *aj_permit_approval_of(const aj_permit_type *t, int grade);
/* Index of the role with this code in cat->roles. */
int aj_permit_role_index(const aj_permit_catalogue *cat, const char *code);
/* Code of a field type ("text", "number", ..., "people"); "unknown" when out of range. */
const char *aj_permit_field_type_code(aj_permit_field_type type);

#endif
