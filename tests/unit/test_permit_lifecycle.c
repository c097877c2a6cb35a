/* test_permit_lifecycle.c — the work permit's state machine (src/permit/lifecycle.h): every
 * (state, event) pair against the transition table, each refusal at its boundary, and a
 * hot-work permit walked from draft to archive. */
#include "permit/lifecycle.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define MIN 60000LL
#define T0  1796083200000LL /* 2026-12-01T00:00:00Z */

/* Facts under which every guarded event is allowed: inside the window, measures done, a
 * fresh passing sample, the next approver at the site, two certified workers and the
 * attendant present, nobody inside, no interlock, a reason given. */
static aj_permit_facts good(void) {
    return (aj_permit_facts){.now_ms = T0 + 60 * MIN,
                             .valid_from_ms = T0,
                             .valid_to_ms = T0 + 8 * 60 * MIN,
                             .n_measures = 12,
                             .n_measures_confirmed = 12,
                             .is_gas_required = true,
                             .has_gas_sample = true,
                             .gas_sampled_ms = T0 + 50 * MIN,
                             .gas_verdict = AJ_GAS_PASS,
                             .gas_max_age_min = 30,
                             .retest_after_pause_min = 30,
                             .paused_since_ms = T0 + 40 * MIN,
                             .n_approvals_required = 2,
                             .n_approvals_given = 0,
                             .is_actor_next_approver = true,
                             .is_actor_at_site = true,
                             .n_workers = 2,
                             .n_workers_certified = 2,
                             .is_attendant_present = true,
                             .people_inside = 0,
                             .is_interlock_active = false,
                             .has_reason = true};
}

/* The transition table under good facts (-1: refused as wrong_state, -2: new permit
 * needed, -3: not expired, -4: gas analysis required first). */
static int expected_next(aj_permit_state s, aj_permit_event e) {
    bool before_issue = s <= AJ_PS_APPROVING,
         active = s == AJ_PS_ISSUED || s == AJ_PS_IN_PROGRESS || s == AJ_PS_PAUSED;
    switch (e) {
    case AJ_PE_SUBMIT:
        return s == AJ_PS_DRAFT ? AJ_PS_SUBMITTED : -1;
    case AJ_PE_EDIT:
        return before_issue ? AJ_PS_DRAFT : (s == AJ_PS_VOID || s == AJ_PS_CANCELLED) ? -1 : -2;
    case AJ_PE_CONFIRM_MEASURES:
        return s == AJ_PS_SUBMITTED ? AJ_PS_MEASURES_CONFIRMED : -1;
    case AJ_PE_RECORD_GAS:
        if (s == AJ_PS_MEASURES_CONFIRMED) return AJ_PS_GAS_ANALYSED;
        return (s == AJ_PS_GAS_ANALYSED || s == AJ_PS_APPROVING || active) ? (int)s : -1;
    case AJ_PE_APPROVE:
        if (s == AJ_PS_MEASURES_CONFIRMED) return -4; /* hot work needs its gas analysis first */
        return (s == AJ_PS_GAS_ANALYSED || s == AJ_PS_APPROVING) ? AJ_PS_APPROVING : -1;
    case AJ_PE_START:
        return s == AJ_PS_ISSUED ? AJ_PS_IN_PROGRESS : -1;
    case AJ_PE_PAUSE:
        return s == AJ_PS_IN_PROGRESS ? AJ_PS_PAUSED : -1;
    case AJ_PE_RESUME:
        return s == AJ_PS_PAUSED ? AJ_PS_IN_PROGRESS : -1;
    case AJ_PE_COMPLETE:
        return (s == AJ_PS_IN_PROGRESS || s == AJ_PS_PAUSED) ? AJ_PS_COMPLETED : -1;
    case AJ_PE_CLOSE:
        return s == AJ_PS_COMPLETED ? AJ_PS_CLOSED : -1;
    case AJ_PE_ARCHIVE:
        return (s == AJ_PS_CLOSED || s == AJ_PS_VOID || s == AJ_PS_CANCELLED) ? AJ_PS_ARCHIVED : -1;
    case AJ_PE_CANCEL:
        return before_issue ? AJ_PS_CANCELLED : -1;
    case AJ_PE_VOID:
        return active ? AJ_PS_VOID : -1;
    case AJ_PE_EXPIRE:
        return active ? -3 : -1; /* not expired under good facts */
    case AJ_PE_COUNT:
        break;
    }
    return -1;
}

