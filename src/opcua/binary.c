/* binary.c — OPC UA Binary reader and writer: the fixed-size types, strings, Guid,
 * NodeId, ExpandedNodeId, QualifiedName, LocalizedText, ExtensionObject and the helpers
 * (status codes, DateTime). Variant, DataValue and DiagnosticInfo are in variant.c.
 *
 * Reader invariants: pos <= len always; a read either consumes exactly its value's bytes
 * or fails the reader; once failed (status != AJ_OK) no read moves pos or allocates, and
 * err holds the first failure's message. Every length is checked against its limit and
 * against the bytes left before anything is allocated, so a decode allocates at most
 * AJ_UA_DECODED_BYTES_MAX from the arena whatever the input.
 *
 * Writer invariants: len <= max always; buf is the writer's (realloc'd, doubling, never
 * past max); once failed nothing more is written. Everything is little-endian; floats
 * travel as their IEEE bit patterns, so NaN payloads survive.
 */
#include "opcua/binary_int.h"

#include "base/limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader core -------------------------------------------------------------------------- */

aj_err aj_ua_reader_init(aj_ua_reader *r, const uint8_t *p, size_t len, aj_arena *arena) {
    memset(r, 0, sizeof *r);
    r->p = p;
    r->len = len;
    r->arena = arena;
    if (len > AJ_UA_MESSAGE_MAX) {
        r->len = 0;
        return ua_fail(r, AJ_ETOOBIG, 0, "Message", NULL, "%zu bytes exceed the %u-byte limit", len,
                       AJ_UA_MESSAGE_MAX);
    }
    return AJ_OK;
}

static aj_err vfail(aj_ua_reader *r, aj_err code, size_t at, const char *field, const char *part,
                    const char *fmt, va_list ap) {
    if (r->status != AJ_OK) return r->status;
    r->status = code == AJ_OK ? AJ_EINTERNAL : code;
    int n = snprintf(r->err, sizeof r->err, "%s%s%s at offset %zu: ", field ? field : "?", part ? "." : "",
                     part ? part : "", at);
    if (n < 0 || (size_t)n >= sizeof r->err) n = (int)sizeof r->err - 1;
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    return r->status;
}

aj_err ua_fail(aj_ua_reader *r, aj_err code, size_t at, const char *field, const char *part, const char *fmt,
               ...) {
    va_list ap;
    va_start(ap, fmt);
    aj_err e = vfail(r, code, at, field, part, fmt, ap);
    va_end(ap);
    return e;
}

aj_err aj_ua_reader_fail(aj_ua_reader *r, aj_err code, size_t at, const char *field, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    aj_err e = vfail(r, code, at, field, NULL, fmt, ap);
    va_end(ap);
    return e;
}

aj_err aj_ua_reader_finish(aj_ua_reader *r, const char *what) {
    if (r->status == AJ_OK && r->pos != r->len)
        ua_fail(r, AJ_EINVAL, r->pos, what, NULL, "%zu bytes left over", r->len - r->pos);
    return r->status;
}

void *aj_ua_reader_alloc(aj_ua_reader *r, size_t n, const char *field) {
    if (r->status != AJ_OK) return NULL;
    if (!r->arena) {
        ua_fail(r, AJ_EINTERNAL, r->pos, field, NULL, "no arena to decode into");
        return NULL;
    }
    if (n > AJ_UA_DECODED_BYTES_MAX - r->n_decoded_bytes) {
        ua_fail(r, AJ_ETOOBIG, r->pos, field, NULL, "decoded values exceed the %u-byte limit",
                AJ_UA_DECODED_BYTES_MAX);
        return NULL;
    }
    void *p = aj_arena_alloc(r->arena, n);
    if (!p) {
        ua_fail(r, AJ_ENOMEM, r->pos, field, NULL, "out of memory for %zu bytes", n);
        return NULL;
    }
    r->n_decoded_bytes += n;
    return p;
}

