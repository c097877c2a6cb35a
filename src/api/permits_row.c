/* permits_row.c — the permit row, the facts of an event and the permit as JSON
 * (permits_int.h). */
#include "api/permits_int.h"
#include "audit/audit.h"
#include "auth/perm.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "permit/gases.h"
#include "permit/permit_db.h"
#include "permit/simops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aj_err permit_catalogue(aj_req *req, const aj_permit_catalogue **out) {
    *out = req->app->permits;
    if (!*out)
        return aj_req_fail(req, AJ_EUNAVAILABLE,
                           "work permits are not available: no permit catalogue loaded");
    return AJ_OK;
}

typedef struct newest_ctx {
    bool has;
    double value;
    int64_t t_ns;
} newest_ctx;

static aj_err take_newest(void *ctx, const aj_point *p) {
    newest_ctx *c = ctx;
    if (isfinite(p->value) && (!c->has || p->t_ns >= c->t_ns)) *c = (newest_ctx){true, p->value, p->t_ns};
    return AJ_OK;
}

bool permit_live_value(aj_req *req, int64_t tag_id, int64_t max_age_ms, double *value, int64_t *t_ms) {
    if (!req->app->engine) return false;
    int64_t now_ns = aj_time_now_ms() * 1000000LL;
    newest_ctx c = {0};
    if (aj_engine_recent(req->app->engine, tag_id, now_ns - max_age_ms * 1000000LL, now_ns + 60000000000LL,
                         take_newest, &c) ||
        !c.has)
        return false;
    *value = c.value;
    *t_ms = c.t_ns / 1000000;
    return true;
}

int permit_utc_offset_min(const char *tz) {
    return aj_time_zone_offset_min(tz);
}

static json_t *parsed(const aj_result *r, int i, int c, bool is_object) {
    json_error_t je;
    const char *s = aj_result_text(r, i, c);
    json_t *v = s ? json_loads(s, 0, &je) : NULL;
    if (!v) v = is_object ? json_object() : json_array();
    return v;
}

static int64_t int_or(const aj_result *r, int i, int c, int64_t def) {
    return aj_result_is_null(r, i, c) ? def : aj_result_int(r, i, c);
}

static void text_to(char *dst, size_t size, const aj_result *r, int i, int c) {
    const char *s = aj_result_text(r, i, c);
    snprintf(dst, size, "%s", s ? s : "");
}

void permit_row_from(const aj_result *r, int i, const aj_permit_catalogue *cat, permit_row *p) {
    memset(p, 0, sizeof *p);
    p->id = aj_result_int(r, i, 0);
    p->enterprise_id = aj_result_int(r, i, 1);
    p->site_id = aj_result_int(r, i, 2);
    p->area_id = int_or(r, i, 3, 0);
    p->asset_id = int_or(r, i, 4, 0);
    p->attendant_id = aj_result_int(r, i, 5);
    p->served_id = int_or(r, i, 6, 0);
    text_to(p->number, sizeof p->number, r, i, 7);
    text_to(p->type, sizeof p->type, r, i, 8);
    text_to(p->grade, sizeof p->grade, r, i, 9);
    text_to(p->state, sizeof p->state, r, i, 10);
    text_to(p->title, sizeof p->title, r, i, 11);
    text_to(p->gas_name, sizeof p->gas_name, r, i, 12);
    text_to(p->suspended_cause, sizeof p->suspended_cause, r, i, 13);
    text_to(p->created_by, sizeof p->created_by, r, i, 14);
    p->x = aj_result_double(r, i, 15);
    p->y = aj_result_double(r, i, 16);
    p->geofence_m = aj_result_double(r, i, 17);
    p->gas_lel = aj_result_is_null(r, i, 18) ? 0 : aj_result_double(r, i, 18);
    p->valid_from_ms = aj_result_int(r, i, 19);
    p->valid_to_ms = aj_result_int(r, i, 20);
    p->paused_since_ms = int_or(r, i, 21, 0);
    p->last_monitoring_ms = int_or(r, i, 22, 0);
    p->created_ms = aj_result_int(r, i, 23);
    p->submitted_ms = int_or(r, i, 24, 0);
    p->issued_ms = int_or(r, i, 25, 0);
    p->started_ms = int_or(r, i, 26, 0);
    p->completed_ms = int_or(r, i, 27, 0);
    p->closed_ms = int_or(r, i, 28, 0);
    p->archived_ms = int_or(r, i, 29, 0);
    p->needs_retest = aj_result_int(r, i, 30) != 0;
    p->people_inside = (int)aj_result_int(r, i, 31);
    p->fields = parsed(r, i, 32, true);
    p->hazards = parsed(r, i, 33, false);
    p->grading = parsed(r, i, 34, true);
    p->chain = parsed(r, i, 35, false);
    p->measures = parsed(r, i, 36, true);
    p->interlock = aj_result_is_null(r, i, 37) ? NULL : parsed(r, i, 37, true);
    text_to(p->ended_reason, sizeof p->ended_reason, r, i, 38);
    p->t = cat ? aj_permit_type_find(cat, p->type) : NULL;
    p->grade_index = p->t ? aj_permit_grade_index(p->t, p->grade) : -1;
}

