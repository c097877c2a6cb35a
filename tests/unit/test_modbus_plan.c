/* test_modbus_plan.c — coalescing a register map into reads, and the answers to those
 * reads into readings (src/modbus/plan.c, docs/modbus.md "Coalescing").
 *
 * Each case is a small map (two devices, three groups) and the exact reads it must give:
 * adjacent points merged, max_gap honoured to the register, the 125-register and
 * 2000-bit limits hit exactly, a float64 at the limit moved whole into the next read,
 * tables and groups never mixed, device limits below the protocol's. Then the plan of the
 * docs' example map, determinism, aj_mb_plan_ok on broken plans, and decoding: a failed
 * read makes its own points bad and leaves the others good.
 */
#include "base/limits.h"
#include "modbus/plan.h"
#include "modbus/regmap.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- helpers -------------------------------------------------------------------------- */

static void source_path(char *out, size_t size, const char *rel) {
    snprintf(out, size, "%s", __FILE__);
    char *slash = strrchr(out, '/');
    assert_non_null(slash);
    snprintf(slash, size - (size_t)(slash - out), "/%s", rel);
}

/* One point of a test map: group "g" or "h" poll device "d", group "k" device "e". */
typedef struct pt {
    const char *group;
    const char *table;
    int address;
    const char *type; /* NULL on bit tables */
} pt;

/* A map of device d (with the extra JSON keys d_extra, e.g. "\"max_gap\": 0"), device e
 * and the points; tags are "p0", "p1", ... in the order given. Freed by the caller. */
static aj_mb_map *map_of(const char *d_extra, const pt *points, int n) {
    size_t size = 400 + (size_t)n * 160;
    char *text = malloc(size);
    assert_non_null(text);
    int o = snprintf(
        text, size,
        "{\"format\": \"anjian-modbus-map\", \"version\": 1, \"devices\": [{\"code\": \"d\", \"host\": "
        "\"10.0.0.1\"%s%s}, {\"code\": \"e\", \"host\": \"10.0.0.2\"}], \"groups\": [{\"code\": \"g\", "
        "\"device\": \"d\", \"interval_ms\": 1000}, {\"code\": \"h\", \"device\": \"d\", \"interval_ms\": "
        "5000}, {\"code\": \"k\", \"device\": \"e\", \"interval_ms\": 1000}], \"points\": [",
        d_extra ? ", " : "", d_extra ? d_extra : "");
    for (int i = 0; i < n; i++) {
        const char *device = strcmp(points[i].group, "k") == 0 ? "e" : "d";
        o += snprintf(
            text + o, size - (size_t)o,
            "%s{\"tag\": \"p%d\", \"device\": \"%s\", \"group\": \"%s\", \"table\": \"%s\", \"address\": "
            "%d",
            i ? ", " : "", i, device, points[i].group, points[i].table, points[i].address);
        if (points[i].type) o += snprintf(text + o, size - (size_t)o, ", \"type\": \"%s\"", points[i].type);
        if (points[i].type && strcmp(points[i].type, "bool") == 0)
            o += snprintf(text + o, size - (size_t)o, ", \"bit\": %d", i % 16);
        o += snprintf(text + o, size - (size_t)o, "}");
    }
    snprintf(text + o, size - (size_t)o, "]}");
    aj_mb_map *m = NULL;
    char err[800];
    aj_err e = aj_mb_map_parse(text, strlen(text), &m, err, sizeof err);
    free(text);
    if (e) fail_msg("test map: %s", err);
    return m;
}

static aj_mb_plan *plan_of(const aj_mb_map *m) {
    aj_mb_plan *plan = NULL;
    assert_int_equal(aj_mb_plan_build(m, &plan), AJ_OK);
    assert_non_null(plan);
    assert_true(aj_mb_plan_ok(m, plan));
    return plan;
}

/* An expected read. */
typedef struct rq {
    const char *group;
    aj_mb_table table;
    int start, count, n_points;
} rq;