/* The next n bytes, or NULL (reader failed) when fewer are left. */
static const uint8_t *take(aj_ua_reader *r, const char *field, const char *part, size_t n) {
    if (r->status != AJ_OK) return NULL;
    if (r->len - r->pos < n) {
        ua_fail(r, AJ_EINVAL, r->pos, field, part, "truncated: needs %zu bytes, %zu left", n,
                r->len - r->pos);
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint64_t load_le(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    for (size_t k = n; k-- > 0;) v = v << 8 | p[k];
    return v;
}

aj_err ua_rd_u8(aj_ua_reader *r, const char *field, const char *part, uint8_t *out) {
    const uint8_t *p = take(r, field, part, 1);
    *out = p ? p[0] : 0;
    return r->status;
}

aj_err ua_rd_u16(aj_ua_reader *r, const char *field, const char *part, uint16_t *out) {
    const uint8_t *p = take(r, field, part, 2);
    *out = p ? (uint16_t)load_le(p, 2) : 0;
    return r->status;
}

aj_err ua_rd_u32(aj_ua_reader *r, const char *field, const char *part, uint32_t *out) {
    const uint8_t *p = take(r, field, part, 4);
    *out = p ? (uint32_t)load_le(p, 4) : 0;
    return r->status;
}

aj_err ua_rd_u64(aj_ua_reader *r, const char *field, const char *part, uint64_t *out) {
    const uint8_t *p = take(r, field, part, 8);
    *out = p ? load_le(p, 8) : 0;
    return r->status;
}

aj_err ua_rd_i32(aj_ua_reader *r, const char *field, const char *part, int32_t *out) {
    uint32_t u;
    ua_rd_u32(r, field, part, &u);
    *out = (int32_t)u; /* two's complement: implementation-defined in C11, exact on every target */
    return r->status;
}

/* ---- fixed-size types ------------------------------------------------------------------- */

aj_err aj_ua_read_boolean(aj_ua_reader *r, const char *field, bool *out) {
    uint8_t b;
    ua_rd_u8(r, field, NULL, &b);
    *out = b != 0; /* decoders treat any non-zero byte as true (§5.2.2.1) */
    return r->status;
}

aj_err aj_ua_read_sbyte(aj_ua_reader *r, const char *field, int8_t *out) {
    uint8_t b;
    ua_rd_u8(r, field, NULL, &b);
    *out = (int8_t)b;
    return r->status;
}

aj_err aj_ua_read_byte(aj_ua_reader *r, const char *field, uint8_t *out) {
    return ua_rd_u8(r, field, NULL, out);
}

aj_err aj_ua_read_int16(aj_ua_reader *r, const char *field, int16_t *out) {
    uint16_t u;
    ua_rd_u16(r, field, NULL, &u);
    *out = (int16_t)u;
    return r->status;
}

aj_err aj_ua_read_uint16(aj_ua_reader *r, const char *field, uint16_t *out) {
    return ua_rd_u16(r, field, NULL, out);
}

aj_err aj_ua_read_int32(aj_ua_reader *r, const char *field, int32_t *out) {
    return ua_rd_i32(r, field, NULL, out);
}

aj_err aj_ua_read_uint32(aj_ua_reader *r, const char *field, uint32_t *out) {
    return ua_rd_u32(r, field, NULL, out);
}

aj_err aj_ua_read_int64(aj_ua_reader *r, const char *field, int64_t *out) {
    uint64_t u;
    ua_rd_u64(r, field, NULL, &u);
    *out = (int64_t)u;
    return r->status;
}

aj_err aj_ua_read_uint64(aj_ua_reader *r, const char *field, uint64_t *out) {
    return ua_rd_u64(r, field, NULL, out);
}

aj_err aj_ua_read_float(aj_ua_reader *r, const char *field, float *out) {
    uint32_t u;
    ua_rd_u32(r, field, NULL, &u);
    memcpy(out, &u, sizeof *out);
    return r->status;
}

aj_err aj_ua_read_double(aj_ua_reader *r, const char *field, double *out) {
    uint64_t u;
    ua_rd_u64(r, field, NULL, &u);
    memcpy(out, &u, sizeof *out);
    return r->status;
}

aj_err aj_ua_read_datetime(aj_ua_reader *r, const char *field, int64_t *out) {
    return aj_ua_read_int64(r, field, out);
}

aj_err aj_ua_read_status_code(aj_ua_reader *r, const char *field, uint32_t *out) {
    return ua_rd_u32(r, field, NULL, out);
}

static aj_err rd_guid(aj_ua_reader *r, const char *field, const char *part, aj_ua_guid *out) {
    const uint8_t *p = take(r, field, part, 16);
    memset(out, 0, sizeof *out);
    if (!p) return r->status;
    out->data1 = (uint32_t)load_le(p, 4);
    out->data2 = (uint16_t)load_le(p + 4, 2);
    out->data3 = (uint16_t)load_le(p + 6, 2);
    memcpy(out->data4, p + 8, 8);
    return AJ_OK;
}

aj_err aj_ua_read_guid(aj_ua_reader *r, const char *field, aj_ua_guid *out) {
    return rd_guid(r, field, NULL, out);
}

/* ---- strings ---------------------------------------------------------------------------- */

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF). */
static bool utf8_ok(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return false;
        }
        if (n - i <= need) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80) return false;
        i += need + 1;
    }
    return true;
}

