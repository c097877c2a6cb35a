/* permits_admin.c — reading permits (list, one), the catalogue, the enterprise's permit
 * configuration (approval role holders, chains, holidays), SIMOPS activities, metrics and
 * notifications (docs/permits.md "API"). */
#include "api/permits_int.h"
#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "permit/lifecycle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- permits ------------------------------------------------------------------------------------- */

aj_err aj_api_permits_list(aj_req *req) {
    char ent[1100], site[1100], sql[5000];
    aj_scope_enterprise(req, "p.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "p.site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT " PERMIT_COLS " FROM permits p WHERE %s AND %s", ent, site);
    aj_val v[8]; /* state, type, grade, site, mine (3) */
    int n = 0;
    const char *state = aj_req_query(req, "state");
    if (!state || !strcmp(state, "active")) {
        strncat(sql, " AND p.state IN ('issued', 'in_progress', 'paused')", sizeof sql - strlen(sql) - 1);
    } else if (!strcmp(state, "open")) {
        strncat(sql, " AND p.state NOT IN ('closed', 'archived', 'void', 'cancelled')",
                sizeof sql - strlen(sql) - 1);
    } else if (strcmp(state, "all") != 0) {
        if (aj_permit_state_parse(state) < 0)
            return aj_req_fail(req, AJ_EINVAL, "state: active, open, all or a permit state (got \"%.40s\")",
                               state);
        strncat(sql, " AND p.state = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VTEXT(state);
    }
    const char *type = aj_req_query(req, "type");
    if (type) {
        if (!req->app->permits || !aj_permit_type_find(req->app->permits, type))
            return aj_req_fail(req, AJ_EINVAL, "type: not a permit type");
        strncat(sql, " AND p.type = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VTEXT(type);
    }
    const char *grade = aj_req_query(req, "grade");
    if (grade) {
        strncat(sql, " AND p.grade = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VTEXT(grade);
    }
    int64_t site_id, limit, mine = 0;
    aj_err e;
    if ((e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id))) return e;
    if (site_id) {
        strncat(sql, " AND p.site_id = ?", sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VINT(site_id);
    }
    if ((e = aj_req_query_int(req, "mine", 0, 0, 1, &mine))) return e;
    if (mine) { /* the caller's own: applied for, on it as worker or attendant, or approved */
        strncat(
            sql,
            " AND (p.created_by = ? OR p.id IN (SELECT pp.permit_id FROM permit_people pp JOIN users u ON "
            "u.person_id = pp.person_id WHERE u.id = ?) OR p.id IN (SELECT permit_id FROM permit_approvals "
            "WHERE "
            "user_id = ?))",
            sizeof sql - strlen(sql) - 1);
        v[n++] = AJ_VTEXT(req->auth.username);
        v[n++] = AJ_VINT(req->auth.user_id);
        v[n++] = AJ_VINT(req->auth.user_id);
    }
    if ((e = aj_req_query_int(req, "limit", 200, 1, AJ_PERMIT_LIST_MAX, &limit))) return e;
    strncat(sql, " ORDER BY p.id DESC LIMIT ?", sizeof sql - strlen(sql) - 1);
    aj_val all[9];
    memcpy(all, v, sizeof(aj_val) * (size_t)n);
    all[n++] = AJ_VINT(limit);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, all, n, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) {
        permit_row p;
        permit_row_from(r, i, req->app->permits, &p);
        json_t *o = permit_summary_json(req, &p);
        int n_ref;
        json_object_set_new(o, "conflicts",
                            permit_conflicts(req, p.site_id, p.id, p.type, p.x, p.y, p.asset_id, &n_ref));
        aj_val pv = AJ_VINT(p.id);
        int64_t nw = 0;
        aj_db_query_int(
            aj_req_db(req),
            "SELECT COUNT(*) FROM permit_people WHERE permit_id = ? AND role = 'worker' AND checked_in_ms "
            "IS NOT NULL AND checked_out_ms IS NULL",
            &pv, 1, &nw);
        json_object_set_new(o, "n_workers", json_integer(nw));
        json_t *att = NULL;
        aj_val av = AJ_VINT(p.attendant_id);
        aj_result *ar;
        if (!aj_db_query(aj_req_db(req), "SELECT id, name, name_en FROM people WHERE id = ?", &av, 1, &ar)) {
            if (aj_result_rows(ar) == 1)
                att = json_pack("{s:I, s:s, s:s?}", "person_id", (json_int_t)aj_result_int(ar, 0, 0), "name",
                                aj_result_text(ar, 0, 1), "name_en", aj_result_text(ar, 0, 2));
            aj_result_free(ar);
        }
        json_object_set_new(o, "attendant", att ? att : json_null());
        json_array_append_new(items, o);
        permit_row_free(&p);
    }
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

aj_err aj_api_permits_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such permit");
    return permit_reply(req, id, 200);
}

/* ---- the catalogue ---------------------------------------------------------------------------------- */

static json_t *text_json(aj_permit_text t) {
    return json_pack("{s:s, s:s}", "en", t.en, "zh", t.zh);
}

static json_t *items_json(const aj_permit_item *items, int n) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr,
                              json_pack("{s:s, s:o}", "id", items[i].id, "text", text_json(items[i].text)));
    return arr;
}

static json_t *chain_override(aj_req *req, const char *type, const char *grade) {
    aj_val v[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(type), AJ_VTEXT(grade)};
    aj_result *r;
    json_t *out = NULL;
    if (!aj_db_query(
            aj_req_db(req),
            "SELECT roles_json FROM permit_chains WHERE enterprise_id = ? AND type = ? AND grade = ?", v, 3,
            &r)) {
        json_error_t je;
        if (aj_result_rows(r) == 1) out = json_loads(aj_result_text(r, 0, 0), 0, &je);
        aj_result_free(r);
    }
    return out;
}

aj_err aj_api_permit_types(aj_req *req) {
    const aj_permit_catalogue *cat;
    aj_err e = permit_catalogue(req, &cat);
    if (e) return e;
    json_t *roles = json_array(), *types = json_array();
    for (int i = 0; i < cat->n_roles; i++)
        json_array_append_new(roles, json_pack("{s:s, s:o}", "code", cat->roles[i].code, "name",
                                               text_json(cat->roles[i].name)));
    for (int i = 0; i < cat->n_types; i++) {
        const aj_permit_type *t = &cat->types[i];
        json_t *grades = json_array(), *fields = json_array(), *certs = json_array();
        for (int g = 0; g < t->n_grades; g++) {
            json_t *chain = json_array();
            const aj_permit_approval *a = aj_permit_approval_of(t, g);
            for (int k = 0; a && k < a->n_roles; k++)
                json_array_append_new(chain, json_string(cat->roles[a->roles[k]].code));
            json_t *own = chain_override(req, t->code, t->grades[g].code);
            json_array_append_new(
                grades, json_pack("{s:s, s:o, s:{s:i, s:i}, s:o, s:o, s:i, s:b}", "code", t->grades[g].code,
                                  "name", text_json(t->grades[g].name), "validity", "default_h",
                                  t->grades[g].validity.default_h, "max_h", t->grades[g].validity.max_h,
                                  "chain", own ? own : json_copy(chain), "standard_chain", chain,
                                  "gas_retest_after_pause_min", t->grades[g].gas_retest_after_pause_min,
                                  "is_gas_monitored", t->grades[g].is_gas_monitored));
        }
        for (int f = 0; f < t->n_fields; f++) {
            const aj_permit_field *fd = &t->fields[f];
            json_t *o = json_pack("{s:s, s:o, s:s, s:b, s:s?}", "id", fd->id, "label", text_json(fd->label),
                                  "type", aj_permit_field_type_code(fd->type), "is_required", fd->is_required,
                                  "unit", fd->unit);
            if (fd->n_options) {
                json_t *opts = json_array();
                for (int k = 0; k < fd->n_options; k++)
                    json_array_append_new(opts, json_pack("{s:s, s:o}", "id", fd->options[k].id, "label",
                                                          text_json(fd->options[k].label)));
                json_object_set_new(o, "options", opts);
            }
            json_array_append_new(fields, o);
        }
        for (int k = 0; k < t->n_certificates; k++)
            json_array_append_new(certs, json_string(t->certificates[k]));
        json_array_append_new(
            types, json_pack("{s:s, s:o, s:o, s:{s:b, s:i, s:i, s:b, s:f}, s:o, s:o, s:o, s:o}", "code",
                             t->code, "name", text_json(t->name), "grades", grades, "gas", "is_required",
                             t->gas.is_required, "sample_max_age_min", t->gas.sample_max_age_min,
                             "record_interval_min", t->gas.record_interval_min, "is_daily_retest",
                             t->gas.is_daily_retest, "sample_distance_m_max", t->gas.sample_distance_m_max,
                             "fields", fields, "checklist", items_json(t->checklist, t->n_checklist),
                             "hazards", items_json(t->hazards, t->n_hazards), "certificates", certs));
    }
    aj_reply_json(req, 200,
                  json_pack("{s:s, s:o, s:o}", "standard", cat->standard, "roles", roles, "types", types));
    return AJ_OK;
}

/* ---- configuration ------------------------------------------------------------------------------------ */

static aj_err audit_config(aj_req *req, const char *action, const char *oid, json_t *after) {
    char actor[128];
    aj_req_actor(req, actor, sizeof actor);
    aj_audit_entry ae = {req->auth.enterprise_id, actor, action, "permit_config", oid, NULL, after};
    return aj_audit_append(aj_req_db(req), &ae);
}

aj_err aj_api_permit_roles_get(aj_req *req) {
    aj_val v = AJ_VINT(req->auth.enterprise_id);
    json_t *rows;
    aj_err e = aj_db_query_json(
        aj_req_db(req),
        "SELECT h.role, h.person_id, p.name, p.name_en FROM permit_role_holders h JOIN people p ON "
        "p.id = h.person_id WHERE h.enterprise_id = ? ORDER BY h.role, h.person_id",
        &v, 1, &rows);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    aj_reply_json(req, 200, json_pack("{s:o}", "items", rows));
    return AJ_OK;
}

aj_err aj_api_permit_roles_put(aj_req *req) {
    static const char *const allowed[] = {"role", "person_ids", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 2);
    if (e) return e;
    const aj_permit_catalogue *cat;
    if ((e = permit_catalogue(req, &cat))) return e;
    const char *role = json_string_value(json_object_get(req->json, "role"));
    if (!role || aj_permit_role_index(cat, role) < 0)
        return aj_req_fail(req, AJ_EINVAL, "role: not an approval role of the catalogue");
    const json_t *ids = json_object_get(req->json, "person_ids");
    if (!json_is_array(ids) || json_array_size(ids) > 200)
        return aj_req_fail(req, AJ_EINVAL, "person_ids: a list of person ids");
    aj_db *db = aj_req_db(req);
    for (size_t i = 0; i < json_array_size(ids); i++) {
        aj_val v[2] = {AJ_VINT(json_integer_value(json_array_get(ids, i))), AJ_VINT(req->auth.enterprise_id)};
        int64_t n = 0;
        aj_db_query_int(db, "SELECT COUNT(*) FROM people WHERE id = ? AND enterprise_id = ?", v, 2, &n);
        if (!json_is_integer(json_array_get(ids, i)) || !n)
            return aj_req_fail(req, AJ_EINVAL, "person_ids[%zu]: no such person in the enterprise", i);
    }
    aj_val dv[2] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(role)};
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(db, "DELETE FROM permit_role_holders WHERE enterprise_id = ? AND role = ?", dv, 2,
                       NULL);
    for (size_t i = 0; !e && i < json_array_size(ids); i++) {
        aj_val v[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(role),
                       AJ_VINT(json_integer_value(json_array_get(ids, i)))};
        e = aj_db_exec(db,
                       "INSERT INTO permit_role_holders (enterprise_id, role, person_id) VALUES (?, ?, ?)", v,
                       3, NULL);
    }
    if (!e) e = audit_config(req, "permits.roles", role, req->json);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "not changed: %s", aj_db_errmsg(db));
    }
    return aj_api_permit_roles_get(req);
}

