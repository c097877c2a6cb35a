/* rules_vocab.c — the signal roles of each asset template (see rules_vocab.h).
 *
 * Keep in step with src/store/migrations/sqlite/0002_seed_roles_templates.sql (the same
 * lists, in the same order) and with aj_vocab_templates in src/plant/vocab.c. */
#include "reason/rules_vocab.h"

#include <stddef.h>
#include <string.h>

typedef struct template_roles {
    const char *template_name;
    const char *const *roles;
} template_roles;

static const char *const PUMP[] = {
    "seal_temp",          "vib_1x",           "vib_2x", "vib_3x",       "ir_max", "motor_current",
    "discharge_pressure", "suction_pressure", "flow",   "bearing_temp", NULL};
static const char *const COMPRESSOR[] = {
    "suction_pressure", "discharge_pressure", "flow",         "vib_1x", "vib_2x",
    "bearing_temp",     "motor_current",      "surge_margin", NULL};
static const char *const TANK[] = {"level", "temperature", "pressure", "high_level_switch", NULL};
static const char *const REACTOR[] = {
    "temperature", "pressure", "coolant_flow", "coolant_temp", "agitator_current", "level", NULL};
static const char *const EXCHANGER[] = {"inlet_temp_hot",
                                        "outlet_temp_hot",
                                        "inlet_temp_cold",
                                        "outlet_temp_cold",
                                        "pressure_drop",
                                        "flow",
                                        NULL};
static const char *const PIPE_RACK[] = {"pressure", "temperature", "ir_max", NULL};
static const char *const MOTOR[] = {"winding_temp", "current", "vib_1x", "bearing_temp", NULL};
static const char *const LOADING_ARM[] = {"flow", "pressure", "position", NULL};
static const char *const DETECTORS[] = {"gas", NULL};
static const char *const VALVE[] = {"position", "pressure", NULL};

static const template_roles TEMPLATE_ROLES[] = {
    {"centrifugal_pump", PUMP}, {"compressor", COMPRESSOR},    {"storage_tank", TANK},
    {"reactor", REACTOR},       {"heat_exchanger", EXCHANGER}, {"pipe_rack", PIPE_RACK},
    {"motor", MOTOR},           {"loading_arm", LOADING_ARM},  {"gas_detector_group", DETECTORS},
    {"valve", VALVE},
};

const char *const *aj_rules_template_roles(const char *template_name) {
    for (size_t i = 0; i < sizeof TEMPLATE_ROLES / sizeof TEMPLATE_ROLES[0]; i++)
        if (!strcmp(TEMPLATE_ROLES[i].template_name, template_name)) return TEMPLATE_ROLES[i].roles;
    return NULL;
}

bool aj_rules_vocab_has(const char *const *list, const char *s) {
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s)) return true;
    return false;
}

void aj_rules_vocab_join(const char *const *list, char *buf, int size) {
    static const char more[] = ", ...";
    int used = 0;
    buf[0] = 0;
    for (int i = 0; list[i]; i++) {
        int n = (int)strlen(list[i]) + (i ? 2 : 0);
        /* room for this item, and for ", ..." after it unless it is the last */
        int need = n + (list[i + 1] ? (int)sizeof more - 1 : 0);
        if (used + need >= size) {
            const char *tail = used ? more : more + 2; /* "..." alone when nothing fits */
            if (used + (int)strlen(tail) < size) memcpy(buf + used, tail, strlen(tail) + 1);
            return;
        }
        if (i) memcpy(buf + used, ", ", 2);
        memcpy(buf + used + (i ? 2 : 0), list[i], strlen(list[i]) + 1);
        used += n;
    }
}
