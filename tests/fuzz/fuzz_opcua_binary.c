/* fuzz_opcua_binary.c — libFuzzer harness for the OPC UA Binary decoder (src/opcua/binary.c,
 * src/opcua/variant.c).
 *
 * The input is decoded three times from its start: as a Variant, a DataValue and a
 * DiagnosticInfo (lenient UTF-8), and once more as a Variant with strict UTF-8. What the
 * module promises is checked on each:
 *  - a failed decode leaves a non-empty, NUL-terminated message, a failed status that
 *    later reads keep, pos within the input, and nesting depth back at 0;
 *  - a successful decode re-encodes without error, decodes again to an equal value
 *    (aj_ua_*_equal), and the second encoding is byte-for-byte the first (the writer is
 *    canonical), and no more decoded bytes were taken than AJ_UA_DECODED_BYTES_MAX;
 *  - the numeric view of a Variant never fails on numeric scalars.
 * Seeds: tests/fuzz/corpus/opcua_binary/ (made with the encoder), dictionary
 * tests/fuzz/opcua_binary.dict.
 */
#include "opcua/binary.h"

#include "base/limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

typedef union any_value {
    aj_ua_variant v;
    aj_ua_data_value dv;
    aj_ua_diagnostic_info di;
} any_value;

static bool equal(int type, const any_value *a, const any_value *b) {
    switch (type) {
    case AJ_UA_VARIANT:
        return aj_ua_variant_equal(&a->v, &b->v);
    case AJ_UA_DATAVALUE:
        return aj_ua_data_value_equal(&a->dv, &b->dv);
    default:
        return aj_ua_diagnostic_info_equal(&a->di, &b->di);
    }
}

static void check_failed(aj_ua_reader *r, size_t size) {
    must(r->status != AJ_OK);
    size_t n = strnlen(r->err, sizeof r->err);
    must(n > 0 && n < sizeof r->err);
    must(strstr(r->err, " at offset ") != NULL);
    must(r->pos <= size);
    must(r->depth == 0);
    uint8_t b = 1;
    must(aj_ua_read_byte(r, "After", &b) == r->status && b == 0); /* sticky */
}

static void run(const uint8_t *data, size_t size, int type, bool is_strict) {
    aj_arena *a = aj_arena_new();
    must(a != NULL);
    aj_ua_reader r;
    aj_ua_reader_init(&r, data, size, a);
    r.is_utf8_strict = is_strict;
    any_value first;
    if (aj_ua_read_value(&r, "Value", type, &first) != AJ_OK) {
        check_failed(&r, size);
        aj_arena_free(a);
        return;
    }
    must(r.err[0] == 0 && r.pos <= size && r.depth == 0);
    must(r.n_decoded_bytes <= AJ_UA_DECODED_BYTES_MAX);
    if (is_strict) must(r.n_bad_utf8 == 0);
    if (type == AJ_UA_VARIANT) {
        double d;
        bool is_numeric = !first.v.is_array && first.v.type >= AJ_UA_BOOLEAN && first.v.type <= AJ_UA_DOUBLE;
        must(aj_ua_variant_to_double(&first.v, &d) == is_numeric);
    }

    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    must(aj_ua_write_value(&w, type, &first) == AJ_OK);
    must(w.depth == 0);

    aj_ua_reader r2;
    aj_ua_reader_init(&r2, w.buf, w.len, a);
    any_value second;
    must(aj_ua_read_value(&r2, "Value", type, &second) == AJ_OK);
    must(aj_ua_reader_finish(&r2, "Value") == AJ_OK);
    must(equal(type, &first, &second));

    aj_ua_writer w2;
    aj_ua_writer_init(&w2, 0);
    must(aj_ua_write_value(&w2, type, &second) == AJ_OK);
    must(w2.len == w.len && memcmp(w2.buf, w.buf, w.len) == 0);

    aj_ua_writer_clear(&w2);
    aj_ua_writer_clear(&w);
    aj_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run(data, size, AJ_UA_VARIANT, false);
    run(data, size, AJ_UA_DATAVALUE, false);
    run(data, size, AJ_UA_DIAGNOSTICINFO, false);
    run(data, size, AJ_UA_VARIANT, true);
    return 0;
}