void permit_row_free(permit_row *p) {
    json_decref(p->fields);
    json_decref(p->hazards);
    json_decref(p->grading);
    json_decref(p->chain);
    json_decref(p->measures);
    json_decref(p->interlock);
    memset(p, 0, sizeof *p);
}

aj_err permit_load(aj_req *req, int64_t id, permit_row *out) {
    char ent[1100], site[1100], sql[3000];
    aj_scope_enterprise(req, "p.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "p.site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT " PERMIT_COLS " FROM permits p WHERE p.id = ? AND %s AND %s", ent,
             site);
    aj_val v = AJ_VINT(id);
    aj_result *r;
    aj_err e = aj_db_query(aj_req_db(req), sql, &v, 1, &r);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "permit %lld not found", (long long)id);
    }
    permit_row_from(r, 0, req->app->permits, out);
    aj_result_free(r);
    return AJ_OK;
}

int64_t permit_caller_person(aj_req *req) {
    aj_val v = AJ_VINT(req->auth.user_id);
    int64_t id = 0;
    if (aj_db_query_int(aj_req_db(req), "SELECT COALESCE(person_id, 0) FROM users WHERE id = ?", &v, 1, &id))
        return 0;
    return id;
}

bool permit_caller_holds(aj_req *req, int64_t enterprise_id, const char *role) {
    for (int i = 0; i < req->auth.n_roles; i++)
        if (!strcmp(req->auth.roles[i], role)) return true;
    int64_t person = permit_caller_person(req), n = 0;
    if (!person) return false;
    aj_val v[3] = {AJ_VINT(enterprise_id), AJ_VTEXT(role), AJ_VINT(person)};
    aj_db_query_int(
        aj_req_db(req),
        "SELECT COUNT(*) FROM permit_role_holders WHERE enterprise_id = ? AND role = ? AND person_id = ?", v,
        3, &n);
    return n > 0;
}

/* ---- people and certificates ------------------------------------------------------------ */

static void today_local(char *buf, size_t size, int offset_min) {
    char t[40];
    aj_time_format_ms(aj_time_now_ms() + (int64_t)offset_min * 60000, t, sizeof t);
    snprintf(buf, size, "%.10s", t);
}

/* The best certificate of person for the type: {type, number, expires_on, next_review_on,
 * ok, problem}; ok true when the type needs none. */
json_t *permit_certificate(aj_req *req, const permit_row *p, int64_t person_id) {
    if (!p->t || p->t->n_certificates == 0) return json_pack("{s:b, s:s}", "ok", 1, "problem", "none_needed");
    char in[400] = "", today[16];
    for (int i = 0; i < p->t->n_certificates && i < AJ_PERMIT_CERT_TYPES_MAX; i++)
        strncat(in, i ? ", ?" : "?", sizeof in - strlen(in) - 1);
    char sql[700];
    snprintf(sql, sizeof sql,
             "SELECT type, number, expires_on, next_review_on FROM certificates WHERE person_id = ? AND "
             "enterprise_id = ? AND type IN (%s) ORDER BY expires_on DESC",
             in);
    aj_val v[2 + AJ_PERMIT_CERT_TYPES_MAX] = {AJ_VINT(person_id), AJ_VINT(p->enterprise_id)};
    for (int i = 0; i < p->t->n_certificates && i < AJ_PERMIT_CERT_TYPES_MAX; i++)
        v[2 + i] = AJ_VTEXT(p->t->certificates[i]);
    aj_result *r;
    if (aj_db_query(aj_req_db(req), sql, v, 2 + p->t->n_certificates, &r))
        return json_pack("{s:b, s:s}", "ok", 0, "problem", "missing");
    today_local(today, sizeof today, 480);
    json_t *best = NULL;
    for (int i = 0; i < aj_result_rows(r) && !best; i++) {
        const char *exp = aj_result_text(r, i, 2), *rev = aj_result_text(r, i, 3);
        const char *problem = strcmp(exp, today) < 0                  ? "expired"
                              : rev && *rev && strcmp(rev, today) < 0 ? "review_overdue"
                                                                      : NULL;
        json_t *c = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s?}", "type", aj_result_text(r, i, 0), "number",
                              aj_result_text(r, i, 1), "expires_on", exp, "next_review_on", rev, "ok",
                              !problem, "problem", problem);
        if (!problem || i == aj_result_rows(r) - 1)
            best = c;
        else
            json_decref(c);
    }
    aj_result_free(r);
    if (!best) {
        best = json_pack("{s:b, s:s}", "ok", 0, "problem", "missing");
        json_object_set_new(best, "needed", json_array());
        for (int i = 0; i < p->t->n_certificates; i++)
            json_array_append_new(json_object_get(best, "needed"), json_string(p->t->certificates[i]));
    }
    return best;
}

