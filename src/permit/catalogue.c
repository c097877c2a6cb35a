/* catalogue.c — the permit catalogue as a whole: reading a file (format, version,
 * standard, roles, types), its lifecycle, lookups and invariant check (catalogue.h).
 *
 * Everything is built in one arena that the catalogue owns; on any error the arena is
 * freed and the caller gets NULL, so nothing half-built escapes. The order of reading is
 * fixed (format, version, standard, roles, types in order, then every type's
 * "bounded_by"), which makes the reported error deterministic: roles come before types
 * because approval chains name them, and "bounded_by" comes last because it may name a
 * type further down the file.
 */
#include "permit/catalogue.h"

#include "base/arena.h"
#include "base/fileread.h"
#include "base/jsonutil.h"
#include "base/limits.h"
#include "permit/catalogue_read.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOGUE_FORMAT  "anjian-permit-catalogue"
#define CATALOGUE_VERSION 1

static aj_err roles(aj_jc *c, const json_t *arr, aj_permit_catalogue *cat) {
    static const aj_jc_key keys[] = {{"code", AJ_JC_STRING, true}, {"name", AJ_JC_OBJECT, true}};
    aj_err e = aj_jc_count(c, arr, "$.roles", "roles", 1, AJ_PERMIT_ROLES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_permit_role *r = aj_arena_alloc(c->arena, (size_t)n * sizeof *r);
    if ((e = aj_jc_nomem(c, r, "$.roles"))) return e;
    cat->roles = r;
    for (int i = 0; i < n; i++) {
        const json_t *j = json_array_get(arr, (size_t)i);
        char at[AJ_JC_PATH_LEN], sub[AJ_JC_PATH_LEN];
        aj_jc_path(at, "$.roles", "[%d]", i);
        if ((e = aj_jc_object(c, j, at, keys, 2))) return e;
        aj_jc_path(sub, at, ".code");
        if ((e = aj_pcat_id(c, json_object_get(j, "code"), sub, &r[i].code))) return e;
        if (aj_permit_role_index(cat, r[i].code) >= 0)
            return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate code \"%s\"", r[i].code);
        aj_jc_path(sub, at, ".name");
        if ((e = aj_pcat_text(c, json_object_get(j, "name"), sub, AJ_PERMIT_LABEL_LEN_MAX, &r[i].name)))
            return e;
        cat->n_roles = i + 1;
    }
    return AJ_OK;
}

