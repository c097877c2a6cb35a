/* import.c — writes a validated plant file into the database (see plant_file.h).
 *
 * One write transaction holds the whole import:
 *   begin -> load the stored rows the file may touch (the "index") -> validate against
 *   that index -> on any error: rollback, nothing written -> else upsert site,
 *   organisations, areas, assets, tags, people, certificates -> summary audit -> commit.
 * Loading and validating inside the transaction means what was checked is what is
 * written (SQLite's BEGIN IMMEDIATE holds the write lock; upserts keep PostgreSQL safe).
 *
 * Each object becomes an "after" row shaped like the stored row (same column names, ids
 * resolved, polygon/roles as JSON). If the stored row already equals it, the object is
 * counted unchanged and nothing is written; otherwise it is upserted (INSERT ... ON
 * CONFLICT DO UPDATE ... RETURNING id), audited with before/after and counted created
 * or updated. The index maps are updated with every written row, so children find the
 * ids of parents written earlier; organisations and assets are written parents first.
 *
 * Ownership: the index owns every row it holds (jansson references); nothing outlives
 * aj_plant_import().
 */
#include "engine/alarm_defs.h"
#include "plant/plant_file.h"

#include "audit/audit.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the index: stored rows the import may touch --------------------------------------- */

typedef struct plant_index {
    aj_db *db;
    int64_t enterprise_id, site_id;
    json_t *site;                    /* stored site row, NULL when new */
    json_t *templates;               /* template code -> signal roles array */
    json_t *roles;                   /* role name -> true */
    json_t *rows[AJ_PLANT_FAMILIES]; /* code (tags: key, certs: "type\nnumber") -> row */
    json_t *badges;                  /* upper-case badge -> person code */
} plant_index;

static void index_clear(plant_index *x) {
    json_decref(x->site);
    json_decref(x->templates);
    json_decref(x->roles);
    json_decref(x->badges);
    for (int f = 0; f < AJ_PLANT_FAMILIES; f++) json_decref(x->rows[f]);
    memset(x, 0, sizeof *x);
}

/* Map key of a certificate: "type\nnumber" (types hold no newline, so it is unambiguous).
 * Longer numbers than any stored one (AJ_TEXT_LEN_MAX bytes) are cut, never overflow. */
#define CERT_KEY_MAX (AJ_TEXT_LEN_MAX + 64)
static void cert_key(const char *type, const char *number, char out[CERT_KEY_MAX]) {
    if (snprintf(out, CERT_KEY_MAX, "%s\n%s", type ? type : "", number ? number : "") >= CERT_KEY_MAX)
        out[CERT_KEY_MAX - 1] = 0;
}

/* Runs sql and files each row under the text of its column key_col. */
static aj_err load_map(plant_index *x, const char *sql, const aj_val *p, int n, const char *key_col,
                       json_t *map) {
    json_t *arr;
    aj_err e = aj_db_query_json(x->db, sql, p, n, &arr);
    if (e) return e;
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row) {
        const char *key = json_string_value(json_object_get(row, key_col));
        if (key && json_object_set(map, key, row) != 0) e = AJ_ENOMEM;
    }
    json_decref(arr);
    return e;
}

static aj_err load_site(plant_index *x, const json_t *doc) {
    const char *code = json_string_value(json_object_get(json_object_get(doc, "site"), "code"));
    aj_val p[2] = {AJ_VINT(x->enterprise_id), AJ_VTEXT(code ? code : "")};
    json_t *arr;
    aj_err e = aj_db_query_json(x->db,
                                "SELECT id, enterprise_id, code, name, name_en, timezone, lat, lon FROM sites"
                                " WHERE enterprise_id = ? AND code = ?",
                                p, 2, &arr);
    if (e) return e;
    if (json_array_size(arr) == 1) {
        x->site = json_incref(json_array_get(arr, 0));
        x->site_id = json_integer_value(json_object_get(x->site, "id"));
    }
    json_decref(arr);
    return AJ_OK;
}

static aj_err load_templates(plant_index *x) {
    json_t *arr;
    aj_err e = aj_db_query_json(x->db, "SELECT code, signal_roles_json FROM asset_templates", NULL, 0, &arr);
    if (e) return e;
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row) {
        const char *code = json_string_value(json_object_get(row, "code"));
        json_t *roles = json_object_get(row, "signal_roles");
        if (code && json_object_set(x->templates, code, json_is_array(roles) ? roles : json_array()) != 0)
            e = AJ_ENOMEM;
    }
    json_decref(arr);
    if (!e) e = load_map(x, "SELECT name FROM roles", NULL, 0, "name", x->roles);
    return e;
}

