/* test_modbus_regmap.c — the Modbus register map loader, value decoding and the quality
 * of failed reads (src/modbus/regmap.c, docs/modbus.md).
 *
 * The example map of the docs (tests/fuzz/corpus/modbus/valid_full.json) is read field by
 * field; invalid maps come as a table of one edit each to a small valid one (BASE) with
 * the exact error code and message. Decoding is checked against vectors computed by hand
 * (float32 123.456 = 0x42F6E979, int32 -2, float64 123.456 = 0x405EDD2F1A9FBE77) in
 * every order; then NaN and infinities, scale and offset, the verdict of every exception
 * code, limits, files, aj_mb_map_ok on broken maps and a replay of the fuzz corpus.
 */
#include "base/limits.h"
#include "modbus/regmap.h"

#include <jansson.h>
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

#include "support/helpers.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* path of a file relative to this source file's directory */
static void source_path(char *out, size_t size, const char *rel) {
    aj_test_source_path(out, size, __FILE__, rel);
}

static aj_mb_map *load_example(void) {
    char path[1024], err[800];
    source_path(path, sizeof path, "../fuzz/corpus/modbus/valid_full.json");
    aj_mb_map *m = NULL;
    aj_err e = aj_mb_map_load(path, &m, err, sizeof err);
    if (e) fail_msg("%s", err);
    assert_true(aj_mb_map_ok(m));
    return m;
}

static const char BASE[] =
    "{\"format\": \"anjian-modbus-map\", \"version\": 1,"
    " \"devices\": [{\"code\": \"plc\", \"host\": \"10.0.0.1\"}, {\"code\": \"plc2\", \"host\": "
    "\"10.0.0.2\"}],"
    " \"groups\": [{\"code\": \"g\", \"device\": \"plc\", \"interval_ms\": 1000},"
    "              {\"code\": \"g2\", \"device\": \"plc2\", \"interval_ms\": 1000}],"
    " \"points\": ["
    "  {\"tag\": \"T.a\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": 10,"
    "   \"type\": \"float32\", \"order\": \"CDAB\", \"scale\": 2, \"offset\": 1, \"unit\": \"bar\"},"
    "  {\"tag\": \"T.b\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": 20,"
    "   \"type\": \"uint16\"},"
    "  {\"tag\": \"T.c\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"coil\", \"address\": 5},"
    "  {\"tag\": \"T.d\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"input\", \"address\": 0,"
    "   \"type\": \"bool\", \"bit\": 7}]}";

/* BASE with one edit (tests/unit/support/helpers.h), as text the caller frees. */
static char *edited(const char *path, const char *value) {
    return aj_test_json_edited(BASE, path, value);
}

static aj_err parse_edit(const char *path, const char *value, aj_mb_map **m, char *err, size_t errlen) {
    char *text = edited(path, value);
    aj_err e = aj_mb_map_parse(text, strlen(text), m, err, errlen);
    free(text);
    if (e) assert_null(*m);
    return e;
}

/* ---- the example map ------------------------------------------------------------------ */

static void test_example(void **state) {
    aj_mb_map *m = load_example();
    assert_int_equal(m->n_devices, 3);
    assert_int_equal(m->n_groups, 4);
    assert_int_equal(m->n_points, 23);
    const aj_mb_device *d = &m->devices[1];
    assert_string_equal(d->code, "GD-PANEL");
    assert_string_equal(d->host, "gas-panel.js01.local");
    assert_int_equal(d->port, 502); /* default */
    assert_int_equal(d->unit_id, 255);
    assert_int_equal(d->timeout_ms, AJ_MB_TIMEOUT_MS_DEFAULT);
    assert_int_equal(d->retries, AJ_MB_RETRIES_DEFAULT);
    assert_int_equal(d->backoff_ms, AJ_MB_BACKOFF_MS_DEFAULT);
    assert_int_equal(d->max_gap, AJ_MB_MAX_GAP_DEFAULT);
    assert_int_equal(d->max_registers, 100);
    assert_int_equal(d->max_bits, 512);
    assert_int_equal(m->devices[2].port, 1502);
    assert_int_equal(m->devices[2].unit_id, 7);
    assert_int_equal(m->devices[2].max_gap, 0);
    assert_int_equal(m->devices[0].max_registers, AJ_MB_READ_REGISTERS_MAX);
    assert_int_equal(m->devices[0].max_bits, AJ_MB_READ_BITS_MAX);
    assert_string_equal(m->groups[2].code, "gas");
    assert_int_equal(m->groups[2].device, 1);
    assert_int_equal(m->groups[2].interval_ms, 500);

    const aj_mb_point *p = &m->points[aj_mb_point_find(m, "JS01.P-101.running")];
    assert_int_equal(p->table, AJ_MB_COIL);
    assert_int_equal(p->type, AJ_MB_BOOL); /* default on a bit table */
    assert_int_equal(p->bit, -1);
    assert_null(p->unit);
    p = &m->points[aj_mb_point_find(m, "JS01.P-101.seal_leak")];
    assert_int_equal(p->table, AJ_MB_HOLDING);
    assert_int_equal(p->bit, 3);
    p = &m->points[aj_mb_point_find(m, "JS01.P-101.seal_temp")];
    assert_int_equal(p->type, AJ_MB_INT16);
    assert_true(p->scale == 0.1 && p->offset == 0);
    assert_string_equal(p->unit, "℃");
    p = &m->points[aj_mb_point_find(m, "JS01.P-101.hours")];
    assert_int_equal(p->type, AJ_MB_UINT64);
    assert_int_equal(p->order, AJ_MB_ORDER_CDAB);
    assert_int_equal(p->group, 1);
    assert_int_equal(p->device, 0);
    p = &m->points[aj_mb_point_find(m, "JS01.MET-7.kwh_hgfe")];
    assert_int_equal(p->order, AJ_MB_ORDER_DCBA);
    assert_int_equal(p->address, 12);
    assert_int_equal(aj_mb_point_width(p), 4);
    p = &m->points[aj_mb_point_find(m, "JS01.MET-7.voltage")];
    assert_true(p->scale == 0.1 && p->offset == -0.5);
    assert_int_equal(aj_mb_point_find(m, "nope"), -1);
    /* every type and every order of each width is in the example */
    bool has_type[AJ_MB_TYPE_COUNT] = {0}, has_order[2][AJ_MB_ORDER_COUNT] = {{0}};
    for (int i = 0; i < m->n_points; i++) {
        has_type[m->points[i].type] = true;
        int w = aj_mb_type_words(m->points[i].type);
        if (w > 1) has_order[w == 4][m->points[i].order] = true;
    }
    for (int t = 0; t < AJ_MB_TYPE_COUNT; t++) assert_true(has_type[t]);
    for (int o = 0; o < AJ_MB_ORDER_COUNT; o++) assert_true(has_order[0][o] && has_order[1][o]);
    aj_mb_map_free(m);
}

