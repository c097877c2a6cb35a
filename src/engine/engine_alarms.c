/* engine_alarms.c — the engine's alarms: one aj_alarm per definition of a tag, fed by
 * the points that passed the data-quality checks (the tag's quality alarm by the
 * quality conditions), timers fired by the alarm watermark, the alarm journal, state
 * persistence with the checkpoint, operator actions and live events.
 *
 * Persistence (docs/alarms.md, "Durability"): an alarm whose material state changed
 * (aj_alarm_material_hash) or that made a journal entry is "dirty"; the next flush
 * writes the pending journal entries, the dirty alarms' saved states and the audit
 * records in the same transaction as the archive checkpoint. After a crash the engine
 * restores each alarm from its saved state and the journal replay feeds it the points
 * after the saved clock again, which regenerates exactly the entries that were not yet
 * written (with the same journal ids). Operator actions are written at once, in their
 * own transaction, before the call returns.
 */
#include "audit/audit.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- lists --------------------------------------------------------------------------- */

static bool list_push(alarm_slot ***list, uint32_t *n, uint32_t *cap, alarm_slot *s) {
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 64;
        alarm_slot **grown = realloc(*list, sizeof *grown * c);
        if (!grown) return false;
        *list = grown;
        *cap = c;
    }
    (*list)[(*n)++] = s;
    return true;
}

static void list_remove(alarm_slot **list, uint32_t *n, const alarm_slot *s) {
    for (uint32_t i = 0; i < *n; i++)
        if (list[i] == s) {
            list[i] = list[--(*n)];
            return;
        }
}

/* After any input: schedule and mark for persistence. */
static void after_input(aj_engine *e, alarm_slot *s) {
    if (!s->is_dirty && aj_alarm_material_hash(&s->a) != s->saved_hash) {
        if (list_push(&e->dirty, &e->n_dirty, &e->cap_dirty, s)) s->is_dirty = true;
    }
    if (!s->is_timer_listed && aj_alarm_next_due(&s->a) != INT64_MAX) {
        if (list_push(&e->timers, &e->n_timers, &e->cap_timers, s)) s->is_timer_listed = true;
    }
}

/* ---- journal entries and events ------------------------------------------------------ */

static void fmt_time_ns(int64_t t_ns, char *buf, size_t size) {
    int64_t ms = t_ns >= 0 ? t_ns / 1000000 : -((-t_ns + 999999) / 1000000);
    aj_time_format_ms(ms, buf, size);
}

static json_t *num_or_null(double x) {
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *entry_json(const pending_entry *pe, const char *tag_key) {
    const aj_alarm_entry *en = &pe->en;
    char t[32];
    fmt_time_ns(en->t_ns, t, sizeof t);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(pe->id));
    json_object_set_new(o, "alarm_id", json_integer(en->alarm_id));
    json_object_set_new(o, "tag_id", json_integer(pe->tag_id));
    if (tag_key) json_object_set_new(o, "tag_key", json_string(tag_key));
    json_object_set_new(o, "kind", json_string(pe->kind));
    json_object_set_new(o, "priority", json_string(aj_alarm_priority_name(en->priority)));
    json_object_set_new(o, "from", json_string(aj_alarm_state_name(en->from)));
    json_object_set_new(o, "to", json_string(aj_alarm_state_name(en->to)));
    json_object_set_new(o, "cause", json_string(aj_alarm_cause_name(en->cause)));
    json_object_set_new(o, "t", json_string(t));
    json_object_set_new(o, "t_ns", json_integer(en->t_ns));
    json_object_set_new(o, "value", num_or_null(en->value));
    json_object_set_new(o, "limit", num_or_null(en->limit));
    json_object_set_new(o, "is_condition_active", json_boolean(en->is_condition_active));
    json_object_set_new(o, "is_chattering", json_boolean(en->is_chattering));
    json_object_set_new(o, "user", en->user ? json_string(en->user) : json_null());
    json_object_set_new(o, "comment", en->comment ? json_string(en->comment) : json_null());
    if (en->suppressor_id) json_object_set_new(o, "suppressor_id", json_integer(en->suppressor_id));
    if (en->shelve_until_ns) {
        fmt_time_ns(en->shelve_until_ns, t, sizeof t);
        json_object_set_new(o, "shelve_until", json_string(t));
    }
    return o;
}