static void expect_requests(const aj_mb_map *m, const aj_mb_plan *plan, const rq *want, int n) {
    if (plan->n_requests != n) {
        for (int r = 0; r < plan->n_requests; r++) {
            const aj_mb_request *q = &plan->requests[r];
            print_message("  read %d: %s %s %d+%d (%d points)\n", r, m->groups[q->group].code,
                          aj_mb_table_name(q->table), q->start, q->count, q->n_points);
        }
        fail_msg("expected %d reads, got %d", n, plan->n_requests);
    }
    for (int r = 0; r < n; r++) {
        const aj_mb_request *q = &plan->requests[r];
        if (strcmp(m->groups[q->group].code, want[r].group) != 0 || q->table != want[r].table ||
            q->start != want[r].start || q->count != want[r].count || q->n_points != want[r].n_points)
            fail_msg("read %d: expected %s %s %d+%d (%d points), got %s %s %d+%d (%d points)", r,
                     want[r].group, aj_mb_table_name(want[r].table), want[r].start, want[r].count,
                     want[r].n_points, m->groups[q->group].code, aj_mb_table_name(q->table), q->start,
                     q->count, q->n_points);
        assert_int_equal(q->device, m->groups[q->group].device);
    }
}

/* The read and offset of point "p<i>". */
static void expect_slot(const aj_mb_map *m, const aj_mb_plan *plan, int i, int request, int offset) {
    char tag[16];
    snprintf(tag, sizeof tag, "p%d", i);
    int k = aj_mb_point_find(m, tag);
    assert_int_equal(k, i);
    assert_int_equal(plan->slots[k].request, request);
    assert_int_equal(plan->slots[k].offset, offset);
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- coalescing ----------------------------------------------------------------------- */

static void test_adjacent_merged(void **state) {
    static const pt points[] = {
        {"g", "holding", 2, "uint16"},  {"g", "holding", 0, "int16"},   {"g", "holding", 1, "bool"},
        {"g", "holding", 3, "float32"}, {"g", "holding", 5, "float64"}, {"g", "holding", 1, "uint16"},
    };
    aj_mb_map *m = map_of(NULL, points, N(points));
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 9, 6}}, 1);
    expect_slot(m, plan, 0, 0, 2);
    expect_slot(m, plan, 1, 0, 0);
    expect_slot(m, plan, 2, 0, 1);
    expect_slot(m, plan, 3, 0, 3);
    expect_slot(m, plan, 4, 0, 5);
    expect_slot(m, plan, 5, 0, 1);
    /* the points of the read in address order, file order between equal addresses */
    static const int order[] = {1, 2, 5, 0, 3, 4};
    for (int k = 0; k < 6; k++) assert_int_equal(plan->points[k], order[k]);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

static void test_max_gap(void **state) {
    /* default max_gap 10: registers 1-10 are read in between, 1-11 are not */
    static const pt merged[] = {{"g", "holding", 0, "uint16"}, {"g", "holding", 11, "uint16"}};
    aj_mb_map *m = map_of(NULL, merged, 2);
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 12, 2}}, 1);
    expect_slot(m, plan, 1, 0, 11);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    static const pt split[] = {{"g", "holding", 0, "uint16"}, {"g", "holding", 12, "uint16"}};
    m = map_of(NULL, split, 2);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 1, 1}, {"g", AJ_MB_HOLDING, 12, 1, 1}}, 2);
    expect_slot(m, plan, 1, 1, 0);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* the gap is measured from the end of a multi-register value */
    static const pt after_float[] = {{"g", "holding", 0, "float32"}, {"g", "holding", 12, "uint16"}};
    m = map_of(NULL, after_float, 2);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 13, 2}}, 1);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* max_gap 0: only touching points share a read */
    static const pt touching[] = {
        {"g", "input", 0, "uint16"}, {"g", "input", 1, "uint32"}, {"g", "input", 4, "int16"}};
    m = map_of("\"max_gap\": 0", touching, 3);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_INPUT, 0, 3, 2}, {"g", AJ_MB_INPUT, 4, 1, 1}}, 2);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* gaps apply to bits as well */
    static const pt coils[] = {{"g", "coil", 0, NULL}, {"g", "coil", 11, NULL}, {"g", "coil", 23, NULL}};
    m = map_of(NULL, coils, 3);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_COIL, 0, 12, 2}, {"g", AJ_MB_COIL, 23, 1, 1}}, 2);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

