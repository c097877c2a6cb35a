/* test_rules.c — conformance of the failure-mode rule language (src/reason/rules*.c,
 * docs/rules.md).
 *
 * The core is two tables. Valid snippets are parsed and the set rendered as text, one
 * line per mode, signal, evidence, action and reference, with every field (defaults
 * included), and compared with the expected rendering:
 *
 *     mode ID @L:C asset TEMPLATE|zone PRIORITY prior= warn= diagnose= corroborate= load= ttf=
 *       name "EN" zh "ZH"
 *       signal ID @L:C role=ROLE | kind=KIND [gas=GAS] [optional]
 *       evidence ID @L:C TERM(ARGS) [CMP THRESHOLD] [for=Ns] lr=LR
 *       action "EN" [zh "ZH"]
 *       reference "TEXT"
 *
 * where ARGS name signals and evidence as id#index, windows in seconds. Invalid snippets
 * name the exact first error "LINE:COLUMN: message". Then come multi-error recovery, the
 * limits, aj_rules_merge, hostile bytes, the role table and a replay of the fuzz corpus
 * (tests/fuzz/corpus/rules/, where fuzzing finds are kept).
 */
#include "plant/vocab.h"
#include "reason/rules.h"
#include "reason/rules_vocab.h"

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- rendering ------------------------------------------------------------------------ */

typedef struct render {
    char buf[64 * 1024];
    size_t len;
} render;

static void out(render *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->len, sizeof r->buf - r->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && r->len + (size_t)n < sizeof r->buf);
    r->len += (size_t)n;
}

/* Integral values without exponent, else the shortest %g form that reads back as v. */
static const char *num(double v, char buf[40]) {
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, 40, "%.0f", v);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, 40, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

static const char *const CMP_NAMES[] = {">", ">=", "<", "<="};

static void render_evidence(render *r, const aj_rule_mode *m, const aj_rule_evidence *e) {
    char b1[40], b2[40];
    out(r, "  evidence %s @%d:%d %s(", e->id, e->pos.line, e->pos.column, aj_rule_term_name(e->term));
    if (e->term <= AJ_RT_SLOPE) {
        assert_int_equal(e->n_refs, 0);
        out(r, "%s#%d", m->signals[e->signal].id, e->signal);
    } else {
        assert_int_equal(e->signal, -1);
    }
    if (e->term == AJ_RT_WITHIN) out(r, "%ss:", num((double)e->span_ns / 1e9, b1));
    for (int k = 0; k < e->n_refs; k++)
        out(r, "%s%s#%d", k || e->term == AJ_RT_WITHIN ? (k ? ", " : " ") : "", m->evidence[e->refs[k]].id,
            e->refs[k]);
    if (e->term == AJ_RT_SLOPE || e->term == AJ_RT_COUNT || e->term == AJ_RT_BEFORE)
        out(r, ", %ss", num((double)e->span_ns / 1e9, b1));
    if (e->term != AJ_RT_SLOPE && e->term != AJ_RT_COUNT && e->term != AJ_RT_WITHIN &&
        e->term != AJ_RT_BEFORE)
        assert_true(e->span_ns == 0);
    out(r, ")");
    if (e->has_cmp) out(r, " %s %s", CMP_NAMES[e->cmp], num(e->threshold, b1));
    if (e->for_ns) out(r, " for=%ss", num((double)e->for_ns / 1e9, b2));
    out(r, " lr=%s\n", num(e->lr, b1));
}

static void render_mode(render *r, const aj_rule_mode *m) {
    char b1[40], b2[40], b3[40], b4[40];
    out(r, "mode %s @%d:%d ", m->id, m->pos.line, m->pos.column);
    if (m->scope == AJ_RULE_ON_ASSET)
        out(r, "asset %s", m->template_name);
    else
        out(r, "zone");
    out(r, " %s prior=%s warn=%s diagnose=%s corroborate=%d load=%s", aj_rule_priority_name(m->priority),
        num(m->prior, b1), num(m->warn_at, b2), num(m->diagnose_at, b3), m->corroborate,
        m->load_signal >= 0 ? m->signals[m->load_signal].id : "-");
    if (m->load_lag_ns) out(r, " lag=%llds", (long long)(m->load_lag_ns / 1000000000LL));
    if (m->ttf_signal >= 0)
        out(r, " ttf=%s:%s:%s\n", m->signals[m->ttf_signal].id, m->ttf_is_deviation ? "deviation" : "level",
            num(m->ttf_value, b4));
    else
        out(r, " ttf=-\n");
    out(r, "  name \"%s\" zh \"%s\"\n", m->name.en, m->name.zh);
    for (int i = 0; i < m->n_signals; i++) {
        const aj_rule_signal *s = &m->signals[i];
        out(r, "  signal %s @%d:%d", s->id, s->pos.line, s->pos.column);
        if (s->role) out(r, " role=%s", s->role);
        if (s->kind) out(r, " kind=%s", s->kind);
        if (s->gas) out(r, " gas=%s", s->gas);
        out(r, "%s\n", s->is_optional ? " optional" : "");
    }
    for (int i = 0; i < m->n_evidence; i++) render_evidence(r, m, &m->evidence[i]);
    for (int i = 0; i < m->n_actions; i++) {
        out(r, "  action \"%s\"", m->actions[i].en);
        if (m->actions[i].zh) out(r, " zh \"%s\"", m->actions[i].zh);
        out(r, "\n");
    }
    if (m->reference) out(r, "  reference \"%s\"\n", m->reference);
}

/* Parses text; on success renders the set into r and returns NULL, else the first error
 * as "L:C: message" (in a static buffer). */
static const char *parse_render(const char *text, size_t len, render *r) {
    static char first[300];
    aj_rules *set = NULL;
    aj_rules_errors errs;
    aj_err e = aj_rules_parse(text, len, &set, &errs);
    r->len = 0;
    r->buf[0] = 0;
    if (e != AJ_OK) {
        assert_null(set);
        assert_true(errs.n >= 1);
        snprintf(first, sizeof first, "%d:%d: %s", errs.items[0].pos.line, errs.items[0].pos.column,
                 errs.items[0].message);
        return first;
    }
    assert_int_equal(errs.n, 0);
    assert_true(aj_rules_ok(set));
    for (int i = 0; i < set->n_modes; i++) render_mode(r, &set->modes[i]);
    aj_rules_free(set);
    return NULL;
}

/* ---- the valid table -------------------------------------------------------------------- */

/* Lines 1-5 of most cases: a mode on a pump with one signal. */
#define HEAD                                                                                                 \
    "mode m\n"                                                                                               \
    "  name \"N\" zh \"Z\"\n"                                                                                \
    "  on asset centrifugal_pump\n"                                                                          \
    "  priority high\n"                                                                                      \
    "  signal t = seal_temp\n"
#define HEAD_OUT                                                                                             \
    "  name \"N\" zh \"Z\"\n"                                                                                \
    "  signal t @5:10 role=seal_temp\n"
#define MODE_OUT(corr)                                                                                       \
    "mode m @1:6 asset centrifugal_pump high prior=0.01 warn=0.5 diagnose=0.9 corroborate=" corr

typedef struct valid_case {
    const char *text;
    const char *expected;
} valid_case;

