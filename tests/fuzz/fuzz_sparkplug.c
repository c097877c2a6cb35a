/* fuzz_sparkplug.c — libFuzzer harness for the Sparkplug B payload decoder
 * (src/sparkplug/payload.c), and on the same input the topic parser, the session state
 * machine and (for inputs that look like JSON) the map parser.
 *
 * Payload: decoding must succeed or fail with AJ_EINVAL / AJ_ETOOBIG, a NULL payload and a
 * non-empty message. A decoded payload passes aj_sp_payload_ok; every metric reads as every
 * datatype without trouble (a GOOD reading is finite, a point of a known type, no point means
 * a skip reason); a payload of scalar metrics encodes and decodes back to the same fields.
 * The same bytes decode again under a small memory bound (size x 8): the same result or
 * AJ_ETOOBIG, never a crash or a leak when protobuf-c's allocations fail part way.
 * Session: the input drives a node with two devices through events (type, seq, bdSeq,
 * device from the bytes); aj_sp_session_step asserts the invariants after each, the aliases
 * table stays sorted and finds what it holds.
 * Topic: parsed, and when valid, formatted back to the same text.
 * Map: parsed; an accepted map passes aj_sp_map_ok and finds each of its nodes, devices and
 * metrics by name. ASan/UBSan catch the rest.
 *
 * Seeds (tests/fuzz/corpus/sparkplug/): payloads encoded by sparkplug-payload 1.0.3, the npm
 * encoder of Eclipse Tahu (tests/e2e/node_modules), made with a script of this shape (run
 * from tests/e2e):
 *   const sp = require('sparkplug-payload').get('spBv1.0');
 *   fs.writeFileSync('nbirth_all_types.pb', Buffer.from(sp.encodePayload({timestamp: T, seq: 0,
 *     metrics: [{name: 'bdSeq', type: 'UInt64', value: 3}, {name: 'i8', alias: 1, type: 'Int8',
 *     value: -5}, ...]})));
 * (the values are spelled out in tests/unit/test_sparkplug_payload.c, which checks them), plus
 * hand-made edge cases and a map. Dictionary: tests/fuzz/sparkplug.dict.
 */
#include "sparkplug/map.h"
#include "sparkplug/payload.h"
#include "sparkplug/session.h"
#include "sparkplug/topic.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

static void check_reading(const aj_sp_reading *r) {
    must((unsigned)r->skip < AJ_SP_SKIP_COUNT);
    if (!r->is_point) {
        must(r->skip != AJ_SP_SKIP_NONE);
        return;
    }
    must(r->type == AJ_VALUE_INT || r->type == AJ_VALUE_FLOAT || r->type == AJ_VALUE_BOOL);
    must(isfinite(r->value));
    if (r->quality == AJ_QUALITY_GOOD)
        must(r->quality_reasons == 0 && r->skip == AJ_SP_SKIP_NONE);
    else
        must(r->quality == AJ_QUALITY_BAD && r->quality_reasons == AJ_QR_SOURCE_BAD);
    if (r->type == AJ_VALUE_BOOL) must(r->value == 0 || r->value == 1);
}

static void same_metric(const aj_sp_metric *a, const aj_sp_metric *b) {
    must((a->name == NULL) == (b->name == NULL));
    if (a->name) must(strcmp(a->name, b->name) == 0);
    must(a->has_alias == b->has_alias && a->alias == b->alias);
    must(a->has_timestamp == b->has_timestamp && a->timestamp_ms == b->timestamp_ms);
    must(a->datatype == b->datatype && a->is_null == b->is_null);
    must(a->is_historical == b->is_historical && a->is_transient == b->is_transient);
    must(a->field == b->field);
    switch (a->field) {
    case AJ_SP_F_INT:
        must(a->raw.u32 == b->raw.u32);
        break;
    case AJ_SP_F_LONG:
        must(a->raw.u64 == b->raw.u64);
        break;
    case AJ_SP_F_FLOAT:
        must(memcmp(&a->raw.f, &b->raw.f, sizeof(float)) == 0);
        break;
    case AJ_SP_F_DOUBLE:
        must(memcmp(&a->raw.d, &b->raw.d, sizeof(double)) == 0);
        break;
    case AJ_SP_F_BOOLEAN:
        must(a->raw.b == b->raw.b);
        break;
    case AJ_SP_F_STRING:
        must(strcmp(a->text, b->text) == 0);
        break;
    default:
        break;
    }
    /* a Quality property is written back as Int32 */
    must(a->has_quality == b->has_quality);
    if (a->has_quality) must((int32_t)a->quality == (int32_t)b->quality);
}

