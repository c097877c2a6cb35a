/* permits_create.c — draft and change a work permit (POST /permits, PATCH /permits/{id}):
 * the form against the catalogue, the grade (hot work from the place, the calendar, the
 * clock and the live wind; height from the height and hazard factors; lifting from the
 * mass), the validity window against the grade's limit and the permit it serves, the
 * place (site, area found from the work point, equipment), the people, the gas of the
 * place, the approval chain of the enterprise and the SIMOPS rules. All or nothing: the
 * first problem is answered 400 (or 409 for a refusal) and nothing is written. */
#include "api/permits_int.h"
#include "api/resource.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "permit/gases.h"
#include "permit/grading.h"
#include "permit/simops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ALLOWED[] = {
    "site_id",          "type",       "title",    "x",        "y",          "valid_from", "valid_to",
    "attendant_id",     "worker_ids", "area_id",  "asset_id", "geofence_m", "fields",     "hazards",
    "served_permit_id", "gas_name",   "wind_mps", NULL};
#define N_REQUIRED 9

/* What a draft is made of, checked. */
typedef struct draft {
    int64_t enterprise_id, site_id, area_id, asset_id, attendant_id, served_id;
    int64_t worker_ids[AJ_PERMIT_WORKERS_MAX];
    int n_workers;
    const aj_permit_type *t;
    int type_index, grade_index;
    const char *title;
    double x, y, geofence_m, gas_lel;
    const aj_gas_info *gas;
    int64_t from_ms, to_ms;
    json_t *fields, *hazards, *grading, *chain; /* owned */
    char timezone[64];
} draft;

static void draft_free(draft *d) {
    json_decref(d->fields);
    json_decref(d->hazards);
    json_decref(d->grading);
    json_decref(d->chain);
}

static aj_err get_int(aj_req *req, const json_t *body, const char *name, bool is_required, int64_t *out) {
    const json_t *v = json_object_get(body, name);
    *out = 0;
    if (!v || json_is_null(v)) return is_required ? aj_req_fail(req, AJ_EINVAL, "%s: required", name) : AJ_OK;
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return aj_req_fail(req, AJ_EINVAL, "%s: must be a positive integer id", name);
    *out = json_integer_value(v);
    return AJ_OK;
}

static aj_err get_num(aj_req *req, const json_t *body, const char *name, double lo, double hi, double *out) {
    const json_t *v = json_object_get(body, name);
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < lo ||
        json_number_value(v) > hi)
        return aj_req_fail(req, AJ_EINVAL, "%s: must be a number from %g to %g", name, lo, hi);
    *out = json_number_value(v);
    return AJ_OK;
}

static aj_err get_time(aj_req *req, const json_t *body, const char *name, int64_t *out) {
    const json_t *v = json_object_get(body, name);
    if (!json_is_string(v) || !aj_time_parse(json_string_value(v), out))
        return aj_req_fail(req, AJ_EINVAL, "%s: must be an RFC 3339 time such as 2026-11-30T08:00:00+08:00",
                           name);
    return AJ_OK;
}

/* ---- form ------------------------------------------------------------------------------------- */

/* Filled by the server from the window, the position and the people. */
static bool is_filled_by_server(const aj_permit_field *f) {
    return f->type == AJ_PERMIT_FIELD_PERSON || f->type == AJ_PERMIT_FIELD_PEOPLE ||
           f->type == AJ_PERMIT_FIELD_GEO_POINT || !strcmp(f->id, "planned_start") ||
           !strcmp(f->id, "planned_end");
}

static aj_err check_field(aj_req *req, const aj_permit_field *f, const json_t *v) {
    switch (f->type) {
    case AJ_PERMIT_FIELD_TEXT:
        if (!json_is_string(v) || strlen(json_string_value(v)) > AJ_PERMIT_TEXT_LEN_MAX)
            return aj_req_fail(req, AJ_EINVAL, "fields.%s: must be a text of at most %d bytes", f->id,
                               AJ_PERMIT_TEXT_LEN_MAX);
        return AJ_OK;
    case AJ_PERMIT_FIELD_NUMBER:
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return aj_req_fail(req, AJ_EINVAL, "fields.%s: must be a number%s%s", f->id,
                               f->unit ? " in " : "", f->unit ? f->unit : "");
        return AJ_OK;
    case AJ_PERMIT_FIELD_BOOL:
        if (!json_is_boolean(v))
            return aj_req_fail(req, AJ_EINVAL, "fields.%s: must be true or false", f->id);
        return AJ_OK;
    case AJ_PERMIT_FIELD_DATETIME: {
        int64_t t;
        if (!json_is_string(v) || !aj_time_parse(json_string_value(v), &t))
            return aj_req_fail(req, AJ_EINVAL, "fields.%s: must be an RFC 3339 time", f->id);
        return AJ_OK;
    }
    case AJ_PERMIT_FIELD_ENUM:
        for (int i = 0; json_is_string(v) && i < f->n_options; i++)
            if (!strcmp(json_string_value(v), f->options[i].id)) return AJ_OK;
        {
            char list[600] = "";
            for (int i = 0; i < f->n_options; i++) {
                if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, f->options[i].id, sizeof list - strlen(list) - 1);
            }
            return aj_req_fail(req, AJ_EINVAL, "fields.%s: must be one of %s", f->id, list);
        }
    case AJ_PERMIT_FIELD_PERSON:
        if (!json_is_integer(v)) return aj_req_fail(req, AJ_EINVAL, "fields.%s: must be a person id", f->id);
        return AJ_OK;
    case AJ_PERMIT_FIELD_PEOPLE:
        if (!json_is_array(v))
            return aj_req_fail(req, AJ_EINVAL, "fields.%s: must be a list of person ids", f->id);
        return AJ_OK;
    default:
        return AJ_OK; /* geo points come from x, y */
    }
}

