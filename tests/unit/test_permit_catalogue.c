/* test_permit_catalogue.c — the permit catalogue loader (src/permit/catalogue*.c,
 * docs/permits.md).
 *
 * The real catalogue (data/permits/gb30871.json) must load and say what GB 30871-2022
 * says. Invalid catalogues come as a table: each case edits a small valid catalogue
 * (BASE) at one path — set a value, add a key or delete one — and names the exact error
 * code and message. Then come the limits of src/base/limits.h (one over each), raw
 * texts that are no catalogue at all, error buffers, loading from files, the arena
 * behind the catalogue, and a replay of the fuzz corpus (tests/fuzz/corpus/
 * permit_catalogue/).
 */
#include "base/arena.h"
#include "base/limits.h"
#include "permit/catalogue.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support/helpers.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* path of a file relative to this source file's directory */
static void source_path(char *out, size_t size, const char *rel) {
    aj_test_source_path(out, size, __FILE__, rel);
}

static aj_permit_catalogue *load_real(void) {
    char path[1024], err[600];
    source_path(path, sizeof path, "../../data/permits/gb30871.json");
    aj_permit_catalogue *cat = NULL;
    aj_err e = aj_permit_catalogue_load(path, &cat, err, sizeof err);
    if (e) fail_msg("%s", err);
    assert_true(aj_permit_catalogue_ok(cat));
    return cat;
}

static const char *role_of(const aj_permit_catalogue *cat, const aj_permit_approval *a, int i) {
    assert_true(i < a->n_roles);
    return cat->roles[a->roles[i]].code;
}

/* ---- the real catalogue ---------------------------------------------------------------- */

static void test_real_types(void **state) {
    aj_permit_catalogue *cat = load_real();
    static const char *const codes[] = {"hot_work", "confined_space",  "blind_plate", "height",
                                        "lifting",  "temporary_power", "excavation",  "road_closure"};
    static const char *const zh[] = {"动火作业", "受限空间作业", "盲板抽堵作业", "高处作业",
                                     "吊装作业", "临时用电作业", "动土作业",     "断路作业"};
    assert_string_equal(cat->standard, "GB 30871-2022");
    assert_int_equal(cat->n_types, 8);
    for (int i = 0; i < 8; i++) {
        assert_string_equal(cat->types[i].code, codes[i]);
        assert_string_equal(cat->types[i].name.zh, zh[i]);
        assert_int_equal(aj_permit_type_index(cat, codes[i]), i);
        assert_ptr_equal(aj_permit_type_find(cat, codes[i]), &cat->types[i]);
        assert_true(cat->types[i].n_fields >= 10);
        assert_true(cat->types[i].n_checklist >= 8);
        assert_true(cat->types[i].n_hazards >= 4);
    }
    assert_null(aj_permit_type_find(cat, "welding"));
    assert_int_equal(aj_permit_type_index(cat, ""), -1);
    aj_permit_catalogue_free(cat);
}

/* grade codes, validity (default/max hours) and approval chain of every grade */
typedef struct grade_row {
    const char *type, *grade;
    int default_h, max_h;
    const char *roles[8];
} grade_row;

static const grade_row GRADES[] = {
    {"hot_work", "special", 8, 8, {"senior_manager"}},
    {"hot_work", "grade1", 8, 8, {"safety_manager"}},
    {"hot_work", "grade2", 72, 72, {"unit_leader"}},
    {"confined_space", "standard", 24, 24, {"unit_leader"}},
    {"blind_plate", "standard", 8, 8, {"unit_leader"}},
    {"height", "I", 168, 168, {"unit_leader"}},
    {"height", "II", 168, 168, {"specialist_dept"}},
    {"height", "III", 168, 168, {"specialist_dept"}},
    {"height", "IV", 168, 168, {"plant_director"}},
    {"lifting", "1", 24, 24, {"plant_director"}},
    {"lifting", "2", 24, 24, {"specialist_dept"}},
    {"lifting", "3", 24, 24, {"specialist_dept"}},
    {"temporary_power", "standard", 360, 720, {"power_unit"}},
    {"excavation",
     "standard",
     72,
     72,
     {"water_dept", "power_unit", "steam_dept", "process_dept", "equipment_dept", "fire_dept",
      "safety_dept"}},
    {"road_closure", "standard", 72, 72, {"unit_leader"}},
};

static void test_real_grades(void **state) {
    aj_permit_catalogue *cat = load_real();
    int n_grades = 0;
    for (size_t i = 0; i < sizeof GRADES / sizeof GRADES[0]; i++) {
        const grade_row *r = &GRADES[i];
        const aj_permit_type *t = aj_permit_type_find(cat, r->type);
        assert_non_null(t);
        int g = aj_permit_grade_index(t, r->grade);
        assert_true(g >= 0);
        const aj_permit_validity *v = aj_permit_validity_of(t, g);
        assert_int_equal(v->default_h, r->default_h);
        assert_int_equal(v->max_h, r->max_h);
        const aj_permit_approval *a = aj_permit_approval_of(t, g);
        int n = 0;
        while (n < 8 && r->roles[n]) n++;
        assert_int_equal(a->n_roles, n);
        for (int k = 0; k < n; k++) assert_string_equal(role_of(cat, a, k), r->roles[k]);
    }
    for (int i = 0; i < cat->n_types; i++) n_grades += cat->types[i].n_grades;
    assert_int_equal(n_grades, (int)(sizeof GRADES / sizeof GRADES[0])); /* no grade left out */
    const aj_permit_type *hot = aj_permit_type_find(cat, "hot_work");
    assert_int_equal(aj_permit_grade_index(hot, "grade3"), -1);
    assert_null(aj_permit_validity_of(hot, 3));
    assert_null(aj_permit_validity_of(hot, -1));
    assert_null(aj_permit_approval_of(hot, 3));
    aj_permit_catalogue_free(cat);
}

