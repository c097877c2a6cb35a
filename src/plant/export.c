/* export.c — builds the plant file of one site from the database (see plant_file.h).
 *
 * Organisations and people (with their certificates) are those of the whole enterprise;
 * areas, assets and tags those of the site. Every list is sorted by code (tags by key,
 * certificates by type then number) with strcmp, not by the database's collation, so
 * SQLite and PostgreSQL export byte-identical files. Null optional fields are left out;
 * keys appear in the order of the format description. Importing an export changes
 * nothing; importing it into an empty enterprise and exporting again gives it back.
 */
#include "engine/alarm_defs.h"
#include "plant/plant_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file object from a row: the keys listed, in that order, skipping nulls. */
static json_t *shape(const json_t *row, const char *const *keys, int n_keys) {
    json_t *o = json_object();
    for (int i = 0; o && i < n_keys; i++) {
        json_t *v = json_object_get(row, keys[i]);
        if (!v || json_is_null(v)) continue;
        if (json_object_set(o, keys[i], v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

/* One object of an array being sorted, with its sort keys. */
typedef struct sort_item {
    const char *k1, *k2;
    json_t *obj;
} sort_item;

static int by_keys(const void *pa, const void *pb) {
    const sort_item *a = pa, *b = pb;
    int c = strcmp(a->k1, b->k1);
    return c ? c : strcmp(a->k2, b->k2);
}

static const char *key_of(const json_t *o, const char *k) {
    const char *s = k ? json_string_value(json_object_get(o, k)) : NULL;
    return s ? s : "";
}

/* Sorts the objects of arr by field k1, then k2 (when not NULL), byte-wise. */
static aj_err sort_array(json_t *arr, const char *k1, const char *k2) {
    size_t n = json_array_size(arr);
    if (n < 2) return AJ_OK;
    sort_item *items = malloc(n * sizeof *items);
    if (!items) return AJ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_incref(json_array_get(arr, i));
        items[i] = (sort_item){key_of(o, k1), key_of(o, k2), o};
    }
    qsort(items, n, sizeof *items, by_keys);
    json_array_clear(arr);
    aj_err e = AJ_OK;
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(arr, items[i].obj) != 0) e = AJ_ENOMEM;
    free(items);
    return e;
}

/* Runs sql, shapes every row (after fix, when given, adjusts a row in place) and returns
 * the sorted array in *out. */
static aj_err export_rows(aj_db *db, const char *sql, const aj_val *p, int n, const char *const *keys,
                          int n_keys, void (*fix)(json_t *row), const char *sort_by, json_t **out) {
    json_t *rows, *arr = json_array();
    aj_err e = arr ? aj_db_query_json(db, sql, p, n, &rows) : AJ_ENOMEM;
    if (e) {
        json_decref(arr);
        return e;
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        if (fix) fix(row);
        if (json_array_append_new(arr, shape(row, keys, n_keys)) != 0) e = AJ_ENOMEM;
    }
    json_decref(rows);
    if (!e) e = sort_array(arr, sort_by, NULL);
    if (e)
        json_decref(arr);
    else
        *out = arr;
    return e;
}

/* Optional arrays: an empty or unparsable one is left out. */
static void drop_empty(json_t *row, const char *key) {
    json_t *v = json_object_get(row, key);
    if (v && (!json_is_array(v) || json_array_size(v) == 0)) json_object_del(row, key);
}

static void fix_area(json_t *row) {
    drop_empty(row, "polygon");
}

static void fix_tag(json_t *row) {
    json_t *lo = json_object_get(row, "range_lo"), *hi = json_object_get(row, "range_hi");
    if (json_is_number(lo) && json_is_number(hi))
        json_object_set_new(row, "range", json_pack("[ff]", json_number_value(lo), json_number_value(hi)));
}

static void fix_person(json_t *row) {
    drop_empty(row, "roles");
}

static const char *const SITE_KEYS[] = {"code", "name", "name_en", "timezone", "lat", "lon"};
static const char *const ORG_KEYS[] = {"code", "name", "name_en", "kind", "parent"};
static const char *const AREA_KEYS[] = {"code", "name", "name_en", "kind", "polygon", "lat", "lon"};
static const char *const ASSET_KEYS[] = {"code", "name", "name_en", "template", "area", "parent", "x", "y"};
static const char *const TAG_KEYS[] = {"key",  "name", "name_en", "unit", "kind", "range", "asset",
                                       "role", "area", "x",       "y",    "gas",  "oel"};
static const char *const PERSON_KEYS[] = {"code",  "name",      "name_en", "organisation", "department",
                                          "roles", "badge_uid", "phone",   "certificates"};
static const char *const CERT_KEYS[] = {"type", "number", "issued_on", "expires_on", "next_review_on"};

#define N_KEYS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static aj_err export_site(aj_db *db, int64_t enterprise_id, int64_t site_id, json_t *doc) {
    aj_val p[2] = {AJ_VINT(site_id), AJ_VINT(enterprise_id)};
    json_t *rows;
    aj_err e = aj_db_query_json(db,
                                "SELECT code, name, name_en, timezone, lat, lon FROM sites"
                                " WHERE id = ? AND enterprise_id = ?",
                                p, 2, &rows);
    if (e) return e;
    if (json_array_size(rows) != 1)
        e = AJ_ENOTFOUND;
    else if (json_object_set_new(doc, "site", shape(json_array_get(rows, 0), SITE_KEYS, N_KEYS(SITE_KEYS))) !=
             0)
        e = AJ_ENOMEM;
    json_decref(rows);
    return e;
}

/* Adds "alarms" (the user-set ones; generated ones follow from the tag) to the tags. */
static aj_err export_alarms(aj_db *db, int64_t enterprise_id, int64_t site_id, json_t *tags) {
    aj_val p[2] = {AJ_VINT(site_id), AJ_VINT(enterprise_id)};
    aj_result *r;
    aj_err e =
        aj_db_query(db,
                    "SELECT DISTINCT t.id, t.key FROM alarm_defs d JOIN tags t ON t.id = d.tag_id"
                    " WHERE t.site_id = ? AND t.enterprise_id = ? AND d.source = 'user' AND d.is_retired = 0",
                    p, 2, &r);
    if (e) return e;
    for (int i = 0; !e && i < aj_result_rows(r); i++) {
        aj_alarm_def_row rows[AJ_ALARM_DEFS_PER_TAG];
        size_t n = 0;
        e = aj_alarm_defs_load(db, aj_result_int(r, i, 0), rows, AJ_ALARM_DEFS_PER_TAG, &n);
        json_t *list = json_array();
        for (size_t k = 0; !e && k < n; k++) {
            if (!rows[k].is_user) continue;
            json_t *o = aj_alarm_def_row_to_json(&rows[k]);
            json_object_del(o, "id");
            json_object_del(o, "tag_id");
            json_object_del(o, "source");
            if (json_is_null(json_object_get(o, "basis"))) json_object_del(o, "basis");
            json_array_append_new(list, o);
        }
        const char *key = aj_result_text(r, i, 1);
        size_t j;
        json_t *tag;
        json_array_foreach(tags, j, tag) {
            if (key && strcmp(json_string_value(json_object_get(tag, "key")), key) == 0) {
                json_object_set(tag, "alarms", list);
                break;
            }
        }
        json_decref(list);
    }
    aj_result_free(r);
    return e;
}

static aj_err export_plant(aj_db *db, int64_t enterprise_id, int64_t site_id, json_t *doc) {
    aj_val ent = AJ_VINT(enterprise_id), site[2] = {AJ_VINT(site_id), AJ_VINT(enterprise_id)};
    json_t *orgs = NULL, *areas = NULL, *assets = NULL, *tags = NULL;
    aj_err e =
        export_rows(db,
                    "SELECT o.code AS code, o.name AS name, o.name_en AS name_en, o.kind AS kind,"
                    " p.code AS parent FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id"
                    " WHERE o.enterprise_id = ?",
                    &ent, 1, ORG_KEYS, N_KEYS(ORG_KEYS), NULL, "code", &orgs);
    if (!e)
        e = export_rows(db,
                        "SELECT code, name, name_en, kind, polygon_json, lat, lon FROM areas"
                        " WHERE site_id = ? AND enterprise_id = ?",
                        site, 2, AREA_KEYS, N_KEYS(AREA_KEYS), fix_area, "code", &areas);
    if (!e)
        e = export_rows(db,
                        "SELECT a.code AS code, a.name AS name, a.name_en AS name_en, a.template AS template,"
                        " ar.code AS area, p.code AS parent, a.x AS x, a.y AS y FROM assets a"
                        " LEFT JOIN areas ar ON ar.id = a.area_id LEFT JOIN assets p ON p.id = a.parent_id"
                        " WHERE a.site_id = ? AND a.enterprise_id = ?",
                        site, 2, ASSET_KEYS, N_KEYS(ASSET_KEYS), NULL, "code", &assets);
    if (!e)
        e = export_rows(
            db,
            "SELECT t.key AS key, t.name AS name, t.name_en AS name_en, t.unit AS unit, t.kind AS kind,"
            " t.range_lo AS range_lo, t.range_hi AS range_hi, a.code AS asset, t.role AS role,"
            " ar.code AS area, t.x AS x, t.y AS y, t.gas AS gas, t.oel AS oel FROM tags t"
            " LEFT JOIN assets a ON a.id = t.asset_id LEFT JOIN areas ar ON ar.id = t.area_id"
            " WHERE t.site_id = ? AND t.enterprise_id = ?",
            site, 2, TAG_KEYS, N_KEYS(TAG_KEYS), fix_tag, "key", &tags);
    if (!e) e = export_alarms(db, enterprise_id, site_id, tags);
    if (!e && (json_object_set(doc, "organisations", orgs) || json_object_set(doc, "areas", areas) ||
               json_object_set(doc, "assets", assets) || json_object_set(doc, "tags", tags)))
        e = AJ_ENOMEM;
    json_decref(orgs);
    json_decref(areas);
    json_decref(assets);
    json_decref(tags);
    return e;
}

/* person id (text) -> array of certificate objects, each array sorted. */
static aj_err export_certs(aj_db *db, int64_t enterprise_id, json_t **out) {
    aj_val ent = AJ_VINT(enterprise_id);
    json_t *rows, *by_person = json_object();
    aj_err e = by_person
                   ? aj_db_query_json(db,
                                      "SELECT person_id, type, number, issued_on, expires_on, next_review_on"
                                      " FROM certificates WHERE enterprise_id = ?",
                                      &ent, 1, &rows)
                   : AJ_ENOMEM;
    if (e) {
        json_decref(by_person);
        return e;
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        char pid[24];
        snprintf(pid, sizeof pid, "%lld", (long long)json_integer_value(json_object_get(row, "person_id")));
        json_t *list = json_object_get(by_person, pid);
        if (!list && (json_object_set_new(by_person, pid, json_array()) != 0)) e = AJ_ENOMEM;
        list = json_object_get(by_person, pid);
        if (!e && json_array_append_new(list, shape(row, CERT_KEYS, N_KEYS(CERT_KEYS))) != 0) e = AJ_ENOMEM;
    }
    json_decref(rows);
    const char *pid;
    json_t *list;
    json_object_foreach(by_person, pid, list) {
        if (!e) e = sort_array(list, "type", "number");
    }
    if (e)
        json_decref(by_person);
    else
        *out = by_person;
    return e;
}

static aj_err export_people(aj_db *db, int64_t enterprise_id, json_t *doc) {
    aj_val ent = AJ_VINT(enterprise_id);
    json_t *rows, *certs = NULL, *people = json_array();
    aj_err e = people ? export_certs(db, enterprise_id, &certs) : AJ_ENOMEM;
    if (!e)
        e = aj_db_query_json(
            db,
            "SELECT p.id AS id, p.code AS code, p.name AS name, p.name_en AS name_en,"
            " o.code AS organisation, p.department AS department, p.roles_json AS roles_json,"
            " p.badge_uid AS badge_uid, p.phone AS phone FROM people p"
            " JOIN organisations o ON o.id = p.org_id WHERE p.enterprise_id = ?",
            &ent, 1, &rows);
    if (!e) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) {
            char pid[24];
            snprintf(pid, sizeof pid, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
            fix_person(row);
            json_t *list = json_object_get(certs, pid);
            if (list && json_object_set(row, "certificates", list) != 0) e = AJ_ENOMEM;
            if (json_array_append_new(people, shape(row, PERSON_KEYS, N_KEYS(PERSON_KEYS))) != 0)
                e = AJ_ENOMEM;
        }
        json_decref(rows);
    }
    if (!e) e = sort_array(people, "code", NULL);
    if (!e && json_object_set(doc, "people", people) != 0) e = AJ_ENOMEM;
    json_decref(people);
    json_decref(certs);
    return e;
}