static aj_err check_fields(aj_req *req, const aj_permit_type *t, const json_t *fields) {
    if (fields && !json_is_object(fields)) return aj_req_fail(req, AJ_EINVAL, "fields: must be an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)fields, key, val) {
        const aj_permit_field *f = NULL;
        for (int i = 0; i < t->n_fields && !f; i++)
            if (!strcmp(t->fields[i].id, key)) f = &t->fields[i];
        if (!f) return aj_req_fail(req, AJ_EINVAL, "fields.%.64s: not a field of %s permits", key, t->code);
        if (json_is_null(val)) continue;
        aj_err e = check_field(req, f, val);
        if (e) return e;
    }
    char missing[800] = "";
    for (int i = 0; i < t->n_fields; i++) {
        const aj_permit_field *f = &t->fields[i];
        if (!f->is_required || is_filled_by_server(f)) continue;
        const json_t *v = fields ? json_object_get(fields, f->id) : NULL;
        if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v))) continue;
        if (*missing) strncat(missing, ", ", sizeof missing - strlen(missing) - 1);
        strncat(missing, f->id, sizeof missing - strlen(missing) - 1);
    }
    if (*missing) return aj_req_fail(req, AJ_EINVAL, "fields: required for %s permits: %s", t->code, missing);
    return AJ_OK;
}

static aj_err check_hazards(aj_req *req, const aj_permit_type *t, const json_t *given, json_t **out) {
    if (!given || json_is_null(given)) { /* the type's typical hazards are the starting point */
        *out = json_array();
        for (int i = 0; i < t->n_hazards; i++) json_array_append_new(*out, json_string(t->hazards[i].id));
        return AJ_OK;
    }
    if (!json_is_array(given) || json_array_size(given) == 0)
        return aj_req_fail(req, AJ_EINVAL, "hazards: must be a non-empty list of hazard ids");
    size_t i;
    json_t *h;
    json_array_foreach(given, i, h) {
        bool ok = false;
        for (int k = 0; json_is_string(h) && k < t->n_hazards && !ok; k++)
            ok = !strcmp(t->hazards[k].id, json_string_value(h));
        if (!ok) return aj_req_fail(req, AJ_EINVAL, "hazards[%zu]: not a hazard of %s permits", i, t->code);
    }
    *out = json_copy((json_t *)given);
    return AJ_OK;
}

/* ---- place and people --------------------------------------------------------------------------- */

static aj_err find_area(aj_req *req, draft *d) {
    aj_val v = AJ_VINT(d->site_id);
    aj_result *r;
    if (aj_db_query(aj_req_db(req), "SELECT id, polygon_json FROM areas WHERE site_id = ? ORDER BY id", &v, 1,
                    &r))
        return aj_req_fail(req, AJ_EDB, "%s", aj_db_errmsg(req->db));
    for (int i = 0; i < aj_result_rows(r) && !d->area_id; i++) {
        json_error_t je;
        json_t *poly = aj_result_text(r, i, 1) ? json_loads(aj_result_text(r, i, 1), 0, &je) : NULL;
        size_t n = json_array_size(poly);
        double *xy = n ? malloc(n * 2 * sizeof *xy) : NULL;
        for (size_t k = 0; xy && k < n; k++) {
            xy[2 * k] = json_number_value(json_array_get(json_array_get(poly, k), 0));
            xy[2 * k + 1] = json_number_value(json_array_get(json_array_get(poly, k), 1));
        }
        if (xy && aj_point_in_polygon(d->x, d->y, xy, (int)n)) d->area_id = aj_result_int(r, i, 0);
        free(xy);
        json_decref(poly);
    }
    aj_result_free(r);
    return AJ_OK;
}

static aj_err check_in_site(aj_req *req, const char *table, const char *what, int64_t id, int64_t site_id) {
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ? AND site_id = ?", table);
    aj_val v[2] = {AJ_VINT(id), AJ_VINT(site_id)};
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), sql, v, 2, &n);
    return n ? AJ_OK
             : aj_req_fail(req, AJ_EINVAL, "%s: no %s %lld on site %lld", what, what + 0, (long long)id,
                           (long long)site_id);
}

