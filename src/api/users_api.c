/* users_api.c — user accounts of the caller's enterprise (permission users.admin):
 * list, get, create, change (display name, roles, disabled), reset password. */
#include "api/api.h"
#include "audit/audit.h"
#include "auth/users.h"

#include <stdio.h>
#include <string.h>

#define ROLES_MAX 12

static aj_err db_fail(aj_req *req, aj_err e) {
    return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
}

aj_err aj_api_users_list(aj_req *req) {
    int64_t limit, after;
    aj_err e = aj_req_page(req, &limit, &after);
    if (e) return e;
    aj_val p[3] = {AJ_VINT(req->auth.enterprise_id), AJ_VINT(after), AJ_VINT(limit)};
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req),
                         "SELECT id FROM users WHERE enterprise_id = ? AND id > ? ORDER BY id LIMIT ?", p, 3,
                         &r)))
        return db_fail(req, e);
    json_t *items = json_array();
    for (int i = 0; i < aj_result_rows(r) && !e; i++) {
        json_t *u;
        e = aj_user_load_json(req->db, req->auth.enterprise_id, aj_result_int(r, i, 0), &u);
        if (!e) json_array_append_new(items, u);
    }
    aj_result_free(r);
    if (e) {
        json_decref(items);
        return db_fail(req, e);
    }
    aj_reply_page(req, items, limit, "id");
    return AJ_OK;
}

aj_err aj_api_users_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return e;
    json_t *u;
    e = aj_user_load_json(aj_req_db(req), req->auth.enterprise_id, id, &u);
    if (e == AJ_ENOTFOUND) return aj_req_fail(req, e, "no user with id %lld", (long long)id);
    if (e) return db_fail(req, e);
    aj_reply_json(req, 200, u);
    return AJ_OK;
}

static aj_err read_roles(aj_req *req, json_t *arr, const char **roles) {
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) >= ROLES_MAX)
        return aj_req_fail(req, AJ_EINVAL, "roles must be an array of 1 to %d role names", ROLES_MAX - 1);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v)) return aj_req_fail(req, AJ_EINVAL, "roles[%zu] must be a string", i);
        roles[i] = json_string_value(v);
    }
    roles[json_array_size(arr)] = NULL;
    return AJ_OK;
}

static aj_err read_ids(aj_req *req, json_t *arr, const char *name, int64_t *ids, int *n) {
    *n = 0;
    if (!arr) return AJ_OK;
    if (!json_is_array(arr) || json_array_size(arr) > AJ_SCOPE_MAX)
        return aj_req_fail(req, AJ_EINVAL, "%s must be an array of at most %d ids", name, AJ_SCOPE_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return aj_req_fail(req, AJ_EINVAL, "%s[%zu] must be a positive integer", name, i);
        ids[(*n)++] = json_integer_value(v);
    }
    return AJ_OK;
}

aj_err aj_api_users_create(aj_req *req) {
    static const char *const allowed[] = {"username", "display_name", "password", "roles",
                                          "org_id",   "person_id",    "site_ids", NULL};
    aj_err e = aj_api_check_fields(req, allowed, 4);
    if (e) return e;
    json_t *b = req->json;
    const char *roles[ROLES_MAX];
    if ((e = read_roles(req, json_object_get(b, "roles"), roles))) return e;
    for (int i = 0; roles[i]; i++)
        if (strcmp(roles[i], "regulator") == 0)
            return aj_req_fail(req, AJ_EINVAL,
                               "regulator accounts are created by the platform operator (anjian admin)");
    int64_t sites[AJ_SCOPE_MAX];
    aj_user_spec s = {.enterprise_id = req->auth.enterprise_id, .roles = roles, .sites = sites};
    if ((e = read_ids(req, json_object_get(b, "site_ids"), "site_ids", sites, &s.n_sites))) return e;
    s.username = json_string_value(json_object_get(b, "username"));
    s.display_name = json_string_value(json_object_get(b, "display_name"));
    s.password = json_string_value(json_object_get(b, "password"));
    if (!s.username || !s.display_name || !s.password)
        return aj_req_fail(req, AJ_EINVAL, "username, display_name and password must be strings");
    s.org_id = json_integer_value(json_object_get(b, "org_id"));
    s.person_id = json_integer_value(json_object_get(b, "person_id"));
    aj_db *db = aj_req_db(req);
    int64_t check;
    if (s.org_id &&
        aj_db_query_int(db, "SELECT id FROM organisations WHERE id = ? AND enterprise_id = ?",
                        (aj_val[]){AJ_VINT(s.org_id), AJ_VINT(s.enterprise_id)}, 2, &check) != AJ_OK)
        return aj_req_fail(req, AJ_EINVAL, "org_id: no organisation with id %lld", (long long)s.org_id);
    if (s.person_id &&
        aj_db_query_int(db, "SELECT id FROM people WHERE id = ? AND enterprise_id = ?",
                        (aj_val[]){AJ_VINT(s.person_id), AJ_VINT(s.enterprise_id)}, 2, &check) != AJ_OK)
        return aj_req_fail(req, AJ_EINVAL, "person_id: no person with id %lld", (long long)s.person_id);
    char actor[128], msg[300];
    aj_req_actor(req, actor, sizeof actor);
    int64_t id;
    if ((e = aj_db_begin(db))) return db_fail(req, e);
    if ((e = aj_user_create(db, &s, actor, &id, msg, sizeof msg))) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "%s", msg);
    }
    if ((e = aj_db_commit(db))) return db_fail(req, e);
    json_t *u;
    if ((e = aj_user_load_json(db, s.enterprise_id, id, &u))) return db_fail(req, e);
    aj_reply_json(req, 201, u);
    return AJ_OK;
}

