/* engine.c — durable intake, per-tag quality and compression, archive writer.
 *
 * Flow (docs/design/realtime-engine.md):
 *   submit: reserve a queue slot (or 503) -> append the batch to the ingest journal
 *           (durable, group commit) -> enqueue -> return (the acknowledgement)
 *   engine thread: per batch, per point in arrival order: drop points older than the
 *           tag's last one (late), data-quality checks, compressor; archived points go
 *           to the tag's buffer. Every AJ_ENGINE_FLUSH_INTERVAL_MS: write due buffers as
 *           chunks and the new checkpoint in one transaction; drop journal segments
 *           before the checkpoint.
 *
 * Checkpoint (the journal position replay starts from) is the minimum of
 *   - per tag with points not yet durable in the archive: the journal position of the
 *     first raw point after the tag's last durable archived point (replay_pos);
 *   - batches queued or being journaled (their points are in no state yet).
 * Replay skips a tag's points at or before its last durable archived time, so a point
 * is applied once whatever the checkpoint lag. Compression restarts from the last
 * archived point, so the reconstruction bound holds across a restart.
 *
 * Locks: e->lock guards the tag tables and tag states (the engine thread holds it per
 * batch; resolve and recent take it briefly); e->qlock guards the queue and the
 * reservations. Never both at once except qlock inside lock (flush), in that order.
 */
#include "engine/engine.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "engine/chunk.h"
#include "engine/compress.h"
#include "engine/engine_internal.h"
#include "engine/journal.h"
#include "engine/quality.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t hash64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static tag_state *find_by_id(aj_engine *e, int64_t tag_id) {
    if (!e->cap_ids) return NULL;
    uint32_t mask = e->cap_ids - 1;
    for (uint32_t i = (uint32_t)hash64((uint64_t)tag_id) & mask;; i = (i + 1) & mask) {
        if (e->by_id[i].tag_id == 0) return NULL;
        if (e->by_id[i].tag_id == tag_id) return e->by_id[i].st;
    }
}

/* Key hash: 8 bytes at a time (keys are 20-60 bytes; a byte-wise hash was a tenth of the
 * ingest's CPU), finished by hash64. In memory only, never stored. */
static uint64_t key_hash(int64_t enterprise_id, const char *key, size_t len) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)enterprise_id ^ ((uint64_t)len << 48);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
    }
    uint64_t tail = 0;
    memcpy(&tail, key + i, len - i);
    h = (h ^ tail) * 0xc4ceb9fe1a85ec53ULL;
    return hash64(h);
}

static bool key_matches(const tag_state *st, int64_t enterprise_id, const char *key, size_t len) {
    return st->enterprise_id == enterprise_id && st->key_len == len && memcmp(st->key, key, len) == 0;
}

static tag_state *find_by_key(aj_engine *e, int64_t enterprise_id, const char *key) {
    if (!e->cap_ids) return NULL;
    uint32_t mask = e->cap_ids - 1;
    size_t len = strlen(key);
    uint64_t h = key_hash(enterprise_id, key, len);
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        const key_slot *ks = &e->by_key[i];
        if (!ks->st) return NULL;
        if (ks->hash == h && key_matches(ks->st, enterprise_id, key, len)) return ks->st;
    }
}

static void put_key(key_slot *table, uint32_t cap, tag_state *st) {
    uint32_t mask = cap - 1;
    uint32_t i = (uint32_t)st->key_hash & mask;
    while (table[i].st) i = (i + 1) & mask;
    table[i] = (key_slot){st->key_hash, st};
}

static void put_id(id_slot *table, uint32_t cap, int64_t tag_id, tag_state *st) {
    uint32_t mask = cap - 1;
    uint32_t i = (uint32_t)hash64((uint64_t)tag_id) & mask;
    while (table[i].tag_id != 0) i = (i + 1) & mask;
    table[i] = (id_slot){tag_id, st};
}

/* Adds st to the tables (caller holds e->tlock for writing). */
static aj_err add_tag(aj_engine *e, tag_state *st) {
    if (e->n_tags >= AJ_ENGINE_TAGS_MAX) return AJ_ETOOBIG;
    atomic_store(&e->is_permits_reload_wanted, true); /* it may be a detector near a permit */
    if (e->n_tags == e->cap_tags) {
        uint32_t cap = e->cap_tags ? e->cap_tags * 2 : 1024;
        tag_state **grown = realloc(e->tags, sizeof *grown * cap);
        if (!grown) return AJ_ENOMEM;
        e->tags = grown;
        e->cap_tags = cap;
    }
    if ((e->n_tags + 1) * 2 > e->cap_ids) {
        uint32_t cap = e->cap_ids ? e->cap_ids * 2 : 2048;
        id_slot *table = calloc(cap, sizeof *table);
        key_slot *keys = calloc(cap, sizeof *keys);
        if (!table || !keys) {
            free(table);
            free(keys);
            return AJ_ENOMEM;
        }
        for (uint32_t i = 0; i < e->n_tags; i++) {
            put_id(table, cap, e->tags[i]->tag_id, e->tags[i]);
            put_key(keys, cap, e->tags[i]);
        }
        free(e->by_id);
        free(e->by_key);
        e->by_id = table;
        e->by_key = keys;
        e->cap_ids = cap;
    }
    e->tags[e->n_tags] = st;
    put_id(e->by_id, e->cap_ids, st->tag_id, st);
    put_key(e->by_key, e->cap_ids, st);
    e->n_tags++;
    return AJ_OK;
}

int64_t aj_engine_reorder_ns(const aj_engine *e) {
    return e->opts.reorder_ns;
}

tag_state *aj_engine_find_tag(aj_engine *e, int64_t tag_id) {
    return find_by_id(e, tag_id);
}

static void free_tag(tag_state *st) {
    if (!st) return;
    aj_ea_free_tag(st);
    free(st->held);
    free(st->held_pos);
    free(st->buf);
    free(st);
}

/* A tag's state from its row (no store access). NULL when out of memory. */
static tag_state *new_tag_state(int64_t id, int64_t enterprise_id, int64_t site_id, const char *key,
                                const char *kind, bool has_lo, double lo, bool has_hi, double hi) {
    size_t key_len = strlen(key);
    tag_state *st = calloc(1, sizeof *st + key_len + 1);
    if (!st) return NULL;
    memcpy(st->key_text, key, key_len + 1);
    st->key = st->key_text;
    st->key_len = (uint32_t)key_len;
    st->tag_id = id;
    st->enterprise_id = enterprise_id;
    st->key_hash = key_hash(enterprise_id, key, key_len);
    st->site_id = site_id;
    bool has_range = has_lo && has_hi && lo < hi;
    if (!has_range) {
        lo = NAN;
        hi = NAN;
    }
    /* Kinds without a usable range (status, count, or missing data) get range-free checks. */
    if (aj_quality_config_defaults(kind ? kind : "", lo, hi, &st->qcfg) != AJ_OK)
        aj_quality_config_defaults("status", NAN, NAN, &st->qcfg);
    if (aj_compress_defaults(kind ? kind : "", has_range ? lo : 0, has_range ? hi : 1, &st->ccfg) != AJ_OK)
        aj_compress_defaults("pressure", 0, 1, &st->ccfg);
    aj_quality_state_init(&st->q, st->tag_id);
    aj_compress_init(&st->c);
    st->durable_t = INT64_MIN;
    return st;
}