static void test_names(void **state) {
    assert_string_equal(aj_mb_table_name(AJ_MB_DISCRETE_INPUT), "discrete_input");
    assert_string_equal(aj_mb_table_name(AJ_MB_TABLE_COUNT), "?");
    assert_string_equal(aj_mb_type_name(AJ_MB_FLOAT64), "float64");
    assert_string_equal(aj_mb_type_name((aj_mb_type)-1), "?");
    assert_string_equal(aj_mb_order_name(AJ_MB_ORDER_BADC, 2), "BADC");
    assert_string_equal(aj_mb_order_name(AJ_MB_ORDER_CDAB, 4), "GHEFCDAB");
    assert_string_equal(aj_mb_order_name(AJ_MB_ORDER_DCBA, 4), "HGFEDCBA");
    assert_string_equal(aj_mb_order_name(AJ_MB_ORDER_ABCD, 1), "");
    assert_string_equal(aj_mb_order_name(AJ_MB_ORDER_COUNT, 2), "?");
    static const int words[AJ_MB_TYPE_COUNT] = {1, 1, 1, 2, 2, 2, 4, 4, 4};
    for (int t = 0; t < AJ_MB_TYPE_COUNT; t++) assert_int_equal(aj_mb_type_words((aj_mb_type)t), words[t]);
    assert_true(aj_mb_table_is_bits(AJ_MB_COIL) && aj_mb_table_is_bits(AJ_MB_DISCRETE_INPUT));
    assert_false(aj_mb_table_is_bits(AJ_MB_HOLDING) || aj_mb_table_is_bits(AJ_MB_INPUT));
}

/* ---- invalid maps --------------------------------------------------------------------- */

static void test_base_and_valid_edits(void **state) {
    char err[800] = "stale";
    aj_mb_map *m = NULL;
    assert_int_equal(parse_edit(NULL, NULL, &m, err, sizeof err), AJ_OK);
    assert_string_equal(err, "");
    assert_int_equal(m->n_points, 4);
    assert_int_equal(m->points[0].order, AJ_MB_ORDER_CDAB);
    assert_true(m->points[0].scale == 2 && m->points[0].offset == 1);
    assert_int_equal(m->points[1].order, AJ_MB_ORDER_ABCD); /* the default */
    assert_int_equal(m->points[3].bit, 7);
    aj_mb_map_free(m);
    static const char *const ok[][2] = {
        /* the edges of every range */
        {"devices[0].port", "1"},
        {"devices[0].port", "65535"},
        {"devices[0].unit_id", "0"},
        {"devices[0].unit_id", "255"},
        {"devices[0].timeout_ms", "50"},
        {"devices[0].retries", "0"},
        {"devices[0].backoff_ms", "0"},
        {"devices[0].max_gap", "0"},
        {"devices[0].max_registers", "4"},
        {"devices[0].max_bits", "1"},
        {"devices[0].host", "\"fe80::1\""},
        {"groups[0].interval_ms", "100"},
        {"groups[0].interval_ms", "86400000"},
        {"points[1].address", "65535"},
        {"points[0].address", "65534"},
        {"points[3].bit", "0"},
        {"points[3].bit", "15"},
        {"points[0].scale", "-0.001"},
        {"points[0].order", "\"ABCD\""},
        {"points[2].type", "\"bool\""},
        {"points[0].tag", "\"EX01/P-101:a_b.c\""},
        /* overlaps that read the same registers the same way */
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": "
         "10, \"type\": \"float32\", \"order\": \"CDAB\", \"unit\": \"psi\", \"scale\": 29}"},
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": "
         "20, \"type\": \"bool\", \"bit\": 1}"},
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": "
         "20, \"type\": \"int16\"}"},
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"coil\", \"address\": 5}"},
        /* the same address in another table or on another device is not an overlap */
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"input\", \"address\": 11, "
         "\"type\": \"int32\"}"},
        {"points[4]", "{\"tag\": \"T.e\", \"device\": \"plc2\", \"group\": \"g2\", \"table\": \"holding\", "
                      "\"address\": 11, \"type\": \"int32\"}"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        aj_err e = parse_edit(ok[i][0], ok[i][1], &m, err, sizeof err);
        if (e) fail_msg("%s = %s: %s", ok[i][0], ok[i][1], err);
        assert_true(aj_mb_map_ok(m));
        aj_mb_map_free(m);
    }
}

