/* session.h — passwords (argon2id via libsodium) and login sessions.
 *
 * A session is a random 32-byte token (base64url, 43 chars) given to the client once;
 * the store keeps only its SHA-256, so a leaked database does not leak live tokens.
 * The same token works as a bearer token and as the HttpOnly session cookie; cookie
 * writes also need the session's CSRF token in X-CSRF-Token.
 */
#ifndef AJ_SESSION_H
#define AJ_SESSION_H

#include "http/http.h"
#include "store/store.h"

#define AJ_PASSWORD_HASH_MAX 128
#define AJ_TOKEN_TEXT_MAX    64

/* Hashes with argon2id (libsodium interactive limits). out must hold 128 bytes. */
aj_err aj_password_hash(const char *password, char *out, size_t outlen);
bool aj_password_verify(const char *hash, const char *password);
/* Checks length bounds; writes a message into msg on failure. */
bool aj_password_is_acceptable(const char *password, char *msg, size_t msglen);

/* Creates a session for user_id inside the caller's transaction. */
aj_err aj_session_create(aj_db *db, int64_t user_id, int64_t ttl_s, char token[AJ_TOKEN_TEXT_MAX],
                         char csrf[AJ_TOKEN_TEXT_MAX], int64_t *expires_ms);
/* Resolves a token into the caller's identity and scope; AJ_EUNAUTH when unknown,
 * expired or the user is disabled. */
aj_err aj_session_resolve(aj_db *db, const char *token, aj_auth *out);
/* Loads roles, permissions and scope of user_id into out (used by resolve and login). */
aj_err aj_auth_load_user(aj_db *db, int64_t user_id, aj_auth *out);
/* The user's identity as JSON for /auth/me and login answers. */
json_t *aj_auth_user_json(const aj_auth *a);
void aj_token_hash(const char *token, char out[65]);

#endif
