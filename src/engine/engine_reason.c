/* engine_reason.c — the failure-mode reasoner inside the engine (docs/reasoning.md).
 *
 * At start the engine loads the rules (aj_engine_options.rules_path), binds them to the
 * plant of every enterprise in the store and links each open incident to its instance.
 * On the engine thread (e->lock held): every good-quality point of a bound tag goes to
 * its feed (engine.c release_points); aj_er_advance evaluates the ticks the watermark has
 * passed and turns each change of an instance into the incident it stands for:
 *
 *  - level rises from none: a new incident (one per mode and asset/zone at a time), with
 *    its evidence chain, recommended actions and reference; the process alarms of the tags
 *    whose evidence is present are suppressed by design (suppressor id = incident id), so
 *    the operator sees one incident instead of its fragments (they stay in the journal);
 *  - level changes while open: the incident follows (level, confidence, evidence, time to
 *    failure), newly present evidence suppresses its tags' alarms too;
 *  - level falls to none: "evidence cleared" on the timeline; the incident stays until a
 *    person resolves it (aj_engine_incident_closed then releases the alarms);
 *  - uncorroborated (one signal deviating alone): a "sensor_check" incident of priority
 *    diagnostic, never a process incident.
 *
 * Each change is one transaction: the incident row, its timeline entry and the audit
 * record; then an incident event for the live stream. The reasoner's learned state lives
 * in memory (a restart learns the baselines again: warm-up 30 min); incidents and the
 * suppression of alarms are in the store. */
#include "audit/audit.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "engine/engine_internal.h"
#include "reason/reasoner.h"
#include "reason/rules_load.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REASONER_ACTOR "reasoner"

/* ---- binding to the store's plant ------------------------------------------------------- */

typedef struct plant_rows {
    aj_result *tags, *assets, *areas;
    aj_rplant_tag *t;
    aj_rplant_asset *a;
    aj_rplant_area *r;
} plant_rows;

static void plant_rows_free(plant_rows *p) {
    aj_result_free(p->tags);
    aj_result_free(p->assets);
    aj_result_free(p->areas);
    free(p->t);
    free(p->a);
    free(p->r);
}

static const char *text_or_null(const aj_result *r, int i, int col) {
    return aj_result_is_null(r, i, col) ? NULL : aj_result_text(r, i, col);
}

static aj_err load_plant(aj_db *db, int64_t enterprise_id, plant_rows *p, aj_rplant *out) {
    memset(p, 0, sizeof *p);
    aj_val ent[1] = {AJ_VINT(enterprise_id)};
    aj_err err =
        aj_db_query(db,
                    "SELECT id, key, kind, role, gas, asset_id, area_id, site_id, range_lo, range_hi "
                    "FROM tags WHERE enterprise_id = ? ORDER BY id",
                    ent, 1, &p->tags);
    if (!err)
        err =
            aj_db_query(db, "SELECT id, code, template, area_id, site_id FROM assets WHERE enterprise_id = ?",
                        ent, 1, &p->assets);
    if (!err)
        err =
            aj_db_query(db, "SELECT id, code, site_id FROM areas WHERE enterprise_id = ?", ent, 1, &p->areas);
    if (err) return err;
    int nt = aj_result_rows(p->tags), na = aj_result_rows(p->assets), nr = aj_result_rows(p->areas);
    p->t = calloc((size_t)nt + 1, sizeof *p->t);
    p->a = calloc((size_t)na + 1, sizeof *p->a);
    p->r = calloc((size_t)nr + 1, sizeof *p->r);
    if (!p->t || !p->a || !p->r) return AJ_ENOMEM;
    for (int i = 0; i < nt; i++) {
        const aj_result *r = p->tags;
        p->t[i] = (aj_rplant_tag){
            .id = aj_result_int(r, i, 0),
            .key = aj_result_text(r, i, 1),
            .kind = aj_result_text(r, i, 2),
            .role = text_or_null(r, i, 3),
            .gas = text_or_null(r, i, 4),
            .asset_id = aj_result_is_null(r, i, 5) ? 0 : aj_result_int(r, i, 5),
            .area_id = aj_result_is_null(r, i, 6) ? 0 : aj_result_int(r, i, 6),
            .site_id = aj_result_int(r, i, 7),
            .has_range = !aj_result_is_null(r, i, 8) && !aj_result_is_null(r, i, 9),
            .range_lo = aj_result_is_null(r, i, 8) ? NAN : aj_result_double(r, i, 8),
            .range_hi = aj_result_is_null(r, i, 9) ? NAN : aj_result_double(r, i, 9),
        };
    }
    for (int i = 0; i < na; i++) {
        const aj_result *r = p->assets;
        p->a[i] = (aj_rplant_asset){aj_result_int(r, i, 0), aj_result_text(r, i, 1), aj_result_text(r, i, 2),
                                    aj_result_is_null(r, i, 3) ? 0 : aj_result_int(r, i, 3),
                                    aj_result_int(r, i, 4)};
    }
    for (int i = 0; i < nr; i++) {
        const aj_result *r = p->areas;
        p->r[i] = (aj_rplant_area){aj_result_int(r, i, 0), aj_result_text(r, i, 1), aj_result_int(r, i, 2)};
    }
    *out = (aj_rplant){enterprise_id, p->t, nt, p->a, na, p->r, nr};
    return AJ_OK;
}

