/* alarm.c — the ISA-18.2 / IEC 62682 alarm state machine, decided by event time.
 *
 * Two things are tracked for every alarm:
 *   1. the PROCESS CONDITION (is_active): the limit / rate / discrete test with deadband
 *      and on/off delays, fed by GOOD points only. It is tracked always, also while the
 *      alarm is hidden, so that leaving a hidden layer re-evaluates correctly.
 *   2. the SHOWN STATE: the annunciation state (ann) below up to three hidden layers.
 *
 * Annunciation states (only while no hidden layer applies):
 *
 *                      active                            ack
 *    +--------+ ------------------------> +-------+ -------------> +-------+
 *    | NORMAL |                           | UNACK |                | ACKED |
 *    +--------+ <------+        +-------> +-------+                +-------+
 *      ^    ^      ack |        | active      |                        |
 *      |    |     +-----------+ |             | return                 | return
 *      |    |     | RTN_UNACK |-+             | (not latched)          | (not latched)
 *      |    |     +-----------+ <-------------+                        |
 *      |    +----------------------------------------------------------+
 *      |
 *      |  reset   +---------+ <--- return, latched (from UNACK or from ACKED)
 *      +--------- | LATCHED |
 *                 +---------+ ---> active: to UNACK
 *
 *   "active"/"return" are process-condition changes (after the on/off delay; cause
 *   PROCESS, or DELAY_EXPIRED when a delay timer fired them). Latch is a state, not a
 *   flag: a latched alarm that returns (from UNACK or ACKED) goes to LATCHED, and only
 *   reset leaves it (reset also acknowledges; ack in LATCHED is refused).
 *
 * Hidden layers (orthogonal; shown with precedence OOS > SUPPRESSED > SHELVED):
 *
 *   NORMAL|UNACK|ACKED|RTN_UNACK|LATCHED --shelve--------------> SHELVED
 *   SHELVED --unshelve | timed expiry | one-shot: condition returns--> re-evaluate
 *   any state --suppress(id)------------> SUPPRESSED (while >= 1 suppressor holds it)
 *   SUPPRESSED --unsuppress(last id)----> re-evaluate
 *   any state but OOS --remove from service--> OOS --return to service--> re-evaluate
 *   re-evaluate: the next layer down if one still applies, else
 *                condition active -> UNACK, condition normal -> NORMAL.
 *
 * Entering a hidden layer drops acknowledgement and latch (they are not restored): the
 * state after leaving depends on the current condition only. While hidden, condition
 * changes emit NO journal entries (the condition, the chattering ring and the delays
 * are still updated); the entries emitted while hidden are the layer changes themselves
 * (a layer changing beneath a higher one gives an entry with from == to), including the
 * system's one-shot unshelve (cause UNSHELVE, user NULL) when the condition returns.
 *
 * Bad quality: a point whose quality is not GOOD never raises and never clears the
 * condition (hold). It cancels a pending on/off delay, which restarts from the next GOOD
 * point; its value is not kept (entries and re-evaluation use the last good value).
 *
 * Every change emits exactly one journal entry; a refused call emits none. Timers fire
 * in due-time order (on/off delay before shelve expiry at the same instant); a timer due
 * at t fires before a point or action at t is applied. One function per transition
 * (t_...), each records its entry through emit().
 */
#include "engine/alarm.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define NO_TIMER INT64_MAX

/* ---- names ------------------------------------------------------------------------- */

static const char *const STATE_NAMES[AJ_ALARM_STATE_COUNT] = {
    "normal", "unack", "acked", "rtn_unack", "latched", "shelved", "suppressed", "out_of_service"};
static const char *const CAUSE_NAMES[AJ_CAUSE_COUNT] = {
    "process",        "delay_expired", "ack",        "reset", "shelve",           "unshelve",
    "shelve_expired", "suppress",      "unsuppress", "oos",   "return_to_service"};
static const char *const PRIORITY_NAMES[AJ_PRIO_COUNT] = {"emergency", "high", "medium", "low", "diagnostic"};
static const char *const KIND_NAMES[AJ_ALARM_KIND_COUNT] = {"hh", "h", "l", "ll", "roc", "discrete"};

const char *aj_alarm_state_name(aj_alarm_state s) {
    return (s >= 0 && s < AJ_ALARM_STATE_COUNT) ? STATE_NAMES[s] : "invalid";
}
const char *aj_alarm_cause_name(aj_alarm_cause c) {
    return (c >= 0 && c < AJ_CAUSE_COUNT) ? CAUSE_NAMES[c] : "invalid";
}
const char *aj_alarm_priority_name(aj_alarm_priority p) {
    return (p >= 0 && p < AJ_PRIO_COUNT) ? PRIORITY_NAMES[p] : "invalid";
}
const char *aj_alarm_kind_name(aj_alarm_kind k) {
    return (k >= 0 && k < AJ_ALARM_KIND_COUNT) ? KIND_NAMES[k] : "invalid";
}

/* ---- helpers and invariants ---------------------------------------------------------- */

static int64_t add_sat(int64_t t, int64_t d) {
    return (t > INT64_MAX - d) ? INT64_MAX : t + d;
}

