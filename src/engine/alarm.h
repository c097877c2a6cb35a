/* alarm.h — one alarm: its definition, its ISA-18.2 / IEC 62682 state and the journal
 * of its state changes. Pure logic: no storage, no HTTP, no threads, no wall clock.
 *
 * Time is event time (ns since the Unix epoch, UTC). An alarm has its own clock, the
 * latest event time it has seen (from points, operator actions and watermarks). Every
 * call that carries a time first brings that clock forward, firing due timers (on-delay,
 * off-delay, timed-shelve expiry) in due-time order, exactly as aj_alarm_advance() would;
 * so the same inputs give the same journal however advance() calls are interleaved.
 * A point or action older than the clock, or before 1970 (t_ns < 0), is refused
 * (AJ_EINVAL), changing nothing.
 *
 * Lifecycle: aj_alarm is embedded (aj_alarm_init / aj_alarm_clear); it owns no heap
 * memory. One thread (the engine thread) uses an alarm at a time.
 *
 * See docs/alarms.md for the state diagram, the transition table and the rules.
 */
#ifndef AJ_ALARM_H
#define AJ_ALARM_H

#include "base/err.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- bounds (why each one) --------------------------------------------------------- */

/* Chattering: this many activations within the window flag the alarm (EEMUA 191 /
 * ISA-18.2 TR: "3 or more in 60 s"). The ring of activation times holds exactly this
 * many, so memory per alarm is fixed. */
#define AJ_ALARM_CHATTER_COUNT     3
#define AJ_ALARM_CHATTER_WINDOW_NS (60LL * 1000000000LL)

/* Rate-of-change samples kept per alarm. A window is minutes long and points arrive
 * every second or slower after the historian's exception filter; 32 samples is enough
 * for a stable slope. With faster data the oldest samples drop out, so the rate is then
 * taken over the span the ring still covers (shorter than the window). */
#define AJ_ALARM_ROC_SAMPLES_MAX 32
/* Longest rate-of-change window: beyond an hour a trend is not an alarm but a report. */
#define AJ_ALARM_ROC_WINDOW_MAX_NS (3600LL * 1000000000LL)

/* Longest on/off delay. Delays filter noise (seconds to minutes); an hour-long delay
 * would hide a real process upset. */
#define AJ_ALARM_DELAY_MAX_NS (3600LL * 1000000000LL)

/* Largest maximum shelving time a definition may allow. ISA-18.2 wants shelving limited
 * in time; three days covers a long weekend, anything longer is "out of service". */
#define AJ_ALARM_SHELVE_LIMIT_NS (72LL * 3600LL * 1000000000LL)
/* Maximum shelving time of generated defaults: one 8-hour shift. */
#define AJ_ALARM_SHELVE_MAX_DEFAULT_NS (8LL * 3600LL * 1000000000LL)

/* Suppressors that may hold one alarm at once (incidents, state-based suppression
 * groups). An alarm belongs to a handful of groups; the array is fixed in the struct. */
#define AJ_ALARM_SUPPRESSORS_MAX 8

/* Operator name and comment lengths (bytes, UTF-8). The shelving user and reason are
 * copied into the alarm so that the expiry entry can repeat them. */
#define AJ_ALARM_USER_LEN_MAX    64
#define AJ_ALARM_COMMENT_LEN_MAX 500

/* Defaults (aj_alarm_defaults_for_tag): deadband as a fraction of the instrument span,
 * and the off-delay that keeps a gas alarm from chattering around its setpoint. There
 * is no on-delay on gas alarms: the detector's own response time (GB/T 50493 allows up
 * to 30 s) already filters, and a safety alarm must not be held back further. */
#define AJ_ALARM_DEFAULT_DEADBAND_FRACTION 0.01
#define AJ_ALARM_DEFAULT_OFF_DELAY_NS      (5LL * 1000000000LL)

/* ---- definition -------------------------------------------------------------------- */

typedef enum {
    AJ_ALARM_KIND_HH,       /* high-high limit: active when value >= setpoint */
    AJ_ALARM_KIND_H,        /* high limit */
    AJ_ALARM_KIND_L,        /* low limit: active when value <= setpoint */
    AJ_ALARM_KIND_LL,       /* low-low limit */
    AJ_ALARM_KIND_ROC,      /* rate of change: active when |rate| >= setpoint (units/min) */
    AJ_ALARM_KIND_DISCRETE, /* active when value == setpoint (or != with is_not_equal) */
    AJ_ALARM_KIND_COUNT
} aj_alarm_kind;

