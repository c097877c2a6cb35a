/* subscribe.c — an OPC UA subscription and its Publish loop (subscribe.h). */
#include "opcua/subscribe.h"
#include "base/timeutil.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(AJ_UA_PUBLISH_IN_FLIGHT <= 8, "publish_ids holds 8");

static uint32_t seq_next(uint32_t s) {
    return s == UINT32_MAX ? 1 : s + 1;
}

static void reset_writer(aj_ua_sub *s) {
    s->w.len = 0;
    s->w.status = AJ_OK;
}

aj_err aj_ua_sub_create(aj_ua_sub *s, aj_ua_client *c, double interval_ms, uint32_t keepalive_count,
                        const aj_ua_item_request *items, uint32_t n, uint32_t *item_status, char *err,
                        size_t errlen) {
    aj_ua_sub_clear(s);
    memset(s, 0, sizeof *s);
    s->client = c;
    aj_ua_writer_init(&s->w, 0);
    aj_arena *arena = aj_arena_new();
    if (!arena) return AJ_ENOMEM;
    /* the lifetime must be at least three keep-alives (Part 4 §5.13.2) */
    uint32_t lifetime = keepalive_count * 6;
    aj_ua_request_header h = aj_ua_client_header(c);
    reset_writer(s);
    aj_ua_encode_create_subscription(&s->w, &h, interval_ms, lifetime, keepalive_count, 0);
    aj_ua_reader r;
    aj_err e = aj_ua_client_call(c, &s->w, AJ_UA_ID_CREATE_SUBSCRIPTION_RESP, arena, NULL, NULL, &r, NULL,
                                 err, errlen);
    aj_ua_create_subscription_resp cs;
    if (!e && aj_ua_decode_create_subscription(&r, &cs)) {
        snprintf(err, errlen, "CreateSubscription: %s", r.err);
        e = AJ_EINVAL;
    }
    if (!e) {
        s->id = cs.subscription_id;
        s->interval_ms = cs.revised_interval_ms > 0 ? cs.revised_interval_ms : interval_ms;
        s->keepalive_count = cs.revised_keepalive_count ? cs.revised_keepalive_count : keepalive_count;
        s->lifetime_count = cs.revised_lifetime_count;
    }
    for (uint32_t first = 0; !e && first < n; first += AJ_UA_ITEMS_PER_CALL) {
        uint32_t batch = n - first < AJ_UA_ITEMS_PER_CALL ? n - first : AJ_UA_ITEMS_PER_CALL;
        h = aj_ua_client_header(c);
        reset_writer(s);
        aj_ua_encode_create_items(&s->w, &h, s->id, items + first, batch);
        e = aj_ua_client_call(c, &s->w, AJ_UA_ID_CREATE_ITEMS_RESP, arena, NULL, NULL, &r, NULL, err, errlen);
        aj_ua_create_items_resp ci;
        if (!e && aj_ua_decode_create_items(&r, &ci)) {
            snprintf(err, errlen, "CreateMonitoredItems: %s", r.err);
            e = AJ_EINVAL;
        }
        if (!e && ci.n != batch) {
            snprintf(err, errlen, "CreateMonitoredItems: %u results for %u items", ci.n, batch);
            e = AJ_EINVAL;
        }
        for (uint32_t k = 0; !e && k < batch; k++) item_status[first + k] = ci.results[k].status;
    }
    aj_arena_free(arena);
    s->last_response_ms = aj_time_mono_ms();
    return e;
}

void aj_ua_sub_resume(aj_ua_sub *s) {
    /* the requests in flight died with the old channel; unacknowledged messages stay on
     * the server and come again (or are asked for when a gap shows) */
    s->n_publish = 0;
    for (uint32_t k = 0; k < s->n_stash; k++) free(s->stash[k].msg);
    s->n_stash = 0;
    s->last_response_ms = aj_time_mono_ms();
}

