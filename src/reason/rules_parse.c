/* rules_parse.c — aj_rules_parse: the statement loop of the rules language, the start and
 * the end of a mode, and the token helpers the statements use (see rules_parser.h).
 *
 * One statement per line, keyword first. The loop reads a keyword, checks it against the
 * statement table (where it may appear, whether it may repeat), hands the rest of the line
 * to the statement's function and then requires the end of the line. After an error the
 * rest of the line is skipped. No recursion: the depth of the call chain is fixed.
 *
 * The errors are collected in file order; the checks at the end of a mode report at an
 * earlier position (a role, the "mode" line), so the list is sorted (stably) before
 * returning. On any error the set is freed and *out stays NULL.
 */
#include "reason/rules_parser.h"
#include "reason/rules_vocab.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stmt_info {
    const char *keyword;
    bool is_once;        /* at most one per mode */
    bool is_required;    /* at least one per mode */
    rules_stmt_fn parse; /* NULL: "mode" and "end", handled here */
} stmt_info;

static const stmt_info STMTS[ST_COUNT] = {
    [ST_MODE] = {"mode", false, false, NULL},
    [ST_END] = {"end", false, false, NULL},
    [ST_NAME] = {"name", true, true, aj_rules_stmt_name},
    [ST_ON] = {"on", true, true, aj_rules_stmt_on},
    [ST_PRIORITY] = {"priority", true, true, aj_rules_stmt_priority},
    [ST_PRIOR] = {"prior", true, false, aj_rules_stmt_prior},
    [ST_SIGNAL] = {"signal", false, true, aj_rules_stmt_signal},
    [ST_LOAD] = {"load", true, false, aj_rules_stmt_load},
    [ST_EVIDENCE] = {"evidence", false, true, aj_rules_stmt_evidence},
    [ST_WARN] = {"warn", true, false, aj_rules_stmt_warn},
    [ST_DIAGNOSE] = {"diagnose", true, false, aj_rules_stmt_diagnose},
    [ST_CORROBORATE] = {"corroborate", true, false, aj_rules_stmt_corroborate},
    [ST_ACTION] = {"action", false, false, aj_rules_stmt_action},
    [ST_REFERENCE] = {"reference", true, false, aj_rules_stmt_reference},
    [ST_TTF] = {"ttf", true, false, aj_rules_stmt_ttf},
    [ST_EXPLAINS] = {"explains", true, false, aj_rules_stmt_explains},
};

#define DEFAULT_PRIOR    0.01
#define DEFAULT_WARN     0.5
#define DEFAULT_DIAGNOSE 0.9

/* ---- errors ------------------------------------------------------------------------- */

