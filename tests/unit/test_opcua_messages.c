/* test_opcua_messages.c — the OPC UA client's pure layers: service messages
 * (src/opcua/messages.c), framing and reassembly (chunk.c), the connection map (uamap.c).
 *
 * 1. Encoders byte-exact against node-opcua's encoding of the same requests (Read,
 *    CreateMonitoredItems with a deadband, ActivateSession with a UserName token); the hex
 *    comes from tests/unit/data/opcua_message_vectors.mjs (an independent implementation).
 * 2. A node-opcua PublishResponse with a DataChangeNotification decoded field by field, and
 *    cut at every length: always a clean error naming a field, never a crash.
 * 3. Message headers, Hello/Acknowledge/Error, sequence numbers and chunk reassembly with
 *    its limits (chunk count, message size, a chunk of another request, abort).
 * 4. NodeId text form: every form parsed and printed back, every malformed one refused.
 * 5. The map: a full valid map, and each refusal with the JSONPath of the problem.
 */
#include "base/arena.h"
#include "opcua/chunk.h"
#include "opcua/messages.h"
#include "opcua/uamap.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

/* ---- helpers ------------------------------------------------------------------------------- */

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
    size_t n = strlen(h) / 2;
    assert_true(n <= cap);
    for (size_t k = 0; k < n; k++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * k, "%2x", &v), 1);
        out[k] = (uint8_t)v;
    }
    return n;
}

static void assert_hex(const aj_ua_writer *w, const char *want_hex) {
    assert_int_equal(w->status, AJ_OK);
    static uint8_t want[4096];
    size_t n = unhex(want_hex, want, sizeof want);
    if (w->len != n || memcmp(w->buf, want, n) != 0) {
        fprintf(stderr, "got  %zu bytes: ", w->len);
        for (size_t k = 0; k < w->len; k++) fprintf(stderr, "%02x", w->buf[k]);
        fprintf(stderr, "\nwant %zu bytes: %s\n", n, want_hex);
        fail_msg("encoding differs from node-opcua's");
    }
}

/* 2026-11-30T00:00:00Z as a DateTime, the time in every vector */
#define T_VECTOR ((int64_t)0x01DD805DBE0FC000LL)

static aj_ua_request_header vector_header(aj_arena *a, uint32_t handle) {
    aj_ua_request_header h = {.timestamp = T_VECTOR, .handle = handle, .timeout_hint_ms = 5000};
    char err[200];
    assert_int_equal(aj_ua_node_id_parse("ns=1;b=AAECAw==", a, &h.auth_token, err, sizeof err), AJ_OK);
    return h;
}

/* ---- 1. encoders against node-opcua ---------------------------------------------------------- */

static const char READ_HEX[] = "01007702050100040000000001020300c00fbe5d80dd010700000000000000000000008813000"
                               "0000000000000000000000002000000"
                               "020000000302000800000050543130312e50560d000000ffffffff0000ffffffff0100d2080d0"
                               "0000001000000310000ffffffff";
static const char ITEMS_HEX[] = "0100ef02050100040000000001020300c00fbe5d80dd01080000000000000000000000881300"
                                "000000002a00000002000000020000000302"
                                "0001000000410d000000ffffffff0000ffffffff020000000000000000000000000059400000"
                                "000a00000001010207000d000000ffffffff"
                                "0000ffffffff0200000001000000000000000000f0bf0100d402011000000001000000010000"
                                "00000000000000e03f0100000001";
static const char PUBLISH_HEX[] = "01003d0300c00fbe5d80dd010b0000000000000000000000000000002a0000000200000005"
                                  "00000006000000000600000000c00fbe5d80"
                                  "dd010100000001002b0301340000000200000003000000050b000000000000294000c00fbe"
                                  "5d80dd01090000000706fcffffff00008c80"
                                  "00c00fbe5d80dd0100000000010000000000000000000000";
