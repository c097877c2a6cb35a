/* major_hazards_api.c — major hazard sources in the register (重大危险源, GB 18218-2018;
 * docs/risk.md "Major hazard sources in the register"):
 *
 *   GET /api/v1/gb18218                    the table in force: substances and categories
 *   GET/POST /api/v1/major-hazards         units with their items and both assessments
 *   GET/PATCH /api/v1/major-hazards/{id}   one unit; PATCH replaces what it names, items whole
 *   GET /api/v1/major-hazards/{id}/events  the live alarms of a unit, newest first
 *
 * A unit holds substances in declared design-maximum quantities; the server resolves each
 * substance (Table 1 code, CAS number, Chinese name or alias) or category (Table 2) against
 * the table the server was started with (--gb18218) and computes S, R, alpha and the level
 * (src/risk/major_hazard.h). An item may name an inventory tag of the enterprise whose
 * reading, converted to tonnes (value x factor + offset_t), the engine counts live
 * (src/engine/engine_major_hazards.c writes s_live, r_live, live_json and the events).
 *
 * Every input is checked before anything is written; a change is one transaction with its
 * audit record; the engine is then told to read the units again. */
#include "api/api.h"
#include "api/resource.h"
#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "engine/engine.h"
#include "risk/major_hazard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_LEN_MAX 1000

static const char *const UNIT_FIELDS[] = {"site_id", "code",    "name",     "kind",           "people_500m",
                                          "items",   "area_id", "asset_id", "warn_threshold", NULL};
static const char *const PATCH_FIELDS[] = {"code",    "name",     "kind",           "people_500m", "items",
                                           "area_id", "asset_id", "warn_threshold", NULL};
static const char *const ITEM_FIELDS[] = {"substance", "category", "q_t",  "tag_id",
                                          "factor",    "offset_t", "note", NULL};

/* One item as checked: texts point into the request's JSON. */
typedef struct item_in {
    const char *substance; /* as entered; NULL: by category */
    const char *category;  /* NULL: the substance's own */
    const char *note;
    aj_mh_item item; /* resolved */
    int64_t tag_id;  /* 0: none */
    double factor, offset_t;
} item_in;

typedef struct unit_in {
    int64_t site_id, area_id, asset_id;
    const char *code, *name, *kind;
    int people_500m;
    double threshold;
    int n_items;
    item_in items[AJ_MH_UNIT_ITEMS_MAX];
    aj_mh_result design;
} unit_in;

static aj_err table_of(aj_req *req, const aj_mh_table **out) {
    *out = req->app->mh_table;
    if (!*out)
        return aj_req_fail(
            req, AJ_EUNAVAILABLE,
            "the major hazard register is not available: no GB 18218 table loaded (--gb18218)");
    return AJ_OK;
}

/* ---- the table --------------------------------------------------------------------------- */

static json_t *texts(const char *const *list, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_string(list[i]));
    return a;
}

aj_err aj_api_gb18218(aj_req *req) {
    const aj_mh_table *t;
    aj_err e = table_of(req, &t);
    if (e) return e;
    json_t *cats = json_array(), *subs = json_array();
    for (int i = 0; i < t->n_categories; i++) {
        const aj_mh_category *c = &t->categories[i];
        json_array_append_new(cats, json_pack("{s:s, s:s, s:s, s:f, s:f, s:s}", "code", c->code, "name_en",
                                              c->name.en, "name_zh", c->name.zh, "critical_t", c->critical_t,
                                              "beta", c->beta, "source", c->source));
    }
    for (int i = 0; i < t->n_substances; i++) {
        const aj_mh_substance *s = &t->substances[i];
        const aj_mh_category *c = s->category >= 0 ? &t->categories[s->category] : NULL;
        json_array_append_new(subs, json_pack("{s:s, s:s, s:s, s:o, s:o, s:f, s:f, s:s?, s:s, s:s?}", "code",
                                              s->code, "name_en", s->name.en, "name_zh", s->name.zh,
                                              "aliases", texts(s->aliases, s->n_aliases), "cas",
                                              texts(s->cas, s->n_cas), "critical_t", s->critical_t, "beta",
                                              c ? c->beta : s->beta, "category", c ? c->code : NULL, "source",
                                              s->source, "note", s->note));
    }
    aj_reply_json(
        req, 200,
        json_pack("{s:s, s:o, s:o}", "standard", t->standard, "categories", cats, "substances", subs));
    return AJ_OK;
}