/* Links the open incidents of the store to their instances (after a restart). */
static aj_err link_open_incidents(aj_engine *e, aj_db *db) {
    aj_result *r;
    aj_err err = aj_db_query(db,
                             "SELECT id, enterprise_id, mode_id, scope_id, kind, level FROM incidents "
                             "WHERE state IN ('open', 'acknowledged', 'in_handling')",
                             NULL, 0, &r);
    if (err) return err;
    const aj_rules *rules = aj_reasoner_rules(e->reasoner);
    for (int i = 0; i < aj_result_rows(r); i++) {
        for (int k = 0; k < aj_reasoner_n_bound(e->reasoner); k++) {
            aj_rbound *b = aj_reasoner_bound(e->reasoner, k);
            if (b->enterprise_id != aj_result_int(r, i, 1) || b->scope_id != aj_result_int(r, i, 3) ||
                strcmp(rules->modes[b->mode_index].id, aj_result_text(r, i, 2)) != 0)
                continue;
            if (!strcmp(aj_result_text(r, i, 4), "sensor_check"))
                b->user_diag_id = aj_result_int(r, i, 0);
            else
                b->user_id = aj_result_int(r, i, 0);
        }
    }
    aj_result_free(r);
    return AJ_OK;
}

static aj_err bind_all(aj_engine *e, aj_db *db) {
    aj_result *ents;
    aj_err err = aj_db_query(db, "SELECT id FROM enterprises ORDER BY id", NULL, 0, &ents);
    if (err) return err;
    for (int i = 0; !err && i < aj_result_rows(ents); i++) {
        plant_rows rows;
        aj_rplant plant;
        err = load_plant(db, aj_result_int(ents, i, 0), &rows, &plant);
        if (!err) err = aj_reasoner_bind(e->reasoner, &plant);
        plant_rows_free(&rows);
    }
    aj_result_free(ents);
    /* every tag looks its feed up again at its next point */
    pthread_rwlock_rdlock(&e->tlock);
    for (uint32_t i = 0; i < e->n_tags; i++) e->tags[i]->is_feed_known = false;
    pthread_rwlock_unlock(&e->tlock);
    return err;
}

aj_err aj_er_start(aj_engine *e, aj_db *db, char *err, size_t errlen) {
    if (!e->opts.rules_path || !e->opts.rules_path[0]) return AJ_OK;
    struct stat sb;
    if (stat(e->opts.rules_path, &sb) != 0) {
        aj_warn("engine: no failure-mode rules at %s: reasoning is off", e->opts.rules_path);
        return AJ_OK;
    }
    aj_rules *rules;
    aj_err rc = aj_rules_load(e->opts.rules_path, &rules, err, errlen);
    if (rc) return rc;
    e->reasoner = aj_reasoner_new(rules);
    if (!e->reasoner) {
        aj_rules_free(rules);
        return AJ_ENOMEM;
    }
    rc = bind_all(e, db);
    if (!rc) rc = link_open_incidents(e, db);
    if (rc) {
        snprintf(err, errlen, "binding the failure-mode rules to the plant failed: %s", aj_db_errmsg(db));
        aj_reasoner_free(e->reasoner);
        e->reasoner = NULL;
        return rc;
    }
    aj_info("engine: %d failure modes from %s bound to %d assets and zones", rules->n_modes,
            e->opts.rules_path, aj_reasoner_n_bound(e->reasoner));
    return AJ_OK;
}

void aj_er_free(aj_engine *e) {
    aj_reasoner_free(e->reasoner);
    e->reasoner = NULL;
}