static bool is_hidden(const aj_alarm *a) {
    return a->is_out_of_service || a->n_suppressors > 0 || a->is_shelved;
}

static aj_alarm_state shown(const aj_alarm *a) {
    if (a->is_out_of_service) return AJ_ALARM_OOS;
    if (a->n_suppressors > 0) return AJ_ALARM_SUPPRESSED;
    if (a->is_shelved) return AJ_ALARM_SHELVED;
    return a->ann;
}

static bool is_chattering_at(const aj_alarm *a, int64_t now_ns) {
    int n = 0;
    for (int i = 0; i < a->act_n; i++)
        if (a->act_t_ns[i] >= now_ns - AJ_ALARM_CHATTER_WINDOW_NS) n++;
    return n >= AJ_ALARM_CHATTER_COUNT;
}

/* What must hold between calls (checked by assert after every input, and on restore). */
static bool alarm_ok(const aj_alarm *a) {
    if (a->ann > AJ_ALARM_LATCHED) return false;
    if (a->on_due_ns != NO_TIMER && a->off_due_ns != NO_TIMER) return false;
    if (a->on_due_ns != NO_TIMER && a->is_active) return false;
    if (a->off_due_ns != NO_TIMER && !a->is_active) return false;
    if (!a->is_shelved && a->shelve_until_ns != NO_TIMER) return false;
    if (a->n_suppressors < 0 || a->n_suppressors > AJ_ALARM_SUPPRESSORS_MAX) return false;
    if (is_hidden(a)) return true;
    bool is_ann_active = a->ann == AJ_ALARM_UNACK || a->ann == AJ_ALARM_ACKED;
    return is_ann_active == a->is_active;
}

typedef struct action {
    const char *user;
    const char *comment;
    int64_t suppressor_id;
} action;

static const action SYSTEM = {NULL, NULL, 0};

/* Reports one change: from is the shown state before it, the alarm holds the state after. */
static void emit(const aj_alarm *a, aj_alarm_state from, aj_alarm_cause cause, int64_t t_ns,
                 const action *act) {
    if (!a->journal) return;
    aj_alarm_entry e = {
        .alarm_id = a->def.id,
        .from = from,
        .to = shown(a),
        .cause = cause,
        .t_ns = t_ns,
        .value = a->has_value ? a->value : NAN,
        .limit = a->def.setpoint,
        .priority = a->def.priority,
        .is_condition_active = a->is_active,
        .is_chattering = is_chattering_at(a, t_ns),
        .user = act->user,
        .comment = act->comment,
        .suppressor_id = act->suppressor_id,
        .shelve_until_ns = (a->is_shelved && a->shelve_kind == AJ_SHELVE_TIMED) ? a->shelve_until_ns : 0,
    };
    a->journal(a->journal_ctx, &e);
}

/* Leaving the last hidden layer: the annunciation state follows the condition. */
static void reevaluate(aj_alarm *a) {
    if (!is_hidden(a)) a->ann = a->is_active ? AJ_ALARM_UNACK : AJ_ALARM_NORMAL;
}

static void clear_shelve(aj_alarm *a) {
    a->is_shelved = false;
    a->shelve_until_ns = NO_TIMER;
    a->shelve_user[0] = 0;
    a->shelve_reason[0] = 0;
}

/* ---- transitions: process ------------------------------------------------------------ */

/* NORMAL | RTN_UNACK | LATCHED -> UNACK */
static void t_activate(aj_alarm *a, int64_t t_ns, aj_alarm_cause cause) {
    aj_alarm_state from = a->ann;
    assert(from == AJ_ALARM_NORMAL || from == AJ_ALARM_RTN_UNACK || from == AJ_ALARM_LATCHED);
    a->ann = AJ_ALARM_UNACK;
    emit(a, from, cause, t_ns, &SYSTEM);
}

/* UNACK -> RTN_UNACK, or LATCHED when latched */
static void t_return_unacked(aj_alarm *a, int64_t t_ns, aj_alarm_cause cause) {
    a->ann = a->def.is_latched ? AJ_ALARM_LATCHED : AJ_ALARM_RTN_UNACK;
    emit(a, AJ_ALARM_UNACK, cause, t_ns, &SYSTEM);
}

/* ACKED -> NORMAL, or LATCHED when latched */
static void t_return_acked(aj_alarm *a, int64_t t_ns, aj_alarm_cause cause) {
    a->ann = a->def.is_latched ? AJ_ALARM_LATCHED : AJ_ALARM_NORMAL;
    emit(a, AJ_ALARM_ACKED, cause, t_ns, &SYSTEM);
}

/* SHELVED (one-shot) -> re-evaluate, when the condition returns. */
static void t_unshelve_one_shot(aj_alarm *a, int64_t t_ns) {
    aj_alarm_state from = shown(a);
    clear_shelve(a);
    reevaluate(a);
    action act = {NULL, "one-shot shelve ended: returned to normal", 0};
    emit(a, from, AJ_CAUSE_UNSHELVE, t_ns, &act);
}

static void chatter_record(aj_alarm *a, int64_t t_ns) {
    a->act_t_ns[a->act_next] = t_ns;
    a->act_next = (a->act_next + 1) % AJ_ALARM_CHATTER_COUNT;
    if (a->act_n < AJ_ALARM_CHATTER_COUNT) a->act_n++;
}

