/* payload.h — Sparkplug B payloads (Eclipse Sparkplug 3.0, 6.4 "Sparkplug B Payload") decoded
 * into plain C structs with bounds, the value of a metric as a point value, and the encoding
 * of the payloads anjian sends (the rebirth request) (docs/sparkplug.md "Payloads").
 *
 * Decoding is schema-level: a metric keeps which value field it carried and the raw bits;
 * what the bits mean depends on the datatype, which a data message sent by alias leaves out
 * (the birth declared it), so aj_sp_metric_read() takes the datatype from the caller.
 *
 * Ownership: an aj_sp_payload owns everything reachable from it (one arena) and is freed
 * with aj_sp_payload_free(). The functions are pure and thread-safe.
 */
#ifndef AJ_SPARKPLUG_PAYLOAD_H
#define AJ_SPARKPLUG_PAYLOAD_H

#include "base/err.h"
#include "base/limits.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Datatypes (6.4.16), as numbered on the wire. */
typedef enum aj_sp_datatype {
    AJ_SP_T_UNKNOWN = 0,
    AJ_SP_T_INT8 = 1,
    AJ_SP_T_INT16 = 2,
    AJ_SP_T_INT32 = 3,
    AJ_SP_T_INT64 = 4,
    AJ_SP_T_UINT8 = 5,
    AJ_SP_T_UINT16 = 6,
    AJ_SP_T_UINT32 = 7,
    AJ_SP_T_UINT64 = 8,
    AJ_SP_T_FLOAT = 9,
    AJ_SP_T_DOUBLE = 10,
    AJ_SP_T_BOOLEAN = 11,
    AJ_SP_T_STRING = 12,
    AJ_SP_T_DATETIME = 13,
    AJ_SP_T_TEXT = 14,
    AJ_SP_T_UUID = 15,
    AJ_SP_T_DATASET = 16,
    AJ_SP_T_BYTES = 17,
    AJ_SP_T_FILE = 18,
    AJ_SP_T_TEMPLATE = 19,
    AJ_SP_T_PROPERTYSET = 20,
    AJ_SP_T_PROPERTYSETLIST = 21,
    AJ_SP_T_INT8_ARRAY = 22, /* ... the arrays of 3.0, up to: */
    AJ_SP_T_DATETIME_ARRAY = 34,
    AJ_SP_T_COUNT
} aj_sp_datatype;

/* "Int8", ..., "DateTimeArray"; "Unknown" for 0; "?" beyond. */
const char *aj_sp_datatype_name(uint32_t datatype);

/* The value field a metric carried (the `value` oneof of Payload.Metric). */
typedef enum aj_sp_field {
    AJ_SP_F_NONE = 0,  /* no value field */
    AJ_SP_F_INT,       /* int_value (uint32) */
    AJ_SP_F_LONG,      /* long_value (uint64) */
    AJ_SP_F_FLOAT,     /* float_value */
    AJ_SP_F_DOUBLE,    /* double_value */
    AJ_SP_F_BOOLEAN,   /* boolean_value */
    AJ_SP_F_STRING,    /* string_value (kept in text) */
    AJ_SP_F_BYTES,     /* bytes_value (Bytes, File, arrays): length only */
    AJ_SP_F_DATASET,   /* dataset_value: length only, not decoded */
    AJ_SP_F_TEMPLATE,  /* template_value: length only, not decoded */
    AJ_SP_F_EXTENSION, /* extension_value: length only */
    AJ_SP_F_COUNT
} aj_sp_field;

/* The "Quality" property of a metric (6.4.x "Property Value"), when it has one. */
#define AJ_SP_QUALITY_BAD   0
#define AJ_SP_QUALITY_GOOD  192
#define AJ_SP_QUALITY_STALE 500

typedef struct aj_sp_metric {
    const char *name; /* NULL when absent; else 1 to AJ_SP_METRIC_NAME_MAX bytes of UTF-8, no NUL */
    bool has_alias;
    uint64_t alias;
    bool has_timestamp;
    uint64_t timestamp_ms; /* ms since the Unix epoch, at most AJ_SP_TIMESTAMP_MS_MAX */
    uint32_t datatype;     /* 0 when absent (data messages by alias leave it out) */
    bool is_null;
    bool is_historical;
    bool is_transient;
    bool has_quality;
    int64_t quality; /* the Quality property: 0 bad, 192 good, 500 stale */
    aj_sp_field field;
    union {
        uint32_t u32; /* AJ_SP_F_INT */
        uint64_t u64; /* AJ_SP_F_LONG */
        float f;      /* AJ_SP_F_FLOAT */
        double d;     /* AJ_SP_F_DOUBLE */
        bool b;       /* AJ_SP_F_BOOLEAN */
    } raw;
    const char *text;    /* AJ_SP_F_STRING: the string (NUL-terminated; may be cut at a NUL it held) */
    size_t n_bytes;      /* AJ_SP_F_STRING..AJ_SP_F_EXTENSION: length of the value on the wire */
    const char *invalid; /* NULL, or why the metric cannot be used ("name is not valid UTF-8") */
} aj_sp_metric;

/* The latest metric or payload timestamp accepted: it still fits int64 ns (year 2262). */
#define AJ_SP_TIMESTAMP_MS_MAX 9223372036854LL