static const valid_case VALID[] = {
    /* the minimal mode, and every default */
    {HEAD "  evidence e: level(t) > 80 lr 5\nend\n",
     MODE_OUT("1") " load=- ttf=-\n" HEAD_OUT "  evidence e @6:12 level(t#0) > 80 lr=5\n"},
    /* no final newline, comments, blank lines, tabs, CRLF */
    {"# a comment\n\nmode m # the id\r\n\tname \"N # not a comment\" zh \"Z\"\r\n  on asset "
     "centrifugal_pump\n"
     "  priority high\n  signal t = seal_temp\n  evidence e: level(t) > 80 lr 5\nend",
     "mode m @3:6 asset centrifugal_pump high prior=0.01 warn=0.5 diagnose=0.9 corroborate=1 load=- ttf=-\n"
     "  name \"N # not a comment\" zh \"Z\"\n  signal t @7:10 role=seal_temp\n"
     "  evidence e @8:12 level(t#0) > 80 lr=5\n"},
    /* every comparison, every signal term, negative and fractional numbers */
    {HEAD "  signal v = vib_2x\n"
          "  evidence a: level(t) > -1.5 lr 2\n"
          "  evidence b: deviation(t) >= 6 lr 12\n"
          "  evidence c: ratio(v) < 2.5e0 lr 0.5\n"
          "  evidence d: relative(t) <= -15% lr 2\n"
          "  evidence f: slope(t, 30m) > 3 lr 3\n"
          "  evidence g: level(v)>1e-3 for 90s lr 1e1\n"
          "end\n",
     MODE_OUT("2") " load=- ttf=-\n" HEAD_OUT "  signal v @6:10 role=vib_2x\n"
                   "  evidence a @7:12 level(t#0) > -1.5 lr=2\n"
                   "  evidence b @8:12 deviation(t#0) >= 6 lr=12\n"
                   "  evidence c @9:12 ratio(v#1) < 2.5 lr=0.5\n"
                   "  evidence d @10:12 relative(t#0) <= -15 lr=2\n"
                   "  evidence f @11:12 slope(t#0, 1800s) > 3 lr=3\n"
                   "  evidence g @12:12 level(v#1) > 0.001 for=90s lr=10\n"},
    /* the evidence terms, durations in every unit */
    {HEAD "  evidence a: level(t) > 1 for 5m lr 2\n"
          "  evidence b: deviation(t) > 1 for 1.5h lr 2\n"
          "  evidence c: count(a, 2h) >= 3 lr 2\n"
          "  evidence d: within(30s: a, b, c) lr 4\n"
          "  evidence f: before(b, a, 2d) lr 1.5\n"
          "  evidence g: count(d, 7d) < 0 for 1s lr 2\n"
          "end\n",
     MODE_OUT("1") " load=- ttf=-\n" HEAD_OUT "  evidence a @6:12 level(t#0) > 1 for=300s lr=2\n"
                   "  evidence b @7:12 deviation(t#0) > 1 for=5400s lr=2\n"
                   "  evidence c @8:12 count(a#0, 7200s) >= 3 lr=2\n"
                   "  evidence d @9:12 within(30s: a#0, b#1, c#2) lr=4\n"
                   "  evidence f @10:12 before(b#1, a#0, 172800s) lr=1.5\n"
                   "  evidence g @11:12 count(d#3, 604800s) < 0 for=1s lr=2\n"},
    /* within() with the most evidence */
    {HEAD
     "  evidence a: level(t) > 1 lr 2\n  evidence b: level(t) > 2 lr 2\n  evidence c: level(t) > 3 lr 2\n"
     "  evidence d: level(t) > 4 lr 2\n  evidence f: level(t) > 5 lr 2\n  evidence g: level(t) > 6 lr 2\n"
     "  evidence h: level(t) > 7 lr 2\n  evidence i: level(t) > 8 lr 2\n"
     "  evidence all: within(1h: a, b, c, d, f, g, h, i) lr 9\nend\n",
     MODE_OUT("1") " load=- ttf=-\n" HEAD_OUT "  evidence a @6:12 level(t#0) > 1 lr=2\n"
                   "  evidence b @7:12 level(t#0) > 2 lr=2\n  evidence c @8:12 level(t#0) > 3 lr=2\n"
                   "  evidence d @9:12 level(t#0) > 4 lr=2\n  evidence f @10:12 level(t#0) > 5 lr=2\n"
                   "  evidence g @11:12 level(t#0) > 6 lr=2\n  evidence h @12:12 level(t#0) > 7 lr=2\n"
                   "  evidence i @13:12 level(t#0) > 8 lr=2\n"
                   "  evidence all @14:12 within(3600s: a#0, b#1, c#2, d#3, f#4, g#5, h#6, i#7) lr=9\n"},
    /* every optional statement; statements in another order; signals after their use */
    {"mode pump_seal_failure\n"
     "  evidence hot: deviation(seal) > 6 for 5m lr 12\n"
     "  ttf seal level 95.5\n"
     "  corroborate 3\n"
     "  load cur lag 30m\n"
     "  action \"Start the standby pump\" zh \"启动备用泵\"\n"
     "  action \"Inspect the seal\"\n"
     "  reference \"SOP-PUMP-07 \\\"seal\\\" \\\\ A\\nB\"\n"
     "  diagnose 0.95\n"
     "  warn 0.6\n"
     "  prior 0.001\n"
     "  priority emergency\n"
     "  on asset centrifugal_pump\n"
     "  name \"Seal failure\" zh \"机械密封失效\"\n"
     "  signal seal = seal_temp\n"
     "  signal vib = vib_2x optional\n"
     "  signal cur = motor_current optional\n"
     "end\n",
     "mode pump_seal_failure @1:6 asset centrifugal_pump emergency prior=0.001 warn=0.6 diagnose=0.95 "
     "corroborate=3 load=cur lag=1800s ttf=seal:level:95.5\n"
     "  name \"Seal failure\" zh \"机械密封失效\"\n"
     "  signal seal @15:10 role=seal_temp\n"
     "  signal vib @16:10 role=vib_2x optional\n"
     "  signal cur @17:10 role=motor_current optional\n"
     "  evidence hot @2:12 deviation(seal#0) > 6 for=300s lr=12\n"
     "  action \"Start the standby pump\" zh \"启动备用泵\"\n"
     "  action \"Inspect the seal\"\n"
     "  reference \"SOP-PUMP-07 \"seal\" \\ A\nB\"\n"},
    /* zone modes: kind, gas, optional; ttf as deviation; two modes in a file */
    {"mode toxic\n  name \"Toxic release\" zh \"有毒气体释放\"\n  on zone\n  priority medium\n"
     "  signal h2s = kind gas_toxic_ppm gas H2S\n  signal ch4 = kind gas_combustible_lel gas methane "
     "optional\n"
     "  signal o2 = kind oxygen_pct optional\n"
     "  evidence a: level(h2s) > 10 for 30s lr 50\n  ttf h2s deviation -2\nend\n"
     "mode other\n  name \"O\" zh \"乙\"\n  on asset valve\n  priority low\n  signal p = position\n"
     "  evidence x: ratio(p) > 0.1 lr 2\nend\n",
     "mode toxic @1:6 zone medium prior=0.01 warn=0.5 diagnose=0.9 corroborate=2 load=- "
     "ttf=h2s:deviation:-2\n"
     "  name \"Toxic release\" zh \"有毒气体释放\"\n"
     "  signal h2s @5:10 kind=gas_toxic_ppm gas=H2S\n"
     "  signal ch4 @6:10 kind=gas_combustible_lel gas=methane optional\n"
     "  signal o2 @7:10 kind=oxygen_pct optional\n"
     "  evidence a @8:12 level(h2s#0) > 10 for=30s lr=50\n"
     "mode other @11:6 asset valve low prior=0.01 warn=0.5 diagnose=0.9 corroborate=1 load=- ttf=-\n"
     "  name \"O\" zh \"乙\"\n  signal p @15:10 role=position\n  evidence x @16:12 ratio(p#0) > 0.1 lr=2\n"},
    /* a UTF-8 byte order mark; keywords are not reserved as ids */
    {"\xEF\xBB\xBFmode end\n  name \"N\" zh \"Z\"\n  on asset motor\n  priority low\n  signal level = "
     "current\n"
     "  signal mode = winding_temp\n  evidence lr: level(level) > 1 lr 2\n  evidence for: level(mode) > 1 "
     "for 1m lr 3\n"
     "  load mode\nend\n",
     "mode end @1:9 asset motor low prior=0.01 warn=0.5 diagnose=0.9 corroborate=2 load=mode ttf=-\n"
     "  name \"N\" zh \"Z\"\n  signal level @5:10 role=current\n  signal mode @6:10 role=winding_temp\n"
     "  evidence lr @7:12 level(level#0) > 1 lr=2\n  evidence for @8:12 level(mode#1) > 1 for=60s lr=3\n"},
};

