/* test_sparkplug_payload.c — the Sparkplug B payload decoder, metric values and the encoder
 * (src/sparkplug/payload.c, docs/sparkplug.md "Payloads").
 *
 * 1. Payloads encoded by sparkplug-payload (the npm encoder of Eclipse Tahu; the seeds of
 *    tests/fuzz/corpus/sparkplug/, see tests/fuzz/fuzz_sparkplug.c for how they were made)
 *    decode field by field, and every datatype gives its exact value: Int8..Int64 (negative
 *    ones as the encoder writes them), UInt8..UInt64, Float, Double, Boolean, DateTime,
 *    String (kept, not a point), null (a bad point), the Quality property; DataSet, Template,
 *    Bytes and nested PropertySets are skipped and counted, never decoded.
 * 2. Hand-made encodings: both two's complement forms of negative integers, range and
 *    mismatch errors, NaN and infinities, every datatype number 0-35.
 * 3. Malformed metrics (names: empty, too long, NUL, bad UTF-8; timestamps past 2262) are
 *    marked, the rest of the payload is kept; malformed payloads fail with a message; the
 *    bounds: payload size, metric count, unpacking memory; deep nesting does not recurse.
 * 4. Encoding: round trip of every scalar field, the rebirth request.
 * 5. Every corpus file decodes or fails cleanly, and decoded payloads pass aj_sp_payload_ok.
 */
#include "sparkplug/payload.h"

#include "base/limits.h"

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/helpers.h"

#define T0 1700000000000ULL

/* ---- helpers ---------------------------------------------------------------------------- */

static uint8_t *read_seed(const char *name, size_t *len) {
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "../fuzz/corpus/sparkplug/%s", name);
    aj_test_source_path(path, sizeof path, __FILE__, rel);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static aj_sp_payload *decode_seed(const char *name) {
    size_t len;
    uint8_t *buf = read_seed(name, &len);
    char err[300];
    aj_sp_payload *p = NULL;
    aj_err e = aj_sp_payload_decode(buf, len, &p, err, sizeof err);
    free(buf);
    if (e) fail_msg("%s: %s", name, err);
    assert_true(aj_sp_payload_ok(p));
    return p;
}

static const aj_sp_metric *by_name(const aj_sp_payload *p, const char *name) {
    for (int i = 0; i < p->n_metrics; i++)
        if (p->metrics[i].name && strcmp(p->metrics[i].name, name) == 0) return &p->metrics[i];
    fail_msg("no metric %s", name);
    return NULL;
}

/* The reading of metric name with its own datatype: a good point of value v and type. */
static void assert_good(const aj_sp_payload *p, const char *name, double v, aj_value_type type) {
    const aj_sp_metric *m = by_name(p, name);
    aj_sp_reading r = aj_sp_metric_read(m->datatype, m);
    if (!r.is_point || r.quality != AJ_QUALITY_GOOD || r.value != v || r.type != type)
        fail_msg("%s: is_point %d quality %d value %.17g (want %.17g) type %d (want %d) skip %s", name,
                 r.is_point, r.quality, r.value, v, r.type, type, aj_sp_skip_text(r.skip));
}

/* A tiny protobuf writer for hand-made payloads. */
typedef struct pb {
    uint8_t b[1 << 16];
    size_t n;
} pb;

static void pb_varint(pb *w, uint64_t v) {
    do {
        uint8_t c = v & 0x7F;
        v >>= 7;
        w->b[w->n++] = c | (v ? 0x80 : 0);
    } while (v);
}

static void pb_key(pb *w, int field, int wire) {
    pb_varint(w, (uint64_t)(field << 3 | wire));
}

static void pb_bytes(pb *w, int field, const void *data, size_t len) {
    pb_key(w, field, 2);
    pb_varint(w, len);
    memcpy(w->b + w->n, data, len);
    w->n += len;
}

/* One metric (a nested message) of the payload from the writer m. */
static void pb_metric(pb *w, const pb *m) {
    pb_bytes(w, 2, m->b, m->n);
}

/* A payload of one metric with datatype (0: none) and a varint value in field (10 int, 11
 * long, 14 boolean) or no value (field 0). */
