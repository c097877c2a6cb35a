/* permits_act.c — the life-cycle events of a permit and the records made on the way:
 * safety measures, gas samples (by hand or from live detectors), approvals at the work
 * site, check-in by badge, confined-space entries, positions, monitoring
 * (docs/permits.md "API"). Each answer is the permit read again, or 409 with the refusal. */
#include "api/permits_int.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "permit/gases.h"
#include "permit/permit_db.h"
#include "permit/simops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static aj_err load_from_path(aj_req *req, permit_row *p) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such permit");
    return permit_load(req, id, p);
}

static aj_err refuse_step(aj_req *req, const permit_row *p, const char *event, aj_permit_refusal r) {
    char msg[300];
    snprintf(msg, sizeof msg, "permit %s (%s): %s", p->number, p->state, aj_permit_refusal_text(r));
    return permit_refuse(req, p, event, aj_permit_refusal_name(r), msg, NULL);
}

static const char *body_text(aj_req *req, const char *name) {
    const json_t *v = req->json ? json_object_get(req->json, name) : NULL;
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

static aj_err check_text(aj_req *req, const char *name) {
    const json_t *v = req->json ? json_object_get(req->json, name) : NULL;
    if (v && !json_is_null(v) && (!json_is_string(v) || strlen(json_string_value(v)) > 2000))
        return aj_req_fail(req, AJ_EINVAL, "%s: must be a text of at most 2000 bytes", name);
    return AJ_OK;
}

/* Writes the state change with its extra column updates, timeline, audit, notification. */
static aj_err commit_change(aj_req *req, permit_row *p, const char *kind, aj_permit_state to,
                            const char *set_sql, const aj_val *set_params, int n_set, json_t *detail,
                            const char *notify) {
    aj_db *db = aj_req_db(req);
    char sql[700];
    snprintf(sql, sizeof sql, "UPDATE permits SET state = ?%s%s WHERE id = ? AND state = ?",
             set_sql ? ", " : "", set_sql ? set_sql : "");
    aj_val v[12];
    int n = 0;
    v[n++] = AJ_VTEXT(aj_permit_state_name(to));
    for (int i = 0; i < n_set && n < 10; i++) v[n++] = set_params[i];
    v[n++] = AJ_VINT(p->id);
    v[n++] = AJ_VTEXT(p->state);
    int64_t changed = 0;
    aj_err e = aj_db_begin(db);
    if (!e) e = aj_db_exec(db, sql, v, n, &changed);
    if (!e && changed != 1) e = AJ_ECONFLICT;
    if (!e) e = permit_record(req, p, kind, p->state, aj_permit_state_name(to), detail);
    if (!e && notify) {
        char text[400];
        snprintf(text, sizeof text, "%s %s (%s)", p->number, notify,
                 req->auth.display_name[0] ? req->auth.display_name : req->auth.username);
        e = aj_permit_db_notify(db, p->id, p->enterprise_id, kind, text, aj_time_now_ms());
    }
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return e == AJ_ECONFLICT ? aj_req_fail(req, e, "permit %s changed meanwhile: try again", p->number)
                                 : aj_req_fail(req, e, "the permit was not changed: %s", aj_db_errmsg(db));
    }
    const char *cause = json_string_value(json_object_get(detail, "cause"));
    permit_published(req, p, kind, aj_permit_state_name(to), cause);
    return AJ_OK;
}

typedef enum {
    T_SUBMIT,
    T_START,
    T_PAUSE,
    T_STOP_WORK,
    T_RESUME,
    T_COMPLETE,
    T_CLOSE,
    T_ARCHIVE,
    T_CANCEL,
    T_VOID
} tkind;

static const struct {
    const char *name;
    aj_permit_event ev;
    const char *set; /* extra SET, its one parameter is now or the reason */
    bool is_reason_param;
    const char *notify;
} T[] = {
    [T_SUBMIT] = {"submit", AJ_PE_SUBMIT, "submitted_ms = ?", false, NULL},
    [T_START] = {"start", AJ_PE_START, "started_ms = COALESCE(started_ms, ?)", false, "work started"},
    [T_PAUSE] = {"pause", AJ_PE_PAUSE, "paused_since_ms = ?, suspended_cause = 'pause'", false,
                 "work paused"},
    [T_STOP_WORK] = {"stop_work", AJ_PE_PAUSE, "paused_since_ms = ?, suspended_cause = 'stop_work'", false,
                     "STOP WORK called by the attendant: leave the work place"},
    [T_RESUME] = {"resume", AJ_PE_RESUME,
                  "paused_since_ms = NULL, suspended_cause = NULL, needs_retest = 0, last_monitoring_ms = ?",
                  false, "work resumed"},
    [T_COMPLETE] = {"complete", AJ_PE_COMPLETE, "completed_ms = ?", false, NULL},
    [T_CLOSE] = {"close", AJ_PE_CLOSE, "closed_ms = ?", false, "closed"},
    [T_ARCHIVE] = {"archive", AJ_PE_ARCHIVE, "archived_ms = ?", false, NULL},
    [T_CANCEL] = {"cancel", AJ_PE_CANCEL, "ended_reason = ?", true, NULL},
    [T_VOID] = {"void", AJ_PE_VOID, "ended_reason = ?", true, "voided: stop work"},
};

