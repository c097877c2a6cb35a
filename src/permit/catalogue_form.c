/* catalogue_form.c — reads what a permit form shows: its fields (with enum options), the
 * safety-measure checklist and the typical hazards of a type (catalogue_read.h).
 *
 * Arrays are counted against their limit before any item is read, so the work and
 * memory for one list are bounded by src/base/limits.h. Ids are unique within their own
 * list (a checklist id may equal a hazard id).
 */
#include "base/limits.h"
#include "permit/catalogue_read.h"

#include <string.h>

static const char *const FIELD_TYPE_CODES[AJ_PERMIT_FIELD_TYPE_COUNT] = {
    "text", "number", "datetime", "enum", "bool", "geo_point", "person", "people"};

const char *aj_permit_field_type_code(aj_permit_field_type type) {
    return (type >= 0 && type < AJ_PERMIT_FIELD_TYPE_COUNT) ? FIELD_TYPE_CODES[type] : "unknown";
}

static aj_err field_type(aj_jc *c, const json_t *j, const char *path, aj_permit_field_type *out) {
    const char *s = json_string_value(j);
    for (int t = 0; t < AJ_PERMIT_FIELD_TYPE_COUNT; t++) {
        if (strcmp(s, FIELD_TYPE_CODES[t]) == 0) {
            *out = (aj_permit_field_type)t;
            return AJ_OK;
        }
    }
    char q[AJ_JC_QUOTE_LEN];
    return aj_jc_fail(c, AJ_EINVAL, path,
                      "unknown field type \"%s\" (one of text, number, datetime, enum, bool, geo_point, "
                      "person, people)",
                      aj_jc_quote(s, q));
}

/* Reads one {"id", "label"|"text"} object: the id into *id (unique among the first n of
 * ids) and the text under text_key. */
static aj_err id_and_text(aj_jc *c, const json_t *j, const char *path, const char *text_key, size_t max_len,
                          const char *const *ids, int n, const char **id, aj_permit_text *text) {
    const aj_jc_key keys[] = {{"id", AJ_JC_STRING, true}, {text_key, AJ_JC_OBJECT, true}};
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(c, j, path, keys, 2);
    if (e) return e;
    aj_jc_path(sub, path, ".id");
    if ((e = aj_pcat_id(c, json_object_get(j, "id"), sub, id))) return e;
    if (aj_pcat_find(ids, n, *id) >= 0) return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate id \"%s\"", *id);
    aj_jc_path(sub, path, ".%s", text_key);
    return aj_pcat_text(c, json_object_get(j, text_key), sub, max_len, text);
}

aj_err aj_pcat_items(aj_jc *c, const json_t *arr, const char *path, const char *what, int n_max,
                     const aj_permit_item **out, int *n_out) {
    aj_err e = aj_jc_count(c, arr, path, what, 1, n_max);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_permit_item *items = aj_arena_alloc(c->arena, (size_t)n * sizeof *items);
    const char **ids = aj_arena_alloc(c->arena, (size_t)n * sizeof *ids);
    if ((e = aj_jc_nomem(c, items && ids ? items : NULL, path))) return e;
    for (int i = 0; i < n; i++) {
        char sub[AJ_JC_PATH_LEN];
        aj_jc_path(sub, path, "[%d]", i);
        e = id_and_text(c, json_array_get(arr, (size_t)i), sub, "text", AJ_PERMIT_TEXT_LEN_MAX, ids, i,
                        &ids[i], &items[i].text);
        if (e) return e;
        items[i].id = ids[i];
    }
    *out = items;
    *n_out = n;
    return AJ_OK;
}