static aj_err check_person(aj_req *req, const char *what, int64_t id, int64_t enterprise_id) {
    aj_val v[2] = {AJ_VINT(id), AJ_VINT(enterprise_id)};
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), "SELECT COUNT(*) FROM people WHERE id = ? AND enterprise_id = ?", v, 2,
                    &n);
    return n ? AJ_OK
             : aj_req_fail(req, AJ_EINVAL, "%s: no person %lld in the enterprise", what, (long long)id);
}

static aj_err check_people(aj_req *req, const json_t *body, draft *d) {
    aj_err e = get_int(req, body, "attendant_id", true, &d->attendant_id);
    if (!e) e = check_person(req, "attendant_id", d->attendant_id, d->enterprise_id);
    if (e) return e;
    const json_t *w = json_object_get(body, "worker_ids");
    if (!json_is_array(w) || json_array_size(w) < 1 || json_array_size(w) > AJ_PERMIT_WORKERS_MAX)
        return aj_req_fail(req, AJ_EINVAL, "worker_ids: must list 1 to %d person ids", AJ_PERMIT_WORKERS_MAX);
    for (size_t i = 0; i < json_array_size(w); i++) {
        const json_t *v = json_array_get(w, i);
        char what[32];
        snprintf(what, sizeof what, "worker_ids[%zu]", i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return aj_req_fail(req, AJ_EINVAL, "%s: must be a person id", what);
        int64_t id = json_integer_value(v);
        if (id == d->attendant_id)
            return aj_req_fail(req, AJ_EINVAL,
                               "%s: the attendant watches the work and is not one of its workers", what);
        for (int k = 0; k < d->n_workers; k++)
            if (d->worker_ids[k] == id) return aj_req_fail(req, AJ_EINVAL, "%s: listed twice", what);
        if ((e = check_person(req, what, id, d->enterprise_id))) return e;
        d->worker_ids[d->n_workers++] = id;
    }
    return AJ_OK;
}

/* The gas of the place: given, else the gas of the nearest combustible-gas detector. */
static aj_err find_gas(aj_req *req, const json_t *body, draft *d) {
    const json_t *g = json_object_get(body, "gas_name");
    if (g && !json_is_null(g)) {
        d->gas = json_is_string(g) ? aj_gas_find(json_string_value(g)) : NULL;
        if (!d->gas || d->gas->lel_pct_vol <= 0)
            return aj_req_fail(req, AJ_EINVAL,
                               "gas_name: not a combustible gas anjian knows (docs/permits.md)");
    } else {
        aj_val v = AJ_VINT(d->site_id);
        aj_result *r;
        if (aj_db_query(aj_req_db(req),
                        "SELECT gas, x, y FROM tags WHERE site_id = ? AND gas IS NOT NULL AND x IS "
                        "NOT NULL AND y IS NOT NULL",
                        &v, 1, &r))
            return aj_req_fail(req, AJ_EDB, "%s", aj_db_errmsg(req->db));
        double best = AJ_PERMIT_INTERLOCK_RADIUS_M * 2;
        for (int i = 0; i < aj_result_rows(r); i++) {
            const aj_gas_info *gi = aj_gas_find(aj_result_text(r, i, 0));
            double dist = aj_distance_m(d->x, d->y, aj_result_double(r, i, 1), aj_result_double(r, i, 2));
            if (gi && gi->lel_pct_vol > 0 && dist < best) {
                best = dist;
                d->gas = gi;
            }
        }
        aj_result_free(r);
    }
    d->gas_lel = d->gas ? d->gas->lel_pct_vol : 0;
    return AJ_OK;
}

/* ---- grade ------------------------------------------------------------------------------------- */

static bool field_true(const json_t *fields, const char *id) {
    return json_is_true(json_object_get(fields, id));
}

static aj_err is_holiday(aj_req *req, draft *d, int offset_min, bool *out) {
    *out = false;
    int64_t day_ms = 86400000LL;
    for (int64_t t = d->from_ms; t < d->to_ms + day_ms && !*out; t += day_ms) {
        int64_t at = t < d->to_ms ? t : d->to_ms - 1;
        char s[40], day[16];
        aj_time_format_ms(at + (int64_t)offset_min * 60000, s, sizeof s);
        snprintf(day, sizeof day, "%.10s", s);
        aj_val v[2] = {AJ_VINT(d->enterprise_id), AJ_VTEXT(day)};
        int64_t n = 0;
        aj_db_query_int(aj_req_db(req),
                        "SELECT COUNT(*) FROM permit_holidays WHERE enterprise_id = ? AND day = ?", v, 2, &n);
        *out = n > 0;
        if (t >= d->to_ms) break;
    }
    return AJ_OK;
}

/* The live wind at the nearest wind_speed tag of the site (metres per second). */
static bool live_wind(aj_req *req, const draft *d, double *mps, char *tag_key, size_t size) {
    aj_val v = AJ_VINT(d->site_id);
    aj_result *r;
    if (aj_db_query(aj_req_db(req),
                    "SELECT id, key, x, y FROM tags WHERE site_id = ? AND kind = 'wind_speed'", &v, 1, &r))
        return false;
    int best = -1;
    double best_d = INFINITY;
    for (int i = 0; i < aj_result_rows(r); i++) {
        double dist = aj_result_is_null(r, i, 2)
                          ? 1e9
                          : aj_distance_m(d->x, d->y, aj_result_double(r, i, 2), aj_result_double(r, i, 3));
        double value;
        int64_t t;
        if (dist < best_d &&
            permit_live_value(req, aj_result_int(r, i, 0), AJ_PERMIT_WIND_AGE_MS, &value, &t)) {
            best = i;
            best_d = dist;
            *mps = value;
        }
    }
    if (best >= 0) snprintf(tag_key, size, "%s", aj_result_text(r, best, 1));
    aj_result_free(r);
    return best >= 0;
}

static aj_err grade_hot_work(aj_req *req, const json_t *body, draft *d) {
    aj_hot_work_place place = {
        field_true(d->fields, "in_fire_explosion_area"), field_true(d->fields, "on_running_equipment"),
        field_true(d->fields, "in_tank_farm_bund"), field_true(d->fields, "on_pipe_rack")};
    int offset = permit_utc_offset_min(d->timezone);
    aj_hot_work_conditions c = {d->from_ms, d->to_ms, offset, false, field_true(d->fields, "is_outdoors"), 0};
    is_holiday(req, d, offset, &c.is_holiday);
    char wind_tag[256] = "";
    const char *wind_source = NULL;
    if (c.is_outdoors) {
        if (live_wind(req, d, &c.wind_mps, wind_tag, sizeof wind_tag)) {
            wind_source = "live";
        } else if (json_is_number(json_object_get(body, "wind_mps"))) {
            aj_err e = get_num(req, body, "wind_mps", 0, 100, &c.wind_mps);
            if (e) return e;
            wind_source = "given";
        } else {
            return aj_req_fail(
                req, AJ_EINVAL,
                "wind_mps: outdoor hot work is graded with the wind, and no wind_speed tag of the site "
                "has a reading of the last %d min: give wind_mps",
                AJ_PERMIT_WIND_AGE_MS / 60000);
        }
    }
    aj_hot_work_grading g;
    if (aj_hot_work_grade_of(&place, &c, NULL, &g))
        return aj_req_fail(req, AJ_EINVAL, "the hot work cannot be graded");
    char text[200];
    d->grade_index = aj_permit_grade_index(d->t, aj_hot_work_grade_code(g.grade));
    d->grading = json_pack("{s:s, s:s, s:[], s:s}", "base_grade", aj_hot_work_grade_code(g.base_grade),
                           "grade", aj_hot_work_grade_code(g.grade), "reasons", "text",
                           aj_hot_work_grading_describe(&g, text, sizeof text));
    for (int i = 0; i < g.n_reasons; i++)
        json_array_append_new(json_object_get(d->grading, "reasons"),
                              json_string(aj_hot_work_raise_code(g.reasons[i])));
    json_object_set_new(d->grading, "is_holiday", json_boolean(c.is_holiday));
    json_object_set_new(d->grading, "is_night",
                        json_boolean(aj_is_night(d->from_ms, d->to_ms, offset, NULL)));
    if (c.is_outdoors) {
        json_object_set_new(d->grading, "wind_mps", json_real(c.wind_mps));
        json_object_set_new(d->grading, "wind_source", json_string(wind_source));
        if (*wind_tag) json_object_set_new(d->grading, "wind_tag", json_string(wind_tag));
    }
    return AJ_OK;
}

static aj_err grade(aj_req *req, const json_t *body, draft *d) {
    const char *code = d->t->code;
    if (!strcmp(code, "hot_work")) return grade_hot_work(req, body, d);
    char text[120];
    if (!strcmp(code, "height")) {
        const json_t *h = json_object_get(d->fields, "work_height");
        aj_height_class c;
        if (!json_is_number(h) ||
            aj_height_class_of(json_number_value(h), field_true(d->fields, "has_objective_hazard"), &c))
            return aj_req_fail(req, AJ_EINVAL, "fields.work_height: must be a height in metres");
        if (c == AJ_HEIGHT_NOT_SPECIAL)
            return aj_req_fail(req, AJ_EINVAL,
                               "fields.work_height: below %.0f m is not work at height (no permit)",
                               AJ_HEIGHT_MIN_M);
        snprintf(text, sizeof text, "%.1f m%s", json_number_value(h),
                 field_true(d->fields, "has_objective_hazard") ? " with objective hazard factors" : "");
        d->grade_index = aj_permit_grade_index(d->t, aj_height_class_code(c));
        d->grading = json_pack("{s:s, s:s}", "grade", aj_height_class_code(c), "text", text);
        return AJ_OK;
    }
    if (!strcmp(code, "lifting")) {
        const json_t *m = json_object_get(d->fields, "load_mass");
        aj_lifting_grade g;
        if (!json_is_number(m) || aj_lifting_grade_of(json_number_value(m), &g))
            return aj_req_fail(req, AJ_EINVAL, "fields.load_mass: must be a mass in tonnes above 0");
        snprintf(text, sizeof text, "%.1f t", json_number_value(m));
        d->grade_index = aj_permit_grade_index(d->t, aj_lifting_grade_code(g));
        d->grading = json_pack("{s:s, s:s}", "grade", aj_lifting_grade_code(g), "text", text);
        return AJ_OK;
    }
    d->grade_index = 0;
    d->grading = json_pack("{s:s, s:s}", "grade", d->t->grades[0].code, "text", "one grade");
    return AJ_OK;
}

/* ---- chain ---------------------------------------------------------------------------------------- */

static json_t *chain_of(aj_req *req, const draft *d) {
    const char *grade_code = d->t->grades[d->grade_index].code;
    aj_val v[3] = {AJ_VINT(d->enterprise_id), AJ_VTEXT(d->t->code), AJ_VTEXT(grade_code)};
    aj_result *r;
    if (!aj_db_query(
            aj_req_db(req),
            "SELECT roles_json FROM permit_chains WHERE enterprise_id = ? AND type = ? AND grade = ?", v, 3,
            &r)) {
        json_error_t je;
        json_t *roles = aj_result_rows(r) == 1 ? json_loads(aj_result_text(r, 0, 0), 0, &je) : NULL;
        aj_result_free(r);
        if (json_is_array(roles) && json_array_size(roles) > 0) return roles;
        json_decref(roles);
    }
    json_t *arr = json_array();
    const aj_permit_approval *a = aj_permit_approval_of(d->t, d->grade_index);
    for (int i = 0; a && i < a->n_roles; i++)
        json_array_append_new(arr, json_string(req->app->permits->roles[a->roles[i]].code));
    return arr;
}

/* ---- the whole draft ------------------------------------------------------------------------------ */

static aj_err build(aj_req *req, const json_t *body, int64_t self_id, draft *d) {
    memset(d, 0, sizeof *d);
    const aj_permit_catalogue *cat;
    aj_err e = permit_catalogue(req, &cat);
    if (e) return e;
    if ((e = get_int(req, body, "site_id", true, &d->site_id))) return e;
    json_t *site;
    if ((e = aj_resource_load(req, &aj_res_sites, d->site_id, &site)))
        return aj_req_fail(req, AJ_EINVAL, "site_id: no site %lld", (long long)d->site_id);
    d->enterprise_id = json_integer_value(json_object_get(site, "enterprise_id"));
    snprintf(d->timezone, sizeof d->timezone, "%s",
             json_string_value(json_object_get(site, "timezone")) ?: "");
    json_decref(site);
    if (d->enterprise_id != req->auth.enterprise_id)
        return aj_req_fail(req, AJ_EFORBIDDEN, "permits are written in your own enterprise only");
    const json_t *type = json_object_get(body, "type");
    d->type_index = json_is_string(type) ? aj_permit_type_index(cat, json_string_value(type)) : -1;
    if (d->type_index < 0)
        return aj_req_fail(
            req, AJ_EINVAL,
            "type: one of hot_work, confined_space, blind_plate, height, lifting, temporary_power, "
            "excavation, road_closure");
    d->t = &cat->types[d->type_index];
    const json_t *title = json_object_get(body, "title");
    if (!json_is_string(title) || !*json_string_value(title) || strlen(json_string_value(title)) > 200)
        return aj_req_fail(req, AJ_EINVAL, "title: a text of 1 to 200 bytes");
    d->title = json_string_value(title);
    if ((e = get_num(req, body, "x", -1e6, 1e6, &d->x)) || (e = get_num(req, body, "y", -1e6, 1e6, &d->y)))
        return e;
    d->geofence_m = AJ_PERMIT_GEOFENCE_M_DEFAULT;
    if (json_object_get(body, "geofence_m") && (e = get_num(req, body, "geofence_m", AJ_PERMIT_GEOFENCE_M_MIN,
                                                            AJ_PERMIT_GEOFENCE_M_MAX, &d->geofence_m)))
        return e;
    if ((e = get_time(req, body, "valid_from", &d->from_ms)) ||
        (e = get_time(req, body, "valid_to", &d->to_ms)))
        return e;
    if ((e = get_int(req, body, "area_id", false, &d->area_id))) return e;
    if (d->area_id && (e = check_in_site(req, "areas", "area", d->area_id, d->site_id))) return e;
    if (!d->area_id && (e = find_area(req, d))) return e;
    if ((e = get_int(req, body, "asset_id", false, &d->asset_id))) return e;
    if (d->asset_id && (e = check_in_site(req, "assets", "asset", d->asset_id, d->site_id))) return e;
    if ((e = check_people(req, body, d))) return e;
    const json_t *fields = json_object_get(body, "fields");
    if ((e = check_fields(req, d->t, fields))) return e;
    d->fields = fields ? json_deep_copy(fields) : json_object();
    if ((e = check_hazards(req, d->t, json_object_get(body, "hazards"), &d->hazards))) return e;
    if ((e = find_gas(req, body, d))) return e;
    if ((e = grade(req, body, d))) return e;
    if (d->grade_index < 0) return aj_req_fail(req, AJ_EINTERNAL, "the catalogue has no such grade");
    /* validity, against the grade and the permit served */
    aj_permit_served served, *sp = NULL;
    if ((e = get_int(req, body, "served_permit_id", false, &d->served_id))) return e;
    if (d->served_id) {
        permit_row s;
        if ((e = permit_load(req, d->served_id, &s)))
            return aj_req_fail(req, AJ_EINVAL, "served_permit_id: no permit %lld", (long long)d->served_id);
        served = (aj_permit_served){aj_permit_type_index(cat, s.type), {s.valid_from_ms, s.valid_to_ms}};
        sp = served.type >= 0 ? &served : NULL;
        permit_row_free(&s);
    }
    aj_validity_verdict vv = aj_permit_validity_check(cat, d->type_index, d->grade_index,
                                                      (aj_permit_window){d->from_ms, d->to_ms}, sp);
    if (vv == AJ_VALIDITY_EMPTY) return aj_req_fail(req, AJ_EINVAL, "valid_to: must be after valid_from");
    if (vv != AJ_VALIDITY_OK) {
        char msg[300];
        const aj_permit_grade *g = &d->t->grades[d->grade_index];
        snprintf(msg, sizeof msg, "the validity window %s: %s %s permits are valid at most %d h",
                 aj_validity_verdict_text(vv), d->t->code, g->code, g->validity.max_h);
        return permit_refuse(
            req, NULL, "create", "validity_exceeded", msg,
            json_pack("{s:i, s:o}", "max_h", g->validity.max_h, "grading", json_copy(d->grading)));
    }
    int n_refusing = 0;
    json_t *conflicts =
        permit_conflicts(req, d->site_id, self_id, d->t->code, d->x, d->y, d->asset_id, &n_refusing);
    if (n_refusing > 0)
        return permit_refuse(
            req, NULL, "create", "conflict",
            "simultaneous operations: hot work within 30 m of a blind-plate job or near active "
            "venting is not allowed (docs/permits.md \"Conflicts\")",
            json_pack("{s:o}", "conflicts", conflicts));
    json_decref(conflicts);
    d->chain = chain_of(req, d);
    return AJ_OK;
}

static const char *const NUMBER_PREFIX[][2] = {
    {"hot_work", "DH"}, {"confined_space", "SX"},  {"blind_plate", "MB"}, {"height", "GC"},
    {"lifting", "DZ"},  {"temporary_power", "LD"}, {"excavation", "DT"},  {"road_closure", "DL"}};

static void make_number(aj_req *req, const draft *d, char *buf, size_t size) {
    const char *prefix = "ZY";
    for (size_t i = 0; i < sizeof NUMBER_PREFIX / sizeof NUMBER_PREFIX[0]; i++)
        if (!strcmp(NUMBER_PREFIX[i][0], d->t->code)) prefix = NUMBER_PREFIX[i][1];
    char now[40], day[16];
    aj_time_format_ms(aj_time_now_ms() + (int64_t)permit_utc_offset_min(d->timezone) * 60000, now,
                      sizeof now);
    snprintf(day, sizeof day, "%.4s%.2s%.2s", now, now + 5, now + 8);
    char like[40];
    snprintf(like, sizeof like, "%s-%s-%%", prefix, day);
    aj_val v[2] = {AJ_VINT(d->enterprise_id), AJ_VTEXT(like)};
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), "SELECT COUNT(*) FROM permits WHERE enterprise_id = ? AND number LIKE ?",
                    v, 2, &n);
    snprintf(buf, size, "%s-%s-%04lld", prefix, day, (long long)n + 1);
}