static void test_register_limit(void **state) {
    /* with gaps allowed, the 125-register limit decides: 0 and 124 share a read of exactly
     * 125, 0 and 125 do not */
    static const pt at_limit[] = {{"g", "holding", 0, "uint16"}, {"g", "holding", 124, "uint16"}};
    aj_mb_map *m = map_of("\"max_gap\": 2000", at_limit, 2);
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 125, 2}}, 1);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    static const pt past[] = {{"g", "holding", 0, "uint16"}, {"g", "holding", 125, "uint16"}};
    m = map_of("\"max_gap\": 2000", past, 2);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 1, 1}, {"g", AJ_MB_HOLDING, 125, 1, 1}}, 2);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* 300 consecutive registers: 125 + 125 + 50 */
    pt dense[300];
    for (int i = 0; i < 300; i++) dense[i] = (pt){"g", "input", 1000 + i, "int16"};
    m = map_of(NULL, dense, 300);
    plan = plan_of(m);
    expect_requests(m, plan,
                    (const rq[]){{"g", AJ_MB_INPUT, 1000, 125, 125},
                                 {"g", AJ_MB_INPUT, 1125, 125, 125},
                                 {"g", AJ_MB_INPUT, 1250, 50, 50}},
                    3);
    expect_slot(m, plan, 124, 0, 124);
    expect_slot(m, plan, 125, 1, 0);
    expect_slot(m, plan, 299, 2, 49);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

static void test_float64_at_limit(void **state) {
    /* a float64 at 121-124 ends the read at exactly 125 registers ... */
    static const pt fits[] = {{"g", "holding", 0, "uint16"}, {"g", "holding", 121, "float64"}};
    aj_mb_map *m = map_of("\"max_gap\": 2000", fits, 2);
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 125, 2}}, 1);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* ... one at 122-125 would make 126: it moves whole into the next read */
    static const pt moved[] = {{"g", "holding", 0, "uint16"}, {"g", "holding", 122, "float64"}};
    m = map_of("\"max_gap\": 2000", moved, 2);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 0, 1, 1}, {"g", AJ_MB_HOLDING, 122, 4, 1}}, 2);
    expect_slot(m, plan, 1, 1, 0);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* the same inside a dense block: 31 float64 fill 124 registers, the 32nd starts a read */
    pt dense[40];
    for (int i = 0; i < 40; i++) dense[i] = (pt){"g", "holding", 1 + 4 * i, "float64"};
    m = map_of(NULL, dense, 40);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_HOLDING, 1, 124, 31}, {"g", AJ_MB_HOLDING, 125, 36, 9}},
                    2);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* a device reading at most 4 registers: one float64 per read */
    static const pt small[] = {{"g", "holding", 0, "float64"},
                               {"g", "holding", 4, "float64"},
                               {"g", "holding", 8, "uint16"},
                               {"g", "holding", 9, "float32"}};
    m = map_of("\"max_registers\": 4", small, 4);
    plan = plan_of(m);
    expect_requests(m, plan,
                    (const rq[]){{"g", AJ_MB_HOLDING, 0, 4, 1},
                                 {"g", AJ_MB_HOLDING, 4, 4, 1},
                                 {"g", AJ_MB_HOLDING, 8, 3, 2}},
                    3);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

static void test_bit_limit(void **state) {
    static const pt at_limit[] = {{"g", "discrete_input", 0, NULL}, {"g", "discrete_input", 1999, NULL}};
    aj_mb_map *m = map_of("\"max_gap\": 2000", at_limit, 2);
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_DISCRETE_INPUT, 0, 2000, 2}}, 1);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    static const pt past[] = {{"g", "discrete_input", 0, NULL}, {"g", "discrete_input", 2000, NULL}};
    m = map_of("\"max_gap\": 2000", past, 2);
    plan = plan_of(m);
    expect_requests(
        m, plan, (const rq[]){{"g", AJ_MB_DISCRETE_INPUT, 0, 1, 1}, {"g", AJ_MB_DISCRETE_INPUT, 2000, 1, 1}},
        2);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
    /* a device reading at most 8 bits */
    pt coils[10];
    for (int i = 0; i < 10; i++) coils[i] = (pt){"g", "coil", 65526 + i, NULL};
    m = map_of("\"max_bits\": 8", coils, 10);
    plan = plan_of(m);
    expect_requests(m, plan, (const rq[]){{"g", AJ_MB_COIL, 65526, 8, 8}, {"g", AJ_MB_COIL, 65534, 2, 2}}, 2);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

