/* opcua_cli.c — `anjian opcua endpoints|browse|read URL ...`: talk to an OPC UA server from
 * the command line with anjian's own client, to check a connection and find node ids
 * before mapping them (docs/opcua.md "Command line"). Output is JSON on stdout; errors go
 * to stderr. Exit codes (cli/cli.h): 0 success, 1 the server could not be reached or
 * refused, 2 usage.
 */
#include "cli/cli.h"
#include "opcua/session.h"
#include "opcua/uajson.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void opcua_usage(FILE *f) {
    fprintf(f,
            "usage: anjian opcua browse URL [NODE]      references of NODE (default i=85, Objects)\n"
            "       anjian opcua read URL NODE...       the Value attribute of each NODE\n\n"
            "options:\n"
            "  --security-policy None|Basic256Sha256   (default None)\n"
            "  --security-mode None|Sign|SignAndEncrypt (default None; SignAndEncrypt with Basic256Sha256)\n"
            "  --username NAME --password-file FILE    UserName identity (default Anonymous)\n"
            "  --pki-dir DIR     our certificate and the trusted server certificates (default ./pki)\n"
            "  --timeout-ms N    connect and request timeout (default 10000)\n\n"
            "NODE: ns=2;s=Tank.Level, i=2258, ns=1;g=<guid>, ns=1;b=<base64>\n");
}

static int print_json(json_t *j) {
    char *s = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (!s) return AJ_EXIT_FAIL;
    printf("%s\n", s);
    free(s);
    return AJ_EXIT_OK;
}

static int do_browse(aj_ua_client *c, const char *node_text, aj_arena *arena) {
    char err[400];
    aj_ua_node_id node;
    if (aj_ua_node_id_parse(node_text, arena, &node, err, sizeof err)) {
        fprintf(stderr, "anjian opcua: %s\n", err);
        return AJ_EXIT_USAGE;
    }
    aj_ua_reference *refs;
    uint32_t n;
    if (aj_ua_client_browse(c, &node, 5000, arena, &refs, &n, err, sizeof err)) {
        fprintf(stderr, "anjian opcua: browse %s: %s\n", node_text, err);
        return AJ_EXIT_FAIL;
    }
    json_t *items = json_array();
    for (uint32_t k = 0; k < n; k++) {
        char id[512];
        aj_ua_node_id_format(&refs[k].node.node_id, id, sizeof id);
        const aj_ua_localized_text *dn = &refs[k].display_name;
        json_array_append_new(
            items, json_pack("{s:s, s:s#, s:s#, s:s}", "node_id", id, "browse_name",
                             refs[k].browse_name.name.len > 0 ? refs[k].browse_name.name.data : "",
                             (size_t)(refs[k].browse_name.name.len > 0 ? refs[k].browse_name.name.len : 0),
                             "display_name", dn->text.len > 0 ? dn->text.data : "",
                             (size_t)(dn->text.len > 0 ? dn->text.len : 0), "node_class",
                             aj_ua_node_class_name(refs[k].node_class)));
    }
    return print_json(json_pack("{s:s, s:o}", "node_id", node_text, "references", items));
}

static int do_read(aj_ua_client *c, const aj_opts *o, aj_arena *arena) {
    char err[400];
    uint32_t n = (uint32_t)o->n_pos - 2;
    aj_ua_node_id nodes[8];
    for (uint32_t k = 0; k < n; k++)
        if (aj_ua_node_id_parse(o->pos[2 + k], arena, &nodes[k], err, sizeof err)) {
            fprintf(stderr, "anjian opcua: %s\n", err);
            return AJ_EXIT_USAGE;
        }
    aj_ua_read_resp resp;
    if (aj_ua_client_read(c, nodes, NULL, n, arena, &resp, err, sizeof err)) {
        fprintf(stderr, "anjian opcua: read: %s\n", err);
        return AJ_EXIT_FAIL;
    }
    json_t *items = json_array();
    for (uint32_t k = 0; k < n; k++) {
        json_t *v = aj_ua_data_value_json(&resp.values[k]);
        json_object_set_new(v, "node_id", json_string(o->pos[2 + k]));
        json_array_append_new(items, v);
    }
    return print_json(json_pack("{s:o}", "values", items));
}