static void every_state_and_event_follows_the_table(void **state) {
    (void)state;
    aj_permit_facts f = good();
    for (int s = 0; s < AJ_PS_COUNT; s++) {
        for (int e = 0; e < AJ_PE_COUNT; e++) {
            aj_permit_state to = AJ_PS_COUNT;
            aj_permit_refusal r = aj_permit_step((aj_permit_state)s, (aj_permit_event)e, &f, &to);
            int want = expected_next((aj_permit_state)s, (aj_permit_event)e);
            if (want >= 0) {
                if (r != AJ_PR_NONE || (int)to != want)
                    fail_msg("%s + %s: got %s -> %s, want %s", aj_permit_state_name(s),
                             aj_permit_event_name(e), aj_permit_refusal_name(r), aj_permit_state_name(to),
                             aj_permit_state_name(want));
            } else {
                static const aj_permit_refusal by_code[] = {AJ_PR_NONE, AJ_PR_WRONG_STATE,
                                                            AJ_PR_NEW_PERMIT_NEEDED, AJ_PR_NOT_EXPIRED,
                                                            AJ_PR_GAS_REQUIRED};
                aj_permit_refusal wr = by_code[-want];
                if (r != wr || (int)to != s)
                    fail_msg("%s + %s: got %s -> %s, want refusal %s", aj_permit_state_name(s),
                             aj_permit_event_name(e), aj_permit_refusal_name(r), aj_permit_state_name(to),
                             aj_permit_refusal_name(wr));
            }
        }
    }
    /* out of range */
    aj_permit_state to;
    assert_int_equal(aj_permit_step(AJ_PS_COUNT, AJ_PE_SUBMIT, &f, &to), AJ_PR_WRONG_STATE);
    assert_int_equal(aj_permit_step(AJ_PS_DRAFT, AJ_PE_COUNT, &f, &to), AJ_PR_WRONG_STATE);
}

typedef struct refusal_case {
    const char *what;
    aj_permit_state from;
    aj_permit_event event;
    void (*spoil)(aj_permit_facts *f);
    aj_permit_refusal want;
} refusal_case;

static void measures_open(aj_permit_facts *f) {
    f->n_measures_confirmed = f->n_measures - 1;
}
static void no_sample(aj_permit_facts *f) {
    f->has_gas_sample = false;
}
static void failing_sample(aj_permit_facts *f) {
    f->gas_verdict = AJ_GAS_TOO_HIGH;
}
static void stale_sample(aj_permit_facts *f) { /* 30 min 1 ms before now */
    f->gas_sampled_ms = f->now_ms - 30 * MIN - 1;
}
static void sample_from_the_future(aj_permit_facts *f) {
    f->gas_sampled_ms = f->now_ms + 1;
}
static void other_approver(aj_permit_facts *f) {
    f->is_actor_next_approver = false;
}
static void away_from_site(aj_permit_facts *f) {
    f->is_actor_at_site = false;
}
static void nobody(aj_permit_facts *f) {
    f->n_workers = 0;
    f->n_workers_certified = 0;
}
static void one_uncertified(aj_permit_facts *f) {
    f->n_workers_certified = 1;
}
static void no_attendant(aj_permit_facts *f) {
    f->is_attendant_present = false;
}
static void interlock(aj_permit_facts *f) {
    f->is_interlock_active = true;
}
static void too_early(aj_permit_facts *f) {
    f->now_ms = f->valid_from_ms - 1;
}
static void at_the_end(aj_permit_facts *f) {
    f->now_ms = f->valid_to_ms;
}
static void someone_inside(aj_permit_facts *f) {
    f->people_inside = 1;
}
static void no_reason(aj_permit_facts *f) {
    f->has_reason = false;
}
/* paused 31 min ago, the last sample before the pause */
static void long_pause_old_sample(aj_permit_facts *f) {
    f->paused_since_ms = f->now_ms - 31 * MIN;
    f->gas_sampled_ms = f->paused_since_ms - 5 * MIN;
}
static void long_pause_failing_retest(aj_permit_facts *f) {
    long_pause_old_sample(f);
    f->gas_sampled_ms = f->now_ms - MIN;
    f->gas_verdict = AJ_GAS_TOO_HIGH;
}
static void no_gas_type_at_measures(aj_permit_facts *f) {
    (void)f;
}

