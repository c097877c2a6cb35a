/* fuzz_modbus.c — libFuzzer harness for the Modbus register map (src/modbus/regmap.c),
 * request planning (src/modbus/plan.c) and value decoding.
 *
 * Every input goes to the map parser whole, and once more as the "points" list of a map
 * with fixed devices and groups (so one mutated point reaches the deep checks far more
 * often than a whole file does).
 *
 * A rejected input must give AJ_EINVAL, AJ_EJSON or AJ_ETOOBIG, a NULL map and a
 * non-empty, NUL-terminated message that starts with "$" (or tells malformed JSON);
 * parsing again gives the same message. An accepted map must pass aj_mb_map_ok and be
 * planned: the plan passes aj_mb_plan_ok, and is checked again here without it: every
 * point in exactly one read, wholly inside it, with its group and table, no read over
 * the protocol's 125 registers / 2000 bits or past address 65535. The plan's reads are
 * then answered from the input bytes, every third read failing: points of failed reads
 * must be BAD, the others decode as aj_mb_decode says.
 *
 * The input bytes are also taken as raw registers and decoded as every type in every
 * order: a NaN or infinite float must come out BAD, anything else GOOD and equal to
 * the value of the same number sent big-endian (disassembled into that order).
 * ASan/UBSan catch the rest. Seeds: tests/fuzz/corpus/modbus/.
 */
#include "base/limits.h"
#include "modbus/plan.h"
#include "modbus/regmap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

static const char HEAD[] =
    "{\"format\": \"anjian-modbus-map\", \"version\": 1,"
    " \"devices\": [{\"code\": \"d\", \"host\": \"10.0.0.1\", \"max_gap\": 3, \"max_registers\": 8, "
    "\"max_bits\": 16},"
    "              {\"code\": \"e\", \"host\": \"10.0.0.2\"}],"
    " \"groups\": [{\"code\": \"g\", \"device\": \"d\", \"interval_ms\": 1000},"
    "              {\"code\": \"h\", \"device\": \"d\", \"interval_ms\": 2000},"
    "              {\"code\": \"k\", \"device\": \"e\", \"interval_ms\": 1000}],"
    " \"points\": ";
static const char TAIL[] = "}";

/* ---- raw decoding --------------------------------------------------------------------- */

static void check_raw(const uint8_t *data, size_t size) {
    uint16_t words[4] = {0};
    for (size_t i = 0; i < 8 && i < size; i++) words[i / 2] |= (uint16_t)(data[i] << (i % 2 ? 0 : 8));
    for (int t = 0; t < AJ_MB_TYPE_COUNT; t++) {
        int n = aj_mb_type_words((aj_mb_type)t);
        uint64_t be = aj_mb_assemble(words, n, AJ_MB_ORDER_ABCD);
        aj_mb_point ref = {.tag = "x", .table = AJ_MB_INPUT, .type = (aj_mb_type)t, .bit = -1, .scale = 1};
        if (t == AJ_MB_BOOL) ref.bit = size > 8 ? data[8] % 16 : 0;
        aj_mb_reading want = aj_mb_decode(&ref, words, NULL);
        double raw = aj_mb_raw(ref.type, AJ_MB_ORDER_ABCD, ref.bit, words);
        must(want.quality == (isfinite(raw) ? AJ_QUALITY_GOOD : AJ_QUALITY_BAD));
        must(want.quality == AJ_QUALITY_BAD ? want.value == 0 && want.text[0] != 0 : want.value == raw);
        for (int o = 0; o < AJ_MB_ORDER_COUNT; o++) {
            uint16_t sent[4];
            aj_mb_disassemble(be, n, (aj_mb_order)o, sent);
            must(aj_mb_assemble(sent, n, (aj_mb_order)o) == be);
            aj_mb_point p = ref;
            p.order = n > 1 ? (aj_mb_order)o : AJ_MB_ORDER_ABCD;
            aj_mb_reading got = aj_mb_decode(&p, n > 1 ? sent : words, NULL);
            must(got.quality == want.quality && got.quality_reasons == want.quality_reasons);
            must(got.value == want.value || (isnan(got.value) && isnan(want.value)));
            /* the input taken directly in this order decodes too (no crash, NaN is bad) */
            aj_mb_reading direct = aj_mb_decode(&p, words, NULL);
            must(direct.quality == AJ_QUALITY_GOOD ? isfinite(direct.value) : direct.value == 0);
        }
    }
}

/* ---- maps and plans ------------------------------------------------------------------- */