/* The enterprise's stored connection maps as "connections" (absent when there are none). */
static aj_err export_connections(aj_db *db, int64_t enterprise_id, json_t *doc) {
    aj_result *r = NULL;
    aj_err e = aj_db_query(
        db, "SELECT protocol, map_json FROM connection_maps WHERE enterprise_id = ? ORDER BY protocol",
        (aj_val[]){AJ_VINT(enterprise_id)}, 1, &r);
    if (e) return e;
    json_t *conn = aj_result_rows(r) ? json_object() : NULL;
    for (int i = 0; conn && i < aj_result_rows(r); i++) {
        json_t *map = json_loads(aj_result_text(r, i, 1), 0, NULL);
        if (!map || json_object_set_new(conn, aj_result_text(r, i, 0), map)) e = AJ_ENOMEM;
    }
    aj_result_free(r);
    if (!e && conn && json_object_set_new(doc, "connections", conn))
        e = AJ_ENOMEM;
    else if (e)
        json_decref(conn);
    return e;
}

aj_err aj_plant_export(aj_db *db, int64_t enterprise_id, int64_t site_id, json_t **out_doc) {
    *out_doc = NULL;
    json_t *doc = json_pack("{s:s,s:i}", "format", "anjian-plant", "version", 1);
    aj_err e = doc ? export_site(db, enterprise_id, site_id, doc) : AJ_ENOMEM;
    if (!e) e = export_plant(db, enterprise_id, site_id, doc);
    if (!e) e = export_people(db, enterprise_id, doc);
    if (!e) e = export_connections(db, enterprise_id, doc);
    if (e)
        json_decref(doc);
    else
        *out_doc = doc;
    return e;
}
