/* reason_terms.c — per-evidence term ranges over a replay (reason_terms.h). */
#include "cli/reason_terms.h"

#include "base/timeutil.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

typedef struct term_range {
    long n;
    double min, max;
    int64_t min_t, max_t; /* when they were reached */
} term_range;

struct reason_terms {
    int n_bound;
    term_range **per_bound; /* [bound index][evidence index] */
};

reason_terms *reason_terms_new(aj_reasoner *r) {
    reason_terms *ts = calloc(1, sizeof *ts);
    if (!ts) return NULL;
    ts->n_bound = aj_reasoner_n_bound(r);
    ts->per_bound = calloc(ts->n_bound ? (size_t)ts->n_bound : 1, sizeof *ts->per_bound);
    if (!ts->per_bound) {
        free(ts);
        return NULL;
    }
    for (int i = 0; i < ts->n_bound; i++) {
        int ne = aj_reasoner_bound(r, i)->inst->mode->n_evidence;
        ts->per_bound[i] = calloc(ne ? (size_t)ne : 1, sizeof **ts->per_bound);
        if (!ts->per_bound[i]) {
            reason_terms_free(ts);
            return NULL;
        }
    }
    return ts;
}

void reason_terms_free(reason_terms *ts) {
    if (!ts) return;
    for (int i = 0; i < ts->n_bound; i++) free(ts->per_bound[i]);
    free(ts->per_bound);
    free(ts);
}

void reason_terms_observe(void *ctx, int index, const aj_rbound *b, int64_t t_ns) {
    reason_terms *ts = ctx;
    const aj_rinst *in = b->inst;
    if (index < 0 || index >= ts->n_bound || !in->is_running) return;
    for (int e = 0; e < in->mode->n_evidence; e++) {
        double v = in->view[e].term;
        if (in->mode->evidence[e].signal < 0 || !isfinite(v)) continue;
        term_range *tr = &ts->per_bound[index][e];
        if (!tr->n || v < tr->min) {
            tr->min = v;
            tr->min_t = t_ns;
        }
        if (!tr->n || v > tr->max) {
            tr->max = v;
            tr->max_t = t_ns;
        }
        tr->n++;
    }
}

bool reason_terms_write(const reason_terms *ts, aj_reasoner *r, FILE *f) {
    json_t *o = json_object();
    for (int i = 0; i < ts->n_bound && i < aj_reasoner_n_bound(r); i++) {
        const aj_rbound *b = aj_reasoner_bound(r, i);
        const aj_rule_mode *m = b->inst->mode;
        json_t *evs = json_object();
        for (int e = 0; e < m->n_evidence; e++) {
            const term_range *tr = &ts->per_bound[i][e];
            if (!tr->n) continue;
            char t_min[40], t_max[40];
            aj_time_format_ms(tr->min_t / 1000000, t_min, sizeof t_min);
            aj_time_format_ms(tr->max_t / 1000000, t_max, sizeof t_max);
            json_object_set_new(evs, m->evidence[e].id,
                                json_pack("{s:I, s:f, s:s, s:f, s:s}", "n", (json_int_t)tr->n, "min", tr->min,
                                          "min_at", t_min, "max", tr->max, "max_at", t_max));
        }
        char key[160];
        snprintf(key, sizeof key, "%s@%s", m->id, b->scope_code);
        json_object_set_new(o, key, evs);
    }
    int bad = json_dumpf(o, f, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    json_decref(o);
    return !bad;
}