void aj_engine_reason_rebind(aj_engine *e) {
    atomic_store(&e->is_rebind_wanted, true);
}

void aj_er_rebind_if_wanted(aj_engine *e) {
    if (!e->reasoner || !atomic_exchange(&e->is_rebind_wanted, false)) return;
    aj_err err = bind_all(e, e->db);
    if (err) aj_warn("engine: binding the failure-mode rules again failed: %s", aj_db_errmsg(e->db));
}

aj_rfeed *aj_er_feed_of(aj_engine *e, tag_state *st) {
    if (!st->is_feed_known) {
        st->feed = e->reasoner ? aj_reasoner_feed(e->reasoner, st->tag_id) : NULL;
        st->is_feed_known = true;
    }
    return st->feed;
}

/* ---- incidents ------------------------------------------------------------------------------ */

static const char *level_name(aj_rlevel l) {
    return l == AJ_RLEVEL_DIAGNOSIS ? "diagnosis" : l == AJ_RLEVEL_WARNING ? "early_warning" : "none";
}

static const char *state_name(aj_ev_state s) {
    return s == AJ_EV_PRESENT ? "present" : s == AJ_EV_ABSENT ? "absent" : "unknown";
}

static const char *cmp_name(aj_rule_cmp c) {
    return c == AJ_RC_GT ? ">" : c == AJ_RC_GE ? ">=" : c == AJ_RC_LT ? "<" : "<=";
}

static json_t *num(double v) {
    return isfinite(v) ? json_real(round(v * 1e4) / 1e4) : json_null();
}

static void fmt_ns(int64_t t_ns, char *buf, size_t size) {
    aj_time_format_ms(t_ns / 1000000, buf, size);
}

static int64_t channel_tag(const aj_rinst *in, int channel) {
    return channel >= 0 && channel < in->n_chans ? in->chans[channel].spec.tag_id : 0;
}

/* The evidence chain now: every piece, present or not, with what decided it. */
static json_t *evidence_json(aj_engine *e, const aj_rinst *in) {
    const aj_rule_mode *m = in->mode;
    json_t *arr = json_array();
    for (int k = 0; k < m->n_evidence; k++) {
        const aj_rule_evidence *ev = &m->evidence[k];
        const aj_rev_view *v = &in->view[k];
        char since[40];
        fmt_ns(v->since_ns, since, sizeof since);
        json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:o, s:o, s:s}", "id", ev->id, "term",
                              aj_rule_term_name(ev->term), "state", state_name(v->state), "lr", ev->lr,
                              "value", num(v->term), "expected", num(v->expected), "since", since);
        if (ev->signal >= 0) json_object_set_new(o, "signal", json_string(m->signals[ev->signal].id));
        if (ev->has_cmp) {
            json_object_set_new(o, "cmp", json_string(cmp_name(ev->cmp)));
            json_object_set_new(o, "threshold", json_real(ev->threshold));
        }
        int ch = v->channel;
        if (ch < 0 && ev->signal >= 0 && in->sig_first[ev->signal] < in->sig_first[ev->signal + 1])
            ch = in->sig_first[ev->signal]; /* not judged now: still name the (first) tag behind it */
        int64_t tag_id = channel_tag(in, ch);
        if (tag_id) {
            tag_state *st = aj_engine_find_tag(e, tag_id);
            json_object_set_new(o, "tag_id", json_integer(tag_id));
            if (st) json_object_set_new(o, "tag", json_string(st->key));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *actions_json(const aj_rule_mode *m) {
    json_t *arr = json_array();
    for (int i = 0; i < m->n_actions; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s?}", "en", m->actions[i].en, "zh", m->actions[i].zh));
    return arr;
}

static const char *priority_name(aj_rule_priority p) {
    return aj_rule_priority_name(p);
}

static aj_err add_timeline(aj_db *db, int64_t incident_id, int64_t enterprise_id, int64_t t_ns,
                           const char *kind, const json_t *detail) {
    char now[40];
    aj_time_format_ms(aj_time_now_ms(), now, sizeof now);
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    aj_val p[6] = {AJ_VINT(incident_id), AJ_VINT(enterprise_id),     AJ_VINT(t_ns),
                   AJ_VTEXT(kind),       d ? AJ_VTEXT(d) : AJ_VNULL, AJ_VTEXT(now)};
    aj_err err =
        aj_db_exec(db,
                   "INSERT INTO incident_timeline (incident_id, enterprise_id, t_ns, kind, actor, detail, "
                   "recorded_at) VALUES (?, ?, ?, ?, '" REASONER_ACTOR "', ?, ?)",
                   p, 6, NULL);
    free(d);
    return err;
}

static void publish(aj_engine *e, const aj_rbound *b, int64_t incident_id, const char *kind,
                    const char *change, const aj_rinst *in, int64_t t_ns) {
    if (!e->events) return;
    char t[40];
    fmt_ns(t_ns, t, sizeof t);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:s}", "incident_id", (json_int_t)incident_id,
                          "kind", kind, "change", change, "mode", in->mode->id, "scope", b->scope_code,
                          "level", level_name(in->level), "confidence", in->posterior, "t", t);
    char *text = json_dumps(o, JSON_COMPACT);
    if (text) aj_events_publish(e->events, AJ_EVENT_INCIDENT, 0, b->enterprise_id, b->site_id, 0, text);
    free(text);
    json_decref(o);
}

