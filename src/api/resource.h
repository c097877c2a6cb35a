/* resource.h — table-driven CRUD for the plant-model families (sites, areas, assets,
 * tags, organisations, people, certificates, enterprises).
 *
 * A resource_def names the table, its fields with their kinds and rules, its filters
 * and search, and the permissions; resource.c derives list/get/create/patch/delete
 * from it: field validation (unknown or missing fields named), reference checks inside
 * the caller's enterprise and site, tenancy scoping, one transaction per write with
 * its audit record, and 404 for anything outside the caller's scope.
 */
#ifndef AJ_RESOURCE_H
#define AJ_RESOURCE_H

#include "http/http.h"

typedef enum {
    FK_TEXT,    /* string up to max_len */
    FK_CODE,    /* identifier [A-Za-z0-9_.:-], up to AJ_CODE_LEN_MAX (tag keys also '/') */
    FK_NUM,     /* finite number */
    FK_BOOL,    /* true/false (column ends _bool-less; stored 0/1) */
    FK_ENUM,    /* one of enum_values */
    FK_REF,     /* id of a row in ref_table within the caller's scope */
    FK_DATE,    /* "YYYY-MM-DD" */
    FK_POLYGON, /* [[x,y],...] 3..AJ_POLYGON_POINTS_MAX, stored as JSON text in <name>_json */
    FK_STRINGS, /* array of strings from enum_values, stored as JSON text in <name>_json */
    FK_HEXID,   /* NFC badge UID: 8, 14 or 20 hex digits (4/7/10 bytes), stored upper case */
} field_kind;

enum {
    F_REQUIRED = 1 << 0,  /* must be given on create */
    F_IMMUTABLE = 1 << 1, /* may not change after create */
    F_SAME_SITE = 1 << 2, /* FK_REF whose target must be in the same site */
    F_PARENT = 1 << 3,    /* FK_REF to the same table: no cycles */
};

typedef struct field_def {
    const char *name;
    field_kind kind;
    unsigned flags;
    int max_len;
    const char *const *enum_values; /* NULL-terminated */
    const char *ref_table;
    double min, max; /* FK_NUM bounds when min < max */
} field_def;

typedef struct filter_def {
    const char *param;  /* query parameter */
    const char *column; /* "t.area_id" */
    bool is_int;
} filter_def;

struct resource_def;
typedef aj_err (*resource_detail_fn)(aj_req *req, const struct resource_def *def, json_t *obj);
/* Rules across fields, run on the object as it would be after a create or patch. */
typedef aj_err (*resource_check_fn)(aj_req *req, const json_t *merged);
/* Adds to every item of a list page at once (one query for the page). */
typedef aj_err (*resource_list_detail_fn)(aj_req *req, json_t *items);
/* After a create or patch wrote object id, inside its transaction (derived rows). */
typedef aj_err (*resource_written_fn)(aj_req *req, int64_t id);
/* After that transaction committed (caches, the engine). */
typedef void (*resource_committed_fn)(aj_req *req, int64_t id);

typedef struct resource_def {
    const char *name;        /* "areas": routes and audit actions */
    const char *object_type; /* "area" */
    const char *table;
    const char *columns;  /* select list over alias t, e.g. "t.id, t.code, t.polygon_json" */
    const char *ent_col;  /* "t.enterprise_id" (or "t.id" for enterprises) */
    const char *site_col; /* "t.site_id", or NULL when not site-bound */
    const char *search;   /* condition with n_search "?" for the q parameter, or NULL */
    int n_search;
    filter_def filters[6];
    const field_def *fields; /* terminated by a {NULL} entry */
    uint32_t perm_read, perm_write;
    uint32_t perm_read_own_org;          /* alternative read permission limited by org_scope */
    const char *org_scope;               /* condition with one "?" bound to the caller's org_id */
    const char *conflict_msg;            /* message for a unique violation */
    resource_detail_fn detail;           /* adds to GET one (may be NULL) */
    resource_check_fn check;             /* cross-field rules (may be NULL) */
    resource_list_detail_fn list_detail; /* adds to list items (may be NULL) */
    bool is_read_only;                   /* no create/patch/delete through the API */
    resource_written_fn after_write;     /* may be NULL */
    resource_committed_fn after_commit;  /* may be NULL */
} resource_def;

aj_err aj_resource_list(aj_req *req, const resource_def *def);
aj_err aj_resource_get(aj_req *req, const resource_def *def);
aj_err aj_resource_create(aj_req *req, const resource_def *def);
aj_err aj_resource_patch(aj_req *req, const resource_def *def);
aj_err aj_resource_delete(aj_req *req, const resource_def *def);

/* Loads one object in the caller's scope; AJ_ENOTFOUND otherwise. Caller owns *out. */
aj_err aj_resource_load(aj_req *req, const resource_def *def, int64_t id, json_t **out);

/* The resource definitions (src/api/resources.c). */
extern const resource_def aj_res_enterprises, aj_res_sites, aj_res_areas, aj_res_assets, aj_res_tags,
    aj_res_organisations, aj_res_people, aj_res_certificates;

#endif
