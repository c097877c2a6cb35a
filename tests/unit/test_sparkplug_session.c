/* test_sparkplug_session.c — the Sparkplug B session state machine, rebirth pacing and alias
 * tables (src/sparkplug/session.c, docs/sparkplug.md "Sessions").
 *
 * Every edge of the node and device diagrams at the top of session.c, legal and not: births,
 * data in sequence and across the 255 -> 0 wrap, gaps and missing seq (rebirth, data not
 * taken), data before a birth, device births, data and deaths, devices the map does not name
 * (they still move the node's seq), NDEATH with the birth's bdSeq, another one, none, and
 * before any birth, commands, the broker connection lost; then the pacing of rebirth
 * requests and the alias table (sorting, duplicates, unknown aliases, the bound).
 */
#include "sparkplug/session.h"

#include "base/limits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

typedef struct fixture {
    aj_sp_device_session devices[2];
    aj_sp_node_session node;
} fixture;

static void setup_node(fixture *f) {
    memset(f, 0, sizeof *f);
    f->node.devices = f->devices;
    f->node.n_devices = 2;
}

static aj_sp_decision step(fixture *f, aj_sp_msg_type type, int seq, int device) {
    aj_sp_event ev = {
        .type = type, .has_seq = seq >= 0, .seq = (uint64_t)(seq >= 0 ? seq : 0), .device = device};
    aj_sp_decision d = aj_sp_session_step(&f->node, &ev);
    assert_true(aj_sp_session_ok(&f->node));
    return d;
}

static aj_sp_decision birth(fixture *f, int seq, bool has_bd_seq, uint64_t bd_seq) {
    aj_sp_event ev = {.type = AJ_SP_NBIRTH,
                      .has_seq = seq >= 0,
                      .seq = (uint64_t)(seq >= 0 ? seq : 0),
                      .has_bd_seq = has_bd_seq,
                      .bd_seq = bd_seq,
                      .device = -1};
    return aj_sp_session_step(&f->node, &ev);
}

static aj_sp_decision death(fixture *f, bool has_bd_seq, uint64_t bd_seq) {
    aj_sp_event ev = {.type = AJ_SP_NDEATH, .has_bd_seq = has_bd_seq, .bd_seq = bd_seq, .device = -1};
    return aj_sp_session_step(&f->node, &ev);
}

#define assert_decision(d, want_actions, want_verdict)                                                       \
    do {                                                                                                     \
        aj_sp_decision d_ = (d);                                                                             \
        if (d_.actions != (unsigned)(want_actions) || d_.verdict != (want_verdict))                          \
            fail_msg("actions 0x%x verdict \"%s\", want 0x%x \"%s\"", d_.actions,                            \
                     aj_sp_verdict_text(d_.verdict), (unsigned)(want_actions),                               \
                     aj_sp_verdict_text(want_verdict));                                                      \
    } while (0)

/* ---- the edge node ----------------------------------------------------------------------- */

static void test_birth_and_data_in_sequence(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    assert_decision(birth(&f, 0, true, 3), AJ_SP_ACT_TAKE | AJ_SP_ACT_NODE_BIRTH, AJ_SP_V_OK);
    assert_int_equal(f.node.state, AJ_SP_ONLINE);
    assert_true(f.node.has_birth && f.node.has_bd_seq);
    assert_int_equal(f.node.bd_seq, 3);
    assert_int_equal(f.node.seq, 0);
    assert_int_equal(f.devices[0].state, AJ_SP_WAITING_BIRTH);
    /* 1..255, then 0 again (mod 256), then 1 */
    for (int i = 1; i <= 257; i++)
        assert_decision(step(&f, AJ_SP_NDATA, i % 256, -1), AJ_SP_ACT_TAKE, AJ_SP_V_OK);
    assert_int_equal(f.node.seq, 1);
    /* a birth may start at any seq of 0-255 (3.0) and is taken in any state */
    assert_decision(birth(&f, 200, true, 4), AJ_SP_ACT_TAKE | AJ_SP_ACT_NODE_BIRTH, AJ_SP_V_OK);
    assert_int_equal(f.node.bd_seq, 4);
    assert_decision(step(&f, AJ_SP_NDATA, 201, -1), AJ_SP_ACT_TAKE, AJ_SP_V_OK);
}