aj_err aj_api_users_patch(aj_req *req) {
    static const char *const allowed[] = {"display_name", "roles", "is_disabled", NULL};
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e || (e = aj_api_check_fields(req, allowed, 0))) return e;
    json_t *b = req->json, *dn = json_object_get(b, "display_name"), *dis = json_object_get(b, "is_disabled");
    const char *roles[ROLES_MAX];
    if (json_object_get(b, "roles") && (e = read_roles(req, json_object_get(b, "roles"), roles))) return e;
    if (dn && (!json_is_string(dn) || json_string_length(dn) == 0 || json_string_length(dn) > 127))
        return aj_req_fail(req, AJ_EINVAL, "display_name must be a string of 1-127 bytes");
    if (dis && !json_is_boolean(dis)) return aj_req_fail(req, AJ_EINVAL, "is_disabled must be true or false");
    if (json_object_size(b) == 0)
        return aj_req_fail(req, AJ_EINVAL, "nothing to change: the body has no fields");
    if (id == req->auth.user_id && json_is_true(dis))
        return aj_req_fail(req, AJ_EINVAL, "you cannot disable your own account");
    aj_db *db = aj_req_db(req);
    json_t *before = NULL, *after = NULL;
    if ((e = aj_db_begin(db))) return db_fail(req, e);
    e = aj_user_load_json(db, req->auth.enterprise_id, id, &before);
    if (e == AJ_ENOTFOUND)
        e = aj_req_fail(req, e, "no user with id %lld", (long long)id);
    else if (e)
        e = db_fail(req, e);
    if (!e && dn)
        e = aj_db_exec(db, "UPDATE users SET display_name = ? WHERE id = ?",
                       (aj_val[]){AJ_VTEXT(json_string_value(dn)), AJ_VINT(id)}, 2, NULL);
    if (!e && dis) {
        e = aj_db_exec(db, "UPDATE users SET is_disabled = ? WHERE id = ?",
                       (aj_val[]){AJ_VINT(json_is_true(dis)), AJ_VINT(id)}, 2, NULL);
        if (!e && json_is_true(dis))
            e = aj_db_exec(db, "DELETE FROM sessions WHERE user_id = ?", (aj_val[]){AJ_VINT(id)}, 1, NULL);
    }
    if (!e && json_object_get(b, "roles")) {
        e = aj_db_exec(db, "DELETE FROM user_roles WHERE user_id = ?", (aj_val[]){AJ_VINT(id)}, 1, NULL);
        for (int i = 0; !e && roles[i]; i++) {
            if (strcmp(roles[i], "regulator") == 0) {
                e = aj_req_fail(req, AJ_EINVAL, "the regulator role is given by the platform operator");
                break;
            }
            e = aj_db_exec(db, "INSERT INTO user_roles (user_id, role) VALUES (?, ?)",
                           (aj_val[]){AJ_VINT(id), AJ_VTEXT(roles[i])}, 2, NULL);
            if (e) e = aj_req_fail(req, AJ_EINVAL, "roles[%d]: unknown or repeated role \"%s\"", i, roles[i]);
        }
    }
    if (!e && (e = aj_user_load_json(db, req->auth.enterprise_id, id, &after))) e = db_fail(req, e);
    if (!e) {
        char actor[128], oid[24];
        aj_req_actor(req, actor, sizeof actor);
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        aj_audit_entry en = {req->auth.enterprise_id, actor, "users.update", "user", oid, before, after};
        if ((e = aj_audit_append(db, &en))) e = db_fail(req, e);
    }
    if (!e && (e = aj_db_commit(db))) e = db_fail(req, e);
    json_decref(before);
    if (e) {
        aj_db_rollback(db);
        json_decref(after);
        return e;
    }
    aj_reply_json(req, 200, after);
    return AJ_OK;
}

aj_err aj_api_users_password(aj_req *req) {
    static const char *const allowed[] = {"password", NULL};
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e || (e = aj_api_check_fields(req, allowed, 1))) return e;
    const char *pw = json_string_value(json_object_get(req->json, "password"));
    if (!pw) return aj_req_fail(req, AJ_EINVAL, "missing required field(s): password");
    aj_db *db = aj_req_db(req);
    char actor[128], msg[200];
    aj_req_actor(req, actor, sizeof actor);
    if ((e = aj_db_begin(db))) return db_fail(req, e);
    if ((e = aj_user_set_password(db, req->auth.enterprise_id, id, pw, actor, msg, sizeof msg))) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "%s", msg[0] ? msg : aj_db_errmsg(db));
    }
    if ((e = aj_db_commit(db))) return db_fail(req, e);
    req->status = 204;
    return AJ_OK;
}