static aj_err options(aj_jc *c, const json_t *arr, const char *path, aj_permit_field *f) {
    aj_err e = aj_jc_count(c, arr, path, "options", 1, AJ_PERMIT_OPTIONS_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_permit_option *opts = aj_arena_alloc(c->arena, (size_t)n * sizeof *opts);
    const char **ids = aj_arena_alloc(c->arena, (size_t)n * sizeof *ids);
    if ((e = aj_jc_nomem(c, opts && ids ? opts : NULL, path))) return e;
    for (int i = 0; i < n; i++) {
        char sub[AJ_JC_PATH_LEN];
        aj_jc_path(sub, path, "[%d]", i);
        e = id_and_text(c, json_array_get(arr, (size_t)i), sub, "label", AJ_PERMIT_LABEL_LEN_MAX, ids, i,
                        &ids[i], &opts[i].label);
        if (e) return e;
        opts[i].id = ids[i];
    }
    f->options = opts;
    f->n_options = n;
    return AJ_OK;
}

/* Reads one field; its id must not be among the first n of ids. */
static aj_err field(aj_jc *c, const json_t *j, const char *path, const char *const *ids, int n,
                    aj_permit_field *f) {
    static const aj_jc_key keys[] = {
        {"id", AJ_JC_STRING, true},      {"label", AJ_JC_OBJECT, true}, {"type", AJ_JC_STRING, true},
        {"required", AJ_JC_BOOL, false}, {"unit", AJ_JC_STRING, false}, {"options", AJ_JC_ARRAY, false},
    };
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(c, j, path, keys, 6);
    if (e) return e;
    aj_jc_path(sub, path, ".id");
    if ((e = aj_pcat_id(c, json_object_get(j, "id"), sub, &f->id))) return e;
    if (aj_pcat_find(ids, n, f->id) >= 0) return aj_jc_fail(c, AJ_EINVAL, sub, "duplicate id \"%s\"", f->id);
    aj_jc_path(sub, path, ".label");
    if ((e = aj_pcat_text(c, json_object_get(j, "label"), sub, AJ_PERMIT_LABEL_LEN_MAX, &f->label))) return e;
    aj_jc_path(sub, path, ".type");
    if ((e = field_type(c, json_object_get(j, "type"), sub, &f->type))) return e;
    f->is_required = json_is_true(json_object_get(j, "required"));
    const json_t *unit = json_object_get(j, "unit"), *opts = json_object_get(j, "options");
    aj_jc_path(sub, path, ".unit");
    if (unit && f->type != AJ_PERMIT_FIELD_NUMBER)
        return aj_jc_fail(c, AJ_EINVAL, sub, "only number fields have a unit");
    if (unit && (e = aj_jc_string(c, unit, sub, AJ_PERMIT_LABEL_LEN_MAX, &f->unit))) return e;
    aj_jc_path(sub, path, ".options");
    if (opts && f->type != AJ_PERMIT_FIELD_ENUM)
        return aj_jc_fail(c, AJ_EINVAL, sub, "only enum fields have options");
    if (!opts && f->type == AJ_PERMIT_FIELD_ENUM)
        return aj_jc_fail(c, AJ_EINVAL, path, "missing key \"options\" (an enum field needs them)");
    return opts ? options(c, opts, sub, f) : AJ_OK;
}

aj_err aj_pcat_fields(aj_jc *c, const json_t *arr, const char *path, aj_permit_type *t) {
    aj_err e = aj_jc_count(c, arr, path, "fields", 1, AJ_PERMIT_FIELDS_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_permit_field *fields = aj_arena_alloc(c->arena, (size_t)n * sizeof *fields);
    const char **ids = aj_arena_alloc(c->arena, (size_t)n * sizeof *ids);
    if ((e = aj_jc_nomem(c, fields && ids ? fields : NULL, path))) return e;
    for (int i = 0; i < n; i++) {
        char sub[AJ_JC_PATH_LEN];
        aj_jc_path(sub, path, "[%d]", i);
        if ((e = field(c, json_array_get(arr, (size_t)i), sub, ids, i, &fields[i]))) return e;
        ids[i] = fields[i].id;
    }
    t->fields = fields;
    t->n_fields = n;
    return AJ_OK;
}