static aj_err write_people(aj_db *db, int64_t permit_id, const draft *d) {
    aj_val v = AJ_VINT(permit_id);
    aj_err e = aj_db_exec(db, "DELETE FROM permit_people WHERE permit_id = ?", &v, 1, NULL);
    for (int i = -1; !e && i < d->n_workers; i++) {
        aj_val p[4] = {AJ_VINT(permit_id), AJ_VINT(d->enterprise_id),
                       AJ_VINT(i < 0 ? d->attendant_id : d->worker_ids[i]),
                       AJ_VTEXT(i < 0 ? "attendant" : "worker")};
        e = aj_db_exec(
            db, "INSERT INTO permit_people (permit_id, enterprise_id, person_id, role) VALUES (?, ?, ?, ?)",
            p, 4, NULL);
    }
    return e;
}

/* The draft's columns, in the order of INSERT_COLS / UPDATE_SET. */
#define DRAFT_COLS 18
static void draft_params(const draft *d, char **texts, aj_val *p) {
    texts[0] = json_dumps(d->fields, JSON_COMPACT);
    texts[1] = json_dumps(d->hazards, JSON_COMPACT);
    texts[2] = json_dumps(d->grading, JSON_COMPACT);
    texts[3] = json_dumps(d->chain, JSON_COMPACT);
    aj_val v[DRAFT_COLS] = {AJ_VTEXT(d->t->code),
                            AJ_VTEXT(d->t->grades[d->grade_index].code),
                            AJ_VTEXT(d->title),
                            d->area_id ? AJ_VINT(d->area_id) : AJ_VNULL,
                            d->asset_id ? AJ_VINT(d->asset_id) : AJ_VNULL,
                            AJ_VDBL(d->x),
                            AJ_VDBL(d->y),
                            AJ_VDBL(d->geofence_m),
                            AJ_VINT(d->from_ms),
                            AJ_VINT(d->to_ms),
                            AJ_VTEXT(texts[0]),
                            AJ_VTEXT(texts[1]),
                            AJ_VTEXT(texts[2]),
                            AJ_VTEXT(texts[3]),
                            AJ_VINT(d->attendant_id),
                            d->served_id ? AJ_VINT(d->served_id) : AJ_VNULL,
                            AJ_VTEXT(d->gas ? d->gas->code : NULL),
                            d->gas ? AJ_VDBL(d->gas_lel) : AJ_VNULL};
    memcpy(p, v, sizeof v);
}