void aj_rules_error_at(rules_parser *p, aj_rule_pos pos, const char *fmt, ...) {
    aj_rules_errors *errs = p->errs;
    if (p->is_stopped) return;
    if (errs->n == AJ_RULES_ERRORS_MAX) {
        errs->is_truncated = true;
        p->is_stopped = true;
        return;
    }
    aj_rules_error *e = &errs->items[errs->n++];
    e->pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

void aj_rules_error_expected(rules_parser *p, const char *what) {
    if (p->lx.kind == AJ_TK_ERROR) {
        aj_rules_error_at(p, p->lx.pos, "%s", p->lx.message);
        return;
    }
    char found[80];
    aj_rules_lex_describe(&p->lx, found, sizeof found);
    aj_rules_error_at(p, p->lx.pos, "expected %s, found %s", what, found);
}

void aj_rules_error_unknown(rules_parser *p, aj_rule_pos pos, const char *head, const char *const *list) {
    static const char open[] = " (expected one of ", close[] = ")";
    char joined[sizeof p->errs->items[0].message];
    int room = (int)sizeof joined - (int)strlen(head) - (int)(sizeof open - 1) - (int)(sizeof close - 1);
    if (room < 8) room = 8; /* the message is cut short then; head is never that long */
    aj_rules_vocab_join(list, joined, room);
    aj_rules_error_at(p, pos, "%s%s%s%s", head, open, joined, close);
}

char *aj_rules_strdup(rules_parser *p, const char *s, size_t len) {
    char *c = malloc(len + 1);
    if (!c) {
        p->is_oom = p->is_stopped = true;
        return NULL;
    }
    memcpy(c, s, len);
    c[len] = 0;
    return c;
}

/* Sorts the errors by position, keeping the order of errors at the same position. */
static void sort_errors(aj_rules_errors *errs) {
    for (int i = 1; i < errs->n; i++) {
        aj_rules_error e = errs->items[i];
        int j = i;
        while (j > 0 &&
               (errs->items[j - 1].pos.line > e.pos.line || (errs->items[j - 1].pos.line == e.pos.line &&
                                                             errs->items[j - 1].pos.column > e.pos.column))) {
            errs->items[j] = errs->items[j - 1];
            j--;
        }
        errs->items[j] = e;
    }
}

/* ---- tokens ------------------------------------------------------------------------- */

void aj_rules_next(rules_parser *p) {
    aj_rules_lex_next(&p->lx);
}

bool aj_rules_is_word(const rules_parser *p, const char *kw) {
    return p->lx.kind == AJ_TK_IDENT && p->lx.s_len == strlen(kw) && !memcmp(p->lx.s, kw, p->lx.s_len);
}

bool aj_rules_accept_word(rules_parser *p, const char *kw) {
    if (!aj_rules_is_word(p, kw)) return false;
    aj_rules_next(p);
    return true;
}

bool aj_rules_at_statement_end(const rules_parser *p) {
    return p->lx.kind == AJ_TK_EOL || p->lx.kind == AJ_TK_EOF;
}

bool aj_rules_expect(rules_parser *p, aj_tk_kind kind, const char *what) {
    if (p->lx.kind != kind) {
        aj_rules_error_expected(p, what);
        return false;
    }
    aj_rules_next(p);
    return true;
}

bool aj_rules_expect_word(rules_parser *p, const char *kw, const char *what) {
    if (aj_rules_accept_word(p, kw)) return true;
    aj_rules_error_expected(p, what);
    return false;
}

bool aj_rules_expect_ident(rules_parser *p, rules_name *out, const char *what) {
    if (p->lx.kind != AJ_TK_IDENT) {
        aj_rules_error_expected(p, what);
        return false;
    }
    assert(p->lx.s_len < sizeof out->id);
    memcpy(out->id, p->lx.s, p->lx.s_len);
    out->id[p->lx.s_len] = 0;
    out->pos = p->lx.pos;
    aj_rules_next(p);
    return true;
}

bool aj_rules_expect_string(rules_parser *p, char **out, const char *what) {
    if (p->lx.kind != AJ_TK_STRING) {
        aj_rules_error_expected(p, what);
        return false;
    }
    *out = aj_rules_strdup(p, p->lx.str, p->lx.str_len);
    if (!*out) return false;
    aj_rules_next(p);
    return true;
}

bool aj_rules_expect_number(rules_parser *p, double *out, aj_rule_pos *pos, const char *what) {
    if (p->lx.kind != AJ_TK_NUMBER) {
        aj_rules_error_expected(p, what);
        return false;
    }
    *out = p->lx.num;
    if (pos) *pos = p->lx.pos;
    aj_rules_next(p);
    return true;
}

bool aj_rules_expect_probability(rules_parser *p, double *out, const char *what) {
    aj_rule_pos pos = p->lx.pos;
    const char *s = p->lx.s;
    int s_len = (int)p->lx.s_len;
    char expected[64];
    snprintf(expected, sizeof expected, "a probability after \"%s\"", what);
    double v;
    if (!aj_rules_expect_number(p, &v, NULL, expected)) return false;
    if (!(v > 0 && v < 1)) {
        aj_rules_error_at(p, pos, "%s must be > 0 and < 1, found %.*s", what, s_len, s);
        return false;
    }
    *out = v;
    return true;
}

bool aj_rules_expect_count(rules_parser *p, int *out, int lo, int hi, aj_rule_pos *pos, const char *what) {
    aj_rule_pos at = p->lx.pos;
    const char *s = p->lx.s;
    int s_len = (int)p->lx.s_len;
    double v;
    if (!aj_rules_expect_number(p, &v, NULL, "a whole number")) return false;
    if (!(v >= lo && v <= hi) || v != (double)(int)v) {
        aj_rules_error_at(p, at, "%s must be a whole number from %d to %d, found %.*s", what, lo, hi, s_len,
                          s);
        return false;
    }
    *out = (int)v;
    if (pos) *pos = at;
    return true;
}

bool aj_rules_expect_duration(rules_parser *p, int64_t *out_ns, const char *what) {
    aj_rules_lexer *lx = &p->lx;
    if (lx->kind != AJ_TK_DURATION) {
        char expected[96];
        snprintf(expected, sizeof expected, "%s (a duration such as 30s, 5m, 1h or 2d)", what);
        aj_rules_error_expected(p, expected);
        return false;
    }
    if (lx->span_ns < 0) {
        aj_rules_error_at(p, lx->pos, "duration %.*s %s", (int)lx->s_len, lx->s,
                          lx->span_ns == -1 ? "is not positive" : "is longer than 7d");
        return false;
    }
    *out_ns = lx->span_ns;
    aj_rules_next(p);
    return true;
}

/* ---- modes -------------------------------------------------------------------------- */

/* "mode \"x\"" for messages, or "the mode" when its id could not be read. */
static const char *mode_label(const rules_parser *p, char *buf, size_t size) {
    if (p->cur.id)
        snprintf(buf, size, "mode \"%s\"", p->cur.id);
    else
        snprintf(buf, size, "the mode");
    return buf;
}

static void begin_mode(rules_parser *p, aj_rule_pos kw) {
    assert(!p->is_in_mode);
    memset(&p->cur, 0, sizeof p->cur);
    memset(&p->st, 0, sizeof p->st);
    p->cur.prior = DEFAULT_PRIOR;
    p->cur.warn_at = DEFAULT_WARN;
    p->cur.diagnose_at = DEFAULT_DIAGNOSE;
    p->cur.load_signal = -1;
    p->cur.ttf_signal = -1;
    p->cur.pos = kw;
    p->st.mode_pos = kw;
    p->st.seen[ST_MODE] = kw;
    p->is_in_mode = true;
    p->st.is_skipped = p->n_modes_started >= AJ_RULES_MODES_MAX;
    p->n_modes_started++;
}

/* Checks the signals' roles (on asset) or that they are kinds (on zone). */
static void check_signal_scope(rules_parser *p) {
    aj_rule_mode *m = &p->cur;
    const char *const *roles =
        m->scope == AJ_RULE_ON_ASSET ? aj_rules_template_roles(m->template_name) : NULL;
    for (int i = 0; i < m->n_signals; i++) {
        aj_rule_signal *s = &m->signals[i];
        aj_rule_pos at = p->st.role_pos[i];
        if (p->st.is_signal_broken[i]) continue;
        if (m->scope == AJ_RULE_ON_ASSET && s->kind) {
            aj_rules_error_at(p, at,
                              "\"kind\" is only allowed in a mode \"on zone\" (on asset, name a signal "
                              "role of %s)",
                              m->template_name);
        } else if (m->scope == AJ_RULE_ON_ASSET && roles && !aj_rules_vocab_has(roles, s->role)) {
            char list[120];
            aj_rules_vocab_join(roles, list, sizeof list);
            aj_rules_error_at(p, at, "unknown role \"%s\" of template %s (expected one of %s)", s->role,
                              m->template_name, list);
        } else if (m->scope == AJ_RULE_ON_ZONE && s->role) {
            aj_rules_error_at(p, at,
                              "a signal of a mode \"on zone\" is \"kind KIND [gas GAS]\", found role \"%s\"",
                              s->role);
        }
    }
}

static void resolve_signal_name(rules_parser *p, const rules_name *n, int *out, const char *where) {
    if (!n->id[0]) return;
    *out = aj_rule_signal_index(&p->cur, n->id);
    if (*out < 0) aj_rules_error_at(p, n->pos, "unknown signal \"%s\" in \"%s\"", n->id, where);
}

/* The later (in the file) of two positions; line 0 counts as absent. */
static aj_rule_pos later_pos(aj_rule_pos a, aj_rule_pos b) {
    if (!a.line) return b;
    if (!b.line) return a;
    return (a.line > b.line || (a.line == b.line && a.column > b.column)) ? a : b;
}

static void check_thresholds(rules_parser *p, aj_rule_pos end) {
    aj_rule_mode *m = &p->cur;
    rules_mode_state *st = &p->st;
    if (!st->is_warn_bad && !st->is_diagnose_bad && !(m->warn_at < m->diagnose_at)) {
        aj_rule_pos at = later_pos(st->seen[ST_WARN], st->seen[ST_DIAGNOSE]);
        aj_rules_error_at(p, at.line ? at : end, "warn (%g) must be below diagnose (%g)", m->warn_at,
                          m->diagnose_at);
    }
    if (!st->is_corroborate_given)
        m->corroborate = m->n_signals >= 2 ? 2 : 1;
    else if (m->n_signals && m->corroborate > m->n_signals)
        aj_rules_error_at(p, st->corroborate_pos, "corroborate %d is more than the %d signal%s of the mode",
                          m->corroborate, m->n_signals, m->n_signals == 1 ? "" : "s");
}

/* The checks that need the whole mode, then the mode moves into the set. at: the "end"
 * keyword, or the "mode" keyword when the end is missing. */
static void finish_mode(rules_parser *p, aj_rule_pos at) {
    assert(p->is_in_mode);
    char label[80];
    mode_label(p, label, sizeof label);
    for (int s = 0; s < ST_COUNT; s++)
        if (STMTS[s].is_required && !p->st.seen[s].line)
            aj_rules_error_at(p, at, "%s has no \"%s\" statement", label, STMTS[s].keyword);
    if (p->st.is_scope_ok) check_signal_scope(p);
    resolve_signal_name(p, &p->st.load, &p->cur.load_signal, "load");
    resolve_signal_name(p, &p->st.ttf, &p->cur.ttf_signal, "ttf");
    for (int k = 0; k < p->st.n_explains; k++) {
        int j = -1;
        resolve_signal_name(p, &p->st.explains[k], &j, "explains");
        if (j < 0) continue;
        if (p->cur.explains_mask & (1u << j))
            aj_rules_error_at(p, p->st.explains[k].pos, "signal \"%s\" is listed twice in \"explains\"",
                              p->st.explains[k].id);
        p->cur.explains_mask |= 1u << j;
    }
    aj_rules_resolve_evidence(p);
    check_thresholds(p, at);
    p->is_in_mode = false;
    if (p->st.is_skipped || p->is_oom) {
        aj_rules_mode_clear(&p->cur);
        return;
    }
    if (p->set->n_modes == p->modes_cap) {
        int cap = p->modes_cap ? p->modes_cap * 2 : 8;
        if (cap > AJ_RULES_MODES_MAX) cap = AJ_RULES_MODES_MAX;
        aj_rule_mode *modes = realloc(p->set->modes, (size_t)cap * sizeof *modes);
        if (!modes) {
            p->is_oom = p->is_stopped = true;
            aj_rules_mode_clear(&p->cur);
            return;
        }
        p->set->modes = modes;
        p->modes_cap = cap;
    }
    assert(p->set->n_modes < p->modes_cap);
    p->set->modes[p->set->n_modes++] = p->cur;
    memset(&p->cur, 0, sizeof p->cur);
}

/* "mode ID". Inside a mode it is an error that also ends the open mode. */
static bool stmt_mode(rules_parser *p, aj_rule_pos kw) {
    if (p->is_in_mode) {
        char label[80];
        aj_rules_error_at(p, kw, "\"mode\" inside %s (its \"end\" is missing)",
                          mode_label(p, label, sizeof label));
        finish_mode(p, p->st.mode_pos);
    }
    if (p->n_modes_started == AJ_RULES_MODES_MAX)
        aj_rules_error_at(p, kw, "too many modes (at most %d in a file)", AJ_RULES_MODES_MAX);
    begin_mode(p, kw);
    rules_name id;
    if (!aj_rules_expect_ident(p, &id, "the mode's id")) return false;
    for (int i = 0; i < p->set->n_modes; i++) {
        const aj_rule_mode *m = &p->set->modes[i];
        if (m->id && !strcmp(m->id, id.id)) {
            aj_rules_error_at(p, id.pos, "duplicate mode \"%s\" (first at line %d)", id.id, m->pos.line);
            break;
        }
    }
    p->cur.id = aj_rules_strdup(p, id.id, strlen(id.id));
    p->cur.pos = id.pos;
    return p->cur.id != NULL;
}

static const stmt_info *find_stmt(const rules_parser *p, rules_stmt *which) {
    for (int s = 0; s < ST_COUNT; s++) {
        if (aj_rules_is_word(p, STMTS[s].keyword)) {
            *which = (rules_stmt)s;
            return &STMTS[s];
        }
    }
    return NULL;
}

/* One statement, from its keyword up to (not including) the end of its line. */
static bool statement(rules_parser *p) {
    aj_rule_pos kw = p->lx.pos;
    rules_stmt which;
    if (p->lx.kind != AJ_TK_IDENT) {
        aj_rules_error_expected(p, "a statement");
        return false;
    }
    const stmt_info *si = find_stmt(p, &which);
    if (!si) {
        aj_rules_error_at(p, kw, "unknown statement \"%.*s\"", (int)p->lx.s_len, p->lx.s);
        return false;
    }
    aj_rules_next(p);
    if (which == ST_MODE) return stmt_mode(p, kw);
    if (!p->is_in_mode) {
        aj_rules_error_at(p, kw, "\"%s\" outside a mode (a mode starts with \"mode ID\")", si->keyword);
        return false;
    }
    if (which == ST_END) {
        finish_mode(p, kw);
        return true;
    }
    if (si->is_once && p->st.seen[which].line) {
        aj_rules_error_at(p, kw, "duplicate statement \"%s\" (first at line %d)", si->keyword,
                          p->st.seen[which].line);
        return false;
    }
    if (!p->st.seen[which].line) p->st.seen[which] = kw;
    return si->parse(p, kw);
}

static void run(rules_parser *p) {
    aj_rules_next(p);
    while (!p->is_stopped && p->lx.kind != AJ_TK_EOF) {
        if (p->lx.kind == AJ_TK_EOL) {
            aj_rules_next(p);
            continue;
        }
        const char *keyword = STMTS[ST_END].keyword;
        rules_stmt which = ST_END;
        if (find_stmt(p, &which)) keyword = STMTS[which].keyword;
        if (statement(p) && !aj_rules_at_statement_end(p)) {
            char found[80];
            aj_rules_lex_describe(&p->lx, found, sizeof found);
            if (p->lx.kind == AJ_TK_ERROR)
                aj_rules_error_at(p, p->lx.pos, "%s", p->lx.message);
            else
                aj_rules_error_at(p, p->lx.pos, "unexpected %s after the \"%s\" statement", found, keyword);
        }
        aj_rules_lex_skip_line(&p->lx);
    }
    if (p->is_stopped) return;
    if (p->is_in_mode) {
        char label[80];
        aj_rules_error_at(p, p->st.mode_pos, "%s has no \"end\"", mode_label(p, label, sizeof label));
        finish_mode(p, p->st.mode_pos);
    }
    if (!p->n_modes_started && !p->errs->n) aj_rules_error_at(p, (aj_rule_pos){1, 1}, "no mode in the file");
}

aj_err aj_rules_parse(const char *text, size_t len, aj_rules **out, aj_rules_errors *errs) {
    aj_rules_errors scratch;
    assert(out && (text || !len));
    *out = NULL;
    if (!errs) errs = &scratch;
    errs->n = 0;
    errs->is_truncated = false;
    if (len > AJ_RULES_FILE_MAX) {
        errs->items[0].pos = (aj_rule_pos){1, 1};
        snprintf(errs->items[0].message, sizeof errs->items[0].message, "file too big (at most %d bytes)",
                 AJ_RULES_FILE_MAX);
        errs->n = 1;
        return AJ_ETOOBIG;
    }
    rules_parser *p = calloc(1, sizeof *p);
    aj_rules *set = calloc(1, sizeof *set);
    if (!p || !set) {
        free(p);
        free(set);
        return AJ_ENOMEM;
    }
    p->errs = errs;
    p->set = set;
    aj_rules_lex_init(&p->lx, text ? text : "", len);
    run(p);
    if (p->is_in_mode) aj_rules_mode_clear(&p->cur); /* stopped inside a mode */
    bool is_oom = p->is_oom;
    free(p);
    if (is_oom || errs->n) {
        aj_rules_free(set);
        sort_errors(errs);
        return is_oom ? AJ_ENOMEM : AJ_EINVAL;
    }
    *out = set;
    return AJ_OK;
}