static aj_err transition(aj_req *req, tkind k) {
    static const char *const allowed[] = {"reason", "comment", NULL};
    aj_err e;
    if (req->json && (e = aj_api_check_fields(req, allowed, 0))) return e;
    if ((e = check_text(req, "reason")) || (e = check_text(req, "comment"))) return e;
    if (k == T_STOP_WORK && !body_text(req, "reason")) /* cancel and void: the life cycle's reason_required */
        return aj_req_fail(req, AJ_EINVAL, "reason: required (what the attendant saw)");
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    aj_permit_facts f;
    if ((e = permit_facts(req, &p, T[k].ev, false, 0, 0, &f))) goto out;
    aj_permit_state to;
    aj_permit_refusal r = aj_permit_step((aj_permit_state)aj_permit_state_parse(p.state), T[k].ev, &f, &to);
    if (r != AJ_PR_NONE) {
        e = refuse_step(req, &p, T[k].name, r);
        goto out;
    }
    aj_val param = T[k].is_reason_param ? AJ_VTEXT(body_text(req, "reason")) : AJ_VINT(f.now_ms);
    json_t *detail =
        json_pack("{s:s?, s:s?}", "reason", body_text(req, "reason"), "comment", body_text(req, "comment"));
    if (k == T_STOP_WORK || k == T_PAUSE)
        json_object_set_new(detail, "cause", json_string(k == T_STOP_WORK ? "stop_work" : "pause"));
    e = commit_change(req, &p, T[k].name, to, T[k].set, &param, 1, detail, T[k].notify);
    json_decref(detail);
    if (!e) e = permit_reply(req, p.id, 200);
out:
    permit_row_free(&p);
    return e;
}

aj_err aj_api_permits_submit(aj_req *req) {
    return transition(req, T_SUBMIT);
}
aj_err aj_api_permits_start(aj_req *req) {
    return transition(req, T_START);
}
aj_err aj_api_permits_pause(aj_req *req) {
    return transition(req, T_PAUSE);
}
aj_err aj_api_permits_stop_work(aj_req *req) {
    return transition(req, T_STOP_WORK);
}
aj_err aj_api_permits_resume(aj_req *req) {
    return transition(req, T_RESUME);
}
aj_err aj_api_permits_complete(aj_req *req) {
    return transition(req, T_COMPLETE);
}
aj_err aj_api_permits_close(aj_req *req) {
    return transition(req, T_CLOSE);
}
aj_err aj_api_permits_archive(aj_req *req) {
    return transition(req, T_ARCHIVE);
}
aj_err aj_api_permits_cancel(aj_req *req) {
    return transition(req, T_CANCEL);
}
aj_err aj_api_permits_void(aj_req *req) {
    return transition(req, T_VOID);
}

/* ---- safety measures ------------------------------------------------------------------------------ */

aj_err aj_api_permits_measures(aj_req *req) {
    static const char *const allowed[] = {"confirmed", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 1);
    if (e) return e;
    const json_t *ids = json_object_get(req->json, "confirmed");
    if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > AJ_PERMIT_CHECKLIST_MAX)
        return aj_req_fail(req, AJ_EINVAL, "confirmed: a non-empty list of safety-measure ids");
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    if (!p.t || strcmp(p.state, "submitted") != 0) {
        e = refuse_step(req, &p, "confirm_measures", AJ_PR_WRONG_STATE);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        bool ok = false;
        for (int k = 0; id && k < p.t->n_checklist && !ok; k++) ok = !strcmp(p.t->checklist[k].id, id);
        if (!ok) {
            e = aj_req_fail(req, AJ_EINVAL, "confirmed[%zu]: not a safety measure of %s permits", i, p.type);
            goto out;
        }
    }
    int64_t now = aj_time_now_ms();
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        if (!json_object_get(p.measures, id))
            json_object_set_new(p.measures, id,
                                json_pack("{s:s, s:I}", "by", req->auth.username, "at_ms", (json_int_t)now));
    }
    aj_permit_facts f;
    if ((e = permit_facts(req, &p, AJ_PE_CONFIRM_MEASURES, false, 0, 0, &f))) goto out;
    aj_permit_state to = AJ_PS_SUBMITTED;
    aj_permit_refusal r = aj_permit_step(AJ_PS_SUBMITTED, AJ_PE_CONFIRM_MEASURES, &f, &to);
    char *mtext = json_dumps(p.measures, JSON_COMPACT);
    aj_val v = AJ_VTEXT(mtext);
    json_t *detail = json_pack("{s:O, s:i, s:i}", "confirmed", ids, "n_confirmed", f.n_measures_confirmed,
                               "n_measures", f.n_measures);
    e = commit_change(req, &p, r == AJ_PR_NONE ? "confirm_measures" : "measures", to, "measures_json = ?", &v,
                      1, detail, NULL);
    json_decref(detail);
    free(mtext);
    if (!e) e = permit_reply(req, p.id, 200);
