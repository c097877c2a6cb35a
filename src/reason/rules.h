/* rules.h — failure-mode rules: the parsed form of a rules file (rules/NAME.rules) and its
 * parser/checker. The language is documented in docs/rules.md; `anjian rules check FILE`
 * runs aj_rules_parse and prints its errors as FILE:LINE:COLUMN: message.
 *
 * A rules file holds one or more failure modes. Each binds named signals to the roles of an
 * asset template (or, for a zone, to tags of a kind in an area), states pieces of evidence
 * over them, each with a likelihood ratio, and the outputs (names, priority, actions,
 * reference, time-to-failure). The reasoning engine (src/reason/) evaluates them.
 *
 * Ownership: aj_rules_parse returns a set the caller frees with aj_rules_free; every string
 * in it is owned by the set. Pure: no I/O, no globals. */
#ifndef AJ_RULES_H
#define AJ_RULES_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits (docs/rules.md "Limits") ------------------------------------------------- */
#define AJ_RULES_FILE_MAX    (1024 * 1024) /* bytes of one rules file */
#define AJ_RULES_MODES_MAX   256           /* modes in one set */
#define AJ_RULE_SIGNALS_MAX  16            /* signals of one mode */
#define AJ_RULE_EVIDENCE_MAX 24            /* evidence of one mode */
#define AJ_RULE_REFS_MAX     8             /* evidence named by one within()/before() */
#define AJ_RULE_ACTIONS_MAX  16
#define AJ_RULE_ID_MAX       48 /* bytes of a mode, signal or evidence id, or a role/template/kind/gas name */
#define AJ_RULE_TEXT_MAX     400 /* bytes of a name, action or reference (UTF-8) */
#define AJ_RULES_ERRORS_MAX  50  /* errors reported for one file (then parsing stops) */
#define AJ_RULE_SPAN_MAX_NS  (7LL * 86400 * 1000000000) /* longest window / duration: 7 d */
#define AJ_RULE_COUNT_MAX                                                                                    \
    8 /* largest count() threshold: the reasoner keeps the last 16 changes of a piece of                     \
       * evidence (AJ_EVTRACK_HISTORY), so it can count 8 rises at most */

typedef enum { AJ_RULE_ON_ASSET, AJ_RULE_ON_ZONE } aj_rule_scope;

typedef enum {
    AJ_RULE_PRIO_EMERGENCY,
    AJ_RULE_PRIO_HIGH,
    AJ_RULE_PRIO_MEDIUM,
    AJ_RULE_PRIO_LOW
} aj_rule_priority;

/* What a piece of evidence measures. Signal terms: the value of one signal over time,
 * judged on good-quality points only. Evidence terms: other evidence of the same mode. */
typedef enum {
    AJ_RT_LEVEL,     /* level(s): the value, engineering units */
    AJ_RT_DEVIATION, /* deviation(s): value − baseline, engineering units */
    AJ_RT_RELATIVE,  /* relative(s): (value − baseline) / |baseline| × 100, percent */
    AJ_RT_RATIO,     /* ratio(s): value / baseline */
    AJ_RT_SLOPE,     /* slope(s, SPAN): least-squares slope over SPAN, units per hour */
    AJ_RT_COUNT,     /* count(e, SPAN): times evidence e became present within SPAN */
    AJ_RT_WITHIN,    /* within(SPAN: e1, e2, ...): each ei was present at some time in SPAN */
    AJ_RT_BEFORE     /* before(e1, e2, SPAN): e1 became present, then e2 within SPAN after */
} aj_rule_term;

typedef enum { AJ_RC_GT, AJ_RC_GE, AJ_RC_LT, AJ_RC_LE } aj_rule_cmp;

/* Where something was written: 1-based line and column (column in bytes). The pos of a
 * mode, signal or evidence is that of its id. */
typedef struct aj_rule_pos {
    int line, column;
} aj_rule_pos;

typedef struct aj_rule_signal {
    char *id; /* name used in the mode's evidence */
    /* on asset: the template's signal role (e.g. "seal_temp");
     * on zone: every tag of the area with this kind (e.g. "gas_toxic_ppm") and, when gas is
     * set, that gas (e.g. "H2S"); the signal then stands for each of them. */
    char *role;
    char *kind;
    char *gas;
    bool is_optional; /* the mode still applies when the asset lacks the role */
    aj_rule_pos pos;
} aj_rule_signal;

