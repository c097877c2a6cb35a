/* test_sparkplug_topic.c — Sparkplug B topic names (src/sparkplug/topic.c): every message
 * type parses into its ids, and a table of malformed topics gives each its exact error;
 * then ids, UTF-8 and formatting.
 */
#include "sparkplug/topic.h"

#include "base/limits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void test_valid(void **state) {
    (void)state;
    static const struct {
        const char *topic;
        aj_sp_msg_type type;
        const char *group, *node, *device;
    } cases[] = {
        {"spBv1.0/Plant1/NBIRTH/Gateway1", AJ_SP_NBIRTH, "Plant1", "Gateway1", ""},
        {"spBv1.0/Plant1/NDEATH/Gateway1", AJ_SP_NDEATH, "Plant1", "Gateway1", ""},
        {"spBv1.0/Plant1/NDATA/Gateway1", AJ_SP_NDATA, "Plant1", "Gateway1", ""},
        {"spBv1.0/Plant1/NCMD/Gateway1", AJ_SP_NCMD, "Plant1", "Gateway1", ""},
        {"spBv1.0/Plant1/DBIRTH/Gateway1/PLC-1", AJ_SP_DBIRTH, "Plant1", "Gateway1", "PLC-1"},
        {"spBv1.0/Plant1/DDEATH/Gateway1/PLC-1", AJ_SP_DDEATH, "Plant1", "Gateway1", "PLC-1"},
        {"spBv1.0/Plant1/DDATA/Gateway1/PLC-1", AJ_SP_DDATA, "Plant1", "Gateway1", "PLC-1"},
        {"spBv1.0/Plant1/DCMD/Gateway1/PLC-1", AJ_SP_DCMD, "Plant1", "Gateway1", "PLC-1"},
        {"spBv1.0/STATE/anjian", AJ_SP_STATE, "", "anjian", ""},
        {"spBv1.0/华东/DDATA/网关 1/设备.2", AJ_SP_DDATA, "华东", "网关 1", "设备.2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aj_sp_topic t;
        char err[300] = "";
        const char *topic = cases[i].topic;
        aj_err e = aj_sp_topic_parse(topic, strlen(topic), &t, err, sizeof err);
        if (e) fail_msg("%s: %s", topic, err);
        assert_int_equal(t.type, cases[i].type);
        assert_string_equal(t.group, cases[i].group);
        assert_string_equal(t.node, cases[i].node);
        assert_string_equal(t.device, cases[i].device);
        assert_int_equal(aj_sp_msg_type_is_device(t.type), cases[i].device[0] != 0);
        if (t.type != AJ_SP_STATE) { /* formatting gives the topic back */
            char back[AJ_SP_TOPIC_LEN_MAX + 1];
            assert_true(aj_sp_topic_format(back, sizeof back, t.group, t.type, t.node, t.device));
            assert_string_equal(back, topic);
        }
    }
}

