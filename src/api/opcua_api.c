/* opcua_api.c — POST /api/v1/opcua/browse: look into a configured OPC UA server to pick the
 * variables to map (docs/opcua.md "Browsing"; the console's browse dialog).
 *
 * Body: {"endpoint": "<code in the OPC UA map>", "node_id": "i=85"} (node_id optional,
 * default the Objects folder). The route opens a short session of its own with the
 * endpoint's security and identity (the running subscription is not disturbed), browses the
 * node's forward hierarchical references, reads the current value of the variables among
 * them, and closes. Only endpoints of the caller's enterprise can be browsed, and only
 * those in the map: the route never connects anywhere an administrator did not configure.
 */
#include "api/api.h"
#include "http/metrics.h"
#include "ingest/adapters.h"
#include "ingest/opcua_ingest.h"
#include "opcua/pki.h"
#include "opcua/uajson.h"

#include "base/jsoncheck.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Variables whose values one answer reads (one Read request). */
#define BROWSE_READ_MAX 500

/* True when the enterprise with this code is one the caller may read. */
bool aj_api_enterprise_code_readable(aj_req *req, const char *code) {
    if (!code || !code[0]) return false;
    int64_t id = 0;
    if (aj_db_query_int(aj_req_db(req), "SELECT id FROM enterprises WHERE code = ?",
                        (aj_val[]){AJ_VTEXT(code)}, 1, &id))
        return false;
    for (int i = 0; i < req->auth.n_enterprises; i++)
        if (req->auth.enterprises[i] == id) return true;
    return false;
}

static json_t *reference_json(const aj_ua_reference *ref) {
    char id[1100];
    aj_ua_node_id_format(&ref->node.node_id, id, sizeof id);
    const aj_ua_string *bn = &ref->browse_name.name, *dn = &ref->display_name.text;
    json_t *o =
        json_pack("{s:s, s:s#, s:s#, s:s}", "node_id", id, "browse_name", bn->len > 0 ? bn->data : "",
                  (size_t)(bn->len > 0 ? bn->len : 0), "display_name", dn->len > 0 ? dn->data : "",
                  (size_t)(dn->len > 0 ? dn->len : 0), "node_class", aj_ua_node_class_name(ref->node_class));
    if (ref->node.server_index || ref->node.namespace_uri.len > 0)
        json_object_set_new(o, "is_remote", json_true());
    return o;
}

