/* test_opcua_binary.c — the OPC UA Binary encoding (src/opcua/binary.c, variant.c).
 *
 * 1. Byte-exact encodings of known values, most from the examples of OPC 10000-6 §5.2
 *    (NodeId encodings, the UTF-8 String, the Guid), each decoded back as well.
 * 2. Round trips of every built-in type with edge values (NaN payloads, INT64_MIN, null vs
 *    empty strings, null NodeId, null vs empty arrays, dimensions): decode(encode(x)) == x
 *    and encode(decode(encode(x))) == encode(x), byte for byte.
 * 3. Every failure: truncation at every byte of a sample message, oversize lengths and
 *    counts, bad encoding bytes and masks, too deep nesting, the decoded-bytes budget,
 *    UTF-8, sticky errors, the writer's cap. Each must fail with the right code and a
 *    message that names the field and the offset.
 * 4. The helpers: status code severity and quality, variant -> double, DateTime <-> Unix.
 */
#include "opcua/binary.h"

#include "base/limits.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* ---- helpers ------------------------------------------------------------------------------ */

static void assert_bytes(const aj_ua_writer *w, const uint8_t *want, size_t n) {
    assert_int_equal(w->status, AJ_OK);
    if (w->len != n || memcmp(w->buf, want, n) != 0) {
        fprintf(stderr, "got  %zu bytes:", w->len);
        for (size_t k = 0; k < w->len; k++) fprintf(stderr, " %02x", w->buf[k]);
        fprintf(stderr, "\nwant %zu bytes:", n);
        for (size_t k = 0; k < n; k++) fprintf(stderr, " %02x", want[k]);
        fprintf(stderr, "\n");
        fail();
    }
}

/* Room for one value of any built-in type. */
typedef union any_value {
    aj_ua_data_value dv;
    aj_ua_variant v;
    aj_ua_diagnostic_info di;
    aj_ua_expanded_node_id x;
    aj_ua_extension_object eo;
    max_align_t align;
} any_value;

/* Decodes one value of `type` from p[0..n) into out (must consume everything). */
static aj_err decode(aj_arena *a, const uint8_t *p, size_t n, int type, void *out, aj_ua_reader *r) {
    aj_ua_reader_init(r, p, n, a);
    aj_ua_read_value(r, "Value", type, out);
    return aj_ua_reader_finish(r, "Value");
}

/* Encodes value, checks the bytes (when want is given), decodes, compares, re-encodes and
 * checks the second encoding is the first. */
static void round_trip(int type, const void *value, const uint8_t *want, size_t want_len) {
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    aj_ua_write_value(&w, type, value);
    assert_int_equal(w.status, AJ_OK);
    if (want) assert_bytes(&w, want, want_len);
    aj_arena *a = aj_arena_new();
    any_value out;
    aj_ua_reader r;
    aj_err e = decode(a, w.buf, w.len, type, &out, &r);
    if (e != AJ_OK) fprintf(stderr, "%s: %s\n", aj_ua_type_name(type), r.err);
    assert_int_equal(e, AJ_OK);
    assert_true(aj_ua_value_equal(type, value, &out));
    aj_ua_writer w2;
    aj_ua_writer_init(&w2, 0);
    aj_ua_write_value(&w2, type, &out);
    assert_bytes(&w2, w.buf, w.len);
    aj_ua_writer_clear(&w2);
    aj_ua_writer_clear(&w);
    aj_arena_free(a);
}

/* Decoding p[0..n) as `type` fails with code and a message containing each of the
 * NULL-terminated substrings. */
static void expect_fail(const uint8_t *p, size_t n, int type, aj_err code, ...) {
    aj_arena *a = aj_arena_new();
    any_value out;
    aj_ua_reader r;
    aj_err e = decode(a, p, n, type, &out, &r);
    if (e != code) fprintf(stderr, "code %d, want %d: %s\n", e, code, r.err);
    assert_int_equal(e, code);
    va_list ap;
    va_start(ap, code);
    for (const char *s; (s = va_arg(ap, const char *));) {
        if (!strstr(r.err, s)) fprintf(stderr, "message \"%s\" lacks \"%s\"\n", r.err, s);
        assert_non_null(strstr(r.err, s));
    }
    va_end(ap);
    aj_arena_free(a);
}

static aj_ua_guid spec_guid(void) {
    /* {72962B91-FA75-4AE6-8D28-B404DC7DAF63}, the example of Part 6 §5.2.2.6 */
    return (aj_ua_guid){0x72962B91u, 0xFA75, 0x4AE6, {0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x63}};
}

/* ---- 1. known encodings ------------------------------------------------------------------- */

static void test_spec_node_ids(void **state) {
    (void)state;
    aj_ua_node_id two = {.numeric = 72}; /* i=72 */
    round_trip(AJ_UA_NODEID, &two, BYTES(0x00, 0x48));
    aj_ua_node_id four = {.ns = 5, .numeric = 1025}; /* ns=5;i=1025 */
    round_trip(AJ_UA_NODEID, &four, BYTES(0x01, 0x05, 0x01, 0x04));
    aj_ua_node_id num = {.ns = 1, .numeric = 70000}; /* does not fit FourByte */
    round_trip(AJ_UA_NODEID, &num, BYTES(0x02, 0x01, 0x00, 0x70, 0x11, 0x01, 0x00));
    aj_ua_node_id big_ns = {.ns = 300, .numeric = 1}; /* ns > 255 needs Numeric */
    round_trip(AJ_UA_NODEID, &big_ns, BYTES(0x02, 0x2c, 0x01, 0x01, 0x00, 0x00, 0x00));
    aj_ua_node_id str = {.ns = 1, .id_type = AJ_UA_ID_STRING, .string = aj_ua_string_of("Hot\xe6\xb0\xb4")};
    round_trip(AJ_UA_NODEID, &str,
               BYTES(0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x48, 0x6F, 0x74, 0xE6, 0xB0, 0xB4));
    aj_ua_node_id guid = {.ns = 4, .id_type = AJ_UA_ID_GUID, .guid = spec_guid()};
    round_trip(AJ_UA_NODEID, &guid,
               BYTES(0x04, 0x04, 0x00, 0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D, 0x28, 0xB4, 0x04,
                     0xDC, 0x7D, 0xAF, 0x63));
    aj_ua_node_id opaque = {.ns = 2, .id_type = AJ_UA_ID_OPAQUE, .string = {"\xde\xad", 2}};
    round_trip(AJ_UA_NODEID, &opaque, BYTES(0x05, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0xde, 0xad));
    aj_ua_node_id null_id = {0};
    round_trip(AJ_UA_NODEID, &null_id, BYTES(0x00, 0x00));

    /* The reader takes every encoding, even a non-minimal one: i=72 as Numeric. */
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    aj_ua_node_id id;
    assert_int_equal(decode(a, BYTES(0x02, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00), AJ_UA_NODEID, &id, &r),
                     AJ_OK);
    assert_true(aj_ua_node_id_equal(&id, &two));
    aj_arena_free(a);
}