static aj_err load_people(plant_index *x) {
    aj_val ent = AJ_VINT(x->enterprise_id);
    aj_err e =
        load_map(x,
                 "SELECT p.id AS id, p.enterprise_id AS enterprise_id, p.org_id AS org_id, p.code AS code,"
                 " p.name AS name, p.name_en AS name_en, p.department AS department,"
                 " p.roles_json AS roles_json, p.badge_uid AS badge_uid, p.phone AS phone,"
                 " o.code AS org_code FROM people p JOIN organisations o ON o.id = p.org_id"
                 " WHERE p.enterprise_id = ?",
                 &ent, 1, "code", x->rows[AJ_PLANT_PEOPLE]);
    const char *code;
    json_t *row;
    json_object_foreach(x->rows[AJ_PLANT_PEOPLE], code, row) {
        const char *badge = json_string_value(json_object_get(row, "badge_uid"));
        char norm[21];
        if (!badge || e) continue;
        aj_plant_badge_normalise(badge, norm);
        if (json_object_set_new(x->badges, norm, json_string(code)) != 0) e = AJ_ENOMEM;
    }
    return e;
}

static aj_err load_certs(plant_index *x) {
    aj_val ent = AJ_VINT(x->enterprise_id);
    json_t *arr;
    aj_err e =
        aj_db_query_json(x->db,
                         "SELECT c.id AS id, c.enterprise_id AS enterprise_id, c.person_id AS person_id,"
                         " c.type AS type, c.number AS number, c.issued_on AS issued_on,"
                         " c.expires_on AS expires_on, c.next_review_on AS next_review_on,"
                         " p.code AS person_code FROM certificates c JOIN people p ON p.id = c.person_id"
                         " WHERE c.enterprise_id = ?",
                         &ent, 1, &arr);
    if (e) return e;
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row) {
        char key[CERT_KEY_MAX];
        cert_key(json_string_value(json_object_get(row, "type")),
                 json_string_value(json_object_get(row, "number")), key);
        if (json_object_set(x->rows[AJ_PLANT_CERTIFICATES], key, row) != 0) e = AJ_ENOMEM;
    }
    json_decref(arr);
    return e;
}

static aj_err load_plant(plant_index *x) {
    aj_val ent = AJ_VINT(x->enterprise_id), site = AJ_VINT(x->site_id);
    aj_err e =
        load_map(x,
                 "SELECT o.id AS id, o.enterprise_id AS enterprise_id, o.code AS code, o.name AS name,"
                 " o.name_en AS name_en, o.kind AS kind, o.parent_id AS parent_id, p.code AS parent_code"
                 " FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id"
                 " WHERE o.enterprise_id = ?",
                 &ent, 1, "code", x->rows[AJ_PLANT_ORGANISATIONS]);
    if (!e)
        e = load_map(x,
                     "SELECT id, enterprise_id, site_id, code, name, name_en, kind, polygon_json, lat, lon"
                     " FROM areas WHERE site_id = ?",
                     &site, 1, "code", x->rows[AJ_PLANT_AREAS]);
    if (!e)
        e = load_map(
            x,
            "SELECT a.id AS id, a.enterprise_id AS enterprise_id, a.site_id AS site_id, a.area_id AS area_id,"
            " a.parent_id AS parent_id, a.template AS template, a.code AS code, a.name AS name,"
            " a.name_en AS name_en, a.x AS x, a.y AS y, p.code AS parent_code"
            " FROM assets a LEFT JOIN assets p ON p.id = a.parent_id WHERE a.site_id = ?",
            &site, 1, "code", x->rows[AJ_PLANT_ASSETS]);
    if (!e)
        e = load_map(
            x,
            "SELECT t.id AS id, t.enterprise_id AS enterprise_id, t.site_id AS site_id, t.key AS key,"
            " t.name AS name, t.name_en AS name_en, t.unit AS unit, t.kind AS kind,"
            " t.range_lo AS range_lo, t.range_hi AS range_hi, t.asset_id AS asset_id, t.role AS role,"
            " t.area_id AS area_id, t.x AS x, t.y AS y, t.gas AS gas, t.oel AS oel,"
            " s.code AS site_code FROM tags t JOIN sites s ON s.id = t.site_id WHERE t.enterprise_id = ?",
            &ent, 1, "key", x->rows[AJ_PLANT_TAGS]);
    if (!e) e = load_people(x);
    if (!e) e = load_certs(x);
    return e;
}