static void test_errors(void **state) {
    (void)state;
    char long_id[AJ_SP_ID_LEN_MAX + 2];
    memset(long_id, 'x', AJ_SP_ID_LEN_MAX + 1);
    long_id[AJ_SP_ID_LEN_MAX + 1] = 0;
    char long_topic[300];
    snprintf(long_topic, sizeof long_topic, "spBv1.0/G/NDATA/%s", long_id);
    char max_topic[300];
    long_id[AJ_SP_ID_LEN_MAX] = 0;
    snprintf(max_topic, sizeof max_topic, "spBv1.0/G/NDATA/%s", long_id);
    const struct {
        const char *topic;
        size_t len; /* 0: strlen */
        const char *err;
    } cases[] = {
        {"", 0, "empty topic"},
        {"spBv1.0", 0, "no group id (level 2)"},
        {"spAv1.0/G/NDATA/N", 0, "Sparkplug A (spAv1.0) is not supported, only B (spBv1.0)"},
        {"STATE/host", 0, "a Sparkplug 2.2 STATE topic (3.0 uses spBv1.0/STATE/<host_id>)"},
        {"plant/line1/temp", 0, "level 1 \"plant\" is not the Sparkplug B namespace \"spBv1.0\""},
        {"spBv1.0/G", 0, "no message type (level 3)"},
        {"spBv1.0/G/NDATAX/N", 0,
         "level 3 \"NDATAX\" is not a message type (NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, NCMD or "
         "DCMD)"},
        {"spBv1.0/G/ndata/N", 0,
         "level 3 \"ndata\" is not a message type (NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, NCMD or "
         "DCMD)"},
        {"spBv1.0/G/STATE/N", 0,
         "level 3 \"STATE\" is not a message type (NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, NCMD or "
         "DCMD)"},
        {"spBv1.0/G/NDATA", 0, "NDATA needs 4 levels (spBv1.0/group/NDATA/node), not 3"},
        {"spBv1.0/G/NDATA/N/D", 0, "NDATA needs 4 levels (spBv1.0/group/NDATA/node), not 5"},
        {"spBv1.0/G/DDATA/N", 0, "DDATA needs 5 levels (spBv1.0/group/DDATA/node/device), not 4"},
        {"spBv1.0/G/DBIRTH/N/D/X", 0, "DBIRTH needs 5 levels (spBv1.0/group/DBIRTH/node/device), not 6"},
        {"spBv1.0/G/DBIRTH/N/D/X/Y", 0, "more than 5 levels"},
        {"spBv1.0//NDATA/N", 0, "level 2 (group id) is empty"},
        {"spBv1.0/G/NDATA/", 0, "level 4 (edge node id) is empty"},
        {"spBv1.0/G/DDATA/N/", 0, "level 5 (device id) is empty"},
        {"spBv1.0/G+/NDATA/N", 0,
         "level 2 (group id) \"G+\" contains '+' (an MQTT wildcard, not allowed in ids)"},
        {"spBv1.0/G/NDATA/#", 0,
         "level 4 (edge node id) \"#\" contains '#' (an MQTT wildcard, not allowed in ids)"},
        {"spBv1.0/G/NDATA/N\tx", 0, "level 4 (edge node id) \"N\\x09x\" contains the control character 0x09"},
        {"spBv1.0/G/NDATA/N\0x", 19, "level 4 (edge node id) \"N?x\" contains the control character 0x00"},
        {"spBv1.0/G/NDATA/\xC3\x28", 0, "level 4 (edge node id) is not valid UTF-8"},
        {long_topic, 0, "level 4 (edge node id) is 129 bytes, longer than 128"},
        {"spBv1.0/STATE", 0, "STATE needs 3 levels (spBv1.0/STATE/host_id), not 2"},
        {"spBv1.0/STATE/a/b", 0, "STATE needs 3 levels (spBv1.0/STATE/host_id), not 4"},
        {"spBv1.0/STATE/", 0, "level 3 (host id) is empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aj_sp_topic t;
        char err[300] = "";
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].topic);
        aj_err e = aj_sp_topic_parse(cases[i].topic, len, &t, err, sizeof err);
        if (e != AJ_EINVAL || strcmp(err, cases[i].err) != 0)
            fail_msg("case %zu \"%s\": %s \"%s\", want \"%s\"", i, cases[i].topic, aj_err_name(e), err,
                     cases[i].err);
    }
    /* the longest ids pass */
    aj_sp_topic t;
    char err[300];
    assert_int_equal(aj_sp_topic_parse(max_topic, strlen(max_topic), &t, err, sizeof err), AJ_OK);
    assert_int_equal(strlen(t.node), AJ_SP_ID_LEN_MAX);
    /* a topic longer than any Sparkplug topic is refused before it is cut up */
    char huge[AJ_SP_TOPIC_LEN_MAX + 2];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    assert_int_equal(aj_sp_topic_parse(huge, strlen(huge), &t, err, sizeof err), AJ_EINVAL);
    char want[100];
    snprintf(want, sizeof want, "topic of %d bytes, longer than any Sparkplug topic (%d)",
             AJ_SP_TOPIC_LEN_MAX + 1, AJ_SP_TOPIC_LEN_MAX);
    assert_string_equal(err, want);
    /* a small error buffer is not overrun */
    char tiny[8];
    assert_int_equal(aj_sp_topic_parse("x", 1, &t, tiny, sizeof tiny), AJ_EINVAL);
    assert_int_equal(strlen(tiny), 7);
}

static void test_ids_and_utf8(void **state) {
    (void)state;
    assert_true(aj_sp_id_ok("Gateway-1.a_b c", 15));
    assert_true(aj_sp_id_ok("网关", strlen("网关")));
    assert_false(aj_sp_id_ok("", 0));
    assert_false(aj_sp_id_ok("a/b", 3));
    assert_false(aj_sp_id_ok("a+b", 3));
    assert_false(aj_sp_id_ok("a#", 2));
    assert_false(aj_sp_id_ok("a\x7f", 2));
    char id[AJ_SP_ID_LEN_MAX + 1];
    memset(id, 'a', sizeof id);
    assert_true(aj_sp_id_ok(id, AJ_SP_ID_LEN_MAX));
    assert_false(aj_sp_id_ok(id, AJ_SP_ID_LEN_MAX + 1));
    assert_true(aj_sp_utf8_ok("", 0));
    assert_true(aj_sp_utf8_ok("\xF0\x9F\x98\x80", 4));  /* U+1F600 */
    assert_true(aj_sp_utf8_ok("\xF4\x8F\xBF\xBF", 4));  /* U+10FFFF */
    assert_false(aj_sp_utf8_ok("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(aj_sp_utf8_ok("\xC0\xAF", 2));         /* overlong '/' */
    assert_false(aj_sp_utf8_ok("\xE0\x80\xAF", 3));     /* overlong */
    assert_false(aj_sp_utf8_ok("\xED\xBF\xBF", 3));     /* surrogate */
    assert_false(aj_sp_utf8_ok("\x80", 1));
    assert_false(aj_sp_utf8_ok("\xE2\x82", 2));
    assert_string_equal(aj_sp_msg_type_name(AJ_SP_DDEATH), "DDEATH");
    assert_string_equal(aj_sp_msg_type_name(AJ_SP_MSG_TYPE_COUNT), "?");
    char small[10];
    assert_false(aj_sp_topic_format(small, sizeof small, "G", AJ_SP_NCMD, "N", NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_ids_and_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