/* ---- reading units ----------------------------------------------------------------------- */

/* One assessment as JSON: S, R, alpha, level, and per item q, Q, q/Q, beta and the category
 * that gave beta. */
static json_t *result_json(const aj_mh_table *t, const aj_mh_result *r) {
    json_t *items = json_array();
    for (int i = 0; i < r->n_items; i++) {
        const aj_mh_item_result *it = &r->items[i];
        json_array_append_new(items,
                              json_pack("{s:f, s:f, s:f, s:f, s:s?}", "q_t", it->q_t, "critical_t",
                                        it->critical_t, "ratio", it->ratio, "beta", it->beta, "beta_category",
                                        it->category >= 0 ? t->categories[it->category].code : NULL));
    }
    return json_pack("{s:f, s:f, s:f, s:b, s:i, s:i, s:o}", "s", r->s, "r", r->r, "alpha", r->alpha,
                     "is_major", r->is_major, "r_level", r->r_level, "level", r->level, "items", items);
}

#define UNIT_COLS                                                                                            \
    "u.id, u.enterprise_id, u.site_id, u.area_id, (SELECT code FROM areas WHERE id = u.area_id) AS "         \
    "area_code, u.asset_id, (SELECT code FROM assets WHERE id = u.asset_id) AS asset_code, u.code, u.name, " \
    "u.kind, u.people_500m, u.warn_threshold, u.level_live, u.live_state, u.live_json, u.assessed_ms, "      \
    "u.updated_by, u.updated_ms"
enum { C_ID, C_LEVEL_LIVE = 12, C_STATE, C_LIVE_JSON, C_ASSESSED };

/* The live part of a unit: the quantities the engine counted, assessed again here for the
 * per-item figures; NULL while the engine has not assessed the unit's current items. */
static json_t *live_json(const aj_mh_table *t, const aj_result *r, int row, aj_mh_item *items, int n,
                         int people) {
    if (aj_result_is_null(r, row, C_LIVE_JSON)) return json_null();
    json_error_t je;
    json_t *recs = json_loads(aj_result_text(r, row, C_LIVE_JSON), 0, &je);
    if (!json_is_array(recs) || (int)json_array_size(recs) != n) {
        json_decref(recs);
        return json_null();
    }
    for (int i = 0; i < n; i++)
        items[i].q_t = json_number_value(json_object_get(json_array_get(recs, i), "q_t"));
    aj_mh_result res;
    char err[300];
    if (aj_mh_assess(t, items, n, people, &res, err, sizeof err)) {
        json_decref(recs);
        return json_null();
    }
    json_t *o = result_json(t, &res);
    json_t *out_items = json_object_get(o, "items");
    for (int i = 0; i < n; i++)
        json_object_update_missing(json_array_get(out_items, i), json_array_get(recs, i));
    json_decref(recs);
    json_object_set_new(o, "level", json_integer(aj_result_int(r, row, C_LEVEL_LIVE)));
    json_object_set_new(o, "state", json_string(aj_result_text(r, row, C_STATE)));
    char at[40];
    aj_time_format_ms(aj_result_int(r, row, C_ASSESSED), at, sizeof at);
    json_object_set_new(o, "assessed", json_string(at));
    return o;
}