aj_err ua_rd_chars(aj_ua_reader *r, const char *field, const char *part, bool is_text, size_t max,
                   aj_ua_string *out) {
    *out = AJ_UA_STRING_NULL;
    size_t at = r->pos;
    const char *what = is_text ? "String" : "ByteString";
    int32_t n;
    if (ua_rd_i32(r, field, part, &n) != AJ_OK) return r->status;
    if (n == -1) return AJ_OK;
    if (n < -1) return ua_fail(r, AJ_EINVAL, at, field, part, "%s length %d is negative", what, (int)n);
    if ((size_t)n > max)
        return ua_fail(r, AJ_ETOOBIG, at, field, part, "%s of %d bytes exceeds the %zu-byte limit", what,
                       (int)n, max);
    if ((size_t)n > r->len - r->pos)
        return ua_fail(r, AJ_EINVAL, at, field, part, "%s of %d bytes but only %zu left", what, (int)n,
                       r->len - r->pos);
    char *d = aj_ua_reader_alloc(r, (size_t)n + 1, field);
    if (!d) return r->status;
    memcpy(d, r->p + r->pos, (size_t)n);
    d[n] = 0;
    if (is_text && !utf8_ok((const unsigned char *)d, (size_t)n)) {
        if (r->is_utf8_strict) return ua_fail(r, AJ_EINVAL, at, field, part, "String is not valid UTF-8");
        r->n_bad_utf8++;
    }
    r->pos += (size_t)n;
    out->data = d;
    out->len = n;
    return AJ_OK;
}

aj_err aj_ua_read_string(aj_ua_reader *r, const char *field, aj_ua_string *out) {
    return ua_rd_chars(r, field, NULL, true, AJ_UA_STRING_LEN_MAX, out);
}

aj_err aj_ua_read_bytestring(aj_ua_reader *r, const char *field, aj_ua_string *out) {
    return ua_rd_chars(r, field, NULL, false, AJ_UA_BYTESTRING_LEN_MAX, out);
}

aj_err aj_ua_read_xml_element(aj_ua_reader *r, const char *field, aj_ua_string *out) {
    return ua_rd_chars(r, field, NULL, true, AJ_UA_BYTESTRING_LEN_MAX, out);
}

aj_ua_string aj_ua_string_of(const char *s) {
    if (!s) return AJ_UA_STRING_NULL;
    size_t n = strlen(s);
    return (aj_ua_string){s, n > INT32_MAX ? INT32_MAX : (int32_t)n};
}

bool aj_ua_string_equal(aj_ua_string a, aj_ua_string b) {
    if (a.len < 0 || b.len < 0) return a.len < 0 && b.len < 0;
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, (size_t)a.len) == 0);
}

