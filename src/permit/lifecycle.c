/* lifecycle.c — the work permit's state machine (lifecycle.h). */
#include "permit/lifecycle.h"

#include <assert.h>
#include <string.h>

static const char *const STATE_NAMES[AJ_PS_COUNT] = {
    "draft",       "submitted", "measures_confirmed", "gas_analysed", "approving", "issued",
    "in_progress", "paused",    "completed",          "closed",       "archived",  "void",
    "cancelled"};

static const char *const EVENT_NAMES[AJ_PE_COUNT] = {
    "submit",   "edit",  "confirm_measures", "record_gas", "approve", "start", "pause", "resume",
    "complete", "close", "archive",          "cancel",     "void",    "expire"};

static const struct {
    const char *name, *text;
} REFUSALS[AJ_PR_COUNT] = {
    [AJ_PR_NONE] = {"none", "allowed"},
    [AJ_PR_WRONG_STATE] = {"wrong_state", "this step does not apply to the permit in its current state"},
    [AJ_PR_NEW_PERMIT_NEEDED] =
        {"new_permit_needed",
         "the permit has been issued: a change of content, scope or place needs a new permit"},
    [AJ_PR_MEASURES_OPEN] = {"measures_open", "not every safety measure has been confirmed"},
    [AJ_PR_GAS_REQUIRED] = {"gas_required", "this permit type needs a passing gas analysis first"},
    [AJ_PR_GAS_FAILING] = {"gas_failing", "the latest gas sample does not pass"},
    [AJ_PR_GAS_STALE] = {"gas_stale", "the gas sample is older than the permit type allows: sample again"},
    [AJ_PR_RETEST_DUE] = {"retest_due",
                          "the work was paused longer than allowed: a new gas sample is needed"},
    [AJ_PR_NOT_NEXT_APPROVER] = {"not_next_approver", "the approval is due from another role of the chain"},
    [AJ_PR_OUTSIDE_GEOFENCE] = {"outside_geofence", "approvals are given at the work site"},
    [AJ_PR_NO_WORKERS] = {"no_workers", "no worker has checked in"},
    [AJ_PR_CERTIFICATE] =
        {"certificate", "a worker's certificate is missing, of another type, expired or overdue for review"},
    [AJ_PR_ATTENDANT_ABSENT] = {"attendant_absent", "the attendant is not at the work site"},
    [AJ_PR_INTERLOCK] = {"interlock", "a gas alarm or detector reading at the work site holds the work"},
    [AJ_PR_NOT_YET_VALID] = {"not_yet_valid", "the permit's validity has not begun"},
    [AJ_PR_EXPIRED] = {"expired", "the permit's validity is over"},
    [AJ_PR_NOT_EXPIRED] = {"not_expired", "the permit's validity is not over"},
    [AJ_PR_PEOPLE_INSIDE] = {"people_inside", "people are still inside the confined space"},
    [AJ_PR_REASON_REQUIRED] = {"reason_required", "a reason is required"},
};

const char *aj_permit_state_name(aj_permit_state s) {
    return (unsigned)s < AJ_PS_COUNT ? STATE_NAMES[s] : "?";
}

const char *aj_permit_event_name(aj_permit_event e) {
    return (unsigned)e < AJ_PE_COUNT ? EVENT_NAMES[e] : "?";
}

const char *aj_permit_refusal_name(aj_permit_refusal r) {
    return (unsigned)r < AJ_PR_COUNT ? REFUSALS[r].name : "?";
}

const char *aj_permit_refusal_text(aj_permit_refusal r) {
    return (unsigned)r < AJ_PR_COUNT ? REFUSALS[r].text : "?";
}

int aj_permit_state_parse(const char *name) {
    for (int i = 0; name && i < AJ_PS_COUNT; i++)
        if (!strcmp(STATE_NAMES[i], name)) return i;
    return -1;
}

int aj_permit_event_parse(const char *name) {
    for (int i = 0; name && i < AJ_PE_COUNT; i++)
        if (!strcmp(EVENT_NAMES[i], name)) return i;
    return -1;
}

bool aj_permit_state_is_active(aj_permit_state s) {
    return s == AJ_PS_ISSUED || s == AJ_PS_IN_PROGRESS || s == AJ_PS_PAUSED;
}

bool aj_permit_state_is_final(aj_permit_state s) {
    return s == AJ_PS_CLOSED || s == AJ_PS_ARCHIVED || s == AJ_PS_VOID || s == AJ_PS_CANCELLED;
}

