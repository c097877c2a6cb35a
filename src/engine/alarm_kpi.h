/* alarm_kpi.h — alarm system performance KPIs of one operator console over a window of
 * event time (ANSI/ISA-18.2-2016 clause 16 "monitoring and assessment", IEC 62682,
 * EEMUA 191). Pure logic: no storage, no HTTP, no threads, no wall clock.
 *
 * Input: the activations (annunciations) of the console's alarms, already filtered by
 * the caller to the console's areas, in any order, and the alarms standing (active) at
 * the end of the window. Output: one aj_kpi_result with every KPI, the chart series and a
 * verdict per KPI against the reference targets below. Conventions (window edges, partial
 * periods, diagnostic alarms, inclusive chattering, strict stale) are in docs/alarm-kpi.md.
 *
 * Memory: aj_kpi_compute sorts a private copy of the in-window activations (at most
 * AJ_KPI_ACTIVATIONS_MAX * sizeof(aj_kpi_activation) = 48 MB) and frees it before it
 * returns; everything else lives in the caller's aj_kpi_result (about 24 KB: allocate it
 * on the heap or statically, not on a small thread stack).
 */
#ifndef AJ_ALARM_KPI_H
#define AJ_ALARM_KPI_H

#include "base/err.h"
#include "engine/alarm.h"

#include <stddef.h>
#include <stdint.h>

/* ---- bounds (why each one) --------------------------------------------------------- */

#define AJ_KPI_10MIN_NS (600LL * 1000000000LL)
#define AJ_KPI_HOUR_NS  (3600LL * 1000000000LL)
#define AJ_KPI_DAY_NS   (24LL * AJ_KPI_HOUR_NS)

/* Longest window: a month, the longest common assessment period (the monthly alarm
 * report); it bounds the chart series below. Longer: AJ_EINVAL. */
#define AJ_KPI_WINDOW_MAX_NS (31LL * AJ_KPI_DAY_NS)
/* Periods a window of at most AJ_KPI_WINDOW_MAX_NS can touch: the whole periods plus one
 * more when the window does not start on a period boundary. */
#define AJ_KPI_SERIES_10MIN_MAX ((size_t)(AJ_KPI_WINDOW_MAX_NS / AJ_KPI_10MIN_NS) + 1u)
#define AJ_KPI_SERIES_HOUR_MAX  ((size_t)(AJ_KPI_WINDOW_MAX_NS / AJ_KPI_HOUR_NS) + 1u)

/* Activations per call: a month of a console in permanent flood (~45 per minute) fits;
 * beyond it the data are not an alarm log but a fault. More: AJ_ETOOBIG. */
#define AJ_KPI_ACTIVATIONS_MAX 2000000u
/* Standing alarms per call: every alarm of a large plant (AJ_PLANT_OBJECTS_MAX). */
#define AJ_KPI_STANDING_MAX 200000u

/* List lengths in the result. Bad actors: "top 10" is the ISA-18.2 metric itself; the
 * chattering and stale lists are for a work list, 50 rows is a screen; the counts cover
 * all of them. */
#define AJ_KPI_TOP_N        10
#define AJ_KPI_CHATTER_LIST 50
#define AJ_KPI_STALE_LIST   50

/* ---- definitions and reference targets ---------------------------------------------- */

/* Flood: a 10-minute period with more than this many alarms (EEMUA 191, ISA-18.2). */
#define AJ_KPI_FLOOD_10MIN_COUNT 10
/* A busy hour: more than this many alarms in an hour (ISA-18.2 metric "hours containing
 * more than 30 alarms"). */
#define AJ_KPI_BUSY_HOUR_COUNT 30
/* Stale: continuously active for more than this at the end of the window (ISA-18.2). */
#define AJ_KPI_STALE_NS AJ_KPI_DAY_NS

