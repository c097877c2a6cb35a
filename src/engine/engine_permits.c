/* engine_permits.c — live interlocks of active work permits (docs/permits.md "Interlocks").
 *
 * The engine keeps a guard table: each active permit (issued, in progress, paused) with
 * the gas detectors that watch it — every gas tag of its area (a gas alarm there holds
 * the permit) and every gas tag within AJ_PERMIT_INTERLOCK_RADIUS_M of its work point
 * (a reading above the gas-analysis pass limit holds it). Each point of a guarded tag is
 * judged as it is applied, on the engine thread, so a permit is suspended within the
 * same batch as the point that crossed the limit: the permit is paused, a gas re-test is
 * required, the people on it are notified and a live `permit` event goes out. When every
 * detector of the permit is back in limits and no gas alarm of its area is active, the
 * interlock clears (the work still needs a passing re-test to resume). The same table
 * ends permits whose validity is over (expire). The table is read again from the store
 * when a permit changes (aj_engine_permits_changed) and every AJ_PERMIT_GUARD_RELOAD_MS. */
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine_internal.h"
#include "permit/gases.h"
#include "permit/permit_db.h"
#include "permit/simops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERMIT_ACTOR "system:interlock"

typedef struct pg_permit {
    int64_t id, enterprise_id, site_id, valid_to_ms;
    bool is_tripped;           /* the store holds an interlock */
    int64_t monitoring_due_ms; /* confined space in progress: the next monitoring record; 0: none */
} pg_permit;

typedef struct pg_entry {
    int64_t tag_id;
    int permit;     /* index into permits */
    bool has_limit; /* near the work point: judged against limit */
    double limit;   /* in the tag's unit */
    bool is_area;   /* in the permit's area: its gas alarms hold the permit */
    double distance_m;
    bool is_seen; /* judged since the table was loaded */
    bool is_tripping;
    double value;
    char key[AJ_PERMIT_TAG_KEY_LEN_MAX + 1];
    char unit[16];
} pg_entry;

struct aj_pguard {
    pg_permit *permits;
    int n_permits;
    pg_entry *entries;
    int n_entries;
    int64_t next_reload_ms, next_expiry_ms;
};

aj_err aj_ep_init(aj_engine *e) {
    e->pguard = calloc(1, sizeof *e->pguard);
    if (!e->pguard) return AJ_ENOMEM;
    atomic_store(&e->is_permits_reload_wanted, true);
    return AJ_OK;
}

static void clear_table(aj_engine *e) {
    struct aj_pguard *g = e->pguard;
    for (int i = 0; i < g->n_entries; i++) {
        tag_state *st = aj_engine_find_tag(e, g->entries[i].tag_id);
        if (st) st->is_guarded = false;
    }
    free(g->permits);
    free(g->entries);
    g->permits = NULL;
    g->entries = NULL;
    g->n_permits = g->n_entries = 0;
}

void aj_ep_free(aj_engine *e) {
    if (!e->pguard) return;
    free(e->pguard->permits);
    free(e->pguard->entries);
    free(e->pguard);
    e->pguard = NULL;
}

void aj_engine_permits_changed(aj_engine *e) {
    atomic_store(&e->is_permits_reload_wanted, true);
}

static void publish(aj_engine *e, const aj_permit_ref *ref, const char *change, const char *cause) {
    char *text = aj_permit_event_text(ref, change, cause, PERMIT_ACTOR);
    if (text && e->events)
        aj_events_publish(e->events, AJ_EVENT_PERMIT, 0, ref->enterprise_id, ref->site_id, 0, text);
    free(text);
}

/* The most a detector may read near a permit (false: no upper limit applies). */
static bool tag_limit(const aj_result *r, int i, double *limit) {
    const char *unit = aj_result_text(r, i, 7);
    const aj_gas_info *gas = aj_gas_find(aj_result_text(r, i, 8));
    int u = aj_gas_unit_parse(unit);
    if (u < 0) return false;
    double oel = aj_result_is_null(r, i, 9) ? 0 : aj_result_double(r, i, 9);
    if (!gas && u == AJ_GAS_UNIT_PPM && oel > 0) {
        *limit = oel;
        return true;
    }
    return aj_gas_detector_limit(gas, (aj_gas_unit)u, oel, limit);
}