static bool is_before_issue(aj_permit_state s) {
    return s <= AJ_PS_APPROVING;
}

/* ---- guards ---------------------------------------------------------------------------- */

static aj_permit_refusal window_guard(const aj_permit_facts *f) {
    if (f->now_ms < f->valid_from_ms) return AJ_PR_NOT_YET_VALID;
    if (f->now_ms >= f->valid_to_ms) return AJ_PR_EXPIRED;
    return AJ_PR_NONE;
}

/* The latest sample passes and is fresh enough to start on. */
static aj_permit_refusal gas_guard(const aj_permit_facts *f) {
    if (!f->is_gas_required) return AJ_PR_NONE;
    if (!f->has_gas_sample) return AJ_PR_GAS_REQUIRED;
    if (f->gas_verdict != AJ_GAS_PASS) return AJ_PR_GAS_FAILING;
    aj_gas_verdict age = aj_gas_check_sample_age(f->gas_sampled_ms, f->now_ms, f->gas_max_age_min);
    if (age == AJ_GAS_STALE) return AJ_PR_GAS_STALE;
    if (age != AJ_GAS_PASS) return AJ_PR_GAS_FAILING; /* a sample from the future is no sample */
    return AJ_PR_NONE;
}

static aj_permit_refusal people_guard(const aj_permit_facts *f) {
    if (f->n_workers <= 0) return AJ_PR_NO_WORKERS;
    if (f->n_workers_certified < f->n_workers) return AJ_PR_CERTIFICATE;
    if (!f->is_attendant_present) return AJ_PR_ATTENDANT_ABSENT;
    return AJ_PR_NONE;
}

/* Starting (or resuming) work: in order, the first that fails is the answer. */
static aj_permit_refusal work_guard(const aj_permit_facts *f) {
    aj_permit_refusal r = window_guard(f);
    if (!r && f->is_interlock_active) r = AJ_PR_INTERLOCK;
    if (!r) r = people_guard(f);
    return r;
}

/* After a pause longer than the grade's limit, only a sample taken since the pause began
 * clears the resumption. */
static aj_permit_refusal retest_guard(const aj_permit_facts *f) {
    if (!f->is_gas_required) return AJ_PR_NONE;
    bool is_long = aj_gas_retest_is_due(f->now_ms - f->paused_since_ms, f->retest_after_pause_min);
    if (is_long && (!f->has_gas_sample || f->gas_sampled_ms < f->paused_since_ms)) return AJ_PR_RETEST_DUE;
    if (!f->has_gas_sample) return AJ_PR_GAS_REQUIRED;
    if (f->gas_verdict != AJ_GAS_PASS) return AJ_PR_GAS_FAILING; /* a short pause keeps the sample */
    return AJ_PR_NONE;
}

/* ---- the machine ----------------------------------------------------------------------- */