/* The condition changed (after its delay): update it and the annunciation state. */
static void condition_set(aj_alarm *a, bool is_active, int64_t t_ns, aj_alarm_cause cause) {
    assert(a->is_active != is_active);
    a->is_active = is_active;
    a->on_due_ns = NO_TIMER;
    a->off_due_ns = NO_TIMER;
    if (is_active) chatter_record(a, t_ns);
    if (is_hidden(a)) {
        if (!is_active && a->is_shelved && a->shelve_kind == AJ_SHELVE_ONE_SHOT) t_unshelve_one_shot(a, t_ns);
        return;
    }
    if (is_active)
        t_activate(a, t_ns, cause);
    else if (a->ann == AJ_ALARM_UNACK)
        t_return_unacked(a, t_ns, cause);
    else
        t_return_acked(a, t_ns, cause);
}

/* ---- transitions: timers ------------------------------------------------------------- */

/* SHELVED (timed) -> re-evaluate, when the watermark reaches the expiry. */
static void t_shelve_expire(aj_alarm *a, int64_t t_ns) {
    aj_alarm_state from = shown(a);
    char user[AJ_ALARM_USER_LEN_MAX + 1], reason[AJ_ALARM_COMMENT_LEN_MAX + 1];
    memcpy(user, a->shelve_user, sizeof user);
    memcpy(reason, a->shelve_reason, sizeof reason);
    clear_shelve(a);
    reevaluate(a);
    action act = {user, reason, 0}; /* who shelved it and why, for the journal */
    emit(a, from, AJ_CAUSE_SHELVE_EXPIRED, t_ns, &act);
}

/* Fires every timer due at or before t_ns, in due order, and moves the clock. */
static void clock_to(aj_alarm *a, int64_t t_ns) {
    for (;;) {
        int64_t cond_due = a->on_due_ns < a->off_due_ns ? a->on_due_ns : a->off_due_ns;
        int64_t due = cond_due < a->shelve_until_ns ? cond_due : a->shelve_until_ns;
        if (due == NO_TIMER || due > t_ns) break;
        if (due == a->on_due_ns)
            condition_set(a, true, due, AJ_CAUSE_DELAY_EXPIRED);
        else if (due == a->off_due_ns)
            condition_set(a, false, due, AJ_CAUSE_DELAY_EXPIRED);
        else
            t_shelve_expire(a, due);
    }
    if (t_ns > a->now_ns) a->now_ns = t_ns;
    assert(alarm_ok(a));
}

/* ---- the condition ------------------------------------------------------------------- */

static bool trips(const aj_alarm_def *d, double x) {
    switch (d->kind) {
    case AJ_ALARM_KIND_HH:
    case AJ_ALARM_KIND_H:
        return x >= d->setpoint;
    case AJ_ALARM_KIND_L:
    case AJ_ALARM_KIND_LL:
        return x <= d->setpoint;
    case AJ_ALARM_KIND_ROC:
        return fabs(x) >= d->setpoint;
    case AJ_ALARM_KIND_DISCRETE:
        return d->is_not_equal ? x != d->setpoint : x == d->setpoint;
    default:
        assert(!"alarm kind");
        return false;
    }
}

static bool clears(const aj_alarm_def *d, double x) {
    switch (d->kind) {
    case AJ_ALARM_KIND_HH:
    case AJ_ALARM_KIND_H:
        return x < d->setpoint - d->deadband;
    case AJ_ALARM_KIND_L:
    case AJ_ALARM_KIND_LL:
        return x > d->setpoint + d->deadband;
    case AJ_ALARM_KIND_ROC:
        return fabs(x) < d->setpoint - d->deadband;
    case AJ_ALARM_KIND_DISCRETE:
        return !trips(d, x);
    default:
        assert(!"alarm kind");
        return false;
    }
}

/* A GOOD measurement x at t: start, keep or cancel the delays, or change at once. */
static void condition_feed(aj_alarm *a, int64_t t_ns, double x) {
    bool wants_active = a->is_active ? !clears(&a->def, x) : trips(&a->def, x);
    if (wants_active == a->is_active) {
        a->on_due_ns = NO_TIMER;
        a->off_due_ns = NO_TIMER;
        return;
    }
    int64_t delay = wants_active ? a->def.on_delay_ns : a->def.off_delay_ns;
    if (delay == 0) {
        condition_set(a, wants_active, t_ns, AJ_CAUSE_PROCESS);
        return;
    }
    int64_t *due = wants_active ? &a->on_due_ns : &a->off_due_ns;
    if (*due == NO_TIMER) *due = add_sat(t_ns, delay);
}

/* Rate of change: append the sample, drop what the window no longer needs, and compute
 * units per minute against the oldest sample inside the window (or, if none, the newest
 * one before it). Returns false when there is no earlier sample to compare with. */
