/* schedule.c — inspection windows and scan rules (see schedule.h, docs/inspections.md). */
#include "inspect/schedule.h"

#include "base/timeutil.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_MIN         60000LL
#define MS_PER_DAY         86400000LL
#define MIN_PER_DAY        1440
#define UTC_OFFSET_MAX_MIN 840

static const char *const FREQ_NAMES[AJ_IF_COUNT] = {"interval", "shift", "day", "week", "month"};

static const char *const REFUSALS[AJ_SR_COUNT] = {
    "none", "too_early", "window_closed", "task_done", "not_on_route", "already_scanned", "not_yours"};

int aj_insp_freq_parse(const char *name) {
    for (int i = 0; name && i < AJ_IF_COUNT; i++)
        if (!strcmp(name, FREQ_NAMES[i])) return i;
    return -1;
}

const char *aj_insp_freq_name(aj_insp_freq f) {
    return (unsigned)f < AJ_IF_COUNT ? FREQ_NAMES[f] : "?";
}

int aj_insp_freq_for_level(const char *level) {
    static const struct {
        const char *level;
        aj_insp_freq f;
    } BY_LEVEL[] = {
        {"major", AJ_IF_SHIFT}, {"significant", AJ_IF_DAY}, {"general", AJ_IF_WEEK}, {"low", AJ_IF_MONTH}};
    for (size_t i = 0; level && i < sizeof BY_LEVEL / sizeof BY_LEVEL[0]; i++)
        if (!strcmp(level, BY_LEVEL[i].level)) return (int)BY_LEVEL[i].f;
    return -1;
}

void aj_shift_pattern_default(aj_shift_pattern *out) {
    memset(out, 0, sizeof *out);
    out->n = 3;
    out->start_min[0] = 0;
    out->start_min[1] = 8 * 60;
    out->start_min[2] = 16 * 60;
}

static bool parse_hhmm(const char *s, int *out_min) {
    if (!s || strlen(s) != 5 || s[2] != ':') return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) return false;
    *out_min = h * 60 + m;
    return true;
}

bool aj_shift_pattern_from(const char *const *starts, int n, aj_shift_pattern *out, char *err,
                           size_t errlen) {
    memset(out, 0, sizeof *out);
    if (n < 1 || n > AJ_INSPECT_SHIFTS_MAX) {
        snprintf(err, errlen, "starts: 1 to %d shift starts", AJ_INSPECT_SHIFTS_MAX);
        return false;
    }
    for (int i = 0; i < n; i++) {
        int m;
        if (!parse_hhmm(starts[i], &m)) {
            snprintf(err, errlen, "starts[%d]: \"%.16s\" is not a time of day HH:MM", i,
                     starts[i] ? starts[i] : "");
            return false;
        }
        /* insertion in order */
        int j = out->n;
        while (j > 0 && out->start_min[j - 1] > m) {
            out->start_min[j] = out->start_min[j - 1];
            j--;
        }
        if (j > 0 && out->start_min[j - 1] == m) {
            snprintf(err, errlen, "starts[%d]: \"%s\" is given twice", i, starts[i]);
            memset(out, 0, sizeof *out);
            return false;
        }
        out->start_min[j] = m;
        out->n++;
    }
    return true;
}