out:
    permit_row_free(&p);
    return e;
}

/* ---- gas samples ------------------------------------------------------------------------------------ */

static aj_oxygen_rule o2_rule_of(const permit_row *p) {
    if (!strcmp(p->type, "confined_space") && json_is_true(json_object_get(p->fields, "is_oxygen_rich")))
        return AJ_O2_OXYGEN_RICH;
    return AJ_O2_CONFINED_SPACE;
}

static json_t *judged(const aj_gas_reading *rd, aj_gas_verdict *worst) {
    aj_gas_judgement j = aj_gas_judge(rd);
    *worst = aj_gas_verdict_worse(*worst, j.verdict);
    json_t *o =
        json_pack("{s:s, s:f, s:s, s:f, s:s}", "gas", rd->gas->code, "value", rd->value, "unit",
                  aj_gas_unit_code(rd->unit), "limit", j.limit, "verdict", aj_gas_verdict_code(j.verdict));
    if (rd->gas->is_oxygen) json_object_set_new(o, "limit_low", json_real(j.limit_low));
    return o;
}

static aj_err manual_readings(aj_req *req, const permit_row *p, json_t *out, aj_gas_verdict *worst,
                              bool *has_o2) {
    const json_t *arr = json_object_get(req->json, "readings");
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > AJ_PERMIT_READINGS_MAX)
        return aj_req_fail(req, AJ_EINVAL, "readings: 1 to %d readings {gas, value, unit}",
                           AJ_PERMIT_READINGS_MAX);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        const char *gas = json_string_value(json_object_get(o, "gas"));
        const char *unit = json_string_value(json_object_get(o, "unit"));
        const json_t *value = json_object_get(o, "value");
        aj_gas_reading rd = {.gas = aj_gas_find(gas), .o2_rule = o2_rule_of(p)};
        if (!json_is_object(o) || !rd.gas)
            return aj_req_fail(req, AJ_EINVAL, "readings[%zu].gas: not a gas anjian knows (docs/permits.md)",
                               i);
        int u = aj_gas_unit_parse(unit);
        if (u < 0) return aj_req_fail(req, AJ_EINVAL, "readings[%zu].unit: %%vol, %%LEL or ppm", i);
        if (!json_is_number(value) || !isfinite(json_number_value(value)) || json_number_value(value) < 0)
            return aj_req_fail(req, AJ_EINVAL, "readings[%zu].value: a number >= 0", i);
        rd.unit = (aj_gas_unit)u;
        rd.value = json_number_value(value);
        if (json_is_number(json_object_get(o, "oel")))
            rd.oel_ppm = json_number_value(json_object_get(o, "oel"));
        if (rd.gas->is_oxygen && rd.unit != AJ_GAS_UNIT_PCT_VOL)
            return aj_req_fail(req, AJ_EINVAL, "readings[%zu]: oxygen is measured in %%vol", i);
        if (rd.unit == AJ_GAS_UNIT_PPM && !(rd.oel_ppm > 0))
            return aj_req_fail(req, AJ_EINVAL,
                               "readings[%zu].oel: a toxic gas in ppm needs its exposure limit", i);
        if (!rd.gas->is_oxygen && rd.unit != AJ_GAS_UNIT_PPM && !(rd.gas->lel_pct_vol > 0))
            return aj_req_fail(req, AJ_EINVAL, "readings[%zu]: %s is not combustible: give ppm and oel", i,
                               rd.gas->code);
        *has_o2 |= rd.gas->is_oxygen;
        json_array_append_new(out, judged(&rd, worst));
    }
    return AJ_OK;
}

