/* connection_maps_api.c — the connection maps of the caller's enterprise kept in the
 * database (docs/connections.md):
 *
 *   GET    /api/v1/connection-maps             which protocols have a map, from where, running or not
 *   GET    /api/v1/connection-maps/{protocol}  the stored map
 *   PUT    /api/v1/connection-maps/{protocol}  store a map and run it at once
 *   DELETE /api/v1/connection-maps/{protocol}  stop it and remove it
 *
 * {protocol} is modbus-tcp, opcua or sparkplug-b; the body of PUT is the map itself, in the
 * format of the map files (docs/modbus.md, docs/opcua.md, docs/sparkplug.md). A PUT first
 * starts the new adapter: a map that is malformed or names a tag the enterprise does not
 * have is refused with the JSONPath of the problem (400) and nothing changes; only then is
 * it stored (one audit record with the map or its digest) and swapped for the running one.
 * A map set by a file setting of the server cannot be changed here (409).
 */
#include "api/api.h"
#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "http/metrics.h"
#include "ingest/adapters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Maps kept whole in the audit record up to this size; larger ones by digest and size. */
#define AUDIT_MAP_BYTES_MAX 65536
/* A stored map: the map files' limit (AJ_MB_MAP_FILE_MAX, AJ_UAMAP_FILE_MAX, AJ_SP_MAP_FILE_MAX). */
#define STORED_MAP_BYTES_MAX (8u * 1024u * 1024u)

static aj_err protocol_param(aj_req *req, aj_proto *out) {
    const char *p = req->n_path_params > 0 ? req->path_params[0] : "";
    if (!aj_proto_from_name(p, out))
        return aj_req_fail(req, AJ_ENOTFOUND, "no protocol \"%.40s\" (modbus-tcp, opcua or sparkplug-b)", p);
    return AJ_OK;
}

/* The caller's own enterprise code. */
static aj_err enterprise_code(aj_req *req, char *out, size_t len) {
    aj_result *r = NULL;
    aj_err e = aj_db_query(aj_req_db(req), "SELECT code FROM enterprises WHERE id = ?",
                           (aj_val[]){AJ_VINT(req->auth.enterprise_id)}, 1, &r);
    if (!e && aj_result_rows(r) != 1) e = AJ_ENOTFOUND;
    if (!e) snprintf(out, len, "%s", aj_result_text(r, 0, 0));
    aj_result_free(r);
    return e;
}

/* The running adapter of (enterprise, proto): state for the list. */
static json_t *running_json(aj_req *req, const char *code, aj_proto proto) {
    aj_adapters *set = req->app->metrics.adapters;
    json_t *o = json_pack("{s:b, s:b}", "running", 0, "from_file", 0);
    aj_adapters_read_lock(set);
    for (int i = 0; i < aj_adapters_count(set); i++) {
        const aj_adapter *ad = aj_adapters_get(set, i);
        if (ad->proto != proto || strcmp(ad->enterprise, code)) continue;
        json_object_set_new(o, "running", json_boolean(ad->modbus || ad->opcua || ad->sparkplug));
        json_object_set_new(o, "from_file", json_boolean(ad->is_from_file));
        if (ad->error[0]) json_object_set_new(o, "error", json_string(ad->error));
    }
    aj_adapters_unlock(set);
    return o;
}