typedef enum {
    AJ_PRIO_EMERGENCY,
    AJ_PRIO_HIGH,
    AJ_PRIO_MEDIUM,
    AJ_PRIO_LOW,
    AJ_PRIO_DIAGNOSTIC,
    AJ_PRIO_COUNT
} aj_alarm_priority;

typedef struct aj_alarm_def {
    int64_t id;     /* alarm id, carried in every journal entry */
    int64_t tag_id; /* 0: not checked; else points of another tag are refused */
    aj_alarm_kind kind;
    aj_alarm_priority priority;
    double setpoint;       /* limit (eng. units); ROC: units per minute (> 0); discrete: state */
    double deadband;       /* >= 0, eng. units (ROC: units per minute); unused for discrete */
    int64_t on_delay_ns;   /* condition must hold this long before it activates */
    int64_t off_delay_ns;  /* condition must stay clear this long before it returns */
    int64_t roc_window_ns; /* ROC only: the slope is taken over this window (> 0) */
    bool is_not_equal;     /* discrete only: alarm when value != setpoint */
    bool is_latched;       /* stays (LATCHED) after return to normal until reset */
    int64_t shelve_max_ns; /* longest timed shelve; 0 = timed shelving refused */
    const char *basis;     /* static text: where the setpoint comes from; may be NULL */
} aj_alarm_def;

/* ---- state, causes, journal -------------------------------------------------------- */

/* The state shown to operators. The first five are the annunciation states; the last
 * three are the hidden layers (OOS over SUPPRESSED over SHELVED when several apply). */
typedef enum {
    AJ_ALARM_NORMAL,
    AJ_ALARM_UNACK,      /* active, unacknowledged */
    AJ_ALARM_ACKED,      /* active, acknowledged */
    AJ_ALARM_RTN_UNACK,  /* returned to normal, unacknowledged */
    AJ_ALARM_LATCHED,    /* returned to normal, latched: waits for reset */
    AJ_ALARM_SHELVED,    /* by an operator, one-shot or timed */
    AJ_ALARM_SUPPRESSED, /* suppressed by design (by the system) */
    AJ_ALARM_OOS,        /* out of service */
    AJ_ALARM_STATE_COUNT
} aj_alarm_state;

typedef enum {
    AJ_CAUSE_PROCESS,        /* a point changed the condition (no delay) */
    AJ_CAUSE_DELAY_EXPIRED,  /* an on- or off-delay ran out (the watermark passed it) */
    AJ_CAUSE_ACK,            /* operator */
    AJ_CAUSE_RESET,          /* operator, latched alarms */
    AJ_CAUSE_SHELVE,         /* operator */
    AJ_CAUSE_UNSHELVE,       /* operator, or the system for one-shot (user NULL) */
    AJ_CAUSE_SHELVE_EXPIRED, /* timed shelve ran out (the watermark passed it) */
    AJ_CAUSE_SUPPRESS,       /* system, with a suppressor id */
    AJ_CAUSE_UNSUPPRESS,     /* system, with a suppressor id */
    AJ_CAUSE_OOS,            /* operator removed it from service */
    AJ_CAUSE_RETURN_TO_SERVICE,
    AJ_CAUSE_COUNT
} aj_alarm_cause;

typedef enum { AJ_SHELVE_ONE_SHOT, AJ_SHELVE_TIMED } aj_alarm_shelve_kind;

/* One journal entry. Strings are borrowed: valid only during the callback. */
typedef struct aj_alarm_entry {
    int64_t alarm_id;
    aj_alarm_state from, to; /* shown states; equal when a hidden layer changed beneath */
    aj_alarm_cause cause;
    int64_t t_ns; /* event time of the change (a timer's due time for timers) */
    double value; /* last good value (ROC: last rate, units/min); NaN if none */
    double limit; /* the definition's setpoint */
    aj_alarm_priority priority;
    bool is_condition_active; /* the tracked process condition after the change */
    bool is_chattering;       /* >= AJ_ALARM_CHATTER_COUNT activations in the window */
    const char *user;         /* operator; NULL when the system caused it */
    const char *comment;      /* operator comment / shelving reason; NULL if none */
    int64_t suppressor_id;    /* suppress / unsuppress; 0 otherwise */
    int64_t shelve_until_ns;  /* timed shelve: expiry; 0 otherwise */
} aj_alarm_entry;

