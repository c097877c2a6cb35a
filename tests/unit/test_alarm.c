/* test_alarm.c — the alarm engine core (src/engine/alarm.c).
 *
 * The journal callback copies every entry into a fixed log; the cases check the log and
 * the status. The state machine is walked by a table: each row drives a fresh alarm into
 * a start state, applies one input (operator action, suppression, or a point) and names
 * the expected return code, shown state and cause; a refused input must leave the alarm
 * byte-for-byte unchanged and journal nothing. Other cases cover deadband, delays and
 * timers, ROC, discrete, latch, shelving, suppression, out of service, bad quality,
 * chattering, the GB/T 50493-2019 defaults and replay determinism.
 */
#include "engine/alarm.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* seconds, exact to the millisecond (no floating-point surprises in due times) */
#define S(x)     ((int64_t)((x)*1000.0 + 0.5) * 1000000LL)
#define LOG_MAX  16384
#define TEXT_MAX 128
#define T0       S(1000)

typedef struct rec {
    aj_alarm_entry e;
    char user[TEXT_MAX];
    char comment[TEXT_MAX];
    bool has_user, has_comment;
} rec;

typedef struct journal {
    rec r[LOG_MAX];
    int n;
} journal;

static journal J;

static void on_entry(void *ctx, const aj_alarm_entry *e) {
    journal *j = ctx;
    assert_true(j->n < LOG_MAX);
    rec *r = &j->r[j->n++];
    memset(r, 0, sizeof *r);
    r->e = *e;
    r->has_user = e->user != NULL;
    r->has_comment = e->comment != NULL;
    if (e->user) snprintf(r->user, sizeof r->user, "%s", e->user);
    if (e->comment) snprintf(r->comment, sizeof r->comment, "%s", e->comment);
    r->e.user = NULL;
    r->e.comment = NULL;
}

static aj_alarm_def high_def(double sp, double db) {
    return (aj_alarm_def){.id = 42,
                          .tag_id = 7,
                          .kind = AJ_ALARM_KIND_H,
                          .priority = AJ_PRIO_HIGH,
                          .setpoint = sp,
                          .deadband = db,
                          .shelve_max_ns = S(8 * 3600)};
}

static void start(aj_alarm *a, const aj_alarm_def *d) {
    memset(&J, 0, sizeof J);
    assert_int_equal(aj_alarm_init(a, d, on_entry, &J), AJ_OK);
}

static aj_err feed_q(aj_alarm *a, int64_t t, double v, aj_quality q) {
    aj_point p = {.tag_id = 7, .t_ns = t, .value = v, .type = AJ_VALUE_FLOAT, .quality = q};
    return aj_alarm_process(a, &p);
}

static aj_err feed(aj_alarm *a, int64_t t, double v) {
    return feed_q(a, t, v, AJ_QUALITY_GOOD);
}

static aj_alarm_state state_of(const aj_alarm *a) {
    aj_alarm_status st;
    aj_alarm_get_status(a, &st);
    return st.state;
}

static const rec *last(void) {
    assert_true(J.n > 0);
    return &J.r[J.n - 1];
}

static void expect_last(aj_alarm_state from, aj_alarm_state to, aj_alarm_cause cause, int64_t t) {
    const rec *r = last();
    assert_string_equal(aj_alarm_state_name(r->e.from), aj_alarm_state_name(from));
    assert_string_equal(aj_alarm_state_name(r->e.to), aj_alarm_state_name(to));
    assert_string_equal(aj_alarm_cause_name(r->e.cause), aj_alarm_cause_name(cause));
    assert_int_equal(r->e.t_ns, t);
    assert_int_equal(r->e.alarm_id, 42);
}

/* ---- the transition table ------------------------------------------------------------ */

typedef enum {
    ST_NORMAL,
    ST_UNACK,
    ST_ACKED,
    ST_RTN_UNACK,
    ST_UNACK_L,   /* latched definition, active unacknowledged */
    ST_ACKED_L,   /* latched definition, active acknowledged */
    ST_LATCHED,   /* latched definition, returned */
    ST_SHELVED,   /* one-shot, condition active */
    ST_SHELVED_N, /* one-shot, condition normal */
    ST_SHELVED_T, /* timed, condition active */
    ST_SUPP,      /* suppressor 7, condition active */
    ST_SUPP_N,    /* suppressor 7, condition normal */
    ST_OOS,       /* condition active */
    ST_OOS_N,     /* condition normal */
} start_state;

static const char *const START_NAMES[] = {"NORMAL",  "UNACK",   "ACKED",   "RTN_UNACK", "UNACK_L",
                                          "ACKED_L", "LATCHED", "SHELVED", "SHELVED_N", "SHELVED_T",
                                          "SUPP",    "SUPP_N",  "OOS",     "OOS_N"};

typedef enum {
    IN_ACK,
    IN_RESET,
    IN_SHELVE_1,    /* one-shot */
    IN_SHELVE_T,    /* timed 1 h (max 8 h) */
    IN_SHELVE_LONG, /* timed 9 h: beyond the maximum */
    IN_UNSHELVE,
    IN_OOS,
    IN_RTS,
    IN_SUPPRESS_8, /* a new suppressor */
    IN_SUPPRESS_7, /* the one the SUPP starts hold */
    IN_UNSUPPRESS_7,
    IN_UNSUPPRESS_9, /* never held */
    IN_ACTIVE,       /* a point at 60 (setpoint 50) */
    IN_NORMAL,       /* a point at 10 */
} input;

static const char *const INPUT_NAMES[] = {
    "ack", "reset",      "shelve one-shot", "shelve 1h",    "shelve 9h",    "unshelve", "oos",
    "rts", "suppress 8", "suppress 7",      "unsuppress 7", "unsuppress 9", "active",   "normal"};

#define NO_ENTRY AJ_CAUSE_COUNT

typedef struct edge {
    start_state from;
    input in;
    aj_err rc;
    aj_alarm_state to;
    aj_alarm_cause cause; /* NO_ENTRY: nothing journaled */
} edge;

/* Drives a fresh alarm into a start state at time T0. */
static void drive(aj_alarm *a, start_state s) {
    aj_alarm_def d = high_def(50, 0);
    d.is_latched = s == ST_UNACK_L || s == ST_ACKED_L || s == ST_LATCHED;
    start(a, &d);
    bool is_active = !(s == ST_NORMAL || s == ST_RTN_UNACK || s == ST_LATCHED || s == ST_SHELVED_N ||
                       s == ST_SUPP_N || s == ST_OOS_N);
    assert_int_equal(feed(a, T0 - S(2), s == ST_NORMAL ? 10 : 60), AJ_OK);
    if (s == ST_ACKED || s == ST_ACKED_L || s == ST_LATCHED)
        assert_int_equal(aj_alarm_ack(a, T0 - S(2), "op", NULL), AJ_OK);
    if (s == ST_SHELVED || s == ST_SHELVED_N)
        assert_int_equal(aj_alarm_shelve(a, T0 - S(2), AJ_SHELVE_ONE_SHOT, 0, "op", "noisy"), AJ_OK);
    if (s == ST_SHELVED_T)
        assert_int_equal(aj_alarm_shelve(a, T0 - S(2), AJ_SHELVE_TIMED, S(600), "op", "x"), 0);
    if (s == ST_SUPP || s == ST_SUPP_N) assert_int_equal(aj_alarm_suppress(a, T0 - S(2), 7), AJ_OK);
    if (s == ST_OOS || s == ST_OOS_N)
        assert_int_equal(aj_alarm_remove_from_service(a, T0 - S(2), "op", "x"), 0);
    /* (one-shot SHELVED_N: shelved while active, so the return below ends it; use timed) */
    if (s == ST_SHELVED_N) {
        assert_int_equal(aj_alarm_unshelve(a, T0 - S(2), "op", NULL), AJ_OK);
        assert_int_equal(feed(a, T0 - S(1), 10), AJ_OK);
        assert_int_equal(aj_alarm_shelve(a, T0 - S(1), AJ_SHELVE_ONE_SHOT, 0, "op", "noisy"), AJ_OK);
    } else if (!is_active && s != ST_NORMAL) {
        assert_int_equal(feed(a, T0 - S(1), 10), AJ_OK);
    }
    assert_int_equal(aj_alarm_advance(a, T0), AJ_OK);
    aj_alarm_status st;
    aj_alarm_get_status(a, &st);
    assert_int_equal(st.is_condition_active, is_active);
}