static void test_invalid(void **state) {
    static const struct {
        const char *path, *value;
        aj_err code;
        const char *message;
    } rows[] = {
        {"format", "\"anjian-modbus\"", AJ_EINVAL,
         "$.format: must be \"anjian-modbus-map\", not \"anjian-modbus\""},
        {"version", "2", AJ_EINVAL, "$.version: unsupported version 2 (this build reads 1)"},
        {"comment", "\"x\"", AJ_EINVAL, "$: unknown key \"comment\""},
        {"points", NULL, AJ_EINVAL, "$: missing key \"points\""},
        {"devices", "[]", AJ_EINVAL, "$.devices: must not be empty"},
        {"points", "{}", AJ_EINVAL, "$.points: must be an array, not an object"},
        /* devices */
        {"devices[0].name", "\"PLC\"", AJ_EINVAL, "$.devices[0]: unknown key \"name\""},
        {"devices[0].code", "\"p l c\"", AJ_EINVAL,
         "$.devices[0].code: \"p l c\" is not a code (1 to 64 of A-Z a-z 0-9 _ . : -)"},
        {"devices[1].code", "\"plc\"", AJ_EINVAL,
         "$.devices[1].code: duplicate device code \"plc\" (also $.devices[0])"},
        {"devices[0].host", "\"10.0.0.1 \"", AJ_EINVAL,
         "$.devices[0].host: \"10.0.0.1 \" is not a host name or address (1 to 253 of A-Z a-z 0-9 . - : _)"},
        {"devices[0].host", "\"\"", AJ_EINVAL,
         "$.devices[0].host: \"\" is not a host name or address (1 to 253 of A-Z a-z 0-9 . - : _)"},
        {"devices[0].port", "0", AJ_EINVAL, "$.devices[0].port: must be from 1 to 65535, not 0"},
        {"devices[0].port", "\"502\"", AJ_EINVAL, "$.devices[0].port: must be an integer, not a string"},
        {"devices[0].unit_id", "256", AJ_EINVAL, "$.devices[0].unit_id: must be from 0 to 255, not 256"},
        {"devices[0].unit_id", "-1", AJ_EINVAL, "$.devices[0].unit_id: must be from 0 to 255, not -1"},
        {"devices[0].timeout_ms", "49", AJ_EINVAL,
         "$.devices[0].timeout_ms: must be from 50 to 60000, not 49"},
        {"devices[0].retries", "11", AJ_EINVAL, "$.devices[0].retries: must be from 0 to 10, not 11"},
        {"devices[0].backoff_ms", "600001", AJ_EINVAL,
         "$.devices[0].backoff_ms: must be from 0 to 600000, not 600001"},
        {"devices[0].max_gap", "-1", AJ_EINVAL, "$.devices[0].max_gap: must be from 0 to 2000, not -1"},
        {"devices[0].max_registers", "126", AJ_EINVAL,
         "$.devices[0].max_registers: must be from 4 to 125, not 126"},
        {"devices[0].max_registers", "3", AJ_EINVAL,
         "$.devices[0].max_registers: must be from 4 to 125, not 3"},
        {"devices[0].max_bits", "2001", AJ_EINVAL, "$.devices[0].max_bits: must be from 1 to 2000, not 2001"},
        /* groups */
        {"groups[0].device", "\"plc9\"", AJ_EINVAL, "$.groups[0].device: unknown device \"plc9\""},
        {"groups[1].code", "\"g\"", AJ_EINVAL,
         "$.groups[1].code: duplicate group code \"g\" (also $.groups[0])"},
        {"groups[0].interval_ms", "99", AJ_EINVAL,
         "$.groups[0].interval_ms: must be from 100 to 86400000, not 99"},
        {"groups[0].interval_ms", NULL, AJ_EINVAL, "$.groups[0]: missing key \"interval_ms\""},
        /* points: references */
        {"points[0].device", "\"plc9\"", AJ_EINVAL, "$.points[0].device: unknown device \"plc9\""},
        {"points[0].group", "\"g9\"", AJ_EINVAL, "$.points[0].group: unknown group \"g9\""},
        {"points[0].group", "\"g2\"", AJ_EINVAL,
         "$.points[0].group: group \"g2\" polls device \"plc2\", not \"plc\""},
        {"points[0].tag", "\"T a\"", AJ_EINVAL,
         "$.points[0].tag: \"T a\" is not a tag key (1 to 64 of A-Z a-z 0-9 _ . : - /)"},
        {"points[0].tag", NULL, AJ_EINVAL, "$.points[0]: missing key \"tag\""},
        {"points[1].tag", "\"T.a\"", AJ_EINVAL, "$.points[1].tag: duplicate tag \"T.a\" (also $.points[0])"},
        {"points[0].colour", "1", AJ_EINVAL, "$.points[0]: unknown key \"colour\""},
        /* table, type, address */
        {"points[0].table", "\"holding_register\"", AJ_EINVAL,
         "$.points[0].table: unknown table \"holding_register\" (coil, discrete_input, holding or input)"},
        {"points[0].type", "\"float\"", AJ_EINVAL,
         "$.points[0].type: unknown type \"float\" (bool, int16, uint16, int32, uint32, float32, int64, "
         "uint64 or "
         "float64)"},
        {"points[1].type", NULL, AJ_EINVAL,
         "$.points[1]: missing key \"type\" (required for a holding register)"},
        {"points[2].type", "\"int32\"", AJ_EINVAL,
         "$.points[2].type: a coil holds one bit, so the type must be bool, not int32"},
        {"points[2].table", "\"discrete_input\"", AJ_OK, NULL},
        {"points[0].address", "65535", AJ_EINVAL,
         "$.points[0].address: a float32 at 65535 needs registers "
         "65535-65536, past 65535"},
        {"points[0].address", "65536", AJ_EINVAL,
         "$.points[0].address: must be from 0 to 65535 (0-based, as on the wire), not 65536"},
        {"points[0].address", "-1", AJ_EINVAL,
         "$.points[0].address: must be from 0 to 65535 (0-based, as on the wire), not -1"},
        {"points[0].address", "10.0", AJ_EINVAL,
         "$.points[0].address: must be an integer, not a real number"},
        {"points[0].address", "\"40011\"", AJ_EINVAL,
         "$.points[0].address: \"40011\" looks like a 1-based reference (4xxxx); write the 0-based address "
         "as an "
         "integer: \"table\": \"holding\", \"address\": 10"},
        {"points[0].address", "\"300001\"", AJ_EINVAL,
         "$.points[0].address: \"300001\" looks like a 1-based reference (3xxxx); write the 0-based address "
         "as an "
         "integer: \"table\": \"input\", \"address\": 0"},
        {"points[0].address", "\"0x10\"", AJ_EINVAL,
         "$.points[0].address: must be an integer (the 0-based address as on the wire, 0-65535), not the "
         "string "
         "\"0x10\""},
        {"points[0].address", "\"20001\"", AJ_EINVAL,
         "$.points[0].address: must be an integer (the 0-based address as on the wire, 0-65535), not the "
         "string "
         "\"20001\""},
        /* order and bit */
        {"points[0].order", "\"ABCDEFGH\"", AJ_EINVAL,
         "$.points[0].order: \"ABCDEFGH\" is an order of 64-bit values; a float32 is written ABCD"},
        {"points[0].order", "\"abcd\"", AJ_EINVAL,
         "$.points[0].order: unknown order \"abcd\" for a float32 (ABCD, CDAB, BADC or DCBA)"},
        {"points[0].type", "\"float64\"", AJ_EINVAL,
         "$.points[0].order: \"CDAB\" is an order of 32-bit values; a float64 is written GHEFCDAB"},
        {"points[1].order", "\"ABCD\"", AJ_EINVAL,
         "$.points[1].order: only 32- and 64-bit types have an order, not uint16"},
        {"points[3].bit", NULL, AJ_EINVAL,
         "$.points[3]: missing key \"bit\" (which bit 0-15 of the register is the bool)"},
        {"points[3].bit", "16", AJ_EINVAL, "$.points[3].bit: must be from 0 to 15, not 16"},
        {"points[1].bit", "1", AJ_EINVAL,
         "$.points[1].bit: only a bool in a holding or input register has a bit"},
        {"points[2].bit", "1", AJ_EINVAL,
         "$.points[2].bit: only a bool in a holding or input register has a bit"},
        /* scale, offset, unit */
        {"points[0].scale", "0", AJ_EINVAL, "$.points[0].scale: must be a finite number other than 0, not 0"},
        {"points[0].scale", "\"2\"", AJ_EINVAL, "$.points[0].scale: must be a number, not a string"},
        {"points[3].scale", "1", AJ_EINVAL, "$.points[3].scale: a bool has no scale"},
        {"points[2].offset", "0", AJ_EINVAL, "$.points[2].offset: a bool has no offset"},
        {"points[0].unit", "\"\"", AJ_EINVAL, "$.points[0].unit: must not be empty"},
        {"points[0].unit", "\"123456789012345678901234567890123\"", AJ_ETOOBIG,
         "$.points[0].unit: longer than 32 bytes (33)"},
        /* overlaps */
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": 11, "
         "\"type\": \"uint16\"}",
         AJ_EINVAL,
         "$.points[4]: holding 11 uint16 overlaps $.points[0] (\"T.a\": holding 10-11 float32 CDAB) on "
         "device \"plc\"; "
         "points may share an address only when they start there and read it alike (same type and order, or "
         "16-bit "
         "views: bool bits, int16, uint16)"},
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": 10, "
         "\"type\": \"float32\"}",
         AJ_EINVAL,
         "$.points[4]: holding 10-11 float32 ABCD overlaps $.points[0] (\"T.a\": holding 10-11 float32 CDAB) "
         "on device "
         "\"plc\"; points may share an address only when they start there and read it alike (same type and "
         "order, or "
         "16-bit views: bool bits, int16, uint16)"},
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": 9, "
         "\"type\": \"float64\"}",
         AJ_EINVAL,
         "$.points[0]: holding 10-11 float32 CDAB overlaps $.points[4] (\"T.e\": holding 9-12 float64 "
         "ABCDEFGH) on "
         "device \"plc\"; points may share an address only when they start there and read it alike (same "
         "type and "
         "order, or 16-bit views: bool bits, int16, uint16)"},
        {"points[4]",
         "{\"tag\": \"T.e\", \"device\": \"plc\", \"group\": \"g\", \"table\": \"holding\", \"address\": 10, "
         "\"type\": \"uint16\"}",
         AJ_EINVAL,
         "$.points[4]: holding 10 uint16 overlaps $.points[0] (\"T.a\": holding 10-11 float32 CDAB) on "
         "device \"plc\"; "
         "points may share an address only when they start there and read it alike (same type and order, or "
         "16-bit "
         "views: bool bits, int16, uint16)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[800] = "stale";
        aj_mb_map *m = (aj_mb_map *)&err; /* must be set to NULL on failure */
        aj_err e = parse_edit(rows[i].path, rows[i].value, &m, err, sizeof err);
        if (e != rows[i].code)
            fail_msg("%s = %s: expected %s, got %s: %s", rows[i].path,
                     rows[i].value ? rows[i].value : "(deleted)", aj_err_name(rows[i].code), aj_err_name(e),
                     err);
        if (e == AJ_OK) {
            assert_true(aj_mb_map_ok(m));
            aj_mb_map_free(m);
            continue;
        }
        if (strcmp(err, rows[i].message) != 0)
            fail_msg("%s = %s:\n expected %s\n      got %s", rows[i].path,
                     rows[i].value ? rows[i].value : "(deleted)", rows[i].message, err);
    }
}