static void test_tables_and_groups_apart(void **state) {
    /* the same address in four tables, two groups of one device and another device */
    static const pt points[] = {
        {"g", "holding", 0, "uint16"},    {"g", "input", 0, "uint16"},   {"g", "coil", 0, NULL},
        {"g", "discrete_input", 0, NULL}, {"h", "holding", 1, "uint16"}, {"k", "holding", 0, "uint16"},
        {"g", "holding", 1, "uint16"},    {"g", "input", 1, "uint16"},
    };
    aj_mb_map *m = map_of(NULL, points, N(points));
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan,
                    (const rq[]){{"g", AJ_MB_COIL, 0, 1, 1},
                                 {"g", AJ_MB_DISCRETE_INPUT, 0, 1, 1},
                                 {"g", AJ_MB_HOLDING, 0, 2, 2},
                                 {"g", AJ_MB_INPUT, 0, 2, 2},
                                 {"h", AJ_MB_HOLDING, 1, 1, 1},
                                 {"k", AJ_MB_HOLDING, 0, 1, 1}},
                    6);
    assert_int_equal(plan->requests[5].device, 1);
    expect_slot(m, plan, 4, 4, 0);
    expect_slot(m, plan, 6, 2, 1);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

static void test_example_plan(void **state) {
    char path[1024], err[800];
    source_path(path, sizeof path, "../fuzz/corpus/modbus/valid_full.json");
    aj_mb_map *m = NULL;
    if (aj_mb_map_load(path, &m, err, sizeof err)) fail_msg("%s", err);
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan,
                    (const rq[]){{"plc_fast", AJ_MB_COIL, 0, 1, 1},
                                 {"plc_fast", AJ_MB_DISCRETE_INPUT, 16, 1, 1},
                                 {"plc_fast", AJ_MB_HOLDING, 100, 2, 3},
                                 {"plc_slow", AJ_MB_HOLDING, 200, 18, 7},
                                 {"gas", AJ_MB_DISCRETE_INPUT, 0, 1, 1},
                                 {"gas", AJ_MB_INPUT, 0, 9, 5},
                                 {"meter", AJ_MB_HOLDING, 0, 16, 4},
                                 {"meter", AJ_MB_INPUT, 30, 1, 1}},
                    8);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

/* The same points in any file order give the same reads. */
static void test_deterministic(void **state) {
    pt points[60];
    for (int i = 0; i < 60; i++)
        points[i] = (pt){i % 3 ? "g" : "h", i % 2 ? "holding" : "coil", i * 7, i % 2 ? "float32" : NULL};
    aj_mb_map *a = map_of(NULL, points, 60);
    pt reversed[60];
    for (int i = 0; i < 60; i++) reversed[i] = points[59 - i];
    aj_mb_map *b = map_of(NULL, reversed, 60);
    aj_mb_plan *pa = plan_of(a), *pa2 = plan_of(a), *pb = plan_of(b);
    assert_int_equal(pa->n_requests, pb->n_requests);
    assert_memory_equal(pa->requests, pa2->requests, (size_t)pa->n_requests * sizeof *pa->requests);
    assert_memory_equal(pa->slots, pa2->slots, (size_t)pa->n_points * sizeof *pa->slots);
    for (int r = 0; r < pa->n_requests; r++) {
        const aj_mb_request *x = &pa->requests[r], *y = &pb->requests[r];
        assert_true(x->group == y->group && x->table == y->table && x->start == y->start &&
                    x->count == y->count && x->n_points == y->n_points);
    }
    for (int i = 0; i < 60; i++) {
        assert_int_equal(pa->slots[i].request, pb->slots[59 - i].request);
        assert_int_equal(pa->slots[i].offset, pb->slots[59 - i].offset);
    }
    aj_mb_plan_free(pa);
    aj_mb_plan_free(pa2);
    aj_mb_plan_free(pb);
    aj_mb_map_free(a);
    aj_mb_map_free(b);
}