aj_err aj_api_permit_chains_put(aj_req *req) {
    static const char *const allowed[] = {"type", "grade", "roles", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 3);
    if (e) return e;
    const aj_permit_catalogue *cat;
    if ((e = permit_catalogue(req, &cat))) return e;
    const char *type = json_string_value(json_object_get(req->json, "type"));
    const char *grade = json_string_value(json_object_get(req->json, "grade"));
    const aj_permit_type *t = type ? aj_permit_type_find(cat, type) : NULL;
    if (!t) return aj_req_fail(req, AJ_EINVAL, "type: not a permit type");
    if (!grade || aj_permit_grade_index(t, grade) < 0)
        return aj_req_fail(req, AJ_EINVAL, "grade: not a grade of %s", type);
    const json_t *roles = json_object_get(req->json, "roles");
    if (!json_is_array(roles) || json_array_size(roles) > AJ_PERMIT_APPROVERS_MAX)
        return aj_req_fail(req, AJ_EINVAL,
                           "roles: a list of up to %d approval roles (empty: the standard's chain)",
                           AJ_PERMIT_APPROVERS_MAX);
    for (size_t i = 0; i < json_array_size(roles); i++)
        if (!json_is_string(json_array_get(roles, i)) ||
            aj_permit_role_index(cat, json_string_value(json_array_get(roles, i))) < 0)
            return aj_req_fail(req, AJ_EINVAL, "roles[%zu]: not an approval role of the catalogue", i);
    aj_db *db = aj_req_db(req);
    char *text = json_dumps(roles, JSON_COMPACT);
    aj_val dv[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(type), AJ_VTEXT(grade)};
    aj_val iv[4] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(type), AJ_VTEXT(grade), AJ_VTEXT(text)};
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(db, "DELETE FROM permit_chains WHERE enterprise_id = ? AND type = ? AND grade = ?", dv,
                       3, NULL);
    if (!e && json_array_size(roles))
        e = aj_db_exec(
            db, "INSERT INTO permit_chains (enterprise_id, type, grade, roles_json) VALUES (?, ?, ?, ?)", iv,
            4, NULL);
    char oid[80];
    snprintf(oid, sizeof oid, "%s/%s", type, grade);
    if (!e) e = audit_config(req, "permits.chain", oid, req->json);
    if (!e) e = aj_db_commit(db);
    free(text);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "not changed: %s", aj_db_errmsg(db));
    }
    return aj_api_permit_types(req);
}