static void check_plan(const aj_mb_map *m, const aj_mb_plan *plan, const uint8_t *data, size_t size) {
    must(aj_mb_plan_ok(m, plan));
    int *seen = calloc((size_t)m->n_points, sizeof *seen);
    uint16_t *regs = malloc(AJ_MB_READ_REGISTERS_MAX * sizeof *regs);
    uint8_t *bits = malloc(AJ_MB_READ_BITS_MAX);
    aj_mb_reading *readings = malloc((size_t)m->n_points * sizeof *readings);
    if (!seen || !regs || !bits || !readings) goto done;
    for (int k = 0; k < AJ_MB_READ_REGISTERS_MAX; k++)
        regs[k] = size ? (uint16_t)(data[(2 * (size_t)k) % size] << 8 | data[(2 * (size_t)k + 1) % size]) : 0;
    for (int k = 0; k < AJ_MB_READ_BITS_MAX; k++) bits[k] = size ? data[(size_t)k % size] & 1 : 0;
    for (int r = 0; r < plan->n_requests; r++) {
        const aj_mb_request *q = &plan->requests[r];
        bool is_bits = aj_mb_table_is_bits(q->table);
        must(q->count >= 1 && q->count <= (is_bits ? AJ_MB_READ_BITS_MAX : AJ_MB_READ_REGISTERS_MAX));
        must(q->start >= 0 && q->start + q->count <= 65536);
        for (int k = q->first; k < q->first + q->n_points; k++) {
            int i = plan->points[k];
            const aj_mb_point *p = &m->points[i];
            seen[i]++;
            must(plan->slots[i].request == r && p->group == q->group && p->table == q->table);
            must(p->address >= q->start && p->address + aj_mb_point_width(p) <= q->start + q->count);
        }
        bool is_failed = r % 3 == 2;
        aj_mb_result result = {
            .outcome = {is_failed ? AJ_MB_READ_EXCEPTION : AJ_MB_READ_OK, is_failed ? r % 12 : 0},
            .registers = regs,
            .bits = bits};
        aj_mb_request_decode(m, plan, r, &result, readings);
        for (int k = q->first; k < q->first + q->n_points; k++) {
            int i = plan->points[k];
            const aj_mb_point *p = &m->points[i];
            int off = plan->slots[i].offset;
            aj_mb_reading want = aj_mb_decode(p, regs + (is_bits ? 0 : off), bits + (is_bits ? off : 0));
            if (is_failed)
                must(readings[i].quality == AJ_QUALITY_BAD && readings[i].text[0] != 0 &&
                     readings[i].value == 0);
            else
                must(readings[i].quality == want.quality && readings[i].value == want.value);
        }
    }
    for (int i = 0; i < m->n_points; i++) must(seen[i] == 1);
done:
    free(seen);
    free(regs);
    free(bits);
    free(readings);
}

static void check_map(const char *text, size_t len, const uint8_t *data, size_t size) {
    aj_mb_map *m = (aj_mb_map *)1;
    char err[800];
    memset(err, 'x', sizeof err);
    aj_err e = aj_mb_map_parse(text, len, &m, err, sizeof err);
    if (e == AJ_OK) {
        must(m != NULL && err[0] == 0 && aj_mb_map_ok(m));
        for (int i = 0; i < m->n_points; i++) must(aj_mb_point_find(m, m->points[i].tag) == i);
        aj_mb_plan *plan = NULL;
        if (aj_mb_plan_build(m, &plan) == AJ_OK) {
            check_plan(m, plan, data, size);
            aj_mb_plan_free(plan);
        }
        aj_mb_map_free(m);
        return;
    }
    must(m == NULL);
    must(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
    must(memchr(err, 0, sizeof err) != NULL && err[0] != 0);
    if (e == AJ_EJSON)
        must(strncmp(err, "malformed JSON", 14) == 0 || strncmp(err, "JSON nested", 11) == 0);
    else
        must(err[0] == '$');
    char again[800];
    must(aj_mb_map_parse(text, len, &m, again, sizeof again) == e && m == NULL && strcmp(err, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_raw(data, size);
    check_map((const char *)data, size, data, size);
    size_t n = sizeof HEAD - 1 + size + sizeof TAIL - 1;
    char *text = malloc(n);
    if (!text) return 0;
    memcpy(text, HEAD, sizeof HEAD - 1);
    memcpy(text + sizeof HEAD - 1, data, size);
    memcpy(text + sizeof HEAD - 1 + size, TAIL, sizeof TAIL - 1);
    check_map(text, n, data, size);
    free(text);
    return 0;
}
