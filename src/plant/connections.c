/* connections.c — the plant file's "connections" section (docs/plant-file.md
 * "Connections"): the connection maps of the enterprise, one per protocol, in the format
 * of the map files:
 *
 *   "connections": {"opcua": {<OPC UA map>}, "modbus-tcp": {<register map>},
 *                   "sparkplug-b": {<Sparkplug B map>}}
 *
 * Checked with the same parsers as the files (errors keep the parser's JSONPath under
 * $.connections.<protocol>), and every tag a map feeds must be a tag of the file or one
 * the enterprise has already. Pure, like the rest of the validation: tag existence comes
 * through a callback.
 */
#include "plant/connections.h"

#include "modbus/regmap.h"
#include "opcua/uamap.h"
#include "sparkplug/map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const PROTOCOLS[] = {"modbus-tcp", "opcua", "sparkplug-b"};
#define N_PROTOCOLS 3

/* "PATH: message" from a parser as an error under base (the parser's "$" becomes base). */
static void add_parser_error(aj_plant_report *rep, const char *base, const char *msg) {
    char path[160];
    const char *sep = strstr(msg, ": ");
    if (msg[0] == '$' && sep) {
        snprintf(path, sizeof path, "%s%.*s", base, (int)(sep - msg - 1), msg + 1);
        aj_plant_report_add_error(rep, path, sep + 2);
    } else {
        aj_plant_report_add_error(rep, base, msg);
    }
}

static void check_tag(aj_plant_report *rep, const char *base, const char *where, const char *tag,
                      aj_plant_tag_known_fn known, void *ctx) {
    if (known(ctx, tag)) return;
    char path[160], msg[200];
    snprintf(path, sizeof path, "%s%s", base, where);
    snprintf(msg, sizeof msg, "no tag \"%.64s\" in this file or the enterprise", tag);
    aj_plant_report_add_error(rep, path, msg);
}

static aj_err check_map(const char *proto, const char *text, size_t len, const char *base,
                        aj_plant_tag_known_fn known, void *ctx, aj_plant_report *rep) {
    char msg[600], where[160];
    if (!strcmp(proto, "opcua")) {
        aj_arena *a = aj_arena_new();
        if (!a) return AJ_ENOMEM;
        aj_uamap m;
        aj_err e = aj_uamap_parse(text, len, a, &m, msg, sizeof msg);
        if (e == AJ_ENOMEM) {
            aj_arena_free(a);
            return e;
        }
        if (e) add_parser_error(rep, base, msg);
        for (int i = 0; !e && i < m.n_endpoints; i++)
            for (int k = 0; k < m.endpoints[i].n_items; k++) {
                snprintf(where, sizeof where, ".endpoints[%d].items[%d].tag", i, k);
                check_tag(rep, base, where, m.endpoints[i].items[k].tag, known, ctx);
            }
        aj_arena_free(a);
        return AJ_OK;
    }
    if (!strcmp(proto, "modbus-tcp")) {
        aj_mb_map *m = NULL;
        aj_err e = aj_mb_map_parse(text, len, &m, msg, sizeof msg);
        if (e == AJ_ENOMEM) return e;
        if (e) add_parser_error(rep, base, msg);
        for (int i = 0; !e && i < m->n_points; i++) {
            snprintf(where, sizeof where, ".points[%d].tag", i);
            check_tag(rep, base, where, m->points[i].tag, known, ctx);
        }
        aj_mb_map_free(m);
        return AJ_OK;
    }
    aj_sp_map *m = NULL;
    aj_err e = aj_sp_map_parse(text, len, &m, msg, sizeof msg);
    if (e == AJ_ENOMEM) return e;
    if (e) add_parser_error(rep, base, msg);
    for (int i = 0; !e && i < m->n_metrics; i++) {
        char path[AJ_JC_PATH_LEN];
        const aj_sp_map_metric *mm = &m->metrics[i];
        aj_sp_map_path(m, mm->node, mm->device, path);
        snprintf(where, sizeof where, "%s.metrics", path + 1);
        check_tag(rep, base, where, mm->tag, known, ctx);
    }
    aj_sp_map_free(m);
    return AJ_OK;
}

aj_err aj_plant_check_connections(const json_t *conn, aj_plant_tag_known_fn known, void *ctx,
                                  aj_plant_report *rep) {
    if (!conn) return AJ_OK;
    if (!json_is_object(conn)) {
        aj_plant_report_add_error(rep, "$.connections", "must be an object of protocol: map");
        return AJ_OK;
    }
    const char *key;
    const json_t *map;
    json_object_foreach((json_t *)conn, key, map) {
        char base[160];
        snprintf(base, sizeof base, "$.connections.%.40s", key);
        bool is_known = false;
        for (int p = 0; p < N_PROTOCOLS; p++) is_known |= !strcmp(key, PROTOCOLS[p]);
        if (!is_known) {
            aj_plant_report_add_error(rep, base, "unknown protocol (modbus-tcp, opcua or sparkplug-b)");
            continue;
        }
        if (!json_is_object(map)) {
            aj_plant_report_add_error(rep, base, "must be a map object (the format of the map files)");
            continue;
        }
        char *text = json_dumps(map, JSON_COMPACT);
        if (!text) return AJ_ENOMEM;
        aj_err e = check_map(key, text, strlen(text), base, known, ctx, rep);
        free(text);
        if (e) return e;
    }
    return AJ_OK;
}