/* Raw texts: not JSON, not an object, nested too deep, NUL bytes. */
static void test_raw_texts(void **state) {
    char err[800];
    aj_mb_map *m;
    assert_int_equal(aj_mb_map_parse("", 0, &m, err, sizeof err), AJ_EJSON);
    assert_null(m);
    assert_int_equal(aj_mb_map_parse("{\"format\":", 10, &m, err, sizeof err), AJ_EJSON);
    assert_int_equal(aj_mb_map_parse("[]", 2, &m, err, sizeof err), AJ_EINVAL);
    assert_string_equal(err, "$: must be an object, not an array");
    char deep[200];
    memset(deep, '[', sizeof deep);
    assert_int_equal(aj_mb_map_parse(deep, sizeof deep, &m, err, sizeof err), AJ_EJSON);
    /* a NUL inside a string (JSON \u0000) is malformed JSON here */
    static const char WITH_NUL[] =
        "{\"format\": \"anjian-modbus-map\", \"version\": 1, \"devices\": [{\"code\": "
        "\"d\\u0000x\", \"host\": \"h\"}]}";
    assert_int_equal(aj_mb_map_parse(WITH_NUL, strlen(WITH_NUL), &m, err, sizeof err), AJ_EJSON);
    assert_null(m);
    /* an error buffer too small, or none, still gives the code */
    char tiny[8];
    char *text = edited("points[0].scale", "0");
    assert_int_equal(aj_mb_map_parse(text, strlen(text), &m, tiny, sizeof tiny), AJ_EINVAL);
    assert_string_equal(tiny, "$.point");
    assert_int_equal(aj_mb_map_parse(text, strlen(text), &m, NULL, 0), AJ_EINVAL);
    free(text);
}

