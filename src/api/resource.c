/* resource.c — generic list/get/create/patch/delete over a resource_def (resource.h).
 *
 * Scope: every query carries the caller's enterprise condition (and site condition for
 * site-bound tables; organisation condition for callers who may read only their own
 * organisation). An object outside the scope is indistinguishable from a missing one
 * (404). Writes: validate everything first (all unknown/missing fields are named in one
 * message), then one transaction: change + audit record; any failure rolls back both.
 */
#include "api/resource.h"

#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX 4096

/* ---- scope ------------------------------------------------------------------------- */

typedef struct scope {
    char where[2048];
    aj_val params[2];
    int n_params;
} scope;

static aj_err build_scope(aj_req *req, const resource_def *def, scope *sc) {
    char ent[1024], site[1024];
    aj_scope_enterprise(req, def->ent_col, ent, sizeof ent);
    if (def->site_col)
        aj_scope_site(req, def->site_col, site, sizeof site);
    else
        snprintf(site, sizeof site, "1=1");
    sc->n_params = 0;
    if (def->perm_read && aj_req_has_perm(req, def->perm_read)) {
        snprintf(sc->where, sizeof sc->where, "%s AND %s", ent, site);
        return AJ_OK;
    }
    if (def->perm_read_own_org && aj_req_has_perm(req, def->perm_read_own_org) && def->org_scope &&
        req->auth.org_id) {
        snprintf(sc->where, sizeof sc->where, "%s AND %s AND %s", ent, site, def->org_scope);
        sc->params[sc->n_params++] = AJ_VINT(req->auth.org_id);
        return AJ_OK;
    }
    if (!def->perm_read) {
        snprintf(sc->where, sizeof sc->where, "%s AND %s", ent, site);
        return AJ_OK;
    }
    return aj_req_fail(req, AJ_EFORBIDDEN, "your roles do not allow reading %s", def->name);
}

static aj_err db_fail(aj_req *req, aj_err e) {
    return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
}

/* ---- read -------------------------------------------------------------------------- */

aj_err aj_resource_load(aj_req *req, const resource_def *def, int64_t id, json_t **out) {
    scope sc;
    aj_err e = build_scope(req, def, &sc);
    if (e) return e;
    char sql[SQL_MAX];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s t WHERE t.id = ? AND %s", def->columns, def->table,
             sc.where);
    aj_val p[3] = {AJ_VINT(id)};
    for (int i = 0; i < sc.n_params; i++) p[1 + i] = sc.params[i];
    json_t *rows;
    e = aj_db_query_json(aj_req_db(req), sql, p, 1 + sc.n_params, &rows);
    if (e) return db_fail(req, e);
    if (json_array_size(rows) != 1) {
        json_decref(rows);
        return aj_req_fail(req, AJ_ENOTFOUND, "no %s with id %lld", def->object_type, (long long)id);
    }
    *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return AJ_OK;
}