static void test_valid(void **state) {
    render *r = malloc(sizeof *r);
    assert_non_null(r);
    for (size_t i = 0; i < sizeof VALID / sizeof VALID[0]; i++) {
        const char *err = parse_render(VALID[i].text, strlen(VALID[i].text), r);
        if (err || strcmp(r->buf, VALID[i].expected)) {
            fprintf(stderr, "valid case %zu:\n%s\n--- expected:\n%s--- got:\n%s\n", i, VALID[i].text,
                    VALID[i].expected, err ? err : r->buf);
            fail();
        }
    }
    free(r);
}

/* ---- the invalid table ------------------------------------------------------------------ */

#define EV "  evidence e: level(t) > 1 lr 2\n"

typedef struct invalid_case {
    const char *text;
    const char *first_error;
} invalid_case;

static const invalid_case INVALID[] = {
    /* file structure */
    {"name \"N\" zh \"Z\"\n", "1:1: \"name\" outside a mode (a mode starts with \"mode ID\")"},
    {"end\n", "1:1: \"end\" outside a mode (a mode starts with \"mode ID\")"},
    {HEAD EV "mode n\n", "7:1: \"mode\" inside mode \"m\" (its \"end\" is missing)"},
    {HEAD EV "  mode n\n", "7:3: \"mode\" inside mode \"m\" (its \"end\" is missing)"},
    {HEAD "  mode n\n", "1:1: mode \"m\" has no \"evidence\" statement"},
    {HEAD EV "end\n" HEAD EV "end\n", "8:6: duplicate mode \"m\" (first at line 1)"},
    {"mode\n", "1:5: expected the mode's id, found end of line"},
    {"mode 1x\n", "1:7: unknown unit \"x\" after a number (a duration ends in s, m, h or d)"},
    {"mode m n\n", "1:8: unexpected \"n\" after the \"mode\" statement"},
    {HEAD EV "end now\n", "7:5: unexpected \"now\" after the \"end\" statement"},
    {HEAD "  nme \"N\"\n" EV "end\n", "6:3: unknown statement \"nme\""},
    {HEAD "  (\n", "6:3: expected a statement, found \"(\""},
    {HEAD "  42\n", "6:3: expected a statement, found number 42"},
    {HEAD "  priority low\n" EV "end\n", "6:3: duplicate statement \"priority\" (first at line 4)"},
    /* missing statements: at "end", or at "mode" when there is no end */
    {"mode m\n  name \"N\" zh \"Z\"\n  priority high\n  signal t = seal_temp\n" EV "end\n",
     "6:1: mode \"m\" has no \"on\" statement"},
    {"mode m\n  on zone\n  priority high\n  signal t = kind level\n" EV "end\n",
     "6:1: mode \"m\" has no \"name\" statement"},
    {"mode m\n  name \"N\" zh \"Z\"\n  on zone\n  signal t = kind level\n" EV "end\n",
     "6:1: mode \"m\" has no \"priority\" statement"},
    {"mode m\n  name \"N\" zh \"Z\"\n  on zone\n  priority low\n",
     "5:1: mode \"m\" has no \"signal\" statement"},
    {HEAD "end\n", "6:1: mode \"m\" has no \"evidence\" statement"},
    /* name, on, priority, prior */
    {"mode m\n  name \"N\"\n",
     "2:11: expected \"zh\" and the Chinese name (name \"EN\" zh \"ZH\"), found end of line"},
    {"mode m\n  name N zh \"Z\"\n", "2:8: expected the English name in quotes, found \"N\""},
    {"mode m\n  name \"N\" zh Z\n", "2:15: expected the Chinese name in quotes, found \"Z\""},
    {"mode m\n  on asset centrifugal_pum\n",
     "2:12: unknown template \"centrifugal_pum\" (expected one of centrifugal_pump, compressor, "
     "storage_tank, "
     "reactor, heat_exchanger, pipe_rack, motor, loading_arm, gas_detector_group, valve)"},
    {"mode m\n  on site\n", "2:6: expected \"asset\" or \"zone\", found \"site\""},
    {"mode m\n  on asset\n", "2:11: expected an asset template, found end of line"},
    {"mode m\n  on zone pump\n", "2:11: unexpected \"pump\" after the \"on\" statement"},
    {"mode m\n  priority urgent\n",
     "2:12: unknown priority \"urgent\" (expected emergency, high, medium or low)"},
    {"mode m\n  prior 0\n", "2:9: prior must be > 0 and < 1, found 0"},
    {"mode m\n  prior 1\n", "2:9: prior must be > 0 and < 1, found 1"},
    {"mode m\n  prior 5%\n", "2:9: expected a probability after \"prior\", found percentage 5%"},
    {"mode m\n  prior\n", "2:8: expected a probability after \"prior\", found end of line"},
    /* signals */
    {HEAD "  signal t = vib_2x\n", "6:10: duplicate signal \"t\" (first at line 5)"},
    {HEAD "  signal v vib_2x\n", "6:12: expected \"=\", found \"vib_2x\""},
    {HEAD "  signal v = \"vib_2x\"\n",
     "6:14: expected a signal role (or, on zone, \"kind\"), found a string"},
    {HEAD "  signal v = vib_2x optinal\n", "6:21: unexpected \"optinal\" after the \"signal\" statement"},
    {HEAD "  signal v = vib2x\n" EV "end\n",
     "6:14: unknown role \"vib2x\" of template centrifugal_pump (expected one of seal_temp, vib_1x, vib_2x, "
     "vib_3x, ir_max, motor_current, discharge_pressure, suction_pressure, flow, bearing_temp)"},
    {HEAD "  signal v = kind temperature\n" EV "end\n",
     "6:14: \"kind\" is only allowed in a mode \"on zone\" (on asset, name a signal role of "
     "centrifugal_pump)"},
    {"mode z\n  name \"N\" zh \"Z\"\n  on zone\n  priority low\n  signal t = temperature\n" EV "end\n",
     "5:14: a signal of a mode \"on zone\" is \"kind KIND [gas GAS]\", found role \"temperature\""},
    {"mode z\n  signal t = kind temp\n",
     "2:19: unknown kind \"temp\" (expected one of temperature, pressure, differential_pressure, flow, "
     "level, "
     "vibration, gas_combustible_lel, gas_toxic_ppm, oxygen_pct, ir_temperature, current, voltage, ...)"},
    {"mode z\n  signal t = kind temperature gas H2S\n",
     "2:31: \"gas\" is only allowed with kind gas_combustible_lel or gas_toxic_ppm"},
    {"mode z\n  signal t = kind gas_toxic_ppm gas\n",
     "2:36: expected the gas (e.g. H2S, methane), found end of line"},
    {"mode z\n  signal t = kind gas_toxic_ppm gas \"H2S\"\n",
     "2:37: expected the gas (e.g. H2S, methane), found a string"},
    /* load, ttf */
    {HEAD "  load x\n" EV "end\n", "6:8: unknown signal \"x\" in \"load\""},
    {HEAD "  load t lag\n" EV "end\n",
     "6:13: expected the load's lag (a duration such as 30s, 5m, 1h or 2d), found end of line"},
    {HEAD "  load t lag 0s\n" EV "end\n", "6:14: duration 0s is not positive"},
    {HEAD "  load t lag 30\n" EV "end\n",
     "6:14: expected the load's lag (a duration such as 30s, 5m, 1h or 2d), found number 30"},
    {HEAD "  load\n", "6:7: expected a signal id, found end of line"},
    {HEAD "  load t\n  load t\n", "7:3: duplicate statement \"load\" (first at line 6)"},
    {HEAD "  ttf t deviaton 3\n", "6:9: expected \"deviation\" or \"level\", found \"deviaton\""},
    {HEAD "  ttf t level\n", "6:14: expected the value at which the signal fails, found end of line"},
    {HEAD "  ttf x level 3\n" EV "end\n", "6:7: unknown signal \"x\" in \"ttf\""},
    /* evidence: structure */
    {HEAD "  evidence e level(t) > 1 lr 2\n",
     "6:14: expected \":\" after the evidence's id, found \"level\""},
    {HEAD "  evidence : level(t) > 1 lr 2\n", "6:12: expected the evidence's id, found \":\""},
    {HEAD "  evidence e: levl(t) > 1 lr 2\n", "6:15: unknown term \"levl\" (expected level, deviation, "
                                              "relative, ratio, slope, count, within or before)"},
    {HEAD "  evidence e: level t > 1 lr 2\n", "6:21: expected \"(\", found \"t\""},
    {HEAD "  evidence e: level(t > 1 lr 2\n", "6:23: expected \")\", found \">\""},
    {HEAD "  evidence e: level(t) 1 lr 2\n", "6:24: expected a comparison (>, >=, <, <=), found number 1"},
    {HEAD "  evidence e: level(t) = 1 lr 2\n", "6:24: expected a comparison (>, >=, <, <=), found \"=\""},
    {HEAD "  evidence e: level(t) > lr 2\n", "6:26: expected a number, found \"lr\""},
    {HEAD "  evidence e: level(t) > 1\n", "6:27: expected \"for\" or \"lr\", found end of line"},
    {HEAD "  evidence e: level(t) > 1 lr\n", "6:30: expected the likelihood ratio, found end of line"},
    {HEAD "  evidence e: level(t) > 1 lr 0\n", "6:31: lr must be > 0, found 0"},
    {HEAD "  evidence e: level(t) > 1 lr -2\n", "6:31: lr must be > 0, found -2"},
    {HEAD "  evidence e: level(t) > 1 lr 2 extra\n",
     "6:33: unexpected \"extra\" after the \"evidence\" statement"},
    {HEAD "  evidence t: level(t) > 1 lr 2\n", "6:12: evidence \"t\" has the id of a signal (line 5)"},
    {HEAD EV "  evidence e: level(t) > 2 lr 2\n", "7:12: duplicate evidence \"e\" (first at line 6)"},
    {HEAD EV "  signal e = vib_1x\n", "7:10: signal \"e\" has the id of an evidence (line 6)"},
    /* evidence: signal terms */
    {HEAD "  evidence e: deviation(seal_tmp) > 6 lr 2\nend\n",
     "6:25: unknown signal \"seal_tmp\" in deviation()"},
    {HEAD EV "  evidence f: level(e) > 6 lr 2\nend\n", "7:21: \"e\" is an evidence; level() takes a signal"},
    {HEAD "  evidence e: relative(t) > 15 lr 2\n",
     "6:29: expected a percentage such as 15% after relative(), found number 15"},
    {HEAD "  evidence e: level(t) > 15% lr 2\n", "6:26: a percentage is only allowed after relative()"},
    {HEAD "  evidence e: ratio(t) > 0 lr 2\n", "6:26: the ratio() threshold must be > 0, found 0"},
    {HEAD "  evidence e: ratio(t) > -1 lr 2\n", "6:26: the ratio() threshold must be > 0, found -1"},
    {HEAD "  evidence e: slope(t) > 1 lr 2\n", "6:22: expected \",\", found \")\""},
    {HEAD "  evidence e: slope(t, 30) > 1 lr 2\n",
     "6:24: expected the window (a duration such as 30s, 5m, 1h or 2d), found number 30"},
    {HEAD "  evidence e: slope(t, 0m) > 1 lr 2\n", "6:24: duration 0m is not positive"},
    {HEAD "  evidence e: slope(t, -1m) > 1 lr 2\n", "6:24: duration -1m is not positive"},
    {HEAD "  evidence e: slope(t, 169h) > 1 lr 2\n", "6:24: duration 169h is longer than 7d"},
    {HEAD "  evidence e: level(t) > 1 for 7.01d lr 2\n", "6:32: duration 7.01d is longer than 7d"},
    {HEAD "  evidence e: level(t) > 1 for lr 2\n",
     "6:32: expected how long the condition must hold (a duration such as 30s, 5m, 1h or 2d), found \"lr\""},
    {HEAD "  evidence e: level(t) > 1 for 5ms lr 2\n",
     "6:33: unknown unit \"ms\" after a number (a duration ends in s, m, h or d)"},
    {HEAD "  evidence e: level(t) > 1 for 5m for 5m lr 2\n",
     "6:35: expected \"lr\" and the likelihood ratio, found \"for\""},
    /* evidence: evidence terms */
    {HEAD "  evidence e: count(f, 1h) > 1 lr 2\n  evidence f: level(t) > 1 lr 2\nend\n",
     "6:21: evidence \"f\" is used before it is defined"},
    {HEAD "  evidence e: count(e, 1h) > 1 lr 2\nend\n", "6:21: evidence \"e\" refers to itself"},
    {HEAD "  evidence e: count(x, 1h) > 1 lr 2\nend\n", "6:21: unknown evidence \"x\" in count()"},
    {HEAD "  evidence e: count(t, 1h) > 1 lr 2\nend\n", "6:21: \"t\" is a signal; count() takes evidence"},
    {HEAD EV "  evidence f: count(e, 1h) > 1.5 lr 2\n",
     "7:30: the count() threshold must be a whole number from 0 to 8, found 1.5"},
    {HEAD EV "  evidence f: count(e, 1h) > -1 lr 2\n",
     "7:30: the count() threshold must be a whole number from 0 to 8, found -1"},
    {HEAD EV "  evidence f: count(e, 1h) > 9 lr 2\n",
     "7:30: the count() threshold must be a whole number from 0 to 8, found 9"},
    {HEAD EV "  evidence f: within(1h: e) lr 2\n", "7:27: within() needs at least 2 evidence"},
    {HEAD EV "  evidence f: within(1h e, e) lr 2\n", "7:25: expected \":\" after the window, found \"e\""},
    {HEAD EV "  evidence f: within(e, e) lr 2\n",
     "7:22: expected the window (a duration such as 30s, 5m, 1h or 2d), found \"e\""},
    {HEAD EV "  evidence f: within(1h: e, e) > 1 lr 2\n", "7:32: within() takes no comparison"},
    {HEAD EV "  evidence f: within(1h: e, e) for 1m lr 2\n", "7:32: \"for\" is not allowed after within()"},
    {HEAD EV "  evidence f: within(1h: e, e, e, e, e, e, e, e, e) lr 2\n",
     "7:50: within() takes at most 8 evidence"},
    {HEAD EV "  evidence f: within(1h: e, g) lr 2\n  evidence g: level(t) > 1 lr 2\nend\n",
     "7:29: evidence \"g\" is used before it is defined"},
    {HEAD EV "  evidence f: before(e, e, 1h) lr 2\n", "7:25: before() needs two different evidence"},
    {HEAD EV "  evidence f: before(e, 1h) lr 2\n", "7:25: expected an evidence id, found duration 1h"},
    {HEAD EV "  evidence f: before(e, e2, 1h) < 1 lr 2\n", "7:33: before() takes no comparison"},
    {HEAD EV "  evidence f: before(e, e2, 1h) for 1m lr 2\n", "7:33: \"for\" is not allowed after before()"},
    /* warn, diagnose, corroborate */
    {HEAD EV "  warn 0.95\nend\n", "7:3: warn (0.95) must be below diagnose (0.9)"},
    {HEAD EV "  diagnose 0.4\nend\n", "7:3: warn (0.5) must be below diagnose (0.4)"},
    {HEAD EV "  diagnose 0.6\n  warn 0.7\nend\n", "8:3: warn (0.7) must be below diagnose (0.6)"},
    {HEAD EV "  warn 0.6\n  diagnose 0.6\nend\n", "8:3: warn (0.6) must be below diagnose (0.6)"},
    {HEAD EV "  warn 1\n", "7:8: warn must be > 0 and < 1, found 1"},
    {HEAD EV "  diagnose 0\n", "7:12: diagnose must be > 0 and < 1, found 0"},
    {HEAD EV "  corroborate 2\nend\n", "7:15: corroborate 2 is more than the 1 signal of the mode"},
    {HEAD EV "  corroborate 0\n", "7:15: corroborate must be a whole number from 1 to 16, found 0"},
    {HEAD EV "  corroborate 1.5\n", "7:15: corroborate must be a whole number from 1 to 16, found 1.5"},
    /* action, reference */
    {HEAD EV "  action\n", "7:9: expected the action's text in quotes, found end of line"},
    {HEAD EV "  action \"A\" zh\n", "7:16: expected the Chinese text in quotes, found end of line"},
    {HEAD EV "  action \"A\" en \"B\"\n", "7:14: unexpected \"en\" after the \"action\" statement"},
    {HEAD EV "  reference \"A\"\n  reference \"B\"\n",
     "8:3: duplicate statement \"reference\" (first at line 7)"},
    /* tokens */
    {"mode m\n  name \"N\" zh \"Z\x01\"\n", "2:17: control character 0x01 in a string"},
    {"mode m\n  name \"N\" zh \"Z\x7F\"\n", "2:17: control character 0x7F in a string"},
    {"mode m\n  name \"N\" zh \"Z\xE6\xB8\"\n", "2:17: invalid UTF-8 in a string (byte 0xE6)"},
    {"mode m\n  name \"N\" zh \"\xC0\x80\"\n", "2:16: invalid UTF-8 in a string (byte 0xC0)"},
    {"mode m\n  name \"N\" zh \"\xED\xA0\x80\"\n", "2:16: invalid UTF-8 in a string (byte 0xED)"},
    {"mode m\n  name \"N\" zh \"\xF4\x90\x80\x80\"\n", "2:16: invalid UTF-8 in a string (byte 0xF4)"},
    {"mode m\n  name \"N\" zh \"Z\n", "2:15: unterminated string (a string ends on its line with \")"},
    {"mode m\n  name \"N\" zh \"Z\\t\"\n", "2:17: invalid escape \"\\t\" (only \\\", \\\\ and \\n)"},
    {"mode m\n  name \"N\" zh \"Z\\\xE6\"\n",
     "2:17: invalid escape: backslash before byte 0xE6 (only \\\", \\\\ and \\n)"},
    {"mode m\n  name \"N\" zh \"\"\n", "2:15: empty string"},
    {"mode m\n  name \"N\" zh \xE6\xB1\x89\n",
     "2:15: unexpected byte 0xE6 (text other than ASCII belongs in a string)"},
    {"mode m\n  prior 0.5!\n", "2:12: unexpected character \"!\""},
    {"mode m\n  prior -.5\n", "2:9: unexpected character \"-\""},
    {"mode m\n  prior .5\n", "2:9: unexpected character \".\""},
    {"mode m\n  prior 0.\n", "2:11: a digit must follow the decimal point"},
    {"mode m\n  prior 0.5.1\n", "2:12: unexpected \".\" after a number"},
    {"mode m\n  prior 1e999\n", "2:9: number out of range: 1e999"},
    {"mode m\n  prior 5e\n", "2:10: unknown unit \"e\" after a number (a duration ends in s, m, h or d)"},
    {"mode m\n  prior 0.5\x00\n", "2:12: unexpected control character 0x00"},
    {"mode m\n\x00\n", "2:1: unexpected control character 0x00"},
    {"mode m\n  prior 0.5 >== 1\n", "2:13: unexpected \">=\" after the \"prior\" statement"},
};

