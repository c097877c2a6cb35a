/* hazard.c — the closed loop, overdue and repeat rules of hidden dangers (hazard.h). */
#include "hazard/hazard.h"

#include <assert.h>
#include <string.h>

static const char *const STATES[AJ_HS_COUNT] = {"reported", "registered", "rectified", "accepted", "closed"};
static const char *const EVENTS[AJ_HE_COUNT] = {"register", "rectify", "accept", "reject", "close"};
static const struct {
    const char *name, *text;
} REFUSALS[AJ_HR_COUNT] = {
    [AJ_HR_NONE] = {"none", "allowed"},
    [AJ_HR_WRONG_STATE] = {"wrong_state", "the hazard is not in a state where this applies"},
    [AJ_HR_PLAN_REQUIRED] =
        {"plan_required",
         "a major hazard needs its remediation plan: target, method, funds and materials, people "
         "in charge, deadline, safety measures and emergency plan"},
    [AJ_HR_NOT_ASSIGNEE] = {"not_assignee",
                            "only the assignee or a safety manager records the rectification"},
    [AJ_HR_EVIDENCE_REQUIRED] = {"evidence_required", "say what was done (and add photos)"},
    [AJ_HR_SELF_ACCEPTANCE] = {"self_acceptance", "the rectifier cannot accept their own rectification"},
    [AJ_HR_REASON_REQUIRED] = {"reason_required", "a rejection says why"},
};

aj_hazard_refusal aj_hazard_step(aj_hazard_state from, aj_hazard_event ev, const aj_hazard_facts *f,
                                 aj_hazard_state *to) {
    assert(f && to);
    *to = from;
    switch (ev) {
    case AJ_HE_REGISTER:
        if (from != AJ_HS_REPORTED) return AJ_HR_WRONG_STATE;
        if (f->is_major && !f->has_plan) return AJ_HR_PLAN_REQUIRED;
        *to = AJ_HS_REGISTERED;
        return AJ_HR_NONE;
    case AJ_HE_RECTIFY:
        if (from != AJ_HS_REGISTERED) return AJ_HR_WRONG_STATE;
        if (!f->is_actor_assignee && !f->is_actor_manager) return AJ_HR_NOT_ASSIGNEE;
        if (!f->has_evidence) return AJ_HR_EVIDENCE_REQUIRED;
        *to = AJ_HS_RECTIFIED;
        return AJ_HR_NONE;
    case AJ_HE_ACCEPT:
        if (from != AJ_HS_RECTIFIED) return AJ_HR_WRONG_STATE;
        if (f->is_actor_rectifier) return AJ_HR_SELF_ACCEPTANCE;
        *to = AJ_HS_ACCEPTED;
        return AJ_HR_NONE;
    case AJ_HE_REJECT:
        if (from != AJ_HS_RECTIFIED) return AJ_HR_WRONG_STATE;
        if (f->is_actor_rectifier) return AJ_HR_SELF_ACCEPTANCE;
        if (!f->has_reason) return AJ_HR_REASON_REQUIRED;
        *to = AJ_HS_REGISTERED;
        return AJ_HR_NONE;
    case AJ_HE_CLOSE:
        if (from != AJ_HS_ACCEPTED) return AJ_HR_WRONG_STATE;
        *to = AJ_HS_CLOSED;
        return AJ_HR_NONE;
    case AJ_HE_COUNT:
        break;
    }
    return AJ_HR_WRONG_STATE;
}

int aj_hazard_escalation_due(int64_t deadline_ms, int64_t now_ms, int64_t escalate_after_ms, int max_level) {
    if (now_ms < deadline_ms) return 0;
    int64_t level = 1;
    if (escalate_after_ms > 0)
        level += (now_ms - deadline_ms) / escalate_after_ms;
    else
        level = max_level; /* escalate at once */
    return level > max_level ? max_level : (int)level;
}

static bool same_text(const char *a, const char *b) {
    return a && b && *a && !strcmp(a, b);
}

bool aj_hazard_is_repeat(const aj_hazard_key *a, const aj_hazard_key *b, int64_t window_ms) {
    if (b->reported_ms < a->reported_ms || b->reported_ms - a->reported_ms > window_ms) return false;
    if (a->asset_id && a->asset_id == b->asset_id && same_text(a->category, b->category)) return true;
    if (a->area_id && a->area_id == b->area_id && same_text(a->category, b->category)) return true;
    return a->area_id == b->area_id && same_text(a->cause, b->cause);
}

const char *aj_hazard_state_name(aj_hazard_state s) {
    return (unsigned)s < AJ_HS_COUNT ? STATES[s] : "?";
}
const char *aj_hazard_event_name(aj_hazard_event e) {
    return (unsigned)e < AJ_HE_COUNT ? EVENTS[e] : "?";
}
const char *aj_hazard_refusal_name(aj_hazard_refusal r) {
    return (unsigned)r < AJ_HR_COUNT ? REFUSALS[r].name : "?";
}
const char *aj_hazard_refusal_text(aj_hazard_refusal r) {
    return (unsigned)r < AJ_HR_COUNT ? REFUSALS[r].text : "?";
}
int aj_hazard_state_parse(const char *s) {
    for (int i = 0; s && i < AJ_HS_COUNT; i++)
        if (!strcmp(s, STATES[i])) return i;
    return -1;
}