aj_err aj_api_permit_holidays_get(aj_req *req) {
    aj_val v = AJ_VINT(req->auth.enterprise_id);
    json_t *rows;
    aj_err e = aj_db_query_json(
        aj_req_db(req), "SELECT day FROM permit_holidays WHERE enterprise_id = ? ORDER BY day", &v, 1, &rows);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *days = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) json_array_append(days, json_object_get(o, "day"));
    json_decref(rows);
    aj_reply_json(req, 200, json_pack("{s:o}", "days", days));
    return AJ_OK;
}

aj_err aj_api_permit_holidays_put(aj_req *req) {
    static const char *const allowed[] = {"days", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 1);
    if (e) return e;
    const json_t *days = json_object_get(req->json, "days");
    if (!json_is_array(days) || json_array_size(days) > 400)
        return aj_req_fail(req, AJ_EINVAL, "days: a list of up to 400 dates YYYY-MM-DD");
    for (size_t i = 0; i < json_array_size(days); i++) {
        const char *d = json_string_value(json_array_get(days, i));
        int64_t t;
        char probe[40];
        snprintf(probe, sizeof probe, "%.10sT00:00:00Z", d ? d : "");
        if (!d || strlen(d) != 10 || !aj_time_parse(probe, &t))
            return aj_req_fail(req, AJ_EINVAL, "days[%zu]: a date YYYY-MM-DD", i);
    }
    aj_db *db = aj_req_db(req);
    aj_val ev = AJ_VINT(req->auth.enterprise_id);
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(db, "DELETE FROM permit_holidays WHERE enterprise_id = ?", &ev, 1, NULL);
    for (size_t i = 0; !e && i < json_array_size(days); i++) {
        aj_val v[2] = {AJ_VINT(req->auth.enterprise_id),
                       AJ_VTEXT(json_string_value(json_array_get(days, i)))};
        e = aj_db_exec(db, "INSERT INTO permit_holidays (enterprise_id, day) VALUES (?, ?)", v, 2, NULL);
    }
    if (!e) e = audit_config(req, "permits.holidays", "holidays", req->json);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e == AJ_ECONFLICT ? AJ_EINVAL : e, "not changed (a day listed twice?): %s",
                           aj_db_errmsg(db));
    }
    return aj_api_permit_holidays_get(req);
}

