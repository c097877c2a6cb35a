/* test_sparkplug_map.c — the Sparkplug B map loader and its lookups (src/sparkplug/map.c,
 * docs/sparkplug.md "The map").
 *
 * The example of the docs is read field by field and every lookup is tried; invalid maps
 * come as a table of one edit each to a small valid one (BASE) with the exact error code and
 * message; then the limits, files and aj_sp_map_ok on maps broken after parsing.
 */
#include "sparkplug/map.h"

#include "base/limits.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/helpers.h"

/* The example of docs/sparkplug.md. */
static const char EXAMPLE[] =
    "{\"format\": \"anjian-sparkplug-map\", \"version\": 1,\n"
    " \"groups\": [\n"
    "  {\"group\": \"Plant1\",\n"
    "   \"nodes\": [\n"
    "    {\"node\": \"Gateway1\",\n"
    "     \"metrics\": {\"Uptime\": \"P1.GW1.uptime\", \"Ambient/Temperature\": \"P1.GW1.ambient\"},\n"
    "     \"devices\": [\n"
    "      {\"device\": \"PLC1\", \"metrics\": {\"Tank/Level\": \"P1.T1.level\", \"Pump/Running\": "
    "\"P1.P1.run\",\n"
    "                                          \"Pump/Speed\": \"P1.P1.speed\"}},\n"
    "      {\"device\": \"Gas-Panel\", \"metrics\": {\"LEL\": \"P1.GD1.lel\"}}]},\n"
    "    {\"node\": \"Gateway2\", \"devices\": [{\"device\": \"PLC1\", \"metrics\": {\"Tank/Level\": "
    "\"P1.T2.level\"}}]}]},\n"
    "  {\"group\": \"Utilities\",\n"
    "   \"nodes\": [{\"node\": \"Boiler\", \"metrics\": {\"Steam/Pressure\": \"U.B1.p\"}}]}]}\n";

static const char BASE[] = "{\"format\": \"anjian-sparkplug-map\", \"version\": 1,"
                           " \"groups\": [{\"group\": \"G\", \"nodes\": ["
                           "  {\"node\": \"N\", \"metrics\": {\"a\": \"T.a\"},"
                           "   \"devices\": [{\"device\": \"D\", \"metrics\": {\"b\": \"T.b\"}}]},"
                           "  {\"node\": \"M\"}]}]}";

static aj_sp_map *parse_ok(const char *text) {
    aj_sp_map *m = NULL;
    char err[800];
    aj_err e = aj_sp_map_parse(text, strlen(text), &m, err, sizeof err);
    if (e) fail_msg("%s", err);
    assert_true(aj_sp_map_ok(m));
    return m;
}