static void publish_entry(aj_engine *e, const pending_entry *pe, const char *tag_key) {
    json_t *o = entry_json(pe, tag_key);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text) {
        aj_events_publish(e->events, AJ_EVENT_ALARM, pe->id, pe->enterprise_id, pe->site_id, pe->tag_id,
                          text);
        free(text);
    }
}

static void quality_comment(uint32_t bits, char *out, size_t size) {
    size_t len = 0;
    out[0] = 0;
    for (int c = 0; c < AJ_QC_N; c++)
        if (bits & (1u << c)) {
            int n = snprintf(out + len, size - len, "%s%s", len ? ", " : "",
                             aj_quality_cond_name((aj_quality_cond)c));
            if (n < 0 || (size_t)n >= size - len) break;
            len += (size_t)n;
        }
}

/* aj_alarm journal callback (ctx: the slot). */
static void journal_cb(void *ctx, const aj_alarm_entry *en) {
    alarm_slot *s = ctx;
    tag_state *st = s->tag;
    aj_engine *e = s->e;
    if (e->n_pending == e->cap_pending) {
        uint32_t c = e->cap_pending ? e->cap_pending * 2 : 256;
        pending_entry *grown = realloc(e->pending, sizeof *grown * c);
        if (!grown) {
            aj_error("engine: out of memory: alarm journal entry of alarm %lld lost",
                     (long long)en->alarm_id);
            return;
        }
        /* each entry's user/comment point into the entry itself: move them with it */
        for (uint32_t i = 0; i < e->n_pending; i++) {
            if (grown[i].en.user) grown[i].en.user = grown[i].user;
            if (grown[i].en.comment) grown[i].en.comment = grown[i].comment;
        }
        e->pending = grown;
        e->cap_pending = c;
    }
    pending_entry *pe = &e->pending[e->n_pending++];
    memset(pe, 0, sizeof *pe);
    pe->id = e->next_journal_id++;
    pe->enterprise_id = st->enterprise_id;
    pe->site_id = st->site_id;
    pe->tag_id = st->tag_id;
    pe->recorded_ms = aj_time_now_ms();
    pe->en = *en;
    snprintf(pe->kind, sizeof pe->kind, "%s", aj_alarm_def_row_kind_name(&s->row));
    pe->en.user = NULL;
    pe->en.comment = NULL;
    if (en->user) {
        snprintf(pe->user, sizeof pe->user, "%s", en->user);
        pe->en.user = pe->user;
    }
    if (en->comment) {
        snprintf(pe->comment, sizeof pe->comment, "%s", en->comment);
        pe->en.comment = pe->comment;
    } else if (s->row.is_quality && en->is_condition_active) {
        quality_comment(st->diag_bits, pe->comment, sizeof pe->comment);
        if (pe->comment[0]) pe->en.comment = pe->comment;
    }
    snprintf(pe->actor, sizeof pe->actor, "%s", en->user && e->cur_actor ? e->cur_actor : "system");
    s->since_ns = en->t_ns;
    if (!s->is_dirty && list_push(&e->dirty, &e->n_dirty, &e->cap_dirty, s)) s->is_dirty = true;
    atomic_fetch_add(&e->alarm_entries, 1);
    if (!e->is_deferring_events) {
        publish_entry(e, pe, st->key);
        e->n_published = e->n_pending;
    }
}

/* ---- slots ---------------------------------------------------------------------------- */

static alarm_slot *slot_new(aj_engine *e, tag_state *st, const aj_alarm_def_row *row) {
    alarm_slot *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->row = *row;
    aj_alarm_def_row_fix(&s->row);
    s->row.def.tag_id = st->tag_id;
    s->tag = st;
    s->e = e;
    s->restored_clock = INT64_MIN;
    if (aj_alarm_init(&s->a, &s->row.def, journal_cb, s) != AJ_OK) {
        free(s);
        return NULL;
    }
    s->saved_hash = aj_alarm_material_hash(&s->a);
    return s;
}

static void slot_restore(alarm_slot *s, const void *saved, size_t len, int64_t since_ns) {
    if (aj_alarm_restore(&s->a, saved, len) != AJ_OK) {
        aj_warn("engine: alarm %lld: saved state unreadable; it starts normal", (long long)s->row.def.id);
        return;
    }
    s->restored_clock = s->a.now_ns;
    s->since_ns = since_ns;
    s->saved_hash = aj_alarm_material_hash(&s->a);
}