/* A unit row with its items and both assessments. */
static json_t *unit_json(aj_req *req, const aj_mh_table *t, const aj_result *r, int row) {
    json_t *o = aj_result_row_json(r, row);
    json_object_del(o, "live"); /* live_json, level_live, live_state, assessed_ms: in "live" below */
    json_object_del(o, "level_live");
    json_object_del(o, "live_state");
    json_object_del(o, "assessed");
    aj_val v = AJ_VINT(aj_result_int(r, row, C_ID));
    aj_result *ir = NULL;
    json_t *items = json_array();
    aj_mh_item mi[AJ_MH_UNIT_ITEMS_MAX];
    int n = 0;
    if (!aj_db_query(
            aj_req_db(req),
            "SELECT i.substance, i.substance_code, i.category, i.q_t, i.tag_id, (SELECT key FROM tags "
            "WHERE id = i.tag_id) AS tag_key, i.factor, i.offset_t, i.note FROM mh_unit_items i WHERE "
            "i.unit_id = ? ORDER BY i.item_no",
            &v, 1, &ir)) {
        for (int i = 0; i < aj_result_rows(ir) && n < AJ_MH_UNIT_ITEMS_MAX; i++, n++) {
            json_t *it = aj_result_row_json(ir, i);
            int s = aj_result_is_null(ir, i, 1) ? -1 : aj_mh_substance_find(t, aj_result_text(ir, i, 1));
            int c = aj_result_is_null(ir, i, 2) ? -1 : aj_mh_category_find(t, aj_result_text(ir, i, 2));
            if (s >= 0) {
                json_object_set_new(it, "name_zh", json_string(t->substances[s].name.zh));
                json_object_set_new(it, "name_en", json_string(t->substances[s].name.en));
            } else if (c >= 0) {
                json_object_set_new(it, "name_zh", json_string(t->categories[c].name.zh));
                json_object_set_new(it, "name_en", json_string(t->categories[c].name.en));
            }
            mi[n] = (aj_mh_item){s, c, aj_result_double(ir, i, 3)};
            json_array_append_new(items, it);
        }
    }
    aj_result_free(ir);
    json_object_set_new(o, "items", items);
    int people = (int)aj_result_int(r, row, 10);
    aj_mh_result design;
    char err[300];
    if (n > 0 && !aj_mh_assess(t, mi, n, people, &design, err, sizeof err)) {
        json_object_set_new(o, "design", result_json(t, &design));
        json_object_set_new(o, "live", live_json(t, r, row, mi, n, people));
    } else {
        json_object_set_new(o, "design", json_null());
        json_object_set_new(o, "live", json_null());
        json_object_set_new(o, "problem", json_string(n ? err : "no items"));
    }
    return o;
}

aj_err aj_api_major_hazards_list(aj_req *req) {
    const aj_mh_table *t;
    aj_err e = table_of(req, &t);
    if (e) return e;
    int64_t site_id;
    if ((e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &site_id))) return e;
    char ent[1100], site[1100], sql[3000];
    aj_scope_enterprise(req, "u.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "u.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT " UNIT_COLS
             " FROM mh_units u WHERE %s AND %s AND (? = 0 OR u.site_id = ?) ORDER BY u.id "
             "LIMIT ?",
             ent, site);
    aj_val v[3] = {AJ_VINT(site_id), AJ_VINT(site_id), AJ_VINT(AJ_MH_UNITS_LIST_MAX)};
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, v, 3, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r); i++) json_array_append_new(items, unit_json(req, t, r, i));
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o, s:s}", "items", items, "standard", t->standard));
    return AJ_OK;
}

/* The unit's row in the caller's scope (*out to free), or 404. */
static aj_err load_unit(aj_req *req, int64_t id, aj_result **out) {
    return aj_api_scoped_row(req, "SELECT " UNIT_COLS " FROM mh_units u", "u", id, "major hazard unit", out);
}