static void test_real_gas_rules(void **state) {
    aj_permit_catalogue *cat = load_real();
    const aj_permit_type *hot = aj_permit_type_find(cat, "hot_work");
    assert_true(hot->gas.is_required);
    assert_int_equal(hot->gas.sample_max_age_min, 30);
    assert_true(hot->gas.is_daily_retest);
    assert_true(hot->gas.sample_distance_m_max == 10);
    assert_int_equal(hot->grades[aj_permit_grade_index(hot, "special")].gas_retest_after_pause_min, 30);
    assert_int_equal(hot->grades[aj_permit_grade_index(hot, "grade1")].gas_retest_after_pause_min, 30);
    assert_int_equal(hot->grades[aj_permit_grade_index(hot, "grade2")].gas_retest_after_pause_min, 60);
    assert_true(hot->grades[aj_permit_grade_index(hot, "special")].is_gas_monitored);
    assert_false(hot->grades[aj_permit_grade_index(hot, "grade1")].is_gas_monitored);
    const aj_permit_type *cs = aj_permit_type_find(cat, "confined_space");
    assert_true(cs->gas.is_required);
    assert_int_equal(cs->gas.sample_max_age_min, 30);
    assert_int_equal(cs->gas.record_interval_min, 120);
    assert_int_equal(cs->grades[0].gas_retest_after_pause_min, 60);
    assert_true(cs->grades[0].is_gas_monitored);
    static const char *const no_gas[] = {"blind_plate",     "height",     "lifting",
                                         "temporary_power", "excavation", "road_closure"};
    for (int i = 0; i < 6; i++) {
        const aj_permit_type *t = aj_permit_type_find(cat, no_gas[i]);
        assert_false(t->gas.is_required);
        for (int g = 0; g < t->n_grades; g++) assert_int_equal(t->grades[g].gas_retest_after_pause_min, 0);
    }
    aj_permit_catalogue_free(cat);
}

static void test_real_forms(void **state) {
    aj_permit_catalogue *cat = load_real();
    const aj_permit_type *power = aj_permit_type_find(cat, "temporary_power");
    assert_int_equal(power->n_bounded_by, 2);
    assert_string_equal(cat->types[power->bounded_by[0]].code, "hot_work");
    assert_string_equal(cat->types[power->bounded_by[1]].code, "confined_space");
    for (int i = 0; i < cat->n_types; i++) {
        const aj_permit_type *t = &cat->types[i];
        if (t != power) assert_int_equal(t->n_bounded_by, 0);
        bool has_attendant = false, has_start = false;
        for (int f = 0; f < t->n_fields; f++) {
            has_attendant |=
                strcmp(t->fields[f].id, "attendant") == 0 && t->fields[f].type == AJ_PERMIT_FIELD_PERSON;
            has_start |= strcmp(t->fields[f].id, "planned_start") == 0 && t->fields[f].is_required;
        }
        assert_true(has_attendant);
        assert_true(has_start);
    }
    const aj_permit_type *hot = aj_permit_type_find(cat, "hot_work");
    const char *const want[] = {"isolate_equipment", "drain_purge_clean",  "remove_combustibles_15m",
                                "cover_drains_15m",  "fire_extinguishers", "gas_analysis_done",
                                "attendant_present"};
    for (int k = 0; k < 7; k++) {
        bool found = false;
        for (int i = 0; i < hot->n_checklist; i++) found |= strcmp(hot->checklist[i].id, want[k]) == 0;
        assert_true(found);
    }
    const aj_permit_type *lifting = aj_permit_type_find(cat, "lifting");
    bool has_mass = false;
    for (int f = 0; f < lifting->n_fields; f++) {
        const aj_permit_field *fd = &lifting->fields[f];
        if (strcmp(fd->id, "load_mass") == 0) {
            has_mass = true;
            assert_int_equal(fd->type, AJ_PERMIT_FIELD_NUMBER);
            assert_string_equal(fd->unit, "t");
        }
        if (fd->type == AJ_PERMIT_FIELD_ENUM)
            assert_true(fd->n_options >= 2);
        else
            assert_null(fd->options);
    }
    assert_true(has_mass);
    assert_int_equal(aj_permit_role_index(cat, "senior_manager"), 0);
    assert_int_equal(aj_permit_role_index(cat, "nobody"), -1);
    static const char *const type_codes[] = {"text", "number",    "datetime", "enum",
                                             "bool", "geo_point", "person",   "people"};
    for (int t = 0; t < AJ_PERMIT_FIELD_TYPE_COUNT; t++)
        assert_string_equal(aj_permit_field_type_code((aj_permit_field_type)t), type_codes[t]);
    assert_string_equal(aj_permit_field_type_code(AJ_PERMIT_FIELD_TYPE_COUNT), "unknown");
    aj_permit_catalogue_free(cat);
}

/* ---- a small valid catalogue and edits of it -------------------------------------------- */