static bool roc_rate(aj_alarm *a, int64_t t_ns, double v, double *rate) {
    int cap = AJ_ALARM_ROC_SAMPLES_MAX;
    if (a->roc_n == cap) {
        a->roc_first = (a->roc_first + 1) % cap;
        a->roc_n--;
    }
    int last = (a->roc_first + a->roc_n) % cap;
    a->roc_t_ns[last] = t_ns;
    a->roc_v[last] = v;
    a->roc_n++;
    int64_t start = t_ns - a->def.roc_window_ns;
    while (a->roc_n > 2 && a->roc_t_ns[(a->roc_first + 1) % cap] <= start) {
        a->roc_first = (a->roc_first + 1) % cap;
        a->roc_n--;
    }
    if (a->roc_n < 2) return false;
    int ref = a->roc_first;
    if (a->roc_t_ns[ref] < start && a->roc_n > 2) ref = (ref + 1) % cap;
    int64_t dt_ns = t_ns - a->roc_t_ns[ref];
    if (dt_ns <= 0) return false;
    *rate = (v - a->roc_v[ref]) / ((double)dt_ns / 60e9);
    return true;
}

/* ---- public: lifecycle, inputs ------------------------------------------------------- */

/* Inputs carry event times from 1970 on (so time differences cannot overflow) and never
 * go behind the alarm's clock. */
static bool is_time_ok(const aj_alarm *a, int64_t t_ns) {
    return t_ns >= 0 && t_ns >= a->now_ns;
}

static bool is_finite_nonneg(double x) {
    return isfinite(x) && x >= 0;
}

static bool def_ok(const aj_alarm_def *d) {
    if (d->kind < 0 || d->kind >= AJ_ALARM_KIND_COUNT) return false;
    if (d->priority < 0 || d->priority >= AJ_PRIO_COUNT) return false;
    if (!isfinite(d->setpoint) || !is_finite_nonneg(d->deadband)) return false;
    if (d->on_delay_ns < 0 || d->on_delay_ns > AJ_ALARM_DELAY_MAX_NS) return false;
    if (d->off_delay_ns < 0 || d->off_delay_ns > AJ_ALARM_DELAY_MAX_NS) return false;
    if (d->shelve_max_ns < 0 || d->shelve_max_ns > AJ_ALARM_SHELVE_LIMIT_NS) return false;
    if (d->kind == AJ_ALARM_KIND_ROC) {
        if (d->setpoint <= 0 || d->deadband >= d->setpoint) return false;
        if (d->roc_window_ns <= 0 || d->roc_window_ns > AJ_ALARM_ROC_WINDOW_MAX_NS) return false;
    }
    return true;
}

aj_err aj_alarm_init(aj_alarm *a, const aj_alarm_def *def, aj_alarm_journal_fn journal, void *journal_ctx) {
    memset(a, 0, sizeof *a);
    if (!def || !def_ok(def)) return AJ_EINVAL;
    a->def = *def;
    a->journal = journal;
    a->journal_ctx = journal_ctx;
    a->now_ns = INT64_MIN;
    a->ann = AJ_ALARM_NORMAL;
    a->is_quality_good = true;
    a->value = NAN;
    a->on_due_ns = NO_TIMER;
    a->off_due_ns = NO_TIMER;
    a->shelve_until_ns = NO_TIMER;
    return AJ_OK;
}

void aj_alarm_clear(aj_alarm *a) {
    memset(a, 0, sizeof *a);
}

aj_err aj_alarm_process(aj_alarm *a, const aj_point *p) {
    if (!p || !is_time_ok(a, p->t_ns)) return AJ_EINVAL;
    if (a->def.tag_id != 0 && p->tag_id != 0 && p->tag_id != a->def.tag_id) return AJ_EINVAL;
    bool is_good = p->quality == AJ_QUALITY_GOOD;
    if (is_good && !isfinite(p->value)) return AJ_EINVAL;
    clock_to(a, p->t_ns);
    a->is_quality_good = is_good;
    if (!is_good) { /* hold: neither raise nor clear; pending delays are cancelled */
        a->on_due_ns = NO_TIMER;
        a->off_due_ns = NO_TIMER;
        return AJ_OK;
    }
    double x = p->value;
    if (a->def.kind == AJ_ALARM_KIND_ROC) {
        if (!roc_rate(a, p->t_ns, p->value, &x)) return AJ_OK;
    }
    a->has_value = true;
    a->value = x;
    condition_feed(a, p->t_ns, x);
    assert(alarm_ok(a));
    return AJ_OK;
}

aj_err aj_alarm_advance(aj_alarm *a, int64_t watermark_ns) {
    if (watermark_ns > a->now_ns) clock_to(a, watermark_ns);
    return AJ_OK;
}

/* ---- public: operator actions and suppression ---------------------------------------- */

static bool text_ok(const char *s, size_t max, bool is_required) {
    if (!s) return !is_required;
    size_t n = strnlen(s, max + 1);
    return n <= max && (n > 0 || !is_required);
}

/* Common checks of an operator action; brings the clock to t_ns when they pass. */
static aj_err begin_action(aj_alarm *a, int64_t t_ns, const char *user, const char *comment,
                           bool is_comment_required) {
    if (!is_time_ok(a, t_ns)) return AJ_EINVAL;
    if (!text_ok(user, AJ_ALARM_USER_LEN_MAX, true)) return AJ_EINVAL;
    if (!text_ok(comment, AJ_ALARM_COMMENT_LEN_MAX, is_comment_required)) return AJ_EINVAL;
    clock_to(a, t_ns);
    return AJ_OK;
}