static alarm_slot *find_slot(tag_state *st, int64_t alarm_id) {
    for (int i = 0; i < st->n_alarms; i++)
        if (st->alarms[i]->row.def.id == alarm_id) return st->alarms[i];
    return NULL;
}

/* The quality alarm's slot, made on first use. */
static alarm_slot *quality_slot(aj_engine *e, tag_state *st) {
    if (!st->quality_alarm_id) return NULL;
    alarm_slot *s = find_slot(st, st->quality_alarm_id);
    if (s || st->n_alarms >= AJ_ALARM_DEFS_PER_TAG) return s;
    aj_alarm_def_row row;
    memset(&row, 0, sizeof row);
    row.is_quality = true;
    row.def.id = st->quality_alarm_id;
    row.def.kind = AJ_ALARM_KIND_DISCRETE;
    row.def.priority = AJ_PRIO_DIAGNOSTIC;
    row.def.setpoint = 1;
    row.def.shelve_max_ns = AJ_ALARM_SHELVE_MAX_DEFAULT_NS;
    row.enterprise_id = st->enterprise_id;
    s = slot_new(e, st, &row);
    if (s) st->alarms[st->n_alarms++] = s;
    return s;
}

static void slot_free(aj_engine *e, alarm_slot *s) {
    if (e) {
        if (s->is_dirty) list_remove(e->dirty, &e->n_dirty, s);
        if (s->is_timer_listed) list_remove(e->timers, &e->n_timers, s);
    }
    free(s);
}

/* Adds a definition to its tag (st not shared yet, or e->lock held). */
static void add_def(aj_engine *e, tag_state *st, const aj_alarm_def_row *row) {
    if (row->is_quality) {
        st->quality_alarm_id = row->def.id; /* its slot is made on first use */
        return;
    }
    if (st->n_alarms >= AJ_ALARM_DEFS_PER_TAG) return;
    alarm_slot *s = slot_new(e, st, row);
    if (s) st->alarms[st->n_alarms++] = s; /* an unusable definition: the loader filtered those */
}

/* Restores an alarm of st from its saved state. */
static void restore_saved(aj_engine *e, tag_state *st, int64_t alarm_id, const void *blob, size_t len,
                          int64_t since_ns) {
    alarm_slot *s = find_slot(st, alarm_id);
    if (!s && st->quality_alarm_id == alarm_id) s = quality_slot(e, st);
    if (s && blob) slot_restore(s, blob, len, since_ns);
}

/* Loads the tag's definitions and saved states into st (engine pointer e). */
static aj_err load_slots(aj_engine *e, aj_db *db, tag_state *st) {
    aj_alarm_def_row rows[AJ_ALARM_DEFS_PER_TAG];
    size_t n = 0;
    aj_err err = aj_alarm_defs_load(db, st->tag_id, rows, AJ_ALARM_DEFS_PER_TAG, &n);
    if (err) return err;
    for (size_t i = 0; i < n; i++) add_def(e, st, &rows[i]);
    aj_val p = AJ_VINT(st->tag_id);
    aj_result *r = NULL;
    err = aj_db_query(db,
                      "SELECT s.alarm_id, s.saved, s.since_ns FROM alarm_state s JOIN alarm_defs d ON d.id = "
                      "s.alarm_id WHERE d.tag_id = ? AND d.is_retired = 0",
                      &p, 1, &r);
    if (err) return err;
    for (int k = 0; k < aj_result_rows(r); k++) {
        size_t len = 0;
        const void *blob = aj_result_blob(r, k, 1, &len);
        restore_saved(e, st, aj_result_int(r, k, 0), blob, len, aj_result_int(r, k, 2));
    }
    aj_result_free(r);
    return AJ_OK;
}

static void preload_def(void *ctx, const aj_alarm_def_row *row) {
    aj_engine *e = ctx;
    tag_state *st = aj_engine_find_tag(e, row->def.tag_id);
    if (st) add_def(e, st, row);
}

