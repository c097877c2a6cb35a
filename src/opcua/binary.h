/* binary.h — the OPC UA Binary data encoding (OPC 10000-6 §5.2), foundation of the OPC UA client.
 *
 * Pure: no I/O, no global state. A reader decodes from a byte buffer, a writer encodes into
 * a growable buffer with a hard cap; both cover the 25 built-in types of Part 6 Table 1.
 * The server is untrusted, so every read is bounds-checked and every length, count, depth
 * and decoded byte is held to the limits in base/limits.h (AJ_UA_*). docs/opcua.md has the
 * overview and the status code -> quality mapping.
 *
 * Errors. The first failed read records its code and a message naming the field and the
 * byte offset where it starts ("Variant.ArrayLength at offset 37: 200000 elements exceed the
 * 100000 limit"); from then on every read fails at once with the same code and the message
 * stays. Writers work the same way. Outputs of a failed read are zeroed (strings null).
 *
 * Ownership. Decoded values that need memory (strings, arrays, nested values) are
 * allocated from the arena given to aj_ua_reader_init: they live until the caller frees
 * that arena, never point into the input buffer, and no decoded value is freed on its
 * own. Strings, ByteStrings and XmlElements are copied and NUL-terminated (the length still
 * counts: a String may hold a NUL). Values handed to a writer are only read; the writer
 * owns its buffer until aj_ua_writer_clear.
 *
 * Null vs empty. A String/ByteString/XmlElement of length -1 is null (data NULL, len -1);
 * length 0 is empty (data "", len 0). A Variant array of length -1 is a null array
 * (is_null_array, count 0). Both distinctions survive a round trip.
 */
#ifndef AJ_OPCUA_BINARY_H
#define AJ_OPCUA_BINARY_H

#include "base/arena.h"
#include "base/err.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- built-in types (Part 6 Table 1; the ids are the Variant type ids) ------------------ */

typedef enum {
    AJ_UA_NULL = 0, /* the empty Variant */
    AJ_UA_BOOLEAN = 1,
    AJ_UA_SBYTE = 2,
    AJ_UA_BYTE = 3,
    AJ_UA_INT16 = 4,
    AJ_UA_UINT16 = 5,
    AJ_UA_INT32 = 6,
    AJ_UA_UINT32 = 7,
    AJ_UA_INT64 = 8,
    AJ_UA_UINT64 = 9,
    AJ_UA_FLOAT = 10,
    AJ_UA_DOUBLE = 11,
    AJ_UA_STRING = 12,
    AJ_UA_DATETIME = 13,
    AJ_UA_GUID = 14,
    AJ_UA_BYTESTRING = 15,
    AJ_UA_XMLELEMENT = 16,
    AJ_UA_NODEID = 17,
    AJ_UA_EXPANDEDNODEID = 18,
    AJ_UA_STATUSCODE = 19,
    AJ_UA_QUALIFIEDNAME = 20,
    AJ_UA_LOCALIZEDTEXT = 21,
    AJ_UA_EXTENSIONOBJECT = 22,
    AJ_UA_DATAVALUE = 23,
    AJ_UA_VARIANT = 24,
    AJ_UA_DIAGNOSTICINFO = 25,
    /* 26..31 are reserved: decoders accept them and keep the value as ByteString(s)
     * (§5.2.2.16); this writer only writes one back, never makes one up. */
    AJ_UA_RESERVED_MIN = 26,
    AJ_UA_TYPE_MAX = 31,
} aj_ua_type;

/* Name of a built-in type ("Int32"), "Reserved" for 26..31, "?" beyond. Never NULL. */
const char *aj_ua_type_name(int type);

/* String, ByteString and XmlElement. len -1: null (data NULL). Decoded: an arena copy with
 * a NUL after the len bytes. */
typedef struct aj_ua_string {
    const char *data;
    int32_t len;
} aj_ua_string;

#define AJ_UA_STRING_NULL ((aj_ua_string){NULL, -1})
/* A String of a NUL-terminated C string (not copied; NULL gives the null String). */
aj_ua_string aj_ua_string_of(const char *s);

typedef struct aj_ua_guid {
    uint32_t data1;
    uint16_t data2, data3;
    uint8_t data4[8];
} aj_ua_guid;

typedef enum { AJ_UA_ID_NUMERIC, AJ_UA_ID_STRING, AJ_UA_ID_GUID, AJ_UA_ID_OPAQUE } aj_ua_id_type;