/* Cases parsed exactly as written (an "end" would change them). */
static const invalid_case INVALID_AS_IS[] = {
    {"", "1:1: no mode in the file"},
    {"# only a comment\n\n", "1:1: no mode in the file"},
    {HEAD EV, "1:1: mode \"m\" has no \"end\""},
    {"mode m\n  on zone\n", "1:1: mode \"m\" has no \"end\""},
    {"mode m\n  name \"N\" zh \"Z\\", "1:1: mode \"m\" has no \"end\""},
};

/* Parses case c (with "end\n" appended unless is_as_is) and compares its first error. */
static bool check_invalid(const invalid_case *c, bool is_as_is, render *r) {
    char text[2048];
    /* the texts with a NUL byte are measured up to their final newline */
    size_t len = strlen(c->text);
    if (strstr(c->first_error, "0x00")) len += strlen(c->text + len + 1) + 1;
    assert_true(len + 5 < sizeof text);
    memcpy(text, c->text, len);
    if (!is_as_is) memcpy(text + len, "end\n", 4), len += 4;
    const char *err = parse_render(text, len, r);
    if (!err || strcmp(err, c->first_error)) {
        fprintf(stderr, "invalid case:\n%.*s\n--- expected: %s\n--- got: %s\n", (int)len, text,
                c->first_error, err ? err : r->buf);
        return false;
    }
    return true;
}

