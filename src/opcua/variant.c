/* variant.c — OPC UA Binary Variant, DataValue and DiagnosticInfo (Part 6 §5.2.2.12,
 * §5.2.2.16, §5.2.2.17), the per-type dispatch, value equality and the numeric helpers.
 *
 * These three types nest (a Variant array holds Variants, DataValues and DiagnosticInfos;
 * a DataValue holds a Variant; a DiagnosticInfo holds an inner one), so they are the only
 * recursive decoders. Each of them enters one nesting level on the reader (writer) and
 * fails beyond AJ_UA_DEPTH_MAX, so recursion depth — and stack — is bounded on any input.
 * Every array count is checked against AJ_UA_ARRAY_LEN_MAX and against the bytes left (at
 * the smallest wire size of its element type) before its elements are allocated.
 *
 * Naming in errors: a Variant read as "F" names its parts F.EncodingMask, F.ArrayLength,
 * F.ArrayDimensions; its elements are read as "Variant.Value"; a DataValue's value as
 * "DataValue.Value"; an inner DiagnosticInfo as "DiagnosticInfo.InnerDiagnosticInfo".
 */
#include "opcua/binary_int.h"

#include "base/limits.h"

#include <string.h>

enum { VARIANT_ARRAY = 0x80, VARIANT_DIMS = 0x40, VARIANT_TYPE = 0x3f };

/* ---- the type table ------------------------------------------------------------------------- */

typedef struct type_info {
    const char *name;
    size_t size;     /* bytes of one element in memory */
    size_t min_wire; /* fewest bytes of one element on the wire */
} type_info;

static const type_info TYPES[AJ_UA_RESERVED_MIN] = {
    [AJ_UA_NULL] = {"Null", 0, 0},
    [AJ_UA_BOOLEAN] = {"Boolean", sizeof(bool), 1},
    [AJ_UA_SBYTE] = {"SByte", 1, 1},
    [AJ_UA_BYTE] = {"Byte", 1, 1},
    [AJ_UA_INT16] = {"Int16", 2, 2},
    [AJ_UA_UINT16] = {"UInt16", 2, 2},
    [AJ_UA_INT32] = {"Int32", 4, 4},
    [AJ_UA_UINT32] = {"UInt32", 4, 4},
    [AJ_UA_INT64] = {"Int64", 8, 8},
    [AJ_UA_UINT64] = {"UInt64", 8, 8},
    [AJ_UA_FLOAT] = {"Float", sizeof(float), 4},
    [AJ_UA_DOUBLE] = {"Double", sizeof(double), 8},
    [AJ_UA_STRING] = {"String", sizeof(aj_ua_string), 4},
    [AJ_UA_DATETIME] = {"DateTime", 8, 8},
    [AJ_UA_GUID] = {"Guid", sizeof(aj_ua_guid), 16},
    [AJ_UA_BYTESTRING] = {"ByteString", sizeof(aj_ua_string), 4},
    [AJ_UA_XMLELEMENT] = {"XmlElement", sizeof(aj_ua_string), 4},
    [AJ_UA_NODEID] = {"NodeId", sizeof(aj_ua_node_id), 2},
    [AJ_UA_EXPANDEDNODEID] = {"ExpandedNodeId", sizeof(aj_ua_expanded_node_id), 2},
    [AJ_UA_STATUSCODE] = {"StatusCode", 4, 4},
    [AJ_UA_QUALIFIEDNAME] = {"QualifiedName", sizeof(aj_ua_qualified_name), 6},
    [AJ_UA_LOCALIZEDTEXT] = {"LocalizedText", sizeof(aj_ua_localized_text), 1},
    [AJ_UA_EXTENSIONOBJECT] = {"ExtensionObject", sizeof(aj_ua_extension_object), 3},
    [AJ_UA_DATAVALUE] = {"DataValue", sizeof(aj_ua_data_value), 1},
    [AJ_UA_VARIANT] = {"Variant", sizeof(aj_ua_variant), 1},
    [AJ_UA_DIAGNOSTICINFO] = {"DiagnosticInfo", sizeof(aj_ua_diagnostic_info), 1},
};

static bool is_reserved(int type) {
    return type >= AJ_UA_RESERVED_MIN && type <= AJ_UA_TYPE_MAX;
}

const char *aj_ua_type_name(int type) {
    if (type >= 0 && type < AJ_UA_RESERVED_MIN) return TYPES[type].name;
    return is_reserved(type) ? "Reserved" : "?";
}

