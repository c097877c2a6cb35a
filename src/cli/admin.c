/* admin.c — `anjian admin ...` and `anjian audit verify`: operations on the database
 * directly (the server may be running; SQLite and PostgreSQL both allow it). Every
 * change is audited with actor "cli:<login name>". */
#include "audit/audit.h"
#include "auth/users.h"
#include "base/jsonutil.h"
#include "base/fileread.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "plant/plant_file.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void admin_usage(FILE *out) {
    fprintf(out,
            "usage: anjian admin COMMAND [--db URL] [options]\n\n"
            "  create-enterprise --code CODE --name NAME [--name-en NAME]\n"
            "  create-site       --enterprise CODE --code CODE --name NAME [--name-en NAME]\n"
            "  create-user       --enterprise CODE --username NAME --roles r1,r2 [--display-name TEXT]\n"
            "                    [--password-file FILE | env ANJIAN_USER_PASSWORD] [--org ORG_CODE]\n"
            "                    [--grant ENT_CODE,...  (regulators: enterprises they may read)]\n"
            "  reset-password    --username NAME [--password-file FILE | env ANJIAN_USER_PASSWORD]\n"
            "  import-plant      --enterprise CODE FILE   (all or nothing)\n"
            "  export-plant      --enterprise CODE --site CODE\n\n"
            "--db defaults to $ANJIAN_DB, else sqlite:anjian.db. Roles: admin, safety_manager, operator,\n"
            "unit_leader, worker, attendant, approver, supplier, regulator.\n");
}

static void actor_name(char *buf, size_t n) {
    const char *who = getenv("SUDO_USER");
    if (!who) who = getenv("USER");
    snprintf(buf, n, "cli:%s", who ? who : "root");
}

static aj_err enterprise_id(aj_db *db, const char *code, int64_t *out) {
    if (!code) return AJ_EINVAL;
    return aj_db_query_int(db, "SELECT id FROM enterprises WHERE code = ?", (aj_val[]){AJ_VTEXT(code)}, 1,
                           out);
}

static int fail(const char *what, const char *msg) {
    fprintf(stderr, "anjian admin %s: %s\n", what, msg);
    return AJ_EXIT_FAIL;
}