/* floor division for a possibly negative numerator */
static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* The civil date of a day number (days since 1970-01-01, proleptic Gregorian): eras of
 * 400 years (146097 days) starting on 1 March, so the leap day ends a year. */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
    int64_t z = days + 719468; /* days since 0000-03-01 */
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365, from 1 March */
    int64_t mp = (5 * doy + 2) / 153;                                    /* 0 = March */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool aj_insp_window(aj_insp_freq f, int interval_min, const aj_shift_pattern *shifts, int utc_offset_min,
                    int64_t t_ms, int64_t *start_ms, int64_t *end_ms) {
    if (utc_offset_min < -UTC_OFFSET_MAX_MIN || utc_offset_min > UTC_OFFSET_MAX_MIN) return false;
    int64_t off = utc_offset_min * MS_PER_MIN, local = t_ms + off;
    int64_t day = floor_div(local, MS_PER_DAY), day_start = day * MS_PER_DAY;
    int64_t s, e;
    switch (f) {
    case AJ_IF_INTERVAL: {
        if (interval_min < AJ_INSPECT_INTERVAL_MIN_MIN || interval_min > AJ_INSPECT_INTERVAL_MAX_MIN)
            return false;
        int64_t len = interval_min * MS_PER_MIN;
        s = floor_div(local, len) * len;
        e = s + len;
        break;
    }
    case AJ_IF_SHIFT: {
        if (!shifts || shifts->n < 1 || shifts->n > AJ_INSPECT_SHIFTS_MAX) return false;
        int64_t into = local - day_start; /* ms after local midnight */
        int i = shifts->n - 1;
        while (i >= 0 && shifts->start_min[i] * MS_PER_MIN > into) i--;
        if (i < 0) /* before the first start: the last shift of the day before */
            s = day_start - MS_PER_DAY + shifts->start_min[shifts->n - 1] * MS_PER_MIN;
        else
            s = day_start + shifts->start_min[i] * MS_PER_MIN;
        if (i + 1 < shifts->n)
            e = day_start + shifts->start_min[i + 1] * MS_PER_MIN;
        else
            e = day_start + MS_PER_DAY + shifts->start_min[0] * MS_PER_MIN;
        break;
    }
    case AJ_IF_DAY:
        s = day_start;
        e = s + MS_PER_DAY;
        break;
    case AJ_IF_WEEK: {
        int64_t dow = floor_div(day + 3, 7) * 7 - 3; /* 1970-01-01 was a Thursday: Monday is day -3 */
        s = dow * MS_PER_DAY;
        e = s + 7 * MS_PER_DAY;
        break;
    }
    case AJ_IF_MONTH: {
        int64_t y;
        int m, d;
        civil_from_days(day, &y, &m, &d);
        s = aj_days_from_civil(y, (unsigned)m, 1) * MS_PER_DAY;
        e = (m == 12 ? aj_days_from_civil(y + 1, 1, 1) : aj_days_from_civil(y, (unsigned)m + 1, 1)) *
            MS_PER_DAY;
        break;
    }
    default:
        return false;
    }
    *start_ms = s - off;
    *end_ms = e - off;
    assert(*start_ms <= t_ms && t_ms < *end_ms);
    return true;
}

const char *aj_scan_refusal_name(aj_scan_refusal r) {
    return (unsigned)r < AJ_SR_COUNT ? REFUSALS[r] : "?";
}

aj_scan_refusal aj_scan_judge(const aj_scan_facts *f) {
    if (f->is_missed || f->at_ms >= f->window_end_ms) return AJ_SR_WINDOW_CLOSED;
    if (f->at_ms < f->window_start_ms) return AJ_SR_TOO_EARLY;
    if (!f->may_perform) return AJ_SR_NOT_YOURS;
    if (!f->is_on_route) return AJ_SR_NOT_ON_ROUTE;
    if (f->is_already_scanned) return AJ_SR_ALREADY_SCANNED;
    if (f->is_done) return AJ_SR_TASK_DONE;
    return AJ_SR_NONE;
}

int aj_check_judge(const aj_check_item *item, const aj_check_answer *a) {
    if (!item->is_reading) {
        if (!a->has_ok) return -1;
        return a->ok ? 0 : 1;
    }
    if (!a->has_value || !isfinite(a->value)) return -1;
    if (a->has_ok && !a->ok) return 1; /* the inspector saw something wrong besides the number */
    if (item->has_lo && a->value < item->lo) return 1;
    if (item->has_hi && a->value > item->hi) return 1;
    return 0;
}