#define HOT                                                                                                  \
    "{\"code\": \"hot_work\", \"name\": {\"en\": \"Hot work\", \"zh\": \"动火作业\"},"                   \
    " \"grades\": [{\"code\": \"grade1\", \"name\": {\"en\": \"Grade 1\", \"zh\": \"一级\"}},"             \
    "              {\"code\": \"grade2\", \"name\": {\"en\": \"Grade 2\", \"zh\": \"二级\"}}],"            \
    " \"validity\": {\"grade1\": {\"default_h\": 8, \"max_h\": 8}, \"grade2\": {\"default_h\": 72, "         \
    "\"max_h\": "                                                                                            \
    "72}},"                                                                                                  \
    " \"approval\": {\"grade1\": [\"safety_dept\"], \"grade2\": [\"unit_leader\"]},"                         \
    " \"gas_analysis\": {\"required\": true, \"sample_max_age_min\": 30,"                                    \
    "                    \"retest_after_pause_min\": {\"grade1\": 30, \"grade2\": 60}},"                     \
    " \"fields\": [{\"id\": \"place\", \"label\": {\"en\": \"Place\", \"zh\": \"地点\"}, \"type\": "       \
    "\"text\", "                                                                                             \
    "\"required\": true},"                                                                                   \
    "   {\"id\": \"method\", \"label\": {\"en\": \"Method\", \"zh\": \"方式\"}, \"type\": \"enum\","       \
    "    \"options\": [{\"id\": \"welding\", \"label\": {\"en\": \"Welding\", \"zh\": \"电焊\"}}]},"       \
    "   {\"id\": \"height\", \"label\": {\"en\": \"Height\", \"zh\": \"高度\"}, \"type\": \"number\", "    \
    "\"unit\": \"m\"}],"                                                                                     \
    " \"checklist\": [{\"id\": \"isolate\", \"text\": {\"en\": \"Isolate\", \"zh\": \"隔离\"}},"           \
    "                {\"id\": \"gas_test\", \"text\": {\"en\": \"Gas test\", \"zh\": \"气体分析\"}}],"   \
    " \"hazards\": [{\"id\": \"fire\", \"text\": {\"en\": \"Fire\", \"zh\": \"火灾\"}}]}"

#define POWER                                                                                                \
    "{\"code\": \"temporary_power\", \"name\": {\"en\": \"Temporary power\", \"zh\": \"临时用电\"},"     \
    " \"grades\": [{\"code\": \"standard\", \"name\": {\"en\": \"Standard\", \"zh\": \"一般\"}}],"         \
    " \"validity\": {\"standard\": {\"default_h\": 360, \"max_h\": 720}},"                                   \
    " \"approval\": {\"standard\": [\"unit_leader\", \"safety_dept\"]},"                                     \
    " \"gas_analysis\": {\"required\": false},"                                                              \
    " \"bounded_by\": [\"hot_work\"],"                                                                       \
    " \"fields\": [{\"id\": \"source\", \"label\": {\"en\": \"Source\", \"zh\": \"电源\"}, \"type\": "     \
    "\"text\"}],"                                                                                            \
    " \"checklist\": [{\"id\": \"rcd\", \"text\": {\"en\": \"RCD\", \"zh\": \"漏电保护\"}}],"            \
    " \"hazards\": [{\"id\": \"shock\", \"text\": {\"en\": \"Shock\", \"zh\": \"触电\"}}]}"

#define HEAD                                                                                                 \
    "{\"format\": \"anjian-permit-catalogue\", \"version\": 1, \"standard\": \"GB 30871-2022\","             \
    " \"roles\": [{\"code\": \"unit_leader\", \"name\": {\"en\": \"Unit leader\", \"zh\": "                  \
    "\"基层单位负责人\"}},"                                                                           \
    "            {\"code\": \"safety_dept\", \"name\": {\"en\": \"Safety\", \"zh\": \"安全管理部门\"}}],"

static const char BASE[] = HEAD " \"types\": [" HOT ", " POWER "]}";

/* BASE with one edit (tests/unit/support/helpers.h), as text the caller frees. */
static char *edited(const char *path, const char *value) {
    return aj_test_json_edited(BASE, path, value);
}

static aj_err parse_text(const char *text, char *err, size_t errlen, aj_permit_catalogue **out) {
    aj_err e = aj_permit_catalogue_parse(text, strlen(text), out, err, errlen);
    if (e) assert_null(*out);
    return e;
}

static void test_base_and_variants(void **state) {
    char err[600] = "";
    aj_permit_catalogue *cat = NULL;
    char *text = edited(NULL, NULL);
    assert_int_equal(parse_text(text, err, sizeof err, &cat), AJ_OK);
    assert_string_equal(err, "");
    assert_true(aj_permit_catalogue_ok(cat));
    assert_int_equal(cat->n_roles, 2);
    assert_int_equal(cat->n_types, 2);
    const aj_permit_type *power = &cat->types[1];
    assert_int_equal(power->grades[0].approval.n_roles, 2);
    assert_int_equal(power->bounded_by[0], 0);
    assert_false(power->gas.is_required);
    assert_int_equal(cat->types[0].fields[1].n_options, 1);
    assert_false(cat->types[0].fields[1].is_required);
    assert_true(cat->types[0].fields[0].is_required);
    assert_null(cat->types[0].fields[0].unit);
    assert_string_equal(cat->types[0].fields[2].unit, "m");
    aj_permit_catalogue_free(cat);
    free(text);
    /* valid edits: a forward reference, every optional gas key, an empty bounded_by */
    static const char *const ok_edits[][2] = {
        {"types[0].bounded_by", "[\"temporary_power\"]"},
        {"types[0].gas_analysis.continuous_monitoring", "[\"grade1\", \"grade2\"]"},
        {"types[0].gas_analysis.record_interval_min", "1440"},
        {"types[0].gas_analysis.daily_retest", "false"},
        {"types[0].gas_analysis.sample_distance_m_max", "100"},
        {"types[0].gas_analysis.sample_distance_m_max", "0.5"},
        {"types[1].bounded_by", "[]"},
        {"types[0].validity.grade2", "{\"default_h\": 1, \"max_h\": 720}"},
        {"types[0].fields[0].required", "false"},
        {"types[0].hazards[0].id", "\"ABC_123\""},
    };
    for (size_t i = 0; i < sizeof ok_edits / sizeof ok_edits[0]; i++) {
        text = edited(ok_edits[i][0], ok_edits[i][1]);
        aj_err e = parse_text(text, err, sizeof err, &cat);
        if (e) fail_msg("%s = %s: %s", ok_edits[i][0], ok_edits[i][1], err);
        assert_true(aj_permit_catalogue_ok(cat));
        aj_permit_catalogue_free(cat);
        free(text);
    }
}

