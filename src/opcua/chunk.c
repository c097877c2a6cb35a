/* chunk.c — OPC UA message headers, Hello / Acknowledge / Error and chunk reassembly
 * (chunk.h). Pure; every size from the peer is checked before it is used. */
#include "opcua/chunk.h"

#include "base/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TYPE_NAMES[] = {"HEL", "ACK", "ERR", "RHE", "OPN", "MSG", "CLO"};

const char *aj_ua_msg_type_name(aj_ua_msg_type t) {
    return (unsigned)t < sizeof TYPE_NAMES / sizeof TYPE_NAMES[0] ? TYPE_NAMES[t] : "?";
}

void aj_ua_set_u32(uint8_t *p, uint32_t v) {
    for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> (8 * k));
}

uint32_t aj_ua_get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void printable(const uint8_t *b, size_t n, char *out) {
    for (size_t k = 0; k < n; k++) out[k] = b[k] >= 0x20 && b[k] < 0x7f ? (char)b[k] : '?';
    out[n] = 0;
}

aj_err aj_ua_msg_header_parse(const uint8_t b[AJ_UA_TCP_HEADER_LEN], uint32_t max_size, aj_ua_msg_header *out,
                              char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    int type = -1;
    for (int t = 0; t < (int)(sizeof TYPE_NAMES / sizeof TYPE_NAMES[0]); t++)
        if (!memcmp(b, TYPE_NAMES[t], 3)) type = t;
    if (type < 0) {
        char s[4];
        printable(b, 3, s);
        snprintf(err, errlen, "message header: unknown message type \"%s\"", s);
        return AJ_EINVAL;
    }
    char chunk = (char)b[3];
    bool is_secure = type == AJ_UA_MT_OPN || type == AJ_UA_MT_MSG || type == AJ_UA_MT_CLO;
    bool chunk_ok = chunk == 'F' || (type == AJ_UA_MT_MSG && (chunk == 'C' || chunk == 'A'));
    if (!chunk_ok) {
        snprintf(err, errlen, "message header: chunk type 0x%02x is not valid for %s", b[3],
                 TYPE_NAMES[type]);
        return AJ_EINVAL;
    }
    uint32_t size = aj_ua_get_u32(b + 4);
    uint32_t min = is_secure ? AJ_UA_TCP_HEADER_LEN + 4 + AJ_UA_SEQ_HEADER_LEN : AJ_UA_TCP_HEADER_LEN;
    if (size < min || size > max_size) {
        snprintf(err, errlen, "%s message header: size %u is outside %u..%u", TYPE_NAMES[type], size, min,
                 max_size);
        return AJ_EINVAL;
    }
    out->type = (aj_ua_msg_type)type;
    out->chunk = chunk;
    out->size = size;
    return AJ_OK;
}

aj_err aj_ua_msg_header_write(aj_ua_writer *w, aj_ua_msg_type t, char chunk) {
    aj_ua_write_bytes(w, aj_ua_msg_type_name(t), 3);
    aj_ua_write_byte(w, (uint8_t)chunk);
    return aj_ua_write_uint32(w, 0);
}

aj_err aj_ua_hello_encode(aj_ua_writer *w, const aj_ua_limits *ours, const char *endpoint_url) {
    size_t start = w->len;
    aj_ua_msg_header_write(w, AJ_UA_MT_HEL, 'F');
    aj_ua_write_uint32(w, ours->protocol_version);
    aj_ua_write_uint32(w, ours->receive_buffer);
    aj_ua_write_uint32(w, ours->send_buffer);
    aj_ua_write_uint32(w, ours->max_message);
    aj_ua_write_uint32(w, ours->max_chunks);
    aj_ua_write_string(w, aj_ua_string_of(endpoint_url));
    if (w->status) return w->status;
    aj_ua_set_u32(w->buf + start + 4, (uint32_t)(w->len - start));
    return AJ_OK;
}