/* Called synchronously for every change, in order. It must not call aj_alarm_* on the
 * same alarm (copy the entry and act after the call returns). */
typedef void (*aj_alarm_journal_fn)(void *ctx, const aj_alarm_entry *entry);

/* The alarm. Read it through aj_alarm_get_status(); the fields are private. */
typedef struct aj_alarm {
    aj_alarm_def def;
    aj_alarm_journal_fn journal;
    void *journal_ctx;
    int64_t now_ns;     /* the alarm's clock; INT64_MIN before the first input */
    aj_alarm_state ann; /* annunciation state (NORMAL..LATCHED), valid when not hidden */
    /* process condition */
    bool is_active; /* condition after delays; tracked while hidden too */
    bool has_value;
    bool is_quality_good; /* quality of the last point */
    double value;         /* last good value (ROC: last rate) */
    int64_t on_due_ns;    /* pending on-delay; INT64_MAX = none */
    int64_t off_due_ns;   /* pending off-delay; INT64_MAX = none */
    int64_t roc_t_ns[AJ_ALARM_ROC_SAMPLES_MAX];
    double roc_v[AJ_ALARM_ROC_SAMPLES_MAX];
    int roc_first, roc_n;
    int64_t act_t_ns[AJ_ALARM_CHATTER_COUNT]; /* ring of the latest activation times */
    int act_next, act_n;
    /* hidden layers */
    bool is_shelved;
    aj_alarm_shelve_kind shelve_kind;
    int64_t shelve_until_ns; /* timed: expiry; INT64_MAX otherwise */
    char shelve_user[AJ_ALARM_USER_LEN_MAX + 1];
    char shelve_reason[AJ_ALARM_COMMENT_LEN_MAX + 1];
    int64_t suppressors[AJ_ALARM_SUPPRESSORS_MAX];
    int n_suppressors;
    bool is_out_of_service;
} aj_alarm;

typedef struct aj_alarm_status {
    aj_alarm_state state;        /* shown state */
    aj_alarm_state annunciation; /* hidden: what leaving every layer now would give */
    bool is_condition_active;
    bool is_chattering; /* at the alarm's clock */
    bool is_quality_good;
    bool has_value;
    double value;
    bool is_shelved;
    aj_alarm_shelve_kind shelve_kind;
    int64_t shelve_until_ns; /* timed shelve only; 0 otherwise */
    int n_suppressors;
    bool is_out_of_service;
    int64_t now_ns;
} aj_alarm_status;

/* Checks the definition (finite numbers, bounds above); AJ_EINVAL if it is wrong. The
 * alarm starts NORMAL with no value. journal may be NULL (nothing is reported). */
aj_err aj_alarm_init(aj_alarm *a, const aj_alarm_def *def, aj_alarm_journal_fn journal, void *journal_ctx);
void aj_alarm_clear(aj_alarm *a);

/* A new value. Quality not GOOD: the condition holds (see docs/alarms.md). AJ_EINVAL for
 * a point older than the clock, another tag's point, or a GOOD non-finite value. */
aj_err aj_alarm_process(aj_alarm *a, const aj_point *p);
/* The event-time watermark moved: fire timers due at or before it. A watermark at or
 * behind the clock does nothing. */
aj_err aj_alarm_advance(aj_alarm *a, int64_t watermark_ns);

/* Operator actions. user: 1..AJ_ALARM_USER_LEN_MAX bytes; comment: NULL or up to
 * AJ_ALARM_COMMENT_LEN_MAX bytes (shelving needs a non-empty reason). t_ns is the event
 * time of the action (the engine stamps it with its watermark). AJ_EINVAL for bad
 * arguments, AJ_ECONFLICT when the state does not allow the action; either way the
 * action changes nothing (timers due by t_ns still fire, as advance(t_ns) would). */