static aj_err reply_unit(aj_req *req, int64_t id, int status) {
    const aj_mh_table *t;
    aj_result *r;
    aj_err e = table_of(req, &t);
    if (e || (e = load_unit(req, id, &r))) return e;
    json_t *o = unit_json(req, t, r, 0);
    aj_result_free(r);
    aj_reply_json(req, status, o);
    return AJ_OK;
}

aj_err aj_api_major_hazards_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such major hazard unit");
    return reply_unit(req, id, 200);
}

aj_err aj_api_major_hazards_events(aj_req *req) {
    int64_t id, limit;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such major hazard unit");
    if ((e = aj_req_query_int(req, "limit", 100, 1, AJ_MH_EVENTS_LIST_MAX, &limit))) return e;
    aj_result *r;
    if ((e = load_unit(req, id, &r))) return e;
    aj_result_free(r);
    aj_val v[2] = {AJ_VINT(id), AJ_VINT(limit)};
    json_t *rows;
    if ((e = aj_db_query_json(
             aj_req_db(req),
             "SELECT id, unit_id, at_ms, kind, s, r, level_before, level_after, detail_json FROM "
             "mh_events WHERE unit_id = ? ORDER BY id DESC LIMIT ?",
             v, 2, &rows)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    aj_reply_json(req, 200, json_pack("{s:o}", "items", rows));
    return AJ_OK;
}

/* ---- checking a unit ---------------------------------------------------------------------- */

static aj_err in_site(aj_req *req, const char *table, const char *what, int64_t id, int64_t site_id) {
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ? AND site_id = ?", table);
    aj_val v[2] = {AJ_VINT(id), AJ_VINT(site_id)};
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), sql, v, 2, &n);
    return n ? AJ_OK
             : aj_req_fail(req, AJ_EINVAL, "%s: %lld is not on site %lld", what, (long long)id,
                           (long long)site_id);
}

/* An optional id field: 0 when absent or null. */
static aj_err opt_id(aj_req *req, const json_t *b, const char *key, int64_t *out) {
    const json_t *j = json_object_get(b, key);
    *out = 0;
    if (!j || json_is_null(j)) return AJ_OK;
    if (!json_is_integer(j) || json_integer_value(j) < 1)
        return aj_req_fail(req, AJ_EINVAL, "%s: an id", key);
    *out = json_integer_value(j);
    return AJ_OK;
}

/* A text of 1 to max bytes. */
static aj_err text_of(aj_req *req, const json_t *b, const char *key, size_t max, const char **out) {
    *out = json_string_value(json_object_get(b, key));
    if (!*out || !**out || strlen(*out) > max)
        return aj_req_fail(req, AJ_EINVAL, "%s: a text of 1 to %zu bytes", key, max);
    return AJ_OK;
}

static void category_list(const aj_mh_table *t, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < t->n_categories && n + 40 < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", t->categories[i].code);
}

