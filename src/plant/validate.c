/* validate.c — checks a plant file against its schema and references (see plant_file.h).
 *
 * Pure: no I/O. Facts about stored objects come from an aj_plant_lookup, so the fuzzer
 * and the unit tests drive this file without a database.
 *
 * How it works: each object is checked against a table of its fields (name, type,
 * required); the table check reports unknown keys, missing required fields and wrong
 * types, and remembers which fields are well-formed. The family checks then look only
 * at well-formed fields for the rules that span fields or objects (references, dates,
 * duplicates). Codes of every family are indexed first, so references may point forward.
 * Parent cycles are found afterwards with an iterative walk that marks each object once.
 *
 * Invariants: errors come in document order per family; every error path and message is
 * valid UTF-8 (user text is cut at character boundaries); work is linear in the size of
 * the document (plus AJ_PLANT_CHAIN_MAX steps per object through stored hierarchies); no
 * recursion at all.
 */
#include "engine/alarm_defs.h"
#include "plant/plant_file.h"
#include "plant/connections.h"
#include "plant/vocab.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN         sizeof(((aj_plant_error *)0)->path)
#define KEY_IN_PATH_MAX  64 /* bytes of an unknown key quoted in a path */
#define VALUE_IN_MSG_MAX 64 /* bytes of a user value quoted in a message */

/* ---- report --------------------------------------------------------------------------- */

static const char *const FAMILY_NAMES[AJ_PLANT_FAMILIES] = {"organisations", "areas",  "assets",
                                                            "tags",          "people", "certificates"};

const char *aj_plant_family_name(aj_plant_family f) {
    return (f >= 0 && f < AJ_PLANT_FAMILIES) ? FAMILY_NAMES[f] : "unknown";
}

aj_plant_report *aj_plant_report_new(void) {
    return calloc(1, sizeof(aj_plant_report));
}

void aj_plant_report_free(aj_plant_report *rep) {
    free(rep);
}

void aj_plant_report_reset(aj_plant_report *rep) {
    memset(rep, 0, sizeof *rep);
}

/* Copies src into dst (size bytes), cutting before a partial UTF-8 character. */
static void utf8_copy(char *dst, size_t size, const char *src) {
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* Cuts a partial UTF-8 character off the end of s (left by a bounded snprintf). */
static void utf8_trim_tail(char *s) {
    size_t n = strlen(s), lead = n;
    while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80) lead--;
    if (lead == 0) return;
    unsigned char c = (unsigned char)s[lead - 1];
    size_t want = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (n - (lead - 1) < want) s[lead - 1] = 0;
}

void aj_plant_report_add_error(aj_plant_report *rep, const char *path, const char *message) {
    rep->n_errors++;
    if (rep->n_listed >= AJ_PLANT_ERRORS_MAX) return;
    aj_plant_error *e = &rep->errors[rep->n_listed++];
    utf8_copy(e->path, sizeof e->path, path);
    utf8_copy(e->message, sizeof e->message, message);
    utf8_trim_tail(e->path);
    utf8_trim_tail(e->message);
}