static aj_err types(aj_jc *c, const json_t *arr, aj_permit_catalogue *cat) {
    aj_err e = aj_jc_count(c, arr, "$.types", "types", 1, AJ_PERMIT_TYPES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_permit_type *t = aj_arena_alloc(c->arena, (size_t)n * sizeof *t);
    if ((e = aj_jc_nomem(c, t, "$.types"))) return e;
    cat->types = t;
    char at[AJ_JC_PATH_LEN];
    for (int i = 0; i < n; i++) {
        aj_jc_path(at, "$.types", "[%d]", i);
        if ((e = aj_pcat_type(c, json_array_get(arr, (size_t)i), at, cat, i, &t[i]))) return e;
    }
    cat->n_types = n;
    for (int i = 0; i < n; i++) {
        aj_jc_path(at, "$.types", "[%d]", i);
        if ((e = aj_pcat_bounded_by(c, json_array_get(arr, (size_t)i), at, cat, i, &t[i]))) return e;
    }
    return AJ_OK;
}

static aj_err document(aj_jc *c, const json_t *doc, aj_permit_catalogue *cat) {
    static const aj_jc_key keys[] = {
        {"format", AJ_JC_STRING, true}, {"version", AJ_JC_INTEGER, true}, {"standard", AJ_JC_STRING, true},
        {"roles", AJ_JC_ARRAY, true},   {"types", AJ_JC_ARRAY, true},
    };
    aj_err e = aj_jc_object(c, doc, "$", keys, 5);
    if (!e) e = aj_jc_format_version(c, doc, CATALOGUE_FORMAT, CATALOGUE_VERSION);
    if (!e)
        e = aj_jc_string(c, json_object_get(doc, "standard"), "$.standard", AJ_PERMIT_LABEL_LEN_MAX,
                         &cat->standard);
    if (!e) e = roles(c, json_object_get(doc, "roles"), cat);
    if (!e) e = types(c, json_object_get(doc, "types"), cat);
    return e;
}

aj_err aj_permit_catalogue_parse(const char *text, size_t len, aj_permit_catalogue **out, char *err,
                                 size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    json_t *doc = NULL;
    aj_err e = aj_json_parse(text, len, &doc, err, errlen);
    if (e) return e;
    aj_jc c = {.arena = aj_arena_new(), .err = err, .errlen = errlen};
    aj_permit_catalogue *cat = c.arena ? aj_arena_alloc(c.arena, sizeof *cat) : NULL;
    if ((e = aj_jc_nomem(&c, cat, "$")) == AJ_OK) {
        cat->arena = c.arena;
        e = document(&c, doc, cat);
    }
    json_decref(doc);
    if (e) {
        aj_arena_free(c.arena);
        return e;
    }
    assert(aj_permit_catalogue_ok(cat));
    *out = cat;
    return AJ_OK;
}

aj_err aj_permit_catalogue_load(const char *path, aj_permit_catalogue **out, char *err, size_t errlen) {
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    aj_err e = aj_file_read(path, AJ_PERMIT_CATALOGUE_FILE_MAX, &text, &len, err, errlen);
    if (e) return e;
    char msg[600];
    e = aj_permit_catalogue_parse(text, len, out, msg, sizeof msg);
    free(text);
    if (e) snprintf(err, errlen, "%s: %s", path, msg);
    return e;
}

void aj_permit_catalogue_free(aj_permit_catalogue *cat) {
    if (cat) aj_arena_free(cat->arena); /* cat itself lives in its arena */
}

/* ---- lookups -------------------------------------------------------------------------- */

int aj_permit_type_index(const aj_permit_catalogue *cat, const char *code) {
    for (int i = 0; i < cat->n_types; i++)
        if (strcmp(cat->types[i].code, code) == 0) return i;
    return -1;
}

const aj_permit_type *aj_permit_type_find(const aj_permit_catalogue *cat, const char *code) {
    int i = aj_permit_type_index(cat, code);
    return i >= 0 ? &cat->types[i] : NULL;
}

int aj_permit_grade_index(const aj_permit_type *t, const char *grade_code) {
    for (int i = 0; i < t->n_grades; i++)
        if (strcmp(t->grades[i].code, grade_code) == 0) return i;
    return -1;
}

const aj_permit_validity *aj_permit_validity_of(const aj_permit_type *t, int grade) {
    return grade >= 0 && grade < t->n_grades ? &t->grades[grade].validity : NULL;
}

const aj_permit_approval *aj_permit_approval_of(const aj_permit_type *t, int grade) {
    return grade >= 0 && grade < t->n_grades ? &t->grades[grade].approval : NULL;
}

int aj_permit_role_index(const aj_permit_catalogue *cat, const char *code) {
    for (int i = 0; i < cat->n_roles; i++)
        if (strcmp(cat->roles[i].code, code) == 0) return i;
    return -1;
}

/* ---- invariants ----------------------------------------------------------------------- */

static bool text_ok(const aj_permit_text *t, size_t max_len) {
    return t->en && t->zh && t->en[0] && t->zh[0] && strlen(t->en) <= max_len && strlen(t->zh) <= max_len;
}

static bool items_ok(const aj_permit_item *items, int n, int n_max) {
    if (n < 1 || n > n_max || !items) return false;
    for (int i = 0; i < n; i++) {
        if (!items[i].id || !text_ok(&items[i].text, AJ_PERMIT_TEXT_LEN_MAX)) return false;
        for (int k = 0; k < i; k++)
            if (strcmp(items[k].id, items[i].id) == 0) return false;
    }
    return true;
}

static bool field_ok(const aj_permit_field *f) {
    if (!f->id || !text_ok(&f->label, AJ_PERMIT_LABEL_LEN_MAX)) return false;
    if (f->type < 0 || f->type >= AJ_PERMIT_FIELD_TYPE_COUNT) return false;
    if (f->unit && f->type != AJ_PERMIT_FIELD_NUMBER) return false;
    if ((f->type == AJ_PERMIT_FIELD_ENUM) != (f->n_options > 0)) return false;
    if (f->n_options > AJ_PERMIT_OPTIONS_MAX) return false;
    for (int i = 0; i < f->n_options; i++) {
        if (!f->options[i].id || !text_ok(&f->options[i].label, AJ_PERMIT_LABEL_LEN_MAX)) return false;
        for (int k = 0; k < i; k++)
            if (strcmp(f->options[k].id, f->options[i].id) == 0) return false;
    }
    return true;
}

static bool grade_ok(const aj_permit_catalogue *cat, const aj_permit_type *t, const aj_permit_grade *g) {
    const aj_permit_validity *v = &g->validity;
    if (!g->code || !text_ok(&g->name, AJ_PERMIT_LABEL_LEN_MAX)) return false;
    if (v->default_h < 1 || v->default_h > v->max_h || v->max_h > AJ_PERMIT_VALIDITY_H_MAX) return false;
    if (g->approval.n_roles < 1 || g->approval.n_roles > AJ_PERMIT_APPROVERS_MAX) return false;
    for (int i = 0; i < g->approval.n_roles; i++)
        if (g->approval.roles[i] < 0 || g->approval.roles[i] >= cat->n_roles) return false;
    if (t->gas.is_required)
        return g->gas_retest_after_pause_min >= 1 && g->gas_retest_after_pause_min <= AJ_PERMIT_GAS_MIN_MAX;
    return g->gas_retest_after_pause_min == 0 && !g->is_gas_monitored;
}

static bool gas_ok(const aj_permit_gas_rules *gas) {
    if (!gas->is_required)
        return !gas->sample_max_age_min && !gas->record_interval_min && !gas->is_daily_retest &&
               gas->sample_distance_m_max == 0;
    return gas->sample_max_age_min >= 1 && gas->sample_max_age_min <= AJ_PERMIT_GAS_MIN_MAX &&
           gas->record_interval_min >= 0 && gas->record_interval_min <= AJ_PERMIT_GAS_MIN_MAX &&
           gas->sample_distance_m_max >= 0 && gas->sample_distance_m_max <= AJ_PERMIT_SAMPLE_DISTANCE_M_MAX;
}

static bool type_ok(const aj_permit_catalogue *cat, int self) {
    const aj_permit_type *t = &cat->types[self];
    if (!t->code || !text_ok(&t->name, AJ_PERMIT_LABEL_LEN_MAX) || !gas_ok(&t->gas)) return false;
    if (t->n_grades < 1 || t->n_grades > AJ_PERMIT_GRADES_MAX) return false;
    for (int g = 0; g < t->n_grades; g++) {
        if (!grade_ok(cat, t, &t->grades[g]) || aj_permit_grade_index(t, t->grades[g].code) != g)
            return false;
    }
    if (t->n_fields < 1 || t->n_fields > AJ_PERMIT_FIELDS_MAX) return false;
    for (int i = 0; i < t->n_fields; i++) {
        if (!field_ok(&t->fields[i])) return false;
        for (int k = 0; k < i; k++)
            if (strcmp(t->fields[k].id, t->fields[i].id) == 0) return false;
    }
    if (!items_ok(t->checklist, t->n_checklist, AJ_PERMIT_CHECKLIST_MAX)) return false;
    if (!items_ok(t->hazards, t->n_hazards, AJ_PERMIT_HAZARDS_MAX)) return false;
    for (int i = 0; i < t->n_bounded_by; i++) {
        int b = t->bounded_by[i];
        if (b < 0 || b >= cat->n_types || b == self) return false;
    }
    return aj_permit_type_index(cat, t->code) == self;
}

bool aj_permit_catalogue_ok(const aj_permit_catalogue *cat) {
    if (!cat || !cat->arena || !cat->standard) return false;
    if (cat->n_roles < 1 || cat->n_roles > AJ_PERMIT_ROLES_MAX) return false;
    for (int i = 0; i < cat->n_roles; i++) {
        if (!cat->roles[i].code || !text_ok(&cat->roles[i].name, AJ_PERMIT_LABEL_LEN_MAX)) return false;
        if (aj_permit_role_index(cat, cat->roles[i].code) != i) return false;
    }
    if (cat->n_types < 1 || cat->n_types > AJ_PERMIT_TYPES_MAX) return false;
    for (int i = 0; i < cat->n_types; i++)
        if (!type_ok(cat, i)) return false;
    return true;
}