/* Counts and lengths at and past their limits. */
static void test_limits(void **state) {
    char err[800];
    aj_mb_map *m;
    /* a 64-byte tag is fine, 65 is not */
    char tag[80] = "\"";
    memset(tag + 1, 'x', 64);
    strcpy(tag + 65, "\"");
    assert_int_equal(parse_edit("points[0].tag", tag, &m, err, sizeof err), AJ_OK);
    aj_mb_map_free(m);
    memmove(tag + 2, tag + 1, 66);
    assert_int_equal(parse_edit("points[0].tag", tag, &m, err, sizeof err), AJ_EINVAL);
    /* AJ_MB_POINTS_MAX coils are accepted, one more is too many */
    size_t size = 200 + (size_t)(AJ_MB_POINTS_MAX + 1) * 90;
    char *text = malloc(size);
    assert_non_null(text);
    int o = snprintf(
        text, size,
        "{\"format\": \"anjian-modbus-map\", \"version\": 1, \"devices\": [{\"code\": \"d\", \"host\": "
        "\"h\"}], \"groups\": [{\"code\": \"g\", \"device\": \"d\", \"interval_ms\": 1000}], "
        "\"points\": [");
    for (int i = 0; i <= AJ_MB_POINTS_MAX; i++)
        o += snprintf(
            text + o, size - (size_t)o,
            "%s{\"tag\": \"t%d\", \"device\": \"d\", \"group\": \"g\", \"table\": \"coil\", \"address\": %d}",
            i ? "," : "", i, i % 65536);
    int at_max = o;
    snprintf(text + o, size - (size_t)o, "]}");
    assert_int_equal(aj_mb_map_parse(text, strlen(text), &m, err, sizeof err), AJ_ETOOBIG);
    assert_string_equal(err, "$.points: too many points (20001; at most 20000)");
    /* cut the last point off */
    char *last = text + at_max;
    while (*last != '{') last--;
    strcpy(last - 1, "]}");
    assert_int_equal(aj_mb_map_parse(text, strlen(text), &m, err, sizeof err), AJ_OK);
    assert_int_equal(m->n_points, AJ_MB_POINTS_MAX);
    aj_mb_map_free(m);
    free(text);
}

static void test_load_files(void **state) {
    char err[800];
    aj_mb_map *m = (aj_mb_map *)err;
    assert_int_equal(aj_mb_map_load("/nonexistent/map.json", &m, err, sizeof err), AJ_EIO);
    assert_null(m);
    assert_non_null(strstr(err, "/nonexistent/map.json"));
    char path[1024];
    source_path(path, sizeof path, "../fuzz/corpus/modbus/bad_int32_on_coil.json");
    assert_int_equal(aj_mb_map_load(path, &m, err, sizeof err), AJ_EINVAL);
    assert_null(m);
    char expected[1200];
    snprintf(expected, sizeof expected,
             "%s: $.points[0].type: a coil holds one bit, so the type must be bool, not int32", path);
    assert_string_equal(err, expected);
    aj_mb_map_free(NULL);
}

/* aj_mb_map_ok finds broken maps (the loader never makes them; a bug might). */
static void test_map_ok(void **state) {
    aj_mb_map *m = load_example();
    aj_mb_point *p = (aj_mb_point *)&m->points[2];
    aj_mb_point saved = *p;
    p->group = 2; /* a group of another device */
    assert_false(aj_mb_map_ok(m));
    *p = saved;
    p->bit = 3; /* a bit on a uint16 */
    assert_false(aj_mb_map_ok(m));
    *p = saved;
    p->address = 101; /* onto the int16 at 101 is fine (16-bit views) ... */
    assert_true(aj_mb_map_ok(m));
    p->type = AJ_MB_INT32; /* ... an int32 at 101-102 is not */
    assert_false(aj_mb_map_ok(m));
    *p = saved;
    p->tag = m->points[0].tag; /* duplicate */
    assert_false(aj_mb_map_ok(m));
    *p = saved;
    p->scale = 0;
    assert_false(aj_mb_map_ok(m));
    *p = saved;
    p->address = 65535;
    p->type = AJ_MB_FLOAT32;
    assert_false(aj_mb_map_ok(m));
    *p = saved;
    aj_mb_device *d = (aj_mb_device *)&m->devices[0];
    d->max_registers = 126;
    assert_false(aj_mb_map_ok(m));
    d->max_registers = 125;
    assert_true(aj_mb_map_ok(m));
    assert_false(aj_mb_map_ok(NULL));
    aj_mb_map_free(m);
}

/* ---- decoding ------------------------------------------------------------------------- */

static aj_mb_point reg_point(aj_mb_type type, aj_mb_order order) {
    return (aj_mb_point){
        .tag = "x", .table = AJ_MB_HOLDING, .type = type, .order = order, .bit = -1, .scale = 1};
}

static void check_value(aj_mb_type type, aj_mb_order order, const uint16_t *words, double expected) {
    aj_mb_point p = reg_point(type, order);
    aj_mb_reading r = aj_mb_decode(&p, words, NULL);
    if (r.quality != AJ_QUALITY_GOOD || r.value != expected)
        fail_msg("%s %s: expected %.17g, got %.17g (quality %d, %s)", aj_mb_type_name(type),
                 aj_mb_order_name(order, aj_mb_type_words(type)), expected, r.value, r.quality, r.text);
    assert_int_equal(r.quality_reasons, 0);
    assert_string_equal(r.text, "");
}

static void test_decode_float32(void **state) {
    /* 123.456 as float32 is 0x42F6E979 (bytes A=42 B=F6 C=E9 D=79) */
    static const uint16_t words[AJ_MB_ORDER_COUNT][2] = {
        [AJ_MB_ORDER_ABCD] = {0x42F6, 0xE979},
        [AJ_MB_ORDER_CDAB] = {0xE979, 0x42F6},
        [AJ_MB_ORDER_BADC] = {0xF642, 0x79E9},
        [AJ_MB_ORDER_DCBA] = {0x79E9, 0xF642},
    };
    for (int o = 0; o < AJ_MB_ORDER_COUNT; o++) {
        check_value(AJ_MB_FLOAT32, (aj_mb_order)o, words[o], (double)123.456f);
        assert_true(aj_mb_assemble(words[o], 2, (aj_mb_order)o) == 0x42F6E979u);
    }
    assert_true((double)123.456f == 123.45600128173828);
    /* -1.5 = 0xBFC00000, 0 and -0 */
    check_value(AJ_MB_FLOAT32, AJ_MB_ORDER_ABCD, (const uint16_t[]){0xBFC0, 0x0000}, -1.5);
    check_value(AJ_MB_FLOAT32, AJ_MB_ORDER_CDAB, (const uint16_t[]){0x0000, 0xBFC0}, -1.5);
    check_value(AJ_MB_FLOAT32, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x8000, 0x0000}, 0);
    /* the smallest subnormal float32 */
    check_value(AJ_MB_FLOAT32, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x0000, 0x0001}, ldexp(1, -149));
}