static const char ACTIVATE_HEX[] = "0100d301050100040000000001020300c00fbe5d80dd010c0000000000000000000000881"
                                   "30000000000ffffffffffffffff0000000000"
                                   "00000001004401013500000017000000757365726e616d655f62617369633235365368613"
                                   "23536080000006f70657261746f7206000000"
                                   "736563726574ffffffffffffffffffffffff";

static void test_time_constant(void **state) {
    (void)state;
    /* the vectors' DateTime bytes c00fbe5d80dd0100 are T_VECTOR */
    uint8_t b[8];
    unhex("00c00fbe5d80dd01", b, 8);
    int64_t v = 0;
    for (int k = 7; k >= 0; k--) v = v << 8 | b[k];
    assert_int_equal(v, T_VECTOR);
}

static void test_read_request(void **state) {
    (void)state;
    aj_arena *a = aj_arena_new();
    aj_ua_request_header h = vector_header(a, 7);
    aj_ua_node_id nodes[2];
    char err[200];
    assert_int_equal(aj_ua_node_id_parse("ns=2;s=PT101.PV", a, &nodes[0], err, sizeof err), AJ_OK);
    assert_int_equal(aj_ua_node_id_parse("i=2258", a, &nodes[1], err, sizeof err), AJ_OK);
    aj_ua_string ranges[2] = {AJ_UA_STRING_NULL, aj_ua_string_of("1")};
    uint32_t attrs[2] = {13, 13};
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    assert_int_equal(aj_ua_encode_read(&w, &h, nodes, ranges, attrs, 2), AJ_OK);
    assert_hex(&w, READ_HEX);
    aj_ua_writer_clear(&w);
    aj_arena_free(a);
}

static void test_create_items_request(void **state) {
    (void)state;
    aj_arena *a = aj_arena_new();
    aj_ua_request_header h = vector_header(a, 8);
    char err[200];
    aj_ua_item_request items[2] = {
        {.index_range = AJ_UA_STRING_NULL, .client_handle = 0, .sampling_ms = 100, .queue_size = 10},
        {.index_range = AJ_UA_STRING_NULL,
         .client_handle = 1,
         .sampling_ms = -1,
         .queue_size = 1,
         .deadband = AJ_UA_DEADBAND_ABSOLUTE,
         .deadband_value = 0.5},
    };
    assert_int_equal(aj_ua_node_id_parse("ns=2;s=A", a, &items[0].node, err, sizeof err), AJ_OK);
    assert_int_equal(aj_ua_node_id_parse("ns=2;i=7", a, &items[1].node, err, sizeof err), AJ_OK);
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    assert_int_equal(aj_ua_encode_create_items(&w, &h, 42, items, 2), AJ_OK);
    assert_hex(&w, ITEMS_HEX);
    aj_ua_writer_clear(&w);
    aj_arena_free(a);
}

static void test_activate_request(void **state) {
    (void)state;
    aj_arena *a = aj_arena_new();
    aj_ua_request_header h = vector_header(a, 12);
    aj_ua_identity id = {.policy_id = aj_ua_string_of("username_basic256Sha256"),
                         .is_username = true,
                         .username = aj_ua_string_of("operator"),
                         .password = aj_ua_string_of("secret"),
                         .encryption_algorithm = AJ_UA_STRING_NULL};
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    assert_int_equal(aj_ua_encode_activate_session(&w, &h, AJ_UA_STRING_NULL, AJ_UA_STRING_NULL, &id), AJ_OK);
    assert_hex(&w, ACTIVATE_HEX);
    aj_ua_writer_clear(&w);
    aj_arena_free(a);
}

/* ---- 2. a PublishResponse from node-opcua ------------------------------------------------------ */

