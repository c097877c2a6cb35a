/* session.c — the Sparkplug B session state machine of one edge node and its devices, the
 * alias table of a birth and the pacing of rebirth requests (session.h,
 * docs/sparkplug.md "Sessions").
 *
 * Edge node (one per mapped group/node):
 *
 *                      NBIRTH (seq 0-255)
 *   WAITING_BIRTH ----------------------------> ONLINE --NDATA/DBIRTH/DDATA/DDEATH, seq + 1--+
 *     ^   ^  |  data: rebirth                   | |  ^                                        |
 *     |   |  +--------------+                   | |  +----------------------------------------+
 *     |   +--- seq gap, no seq: rebirth --------+ |
 *     |                                           | NDEATH with the birth's bdSeq
 *     | broker lost                               v
 *     +---------------------------------------- OFFLINE --NBIRTH--> ONLINE
 *
 *   NDEATH with another bdSeq, or before any birth: ignored. Any state: NBIRTH -> ONLINE.
 *
 * Device (one per mapped device of a node):
 *
 *   WAITING_BIRTH --DBIRTH (node ONLINE, seq + 1)--> ONLINE --DDEATH--> OFFLINE
 *        ^                                            |
 *        +---- NBIRTH of its node, broker lost -------+       (NDEATH: OFFLINE)
 *
 * The seq counter belongs to the node: NDATA, DBIRTH, DDATA and DDEATH of all its devices
 * (mapped or not) share it, so every one of them is checked and counted here.
 *
 * One function per transition; aj_sp_session_step() dispatches on the message type.
 */
#include "sparkplug/session.h"

#include "base/limits.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATE_NAMES[AJ_SP_STATE_COUNT] = {"waiting-birth", "online", "offline"};

const char *aj_sp_state_name(aj_sp_state state) {
    return (unsigned)state < AJ_SP_STATE_COUNT ? STATE_NAMES[state] : "?";
}

static const char *const VERDICT_TEXTS[AJ_SP_V_COUNT] = {
    [AJ_SP_V_OK] = "",
    [AJ_SP_V_SEQ_GAP] = "seq does not follow the previous message's (messages were lost)",
    [AJ_SP_V_NO_SEQ] = "no seq, or a seq outside 0-255",
    [AJ_SP_V_NODE_NOT_BORN] = "the edge node has no valid birth",
    [AJ_SP_V_DEVICE_NOT_BORN] = "the device has no birth since its edge node's",
    [AJ_SP_V_BD_SEQ_MISMATCH] = "its bdSeq is not the current birth's (another session): ignored",
    [AJ_SP_V_DEATH_UNBORN] = "the edge node was not born since start: ignored",
    [AJ_SP_V_NOT_FOR_HOST] = "a command or host state: ignored",
};

const char *aj_sp_verdict_text(aj_sp_verdict verdict) {
    return (unsigned)verdict < AJ_SP_V_COUNT ? VERDICT_TEXTS[verdict] : "?";
}

static aj_sp_decision decide(unsigned actions, aj_sp_verdict verdict) {
    return (aj_sp_decision){actions, verdict};
}

static aj_sp_device_session *device_of(aj_sp_node_session *node, const aj_sp_event *ev) {
    return ev->device >= 0 && ev->device < node->n_devices ? &node->devices[ev->device] : NULL;
}

/* The node's seq check for a message of an ONLINE node: taken (seq moves on) or the session
 * can no longer be trusted (WAITING_BIRTH, ask for a rebirth). */
static aj_sp_verdict follow_seq(aj_sp_node_session *node, const aj_sp_event *ev) {
    assert(node->state == AJ_SP_ONLINE);
    if (!ev->has_seq || ev->seq > 255) {
        node->state = AJ_SP_WAITING_BIRTH;
        return AJ_SP_V_NO_SEQ;
    }
    if ((int)ev->seq != (node->seq + 1) % 256) {
        node->state = AJ_SP_WAITING_BIRTH;
        return AJ_SP_V_SEQ_GAP;
    }
    node->seq = (int)ev->seq;
    return AJ_SP_V_OK;
}

/* ---- transitions ------------------------------------------------------------------------ */

