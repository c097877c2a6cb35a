/* users.c — user, enterprise and site creation with validation and audit (users.h). */
#include "auth/users.h"

#include "audit/audit.h"
#include "auth/session.h"
#include "base/limits.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>

static bool valid_code(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n == 0 || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

aj_err aj_user_load_json(aj_db *db, int64_t enterprise_id, int64_t user_id, json_t **out) {
    aj_val p[2] = {AJ_VINT(user_id), AJ_VINT(enterprise_id)};
    json_t *rows;
    aj_err e = aj_db_query_json(db,
                                "SELECT id, enterprise_id, username, display_name, org_id, person_id,"
                                " is_disabled AS is_disabled_bool, created_ms FROM users"
                                " WHERE id = ? AND enterprise_id = ?",
                                p, 2, &rows);
    if (e) return e;
    if (json_array_size(rows) != 1) {
        json_decref(rows);
        return AJ_ENOTFOUND;
    }
    json_t *u = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    json_t *roles;
    if ((e = aj_db_query_json(db, "SELECT role FROM user_roles WHERE user_id = ? ORDER BY role", p, 1,
                              &roles))) {
        json_decref(u);
        return e;
    }
    json_t *names = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r) json_array_append(names, json_object_get(r, "role"));
    json_decref(roles);
    json_object_set_new(u, "roles", names);
    json_t *scope;
    if ((e = aj_db_query_json(
             db,
             "SELECT 'site' AS kind, site_id AS id FROM user_sites WHERE user_id = ?"
             " UNION ALL SELECT 'grant', enterprise_id FROM regulator_grants WHERE user_id = ?",
             (aj_val[]){AJ_VINT(user_id), AJ_VINT(user_id)}, 2, &scope))) {
        json_decref(u);
        return e;
    }
    json_t *sites = json_array(), *grants = json_array();
    json_array_foreach(scope, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        json_array_append(strcmp(kind, "site") == 0 ? sites : grants, json_object_get(r, "id"));
    }
    json_decref(scope);
    json_object_set_new(u, "site_ids", sites);
    json_object_set_new(u, "regulator_grants", grants);
    *out = u;
    return AJ_OK;
}

static aj_err audit_user(aj_db *db, int64_t ent, const char *actor, const char *action, int64_t id,
                         const json_t *before, const json_t *after) {
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    aj_audit_entry en = {ent, actor, action, "user", oid, before, after};
    return aj_audit_append(db, &en);
}

