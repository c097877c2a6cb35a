/* fuzz_alarm_defs.c — libFuzzer harness for alarm settings (src/engine/alarm_defs.c), as
 * they come in PUT /api/v1/tags/{id}/alarms and in a plant file's tags[].alarms, and for
 * the saved alarm state the engine reads back (aj_alarm_restore).
 *
 * Input: JSON. A list (or {"alarms": list}) goes through aj_alarm_defs_check_list; each
 * object through aj_alarm_def_from_json. Checks: an accepted definition passes
 * aj_alarm_def_check and initialises an alarm, its JSON form parses back to the same
 * definition; errors start with the given path and are non-empty. The raw bytes are also
 * restored as a saved state into an alarm: refused, or accepted and then saved again to
 * the same bytes' meaning (save -> restore -> save is stable). Seeds: corpus/alarm_defs/.
 */
#include "engine/alarm.h"
#include "engine/alarm_defs.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

static void check_one(const json_t *obj) {
    aj_alarm_def_row row;
    char err[600] = "";
    if (aj_alarm_def_from_json(obj, "$.x", &row, err, sizeof err) != AJ_OK) {
        must(strncmp(err, "$.x", 3) == 0 && strlen(err) > 5);
        return;
    }
    must(aj_alarm_def_check(&row.def) == AJ_OK);
    aj_alarm a;
    must(aj_alarm_init(&a, &row.def, NULL, NULL) == AJ_OK);
    json_t *back = aj_alarm_def_row_to_json(&row);
    json_object_del(back, "id");
    json_object_del(back, "tag_id");
    json_object_del(back, "source");
    aj_alarm_def_row again;
    must(aj_alarm_def_from_json(back, "$", &again, err, sizeof err) == AJ_OK);
    must(again.def.kind == row.def.kind && again.def.priority == row.def.priority);
    must(again.def.setpoint == row.def.setpoint && again.def.deadband == row.def.deadband);
    must(again.def.on_delay_ns == row.def.on_delay_ns && again.def.off_delay_ns == row.def.off_delay_ns);
    must(again.def.is_latched == row.def.is_latched && again.def.shelve_max_ns == row.def.shelve_max_ns);
    json_decref(back);
}

static void check_restore(const uint8_t *data, size_t size) {
    aj_alarm_def def = {.id = 1,
                        .kind = AJ_ALARM_KIND_ROC,
                        .priority = AJ_PRIO_LOW,
                        .setpoint = 5,
                        .roc_window_ns = 60000000000LL,
                        .shelve_max_ns = AJ_ALARM_SHELVE_MAX_DEFAULT_NS};
    aj_alarm a;
    must(aj_alarm_init(&a, &def, NULL, NULL) == AJ_OK);
    if (aj_alarm_restore(&a, data, size) != AJ_OK) return;
    uint8_t saved[AJ_ALARM_SAVED_MAX], saved2[AJ_ALARM_SAVED_MAX];
    size_t n = aj_alarm_save(&a, saved, sizeof saved);
    must(n > 0);
    aj_alarm b;
    must(aj_alarm_init(&b, &def, NULL, NULL) == AJ_OK);
    must(aj_alarm_restore(&b, saved, n) == AJ_OK);
    size_t n2 = aj_alarm_save(&b, saved2, sizeof saved2);
    must(n2 == n && memcmp(saved, saved2, n) == 0);
    /* The restored alarm works: a point and a watermark do not break it. */
    aj_point p = {
        .tag_id = 0, .t_ns = a.now_ns > 0 ? a.now_ns + 1 : 1, .value = 3, .quality = AJ_QUALITY_GOOD};
    aj_alarm_process(&a, &p);
    aj_alarm_advance(&a, p.t_ns + 1000000000LL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_restore(data, size);
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!doc) return 0;
    const json_t *list = json_is_object(doc) ? json_object_get(doc, "alarms") : doc;
    char err[600] = "";
    if (list) {
        aj_err e = aj_alarm_defs_check_list(list, "$.alarms", err, sizeof err);
        if (e) must(strncmp(err, "$.alarms", 8) == 0);
    }
    if (json_is_array(list)) {
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item) check_one(item);
    } else if (json_is_object(doc)) {
        check_one(doc);
    }
    json_decref(doc);
    return 0;
}
