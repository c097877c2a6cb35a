/* rules_evidence.c — the "evidence" statement and, at the end of a mode, the resolution of
 * the names its terms use (see rules_parser.h, docs/rules.md "Evidence").
 *
 *     evidence ID: COND [for DUR] lr NUMBER
 *     COND = level(S) CMP NUM | deviation(S) CMP NUM | ratio(S) CMP NUM
 *          | relative(S) CMP NUM% | slope(S, DUR) CMP NUM
 *          | count(E, DUR) CMP N | within(DUR: E1, E2, ...) | before(E1, E2, DUR)
 *
 * The entry is added to p->cur as soon as its id is read (marked broken until the whole
 * statement is), so later statements that name it resolve. The names of S and E are kept
 * in p->st; aj_rules_resolve_evidence turns them into indexes once the mode is complete.
 * Evidence may refer only to earlier evidence: the references form no cycle and the
 * engine can evaluate a mode's evidence in order.
 */
#include "reason/rules_parser.h"

#include <stdio.h>
#include <string.h>

#define N_TERMS (AJ_RT_BEFORE + 1)

static bool is_signal_term(aj_rule_term t) {
    return t <= AJ_RT_SLOPE;
}

static bool has_comparison(aj_rule_term t) {
    return t != AJ_RT_WITHIN && t != AJ_RT_BEFORE;
}

/* Reads one evidence name into the next slot of e's references. */
static bool read_ref(rules_parser *p, int i) {
    aj_rule_evidence *e = &p->cur.evidence[i];
    if (e->n_refs == AJ_RULE_REFS_MAX) {
        aj_rules_error_at(p, p->lx.pos, "%s() takes at most %d evidence", aj_rule_term_name(e->term),
                          AJ_RULE_REFS_MAX);
        return false;
    }
    if (!aj_rules_expect_ident(p, &p->st.ev_refs[i][e->n_refs], "an evidence id")) return false;
    e->n_refs++;
    return true;
}

/* within(DUR: E1, E2, ...) after the "(" */
static bool args_within(rules_parser *p, int i) {
    aj_rule_evidence *e = &p->cur.evidence[i];
    if (!aj_rules_expect_duration(p, &e->span_ns, "the window")) return false;
    if (!aj_rules_expect(p, AJ_TK_COLON, "\":\" after the window")) return false;
    if (!read_ref(p, i)) return false;
    while (p->lx.kind == AJ_TK_COMMA) {
        aj_rules_next(p);
        if (!read_ref(p, i)) return false;
    }
    if (p->lx.kind == AJ_TK_RPAREN && e->n_refs < 2) {
        aj_rules_error_at(p, p->lx.pos, "within() needs at least 2 evidence");
        return false;
    }
    return true;
}

/* before(E1, E2, DUR) after the "(" */
static bool args_before(rules_parser *p, int i) {
    aj_rule_evidence *e = &p->cur.evidence[i];
    if (!read_ref(p, i) || !aj_rules_expect(p, AJ_TK_COMMA, "\",\"") || !read_ref(p, i)) return false;
    const rules_name *second = &p->st.ev_refs[i][1];
    if (!strcmp(p->st.ev_refs[i][0].id, second->id)) {
        aj_rules_error_at(p, second->pos, "before() needs two different evidence");
        return false;
    }
    if (!aj_rules_expect(p, AJ_TK_COMMA, "\",\"")) return false;
    return aj_rules_expect_duration(p, &e->span_ns, "the window");
}