/* Reference targets, ANSI/ISA-18.2-2016 clause 16 (table of recommended alarm performance
 * metrics, based on EEMUA 191), per operator console, at steady state:
 *   average rate            ~6 per hour / ~1 per 10 min "very likely acceptable",
 *                           ~12 per hour / ~2 per 10 min "maximum manageable";
 *   10-min periods > 10     ~< 1 % of the periods; busy hours (> 30 alarms) ~< 1 %;
 *   peak 10-min count       <= 10;
 *   top 10 bad actors       ~1 % to 5 % of the load at most;
 *   chattering alarms       zero (action plans for any);
 *   stale alarms            fewer than 5 on any day;
 *   priority distribution   ~80 % low, ~15 % medium, ~5 % high, < 1 % highest (emergency).
 * Verdict: OK at or within the target; WARN up to twice the target (our convention, a
 * band to act on before it is BAD); BAD beyond. Rates: OK <= "acceptable", WARN <=
 * "maximum manageable", BAD beyond, which is the same rule. */
#define AJ_KPI_TARGET_PER_HOUR        6.0
#define AJ_KPI_TARGET_PER_HOUR_MAX    12.0
#define AJ_KPI_TARGET_PER_10MIN       1.0
#define AJ_KPI_TARGET_PER_10MIN_MAX   2.0
#define AJ_KPI_TARGET_FLOOD_SHARE     0.01
#define AJ_KPI_TARGET_BUSY_HOUR_SHARE 0.01
#define AJ_KPI_TARGET_PEAK_10MIN      10
#define AJ_KPI_TARGET_TOP_SHARE       0.05
#define AJ_KPI_TARGET_CHATTERING      0 /* WARN up to AJ_KPI_WARN_CHATTERING_MAX */
#define AJ_KPI_WARN_CHATTERING_MAX    5 /* our convention: a handful being worked on */
#define AJ_KPI_TARGET_STALE_MAX       4 /* "fewer than 5" */
#define AJ_KPI_WARN_STALE_MAX         9 /* "fewer than 10": twice the target */
/* Priority: share of the operator load at or above each priority, cumulated from the
 * top, must not exceed: emergency 1 %, emergency+high 5 %, emergency+high+medium 20 %. */
#define AJ_KPI_TARGET_SHARE_EMERGENCY 0.01
#define AJ_KPI_TARGET_SHARE_HIGH_UP   0.05
#define AJ_KPI_TARGET_SHARE_MEDIUM_UP 0.20

typedef enum {
    AJ_KPI_NO_DATA, /* the KPI is undefined for this window (e.g. no complete period) */
    AJ_KPI_OK,
    AJ_KPI_WARN,
    AJ_KPI_BAD,
    AJ_KPI_VERDICT_COUNT
} aj_kpi_verdict;

/* ---- input --------------------------------------------------------------------------- */

/* One annunciation of an alarm (its transition to active). t_ns: event time, >= 0. */
typedef struct aj_kpi_activation {
    int64_t alarm_id;
    int64_t t_ns;
    aj_alarm_priority priority;
} aj_kpi_activation;

/* An alarm active at to_ns, continuously since active_since_ns (0 <= since <= to_ns).
 * One entry per alarm (not checked). */
typedef struct aj_kpi_standing {
    int64_t alarm_id;
    int64_t active_since_ns;
    aj_alarm_priority priority;
} aj_kpi_standing;

/* ---- output -------------------------------------------------------------------------- */

/* An alarm and its activations in the window; share = n_activations / load.n_alarms.
 * priority: that of its latest activation in the window. */
typedef struct aj_kpi_alarm_count {
    int64_t alarm_id;
    uint32_t n_activations;
    aj_alarm_priority priority;
    double share;
} aj_kpi_alarm_count;

typedef struct aj_kpi_stale_alarm {
    int64_t alarm_id;
    int64_t active_since_ns;
    int64_t active_ns; /* to_ns - active_since_ns */
    aj_alarm_priority priority;
} aj_kpi_stale_alarm;

/* Counts per aligned period: count[i] counts [start_ns + i*P, start_ns + (i+1)*P) ∩
 * [from_ns, to_ns). The first and last period may be partial (clipped by the window). */
typedef struct aj_kpi_series_10min {
    int64_t start_ns; /* floor(from_ns / 10 min) * 10 min */
    size_t n;
    uint32_t count[AJ_KPI_SERIES_10MIN_MAX];
} aj_kpi_series_10min;

typedef struct aj_kpi_series_hour {
    int64_t start_ns; /* floor(from_ns / 1 h) * 1 h */
    size_t n;
    uint32_t count[AJ_KPI_SERIES_HOUR_MAX];
} aj_kpi_series_hour;

