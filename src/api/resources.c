/* resources.c — the plant-model resource definitions (see resource.h) and the extra
 * detail of a person (certificates). Enumerations here are the documented vocabularies
 * of docs/plant-file.md. */
#include "api/alarms_api.h"
#include "api/api.h"
#include "api/resource.h"
#include "auth/perm.h"
#include "base/limits.h"
#include "plant/vocab.h"

#include <stdio.h>
#include <string.h>

#define NAME_FIELDS                                                                                          \
    {"name", FK_TEXT, F_REQUIRED, AJ_NAME_LEN_MAX, NULL, NULL, 0, 0}, {                                      \
        "name_en", FK_TEXT, 0, AJ_NAME_LEN_MAX, NULL, NULL, 0, 0                                             \
    }
#define LATLON                                                                                               \
    {"lat", FK_NUM, 0, 0, NULL, NULL, -90, 90}, {                                                            \
        "lon", FK_NUM, 0, 0, NULL, NULL, -180, 180                                                           \
    }
#define XY                                                                                                   \
    {"x", FK_NUM, 0, 0, NULL, NULL, 0, 0}, {                                                                 \
        "y", FK_NUM, 0, 0, NULL, NULL, 0, 0                                                                  \
    }
#define END                                                                                                  \
    { NULL, 0, 0, 0, NULL, NULL, 0, 0 }

const resource_def aj_res_enterprises = {
    .name = "enterprises",
    .object_type = "enterprise",
    .table = "enterprises",
    .columns = "t.id, t.code, t.name, t.name_en, t.created_ms",
    .ent_col = "t.id",
    .search = "(LOWER(t.code) LIKE ? ESCAPE '\\' OR LOWER(t.name) LIKE ? ESCAPE '\\' OR LOWER(t.name_en) "
              "LIKE ? ESCAPE '\\')",
    .n_search = 3,
    .fields = (const field_def[]){END},
    .is_read_only = true,
};

static const field_def site_fields[] = {{"code", FK_CODE, F_REQUIRED, 0, NULL, NULL, 0, 0},
                                        NAME_FIELDS,
                                        {"timezone", FK_TEXT, 0, 64, NULL, NULL, 0, 0},
                                        LATLON,
                                        END};
const resource_def aj_res_sites = {
    .name = "sites",
    .object_type = "site",
    .table = "sites",
    .columns = "t.id, t.enterprise_id, t.code, t.name, t.name_en, t.timezone, t.lat, t.lon",
    .ent_col = "t.enterprise_id",
    .site_col = "t.id",
    .search = "(LOWER(t.code) LIKE ? ESCAPE '\\' OR LOWER(t.name) LIKE ? ESCAPE '\\' OR LOWER(t.name_en) "
              "LIKE ? ESCAPE '\\')",
    .n_search = 3,
    .fields = site_fields,
    .perm_read = AJ_PERM_PLANT_READ,
    .perm_write = AJ_PERM_PLANT_WRITE,
    .conflict_msg = "a site with this code already exists in the enterprise",
};

static const field_def org_fields[] = {{"code", FK_CODE, F_REQUIRED, 0, NULL, NULL, 0, 0},
                                       NAME_FIELDS,
                                       {"kind", FK_ENUM, F_REQUIRED, 0, aj_vocab_org_kinds, NULL, 0, 0},
                                       {"parent_id", FK_REF, F_PARENT, 0, NULL, "organisations", 0, 0},
                                       END};
const resource_def aj_res_organisations = {
    .name = "organisations",
    .object_type = "organisation",
    .table = "organisations",
    .columns = "t.id, t.enterprise_id, t.code, t.name, t.name_en, t.kind, t.parent_id",
    .ent_col = "t.enterprise_id",
    .search = "(LOWER(t.code) LIKE ? ESCAPE '\\' OR LOWER(t.name) LIKE ? ESCAPE '\\' OR LOWER(t.name_en) "
              "LIKE ? ESCAPE '\\')",
    .n_search = 3,
    .filters = {{"kind", "t.kind", false}, {"parent_id", "t.parent_id", true}},
    .fields = org_fields,
    .perm_read = AJ_PERM_PLANT_READ,
    .perm_write = AJ_PERM_PLANT_WRITE,
    .perm_read_own_org = AJ_PERM_PEOPLE_READ_OWN_ORG,
    .org_scope = "t.id = ?",
    .conflict_msg = "an organisation with this code already exists in the enterprise",
};