aj_err aj_resource_list(aj_req *req, const resource_def *def) {
    scope sc;
    aj_err e = build_scope(req, def, &sc);
    if (e) return e;
    int64_t limit, after;
    if ((e = aj_req_page(req, &limit, &after))) return e;
    /* WHERE clause shared by the page query and the optional count. */
    char where[SQL_MAX];
    int n = snprintf(where, sizeof where, "%s", sc.where);
    aj_val p[AJ_SQL_PARAMS_MAX];
    int np = 0;
    for (int i = 0; i < sc.n_params; i++) p[np++] = sc.params[i];
    for (int f = 0; f < 6 && def->filters[f].param; f++) {
        const filter_def *fd = &def->filters[f];
        const char *v = aj_req_query(req, fd->param);
        if (!v) continue;
        if (fd->is_int) {
            int64_t iv;
            if ((e = aj_req_query_int(req, fd->param, 0, 1, INT64_MAX, &iv))) return e;
            p[np++] = AJ_VINT(iv);
        } else {
            p[np++] = AJ_VTEXT(v);
        }
        n += snprintf(where + n, sizeof where - (size_t)n, " AND %s = ?", fd->column);
    }
    char pattern[2 * AJ_NAME_LEN_MAX + 3];
    const char *q = aj_req_query(req, "q");
    if (q && *q && def->search) {
        if (strlen(q) > AJ_NAME_LEN_MAX)
            return aj_req_fail(req, AJ_EINVAL, "query parameter q longer than %d characters",
                               AJ_NAME_LEN_MAX);
        /* Substring match, case-insensitive for ASCII; %, _ and \\ in q are literal. */
        size_t k = 0;
        pattern[k++] = '%';
        for (const char *c = q; *c && k + 3 < sizeof pattern; c++) {
            if (*c == '%' || *c == '_' || *c == '\\') pattern[k++] = '\\';
            pattern[k++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
        }
        pattern[k++] = '%';
        pattern[k] = 0;
        for (int i = 0; i < def->n_search; i++) p[np++] = AJ_VTEXT(pattern);
        n += snprintf(where + n, sizeof where - (size_t)n, " AND %s", def->search);
    }
    const char *want_count = aj_req_query(req, "count");
    bool is_counted = want_count && (!strcmp(want_count, "true") || !strcmp(want_count, "1"));
    int64_t total = 0;
    char sql[2 * SQL_MAX];
    if (is_counted) {
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s t WHERE %s", def->table, where);
        if ((e = aj_db_query_int(aj_req_db(req), sql, p, np, &total))) return db_fail(req, e);
    }
    snprintf(sql, sizeof sql, "SELECT %s FROM %s t WHERE %s AND t.id > ? ORDER BY t.id LIMIT ?", def->columns,
             def->table, where);
    p[np++] = AJ_VINT(after);
    p[np++] = AJ_VINT(limit);
    json_t *rows;
    e = aj_db_query_json(aj_req_db(req), sql, p, np, &rows);
    if (e) return db_fail(req, e);
    if (def->list_detail && json_array_size(rows) > 0 && (e = def->list_detail(req, rows))) {
        json_decref(rows);
        return e;
    }
    aj_reply_page(req, rows, limit, "id");
    if (is_counted) json_object_set_new(req->reply, "total", json_integer(total));
    return AJ_OK;
}

aj_err aj_resource_get(aj_req *req, const resource_def *def) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return e;
    json_t *obj;
    if ((e = aj_resource_load(req, def, id, &obj))) return e;
    if (def->detail && (e = def->detail(req, def, obj))) {
        json_decref(obj);
        return e;
    }
    aj_reply_json(req, 200, obj);
    return AJ_OK;
}

/* ---- validation -------------------------------------------------------------------- */

static bool is_code_char(char c, bool allow_slash) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-' || (allow_slash && c == '/');
}

static bool in_enum(const char *const *values, const char *s) {
    for (int i = 0; values && values[i]; i++)
        if (strcmp(values[i], s) == 0) return true;
    return false;
}