static int run(const char *sub, aj_opts *o) {
    char err[1024] = "", actor[96];
    actor_name(actor, sizeof actor);
    aj_store *st;
    if (aj_store_open(aj_opt_db(o), 1, &st, err, sizeof err)) return fail(sub, err);
    aj_db *db = aj_store_acquire(st);
    int rc = AJ_EXIT_OK;
    aj_err e = AJ_OK;
    int64_t ent = 0, id = 0;
    if (!strcmp(sub, "create-enterprise")) {
        if ((e = aj_db_begin(db)) == AJ_OK &&
            (e = aj_enterprise_create(db, aj_opt(o, "code"), aj_opt(o, "name"), aj_opt(o, "name-en"), actor,
                                      &id, err, sizeof err)) == AJ_OK)
            e = aj_db_commit(db);
        if (!e) printf("enterprise %s created (id %lld)\n", aj_opt(o, "code"), (long long)id);
    } else if (!strcmp(sub, "create-site")) {
        if (enterprise_id(db, aj_opt(o, "enterprise"), &ent)) {
            snprintf(err, sizeof err, "no enterprise with code \"%s\"",
                     aj_opt(o, "enterprise") ? aj_opt(o, "enterprise") : "");
            e = AJ_EINVAL;
        } else if ((e = aj_db_begin(db)) == AJ_OK &&
                   (e = aj_site_create(db, ent, aj_opt(o, "code"), aj_opt(o, "name"), aj_opt(o, "name-en"),
                                       actor, &id, err, sizeof err)) == AJ_OK) {
            e = aj_db_commit(db);
        }
        if (!e) printf("site %s created (id %lld)\n", aj_opt(o, "code"), (long long)id);
    } else if (!strcmp(sub, "create-user")) {
        char password[300], roles_buf[400], grant_buf[1024];
        const char *roles[16] = {0};
        int64_t grants[64];
        aj_user_spec s = {.username = aj_opt(o, "username"), .roles = roles, .grants = grants};
        s.display_name = aj_opt(o, "display-name") ? aj_opt(o, "display-name") : s.username;
        if (enterprise_id(db, aj_opt(o, "enterprise"), &s.enterprise_id)) {
            snprintf(err, sizeof err, "no enterprise with code \"%s\"",
                     aj_opt(o, "enterprise") ? aj_opt(o, "enterprise") : "");
            e = AJ_EINVAL;
        } else if (!aj_read_secret(aj_opt(o, "password-file"), "ANJIAN_USER_PASSWORD", password,
                                   sizeof password, err, sizeof err)) {
            e = AJ_EINVAL;
        } else if (!password[0]) {
            snprintf(err, sizeof err, "give the password with --password-file FILE or ANJIAN_USER_PASSWORD");
            e = AJ_EINVAL;
        }
        s.password = password;
        snprintf(roles_buf, sizeof roles_buf, "%s", aj_opt(o, "roles") ? aj_opt(o, "roles") : "");
        int nr = 0;
        for (char *save, *t = strtok_r(roles_buf, ",", &save); t && nr < 15; t = strtok_r(NULL, ",", &save))
            roles[nr++] = t;
        snprintf(grant_buf, sizeof grant_buf, "%s", aj_opt(o, "grant") ? aj_opt(o, "grant") : "");
        for (char *save, *t = strtok_r(grant_buf, ",", &save); !e && t && s.n_grants < 64;
             t = strtok_r(NULL, ",", &save)) {
            if (enterprise_id(db, t, &grants[s.n_grants])) {
                snprintf(err, sizeof err, "--grant: no enterprise with code \"%s\"", t);
                e = AJ_EINVAL;
            }
            s.n_grants++;
        }
        if (!e && aj_opt(o, "org") &&
            aj_db_query_int(db, "SELECT id FROM organisations WHERE enterprise_id = ? AND code = ?",
                            (aj_val[]){AJ_VINT(s.enterprise_id), AJ_VTEXT(aj_opt(o, "org"))}, 2, &s.org_id)) {
            snprintf(err, sizeof err, "--org: no organisation \"%s\" in the enterprise", aj_opt(o, "org"));
            e = AJ_EINVAL;
        }
        if (!e && (e = aj_db_begin(db)) == AJ_OK &&
            (e = aj_user_create(db, &s, actor, &id, err, sizeof err)) == AJ_OK)
            e = aj_db_commit(db);
        if (!e) printf("user %s created (id %lld)\n", s.username, (long long)id);
    } else if (!strcmp(sub, "reset-password")) {
        char password[300];
        int64_t uid = 0;
        if (!aj_opt(o, "username") || aj_db_query_int(db, "SELECT id FROM users WHERE username = ?",
                                                      (aj_val[]){AJ_VTEXT(aj_opt(o, "username"))}, 1, &uid)) {
            snprintf(err, sizeof err, "no user \"%s\"", aj_opt(o, "username") ? aj_opt(o, "username") : "");
            e = AJ_EINVAL;
        } else if (!aj_read_secret(aj_opt(o, "password-file"), "ANJIAN_USER_PASSWORD", password,
                                   sizeof password, err, sizeof err) ||
                   !password[0]) {
            if (!err[0])
                snprintf(err, sizeof err,
                         "give the password with --password-file FILE or ANJIAN_USER_PASSWORD");
            e = AJ_EINVAL;
        } else {
            aj_db_query_int(db, "SELECT enterprise_id FROM users WHERE id = ?", (aj_val[]){AJ_VINT(uid)}, 1,
                            &ent);
            if ((e = aj_db_begin(db)) == AJ_OK &&
                (e = aj_user_set_password(db, ent, uid, password, actor, err, sizeof err)) == AJ_OK)
                e = aj_db_commit(db);
            if (!e) printf("password of %s reset; its sessions ended\n", aj_opt(o, "username"));
        }
    } else if (!strcmp(sub, "import-plant") || !strcmp(sub, "export-plant")) {
        bool is_import = sub[0] == 'i';
        if (enterprise_id(db, aj_opt(o, "enterprise"), &ent)) {
            snprintf(err, sizeof err, "no enterprise with code \"%s\"",
                     aj_opt(o, "enterprise") ? aj_opt(o, "enterprise") : "");
            e = AJ_EINVAL;
        } else if (is_import) {
            size_t len = 0;
            char *text = NULL;
            if (o->n_pos == 1) aj_file_read(o->pos[0], AJ_BODY_MAX_MAX, &text, &len, err, sizeof err);
            if (o->n_pos != 1) snprintf(err, sizeof err, "give exactly one plant file (or - for stdin)");
            json_t *doc = NULL;
            char jmsg[400];
            if (text && aj_json_parse(text, len, &doc, jmsg, sizeof jmsg))
                snprintf(err, sizeof err, "%s: %s", o->pos[0], jmsg);
            free(text);
            aj_plant_report *rep = doc ? aj_plant_report_new() : NULL;
            e = rep ? aj_plant_import(db, ent, actor, doc, rep) : AJ_EINVAL;
            if (rep && e == AJ_EINVAL) {
                for (int i = 0; i < rep->n_listed; i++)
                    fprintf(stderr, "%s: %s\n", rep->errors[i].path, rep->errors[i].message);
                snprintf(err, sizeof err, "%d error(s); nothing was imported", rep->n_errors);
            } else if (rep && e) {
                snprintf(err, sizeof err, "import failed, nothing was imported: %s", aj_db_errmsg(db));
            } else if (rep) {
                json_t *j = aj_plant_report_json(rep);
                char *s = json_dumps(j, JSON_INDENT(2));
                printf("%s\n", s);
                free(s);
                json_decref(j);
            }
            aj_plant_report_free(rep);
            json_decref(doc);
        } else {
            int64_t site = 0;
            json_t *doc = NULL;
            if (aj_db_query_int(
                    db, "SELECT id FROM sites WHERE enterprise_id = ? AND code = ?",
                    (aj_val[]){AJ_VINT(ent), AJ_VTEXT(aj_opt(o, "site") ? aj_opt(o, "site") : "")}, 2,
                    &site)) {
                snprintf(err, sizeof err, "no site \"%s\" in the enterprise",
                         aj_opt(o, "site") ? aj_opt(o, "site") : "");
                e = AJ_EINVAL;
            } else if ((e = aj_plant_export(db, ent, site, &doc)) == AJ_OK) {
                json_dumpf(doc, stdout, JSON_INDENT(2));
                printf("\n");
                json_decref(doc);
            }
        }
    } else {
        admin_usage(stderr);
        rc = AJ_EXIT_USAGE;
    }
    if (e) {
        aj_db_rollback(db);
        fail(sub, err[0] ? err : aj_db_errmsg(db));
        rc = AJ_EXIT_FAIL;
    }
    aj_store_release(st, db);
    aj_store_free(st);
    return rc;
}

