/* engine_internal.h — the engine's private structures, shared by engine.c (intake,
 * quality, compression, archive writer) and engine_alarms.c (alarms, their journal and
 * persistence, operator actions, live events). Not for use outside src/engine/. */
#ifndef AJ_ENGINE_INTERNAL_H
#define AJ_ENGINE_INTERNAL_H

#include "engine/alarm.h"
#include "engine/alarm_defs.h"
#include "engine/compress.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/journal.h"
#include "engine/quality.h"
#include "reason/reasoner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct tag_state;

/* One alarm of a tag, with what the engine needs to persist and schedule it. Allocated
 * one by one (its address is stable: lists point at it). */
typedef struct alarm_slot {
    aj_alarm a;
    aj_alarm_def_row row; /* a.def.basis points into row.basis */
    struct tag_state *tag;
    struct aj_engine *e;
    uint64_t saved_hash;    /* aj_alarm_material_hash when last persisted */
    int64_t since_ns;       /* event time of its last transition */
    int64_t restored_clock; /* clock of the saved state it started from; INT64_MIN: none */
    bool is_dirty;          /* in e->dirty: to be persisted */
    bool is_timer_listed;   /* in e->timers */
} alarm_slot;

/* ---- per-tag state ------------------------------------------------------------------ */

typedef struct tag_state {
    /* first cache line: what a key lookup reads (aj_engine_lookup_many) */
    uint64_t key_hash;
    int64_t tag_id;
    int64_t enterprise_id;
    int64_t durable_t; /* last archived time durable in the store (INT64_MIN: none) */
    int64_t last_t;    /* last raw point applied */
    bool has_last;
    uint32_t key_len;
    char *key; /* = key_text */
    int64_t site_id;
    aj_quality_config qcfg;
    aj_quality_state q;
    aj_compress_config ccfg;
    aj_compress_state c;
    aj_point *buf; /* archived points: [0, n_hot) written (the hot window), then unwritten */
    uint32_t n_buf, cap_buf, n_hot;
    bool has_replay_pos; /* state depends on journal records from replay_pos on */
    aj_journal_pos replay_pos;
    aj_journal_pos cur_pos;      /* position of the batch being applied */
    aj_journal_pos buf_last_pos; /* batch being applied when the last buffered point was archived */
    /* alarms: process alarms and (once used) the quality alarm */
    alarm_slot *alarms[AJ_ALARM_DEFS_PER_TAG];
    uint8_t n_alarms;
    int64_t quality_alarm_id; /* its definition; the slot is made on first use */
    uint32_t diag_bits;       /* data-quality conditions active (bit per aj_quality_cond) */
    /* reorder window (aj_engine_options.reorder_ns > 0): points held in time order */
    aj_point *held;
    aj_journal_pos *held_pos; /* journal position of each held point's batch */
    uint32_t n_held, cap_held;
    bool is_held_listed;
    bool is_guarded;    /* a gas detector watching an active work permit (engine_permits.c) */
    aj_rfeed *feed;     /* the reasoner's feed of the tag (NULL: no rule uses it) */
    bool is_feed_known; /* feed looked up since the latest bind */
    char key_text[];    /* NUL-terminated, allocated with the state */
} tag_state;

/* Open addressing: tag id -> index in e->tags; (enterprise, key) -> index. */
typedef struct id_slot {
    int64_t tag_id; /* 0 = empty */
    tag_state *st;
} id_slot;

/* (enterprise, key) -> state; the hash is kept in the slot so a probe touches a state
 * (and its key) only when the hash matches. */
typedef struct key_slot {
    uint64_t hash;
    tag_state *st; /* NULL = empty */
} key_slot;

typedef struct batch {
    aj_journal_pos pos;
    size_t n;
    aj_point pts[];
} batch;

