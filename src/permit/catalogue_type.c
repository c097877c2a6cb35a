/* catalogue_type.c — reads one special-operation type of the catalogue: code, name,
 * grades, the per-grade maps (validity, approval, gas re-test), the gas-analysis rules
 * and the form parts (catalogue_form.c); and, once every type is read, "bounded_by"
 * (catalogue_read.h).
 *
 * Per-grade data sits in JSON maps keyed by grade code ("validity": {"special": {...}});
 * each map must have exactly one entry per declared grade. In C it is folded into
 * aj_permit_grade, so a lookup by grade index needs no search. Parts are read in a fixed
 * order (code, name, grades, validity, approval, gas_analysis, fields, checklist,
 * hazards), so the first error of a file is always the same one.
 */
#include "base/limits.h"
#include "permit/catalogue_read.h"

#include <string.h>

static aj_err grades(aj_jc *c, const json_t *arr, const char *path, aj_permit_type *t,
                     aj_permit_grade **out) {
    static const aj_jc_key keys[] = {{"code", AJ_JC_STRING, true}, {"name", AJ_JC_OBJECT, true}};
    aj_err e = aj_jc_count(c, arr, path, "grades", 1, AJ_PERMIT_GRADES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_permit_grade *g = aj_arena_alloc(c->arena, (size_t)n * sizeof *g);
    const char **codes = aj_arena_alloc(c->arena, (size_t)n * sizeof *codes);
    if ((e = aj_jc_nomem(c, g && codes ? g : NULL, path))) return e;
    for (int i = 0; i < n; i++) {
        const json_t *j = json_array_get(arr, (size_t)i);
        char at[AJ_JC_PATH_LEN], sub[AJ_JC_PATH_LEN];
        aj_jc_path(at, path, "[%d]", i);
        if ((e = aj_jc_object(c, j, at, keys, 2))) return e;
        aj_jc_path(sub, at, ".code");
        if ((e = aj_pcat_id(c, json_object_get(j, "code"), sub, &g[i].code))) return e;
        if (aj_pcat_find(codes, i, g[i].code) >= 0)
            return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate code \"%s\"", g[i].code);
        codes[i] = g[i].code;
        aj_jc_path(sub, at, ".name");
        if ((e = aj_pcat_text(c, json_object_get(j, "name"), sub, AJ_PERMIT_LABEL_LEN_MAX, &g[i].name)))
            return e;
    }
    t->grades = g;
    t->n_grades = n;
    *out = g;
    return AJ_OK;
}

/* Checks that map has one entry per grade of t and nothing else; by_grade[g] gets the
 * entry of grade g. The first key that is no grade (document order) is reported, then
 * the first grade without an entry. */
static aj_err grade_map(aj_jc *c, const json_t *map, const char *path, const aj_permit_type *t,
                        const json_t **by_grade) {
    const char *key;
    const json_t *value;
    char q[AJ_JC_QUOTE_LEN];
    json_object_foreach((json_t *)map, key, value) {
        if (aj_permit_grade_index(t, key) < 0)
            return aj_jc_fail(c, AJ_EINVAL, path, "\"%s\" is not a grade of this type", aj_jc_quote(key, q));
    }
    for (int g = 0; g < t->n_grades; g++) {
        by_grade[g] = json_object_get(map, t->grades[g].code);
        if (!by_grade[g])
            return aj_jc_fail(c, AJ_EINVAL, path, "no entry for grade \"%s\"", t->grades[g].code);
    }
    return AJ_OK;
}

static aj_err validity(aj_jc *c, const json_t *j, const char *path, aj_permit_validity *v) {
    static const aj_jc_key keys[] = {{"default_h", AJ_JC_INTEGER, true}, {"max_h", AJ_JC_INTEGER, true}};
    char d_path[AJ_JC_PATH_LEN], m_path[AJ_JC_PATH_LEN];
    aj_jc_path(d_path, path, ".default_h");
    aj_jc_path(m_path, path, ".max_h");
    aj_err e = aj_jc_object(c, j, path, keys, 2);
    if (!e)
        e = aj_pcat_int(c, json_object_get(j, "default_h"), d_path, 1, AJ_PERMIT_VALIDITY_H_MAX, "hours",
                        &v->default_h);
    if (!e)
        e = aj_pcat_int(c, json_object_get(j, "max_h"), m_path, 1, AJ_PERMIT_VALIDITY_H_MAX, "hours",
                        &v->max_h);
    if (!e && v->default_h > v->max_h)
        e = aj_jc_fail(c, AJ_EINVAL, d_path, "%d hours is more than max_h (%d)", v->default_h, v->max_h);
    return e;
}

