/* test_lineproto.c — conformance of the line protocol parser (src/ingest/lineproto.c).
 *
 * The core is a table: each case is an input (one or more lines), a precision and the
 * exact expected result, rendered one result per line:
 *
 *     <line> <measurement>[,<tag key>=<tag value>...] <key>:<type>=<value>[,...] @<time>
 *     E<line>:<column> <reason substring>
 *
 * Names and strings are shown unescaped and raw; types are f (float, shortest repr that
 * round-trips), i, u, b (true/false), s ("text"); the time is @<ns>, or @D<ns> when the
 * line had none and got the default time (DEFAULT_T_NS, truncated to the precision).
 * Cases whose inputs are generated (huge lines, bounds) follow the table, then the tag
 * key mapping, the API's return codes and a printed (never asserted) speed figure.
 */
#include "ingest/lineproto.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define DEFAULT_T_NS 1700000000123456789LL

/* ---- rendering ------------------------------------------------------------------------ */

typedef struct render {
    char *buf;
    size_t len, cap;
    int n_lines, n_errors;
} render;

static void out(render *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (r->len + (size_t)n + 1 > r->cap) {
        r->cap = (r->len + (size_t)n + 1) * 2;
        r->buf = realloc(r->buf, r->cap);
        assert_non_null(r->buf);
    }
    va_start(ap, fmt);
    vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    r->len += (size_t)n;
}

static void out_bytes(render *r, const char *s, size_t n) {
    out(r, "%.*s", (int)n, s);
}

static void out_float(render *r, double v) {
    char tmp[40];
    if (v == (double)(int64_t)v && v > -1e16 && v < 1e16) {
        out(r, "%.0f", v); /* integral values without exponent: 1000, -0 */
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    out(r, "%s", tmp);
}

static aj_err on_line(void *ctx, const aj_lp_line *L) {
    render *r = ctx;
    r->n_lines++;
    out(r, "%d ", L->line_no);
    out_bytes(r, L->measurement, L->measurement_len);
    assert_int_equal(strlen(L->measurement), L->measurement_len);
    for (int k = 0; k < L->n_tags; k++) {
        out(r, ",");
        out_bytes(r, L->tags[k].key, L->tags[k].key_len);
        out(r, "=");
        out_bytes(r, L->tags[k].value, L->tags[k].value_len);
    }
    for (int k = 0; k < L->n_fields; k++) {
        const aj_lp_field *f = &L->fields[k];
        out(r, k ? "," : " ");
        out_bytes(r, f->key, f->key_len);
        switch (f->type) {
        case AJ_LP_FLOAT:
            out(r, ":f=");
            out_float(r, f->f);
            break;
        case AJ_LP_INT:
            out(r, ":i=%lld", (long long)f->i);
            break;
        case AJ_LP_UINT:
            out(r, ":u=%llu", (unsigned long long)f->u);
            break;
        case AJ_LP_BOOL:
            out(r, ":b=%s", f->b ? "true" : "false");
            break;
        case AJ_LP_STRING:
            out(r, ":s=\"");
            out_bytes(r, f->s, f->s_len);
            out(r, "\"");
            break;
        }
    }
    out(r, " @%s%lld\n", L->has_time ? "" : "D", (long long)L->t_ns);
    return AJ_OK;
}

static aj_err on_error(void *ctx, const aj_lp_error *e) {
    render *r = ctx;
    r->n_errors++;
    out(r, "E%d:%d %s\n", e->line, e->column, e->reason);
    return AJ_OK;
}

/* Parses input and renders the results; the caller frees r->buf. */
static aj_err run(const char *input, size_t len, aj_lp_precision prec, render *r, aj_lp_stats *st) {
    memset(r, 0, sizeof *r);
    out(r, "%s", "");
    aj_lp_callbacks cb = {.ctx = r, .on_line = on_line, .on_error = on_error};
    aj_err e = aj_lp_parse(input, len, prec, DEFAULT_T_NS, &cb, st);
    assert_int_equal(st->n_lines, st->n_skipped + st->n_ok + st->n_errors);
    assert_int_equal(st->n_ok, r->n_lines);
    assert_int_equal(st->n_errors, r->n_errors);
    assert_int_equal(e, st->n_errors ? AJ_EINVAL : AJ_OK);
    return e;
}

/* Compares rendered results with the expectation: result lines exactly; for error lines
 * "E<line>:<col>" exactly and the rest as a substring of the reason. */
static bool matches(const char *got, const char *want) {
    for (;;) {
        const char *ge = strchr(got, '\n'), *we = strchr(want, '\n');
        if (!ge || !we) return !ge && !we && *got == 0 && *want == 0;
        size_t gl = (size_t)(ge - got), wl = (size_t)(we - want);
        if (want[0] == 'E') {
            const char *wsp = memchr(want, ' ', wl), *gsp = memchr(got, ' ', gl);
            if (!wsp || !gsp || wsp - want != gsp - got || memcmp(want, got, (size_t)(wsp - want)) != 0)
                return false;
            char sub[256];
            snprintf(sub, sizeof sub, "%.*s", (int)(we - wsp - 1), wsp + 1);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)(ge - gsp - 1), gsp + 1);
            if (!strstr(line, sub)) return false;
        } else if (gl != wl || memcmp(got, want, gl) != 0) {
            return false;
        }
        got = ge + 1;
        want = we + 1;
    }
}