static void test_spec_strings(void **state) {
    (void)state;
    aj_ua_string s = aj_ua_string_of("\xe6\xb0\xb4"
                                     "Boy"); /* "水Boy" */
    round_trip(AJ_UA_STRING, &s, BYTES(0x06, 0x00, 0x00, 0x00, 0xE6, 0xB0, 0xB4, 0x42, 0x6F, 0x79));
    aj_ua_string null_s = AJ_UA_STRING_NULL, empty = aj_ua_string_of("");
    round_trip(AJ_UA_STRING, &null_s, BYTES(0xff, 0xff, 0xff, 0xff));
    round_trip(AJ_UA_STRING, &empty, BYTES(0x00, 0x00, 0x00, 0x00));
    assert_false(aj_ua_string_equal(null_s, empty));

    /* decoded strings are NUL-terminated arena copies; null has data NULL */
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    aj_ua_string out;
    assert_int_equal(decode(a, BYTES(0x02, 0, 0, 0, 'h', 'i'), AJ_UA_STRING, &out, &r), AJ_OK);
    assert_string_equal(out.data, "hi");
    assert_int_equal(out.len, 2);
    assert_int_equal(decode(a, BYTES(0xff, 0xff, 0xff, 0xff), AJ_UA_STRING, &out, &r), AJ_OK);
    assert_null(out.data);
    assert_int_equal(out.len, -1);
    assert_int_equal(decode(a, BYTES(0, 0, 0, 0), AJ_UA_BYTESTRING, &out, &r), AJ_OK);
    assert_non_null(out.data);
    assert_int_equal(out.len, 0);
    aj_arena_free(a);

    aj_ua_guid g = spec_guid();
    round_trip(AJ_UA_GUID, &g,
               BYTES(0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF,
                     0x63));
}

static void test_spec_scalars(void **state) {
    (void)state;
    bool t = true;
    round_trip(AJ_UA_BOOLEAN, &t, BYTES(0x01));
    int16_t i16 = -2;
    round_trip(AJ_UA_INT16, &i16, BYTES(0xfe, 0xff));
    uint32_t u32 = 0x01020304;
    round_trip(AJ_UA_UINT32, &u32, BYTES(0x04, 0x03, 0x02, 0x01));
    int64_t i64 = INT64_MIN;
    round_trip(AJ_UA_INT64, &i64, BYTES(0, 0, 0, 0, 0, 0, 0, 0x80));
    float f = -6.5f; /* 0xC0D00000 */
    round_trip(AJ_UA_FLOAT, &f, BYTES(0x00, 0x00, 0xD0, 0xC0));
    double d = 1.0; /* 0x3FF0000000000000 */
    round_trip(AJ_UA_DOUBLE, &d, BYTES(0, 0, 0, 0, 0, 0, 0xF0, 0x3F));
    uint32_t bad_node_id_unknown = 0x80340000u;
    round_trip(AJ_UA_STATUSCODE, &bad_node_id_unknown, BYTES(0x00, 0x00, 0x34, 0x80));

    /* Boolean: any non-zero byte decodes true (§5.2.2.1) */
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    bool b = false;
    assert_int_equal(decode(a, BYTES(0x7f), AJ_UA_BOOLEAN, &b, &r), AJ_OK);
    assert_true(b);
    aj_arena_free(a);
}

static void test_spec_composites(void **state) {
    (void)state;
    aj_ua_localized_text lt = {aj_ua_string_of("en"), aj_ua_string_of("Hi")};
    round_trip(AJ_UA_LOCALIZEDTEXT, &lt, BYTES(0x03, 0x02, 0, 0, 0, 'e', 'n', 0x02, 0, 0, 0, 'H', 'i'));
    aj_ua_localized_text text_only = {AJ_UA_STRING_NULL, aj_ua_string_of("Hi")};
    round_trip(AJ_UA_LOCALIZEDTEXT, &text_only, BYTES(0x02, 0x02, 0, 0, 0, 'H', 'i'));
    aj_ua_localized_text none = {AJ_UA_STRING_NULL, AJ_UA_STRING_NULL};
    round_trip(AJ_UA_LOCALIZEDTEXT, &none, BYTES(0x00));

    aj_ua_qualified_name qn = {.ns = 2, .name = aj_ua_string_of("Temp")};
    round_trip(AJ_UA_QUALIFIEDNAME, &qn, BYTES(0x02, 0x00, 0x04, 0, 0, 0, 'T', 'e', 'm', 'p'));

    aj_ua_expanded_node_id x = {
        .node_id = {.numeric = 72}, .namespace_uri = aj_ua_string_of("u"), .server_index = 3};
    round_trip(AJ_UA_EXPANDEDNODEID, &x, BYTES(0xC0, 0x48, 0x01, 0, 0, 0, 'u', 0x03, 0, 0, 0));
    aj_ua_expanded_node_id plain = {.node_id = {.ns = 5, .numeric = 1025},
                                    .namespace_uri = AJ_UA_STRING_NULL};
    round_trip(AJ_UA_EXPANDEDNODEID, &plain, BYTES(0x01, 0x05, 0x01, 0x04));

    aj_ua_extension_object eo = {
        .type_id = {.numeric = 0x1f}, .encoding = AJ_UA_EXT_BINARY, .body = {"\x01\x02", 2}};
    round_trip(AJ_UA_EXTENSIONOBJECT, &eo, BYTES(0x00, 0x1f, 0x01, 0x02, 0, 0, 0, 0x01, 0x02));
    aj_ua_extension_object eo_none = {.type_id = {0}, .encoding = AJ_UA_EXT_NONE, .body = AJ_UA_STRING_NULL};
    round_trip(AJ_UA_EXTENSIONOBJECT, &eo_none, BYTES(0x00, 0x00, 0x00));
    aj_ua_extension_object eo_xml = {
        .type_id = {.numeric = 1}, .encoding = AJ_UA_EXT_XML, .body = aj_ua_string_of("<a/>")};
    round_trip(AJ_UA_EXTENSIONOBJECT, &eo_xml, BYTES(0x00, 0x01, 0x02, 0x04, 0, 0, 0, '<', 'a', '/', '>'));

    int32_t v = 42;
    aj_ua_data_value dv = {.mask = AJ_UA_DV_VALUE | AJ_UA_DV_STATUS | AJ_UA_DV_SOURCE_TIMESTAMP |
                                   AJ_UA_DV_SERVER_PICOSECONDS,
                           .value = aj_ua_variant_scalar(AJ_UA_INT32, &v),
                           .status = 0x40000000u,
                           .source_timestamp = AJ_UA_DATETIME_UNIX_EPOCH,
                           .server_picoseconds = 9999};
    round_trip(AJ_UA_DATAVALUE, &dv,
               BYTES(0x27, 0x06, 42, 0, 0, 0, 0x00, 0x00, 0x00, 0x40, 0x00, 0x80, 0x3e, 0xd5, 0xde, 0xb1,
                     0x9d, 0x01, 0x0f, 0x27));
    aj_ua_data_value empty_dv = {0};
    round_trip(AJ_UA_DATAVALUE, &empty_dv, BYTES(0x00));

    aj_ua_diagnostic_info inner = {.mask = AJ_UA_DI_INNER_STATUS_CODE,
                                   .inner_status_code = 0x80050000u,
                                   .additional_info = AJ_UA_STRING_NULL};
    aj_ua_diagnostic_info di = {.mask = AJ_UA_DI_SYMBOLIC_ID | AJ_UA_DI_LOCALE | AJ_UA_DI_ADDITIONAL_INFO |
                                        AJ_UA_DI_INNER_DIAGNOSTIC_INFO,
                                .symbolic_id = 1,
                                .locale = 2,
                                .additional_info = aj_ua_string_of("x"),
                                .inner = &inner};
    /* order on the wire: SymbolicId, NamespaceUri, Locale, LocalizedText, AdditionalInfo, ... */
    round_trip(AJ_UA_DIAGNOSTICINFO, &di,
               BYTES(0x59, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 'x', 0x20, 0x00, 0x00, 0x05, 0x80));
}