int aj_cmd_opcua(int argc, char **argv) {
    static const char *const allowed[] = {"security-policy", "security-mode", "username", "password-file",
                                          "pki-dir",         "timeout-ms",    "help!",    NULL};
    aj_opts o;
    char err[400];
    if (!aj_opts_parse(&o, argc, argv, allowed, err, sizeof err)) {
        fprintf(stderr, "anjian opcua: %s\n", err);
        opcua_usage(stderr);
        return AJ_EXIT_USAGE;
    }
    if (aj_opt(&o, "help")) {
        opcua_usage(stdout);
        return AJ_EXIT_OK;
    }
    bool is_browse = o.n_pos >= 2 && !strcmp(o.pos[0], "browse") && o.n_pos <= 3;
    bool is_read = o.n_pos >= 3 && !strcmp(o.pos[0], "read");
    if (!is_browse && !is_read) {
        opcua_usage(stderr);
        return AJ_EXIT_USAGE;
    }
    aj_ua_client_opts co = {.endpoint_url = o.pos[1], .policy = AJ_UA_POLICY_NONE, .mode = AJ_UA_MODE_NONE};
    const char *pol = aj_opt(&o, "security-policy"), *mode = aj_opt(&o, "security-mode");
    if (pol && !aj_ua_policy_from_name(pol, &co.policy)) {
        fprintf(stderr, "anjian opcua: --security-policy must be None or Basic256Sha256\n");
        return AJ_EXIT_USAGE;
    }
    if (co.policy != AJ_UA_POLICY_NONE) co.mode = AJ_UA_MODE_SIGN_ENCRYPT;
    if (mode && !aj_ua_mode_from_name(mode, &co.mode)) {
        fprintf(stderr, "anjian opcua: --security-mode must be None, Sign or SignAndEncrypt\n");
        return AJ_EXIT_USAGE;
    }
    const char *t = aj_opt(&o, "timeout-ms");
    co.timeout_ms = t ? (uint32_t)strtoul(t, NULL, 10) : 10000;
    char password[256] = "";
    co.username = aj_opt(&o, "username");
    if (co.username) {
        if (!aj_read_secret(aj_opt(&o, "password-file"), "ANJIAN_OPCUA_PASSWORD", password, sizeof password,
                            err, sizeof err)) {
            fprintf(stderr, "anjian opcua: %s\n", err);
            return AJ_EXIT_USAGE;
        }
        co.password = password;
    }
    const char *pki_dir = aj_opt(&o, "pki-dir") ? aj_opt(&o, "pki-dir") : "pki";
    char host[256] = "localhost", uri[300];
    gethostname(host, sizeof host - 1);
    snprintf(uri, sizeof uri, "urn:anjian:%s", host);
    aj_ua_pki *pki = NULL;
    if (aj_ua_pki_open(pki_dir, uri, host, &pki, err, sizeof err)) {
        fprintf(stderr, "anjian opcua: PKI %s: %s\n", pki_dir, err);
        return AJ_EXIT_FAIL;
    }
    co.pki = pki;
    aj_ua_client *c = NULL;
    aj_err e = aj_ua_client_connect(&co, &c, err, sizeof err);
    if (e) {
        fprintf(stderr, "anjian opcua: %s: %s\n", o.pos[1], err);
        aj_ua_pki_free(pki);
        return e == AJ_EINVAL && strstr(err, "URL") ? AJ_EXIT_USAGE : AJ_EXIT_FAIL;
    }
    aj_arena *arena = aj_arena_new();
    int rc = !arena            ? AJ_EXIT_FAIL
             : is_browse       ? do_browse(c, o.n_pos == 3 ? o.pos[2] : "i=85", arena)
             : o.n_pos - 2 > 6 ? (fprintf(stderr, "anjian opcua: at most 6 nodes\n"), AJ_EXIT_USAGE)
                               : do_read(c, &o, arena);
    aj_arena_free(arena);
    aj_ua_client_close(c);
    aj_ua_pki_free(pki);
    return rc;
}