static aj_permit_refusal next_state(aj_permit_state from, aj_permit_event ev, const aj_permit_facts *f,
                                    aj_permit_state *to) {
    aj_permit_refusal r;
    switch (ev) {
    case AJ_PE_SUBMIT:
        if (from != AJ_PS_DRAFT) return AJ_PR_WRONG_STATE;
        *to = AJ_PS_SUBMITTED;
        return AJ_PR_NONE;
    case AJ_PE_EDIT:
        if (from == AJ_PS_VOID || from == AJ_PS_CANCELLED) return AJ_PR_WRONG_STATE;
        if (!is_before_issue(from)) return AJ_PR_NEW_PERMIT_NEEDED;
        *to = AJ_PS_DRAFT; /* measures, gas and approvals start over */
        return AJ_PR_NONE;
    case AJ_PE_CONFIRM_MEASURES:
        if (from != AJ_PS_SUBMITTED) return AJ_PR_WRONG_STATE;
        if (f->n_measures_confirmed < f->n_measures) return AJ_PR_MEASURES_OPEN;
        *to = AJ_PS_MEASURES_CONFIRMED;
        return AJ_PR_NONE;
    case AJ_PE_RECORD_GAS:
        /* the sample is kept whatever its verdict; only a pass moves a permit on */
        if (from != AJ_PS_MEASURES_CONFIRMED && from != AJ_PS_GAS_ANALYSED && from != AJ_PS_APPROVING &&
            !aj_permit_state_is_active(from))
            return AJ_PR_WRONG_STATE;
        if (!f->has_gas_sample) return AJ_PR_GAS_REQUIRED;
        if (f->gas_verdict != AJ_GAS_PASS) return AJ_PR_GAS_FAILING;
        *to = from == AJ_PS_MEASURES_CONFIRMED ? AJ_PS_GAS_ANALYSED : from;
        return AJ_PR_NONE;
    case AJ_PE_APPROVE:
        if (from == AJ_PS_MEASURES_CONFIRMED) {
            if (f->is_gas_required) return AJ_PR_GAS_REQUIRED;
        } else if (from != AJ_PS_GAS_ANALYSED && from != AJ_PS_APPROVING) {
            return AJ_PR_WRONG_STATE;
        }
        if (!f->is_actor_next_approver) return AJ_PR_NOT_NEXT_APPROVER;
        if (!f->is_actor_at_site) return AJ_PR_OUTSIDE_GEOFENCE;
        *to = f->n_approvals_given + 1 >= f->n_approvals_required ? AJ_PS_ISSUED : AJ_PS_APPROVING;
        return AJ_PR_NONE;
    case AJ_PE_START:
        if (from != AJ_PS_ISSUED) return AJ_PR_WRONG_STATE;
        if ((r = work_guard(f)) || (r = gas_guard(f))) return r;
        *to = AJ_PS_IN_PROGRESS;
        return AJ_PR_NONE;
    case AJ_PE_PAUSE:
        if (from != AJ_PS_IN_PROGRESS) return AJ_PR_WRONG_STATE;
        *to = AJ_PS_PAUSED;
        return AJ_PR_NONE;
    case AJ_PE_RESUME:
        if (from != AJ_PS_PAUSED) return AJ_PR_WRONG_STATE;
        if ((r = work_guard(f)) || (r = retest_guard(f))) return r;
        *to = AJ_PS_IN_PROGRESS;
        return AJ_PR_NONE;
    case AJ_PE_COMPLETE:
        if (from != AJ_PS_IN_PROGRESS && from != AJ_PS_PAUSED) return AJ_PR_WRONG_STATE;
        if (f->people_inside > 0) return AJ_PR_PEOPLE_INSIDE;
        *to = AJ_PS_COMPLETED;
        return AJ_PR_NONE;
    case AJ_PE_CLOSE:
        if (from != AJ_PS_COMPLETED) return AJ_PR_WRONG_STATE;
        if (f->people_inside > 0) return AJ_PR_PEOPLE_INSIDE;
        *to = AJ_PS_CLOSED;
        return AJ_PR_NONE;
    case AJ_PE_ARCHIVE:
        if (from != AJ_PS_CLOSED && from != AJ_PS_VOID && from != AJ_PS_CANCELLED) return AJ_PR_WRONG_STATE;
        *to = AJ_PS_ARCHIVED;
        return AJ_PR_NONE;
    case AJ_PE_CANCEL:
        if (!is_before_issue(from)) return AJ_PR_WRONG_STATE;
        if (!f->has_reason) return AJ_PR_REASON_REQUIRED;
        *to = AJ_PS_CANCELLED;
        return AJ_PR_NONE;
    case AJ_PE_VOID: /* always possible on an active permit: stopping work is never refused */
        if (!aj_permit_state_is_active(from)) return AJ_PR_WRONG_STATE;
        if (!f->has_reason) return AJ_PR_REASON_REQUIRED;
        *to = AJ_PS_VOID;
        return AJ_PR_NONE;
    case AJ_PE_EXPIRE:
        if (!aj_permit_state_is_active(from)) return AJ_PR_WRONG_STATE;
        if (f->now_ms < f->valid_to_ms) return AJ_PR_NOT_EXPIRED;
        *to = AJ_PS_VOID;
        return AJ_PR_NONE;
    case AJ_PE_COUNT:
        break;
    }
    return AJ_PR_WRONG_STATE;
}

aj_permit_refusal aj_permit_step(aj_permit_state from, aj_permit_event ev, const aj_permit_facts *f,
                                 aj_permit_state *to) {
    assert(f && to);
    *to = from;
    if ((unsigned)from >= AJ_PS_COUNT || (unsigned)ev >= AJ_PE_COUNT) return AJ_PR_WRONG_STATE;
    aj_permit_state next = from;
    aj_permit_refusal r = next_state(from, ev, f, &next);
    if (r == AJ_PR_NONE) *to = next;
    return r;
}
