/* grading.c — grades of hot work, work at height and lifting (grading.h).
 *
 * Hot work: the place gives the base grade; holiday, night and outdoor wind each may
 * raise it, but together they raise it by one grade only, and special stays special.
 * Night is tested on the whole planned window in local time, so work from 18:00 to
 * 21:00 is night work. Height and lifting are bands of a single number; the boundary
 * values belong to the bands docs/permits.md names (2 m is I, 5 m is I, 100 t is 2,
 * 40 t is 2).
 */
#include "permit/grading.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_MIN         60000LL
#define MS_PER_DAY         86400000LL
#define MIN_PER_DAY        1440
#define UTC_OFFSET_MAX_MIN (14 * 60)
#define TIME_ABS_MAX_MS    253402300800000LL /* 10000-01-01: beyond it a time is a bug */

static const aj_grading_policy DEFAULT_POLICY = AJ_GRADING_POLICY_DEFAULT;

/* ---- hot work ------------------------------------------------------------------------- */

aj_hot_work_grade aj_hot_work_base_grade(const aj_hot_work_place *p) {
    if ((p->is_fire_explosion_area && p->is_on_running_equipment) || p->is_in_tank_farm_bund)
        return AJ_HOT_WORK_SPECIAL;
    if (p->is_fire_explosion_area || p->is_on_pipe_rack) return AJ_HOT_WORK_GRADE1;
    return AJ_HOT_WORK_GRADE2;
}