static const refusal_case REFUSALS[] = {
    {"measures not all confirmed", AJ_PS_SUBMITTED, AJ_PE_CONFIRM_MEASURES, measures_open,
     AJ_PR_MEASURES_OPEN},
    {"approval before gas analysis", AJ_PS_MEASURES_CONFIRMED, AJ_PE_APPROVE, no_gas_type_at_measures,
     AJ_PR_GAS_REQUIRED},
    {"failing sample does not advance", AJ_PS_MEASURES_CONFIRMED, AJ_PE_RECORD_GAS, failing_sample,
     AJ_PR_GAS_FAILING},
    {"record without a sample", AJ_PS_MEASURES_CONFIRMED, AJ_PE_RECORD_GAS, no_sample, AJ_PR_GAS_REQUIRED},
    {"approver of another role", AJ_PS_GAS_ANALYSED, AJ_PE_APPROVE, other_approver, AJ_PR_NOT_NEXT_APPROVER},
    {"approval outside the geofence", AJ_PS_APPROVING, AJ_PE_APPROVE, away_from_site, AJ_PR_OUTSIDE_GEOFENCE},
    {"start without a sample", AJ_PS_ISSUED, AJ_PE_START, no_sample, AJ_PR_GAS_REQUIRED},
    {"start on a failing sample", AJ_PS_ISSUED, AJ_PE_START, failing_sample, AJ_PR_GAS_FAILING},
    {"start on a stale sample", AJ_PS_ISSUED, AJ_PE_START, stale_sample, AJ_PR_GAS_STALE},
    {"start on a sample from the future", AJ_PS_ISSUED, AJ_PE_START, sample_from_the_future,
     AJ_PR_GAS_FAILING},
    {"start without workers", AJ_PS_ISSUED, AJ_PE_START, nobody, AJ_PR_NO_WORKERS},
    {"start with an uncertified worker", AJ_PS_ISSUED, AJ_PE_START, one_uncertified, AJ_PR_CERTIFICATE},
    {"start without the attendant", AJ_PS_ISSUED, AJ_PE_START, no_attendant, AJ_PR_ATTENDANT_ABSENT},
    {"start under an interlock", AJ_PS_ISSUED, AJ_PE_START, interlock, AJ_PR_INTERLOCK},
    {"start before the window", AJ_PS_ISSUED, AJ_PE_START, too_early, AJ_PR_NOT_YET_VALID},
    {"start at the end of the window", AJ_PS_ISSUED, AJ_PE_START, at_the_end, AJ_PR_EXPIRED},
    {"resume without the attendant", AJ_PS_PAUSED, AJ_PE_RESUME, no_attendant, AJ_PR_ATTENDANT_ABSENT},
    {"resume under an interlock", AJ_PS_PAUSED, AJ_PE_RESUME, interlock, AJ_PR_INTERLOCK},
    {"resume after a long pause on the old sample", AJ_PS_PAUSED, AJ_PE_RESUME, long_pause_old_sample,
     AJ_PR_RETEST_DUE},
    {"resume after a long pause on a failing re-test", AJ_PS_PAUSED, AJ_PE_RESUME, long_pause_failing_retest,
     AJ_PR_GAS_FAILING},
    {"resume after the window", AJ_PS_PAUSED, AJ_PE_RESUME, at_the_end, AJ_PR_EXPIRED},
    {"complete with someone inside", AJ_PS_IN_PROGRESS, AJ_PE_COMPLETE, someone_inside, AJ_PR_PEOPLE_INSIDE},
    {"close with someone inside", AJ_PS_COMPLETED, AJ_PE_CLOSE, someone_inside, AJ_PR_PEOPLE_INSIDE},
    {"cancel without a reason", AJ_PS_APPROVING, AJ_PE_CANCEL, no_reason, AJ_PR_REASON_REQUIRED},
    {"void without a reason", AJ_PS_IN_PROGRESS, AJ_PE_VOID, no_reason, AJ_PR_REASON_REQUIRED},
};