static aj_err detector_readings(aj_req *req, const permit_row *p, json_t *out, aj_gas_verdict *worst,
                                bool *has_o2) {
    double radius = p->t && p->t->gas.sample_distance_m_max > 0 ? p->t->gas.sample_distance_m_max : 10.0;
    aj_val v = AJ_VINT(p->site_id);
    aj_result *r;
    if (aj_db_query(aj_req_db(req),
                    "SELECT id, key, x, y, unit, gas, oel, COALESCE(asset_id, 0) FROM tags WHERE site_id = ? "
                    "AND (gas "
                    "IS NOT NULL OR kind LIKE 'gas%') ORDER BY id",
                    &v, 1, &r))
        return aj_req_fail(req, AJ_EDB, "%s", aj_db_errmsg(req->db));
    int n_near = 0;
    for (int i = 0; i < aj_result_rows(r) && json_array_size(out) < AJ_PERMIT_READINGS_MAX; i++) {
        bool has_pos = !aj_result_is_null(r, i, 2) && !aj_result_is_null(r, i, 3);
        double d = has_pos ? aj_distance_m(p->x, p->y, aj_result_double(r, i, 2), aj_result_double(r, i, 3))
                           : INFINITY;
        bool in_space =
            p->asset_id && aj_result_int(r, i, 7) == p->asset_id && !strcmp(p->type, "confined_space");
        if (d > radius && !in_space) continue;
        n_near++;
        double value;
        int64_t t;
        if (!permit_live_value(req, aj_result_int(r, i, 0), AJ_PERMIT_LIVE_SAMPLE_AGE_MS, &value, &t))
            continue;
        const aj_gas_info *gas = aj_gas_find(aj_result_text(r, i, 5));
        int u = aj_gas_unit_parse(aj_result_text(r, i, 4));
        if (!gas || u < 0) continue;
        aj_gas_reading rd = {gas, value < 0 ? 0 : value, (aj_gas_unit)u,
                             aj_result_is_null(r, i, 6) ? 0 : aj_result_double(r, i, 6), o2_rule_of(p)};
        json_t *o = judged(&rd, worst);
        json_object_set_new(o, "tag_key", json_string(aj_result_text(r, i, 1)));
        json_object_set_new(o, "distance_m", isfinite(d) ? json_real(round(d * 10) / 10) : json_null());
        char ts[40];
        aj_time_format_ms(t, ts, sizeof ts);
        json_object_set_new(o, "t", json_string(ts));
        *has_o2 |= gas->is_oxygen;
        json_array_append_new(out, o);
    }
    aj_result_free(r);
    if (json_array_size(out) == 0)
        return aj_req_fail(
            req, AJ_EINVAL,
            "source: %s live gas detector within %.0f m of the work point%s has a reading of the last "
            "%d s: take the sample by hand",
            n_near ? "no" : "there is no", radius,
            !strcmp(p->type, "confined_space") ? " or inside the space" : "",
            AJ_PERMIT_LIVE_SAMPLE_AGE_MS / 1000);
    return AJ_OK;
}