static void test_spec_variants(void **state) {
    (void)state;
    /* Int32[2][3] = 1..6: mask 0x80 | 0x40 | 6, ArrayLength 6, values, 2 dimensions 2, 3 */
    int32_t m[6] = {1, 2, 3, 4, 5, 6};
    uint32_t dims[2] = {2, 3};
    aj_ua_variant v = aj_ua_variant_array(AJ_UA_INT32, m, 6);
    v.n_dims = 2;
    v.dims = dims;
    round_trip(AJ_UA_VARIANT, &v,
               BYTES(0xC6, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0,
                     2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0));
    aj_ua_variant empty = {0};
    round_trip(AJ_UA_VARIANT, &empty, BYTES(0x00));
    double d = 2.5;
    aj_ua_variant sd = aj_ua_variant_scalar(AJ_UA_DOUBLE, &d);
    round_trip(AJ_UA_VARIANT, &sd, BYTES(0x0B, 0, 0, 0, 0, 0, 0, 0x04, 0x40));
    aj_ua_variant null_arr = aj_ua_variant_array(AJ_UA_STRING, NULL, 0);
    null_arr.is_null_array = true;
    round_trip(AJ_UA_VARIANT, &null_arr, BYTES(0x8C, 0xff, 0xff, 0xff, 0xff));
    aj_ua_variant empty_arr = aj_ua_variant_array(AJ_UA_STRING, NULL, 0);
    round_trip(AJ_UA_VARIANT, &empty_arr, BYTES(0x8C, 0, 0, 0, 0));
    assert_false(aj_ua_variant_equal(&null_arr, &empty_arr));

    /* reserved type ids 26..31 are read as ByteStrings and written back unchanged */
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    aj_ua_variant out;
    assert_int_equal(decode(a, BYTES(0x1A, 0x01, 0, 0, 0, 0x55), AJ_UA_VARIANT, &out, &r), AJ_OK);
    assert_int_equal(out.type, 26);
    assert_int_equal(out.v.string->len, 1);
    round_trip(AJ_UA_VARIANT, &out, BYTES(0x1A, 0x01, 0, 0, 0, 0x55));
    aj_arena_free(a);
}

/* ---- 2. round trips of every type ------------------------------------------------------------ */

/* One array per built-in type, edge values included, inside a Variant array of Variants;
 * each type also as a scalar Variant. */