int aj_cmd_admin(int argc, char **argv) {
    static const char *const allowed[] = {"db",       "code",         "name",  "name-en",       "enterprise",
                                          "username", "display-name", "roles", "password-file", "org",
                                          "grant",    "site",         NULL};
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        admin_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? AJ_EXIT_USAGE : AJ_EXIT_OK;
    }
    aj_opts o;
    char err[256];
    if (!aj_opts_parse(&o, argc - 1, argv + 1, allowed, err, sizeof err)) {
        fprintf(stderr, "anjian admin %s: %s\n", argv[0], err);
        return AJ_EXIT_USAGE;
    }
    return run(argv[0], &o);
}

int aj_cmd_audit(int argc, char **argv) {
    static const char *const allowed[] = {"db", NULL};
    aj_opts o;
    char err[1024];
    if (argc < 1 || strcmp(argv[0], "verify") != 0 ||
        !aj_opts_parse(&o, argc - 1, argv + 1, allowed, err, sizeof err)) {
        fprintf(stderr, "usage: anjian audit verify [--db URL]\n"
                        "exit 0: chain intact; 3: broken (the first broken record is named); 1: error\n");
        return AJ_EXIT_USAGE;
    }
    aj_store *st;
    if (aj_store_open(aj_opt_db(&o), 1, &st, err, sizeof err)) {
        fprintf(stderr, "anjian audit verify: %s\n", err);
        return AJ_EXIT_FAIL;
    }
    aj_db *db = aj_store_acquire(st);
    aj_audit_report rep;
    aj_err e = aj_audit_verify(db, &rep);
    int rc = AJ_EXIT_OK;
    if (e == AJ_OK) {
        printf("audit chain intact: %lld records verified\n", (long long)rep.n_checked);
    } else if (e == AJ_EAUDIT) {
        printf("audit chain BROKEN at record %lld: %s (%lld records before it verified)\n",
               (long long)rep.first_bad_seq, rep.reason, (long long)rep.n_checked);
        rc = AJ_EXIT_AUDIT;
    } else {
        fprintf(stderr, "anjian audit verify: %s\n", aj_db_errmsg(db));
        rc = AJ_EXIT_FAIL;
    }
    aj_store_release(st, db);
    aj_store_free(st);
    return rc;
}