static void test_example(void **state) {
    (void)state;
    aj_sp_map *m = parse_ok(EXAMPLE);
    assert_int_equal(m->n_groups, 2);
    assert_string_equal(m->groups[0], "Plant1");
    assert_string_equal(m->groups[1], "Utilities");
    assert_int_equal(m->n_nodes, 3);
    assert_int_equal(m->n_devices, 3);
    assert_int_equal(m->n_metrics, 8);
    /* nodes in file order, with their devices and metrics */
    const aj_sp_map_node *gw1 = &m->nodes[0];
    assert_string_equal(gw1->group, "Plant1");
    assert_string_equal(gw1->node, "Gateway1");
    assert_int_equal(gw1->n_devices, 2);
    assert_int_equal(gw1->n_metrics, 2);
    assert_string_equal(m->devices[gw1->first_device].device, "PLC1");
    assert_string_equal(m->devices[gw1->first_device + 1].device, "Gas-Panel");
    assert_string_equal(m->nodes[1].node, "Gateway2");
    assert_int_equal(m->nodes[1].n_metrics, 0);
    assert_string_equal(m->nodes[2].group, "Utilities");
    assert_int_equal(m->nodes[2].group_index, 1);
    assert_int_equal(m->nodes[2].n_devices, 0);
    /* lookups */
    int n = aj_sp_map_find_node(m, "Plant1", "Gateway1");
    assert_int_equal(n, 0);
    assert_int_equal(aj_sp_map_find_node(m, "Plant1", "Gateway2"), 1);
    assert_int_equal(aj_sp_map_find_node(m, "Utilities", "Boiler"), 2);
    assert_int_equal(aj_sp_map_find_node(m, "Utilities", "Gateway1"), -1);
    assert_int_equal(aj_sp_map_find_node(m, "Plant", "Gateway1"), -1);
    int plc1 = aj_sp_map_find_device(m, n, "PLC1");
    assert_int_equal(plc1, gw1->first_device);
    assert_int_equal(aj_sp_map_find_device(m, n, "Gas-Panel"), gw1->first_device + 1);
    assert_int_equal(aj_sp_map_find_device(m, n, "PLC2"), -1);
    int plc1_gw2 = aj_sp_map_find_device(m, 1, "PLC1");
    assert_true(plc1_gw2 >= 0 && plc1_gw2 != plc1);
    int k = aj_sp_map_find_metric(m, n, plc1, "Pump/Speed");
    assert_true(k >= 0);
    assert_string_equal(m->metrics[k].tag, "P1.P1.speed");
    assert_int_equal(m->metrics[k].node, n);
    assert_int_equal(m->metrics[k].device, plc1);
    k = aj_sp_map_find_metric(m, n, -1, "Ambient/Temperature");
    assert_string_equal(m->metrics[k].tag, "P1.GW1.ambient");
    assert_int_equal(m->metrics[k].device, -1);
    assert_int_equal(aj_sp_map_find_metric(m, n, -1, "Tank/Level"), -1); /* a device's, not the node's */
    assert_string_equal(m->metrics[aj_sp_map_find_metric(m, 1, plc1_gw2, "Tank/Level")].tag, "P1.T2.level");
    assert_int_equal(aj_sp_map_find_metric(m, 1, -1, "Uptime"), -1);
    assert_int_equal(aj_sp_map_find_metric(m, n, plc1, "Pump"), -1);
    /* paths */
    char path[AJ_JC_PATH_LEN];
    aj_sp_map_path(m, 1, plc1_gw2, path);
    assert_string_equal(path, "$.groups[0].nodes[1].devices[0]");
    aj_sp_map_path(m, 2, -1, path);
    assert_string_equal(path, "$.groups[1].nodes[0]");
    aj_sp_map_free(m);
    aj_sp_map_free(NULL);
}

/* ---- errors -------------------------------------------------------------------------------- */

typedef struct bad_case {
    const char *path;  /* edit of BASE (helpers.h), NULL: text is the whole document */
    const char *value; /* JSON, NULL: delete */
    aj_err code;
    const char *err;
} bad_case;

