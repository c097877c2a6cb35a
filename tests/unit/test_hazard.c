/* test_hazard.c — the closed loop, overdue and repeat rules of hidden dangers
 * (src/hazard/hazard.c, docs/hazards.md): every state × event, each refusal, the
 * escalation level at and around every step, and the repeat rule's cases and window edge.
 */
#include "hazard/hazard.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static aj_hazard_refusal step(aj_hazard_state from, aj_hazard_event ev, aj_hazard_facts f,
                              aj_hazard_state *to) {
    return aj_hazard_step(from, ev, &f, to);
}

static void test_every_state_and_event(void **state) {
    (void)state;
    /* with every fact favourable, exactly these moves exist */
    const aj_hazard_facts ok = {.is_major = true,
                                .has_plan = true,
                                .is_actor_assignee = true,
                                .has_evidence = true,
                                .has_reason = true};
    const int expect[AJ_HS_COUNT][AJ_HE_COUNT] = {
        [AJ_HS_REPORTED] = {AJ_HS_REGISTERED, -1, -1, -1, -1},
        [AJ_HS_REGISTERED] = {-1, AJ_HS_RECTIFIED, -1, -1, -1},
        [AJ_HS_RECTIFIED] = {-1, -1, AJ_HS_ACCEPTED, AJ_HS_REGISTERED, -1},
        [AJ_HS_ACCEPTED] = {-1, -1, -1, -1, AJ_HS_CLOSED},
        [AJ_HS_CLOSED] = {-1, -1, -1, -1, -1},
    };
    for (int s = 0; s < AJ_HS_COUNT; s++)
        for (int e = 0; e < AJ_HE_COUNT; e++) {
            aj_hazard_state to;
            aj_hazard_refusal r = step((aj_hazard_state)s, (aj_hazard_event)e, ok, &to);
            if (expect[s][e] < 0) {
                assert_int_equal(r, AJ_HR_WRONG_STATE);
                assert_int_equal(to, s);
            } else {
                assert_int_equal(r, AJ_HR_NONE);
                assert_int_equal(to, expect[s][e]);
            }
        }
}

static void test_refusals(void **state) {
    (void)state;
    aj_hazard_state to;
    assert_int_equal(step(AJ_HS_REPORTED, AJ_HE_REGISTER, (aj_hazard_facts){.is_major = true}, &to),
                     AJ_HR_PLAN_REQUIRED);
    assert_int_equal(step(AJ_HS_REPORTED, AJ_HE_REGISTER, (aj_hazard_facts){0}, &to),
                     AJ_HR_NONE); /* general */
    assert_int_equal(step(AJ_HS_REGISTERED, AJ_HE_RECTIFY, (aj_hazard_facts){.has_evidence = true}, &to),
                     AJ_HR_NOT_ASSIGNEE);
    assert_int_equal(step(AJ_HS_REGISTERED, AJ_HE_RECTIFY,
                          (aj_hazard_facts){.is_actor_manager = true, .has_evidence = true}, &to),
                     AJ_HR_NONE);
    assert_int_equal(step(AJ_HS_REGISTERED, AJ_HE_RECTIFY, (aj_hazard_facts){.is_actor_assignee = true}, &to),
                     AJ_HR_EVIDENCE_REQUIRED);
    assert_int_equal(step(AJ_HS_RECTIFIED, AJ_HE_ACCEPT, (aj_hazard_facts){.is_actor_rectifier = true}, &to),
                     AJ_HR_SELF_ACCEPTANCE);
    assert_int_equal(step(AJ_HS_RECTIFIED, AJ_HE_REJECT,
                          (aj_hazard_facts){.is_actor_rectifier = true, .has_reason = true}, &to),
                     AJ_HR_SELF_ACCEPTANCE);
    assert_int_equal(step(AJ_HS_RECTIFIED, AJ_HE_REJECT, (aj_hazard_facts){0}, &to), AJ_HR_REASON_REQUIRED);
    assert_string_equal(aj_hazard_refusal_name(AJ_HR_SELF_ACCEPTANCE), "self_acceptance");
    assert_int_equal(aj_hazard_state_parse("rectified"), AJ_HS_RECTIFIED);
    assert_int_equal(aj_hazard_state_parse("open"), -1);
}

static void test_escalation(void **state) {
    (void)state;
    const int64_t d = 1000000, step_ms = 3 * 86400000LL;
    assert_int_equal(aj_hazard_escalation_due(d, d - 1, step_ms, 4), 0);
    assert_int_equal(aj_hazard_escalation_due(d, d, step_ms, 4), 1); /* at the deadline */
    assert_int_equal(aj_hazard_escalation_due(d, d + step_ms - 1, step_ms, 4), 1);
    assert_int_equal(aj_hazard_escalation_due(d, d + step_ms, step_ms, 4), 2);
    assert_int_equal(aj_hazard_escalation_due(d, d + 2 * step_ms, step_ms, 4), 3);
    assert_int_equal(aj_hazard_escalation_due(d, d + 100 * step_ms, step_ms, 4), 4); /* capped */
    assert_int_equal(aj_hazard_escalation_due(d, d, 0, 4), 4);                       /* step 0: at once */
}

static void test_repeats(void **state) {
    (void)state;
    const int64_t day = 86400000LL, w = 90 * day;
    aj_hazard_key a = {3, 0, "leak", "seal", 0};
    aj_hazard_key b = {3, 0, "leak", NULL, 10 * day};
    assert_true(aj_hazard_is_repeat(&a, &b, w)); /* same area and category */
    b.reported_ms = w;
    assert_true(aj_hazard_is_repeat(&a, &b, w)); /* the window's edge is inside */
    b.reported_ms = w + 1;
    assert_false(aj_hazard_is_repeat(&a, &b, w));
    b.reported_ms = 10 * day;
    assert_false(aj_hazard_is_repeat(&b, &a, w)); /* only later ones repeat earlier ones */
    aj_hazard_key c = {3, 0, "electrical", "seal", day};
    assert_true(aj_hazard_is_repeat(&a, &c, w)); /* same cause in the same area */
    aj_hazard_key d2 = {4, 0, "leak", "seal", day};
    assert_false(aj_hazard_is_repeat(&a, &d2, w)); /* another area */
    aj_hazard_key e1 = {0, 17, "leak", NULL, 0}, e2 = {5, 17, "leak", NULL, day};
    assert_true(aj_hazard_is_repeat(&e1, &e2, w)); /* same equipment and category */
    aj_hazard_key f1 = {3, 0, "leak", "", 0}, f2 = {3, 0, "guard", "", day};
    assert_false(aj_hazard_is_repeat(&f1, &f2, w)); /* empty causes do not match */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_state_and_event),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_escalation),
        cmocka_unit_test(test_repeats),
    };
    return cmocka_run_group_tests_name("hazard", tests, NULL, NULL);
}