/* The tag's last archived point: compression resumes from it (it is fed again as the
 * anchor and its re-emission is filtered out, t <= durable_t). */
static void set_prior(tag_state *st, const aj_point *prior) {
    st->durable_t = prior->t_ns;
    st->c.archived = *prior;
    st->c.archived.tag_id = st->tag_id;
    st->c.has_archived = true;
}

static tag_state *tag_from_row(const aj_result *r, int i) {
    return new_tag_state(aj_result_int(r, i, 0), aj_result_int(r, i, 1), aj_result_int(r, i, 6),
                         aj_result_text(r, i, 2) ? aj_result_text(r, i, 2) : "", aj_result_text(r, i, 3),
                         !aj_result_is_null(r, i, 4), aj_result_double(r, i, 4), !aj_result_is_null(r, i, 5),
                         aj_result_double(r, i, 5));
}

#define TAG_COLS "SELECT id, enterprise_id, key, kind, range_lo, range_hi, site_id FROM tags "

/* Builds the state of a tag from its row and its last archived point (no lock held). */
static aj_err load_tag(aj_engine *e, aj_db *db, int64_t enterprise_id, const char *key, tag_state **out) {
    aj_val p[2] = {AJ_VINT(enterprise_id), AJ_VTEXT(key)};
    aj_result *r;
    aj_err err = aj_db_query(db, TAG_COLS "WHERE enterprise_id = ? AND key = ?", p, 2, &r);
    if (err) return err;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return AJ_ENOTFOUND;
    }
    tag_state *st = tag_from_row(r, 0);
    aj_result_free(r);
    if (!st) return AJ_ENOMEM;
    aj_point prior;
    err = aj_archive_prior(db, st->tag_id, INT64_MAX, &prior);
    if (err == AJ_OK) {
        set_prior(st, &prior);
    } else if (err != AJ_ENOTFOUND) {
        free_tag(st);
        return err;
    }
    if ((err = aj_ea_load_tag(e, db, st))) {
        free_tag(st);
        return err;
    }
    *out = st;
    return AJ_OK;
}

/* At start, every tag of the store at once (a few queries instead of four per tag at
 * its first point, which would hold up the first writes after a restart). Tags made
 * later are loaded one by one when their first point comes. */
static aj_err preload_tags(aj_engine *e, aj_db *db) {
    aj_result *r;
    aj_err err = aj_db_query(db, TAG_COLS "ORDER BY id", NULL, 0, &r);
    if (err) return err;
    for (int i = 0; !err && i < aj_result_rows(r) && e->n_tags < AJ_ENGINE_TAGS_MAX; i++) {
        tag_state *st = tag_from_row(r, i);
        if (!st)
            err = AJ_ENOMEM;
        else if ((err = add_tag(e, st)))
            free_tag(st);
    }
    aj_result_free(r);
    if (err) return err;
    /* The last chunk of every tag: its last point is where compression resumes. */
    err =
        aj_db_query(db,
                    "SELECT c.tag_id, c.data FROM archive_chunks c JOIN (SELECT tag_id, MAX(t_first_ns) AS t "
                    "FROM archive_chunks GROUP BY tag_id) m ON m.tag_id = c.tag_id AND m.t = c.t_first_ns",
                    NULL, 0, &r);
    if (err) return err;
    aj_point *pts = malloc(sizeof *pts * AJ_CHUNK_POINTS_MAX);
    if (!pts) err = AJ_ENOMEM;
    for (int i = 0; !err && i < aj_result_rows(r); i++) {
        tag_state *st = find_by_id(e, aj_result_int(r, i, 0));
        size_t len = 0, n = 0;
        const void *blob = aj_result_blob(r, i, 1, &len);
        if (!st || !blob) continue;
        if (aj_chunk_decode(blob, len, pts, AJ_CHUNK_POINTS_MAX, &n) != AJ_OK || n == 0) {
            aj_warn("engine: tag %lld: its last archive chunk is unreadable", (long long)st->tag_id);
            continue;
        }
        set_prior(st, &pts[n - 1]);
    }
    free(pts);
    aj_result_free(r);
    if (!err) err = aj_ea_preload(e, db);
    return err;
}

/* The newest time the engine has taken for the tag (a point at or before it is late). */
static int64_t newest_of(const tag_state *st) {
    int64_t t = __atomic_load_n(&st->durable_t, __ATOMIC_RELAXED);
    if (__atomic_load_n(&st->has_last, __ATOMIC_RELAXED)) {
        int64_t last = __atomic_load_n(&st->last_t, __ATOMIC_RELAXED);
        if (last > t) t = last;
    }
    return t;
}

aj_err aj_engine_resolve(aj_engine *e, aj_db *db, int64_t enterprise_id, const char *key, int64_t *tag_id) {
    int64_t newest;
    return aj_engine_resolve_newest(e, db, enterprise_id, key, tag_id, &newest);
}

aj_err aj_engine_resolve_newest(aj_engine *e, aj_db *db, int64_t enterprise_id, const char *key,
                                int64_t *tag_id, int64_t *newest) {
    /* The tables' read lock only: lookups run beside the engine thread applying points. */
    pthread_rwlock_rdlock(&e->tlock);
    tag_state *known = find_by_key(e, enterprise_id, key);
    if (known) {
        *tag_id = known->tag_id;
        *newest = newest_of(known);
    }
    pthread_rwlock_unlock(&e->tlock);
    if (known) return AJ_OK;
    *newest = INT64_MIN;
    tag_state *st;
    aj_err err = load_tag(e, db, enterprise_id, key, &st);
    if (err) return err;
    *tag_id = st->tag_id;
    *newest = newest_of(st);
    pthread_rwlock_wrlock(&e->tlock);
    if (find_by_id(e, st->tag_id)) {
        free_tag(st); /* another thread loaded it meanwhile */
    } else if ((err = add_tag(e, st))) {
        free_tag(st);
    }
    pthread_rwlock_unlock(&e->tlock);
    return err;
}