static void test_round_trip_all_types(void **state) {
    (void)state;
    bool bools[] = {false, true};
    int8_t sbytes[] = {INT8_MIN, -1, 0, INT8_MAX};
    uint8_t bytes[] = {0, 1, UINT8_MAX};
    int16_t i16[] = {INT16_MIN, -1, 0, INT16_MAX};
    uint16_t u16[] = {0, 1, UINT16_MAX};
    int32_t i32[] = {INT32_MIN, -1, 0, INT32_MAX};
    uint32_t u32[] = {0, 1, UINT32_MAX};
    int64_t i64[] = {INT64_MIN, -1, 0, INT64_MAX};
    uint64_t u64[] = {0, 1, UINT64_MAX};
    float f32[4] = {-0.0f, INFINITY, 1e-45f, NAN};
    uint32_t nan32 = 0x7fc12345u; /* a quiet NaN with a payload */
    memcpy(&f32[3], &nan32, 4);
    double f64[5] = {-0.0, -INFINITY, 5e-324, DBL_MAX, 0};
    uint64_t nan64 = 0xfff8000000abcdefull; /* negative quiet NaN with a payload */
    memcpy(&f64[4], &nan64, 8);
    aj_ua_string strs[] = {
        AJ_UA_STRING_NULL, aj_ua_string_of(""), aj_ua_string_of("\xe6\xb0\xb4"), {"a\0b", 3}};
    int64_t times[] = {0, INT64_MAX, AJ_UA_DATETIME_UNIX_EPOCH};
    aj_ua_guid guids[] = {{0}, spec_guid()};
    aj_ua_string bstrs[] = {AJ_UA_STRING_NULL, {"", 0}, {"\x00\xff", 2}};
    aj_ua_string xmls[] = {AJ_UA_STRING_NULL, aj_ua_string_of("<x a=\"1\"/>")};
    aj_ua_node_id ids[] = {{0},
                           {.ns = 0, .numeric = 255},
                           {.ns = 255, .numeric = 65535},
                           {.ns = 65535, .numeric = UINT32_MAX},
                           {.ns = 7, .id_type = AJ_UA_ID_STRING, .string = aj_ua_string_of("s")},
                           {.ns = 7, .id_type = AJ_UA_ID_STRING, .string = AJ_UA_STRING_NULL},
                           {.ns = 1, .id_type = AJ_UA_ID_GUID, .guid = spec_guid()},
                           {.ns = 1, .id_type = AJ_UA_ID_OPAQUE, .string = {"\x01", 1}}};
    aj_ua_expanded_node_id xids[] = {{.node_id = {.numeric = 1}, .namespace_uri = AJ_UA_STRING_NULL},
                                     {.node_id = {.id_type = AJ_UA_ID_STRING, .string = aj_ua_string_of("n")},
                                      .namespace_uri = aj_ua_string_of("")},
                                     {.node_id = {.ns = 9, .numeric = 100000},
                                      .namespace_uri = AJ_UA_STRING_NULL,
                                      .server_index = UINT32_MAX}};
    uint32_t codes[] = {0, 0x40000000u, 0x80000000u, 0xC0000000u};
    aj_ua_qualified_name qns[] = {{0, AJ_UA_STRING_NULL}, {65535, aj_ua_string_of("q")}};
    aj_ua_localized_text lts[] = {{AJ_UA_STRING_NULL, AJ_UA_STRING_NULL},
                                  {aj_ua_string_of(""), AJ_UA_STRING_NULL},
                                  {aj_ua_string_of("zh-CN"), aj_ua_string_of("\xe6\xb0\xb4")}};
    aj_ua_extension_object eos[] = {
        {.encoding = AJ_UA_EXT_NONE, .body = AJ_UA_STRING_NULL},
        {.type_id = {.ns = 3, .numeric = 5000}, .encoding = AJ_UA_EXT_BINARY, .body = AJ_UA_STRING_NULL},
        {.type_id = {.numeric = 1}, .encoding = AJ_UA_EXT_XML, .body = {"<y/>", 4}}};
    int32_t inner_value = 7;
    aj_ua_data_value dvs[] = {{0},
                              {.mask = 0x3f,
                               .value = aj_ua_variant_scalar(AJ_UA_INT32, &inner_value),
                               .status = 0x80310000u,
                               .source_timestamp = INT64_MAX,
                               .server_timestamp = 0,
                               .source_picoseconds = 1,
                               .server_picoseconds = 9999}};
    aj_ua_diagnostic_info di_inner = {.mask = AJ_UA_DI_LOCALIZED_TEXT | AJ_UA_DI_NAMESPACE_URI,
                                      .localized_text = -1,
                                      .namespace_uri = INT32_MIN,
                                      .additional_info = AJ_UA_STRING_NULL};
    aj_ua_diagnostic_info dis[] = {{.additional_info = AJ_UA_STRING_NULL},
                                   {.mask = 0x7f,
                                    .symbolic_id = 3,
                                    .namespace_uri = 4,
                                    .locale = 5,
                                    .localized_text = 6,
                                    .additional_info = aj_ua_string_of("more"),
                                    .inner_status_code = 0x80020000u,
                                    .inner = &di_inner}};
    aj_ua_variant nested_elems[] = {{0}, aj_ua_variant_array(AJ_UA_BOOLEAN, bools, 2)};

#define N(x) (uint32_t)(sizeof(x) / sizeof((x)[0]))
    aj_ua_variant arrays[] = {
        aj_ua_variant_array(AJ_UA_BOOLEAN, bools, N(bools)),
        aj_ua_variant_array(AJ_UA_SBYTE, sbytes, N(sbytes)),
        aj_ua_variant_array(AJ_UA_BYTE, bytes, N(bytes)),
        aj_ua_variant_array(AJ_UA_INT16, i16, N(i16)),
        aj_ua_variant_array(AJ_UA_UINT16, u16, N(u16)),
        aj_ua_variant_array(AJ_UA_INT32, i32, N(i32)),
        aj_ua_variant_array(AJ_UA_UINT32, u32, N(u32)),
        aj_ua_variant_array(AJ_UA_INT64, i64, N(i64)),
        aj_ua_variant_array(AJ_UA_UINT64, u64, N(u64)),
        aj_ua_variant_array(AJ_UA_FLOAT, f32, N(f32)),
        aj_ua_variant_array(AJ_UA_DOUBLE, f64, N(f64)),
        aj_ua_variant_array(AJ_UA_STRING, strs, N(strs)),
        aj_ua_variant_array(AJ_UA_DATETIME, times, N(times)),
        aj_ua_variant_array(AJ_UA_GUID, guids, N(guids)),
        aj_ua_variant_array(AJ_UA_BYTESTRING, bstrs, N(bstrs)),
        aj_ua_variant_array(AJ_UA_XMLELEMENT, xmls, N(xmls)),
        aj_ua_variant_array(AJ_UA_NODEID, ids, N(ids)),
        aj_ua_variant_array(AJ_UA_EXPANDEDNODEID, xids, N(xids)),
        aj_ua_variant_array(AJ_UA_STATUSCODE, codes, N(codes)),
        aj_ua_variant_array(AJ_UA_QUALIFIEDNAME, qns, N(qns)),
        aj_ua_variant_array(AJ_UA_LOCALIZEDTEXT, lts, N(lts)),
        aj_ua_variant_array(AJ_UA_EXTENSIONOBJECT, eos, N(eos)),
        aj_ua_variant_array(AJ_UA_DATAVALUE, dvs, N(dvs)),
        aj_ua_variant_array(AJ_UA_VARIANT, nested_elems, N(nested_elems)),
        aj_ua_variant_array(AJ_UA_DIAGNOSTICINFO, dis, N(dis)),
    };
    assert_int_equal(N(arrays), 25);
    for (uint32_t k = 0; k < N(arrays); k++) {
        assert_int_equal(arrays[k].type, k + 1);
        round_trip(AJ_UA_VARIANT, &arrays[k], NULL, 0);
        /* every element alone, as a value and (except Variant) as a scalar Variant */
        size_t size = aj_ua_type_size(arrays[k].type);
        for (uint32_t j = 0; j < arrays[k].count; j++) {
            const uint8_t *elem = (const uint8_t *)arrays[k].v.any + size * j;
            round_trip(arrays[k].type, elem, NULL, 0);
            if (arrays[k].type == AJ_UA_VARIANT) continue;
            aj_ua_variant s = aj_ua_variant_scalar(arrays[k].type, elem);
            round_trip(AJ_UA_VARIANT, &s, NULL, 0);
        }
    }
    aj_ua_variant all = aj_ua_variant_array(AJ_UA_VARIANT, arrays, N(arrays));
    round_trip(AJ_UA_VARIANT, &all, NULL, 0);
    aj_ua_data_value holder = {.mask = AJ_UA_DV_VALUE, .value = all};
    round_trip(AJ_UA_DATAVALUE, &holder, NULL, 0);

    /* NaN payloads: equal to themselves, distinct from other NaNs; -0 != +0 */
    double other_nan = NAN, zero = 0.0;
    assert_true(aj_ua_value_equal(AJ_UA_DOUBLE, &f64[4], &f64[4]));
    assert_false(aj_ua_value_equal(AJ_UA_DOUBLE, &f64[4], &other_nan));
    assert_false(aj_ua_value_equal(AJ_UA_DOUBLE, &f64[0], &zero));
#undef N
}