static const field_def area_fields[] = {{"site_id", FK_REF, F_REQUIRED | F_IMMUTABLE, 0, NULL, "sites", 0, 0},
                                        {"code", FK_CODE, F_REQUIRED, 0, NULL, NULL, 0, 0},
                                        NAME_FIELDS,
                                        {"kind", FK_ENUM, 0, 0, aj_vocab_area_kinds, NULL, 0, 0},
                                        {"polygon", FK_POLYGON, 0, 0, NULL, NULL, 0, 0},
                                        LATLON,
                                        END};
const resource_def aj_res_areas = {
    .name = "areas",
    .object_type = "area",
    .table = "areas",
    .columns =
        "t.id, t.enterprise_id, t.site_id, t.code, t.name, t.name_en, t.kind, t.polygon_json, t.lat, t.lon",
    .ent_col = "t.enterprise_id",
    .site_col = "t.site_id",
    .search = "(LOWER(t.code) LIKE ? ESCAPE '\\' OR LOWER(t.name) LIKE ? ESCAPE '\\' OR LOWER(t.name_en) "
              "LIKE ? ESCAPE '\\')",
    .n_search = 3,
    .filters = {{"site_id", "t.site_id", true}, {"kind", "t.kind", false}},
    .fields = area_fields,
    .perm_read = AJ_PERM_PLANT_READ,
    .perm_write = AJ_PERM_PLANT_WRITE,
    .after_commit = aj_api_plant_committed,
    .conflict_msg = "an area with this code already exists in the site",
};

static const field_def asset_fields[] = {
    {"site_id", FK_REF, F_REQUIRED | F_IMMUTABLE, 0, NULL, "sites", 0, 0},
    {"area_id", FK_REF, F_SAME_SITE, 0, NULL, "areas", 0, 0},
    {"parent_id", FK_REF, F_SAME_SITE | F_PARENT, 0, NULL, "assets", 0, 0},
    {"template", FK_ENUM, F_REQUIRED, 0, aj_vocab_templates, NULL, 0, 0},
    {"code", FK_CODE, F_REQUIRED, 0, NULL, NULL, 0, 0},
    NAME_FIELDS,
    XY,
    END};
const resource_def aj_res_assets = {
    .name = "assets",
    .object_type = "asset",
    .table = "assets",
    .columns = "t.id, t.enterprise_id, t.site_id, t.area_id, t.parent_id, t.template, t.code, t.name, "
               "t.name_en, t.x, t.y",
    .ent_col = "t.enterprise_id",
    .site_col = "t.site_id",
    .search = "(LOWER(t.code) LIKE ? ESCAPE '\\' OR LOWER(t.name) LIKE ? ESCAPE '\\' OR LOWER(t.name_en) "
              "LIKE ? ESCAPE '\\')",
    .n_search = 3,
    .filters = {{"site_id", "t.site_id", true},
                {"area_id", "t.area_id", true},
                {"parent_id", "t.parent_id", true},
                {"template", "t.template", false}},
    .fields = asset_fields,
    .perm_read = AJ_PERM_PLANT_READ,
    .perm_write = AJ_PERM_PLANT_WRITE,
    .after_commit = aj_api_plant_committed,
    .conflict_msg = "an asset with this code already exists in the site",
};

static const field_def tag_fields[] = {{"site_id", FK_REF, F_REQUIRED | F_IMMUTABLE, 0, NULL, "sites", 0, 0},
                                       {"key", FK_CODE, F_REQUIRED | F_IMMUTABLE, 0, NULL, NULL, 0, 0},
                                       NAME_FIELDS,
                                       {"unit", FK_TEXT, 0, 32, NULL, NULL, 0, 0},
                                       {"kind", FK_ENUM, F_REQUIRED, 0, aj_vocab_tag_kinds, NULL, 0, 0},
                                       {"range_lo", FK_NUM, 0, 0, NULL, NULL, 0, 0},
                                       {"range_hi", FK_NUM, 0, 0, NULL, NULL, 0, 0},
                                       {"asset_id", FK_REF, F_SAME_SITE, 0, NULL, "assets", 0, 0},
                                       {"role", FK_TEXT, 0, 64, NULL, NULL, 0, 0},
                                       {"area_id", FK_REF, F_SAME_SITE, 0, NULL, "areas", 0, 0},
                                       XY,
                                       {"gas", FK_TEXT, 0, 32, NULL, NULL, 0, 0},
                                       {"oel", FK_NUM, 0, 0, NULL, NULL, 0, 0},
                                       END};
