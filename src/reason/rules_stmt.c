/* rules_stmt.c — the statements of a mode other than "mode", "end" and "evidence", one
 * function each (see rules_parser.h for the calling convention and docs/rules.md for the
 * grammar). Each fills p->cur; names that refer to signals are kept in p->st and resolved
 * at the end of the mode (rules_parse.c), so signals may be declared after their use.
 * Every string stored in p->cur is owned by it (freed by aj_rules_mode_clear).
 */
#include "plant/vocab.h"
#include "reason/rules_parser.h"
#include "reason/rules_vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The two tag kinds whose tags name a gas (docs/plant-file.md, "tags"). */
static const char *const GAS_KINDS[] = {"gas_combustible_lel", "gas_toxic_ppm", NULL};

bool aj_rules_check_new_id(rules_parser *p, const rules_name *id, const char *what) {
    const aj_rule_mode *m = &p->cur;
    int s = aj_rule_signal_index(m, id->id), e = aj_rule_evidence_index(m, id->id);
    if (s >= 0) {
        if (!strcmp(what, "signal"))
            aj_rules_error_at(p, id->pos, "duplicate signal \"%s\" (first at line %d)", id->id,
                              m->signals[s].pos.line);
        else
            aj_rules_error_at(p, id->pos, "%s \"%s\" has the id of a signal (line %d)", what, id->id,
                              m->signals[s].pos.line);
        return false;
    }
    if (e >= 0) {
        if (!strcmp(what, "evidence"))
            aj_rules_error_at(p, id->pos, "duplicate evidence \"%s\" (first at line %d)", id->id,
                              m->evidence[e].pos.line);
        else
            aj_rules_error_at(p, id->pos, "%s \"%s\" has the id of an evidence (line %d)", what, id->id,
                              m->evidence[e].pos.line);
        return false;
    }
    return true;
}

static char *dup_name(rules_parser *p, const rules_name *n) {
    return aj_rules_strdup(p, n->id, strlen(n->id));
}

/* name "EN" zh "ZH" */
bool aj_rules_stmt_name(rules_parser *p, aj_rule_pos kw) {
    aj_rule_mode *m = &p->cur;
    if (!aj_rules_expect_string(p, &m->name.en, "the English name in quotes")) return false;
    if (!aj_rules_expect_word(p, "zh", "\"zh\" and the Chinese name (name \"EN\" zh \"ZH\")")) return false;
    return aj_rules_expect_string(p, &m->name.zh, "the Chinese name in quotes");
}

/* on asset TEMPLATE | on zone */
bool aj_rules_stmt_on(rules_parser *p, aj_rule_pos kw) {
    aj_rule_mode *m = &p->cur;
    if (aj_rules_accept_word(p, "zone")) {
        m->scope = AJ_RULE_ON_ZONE;
        p->st.is_scope_ok = true;
        return true;
    }
    if (!aj_rules_expect_word(p, "asset", "\"asset\" or \"zone\"")) return false;
    rules_name t;
    if (!aj_rules_expect_ident(p, &t, "an asset template")) return false;
    if (!aj_rules_vocab_has(aj_vocab_templates, t.id)) {
        char head[96];
        snprintf(head, sizeof head, "unknown template \"%s\"", t.id);
        aj_rules_error_unknown(p, t.pos, head, aj_vocab_templates);
        return false;
    }
    m->scope = AJ_RULE_ON_ASSET;
    m->template_name = dup_name(p, &t);
    p->st.is_scope_ok = m->template_name != NULL;
    return p->st.is_scope_ok;
}

/* priority emergency|high|medium|low */
bool aj_rules_stmt_priority(rules_parser *p, aj_rule_pos kw) {
    rules_name n;
    if (!aj_rules_expect_ident(p, &n, "a priority (emergency, high, medium or low)")) return false;
    for (int i = AJ_RULE_PRIO_EMERGENCY; i <= AJ_RULE_PRIO_LOW; i++) {
        if (!strcmp(n.id, aj_rule_priority_name((aj_rule_priority)i))) {
            p->cur.priority = (aj_rule_priority)i;
            return true;
        }
    }
    aj_rules_error_at(p, n.pos, "unknown priority \"%s\" (expected emergency, high, medium or low)", n.id);
    return false;
}

/* prior P */
bool aj_rules_stmt_prior(rules_parser *p, aj_rule_pos kw) {
    return aj_rules_expect_probability(p, &p->cur.prior, "prior");
}

/* The "kind KIND [gas GAS]" form of a signal of a mode on zone (after "kind"). */
static bool signal_kind(rules_parser *p, aj_rule_signal *s) {
    rules_name kind, gas;
    if (!aj_rules_expect_ident(p, &kind, "a tag kind")) return false;
    if (!aj_rules_vocab_has(aj_vocab_tag_kinds, kind.id)) {
        char head[96];
        snprintf(head, sizeof head, "unknown kind \"%s\"", kind.id);
        aj_rules_error_unknown(p, kind.pos, head, aj_vocab_tag_kinds);
        return false;
    }
    if (!(s->kind = dup_name(p, &kind))) return false;
    if (!aj_rules_is_word(p, "gas")) return true;
    if (!aj_rules_vocab_has(GAS_KINDS, kind.id)) {
        aj_rules_error_at(p, p->lx.pos,
                          "\"gas\" is only allowed with kind gas_combustible_lel or gas_toxic_ppm");
        return false;
    }
    aj_rules_next(p);
    if (!aj_rules_expect_ident(p, &gas, "the gas (e.g. H2S, methane)")) return false;
    return (s->gas = dup_name(p, &gas)) != NULL;
}

