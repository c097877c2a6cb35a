/* test_points_json.c — the JSON batch of POST /api/v1/points (src/ingest/points_json.c).
 *
 * A table of batches (JSON text) with the exact result, one line per callback:
 *
 *     #<index> <key> <type>=<value> @<t_ns> <quality>
 *     E <path> <reason substring>
 *
 * types: f (float, %.17g), i, b (true/false), s ("text"). Then the generated cases
 * (bounds), the RFC 3339 parser on its own, and the API's return codes.
 */
#include "ingest/points_json.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct render {
    char buf[512 * 1024];
    size_t len;
    int n_points, n_errors;
} render;

static void out(render *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->len, sizeof r->buf - r->len, fmt, ap);
    va_end(ap);
    r->len += (size_t)n;
    assert_true(r->len < sizeof r->buf);
}

static aj_err on_point(void *ctx, const aj_pj_point *p) {
    static const char *const Q[] = {"good", "uncertain", "bad"};
    render *r = ctx;
    r->n_points++;
    assert_int_equal(strlen(p->key), p->key_len);
    out(r, "#%d %s ", p->index, p->key);
    switch (p->type) {
    case AJ_VALUE_FLOAT:
        out(r, "f=%.17g", p->f);
        break;
    case AJ_VALUE_INT:
        out(r, "i=%lld", (long long)p->i);
        break;
    case AJ_VALUE_BOOL:
        out(r, "b=%s", p->b ? "true" : "false");
        break;
    case AJ_VALUE_STRING:
        out(r, "s=\"%s\"", p->s);
        break;
    }
    out(r, " @%lld %s\n", (long long)p->t_ns, Q[p->quality]);
    return AJ_OK;
}

static aj_err on_error(void *ctx, const aj_pj_error *e) {
    render *r = ctx;
    r->n_errors++;
    out(r, "E %s %s\n", e->path, e->reason);
    return AJ_OK;
}

/* Result lines exactly; for "E <path> <substring>" the path exactly and the rest as a
 * substring of the reason. */
static bool matches(const char *got, const char *want) {
    for (;;) {
        const char *ge = strchr(got, '\n'), *we = strchr(want, '\n');
        if (!ge || !we) return !ge && !we && *got == 0 && *want == 0;
        size_t gl = (size_t)(ge - got), wl = (size_t)(we - want);
        if (want[0] == 'E') {
            const char *wsp = memchr(want + 2, ' ', wl - 2), *gsp = memchr(got + 2, ' ', gl - 2);
            if (!wsp || !gsp || wsp - want != gsp - got || memcmp(want, got, (size_t)(wsp - want)) != 0)
                return false;
            char sub[256], reason[512];
            snprintf(sub, sizeof sub, "%.*s", (int)(we - wsp - 1), wsp + 1);
            snprintf(reason, sizeof reason, "%.*s", (int)(ge - gsp - 1), gsp + 1);
            if (!strstr(reason, sub)) return false;
        } else if (gl != wl || memcmp(got, want, gl) != 0) {
            return false;
        }
        got = ge + 1;
        want = we + 1;
    }
}

static aj_err run_doc(json_t *doc, render *r, aj_pj_stats *st) {
    memset(r, 0, sizeof *r);
    aj_pj_callbacks cb = {.ctx = r, .on_point = on_point, .on_error = on_error};
    aj_err e = aj_pj_parse(doc, &cb, st);
    assert_int_equal(st->n_ok, r->n_points);
    assert_int_equal(st->n_errors, r->n_errors);
    return e;
}

typedef struct pj_case {
    const char *name;
    const char *json;
    aj_err rc;
    const char *want;
} pj_case;

