/* events.h — the live event hub behind GET /api/v1/events (SSE).
 *
 * Fixed rings: alarm transitions (each with its alarm-journal id, which is the SSE event
 * id), points of watched tags (no id: live only) and incident changes (id = the incident
 * timeline id). The engine publishes; each
 * SSE connection reads from the rings at its own pace by sequence number. A reader that
 * falls behind a whole ring is told how many events it lost (points only in practice:
 * the engine writes alarm entries to the store long before the alarm ring wraps, and a
 * reconnecting client reads older ones from the store). Memory is fixed: ring sizes x
 * AJ_EVENT_TEXT_MAX.
 *
 * Threads: any number of readers, one publisher at a time (the engine holds its lock).
 */
#ifndef AJ_EVENTS_H
#define AJ_EVENTS_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AJ_EVENTS_RING    8192
#define AJ_EVENT_TEXT_MAX 1536
/* Tags one SSE connection may watch. */
#define AJ_EVENTS_WATCH_MAX 256

/* Rings: alarm transitions, points of watched tags, incident changes (docs/reasoning.md). */
typedef enum {
    AJ_EVENT_ALARM,
    AJ_EVENT_POINT,
    AJ_EVENT_INCIDENT,
    AJ_EVENT_PERMIT, /* work-permit changes (docs/permits.md) */
    AJ_EVENT_KIND_COUNT
} aj_event_kind;

typedef struct aj_event {
    uint64_t seq;       /* per ring, from 1 */
    int64_t journal_id; /* alarm events: the alarm-journal id; points: 0 */
    int64_t enterprise_id;
    int64_t site_id;
    int64_t tag_id;
    char text[AJ_EVENT_TEXT_MAX]; /* JSON, one line */
} aj_event;

typedef struct aj_events aj_events;

aj_events *aj_events_new(void);
void aj_events_free(aj_events *h);

/* Copies text (truncated events are dropped: the engine keeps texts short). */
void aj_events_publish(aj_events *h, aj_event_kind kind, int64_t journal_id, int64_t enterprise_id,
                       int64_t site_id, int64_t tag_id, const char *text);

/* The sequence number of the newest event of a ring (0 before the first). */
uint64_t aj_events_head(aj_events *h, aj_event_kind kind);
/* The oldest sequence number still in the ring. */
uint64_t aj_events_tail(aj_events *h, aj_event_kind kind);

/* Copies the events with seq > after (at most cap, oldest first) into out and returns
 * how many; *lost counts events that were overwritten before they could be read. */
size_t aj_events_read(aj_events *h, aj_event_kind kind, uint64_t after, aj_event *out, size_t cap,
                      uint64_t *lost);
/* Blocks until some ring's head passes after[kind], the hub closes, or timeout_ms
 * passes. Returns false when the hub is closed. */
bool aj_events_wait(aj_events *h, const uint64_t after[AJ_EVENT_KIND_COUNT], int timeout_ms);

/* Wakes every waiter and makes aj_events_wait return false from now on (shutdown). */
void aj_events_close(aj_events *h);
bool aj_events_is_closed(aj_events *h);

/* Point events are built only for tags someone watches: counts per tag id are kept
 * here (bounded table). watch returns AJ_ETOOBIG when the table is full. */
aj_err aj_events_watch(aj_events *h, int64_t tag_id);
void aj_events_unwatch(aj_events *h, int64_t tag_id);
bool aj_events_is_watched(aj_events *h, int64_t tag_id);

#endif