const resource_def aj_res_tags = {
    .name = "tags",
    .object_type = "tag",
    .table = "tags",
    .columns =
        "t.id, t.enterprise_id, t.site_id, t.key, t.name, t.name_en, t.unit, t.kind, t.range_lo, t.range_hi,"
        " t.asset_id, t.role, t.area_id, t.x, t.y, t.gas, t.oel",
    .ent_col = "t.enterprise_id",
    .site_col = "t.site_id",
    .search = "(LOWER(t.key) LIKE ? ESCAPE '\\' OR LOWER(t.name) LIKE ? ESCAPE '\\' OR LOWER(t.name_en) LIKE "
              "? ESCAPE '\\')",
    .n_search = 3,
    .filters = {{"site_id", "t.site_id", true},
                {"area_id", "t.area_id", true},
                {"asset_id", "t.asset_id", true},
                {"kind", "t.kind", false},
                {"key", "t.key", false}},
    .fields = tag_fields,
    .perm_read = AJ_PERM_PLANT_READ,
    .perm_write = AJ_PERM_PLANT_WRITE,
    .conflict_msg = "a tag with this key already exists in the enterprise",
    .after_write = aj_api_tag_alarms_written,
    .after_commit = aj_api_tag_alarms_committed,
};

static const field_def person_fields[] = {{"org_id", FK_REF, F_REQUIRED, 0, NULL, "organisations", 0, 0},
                                          {"code", FK_CODE, F_REQUIRED, 0, NULL, NULL, 0, 0},
                                          NAME_FIELDS,
                                          {"department", FK_TEXT, 0, AJ_NAME_LEN_MAX, NULL, NULL, 0, 0},
                                          {"roles", FK_STRINGS, 0, 0, aj_vocab_person_roles, NULL, 0, 0},
                                          {"badge_uid", FK_HEXID, 0, 0, NULL, NULL, 0, 0},
                                          {"phone", FK_TEXT, 0, 32, NULL, NULL, 0, 0},
                                          END};

static aj_err person_detail(aj_req *req, const resource_def *def, json_t *obj);
static aj_err people_certificates(aj_req *req, json_t *items);
static aj_err certificate_check(aj_req *req, const json_t *merged);

const resource_def aj_res_people = {
    .name = "people",
    .object_type = "person",
    .table = "people",
    .columns = "t.id, t.enterprise_id, t.org_id, t.code, t.name, t.name_en, t.department, t.roles_json,"
               " t.badge_uid, t.phone",
    .ent_col = "t.enterprise_id",
    .search = "(LOWER(t.code) LIKE ? ESCAPE '\\' OR LOWER(t.name) LIKE ? ESCAPE '\\' OR LOWER(t.name_en) "
              "LIKE ? ESCAPE '\\' OR LOWER(t.badge_uid) LIKE ? ESCAPE '\\')",
    .n_search = 4,
    .filters = {{"org_id", "t.org_id", true}, {"badge_uid", "t.badge_uid", false}},
    .fields = person_fields,
    .perm_read = AJ_PERM_PEOPLE_READ,
    .perm_write = AJ_PERM_PEOPLE_WRITE,
    .perm_read_own_org = AJ_PERM_PEOPLE_READ_OWN_ORG,
    .org_scope = "t.org_id = ?",
    .conflict_msg = "a person with this code or badge already exists in the enterprise",
    .detail = person_detail,
    .list_detail = people_certificates,
};

