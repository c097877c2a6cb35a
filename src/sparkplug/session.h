/* session.h — the Sparkplug B host application's view of one edge node and its devices: the
 * session state machine (Eclipse Sparkplug 3.0, 5.x "Operational Behavior"), the aliases a
 * birth declares, and when to ask for a rebirth (docs/sparkplug.md "Sessions").
 *
 * Pure logic: no I/O, no clock of its own (times come in as arguments), no threads. The
 * adapter (src/ingest/sparkplug.c) feeds every message of a mapped edge node through
 * aj_sp_session_step() and carries out the actions it returns: store values, mark tags bad,
 * publish a rebirth request.
 *
 * Lifecycle: the session structs are plain values (zero = waiting for a birth, nothing known);
 * aj_sp_aliases owns one heap array (aj_sp_aliases_clear).
 */
#ifndef AJ_SPARKPLUG_SESSION_H
#define AJ_SPARKPLUG_SESSION_H

#include "base/err.h"
#include "sparkplug/topic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum aj_sp_state {
    AJ_SP_WAITING_BIRTH = 0, /* no valid birth yet, or it can no longer be trusted (gap, broker lost) */
    AJ_SP_ONLINE,            /* born; messages are taken while their seq follows on */
    AJ_SP_OFFLINE,           /* its death was received (NDEATH with the birth's bdSeq, DDEATH) */
    AJ_SP_STATE_COUNT
} aj_sp_state;

/* "waiting-birth", "online", "offline". */
const char *aj_sp_state_name(aj_sp_state state);

typedef struct aj_sp_device_session {
    aj_sp_state state;
} aj_sp_device_session;

typedef struct aj_sp_node_session {
    aj_sp_state state;
    bool has_birth;  /* a birth was accepted since start (bd_seq is that birth's) */
    bool has_bd_seq; /* that birth carried the bdSeq metric */
    uint64_t bd_seq;
    int seq;                       /* seq of the last message taken, 0-255, while ONLINE */
    int64_t rebirth_last_ms;       /* when the last rebirth request was sent; 0: never */
    aj_sp_device_session *devices; /* the node's mapped devices (borrowed), n_devices of them */
    int n_devices;
} aj_sp_node_session;

/* A message as the state machine sees it. */
typedef struct aj_sp_event {
    aj_sp_msg_type type;
    bool has_seq;
    uint64_t seq;
    bool has_bd_seq; /* NBIRTH, NDEATH: the bdSeq metric (UInt64) */
    uint64_t bd_seq;
    int device; /* D* messages: index into node->devices; -1 for a device not in the map */
} aj_sp_event;

/* Actions for the adapter (bits). */
enum {
    AJ_SP_ACT_TAKE = 1u << 0,         /* store the message's metric values */
    AJ_SP_ACT_NODE_BIRTH = 1u << 1,   /* the message's aliases replace the node's */
    AJ_SP_ACT_DEVICE_BIRTH = 1u << 2, /* the message's aliases replace the device's */
    AJ_SP_ACT_NODE_LOST = 1u << 3,    /* the node and every device of it: communication lost */
    AJ_SP_ACT_DEVICE_LOST = 1u << 4,  /* the device: communication lost */
    AJ_SP_ACT_REBIRTH = 1u << 5,      /* ask the node for a rebirth (see aj_sp_rebirth_due) */
};

/* Why a message was not simply taken. */
typedef enum aj_sp_verdict {
    AJ_SP_V_OK = 0,
    AJ_SP_V_SEQ_GAP,         /* seq is not the previous + 1 (mod 256) */
    AJ_SP_V_NO_SEQ,          /* seq missing, or outside 0-255 */
    AJ_SP_V_NODE_NOT_BORN,   /* data, a device birth or death from a node without a valid birth */
    AJ_SP_V_DEVICE_NOT_BORN, /* DDATA from a device without a birth since its node's */
    AJ_SP_V_BD_SEQ_MISMATCH, /* NDEATH whose bdSeq is not the current birth's: ignored */
    AJ_SP_V_DEATH_UNBORN,    /* NDEATH for a node never born here: ignored */
    AJ_SP_V_NOT_FOR_HOST,    /* NCMD, DCMD, STATE: commands and host states, ignored */
    AJ_SP_V_COUNT
} aj_sp_verdict;