aj_err aj_api_permits_create(aj_req *req) {
    aj_err e = aj_api_check_fields(req, ALLOWED, N_REQUIRED);
    if (e) return e;
    draft d;
    if ((e = build(req, req->json, 0, &d))) {
        draft_free(&d);
        return e;
    }
    char number[48], actor[128], *texts[4] = {0};
    make_number(req, &d, number, sizeof number);
    aj_req_actor(req, actor, sizeof actor);
    aj_val p[DRAFT_COLS + 5];
    draft_params(&d, texts, p);
    p[DRAFT_COLS] = AJ_VINT(d.enterprise_id);
    p[DRAFT_COLS + 1] = AJ_VINT(d.site_id);
    p[DRAFT_COLS + 2] = AJ_VTEXT(number);
    p[DRAFT_COLS + 3] = AJ_VTEXT(req->auth.username);
    p[DRAFT_COLS + 4] = AJ_VINT(aj_time_now_ms());
    aj_db *db = aj_req_db(req);
    int64_t id = 0;
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(
            db,
            "INSERT INTO permits (type, grade, title, area_id, asset_id, x, y, geofence_m, valid_from_ms, "
            "valid_to_ms, fields_json, hazards_json, grading_json, chain_json, attendant_id, "
            "served_permit_id, gas_name, gas_lel, enterprise_id, site_id, number, created_by, created_ms, "
            "state, measures_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, 'draft', '{}')",
            p, DRAFT_COLS + 5, NULL);
    if (!e) {
        aj_val q[2] = {AJ_VINT(d.enterprise_id), AJ_VTEXT(number)};
        e = aj_db_query_int(db, "SELECT id FROM permits WHERE enterprise_id = ? AND number = ?", q, 2, &id);
    }
    if (!e) e = write_people(db, id, &d);
    permit_row row = {.id = id, .enterprise_id = d.enterprise_id, .site_id = d.site_id};
    snprintf(row.number, sizeof row.number, "%s", number);
    snprintf(row.type, sizeof row.type, "%s", d.t->code);
    if (!e) {
        json_t *detail = json_pack("{s:s, s:s, s:O}", "type", d.t->code, "grade",
                                   d.t->grades[d.grade_index].code, "grading", d.grading);
        e = permit_record(req, &row, "create", NULL, "draft", detail);
        json_decref(detail);
    }
    if (!e) e = aj_db_commit(db);
    for (int i = 0; i < 4; i++) free(texts[i]);
    draft_free(&d);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the permit was not created: %s", aj_db_errmsg(db));
    }
    permit_published(req, &row, "created", "draft", NULL);
    return permit_reply(req, id, 201);
}