/* ---- NodeId and friends -------------------------------------------------------------------- */

enum { NID_TWO_BYTE, NID_FOUR_BYTE, NID_NUMERIC, NID_STRING, NID_GUID, NID_BYTESTRING };
enum { NID_FLAG_URI = 0x80, NID_FLAG_SERVER = 0x40 };

/* The NodeId after its encoding byte. */
static aj_err rd_node_id_body(aj_ua_reader *r, const char *field, size_t at, uint8_t enc,
                              aj_ua_node_id *out) {
    memset(out, 0, sizeof *out);
    out->string = AJ_UA_STRING_NULL;
    uint8_t b;
    switch (enc) {
    case NID_TWO_BYTE:
        ua_rd_u8(r, field, "Identifier", &b);
        out->numeric = b;
        break;
    case NID_FOUR_BYTE: {
        uint16_t id;
        ua_rd_u8(r, field, "Namespace", &b);
        ua_rd_u16(r, field, "Identifier", &id);
        out->ns = b;
        out->numeric = id;
        break;
    }
    case NID_NUMERIC:
        ua_rd_u16(r, field, "Namespace", &out->ns);
        ua_rd_u32(r, field, "Identifier", &out->numeric);
        break;
    case NID_STRING:
        out->id_type = AJ_UA_ID_STRING;
        ua_rd_u16(r, field, "Namespace", &out->ns);
        ua_rd_chars(r, field, "Identifier", true, AJ_UA_STRING_LEN_MAX, &out->string);
        break;
    case NID_GUID:
        out->id_type = AJ_UA_ID_GUID;
        ua_rd_u16(r, field, "Namespace", &out->ns);
        rd_guid(r, field, "Identifier", &out->guid);
        break;
    case NID_BYTESTRING:
        out->id_type = AJ_UA_ID_OPAQUE;
        ua_rd_u16(r, field, "Namespace", &out->ns);
        ua_rd_chars(r, field, "Identifier", false, AJ_UA_BYTESTRING_LEN_MAX, &out->string);
        break;
    default:
        return ua_fail(r, AJ_EINVAL, at, field, "Encoding", "unknown NodeId encoding 0x%02x", enc);
    }
    if (r->status != AJ_OK) {
        memset(out, 0, sizeof *out);
        out->string = AJ_UA_STRING_NULL;
    }
    return r->status;
}

aj_err ua_rd_node_id(aj_ua_reader *r, const char *field, const char *part, aj_ua_node_id *out) {
    size_t at = r->pos;
    uint8_t enc;
    if (ua_rd_u8(r, field, part, &enc) != AJ_OK) {
        memset(out, 0, sizeof *out);
        out->string = AJ_UA_STRING_NULL;
        return r->status;
    }
    if (enc & (NID_FLAG_URI | NID_FLAG_SERVER))
        return ua_fail(r, AJ_EINVAL, at, field, part, "NodeId encoding 0x%02x has ExpandedNodeId flags", enc);
    if (!part) return rd_node_id_body(r, field, at, enc, out);
    char name[96]; /* "<field>.<part>", built once per embedded NodeId */
    snprintf(name, sizeof name, "%s.%s", field, part);
    return rd_node_id_body(r, name, at, enc, out);
}

aj_err aj_ua_read_node_id(aj_ua_reader *r, const char *field, aj_ua_node_id *out) {
    return ua_rd_node_id(r, field, NULL, out);
}

aj_err aj_ua_read_expanded_node_id(aj_ua_reader *r, const char *field, aj_ua_expanded_node_id *out) {
    memset(out, 0, sizeof *out);
    out->namespace_uri = AJ_UA_STRING_NULL;
    out->node_id.string = AJ_UA_STRING_NULL;
    size_t at = r->pos;
    uint8_t enc;
    if (ua_rd_u8(r, field, "Encoding", &enc) != AJ_OK) return r->status;
    if (rd_node_id_body(r, field, at, enc & 0x3f, &out->node_id) != AJ_OK) return r->status;
    if (enc & NID_FLAG_URI)
        ua_rd_chars(r, field, "NamespaceUri", true, AJ_UA_STRING_LEN_MAX, &out->namespace_uri);
    if (enc & NID_FLAG_SERVER) ua_rd_u32(r, field, "ServerIndex", &out->server_index);
    if (r->status != AJ_OK) {
        memset(out, 0, sizeof *out);
        out->namespace_uri = AJ_UA_STRING_NULL;
        out->node_id.string = AJ_UA_STRING_NULL;
    }
    return r->status;
}

