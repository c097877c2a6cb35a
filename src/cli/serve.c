/* serve.c — `anjian serve`: load settings, open the store, create the first
 * administrator on first start, run the HTTP server until SIGTERM/SIGINT, then finish
 * in-flight requests, close the store (SQLite checkpoints its WAL) and exit 0.
 *
 * Signals are blocked before any thread starts, so every thread inherits the mask and
 * only the main thread receives them, in sigwait().
 */
#include "app.h"
#include "auth/session.h"
#include "auth/users.h"
#include "base/fileread.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "http/server.h"
#include "ingest/adapters.h"
#include "ingest/mqtt.h"
#include "permit/catalogue.h"
#include "risk/assess.h"
#include "risk/major_hazard.h"

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static aj_err load_config(aj_config *cfg, int argc, char **argv, bool *want_help, char *err, size_t errlen) {
    aj_config_defaults(cfg);
    /* The config file named by env or flag is applied first, then env, then flags. */
    aj_config probe;
    aj_config_defaults(&probe);
    aj_err e = aj_config_load_env(&probe, err, errlen);
    if (!e) e = aj_config_load_args(&probe, argc, argv, want_help, err, errlen);
    if (e || *want_help) return e;
    if (probe.config_file[0] && (e = aj_config_load_file(cfg, probe.config_file, err, errlen))) return e;
    if ((e = aj_config_load_env(cfg, err, errlen))) return e;
    return aj_config_load_args(cfg, argc, argv, want_help, err, errlen);
}

/* First start: no user at all -> create the bootstrap enterprise and the administrator
 * from the password file or ANJIAN_ADMIN_PASSWORD. There is no default password. */
static aj_err bootstrap(aj_app *app, char *err, size_t errlen) {
    aj_db *db = aj_store_acquire(app->store);
    int64_t n_users = 0;
    aj_err e = aj_db_query_int(db, "SELECT COUNT(*) FROM users", NULL, 0, &n_users);
    if (e || n_users > 0) {
        if (e) snprintf(err, errlen, "%s", aj_db_errmsg(db));
        aj_store_release(app->store, db);
        return e;
    }
    char password[300];
    if (!aj_read_secret(app->cfg.admin_password_file, NULL, password, sizeof password, err, errlen)) {
        aj_store_release(app->store, db);
        return AJ_EINVAL;
    }
    if (!password[0]) snprintf(password, sizeof password, "%s", app->cfg.admin_password);
    if (!password[0]) {
        snprintf(err, errlen,
                 "first start: no users exist yet. Give the first administrator's password with "
                 "--admin-password-file FILE or the ANJIAN_ADMIN_PASSWORD environment variable "
                 "(there is no default password)");
        aj_store_release(app->store, db);
        return AJ_EINVAL;
    }
    int64_t ent_id, user_id;
    const char *roles[] = {"admin", NULL};
    aj_user_spec spec = {.username = app->cfg.admin_user,
                         .display_name = "Administrator 管理员",
                         .password = password,
                         .roles = roles};
    if ((e = aj_db_begin(db))) goto out;
    e = aj_db_query_int(db, "SELECT id FROM enterprises WHERE code = ?",
                        (aj_val[]){AJ_VTEXT(app->cfg.bootstrap_enterprise)}, 1, &ent_id);
    if (e == AJ_ENOTFOUND)
        e = aj_enterprise_create(db, app->cfg.bootstrap_enterprise, app->cfg.bootstrap_enterprise, NULL,
                                 "system:bootstrap", &ent_id, err, errlen);
    if (e) goto out;
    spec.enterprise_id = ent_id;
    if ((e = aj_user_create(db, &spec, "system:bootstrap", &user_id, err, errlen))) goto out;
    e = aj_db_commit(db);
    if (!e)
        aj_info("first start: created administrator \"%s\" in enterprise \"%s\"", app->cfg.admin_user,
                app->cfg.bootstrap_enterprise);
out:
    if (e) {
        if (!err[0]) snprintf(err, errlen, "%s", aj_db_errmsg(db));
        aj_db_rollback(db);
    }
    sodium_memzero(password, sizeof password);
    aj_store_release(app->store, db);
    return e;
}

