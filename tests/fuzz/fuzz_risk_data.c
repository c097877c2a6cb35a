/* fuzz_risk_data.c — libFuzzer harness for the two risk data parsers: the risk-band
 * configuration (src/risk/assess.c) and the GB 18218-2018 table (src/risk/major_hazard.c).
 *
 * Every input goes to both parsers whole, and twice more as a fragment: as the LEC
 * "bands" list of a configuration with a fixed matrix, and as the "substances" list of a
 * table with two fixed categories (so one mutated band or substance reaches the deep
 * checks far more often than a whole file does).
 *
 * A rejected input must give AJ_EINVAL, AJ_EJSON or AJ_ETOOBIG, a zeroed configuration or
 * a NULL table, and a non-empty, NUL-terminated, valid UTF-8 message that starts with "$"
 * (or tells malformed JSON); parsing again gives the same message. An accepted
 * configuration must pass aj_risk_bands_ok, score every LEC factor combination and every
 * matrix cell into the band aj_risk_band_of names, with levels that never fall as a
 * factor rises, and put each band's upper edge in the band and the next double above in
 * the next band. An accepted table must pass aj_mh_table_ok, find every key of every row
 * at that row, make a unit holding exactly Q of any one substance or category S = 1
 * (major, level 1-4), and assess all its substances at once. ASan/UBSan catch the rest.
 * Seeds: tests/fuzz/corpus/risk_data/; dictionary: tests/fuzz/risk_data.dict.
 */
#include "base/limits.h"
#include "risk/assess.h"
#include "risk/major_hazard.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

static const char BANDS_HEAD[] =
    "{\"format\": \"anjian-risk-bands\", \"version\": 1, \"matrix\": {\"bands\": ["
    "{\"code\": \"lo\", \"name\": {\"en\": \"Low\", \"zh\": \"低\"}, \"min\": 1, \"max\": 9, \"level\": "
    "\"low\"},"
    "{\"code\": \"hi\", \"name\": {\"en\": \"High\", \"zh\": \"高\"}, \"min\": 10, \"max\": 25, \"level\": "
    "\"major\"}]},"
    " \"lec\": {\"bands\": ";
static const char BANDS_TAIL[] = "}}";

static const char TABLE_HEAD[] = "{\"format\": \"anjian-major-hazard-table\", \"version\": 1, \"standard\": "
                                 "\"GB 18218-2018\", \"categories\": ["
                                 "{\"code\": \"J1\", \"name\": {\"en\": \"Toxic gas\", \"zh\": "
                                 "\"急性毒性\"}, \"critical_t\": 5, \"beta\": 4, "
                                 "\"source\": \"Table 2\"},"
                                 "{\"code\": \"W2\", \"name\": {\"en\": \"Flammable gas\", \"zh\": "
                                 "\"易燃气体\"}, \"critical_t\": 10, \"beta\": "
                                 "1.5, \"source\": \"Table 2\"}], \"substances\": ";
static const char TABLE_TAIL[] = "}";

/* Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
static int is_utf8(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0 || (n == 1 && c < 0xC2)) return 0;
        unsigned cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
        for (int k = 1; k <= n; k++) {
            if ((p[k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* The message of a rejected input. */
static void check_rejected(aj_err e, const char *err, size_t size) {
    must(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
    must(memchr(err, 0, size) != NULL && err[0] != 0 && is_utf8(err));
    if (e == AJ_EJSON)
        must(strncmp(err, "malformed JSON", 14) == 0 || strncmp(err, "JSON nested", 11) == 0);
    else
        must(err[0] == '$');
}

/* ---- band configurations -------------------------------------------------------------- */

static void check_table_edges(const aj_risk_table *t) {
    for (int i = 0; i < t->n_bands; i++) {
        const aj_risk_band *b = &t->bands[i];
        must(aj_risk_band_of(t, nextafter(b->above, INFINITY)) == i);
        if (!b->has_max) continue;
        must(aj_risk_band_of(t, b->max) == i);
        must(aj_risk_band_of(t, nextafter(b->max, INFINITY)) == (i + 1 < t->n_bands ? i + 1 : -1));
    }
    must(aj_risk_band_of(t, 0) == -1);
}

static void check_bands_accepted(const aj_risk_bands *b) {
    must(aj_risk_bands_ok(b));
    check_table_edges(&b->lec);
    check_table_edges(&b->matrix);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 6; j++)
            for (int k = 0; k < 6; k++) {
                aj_risk_result r, up;
                must(aj_risk_lec(b, AJ_RISK_LEC_L[i], AJ_RISK_LEC_E[j], AJ_RISK_LEC_C[k], &r, NULL, 0) ==
                     AJ_OK);
                must(r.band == aj_risk_band_of(&b->lec, r.score) && r.level == b->lec.bands[r.band].level);
                if (k == 0) continue;
                must(aj_risk_lec(b, AJ_RISK_LEC_L[i], AJ_RISK_LEC_E[j], AJ_RISK_LEC_C[k - 1], &up, NULL, 0) ==
                     AJ_OK);
                must(up.level >= r.level);
            }
    aj_risk_result cells[25];
    for (int l = 1; l <= 5; l++)
        for (int s = 1; s <= 5; s++) {
            aj_risk_result *r = &cells[(l - 1) * 5 + s - 1];
            must(aj_risk_matrix(b, l, s, r, NULL, 0) == AJ_OK);
            must(r->score == l * s && r->band == aj_risk_band_of(&b->matrix, r->score));
            if (s > 1) must(r->level >= r[-1].level);
        }
    must(aj_risk_highest(cells, 25) == cells[24].level);
}