static aj_err apply(aj_alarm *a, input in) {
    switch (in) {
    case IN_ACK:
        return aj_alarm_ack(a, T0, "张三", "seen");
    case IN_RESET:
        return aj_alarm_reset(a, T0, "张三", NULL);
    case IN_SHELVE_1:
        return aj_alarm_shelve(a, T0, AJ_SHELVE_ONE_SHOT, 0, "张三", "maintenance");
    case IN_SHELVE_T:
        return aj_alarm_shelve(a, T0, AJ_SHELVE_TIMED, S(3600), "张三", "maintenance");
    case IN_SHELVE_LONG:
        return aj_alarm_shelve(a, T0, AJ_SHELVE_TIMED, S(9 * 3600), "张三", "maintenance");
    case IN_UNSHELVE:
        return aj_alarm_unshelve(a, T0, "张三", NULL);
    case IN_OOS:
        return aj_alarm_remove_from_service(a, T0, "张三", "sensor replaced");
    case IN_RTS:
        return aj_alarm_return_to_service(a, T0, "张三", NULL);
    case IN_SUPPRESS_8:
        return aj_alarm_suppress(a, T0, 8);
    case IN_SUPPRESS_7:
        return aj_alarm_suppress(a, T0, 7);
    case IN_UNSUPPRESS_7:
        return aj_alarm_unsuppress(a, T0, 7);
    case IN_UNSUPPRESS_9:
        return aj_alarm_unsuppress(a, T0, 9);
    case IN_ACTIVE:
        return feed(a, T0, 60);
    case IN_NORMAL:
        return feed(a, T0, 10);
    }
    return AJ_EINTERNAL;
}

#define OK       AJ_OK
#define CF       AJ_ECONFLICT
#define IV       AJ_EINVAL
#define NF       AJ_ENOTFOUND
#define NORMAL_  AJ_ALARM_NORMAL
#define UNACK_   AJ_ALARM_UNACK
#define ACKED_   AJ_ALARM_ACKED
#define RTN_     AJ_ALARM_RTN_UNACK
#define LATCHED_ AJ_ALARM_LATCHED
#define SHELVED_ AJ_ALARM_SHELVED
#define SUPP_    AJ_ALARM_SUPPRESSED
#define OOS_     AJ_ALARM_OOS

/* Inputs common to every visible start state s shown as `to`: the hidden layers. */
#define VISIBLE_COMMON(s, to)                                                                                \
    {s, IN_RESET, CF, to, NO_ENTRY}, {s, IN_SHELVE_1, OK, SHELVED_, AJ_CAUSE_SHELVE},                        \
        {s, IN_SHELVE_T, OK, SHELVED_, AJ_CAUSE_SHELVE}, {s, IN_SHELVE_LONG, IV, to, NO_ENTRY},              \
        {s, IN_UNSHELVE, CF, to, NO_ENTRY}, {s, IN_OOS, OK, OOS_, AJ_CAUSE_OOS},                             \
        {s, IN_RTS, CF, to, NO_ENTRY}, {s, IN_SUPPRESS_8, OK, SUPP_, AJ_CAUSE_SUPPRESS},                     \
        {s, IN_UNSUPPRESS_7, NF, to, NO_ENTRY}, {                                                            \
        s, IN_UNSUPPRESS_9, NF, to, NO_ENTRY                                                                 \
    }

