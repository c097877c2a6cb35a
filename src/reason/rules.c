/* rules.c — the failure-mode rule set outside the parser: freeing, merging the sets of
 * several files, names of enum values, lookups, and the invariant checker that every
 * parsed mode satisfies (aj_rule_mode_ok, for asserts and the fuzzer).
 *
 * The parser lives in rules_parse.c (statement loop, end-of-mode checks), rules_stmt.c and
 * rules_evidence.c (statements) and rules_lex.c (tokens); docs/rules.md is the language.
 * A set owns its modes array and every string in it.
 */
#include "reason/rules.h"
#include "reason/rules_parser.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const PRIORITY_NAMES[] = {"emergency", "high", "medium", "low"};
static const char *const TERM_NAMES[] = {"level", "deviation", "relative", "ratio",
                                         "slope", "count",     "within",   "before"};

const char *aj_rule_priority_name(aj_rule_priority p) {
    assert(p >= AJ_RULE_PRIO_EMERGENCY && p <= AJ_RULE_PRIO_LOW);
    return PRIORITY_NAMES[p];
}

const char *aj_rule_term_name(aj_rule_term t) {
    assert(t >= AJ_RT_LEVEL && t <= AJ_RT_BEFORE);
    return TERM_NAMES[t];
}

int aj_rule_signal_index(const aj_rule_mode *m, const char *id) {
    for (int i = 0; i < m->n_signals; i++)
        if (m->signals[i].id && !strcmp(m->signals[i].id, id)) return i;
    return -1;
}

int aj_rule_evidence_index(const aj_rule_mode *m, const char *id) {
    for (int i = 0; i < m->n_evidence; i++)
        if (m->evidence[i].id && !strcmp(m->evidence[i].id, id)) return i;
    return -1;
}

void aj_rules_mode_clear(aj_rule_mode *m) {
    free(m->id);
    free(m->name.en);
    free(m->name.zh);
    free(m->template_name);
    for (int i = 0; i < m->n_signals; i++) {
        free(m->signals[i].id);
        free(m->signals[i].role);
        free(m->signals[i].kind);
        free(m->signals[i].gas);
    }
    for (int i = 0; i < m->n_evidence; i++) free(m->evidence[i].id);
    for (int i = 0; i < m->n_actions; i++) {
        free(m->actions[i].en);
        free(m->actions[i].zh);
    }
    free(m->reference);
    memset(m, 0, sizeof *m);
}

aj_rules *aj_rules_new(void) {
    return calloc(1, sizeof(aj_rules));
}

void aj_rules_free(aj_rules *rules) {
    if (!rules) return;
    for (int i = 0; i < rules->n_modes; i++) aj_rules_mode_clear(&rules->modes[i]);
    free(rules->modes);
    free(rules);
}

static void merge_error(aj_rules_errors *errs, aj_rule_pos pos, const char *fmt, const char *id, int n) {
    errs->items[0].pos = pos;
    snprintf(errs->items[0].message, sizeof errs->items[0].message, fmt, id, n);
    errs->n = 1;
}

aj_err aj_rules_merge(aj_rules *dst, aj_rules *src, aj_rules_errors *errs) {
    aj_rules_errors scratch;
    assert(dst && src && dst != src);
    if (!errs) errs = &scratch;
    errs->n = 0;
    errs->is_truncated = false;
    for (int i = 0; i < src->n_modes; i++) {
        const aj_rule_mode *m = &src->modes[i];
        if (dst->n_modes + i >= AJ_RULES_MODES_MAX) {
            merge_error(errs, m->pos, "too many modes at mode \"%s\" (at most %d in all files)", m->id,
                        AJ_RULES_MODES_MAX);
            return AJ_ETOOBIG;
        }
        for (int j = 0; j < dst->n_modes; j++) {
            if (!strcmp(dst->modes[j].id, m->id)) {
                merge_error(errs, m->pos,
                            "duplicate mode \"%s\" (already defined at line %d of another file)", m->id,
                            dst->modes[j].pos.line);
                return AJ_ECONFLICT;
            }
        }
    }
    if (!src->n_modes) return AJ_OK;
    size_t n = (size_t)dst->n_modes + (size_t)src->n_modes;
    aj_rule_mode *modes = realloc(dst->modes, n * sizeof *modes);
    if (!modes) return AJ_ENOMEM;
    memcpy(modes + dst->n_modes, src->modes, (size_t)src->n_modes * sizeof *modes);
    dst->modes = modes;
    dst->n_modes = (int)n;
    free(src->modes);
    src->modes = NULL;
    src->n_modes = 0;
    return AJ_OK;
}

/* ---- invariants ---------------------------------------------------------------------- */

static bool text_ok(const char *s) {
    return s && s[0] && strlen(s) < AJ_RULE_TEXT_MAX;
}

static bool id_ok(const char *s) {
    return s && s[0] && strlen(s) < AJ_RULE_ID_MAX;
}

