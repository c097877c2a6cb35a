/* events_api.c — GET /api/v1/events: Server-Sent Events (docs/api.md "Live events").
 *
 *   event: alarm   id: <alarm-journal id>   data: the journal entry (JSON)
 *   event: point   (no id)                  data: {"tag_id","t","t_ns","value","quality"}
 *   event: incident (no id)                 data: an incident change (docs/reasoning.md)
 *   event: permit  (no id)                  data: a work-permit change (docs/permits.md)
 *
 * Query: tags=1,2,3 (watch these tags' points, at most AJ_EVENTS_WATCH_MAX, each must be
 * in the caller's scope), alarms=0 (no alarm events), incidents=0, permits=0. A
 * reconnecting client sends Last-Event-ID (EventSource does) or ?last_event_id=N: every
 * alarm entry after N is sent
 * first from the store, then from the live ring without gap or duplicate (entries not
 * yet written are still in the ring, see engine.h AJ_ENGINE_ALARM_PENDING_MAX).
 * The stream runs on its connection's thread and ends when the server shuts down.
 */
#include "api/alarms_api.h"
#include "api/api.h"
#include "api/resource.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "engine/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries replayed from the store on reconnect (older ones: GET /api/v1/alarm-journal). */
#define REPLAY_MAX        10000
#define KEEPALIVE_MS      15000
#define READ_BATCH        64
#define STREAM_BUFFER_MAX (4u << 20)

typedef struct sse {
    aj_events *hub;
    int n_ent, n_sites;
    int64_t ents[AJ_SCOPE_MAX], sites[AJ_SCOPE_MAX];
    int n_watch;
    int64_t watch[AJ_EVENTS_WATCH_MAX];
    bool want_alarms;
    bool want_incidents;
    bool want_permits;
    uint64_t alarm_seq, point_seq, incident_seq, permit_seq; /* last ring positions read */
    int64_t last_journal_id;                                 /* alarm entries up to this id were sent */
    char *out;
    size_t out_len, out_off, out_cap;
    int64_t last_write_ms;
    aj_event batch[READ_BATCH];
} sse;

static void sse_free(void *ctx) {
    sse *s = ctx;
    for (int i = 0; i < s->n_watch; i++) aj_events_unwatch(s->hub, s->watch[i]);
    free(s->out);
    free(s);
}

static bool out_append(sse *s, const char *text, size_t len) {
    if (s->out_off == s->out_len) s->out_off = s->out_len = 0;
    if (s->out_len + len > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 16384;
        while (cap < s->out_len + len) cap *= 2;
        if (cap > STREAM_BUFFER_MAX) return false;
        char *grown = realloc(s->out, cap);
        if (!grown) return false;
        s->out = grown;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, text, len);
    s->out_len += len;
    return true;
}

static bool out_event(sse *s, const char *name, int64_t id, const char *data) {
    char head[96];
    int n = id ? snprintf(head, sizeof head, "id: %lld\nevent: %s\ndata: ", (long long)id, name)
               : snprintf(head, sizeof head, "event: %s\ndata: ", name);
    return out_append(s, head, (size_t)n) && out_append(s, data, strlen(data)) && out_append(s, "\n\n", 2);
}

static bool in_scope(const sse *s, const aj_event *ev) {
    bool ok = false;
    for (int i = 0; i < s->n_ent && !ok; i++) ok = s->ents[i] == ev->enterprise_id;
    if (!ok || s->n_sites == 0) return ok;
    for (int i = 0; i < s->n_sites; i++)
        if (s->sites[i] == ev->site_id) return true;
    return false;
}

static bool is_watched(const sse *s, int64_t tag_id) {
    for (int i = 0; i < s->n_watch; i++)
        if (s->watch[i] == tag_id) return true;
    return false;
}

