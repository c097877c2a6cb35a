/* users.h — creating users and enterprises, shared by the API, the CLI and the first
 * start. Every function runs inside the caller's transaction and appends the audit
 * record itself. */
#ifndef AJ_USERS_H
#define AJ_USERS_H

#include "store/store.h"

typedef struct aj_user_spec {
    int64_t enterprise_id;
    const char *username;
    const char *display_name;
    const char *password;
    const char *const *roles; /* NULL-terminated role names */
    int64_t org_id;           /* 0 = none */
    int64_t person_id;        /* 0 = none */
    const int64_t *grants;    /* regulator: readable enterprises; n_grants of them */
    int n_grants;
    const int64_t *sites; /* limit to these sites; n_sites of them (0 = all) */
    int n_sites;
} aj_user_spec;

/* Validates and creates the user; msg explains a refusal (AJ_EINVAL, AJ_ECONFLICT). */
aj_err aj_user_create(aj_db *db, const aj_user_spec *spec, const char *actor, int64_t *out_id, char *msg,
                      size_t msglen);
/* Replaces the password (argon2id) and ends the user's sessions. */
aj_err aj_user_set_password(aj_db *db, int64_t enterprise_id, int64_t user_id, const char *password,
                            const char *actor, char *msg, size_t msglen);
/* Creates an enterprise (code unique). */
aj_err aj_enterprise_create(aj_db *db, const char *code, const char *name, const char *name_en,
                            const char *actor, int64_t *out_id, char *msg, size_t msglen);
/* Creates a site in an enterprise. */
aj_err aj_site_create(aj_db *db, int64_t enterprise_id, const char *code, const char *name,
                      const char *name_en, const char *actor, int64_t *out_id, char *msg, size_t msglen);
/* User object (no password hash) as JSON; AJ_ENOTFOUND outside enterprise_id. */
aj_err aj_user_load_json(aj_db *db, int64_t enterprise_id, int64_t user_id, json_t **out);

#endif