/* ---- SIMOPS activities -----------------------------------------------------------------------------------
 */

aj_err aj_api_simops_list(aj_req *req) {
    char ent[1100], sql[1400];
    aj_scope_enterprise(req, "enterprise_id", ent, sizeof ent);
    snprintf(sql, sizeof sql,
             "SELECT id, site_id, kind, x, y, description, from_ms, to_ms, created_by FROM simops_activities "
             "WHERE %s "
             "AND to_ms > ? ORDER BY id DESC LIMIT 500",
             ent);
    aj_val v = AJ_VINT(aj_time_now_ms());
    json_t *rows;
    aj_err e = aj_db_query_json(aj_req_db(req), sql, &v, 1, &rows);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    aj_reply_json(req, 200, json_pack("{s:o}", "items", rows));
    return AJ_OK;
}

aj_err aj_api_simops_create(aj_req *req) {
    static const char *const allowed[] = {"site_id",     "kind",        "x",         "y",
                                          "description", "active_from", "active_to", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 7);
    if (e) return e;
    const json_t *b = req->json;
    int64_t site_id = json_integer_value(json_object_get(b, "site_id")), from, to, n = 0;
    aj_val sv[2] = {AJ_VINT(site_id), AJ_VINT(req->auth.enterprise_id)};
    aj_db_query_int(aj_req_db(req), "SELECT COUNT(*) FROM sites WHERE id = ? AND enterprise_id = ?", sv, 2,
                    &n);
    if (!n) return aj_req_fail(req, AJ_EINVAL, "site_id: no such site in your enterprise");
    const char *kind = json_string_value(json_object_get(b, "kind"));
    if (!kind || (strcmp(kind, "venting_gas") && strcmp(kind, "venting_liquid")))
        return aj_req_fail(req, AJ_EINVAL, "kind: venting_gas or venting_liquid");
    const json_t *x = json_object_get(b, "x"), *y = json_object_get(b, "y");
    if (!json_is_number(x) || !json_is_number(y))
        return aj_req_fail(req, AJ_EINVAL, "x, y: site metres, numbers");
    const char *desc = json_string_value(json_object_get(b, "description"));
    if (!desc || !*desc || strlen(desc) > 500)
        return aj_req_fail(req, AJ_EINVAL, "description: 1 to 500 bytes");
    const char *fs = json_string_value(json_object_get(b, "active_from")),
               *ts = json_string_value(json_object_get(b, "active_to"));
    if (!fs || !aj_time_parse(fs, &from)) return aj_req_fail(req, AJ_EINVAL, "active_from: an RFC 3339 time");
    if (!ts || !aj_time_parse(ts, &to) || to <= from)
        return aj_req_fail(req, AJ_EINVAL, "active_to: an RFC 3339 time after active_from");
    char actor[128];
    aj_req_actor(req, actor, sizeof actor);
    aj_val v[9] = {
        AJ_VINT(req->auth.enterprise_id), AJ_VINT(site_id), AJ_VTEXT(kind), AJ_VDBL(json_number_value(x)),
        AJ_VDBL(json_number_value(y)),    AJ_VTEXT(desc),   AJ_VINT(from),  AJ_VINT(to),
        AJ_VTEXT(req->auth.username)};
    aj_db *db = aj_req_db(req);
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(
            db,
            "INSERT INTO simops_activities (enterprise_id, site_id, kind, x, y, description, from_ms, to_ms, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            v, 9, NULL);
    if (!e) e = audit_config(req, "permits.simops_activity", kind, req->json);
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "not recorded: %s", aj_db_errmsg(db));
    }
    if (req->app->engine) aj_engine_permits_changed(req->app->engine);
    return aj_api_simops_list(req);
}