size_t aj_ua_type_size(int type) {
    if (type > 0 && type < AJ_UA_RESERVED_MIN) return TYPES[type].size;
    return is_reserved(type) ? sizeof(aj_ua_string) : 0;
}

size_t ua_min_wire_bytes(int type) {
    if (type > 0 && type < AJ_UA_RESERVED_MIN) return TYPES[type].min_wire;
    return 4; /* reserved ids: ByteStrings */
}

aj_ua_variant aj_ua_variant_scalar(aj_ua_type type, const void *value) {
    aj_ua_variant v = {.type = (uint8_t)type, .count = type == AJ_UA_NULL ? 0 : 1};
    v.v.any = type == AJ_UA_NULL ? NULL : value;
    return v;
}

aj_ua_variant aj_ua_variant_array(aj_ua_type type, const void *values, uint32_t count) {
    aj_ua_variant v = {.type = (uint8_t)type, .is_array = true, .count = count};
    v.v.any = values;
    return v;
}

/* ---- nesting ----------------------------------------------------------------------------- */

static aj_err enter(aj_ua_reader *r, const char *field, size_t at) {
    if (r->status != AJ_OK) return r->status;
    if (r->depth >= AJ_UA_DEPTH_MAX)
        return ua_fail(r, AJ_ETOOBIG, at, field, NULL, "nested deeper than %d levels", AJ_UA_DEPTH_MAX);
    r->depth++;
    return AJ_OK;
}

static aj_err w_enter(aj_ua_writer *w, const char *what) {
    if (w->status != AJ_OK) return w->status;
    if (w->depth >= AJ_UA_DEPTH_MAX)
        return aj_ua_writer_fail(w, AJ_ETOOBIG, what, "nested deeper than %d levels", AJ_UA_DEPTH_MAX);
    w->depth++;
    return AJ_OK;
}

/* ---- reading ------------------------------------------------------------------------------ */

aj_err ua_rd_array_length(aj_ua_reader *r, const char *field, const char *part, size_t min_elem_bytes,
                          int32_t *out) {
    size_t at = r->pos;
    if (ua_rd_i32(r, field, part, out) != AJ_OK || *out == -1) return r->status;
    int32_t n = *out;
    *out = 0;
    if (n < -1) return ua_fail(r, AJ_EINVAL, at, field, part, "length %d is negative", (int)n);
    if (n > AJ_UA_ARRAY_LEN_MAX)
        return ua_fail(r, AJ_ETOOBIG, at, field, part, "%d elements exceed the %d limit", (int)n,
                       AJ_UA_ARRAY_LEN_MAX);
    size_t left = r->len - r->pos;
    if (min_elem_bytes && (size_t)n > left / min_elem_bytes)
        return ua_fail(r, AJ_EINVAL, at, field, part, "%d elements need at least %zu bytes, %zu left", (int)n,
                       (size_t)n * min_elem_bytes, left);
    *out = n;
    return AJ_OK;
}

aj_err aj_ua_read_array_length(aj_ua_reader *r, const char *field, size_t min_elem_bytes, int32_t *out) {
    return ua_rd_array_length(r, field, NULL, min_elem_bytes, out);
}

