/* engine_major_hazards.c — major hazard sources (重大危险源, GB 18218-2018) assessed live
 * (docs/risk.md "Major hazard sources in the register").
 *
 * The engine keeps a watch table: every declared unit (mh_units, at most
 * AJ_MH_UNITS_LIVE_MAX) with its items (mh_unit_items), each resolved against the table the
 * server was started with (aj_engine_options.mh_table). An item with an inventory tag counts
 * the tag's latest reading converted to tonnes (q = value x factor + offset); an item
 * without one, or whose reading is missing, silent (older than AJ_MH_TAG_FRESH_MS), of bad
 * quality (stale, communication loss, out of range, spike, rate) or converts to an
 * impossible quantity, counts its declared quantity, and the live record says why.
 *
 * At most every AJ_MH_CHECK_MS (wall clock) the engine re-assesses the units whose tags
 * moved (a newer point or another quality) and, every AJ_MH_RECHECK_MS or when a unit was
 * declared or changed (aj_engine_major_hazards_changed), every unit. The result (S_live,
 * R_live, the per-item record) is written when it changed. The live alarm state of a unit:
 *
 *            S >= threshold              S >= 1
 *   normal ----------------> approaching --------> major      (each step up: an event)
 *      ^  <----------------              <--------   |        (each step down: "cleared")
 *      |   S < threshold x (1 - band)   S < 1 x (1 - band)
 *      +-------------------------------------------- +
 *
 * and, while major, the level of R (Table 6) with the same band below each level's lower
 * bound (level_up / level_down). The band (AJ_MH_CLEAR_BAND) is the hysteresis: a state is
 * left only clearly below where it was entered, so a steady tank at a boundary records one
 * event, not a chatter. Each event is an mh_events row, a notification to every safety
 * manager of the enterprise, and an audit record by system:major-hazard, in the one
 * transaction that stores the new state.
 *
 * Ownership: the watch table (struct aj_mhwatch) belongs to the engine and is used on the
 * engine thread with e->lock held; the per-unit live texts are heap strings it frees. */
#include "audit/audit.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine_internal.h"
#include "risk/major_hazard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MH_ACTOR "system:major-hazard"

/* Quality conditions that make a reading unusable (FLATLINE only makes it uncertain). */
#define BAD_CONDITIONS                                                                                       \
    ((1u << AJ_QC_STALE) | (1u << AJ_QC_COMM_LOSS) | (1u << AJ_QC_OUT_OF_RANGE) | (1u << AJ_QC_SPIKE) |      \
     (1u << AJ_QC_RATE))

typedef struct mh_item {
    int substance, category; /* resolved in the table (aj_mh_item) */
    double q_design_t;
    int64_t tag_id; /* 0: none */
    double factor, offset_t;
    int64_t seen_t_ns; /* the reading last assessed (change detection) */
    uint32_t seen_diag;
    bool is_seen;
} mh_item;

typedef struct mh_unit {
    int64_t id, enterprise_id, site_id, updated_ms;
    char code[AJ_MH_UNIT_CODE_LEN_MAX + 1];
    int people_500m;
    double threshold;
    int state, level; /* the live alarm state as stored */
    bool is_assessed; /* s_live known (else: assess now) */
    int first_item, n_items;
    char *live_text; /* live_json as last written (owned) */
} mh_unit;

struct aj_mhwatch {
    mh_unit *units;
    int n_units;
    mh_item *items;
    int n_items;
    int64_t next_check_ms, next_recheck_ms;
};

static const char *const STATE_NAMES[] = {"normal", "approaching", "major"};

static int state_parse(const char *s) {
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, STATE_NAMES[i])) return i;
    return AJ_MH_STATE_NORMAL;
}

/* ---- the judgement (pure) --------------------------------------------------------------- */

/* Lower bound of R for a level (Table 6); level 4 has none. */
static double level_floor(int level) {
    return level == 1 ? 100 : level == 2 ? 50 : level == 3 ? 10 : 0;
}

static bool at_least(double x, double bound) {
    return x >= bound * (1 - AJ_MH_TOLERANCE);
}