static void test_invalid(void **state) {
    render *r = malloc(sizeof *r);
    assert_non_null(r);
    int n_failed = 0;
    for (size_t i = 0; i < sizeof INVALID / sizeof INVALID[0]; i++)
        n_failed += !check_invalid(&INVALID[i], false, r);
    for (size_t i = 0; i < sizeof INVALID_AS_IS / sizeof INVALID_AS_IS[0]; i++)
        n_failed += !check_invalid(&INVALID_AS_IS[i], true, r);
    free(r);
    assert_int_equal(n_failed, 0);
}

/* ---- errors: several, in file order, recovery, truncation ------------------------------------ */

/* All errors of text as "L:C: message\n" lines. */
static aj_err all_errors(const char *text, size_t len, char *buf, size_t size, aj_rules_errors *errs) {
    aj_rules *set = NULL;
    aj_err e = aj_rules_parse(text, len, &set, errs);
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < errs->n; i++)
        o += (size_t)snprintf(buf + o, size - o, "%d:%d: %s\n", errs->items[i].pos.line,
                              errs->items[i].pos.column, errs->items[i].message);
    assert_true(o < size);
    if (e == AJ_OK)
        assert_non_null(set);
    else
        assert_null(set);
    aj_rules_free(set);
    return e;
}

static void test_recovery(void **state) {
    static const char text[] = "mode a\n"                                  /* 1 */
                               "  name \"A\" zh \"甲\"\n"                  /* 2 */
                               "  on asset pump\n"                         /* 3: unknown template */
                               "  priority hi\n"                           /* 4: unknown priority */
                               "  signal s = seal_temp\n"                  /* 5: not checked (no template) */
                               "  evidence e1: level(s) > \"x\" lr 2\n"    /* 6: a string */
                               "  evidence e2: count(e1, 1h) > 1 lr 2\n"   /* 7: e1 is broken: no error */
                               "  evidence e3: level(x) > 1 lr 2\n"        /* 8: unknown signal, at end */
                               "  prior 2\n"                               /* 9 */
                               "  garbage ( ) \"\n"                        /* 10 */
                               "end\n"                                     /* 11 */
                               "mode b\n"                                  /* 12 */
                               "  name \"B\" zh \"乙\"\n"                  /* 13 */
                               "mode c\n"                                  /* 14: b has no end */
                               "  on zone\n"                               /* 15 */
                               "  priority low\n"                          /* 16 */
                               "  signal g = kind gas_toxic_ppm gas H2S\n" /* 17 */
                               "  evidence g1: level(g) > 5 lr 3\n";       /* 18: c has no end, no name */
    char buf[4096];
    aj_rules_errors errs;
    assert_int_equal(all_errors(text, sizeof text - 1, buf, sizeof buf, &errs), AJ_EINVAL);
    assert_string_equal(buf, "3:12: unknown template \"pump\" (expected one of centrifugal_pump, compressor, "
                             "storage_tank, reactor, heat_exchanger, pipe_rack, motor, loading_arm, "
                             "gas_detector_group, valve)\n"
                             "4:12: unknown priority \"hi\" (expected emergency, high, medium or low)\n"
                             "6:27: expected a number, found a string\n"
                             "8:22: unknown signal \"x\" in level()\n"
                             "9:9: prior must be > 0 and < 1, found 2\n"
                             "10:3: unknown statement \"garbage\"\n"
                             "12:1: mode \"b\" has no \"on\" statement\n"
                             "12:1: mode \"b\" has no \"priority\" statement\n"
                             "12:1: mode \"b\" has no \"signal\" statement\n"
                             "12:1: mode \"b\" has no \"evidence\" statement\n"
                             "14:1: \"mode\" inside mode \"b\" (its \"end\" is missing)\n"
                             "14:1: mode \"c\" has no \"end\"\n"
                             "14:1: mode \"c\" has no \"name\" statement\n");
    assert_false(errs.is_truncated);
}