aj_err aj_ea_preload(aj_engine *e, aj_db *db) {
    aj_err err = aj_alarm_defs_load_all(db, preload_def, e);
    if (err) return err;
    aj_result *r;
    err = aj_db_query(
        db,
        "SELECT d.tag_id, s.alarm_id, s.saved, s.since_ns FROM alarm_state s JOIN alarm_defs d ON "
        "d.id = s.alarm_id WHERE d.is_retired = 0",
        NULL, 0, &r);
    if (err) return err;
    for (int k = 0; k < aj_result_rows(r); k++) {
        tag_state *st = aj_engine_find_tag(e, aj_result_int(r, k, 0));
        size_t len = 0;
        const void *blob = aj_result_blob(r, k, 2, &len);
        if (st) restore_saved(e, st, aj_result_int(r, k, 1), blob, len, aj_result_int(r, k, 3));
    }
    aj_result_free(r);
    return AJ_OK;
}

aj_err aj_ea_load_tag(aj_engine *e, aj_db *db, tag_state *st) {
    return load_slots(e, db, st);
}

void aj_ea_free_tag(tag_state *st) {
    for (int i = 0; i < st->n_alarms; i++) free(st->alarms[i]);
    st->n_alarms = 0;
}

/* ---- inputs --------------------------------------------------------------------------- */

int64_t aj_ea_watermark(const aj_engine *e) {
    if (e->watermark_ns == INT64_MIN) return INT64_MIN;
    int64_t wm = e->watermark_ns - AJ_ENGINE_LATENESS_NS;
    /* One source with a clock far ahead must not make every other tag stale or expire
     * shelving early: the watermark never runs ahead of the wall clock by more than
     * this. (Data stamped in the future, e.g. a simulator run, is still applied; its
     * timers then fire from the alarm's own points.) */
    int64_t cap = aj_time_now_ms() * 1000000LL + AJ_ENGINE_FUTURE_TOLERANCE_NS;
    return wm < cap ? wm : cap;
}

/* Is the point new for this alarm? During the replay, points the saved state already
 * reflects are skipped; live, a point behind the alarm's clock is counted late. */
static bool is_new_for(aj_engine *e, const alarm_slot *s, int64_t t_ns) {
    if (e->is_replaying && s->restored_clock != INT64_MIN && t_ns <= s->restored_clock) return false;
    if (t_ns < s->a.now_ns) {
        if (!e->is_replaying) atomic_fetch_add(&e->alarm_points_late, 1);
        return false;
    }
    return true;
}

static void feed_quality(aj_engine *e, tag_state *st, int64_t t_ns, bool is_active) {
    alarm_slot *s = quality_slot(e, st);
    if (!s || !is_new_for(e, s, t_ns)) return;
    aj_point p = {.tag_id = st->tag_id, .t_ns = t_ns, .value = is_active ? 1 : 0, .quality = AJ_QUALITY_GOOD};
    aj_alarm_process(&s->a, &p);
    after_input(e, s);
}

void aj_ea_quality_event(void *ctx, const aj_quality_event *ev) {
    ea_ctx *c = ctx;
    tag_state *st = c->st;
    uint32_t before = st->diag_bits;
    if (ev->is_begin)
        st->diag_bits |= 1u << ev->cond;
    else
        st->diag_bits &= ~(1u << ev->cond);
    if ((before != 0) != (st->diag_bits != 0)) feed_quality(c->e, st, ev->t_ns, st->diag_bits != 0);
}

void aj_ea_feed(aj_engine *e, tag_state *st, const aj_point *p) {
    for (int i = 0; i < st->n_alarms; i++) {
        alarm_slot *s = st->alarms[i];
        if (s->row.is_quality) {
            /* A clean point with no condition left clears a quality alarm restored active
             * (the conditions themselves are not persisted). */
            if (st->diag_bits == 0 && p->quality == AJ_QUALITY_GOOD && s->a.is_active)
                feed_quality(e, st, p->t_ns, false);
            continue;
        }
        if (!is_new_for(e, s, p->t_ns)) continue;
        if (aj_alarm_process(&s->a, p) == AJ_OK) after_input(e, s);
    }
    if (!e->is_replaying && aj_events_is_watched(e->events, st->tag_id)) {
        char t[32], text[256];
        fmt_time_ns(p->t_ns, t, sizeof t);
        const char *q = p->quality == AJ_QUALITY_GOOD  ? "good"
                        : p->quality == AJ_QUALITY_BAD ? "bad"
                                                       : "uncertain";
        if (isfinite(p->value))
            snprintf(text, sizeof text,
                     "{\"tag_id\":%lld,\"t\":\"%s\",\"t_ns\":%lld,\"value\":%.17g,\"quality\":\"%s\"}",
                     (long long)st->tag_id, t, (long long)p->t_ns, p->value, q);
        else
            snprintf(text, sizeof text,
                     "{\"tag_id\":%lld,\"t\":\"%s\",\"t_ns\":%lld,\"value\":null,\"quality\":\"%s\"}",
                     (long long)st->tag_id, t, (long long)p->t_ns, q);
        aj_events_publish(e->events, AJ_EVENT_POINT, 0, st->enterprise_id, st->site_id, st->tag_id, text);
    }
}