static void test_publish_response(void **state) {
    (void)state;
    uint8_t msg[1024];
    size_t n = unhex(PUBLISH_HEX, msg, sizeof msg);
    aj_arena *a = aj_arena_new();
    aj_ua_reader r;
    aj_ua_reader_init(&r, msg, n, a);
    uint32_t type;
    aj_ua_response_header rh;
    assert_int_equal(aj_ua_response_begin(&r, &type, &rh), AJ_OK);
    assert_int_equal(type, AJ_UA_ID_PUBLISH_RESP);
    assert_int_equal(rh.handle, 11);
    assert_int_equal(rh.service_result, 0);
    aj_ua_publish_resp p;
    assert_int_equal(aj_ua_decode_publish(&r, &p), AJ_OK);
    assert_int_equal(p.subscription_id, 42);
    assert_int_equal(p.n_available, 2);
    assert_int_equal(p.available[0], 5);
    assert_int_equal(p.available[1], 6);
    assert_false(p.more_notifications);
    assert_int_equal(p.message.sequence_number, 6);
    assert_int_equal(p.message.n_data, 1);
    assert_int_equal(p.message.n_changes, 2);
    const aj_ua_item_value *c = p.message.changes;
    assert_int_equal(c[0].client_handle, 3);
    double v = 0;
    assert_true(aj_ua_variant_to_double(&c[0].value.value, &v));
    assert_true(v == 12.5);
    assert_int_equal(c[0].value.source_timestamp, T_VECTOR);
    assert_int_equal(c[1].client_handle, 9);
    assert_int_equal(c[1].value.value.type, AJ_UA_INT32);
    assert_int_equal(*c[1].value.value.v.int32, -4);
    assert_int_equal(c[1].value.status, 0x808C0000u);
    assert_int_equal(p.n_ack_results, 1);
    aj_arena_free(a);
}

static void test_publish_truncated(void **state) {
    (void)state;
    uint8_t msg[1024];
    size_t n = unhex(PUBLISH_HEX, msg, sizeof msg);
    for (size_t cut = 0; cut < n; cut++) {
        aj_arena *a = aj_arena_new();
        aj_ua_reader r;
        aj_ua_reader_init(&r, msg, cut, a);
        uint32_t type;
        aj_ua_response_header rh;
        aj_ua_publish_resp p;
        aj_err e = aj_ua_response_begin(&r, &type, &rh);
        if (!e) e = aj_ua_decode_publish(&r, &p);
        assert_int_not_equal(e, AJ_OK);
        assert_non_null(strstr(r.err, "at offset"));
        aj_arena_free(a);
    }
}

static void test_service_fault(void **state) {
    (void)state;
    /* ServiceFault: type 397, header with BadSessionIdInvalid */
    uint8_t msg[] = {0x01, 0x00, 0x8d, 0x01, 0,    0,    0, 0, 0, 0, 0, 0, 5, 0,
                     0,    0,    0,    0,    0x25, 0x80, 0, 0, 0, 0, 0, 0, 0, 0};
    aj_ua_reader r;
    aj_ua_reader_init(&r, msg, sizeof msg, NULL);
    uint32_t type;
    aj_ua_response_header rh;
    assert_int_equal(aj_ua_response_begin(&r, &type, &rh), AJ_OK);
    assert_int_equal(type, AJ_UA_ID_SERVICE_FAULT);
    assert_int_equal(rh.service_result, AJ_UA_BAD_SESSION_ID_INVALID);
    assert_string_equal(aj_ua_status_name(rh.service_result), "BadSessionIdInvalid");
    assert_null(aj_ua_status_name(0x80FF0000u));
}

/* ---- 3. framing ---------------------------------------------------------------------------------- */