static bool signal_ok(const aj_rule_mode *m, const aj_rule_signal *s) {
    if (!id_ok(s->id)) return false;
    if (m->scope == AJ_RULE_ON_ASSET) return id_ok(s->role) && !s->kind && !s->gas;
    return !s->role && id_ok(s->kind) && (!s->gas || id_ok(s->gas));
}

static bool span_ok(int64_t ns) {
    return ns > 0 && ns <= AJ_RULE_SPAN_MAX_NS;
}

static bool evidence_ok(const aj_rule_mode *m, int i) {
    const aj_rule_evidence *e = &m->evidence[i];
    bool is_signal_term = e->term <= AJ_RT_SLOPE;
    bool has_span = e->term >= AJ_RT_SLOPE;
    if (!id_ok(e->id) || e->term < AJ_RT_LEVEL || e->term > AJ_RT_BEFORE) return false;
    if (!(isfinite(e->lr) && e->lr > 0) || !isfinite(e->threshold)) return false;
    if (has_span ? !span_ok(e->span_ns) : e->span_ns != 0) return false;
    if (e->for_ns && !span_ok(e->for_ns)) return false;
    if (is_signal_term) {
        if (e->signal < 0 || e->signal >= m->n_signals || e->n_refs != 0) return false;
    } else {
        int want_lo = e->term == AJ_RT_COUNT ? 1 : 2;
        int want_hi = e->term == AJ_RT_WITHIN ? AJ_RULE_REFS_MAX : want_lo;
        if (e->signal != -1 || e->n_refs < want_lo || e->n_refs > want_hi) return false;
        for (int k = 0; k < e->n_refs; k++)
            if (e->refs[k] < 0 || e->refs[k] >= i) return false;
        if (e->term == AJ_RT_BEFORE && e->refs[0] == e->refs[1]) return false;
    }
    if (e->term == AJ_RT_WITHIN || e->term == AJ_RT_BEFORE) return !e->has_cmp && e->for_ns == 0;
    if (!e->has_cmp || e->cmp < AJ_RC_GT || e->cmp > AJ_RC_LE) return false;
    if (e->term == AJ_RT_RATIO && !(e->threshold > 0)) return false;
    if (e->term == AJ_RT_COUNT &&
        !(e->threshold >= 0 && e->threshold <= AJ_RULE_COUNT_MAX && e->threshold == floor(e->threshold)))
        return false;
    return true;
}

static bool outputs_ok(const aj_rule_mode *m) {
    if (m->n_actions < 0 || m->n_actions > AJ_RULE_ACTIONS_MAX) return false;
    for (int i = 0; i < m->n_actions; i++)
        if (!text_ok(m->actions[i].en) || (m->actions[i].zh && !text_ok(m->actions[i].zh))) return false;
    if (m->reference && !text_ok(m->reference)) return false;
    if (m->ttf_signal < -1 || m->ttf_signal >= m->n_signals || !isfinite(m->ttf_value)) return false;
    return text_ok(m->name.en) && text_ok(m->name.zh);
}

bool aj_rule_mode_ok(const aj_rule_mode *m) {
    if (!id_ok(m->id) || !outputs_ok(m)) return false;
    if (m->scope == AJ_RULE_ON_ASSET ? !id_ok(m->template_name)
                                     : (m->scope != AJ_RULE_ON_ZONE || m->template_name))
        return false;
    if (m->priority < AJ_RULE_PRIO_EMERGENCY || m->priority > AJ_RULE_PRIO_LOW) return false;
    if (!(m->prior > 0 && m->prior < 1 && m->warn_at > 0 && m->warn_at < m->diagnose_at &&
          m->diagnose_at < 1))
        return false;
    if (m->n_signals < 1 || m->n_signals > AJ_RULE_SIGNALS_MAX) return false;
    if (m->n_evidence < 1 || m->n_evidence > AJ_RULE_EVIDENCE_MAX) return false;
    if (m->corroborate < 1 || m->corroborate > m->n_signals) return false;
    if (m->load_signal < -1 || m->load_signal >= m->n_signals) return false;
    for (int i = 0; i < m->n_signals; i++) {
        if (!signal_ok(m, &m->signals[i])) return false;
        for (int j = 0; j < i; j++)
            if (!strcmp(m->signals[i].id, m->signals[j].id)) return false;
    }
    for (int i = 0; i < m->n_evidence; i++) {
        if (!evidence_ok(m, i) || aj_rule_signal_index(m, m->evidence[i].id) >= 0) return false;
        for (int j = 0; j < i; j++)
            if (!strcmp(m->evidence[i].id, m->evidence[j].id)) return false;
    }
    return true;
}

bool aj_rules_ok(const aj_rules *rules) {
    if (rules->n_modes < 0 || rules->n_modes > AJ_RULES_MODES_MAX || (rules->n_modes && !rules->modes))
        return false;
    for (int i = 0; i < rules->n_modes; i++) {
        if (!aj_rule_mode_ok(&rules->modes[i])) return false;
        for (int j = 0; j < i; j++)
            if (!strcmp(rules->modes[i].id, rules->modes[j].id)) return false;
    }
    return true;
}