void aj_emh_judge(double s, double r, double threshold, int prev_state, int prev_level, int *state,
                  int *level) {
    int raw = at_least(s, 1)           ? AJ_MH_STATE_MAJOR
              : at_least(s, threshold) ? AJ_MH_STATE_APPROACHING
                                       : AJ_MH_STATE_NORMAL;
    *state = raw;
    /* a lower state only when S left the band below the state held */
    for (int st = prev_state; st > raw; st--) {
        double bound = st == AJ_MH_STATE_MAJOR ? 1 : threshold;
        if (s >= bound * (1 - AJ_MH_CLEAR_BAND)) {
            *state = st;
            break;
        }
    }
    *level = 0;
    if (*state != AJ_MH_STATE_MAJOR) return;
    int raw_level = aj_mh_level_of(r);
    *level = raw_level;
    if (prev_state != AJ_MH_STATE_MAJOR || prev_level < 1 || prev_level > 4) return;
    /* a less severe level (a larger number) only when R left the band below the one held */
    for (int lv = prev_level; lv < raw_level; lv++) {
        if (r >= level_floor(lv) * (1 - AJ_MH_CLEAR_BAND)) {
            *level = lv;
            break;
        }
    }
}

/* ---- the watch table -------------------------------------------------------------------- */

aj_err aj_emh_init(aj_engine *e) {
    e->mhwatch = calloc(1, sizeof *e->mhwatch);
    if (!e->mhwatch) return AJ_ENOMEM;
    atomic_store(&e->is_mh_reload_wanted, true);
    return AJ_OK;
}

static void clear_table(struct aj_mhwatch *g) {
    for (int i = 0; i < g->n_units; i++) free(g->units[i].live_text);
    free(g->units);
    free(g->items);
    g->units = NULL;
    g->items = NULL;
    g->n_units = g->n_items = 0;
}

void aj_emh_free(aj_engine *e) {
    if (!e->mhwatch) return;
    clear_table(e->mhwatch);
    free(e->mhwatch);
    e->mhwatch = NULL;
}

void aj_engine_major_hazards_changed(aj_engine *e) {
    if (e) atomic_store(&e->is_mh_reload_wanted, true);
}

/* Resolves item k of row i of the items query; false (with a warning) when the table the
 * server runs with no longer knows its substance or category. */
static bool resolve_item(const aj_mh_table *t, const aj_result *ir, int i, mh_item *it) {
    const char *sub = aj_result_text(ir, i, 1), *cat = aj_result_text(ir, i, 2);
    *it = (mh_item){.substance = sub ? aj_mh_substance_find(t, sub) : -1,
                    .category = cat ? aj_mh_category_find(t, cat) : -1,
                    .q_design_t = aj_result_double(ir, i, 3),
                    .tag_id = aj_result_is_null(ir, i, 4) ? 0 : aj_result_int(ir, i, 4),
                    .factor = aj_result_double(ir, i, 5),
                    .offset_t = aj_result_double(ir, i, 6)};
    if ((sub && it->substance < 0) || (cat && it->category < 0)) {
        aj_warn("engine: major hazard unit %lld: %s is not in the table any more; the unit is not assessed",
                (long long)aj_result_int(ir, i, 0), sub && it->substance < 0 ? sub : cat);
        return false;
    }
    return true;
}

/* Adds the units of ur with their items of ir (both ordered by unit id). */
static void add_units(aj_engine *e, const aj_result *ur, const aj_result *ir) {
    struct aj_mhwatch *g = e->mhwatch;
    int k = 0;
    for (int i = 0; i < aj_result_rows(ur); i++) {
        int64_t id = aj_result_int(ur, i, 0);
        while (k < aj_result_rows(ir) && aj_result_int(ir, k, 0) < id) k++;
        mh_unit *u = &g->units[g->n_units];
        *u = (mh_unit){.id = id,
                       .enterprise_id = aj_result_int(ur, i, 1),
                       .site_id = aj_result_int(ur, i, 2),
                       .people_500m = (int)aj_result_int(ur, i, 4),
                       .threshold = aj_result_double(ur, i, 5),
                       .state = state_parse(aj_result_text(ur, i, 6)),
                       .level = (int)aj_result_int(ur, i, 7),
                       .is_assessed = !aj_result_is_null(ur, i, 8),
                       .updated_ms = aj_result_int(ur, i, 9),
                       .first_item = g->n_items};
        snprintf(u->code, sizeof u->code, "%s", aj_result_text(ur, i, 3));
        bool is_ok = true;
        for (; k < aj_result_rows(ir) && aj_result_int(ir, k, 0) == id; k++) {
            if (u->n_items >= AJ_MH_UNIT_ITEMS_MAX) continue;
            is_ok = resolve_item(e->opts.mh_table, ir, k, &g->items[g->n_items + u->n_items]) && is_ok;
            u->n_items++;
        }
        if (!is_ok || u->n_items == 0) continue; /* not kept: its items are dropped with it */
        const char *lt = aj_result_text(ur, i, 10);
        u->live_text = lt ? strdup(lt) : NULL;
        g->n_items += u->n_items;
        g->n_units++;
    }
}

