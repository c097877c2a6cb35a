/* config.c — the settings table and its three sources (file, environment, flags).
 *
 * Each row: name (config-file key and --flag), environment variable, type, bounds,
 * default, and the doc line. Parsing, validation, --help and docs/configuration.md all
 * come from this table, so they cannot disagree.
 */
#include "config/config.h"

#include "base/limits.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The shipped GB 18218 table (CMakeLists.txt may define it beside the other data files). */

typedef enum { T_STR, T_INT, T_BOOL } setting_type;

typedef struct setting {
    const char *name;
    const char *env;
    setting_type type;
    size_t offset;
    size_t size; /* for strings: buffer size */
    int64_t min, max;
    const char *choices; /* T_STR: "a|b|c" when only these values are allowed, else NULL */
    const char *def;
    bool from_flag; /* false: environment/file only (secrets) */
    const char *doc;
} setting;

#define STR(field)         T_STR, offsetof(aj_config, field), sizeof(((aj_config *)0)->field), 0, 0, NULL
#define ENUM(field, list)  T_STR, offsetof(aj_config, field), sizeof(((aj_config *)0)->field), 0, 0, list
#define INT(field, lo, hi) T_INT, offsetof(aj_config, field), 0, lo, hi, NULL
#define BOOL(field)        T_BOOL, offsetof(aj_config, field), 0, 0, 1, NULL

