/* major_hazard.c — the GB 18218-2018 table (Tables 1-4 as data), its strict loader, and
 * the identification and grading of one unit (major_hazard.h, docs/risk.md).
 *
 * The table is built in one arena that it owns; on any error the arena is freed and the
 * caller gets NULL. The file is read in a fixed order (format, version, standard,
 * categories, then substances, which name categories), and within a substance: code,
 * name, aliases, cas, critical_t, beta or class, source, note. So the same file always
 * gives the same first error, as "JSONPATH: message" (the checks of base/jsoncheck.h,
 * copying strings into the table's arena); only the first is kept.
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
#include "base/jsoncheck.h"
#include "base/jsonutil.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_FORMAT  "anjian-major-hazard-table"
#define TABLE_VERSION 1

/* ---- checked reading (on base/jsoncheck.h) -------------------------------------------- */

/* A number (j known to be one) with min <= v <= max, or 0 < v <= max when min is 0;
 * unit names it in the message. */
static aj_err number(aj_jc *r, const json_t *j, const char *path, double min, double max, const char *unit,
                     double *out) {
    double v = json_number_value(j);
    char shown[AJ_JC_NUM_LEN];
    if (min == 0 && !(v > 0 && v <= max))
        return aj_jc_fail(r, AJ_EINVAL, path, "must be more than 0 and at most %g%s, not %s", max, unit,
                          aj_jc_num(v, shown));
    if (min > 0 && !(v >= min && v <= max))
        return aj_jc_fail(r, AJ_EINVAL, path, "must be from %g to %g%s, not %s", min, max, unit,
                          aj_jc_num(v, shown));
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

static aj_err code(aj_jc *r, const json_t *j, const char *path, const char **out) {
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    if (strlen(s) != json_string_length(j) || !is_code(s))
        return aj_jc_fail(r, AJ_EINVAL, path, "\"%s\" is not a code (1 to %d letters, digits, _ or .)",
                          aj_jc_quote(s, q), AJ_MH_CODE_LEN_MAX);
    *out = aj_arena_strdup(r->arena, s);
    return aj_jc_nomem(r, *out, path);
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

static aj_err category(aj_jc *r, const json_t *j, const char *path, const aj_mh_table *t, aj_mh_category *c) {
    static const aj_jc_key rules[] = {{"code", AJ_JC_STRING, true},
                                      {"name", AJ_JC_OBJECT, true},
                                      {"critical_t", AJ_JC_NUMBER, true},
                                      {"beta", AJ_JC_NUMBER, true},
                                      {"source", AJ_JC_STRING, true}};
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(r, j, path, rules, 5);
    if (e) return e;
    aj_jc_path(sub, path, ".code");
    if ((e = code(r, json_object_get(j, "code"), sub, &c->code))) return e;
    if (aj_mh_category_find(t, c->code) >= 0)
        return aj_jc_fail(r, AJ_EINVAL, sub, "duplicate code \"%s\"", c->code);
    aj_jc_path(sub, path, ".name");
    if ((e = aj_jc_text(r, json_object_get(j, "name"), sub, AJ_MH_NAME_LEN_MAX, &c->name.en, &c->name.zh)))
        return e;
    aj_jc_path(sub, path, ".critical_t");
    if ((e = number(r, json_object_get(j, "critical_t"), sub, AJ_MH_CRITICAL_T_MIN, AJ_MH_CRITICAL_T_MAX,
                    " t", &c->critical_t)))
        return e;
    aj_jc_path(sub, path, ".beta");
    if ((e = number(r, json_object_get(j, "beta"), sub, 0, AJ_MH_BETA_MAX, "", &c->beta))) return e;
    aj_jc_path(sub, path, ".source");
    return aj_jc_string(r, json_object_get(j, "source"), sub, AJ_MH_NAME_LEN_MAX, &c->source);
}

static aj_err categories(aj_jc *r, const json_t *arr, aj_mh_table *t) {
    aj_err e = aj_jc_count(r, arr, "$.categories", "categories", 1, AJ_MH_CATEGORIES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_mh_category *c = aj_arena_alloc(r->arena, (size_t)n * sizeof *c);
    if ((e = aj_jc_nomem(r, c, "$.categories"))) return e;
    t->categories = c;
    for (int i = 0; i < n; i++) {
        char at[AJ_JC_PATH_LEN];
        aj_jc_path(at, "$.categories", "[%d]", i);
        if ((e = category(r, json_array_get(arr, (size_t)i), at, t, &c[i]))) return e;
        t->n_categories = i + 1;
    }
    return AJ_OK;
}

/* ---- substances ----------------------------------------------------------------------- */

/* key is no key yet of substances 0..self (self is being read: its keys so far count). */
static aj_err unique_key(aj_jc *r, const aj_mh_substance *subs, int self, const char *key, const char *path) {
    int owner = key_owner(subs, self + 1, key);
    char q[AJ_JC_QUOTE_LEN];
    if (owner < 0) return AJ_OK;
    return aj_jc_fail(r, AJ_EINVAL, path, "\"%s\" already names substances[%d] (%s)", aj_jc_quote(key, q),
                      owner, subs[owner].code);
}

/* The optional list of names ("aliases") or CAS numbers ("cas") of substance self. */
static aj_err key_list(aj_jc *r, const json_t *arr, const char *path, bool is_cas_list, aj_mh_substance *subs,
                       int self) {
    aj_mh_substance *s = &subs[self];
    int n_max = is_cas_list ? AJ_MH_CAS_MAX : AJ_MH_ALIASES_MAX;
    aj_err e = aj_jc_count(r, arr, path, is_cas_list ? "CAS numbers" : "aliases", 0, n_max);
    if (e || !arr) return e;
    int n = (int)json_array_size(arr);
    const char **list = aj_arena_alloc(r->arena, (size_t)n * sizeof *list);
    if ((e = aj_jc_nomem(r, list, path))) return e;
    if (is_cas_list)
        s->cas = list;
    else
        s->aliases = list;
    for (int i = 0; i < n; i++) {
        char at[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
        aj_jc_path(at, path, "[%d]", i);
        const json_t *item = json_array_get(arr, (size_t)i);
        if (!json_is_string(item))
            return aj_jc_fail(r, AJ_EINVAL, at, "must be a string, not %s", aj_jc_kind_of(item));
        if ((e = aj_jc_string(r, item, at, AJ_MH_NAME_LEN_MAX, &list[i]))) return e;
        int check = is_cas_list ? cas_check_digit(list[i]) : 0;
        if (check < 0)
            return aj_jc_fail(r, AJ_EINVAL, at,
                              "\"%s\" is not a CAS number (2-7 digits, 2 digits, 1 check digit)",
                              aj_jc_quote(list[i], q));
        if (is_cas_list && !is_cas(list[i]))
            return aj_jc_fail(r, AJ_EINVAL, at, "\"%s\" has a wrong check digit (%.*s%d?)", list[i],
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
static aj_err beta_or_class(aj_jc *r, const json_t *j, const char *path, const aj_mh_table *t,
                            aj_mh_substance *s) {
    const json_t *beta = json_object_get(j, "beta"), *cls = json_object_get(j, "class");
    char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
    if (beta && cls)
        return aj_jc_fail(r, AJ_EINVAL, path,
                          "both \"beta\" and \"class\" (beta comes from Table 3 or from the class)");
    if (!beta && !cls) return aj_jc_fail(r, AJ_EINVAL, path, "missing key \"beta\" or \"class\"");
    s->category = -1;
    if (beta) {
        aj_jc_path(sub, path, ".beta");
        return number(r, beta, sub, 0, AJ_MH_BETA_MAX, "", &s->beta);
    }
    aj_jc_path(sub, path, ".class");
    s->category = aj_mh_category_find(t, json_string_value(cls));
    if (s->category < 0 || strlen(json_string_value(cls)) != json_string_length(cls))
        return aj_jc_fail(r, AJ_EINVAL, sub, "unknown category \"%s\"",
                          aj_jc_quote(json_string_value(cls), q));
    return AJ_OK;
}

static aj_err substance(aj_jc *r, const json_t *j, const char *path, aj_mh_table *t, aj_mh_substance *subs,
                        int self) {
    static const aj_jc_key rules[] = {
        {"code", AJ_JC_STRING, true},   {"name", AJ_JC_OBJECT, true},       {"aliases", AJ_JC_ARRAY, false},
        {"cas", AJ_JC_ARRAY, false},    {"critical_t", AJ_JC_NUMBER, true}, {"beta", AJ_JC_NUMBER, false},
        {"class", AJ_JC_STRING, false}, {"source", AJ_JC_STRING, true},     {"note", AJ_JC_STRING, false}};
    aj_mh_substance *s = &subs[self];
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(r, j, path, rules, 9);
    if (e) return e;
    const char *code_read;
    aj_mh_text name;
    aj_jc_path(sub, path, ".code");
    if ((e = code(r, json_object_get(j, "code"), sub, &code_read))) return e;
    if ((e = unique_key(r, subs, self, code_read, sub))) return e;
    s->code = code_read;
    aj_jc_path(sub, path, ".name");
    if ((e = aj_jc_text(r, json_object_get(j, "name"), sub, AJ_MH_NAME_LEN_MAX, &name.en, &name.zh)))
        return e;
    aj_jc_path(sub, path, ".name.zh");
    if ((e = unique_key(r, subs, self, name.zh, sub))) return e;
    s->name = name;
    aj_jc_path(sub, path, ".aliases");
    if ((e = key_list(r, json_object_get(j, "aliases"), sub, false, subs, self))) return e;
    aj_jc_path(sub, path, ".cas");
    if ((e = key_list(r, json_object_get(j, "cas"), sub, true, subs, self))) return e;
    aj_jc_path(sub, path, ".critical_t");
    if ((e = number(r, json_object_get(j, "critical_t"), sub, AJ_MH_CRITICAL_T_MIN, AJ_MH_CRITICAL_T_MAX,
                    " t", &s->critical_t)))
        return e;
    if ((e = beta_or_class(r, j, path, t, s))) return e;
    aj_jc_path(sub, path, ".source");
    if ((e = aj_jc_string(r, json_object_get(j, "source"), sub, AJ_MH_NAME_LEN_MAX, &s->source))) return e;
    const json_t *note = json_object_get(j, "note");
    aj_jc_path(sub, path, ".note");
    return note ? aj_jc_string(r, note, sub, AJ_MH_NOTE_LEN_MAX, &s->note) : AJ_OK;
}

static aj_err substances(aj_jc *r, const json_t *arr, aj_mh_table *t) {
    aj_err e = aj_jc_count(r, arr, "$.substances", "substances", 1, AJ_MH_SUBSTANCES_MAX);
    if (e) return e;
    int n = (int)json_array_size(arr);
    aj_mh_substance *s = aj_arena_alloc(r->arena, (size_t)n * sizeof *s);
    if ((e = aj_jc_nomem(r, s, "$.substances"))) return e;
    t->substances = s;
    for (int i = 0; i < n; i++) {
        char at[AJ_JC_PATH_LEN];
        aj_jc_path(at, "$.substances", "[%d]", i);
        if ((e = substance(r, json_array_get(arr, (size_t)i), at, t, s, i))) return e;
        t->n_substances = i + 1;
    }
    return AJ_OK;
}

/* ---- the whole file ------------------------------------------------------------------- */

static aj_err document(aj_jc *r, const json_t *doc, aj_mh_table *t) {
    static const aj_jc_key rules[] = {{"format", AJ_JC_STRING, true},
                                      {"version", AJ_JC_INTEGER, true},
                                      {"standard", AJ_JC_STRING, true},
                                      {"categories", AJ_JC_ARRAY, true},
                                      {"substances", AJ_JC_ARRAY, true}};
    aj_err e = aj_jc_object(r, doc, "$", rules, 5);
    if (!e) e = aj_jc_format_version(r, doc, TABLE_FORMAT, TABLE_VERSION);
    if (!e)
        e = aj_jc_string(r, json_object_get(doc, "standard"), "$.standard", AJ_MH_NAME_LEN_MAX, &t->standard);
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
    aj_jc r = {.arena = aj_arena_new(), .err = err, .errlen = errlen};
    aj_mh_table *t = r.arena ? aj_arena_alloc(r.arena, sizeof *t) : NULL;
    if ((e = aj_jc_nomem(&r, t, "$")) == AJ_OK) {
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
        char shown[AJ_JC_NUM_LEN];
        snprintf(err, errlen, "items[%d].q_t: must be from 0 to %g t, not %s", i, AJ_MH_QUANTITY_T_MAX,
                 aj_jc_num(it->q_t, shown));
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