typedef struct bad_case {
    const char *path;  /* NULL: value is the whole text */
    const char *value; /* JSON; NULL deletes */
    aj_err code;
    const char *message;
} bad_case;

#define DEL NULL

static const bad_case BAD[] = {
    /* the document */
    {NULL, "[]", AJ_EINVAL, "$: must be an object, not an array"},
    {"colour", "1", AJ_EINVAL, "$: unknown key \"colour\""},
    {"types", DEL, AJ_EINVAL, "$: missing key \"types\""},
    {"format", "\"anjian-plant\"", AJ_EINVAL,
     "$.format: must be \"anjian-permit-catalogue\", not \"anjian-plant\""},
    {"version", "2", AJ_EINVAL, "$.version: unsupported version 2 (this build reads 1)"},
    {"version", "\"1\"", AJ_EINVAL, "$.version: must be an integer, not a string"},
    {"standard", "\"\"", AJ_EINVAL, "$.standard: must not be empty"},
    /* roles */
    {"roles", "[]", AJ_EINVAL, "$.roles: must not be empty"},
    {"roles[1].code", "\"unit_leader\"", AJ_EINVAL, "$.roles[1].code: duplicate code \"unit_leader\""},
    {"roles[0].code", "\"unit leader\"", AJ_EINVAL,
     "$.roles[0].code: \"unit leader\" is not an id (1 to 64 letters, digits or _)"},
    {"roles[0].name.zh", "\"\"", AJ_EINVAL, "$.roles[0].name.zh: must not be empty"},
    {"roles[0].name", "{\"en\": \"Unit leader\"}", AJ_EINVAL, "$.roles[0].name: missing key \"zh\""},
    {"roles[1]", "\"safety_dept\"", AJ_EINVAL, "$.roles[1]: must be an object, not a string"},
    /* types */
    {"types", "[]", AJ_EINVAL, "$.types: must not be empty"},
    {"types[0]", "null", AJ_EINVAL, "$.types[0]: must be an object, not null"},
    {"types[1].code", "\"hot_work\"", AJ_EINVAL, "$.types[1].code: duplicate code \"hot_work\""},
    {"types[0].colour", "1", AJ_EINVAL, "$.types[0]: unknown key \"colour\""},
    {"types[0].we\"irdé", "1", AJ_EINVAL, "$.types[0]: unknown key \"we\\\"irdé\""},
    {"types[0].checklist", DEL, AJ_EINVAL, "$.types[0]: missing key \"checklist\""},
    {"types[0].name", "\"Hot work\"", AJ_EINVAL, "$.types[0].name: must be an object, not a string"},
    /* grades */
    {"types[0].grades", "{}", AJ_EINVAL, "$.types[0].grades: must be an array, not an object"},
    {"types[0].grades", "[]", AJ_EINVAL, "$.types[0].grades: must not be empty"},
    {"types[0].grades[1].code", "\"grade1\"", AJ_EINVAL,
     "$.types[0].grades[1].code: duplicate code \"grade1\""},
    {"types[0].grades[1].code", "\"grade-2\"", AJ_EINVAL,
     "$.types[0].grades[1].code: \"grade-2\" is not an id (1 to 64 letters, digits or _)"},
    /* validity */
    {"types[0].validity.grade3", "{\"default_h\": 1, \"max_h\": 1}", AJ_EINVAL,
     "$.types[0].validity: \"grade3\" is not a grade of this type"},
    {"types[0].validity.grade2", DEL, AJ_EINVAL, "$.types[0].validity: no entry for grade \"grade2\""},
    {"types[0].validity.grade1.max_h", "0", AJ_EINVAL,
     "$.types[0].validity.grade1.max_h: must be from 1 to 720 hours, not 0"},
    {"types[0].validity.grade1.default_h", "-8", AJ_EINVAL,
     "$.types[0].validity.grade1.default_h: must be from 1 to 720 hours, not -8"},
    {"types[0].validity.grade2.max_h", "721", AJ_EINVAL,
     "$.types[0].validity.grade2.max_h: must be from 1 to 720 hours, not 721"},
    {"types[0].validity.grade2.default_h", "73", AJ_EINVAL,
     "$.types[0].validity.grade2.default_h: 73 hours is more than max_h (72)"},
    {"types[0].validity.grade1.max_h", "8.5", AJ_EINVAL,
     "$.types[0].validity.grade1.max_h: must be an integer, not a real number"},
    {"types[0].validity.grade1.hours", "8", AJ_EINVAL, "$.types[0].validity.grade1: unknown key \"hours\""},
    {"types[0].validity.grade1", "8", AJ_EINVAL,
     "$.types[0].validity.grade1: must be an object, not an integer"},
    /* approval */
    {"types[0].approval.grade1", "[]", AJ_EINVAL, "$.types[0].approval.grade1: empty approval chain"},
    {"types[0].approval.special", "[\"unit_leader\"]", AJ_EINVAL,
     "$.types[0].approval: \"special\" is not a grade of this type"},
    {"types[0].approval.grade2", DEL, AJ_EINVAL, "$.types[0].approval: no entry for grade \"grade2\""},
    {"types[0].approval.grade2[0]", "\"boss\"", AJ_EINVAL,
     "$.types[0].approval.grade2[0]: unknown role \"boss\""},
    {"types[1].approval.standard[1]", "\"unit_leader\"", AJ_EINVAL,
     "$.types[1].approval.standard[1]: duplicate role \"unit_leader\""},
    {"types[0].approval.grade1", "\"safety_dept\"", AJ_EINVAL,
     "$.types[0].approval.grade1: must be an array, not a string"},
    {"types[0].approval.grade1[0]", "7", AJ_EINVAL,
     "$.types[0].approval.grade1[0]: must be a string, not an integer"},
    /* gas analysis */
    {"types[0].gas_analysis.required", DEL, AJ_EINVAL, "$.types[0].gas_analysis: missing key \"required\""},
    {"types[0].gas_analysis.required", "1", AJ_EINVAL,
     "$.types[0].gas_analysis.required: must be a boolean, not an integer"},
    {"types[0].gas_analysis.sample_max_age_min", DEL, AJ_EINVAL,
     "$.types[0].gas_analysis: missing key \"sample_max_age_min\" (gas analysis is required)"},
    {"types[0].gas_analysis.retest_after_pause_min", DEL, AJ_EINVAL,
     "$.types[0].gas_analysis: missing key \"retest_after_pause_min\" (gas analysis is required)"},
    {"types[1].gas_analysis.sample_max_age_min", "30", AJ_EINVAL,
     "$.types[1].gas_analysis.sample_max_age_min: not allowed when gas analysis is not required"},
    {"types[1].gas_analysis.daily_retest", "false", AJ_EINVAL,
     "$.types[1].gas_analysis.daily_retest: not allowed when gas analysis is not required"},
    {"types[0].gas_analysis.sample_max_age_min", "1441", AJ_EINVAL,
     "$.types[0].gas_analysis.sample_max_age_min: must be from 1 to 1440 minutes, not 1441"},
    {"types[0].gas_analysis.retest_after_pause_min.grade2", "0", AJ_EINVAL,
     "$.types[0].gas_analysis.retest_after_pause_min.grade2: must be from 1 to 1440 minutes, not 0"},
    {"types[0].gas_analysis.retest_after_pause_min.grade1", "\"30\"", AJ_EINVAL,
     "$.types[0].gas_analysis.retest_after_pause_min.grade1: must be an integer, not a string"},
    {"types[0].gas_analysis.retest_after_pause_min.grade1", DEL, AJ_EINVAL,
     "$.types[0].gas_analysis.retest_after_pause_min: no entry for grade \"grade1\""},
    {"types[0].gas_analysis.continuous_monitoring", "[\"special\"]", AJ_EINVAL,
     "$.types[0].gas_analysis.continuous_monitoring[0]: \"special\" is not a grade of this type"},
    {"types[0].gas_analysis.continuous_monitoring", "[\"grade1\", \"grade1\"]", AJ_EINVAL,
     "$.types[0].gas_analysis.continuous_monitoring[1]: duplicate grade \"grade1\""},
    {"types[0].gas_analysis.record_interval_min", "0", AJ_EINVAL,
     "$.types[0].gas_analysis.record_interval_min: must be from 1 to 1440 minutes, not 0"},
    {"types[0].gas_analysis.sample_distance_m_max", "0", AJ_EINVAL,
     "$.types[0].gas_analysis.sample_distance_m_max: must be more than 0 and at most 100 metres, not 0"},
    {"types[0].gas_analysis.sample_distance_m_max", "100.5", AJ_EINVAL,
     "$.types[0].gas_analysis.sample_distance_m_max: must be more than 0 and at most 100 metres, not 100.5"},
    /* fields */
    {"types[0].fields", "[]", AJ_EINVAL, "$.types[0].fields: must not be empty"},
    {"types[0].fields[1].id", "\"place\"", AJ_EINVAL, "$.types[0].fields[1].id: duplicate id \"place\""},
    {"types[0].fields[0].type", "\"date\"", AJ_EINVAL,
     "$.types[0].fields[0].type: unknown field type \"date\" (one of text, number, datetime, enum, bool, "
     "geo_point, person, people)"},
    {"types[0].fields[0].unit", "\"m\"", AJ_EINVAL,
     "$.types[0].fields[0].unit: only number fields have a unit"},
    {"types[0].fields[2].unit", "\"\"", AJ_EINVAL, "$.types[0].fields[2].unit: must not be empty"},
    {"types[0].fields[1].options", DEL, AJ_EINVAL,
     "$.types[0].fields[1]: missing key \"options\" (an enum field needs them)"},
    {"types[0].fields[0].options", "[{\"id\": \"a\", \"label\": {\"en\": \"A\", \"zh\": \"甲\"}}]", AJ_EINVAL,
     "$.types[0].fields[0].options: only enum fields have options"},
    {"types[0].fields[1].options", "[]", AJ_EINVAL, "$.types[0].fields[1].options: must not be empty"},
    {"types[0].fields[1].options[1]", "{\"id\": \"welding\", \"label\": {\"en\": \"W\", \"zh\": \"焊\"}}",
     AJ_EINVAL, "$.types[0].fields[1].options[1].id: duplicate id \"welding\""},
    {"types[0].fields[1].options[0].text", "{\"en\": \"W\", \"zh\": \"焊\"}", AJ_EINVAL,
     "$.types[0].fields[1].options[0]: unknown key \"text\""},
    {"types[0].fields[0].required", "\"yes\"", AJ_EINVAL,
     "$.types[0].fields[0].required: must be a boolean, not a string"},
    {"types[0].fields[0].label", "{\"en\": \"Place\"}", AJ_EINVAL,
     "$.types[0].fields[0].label: missing key \"zh\""},
    /* checklist and hazards */
    {"types[0].checklist[2]", "{\"id\": \"gas_test\", \"text\": {\"en\": \"Again\", \"zh\": \"再次\"}}",
     AJ_EINVAL, "$.types[0].checklist[2].id: duplicate id \"gas_test\""},
    {"types[0].checklist[0].text.en", "5", AJ_EINVAL,
     "$.types[0].checklist[0].text.en: must be a string, not an integer"},
    {"types[0].checklist[0].label", "{\"en\": \"A\", \"zh\": \"甲\"}", AJ_EINVAL,
     "$.types[0].checklist[0]: unknown key \"label\""},
    {"types[0].hazards", "[]", AJ_EINVAL, "$.types[0].hazards: must not be empty"},
    {"types[0].hazards[0].id", "\"\"", AJ_EINVAL,
     "$.types[0].hazards[0].id: \"\" is not an id (1 to 64 letters, digits or _)"},
    {"types[0].hazards[0].id", "\"fire\\n\\\"x\\\"\"", AJ_EINVAL,
     "$.types[0].hazards[0].id: \"fire\\x0A\\\"x\\\"\" is not an id (1 to 64 letters, digits or _)"},
    /* bounded_by */
    {"types[1].bounded_by[0]", "\"hot_wrk\"", AJ_EINVAL,
     "$.types[1].bounded_by[0]: unknown type \"hot_wrk\""},
    {"types[1].bounded_by[0]", "\"temporary_power\"", AJ_EINVAL,
     "$.types[1].bounded_by[0]: a type cannot be bounded by itself"},
    {"types[1].bounded_by[1]", "\"hot_work\"", AJ_EINVAL,
     "$.types[1].bounded_by[1]: duplicate type \"hot_work\""},
    {"types[1].bounded_by", "\"hot_work\"", AJ_EINVAL,
     "$.types[1].bounded_by: must be an array, not a string"},
    {"types[1].bounded_by[0]", "0", AJ_EINVAL, "$.types[1].bounded_by[0]: must be a string, not an integer"},
};