/* An alarm-journal entry waiting to be written (strings copied). */
typedef struct pending_entry {
    int64_t id;
    int64_t enterprise_id, site_id, tag_id;
    int64_t recorded_ms;
    aj_alarm_entry en; /* user/comment point into the arrays below (or NULL) */
    char kind[16];
    char user[AJ_ALARM_USER_LEN_MAX + 1];
    char comment[AJ_ALARM_COMMENT_LEN_MAX + 1];
    char actor[128];
} pending_entry;

struct aj_engine {
    aj_store *store;
    aj_journal *journal;
    pthread_t thread;
    bool is_running;

    pthread_mutex_t lock;   /* tag states, alarms, the engine's connection (db) */
    pthread_rwlock_t tlock; /* the tag tables below: read by lookups, written by add_tag */
    aj_db *db;              /* the engine's own connection (used under lock), so it never
                             * waits for the pool that request threads hold */
    tag_state **tags;
    uint32_t n_tags, cap_tags;
    id_slot *by_id;   /* capacity cap_ids, power of two */
    key_slot *by_key; /* same capacity, keyed by (enterprise, key) */
    uint32_t cap_ids;
    int64_t watermark_ns;  /* latest event time applied */
    int64_t last_point_ms; /* wall clock (monotonic) of the latest applied batch */
    int64_t idle_tick_ms;

    /* alarms (e->lock) */
    aj_events *events;
    alarm_slot **dirty;
    uint32_t n_dirty, cap_dirty;
    alarm_slot **timers;
    uint32_t n_timers, cap_timers;
    pending_entry *pending;
    uint32_t n_pending, cap_pending;
    uint32_t n_published;     /* pending[0..n_published) went out as events */
    bool is_deferring_events; /* operator action: publish after commit */
    int64_t next_journal_id;
    bool is_replaying;
    aj_engine_options opts;
    tag_state **held_tags; /* tags with held points */
    uint32_t n_held_tags, cap_held_tags;
    int64_t last_retention_ms;
    const char *cur_actor; /* actor of the entries being made (NULL: "system") */

    /* failure-mode reasoning (engine_reason.c; e->lock) */
    struct aj_pguard *pguard; /* live permit interlocks (engine_permits.c) */
    int64_t next_hazard_check_ms; /* engine_hazards.c */
    int64_t next_inspection_check_ms; /* engine_inspections.c */
    struct aj_mhwatch *mhwatch;   /* live major hazard assessment (engine_major_hazards.c) */
    atomic_bool is_mh_reload_wanted;
    atomic_bool is_permits_reload_wanted;
    aj_reasoner *reasoner; /* NULL: no rules */
    atomic_bool is_rebind_wanted;
    int64_t reason_next_ns; /* the watermark at which the next tick is due */
    int64_t next_escalation_check_ms;
    atomic_uint_fast64_t incidents_opened;

    pthread_mutex_t qlock; /* queue, reservations */
    pthread_cond_t q_nonempty, q_drained;
    batch *queue[AJ_ENGINE_QUEUE_BATCHES];
    int q_head, q_len;
    int n_reserved;
    aj_journal_pos reserved_floor[AJ_ENGINE_QUEUE_BATCHES]; /* journal end when reserved */
    bool reserved_used[AJ_ENGINE_QUEUE_BATCHES];
    bool is_busy; /* the thread is applying a batch */
    bool is_stopping;
    uint64_t n_submitted, n_applied_batches;

    atomic_uint_fast64_t points_accepted, points_applied, points_late, points_archived, chunks_written,
        batches_refused, points_replayed, alarm_entries, alarm_points_late, points_reordered, chunks_expired;
    int64_t last_flush_ms;
};

/* Locks: state lock then the tables' read lock (order: lock -> tlock, never the other way). */
static inline void aj_engine_lock(struct aj_engine *e) {
    pthread_mutex_lock(&e->lock);
    pthread_rwlock_rdlock(&e->tlock);
}
static inline void aj_engine_unlock(struct aj_engine *e) {
    pthread_rwlock_unlock(&e->tlock);
    pthread_mutex_unlock(&e->lock);
}