/* ---- the table ------------------------------------------------------------------------ */

typedef struct lp_case {
    const char *name;
    const char *input;
    aj_lp_precision prec;
    const char *want;
} lp_case;

#define NS AJ_LP_NS
static const lp_case CASES[] = {
    /* basics */
    {"minimal", "cpu value=1", NS, "1 cpu value:f=1 @D1700000000123456789\n"},
    {"with time", "cpu value=1 1465839830100400200", NS, "1 cpu value:f=1 @1465839830100400200\n"},
    {"reference example", "weather,location=us-midwest temperature=82 1465839830100400200", NS,
     "1 weather,location=us-midwest temperature:f=82 @1465839830100400200\n"},
    {"tags sorted by key", "cpu,zone=b,host=a,cpu=c0 v=1 10", NS, "1 cpu,cpu=c0,host=a,zone=b v:f=1 @10\n"},
    {"tags sorted byte-wise (upper case first)", "m,b=1,B=2,a=3 v=1 1", NS, "1 m,B=2,a=3,b=1 v:f=1 @1\n"},
    {"fields keep line order", "m z=1,a=2,m=3 1", NS, "1 m z:f=1,a:f=2,m:f=3 @1\n"},
    {"every type on one line", "m f=1.5,i=-2i,u=3u,b=t,s=\"x\" 1", NS,
     "1 m f:f=1.5,i:i=-2,u:u=3,b:b=true,s:s=\"x\" @1\n"},
    /* floats */
    {"float integer form", "m v=42", NS, "1 m v:f=42 @D1700000000123456789\n"},
    {"float decimal", "m v=-3.25 1", NS, "1 m v:f=-3.25 @1\n"},
    {"float exponent", "m v=-1e3 1", NS, "1 m v:f=-1000 @1\n"},
    {"float exponent upper case and sign", "m v=1.5E+2 1", NS, "1 m v:f=150 @1\n"},
    {"float negative exponent", "m v=25e-2 1", NS, "1 m v:f=0.25 @1\n"},
    {"float leading dot", "m v=.5 1", NS, "1 m v:f=0.5 @1\n"},
    {"float negative leading dot", "m v=-.5 1", NS, "1 m v:f=-0.5 @1\n"},
    {"float trailing dot", "m v=1. 1", NS, "1 m v:f=1 @1\n"},
    {"float trailing dot with exponent", "m v=1.e2 1", NS, "1 m v:f=100 @1\n"},
    {"float zero and negative zero", "m a=0,b=-0.0 1", NS, "1 m a:f=0,b:f=-0 @1\n"},
    {"float leading zeros", "m v=007.50 1", NS, "1 m v:f=7.5 @1\n"},
    {"float 0.1 correctly rounded", "m v=0.1 1", NS, "1 m v:f=0.1 @1\n"},
    {"float many digits (slow path)", "m v=123456789012345678901234567890 1", NS,
     "1 m v:f=1.2345678901234568e+29 @1\n"},
    {"float largest", "m v=1.7976931348623157e308 1", NS, "1 m v:f=1.7976931348623157e+308 @1\n"},
    {"float smallest subnormal", "m v=4.9e-324 1", NS, "1 m v:f=5e-324 @1\n"},
    {"float underflow to zero", "m v=1e-400 1", NS, "1 m v:f=0 @1\n"},
    {"float overflow", "m v=1e309 1", NS, "E1:5 float value out of range\n"},
    {"float two dots", "m v=1.2.3", NS, "E1:5 invalid float value\n"},
    {"float dangling exponent", "m v=1e", NS, "E1:5 invalid float value\n"},
    {"float dangling exponent sign", "m v=1e+", NS, "E1:5 invalid float value\n"},
    {"float lone minus", "m v=-", NS, "E1:5 invalid float value\n"},
    {"float lone dot", "m v=.", NS, "E1:5 invalid float value\n"},
    {"float with junk", "m v=1x", NS, "E1:5 invalid float value\n"},
    {"float hex", "m v=0x10", NS, "E1:5 invalid float value\n"},
    {"float underscore", "m v=1_000", NS, "E1:5 invalid float value\n"},
    {"NaN rejected", "m v=NaN", NS, "E1:5 invalid field value\n"},
    {"inf rejected", "m v=inf", NS, "E1:5 invalid field value\n"},
    {"-inf rejected", "m v=-inf", NS, "E1:5 invalid float value\n"},
    {"plus sign rejected", "m v=+1", NS, "E1:5 invalid field value\n"},
    /* integers */
    {"integer", "m v=1i,w=-1i,z=0i 1", NS, "1 m v:i=1,w:i=-1,z:i=0 @1\n"},
    {"integer max", "m v=9223372036854775807i 1", NS, "1 m v:i=9223372036854775807 @1\n"},
    {"integer min", "m v=-9223372036854775808i 1", NS, "1 m v:i=-9223372036854775808 @1\n"},
    {"integer leading zeros", "m v=007i 1", NS, "1 m v:i=7 @1\n"},
    {"integer overflow", "m v=9223372036854775808i", NS, "E1:5 integer value out of range\n"},
    {"integer underflow", "m v=-9223372036854775809i", NS, "E1:5 integer value out of range\n"},
    {"integer huge", "m v=99999999999999999999999i", NS, "E1:5 integer value out of range\n"},
    {"integer with decimal point", "m v=1.5i", NS, "E1:5 invalid integer value\n"},
    {"integer with exponent", "m v=1e3i", NS, "E1:5 invalid integer value\n"},
    {"integer without digits", "m v=-i", NS, "E1:5 invalid integer value\n"},
    {"integer bare i", "m v=i", NS, "E1:5 invalid field value\n"},
    {"integer double suffix", "m v=1ii", NS, "E1:5 invalid integer value\n"},
    /* unsigned */
    {"unsigned", "m v=0u,w=42u 1", NS, "1 m v:u=0,w:u=42 @1\n"},
    {"unsigned max", "m v=18446744073709551615u 1", NS, "1 m v:u=18446744073709551615 @1\n"},
    {"unsigned overflow", "m v=18446744073709551616u", NS, "E1:5 unsigned integer value out of range\n"},
    {"unsigned negative", "m v=-1u", NS, "E1:5 invalid unsigned integer value\n"},
    {"unsigned with decimal point", "m v=1.0u", NS, "E1:5 invalid unsigned integer value\n"},
    /* booleans */
    {"booleans true", "m a=t,b=T,c=true,d=True,e=TRUE 1", NS,
     "1 m a:b=true,b:b=true,c:b=true,d:b=true,e:b=true @1\n"},
    {"booleans false", "m a=f,b=F,c=false,d=False,e=FALSE 1", NS,
     "1 m a:b=false,b:b=false,c:b=false,d:b=false,e:b=false @1\n"},
    {"boolean mixed case", "m v=tRUE", NS, "E1:5 invalid boolean value\n"},
    {"boolean too long", "m v=truee", NS, "E1:5 invalid boolean value\n"},
    {"boolean yes", "m v=yes", NS, "E1:5 invalid field value\n"},
    /* strings */
    {"string", "m s=\"hello world\" 1", NS, "1 m s:s=\"hello world\" @1\n"},
    {"string empty", "m s=\"\" 1", NS, "1 m s:s=\"\" @1\n"},
    {"string escaped quote", "m s=\"say \\\"hi\\\"\" 1", NS, "1 m s:s=\"say \"hi\"\" @1\n"},
    {"string escaped backslash", "m s=\"a\\\\b\" 1", NS, "1 m s:s=\"a\\b\" @1\n"},
    {"string other backslash kept", "m s=\"a\\nb\\t\" 1", NS, "1 m s:s=\"a\\nb\\t\" @1\n"},
    {"string ends with escaped backslash", "m s=\"a\\\\\",v=1 1", NS, "1 m s:s=\"a\\\",v:f=1 @1\n"},
    {"string with separators inside", "m s=\"a,b c=d\",v=1 1", NS, "1 m s:s=\"a,b c=d\",v:f=1 @1\n"},
    {"string unicode", "m s=\"温度 ✓\" 1", NS, "1 m s:s=\"温度 ✓\" @1\n"},
    {"string unterminated", "m s=\"abc", NS, "E1:5 unterminated string value\n"},
    {"string unterminated by escaped quote", "m s=\"abc\\\"", NS, "E1:5 unterminated string value\n"},
    {"string followed by junk", "m s=\"a\"x", NS, "E1:8 unexpected character after field value\n"},
    {"string does not span lines", "m s=\"a\nb\" 1", NS,
     "E1:5 unterminated string value\nE2:5 missing field value\n"},
    {"string invalid UTF-8", "m s=\"\xff\"", NS, "E1:5 string value is not valid UTF-8\n"},
    {"string overlong UTF-8", "m s=\"\xc0\xaf\"", NS, "E1:5 string value is not valid UTF-8\n"},
    {"string surrogate", "m s=\"\xed\xa0\x80\"", NS, "E1:5 string value is not valid UTF-8\n"},
    {"string truncated UTF-8", "m s=\"\xe6\xb8\"", NS, "E1:5 string value is not valid UTF-8\n"},
    /* escapes in names */
    {"measurement escaped comma and space", "my\\ meas\\,x v=1 1", NS, "1 my meas,x v:f=1 @1\n"},
    {"measurement equals needs no escape", "a=b v=1 1", NS, "1 a=b v:f=1 @1\n"},
    {"measurement escaped equals kept", "a\\=b v=1 1", NS, "1 a\\=b v:f=1 @1\n"},
    {"measurement other backslash kept", "a\\b v=1 1", NS, "1 a\\b v:f=1 @1\n"},
    {"measurement ends with escaped space", "a\\  v=1 1", NS, "1 a  v:f=1 @1\n"},
    {"measurement double backslash then space", "a\\\\ b v=1 1", NS, "1 a\\ b v:f=1 @1\n"},
    {"measurement quote is plain", "\"m\" v=1 1", NS, "1 \"m\" v:f=1 @1\n"},
    {"tag escapes", "m,t\\ k\\==v\\,1\\=2\\ x v=1 1", NS, "1 m,t k==v,1=2 x v:f=1 @1\n"},
    {"tag other backslash kept", "m,k=a\\b v=1 1", NS, "1 m,k=a\\b v:f=1 @1\n"},
    {"tag value ends with escaped space", "m,k=a\\ v=1 1", NS, "E1:9 unescaped '=' in tag value\n"},
    {"field key escapes", "m f\\ k\\,\\==1 1", NS, "1 m f k,=:f=1 @1\n"},
    {"field key with quote", "m \"k\"=1 1", NS, "1 m \"k\":f=1 @1\n"},
    {"unicode names", "温度,区=东 值=1 1", NS, "1 温度,区=东 值:f=1 @1\n"},
    {"unescaped equals in tag value", "m,k=a=b v=1", NS, "E1:6 unescaped '=' in tag value\n"},
    {"measurement invalid UTF-8", "\xff v=1", NS, "E1:1 measurement is not valid UTF-8\n"},
    {"tag key invalid UTF-8", "m,\xc3=1 v=1", NS, "E1:3 tag key is not valid UTF-8\n"},
    {"control char in tag value", "m,t=a\x01 v=1", NS, "E1:6 control character in tag value\n"},
    {"control char in field key", "m v\x7f=1", NS, "E1:4 control character in field key\n"},
    {"tab in measurement", "m\tv=1", NS, "E1:2 control character in measurement\n"},
    /* missing parts */
    {"measurement only", "cpu", NS, "E1:4 missing fields\n"},
    {"measurement and space", "cpu ", NS, "E1:5 missing fields\n"},
    {"tags but no fields", "cpu,host=a", NS, "E1:11 missing fields\n"},
    {"tags and space but no fields", "cpu,host=a  ", NS, "E1:13 missing fields\n"},
    {"missing measurement", ",host=a v=1", NS, "E1:1 missing measurement\n"},
    {"empty tag key", "cpu,=a v=1", NS, "E1:5 missing tag key\n"},
    {"comma then space", "cpu, v=1", NS, "E1:5 missing tag key\n"},
    {"tag key without equals", "cpu,host v=1", NS, "E1:9 missing tag value\n"},
    {"empty tag value", "cpu,host= v=1", NS, "E1:10 missing tag value\n"},
    {"trailing comma in tags", "cpu,host=a, v=1", NS, "E1:12 missing tag key\n"},
    {"empty field key", "cpu =1", NS, "E1:5 missing field key\n"},
    {"field key without equals", "cpu v", NS, "E1:6 missing field value\n"},
    {"field key without value at end", "cpu v=", NS, "E1:7 missing field value\n"},
    {"empty field value before comma", "cpu v=,w=1", NS, "E1:7 missing field value\n"},
    {"trailing comma in fields", "cpu v=1,", NS, "E1:9 missing field key\n"},
    {"double comma in fields", "cpu v=1,,w=2", NS, "E1:9 missing field key\n"},
    {"field key ends at comma", "cpu a,b=1", NS, "E1:6 missing field value\n"},
    /* duplicates */
    {"duplicate tag key", "cpu,a=1,a=2 v=1", NS, "E1:9 duplicate tag key\n"},
    {"duplicate tag key unsorted", "cpu,b=1,a=1,b=2 v=1", NS, "E1:13 duplicate tag key\n"},
    {"duplicate field key: last wins, first position", "m a=1,b=2,a=3i 1", NS, "1 m a:i=3,b:f=2 @1\n"},
    /* timestamps and precisions */
    {"precision ns", "m v=1 1700000000000000001", AJ_LP_NS, "1 m v:f=1 @1700000000000000001\n"},
    {"precision us", "m v=1 1700000000000001", AJ_LP_US, "1 m v:f=1 @1700000000000001000\n"},
    {"precision ms", "m v=1 1700000000001", AJ_LP_MS, "1 m v:f=1 @1700000000001000000\n"},
    {"precision s", "m v=1 1700000000", AJ_LP_S, "1 m v:f=1 @1700000000000000000\n"},
    {"precision m", "m v=1 2", AJ_LP_MIN, "1 m v:f=1 @120000000000\n"},
    {"precision h", "m v=1 2", AJ_LP_HOUR, "1 m v:f=1 @7200000000000\n"},
    {"default time truncated to us", "m v=1", AJ_LP_US, "1 m v:f=1 @D1700000000123456000\n"},
    {"default time truncated to ms", "m v=1", AJ_LP_MS, "1 m v:f=1 @D1700000000123000000\n"},
    {"default time truncated to s", "m v=1", AJ_LP_S, "1 m v:f=1 @D1700000000000000000\n"},
    {"negative timestamp", "m v=1 -1", NS, "1 m v:f=1 @-1\n"},
    {"negative timestamp in s", "m v=1 -2", AJ_LP_S, "1 m v:f=1 @-2000000000\n"},
    {"timestamp zero with leading zeros", "m v=1 0007", NS, "1 m v:f=1 @7\n"},
    {"timestamp max", "m v=1 9223372036854775806", NS, "1 m v:f=1 @9223372036854775806\n"},
    {"timestamp min", "m v=1 -9223372036854775806", NS, "1 m v:f=1 @-9223372036854775806\n"},
    {"timestamp above max", "m v=1 9223372036854775807", NS, "E1:7 timestamp out of range\n"},
    {"timestamp below min", "m v=1 -9223372036854775807", NS, "E1:7 timestamp out of range\n"},
    {"timestamp beyond int64", "m v=1 99999999999999999999", NS, "E1:7 timestamp out of range\n"},
    {"timestamp s largest", "m v=1 9223372036", AJ_LP_S, "1 m v:f=1 @9223372036000000000\n"},
    {"timestamp s overflow", "m v=1 9223372037", AJ_LP_S, "E1:7 timestamp out of range\n"},
    {"timestamp ms overflow", "m v=1 -9223372036855", AJ_LP_MS, "E1:7 timestamp out of range\n"},
    {"timestamp h overflow", "m v=1 2562048", AJ_LP_HOUR, "E1:7 timestamp out of range\n"},
    {"timestamp not integer", "m v=1 12a", NS, "E1:7 invalid timestamp\n"},
    {"timestamp float", "m v=1 1.5", NS, "E1:7 invalid timestamp\n"},
    {"timestamp lone minus", "m v=1 -", NS, "E1:7 invalid timestamp\n"},
    {"text after timestamp", "m v=1 1 2", NS, "E1:9 unexpected text after the timestamp\n"},
    /* whitespace, line ends, comments */
    {"trailing spaces without time", "m v=1   ", NS, "1 m v:f=1 @D1700000000123456789\n"},
    {"trailing spaces and tab after time", "m v=1 5 \t ", NS, "1 m v:f=1 @5\n"},
    {"several spaces between parts", "m   v=1   5", NS, "1 m v:f=1 @5\n"},
    {"tab before timestamp", "m v=1 \t5", NS, "1 m v:f=1 @5\n"},
    {"leading whitespace", " \t m v=1 5", NS, "1 m v:f=1 @5\n"},
    {"tab right after a number", "m v=1\t5", NS, "E1:5 invalid float value\n"},
    {"CRLF", "a v=1 1\r\nb v=2 2\r\n", NS, "1 a v:f=1 @1\n2 b v:f=2 @2\n"},
    {"CRLF without time", "a v=1\r\n", NS, "1 a v:f=1 @D1700000000123456789\n"},
    {"lone CR inside a line", "a v=1\r5", NS, "E1:5 invalid float value\n"},
    {"comment lines", "# a comment\nm v=1 1\n  # indented comment", NS, "2 m v:f=1 @1\n"},
    {"hash inside a line is data", "m,t=#1 v=1 1", NS, "1 m,t=#1 v:f=1 @1\n"},
    {"blank lines", "\n\n  \nm v=1 1\n\n", NS, "4 m v:f=1 @1\n"},
    {"empty input", "", NS, ""},
    {"only a newline", "\n", NS, ""},
    {"last line without newline", "a v=1 1\nb v=2 2", NS, "1 a v:f=1 @1\n2 b v:f=2 @2\n"},
    {"error then good line", "cpu\nm v=1 1", NS, "E1:4 missing fields\n2 m v:f=1 @1\n"},
    {"good, bad, good", "a v=1 1\nb v=x 2\nc v=3 3\n", NS,
     "1 a v:f=1 @1\nE2:5 invalid field value\n3 c v:f=3 @3\n"},
    {"several errors", "a\nb v=\n,c v=1\n", NS,
     "E1:2 missing fields\nE2:5 missing field value\nE3:1 missing measurement\n"},
    {"telegraf cpu line", "cpu,cpu=cpu0,host=h1 usage_user=3.2,usage_idle=95.1 1700000000000000000", NS,
     "1 cpu,cpu=cpu0,host=h1 usage_user:f=3.2,usage_idle:f=95.1 @1700000000000000000\n"},
};
#undef NS

