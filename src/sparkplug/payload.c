/* payload.c — Sparkplug B payloads: protobuf-c unpacking with a memory bound, conversion into
 * the plain structs of payload.h, the value of a metric, and encoding (payload.h,
 * docs/sparkplug.md "Payloads").
 *
 * Decoding runs in two steps. protobuf-c unpacks the bytes (sparkplug_b.proto, compiled at
 * build time) with an allocator that refuses to hand out more than the memory bound in
 * total, so a small payload of many empty metrics cannot make it allocate without limit;
 * the recursive members of the specification are bytes in our .proto, so it recurses at
 * most 4 levels (Payload, Metric, PropertySet, PropertyValue). Then everything anjian
 * uses is copied into one arena (names, strings, the Quality property) and the protobuf-c
 * message is freed, so a payload is one allocation to free and holds nothing of
 * protobuf-c's.
 *
 * Whole-payload problems (malformed protobuf, too big, a payload timestamp past 2262) fail
 * the decode; problems of one metric (a name that is empty, too long, holds a NUL or is not
 * UTF-8; a timestamp past 2262) only mark that metric invalid, so one bad metric does not
 * cost the others.
 */
#include "sparkplug/payload.h"

#include "base/arena.h"
#include "sparkplug/topic.h"

#include "sparkplug_b.pb-c.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Org__Eclipse__Tahu__Protobuf__Payload PbPayload;
typedef Org__Eclipse__Tahu__Protobuf__Payload__Metric PbMetric;
typedef Org__Eclipse__Tahu__Protobuf__Payload__PropertySet PbPropertySet;
typedef Org__Eclipse__Tahu__Protobuf__Payload__PropertyValue PbPropertyValue;
#define METRIC_VALUE(x)   ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_##x
#define PROPERTY_VALUE(x) ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__PROPERTY_VALUE__VALUE_##x

#define COMPRESSED_UUID "SPBV1.0_COMPRESSED"

static const char *const DATATYPE_NAMES[AJ_SP_T_COUNT] = {"Unknown",      "Int8",
                                                          "Int16",        "Int32",
                                                          "Int64",        "UInt8",
                                                          "UInt16",       "UInt32",
                                                          "UInt64",       "Float",
                                                          "Double",       "Boolean",
                                                          "String",       "DateTime",
                                                          "Text",         "UUID",
                                                          "DataSet",      "Bytes",
                                                          "File",         "Template",
                                                          "PropertySet",  "PropertySetList",
                                                          "Int8Array",    "Int16Array",
                                                          "Int32Array",   "Int64Array",
                                                          "UInt8Array",   "UInt16Array",
                                                          "UInt32Array",  "UInt64Array",
                                                          "FloatArray",   "DoubleArray",
                                                          "BooleanArray", "StringArray",
                                                          "DateTimeArray"};

const char *aj_sp_datatype_name(uint32_t datatype) {
    return datatype < AJ_SP_T_COUNT ? DATATYPE_NAMES[datatype] : "?";
}

/* ---- the bounded allocator ------------------------------------------------------------ */

/* protobuf-c's allocations for one unpack, counted up (frees are not subtracted: the bound
 * is on everything one payload makes it allocate). */
typedef struct budget {
    size_t used, max;
    bool is_exceeded;
} budget;

static void *budget_alloc(void *data, size_t size) {
    budget *b = data;
    if (size > b->max - b->used) {
        b->is_exceeded = true;
        return NULL;
    }
    b->used += size;
    return malloc(size ? size : 1);
}

static void budget_free(void *data, void *p) {
    (void)data;
    free(p);
}

/* ---- decoding ------------------------------------------------------------------------- */

/* Why the name n cannot be a metric name, or NULL. */
static const char *name_problem(const ProtobufCBinaryData *n) {
    if (n->len == 0) return "name is empty";
    if (n->len > AJ_SP_METRIC_NAME_MAX) return "name is longer than 256 bytes";
    if (memchr(n->data, 0, n->len)) return "name holds a NUL byte";
    if (!aj_sp_utf8_ok((const char *)n->data, n->len)) return "name is not valid UTF-8";
    return NULL;
}

static char *copy_bytes(aj_arena *a, const void *data, size_t len) {
    char *s = aj_arena_alloc(a, len + 1);
    if (s) memcpy(s, data, len); /* the arena zeroes: s[len] is the NUL */
    return s;
}