static aj_err index_load(plant_index *x, aj_db *db, int64_t enterprise_id, const json_t *doc) {
    int64_t found;
    x->db = db;
    x->enterprise_id = enterprise_id;
    x->templates = json_object();
    x->roles = json_object();
    x->badges = json_object();
    bool is_ok = x->templates && x->roles && x->badges;
    for (int f = 0; f < AJ_PLANT_FAMILIES; f++) is_ok = (x->rows[f] = json_object()) != NULL && is_ok;
    if (!is_ok) return AJ_ENOMEM;
    aj_val ent = AJ_VINT(enterprise_id);
    aj_err e = aj_db_query_int(db, "SELECT id FROM enterprises WHERE id = ?", &ent, 1, &found);
    if (e == AJ_ENOTFOUND)
        e = aj_db_fail(db, AJ_ENOTFOUND, "plant import: no enterprise %lld", (long long)enterprise_id);
    if (!e) e = load_site(x, doc);
    if (!e) e = load_templates(x);
    if (!e) e = load_plant(x);
    return e;
}

/* ---- lookups for the validator ---------------------------------------------------------- */

static aj_err found_if(const void *p) {
    return p ? AJ_OK : AJ_ENOTFOUND;
}

static aj_err lk_template_roles(void *ctx, const char *code, const json_t **roles) {
    *roles = json_object_get(((plant_index *)ctx)->templates, code);
    return found_if(*roles);
}

static aj_err lk_role_exists(void *ctx, const char *role) {
    return found_if(json_object_get(((plant_index *)ctx)->roles, role));
}

static const json_t *stored(void *ctx, aj_plant_family f, const char *key) {
    return json_object_get(((plant_index *)ctx)->rows[f], key);
}

static aj_err lk_org_parent(void *ctx, const char *code, const char **parent) {
    const json_t *row = stored(ctx, AJ_PLANT_ORGANISATIONS, code);
    *parent = json_string_value(json_object_get(row, "parent_code"));
    return found_if(row);
}

static aj_err lk_area_exists(void *ctx, const char *code) {
    return found_if(stored(ctx, AJ_PLANT_AREAS, code));
}

static aj_err lk_asset_info(void *ctx, const char *code, const char **parent, const char **tmpl) {
    const json_t *row = stored(ctx, AJ_PLANT_ASSETS, code);
    *parent = json_string_value(json_object_get(row, "parent_code"));
    *tmpl = json_string_value(json_object_get(row, "template"));
    return found_if(row);
}

static aj_err lk_tag_site(void *ctx, const char *key, const char **site_code) {
    const json_t *row = stored(ctx, AJ_PLANT_TAGS, key);
    *site_code = json_string_value(json_object_get(row, "site_code"));
    return found_if(row);
}

static aj_err lk_badge_owner(void *ctx, const char *badge, const char **person) {
    *person = json_string_value(json_object_get(((plant_index *)ctx)->badges, badge));
    return found_if(*person);
}

static aj_err lk_cert_owner(void *ctx, const char *type, const char *number, const char **person) {
    char key[CERT_KEY_MAX];
    cert_key(type, number, key);
    const json_t *row = stored(ctx, AJ_PLANT_CERTIFICATES, key);
    *person = json_string_value(json_object_get(row, "person_code"));
    return found_if(row);
}

/* ---- comparing and writing rows -------------------------------------------------------- */

/* Equal as stored values: numbers by value (1 == 1.0), everything else exactly. */
static bool scalar_same(const json_t *a, const json_t *b) {
    if (!a) a = json_null();
    if (!b) b = json_null();
    if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
    if (json_is_array(a) || json_is_array(b) || json_is_object(a) || json_is_object(b)) return false;
    return json_equal(a, b);
}

/* Arrays of scalars or of arrays of scalars (roles, polygons); no deeper, no recursion. */
static bool value_same(const json_t *a, const json_t *b) {
    if (!json_is_array(a) || !json_is_array(b)) return scalar_same(a, b);
    if (json_array_size(a) != json_array_size(b)) return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *ea = json_array_get(a, i), *eb = json_array_get(b, i);
        if (!json_is_array(ea) || !json_is_array(eb)) {
            if (!scalar_same(ea, eb)) return false;
            continue;
        }
        if (json_array_size(ea) != json_array_size(eb)) return false;
        for (size_t k = 0; k < json_array_size(ea); k++)
            if (!scalar_same(json_array_get(ea, k), json_array_get(eb, k))) return false;
    }
    return true;
}

/* Every field of after equals the stored row's (stored-only fields are ignored). */
static bool row_same(const json_t *before, const json_t *after) {
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)after, key, val) {
        if (!value_same(json_object_get(before, key), val)) return false;
    }
    return true;
}

/* How one family is written. cols are keys of the after row, in the order of the SQL's
 * placeholders; an array value is bound as its JSON text. */