static bool has_active_gas_alarm(const tag_state *st);

/* An entry starts from its tag's latest state when the engine has a recent one, so a
 * permit's interlock holds or clears at once instead of waiting for every detector to
 * report again (report-by-exception sources send nothing while the reading is steady). */
static void start_from_tag(pg_entry *en, const tag_state *st) {
    int64_t now_ns = aj_time_now_ms() * 1000000LL;
    if (!st || !st->q.has_last || !isfinite(st->q.last_value) ||
        st->q.last_t_ns < now_ns - AJ_PERMIT_DETECTOR_FRESH_MS * 1000000LL)
        return; /* unknown or silent: it counts as not seen, the interlock is not cleared on it */
    en->is_seen = true;
    en->value = st->q.last_value;
    en->is_tripping = (en->has_limit && en->value > en->limit) || (en->is_area && has_active_gas_alarm(st));
}

static void add_pairs(aj_engine *e, const aj_result *pr, const aj_result *tr) {
    struct aj_pguard *g = e->pguard;
    for (int i = 0; i < aj_result_rows(pr) && g->n_permits < AJ_PERMIT_GUARD_PERMITS_MAX; i++) {
        pg_permit *p = &g->permits[g->n_permits];
        *p = (pg_permit){aj_result_int(pr, i, 0), aj_result_int(pr, i, 1),      aj_result_int(pr, i, 2),
                         aj_result_int(pr, i, 6), aj_result_int(pr, i, 7) != 0, 0};
        if (!strcmp(aj_result_text(pr, i, 8), "confined_space") &&
            !strcmp(aj_result_text(pr, i, 9), "in_progress") && !aj_result_is_null(pr, i, 10))
            p->monitoring_due_ms = aj_result_int(pr, i, 10) + AJ_PERMIT_MONITORING_MS;
        int64_t area = aj_result_is_null(pr, i, 3) ? 0 : aj_result_int(pr, i, 3);
        double px = aj_result_double(pr, i, 4), py = aj_result_double(pr, i, 5);
        for (int k = 0; k < aj_result_rows(tr) && g->n_entries < AJ_PERMIT_GUARD_ENTRIES_MAX; k++) {
            if (aj_result_int(tr, k, 1) != p->enterprise_id || aj_result_int(tr, k, 2) != p->site_id)
                continue;
            bool is_area = area && !aj_result_is_null(tr, k, 4) && aj_result_int(tr, k, 4) == area;
            bool has_pos = !aj_result_is_null(tr, k, 5) && !aj_result_is_null(tr, k, 6);
            double d = has_pos ? aj_distance_m(px, py, aj_result_double(tr, k, 5), aj_result_double(tr, k, 6))
                               : INFINITY;
            double limit = 0;
            bool has_limit = d <= AJ_PERMIT_INTERLOCK_RADIUS_M && tag_limit(tr, k, &limit);
            if (!is_area && !has_limit) continue;
            pg_entry *en = &g->entries[g->n_entries++];
            *en = (pg_entry){.tag_id = aj_result_int(tr, k, 0),
                             .permit = g->n_permits,
                             .has_limit = has_limit,
                             .limit = limit,
                             .is_area = is_area,
                             .distance_m = d};
            snprintf(en->key, sizeof en->key, "%s", aj_result_text(tr, k, 3));
            snprintf(en->unit, sizeof en->unit, "%s",
                     aj_result_text(tr, k, 7) ? aj_result_text(tr, k, 7) : "");
            tag_state *st = aj_engine_find_tag(e, en->tag_id);
            if (st) st->is_guarded = true;
            start_from_tag(en, st);
        }
        g->n_permits++;
    }
}