aj_err aj_ua_read_qualified_name(aj_ua_reader *r, const char *field, aj_ua_qualified_name *out) {
    out->name = AJ_UA_STRING_NULL;
    ua_rd_u16(r, field, "NamespaceIndex", &out->ns);
    ua_rd_chars(r, field, "Name", true, AJ_UA_STRING_LEN_MAX, &out->name);
    if (r->status != AJ_OK) out->ns = 0;
    return r->status;
}

aj_err aj_ua_read_localized_text(aj_ua_reader *r, const char *field, aj_ua_localized_text *out) {
    out->locale = out->text = AJ_UA_STRING_NULL;
    size_t at = r->pos;
    uint8_t mask;
    if (ua_rd_u8(r, field, "EncodingMask", &mask) != AJ_OK) return r->status;
    if (mask & ~3u) return ua_fail(r, AJ_EINVAL, at, field, "EncodingMask", "unknown bits in 0x%02x", mask);
    if (mask & 1) ua_rd_chars(r, field, "Locale", true, AJ_UA_STRING_LEN_MAX, &out->locale);
    if (mask & 2) ua_rd_chars(r, field, "Text", true, AJ_UA_STRING_LEN_MAX, &out->text);
    if (r->status != AJ_OK) out->locale = out->text = AJ_UA_STRING_NULL;
    return r->status;
}

aj_err aj_ua_read_extension_object(aj_ua_reader *r, const char *field, aj_ua_extension_object *out) {
    out->encoding = AJ_UA_EXT_NONE;
    out->body = AJ_UA_STRING_NULL;
    if (ua_rd_node_id(r, field, "TypeId", &out->type_id) != AJ_OK) return r->status;
    size_t at = r->pos;
    if (ua_rd_u8(r, field, "Encoding", &out->encoding) != AJ_OK) return r->status;
    if (out->encoding == AJ_UA_EXT_BINARY || out->encoding == AJ_UA_EXT_XML) {
        ua_rd_chars(r, field, "Body", out->encoding == AJ_UA_EXT_XML, AJ_UA_BYTESTRING_LEN_MAX, &out->body);
    } else if (out->encoding != AJ_UA_EXT_NONE) {
        ua_fail(r, AJ_EINVAL, at, field, "Encoding", "unknown ExtensionObject encoding 0x%02x",
                out->encoding);
    }
    if (r->status != AJ_OK) {
        memset(out, 0, sizeof *out);
        out->type_id.string = out->body = AJ_UA_STRING_NULL;
    }
    return r->status;
}

/* ---- writer core -------------------------------------------------------------------------- */

void aj_ua_writer_init(aj_ua_writer *w, size_t max) {
    memset(w, 0, sizeof *w);
    w->max = max == 0 || max > AJ_UA_MESSAGE_MAX ? AJ_UA_MESSAGE_MAX : max;
}

void aj_ua_writer_clear(aj_ua_writer *w) {
    free(w->buf);
    memset(w, 0, sizeof *w);
}

aj_err aj_ua_writer_fail(aj_ua_writer *w, aj_err code, const char *field, const char *fmt, ...) {
    if (w->status != AJ_OK) return w->status;
    w->status = code == AJ_OK ? AJ_EINTERNAL : code;
    int n = snprintf(w->err, sizeof w->err, "%s: ", field ? field : "?");
    if (n < 0 || (size_t)n >= sizeof w->err) n = (int)sizeof w->err - 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err + n, sizeof w->err - (size_t)n, fmt, ap);
    va_end(ap);
    return w->status;
}

