/* lifecycle.h — the life cycle of a work permit (GB 30871-2022) as one pure state machine.
 *
 *   draft --submit--> submitted --confirm_measures--> measures_confirmed
 *     --record_gas (pass; types that need gas analysis)--> gas_analysed
 *     --approve--> approving --approve ...--> issued        (the last approval issues it)
 *   issued --start--> in_progress <--pause / resume--> paused
 *   in_progress | paused --complete--> completed --close--> closed --archive--> archived
 *   before issue: cancel (reason) -> cancelled; edit -> back to draft (approvals start over)
 *   issued | in_progress | paused: void (reason) -> void; expire (validity over) -> void
 *   after issue: edit is refused — a change of content, scope or place needs a new permit
 *
 * The caller gathers the facts at the moment of the event (the clock, the latest gas
 * sample and its verdict, approvals, check-ins, the attendant, people inside a confined
 * space, active interlocks) and asks aj_permit_step(); the answer is the next state or the
 * one reason it is refused, so every refusal can be named to the user and audited. The
 * rules enforced here, by construction: gas analysis no older than the type's limit at
 * start and a passing verdict; a re-test after a pause longer than the grade's limit;
 * approvals by the next role of the chain, given inside the work site's geofence; workers
 * with valid certificates and the attendant present at start and resume; no start or
 * resume while an interlock holds (gas alarm in the area, a detector above the pass limit);
 * no work outside the validity window; no closing while anyone is inside.
 *
 * No I/O, no clock, no allocation (docs/permits.md "Life cycle"). */
#ifndef AJ_PERMIT_LIFECYCLE_H
#define AJ_PERMIT_LIFECYCLE_H

#include "permit/grading.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum aj_permit_state {
    AJ_PS_DRAFT,
    AJ_PS_SUBMITTED,
    AJ_PS_MEASURES_CONFIRMED,
    AJ_PS_GAS_ANALYSED,
    AJ_PS_APPROVING,
    AJ_PS_ISSUED,
    AJ_PS_IN_PROGRESS,
    AJ_PS_PAUSED,
    AJ_PS_COMPLETED,
    AJ_PS_CLOSED,
    AJ_PS_ARCHIVED,
    AJ_PS_VOID,
    AJ_PS_CANCELLED,
    AJ_PS_COUNT
} aj_permit_state;

typedef enum aj_permit_event {
    AJ_PE_SUBMIT,
    AJ_PE_EDIT,
    AJ_PE_CONFIRM_MEASURES,
    AJ_PE_RECORD_GAS,
    AJ_PE_APPROVE,
    AJ_PE_START,
    AJ_PE_PAUSE,
    AJ_PE_RESUME,
    AJ_PE_COMPLETE,
    AJ_PE_CLOSE,
    AJ_PE_ARCHIVE,
    AJ_PE_CANCEL,
    AJ_PE_VOID,
    AJ_PE_EXPIRE,
    AJ_PE_COUNT
} aj_permit_event;

/* Why an event is refused (AJ_PR_NONE: allowed). */
typedef enum aj_permit_refusal {
    AJ_PR_NONE,
    AJ_PR_WRONG_STATE,       /* the event does not apply in this state */
    AJ_PR_NEW_PERMIT_NEEDED, /* content, scope or place changed after issue */
    AJ_PR_MEASURES_OPEN,     /* safety measures not all confirmed */
    AJ_PR_GAS_REQUIRED,      /* the type needs a passing gas analysis first */
    AJ_PR_GAS_FAILING,       /* the latest sample does not pass */
    AJ_PR_GAS_STALE,         /* the latest sample is older than the type allows */
    AJ_PR_RETEST_DUE,        /* paused longer than the grade allows: sample again */
    AJ_PR_NOT_NEXT_APPROVER, /* the actor does not hold the next role of the chain */
    AJ_PR_OUTSIDE_GEOFENCE,  /* approvals are given at the work site */
    AJ_PR_NO_WORKERS,        /* nobody checked in */
    AJ_PR_CERTIFICATE,       /* a worker's certificate is missing, wrong, expired or overdue */
    AJ_PR_ATTENDANT_ABSENT,  /* the attendant is not at the work site */
    AJ_PR_INTERLOCK,         /* a gas alarm or detector reading holds the work */
    AJ_PR_NOT_YET_VALID,     /* before the validity window */
    AJ_PR_EXPIRED,           /* the validity window is over */
    AJ_PR_NOT_EXPIRED,       /* expire before the end of the window */
    AJ_PR_PEOPLE_INSIDE,     /* a confined space cannot be closed with anyone inside */
    AJ_PR_REASON_REQUIRED,   /* void and cancel need a reason */
    AJ_PR_COUNT
} aj_permit_refusal;

/* What the caller knows at the moment of the event. Times are UTC milliseconds. */
typedef struct aj_permit_facts {
    int64_t now_ms;
    int64_t valid_from_ms, valid_to_ms; /* the permit's window, from <= to */
    /* safety measures (checklist items) */
    int n_measures, n_measures_confirmed;
    /* gas analysis: required by the type; the latest sample and its verdict */
    bool is_gas_required;
    bool has_gas_sample;
    int64_t gas_sampled_ms;
    aj_gas_verdict gas_verdict;
    int gas_max_age_min;        /* sample no older than this at start (catalogue) */
    int retest_after_pause_min; /* re-test after a pause longer than this (catalogue, grade) */
    int64_t paused_since_ms;    /* in paused: when the pause began */
    /* approvals */
    int n_approvals_required, n_approvals_given;
    bool is_actor_next_approver;
    bool is_actor_at_site;
    /* people */
    int n_workers, n_workers_certified; /* checked in; of them with a valid certificate */
    bool is_attendant_present;
    int people_inside; /* confined space: people in minus people out */
    bool is_interlock_active;
    bool has_reason;
} aj_permit_facts;

/* The next state after event ev in state from, or the refusal (then *to == from). */
aj_permit_refusal aj_permit_step(aj_permit_state from, aj_permit_event ev, const aj_permit_facts *f,
                                 aj_permit_state *to);

/* Whether the permit is active (issued, in progress or paused): its interlocks apply. */
bool aj_permit_state_is_active(aj_permit_state s);
/* Whether no event but archive changes it any more. */
bool aj_permit_state_is_final(aj_permit_state s);

/* snake_case names for storage and the API, and their inverses (-1: unknown). */
const char *aj_permit_state_name(aj_permit_state s);
const char *aj_permit_event_name(aj_permit_event e);
const char *aj_permit_refusal_name(aj_permit_refusal r);
/* One sentence for the user, e.g. "the gas sample is older than the permit type allows". */
const char *aj_permit_refusal_text(aj_permit_refusal r);
int aj_permit_state_parse(const char *name);
int aj_permit_event_parse(const char *name);

#endif