/* A short static English text ("seq 7 does not follow 5"); "" for AJ_SP_V_OK. */
const char *aj_sp_verdict_text(aj_sp_verdict verdict);

typedef struct aj_sp_decision {
    unsigned actions; /* AJ_SP_ACT_* */
    aj_sp_verdict verdict;
} aj_sp_decision;

/* One message of node (and of ev->device when it names one) through the state machine:
 *
 *   NBIRTH  seq 0-255: ONLINE, seq and bdSeq kept, its devices WAITING_BIRTH (OFFLINE ones stay);
 *           without a valid seq: WAITING_BIRTH + rebirth.
 *   NDATA   ONLINE and seq = previous + 1 (mod 256): taken; a gap or no seq: WAITING_BIRTH +
 *           rebirth (the message is not taken); not ONLINE: rebirth.
 *   DBIRTH  as NDATA for the node; taken: the device ONLINE.
 *   DDATA   as NDATA for the node; the device not ONLINE: rebirth (not taken).
 *   DDEATH  the device OFFLINE + lost (always: a death is never doubted); the node's seq
 *           checked as for NDATA when ONLINE (a gap asks for a rebirth as well).
 *   NDEATH  bdSeq = the birth's (or the birth had none): OFFLINE, every device OFFLINE, lost;
 *           another bdSeq, or no birth yet: ignored.
 *   NCMD, DCMD, STATE: ignored.
 */
aj_sp_decision aj_sp_session_step(aj_sp_node_session *node, const aj_sp_event *ev);

/* The broker connection was lost: messages may have been missed, so the node and its devices
 * wait for a birth again (OFFLINE devices stay OFFLINE). bdSeq is kept (an NDEATH for the
 * same birth may still come). */
void aj_sp_session_connection_lost(aj_sp_node_session *node);

/* True when a rebirth request may be sent to node at now_ms (none yet, or the last one at
 * least AJ_SP_REBIRTH_INTERVAL_MS ago); then records now_ms as sent. */
bool aj_sp_rebirth_due(aj_sp_node_session *node, int64_t now_ms);

/* True when the session's invariants hold. */
bool aj_sp_session_ok(const aj_sp_node_session *node);

/* ---- aliases ---------------------------------------------------------------------------- */

/* The aliases a birth declared, each with what the adapter resolved the metric to (an index
 * into its mapped metrics, or -1 for a metric not in the map). Sorted by alias. */
typedef struct aj_sp_alias {
    uint64_t alias;
    int target;
    int order; /* position in the birth */
} aj_sp_alias;

typedef struct aj_sp_aliases {
    aj_sp_alias *items;
    int n, cap;
} aj_sp_aliases;

/* Starts a new birth's table (the old entries are dropped, the memory kept). */
void aj_sp_aliases_reset(aj_sp_aliases *t);
/* Adds one alias (at most AJ_SP_METRICS_MAX per birth). AJ_ENOMEM, AJ_ETOOBIG. */
aj_err aj_sp_aliases_add(aj_sp_aliases *t, uint64_t alias, int target);
/* Sorts the table; false when two metrics of the birth share an alias (the first one
 * stays, the duplicate is dropped; a birth with duplicate aliases is malformed). */
bool aj_sp_aliases_finish(aj_sp_aliases *t);
/* The target of alias, or -2 when the birth did not declare it (-1: declared, not mapped). */
int aj_sp_aliases_find(const aj_sp_aliases *t, uint64_t alias);
/* Frees the table's memory. */
void aj_sp_aliases_clear(aj_sp_aliases *t);

#endif