aj_err aj_ua_write_bytes(aj_ua_writer *w, const void *p, size_t n) {
    if (w->status != AJ_OK) return w->status;
    if (n > w->max - w->len)
        return aj_ua_writer_fail(w, AJ_ETOOBIG, "Message", "encoding exceeds the %zu-byte limit", w->max);
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n) cap = cap > w->max / 2 ? w->max : cap * 2;
        uint8_t *b = realloc(w->buf, cap);
        if (!b) return aj_ua_writer_fail(w, AJ_ENOMEM, "Message", "out of memory for %zu bytes", cap);
        w->buf = b;
        w->cap = cap;
    }
    if (n) memcpy(w->buf + w->len, p, n);
    w->len += n;
    return AJ_OK;
}

static aj_err put_le(aj_ua_writer *w, uint64_t v, size_t n) {
    uint8_t b[8];
    for (size_t k = 0; k < n; k++) b[k] = (uint8_t)(v >> (8 * k));
    return aj_ua_write_bytes(w, b, n);
}

aj_err aj_ua_write_boolean(aj_ua_writer *w, bool v) {
    return put_le(w, v ? 1 : 0, 1);
}
aj_err aj_ua_write_sbyte(aj_ua_writer *w, int8_t v) {
    return put_le(w, (uint8_t)v, 1);
}
aj_err aj_ua_write_byte(aj_ua_writer *w, uint8_t v) {
    return put_le(w, v, 1);
}
aj_err aj_ua_write_int16(aj_ua_writer *w, int16_t v) {
    return put_le(w, (uint16_t)v, 2);
}
aj_err aj_ua_write_uint16(aj_ua_writer *w, uint16_t v) {
    return put_le(w, v, 2);
}
aj_err aj_ua_write_int32(aj_ua_writer *w, int32_t v) {
    return put_le(w, (uint32_t)v, 4);
}
aj_err aj_ua_write_uint32(aj_ua_writer *w, uint32_t v) {
    return put_le(w, v, 4);
}
aj_err aj_ua_write_int64(aj_ua_writer *w, int64_t v) {
    return put_le(w, (uint64_t)v, 8);
}
aj_err aj_ua_write_uint64(aj_ua_writer *w, uint64_t v) {
    return put_le(w, v, 8);
}
aj_err aj_ua_write_datetime(aj_ua_writer *w, int64_t v) {
    return put_le(w, (uint64_t)v, 8);
}
aj_err aj_ua_write_status_code(aj_ua_writer *w, uint32_t v) {
    return put_le(w, v, 4);
}

aj_err aj_ua_write_float(aj_ua_writer *w, float v) {
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return put_le(w, u, 4);
}

aj_err aj_ua_write_double(aj_ua_writer *w, double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return put_le(w, u, 8);
}

aj_err aj_ua_write_guid(aj_ua_writer *w, const aj_ua_guid *g) {
    put_le(w, g->data1, 4);
    put_le(w, g->data2, 2);
    put_le(w, g->data3, 2);
    return aj_ua_write_bytes(w, g->data4, 8);
}

static aj_err wr_chars(aj_ua_writer *w, aj_ua_string s, const char *what, size_t max) {
    if (s.len < 0 || !s.data) return aj_ua_write_int32(w, -1);
    if ((size_t)s.len > max)
        return aj_ua_writer_fail(w, AJ_ETOOBIG, what, "%d bytes exceed the %zu-byte limit", (int)s.len, max);
    aj_ua_write_int32(w, s.len);
    return aj_ua_write_bytes(w, s.data, (size_t)s.len);
}

aj_err aj_ua_write_string(aj_ua_writer *w, aj_ua_string s) {
    return wr_chars(w, s, "String", AJ_UA_STRING_LEN_MAX);
}
aj_err aj_ua_write_bytestring(aj_ua_writer *w, aj_ua_string s) {
    return wr_chars(w, s, "ByteString", AJ_UA_BYTESTRING_LEN_MAX);
}
aj_err aj_ua_write_xml_element(aj_ua_writer *w, aj_ua_string s) {
    return wr_chars(w, s, "XmlElement", AJ_UA_BYTESTRING_LEN_MAX);
}