static aj_err check_item(aj_req *req, const aj_mh_table *t, const json_t *j, int i, item_in *it) {
    memset(it, 0, sizeof *it);
    it->factor = 1;
    if (!json_is_object(j)) return aj_req_fail(req, AJ_EINVAL, "items[%d]: an object", i);
    const char *key;
    const json_t *val;
    char unknown[300] = "";
    json_object_foreach((json_t *)j, key, val) {
        bool is_known = false;
        for (int k = 0; ITEM_FIELDS[k]; k++) is_known = is_known || !strcmp(key, ITEM_FIELDS[k]);
        size_t n = strlen(unknown);
        if (!is_known && n + 1 < sizeof unknown)
            snprintf(unknown + n, sizeof unknown - n, "%s%.60s", n ? ", " : "", key);
    }
    if (unknown[0])
        return aj_req_fail(req, AJ_EINVAL,
                           "items[%d]: unknown field(s): %s (an item has substance, category, q_t, tag_id, "
                           "factor, offset_t, note)",
                           i, unknown);
    const json_t *sub = json_object_get(j, "substance"), *cat = json_object_get(j, "category");
    if (sub && !json_is_null(sub) && !json_is_string(sub))
        return aj_req_fail(req, AJ_EINVAL, "items[%d].substance: a text (code, CAS number or Chinese name)",
                           i);
    if (cat && !json_is_null(cat) && !json_is_string(cat))
        return aj_req_fail(req, AJ_EINVAL, "items[%d].category: a category code of Table 2", i);
    it->substance = json_string_value(sub);
    it->category = json_string_value(cat);
    it->item = (aj_mh_item){-1, -1, 0};
    if (!it->substance && !it->category)
        return aj_req_fail(
            req, AJ_EINVAL,
            "items[%d]: give substance (a GB 18218 Table 1 substance) or category (for an unnamed "
            "substance)",
            i);
    if (it->substance && (it->item.substance = aj_mh_substance_find(t, it->substance)) < 0)
        return aj_req_fail(
            req, AJ_EINVAL,
            "items[%d].substance: \"%.100s\" is not in GB 18218 Table 1 (give a category code for "
            "an unnamed substance)",
            i, it->substance);
    if (it->category && (it->item.category = aj_mh_category_find(t, it->category)) < 0) {
        char list[600];
        category_list(t, list, sizeof list);
        return aj_req_fail(req, AJ_EINVAL, "items[%d].category: \"%.40s\" is not a category of Table 2 (%s)",
                           i, it->category, list);
    }
    const json_t *q = json_object_get(j, "q_t");
    if (!json_is_number(q))
        return aj_req_fail(req, AJ_EINVAL, "items[%d].q_t: the design maximum quantity in t (a number)", i);
    it->item.q_t = json_number_value(q);
    aj_err e;
    char what[32];
    snprintf(what, sizeof what, "items[%d].tag_id", i);
    if ((e = opt_id(req, j, "tag_id", &it->tag_id))) return aj_req_fail(req, e, "%s: a tag id", what);
    if (it->tag_id) {
        aj_val v[2] = {AJ_VINT(it->tag_id), AJ_VINT(req->auth.enterprise_id)};
        int64_t n = 0;
        aj_db_query_int(aj_req_db(req), "SELECT COUNT(*) FROM tags WHERE id = ? AND enterprise_id = ?", v, 2,
                        &n);
        if (!n)
            return aj_req_fail(req, AJ_EINVAL, "%s: no tag %lld in the enterprise", what,
                               (long long)it->tag_id);
    }
    const json_t *f = json_object_get(j, "factor"), *o = json_object_get(j, "offset_t");
    if ((f || o) && !it->tag_id)
        return aj_req_fail(req, AJ_EINVAL, "items[%d].%s: converts an inventory reading; give tag_id too", i,
                           f ? "factor" : "offset_t");
    if (f) {
        it->factor = json_number_value(f);
        if (!json_is_number(f) || !(fabs(it->factor) > 0 && fabs(it->factor) <= AJ_MH_FACTOR_MAX))
            return aj_req_fail(req, AJ_EINVAL,
                               "items[%d].factor: t per unit of the tag, a number other than 0 of at most %g",
                               i, AJ_MH_FACTOR_MAX);
    }
    if (o) {
        it->offset_t = json_number_value(o);
        if (!json_is_number(o) || !(fabs(it->offset_t) <= AJ_MH_QUANTITY_T_MAX))
            return aj_req_fail(req, AJ_EINVAL, "items[%d].offset_t: t, a number of at most %g either way", i,
                               AJ_MH_QUANTITY_T_MAX);
    }
    const json_t *note = json_object_get(j, "note");
    if (note && !json_is_null(note)) {
        it->note = json_string_value(note);
        if (!it->note || strlen(it->note) > NOTE_LEN_MAX)
            return aj_req_fail(req, AJ_EINVAL, "items[%d].note: a text of at most %d bytes", i, NOTE_LEN_MAX);
    }
    return AJ_OK;
}