static void reload(aj_engine *e) {
    struct aj_mhwatch *g = e->mhwatch;
    clear_table(g);
    aj_result *ur = NULL, *ir = NULL;
    aj_val lim = AJ_VINT(AJ_MH_UNITS_LIVE_MAX);
    aj_err err =
        aj_db_query(e->db,
                    "SELECT id, enterprise_id, site_id, code, people_500m, warn_threshold, live_state, "
                    "level_live, s_live, updated_ms, live_json FROM mh_units ORDER BY id LIMIT ?",
                    &lim, 1, &ur);
    if (!err && aj_result_rows(ur) > 0) {
        aj_val last = AJ_VINT(aj_result_int(ur, aj_result_rows(ur) - 1, 0));
        err = aj_db_query(e->db,
                          "SELECT unit_id, substance_code, category, q_t, tag_id, factor, offset_t FROM "
                          "mh_unit_items WHERE unit_id <= ? ORDER BY unit_id, item_no",
                          &last, 1, &ir);
    }
    if (!err && aj_result_rows(ur) > 0) {
        g->units = calloc((size_t)aj_result_rows(ur), sizeof *g->units);
        g->items = calloc((size_t)aj_result_rows(ir) + 1, sizeof *g->items);
        if (g->units && g->items)
            add_units(e, ur, ir);
        else
            aj_warn("engine: major hazard units not loaded: out of memory");
    }
    if (err) aj_warn("engine: major hazard units not loaded: %s", aj_db_errmsg(e->db));
    aj_result_free(ur);
    aj_result_free(ir);
}

/* ---- one unit --------------------------------------------------------------------------- */

/* Did any reading of the unit move since it was last assessed? */
static bool has_moved(aj_engine *e, const mh_unit *u) {
    for (int i = 0; i < u->n_items; i++) {
        const mh_item *it = &e->mhwatch->items[u->first_item + i];
        if (!it->tag_id) continue;
        const tag_state *st = aj_engine_find_tag(e, it->tag_id);
        bool has = st && st->q.has_last;
        if (has != it->is_seen ||
            (has && (st->q.last_t_ns != it->seen_t_ns || st->diag_bits != it->seen_diag)))
            return true;
    }
    return false;
}

/* The quantity item it counts now, and its record in the live text. */
static double live_quantity(aj_engine *e, mh_item *it, int64_t now_ms, json_t *rec) {
    json_object_set_new(rec, "q_design_t", json_real(it->q_design_t));
    if (!it->tag_id) {
        json_object_set_new(rec, "source", json_string("declared"));
        json_object_set_new(rec, "q_t", json_real(it->q_design_t));
        return it->q_design_t;
    }
    json_object_set_new(rec, "tag_id", json_integer(it->tag_id));
    const tag_state *st = aj_engine_find_tag(e, it->tag_id);
    it->is_seen = st && st->q.has_last;
    it->seen_t_ns = it->is_seen ? st->q.last_t_ns : 0;
    it->seen_diag = st ? st->diag_bits : 0;
    const char *why = NULL;
    char buf[200];
    double q = it->q_design_t;
    if (!it->is_seen) {
        why = "no reading yet";
    } else {
        double v = st->q.last_value;
        json_object_set_new(rec, "value", json_real(isfinite(v) ? v : 0));
        char at[40];
        aj_time_format_ms(st->q.last_t_ns / 1000000, at, sizeof at);
        json_object_set_new(rec, "at", json_string(at));
        double conv = v * it->factor + it->offset_t;
        if (st->q.last_t_ns / 1000000 < now_ms - AJ_MH_TAG_FRESH_MS) {
            why = "silent: no reading for more than 5 minutes";
        } else if (st->diag_bits & BAD_CONDITIONS) {
            int c = 0;
            while (c < AJ_QC_N - 1 && !(st->diag_bits & BAD_CONDITIONS & (1u << c))) c++;
            snprintf(buf, sizeof buf, "quality bad (%s)", aj_quality_cond_name((aj_quality_cond)c));
            why = buf;
        } else if (!(isfinite(conv) && conv >= 0 && conv <= AJ_MH_QUANTITY_T_MAX)) {
            snprintf(buf, sizeof buf, "the reading gives %g t, outside 0 to %g t", conv,
                     AJ_MH_QUANTITY_T_MAX);
            why = buf;
        } else {
            q = conv;
            json_object_set_new(rec, "quality",
                                json_string(st->diag_bits ? "uncertain" : "good")); /* flatline */
        }
    }
    json_object_set_new(rec, "source", json_string(why ? "declared" : "tag"));
    if (why) json_object_set_new(rec, "reason", json_string(why));
    json_object_set_new(rec, "q_t", json_real(q));
    return q;
}

