/* plan.c — coalescing the points of a Modbus register map into reads, and turning the
 * answers to those reads into readings (plan.h, docs/modbus.md "Coalescing").
 *
 * Building: the points are sorted by (group, table, address, file position) — a total
 * order, so the plan is deterministic — and walked once. A read is open while points of
 * its group and table come; the next point joins it when it lies wholly inside it, or
 * when the hole before it is at most max_gap and the read, grown to its end, stays within
 * the device's maximum. Otherwise it opens the next read. Points are at most 4 registers
 * wide and a device reads at least AJ_MB_READ_REGISTERS_MIN, so every point fits a read
 * of its own and none is ever split. The walk is linear after the sort.
 *
 * The plan lives in one arena (requests, slots, point list); the sort keys are scratch
 * memory freed before returning.
 */
#include "modbus/plan.h"

#include "base/arena.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef struct plan_key {
    int group;
    int table;
    int address;
    int index; /* the point; breaks ties */
} plan_key;

static int plan_key_cmp(const void *x, const void *y) {
    const plan_key *p = x, *q = y;
    if (p->group != q->group) return p->group < q->group ? -1 : 1;
    if (p->table != q->table) return p->table < q->table ? -1 : 1;
    if (p->address != q->address) return p->address < q->address ? -1 : 1;
    return (p->index > q->index) - (p->index < q->index);
}

/* Registers or bits one read of table on device d may fetch. */
static int read_max(const aj_mb_device *d, aj_mb_table table) {
    return aj_mb_table_is_bits(table) ? d->max_bits : d->max_registers;
}

/* True when point p (of request q's group and table) can join q as the rules say. */
static bool joins(const aj_mb_map *map, const aj_mb_request *q, const aj_mb_point *p) {
    const aj_mb_device *d = &map->devices[q->device];
    int end = q->start + q->count - 1, p_end = p->address + aj_mb_point_width(p) - 1;
    if (p_end <= end) return true;
    int gap = p->address - end - 1; /* negative when p overlaps the read */
    return gap <= d->max_gap && p_end - q->start + 1 <= read_max(d, q->table);
}

aj_err aj_mb_plan_build(const aj_mb_map *map, aj_mb_plan **out) {
    *out = NULL;
    int n = map->n_points;
    assert(n >= 1);
    plan_key *keys = malloc((size_t)n * sizeof *keys);
    aj_arena *arena = aj_arena_new();
    aj_mb_plan *plan = arena ? aj_arena_alloc(arena, sizeof *plan) : NULL;
    aj_mb_request *requests = plan ? aj_arena_alloc(arena, (size_t)n * sizeof *requests) : NULL;
    aj_mb_slot *slots = requests ? aj_arena_alloc(arena, (size_t)n * sizeof *slots) : NULL;
    int *points = slots ? aj_arena_alloc(arena, (size_t)n * sizeof *points) : NULL;
    if (!keys || !points) {
        free(keys);
        aj_arena_free(arena);
        return AJ_ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        const aj_mb_point *p = &map->points[i];
        keys[i] = (plan_key){p->group, (int)p->table, p->address, i};
    }
    qsort(keys, (size_t)n, sizeof *keys, plan_key_cmp);
    int n_requests = 0;
    for (int i = 0; i < n; i++) {
        const aj_mb_point *p = &map->points[keys[i].index];
        aj_mb_request *q = n_requests > 0 ? &requests[n_requests - 1] : NULL;
        bool is_same_run = q && q->group == p->group && q->table == p->table;
        if (!is_same_run || !joins(map, q, p)) {
            q = &requests[n_requests++];
            *q = (aj_mb_request){.group = p->group,
                                 .device = p->device,
                                 .table = p->table,
                                 .start = p->address,
                                 .count = 0,
                                 .first = i,
                                 .n_points = 0};
        }
        int p_end = p->address + aj_mb_point_width(p) - 1;
        if (p_end > q->start + q->count - 1) q->count = p_end - q->start + 1;
        points[i] = keys[i].index;
        q->n_points++;
        slots[keys[i].index] = (aj_mb_slot){.request = n_requests - 1, .offset = p->address - q->start};
    }
    free(keys);
    *plan = (aj_mb_plan){.requests = requests,
                         .n_requests = n_requests,
                         .slots = slots,
                         .points = points,
                         .n_points = n,
                         .arena = arena};
    assert(aj_mb_plan_ok(map, plan));
    *out = plan;
    return AJ_OK;
}

void aj_mb_plan_free(aj_mb_plan *plan) {
    if (plan) aj_arena_free(plan->arena); /* the plan itself lives in its arena */
}

/* ---- invariants ----------------------------------------------------------------------- */