static json_t *time_json(int64_t ms) {
    if (!ms) return json_null();
    char t[40];
    aj_time_format_ms(ms, t, sizeof t);
    return json_string(t);
}

/* Workers and the attendant as JSON; counts for the facts. */
static json_t *people_json(aj_req *req, const permit_row *p, int *n_in, int *n_certified,
                           bool *is_attendant_present, json_t **attendant) {
    aj_val v = AJ_VINT(p->id);
    aj_result *r;
    json_t *workers = json_array();
    *n_in = *n_certified = 0;
    *is_attendant_present = false;
    *attendant = NULL;
    if (aj_db_query(
            aj_req_db(req),
            "SELECT pp.person_id, pp.role, pp.checked_in_ms, pp.checked_out_ms, pp.x, pp.y, pp.position_ms, "
            "pe.name, pe.name_en, pe.badge_uid FROM permit_people pp JOIN people pe ON pe.id = pp.person_id "
            "WHERE pp.permit_id = ? ORDER BY pp.id",
            &v, 1, &r))
        return workers;
    for (int i = 0; i < aj_result_rows(r); i++) {
        int64_t pid = aj_result_int(r, i, 0), in = int_or(r, i, 2, 0), out = int_or(r, i, 3, 0);
        bool is_in = in && !out;
        json_t *o = json_pack("{s:I, s:s, s:s?, s:s?, s:o, s:o, s:b}", "person_id", (json_int_t)pid, "name",
                              aj_result_text(r, i, 7), "name_en", aj_result_text(r, i, 8), "badge_uid",
                              aj_result_text(r, i, 9), "checked_in_at", time_json(in), "checked_out_at",
                              time_json(out), "is_checked_in", is_in);
        if (!strcmp(aj_result_text(r, i, 1), "attendant")) {
            bool has_pos = !aj_result_is_null(r, i, 4);
            double d =
                has_pos ? aj_distance_m(p->x, p->y, aj_result_double(r, i, 4), aj_result_double(r, i, 5)) : 0;
            bool inside = !has_pos || d <= p->geofence_m;
            *is_attendant_present = is_in && inside;
            json_object_set_new(o, "present", json_boolean(*is_attendant_present));
            json_object_set_new(o, "x", has_pos ? json_real(aj_result_double(r, i, 4)) : json_null());
            json_object_set_new(o, "y", has_pos ? json_real(aj_result_double(r, i, 5)) : json_null());
            json_object_set_new(o, "distance_m", has_pos ? json_real(round(d * 10) / 10) : json_null());
            *attendant = o;
            continue;
        }
        json_t *cert = permit_certificate(req, p, pid);
        json_object_set_new(o, "certificate", cert);
        if (is_in) {
            (*n_in)++;
            if (json_is_true(json_object_get(cert, "ok"))) (*n_certified)++;
        }
        json_array_append_new(workers, o);
    }
    aj_result_free(r);
    return workers;
}

/* ---- facts ---------------------------------------------------------------------------------- */

static aj_gas_verdict verdict_parse(const char *s) {
    for (int v = AJ_GAS_PASS; v <= AJ_GAS_BAD_READING; v++)
        if (s && !strcmp(s, aj_gas_verdict_code((aj_gas_verdict)v))) return (aj_gas_verdict)v;
    return AJ_GAS_BAD_READING;
}