static void test_msg_header(void **state) {
    (void)state;
    aj_ua_msg_header h;
    char err[200];
    uint8_t ok[8] = {'M', 'S', 'G', 'C', 32, 0, 0, 0};
    assert_int_equal(aj_ua_msg_header_parse(ok, 65536, &h, err, sizeof err), AJ_OK);
    assert_int_equal(h.type, AJ_UA_MT_MSG);
    assert_int_equal(h.chunk, 'C');
    assert_int_equal(h.size, 32);
    uint8_t unknown[8] = {'X', 'Y', 'Z', 'F', 32, 0, 0, 0};
    assert_int_equal(aj_ua_msg_header_parse(unknown, 65536, &h, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "unknown message type \"XYZ\""));
    uint8_t opn_c[8] = {'O', 'P', 'N', 'C', 32, 0, 0, 0};
    assert_int_equal(aj_ua_msg_header_parse(opn_c, 65536, &h, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "not valid for OPN"));
    uint8_t small[8] = {'M', 'S', 'G', 'F', 19, 0, 0, 0};
    assert_int_equal(aj_ua_msg_header_parse(small, 65536, &h, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "size 19 is outside 20..65536"));
    uint8_t big[8] = {'M', 'S', 'G', 'F', 0x01, 0, 1, 0};
    assert_int_equal(aj_ua_msg_header_parse(big, 65536, &h, err, sizeof err), AJ_EINVAL);
    uint8_t ack[8] = {'A', 'C', 'K', 'F', 28, 0, 0, 0};
    assert_int_equal(aj_ua_msg_header_parse(ack, 65536, &h, err, sizeof err), AJ_OK);
    assert_int_equal(h.type, AJ_UA_MT_ACK);
}

static void test_hello_ack_error(void **state) {
    (void)state;
    aj_ua_limits ours = {0, 65536, 65536, 1 << 23, 0}, theirs;
    aj_ua_writer w;
    aj_ua_writer_init(&w, 0);
    assert_int_equal(aj_ua_hello_encode(&w, &ours, "opc.tcp://h:4840"), AJ_OK);
    assert_int_equal(w.len, 8 + 20 + 4 + 16);
    assert_memory_equal(w.buf, "HELF", 4);
    assert_int_equal(aj_ua_get_u32(w.buf + 4), w.len);
    aj_ua_writer_clear(&w);
    char err[200];
    uint8_t ack[20];
    uint32_t vals[5] = {0, 65536, 65536, 0, 0};
    for (int k = 0; k < 5; k++) aj_ua_set_u32(ack + 4 * k, vals[k]);
    assert_int_equal(aj_ua_ack_decode(ack, sizeof ack, &ours, &theirs, err, sizeof err), AJ_OK);
    assert_int_equal(theirs.receive_buffer, 65536);
    aj_ua_set_u32(ack + 4, 1024); /* receive buffer below 8192 */
    assert_int_equal(aj_ua_ack_decode(ack, sizeof ack, &ours, &theirs, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "below the 8192-byte minimum"));
    aj_ua_set_u32(ack + 4, 65536);
    aj_ua_set_u32(ack + 8, 131072); /* sends bigger chunks than we take */
    assert_int_equal(aj_ua_ack_decode(ack, sizeof ack, &ours, &theirs, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "exceeds our receive buffer"));
    assert_int_equal(aj_ua_ack_decode(ack, 19, &ours, &theirs, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "Acknowledge.MaxChunkCount"));
    /* Error: BadTcpEndpointUrlInvalid "no such endpoint" */
    uint8_t e[4 + 4 + 16];
    aj_ua_set_u32(e, 0x80AB0000u);
    aj_ua_set_u32(e + 4, 16);
    memcpy(e + 8, "no such endpoint", 16);
    uint32_t status;
    char reason[64];
    assert_int_equal(aj_ua_error_decode(e, sizeof e, &status, reason, sizeof reason), AJ_OK);
    assert_int_equal(status, 0x80AB0000u);
    assert_string_equal(reason, "no such endpoint");
    aj_ua_set_u32(e + 4, 1000); /* longer than what is there */
    assert_int_equal(aj_ua_error_decode(e, sizeof e, &status, reason, sizeof reason), AJ_EINVAL);
    assert_non_null(strstr(reason, "unreadable reason"));
}

static void test_seq_next(void **state) {
    (void)state;
    assert_int_equal(aj_ua_seq_next(1), 2);
    assert_int_equal(aj_ua_seq_next(AJ_UA_SEQ_WRAP_LIMIT - 1), AJ_UA_SEQ_WRAP_LIMIT);
    assert_int_equal(aj_ua_seq_next(AJ_UA_SEQ_WRAP_LIMIT), 1);
}