#define P(body) "{\"points\":[" body "]}"
#define T0      "\"t_ns\":1"
static const pj_case CASES[] = {
    /* good points */
    {"float with t_ns", P("{\"key\":\"JS01.P-101.seal_temp\",\"t_ns\":1790000000000000000,\"value\":71.2}"),
     AJ_OK, "#0 JS01.P-101.seal_temp f=71.200000000000003 @1790000000000000000 good\n"},
    {"t with 9 fraction digits", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00.123456789Z\",\"value\":1.5}"),
     AJ_OK, "#0 k f=1.5 @1795946400123456789 good\n"},
    {"t without fraction", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00Z\",\"value\":1.5}"), AJ_OK,
     "#0 k f=1.5 @1795946400000000000 good\n"},
    {"t with 3 fraction digits", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00.5Z\",\"value\":1.5}"), AJ_OK,
     "#0 k f=1.5 @1795946400500000000 good\n"},
    {"t with offset", P("{\"key\":\"k\",\"t\":\"2026-11-29T18:00:00.000000001+08:00\",\"value\":1.5}"), AJ_OK,
     "#0 k f=1.5 @1795946400000000001 good\n"},
    {"t with negative offset", P("{\"key\":\"k\",\"t\":\"1970-01-01T00:00:00-01:30\",\"value\":1.5}"), AJ_OK,
     "#0 k f=1.5 @5400000000000 good\n"},
    {"t lower case t and z", P("{\"key\":\"k\",\"t\":\"2026-11-29t10:00:00z\",\"value\":1.5}"), AJ_OK,
     "#0 k f=1.5 @1795946400000000000 good\n"},
    {"t leap day", P("{\"key\":\"k\",\"t\":\"2024-02-29T00:00:00Z\",\"value\":1}"), AJ_OK,
     "#0 k i=1 @1709164800000000000 good\n"},
    {"t leap second", P("{\"key\":\"k\",\"t\":\"2016-12-31T23:59:60Z\",\"value\":1}"), AJ_OK,
     "#0 k i=1 @1483228800000000000 good\n"},
    {"t latest", P("{\"key\":\"k\",\"t\":\"2262-04-11T23:47:16.854775806Z\",\"value\":1}"), AJ_OK,
     "#0 k i=1 @9223372036854775806 good\n"},
    {"t earliest", P("{\"key\":\"k\",\"t\":\"1677-09-21T00:12:43.145224194Z\",\"value\":1}"), AJ_OK,
     "#0 k i=1 @-9223372036854775806 good\n"},
    {"negative t_ns", P("{\"key\":\"k\",\"t_ns\":-5,\"value\":1}"), AJ_OK, "#0 k i=1 @-5 good\n"},
    {"integer value", P("{\"key\":\"k\"," T0 ",\"value\":3}"), AJ_OK, "#0 k i=3 @1 good\n"},
    {"negative integer value", P("{\"key\":\"k\"," T0 ",\"value\":-9223372036854775808}"), AJ_OK,
     "#0 k i=-9223372036854775808 @1 good\n"},
    {"real value that is integral", P("{\"key\":\"k\"," T0 ",\"value\":3.0}"), AJ_OK, "#0 k f=3 @1 good\n"},
    {"boolean values", P("{\"key\":\"a\"," T0 ",\"value\":true},{\"key\":\"b\"," T0 ",\"value\":false}"),
     AJ_OK, "#0 a b=true @1 good\n#1 b b=false @1 good\n"},
    {"string value", P("{\"key\":\"k\"," T0 ",\"value\":\"text \\\"q\\\" 温度\"}"), AJ_OK,
     "#0 k s=\"text \"q\" 温度\" @1 good\n"},
    {"empty string value", P("{\"key\":\"k\"," T0 ",\"value\":\"\"}"), AJ_OK, "#0 k s=\"\" @1 good\n"},
    {"qualities",
     P("{\"key\":\"a\"," T0 ",\"value\":1,\"quality\":\"good\"},{\"key\":\"b\"," T0
       ",\"value\":1,\"quality\":\"uncertain\"},{\"key\":\"c\"," T0 ",\"value\":1,\"quality\":\"bad\"}"),
     AJ_OK, "#0 a i=1 @1 good\n#1 b i=1 @1 uncertain\n#2 c i=1 @1 bad\n"},
    {"key order does not matter", P("{\"quality\":\"bad\",\"value\":2,\"t_ns\":7,\"key\":\"k\"}"), AJ_OK,
     "#0 k i=2 @7 bad\n"},
    {"unicode key", P("{\"key\":\"装置.温度\"," T0 ",\"value\":1}"), AJ_OK, "#0 装置.温度 i=1 @1 good\n"},
    {"empty batch", P(""), AJ_OK, ""},
    /* the whole batch */
    {"not an object", "[]", AJ_EINVAL, "E $ must be an object\n"},
    {"a number", "42", AJ_EINVAL, "E $ must be an object\n"},
    {"unknown top-level field", "{\"points\":[],\"extra\":1}", AJ_EINVAL, "E $.extra unknown field\n"},
    {"missing points", "{}", AJ_EINVAL, "E $.points required\n"},
    {"points not an array", "{\"points\":{}}", AJ_EINVAL, "E $.points must be an array\n"},
    {"points null", "{\"points\":null}", AJ_EINVAL, "E $.points must be an array\n"},
    /* bad points */
    {"point not an object", P("1"), AJ_EINVAL, "E $.points[0] must be an object\n"},
    {"point is an array", P("[]"), AJ_EINVAL, "E $.points[0] must be an object\n"},
    {"unknown field", P("{\"key\":\"k\"," T0 ",\"value\":1,\"tag\":\"x\"}"), AJ_EINVAL,
     "E $.points[0].tag unknown field\n"},
    {"unknown field with odd name", P("{\"key\":\"k\"," T0 ",\"value\":1,\"a \\\"b\\\"\":1}"), AJ_EINVAL,
     "E $.points[0][\"a \\\"b\\\"\"] unknown field\n"},
    {"unknown field reported before missing key", P("{\"vaule\":1}"), AJ_EINVAL,
     "E $.points[0].vaule unknown field\n"},
    {"missing key", P("{" T0 ",\"value\":1}"), AJ_EINVAL, "E $.points[0].key required\n"},
    {"key not a string", P("{\"key\":5," T0 ",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].key must be a string\n"},
    {"empty key", P("{\"key\":\"\"," T0 ",\"value\":1}"), AJ_EINVAL, "E $.points[0].key must not be empty\n"},
    {"key with control character", P("{\"key\":\"a\\nb\"," T0 ",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].key control characters\n"},
    {"both t and t_ns", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00Z\"," T0 ",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t_ns either t or t_ns\n"},
    {"no time", P("{\"key\":\"k\",\"value\":1}"), AJ_EINVAL, "E $.points[0].t required (or t_ns)\n"},
    {"t is a number", P("{\"key\":\"k\",\"t\":1,\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t must be an RFC 3339\n"},
    {"t date only", P("{\"key\":\"k\",\"t\":\"2026-11-29\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t without zone", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t with 10 fraction digits", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00.1234567890Z\",\"value\":1}"),
     AJ_EINVAL, "E $.points[0].t not an RFC 3339\n"},
    {"t with empty fraction", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00.Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t with space separator", P("{\"key\":\"k\",\"t\":\"2026-11-29 10:00:00Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t February 30", P("{\"key\":\"k\",\"t\":\"2026-02-30T00:00:00Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t 2100 is not a leap year", P("{\"key\":\"k\",\"t\":\"2100-02-29T00:00:00Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t hour 24", P("{\"key\":\"k\",\"t\":\"2026-11-29T24:00:00Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t offset without colon", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00+0800\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t trailing text", P("{\"key\":\"k\",\"t\":\"2026-11-29T10:00:00Zx\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t not an RFC 3339\n"},
    {"t after 2262", P("{\"key\":\"k\",\"t\":\"2262-04-11T23:47:16.854775807Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t within 1677..2262\n"},
    {"t before 1677", P("{\"key\":\"k\",\"t\":\"1677-09-21T00:12:43.145224193Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t within 1677..2262\n"},
    {"t far future", P("{\"key\":\"k\",\"t\":\"9999-12-31T23:59:59Z\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t within 1677..2262\n"},
    {"t_ns real", P("{\"key\":\"k\",\"t_ns\":1.5,\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t_ns must be an integer\n"},
    {"t_ns string", P("{\"key\":\"k\",\"t_ns\":\"1\",\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t_ns must be an integer\n"},
    {"t_ns int64 max", P("{\"key\":\"k\",\"t_ns\":9223372036854775807,\"value\":1}"), AJ_EINVAL,
     "E $.points[0].t_ns out of range\n"},
    {"missing value", P("{\"key\":\"k\"," T0 "}"), AJ_EINVAL, "E $.points[0].value required\n"},
    {"null value", P("{\"key\":\"k\"," T0 ",\"value\":null}"), AJ_EINVAL,
     "E $.points[0].value must be a number, boolean or string\n"},
    {"object value", P("{\"key\":\"k\"," T0 ",\"value\":{}}"), AJ_EINVAL,
     "E $.points[0].value must be a number, boolean or string\n"},
    {"array value", P("{\"key\":\"k\"," T0 ",\"value\":[1]}"), AJ_EINVAL,
     "E $.points[0].value must be a number, boolean or string\n"},
    {"unknown quality", P("{\"key\":\"k\"," T0 ",\"value\":1,\"quality\":\"ok\"}"), AJ_EINVAL,
     "E $.points[0].quality must be \"good\", \"uncertain\" or \"bad\"\n"},
    {"quality not a string", P("{\"key\":\"k\"," T0 ",\"value\":1,\"quality\":0}"), AJ_EINVAL,
     "E $.points[0].quality must be\n"},
    {"quality upper case", P("{\"key\":\"k\"," T0 ",\"value\":1,\"quality\":\"GOOD\"}"), AJ_EINVAL,
     "E $.points[0].quality must be\n"},
    /* mixed */
    {"good and bad points in order",
     P("{\"key\":\"a\"," T0 ",\"value\":1},{\"key\":\"b\"},{\"key\":\"c\"," T0 ",\"value\":true},7"),
     AJ_EINVAL,
     "#0 a i=1 @1 good\nE $.points[1].t required\n#2 c b=true @1 good\nE $.points[3] must be an object\n"},
    {"one error per point (the first)", P("{\"key\":5,\"value\":null,\"quality\":\"x\"}"), AJ_EINVAL,
     "E $.points[0].key must be a string\n"},
};
#undef P
#undef T0

static void test_table(void **state) {
    (void)state;
    int n_bad = 0;
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const pj_case *c = &CASES[k];
        json_error_t je;
        json_t *doc = json_loads(c->json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (!doc) fail_msg("case \"%s\": bad test JSON: %s", c->name, je.text);
        static render r;
        aj_pj_stats st;
        aj_err e = run_doc(doc, &r, &st);
        if (e != c->rc || !matches(r.buf, c->want)) {
            n_bad++;
            printf("case \"%s\" failed (rc %s, want %s)\n  json: %s\n  want:\n%s  got:\n%s", c->name,
                   aj_err_name(e), aj_err_name(c->rc), c->json, c->want, r.buf);
        }
        json_decref(doc);
    }
    printf("points JSON: %zu table cases, %d failed\n", sizeof CASES / sizeof CASES[0], n_bad);
    assert_int_equal(n_bad, 0);
}

static json_t *point(const char *key, json_t *value) {
    return json_pack("{s:s,s:I,s:o}", "key", key, "t_ns", (json_int_t)1, "value", value);
}

static void test_bounds(void **state) {
    (void)state;
    static render r;
    aj_pj_stats st;
    /* AJ_PJ_POINTS_MAX points pass; one more is refused as a whole */
    json_t *arr = json_array();
    for (int k = 0; k < AJ_PJ_POINTS_MAX; k++) json_array_append_new(arr, point("k", json_integer(k)));
    json_t *doc = json_pack("{s:O}", "points", arr);
    assert_int_equal(run_doc(doc, &r, &st), AJ_OK);
    assert_int_equal(st.n_ok, AJ_PJ_POINTS_MAX);
    json_array_append_new(arr, point("k", json_integer(0)));
    assert_int_equal(run_doc(doc, &r, &st), AJ_ETOOBIG);
    assert_true(matches(r.buf, "E $.points more than 10000 points\n"));
    assert_int_equal(st.n_points, 0);
    json_decref(doc);
    json_decref(arr);
    /* the longest key and string value, and one byte more; an error at a high index */
    char *s = malloc(AJ_PJ_STRING_MAX + 2);
    assert_non_null(s);
    memset(s, 'x', AJ_PJ_STRING_MAX + 1);
    s[AJ_PJ_STRING_MAX + 1] = 0;
    arr = json_array();
    for (int k = 0; k < 12; k++) json_array_append_new(arr, point("k", json_integer(k)));
    json_array_append_new(arr, point("k", json_stringn(s, AJ_PJ_STRING_MAX)));
    json_array_append_new(arr, point("k", json_string(s)));
    s[AJ_PJ_KEY_MAX] = 0;
    json_array_append_new(arr, point(s, json_integer(1)));
    s[AJ_PJ_KEY_MAX] = 'x';
    s[AJ_PJ_KEY_MAX + 1] = 0;
    json_array_append_new(arr, point(s, json_integer(1)));
    json_array_append_new(arr, point("k", json_stringn("a\0b", 3)));
    doc = json_pack("{s:o}", "points", arr);
    assert_int_equal(run_doc(doc, &r, &st), AJ_EINVAL);
    assert_int_equal(st.n_points, 17);
    assert_int_equal(st.n_ok, 14);
    assert_non_null(strstr(r.buf, "E $.points[13].value string longer than 65535 bytes\n"));
    assert_non_null(strstr(r.buf, "E $.points[15].key longer than 1024 bytes\n"));
    assert_non_null(strstr(r.buf, "E $.points[16].value string must not contain NUL\n"));
    json_decref(doc);
    /* a long unknown key is cut in the path, at a character boundary */
    doc = json_loads("{\"points\":[{\"key\":\"k\",\"t_ns\":1,\"value\":1,"
                     "\"ééééééééééééééééééééééééééééééééééééééééééééééééééé\":1}]}",
                     0, NULL);
    assert_non_null(doc);
    run_doc(doc, &r, &st);
    assert_true(matches(r.buf, "E $.points[0][\"éééééééééééééééééééééééé...\"] unknown field\n"));
    json_decref(doc);
    free(s);
}

static void test_time_parse(void **state) {
    (void)state;
    int64_t ns = 0;
    const char *t = "2026-11-29T10:00:00.123456789Z";
    assert_true(aj_pj_time_parse(t, strlen(t), &ns));
    assert_int_equal(ns, 1795946400123456789LL);
    /* the length is honoured: no reading past it, a cut string fails */
    assert_false(aj_pj_time_parse(t, 19, &ns));
    assert_false(aj_pj_time_parse(t, 20, &ns));
    assert_false(aj_pj_time_parse("", 0, &ns));
    assert_true(aj_pj_time_parse("1970-01-01T00:00:00Z", 20, &ns));
    assert_int_equal(ns, 0);
    assert_true(aj_pj_time_parse("1969-12-31T23:59:59.999999999Z", 30, &ns));
    assert_int_equal(ns, -1);
    assert_false(aj_pj_time_parse("1970-01-01T00:00:00+24:00", 25, &ns));
    assert_false(aj_pj_time_parse("1970-01-01T00:00:00+00:60", 25, &ns));
    assert_false(aj_pj_time_parse("1970-13-01T00:00:00Z", 20, &ns));
    assert_false(aj_pj_time_parse("1970-01-00T00:00:00Z", 20, &ns));
    assert_false(aj_pj_time_parse("1970-01-01T00:60:00Z", 20, &ns));
    assert_false(aj_pj_time_parse("1970-01-01T00:00:61Z", 20, &ns));
    assert_false(aj_pj_time_parse("197a-01-01T00:00:00Z", 20, &ns));
}

static aj_err stop(void *ctx, const aj_pj_point *p) {
    (void)ctx;
    (void)p;
    return AJ_EUNAVAILABLE;
}

static void test_codes(void **state) {
    (void)state;
    json_t *doc = json_loads(
        "{\"points\":[{\"key\":\"a\",\"t_ns\":1,\"value\":1},{\"key\":\"b\",\"t_ns\":1,\"value\":1}]}", 0,
        NULL);
    assert_non_null(doc);
    aj_pj_callbacks cb = {.on_point = stop};
    aj_pj_stats st;
    assert_int_equal(aj_pj_parse(doc, &cb, &st), AJ_EUNAVAILABLE);
    assert_int_equal(st.n_points, 1);
    assert_int_equal(aj_pj_parse(doc, NULL, NULL), AJ_OK);
    json_decref(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_codes),
    };
    return cmocka_run_group_tests_name("points_json", tests, NULL, NULL);
}
