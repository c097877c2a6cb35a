/* engine.h — the real-time engine: durable intake of points, per-tag data quality and
 * compression by event time, and the archive writer (docs/design/realtime-engine.md).
 *
 * Threads: any number of submitters (HTTP handlers) call aj_engine_resolve() and
 * aj_engine_submit(); one engine thread applies the points; readers call
 * aj_engine_recent(). aj_engine_submit() returns only when the points are durable in the
 * ingest journal; after a crash aj_engine_start() replays the journal from the archive
 * checkpoint, so no acknowledged point is lost.
 */
#ifndef AJ_ENGINE_H
#define AJ_ENGINE_H

#include "engine/alarm.h"
#include "engine/archive.h"
#include "engine/point.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Batches waiting for the engine thread; a full queue answers AJ_EUNAVAILABLE
 * (HTTP 503 + Retry-After) instead of growing. */
#define AJ_ENGINE_QUEUE_BATCHES 64
/* Points in one submitted batch (a /write body of 16 MiB holds fewer). */
#define AJ_ENGINE_BATCH_POINTS_MAX 1000000
/* Tags the engine keeps state for (about 1.5 KiB each plus buffered points). */
#define AJ_ENGINE_TAGS_MAX 1000000
/* Archived points buffered per tag before they are written as one chunk. */
#define AJ_ENGINE_CHUNK_POINTS 512
/* A tag's buffered points are written at the latest when the oldest is this old in
 * event time (so a slow tag does not hold the journal checkpoint back for long). */
#define AJ_ENGINE_CHUNK_AGE_NS (10LL * 60 * 1000000000LL)
/* Hot window: each tag keeps its archived points of the last 10 minutes in memory (in
 * the same bounded array as its unwritten points), so recent-history reads (queries, the
 * evidence engines) need no store access. */
#define AJ_ENGINE_HOT_WINDOW_NS (10LL * 60 * 1000000000LL)
/* How often (wall clock) the engine writes due chunks and moves the checkpoint. */
#define AJ_ENGINE_FLUSH_INTERVAL_MS 500
/* Alarm timers fire when the event-time watermark (the latest event time applied, less
 * this lateness allowance) passes them, so a tag a little behind the others is not
 * overtaken by its own alarm's clock (docs/alarms.md). */
#define AJ_ENGINE_LATENESS_NS (2LL * 1000000000LL)
/* Incident escalation: steps (unit leader, safety manager, administrators) and how often
 * the engine looks for incidents due. */
#define AJ_ENGINE_ESCALATION_MAX      3
#define AJ_ENGINE_ESCALATION_CHECK_MS 5000
/* The watermark that fires timers and stale detection never runs this far ahead of the
 * wall clock (a source with a wrong clock must not make every other tag stale). */
#define AJ_ENGINE_FUTURE_TOLERANCE_NS (60LL * 1000000000LL)
/* With no points for this long (wall clock), event time follows the wall clock. */
#define AJ_ENGINE_IDLE_MS 5000
/* Alarm-journal entries held before the engine writes them without waiting for the
 * flush interval (well below AJ_EVENTS_RING, so a reconnecting SSE client finds every
 * entry either in the store or in the ring). */
#define AJ_ENGINE_ALARM_PENDING_MAX 2048

typedef struct aj_engine aj_engine;

/* Longest reorder window and the bound on points held per tag within it. */
#define AJ_ENGINE_REORDER_MAX_NS (60LL * 1000000000LL)
#define AJ_ENGINE_HELD_MAX       4096
/* How often (wall clock) expired archive chunks are deleted. */
#define AJ_ENGINE_RETENTION_SWEEP_MS 10000