typedef struct upsert_spec {
    int family; /* aj_plant_family, or -1 for the site */
    const char *object_type;
    const char *sql;
    const char *const *cols;
    int n_cols;
} upsert_spec;

typedef struct importer {
    aj_db *db;
    int64_t enterprise_id;
    const char *actor;
    plant_index *x;
    aj_plant_report *rep;
} importer;

static aj_err upsert_row(importer *im, const upsert_spec *sp, const json_t *after, int64_t *id) {
    aj_val p[AJ_SQL_PARAMS_MAX];
    char *texts[AJ_SQL_PARAMS_MAX] = {0};
    aj_err e = AJ_OK;
    for (int i = 0; i < sp->n_cols && !e; i++) {
        const json_t *v = json_object_get(after, sp->cols[i]);
        if (json_is_string(v))
            p[i] = AJ_VTEXT(json_string_value(v));
        else if (json_is_integer(v))
            p[i] = AJ_VINT(json_integer_value(v));
        else if (json_is_real(v))
            p[i] = AJ_VDBL(json_real_value(v));
        else if (json_is_array(v) && !(texts[i] = json_dumps(v, JSON_COMPACT)))
            e = AJ_ENOMEM;
        else
            p[i] = json_is_array(v) ? AJ_VTEXT(texts[i]) : AJ_VNULL;
    }
    if (!e) e = aj_db_query_int(im->db, sp->sql, p, sp->n_cols, id);
    if (e == AJ_ENOTFOUND) e = aj_db_fail(im->db, AJ_EINTERNAL, "plant import: upsert returned no id");
    for (int i = 0; i < sp->n_cols; i++) free(texts[i]);
    return e;
}

static aj_err audit_row(importer *im, const upsert_spec *sp, const json_t *before, const json_t *after,
                        int64_t id) {
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    aj_audit_entry en = {.enterprise_id = im->enterprise_id,
                         .actor = im->actor,
                         .action = before ? "plant.import.update" : "plant.import.create",
                         .object_type = sp->object_type,
                         .object_id = oid,
                         .before = before,
                         .after = after};
    return aj_audit_append(im->db, &en);
}

static void count(importer *im, int family, int *per_family, aj_plant_site_status site_status) {
    if (family >= 0)
        per_family[family]++;
    else
        im->rep->site_status = site_status;
}

/* Writes after (a new row, stolen) unless the stored row under key in map already equals
 * it; then map[key] is the current row (with "id"). *id receives the row id. */
static aj_err put_row(importer *im, const upsert_spec *sp, json_t *map, const char *key, json_t *after,
                      int64_t *id) {
    json_t *before = map ? json_object_get(map, key) : im->x->site;
    aj_err e = after ? AJ_OK : AJ_ENOMEM;
    if (!e && before && row_same(before, after)) {
        *id = json_integer_value(json_object_get(before, "id"));
        count(im, sp->family, im->rep->unchanged, AJ_PLANT_SITE_UNCHANGED);
        json_decref(after);
        return AJ_OK;
    }
    if (!e) e = upsert_row(im, sp, after, id);
    if (!e && json_object_set_new(after, "id", json_integer(*id)) != 0) e = AJ_ENOMEM;
    if (!e) e = audit_row(im, sp, before, after, *id);
    if (!e)
        count(im, sp->family, before ? im->rep->updated : im->rep->created,
              before ? AJ_PLANT_SITE_UPDATED : AJ_PLANT_SITE_CREATED);
    if (!e && map && json_object_set(map, key, after) != 0) e = AJ_ENOMEM;
    json_decref(after);
    return e;
}

/* ---- building after rows ---------------------------------------------------------------- */

/* New reference to field k of o as stored: strings and arrays as they are, numbers as
 * reals (DOUBLE PRECISION columns), absent as null. */
static json_t *text_of(const json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return v ? json_incref(v) : json_null();
}

static json_t *real_of(const json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
}

static json_t *id_or_null(int64_t id) {
    return id > 0 ? json_integer(id) : json_null();
}

/* Id of the row filed under key in map (0 when absent). */
static int64_t row_id(const json_t *map, const char *key) {
    if (!key) return 0;
    return json_integer_value(json_object_get(json_object_get(map, key), "id"));
}