/* Moves new ring events into the output buffer. */
static void collect(sse *s) {
    uint64_t lost;
    size_t n;
    do {
        n = aj_events_read(s->hub, AJ_EVENT_ALARM, s->alarm_seq, s->batch, READ_BATCH, &lost);
        for (size_t i = 0; i < n; i++) {
            const aj_event *ev = &s->batch[i];
            s->alarm_seq = ev->seq;
            if (!s->want_alarms || ev->journal_id <= s->last_journal_id || !in_scope(s, ev)) continue;
            if (out_event(s, "alarm", ev->journal_id, ev->text)) s->last_journal_id = ev->journal_id;
        }
    } while (n == READ_BATCH);
    do { /* incident changes: live only (GET /api/v1/incidents has the state) */
        n = aj_events_read(s->hub, AJ_EVENT_INCIDENT, s->incident_seq, s->batch, READ_BATCH, &lost);
        for (size_t i = 0; i < n; i++) {
            const aj_event *ev = &s->batch[i];
            s->incident_seq = ev->seq;
            if (s->want_incidents && in_scope(s, ev)) out_event(s, "incident", 0, ev->text);
        }
    } while (n == READ_BATCH);
    do { /* permit changes: live only (GET /api/v1/permits has the state) */
        n = aj_events_read(s->hub, AJ_EVENT_PERMIT, s->permit_seq, s->batch, READ_BATCH, &lost);
        for (size_t i = 0; i < n; i++) {
            const aj_event *ev = &s->batch[i];
            s->permit_seq = ev->seq;
            if (s->want_permits && in_scope(s, ev)) out_event(s, "permit", 0, ev->text);
        }
    } while (n == READ_BATCH);
    if (s->n_watch == 0) {
        s->point_seq = aj_events_head(s->hub, AJ_EVENT_POINT);
        return;
    }
    do {
        n = aj_events_read(s->hub, AJ_EVENT_POINT, s->point_seq, s->batch, READ_BATCH, &lost);
        for (size_t i = 0; i < n; i++) {
            const aj_event *ev = &s->batch[i];
            s->point_seq = ev->seq;
            if (is_watched(s, ev->tag_id) && in_scope(s, ev)) out_event(s, "point", 0, ev->text);
        }
    } while (n == READ_BATCH);
}

static long sse_read(void *ctx, char *buf, size_t max) {
    sse *s = ctx;
    for (;;) {
        if (s->out_off < s->out_len) {
            size_t n = s->out_len - s->out_off;
            if (n > max) n = max;
            memcpy(buf, s->out + s->out_off, n);
            s->out_off += n;
            s->last_write_ms = aj_time_now_ms();
            return (long)n;
        }
        if (aj_events_is_closed(s->hub)) return AJ_STREAM_END;
        collect(s);
        if (s->out_off < s->out_len) continue;
        if (aj_time_now_ms() - s->last_write_ms >= KEEPALIVE_MS) {
            out_append(s, ": keepalive\n\n", 13);
            continue;
        }
        uint64_t after[AJ_EVENT_KIND_COUNT] = {[AJ_EVENT_ALARM] = s->alarm_seq,
                                               [AJ_EVENT_POINT] = s->point_seq,
                                               [AJ_EVENT_INCIDENT] = s->incident_seq,
                                               [AJ_EVENT_PERMIT] = s->permit_seq};
        if (!aj_events_wait(s->hub, after, 1000)) return AJ_STREAM_END;
    }
}

/* Sends the entries after last_id from the store (reconnect). */
static aj_err replay_from_store(aj_req *req, sse *s, int64_t last_id) {
    char scope[2300];
    aj_alarm_scope_sql(req, scope, sizeof scope);
    aj_result *r;
    aj_err e = aj_alarm_journal_query(aj_req_db(req), scope, last_id, 0, INT64_MAX, 0, 0, REPLAY_MAX, &r);
    if (e) return aj_req_fail(req, e, "alarm journal: %s", aj_db_errmsg(req->db));
    s->last_journal_id = last_id;
    for (int i = 0; i < aj_result_rows(r); i++) {
        json_t *o = aj_alarm_journal_row_json(r, i);
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        int64_t id = aj_result_int(r, i, 0);
        if (text && out_event(s, "alarm", id, text)) s->last_journal_id = id;
        free(text);
    }
    aj_result_free(r);
    return AJ_OK;
}