static const edge EDGES[] = {
    VISIBLE_COMMON(ST_NORMAL, NORMAL_),
    {ST_NORMAL, IN_ACK, CF, NORMAL_, NO_ENTRY},
    {ST_NORMAL, IN_ACTIVE, OK, UNACK_, AJ_CAUSE_PROCESS},
    {ST_NORMAL, IN_NORMAL, OK, NORMAL_, NO_ENTRY},

    VISIBLE_COMMON(ST_UNACK, UNACK_),
    {ST_UNACK, IN_ACK, OK, ACKED_, AJ_CAUSE_ACK},
    {ST_UNACK, IN_ACTIVE, OK, UNACK_, NO_ENTRY},
    {ST_UNACK, IN_NORMAL, OK, RTN_, AJ_CAUSE_PROCESS},

    VISIBLE_COMMON(ST_ACKED, ACKED_),
    {ST_ACKED, IN_ACK, CF, ACKED_, NO_ENTRY},
    {ST_ACKED, IN_ACTIVE, OK, ACKED_, NO_ENTRY},
    {ST_ACKED, IN_NORMAL, OK, NORMAL_, AJ_CAUSE_PROCESS},

    VISIBLE_COMMON(ST_RTN_UNACK, RTN_),
    {ST_RTN_UNACK, IN_ACK, OK, NORMAL_, AJ_CAUSE_ACK},
    {ST_RTN_UNACK, IN_ACTIVE, OK, UNACK_, AJ_CAUSE_PROCESS},
    {ST_RTN_UNACK, IN_NORMAL, OK, RTN_, NO_ENTRY},

    VISIBLE_COMMON(ST_UNACK_L, UNACK_),
    {ST_UNACK_L, IN_ACK, OK, ACKED_, AJ_CAUSE_ACK},
    {ST_UNACK_L, IN_NORMAL, OK, LATCHED_, AJ_CAUSE_PROCESS},

    VISIBLE_COMMON(ST_ACKED_L, ACKED_),
    {ST_ACKED_L, IN_ACK, CF, ACKED_, NO_ENTRY},
    {ST_ACKED_L, IN_NORMAL, OK, LATCHED_, AJ_CAUSE_PROCESS},

    {ST_LATCHED, IN_ACK, CF, LATCHED_, NO_ENTRY},
    {ST_LATCHED, IN_RESET, OK, NORMAL_, AJ_CAUSE_RESET},
    {ST_LATCHED, IN_ACTIVE, OK, UNACK_, AJ_CAUSE_PROCESS},
    {ST_LATCHED, IN_NORMAL, OK, LATCHED_, NO_ENTRY},
    {ST_LATCHED, IN_SHELVE_1, OK, SHELVED_, AJ_CAUSE_SHELVE},
    {ST_LATCHED, IN_OOS, OK, OOS_, AJ_CAUSE_OOS},
    {ST_LATCHED, IN_SUPPRESS_8, OK, SUPP_, AJ_CAUSE_SUPPRESS},
    {ST_LATCHED, IN_RTS, CF, LATCHED_, NO_ENTRY},
    {ST_LATCHED, IN_UNSHELVE, CF, LATCHED_, NO_ENTRY},

    {ST_SHELVED, IN_ACK, CF, SHELVED_, NO_ENTRY},
    {ST_SHELVED, IN_RESET, CF, SHELVED_, NO_ENTRY},
    {ST_SHELVED, IN_SHELVE_1, CF, SHELVED_, NO_ENTRY},
    {ST_SHELVED, IN_SHELVE_T, CF, SHELVED_, NO_ENTRY},
    {ST_SHELVED, IN_UNSHELVE, OK, UNACK_, AJ_CAUSE_UNSHELVE},
    {ST_SHELVED, IN_OOS, OK, OOS_, AJ_CAUSE_OOS},
    {ST_SHELVED, IN_RTS, CF, SHELVED_, NO_ENTRY},
    {ST_SHELVED, IN_SUPPRESS_8, OK, SUPP_, AJ_CAUSE_SUPPRESS},
    {ST_SHELVED, IN_UNSUPPRESS_7, NF, SHELVED_, NO_ENTRY},
    {ST_SHELVED, IN_ACTIVE, OK, SHELVED_, NO_ENTRY},
    {ST_SHELVED, IN_NORMAL, OK, NORMAL_, AJ_CAUSE_UNSHELVE}, /* one-shot ends on return */

    {ST_SHELVED_N, IN_UNSHELVE, OK, NORMAL_, AJ_CAUSE_UNSHELVE},
    {ST_SHELVED_N, IN_ACTIVE, OK, SHELVED_, NO_ENTRY},
    {ST_SHELVED_N, IN_NORMAL, OK, SHELVED_, NO_ENTRY},
    {ST_SHELVED_N, IN_ACK, CF, SHELVED_, NO_ENTRY},

    {ST_SHELVED_T, IN_NORMAL, OK, SHELVED_, NO_ENTRY}, /* timed: return does not end it */
    {ST_SHELVED_T, IN_UNSHELVE, OK, UNACK_, AJ_CAUSE_UNSHELVE},
    {ST_SHELVED_T, IN_SHELVE_T, CF, SHELVED_, NO_ENTRY},
    {ST_SHELVED_T, IN_ACK, CF, SHELVED_, NO_ENTRY},

    {ST_SUPP, IN_ACK, CF, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_RESET, CF, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_SHELVE_1, CF, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_UNSHELVE, CF, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_OOS, OK, OOS_, AJ_CAUSE_OOS},
    {ST_SUPP, IN_RTS, CF, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_SUPPRESS_7, CF, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_SUPPRESS_8, OK, SUPP_, AJ_CAUSE_SUPPRESS},
    {ST_SUPP, IN_UNSUPPRESS_7, OK, UNACK_, AJ_CAUSE_UNSUPPRESS},
    {ST_SUPP, IN_UNSUPPRESS_9, NF, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_ACTIVE, OK, SUPP_, NO_ENTRY},
    {ST_SUPP, IN_NORMAL, OK, SUPP_, NO_ENTRY},
    {ST_SUPP_N, IN_UNSUPPRESS_7, OK, NORMAL_, AJ_CAUSE_UNSUPPRESS},
    {ST_SUPP_N, IN_ACTIVE, OK, SUPP_, NO_ENTRY},

    {ST_OOS, IN_ACK, CF, OOS_, NO_ENTRY},
    {ST_OOS, IN_RESET, CF, OOS_, NO_ENTRY},
    {ST_OOS, IN_SHELVE_1, CF, OOS_, NO_ENTRY},
    {ST_OOS, IN_UNSHELVE, CF, OOS_, NO_ENTRY},
    {ST_OOS, IN_OOS, CF, OOS_, NO_ENTRY},
    {ST_OOS, IN_RTS, OK, UNACK_, AJ_CAUSE_RETURN_TO_SERVICE},
    {ST_OOS, IN_SUPPRESS_8, OK, OOS_, AJ_CAUSE_SUPPRESS},
    {ST_OOS, IN_UNSUPPRESS_7, NF, OOS_, NO_ENTRY},
    {ST_OOS, IN_ACTIVE, OK, OOS_, NO_ENTRY},
    {ST_OOS, IN_NORMAL, OK, OOS_, NO_ENTRY},
    {ST_OOS_N, IN_RTS, OK, NORMAL_, AJ_CAUSE_RETURN_TO_SERVICE},
    {ST_OOS_N, IN_ACTIVE, OK, OOS_, NO_ENTRY},
};

static void test_transition_table(void **state) {
    (void)state;
    aj_alarm a, before;
    for (size_t i = 0; i < sizeof EDGES / sizeof EDGES[0]; i++) {
        const edge *ed = &EDGES[i];
        drive(&a, ed->from);
        memcpy(&before, &a, sizeof a);
        int n0 = J.n;
        aj_alarm_state shown0 = state_of(&a);
        aj_err rc = apply(&a, ed->in);
        aj_alarm_state to = state_of(&a);
        if (rc != ed->rc || to != ed->to) {
            fail_msg("edge %zu: %s + %s: rc %s (want %s), state %s (want %s)", i, START_NAMES[ed->from],
                     INPUT_NAMES[ed->in], aj_err_name(rc), aj_err_name(ed->rc), aj_alarm_state_name(to),
                     aj_alarm_state_name(ed->to));
        }
        if (ed->cause == NO_ENTRY) {
            assert_int_equal(J.n, n0);
            if (rc != AJ_OK) assert_memory_equal(&a, &before, sizeof a); /* refused: nothing changed */
            continue;
        }
        if (J.n != n0 + 1) fail_msg("edge %zu: %d entries (want 1)", i, J.n - n0);
        const rec *r = last();
        assert_int_equal(r->e.from, shown0);
        assert_int_equal(r->e.to, ed->to);
        if (r->e.cause != ed->cause)
            fail_msg("edge %zu: cause %s (want %s)", i, aj_alarm_cause_name(r->e.cause),
                     aj_alarm_cause_name(ed->cause));
        assert_int_equal(r->e.t_ns, T0);
        bool is_operator = ed->cause == AJ_CAUSE_ACK || ed->cause == AJ_CAUSE_RESET ||
                           ed->cause == AJ_CAUSE_SHELVE || ed->cause == AJ_CAUSE_OOS ||
                           ed->cause == AJ_CAUSE_RETURN_TO_SERVICE ||
                           (ed->cause == AJ_CAUSE_UNSHELVE && ed->in == IN_UNSHELVE);
        assert_int_equal(r->has_user, is_operator);
        if (is_operator) assert_string_equal(r->user, "张三");
        if (ed->cause == AJ_CAUSE_SUPPRESS || ed->cause == AJ_CAUSE_UNSUPPRESS)
            assert_true(r->e.suppressor_id == 7 || r->e.suppressor_id == 8);
    }
}

/* ---- limits, deadband, delays -------------------------------------------------------- */

static void test_high_deadband(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 2);
    d.priority = AJ_PRIO_EMERGENCY;
    start(&a, &d);
    assert_int_equal(feed(&a, S(1), 49.9), AJ_OK);
    assert_int_equal(J.n, 0);
    assert_int_equal(feed(&a, S(2), 50), AJ_OK); /* >= setpoint trips */
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(2));
    assert_true(last()->e.value == 50 && last()->e.limit == 50);
    assert_int_equal(last()->e.priority, AJ_PRIO_EMERGENCY);
    assert_true(last()->e.is_condition_active);
    assert_int_equal(feed(&a, S(3), 48), AJ_OK); /* within the deadband: still active */
    assert_int_equal(J.n, 1);
    assert_int_equal(feed(&a, S(4), 47.99), AJ_OK);
    expect_last(UNACK_, RTN_, AJ_CAUSE_PROCESS, S(4));
    assert_int_equal(feed(&a, S(5), 49.99), AJ_OK); /* below the setpoint: no re-trip */
    assert_int_equal(J.n, 2);
}