typedef struct aj_sp_payload {
    bool has_timestamp;
    uint64_t timestamp_ms;
    bool has_seq;
    uint64_t seq; /* as sent; valid Sparkplug is 0-255 (the session checks) */
    aj_sp_metric *metrics;
    int n_metrics;          /* at most AJ_SP_METRICS_MAX */
    int n_invalid;          /* metrics with `invalid` set */
    bool is_compressed;     /* uuid "SPBV1.0_COMPRESSED": the real payload is in body, compressed */
    struct aj_arena *arena; /* owns everything above and the payload itself */
} aj_sp_payload;

/* Decodes len bytes of a Sparkplug B payload. On success *out is a new payload the caller
 * frees with aj_sp_payload_free (problems of single metrics are marked in their `invalid`
 * and counted in n_invalid, the rest is usable). On failure *out is NULL and err says why:
 * AJ_ETOOBIG (more than AJ_SP_PAYLOAD_MAX bytes, more than AJ_SP_METRICS_MAX metrics, or
 * more than AJ_SP_DECODED_BYTES_MAX bytes of memory to unpack it), AJ_EINVAL (not a valid
 * protobuf encoding of Payload, a payload timestamp out of range), AJ_ENOMEM. */
aj_err aj_sp_payload_decode(const void *data, size_t len, aj_sp_payload **out, char *err, size_t errlen);
/* The same with another memory bound for unpacking (tests and fuzzing use small ones). */
aj_err aj_sp_payload_decode_bounded(const void *data, size_t len, size_t decoded_bytes_max,
                                    aj_sp_payload **out, char *err, size_t errlen);
/* Frees the payload and everything in it. NULL is a no-op. */
void aj_sp_payload_free(aj_sp_payload *p);
/* True when every invariant the decoder guarantees holds. For asserts and fuzzing. */
bool aj_sp_payload_ok(const aj_sp_payload *p);

/* Encodes p (its metrics' names, aliases, timestamps, datatypes, flags, Quality and scalar
 * value fields: AJ_SP_F_NONE to AJ_SP_F_STRING; other fields are left out) into a new buffer
 * *out of *len bytes the caller frees with free(). AJ_ENOMEM, or AJ_EINVAL for a metric with
 * a field it cannot write. For the rebirth request and for tests. */
aj_err aj_sp_payload_encode(const aj_sp_payload *p, uint8_t **out, size_t *len);

/* The rebirth request of 6.4.x: a payload with timestamp_ms and one metric "Node
 * Control/Rebirth", Boolean true, at the same timestamp. Sent on NCMD (without seq). */
aj_err aj_sp_rebirth_encode(uint64_t timestamp_ms, uint8_t **out, size_t *len);
#define AJ_SP_REBIRTH_METRIC "Node Control/Rebirth"
#define AJ_SP_BDSEQ_METRIC   "bdSeq"

/* ---- metric values -------------------------------------------------------------------- */

/* Why a metric gave no point, or a bad one. */
typedef enum aj_sp_skip {
    AJ_SP_SKIP_NONE = 0,     /* a point with the value */
    AJ_SP_SKIP_NULL,         /* is_null: a BAD point (source bad), value 0 */
    AJ_SP_SKIP_NOT_FINITE,   /* Float/Double NaN or infinity: a BAD point (source bad), value 0 */
    AJ_SP_SKIP_INVALID,      /* the metric is marked invalid by the decoder: no point */
    AJ_SP_SKIP_NO_DATATYPE,  /* neither the metric nor its birth gives a datatype: no point */
    AJ_SP_SKIP_BAD_DATATYPE, /* a datatype number Sparkplug does not define: no point */
    AJ_SP_SKIP_TEXT,         /* String, Text, UUID: not stored as tag values: no point */
    AJ_SP_SKIP_UNSUPPORTED,  /* DataSet, Bytes, File, Template, PropertySet(List), arrays: no point */
    AJ_SP_SKIP_NO_VALUE,     /* no value field and not null: no point */
    AJ_SP_SKIP_MISMATCH,     /* the value field does not hold this datatype (a bool for an Int32): no point */
    AJ_SP_SKIP_RANGE,        /* the value is outside the datatype (300 for a UInt8): no point */
    AJ_SP_SKIP_COUNT
} aj_sp_skip;

/* A short static English text for messages ("string values are not stored as tag values"). */
const char *aj_sp_skip_text(aj_sp_skip skip);

/* What one metric gives the historian. */
typedef struct aj_sp_reading {
    bool is_point; /* false: no point (skip says why) */
    aj_sp_skip skip;
    double value;             /* integers exact up to 2^53, beyond the nearest double; DateTime: ms */
    aj_value_type type;       /* AJ_VALUE_INT (integers, DateTime), AJ_VALUE_FLOAT, AJ_VALUE_BOOL */
    aj_quality quality;       /* GOOD, or BAD for null, non-finite and a Quality property other than 192 */
    uint32_t quality_reasons; /* AJ_QR_SOURCE_BAD when BAD */
} aj_sp_reading;

/* The reading of metric m as a value of datatype (the metric's own, else its birth's; 0 for
 * none). Integers may come in int_value or long_value; a negative Int8/Int16 as the 8/16-bit
 * or the 32/64-bit two's complement (senders differ); Float and Double in either float field. */
aj_sp_reading aj_sp_metric_read(uint32_t datatype, const aj_sp_metric *m);

#endif