/* aj_mb_plan_ok finds plans the builder would never make. */
static void test_plan_ok(void **state) {
    static const pt points[] = {{"g", "holding", 0, "uint16"},
                                {"g", "holding", 5, "float32"},
                                {"g", "holding", 40, "uint16"},
                                {"g", "coil", 3, NULL}};
    aj_mb_map *m = map_of(NULL, points, N(points));
    aj_mb_plan *plan = plan_of(m);
    assert_int_equal(plan->n_requests, 3); /* coil 3; holding 0-6; holding 40 */
    aj_mb_request *q = (aj_mb_request *)&plan->requests[1];
    aj_mb_slot *s = (aj_mb_slot *)plan->slots;
    int *list = (int *)plan->points;
    aj_mb_request saved = *q;
    q->count = 6; /* cuts the float32 */
    assert_false(aj_mb_plan_ok(m, plan));
    q->count = 8; /* reads an unused register at the end */
    assert_false(aj_mb_plan_ok(m, plan));
    q->start = -1; /* and one at the start */
    q->count = 8;
    assert_false(aj_mb_plan_ok(m, plan));
    *q = saved;
    q->count = 126;
    assert_false(aj_mb_plan_ok(m, plan));
    *q = saved;
    q->table = AJ_MB_INPUT;
    assert_false(aj_mb_plan_ok(m, plan));
    *q = saved;
    assert_true(aj_mb_plan_ok(m, plan));
    s[1].offset = 4;
    assert_false(aj_mb_plan_ok(m, plan));
    s[1].offset = 5;
    s[2].request = 1;
    assert_false(aj_mb_plan_ok(m, plan));
    s[2].request = 2;
    int keep = list[1];
    list[1] = list[0]; /* a point listed twice, another not at all */
    assert_false(aj_mb_plan_ok(m, plan));
    list[1] = keep;
    assert_true(aj_mb_plan_ok(m, plan));
    aj_mb_plan_free(plan);
    /* two reads the greedy rule would have merged (with a wider max_gap) */
    static const pt apart[] = {{"g", "holding", 0, "uint16"}, {"g", "holding", 12, "uint16"}};
    aj_mb_map *m2 = map_of(NULL, apart, 2);
    plan = plan_of(m2);
    assert_int_equal(plan->n_requests, 2);
    ((aj_mb_device *)&m2->devices[0])->max_gap = 11;
    assert_false(aj_mb_plan_ok(m2, plan));
    ((aj_mb_device *)&m2->devices[0])->max_gap = 10;
    assert_true(aj_mb_plan_ok(m2, plan));
    aj_mb_plan_free(plan);
    aj_mb_map_free(m2);
    assert_false(aj_mb_plan_ok(m, NULL));
    aj_mb_plan_free(NULL);
    aj_mb_map_free(m);
}

/* ---- answers to readings -------------------------------------------------------------- */

