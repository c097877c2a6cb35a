/* events.c — fixed rings of live events with blocking readers (see events.h). */
#include "engine/events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Watched tags across all connections (open addressing, power of two). */
#define WATCH_SLOTS 4096

typedef struct ring {
    aj_event *ev;  /* AJ_EVENTS_RING */
    uint64_t head; /* seq of the newest event; 0 = none */
} ring;

typedef struct watch_slot {
    int64_t tag_id; /* 0 empty, -1 deleted */
    int count;
} watch_slot;

struct aj_events {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    ring rings[AJ_EVENT_KIND_COUNT];
    bool is_closed;
    watch_slot watch[WATCH_SLOTS];
    int n_watched;
    atomic_int any_watched;
};

aj_events *aj_events_new(void) {
    aj_events *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    for (int k = 0; k < AJ_EVENT_KIND_COUNT; k++) {
        h->rings[k].ev = calloc(AJ_EVENTS_RING, sizeof(aj_event));
        if (!h->rings[k].ev) {
            aj_events_free(h);
            return NULL;
        }
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    return h;
}

void aj_events_free(aj_events *h) {
    if (!h) return;
    for (int k = 0; k < AJ_EVENT_KIND_COUNT; k++) free(h->rings[k].ev);
    if (h->rings[0].ev && h->rings[1].ev) {
        pthread_cond_destroy(&h->cond);
        pthread_mutex_destroy(&h->lock);
    }
    free(h);
}

void aj_events_publish(aj_events *h, aj_event_kind kind, int64_t journal_id, int64_t enterprise_id,
                       int64_t site_id, int64_t tag_id, const char *text) {
    size_t len = strlen(text);
    if (len >= AJ_EVENT_TEXT_MAX) return;
    pthread_mutex_lock(&h->lock);
    ring *r = &h->rings[kind];
    uint64_t seq = r->head + 1;
    aj_event *e = &r->ev[seq % AJ_EVENTS_RING];
    e->seq = seq;
    e->journal_id = journal_id;
    e->enterprise_id = enterprise_id;
    e->site_id = site_id;
    e->tag_id = tag_id;
    memcpy(e->text, text, len + 1);
    r->head = seq;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

uint64_t aj_events_head(aj_events *h, aj_event_kind kind) {
    pthread_mutex_lock(&h->lock);
    uint64_t s = h->rings[kind].head;
    pthread_mutex_unlock(&h->lock);
    return s;
}

static uint64_t tail_of(const ring *r) {
    return r->head >= AJ_EVENTS_RING ? r->head - AJ_EVENTS_RING + 1 : 1;
}

uint64_t aj_events_tail(aj_events *h, aj_event_kind kind) {
    pthread_mutex_lock(&h->lock);
    uint64_t s = tail_of(&h->rings[kind]);
    pthread_mutex_unlock(&h->lock);
    return s;
}

size_t aj_events_read(aj_events *h, aj_event_kind kind, uint64_t after, aj_event *out, size_t cap,
                      uint64_t *lost) {
    *lost = 0;
    size_t n = 0;
    pthread_mutex_lock(&h->lock);
    ring *r = &h->rings[kind];
    uint64_t from = after + 1, tail = tail_of(r);
    if (from < tail) {
        *lost = tail - from;
        from = tail;
    }
    for (uint64_t s = from; s <= r->head && n < cap; s++) out[n++] = r->ev[s % AJ_EVENTS_RING];
    pthread_mutex_unlock(&h->lock);
    return n;
}

static bool has_news(const aj_events *h, const uint64_t after[AJ_EVENT_KIND_COUNT]) {
    for (int k = 0; k < AJ_EVENT_KIND_COUNT; k++)
        if (h->rings[k].head > after[k]) return true;
    return false;
}

bool aj_events_wait(aj_events *h, const uint64_t after[AJ_EVENT_KIND_COUNT], int timeout_ms) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_nsec -= 1000000000L;
        until.tv_sec++;
    }
    pthread_mutex_lock(&h->lock);
    while (!h->is_closed && !has_news(h, after)) {
        if (pthread_cond_timedwait(&h->cond, &h->lock, &until) != 0) break;
    }
    bool is_open = !h->is_closed;
    pthread_mutex_unlock(&h->lock);
    return is_open;
}

void aj_events_close(aj_events *h) {
    pthread_mutex_lock(&h->lock);
    h->is_closed = true;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

bool aj_events_is_closed(aj_events *h) {
    pthread_mutex_lock(&h->lock);
    bool c = h->is_closed;
    pthread_mutex_unlock(&h->lock);
    return c;
}

static uint32_t slot_of(int64_t tag_id) {
    uint64_t x = (uint64_t)tag_id * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(x >> 40) & (WATCH_SLOTS - 1);
}

aj_err aj_events_watch(aj_events *h, int64_t tag_id) {
    if (tag_id <= 0) return AJ_EINVAL;
    pthread_mutex_lock(&h->lock);
    aj_err err = AJ_ETOOBIG;
    int free_slot = -1;
    for (uint32_t i = slot_of(tag_id), n = 0; n < WATCH_SLOTS; i = (i + 1) & (WATCH_SLOTS - 1), n++) {
        if (h->watch[i].tag_id == tag_id) {
            h->watch[i].count++;
            err = AJ_OK;
            break;
        }
        if (h->watch[i].tag_id <= 0 && free_slot < 0) free_slot = (int)i;
        if (h->watch[i].tag_id == 0) break;
    }
    if (err && free_slot >= 0 && h->n_watched < WATCH_SLOTS / 2) {
        h->watch[free_slot] = (watch_slot){tag_id, 1};
        h->n_watched++;
        err = AJ_OK;
    }
    atomic_store(&h->any_watched, h->n_watched > 0);
    pthread_mutex_unlock(&h->lock);
    return err;
}

void aj_events_unwatch(aj_events *h, int64_t tag_id) {
    pthread_mutex_lock(&h->lock);
    for (uint32_t i = slot_of(tag_id), n = 0; n < WATCH_SLOTS; i = (i + 1) & (WATCH_SLOTS - 1), n++) {
        if (h->watch[i].tag_id == 0) break;
        if (h->watch[i].tag_id == tag_id) {
            if (--h->watch[i].count == 0) {
                h->watch[i].tag_id = -1;
                h->n_watched--;
            }
            break;
        }
    }
    atomic_store(&h->any_watched, h->n_watched > 0);
    pthread_mutex_unlock(&h->lock);
}

bool aj_events_is_watched(aj_events *h, int64_t tag_id) {
    if (!atomic_load(&h->any_watched)) return false; /* the common case, without the lock */
    bool is_watched = false;
    pthread_mutex_lock(&h->lock);
    for (uint32_t i = slot_of(tag_id), n = 0; n < WATCH_SLOTS; i = (i + 1) & (WATCH_SLOTS - 1), n++) {
        if (h->watch[i].tag_id == 0) break;
        if (h->watch[i].tag_id == tag_id) {
            is_watched = true;
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return is_watched;
}