static bool request_ok(const aj_mb_map *map, const aj_mb_plan *plan, int r) {
    const aj_mb_request *q = &plan->requests[r];
    if (q->group < 0 || q->group >= map->n_groups || q->device != map->groups[q->group].device) return false;
    if ((unsigned)q->table >= AJ_MB_TABLE_COUNT) return false;
    const aj_mb_device *d = &map->devices[q->device];
    int protocol_max = aj_mb_table_is_bits(q->table) ? AJ_MB_READ_BITS_MAX : AJ_MB_READ_REGISTERS_MAX;
    if (q->count < 1 || q->count > read_max(d, q->table) || q->count > protocol_max) return false;
    if (q->start < 0 || q->start + q->count > 65536) return false;
    if (q->n_points < 1 || q->first < 0 || q->first > plan->n_points - q->n_points) return false;
    /* walk its points in address order: inside, starting at start, no hole over max_gap,
     * and together reaching the last address read */
    int covered = q->start - 1;
    for (int k = q->first; k < q->first + q->n_points; k++) {
        int i = plan->points[k];
        if (i < 0 || i >= map->n_points || plan->slots[i].request != r) return false;
        const aj_mb_point *p = &map->points[i];
        int w = aj_mb_point_width(p);
        if (p->group != q->group || p->table != q->table) return false;
        if (plan->slots[i].offset != p->address - q->start) return false;
        if (p->address < q->start || p->address + w > q->start + q->count) return false;
        if (k == q->first && p->address != q->start) return false;
        if (k > q->first && p->address < map->points[plan->points[k - 1]].address) return false;
        if (p->address - covered - 1 > d->max_gap) return false;
        if (p->address + w - 1 > covered) covered = p->address + w - 1;
    }
    return covered == q->start + q->count - 1;
}

/* Consecutive reads of one group and table: in address order, and the first point of
 * the later one could not have joined the earlier (greedy). */
static bool split_ok(const aj_mb_map *map, const aj_mb_plan *plan, int r) {
    const aj_mb_request *a = &plan->requests[r - 1], *b = &plan->requests[r];
    if (a->group != b->group) return a->group < b->group;
    if (a->table != b->table) return a->table < b->table;
    if (b->start < a->start) return false;
    return !joins(map, a, &map->points[plan->points[b->first]]);
}

bool aj_mb_plan_ok(const aj_mb_map *map, const aj_mb_plan *plan) {
    if (!map || !plan || plan->n_points != map->n_points) return false;
    if (plan->n_requests < 1 || plan->n_requests > plan->n_points) return false;
    int next = 0; /* the requests' point lists follow one another and cover plan->points */
    for (int r = 0; r < plan->n_requests; r++) {
        if (plan->requests[r].first != next || !request_ok(map, plan, r)) return false;
        if (r > 0 && !split_ok(map, plan, r)) return false;
        next += plan->requests[r].n_points;
    }
    if (next != plan->n_points) return false;
    /* each listed point's slot names its own request (request_ok); with n points listed,
     * every point is listed exactly once when none is listed twice */
    unsigned char *seen = calloc((size_t)plan->n_points, 1);
    if (!seen) return false;
    bool is_once = true;
    for (int k = 0; k < plan->n_points && is_once; k++) {
        is_once = seen[plan->points[k]] == 0;
        seen[plan->points[k]] = 1;
    }
    free(seen);
    return is_once;
}

/* ---- answers to readings -------------------------------------------------------------- */

void aj_mb_request_decode(const aj_mb_map *map, const aj_mb_plan *plan, int r, const aj_mb_result *result,
                          aj_mb_reading *readings) {
    assert(r >= 0 && r < plan->n_requests);
    const aj_mb_request *q = &plan->requests[r];
    aj_mb_verdict v = aj_mb_outcome_verdict(result->outcome);
    bool is_bits = aj_mb_table_is_bits(q->table);
    assert(v.quality != AJ_QUALITY_GOOD || (is_bits ? result->bits != NULL : result->registers != NULL));
    for (int k = q->first; k < q->first + q->n_points; k++) {
        int i = plan->points[k];
        int offset = plan->slots[i].offset;
        if (v.quality != AJ_QUALITY_GOOD)
            readings[i] = (aj_mb_reading){
                .value = 0, .quality = v.quality, .quality_reasons = v.quality_reasons, .text = v.text};
        else if (is_bits)
            readings[i] = aj_mb_decode(&map->points[i], NULL, result->bits + offset);
        else
            readings[i] = aj_mb_decode(&map->points[i], result->registers + offset, NULL);
    }
}

void aj_mb_plan_decode(const aj_mb_map *map, const aj_mb_plan *plan, const aj_mb_result *results,
                       aj_mb_reading *readings) {
    for (int r = 0; r < plan->n_requests; r++) aj_mb_request_decode(map, plan, r, &results[r], readings);
}