static void test_gap_asks_for_rebirth(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    birth(&f, 0, true, 0);
    step(&f, AJ_SP_NDATA, 1, -1);
    assert_decision(step(&f, AJ_SP_NDATA, 3, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_SEQ_GAP);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    /* the messages after the gap are not taken either, even in sequence again */
    assert_decision(step(&f, AJ_SP_NDATA, 4, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    assert_decision(step(&f, AJ_SP_DDATA, 5, 0), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    /* a repeated seq is a gap too (a duplicate, or 256 messages lost) */
    birth(&f, 0, true, 0);
    assert_decision(step(&f, AJ_SP_NDATA, 0, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_SEQ_GAP);
    /* the rebirth brings it back */
    assert_decision(birth(&f, 0, true, 1), AJ_SP_ACT_TAKE | AJ_SP_ACT_NODE_BIRTH, AJ_SP_V_OK);
    assert_decision(step(&f, AJ_SP_NDATA, 1, -1), AJ_SP_ACT_TAKE, AJ_SP_V_OK);
    /* wrap: 255 must be followed by 0, not 256 */
    birth(&f, 254, true, 1);
    step(&f, AJ_SP_NDATA, 255, -1);
    assert_decision(step(&f, AJ_SP_NDATA, 256, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_NO_SEQ);
}

static void test_missing_or_bad_seq(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    /* a birth without seq (or beyond 255) is not a birth */
    assert_decision(birth(&f, -1, true, 0), AJ_SP_ACT_REBIRTH, AJ_SP_V_NO_SEQ);
    assert_decision(birth(&f, 256, true, 0), AJ_SP_ACT_REBIRTH, AJ_SP_V_NO_SEQ);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    assert_false(f.node.has_birth);
    birth(&f, 0, true, 0);
    assert_decision(step(&f, AJ_SP_NDATA, -1, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_NO_SEQ);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    /* a broken birth of a born node: it waits for a good one, bdSeq of the old one kept */
    birth(&f, 0, true, 9);
    assert_decision(birth(&f, -1, true, 10), AJ_SP_ACT_REBIRTH, AJ_SP_V_NO_SEQ);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    assert_int_equal(f.node.bd_seq, 9);
}

static void test_data_before_birth(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    assert_decision(step(&f, AJ_SP_NDATA, 5, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    assert_decision(step(&f, AJ_SP_DBIRTH, 6, 0), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    assert_decision(step(&f, AJ_SP_DDATA, 7, 0), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    assert_int_equal(f.devices[0].state, AJ_SP_WAITING_BIRTH);
}

/* ---- devices ------------------------------------------------------------------------------ */

static void test_device_lifecycle(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    birth(&f, 0, true, 0);
    /* data of a device before its birth: its seq counts, the data does not */
    assert_decision(step(&f, AJ_SP_DDATA, 1, 0), AJ_SP_ACT_REBIRTH, AJ_SP_V_DEVICE_NOT_BORN);
    assert_int_equal(f.node.state, AJ_SP_ONLINE);
    assert_int_equal(f.node.seq, 1);
    assert_decision(step(&f, AJ_SP_DBIRTH, 2, 0), AJ_SP_ACT_TAKE | AJ_SP_ACT_DEVICE_BIRTH, AJ_SP_V_OK);
    assert_int_equal(f.devices[0].state, AJ_SP_ONLINE);
    assert_int_equal(f.devices[1].state, AJ_SP_WAITING_BIRTH);
    assert_decision(step(&f, AJ_SP_DDATA, 3, 0), AJ_SP_ACT_TAKE, AJ_SP_V_OK);
    assert_decision(step(&f, AJ_SP_NDATA, 4, -1), AJ_SP_ACT_TAKE, AJ_SP_V_OK); /* one counter for all */
    assert_decision(step(&f, AJ_SP_DDEATH, 5, 0), AJ_SP_ACT_DEVICE_LOST, AJ_SP_V_OK);
    assert_int_equal(f.devices[0].state, AJ_SP_OFFLINE);
    assert_int_equal(f.node.state, AJ_SP_ONLINE);
    /* a second DDEATH has nothing left to lose */
    assert_decision(step(&f, AJ_SP_DDEATH, 6, 0), 0, AJ_SP_V_OK);
    assert_decision(step(&f, AJ_SP_DDATA, 7, 0), AJ_SP_ACT_REBIRTH, AJ_SP_V_DEVICE_NOT_BORN);
    /* the device comes back */
    assert_decision(step(&f, AJ_SP_DBIRTH, 8, 0), AJ_SP_ACT_TAKE | AJ_SP_ACT_DEVICE_BIRTH, AJ_SP_V_OK);
    assert_int_equal(f.devices[0].state, AJ_SP_ONLINE);
    /* a node birth makes the online devices wait for theirs; offline ones stay offline */
    step(&f, AJ_SP_DBIRTH, 9, 1);
    step(&f, AJ_SP_DDEATH, 10, 1);
    birth(&f, 0, true, 1);
    assert_int_equal(f.devices[0].state, AJ_SP_WAITING_BIRTH);
    assert_int_equal(f.devices[1].state, AJ_SP_OFFLINE);
}

static void test_device_death_is_never_doubted(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    birth(&f, 0, true, 0);
    step(&f, AJ_SP_DBIRTH, 1, 0);
    step(&f, AJ_SP_DBIRTH, 2, 1);
    /* a DDEATH after a gap: the device is lost and the node asked for a rebirth */
    assert_decision(step(&f, AJ_SP_DDEATH, 9, 0), AJ_SP_ACT_DEVICE_LOST | AJ_SP_ACT_REBIRTH, AJ_SP_V_SEQ_GAP);
    assert_int_equal(f.devices[0].state, AJ_SP_OFFLINE);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    /* while the node waits for its birth, a DDEATH still takes the device out (no seq check) */
    assert_decision(step(&f, AJ_SP_DDEATH, -1, 1), AJ_SP_ACT_DEVICE_LOST, AJ_SP_V_OK);
    assert_int_equal(f.devices[1].state, AJ_SP_OFFLINE);
    /* without seq while online: lost, and the missing seq asks for a rebirth */
    birth(&f, 0, true, 0);
    step(&f, AJ_SP_DBIRTH, 1, 0);
    assert_decision(step(&f, AJ_SP_DDEATH, -1, 0), AJ_SP_ACT_DEVICE_LOST | AJ_SP_ACT_REBIRTH, AJ_SP_V_NO_SEQ);
}

/* A device the map does not name still uses the node's seq counter. */
static void test_unmapped_device_moves_seq(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    birth(&f, 0, true, 0);
    assert_decision(step(&f, AJ_SP_DBIRTH, 1, -1), AJ_SP_ACT_TAKE | AJ_SP_ACT_DEVICE_BIRTH, AJ_SP_V_OK);
    assert_decision(step(&f, AJ_SP_DDATA, 2, -1), AJ_SP_ACT_TAKE, AJ_SP_V_OK);
    assert_decision(step(&f, AJ_SP_DDEATH, 3, -1), 0, AJ_SP_V_OK);
    assert_decision(step(&f, AJ_SP_NDATA, 4, -1), AJ_SP_ACT_TAKE, AJ_SP_V_OK);
    assert_decision(step(&f, AJ_SP_DDATA, 6, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_SEQ_GAP);
    /* an index outside the node's devices is a device not in the map */
    assert_decision(step(&f, AJ_SP_NDATA, 7, 5), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
}

/* ---- NDEATH and bdSeq ------------------------------------------------------------------- */

static void test_node_death_and_bd_seq(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    /* before any birth: nothing to end */
    assert_decision(death(&f, true, 0), 0, AJ_SP_V_DEATH_UNBORN);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    birth(&f, 0, true, 7);
    step(&f, AJ_SP_DBIRTH, 1, 0);
    /* another session's death (a late will of the previous connection): ignored */
    assert_decision(death(&f, true, 6), 0, AJ_SP_V_BD_SEQ_MISMATCH);
    assert_decision(death(&f, false, 0), 0, AJ_SP_V_BD_SEQ_MISMATCH);
    assert_int_equal(f.node.state, AJ_SP_ONLINE);
    assert_int_equal(f.devices[0].state, AJ_SP_ONLINE);
    /* this session's: the node and all its devices go */
    assert_decision(death(&f, true, 7), AJ_SP_ACT_NODE_LOST, AJ_SP_V_OK);
    assert_int_equal(f.node.state, AJ_SP_OFFLINE);
    assert_int_equal(f.devices[0].state, AJ_SP_OFFLINE);
    assert_int_equal(f.devices[1].state, AJ_SP_OFFLINE);
    /* data from an offline node asks for a rebirth */
    assert_decision(step(&f, AJ_SP_NDATA, 2, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    /* a death while waiting for a birth after a gap still counts */
    birth(&f, 0, true, 8);
    step(&f, AJ_SP_NDATA, 5, -1);
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    assert_decision(death(&f, true, 8), AJ_SP_ACT_NODE_LOST, AJ_SP_V_OK);
    assert_int_equal(f.node.state, AJ_SP_OFFLINE);
    /* a birth without bdSeq (not conformant): any death ends it */
    birth(&f, 0, false, 0);
    assert_false(f.node.has_bd_seq);
    assert_decision(death(&f, true, 12345), AJ_SP_ACT_NODE_LOST, AJ_SP_V_OK);
}

static void test_commands_and_states_ignored(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    birth(&f, 0, true, 0);
    assert_decision(step(&f, AJ_SP_NCMD, -1, -1), 0, AJ_SP_V_NOT_FOR_HOST);
    assert_decision(step(&f, AJ_SP_DCMD, -1, 0), 0, AJ_SP_V_NOT_FOR_HOST);
    assert_decision(step(&f, AJ_SP_STATE, -1, -1), 0, AJ_SP_V_NOT_FOR_HOST);
    assert_decision(step(&f, AJ_SP_NDATA, 1, -1), AJ_SP_ACT_TAKE, AJ_SP_V_OK); /* seq untouched */
}

static void test_connection_lost(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    birth(&f, 0, true, 4);
    step(&f, AJ_SP_DBIRTH, 1, 0);
    step(&f, AJ_SP_DBIRTH, 2, 1);
    step(&f, AJ_SP_DDEATH, 3, 1);
    aj_sp_session_connection_lost(&f.node);
    assert_true(aj_sp_session_ok(&f.node));
    assert_int_equal(f.node.state, AJ_SP_WAITING_BIRTH);
    assert_int_equal(f.devices[0].state, AJ_SP_WAITING_BIRTH);
    assert_int_equal(f.devices[1].state, AJ_SP_OFFLINE);
    assert_decision(step(&f, AJ_SP_NDATA, 4, -1), AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    /* bdSeq is kept: the will of that session still ends it */
    assert_decision(death(&f, true, 4), AJ_SP_ACT_NODE_LOST, AJ_SP_V_OK);
}

/* ---- rebirth pacing ---------------------------------------------------------------------- */

static void test_rebirth_pacing(void **state) {
    (void)state;
    fixture f;
    setup_node(&f);
    int64_t t = 1700000000000;
    assert_true(aj_sp_rebirth_due(&f.node, t));
    assert_false(aj_sp_rebirth_due(&f.node, t));
    assert_false(aj_sp_rebirth_due(&f.node, t + AJ_SP_REBIRTH_INTERVAL_MS - 1));
    assert_true(aj_sp_rebirth_due(&f.node, t + AJ_SP_REBIRTH_INTERVAL_MS));
    assert_false(aj_sp_rebirth_due(&f.node, t + AJ_SP_REBIRTH_INTERVAL_MS + 1));
    /* a clock at 0 still counts as a request made */
    setup_node(&f);
    assert_true(aj_sp_rebirth_due(&f.node, 0));
    assert_false(aj_sp_rebirth_due(&f.node, 1));
}

/* ---- aliases -------------------------------------------------------------------------------- */

static void test_aliases(void **state) {
    (void)state;
    aj_sp_aliases t = {0};
    assert_int_equal(aj_sp_aliases_find(&t, 1), -2);
    assert_true(aj_sp_aliases_finish(&t));
    uint64_t aliases[] = {40, 3, UINT64_MAX, 0, 17};
    for (int i = 0; i < 5; i++) assert_int_equal(aj_sp_aliases_add(&t, aliases[i], i - 1), AJ_OK);
    assert_true(aj_sp_aliases_finish(&t));
    for (int i = 0; i < 5; i++) assert_int_equal(aj_sp_aliases_find(&t, aliases[i]), i - 1);
    assert_int_equal(aj_sp_aliases_find(&t, 4), -2);
    assert_int_equal(aj_sp_aliases_find(&t, UINT64_MAX - 1), -2);
    /* a new birth: old aliases gone; duplicates: the first one stays */
    aj_sp_aliases_reset(&t);
    assert_int_equal(aj_sp_aliases_find(&t, 40), -2);
    aj_sp_aliases_add(&t, 9, 100);
    aj_sp_aliases_add(&t, 2, 101);
    aj_sp_aliases_add(&t, 9, 102);
    aj_sp_aliases_add(&t, 9, 103);
    assert_false(aj_sp_aliases_finish(&t));
    assert_int_equal(t.n, 2);
    assert_int_equal(aj_sp_aliases_find(&t, 9), 100);
    assert_int_equal(aj_sp_aliases_find(&t, 2), 101);
    /* at most AJ_SP_METRICS_MAX per birth */
    aj_sp_aliases_reset(&t);
    for (int i = 0; i < AJ_SP_METRICS_MAX; i++)
        assert_int_equal(aj_sp_aliases_add(&t, (uint64_t)i * 7, i), AJ_OK);
    assert_int_equal(aj_sp_aliases_add(&t, 1, 1), AJ_ETOOBIG);
    assert_true(aj_sp_aliases_finish(&t));
    for (int i = 0; i < AJ_SP_METRICS_MAX; i += 997)
        assert_int_equal(aj_sp_aliases_find(&t, (uint64_t)i * 7), i);
    aj_sp_aliases_clear(&t);
    assert_null(t.items);
    aj_sp_aliases_clear(&t);
}

static void test_names(void **state) {
    (void)state;
    assert_string_equal(aj_sp_state_name(AJ_SP_WAITING_BIRTH), "waiting-birth");
    assert_string_equal(aj_sp_state_name(AJ_SP_ONLINE), "online");
    assert_string_equal(aj_sp_state_name(AJ_SP_OFFLINE), "offline");
    assert_string_equal(aj_sp_state_name(AJ_SP_STATE_COUNT), "?");
    assert_string_equal(aj_sp_verdict_text(AJ_SP_V_OK), "");
    for (int v = 1; v < AJ_SP_V_COUNT; v++) assert_true(strlen(aj_sp_verdict_text((aj_sp_verdict)v)) > 10);
    assert_string_equal(aj_sp_verdict_text(AJ_SP_V_COUNT), "?");
    /* the invariant checker catches broken sessions */
    fixture f;
    setup_node(&f);
    f.node.state = AJ_SP_ONLINE; /* online without a birth */
    assert_false(aj_sp_session_ok(&f.node));
    setup_node(&f);
    f.devices[1].state = AJ_SP_ONLINE;
    assert_false(aj_sp_session_ok(&f.node));
    setup_node(&f);
    f.node.has_bd_seq = true;
    assert_false(aj_sp_session_ok(&f.node));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_birth_and_data_in_sequence),
        cmocka_unit_test(test_gap_asks_for_rebirth),
        cmocka_unit_test(test_missing_or_bad_seq),
        cmocka_unit_test(test_data_before_birth),
        cmocka_unit_test(test_device_lifecycle),
        cmocka_unit_test(test_device_death_is_never_doubted),
        cmocka_unit_test(test_unmapped_device_moves_seq),
        cmocka_unit_test(test_node_death_and_bd_seq),
        cmocka_unit_test(test_commands_and_states_ignored),
        cmocka_unit_test(test_connection_lost),
        cmocka_unit_test(test_rebirth_pacing),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