/* UNACK -> ACKED */
static void t_ack_active(aj_alarm *a, int64_t t_ns, const action *act) {
    a->ann = AJ_ALARM_ACKED;
    emit(a, AJ_ALARM_UNACK, AJ_CAUSE_ACK, t_ns, act);
}

/* RTN_UNACK -> NORMAL */
static void t_ack_returned(aj_alarm *a, int64_t t_ns, const action *act) {
    a->ann = AJ_ALARM_NORMAL;
    emit(a, AJ_ALARM_RTN_UNACK, AJ_CAUSE_ACK, t_ns, act);
}

aj_err aj_alarm_ack(aj_alarm *a, int64_t t_ns, const char *user, const char *comment) {
    aj_err e = begin_action(a, t_ns, user, comment, false);
    if (e) return e;
    action act = {user, comment, 0};
    aj_alarm_state s = shown(a);
    if (s == AJ_ALARM_UNACK)
        t_ack_active(a, t_ns, &act);
    else if (s == AJ_ALARM_RTN_UNACK)
        t_ack_returned(a, t_ns, &act);
    else
        return AJ_ECONFLICT;
    return AJ_OK;
}

/* LATCHED -> NORMAL (reset acknowledges too) */
static void t_reset(aj_alarm *a, int64_t t_ns, const action *act) {
    a->ann = AJ_ALARM_NORMAL;
    emit(a, AJ_ALARM_LATCHED, AJ_CAUSE_RESET, t_ns, act);
}

aj_err aj_alarm_reset(aj_alarm *a, int64_t t_ns, const char *user, const char *comment) {
    aj_err e = begin_action(a, t_ns, user, comment, false);
    if (e) return e;
    if (shown(a) != AJ_ALARM_LATCHED) return AJ_ECONFLICT;
    action act = {user, comment, 0};
    t_reset(a, t_ns, &act);
    return AJ_OK;
}

/* NORMAL | UNACK | ACKED | RTN_UNACK | LATCHED -> SHELVED */
static void t_shelve(aj_alarm *a, int64_t t_ns, aj_alarm_shelve_kind kind, int64_t duration_ns,
                     const action *act) {
    aj_alarm_state from = shown(a);
    a->is_shelved = true;
    a->shelve_kind = kind;
    a->shelve_until_ns = kind == AJ_SHELVE_TIMED ? add_sat(t_ns, duration_ns) : NO_TIMER;
    snprintf(a->shelve_user, sizeof a->shelve_user, "%s", act->user);
    snprintf(a->shelve_reason, sizeof a->shelve_reason, "%s", act->comment);
    emit(a, from, AJ_CAUSE_SHELVE, t_ns, act);
}

aj_err aj_alarm_shelve(aj_alarm *a, int64_t t_ns, aj_alarm_shelve_kind kind, int64_t duration_ns,
                       const char *user, const char *reason) {
    if (kind != AJ_SHELVE_ONE_SHOT && kind != AJ_SHELVE_TIMED) return AJ_EINVAL;
    if (kind == AJ_SHELVE_TIMED && (duration_ns <= 0 || duration_ns > a->def.shelve_max_ns)) return AJ_EINVAL;
    aj_err e = begin_action(a, t_ns, user, reason, true);
    if (e) return e;
    if (is_hidden(a)) return AJ_ECONFLICT;
    action act = {user, reason, 0};
    t_shelve(a, t_ns, kind, duration_ns, &act);
    return AJ_OK;
}

/* SHELVED -> re-evaluate (beneath a higher layer: from == to) */
static void t_unshelve(aj_alarm *a, int64_t t_ns, const action *act) {
    aj_alarm_state from = shown(a);
    clear_shelve(a);
    reevaluate(a);
    emit(a, from, AJ_CAUSE_UNSHELVE, t_ns, act);
}

aj_err aj_alarm_unshelve(aj_alarm *a, int64_t t_ns, const char *user, const char *comment) {
    aj_err e = begin_action(a, t_ns, user, comment, false);
    if (e) return e;
    if (!a->is_shelved) return AJ_ECONFLICT;
    action act = {user, comment, 0};
    t_unshelve(a, t_ns, &act);
    return AJ_OK;
}

/* any state but OOS -> OOS */
static void t_remove_from_service(aj_alarm *a, int64_t t_ns, const action *act) {
    aj_alarm_state from = shown(a);
    a->is_out_of_service = true;
    emit(a, from, AJ_CAUSE_OOS, t_ns, act);
}

aj_err aj_alarm_remove_from_service(aj_alarm *a, int64_t t_ns, const char *user, const char *comment) {
    aj_err e = begin_action(a, t_ns, user, comment, false);
    if (e) return e;
    if (a->is_out_of_service) return AJ_ECONFLICT;
    action act = {user, comment, 0};
    t_remove_from_service(a, t_ns, &act);
    return AJ_OK;
}

/* OOS -> re-evaluate */
static void t_return_to_service(aj_alarm *a, int64_t t_ns, const action *act) {
    a->is_out_of_service = false;
    reevaluate(a);
    emit(a, AJ_ALARM_OOS, AJ_CAUSE_RETURN_TO_SERVICE, t_ns, act);
}