static void test_table(void **state) {
    (void)state;
    int n_bad = 0;
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const lp_case *c = &CASES[k];
        render r;
        aj_lp_stats st;
        run(c->input, strlen(c->input), c->prec, &r, &st);
        if (!matches(r.buf, c->want)) {
            n_bad++;
            printf("case \"%s\" failed\n  input: %s\n  want:\n%s  got:\n%s", c->name, c->input, c->want,
                   r.buf);
        }
        free(r.buf);
    }
    printf("line protocol conformance: %zu table cases, %d failed\n", sizeof CASES / sizeof CASES[0], n_bad);
    assert_int_equal(n_bad, 0);
}

/* ---- generated cases ------------------------------------------------------------------ */

/* Parses input, checks the rendering. */
static void expect(const char *input, size_t len, const char *want) {
    render r;
    aj_lp_stats st;
    run(input, len, AJ_LP_NS, &r, &st);
    if (!matches(r.buf, want)) fail_msg("want:\n%s\ngot:\n%.2000s", want, r.buf);
    free(r.buf);
}

static char *repeat(char c, size_t n) {
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

static void test_huge_lines(void **state) {
    (void)state;
    /* a line one byte over the limit, then a good line */
    size_t n = AJ_LP_LINE_MAX + 1;
    char *big = malloc(n + 32);
    assert_non_null(big);
    memcpy(big, "m s=\"", 5);
    memset(big + 5, 'x', n - 6);
    big[n - 1] = '"';
    memcpy(big + n, "\nm v=1 1", 9);
    expect(big, n + 8, "E1:262145 line longer than\n2 m v:f=1 @1\n");
    /* the longest string value that fits, and one byte more */
    char *s = repeat('y', AJ_LP_STRING_MAX + 1);
    int len = snprintf(big, n, "m s=\"%.*s\" 1", AJ_LP_STRING_MAX, s);
    render r;
    aj_lp_stats st;
    run(big, (size_t)len, AJ_LP_NS, &r, &st);
    assert_int_equal(st.n_ok, 1);
    free(r.buf);
    len = snprintf(big, n, "m s=\"%s\" 1", s);
    expect(big, (size_t)len, "E1:5 string value longer than 65535 bytes\n");
    free(s);
    /* names at and over AJ_LP_NAME_MAX */
    char *name = repeat('n', AJ_LP_NAME_MAX + 1);
    len = snprintf(big, n, "%.*s,%.*s=%.*s %.*s=1 1", AJ_LP_NAME_MAX, name, AJ_LP_NAME_MAX, name,
                   AJ_LP_NAME_MAX, name, AJ_LP_NAME_MAX, name);
    run(big, (size_t)len, AJ_LP_NS, &r, &st);
    assert_int_equal(st.n_ok, 1);
    free(r.buf);
    len = snprintf(big, n, "m,%s=v v=1", name);
    expect(big, (size_t)len, "E1:3 tag key longer than 1024 bytes\n");
    len = snprintf(big, n, "%s v=1", name);
    expect(big, (size_t)len, "E1:1 measurement longer than\n");
    len = snprintf(big, n, "m,k=%s v=1", name);
    expect(big, (size_t)len, "E1:5 tag value longer than\n");
    len = snprintf(big, n, "m %s=1", name);
    expect(big, (size_t)len, "E1:3 field key longer than\n");
    /* escapes count after unescaping: 1024 escaped spaces are 1024 bytes */
    char *esc = malloc(2 * AJ_LP_NAME_MAX + 16);
    assert_non_null(esc);
    for (int k = 0; k < AJ_LP_NAME_MAX; k++) memcpy(esc + 2 * k, "\\ ", 2);
    len = snprintf(big, n, "%.*s v=1 1", 2 * AJ_LP_NAME_MAX, esc);
    run(big, (size_t)len, AJ_LP_NS, &r, &st);
    assert_int_equal(st.n_ok, 1);
    free(r.buf);
    free(esc);
    free(name);
    free(big);
}

static void test_many_tags_and_fields(void **state) {
    (void)state;
    char *buf = malloc(64 * 1024);
    assert_non_null(buf);
    /* AJ_LP_TAGS_MAX tags (given in reverse order) pass and come out sorted */
    size_t o = (size_t)sprintf(buf, "m");
    for (int k = AJ_LP_TAGS_MAX - 1; k >= 0; k--) o += (size_t)sprintf(buf + o, ",t%03d=v%d", k, k);
    o += (size_t)sprintf(buf + o, " v=1 1");
    render r;
    aj_lp_stats st;
    run(buf, o, AJ_LP_NS, &r, &st);
    assert_int_equal(st.n_ok, 1);
    assert_non_null(strstr(r.buf, "1 m,t000=v0,t001=v1,"));
    free(r.buf);
    /* one tag more */
    o = (size_t)sprintf(buf, "m");
    for (int k = 0; k <= AJ_LP_TAGS_MAX; k++) o += (size_t)sprintf(buf + o, ",t%03d=v", k);
    o += (size_t)sprintf(buf + o, " v=1 1");
    char want[64];
    snprintf(want, sizeof want, "E1:%d more than 64 tags\n", 2 + AJ_LP_TAGS_MAX * 7 + 1);
    expect(buf, o, want);
    /* AJ_LP_FIELDS_MAX fields pass; one more fails; a duplicate at the limit is fine */
    o = (size_t)sprintf(buf, "m ");
    for (int k = 0; k < AJ_LP_FIELDS_MAX; k++)
        o += (size_t)sprintf(buf + o, "%sf%04d=%di", k ? "," : "", k, k);
    size_t at_max = o;
    o += (size_t)sprintf(buf + o, ",f0000=-1i 1");
    run(buf, o, AJ_LP_NS, &r, &st);
    assert_int_equal(st.n_ok, 1);
    assert_int_equal(st.n_fields, AJ_LP_FIELDS_MAX);
    assert_non_null(strstr(r.buf, " f0000:i=-1,f0001:i=1,"));
    free(r.buf);
    o = at_max + (size_t)sprintf(buf + at_max, ",extra=1 1");
    snprintf(want, sizeof want, "E1:%zu more than 1024 fields\n", at_max + 2);
    expect(buf, o, want);
    free(buf);
}

/* ---- tag key mapping ------------------------------------------------------------------ */

typedef struct keys {
    char got[8][128];
    int n;
    size_t outlen;
} keys;

static aj_err collect_keys(void *ctx, const aj_lp_line *L) {
    keys *k = ctx;
    for (int f = 0; f < L->n_fields && k->n < 8; f++, k->n++)
        if (!aj_lp_tag_key(L, f, k->got[k->n], k->outlen))
            snprintf(k->got[k->n], sizeof k->got[0], "<too long>");
    return AJ_OK;
}

static void expect_keys(const char *line, size_t outlen, const char *k0, const char *k1) {
    keys k = {.outlen = outlen};
    aj_lp_callbacks cb = {.ctx = &k, .on_line = collect_keys};
    assert_int_equal(aj_lp_parse(line, strlen(line), AJ_LP_NS, 0, &cb, NULL), AJ_OK);
    assert_int_equal(k.n, k1 ? 2 : 1);
    assert_string_equal(k.got[0], k0);
    if (k1) assert_string_equal(k.got[1], k1);
}

static void test_tag_key_mapping(void **state) {
    (void)state;
    expect_keys("JS01.P-101 seal_temp=71.2", 128, "JS01.P-101.seal_temp", NULL);
    expect_keys("cpu,host=h1,cpu=cpu0 usage_user=3.2", 128, "cpu.cpu0.h1.usage_user", NULL);
    expect_keys("m,aj_key=JS01.TI-101 value=20.5", 128, "JS01.TI-101", NULL);
    expect_keys("m,aj_key=JS01.TI-101,zone=z value=20.5,hi=30", 128, "JS01.TI-101", "JS01.TI-101.hi");
    expect_keys("JS01.TI-101 value=1,status=\"ok\"", 128, "JS01.TI-101", "JS01.TI-101.status");
    expect_keys("m,a=x,b=y value=1", 128, "m.x.y", NULL);
    expect_keys("m,zz=1,aj_key=K,a=2 v=1", 128, "K.v", NULL);
    expect_keys("my\\ m,k=a\\,b f\\=1=1", 128, "my m.a,b.f=1", NULL);
    /* exactly fitting and one byte short */
    expect_keys("abc de=1", 7, "abc.de", NULL);
    expect_keys("abc de=1", 6, "<too long>", NULL);
    expect_keys("m,t=vvvv value=1", 6, "<too long>", NULL);
}

/* ---- API ------------------------------------------------------------------------------ */

static void test_precision_parse(void **state) {
    (void)state;
    static const struct {
        const char *s;
        aj_err e;
        aj_lp_precision p;
    } T[] = {{NULL, AJ_OK, AJ_LP_NS},      {"", AJ_OK, AJ_LP_NS},        {"n", AJ_OK, AJ_LP_NS},
             {"ns", AJ_OK, AJ_LP_NS},      {"u", AJ_OK, AJ_LP_US},       {"us", AJ_OK, AJ_LP_US},
             {"ms", AJ_OK, AJ_LP_MS},      {"s", AJ_OK, AJ_LP_S},        {"m", AJ_OK, AJ_LP_MIN},
             {"h", AJ_OK, AJ_LP_HOUR},     {"NS", AJ_EINVAL, AJ_LP_NS},  {"µs", AJ_EINVAL, AJ_LP_NS},
             {"sec", AJ_EINVAL, AJ_LP_NS}, {"ms ", AJ_EINVAL, AJ_LP_NS}, {"d", AJ_EINVAL, AJ_LP_NS}};
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) {
        aj_lp_precision p = AJ_LP_HOUR;
        assert_int_equal(aj_lp_precision_parse(T[k].s, &p), T[k].e);
        if (T[k].e == AJ_OK) assert_int_equal(p, T[k].p);
    }
}