static aj_err approval(aj_jc *c, const json_t *arr, const char *path, const aj_permit_catalogue *cat,
                       aj_permit_approval *out) {
    if (!json_is_array(arr))
        return aj_jc_fail(c, AJ_EINVAL, path, "must be an array, not %s", aj_jc_kind_of(arr));
    if (json_array_size(arr) == 0) return aj_jc_fail(c, AJ_EINVAL, path, "empty approval chain");
    aj_err e = aj_jc_count(c, arr, path, "roles", 1, AJ_PERMIT_APPROVERS_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    int *roles = aj_arena_alloc(c->arena, (size_t)n * sizeof *roles);
    if ((e = aj_jc_nomem(c, roles, path))) return e;
    for (int i = 0; i < n; i++) {
        const json_t *j = json_array_get(arr, (size_t)i);
        char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
        aj_jc_path(sub, path, "[%d]", i);
        if (!json_is_string(j))
            return aj_jc_fail(c, AJ_EINVAL, sub, "must be a string, not %s", aj_jc_kind_of(j));
        const char *code = json_string_value(j);
        roles[i] = aj_permit_role_index(cat, code);
        if (roles[i] < 0) return aj_jc_fail(c, AJ_EINVAL, sub, "unknown role \"%s\"", aj_jc_quote(code, q));
        for (int k = 0; k < i; k++)
            if (roles[k] == roles[i]) return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate role \"%s\"", code);
    }
    out->roles = roles;
    out->n_roles = n;
    return AJ_OK;
}

/* Reads the per-grade maps "validity" and "approval" of the type object j. */
static aj_err grade_maps(aj_jc *c, const json_t *j, const char *path, const aj_permit_catalogue *cat,
                         aj_permit_type *t, aj_permit_grade *g) {
    const json_t *by_grade[AJ_PERMIT_GRADES_MAX];
    char at[AJ_JC_PATH_LEN], sub[AJ_JC_PATH_LEN];
    aj_jc_path(at, path, ".validity");
    aj_err e = grade_map(c, json_object_get(j, "validity"), at, t, by_grade);
    for (int i = 0; !e && i < t->n_grades; i++) {
        aj_jc_path(sub, at, ".%s", g[i].code);
        e = validity(c, by_grade[i], sub, &g[i].validity);
    }
    aj_jc_path(at, path, ".approval");
    if (!e) e = grade_map(c, json_object_get(j, "approval"), at, t, by_grade);
    for (int i = 0; !e && i < t->n_grades; i++) {
        aj_jc_path(sub, at, ".%s", g[i].code);
        e = approval(c, by_grade[i], sub, cat, &g[i].approval);
    }
    return e;
}

/* "continuous_monitoring": a list of grade codes, each once. */
static aj_err monitored(aj_jc *c, const json_t *arr, const char *path, const aj_permit_type *t,
                        aj_permit_grade *g) {
    aj_err e = aj_jc_count(c, arr, path, "grades", 0, AJ_PERMIT_GRADES_MAX);
    for (size_t i = 0; !e && i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
        aj_jc_path(sub, path, "[%zu]", i);
        if (!json_is_string(j))
            return aj_jc_fail(c, AJ_EINVAL, sub, "must be a string, not %s", aj_jc_kind_of(j));
        int k = aj_permit_grade_index(t, json_string_value(j));
        if (k < 0)
            return aj_jc_fail(c, AJ_EINVAL, sub, "\"%s\" is not a grade of this type",
                              aj_jc_quote(json_string_value(j), q));
        if (g[k].is_gas_monitored) return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate grade \"%s\"", g[k].code);
        g[k].is_gas_monitored = true;
    }
    return e;
}

/* GAS_KEYS[0] is "required"; the keys after it are allowed only when it is true, and the
 * first N_GAS_KEYS_NEEDED of those must then be present. */
static const aj_jc_key GAS_KEYS[] = {
    {"required", AJ_JC_BOOL, true},
    {"sample_max_age_min", AJ_JC_INTEGER, false},
    {"retest_after_pause_min", AJ_JC_OBJECT, false},
    {"continuous_monitoring", AJ_JC_ARRAY, false},
    {"record_interval_min", AJ_JC_INTEGER, false},
    {"daily_retest", AJ_JC_BOOL, false},
    {"sample_distance_m_max", AJ_JC_NUMBER, false},
};
#define N_GAS_KEYS_NEEDED 2
#define N_GAS_KEYS        ((int)(sizeof GAS_KEYS / sizeof GAS_KEYS[0]))

