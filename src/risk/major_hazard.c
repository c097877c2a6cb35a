/* major_hazard.c — the GB 18218-2018 table (Tables 1-4 as data), its strict loader, and
 * the identification and grading of one unit (major_hazard.h, docs/risk.md).
 *
 * The table is built in one arena that it owns; on any error the arena is freed and the
 * caller gets NULL. The file is read in a fixed order (format, version, standard,
 * categories, then substances, which name categories), and within a substance: code,
 * name, aliases, cas, critical_t, beta or class, source, note. So the same file always
 * gives the same first error, as "JSONPATH: message"; only the first is kept.
 *
 * Every code, CAS number, Chinese name and alias of a substance is a lookup key, and no
 * key may belong to two substances (nor twice to one): a lookup is never ambiguous.
 *
 * Tables 5 (alpha) and 6 (levels) are fixed by the standard and live here as two small
 * tables. The assessment is a straight sum over the items; S and R meet their thresholds
 * with a relative tolerance of AJ_MH_TOLERANCE (see the header).
 */
#include "risk/major_hazard.h"

#include "base/arena.h"
#include "base/fileread.h"
#include "base/jsonutil.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_FORMAT  "anjian-major-hazard-table"
#define TABLE_VERSION 1
#define PATH_LEN      128
#define QUOTE_BYTES   40 /* bytes of a user string quoted in a message */

/* ---- checked reading ------------------------------------------------------------------ */

typedef struct reader {
    aj_arena *arena;
    char *err; /* the caller's buffer */
    size_t errlen;
    aj_err first; /* first error; AJ_OK while none */
} reader;

typedef enum kind { K_STRING, K_INTEGER, K_NUMBER, K_OBJECT, K_ARRAY } kind;

typedef struct key_rule {
    const char *key;
    kind kind;
    bool is_required;
} key_rule;

__attribute__((format(printf, 4, 5))) static aj_err fail(reader *r, aj_err code, const char *path,
                                                         const char *fmt, ...) {
    if (r->first != AJ_OK) return code;
    r->first = code;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->errlen) snprintf(r->err, r->errlen, "%s: %s", path, msg);
    return code;
}

static aj_err nomem(reader *r, const void *p, const char *path) {
    return p ? AJ_OK : fail(r, AJ_ENOMEM, path, "out of memory");
}

__attribute__((format(printf, 3, 4))) static void path_of(char out[PATH_LEN], const char *base,
                                                          const char *fmt, ...) {
    int n = snprintf(out, PATH_LEN, "%s", base);
    if (n < 0 || n >= PATH_LEN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, PATH_LEN - (size_t)n, fmt, ap);
    va_end(ap);
}

/* s made safe to quote: at most QUOTE_BYTES bytes cut at a UTF-8 boundary ("..." added),
 * quotes, backslashes and control characters escaped. */
static const char *quote(const char *s, char buf[200]) {
    size_t o = 0, i = 0, len = strlen(s);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (n > len - i) n = len - i;
        if (i + n > QUOTE_BYTES) break;
        if (c < 0x20 || c == 0x7F) {
            o += (size_t)snprintf(buf + o, 200 - o, "\\x%02X", c);
        } else {
            if (c == '"' || c == '\\') buf[o++] = '\\';
            memcpy(buf + o, s + i, n);
            o += n;
        }
        i += n;
    }
    if (i < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

/* v as short as it can be written and still read back the same: 70, 0.5, 70.000001,
 * 0.19999999999999996 (so a message never shows two different numbers alike). */
static const char *num(double v, char buf[32]) {
    static const int precisions[] = {6, 15, 17};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, 32, "%.*g", precisions[i], v);
        if (isnan(v) || strtod(buf, NULL) == v) break;
    }
    return buf;
}