aj_err aj_ua_read_value(aj_ua_reader *r, const char *field, int type, void *out) {
    switch (type) {
    case AJ_UA_BOOLEAN:
        return aj_ua_read_boolean(r, field, out);
    case AJ_UA_SBYTE:
        return aj_ua_read_sbyte(r, field, out);
    case AJ_UA_BYTE:
        return aj_ua_read_byte(r, field, out);
    case AJ_UA_INT16:
        return aj_ua_read_int16(r, field, out);
    case AJ_UA_UINT16:
        return aj_ua_read_uint16(r, field, out);
    case AJ_UA_INT32:
        return aj_ua_read_int32(r, field, out);
    case AJ_UA_UINT32:
        return aj_ua_read_uint32(r, field, out);
    case AJ_UA_INT64:
        return aj_ua_read_int64(r, field, out);
    case AJ_UA_UINT64:
        return aj_ua_read_uint64(r, field, out);
    case AJ_UA_FLOAT:
        return aj_ua_read_float(r, field, out);
    case AJ_UA_DOUBLE:
        return aj_ua_read_double(r, field, out);
    case AJ_UA_STRING:
        return aj_ua_read_string(r, field, out);
    case AJ_UA_DATETIME:
        return aj_ua_read_datetime(r, field, out);
    case AJ_UA_GUID:
        return aj_ua_read_guid(r, field, out);
    case AJ_UA_BYTESTRING:
        return aj_ua_read_bytestring(r, field, out);
    case AJ_UA_XMLELEMENT:
        return aj_ua_read_xml_element(r, field, out);
    case AJ_UA_NODEID:
        return aj_ua_read_node_id(r, field, out);
    case AJ_UA_EXPANDEDNODEID:
        return aj_ua_read_expanded_node_id(r, field, out);
    case AJ_UA_STATUSCODE:
        return aj_ua_read_status_code(r, field, out);
    case AJ_UA_QUALIFIEDNAME:
        return aj_ua_read_qualified_name(r, field, out);
    case AJ_UA_LOCALIZEDTEXT:
        return aj_ua_read_localized_text(r, field, out);
    case AJ_UA_EXTENSIONOBJECT:
        return aj_ua_read_extension_object(r, field, out);
    case AJ_UA_DATAVALUE:
        return aj_ua_read_data_value(r, field, out);
    case AJ_UA_VARIANT:
        return aj_ua_read_variant(r, field, out);
    case AJ_UA_DIAGNOSTICINFO:
        return aj_ua_read_diagnostic_info(r, field, out);
    default:
        if (is_reserved(type)) return aj_ua_read_bytestring(r, field, out);
        return ua_fail(r, AJ_EINTERNAL, r->pos, field, NULL, "no built-in type %d", type);
    }
}

/* ArrayDimensions of a Variant whose array has count elements. */
static aj_err rd_dims(aj_ua_reader *r, const char *field, aj_ua_variant *out) {
    size_t at = r->pos;
    int32_t n;
    if (ua_rd_i32(r, field, "ArrayDimensions", &n) != AJ_OK) return r->status;
    if (n < 1)
        return ua_fail(r, AJ_EINVAL, at, field, "ArrayDimensions", "flag set but %d dimensions", (int)n);
    if (n > AJ_UA_ARRAY_DIMS_MAX)
        return ua_fail(r, AJ_ETOOBIG, at, field, "ArrayDimensions", "%d dimensions exceed the %d limit",
                       (int)n, AJ_UA_ARRAY_DIMS_MAX);
    uint32_t *dims = aj_ua_reader_alloc(r, sizeof *dims * (size_t)n, field);
    if (!dims) return r->status;
    uint64_t product = 1;
    for (int32_t k = 0; k < n; k++) {
        size_t at_k = r->pos;
        int32_t d;
        if (ua_rd_i32(r, field, "ArrayDimensions", &d) != AJ_OK) return r->status;
        if (d < 0)
            return ua_fail(r, AJ_EINVAL, at_k, field, "ArrayDimensions", "dimension %d is negative (%d)",
                           (int)k, (int)d);
        dims[k] = (uint32_t)d;
        product *= (uint64_t)d;
        if (product > AJ_UA_ARRAY_LEN_MAX) product = (uint64_t)AJ_UA_ARRAY_LEN_MAX + 1; /* no overflow */
    }
    if (product != out->count)
        return ua_fail(r, AJ_EINVAL, at, field, "ArrayDimensions",
                       "dimensions multiply to %llu elements, the array has %u", (unsigned long long)product,
                       (unsigned)out->count);
    out->n_dims = (uint32_t)n;
    out->dims = dims;
    return AJ_OK;
}

static aj_err rd_variant_body(aj_ua_reader *r, const char *field, size_t at, aj_ua_variant *out) {
    uint8_t mask;
    if (ua_rd_u8(r, field, "EncodingMask", &mask) != AJ_OK) return r->status;
    int type = mask & VARIANT_TYPE;
    bool is_array = (mask & VARIANT_ARRAY) != 0, has_dims = (mask & VARIANT_DIMS) != 0;
    if (type == AJ_UA_NULL) {
        if (mask != 0)
            return ua_fail(r, AJ_EINVAL, at, field, "EncodingMask", "flags 0x%02x on an empty Variant", mask);
        return AJ_OK;
    }
    if (type > AJ_UA_TYPE_MAX)
        return ua_fail(r, AJ_EINVAL, at, field, "EncodingMask", "type id %d is not a built-in type", type);
    if (has_dims && !is_array)
        return ua_fail(r, AJ_EINVAL, at, field, "EncodingMask",
                       "ArrayDimensions flag without the array flag");
    if (type == AJ_UA_VARIANT && !is_array)
        return ua_fail(r, AJ_EINVAL, at, field, "EncodingMask", "a scalar Variant cannot hold a Variant");
    out->type = (uint8_t)type;
    out->is_array = is_array;
    size_t size = aj_ua_type_size(type);
    int32_t n = 1;
    if (is_array && ua_rd_array_length(r, field, "ArrayLength", ua_min_wire_bytes(type), &n) != AJ_OK)
        return r->status;
    if (n < 0) {
        out->is_null_array = true;
        n = 0;
    }
    uint8_t *values = NULL;
    if (n > 0 && !(values = aj_ua_reader_alloc(r, size * (size_t)n, field))) return r->status;
    for (int32_t k = 0; k < n; k++)
        if (aj_ua_read_value(r, "Variant.Value", type, values + size * (size_t)k) != AJ_OK) return r->status;
    out->count = (uint32_t)n;
    out->v.any = values;
    if (has_dims) rd_dims(r, field, out);
    return r->status;
}