aj_err aj_api_permits_gas_samples(aj_req *req) {
    static const char *const allowed[] = {"readings", "source", "x", "y", "sampled_at", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 0);
    if (e) return e;
    const char *source = body_text(req, "source");
    bool is_live = source && !strcmp(source, "detectors");
    if (source && !is_live)
        return aj_req_fail(req, AJ_EINVAL, "source: \"detectors\" or absent (readings by hand)");
    if (is_live && json_object_get(req->json, "readings"))
        return aj_req_fail(req, AJ_EINVAL, "readings: not with source \"detectors\"");
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    int st = aj_permit_state_parse(p.state);
    aj_permit_facts probe = {.has_gas_sample = true, .gas_verdict = AJ_GAS_PASS};
    aj_permit_state to;
    if (aj_permit_step((aj_permit_state)st, AJ_PE_RECORD_GAS, &probe, &to) == AJ_PR_WRONG_STATE) {
        e = refuse_step(req, &p, "record_gas", AJ_PR_WRONG_STATE);
        goto out;
    }
    const json_t *jx = json_object_get(req->json, "x"), *jy = json_object_get(req->json, "y");
    bool has_pos = json_is_number(jx) && json_is_number(jy);
    if ((jx || jy) && !has_pos) {
        e = aj_req_fail(req, AJ_EINVAL, "x, y: where the sample was taken, both numbers (site metres)");
        goto out;
    }
    double max_d = p.t && p.t->gas.sample_distance_m_max > 0 ? p.t->gas.sample_distance_m_max : 0;
    if (has_pos && max_d > 0 &&
        aj_distance_m(p.x, p.y, json_number_value(jx), json_number_value(jy)) > max_d) {
        e = aj_req_fail(req, AJ_EINVAL,
                        "x, y: the sample was taken %.1f m from the work point; at most %.0f m",
                        aj_distance_m(p.x, p.y, json_number_value(jx), json_number_value(jy)), max_d);
        goto out;
    }
    int64_t now = aj_time_now_ms(), sampled_ms = now;
    const char *sat = body_text(req, "sampled_at");
    if (sat && (is_live || !aj_time_parse(sat, &sampled_ms) || sampled_ms > now + 60000 ||
                sampled_ms < now - 24 * 3600 * 1000LL)) {
        e = aj_req_fail(
            req, AJ_EINVAL,
            "sampled_at: when a hand-held meter took the sample, an RFC 3339 time within the last 24 h "
            "(not with source \"detectors\")");
        goto out;
    }
    json_t *readings = json_array();
    aj_gas_verdict worst = AJ_GAS_PASS;
    bool has_o2 = false;
    e = is_live ? detector_readings(req, &p, readings, &worst, &has_o2)
                : manual_readings(req, &p, readings, &worst, &has_o2);
    if (!e && !strcmp(p.type, "confined_space") && !has_o2)
        e = aj_req_fail(req, AJ_EINVAL, "readings: a confined-space analysis includes oxygen (O2, %%vol)");
    if (e) {
        json_decref(readings);
        goto out;
    }
    char *rtext = json_dumps(readings, JSON_COMPACT);
    aj_val sv[8] = {AJ_VINT(p.id),
                    AJ_VINT(p.enterprise_id),
                    AJ_VINT(sampled_ms),
                    AJ_VTEXT(is_live ? "detector" : "manual"),
                    AJ_VTEXT(rtext),
                    AJ_VTEXT(aj_gas_verdict_code(worst)),
                    AJ_VTEXT(req->auth.username),
                    has_pos ? AJ_VDBL(json_number_value(jx)) : AJ_VNULL};
    aj_val all[9];
    memcpy(all, sv, sizeof sv);
    all[8] = has_pos ? AJ_VDBL(json_number_value(jy)) : AJ_VNULL;
    aj_permit_facts f = {.has_gas_sample = true, .gas_verdict = worst};
    aj_permit_step((aj_permit_state)st, AJ_PE_RECORD_GAS, &f, &to);
    bool is_suspend =
        worst != AJ_GAS_PASS && st == AJ_PS_IN_PROGRESS; /* a failing check during work stops it */
    if (is_suspend) to = AJ_PS_PAUSED;
    json_t *detail = json_pack("{s:s, s:s, s:O}", "source", is_live ? "detector" : "manual", "verdict",
                               aj_gas_verdict_code(worst), "readings", readings);
    if (is_suspend) json_object_set_new(detail, "cause", json_string("gas"));
    aj_db *db = aj_req_db(req);
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(
            db,
            "INSERT INTO permit_gas_samples (permit_id, enterprise_id, at_ms, source, readings_json, "
            "verdict, by_user, x, y) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            all, 9, NULL);
    if (!e) e = aj_db_commit(db);
    if (e) aj_db_rollback(db);
    free(rtext);
    json_decref(readings);
    if (e) {
        json_decref(detail);
        e = aj_req_fail(req, e, "the sample was not recorded: %s", aj_db_errmsg(db));
        goto out;
    }
    aj_val sus[1] = {AJ_VINT(now)};
    e = commit_change(req, &p, is_suspend ? "suspended" : "gas_sample", to,
                      is_suspend ? "paused_since_ms = ?, suspended_cause = 'gas', needs_retest = 1" : NULL,
                      sus, is_suspend ? 1 : 0, detail,
                      is_suspend ? "suspended: the gas check failed, leave the work place" : NULL);
    json_decref(detail);
    if (!e) e = permit_reply(req, p.id, 201);
out:
    permit_row_free(&p);
    return e;
}

/* ---- approvals -------------------------------------------------------------------------------------- */

aj_err aj_api_permits_approve(aj_req *req) {
    static const char *const allowed[] = {"x", "y", "comment", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 2);
    if (e) return e;
    const json_t *jx = json_object_get(req->json, "x"), *jy = json_object_get(req->json, "y");
    if (!json_is_number(jx) || !json_is_number(jy) || !isfinite(json_number_value(jx)) ||
        !isfinite(json_number_value(jy)))
        return aj_req_fail(req, AJ_EINVAL,
                           "x, y: the approver's position on the site (metres), both numbers");
    if ((e = check_text(req, "comment"))) return e;
    double x = json_number_value(jx), y = json_number_value(jy);
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    aj_permit_facts f;
    if ((e = permit_facts(req, &p, AJ_PE_APPROVE, true, x, y, &f))) goto out;
    aj_permit_state to;
    aj_permit_refusal r =
        aj_permit_step((aj_permit_state)aj_permit_state_parse(p.state), AJ_PE_APPROVE, &f, &to);
    double d = aj_distance_m(p.x, p.y, x, y);
    if (r != AJ_PR_NONE) {
        char msg[400];
        const char *role = json_string_value(json_array_get(p.chain, (size_t)f.n_approvals_given));
        snprintf(msg, sizeof msg, "permit %s: %s", p.number, aj_permit_refusal_text(r));
        json_t *extra = json_pack("{s:s?, s:f, s:f}", "next_role", role, "distance_m", round(d * 10) / 10,
                                  "geofence_m", p.geofence_m);
        e = permit_refuse(req, &p, "approve", aj_permit_refusal_name(r), msg, extra);
        goto out;
    }
    const char *role = json_string_value(json_array_get(p.chain, (size_t)f.n_approvals_given));
    aj_db *db = aj_req_db(req);
    int64_t now = aj_time_now_ms();
    aj_val av[11] = {AJ_VINT(p.id),
                     AJ_VINT(p.enterprise_id),
                     AJ_VINT(f.n_approvals_given),
                     AJ_VTEXT(role),
                     AJ_VINT(req->auth.user_id),
                     AJ_VTEXT(req->auth.username),
                     AJ_VINT(now),
                     AJ_VDBL(x),
                     AJ_VDBL(y),
                     AJ_VDBL(round(d * 10) / 10),
                     AJ_VTEXT(body_text(req, "comment"))};
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(
            db,
            "INSERT INTO permit_approvals (permit_id, enterprise_id, seq, role, user_id, username, at_ms, x, "
            "y, distance_m, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            av, 11, NULL);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        e = aj_req_fail(req, e == AJ_ECONFLICT ? AJ_ECONFLICT : e, "the approval was not recorded: %s",
                        aj_db_errmsg(db));
        goto out;
    }
    json_t *detail =
        json_pack("{s:s, s:i, s:f, s:f, s:f, s:s?}", "role", role, "seq", f.n_approvals_given, "x", x, "y", y,
                  "distance_m", round(d * 10) / 10, "comment", body_text(req, "comment"));
    aj_val nowv = AJ_VINT(now);
    bool is_issue = to == AJ_PS_ISSUED;
    e = commit_change(req, &p, is_issue ? "issue" : "approve", to, is_issue ? "issued_ms = ?" : NULL, &nowv,
                      is_issue ? 1 : 0, detail,
                      is_issue ? "issued: check in by badge before work starts" : NULL);
    json_decref(detail);
    if (!e) e = permit_reply(req, p.id, 200);
out:
    permit_row_free(&p);
    return e;
}