static void each_refusal_at_its_boundary(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof REFUSALS / sizeof REFUSALS[0]; i++) {
        const refusal_case *c = &REFUSALS[i];
        aj_permit_facts f = good();
        c->spoil(&f);
        aj_permit_state to = AJ_PS_COUNT;
        aj_permit_refusal r = aj_permit_step(c->from, c->event, &f, &to);
        if (r != c->want || to != c->from)
            fail_msg("%s: got %s (state %s), want %s", c->what, aj_permit_refusal_name(r),
                     aj_permit_state_name(to), aj_permit_refusal_name(c->want));
        assert_true(strlen(aj_permit_refusal_text(r)) > 10);
    }
}

static void boundaries_that_pass(void **state) {
    (void)state;
    aj_permit_state to;
    /* a sample exactly 30 min old starts the work */
    aj_permit_facts f = good();
    f.gas_sampled_ms = f.now_ms - 30 * MIN;
    assert_int_equal(aj_permit_step(AJ_PS_ISSUED, AJ_PE_START, &f, &to), AJ_PR_NONE);
    /* the first millisecond of the window */
    f = good();
    f.now_ms = f.valid_from_ms;
    f.gas_sampled_ms = f.now_ms;
    assert_int_equal(aj_permit_step(AJ_PS_ISSUED, AJ_PE_START, &f, &to), AJ_PR_NONE);
    /* a pause of exactly the limit resumes on the old (passing) sample, however old */
    f = good();
    f.paused_since_ms = f.now_ms - 30 * MIN;
    f.gas_sampled_ms = f.paused_since_ms - 45 * MIN;
    assert_int_equal(aj_permit_step(AJ_PS_PAUSED, AJ_PE_RESUME, &f, &to), AJ_PR_NONE);
    assert_int_equal(to, AJ_PS_IN_PROGRESS);
    /* a long pause resumes on a passing sample taken since the pause began */
    f = good();
    f.paused_since_ms = f.now_ms - 90 * MIN;
    f.gas_sampled_ms = f.now_ms - 2 * MIN;
    assert_int_equal(aj_permit_step(AJ_PS_PAUSED, AJ_PE_RESUME, &f, &to), AJ_PR_NONE);
    /* a type without gas analysis goes from measures straight to approval */
    f = good();
    f.is_gas_required = false;
    f.has_gas_sample = false;
    assert_int_equal(aj_permit_step(AJ_PS_MEASURES_CONFIRMED, AJ_PE_APPROVE, &f, &to), AJ_PR_NONE);
    assert_int_equal(to, AJ_PS_APPROVING);
    assert_int_equal(aj_permit_step(AJ_PS_ISSUED, AJ_PE_START, &f, &to), AJ_PR_NONE);
    /* the last approval issues the permit; a chain of one issues it at once */
    f = good();
    f.n_approvals_given = 1;
    assert_int_equal(aj_permit_step(AJ_PS_APPROVING, AJ_PE_APPROVE, &f, &to), AJ_PR_NONE);
    assert_int_equal(to, AJ_PS_ISSUED);
    f = good();
    f.n_approvals_required = 1;
    assert_int_equal(aj_permit_step(AJ_PS_GAS_ANALYSED, AJ_PE_APPROVE, &f, &to), AJ_PR_NONE);
    assert_int_equal(to, AJ_PS_ISSUED);
    /* expiry at the end of the window ends any active permit */
    f = good();
    f.now_ms = f.valid_to_ms;
    for (aj_permit_state s = AJ_PS_ISSUED; s <= AJ_PS_PAUSED; s++) {
        assert_int_equal(aj_permit_step(s, AJ_PE_EXPIRE, &f, &to), AJ_PR_NONE);
        assert_int_equal(to, AJ_PS_VOID);
    }
    /* voiding is never held back by people inside or an interlock: stopping work is always allowed */
    f = good();
    f.people_inside = 3;
    f.is_interlock_active = true;
    assert_int_equal(aj_permit_step(AJ_PS_IN_PROGRESS, AJ_PE_VOID, &f, &to), AJ_PR_NONE);
    /* pausing is never refused either */
    assert_int_equal(aj_permit_step(AJ_PS_IN_PROGRESS, AJ_PE_PAUSE, &f, &to), AJ_PR_NONE);
}