/* The "Quality" property of a metric, if it has a usable one. */
static void quality_property(const PbPropertySet *ps, aj_sp_metric *m) {
    if (!ps || ps->n_keys != ps->n_values) return;
    size_t n = ps->n_keys < AJ_SP_PROPERTIES_MAX ? ps->n_keys : AJ_SP_PROPERTIES_MAX;
    for (size_t i = 0; i < n; i++) {
        const ProtobufCBinaryData *k = &ps->keys[i];
        if (k->len != 7 || memcmp(k->data, "Quality", 7) != 0) continue;
        const PbPropertyValue *v = ps->values[i];
        if (v->has_is_null && v->is_null) return;
        if (v->value_case == PROPERTY_VALUE(INT_VALUE)) {
            m->quality = (int32_t)v->int_value;
        } else if (v->value_case == PROPERTY_VALUE(LONG_VALUE)) {
            m->quality = (int64_t)v->long_value;
        } else {
            return;
        }
        m->has_quality = true;
        return;
    }
}

/* The value oneof of pm into m. */
static aj_err metric_value(aj_arena *a, const PbMetric *pm, aj_sp_metric *m) {
    switch (pm->value_case) {
    case METRIC_VALUE(INT_VALUE):
        m->field = AJ_SP_F_INT;
        m->raw.u32 = pm->int_value;
        break;
    case METRIC_VALUE(LONG_VALUE):
        m->field = AJ_SP_F_LONG;
        m->raw.u64 = pm->long_value;
        break;
    case METRIC_VALUE(FLOAT_VALUE):
        m->field = AJ_SP_F_FLOAT;
        m->raw.f = pm->float_value;
        break;
    case METRIC_VALUE(DOUBLE_VALUE):
        m->field = AJ_SP_F_DOUBLE;
        m->raw.d = pm->double_value;
        break;
    case METRIC_VALUE(BOOLEAN_VALUE):
        m->field = AJ_SP_F_BOOLEAN;
        m->raw.b = pm->boolean_value != 0;
        break;
    case METRIC_VALUE(STRING_VALUE): {
        size_t len = pm->string_value ? strlen(pm->string_value) : 0;
        m->field = AJ_SP_F_STRING;
        m->n_bytes = len;
        m->text = copy_bytes(a, pm->string_value ? pm->string_value : "", len);
        if (!m->text) return AJ_ENOMEM;
        break;
    }
    case METRIC_VALUE(BYTES_VALUE):
        m->field = AJ_SP_F_BYTES;
        m->n_bytes = pm->bytes_value.len;
        break;
    case METRIC_VALUE(DATASET_VALUE):
        m->field = AJ_SP_F_DATASET;
        m->n_bytes = pm->dataset_value.len;
        break;
    case METRIC_VALUE(TEMPLATE_VALUE):
        m->field = AJ_SP_F_TEMPLATE;
        m->n_bytes = pm->template_value.len;
        break;
    case METRIC_VALUE(EXTENSION_VALUE):
        m->field = AJ_SP_F_EXTENSION;
        m->n_bytes = pm->extension_value.len;
        break;
    default:
        m->field = AJ_SP_F_NONE;
        break;
    }
    return AJ_OK;
}

static aj_err metric(aj_arena *a, const PbMetric *pm, aj_sp_metric *m) {
    if (pm->has_name) {
        m->invalid = name_problem(&pm->name);
        if (!m->invalid && !(m->name = copy_bytes(a, pm->name.data, pm->name.len))) return AJ_ENOMEM;
    }
    m->has_alias = pm->has_alias;
    m->alias = pm->alias;
    if (pm->has_timestamp) {
        m->has_timestamp = true;
        m->timestamp_ms = pm->timestamp;
        if (pm->timestamp > (uint64_t)AJ_SP_TIMESTAMP_MS_MAX) {
            if (!m->invalid) m->invalid = "timestamp is after the year 2262";
            m->timestamp_ms = 0;
        }
    }
    m->datatype = pm->has_datatype ? pm->datatype : 0;
    m->is_null = pm->has_is_null && pm->is_null;
    m->is_historical = pm->has_is_historical && pm->is_historical;
    m->is_transient = pm->has_is_transient && pm->is_transient;
    quality_property(pm->properties, m);
    return metric_value(a, pm, m);
}