/* The permit's current content as a create body, so a change may give only some members. */
static json_t *current_body(aj_req *req, const permit_row *p) {
    json_t *b =
        json_pack("{s:I, s:s, s:s, s:f, s:f, s:f, s:O, s:O, s:I}", "site_id", (json_int_t)p->site_id, "type",
                  p->type, "title", p->title, "x", p->x, "y", p->y, "geofence_m", p->geofence_m, "fields",
                  p->fields, "hazards", p->hazards, "attendant_id", (json_int_t)p->attendant_id);
    char t[40];
    aj_time_format_ms(p->valid_from_ms, t, sizeof t);
    json_object_set_new(b, "valid_from", json_string(t));
    aj_time_format_ms(p->valid_to_ms, t, sizeof t);
    json_object_set_new(b, "valid_to", json_string(t));
    if (p->area_id) json_object_set_new(b, "area_id", json_integer(p->area_id));
    if (p->asset_id) json_object_set_new(b, "asset_id", json_integer(p->asset_id));
    if (p->served_id) json_object_set_new(b, "served_permit_id", json_integer(p->served_id));
    if (p->gas_name[0]) json_object_set_new(b, "gas_name", json_string(p->gas_name));
    if (json_is_number(json_object_get(p->grading, "wind_mps")) &&
        !strcmp(json_string_value(json_object_get(p->grading, "wind_source")) ?: "", "given"))
        json_object_set(b, "wind_mps", json_object_get(p->grading, "wind_mps"));
    json_t *workers = json_array();
    aj_val v = AJ_VINT(p->id);
    aj_result *r;
    if (!aj_db_query(
            aj_req_db(req),
            "SELECT person_id FROM permit_people WHERE permit_id = ? AND role = 'worker' ORDER BY id", &v, 1,
            &r)) {
        for (int i = 0; i < aj_result_rows(r); i++)
            json_array_append_new(workers, json_integer(aj_result_int(r, i, 0)));
        aj_result_free(r);
    }
    json_object_set_new(b, "worker_ids", workers);
    return b;
}