/* One event of the unit: its row, the safety managers' notifications, the audit record. */
static aj_err record_event(aj_engine *e, const mh_unit *u, const char *kind, const aj_mh_result *res,
                           int state, int level, int64_t now) {
    json_t *detail =
        json_pack("{s:s, s:s, s:f, s:f, s:f, s:f}", "from", STATE_NAMES[u->state], "to", STATE_NAMES[state],
                  "s", res->s, "r", res->r, "alpha", res->alpha, "warn_threshold", u->threshold);
    char *dtext = json_dumps(detail, JSON_COMPACT);
    aj_val all[9] = {AJ_VINT(u->id),  AJ_VINT(u->enterprise_id), AJ_VINT(now),      AJ_VTEXT(kind),
                     AJ_VDBL(res->s), AJ_VDBL(res->r),           AJ_VINT(u->level), AJ_VINT(level),
                     AJ_VTEXT(dtext)};
    aj_err err = aj_db_exec(e->db,
                            "INSERT INTO mh_events (unit_id, enterprise_id, at_ms, kind, s, r, level_before, "
                            "level_after, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            all, 9, NULL);
    free(dtext);
    char text[300], nkind[40];
    if (!strcmp(kind, "approaching"))
        snprintf(text, sizeof text, "%s: approaching a major hazard source (S %.3f, warning at %.2f)",
                 u->code, res->s, u->threshold);
    else if (!strcmp(kind, "major"))
        snprintf(text, sizeof text, "%s: now a major hazard source, level %d (S %.3f, R %.1f)", u->code,
                 level, res->s, res->r);
    else if (!strcmp(kind, "cleared"))
        snprintf(text, sizeof text, "%s: no longer %s (S %.3f)", u->code,
                 u->state == AJ_MH_STATE_MAJOR ? "a major hazard source"
                                               : "approaching a major hazard source",
                 res->s);
    else
        snprintf(text, sizeof text, "%s: major hazard level %d -> %d (R %.1f)", u->code, u->level, level,
                 res->r);
    snprintf(nkind, sizeof nkind, "major_hazard_%s", kind);
    if (!err) {
        aj_val nv[6] = {
            AJ_VINT(u->enterprise_id), AJ_VINT(u->id), AJ_VTEXT(nkind), AJ_VTEXT(text), AJ_VINT(now),
            AJ_VINT(u->enterprise_id)};
        err = aj_db_exec(
            e->db,
            "INSERT INTO notifications (enterprise_id, person_id, role, mh_unit_id, kind, text, created_ms) "
            "SELECT DISTINCT CAST(? AS BIGINT), u.person_id, 'safety_manager', CAST(? AS BIGINT), "
            "CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT) FROM users u JOIN user_roles r ON r.user_id "
            "= "
            "u.id WHERE u.enterprise_id = ? AND r.role = 'safety_manager' AND u.person_id IS NOT NULL",
            nv, 6, NULL);
    }
    if (!err) {
        char oid[32], action[48];
        snprintf(oid, sizeof oid, "%lld", (long long)u->id);
        snprintf(action, sizeof action, "major_hazards.%s", kind);
        json_t *before = json_pack("{s:s, s:i}", "state", STATE_NAMES[u->state], "level", u->level);
        json_object_set_new(detail, "level", json_integer(level));
        aj_audit_entry ae = {u->enterprise_id, MH_ACTOR, action, "mh_unit", oid, before, detail};
        err = aj_audit_append(e->db, &ae);
        json_decref(before);
    }
    json_decref(detail);
    if (!err) aj_info("major hazard %s", text);
    return err;
}

/* The events from (u->state, u->level) to (state, level); at most two (a state change and,
 * while major, a level change). */
static int events_of(const mh_unit *u, int state, int level, const char *kinds[2]) {
    int n = 0;
    if (state > u->state)
        kinds[n++] = state == AJ_MH_STATE_MAJOR ? "major" : "approaching";
    else if (state < u->state)
        kinds[n++] = "cleared";
    if (state == AJ_MH_STATE_MAJOR && u->state == AJ_MH_STATE_MAJOR && level != u->level) {
        aj_mh_result before = {.is_major = true, .level = u->level},
                     after = {.is_major = true, .level = level};
        kinds[n++] = aj_mh_level_change(&before, &after) > 0 ? "level_up" : "level_down";
    }
    return n;
}

/* Stores the live result (and the events) in one transaction; false when not stored. */
static bool store(aj_engine *e, mh_unit *u, const aj_mh_result *res, int state, int level, const char *text,
                  int64_t now) {
    const char *kinds[2];
    int n_events = events_of(u, state, level, kinds);
    aj_val v[9] = {AJ_VDBL(res->s), AJ_VDBL(res->r), AJ_VINT(level), AJ_VTEXT(STATE_NAMES[state]),
                   AJ_VTEXT(text),  AJ_VINT(now),    AJ_VINT(u->id), AJ_VINT(u->updated_ms)};
    int64_t changed = 0;
    aj_err err = aj_db_begin(e->db);
    if (!err)
        err = aj_db_exec(
            e->db,
            "UPDATE mh_units SET s_live = ?, r_live = ?, level_live = ?, live_state = ?, live_json = "
            "?, assessed_ms = ? WHERE id = ? AND updated_ms = ?",
            v, 8, &changed);
    if (!err && changed != 1) { /* changed or removed meanwhile: read the units again */
        aj_db_rollback(e->db);
        atomic_store(&e->is_mh_reload_wanted, true);
        return false;
    }
    for (int i = 0; !err && i < n_events; i++) err = record_event(e, u, kinds[i], res, state, level, now);
    if (!err) err = aj_db_commit(e->db);
    if (err) {
        aj_db_rollback(e->db);
        aj_warn("engine: major hazard unit %s not re-assessed: %s", u->code, aj_db_errmsg(e->db));
        return false;
    }
    return true;
}

static void assess_unit(aj_engine *e, mh_unit *u, int64_t now) {
    aj_mh_item items[AJ_MH_UNIT_ITEMS_MAX];
    json_t *live = json_array();
    for (int i = 0; i < u->n_items; i++) {
        mh_item *it = &e->mhwatch->items[u->first_item + i];
        json_t *rec = json_object();
        items[i] = (aj_mh_item){it->substance, it->category, live_quantity(e, it, now, rec)};
        json_array_append_new(live, rec);
    }
    aj_mh_result res;
    char err[300];
    if (aj_mh_assess(e->opts.mh_table, items, u->n_items, u->people_500m, &res, err, sizeof err)) {
        aj_warn("engine: major hazard unit %s not assessed: %s", u->code, err);
        json_decref(live);
        return;
    }
    int state, level;
    aj_emh_judge(res.s, res.r, u->threshold, u->state, u->level, &state, &level);
    char *text = json_dumps(live, JSON_COMPACT);
    json_decref(live);
    if (!text) return;
    if (u->is_assessed && state == u->state && level == u->level && u->live_text &&
        !strcmp(text, u->live_text)) {
        free(text);
        return; /* nothing new */
    }
    if (store(e, u, &res, state, level, text, now)) {
        free(u->live_text);
        u->live_text = text;
        u->state = state;
        u->level = level;
        u->is_assessed = true;
    } else {
        free(text);
    }
}

void aj_emh_tick(aj_engine *e) {
    struct aj_mhwatch *g = e->mhwatch;
    if (!g || !e->opts.mh_table || e->is_replaying || e->db->in_tx) return;
    int64_t now = aj_time_now_ms();
    if (now < g->next_check_ms) return;
    g->next_check_ms = now + AJ_MH_CHECK_MS;
    bool is_all = false;
    if (atomic_exchange(&e->is_mh_reload_wanted, false) || now >= g->next_recheck_ms) {
        reload(e);
        g->next_recheck_ms = now + AJ_MH_RECHECK_MS;
        is_all = true;
    }
    for (int i = 0; i < g->n_units; i++) {
        mh_unit *u = &g->units[i];
        if (is_all || !u->is_assessed || has_moved(e, u)) assess_unit(e, u, now);
    }
}