/* Encode and decode again: the same fields (only payloads of scalar, valid metrics). */
static void round_trip(const aj_sp_payload *p) {
    for (int i = 0; i < p->n_metrics; i++)
        if (p->metrics[i].invalid || p->metrics[i].field > AJ_SP_F_STRING) return;
    uint8_t *buf = NULL;
    size_t len = 0;
    aj_err e = aj_sp_payload_encode(p, &buf, &len);
    if (e == AJ_ENOMEM) return;
    must(e == AJ_OK);
    aj_sp_payload *q = NULL;
    char err[300];
    e = aj_sp_payload_decode(buf, len, &q, err, sizeof err);
    free(buf);
    if (e == AJ_ENOMEM) return;
    must(e == AJ_OK);
    must(q->has_timestamp == p->has_timestamp && q->timestamp_ms == p->timestamp_ms);
    must(q->has_seq == p->has_seq && q->seq == p->seq);
    must(q->n_metrics == p->n_metrics);
    for (int i = 0; i < p->n_metrics; i++) same_metric(&p->metrics[i], &q->metrics[i]);
    aj_sp_payload_free(q);
}

static void fuzz_payload(const uint8_t *data, size_t size) {
    aj_sp_payload *p = NULL;
    char err[300] = "";
    aj_err e = aj_sp_payload_decode(data, size, &p, err, sizeof err);
    if (e == AJ_ENOMEM) return;
    if (e) {
        must(e == AJ_EINVAL || e == AJ_ETOOBIG);
        must(p == NULL && err[0] != 0);
    } else {
        must(aj_sp_payload_ok(p));
        for (int i = 0; i < p->n_metrics; i++) {
            const aj_sp_metric *m = &p->metrics[i];
            aj_sp_reading r = aj_sp_metric_read(m->datatype, m);
            check_reading(&r);
            for (uint32_t t = 0; t <= AJ_SP_T_COUNT; t += 1 + (t > AJ_SP_T_DATETIME) * 7) {
                r = aj_sp_metric_read(t, m);
                check_reading(&r);
            }
        }
        round_trip(p);
    }
    /* again, with a memory bound protobuf-c may run into part way */
    aj_sp_payload *small = NULL;
    aj_err e2 = aj_sp_payload_decode_bounded(data, size, size * 8, &small, err, sizeof err);
    if (e2 == AJ_OK) {
        must(e == AJ_OK && small->n_metrics == p->n_metrics);
        aj_sp_payload_free(small);
    } else {
        must(small == NULL);
        must(e2 == e || e2 == AJ_ETOOBIG || e2 == AJ_ENOMEM);
    }
    aj_sp_payload_free(p);
}

/* Events from the bytes: type (low 3 bits, NBIRTH..DDATA; 6-7 are commands), device (bits
 * 3-4: 0, 1, none, out of range), seq from the next byte (0xFF..: none or > 255), bdSeq. */