/* ---- people ---------------------------------------------------------------------------------------------
 */

/* The person with the badge on the permit: role and person id; a refusal when not on it. */
static aj_err badge_person(aj_req *req, const permit_row *p, const char *event, int64_t *person,
                           char role[16]) {
    const char *badge = body_text(req, "badge_uid");
    if (!badge || strlen(badge) > 64)
        return aj_req_fail(req, AJ_EINVAL, "badge_uid: the NFC badge UID (hex), required");
    aj_val v[3] = {AJ_VINT(p->id), AJ_VINT(p->enterprise_id), AJ_VTEXT(badge)};
    aj_result *r;
    if (aj_db_query(
            aj_req_db(req),
            "SELECT pp.person_id, pp.role FROM permit_people pp JOIN people pe ON pe.id = pp.person_id WHERE "
            "pp.permit_id = ? AND pe.enterprise_id = ? AND UPPER(pe.badge_uid) = UPPER(?)",
            v, 3, &r))
        return aj_req_fail(req, AJ_EDB, "%s", aj_db_errmsg(req->db));
    bool found = aj_result_rows(r) == 1;
    if (found) {
        *person = aj_result_int(r, 0, 0);
        snprintf(role, 16, "%s", aj_result_text(r, 0, 1));
    }
    aj_result_free(r);
    if (!found) {
        char msg[200];
        snprintf(msg, sizeof msg, "badge %.64s is not a worker or the attendant of permit %s", badge,
                 p->number);
        return permit_refuse(req, p, event, "not_on_permit", msg, NULL);
    }
    return AJ_OK;
}

static bool is_active(const permit_row *p) {
    int st = aj_permit_state_parse(p->state);
    return st >= 0 && aj_permit_state_is_active((aj_permit_state)st);
}

/* Inside a confined space: entries in minus out of the person. */
static int64_t inside_count(aj_req *req, int64_t permit_id, int64_t person) {
    aj_val v[2] = {AJ_VINT(permit_id), AJ_VINT(person)};
    int64_t n = 0;
    aj_db_query_int(
        aj_req_db(req),
        "SELECT COALESCE(SUM(CASE direction WHEN 'in' THEN 1 ELSE -1 END), 0) FROM permit_entries WHERE "
        "permit_id = ? AND person_id = ?",
        v, 2, &n);
    return n;
}