aj_err aj_user_create(aj_db *db, const aj_user_spec *s, const char *actor, int64_t *out_id, char *msg,
                      size_t msglen) {
    if (!s->username || !valid_code(s->username, 63)) {
        snprintf(msg, msglen, "username must be 1-63 characters of letters, digits and _ . - @");
        return AJ_EINVAL;
    }
    if (!s->display_name || !*s->display_name || strlen(s->display_name) > 127) {
        snprintf(msg, msglen, "display_name must be 1-127 bytes");
        return AJ_EINVAL;
    }
    if (!s->password || !aj_password_is_acceptable(s->password, msg, msglen)) return AJ_EINVAL;
    if (!s->roles || !s->roles[0]) {
        snprintf(msg, msglen, "a user needs at least one role");
        return AJ_EINVAL;
    }
    char hash[AJ_PASSWORD_HASH_MAX];
    aj_err e = aj_password_hash(s->password, hash, sizeof hash);
    if (e) {
        snprintf(msg, msglen, "password hashing failed (out of memory)");
        return e;
    }
    aj_val p[7] = {AJ_VINT(s->enterprise_id),
                   AJ_VTEXT(s->username),
                   AJ_VTEXT(s->display_name),
                   AJ_VTEXT(hash),
                   s->org_id ? AJ_VINT(s->org_id) : AJ_VNULL,
                   s->person_id ? AJ_VINT(s->person_id) : AJ_VNULL,
                   AJ_VINT(aj_time_now_ms())};
    int64_t id;
    e = aj_db_query_int(
        db,
        "INSERT INTO users (enterprise_id, username, display_name, password_hash, org_id, person_id,"
        " created_ms) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        p, 7, &id);
    if (e == AJ_ECONFLICT) {
        snprintf(msg, msglen, "user name \"%s\" is taken", s->username);
        return e;
    }
    if (e) {
        snprintf(msg, msglen, "%s", aj_db_errmsg(db));
        return e;
    }
    bool is_regulator = false;
    for (int i = 0; s->roles[i]; i++) {
        aj_val q[2] = {AJ_VINT(id), AJ_VTEXT(s->roles[i])};
        if ((e = aj_db_exec(db, "INSERT INTO user_roles (user_id, role) VALUES (?, ?)", q, 2, NULL))) {
            snprintf(msg, msglen, e == AJ_EINVAL ? "unknown role \"%s\"" : "role \"%s\" given twice",
                     s->roles[i]);
            return AJ_EINVAL;
        }
        if (strcmp(s->roles[i], "regulator") == 0) is_regulator = true;
    }
    if (s->n_grants && !is_regulator) {
        snprintf(msg, msglen, "only regulators are granted other enterprises");
        return AJ_EINVAL;
    }
    for (int i = 0; i < s->n_grants; i++) {
        aj_val q[2] = {AJ_VINT(id), AJ_VINT(s->grants[i])};
        if ((e = aj_db_exec(db, "INSERT INTO regulator_grants (user_id, enterprise_id) VALUES (?, ?)", q, 2,
                            NULL))) {
            snprintf(msg, msglen, "grant of enterprise %lld: %s", (long long)s->grants[i], aj_db_errmsg(db));
            return AJ_EINVAL;
        }
    }
    for (int i = 0; i < s->n_sites; i++) {
        aj_val q[3] = {AJ_VINT(id), AJ_VINT(s->sites[i]), AJ_VINT(s->enterprise_id)};
        int64_t ok;
        if (aj_db_query_int(db, "SELECT 1 FROM sites WHERE id = ? AND enterprise_id = ?", q + 1, 2, &ok) !=
            AJ_OK) {
            snprintf(msg, msglen, "site %lld is not a site of the enterprise", (long long)s->sites[i]);
            return AJ_EINVAL;
        }
        if ((e = aj_db_exec(db, "INSERT INTO user_sites (user_id, site_id) VALUES (?, ?)", q, 2, NULL))) {
            snprintf(msg, msglen, "site %lld: %s", (long long)s->sites[i], aj_db_errmsg(db));
            return AJ_EINVAL;
        }
    }
    json_t *after;
    if ((e = aj_user_load_json(db, s->enterprise_id, id, &after))) return e;
    e = audit_user(db, s->enterprise_id, actor, "users.create", id, NULL, after);
    json_decref(after);
    if (e) {
        snprintf(msg, msglen, "%s", aj_db_errmsg(db));
        return e;
    }
    *out_id = id;
    return AJ_OK;
}

aj_err aj_user_set_password(aj_db *db, int64_t enterprise_id, int64_t user_id, const char *password,
                            const char *actor, char *msg, size_t msglen) {
    if (!aj_password_is_acceptable(password, msg, msglen)) return AJ_EINVAL;
    char hash[AJ_PASSWORD_HASH_MAX];
    aj_err e = aj_password_hash(password, hash, sizeof hash);
    if (e) return e;
    aj_val p[3] = {AJ_VTEXT(hash), AJ_VINT(user_id), AJ_VINT(enterprise_id)};
    int64_t n = 0;
    if ((e = aj_db_exec(db, "UPDATE users SET password_hash = ? WHERE id = ? AND enterprise_id = ?", p, 3,
                        &n)))
        return e;
    if (n != 1) {
        snprintf(msg, msglen, "no user with id %lld", (long long)user_id);
        return AJ_ENOTFOUND;
    }
    if ((e = aj_db_exec(db, "DELETE FROM sessions WHERE user_id = ?", p + 1, 1, NULL))) return e;
    /* The digest covers the fact of the change, never the password or its hash. */
    json_t *after = json_pack("{s:I, s:s}", "id", (json_int_t)user_id, "password", "changed");
    e = audit_user(db, enterprise_id, actor, "users.password", user_id, NULL, after);
    json_decref(after);
    return e;
}

aj_err aj_enterprise_create(aj_db *db, const char *code, const char *name, const char *name_en,
                            const char *actor, int64_t *out_id, char *msg, size_t msglen) {
    if (!code || !valid_code(code, AJ_CODE_LEN_MAX) || !name || !*name || strlen(name) > AJ_NAME_LEN_MAX) {
        snprintf(msg, msglen, "enterprise needs a code (letters, digits, _ . -) and a name");
        return AJ_EINVAL;
    }
    aj_val p[4] = {AJ_VTEXT(code), AJ_VTEXT(name), AJ_VTEXT(name_en), AJ_VINT(aj_time_now_ms())};
    aj_err e = aj_db_query_int(db,
                               "INSERT INTO enterprises (code, name, name_en, created_ms) VALUES (?, ?, ?, ?)"
                               " RETURNING id",
                               p, 4, out_id);
    if (e == AJ_ECONFLICT)
        snprintf(msg, msglen, "enterprise code \"%s\" is taken", code);
    else if (e)
        snprintf(msg, msglen, "%s", aj_db_errmsg(db));
    if (e) return e;
    json_t *after = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)*out_id, "code", code, "name", name);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)*out_id);
    aj_audit_entry en = {*out_id, actor, "enterprises.create", "enterprise", oid, NULL, after};
    e = aj_audit_append(db, &en);
    json_decref(after);
    return e;
}

aj_err aj_site_create(aj_db *db, int64_t enterprise_id, const char *code, const char *name,
                      const char *name_en, const char *actor, int64_t *out_id, char *msg, size_t msglen) {
    if (!code || !valid_code(code, AJ_CODE_LEN_MAX) || !name || !*name || strlen(name) > AJ_NAME_LEN_MAX) {
        snprintf(msg, msglen, "site needs a code (letters, digits, _ . -) and a name");
        return AJ_EINVAL;
    }
    aj_val p[4] = {AJ_VINT(enterprise_id), AJ_VTEXT(code), AJ_VTEXT(name), AJ_VTEXT(name_en)};
    aj_err e = aj_db_query_int(
        db, "INSERT INTO sites (enterprise_id, code, name, name_en) VALUES (?, ?, ?, ?) RETURNING id", p, 4,
        out_id);
    if (e == AJ_ECONFLICT)
        snprintf(msg, msglen, "site code \"%s\" is taken in this enterprise", code);
    else if (e)
        snprintf(msg, msglen, "%s", aj_db_errmsg(db));
    if (e) return e;
    json_t *after = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)*out_id, "code", code, "name", name);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)*out_id);
    aj_audit_entry en = {enterprise_id, actor, "sites.create", "site", oid, NULL, after};
    e = aj_audit_append(db, &en);
    json_decref(after);
    return e;
}
