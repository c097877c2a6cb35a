/* evtrack.c — recent transitions of one piece of evidence (evtrack.h). */
#include "reason/evtrack.h"

#include <assert.h>

void aj_evtrack_init(aj_evtrack *e) {
    *e = (aj_evtrack){.state = AJ_EV_UNKNOWN};
}

static const aj_evtrack_change *change(const aj_evtrack *e, int i) { /* i-th oldest kept */
    return &e->hist[(e->head + i) % AJ_EVTRACK_HISTORY];
}

void aj_evtrack_set(aj_evtrack *e, int64_t t_ns, aj_ev_state state) {
    if (state == e->state && (e->n > 0 || e->has_forgotten)) return;
    if (state == AJ_EV_UNKNOWN && e->n == 0 && !e->has_forgotten) return;
    if (e->n > 0) {
        assert(t_ns >= change(e, e->n - 1)->t_ns);
        if (t_ns == change(e, e->n - 1)->t_ns) { /* two changes at one time: the last counts */
            e->hist[(e->head + e->n - 1) % AJ_EVTRACK_HISTORY].state = (uint8_t)state;
            e->state = (uint8_t)state;
            return;
        }
    }
    if (e->n == AJ_EVTRACK_HISTORY) {
        e->head = (uint8_t)((e->head + 1) % AJ_EVTRACK_HISTORY);
        e->n--;
        e->has_forgotten = true;
    }
    e->hist[(e->head + e->n) % AJ_EVTRACK_HISTORY] = (aj_evtrack_change){t_ns, (uint8_t)state};
    e->n++;
    e->state = (uint8_t)state;
}

/* Index of the latest change at or before t, or -1. */
static int latest_at(const aj_evtrack *e, int64_t t_ns) {
    for (int i = e->n - 1; i >= 0; i--)
        if (change(e, i)->t_ns <= t_ns) return i;
    return -1;
}

aj_ev_state aj_evtrack_at(const aj_evtrack *e, int64_t t_ns) {
    int i = latest_at(e, t_ns);
    return i < 0 ? AJ_EV_UNKNOWN : (aj_ev_state)change(e, i)->state;
}

bool aj_evtrack_present_in(const aj_evtrack *e, int64_t from_ns, int64_t to_ns) {
    if (from_ns > to_ns) return false;
    if (aj_evtrack_at(e, from_ns) == AJ_EV_PRESENT) return true;
    for (int i = 0; i < e->n; i++) {
        const aj_evtrack_change *c = change(e, i);
        if (c->t_ns > from_ns && c->t_ns <= to_ns && c->state == AJ_EV_PRESENT) return true;
    }
    return false;
}

int aj_evtrack_rises_in(const aj_evtrack *e, int64_t from_ns, int64_t to_ns) {
    int n = 0;
    for (int i = 0; i < e->n; i++) {
        const aj_evtrack_change *c = change(e, i);
        bool was_present = i > 0 && change(e, i - 1)->state == AJ_EV_PRESENT;
        if (c->t_ns >= from_ns && c->t_ns <= to_ns && c->state == AJ_EV_PRESENT && !was_present) n++;
    }
    return n;
}

bool aj_evtrack_last_rise(const aj_evtrack *e, int64_t t_ns, int64_t *rise_ns) {
    for (int i = latest_at(e, t_ns); i >= 0; i--) {
        const aj_evtrack_change *c = change(e, i);
        bool was_present = i > 0 && change(e, i - 1)->state == AJ_EV_PRESENT;
        if (c->state == AJ_EV_PRESENT && !was_present) {
            *rise_ns = c->t_ns;
            return true;
        }
    }
    return false;
}

bool aj_evtrack_since(const aj_evtrack *e, int64_t t_ns, int64_t *since_ns) {
    int i = latest_at(e, t_ns);
    if (i < 0) return false;
    *since_ns = change(e, i)->t_ns;
    return true;
}