static aj_err stop_at_second(void *ctx, const aj_lp_line *L) {
    int *n = ctx;
    return ++*n == 2 ? AJ_EIO : AJ_OK;
}

static aj_err save_time(void *ctx, const aj_lp_line *L) {
    *(int64_t *)ctx = L->t_ns;
    return AJ_OK;
}

static void test_callbacks_and_codes(void **state) {
    (void)state;
    int n = 0;
    aj_lp_callbacks cb = {.ctx = &n, .on_line = stop_at_second};
    aj_lp_stats st;
    const char *in = "a v=1\nb v=2\nc v=3\n";
    assert_int_equal(aj_lp_parse(in, strlen(in), AJ_LP_NS, 0, &cb, &st), AJ_EIO);
    assert_int_equal(n, 2);
    assert_int_equal(st.n_ok, 2);
    /* no callbacks at all; stats still count */
    in = "a v=1\n# c\n\nb\nc v=3";
    assert_int_equal(aj_lp_parse(in, strlen(in), AJ_LP_NS, 0, NULL, &st), AJ_EINVAL);
    assert_int_equal(st.n_lines, 5);
    assert_int_equal(st.n_skipped, 2);
    assert_int_equal(st.n_ok, 2);
    assert_int_equal(st.n_errors, 1);
    assert_int_equal(st.n_fields, 2);
    assert_int_equal(aj_lp_parse("", 0, AJ_LP_NS, 0, NULL, NULL), AJ_OK);
    /* a negative default time is truncated downwards (floor) to the precision */
    int64_t t = 0;
    cb = (aj_lp_callbacks){.ctx = &t, .on_line = save_time};
    assert_int_equal(aj_lp_parse("m v=1", 5, AJ_LP_S, -1, &cb, NULL), AJ_OK);
    assert_int_equal(t, -1000000000);
    assert_int_equal(aj_lp_parse("m v=1", 5, AJ_LP_MS, INT64_MIN, &cb, NULL), AJ_OK);
    assert_int_equal(t, INT64_MIN); /* cannot go lower: kept */
    /* the buffer need not be NUL-terminated: parsing stops at len */
    assert_int_equal(aj_lp_parse("a v=1 5XYZ", 7, AJ_LP_NS, 0, NULL, &st), AJ_OK);
    assert_int_equal(st.n_ok, 1);
}

