/* grading_validity.c — is a requested permit window allowed (grading.h)?
 *
 * The limit is the grade's validity.max_h from the catalogue (default_h is only what
 * the UI proposes). A window exactly max_h long is allowed. A permit whose type lists
 * the served permit's type in bounded_by (temporary power serving hot work or a confined
 * space) must also lie within the served permit's window: GB 30871-2022 wants such
 * temporary power to match the job it serves.
 */
#include "permit/grading.h"

#include <assert.h>

#define MS_PER_HOUR 3600000LL

static bool is_bounded_by(const aj_permit_type *t, int served_type) {
    for (int i = 0; i < t->n_bounded_by; i++)
        if (t->bounded_by[i] == served_type) return true;
    return false;
}

aj_validity_verdict aj_permit_validity_check(const aj_permit_catalogue *cat, int type, int grade,
                                             aj_permit_window w, const aj_permit_served *served) {
    assert(type >= 0 && type < cat->n_types);
    const aj_permit_type *t = &cat->types[type];
    const aj_permit_validity *v = aj_permit_validity_of(t, grade);
    assert(v);
    if (w.end_ms <= w.start_ms) return AJ_VALIDITY_EMPTY;
    /* end > start, so the unsigned difference is exact even where end - start overflows */
    if ((uint64_t)w.end_ms - (uint64_t)w.start_ms > (uint64_t)v->max_h * MS_PER_HOUR)
        return AJ_VALIDITY_TOO_LONG;
    if (!served || !is_bounded_by(t, served->type)) return AJ_VALIDITY_OK;
    if (w.start_ms < served->window.start_ms) return AJ_VALIDITY_BEFORE_SERVED;
    if (w.end_ms > served->window.end_ms) return AJ_VALIDITY_AFTER_SERVED;
    return AJ_VALIDITY_OK;
}

const char *aj_validity_verdict_text(aj_validity_verdict v) {
    static const char *const texts[] = {"ok", "ends before it starts", "longer than the grade allows",
                                        "starts before the permit it serves",
                                        "ends after the permit it serves"};
    return (v >= AJ_VALIDITY_OK && v <= AJ_VALIDITY_AFTER_SERVED) ? texts[v] : "unknown";
}