static const field_def cert_fields[] = {
    {"person_id", FK_REF, F_REQUIRED | F_IMMUTABLE, 0, NULL, "people", 0, 0},
    {"type", FK_ENUM, F_REQUIRED, 0, aj_vocab_cert_types, NULL, 0, 0},
    {"number", FK_TEXT, F_REQUIRED, AJ_CODE_LEN_MAX, NULL, NULL, 0, 0},
    {"issued_on", FK_DATE, F_REQUIRED, 0, NULL, NULL, 0, 0},
    {"expires_on", FK_DATE, F_REQUIRED, 0, NULL, NULL, 0, 0},
    {"next_review_on", FK_DATE, 0, 0, NULL, NULL, 0, 0},
    END};
const resource_def aj_res_certificates = {
    .name = "certificates",
    .object_type = "certificate",
    .table = "certificates",
    .columns =
        "t.id, t.enterprise_id, t.person_id, t.type, t.number, t.issued_on, t.expires_on, t.next_review_on",
    .ent_col = "t.enterprise_id",
    .search = "(LOWER(t.number) LIKE ? ESCAPE '\\')",
    .n_search = 1,
    .filters = {{"person_id", "t.person_id", true}, {"type", "t.type", false}},
    .fields = cert_fields,
    .perm_read = AJ_PERM_PEOPLE_READ,
    .perm_write = AJ_PERM_PEOPLE_WRITE,
    .perm_read_own_org = AJ_PERM_PEOPLE_READ_OWN_ORG,
    .org_scope = "t.person_id IN (SELECT id FROM people WHERE org_id = ?)",
    .conflict_msg = "a certificate of this type and number already exists",
    .check = certificate_check,
};

static aj_err person_detail(aj_req *req, const resource_def *def, json_t *obj) {
    (void)def;
    aj_val p = AJ_VINT(json_integer_value(json_object_get(obj, "id")));
    json_t *certs;
    aj_err e =
        aj_db_query_json(aj_req_db(req),
                         "SELECT id, type, number, issued_on, expires_on, next_review_on FROM certificates"
                         " WHERE person_id = ? ORDER BY expires_on",
                         &p, 1, &certs);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_object_set_new(obj, "certificates", certs);
    return AJ_OK;
}

/* Certificates of every person on a list page, in one query (ids are integers from
 * the page itself, so they are written into the SQL directly). */
static aj_err people_certificates(aj_req *req, json_t *items) {
    char sql[16384];
    int n =
        snprintf(sql, sizeof sql,
                 "SELECT id, person_id, type, number, issued_on, expires_on, next_review_on FROM certificates"
                 " WHERE person_id IN (");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_object_set_new(item, "certificates", json_array());
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%lld", i ? "," : "",
                      (long long)json_integer_value(json_object_get(item, "id")));
    }
    snprintf(sql + n, sizeof sql - (size_t)n, ") ORDER BY person_id, expires_on");
    json_t *rows;
    aj_err e = aj_db_query_json(aj_req_db(req), sql, NULL, 0, &rows);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *cert;
    size_t k;
    json_array_foreach(rows, k, cert) {
        json_int_t pid = json_integer_value(json_object_get(cert, "person_id"));
        json_array_foreach(items, i, item) {
            if (json_integer_value(json_object_get(item, "id")) == pid) {
                json_object_del(cert, "person_id");
                json_array_append(json_object_get(item, "certificates"), cert);
                break;
            }
        }
    }
    json_decref(rows);
    return AJ_OK;
}

/* issued_on < expires_on; a review date, when given, lies between them. Dates are
 * YYYY-MM-DD, so text order is date order. */
static aj_err certificate_check(aj_req *req, const json_t *merged) {
    const char *issued = json_string_value(json_object_get(merged, "issued_on"));
    const char *expires = json_string_value(json_object_get(merged, "expires_on"));
    const char *review = json_string_value(json_object_get(merged, "next_review_on"));
    if (issued && expires && strcmp(issued, expires) >= 0)
        return aj_req_fail(req, AJ_EINVAL, "expires_on (%s) must be after issued_on (%s)", expires, issued);
    if (review && issued && expires && (strcmp(review, issued) < 0 || strcmp(review, expires) > 0))
        return aj_req_fail(req, AJ_EINVAL, "next_review_on (%s) must lie between issued_on and expires_on",
                           review);
    return AJ_OK;
}