/* Keys looked up together: their slots are fetched, then their states, before any is
 * compared, so the cache misses of a block overlap instead of following one another. */
#define LOOKUP_BLOCK 16

void aj_engine_lookup_many(aj_engine *e, int64_t enterprise_id, const char *const *keys, const size_t *lens,
                           size_t n, int64_t *tag_ids, int64_t *newest) {
    pthread_rwlock_rdlock(&e->tlock);
    uint32_t mask = e->cap_ids ? e->cap_ids - 1 : 0;
    for (size_t b = 0; b < n; b += LOOKUP_BLOCK) {
        size_t m = n - b < LOOKUP_BLOCK ? n - b : LOOKUP_BLOCK;
        uint64_t h[LOOKUP_BLOCK];
        uint32_t at[LOOKUP_BLOCK];
        tag_state *cand[LOOKUP_BLOCK];
        for (size_t j = 0; j < m; j++) {
            h[j] = key_hash(enterprise_id, keys[b + j], lens[b + j]);
            at[j] = (uint32_t)h[j] & mask;
            if (e->cap_ids) __builtin_prefetch(&e->by_key[at[j]]);
        }
        for (size_t j = 0; j < m; j++) { /* first slot with the same hash, or the empty end */
            cand[j] = NULL;
            if (!e->cap_ids) continue;
            for (;; at[j] = (at[j] + 1) & mask) {
                const key_slot *ks = &e->by_key[at[j]];
                if (!ks->st) break;
                if (ks->hash == h[j]) {
                    cand[j] = ks->st;
                    __builtin_prefetch(cand[j]);
                    __builtin_prefetch(cand[j]->key_text);
                    break;
                }
            }
        }
        for (size_t j = 0; j < m; j++) {
            const char *key = keys[b + j];
            size_t len = lens[b + j];
            tag_state *st = cand[j];
            if (st && !key_matches(st, enterprise_id, key, len)) { /* a hash collision: probe on */
                st = NULL;
                for (uint32_t i = (at[j] + 1) & mask; e->by_key[i].st; i = (i + 1) & mask) {
                    const key_slot *ks = &e->by_key[i];
                    if (ks->hash == h[j] && key_matches(ks->st, enterprise_id, key, len)) {
                        st = ks->st;
                        break;
                    }
                }
            }
            tag_ids[b + j] = st ? st->tag_id : 0;
            newest[b + j] = st ? newest_of(st) : INT64_MIN;
        }
    }
    pthread_rwlock_unlock(&e->tlock);
}

/* ---- journal records: a batch of points ------------------------------------------------
 * payload = "AJPB" | u32 count | count x (i64 tag_id, i64 t_ns, f64 value, u8 type,
 * u8 quality, u16 zero, u32 reasons), little-endian (the machine's order on x86-64/ARM). */

#define POINT_BYTES 32

static void put_point(uint8_t *b, const aj_point *p) {
    uint8_t type = (uint8_t)p->type, quality = (uint8_t)p->quality;
    uint16_t zero = 0;
    memcpy(b, &p->tag_id, 8);
    memcpy(b + 8, &p->t_ns, 8);
    memcpy(b + 16, &p->value, 8);
    b[24] = type;
    b[25] = quality;
    memcpy(b + 26, &zero, 2);
    memcpy(b + 28, &p->quality_reasons, 4);
}

static bool get_point(const uint8_t *b, aj_point *p) {
    memcpy(&p->tag_id, b, 8);
    memcpy(&p->t_ns, b + 8, 8);
    memcpy(&p->value, b + 16, 8);
    if (b[24] > AJ_VALUE_STRING || b[25] > AJ_QUALITY_BAD) return false;
    p->type = (aj_value_type)b[24];
    p->quality = (aj_quality)b[25];
    memcpy(&p->quality_reasons, b + 28, 4);
    return true;
}

static batch *decode_batch(aj_journal_pos pos, const uint8_t *payload, size_t len) {
    uint32_t n;
    if (len < 8 || memcmp(payload, "AJPB", 4) != 0) return NULL;
    memcpy(&n, payload + 4, 4);
    if (n > AJ_ENGINE_BATCH_POINTS_MAX || len != 8 + (size_t)n * POINT_BYTES) return NULL;
    batch *b = malloc(sizeof *b + sizeof(aj_point) * n);
    if (!b) return NULL;
    b->pos = pos;
    b->n = n;
    for (uint32_t i = 0; i < n; i++)
        if (!get_point(payload + 8 + (size_t)i * POINT_BYTES, &b->pts[i])) {
            free(b);
            return NULL;
        }
    return b;
}

/* ---- submit --------------------------------------------------------------------------- */

aj_err aj_engine_submit(aj_engine *e, const aj_point *pts, size_t n) {
    if (n == 0) return AJ_OK;
    if (n > AJ_ENGINE_BATCH_POINTS_MAX) return AJ_ETOOBIG;
    /* Reserve a queue place first: a full queue refuses before anything is written. */
    pthread_mutex_lock(&e->qlock);
    int slot = -1;
    if (!e->is_stopping && e->q_len + e->n_reserved < AJ_ENGINE_QUEUE_BATCHES) {
        for (int i = 0; i < AJ_ENGINE_QUEUE_BATCHES && slot < 0; i++)
            if (!e->reserved_used[i]) slot = i;
    }
    if (slot >= 0) {
        aj_journal_stats js;
        aj_journal_stats_get(e->journal, &js);
        e->reserved_used[slot] = true;
        e->reserved_floor[slot] = js.end;
        e->n_reserved++;
    }
    pthread_mutex_unlock(&e->qlock);
    if (slot < 0) {
        atomic_fetch_add(&e->batches_refused, 1);
        return AJ_EUNAVAILABLE;
    }
    size_t len = 8 + n * POINT_BYTES;
    uint8_t *payload = malloc(len);
    batch *b = malloc(sizeof *b + sizeof(aj_point) * n);
    aj_err err = payload && b ? AJ_OK : AJ_ENOMEM;
    if (!err) {
        uint32_t n32 = (uint32_t)n;
        memcpy(payload, "AJPB", 4);
        memcpy(payload + 4, &n32, 4);
        for (size_t i = 0; i < n; i++) put_point(payload + 8 + i * POINT_BYTES, &pts[i]);
        err = aj_journal_append(e->journal, payload, len, &b->pos); /* durable when it returns */
    }
    free(payload);
    pthread_mutex_lock(&e->qlock);
    e->reserved_used[slot] = false;
    e->n_reserved--;
    if (!err) {
        b->n = n;
        memcpy(b->pts, pts, sizeof(aj_point) * n);
        e->queue[(e->q_head + e->q_len) % AJ_ENGINE_QUEUE_BATCHES] = b;
        e->q_len++;
        e->n_submitted++;
        pthread_cond_signal(&e->q_nonempty);
    }
    pthread_mutex_unlock(&e->qlock);
    if (err) {
        free(b);
        return err == AJ_ENOMEM ? err : AJ_EIO;
    }
    atomic_fetch_add(&e->points_accepted, n);
    return AJ_OK;
}