static aj_err convert(const PbPayload *pb, aj_sp_payload *p, char *err, size_t errlen) {
    if (pb->n_metrics > AJ_SP_METRICS_MAX) {
        snprintf(err, errlen, "%zu metrics in one payload, more than %d", pb->n_metrics, AJ_SP_METRICS_MAX);
        return AJ_ETOOBIG;
    }
    if (pb->has_timestamp && pb->timestamp > (uint64_t)AJ_SP_TIMESTAMP_MS_MAX) {
        snprintf(err, errlen, "payload timestamp %llu ms is after the year 2262",
                 (unsigned long long)pb->timestamp);
        return AJ_EINVAL;
    }
    p->has_timestamp = pb->has_timestamp;
    p->timestamp_ms = pb->timestamp;
    p->has_seq = pb->has_seq;
    p->seq = pb->seq;
    p->is_compressed = pb->uuid && strcmp(pb->uuid, COMPRESSED_UUID) == 0;
    p->metrics = aj_arena_alloc(p->arena, pb->n_metrics * sizeof *p->metrics);
    if (!p->metrics) return AJ_ENOMEM;
    for (size_t i = 0; i < pb->n_metrics; i++) {
        aj_err e = metric(p->arena, pb->metrics[i], &p->metrics[i]);
        if (e) return e;
        p->n_invalid += p->metrics[i].invalid != NULL;
        p->n_metrics = (int)i + 1;
    }
    return AJ_OK;
}

aj_err aj_sp_payload_decode_bounded(const void *data, size_t len, size_t decoded_bytes_max,
                                    aj_sp_payload **out, char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    if (len > AJ_SP_PAYLOAD_MAX) {
        snprintf(err, errlen, "payload of %zu bytes, more than %u", len, AJ_SP_PAYLOAD_MAX);
        return AJ_ETOOBIG;
    }
    budget b = {.max = decoded_bytes_max};
    ProtobufCAllocator alloc = {.alloc = budget_alloc, .free = budget_free, .allocator_data = &b};
    static const uint8_t empty[1];
    PbPayload *pb = org__eclipse__tahu__protobuf__payload__unpack(&alloc, len, len ? data : empty);
    if (!pb) {
        if (b.is_exceeded) {
            snprintf(err, errlen, "unpacking the %zu-byte payload would take more than %zu bytes of memory",
                     len, decoded_bytes_max);
            return AJ_ETOOBIG;
        }
        snprintf(err, errlen, "not a Sparkplug B payload (the %zu bytes are not a valid protobuf Payload)",
                 len);
        return AJ_EINVAL;
    }
    aj_arena *arena = aj_arena_new();
    aj_sp_payload *p = arena ? aj_arena_alloc(arena, sizeof *p) : NULL;
    aj_err e = AJ_ENOMEM;
    if (p) {
        p->arena = arena;
        e = convert(pb, p, err, errlen);
    }
    org__eclipse__tahu__protobuf__payload__free_unpacked(pb, &alloc);
    if (e) {
        if (e == AJ_ENOMEM) snprintf(err, errlen, "out of memory");
        aj_arena_free(arena);
        return e;
    }
    assert(aj_sp_payload_ok(p));
    *out = p;
    return AJ_OK;
}

aj_err aj_sp_payload_decode(const void *data, size_t len, aj_sp_payload **out, char *err, size_t errlen) {
    return aj_sp_payload_decode_bounded(data, len, AJ_SP_DECODED_BYTES_MAX, out, err, errlen);
}

void aj_sp_payload_free(aj_sp_payload *p) {
    if (p) aj_arena_free(p->arena); /* the payload lives in its own arena */
}

static bool metric_ok(const aj_sp_metric *m) {
    if (m->name) {
        size_t n = strlen(m->name);
        if (n < 1 || n > AJ_SP_METRIC_NAME_MAX || !aj_sp_utf8_ok(m->name, n)) return false;
    }
    if (m->has_timestamp && m->timestamp_ms > (uint64_t)AJ_SP_TIMESTAMP_MS_MAX) return false;
    if ((unsigned)m->field >= AJ_SP_F_COUNT) return false;
    if (m->field == AJ_SP_F_STRING && (!m->text || strlen(m->text) != m->n_bytes)) return false;
    if (m->field != AJ_SP_F_STRING && m->text) return false;
    return !m->invalid || m->invalid[0];
}

