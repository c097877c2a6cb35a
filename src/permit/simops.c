/* simops.c — the SIMOPS rules (simops.h). */
#include "permit/simops.h"

#include <math.h>
#include <string.h>

double aj_distance_m(double x1, double y1, double x2, double y2) {
    return hypot(x2 - x1, y2 - y1);
}

bool aj_point_in_polygon(double x, double y, const double *xy, int n) {
    bool inside = false;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
}

static bool is(const aj_simops_item *i, const char *type) {
    return i->type && !strcmp(i->type, type);
}

/* One direction: a is the hot work. */
static bool hot_against(const aj_simops_item *hot, const aj_simops_item *o, double d,
                        aj_simops_conflict *out) {
    if (!is(hot, "hot_work")) return false;
    double limit = is(o, "blind_plate")      ? AJ_SIMOPS_HOT_BLIND_M
                   : is(o, "venting_gas")    ? AJ_SIMOPS_VENT_GAS_M
                   : is(o, "venting_liquid") ? AJ_SIMOPS_VENT_LIQUID_M
                                             : -1;
    if (limit < 0 || d > limit) return false;
    *out = (aj_simops_conflict){is(o, "blind_plate") ? AJ_SIMOPS_HOT_WORK_BLIND_PLATE : AJ_SIMOPS_VENTING,
                                AJ_SIMOPS_REFUSE, d};
    return true;
}

bool aj_simops_check(const aj_simops_item *a, const aj_simops_item *b, aj_simops_conflict *out) {
    double d = aj_distance_m(a->x, a->y, b->x, b->y);
    if (hot_against(a, b, d, out) || hot_against(b, a, d, out)) return true;
    bool is_activity =
        is(a, "venting_gas") || is(a, "venting_liquid") || is(b, "venting_gas") || is(b, "venting_liquid");
    if (!is_activity && a->asset_id > 0 && a->asset_id == b->asset_id) {
        *out = (aj_simops_conflict){AJ_SIMOPS_SAME_EQUIPMENT, AJ_SIMOPS_FLAG, d};
        return true;
    }
    return false;
}

const char *aj_simops_kind_code(aj_simops_kind k) {
    static const char *const codes[] = {"hot_work_blind_plate", "venting", "same_equipment"};
    return (unsigned)k < 3 ? codes[k] : "?";
}

const char *aj_simops_severity_code(aj_simops_severity s) {
    return s == AJ_SIMOPS_REFUSE ? "refuse" : "flag";
}