aj_err aj_api_opcua_browse(aj_req *req) {
    static const aj_jc_key keys[] = {{"endpoint", AJ_JC_STRING, true}, {"node_id", AJ_JC_STRING, false}};
    char msg[400];
    aj_jc c = {.err = msg, .errlen = sizeof msg};
    if (aj_jc_object(&c, req->json, "$", keys, 2)) return aj_req_fail(req, c.first, "%s", msg);
    const char *code = json_string_value(json_object_get(req->json, "endpoint"));
    const char *node_text = json_object_get(req->json, "node_id")
                                ? json_string_value(json_object_get(req->json, "node_id"))
                                : "i=85";
    /* the endpoint in an OPC UA map of an enterprise the caller may read; the options are
     * copied (strings included) so the set can change while the browse runs */
    aj_ua_client_opts opts;
    char url[AJ_UA_URL_MAX], username[256], password[256], pki_dir[1024];
    bool is_found = false;
    aj_adapters *set = req->app->metrics.adapters;
    aj_adapters_read_lock(set);
    for (int i = 0; !is_found && i < aj_adapters_count(set); i++) {
        const aj_adapter *ad = aj_adapters_get(set, i);
        if (!ad->opcua || !aj_api_enterprise_code_readable(req, ad->enterprise) ||
            aj_ua_ingest_client_opts(ad->opcua, code, &opts))
            continue;
        is_found = true;
        snprintf(url, sizeof url, "%s", opts.endpoint_url);
        snprintf(username, sizeof username, "%s", opts.username ? opts.username : "");
        snprintf(password, sizeof password, "%s", opts.password ? opts.password : "");
        snprintf(pki_dir, sizeof pki_dir, "%s", ad->cfg->opcua_pki_dir);
    }
    aj_adapters_unlock(set);
    if (!is_found)
        return aj_req_fail(req, AJ_ENOTFOUND, "no OPC UA endpoint \"%.64s\" in the maps of your enterprise",
                           code);
    opts.endpoint_url = url;
    opts.username = opts.username ? username : NULL;
    opts.password = opts.password ? password : NULL;
    /* a PKI of its own: the adapter's may be stopped while this browse runs */
    char host[256] = "localhost", uri[300];
    gethostname(host, sizeof host - 1);
    snprintf(uri, sizeof uri, "urn:anjian:%s", host);
    aj_ua_pki *pki = NULL;
    if (aj_ua_pki_open(pki_dir, uri, host, &pki, msg, sizeof msg)) {
        sodium_memzero(password, sizeof password);
        return aj_req_fail(req, AJ_EUNAVAILABLE, "OPC UA certificates (%s): %s", pki_dir, msg);
    }
    opts.pki = pki;
    aj_arena *arena = aj_arena_new();
    if (!arena) {
        aj_ua_pki_free(pki);
        sodium_memzero(password, sizeof password);
        return AJ_ENOMEM;
    }
    aj_ua_node_id node;
    if (aj_ua_node_id_parse(node_text, arena, &node, msg, sizeof msg)) {
        aj_ua_pki_free(pki);
        sodium_memzero(password, sizeof password);
        aj_arena_free(arena);
        return aj_req_fail(req, AJ_EINVAL, "$.node_id: %s", msg);
    }
    aj_ua_client *client = NULL;
    aj_err e = aj_ua_client_connect(&opts, &client, msg, sizeof msg);
    aj_ua_reference *refs = NULL;
    uint32_t n = 0;
    if (!e) e = aj_ua_client_browse(client, &node, AJ_UA_BROWSE_REFS_MAX, arena, &refs, &n, msg, sizeof msg);
    json_t *items = json_array();
    for (uint32_t k = 0; !e && k < n; k++) json_array_append_new(items, reference_json(&refs[k]));
    /* the current value of the variables among them (local ones only) */
    aj_ua_node_id *vars = n ? aj_arena_alloc(arena, n * sizeof *vars) : NULL;
    uint32_t *at = n ? aj_arena_alloc(arena, n * sizeof *at) : NULL;
    uint32_t n_vars = 0;
    for (uint32_t k = 0; !e && vars && at && k < n && n_vars < BROWSE_READ_MAX; k++)
        if (refs[k].node_class == 2 && !refs[k].node.server_index && refs[k].node.namespace_uri.len <= 0) {
            vars[n_vars] = refs[k].node.node_id;
            at[n_vars++] = k;
        }
    char read_err[400] = "";
    if (!e && n_vars) {
        aj_ua_read_resp rr;
        if (!aj_ua_client_read(client, vars, NULL, n_vars, arena, &rr, read_err, sizeof read_err))
            for (uint32_t k = 0; k < n_vars; k++)
                json_object_set_new(json_array_get(items, at[k]), "value",
                                    aj_ua_data_value_json(&rr.values[k]));
    }
    aj_ua_client_close(client);
    aj_ua_pki_free(pki);
    sodium_memzero(password, sizeof password);
    aj_arena_free(arena);
    if (e) {
        json_decref(items);
        /* the server is the problem, not the request: 503 with what it said */
        return aj_req_fail(req, e == AJ_ENOTFOUND && strstr(msg, "Browse") ? AJ_ENOTFOUND : AJ_EUNAVAILABLE,
                           "OPC UA endpoint \"%s\": %s", code, msg);
    }
    json_t *body = json_pack("{s:s, s:s, s:o}", "endpoint", code, "node_id", node_text, "references", items);
    if (read_err[0]) json_object_set_new(body, "read_error", json_string(read_err));
    aj_reply_json(req, 200, body);
    return AJ_OK;
}