void aj_ua_sub_clear(aj_ua_sub *s) {
    aj_ua_writer_clear(&s->w);
    for (uint32_t k = 0; k < s->n_stash; k++) free(s->stash[k].msg);
    s->n_stash = 0;
}

static aj_err send_publish(aj_ua_sub *s, char *err, size_t errlen) {
    aj_ua_request_header h = aj_ua_client_header(s->client);
    /* a Publish waits on the server until there is something to say: no early timeout */
    h.timeout_hint_ms = (uint32_t)(s->interval_ms * s->keepalive_count * 3) + 10000;
    reset_writer(s);
    aj_ua_encode_publish(&s->w, &h, s->acks, s->n_acks);
    if (s->w.status) {
        snprintf(err, errlen, "encoding Publish: %s", s->w.err);
        return AJ_EINTERNAL;
    }
    uint32_t id;
    aj_err e = aj_ua_channel_send(aj_ua_client_channel(s->client), s->w.buf, s->w.len, &id, err, errlen);
    if (e) return e;
    s->n_acks = 0; /* sent: the server takes them with this request */
    s->publish_ids[s->n_publish++] = id;
    return AJ_OK;
}

static void add_ack(aj_ua_sub *s, uint32_t seq) {
    if (s->n_acks < sizeof s->acks / sizeof s->acks[0]) s->acks[s->n_acks++] = (aj_ua_ack){s->id, seq};
    /* else: the server keeps the message until its queue drops it; harmless */
}

static void deliver(aj_ua_sub *s, const aj_ua_notification *m, aj_ua_change_fn fn, void *ctx) {
    for (uint32_t k = 0; k < m->n_changes; k++) fn(ctx, m->changes[k].client_handle, &m->changes[k].value);
    s->stats.data_changes += m->n_changes;
}

static int find(const uint32_t *ids, uint32_t n, uint32_t id) {
    for (uint32_t k = 0; k < n; k++)
        if (ids[k] == id) return (int)k;
    return -1;
}

static void remove_at(uint32_t *a, uint32_t *n, int k) {
    a[k] = a[*n - 1];
    (*n)--;
}

static bool is_subscription_gone(uint32_t status) {
    uint32_t s = status & 0xFFFF0000u;
    return s == AJ_UA_BAD_NO_SUBSCRIPTION || s == AJ_UA_BAD_SUBSCRIPTION_ID_INVALID;
}

static bool is_session_gone(uint32_t status) {
    uint32_t s = status & 0xFFFF0000u;
    return s == AJ_UA_BAD_SESSION_ID_INVALID || s == AJ_UA_BAD_SESSION_CLOSED ||
           s == AJ_UA_BAD_SESSION_NOT_ACTIVATED;
}