/* A three-dimensional array and an array of empty dimensions. */
static void test_round_trip_dimensions(void **state) {
    (void)state;
    uint8_t cube[24];
    for (int k = 0; k < 24; k++) cube[k] = (uint8_t)k;
    uint32_t dims[3] = {2, 3, 4};
    aj_ua_variant v = aj_ua_variant_array(AJ_UA_BYTE, cube, 24);
    v.n_dims = 3;
    v.dims = dims;
    round_trip(AJ_UA_VARIANT, &v, NULL, 0);
    uint32_t zero_dims[2] = {0, 5};
    aj_ua_variant z = aj_ua_variant_array(AJ_UA_DOUBLE, NULL, 0);
    z.n_dims = 2;
    z.dims = zero_dims;
    round_trip(AJ_UA_VARIANT, &z, NULL, 0);

    /* the writer refuses what the reader would refuse */
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    uint32_t wrong[2] = {2, 2};
    v.n_dims = 2;
    v.dims = wrong;
    assert_int_equal(aj_ua_write_variant(&w, &v), AJ_EINVAL);
    assert_non_null(strstr(w.err, "multiply"));
    aj_ua_writer_clear(&w);
    aj_ua_writer_init(&w, 0);
    aj_ua_variant scalar_variant = aj_ua_variant_scalar(AJ_UA_VARIANT, &v);
    assert_int_equal(aj_ua_write_variant(&w, &scalar_variant), AJ_EINVAL);
    aj_ua_writer_clear(&w);
}

/* ---- 3. failures ------------------------------------------------------------------------- */

/* A DataValue using most types: every proper prefix must fail cleanly, naming a field. */
static void test_truncation_everywhere(void **state) {
    (void)state;
    aj_ua_localized_text lt = {aj_ua_string_of("en"), aj_ua_string_of("x")};
    aj_ua_node_id sid = {.ns = 1, .id_type = AJ_UA_ID_STRING, .string = aj_ua_string_of("a.b")};
    aj_ua_extension_object eo = {.type_id = {.ns = 2, .numeric = 9}, .encoding = 1, .body = {"\x05\x06", 2}};
    aj_ua_diagnostic_info di_in = {
        .mask = AJ_UA_DI_SYMBOLIC_ID, .symbolic_id = 1, .additional_info = AJ_UA_STRING_NULL};
    aj_ua_diagnostic_info di = {.mask = AJ_UA_DI_ADDITIONAL_INFO | AJ_UA_DI_INNER_DIAGNOSTIC_INFO,
                                .additional_info = aj_ua_string_of("i"),
                                .inner = &di_in};
    double ds[2] = {1, 2};
    uint32_t dims[2] = {1, 2};
    aj_ua_variant darr = aj_ua_variant_array(AJ_UA_DOUBLE, ds, 2);
    darr.n_dims = 2;
    darr.dims = dims;
    aj_ua_variant elems[] = {aj_ua_variant_scalar(AJ_UA_LOCALIZEDTEXT, &lt),
                             aj_ua_variant_scalar(AJ_UA_NODEID, &sid),
                             aj_ua_variant_scalar(AJ_UA_EXTENSIONOBJECT, &eo),
                             aj_ua_variant_scalar(AJ_UA_DIAGNOSTICINFO, &di), darr};
    aj_ua_data_value dv = {.mask = 0x3f,
                           .value = aj_ua_variant_array(AJ_UA_VARIANT, elems, 5),
                           .status = 1,
                           .source_timestamp = 2,
                           .server_timestamp = 3,
                           .source_picoseconds = 4,
                           .server_picoseconds = 5};
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    assert_int_equal(aj_ua_write_data_value(&w, &dv), AJ_OK);
    aj_arena *a = aj_arena_new();
    aj_ua_data_value out;
    aj_ua_reader r;
    assert_int_equal(decode(a, w.buf, w.len, AJ_UA_DATAVALUE, &out, &r), AJ_OK);
    assert_true(aj_ua_data_value_equal(&dv, &out));
    for (size_t n = 0; n < w.len; n++) {
        aj_ua_reader_init(&r, w.buf, n, a);
        assert_int_not_equal(aj_ua_read_data_value(&r, "DataValue", &out), AJ_OK);
        assert_int_equal(r.status, AJ_EINVAL);
        assert_true(r.pos <= n);
        assert_non_null(strstr(r.err, " at offset "));
        assert_true(strstr(r.err, "truncated") || strstr(r.err, "left"));
        assert_true(strncmp(r.err, "DataValue", 9) == 0 || strncmp(r.err, "Variant", 7) == 0 ||
                    strncmp(r.err, "DiagnosticInfo", 14) == 0);
        assert_int_equal(out.mask, 0); /* outputs of a failed read are zeroed */
    }
    /* one named example */
    aj_ua_reader_init(&r, w.buf, 3, a);
    aj_ua_read_data_value(&r, "DataValue", &out);
    assert_string_equal(r.err, "DataValue.Value.ArrayLength at offset 2: truncated: needs 4 bytes, 1 left");
    aj_arena_free(a);
    aj_ua_writer_clear(&w);
}

static void test_oversize(void **state) {
    (void)state;
    /* String length over the limit, negative, or over what is left */
    expect_fail(BYTES(0x71, 0x11, 0x01, 0x00), AJ_UA_STRING, AJ_ETOOBIG, "Value at offset 0", "70001 bytes",
                "65536-byte limit", NULL);
    expect_fail(BYTES(0xfe, 0xff, 0xff, 0xff), AJ_UA_STRING, AJ_EINVAL, "length -2 is negative", NULL);
    expect_fail(BYTES(0x05, 0, 0, 0, 'a'), AJ_UA_BYTESTRING, AJ_EINVAL,
                "ByteString of 5 bytes but only 1 left", NULL);
    expect_fail(BYTES(0x00, 0x00, 0x20, 0x00), AJ_UA_BYTESTRING, AJ_ETOOBIG, "1048576-byte limit", NULL);
    /* array counts: over the limit, over the bytes left, negative */
    expect_fail(BYTES(0x86, 0x40, 0x0d, 0x03, 0x00), AJ_UA_VARIANT, AJ_ETOOBIG,
                "Value.ArrayLength at offset 1: 200000 elements exceed the 100000 limit", NULL);
    expect_fail(BYTES(0x86, 0xff, 0xff, 0xff, 0x7f), AJ_UA_VARIANT, AJ_ETOOBIG, "2147483647 elements", NULL);
    expect_fail(BYTES(0x88, 0x03, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8), AJ_UA_VARIANT, AJ_EINVAL,
                "3 elements need at least 24 bytes, 8 left", NULL);
    expect_fail(BYTES(0x86, 0xfe, 0xff, 0xff, 0xff), AJ_UA_VARIANT, AJ_EINVAL, "length -2 is negative", NULL);
    /* dimensions: too many, none, negative, product mismatch */
    expect_fail(BYTES(0xC3, 0, 0, 0, 0, 9, 0, 0, 0), AJ_UA_VARIANT, AJ_ETOOBIG,
                "9 dimensions exceed the 8 limit", NULL);
    expect_fail(BYTES(0xC3, 0, 0, 0, 0, 0, 0, 0, 0), AJ_UA_VARIANT, AJ_EINVAL, "flag set but 0 dimensions",
                NULL);
    expect_fail(BYTES(0xC3, 0, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff), AJ_UA_VARIANT, AJ_EINVAL,
                "Value.ArrayDimensions at offset 9: dimension 0 is negative", NULL);
    expect_fail(BYTES(0xC3, 2, 0, 0, 0, 1, 2, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0), AJ_UA_VARIANT, AJ_EINVAL,
                "dimensions multiply to 3 elements, the array has 2", NULL);
    /* a huge product does not overflow */
    expect_fail(BYTES(0xC3, 2, 0, 0, 0, 1, 2, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f),
                AJ_UA_VARIANT, AJ_EINVAL, "multiply to 100001", NULL);
    /* the message cap of the reader */
    aj_ua_reader r;
    assert_int_equal(aj_ua_reader_init(&r, (const uint8_t *)"", (size_t)AJ_UA_MESSAGE_MAX + 1, NULL),
                     AJ_ETOOBIG);
    int32_t i;
    assert_int_equal(aj_ua_read_int32(&r, "X", &i), AJ_ETOOBIG);
    assert_non_null(strstr(r.err, "Message at offset 0"));
}