bool aj_sp_payload_ok(const aj_sp_payload *p) {
    if (!p || !p->arena || p->n_metrics < 0 || p->n_metrics > AJ_SP_METRICS_MAX) return false;
    if (p->n_metrics > 0 && !p->metrics) return false;
    if (p->has_timestamp && p->timestamp_ms > (uint64_t)AJ_SP_TIMESTAMP_MS_MAX) return false;
    int n_invalid = 0;
    for (int i = 0; i < p->n_metrics; i++) {
        if (!metric_ok(&p->metrics[i])) return false;
        n_invalid += p->metrics[i].invalid != NULL;
    }
    return n_invalid == p->n_invalid;
}

/* ---- encoding ------------------------------------------------------------------------- */

/* pm from m; strings point into m (valid while m is). */
static aj_err encode_metric(const aj_sp_metric *m, PbMetric *pm, PbPropertySet *ps, PbPropertyValue *pv,
                            PbPropertyValue **pvs, ProtobufCBinaryData *key) {
    if (m->name) {
        pm->has_name = true;
        pm->name.data = (uint8_t *)m->name;
        pm->name.len = strlen(m->name);
    }
    pm->has_alias = m->has_alias;
    pm->alias = m->alias;
    pm->has_timestamp = m->has_timestamp;
    pm->timestamp = m->timestamp_ms;
    pm->has_datatype = m->datatype != 0;
    pm->datatype = m->datatype;
    pm->has_is_null = m->is_null;
    pm->is_null = m->is_null;
    pm->has_is_historical = m->is_historical;
    pm->is_historical = m->is_historical;
    pm->has_is_transient = m->is_transient;
    pm->is_transient = m->is_transient;
    if (m->has_quality) {
        pv->type = AJ_SP_T_INT32;
        pv->has_type = true;
        pv->value_case = PROPERTY_VALUE(INT_VALUE);
        pv->int_value = (uint32_t)(int32_t)m->quality;
        key->data = (uint8_t *)"Quality";
        key->len = 7;
        pvs[0] = pv;
        ps->n_keys = 1;
        ps->keys = key;
        ps->n_values = 1;
        ps->values = pvs;
        pm->properties = ps;
    }
    switch (m->field) {
    case AJ_SP_F_NONE:
        return AJ_OK;
    case AJ_SP_F_INT:
        pm->value_case = METRIC_VALUE(INT_VALUE);
        pm->int_value = m->raw.u32;
        return AJ_OK;
    case AJ_SP_F_LONG:
        pm->value_case = METRIC_VALUE(LONG_VALUE);
        pm->long_value = m->raw.u64;
        return AJ_OK;
    case AJ_SP_F_FLOAT:
        pm->value_case = METRIC_VALUE(FLOAT_VALUE);
        pm->float_value = m->raw.f;
        return AJ_OK;
    case AJ_SP_F_DOUBLE:
        pm->value_case = METRIC_VALUE(DOUBLE_VALUE);
        pm->double_value = m->raw.d;
        return AJ_OK;
    case AJ_SP_F_BOOLEAN:
        pm->value_case = METRIC_VALUE(BOOLEAN_VALUE);
        pm->boolean_value = m->raw.b;
        return AJ_OK;
    case AJ_SP_F_STRING:
        pm->value_case = METRIC_VALUE(STRING_VALUE);
        pm->string_value = (char *)(m->text ? m->text : "");
        return AJ_OK;
    default:
        return AJ_EINVAL;
    }
}

/* The protobuf-c parts of one metric, so a payload is encoded with one allocation. */
typedef struct metric_parts {
    PbMetric pm;
    PbPropertySet ps;
    PbPropertyValue pv;
    PbPropertyValue *pvs[1];
    ProtobufCBinaryData key;
} metric_parts;

aj_err aj_sp_payload_encode(const aj_sp_payload *p, uint8_t **out, size_t *len) {
    *out = NULL;
    *len = 0;
    if (p->n_metrics < 0 || p->n_metrics > AJ_SP_METRICS_MAX) return AJ_EINVAL;
    size_t n = (size_t)p->n_metrics;
    metric_parts *parts = calloc(n ? n : 1, sizeof *parts);
    PbMetric **pms = calloc(n ? n : 1, sizeof *pms);
    aj_err e = parts && pms ? AJ_OK : AJ_ENOMEM;
    for (size_t i = 0; !e && i < n; i++) {
        metric_parts *mp = &parts[i];
        org__eclipse__tahu__protobuf__payload__metric__init(&mp->pm);
        org__eclipse__tahu__protobuf__payload__property_set__init(&mp->ps);
        org__eclipse__tahu__protobuf__payload__property_value__init(&mp->pv);
        e = encode_metric(&p->metrics[i], &mp->pm, &mp->ps, &mp->pv, mp->pvs, &mp->key);
        pms[i] = &mp->pm;
    }
    if (!e) {
        PbPayload pb;
        org__eclipse__tahu__protobuf__payload__init(&pb);
        pb.has_timestamp = p->has_timestamp;
        pb.timestamp = p->timestamp_ms;
        pb.has_seq = p->has_seq;
        pb.seq = p->seq;
        pb.n_metrics = n;
        pb.metrics = pms;
        if (p->is_compressed) pb.uuid = (char *)COMPRESSED_UUID;
        size_t size = org__eclipse__tahu__protobuf__payload__get_packed_size(&pb);
        *out = malloc(size ? size : 1);
        if (!*out) {
            e = AJ_ENOMEM;
        } else {
            *len = org__eclipse__tahu__protobuf__payload__pack(&pb, *out);
            assert(*len == size);
        }
    }
    free(parts);
    free(pms);
    return e;
}