aj_err aj_ua_read_variant(aj_ua_reader *r, const char *field, aj_ua_variant *out) {
    memset(out, 0, sizeof *out);
    size_t at = r->pos;
    if (enter(r, field, at) != AJ_OK) return r->status;
    rd_variant_body(r, field, at, out);
    r->depth--;
    if (r->status != AJ_OK) memset(out, 0, sizeof *out);
    return r->status;
}

aj_err aj_ua_read_data_value(aj_ua_reader *r, const char *field, aj_ua_data_value *out) {
    memset(out, 0, sizeof *out);
    size_t at = r->pos;
    if (enter(r, field, at) != AJ_OK) return r->status;
    uint8_t mask = 0;
    if (ua_rd_u8(r, field, "EncodingMask", &mask) == AJ_OK && (mask & 0xc0))
        ua_fail(r, AJ_EINVAL, at, field, "EncodingMask", "unknown bits in 0x%02x", mask);
    out->mask = mask;
    if (mask & AJ_UA_DV_VALUE) aj_ua_read_variant(r, "DataValue.Value", &out->value);
    if (mask & AJ_UA_DV_STATUS) ua_rd_u32(r, field, "Status", &out->status);
    if (mask & AJ_UA_DV_SOURCE_TIMESTAMP)
        ua_rd_u64(r, field, "SourceTimestamp", (uint64_t *)&out->source_timestamp);
    if (mask & AJ_UA_DV_SOURCE_PICOSECONDS)
        ua_rd_u16(r, field, "SourcePicoseconds", &out->source_picoseconds);
    if (mask & AJ_UA_DV_SERVER_TIMESTAMP)
        ua_rd_u64(r, field, "ServerTimestamp", (uint64_t *)&out->server_timestamp);
    if (mask & AJ_UA_DV_SERVER_PICOSECONDS)
        ua_rd_u16(r, field, "ServerPicoseconds", &out->server_picoseconds);
    /* "The decoder shall treat values greater than or equal to 10 000 as the value 9999." */
    if (out->source_picoseconds > 9999) out->source_picoseconds = 9999;
    if (out->server_picoseconds > 9999) out->server_picoseconds = 9999;
    r->depth--;
    if (r->status != AJ_OK) memset(out, 0, sizeof *out);
    return r->status;
}

aj_err aj_ua_read_diagnostic_info(aj_ua_reader *r, const char *field, aj_ua_diagnostic_info *out) {
    memset(out, 0, sizeof *out);
    out->additional_info = AJ_UA_STRING_NULL;
    size_t at = r->pos;
    if (enter(r, field, at) != AJ_OK) return r->status;
    uint8_t mask = 0;
    if (ua_rd_u8(r, field, "EncodingMask", &mask) == AJ_OK && (mask & 0x80))
        ua_fail(r, AJ_EINVAL, at, field, "EncodingMask", "unknown bits in 0x%02x", mask);
    out->mask = mask;
    if (mask & AJ_UA_DI_SYMBOLIC_ID) ua_rd_i32(r, field, "SymbolicId", &out->symbolic_id);
    if (mask & AJ_UA_DI_NAMESPACE_URI) ua_rd_i32(r, field, "NamespaceUri", &out->namespace_uri);
    if (mask & AJ_UA_DI_LOCALE) ua_rd_i32(r, field, "Locale", &out->locale);
    if (mask & AJ_UA_DI_LOCALIZED_TEXT) ua_rd_i32(r, field, "LocalizedText", &out->localized_text);
    if (mask & AJ_UA_DI_ADDITIONAL_INFO)
        ua_rd_chars(r, field, "AdditionalInfo", true, AJ_UA_STRING_LEN_MAX, &out->additional_info);
    if (mask & AJ_UA_DI_INNER_STATUS_CODE) ua_rd_u32(r, field, "InnerStatusCode", &out->inner_status_code);
    if (mask & AJ_UA_DI_INNER_DIAGNOSTIC_INFO) {
        aj_ua_diagnostic_info *inner = aj_ua_reader_alloc(r, sizeof *inner, field);
        if (inner && aj_ua_read_diagnostic_info(r, "DiagnosticInfo.InnerDiagnosticInfo", inner) == AJ_OK)
            out->inner = inner;
    }
    r->depth--;
    if (r->status != AJ_OK) {
        memset(out, 0, sizeof *out);
        out->additional_info = AJ_UA_STRING_NULL;
    }
    return r->status;
}