typedef struct aj_engine_options {
    /* Out-of-order points (docs/historian.md "Late and out-of-order points"): 0 applies
     * every point at once and drops one older than its tag's latest; > 0 holds each
     * tag's points until the newest event time (of the tag, or of any tag) is this much
     * later, and applies them in time order. At most AJ_ENGINE_REORDER_MAX_NS. */
    int64_t reorder_ns;
    /* Archive chunks whose last point is older than the newest event time less this are
     * deleted; 0 keeps everything. */
    int64_t retention_ns;
    /* Failure-mode rules (docs/reasoning.md): a directory of *.rules files or one file;
     * NULL or "": no reasoning. A rules error stops aj_engine_start with its position. */
    const char *rules_path;
    /* An incident not acknowledged this long after it opened is escalated, again after
     * twice as long, up to AJ_ENGINE_ESCALATION_MAX steps (wall clock); 0: never. */
    int64_t incident_ack_ms;
    /* The GB 18218 table the major hazard units are assessed with (owned by the caller,
     * outliving the engine); NULL: no live assessment of major hazard sources. */
    const struct aj_mh_table *mh_table;
} aj_engine_options;

typedef struct aj_engine_stats {
    uint64_t points_accepted; /* made durable and queued */
    uint64_t points_applied;  /* processed by the engine thread */
    uint64_t points_late;     /* older than the tag's last point: dropped (counted) */
    uint64_t points_archived; /* written to the archive */
    uint64_t chunks_written;
    uint64_t batches_refused;   /* queue full */
    uint64_t points_replayed;   /* from the journal at start */
    uint64_t alarm_entries;     /* alarm-journal entries made */
    uint64_t alarm_points_late; /* points older than their alarm's clock (not evaluated) */
    uint64_t points_reordered;  /* held by the reorder window and applied in time order */
    uint64_t chunks_expired;    /* archive chunks deleted by retention */
    int queue_depth;
    int n_tags;
    int64_t watermark_ns;
} aj_engine_stats;

/* Opens the journal in journal_dir (opts may be NULL: defaults), replays it from the checkpoint into the
 * archive, and starts the engine thread. store stays owned by the caller and must outlive e. */
aj_err aj_engine_start(aj_store *store, const char *journal_dir, const aj_engine_options *opts,
                       aj_engine **out, char *err, size_t errlen);
/* Applies everything queued, archives every tag's pending points (compressors flushed),
 * moves the checkpoint to the end of the journal, stops the thread and frees e. */
void aj_engine_stop(aj_engine *e);

/* The id of the tag with this key in the enterprise (AJ_ENOTFOUND when none), using
 * db for a cache miss. */
aj_err aj_engine_resolve(aj_engine *e, aj_db *db, int64_t enterprise_id, const char *key, int64_t *tag_id);
/* The same, and the newest event time the engine has taken for the tag (INT64_MIN: none
 * yet): a point at or before it would be dropped as late, so ingest rejects it by name
 * (docs/historian.md "Late and out-of-order points"). */
aj_err aj_engine_resolve_newest(aj_engine *e, aj_db *db, int64_t enterprise_id, const char *key,
                                int64_t *tag_id, int64_t *newest);

/* Looks up n keys (lens[i] = strlen(keys[i])) of the enterprise among the tags the engine
 * holds, all in one pass (one read lock, memory fetched ahead): for ingest, where a request
 * carries thousands. tag_ids[i] = 0 for a key not held (aj_engine_resolve_newest resolves
 * it, loading it from the store); newest[i] as for aj_engine_resolve_newest. */
void aj_engine_lookup_many(aj_engine *e, int64_t enterprise_id, const char *const *keys, const size_t *lens,
                           size_t n, int64_t *tag_ids, int64_t *newest);

/* The reorder window the engine runs with (0: points are applied at once). */
int64_t aj_engine_reorder_ns(const aj_engine *e);

/* Makes n points (tag_id resolved, any order) durable and queues them. AJ_EUNAVAILABLE
 * when the queue is full (nothing written), AJ_EIO when the journal fails. */
aj_err aj_engine_submit(aj_engine *e, const aj_point *pts, size_t n);

/* Calls fn, in time order, for the tag's recent points held in memory with
 * from_ns <= t <= to_ns: the hot window (archived points of the last 10 minutes), the
 * points not yet written, and the latest raw value (the tail a history query adds to the
 * archive; it may repeat archived points, which the caller skips by time). */
aj_err aj_engine_recent(aj_engine *e, int64_t tag_id, int64_t from_ns, int64_t to_ns, aj_archive_point_fn fn,
                        void *ctx);

/* Waits until every batch submitted before the call has been applied (tests, shutdown). */
void aj_engine_drain(aj_engine *e);