static void test_assembly(void **state) {
    (void)state;
    aj_ua_assembly a;
    aj_ua_assembly_init(&a, 10, 3);
    aj_ua_asm_result res;
    char err[200];
    assert_int_equal(aj_ua_assembly_add(&a, 'C', 5, (const uint8_t *)"abc", 3, &res, err, sizeof err), AJ_OK);
    assert_int_equal(res, AJ_UA_ASM_MORE);
    assert_int_equal(aj_ua_assembly_add(&a, 'F', 5, (const uint8_t *)"de", 2, &res, err, sizeof err), AJ_OK);
    assert_int_equal(res, AJ_UA_ASM_COMPLETE);
    assert_int_equal(a.len, 5);
    assert_memory_equal(a.data, "abcde", 5);
    aj_ua_assembly_reset(&a);
    /* a chunk of another request in the middle */
    assert_int_equal(aj_ua_assembly_add(&a, 'C', 6, (const uint8_t *)"x", 1, &res, err, sizeof err), AJ_OK);
    assert_int_equal(aj_ua_assembly_add(&a, 'F', 7, (const uint8_t *)"y", 1, &res, err, sizeof err),
                     AJ_EINVAL);
    assert_non_null(strstr(err, "chunk of request 7 arrived while request 6"));
    /* abort drops the message */
    assert_int_equal(aj_ua_assembly_add(&a, 'C', 8, (const uint8_t *)"x", 1, &res, err, sizeof err), AJ_OK);
    assert_int_equal(aj_ua_assembly_add(&a, 'A', 8, (const uint8_t *)"", 0, &res, err, sizeof err), AJ_OK);
    assert_int_equal(res, AJ_UA_ASM_ABORTED);
    assert_int_equal(a.n_chunks, 0);
    /* too many chunks, too many bytes */
    for (int k = 0; k < 3; k++)
        assert_int_equal(aj_ua_assembly_add(&a, 'C', 9, (const uint8_t *)"x", 1, &res, err, sizeof err),
                         AJ_OK);
    assert_int_equal(aj_ua_assembly_add(&a, 'F', 9, (const uint8_t *)"x", 1, &res, err, sizeof err),
                     AJ_ETOOBIG);
    assert_non_null(strstr(err, "more than 3 chunks"));
    assert_int_equal(
        aj_ua_assembly_add(&a, 'F', 10, (const uint8_t *)"0123456789A", 11, &res, err, sizeof err),
        AJ_ETOOBIG);
    assert_non_null(strstr(err, "exceeds 10 bytes"));
    aj_ua_assembly_free(&a);
}

/* ---- 4. NodeId text form ------------------------------------------------------------------------- */

static void test_node_id_text(void **state) {
    (void)state;
    static const char *const good[] = {"i=85",
                                       "ns=2;s=PT101.PV",
                                       "ns=65535;i=4294967295",
                                       "ns=3;g=09087e75-8e5e-499b-954f-f2a9603db28a",
                                       "ns=1;b=AAECAw==",
                                       "s=安监.液位"};
    aj_arena *a = aj_arena_new();
    char err[200], out[256];
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        aj_ua_node_id id;
        assert_int_equal(aj_ua_node_id_parse(good[k], a, &id, err, sizeof err), AJ_OK);
        aj_ua_node_id_format(&id, out, sizeof out);
        assert_string_equal(out, good[k]);
    }
    aj_ua_node_id id;
    assert_int_equal(aj_ua_node_id_parse("ns=0;i=85", a, &id, err, sizeof err), AJ_OK);
    aj_ua_node_id_format(&id, out, sizeof out);
    assert_string_equal(out, "i=85");
    static const char *const bad[][2] = {
        {"", "expected i=, s=, g= or b="},
        {"ns=70000;i=1", "namespace index must be 0..65535"},
        {"ns=1", "namespace index"},
        {"ns=x;i=1", "namespace index"},
        {"i=", "i= needs a number"},
        {"i=4294967296", "i= needs a number"},
        {"i=12a", "i= needs a number"},
        {"s=", "s= needs a non-empty string"},
        {"g=1234", "g= needs a GUID"},
        {"b=!!!", "b= needs base64"},
        {"x=1", "unknown identifier type 'x'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(aj_ua_node_id_parse(bad[k][0], a, &id, err, sizeof err), AJ_EINVAL);
        if (!strstr(err, bad[k][1])) fail_msg("%s: got \"%s\", want \"%s\"", bad[k][0], err, bad[k][1]);
    }
    aj_arena_free(a);
}