aj_err aj_ua_ack_decode(const uint8_t *body, size_t len, const aj_ua_limits *ours, aj_ua_limits *theirs,
                        char *err, size_t errlen) {
    aj_ua_reader r;
    aj_ua_reader_init(&r, body, len, NULL);
    aj_ua_read_uint32(&r, "Acknowledge.ProtocolVersion", &theirs->protocol_version);
    aj_ua_read_uint32(&r, "Acknowledge.ReceiveBufferSize", &theirs->receive_buffer);
    aj_ua_read_uint32(&r, "Acknowledge.SendBufferSize", &theirs->send_buffer);
    aj_ua_read_uint32(&r, "Acknowledge.MaxMessageSize", &theirs->max_message);
    aj_ua_read_uint32(&r, "Acknowledge.MaxChunkCount", &theirs->max_chunks);
    if (aj_ua_reader_finish(&r, "Acknowledge")) {
        snprintf(err, errlen, "%s", r.err);
        return AJ_EINVAL;
    }
    if (theirs->receive_buffer < AJ_UA_BUFFER_MIN || theirs->send_buffer < AJ_UA_BUFFER_MIN) {
        snprintf(err, errlen, "Acknowledge: buffer sizes %u/%u are below the %u-byte minimum",
                 theirs->receive_buffer, theirs->send_buffer, AJ_UA_BUFFER_MIN);
        return AJ_EINVAL;
    }
    if (theirs->send_buffer > ours->receive_buffer) {
        snprintf(err, errlen, "Acknowledge: the server's send buffer %u exceeds our receive buffer %u",
                 theirs->send_buffer, ours->receive_buffer);
        return AJ_EINVAL;
    }
    return AJ_OK;
}

aj_err aj_ua_error_decode(const uint8_t *body, size_t len, uint32_t *status, char *reason, size_t reasonlen) {
    aj_arena *arena = aj_arena_new();
    if (!arena) return AJ_ENOMEM;
    aj_ua_reader r;
    aj_ua_reader_init(&r, body, len, arena);
    aj_ua_string s = AJ_UA_STRING_NULL;
    aj_ua_read_status_code(&r, "Error.Error", status);
    aj_ua_read_string(&r, "Error.Reason", &s);
    aj_err e = r.status;
    if (reasonlen) {
        if (e)
            snprintf(reason, reasonlen, "(unreadable reason: %s)", r.err);
        else
            snprintf(reason, reasonlen, "%.*s", s.len > 0 ? (int)s.len : 0, s.len > 0 ? s.data : "");
    }
    aj_arena_free(arena);
    return e ? AJ_EINVAL : AJ_OK;
}

uint32_t aj_ua_seq_next(uint32_t seq) {
    return seq >= AJ_UA_SEQ_WRAP_LIMIT ? 1 : seq + 1;
}

void aj_ua_assembly_init(aj_ua_assembly *a, uint32_t max_message, uint32_t max_chunks) {
    memset(a, 0, sizeof *a);
    a->max_message = max_message && max_message < AJ_UA_MESSAGE_MAX ? max_message : AJ_UA_MESSAGE_MAX;
    a->max_chunks = max_chunks;
}

void aj_ua_assembly_free(aj_ua_assembly *a) {
    free(a->data);
    memset(a, 0, sizeof *a);
}

void aj_ua_assembly_reset(aj_ua_assembly *a) {
    a->n_chunks = 0;
    a->len = 0;
}

aj_err aj_ua_assembly_add(aj_ua_assembly *a, char chunk_type, uint32_t request_id, const uint8_t *body,
                          size_t len, aj_ua_asm_result *out, char *err, size_t errlen) {
    if (a->n_chunks > 0 && request_id != a->request_id) {
        snprintf(err, errlen, "chunk of request %u arrived while request %u's message was incomplete",
                 request_id, a->request_id);
        aj_ua_assembly_reset(a);
        return AJ_EINVAL;
    }
    if (chunk_type == 'A') {
        aj_ua_assembly_reset(a);
        *out = AJ_UA_ASM_ABORTED;
        return AJ_OK;
    }
    if (a->max_chunks && a->n_chunks + 1 > a->max_chunks) {
        snprintf(err, errlen, "message of request %u has more than %u chunks", request_id, a->max_chunks);
        aj_ua_assembly_reset(a);
        return AJ_ETOOBIG;
    }
    if (len > a->max_message - a->len) {
        snprintf(err, errlen, "message of request %u exceeds %u bytes", request_id, a->max_message);
        aj_ua_assembly_reset(a);
        return AJ_ETOOBIG;
    }
    if (a->len + len > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < a->len + len) cap *= 2;
        if (cap > a->max_message) cap = a->max_message;
        uint8_t *d = realloc(a->data, cap);
        if (!d) {
            snprintf(err, errlen, "out of memory for a %zu-byte message", cap);
            aj_ua_assembly_reset(a);
            return AJ_ENOMEM;
        }
        a->data = d;
        a->cap = cap;
    }
    if (len) memcpy(a->data + a->len, body, len);
    a->len += len;
    a->request_id = request_id;
    a->n_chunks++;
    *out = chunk_type == 'F' ? AJ_UA_ASM_COMPLETE : AJ_UA_ASM_MORE;
    return AJ_OK;
}