int aj_cmd_serve(int argc, char **argv) {
    static aj_app app; /* large (metrics); lives for the whole process */
    char err[1200] = "";
    bool want_help = false;
    if (load_config(&app.cfg, argc, argv, &want_help, err, sizeof err)) {
        fprintf(stderr, "anjian serve: %s\n", err);
        return AJ_EXIT_USAGE;
    }
    if (want_help) {
        aj_config_print_help(stdout);
        return AJ_EXIT_OK;
    }
    int level = aj_log_level_parse(app.cfg.log_level);
    if (level < 0) {
        fprintf(stderr, "anjian serve: log-level must be debug, info, warn or error\n");
        return AJ_EXIT_USAGE;
    }
    aj_log_set_level((aj_log_level)level);

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    app.started_ms = aj_time_now_ms();
    int pool = (int)app.cfg.db_pool;
    /* One connection more than the pool: the real-time engine keeps one for itself. */
    if (aj_store_open(app.cfg.db_url, pool + 1, &app.store, err, sizeof err)) {
        aj_error("cannot open the database %s: %s", app.cfg.db_url, err);
        return AJ_EXIT_FAIL;
    }
    err[0] = 0;
    if (bootstrap(&app, err, sizeof err)) {
        aj_error("%s", err);
        aj_store_free(app.store);
        return AJ_EXIT_FAIL;
    }
    err[0] = 0;
    if (app.cfg.permit_catalogue[0] &&
        aj_permit_catalogue_load(app.cfg.permit_catalogue, &app.permits, err, sizeof err)) {
        aj_error("cannot load the permit catalogue %s: %s", app.cfg.permit_catalogue, err);
        aj_store_free(app.store);
        return AJ_EXIT_FAIL;
    }
    if (!app.cfg.upload_dir[0])
        snprintf(app.cfg.upload_dir, sizeof app.cfg.upload_dir, "%s%s",
                 strncmp(app.cfg.db_url, "sqlite:", 7) == 0 ? app.cfg.db_url + 7 : "anjian",
                 strncmp(app.cfg.db_url, "sqlite:", 7) == 0 ? ".uploads" : "-uploads");
    static aj_risk_bands bands; /* a plain value (assess.h) */
    if (app.cfg.risk_bands[0]) {
        size_t len = 0;
        if (aj_risk_bands_load(app.cfg.risk_bands, &bands, err, sizeof err) ||
            aj_file_read(app.cfg.risk_bands, AJ_RISK_BANDS_FILE_MAX, &app.risk_bands_text, &len, err,
                         sizeof err)) {
            aj_error("cannot load the risk bands %s: %s", app.cfg.risk_bands, err);
            aj_permit_catalogue_free(app.permits);
            aj_store_free(app.store);
            return AJ_EXIT_FAIL;
        }
        app.risk_bands = &bands;
    }
    if (app.cfg.gb18218[0] && aj_mh_table_load(app.cfg.gb18218, &app.mh_table, err, sizeof err)) {
        aj_error("cannot load the major hazard table %s: %s", app.cfg.gb18218, err);
        free(app.risk_bands_text);
        aj_permit_catalogue_free(app.permits);
        aj_store_free(app.store);
        return AJ_EXIT_FAIL;
    }
    char journal[1100];
    if (app.cfg.journal_dir[0])
        snprintf(journal, sizeof journal, "%s", app.cfg.journal_dir);
    else if (strncmp(app.cfg.db_url, "sqlite:", 7) == 0)
        snprintf(journal, sizeof journal, "%s.journal", app.cfg.db_url + 7);
    else
        snprintf(journal, sizeof journal, "anjian-journal");
    err[0] = 0;
    aj_engine_options eopts = {.reorder_ns = app.cfg.reorder_window_ms * 1000000LL,
                               .retention_ns = app.cfg.retention_days * 86400LL * 1000000000LL,
                               .rules_path = app.cfg.rules_dir,
                               .incident_ack_ms = app.cfg.incident_ack_s * 1000LL,
                               .mh_table = app.mh_table};
    if (aj_engine_start(app.store, journal, &eopts, &app.engine, err, sizeof err)) {
        aj_error("cannot start the real-time engine (journal %s): %s", journal, err);
        aj_store_free(app.store);
        return AJ_EXIT_FAIL;
    }
    aj_mqtt *mqtt = NULL; /* MQTT subscriber (docs/mqtt.md), only with --mqtt-url */
    aj_err mqtt_err =
        app.cfg.mqtt_url[0] ? aj_mqtt_start(&app.cfg, app.store, app.engine, &mqtt, err, sizeof err) : AJ_OK;
    if (mqtt_err) {
        aj_error("%s", err[0] ? err : aj_err_message(mqtt_err));
        aj_engine_stop(app.engine);
        aj_store_free(app.store);
        return mqtt_err == AJ_EINVAL || mqtt_err == AJ_ENOTFOUND ? AJ_EXIT_USAGE : AJ_EXIT_FAIL;
    }
    app.metrics.mqtt = mqtt;
    if (!app.cfg.opcua_pki_dir[0])
        snprintf(app.cfg.opcua_pki_dir, sizeof app.cfg.opcua_pki_dir, "%s%s",
                 strncmp(app.cfg.db_url, "sqlite:", 7) == 0 ? app.cfg.db_url + 7 : "anjian",
                 strncmp(app.cfg.db_url, "sqlite:", 7) == 0 ? ".opcua-pki" : "-opcua-pki");
    /* Modbus TCP pollers, OPC UA clients, Sparkplug B hosts (docs/connections.md): from the
     * --*-map settings, then one per map stored in the database */
    aj_adapters *adapters = NULL;
    aj_err adapters_err = aj_adapters_start(&app.cfg, app.store, app.engine, &adapters, err, sizeof err);
    if (adapters_err) {
        aj_error("%s", err[0] ? err : aj_err_message(adapters_err));
        aj_mqtt_stop(mqtt);
        aj_engine_stop(app.engine);
        aj_store_free(app.store);
        return adapters_err == AJ_EINVAL || adapters_err == AJ_ENOTFOUND || adapters_err == AJ_ETOOBIG
                   ? AJ_EXIT_USAGE
                   : AJ_EXIT_FAIL;
    }
    app.metrics.adapters = adapters;
    app.throttle = aj_throttle_new();
    aj_server *srv;
    if (!app.throttle || aj_server_start(&app, &srv, err, sizeof err)) {
        aj_error("%s", err[0] ? err : "out of memory");
        aj_adapters_stop(adapters);
        aj_mqtt_stop(mqtt);
        aj_engine_stop(app.engine);
        aj_store_free(app.store);
        return AJ_EXIT_FAIL;
    }
    aj_info("anjian %s serving on http://%s (port %d), database %s with %d connections", AJ_VERSION,
            app.cfg.listen, aj_server_port(srv),
            aj_store_kind(app.store) == AJ_DB_SQLITE ? "sqlite" : "postgres", pool);
    int sig = 0;
    sigwait(&sigs, &sig);
    aj_info("received %s: finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    aj_server_stop(srv, app.cfg.shutdown_grace_s);
    aj_adapters_stop(adapters); /* before the engine: the last poll's and notification's points still go in */
    aj_mqtt_stop(mqtt);         /* before the engine: the message being handled still gets made durable */
    aj_engine_stop(app.engine); /* applies what is queued, archives every tag, checkpoints */
    aj_store_free(app.store);
    aj_throttle_free(app.throttle);
    aj_permit_catalogue_free(app.permits);
    free(app.risk_bands_text);
    aj_mh_table_free(app.mh_table);
    aj_info("stopped cleanly");
    return AJ_EXIT_OK;
}