static const setting settings[] = {
    {"listen", "ANJIAN_LISTEN", STR(listen), "127.0.0.1:8080", true,
     "address and port the HTTP server listens on (host:port; 0.0.0.0 for all interfaces)"},
    {"db", "ANJIAN_DB", STR(db_url), "sqlite:anjian.db", true,
     "database: sqlite:PATH (embedded) or postgres://user@host:port/dbname"},
    {"journal-dir", "ANJIAN_JOURNAL_DIR", STR(journal_dir), "", true,
     "ingest journal directory (default: the SQLite file + .journal, else ./anjian-journal)"},
    {"reorder-window-ms", "ANJIAN_REORDER_WINDOW_MS", INT(reorder_window_ms, 0, 60000), "0", true,
     "hold each tag's points this many ms of event time to apply out-of-order points in time order (0: "
     "apply at once, lowest alarm latency; see docs/historian.md)"},
    {"retention-days", "ANJIAN_RETENTION_DAYS", INT(retention_days, 0, 36500), "0", true,
     "delete archived points older than this many days of event time (0: keep everything)"},
    {"web-root", "ANJIAN_WEB_ROOT", STR(web_root), AJ_DEFAULT_WEB_ROOT, true,
     "directory holding the web console's files"},
    {"rules-dir", "ANJIAN_RULES_DIR", STR(rules_dir), AJ_DEFAULT_RULES_DIR, true,
     "failure-mode rules: a directory of *.rules files or one file (empty: no reasoning; a missing directory "
     "is skipped with a warning, a wrong rule stops the start; docs/reasoning.md)"},
    {"permit-catalogue", "ANJIAN_PERMIT_CATALOGUE", STR(permit_catalogue), AJ_DEFAULT_PERMIT_CATALOGUE, true,
     "the catalogue of special-operation types for work permits (docs/permits.md; a wrong file stops the "
     "start)"},
    {"upload-dir", "ANJIAN_UPLOAD_DIR", STR(upload_dir), "", true,
     "where uploaded photos are kept, outside the web root (default: the SQLite file + .uploads, else "
     "./anjian-uploads)"},
    {"risk-bands", "ANJIAN_RISK_BANDS", STR(risk_bands), AJ_DEFAULT_RISK_BANDS, true,
     "the default LEC and risk-matrix bands of the risk register (docs/risk.md; an enterprise may set its own; a "
     "wrong file stops the start)"},
    {"gb18218", "ANJIAN_GB18218", STR(gb18218), AJ_DEFAULT_GB18218, true,
     "the GB 18218-2018 table of critical quantities and correction factors for major hazard sources "
     "(docs/risk.md; a wrong file stops the start)"},
    {"incident-ack-s", "ANJIAN_INCIDENT_ACK_S", INT(incident_ack_s, 0, 86400), "900", true,
     "escalate an incident not acknowledged this many seconds after it opened: to the unit leader, at twice "
     "that to the safety manager, at three times to the administrators (0: never)"},
    {"max-connections", "ANJIAN_MAX_CONNECTIONS", INT(max_connections, 1, AJ_HTTP_CONNECTIONS_MAX), "256",
     true, "concurrent HTTP connections (one thread each; more are refused)"},
    {"db-pool", "ANJIAN_DB_POOL", INT(db_pool, 1, AJ_DB_POOL_MAX), "8", true,
     "database connections shared by all requests (the real-time engine has one more of its own)"},
    {"body-max", "ANJIAN_BODY_MAX", INT(body_max, AJ_BODY_MAX_MIN, AJ_BODY_MAX_MAX), "16777216", true,
     "largest request body in bytes (larger bodies get 413)"},
    {"session-ttl", "ANJIAN_SESSION_TTL", INT(session_ttl_s, 300, 30 * 86400), "43200", true,
     "seconds a login session or bearer token stays valid"},
    {"shutdown-grace", "ANJIAN_SHUTDOWN_GRACE", INT(shutdown_grace_s, 0, 600), "20", true,
     "seconds to let in-flight requests finish after SIGTERM"},
    {"cookie-secure", "ANJIAN_COOKIE_SECURE", BOOL(cookie_secure), "false", true,
     "mark the session cookie Secure (set when served over HTTPS)"},
    {"admin-user", "ANJIAN_ADMIN_USER", STR(admin_user), "admin", true,
     "user name of the administrator created on first start"},
    {"admin-password-file", "ANJIAN_ADMIN_PASSWORD_FILE", STR(admin_password_file), "", true,
     "file holding the first administrator's password (first start only)"},
    {"admin-password", "ANJIAN_ADMIN_PASSWORD", STR(admin_password), "", false,
     "first administrator's password (environment only; first start only)"},
    {"bootstrap-enterprise", "ANJIAN_BOOTSTRAP_ENTERPRISE", STR(bootstrap_enterprise), "main", true,
     "code of the enterprise created with the first administrator"},
    {"log-level", "ANJIAN_LOG_LEVEL", STR(log_level), "info", true, "debug, info, warn or error"},
    {"mqtt-url", "ANJIAN_MQTT_URL", STR(mqtt_url), "", true,
     "MQTT broker to subscribe to, mqtt://host[:port] (empty: no MQTT subscriber; docs/mqtt.md)"},
    {"mqtt-topics", "ANJIAN_MQTT_TOPICS", STR(mqtt_topics), "anjian/#", true,
     "comma-separated MQTT topic filters to subscribe to"},
    {"mqtt-enterprise", "ANJIAN_MQTT_ENTERPRISE", STR(mqtt_enterprise), "", true,
     "code of the enterprise whose tag keys MQTT points map to (required with mqtt-url)"},
    {"mqtt-format", "ANJIAN_MQTT_FORMAT", ENUM(mqtt_format, "auto|line|json"), "auto", true,
     "MQTT payload format; auto: JSON when it starts with { or [, else line protocol"},
    {"mqtt-client-id", "ANJIAN_MQTT_CLIENT_ID", STR(mqtt_client_id), "", true,
     "MQTT client id, the key of the broker's persistent session (default: anjian-<hostname>)"},
    {"mqtt-user", "ANJIAN_MQTT_USER", STR(mqtt_user), "", true,
     "MQTT user name (empty: connect anonymously)"},
    {"mqtt-password-file", "ANJIAN_MQTT_PASSWORD_FILE", STR(mqtt_password_file), "", true,
     "file holding the MQTT password (trailing newline ignored)"},
    {"mqtt-qos", "ANJIAN_MQTT_QOS", INT(mqtt_qos, 0, 1), "1", true,
     "QoS of the MQTT subscriptions: 1 = at least once (persistent session), 0 = at most once"},
    {"modbus-map", "ANJIAN_MODBUS_MAP", STR(modbus_map), "", true,
     "Modbus TCP register map to poll (empty: no Modbus poller; docs/modbus.md)"},
    {"modbus-enterprise", "ANJIAN_MODBUS_ENTERPRISE", STR(modbus_enterprise), "", true,
     "code of the enterprise whose tag keys the Modbus map's points map to (required with modbus-map)"},
    {"opcua-map", "ANJIAN_OPCUA_MAP", STR(opcua_map), "", true,
     "OPC UA connection map: endpoints, security, identities and which node feeds which tag (empty: no OPC UA "
     "client; docs/opcua.md)"},
    {"opcua-enterprise", "ANJIAN_OPCUA_ENTERPRISE", STR(opcua_enterprise), "", true,
     "code of the enterprise whose tag keys the OPC UA map's items map to (required with opcua-map)"},
    {"opcua-pki-dir", "ANJIAN_OPCUA_PKI_DIR", STR(opcua_pki_dir), "", true,
     "OPC UA certificates: own/ (made on first start), trusted/ (server certificates an operator accepted), "
     "rejected/ (default: opcua-pki beside the SQLite database, else ./opcua-pki)"},
    {"sparkplug-url", "ANJIAN_SPARKPLUG_URL", STR(sparkplug_url), "", true,
     "MQTT broker of the Sparkplug B edge nodes, mqtt://host[:port] (empty: no Sparkplug B host; "
     "docs/sparkplug.md)"},
    {"sparkplug-map", "ANJIAN_SPARKPLUG_MAP", STR(sparkplug_map), "", true,
     "Sparkplug B map: which metric of which group/edge node/device feeds which tag (required with "
     "sparkplug-url)"},
    {"sparkplug-enterprise", "ANJIAN_SPARKPLUG_ENTERPRISE", STR(sparkplug_enterprise), "", true,
     "code of the enterprise whose tag keys the Sparkplug map's metrics map to (required with "
     "sparkplug-url)"},
    {"sparkplug-host-id", "ANJIAN_SPARKPLUG_HOST_ID", STR(sparkplug_host_id), "anjian", true,
     "Sparkplug 3.0 primary host id: anjian publishes spBv1.0/STATE/<id> (retained, online/offline) for "
     "edge nodes that wait for their primary host (empty: publish no STATE)"},
    {"sparkplug-client-id", "ANJIAN_SPARKPLUG_CLIENT_ID", STR(sparkplug_client_id), "", true,
     "MQTT client id of the Sparkplug B host (default: anjian-sparkplug-<hostname>; must differ from "
     "mqtt-client-id on the same broker)"},
    {"sparkplug-user", "ANJIAN_SPARKPLUG_USER", STR(sparkplug_user), "", true,
     "MQTT user name of the Sparkplug B host (empty: connect anonymously)"},
    {"sparkplug-password-file", "ANJIAN_SPARKPLUG_PASSWORD_FILE", STR(sparkplug_password_file), "", true,
     "file holding the Sparkplug B host's MQTT password (trailing newline ignored)"},
    {"config", "ANJIAN_CONFIG", STR(config_file), "", true,
     "config file of `key = value` lines with the names above"},
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

/* True when value is one of the '|'-separated words of choices. */
static bool is_choice(const char *choices, const char *value) {
    size_t n = strlen(value);
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, value, n) == 0) return true;
        if (!bar) break;
        c = bar + 1;
    }
    return false;
}

