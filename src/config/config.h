/* config.h — settings of `anjian serve`: one table gives defaults, bounds, the
 * environment variable, the config-file key, the command-line flag and the --help text.
 * Precedence: default < config file < environment < command line. */
#ifndef AJ_CONFIG_H
#define AJ_CONFIG_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct aj_config {
    char listen[128];            /* host:port */
    char db_url[1024];           /* sqlite:PATH or postgres://... */
    char journal_dir[1024];      /* ingest journal; "" = derived from db_url */
    int64_t reorder_window_ms;   /* engine reorder window, 0 = off */
    int64_t retention_days;      /* archive retention, 0 = forever */
    char web_root[1024];         /* directory of the console */
    char rules_dir[1024];        /* failure-mode rules; "" = no reasoning */
    char permit_catalogue[1024]; /* special-operation types (docs/permits.md) */
    char upload_dir[1024];       /* photos of hidden dangers; "" = derived from db_url */
    char risk_bands[1024];       /* default risk bands (docs/risk.md) */
    char gb18218[1024];          /* major hazard table, GB 18218 Tables 1-4 (docs/risk.md) */
    int64_t incident_ack_s;      /* escalate incidents not acknowledged this long; 0 = never */
    int64_t max_connections;     /* HTTP connections, one thread each */
    int64_t db_pool;             /* database connections */
    int64_t body_max;            /* bytes */
    int64_t session_ttl_s;
    int64_t shutdown_grace_s;
    bool cookie_secure;
    char admin_user[64];
    char admin_password_file[1024];
    char admin_password[256];      /* only from the environment, never a flag */
    char bootstrap_enterprise[64]; /* enterprise code created on first start */
    char log_level[16];
    char config_file[1024];
    /* MQTT subscriber (docs/mqtt.md); off while mqtt_url is "". */
    char mqtt_url[512];       /* mqtt://host[:port] */
    char mqtt_topics[1024];   /* comma-separated topic filters */
    char mqtt_enterprise[64]; /* enterprise code the points' keys resolve in */
    char mqtt_format[8];      /* auto, line or json */
    char mqtt_client_id[128]; /* "" = anjian-<hostname> */
    char mqtt_user[128];      /* "" = no user name */
    char mqtt_password_file[1024];
    int64_t mqtt_qos; /* 0 or 1 */
    /* Modbus TCP poller (docs/modbus.md); off while modbus_map is "". */
    char modbus_map[1024];      /* register map file */
    char modbus_enterprise[64]; /* enterprise code the map's tag keys resolve in */
    /* OPC UA client (docs/opcua.md); off while opcua_map is "". */
    char opcua_map[1024];      /* connection map file */
    char opcua_enterprise[64]; /* enterprise code the map's tag keys resolve in */
    char opcua_pki_dir[1024];  /* our certificate, trusted/ and rejected/; "" = derived from db_url */
    /* Sparkplug B host application (docs/sparkplug.md); off while sparkplug_url is "". */
    char sparkplug_url[512];           /* mqtt://host[:port] */
    char sparkplug_map[1024];          /* metric-to-tag map file */
    char sparkplug_enterprise[64];     /* enterprise code the map's tag keys resolve in */
    char sparkplug_host_id[129];       /* Sparkplug 3.0 primary host id; "" = no STATE */
    char sparkplug_client_id[128];     /* "" = anjian-sparkplug-<hostname> */
    char sparkplug_user[128];          /* "" = no user name */
    char sparkplug_password_file[1024];
} aj_config;

/* Fills every setting with its default. */
void aj_config_defaults(aj_config *cfg);
/* Applies a config file of `key = value` lines (# comments). Errors name file:line. */
aj_err aj_config_load_file(aj_config *cfg, const char *path, char *err, size_t errlen);
/* Applies ANJIAN_* environment variables. */
aj_err aj_config_load_env(aj_config *cfg, char *err, size_t errlen);
/* Applies --flag value / --flag=value arguments; argv[0] is the first argument.
 * Sets *want_help for --help. */
aj_err aj_config_load_args(aj_config *cfg, int argc, char **argv, bool *want_help, char *err, size_t errlen);
/* Writes the generated help text (one line per setting). */
void aj_config_print_help(FILE *out);
/* Writes docs in Markdown (table of settings). */
void aj_config_print_markdown(FILE *out);

#endif