static void test_error_limit(void **state) {
    /* 60 bad lines: 50 errors, then the parser stops */
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "mode m\n");
    for (int i = 0; i < 60; i++) o += (size_t)snprintf(text + o, sizeof text - o, "  bogus %d\n", i);
    aj_rules_errors errs;
    aj_rules *set = NULL;
    assert_int_equal(aj_rules_parse(text, o, &set, &errs), AJ_EINVAL);
    assert_null(set);
    assert_int_equal(errs.n, AJ_RULES_ERRORS_MAX);
    assert_true(errs.is_truncated);
    assert_int_equal(errs.items[0].pos.line, 2);
    assert_int_equal(errs.items[49].pos.line, 51);
    assert_string_equal(errs.items[49].message, "unknown statement \"bogus\"");
    /* exactly 50: not truncated */
    o = (size_t)snprintf(text, sizeof text, "mode m\n");
    for (int i = 0; i < 45; i++) o += (size_t)snprintf(text + o, sizeof text - o, "  bogus\n");
    o += (size_t)snprintf(text + o, sizeof text - o, "end\n");
    assert_int_equal(aj_rules_parse(text, o, &set, &errs), AJ_EINVAL);
    assert_int_equal(errs.n, 50); /* 45 + name, on, priority, signal, evidence missing */
    assert_false(errs.is_truncated);
    /* errs may be NULL */
    assert_int_equal(aj_rules_parse(text, o, &set, NULL), AJ_EINVAL);
    assert_null(set);
}

/* ---- limits --------------------------------------------------------------------------------- */

/* A mode on a pump with n_sig signals (all seal_temp), n_ev level() evidence on the first,
 * n_act actions; plus the extra lines. Returns the length. */
static size_t build_mode(char *buf, size_t size, int n_sig, int n_ev, int n_act, const char *extra) {
    size_t o = (size_t)snprintf(buf, size,
                                "mode m\n  name \"N\" zh \"Z\"\n  on asset centrifugal_pump\n"
                                "  priority high\n");
    for (int i = 0; i < n_sig; i++) o += (size_t)snprintf(buf + o, size - o, "  signal s%d = seal_temp\n", i);
    for (int i = 0; i < n_ev; i++)
        o += (size_t)snprintf(buf + o, size - o, "  evidence e%d: level(s0) > %d lr 2\n", i, i);
    for (int i = 0; i < n_act; i++) o += (size_t)snprintf(buf + o, size - o, "  action \"do %d\"\n", i);
    o += (size_t)snprintf(buf + o, size - o, "%send\n", extra);
    assert_true(o < size);
    return o;
}

static void expect_first(const char *text, size_t len, const char *first) {
    render *r = malloc(sizeof *r);
    assert_non_null(r);
    const char *err = parse_render(text, len, r);
    if (first) {
        assert_non_null(err);
        assert_string_equal(err, first);
    } else if (err) {
        fail_msg("unexpected error %s", err);
    }
    free(r);
}