/* ---- writing ------------------------------------------------------------------------------ */

aj_err aj_ua_write_value(aj_ua_writer *w, int type, const void *value) {
    switch (type) {
    case AJ_UA_BOOLEAN:
        return aj_ua_write_boolean(w, *(const bool *)value);
    case AJ_UA_SBYTE:
        return aj_ua_write_sbyte(w, *(const int8_t *)value);
    case AJ_UA_BYTE:
        return aj_ua_write_byte(w, *(const uint8_t *)value);
    case AJ_UA_INT16:
        return aj_ua_write_int16(w, *(const int16_t *)value);
    case AJ_UA_UINT16:
        return aj_ua_write_uint16(w, *(const uint16_t *)value);
    case AJ_UA_INT32:
        return aj_ua_write_int32(w, *(const int32_t *)value);
    case AJ_UA_UINT32:
        return aj_ua_write_uint32(w, *(const uint32_t *)value);
    case AJ_UA_INT64:
        return aj_ua_write_int64(w, *(const int64_t *)value);
    case AJ_UA_UINT64:
        return aj_ua_write_uint64(w, *(const uint64_t *)value);
    case AJ_UA_FLOAT:
        return aj_ua_write_float(w, *(const float *)value);
    case AJ_UA_DOUBLE:
        return aj_ua_write_double(w, *(const double *)value);
    case AJ_UA_STRING:
        return aj_ua_write_string(w, *(const aj_ua_string *)value);
    case AJ_UA_DATETIME:
        return aj_ua_write_datetime(w, *(const int64_t *)value);
    case AJ_UA_GUID:
        return aj_ua_write_guid(w, value);
    case AJ_UA_BYTESTRING:
        return aj_ua_write_bytestring(w, *(const aj_ua_string *)value);
    case AJ_UA_XMLELEMENT:
        return aj_ua_write_xml_element(w, *(const aj_ua_string *)value);
    case AJ_UA_NODEID:
        return aj_ua_write_node_id(w, value);
    case AJ_UA_EXPANDEDNODEID:
        return aj_ua_write_expanded_node_id(w, value);
    case AJ_UA_STATUSCODE:
        return aj_ua_write_status_code(w, *(const uint32_t *)value);
    case AJ_UA_QUALIFIEDNAME:
        return aj_ua_write_qualified_name(w, value);
    case AJ_UA_LOCALIZEDTEXT:
        return aj_ua_write_localized_text(w, value);
    case AJ_UA_EXTENSIONOBJECT:
        return aj_ua_write_extension_object(w, value);
    case AJ_UA_DATAVALUE:
        return aj_ua_write_data_value(w, value);
    case AJ_UA_VARIANT:
        return aj_ua_write_variant(w, value);
    case AJ_UA_DIAGNOSTICINFO:
        return aj_ua_write_diagnostic_info(w, value);
    default:
        if (is_reserved(type)) return aj_ua_write_bytestring(w, *(const aj_ua_string *)value);
        return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "type id %d is not a built-in type", type);
    }
}