/* Writes a NodeId with extra flag bits in its encoding byte (ExpandedNodeId). */
static aj_err wr_node_id(aj_ua_writer *w, const aj_ua_node_id *id, uint8_t flags) {
    switch (id->id_type) {
    case AJ_UA_ID_NUMERIC:
        if (id->ns == 0 && id->numeric <= 0xff) {
            put_le(w, NID_TWO_BYTE | flags, 1);
            return put_le(w, id->numeric, 1);
        }
        if (id->ns <= 0xff && id->numeric <= 0xffff) {
            put_le(w, NID_FOUR_BYTE | flags, 1);
            put_le(w, id->ns, 1);
            return put_le(w, id->numeric, 2);
        }
        put_le(w, NID_NUMERIC | flags, 1);
        put_le(w, id->ns, 2);
        return put_le(w, id->numeric, 4);
    case AJ_UA_ID_STRING:
        put_le(w, NID_STRING | flags, 1);
        put_le(w, id->ns, 2);
        return aj_ua_write_string(w, id->string);
    case AJ_UA_ID_GUID:
        put_le(w, NID_GUID | flags, 1);
        put_le(w, id->ns, 2);
        return aj_ua_write_guid(w, &id->guid);
    case AJ_UA_ID_OPAQUE:
        put_le(w, NID_BYTESTRING | flags, 1);
        put_le(w, id->ns, 2);
        return aj_ua_write_bytestring(w, id->string);
    default:
        return aj_ua_writer_fail(w, AJ_EINVAL, "NodeId", "unknown identifier type %d", id->id_type);
    }
}

aj_err aj_ua_write_node_id(aj_ua_writer *w, const aj_ua_node_id *id) {
    return wr_node_id(w, id, 0);
}

aj_err aj_ua_write_expanded_node_id(aj_ua_writer *w, const aj_ua_expanded_node_id *id) {
    bool has_uri = id->namespace_uri.len >= 0 && id->namespace_uri.data;
    uint8_t flags = (uint8_t)((has_uri ? NID_FLAG_URI : 0) | (id->server_index ? NID_FLAG_SERVER : 0));
    wr_node_id(w, &id->node_id, flags);
    if (has_uri) aj_ua_write_string(w, id->namespace_uri);
    if (id->server_index) aj_ua_write_uint32(w, id->server_index);
    return w->status;
}

aj_err aj_ua_write_qualified_name(aj_ua_writer *w, const aj_ua_qualified_name *q) {
    aj_ua_write_uint16(w, q->ns);
    return aj_ua_write_string(w, q->name);
}

aj_err aj_ua_write_localized_text(aj_ua_writer *w, const aj_ua_localized_text *t) {
    bool has_locale = t->locale.len >= 0 && t->locale.data, has_text = t->text.len >= 0 && t->text.data;
    aj_ua_write_byte(w, (uint8_t)((has_locale ? 1 : 0) | (has_text ? 2 : 0)));
    if (has_locale) aj_ua_write_string(w, t->locale);
    if (has_text) aj_ua_write_string(w, t->text);
    return w->status;
}

aj_err aj_ua_write_extension_object(aj_ua_writer *w, const aj_ua_extension_object *e) {
    aj_ua_write_node_id(w, &e->type_id);
    if (e->encoding > AJ_UA_EXT_XML)
        return aj_ua_writer_fail(w, AJ_EINVAL, "ExtensionObject", "unknown encoding %d", e->encoding);
    aj_ua_write_byte(w, e->encoding);
    if (e->encoding == AJ_UA_EXT_BINARY) return aj_ua_write_bytestring(w, e->body);
    if (e->encoding == AJ_UA_EXT_XML) return aj_ua_write_xml_element(w, e->body);
    return w->status;
}