/* The arguments of a term, from "(" to ")". */
static bool term_args(rules_parser *p, int i) {
    aj_rule_evidence *e = &p->cur.evidence[i];
    if (!aj_rules_expect(p, AJ_TK_LPAREN, "\"(\"")) return false;
    bool ok;
    if (is_signal_term(e->term)) {
        ok = aj_rules_expect_ident(p, &p->st.ev_signal[i], "a signal id");
        if (ok && e->term == AJ_RT_SLOPE)
            ok = aj_rules_expect(p, AJ_TK_COMMA, "\",\"") &&
                 aj_rules_expect_duration(p, &e->span_ns, "the window");
    } else if (e->term == AJ_RT_COUNT) {
        ok = read_ref(p, i) && aj_rules_expect(p, AJ_TK_COMMA, "\",\"") &&
             aj_rules_expect_duration(p, &e->span_ns, "the window");
    } else if (e->term == AJ_RT_WITHIN) {
        ok = args_within(p, i);
    } else {
        ok = args_before(p, i);
    }
    return ok && aj_rules_expect(p, AJ_TK_RPAREN, "\")\"");
}

/* CMP THRESHOLD after a term that has a comparison. */
static bool comparison(rules_parser *p, aj_rule_evidence *e) {
    static const aj_tk_kind tokens[] = {AJ_TK_GT, AJ_TK_GE, AJ_TK_LT, AJ_TK_LE};
    static const aj_rule_cmp cmps[] = {AJ_RC_GT, AJ_RC_GE, AJ_RC_LT, AJ_RC_LE};
    int k = 0;
    while (k < 4 && p->lx.kind != tokens[k]) k++;
    if (k == 4) {
        aj_rules_error_expected(p, "a comparison (>, >=, <, <=)");
        return false;
    }
    e->cmp = cmps[k];
    e->has_cmp = true;
    aj_rules_next(p);
    aj_rule_pos at = p->lx.pos;
    const char *s = p->lx.s;
    int s_len = (int)p->lx.s_len;
    if (e->term == AJ_RT_RELATIVE) {
        if (p->lx.kind != AJ_TK_PERCENT) {
            aj_rules_error_expected(p, "a percentage such as 15% after relative()");
            return false;
        }
        e->threshold = p->lx.num;
        aj_rules_next(p);
        return true;
    }
    if (p->lx.kind == AJ_TK_PERCENT) {
        aj_rules_error_at(p, at, "a percentage is only allowed after relative()");
        return false;
    }
    if (e->term == AJ_RT_COUNT) {
        int n;
        if (!aj_rules_expect_count(p, &n, 0, AJ_RULE_COUNT_MAX, NULL, "the count() threshold")) return false;
        e->threshold = n;
        return true;
    }
    if (!aj_rules_expect_number(p, &e->threshold, NULL, "a number")) return false;
    if (e->term == AJ_RT_RATIO && !(e->threshold > 0)) {
        aj_rules_error_at(p, at, "the ratio() threshold must be > 0, found %.*s", s_len, s);
        return false;
    }
    return true;
}

static bool find_term(const rules_name *n, aj_rule_term *out) {
    for (int t = 0; t < N_TERMS; t++) {
        if (!strcmp(n->id, aj_rule_term_name((aj_rule_term)t))) {
            *out = (aj_rule_term)t;
            return true;
        }
    }
    return false;
}

/* [for DUR] lr NUMBER */
static bool for_and_lr(rules_parser *p, aj_rule_evidence *e) {
    bool can_hold = has_comparison(e->term);
    if (aj_rules_is_word(p, "for")) {
        if (!can_hold) {
            aj_rules_error_at(p, p->lx.pos, "\"for\" is not allowed after %s()", aj_rule_term_name(e->term));
            return false;
        }
        aj_rules_next(p);
        if (!aj_rules_expect_duration(p, &e->for_ns, "how long the condition must hold")) return false;
        can_hold = false;
    } else if (!can_hold && p->lx.kind >= AJ_TK_GT && p->lx.kind <= AJ_TK_LE) {
        aj_rules_error_at(p, p->lx.pos, "%s() takes no comparison", aj_rule_term_name(e->term));
        return false;
    }
    if (!aj_rules_expect_word(p, "lr", can_hold ? "\"for\" or \"lr\"" : "\"lr\" and the likelihood ratio"))
        return false;
    aj_rule_pos at = p->lx.pos;
    const char *s = p->lx.s;
    int s_len = (int)p->lx.s_len;
    if (!aj_rules_expect_number(p, &e->lr, NULL, "the likelihood ratio")) return false;
    if (!(e->lr > 0)) {
        aj_rules_error_at(p, at, "lr must be > 0, found %.*s", s_len, s);
        return false;
    }
    return true;
}

