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

/* Fills identity fields from a row (enterprise_id, username, display_name, org_id,
 * is_disabled) starting at column c0. */
static aj_err take_user_row(const aj_result *r, int c0, int64_t user_id, aj_auth *a) {
    if (aj_result_int(r, 0, c0 + 4) != 0) return AJ_EUNAUTH;
    a->user_id = user_id;
    a->enterprise_id = aj_result_int(r, 0, c0);
    snprintf(a->username, sizeof a->username, "%s", aj_result_text(r, 0, c0 + 1));
    snprintf(a->display_name, sizeof a->display_name, "%s", aj_result_text(r, 0, c0 + 2));
    a->org_id = aj_result_is_null(r, 0, c0 + 3) ? 0 : aj_result_int(r, 0, c0 + 3);
    return AJ_OK;
}

/* Roles, permissions, regulator grants and site limits in one round trip. */
static aj_err load_scope(aj_db *db, aj_auth *a) {
    aj_val p[3] = {AJ_VINT(a->user_id), AJ_VINT(a->user_id), AJ_VINT(a->user_id)};
    aj_result *r;
    aj_err e =
        aj_db_query(db,
                    "SELECT 'r', ur.role, rp.permission, CAST(NULL AS BIGINT) FROM user_roles ur"
                    " LEFT JOIN role_permissions rp ON rp.role = ur.role WHERE ur.user_id = ?"
                    " UNION ALL SELECT 'g', NULL, NULL, enterprise_id FROM regulator_grants WHERE user_id = ?"
                    " UNION ALL SELECT 's', NULL, NULL, site_id FROM user_sites WHERE user_id = ?",
                    p, 3, &r);
    if (e) return e;
    a->perms = 0;
    a->n_roles = 0;
    a->is_regulator = false;
    a->n_sites = 0;
    int n_grants = 0;
    int64_t grants[AJ_SCOPE_MAX];
    for (int i = 0; i < aj_result_rows(r); i++) {
        char kind = aj_result_text(r, i, 0)[0];
        if (kind == 'r') {
            const char *role = aj_result_text(r, i, 1);
            bool is_new = true;
            for (int k = 0; k < a->n_roles; k++) is_new = is_new && strcmp(a->roles[k], role) != 0;
            if (is_new && a->n_roles < (int)(sizeof a->roles / sizeof a->roles[0]))
                snprintf(a->roles[a->n_roles++], sizeof a->roles[0], "%s", role);
            if (strcmp(role, "regulator") == 0) a->is_regulator = true;
            if (!aj_result_is_null(r, i, 2)) a->perms |= aj_perm_from_name(aj_result_text(r, i, 2));
        } else if (kind == 'g' && n_grants < AJ_SCOPE_MAX) {
            grants[n_grants++] = aj_result_int(r, i, 3);
        } else if (kind == 's' && a->n_sites < AJ_SCOPE_MAX) {
            a->sites[a->n_sites++] = aj_result_int(r, i, 3);
        }
    }
    aj_result_free(r);
    /* A regulator reads exactly its grants; everyone else its own enterprise. */
    a->n_enterprises = 0;
    if (a->is_regulator) {
        for (int i = 0; i < n_grants; i++) a->enterprises[a->n_enterprises++] = grants[i];
    } else {
        a->enterprises[a->n_enterprises++] = a->enterprise_id;
    }
    return AJ_OK;
}

aj_err aj_auth_load_user(aj_db *db, int64_t user_id, aj_auth *a) {
    aj_val p = AJ_VINT(user_id);
    aj_result *r;
    aj_err e = aj_db_query(
        db, "SELECT enterprise_id, username, display_name, org_id, is_disabled FROM users WHERE id = ?", &p,
        1, &r);
    if (e) return e;
    e = aj_result_rows(r) == 1 ? take_user_row(r, 0, user_id, a) : AJ_EUNAUTH;
    aj_result_free(r);
    return e ? e : load_scope(db, a);
}

aj_err aj_session_resolve(aj_db *db, const char *token, aj_auth *a) {
    if (!token || strlen(token) < 20 || strlen(token) >= AJ_TOKEN_TEXT_MAX) return AJ_EUNAUTH;
    char th[65];
    aj_token_hash(token, th);
    aj_val p = AJ_VTEXT(th);
    aj_result *r;
    aj_err e = aj_db_query(db,
                           "SELECT s.user_id, s.csrf_token, s.expires_ms, u.enterprise_id, u.username,"
                           " u.display_name, u.org_id, u.is_disabled"
                           " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
                           &p, 1, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1 || aj_result_int(r, 0, 2) < aj_time_now_ms()) {
        aj_result_free(r);
        return AJ_EUNAUTH;
    }
    snprintf(a->csrf_token, sizeof a->csrf_token, "%s", aj_result_text(r, 0, 1));
    a->expires_ms = aj_result_int(r, 0, 2);
    memcpy(a->token_hash, th, sizeof th);
    e = take_user_row(r, 3, aj_result_int(r, 0, 0), a);
    aj_result_free(r);
    return e ? e : load_scope(db, a);
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