void aj_ea_advance(aj_engine *e) {
    int64_t wm = aj_ea_watermark(e);
    if (wm == INT64_MIN) return;
    /* The reasoner's clock is the newest event time less the lateness, not capped at the
     * wall clock: recorded or simulated data stamped ahead of now is reasoned over at its
     * own times (docs/reasoning.md "Clock"). */
    aj_er_advance(e, e->watermark_ns - AJ_ENGINE_LATENESS_NS);
    for (uint32_t i = 0; i < e->n_timers;) {
        alarm_slot *s = e->timers[i];
        if (aj_alarm_next_due(&s->a) <= wm) {
            aj_alarm_advance(&s->a, wm);
            if (!s->is_dirty && aj_alarm_material_hash(&s->a) != s->saved_hash &&
                list_push(&e->dirty, &e->n_dirty, &e->cap_dirty, s))
                s->is_dirty = true;
        }
        if (aj_alarm_next_due(&s->a) == INT64_MAX) {
            s->is_timer_listed = false;
            e->timers[i] = e->timers[--e->n_timers];
        } else {
            i++;
        }
    }
}

bool aj_ea_wants_flush(const aj_engine *e) {
    return e->n_pending >= AJ_ENGINE_ALARM_PENDING_MAX;
}

/* ---- persistence ---------------------------------------------------------------------- */

static aj_err write_entry(aj_db *db, const pending_entry *pe) {
    const aj_alarm_entry *en = &pe->en;
    char at[32];
    aj_time_format_ms(pe->recorded_ms, at, sizeof at);
    aj_val v[19] = {AJ_VINT(pe->id),
                    AJ_VINT(pe->enterprise_id),
                    AJ_VINT(en->alarm_id),
                    AJ_VINT(pe->tag_id),
                    AJ_VINT(en->t_ns),
                    AJ_VTEXT(aj_alarm_state_name(en->from)),
                    AJ_VTEXT(aj_alarm_state_name(en->to)),
                    AJ_VTEXT(aj_alarm_cause_name(en->cause)),
                    isfinite(en->value) ? AJ_VDBL(en->value) : AJ_VNULL,
                    isfinite(en->limit) ? AJ_VDBL(en->limit) : AJ_VNULL,
                    AJ_VTEXT(aj_alarm_priority_name(en->priority)),
                    AJ_VINT(en->is_condition_active ? 1 : 0),
                    AJ_VINT(en->is_chattering ? 1 : 0),
                    AJ_VTEXT(en->user),
                    AJ_VTEXT(en->comment),
                    en->suppressor_id ? AJ_VINT(en->suppressor_id) : AJ_VNULL,
                    en->shelve_until_ns ? AJ_VINT(en->shelve_until_ns) : AJ_VNULL,
                    AJ_VTEXT(at),
                    AJ_VTEXT(pe->kind)};
    aj_err err =
        aj_db_exec(db,
                   "INSERT INTO alarm_journal (id, enterprise_id, alarm_id, tag_id, t_ns, from_state, "
                   "to_state, cause, value, limit_value, priority, is_condition_active, is_chattering, "
                   "user_name, comment, suppressor_id, shelve_until_ns, recorded_at) VALUES (?, ?, ?, ?, ?, "
                   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   v, 18, NULL);
    if (err) return err;
    char action[64], oid[32];
    snprintf(action, sizeof action, "alarms.%s", aj_alarm_cause_name(en->cause));
    snprintf(oid, sizeof oid, "%lld", (long long)en->alarm_id);
    json_t *after = entry_json(pe, NULL);
    aj_audit_entry ae = {pe->enterprise_id, pe->actor, action, "alarm", oid, NULL, after};
    err = aj_audit_append(db, &ae);
    json_decref(after);
    return err;
}

