/* evtrack.h — the recent history of one piece of evidence: its state now and its last
 * transitions, with their event times. The reasoner evaluates a failure mode "as of" a
 * time T that may lie a little behind the newest point of a signal (the watermark), so it
 * asks for the state at T rather than the latest; within(), before() and count() ask
 * whether and when the evidence was present in a window.
 *
 * States: AJ_EV_UNKNOWN (no usable data: signal missing, bad quality, baseline warming up,
 * asset stopped), AJ_EV_ABSENT, AJ_EV_PRESENT. The history keeps the last
 * AJ_EVTRACK_HISTORY transitions; older ones are forgotten (answers about windows reaching
 * further back count only what is kept, which the limit on count() thresholds makes
 * exact: docs/rules.md). Pure, fixed size, no allocation. */
#ifndef AJ_EVTRACK_H
#define AJ_EVTRACK_H

#include <stdbool.h>
#include <stdint.h>

#define AJ_EVTRACK_HISTORY 16

typedef enum { AJ_EV_UNKNOWN = 0, AJ_EV_ABSENT = 1, AJ_EV_PRESENT = 2 } aj_ev_state;

typedef struct aj_evtrack_change {
    int64_t t_ns;
    uint8_t state; /* aj_ev_state from t_ns on */
} aj_evtrack_change;

typedef struct aj_evtrack {
    aj_evtrack_change hist[AJ_EVTRACK_HISTORY]; /* ring, oldest first from head */
    uint8_t head, n;
    uint8_t state;      /* latest state (AJ_EV_UNKNOWN before any change) */
    bool has_forgotten; /* older changes were dropped from the ring */
} aj_evtrack;

void aj_evtrack_init(aj_evtrack *e);

/* Records the state from t_ns on (t_ns not before the latest change; the same state again
 * is no change). */
void aj_evtrack_set(aj_evtrack *e, int64_t t_ns, aj_ev_state state);

/* The state at time t (AJ_EV_UNKNOWN before the first change kept). */
aj_ev_state aj_evtrack_at(const aj_evtrack *e, int64_t t_ns);

/* Whether it was present at some time in [from, to]. */
bool aj_evtrack_present_in(const aj_evtrack *e, int64_t from_ns, int64_t to_ns);

/* Times it became present in [from, to] (a change to present at a time in the window). */
int aj_evtrack_rises_in(const aj_evtrack *e, int64_t from_ns, int64_t to_ns);

/* The latest time at or before t it became present; false if none is kept. */
bool aj_evtrack_last_rise(const aj_evtrack *e, int64_t t_ns, int64_t *rise_ns);

/* When the state at t began (the latest change at or before t); false if none is kept. */
bool aj_evtrack_since(const aj_evtrack *e, int64_t t_ns, int64_t *since_ns);

#endif
