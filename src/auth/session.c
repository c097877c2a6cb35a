/* session.c — argon2id passwords, session tokens and the per-request identity load. */
#include "auth/session.h"

#include "auth/perm.h"
#include "base/limits.h"
#include "base/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

aj_err aj_password_hash(const char *password, char *out, size_t outlen) {
    if (outlen < crypto_pwhash_STRBYTES) return AJ_EINTERNAL;
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return AJ_ENOMEM;
    return AJ_OK;
}

bool aj_password_verify(const char *hash, const char *password) {
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool aj_password_is_acceptable(const char *password, char *msg, size_t msglen) {
    size_t n = strlen(password);
    if (n < AJ_PASSWORD_LEN_MIN || n > AJ_PASSWORD_LEN_MAX) {
        snprintf(msg, msglen, "password must have %d to %d characters", AJ_PASSWORD_LEN_MIN,
                 AJ_PASSWORD_LEN_MAX);
        return false;
    }
    return true;
}

void aj_token_hash(const char *token, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void random_token(char out[AJ_TOKEN_TEXT_MAX]) {
    unsigned char raw[AJ_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, AJ_TOKEN_TEXT_MAX, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

aj_err aj_session_create(aj_db *db, int64_t user_id, int64_t ttl_s, char token[AJ_TOKEN_TEXT_MAX],
                         char csrf[AJ_TOKEN_TEXT_MAX], int64_t *expires_ms) {
    random_token(token);
    random_token(csrf);
    char th[65];
    aj_token_hash(token, th);
    int64_t now = aj_time_now_ms();
    *expires_ms = now + ttl_s * 1000;
    aj_val p[5] = {AJ_VTEXT(th), AJ_VINT(user_id), AJ_VTEXT(csrf), AJ_VINT(now), AJ_VINT(*expires_ms)};
    aj_err e = aj_db_exec(db,
                          "INSERT INTO sessions (token_hash, user_id, csrf_token, created_ms, expires_ms)"
                          " VALUES (?, ?, ?, ?, ?)",
                          p, 5, NULL);
    if (e) return e;
    /* Housekeeping: expired sessions of this user go. */
    aj_val q[2] = {AJ_VINT(user_id), AJ_VINT(now)};
    return aj_db_exec(db, "DELETE FROM sessions WHERE user_id = ? AND expires_ms < ?", q, 2, NULL);
}

aj_err aj_auth_load_user(aj_db *db, int64_t user_id, aj_auth *a) {
    aj_val p[2] = {AJ_VINT(user_id), AJ_VINT(user_id)};
    aj_result *r;
    aj_err e = aj_db_query(db,
                           "SELECT u.enterprise_id, u.username, u.display_name, u.org_id, u.is_disabled"
                           " FROM users u WHERE u.id = ?",
                           p, 1, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1 || aj_result_int(r, 0, 4) != 0) {
        aj_result_free(r);
        return AJ_EUNAUTH;
    }
    a->user_id = user_id;
    a->enterprise_id = aj_result_int(r, 0, 0);
    snprintf(a->username, sizeof a->username, "%s", aj_result_text(r, 0, 1));
    snprintf(a->display_name, sizeof a->display_name, "%s", aj_result_text(r, 0, 2));
    a->org_id = aj_result_is_null(r, 0, 3) ? 0 : aj_result_int(r, 0, 3);
    aj_result_free(r);

    e = aj_db_query(db,
                    "SELECT ur.role, rp.permission FROM user_roles ur"
                    " LEFT JOIN role_permissions rp ON rp.role = ur.role WHERE ur.user_id = ?"
                    " ORDER BY ur.role",
                    p, 1, &r);
    if (e) return e;
    a->perms = 0;
    a->n_roles = 0;
    a->is_regulator = false;
    for (int i = 0; i < aj_result_rows(r); i++) {
        const char *role = aj_result_text(r, i, 0);
        if (a->n_roles == 0 || strcmp(a->roles[a->n_roles - 1], role) != 0) {
            if (a->n_roles < (int)(sizeof a->roles / sizeof a->roles[0]))
                snprintf(a->roles[a->n_roles++], sizeof a->roles[0], "%s", role);
            if (strcmp(role, "regulator") == 0) a->is_regulator = true;
        }
        if (!aj_result_is_null(r, i, 1)) a->perms |= aj_perm_from_name(aj_result_text(r, i, 1));
    }
    aj_result_free(r);

    e = aj_db_query(db,
                    "SELECT 'g', enterprise_id FROM regulator_grants WHERE user_id = ?"
                    " UNION ALL SELECT 's', site_id FROM user_sites WHERE user_id = ?",
                    p, 2, &r);
    if (e) return e;
    a->n_enterprises = 0;
    a->n_sites = 0;
    if (!a->is_regulator) a->enterprises[a->n_enterprises++] = a->enterprise_id;
    for (int i = 0; i < aj_result_rows(r); i++) {
        bool is_grant = aj_result_text(r, i, 0)[0] == 'g';
        int64_t id = aj_result_int(r, i, 1);
        if (is_grant && a->is_regulator && a->n_enterprises < AJ_SCOPE_MAX)
            a->enterprises[a->n_enterprises++] = id;
        else if (!is_grant && a->n_sites < AJ_SCOPE_MAX)
            a->sites[a->n_sites++] = id;
    }
    aj_result_free(r);
    return AJ_OK;
}

aj_err aj_session_resolve(aj_db *db, const char *token, aj_auth *a) {
    if (!token || strlen(token) < 20 || strlen(token) >= AJ_TOKEN_TEXT_MAX) return AJ_EUNAUTH;
    char th[65];
    aj_token_hash(token, th);
    aj_val p = AJ_VTEXT(th);
    aj_result *r;
    aj_err e = aj_db_query(db, "SELECT user_id, csrf_token, expires_ms FROM sessions WHERE token_hash = ?",
                           &p, 1, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1 || aj_result_int(r, 0, 2) < aj_time_now_ms()) {
        aj_result_free(r);
        return AJ_EUNAUTH;
    }
    int64_t user_id = aj_result_int(r, 0, 0);
    snprintf(a->csrf_token, sizeof a->csrf_token, "%s", aj_result_text(r, 0, 1));
    a->expires_ms = aj_result_int(r, 0, 2);
    memcpy(a->token_hash, th, sizeof th);
    aj_result_free(r);
    return aj_auth_load_user(db, user_id, a);
}

json_t *aj_auth_user_json(const aj_auth *a) {
    json_t *roles = json_array(), *perms = json_array();
    for (int i = 0; i < a->n_roles; i++) json_array_append_new(roles, json_string(a->roles[i]));
    for (int i = 0; i < AJ_PERM_COUNT; i++)
        if (a->perms & (1u << i)) json_array_append_new(perms, json_string(aj_perm_name(i)));
    json_t *ents = json_array();
    for (int i = 0; i < a->n_enterprises; i++) json_array_append_new(ents, json_integer(a->enterprises[i]));
    return json_pack("{s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)a->user_id, "username",
                     a->username, "display_name", a->display_name, "enterprise_id",
                     (json_int_t)a->enterprise_id, "org_id",
                     a->org_id ? json_integer(a->org_id) : json_null(), "roles", roles, "permissions", perms,
                     "enterprises", ents);
}