static const char *field(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static const char *const SITE_COLS[] = {"enterprise_id", "code", "name", "name_en", "timezone", "lat", "lon"};
static const upsert_spec SITE_SPEC = {
    -1, "site",
    "INSERT INTO sites (enterprise_id, code, name, name_en, timezone, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (enterprise_id, code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en,"
    " timezone = excluded.timezone, lat = excluded.lat, lon = excluded.lon RETURNING id",
    SITE_COLS, 7};

static aj_err write_site(importer *im, const json_t *site) {
    const json_t *tz = json_object_get(site, "timezone");
    json_t *after =
        json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "enterprise_id", (json_int_t)im->enterprise_id, "code",
                  text_of(site, "code"), "name", text_of(site, "name"), "name_en", text_of(site, "name_en"),
                  "timezone", tz ? json_incref((json_t *)tz) : json_string("Asia/Shanghai"), "lat",
                  real_of(site, "lat"), "lon", real_of(site, "lon"));
    int64_t id = 0;
    aj_err e = put_row(im, &SITE_SPEC, NULL, NULL, after, &id);
    im->x->site_id = id;
    im->rep->site_id = id;
    return e;
}

static const char *const ORG_COLS[] = {"enterprise_id", "code", "name", "name_en", "kind", "parent_id"};
static const upsert_spec ORG_SPEC = {
    AJ_PLANT_ORGANISATIONS, "organisation",
    "INSERT INTO organisations (enterprise_id, code, name, name_en, kind, parent_id) VALUES (?, ?, ?, ?, ?, "
    "?)"
    " ON CONFLICT (enterprise_id, code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en,"
    " kind = excluded.kind, parent_id = excluded.parent_id RETURNING id",
    ORG_COLS, 6};

static aj_err write_org(importer *im, const json_t *o) {
    json_t *map = im->x->rows[AJ_PLANT_ORGANISATIONS];
    json_t *after =
        json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "enterprise_id", (json_int_t)im->enterprise_id, "code",
                  text_of(o, "code"), "name", text_of(o, "name"), "name_en", text_of(o, "name_en"), "kind",
                  text_of(o, "kind"), "parent_id", id_or_null(row_id(map, field(o, "parent"))));
    int64_t id;
    return put_row(im, &ORG_SPEC, map, field(o, "code"), after, &id);
}

static const char *const AREA_COLS[] = {"enterprise_id", "site_id", "code", "name", "name_en",
                                        "kind",          "polygon", "lat",  "lon"};
static const upsert_spec AREA_SPEC = {
    AJ_PLANT_AREAS, "area",
    "INSERT INTO areas (enterprise_id, site_id, code, name, name_en, kind, polygon_json, lat, lon)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, code) DO UPDATE SET name = excluded.name,"
    " name_en = excluded.name_en, kind = excluded.kind, polygon_json = excluded.polygon_json,"
    " lat = excluded.lat, lon = excluded.lon RETURNING id",
    AREA_COLS, 9};

static aj_err write_area(importer *im, const json_t *o) {
    json_t *after =
        json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "enterprise_id", (json_int_t)im->enterprise_id,
                  "site_id", (json_int_t)im->x->site_id, "code", text_of(o, "code"), "name",
                  text_of(o, "name"), "name_en", text_of(o, "name_en"), "kind", text_of(o, "kind"), "polygon",
                  text_of(o, "polygon"), "lat", real_of(o, "lat"), "lon", real_of(o, "lon"));
    int64_t id;
    return put_row(im, &AREA_SPEC, im->x->rows[AJ_PLANT_AREAS], field(o, "code"), after, &id);
}

static const char *const ASSET_COLS[] = {"enterprise_id", "site_id", "area_id", "parent_id", "template",
                                         "code",          "name",    "name_en", "x",         "y"};
static const upsert_spec ASSET_SPEC = {
    AJ_PLANT_ASSETS, "asset",
    "INSERT INTO assets (enterprise_id, site_id, area_id, parent_id, template, code, name, name_en, x, y)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, code) DO UPDATE SET area_id = "
    "excluded.area_id,"
    " parent_id = excluded.parent_id, template = excluded.template, name = excluded.name,"
    " name_en = excluded.name_en, x = excluded.x, y = excluded.y RETURNING id",
    ASSET_COLS, 10};

static aj_err write_asset(importer *im, const json_t *o) {
    json_t *map = im->x->rows[AJ_PLANT_ASSETS];
    json_t *after = json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "enterprise_id",
                              (json_int_t)im->enterprise_id, "site_id", (json_int_t)im->x->site_id, "area_id",
                              id_or_null(row_id(im->x->rows[AJ_PLANT_AREAS], field(o, "area"))), "parent_id",
                              id_or_null(row_id(map, field(o, "parent"))), "template", text_of(o, "template"),
                              "code", text_of(o, "code"), "name", text_of(o, "name"), "name_en",
                              text_of(o, "name_en"), "x", real_of(o, "x"), "y", real_of(o, "y"));
    int64_t id;
    return put_row(im, &ASSET_SPEC, map, field(o, "code"), after, &id);
}