static aj_err write_state(aj_db *db, const alarm_slot *s) {
    uint8_t saved[AJ_ALARM_SAVED_MAX];
    size_t len = aj_alarm_save(&s->a, saved, sizeof saved);
    if (len == 0) return AJ_EINVAL;
    aj_alarm_status status;
    aj_alarm_get_status(&s->a, &status);
    aj_val v[6] = {AJ_VINT(s->row.def.id),
                   AJ_VTEXT(aj_alarm_state_name(status.state)),
                   AJ_VINT(status.is_condition_active ? 1 : 0),
                   status.has_value && isfinite(status.value) ? AJ_VDBL(status.value) : AJ_VNULL,
                   AJ_VINT(s->since_ns),
                   AJ_VBLOB(saved, len)};
    return aj_db_exec(
        db,
        "INSERT INTO alarm_state (alarm_id, state, is_condition_active, value, since_ns, saved) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alarm_id) DO UPDATE SET state = excluded.state, "
        "is_condition_active = excluded.is_condition_active, value = excluded.value, "
        "since_ns = excluded.since_ns, saved = excluded.saved",
        v, 6, NULL);
}

aj_err aj_ea_persist(aj_engine *e, aj_db *db) {
    aj_err err = AJ_OK;
    for (uint32_t i = 0; !err && i < e->n_pending; i++) err = write_entry(db, &e->pending[i]);
    for (uint32_t i = 0; !err && i < e->n_dirty; i++) err = write_state(db, e->dirty[i]);
    return err;
}

