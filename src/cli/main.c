/* main.c — the anjian binary: dispatches to subcommands. */
#include "auth/session.h"
#include "cli/cli.h"
#include "config/config.h"
#include "http/http.h"
#include "sim/sim.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out) {
    fprintf(
        out,
        "anjian %s — industrial safety production management platform (安监)\n\n"
        "usage: anjian COMMAND [options]\n\n"
        "commands:\n"
        "  serve            run the platform (HTTP API, console); see anjian serve --help\n"
        "  admin ...        create enterprises, sites, users; reset passwords; import plant files\n"
        "  audit verify     check the audit hash chain; exit 3 naming the first broken record\n"
        "  sim ...          plant simulator: line protocol of the demo plant, faults from scenario files\n"
        "  rules check      check failure-mode rules files, FILE:LINE:COLUMN errors (docs/rules.md)\n"
        "  reason replay    run the failure-mode rules over a simulated plant, in-process\n"
        "  opcua ...        browse and read an OPC UA server with anjian's client (docs/opcua.md)\n"
        "  routes           print the HTTP route table\n"
        "  config-docs      print the settings table as Markdown\n"
        "  version          print the version\n\n"
        "exit codes: 0 success, 1 failure, 2 usage error, 3 audit chain broken\n",
        AJ_VERSION);
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) {
        fprintf(stderr, "anjian: libsodium failed to initialise\n");
        return AJ_EXIT_FAIL;
    }
    if (argc < 2) {
        usage(stderr);
        return AJ_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "serve")) return aj_cmd_serve(argc - 2, argv + 2);
    if (!strcmp(cmd, "admin")) return aj_cmd_admin(argc - 2, argv + 2);
    if (!strcmp(cmd, "audit")) return aj_cmd_audit(argc - 2, argv + 2);
    if (!strcmp(cmd, "sim")) return aj_cmd_sim(argc - 2, argv + 2);
    if (!strcmp(cmd, "reason")) return aj_cmd_reason(argc - 2, argv + 2);
    if (!strcmp(cmd, "rules")) return aj_cmd_rules(argc - 2, argv + 2);
    if (!strcmp(cmd, "opcua")) return aj_cmd_opcua(argc - 2, argv + 2);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("anjian %s\n", AJ_VERSION);
        return AJ_EXIT_OK;
    }
    if (!strcmp(cmd, "routes")) {
        for (int i = 0; aj_routes[i].method; i++)
            printf("%-6s %-36s %s%s\n", aj_routes[i].method, aj_routes[i].pattern, aj_routes[i].summary,
                   (aj_routes[i].flags & AJ_ROUTE_PUBLIC) ? " (public)" : "");
        return AJ_EXIT_OK;
    }
    if (!strcmp(cmd, "config-docs")) {
        aj_config_print_markdown(stdout);
        return AJ_EXIT_OK;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return AJ_EXIT_OK;
    }
    fprintf(stderr, "anjian: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return AJ_EXIT_USAGE;
}