static const char *kind_of(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

static bool has_kind(const json_t *j, kind k) {
    static const json_type types[] = {JSON_STRING, JSON_INTEGER, JSON_REAL, JSON_OBJECT, JSON_ARRAY};
    return k == K_NUMBER ? json_is_number(j) : json_typeof(j) == types[k];
}

/* j is an object with only keys of rules (first unknown key in document order is
 * reported), every required key, and each present key of its kind (in rule order). */
static aj_err object(reader *r, const json_t *j, const char *path, const key_rule *rules, int n_rules) {
    static const char *const kind_names[] = {"a string", "an integer", "a number", "an object", "an array"};
    if (!json_is_object(j)) return fail(r, AJ_EINVAL, path, "must be an object, not %s", kind_of(j));
    const char *key;
    const json_t *value;
    char q[200];
    json_object_foreach((json_t *)j, key, value) {
        int i = 0;
        while (i < n_rules && strcmp(key, rules[i].key) != 0) i++;
        if (i == n_rules) return fail(r, AJ_EINVAL, path, "unknown key \"%s\"", quote(key, q));
    }
    for (int i = 0; i < n_rules; i++) {
        value = json_object_get(j, rules[i].key);
        if (!value && rules[i].is_required)
            return fail(r, AJ_EINVAL, path, "missing key \"%s\"", rules[i].key);
        if (value && !has_kind(value, rules[i].kind)) {
            char sub[PATH_LEN];
            path_of(sub, path, ".%s", rules[i].key);
            return fail(r, AJ_EINVAL, sub, "must be %s, not %s", kind_names[rules[i].kind], kind_of(value));
        }
    }
    return AJ_OK;
}

/* The array j has n_min to n_max items (more: AJ_ETOOBIG). */
static aj_err count(reader *r, const json_t *j, const char *path, const char *what, int n_min, int n_max) {
    size_t n = json_array_size(j);
    if (n > (size_t)n_max) return fail(r, AJ_ETOOBIG, path, "too many %s (%zu; at most %d)", what, n, n_max);
    if (n < (size_t)n_min) return fail(r, AJ_EINVAL, path, "must not be empty");
    return AJ_OK;
}

/* An arena copy of the string j: a string, non-empty, no NUL, at most max_len bytes. */
static aj_err string(reader *r, const json_t *j, const char *path, size_t max_len, const char **out) {
    if (!json_is_string(j)) return fail(r, AJ_EINVAL, path, "must be a string, not %s", kind_of(j));
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    if (strlen(s) != len) return fail(r, AJ_EINVAL, path, "must not contain a NUL character");
    if (len == 0) return fail(r, AJ_EINVAL, path, "must not be empty");
    if (len > max_len) return fail(r, AJ_ETOOBIG, path, "longer than %zu bytes (%zu)", max_len, len);
    *out = aj_arena_strdup(r->arena, s);
    return nomem(r, *out, path);
}

static aj_err text(reader *r, const json_t *j, const char *path, aj_mh_text *out) {
    static const key_rule rules[] = {{"en", K_STRING, true}, {"zh", K_STRING, true}};
    char sub[PATH_LEN];
    aj_err e = object(r, j, path, rules, 2);
    if (!e) path_of(sub, path, ".en");
    if (!e) e = string(r, json_object_get(j, "en"), sub, AJ_MH_NAME_LEN_MAX, &out->en);
    if (!e) path_of(sub, path, ".zh");
    if (!e) e = string(r, json_object_get(j, "zh"), sub, AJ_MH_NAME_LEN_MAX, &out->zh);
    return e;
}

/* A number (j known to be one) with min <= v <= max, or 0 < v <= max when min is 0;
 * unit names it in the message. */
static aj_err number(reader *r, const json_t *j, const char *path, double min, double max, const char *unit,
                     double *out) {
    double v = json_number_value(j);
    char shown[32];
    if (min == 0 && !(v > 0 && v <= max))
        return fail(r, AJ_EINVAL, path, "must be more than 0 and at most %g%s, not %s", max, unit,
                    num(v, shown));
    if (min > 0 && !(v >= min && v <= max))
        return fail(r, AJ_EINVAL, path, "must be from %g to %g%s, not %s", min, max, unit, num(v, shown));
    *out = v;
    return AJ_OK;
}

/* ---- codes and CAS numbers ------------------------------------------------------------ */

/* 1 to AJ_MH_CODE_LEN_MAX letters, digits, '_' or '.'. */
static bool is_code(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > AJ_MH_CODE_LEN_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.'))
            return false;
    }
    return true;
}

static aj_err code(reader *r, const json_t *j, const char *path, const char **out) {
    char q[200];
    const char *s = json_string_value(j);
    if (strlen(s) != json_string_length(j) || !is_code(s))
        return fail(r, AJ_EINVAL, path, "\"%s\" is not a code (1 to %d letters, digits, _ or .)", quote(s, q),
                    AJ_MH_CODE_LEN_MAX);
    *out = aj_arena_strdup(r->arena, s);
    return nomem(r, *out, path);
}

