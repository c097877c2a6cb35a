/* simops.h — simultaneous operations (SIMOPS): which permits and activities may not run
 * side by side (docs/permits.md "Conflicts").
 *
 * Rules: hot work within 30 m of a blind-plate job is refused (GB 30871-2022 5.2:
 * no hot work within 30 m of blind plate removal/insertion on flammable lines); hot work
 * within 30 m of active venting of flammable gas, or 15 m of flammable liquid, is refused;
 * two permits on the same equipment are flagged for the approver to decide. Only permits
 * that are pending or active count (not drafts, not ended ones). Pure, no allocation. */
#ifndef AJ_PERMIT_SIMOPS_H
#define AJ_PERMIT_SIMOPS_H

#include <stdbool.h>
#include <stdint.h>

#define AJ_SIMOPS_HOT_BLIND_M   30.0
#define AJ_SIMOPS_VENT_GAS_M    30.0
#define AJ_SIMOPS_VENT_LIQUID_M 15.0

typedef enum aj_simops_kind {
    AJ_SIMOPS_HOT_WORK_BLIND_PLATE,
    AJ_SIMOPS_VENTING,
    AJ_SIMOPS_SAME_EQUIPMENT,
} aj_simops_kind;

typedef enum aj_simops_severity { AJ_SIMOPS_FLAG, AJ_SIMOPS_REFUSE } aj_simops_severity;

/* A permit or an activity as the rules see it. type: catalogue code of a permit, or
 * "venting_gas" / "venting_liquid" for an activity. asset_id 0: no equipment. */
typedef struct aj_simops_item {
    const char *type;
    double x, y;
    int64_t asset_id;
} aj_simops_item;

typedef struct aj_simops_conflict {
    aj_simops_kind kind;
    aj_simops_severity severity;
    double distance_m;
} aj_simops_conflict;

/* Whether a and b conflict; fills *out when they do. Symmetric. */
bool aj_simops_check(const aj_simops_item *a, const aj_simops_item *b, aj_simops_conflict *out);
/* "hot_work_blind_plate", "venting", "same_equipment"; "refuse", "flag". */
const char *aj_simops_kind_code(aj_simops_kind k);
const char *aj_simops_severity_code(aj_simops_severity s);

double aj_distance_m(double x1, double y1, double x2, double y2);
/* Whether (x, y) lies inside the polygon of n points xy[2*i], xy[2*i+1] (even-odd rule). */
bool aj_point_in_polygon(double x, double y, const double *xy, int n);

#endif