/* Checks one value; writes a message and returns false when invalid. */
static bool check_value(const field_def *f, json_t *v, char *msg, size_t n) {
    if (json_is_null(v)) {
        if (f->flags & F_REQUIRED) {
            snprintf(msg, n, "%s must not be null", f->name);
            return false;
        }
        return true;
    }
    switch (f->kind) {
    case FK_TEXT:
    case FK_CODE:
    case FK_ENUM:
    case FK_DATE: {
        if (!json_is_string(v)) {
            snprintf(msg, n, "%s must be a string", f->name);
            return false;
        }
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (strlen(s) != len) {
            snprintf(msg, n, "%s must not contain NUL characters", f->name);
            return false;
        }
        if (f->kind == FK_ENUM && !in_enum(f->enum_values, s)) {
            int k = snprintf(msg, n, "%s must be one of", f->name);
            for (int i = 0; f->enum_values[i] && (size_t)k < n; i++)
                k += snprintf(msg + k, n - (size_t)k, "%s %s", i ? "," : "", f->enum_values[i]);
            return false;
        }
        if (f->kind == FK_DATE) {
            int64_t ms;
            if (len != 10 || !aj_time_parse(s, &ms)) {
                snprintf(msg, n, "%s must be a date YYYY-MM-DD", f->name);
                return false;
            }
        }
        int max = f->kind == FK_CODE ? AJ_CODE_LEN_MAX : (f->max_len ? f->max_len : AJ_NAME_LEN_MAX);
        if (len == 0 && (f->flags & F_REQUIRED)) {
            snprintf(msg, n, "%s must not be empty", f->name);
            return false;
        }
        if ((int)len > max) {
            snprintf(msg, n, "%s is longer than %d bytes", f->name, max);
            return false;
        }
        if (f->kind == FK_CODE) {
            if (len == 0) {
                snprintf(msg, n, "%s must not be empty", f->name);
                return false;
            }
            for (size_t i = 0; i < len; i++)
                if (!is_code_char(s[i], strcmp(f->name, "key") == 0)) {
                    snprintf(msg, n, "%s may contain only letters, digits and _ . : -", f->name);
                    return false;
                }
        }
        return true;
    }
    case FK_NUM:
        if (!json_is_number(v) || !isfinite(json_number_value(v))) {
            snprintf(msg, n, "%s must be a number", f->name);
            return false;
        }
        if (f->min < f->max && (json_number_value(v) < f->min || json_number_value(v) > f->max)) {
            snprintf(msg, n, "%s must be within %g..%g", f->name, f->min, f->max);
            return false;
        }
        return true;
    case FK_BOOL:
        if (!json_is_boolean(v)) {
            snprintf(msg, n, "%s must be true or false", f->name);
            return false;
        }
        return true;
    case FK_REF:
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            snprintf(msg, n, "%s must be a positive integer id", f->name);
            return false;
        }
        return true;
    case FK_POLYGON: {
        size_t np = json_array_size(v);
        if (!json_is_array(v) || np < 3 || np > AJ_POLYGON_POINTS_MAX) {
            snprintf(msg, n, "%s must be an array of 3 to %d [x, y] points", f->name, AJ_POLYGON_POINTS_MAX);
            return false;
        }
        for (size_t i = 0; i < np; i++) {
            json_t *pt = json_array_get(v, i);
            if (json_array_size(pt) != 2 || !json_is_number(json_array_get(pt, 0)) ||
                !json_is_number(json_array_get(pt, 1))) {
                snprintf(msg, n, "%s[%zu] must be [x, y] with two numbers (metres)", f->name, i);
                return false;
            }
        }
        return true;
    }
    case FK_HEXID: {
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        size_t len = s ? strlen(s) : 0;
        bool ok = s && (len == 8 || len == 14 || len == 20);
        for (size_t i = 0; ok && i < len; i++)
            ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F');
        if (!ok)
            snprintf(msg, n, "%s must be 8, 14 or 20 hex digits (an NFC UID of 4, 7 or 10 bytes)", f->name);
        return ok;
    }
    case FK_STRINGS: {
        if (!json_is_array(v) || json_array_size(v) > 32) {
            snprintf(msg, n, "%s must be an array of at most 32 strings", f->name);
            return false;
        }
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *s = json_array_get(v, i);
            if (!json_is_string(s) || !in_enum(f->enum_values, json_string_value(s))) {
                snprintf(msg, n, "%s[%zu] is not a known value", f->name, i);
                return false;
            }
        }
        return true;
    }
    }
    return false;
}