static void test_limits_counts(void **state) {
    char buf[16384];
    size_t n;
    /* 16 signals, 24 evidence, 16 actions: fine */
    n = build_mode(buf, sizeof buf, AJ_RULE_SIGNALS_MAX, AJ_RULE_EVIDENCE_MAX, AJ_RULE_ACTIONS_MAX, "");
    expect_first(buf, n, NULL);
    n = build_mode(buf, sizeof buf, AJ_RULE_SIGNALS_MAX + 1, 1, 0, "");
    expect_first(buf, n, "21:3: too many signals (at most 16 in a mode)");
    n = build_mode(buf, sizeof buf, 1, AJ_RULE_EVIDENCE_MAX + 1, 0, "");
    expect_first(buf, n, "30:3: too many evidence (at most 24 in a mode)");
    n = build_mode(buf, sizeof buf, 1, 1, AJ_RULE_ACTIONS_MAX + 1, "");
    expect_first(buf, n, "23:3: too many actions (at most 16 in a mode)");
    /* corroborate up to the number of signals */
    n = build_mode(buf, sizeof buf, AJ_RULE_SIGNALS_MAX, 1, 0, "  corroborate 16\n");
    expect_first(buf, n, NULL);
}

static void test_limits_lengths(void **state) {
    char buf[4096], id[AJ_RULE_ID_MAX + 1], text[AJ_RULE_TEXT_MAX + 1];
    size_t n;
    /* ids of 47 bytes are fine, 48 are not */
    memset(id, 'a', sizeof id);
    id[AJ_RULE_ID_MAX - 1] = 0;
    n = (size_t)snprintf(buf, sizeof buf,
                         "mode %s\n  name \"N\" zh \"Z\"\n  on zone\n  priority low\n"
                         "  signal %s = kind level\n  evidence e: level(%s) > 1 lr 2\nend\n",
                         id, id, id);
    expect_first(buf, n, NULL);
    id[AJ_RULE_ID_MAX - 1] = 'a';
    id[AJ_RULE_ID_MAX] = 0;
    n = (size_t)snprintf(buf, sizeof buf, "mode %s\nend\n", id);
    expect_first(buf, n, "1:6: identifier too long (at most 47 bytes)");
    /* strings of 399 bytes (a 3-byte character at the end) are fine, 400 are not */
    memset(text, 'x', sizeof text);
    memcpy(text + AJ_RULE_TEXT_MAX - 4, "\xE6\xB0\xB4", 3);
    text[AJ_RULE_TEXT_MAX - 1] = 0;
    assert_int_equal(strlen(text), 399);
    n = build_mode(buf, sizeof buf, 1, 1, 0, "");
    char with[4096];
    size_t m = (size_t)snprintf(with, sizeof with, "  reference \"%s\"\n", text);
    n = build_mode(buf, sizeof buf, 1, 1, 0, with);
    expect_first(buf, n, NULL);
    memcpy(text + AJ_RULE_TEXT_MAX - 4, "x\xE6\xB0\xB4", 4);
    text[AJ_RULE_TEXT_MAX] = 0;
    m = (size_t)snprintf(with, sizeof with, "  reference \"%s\"\n", text);
    assert_true(m < sizeof with);
    n = build_mode(buf, sizeof buf, 1, 1, 0, with);
    expect_first(buf, n, "7:13: string too long (at most 399 bytes)");
    /* escapes count as the byte they stand for */
    char esc[2 * AJ_RULE_TEXT_MAX];
    size_t o = 0;
    for (int i = 0; i < AJ_RULE_TEXT_MAX - 1; i++) esc[o++] = '\\', esc[o++] = 'n';
    esc[o] = 0;
    m = (size_t)snprintf(with, sizeof with, "  reference \"%s\"\n", esc);
    n = build_mode(buf, sizeof buf, 1, 1, 0, with);
    expect_first(buf, n, NULL);
}

static void test_limits_file(void **state) {
    /* a file of exactly AJ_RULES_FILE_MAX bytes is read; one more byte is refused at 1:1 */
    size_t size = AJ_RULES_FILE_MAX + 1;
    char *big = malloc(size);
    assert_non_null(big);
    char head[512];
    size_t n = build_mode(head, sizeof head, 1, 1, 0, "");
    memcpy(big, head, n);
    memset(big + n, '\n', size - n);
    aj_rules *set = NULL;
    aj_rules_errors errs;
    assert_int_equal(aj_rules_parse(big, AJ_RULES_FILE_MAX, &set, &errs), AJ_OK);
    assert_int_equal(set->n_modes, 1);
    aj_rules_free(set);
    set = NULL;
    assert_int_equal(aj_rules_parse(big, size, &set, &errs), AJ_ETOOBIG);
    assert_null(set);
    assert_int_equal(errs.n, 1);
    assert_int_equal(errs.items[0].pos.line, 1);
    assert_int_equal(errs.items[0].pos.column, 1);
    assert_string_equal(errs.items[0].message, "file too big (at most 1048576 bytes)");
    /* a line of a megabyte: one error, nothing read out of bounds (ASan checks) */
    memcpy(big, "mode m\n  name \"", 15);
    memset(big + 15, 'x', AJ_RULES_FILE_MAX - 15);
    assert_int_equal(aj_rules_parse(big, AJ_RULES_FILE_MAX, &set, &errs), AJ_EINVAL);
    assert_int_equal(errs.items[errs.n - 1].pos.line, 2); /* after the missing "end" etc. at 1:1 */
    assert_int_equal(errs.items[errs.n - 1].pos.column, 8);
    assert_string_equal(errs.items[errs.n - 1].message, "string too long (at most 399 bytes)");
    memset(big, '(', AJ_RULES_FILE_MAX);
    assert_int_equal(aj_rules_parse(big, AJ_RULES_FILE_MAX, &set, &errs), AJ_EINVAL);
    assert_int_equal(errs.n, 1);
    /* 1 MiB of bytes 0..255 */
    for (size_t i = 0; i < AJ_RULES_FILE_MAX; i++) big[i] = (char)((i * 2654435761u) >> 13);
    assert_int_equal(aj_rules_parse(big, AJ_RULES_FILE_MAX, &set, &errs), AJ_EINVAL);
    assert_true(errs.n >= 1 && errs.n <= AJ_RULES_ERRORS_MAX);
    free(big);
}

static void test_limits_modes(void **state) {
    /* 256 modes are fine, the 257th is refused */
    size_t size = 300 * 200;
    char *buf = malloc(size);
    assert_non_null(buf);
    size_t o = 0;
    for (int i = 0; i <= AJ_RULES_MODES_MAX; i++)
        o += (size_t)snprintf(buf + o, size - o,
                              "mode m%d\nname \"N\" zh \"Z\"\non zone\npriority low\nsignal s = kind level\n"
                              "evidence e: level(s) > 1 lr 2\nend\n",
                              i);
    size_t len256 = 0; /* the first 256 modes, 7 lines each */
    for (int i = 0, lines = 0; lines < 7 * AJ_RULES_MODES_MAX; i++)
        if (buf[i] == '\n') lines++, len256 = (size_t)i + 1;
    aj_rules *set = NULL;
    aj_rules_errors errs;
    assert_int_equal(aj_rules_parse(buf, len256, &set, &errs), AJ_OK);
    assert_int_equal(set->n_modes, AJ_RULES_MODES_MAX);
    assert_true(aj_rules_ok(set));
    aj_rules_free(set);
    assert_int_equal(aj_rules_parse(buf, o, &set, &errs), AJ_EINVAL);
    assert_int_equal(errs.n, 1);
    assert_int_equal(errs.items[0].pos.line, 7 * AJ_RULES_MODES_MAX + 1);
    assert_string_equal(errs.items[0].message, "too many modes (at most 256 in a file)");
    free(buf);
}