static aj_sp_payload *one_varint_metric(uint32_t datatype, int field, uint64_t v) {
    pb m = {0}, w = {0};
    pb_bytes(&m, 1, "x", 1);
    if (datatype) {
        pb_key(&m, 4, 0);
        pb_varint(&m, datatype);
    }
    if (field) {
        pb_key(&m, field, 0);
        pb_varint(&m, v);
    }
    pb_metric(&w, &m);
    aj_sp_payload *p = NULL;
    char err[300];
    if (aj_sp_payload_decode(w.b, w.n, &p, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(p->n_metrics, 1);
    return p;
}

static aj_sp_reading read_one(uint32_t datatype, int field, uint64_t v) {
    aj_sp_payload *p = one_varint_metric(datatype, field, v);
    aj_sp_reading r = aj_sp_metric_read(datatype, &p->metrics[0]);
    aj_sp_payload_free(p);
    return r;
}

static void assert_int_reading(uint32_t datatype, int field, uint64_t raw, double want) {
    aj_sp_reading r = read_one(datatype, field, raw);
    if (!r.is_point || r.value != want || r.quality != AJ_QUALITY_GOOD)
        fail_msg("%s from field %d raw 0x%llx: is_point %d value %.17g want %.17g skip %s",
                 aj_sp_datatype_name(datatype), field, (unsigned long long)raw, r.is_point, r.value, want,
                 aj_sp_skip_text(r.skip));
}

static void assert_skip(uint32_t datatype, int field, uint64_t raw, aj_sp_skip want) {
    aj_sp_reading r = read_one(datatype, field, raw);
    if (r.is_point || r.skip != want)
        fail_msg("%s from field %d raw 0x%llx: is_point %d skip \"%s\", want \"%s\"",
                 aj_sp_datatype_name(datatype), field, (unsigned long long)raw, r.is_point,
                 aj_sp_skip_text(r.skip), aj_sp_skip_text(want));
}

/* ---- 1. payloads of sparkplug-payload ------------------------------------------------------ */

static void test_nbirth_every_type(void **state) {
    (void)state;
    aj_sp_payload *p = decode_seed("nbirth_all_types.pb");
    assert_true(p->has_timestamp);
    assert_int_equal(p->timestamp_ms, T0);
    assert_true(p->has_seq);
    assert_int_equal(p->seq, 0);
    assert_int_equal(p->n_metrics, 18);
    assert_int_equal(p->n_invalid, 0);
    assert_false(p->is_compressed);
    const aj_sp_metric *bd = by_name(p, "bdSeq");
    assert_int_equal(bd->datatype, AJ_SP_T_UINT64);
    assert_int_equal(bd->field, AJ_SP_F_LONG);
    assert_int_equal(bd->raw.u64, 3);
    assert_false(bd->has_alias);
    const aj_sp_metric *i8 = by_name(p, "i8");
    assert_true(i8->has_alias);
    assert_int_equal(i8->alias, 1);
    assert_int_equal(i8->datatype, AJ_SP_T_INT8);
    assert_int_equal(i8->field, AJ_SP_F_INT);
    assert_int_equal(i8->raw.u32, 0xFFFFFFFBu); /* sparkplug-payload writes -5 as 32-bit two's complement */
    assert_false(i8->has_timestamp);
    assert_good(p, "i8", -5, AJ_VALUE_INT);
    assert_good(p, "i16", -300, AJ_VALUE_INT);
    assert_good(p, "i32", -2147483648.0, AJ_VALUE_INT);
    assert_good(p, "i64", -9223372036854775808.0, AJ_VALUE_INT);
    assert_good(p, "u8", 255, AJ_VALUE_INT);
    assert_good(p, "u16", 65535, AJ_VALUE_INT);
    assert_good(p, "u32", 4294967295.0, AJ_VALUE_INT);
    assert_int_equal(by_name(p, "u32")->field, AJ_SP_F_LONG); /* UInt32 in long_value, as Tahu writes it */
    assert_good(p, "u64", 18446744073709551615.0, AJ_VALUE_INT);
    assert_good(p, "f", (double)123.456f, AJ_VALUE_FLOAT);
    assert_good(p, "d", -98765.4321, AJ_VALUE_FLOAT);
    assert_good(p, "b", 1, AJ_VALUE_BOOL);
    assert_good(p, "dt", (double)(T0 - 1000), AJ_VALUE_INT);
    const aj_sp_metric *s = by_name(p, "s");
    assert_int_equal(s->field, AJ_SP_F_STRING);
    assert_string_equal(s->text, "running");
    assert_int_equal(s->n_bytes, 7);
    aj_sp_reading r = aj_sp_metric_read(s->datatype, s);
    assert_false(r.is_point);
    assert_int_equal(r.skip, AJ_SP_SKIP_TEXT);
    const aj_sp_metric *nul = by_name(p, "null_i32");
    assert_true(nul->is_null);
    assert_int_equal(nul->field, AJ_SP_F_NONE);
    r = aj_sp_metric_read(nul->datatype, nul);
    assert_true(r.is_point);
    assert_int_equal(r.skip, AJ_SP_SKIP_NULL);
    assert_int_equal(r.quality, AJ_QUALITY_BAD);
    assert_int_equal(r.quality_reasons, AJ_QR_SOURCE_BAD);
    const aj_sp_metric *ts = by_name(p, "with_ts");
    assert_true(ts->has_timestamp);
    assert_int_equal(ts->timestamp_ms, T0 + 5);
    const aj_sp_metric *lvl = by_name(p, "Tank/Level");
    assert_true(lvl->has_quality);
    assert_int_equal(lvl->quality, AJ_SP_QUALITY_GOOD);
    assert_good(p, "Tank/Level", 2.5, AJ_VALUE_FLOAT);
    const aj_sp_metric *stale = by_name(p, "stale");
    assert_int_equal(stale->quality, AJ_SP_QUALITY_STALE);
    r = aj_sp_metric_read(stale->datatype, stale);
    assert_true(r.is_point);
    assert_int_equal(r.value, 7);
    assert_int_equal(r.quality, AJ_QUALITY_BAD);
    assert_int_equal(r.quality_reasons, AJ_QR_SOURCE_BAD);
    aj_sp_payload_free(p);
}

static void test_data_by_alias_and_name(void **state) {
    (void)state;
    aj_sp_payload *p = decode_seed("ndata_by_alias.pb");
    assert_int_equal(p->seq, 1);
    assert_int_equal(p->timestamp_ms, T0 + 1000);
    assert_int_equal(p->n_metrics, 3);
    for (int i = 0; i < 3; i++) {
        assert_null(p->metrics[i].name);
        assert_true(p->metrics[i].has_alias);
    }
    assert_int_equal(p->metrics[0].alias, 1);
    aj_sp_reading r = aj_sp_metric_read(AJ_SP_T_INT8, &p->metrics[0]);
    assert_true(r.is_point);
    assert_int_equal(r.value, 7);
    assert_int_equal(p->metrics[1].timestamp_ms, T0 + 900);
    r = aj_sp_metric_read(AJ_SP_T_DOUBLE, &p->metrics[1]);
    assert_true(r.value == 0.25);
    r = aj_sp_metric_read(AJ_SP_T_BOOLEAN, &p->metrics[2]);
    assert_true(r.is_point);
    assert_int_equal(r.value, 0);
    assert_int_equal(r.type, AJ_VALUE_BOOL);
    aj_sp_payload_free(p);

    p = decode_seed("ddata_by_name.pb");
    assert_int_equal(p->n_metrics, 1);
    assert_string_equal(p->metrics[0].name, "Tank/Level");
    assert_false(p->metrics[0].has_alias);
    assert_true(aj_sp_metric_read(AJ_SP_T_FLOAT, &p->metrics[0]).value == 3.75);
    aj_sp_payload_free(p);
}

static void test_deaths_and_commands(void **state) {
    (void)state;
    aj_sp_payload *p = decode_seed("ndeath.pb");
    assert_false(p->has_seq); /* NDEATH carries no seq */
    assert_int_equal(p->n_metrics, 1);
    assert_string_equal(p->metrics[0].name, AJ_SP_BDSEQ_METRIC);
    assert_int_equal(p->metrics[0].raw.u64, 3);
    aj_sp_payload_free(p);
    p = decode_seed("ddeath.pb");
    assert_true(p->has_seq);
    assert_int_equal(p->seq, 3);
    assert_int_equal(p->n_metrics, 0);
    aj_sp_payload_free(p);
    p = decode_seed("ncmd_rebirth.pb");
    assert_string_equal(p->metrics[0].name, AJ_SP_REBIRTH_METRIC);
    assert_int_equal(p->metrics[0].datatype, AJ_SP_T_BOOLEAN);
    assert_true(p->metrics[0].raw.b);
    aj_sp_payload_free(p);
    p = decode_seed("empty.pb");
    assert_false(p->has_timestamp);
    assert_false(p->has_seq);
    assert_int_equal(p->n_metrics, 0);
    aj_sp_payload_free(p);
}

/* DataSet, Template, Bytes are skipped (counted by the caller), a PropertySet nested in the
 * properties is not followed, and the plain metric beside them still reads. */
static void test_complex_types_skipped(void **state) {
    (void)state;
    aj_sp_payload *p = decode_seed("dbirth_complex.pb");
    assert_int_equal(p->n_metrics, 4);
    int n_unsupported = 0;
    for (int i = 0; i < p->n_metrics; i++) {
        aj_sp_reading r = aj_sp_metric_read(p->metrics[i].datatype, &p->metrics[i]);
        n_unsupported += !r.is_point && r.skip == AJ_SP_SKIP_UNSUPPORTED;
    }
    assert_int_equal(n_unsupported, 3);
    assert_int_equal(by_name(p, "ds")->field, AJ_SP_F_DATASET);
    assert_true(by_name(p, "ds")->n_bytes > 0);
    assert_int_equal(by_name(p, "tpl")->field, AJ_SP_F_TEMPLATE);
    assert_int_equal(by_name(p, "raw")->field, AJ_SP_F_BYTES);
    assert_int_equal(by_name(p, "raw")->n_bytes, 3);
    const aj_sp_metric *props = by_name(p, "props");
    assert_false(props->has_quality);
    assert_good(p, "props", 9, AJ_VALUE_INT);
    aj_sp_payload_free(p);
}

/* The hand-made seeds of the corpus (tests/fuzz/fuzz_sparkplug.c). */
static void test_handmade_seeds(void **state) {
    (void)state;
    aj_sp_payload *p = decode_seed("int8_narrow.pb"); /* -5 as the 8-bit two's complement 0xFB */
    assert_int_equal(p->metrics[0].raw.u32, 0xFB);
    assert_good(p, "i8", -5, AJ_VALUE_INT);
    aj_sp_payload_free(p);
    p = decode_seed("quality_bad.pb"); /* Float 2.5 with the Quality property 0 */
    aj_sp_reading r = aj_sp_metric_read(AJ_SP_T_FLOAT, &p->metrics[0]);
    assert_true(r.is_point && r.value == 2.5 && r.quality == AJ_QUALITY_BAD);
    aj_sp_payload_free(p);
    p = decode_seed("bad_names.pb"); /* names: bad UTF-8, a NUL, empty */
    assert_int_equal(p->n_metrics, 3);
    assert_int_equal(p->n_invalid, 3);
    aj_sp_payload_free(p);
    p = decode_seed("seq_300.pb"); /* decoded as sent: the session refuses the seq */
    assert_int_equal(p->seq, 300);
    r = aj_sp_metric_read(AJ_SP_T_DOUBLE, &p->metrics[0]); /* a NaN by alias */
    assert_true(r.is_point && r.skip == AJ_SP_SKIP_NOT_FINITE);
    aj_sp_payload_free(p);
    p = decode_seed("deep_template.pb");
    assert_int_equal(p->metrics[0].field, AJ_SP_F_TEMPLATE);
    aj_sp_payload_free(p);
    p = decode_seed("anjian_rebirth.pb");
    assert_string_equal(p->metrics[0].name, AJ_SP_REBIRTH_METRIC);
    aj_sp_payload_free(p);
}

/* ---- 2. hand-made values ----------------------------------------------------------------- */

static void test_integer_encodings(void **state) {
    (void)state;
    /* negative Int8/Int16: the narrow two's complement or the field-wide one */
    assert_int_reading(AJ_SP_T_INT8, 10, 0xFB, -5);
    assert_int_reading(AJ_SP_T_INT8, 10, 0xFFFFFFFB, -5);
    assert_int_reading(AJ_SP_T_INT8, 11, 0xFB, -5);
    assert_int_reading(AJ_SP_T_INT8, 11, 0xFFFFFFFFFFFFFFFBull, -5);
    assert_int_reading(AJ_SP_T_INT8, 10, 0x7F, 127);
    assert_int_reading(AJ_SP_T_INT8, 10, 0x80, -128);
    assert_int_reading(AJ_SP_T_INT16, 10, 0x8000, -32768);
    assert_int_reading(AJ_SP_T_INT16, 10, 0xFFFF8000u, -32768);
    assert_int_reading(AJ_SP_T_INT32, 10, 0x80000000u, -2147483648.0);
    assert_int_reading(AJ_SP_T_INT32, 11, 0xFFFFFFFFull, -1);
    assert_int_reading(AJ_SP_T_INT32, 11, 0xFFFFFFFF80000000ull, -2147483648.0);
    assert_int_reading(AJ_SP_T_INT64, 11, 0x8000000000000000ull, -9223372036854775808.0);
    assert_int_reading(AJ_SP_T_INT64, 10, 0xFFFFFFFFu, -1);
    assert_int_reading(AJ_SP_T_UINT8, 10, 255, 255);
    assert_int_reading(AJ_SP_T_UINT16, 11, 65535, 65535);
    assert_int_reading(AJ_SP_T_UINT32, 10, 0xFFFFFFFFu, 4294967295.0);
    assert_int_reading(AJ_SP_T_UINT32, 11, 0xFFFFFFFFull, 4294967295.0);
    assert_int_reading(AJ_SP_T_UINT64, 11, 9007199254740993ull, 9007199254740992.0); /* 2^53 + 1: nearest */
    assert_int_reading(AJ_SP_T_DATETIME, 11, T0, (double)T0);
    /* outside the datatype */
    assert_skip(AJ_SP_T_INT8, 10, 0x1FB, AJ_SP_SKIP_RANGE);
    assert_skip(AJ_SP_T_INT8, 10, 0xFFFFFF7F, AJ_SP_SKIP_RANGE); /* -129 */
    assert_skip(AJ_SP_T_INT16, 11, 0x10000, AJ_SP_SKIP_RANGE);
    assert_skip(AJ_SP_T_INT32, 11, 0x100000000ull, AJ_SP_SKIP_RANGE);
    assert_skip(AJ_SP_T_UINT8, 10, 256, AJ_SP_SKIP_RANGE);
    assert_skip(AJ_SP_T_UINT16, 10, 65536, AJ_SP_SKIP_RANGE);
    assert_skip(AJ_SP_T_UINT32, 11, 0x100000000ull, AJ_SP_SKIP_RANGE);
    /* the wrong field, or none */
    assert_skip(AJ_SP_T_INT32, 14, 1, AJ_SP_SKIP_MISMATCH);
    assert_skip(AJ_SP_T_BOOLEAN, 10, 1, AJ_SP_SKIP_MISMATCH);
    assert_skip(AJ_SP_T_FLOAT, 10, 1, AJ_SP_SKIP_MISMATCH);
    assert_skip(AJ_SP_T_INT32, 0, 0, AJ_SP_SKIP_NO_VALUE);
    /* booleans */
    aj_sp_reading r = read_one(AJ_SP_T_BOOLEAN, 14, 1);
    assert_true(r.is_point && r.value == 1 && r.type == AJ_VALUE_BOOL);
}

static void test_every_datatype_number(void **state) {
    (void)state;
    for (uint32_t t = 0; t <= AJ_SP_T_COUNT; t++) {
        aj_sp_reading r = read_one(t, 10, 1);
        aj_sp_skip want;
        if (t == AJ_SP_T_UNKNOWN)
            want = AJ_SP_SKIP_NO_DATATYPE;
        else if (t >= AJ_SP_T_COUNT)
            want = AJ_SP_SKIP_BAD_DATATYPE;
        else if (t == AJ_SP_T_STRING || t == AJ_SP_T_TEXT || t == AJ_SP_T_UUID)
            want = AJ_SP_SKIP_TEXT;
        else if (t >= AJ_SP_T_DATASET)
            want = AJ_SP_SKIP_UNSUPPORTED;
        else if (t == AJ_SP_T_FLOAT || t == AJ_SP_T_DOUBLE || t == AJ_SP_T_BOOLEAN)
            want = AJ_SP_SKIP_MISMATCH; /* an int field */
        else
            want = AJ_SP_SKIP_NONE;
        if (r.skip != want)
            fail_msg("datatype %u (%s): skip \"%s\", want \"%s\"", t, aj_sp_datatype_name(t),
                     aj_sp_skip_text(r.skip), aj_sp_skip_text(want));
        assert_int_equal(r.is_point, want == AJ_SP_SKIP_NONE);
        if (want == AJ_SP_SKIP_NONE) assert_true(r.value == 1);
    }
    assert_string_equal(aj_sp_datatype_name(AJ_SP_T_DATETIME_ARRAY), "DateTimeArray");
    assert_string_equal(aj_sp_datatype_name(0), "Unknown");
    assert_string_equal(aj_sp_datatype_name(35), "?");
}

static void test_floats(void **state) {
    (void)state;
    aj_sp_metric m = {.name = "f", .field = AJ_SP_F_FLOAT, .raw.f = NAN};
    aj_sp_reading r = aj_sp_metric_read(AJ_SP_T_FLOAT, &m);
    assert_true(r.is_point);
    assert_int_equal(r.skip, AJ_SP_SKIP_NOT_FINITE);
    assert_int_equal(r.quality, AJ_QUALITY_BAD);
    assert_int_equal(r.value, 0);
    m = (aj_sp_metric){.name = "d", .field = AJ_SP_F_DOUBLE, .raw.d = -INFINITY};
    assert_int_equal(aj_sp_metric_read(AJ_SP_T_DOUBLE, &m).skip, AJ_SP_SKIP_NOT_FINITE);
    /* either float field for either float datatype */
    m = (aj_sp_metric){.name = "d", .field = AJ_SP_F_DOUBLE, .raw.d = 0.1};
    assert_true(aj_sp_metric_read(AJ_SP_T_FLOAT, &m).value == 0.1);
    m = (aj_sp_metric){.name = "f", .field = AJ_SP_F_FLOAT, .raw.f = 0.1f};
    assert_true(aj_sp_metric_read(AJ_SP_T_DOUBLE, &m).value == (double)0.1f);
    /* a null beats the value fields; Quality 0 makes a good value bad */
    m = (aj_sp_metric){.name = "f", .field = AJ_SP_F_FLOAT, .raw.f = 1, .is_null = true};
    assert_int_equal(aj_sp_metric_read(AJ_SP_T_FLOAT, &m).skip, AJ_SP_SKIP_NULL);
    m = (aj_sp_metric){.name = "f", .field = AJ_SP_F_FLOAT, .raw.f = 1, .has_quality = true, .quality = 0};
    r = aj_sp_metric_read(AJ_SP_T_FLOAT, &m);
    assert_true(r.is_point && r.value == 1 && r.quality == AJ_QUALITY_BAD &&
                r.quality_reasons == AJ_QR_SOURCE_BAD);
    /* an invalid metric gives nothing */
    m = (aj_sp_metric){.field = AJ_SP_F_FLOAT, .raw.f = 1, .invalid = "name is empty"};
    assert_int_equal(aj_sp_metric_read(AJ_SP_T_FLOAT, &m).skip, AJ_SP_SKIP_INVALID);
}

/* ---- 3. malformed input and bounds ------------------------------------------------------- */

static aj_err decode_raw(const pb *w, aj_sp_payload **p, char *err, size_t errlen) {
    return aj_sp_payload_decode(w->b, w->n, p, err, errlen);
}

static void test_bad_metric_names(void **state) {
    (void)state;
    static const struct {
        const char *name;
        size_t len;
        const char *invalid;
    } cases[] = {
        {"", 0, "name is empty"},
        {"a\0b", 3, "name holds a NUL byte"},
        {"\xC3\x28", 2, "name is not valid UTF-8"},
        {"\xED\xA0\x80", 3, "name is not valid UTF-8"}, /* a surrogate */
        {"\xE2\x82", 2, "name is not valid UTF-8"},     /* cut short */
        {"温度", 6, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pb m = {0}, w = {0}, ok = {0};
        pb_bytes(&m, 1, cases[c].name, cases[c].len);
        pb_metric(&w, &m);
        pb_bytes(&ok, 1, "fine", 4);
        pb_metric(&w, &ok);
        aj_sp_payload *p = NULL;
        char err[300];
        assert_int_equal(decode_raw(&w, &p, err, sizeof err), AJ_OK);
        assert_int_equal(p->n_metrics, 2);
        if (cases[c].invalid) {
            assert_string_equal(p->metrics[0].invalid, cases[c].invalid);
            assert_null(p->metrics[0].name);
            assert_int_equal(p->n_invalid, 1);
        } else {
            assert_null(p->metrics[0].invalid);
            assert_string_equal(p->metrics[0].name, cases[c].name);
        }
        assert_string_equal(p->metrics[1].name, "fine");
        assert_true(aj_sp_payload_ok(p));
        aj_sp_payload_free(p);
    }
    /* 256 bytes is the longest name; 257 is too long */
    for (size_t len = AJ_SP_METRIC_NAME_MAX; len <= AJ_SP_METRIC_NAME_MAX + 1; len++) {
        char name[AJ_SP_METRIC_NAME_MAX + 1];
        memset(name, 'n', len);
        pb m = {0}, w = {0};
        pb_bytes(&m, 1, name, len);
        pb_metric(&w, &m);
        aj_sp_payload *p = NULL;
        char err[300];
        assert_int_equal(decode_raw(&w, &p, err, sizeof err), AJ_OK);
        if (len == AJ_SP_METRIC_NAME_MAX)
            assert_int_equal(strlen(p->metrics[0].name), len);
        else
            assert_string_equal(p->metrics[0].invalid, "name is longer than 256 bytes");
        aj_sp_payload_free(p);
    }
}

static void test_timestamps_out_of_range(void **state) {
    (void)state;
    pb m = {0}, w = {0};
    pb_bytes(&m, 1, "t", 1);
    pb_key(&m, 3, 0);
    pb_varint(&m, (uint64_t)AJ_SP_TIMESTAMP_MS_MAX + 1);
    pb_metric(&w, &m);
    aj_sp_payload *p = NULL;
    char err[300];
    assert_int_equal(decode_raw(&w, &p, err, sizeof err), AJ_OK);
    assert_string_equal(p->metrics[0].invalid, "timestamp is after the year 2262");
    aj_sp_payload_free(p);
    /* the largest one is fine */
    w.n = m.n = 0;
    pb_bytes(&m, 1, "t", 1);
    pb_key(&m, 3, 0);
    pb_varint(&m, (uint64_t)AJ_SP_TIMESTAMP_MS_MAX);
    pb_metric(&w, &m);
    assert_int_equal(decode_raw(&w, &p, err, sizeof err), AJ_OK);
    assert_null(p->metrics[0].invalid);
    assert_int_equal(p->metrics[0].timestamp_ms, AJ_SP_TIMESTAMP_MS_MAX);
    aj_sp_payload_free(p);
    /* a payload timestamp out of range fails the payload */
    w.n = 0;
    pb_key(&w, 1, 0);
    pb_varint(&w, UINT64_MAX);
    assert_int_equal(decode_raw(&w, &p, err, sizeof err), AJ_EINVAL);
    assert_null(p);
    assert_string_equal(err, "payload timestamp 18446744073709551615 ms is after the year 2262");
}

static void test_malformed(void **state) {
    (void)state;
    const struct {
        const char *what;
        const uint8_t *bytes;
        size_t len;
    } cases[] = {
        {"truncated varint", (const uint8_t[]){0x08, 0xFF}, 2},
        {"length past the end", (const uint8_t[]){0x12, 0x05, 0x0A}, 3},
        {"metric with a wrong wire type", (const uint8_t[]){0x10, 0x01}, 2},
        {"field number 0", (const uint8_t[]){0x00, 0x01}, 2},
        {"a group wire type", (const uint8_t[]){0x0B}, 1},
        {"a bad varint in a metric", (const uint8_t[]){0x12, 0x02, 0x10, 0x80}, 4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        aj_sp_payload *p = (aj_sp_payload *)1;
        char err[300] = "";
        aj_err e = aj_sp_payload_decode(cases[c].bytes, cases[c].len, &p, err, sizeof err);
        if (e != AJ_EINVAL) fail_msg("%s: %s (%s)", cases[c].what, aj_err_name(e), err);
        assert_null(p);
        char want[200];
        snprintf(want, sizeof want,
                 "not a Sparkplug B payload (the %zu bytes are not a valid protobuf Payload)", cases[c].len);
        assert_string_equal(err, want);
    }
    /* unknown fields are ignored */
    pb w = {0};
    pb_key(&w, 99, 0);
    pb_varint(&w, 5);
    pb_bytes(&w, 100, "zz", 2);
    aj_sp_payload *p = NULL;
    char err[300];
    assert_int_equal(decode_raw(&w, &p, err, sizeof err), AJ_OK);
    assert_int_equal(p->n_metrics, 0);
    aj_sp_payload_free(p);
}

static void test_bounds(void **state) {
    (void)state;
    char err[300];
    aj_sp_payload *p = NULL;
    /* AJ_SP_METRICS_MAX empty metrics pass, one more does not */
    for (int n = AJ_SP_METRICS_MAX; n <= AJ_SP_METRICS_MAX + 1; n++) {
        pb *w = calloc(1, sizeof *w);
        for (int i = 0; i < n; i++) w->b[w->n++] = 0x12, w->b[w->n++] = 0x00;
        aj_err e = decode_raw(w, &p, err, sizeof err);
        free(w);
        if (n == AJ_SP_METRICS_MAX) {
            assert_int_equal(e, AJ_OK);
            assert_int_equal(p->n_metrics, n);
            aj_sp_payload_free(p);
        } else {
            assert_int_equal(e, AJ_ETOOBIG);
            assert_string_equal(err, "20001 metrics in one payload, more than 20000");
        }
    }
    /* the unpacking memory bound */
    pb w = {0};
    for (int i = 0; i < 100; i++) w.b[w.n++] = 0x12, w.b[w.n++] = 0x00;
    assert_int_equal(aj_sp_payload_decode_bounded(w.b, w.n, 4096, &p, err, sizeof err), AJ_ETOOBIG);
    assert_null(p);
    assert_string_equal(err, "unpacking the 200-byte payload would take more than 4096 bytes of memory");
    /* every bound from 0 up either decodes or refuses cleanly (each allocation failing once) */
    for (size_t budget = 0; budget < 40000; budget += 97) {
        aj_err e = aj_sp_payload_decode_bounded(w.b, w.n, budget, &p, err, sizeof err);
        assert_true(e == AJ_OK || e == AJ_ETOOBIG);
        if (!e) aj_sp_payload_free(p);
    }
    /* the payload size */
    size_t big = AJ_SP_PAYLOAD_MAX + 1;
    uint8_t *buf = calloc(1, big);
    assert_int_equal(aj_sp_payload_decode(buf, big, &p, err, sizeof err), AJ_ETOOBIG);
    assert_string_equal(err, "payload of 4194305 bytes, more than 4194304");
    free(buf);
}

static size_t varint_len(uint64_t v) {
    size_t k = 1;
    while (v >>= 7) k++;
    return k;
}

static size_t put_varint(uint8_t *p, uint64_t v) {
    size_t k = 0;
    do {
        uint8_t c = v & 0x7F;
        v >>= 7;
        p[k++] = c | (v ? 0x80 : 0);
    } while (v);
    return k;
}

/* A Template nested as deep as the payload size allows (Template.metrics[0].template_value
 * ... 200000 times): protobuf-c must not follow it (our .proto declares the member bytes), so
 * nothing recurses and the metric comes out as a skipped Template. Layer 0 is an empty
 * Template; layer i wraps layer i - 1 in field 18 of a Metric (i odd) or field 2 of a
 * Template (i even). Written outside in, as the lengths are known first. */
static void test_deep_nesting_does_not_recurse(void **state) {
    (void)state;
    enum { LAYERS = 400000 };
    size_t *len = malloc((LAYERS + 1) * sizeof *len);
    assert_non_null(len);
    len[0] = 0;
    for (int i = 1; i <= LAYERS; i++) {
        uint64_t key = (uint64_t)(i % 2 ? 18 : 2) << 3 | 2;
        len[i] = varint_len(key) + varint_len(len[i - 1]) + len[i - 1];
    }
    size_t metric_len = 2 + 4 + 2 + varint_len(len[LAYERS]) + len[LAYERS];
    size_t total = 1 + varint_len(metric_len) + metric_len;
    assert_true(total <= AJ_SP_PAYLOAD_MAX);
    uint8_t *buf = malloc(total);
    assert_non_null(buf);
    size_t o = 0;
    buf[o++] = 0x12; /* Payload.metrics */
    o += put_varint(buf + o, metric_len);
    buf[o++] = 0x0A; /* Metric.name */
    buf[o++] = 4;
    memcpy(buf + o, "deep", 4);
    o += 4;
    o += put_varint(buf + o, 18 << 3 | 2); /* Metric.template_value */
    o += put_varint(buf + o, len[LAYERS]);
    for (int i = LAYERS; i >= 1; i--) {
        o += put_varint(buf + o, (uint64_t)(i % 2 ? 18 : 2) << 3 | 2);
        o += put_varint(buf + o, len[i - 1]);
    }
    assert_int_equal(o, total);
    aj_sp_payload *p = NULL;
    char err[300];
    assert_int_equal(aj_sp_payload_decode(buf, total, &p, err, sizeof err), AJ_OK);
    assert_int_equal(p->n_metrics, 1);
    assert_string_equal(p->metrics[0].name, "deep");
    assert_int_equal(p->metrics[0].field, AJ_SP_F_TEMPLATE);
    assert_int_equal(p->metrics[0].n_bytes, len[LAYERS]);
    assert_int_equal(aj_sp_metric_read(AJ_SP_T_TEMPLATE, &p->metrics[0]).skip, AJ_SP_SKIP_UNSUPPORTED);
    aj_sp_payload_free(p);
    free(buf);
    free(len);
}

/* ---- 4. encoding ---------------------------------------------------------------------------- */

static void test_encode_round_trip(void **state) {
    (void)state;
    aj_sp_metric ms[] = {
        {.name = "i",
         .has_alias = true,
         .alias = 1,
         .datatype = AJ_SP_T_INT32,
         .field = AJ_SP_F_INT,
         .raw.u32 = 0xFFFFFFFFu,
         .has_timestamp = true,
         .timestamp_ms = T0 + 1},
        {.has_alias = true,
         .alias = 1ull << 40,
         .datatype = AJ_SP_T_UINT64,
         .field = AJ_SP_F_LONG,
         .raw.u64 = UINT64_MAX},
        {.name = "f",
         .datatype = AJ_SP_T_FLOAT,
         .field = AJ_SP_F_FLOAT,
         .raw.f = -1.25f,
         .has_quality = true,
         .quality = 500},
        {.name = "d",
         .datatype = AJ_SP_T_DOUBLE,
         .field = AJ_SP_F_DOUBLE,
         .raw.d = 1e300,
         .is_historical = true},
        {.name = "b",
         .datatype = AJ_SP_T_BOOLEAN,
         .field = AJ_SP_F_BOOLEAN,
         .raw.b = true,
         .is_transient = true},
        {.name = "s", .datatype = AJ_SP_T_STRING, .field = AJ_SP_F_STRING, .text = "héllo", .n_bytes = 6},
        {.name = "n", .datatype = AJ_SP_T_INT16, .is_null = true},
    };
    int n = (int)(sizeof ms / sizeof ms[0]);
    aj_sp_payload in = {.has_timestamp = true,
                        .timestamp_ms = T0,
                        .has_seq = true,
                        .seq = 255,
                        .metrics = ms,
                        .n_metrics = n};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(aj_sp_payload_encode(&in, &buf, &len), AJ_OK);
    aj_sp_payload *p = NULL;
    char err[300];
    assert_int_equal(aj_sp_payload_decode(buf, len, &p, err, sizeof err), AJ_OK);
    free(buf);
    assert_true(p->has_timestamp && p->timestamp_ms == T0 && p->has_seq && p->seq == 255);
    assert_int_equal(p->n_metrics, n);
    for (int i = 0; i < n; i++) {
        const aj_sp_metric *a = &ms[i], *b = &p->metrics[i];
        if (a->name)
            assert_string_equal(a->name, b->name);
        else
            assert_null(b->name);
        assert_int_equal(a->has_alias, b->has_alias);
        assert_int_equal(a->alias, b->alias);
        assert_int_equal(a->has_timestamp, b->has_timestamp);
        assert_int_equal(a->timestamp_ms, b->timestamp_ms);
        assert_int_equal(a->datatype, b->datatype);
        assert_int_equal(a->is_null, b->is_null);
        assert_int_equal(a->is_historical, b->is_historical);
        assert_int_equal(a->is_transient, b->is_transient);
        assert_int_equal(a->has_quality, b->has_quality);
        assert_int_equal(a->quality, b->quality);
        assert_int_equal(a->field, b->field);
        assert_memory_equal(&a->raw, &b->raw,
                            a->field == AJ_SP_F_FLOAT     ? sizeof(float)
                            : a->field == AJ_SP_F_INT     ? 4
                            : a->field == AJ_SP_F_BOOLEAN ? sizeof(bool)
                            : a->field                    ? 8
                                                          : 0);
        if (a->text) assert_string_equal(a->text, b->text);
    }
    aj_sp_payload_free(p);
    /* a field the encoder cannot write */
    aj_sp_metric bad = {.name = "x", .field = AJ_SP_F_DATASET};
    aj_sp_payload one = {.metrics = &bad, .n_metrics = 1};
    assert_int_equal(aj_sp_payload_encode(&one, &buf, &len), AJ_EINVAL);
    assert_null(buf);
}

static void test_rebirth_request(void **state) {
    (void)state;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(aj_sp_rebirth_encode(T0, &buf, &len), AJ_OK);
    aj_sp_payload *p = NULL;
    char err[300];
    assert_int_equal(aj_sp_payload_decode(buf, len, &p, err, sizeof err), AJ_OK);
    free(buf);
    assert_true(p->has_timestamp);
    assert_int_equal(p->timestamp_ms, T0);
    assert_false(p->has_seq); /* commands carry no seq */
    assert_int_equal(p->n_metrics, 1);
    const aj_sp_metric *m = &p->metrics[0];
    assert_string_equal(m->name, "Node Control/Rebirth");
    assert_int_equal(m->datatype, AJ_SP_T_BOOLEAN);
    assert_int_equal(m->field, AJ_SP_F_BOOLEAN);
    assert_true(m->raw.b);
    assert_true(m->has_timestamp);
    aj_sp_payload_free(p);
    /* the request sparkplug-payload makes reads the same way */
    size_t seed_len;
    uint8_t *seed = read_seed("ncmd_rebirth.pb", &seed_len);
    assert_int_equal(aj_sp_payload_decode(seed, seed_len, &p, err, sizeof err), AJ_OK);
    free(seed);
    assert_int_equal(p->metrics[0].raw.b, true);
    aj_sp_payload_free(p);
}

static void test_compressed_flag(void **state) {
    (void)state;
    pb w = {0};
    pb_bytes(&w, 4, "SPBV1.0_COMPRESSED", 18);
    pb_bytes(&w, 5, "\x78\x9c", 2);
    aj_sp_payload *p = NULL;
    char err[300];
    assert_int_equal(decode_raw(&w, &p, err, sizeof err), AJ_OK);
    assert_true(p->is_compressed);
    aj_sp_payload_free(p);
}

/* ---- 5. the fuzz corpus --------------------------------------------------------------------- */

static void test_fuzz_corpus(void **state) {
    (void)state;
    char dir[1024];
    aj_test_source_path(dir, sizeof dir, __FILE__, "../fuzz/corpus/sparkplug");
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0, n_ok = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t *buf = malloc(AJ_SP_PAYLOAD_MAX + 1);
        size_t len = fread(buf, 1, AJ_SP_PAYLOAD_MAX + 1, f);
        fclose(f);
        aj_sp_payload *p = NULL;
        char err[300] = "";
        aj_err e = aj_sp_payload_decode(buf, len, &p, err, sizeof err);
        free(buf);
        n++;
        if (e == AJ_OK) {
            assert_true(aj_sp_payload_ok(p));
            for (int i = 0; i < p->n_metrics; i++) /* every metric reads without trouble */
                (void)aj_sp_metric_read(p->metrics[i].datatype, &p->metrics[i]);
            aj_sp_payload_free(p);
            n_ok++;
        } else {
            assert_null(p);
            assert_true(e == AJ_EINVAL || e == AJ_ETOOBIG);
            assert_true(err[0] != 0);
        }
    }
    closedir(d);
    printf("fuzz corpus sparkplug: %d inputs, %d decoded\n", n, n_ok);
    assert_true(n >= 17);
    assert_true(n_ok >= 14);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nbirth_every_type),
        cmocka_unit_test(test_data_by_alias_and_name),
        cmocka_unit_test(test_deaths_and_commands),
        cmocka_unit_test(test_complex_types_skipped),
        cmocka_unit_test(test_handmade_seeds),
        cmocka_unit_test(test_integer_encodings),
        cmocka_unit_test(test_every_datatype_number),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_bad_metric_names),
        cmocka_unit_test(test_timestamps_out_of_range),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_deep_nesting_does_not_recurse),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_rebirth_request),
        cmocka_unit_test(test_compressed_flag),
        cmocka_unit_test(test_fuzz_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