/* Checks the whole unit b (unit self_id when it exists) and assesses its declared quantities. */
static aj_err check_unit(aj_req *req, const aj_mh_table *t, const json_t *b, int64_t self_id, unit_in *u) {
    aj_err e;
    const json_t *site = json_object_get(b, "site_id");
    json_t *so;
    if (!json_is_integer(site) || aj_resource_load(req, &aj_res_sites, json_integer_value(site), &so))
        return aj_req_fail(req, AJ_EINVAL, "site_id: no such site");
    int64_t ent = json_integer_value(json_object_get(so, "enterprise_id"));
    json_decref(so);
    if (ent != req->auth.enterprise_id)
        return aj_req_fail(req, AJ_EFORBIDDEN, "major hazard units are kept in your own enterprise");
    u->site_id = json_integer_value(site);
    if ((e = text_of(req, b, "code", AJ_MH_UNIT_CODE_LEN_MAX, &u->code))) return e;
    if ((e = text_of(req, b, "name", AJ_MH_UNIT_NAME_LEN_MAX, &u->name))) return e;
    u->kind = json_string_value(json_object_get(b, "kind"));
    if (!u->kind || (strcmp(u->kind, "production") && strcmp(u->kind, "storage")))
        return aj_req_fail(req, AJ_EINVAL,
                           "kind: production (a process unit) or storage (a tank farm, a store)");
    const json_t *p = json_object_get(b, "people_500m");
    if (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) > AJ_MH_PEOPLE_MAX)
        return aj_req_fail(
            req, AJ_EINVAL,
            "people_500m: the people within 500 m outside the fence, a whole number from 0 to %d",
            AJ_MH_PEOPLE_MAX);
    u->people_500m = (int)json_integer_value(p);
    const json_t *th = json_object_get(b, "warn_threshold");
    u->threshold = th && !json_is_null(th) ? json_number_value(th) : 0.9;
    if (th && !json_is_null(th) && (!json_is_number(th) || !(u->threshold >= 0.01 && u->threshold <= 0.99)))
        return aj_req_fail(req, AJ_EINVAL, "warn_threshold: the S that warns before 1, from 0.01 to 0.99");
    if ((e = opt_id(req, b, "area_id", &u->area_id)) || (e = opt_id(req, b, "asset_id", &u->asset_id)))
        return e;
    if (u->area_id && (e = in_site(req, "areas", "area_id", u->area_id, u->site_id))) return e;
    if (u->asset_id && (e = in_site(req, "assets", "asset_id", u->asset_id, u->site_id))) return e;
    const json_t *items = json_object_get(b, "items");
    if (!json_is_array(items) || json_array_size(items) < 1 || json_array_size(items) > AJ_MH_UNIT_ITEMS_MAX)
        return aj_req_fail(req, AJ_EINVAL, "items: 1 to %d substances the unit holds", AJ_MH_UNIT_ITEMS_MAX);
    u->n_items = (int)json_array_size(items);
    aj_mh_item mi[AJ_MH_UNIT_ITEMS_MAX];
    for (int i = 0; i < u->n_items; i++) {
        if ((e = check_item(req, t, json_array_get(items, i), i, &u->items[i]))) return e;
        mi[i] = u->items[i].item;
    }
    char err[300];
    if ((e = aj_mh_assess(t, mi, u->n_items, u->people_500m, &u->design, err, sizeof err)))
        return aj_req_fail(req, e == AJ_ENOMEM ? e : AJ_EINVAL, "%s", err);
    /* the code is unique in the enterprise */
    aj_val v[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(u->code), AJ_VINT(self_id)};
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req),
                    "SELECT COUNT(*) FROM mh_units WHERE enterprise_id = ? AND code = ? AND id <> ?", v, 3,
                    &n);
    if (n) return aj_req_fail(req, AJ_ECONFLICT, "code: %s is already a unit of the enterprise", u->code);
    return AJ_OK;
}

/* ---- writing a unit ----------------------------------------------------------------------- */