static void test_decode_integers(void **state) {
    /* int32 -2 = 0xFFFFFFFE in every order */
    static const uint16_t minus_two[AJ_MB_ORDER_COUNT][2] = {
        [AJ_MB_ORDER_ABCD] = {0xFFFF, 0xFFFE},
        [AJ_MB_ORDER_CDAB] = {0xFFFE, 0xFFFF},
        [AJ_MB_ORDER_BADC] = {0xFFFF, 0xFEFF},
        [AJ_MB_ORDER_DCBA] = {0xFEFF, 0xFFFF},
    };
    for (int o = 0; o < AJ_MB_ORDER_COUNT; o++) {
        check_value(AJ_MB_INT32, (aj_mb_order)o, minus_two[o], -2);
        check_value(AJ_MB_UINT32, (aj_mb_order)o, minus_two[o], 4294967294.0);
    }
    /* 0x12345678 = 305419896: an asymmetric value tells the orders apart */
    check_value(AJ_MB_INT32, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x1234, 0x5678}, 305419896);
    check_value(AJ_MB_INT32, AJ_MB_ORDER_CDAB, (const uint16_t[]){0x5678, 0x1234}, 305419896);
    check_value(AJ_MB_INT32, AJ_MB_ORDER_BADC, (const uint16_t[]){0x3412, 0x7856}, 305419896);
    check_value(AJ_MB_INT32, AJ_MB_ORDER_DCBA, (const uint16_t[]){0x7856, 0x3412}, 305419896);
    check_value(AJ_MB_INT32, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x8000, 0x0000}, -2147483648.0);
    check_value(AJ_MB_INT32, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x7FFF, 0xFFFF}, 2147483647.0);
    check_value(AJ_MB_UINT32, AJ_MB_ORDER_ABCD, (const uint16_t[]){0xDEAD, 0xBEEF}, 3735928559.0);
    /* 16-bit */
    check_value(AJ_MB_INT16, AJ_MB_ORDER_ABCD, (const uint16_t[]){0xFFFF}, -1);
    check_value(AJ_MB_INT16, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x8000}, -32768);
    check_value(AJ_MB_INT16, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x7FFF}, 32767);
    check_value(AJ_MB_UINT16, AJ_MB_ORDER_ABCD, (const uint16_t[]){0xFFFF}, 65535);
    check_value(AJ_MB_UINT16, AJ_MB_ORDER_ABCD, (const uint16_t[]){0}, 0);
    /* 64-bit: -2, the extremes, and 0x0123456789ABCDEF in every order */
    check_value(AJ_MB_INT64, AJ_MB_ORDER_ABCD, (const uint16_t[]){0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE}, -2);
    check_value(AJ_MB_INT64, AJ_MB_ORDER_CDAB, (const uint16_t[]){0xFFFE, 0xFFFF, 0xFFFF, 0xFFFF}, -2);
    check_value(AJ_MB_INT64, AJ_MB_ORDER_BADC, (const uint16_t[]){0xFFFF, 0xFFFF, 0xFFFF, 0xFEFF}, -2);
    check_value(AJ_MB_INT64, AJ_MB_ORDER_DCBA, (const uint16_t[]){0xFEFF, 0xFFFF, 0xFFFF, 0xFFFF}, -2);
    check_value(AJ_MB_INT64, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x8000, 0, 0, 0}, -9223372036854775808.0);
    check_value(AJ_MB_INT64, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF},
                9223372036854775807.0);
    check_value(AJ_MB_UINT64, AJ_MB_ORDER_ABCD, (const uint16_t[]){0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF},
                18446744073709551615.0);
    /* 2^53 + 1 is not a double: the nearest (2^53) comes out */
    check_value(AJ_MB_UINT64, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x0020, 0, 0, 1}, 9007199254740992.0);
    check_value(AJ_MB_INT64, AJ_MB_ORDER_ABCD, (const uint16_t[]){0x001F, 0xFFFF, 0xFFFF, 0xFFFF},
                9007199254740991.0);
    static const uint16_t seq[AJ_MB_ORDER_COUNT][4] = {
        [AJ_MB_ORDER_ABCD] = {0x0123, 0x4567, 0x89AB, 0xCDEF},
        [AJ_MB_ORDER_CDAB] = {0xCDEF, 0x89AB, 0x4567, 0x0123},
        [AJ_MB_ORDER_BADC] = {0x2301, 0x6745, 0xAB89, 0xEFCD},
        [AJ_MB_ORDER_DCBA] = {0xEFCD, 0xAB89, 0x6745, 0x2301},
    };
    for (int o = 0; o < AJ_MB_ORDER_COUNT; o++) {
        assert_true(aj_mb_assemble(seq[o], 4, (aj_mb_order)o) == 0x0123456789ABCDEFull);
        uint16_t back[4];
        aj_mb_disassemble(0x0123456789ABCDEFull, 4, (aj_mb_order)o, back);
        assert_memory_equal(back, seq[o], sizeof back);
    }
}

