/* vocab.c — the plant model's vocabularies (see vocab.h). */
#include "plant/vocab.h"

#include <stddef.h>

const char *const aj_vocab_org_kinds[] = {"department", "contractor", "supplier", NULL};
const char *const aj_vocab_area_kinds[] = {
    "tank_farm", "process_unit", "pump_house", "loading_bay", "utility",
    "warehouse", "control_room", "office",     "road",        NULL};
const char *const aj_vocab_tag_kinds[] = {"temperature",
                                          "pressure",
                                          "differential_pressure",
                                          "flow",
                                          "level",
                                          "vibration",
                                          "gas_combustible_lel",
                                          "gas_toxic_ppm",
                                          "oxygen_pct",
                                          "ir_temperature",
                                          "current",
                                          "voltage",
                                          "power",
                                          "speed",
                                          "position",
                                          "humidity",
                                          "wind_speed",
                                          "wind_direction",
                                          "status",
                                          "count",
                                          NULL};
const char *const aj_vocab_cert_types[] = {
    "electrical", "welding_cutting", "work_at_height",         "hazchem_process",
    "lifting",    "confined_space",  "boiler_pressure_vessel", "forklift",
    NULL};
const char *const aj_vocab_templates[] = {"centrifugal_pump",
                                          "compressor",
                                          "storage_tank",
                                          "reactor",
                                          "heat_exchanger",
                                          "pipe_rack",
                                          "motor",
                                          "loading_arm",
                                          "gas_detector_group",
                                          "valve",
                                          NULL};
const char *const aj_vocab_person_roles[] = {
    "admin",     "safety_manager", "operator", "unit_leader", "worker",
    "attendant", "approver",       "supplier", "regulator",   NULL};