/* Keeps a copy of a response that arrived while a Republish was awaited. */
static aj_err stash(aj_ua_sub *s, uint32_t id, const uint8_t *msg, size_t len, char *err, size_t errlen) {
    if (s->n_stash >= sizeof s->stash / sizeof s->stash[0]) {
        snprintf(err, errlen, "too many responses while republishing");
        return AJ_EUNAVAILABLE;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return AJ_ENOMEM;
    if (len) memcpy(copy, msg, len);
    s->stash[s->n_stash++] = (struct aj_ua_stashed){id, copy, len};
    return AJ_OK;
}

/* Asks the server for notification message seq again and hands its changes over; other
 * responses arriving meanwhile are stashed. A message the server no longer has is lost. */
static aj_err republish_now(aj_ua_sub *s, uint32_t seq, aj_ua_change_fn fn, void *ctx, char *err,
                            size_t errlen) {
    aj_ua_channel *ch = aj_ua_client_channel(s->client);
    aj_ua_request_header h = aj_ua_client_header(s->client);
    reset_writer(s);
    aj_ua_encode_republish(&s->w, &h, s->id, seq);
    uint32_t id;
    aj_err e = aj_ua_channel_send(ch, s->w.buf, s->w.len, &id, err, errlen);
    for (int64_t deadline = aj_time_mono_ms() + (int64_t)h.timeout_hint_ms; !e;) {
        int left = (int)(deadline - aj_time_mono_ms());
        if (left <= 0) {
            snprintf(err, errlen, "no Republish response within %u ms", h.timeout_hint_ms);
            return AJ_EUNAVAILABLE;
        }
        uint32_t got = 0;
        const uint8_t *msg;
        size_t len;
        e = aj_ua_channel_recv(ch, left, &got, &msg, &len, err, errlen);
        if (e == AJ_EUNAVAILABLE && !err[0]) {
            e = AJ_OK;
            continue;
        }
        if (e) return e;
        if (got != id) {
            e = stash(s, got, msg, len, err, errlen);
            continue;
        }
        aj_arena *arena = aj_arena_new();
        if (!arena) return AJ_ENOMEM;
        aj_ua_reader r;
        aj_ua_reader_init(&r, msg, len, arena);
        uint32_t type;
        aj_ua_response_header rh;
        aj_ua_notification m;
        if (aj_ua_response_begin(&r, &type, &rh)) {
            snprintf(err, errlen, "RepublishResponse: %s", r.err);
            e = AJ_EINVAL;
        } else if (type == AJ_UA_ID_SERVICE_FAULT || rh.service_result >= 0x80000000u) {
            s->stats.lost++; /* BadMessageNotAvailable: the server no longer holds it */
        } else if (type != AJ_UA_ID_REPUBLISH_RESP || aj_ua_decode_republish(&r, &m)) {
            snprintf(err, errlen, "RepublishResponse: %s", r.status ? r.err : "wrong message type");
            e = AJ_EINVAL;
        } else {
            s->stats.republished++;
            add_ack(s, m.sequence_number);
            deliver(s, &m, fn, ctx);
        }
        aj_arena_free(arena);
        return e;
    }
    return e;
}

/* A Publish response: acknowledge, fill a sequence gap, deliver in order. */
static aj_err take_publish(aj_ua_sub *s, aj_ua_reader *r, aj_ua_change_fn fn, void *ctx, char *err,
                           size_t errlen) {
    aj_ua_publish_resp p;
    if (aj_ua_decode_publish(r, &p)) {
        snprintf(err, errlen, "PublishResponse: %s", r->err);
        return AJ_EINVAL;
    }
    if (p.subscription_id != s->id) return AJ_OK; /* an older subscription of the session */
    const aj_ua_notification *m = &p.message;
    if (m->has_status) {
        s->stats.status_changes++;
        snprintf(err, errlen, "the server ended the subscription (status 0x%08X)", m->status);
        return AJ_ENOTFOUND;
    }
    if (m->n_data == 0) {
        s->stats.keepalives++;
        return AJ_OK;
    }
    add_ack(s, m->sequence_number);
    s->stats.notifications++;
    /* (the decoded message lives in the reader's arena: further calls on the channel are fine) */
    if (s->last_seq && m->sequence_number != seq_next(s->last_seq) &&
        (uint32_t)(m->sequence_number - s->last_seq) < 0x80000000u) {
        /* ask again, in order, for what was skipped while the server still has it */
        uint32_t want = seq_next(s->last_seq);
        for (int guard = 0; want != m->sequence_number && guard < 64; guard++, want = seq_next(want)) {
            bool available = false;
            for (uint32_t k = 0; k < p.n_available; k++) available |= p.available[k] == want;
            if (!available) {
                s->stats.lost++;
                continue;
            }
            aj_err e = republish_now(s, want, fn, ctx, err, errlen);
            if (e) return e;
        }
    }
    if (!s->last_seq || (uint32_t)(m->sequence_number - s->last_seq) < 0x80000000u)
        s->last_seq = m->sequence_number;
    deliver(s, m, fn, ctx);
    return AJ_OK;
}

/* Handles one response (a Publish answer; anything else is ignored). */
static aj_err dispatch(aj_ua_sub *s, uint32_t id, const uint8_t *msg, size_t len, aj_ua_change_fn fn,
                       void *ctx, char *err, size_t errlen) {
    int pk = find(s->publish_ids, s->n_publish, id);
    if (pk < 0) return AJ_OK; /* an answer nobody waits for (a request of before a resume) */
    remove_at(s->publish_ids, &s->n_publish, pk);
    aj_arena *arena = aj_arena_new();
    if (!arena) return AJ_ENOMEM;
    aj_ua_reader r;
    aj_ua_reader_init(&r, msg, len, arena);
    uint32_t type;
    aj_ua_response_header h;
    aj_err e = AJ_OK;
    if (aj_ua_response_begin(&r, &type, &h)) {
        snprintf(err, errlen, "%s", r.err);
        e = AJ_EINVAL;
    } else if (type == AJ_UA_ID_SERVICE_FAULT || h.service_result >= 0x80000000u) {
        uint32_t st = h.service_result & 0xFFFF0000u;
        const char *name = aj_ua_status_name(h.service_result);
        if (is_subscription_gone(st)) {
            snprintf(err, errlen, "the server no longer has the subscription (%s)", name ? name : "?");
            e = AJ_ENOTFOUND;
        } else if (is_session_gone(st)) {
            snprintf(err, errlen, "the server no longer has the session (%s)", name ? name : "?");
            e = AJ_EUNAVAILABLE;
        } else if (st != AJ_UA_BAD_TOO_MANY_PUBLISH_REQUESTS && st != AJ_UA_BAD_TIMEOUT) {
            snprintf(err, errlen, "Publish failed: 0x%08X %s", h.service_result, name ? name : "");
            e = AJ_EUNAVAILABLE;
        } /* else fine: fewer in flight for now (one is sent again next turn) */
    } else if (type != AJ_UA_ID_PUBLISH_RESP) {
        snprintf(err, errlen, "message type %u where a PublishResponse was due", type);
        e = AJ_EINVAL;
    } else {
        e = take_publish(s, &r, fn, ctx, err, errlen);
    }
    aj_arena_free(arena);
    return e;
}

aj_err aj_ua_sub_step(aj_ua_sub *s, int wait_ms, aj_ua_change_fn fn, void *ctx, char *err, size_t errlen) {
    err[0] = 0;
    aj_err e = AJ_OK;
    if (s->n_stash) { /* what arrived during a Republish comes first, in arrival order */
        struct aj_ua_stashed first = s->stash[0];
        memmove(s->stash, s->stash + 1, (s->n_stash - 1) * sizeof s->stash[0]);
        s->n_stash--;
        e = dispatch(s, first.request_id, first.msg, first.len, fn, ctx, err, errlen);
        free(first.msg);
        return e;
    }
    while (s->n_publish < AJ_UA_PUBLISH_IN_FLIGHT)
        if ((e = send_publish(s, err, errlen))) return e;
    /* the server answers at least every keep-alive interval */
    int64_t silent_limit = (int64_t)(s->interval_ms * s->keepalive_count) * 2 + 5000;
    if (aj_time_mono_ms() - s->last_response_ms > silent_limit) {
        snprintf(err, errlen, "no Publish response for %lld ms (keep-alive every %.0f ms)",
                 (long long)(aj_time_mono_ms() - s->last_response_ms), s->interval_ms * s->keepalive_count);
        return AJ_EUNAVAILABLE;
    }
    uint32_t id = 0;
    const uint8_t *msg;
    size_t len;
    e = aj_ua_channel_recv(aj_ua_client_channel(s->client), wait_ms, &id, &msg, &len, err, errlen);
    if (e == AJ_EUNAVAILABLE && !err[0]) return AJ_OK; /* nothing yet */
    if (e) return e;
    s->last_response_ms = aj_time_mono_ms();
    return dispatch(s, id, msg, len, fn, ctx, err, errlen);
}