/* ---- applying points (engine thread, e->lock held) ------------------------------------ */

/* ---- hot window -----------------------------------------------------------------------
 * buf[0..n_hot) are archived points already durable, kept while they are younger than
 * AJ_ENGINE_HOT_WINDOW_NS (the hot window the engines and recent queries read);
 * buf[n_hot..n_buf) are the points not yet written. The prefix is trimmed in bulk, when
 * its oldest point is half a window past due, so the cost per point stays constant. */

static void hot_drop(tag_state *st, uint32_t k) {
    if (k == 0) return;
    memmove(st->buf, st->buf + k, sizeof *st->buf * (st->n_buf - k));
    st->n_buf -= k;
    st->n_hot -= k;
}

static void hot_trim(tag_state *st, int64_t now_ns) {
    if (st->n_hot == 0 || st->buf[0].t_ns >= now_ns - AJ_ENGINE_HOT_WINDOW_NS * 3 / 2) return;
    uint32_t k = 0;
    while (k < st->n_hot && st->buf[k].t_ns < now_ns - AJ_ENGINE_HOT_WINDOW_NS) k++;
    hot_drop(st, k);
}

static aj_err buffer_archived(void *ctx, const aj_point *p) {
    tag_state *st = ctx;
    if (p->t_ns <= st->durable_t) return AJ_OK; /* already durable (resumed anchor, replay) */
    hot_trim(st, p->t_ns);
    if (st->n_buf == st->cap_buf) {
        uint32_t cap = st->cap_buf ? st->cap_buf * 2 : 16;
        if (cap > AJ_CHUNK_POINTS_MAX) cap = AJ_CHUNK_POINTS_MAX;
        if (st->n_buf == cap && st->n_hot > 0) {
            hot_drop(st, st->n_hot); /* full: the hot window gives way to unwritten points */
        } else if (st->n_buf == cap) {
            return AJ_ETOOBIG; /* flush keeps this from happening */
        } else {
            aj_point *grown = realloc(st->buf, sizeof *grown * cap);
            if (!grown) return AJ_ENOMEM;
            st->buf = grown;
            st->cap_buf = cap;
        }
    }
    st->buf[st->n_buf] = *p;
    st->buf[st->n_buf].tag_id = st->tag_id;
    st->n_buf++;
    st->buf_last_pos = st->cur_pos;
    return AJ_OK;
}

/* Points that passed the quality checks: alarms, then the compressor. */
static void release_points(aj_engine *e, tag_state *st, const aj_point *out, size_t n_out) {
    aj_rfeed *feed = e->reasoner ? aj_er_feed_of(e, st) : NULL;
    for (size_t i = 0; i < n_out; i++) {
        if (feed && out[i].quality == AJ_QUALITY_GOOD) aj_rfeed_add(feed, out[i].t_ns, out[i].value);
        aj_ea_feed(e, st, &out[i]);
        if (st->is_guarded) aj_ep_feed(e, st, &out[i]);
        aj_err err = aj_compress_feed(&st->c, &st->ccfg, &out[i], buffer_archived, st);
        if (err) aj_warn("engine: tag %lld: compression: %s", (long long)st->tag_id, aj_err_name(err));
    }
}

static void apply_point(aj_engine *e, tag_state *st, const aj_point *p, aj_journal_pos pos) {
    if (p->t_ns <= st->durable_t || (st->has_last && p->t_ns <= st->last_t)) {
        atomic_fetch_add(&e->points_late, 1);
        return;
    }
    if (!st->has_replay_pos) {
        st->replay_pos = pos;
        st->has_replay_pos = true;
    }
    __atomic_store_n(&st->last_t, p->t_ns, __ATOMIC_RELAXED); /* read by aj_engine_screen */
    __atomic_store_n(&st->has_last, true, __ATOMIC_RELAXED);
    st->cur_pos = pos;
    if (p->t_ns > e->watermark_ns) {
        e->watermark_ns = p->t_ns;
        if (e->reasoner) aj_er_on_watermark(e);
    }
    aj_point out[AJ_QUALITY_OUT_MAX];
    size_t n_out = 0;
    ea_ctx qc = {e, st};
    if (aj_quality_check(&st->q, &st->qcfg, p, out, &n_out, aj_ea_quality_event, &qc) != AJ_OK) {
        atomic_fetch_add(&e->points_late, 1);
        return;
    }
    release_points(e, st, out, n_out);
    atomic_fetch_add(&e->points_applied, 1);
}

/* Room kept in a tag's buffer for the points one raw point can archive (quality may
 * release two points, each of which may archive two). */
#define BUF_MARGIN 8

static void write_tag_now(aj_engine *e, tag_state *st);

/* Applies one point now, writing the tag's buffer first when it is nearly full. */
static void apply_now(aj_engine *e, tag_state *st, const aj_point *p, aj_journal_pos pos) {
    /* A long batch of one tag fills its buffer before the periodic flush: write it now. */
    if (st->n_buf - st->n_hot + BUF_MARGIN > AJ_CHUNK_POINTS_MAX) write_tag_now(e, st);
    if (st->n_buf + BUF_MARGIN > AJ_CHUNK_POINTS_MAX) hot_drop(st, st->n_hot);
    apply_point(e, st, p, pos);
}

/* ---- reorder window (docs/historian.md "Late and out-of-order points") ---------------- */

static void release_held(aj_engine *e, tag_state *st, int64_t limit) {
    uint32_t k = 0;
    while (k < st->n_held && st->held[k].t_ns <= limit) {
        apply_now(e, st, &st->held[k], st->held_pos[k]);
        k++;
    }
    if (k == 0) return;
    memmove(st->held, st->held + k, sizeof *st->held * (st->n_held - k));
    memmove(st->held_pos, st->held_pos + k, sizeof *st->held_pos * (st->n_held - k));
    st->n_held -= k;
}

/* Releases, in time order, every held point that the window has passed: by the tag's
 * newest point or by the newest point of any tag (so a silent tag's last points go too);
 * all of them when is_all. */