/* ---- status codes --------------------------------------------------------------------------- */

aj_ua_severity aj_ua_status_severity(uint32_t status) {
    switch (status >> 30) {
    case 0:
        return AJ_UA_SEVERITY_GOOD;
    case 1:
        return AJ_UA_SEVERITY_UNCERTAIN;
    default:
        return AJ_UA_SEVERITY_BAD; /* 0b11 is reserved: not to be trusted */
    }
}

aj_quality aj_ua_status_quality(uint32_t status) {
    switch (aj_ua_status_severity(status)) {
    case AJ_UA_SEVERITY_GOOD:
        return AJ_QUALITY_GOOD;
    case AJ_UA_SEVERITY_UNCERTAIN:
        return AJ_QUALITY_UNCERTAIN;
    default:
        return AJ_QUALITY_BAD;
    }
}

/* Sub-codes (top 16 bits) meaning the value's source cannot be reached (Part 4 §7.34,
 * Part 8 §6.3.2). */
static const uint32_t COMM_LOSS_CODES[] = {
    0x80050000u, /* Bad_CommunicationError */
    0x800A0000u, /* Bad_Timeout */
    0x800D0000u, /* Bad_ServerNotConnected */
    0x80310000u, /* Bad_NoCommunication */
    0x408F0000u, /* Uncertain_NoCommunicationLastUsableValue */
};

uint32_t aj_ua_status_reasons(uint32_t status) {
    uint32_t reasons = aj_ua_status_severity(status) == AJ_UA_SEVERITY_BAD ? AJ_QR_SOURCE_BAD : 0;
    for (size_t k = 0; k < sizeof COMM_LOSS_CODES / sizeof COMM_LOSS_CODES[0]; k++)
        if ((status & 0xffff0000u) == COMM_LOSS_CODES[k]) reasons |= AJ_QR_COMM_LOSS;
    return reasons;
}

/* ---- DateTime ------------------------------------------------------------------------------- */

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Ticks since 1970 = dt - epoch; scaled by `per_tick` units with clamping to the int64 range. */
static int64_t from_ticks(int64_t dt, int64_t per_tick, int64_t ticks_per_unit) {
    if (dt <= 0) return INT64_MIN; /* 0 (and invalid negatives): the earliest time */
    if (dt == INT64_MAX) return INT64_MAX;
    int64_t t = dt - AJ_UA_DATETIME_UNIX_EPOCH; /* no overflow: dt > 0 */
    if (per_tick > 1) {
        if (t > INT64_MAX / per_tick) return INT64_MAX;
        if (t < INT64_MIN / per_tick) return INT64_MIN;
        return t * per_tick;
    }
    return floor_div(t, ticks_per_unit);
}

int64_t aj_ua_datetime_to_unix_ns(int64_t dt) {
    return from_ticks(dt, 100, 1);
}

int64_t aj_ua_datetime_to_unix_ms(int64_t dt) {
    return from_ticks(dt, 1, 10000);
}

/* Ticks since 1970 -> DateTime with the encoding clamps. */
static int64_t to_datetime(int64_t t) {
    if (t <= -AJ_UA_DATETIME_UNIX_EPOCH) return 0;
    if (t >= AJ_UA_DATETIME_END - AJ_UA_DATETIME_UNIX_EPOCH) return INT64_MAX;
    return t + AJ_UA_DATETIME_UNIX_EPOCH;
}

int64_t aj_ua_datetime_from_unix_ns(int64_t ns) {
    if (ns == INT64_MIN) return 0;
    if (ns == INT64_MAX) return INT64_MAX;
    return to_datetime(floor_div(ns, 100));
}

int64_t aj_ua_datetime_from_unix_ms(int64_t ms) {
    if (ms == INT64_MIN) return 0;
    if (ms == INT64_MAX) return INT64_MAX;
    if (ms > INT64_MAX / 10000) return INT64_MAX;
    if (ms < INT64_MIN / 10000) return 0;
    return to_datetime(ms * 10000);
}