static void test_low_and_low_low(void **state) {
    (void)state;
    aj_alarm_kind kinds[] = {AJ_ALARM_KIND_L, AJ_ALARM_KIND_LL};
    for (int k = 0; k < 2; k++) {
        aj_alarm a;
        aj_alarm_def d = high_def(10, 1);
        d.kind = kinds[k];
        start(&a, &d);
        feed(&a, S(1), 10.01);
        assert_int_equal(J.n, 0);
        feed(&a, S(2), 10);
        expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(2));
        feed(&a, S(3), 11);
        assert_int_equal(J.n, 1); /* needs > setpoint + deadband */
        feed(&a, S(4), 11.01);
        expect_last(UNACK_, RTN_, AJ_CAUSE_PROCESS, S(4));
    }
}

static void test_on_delay_fires_by_watermark(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    d.on_delay_ns = S(10);
    start(&a, &d);
    feed(&a, S(100), 60);
    feed(&a, S(105), 70); /* still active: the delay keeps its original start */
    assert_int_equal(aj_alarm_advance(&a, S(109.999)), AJ_OK);
    assert_int_equal(J.n, 0);
    assert_int_equal(state_of(&a), NORMAL_);
    assert_int_equal(aj_alarm_advance(&a, S(110)), AJ_OK);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_DELAY_EXPIRED, S(110));

    /* cancelled when the value drops before the delay ends */
    start(&a, &d);
    feed(&a, S(100), 60);
    feed(&a, S(105), 40);
    aj_alarm_advance(&a, S(200));
    assert_int_equal(J.n, 0);

    /* a point at/after the due time: the timer fires first, at its due time */
    start(&a, &d);
    feed(&a, S(100), 60);
    feed(&a, S(110), 40);
    assert_int_equal(J.n, 2);
    assert_int_equal(J.r[0].e.cause, AJ_CAUSE_DELAY_EXPIRED);
    assert_int_equal(J.r[0].e.t_ns, S(110));
    expect_last(UNACK_, RTN_, AJ_CAUSE_PROCESS, S(110));
}

static void test_off_delay_fires_by_watermark(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    d.off_delay_ns = S(5);
    start(&a, &d);
    feed(&a, S(1), 60);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(1));
    feed(&a, S(2), 40);
    aj_alarm_advance(&a, S(6.5));
    assert_int_equal(J.n, 1);
    feed(&a, S(6.6), 55); /* back in alarm: the off-delay is cancelled */
    feed(&a, S(6.7), 40);
    aj_alarm_advance(&a, S(11.6));
    assert_int_equal(J.n, 1);
    aj_alarm_advance(&a, S(11.7));
    expect_last(UNACK_, RTN_, AJ_CAUSE_DELAY_EXPIRED, S(11.7));
    /* a watermark behind the clock does nothing; a late point is refused */
    assert_int_equal(aj_alarm_advance(&a, S(1)), AJ_OK);
    aj_alarm before;
    memcpy(&before, &a, sizeof a);
    assert_int_equal(feed(&a, S(11), 90), AJ_EINVAL);
    assert_memory_equal(&a, &before, sizeof a);
}

/* ---- ROC, discrete ------------------------------------------------------------------- */

static void test_rate_of_change(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(10, 2); /* 10 units/min, deadband 2 units/min */
    d.kind = AJ_ALARM_KIND_ROC;
    d.roc_window_ns = S(60);
    start(&a, &d);
    double v = 0;
    int64_t t = S(0);
    for (int i = 0; i < 12; i++, t += S(10)) feed(&a, t, v += 1); /* 6 units/min */
    assert_int_equal(J.n, 0);
    for (int i = 0; i < 6 && J.n == 0; i++, t += S(10)) feed(&a, t, v += 3); /* 18 units/min */
    assert_int_equal(J.n, 1);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, last()->e.t_ns);
    assert_true(last()->e.value >= 10);
    for (int i = 0; i < 6; i++, t += S(10)) feed(&a, t, v += 3);
    assert_int_equal(J.n, 1);
    /* flat: the rate decays; 9 /min still holds (deadband), below 8 it returns */
    for (int i = 0; i < 12 && J.n == 1; i++, t += S(10)) feed(&a, t, v);
    expect_last(UNACK_, RTN_, AJ_CAUSE_PROCESS, last()->e.t_ns);
    assert_true(fabs(last()->e.value) < 8);
    assert_true(fabs(J.r[0].e.value) >= 10);
    /* falling fast counts too (|rate|) */
    for (int i = 0; i < 8 && J.n == 2; i++, t += S(10)) feed(&a, t, v -= 3);
    expect_last(RTN_, UNACK_, AJ_CAUSE_PROCESS, last()->e.t_ns);
    assert_true(last()->e.value <= -10);
    /* many points per second overflow the ring without harm */
    for (int i = 0; i < 1000; i++, t += S(0.001)) assert_int_equal(feed(&a, t, v), AJ_OK);
    /* a sparse series uses the sample before the window */
    start(&a, &d);
    feed(&a, S(0), 0);
    feed(&a, S(600), 5);    /* 0.5 / min */
    feed(&a, S(1200), 200); /* 19.5 / min */
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(1200));
}

static void test_discrete(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(1, 0);
    d.kind = AJ_ALARM_KIND_DISCRETE;
    start(&a, &d);
    feed(&a, S(1), 0);
    assert_int_equal(J.n, 0);
    feed(&a, S(2), 1);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(2));
    feed(&a, S(3), 0);
    expect_last(UNACK_, RTN_, AJ_CAUSE_PROCESS, S(3));
    d.is_not_equal = true; /* e.g. "valve not open (state 2)" */
    d.setpoint = 2;
    start(&a, &d);
    feed(&a, S(1), 2);
    assert_int_equal(J.n, 0);
    feed(&a, S(2), 0);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(2));
    feed(&a, S(3), 2);
    expect_last(UNACK_, RTN_, AJ_CAUSE_PROCESS, S(3));
}

/* ---- latch, shelving, suppression, out of service ------------------------------------ */

static void test_latched_and_reset(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    d.is_latched = true;
    start(&a, &d);
    feed(&a, S(1), 60);
    assert_int_equal(aj_alarm_ack(&a, S(2), "op", NULL), AJ_OK);
    feed(&a, S(3), 10);
    expect_last(ACKED_, LATCHED_, AJ_CAUSE_PROCESS, S(3));
    assert_int_equal(aj_alarm_ack(&a, S(4), "op", NULL), AJ_ECONFLICT);
    feed(&a, S(5), 10);
    assert_int_equal(state_of(&a), LATCHED_); /* stays until reset */
    assert_int_equal(aj_alarm_reset(&a, S(6), "李四", "checked in the field"), AJ_OK);
    expect_last(LATCHED_, NORMAL_, AJ_CAUSE_RESET, S(6));
    assert_string_equal(last()->user, "李四");
    assert_string_equal(last()->comment, "checked in the field");
    assert_int_equal(aj_alarm_reset(&a, S(7), "op", NULL), AJ_ECONFLICT);
}