static bool policy_ok(const aj_grading_policy *p) {
    return p->night_start_min >= 0 && p->night_start_min < MIN_PER_DAY && p->night_end_min >= 0 &&
           p->night_end_min < MIN_PER_DAY && p->night_start_min != p->night_end_min &&
           p->wind_raise_mps > 0 && isfinite(p->wind_raise_mps);
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool aj_is_night(int64_t start_ms, int64_t end_ms, int utc_offset_min, const aj_grading_policy *policy) {
    const aj_grading_policy *p = policy ? policy : &DEFAULT_POLICY;
    assert(policy_ok(p));
    int64_t s = start_ms + utc_offset_min * MS_PER_MIN, e = end_ms + utc_offset_min * MS_PER_MIN;
    if (e <= s) e = s + 1; /* an instant: is it in the night? */
    if (e - s >= MS_PER_DAY) return true;
    int64_t night_ms =
        (int64_t)((p->night_end_min - p->night_start_min + MIN_PER_DAY) % MIN_PER_DAY) * MS_PER_MIN;
    /* nights start at day * MS_PER_DAY + night_start; look at those that may overlap */
    for (int64_t day = floor_div(s, MS_PER_DAY) - 1; day <= floor_div(e, MS_PER_DAY); day++) {
        int64_t n_start = day * MS_PER_DAY + p->night_start_min * MS_PER_MIN;
        if (s < n_start + night_ms && e > n_start) return true;
    }
    return false;
}

aj_err aj_hot_work_grade_of(const aj_hot_work_place *place, const aj_hot_work_conditions *c,
                            const aj_grading_policy *policy, aj_hot_work_grading *out) {
    const aj_grading_policy *p = policy ? policy : &DEFAULT_POLICY;
    memset(out, 0, sizeof *out);
    if (!policy_ok(p) || c->end_ms <= c->start_ms) return AJ_EINVAL;
    if (c->start_ms < -TIME_ABS_MAX_MS || c->end_ms > TIME_ABS_MAX_MS) return AJ_EINVAL;
    if (c->utc_offset_min < -UTC_OFFSET_MAX_MIN || c->utc_offset_min > UTC_OFFSET_MAX_MIN) return AJ_EINVAL;
    if (c->is_outdoors && !(c->wind_mps >= 0 && isfinite(c->wind_mps))) return AJ_EINVAL;
    out->base_grade = aj_hot_work_base_grade(place);
    out->wind_mps = c->wind_mps;
    out->wind_raise_mps = p->wind_raise_mps;
    if (c->is_holiday) out->reasons[out->n_reasons++] = AJ_HOT_WORK_RAISE_HOLIDAY;
    if (aj_is_night(c->start_ms, c->end_ms, c->utc_offset_min, p))
        out->reasons[out->n_reasons++] = AJ_HOT_WORK_RAISE_NIGHT;
    if (c->is_outdoors && c->wind_mps >= p->wind_raise_mps)
        out->reasons[out->n_reasons++] = AJ_HOT_WORK_RAISE_WIND;
    out->grade = out->base_grade;
    if (out->n_reasons > 0 && out->grade != AJ_HOT_WORK_SPECIAL)
        out->grade = (aj_hot_work_grade)(out->grade + 1);
    return AJ_OK;
}

const char *aj_hot_work_grade_code(aj_hot_work_grade g) {
    static const char *const codes[] = {"grade2", "grade1", "special"};
    return (g >= AJ_HOT_WORK_GRADE2 && g <= AJ_HOT_WORK_SPECIAL) ? codes[g] : "unknown";
}

const char *aj_hot_work_raise_code(aj_hot_work_raise r) {
    static const char *const codes[] = {"holiday", "night", "wind"};
    return (r >= 0 && r < AJ_HOT_WORK_RAISE_COUNT) ? codes[r] : "unknown";
}

const char *aj_hot_work_grading_describe(const aj_hot_work_grading *g, char *buf, size_t size) {
    if (size == 0) return buf;
    if (g->n_reasons == 0) {
        snprintf(buf, size, "not raised");
        return buf;
    }
    size_t n = (size_t)snprintf(
        buf, size,
        "%s: ", g->grade != g->base_grade ? "raised" : "not raised (special is the highest grade)");
    for (int i = 0; i < g->n_reasons && n < size; i++) {
        const char *sep = i ? ", " : "";
        if (g->reasons[i] != AJ_HOT_WORK_RAISE_WIND)
            n += (size_t)snprintf(buf + n, size - n, "%s%s", sep, aj_hot_work_raise_code(g->reasons[i]));
        else if (g->wind_raise_mps == AJ_WIND_FORCE5_MPS)
            n += (size_t)snprintf(buf + n, size - n, "%swind %.1f m/s ≥ force 5", sep, g->wind_mps);
        else
            n += (size_t)snprintf(buf + n, size - n, "%swind %.1f m/s ≥ %.1f m/s", sep, g->wind_mps,
                                  g->wind_raise_mps);
    }
    return buf;
}

/* ---- work at height ------------------------------------------------------------------- */

aj_err aj_height_class_of(double height_m, bool has_objective_hazard, aj_height_class *out) {
    *out = AJ_HEIGHT_NOT_SPECIAL;
    if (!(height_m >= 0) || !isfinite(height_m)) return AJ_EINVAL;
    if (height_m < AJ_HEIGHT_MIN_M) return AJ_OK;
    int band = height_m <= 5 ? 0 : height_m <= 15 ? 1 : height_m <= 30 ? 2 : 3;
    static const aj_height_class class_a[] = {AJ_HEIGHT_I, AJ_HEIGHT_II, AJ_HEIGHT_III, AJ_HEIGHT_IV};
    static const aj_height_class class_b[] = {AJ_HEIGHT_II, AJ_HEIGHT_III, AJ_HEIGHT_IV, AJ_HEIGHT_IV};
    *out = has_objective_hazard ? class_b[band] : class_a[band];
    return AJ_OK;
}

const char *aj_height_class_code(aj_height_class c) {
    static const char *const codes[] = {"none", "I", "II", "III", "IV"};
    return (c >= AJ_HEIGHT_NOT_SPECIAL && c <= AJ_HEIGHT_IV) ? codes[c] : "unknown";
}

/* ---- lifting -------------------------------------------------------------------------- */

aj_err aj_lifting_grade_of(double mass_t, aj_lifting_grade *out) {
    *out = AJ_LIFTING_GRADE3;
    if (!(mass_t > 0) || !isfinite(mass_t)) return AJ_EINVAL;
    if (mass_t > AJ_LIFTING_GRADE2_MAX_T)
        *out = AJ_LIFTING_GRADE1;
    else if (mass_t >= AJ_LIFTING_GRADE2_MIN_T)
        *out = AJ_LIFTING_GRADE2;
    return AJ_OK;
}

const char *aj_lifting_grade_code(aj_lifting_grade g) {
    static const char *const codes[] = {"3", "2", "1"};
    return (g >= AJ_LIFTING_GRADE3 && g <= AJ_LIFTING_GRADE1) ? codes[g] : "unknown";
}