/* The optional numbers of the gas rules: record interval and sampling distance. */
static aj_err gas_options(aj_jc *c, const json_t *j, const char *path, aj_permit_gas_rules *gas) {
    char sub[AJ_JC_PATH_LEN];
    const json_t *v = json_object_get(j, "record_interval_min");
    aj_jc_path(sub, path, ".record_interval_min");
    aj_err e =
        v ? aj_pcat_int(c, v, sub, 1, AJ_PERMIT_GAS_MIN_MAX, "minutes", &gas->record_interval_min) : AJ_OK;
    gas->is_daily_retest = json_is_true(json_object_get(j, "daily_retest"));
    v = json_object_get(j, "sample_distance_m_max");
    if (e || !v) return e;
    double d = json_number_value(v);
    aj_jc_path(sub, path, ".sample_distance_m_max");
    if (!(d > 0 && d <= AJ_PERMIT_SAMPLE_DISTANCE_M_MAX))
        return aj_jc_fail(c, AJ_EINVAL, sub, "must be more than 0 and at most %d metres, not %g",
                          AJ_PERMIT_SAMPLE_DISTANCE_M_MAX, d);
    gas->sample_distance_m_max = d;
    return AJ_OK;
}

static aj_err gas(aj_jc *c, const json_t *j, const char *path, aj_permit_type *t, aj_permit_grade *g) {
    aj_err e = aj_jc_object(c, j, path, GAS_KEYS, N_GAS_KEYS);
    if (e) return e;
    char sub[AJ_JC_PATH_LEN];
    bool is_required = json_is_true(json_object_get(j, "required"));
    for (int k = 1; k < N_GAS_KEYS; k++) {
        bool has = json_object_get(j, GAS_KEYS[k].key) != NULL;
        aj_jc_path(sub, path, ".%s", GAS_KEYS[k].key);
        if (has && !is_required)
            return aj_jc_fail(c, AJ_EINVAL, sub, "not allowed when gas analysis is not required");
        if (!has && is_required && k <= N_GAS_KEYS_NEEDED)
            return aj_jc_fail(c, AJ_EINVAL, path, "missing key \"%s\" (gas analysis is required)",
                              GAS_KEYS[k].key);
    }
    if (!is_required) return AJ_OK;
    t->gas.is_required = true;
    aj_jc_path(sub, path, ".sample_max_age_min");
    e = aj_pcat_int(c, json_object_get(j, "sample_max_age_min"), sub, 1, AJ_PERMIT_GAS_MIN_MAX, "minutes",
                    &t->gas.sample_max_age_min);
    const json_t *by_grade[AJ_PERMIT_GRADES_MAX];
    char at[AJ_JC_PATH_LEN];
    aj_jc_path(at, path, ".retest_after_pause_min");
    if (!e) e = grade_map(c, json_object_get(j, "retest_after_pause_min"), at, t, by_grade);
    for (int i = 0; !e && i < t->n_grades; i++) {
        aj_jc_path(sub, at, ".%s", g[i].code);
        if (!json_is_integer(by_grade[i]))
            return aj_jc_fail(c, AJ_EINVAL, sub, "must be an integer, not %s", aj_jc_kind_of(by_grade[i]));
        e = aj_pcat_int(c, by_grade[i], sub, 1, AJ_PERMIT_GAS_MIN_MAX, "minutes",
                        &g[i].gas_retest_after_pause_min);
    }
    const json_t *list = json_object_get(j, "continuous_monitoring");
    aj_jc_path(sub, path, ".continuous_monitoring");
    if (!e && list) e = monitored(c, list, sub, t, g);
    return e ? e : gas_options(c, j, path, &t->gas);
}

static const aj_jc_key TYPE_KEYS[] = {
    {"code", AJ_JC_STRING, true},         {"name", AJ_JC_OBJECT, true},
    {"grades", AJ_JC_ARRAY, true},        {"validity", AJ_JC_OBJECT, true},
    {"approval", AJ_JC_OBJECT, true},     {"gas_analysis", AJ_JC_OBJECT, true},
    {"fields", AJ_JC_ARRAY, true},        {"checklist", AJ_JC_ARRAY, true},
    {"hazards", AJ_JC_ARRAY, true},       {"bounded_by", AJ_JC_ARRAY, false},
    {"certificates", AJ_JC_ARRAY, false},
};

/* "certificates": the special-operation certificate types a worker of this type holds
 * (one of them, valid and not overdue for review); absent or empty: none needed. */