/* Suppresses the process alarms of the tags folded into the incident: present evidence and
 * the signals the mode explains (once per tag). */
static void suppress_present(aj_engine *e, aj_rbound *b, int64_t t_ns) {
    const aj_rinst *in = b->inst;
    char actor[48];
    snprintf(actor, sizeof actor, "incident:%lld", (long long)b->user_id);
    for (int sig = 0; sig < in->mode->n_signals; sig++) {
        if (!aj_rinst_signal_folded(in, sig)) continue;
        for (int c = in->sig_first[sig]; c < in->sig_first[sig + 1]; c++) {
            int64_t tag_id = in->chans[c].spec.tag_id;
            bool done = false;
            for (int j = 0; j < b->n_user_tags; j++) done |= b->user_tags[j] == tag_id;
            if (done || b->n_user_tags == AJ_RBOUND_USER_TAGS) continue;
            tag_state *st = aj_engine_find_tag(e, tag_id);
            if (!st) continue;
            aj_ea_suppress_tag(e, st, b->user_id, true, t_ns, actor);
            b->user_tags[b->n_user_tags++] = tag_id;
        }
    }
}

static void release_suppressed(aj_engine *e, aj_rbound *b, int64_t incident_id, int64_t t_ns) {
    char actor[48];
    snprintf(actor, sizeof actor, "incident:%lld", (long long)incident_id);
    for (int j = 0; j < b->n_user_tags; j++) {
        tag_state *st = aj_engine_find_tag(e, b->user_tags[j]);
        if (st) aj_ea_suppress_tag(e, st, incident_id, false, t_ns, actor);
    }
    b->n_user_tags = 0;
}