typedef struct aj_rule_evidence {
    char *id;
    aj_rule_term term;
    int signal;                 /* index into the mode's signals (signal terms); -1 otherwise */
    int64_t span_ns;            /* slope / count / within / before window; 0 otherwise */
    int refs[AJ_RULE_REFS_MAX]; /* evidence terms: indexes of earlier evidence of the mode */
    int n_refs;
    bool has_cmp; /* within/before have no comparison; every other term has one */
    aj_rule_cmp cmp;
    double threshold;
    int64_t for_ns; /* "for DUR": must hold continuously this long (0: at once) */
    double lr;      /* likelihood ratio when present (> 0; > 1 supports the mode) */
    aj_rule_pos pos;
} aj_rule_evidence;

typedef struct aj_rule_text {
    char *en, *zh; /* zh may be NULL */
} aj_rule_text;

typedef struct aj_rule_mode {
    char *id; /* unique in the set, e.g. "pump_seal_failure" */
    aj_rule_text name;
    aj_rule_scope scope;
    char *template_name; /* AJ_RULE_ON_ASSET: an aj_vocab_templates entry */
    aj_rule_priority priority;
    double prior;           /* prior probability, 0 < prior < 1 (default 0.01) */
    double warn_at;         /* early-warning threshold on the posterior (default 0.5) */
    double diagnose_at;     /* diagnosis threshold (default 0.9); warn_at < diagnose_at */
    int corroborate;        /* distinct signals with present evidence needed (default: 2 when the
                             * mode has >= 2 signals, else 1) */
    int load_signal;        /* index of the signal giving the operating state (load band,
                             * running/stopped); -1: none */
    uint32_t explains_mask; /* bit j: the alarms of signal j are explained by the mode (folded
                             * into its incident at early warning and beyond, evidence or not) */
    int64_t load_lag_ns;    /* the baselines see the load through a first-order lag of this
                             * time constant (thermal signals follow the load late); 0: none */
    aj_rule_signal signals[AJ_RULE_SIGNALS_MAX];
    int n_signals;
    aj_rule_evidence evidence[AJ_RULE_EVIDENCE_MAX];
    int n_evidence;
    aj_rule_text actions[AJ_RULE_ACTIONS_MAX];
    int n_actions;
    char *reference; /* SOP or emergency card, may be NULL */
    /* time to failure: when signal ttf_signal's trend reaches ttf_value (as a deviation from
     * baseline when ttf_is_deviation, else as a level); ttf_signal -1: not estimated */
    int ttf_signal;
    bool ttf_is_deviation;
    double ttf_value;
    aj_rule_pos pos;
} aj_rule_mode;

typedef struct aj_rules {
    aj_rule_mode *modes;
    int n_modes;
} aj_rules;

typedef struct aj_rules_error {
    aj_rule_pos pos;
    char message[200];
} aj_rules_error;

typedef struct aj_rules_errors {
    aj_rules_error items[AJ_RULES_ERRORS_MAX];
    int n;
    bool is_truncated; /* more errors than AJ_RULES_ERRORS_MAX */
} aj_rules_errors;

/* Parses and checks len bytes of text (need not be NUL-terminated). On AJ_OK *out is the
 * set (errs->n == 0). On AJ_EINVAL *out is NULL and errs holds the errors in file order
 * (parsing goes on after an error to the next statement, so several are reported).
 * AJ_ETOOBIG when len > AJ_RULES_FILE_MAX (errs holds one error at 1:1); AJ_ENOMEM.
 * errs is reset first; it may be NULL when the caller needs no messages. */
aj_err aj_rules_parse(const char *text, size_t len, aj_rules **out, aj_rules_errors *errs);

/* Appends the modes of src to dst (ids must stay unique: AJ_ECONFLICT names the first
 * duplicate in errs, at its position in src, and dst is unchanged). src is emptied.
 * AJ_ETOOBIG (dst unchanged, one error) when dst would hold more than AJ_RULES_MODES_MAX
 * modes; AJ_ENOMEM. errs is reset first and may be NULL. */
aj_err aj_rules_merge(aj_rules *dst, aj_rules *src, aj_rules_errors *errs);

/* An empty set (to merge files into), freed with aj_rules_free; NULL when out of memory. */
aj_rules *aj_rules_new(void);
/* Frees the set, its modes and their strings. NULL is ignored. */
void aj_rules_free(aj_rules *rules);

/* Whether a mode satisfies every invariant aj_rules_parse guarantees (ids, bounds,
 * indexes, earlier-only references, warn < diagnose, ...): for asserts and the fuzzer. */
bool aj_rule_mode_ok(const aj_rule_mode *m);
/* The same for every mode of a set, and mode ids unique. */
bool aj_rules_ok(const aj_rules *rules);

const char *aj_rule_priority_name(aj_rule_priority p);
const char *aj_rule_term_name(aj_rule_term t);

/* The index of the mode's signal / evidence with this id, or -1. */
int aj_rule_signal_index(const aj_rule_mode *m, const char *id);
int aj_rule_evidence_index(const aj_rule_mode *m, const char *id);

#endif
