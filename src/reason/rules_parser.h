/* rules_parser.h — the parser state shared by rules_parse.c (the statement loop, the end of
 * a mode, the token helpers) and rules_stmt.c (one function per statement). Internal to
 * src/reason/rules*.c; the public interface is rules.h.
 *
 * The parser fills p->cur, the mode being read, in place; at its "end" the checks that
 * need the whole mode run (references, scope of the signals, warn < diagnose, corroborate)
 * and the mode moves into p->set. Names that other statements refer to (the signal of a
 * term, the evidence of within(), the load and ttf signal) are kept in p->st as written
 * and resolved then, so statements may come in any order except that evidence refers only
 * to earlier evidence. A statement that fails still leaves its id behind (marked broken),
 * so one mistake does not turn every later reference into an error too.
 */
#ifndef AJ_RULES_PARSER_H
#define AJ_RULES_PARSER_H

#include "reason/rules.h"
#include "reason/rules_lex.h"

#include <stdbool.h>

typedef enum {
    ST_MODE,
    ST_END,
    ST_NAME,
    ST_ON,
    ST_PRIORITY,
    ST_PRIOR,
    ST_SIGNAL,
    ST_LOAD,
    ST_EVIDENCE,
    ST_WARN,
    ST_DIAGNOSE,
    ST_CORROBORATE,
    ST_ACTION,
    ST_REFERENCE,
    ST_TTF,
    ST_EXPLAINS,
    ST_COUNT
} rules_stmt;

/* A name as written, resolved at the end of the mode; id[0] == 0: none. */
typedef struct rules_name {
    char id[AJ_RULE_ID_MAX];
    aj_rule_pos pos;
} rules_name;

/* What the parser knows about p->cur beyond the mode itself. */
typedef struct rules_mode_state {
    aj_rule_pos mode_pos;                      /* the "mode" keyword */
    aj_rule_pos seen[ST_COUNT];                /* first statement of each kind; line 0: none yet */
    bool is_scope_ok;                          /* "on" parsed: cur.scope / template_name are valid */
    bool is_skipped;                           /* beyond AJ_RULES_MODES_MAX: parsed, then dropped */
    aj_rule_pos role_pos[AJ_RULE_SIGNALS_MAX]; /* where each signal's role or "kind" is */
    bool is_signal_broken[AJ_RULE_SIGNALS_MAX];
    rules_name ev_signal[AJ_RULE_EVIDENCE_MAX];                 /* signal terms */
    rules_name ev_refs[AJ_RULE_EVIDENCE_MAX][AJ_RULE_REFS_MAX]; /* evidence terms */
    bool is_evidence_broken[AJ_RULE_EVIDENCE_MAX];
    rules_name load, ttf;
    rules_name explains[AJ_RULE_SIGNALS_MAX];
    int n_explains;
    bool is_warn_bad, is_diagnose_bad; /* given but invalid: skip the warn < diagnose check */
    bool is_corroborate_given;
    aj_rule_pos corroborate_pos;
} rules_mode_state;

typedef struct rules_parser {
    aj_rules_lexer lx;
    aj_rules_errors *errs;
    aj_rules *set;
    int modes_cap;
    int n_modes_started;
    bool is_in_mode;
    aj_rule_mode cur;
    rules_mode_state st;
    bool is_oom;
    bool is_stopped; /* out of memory, or AJ_RULES_ERRORS_MAX errors */
} rules_parser;

/* Frees the strings of m and zeroes it (rules.c). */
void aj_rules_mode_clear(aj_rule_mode *m);

/* ---- rules_parse.c: errors and tokens ---- */

/* Records an error at pos (printf-style message); stops the parser when the list is full. */
void aj_rules_error_at(rules_parser *p, aj_rule_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records "HEAD (expected one of a, b, c)" at pos, the list cut to fit the message. */
void aj_rules_error_unknown(rules_parser *p, aj_rule_pos pos, const char *head, const char *const *list);
/* Records "expected WHAT, found TOKEN" at the current token (or the lexer's own error). */
void aj_rules_error_expected(rules_parser *p, const char *what);
/* Copies s (len bytes) to the heap; on failure marks the parser out of memory, NULL. */
char *aj_rules_strdup(rules_parser *p, const char *s, size_t len);

void aj_rules_next(rules_parser *p);
/* Whether the current token is the identifier kw. */
bool aj_rules_is_word(const rules_parser *p, const char *kw);
/* Consumes the identifier kw if it is the current token. */
bool aj_rules_accept_word(rules_parser *p, const char *kw);
/* Consumes a token of this kind, else reports "expected what". */
bool aj_rules_expect(rules_parser *p, aj_tk_kind kind, const char *what);
/* Consumes the word kw, else reports "expected \"kw\" ...". */
bool aj_rules_expect_word(rules_parser *p, const char *kw, const char *what);
/* Consumes an identifier into out (with its position). */
bool aj_rules_expect_ident(rules_parser *p, rules_name *out, const char *what);
/* Consumes a string into a heap copy. */
bool aj_rules_expect_string(rules_parser *p, char **out, const char *what);
/* Consumes a number (finite); *pos (may be NULL) gets its position. */
bool aj_rules_expect_number(rules_parser *p, double *out, aj_rule_pos *pos, const char *what);
/* Consumes a number 0 < v < 1 for the statement named what. */
bool aj_rules_expect_probability(rules_parser *p, double *out, const char *what);
/* Consumes a whole number lo..hi. */
bool aj_rules_expect_count(rules_parser *p, int *out, int lo, int hi, aj_rule_pos *pos, const char *what);
/* Consumes a duration 1 ns .. AJ_RULE_SPAN_MAX_NS. */
bool aj_rules_expect_duration(rules_parser *p, int64_t *out_ns, const char *what);
/* Whether the current token ends the statement (end of line or of file). */
bool aj_rules_at_statement_end(const rules_parser *p);

/* Checks that id is not yet the id of a signal or evidence of the mode (what: "signal" or
 * "evidence", what is being declared). */
bool aj_rules_check_new_id(rules_parser *p, const rules_name *id, const char *what);

/* ---- rules_stmt.c: one function per statement after "mode" and "end"; each starts on the
 * token after the keyword (kw is the keyword's position) and returns false after
 * reporting an error. ---- */
typedef bool (*rules_stmt_fn)(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_name(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_on(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_priority(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_prior(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_signal(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_load(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_warn(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_diagnose(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_corroborate(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_action(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_reference(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_ttf(rules_parser *p, aj_rule_pos kw);
bool aj_rules_stmt_explains(rules_parser *p, aj_rule_pos kw);
/* rules_evidence.c */
bool aj_rules_stmt_evidence(rules_parser *p, aj_rule_pos kw);
/* At the end of the mode: resolves the evidence's signal and evidence names. */
void aj_rules_resolve_evidence(rules_parser *p);

#endif