static void test_bad_encodings(void **state) {
    (void)state;
    expect_fail(BYTES(0x06, 0x00), AJ_UA_NODEID, AJ_EINVAL, "unknown NodeId encoding 0x06", NULL);
    expect_fail(BYTES(0x80, 0x00), AJ_UA_NODEID, AJ_EINVAL, "has ExpandedNodeId flags", NULL);
    expect_fail(BYTES(0x30, 0x00), AJ_UA_EXPANDEDNODEID, AJ_EINVAL, "Value.Encoding at offset 0", NULL);
    expect_fail(BYTES(0x00, 0x01, 0x03), AJ_UA_EXTENSIONOBJECT, AJ_EINVAL,
                "Value.Encoding at offset 2: unknown ExtensionObject encoding 0x03", NULL);
    expect_fail(BYTES(0x05, 0x01), AJ_UA_EXTENSIONOBJECT, AJ_EINVAL,
                "Value.TypeId.Namespace at offset 1: truncated", NULL);
    expect_fail(BYTES(0x04), AJ_UA_LOCALIZEDTEXT, AJ_EINVAL, "Value.EncodingMask at offset 0: unknown bits",
                NULL);
    expect_fail(BYTES(0x40), AJ_UA_DATAVALUE, AJ_EINVAL,
                "Value.EncodingMask at offset 0: unknown bits in 0x40", NULL);
    expect_fail(BYTES(0x80), AJ_UA_DIAGNOSTICINFO, AJ_EINVAL, "unknown bits in 0x80", NULL);
    expect_fail(BYTES(0x28), AJ_UA_VARIANT, AJ_EINVAL, "type id 40 is not a built-in type", NULL);
    expect_fail(BYTES(0x18, 0x00), AJ_UA_VARIANT, AJ_EINVAL, "a scalar Variant cannot hold a Variant", NULL);
    expect_fail(BYTES(0x46, 0, 0, 0, 0), AJ_UA_VARIANT, AJ_EINVAL,
                "ArrayDimensions flag without the array flag", NULL);
    expect_fail(BYTES(0x80), AJ_UA_VARIANT, AJ_EINVAL, "flags 0x80 on an empty Variant", NULL);
    /* an error inside a nested value names the nested field */
    expect_fail(BYTES(0x98, 0x01, 0, 0, 0, 0x15, 0x07), AJ_UA_VARIANT, AJ_EINVAL,
                "Variant.Value.EncodingMask at offset 6: unknown bits in 0x07", NULL);
    expect_fail(BYTES(0x01, 0x01, 0x00), AJ_UA_VARIANT, AJ_EINVAL, "1 bytes left over", NULL);
}

/* n levels of Variant arrays holding one Variant each, around an empty Variant. */
static uint8_t *nested_variants(int n, size_t *len) {
    uint8_t *p = malloc((size_t)n * 5 + 1);
    for (int k = 0; k < n; k++) memcpy(p + 5 * k, "\x98\x01\x00\x00\x00", 5);
    p[5 * n] = 0;
    *len = (size_t)n * 5 + 1;
    return p;
}

static void test_depth(void **state) {
    (void)state;
    /* DiagnosticInfo: 99 inner levels (100 in all) pass, 100 inner levels fail */
    uint8_t di[AJ_UA_DEPTH_MAX + 1];
    memset(di, AJ_UA_DI_INNER_DIAGNOSTIC_INFO, sizeof di);
    di[AJ_UA_DEPTH_MAX - 1] = 0;
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    aj_ua_diagnostic_info out;
    assert_int_equal(decode(a, di, AJ_UA_DEPTH_MAX, AJ_UA_DIAGNOSTICINFO, &out, &r), AJ_OK);
    assert_int_equal(r.depth, 0);
    round_trip(AJ_UA_DIAGNOSTICINFO, &out, di, AJ_UA_DEPTH_MAX);
    di[AJ_UA_DEPTH_MAX - 1] = AJ_UA_DI_INNER_DIAGNOSTIC_INFO;
    di[AJ_UA_DEPTH_MAX] = 0;
    expect_fail(di, sizeof di, AJ_UA_DIAGNOSTICINFO, AJ_ETOOBIG,
                "DiagnosticInfo.InnerDiagnosticInfo at offset 100: nested deeper than 100 levels", NULL);

    /* Variants in Variants, and a DataValue in a Variant in a DataValue */
    size_t len;
    uint8_t *p = nested_variants(AJ_UA_DEPTH_MAX - 1, &len);
    aj_ua_variant v;
    assert_int_equal(decode(a, p, len, AJ_UA_VARIANT, &v, &r), AJ_OK);
    round_trip(AJ_UA_VARIANT, &v, p, len);
    free(p);
    p = nested_variants(AJ_UA_DEPTH_MAX, &len);
    expect_fail(p, len, AJ_UA_VARIANT, AJ_ETOOBIG, "Variant.Value at offset 500: nested deeper than 100",
                NULL);
    free(p);
    expect_fail(BYTES(0x01, 0x17, 0x01, 0x17, 0x00), AJ_UA_DATAVALUE, AJ_OK, "", NULL);

    /* the writer refuses to go deeper than the reader would (a cycle cannot loop) */
    aj_ua_diagnostic_info self = {.mask = AJ_UA_DI_INNER_DIAGNOSTIC_INFO,
                                  .additional_info = AJ_UA_STRING_NULL};
    self.inner = &self;
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    assert_int_equal(aj_ua_write_diagnostic_info(&w, &self), AJ_ETOOBIG);
    assert_non_null(strstr(w.err, "nested deeper than 100"));
    aj_ua_writer_clear(&w);
    assert_false(aj_ua_diagnostic_info_equal(&self, &self)); /* bounded too */
    aj_arena_free(a);
}