static const char *const TAG_COLS[] = {
    "enterprise_id", "site_id",  "key",  "name",    "name_en", "unit", "kind", "range_lo",
    "range_hi",      "asset_id", "role", "area_id", "x",       "y",    "gas",  "oel"};
static const upsert_spec TAG_SPEC = {
    AJ_PLANT_TAGS, "tag",
    "INSERT INTO tags (enterprise_id, site_id, key, name, name_en, unit, kind, range_lo, range_hi, asset_id,"
    " role, area_id, x, y, gas, oel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (enterprise_id, key) DO UPDATE SET site_id = excluded.site_id, name = excluded.name,"
    " name_en = excluded.name_en, unit = excluded.unit, kind = excluded.kind, range_lo = excluded.range_lo,"
    " range_hi = excluded.range_hi, asset_id = excluded.asset_id, role = excluded.role,"
    " area_id = excluded.area_id, x = excluded.x, y = excluded.y, gas = excluded.gas, oel = excluded.oel"
    " RETURNING id",
    TAG_COLS, 16};

/* Area of a tag: its own, else its asset's. */
static json_t *tag_area(importer *im, const json_t *o) {
    if (field(o, "area")) return id_or_null(row_id(im->x->rows[AJ_PLANT_AREAS], field(o, "area")));
    const json_t *asset =
        json_object_get(im->x->rows[AJ_PLANT_ASSETS], field(o, "asset") ? field(o, "asset") : "");
    return id_or_null(json_integer_value(json_object_get(asset, "area_id")));
}

static aj_err write_tag(importer *im, const json_t *o) {
    const json_t *range = json_object_get(o, "range");
    json_t *lo = json_is_array(range) ? json_real(json_number_value(json_array_get(range, 0))) : json_null();
    json_t *hi = json_is_array(range) ? json_real(json_number_value(json_array_get(range, 1))) : json_null();
    json_t *after =
        json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "enterprise_id",
                  (json_int_t)im->enterprise_id, "site_id", (json_int_t)im->x->site_id, "key",
                  text_of(o, "key"), "name", text_of(o, "name"), "name_en", text_of(o, "name_en"), "unit",
                  text_of(o, "unit"), "kind", text_of(o, "kind"), "range_lo", lo, "range_hi", hi, "asset_id",
                  id_or_null(row_id(im->x->rows[AJ_PLANT_ASSETS], field(o, "asset"))), "role",
                  text_of(o, "role"), "area_id", tag_area(im, o), "x", real_of(o, "x"), "y", real_of(o, "y"),
                  "gas", text_of(o, "gas"), "oel", real_of(o, "oel"));
    int64_t id;
    aj_err e = put_row(im, &TAG_SPEC, im->x->rows[AJ_PLANT_TAGS], field(o, "key"), after, &id);
    if (e) return e;
    /* Alarms: listed ones replace the tag's user-set alarms; absent leaves them. */
    const json_t *alarms = json_object_get(o, "alarms");
    if (!json_is_array(alarms)) return aj_alarm_defs_sync(im->db, im->enterprise_id, id, im->actor, NULL);
    aj_alarm_def_row rows[AJ_ALARM_DEFS_PER_TAG];
    size_t n = json_array_size(alarms);
    char err[400];
    if (n > AJ_ALARM_DEFS_PER_TAG - 1) return AJ_EINVAL; /* the validator names it */
    for (size_t i = 0; i < n; i++)
        if ((e = aj_alarm_def_from_json(json_array_get(alarms, i), "$", &rows[i], err, sizeof err))) return e;
    return aj_alarm_defs_put(im->db, im->enterprise_id, id, rows, n, im->actor, NULL, err, sizeof err);
}

static const char *const PERSON_COLS[] = {"enterprise_id", "org_id", "code",      "name", "name_en",
                                          "department",    "roles",  "badge_uid", "phone"};
static const upsert_spec PERSON_SPEC = {
    AJ_PLANT_PEOPLE, "person",
    "INSERT INTO people (enterprise_id, org_id, code, name, name_en, department, roles_json, badge_uid, "
    "phone)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (enterprise_id, code) DO UPDATE SET org_id = "
    "excluded.org_id,"
    " name = excluded.name, name_en = excluded.name_en, department = excluded.department,"
    " roles_json = excluded.roles_json, badge_uid = excluded.badge_uid, phone = excluded.phone RETURNING id",
    PERSON_COLS, 9};

static const char *const CERT_COLS[] = {"enterprise_id", "person_id",  "type",          "number",
                                        "issued_on",     "expires_on", "next_review_on"};