bool aj_rules_stmt_evidence(rules_parser *p, aj_rule_pos kw) {
    aj_rule_mode *m = &p->cur;
    if (m->n_evidence == AJ_RULE_EVIDENCE_MAX) {
        aj_rules_error_at(p, kw, "too many evidence (at most %d in a mode)", AJ_RULE_EVIDENCE_MAX);
        return false;
    }
    rules_name id, term;
    if (!aj_rules_expect_ident(p, &id, "the evidence's id")) return false;
    if (!aj_rules_check_new_id(p, &id, "evidence")) return false;
    int i = m->n_evidence;
    aj_rule_evidence *e = &m->evidence[i];
    memset(e, 0, sizeof *e);
    if (!(e->id = aj_rules_strdup(p, id.id, strlen(id.id)))) return false;
    e->signal = -1;
    e->pos = id.pos;
    m->n_evidence++;
    p->st.is_evidence_broken[i] = true; /* until the whole statement is read */
    if (!aj_rules_expect(p, AJ_TK_COLON, "\":\" after the evidence's id")) return false;
    if (!aj_rules_expect_ident(p, &term,
                               "a term (level, deviation, relative, ratio, slope, count, within or before)"))
        return false;
    if (!find_term(&term, &e->term)) {
        aj_rules_error_at(
            p, term.pos,
            "unknown term \"%s\" (expected level, deviation, relative, ratio, slope, count, within "
            "or before)",
            term.id);
        return false;
    }
    if (!term_args(p, i)) return false;
    if (has_comparison(e->term) && !comparison(p, e)) return false;
    if (!for_and_lr(p, e)) return false;
    p->st.is_evidence_broken[i] = false;
    return true;
}

/* Resolves reference k of evidence i; false after reporting an error. */
static void resolve_ref(rules_parser *p, int i, int k) {
    aj_rule_evidence *e = &p->cur.evidence[i];
    const rules_name *n = &p->st.ev_refs[i][k];
    int j = aj_rule_evidence_index(&p->cur, n->id);
    if (j < 0 && aj_rule_signal_index(&p->cur, n->id) >= 0)
        aj_rules_error_at(p, n->pos, "\"%s\" is a signal; %s() takes evidence", n->id,
                          aj_rule_term_name(e->term));
    else if (j < 0)
        aj_rules_error_at(p, n->pos, "unknown evidence \"%s\" in %s()", n->id, aj_rule_term_name(e->term));
    else if (j == i)
        aj_rules_error_at(p, n->pos, "evidence \"%s\" refers to itself", n->id);
    else if (j > i)
        aj_rules_error_at(p, n->pos, "evidence \"%s\" is used before it is defined", n->id);
    else
        e->refs[k] = j;
}

void aj_rules_resolve_evidence(rules_parser *p) {
    aj_rule_mode *m = &p->cur;
    for (int i = 0; i < m->n_evidence; i++) {
        aj_rule_evidence *e = &m->evidence[i];
        if (p->st.is_evidence_broken[i]) continue;
        if (!is_signal_term(e->term)) {
            for (int k = 0; k < e->n_refs; k++) resolve_ref(p, i, k);
            continue;
        }
        const rules_name *n = &p->st.ev_signal[i];
        e->signal = aj_rule_signal_index(m, n->id);
        if (e->signal < 0) {
            if (aj_rule_evidence_index(m, n->id) >= 0)
                aj_rules_error_at(p, n->pos, "\"%s\" is an evidence; %s() takes a signal", n->id,
                                  aj_rule_term_name(e->term));
            else
                aj_rules_error_at(p, n->pos, "unknown signal \"%s\" in %s()", n->id,
                                  aj_rule_term_name(e->term));
        }
    }
}
