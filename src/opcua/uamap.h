/* uamap.h — the OPC UA connection map: which endpoints anjian connects to, how (security,
 * identity) and which nodes feed which tags (docs/opcua.md "The map").
 *
 * Strict data, like the Modbus register map: unknown keys, wrong kinds, bad node ids,
 * duplicate codes or tags and out-of-range numbers are refused with the JSONPath of the
 * first problem. Passwords are not in the map: an endpoint names an environment variable
 * or a file that holds it.
 */
#ifndef AJ_OPCUA_UAMAP_H
#define AJ_OPCUA_UAMAP_H

#include "base/arena.h"
#include "base/err.h"
#include "opcua/binary.h"
#include "opcua/messages.h"
#include "opcua/security.h"

#include <stddef.h>
#include <stdint.h>

#define AJ_UAMAP_FORMAT  "anjian-opcua-map"
#define AJ_UAMAP_VERSION 1

typedef struct aj_uamap_item {
    const char *tag;       /* tag key in the enterprise */
    const char *node_text; /* as written ("ns=2;s=PT101.PV") */
    aj_ua_node_id node;
    const char *index_range; /* NULL: the whole value (must then be a scalar) */
    double sampling_ms;      /* -1: the publishing interval */
    uint32_t queue_size;
    aj_ua_deadband deadband;
    double deadband_value;
} aj_uamap_item;

typedef struct aj_uamap_endpoint {
    const char *code;
    const char *url;
    aj_ua_policy policy;
    aj_ua_mode mode;
    const char *username;     /* NULL: Anonymous */
    const char *password_env; /* one of these two with a username */
    const char *password_file;
    double publishing_ms;
    uint32_t timeout_ms;
    uint32_t session_timeout_ms;
    uint32_t keepalive_count;
    uint32_t channel_lifetime_ms; /* requested security-token lifetime; renewed at 75 % */
    aj_uamap_item *items;
    int n_items;
} aj_uamap_endpoint;

typedef struct aj_uamap {
    aj_uamap_endpoint *endpoints;
    int n_endpoints;
    int n_items; /* over all endpoints */
} aj_uamap;

/* Parses a map from JSON text; everything lives in arena. err gets "PATH: message". */
aj_err aj_uamap_parse(const char *json, size_t len, aj_arena *arena, aj_uamap *out, char *err, size_t errlen);
/* Reads and parses a map file (at most AJ_UAMAP_FILE_MAX bytes); errors name the file. */
aj_err aj_uamap_load(const char *path, aj_arena *arena, aj_uamap *out, char *err, size_t errlen);

#endif