static const upsert_spec CERT_SPEC = {
    AJ_PLANT_CERTIFICATES, "certificate",
    "INSERT INTO certificates (enterprise_id, person_id, type, number, issued_on, expires_on, next_review_on)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (enterprise_id, type, number) DO UPDATE SET"
    " person_id = excluded.person_id, issued_on = excluded.issued_on, expires_on = excluded.expires_on,"
    " next_review_on = excluded.next_review_on RETURNING id",
    CERT_COLS, 7};

static aj_err write_cert(importer *im, const json_t *c, int64_t person_id) {
    char key[CERT_KEY_MAX];
    cert_key(field(c, "type"), field(c, "number"), key);
    json_t *after = json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "enterprise_id", (json_int_t)im->enterprise_id,
                              "person_id", (json_int_t)person_id, "type", text_of(c, "type"), "number",
                              text_of(c, "number"), "issued_on", text_of(c, "issued_on"), "expires_on",
                              text_of(c, "expires_on"), "next_review_on", text_of(c, "next_review_on"));
    int64_t id;
    return put_row(im, &CERT_SPEC, im->x->rows[AJ_PLANT_CERTIFICATES], key, after, &id);
}

static aj_err write_person(importer *im, const json_t *o) {
    const json_t *roles = json_object_get(o, "roles");
    const char *badge = field(o, "badge_uid");
    char norm[21];
    if (badge) aj_plant_badge_normalise(badge, norm);
    json_t *after = json_pack(
        "{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "enterprise_id", (json_int_t)im->enterprise_id, "org_id",
        id_or_null(row_id(im->x->rows[AJ_PLANT_ORGANISATIONS], field(o, "organisation"))), "code",
        text_of(o, "code"), "name", text_of(o, "name"), "name_en", text_of(o, "name_en"), "department",
        text_of(o, "department"), "roles", roles ? json_incref((json_t *)roles) : json_array(), "badge_uid",
        badge ? json_string(norm) : json_null(), "phone", text_of(o, "phone"));
    int64_t id = 0;
    aj_err e = put_row(im, &PERSON_SPEC, im->x->rows[AJ_PLANT_PEOPLE], field(o, "code"), after, &id);
    const json_t *certs = json_object_get(o, "certificates");
    for (size_t k = 0; !e && k < json_array_size(certs); k++)
        e = write_cert(im, json_array_get(certs, k), id);
    return e;
}

/* ---- families in order ------------------------------------------------------------------- */

/* Writes a family whose objects may have parents in the same family, parents first. */
static aj_err write_tree(importer *im, const json_t *arr, aj_err (*write)(importer *, const json_t *)) {
    int n = (int)json_array_size(arr);
    json_t *pos = json_object(); /* code -> index in arr */
    int *parent = malloc((size_t)(n + 1) * sizeof *parent), *order = malloc((size_t)(n + 1) * sizeof *order);
    aj_err e = (pos && parent && order) ? AJ_OK : AJ_ENOMEM;
    for (int i = 0; !e && i < n; i++)
        if (json_object_set_new(pos, field(json_array_get(arr, (size_t)i), "code"), json_integer(i)) != 0)
            e = AJ_ENOMEM;
    for (int i = 0; !e && i < n; i++) {
        const char *p = field(json_array_get(arr, (size_t)i), "parent");
        const json_t *j = p ? json_object_get(pos, p) : NULL;
        parent[i] = j ? (int)json_integer_value(j) : -1;
    }
    if (!e) e = aj_plant_parent_order(parent, n, order);
    if (e == AJ_EINVAL) e = aj_db_fail(im->db, AJ_EINTERNAL, "plant import: parent cycle after validation");
    for (int i = 0; !e && i < n; i++) e = write(im, json_array_get(arr, (size_t)order[i]));
    json_decref(pos);
    free(parent);
    free(order);
    return e;
}

static aj_err write_list(importer *im, const json_t *arr, aj_err (*write)(importer *, const json_t *)) {
    aj_err e = AJ_OK;
    for (size_t i = 0; !e && i < json_array_size(arr); i++) e = write(im, json_array_get(arr, i));
    return e;
}

static aj_err write_summary(importer *im) {
    json_t *summary = aj_plant_report_json(im->rep);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)im->rep->site_id);
    aj_audit_entry en = {.enterprise_id = im->enterprise_id,
                         .actor = im->actor,
                         .action = "plant.import",
                         .object_type = "site",
                         .object_id = oid,
                         .before = NULL,
                         .after = summary};
    aj_err e = summary ? aj_audit_append(im->db, &en) : AJ_ENOMEM;
    json_decref(summary);
    return e;
}