/* signal ID = ROLE [optional] | signal ID = kind KIND [gas GAS] [optional]. Whether the
 * form suits the mode's scope, and the role its template, is checked at the end. */
bool aj_rules_stmt_signal(rules_parser *p, aj_rule_pos kw) {
    aj_rule_mode *m = &p->cur;
    if (m->n_signals == AJ_RULE_SIGNALS_MAX) {
        aj_rules_error_at(p, kw, "too many signals (at most %d in a mode)", AJ_RULE_SIGNALS_MAX);
        return false;
    }
    rules_name id, role;
    if (!aj_rules_expect_ident(p, &id, "the signal's id")) return false;
    if (!aj_rules_check_new_id(p, &id, "signal")) return false;
    int i = m->n_signals;
    aj_rule_signal *s = &m->signals[i];
    if (!(s->id = dup_name(p, &id))) return false;
    s->pos = id.pos;
    m->n_signals++;
    p->st.is_signal_broken[i] = true; /* until the whole statement is read */
    if (!aj_rules_expect(p, AJ_TK_EQ, "\"=\"")) return false;
    if (!aj_rules_expect_ident(p, &role, "a signal role (or, on zone, \"kind\")")) return false;
    p->st.role_pos[i] = role.pos;
    if (!strcmp(role.id, "kind")) {
        if (!signal_kind(p, s)) return false;
    } else if (!(s->role = dup_name(p, &role))) {
        return false;
    }
    s->is_optional = aj_rules_accept_word(p, "optional");
    p->st.is_signal_broken[i] = false;
    return true;
}

/* load SIGNAL [lag DURATION] */
bool aj_rules_stmt_load(rules_parser *p, aj_rule_pos kw) {
    if (!aj_rules_expect_ident(p, &p->st.load, "a signal id")) return false;
    if (aj_rules_accept_word(p, "lag"))
        return aj_rules_expect_duration(p, &p->cur.load_lag_ns, "the load's lag");
    return true;
}

/* warn P */
bool aj_rules_stmt_warn(rules_parser *p, aj_rule_pos kw) {
    p->st.is_warn_bad = !aj_rules_expect_probability(p, &p->cur.warn_at, "warn");
    return !p->st.is_warn_bad;
}

/* diagnose P */
bool aj_rules_stmt_diagnose(rules_parser *p, aj_rule_pos kw) {
    p->st.is_diagnose_bad = !aj_rules_expect_probability(p, &p->cur.diagnose_at, "diagnose");
    return !p->st.is_diagnose_bad;
}

/* corroborate N (at most the number of signals: checked at the end) */
bool aj_rules_stmt_corroborate(rules_parser *p, aj_rule_pos kw) {
    int n;
    if (!aj_rules_expect_count(p, &n, 1, AJ_RULE_SIGNALS_MAX, &p->st.corroborate_pos, "corroborate"))
        return false;
    p->cur.corroborate = n;
    p->st.is_corroborate_given = true;
    return true;
}

/* action "EN" [zh "ZH"] */
bool aj_rules_stmt_action(rules_parser *p, aj_rule_pos kw) {
    aj_rule_mode *m = &p->cur;
    if (m->n_actions == AJ_RULE_ACTIONS_MAX) {
        aj_rules_error_at(p, kw, "too many actions (at most %d in a mode)", AJ_RULE_ACTIONS_MAX);
        return false;
    }
    char *en = NULL, *zh = NULL;
    if (!aj_rules_expect_string(p, &en, "the action's text in quotes")) return false;
    if (aj_rules_accept_word(p, "zh") && !aj_rules_expect_string(p, &zh, "the Chinese text in quotes")) {
        free(en);
        return false;
    }
    m->actions[m->n_actions++] = (aj_rule_text){.en = en, .zh = zh};
    return true;
}

/* reference "TEXT" */
bool aj_rules_stmt_reference(rules_parser *p, aj_rule_pos kw) {
    return aj_rules_expect_string(p, &p->cur.reference, "the reference in quotes");
}

/* explains SIGNAL {, SIGNAL} (resolved at the end of the mode) */
bool aj_rules_stmt_explains(rules_parser *p, aj_rule_pos kw) {
    do {
        if (p->st.n_explains == AJ_RULE_SIGNALS_MAX) {
            aj_rules_error_at(p, kw, "too many signals in \"explains\" (at most %d)", AJ_RULE_SIGNALS_MAX);
            return false;
        }
        if (!aj_rules_expect_ident(p, &p->st.explains[p->st.n_explains], "a signal id")) return false;
        p->st.n_explains++;
    } while (p->lx.kind == AJ_TK_COMMA && aj_rules_expect(p, AJ_TK_COMMA, "\",\""));
    return true;
}

/* ttf SIGNAL deviation|level NUMBER */
bool aj_rules_stmt_ttf(rules_parser *p, aj_rule_pos kw) {
    aj_rule_mode *m = &p->cur;
    if (!aj_rules_expect_ident(p, &p->st.ttf, "a signal id")) return false;
    if (aj_rules_accept_word(p, "deviation"))
        m->ttf_is_deviation = true;
    else if (!aj_rules_expect_word(p, "level", "\"deviation\" or \"level\""))
        return false;
    return aj_rules_expect_number(p, &m->ttf_value, NULL, "the value at which the signal fails");
}