static void release_due(aj_engine *e, bool is_all) {
    for (uint32_t i = 0; i < e->n_held_tags;) {
        tag_state *st = e->held_tags[i];
        int64_t newest = st->n_held ? st->held[st->n_held - 1].t_ns : INT64_MIN;
        if (e->watermark_ns > newest) newest = e->watermark_ns;
        release_held(e, st, is_all ? INT64_MAX : newest - e->opts.reorder_ns);
        if (st->n_held == 0) {
            st->is_held_listed = false;
            e->held_tags[i] = e->held_tags[--e->n_held_tags];
        } else {
            i++;
        }
    }
}

static void hold_point(aj_engine *e, tag_state *st, const aj_point *p, aj_journal_pos pos) {
    if (p->t_ns <= st->durable_t || (st->has_last && p->t_ns <= st->last_t)) {
        atomic_fetch_add(&e->points_late, 1);
        return;
    }
    if (st->n_held == AJ_ENGINE_HELD_MAX) release_held(e, st, st->held[0].t_ns); /* bounded: oldest goes */
    if (st->n_held == st->cap_held) {
        uint32_t cap = st->cap_held ? st->cap_held * 2 : 8;
        aj_point *h = realloc(st->held, sizeof *h * cap);
        if (h) st->held = h;
        aj_journal_pos *hp = h ? realloc(st->held_pos, sizeof *hp * cap) : NULL;
        if (hp) st->held_pos = hp;
        if (!h || !hp) { /* out of memory: apply it at once instead of holding it */
            apply_now(e, st, p, pos);
            return;
        }
        st->cap_held = cap;
    }
    uint32_t k = st->n_held;
    while (k > 0 && st->held[k - 1].t_ns > p->t_ns) k--;
    if (k > 0 && st->held[k - 1].t_ns == p->t_ns) { /* same time twice: the first one stays */
        atomic_fetch_add(&e->points_late, 1);
        return;
    }
    if (k < st->n_held) atomic_fetch_add(&e->points_reordered, 1);
    memmove(st->held + k + 1, st->held + k, sizeof *st->held * (st->n_held - k));
    memmove(st->held_pos + k + 1, st->held_pos + k, sizeof *st->held_pos * (st->n_held - k));
    st->held[k] = *p;
    st->held_pos[k] = pos;
    st->n_held++;
    if (!st->is_held_listed) {
        if (e->n_held_tags == e->cap_held_tags) {
            uint32_t cap = e->cap_held_tags ? e->cap_held_tags * 2 : 64;
            tag_state **g = realloc(e->held_tags, sizeof *g * cap);
            if (!g) {
                release_held(e, st, INT64_MAX);
                return;
            }
            e->held_tags = g;
            e->cap_held_tags = cap;
        }
        e->held_tags[e->n_held_tags++] = st;
        st->is_held_listed = true;
    }
    if (p->t_ns > e->watermark_ns) e->watermark_ns = p->t_ns;
}

/* Brings a tag's state into the cache ahead of its point (100k states do not fit). */
static void prefetch_tag(aj_engine *e, int64_t tag_id) {
    const tag_state *st = find_by_id(e, tag_id);
    if (!st) return;
    for (size_t off = 0; off < sizeof *st; off += 64) __builtin_prefetch((const char *)st + off);
    if (st->buf) __builtin_prefetch(st->buf + st->n_buf);
}

static void apply_batch(aj_engine *e, const batch *b) {
    uint32_t mask = e->cap_ids ? e->cap_ids - 1 : 0;
    for (size_t i = 0; i < b->n; i++) {
        /* Two stages ahead: the id slot 16 points on, the state 8 points on. */
        if (mask && i + 16 < b->n)
            __builtin_prefetch(&e->by_id[(uint32_t)hash64((uint64_t)b->pts[i + 16].tag_id) & mask]);
        if (i + 8 < b->n) prefetch_tag(e, b->pts[i + 8].tag_id);
        tag_state *st = find_by_id(e, b->pts[i].tag_id);
        if (!st) { /* resolved by a submitter, so it exists; a replayed unknown tag is dropped */
            atomic_fetch_add(&e->points_late, 1);
            continue;
        }
        if (e->opts.reorder_ns > 0)
            hold_point(e, st, &b->pts[i], b->pos);
        else
            apply_now(e, st, &b->pts[i], b->pos);
    }
    if (e->opts.reorder_ns > 0) release_due(e, false);
    e->last_point_ms = aj_engine_mono_ms();
    aj_ea_advance(e);
}

/* The alarm watermark passed silent tags: stale detection, held spike candidates. */
static void advance_quality(aj_engine *e) {
    int64_t wm = aj_ea_watermark(e);
    if (wm == INT64_MIN) return;
    for (uint32_t i = 0; i < e->n_tags; i++) {
        tag_state *st = e->tags[i];
        if (!st->has_last) continue;
        aj_point out[AJ_QUALITY_OUT_MAX];
        size_t n_out = 0;
        ea_ctx qc = {e, st};
        aj_quality_advance(&st->q, &st->qcfg, wm, out, &n_out, aj_ea_quality_event, &qc);
        release_points(e, st, out, n_out);
    }
    aj_ea_advance(e);
}

/* ---- archive writer (engine thread, e->lock held) ------------------------------------- */

int64_t aj_engine_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool pos_less(aj_journal_pos a, aj_journal_pos b) {
    return aj_journal_pos_cmp(a, b) < 0;
}

/* Writes the buffers that are due (all of them when is_final, after flushing every
 * compressor) and the checkpoint, in one transaction; then drops old journal segments. */