aj_err aj_api_events(aj_req *req) {
    aj_engine *engine = req->app->engine;
    if (!engine) return aj_req_fail(req, AJ_EUNAVAILABLE, "the real-time engine is not running");
    sse *s = calloc(1, sizeof *s);
    if (!s) return AJ_ENOMEM;
    s->hub = aj_engine_events(engine);
    s->n_ent = req->auth.n_enterprises;
    memcpy(s->ents, req->auth.enterprises, sizeof s->ents);
    s->n_sites = req->auth.n_sites;
    memcpy(s->sites, req->auth.sites, sizeof s->sites);
    const char *alarms = aj_req_query(req, "alarms");
    s->want_alarms = !alarms || strcmp(alarms, "0") != 0;
    const char *incidents = aj_req_query(req, "incidents");
    s->want_incidents = !incidents || strcmp(incidents, "0") != 0;
    const char *permits = aj_req_query(req, "permits");
    s->want_permits = !permits || strcmp(permits, "0") != 0;
    aj_err e = AJ_OK;
    const char *tags = aj_req_query(req, "tags");
    if (tags && *tags) {
        char list[4096];
        if (strlen(tags) >= sizeof list) {
            e = aj_req_fail(req, AJ_EINVAL, "tags: too long a list");
            goto fail;
        }
        snprintf(list, sizeof list, "%s", tags);
        for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *end;
            long long id = strtoll(tok, &end, 10);
            if (*end || id <= 0) {
                e = aj_req_fail(req, AJ_EINVAL, "tags: \"%s\" is not a tag id", tok);
                goto fail;
            }
            if (s->n_watch >= AJ_EVENTS_WATCH_MAX) {
                e = aj_req_fail(req, AJ_EINVAL, "tags: at most %d per connection", AJ_EVENTS_WATCH_MAX);
                goto fail;
            }
            json_t *tag;
            if ((e = aj_resource_load(req, &aj_res_tags, id, &tag))) goto fail;
            json_decref(tag);
            if (is_watched(s, id)) continue;
            if (aj_events_watch(s->hub, id)) {
                e = aj_req_fail(req, AJ_EUNAVAILABLE, "too many tags are watched on this server");
                goto fail;
            }
            s->watch[s->n_watch++] = id;
        }
    }
    const char *last = aj_req_header(req, "Last-Event-ID");
    if (!last) last = aj_req_query(req, "last_event_id");
    /* Ring positions first, so nothing published during the replay is missed. */
    s->point_seq = aj_events_head(s->hub, AJ_EVENT_POINT);
    s->incident_seq = aj_events_head(s->hub, AJ_EVENT_INCIDENT);
    s->permit_seq = aj_events_head(s->hub, AJ_EVENT_PERMIT);
    if (last && *last) {
        char *end;
        long long id = strtoll(last, &end, 10);
        if (*end || id < 0) {
            e = aj_req_fail(req, AJ_EINVAL, "Last-Event-ID: not an event id: %s", last);
            goto fail;
        }
        s->alarm_seq = aj_events_tail(s->hub, AJ_EVENT_ALARM) - 1;
        if (s->want_alarms && (e = replay_from_store(req, s, id))) goto fail;
        if (!s->want_alarms) s->last_journal_id = id;
    } else {
        s->alarm_seq = aj_events_head(s->hub, AJ_EVENT_ALARM);
    }
    out_append(s, "retry: 2000\n: connected\n\n", 25);
    s->last_write_ms = aj_time_now_ms();
    aj_reply_stream(req, "text/event-stream; charset=utf-8", sse_read, s, sse_free);
    return AJ_OK;
fail:
    sse_free(s);
    return e;
}