/* ---- metrics
 * ------------------------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

aj_err aj_api_permit_metrics(aj_req *req) {
    char ent[1100], site[1100], cond[2400];
    aj_scope_enterprise(req, "p.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "p.site_id", site, sizeof site);
    int64_t site_id, from_ms = 0;
    aj_err e;
    if ((e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id))) return e;
    const char *from = aj_req_query(req, "from");
    if (from && !aj_time_parse(from, &from_ms)) return aj_req_fail(req, AJ_EINVAL, "from: an RFC 3339 time");
    snprintf(cond, sizeof cond, "%s AND %s AND p.created_ms >= %lld%s", ent, site, (long long)from_ms,
             site_id ? " AND p.site_id = ?" : "");
    aj_val sv = AJ_VINT(site_id);
    int ns = site_id ? 1 : 0;
    char sql[3200];
    aj_db *db = aj_req_db(req);
    /* approval lead time: submitted -> issued, minutes */
    snprintf(sql, sizeof sql,
             "SELECT issued_ms - submitted_ms FROM permits p WHERE %s AND issued_ms IS NOT NULL AND "
             "submitted_ms IS NOT "
             "NULL ORDER BY 1 LIMIT 100000",
             cond);
    aj_result *r;
    if ((e = aj_db_query(db, sql, &sv, ns, &r))) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    int n = aj_result_rows(r);
    double *mins = n ? malloc((size_t)n * sizeof *mins) : NULL;
    for (int i = 0; mins && i < n; i++) mins[i] = aj_result_int(r, i, 0) / 60000.0;
    aj_result_free(r);
    if (mins) qsort(mins, (size_t)n, sizeof *mins, cmp_double);
    static const double EDGES[] = {15, 30, 60, 120, 240, 480, 1440};
    json_t *hist = json_array();
    for (size_t k = 0; k <= sizeof EDGES / sizeof EDGES[0]; k++) {
        int c = 0;
        double lo = k ? EDGES[k - 1] : -1, hi = k < sizeof EDGES / sizeof EDGES[0] ? EDGES[k] : INFINITY;
        for (int i = 0; i < n; i++) c += mins[i] > lo && mins[i] <= hi;
        json_array_append_new(
            hist, json_pack("{s:o, s:i}", "le_min", isfinite(hi) ? json_real(hi) : json_null(), "count", c));
    }
    json_t *lead =
        json_pack("{s:i, s:o, s:o, s:o, s:o}", "count", n, "p50_min",
                  n ? json_real(round(mins[(n - 1) / 2] * 10) / 10) : json_null(), "p90_min",
                  n ? json_real(round(mins[(int)((n - 1) * 0.9)] * 10) / 10) : json_null(), "max_min",
                  n ? json_real(round(mins[n - 1] * 10) / 10) : json_null(), "histogram", hist);
    free(mins);
    json_t *by_type, *susp, *refused;
    snprintf(sql, sizeof sql,
             "SELECT type, grade, COUNT(*) AS count FROM permits p WHERE %s GROUP BY type, grade ORDER BY "
             "type, grade",
             cond);
    if ((e = aj_db_query_json(db, sql, &sv, ns, &by_type))) {
        json_decref(lead);
        return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    }
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(e.detail_json, '') AS d FROM permit_events e JOIN permits p ON p.id = "
             "e.permit_id WHERE %s "
             "AND e.kind IN ('suspended', 'interlock', 'stop_work') LIMIT 100000",
             cond);
    json_t *rows = NULL;
    susp = json_object();
    if (!aj_db_query_json(db, sql, &sv, ns, &rows)) {
        size_t i;
        json_t *o;
        json_array_foreach(rows, i, o) {
            json_error_t je;
            json_t *d = json_loads(json_string_value(json_object_get(o, "d")) ?: "", 0, &je);
            const char *c = json_string_value(json_object_get(d, "cause"));
            if (!c) c = json_string_value(json_object_get(d, "kind"));
            if (!c) c = "other";
            json_object_set_new(susp, c, json_integer(json_integer_value(json_object_get(susp, c)) + 1));
            json_decref(d);
        }
        json_decref(rows);
    }
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(e.detail_json, '') AS d FROM permit_events e JOIN permits p ON p.id = "
             "e.permit_id WHERE %s "
             "AND e.kind = 'refused' LIMIT 100000",
             cond);
    refused = json_object();
    if (!aj_db_query_json(db, sql, &sv, ns, &rows)) {
        size_t i;
        json_t *o;
        json_array_foreach(rows, i, o) {
            json_error_t je;
            json_t *d = json_loads(json_string_value(json_object_get(o, "d")) ?: "", 0, &je);
            const char *c = json_string_value(json_object_get(d, "refusal"));
            if (!c) c = "other";
            json_object_set_new(refused, c,
                                json_integer(json_integer_value(json_object_get(refused, c)) + 1));
            json_decref(d);
        }
        json_decref(rows);
    }
    json_t *sa = json_array(), *ra = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(susp, k, v)
        json_array_append_new(sa, json_pack("{s:s, s:O}", "cause", k, "count", v));
    json_object_foreach(refused, k, v)
        json_array_append_new(ra, json_pack("{s:s, s:O}", "refusal", k, "count", v));
    json_decref(susp);
    json_decref(refused);
    aj_reply_json(req, 200,
                  json_pack("{s:o, s:o, s:o, s:o, s:s}", "approval_lead_time", lead, "by_type_grade", by_type,
                            "suspensions", sa, "refusals", ra, "retention",
                            "permits and their records are kept at least one year (never deleted)"));
    return AJ_OK;
}

/* ---- notifications
 * -------------------------------------------------------------------------------------------- */

aj_err aj_api_notifications_list(aj_req *req) {
    int64_t person = permit_caller_person(req), limit;
    aj_err e = aj_req_query_int(req, "limit", 100, 1, 1000, &limit);
    if (e) return e;
    aj_val v[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VINT(person), AJ_VINT(limit)};
    json_t *rows;
    if ((e = aj_db_query_json(aj_req_db(req),
                              "SELECT id, permit_id, hazard_id, inspection_task_id, role, kind, text, "
                              "created_ms AS created_at_ms, read_ms "
                              "AS read_at_ms FROM notifications WHERE "
                              "enterprise_id = ? AND person_id = ? ORDER BY id DESC LIMIT ?",
                              v, 3, &rows)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    aj_reply_json(req, 200, json_pack("{s:o, s:b}", "items", rows, "is_person", person != 0));
    return AJ_OK;
}
