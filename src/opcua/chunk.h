/* chunk.h — the OPC UA Connection Protocol and secure-conversation framing (OPC 10000-6
 * §7.1 and §6.7.2): message headers, Hello / Acknowledge / Error, the sequence header and
 * the reassembly of message chunks into messages.
 *
 * Pure: no I/O. The channel (channel.c) reads 8 header bytes, checks them here, reads the
 * rest, removes the security (security.c) and gives the plain body of each chunk to an
 * aj_ua_assembly, which joins 'C' chunks until the 'F' one and drops a message on 'A'.
 * The server is untrusted: every size is checked against the negotiated limits before
 * anything is allocated.
 */
#ifndef AJ_OPCUA_CHUNK_H
#define AJ_OPCUA_CHUNK_H

#include "base/err.h"
#include "opcua/binary.h"
#include "opcua/security.h" /* AJ_UA_SEQ_HEADER_LEN, AJ_UA_SYM_HEADER_LEN */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AJ_UA_TCP_HEADER_LEN 8 /* MessageType (3) + ChunkType (1) + MessageSize (4) */
/* Smallest buffer size a peer may announce (Part 6 §7.1.2.3). */
#define AJ_UA_BUFFER_MIN 8192
/* Sequence numbers wrap below this value after passing AJ_UA_SEQ_WRAP (§6.7.2.4). */
#define AJ_UA_SEQ_WRAP_LIMIT 4294966271u
#define AJ_UA_SEQ_RESTART    1024u

typedef enum {
    AJ_UA_MT_HEL,
    AJ_UA_MT_ACK,
    AJ_UA_MT_ERR,
    AJ_UA_MT_RHE, /* ReverseHello: refused (we only connect out) */
    AJ_UA_MT_OPN,
    AJ_UA_MT_MSG,
    AJ_UA_MT_CLO,
} aj_ua_msg_type;

typedef struct aj_ua_msg_header {
    aj_ua_msg_type type;
    char chunk;    /* 'F' final, 'C' intermediate, 'A' abort ('F' for HEL/ACK/ERR) */
    uint32_t size; /* whole chunk, header included */
} aj_ua_msg_header;

/* Parses 8 header bytes. Refuses unknown types, a chunk type other than F/C/A (F only for
 * HEL/ACK/ERR/RHE), sizes below the header or above max_size. Message names what and why. */
aj_err aj_ua_msg_header_parse(const uint8_t b[AJ_UA_TCP_HEADER_LEN], uint32_t max_size, aj_ua_msg_header *out,
                              char *err, size_t errlen);
/* "HEL", "MSG", ... */
const char *aj_ua_msg_type_name(aj_ua_msg_type t);
/* Writes a message header with the size field 0 (set later with aj_ua_set_u32). */
aj_err aj_ua_msg_header_write(aj_ua_writer *w, aj_ua_msg_type t, char chunk);
void aj_ua_set_u32(uint8_t *p, uint32_t v);
uint32_t aj_ua_get_u32(const uint8_t *p);

/* Transport limits (Hello / Acknowledge). */
typedef struct aj_ua_limits {
    uint32_t protocol_version;
    uint32_t receive_buffer; /* largest chunk the sender of this message accepts */
    uint32_t send_buffer;    /* largest chunk the sender of this message will send */
    uint32_t max_message;    /* largest message the sender of this message accepts; 0: no limit */
    uint32_t max_chunks;     /* most chunks per message the sender accepts; 0: no limit */
} aj_ua_limits;

/* A complete Hello message (header included) for endpoint_url with our limits. */
aj_err aj_ua_hello_encode(aj_ua_writer *w, const aj_ua_limits *ours, const char *endpoint_url);
/* The body (after the 8 header bytes) of an Acknowledge, checked against what we asked:
 * its receive_buffer >= AJ_UA_BUFFER_MIN, its send_buffer >= AJ_UA_BUFFER_MIN and not above
 * our receive_buffer. */
aj_err aj_ua_ack_decode(const uint8_t *body, size_t len, const aj_ua_limits *ours, aj_ua_limits *theirs,
                        char *err, size_t errlen);
/* The body of an Error message, or of an abort chunk: status and reason (truncated to fit). */
aj_err aj_ua_error_decode(const uint8_t *body, size_t len, uint32_t *status, char *reason, size_t reasonlen);

/* The next sequence number after seq (wrapping as §6.7.2.4 says). */
uint32_t aj_ua_seq_next(uint32_t seq);

/* Reassembly of one message's chunks. */
typedef struct aj_ua_assembly {
    uint32_t request_id; /* of the message being joined; valid while n_chunks > 0 */
    uint32_t n_chunks;
    uint8_t *data; /* owned */
    size_t len, cap;
    uint32_t max_message; /* 0: AJ_UA_MESSAGE_MAX */
    uint32_t max_chunks;  /* 0: no limit */
} aj_ua_assembly;

typedef enum {
    AJ_UA_ASM_MORE,     /* an intermediate chunk was taken */
    AJ_UA_ASM_COMPLETE, /* the final chunk: data[0..len) is the message */
    AJ_UA_ASM_ABORTED,  /* the sender aborted the message: it was dropped */
} aj_ua_asm_result;

void aj_ua_assembly_init(aj_ua_assembly *a, uint32_t max_message, uint32_t max_chunks);
void aj_ua_assembly_free(aj_ua_assembly *a);
/* Forgets the message in progress (keeps the buffer). */
void aj_ua_assembly_reset(aj_ua_assembly *a);
/* Adds one chunk's body (the bytes after the sequence header, security removed). A chunk of
 * another request id while a message is in progress, too many chunks or too many bytes is
 * an error (and the message is dropped). After COMPLETE, call aj_ua_assembly_reset before
 * adding the next message's first chunk. */
aj_err aj_ua_assembly_add(aj_ua_assembly *a, char chunk_type, uint32_t request_id, const uint8_t *body,
                          size_t len, aj_ua_asm_result *out, char *err, size_t errlen);

#endif