/* ---- merge ------------------------------------------------------------------------------------ */

static aj_rules *parse_ok(const char *text) {
    aj_rules *set = NULL;
    aj_rules_errors errs;
    aj_err e = aj_rules_parse(text, strlen(text), &set, &errs);
    if (e) fail_msg("%d:%d: %s", errs.items[0].pos.line, errs.items[0].pos.column, errs.items[0].message);
    return set;
}

#define ZONE_MODE(id)                                                                                        \
    "mode " id "\nname \"N\" zh \"Z\"\non zone\npriority low\nsignal s = kind level\n"                       \
    "evidence e: level(s) > 1 lr 2\nend\n"

static void test_merge(void **state) {
    aj_rules *all = aj_rules_new();
    assert_non_null(all);
    aj_rules *a = parse_ok(ZONE_MODE("a") ZONE_MODE("b"));
    aj_rules *b = parse_ok("\n\n" ZONE_MODE("c") ZONE_MODE("b"));
    aj_rules *c = parse_ok(ZONE_MODE("d"));
    aj_rules_errors errs;
    assert_int_equal(aj_rules_merge(all, a, &errs), AJ_OK);
    assert_int_equal(all->n_modes, 2);
    assert_int_equal(a->n_modes, 0);
    assert_null(a->modes);
    assert_int_equal(aj_rules_merge(all, b, &errs), AJ_ECONFLICT);
    assert_int_equal(errs.n, 1);
    assert_int_equal(errs.items[0].pos.line, 10);
    assert_int_equal(errs.items[0].pos.column, 6);
    assert_string_equal(errs.items[0].message,
                        "duplicate mode \"b\" (already defined at line 8 of another file)");
    assert_int_equal(all->n_modes, 2); /* unchanged */
    assert_int_equal(b->n_modes, 2);
    assert_int_equal(aj_rules_merge(all, c, &errs), AJ_OK);
    assert_int_equal(errs.n, 0);
    assert_int_equal(all->n_modes, 3);
    assert_string_equal(all->modes[0].id, "a");
    assert_string_equal(all->modes[1].id, "b");
    assert_string_equal(all->modes[2].id, "d");
    assert_true(aj_rules_ok(all));
    /* an empty src */
    assert_int_equal(aj_rules_merge(all, a, NULL), AJ_OK);
    assert_int_equal(all->n_modes, 3);
    aj_rules_free(a);
    aj_rules_free(b);
    aj_rules_free(c);
    /* more than AJ_RULES_MODES_MAX in all */
    char id[16];
    for (int i = all->n_modes; i < AJ_RULES_MODES_MAX; i++) {
        char text[256];
        snprintf(id, sizeof id, "x%d", i);
        snprintf(text, sizeof text, ZONE_MODE("%s"), id);
        aj_rules *one = parse_ok(text);
        assert_int_equal(aj_rules_merge(all, one, NULL), AJ_OK);
        aj_rules_free(one);
    }
    aj_rules *extra = parse_ok(ZONE_MODE("last"));
    assert_int_equal(aj_rules_merge(all, extra, &errs), AJ_ETOOBIG);
    assert_string_equal(errs.items[0].message, "too many modes at mode \"last\" (at most 256 in all files)");
    assert_int_equal(all->n_modes, AJ_RULES_MODES_MAX);
    aj_rules_free(extra);
    aj_rules_free(all);
    aj_rules_free(NULL);
}

/* ---- lookups, names, vocabulary --------------------------------------------------------------- */

static void test_lookups_and_names(void **state) {
    aj_rules *set = parse_ok(HEAD "  signal v = vib_2x\n" EV "  evidence f: level(v) > 1 lr 2\nend\n");
    const aj_rule_mode *m = &set->modes[0];
    assert_int_equal(aj_rule_signal_index(m, "t"), 0);
    assert_int_equal(aj_rule_signal_index(m, "v"), 1);
    assert_int_equal(aj_rule_signal_index(m, "e"), -1);
    assert_int_equal(aj_rule_evidence_index(m, "f"), 1);
    assert_int_equal(aj_rule_evidence_index(m, "t"), -1);
    aj_rules_free(set);
    assert_string_equal(aj_rule_priority_name(AJ_RULE_PRIO_EMERGENCY), "emergency");
    assert_string_equal(aj_rule_priority_name(AJ_RULE_PRIO_LOW), "low");
    static const char *const terms[] = {"level", "deviation", "relative", "ratio",
                                        "slope", "count",     "within",   "before"};
    for (int t = AJ_RT_LEVEL; t <= AJ_RT_BEFORE; t++)
        assert_string_equal(aj_rule_term_name((aj_rule_term)t), terms[t]);
}

static void test_vocab(void **state) {
    /* every template of the plant model has its roles here */
    for (int i = 0; aj_vocab_templates[i]; i++)
        assert_non_null(aj_rules_template_roles(aj_vocab_templates[i]));
    assert_null(aj_rules_template_roles("centrifugal"));
    assert_true(aj_rules_vocab_has(aj_rules_template_roles("motor"), "winding_temp"));
    assert_false(aj_rules_vocab_has(aj_rules_template_roles("motor"), "seal_temp"));
    static const char *const list[] = {"alpha", "beta", "gamma", NULL};
    char buf[32];
    aj_rules_vocab_join(list, buf, sizeof buf);
    assert_string_equal(buf, "alpha, beta, gamma");
    aj_rules_vocab_join(list, buf, 18);
    assert_string_equal(buf, "alpha, beta, ...");
    aj_rules_vocab_join(list, buf, 5);
    assert_string_equal(buf, "...");
}

/* ---- the fuzz corpus: every input parses or fails cleanly ------------------------------------ */

static void test_fuzz_corpus(void **state) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strrchr(dir, '/');
    if (!slash) skip();
    snprintf(slash, sizeof dir - (size_t)(slash - dir), "/../fuzz/corpus/rules");
    DIR *d = opendir(dir);
    if (!d) skip();
    int n_files = 0, n_valid = 0;
    struct dirent *de;
    char *buf = malloc(AJ_RULES_FILE_MAX + 1);
    assert_non_null(buf);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        size_t len = fread(buf, 1, AJ_RULES_FILE_MAX + 1, f);
        fclose(f);
        aj_rules *set = NULL;
        aj_rules_errors errs;
        aj_err e = aj_rules_parse(buf, len, &set, &errs);
        n_files++;
        if (e == AJ_OK) {
            n_valid++;
            assert_true(aj_rules_ok(set));
        } else {
            assert_true(e == AJ_EINVAL || e == AJ_ETOOBIG);
            assert_true(errs.n >= 1);
        }
        aj_rules_free(set);
    }
    closedir(d);
    free(buf);
    printf("fuzz corpus: %d inputs, %d valid\n", n_files, n_valid);
    assert_true(n_files > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),         cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_recovery),      cmocka_unit_test(test_error_limit),
        cmocka_unit_test(test_limits_counts), cmocka_unit_test(test_limits_lengths),
        cmocka_unit_test(test_limits_file),   cmocka_unit_test(test_limits_modes),
        cmocka_unit_test(test_merge),         cmocka_unit_test(test_lookups_and_names),
        cmocka_unit_test(test_vocab),         cmocka_unit_test(test_fuzz_corpus),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