static void test_invalid(void **state) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        const bad_case *c = &BAD[i];
        char *text = c->path ? edited(c->path, c->value) : strdup(c->value);
        char err[600] = "";
        aj_permit_catalogue *cat = (aj_permit_catalogue *)1;
        aj_err e = parse_text(text, err, sizeof err, &cat);
        if (e != c->code || strcmp(err, c->message) != 0)
            fail_msg("case %zu (%s = %s):\n  want %s %s\n  got  %s %s", i, c->path ? c->path : "-",
                     c->value ? c->value : "(delete)", aj_err_name(c->code), c->message, aj_err_name(e), err);
        free(text);
    }
    printf("invalid catalogues: %zu cases\n", sizeof BAD / sizeof BAD[0]);
}

/* ---- limits ---------------------------------------------------------------------------- */

/* A JSON array of n copies of item (the caller frees it). */
static char *repeat(const char *item, int n) {
    size_t len = strlen(item) + 2;
    char *out = malloc(len * (size_t)n + 3);
    assert_non_null(out);
    char *p = out;
    *p++ = '[';
    for (int i = 0; i < n; i++) p += sprintf(p, "%s%s", i ? ", " : "", item);
    *p++ = ']';
    *p = 0;
    return out;
}

/* A JSON string of n copies of the character c. */
static char *long_string(char c, size_t n) {
    char *out = malloc(n + 3);
    assert_non_null(out);
    out[0] = '"';
    memset(out + 1, c, n);
    out[n + 1] = '"';
    out[n + 2] = 0;
    return out;
}