/* NodeId. The writer picks the shortest numeric form (TwoByte, FourByte, Numeric); the
 * reader accepts all six encodings. Null NodeId: ns 0, numeric 0 (all zero). */
typedef struct aj_ua_node_id {
    uint16_t ns;
    uint8_t id_type;     /* aj_ua_id_type */
    uint32_t numeric;    /* AJ_UA_ID_NUMERIC */
    aj_ua_guid guid;     /* AJ_UA_ID_GUID */
    aj_ua_string string; /* AJ_UA_ID_STRING (a String) and AJ_UA_ID_OPAQUE (a ByteString) */
} aj_ua_node_id;

/* ExpandedNodeId: NamespaceUri present when not null (flag 0x80), ServerIndex when not 0
 * (flag 0x40). */
typedef struct aj_ua_expanded_node_id {
    aj_ua_node_id node_id;
    aj_ua_string namespace_uri;
    uint32_t server_index;
} aj_ua_expanded_node_id;

typedef struct aj_ua_qualified_name {
    uint16_t ns;
    aj_ua_string name;
} aj_ua_qualified_name;

/* LocalizedText: each part is encoded (mask 0x01 locale, 0x02 text) when not null. */
typedef struct aj_ua_localized_text {
    aj_ua_string locale, text;
} aj_ua_localized_text;

/* ExtensionObject: the body stays encoded; a later layer decodes the types it knows. */
enum { AJ_UA_EXT_NONE = 0, AJ_UA_EXT_BINARY = 1, AJ_UA_EXT_XML = 2 };
typedef struct aj_ua_extension_object {
    aj_ua_node_id type_id;
    uint8_t encoding;  /* AJ_UA_EXT_*: no body, ByteString body, XmlElement body */
    aj_ua_string body; /* the body's bytes (len -1 when absent or null) */
} aj_ua_extension_object;

struct aj_ua_data_value;
struct aj_ua_diagnostic_info;

/* Variant: a scalar (count 1, value points at one element), an array (is_array; count
 * elements, or a null array: is_null_array, count 0) or empty (AJ_UA_NULL, count 0).
 * dims (n_dims > 0) are the ArrayDimensions, highest rank first; their product is count.
 * The value pointer's type follows `type` (the union names which member to use); types
 * 26..31 use `string`. Decoded variants point into the reader's arena; built ones point
 * wherever the caller keeps the values. */
typedef struct aj_ua_variant {
    uint8_t type; /* aj_ua_type, 0..31 */
    bool is_array;
    bool is_null_array;
    uint32_t count;
    uint32_t n_dims;
    const uint32_t *dims;
    union {
        const void *any;
        const bool *boolean;
        const int8_t *sbyte;
        const uint8_t *byte;
        const int16_t *int16;
        const uint16_t *uint16;
        const int32_t *int32;
        const uint32_t *uint32;
        const int64_t *int64;
        const uint64_t *uint64;
        const float *f32;
        const double *f64;
        const aj_ua_string *string; /* String, ByteString, XmlElement, reserved ids */
        const int64_t *datetime;
        const aj_ua_guid *guid;
        const aj_ua_node_id *node_id;
        const aj_ua_expanded_node_id *expanded_node_id;
        const uint32_t *status_code;
        const aj_ua_qualified_name *qualified_name;
        const aj_ua_localized_text *localized_text;
        const aj_ua_extension_object *extension_object;
        const struct aj_ua_data_value *data_value;
        const struct aj_ua_variant *variant; /* arrays only: a scalar Variant is invalid */
        const struct aj_ua_diagnostic_info *diagnostic_info;
    } v;
} aj_ua_variant;

/* A scalar of `type` pointing at *value (not copied). */
aj_ua_variant aj_ua_variant_scalar(aj_ua_type type, const void *value);
/* A one-dimensional array of count elements at values (not copied). */
aj_ua_variant aj_ua_variant_array(aj_ua_type type, const void *values, uint32_t count);
/* Bytes of one element of `type` in memory (bool, int32_t, aj_ua_string, ...); 0 for
 * AJ_UA_NULL or an unknown id. */
size_t aj_ua_type_size(int type);

/* DataValue: mask says which fields are present (others are zero). */
enum {
    AJ_UA_DV_VALUE = 0x01,
    AJ_UA_DV_STATUS = 0x02,
    AJ_UA_DV_SOURCE_TIMESTAMP = 0x04,
    AJ_UA_DV_SERVER_TIMESTAMP = 0x08,
    AJ_UA_DV_SOURCE_PICOSECONDS = 0x10,
    AJ_UA_DV_SERVER_PICOSECONDS = 0x20,
};
typedef struct aj_ua_data_value {
    uint8_t mask; /* AJ_UA_DV_* */
    aj_ua_variant value;
    uint32_t status;
    int64_t source_timestamp, server_timestamp; /* DateTime */
    uint16_t source_picoseconds, server_picoseconds;
} aj_ua_data_value;