static void test_timed_shelve_expiry(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    d.shelve_max_ns = S(3600);
    start(&a, &d);
    feed(&a, S(10), 60);
    assert_int_equal(aj_alarm_shelve(&a, S(20), AJ_SHELVE_TIMED, S(3601), "op", "r"), AJ_EINVAL);
    assert_int_equal(aj_alarm_shelve(&a, S(20), AJ_SHELVE_TIMED, 0, "op", "r"), AJ_EINVAL);
    assert_int_equal(aj_alarm_shelve(&a, S(20), AJ_SHELVE_TIMED, S(600), "op", ""), AJ_EINVAL);
    assert_int_equal(aj_alarm_shelve(&a, S(20), AJ_SHELVE_TIMED, S(600), "op", NULL), AJ_EINVAL);
    assert_int_equal(J.n, 1);
    assert_int_equal(aj_alarm_shelve(&a, S(20), AJ_SHELVE_TIMED, S(3600), "王五", "calibration"), AJ_OK);
    expect_last(UNACK_, SHELVED_, AJ_CAUSE_SHELVE, S(20));
    assert_int_equal(last()->e.shelve_until_ns, S(3620));
    aj_alarm_status st;
    aj_alarm_get_status(&a, &st);
    assert_int_equal(st.shelve_until_ns, S(3620));
    feed(&a, S(100), 10); /* returns while shelved: timed shelve stays, nothing journaled */
    feed(&a, S(200), 70);
    aj_alarm_advance(&a, S(3619.999));
    assert_int_equal(J.n, 2);
    aj_alarm_advance(&a, S(4000));
    expect_last(SHELVED_, UNACK_, AJ_CAUSE_SHELVE_EXPIRED, S(3620)); /* re-evaluated: active */
    assert_string_equal(last()->user, "王五");
    assert_string_equal(last()->comment, "calibration");

    /* expiry with a normal value gives NORMAL; a point after it comes after the expiry */
    start(&a, &d);
    feed(&a, S(10), 10);
    assert_int_equal(aj_alarm_shelve(&a, S(10), AJ_SHELVE_TIMED, S(60), "op", "r"), AJ_OK);
    feed(&a, S(80), 60);
    assert_int_equal(J.n, 3);
    assert_int_equal(J.r[1].e.cause, AJ_CAUSE_SHELVE_EXPIRED);
    assert_int_equal(J.r[1].e.to, NORMAL_);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(80));

    /* a definition without timed shelving refuses it, one-shot still works */
    d.shelve_max_ns = 0;
    start(&a, &d);
    assert_int_equal(aj_alarm_shelve(&a, S(1), AJ_SHELVE_TIMED, S(1), "op", "r"), AJ_EINVAL);
    assert_int_equal(aj_alarm_shelve(&a, S(1), AJ_SHELVE_ONE_SHOT, 0, "op", "r"), AJ_OK);
}

static void test_one_shot_shelve_ends_on_return(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    d.off_delay_ns = S(5);
    start(&a, &d);
    feed(&a, S(1), 60);
    aj_alarm_ack(&a, S(2), "op", NULL);
    assert_int_equal(
        aj_alarm_shelve(&a, S(3), AJ_SHELVE_ONE_SHOT, 0, "op", "known leak, repair team on site"), 0);
    expect_last(ACKED_, SHELVED_, AJ_CAUSE_SHELVE, S(3));
    assert_int_equal(last()->e.shelve_until_ns, 0);
    feed(&a, S(10), 10);
    aj_alarm_advance(&a, S(14));
    assert_int_equal(J.n, 3);
    aj_alarm_advance(&a, S(15)); /* off-delay ends: condition returns, the shelve ends */
    expect_last(SHELVED_, NORMAL_, AJ_CAUSE_UNSHELVE, S(15));
    assert_false(last()->has_user);
    feed(&a, S(20), 60);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(20));
}

static void test_two_suppressors(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    start(&a, &d);
    feed(&a, S(1), 60);
    assert_int_equal(aj_alarm_suppress(&a, S(2), 1001), AJ_OK);
    expect_last(UNACK_, SUPP_, AJ_CAUSE_SUPPRESS, S(2));
    assert_int_equal(last()->e.suppressor_id, 1001);
    assert_int_equal(aj_alarm_suppress(&a, S(3), 1002), AJ_OK);
    expect_last(SUPP_, SUPP_, AJ_CAUSE_SUPPRESS, S(3));
    assert_int_equal(aj_alarm_suppress(&a, S(3), 0), AJ_EINVAL);
    feed(&a, S(4), 10); /* returns while suppressed: tracked, not journaled */
    assert_int_equal(J.n, 3);
    assert_int_equal(aj_alarm_unsuppress(&a, S(5), 1001), AJ_OK);
    expect_last(SUPP_, SUPP_, AJ_CAUSE_UNSUPPRESS, S(5));
    assert_int_equal(aj_alarm_unsuppress(&a, S(5), 1001), AJ_ENOTFOUND);
    assert_int_equal(aj_alarm_unsuppress(&a, S(6), 1002), AJ_OK);
    expect_last(SUPP_, NORMAL_, AJ_CAUSE_UNSUPPRESS, S(6)); /* re-evaluated from the value */
    /* bounded */
    for (int i = 1; i <= AJ_ALARM_SUPPRESSORS_MAX; i++)
        assert_int_equal(aj_alarm_suppress(&a, S(7), i), AJ_OK);
    assert_int_equal(aj_alarm_suppress(&a, S(7), 99), AJ_ETOOBIG);
    for (int i = AJ_ALARM_SUPPRESSORS_MAX; i >= 1; i--) assert_int_equal(aj_alarm_unsuppress(&a, S(8), i), 0);
    assert_int_equal(state_of(&a), NORMAL_);
}

static void test_out_of_service_reevaluates(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    start(&a, &d);
    feed(&a, S(1), 60);
    aj_alarm_ack(&a, S(2), "op", NULL);
    assert_int_equal(aj_alarm_remove_from_service(&a, S(3), "op", "detector swap"), AJ_OK);
    expect_last(ACKED_, OOS_, AJ_CAUSE_OOS, S(3));
    feed(&a, S(4), 10);
    feed(&a, S(5), 70);
    assert_int_equal(J.n, 3);
    aj_alarm_status st;
    aj_alarm_get_status(&a, &st);
    assert_int_equal(st.state, OOS_);
    assert_int_equal(st.annunciation, UNACK_); /* what returning to service now would give */
    assert_true(st.is_condition_active);
    assert_int_equal(aj_alarm_return_to_service(&a, S(6), "op", NULL), AJ_OK);
    expect_last(OOS_, UNACK_, AJ_CAUSE_RETURN_TO_SERVICE, S(6)); /* active: UNACK again (ack dropped) */

    aj_alarm_remove_from_service(&a, S(7), "op", NULL);
    feed(&a, S(8), 10);
    aj_alarm_return_to_service(&a, S(9), "op", NULL);
    expect_last(OOS_, NORMAL_, AJ_CAUSE_RETURN_TO_SERVICE, S(9));
}