static aj_sp_decision node_birth(aj_sp_node_session *node, const aj_sp_event *ev) {
    if (!ev->has_seq || ev->seq > 255) {
        node->state = AJ_SP_WAITING_BIRTH;
        return decide(AJ_SP_ACT_REBIRTH, AJ_SP_V_NO_SEQ);
    }
    node->state = AJ_SP_ONLINE;
    node->has_birth = true;
    node->has_bd_seq = ev->has_bd_seq;
    node->bd_seq = ev->has_bd_seq ? ev->bd_seq : 0;
    node->seq = (int)ev->seq;
    for (int i = 0; i < node->n_devices; i++)
        if (node->devices[i].state != AJ_SP_OFFLINE) node->devices[i].state = AJ_SP_WAITING_BIRTH;
    return decide(AJ_SP_ACT_TAKE | AJ_SP_ACT_NODE_BIRTH, AJ_SP_V_OK);
}

static aj_sp_decision node_data(aj_sp_node_session *node, const aj_sp_event *ev) {
    if (node->state != AJ_SP_ONLINE) return decide(AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    aj_sp_verdict v = follow_seq(node, ev);
    return v ? decide(AJ_SP_ACT_REBIRTH, v) : decide(AJ_SP_ACT_TAKE, AJ_SP_V_OK);
}

static aj_sp_decision node_death(aj_sp_node_session *node, const aj_sp_event *ev) {
    if (!node->has_birth) return decide(0, AJ_SP_V_DEATH_UNBORN);
    if (node->has_bd_seq && (!ev->has_bd_seq || ev->bd_seq != node->bd_seq))
        return decide(0, AJ_SP_V_BD_SEQ_MISMATCH);
    node->state = AJ_SP_OFFLINE;
    for (int i = 0; i < node->n_devices; i++) node->devices[i].state = AJ_SP_OFFLINE;
    return decide(AJ_SP_ACT_NODE_LOST, AJ_SP_V_OK);
}

static aj_sp_decision device_birth(aj_sp_node_session *node, aj_sp_device_session *dev,
                                   const aj_sp_event *ev) {
    if (node->state != AJ_SP_ONLINE) return decide(AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    aj_sp_verdict v = follow_seq(node, ev);
    if (v) return decide(AJ_SP_ACT_REBIRTH, v);
    if (dev) dev->state = AJ_SP_ONLINE;
    return decide(AJ_SP_ACT_TAKE | AJ_SP_ACT_DEVICE_BIRTH, AJ_SP_V_OK);
}

static aj_sp_decision device_data(aj_sp_node_session *node, aj_sp_device_session *dev,
                                  const aj_sp_event *ev) {
    if (node->state != AJ_SP_ONLINE) return decide(AJ_SP_ACT_REBIRTH, AJ_SP_V_NODE_NOT_BORN);
    aj_sp_verdict v = follow_seq(node, ev);
    if (v) return decide(AJ_SP_ACT_REBIRTH, v);
    if (dev && dev->state != AJ_SP_ONLINE) return decide(AJ_SP_ACT_REBIRTH, AJ_SP_V_DEVICE_NOT_BORN);
    return decide(AJ_SP_ACT_TAKE, AJ_SP_V_OK);
}

static aj_sp_decision device_death(aj_sp_node_session *node, aj_sp_device_session *dev,
                                   const aj_sp_event *ev) {
    unsigned actions = 0;
    aj_sp_verdict v = AJ_SP_V_OK;
    if (node->state == AJ_SP_ONLINE && (v = follow_seq(node, ev)) != AJ_SP_V_OK) actions |= AJ_SP_ACT_REBIRTH;
    if (dev && dev->state != AJ_SP_OFFLINE) {
        dev->state = AJ_SP_OFFLINE;
        actions |= AJ_SP_ACT_DEVICE_LOST;
    }
    return decide(actions, v);
}

aj_sp_decision aj_sp_session_step(aj_sp_node_session *node, const aj_sp_event *ev) {
    aj_sp_device_session *dev = device_of(node, ev);
    aj_sp_decision d;
    switch (ev->type) {
    case AJ_SP_NBIRTH:
        d = node_birth(node, ev);
        break;
    case AJ_SP_NDATA:
        d = node_data(node, ev);
        break;
    case AJ_SP_NDEATH:
        d = node_death(node, ev);
        break;
    case AJ_SP_DBIRTH:
        d = device_birth(node, dev, ev);
        break;
    case AJ_SP_DDATA:
        d = device_data(node, dev, ev);
        break;
    case AJ_SP_DDEATH:
        d = device_death(node, dev, ev);
        break;
    default:
        d = decide(0, AJ_SP_V_NOT_FOR_HOST);
        break;
    }
    assert(aj_sp_session_ok(node));
    return d;
}

void aj_sp_session_connection_lost(aj_sp_node_session *node) {
    node->state = AJ_SP_WAITING_BIRTH;
    for (int i = 0; i < node->n_devices; i++)
        if (node->devices[i].state != AJ_SP_OFFLINE) node->devices[i].state = AJ_SP_WAITING_BIRTH;
}

bool aj_sp_rebirth_due(aj_sp_node_session *node, int64_t now_ms) {
    if (node->rebirth_last_ms && now_ms - node->rebirth_last_ms < AJ_SP_REBIRTH_INTERVAL_MS) return false;
    node->rebirth_last_ms = now_ms ? now_ms : 1;
    return true;
}

bool aj_sp_session_ok(const aj_sp_node_session *node) {
    if ((unsigned)node->state >= AJ_SP_STATE_COUNT || node->n_devices < 0) return false;
    if (node->n_devices > 0 && !node->devices) return false;
    if (node->state == AJ_SP_ONLINE && (!node->has_birth || node->seq < 0 || node->seq > 255)) return false;
    if (!node->has_birth && node->has_bd_seq) return false;
    for (int i = 0; i < node->n_devices; i++) {
        aj_sp_state s = node->devices[i].state;
        if ((unsigned)s >= AJ_SP_STATE_COUNT) return false;
        /* a device is only online while its node is born */
        if (s == AJ_SP_ONLINE && !node->has_birth) return false;
    }
    return true;
}

/* ---- aliases ------------------------------------------------------------------------------ */

void aj_sp_aliases_reset(aj_sp_aliases *t) {
    t->n = 0;
}

aj_err aj_sp_aliases_add(aj_sp_aliases *t, uint64_t alias, int target) {
    if (t->n == t->cap) {
        if (t->cap >= AJ_SP_METRICS_MAX) return AJ_ETOOBIG;
        int cap = t->cap ? t->cap * 2 : 16;
        if (cap > AJ_SP_METRICS_MAX) cap = AJ_SP_METRICS_MAX;
        aj_sp_alias *grown = realloc(t->items, (size_t)cap * sizeof *grown);
        if (!grown) return AJ_ENOMEM;
        t->items = grown;
        t->cap = cap;
    }
    t->items[t->n] = (aj_sp_alias){alias, target, t->n};
    t->n++;
    return AJ_OK;
}

/* By alias, then by position in the birth (so the first of duplicates sorts first). */
static int alias_cmp(const void *x, const void *y) {
    const aj_sp_alias *p = x, *q = y;
    if (p->alias != q->alias) return p->alias < q->alias ? -1 : 1;
    return (p->order > q->order) - (p->order < q->order);
}

bool aj_sp_aliases_finish(aj_sp_aliases *t) {
    if (t->n < 2) return true;
    qsort(t->items, (size_t)t->n, sizeof *t->items, alias_cmp);
    int out = 1;
    bool is_unique = true;
    for (int i = 1; i < t->n; i++) {
        if (t->items[i].alias == t->items[out - 1].alias) {
            is_unique = false;
            continue;
        }
        t->items[out++] = t->items[i];
    }
    t->n = out;
    return is_unique;
}

int aj_sp_aliases_find(const aj_sp_aliases *t, uint64_t alias) {
    int lo = 0, hi = t->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        uint64_t a = t->items[mid].alias;
        if (a == alias) return t->items[mid].target;
        if (a < alias)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -2;
}

void aj_sp_aliases_clear(aj_sp_aliases *t) {
    free(t->items);
    *t = (aj_sp_aliases){0};
}