/* DiagnosticInfo: mask says which fields are present. The four Int32 are indexes into the
 * response header's string table. */
enum {
    AJ_UA_DI_SYMBOLIC_ID = 0x01,
    AJ_UA_DI_NAMESPACE_URI = 0x02,
    AJ_UA_DI_LOCALIZED_TEXT = 0x04,
    AJ_UA_DI_LOCALE = 0x08,
    AJ_UA_DI_ADDITIONAL_INFO = 0x10,
    AJ_UA_DI_INNER_STATUS_CODE = 0x20,
    AJ_UA_DI_INNER_DIAGNOSTIC_INFO = 0x40,
};
typedef struct aj_ua_diagnostic_info {
    uint8_t mask; /* AJ_UA_DI_* */
    int32_t symbolic_id, namespace_uri, locale, localized_text;
    aj_ua_string additional_info;
    uint32_t inner_status_code;
    const struct aj_ua_diagnostic_info *inner; /* non-NULL iff AJ_UA_DI_INNER_DIAGNOSTIC_INFO */
} aj_ua_diagnostic_info;

/* ---- reader ----------------------------------------------------------------------------- */

#define AJ_UA_ERR_LEN 200

typedef struct aj_ua_reader {
    const uint8_t *p; /* the input, borrowed: only read while decoding */
    size_t len, pos;
    aj_arena *arena;         /* where decoded values go (borrowed) */
    size_t n_decoded_bytes;  /* arena bytes taken so far, at most AJ_UA_DECODED_BYTES_MAX */
    int depth;               /* nesting of Variant / DataValue / DiagnosticInfo being read */
    bool is_utf8_strict;     /* true: invalid UTF-8 in a String fails; false: counted */
    uint32_t n_bad_utf8;     /* Strings (String, XmlElement, names) that were not UTF-8 */
    aj_err status;           /* AJ_OK until the first failure */
    char err[AJ_UA_ERR_LEN]; /* "" or the first failure's message */
} aj_ua_reader;

/* Starts reading p[0..len) with decoded values allocated from arena (which may be NULL
 * when only fixed-size values are read). Lenient about UTF-8 (set is_utf8_strict after
 * init to refuse). A buffer over AJ_UA_MESSAGE_MAX leaves the reader failed (AJ_ETOOBIG),
 * which is also returned. */
aj_err aj_ua_reader_init(aj_ua_reader *r, const uint8_t *p, size_t len, aj_arena *arena);
/* AJ_OK when every read succeeded and all input was consumed; otherwise fails the reader
 * ("<what> at offset N: K bytes left over") and returns its code. */
aj_err aj_ua_reader_finish(aj_ua_reader *r, const char *what);
/* Records the first failure: code and "<field> at offset <at>: <message>". Later calls are
 * ignored. Returns the reader's status. For decoders built on this one. */