static void test_decode_and_failures(void **state) {
    static const pt points[] = {
        {"g", "holding", 0, "float32"}, /* p0: read 1, offset 0 */
        {"g", "holding", 2, "int16"},   /* p1: read 1, offset 2 */
        {"g", "holding", 3, "bool"},    /* p2: bit 2 of register 3 */
        {"g", "coil", 7, NULL},         /* p3: read 0 */
        {"g", "coil", 9, NULL},         /* p4: read 0, offset 2 */
        {"k", "input", 100, "float64"}, /* p5: read 2 */
    };
    aj_mb_map *m = map_of(NULL, points, N(points));
    aj_mb_plan *plan = plan_of(m);
    expect_requests(m, plan,
                    (const rq[]){{"g", AJ_MB_COIL, 7, 3, 2},
                                 {"g", AJ_MB_HOLDING, 0, 4, 3},
                                 {"k", AJ_MB_INPUT, 100, 4, 1}},
                    3);
    uint16_t holding[4], input[4];
    aj_mb_disassemble(0x42F6E979, 2, AJ_MB_ORDER_ABCD, holding);          /* 123.456f */
    holding[2] = 0xFFF6;                                                  /* -10 */
    holding[3] = 0x0004;                                                  /* bit 2 set */
    aj_mb_disassemble(0xBFB999999999999Aull, 4, AJ_MB_ORDER_ABCD, input); /* -0.1 */
    const uint8_t coils[3] = {1, 1, 0};
    aj_mb_result results[3] = {
        {.outcome = {AJ_MB_READ_OK, 0}, .bits = coils},
        {.outcome = {AJ_MB_READ_OK, 0}, .registers = holding},
        {.outcome = {AJ_MB_READ_OK, 0}, .registers = input},
    };
    aj_mb_reading readings[6];
    aj_mb_plan_decode(m, plan, results, readings);
    static const double want[6] = {(double)123.456f, -10, 1, 1, 0, -0.1};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(readings[i].quality, AJ_QUALITY_GOOD);
        assert_true(readings[i].value == want[i]);
    }
    /* the holding read fails: its three points are bad, the others stay good */
    results[1] = (aj_mb_result){.outcome = {AJ_MB_READ_EXCEPTION, 2}};
    aj_mb_plan_decode(m, plan, results, readings);
    for (int i = 0; i < 6; i++) {
        bool is_failed = i <= 2;
        assert_int_equal(readings[i].quality, is_failed ? AJ_QUALITY_BAD : AJ_QUALITY_GOOD);
        if (is_failed) {
            assert_int_equal(readings[i].quality_reasons, AJ_QR_SOURCE_BAD);
            assert_string_equal(readings[i].text,
                                "exception 2: illegal data address (no such register on the device)");
            assert_true(readings[i].value == 0);
        } else {
            assert_true(readings[i].value == want[i]);
        }
    }
    /* device e times out: only p5 */
    results[1] = (aj_mb_result){.outcome = {AJ_MB_READ_OK, 0}, .registers = holding};
    results[2] = (aj_mb_result){.outcome = {AJ_MB_READ_TIMEOUT, 0}};
    aj_mb_plan_decode(m, plan, results, readings);
    for (int i = 0; i < 5; i++) assert_int_equal(readings[i].quality, AJ_QUALITY_GOOD);
    assert_int_equal(readings[5].quality, AJ_QUALITY_BAD);
    assert_int_equal(readings[5].quality_reasons, AJ_QR_COMM_LOSS);
    assert_string_equal(readings[5].text, "no answer within the timeout");
    /* a NaN in one good read makes that point bad only */
    aj_mb_disassemble(0x7FC00000, 2, AJ_MB_ORDER_ABCD, holding);
    aj_mb_reading one[6];
    for (int i = 0; i < 6; i++)
        one[i] = (aj_mb_reading){.value = 42, .quality = AJ_QUALITY_UNCERTAIN, .text = "x"};
    aj_mb_request_decode(m, plan, 1, &results[1], one);
    assert_int_equal(one[0].quality, AJ_QUALITY_BAD);
    assert_string_equal(one[0].text, "the device sent NaN");
    assert_int_equal(one[1].quality, AJ_QUALITY_GOOD);
    assert_true(one[1].value == -10);
    /* points of other reads are left as they were */
    for (int i = 3; i < 6; i++) assert_true(one[i].value == 42 && one[i].quality == AJ_QUALITY_UNCERTAIN);
    aj_mb_plan_free(plan);
    aj_mb_map_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adjacent_merged), cmocka_unit_test(test_max_gap),
        cmocka_unit_test(test_register_limit),  cmocka_unit_test(test_float64_at_limit),
        cmocka_unit_test(test_bit_limit),       cmocka_unit_test(test_tables_and_groups_apart),
        cmocka_unit_test(test_example_plan),    cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_plan_ok),         cmocka_unit_test(test_decode_and_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