aj_err aj_api_connection_maps_list(aj_req *req) {
    char code[64];
    aj_err e = enterprise_code(req, code, sizeof code);
    if (e) return e;
    aj_result *r = NULL;
    e = aj_db_query(aj_req_db(req),
                    "SELECT protocol, updated_by, updated_ms, length(map_json) FROM connection_maps "
                    "WHERE enterprise_id = ? ORDER BY protocol",
                    (aj_val[]){AJ_VINT(req->auth.enterprise_id)}, 1, &r);
    if (e) return e;
    json_t *items = json_array();
    for (int p = 0; p < AJ_PROTO_COUNT; p++) {
        int row = -1;
        for (int k = 0; k < aj_result_rows(r); k++)
            if (!strcmp(aj_result_text(r, k, 0), aj_proto_name((aj_proto)p))) row = k;
        json_t *run = running_json(req, code, (aj_proto)p);
        bool is_file = json_is_true(json_object_get(run, "from_file"));
        if (row < 0 && !is_file) {
            json_decref(run);
            continue;
        }
        json_t *it = json_pack("{s:s, s:s, s:s}", "protocol", aj_proto_name((aj_proto)p), "enterprise", code,
                               "source", is_file ? "file" : "stored");
        if (row >= 0) {
            char t[40];
            aj_time_format_ms(aj_result_int(r, row, 2), t, sizeof t);
            json_object_set_new(it, "stored",
                                json_pack("{s:s, s:s, s:I}", "updated_by", aj_result_text(r, row, 1),
                                          "updated_at", t, "bytes", (json_int_t)aj_result_int(r, row, 3)));
        }
        json_object_update(it, run);
        json_decref(run);
        json_array_append_new(items, it);
    }
    aj_result_free(r);
    aj_reply_json(req, 200, json_pack("{s:o}", "items", items));
    return AJ_OK;
}

aj_err aj_api_connection_maps_get(aj_req *req) {
    aj_proto proto;
    aj_err e = protocol_param(req, &proto);
    if (e) return e;
    aj_result *r = NULL;
    e = aj_db_query(
        aj_req_db(req),
        "SELECT map_json, updated_by, updated_ms FROM connection_maps WHERE enterprise_id = ? AND "
        "protocol = ?",
        (aj_val[]){AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(aj_proto_name(proto))}, 2, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "no stored %s map for your enterprise", aj_proto_name(proto));
    }
    json_error_t je;
    json_t *map = json_loads(aj_result_text(r, 0, 0), 0, &je);
    char t[40];
    aj_time_format_ms(aj_result_int(r, 0, 2), t, sizeof t);
    json_t *body = json_pack("{s:s, s:o, s:s, s:s}", "protocol", aj_proto_name(proto), "map",
                             map ? map : json_null(), "updated_by", aj_result_text(r, 0, 1), "updated_at", t);
    aj_result_free(r);
    aj_reply_json(req, 200, body);
    return AJ_OK;
}

/* The stored map of (enterprise, proto) as text (malloc'ed) or NULL. */
static char *stored_map(aj_db *db, int64_t enterprise_id, aj_proto proto) {
    aj_result *r = NULL;
    char *text = NULL;
    if (!aj_db_query(db, "SELECT map_json FROM connection_maps WHERE enterprise_id = ? AND protocol = ?",
                     (aj_val[]){AJ_VINT(enterprise_id), AJ_VTEXT(aj_proto_name(proto))}, 2, &r) &&
        aj_result_rows(r) == 1)
        text = strdup(aj_result_text(r, 0, 0));
    aj_result_free(r);
    return text;
}

/* What the audit record keeps of a map: itself when small, else its digest and size. */
static json_t *audit_map(aj_proto proto, const char *text) {
    if (!text) return NULL;
    json_t *o = json_pack("{s:s, s:I}", "protocol", aj_proto_name(proto), "bytes", (json_int_t)strlen(text));
    json_t *map = strlen(text) <= AUDIT_MAP_BYTES_MAX ? json_loads(text, 0, NULL) : NULL;
    if (map) {
        json_object_set_new(o, "map", map);
    } else {
        char digest[65];
        json_t *whole = json_loads(text, 0, NULL);
        aj_audit_digest(whole, digest);
        json_decref(whole);
        json_object_set_new(o, "map_sha256", json_string(digest));
    }
    return o;
}