/* The check digit a CAS number "NNNNNNN-NN-C" should have, or -1 when s is not shaped
 * like one (2 to 7 digits, 2 digits, 1 digit). */
static int cas_check_digit(const char *s) {
    size_t n = strlen(s), a = strspn(s, "0123456789");
    if (a < 2 || a > 7 || n != a + 5 || s[a] != '-' || s[a + 3] != '-') return -1;
    if (strspn(s + a + 1, "0123456789") != 2 || strspn(s + a + 4, "0123456789") != 1) return -1;
    int sum = 0, weight = 1;
    for (size_t i = a + 3; i-- > 0;) {
        if (s[i] == '-') continue;
        sum += (s[i] - '0') * weight++;
    }
    return sum % 10;
}

static bool is_cas(const char *s) {
    int check = cas_check_digit(s);
    return check >= 0 && s[strlen(s) - 1] - '0' == check;
}

/* ---- lookups -------------------------------------------------------------------------- */

static bool has_key(const aj_mh_substance *s, const char *key) {
    if ((s->code && strcmp(s->code, key) == 0) || (s->name.zh && strcmp(s->name.zh, key) == 0)) return true;
    for (int i = 0; i < s->n_aliases; i++)
        if (strcmp(s->aliases[i], key) == 0) return true;
    for (int i = 0; i < s->n_cas; i++)
        if (strcmp(s->cas[i], key) == 0) return true;
    return false;
}

/* The first of the first n substances with this key, or -1. */
static int key_owner(const aj_mh_substance *subs, int n, const char *key) {
    for (int i = 0; i < n; i++)
        if (has_key(&subs[i], key)) return i;
    return -1;
}

int aj_mh_substance_find(const aj_mh_table *table, const char *key) {
    return key_owner(table->substances, table->n_substances, key);
}

int aj_mh_category_find(const aj_mh_table *table, const char *code) {
    for (int i = 0; i < table->n_categories; i++)
        if (strcmp(table->categories[i].code, code) == 0) return i;
    return -1;
}

/* ---- categories ----------------------------------------------------------------------- */

static aj_err category(reader *r, const json_t *j, const char *path, const aj_mh_table *t,
                       aj_mh_category *c) {
    static const key_rule rules[] = {{"code", K_STRING, true},
                                     {"name", K_OBJECT, true},
                                     {"critical_t", K_NUMBER, true},
                                     {"beta", K_NUMBER, true},
                                     {"source", K_STRING, true}};
    char sub[PATH_LEN];
    aj_err e = object(r, j, path, rules, 5);
    if (e) return e;
    path_of(sub, path, ".code");
    if ((e = code(r, json_object_get(j, "code"), sub, &c->code))) return e;
    if (aj_mh_category_find(t, c->code) >= 0)
        return fail(r, AJ_EINVAL, sub, "duplicate code \"%s\"", c->code);
    path_of(sub, path, ".name");
    if ((e = text(r, json_object_get(j, "name"), sub, &c->name))) return e;
    path_of(sub, path, ".critical_t");
    if ((e = number(r, json_object_get(j, "critical_t"), sub, AJ_MH_CRITICAL_T_MIN, AJ_MH_CRITICAL_T_MAX,
                    " t", &c->critical_t)))
        return e;
    path_of(sub, path, ".beta");
    if ((e = number(r, json_object_get(j, "beta"), sub, 0, AJ_MH_BETA_MAX, "", &c->beta))) return e;
    path_of(sub, path, ".source");
    return string(r, json_object_get(j, "source"), sub, AJ_MH_NAME_LEN_MAX, &c->source);
}