typedef struct aj_kpi_result {
    int64_t from_ns, to_ns;

    /* Operator load: every KPI below counts operator alarms only (emergency, high, medium,
     * low); diagnostic activations appear in priority.n[AJ_PRIO_DIAGNOSTIC] and nowhere
     * else. */
    struct {
        uint32_t n_alarms; /* operator activations in [from_ns, to_ns) */
        double per_hour;   /* n_alarms / window length in hours */
        double per_10min;  /* n_alarms / window length in 10-minute units */
        aj_kpi_verdict verdict_per_hour, verdict_per_10min;
    } load;

    aj_kpi_series_10min series_10min;
    aj_kpi_series_hour series_hour;

    struct {
        size_t n_complete_periods; /* 10-min periods wholly inside the window */
        size_t n_flood_periods;    /* of those, with > AJ_KPI_FLOOD_10MIN_COUNT alarms */
        double share;              /* n_flood_periods / n_complete_periods (0 if none) */
        aj_kpi_verdict verdict;    /* NO_DATA without a complete period */
        uint32_t peak_count;       /* largest count of any period of the series */
        int64_t peak_start_ns;     /* start of the earliest period with peak_count */
        aj_kpi_verdict verdict_peak;
        size_t n_complete_hours; /* hours wholly inside the window */
        size_t n_busy_hours;     /* of those, with > AJ_KPI_BUSY_HOUR_COUNT alarms */
        double busy_hour_share;
        aj_kpi_verdict verdict_busy_hours; /* NO_DATA without a complete hour */
    } flood;

    struct {
        size_t n_distinct;                    /* distinct operator alarms activated in the window */
        size_t n;                             /* rows in top: min(n_distinct, AJ_KPI_TOP_N) */
        aj_kpi_alarm_count top[AJ_KPI_TOP_N]; /* by count desc, then alarm_id asc */
        double share;                         /* sum of top counts / n_alarms (0 if none) */
        aj_kpi_verdict verdict;               /* NO_DATA without alarms */
    } bad_actors;

    struct {
        size_t n_chattering; /* alarms with >= AJ_ALARM_CHATTER_COUNT activations in 60 s */
        size_t n;            /* rows in list: min(n_chattering, AJ_KPI_CHATTER_LIST) */
        aj_kpi_alarm_count list[AJ_KPI_CHATTER_LIST]; /* by count desc, then alarm_id asc */
        aj_kpi_verdict verdict;
    } chattering;

    struct {
        size_t n_stale; /* standing operator alarms active > AJ_KPI_STALE_NS at to_ns */
        size_t n;       /* rows in list: min(n_stale, AJ_KPI_STALE_LIST) */
        aj_kpi_stale_alarm list[AJ_KPI_STALE_LIST]; /* oldest first, then alarm_id asc */
        aj_kpi_verdict verdict;
    } stale;

    struct {
        uint32_t n[AJ_PRIO_COUNT];   /* activations in the window per priority, diagnostic too */
        double share[AJ_PRIO_COUNT]; /* n[p] / load.n_alarms; diagnostic: always 0 */
        aj_kpi_verdict verdict;      /* NO_DATA without operator alarms */
    } priority;
} aj_kpi_result;

/* Computes every KPI of the console over [from_ns, to_ns) into *out (fully overwritten;
 * all zero on error). activations: n_activations entries in any order (NULL when 0); those
 * outside the window are ignored. standing: the alarms active at to_ns (NULL when 0).
 * AJ_EINVAL: from_ns < 0, to_ns <= from_ns, to_ns - from_ns > AJ_KPI_WINDOW_MAX_NS, a NULL
 * array with a count, a priority out of range, an activation at t_ns < 0, a standing alarm
 * with active_since_ns outside [0, to_ns]. AJ_ETOOBIG: n_activations >
 * AJ_KPI_ACTIVATIONS_MAX or n_standing > AJ_KPI_STANDING_MAX. AJ_ENOMEM: the sort copy
 * could not be allocated. */
aj_err aj_kpi_compute(int64_t from_ns, int64_t to_ns, const aj_kpi_activation *activations,
                      size_t n_activations, const aj_kpi_standing *standing, size_t n_standing,
                      aj_kpi_result *out);

/* Stable snake_case name: "no_data", "ok", "warn", "bad". Never NULL. */
const char *aj_kpi_verdict_name(aj_kpi_verdict v);

#endif