/* Stores (text) or removes (NULL) the map with its audit record, in one transaction. */
static aj_err store_map(aj_req *req, aj_proto proto, const char *before, const char *text) {
    aj_db *db = aj_req_db(req);
    char actor[96];
    aj_req_actor(req, actor, sizeof actor);
    int64_t now = aj_time_now_ms();
    aj_err e = aj_db_begin(db);
    if (e) return e;
    const aj_val key[] = {AJ_VINT(req->auth.enterprise_id), AJ_VTEXT(aj_proto_name(proto))};
    e = aj_db_exec(db, "DELETE FROM connection_maps WHERE enterprise_id = ? AND protocol = ?", key, 2, NULL);
    if (!e && text)
        e = aj_db_exec(
            db,
            "INSERT INTO connection_maps (enterprise_id, protocol, map_json, updated_by, updated_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            (aj_val[]){key[0], key[1], AJ_VTEXT(text), AJ_VTEXT(actor), AJ_VINT(now)}, 5, NULL);
    json_t *b = audit_map(proto, before), *a = audit_map(proto, text);
    aj_audit_entry en = {.enterprise_id = req->auth.enterprise_id,
                         .actor = actor,
                         .action = text ? "connection_maps.put" : "connection_maps.delete",
                         .object_type = "connection_map",
                         .object_id = aj_proto_name(proto),
                         .before = b,
                         .after = a};
    if (!e) e = aj_audit_append(db, &en);
    json_decref(b);
    json_decref(a);
    if (!e)
        e = aj_db_commit(db);
    else
        aj_db_rollback(db);
    return e;
}

aj_err aj_api_connection_maps_put(aj_req *req) {
    aj_proto proto;
    aj_err e = protocol_param(req, &proto);
    if (e) return e;
    char code[64], msg[600];
    if ((e = enterprise_code(req, code, sizeof code))) return e;
    char *text = json_dumps(req->json, JSON_COMPACT);
    if (!text) return AJ_ENOMEM;
    if (strlen(text) > STORED_MAP_BYTES_MAX) {
        free(text);
        return aj_req_fail(req, AJ_ETOOBIG, "a map may have at most %u bytes", STORED_MAP_BYTES_MAX);
    }
    char *before = stored_map(aj_req_db(req), req->auth.enterprise_id, proto);
    aj_adapters *set = req->app->metrics.adapters;
    e = aj_adapters_apply(set, req->auth.enterprise_id, code, proto, text, strlen(text), msg, sizeof msg);
    if (e) {
        free(text);
        free(before);
        /* an unknown tag is the request's fault like any other problem of the map */
        return aj_req_fail(req, e == AJ_ENOTFOUND ? AJ_EINVAL : e, "%s", msg);
    }
    e = store_map(req, proto, before, text);
    if (e) { /* not stored: run what was stored before (or nothing) again */
        aj_adapters_apply(set, req->auth.enterprise_id, code, proto, before, before ? strlen(before) : 0, msg,
                          sizeof msg);
    }
    free(text);
    free(before);
    if (e) return e;
    json_t *body = json_pack("{s:s, s:s, s:s}", "protocol", aj_proto_name(proto), "enterprise", code,
                             "source", "stored");
    json_t *run = running_json(req, code, proto);
    json_object_update(body, run);
    json_decref(run);
    aj_reply_json(req, 200, body);
    return AJ_OK;
}

aj_err aj_api_connection_maps_delete(aj_req *req) {
    aj_proto proto;
    aj_err e = protocol_param(req, &proto);
    if (e) return e;
    char code[64], msg[600];
    if ((e = enterprise_code(req, code, sizeof code))) return e;
    char *before = stored_map(aj_req_db(req), req->auth.enterprise_id, proto);
    if (!before)
        return aj_req_fail(req, AJ_ENOTFOUND, "no stored %s map for your enterprise", aj_proto_name(proto));
    aj_adapters *set = req->app->metrics.adapters;
    if (aj_adapters_is_file(set, code, proto)) {
        free(before);
        return aj_req_fail(req, AJ_ECONFLICT,
                           "the %s map of your enterprise is set by a file setting of the server",
                           aj_proto_name(proto));
    }
    e = store_map(req, proto, before, NULL);
    if (!e) aj_adapters_apply(set, req->auth.enterprise_id, code, proto, NULL, 0, msg, sizeof msg);
    free(before);
    if (e) return e;
    aj_reply_json(req, 200, json_pack("{s:s, s:b}", "protocol", aj_proto_name(proto), "deleted", 1));
    return AJ_OK;
}