/* Checks what the reader would refuse, so that whatever is written reads back. */
static aj_err check_variant(aj_ua_writer *w, const aj_ua_variant *v) {
    if (v->type > AJ_UA_TYPE_MAX)
        return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "type id %d is not a built-in type", v->type);
    if (v->type == AJ_UA_NULL) return AJ_OK;
    if (!v->is_array && v->type == AJ_UA_VARIANT)
        return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "a scalar Variant cannot hold a Variant");
    if (v->is_array && v->count > AJ_UA_ARRAY_LEN_MAX)
        return aj_ua_writer_fail(w, AJ_ETOOBIG, "Variant", "%u elements exceed the %d limit",
                                 (unsigned)v->count, AJ_UA_ARRAY_LEN_MAX);
    if (v->is_array && v->is_null_array && v->count != 0)
        return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "a null array with %u elements",
                                 (unsigned)v->count);
    if (v->count > 0 && !v->v.any) return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "no values");
    if (v->n_dims == 0) return AJ_OK;
    if (!v->is_array || v->n_dims > AJ_UA_ARRAY_DIMS_MAX || !v->dims)
        return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "bad ArrayDimensions (%u)", (unsigned)v->n_dims);
    uint64_t product = 1;
    for (uint32_t k = 0; k < v->n_dims; k++) {
        if (v->dims[k] > INT32_MAX)
            return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "dimension %u too large", (unsigned)k);
        product *= v->dims[k];
        if (product > AJ_UA_ARRAY_LEN_MAX) product = (uint64_t)AJ_UA_ARRAY_LEN_MAX + 1;
    }
    if (product != v->count)
        return aj_ua_writer_fail(w, AJ_EINVAL, "Variant", "dimensions multiply to %llu, count is %u",
                                 (unsigned long long)product, (unsigned)v->count);
    return AJ_OK;
}

static aj_err wr_variant_body(aj_ua_writer *w, const aj_ua_variant *v) {
    if (check_variant(w, v) != AJ_OK) return w->status;
    if (v->type == AJ_UA_NULL) return aj_ua_write_byte(w, 0);
    uint8_t mask = (uint8_t)(v->type | (v->is_array ? VARIANT_ARRAY : 0) | (v->n_dims ? VARIANT_DIMS : 0));
    aj_ua_write_byte(w, mask);
    uint32_t n = v->is_array ? v->count : 1;
    if (v->is_array) aj_ua_write_int32(w, v->is_null_array ? -1 : (int32_t)n);
    size_t size = aj_ua_type_size(v->type);
    const uint8_t *values = v->v.any;
    for (uint32_t k = 0; k < n && w->status == AJ_OK; k++) aj_ua_write_value(w, v->type, values + size * k);
    if (v->n_dims) {
        aj_ua_write_int32(w, (int32_t)v->n_dims);
        for (uint32_t k = 0; k < v->n_dims; k++) aj_ua_write_int32(w, (int32_t)v->dims[k]);
    }
    return w->status;
}

aj_err aj_ua_write_variant(aj_ua_writer *w, const aj_ua_variant *v) {
    if (w_enter(w, "Variant") != AJ_OK) return w->status;
    wr_variant_body(w, v);
    w->depth--;
    return w->status;
}

aj_err aj_ua_write_data_value(aj_ua_writer *w, const aj_ua_data_value *dv) {
    if (w_enter(w, "DataValue") != AJ_OK) return w->status;
    uint8_t mask = dv->mask & 0x3f;
    aj_ua_write_byte(w, mask);
    if (mask & AJ_UA_DV_VALUE) aj_ua_write_variant(w, &dv->value);
    if (mask & AJ_UA_DV_STATUS) aj_ua_write_status_code(w, dv->status);
    if (mask & AJ_UA_DV_SOURCE_TIMESTAMP) aj_ua_write_datetime(w, dv->source_timestamp);
    if (mask & AJ_UA_DV_SOURCE_PICOSECONDS) aj_ua_write_uint16(w, dv->source_picoseconds);
    if (mask & AJ_UA_DV_SERVER_TIMESTAMP) aj_ua_write_datetime(w, dv->server_timestamp);
    if (mask & AJ_UA_DV_SERVER_PICOSECONDS) aj_ua_write_uint16(w, dv->server_picoseconds);
    w->depth--;
    return w->status;
}

aj_err aj_ua_write_diagnostic_info(aj_ua_writer *w, const aj_ua_diagnostic_info *di) {
    if (w_enter(w, "DiagnosticInfo") != AJ_OK) return w->status;
    uint8_t mask = di->mask & 0x7f;
    if (!di->inner) mask &= (uint8_t)~AJ_UA_DI_INNER_DIAGNOSTIC_INFO;
    aj_ua_write_byte(w, mask);
    if (mask & AJ_UA_DI_SYMBOLIC_ID) aj_ua_write_int32(w, di->symbolic_id);
    if (mask & AJ_UA_DI_NAMESPACE_URI) aj_ua_write_int32(w, di->namespace_uri);
    if (mask & AJ_UA_DI_LOCALE) aj_ua_write_int32(w, di->locale);
    if (mask & AJ_UA_DI_LOCALIZED_TEXT) aj_ua_write_int32(w, di->localized_text);
    if (mask & AJ_UA_DI_ADDITIONAL_INFO) aj_ua_write_string(w, di->additional_info);
    if (mask & AJ_UA_DI_INNER_STATUS_CODE) aj_ua_write_status_code(w, di->inner_status_code);
    if (mask & AJ_UA_DI_INNER_DIAGNOSTIC_INFO) aj_ua_write_diagnostic_info(w, di->inner);
    w->depth--;
    return w->status;
}