static void test_decode_float64(void **state) {
    /* 123.456 as float64 is 0x405EDD2F1A9FBE77 */
    static const uint16_t words[AJ_MB_ORDER_COUNT][4] = {
        [AJ_MB_ORDER_ABCD] = {0x405E, 0xDD2F, 0x1A9F, 0xBE77},
        [AJ_MB_ORDER_CDAB] = {0xBE77, 0x1A9F, 0xDD2F, 0x405E},
        [AJ_MB_ORDER_BADC] = {0x5E40, 0x2FDD, 0x9F1A, 0x77BE},
        [AJ_MB_ORDER_DCBA] = {0x77BE, 0x9F1A, 0x2FDD, 0x5E40},
    };
    for (int o = 0; o < AJ_MB_ORDER_COUNT; o++) check_value(AJ_MB_FLOAT64, (aj_mb_order)o, words[o], 123.456);
    /* -0.1 = 0xBFB999999999999A */
    check_value(AJ_MB_FLOAT64, AJ_MB_ORDER_ABCD, (const uint16_t[]){0xBFB9, 0x9999, 0x9999, 0x999A}, -0.1);
    check_value(AJ_MB_FLOAT64, AJ_MB_ORDER_DCBA, (const uint16_t[]){0x9A99, 0x9999, 0x9999, 0xB9BF}, -0.1);
}

static void test_decode_bools(void **state) {
    aj_mb_point p = reg_point(AJ_MB_BOOL, AJ_MB_ORDER_ABCD);
    for (int bit = 0; bit < 16; bit++) {
        p.bit = bit;
        uint16_t only = (uint16_t)(1u << bit), all_but = (uint16_t)~only;
        assert_true(aj_mb_decode(&p, &only, NULL).value == 1);
        assert_true(aj_mb_decode(&p, &all_but, NULL).value == 0);
    }
    p.bit = 15;
    uint16_t w = 0x8000;
    aj_mb_reading r = aj_mb_decode(&p, &w, NULL);
    assert_int_equal(r.quality, AJ_QUALITY_GOOD);
    assert_true(r.value == 1);
    /* coils: libmodbus gives one byte a bit; anything but 0 is true */
    aj_mb_point coil = {.tag = "c", .table = AJ_MB_COIL, .type = AJ_MB_BOOL, .bit = -1, .scale = 1};
    static const uint8_t bits[] = {0, 1, 0xFF};
    assert_true(aj_mb_decode(&coil, NULL, &bits[0]).value == 0);
    assert_true(aj_mb_decode(&coil, NULL, &bits[1]).value == 1);
    assert_true(aj_mb_decode(&coil, NULL, &bits[2]).value == 1);
    coil.table = AJ_MB_DISCRETE_INPUT;
    assert_int_equal(aj_mb_decode(&coil, NULL, &bits[1]).quality, AJ_QUALITY_GOOD);
}