aj_err aj_api_permits_patch(aj_req *req) {
    aj_err e = aj_api_check_fields(req, ALLOWED, 0);
    if (e) return e;
    int64_t id;
    if ((e = aj_req_path_id(req, 0, &id))) return aj_req_fail(req, e, "no such permit");
    permit_row p;
    if ((e = permit_load(req, id, &p))) return e;
    if (json_object_get(req->json, "site_id") || json_object_get(req->json, "type")) {
        permit_row_free(&p);
        return aj_req_fail(req, AJ_EINVAL, "site_id and type cannot change: draft a new permit");
    }
    aj_permit_facts f = {.now_ms = aj_time_now_ms()};
    aj_permit_state to;
    aj_permit_refusal r =
        aj_permit_step((aj_permit_state)aj_permit_state_parse(p.state), AJ_PE_EDIT, &f, &to);
    if (r != AJ_PR_NONE) {
        char msg[200];
        snprintf(msg, sizeof msg, "permit %s is %s: %s", p.number, p.state, aj_permit_refusal_text(r));
        e = permit_refuse(req, &p, "edit", aj_permit_refusal_name(r), msg, NULL);
        permit_row_free(&p);
        return e;
    }
    json_t *body = current_body(req, &p);
    json_object_update(body, req->json);
    draft d;
    if ((e = build(req, body, p.id, &d))) {
        draft_free(&d);
        json_decref(body);
        permit_row_free(&p);
        return e;
    }
    char *texts[4] = {0};
    aj_val v[DRAFT_COLS + 1];
    draft_params(&d, texts, v);
    v[DRAFT_COLS] = AJ_VINT(p.id);
    aj_db *db = aj_req_db(req);
    aj_val idv = AJ_VINT(p.id);
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(
            db,
            "UPDATE permits SET type = ?, grade = ?, title = ?, area_id = ?, asset_id = ?, x = ?, y = ?, "
            "geofence_m = ?, valid_from_ms = ?, valid_to_ms = ?, fields_json = ?, hazards_json = ?, "
            "grading_json = ?, chain_json = ?, attendant_id = ?, served_permit_id = ?, gas_name = ?, "
            "gas_lel = ?, state = 'draft', measures_json = '{}', submitted_ms = NULL WHERE id = ?",
            v, DRAFT_COLS + 1, NULL);
    if (!e) e = aj_db_exec(db, "DELETE FROM permit_approvals WHERE permit_id = ?", &idv, 1, NULL);
    if (!e) e = write_people(db, p.id, &d);
    if (!e) {
        json_t *detail =
            json_pack("{s:O, s:s}", "changed", req->json, "grade", d.t->grades[d.grade_index].code);
        e = permit_record(req, &p, "edit", p.state, "draft", detail);
        json_decref(detail);
    }
    if (!e) e = aj_db_commit(db);
    for (int i = 0; i < 4; i++) free(texts[i]);
    draft_free(&d);
    json_decref(body);
    if (e) {
        aj_db_rollback(db);
        permit_row_free(&p);
        return aj_req_fail(req, e, "the permit was not changed: %s", aj_db_errmsg(db));
    }
    permit_published(req, &p, "edited", "draft", NULL);
    permit_row_free(&p);
    return permit_reply(req, id, 200);
}