/* ---- 5. the map ------------------------------------------------------------------------------------ */

static const char MAP[] =
    "{\"format\":\"anjian-opcua-map\",\"version\":1,\"endpoints\":["
    "{\"code\":\"DCS-1\",\"url\":\"opc.tcp://10.0.0.5:4840/ua\",\"security_policy\":\"Basic256Sha256\","
    "\"username\":\"anjian\",\"password_env\":\"DCS_PW\",\"publishing_interval_ms\":500,\"items\":["
    "{\"tag\":\"TF1.PT101\",\"node_id\":\"ns=2;s=PT101.PV\",\"sampling_ms\":250,\"queue_size\":5,"
    "\"deadband\":{\"type\":\"absolute\",\"value\":0.05}},"
    "{\"tag\":\"TF1.TT102\",\"node_id\":\"ns=2;i=1002\",\"index_range\":\"3\"}]},"
    "{\"code\":\"PLC-2\",\"url\":\"opc.tcp://"
    "[fe80::1]:4841\",\"items\":[{\"tag\":\"TF1.LT103\",\"node_id\":\"i=2258\"}]}]}";

static aj_err parse(const char *json, char *err, size_t errlen) {
    aj_arena *a = aj_arena_new();
    aj_uamap m;
    aj_err e = aj_uamap_parse(json, strlen(json), a, &m, err, errlen);
    aj_arena_free(a);
    return e;
}

static void test_map_valid(void **state) {
    (void)state;
    aj_arena *a = aj_arena_new();
    aj_uamap m;
    char err[400];
    assert_int_equal(aj_uamap_parse(MAP, strlen(MAP), a, &m, err, sizeof err), AJ_OK);
    assert_int_equal(m.n_endpoints, 2);
    assert_int_equal(m.n_items, 3);
    const aj_uamap_endpoint *e = &m.endpoints[0];
    assert_string_equal(e->code, "DCS-1");
    assert_int_equal(e->policy, AJ_UA_POLICY_BASIC256SHA256);
    assert_int_equal(e->mode, AJ_UA_MODE_SIGN_ENCRYPT); /* the default with a secured policy */
    assert_string_equal(e->username, "anjian");
    assert_string_equal(e->password_env, "DCS_PW");
    assert_true(e->publishing_ms == 500);
    assert_int_equal(e->keepalive_count, 10);
    assert_int_equal(e->items[0].deadband, AJ_UA_DEADBAND_ABSOLUTE);
    assert_true(e->items[0].deadband_value == 0.05);
    assert_true(e->items[0].sampling_ms == 250);
    assert_int_equal(e->items[0].queue_size, 5);
    assert_int_equal(e->items[0].node.ns, 2);
    assert_string_equal(e->items[1].index_range, "3");
    assert_true(e->items[1].sampling_ms == -1);
    assert_int_equal(m.endpoints[1].policy, AJ_UA_POLICY_NONE);
    assert_int_equal(m.endpoints[1].mode, AJ_UA_MODE_NONE);
    aj_arena_free(a);
}