aj_err aj_alarm_ack(aj_alarm *a, int64_t t_ns, const char *user, const char *comment);
aj_err aj_alarm_reset(aj_alarm *a, int64_t t_ns, const char *user, const char *comment);
/* duration_ns: timed only, 1..def.shelve_max_ns (longer: AJ_EINVAL); ignored for one-shot. */
aj_err aj_alarm_shelve(aj_alarm *a, int64_t t_ns, aj_alarm_shelve_kind kind, int64_t duration_ns,
                       const char *user, const char *reason);
aj_err aj_alarm_unshelve(aj_alarm *a, int64_t t_ns, const char *user, const char *comment);
aj_err aj_alarm_remove_from_service(aj_alarm *a, int64_t t_ns, const char *user, const char *comment);
aj_err aj_alarm_return_to_service(aj_alarm *a, int64_t t_ns, const char *user, const char *comment);

/* Suppression by design (the system: incidents, suppression groups). suppressor_id != 0.
 * The same id twice: AJ_ECONFLICT; more than AJ_ALARM_SUPPRESSORS_MAX: AJ_ETOOBIG;
 * releasing an id that does not hold it: AJ_ENOTFOUND. */
aj_err aj_alarm_suppress(aj_alarm *a, int64_t t_ns, int64_t suppressor_id);
aj_err aj_alarm_unsuppress(aj_alarm *a, int64_t t_ns, int64_t suppressor_id);

void aj_alarm_get_status(const aj_alarm *a, aj_alarm_status *out);

/* Persistence (the engine stores the state with its checkpoint, docs/alarms.md):
 * aj_alarm_save writes the runtime state (not the definition) into buf and returns its
 * length, 0 when cap is too small (AJ_ALARM_SAVED_MAX always suffices).
 * aj_alarm_restore replaces the runtime state of an initialised alarm with a saved one;
 * AJ_EINVAL (alarm unchanged) for a malformed or inconsistent buffer. */
#define AJ_ALARM_SAVED_MAX                                                                                   \
    (64 + AJ_ALARM_ROC_SAMPLES_MAX * 16 + AJ_ALARM_CHATTER_COUNT * 8 + AJ_ALARM_SUPPRESSORS_MAX * 8 +        \
     AJ_ALARM_USER_LEN_MAX + AJ_ALARM_COMMENT_LEN_MAX + 4)
size_t aj_alarm_save(const aj_alarm *a, void *buf, size_t cap);
aj_err aj_alarm_restore(aj_alarm *a, const void *buf, size_t len);
/* Event time of the alarm's next timer (on/off delay, shelve expiry); INT64_MAX: none. */
int64_t aj_alarm_next_due(const aj_alarm *a);
/* Changes when anything but the last value and the clock changes (for ROC alarms also
 * with every sample): the engine persists an alarm whose hash moved. */
uint64_t aj_alarm_material_hash(const aj_alarm *a);

/* Stable snake_case names for the journal, the API and logs. Never NULL. */
const char *aj_alarm_state_name(aj_alarm_state s);
const char *aj_alarm_cause_name(aj_alarm_cause c);
const char *aj_alarm_priority_name(aj_alarm_priority p);
const char *aj_alarm_kind_name(aj_alarm_kind k);
/* By those names; AJ_EINVAL when unknown. */
aj_err aj_alarm_kind_parse(const char *name, aj_alarm_kind *out);
aj_err aj_alarm_priority_parse(const char *name, aj_alarm_priority *out);
aj_err aj_alarm_state_parse(const char *name, aj_alarm_state *out);
/* AJ_OK when aj_alarm_init would accept the definition. */
aj_err aj_alarm_def_check(const aj_alarm_def *def);

/* GB/T 50493-2019 default alarms for a tag kind ("gas_combustible_lel", "gas_toxic_ppm",
 * "oxygen_pct"; other kinds: none, *n = 0). Writes up to cap definitions (id and tag_id
 * 0, for the caller to fill) and sets *n to the number needed; AJ_ETOOBIG when cap is
 * smaller, AJ_EINVAL for a bad range, or for a toxic tag without a positive oel or whose
 * range does not reach 100 % OEL. When 200 % OEL exceeds the range, HH is clamped to
 * range_hi (see docs/alarms.md). gas is informational and may be NULL. */
aj_err aj_alarm_defaults_for_tag(const char *kind, double range_lo, double range_hi, double oel,
                                 const char *gas, aj_alarm_def *out_defs, size_t cap, size_t *n);

#endif