static aj_err categories(reader *r, const json_t *arr, aj_mh_table *t) {
    aj_err e = count(r, arr, "$.categories", "categories", 1, AJ_MH_CATEGORIES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_mh_category *c = aj_arena_alloc(r->arena, (size_t)n * sizeof *c);
    if ((e = nomem(r, c, "$.categories"))) return e;
    t->categories = c;
    for (int i = 0; i < n; i++) {
        char at[PATH_LEN];
        path_of(at, "$.categories", "[%d]", i);
        if ((e = category(r, json_array_get(arr, (size_t)i), at, t, &c[i]))) return e;
        t->n_categories = i + 1;
    }
    return AJ_OK;
}

/* ---- substances ----------------------------------------------------------------------- */

/* key is no key yet of substances 0..self (self is being read: its keys so far count). */
static aj_err unique_key(reader *r, const aj_mh_substance *subs, int self, const char *key,
                         const char *path) {
    int owner = key_owner(subs, self + 1, key);
    char q[200];
    if (owner < 0) return AJ_OK;
    return fail(r, AJ_EINVAL, path, "\"%s\" already names substances[%d] (%s)", quote(key, q), owner,
                subs[owner].code);
}

/* The optional list of names ("aliases") or CAS numbers ("cas") of substance self. */
static aj_err key_list(reader *r, const json_t *arr, const char *path, bool is_cas_list,
                       aj_mh_substance *subs, int self) {
    aj_mh_substance *s = &subs[self];
    int n_max = is_cas_list ? AJ_MH_CAS_MAX : AJ_MH_ALIASES_MAX;
    aj_err e = count(r, arr, path, is_cas_list ? "CAS numbers" : "aliases", 0, n_max);
    if (e || !arr) return e;
    int n = (int)json_array_size(arr);
    const char **list = aj_arena_alloc(r->arena, (size_t)n * sizeof *list);
    if ((e = nomem(r, list, path))) return e;
    if (is_cas_list)
        s->cas = list;
    else
        s->aliases = list;
    for (int i = 0; i < n; i++) {
        char at[PATH_LEN], q[200];
        path_of(at, path, "[%d]", i);
        if ((e = string(r, json_array_get(arr, (size_t)i), at, AJ_MH_NAME_LEN_MAX, &list[i]))) return e;
        int check = is_cas_list ? cas_check_digit(list[i]) : 0;
        if (check < 0)
            return fail(r, AJ_EINVAL, at, "\"%s\" is not a CAS number (2-7 digits, 2 digits, 1 check digit)",
                        quote(list[i], q));
        if (is_cas_list && !is_cas(list[i]))
            return fail(r, AJ_EINVAL, at, "\"%s\" has a wrong check digit (%.*s%d?)", list[i],
                        (int)strlen(list[i]) - 1, list[i], check);
        if ((e = unique_key(r, subs, self, list[i], at))) return e;
        if (is_cas_list)
            s->n_cas = i + 1;
        else
            s->n_aliases = i + 1;
    }
    return AJ_OK;
}

/* Exactly one of "beta" (Table 3) and "class" (a category; Table 4). */
static aj_err beta_or_class(reader *r, const json_t *j, const char *path, const aj_mh_table *t,
                            aj_mh_substance *s) {
    const json_t *beta = json_object_get(j, "beta"), *cls = json_object_get(j, "class");
    char sub[PATH_LEN], q[200];
    if (beta && cls)
        return fail(r, AJ_EINVAL, path,
                    "both \"beta\" and \"class\" (beta comes from Table 3 or from the class)");
    if (!beta && !cls) return fail(r, AJ_EINVAL, path, "missing key \"beta\" or \"class\"");
    s->category = -1;
    if (beta) {
        path_of(sub, path, ".beta");
        return number(r, beta, sub, 0, AJ_MH_BETA_MAX, "", &s->beta);
    }
    path_of(sub, path, ".class");
    s->category = aj_mh_category_find(t, json_string_value(cls));
    if (s->category < 0 || strlen(json_string_value(cls)) != json_string_length(cls))
        return fail(r, AJ_EINVAL, sub, "unknown category \"%s\"", quote(json_string_value(cls), q));
    return AJ_OK;
}

static aj_err substance(reader *r, const json_t *j, const char *path, aj_mh_table *t, aj_mh_substance *subs,
                        int self) {
    static const key_rule rules[] = {
        {"code", K_STRING, true},   {"name", K_OBJECT, true},       {"aliases", K_ARRAY, false},
        {"cas", K_ARRAY, false},    {"critical_t", K_NUMBER, true}, {"beta", K_NUMBER, false},
        {"class", K_STRING, false}, {"source", K_STRING, true},     {"note", K_STRING, false}};
    aj_mh_substance *s = &subs[self];
    char sub[PATH_LEN];
    aj_err e = object(r, j, path, rules, 9);
    if (e) return e;
    const char *code_read;
    aj_mh_text name;
    path_of(sub, path, ".code");
    if ((e = code(r, json_object_get(j, "code"), sub, &code_read))) return e;
    if ((e = unique_key(r, subs, self, code_read, sub))) return e;
    s->code = code_read;
    path_of(sub, path, ".name");
    if ((e = text(r, json_object_get(j, "name"), sub, &name))) return e;
    path_of(sub, path, ".name.zh");
    if ((e = unique_key(r, subs, self, name.zh, sub))) return e;
    s->name = name;
    path_of(sub, path, ".aliases");
    if ((e = key_list(r, json_object_get(j, "aliases"), sub, false, subs, self))) return e;
    path_of(sub, path, ".cas");
    if ((e = key_list(r, json_object_get(j, "cas"), sub, true, subs, self))) return e;
    path_of(sub, path, ".critical_t");
    if ((e = number(r, json_object_get(j, "critical_t"), sub, AJ_MH_CRITICAL_T_MIN, AJ_MH_CRITICAL_T_MAX,
                    " t", &s->critical_t)))
        return e;
    if ((e = beta_or_class(r, j, path, t, s))) return e;
    path_of(sub, path, ".source");
    if ((e = string(r, json_object_get(j, "source"), sub, AJ_MH_NAME_LEN_MAX, &s->source))) return e;
    const json_t *note = json_object_get(j, "note");
    path_of(sub, path, ".note");
    return note ? string(r, note, sub, AJ_MH_NOTE_LEN_MAX, &s->note) : AJ_OK;
}

static aj_err substances(reader *r, const json_t *arr, aj_mh_table *t) {
    aj_err e = count(r, arr, "$.substances", "substances", 1, AJ_MH_SUBSTANCES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_mh_substance *s = aj_arena_alloc(r->arena, (size_t)n * sizeof *s);
    if ((e = nomem(r, s, "$.substances"))) return e;
    t->substances = s;
    for (int i = 0; i < n; i++) {
        char at[PATH_LEN];
        path_of(at, "$.substances", "[%d]", i);
        if ((e = substance(r, json_array_get(arr, (size_t)i), at, t, s, i))) return e;
        t->n_substances = i + 1;
    }
    return AJ_OK;
}

/* ---- the whole file ------------------------------------------------------------------- */

static aj_err document(reader *r, const json_t *doc, aj_mh_table *t) {
    static const key_rule rules[] = {{"format", K_STRING, true},
                                     {"version", K_INTEGER, true},
                                     {"standard", K_STRING, true},
                                     {"categories", K_ARRAY, true},
                                     {"substances", K_ARRAY, true}};
    aj_err e = object(r, doc, "$", rules, 5);
    if (e) return e;
    const json_t *format = json_object_get(doc, "format");
    char q[200];
    if (strcmp(json_string_value(format), TABLE_FORMAT) != 0 ||
        json_string_length(format) != strlen(TABLE_FORMAT))
        return fail(r, AJ_EINVAL, "$.format", "must be \"" TABLE_FORMAT "\", not \"%s\"",
                    quote(json_string_value(format), q));
    json_int_t version = json_integer_value(json_object_get(doc, "version"));
    if (version != TABLE_VERSION)
        return fail(r, AJ_EINVAL, "$.version", "unsupported version %lld (this build reads %d)",
                    (long long)version, TABLE_VERSION);
    e = string(r, json_object_get(doc, "standard"), "$.standard", AJ_MH_NAME_LEN_MAX, &t->standard);
    if (!e) e = categories(r, json_object_get(doc, "categories"), t);
    if (!e) e = substances(r, json_object_get(doc, "substances"), t);
    return e;
}

aj_err aj_mh_table_parse(const char *text, size_t len, aj_mh_table **out, char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    json_t *doc = NULL;
    aj_err e = aj_json_parse(text, len, &doc, err, errlen);
    if (e) return e;
    reader r = {.arena = aj_arena_new(), .err = err, .errlen = errlen};
    aj_mh_table *t = r.arena ? aj_arena_alloc(r.arena, sizeof *t) : NULL;
    if ((e = nomem(&r, t, "$")) == AJ_OK) {
        t->arena = r.arena;
        e = document(&r, doc, t);
    }
    json_decref(doc);
    if (e) {
        aj_arena_free(r.arena);
        return e;
    }
    assert(aj_mh_table_ok(t));
    *out = t;
    return AJ_OK;
}

aj_err aj_mh_table_load(const char *path, aj_mh_table **out, char *err, size_t errlen) {
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    aj_err e = aj_file_read(path, AJ_MH_TABLE_FILE_MAX, &text, &len, err, errlen);
    if (e) return e;
    char msg[600];
    e = aj_mh_table_parse(text, len, out, msg, sizeof msg);
    free(text);
    if (e) snprintf(err, errlen, "%s: %s", path, msg);
    return e;
}

void aj_mh_table_free(aj_mh_table *table) {
    if (table) aj_arena_free(table->arena); /* the table itself lives in its arena */
}

/* ---- invariants ----------------------------------------------------------------------- */

static bool str_ok(const char *s, size_t max_len) {
    return s && s[0] && strlen(s) <= max_len;
}

static bool text_ok(const aj_mh_text *t) {
    return str_ok(t->en, AJ_MH_NAME_LEN_MAX) && str_ok(t->zh, AJ_MH_NAME_LEN_MAX);
}

static bool category_ok(const aj_mh_table *t, int i) {
    const aj_mh_category *c = &t->categories[i];
    return c->code && is_code(c->code) && aj_mh_category_find(t, c->code) == i && text_ok(&c->name) &&
           c->critical_t >= AJ_MH_CRITICAL_T_MIN && c->critical_t <= AJ_MH_CRITICAL_T_MAX && c->beta > 0 &&
           c->beta <= AJ_MH_BETA_MAX && str_ok(c->source, AJ_MH_NAME_LEN_MAX);
}

/* Every key of substance i finds substance i. */
static bool keys_ok(const aj_mh_table *t, int i) {
    const aj_mh_substance *s = &t->substances[i];
    if (aj_mh_substance_find(t, s->code) != i || aj_mh_substance_find(t, s->name.zh) != i) return false;
    for (int k = 0; k < s->n_aliases; k++)
        if (!str_ok(s->aliases[k], AJ_MH_NAME_LEN_MAX) || aj_mh_substance_find(t, s->aliases[k]) != i)
            return false;
    for (int k = 0; k < s->n_cas; k++)
        if (!is_cas(s->cas[k]) || aj_mh_substance_find(t, s->cas[k]) != i) return false;
    return true;
}

static bool substance_ok(const aj_mh_table *t, int i) {
    const aj_mh_substance *s = &t->substances[i];
    if (!s->code || !is_code(s->code) || !text_ok(&s->name)) return false;
    if (s->n_aliases < 0 || s->n_aliases > AJ_MH_ALIASES_MAX || s->n_cas < 0 || s->n_cas > AJ_MH_CAS_MAX)
        return false;
    if (!(s->critical_t >= AJ_MH_CRITICAL_T_MIN && s->critical_t <= AJ_MH_CRITICAL_T_MAX)) return false;
    bool has_own_beta = s->category == -1 && s->beta > 0 && s->beta <= AJ_MH_BETA_MAX;
    bool has_class_beta = s->beta == 0 && s->category >= 0 && s->category < t->n_categories;
    if (!has_own_beta && !has_class_beta) return false;
    if (!str_ok(s->source, AJ_MH_NAME_LEN_MAX) || (s->note && !str_ok(s->note, AJ_MH_NOTE_LEN_MAX)))
        return false;
    return keys_ok(t, i);
}

bool aj_mh_table_ok(const aj_mh_table *table) {
    if (!table || !table->arena || !str_ok(table->standard, AJ_MH_NAME_LEN_MAX)) return false;
    if (table->n_categories < 1 || table->n_categories > AJ_MH_CATEGORIES_MAX) return false;
    if (table->n_substances < 1 || table->n_substances > AJ_MH_SUBSTANCES_MAX) return false;
    for (int i = 0; i < table->n_categories; i++)
        if (!category_ok(table, i)) return false;
    for (int i = 0; i < table->n_substances; i++)
        if (!substance_ok(table, i)) return false;
    return true;
}

/* ---- assessment ----------------------------------------------------------------------- */

/* Table 5: alpha by the people within 500 m outside the fence, largest counts first. */
static const struct {
    int people_min;
    double alpha;
} ALPHA[] = {{100, 2.0}, {50, 1.5}, {30, 1.2}, {1, 1.0}, {0, 0.5}};

/* Table 6: the level R at least r_min gives, highest first; below the last: level 4. */
static const struct {
    double r_min;
    int level;
} LEVELS[] = {{100, 1}, {50, 2}, {10, 3}};

/* x >= bound, allowing the relative tolerance. */
static bool at_least(double x, double bound) {
    return x >= bound * (1 - AJ_MH_TOLERANCE);
}

double aj_mh_alpha(int people_500m) {
    assert(people_500m >= 0);
    size_t i = 0;
    while (i < sizeof ALPHA / sizeof ALPHA[0] - 1 && people_500m < ALPHA[i].people_min) i++;
    return ALPHA[i].alpha;
}

int aj_mh_level_of(double r) {
    for (size_t i = 0; i < sizeof LEVELS / sizeof LEVELS[0]; i++)
        if (at_least(r, LEVELS[i].r_min)) return LEVELS[i].level;
    return 4;
}

bool aj_mh_approaches_major(double s, double threshold) {
    assert(threshold > 0 && threshold < 1);
    return at_least(s, threshold) && !at_least(s, 1);
}

/* 0 when not major, 1 for level 4 ... 4 for level 1. */
static int severity(int level) {
    return level >= 1 && level <= 4 ? 5 - level : 0;
}

int aj_mh_level_change(const aj_mh_result *before, const aj_mh_result *after) {
    return severity(after->level) - severity(before->level);
}

/* Checks item i and fills its result (Q, beta, ratio). */
static aj_err item(const aj_mh_table *t, const aj_mh_item *it, int i, aj_mh_item_result *out, char *err,
                   size_t errlen) {
    const aj_mh_substance *s = NULL;
    if (it->substance < -1 || it->substance >= t->n_substances) {
        snprintf(err, errlen, "items[%d].substance: no substance %d (the table has %d)", i, it->substance,
                 t->n_substances);
        return AJ_EINVAL;
    }
    if (it->category < -1 || it->category >= t->n_categories) {
        snprintf(err, errlen, "items[%d].category: no category %d (the table has %d)", i, it->category,
                 t->n_categories);
        return AJ_EINVAL;
    }
    if (it->substance >= 0) s = &t->substances[it->substance];
    if (!s && it->category < 0) {
        snprintf(err, errlen, "items[%d]: names neither a substance nor a category", i);
        return AJ_EINVAL;
    }
    if (s && s->category < 0 && it->category >= 0) {
        snprintf(err, errlen, "items[%d].category: %s takes beta from Table 3; a category does not apply", i,
                 s->code);
        return AJ_EINVAL;
    }
    if (!(it->q_t >= 0 && it->q_t <= AJ_MH_QUANTITY_T_MAX)) {
        char shown[32];
        snprintf(err, errlen, "items[%d].q_t: must be from 0 to %g t, not %s", i, AJ_MH_QUANTITY_T_MAX,
                 num(it->q_t, shown));
        return AJ_EINVAL;
    }
    out->category = it->category >= 0 ? it->category : s->category;
    out->q_t = it->q_t;
    out->critical_t = s ? s->critical_t : t->categories[out->category].critical_t;
    out->beta = out->category >= 0 ? t->categories[out->category].beta : s->beta;
    out->ratio = it->q_t / out->critical_t;
    return AJ_OK;
}

aj_err aj_mh_assess(const aj_mh_table *table, const aj_mh_item *items, int n, int people_500m,
                    aj_mh_result *out, char *err, size_t errlen) {
    char scratch[1];
    if (!errlen) err = scratch, errlen = sizeof scratch; /* messages below always have room */
    memset(out, 0, sizeof *out);
    err[0] = 0;
    if (n < 1 || n > AJ_MH_UNIT_ITEMS_MAX) {
        snprintf(err, errlen, "items: %d items (a unit has 1 to %d)", n, AJ_MH_UNIT_ITEMS_MAX);
        return n < 1 ? AJ_EINVAL : AJ_ETOOBIG;
    }
    if (people_500m < 0 || people_500m > AJ_MH_PEOPLE_MAX) {
        snprintf(err, errlen, "people_500m: must be from 0 to %d, not %d", AJ_MH_PEOPLE_MAX, people_500m);
        return AJ_EINVAL;
    }
    double s = 0, weighted = 0;
    for (int i = 0; i < n; i++) {
        aj_err e = item(table, &items[i], i, &out->items[i], err, errlen);
        if (e) {
            memset(out, 0, sizeof *out);
            return e;
        }
        s += out->items[i].ratio;
        weighted += out->items[i].beta * out->items[i].ratio;
    }
    out->n_items = n;
    out->s = s;
    out->alpha = aj_mh_alpha(people_500m);
    out->r = out->alpha * weighted;
    out->is_major = at_least(s, 1);
    out->r_level = aj_mh_level_of(out->r);
    out->level = out->is_major ? out->r_level : 0;
    return AJ_OK;
}