/* Opens an incident (process or sensor_check) for b; returns its id, 0 on failure. */
static int64_t open_incident(aj_engine *e, aj_rbound *b, int64_t t_ns, bool is_sensor_check) {
    const aj_rinst *in = b->inst;
    const aj_rule_mode *m = in->mode;
    aj_db *db = e->db;
    json_t *evidence = evidence_json(e, in), *actions = actions_json(m);
    char *ev_text = json_dumps(evidence, JSON_COMPACT), *act_text = json_dumps(actions, JSON_COMPACT);
    char name[AJ_RULE_TEXT_MAX + 80], name_zh[AJ_RULE_TEXT_MAX + 80], now[40];
    const char *lone = in->lone_signal >= 0 ? m->signals[in->lone_signal].id : "?";
    if (is_sensor_check) {
        snprintf(name, sizeof name, "Check sensor: %s of %s deviates alone (%s)", lone, b->scope_code,
                 m->name.en);
        snprintf(name_zh, sizeof name_zh, "检查传感器：%s 的 %s 单独偏离（%s）", b->scope_code, lone,
                 m->name.zh ? m->name.zh : m->name.en);
    } else {
        snprintf(name, sizeof name, "%s", m->name.en);
        snprintf(name_zh, sizeof name_zh, "%s", m->name.zh ? m->name.zh : m->name.en);
    }
    aj_time_format_ms(aj_time_now_ms(), now, sizeof now);
    const char *level = is_sensor_check ? "early_warning" : level_name(in->level);
    bool is_diag = !is_sensor_check && in->level == AJ_RLEVEL_DIAGNOSIS;
    aj_val p[21] = {AJ_VINT(b->enterprise_id),
                    AJ_VINT(b->site_id),
                    AJ_VTEXT(is_sensor_check ? "sensor_check" : "process"),
                    AJ_VTEXT(m->id),
                    AJ_VTEXT(name),
                    AJ_VTEXT(name_zh),
                    AJ_VTEXT(m->scope == AJ_RULE_ON_ASSET ? "asset" : "area"),
                    AJ_VINT(b->scope_id),
                    AJ_VTEXT(b->scope_code),
                    AJ_VTEXT(is_sensor_check ? "diagnostic" : priority_name(m->priority)),
                    AJ_VTEXT(level),
                    AJ_VDBL(in->posterior),
                    AJ_VDBL(in->posterior),
                    isfinite(in->ttf_hours) && !is_sensor_check ? AJ_VDBL(in->ttf_hours) : AJ_VNULL,
                    AJ_VTEXT(ev_text ? ev_text : "[]"),
                    AJ_VTEXT(act_text ? act_text : "[]"),
                    m->reference ? AJ_VTEXT(m->reference) : AJ_VNULL,
                    AJ_VINT(t_ns),
                    is_diag ? AJ_VINT(t_ns) : AJ_VNULL,
                    AJ_VINT(t_ns),
                    AJ_VTEXT(now)};
    int64_t id = 0;
    aj_err err = aj_db_begin(db);
    if (!err)
        err = aj_db_query_int(
            db,
            "INSERT INTO incidents (enterprise_id, site_id, kind, mode_id, name, name_zh, scope_type, "
            "scope_id, "
            "scope_code, priority, state, level, is_evidence_active, confidence, peak_confidence, ttf_hours, "
            "evidence, actions, reference, opened_ns, diagnosed_ns, updated_ns, created_at) VALUES (?, ?, ?, "
            "?, ?, "
            "?, ?, ?, ?, ?, 'open', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            p, 21, &id);
    json_t *detail =
        json_pack("{s:s, s:f, s:O}", "level", level, "confidence", in->posterior, "evidence", evidence);
    if (!err) err = add_timeline(db, id, b->enterprise_id, t_ns, "opened", detail);
    if (!err) {
        char oid[32];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        json_t *after = json_pack("{s:s, s:s, s:s, s:s, s:s}", "mode", m->id, "scope", b->scope_code, "kind",
                                  is_sensor_check ? "sensor_check" : "process", "level", level, "name", name);
        aj_audit_entry ae = {
            b->enterprise_id, REASONER_ACTOR, "incidents.open", "incident", oid, NULL, after};
        err = aj_audit_append(db, &ae);
        json_decref(after);
    }
    if (!err) err = aj_db_commit(db);
    if (err) {
        aj_warn("engine: incident %s on %s not written: %s", m->id, b->scope_code, aj_db_errmsg(db));
        aj_db_rollback(db);
        id = 0;
    }
    json_decref(detail);
    json_decref(evidence);
    json_decref(actions);
    free(ev_text);
    free(act_text);
    return id;
}

/* What a change of an open incident is, for its timeline: the level rose or fell, evidence
 * came or went at the same level, the evidence cleared (some of it is judged absent), or
 * the data stopped (what made it present can no longer be judged: not a recovery). */
static const char *change_kind(const aj_rinst *in, aj_rlevel from) {
    if (in->level != AJ_RLEVEL_NONE)
        return from == AJ_RLEVEL_NONE ? "evidence_returned" : from == in->level ? "evidence" : "level";
    const aj_rule_mode *m = in->mode;
    for (int k = 0; k < m->n_evidence; k++)
        if (m->evidence[k].signal >= 0 && in->view[k].state == AJ_EV_ABSENT) return "evidence_cleared";
    return "data_lost";
}

/* Follows a change of an open process incident. */
static void update_incident(aj_engine *e, aj_rbound *b, int64_t t_ns, aj_rlevel from, const char *kind) {
    const aj_rinst *in = b->inst;
    aj_db *db = e->db;
    json_t *evidence = evidence_json(e, in);
    char *ev_text = json_dumps(evidence, JSON_COMPACT);
    bool is_active = in->level != AJ_RLEVEL_NONE;
    bool is_cleared = !strcmp(kind, "evidence_cleared");
    aj_err err = aj_db_begin(db);
    /* the highest level reached, the peak confidence and the first diagnosis stay */
    aj_result *r = NULL;
    aj_val idp[1] = {AJ_VINT(b->user_id)};
    if (!err)
        err = aj_db_query(db, "SELECT level, peak_confidence, diagnosed_ns FROM incidents WHERE id = ?", idp,
                          1, &r);
    if (!err && aj_result_rows(r) != 1) err = AJ_ENOTFOUND;
    if (!err) {
        bool was_diag = !strcmp(aj_result_text(r, 0, 0), "diagnosis");
        bool is_diag = in->level == AJ_RLEVEL_DIAGNOSIS;
        double peak = aj_result_double(r, 0, 1);
        aj_val p[9] = {AJ_VTEXT(was_diag || is_diag ? "diagnosis" : "early_warning"),
                       AJ_VINT(is_active ? 1 : 0),
                       AJ_VDBL(in->posterior),
                       AJ_VDBL(in->posterior > peak ? in->posterior : peak),
                       isfinite(in->ttf_hours) ? AJ_VDBL(in->ttf_hours) : AJ_VNULL,
                       AJ_VTEXT(ev_text ? ev_text : "[]"),
                       AJ_VINT(t_ns),
                       !aj_result_is_null(r, 0, 2) ? AJ_VINT(aj_result_int(r, 0, 2))
                       : is_diag                   ? AJ_VINT(t_ns)
                                                   : AJ_VNULL,
                       is_cleared ? AJ_VINT(t_ns) : AJ_VNULL};
        aj_val all[10];
        memcpy(all, p, sizeof p);
        all[9] = AJ_VINT(b->user_id);
        err = aj_db_exec(
            db,
            "UPDATE incidents SET level = ?, is_evidence_active = ?, confidence = ?, peak_confidence = ?, "
            "ttf_hours = ?, evidence = ?, updated_ns = ?, diagnosed_ns = ?, cleared_ns = ? WHERE id = ?",
            all, 10, NULL);
    }
    aj_result_free(r);
    json_t *detail = json_pack("{s:s, s:s, s:f, s:O}", "from", level_name(from), "level",
                               level_name(in->level), "confidence", in->posterior, "evidence", evidence);
    if (!err) err = add_timeline(db, b->user_id, b->enterprise_id, t_ns, kind, detail);
    if (!err) err = aj_db_commit(db);
    if (err) {
        aj_warn("engine: incident %lld not updated: %s", (long long)b->user_id, aj_db_errmsg(db));
        aj_db_rollback(db);
    }
    json_decref(detail);
    json_decref(evidence);
    free(ev_text);
}

/* The sensor check b raised earlier turned out to be the first sign of the process
 * incident just opened on the same mode and asset: it is resolved by the reasoner as
 * explained by it (timeline, audit, live event), so the operator follows one incident. A
 * check a person already resolved is left as it is. */
static void explain_sensor_check(aj_engine *e, aj_rbound *b, int64_t t_ns) {
    int64_t check_id = b->user_diag_id;
    b->user_diag_id = 0;
    aj_db *db = e->db;
    char now[40], oid[32];
    aj_time_format_ms(aj_time_now_ms(), now, sizeof now);
    snprintf(oid, sizeof oid, "%lld", (long long)check_id);
    json_t *detail = json_pack("{s:I, s:s}", "explained_by", (json_int_t)b->user_id, "comment",
                               "the signal that deviated alone was the first sign of this incident");
    aj_val p[3] = {AJ_VTEXT(REASONER_ACTOR), AJ_VTEXT(now), AJ_VINT(check_id)};
    int64_t changed = 0;
    aj_err err = aj_db_begin(db);
    if (!err)
        err = aj_db_exec(
            db,
            "UPDATE incidents SET state = 'resolved', resolved_by = ?, resolved_at = ? WHERE id = ? "
            "AND state IN ('open', 'acknowledged', 'in_handling')",
            p, 3, &changed);
    if (!err && changed == 1) err = add_timeline(db, check_id, b->enterprise_id, t_ns, "resolved", detail);
    if (!err && changed == 1) {
        aj_audit_entry ae = {
            b->enterprise_id, REASONER_ACTOR, "incidents.resolve", "incident", oid, NULL, detail};
        err = aj_audit_append(db, &ae);
    }
    if (!err) err = aj_db_commit(db);
    if (err) {
        aj_warn("engine: sensor check %lld not resolved: %s", (long long)check_id, aj_db_errmsg(db));
        aj_db_rollback(db);
    } else if (changed == 1) {
        publish(e, b, check_id, "sensor_check", "resolved", b->inst, t_ns);
    }
    json_decref(detail);
}

static void on_change(void *ctx, aj_rbound *b, int64_t t_ns, aj_rlevel from, bool was_uncorroborated) {
    aj_engine *e = ctx;
    const aj_rinst *in = b->inst;
    bool is_evidence_move = in->level == from && in->level != AJ_RLEVEL_NONE;
    if (in->level != from || is_evidence_move) {
        if (!b->user_id && in->level != AJ_RLEVEL_NONE) {
            b->user_id = open_incident(e, b, t_ns, false);
            if (b->user_id) {
                atomic_fetch_add(&e->incidents_opened, 1);
                publish(e, b, b->user_id, "process", "opened", in, t_ns);
                if (b->user_diag_id) explain_sensor_check(e, b, t_ns);
            }
        } else if (b->user_id) {
            const char *kind = change_kind(in, from);
            update_incident(e, b, t_ns, from, kind);
            publish(e, b, b->user_id, "process", kind, in, t_ns);
        }
        if (b->user_id) suppress_present(e, b, t_ns); /* evidence that joined folds its alarms in */
    }
    if (in->is_uncorroborated && !was_uncorroborated && !b->user_diag_id && !b->user_id) {
        b->user_diag_id = open_incident(e, b, t_ns, true);
        if (b->user_diag_id) publish(e, b, b->user_diag_id, "sensor_check", "opened", in, t_ns);
    }
}

void aj_er_advance(aj_engine *e, int64_t watermark_ns) {
    if (!e->reasoner) return;
    aj_reasoner_advance(e->reasoner, watermark_ns, on_change, e);
    e->reason_next_ns = (watermark_ns / AJ_RINST_TICK_NS + 1) * AJ_RINST_TICK_NS;
}

void aj_er_on_watermark(aj_engine *e) {
    /* Within a batch holding many seconds of data (a fast replay), each tick is evaluated as
     * soon as the watermark passes it, while the feeds still hold its means. */
    int64_t wm = e->watermark_ns - AJ_ENGINE_LATENESS_NS;
    if (e->reasoner && wm >= e->reason_next_ns) aj_er_advance(e, wm);
}

aj_err aj_engine_incident_closed(aj_engine *e, int64_t incident_id) {
    if (!e->reasoner) return AJ_OK;
    aj_engine_lock(e);
    int64_t t = aj_ea_watermark(e);
    if (t == INT64_MIN) t = aj_time_now_ms() * 1000000LL;
    for (int k = 0; k < aj_reasoner_n_bound(e->reasoner); k++) {
        aj_rbound *b = aj_reasoner_bound(e->reasoner, k);
        if (b->user_id == incident_id) {
            release_suppressed(e, b, incident_id, t);
            b->user_id = 0;
        }
        if (b->user_diag_id == incident_id) b->user_diag_id = 0;
    }
    aj_engine_unlock(e);
    return AJ_OK;
}

void aj_engine_reason_stats(aj_engine *e, aj_engine_reason_stats_t *out) {
    memset(out, 0, sizeof *out);
    aj_engine_lock(e);
    if (e->reasoner) {
        out->modes = aj_reasoner_rules(e->reasoner)->n_modes;
        out->instances = aj_reasoner_n_bound(e->reasoner);
        out->ticks = aj_reasoner_ticks(e->reasoner);
    }
    out->incidents_opened = atomic_load(&e->incidents_opened);
    aj_engine_unlock(e);
}

void aj_engine_publish_incident(aj_engine *e, int64_t enterprise_id, int64_t site_id, const char *text) {
    aj_engine_lock(e); /* the hub has one publisher at a time */
    if (e->events) aj_events_publish(e->events, AJ_EVENT_INCIDENT, 0, enterprise_id, site_id, 0, text);
    aj_engine_unlock(e);
}

void aj_engine_publish_permit(aj_engine *e, int64_t enterprise_id, int64_t site_id, const char *text) {
    aj_engine_lock(e);
    if (e->events) aj_events_publish(e->events, AJ_EVENT_PERMIT, 0, enterprise_id, site_id, 0, text);
    aj_engine_unlock(e);
}

/* ---- escalation ----------------------------------------------------------------------------
 * A process incident still open (not acknowledged) ack_ms after it was raised is escalated:
 * level 1 to the unit leader, 2 after twice the time to the safety manager, 3 to the
 * plant's administrators (AJ_ENGINE_ESCALATION_MAX). Wall-clock time: people respond in
 * it. Each step is a timeline entry, an audit record and a live event naming the roles. */

static const char *const ESCALATE_TO[AJ_ENGINE_ESCALATION_MAX] = {"unit_leader", "safety_manager", "admin"};

static void escalate_one(aj_engine *e, int64_t id, int64_t enterprise_id, int64_t site_id, int level,
                         const char *mode, const char *scope) {
    aj_db *db = e->db;
    int64_t now_ns = aj_time_now_ms() * 1000000LL;
    json_t *detail = json_pack("{s:i, s:s}", "level", level, "notify", ESCALATE_TO[level - 1]);
    aj_val p[3] = {AJ_VINT(level), AJ_VINT(id), AJ_VINT(level - 1)};
    int64_t changed = 0;
    aj_err err = aj_db_begin(db);
    if (!err)
        err = aj_db_exec(
            db, "UPDATE incidents SET escalation = ? WHERE id = ? AND state = 'open' AND escalation = ?", p,
            3, &changed);
    if (!err && changed == 1) err = add_timeline(db, id, enterprise_id, now_ns, "escalated", detail);
    if (!err && changed == 1) {
        char oid[32];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        aj_audit_entry ae = {enterprise_id, REASONER_ACTOR, "incidents.escalate", "incident", oid,
                             NULL,          detail};
        err = aj_audit_append(db, &ae);
    }
    if (!err) err = aj_db_commit(db);
    if (err) {
        aj_warn("engine: incident %lld not escalated: %s", (long long)id, aj_db_errmsg(db));
        aj_db_rollback(db);
    } else if (changed == 1 && e->events) {
        json_t *ev =
            json_pack("{s:I, s:s, s:s, s:s, s:i, s:s}", "incident_id", (json_int_t)id, "change", "escalated",
                      "mode", mode, "scope", scope, "escalation", level, "notify", ESCALATE_TO[level - 1]);
        char *text = json_dumps(ev, JSON_COMPACT);
        if (text) aj_events_publish(e->events, AJ_EVENT_INCIDENT, 0, enterprise_id, site_id, 0, text);
        free(text);
        json_decref(ev);
    }
    json_decref(detail);
}

void aj_er_escalate_due(aj_engine *e) {
    if (e->opts.incident_ack_ms <= 0) return;
    int64_t now = aj_time_now_ms();
    if (now < e->next_escalation_check_ms) return;
    e->next_escalation_check_ms = now + AJ_ENGINE_ESCALATION_CHECK_MS;
    aj_result *r;
    aj_val p[1] = {AJ_VINT(AJ_ENGINE_ESCALATION_MAX)};
    if (aj_db_query(
            e->db,
            "SELECT id, enterprise_id, site_id, escalation, created_at, mode_id, scope_code FROM incidents "
            "WHERE state = 'open' AND kind = 'process' AND escalation < ? ORDER BY id LIMIT 100",
            p, 1, &r))
        return;
    for (int i = 0; i < aj_result_rows(r); i++) {
        int64_t created_ms;
        if (!aj_time_parse(aj_result_text(r, i, 4), &created_ms)) continue;
        int level = (int)aj_result_int(r, i, 3) + 1;
        if (now - created_ms < (int64_t)level * e->opts.incident_ack_ms) continue;
        escalate_one(e, aj_result_int(r, i, 0), aj_result_int(r, i, 1), aj_result_int(r, i, 2), level,
                     aj_result_text(r, i, 5), aj_result_text(r, i, 6));
    }
    aj_result_free(r);
}

int64_t aj_engine_reason_clock(aj_engine *e) {
    aj_engine_lock(e);
    int64_t t =
        e->reasoner && e->watermark_ns != INT64_MIN ? e->watermark_ns - AJ_ENGINE_LATENESS_NS : INT64_MIN;
    aj_engine_unlock(e);
    return t;
}

bool aj_engine_mode_thresholds(aj_engine *e, const char *mode_id, double *warn_at, double *diagnose_at) {
    bool found = false;
    aj_engine_lock(e); /* the rules live as long as the engine; the lock orders with a rebind */
    const aj_rules *rules = e->reasoner ? aj_reasoner_rules(e->reasoner) : NULL;
    for (int i = 0; rules && i < rules->n_modes && !found; i++) {
        if (strcmp(rules->modes[i].id, mode_id) != 0) continue;
        *warn_at = rules->modes[i].warn_at;
        *diagnose_at = rules->modes[i].diagnose_at;
        found = true;
    }
    aj_engine_unlock(e);
    return found;
}