/* engine.c */
tag_state *aj_engine_find_tag(aj_engine *e, int64_t tag_id);
aj_err aj_engine_load_tag_by_id(aj_engine *e, aj_db *db, int64_t tag_id);
int64_t aj_engine_mono_ms(void);

/* engine_alarms.c (e->lock held unless said otherwise) */
aj_err aj_ea_init(aj_engine *e, aj_db *db); /* before the replay; no lock */
void aj_ea_free(aj_engine *e);
aj_err aj_ea_load_tag(aj_engine *e, aj_db *db, tag_state *st); /* st not shared yet; no lock */
aj_err aj_ea_preload(aj_engine *e, aj_db *db);                 /* at start: every loaded tag's alarms */
void aj_ea_free_tag(tag_state *st);
void aj_ea_quality_event(void *ctx, const aj_quality_event *ev); /* ctx: ea_ctx */
void aj_ea_feed(aj_engine *e, tag_state *st, const aj_point *p);
void aj_ea_advance(aj_engine *e); /* fire timers due by the alarm watermark */
int64_t aj_ea_watermark(const aj_engine *e);
bool aj_ea_wants_flush(const aj_engine *e);
aj_err aj_ea_persist(aj_engine *e, aj_db *db); /* inside the flush transaction */
/* Reasoning (engine_reason.c). */
aj_err aj_er_start(aj_engine *e, aj_db *db, char *err, size_t errlen); /* before the replay */
void aj_er_free(aj_engine *e);
void aj_er_advance(aj_engine *e, int64_t watermark_ns);
void aj_er_on_watermark(aj_engine *e); /* the engine's watermark moved */
void aj_er_escalate_due(aj_engine *e); /* escalates unacknowledged incidents (wall clock) */
void aj_er_rebind_if_wanted(aj_engine *e);
aj_rfeed *aj_er_feed_of(aj_engine *e, tag_state *st);
/* Suppresses by design (is_on) or releases the process alarms of a tag for suppressor_id
 * (an incident), at t_ns or the alarm's own clock if later; returns how many changed. */
int aj_ea_suppress_tag(aj_engine *e, tag_state *st, int64_t suppressor_id, bool is_on, int64_t t_ns,
                       const char *actor);
void aj_ea_persisted(aj_engine *e); /* after it committed */

/* Overdue hidden dangers (engine_hazards.c; e->lock held). */
void aj_eh_tick(aj_engine *e);
/* at most every AJ_INSPECT_CHECK_MS: make the tasks of the current windows, mark missed ones */
void aj_ei_tick(aj_engine *e);

/* Major hazard sources assessed live (engine_major_hazards.c; e->lock held). */
aj_err aj_emh_init(aj_engine *e); /* before the replay; no lock */
void aj_emh_free(aj_engine *e);
void aj_emh_tick(aj_engine *e); /* at most every AJ_MH_CHECK_MS: re-assess, record crossings */
/* The live alarm state of a unit (engine_major_hazards.c has the diagram). */
enum { AJ_MH_STATE_NORMAL, AJ_MH_STATE_APPROACHING, AJ_MH_STATE_MAJOR };
/* The state and level (0 unless major, else 1-4) a unit with S s and R r is in, given the
 * state and level it was in: up at once, down only below AJ_MH_CLEAR_BAND of the bound
 * (hysteresis). 0 < threshold < 1. Pure. */
void aj_emh_judge(double s, double r, double threshold, int prev_state, int prev_level, int *state,
                  int *level);

/* Permit interlocks (engine_permits.c; e->lock held). */
aj_err aj_ep_init(aj_engine *e); /* before the replay; no lock */
void aj_ep_free(aj_engine *e);
void aj_ep_feed(aj_engine *e, tag_state *st, const aj_point *p); /* st->is_guarded */
void aj_ep_tick(aj_engine *e);                                   /* reload, expiry */

typedef struct ea_ctx {
    aj_engine *e;
    tag_state *st;
} ea_ctx;

#endif