static void test_decode_bad_floats(void **state) {
    static const struct {
        aj_mb_type type;
        uint16_t words[4];
        const char *text;
    } rows[] = {
        {AJ_MB_FLOAT32, {0x7FC0, 0x0000}, "the device sent NaN"},
        {AJ_MB_FLOAT32, {0xFFFF, 0xFFFF}, "the device sent NaN"},
        {AJ_MB_FLOAT32, {0x7F80, 0x0001}, "the device sent NaN"}, /* signalling NaN */
        {AJ_MB_FLOAT32, {0x7F80, 0x0000}, "the device sent an infinity"},
        {AJ_MB_FLOAT32, {0xFF80, 0x0000}, "the device sent an infinity"},
        {AJ_MB_FLOAT64, {0x7FF8, 0, 0, 0}, "the device sent NaN"},
        {AJ_MB_FLOAT64, {0x7FF0, 0, 0, 1}, "the device sent NaN"},
        {AJ_MB_FLOAT64, {0xFFF0, 0, 0, 0}, "the device sent an infinity"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_mb_point p = reg_point(rows[i].type, AJ_MB_ORDER_ABCD);
        aj_mb_reading r = aj_mb_decode(&p, rows[i].words, NULL);
        assert_int_equal(r.quality, AJ_QUALITY_BAD);
        assert_int_equal(r.quality_reasons, AJ_QR_SOURCE_BAD);
        assert_true(r.value == 0);
        assert_string_equal(r.text, rows[i].text);
        /* the same in the little-endian order */
        int n = aj_mb_type_words(rows[i].type);
        uint16_t swapped[4];
        aj_mb_disassemble(aj_mb_assemble(rows[i].words, n, AJ_MB_ORDER_ABCD), n, AJ_MB_ORDER_DCBA, swapped);
        p.order = AJ_MB_ORDER_DCBA;
        assert_int_equal(aj_mb_decode(&p, swapped, NULL).quality, AJ_QUALITY_BAD);
    }
    /* the largest float32 is a number; scaled past the doubles it is not */
    aj_mb_point p = reg_point(AJ_MB_FLOAT64, AJ_MB_ORDER_ABCD);
    const uint16_t max64[4] = {0x7FEF, 0xFFFF, 0xFFFF, 0xFFFF};
    assert_int_equal(aj_mb_decode(&p, max64, NULL).quality, AJ_QUALITY_GOOD);
    p.scale = 2;
    aj_mb_reading r = aj_mb_decode(&p, max64, NULL);
    assert_int_equal(r.quality, AJ_QUALITY_BAD);
    assert_int_equal(r.quality_reasons, AJ_QR_OUT_OF_RANGE);
    assert_string_equal(r.text, "the value overflows once scaled");
}

static void test_scale_offset(void **state) {
    aj_mb_point p = reg_point(AJ_MB_INT16, AJ_MB_ORDER_ABCD);
    p.scale = 0.1;
    p.offset = -40;
    uint16_t w = 0xFF9C; /* -100 */
    aj_mb_reading r = aj_mb_decode(&p, &w, NULL);
    assert_true(r.value == -100 * 0.1 - 40);
    w = 1000;
    assert_true(aj_mb_decode(&p, &w, NULL).value == 1000 * 0.1 - 40);
    /* a 4-20 mA transmitter read as 0-27648 counts into 0-100 %LEL */
    p = reg_point(AJ_MB_UINT16, AJ_MB_ORDER_ABCD);
    p.scale = 100.0 / 27648;
    w = 27648;
    assert_true(fabs(aj_mb_decode(&p, &w, NULL).value - 100) < 1e-12);
    /* the example map's voltage: raw x 0.1 - 0.5 */
    aj_mb_map *m = load_example();
    const aj_mb_point *v = &m->points[aj_mb_point_find(m, "JS01.MET-7.voltage")];
    w = 2305;
    assert_true(aj_mb_decode(v, &w, NULL).value == 2305 * 0.1 - 0.5);
    aj_mb_map_free(m);
}

/* assemble and disassemble undo each other for every width and order */
static void test_roundtrip(void **state) {
    uint64_t x = 0x8877665544332211ull;
    for (int n = 1; n <= 4; n *= 2)
        for (int o = 0; o < AJ_MB_ORDER_COUNT; o++) {
            uint16_t w[4];
            uint64_t mask = n == 4 ? ~0ull : (1ull << (16 * n)) - 1;
            aj_mb_disassemble(x, n, (aj_mb_order)o, w);
            assert_true(aj_mb_assemble(w, n, (aj_mb_order)o) == (x & mask));
            for (int i = 0; i < n; i++) assert_true(w[i] != 0);
        }
}

/* ---- errors to quality ---------------------------------------------------------------- */

static void test_verdicts(void **state) {
    static const struct {
        aj_mb_failure failure;
        int exception;
        uint32_t reasons;
        bool is_retryable, is_config_error;
        const char *text;
    } rows[] = {
        {AJ_MB_READ_EXCEPTION, 1, AJ_QR_SOURCE_BAD, false, true,
         "exception 1: illegal function (the device has no such table)"},
        {AJ_MB_READ_EXCEPTION, 2, AJ_QR_SOURCE_BAD, false, true,
         "exception 2: illegal data address (no such register on the device)"},
        {AJ_MB_READ_EXCEPTION, 3, AJ_QR_SOURCE_BAD, false, true,
         "exception 3: illegal data value (the device refuses this read)"},
        {AJ_MB_READ_EXCEPTION, 4, AJ_QR_SOURCE_BAD, false, false, "exception 4: server device failure"},
        {AJ_MB_READ_EXCEPTION, 5, AJ_QR_SOURCE_BAD, true, false,
         "exception 5: acknowledge (the device is busy with a long command)"},
        {AJ_MB_READ_EXCEPTION, 6, AJ_QR_SOURCE_BAD, true, false, "exception 6: server device busy"},
        {AJ_MB_READ_EXCEPTION, 7, AJ_QR_SOURCE_BAD, false, false, "exception 7: negative acknowledge"},
        {AJ_MB_READ_EXCEPTION, 8, AJ_QR_SOURCE_BAD, true, false, "exception 8: memory parity error"},
        {AJ_MB_READ_EXCEPTION, 9, AJ_QR_SOURCE_BAD, false, false,
         "an exception code the protocol does not define"},
        {AJ_MB_READ_EXCEPTION, 10, AJ_QR_COMM_LOSS, true, false, "exception 10: gateway path unavailable"},
        {AJ_MB_READ_EXCEPTION, 11, AJ_QR_COMM_LOSS, true, false,
         "exception 11: gateway target device failed to respond"},
        {AJ_MB_READ_EXCEPTION, 0, AJ_QR_SOURCE_BAD, false, false,
         "an exception code the protocol does not define"},
        {AJ_MB_READ_EXCEPTION, 12, AJ_QR_SOURCE_BAD, false, false,
         "an exception code the protocol does not define"},
        {AJ_MB_READ_EXCEPTION, 255, AJ_QR_SOURCE_BAD, false, false,
         "an exception code the protocol does not define"},
        {AJ_MB_READ_EXCEPTION, -1, AJ_QR_SOURCE_BAD, false, false,
         "an exception code the protocol does not define"},
        {AJ_MB_READ_TIMEOUT, 0, AJ_QR_COMM_LOSS, true, false, "no answer within the timeout"},
        {AJ_MB_READ_CONNECTION, 0, AJ_QR_COMM_LOSS, true, false, "no connection to the device"},
        {AJ_MB_READ_PROTOCOL, 0, AJ_QR_SOURCE_BAD, true, false, "an invalid answer from the device"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        aj_mb_verdict v = aj_mb_outcome_verdict((aj_mb_outcome){rows[i].failure, rows[i].exception});
        assert_int_equal(v.quality, AJ_QUALITY_BAD);
        assert_int_equal(v.quality_reasons, rows[i].reasons);
        assert_int_equal(v.is_retryable, rows[i].is_retryable);
        assert_int_equal(v.is_config_error, rows[i].is_config_error);
        assert_string_equal(v.text, rows[i].text);
    }
    aj_mb_verdict ok = aj_mb_outcome_verdict((aj_mb_outcome){AJ_MB_READ_OK, 0});
    assert_int_equal(ok.quality, AJ_QUALITY_GOOD);
    assert_int_equal(ok.quality_reasons, 0);
    assert_false(ok.is_retryable || ok.is_config_error);
    assert_string_equal(ok.text, "");
}

/* ---- the fuzz corpus: every input parses or fails cleanly ------------------------------ */

/* One corpus file: valid_* must load, bad_* must not, anything else may do either. */
static bool replay_map(const char *name, const char *bytes, size_t len, void *ctx) {
    (void)ctx;
    aj_mb_map *m;
    char err[800] = "";
    aj_err e = aj_mb_map_parse(bytes, len, &m, err, sizeof err);
    if (e == AJ_OK) {
        assert_true(aj_mb_map_ok(m));
        aj_mb_map_free(m);
        if (strncmp(name, "bad_", 4) == 0) fail_msg("%s was accepted", name);
        return true;
    }
    assert_true(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
    assert_true(err[0] != 0);
    if (strncmp(name, "valid_", 6) == 0) fail_msg("%s: %s", name, err);
    return false;
}

static void test_fuzz_corpus(void **state) {
    (void)state;
    int n_valid = 0;
    int n_files = aj_test_corpus_each(__FILE__, "../fuzz/corpus/modbus", AJ_MB_MAP_FILE_MAX, replay_map, NULL,
                                      &n_valid);
    assert_true(n_files > 0 && n_valid > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_base_and_valid_edits),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_raw_texts),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_load_files),
        cmocka_unit_test(test_map_ok),
        cmocka_unit_test(test_decode_float32),
        cmocka_unit_test(test_decode_integers),
        cmocka_unit_test(test_decode_float64),
        cmocka_unit_test(test_decode_bools),
        cmocka_unit_test(test_decode_bad_floats),
        cmocka_unit_test(test_scale_offset),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_fuzz_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