static aj_err write_items(aj_db *db, const aj_mh_table *t, int64_t id, const unit_in *u) {
    aj_val d = AJ_VINT(id);
    aj_err e = aj_db_exec(db, "DELETE FROM mh_unit_items WHERE unit_id = ?", &d, 1, NULL);
    for (int i = 0; !e && i < u->n_items; i++) {
        const item_in *it = &u->items[i];
        aj_val v[10] = {AJ_VINT(id),
                        AJ_VINT(i),
                        AJ_VTEXT(it->substance),
                        AJ_VTEXT(it->item.substance >= 0 ? t->substances[it->item.substance].code : NULL),
                        AJ_VTEXT(it->item.category >= 0 ? t->categories[it->item.category].code : NULL),
                        AJ_VDBL(it->item.q_t),
                        it->tag_id ? AJ_VINT(it->tag_id) : AJ_VNULL,
                        AJ_VDBL(it->factor),
                        AJ_VDBL(it->offset_t),
                        AJ_VTEXT(it->note)};
        e = aj_db_exec(
            db,
            "INSERT INTO mh_unit_items (unit_id, item_no, substance, substance_code, category, q_t, "
            "tag_id, factor, offset_t, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            v, 10, NULL);
    }
    return e;
}

/* Creates (id 0) or replaces unit id; audits; answers with the unit. */
static aj_err save(aj_req *req, const aj_mh_table *t, int64_t id, const unit_in *u,
                   const json_t *audit_after) {
    int64_t now = aj_time_now_ms();
    aj_val v[17] = {AJ_VINT(req->auth.enterprise_id),
                    AJ_VINT(u->site_id),
                    u->area_id ? AJ_VINT(u->area_id) : AJ_VNULL,
                    u->asset_id ? AJ_VINT(u->asset_id) : AJ_VNULL,
                    AJ_VTEXT(u->code),
                    AJ_VTEXT(u->name),
                    AJ_VTEXT(u->kind),
                    AJ_VINT(u->people_500m),
                    AJ_VDBL(u->threshold),
                    AJ_VDBL(u->design.s),
                    AJ_VDBL(u->design.r),
                    AJ_VINT(u->design.level),
                    AJ_VTEXT(req->auth.username),
                    AJ_VINT(now),
                    AJ_VINT(now),
                    AJ_VINT(now),
                    AJ_VINT(id)};
    aj_db *db = aj_req_db(req);
    aj_result *r = NULL;
    aj_err e = aj_db_begin(db);
    if (!e && id) /* the live figures wait for the engine; updated_ms strictly grows (the engine checks it) */
        e = aj_db_exec(
            db,
            "UPDATE mh_units SET enterprise_id = ?, site_id = ?, area_id = ?, asset_id = ?, code = ?, "
            "name = ?, kind = ?, people_500m = ?, warn_threshold = ?, s_design = ?, r_design = ?, "
            "level_design = ?, s_live = NULL, r_live = NULL, live_json = NULL, updated_by = ?, "
            "updated_ms = CASE WHEN updated_ms >= ? THEN updated_ms + 1 ELSE ? END WHERE id = ?",
            (aj_val[]){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13],
                       v[14], v[16]},
            16, NULL);
    else if (!e) {
        e = aj_db_query(
            db,
            "INSERT INTO mh_units (enterprise_id, site_id, area_id, asset_id, code, name, kind, "
            "people_500m, warn_threshold, s_design, r_design, level_design, updated_by, updated_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            v, 14, &r);
        if (!e && aj_result_rows(r) == 1) id = aj_result_int(r, 0, 0);
        aj_result_free(r);
    }
    if (!e) e = write_items(db, t, id, u);
    if (!e) {
        char actor[128], oid[32];
        aj_req_actor(req, actor, sizeof actor);
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        aj_audit_entry ae = {req->auth.enterprise_id,
                             actor,
                             v[16].i ? "major_hazards.update" : "major_hazards.create",
                             "mh_unit",
                             oid,
                             NULL,
                             audit_after};
        e = aj_audit_append(db, &ae);
    }
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the major hazard unit was not saved: %s", aj_db_errmsg(db));
    }
    aj_engine_major_hazards_changed(req->app->engine);
    return reply_unit(req, id, v[16].i ? 200 : 201);
}