/* {"sites": 0|1, family: n, ...} for one of created / updated / unchanged. */
static json_t *family_counts(const int *counts, int n_sites) {
    json_t *o = json_pack("{s:i}", "sites", n_sites);
    for (int f = 0; o && f < AJ_PLANT_FAMILIES; f++) {
        if (json_object_set_new(o, FAMILY_NAMES[f], json_integer(counts[f])) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *aj_plant_report_json(const aj_plant_report *rep) {
    aj_plant_site_status s = rep->site_status;
    static const char *const status_names[] = {"none", "created", "updated", "unchanged"};
    return json_pack("{s:I,s:s,s:o?,s:o?,s:o?}", "site_id", (json_int_t)rep->site_id, "site", status_names[s],
                     "created", family_counts(rep->created, s == AJ_PLANT_SITE_CREATED), "updated",
                     family_counts(rep->updated, s == AJ_PLANT_SITE_UPDATED), "unchanged",
                     family_counts(rep->unchanged, s == AJ_PLANT_SITE_UNCHANGED));
}

json_t *aj_plant_errors_json(const aj_plant_report *rep) {
    json_t *arr = json_array();
    for (int i = 0; arr && i < rep->n_listed; i++) {
        json_t *e = json_pack("{s:s,s:s}", "path", rep->errors[i].path, "message", rep->errors[i].message);
        if (!e || json_array_append_new(arr, e) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* ---- small helpers -------------------------------------------------------------------- */

void aj_plant_badge_normalise(const char *badge_uid, char out[21]) {
    size_t i = 0;
    for (; i < 20 && badge_uid[i]; i++) {
        char c = badge_uid[i];
        out[i] = (c >= 'a' && c <= 'f') ? (char)(c - 'a' + 'A') : c;
    }
    out[i] = 0;
}

/* The string of j, or NULL if j is not a string or holds a NUL character. */
static const char *str_of(const json_t *j) {
    if (!json_is_string(j)) return NULL;
    const char *s = json_string_value(j);
    return strlen(s) == json_string_length(j) ? s : NULL;
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static bool is_code(const char *s, bool allow_slash) {
    size_t n = strlen(s);
    if (n < 1 || n > AJ_CODE_LEN_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == ':' || c == '-' || (allow_slash && c == '/');
        if (!ok) return false;
    }
    return true;
}

static bool is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Strict "YYYY-MM-DD" naming a real calendar day. */
static bool is_date(const char *s) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    int y = atoi(s), m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1) return false;
    return d <= days[m - 1] + (m == 2 && is_leap(y));
}

static bool is_badge(const char *s) {
    size_t n = strlen(s);
    if (n != 8 && n != 14 && n != 20) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    }
    return true;
}

static bool is_finite_number(const json_t *j) {
    return json_is_number(j) && isfinite(json_number_value(j));
}

static bool in_list(const char *s, const char *const *list) {
    for (; *list; list++)
        if (strcmp(s, *list) == 0) return true;
    return false;
}

/* ---- validation context ---------------------------------------------------------------- */

enum { IX_ORG, IX_AREA, IX_ASSET, IX_TAG, IX_PERSON, IX_BADGE, IX_CERT, IX_COUNT };

typedef struct vctx {
    const aj_plant_lookup *lk;
    aj_plant_report *rep;
    aj_err fail;                             /* first lookup or memory failure */
    json_t *index[IX_COUNT];                 /* code -> first index (certs: first path) */
    const json_t *family[AJ_PLANT_FAMILIES]; /* the file's arrays, NULL when absent */
    const char *site_code;                   /* the file's site code when well-formed */
} vctx;

static void verr(vctx *v, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void verr(vctx *v, const char *path, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    aj_plant_report_add_error(v->rep, path, msg);
}

/* A user value shortened for quoting in a message. */
static const char *quote(const char *s, char buf[VALUE_IN_MSG_MAX + 1]) {
    utf8_copy(buf, VALUE_IN_MSG_MAX + 1, s);
    return buf;
}

/* Formats a path into out, never leaving a partial UTF-8 character at the end. */
static void path_fmt(char out[PATH_LEN], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_fmt(char out[PATH_LEN], const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
    utf8_trim_tail(out);
}

static void path_key(char out[PATH_LEN], const char *base, const char *key) {
    char k[KEY_IN_PATH_MAX + 1];
    utf8_copy(k, sizeof k, key);
    path_fmt(out, "%s.%s", base, k);
}

static void path_index(char out[PATH_LEN], const char *base, const char *key, size_t i) {
    path_fmt(out, "%s.%s[%zu]", base, key, i);
}

static void path_item(char out[PATH_LEN], const char *base, size_t i) {
    path_fmt(out, "%s[%zu]", base, i);
}

/* true when found; a failing lookup is remembered and reads as not found. */
static bool lk_found(vctx *v, aj_err e) {
    if (e == AJ_OK) return true;
    if (e != AJ_ENOTFOUND && v->fail == AJ_OK) v->fail = e;
    return false;
}

static void index_put(vctx *v, int ix, const char *key, json_t *value) {
    if (!value || json_object_set_new(v->index[ix], key, value) != 0) v->fail = AJ_ENOMEM;
}

/* Index of the first object with this code in the file, or -1. */
static long file_index(const vctx *v, int ix, const char *code) {
    const json_t *j = json_object_get(v->index[ix], code);
    return j ? (long)json_integer_value(j) : -1;
}

/* ---- field tables ----------------------------------------------------------------------- */

typedef enum {
    T_CODE,    /* 1-64 of [A-Za-z0-9_.:-] */
    T_KEY,     /* like T_CODE, '/' allowed too */
    T_NAME,    /* 1-200 characters */
    T_TEXT,    /* 0-200 characters */
    T_SHORT,   /* 0-32 characters */
    T_CERTNO,  /* 1-64 characters */
    T_NUM,     /* finite number */
    T_LAT,     /* -90..90 */
    T_LON,     /* -180..180 */
    T_ENUM,    /* one of choices */
    T_ONE,     /* the integer 1 */
    T_DATE,    /* YYYY-MM-DD */
    T_BADGE,   /* 8, 14 or 20 hex digits */
    T_RANGE,   /* [lo, hi], lo < hi */
    T_POLYGON, /* 3..AJ_POLYGON_POINTS_MAX points [x, y] */
    T_NAMES,   /* array of codes */
    T_ARRAY,   /* array, items checked by the family */
    T_OBJECT   /* object, checked by the family */
} ftype;

typedef struct field_spec {
    const char *name;
    ftype type;
    bool is_required;
    const char *const *choices; /* T_ENUM, NULL-terminated */
} field_spec;

static const char *const FORMATS[] = {"anjian-plant", NULL};
static const field_spec TOP_FIELDS[] = {
    {"format", T_ENUM, true, FORMATS}, {"version", T_ONE, true, NULL},
    {"site", T_OBJECT, true, NULL},    {"organisations", T_ARRAY, false, NULL},
    {"areas", T_ARRAY, false, NULL},   {"assets", T_ARRAY, false, NULL},
    {"tags", T_ARRAY, false, NULL},    {"people", T_ARRAY, false, NULL},
    {"connections", T_OBJECT, false, NULL}};
static const field_spec SITE_FIELDS[] = {{"code", T_CODE, true, NULL},     {"name", T_NAME, true, NULL},
                                         {"name_en", T_TEXT, false, NULL}, {"timezone", T_NAME, false, NULL},
                                         {"lat", T_LAT, false, NULL},      {"lon", T_LON, false, NULL}};
static const field_spec ORG_FIELDS[] = {{"code", T_CODE, true, NULL},
                                        {"name", T_NAME, true, NULL},
                                        {"name_en", T_TEXT, false, NULL},
                                        {"kind", T_ENUM, true, aj_vocab_org_kinds},
                                        {"parent", T_CODE, false, NULL}};
static const field_spec AREA_FIELDS[] = {
    {"code", T_CODE, true, NULL},        {"name", T_NAME, true, NULL},
    {"name_en", T_TEXT, false, NULL},    {"kind", T_ENUM, false, aj_vocab_area_kinds},
    {"polygon", T_POLYGON, false, NULL}, {"lat", T_LAT, false, NULL},
    {"lon", T_LON, false, NULL}};
static const field_spec ASSET_FIELDS[] = {{"code", T_CODE, true, NULL},     {"name", T_NAME, true, NULL},
                                          {"name_en", T_TEXT, false, NULL}, {"template", T_CODE, true, NULL},
                                          {"area", T_CODE, true, NULL},     {"parent", T_CODE, false, NULL},
                                          {"x", T_NUM, false, NULL},        {"y", T_NUM, false, NULL}};
static const field_spec TAG_FIELDS[] = {{"key", T_KEY, true, NULL},
                                        {"name", T_NAME, true, NULL},
                                        {"name_en", T_TEXT, false, NULL},
                                        {"unit", T_SHORT, false, NULL},
                                        {"kind", T_ENUM, true, aj_vocab_tag_kinds},
                                        {"range", T_RANGE, false, NULL},
                                        {"asset", T_CODE, false, NULL},
                                        {"role", T_CODE, false, NULL},
                                        {"area", T_CODE, false, NULL},
                                        {"x", T_NUM, false, NULL},
                                        {"y", T_NUM, false, NULL},
                                        {"gas", T_SHORT, false, NULL},
                                        {"oel", T_NUM, false, NULL},
                                        {"alarms", T_ARRAY, false, NULL}};
static const field_spec PERSON_FIELDS[] = {
    {"code", T_CODE, true, NULL},          {"name", T_NAME, true, NULL},
    {"name_en", T_TEXT, false, NULL},      {"organisation", T_CODE, true, NULL},
    {"department", T_TEXT, false, NULL},   {"roles", T_NAMES, false, NULL},
    {"badge_uid", T_BADGE, false, NULL},   {"phone", T_TEXT, false, NULL},
    {"certificates", T_ARRAY, false, NULL}};
static const field_spec CERT_FIELDS[] = {{"type", T_ENUM, true, aj_vocab_cert_types},
                                         {"number", T_CERTNO, true, NULL},
                                         {"issued_on", T_DATE, true, NULL},
                                         {"expires_on", T_DATE, true, NULL},
                                         {"next_review_on", T_DATE, false, NULL}};

#define N_FIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* One object after its table check: which fields are well-formed. */
typedef struct checked {
    const json_t *obj;
    const field_spec *spec;
    int n_spec;
    uint32_t ok_mask;
    char base[PATH_LEN]; /* path of the object, "$.tags[3]" */
} checked;

/* The value of a well-formed field, or NULL. */
static const json_t *got(const checked *c, const char *name) {
    for (int i = 0; i < c->n_spec; i++)
        if (strcmp(c->spec[i].name, name) == 0)
            return (c->ok_mask >> i) & 1u ? json_object_get(c->obj, name) : NULL;
    return NULL;
}

static const char *got_str(const checked *c, const char *name) {
    return str_of(got(c, name));
}

static bool is_present(const checked *c, const char *name) {
    return json_object_get(c->obj, name) != NULL;
}

static void field_path(char out[PATH_LEN], const checked *c, const char *name) {
    path_key(out, c->base, name);
}

/* ---- type checks ------------------------------------------------------------------------- */

static bool check_string(vctx *v, const char *path, const json_t *j, size_t lo, size_t hi) {
    const char *s = str_of(j);
    if (!s) {
        verr(v, path, "expected string");
        return false;
    }
    size_t n = utf8_chars(s);
    if (n < lo || n > hi) {
        if (lo > 0)
            verr(v, path, "expected %zu-%zu characters", lo, hi);
        else
            verr(v, path, "expected at most %zu characters", hi);
        return false;
    }
    return true;
}

static bool check_code(vctx *v, const char *path, const json_t *j, bool allow_slash) {
    const char *s = str_of(j);
    if (!s) {
        verr(v, path, "expected string");
        return false;
    }
    if (!is_code(s, allow_slash)) {
        verr(v, path, "expected a code of 1-%d characters A-Z a-z 0-9 _ . : -%s", AJ_CODE_LEN_MAX,
             allow_slash ? " /" : "");
        return false;
    }
    return true;
}

static bool check_number(vctx *v, const char *path, const json_t *j, double lo, double hi) {
    if (!is_finite_number(j)) {
        verr(v, path, "expected a finite number");
        return false;
    }
    double d = json_number_value(j);
    if (d < lo || d > hi) {
        verr(v, path, "expected a number between %g and %g", lo, hi);
        return false;
    }
    return true;
}

static bool check_enum(vctx *v, const char *path, const json_t *j, const char *const *choices) {
    const char *s = str_of(j);
    if (!s) {
        verr(v, path, "expected string");
        return false;
    }
    if (in_list(s, choices)) return true;
    char msg[512];
    size_t used = (size_t)snprintf(msg, sizeof msg, "expected one of:");
    for (const char *const *c = choices; *c && used < sizeof msg; c++)
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s %s", c == choices ? "" : ",", *c);
    aj_plant_report_add_error(v->rep, path, msg);
    return false;
}

static bool check_pattern(vctx *v, const char *path, const json_t *j, bool (*ok)(const char *),
                          const char *expected) {
    const char *s = str_of(j);
    if (!s) {
        verr(v, path, "expected string");
        return false;
    }
    if (ok(s)) return true;
    verr(v, path, "expected %s", expected);
    return false;
}

static bool check_range(vctx *v, const char *path, const json_t *j) {
    if (!json_is_array(j) || json_array_size(j) != 2 || !is_finite_number(json_array_get(j, 0)) ||
        !is_finite_number(json_array_get(j, 1))) {
        verr(v, path, "expected [lo, hi] of two finite numbers");
        return false;
    }
    if (json_number_value(json_array_get(j, 0)) >= json_number_value(json_array_get(j, 1))) {
        verr(v, path, "lo must be less than hi");
        return false;
    }
    return true;
}

static bool check_polygon(vctx *v, const char *path, const json_t *j) {
    size_t n = json_array_size(j);
    if (!json_is_array(j) || n < 3 || n > AJ_POLYGON_POINTS_MAX) {
        verr(v, path, "expected an array of 3 to %d points", AJ_POLYGON_POINTS_MAX);
        return false;
    }
    bool is_ok = true;
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(j, i);
        if (json_is_array(p) && json_array_size(p) == 2 && is_finite_number(json_array_get(p, 0)) &&
            is_finite_number(json_array_get(p, 1)))
            continue;
        char pp[PATH_LEN];
        path_item(pp, path, i);
        verr(v, pp, "expected a point [x, y] of two finite numbers");
        is_ok = false;
    }
    return is_ok;
}

static bool check_names(vctx *v, const char *path, const json_t *j) {
    if (!json_is_array(j)) {
        verr(v, path, "expected array");
        return false;
    }
    bool is_ok = true;
    for (size_t i = 0; i < json_array_size(j); i++) {
        char pp[PATH_LEN];
        path_item(pp, path, i);
        is_ok = check_code(v, pp, json_array_get(j, i), false) && is_ok;
    }
    return is_ok;
}

static bool check_value(vctx *v, const char *path, const field_spec *f, const json_t *j) {
    switch (f->type) {
    case T_CODE:
        return check_code(v, path, j, false);
    case T_KEY:
        return check_code(v, path, j, true);
    case T_NAME:
        return check_string(v, path, j, 1, AJ_NAME_LEN_MAX);
    case T_TEXT:
        return check_string(v, path, j, 0, AJ_NAME_LEN_MAX);
    case T_SHORT:
        return check_string(v, path, j, 0, 32);
    case T_CERTNO:
        return check_string(v, path, j, 1, AJ_CODE_LEN_MAX);
    case T_NUM:
        return check_number(v, path, j, -HUGE_VAL, HUGE_VAL);
    case T_LAT:
        return check_number(v, path, j, -90, 90);
    case T_LON:
        return check_number(v, path, j, -180, 180);
    case T_ENUM:
        return check_enum(v, path, j, f->choices);
    case T_DATE:
        return check_pattern(v, path, j, is_date, "a date YYYY-MM-DD");
    case T_BADGE:
        return check_pattern(v, path, j, is_badge, "8, 14 or 20 hexadecimal digits");
    case T_RANGE:
        return check_range(v, path, j);
    case T_POLYGON:
        return check_polygon(v, path, j);
    case T_NAMES:
        return check_names(v, path, j);
    case T_ONE:
        if (json_is_integer(j) && json_integer_value(j) == 1) return true;
        verr(v, path, "must be 1");
        return false;
    case T_ARRAY:
        if (json_is_array(j)) return true;
        verr(v, path, "expected array");
        return false;
    case T_OBJECT:
        if (json_is_object(j)) return true;
        verr(v, path, "expected object");
        return false;
    }
    return false;
}

static int spec_find(const field_spec *spec, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(spec[i].name, name) == 0) return i;
    return -1;
}

/* Checks obj (at path base) against spec: fills c. false when obj is not an object. */
static bool check_object(vctx *v, const json_t *obj, const char *base, const field_spec *spec, int n,
                         checked *c) {
    *c = (checked){.obj = obj, .spec = spec, .n_spec = n};
    utf8_copy(c->base, sizeof c->base, base);
    if (!json_is_object(obj)) {
        verr(v, base, "expected object");
        return false;
    }
    const char *key;
    const json_t *val;
    char path[PATH_LEN];
    json_object_foreach((json_t *)obj, key, val) {
        path_key(path, base, key);
        int i = spec_find(spec, n, key);
        if (i < 0)
            verr(v, path, "unknown field");
        else if (check_value(v, path, &spec[i], val))
            c->ok_mask |= 1u << i;
    }
    for (int i = 0; i < n; i++) {
        if (!spec[i].is_required || json_object_get(obj, spec[i].name)) continue;
        path_key(path, base, spec[i].name);
        verr(v, path, "required field missing");
    }
    return true;
}

/* ---- references and duplicates --------------------------------------------------------- */

/* Reports a duplicate when the object at index i is not the first with its code. */
static void check_unique(vctx *v, const checked *c, const char *field, int ix, const char *family, size_t i) {
    const char *code = got_str(c, field);
    if (!code) return;
    long first = file_index(v, ix, code);
    if (first < 0 || (size_t)first == i) return;
    char path[PATH_LEN];
    field_path(path, c, field);
    verr(v, path, "duplicate %s '%s', first at $.%s[%ld]", field, code, family, first);
}

static bool org_known(vctx *v, const char *code) {
    const char *parent;
    if (file_index(v, IX_ORG, code) >= 0) return true;
    return v->lk->org_parent && lk_found(v, v->lk->org_parent(v->lk->ctx, code, &parent));
}

static bool area_known(vctx *v, const char *code) {
    if (file_index(v, IX_AREA, code) >= 0) return true;
    return v->lk->area_exists && lk_found(v, v->lk->area_exists(v->lk->ctx, code));
}

/* Template code of an asset of the file or of the site, or NULL when the asset is unknown. */
static const char *asset_template(vctx *v, const char *code, bool *is_known) {
    long i = file_index(v, IX_ASSET, code);
    *is_known = true;
    if (i >= 0)
        return str_of(json_object_get(json_array_get(v->family[AJ_PLANT_ASSETS], (size_t)i), "template"));
    const char *parent, *tmpl;
    if (v->lk->asset_info && lk_found(v, v->lk->asset_info(v->lk->ctx, code, &parent, &tmpl))) return tmpl;
    *is_known = false;
    return NULL;
}

static const json_t *template_roles(vctx *v, const char *tmpl) {
    const json_t *roles = NULL;
    if (!v->lk->template_roles || !lk_found(v, v->lk->template_roles(v->lk->ctx, tmpl, &roles))) return NULL;
    return roles ? roles : json_null();
}

/* Reports when the well-formed code field names nothing known. */
static void check_ref(vctx *v, const checked *c, const char *field, const char *what,
                      bool (*known)(vctx *, const char *)) {
    const char *code = got_str(c, field);
    if (!code || known(v, code)) return;
    char path[PATH_LEN];
    field_path(path, c, field);
    verr(v, path, "unknown %s '%s'", what, code);
}

/* ---- parent cycles ------------------------------------------------------------------------ */

enum { WALK_NEW = 0, WALK_ON_PATH = 1, WALK_DONE = 2 };

typedef struct tree {
    aj_plant_family family;
    int ix;
    /* Parent of a stored object: true when that object exists. */
    bool (*stored_parent)(vctx *v, const char *code, const char **parent);
} tree;

static bool org_stored_parent(vctx *v, const char *code, const char **parent) {
    *parent = NULL;
    return v->lk->org_parent && lk_found(v, v->lk->org_parent(v->lk->ctx, code, parent));
}

static bool asset_stored_parent(vctx *v, const char *code, const char **parent) {
    const char *tmpl;
    *parent = NULL;
    return v->lk->asset_info && lk_found(v, v->lk->asset_info(v->lk->ctx, code, parent, &tmpl));
}

static const char *file_parent(const vctx *v, const tree *t, size_t i) {
    return str_of(json_object_get(json_array_get(v->family[t->family], i), "parent"));
}

/* Follows parents from object start (of the file) until the chain ends, reaches an
 * object already cleared, or loops. Objects of the file are marked on the way, so over
 * all starts each is walked once. path has room for every object of the family. */
static void walk_parents(vctx *v, const tree *t, size_t start, unsigned char *state, size_t *path) {
    const char *family = aj_plant_family_name(t->family);
    size_t n_path = 0, i = start;
    bool is_in_file = true;
    const char *code = NULL;
    for (int stored_steps = 0;;) {
        if (is_in_file) {
            if (state[i] == WALK_DONE) break;
            if (state[i] == WALK_ON_PATH) {
                char p[PATH_LEN];
                path_fmt(p, "$.%s[%zu].parent", family, path[n_path - 1]);
                verr(v, p, "parent chain loops back to '%s'", code);
                break;
            }
            state[i] = WALK_ON_PATH;
            path[n_path++] = i;
            code = file_parent(v, t, i);
        } else if (++stored_steps > AJ_PLANT_CHAIN_MAX || !t->stored_parent(v, code, &code)) {
            if (stored_steps > AJ_PLANT_CHAIN_MAX) {
                char p[PATH_LEN];
                path_fmt(p, "$.%s[%zu].parent", family, start);
                verr(v, p, "parent chain through stored objects is longer than %d or loops",
                     AJ_PLANT_CHAIN_MAX);
            }
            break;
        }
        if (!code) break;
        long j = file_index(v, t->ix, code);
        is_in_file = j >= 0;
        if (is_in_file) i = (size_t)j;
    }
    for (size_t k = 0; k < n_path; k++) state[path[k]] = WALK_DONE;
}

static void check_cycles(vctx *v, const tree *t) {
    size_t n = json_array_size(v->family[t->family]);
    if (n == 0) return;
    unsigned char *state = calloc(n, 1);
    size_t *path = malloc(n * sizeof *path);
    if (!state || !path) v->fail = AJ_ENOMEM;
    for (size_t i = 0; state && path && i < n; i++)
        if (state[i] == WALK_NEW) walk_parents(v, t, i, state, path);
    free(state);
    free(path);
}

aj_err aj_plant_parent_order(const int *parent, int n, int *order) {
    int *depth = malloc((size_t)(n + 1) * sizeof *depth);
    int *stack = malloc((size_t)(n + 1) * sizeof *stack);
    int *count = calloc((size_t)(n + 1), sizeof *count);
    aj_err e = (depth && stack && count) ? AJ_OK : AJ_ENOMEM;
    for (int i = 0; !e && i < n; i++) depth[i] = -1;
    for (int i = 0; !e && i < n; i++) {
        int top = 0, j = i;
        while (!e && j >= 0 && depth[j] < 0) {
            if (top == n)
                e = AJ_EINVAL; /* more steps than objects: a cycle */
            else
                stack[top++] = j, j = parent[j];
        }
        int d = j < 0 ? -1 : depth[j];
        while (!e && top > 0) depth[stack[--top]] = ++d;
    }
    /* Counting sort by depth, stable: parents (smaller depth) first. */
    for (int i = 0; !e && i < n; i++) count[depth[i] + 1]++;
    for (int d = 1; !e && d <= n; d++) count[d] += count[d - 1];
    for (int i = 0; !e && i < n; i++) order[count[depth[i]]++] = i;
    free(depth);
    free(stack);
    free(count);
    return e;
}

/* ---- families ----------------------------------------------------------------------------- */

static void validate_site(vctx *v, const json_t *site) {
    checked c;
    if (!site || !check_object(v, site, "$.site", SITE_FIELDS, N_FIELDS(SITE_FIELDS), &c)) return;
    v->site_code = got_str(&c, "code");
}

static void validate_org(vctx *v, const json_t *obj, size_t i) {
    char base[PATH_LEN];
    checked c;
    path_index(base, "$", "organisations", i);
    if (!check_object(v, obj, base, ORG_FIELDS, N_FIELDS(ORG_FIELDS), &c)) return;
    check_unique(v, &c, "code", IX_ORG, "organisations", i);
    check_ref(v, &c, "parent", "organisation", org_known);
}

static void validate_area(vctx *v, const json_t *obj, size_t i) {
    char base[PATH_LEN];
    checked c;
    path_index(base, "$", "areas", i);
    if (!check_object(v, obj, base, AREA_FIELDS, N_FIELDS(AREA_FIELDS), &c)) return;
    check_unique(v, &c, "code", IX_AREA, "areas", i);
}

static bool asset_known(vctx *v, const char *code) {
    bool is_known;
    asset_template(v, code, &is_known);
    return is_known;
}

static void validate_asset(vctx *v, const json_t *obj, size_t i) {
    char base[PATH_LEN], path[PATH_LEN];
    checked c;
    path_index(base, "$", "assets", i);
    if (!check_object(v, obj, base, ASSET_FIELDS, N_FIELDS(ASSET_FIELDS), &c)) return;
    check_unique(v, &c, "code", IX_ASSET, "assets", i);
    const char *tmpl = got_str(&c, "template");
    if (tmpl && !template_roles(v, tmpl)) {
        field_path(path, &c, "template");
        verr(v, path, "unknown template '%s'", tmpl);
    }
    check_ref(v, &c, "area", "area", area_known);
    check_ref(v, &c, "parent", "asset", asset_known);
}

static bool is_gas_kind(const char *kind) {
    return strcmp(kind, "gas_combustible_lel") == 0 || strcmp(kind, "gas_toxic_ppm") == 0;
}

/* Rules that depend on the tag's kind: range, gas, oel. */
static void check_tag_kind(vctx *v, const checked *c) {
    const char *kind = got_str(c, "kind");
    char path[PATH_LEN];
    const json_t *oel = got(c, "oel");
    if (oel && json_number_value(oel) <= 0) {
        field_path(path, c, "oel");
        verr(v, path, "must be greater than 0");
    }
    if (!kind) return;
    bool needs_range = strcmp(kind, "status") != 0 && strcmp(kind, "count") != 0;
    const char *gas = got_str(c, "gas");
    const char *missing[3] = {NULL, NULL, NULL};
    if (needs_range && !is_present(c, "range")) missing[0] = "range";
    if (is_gas_kind(kind) && (!is_present(c, "gas") || (gas && !*gas))) missing[1] = "gas";
    if (strcmp(kind, "gas_toxic_ppm") == 0 && !is_present(c, "oel")) missing[2] = "oel";
    for (int k = 0; k < 3; k++) {
        if (!missing[k]) continue;
        field_path(path, c, missing[k]);
        verr(v, path, "required for kind '%s'", kind);
    }
}

/* The tag's alarm settings (docs/alarms.md): each definition valid, kinds unique. */
static void check_tag_alarms(vctx *v, const checked *c) {
    const json_t *alarms = got(c, "alarms");
    if (!alarms) return;
    char path[PATH_LEN], msg[600];
    field_path(path, c, "alarms");
    if (aj_alarm_defs_check_list(alarms, path, msg, sizeof msg) == AJ_OK) return;
    char *sep = strstr(msg, ": ");
    if (sep) {
        *sep = 0;
        verr(v, msg, "%s", sep + 2);
    } else {
        verr(v, path, "%s", msg);
    }
}

/* Rules on where the tag sits: area, asset, role. */
static void check_tag_place(vctx *v, const checked *c) {
    char path[PATH_LEN], q[VALUE_IN_MSG_MAX + 1];
    if (!is_present(c, "area") && !is_present(c, "asset")) verr(v, c->base, "needs 'area' or 'asset'");
    check_ref(v, c, "area", "area", area_known);
    const char *asset = got_str(c, "asset"), *role = got_str(c, "role");
    bool is_known = false;
    const char *tmpl = asset ? asset_template(v, asset, &is_known) : NULL;
    if (asset && !is_known) {
        field_path(path, c, "asset");
        verr(v, path, "unknown asset '%s'", asset);
    }
    field_path(path, c, "role");
    if (is_present(c, "role") && !is_present(c, "asset")) verr(v, path, "requires 'asset'");
    if (!role || !tmpl) return;
    const json_t *roles = template_roles(v, tmpl);
    if (!roles) return; /* unknown template: reported on the asset */
    for (size_t k = 0; k < json_array_size(roles); k++)
        if (str_of(json_array_get(roles, k)) && strcmp(str_of(json_array_get(roles, k)), role) == 0) return;
    verr(v, path, "'%s' is not a signal role of template '%s'", role, quote(tmpl, q));
}

static void validate_tag(vctx *v, const json_t *obj, size_t i) {
    char base[PATH_LEN], path[PATH_LEN], q[VALUE_IN_MSG_MAX + 1];
    checked c;
    path_index(base, "$", "tags", i);
    if (!check_object(v, obj, base, TAG_FIELDS, N_FIELDS(TAG_FIELDS), &c)) return;
    check_unique(v, &c, "key", IX_TAG, "tags", i);
    check_tag_kind(v, &c);
    check_tag_place(v, &c);
    check_tag_alarms(v, &c);
    const char *key = got_str(&c, "key"), *site = NULL;
    if (!key || !v->site_code || !v->lk->tag_site || !lk_found(v, v->lk->tag_site(v->lk->ctx, key, &site)))
        return;
    if (site && strcmp(site, v->site_code) == 0) return;
    field_path(path, &c, "key");
    verr(v, path, "tag key already belongs to site '%s'", site ? quote(site, q) : "?");
}

static void check_roles(vctx *v, const checked *c) {
    const json_t *roles = got(c, "roles");
    json_t *seen = json_object(); /* role -> true: duplicates in linear time */
    char path[PATH_LEN];
    if (!seen) v->fail = AJ_ENOMEM;
    for (size_t k = 0; seen && k < json_array_size(roles); k++) {
        const char *role = str_of(json_array_get(roles, k));
        path_index(path, c->base, "roles", k);
        if (json_object_get(seen, role))
            verr(v, path, "duplicate role '%s'", role);
        else if (json_object_set_new(seen, role, json_true()) != 0)
            v->fail = AJ_ENOMEM;
        else if (!v->lk->role_exists || !lk_found(v, v->lk->role_exists(v->lk->ctx, role)))
            verr(v, path, "unknown role '%s'", role);
    }
    json_decref(seen);
}

static void check_badge(vctx *v, const checked *c, size_t i) {
    const char *badge = got_str(c, "badge_uid"), *code = got_str(c, "code"), *owner = NULL;
    if (!badge) return;
    char norm[21], path[PATH_LEN];
    aj_plant_badge_normalise(badge, norm);
    field_path(path, c, "badge_uid");
    const json_t *first = json_object_get(v->index[IX_BADGE], norm);
    if (first) {
        verr(v, path, "badge already used at $.people[%lld]", (long long)json_integer_value(first));
        return;
    }
    index_put(v, IX_BADGE, norm, json_integer((json_int_t)i));
    if (!code || !v->lk->badge_owner || !lk_found(v, v->lk->badge_owner(v->lk->ctx, norm, &owner))) return;
    if (!owner || strcmp(owner, code) != 0)
        verr(v, path, "badge already belongs to person '%s'", owner ? owner : "?");
}

static void check_cert_dates(vctx *v, const checked *c) {
    const char *issued = got_str(c, "issued_on"), *expires = got_str(c, "expires_on");
    const char *review = got_str(c, "next_review_on");
    char path[PATH_LEN];
    if (issued && expires && strcmp(issued, expires) >= 0) {
        field_path(path, c, "expires_on");
        verr(v, path, "must be after issued_on");
    }
    field_path(path, c, "next_review_on");
    if (review && issued && strcmp(review, issued) < 0)
        verr(v, path, "must not be before issued_on");
    else if (review && expires && strcmp(review, expires) > 0)
        verr(v, path, "must not be after expires_on");
}

/* (type, number) unique in the file and not held by another stored person. */
static void check_cert_owner(vctx *v, const checked *c, const char *person) {
    const char *type = got_str(c, "type"), *number = got_str(c, "number"), *owner = NULL;
    if (!type || !number) return;
    char key[AJ_NAME_LEN_MAX * 4 + 64], path[PATH_LEN], q[VALUE_IN_MSG_MAX + 1];      /* type + 64 chars */
    if (snprintf(key, sizeof key, "%s\n%s", type, number) >= (int)sizeof key) return; /* cannot happen */
    field_path(path, c, "number");
    const char *first = json_string_value(json_object_get(v->index[IX_CERT], key));
    if (first) {
        verr(v, path, "certificate %s '%s' already listed at %s", type, quote(number, q), first);
        return;
    }
    index_put(v, IX_CERT, key, json_string(c->base));
    if (!person || !v->lk->cert_owner || !lk_found(v, v->lk->cert_owner(v->lk->ctx, type, number, &owner)))
        return;
    if (!owner || strcmp(owner, person) != 0)
        verr(v, path, "certificate already belongs to person '%s'", owner ? owner : "?");
}

static void validate_certs(vctx *v, const checked *person) {
    const json_t *certs = got(person, "certificates");
    const char *code = got_str(person, "code");
    for (size_t k = 0; k < json_array_size(certs); k++) {
        char base[PATH_LEN];
        checked c;
        path_index(base, person->base, "certificates", k);
        if (!check_object(v, json_array_get(certs, k), base, CERT_FIELDS, N_FIELDS(CERT_FIELDS), &c))
            continue;
        check_cert_dates(v, &c);
        check_cert_owner(v, &c, code);
    }
}

static void validate_person(vctx *v, const json_t *obj, size_t i) {
    char base[PATH_LEN];
    checked c;
    path_index(base, "$", "people", i);
    if (!check_object(v, obj, base, PERSON_FIELDS, N_FIELDS(PERSON_FIELDS), &c)) return;
    check_unique(v, &c, "code", IX_PERSON, "people", i);
    check_ref(v, &c, "organisation", "organisation", org_known);
    check_roles(v, &c);
    check_badge(v, &c, i);
    validate_certs(v, &c);
}

/* ---- document ------------------------------------------------------------------------------ */

/* Records code -> index for the first object of each code (well-formed codes only). */
static void index_family(vctx *v, aj_plant_family f, int ix, const char *field, bool allow_slash) {
    const json_t *arr = v->family[f];
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *code = str_of(json_object_get(json_array_get(arr, i), field));
        if (code && is_code(code, allow_slash) && !json_object_get(v->index[ix], code))
            index_put(v, ix, code, json_integer((json_int_t)i));
    }
}

/* Counts every object of the file; false (with an error) when over AJ_PLANT_OBJECTS_MAX. */
static bool check_size(vctx *v) {
    size_t total = 0;
    for (int f = 0; f < AJ_PLANT_FAMILIES; f++) total += json_array_size(v->family[f]);
    const json_t *people = v->family[AJ_PLANT_PEOPLE];
    for (size_t i = 0; total <= AJ_PLANT_OBJECTS_MAX && i < json_array_size(people); i++)
        total += json_array_size(json_object_get(json_array_get(people, i), "certificates"));
    if (total <= AJ_PLANT_OBJECTS_MAX) return true;
    verr(v, "$", "too many objects: more than %d", AJ_PLANT_OBJECTS_MAX);
    return false;
}

typedef void (*validate_fn)(vctx *v, const json_t *obj, size_t i);

static void validate_families(vctx *v) {
    static const validate_fn fns[] = {validate_org, validate_area, validate_asset, validate_tag,
                                      validate_person};
    static const tree org_tree = {AJ_PLANT_ORGANISATIONS, IX_ORG, org_stored_parent};
    static const tree asset_tree = {AJ_PLANT_ASSETS, IX_ASSET, asset_stored_parent};
    for (int f = AJ_PLANT_ORGANISATIONS; f <= AJ_PLANT_PEOPLE; f++) {
        const json_t *arr = v->family[f];
        for (size_t i = 0; i < json_array_size(arr) && !v->fail; i++) fns[f](v, json_array_get(arr, i), i);
        if (f == AJ_PLANT_ORGANISATIONS) check_cycles(v, &org_tree);
        if (f == AJ_PLANT_ASSETS) check_cycles(v, &asset_tree);
    }
}

/* A tag a connection map may feed: one of the file, or one the enterprise has. */
static bool tag_known(void *ctx, const char *key) {
    vctx *v = ctx;
    const char *site = NULL;
    if (file_index(v, IX_TAG, key) >= 0) return true;
    return v->lk->tag_site && lk_found(v, v->lk->tag_site(v->lk->ctx, key, &site));
}

aj_err aj_plant_validate(const json_t *doc, const aj_plant_lookup *lookup, aj_plant_report *rep) {
    static const aj_plant_lookup none = {0};
    vctx v = {.lk = lookup ? lookup : &none, .rep = rep};
    aj_plant_report_reset(rep);
    checked top;
    if (!check_object(&v, doc, "$", TOP_FIELDS, N_FIELDS(TOP_FIELDS), &top)) return AJ_EINVAL;
    for (int f = AJ_PLANT_ORGANISATIONS; f <= AJ_PLANT_PEOPLE; f++)
        v.family[f] = got(&top, aj_plant_family_name((aj_plant_family)f));
    validate_site(&v, got(&top, "site"));
    if (!check_size(&v)) return AJ_EINVAL;
    for (int k = 0; k < IX_COUNT; k++)
        if (!(v.index[k] = json_object())) v.fail = AJ_ENOMEM;
    if (!v.fail) {
        index_family(&v, AJ_PLANT_ORGANISATIONS, IX_ORG, "code", false);
        index_family(&v, AJ_PLANT_AREAS, IX_AREA, "code", false);
        index_family(&v, AJ_PLANT_ASSETS, IX_ASSET, "code", false);
        index_family(&v, AJ_PLANT_TAGS, IX_TAG, "key", true);
        index_family(&v, AJ_PLANT_PEOPLE, IX_PERSON, "code", false);
    }
    if (!v.fail) validate_families(&v);
    if (!v.fail) {
        aj_err e = aj_plant_check_connections(got(&top, "connections"), tag_known, &v, rep);
        if (e) v.fail = e;
    }
    for (int k = 0; k < IX_COUNT; k++) json_decref(v.index[k]);
    if (v.fail) return v.fail;
    return rep->n_errors ? AJ_EINVAL : AJ_OK;
}