static aj_err certificates(aj_jc *c, const json_t *arr, const char *path, aj_permit_type *t) {
    if (!arr) return AJ_OK;
    aj_err e = aj_jc_count(c, arr, path, "certificate types", 0, AJ_PERMIT_CERT_TYPES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    const char **codes = aj_arena_alloc(c->arena, (size_t)(n ? n : 1) * sizeof *codes);
    if ((e = aj_jc_nomem(c, codes, path))) return e;
    for (int i = 0; i < n; i++) {
        char sub[AJ_JC_PATH_LEN];
        aj_jc_path(sub, path, "[%d]", i);
        if ((e = aj_pcat_id(c, json_array_get(arr, (size_t)i), sub, &codes[i]))) return e;
        for (int k = 0; k < i; k++)
            if (!strcmp(codes[k], codes[i]))
                return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate \"%s\"", codes[i]);
    }
    t->certificates = codes;
    t->n_certificates = n;
    return AJ_OK;
}

aj_err aj_pcat_type(aj_jc *c, const json_t *j, const char *path, const aj_permit_catalogue *cat, int self,
                    aj_permit_type *t) {
    aj_err e = aj_jc_object(c, j, path, TYPE_KEYS, (int)(sizeof TYPE_KEYS / sizeof TYPE_KEYS[0]));
    if (e) return e;
    char sub[AJ_JC_PATH_LEN];
    aj_jc_path(sub, path, ".code");
    if ((e = aj_pcat_id(c, json_object_get(j, "code"), sub, &t->code))) return e;
    for (int k = 0; k < self; k++)
        if (strcmp(cat->types[k].code, t->code) == 0)
            return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate code \"%s\"", t->code);
    aj_jc_path(sub, path, ".name");
    if ((e = aj_pcat_text(c, json_object_get(j, "name"), sub, AJ_PERMIT_LABEL_LEN_MAX, &t->name))) return e;
    aj_permit_grade *g = NULL;
    aj_jc_path(sub, path, ".grades");
    if ((e = grades(c, json_object_get(j, "grades"), sub, t, &g))) return e;
    if ((e = grade_maps(c, j, path, cat, t, g))) return e;
    aj_jc_path(sub, path, ".gas_analysis");
    if ((e = gas(c, json_object_get(j, "gas_analysis"), sub, t, g))) return e;
    aj_jc_path(sub, path, ".fields");
    if ((e = aj_pcat_fields(c, json_object_get(j, "fields"), sub, t))) return e;
    aj_jc_path(sub, path, ".checklist");
    e = aj_pcat_items(c, json_object_get(j, "checklist"), sub, "checklist items", AJ_PERMIT_CHECKLIST_MAX,
                      &t->checklist, &t->n_checklist);
    if (e) return e;
    aj_jc_path(sub, path, ".certificates");
    if ((e = certificates(c, json_object_get(j, "certificates"), sub, t))) return e;
    aj_jc_path(sub, path, ".hazards");
    return aj_pcat_items(c, json_object_get(j, "hazards"), sub, "hazards", AJ_PERMIT_HAZARDS_MAX, &t->hazards,
                         &t->n_hazards);
}

aj_err aj_pcat_bounded_by(aj_jc *c, const json_t *j, const char *path, const aj_permit_catalogue *cat,
                          int self, aj_permit_type *t) {
    const json_t *arr = json_object_get(j, "bounded_by");
    if (!arr) return AJ_OK;
    char at[AJ_JC_PATH_LEN];
    aj_jc_path(at, path, ".bounded_by");
    aj_err e = aj_jc_count(c, arr, at, "types", 0, AJ_PERMIT_TYPES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    int *idx = aj_arena_alloc(c->arena, (size_t)n * sizeof *idx);
    if ((e = aj_jc_nomem(c, idx, at))) return e;
    for (int i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, (size_t)i);
        char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
        aj_jc_path(sub, at, "[%d]", i);
        if (!json_is_string(v))
            return aj_jc_fail(c, AJ_EINVAL, sub, "must be a string, not %s", aj_jc_kind_of(v));
        idx[i] = aj_permit_type_index(cat, json_string_value(v));
        if (idx[i] < 0)
            return aj_jc_fail(c, AJ_EINVAL, sub, "unknown type \"%s\"", aj_jc_quote(json_string_value(v), q));
        if (idx[i] == self) return aj_jc_fail(c, AJ_EINVAL, sub, "a type cannot be bounded by itself");
        for (int k = 0; k < i; k++)
            if (idx[k] == idx[i])
                return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate type \"%s\"", cat->types[idx[i]].code);
    }
    t->bounded_by = idx;
    t->n_bounded_by = n;
    return AJ_OK;
}