aj_err aj_api_major_hazards_create(aj_req *req) {
    const aj_mh_table *t;
    aj_err e = table_of(req, &t);
    if (e || (e = aj_api_check_fields(req, UNIT_FIELDS, 6))) return e;
    unit_in *u = calloc(1, sizeof *u);
    if (!u) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    if (!(e = check_unit(req, t, req->json, 0, u))) e = save(req, t, 0, u, req->json);
    free(u);
    return e;
}

/* The stored unit as a request body (what PATCH starts from). */
static json_t *stored_body(aj_req *req, const aj_result *r) {
    json_t *b = json_pack("{s:I, s:s, s:s, s:s, s:I, s:f}", "site_id", (json_int_t)aj_result_int(r, 0, 2),
                          "code", aj_result_text(r, 0, 7), "name", aj_result_text(r, 0, 8), "kind",
                          aj_result_text(r, 0, 9), "people_500m", (json_int_t)aj_result_int(r, 0, 10),
                          "warn_threshold", aj_result_double(r, 0, 11));
    if (!aj_result_is_null(r, 0, 3)) json_object_set_new(b, "area_id", json_integer(aj_result_int(r, 0, 3)));
    if (!aj_result_is_null(r, 0, 5)) json_object_set_new(b, "asset_id", json_integer(aj_result_int(r, 0, 5)));
    aj_val v = AJ_VINT(aj_result_int(r, 0, 0));
    aj_result *ir = NULL;
    json_t *items = json_array();
    if (!aj_db_query(
            aj_req_db(req),
            "SELECT substance, category, q_t, tag_id, factor, offset_t, note FROM mh_unit_items WHERE "
            "unit_id = ? ORDER BY item_no",
            &v, 1, &ir)) {
        for (int i = 0; i < aj_result_rows(ir); i++) {
            json_t *it = json_pack("{s:s?, s:s?, s:f, s:s?}", "substance", aj_result_text(ir, i, 0),
                                   "category", aj_result_text(ir, i, 1), "q_t", aj_result_double(ir, i, 2),
                                   "note", aj_result_text(ir, i, 6));
            if (!aj_result_is_null(ir, i, 3)) {
                json_object_set_new(it, "tag_id", json_integer(aj_result_int(ir, i, 3)));
                json_object_set_new(it, "factor", json_real(aj_result_double(ir, i, 4)));
                json_object_set_new(it, "offset_t", json_real(aj_result_double(ir, i, 5)));
            }
            json_array_append_new(items, it);
        }
    }
    aj_result_free(ir);
    json_object_set_new(b, "items", items);
    return b;
}

aj_err aj_api_major_hazards_patch(aj_req *req) {
    const aj_mh_table *t;
    aj_err e = table_of(req, &t);
    if (e || (e = aj_api_check_fields(req, PATCH_FIELDS, 0))) return e;
    int64_t id;
    if ((e = aj_req_path_id(req, 0, &id))) return aj_req_fail(req, e, "no such major hazard unit");
    aj_result *r;
    if ((e = load_unit(req, id, &r))) return e;
    json_t *b = stored_body(req, r);
    aj_result_free(r);
    json_object_update(b, req->json); /* what the request names replaces the stored (items whole) */
    unit_in *u = calloc(1, sizeof *u);
    if (!u) e = aj_req_fail(req, AJ_ENOMEM, "out of memory");
    if (!e && !(e = check_unit(req, t, b, id, u))) e = save(req, t, id, u, req->json);
    free(u);
    json_decref(b);
    return e;
}