static void test_errors(void **state) {
    (void)state;
    static const bad_case cases[] = {
        {"format", "\"anjian-modbus-map\"", AJ_EINVAL, NULL},
        {"version", "2", AJ_EINVAL, NULL},
        {"colour", "\"red\"", AJ_EINVAL, "$: unknown key \"colour\""},
        {"groups", "[]", AJ_EINVAL, NULL},
        {"groups", "{}", AJ_EINVAL, "$.groups: must be an array, not an object"},
        {"groups[0].nodes", "[]", AJ_EINVAL, NULL},
        {"groups[0].group", "\"\"", AJ_EINVAL, "$.groups[0].group: the group id is empty"},
        {"groups[0].group", "\"a/b\"", AJ_EINVAL,
         "$.groups[0].group: \"a/b\" is not a Sparkplug group id (no '/', '+', '#' or control characters)"},
        {"groups[0].group", "\"STATE\"", AJ_EINVAL,
         "$.groups[0].group: \"STATE\" is reserved (spBv1.0/STATE/<host_id> is a host's state)"},
        {"groups[0].group", "\"a\\u0000b\"", AJ_EJSON, NULL}, /* the JSON reader refuses NUL */
        {"groups[0].group", "7", AJ_EINVAL, "$.groups[0].group: must be a string, not an integer"},
        {"groups[0].nodes[0].node", "\"N+1\"", AJ_EINVAL,
         "$.groups[0].nodes[0].node: \"N+1\" is not a Sparkplug edge node id (no '/', '+', '#' or control "
         "characters)"},
        {"groups[0].nodes[1].node", "\"N\"", AJ_EINVAL,
         "$.groups[0].nodes[1].node: duplicate edge node \"N\" in group \"G\" (also nodes[0])"},
        {"groups[0].nodes[0].devices[1]", "{\"device\": \"D\"}", AJ_EINVAL,
         "$.groups[0].nodes[0].devices[1].device: duplicate device \"D\" of edge node \"N\" (also "
         "devices[0])"},
        {"groups[0].nodes[0].devices[0].device", "\"#\"", AJ_EINVAL,
         "$.groups[0].nodes[0].devices[0].device: \"#\" is not a Sparkplug device id (no '/', '+', '#' or "
         "control characters)"},
        {"groups[0].nodes[0].devices[0].colour", "1", AJ_EINVAL,
         "$.groups[0].nodes[0].devices[0]: unknown key \"colour\""},
        {"groups[0].nodes[0].devices[0].metrics", "[]", AJ_EINVAL,
         "$.groups[0].nodes[0].devices[0].metrics: must be an object, not an array"},
        {"groups[0].nodes[0].devices", "{}", AJ_EINVAL,
         "$.groups[0].nodes[0].devices: must be an array, not an object"},
        {"groups[0].nodes[0].metrics.a", "7", AJ_EINVAL,
         "$.groups[0].nodes[0].metrics[\"a\"]: must be the tag key (a string), not an integer"},
        {"groups[0].nodes[0].metrics.a", "\"no spaces\"", AJ_EINVAL,
         "$.groups[0].nodes[0].metrics[\"a\"]: \"no spaces\" is not a tag key (1 to 64 of A-Z a-z 0-9 _ . : "
         "- /)"},
        {"groups[0].nodes[0].metrics.a", "\"\"", AJ_EINVAL,
         "$.groups[0].nodes[0].metrics[\"a\"]: \"\" is not a tag key (1 to 64 of A-Z a-z 0-9 _ . : - /)"},
        {"groups[0].nodes[0].devices[0].metrics.b", "\"T.a\"", AJ_EINVAL,
         "$.groups[0].nodes[0].devices[0].metrics[\"b\"]: tag \"T.a\" is fed by "
         "$.groups[0].nodes[0].metrics[\"a\"] "
         "already (one metric per tag)"},
        {"groups[0].nodes[1].metrics", "{\"x\": \"T.b\"}", AJ_EINVAL,
         "$.groups[0].nodes[1].metrics[\"x\"]: tag \"T.b\" is fed by "
         "$.groups[0].nodes[0].devices[0].metrics[\"b\"] "
         "already (one metric per tag)"},
        {"groups[1]", "{\"group\": \"G\", \"nodes\": [{\"node\": \"X\"}]}", AJ_EINVAL,
         "$.groups[1].group: duplicate group \"G\" (also $.groups[0])"},
        {"groups[0].nodes[0].metrics", "{\"\": \"T.z\"}", AJ_EINVAL,
         "$.groups[0].nodes[0].metrics[\"\"]: empty metric name"},
        {"groups[0].nodes[0].node", NULL, AJ_EINVAL, "$.groups[0].nodes[0]: missing key \"node\""},
        {NULL, "{\"format\": \"anjian-sparkplug-map\", \"version\": 1,", AJ_EJSON, NULL},
        {NULL, "[]", AJ_EINVAL, "$: must be an object, not an array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text =
            cases[i].path ? aj_test_json_edited(BASE, cases[i].path, cases[i].value) : strdup(cases[i].value);
        aj_sp_map *m = (aj_sp_map *)1;
        char err[800] = "";
        aj_err e = aj_sp_map_parse(text, strlen(text), &m, err, sizeof err);
        free(text);
        if (e != cases[i].code || (cases[i].err && strcmp(err, cases[i].err) != 0) || !err[0])
            fail_msg("case %zu (%s = %s): %s \"%s\", want %s \"%s\"", i, cases[i].path ? cases[i].path : "-",
                     cases[i].value ? cases[i].value : "(deleted)", aj_err_name(e), err,
                     aj_err_name(cases[i].code), cases[i].err ? cases[i].err : "...");
        assert_null(m);
    }
}

static void test_names_and_lengths(void **state) {
    (void)state;
    /* metric names: any UTF-8 up to 256 bytes, '/' and spaces included */
    char name[AJ_SP_METRIC_NAME_MAX + 2], doc[2048];
    memset(name, 'n', AJ_SP_METRIC_NAME_MAX);
    name[AJ_SP_METRIC_NAME_MAX] = 0;
    snprintf(
        doc, sizeof doc,
        "{\"format\": \"anjian-sparkplug-map\", \"version\": 1, \"groups\": [{\"group\": \"G\", \"nodes\": "
        "[{\"node\": \"N\", \"metrics\": {\"%s\": \"T.long\", \"Motor 1/速度 rpm\": \"T.cn\"}}]}]}",
        name);
    aj_sp_map *m = parse_ok(doc);
    assert_true(aj_sp_map_find_metric(m, 0, -1, name) >= 0);
    assert_true(aj_sp_map_find_metric(m, 0, -1, "Motor 1/速度 rpm") >= 0);
    aj_sp_map_free(m);
    strcat(name, "n");
    snprintf(
        doc, sizeof doc,
        "{\"format\": \"anjian-sparkplug-map\", \"version\": 1, \"groups\": [{\"group\": \"G\", \"nodes\": "
        "[{\"node\": \"N\", \"metrics\": {\"%s\": \"T.long\"}}]}]}",
        name);
    char err[800];
    assert_int_equal(aj_sp_map_parse(doc, strlen(doc), &m, err, sizeof err), AJ_EINVAL);
    assert_non_null(strstr(err, "metric name of 257 bytes, longer than 256"));
    /* ids: 128 bytes pass, 129 do not */
    char id[AJ_SP_ID_LEN_MAX + 2];
    memset(id, 'i', AJ_SP_ID_LEN_MAX);
    id[AJ_SP_ID_LEN_MAX] = 0;
    snprintf(
        doc, sizeof doc,
        "{\"format\": \"anjian-sparkplug-map\", \"version\": 1, \"groups\": [{\"group\": \"%s\", \"nodes\": "
        "[{\"node\": \"N\"}]}]}",
        id);
    m = parse_ok(doc);
    aj_sp_map_free(m);
    strcat(id, "i");
    snprintf(
        doc, sizeof doc,
        "{\"format\": \"anjian-sparkplug-map\", \"version\": 1, \"groups\": [{\"group\": \"%s\", \"nodes\": "
        "[{\"node\": \"N\"}]}]}",
        id);
    assert_int_equal(aj_sp_map_parse(doc, strlen(doc), &m, err, sizeof err), AJ_EINVAL);
    assert_string_equal(err, "$.groups[0].group: the group id is 129 bytes, longer than 128");
}

/* A map of n_groups groups x nodes_per_group nodes x devices_per_node devices, each device
 * with metrics_per_device metrics (text the caller frees). */
static char *big_map(int n_groups, int nodes_per_group, int devices_per_node, int metrics_per_device) {
    json_t *groups = json_array();
    int t = 0;
    for (int g = 0; g < n_groups; g++) {
        json_t *nodes = json_array();
        for (int n = 0; n < nodes_per_group; n++) {
            json_t *devices = json_array();
            for (int d = 0; d < devices_per_node; d++) {
                json_t *metrics = json_object();
                for (int k = 0; k < metrics_per_device; k++) {
                    char mn[32], tag[32];
                    snprintf(mn, sizeof mn, "m%d", k);
                    snprintf(tag, sizeof tag, "T.%d", t++);
                    json_object_set_new(metrics, mn, json_string(tag));
                }
                char dn[32];
                snprintf(dn, sizeof dn, "D%d", d);
                json_array_append_new(devices, json_pack("{s:s, s:o}", "device", dn, "metrics", metrics));
            }
            char nn[32];
            snprintf(nn, sizeof nn, "N%d", n);
            json_array_append_new(nodes, json_pack("{s:s, s:o}", "node", nn, "devices", devices));
        }
        char gn[32];
        snprintf(gn, sizeof gn, "G%d", g);
        json_array_append_new(groups, json_pack("{s:s, s:o}", "group", gn, "nodes", nodes));
    }
    json_t *doc =
        json_pack("{s:s, s:i, s:o}", "format", "anjian-sparkplug-map", "version", 1, "groups", groups);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

static void expect_too_big(char *text, const char *want) {
    aj_sp_map *m = NULL;
    char err[800];
    aj_err e = aj_sp_map_parse(text, strlen(text), &m, err, sizeof err);
    free(text);
    if (e != AJ_ETOOBIG || strcmp(err, want) != 0)
        fail_msg("%s \"%s\", want \"%s\"", aj_err_name(e), err, want);
}

static void test_limits(void **state) {
    (void)state;
    /* right at every limit: fine (64 groups; 1024 nodes; 4096 devices; 20000 metrics) */
    char *text =
        big_map(AJ_SP_GROUPS_MAX, AJ_SP_NODES_MAX / AJ_SP_GROUPS_MAX, AJ_SP_DEVICES_MAX / AJ_SP_NODES_MAX, 4);
    aj_sp_map *m = parse_ok(text);
    free(text);
    assert_int_equal(m->n_nodes, AJ_SP_NODES_MAX);
    assert_int_equal(m->n_devices, AJ_SP_DEVICES_MAX);
    assert_int_equal(aj_sp_map_find_node(m, "G63", "N15"), AJ_SP_NODES_MAX - 1);
    aj_sp_map_free(m);
    text = big_map(1, 1, 1, AJ_SP_MAP_METRICS_MAX);
    m = parse_ok(text);
    free(text);
    assert_int_equal(m->n_metrics, AJ_SP_MAP_METRICS_MAX);
    assert_string_equal(m->metrics[aj_sp_map_find_metric(m, 0, 0, "m19999")].tag, "T.19999");
    aj_sp_map_free(m);
    /* one beyond */
    expect_too_big(big_map(AJ_SP_GROUPS_MAX + 1, 1, 0, 0), "$.groups: too many groups (65; at most 64)");
    expect_too_big(big_map(1, AJ_SP_NODES_MAX + 1, 0, 0),
                   "$.groups[0].nodes: too many nodes (1025; at most 1024)");
    expect_too_big(big_map(2, AJ_SP_NODES_MAX / 2 + 1, 0, 0),
                   "$.groups[1].nodes[511]: more than 1024 edge nodes in the map");
    expect_too_big(big_map(1, 2, AJ_SP_DEVICES_MAX / 2 + 1, 0),
                   "$.groups[0].nodes[1].devices[2047]: more than 4096 devices in the map");
    expect_too_big(big_map(1, 1, 2, AJ_SP_MAP_METRICS_MAX / 2 + 1),
                   "$.groups[0].nodes[0].devices[1].metrics[\"m9999\"]: more than 20000 metrics in the map");
}

static void test_files(void **state) {
    (void)state;
    aj_sp_map *m = NULL;
    char err[1200];
    assert_int_equal(aj_sp_map_load("/nonexistent/map.json", &m, err, sizeof err), AJ_EIO);
    assert_non_null(strstr(err, "/nonexistent/map.json"));
    char path[] = "/tmp/aj-sp-map-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(EXAMPLE, f);
    fclose(f);
    assert_int_equal(aj_sp_map_load(path, &m, err, sizeof err), AJ_OK);
    assert_int_equal(m->n_metrics, 8);
    aj_sp_map_free(m);
    f = fopen(path, "w");
    fputs("{\"format\": \"anjian-sparkplug-map\", \"version\": 1, \"groups\": [{\"group\": \"G\"}]}", f);
    fclose(f);
    assert_int_equal(aj_sp_map_load(path, &m, err, sizeof err), AJ_EINVAL);
    char want[200];
    snprintf(want, sizeof want, "%s: $.groups[0]: missing key \"nodes\"", path);
    assert_string_equal(err, want);
    remove(path);
}

/* aj_sp_map_ok finds maps broken after parsing. */
static void test_ok_catches_broken_maps(void **state) {
    (void)state;
    assert_false(aj_sp_map_ok(NULL));
    for (int c = 0; c < 6; c++) {
        aj_sp_map *m = parse_ok(EXAMPLE);
        aj_sp_map_metric *metrics = (aj_sp_map_metric *)m->metrics;
        aj_sp_map_node *nodes = (aj_sp_map_node *)m->nodes;
        aj_sp_map_device *devices = (aj_sp_map_device *)m->devices;
        switch (c) {
        case 0:
            metrics[1].tag = metrics[0].tag;
            break; /* duplicate tag */
        case 1:
            metrics[0].tag = "has space";
            break; /* bad tag key */
        case 2:
            nodes[1].node = nodes[0].node;
            break; /* duplicate node */
        case 3:
            devices[1].device = devices[0].device;
            break; /* duplicate device */
        case 4:
            metrics[0].device = 0;
            break; /* metric of the wrong owner */
        case 5:
            nodes[0].n_devices = 3;
            break; /* devices of another node */
        }
        assert_false(aj_sp_map_ok(m));
        aj_sp_map_free(m);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_names_and_lengths),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_ok_catches_broken_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