static void reload(aj_engine *e) {
    clear_table(e);
    struct aj_pguard *g = e->pguard;
    aj_result *pr = NULL, *tr = NULL;
    aj_val lim = AJ_VINT(AJ_PERMIT_GUARD_PERMITS_MAX);
    aj_err err = aj_db_query(e->db,
                             "SELECT id, enterprise_id, site_id, area_id, x, y, valid_to_ms, "
                             "CASE WHEN interlock_json IS NULL THEN 0 ELSE 1 END, type, state, "
                             "COALESCE(last_monitoring_ms, started_ms) FROM permits WHERE state IN "
                             "('issued', 'in_progress', 'paused') ORDER BY id LIMIT ?",
                             &lim, 1, &pr);
    if (!err && aj_result_rows(pr) > 0)
        err = aj_db_query(
            e->db,
            "SELECT id, enterprise_id, site_id, key, area_id, x, y, unit, gas, oel FROM tags WHERE "
            "gas IS NOT NULL OR kind LIKE 'gas%'",
            NULL, 0, &tr);
    if (!err && aj_result_rows(pr) > 0) {
        g->permits = calloc((size_t)aj_result_rows(pr), sizeof *g->permits);
        g->entries = calloc(AJ_PERMIT_GUARD_ENTRIES_MAX, sizeof *g->entries);
        if (g->permits && g->entries) add_pairs(e, pr, tr);
    }
    if (err) aj_warn("engine: permit interlocks not loaded: %s", aj_db_errmsg(e->db));
    aj_result_free(pr);
    aj_result_free(tr);
}

static void settle(aj_engine *e, int pi);

static bool has_active_gas_alarm(const tag_state *st) {
    for (int i = 0; i < st->n_alarms; i++)
        if (!st->alarms[i]->row.is_quality && st->alarms[i]->a.is_active) return true;
    return false;
}

/* Whether any detector of permit pi trips it; *all_seen: every one judged since loading. */
static int tripping_entry(const struct aj_pguard *g, int pi, bool *all_seen) {
    int found = -1;
    *all_seen = true;
    for (int i = 0; i < g->n_entries; i++) {
        if (g->entries[i].permit != pi) continue;
        if (!g->entries[i].is_seen) *all_seen = false;
        if (g->entries[i].is_tripping && found < 0) found = i;
    }
    return found;
}

static void trip(aj_engine *e, pg_permit *p, const pg_entry *en, bool is_alarm) {
    json_t *cause =
        json_pack("{s:s, s:I, s:s, s:f, s:s}", "kind", is_alarm ? "gas_alarm" : "gas", "tag_id",
                  (json_int_t)en->tag_id, "tag_key", en->key, "value", en->value, "unit", en->unit);
    if (en->has_limit) json_object_set_new(cause, "limit", json_real(en->limit));
    if (isfinite(en->distance_m))
        json_object_set_new(cause, "distance_m", json_real(round(en->distance_m * 10) / 10));
    aj_permit_ref ref;
    bool is_changed = false;
    aj_err err = aj_permit_db_trip(e->db, p->id, cause, PERMIT_ACTOR, aj_time_now_ms(), &ref, &is_changed);
    if (err) {
        aj_warn("engine: permit %lld not suspended: %s", (long long)p->id, aj_db_errmsg(e->db));
    } else {
        p->is_tripped = true;
        if (is_changed) {
            aj_info("permit %s: interlock by %s = %g %s", ref.number, en->key, en->value, en->unit);
            publish(e, &ref,
                    !strcmp(ref.state, "paused") &&
                            !strcmp(json_string_value(json_object_get(cause, "kind")), "gas")
                        ? "suspended"
                        : "interlock",
                    is_alarm ? "gas_alarm" : "gas");
        }
    }
    json_decref(cause);
}

static void untrip(aj_engine *e, pg_permit *p) {
    aj_permit_ref ref;
    bool is_changed = false;
    if (aj_permit_db_untrip(e->db, p->id, PERMIT_ACTOR, aj_time_now_ms(), &ref, &is_changed)) {
        aj_warn("engine: permit %lld interlock not cleared: %s", (long long)p->id, aj_db_errmsg(e->db));
        return;
    }
    p->is_tripped = false;
    if (is_changed) publish(e, &ref, "interlock_cleared", NULL);
}

/* Trips or clears permit pi from the state of its entries. */
static void settle(aj_engine *e, int pi) {
    struct aj_pguard *g = e->pguard;
    pg_permit *pm = &g->permits[pi];
    bool all_seen;
    int k = tripping_entry(g, pi, &all_seen);
    if (k >= 0 && !pm->is_tripped) {
        const pg_entry *t = &g->entries[k];
        trip(e, pm, t, !(t->has_limit && t->value > t->limit));
    } else if (k < 0 && pm->is_tripped && all_seen) {
        untrip(e, pm);
    }
}