aj_err aj_alarm_return_to_service(aj_alarm *a, int64_t t_ns, const char *user, const char *comment) {
    aj_err e = begin_action(a, t_ns, user, comment, false);
    if (e) return e;
    if (!a->is_out_of_service) return AJ_ECONFLICT;
    action act = {user, comment, 0};
    t_return_to_service(a, t_ns, &act);
    return AJ_OK;
}

static int suppressor_index(const aj_alarm *a, int64_t id) {
    for (int i = 0; i < a->n_suppressors; i++)
        if (a->suppressors[i] == id) return i;
    return -1;
}

/* any state -> SUPPRESSED (or the same shown state beneath OOS / another suppressor) */
static void t_suppress(aj_alarm *a, int64_t t_ns, const action *act) {
    aj_alarm_state from = shown(a);
    a->suppressors[a->n_suppressors++] = act->suppressor_id;
    emit(a, from, AJ_CAUSE_SUPPRESS, t_ns, act);
}

aj_err aj_alarm_suppress(aj_alarm *a, int64_t t_ns, int64_t suppressor_id) {
    if (!is_time_ok(a, t_ns) || suppressor_id == 0) return AJ_EINVAL;
    clock_to(a, t_ns);
    if (suppressor_index(a, suppressor_id) >= 0) return AJ_ECONFLICT;
    if (a->n_suppressors == AJ_ALARM_SUPPRESSORS_MAX) return AJ_ETOOBIG;
    action act = {NULL, NULL, suppressor_id};
    t_suppress(a, t_ns, &act);
    return AJ_OK;
}

/* SUPPRESSED -> SUPPRESSED while others hold it; the last one: re-evaluate */
static void t_unsuppress(aj_alarm *a, int64_t t_ns, int i, const action *act) {
    aj_alarm_state from = shown(a);
    memmove(&a->suppressors[i], &a->suppressors[i + 1], (size_t)(a->n_suppressors - i - 1) * sizeof(int64_t));
    a->n_suppressors--;
    reevaluate(a);
    emit(a, from, AJ_CAUSE_UNSUPPRESS, t_ns, act);
}

aj_err aj_alarm_unsuppress(aj_alarm *a, int64_t t_ns, int64_t suppressor_id) {
    if (!is_time_ok(a, t_ns) || suppressor_id == 0) return AJ_EINVAL;
    clock_to(a, t_ns);
    int i = suppressor_index(a, suppressor_id);
    if (i < 0) return AJ_ENOTFOUND;
    action act = {NULL, NULL, suppressor_id};
    t_unsuppress(a, t_ns, i, &act);
    return AJ_OK;
}

void aj_alarm_get_status(const aj_alarm *a, aj_alarm_status *out) {
    *out = (aj_alarm_status){
        .state = shown(a),
        .annunciation = is_hidden(a) ? (a->is_active ? AJ_ALARM_UNACK : AJ_ALARM_NORMAL) : a->ann,
        .is_condition_active = a->is_active,
        .is_chattering = a->now_ns != INT64_MIN && is_chattering_at(a, a->now_ns),
        .is_quality_good = a->is_quality_good,
        .has_value = a->has_value,
        .value = a->value,
        .is_shelved = a->is_shelved,
        .shelve_kind = a->shelve_kind,
        .shelve_until_ns = (a->is_shelved && a->shelve_kind == AJ_SHELVE_TIMED) ? a->shelve_until_ns : 0,
        .n_suppressors = a->n_suppressors,
        .is_out_of_service = a->is_out_of_service,
        .now_ns = a->now_ns,
    };
}

/* ---- GB/T 50493-2019 defaults -------------------------------------------------------- */

static aj_alarm_def gas_def(aj_alarm_kind kind, aj_alarm_priority prio, double setpoint, double span,
                            const char *basis) {
    return (aj_alarm_def){
        .kind = kind,
        .priority = prio,
        .setpoint = setpoint,
        .deadband = span * AJ_ALARM_DEFAULT_DEADBAND_FRACTION,
        .off_delay_ns = AJ_ALARM_DEFAULT_OFF_DELAY_NS,
        .shelve_max_ns = AJ_ALARM_SHELVE_MAX_DEFAULT_NS,
        .basis = basis,
    };
}