/* Layers stacked: a timed shelve expires beneath OOS; leaving OOS re-evaluates. */
static void test_layers_stack(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    start(&a, &d);
    feed(&a, S(1), 60);
    aj_alarm_shelve(&a, S(2), AJ_SHELVE_TIMED, S(100), "op", "r");
    aj_alarm_suppress(&a, S(3), 5);
    expect_last(SHELVED_, SUPP_, AJ_CAUSE_SUPPRESS, S(3));
    aj_alarm_remove_from_service(&a, S(4), "op", NULL);
    expect_last(SUPP_, OOS_, AJ_CAUSE_OOS, S(4));
    aj_alarm_advance(&a, S(200));
    expect_last(OOS_, OOS_, AJ_CAUSE_SHELVE_EXPIRED, S(102));
    aj_alarm_return_to_service(&a, S(201), "op", NULL);
    expect_last(OOS_, SUPP_, AJ_CAUSE_RETURN_TO_SERVICE, S(201));
    assert_int_equal(aj_alarm_unshelve(&a, S(202), "op", NULL), AJ_ECONFLICT);
    aj_alarm_unsuppress(&a, S(203), 5);
    expect_last(SUPP_, UNACK_, AJ_CAUSE_UNSUPPRESS, S(203));
    /* unshelve beneath suppression: from == to */
    aj_alarm_shelve(&a, S(204), AJ_SHELVE_ONE_SHOT, 0, "op", "r");
    aj_alarm_suppress(&a, S(205), 6);
    assert_int_equal(aj_alarm_unshelve(&a, S(206), "op", NULL), AJ_OK);
    expect_last(SUPP_, SUPP_, AJ_CAUSE_UNSHELVE, S(206));
}

/* ---- bad quality, chattering --------------------------------------------------------- */

static void test_bad_quality_holds(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    start(&a, &d);
    feed_q(&a, S(1), 99, AJ_QUALITY_BAD); /* never raises */
    feed_q(&a, S(2), 99, AJ_QUALITY_UNCERTAIN);
    assert_int_equal(J.n, 0);
    aj_alarm_status st;
    aj_alarm_get_status(&a, &st);
    assert_false(st.is_quality_good);
    assert_false(st.has_value);
    feed(&a, S(3), 60);
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_PROCESS, S(3));
    feed_q(&a, S(4), 0, AJ_QUALITY_BAD); /* never clears */
    assert_int_equal(J.n, 1);
    assert_int_equal(state_of(&a), UNACK_);
    aj_alarm_get_status(&a, &st);
    assert_true(st.value == 60); /* last good value kept */
    /* a bad point cancels a pending delay; it restarts with good data */
    d.on_delay_ns = S(10);
    start(&a, &d);
    feed(&a, S(0), 60);
    feed_q(&a, S(5), 60, AJ_QUALITY_BAD);
    aj_alarm_advance(&a, S(20));
    assert_int_equal(J.n, 0);
    feed(&a, S(21), 60);
    aj_alarm_advance(&a, S(31));
    expect_last(NORMAL_, UNACK_, AJ_CAUSE_DELAY_EXPIRED, S(31));
    /* a GOOD NaN is invalid input */
    assert_int_equal(feed(&a, S(40), NAN), AJ_EINVAL);
    assert_int_equal(feed_q(&a, S(40), NAN, AJ_QUALITY_BAD), AJ_OK);
}

static void test_chattering(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    start(&a, &d);
    /* two activations in 60 s: not chattering */
    feed(&a, S(0), 60);
    feed(&a, S(10), 10);
    feed(&a, S(20), 60);
    assert_false(last()->e.is_chattering);
    feed(&a, S(30), 10);
    /* the third within 60 s of the first: chattering */
    feed(&a, S(60), 60);
    assert_true(last()->e.is_chattering);
    aj_alarm_status st;
    aj_alarm_get_status(&a, &st);
    assert_true(st.is_chattering);
    /* the window slides: at 80.000000001 only 20 and 60 are inside */
    aj_alarm_advance(&a, S(80) + 1);
    aj_alarm_get_status(&a, &st);
    assert_false(st.is_chattering);
    feed(&a, S(90), 10);
    assert_false(last()->e.is_chattering);
    /* activations 61 s apart never chatter */
    start(&a, &d);
    for (int i = 0; i < 6; i++) {
        feed(&a, S(61 * i), 60);
        assert_false(last()->e.is_chattering);
        feed(&a, S(61 * i + 1), 10);
    }
    /* hidden activations count too */
    start(&a, &d);
    aj_alarm_suppress(&a, S(0), 3);
    for (int i = 0; i < 3; i++) {
        feed(&a, S(10 * i), 60);
        feed(&a, S(10 * i + 5), 10);
    }
    aj_alarm_get_status(&a, &st);
    assert_true(st.is_chattering);
    assert_int_equal(J.n, 1);
}

/* ---- arguments and definitions ------------------------------------------------------- */

static void test_bad_arguments(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def d = high_def(50, 0);
    start(&a, &d);
    assert_int_equal(feed(&a, -1, 60), AJ_EINVAL); /* before 1970 */
    assert_int_equal(aj_alarm_suppress(&a, -1, 1), AJ_EINVAL);
    feed(&a, S(10), 60);
    char long_user[AJ_ALARM_USER_LEN_MAX + 2];
    memset(long_user, 'u', sizeof long_user - 1);
    long_user[sizeof long_user - 1] = 0;
    char long_comment[AJ_ALARM_COMMENT_LEN_MAX + 2];
    memset(long_comment, 'c', sizeof long_comment - 1);
    long_comment[sizeof long_comment - 1] = 0;
    aj_alarm before;
    memcpy(&before, &a, sizeof a);
    assert_int_equal(aj_alarm_ack(&a, S(11), NULL, NULL), AJ_EINVAL);
    assert_int_equal(aj_alarm_ack(&a, S(11), "", NULL), AJ_EINVAL);
    assert_int_equal(aj_alarm_ack(&a, S(11), long_user, NULL), AJ_EINVAL);
    assert_int_equal(aj_alarm_ack(&a, S(11), "op", long_comment), AJ_EINVAL);
    assert_int_equal(aj_alarm_ack(&a, S(9), "op", NULL), AJ_EINVAL); /* before the clock */
    assert_int_equal(aj_alarm_shelve(&a, S(11), (aj_alarm_shelve_kind)7, 0, "op", "r"), AJ_EINVAL);
    assert_int_equal(aj_alarm_suppress(&a, S(9), 1), AJ_EINVAL);
    assert_int_equal(aj_alarm_unsuppress(&a, S(9), 1), AJ_EINVAL);
    aj_point p = {.tag_id = 8, .t_ns = S(11), .value = 60};
    assert_int_equal(aj_alarm_process(&a, &p), AJ_EINVAL); /* another tag */
    assert_memory_equal(&a, &before, sizeof a);
    long_user[AJ_ALARM_USER_LEN_MAX] = 0; /* exactly the maximum is fine */
    assert_int_equal(aj_alarm_ack(&a, S(11), long_user, NULL), AJ_OK);
    assert_string_equal(last()->user, long_user);
}