static void expect(const char *path, const char *value, aj_err code, const char *message) {
    char *text = edited(path, value);
    char err[600] = "";
    aj_permit_catalogue *cat = NULL;
    aj_err e = parse_text(text, err, sizeof err, &cat);
    if (e != code || strcmp(err, message) != 0)
        fail_msg("%s:\n  want %s %s\n  got  %s %s", path, aj_err_name(code), message, aj_err_name(e), err);
    if (code == AJ_OK) {
        assert_true(aj_permit_catalogue_ok(cat));
        aj_permit_catalogue_free(cat);
    }
    free(text);
}

static void test_limits_counts(void **state) {
    static const char ITEM[] = "{\"id\": \"x\", \"text\": {\"en\": \"X\", \"zh\": \"叉\"}}";
    static const char FIELD[] =
        "{\"id\": \"f\", \"label\": {\"en\": \"F\", \"zh\": \"字\"}, \"type\": \"text\"}";
    static const char OPTION[] = "{\"id\": \"o\", \"label\": {\"en\": \"O\", \"zh\": \"选\"}}";
    static const char GRADE[] = "{\"code\": \"g\", \"name\": {\"en\": \"G\", \"zh\": \"级\"}}";
    static const char ROLE[] = "{\"code\": \"r\", \"name\": {\"en\": \"R\", \"zh\": \"角\"}}";
    static const char TYPE_ITEM[] = "{}";
    struct {
        const char *path, *item;
        int max;
        const char *message;
    } rows[] = {
        {"types[0].checklist", ITEM, AJ_PERMIT_CHECKLIST_MAX,
         "$.types[0].checklist: too many checklist items (65; at most 64)"},
        {"types[0].hazards", ITEM, AJ_PERMIT_HAZARDS_MAX,
         "$.types[0].hazards: too many hazards (65; at most 64)"},
        {"types[0].fields", FIELD, AJ_PERMIT_FIELDS_MAX,
         "$.types[0].fields: too many fields (65; at most 64)"},
        {"types[0].fields[1].options", OPTION, AJ_PERMIT_OPTIONS_MAX,
         "$.types[0].fields[1].options: too many options (33; at most 32)"},
        {"types[0].grades", GRADE, AJ_PERMIT_GRADES_MAX, "$.types[0].grades: too many grades (9; at most 8)"},
        {"roles", ROLE, AJ_PERMIT_ROLES_MAX, "$.roles: too many roles (65; at most 64)"},
        {"types", TYPE_ITEM, AJ_PERMIT_TYPES_MAX, "$.types: too many types (17; at most 16)"},
        {"types[0].approval.grade1", "\"safety_dept\"", AJ_PERMIT_APPROVERS_MAX,
         "$.types[0].approval.grade1: too many roles (17; at most 16)"},
        {"types[1].bounded_by", "\"hot_work\"", AJ_PERMIT_TYPES_MAX,
         "$.types[1].bounded_by: too many types (17; at most 16)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *list = repeat(rows[i].item, rows[i].max + 1);
        expect(rows[i].path, list, AJ_ETOOBIG, rows[i].message);
        free(list);
    }
    /* exactly the limit of distinct checklist items is fine */
    char *items = malloc(200 * AJ_PERMIT_CHECKLIST_MAX), *p = items;
    p += sprintf(p, "[");
    for (int i = 0; i < AJ_PERMIT_CHECKLIST_MAX; i++)
        p += sprintf(p, "%s{\"id\": \"c%d\", \"text\": {\"en\": \"C\", \"zh\": \"查\"}}", i ? ", " : "", i);
    sprintf(p, "]");
    expect("types[0].checklist", items, AJ_OK, "");
    free(items);
}

static void test_limits_lengths(void **state) {
    char *s = long_string('a', AJ_PERMIT_ID_LEN_MAX);
    expect("types[0].checklist[0].id", s, AJ_OK, "");
    free(s);
    s = long_string('a', AJ_PERMIT_ID_LEN_MAX + 1);
    expect(
        "types[0].checklist[0].id", s, AJ_EINVAL,
        "$.types[0].checklist[0].id: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is not an id (1 to 64 "
        "letters, digits or _)");
    free(s);
    s = long_string('n', AJ_PERMIT_LABEL_LEN_MAX);
    expect("types[0].name.en", s, AJ_OK, "");
    free(s);
    s = long_string('n', AJ_PERMIT_LABEL_LEN_MAX + 1);
    expect("types[0].name.en", s, AJ_ETOOBIG, "$.types[0].name.en: longer than 200 bytes (201)");
    free(s);
    s = long_string('t', AJ_PERMIT_TEXT_LEN_MAX);
    expect("types[0].hazards[0].text.zh", s, AJ_OK, "");
    free(s);
    s = long_string('t', AJ_PERMIT_TEXT_LEN_MAX + 1);
    expect("types[0].hazards[0].text.zh", s, AJ_ETOOBIG,
           "$.types[0].hazards[0].text.zh: longer than 1000 bytes (1001)");
    free(s);
    /* a quoted key cut at a character boundary: 13 three-byte characters fit in 40 bytes */
    char key[128] = "types[0].";
    for (int i = 0; i < 20; i++) strcat(key, "火");
    expect(key, "1", AJ_EINVAL, "$.types[0]: unknown key \"火火火火火火火火火火火火火...\"");
}

/* ---- raw texts, buffers, files --------------------------------------------------------- */

static void test_raw_texts(void **state) {
    char err[600];
    aj_permit_catalogue *cat = NULL;
    assert_int_equal(parse_text("not json", err, sizeof err, &cat), AJ_EJSON);
    assert_string_equal(err, "malformed JSON at line 1, column 3: '[' or '{' expected near 'not'");
    assert_int_equal(parse_text("", err, sizeof err, &cat), AJ_EJSON);
    char deep[200] = "";
    for (int i = 0; i < 40; i++) strcat(deep, "[");
    assert_int_equal(parse_text(deep, err, sizeof err, &cat), AJ_EJSON);
    assert_string_equal(err, "JSON nested deeper than 32 levels");
    /* a duplicate key is malformed JSON (jansson rejects it) */
    assert_int_equal(parse_text("{\"format\": 1, \"format\": 2}", err, sizeof err, &cat), AJ_EJSON);
    /* a NUL escaped into a string is refused by the JSON reader */
    char *text = edited("standard", "\"GB\\u0000\"");
    assert_int_equal(parse_text(text, err, sizeof err, &cat), AJ_EJSON);
    free(text);
    /* an unterminated text: len counts, not NUL */
    assert_int_equal(aj_permit_catalogue_parse(BASE, 10, &cat, err, sizeof err), AJ_EJSON);
    assert_null(cat);
}

static void test_error_buffers(void **state) {
    char *text = edited("types[0].hazards", "[]");
    aj_permit_catalogue *cat = NULL;
    char small[12];
    memset(small, 'x', sizeof small);
    assert_int_equal(parse_text(text, small, sizeof small, &cat), AJ_EINVAL);
    assert_string_equal(small, "$.types[0]."); /* cut, terminated */
    assert_int_equal(parse_text(text, NULL, 0, &cat), AJ_EINVAL);
    free(text);
    /* success clears the buffer */
    char err[64] = "stale";
    text = edited(NULL, NULL);
    assert_int_equal(parse_text(text, err, sizeof err, &cat), AJ_OK);
    assert_string_equal(err, "");
    aj_permit_catalogue_free(cat);
    aj_permit_catalogue_free(NULL);
    free(text);
}

static void test_load_files(void **state) {
    char err[700];
    aj_permit_catalogue *cat = (aj_permit_catalogue *)1;
    assert_int_equal(aj_permit_catalogue_load("/nonexistent/gb30871.json", &cat, err, sizeof err), AJ_EIO);
    assert_null(cat);
    assert_string_equal(err, "/nonexistent/gb30871.json: cannot read: No such file or directory");
    char path[] = "/tmp/aj-permit-catalogue-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *text = edited("types[0].validity.grade1.max_h", "0");
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    assert_int_equal(aj_permit_catalogue_load(path, &cat, err, sizeof err), AJ_EINVAL);
    char want[700];
    snprintf(want, sizeof want, "%s: $.types[0].validity.grade1.max_h: must be from 1 to 720 hours, not 0",
             path);
    assert_string_equal(err, want);
    /* larger than AJ_PERMIT_CATALOGUE_FILE_MAX */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (unsigned i = 0; i <= AJ_PERMIT_CATALOGUE_FILE_MAX / 1024; i++) {
        char block[1024];
        memset(block, ' ', sizeof block);
        assert_int_equal(fwrite(block, 1, sizeof block, f), sizeof block);
    }
    fclose(f);
    assert_int_equal(aj_permit_catalogue_load(path, &cat, err, sizeof err), AJ_ETOOBIG);
    snprintf(want, sizeof want, "%s: larger than %u bytes", path, AJ_PERMIT_CATALOGUE_FILE_MAX);
    assert_string_equal(err, want);
    unlink(path);
}

/* ---- the arena ------------------------------------------------------------------------- */

static void test_arena(void **state) {
    aj_arena *a = aj_arena_new();
    assert_non_null(a);
    assert_int_equal(aj_arena_used(a), 0);
    char *s = aj_arena_strdup(a, "盲板");
    assert_string_equal(s, "盲板");
    for (int i = 0; i < 1000; i++) {
        double *d = aj_arena_alloc(a, sizeof(double) * 3);
        assert_non_null(d);
        assert_true((uintptr_t)d % _Alignof(max_align_t) == 0);
        assert_true(d[0] == 0 && d[1] == 0 && d[2] == 0);
        d[0] = i;
    }
    unsigned char *big = aj_arena_alloc(a, AJ_ARENA_BLOCK_BYTES * 3);
    assert_non_null(big);
    for (size_t i = 0; i < AJ_ARENA_BLOCK_BYTES * 3; i++) assert_int_equal(big[i], 0);
    void *p0 = aj_arena_alloc(a, 0), *p1 = aj_arena_alloc(a, 0);
    assert_non_null(p0);
    assert_ptr_not_equal(p0, p1);
    assert_null(aj_arena_alloc(a, SIZE_MAX));
    assert_string_equal(s, "盲板"); /* earlier allocations stay put */
    assert_true(aj_arena_used(a) >= AJ_ARENA_BLOCK_BYTES * 3 + 1000 * 24);
    aj_arena_free(a);
    aj_arena_free(NULL);
}

/* ---- the fuzz corpus: every input parses or fails cleanly ------------------------------ */

/* One corpus file: it parses into a catalogue that passes its checker, or is refused with a
 * message and no catalogue. */
static bool replay_catalogue(const char *name, const char *bytes, size_t len, void *ctx) {
    (void)name, (void)ctx;
    aj_permit_catalogue *cat = NULL;
    char err[600] = "";
    aj_err e = aj_permit_catalogue_parse(bytes, len, &cat, err, sizeof err);
    if (e == AJ_OK) {
        assert_true(aj_permit_catalogue_ok(cat));
    } else {
        assert_null(cat);
        assert_true(e == AJ_EINVAL || e == AJ_EJSON || e == AJ_ETOOBIG);
        assert_true(err[0] != 0);
    }
    aj_permit_catalogue_free(cat);
    return e == AJ_OK;
}

static void test_fuzz_corpus(void **state) {
    (void)state;
    int n_files = aj_test_corpus_each(__FILE__, "../fuzz/corpus/permit_catalogue",
                                      AJ_PERMIT_CATALOGUE_FILE_MAX, replay_catalogue, NULL, NULL);
    if (n_files < 0) skip();
    assert_true(n_files > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_types),        cmocka_unit_test(test_real_grades),
        cmocka_unit_test(test_real_gas_rules),    cmocka_unit_test(test_real_forms),
        cmocka_unit_test(test_base_and_variants), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_limits_counts),     cmocka_unit_test(test_limits_lengths),
        cmocka_unit_test(test_raw_texts),         cmocka_unit_test(test_error_buffers),
        cmocka_unit_test(test_load_files),        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_fuzz_corpus),
    };
    return cmocka_run_group_tests_name("permit_catalogue", tests, NULL, NULL);
}
