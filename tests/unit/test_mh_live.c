/* test_mh_live.c — the live alarm state of a major hazard unit (aj_emh_judge in
 * src/engine/engine_major_hazards.c): up at once, down only below the hysteresis band
 * (AJ_MH_CLEAR_BAND, 2 %) of the bound it was entered at, the level of R only while major,
 * and the same band below each level's lower R (Table 6: 100, 50, 10). The expected states
 * are written out by hand for a warn threshold of 0.9.
 */
#include "base/limits.h"
#include "engine/engine_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

enum { N = AJ_MH_STATE_NORMAL, A = AJ_MH_STATE_APPROACHING, M = AJ_MH_STATE_MAJOR };

typedef struct judge_case {
    double s, r;
    int prev_state, prev_level;
    int state, level;
} judge_case;

static void test_states(void **unused) {
    (void)unused;
    /* threshold 0.9: approaching from 0.9, left below 0.9 x 0.98 = 0.882; major from 1,
     * left below 0.98 */
    static const judge_case cases[] =
        {
            {0.5, 1, N, 0, N, 0},   {0.9, 1, N, 0, A, 0},   {0.8999999999, 1, N, 0, A, 0}, /* tolerance */
            {0.89, 1, N, 0, N, 0},  {0.89, 1, A, 0, A, 0},  {0.883, 1, A, 0, A, 0},
            {0.881, 1, A, 0, N, 0}, {1.0, 8, N, 0, M, 4},   {1.0, 8, A, 0, M, 4},
            {0.99, 8, M, 4, M, 4},  {0.981, 8, M, 4, M, 4}, {0.979, 8, M, 4, A, 0},
            {0.5, 8, M, 4, N, 0},   {0.89, 8, M, 4, A, 0}, /* below major's band, within approaching's */
            {0.95, 8, N, 0, A, 0},
        };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const judge_case *c = &cases[i];
        int state = -1, level = -1;
        aj_emh_judge(c->s, c->r, 0.9, c->prev_state, c->prev_level, &state, &level);
        if (state != c->state || level != c->level)
            fail_msg("case %zu: S %g R %g from %d/%d: got %d/%d, want %d/%d", i, c->s, c->r, c->prev_state,
                     c->prev_level, state, level, c->state, c->level);
    }
}

static void test_levels(void **unused) {
    (void)unused;
    static const judge_case cases[] = {
        {1.4, 8, M, 4, M, 4},    {1.4, 10, M, 4, M, 3},   {1.4, 9.99, M, 4, M, 4}, {1.4, 50, M, 3, M, 2},
        {1.4, 100, M, 4, M, 1},  /* several levels at once */
        {1.4, 49.5, M, 2, M, 2}, /* within 2 % below 50: stays level 2 */
        {1.4, 49.0, M, 2, M, 2}, {1.4, 48.9, M, 2, M, 3}, {1.4, 98.5, M, 1, M, 1}, {1.4, 97.9, M, 1, M, 2},
        {1.4, 9.9, M, 3, M, 3},  {1.4, 9.7, M, 3, M, 4},  {1.4, 5, M, 1, M, 4}, /* far below: straight down */
        {1.4, 120, A, 0, M, 1},  /* becoming major takes R's level as it is */
        {1.4, 49.5, A, 2, M, 3}, /* not major before: no hysteresis from a stale level */
        {0.5, 120, M, 1, N, 0},  /* not major: no level */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const judge_case *c = &cases[i];
        int state = -1, level = -1;
        aj_emh_judge(c->s, c->r, 0.9, c->prev_state, c->prev_level, &state, &level);
        if (state != c->state || level != c->level)
            fail_msg("case %zu: S %g R %g from %d/%d: got %d/%d, want %d/%d", i, c->s, c->r, c->prev_state,
                     c->prev_level, state, level, c->state, c->level);
    }
}

/* A steady reading that wobbles around a boundary changes state once, not at each wobble. */
static void test_no_chatter(void **unused) {
    (void)unused;
    const double wobble[] = {0.899, 0.901, 0.897, 0.903, 0.895, 0.9, 0.89, 0.905};
    int state = N, level = 0, changes = 0;
    for (size_t i = 0; i < sizeof wobble / sizeof wobble[0]; i++) {
        int s2, l2;
        aj_emh_judge(wobble[i], 1, 0.9, state, level, &s2, &l2);
        changes += s2 != state;
        state = s2;
        level = l2;
    }
    assert_int_equal(changes, 1);
    assert_int_equal(state, A);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_no_chatter),
    };
    return cmocka_run_group_tests_name("mh_live", tests, NULL, NULL);
}