static void test_invalid_definitions(void **state) {
    (void)state;
    aj_alarm a;
    aj_alarm_def base = high_def(50, 1);
    aj_alarm_def bad[12];
    for (int i = 0; i < 12; i++) bad[i] = base;
    bad[0].setpoint = NAN;
    bad[1].deadband = -1;
    bad[2].on_delay_ns = -1;
    bad[3].off_delay_ns = AJ_ALARM_DELAY_MAX_NS + 1;
    bad[4].shelve_max_ns = AJ_ALARM_SHELVE_LIMIT_NS + 1;
    bad[5].kind = AJ_ALARM_KIND_COUNT;
    bad[6].priority = AJ_PRIO_COUNT;
    bad[7].kind = AJ_ALARM_KIND_ROC; /* no window */
    bad[8].kind = AJ_ALARM_KIND_ROC;
    bad[8].roc_window_ns = S(60);
    bad[8].setpoint = -5;
    bad[9].kind = AJ_ALARM_KIND_ROC;
    bad[9].roc_window_ns = AJ_ALARM_ROC_WINDOW_MAX_NS + 1;
    bad[10].deadband = INFINITY;
    bad[11].kind = AJ_ALARM_KIND_ROC;
    bad[11].roc_window_ns = S(60);
    bad[11].deadband = 50; /* would never clear */
    for (int i = 0; i < 12; i++) {
        if (aj_alarm_init(&a, &bad[i], NULL, NULL) != AJ_EINVAL) fail_msg("bad definition %d accepted", i);
    }
    assert_int_equal(aj_alarm_init(&a, NULL, NULL, NULL), AJ_EINVAL);
    assert_int_equal(aj_alarm_init(&a, &base, NULL, NULL), AJ_OK); /* no journal is fine */
    assert_int_equal(feed(&a, S(1), 60), AJ_OK);
    assert_int_equal(state_of(&a), UNACK_);
    aj_alarm_clear(&a);
}

static void test_names(void **state) {
    (void)state;
    assert_string_equal(aj_alarm_state_name(AJ_ALARM_RTN_UNACK), "rtn_unack");
    assert_string_equal(aj_alarm_state_name(AJ_ALARM_OOS), "out_of_service");
    assert_string_equal(aj_alarm_state_name(AJ_ALARM_STATE_COUNT), "invalid");
    assert_string_equal(aj_alarm_cause_name(AJ_CAUSE_SHELVE_EXPIRED), "shelve_expired");
    assert_string_equal(aj_alarm_cause_name(AJ_CAUSE_RETURN_TO_SERVICE), "return_to_service");
    assert_string_equal(aj_alarm_priority_name(AJ_PRIO_EMERGENCY), "emergency");
    assert_string_equal(aj_alarm_priority_name(AJ_PRIO_DIAGNOSTIC), "diagnostic");
    assert_string_equal(aj_alarm_kind_name(AJ_ALARM_KIND_HH), "hh");
    assert_string_equal(aj_alarm_kind_name(AJ_ALARM_KIND_DISCRETE), "discrete");
}

/* ---- GB/T 50493-2019 defaults -------------------------------------------------------- */

static void test_defaults_combustible(void **state) {
    (void)state;
    aj_alarm_def out[4];
    size_t n = 9;
    assert_int_equal(aj_alarm_defaults_for_tag("gas_combustible_lel", 0, 100, 0, "methane", out, 4, &n),
                     AJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].kind, AJ_ALARM_KIND_H);
    assert_true(out[0].setpoint == 25);
    assert_int_equal(out[0].priority, AJ_PRIO_HIGH);
    assert_int_equal(out[1].kind, AJ_ALARM_KIND_HH);
    assert_true(out[1].setpoint == 50);
    assert_int_equal(out[1].priority, AJ_PRIO_EMERGENCY);
    assert_true(fabs(out[0].deadband - 1.0) < 1e-12);
    assert_int_equal(out[0].on_delay_ns, 0);
    assert_int_equal(out[0].off_delay_ns, AJ_ALARM_DEFAULT_OFF_DELAY_NS);
    assert_int_equal(out[0].shelve_max_ns, AJ_ALARM_SHELVE_MAX_DEFAULT_NS);
    assert_non_null(strstr(out[1].basis, "50493"));
    /* they work as alarms: 30 %LEL raises the first level only */
    aj_alarm h, hh;
    out[0].id = out[1].id = 42;
    start(&h, &out[0]);
    assert_int_equal(aj_alarm_init(&hh, &out[1], on_entry, &J), AJ_OK);
    aj_point p = {.t_ns = S(1), .value = 30};
    aj_alarm_process(&h, &p);
    aj_alarm_process(&hh, &p);
    assert_int_equal(state_of(&h), UNACK_);
    assert_int_equal(state_of(&hh), NORMAL_);
    /* cap too small */
    assert_int_equal(aj_alarm_defaults_for_tag("gas_combustible_lel", 0, 100, 0, NULL, out, 1, &n),
                     AJ_ETOOBIG);
    assert_int_equal(n, 2);
    assert_int_equal(aj_alarm_defaults_for_tag("gas_combustible_lel", 100, 0, 0, NULL, out, 4, &n),
                     AJ_EINVAL);
    assert_int_equal(aj_alarm_defaults_for_tag("gas_combustible_lel", 0, NAN, 0, NULL, out, 4, &n),
                     AJ_EINVAL);
}

static void test_defaults_toxic(void **state) {
    (void)state;
    aj_alarm_def out[2];
    size_t n;
    /* H2S, OEL 7 ppm, range 0-50: 7 and 14 */
    assert_int_equal(aj_alarm_defaults_for_tag("gas_toxic_ppm", 0, 50, 7, "H2S", out, 2, &n), AJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].kind, AJ_ALARM_KIND_H);
    assert_true(out[0].setpoint == 7);
    assert_int_equal(out[0].priority, AJ_PRIO_HIGH);
    assert_int_equal(out[1].kind, AJ_ALARM_KIND_HH);
    assert_true(out[1].setpoint == 14);
    assert_int_equal(out[1].priority, AJ_PRIO_EMERGENCY);
    assert_true(fabs(out[0].deadband - 0.5) < 1e-12);
    assert_null(strstr(out[1].basis, "clamped"));
    /* Cl2, OEL 0.5 ppm, range 0-0.8: HH (1.0) clamped to the range high */
    assert_int_equal(aj_alarm_defaults_for_tag("gas_toxic_ppm", 0, 0.8, 0.5, "Cl2", out, 2, &n), AJ_OK);
    assert_true(out[0].setpoint == 0.5);
    assert_true(out[1].setpoint == 0.8);
    assert_non_null(strstr(out[1].basis, "clamped"));
    /* the range does not even reach the OEL; or no OEL */
    assert_int_equal(aj_alarm_defaults_for_tag("gas_toxic_ppm", 0, 5, 7, "H2S", out, 2, &n), AJ_EINVAL);
    assert_int_equal(aj_alarm_defaults_for_tag("gas_toxic_ppm", 0, 50, 0, "H2S", out, 2, &n), AJ_EINVAL);
    assert_int_equal(aj_alarm_defaults_for_tag("gas_toxic_ppm", 0, 50, NAN, "H2S", out, 2, &n), AJ_EINVAL);
}

static void test_defaults_oxygen_and_others(void **state) {
    (void)state;
    aj_alarm_def out[2];
    size_t n;
    assert_int_equal(aj_alarm_defaults_for_tag("oxygen_pct", 0, 25, 0, NULL, out, 2, &n), AJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].kind, AJ_ALARM_KIND_L);
    assert_true(out[0].setpoint == 19.5);
    assert_int_equal(out[1].kind, AJ_ALARM_KIND_H);
    assert_true(out[1].setpoint == 23.5);
    assert_int_equal(out[0].priority, AJ_PRIO_HIGH);
    assert_int_equal(out[1].priority, AJ_PRIO_HIGH);
    aj_alarm lo;
    out[0].id = 42;
    start(&lo, &out[0]);
    aj_point p = {.t_ns = S(1), .value = 20.9};
    aj_alarm_process(&lo, &p);
    assert_int_equal(J.n, 0);
    p.t_ns = S(2);
    p.value = 18;
    aj_alarm_process(&lo, &p);
    assert_int_equal(state_of(&lo), UNACK_);
    const char *others[] = {"temperature", "pressure", "status", "count", "vibration"};
    for (int i = 0; i < 5; i++) {
        n = 9;
        assert_int_equal(aj_alarm_defaults_for_tag(others[i], NAN, NAN, 0, NULL, out, 0, &n), AJ_OK);
        assert_int_equal(n, 0);
    }
    assert_int_equal(aj_alarm_defaults_for_tag(NULL, 0, 1, 0, NULL, out, 2, &n), AJ_EINVAL);
}