aj_err aj_ua_reader_fail(aj_ua_reader *r, aj_err code, size_t at, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* n zeroed bytes from the arena, counted against AJ_UA_DECODED_BYTES_MAX; NULL (and the
 * reader failed, naming field) when over the budget, out of memory or without an arena. */
void *aj_ua_reader_alloc(aj_ua_reader *r, size_t n, const char *field);
/* Reads an Int32 array length: -1 (null) or 0..AJ_UA_ARRAY_LEN_MAX, and at most what the
 * bytes left can hold at min_elem_bytes per element. */
aj_err aj_ua_read_array_length(aj_ua_reader *r, const char *field, size_t min_elem_bytes, int32_t *out);

/* One function per built-in type. field names the value in error messages. */
aj_err aj_ua_read_boolean(aj_ua_reader *r, const char *field, bool *out);
aj_err aj_ua_read_sbyte(aj_ua_reader *r, const char *field, int8_t *out);
aj_err aj_ua_read_byte(aj_ua_reader *r, const char *field, uint8_t *out);
aj_err aj_ua_read_int16(aj_ua_reader *r, const char *field, int16_t *out);
aj_err aj_ua_read_uint16(aj_ua_reader *r, const char *field, uint16_t *out);
aj_err aj_ua_read_int32(aj_ua_reader *r, const char *field, int32_t *out);
aj_err aj_ua_read_uint32(aj_ua_reader *r, const char *field, uint32_t *out);
aj_err aj_ua_read_int64(aj_ua_reader *r, const char *field, int64_t *out);
aj_err aj_ua_read_uint64(aj_ua_reader *r, const char *field, uint64_t *out);
aj_err aj_ua_read_float(aj_ua_reader *r, const char *field, float *out);
aj_err aj_ua_read_double(aj_ua_reader *r, const char *field, double *out);
aj_err aj_ua_read_string(aj_ua_reader *r, const char *field, aj_ua_string *out);
aj_err aj_ua_read_datetime(aj_ua_reader *r, const char *field, int64_t *out);
aj_err aj_ua_read_guid(aj_ua_reader *r, const char *field, aj_ua_guid *out);
aj_err aj_ua_read_bytestring(aj_ua_reader *r, const char *field, aj_ua_string *out);
aj_err aj_ua_read_xml_element(aj_ua_reader *r, const char *field, aj_ua_string *out);
aj_err aj_ua_read_node_id(aj_ua_reader *r, const char *field, aj_ua_node_id *out);
aj_err aj_ua_read_expanded_node_id(aj_ua_reader *r, const char *field, aj_ua_expanded_node_id *out);
aj_err aj_ua_read_status_code(aj_ua_reader *r, const char *field, uint32_t *out);
aj_err aj_ua_read_qualified_name(aj_ua_reader *r, const char *field, aj_ua_qualified_name *out);
aj_err aj_ua_read_localized_text(aj_ua_reader *r, const char *field, aj_ua_localized_text *out);
aj_err aj_ua_read_extension_object(aj_ua_reader *r, const char *field, aj_ua_extension_object *out);
aj_err aj_ua_read_data_value(aj_ua_reader *r, const char *field, aj_ua_data_value *out);
aj_err aj_ua_read_variant(aj_ua_reader *r, const char *field, aj_ua_variant *out);
aj_err aj_ua_read_diagnostic_info(aj_ua_reader *r, const char *field, aj_ua_diagnostic_info *out);
/* One element of a built-in type (1..31, not 0) into out (aj_ua_type_size(type) bytes). */
aj_err aj_ua_read_value(aj_ua_reader *r, const char *field, int type, void *out);

/* ---- writer ----------------------------------------------------------------------------- */

typedef struct aj_ua_writer {
    uint8_t *buf; /* owned; NULL until the first write */
    size_t len, cap;
    size_t max; /* hard cap on len */
    int depth;  /* nesting being written (bounded like the reader's) */
    aj_err status;
    char err[AJ_UA_ERR_LEN];
} aj_ua_writer;

/* An empty writer that refuses to grow past max bytes (0: AJ_UA_MESSAGE_MAX; larger
 * values are cut to it). Nothing is allocated yet. */
void aj_ua_writer_init(aj_ua_writer *w, size_t max);
/* Frees the buffer; the writer can be initialised again. */
void aj_ua_writer_clear(aj_ua_writer *w);
/* Records the first failure, as aj_ua_reader_fail does ("<field>: <message>"). */
aj_err aj_ua_writer_fail(aj_ua_writer *w, aj_err code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
aj_err aj_ua_write_bytes(aj_ua_writer *w, const void *p, size_t n);

aj_err aj_ua_write_boolean(aj_ua_writer *w, bool v);
aj_err aj_ua_write_sbyte(aj_ua_writer *w, int8_t v);
aj_err aj_ua_write_byte(aj_ua_writer *w, uint8_t v);
aj_err aj_ua_write_int16(aj_ua_writer *w, int16_t v);
aj_err aj_ua_write_uint16(aj_ua_writer *w, uint16_t v);
aj_err aj_ua_write_int32(aj_ua_writer *w, int32_t v);
aj_err aj_ua_write_uint32(aj_ua_writer *w, uint32_t v);
aj_err aj_ua_write_int64(aj_ua_writer *w, int64_t v);
aj_err aj_ua_write_uint64(aj_ua_writer *w, uint64_t v);
aj_err aj_ua_write_float(aj_ua_writer *w, float v);   /* bit pattern kept (NaN payloads too) */
aj_err aj_ua_write_double(aj_ua_writer *w, double v); /* bit pattern kept (NaN payloads too) */
/* String, ByteString, XmlElement: len -1 writes null; len over the reader's limit fails
 * (what we write, we could not read back). */
aj_err aj_ua_write_string(aj_ua_writer *w, aj_ua_string s);
aj_err aj_ua_write_bytestring(aj_ua_writer *w, aj_ua_string s);
aj_err aj_ua_write_xml_element(aj_ua_writer *w, aj_ua_string s);
aj_err aj_ua_write_datetime(aj_ua_writer *w, int64_t v);
aj_err aj_ua_write_guid(aj_ua_writer *w, const aj_ua_guid *g);
aj_err aj_ua_write_node_id(aj_ua_writer *w, const aj_ua_node_id *id);
aj_err aj_ua_write_expanded_node_id(aj_ua_writer *w, const aj_ua_expanded_node_id *id);
aj_err aj_ua_write_status_code(aj_ua_writer *w, uint32_t v);
aj_err aj_ua_write_qualified_name(aj_ua_writer *w, const aj_ua_qualified_name *q);
aj_err aj_ua_write_localized_text(aj_ua_writer *w, const aj_ua_localized_text *t);
aj_err aj_ua_write_extension_object(aj_ua_writer *w, const aj_ua_extension_object *e);
aj_err aj_ua_write_data_value(aj_ua_writer *w, const aj_ua_data_value *dv);
aj_err aj_ua_write_variant(aj_ua_writer *w, const aj_ua_variant *v);
aj_err aj_ua_write_diagnostic_info(aj_ua_writer *w, const aj_ua_diagnostic_info *di);
/* One element of a built-in type (1..31, not 0) at value. */
aj_err aj_ua_write_value(aj_ua_writer *w, int type, const void *value);

/* ---- equality (for round trips and tests) ---------------------------------------------- */

/* Value equality: strings by length and bytes (null != empty), floats by bit pattern (NaN
 * equals the same NaN, -0 != +0), booleans by truth, absent fields ignored. Bounded by
 * AJ_UA_DEPTH_MAX (deeper values compare unequal). */
bool aj_ua_string_equal(aj_ua_string a, aj_ua_string b);
bool aj_ua_node_id_equal(const aj_ua_node_id *a, const aj_ua_node_id *b);
bool aj_ua_value_equal(int type, const void *a, const void *b);
bool aj_ua_variant_equal(const aj_ua_variant *a, const aj_ua_variant *b);
bool aj_ua_data_value_equal(const aj_ua_data_value *a, const aj_ua_data_value *b);
bool aj_ua_diagnostic_info_equal(const aj_ua_diagnostic_info *a, const aj_ua_diagnostic_info *b);

/* ---- helpers for the client and the engine ---------------------------------------------- */

/* StatusCode severity from its top two bits (0b11 is reserved and counts as bad). */
typedef enum { AJ_UA_SEVERITY_GOOD, AJ_UA_SEVERITY_UNCERTAIN, AJ_UA_SEVERITY_BAD } aj_ua_severity;
aj_ua_severity aj_ua_status_severity(uint32_t status);
/* Quality of a point carrying this status: Good -> GOOD, Uncertain -> UNCERTAIN, Bad ->
 * BAD (docs/opcua.md). */
aj_quality aj_ua_status_quality(uint32_t status);
/* Quality reason bits (AJ_QR_*) of a status: AJ_QR_SOURCE_BAD for every Bad status,
 * AJ_QR_COMM_LOSS for the codes that mean the server lost its data source. */
uint32_t aj_ua_status_reasons(uint32_t status);

/* A numeric scalar (Boolean as 0/1, the eight integer types, Float, Double) as a double;
 * false (and *out untouched) for anything else, arrays included. */
bool aj_ua_variant_to_double(const aj_ua_variant *v, double *out);

/* DateTime (Int64, 100 ns ticks since 1601-01-01 UTC) <-> Unix time. Per §5.2.2.5: 0 and
 * anything earlier than Unix time can hold decode to INT64_MIN, INT64_MAX and anything
 * later to INT64_MAX; INT64_MIN encodes as 0, INT64_MAX as INT64_MAX, times at or before
 * 1601 as 0 and at or after 9999-12-31 23:59:59 as INT64_MAX. Sub-tick ns are floored. */
#define AJ_UA_DATETIME_UNIX_EPOCH 116444736000000000LL  /* 1970-01-01 in ticks */
#define AJ_UA_DATETIME_END        2650467743990000000LL /* 9999-12-31 23:59:59 in ticks */
int64_t aj_ua_datetime_to_unix_ns(int64_t dt);
int64_t aj_ua_datetime_from_unix_ns(int64_t ns);
int64_t aj_ua_datetime_to_unix_ms(int64_t dt);
int64_t aj_ua_datetime_from_unix_ms(int64_t ms);

#endif