static void a_hot_work_permit_from_draft_to_archive(void **state) {
    (void)state;
    static const aj_permit_event walk[] = {
        AJ_PE_SUBMIT, AJ_PE_CONFIRM_MEASURES, AJ_PE_RECORD_GAS, AJ_PE_APPROVE, AJ_PE_APPROVE, AJ_PE_START,
        AJ_PE_PAUSE,  AJ_PE_RESUME,           AJ_PE_COMPLETE,   AJ_PE_CLOSE,   AJ_PE_ARCHIVE};
    static const aj_permit_state states[] = {AJ_PS_SUBMITTED,    AJ_PS_MEASURES_CONFIRMED,
                                             AJ_PS_GAS_ANALYSED, AJ_PS_APPROVING,
                                             AJ_PS_ISSUED,       AJ_PS_IN_PROGRESS,
                                             AJ_PS_PAUSED,       AJ_PS_IN_PROGRESS,
                                             AJ_PS_COMPLETED,    AJ_PS_CLOSED,
                                             AJ_PS_ARCHIVED};
    aj_permit_facts f = good();
    aj_permit_state s = AJ_PS_DRAFT;
    for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
        if (walk[i] == AJ_PE_APPROVE && s == AJ_PS_APPROVING) f.n_approvals_given = 1;
        aj_permit_state to;
        assert_int_equal(aj_permit_step(s, walk[i], &f, &to), AJ_PR_NONE);
        assert_int_equal(to, states[i]);
        s = to;
    }
    assert_true(aj_permit_state_is_final(s));
    /* after issue, an edit asks for a new permit; before, it goes back to draft */
    aj_permit_state to;
    assert_int_equal(aj_permit_step(AJ_PS_IN_PROGRESS, AJ_PE_EDIT, &f, &to), AJ_PR_NEW_PERMIT_NEEDED);
    assert_int_equal(aj_permit_step(AJ_PS_APPROVING, AJ_PE_EDIT, &f, &to), AJ_PR_NONE);
    assert_int_equal(to, AJ_PS_DRAFT);
}

static void names_round_trip(void **state) {
    (void)state;
    for (int s = 0; s < AJ_PS_COUNT; s++) assert_int_equal(aj_permit_state_parse(aj_permit_state_name(s)), s);
    for (int e = 0; e < AJ_PE_COUNT; e++) assert_int_equal(aj_permit_event_parse(aj_permit_event_name(e)), e);
    for (int r = 0; r < AJ_PR_COUNT; r++) {
        assert_non_null(aj_permit_refusal_name(r));
        assert_string_not_equal(aj_permit_refusal_name(r), "?");
    }
    assert_int_equal(aj_permit_state_parse("nonsense"), -1);
    assert_int_equal(aj_permit_event_parse(NULL), -1);
    assert_string_equal(aj_permit_state_name(AJ_PS_COUNT), "?");
    assert_true(aj_permit_state_is_active(AJ_PS_PAUSED));
    assert_false(aj_permit_state_is_active(AJ_PS_COMPLETED));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_state_and_event_follows_the_table),
        cmocka_unit_test(each_refusal_at_its_boundary),
        cmocka_unit_test(boundaries_that_pass),
        cmocka_unit_test(a_hot_work_permit_from_draft_to_archive),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
