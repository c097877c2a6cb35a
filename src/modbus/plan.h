/* plan.h — request planning for Modbus polling: which reads fetch the points of a map
 * with the fewest round trips, and how the answers to those reads become readings
 * (docs/modbus.md "Coalescing").
 *
 * Per poll group and table, the points are taken in address order and merged greedily
 * into one read while the read stays within the device's limits (max_registers or
 * max_bits, at most the protocol's 125 registers / 2000 bits) and the hole in front of
 * the next point is at most the device's max_gap. A point is never split across two
 * reads: one that does not fit whole starts the next read. Pure and deterministic: the
 * same map always gives the same plan.
 *
 * Ownership: an aj_mb_plan owns everything reachable from it (one arena) and is freed
 * with aj_mb_plan_free. It refers to the map by indices only, but is meaningful only
 * with the map it was built from. Read-only after building: threads may share it.
 */
#ifndef AJ_MODBUS_PLAN_H
#define AJ_MODBUS_PLAN_H

#include "base/err.h"
#include "modbus/regmap.h"

#include <stdbool.h>
#include <stdint.h>

/* One read: FC 1-4 on one device, for the points of one poll group. */
typedef struct aj_mb_request {
    int group;         /* index into map->groups */
    int device;        /* that group's device */
    aj_mb_table table; /* which function code */
    int start;         /* first address read, 0-65535 */
    int count;         /* registers or bits read: 1 to the device's max; start + count <= 65536 */
    int first;         /* its points are plan->points[first .. first + n_points) */
    int n_points;      /* at least 1 */
} aj_mb_request;

/* Where one point lies in the answers. */
typedef struct aj_mb_slot {
    int request; /* index into plan->requests */
    int offset;  /* the point's first register or bit is answer[offset] */
} aj_mb_slot;

typedef struct aj_mb_plan {
    const aj_mb_request *requests; /* by group, then table, then start */
    int n_requests;
    const aj_mb_slot *slots; /* one per map point, by map point index */
    const int *points;       /* map point indices by request, in address order within one */
    int n_points;            /* map->n_points */
    struct aj_arena *arena;  /* owns everything above and the plan itself */
} aj_mb_plan;

/* Plans the reads of every point of map (checked by aj_mb_map_parse). On success *out is
 * a new plan the caller frees with aj_mb_plan_free; on failure (AJ_ENOMEM only) NULL. */
aj_err aj_mb_plan_build(const aj_mb_map *map, aj_mb_plan **out);

/* Frees the plan. NULL is a no-op. */
void aj_mb_plan_free(aj_mb_plan *plan);

/* True when plan is a valid plan of map: every point in exactly one read, wholly inside
 * it, with its group and table; no read over the limits of its device and protocol, none
 * starting or ending on an unused address, no hole inside a read wider than max_gap, and
 * no two consecutive reads of one group and table that the greedy rule would have
 * merged. For asserts and fuzzing. */
bool aj_mb_plan_ok(const aj_mb_map *map, const aj_mb_plan *plan);

/* ---- answers to readings -------------------------------------------------------------- */

/* The answer to one request. */
typedef struct aj_mb_result {
    aj_mb_outcome outcome;     /* failure AJ_MB_READ_OK: the data below is valid */
    const uint16_t *registers; /* holding/input read that succeeded: count registers */
    const uint8_t *bits;       /* coil/discrete input read that succeeded: count bytes, one a bit */
} aj_mb_result;

/* Fills readings[i] for every point i of request r (readings is indexed by map point,
 * map->n_points long; entries of other points are left as they are). A failed request
 * makes every one of its points BAD with the verdict's reasons and text; a good one
 * decodes each point (aj_mb_decode). */
void aj_mb_request_decode(const aj_mb_map *map, const aj_mb_plan *plan, int r, const aj_mb_result *result,
                          aj_mb_reading *readings);

/* aj_mb_request_decode for every request: results has plan->n_requests entries, readings
 * map->n_points. A failed read affects its own points only; the others stay as decoded. */
void aj_mb_plan_decode(const aj_mb_map *map, const aj_mb_plan *plan, const aj_mb_result *results,
                       aj_mb_reading *readings);

#endif