/* ---- determinism --------------------------------------------------------------------- */

static uint64_t rng_state;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

typedef struct step {
    int kind; /* 0 point, 1 ack, 2 shelve timed, 3 shelve one-shot, 4 unshelve, 5 suppress, 6 unsuppress,
                 7 oos, 8 rts, 9 reset */
    int64_t t_ns;
    double value;
    aj_quality q;
    int64_t arg;
} step;

#define STEPS 20000
static step STEPS_[STEPS];

/* Operator and system actions, weighted so that the alarm is visible most of the time:
 * ack, shelving and the releases (unshelve, unsuppress, return to service, reset) are
 * more frequent than entering a hidden layer. */
static const char ACTION_MIX[] = "111111112233444455666667788888889999";

static void make_steps(uint64_t seed) {
    rng_state = seed;
    int64_t t = S(1000);
    double v = 40;
    for (int i = 0; i < STEPS; i++) {
        step *s = &STEPS_[i];
        t += (int64_t)(rnd() % 4000) * 1000000;                        /* 0..4 s, sometimes equal times */
        v += 0.2 * (50 - v) + ((double)(rnd() % 2001) - 1000) / 200.0; /* noisy, around the setpoint */
        if (v < 0) v = 0;
        if (v > 100) v = 100;
        uint32_t r = rnd() % 100;
        s->t_ns = t;
        s->value = v;
        s->q = (rnd() % 20 == 0) ? AJ_QUALITY_BAD : AJ_QUALITY_GOOD;
        s->kind = r < 94 ? 0 : ACTION_MIX[rnd() % (sizeof ACTION_MIX - 1)] - '0';
        s->arg = 1 + rnd() % 2;
    }
}

static void run_steps(aj_alarm *a, int mode) {
    int64_t prev = INT64_MIN;
    for (int i = 0; i < STEPS; i++) {
        const step *s = &STEPS_[i];
        if (mode == 1 && prev != INT64_MIN && s->t_ns > prev) /* a watermark somewhere in between */
            assert_int_equal(aj_alarm_advance(a, prev + (int64_t)(rnd() % (uint64_t)(s->t_ns - prev + 1))),
                             0);
        if (mode == 2 && prev != INT64_MIN) /* a heartbeat every 250 ms */
            for (int64_t w = prev; w <= s->t_ns; w += S(0.25)) aj_alarm_advance(a, w);
        prev = s->t_ns;
        aj_err rc = AJ_OK;
        switch (s->kind) {
        case 0: {
            aj_point p = {.t_ns = s->t_ns, .value = s->value, .quality = s->q};
            rc = aj_alarm_process(a, &p);
            assert_int_equal(rc, AJ_OK);
            break;
        }
        case 1:
            rc = aj_alarm_ack(a, s->t_ns, "op", "ack");
            break;
        case 2:
            rc = aj_alarm_shelve(a, s->t_ns, AJ_SHELVE_TIMED, S(s->arg * 7), "op", "timed");
            break;
        case 3:
            rc = aj_alarm_shelve(a, s->t_ns, AJ_SHELVE_ONE_SHOT, 0, "op", "one-shot");
            break;
        case 4:
            rc = aj_alarm_unshelve(a, s->t_ns, "op", NULL);
            break;
        case 5:
            rc = aj_alarm_suppress(a, s->t_ns, s->arg);
            break;
        case 6:
            rc = aj_alarm_unsuppress(a, s->t_ns, s->arg);
            break;
        case 7:
            rc = aj_alarm_remove_from_service(a, s->t_ns, "op", NULL);
            break;
        case 8:
            rc = aj_alarm_return_to_service(a, s->t_ns, "op", NULL);
            break;
        case 9:
            rc = aj_alarm_reset(a, s->t_ns, "op", NULL);
            break;
        }
        (void)rc;
    }
    aj_alarm_advance(a, prev + S(3600));
}

static journal J_first;

static void test_determinism(void **state) {
    (void)state;
    aj_alarm_def d = high_def(50, 2);
    d.on_delay_ns = S(3);
    d.off_delay_ns = S(5);
    d.is_latched = true;
    for (int round = 0; round < 2; round++) {
        make_steps(12345 + (uint64_t)round);
        if (round == 1) { /* not latched, no off-delay: returns are PROCESS, activations DELAY_EXPIRED */
            d.is_latched = false;
            d.off_delay_ns = 0;
        }
        for (int mode = 0; mode < 4; mode++) { /* 3: the same inputs again, as 0 */
            aj_alarm a;
            start(&a, &d);
            rng_state = 777; /* the watermark positions of mode 1 */
            run_steps(&a, mode);
            assert_true(J.n > 100);
            if (mode == 0) printf("determinism round %d: %d entries from %d inputs\n", round, J.n, STEPS);
            if (mode == 0) {
                memcpy(&J_first, &J, sizeof J);
                continue;
            }
            assert_int_equal(J.n, J_first.n);
            for (int i = 0; i < J.n; i++) {
                const rec *x = &J.r[i], *y = &J_first.r[i];
                if (x->e.t_ns != y->e.t_ns || x->e.from != y->e.from || x->e.to != y->e.to ||
                    x->e.cause != y->e.cause || strcmp(x->user, y->user) != 0 ||
                    x->e.is_chattering != y->e.is_chattering || x->e.suppressor_id != y->e.suppressor_id ||
                    memcmp(&x->e.value, &y->e.value, sizeof(double)) != 0)
                    fail_msg("mode %d: entry %d differs", mode, i);
            }
        }
    }
    /* every cause showed up in the random run */
    bool seen[AJ_CAUSE_COUNT] = {false};
    for (int i = 0; i < J_first.n; i++) seen[J_first.r[i].e.cause] = true;
    for (int c = 0; c < AJ_CAUSE_COUNT; c++)
        if (c != AJ_CAUSE_RESET && !seen[c]) fail_msg("cause %s never seen", aj_alarm_cause_name(c));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_high_deadband),
        cmocka_unit_test(test_low_and_low_low),
        cmocka_unit_test(test_on_delay_fires_by_watermark),
        cmocka_unit_test(test_off_delay_fires_by_watermark),
        cmocka_unit_test(test_rate_of_change),
        cmocka_unit_test(test_discrete),
        cmocka_unit_test(test_latched_and_reset),
        cmocka_unit_test(test_timed_shelve_expiry),
        cmocka_unit_test(test_one_shot_shelve_ends_on_return),
        cmocka_unit_test(test_two_suppressors),
        cmocka_unit_test(test_out_of_service_reevaluates),
        cmocka_unit_test(test_layers_stack),
        cmocka_unit_test(test_bad_quality_holds),
        cmocka_unit_test(test_chattering),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_invalid_definitions),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_defaults_combustible),
        cmocka_unit_test(test_defaults_toxic),
        cmocka_unit_test(test_defaults_oxygen_and_others),
        cmocka_unit_test(test_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