static void flush(aj_engine *e, bool is_final) {
    /* Without points for a while (a stopped feed), event time follows the wall clock so
     * that timers, shelving expiry and stale detection still happen. */
    int64_t now_ms = aj_engine_mono_ms();
    if (e->watermark_ns != INT64_MIN && !e->is_replaying && now_ms - e->last_point_ms >= AJ_ENGINE_IDLE_MS) {
        int64_t from = e->idle_tick_ms > e->last_point_ms ? e->idle_tick_ms : e->last_point_ms;
        if (now_ms > from) e->watermark_ns += (now_ms - from) * 1000000LL;
        e->idle_tick_ms = now_ms;
    }
    if (e->opts.reorder_ns > 0) release_due(e, is_final);
    advance_quality(e);
    aj_db *db = e->db;
    aj_err err = aj_db_begin(db);
    if (!err) err = aj_ea_persist(e, db);
    /* Retention: whole chunks older than the window go (event time). */
    if (!err && e->opts.retention_ns > 0 && e->watermark_ns != INT64_MIN &&
        now_ms - e->last_retention_ms >= AJ_ENGINE_RETENTION_SWEEP_MS) {
        int64_t n_gone = 0;
        aj_val cut = AJ_VINT(e->watermark_ns - e->opts.retention_ns);
        err = aj_db_exec(db, "DELETE FROM archive_chunks WHERE t_last_ns < ?", &cut, 1, &n_gone);
        if (!err) {
            e->last_retention_ms = now_ms;
            atomic_fetch_add(&e->chunks_expired, (uint64_t)n_gone);
        }
    }
    if (err) {
        aj_warn("engine: alarm journal not written (%s); retrying at the next flush", aj_db_errmsg(db));
        aj_db_rollback(db);
        e->last_flush_ms = aj_engine_mono_ms();
        return;
    }
    uint32_t n_written_tags = 0, n_failed_tags = 0;
    for (uint32_t i = 0; !err && i < e->n_tags; i++) {
        tag_state *st = e->tags[i];
        if (is_final && st->has_last) aj_compress_flush(&st->c, &st->ccfg, buffer_archived, st);
        uint32_t n_new = st->n_buf - st->n_hot;
        if (n_new == 0) continue;
        bool is_due = is_final || n_new >= AJ_ENGINE_CHUNK_POINTS ||
                      e->watermark_ns - st->buf[st->n_hot].t_ns >= AJ_ENGINE_CHUNK_AGE_NS;
        if (!is_due) continue;
        err = aj_archive_put_chunk(db, st->tag_id, st->buf + st->n_hot, n_new);
        if (err) {
            aj_warn("engine: tag %lld: archive write failed (%s); its %u buffered points are dropped",
                    (long long)st->tag_id, aj_db_errmsg(db), n_new);
            aj_db_rollback(db);
            st->n_buf = st->n_hot;
            n_failed_tags++;
            err = aj_db_begin(db); /* go on with the other tags, the alarm rows again */
            if (!err) err = aj_ea_persist(e, db);
            continue;
        }
        n_written_tags++;
    }
    /* Checkpoint: the earliest journal position any state still depends on. */
    aj_journal_stats js;
    aj_journal_stats_get(e->journal, &js);
    aj_journal_pos cp = js.end;
    for (uint32_t i = 0; i < e->n_tags; i++) {
        tag_state *st = e->tags[i];
        if (st->has_replay_pos && pos_less(st->replay_pos, cp)) cp = st->replay_pos;
    }
    for (uint32_t i = 0; i < e->n_held_tags; i++) { /* held points are in no state yet */
        const tag_state *st = e->held_tags[i];
        for (uint32_t k = 0; k < st->n_held; k++)
            if (pos_less(st->held_pos[k], cp)) cp = st->held_pos[k];
    }
    pthread_mutex_lock(&e->qlock);
    for (int i = 0; i < e->q_len; i++) {
        aj_journal_pos p = e->queue[(e->q_head + i) % AJ_ENGINE_QUEUE_BATCHES]->pos;
        if (pos_less(p, cp)) cp = p;
    }
    for (int i = 0; i < AJ_ENGINE_QUEUE_BATCHES; i++)
        if (e->reserved_used[i] && pos_less(e->reserved_floor[i], cp)) cp = e->reserved_floor[i];
    pthread_mutex_unlock(&e->qlock);
    /* A clean stop wrote every buffer (compressors flushed): nothing depends on the
     * journal any more, so the next start replays nothing. */
    if (is_final && n_failed_tags == 0 && e->n_held_tags == 0) cp = js.end;
    if (!err)
        err = aj_db_exec(db, "UPDATE ingest_checkpoint SET segment = ?, byte_offset = ? WHERE id = 1",
                         (aj_val[]){AJ_VINT((int64_t)cp.segment), AJ_VINT((int64_t)cp.offset)}, 2, NULL);
    if (!err) err = aj_db_commit(db);
    if (err) {
        aj_warn("engine: checkpoint not written: %s", aj_db_errmsg(db));
        aj_db_rollback(db);
    } else {
        aj_ea_persisted(e);
        /* Only now are the written buffers durable: their tags depend on nothing older. */
        for (uint32_t i = 0; i < e->n_tags; i++) {
            tag_state *st = e->tags[i];
            uint32_t n_new = st->n_buf - st->n_hot;
            bool is_due = n_new > 0 && (is_final || n_new >= AJ_ENGINE_CHUNK_POINTS ||
                                        e->watermark_ns - st->buf[st->n_hot].t_ns >= AJ_ENGINE_CHUNK_AGE_NS);
            if (!is_due) continue;
            atomic_fetch_add(&e->points_archived, n_new);
            atomic_fetch_add(&e->chunks_written, 1);
            __atomic_store_n(&st->durable_t, st->buf[st->n_buf - 1].t_ns, __ATOMIC_RELAXED);
            st->n_hot = st->n_buf; /* written: now part of the hot window */
            /* The compressor's pending state depends on the raw points after durable_t,
             * the first of which was being applied when that point was archived: replay
             * from there (points at or before durable_t are skipped). */
            st->has_replay_pos = !is_final;
            st->replay_pos = st->buf_last_pos;
        }
        aj_journal_truncate_before(e->journal, cp);
    }
    (void)n_written_tags;
    e->last_flush_ms = aj_engine_mono_ms();
}

/* Writes one tag's buffer as a chunk at once (engine thread, e->lock held). The
 * checkpoint moves at the next flush(); until then it only lags, which is safe. */
static void write_tag_now(aj_engine *e, tag_state *st) {
    uint32_t n_new = st->n_buf - st->n_hot;
    if (n_new == 0) return;
    aj_db *db = e->db;
    aj_err err = aj_archive_put_chunk(db, st->tag_id, st->buf + st->n_hot, n_new);
    if (err) {
        aj_warn("engine: tag %lld: archive write failed (%s); its %u buffered points are dropped",
                (long long)st->tag_id, aj_db_errmsg(db), n_new);
        st->n_buf = st->n_hot;
    } else {
        atomic_fetch_add(&e->points_archived, n_new);
        atomic_fetch_add(&e->chunks_written, 1);
        __atomic_store_n(&st->durable_t, st->buf[st->n_buf - 1].t_ns, __ATOMIC_RELAXED);
        st->has_replay_pos = true;
        st->replay_pos = st->buf_last_pos;
        st->n_hot = st->n_buf; /* written: now part of the hot window */
    }
}

/* ---- the engine thread --------------------------------------------------------------- */

