/* auth_api.c — POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me.
 *
 * Login: throttled per (user, address) and per user before the password is checked;
 * an unknown user costs the same argon2id verification as a known one. On success a
 * session is created (token returned once, cookie set HttpOnly + SameSite=Strict) and
 * the login is audited in the same transaction.
 */
#include "api/api.h"
#include "audit/audit.h"
#include "auth/session.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>

/* A valid argon2id string for a random password, to spend the same time on unknown users. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0mJ3RkJ8bRZPJLwKZq6kOQJ+wbcP9OR3vYjHjHWcVdA";

static void set_cookie(aj_req *req, const char *token, int64_t ttl_s) {
    char cookie[256];
    snprintf(cookie, sizeof cookie, "aj_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", token,
             (long long)ttl_s, req->app->cfg.cookie_secure ? "; Secure" : "");
    aj_reply_header(req, "Set-Cookie", cookie);
}

aj_err aj_api_login(aj_req *req) {
    static const char *const fields[] = {"username", "password", NULL};
    aj_err e = aj_api_check_fields(req, fields, 2);
    if (e) return e;
    json_t *body = req->json;
    const char *user = json_string_value(json_object_get(body, "username"));
    const char *pass = json_string_value(json_object_get(body, "password"));
    if (!user || !pass) return aj_req_fail(req, AJ_EINVAL, "username and password must be strings");
    if (strlen(user) > 63 || strlen(pass) > AJ_PASSWORD_LEN_MAX)
        return aj_req_fail(req, AJ_EUNAUTH, "wrong user name or password");
    int64_t retry_s;
    if (aj_throttle_is_blocked(req->app->throttle, user, req->peer, aj_time_now_ms(), &retry_s)) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry_s);
        aj_reply_header(req, "Retry-After", ra);
        atomic_fetch_add(&req->app->metrics.logins_throttled, 1);
        return aj_req_fail(req, AJ_ETHROTTLED, "too many failed logins: try again in %lld seconds",
                           (long long)retry_s);
    }
    aj_db *db = aj_req_db(req);
    aj_val p = AJ_VTEXT(user);
    aj_result *r;
    e = aj_db_query(db, "SELECT id, password_hash, is_disabled FROM users WHERE username = ?", &p, 1, &r);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    bool found = aj_result_rows(r) == 1;
    int64_t user_id = found ? aj_result_int(r, 0, 0) : 0;
    bool ok = aj_password_verify(found ? aj_result_text(r, 0, 1) : dummy_hash, pass);
    ok = ok && found && aj_result_int(r, 0, 2) == 0;
    aj_result_free(r);
    if (!ok) {
        aj_throttle_fail(req->app->throttle, user, req->peer, aj_time_now_ms());
        atomic_fetch_add(&req->app->metrics.logins_failed, 1);
        aj_warn("login failed for \"%.63s\" from %s", user, req->peer);
        return aj_req_fail(req, AJ_EUNAUTH, "wrong user name or password");
    }
    aj_throttle_success(req->app->throttle, user, req->peer);
    char token[AJ_TOKEN_TEXT_MAX], csrf[AJ_TOKEN_TEXT_MAX];
    int64_t expires_ms;
    if ((e = aj_db_begin(db))) return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    e = aj_session_create(db, user_id, req->app->cfg.session_ttl_s, token, csrf, &expires_ms);
    if (!e) e = aj_auth_load_user(db, user_id, &req->auth);
    if (!e) {
        char actor[128], oid[24];
        snprintf(actor, sizeof actor, "user:%lld:%s", (long long)user_id, user);
        snprintf(oid, sizeof oid, "%lld", (long long)user_id);
        json_t *after = json_pack("{s:s, s:s}", "event", "login", "from", req->peer);
        aj_audit_entry en = {req->auth.enterprise_id, actor, "auth.login", "user", oid, NULL, after};
        e = aj_audit_append(db, &en);
        json_decref(after);
    }
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    }
    atomic_fetch_add(&req->app->metrics.logins_ok, 1);
    set_cookie(req, token, req->app->cfg.session_ttl_s);
    char exp[40];
    aj_time_format_ms(expires_ms, exp, sizeof exp);
    aj_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:o}", "token", token, "csrf_token", csrf, "expires_at", exp,
                            "user", aj_auth_user_json(&req->auth)));
    return AJ_OK;
}

aj_err aj_api_logout(aj_req *req) {
    aj_db *db = aj_req_db(req);
    aj_err e = aj_db_begin(db);
    aj_val p = AJ_VTEXT(req->auth.token_hash);
    if (!e) e = aj_db_exec(db, "DELETE FROM sessions WHERE token_hash = ?", &p, 1, NULL);
    if (!e) {
        char actor[128], oid[24];
        aj_req_actor(req, actor, sizeof actor);
        snprintf(oid, sizeof oid, "%lld", (long long)req->auth.user_id);
        aj_audit_entry en = {req->auth.enterprise_id, actor, "auth.logout", "user", oid, NULL, NULL};
        e = aj_audit_append(db, &en);
    }
    if (!e) e = aj_db_commit(db);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "%s", aj_db_errmsg(db));
    }
    aj_reply_header(req, "Set-Cookie", "aj_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    req->status = 204;
    return AJ_OK;
}

aj_err aj_api_me(aj_req *req) {
    char exp[40];
    aj_time_format_ms(req->auth.expires_ms, exp, sizeof exp);
    aj_reply_json(req, 200,
                  json_pack("{s:o, s:s, s:s}", "user", aj_auth_user_json(&req->auth), "csrf_token",
                            req->auth.csrf_token, "expires_at", exp));
    return AJ_OK;
}