/* ---- equality ----------------------------------------------------------------------------- */

static bool variant_eq(const aj_ua_variant *a, const aj_ua_variant *b, int depth);
static bool data_value_eq(const aj_ua_data_value *a, const aj_ua_data_value *b, int depth);
static bool diag_eq(const aj_ua_diagnostic_info *a, const aj_ua_diagnostic_info *b, int depth);

bool aj_ua_node_id_equal(const aj_ua_node_id *a, const aj_ua_node_id *b) {
    if (a->ns != b->ns || a->id_type != b->id_type) return false;
    switch (a->id_type) {
    case AJ_UA_ID_NUMERIC:
        return a->numeric == b->numeric;
    case AJ_UA_ID_GUID:
        return memcmp(&a->guid, &b->guid, sizeof a->guid) == 0; /* no padding: 4 + 2 + 2 + 8 */
    default:
        return aj_ua_string_equal(a->string, b->string);
    }
}

static bool value_eq(int type, const void *a, const void *b, int depth) {
    switch (type) {
    case AJ_UA_BOOLEAN:
        return *(const bool *)a == *(const bool *)b;
    case AJ_UA_STRING:
    case AJ_UA_BYTESTRING:
    case AJ_UA_XMLELEMENT:
        return aj_ua_string_equal(*(const aj_ua_string *)a, *(const aj_ua_string *)b);
    case AJ_UA_NODEID:
        return aj_ua_node_id_equal(a, b);
    case AJ_UA_EXPANDEDNODEID: {
        const aj_ua_expanded_node_id *x = a, *y = b;
        return aj_ua_node_id_equal(&x->node_id, &y->node_id) &&
               aj_ua_string_equal(x->namespace_uri, y->namespace_uri) && x->server_index == y->server_index;
    }
    case AJ_UA_QUALIFIEDNAME: {
        const aj_ua_qualified_name *x = a, *y = b;
        return x->ns == y->ns && aj_ua_string_equal(x->name, y->name);
    }
    case AJ_UA_LOCALIZEDTEXT: {
        const aj_ua_localized_text *x = a, *y = b;
        return aj_ua_string_equal(x->locale, y->locale) && aj_ua_string_equal(x->text, y->text);
    }
    case AJ_UA_EXTENSIONOBJECT: {
        const aj_ua_extension_object *x = a, *y = b;
        return aj_ua_node_id_equal(&x->type_id, &y->type_id) && x->encoding == y->encoding &&
               (x->encoding == AJ_UA_EXT_NONE || aj_ua_string_equal(x->body, y->body));
    }
    case AJ_UA_DATAVALUE:
        return data_value_eq(a, b, depth + 1);
    case AJ_UA_VARIANT:
        return variant_eq(a, b, depth + 1);
    case AJ_UA_DIAGNOSTICINFO:
        return diag_eq(a, b, depth + 1);
    default:
        if (is_reserved(type)) return aj_ua_string_equal(*(const aj_ua_string *)a, *(const aj_ua_string *)b);
        /* integers, floats (bit patterns), DateTime, Guid, StatusCode: no padding inside */
        return type > 0 && type < AJ_UA_RESERVED_MIN && memcmp(a, b, TYPES[type].size) == 0;
    }
}

bool aj_ua_value_equal(int type, const void *a, const void *b) {
    return value_eq(type, a, b, 0);
}

static bool variant_eq(const aj_ua_variant *a, const aj_ua_variant *b, int depth) {
    if (depth > AJ_UA_DEPTH_MAX) return false;
    if (a->type != b->type) return false;
    if (a->type == AJ_UA_NULL) return true;
    if (a->is_array != b->is_array || a->count != b->count || a->n_dims != b->n_dims) return false;
    if (a->is_array && a->is_null_array != b->is_null_array) return false;
    for (uint32_t k = 0; k < a->n_dims; k++)
        if (a->dims[k] != b->dims[k]) return false;
    size_t size = aj_ua_type_size(a->type);
    const uint8_t *x = a->v.any, *y = b->v.any;
    uint32_t n = a->is_array ? a->count : 1;
    for (uint32_t k = 0; k < n; k++)
        if (!value_eq(a->type, x + size * k, y + size * k, depth)) return false;
    return true;
}