static aj_err apply(aj_config *cfg, const setting *s, const char *value, const char *where, char *err,
                    size_t errlen) {
    char *field = (char *)cfg + s->offset;
    switch (s->type) {
    case T_STR:
        if (strlen(value) >= s->size) {
            snprintf(err, errlen, "%s: %s is longer than %zu characters", where, s->name, s->size - 1);
            return AJ_EINVAL;
        }
        if (s->choices && !is_choice(s->choices, value)) {
            snprintf(err, errlen, "%s: %s must be one of %s (got \"%s\")", where, s->name, s->choices, value);
            return AJ_EINVAL;
        }
        memcpy(field, value, strlen(value) + 1);
        return AJ_OK;
    case T_INT: {
        errno = 0;
        char *end;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(err, errlen, "%s: %s must be an integer (got \"%s\")", where, s->name, value);
            return AJ_EINVAL;
        }
        if (v < s->min || v > s->max) {
            snprintf(err, errlen, "%s: %s = %lld is outside %lld..%lld", where, s->name, v, (long long)s->min,
                     (long long)s->max);
            return AJ_EINVAL;
        }
        *(int64_t *)field = v;
        return AJ_OK;
    }
    case T_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes") || !strcmp(value, "on")) {
            *(bool *)field = true;
        } else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no") ||
                   !strcmp(value, "off")) {
            *(bool *)field = false;
        } else {
            snprintf(err, errlen, "%s: %s must be true or false (got \"%s\")", where, s->name, value);
            return AJ_EINVAL;
        }
        return AJ_OK;
    }
    return AJ_EINTERNAL;
}