aj_err aj_sp_rebirth_encode(uint64_t timestamp_ms, uint8_t **out, size_t *len) {
    aj_sp_metric m = {.name = AJ_SP_REBIRTH_METRIC,
                      .has_timestamp = true,
                      .timestamp_ms = timestamp_ms,
                      .datatype = AJ_SP_T_BOOLEAN,
                      .field = AJ_SP_F_BOOLEAN,
                      .raw.b = true};
    aj_sp_payload p = {.has_timestamp = true, .timestamp_ms = timestamp_ms, .metrics = &m, .n_metrics = 1};
    return aj_sp_payload_encode(&p, out, len);
}

/* ---- metric values -------------------------------------------------------------------- */

static const char *const SKIP_TEXTS[AJ_SP_SKIP_COUNT] = {
    [AJ_SP_SKIP_NONE] = "",
    [AJ_SP_SKIP_NULL] = "the value is null",
    [AJ_SP_SKIP_NOT_FINITE] = "the value is NaN or infinite",
    [AJ_SP_SKIP_INVALID] = "the metric is malformed",
    [AJ_SP_SKIP_NO_DATATYPE] = "no datatype (not in the birth and not in the message)",
    [AJ_SP_SKIP_BAD_DATATYPE] = "a datatype Sparkplug does not define",
    [AJ_SP_SKIP_TEXT] = "string values are not stored as tag values",
    [AJ_SP_SKIP_UNSUPPORTED] =
        "the datatype is not supported (DataSet, Bytes, File, Template, PropertySet, arrays)",
    [AJ_SP_SKIP_NO_VALUE] = "no value",
    [AJ_SP_SKIP_MISMATCH] = "the value field does not match the datatype",
    [AJ_SP_SKIP_RANGE] = "the value is outside the datatype's range",
};

const char *aj_sp_skip_text(aj_sp_skip skip) {
    return (unsigned)skip < AJ_SP_SKIP_COUNT ? SKIP_TEXTS[skip] : "?";
}

static aj_sp_reading no_point(aj_sp_skip why) {
    return (aj_sp_reading){.is_point = false, .skip = why, .quality = AJ_QUALITY_BAD};
}

static aj_sp_reading bad_point(aj_sp_skip why, aj_value_type type) {
    return (aj_sp_reading){.is_point = true,
                           .skip = why,
                           .type = type,
                           .quality = AJ_QUALITY_BAD,
                           .quality_reasons = AJ_QR_SOURCE_BAD};
}

static aj_sp_reading good(double v, aj_value_type type) {
    return (aj_sp_reading){.is_point = true, .value = v, .type = type, .quality = AJ_QUALITY_GOOD};
}

/* A signed integer of `bits` bits (8, 16, 32 or 64) from m's int or long field: the narrow
 * two's complement (0 .. 2^bits - 1) or the field-wide one (sign-extended). */
static aj_sp_reading signed_int(const aj_sp_metric *m, int bits) {
    uint64_t u;
    int field_bits;
    if (m->field == AJ_SP_F_INT) {
        u = m->raw.u32;
        field_bits = 32;
    } else if (m->field == AJ_SP_F_LONG) {
        u = m->raw.u64;
        field_bits = 64;
    } else {
        return no_point(AJ_SP_SKIP_MISMATCH);
    }
    int64_t lo = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
    int64_t hi = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
    int64_t v;
    if (bits < field_bits && u <= ((uint64_t)1 << bits) - 1) {
        /* narrow two's complement: the top bit of the narrow width is the sign */
        v = u > (uint64_t)hi ? (int64_t)u - ((int64_t)1 << bits) : (int64_t)u;
    } else {
        v = field_bits == 32 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
        if (v < lo || v > hi) return no_point(AJ_SP_SKIP_RANGE);
    }
    return good((double)v, AJ_VALUE_INT);
}

