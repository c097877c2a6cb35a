/* hazard.h — the closed loop of a hidden danger (隐患排查治理) as pure rules:
 *
 *   reported --register (grade, assignee, deadline; major: a remediation plan)--> registered
 *   registered --rectify (evidence)--> rectified --accept (not the rectifier)--> accepted
 *   rectified --reject (reason)--> registered        accepted --close--> closed (销号)
 *
 * plus the overdue rule (notify the assignee at the deadline, escalate one level up every
 * escalate_after past it) and the repeat rule (same place and category, or same cause,
 * within a window). No I/O, no clock (docs/hazards.md). */
#ifndef AJ_HAZARD_H
#define AJ_HAZARD_H

#include <stdbool.h>
#include <stdint.h>

typedef enum aj_hazard_state {
    AJ_HS_REPORTED,
    AJ_HS_REGISTERED,
    AJ_HS_RECTIFIED,
    AJ_HS_ACCEPTED,
    AJ_HS_CLOSED,
    AJ_HS_COUNT
} aj_hazard_state;

typedef enum aj_hazard_event {
    AJ_HE_REGISTER,
    AJ_HE_RECTIFY,
    AJ_HE_ACCEPT,
    AJ_HE_REJECT,
    AJ_HE_CLOSE,
    AJ_HE_COUNT
} aj_hazard_event;

typedef enum aj_hazard_refusal {
    AJ_HR_NONE,
    AJ_HR_WRONG_STATE,
    AJ_HR_PLAN_REQUIRED,     /* a major hazard needs its remediation plan */
    AJ_HR_NOT_ASSIGNEE,      /* only the assignee (or a manager) rectifies */
    AJ_HR_EVIDENCE_REQUIRED, /* rectification needs a description of what was done */
    AJ_HR_SELF_ACCEPTANCE,   /* the rectifier cannot accept their own work */
    AJ_HR_REASON_REQUIRED,   /* a rejection says why */
    AJ_HR_COUNT
} aj_hazard_refusal;

typedef struct aj_hazard_facts {
    bool is_major;
    bool has_plan; /* all parts of the remediation plan given */
    bool is_actor_assignee;
    bool is_actor_manager;   /* hazards.manage */
    bool is_actor_rectifier; /* the user who rectified it */
    bool has_evidence;
    bool has_reason;
} aj_hazard_facts;

aj_hazard_refusal aj_hazard_step(aj_hazard_state from, aj_hazard_event ev, const aj_hazard_facts *f,
                                 aj_hazard_state *to);

/* The escalation level due at now_ms: 0 before the deadline, 1 at it (the assignee is
 * told), 1 + k after k whole escalate_after_ms past it (one level up each time), at most
 * max_level. Closed or accepted hazards are never due (the caller does not ask). */
int aj_hazard_escalation_due(int64_t deadline_ms, int64_t now_ms, int64_t escalate_after_ms, int max_level);

/* A hazard as the repeat rule sees it. */
typedef struct aj_hazard_key {
    int64_t area_id, asset_id; /* 0: none */
    const char *category;
    const char *cause; /* NULL or "": none */
    int64_t reported_ms;
} aj_hazard_key;

/* Whether b repeats a (b reported after a, within window_ms): same equipment, or the same
 * area and category, or the same cause in the same area. */
bool aj_hazard_is_repeat(const aj_hazard_key *a, const aj_hazard_key *b, int64_t window_ms);

const char *aj_hazard_state_name(aj_hazard_state s);
const char *aj_hazard_event_name(aj_hazard_event e);
const char *aj_hazard_refusal_name(aj_hazard_refusal r);
const char *aj_hazard_refusal_text(aj_hazard_refusal r);
int aj_hazard_state_parse(const char *s);

#endif