aj_err permit_facts(aj_req *req, const permit_row *p, aj_permit_event ev, bool has_pos, double x, double y,
                    aj_permit_facts *f) {
    memset(f, 0, sizeof *f);
    f->now_ms = aj_time_now_ms();
    f->valid_from_ms = p->valid_from_ms;
    f->valid_to_ms = p->valid_to_ms;
    f->n_measures = p->t ? p->t->n_checklist : 0;
    for (int i = 0; p->t && i < p->t->n_checklist; i++)
        if (json_object_get(p->measures, p->t->checklist[i].id)) f->n_measures_confirmed++;
    f->is_gas_required = p->t && p->t->gas.is_required;
    f->gas_max_age_min = p->t ? p->t->gas.sample_max_age_min : 0;
    f->retest_after_pause_min = p->needs_retest ? -1
                                : p->t && p->grade_index >= 0
                                    ? p->t->grades[p->grade_index].gas_retest_after_pause_min
                                    : 0;
    f->paused_since_ms = p->paused_since_ms;
    aj_val v = AJ_VINT(p->id);
    aj_result *r;
    if (aj_db_query(
            aj_req_db(req),
            "SELECT at_ms, verdict FROM permit_gas_samples WHERE permit_id = ? ORDER BY id DESC LIMIT 1", &v,
            1, &r))
        return aj_req_fail(req, AJ_EDB, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) == 1) {
        f->has_gas_sample = true;
        f->gas_sampled_ms = aj_result_int(r, 0, 0);
        f->gas_verdict = verdict_parse(aj_result_text(r, 0, 1));
    }
    aj_result_free(r);
    if (p->t && p->t->gas.is_daily_retest && f->has_gas_sample && ev == AJ_PE_RESUME) {
        /* a new day of the work needs a new analysis: treat local midnight as a pause start */
        int64_t off = 480LL * 60000, day = 86400000LL, local = f->now_ms + off;
        int64_t midnight = local - local % day - off;
        if (f->gas_sampled_ms < midnight) {
            f->retest_after_pause_min = -1;
            if (f->paused_since_ms < midnight) f->paused_since_ms = midnight;
        }
    }
    f->n_approvals_required = (int)json_array_size(p->chain);
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), "SELECT COUNT(*) FROM permit_approvals WHERE permit_id = ?", &v, 1, &n);
    f->n_approvals_given = (int)n;
    if (ev == AJ_PE_APPROVE && n < f->n_approvals_required) {
        const char *role = json_string_value(json_array_get(p->chain, (size_t)n));
        f->is_actor_next_approver = role && permit_caller_holds(req, p->enterprise_id, role);
        f->is_actor_at_site = has_pos && aj_distance_m(p->x, p->y, x, y) <= p->geofence_m;
    }
    json_t *att;
    json_t *w = people_json(req, p, &f->n_workers, &f->n_workers_certified, &f->is_attendant_present, &att);
    json_decref(w);
    json_decref(att);
    f->people_inside = p->people_inside;
    f->is_interlock_active = p->interlock != NULL;
    f->has_reason = req->json && json_is_string(json_object_get(req->json, "reason")) &&
                    *json_string_value(json_object_get(req->json, "reason"));
    return AJ_OK;
}

/* ---- JSON ------------------------------------------------------------------------------------- */

static json_t *text_json(aj_permit_text t) {
    return json_pack("{s:s, s:s}", "en", t.en, "zh", t.zh);
}

static json_t *lookup_code(aj_req *req, const char *table, int64_t id) {
    if (!id) return json_null();
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT code FROM %s WHERE id = ?", table);
    aj_val v = AJ_VINT(id);
    aj_result *r;
    json_t *out = json_null();
    if (!aj_db_query(aj_req_db(req), sql, &v, 1, &r)) {
        if (aj_result_rows(r) == 1) out = json_string(aj_result_text(r, 0, 0));
        aj_result_free(r);
    }
    return out;
}