static const setting *find(const char *name, size_t len) {
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strlen(settings[i].name) == len && strncmp(settings[i].name, name, len) == 0) return &settings[i];
    return NULL;
}

void aj_config_defaults(aj_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    char err[64];
    for (size_t i = 0; i < N_SETTINGS; i++) {
        aj_err e = apply(cfg, &settings[i], settings[i].def, "default", err, sizeof err);
        (void)e;
    }
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n')) *--end = 0;
    return s;
}

aj_err aj_config_load_file(aj_config *cfg, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "config file %s: %s", path, strerror(errno));
        return AJ_EIO;
    }
    char line[2048], where[1100];
    int lineno = 0;
    aj_err e = AJ_OK;
    while (!e && fgets(line, sizeof line, f)) {
        lineno++;
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s: expected key = value", where);
            e = AJ_EINVAL;
            break;
        }
        *eq = 0;
        char *key = trim(s), *value = trim(eq + 1);
        const setting *st = find(key, strlen(key));
        if (!st) {
            snprintf(err, errlen, "%s: unknown setting \"%s\"", where, key);
            e = AJ_EINVAL;
        } else {
            e = apply(cfg, st, value, where, err, errlen);
        }
    }
    fclose(f);
    return e;
}

aj_err aj_config_load_env(aj_config *cfg, char *err, size_t errlen) {
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (!v) continue;
        aj_err e = apply(cfg, &settings[i], v, settings[i].env, err, errlen);
        if (e) return e;
    }
    return AJ_OK;
}

aj_err aj_config_load_args(aj_config *cfg, int argc, char **argv, bool *want_help, char *err, size_t errlen) {
    *want_help = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *want_help = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument \"%s\" (settings are --name value)", a);
            return AJ_EINVAL;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const setting *st = find(name, len);
        if (!st || !st->from_flag) {
            snprintf(err, errlen, "unknown option --%.*s (see --help)", (int)len, name);
            return AJ_EINVAL;
        }
        const char *value;
        if (eq) {
            value = eq + 1;
        } else if (st->type == T_BOOL && (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            snprintf(err, errlen, "option --%s needs a value", st->name);
            return AJ_EINVAL;
        }
        char where[80];
        snprintf(where, sizeof where, "--%s", st->name);
        aj_err e = apply(cfg, st, value, where, err, errlen);
        if (e) return e;
    }
    return AJ_OK;
}

static void bounds(const setting *s, char *buf, size_t n) {
    if (s->type == T_INT)
        snprintf(buf, n, "%lld..%lld", (long long)s->min, (long long)s->max);
    else if (s->type == T_BOOL)
        snprintf(buf, n, "true|false");
    else if (s->choices)
        snprintf(buf, n, "%s", s->choices);
    else
        snprintf(buf, n, "text");
}

void aj_config_print_help(FILE *out) {
    fprintf(out, "usage: anjian serve [--setting value ...]\n\n"
                 "Runs the platform: HTTP API, web console and engines.\n"
                 "Settings come from defaults < --config file < environment < flags.\n\n");
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting *s = &settings[i];
        char b[48];
        bounds(s, b, sizeof b);
        if (s->from_flag)
            fprintf(out, "  --%-22s %s\n", s->name, s->doc);
        else
            fprintf(out, "  %-24s %s\n", "(env only)", s->doc);
        fprintf(out, "  %-24s   env %s; %s; default \"%s\"\n", "", s->env, b, s->def);
    }
}

/* Copies in to out with every '|' written as "\\|", so it stays inside a Markdown cell. */
static void escape_bars(const char *in, char *out, size_t outlen) {
    size_t o = 0;
    for (; *in && o + 3 < outlen; in++) {
        if (*in == '|') out[o++] = '\\';
        out[o++] = *in;
    }
    out[o] = 0;
}

void aj_config_print_markdown(FILE *out) {
    fprintf(out, "| setting | environment | values | default | meaning |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting *s = &settings[i];
        char b[48], cell[96];
        bounds(s, b, sizeof b);
        escape_bars(b, cell, sizeof cell);
        fprintf(out, "| %s%s` | `%s` | %s | `%s` | %s |\n", s->from_flag ? "`--" : "(env only) `", s->name,
                s->env, cell, s->def, s->doc);
    }
}