/* Fills tmp[] for the kind; returns the count or -1 for invalid input. */
static int gas_defaults(const char *kind, double lo, double hi, double oel, aj_alarm_def tmp[2]) {
    double span = hi - lo;
    if (strcmp(kind, "gas_combustible_lel") == 0) {
        tmp[0] = gas_def(AJ_ALARM_KIND_H, AJ_PRIO_HIGH, 25, span, "GB/T 50493-2019 1st level: 25 %LEL");
        tmp[1] = gas_def(AJ_ALARM_KIND_HH, AJ_PRIO_EMERGENCY, 50, span, "GB/T 50493-2019 2nd level: 50 %LEL");
        return 2;
    }
    if (strcmp(kind, "gas_toxic_ppm") == 0) {
        if (!isfinite(oel) || oel <= 0 || oel > hi) return -1;
        tmp[0] = gas_def(AJ_ALARM_KIND_H, AJ_PRIO_HIGH, oel, span, "GB/T 50493-2019 1st level: 100 % OEL");
        if (2 * oel <= hi)
            tmp[1] = gas_def(AJ_ALARM_KIND_HH, AJ_PRIO_EMERGENCY, 2 * oel, span,
                             "GB/T 50493-2019 2nd level: 200 % OEL");
        else
            tmp[1] = gas_def(AJ_ALARM_KIND_HH, AJ_PRIO_EMERGENCY, hi, span,
                             "GB/T 50493-2019 2nd level: 200 % OEL exceeds the range, clamped to range high "
                             "(10 % IDLH not known)");
        return 2;
    }
    if (strcmp(kind, "oxygen_pct") == 0) {
        tmp[0] = gas_def(AJ_ALARM_KIND_L, AJ_PRIO_HIGH, 19.5, span, "GB/T 50493-2019 oxygen low: 19.5 %vol");
        tmp[1] = gas_def(AJ_ALARM_KIND_H, AJ_PRIO_HIGH, 23.5, span, "GB/T 50493-2019 oxygen high: 23.5 %vol");
        return 2;
    }
    return 0;
}

static bool is_gas_kind(const char *kind) {
    return strcmp(kind, "gas_combustible_lel") == 0 || strcmp(kind, "gas_toxic_ppm") == 0 ||
           strcmp(kind, "oxygen_pct") == 0;
}

aj_err aj_alarm_defaults_for_tag(const char *kind, double range_lo, double range_hi, double oel,
                                 const char *gas, aj_alarm_def *out_defs, size_t cap, size_t *n) {
    (void)gas;
    *n = 0;
    if (!kind) return AJ_EINVAL;
    if (!is_gas_kind(kind)) return AJ_OK; /* other kinds: no default alarms */
    if (!isfinite(range_lo) || !isfinite(range_hi) || range_lo >= range_hi) return AJ_EINVAL;
    aj_alarm_def tmp[2];
    int count = gas_defaults(kind, range_lo, range_hi, oel, tmp);
    if (count < 0) return AJ_EINVAL;
    *n = (size_t)count;
    if ((size_t)count > cap) return AJ_ETOOBIG;
    for (int i = 0; i < count; i++) out_defs[i] = tmp[i];
    return AJ_OK;
}

/* ---- persistence and scheduling ------------------------------------------------------ */

int64_t aj_alarm_next_due(const aj_alarm *a) {
    int64_t due = a->on_due_ns < a->off_due_ns ? a->on_due_ns : a->off_due_ns;
    return due < a->shelve_until_ns ? due : a->shelve_until_ns;
}

uint64_t aj_alarm_material_hash(const aj_alarm *a) {
    uint64_t h = 1469598103934665603ULL;
#define MIX(x)                                                                                               \
    do {                                                                                                     \
        uint64_t v_ = (uint64_t)(x);                                                                         \
        h = (h ^ v_) * 1099511628211ULL;                                                                     \
    } while (0)
    MIX(a->ann);
    MIX(a->is_active);
    MIX(a->is_quality_good);
    MIX(a->on_due_ns);
    MIX(a->off_due_ns);
    MIX(a->act_next);
    MIX(a->act_n);
    MIX(a->is_shelved);
    MIX(a->shelve_until_ns);
    MIX(a->n_suppressors);
    MIX(a->is_out_of_service);
    if (a->def.kind == AJ_ALARM_KIND_ROC) {
        MIX(a->roc_first);
        MIX(a->roc_n);
        MIX(a->now_ns);
    }
#undef MIX
    return h;
}

/* Saved form: "AJA1", then the runtime fields in a fixed order, little-endian as in
 * memory (x86-64 / ARM64); strings as u16 length + bytes. */
typedef struct wbuf {
    uint8_t *b;
    size_t cap, len;
    bool is_ok;
} wbuf;