static aj_err people_write(aj_req *req, permit_row *p, const char *kind, const char *sql, const aj_val *v,
                           int n, json_t *detail) {
    aj_db *db = aj_req_db(req);
    aj_err e = aj_db_begin(db);
    if (!e) e = aj_db_exec(db, sql, v, n, NULL);
    if (!e) e = permit_record(req, p, kind, p->state, p->state, detail);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "not recorded: %s", aj_db_errmsg(db));
    }
    permit_published(req, p, kind, p->state, NULL);
    return AJ_OK;
}

static aj_err check_in_out(aj_req *req, bool is_in) {
    static const char *const allowed[] = {"badge_uid", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 1);
    if (e) return e;
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    const char *event = is_in ? "check_in" : "check_out";
    int64_t person = 0;
    char role[16];
    if (!is_active(&p)) {
        e = refuse_step(req, &p, event, AJ_PR_WRONG_STATE);
        goto out;
    }
    if ((e = badge_person(req, &p, event, &person, role))) goto out;
    if (is_in && !strcmp(role, "worker")) {
        /* the special-operation certificate is checked at the gate, and again at the start */
        json_t *cert = permit_certificate(req, &p, person);
        if (!json_is_true(json_object_get(cert, "ok"))) {
            char msg[300];
            snprintf(msg, sizeof msg, "permit %s: the worker's certificate for %s work is %s", p.number,
                     p.type, json_string_value(json_object_get(cert, "problem")) ?: "not valid");
            e = permit_refuse(req, &p, event, "certificate", msg, json_pack("{s:O}", "certificate", cert));
            json_decref(cert);
            goto out;
        }
        json_decref(cert);
    }
    if (!is_in && inside_count(req, p.id, person) > 0) {
        e = refuse_step(req, &p, event, AJ_PR_PEOPLE_INSIDE);
        goto out;
    }
    int64_t now = aj_time_now_ms();
    aj_val v[3] = {AJ_VINT(now), AJ_VINT(p.id), AJ_VINT(person)};
    json_t *detail = json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)person, "role", role, "badge_uid",
                               body_text(req, "badge_uid"));
    e = people_write(
        req, &p, is_in ? "checked_in" : "checked_out",
        is_in ? "UPDATE permit_people SET checked_in_ms = ?, checked_out_ms = NULL WHERE permit_id = ? AND "
                "person_id = ?"
              : "UPDATE permit_people SET checked_out_ms = ? WHERE permit_id = ? AND person_id = ?",
        v, 3, detail);
    json_decref(detail);
    if (!e) e = permit_reply(req, p.id, 200);
out:
    permit_row_free(&p);
    return e;
}

aj_err aj_api_permits_check_in(aj_req *req) {
    return check_in_out(req, true);
}
aj_err aj_api_permits_check_out(aj_req *req) {
    return check_in_out(req, false);
}

aj_err aj_api_permits_entries(aj_req *req) {
    static const char *const allowed[] = {"badge_uid", "direction", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 2);
    if (e) return e;
    const char *dir = body_text(req, "direction");
    if (!dir || (strcmp(dir, "in") && strcmp(dir, "out")))
        return aj_req_fail(req, AJ_EINVAL, "direction: \"in\" or \"out\"");
    bool is_in = !strcmp(dir, "in");
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    int64_t person = 0;
    char role[16];
    if (strcmp(p.type, "confined_space") != 0) {
        e = aj_req_fail(req, AJ_EINVAL, "entries are counted for confined-space permits only");
        goto out;
    }
    if (is_in ? strcmp(p.state, "in_progress") != 0 : !is_active(&p)) {
        e = refuse_step(req, &p, "entry", is_in && is_active(&p) ? AJ_PR_INTERLOCK : AJ_PR_WRONG_STATE);
        goto out;
    }
    if ((e = badge_person(req, &p, "entry", &person, role))) goto out;
    int64_t inside = inside_count(req, p.id, person);
    if (is_in ? inside > 0 : inside <= 0) {
        e = aj_req_fail(req, AJ_EINVAL, "the person is %s the space already",
                        is_in ? "inside" : "not inside");
        goto out;
    }
    if (is_in && !strcmp(role, "attendant")) {
        e = aj_req_fail(req, AJ_EINVAL, "the attendant stays outside the space");
        goto out;
    }
    int64_t now = aj_time_now_ms();
    aj_val v[5] = {AJ_VINT(p.id), AJ_VINT(p.enterprise_id), AJ_VINT(person), AJ_VTEXT(dir), AJ_VINT(now)};
    aj_db *db = aj_req_db(req);
    aj_val u[2] = {AJ_VINT(is_in ? 1 : -1), AJ_VINT(p.id)};
    json_t *detail = json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)person, "direction", dir,
                               "people_inside", p.people_inside + (is_in ? 1 : -1));
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(db,
                       "INSERT INTO permit_entries (permit_id, enterprise_id, person_id, direction, at_ms) "
                       "VALUES (?, ?, "
                       "?, ?, ?)",
                       v, 5, NULL);
    if (!e)
        e = aj_db_exec(db, "UPDATE permits SET people_inside = people_inside + ? WHERE id = ?", u, 2, NULL);
    if (!e) e = permit_record(req, &p, is_in ? "entered" : "exited", p.state, p.state, detail);
    if (!e) e = aj_db_commit(db);
    json_decref(detail);
    if (e) {
        aj_db_rollback(db);
        e = aj_req_fail(req, e, "not recorded: %s", aj_db_errmsg(db));
        goto out;
    }
    permit_published(req, &p, is_in ? "entered" : "exited", p.state, NULL);
    e = permit_reply(req, p.id, 200);