void aj_engine_stats_get(aj_engine *e, aj_engine_stats *out);

/* The plant changed (tags, assets, areas, a plant import): the reasoner binds its rules
 * again on the engine thread, keeping what unchanged instances learned. */
void aj_engine_reason_rebind(aj_engine *e);

/* A major hazard unit was declared or changed (src/api/major_hazards_api.c): the engine
 * reads its units again and re-assesses them at its next check. */
void aj_engine_major_hazards_changed(aj_engine *e);

/* A person resolved the incident: the alarms it suppressed come back and its instance may
 * open a new incident. */
aj_err aj_engine_incident_closed(aj_engine *e, int64_t incident_id);

/* The reasoner's clock: the event time up to which it has evaluated (INT64_MIN: none). */
int64_t aj_engine_reason_clock(aj_engine *e);
/* The early-warning and diagnosis thresholds of a loaded mode; false when not loaded. */
bool aj_engine_mode_thresholds(aj_engine *e, const char *mode_id, double *warn_at, double *diagnose_at);

/* A work permit changed (API): the engine reads its permit interlocks again. */
void aj_engine_permits_changed(aj_engine *e);
/* Publishes a permit change (JSON text, aj_permit_event_text) on the live stream. */
void aj_engine_publish_permit(aj_engine *e, int64_t enterprise_id, int64_t site_id, const char *text);
/* Publishes an incident change (JSON text) on the live stream (API actions). */
void aj_engine_publish_incident(aj_engine *e, int64_t enterprise_id, int64_t site_id, const char *text);

typedef struct aj_engine_reason_stats_t {
    int modes, instances;
    uint64_t ticks, incidents_opened;
} aj_engine_reason_stats_t;
void aj_engine_reason_stats(aj_engine *e, aj_engine_reason_stats_t *out);

/* ---- alarms (docs/alarms.md) ----------------------------------------------------------- */

typedef enum {
    AJ_ALARM_ACT_ACK,
    AJ_ALARM_ACT_RESET,
    AJ_ALARM_ACT_SHELVE,
    AJ_ALARM_ACT_UNSHELVE,
    AJ_ALARM_ACT_REMOVE_FROM_SERVICE,
    AJ_ALARM_ACT_RETURN_TO_SERVICE,
    AJ_ALARM_ACT_SUPPRESS, /* by design: the system (incidents, suppression groups) */
    AJ_ALARM_ACT_UNSUPPRESS,
    AJ_ALARM_ACT_COUNT
} aj_alarm_act_kind;

typedef struct aj_alarm_act {
    aj_alarm_act_kind kind;
    aj_alarm_shelve_kind shelve_kind; /* shelve */
    int64_t duration_ns;              /* timed shelve */
    const char *user;                 /* operator name (NULL for suppress/unsuppress) */
    const char *comment;              /* reason / comment */
    int64_t suppressor_id;            /* suppress/unsuppress */
    const char *actor;                /* audit actor ("user:12:li"), NULL: "system" */
} aj_alarm_act;

/* Applies an action to the alarm alarm_id of tag tag_id at the engine's event time,
 * writes its journal entries, the alarm's state and the audit records in one
 * transaction, and only then publishes the events. AJ_ENOTFOUND (no such live alarm),
 * AJ_EINVAL / AJ_ECONFLICT as aj_alarm_* (nothing changed), AJ_EIO (store failed,
 * nothing changed). out (may be NULL) gets the status after the action. */
aj_err aj_engine_alarm_act(aj_engine *e, int64_t tag_id, int64_t alarm_id, const aj_alarm_act *act,
                           aj_alarm_status *out);
/* Live status of an alarm (AJ_ENOTFOUND when the engine does not hold it). */
aj_err aj_engine_alarm_status(aj_engine *e, int64_t tag_id, int64_t alarm_id, aj_alarm_status *out);
/* Re-reads the tag's alarm definitions after they changed (keeps each alarm's state). */
aj_err aj_engine_reload_alarms(aj_engine *e, int64_t tag_id);
/* The live event hub (owned by the engine). */
struct aj_events *aj_engine_events(aj_engine *e);

#endif