/* MAP with one substitution applied (from -> to), parsed: must fail with want in the error. */
static void refuse(const char *from, const char *to, const char *want) {
    const char *at = strstr(MAP, from);
    assert_non_null(at);
    size_t n = strlen(MAP) - strlen(from) + strlen(to) + 1;
    char *json = malloc(n);
    snprintf(json, n, "%.*s%s%s", (int)(at - MAP), MAP, to, at + strlen(from));
    char err[400];
    aj_err e = parse(json, err, sizeof err);
    if (e == AJ_OK || !strstr(err, want))
        fail_msg("%s -> %s: got %d \"%s\", want \"%s\"", from, to, e, err, want);
    free(json);
}

static void test_map_refusals(void **state) {
    (void)state;
    refuse("\"PLC-2\"", "\"DCS-1\"", "$.endpoints[1].code: duplicate endpoint code \"DCS-1\"");
    refuse("TF1.LT103", "TF1.PT101",
           "$.endpoints[1].items[0].tag: tag \"TF1.PT101\" is already fed by "
           "$.endpoints[0].items[0]");
    refuse("opc.tcp://10.0.0.5:4840/ua", "http://10.0.0.5", "$.endpoints[0].url: \"http://10.0.0.5\" is not");
    refuse("opc.tcp://10.0.0.5:4840/ua", "opc.tcp://h:99999", "$.endpoints[0].url");
    refuse("\"Basic256Sha256\"", "\"Basic128Rsa15\"", "$.endpoints[0].security_policy: must be \"None\"");
    refuse("\"security_policy\":\"Basic256Sha256\",", "\"security_mode\":\"Sign\",",
           "$.endpoints[0].security_mode: Sign does not go with security_policy None");
    refuse("\"password_env\":\"DCS_PW\",", "", "$.endpoints[0].username: a username needs exactly one of");
    refuse("\"password_env\":\"DCS_PW\",", "\"password_env\":\"DCS_PW\",\"password_file\":\"/x\",",
           "a username needs exactly one of");
    refuse("\"username\":\"anjian\",", "", "$.endpoints[0].username: a password is given without a username");
    refuse("\"ns=2;i=1002\"", "\"ns=2;q=1002\"",
           "$.endpoints[0].items[1].node_id: node id \"ns=2;q=1002\": unknown");
    refuse("\"index_range\":\"3\"", "\"index_range\":\"3;drop\"", "is not a NumericRange");
    refuse("\"absolute\",\"value\":0.05", "\"percent\",\"value\":101",
           "$.endpoints[0].items[0].deadband.value: must "
           "be from 0 to 100, not 101");
    refuse("\"absolute\"", "\"relative\"", "type must be \"absolute\" or \"percent\"");
    refuse("\"queue_size\":5", "\"queue_size\":0",
           "$.endpoints[0].items[0].queue_size: must be from 1 to 1000");
    refuse("\"publishing_interval_ms\":500", "\"publishing_interval_ms\":10",
           "$.endpoints[0].publishing_interval_ms: must be from 50");
    refuse("\"sampling_ms\":250", "\"sampling_ms\":250,\"colour\":1", "$.endpoints[0].items[0]");
    refuse("\"tag\":\"TF1.PT101\"", "\"tag\":\"TF1 PT101\"", "is not a tag key");
    refuse("\"version\":1", "\"version\":2", "$.version");
    refuse("{\"tag\":\"TF1.LT103\",\"node_id\":\"i=2258\"}", "", "$.endpoints[1].items");
    char err[400];
    assert_int_equal(parse("{\"format\":\"anjian-opcua-map\",", err, sizeof err), AJ_EJSON);
}

int main(void) {
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_constant),
        cmocka_unit_test(test_read_request),
        cmocka_unit_test(test_create_items_request),
        cmocka_unit_test(test_activate_request),
        cmocka_unit_test(test_publish_response),
        cmocka_unit_test(test_publish_truncated),
        cmocka_unit_test(test_service_fault),
        cmocka_unit_test(test_msg_header),
        cmocka_unit_test(test_hello_ack_error),
        cmocka_unit_test(test_seq_next),
        cmocka_unit_test(test_assembly),
        cmocka_unit_test(test_node_id_text),
        cmocka_unit_test(test_map_valid),
        cmocka_unit_test(test_map_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