static void *engine_main(void *arg) {
    aj_engine *e = arg;
    for (;;) {
        pthread_mutex_lock(&e->qlock);
        while (e->q_len == 0 && !e->is_stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += (long)AJ_ENGINE_FLUSH_INTERVAL_MS * 1000000L;
            while (until.tv_nsec >= 1000000000L) until.tv_nsec -= 1000000000L, until.tv_sec++;
            if (pthread_cond_timedwait(&e->q_nonempty, &e->qlock, &until) != 0) break;
        }
        batch *b = NULL;
        if (e->q_len > 0) {
            b = e->queue[e->q_head];
            e->q_head = (e->q_head + 1) % AJ_ENGINE_QUEUE_BATCHES;
            e->q_len--;
            e->is_busy = true;
        }
        bool is_stopping = e->is_stopping && e->q_len == 0 && !b;
        pthread_mutex_unlock(&e->qlock);
        if (is_stopping) break;
        aj_engine_lock(e);
        aj_er_rebind_if_wanted(e);
        aj_er_escalate_due(e);
        aj_ep_tick(e);
        aj_eh_tick(e);
        aj_ei_tick(e);
        aj_emh_tick(e);
        if (b) apply_batch(e, b);
        if (aj_engine_mono_ms() - e->last_flush_ms >= AJ_ENGINE_FLUSH_INTERVAL_MS || aj_ea_wants_flush(e))
            flush(e, false);
        aj_engine_unlock(e);
        free(b);
        if (b) {
            pthread_mutex_lock(&e->qlock);
            e->is_busy = false;
            e->n_applied_batches++;
            pthread_cond_broadcast(&e->q_drained);
            pthread_mutex_unlock(&e->qlock);
        }
    }
    return NULL;
}

void aj_engine_drain(aj_engine *e) {
    pthread_mutex_lock(&e->qlock);
    uint64_t target = e->n_submitted;
    while (e->n_applied_batches < target) pthread_cond_wait(&e->q_drained, &e->qlock);
    pthread_mutex_unlock(&e->qlock);
}

/* ---- start: replay ------------------------------------------------------------------- */

typedef struct replay_ctx {
    aj_engine *e;
    aj_db *db;
    uint64_t n_batches, n_bad;
} replay_ctx;

aj_err aj_engine_load_tag_by_id(aj_engine *e, aj_db *db, int64_t tag_id) {
    aj_val p = AJ_VINT(tag_id);
    aj_result *r;
    aj_err err = aj_db_query(db, "SELECT enterprise_id, key FROM tags WHERE id = ?", &p, 1, &r);
    if (err) return err;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return AJ_ENOTFOUND;
    }
    int64_t ent = aj_result_int(r, 0, 0), id;
    char key[1100];
    snprintf(key, sizeof key, "%s", aj_result_text(r, 0, 1));
    aj_result_free(r);
    return aj_engine_resolve(e, db, ent, key, &id);
}

static aj_err replay_one(void *ctx, aj_journal_pos pos, const uint8_t *payload, size_t len) {
    replay_ctx *rc = ctx;
    batch *b = decode_batch(pos, payload, len);
    if (!b) {
        rc->n_bad++; /* a record we cannot read: reported, not fatal */
        return AJ_OK;
    }
    for (size_t i = 0; i < b->n; i++) {
        aj_engine_lock(rc->e);
        bool is_known = find_by_id(rc->e, b->pts[i].tag_id) != NULL;
        aj_engine_unlock(rc->e);
        if (!is_known)
            aj_engine_load_tag_by_id(rc->e, rc->db, b->pts[i].tag_id); /* deleted tags stay unknown */
    }
    aj_engine_lock(rc->e);
    apply_batch(rc->e, b);
    aj_engine_unlock(rc->e);
    atomic_fetch_add(&rc->e->points_replayed, b->n);
    rc->n_batches++;
    free(b);
    return AJ_OK;
}

/* A journal directory belongs to one database: its file "owner" and the database's
 * ingest_checkpoint.journal_id hold the same random id. Replaying another database's
 * journal would put its points under this database's tag ids, so a mismatch refuses to
 * start. A new pair gets a fresh id. */
static aj_err bind_journal(aj_db *db, const char *dir, const char *db_id, char *err, size_t errlen) {
    char path[1200], file_id[64] = "";
    snprintf(path, sizeof path, "%s/owner", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(file_id, sizeof file_id, f)) file_id[0] = 0;
        fclose(f);
        file_id[strcspn(file_id, "\r\n")] = 0;
    }
    if (db_id[0] && file_id[0]) {
        if (strcmp(db_id, file_id) == 0) return AJ_OK;
        snprintf(err, errlen,
                 "the journal in %s belongs to another database (id %s, this database expects %s)", dir,
                 file_id, db_id);
        return AJ_ECONFLICT;
    }
    if (!db_id[0] && file_id[0]) {
        snprintf(
            err, errlen,
            "the journal in %s belongs to another database (id %s); give this database its own --journal-dir",
            dir, file_id);
        return AJ_ECONFLICT;
    }
    char id[33];
    if (db_id[0]) {
        snprintf(id, sizeof id, "%s", db_id);
        aj_warn("engine: journal %s had no owner file; it is now bound to this database again", dir);
    } else {
        unsigned char raw[16];
        FILE *u = fopen("/dev/urandom", "rb");
        if (!u || fread(raw, 1, sizeof raw, u) != sizeof raw) {
            if (u) fclose(u);
            snprintf(err, errlen, "cannot read /dev/urandom");
            return AJ_EIO;
        }
        fclose(u);
        for (int i = 0; i < 16; i++) snprintf(id + 2 * i, 3, "%02x", raw[i]);
    }
    f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", id) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        if (f) fclose(f);
        snprintf(err, errlen, "cannot write %s", path);
        return AJ_EIO;
    }
    fclose(f);
    if (db_id[0]) return AJ_OK;
    aj_val p = AJ_VTEXT(id);
    return aj_db_exec(db, "UPDATE ingest_checkpoint SET journal_id = ? WHERE id = 1", &p, 1, NULL);
}