static const field_def *find_field(const resource_def *def, const char *name) {
    for (const field_def *f = def->fields; f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

static void append_name(char *buf, size_t n, const char *name) {
    size_t k = strlen(buf);
    if (k < n) snprintf(buf + k, n - k, "%s%s", k ? ", " : "", name);
}

/* Validates a create (is_create) or patch body: names all unknown, missing and invalid
 * fields in one message. */
static aj_err validate_body(aj_req *req, const resource_def *def, json_t *body, bool is_create) {
    if (!json_is_object(body)) return aj_req_fail(req, AJ_EINVAL, "request body must be a JSON object");
    char unknown[512] = "", missing[512] = "", fixed[512] = "", invalid[512] = "";
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        const field_def *f = find_field(def, key);
        char msg[256];
        if (!f)
            append_name(unknown, sizeof unknown, key);
        else if (!is_create && (f->flags & F_IMMUTABLE))
            append_name(fixed, sizeof fixed, key);
        else if (!check_value(f, v, msg, sizeof msg) && !invalid[0])
            snprintf(invalid, sizeof invalid, "%s", msg);
    }
    if (is_create)
        for (const field_def *f = def->fields; f->name; f++)
            if ((f->flags & F_REQUIRED) && !json_object_get(body, f->name))
                append_name(missing, sizeof missing, f->name);
    if (!unknown[0] && !missing[0] && !fixed[0] && !invalid[0]) {
        if (!is_create && json_object_size(body) == 0)
            return aj_req_fail(req, AJ_EINVAL, "nothing to change: the body has no fields");
        return AJ_OK;
    }
    char all[1800] = "";
    size_t k = 0;
    if (unknown[0]) k += (size_t)snprintf(all + k, sizeof all - k, "unknown field(s): %s", unknown);
    if (missing[0] && k < sizeof all)
        k += (size_t)snprintf(all + k, sizeof all - k, "%smissing required field(s): %s", k ? "; " : "",
                              missing);
    if (fixed[0] && k < sizeof all)
        k += (size_t)snprintf(all + k, sizeof all - k, "%sfield(s) that cannot change: %s", k ? "; " : "",
                              fixed);
    if (invalid[0] && k < sizeof all) snprintf(all + k, sizeof all - k, "%s%s", k ? "; " : "", invalid);
    return aj_req_fail(req, AJ_EINVAL, "%s", all);
}

/* Checks that every reference points at an object the caller may see, in the same
 * site when required. site_id is the object's site (0 when not site-bound). */
static aj_err check_refs(aj_req *req, const resource_def *def, json_t *body, int64_t self_id,
                         int64_t site_id) {
    for (const field_def *f = def->fields; f->name; f++) {
        json_t *v = json_object_get(body, f->name);
        if (f->kind != FK_REF || !v || json_is_null(v)) continue;
        int64_t ref = json_integer_value(v);
        const resource_def *target = NULL;
        static const resource_def *const all[] = {&aj_res_sites,      &aj_res_areas,         &aj_res_assets,
                                                  &aj_res_tags,       &aj_res_organisations, &aj_res_people,
                                                  &aj_res_enterprises};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            if (strcmp(all[i]->table, f->ref_table) == 0) target = all[i];
        if (!target) return aj_req_fail(req, AJ_EINTERNAL, "field %s refers to unknown table", f->name);
        json_t *obj;
        char saved[sizeof req->errmsg];
        aj_err e = aj_resource_load(req, target, ref, &obj);
        if (e == AJ_ENOTFOUND || e == AJ_EFORBIDDEN) {
            memcpy(saved, req->errmsg, sizeof saved);
            return aj_req_fail(req, AJ_EINVAL, "%s: %s", f->name, saved);
        }
        if (e) return e;
        if ((f->flags & F_SAME_SITE) && site_id) {
            json_t *s = json_object_get(obj, "site_id");
            if (json_integer_value(s) != site_id) {
                json_decref(obj);
                return aj_req_fail(req, AJ_EINVAL, "%s: %s %lld belongs to another site", f->name,
                                   target->object_type, (long long)ref);
            }
        }
        json_decref(obj);
        if ((f->flags & F_PARENT) && self_id) {
            /* Walk up the parent chain (bounded) to refuse cycles. */
            int64_t cur = ref;
            for (int depth = 0; cur && depth < 64; depth++) {
                if (cur == self_id)
                    return aj_req_fail(req, AJ_EINVAL, "%s: %lld would make a cycle", f->name,
                                       (long long)ref);
                char sql[256];
                snprintf(sql, sizeof sql, "SELECT COALESCE(%s, 0) FROM %s WHERE id = ?", f->name, def->table);
                aj_val p = AJ_VINT(cur);
                if (aj_db_query_int(aj_req_db(req), sql, &p, 1, &cur)) break;
            }
        }
    }
    return AJ_OK;
}

static const char *column_of(const field_def *f, char *buf, size_t n) {
    if (f->kind == FK_POLYGON || f->kind == FK_STRINGS)
        snprintf(buf, n, "%s_json", f->name);
    else
        snprintf(buf, n, "%s", f->name);
    return buf;
}

/* Converts a validated JSON value into a SQL parameter; text for JSON columns is kept
 * in *owned (freed by the caller). */
static aj_val to_param(const field_def *f, json_t *v, char **owned) {
    *owned = NULL;
    if (!v || json_is_null(v)) return AJ_VNULL;
    switch (f->kind) {
    case FK_NUM:
        return AJ_VDBL(json_number_value(v));
    case FK_BOOL:
        return AJ_VINT(json_is_true(v) ? 1 : 0);
    case FK_REF:
        return AJ_VINT(json_integer_value(v));
    case FK_POLYGON:
    case FK_STRINGS:
        *owned = json_dumps(v, JSON_COMPACT);
        return AJ_VTEXT(*owned);
    case FK_HEXID:
        *owned = strdup(json_string_value(v));
        for (char *c = *owned; c && *c; c++)
            if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
        return AJ_VTEXT(*owned);
    default:
        return AJ_VTEXT(json_string_value(v));
    }
}

static aj_err write_error(aj_req *req, const resource_def *def, aj_err e) {
    if (e == AJ_ECONFLICT)
        return aj_req_fail(req, e, "%s",
                           def->conflict_msg ? def->conflict_msg : "conflicts with an existing object");
    if (e == AJ_EINVAL) return aj_req_fail(req, e, "rejected by the database: %s", aj_db_errmsg(req->db));
    return db_fail(req, e);
}

static aj_err audit(aj_req *req, const resource_def *def, const char *verb, int64_t id, int64_t ent,
                    const json_t *before, const json_t *after) {
    char actor[128], action[96], oid[24];
    aj_req_actor(req, actor, sizeof actor);
    snprintf(action, sizeof action, "%s.%s", def->name, verb);
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    aj_audit_entry en = {.enterprise_id = ent,
                         .actor = actor,
                         .action = action,
                         .object_type = def->object_type,
                         .object_id = oid,
                         .before = before,
                         .after = after};
    aj_err e = aj_audit_append(aj_req_db(req), &en);
    return e ? db_fail(req, e) : AJ_OK;
}

/* ---- write ------------------------------------------------------------------------- */

aj_err aj_resource_create(aj_req *req, const resource_def *def) {
    if (def->is_read_only)
        return aj_req_fail(req, AJ_EMETHOD, "%s cannot be created through the API", def->name);
    if (!aj_req_has_perm(req, def->perm_write))
        return aj_req_fail(req, AJ_EFORBIDDEN, "your roles do not allow changing %s", def->name);
    json_t *body = req->json;
    aj_err e = validate_body(req, def, body, true);
    if (e) return e;
    int64_t site_id = json_integer_value(json_object_get(body, "site_id"));
    if ((e = check_refs(req, def, body, 0, site_id))) return e;
    if (def->check && (e = def->check(req, body))) return e;

    char sql[SQL_MAX], col[80], *owned[AJ_SQL_PARAMS_MAX] = {0};
    aj_val p[AJ_SQL_PARAMS_MAX];
    int np = 0;
    int n = snprintf(sql, sizeof sql, "INSERT INTO %s (enterprise_id", def->table);
    p[np++] = AJ_VINT(req->auth.enterprise_id);
    for (const field_def *f = def->fields; f->name; f++) {
        json_t *v = json_object_get(body, f->name);
        if (!v) continue;
        n += snprintf(sql + n, sizeof sql - (size_t)n, ", %s", column_of(f, col, sizeof col));
        p[np] = to_param(f, v, &owned[np]);
        np++;
    }
    n += snprintf(sql + n, sizeof sql - (size_t)n, ") VALUES (?");
    for (int i = 1; i < np; i++) n += snprintf(sql + n, sizeof sql - (size_t)n, ", ?");
    snprintf(sql + n, sizeof sql - (size_t)n, ") RETURNING id");

    aj_db *db = aj_req_db(req);
    int64_t id = 0;
    json_t *after = NULL;
    if ((e = aj_db_begin(db))) goto done;
    if ((e = aj_db_query_int(db, sql, p, np, &id))) {
        e = write_error(req, def, e);
        goto done;
    }
    if ((e = aj_resource_load(req, def, id, &after))) goto done;
    if ((e = audit(req, def, "create", id, req->auth.enterprise_id, NULL, after))) goto done;
    if (def->after_write && (e = def->after_write(req, id))) goto done;
    if ((e = aj_db_commit(db))) e = db_fail(req, e);
    if (!e && def->after_commit) def->after_commit(req, id);
done:
    for (int i = 0; i < np; i++) free(owned[i]);
    if (e) {
        aj_db_rollback(db);
        json_decref(after);
        return e;
    }
    aj_reply_json(req, 201, after);
    return AJ_OK;
}

aj_err aj_resource_patch(aj_req *req, const resource_def *def) {
    if (def->is_read_only)
        return aj_req_fail(req, AJ_EMETHOD, "%s cannot be changed through the API", def->name);
    if (!aj_req_has_perm(req, def->perm_write))
        return aj_req_fail(req, AJ_EFORBIDDEN, "your roles do not allow changing %s", def->name);
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return e;
    json_t *body = req->json, *before = NULL, *after = NULL;
    if ((e = validate_body(req, def, body, false))) return e;
    aj_db *db = aj_req_db(req);
    if ((e = aj_db_begin(db))) return db_fail(req, e);
    if ((e = aj_resource_load(req, def, id, &before))) goto done;
    int64_t site_id = json_integer_value(json_object_get(before, "site_id"));
    if ((e = check_refs(req, def, body, id, site_id))) goto done;
    if (def->check) {
        json_t *merged = json_deep_copy(before);
        json_object_update(merged, body);
        e = def->check(req, merged);
        json_decref(merged);
        if (e) goto done;
    }

    char sql[SQL_MAX], col[80], *owned[AJ_SQL_PARAMS_MAX] = {0};
    aj_val p[AJ_SQL_PARAMS_MAX];
    int np = 0;
    int n = snprintf(sql, sizeof sql, "UPDATE %s SET ", def->table);
    for (const field_def *f = def->fields; f->name; f++) {
        json_t *v = json_object_get(body, f->name);
        if (!v) continue;
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%s = ?", np ? ", " : "",
                      column_of(f, col, sizeof col));
        p[np] = to_param(f, v, &owned[np]);
        np++;
    }
    int n_set = np;
    snprintf(sql + n, sizeof sql - (size_t)n, " WHERE id = ? AND enterprise_id = ?");
    p[np++] = AJ_VINT(id);
    p[np++] = AJ_VINT(req->auth.enterprise_id);
    e = aj_db_exec(db, sql, p, np, NULL);
    for (int i = 0; i < n_set; i++) free(owned[i]);
    if (e) {
        e = write_error(req, def, e);
        goto done;
    }
    if ((e = aj_resource_load(req, def, id, &after))) goto done;
    if ((e = audit(req, def, "update", id, req->auth.enterprise_id, before, after))) goto done;
    if (def->after_write && (e = def->after_write(req, id))) goto done;
    if ((e = aj_db_commit(db))) e = db_fail(req, e);
    if (!e && def->after_commit) def->after_commit(req, id);
done:
    json_decref(before);
    if (e) {
        aj_db_rollback(db);
        json_decref(after);
        return e;
    }
    aj_reply_json(req, 200, after);
    return AJ_OK;
}