/* 12 arrays of 100000 empty DataValues: 1.2 MB of input would decode into ~86 MB. */
static void test_decoded_bytes_budget(void **state) {
    (void)state;
    size_t per = 5 + 100000, len = 5 + 12 * per;
    uint8_t *p = calloc(1, len);
    memcpy(p, "\x98\x0c\x00\x00\x00", 5);
    for (int k = 0; k < 12; k++) memcpy(p + 5 + per * (size_t)k, "\x97\xa0\x86\x01\x00", 5);
    expect_fail(p, len, AJ_UA_VARIANT, AJ_ETOOBIG, "decoded values exceed the 67108864-byte limit", NULL);
    /* one such array alone is fine */
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    aj_ua_variant v;
    assert_int_equal(decode(a, p + 5, per, AJ_UA_VARIANT, &v, &r), AJ_OK);
    assert_int_equal(v.count, 100000);
    assert_true(r.n_decoded_bytes <= AJ_UA_DECODED_BYTES_MAX);
    aj_arena_free(a);
    free(p);
}

static void test_utf8(void **state) {
    (void)state;
    const uint8_t bad[] = {0x03, 0, 0, 0, 'a', 0xc0, 0x80}; /* overlong NUL */
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    aj_ua_string s;
    assert_int_equal(decode(a, bad, sizeof bad, AJ_UA_STRING, &s, &r), AJ_OK);
    assert_int_equal(r.n_bad_utf8, 1);
    assert_int_equal(s.len, 3);
    /* a ByteString is bytes: never checked */
    assert_int_equal(decode(a, bad, sizeof bad, AJ_UA_BYTESTRING, &s, &r), AJ_OK);
    assert_int_equal(r.n_bad_utf8, 0);
    /* strict: refused, naming the field */
    aj_ua_reader_init(&r, bad, sizeof bad, a);
    r.is_utf8_strict = true;
    assert_int_equal(aj_ua_read_string(&r, "BrowseName", &s), AJ_EINVAL);
    assert_string_equal(r.err, "BrowseName at offset 0: String is not valid UTF-8");
    assert_null(s.data);
    aj_arena_free(a);
}

static void test_sticky_and_writer_cap(void **state) {
    (void)state;
    const uint8_t p[] = {1, 2, 3, 4, 5, 6};
    aj_ua_reader r;
    aj_ua_reader_init(&r, p, sizeof p, NULL);
    uint32_t u;
    uint64_t big;
    assert_int_equal(aj_ua_read_uint32(&r, "A", &u), AJ_OK);
    assert_int_equal(aj_ua_read_uint64(&r, "B", &big), AJ_EINVAL);
    assert_string_equal(r.err, "B at offset 4: truncated: needs 8 bytes, 2 left");
    uint8_t b = 9;
    assert_int_equal(aj_ua_read_byte(&r, "C", &b), AJ_EINVAL); /* would fit, but the reader failed */
    assert_int_equal(b, 0);
    assert_int_equal(r.pos, 4);
    assert_string_equal(r.err, "B at offset 4: truncated: needs 8 bytes, 2 left");
    /* a string needs an arena */
    aj_ua_reader_init(&r, BYTES(0, 0, 0, 0), NULL);
    aj_ua_string s;
    assert_int_equal(aj_ua_read_string(&r, "S", &s), AJ_EINTERNAL);

    aj_ua_writer w;
    aj_ua_writer_init(&w, 10);
    assert_int_equal(aj_ua_write_uint64(&w, 1), AJ_OK);
    assert_int_equal(aj_ua_write_uint32(&w, 1), AJ_ETOOBIG);
    assert_int_equal(w.len, 8);
    assert_int_equal(aj_ua_write_byte(&w, 1), AJ_ETOOBIG); /* sticky */
    assert_non_null(strstr(w.err, "10-byte limit"));
    aj_ua_writer_clear(&w);
    /* growth across many small writes */
    aj_ua_writer_init(&w, 0);
    for (int k = 0; k < 100000; k++) aj_ua_write_int32(&w, k);
    assert_int_equal(w.status, AJ_OK);
    assert_int_equal(w.len, 400000);
    assert_int_equal(w.buf[4 * 99999], 99999 & 0xff);
    aj_ua_writer_clear(&w);
    /* strings the reader would refuse are not written */
    aj_ua_writer_init(&w, 0);
    char *long_s = calloc(1, AJ_UA_STRING_LEN_MAX + 1);
    assert_int_equal(aj_ua_write_string(&w, (aj_ua_string){long_s, AJ_UA_STRING_LEN_MAX + 1}), AJ_ETOOBIG);
    free(long_s);
    aj_ua_writer_clear(&w);
}

/* ---- 4. helpers --------------------------------------------------------------------------- */

static void test_status_quality(void **state) {
    (void)state;
    assert_int_equal(aj_ua_status_severity(0), AJ_UA_SEVERITY_GOOD);
    assert_int_equal(aj_ua_status_severity(0x00A20000u), AJ_UA_SEVERITY_GOOD); /* Good_Clamped-like */
    assert_int_equal(aj_ua_status_severity(0x40900000u), AJ_UA_SEVERITY_UNCERTAIN);
    assert_int_equal(aj_ua_status_severity(0x80340000u), AJ_UA_SEVERITY_BAD);
    assert_int_equal(aj_ua_status_severity(0xC0000000u), AJ_UA_SEVERITY_BAD); /* reserved */
    assert_int_equal(aj_ua_status_quality(0), AJ_QUALITY_GOOD);
    assert_int_equal(aj_ua_status_quality(0x40000000u), AJ_QUALITY_UNCERTAIN);
    assert_int_equal(aj_ua_status_quality(0x80000000u), AJ_QUALITY_BAD);
    assert_int_equal(aj_ua_status_quality(0xFFFFFFFFu), AJ_QUALITY_BAD);
    assert_int_equal(aj_ua_status_reasons(0), 0);
    assert_int_equal(aj_ua_status_reasons(0x40900000u), 0);
    assert_int_equal(aj_ua_status_reasons(0x80340000u), AJ_QR_SOURCE_BAD);
    assert_int_equal(aj_ua_status_reasons(0x80310000u), AJ_QR_SOURCE_BAD | AJ_QR_COMM_LOSS);
    assert_int_equal(aj_ua_status_reasons(0x80050400u), AJ_QR_SOURCE_BAD | AJ_QR_COMM_LOSS); /* info bits */
    assert_int_equal(aj_ua_status_reasons(0x408F0000u), AJ_QR_COMM_LOSS);
}