static aj_sp_reading unsigned_int(const aj_sp_metric *m, uint64_t max) {
    uint64_t u;
    if (m->field == AJ_SP_F_INT)
        u = m->raw.u32;
    else if (m->field == AJ_SP_F_LONG)
        u = m->raw.u64;
    else
        return no_point(AJ_SP_SKIP_MISMATCH);
    if (u > max) return no_point(AJ_SP_SKIP_RANGE);
    return good((double)u, AJ_VALUE_INT);
}

static aj_sp_reading floating(const aj_sp_metric *m) {
    double v;
    if (m->field == AJ_SP_F_FLOAT)
        v = (double)m->raw.f;
    else if (m->field == AJ_SP_F_DOUBLE)
        v = m->raw.d;
    else
        return no_point(AJ_SP_SKIP_MISMATCH);
    if (!isfinite(v)) return bad_point(AJ_SP_SKIP_NOT_FINITE, AJ_VALUE_FLOAT);
    return good(v, AJ_VALUE_FLOAT);
}

/* The value of a storable datatype, before null and Quality are looked at. */
static aj_sp_reading typed(uint32_t datatype, const aj_sp_metric *m) {
    switch (datatype) {
    case AJ_SP_T_INT8:
        return signed_int(m, 8);
    case AJ_SP_T_INT16:
        return signed_int(m, 16);
    case AJ_SP_T_INT32:
        return signed_int(m, 32);
    case AJ_SP_T_INT64:
        return signed_int(m, 64);
    case AJ_SP_T_UINT8:
        return unsigned_int(m, UINT8_MAX);
    case AJ_SP_T_UINT16:
        return unsigned_int(m, UINT16_MAX);
    case AJ_SP_T_UINT32:
        return unsigned_int(m, UINT32_MAX);
    case AJ_SP_T_UINT64:
    case AJ_SP_T_DATETIME:
        return unsigned_int(m, UINT64_MAX);
    case AJ_SP_T_FLOAT:
    case AJ_SP_T_DOUBLE:
        return floating(m);
    case AJ_SP_T_BOOLEAN:
        return m->field == AJ_SP_F_BOOLEAN ? good(m->raw.b ? 1 : 0, AJ_VALUE_BOOL)
                                           : no_point(AJ_SP_SKIP_MISMATCH);
    default:
        assert(!"not a storable datatype");
        return no_point(AJ_SP_SKIP_BAD_DATATYPE);
    }
}

static aj_value_type type_of(uint32_t datatype) {
    if (datatype == AJ_SP_T_FLOAT || datatype == AJ_SP_T_DOUBLE) return AJ_VALUE_FLOAT;
    return datatype == AJ_SP_T_BOOLEAN ? AJ_VALUE_BOOL : AJ_VALUE_INT;
}

aj_sp_reading aj_sp_metric_read(uint32_t datatype, const aj_sp_metric *m) {
    if (m->invalid) return no_point(AJ_SP_SKIP_INVALID);
    if (datatype == AJ_SP_T_UNKNOWN) return no_point(AJ_SP_SKIP_NO_DATATYPE);
    if (datatype >= AJ_SP_T_COUNT) return no_point(AJ_SP_SKIP_BAD_DATATYPE);
    if (datatype == AJ_SP_T_STRING || datatype == AJ_SP_T_TEXT || datatype == AJ_SP_T_UUID)
        return no_point(AJ_SP_SKIP_TEXT);
    if (datatype >= AJ_SP_T_DATASET) return no_point(AJ_SP_SKIP_UNSUPPORTED);
    if (m->is_null) return bad_point(AJ_SP_SKIP_NULL, type_of(datatype));
    if (m->field == AJ_SP_F_NONE) return no_point(AJ_SP_SKIP_NO_VALUE);
    aj_sp_reading r = typed(datatype, m);
    if (r.is_point && r.quality == AJ_QUALITY_GOOD && m->has_quality && m->quality != AJ_SP_QUALITY_GOOD) {
        r.quality = AJ_QUALITY_BAD;
        r.quality_reasons = AJ_QR_SOURCE_BAD;
    }
    return r;
}
