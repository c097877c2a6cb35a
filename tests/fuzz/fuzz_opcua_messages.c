/* fuzz_opcua_messages.c — libFuzzer harness for what the OPC UA client reads from a server
 * besides the built-in types (fuzz_opcua_binary) and the security layer
 * (fuzz_opcua_security): message headers, Acknowledge and Error bodies, chunk reassembly,
 * and every service response decoder (src/opcua/chunk.c, messages.c); plus the parsers of
 * configuration text: NodeId text form and the connection map (uamap.c).
 *
 * The first byte picks the target, the rest is its input. Checked on each:
 *  - a failed decode leaves a non-empty message naming an offset (binary) or a JSONPath
 *    (the map), and never reads outside the input (ASan);
 *  - reassembly never holds more than its limits, whatever the chunk sequence;
 *  - a NodeId that parses prints to a text that parses again to an equal NodeId.
 * Seeds: tests/fuzz/corpus/opcua_messages/ (node-opcua's encodings from
 * tests/unit/data/opcua_message_vectors.mjs, and maps).
 */
#include "base/arena.h"
#include "base/limits.h"
#include "opcua/chunk.h"
#include "opcua/messages.h"
#include "opcua/uamap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

static void check_reader(const aj_ua_reader *r, aj_err e, size_t size) {
    must(r->pos <= size);
    if (e) must(strstr(r->err, " at offset ") != NULL);
}

static void responses(const uint8_t *p, size_t n) {
    aj_arena *a = aj_arena_new();
    must(a != NULL);
    aj_ua_reader r;
    aj_ua_reader_init(&r, p, n, a);
    uint32_t type = 0;
    aj_ua_response_header h;
    aj_err e = aj_ua_response_begin(&r, &type, &h);
    if (!e) {
        switch (type % 9) { /* every decoder, whatever the type id says */
        case 0: {
            aj_ua_publish_resp v;
            e = aj_ua_decode_publish(&r, &v);
            if (!e) must(v.message.n_changes <= AJ_UA_ARRAY_LEN_MAX);
            break;
        }
        case 1: {
            aj_ua_notification v;
            e = aj_ua_decode_republish(&r, &v);
            break;
        }
        case 2: {
            aj_ua_read_resp v;
            e = aj_ua_decode_read(&r, &v);
            break;
        }
        case 3: {
            aj_ua_browse_result v;
            e = aj_ua_decode_browse(&r, &v);
            break;
        }
        case 4: {
            aj_ua_create_session_resp v;
            e = aj_ua_decode_create_session(&r, &v);
            break;
        }
        case 5: {
            aj_ua_endpoints v;
            e = aj_ua_decode_get_endpoints(&r, &v);
            break;
        }
        case 6: {
            aj_ua_create_items_resp v;
            e = aj_ua_decode_create_items(&r, &v);
            break;
        }
        case 7: {
            aj_ua_open_channel_resp v;
            e = aj_ua_decode_open_channel(&r, &v);
            break;
        }
        default: {
            aj_ua_activate_session_resp v;
            e = aj_ua_decode_activate_session(&r, &v);
            if (e) break;
            break;
        }
        }
    }
    check_reader(&r, e, n);
    aj_arena_free(a);
}

/* The input as a stream of chunks: [type byte][len byte][len bytes]... */
static void reassembly(const uint8_t *p, size_t n) {
    aj_ua_assembly as;
    aj_ua_assembly_init(&as, 300, 5);
    char err[200];
    size_t i = 0;
    for (int guard = 0; i + 2 <= n && guard < 1000; guard++) {
        char t = "CFAX"[p[i] & 3];
        uint32_t rid = p[i] >> 2 & 3;
        size_t len = p[i + 1];
        i += 2;
        if (len > n - i) len = n - i;
        aj_ua_asm_result res;
        aj_err e = aj_ua_assembly_add(&as, t, rid, p + i, len, &res, err, sizeof err);
        must(as.len <= 300 && as.n_chunks <= 5);
        if (e) must(err[0] != 0);
        if (!e && res == AJ_UA_ASM_COMPLETE) aj_ua_assembly_reset(&as);
        i += len;
    }
    aj_ua_assembly_free(&as);
}

static void framing(const uint8_t *p, size_t n) {
    char err[200];
    if (n >= AJ_UA_TCP_HEADER_LEN) {
        aj_ua_msg_header h;
        if (aj_ua_msg_header_parse(p, 65536, &h, err, sizeof err) == AJ_OK)
            must(h.size >= AJ_UA_TCP_HEADER_LEN && h.size <= 65536);
        else
            must(err[0] != 0);
    }
    aj_ua_limits ours = {0, 65536, 65536, 0, 0}, theirs;
    if (aj_ua_ack_decode(p, n, &ours, &theirs, err, sizeof err) == AJ_OK)
        must(theirs.send_buffer <= ours.receive_buffer && theirs.receive_buffer >= AJ_UA_BUFFER_MIN);
    uint32_t status;
    char reason[100];
    aj_ua_error_decode(p, n, &status, reason, sizeof reason);
    must(strlen(reason) < sizeof reason);
}

static void node_text(const uint8_t *p, size_t n) {
    char *text = malloc(n + 1);
    must(text != NULL);
    memcpy(text, p, n);
    text[n] = 0;
    aj_arena *a = aj_arena_new();
    aj_ua_node_id id, back;
    char err[200], out[8192];
    if (aj_ua_node_id_parse(text, a, &id, err, sizeof err) == AJ_OK) {
        aj_ua_node_id_format(&id, out, sizeof out);
        bool is_cut = id.id_type == AJ_UA_ID_OPAQUE && id.string.len > 3000;
        bool has_nul = id.id_type == AJ_UA_ID_STRING && memchr(id.string.data, 0, (size_t)id.string.len);
        if (!is_cut && !has_nul && strlen(out) < sizeof out - 1) {
            must(aj_ua_node_id_parse(out, a, &back, err, sizeof err) == AJ_OK);
            must(aj_ua_node_id_equal(&id, &back));
        }
    } else {
        must(err[0] != 0);
    }
    aj_arena_free(a);
    free(text);
}

static void map(const uint8_t *p, size_t n) {
    aj_arena *a = aj_arena_new();
    aj_uamap m;
    char err[400];
    aj_err e = aj_uamap_parse((const char *)p, n, a, &m, err, sizeof err);
    if (e)
        must(err[0] != 0);
    else
        for (int i = 0; i < m.n_endpoints; i++) must(m.endpoints[i].n_items >= 1 && m.endpoints[i].code != NULL);
    aj_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 1 << 20) return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: responses(p, n); break;
    case 1: reassembly(p, n); break;
    case 2: framing(p, n); break;
    case 3: node_text(p, n); break;
    default: map(p, n); break;
    }
    return 0;
}
