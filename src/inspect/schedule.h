/* schedule.h — when inspection tasks are due and what a scan must satisfy, as pure rules
 * (巡检, docs/inspections.md). No I/O, no clock.
 *
 * A plan repeats in windows of local time: every N minutes (aligned to local midnight when
 * N divides a day), per shift (the site's shift starts), per day, per ISO week (Monday
 * 00:00) or per calendar month. One task per plan and window; a task not finished when its
 * window closes is missed. By default the frequency follows the residual risk level of the
 * plan's risk point: major (重大) every shift, significant (较大) daily, general (一般)
 * weekly, low (低) monthly.
 *
 * A scan is judged against the task: inside the window, a checkpoint of the route not yet
 * scanned, by someone who may perform it, with an answer for every item of the check list;
 * an item answered "not ok" or a reading outside its range is abnormal. */
#ifndef AJ_INSPECT_SCHEDULE_H
#define AJ_INSPECT_SCHEDULE_H

#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum aj_insp_freq {
    AJ_IF_INTERVAL,
    AJ_IF_SHIFT,
    AJ_IF_DAY,
    AJ_IF_WEEK,
    AJ_IF_MONTH,
    AJ_IF_COUNT
} aj_insp_freq;

/* "interval", "shift", "day", "week", "month"; -1 for anything else. */
int aj_insp_freq_parse(const char *name);
const char *aj_insp_freq_name(aj_insp_freq f);

/* The default frequency for a residual risk level ("major", "significant", "general",
 * "low"); -1 for an unknown level. */
int aj_insp_freq_for_level(const char *level);

/* Shift starts in minutes after local midnight, strictly increasing, 1 to
 * AJ_INSPECT_SHIFTS_MAX of them. */
typedef struct aj_shift_pattern {
    int n;
    int start_min[AJ_INSPECT_SHIFTS_MAX];
} aj_shift_pattern;

/* Three eight-hour shifts from 00:00, 08:00 and 16:00. */
void aj_shift_pattern_default(aj_shift_pattern *out);

/* Parses "HH:MM" texts (any order, no duplicates) into a pattern. false with err set
 * ("starts[1]: \"25:00\" is not a time of day HH:MM") on bad input. */
bool aj_shift_pattern_from(const char *const *starts, int n, aj_shift_pattern *out, char *err, size_t errlen);

/* The window of frequency f holding instant t_ms, for a site utc_offset_min east of UTC
 * (-840..840). interval_min is used for AJ_IF_INTERVAL only (AJ_INSPECT_INTERVAL_MIN_MIN
 * to _MAX_MIN), shifts for AJ_IF_SHIFT only. start <= t < end always. false for invalid
 * arguments. */
bool aj_insp_window(aj_insp_freq f, int interval_min, const aj_shift_pattern *shifts, int utc_offset_min,
                    int64_t t_ms, int64_t *start_ms, int64_t *end_ms);

/* ---- judging a scan ---------------------------------------------------------------------- */

typedef enum aj_scan_refusal {
    AJ_SR_NONE,
    AJ_SR_TOO_EARLY,       /* the window has not started */
    AJ_SR_WINDOW_CLOSED,   /* the window is over (or the task was found missed) */
    AJ_SR_TASK_DONE,       /* every checkpoint is already scanned */
    AJ_SR_NOT_ON_ROUTE,    /* the checkpoint is not on this plan's route */
    AJ_SR_ALREADY_SCANNED, /* this checkpoint is done for this task */
    AJ_SR_NOT_YOURS,       /* the task is someone else's (assignee or department) */
    AJ_SR_COUNT
} aj_scan_refusal;

/* "too_early", "window_closed", ... (stable, for API clients). */
const char *aj_scan_refusal_name(aj_scan_refusal r);

typedef struct aj_scan_facts {
    int64_t at_ms, window_start_ms, window_end_ms;
    bool is_missed, is_done;
    bool is_on_route, is_already_scanned;
    bool may_perform; /* the assignee, one of the department, or a planner */
} aj_scan_facts;

aj_scan_refusal aj_scan_judge(const aj_scan_facts *f);

/* One check-list item and its answer. kind "check": ok must be given; "reading": value
 * must be given and is abnormal outside [lo, hi] (either bound may be absent). */
typedef struct aj_check_item {
    bool is_reading;
    bool has_lo, has_hi;
    double lo, hi;
} aj_check_item;

typedef struct aj_check_answer {
    bool has_ok, ok;
    bool has_value;
    double value;
} aj_check_answer;

/* 0 normal, 1 abnormal, -1 the answer does not fit the item (missing ok / value, or a
 * non-finite value). */
int aj_check_judge(const aj_check_item *item, const aj_check_answer *answer);

#endif