/* ---- speed (printed, never asserted) -------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static aj_err count_only(void *ctx, const aj_lp_line *L) {
    *(int64_t *)ctx += L->n_fields;
    return AJ_OK;
}

static void test_speed(void **state) {
    (void)state;
    const int n_lines = 100000;
    char *buf = malloc((size_t)n_lines * 96);
    assert_non_null(buf);
    size_t o = 0;
    for (int k = 0; k < n_lines; k++)
        o += (size_t)sprintf(buf + o,
                             "JS01.P-%03d,host=h1 seal_temp=%d.%d,flow=%di,running=t,vib=0.0%d %lld\n",
                             k % 1000, 20 + k % 50, k % 10, k % 300, k % 9, 1700000000000000000LL + k);
    int64_t n_fields = 0;
    aj_lp_callbacks cb = {.ctx = &n_fields, .on_line = count_only};
    double t0 = now_s();
    int rounds = 0;
    do {
        assert_int_equal(aj_lp_parse(buf, o, AJ_LP_NS, 0, &cb, NULL), AJ_OK);
        rounds++;
    } while (now_s() - t0 < 0.5);
    double dt = now_s() - t0;
    printf("line protocol speed: %.1f million fields/s, %.0f MB/s (%d rounds of %d lines, 4 fields each)\n",
           (double)n_fields / dt / 1e6, (double)o * rounds / dt / 1e6, rounds, n_lines);
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_huge_lines),
        cmocka_unit_test(test_many_tags_and_fields),
        cmocka_unit_test(test_tag_key_mapping),
        cmocka_unit_test(test_precision_parse),
        cmocka_unit_test(test_callbacks_and_codes),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests_name("lineproto", tests, NULL, NULL);
}