aj_err aj_resource_delete(aj_req *req, const resource_def *def) {
    if (def->is_read_only)
        return aj_req_fail(req, AJ_EMETHOD, "%s cannot be deleted through the API", def->name);
    if (!aj_req_has_perm(req, def->perm_write))
        return aj_req_fail(req, AJ_EFORBIDDEN, "your roles do not allow changing %s", def->name);
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return e;
    aj_db *db = aj_req_db(req);
    json_t *before = NULL;
    if ((e = aj_db_begin(db))) return db_fail(req, e);
    if ((e = aj_resource_load(req, def, id, &before))) goto done;
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = ? AND enterprise_id = ?", def->table);
    aj_val p[2] = {AJ_VINT(id), AJ_VINT(req->auth.enterprise_id)};
    if ((e = aj_db_exec(db, sql, p, 2, NULL))) {
        if (e == AJ_EINVAL)
            e = aj_req_fail(req, AJ_ECONFLICT,
                            "%s %lld is still referenced by other objects; remove those first",
                            def->object_type, (long long)id);
        else
            e = db_fail(req, e);
        goto done;
    }
    if ((e = audit(req, def, "delete", id, req->auth.enterprise_id, before, NULL))) goto done;
    if ((e = aj_db_commit(db))) e = db_fail(req, e);
done:
    json_decref(before);
    if (e) {
        aj_db_rollback(db);
        return e;
    }
    req->status = 204;
    return AJ_OK;
}