json_t *permit_summary_json(aj_req *req, const permit_row *p) {
    json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)p->id, "number", p->number,
                          "site_id", (json_int_t)p->site_id, "type", p->type, "grade", p->grade, "state",
                          p->state, "title", p->title);
    json_object_set_new(o, "area_id", p->area_id ? json_integer(p->area_id) : json_null());
    json_object_set_new(o, "area_code", lookup_code(req, "areas", p->area_id));
    json_object_set_new(o, "asset_id", p->asset_id ? json_integer(p->asset_id) : json_null());
    json_object_set_new(o, "asset_code", lookup_code(req, "assets", p->asset_id));
    json_object_set_new(o, "x", json_real(p->x));
    json_object_set_new(o, "y", json_real(p->y));
    json_object_set_new(o, "geofence_m", json_real(p->geofence_m));
    json_object_set_new(o, "valid_from", time_json(p->valid_from_ms));
    json_object_set_new(o, "valid_to", time_json(p->valid_to_ms));
    json_t *il = json_pack("{s:b}", "active", p->interlock != NULL);
    if (p->interlock) {
        json_object_set(il, "cause", json_object_get(p->interlock, "kind"));
        json_object_set(il, "detail", p->interlock);
    }
    json_object_set_new(o, "interlock", il);
    json_object_set_new(o, "suspended_cause",
                        p->suspended_cause[0] ? json_string(p->suspended_cause) : json_null());
    json_object_set_new(o, "people_inside", json_integer(p->people_inside));
    json_object_set_new(o, "paused_since", time_json(p->paused_since_ms));
    if (p->t) {
        json_object_set_new(o, "type_name", text_json(p->t->name));
        if (p->grade_index >= 0)
            json_object_set_new(o, "grade_name", text_json(p->t->grades[p->grade_index].name));
    }
    return o;
}

static json_t *chain_json(aj_req *req, const permit_row *p, json_t **next_role) {
    json_t *arr = json_array();
    aj_val v = AJ_VINT(p->id);
    aj_result *r = NULL;
    aj_db_query(aj_req_db(req),
                "SELECT seq, role, username, at_ms, x, y, distance_m, comment FROM permit_approvals WHERE "
                "permit_id = ? "
                "ORDER BY seq",
                &v, 1, &r);
    *next_role = json_null();
    for (size_t i = 0; i < json_array_size(p->chain); i++) {
        const char *role = json_string_value(json_array_get(p->chain, i));
        json_t *o = json_pack("{s:s}", "role", role ? role : "?");
        int ri = req->app->permits && role ? aj_permit_role_index(req->app->permits, role) : -1;
        if (ri >= 0) json_object_set_new(o, "role_name", text_json(req->app->permits->roles[ri].name));
        bool done = false;
        for (int k = 0; r && k < aj_result_rows(r); k++) {
            if (aj_result_int(r, k, 0) != (int64_t)i) continue;
            done = true;
            json_object_set_new(o, "approved_by", json_string(aj_result_text(r, k, 2)));
            json_object_set_new(o, "approved_at", time_json(aj_result_int(r, k, 3)));
            json_object_set_new(o, "x", json_real(aj_result_double(r, k, 4)));
            json_object_set_new(o, "y", json_real(aj_result_double(r, k, 5)));
            json_object_set_new(o, "distance_m", json_real(aj_result_double(r, k, 6)));
            json_object_set_new(o, "comment",
                                aj_result_text(r, k, 7) ? json_string(aj_result_text(r, k, 7)) : json_null());
        }
        if (!done) {
            json_object_set_new(o, "approved_by", json_null());
            if (json_is_null(*next_role)) *next_role = json_string(role ? role : "?");
        }
        json_array_append_new(arr, o);
    }
    aj_result_free(r);
    return arr;
}

static json_t *rows_json(aj_req *req, const char *sql, int64_t id) {
    aj_val v = AJ_VINT(id);
    json_t *arr = NULL;
    if (aj_db_query_json(aj_req_db(req), sql, &v, 1, &arr)) return json_array();
    return arr;
}