static void put(wbuf *w, const void *p, size_t n) {
    if (!w->is_ok || w->cap - w->len < n) {
        w->is_ok = false;
        return;
    }
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

static void put_str(wbuf *w, const char *s) {
    uint16_t n = (uint16_t)strlen(s);
    put(w, &n, 2);
    put(w, s, n);
}

#define PUT(w, x) put((w), &(x), sizeof(x))

size_t aj_alarm_save(const aj_alarm *a, void *buf, size_t cap) {
    wbuf w = {buf, cap, 0, true};
    uint8_t flags = (uint8_t)((a->is_active ? 1 : 0) | (a->has_value ? 2 : 0) | (a->is_quality_good ? 4 : 0) |
                              (a->is_shelved ? 8 : 0) | (a->is_out_of_service ? 16 : 0));
    uint8_t ann = (uint8_t)a->ann, shelve_kind = (uint8_t)a->shelve_kind;
    int8_t counts[6] = {(int8_t)a->roc_first, (int8_t)a->roc_n,         (int8_t)a->act_next,
                        (int8_t)a->act_n,     (int8_t)a->n_suppressors, 0};
    put(&w, "AJA1", 4);
    PUT(&w, a->now_ns);
    PUT(&w, ann);
    PUT(&w, flags);
    PUT(&w, shelve_kind);
    PUT(&w, counts);
    PUT(&w, a->value);
    PUT(&w, a->on_due_ns);
    PUT(&w, a->off_due_ns);
    PUT(&w, a->shelve_until_ns);
    for (int i = 0; i < a->roc_n; i++) {
        int k = (a->roc_first + i) % AJ_ALARM_ROC_SAMPLES_MAX;
        PUT(&w, a->roc_t_ns[k]);
        PUT(&w, a->roc_v[k]);
    }
    PUT(&w, a->act_t_ns);
    for (int i = 0; i < a->n_suppressors; i++) PUT(&w, a->suppressors[i]);
    put_str(&w, a->shelve_user);
    put_str(&w, a->shelve_reason);
    return w.is_ok ? w.len : 0;
}

typedef struct rbuf {
    const uint8_t *b;
    size_t len, pos;
    bool is_ok;
} rbuf;

static void get(rbuf *r, void *p, size_t n) {
    if (!r->is_ok || r->len - r->pos < n) {
        r->is_ok = false;
        memset(p, 0, n);
        return;
    }
    memcpy(p, r->b + r->pos, n);
    r->pos += n;
}

static void get_str(rbuf *r, char *out, size_t max) {
    uint16_t n = 0;
    get(r, &n, 2);
    if (n > max) r->is_ok = false;
    if (!r->is_ok) {
        out[0] = 0;
        return;
    }
    get(r, out, n);
    out[n] = 0;
    if (strlen(out) != n) r->is_ok = false; /* embedded NUL */
}

#define GET(r, x) get((r), &(x), sizeof(x))

aj_err aj_alarm_restore(aj_alarm *a, const void *buf, size_t len) {
    aj_alarm t = *a; /* definition and journal kept; runtime fields replaced */
    rbuf r = {buf, len, 0, true};
    char magic[4];
    uint8_t ann, flags, shelve_kind;
    int8_t counts[6];
    get(&r, magic, 4);
    if (!r.is_ok || memcmp(magic, "AJA1", 4) != 0) return AJ_EINVAL;
    GET(&r, t.now_ns);
    GET(&r, ann);
    GET(&r, flags);
    GET(&r, shelve_kind);
    GET(&r, counts);
    GET(&r, t.value);
    GET(&r, t.on_due_ns);
    GET(&r, t.off_due_ns);
    GET(&r, t.shelve_until_ns);
    if (!r.is_ok || ann > AJ_ALARM_LATCHED || shelve_kind > AJ_SHELVE_TIMED) return AJ_EINVAL;
    if (counts[1] < 0 || counts[1] > AJ_ALARM_ROC_SAMPLES_MAX || counts[3] < 0 ||
        counts[3] > AJ_ALARM_CHATTER_COUNT || counts[2] < 0 || counts[2] >= AJ_ALARM_CHATTER_COUNT ||
        counts[4] < 0 || counts[4] > AJ_ALARM_SUPPRESSORS_MAX)
        return AJ_EINVAL;
    t.ann = (aj_alarm_state)ann;
    t.shelve_kind = (aj_alarm_shelve_kind)shelve_kind;
    t.is_active = flags & 1;
    t.has_value = flags & 2;
    t.is_quality_good = flags & 4;
    t.is_shelved = flags & 8;
    t.is_out_of_service = flags & 16;
    t.roc_first = 0;
    t.roc_n = counts[1];
    for (int i = 0; i < t.roc_n; i++) {
        GET(&r, t.roc_t_ns[i]);
        GET(&r, t.roc_v[i]);
    }
    t.act_next = counts[2];
    t.act_n = counts[3];
    GET(&r, t.act_t_ns);
    t.n_suppressors = counts[4];
    for (int i = 0; i < t.n_suppressors; i++) GET(&r, t.suppressors[i]);
    get_str(&r, t.shelve_user, AJ_ALARM_USER_LEN_MAX);
    get_str(&r, t.shelve_reason, AJ_ALARM_COMMENT_LEN_MAX);
    if (!r.is_ok || r.pos != len || !alarm_ok(&t)) return AJ_EINVAL;
    *a = t;
    return AJ_OK;
}

static aj_err parse_name(const char *const *names, int n, const char *name, int *out) {
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0) {
            *out = i;
            return AJ_OK;
        }
    return AJ_EINVAL;
}

aj_err aj_alarm_kind_parse(const char *name, aj_alarm_kind *out) {
    int i;
    aj_err e = parse_name(KIND_NAMES, AJ_ALARM_KIND_COUNT, name, &i);
    if (!e) *out = (aj_alarm_kind)i;
    return e;
}

aj_err aj_alarm_priority_parse(const char *name, aj_alarm_priority *out) {
    int i;
    aj_err e = parse_name(PRIORITY_NAMES, AJ_PRIO_COUNT, name, &i);
    if (!e) *out = (aj_alarm_priority)i;
    return e;
}

aj_err aj_alarm_state_parse(const char *name, aj_alarm_state *out) {
    int i;
    aj_err e = parse_name(STATE_NAMES, AJ_ALARM_STATE_COUNT, name, &i);
    if (!e) *out = (aj_alarm_state)i;
    return e;
}

aj_err aj_alarm_def_check(const aj_alarm_def *def) {
    return def && def_ok(def) ? AJ_OK : AJ_EINVAL;
}