/* The "connections" section: each protocol's map stored as compact JSON (replacing the
 * enterprise's stored one), with an audit record when it changed. */
static aj_err write_connections(importer *im, const json_t *conn) {
    const char *proto;
    json_t *map;
    json_object_foreach((json_t *)conn, proto, map) {
        char *text = json_dumps(map, JSON_COMPACT);
        if (!text) return AJ_ENOMEM;
        aj_result *r = NULL;
        const aj_val key[] = {AJ_VINT(im->enterprise_id), AJ_VTEXT(proto)};
        aj_err e = aj_db_query(
            im->db, "SELECT map_json FROM connection_maps WHERE enterprise_id = ? AND protocol = ?", key, 2,
            &r);
        bool is_same = !e && aj_result_rows(r) == 1 && !strcmp(aj_result_text(r, 0, 0), text);
        json_t *before = !e && aj_result_rows(r) == 1 ? json_loads(aj_result_text(r, 0, 0), 0, NULL) : NULL;
        aj_result_free(r);
        if (!e && !is_same)
            e = aj_db_exec(im->db, "DELETE FROM connection_maps WHERE enterprise_id = ? AND protocol = ?",
                           key, 2, NULL);
        if (!e && !is_same)
            e = aj_db_exec(
                im->db,
                "INSERT INTO connection_maps (enterprise_id, protocol, map_json, updated_by, updated_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                (aj_val[]){key[0], key[1], AJ_VTEXT(text), AJ_VTEXT(im->actor), AJ_VINT(aj_time_now_ms())}, 5,
                NULL);
        if (!e && !is_same) {
            json_t *b = before ? json_pack("{s:s, s:O}", "protocol", proto, "map", before) : NULL;
            json_t *a = json_pack("{s:s, s:O}", "protocol", proto, "map", map);
            aj_audit_entry en = {.enterprise_id = im->enterprise_id,
                                 .actor = im->actor,
                                 .action = "connection_maps.put",
                                 .object_type = "connection_map",
                                 .object_id = proto,
                                 .before = b,
                                 .after = a};
            e = a ? aj_audit_append(im->db, &en) : AJ_ENOMEM;
            json_decref(a);
            json_decref(b);
        }
        json_decref(before);
        free(text);
        if (e) return e;
    }
    return AJ_OK;
}

static aj_err write_all(importer *im, const json_t *doc) {
    aj_err e = write_site(im, json_object_get(doc, "site"));
    if (!e) e = write_tree(im, json_object_get(doc, "organisations"), write_org);
    if (!e) e = write_list(im, json_object_get(doc, "areas"), write_area);
    if (!e) e = write_tree(im, json_object_get(doc, "assets"), write_asset);
    if (!e) e = write_list(im, json_object_get(doc, "tags"), write_tag);
    if (!e) e = write_list(im, json_object_get(doc, "people"), write_person);
    if (!e) e = write_connections(im, json_object_get(doc, "connections"));
    if (!e) e = write_summary(im);
    return e;
}

aj_err aj_plant_import(aj_db *db, int64_t enterprise_id, const char *actor, const json_t *doc,
                       aj_plant_report *rep) {
    plant_index x = {0};
    aj_plant_report_reset(rep);
    aj_err e = aj_db_begin(db);
    if (e) return e;
    e = index_load(&x, db, enterprise_id, doc);
    if (!e) {
        const aj_plant_lookup lookup = {.ctx = &x,
                                        .template_roles = lk_template_roles,
                                        .role_exists = lk_role_exists,
                                        .org_parent = lk_org_parent,
                                        .area_exists = lk_area_exists,
                                        .asset_info = lk_asset_info,
                                        .tag_site = lk_tag_site,
                                        .badge_owner = lk_badge_owner,
                                        .cert_owner = lk_cert_owner};
        e = aj_plant_validate(doc, &lookup, rep);
    }
    if (!e) {
        importer im = {
            .db = db, .enterprise_id = enterprise_id, .actor = actor ? actor : "system", .x = &x, .rep = rep};
        e = write_all(&im, doc);
    }
    if (!e)
        e = aj_db_commit(db);
    else
        aj_db_rollback(db);
    index_clear(&x);
    if (e && e != AJ_EINVAL) { /* nothing was kept: counts would mislead */
        memset(rep->created, 0, sizeof rep->created);
        memset(rep->updated, 0, sizeof rep->updated);
        memset(rep->unchanged, 0, sizeof rep->unchanged);
        rep->site_status = AJ_PLANT_SITE_NONE;
        rep->site_id = 0;
    }
    return e;
}