void aj_ea_persisted(aj_engine *e) {
    for (uint32_t i = e->n_published; i < e->n_pending; i++) {
        tag_state *st = aj_engine_find_tag(e, e->pending[i].tag_id);
        publish_entry(e, &e->pending[i], st ? st->key : NULL);
    }
    e->n_pending = 0;
    e->n_published = 0;
    for (uint32_t i = 0; i < e->n_dirty; i++) {
        alarm_slot *s = e->dirty[i];
        s->saved_hash = aj_alarm_material_hash(&s->a);
        s->is_dirty = false;
    }
    e->n_dirty = 0;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

/* Tags without any alarm definition (made before alarms existed, or by a tool that
 * does not generate them) get their generated ones. */
static aj_err sync_missing(aj_db *db) {
    aj_result *r;
    aj_err err = aj_db_query(db,
                             "SELECT t.id, t.enterprise_id FROM tags t WHERE NOT EXISTS "
                             "(SELECT 1 FROM alarm_defs d WHERE d.tag_id = t.id) ORDER BY t.id",
                             NULL, 0, &r);
    if (err || aj_result_rows(r) == 0) {
        aj_result_free(r);
        return err;
    }
    err = aj_db_begin(db);
    for (int i = 0; !err && i < aj_result_rows(r); i++)
        err = aj_alarm_defs_sync(db, aj_result_int(r, i, 1), aj_result_int(r, i, 0), "system", NULL);
    if (!err) err = aj_db_commit(db);
    if (err) {
        aj_warn("engine: default alarms not generated: %s", aj_db_errmsg(db));
        aj_db_rollback(db);
    } else {
        aj_info("engine: generated the default alarms of %d tags", aj_result_rows(r));
    }
    aj_result_free(r);
    return err;
}

aj_err aj_ea_init(aj_engine *e, aj_db *db) {
    e->events = aj_events_new();
    if (!e->events) return AJ_ENOMEM;
    aj_err sync_err = sync_missing(db);
    if (sync_err) return sync_err;
    int64_t max_id = 0;
    aj_err err = aj_db_query_int(db, "SELECT COALESCE(MAX(id), 0) FROM alarm_journal", NULL, 0, &max_id);
    e->next_journal_id = max_id + 1;
    return err;
}

void aj_ea_free(aj_engine *e) {
    free(e->dirty);
    free(e->timers);
    free(e->pending);
    e->dirty = NULL;
    e->timers = NULL;
    e->pending = NULL;
    if (e->events) aj_events_free(e->events);
    e->events = NULL;
}

aj_events *aj_engine_events(aj_engine *e) {
    return e->events;
}

/* ---- public: actions, status, reload --------------------------------------------------- */

static aj_err apply_act(alarm_slot *s, int64_t t, const aj_alarm_act *act) {
    aj_alarm *a = &s->a;
    switch (act->kind) {
    case AJ_ALARM_ACT_ACK:
        return aj_alarm_ack(a, t, act->user, act->comment);
    case AJ_ALARM_ACT_RESET:
        return aj_alarm_reset(a, t, act->user, act->comment);
    case AJ_ALARM_ACT_SHELVE:
        return aj_alarm_shelve(a, t, act->shelve_kind, act->duration_ns, act->user, act->comment);
    case AJ_ALARM_ACT_UNSHELVE:
        return aj_alarm_unshelve(a, t, act->user, act->comment);
    case AJ_ALARM_ACT_REMOVE_FROM_SERVICE:
        return aj_alarm_remove_from_service(a, t, act->user, act->comment);
    case AJ_ALARM_ACT_RETURN_TO_SERVICE:
        return aj_alarm_return_to_service(a, t, act->user, act->comment);
    case AJ_ALARM_ACT_SUPPRESS:
        return aj_alarm_suppress(a, t, act->suppressor_id);
    case AJ_ALARM_ACT_UNSUPPRESS:
        return aj_alarm_unsuppress(a, t, act->suppressor_id);
    default:
        return AJ_EINVAL;
    }
}

/* Finds (loading the tag if the engine does not hold it yet) the slot; e->lock held on
 * return when *out is set. */
static aj_err lock_slot(aj_engine *e, int64_t tag_id, int64_t alarm_id, alarm_slot **out) {
    *out = NULL;
    aj_engine_lock(e);
    tag_state *st = aj_engine_find_tag(e, tag_id);
    if (!st) {
        aj_engine_unlock(e);
        aj_db *db = aj_store_acquire(e->store);
        aj_err err = aj_engine_load_tag_by_id(e, db, tag_id);
        aj_store_release(e->store, db);
        if (err) return err;
        aj_engine_lock(e);
        st = aj_engine_find_tag(e, tag_id);
    }
    alarm_slot *s = st ? find_slot(st, alarm_id) : NULL;
    if (!s && st && st->quality_alarm_id == alarm_id) s = quality_slot(e, st);
    if (!s) {
        aj_engine_unlock(e);
        return AJ_ENOTFOUND;
    }
    *out = s;
    return AJ_OK;
}

aj_err aj_engine_alarm_act(aj_engine *e, int64_t tag_id, int64_t alarm_id, const aj_alarm_act *act,
                           aj_alarm_status *out) {
    alarm_slot *s;
    aj_err err = lock_slot(e, tag_id, alarm_id, &s);
    if (err) return err;
    uint8_t saved[AJ_ALARM_SAVED_MAX];
    size_t saved_len = aj_alarm_save(&s->a, saved, sizeof saved);
    bool was_dirty = s->is_dirty;
    uint32_t mark = e->n_pending;
    int64_t mark_id = e->next_journal_id;
    /* The action happens at the tag's own event time (its latest point; never behind the
     * alarm's clock), so a source running behind the others keeps its alarms in step;
     * without points, at the engine's watermark, else the wall clock. */
    int64_t t = s->a.now_ns;
    if (s->tag->has_last && s->tag->last_t > t) t = s->tag->last_t;
    if (t == INT64_MIN) t = aj_ea_watermark(e);
    if (t == INT64_MIN || t < 0) t = aj_time_now_ms() * 1000000LL;
    e->is_deferring_events = true;
    e->cur_actor = act->actor;
    err = apply_act(s, t, act);
    e->cur_actor = NULL;
    if (!err) {
        after_input(e, s);
        if (!s->is_dirty && list_push(&e->dirty, &e->n_dirty, &e->cap_dirty, s)) s->is_dirty = true;
        aj_db *db = e->db; /* the engine's connection: we hold its lock */
        err = aj_db_begin(db);
        if (!err) err = aj_ea_persist(e, db);
        if (!err) err = aj_db_commit(db);
        if (err) {
            aj_warn("engine: alarm %lld: action not written: %s", (long long)alarm_id, aj_db_errmsg(db));
            aj_db_rollback(db);
            err = AJ_EIO;
        }
    }
    if (err && err != AJ_EINVAL && err != AJ_ECONFLICT && err != AJ_ENOTFOUND && err != AJ_ETOOBIG) {
        /* The store failed: undo the action in memory too. */
        if (saved_len) aj_alarm_restore(&s->a, saved, saved_len);
        e->n_pending = mark;
        e->next_journal_id = mark_id;
        if (!was_dirty && s->is_dirty) {
            list_remove(e->dirty, &e->n_dirty, s);
            s->is_dirty = false;
        }
    } else if (!err) {
        aj_ea_persisted(e); /* publishes the action's entries */
    }
    /* A refused action made no entry, but timers due by t may have fired: publish them
     * now (they are written at the next flush). */
    for (uint32_t i = e->n_published; i < e->n_pending; i++) {
        tag_state *st = aj_engine_find_tag(e, e->pending[i].tag_id);
        publish_entry(e, &e->pending[i], st ? st->key : NULL);
    }
    e->n_published = e->n_pending;
    e->is_deferring_events = false;
    if (out) aj_alarm_get_status(&s->a, out);
    aj_engine_unlock(e);
    return err;
}

int aj_ea_suppress_tag(aj_engine *e, tag_state *st, int64_t suppressor_id, bool is_on, int64_t t_ns,
                       const char *actor) {
    int n = 0;
    e->cur_actor = actor;
    for (int i = 0; i < st->n_alarms; i++) {
        alarm_slot *s = st->alarms[i];
        if (s->row.is_quality) continue; /* data-quality diagnostics stay visible */
        int64_t t = t_ns > s->a.now_ns ? t_ns : s->a.now_ns;
        aj_err err =
            is_on ? aj_alarm_suppress(&s->a, t, suppressor_id) : aj_alarm_unsuppress(&s->a, t, suppressor_id);
        if (err) continue;
        n++;
        after_input(e, s);
        if (!s->is_dirty && list_push(&e->dirty, &e->n_dirty, &e->cap_dirty, s)) s->is_dirty = true;
    }
    e->cur_actor = NULL;
    return n;
}

aj_err aj_engine_alarm_status(aj_engine *e, int64_t tag_id, int64_t alarm_id, aj_alarm_status *out) {
    aj_engine_lock(e);
    tag_state *st = aj_engine_find_tag(e, tag_id);
    alarm_slot *s = st ? find_slot(st, alarm_id) : NULL;
    if (s) aj_alarm_get_status(&s->a, out);
    aj_engine_unlock(e);
    return s ? AJ_OK : AJ_ENOTFOUND;
}

aj_err aj_engine_reload_alarms(aj_engine *e, int64_t tag_id) {
    aj_alarm_def_row rows[AJ_ALARM_DEFS_PER_TAG];
    size_t n = 0;
    aj_db *db = aj_store_acquire(e->store);
    aj_err err = aj_alarm_defs_load(db, tag_id, rows, AJ_ALARM_DEFS_PER_TAG, &n);
    aj_store_release(e->store, db);
    if (err) return err;
    aj_engine_lock(e);
    tag_state *st = aj_engine_find_tag(e, tag_id);
    if (!st) {
        aj_engine_unlock(e);
        return AJ_OK; /* loaded with the new definitions when its first point comes */
    }
    alarm_slot *next[AJ_ALARM_DEFS_PER_TAG];
    int n_next = 0;
    st->quality_alarm_id = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].is_quality) st->quality_alarm_id = rows[i].def.id;
        alarm_slot *old = find_slot(st, rows[i].def.id);
        if (rows[i].is_quality && !old) continue;
        alarm_slot *s = slot_new(e, st, &rows[i]);
        if (!s) continue;
        if (old) { /* same alarm, new settings: keep its state */
            uint8_t saved[AJ_ALARM_SAVED_MAX];
            size_t len = aj_alarm_save(&old->a, saved, sizeof saved);
            if (len && aj_alarm_restore(&s->a, saved, len) == AJ_OK) {
                s->since_ns = old->since_ns;
                s->saved_hash = old->saved_hash;
            }
        }
        next[n_next++] = s;
    }
    for (int i = 0; i < st->n_alarms; i++) slot_free(e, st->alarms[i]);
    st->n_alarms = 0;
    for (int i = 0; i < n_next; i++) {
        st->alarms[st->n_alarms++] = next[i];
        after_input(e, next[i]);
        if (!next[i]->is_dirty && list_push(&e->dirty, &e->n_dirty, &e->cap_dirty, next[i]))
            next[i]->is_dirty = true;
    }
    aj_engine_unlock(e);
    return AJ_OK;
}