static json_t *measures_json(const permit_row *p) {
    json_t *arr = json_array();
    for (int i = 0; p->t && i < p->t->n_checklist; i++) {
        const json_t *c = json_object_get(p->measures, p->t->checklist[i].id);
        json_t *o =
            json_pack("{s:s, s:o}", "id", p->t->checklist[i].id, "text", text_json(p->t->checklist[i].text));
        json_object_set_new(o, "confirmed_by", c ? json_copy(json_object_get(c, "by")) : json_null());
        json_object_set_new(o, "confirmed_at",
                            c ? time_json(json_integer_value(json_object_get(c, "at_ms"))) : json_null());
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *hazards_json(const permit_row *p) {
    json_t *arr = json_array();
    size_t i;
    json_t *h;
    json_array_foreach(p->hazards, i, h) {
        const char *id = json_string_value(h);
        json_t *o = json_pack("{s:s}", "id", id ? id : "?");
        for (int k = 0; p->t && id && k < p->t->n_hazards; k++)
            if (!strcmp(p->t->hazards[k].id, id))
                json_object_set_new(o, "text", text_json(p->t->hazards[k].text));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Events the caller may try now (the UI shows their buttons); the server still checks. */
static json_t *allowed_json(aj_req *req, const permit_row *p) {
    static const struct {
        aj_permit_event ev;
        const char *name;
        uint32_t perm;
    } EVENTS[] = {
        {AJ_PE_EDIT, "edit", AJ_PERM_PERMITS_APPLY},
        {AJ_PE_SUBMIT, "submit", AJ_PERM_PERMITS_APPLY},
        {AJ_PE_CONFIRM_MEASURES, "confirm_measures", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_RECORD_GAS, "record_gas", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_APPROVE, "approve", AJ_PERM_PERMITS_APPROVE},
        {AJ_PE_START, "start", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_PAUSE, "pause", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_PAUSE, "stop_work", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_RESUME, "resume", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_COMPLETE, "complete", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_CLOSE, "close", AJ_PERM_PERMITS_OPERATE},
        {AJ_PE_ARCHIVE, "archive", AJ_PERM_PERMITS_APPROVE},
        {AJ_PE_CANCEL, "cancel", AJ_PERM_PERMITS_APPLY},
        {AJ_PE_VOID, "void", AJ_PERM_PERMITS_APPROVE},
    };
    json_t *arr = json_array();
    int st = aj_permit_state_parse(p->state);
    if (st < 0) return arr;
    /* wrong_state is the only refusal that hides a button: the others are explained */
    aj_permit_facts f = {.now_ms = aj_time_now_ms(),
                         .valid_from_ms = p->valid_from_ms,
                         .valid_to_ms = p->valid_to_ms,
                         .n_measures = 1,
                         .n_measures_confirmed = 1,
                         .has_gas_sample = true,
                         .gas_sampled_ms = aj_time_now_ms(),
                         .gas_max_age_min = 1,
                         .retest_after_pause_min = 1 << 20,
                         .paused_since_ms = aj_time_now_ms(),
                         .n_approvals_required = 1,
                         .is_actor_next_approver = true,
                         .is_actor_at_site = true,
                         .n_workers = 1,
                         .n_workers_certified = 1,
                         .is_attendant_present = true,
                         .has_reason = true};
    for (size_t i = 0; i < sizeof EVENTS / sizeof EVENTS[0]; i++) {
        if (!aj_req_has_perm(req, EVENTS[i].perm)) continue;
        aj_permit_state to;
        aj_permit_facts g = f;
        if (EVENTS[i].ev == AJ_PE_EXPIRE) continue;
        aj_permit_refusal r = aj_permit_step((aj_permit_state)st, EVENTS[i].ev, &g, &to);
        if (r == AJ_PR_WRONG_STATE || r == AJ_PR_NEW_PERMIT_NEEDED) continue;
        if (EVENTS[i].ev == AJ_PE_RECORD_GAS && !(p->t && p->t->gas.is_required) && st != AJ_PS_PAUSED)
            continue;
        json_array_append_new(arr, json_string(EVENTS[i].name));
    }
    return arr;
}

json_t *permit_json(aj_req *req, const permit_row *p) {
    json_t *o = permit_summary_json(req, p);
    json_object_set(o, "fields", p->fields);
    json_object_set_new(o, "hazards", hazards_json(p));
    json_object_set(o, "grading", p->grading);
    json_object_set_new(o, "measures", measures_json(p));
    json_t *next;
    json_object_set_new(o, "chain", chain_json(req, p, &next));
    json_object_set_new(o, "next_role", next);
    int n_in, n_cert;
    bool present;
    json_t *att;
    json_object_set_new(o, "workers", people_json(req, p, &n_in, &n_cert, &present, &att));
    json_object_set_new(o, "n_workers", json_integer(n_in));
    json_object_set_new(o, "attendant", att ? att : json_null());
    if (!att) { /* not checked in yet: name the person */
        aj_val v = AJ_VINT(p->attendant_id);
        aj_result *r;
        if (!aj_db_query(aj_req_db(req), "SELECT id, name, name_en, badge_uid FROM people WHERE id = ?", &v,
                         1, &r)) {
            if (aj_result_rows(r) == 1)
                json_object_set_new(o, "attendant",
                                    json_pack("{s:I, s:s, s:s?, s:s?, s:b, s:n}", "person_id",
                                              (json_int_t)aj_result_int(r, 0, 0), "name",
                                              aj_result_text(r, 0, 1), "name_en", aj_result_text(r, 0, 2),
                                              "badge_uid", aj_result_text(r, 0, 3), "present", 0,
                                              "checked_in_at"));
            aj_result_free(r);
        }
    }
    json_object_set_new(
        o, "entries",
        rows_json(req,
                  "SELECT e.id, e.person_id, pe.name, e.direction, e.at_ms FROM permit_entries e JOIN "
                  "people pe ON pe.id = e.person_id WHERE e.permit_id = ? ORDER BY e.id",
                  p->id));
    json_t *samples = rows_json(req,
                                "SELECT id, at_ms, source, readings_json, verdict, by_user AS by, x, y FROM "
                                "permit_gas_samples WHERE permit_id = ? ORDER BY id",
                                p->id);
    json_object_set(o, "gas_latest",
                    json_array_size(samples) ? json_array_get(samples, json_array_size(samples) - 1)
                                             : json_null());
    json_object_set_new(o, "gas_samples", samples);
    json_object_set_new(o, "gas",
                        json_pack("{s:s?, s:o}", "name", p->gas_name[0] ? p->gas_name : NULL, "lel_pct_vol",
                                  p->gas_lel > 0 ? json_real(p->gas_lel) : json_null()));
    bool is_cs = !strcmp(p->type, "confined_space");
    int64_t base = p->last_monitoring_ms ? p->last_monitoring_ms : p->started_ms;
    json_object_set_new(o, "monitoring_due_at",
                        is_cs && base &&
                                aj_permit_state_is_active((aj_permit_state)aj_permit_state_parse(p->state))
                            ? time_json(base + AJ_PERMIT_MONITORING_MS)
                            : json_null());
    json_object_set_new(
        o, "events",
        rows_json(req,
                  "SELECT id, at_ms, kind, actor, detail_json FROM permit_events WHERE permit_id = ? "
                  "ORDER BY id",
                  p->id));
    int n_ref;
    json_object_set_new(o, "conflicts",
                        permit_conflicts(req, p->site_id, p->id, p->type, p->x, p->y, p->asset_id, &n_ref));
    json_object_set_new(o, "allowed_events", allowed_json(req, p));
    json_object_set_new(o, "served_permit_id", p->served_id ? json_integer(p->served_id) : json_null());
    json_object_set_new(o, "created_by", json_string(p->created_by));
    json_object_set_new(o, "ended_reason", p->ended_reason[0] ? json_string(p->ended_reason) : json_null());
    static const char *const when[] = {"created_at",   "submitted_at", "issued_at",  "started_at",
                                       "completed_at", "closed_at",    "archived_at"};
    const int64_t ms[] = {p->created_ms,   p->submitted_ms, p->issued_ms,  p->started_ms,
                          p->completed_ms, p->closed_ms,    p->archived_ms};
    for (int i = 0; i < 7; i++) json_object_set_new(o, when[i], time_json(ms[i]));
    return o;
}

aj_err permit_reply(aj_req *req, int64_t id, int status) {
    permit_row p;
    aj_err e = permit_load(req, id, &p);
    if (e) return e;
    aj_reply_json(req, status, permit_json(req, &p));
    permit_row_free(&p);
    return AJ_OK;
}

/* ---- changes ------------------------------------------------------------------------------------ */

aj_err permit_refuse(aj_req *req, const permit_row *p, const char *event, const char *refusal,
                     const char *message, json_t *extra) {
    json_t *detail = json_pack("{s:s, s:s, s:s}", "event", event, "refusal", refusal, "message", message);
    if (extra) json_object_update(detail, extra);
    if (p) {
        aj_db *db = aj_req_db(req);
        char actor[128];
        aj_req_actor(req, actor, sizeof actor);
        if (!aj_db_begin(db)) {
            if (aj_permit_db_event(db, p->id, p->enterprise_id, aj_time_now_ms(), "refused", actor, detail) ||
                aj_db_commit(db))
                aj_db_rollback(db);
        }
    }
    json_decref(req->err_details);
    req->err_details = detail;
    json_decref(extra);
    return aj_req_fail(req, AJ_ECONFLICT, "%s", message);
}

aj_err permit_record(aj_req *req, const permit_row *p, const char *kind, const char *from_state,
                     const char *to_state, const json_t *detail) {
    aj_db *db = aj_req_db(req);
    char actor[128], oid[32], action[64];
    aj_req_actor(req, actor, sizeof actor);
    aj_err e = aj_permit_db_event(db, p->id, p->enterprise_id, aj_time_now_ms(), kind, actor, detail);
    if (e) return e;
    snprintf(oid, sizeof oid, "%lld", (long long)p->id);
    snprintf(action, sizeof action, "permits.%s", kind);
    json_t *before = from_state ? json_pack("{s:s, s:s}", "number", p->number, "state", from_state) : NULL;
    json_t *after = json_pack("{s:s, s:s, s:O?}", "number", p->number, "state", to_state, "detail", detail);
    aj_audit_entry ae = {p->enterprise_id, actor, action, "permit", oid, before, after};
    e = aj_audit_append(db, &ae);
    json_decref(before);
    json_decref(after);
    return e;
}

void permit_published(aj_req *req, const permit_row *p, const char *change, const char *state,
                      const char *cause) {
    if (!req->app->engine) return;
    aj_permit_ref ref = {.id = p->id, .enterprise_id = p->enterprise_id, .site_id = p->site_id};
    snprintf(ref.number, sizeof ref.number, "%s", p->number);
    snprintf(ref.state, sizeof ref.state, "%s", state);
    snprintf(ref.type, sizeof ref.type, "%s", p->type);
    char *text = aj_permit_event_text(&ref, change, cause, req->auth.username);
    if (text) aj_engine_publish_permit(req->app->engine, p->enterprise_id, p->site_id, text);
    free(text);
    aj_engine_permits_changed(req->app->engine);
}

json_t *permit_conflicts(aj_req *req, int64_t site_id, int64_t self_id, const char *type, double x, double y,
                         int64_t asset_id, int *n_refusing) {
    *n_refusing = 0;
    json_t *arr = json_array();
    aj_val v[2] = {AJ_VINT(site_id), AJ_VINT(self_id)};
    aj_result *r;
    if (aj_db_query(
            aj_req_db(req),
            "SELECT id, number, type, x, y, COALESCE(asset_id, 0) FROM permits WHERE site_id = ? AND id <> ? "
            "AND state IN ('submitted', 'measures_confirmed', 'gas_analysed', 'approving', 'issued', "
            "'in_progress', 'paused') ORDER BY id LIMIT 1000",
            v, 2, &r))
        return arr;
    aj_simops_item me = {type, x, y, asset_id};
    for (int i = 0; i < aj_result_rows(r); i++) {
        aj_simops_item other = {aj_result_text(r, i, 2), aj_result_double(r, i, 3), aj_result_double(r, i, 4),
                                aj_result_int(r, i, 5)};
        aj_simops_conflict c;
        if (!aj_simops_check(&me, &other, &c)) continue;
        if (c.severity == AJ_SIMOPS_REFUSE) (*n_refusing)++;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:I, s:s, s:s, s:f, s:f, s:f}", "kind", aj_simops_kind_code(c.kind),
                           "severity", aj_simops_severity_code(c.severity), "other_permit_id",
                           (json_int_t)aj_result_int(r, i, 0), "other_number", aj_result_text(r, i, 1),
                           "other_type", aj_result_text(r, i, 2), "distance_m", round(c.distance_m * 10) / 10,
                           "x", other.x, "y", other.y));
    }
    aj_result_free(r);
    int64_t now = aj_time_now_ms();
    aj_val w[3] = {AJ_VINT(site_id), AJ_VINT(now), AJ_VINT(now)};
    if (aj_db_query(aj_req_db(req),
                    "SELECT id, kind, x, y, description FROM simops_activities WHERE site_id = ? AND from_ms "
                    "<= ? AND "
                    "to_ms > ? ORDER BY id LIMIT 1000",
                    w, 3, &r))
        return arr;
    for (int i = 0; i < aj_result_rows(r); i++) {
        aj_simops_item other = {aj_result_text(r, i, 1), aj_result_double(r, i, 2), aj_result_double(r, i, 3),
                                0};
        aj_simops_conflict c;
        if (!aj_simops_check(&me, &other, &c)) continue;
        if (c.severity == AJ_SIMOPS_REFUSE) (*n_refusing)++;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:I, s:s, s:s, s:f, s:f, s:f}", "kind", aj_simops_kind_code(c.kind),
                           "severity", aj_simops_severity_code(c.severity), "activity_id",
                           (json_int_t)aj_result_int(r, i, 0), "activity_kind", aj_result_text(r, i, 1),
                           "text", aj_result_text(r, i, 4), "distance_m", round(c.distance_m * 10) / 10, "x",
                           other.x, "y", other.y));
    }
    aj_result_free(r);
    return arr;
}
