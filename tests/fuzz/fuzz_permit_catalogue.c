/* fuzz_permit_catalogue.c — libFuzzer harness for the permit catalogue loader
 * (src/permit/catalogue*.c) and the validity check that reads it (grading_validity.c).
 *
 * The input is parsed twice: as a whole catalogue, and as the body of the "types" list
 * inside a fixed head with two roles (so that one mutated type object reaches the type
 * parser far more often than a whole file does). A rejected input must leave *out NULL,
 * return AJ_EINVAL, AJ_EJSON or AJ_ETOOBIG, and leave a non-empty, NUL-terminated, valid
 * UTF-8 message that starts with "$" (or tells malformed JSON); parsing again gives the
 * same message. An accepted catalogue must satisfy aj_permit_catalogue_ok, every code
 * must look up to its own index, and every grade's validity must accept a window of
 * exactly max_h and refuse one a millisecond longer. ASan/UBSan catch the rest.
 * Seeds: tests/fuzz/corpus/permit_catalogue/; dictionary: tests/fuzz/permit_catalogue.dict.
 */
#include "permit/catalogue.h"
#include "permit/grading.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

static const char HEAD[] =
    "{\"format\": \"anjian-permit-catalogue\", \"version\": 1, \"standard\": \"GB 30871-2022\", \"roles\": ["
    "{\"code\": \"unit_leader\", \"name\": {\"en\": \"Unit leader\", \"zh\": \"基层单位负责人\"}},"
    "{\"code\": \"safety_dept\", \"name\": {\"en\": \"Safety\", \"zh\": \"安全管理部门\"}}], \"types\": [";
static const char TAIL[] = "]}";

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

static void check_accepted(const aj_permit_catalogue *cat) {
    must(aj_permit_catalogue_ok(cat));
    for (int r = 0; r < cat->n_roles; r++) must(aj_permit_role_index(cat, cat->roles[r].code) == r);
    for (int i = 0; i < cat->n_types; i++) {
        const aj_permit_type *t = &cat->types[i];
        must(aj_permit_type_find(cat, t->code) == t);
        for (int g = 0; g < t->n_grades; g++) {
            must(aj_permit_grade_index(t, t->grades[g].code) == g);
            const aj_permit_validity *v = aj_permit_validity_of(t, g);
            must(v && aj_permit_approval_of(t, g) == &t->grades[g].approval);
            int64_t max_ms = (int64_t)v->max_h * 3600000;
            aj_permit_window ok = {0, max_ms}, too_long = {0, max_ms + 1};
            must(aj_permit_validity_check(cat, i, g, ok, NULL) == AJ_VALIDITY_OK);
            must(aj_permit_validity_check(cat, i, g, too_long, NULL) == AJ_VALIDITY_TOO_LONG);
            for (int b = 0; b < t->n_bounded_by; b++) {
                aj_permit_served served = {t->bounded_by[b], {1, max_ms}};
                must(aj_permit_validity_check(cat, i, g, ok, &served) == AJ_VALIDITY_BEFORE_SERVED);
            }
        }
        must(aj_permit_validity_of(t, t->n_grades) == NULL);
    }
}

static void check_text(const char *text, size_t len) {
    aj_permit_catalogue *cat = (aj_permit_catalogue *)1;
    char err[600];
    memset(err, 'x', sizeof err);
    aj_err e = aj_permit_catalogue_parse(text, len, &cat, err, sizeof err);
    if (e == AJ_OK) {
        must(cat != NULL && err[0] == 0);
        check_accepted(cat);
        aj_permit_catalogue_free(cat);
        return;
    }
    must(cat == NULL);
    must(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
    must(memchr(err, 0, sizeof err) != NULL && err[0] != 0 && is_utf8(err));
    if (e == AJ_EJSON)
        must(strncmp(err, "malformed JSON", 14) == 0 || strncmp(err, "JSON nested", 11) == 0);
    else
        must(err[0] == '$');
    char again[600];
    must(aj_permit_catalogue_parse(text, len, &cat, again, sizeof again) == e);
    must(cat == NULL && strcmp(err, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_text((const char *)data, size);
    size_t n = sizeof HEAD - 1 + size + sizeof TAIL - 1;
    char *wrapped = malloc(n);
    if (!wrapped) return 0;
    memcpy(wrapped, HEAD, sizeof HEAD - 1);
    memcpy(wrapped + sizeof HEAD - 1, data, size);
    memcpy(wrapped + sizeof HEAD - 1 + size, TAIL, sizeof TAIL - 1);
    check_text(wrapped, n);
    free(wrapped);
    return 0;
}