out:
    permit_row_free(&p);
    return e;
}

aj_err aj_api_permits_positions(aj_req *req) {
    static const char *const allowed[] = {"badge_uid", "x", "y", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 3);
    if (e) return e;
    const json_t *jx = json_object_get(req->json, "x"), *jy = json_object_get(req->json, "y");
    if (!json_is_number(jx) || !json_is_number(jy) || !isfinite(json_number_value(jx)) ||
        !isfinite(json_number_value(jy)))
        return aj_req_fail(req, AJ_EINVAL, "x, y: the position on the site (metres), both numbers");
    double x = json_number_value(jx), y = json_number_value(jy);
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    int64_t person = 0;
    char role[16];
    if ((e = badge_person(req, &p, "position", &person, role))) goto out;
    int64_t now = aj_time_now_ms();
    aj_val v[5] = {AJ_VDBL(x), AJ_VDBL(y), AJ_VINT(now), AJ_VINT(p.id), AJ_VINT(person)};
    aj_db *db = aj_req_db(req);
    if ((e = aj_db_exec(
             db,
             "UPDATE permit_people SET x = ?, y = ?, position_ms = ? WHERE permit_id = ? AND person_id = ?",
             v, 5, NULL))) {
        e = aj_req_fail(req, e, "not recorded: %s", aj_db_errmsg(db));
        goto out;
    }
    double d = aj_distance_m(p.x, p.y, x, y);
    if (!strcmp(role, "attendant") && d > p.geofence_m && !strcmp(p.state, "in_progress")) {
        json_t *detail = json_pack("{s:s, s:f, s:f, s:f, s:f}", "cause", "attendant_left", "x", x, "y", y,
                                   "distance_m", round(d * 10) / 10, "geofence_m", p.geofence_m);
        aj_val nowv = AJ_VINT(now);
        e = commit_change(req, &p, "suspended", AJ_PS_PAUSED,
                          "paused_since_ms = ?, suspended_cause = 'attendant_left'", &nowv, 1, detail,
                          "paused: the attendant left the work site");
        json_decref(detail);
        if (e) goto out;
    }
    e = permit_reply(req, p.id, 200);
out:
    permit_row_free(&p);
    return e;
}

aj_err aj_api_permits_monitoring(aj_req *req) {
    static const char *const allowed[] = {"note", "readings", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 1);
    if (e) return e;
    if ((e = check_text(req, "note"))) return e;
    if (!body_text(req, "note")) return aj_req_fail(req, AJ_EINVAL, "note: what was checked, required");
    const json_t *readings = json_object_get(req->json, "readings");
    if (readings && !json_is_array(readings)) return aj_req_fail(req, AJ_EINVAL, "readings: a list");
    permit_row p;
    if ((e = load_from_path(req, &p))) return e;
    if (!is_active(&p)) {
        e = refuse_step(req, &p, "monitoring", AJ_PR_WRONG_STATE);
        goto out;
    }
    aj_val v[2] = {AJ_VINT(aj_time_now_ms()), AJ_VINT(p.id)};
    json_t *detail = json_pack("{s:s, s:O?}", "note", body_text(req, "note"), "readings", readings);
    e = people_write(req, &p, "monitoring", "UPDATE permits SET last_monitoring_ms = ? WHERE id = ?", v, 2,
                     detail);
    json_decref(detail);
    if (!e) e = permit_reply(req, p.id, 200);
out:
    permit_row_free(&p);
    return e;
}