static void test_to_double(void **state) {
    (void)state;
    bool t = true;
    int8_t sb = -5;
    uint8_t by = 200;
    int16_t i16 = -300;
    uint16_t u16 = 60000;
    int32_t i32 = INT32_MIN;
    uint32_t u32 = UINT32_MAX;
    int64_t i64 = -(1LL << 53);
    uint64_t u64 = 1ULL << 63;
    float f = 0.5f;
    double d = -1e300;
    struct {
        aj_ua_type type;
        const void *p;
        double want;
    } cases[] = {{AJ_UA_BOOLEAN, &t, 1},
                 {AJ_UA_SBYTE, &sb, -5},
                 {AJ_UA_BYTE, &by, 200},
                 {AJ_UA_INT16, &i16, -300},
                 {AJ_UA_UINT16, &u16, 60000},
                 {AJ_UA_INT32, &i32, INT32_MIN},
                 {AJ_UA_UINT32, &u32, UINT32_MAX},
                 {AJ_UA_INT64, &i64, -9007199254740992.0},
                 {AJ_UA_UINT64, &u64, 9223372036854775808.0},
                 {AJ_UA_FLOAT, &f, 0.5},
                 {AJ_UA_DOUBLE, &d, -1e300}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        aj_ua_variant v = aj_ua_variant_scalar(cases[k].type, cases[k].p);
        double out = 0;
        assert_true(aj_ua_variant_to_double(&v, &out));
        assert_true(out == cases[k].want);
    }
    double out = 42;
    aj_ua_string s = aj_ua_string_of("1");
    aj_ua_variant vs = aj_ua_variant_scalar(AJ_UA_STRING, &s);
    assert_false(aj_ua_variant_to_double(&vs, &out));
    int64_t dt = 0;
    aj_ua_variant vdt = aj_ua_variant_scalar(AJ_UA_DATETIME, &dt);
    assert_false(aj_ua_variant_to_double(&vdt, &out));
    aj_ua_variant arr = aj_ua_variant_array(AJ_UA_DOUBLE, &d, 1);
    assert_false(aj_ua_variant_to_double(&arr, &out));
    aj_ua_variant empty = {0};
    assert_false(aj_ua_variant_to_double(&empty, &out));
    assert_true(out == 42);
}

static void test_datetime(void **state) {
    (void)state;
    /* the Unix epoch and a known instant: 2023-11-14T22:13:20Z = 1700000000 s */
    assert_int_equal(aj_ua_datetime_from_unix_ns(0), AJ_UA_DATETIME_UNIX_EPOCH);
    assert_int_equal(aj_ua_datetime_to_unix_ns(AJ_UA_DATETIME_UNIX_EPOCH), 0);
    assert_int_equal(aj_ua_datetime_from_unix_ms(1700000000000LL), 133444736000000000LL);
    assert_int_equal(aj_ua_datetime_to_unix_ms(133444736000000000LL), 1700000000000LL);
    assert_int_equal(aj_ua_datetime_to_unix_ns(133444736000000001LL), 1700000000000000100LL);
    /* sub-tick ns are floored, before 1970 too */
    assert_int_equal(aj_ua_datetime_from_unix_ns(199), AJ_UA_DATETIME_UNIX_EPOCH + 1);
    assert_int_equal(aj_ua_datetime_from_unix_ns(-1), AJ_UA_DATETIME_UNIX_EPOCH - 1);
    assert_int_equal(aj_ua_datetime_to_unix_ms(AJ_UA_DATETIME_UNIX_EPOCH - 1), -1);
    /* decoding: 0 is the earliest time, INT64_MAX the latest; beyond Unix ns range clamps */
    assert_true(aj_ua_datetime_to_unix_ns(0) == INT64_MIN);
    assert_true(aj_ua_datetime_to_unix_ns(-5) == INT64_MIN);
    assert_true(aj_ua_datetime_to_unix_ns(INT64_MAX) == INT64_MAX);
    assert_true(aj_ua_datetime_to_unix_ns(1) == INT64_MIN);                  /* 1601: before 1677 */
    assert_true(aj_ua_datetime_to_unix_ns(AJ_UA_DATETIME_END) == INT64_MAX); /* 9999: after 2262 */
    assert_true(aj_ua_datetime_to_unix_ms(0) == INT64_MIN);
    assert_int_equal(aj_ua_datetime_to_unix_ms(1), -11644473600000LL); /* 1601-01-01, floored */
    assert_true(aj_ua_datetime_to_unix_ms(INT64_MAX) == INT64_MAX);
    /* encoding: the extremes map to 0 and INT64_MAX; 1601 and 9999 clamp */
    assert_int_equal(aj_ua_datetime_from_unix_ns(INT64_MIN), 0);
    assert_true(aj_ua_datetime_from_unix_ns(INT64_MAX) == INT64_MAX);
    assert_int_equal(aj_ua_datetime_from_unix_ms(INT64_MIN), 0);
    assert_int_equal(aj_ua_datetime_from_unix_ms(-11644473600000LL), 0); /* exactly 1601 */
    assert_int_equal(aj_ua_datetime_from_unix_ms(-11644473600000LL + 1), 10000);
    assert_int_equal(aj_ua_datetime_from_unix_ms(-99999999999999999LL), 0);
    assert_true(aj_ua_datetime_from_unix_ms(253402300799000LL) == INT64_MAX); /* 9999-12-31 23:59:59 */
    assert_int_equal(aj_ua_datetime_from_unix_ms(253402300798999LL), AJ_UA_DATETIME_END - 10000);
    assert_true(aj_ua_datetime_from_unix_ms(INT64_MAX / 2) == INT64_MAX);
    /* ns round trip over the whole int64 range the engine uses */
    int64_t ns[] = {INT64_MIN + 100, -1700000000000000000LL, 0, 1700000000123456700LL, INT64_MAX - 7};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        int64_t back = aj_ua_datetime_to_unix_ns(aj_ua_datetime_from_unix_ns(ns[k]));
        assert_true(back <= ns[k] && ns[k] - back < 100);
    }
}

static void test_type_names(void **state) {
    (void)state;
    assert_string_equal(aj_ua_type_name(AJ_UA_INT32), "Int32");
    assert_string_equal(aj_ua_type_name(AJ_UA_DIAGNOSTICINFO), "DiagnosticInfo");
    assert_string_equal(aj_ua_type_name(30), "Reserved");
    assert_string_equal(aj_ua_type_name(64), "?");
    assert_int_equal(aj_ua_type_size(AJ_UA_NULL), 0);
    assert_int_equal(aj_ua_type_size(AJ_UA_GUID), 16);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_node_ids),
        cmocka_unit_test(test_spec_strings),
        cmocka_unit_test(test_spec_scalars),
        cmocka_unit_test(test_spec_composites),
        cmocka_unit_test(test_spec_variants),
        cmocka_unit_test(test_round_trip_all_types),
        cmocka_unit_test(test_round_trip_dimensions),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_bad_encodings),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_decoded_bytes_budget),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_sticky_and_writer_cap),
        cmocka_unit_test(test_status_quality),
        cmocka_unit_test(test_to_double),
        cmocka_unit_test(test_datetime),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests_name("opcua_binary", tests, NULL, NULL);
}