static bool data_value_eq(const aj_ua_data_value *a, const aj_ua_data_value *b, int depth) {
    if (depth > AJ_UA_DEPTH_MAX) return false;
    uint8_t m = a->mask & 0x3f;
    if (m != (b->mask & 0x3f)) return false;
    if ((m & AJ_UA_DV_VALUE) && !variant_eq(&a->value, &b->value, depth + 1)) return false;
    if ((m & AJ_UA_DV_STATUS) && a->status != b->status) return false;
    if ((m & AJ_UA_DV_SOURCE_TIMESTAMP) && a->source_timestamp != b->source_timestamp) return false;
    if ((m & AJ_UA_DV_SERVER_TIMESTAMP) && a->server_timestamp != b->server_timestamp) return false;
    if ((m & AJ_UA_DV_SOURCE_PICOSECONDS) && a->source_picoseconds != b->source_picoseconds) return false;
    if ((m & AJ_UA_DV_SERVER_PICOSECONDS) && a->server_picoseconds != b->server_picoseconds) return false;
    return true;
}

static bool diag_eq(const aj_ua_diagnostic_info *a, const aj_ua_diagnostic_info *b, int depth) {
    /* a loop over the inner chain, not recursion */
    for (; a && b; a = a->inner, b = b->inner, depth++) {
        if (depth > AJ_UA_DEPTH_MAX) return false;
        uint8_t m = a->mask & 0x7f;
        if (m != (b->mask & 0x7f)) return false;
        if ((m & AJ_UA_DI_SYMBOLIC_ID) && a->symbolic_id != b->symbolic_id) return false;
        if ((m & AJ_UA_DI_NAMESPACE_URI) && a->namespace_uri != b->namespace_uri) return false;
        if ((m & AJ_UA_DI_LOCALE) && a->locale != b->locale) return false;
        if ((m & AJ_UA_DI_LOCALIZED_TEXT) && a->localized_text != b->localized_text) return false;
        if ((m & AJ_UA_DI_ADDITIONAL_INFO) && !aj_ua_string_equal(a->additional_info, b->additional_info))
            return false;
        if ((m & AJ_UA_DI_INNER_STATUS_CODE) && a->inner_status_code != b->inner_status_code) return false;
        if (!(m & AJ_UA_DI_INNER_DIAGNOSTIC_INFO)) return true;
    }
    return !a && !b;
}

bool aj_ua_variant_equal(const aj_ua_variant *a, const aj_ua_variant *b) {
    return variant_eq(a, b, 0);
}

bool aj_ua_data_value_equal(const aj_ua_data_value *a, const aj_ua_data_value *b) {
    return data_value_eq(a, b, 0);
}

bool aj_ua_diagnostic_info_equal(const aj_ua_diagnostic_info *a, const aj_ua_diagnostic_info *b) {
    return diag_eq(a, b, 0);
}

/* ---- numeric view ----------------------------------------------------------------------------- */

bool aj_ua_variant_to_double(const aj_ua_variant *v, double *out) {
    if (v->is_array || v->count != 1 || !v->v.any) return false;
    switch (v->type) {
    case AJ_UA_BOOLEAN:
        *out = *v->v.boolean ? 1.0 : 0.0;
        return true;
    case AJ_UA_SBYTE:
        *out = *v->v.sbyte;
        return true;
    case AJ_UA_BYTE:
        *out = *v->v.byte;
        return true;
    case AJ_UA_INT16:
        *out = *v->v.int16;
        return true;
    case AJ_UA_UINT16:
        *out = *v->v.uint16;
        return true;
    case AJ_UA_INT32:
        *out = *v->v.int32;
        return true;
    case AJ_UA_UINT32:
        *out = *v->v.uint32;
        return true;
    case AJ_UA_INT64:
        *out = (double)*v->v.int64;
        return true;
    case AJ_UA_UINT64:
        *out = (double)*v->v.uint64;
        return true;
    case AJ_UA_FLOAT:
        *out = *v->v.f32;
        return true;
    case AJ_UA_DOUBLE:
        *out = *v->v.f64;
        return true;
    default:
        return false;
    }
}