void aj_ep_feed(aj_engine *e, tag_state *st, const aj_point *p) {
    struct aj_pguard *g = e->pguard;
    if (!g || e->is_replaying || e->db->in_tx || !isfinite(p->value)) return;
    bool is_alarm = has_active_gas_alarm(st);
    for (int i = 0; i < g->n_entries; i++) {
        pg_entry *en = &g->entries[i];
        if (en->tag_id != st->tag_id) continue;
        en->is_seen = true;
        en->value = p->value;
        bool over = en->has_limit && p->value > en->limit;
        en->is_tripping = over || (en->is_area && is_alarm);
        settle(e, en->permit);
    }
}

/* A confined space in progress whose monitoring record is overdue: its people are told once
 * per due time (the timeline keeps "monitoring_due"). */
static void monitoring_due(aj_engine *e, pg_permit *p, int64_t now) {
    aj_val v[2] = {AJ_VINT(p->id), AJ_VINT(p->monitoring_due_ms)};
    int64_t n = 0;
    if (aj_db_query_int(e->db,
                        "SELECT COUNT(*) FROM permit_events WHERE permit_id = ? AND kind = 'monitoring_due' "
                        "AND at_ms >= ?",
                        v, 2, &n) ||
        n > 0) {
        p->monitoring_due_ms = 0;
        return;
    }
    aj_permit_ref ref = {0};
    aj_err err = aj_db_begin(e->db);
    if (!err) err = aj_permit_db_ref(e->db, p->id, &ref);
    json_t *detail = json_pack("{s:I}", "due_ms", (json_int_t)p->monitoring_due_ms);
    if (!err)
        err = aj_permit_db_event(e->db, p->id, p->enterprise_id, now, "monitoring_due", PERMIT_ACTOR, detail);
    json_decref(detail);
    char text[200];
    snprintf(text, sizeof text, "%s: the 2-hourly monitoring record of the confined space is due",
             ref.number);
    if (!err) err = aj_permit_db_notify(e->db, p->id, p->enterprise_id, "monitoring_due", text, now);
    if (!err) err = aj_db_commit(e->db);
    if (err) {
        aj_db_rollback(e->db);
        aj_warn("engine: permit %lld monitoring reminder not kept: %s", (long long)p->id,
                aj_db_errmsg(e->db));
        return;
    }
    p->monitoring_due_ms = 0;
    publish(e, &ref, "monitoring_due", NULL);
}

void aj_ep_tick(aj_engine *e) {
    struct aj_pguard *g = e->pguard;
    if (!g || e->is_replaying || e->db->in_tx) return;
    int64_t now = aj_time_now_ms();
    if (atomic_exchange(&e->is_permits_reload_wanted, false) || now >= g->next_reload_ms) {
        reload(e);
        for (int i = 0; i < g->n_permits; i++) settle(e, i);
        g->next_reload_ms = now + AJ_PERMIT_GUARD_RELOAD_MS;
    }
    if (now < g->next_expiry_ms) return;
    g->next_expiry_ms = now + 1000;
    /* alarms change without a point too (off-delays fire on the watermark): look again */
    for (int i = 0; i < g->n_entries; i++) {
        pg_entry *en = &g->entries[i];
        if (!en->is_area || !en->is_seen) continue;
        const tag_state *st = aj_engine_find_tag(e, en->tag_id);
        if (st) en->is_tripping = (en->has_limit && en->value > en->limit) || has_active_gas_alarm(st);
    }
    for (int i = 0; i < g->n_permits; i++) settle(e, i);
    bool is_any = false;
    for (int i = 0; i < g->n_permits; i++) {
        if (g->permits[i].monitoring_due_ms && g->permits[i].monitoring_due_ms <= now)
            monitoring_due(e, &g->permits[i], now);
        if (g->permits[i].valid_to_ms > now) continue;
        aj_permit_ref ref;
        bool is_changed = false;
        if (aj_permit_db_expire(e->db, g->permits[i].id, PERMIT_ACTOR, now, &ref, &is_changed)) {
            aj_warn("engine: permit %lld not expired: %s", (long long)g->permits[i].id, aj_db_errmsg(e->db));
            continue;
        }
        g->permits[i].valid_to_ms = INT64_MAX; /* once */
        is_any = true;
        if (is_changed) publish(e, &ref, "expired", "expired");
    }
    if (is_any) atomic_store(&e->is_permits_reload_wanted, true);
}