aj_err aj_engine_start(aj_store *store, const char *journal_dir, const aj_engine_options *opts,
                       aj_engine **out, char *err, size_t errlen) {
    *out = NULL;
    if (opts &&
        (opts->reorder_ns < 0 || opts->reorder_ns > AJ_ENGINE_REORDER_MAX_NS || opts->retention_ns < 0)) {
        snprintf(err, errlen, "engine options out of bounds");
        return AJ_EINVAL;
    }
    aj_engine *e = calloc(1, sizeof *e);
    if (!e) return AJ_ENOMEM;
    if (opts) e->opts = *opts;
    e->store = store;
    e->watermark_ns = INT64_MIN;
    pthread_mutex_init(&e->lock, NULL);
    pthread_rwlock_init(&e->tlock, NULL);
    pthread_mutex_init(&e->qlock, NULL);
    pthread_cond_init(&e->q_nonempty, NULL);
    pthread_cond_init(&e->q_drained, NULL);
    aj_err rc = aj_journal_open(journal_dir, &e->journal, err, errlen);
    if (rc) {
        free(e);
        return rc;
    }
    aj_db *db = aj_store_acquire(store);
    aj_result *r = NULL;
    rc = aj_db_query(db, "SELECT segment, byte_offset, journal_id FROM ingest_checkpoint WHERE id = 1", NULL,
                     0, &r);
    aj_journal_pos from = {0, 0};
    char db_id[64] = "";
    if (!rc && aj_result_rows(r) == 1) {
        from = (aj_journal_pos){(uint64_t)aj_result_int(r, 0, 0), (uint64_t)aj_result_int(r, 0, 1)};
        if (!aj_result_is_null(r, 0, 2)) snprintf(db_id, sizeof db_id, "%s", aj_result_text(r, 0, 2));
    }
    aj_result_free(r);
    if (!rc) rc = bind_journal(db, journal_dir, db_id, err, errlen);
    if (!rc && (rc = aj_ea_init(e, db))) snprintf(err, errlen, "cannot load the alarm journal position");
    if (!rc && (rc = aj_ep_init(e))) snprintf(err, errlen, "out of memory");
    if (!rc && (rc = aj_emh_init(e))) snprintf(err, errlen, "out of memory");
    if (!rc && (rc = preload_tags(e, db)))
        snprintf(err, errlen, "cannot load the tags: %s", aj_db_errmsg(db));
    e->db = db; /* the reasoner writes incidents with the engine's connection */
    if (!rc) rc = aj_er_start(e, db, err, errlen);
    replay_ctx ctx = {e, db, 0, 0};
    e->is_replaying = true;
    if (!rc) rc = aj_journal_replay(e->journal, from, replay_one, &ctx, err, errlen);
    e->is_replaying = false;
    e->db = db; /* kept for the engine's whole life (see engine_internal.h) */
    if (rc) {
        aj_store_release(store, db);
        if (!err[0]) snprintf(err, errlen, "journal replay failed: %s", aj_err_name(rc));
        aj_journal_close(e->journal);
        for (uint32_t i = 0; i < e->n_tags; i++) free_tag(e->tags[i]);
        free(e->tags);
        free(e->by_id);
        free(e->by_key);
        free(e->held_tags);
        aj_er_free(e);
        aj_ep_free(e);
        aj_emh_free(e);
        aj_ea_free(e);
        free(e);
        return rc;
    }
    if (ctx.n_batches)
        aj_info("engine: replayed %llu journal records (%llu points) after an unclean stop%s",
                (unsigned long long)ctx.n_batches, (unsigned long long)atomic_load(&e->points_replayed),
                ctx.n_bad ? "; some records were unreadable" : "");
    aj_engine_lock(e);
    flush(e, false); /* make what was replayed durable, move the checkpoint */
    aj_engine_unlock(e);
    if (pthread_create(&e->thread, NULL, engine_main, e) != 0) {
        aj_store_release(store, e->db);
        aj_journal_close(e->journal);
        free(e);
        snprintf(err, errlen, "cannot start the engine thread");
        return AJ_ENOMEM;
    }
    e->is_running = true;
    *out = e;
    return AJ_OK;
}

void aj_engine_stop(aj_engine *e) {
    if (!e) return;
    pthread_mutex_lock(&e->qlock);
    e->is_stopping = true;
    pthread_cond_signal(&e->q_nonempty);
    pthread_mutex_unlock(&e->qlock);
    if (e->is_running) pthread_join(e->thread, NULL);
    aj_engine_lock(e);
    flush(e, true);
    aj_engine_unlock(e);
    aj_store_release(e->store, e->db);
    aj_journal_close(e->journal);
    for (uint32_t i = 0; i < e->n_tags; i++) free_tag(e->tags[i]);
    free(e->tags);
    free(e->by_id);
    free(e->by_key);
    free(e->held_tags);
    aj_er_free(e);
    aj_ep_free(e);
    aj_emh_free(e);
    aj_ea_free(e);
    pthread_cond_destroy(&e->q_nonempty);
    pthread_cond_destroy(&e->q_drained);
    pthread_mutex_destroy(&e->lock);
    pthread_rwlock_destroy(&e->tlock);
    pthread_mutex_destroy(&e->qlock);
    free(e);
}

/* ---- readers -------------------------------------------------------------------------- */

aj_err aj_engine_recent(aj_engine *e, int64_t tag_id, int64_t from_ns, int64_t to_ns, aj_archive_point_fn fn,
                        void *ctx) {
    aj_engine_lock(e);
    tag_state *st = find_by_id(e, tag_id);
    aj_err err = AJ_OK;
    /* The hot window (written points of the last minutes) and the unwritten ones. */
    uint32_t n = st ? st->n_buf : 0;
    aj_point *copy = n ? malloc(sizeof *copy * n) : NULL;
    if (n && !copy) err = AJ_ENOMEM;
    if (copy) memcpy(copy, st->buf, sizeof *copy * n);
    /* The compressor's snapshot (last raw point, not archived yet) is the live value. */
    aj_point snap;
    bool has_snap = st && st->c.has_snapshot && (n == 0 || st->c.snapshot.t_ns > copy[n - 1].t_ns);
    if (has_snap) snap = st->c.snapshot;
    aj_engine_unlock(e);
    for (uint32_t i = 0; !err && i < n; i++)
        if (copy[i].t_ns >= from_ns && copy[i].t_ns <= to_ns) err = fn(ctx, &copy[i]);
    if (!err && has_snap && snap.t_ns >= from_ns && snap.t_ns <= to_ns) {
        snap.tag_id = tag_id;
        err = fn(ctx, &snap);
    }
    free(copy);
    return err;
}

void aj_engine_stats_get(aj_engine *e, aj_engine_stats *out) {
    memset(out, 0, sizeof *out);
    out->points_accepted = atomic_load(&e->points_accepted);
    out->points_applied = atomic_load(&e->points_applied);
    out->points_late = atomic_load(&e->points_late);
    out->points_archived = atomic_load(&e->points_archived);
    out->chunks_written = atomic_load(&e->chunks_written);
    out->batches_refused = atomic_load(&e->batches_refused);
    out->points_replayed = atomic_load(&e->points_replayed);
    out->alarm_entries = atomic_load(&e->alarm_entries);
    out->alarm_points_late = atomic_load(&e->alarm_points_late);
    out->points_reordered = atomic_load(&e->points_reordered);
    out->chunks_expired = atomic_load(&e->chunks_expired);
    pthread_mutex_lock(&e->qlock);
    out->queue_depth = e->q_len;
    pthread_mutex_unlock(&e->qlock);
    aj_engine_lock(e);
    out->n_tags = (int)e->n_tags;
    out->watermark_ns = e->watermark_ns;
    aj_engine_unlock(e);
}