static void check_bands(const char *text, size_t len) {
    aj_risk_bands b, zero;
    memset(&zero, 0, sizeof zero);
    char err[600];
    memset(err, 'x', sizeof err);
    aj_err e = aj_risk_bands_parse(text, len, &b, err, sizeof err);
    if (e == AJ_OK) {
        must(err[0] == 0);
        check_bands_accepted(&b);
        return;
    }
    must(memcmp(&b, &zero, sizeof b) == 0);
    check_rejected(e, err, sizeof err);
    char again[600];
    must(aj_risk_bands_parse(text, len, &b, again, sizeof again) == e && strcmp(err, again) == 0);
}

/* ---- major hazard tables -------------------------------------------------------------- */

static void check_table_accepted(const aj_mh_table *t) {
    static aj_mh_item all[AJ_MH_UNIT_ITEMS_MAX];
    static aj_mh_result r;
    must(aj_mh_table_ok(t));
    for (int i = 0; i < t->n_categories; i++) {
        must(aj_mh_category_find(t, t->categories[i].code) == i);
        aj_mh_item one = {-1, i, t->categories[i].critical_t};
        must(aj_mh_assess(t, &one, 1, 0, &r, NULL, 0) == AJ_OK);
        must(r.is_major && r.s == 1 && r.level >= 1 && r.level <= 4);
    }
    int n = 0;
    for (int i = 0; i < t->n_substances; i++) {
        const aj_mh_substance *s = &t->substances[i];
        must(aj_mh_substance_find(t, s->code) == i && aj_mh_substance_find(t, s->name.zh) == i);
        for (int k = 0; k < s->n_aliases; k++) must(aj_mh_substance_find(t, s->aliases[k]) == i);
        for (int k = 0; k < s->n_cas; k++) must(aj_mh_substance_find(t, s->cas[k]) == i);
        aj_mh_item one = {i, -1, s->critical_t};
        must(aj_mh_assess(t, &one, 1, 50, &r, NULL, 0) == AJ_OK);
        must(r.is_major && r.s == 1 && r.alpha == 1.5 && r.level == aj_mh_level_of(r.r));
        if (n < AJ_MH_UNIT_ITEMS_MAX) all[n++] = (aj_mh_item){i, -1, 1};
    }
    must(aj_mh_assess(t, all, n, 1000, &r, NULL, 0) == AJ_OK);
    must(r.n_items == n && r.s > 0 && r.r > 0 && (r.level == 0) == !r.is_major);
}

static void check_table(const char *text, size_t len) {
    aj_mh_table *t = (aj_mh_table *)1;
    char err[600];
    memset(err, 'x', sizeof err);
    aj_err e = aj_mh_table_parse(text, len, &t, err, sizeof err);
    if (e == AJ_OK) {
        must(t != NULL && err[0] == 0);
        check_table_accepted(t);
        aj_mh_table_free(t);
        return;
    }
    must(t == NULL);
    check_rejected(e, err, sizeof err);
    char again[600];
    must(aj_mh_table_parse(text, len, &t, again, sizeof again) == e && t == NULL && strcmp(err, again) == 0);
}

/* head + data + tail, parsed by check (nothing when out of memory). */
static void check_wrapped(const char *head, size_t n_head, const uint8_t *data, size_t size, const char *tail,
                          size_t n_tail, void (*check)(const char *, size_t)) {
    size_t n = n_head + size + n_tail;
    char *text = malloc(n);
    if (!text) return;
    memcpy(text, head, n_head);
    memcpy(text + n_head, data, size);
    memcpy(text + n_head + size, tail, n_tail);
    check(text, n);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_bands((const char *)data, size);
    check_table((const char *)data, size);
    check_wrapped(BANDS_HEAD, sizeof BANDS_HEAD - 1, data, size, BANDS_TAIL, sizeof BANDS_TAIL - 1,
                  check_bands);
    check_wrapped(TABLE_HEAD, sizeof TABLE_HEAD - 1, data, size, TABLE_TAIL, sizeof TABLE_TAIL - 1,
                  check_table);
    return 0;
}