static void fuzz_session(const uint8_t *data, size_t size) {
    aj_sp_device_session devices[2] = {{0}};
    aj_sp_node_session node = {.devices = devices, .n_devices = 2};
    int64_t now = 1;
    for (size_t i = 0; i + 2 < size && i < 3000; i += 3) {
        static const aj_sp_msg_type types[8] = {AJ_SP_NBIRTH, AJ_SP_NDEATH, AJ_SP_DBIRTH, AJ_SP_DDEATH,
                                                AJ_SP_NDATA,  AJ_SP_DDATA,  AJ_SP_NCMD,   AJ_SP_STATE};
        static const int device_of[4] = {0, 1, -1, 7};
        aj_sp_event ev = {.type = types[data[i] & 7],
                          .device = device_of[(data[i] >> 3) & 3],
                          .has_seq = data[i + 1] != 0xFF,
                          .seq = data[i + 1] == 0xFE ? 256 : data[i + 1],
                          .has_bd_seq = (data[i] & 0x20) != 0,
                          .bd_seq = data[i + 2] & 3};
        aj_sp_state before = node.state;
        aj_sp_decision d = aj_sp_session_step(&node, &ev);
        must(aj_sp_session_ok(&node));
        if (d.actions & AJ_SP_ACT_TAKE) must(node.state == AJ_SP_ONLINE);
        if (d.actions & AJ_SP_ACT_NODE_LOST) must(node.state == AJ_SP_OFFLINE);
        if (d.verdict == AJ_SP_V_SEQ_GAP) must(before == AJ_SP_ONLINE && node.state == AJ_SP_WAITING_BIRTH);
        if (data[i] & 0x40) aj_sp_session_connection_lost(&node);
        now += data[i + 2] * 100;
        (void)aj_sp_rebirth_due(&node, now);
    }
    aj_sp_aliases t = {0};
    for (size_t i = 0; i + 1 < size && i < 512; i += 2) aj_sp_aliases_add(&t, data[i] % 32, (int)i);
    aj_sp_aliases_finish(&t);
    for (int k = 1; k < t.n; k++) must(t.items[k - 1].alias < t.items[k].alias);
    for (int k = 0; k < t.n; k++) must(aj_sp_aliases_find(&t, t.items[k].alias) == t.items[k].target);
    aj_sp_aliases_clear(&t);
}

static void fuzz_topic(const uint8_t *data, size_t size) {
    aj_sp_topic t;
    char err[300] = "";
    if (aj_sp_topic_parse((const char *)data, size, &t, err, sizeof err)) {
        must(err[0] != 0);
        return;
    }
    if (t.type == AJ_SP_STATE) return;
    char back[AJ_SP_TOPIC_LEN_MAX + 1];
    must(aj_sp_topic_format(back, sizeof back, t.group, t.type, t.node, t.device));
    must(strlen(back) == size && memcmp(back, data, size) == 0);
}

static void fuzz_map(const uint8_t *data, size_t size) {
    aj_sp_map *m = NULL;
    char err[800] = "";
    aj_err e = aj_sp_map_parse((const char *)data, size, &m, err, sizeof err);
    if (e == AJ_ENOMEM) return;
    if (e) {
        must(m == NULL && err[0] != 0);
        must(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
        return;
    }
    must(aj_sp_map_ok(m));
    for (int n = 0; n < m->n_nodes; n++) {
        const aj_sp_map_node *mn = &m->nodes[n];
        must(aj_sp_map_find_node(m, mn->group, mn->node) == n);
        for (int k = mn->first_metric; k < mn->first_metric + mn->n_metrics; k++)
            must(aj_sp_map_find_metric(m, n, -1, m->metrics[k].name) == k);
        for (int d = mn->first_device; d < mn->first_device + mn->n_devices; d++) {
            must(aj_sp_map_find_device(m, n, m->devices[d].device) == d);
            const aj_sp_map_device *md = &m->devices[d];
            for (int k = md->first_metric; k < md->first_metric + md->n_metrics; k++)
                must(aj_sp_map_find_metric(m, n, d, m->metrics[k].name) == k);
        }
    }
    aj_sp_map_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_payload(data, size);
    fuzz_session(data, size);
    if (size <= AJ_SP_TOPIC_LEN_MAX + 8) fuzz_topic(data, size);
    if (size > 0 && data[0] == '{') fuzz_map(data, size);
    return 0;
}
