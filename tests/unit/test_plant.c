/* test_plant.c — plant file validation, import and export (src/plant/).
 *
 * Every case runs on SQLite (a fresh file in a temporary directory) and, when
 * ANJIAN_TEST_PG_URL names a database whose name contains "test", on PostgreSQL too (its
 * public schema is dropped and recreated before each case). Each case gets a migrated
 * store, one connection and one enterprise.
 *
 * The bad-file cases are a table: each applies a few edits (path = JSON value, or
 * deletion) to a valid base file and names the error path and message it must produce;
 * every table row also checks that no row of any plant table (nor the audit log) was
 * written.
 */
#include "audit/audit.h"
#include "base/limits.h"
#include "base/log.h"
#include "plant/plant_file.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct backend {
    const char *name;
    aj_db_kind kind;
    char url[1024];
    char dir[256];
    aj_store *st;
    aj_db *db;
    int64_t ent; /* the enterprise of the case */
} backend;

static backend sqlite_backend = {.name = "sqlite", .kind = AJ_DB_SQLITE};
static backend pg_backend = {.name = "postgres", .kind = AJ_DB_POSTGRES};

/* ---- fixtures ----------------------------------------------------------------------- */

static int reset_postgres(const char *url) {
    aj_db *raw;
    char errbuf[512] = "";
    aj_err e = aj_postgres_open(url, &raw, errbuf, sizeof errbuf);
    if (e) {
        fprintf(stderr, "cannot open %s: %s\n", url, errbuf);
        return -1;
    }
    aj_result *r = NULL;
    e = raw->ops->query(raw, "SELECT current_database()", NULL, 0, &r);
    if (!e && !strstr(aj_result_text(r, 0, 0), "test"))
        e = aj_db_fail(raw, AJ_EINVAL, "database name lacks \"test\"");
    aj_result_free(r);
    if (!e) e = raw->ops->exec_script(raw, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    if (e) fprintf(stderr, "cannot reset %s: %s\n", url, aj_db_errmsg(raw));
    raw->ops->close(raw);
    return e ? -1 : 0;
}

static int64_t add_enterprise(aj_db *db, const char *code) {
    aj_val p[3] = {AJ_VTEXT(code), AJ_VTEXT("Enterprise"), AJ_VINT(1767323045678)};
    int64_t id = 0;
    aj_err e = aj_db_query_int(
        db, "INSERT INTO enterprises (code, name, created_ms) VALUES (?, ?, ?) RETURNING id", p, 3, &id);
    if (e) fail_msg("add enterprise %s: %s", code, aj_db_errmsg(db));
    return id;
}

static int open_fresh(void **state) {
    backend *b = *state;
    if (b->kind == AJ_DB_SQLITE) {
        const char *tmp = getenv("TMPDIR");
        snprintf(b->dir, sizeof b->dir, "%s/aj_test_plant_XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(b->dir)) return -1;
        snprintf(b->url, sizeof b->url, "sqlite:%s/plant.db", b->dir);
    } else if (reset_postgres(b->url) != 0) {
        return -1;
    }
    char errbuf[512] = "";
    aj_err e = aj_store_open(b->url, 1, &b->st, errbuf, sizeof errbuf);
    if (e) {
        fprintf(stderr, "%s: aj_store_open: %s\n", b->name, errbuf);
        return -1;
    }
    b->db = aj_store_acquire(b->st);
    b->ent = add_enterprise(b->db, "ENT1");
    return 0;
}

static int close_fresh(void **state) {
    backend *b = *state;
    aj_store_release(b->st, b->db);
    aj_store_free(b->st);
    b->st = NULL;
    if (b->kind == AJ_DB_SQLITE) {
        const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
        char path[512];
        for (size_t i = 0; i < 4; i++) {
            snprintf(path, sizeof path, "%s/plant.db%s", b->dir, suffixes[i]);
            unlink(path);
        }
        rmdir(b->dir);
    }
    return 0;
}

/* ---- the base file ------------------------------------------------------------------ */

/* Parents after children (organisations, assets) on purpose: import must order them. */
static const char BASE_FILE[] =
    "{\"format\": \"anjian-plant\", \"version\": 1,"
    " \"site\": {\"code\": \"S1\", \"name\": \"一厂\", \"name_en\": \"Plant 1\", \"timezone\": "
    "\"Asia/Shanghai\","
    "   \"lat\": 30.1, \"lon\": 120.2},"
    " \"organisations\": ["
    "   {\"code\": \"ORG.SAFETY\", \"name\": \"安全部\", \"kind\": \"department\", \"parent\": \"ORG.HQ\"},"
    "   {\"code\": \"ORG.HQ\", \"name\": \"总部\", \"name_en\": \"HQ\", \"kind\": \"department\"},"
    "   {\"code\": \"CON.A\", \"name\": \"承包商A\", \"kind\": \"contractor\", \"parent\": \"ORG.HQ\"}],"
    " \"areas\": ["
    "   {\"code\": \"A1\", \"name\": \"罐区\", \"kind\": \"tank_farm\", \"polygon\": [[0, 0], [10, 0], [10, "
    "10.5]],"
    "    \"lat\": 30.1, \"lon\": 120.2},"
    "   {\"code\": \"A2\", \"name\": \"泵房\", \"kind\": \"pump_house\"}],"
    " \"assets\": ["
    "   {\"code\": \"P-101A.SV\", \"name\": \"出口阀\", \"template\": \"valve\", \"area\": \"A2\", "
    "\"parent\": \"P-101A\"},"
    "   {\"code\": \"P-101A\", \"name\": \"进料泵\", \"template\": \"centrifugal_pump\", \"area\": \"A2\", "
    "\"x\": 1.5, \"y\": 2},"
    "   {\"code\": \"T-201\", \"name\": \"储罐\", \"template\": \"storage_tank\", \"area\": \"A1\"}],"
    " \"tags\": ["
    "   {\"key\": \"S1/P-101A/seal_temp\", \"name\": \"密封温度\", \"unit\": \"℃\", \"kind\": "
    "\"temperature\","
    "    \"range\": [0, 200], \"asset\": \"P-101A\", \"role\": \"seal_temp\"},"
    "   {\"key\": \"S1/T-201/level\", \"name\": \"液位\", \"unit\": \"m\", \"kind\": \"level\", \"range\": "
    "[0, 20.5],"
    "    \"asset\": \"T-201\", \"role\": \"level\", \"area\": \"A1\"},"
    "   {\"key\": \"S1/GD-01\", \"name\": \"硫化氢\", \"kind\": \"gas_toxic_ppm\", \"range\": [0, 100], "
    "\"area\": \"A1\","
    "    \"gas\": \"H2S\", \"oel\": 10, \"x\": 3, \"y\": 4},"
    "   {\"key\": \"S1/P-101A/run\", \"name\": \"运行\", \"kind\": \"status\", \"asset\": \"P-101A\"}],"
    " \"people\": ["
    "   {\"code\": \"E001\", \"name\": \"张三\", \"organisation\": \"ORG.SAFETY\", \"roles\": "
    "[\"safety_manager\", \"approver\"],"
    "    \"badge_uid\": \"04a1b2c3\", \"phone\": \"13800000000\","
    "    \"certificates\": [{\"type\": \"electrical\", \"number\": \"T-1\", \"issued_on\": \"2023-01-01\","
    "      \"expires_on\": \"2029-01-01\", \"next_review_on\": \"2026-01-01\"}]},"
    "   {\"code\": \"C001\", \"name\": \"李四\", \"organisation\": \"CON.A\", \"department\": \"维修\", "
    "\"roles\": [\"worker\"],"
    "    \"certificates\": [{\"type\": \"welding_cutting\", \"number\": \"W-1\", \"issued_on\": "
    "\"2022-05-01\","
    "      \"expires_on\": \"2028-05-01\"},"
    "     {\"type\": \"work_at_height\", \"number\": \"H-9\", \"issued_on\": \"2024-02-29\", \"expires_on\": "
    "\"2030-02-28\"}]}]}";

static const int BASE_COUNTS[AJ_PLANT_FAMILIES] = {3, 2, 3, 4, 2, 3};

static json_t *load_text(const char *text) {
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!doc) fail_msg("bad test JSON at %d:%d: %s", je.line, je.column, je.text);
    return doc;
}

static json_t *base_doc(void) {
    return load_text(BASE_FILE);
}

/* ---- edits: "people[0].certificates[1].number" = value ------------------------------ */

typedef struct step {
    char key[64]; /* "" for an array index */
    size_t idx;
} step;

static int parse_path(const char *path, step *steps, int max) {
    int n = 0;
    const char *p = path;
    while (*p && n < max) {
        if (*p == '.') p++;
        if (*p == '[') {
            steps[n++] = (step){.key = "", .idx = strtoul(p + 1, (char **)&p, 10)};
            p++; /* ']' */
            continue;
        }
        size_t len = strcspn(p, ".[");
        snprintf(steps[n].key, sizeof steps[n].key, "%.*s", (int)len, p);
        n++;
        p += len;
    }
    return n;
}

/* Sets (value JSON text) or deletes (value NULL) the element at path. */
static void edit(json_t *doc, const char *path, const char *value) {
    step steps[16];
    int n = parse_path(path, steps, 16);
    json_t *cur = doc;
    for (int i = 0; i < n - 1; i++)
        cur = steps[i].key[0] ? json_object_get(cur, steps[i].key) : json_array_get(cur, steps[i].idx);
    if (!cur) fail_msg("edit: no parent for %s", path);
    json_t *v = value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL;
    if (value && !v) fail_msg("edit: bad value %s", value);
    const step *last = &steps[n - 1];
    if (last->key[0] && v)
        json_object_set_new(cur, last->key, v);
    else if (last->key[0])
        json_object_del(cur, last->key);
    else if (v && last->idx == json_array_size(cur))
        json_array_append_new(cur, v);
    else if (v)
        json_array_set_new(cur, last->idx, v);
    else
        json_array_remove(cur, last->idx);
}

/* ---- helpers ------------------------------------------------------------------------ */

static const char *const TABLES[] = {"sites", "organisations", "areas",        "assets",
                                     "tags",  "people",        "certificates", "audit_log"};
#define N_TABLES 8

static void snapshot(aj_db *db, int64_t out[N_TABLES]) {
    for (int i = 0; i < N_TABLES; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", TABLES[i]);
        if (aj_db_query_int(db, sql, NULL, 0, &out[i])) fail_msg("%s: %s", sql, aj_db_errmsg(db));
    }
}

static int64_t query_int(aj_db *db, const char *sql, aj_val *p, int n) {
    int64_t v = -1;
    if (aj_db_query_int(db, sql, p, n, &v)) fail_msg("%s: %s", sql, aj_db_errmsg(db));
    return v;
}

static void print_errors(const aj_plant_report *rep) {
    for (int i = 0; i < rep->n_listed; i++)
        fprintf(stderr, "  %s: %s\n", rep->errors[i].path, rep->errors[i].message);
}

static aj_plant_report *import_ok(backend *b, int64_t ent, const json_t *doc) {
    aj_plant_report *rep = aj_plant_report_new();
    assert_non_null(rep);
    aj_err e = aj_plant_import(b->db, ent, "test", doc, rep);
    if (e) {
        print_errors(rep);
        fail_msg("import: %s (%s)", aj_err_name(e), aj_db_errmsg(b->db));
    }
    return rep;
}

static bool has_error(const aj_plant_report *rep, const char *path, const char *msg_part) {
    for (int i = 0; i < rep->n_listed; i++)
        if (strcmp(rep->errors[i].path, path) == 0 && strstr(rep->errors[i].message, msg_part)) return true;
    return false;
}

static void assert_counts(const aj_plant_report *rep, const int *created, const int *updated,
                          const int *unchanged) {
    for (int f = 0; f < AJ_PLANT_FAMILIES; f++) {
        if (rep->created[f] != created[f] || rep->updated[f] != updated[f] ||
            rep->unchanged[f] != unchanged[f])
            fail_msg("%s: created/updated/unchanged %d/%d/%d, expected %d/%d/%d", aj_plant_family_name(f),
                     rep->created[f], rep->updated[f], rep->unchanged[f], created[f], updated[f],
                     unchanged[f]);
    }
}

static const int ZERO[AJ_PLANT_FAMILIES] = {0};

static char *dump(const json_t *doc) {
    return json_dumps(doc, JSON_COMPACT);
}

static json_t *export_ok(backend *b, int64_t ent, int64_t site_id) {
    json_t *doc = NULL;
    aj_err e = aj_plant_export(b->db, ent, site_id, &doc);
    if (e) fail_msg("export: %s (%s)", aj_err_name(e), aj_db_errmsg(b->db));
    return doc;
}

/* ---- cases: valid files ------------------------------------------------------------- */

static void test_import_valid(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    aj_plant_report *rep = import_ok(b, b->ent, doc);
    assert_counts(rep, BASE_COUNTS, ZERO, ZERO);
    assert_int_equal(rep->site_status, AJ_PLANT_SITE_CREATED);
    assert_true(rep->site_id > 0);
    /* Every table holds what the file says. */
    int64_t n[N_TABLES];
    snapshot(b->db, n);
    assert_int_equal(n[0], 1);
    for (int f = 0; f < AJ_PLANT_FAMILIES; f++) assert_int_equal(n[f + 1], BASE_COUNTS[f]);
    /* one per object, the site, the summary, and one per generated alarm definition
     * (each tag's quality alarm, GB/T 50493 alarms of gas detectors) */
    int64_t n_alarm_defs = query_int(b->db, "SELECT COUNT(*) FROM alarm_defs", NULL, 0);
    assert_true(n_alarm_defs >= 4);
    assert_int_equal(n[7], 17 + 1 + 1 + n_alarm_defs);
    /* A tag with only an asset sits in the asset's area; parents resolved; badge upper case. */
    assert_int_equal(query_int(b->db,
                               "SELECT COUNT(*) FROM tags t JOIN assets a ON a.id = t.asset_id"
                               " JOIN areas ar ON ar.id = t.area_id WHERE t.key = 'S1/P-101A/seal_temp'"
                               " AND ar.code = 'A2'",
                               NULL, 0),
                     1);
    assert_int_equal(query_int(b->db,
                               "SELECT COUNT(*) FROM assets c JOIN assets p ON p.id = c.parent_id"
                               " WHERE c.code = 'P-101A.SV' AND p.code = 'P-101A'",
                               NULL, 0),
                     1);
    assert_int_equal(
        query_int(b->db,
                  "SELECT COUNT(*) FROM organisations c JOIN organisations p ON p.id = c.parent_id"
                  " WHERE p.code = 'ORG.HQ'",
                  NULL, 0),
        2);
    assert_int_equal(query_int(b->db,
                               "SELECT COUNT(*) FROM people WHERE badge_uid = '04A1B2C3'"
                               " AND roles_json = '[\"safety_manager\",\"approver\"]'",
                               NULL, 0),
                     1);
    assert_int_equal(
        query_int(b->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'plant.import.create'", NULL, 0), 18);
    aj_audit_report ar;
    assert_int_equal(aj_audit_verify(b->db, &ar), AJ_OK);
    /* The report as JSON. */
    json_t *j = aj_plant_report_json(rep);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "created"), "tags")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "created"), "sites")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "updated"), "sites")), 0);
    json_decref(j);
    aj_plant_report_free(rep);
    json_decref(doc);
}

static void test_reimport_changes_nothing(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    aj_plant_report_free(import_ok(b, b->ent, doc));
    int64_t before[N_TABLES], after[N_TABLES];
    snapshot(b->db, before);
    aj_plant_report *rep = import_ok(b, b->ent, doc);
    assert_counts(rep, ZERO, ZERO, BASE_COUNTS);
    assert_int_equal(rep->site_status, AJ_PLANT_SITE_UNCHANGED);
    snapshot(b->db, after);
    for (int i = 0; i < N_TABLES - 1; i++) assert_int_equal(before[i], after[i]);
    assert_int_equal(after[7], before[7] + 1); /* only the summary record */
    aj_plant_report_free(rep);
    json_decref(doc);
}

static void test_update_counts(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    aj_plant_report_free(import_ok(b, b->ent, doc));
    edit(doc, "tags[0].name", "\"密封腔温度\"");
    edit(doc, "organisations[2].parent", NULL); /* CON.A becomes top-level */
    edit(doc, "people[1].certificates[0].expires_on", "\"2028-06-01\"");
    edit(doc, "areas[0].polygon[3]", "[0, 10]");
    edit(doc, "site.name_en", "\"Plant One\"");
    aj_plant_report *rep = import_ok(b, b->ent, doc);
    int updated[AJ_PLANT_FAMILIES] = {1, 1, 0, 1, 0, 1};
    int unchanged[AJ_PLANT_FAMILIES] = {2, 1, 3, 3, 2, 2};
    assert_counts(rep, ZERO, updated, unchanged);
    assert_int_equal(rep->site_status, AJ_PLANT_SITE_UPDATED);
    assert_int_equal(
        query_int(b->db, "SELECT COUNT(*) FROM organisations WHERE code = 'CON.A' AND parent_id IS NULL",
                  NULL, 0),
        1);
    assert_int_equal(
        query_int(b->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'plant.import.update'", NULL, 0), 5);
    aj_audit_report ar;
    assert_int_equal(aj_audit_verify(b->db, &ar), AJ_OK);
    aj_plant_report_free(rep);
    json_decref(doc);
}

static void test_export_round_trip(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    aj_plant_report *rep = import_ok(b, b->ent, doc);
    int64_t site_id = rep->site_id;
    aj_plant_report_free(rep);
    json_t *exported = export_ok(b, b->ent, site_id);
    /* Sorted by code; optional nulls left out. */
    json_t *orgs = json_object_get(exported, "organisations");
    assert_string_equal(json_string_value(json_object_get(json_array_get(orgs, 0), "code")), "CON.A");
    assert_string_equal(json_string_value(json_object_get(json_array_get(orgs, 2), "code")), "ORG.SAFETY");
    assert_null(json_object_get(json_array_get(orgs, 1), "parent"));
    assert_null(json_object_get(json_array_get(orgs, 0), "name_en"));
    assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(exported, "people"), 0),
                                                     "certificates")),
                     2);
    /* Export -> import changes nothing; export again gives the same file. */
    rep = import_ok(b, b->ent, exported);
    assert_counts(rep, ZERO, ZERO, BASE_COUNTS);
    aj_plant_report_free(rep);
    json_t *again = export_ok(b, b->ent, site_id);
    char *t1 = dump(exported), *t2 = dump(again);
    assert_string_equal(t1, t2);
    /* Into an empty enterprise: the same export comes back. */
    int64_t ent2 = add_enterprise(b->db, "ENT2");
    rep = import_ok(b, ent2, exported);
    assert_counts(rep, BASE_COUNTS, ZERO, ZERO);
    json_t *other = export_ok(b, ent2, rep->site_id);
    char *t3 = dump(other);
    assert_string_equal(t1, t3);
    aj_plant_report_free(rep);
    free(t1), free(t2), free(t3);
    json_decref(other);
    json_decref(again);
    json_decref(exported);
    json_decref(doc);
    /* Unknown site, unknown enterprise. */
    json_t *none = NULL;
    assert_int_equal(aj_plant_export(b->db, b->ent, 999999, &none), AJ_ENOTFOUND);
    rep = aj_plant_report_new();
    doc = base_doc();
    assert_int_equal(aj_plant_import(b->db, 999999, "test", doc, rep), AJ_ENOTFOUND);
    aj_plant_report_free(rep);
    json_decref(doc);
}

/* A partial file may refer to organisations, areas and assets already stored. */
static void test_refers_to_stored(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    aj_plant_report_free(import_ok(b, b->ent, doc));
    json_decref(doc);
    doc = load_text(
        "{\"format\": \"anjian-plant\", \"version\": 1, \"site\": {\"code\": \"S1\", \"name\": \"一厂\","
        " \"name_en\": \"Plant 1\", \"timezone\": \"Asia/Shanghai\", \"lat\": 30.1, \"lon\": 120.2},"
        " \"assets\": [{\"code\": \"P-101B\", \"name\": \"备用泵\", \"template\": \"centrifugal_pump\","
        "   \"area\": \"A2\", \"parent\": \"P-101A\"}],"
        " \"tags\": [{\"key\": \"S1/P-101A/vib\", \"name\": \"振动\", \"kind\": \"vibration\", \"range\": "
        "[0, 50],"
        "   \"asset\": \"P-101A\", \"role\": \"vib_1x\"}],"
        " \"people\": [{\"code\": \"E002\", \"name\": \"王五\", \"organisation\": \"ORG.HQ\","
        "   \"badge_uid\": \"0011223344556677889A\"}]}");
    aj_plant_report *rep = import_ok(b, b->ent, doc);
    int created[AJ_PLANT_FAMILIES] = {0, 0, 1, 1, 1, 0};
    assert_counts(rep, created, ZERO, ZERO);
    assert_int_equal(rep->site_status, AJ_PLANT_SITE_UNCHANGED);
    assert_int_equal(query_int(b->db,
                               "SELECT COUNT(*) FROM tags t JOIN areas a ON a.id = t.area_id"
                               " WHERE t.key = 'S1/P-101A/vib' AND a.code = 'A2'",
                               NULL, 0),
                     1);
    aj_plant_report_free(rep);
    json_decref(doc);
}

/* ---- cases: bad files --------------------------------------------------------------- */

typedef struct bad_case {
    const char *name;
    const char *edits[3][2]; /* {path, value JSON or NULL to delete} */
    const char *path;        /* expected error path */
    const char *message;     /* part of the expected message */
} bad_case;

static const bad_case BAD_FILES[] = {
    {"wrong format", {{"format", "\"other\""}}, "$.format", "expected one of: anjian-plant"},
    {"wrong version", {{"version", "2"}}, "$.version", "must be 1"},
    {"missing format", {{"format", NULL}}, "$.format", "required field missing"},
    {"missing site", {{"site", NULL}}, "$.site", "required field missing"},
    {"site not object", {{"site", "[]"}}, "$.site", "expected object"},
    {"unknown top-level key", {{"colour", "\"red\""}}, "$.colour", "unknown field"},
    {"unknown area key", {{"areas[1].colour", "\"red\""}}, "$.areas[1].colour", "unknown field"},
    {"unknown certificate key",
     {{"people[0].certificates[0].grade", "1"}},
     "$.people[0].certificates[0].grade",
     "unknown field"},
    {"family not array", {{"areas", "{}"}}, "$.areas", "expected array"},
    {"item not object", {{"tags[1]", "5"}}, "$.tags[1]", "expected object"},
    {"missing name", {{"organisations[1].name", NULL}}, "$.organisations[1].name", "required field missing"},
    {"name wrong type", {{"areas[0].name", "5"}}, "$.areas[0].name", "expected string"},
    {"name empty", {{"areas[0].name", "\"\""}}, "$.areas[0].name", "expected 1-200 characters"},
    {"bad site code", {{"site.code", "\"bad code!\""}}, "$.site.code", "expected a code"},
    {"code too long",
     {{"areas[1].code", "\"A1234567890123456789012345678901234567890123456789012345678901234\""}},
     "$.areas[1].code",
     "expected a code"},
    {"slash only in tag keys", {{"areas[1].code", "\"A/2\""}}, "$.areas[1].code", "expected a code"},
    {"bad tag key", {{"tags[3].key", "\"a b\""}}, "$.tags[3].key", "expected a code"},
    {"lat out of range", {{"site.lat", "91"}}, "$.site.lat", "between -90 and 90"},
    {"lon out of range", {{"areas[0].lon", "-180.5"}}, "$.areas[0].lon", "between -180 and 180"},
    {"lon not number", {{"site.lon", "\"x\""}}, "$.site.lon", "expected a finite number"},
    {"x not number", {{"assets[1].x", "true"}}, "$.assets[1].x", "expected a finite number"},
    {"polygon too short",
     {{"areas[0].polygon", "[[0, 0], [1, 1]]"}},
     "$.areas[0].polygon",
     "3 to 1000 points"},
    {"polygon bad point", {{"areas[0].polygon[1]", "[1]"}}, "$.areas[0].polygon[1]", "point [x, y]"},
    {"area kind", {{"areas[0].kind", "\"swamp\""}}, "$.areas[0].kind", "expected one of: tank_farm"},
    {"organisation kind",
     {{"organisations[0].kind", "\"club\""}},
     "$.organisations[0].kind",
     "expected one of"},
    {"organisation kind missing",
     {{"organisations[0].kind", NULL}},
     "$.organisations[0].kind",
     "required field"},
    {"unknown parent organisation",
     {{"organisations[0].parent", "\"NOPE\""}},
     "$.organisations[0].parent",
     "unknown organisation 'NOPE'"},
    {"organisation cycle",
     {{"organisations[1].parent", "\"CON.A\""}},
     "$.organisations[2].parent",
     "parent chain loops back to 'ORG.HQ'"},
    {"duplicate area code",
     {{"areas[1].code", "\"A1\""}},
     "$.areas[1].code",
     "duplicate code 'A1', first at $.areas[0]"},
    {"duplicate organisation code",
     {{"organisations[2].code", "\"ORG.SAFETY\""}, {"people[1].organisation", "\"ORG.HQ\""}},
     "$.organisations[2].code",
     "first at $.organisations[0]"},
    {"duplicate tag key", {{"tags[1].key", "\"S1/P-101A/seal_temp\""}}, "$.tags[1].key", "duplicate key"},
    {"duplicate person code", {{"people[1].code", "\"E001\""}}, "$.people[1].code", "first at $.people[0]"},
    {"unknown template",
     {{"assets[1].template", "\"rocket\""}},
     "$.assets[1].template",
     "unknown template 'rocket'"},
    {"unknown area of asset", {{"assets[2].area", "\"A9\""}}, "$.assets[2].area", "unknown area 'A9'"},
    {"asset without area", {{"assets[1].area", NULL}}, "$.assets[1].area", "required field missing"},
    {"unknown parent asset", {{"assets[2].parent", "\"X-1\""}}, "$.assets[2].parent", "unknown asset 'X-1'"},
    {"asset parent cycle",
     {{"assets[1].parent", "\"P-101A.SV\""}},
     "$.assets[1].parent",
     "parent chain loops back to 'P-101A.SV'"},
    {"asset is its own parent",
     {{"assets[2].parent", "\"T-201\""}},
     "$.assets[2].parent",
     "loops back to 'T-201'"},
    {"role not in template",
     {{"tags[0].role", "\"level\""}},
     "$.tags[0].role",
     "'level' is not a signal role of template 'centrifugal_pump'"},
    {"role without asset", {{"tags[1].asset", NULL}}, "$.tags[1].role", "requires 'asset'"},
    {"tag without area or asset", {{"tags[2].area", NULL}}, "$.tags[2]", "needs 'area' or 'asset'"},
    {"tag unknown asset", {{"tags[3].asset", "\"P-999\""}}, "$.tags[3].asset", "unknown asset 'P-999'"},
    {"tag unknown area", {{"tags[2].area", "\"A7\""}}, "$.tags[2].area", "unknown area 'A7'"},
    {"tag kind", {{"tags[0].kind", "\"smell\""}}, "$.tags[0].kind", "expected one of: temperature"},
    {"range inverted", {{"tags[0].range", "[5, 1]"}}, "$.tags[0].range", "lo must be less than hi"},
    {"range equal", {{"tags[0].range", "[5, 5]"}}, "$.tags[0].range", "lo must be less than hi"},
    {"range not numbers", {{"tags[0].range", "[0, \"x\"]"}}, "$.tags[0].range", "expected [lo, hi]"},
    {"range missing", {{"tags[0].range", NULL}}, "$.tags[0].range", "required for kind 'temperature'"},
    {"gas missing", {{"tags[2].gas", NULL}}, "$.tags[2].gas", "required for kind 'gas_toxic_ppm'"},
    {"oel missing", {{"tags[2].oel", NULL}}, "$.tags[2].oel", "required for kind 'gas_toxic_ppm'"},
    {"oel zero", {{"tags[2].oel", "0"}}, "$.tags[2].oel", "must be greater than 0"},
    {"gas too long",
     {{"tags[2].gas", "\"123456789012345678901234567890123\""}},
     "$.tags[2].gas",
     "at most 32"},
    {"unit too long",
     {{"tags[0].unit", "\"123456789012345678901234567890123\""}},
     "$.tags[0].unit",
     "at most 32"},
    {"unknown organisation of person",
     {{"people[0].organisation", "\"NOPE\""}},
     "$.people[0].organisation",
     "unknown organisation 'NOPE'"},
    {"unknown role", {{"people[0].roles[1]", "\"pilot\""}}, "$.people[0].roles[1]", "unknown role 'pilot'"},
    {"duplicate role",
     {{"people[0].roles[1]", "\"safety_manager\""}},
     "$.people[0].roles[1]",
     "duplicate role"},
    {"role not a string", {{"people[0].roles[0]", "7"}}, "$.people[0].roles[0]", "expected string"},
    {"bad badge length",
     {{"people[0].badge_uid", "\"12345\""}},
     "$.people[0].badge_uid",
     "8, 14 or 20 hexadecimal"},
    {"bad badge digits", {{"people[0].badge_uid", "\"0011223g\""}}, "$.people[0].badge_uid", "hexadecimal"},
    {"duplicate badge",
     {{"people[1].badge_uid", "\"04A1B2C3\""}},
     "$.people[1].badge_uid",
     "already used at $.people[0]"},
    {"cert dates inverted",
     {{"people[0].certificates[0].expires_on", "\"2022-01-01\""}},
     "$.people[0].certificates[0].expires_on",
     "must be after issued_on"},
    {"cert dates equal",
     {{"people[1].certificates[0].expires_on", "\"2022-05-01\""}},
     "$.people[1].certificates[0].expires_on",
     "must be after issued_on"},
    {"review after expiry",
     {{"people[0].certificates[0].next_review_on", "\"2030-01-01\""}},
     "$.people[0].certificates[0].next_review_on",
     "must not be after expires_on"},
    {"review before issue",
     {{"people[0].certificates[0].next_review_on", "\"2020-01-01\""}},
     "$.people[0].certificates[0].next_review_on",
     "must not be before issued_on"},
    {"no such day",
     {{"people[1].certificates[1].expires_on", "\"2030-02-29\""}},
     "$.people[1].certificates[1].expires_on",
     "expected a date YYYY-MM-DD"},
    {"date with time",
     {{"people[1].certificates[1].issued_on", "\"2024-02-29T00:00:00Z\""}},
     "$.people[1].certificates[1].issued_on",
     "expected a date"},
    {"cert type",
     {{"people[0].certificates[0].type", "\"juggling\""}},
     "$.people[0].certificates[0].type",
     "expected one of"},
    {"cert number empty",
     {{"people[0].certificates[0].number", "\"\""}},
     "$.people[0].certificates[0].number",
     "1-64"},
    {"cert missing number",
     {{"people[0].certificates[0].number", NULL}},
     "$.people[0].certificates[0].number",
     "required"},
    {"duplicate certificate",
     {{"people[1].certificates[1]", "{\"type\": \"electrical\", \"number\": \"T-1\", \"issued_on\": "
                                    "\"2020-01-01\", \"expires_on\": \"2021-01-01\"}"}},
     "$.people[1].certificates[1].number",
     "already listed at $.people[0].certificates[0]"},
    {"certificates not array",
     {{"people[0].certificates", "{}"}},
     "$.people[0].certificates",
     "expected array"},
};

static void expect_rejected(backend *b, const json_t *doc, const char *name, const char *path,
                            const char *message) {
    int64_t before[N_TABLES], after[N_TABLES];
    snapshot(b->db, before);
    aj_plant_report *rep = aj_plant_report_new();
    aj_err e = aj_plant_import(b->db, b->ent, "test", doc, rep);
    if (e != AJ_EINVAL) fail_msg("%s: import gave %s, expected invalid", name, aj_err_name(e));
    if (!has_error(rep, path, message)) {
        print_errors(rep);
        fail_msg("%s: no error at %s with \"%s\"", name, path, message);
    }
    snapshot(b->db, after);
    for (int i = 0; i < N_TABLES; i++)
        if (before[i] != after[i]) fail_msg("%s: table %s changed", name, TABLES[i]);
    aj_plant_report_free(rep);
}

static void run_bad_cases(backend *b, const bad_case *cases, size_t n) {
    for (size_t i = 0; i < n; i++) {
        json_t *doc = base_doc();
        for (int k = 0; k < 3 && cases[i].edits[k][0]; k++)
            edit(doc, cases[i].edits[k][0], cases[i].edits[k][1]);
        expect_rejected(b, doc, cases[i].name, cases[i].path, cases[i].message);
        json_decref(doc);
    }
}

static void test_bad_files(void **state) {
    backend *b = *state;
    run_bad_cases(b, BAD_FILES, sizeof BAD_FILES / sizeof BAD_FILES[0]);
    json_t *not_object = load_text("[]");
    expect_rejected(b, not_object, "not an object", "$", "expected object");
    json_decref(not_object);
}

/* Conflicts with what the enterprise already holds (the base file is imported first). */
static const bad_case BAD_AGAINST_STORED[] = {
    {"badge of a stored person",
     {{"people[0]", NULL}, {"people[0].badge_uid", "\"04A1B2C3\""}},
     "$.people[0].badge_uid",
     "already belongs to person 'E001'"},
    {"certificate of a stored person",
     {{"people[0]", NULL},
      {"people[0].certificates[0]", "{\"type\": \"electrical\", \"number\": \"T-1\", \"issued_on\": "
                                    "\"2020-01-01\", \"expires_on\": \"2021-01-01\"}"}},
     "$.people[0].certificates[0].number",
     "already belongs to person 'E001'"},
    {"tag key of another site", {{"site.code", "\"S2\""}}, "$.tags[0].key", "already belongs to site 'S1'"},
    {"cycle through stored organisations",
     {{"organisations",
       "[{\"code\": \"ORG.HQ\", \"name\": \"总部\", \"kind\": \"department\", \"parent\": \"ORG.SAFETY\"}]"}},
     "$.organisations[0].parent",
     "loops back to 'ORG.HQ'"},
    {"cycle through stored assets",
     {{"assets",
       "[{\"code\": \"P-101A\", \"name\": \"泵\", \"template\": \"centrifugal_pump\", \"area\": \"A2\","
       " \"parent\": \"P-101A.SV\"}]"}},
     "$.assets[0].parent",
     "loops back to 'P-101A'"},
};

static void test_bad_against_stored(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    aj_plant_report_free(import_ok(b, b->ent, doc));
    json_decref(doc);
    run_bad_cases(b, BAD_AGAINST_STORED, sizeof BAD_AGAINST_STORED / sizeof BAD_AGAINST_STORED[0]);
}

/* One file, many different errors: each is listed with its own path. */
static void test_many_errors(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    const char *edits[][2] = {{"colour", "1"},
                              {"site.lat", "200"},
                              {"areas[2]", "{\"code\": \"A1\", \"name\": \"x\"}"},
                              {"assets[1].template", "\"x\""},
                              {"tags[0].range", "[9, 1]"},
                              {"people[0].badge_uid", "\"1\""},
                              {"people[1].certificates[0].expires_on", "\"2000-01-01\""}};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) edit(doc, edits[i][0], edits[i][1]);
    aj_plant_report *rep = aj_plant_report_new();
    assert_int_equal(aj_plant_import(b->db, b->ent, "test", doc, rep), AJ_EINVAL);
    const char *paths[] = {"$.colour",
                           "$.site.lat",
                           "$.areas[2].code",
                           "$.assets[1].template",
                           "$.tags[0].range",
                           "$.people[0].badge_uid",
                           "$.people[1].certificates[0].expires_on"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (!has_error(rep, paths[i], "")) fail_msg("no error at %s", paths[i]);
    assert_int_equal(rep->n_errors, 7);
    json_t *errs = aj_plant_errors_json(rep);
    assert_int_equal(json_array_size(errs), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "path")), "$.colour");
    json_decref(errs);
    aj_plant_report_free(rep);
    json_decref(doc);
}

/* More errors than the report lists: all are counted, the first AJ_PLANT_ERRORS_MAX kept. */
static void test_error_cap(void **state) {
    backend *b = *state;
    json_t *doc = base_doc();
    json_t *tags = json_object_get(doc, "tags");
    for (int i = 0; i < AJ_PLANT_ERRORS_MAX + 50; i++)
        json_array_append_new(tags, json_pack("{s:i}", "bogus", i));
    aj_plant_report *rep = aj_plant_report_new();
    assert_int_equal(aj_plant_import(b->db, b->ent, "test", doc, rep), AJ_EINVAL);
    /* each bogus tag: unknown field + 3 missing (key, name, kind) + needs area/asset */
    assert_int_equal(rep->n_errors, (AJ_PLANT_ERRORS_MAX + 50) * 5);
    assert_int_equal(rep->n_listed, AJ_PLANT_ERRORS_MAX);
    aj_plant_report_free(rep);
    json_decref(doc);
}

static void test_too_many_objects(void **state) {
    (void)state;
    json_t *doc = base_doc(), *tags = json_array(), *one = json_object();
    for (int i = 0; i <= AJ_PLANT_OBJECTS_MAX; i++) json_array_append(tags, one); /* shared: cheap */
    json_object_set_new(doc, "tags", tags);
    aj_plant_report *rep = aj_plant_report_new();
    assert_int_equal(aj_plant_validate(doc, NULL, rep), AJ_EINVAL);
    assert_int_equal(rep->n_errors, 1);
    assert_string_equal(rep->errors[0].path, "$");
    aj_plant_report_free(rep);
    json_decref(one);
    json_decref(doc);
}

/* Without a database every template and role is unknown; nothing else is wrong. */
static void test_validate_pure(void **state) {
    (void)state;
    json_t *doc = base_doc();
    aj_plant_report *rep = aj_plant_report_new();
    assert_int_equal(aj_plant_validate(doc, NULL, rep), AJ_EINVAL);
    assert_int_equal(rep->n_errors, 3 + 3); /* 3 asset templates, 3 roles */
    assert_true(has_error(rep, "$.assets[0].template", "unknown template 'valve'"));
    assert_true(has_error(rep, "$.people[1].roles[0]", "unknown role 'worker'"));
    /* Long Chinese names: 200 characters pass, 201 do not (characters, not bytes). */
    char name[201 * 3 + 3] = "\"";
    for (int i = 0; i < 200; i++) strcat(name, "厂");
    strcat(name, "\"");
    edit(doc, "areas[0].name", name);
    assert_int_equal(aj_plant_validate(doc, NULL, rep), AJ_EINVAL);
    assert_int_equal(rep->n_errors, 6);
    name[strlen(name) - 1] = 0;
    strcat(name, "厂\"");
    edit(doc, "areas[0].name", name);
    aj_plant_validate(doc, NULL, rep);
    assert_true(has_error(rep, "$.areas[0].name", "expected 1-200 characters"));
    aj_plant_report_free(rep);
    json_decref(doc);
}

static void test_parent_order(void **state) {
    (void)state;
    int parent[5] = {1, 2, 3, 4, -1}, order[5];
    assert_int_equal(aj_plant_parent_order(parent, 5, order), AJ_OK);
    for (int i = 0; i < 5; i++) assert_int_equal(order[i], 4 - i);
    int forest[4] = {-1, 0, -1, 2};
    assert_int_equal(aj_plant_parent_order(forest, 4, order), AJ_OK);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 2);
    int cycle[3] = {-1, 2, 1};
    assert_int_equal(aj_plant_parent_order(cycle, 3, order), AJ_EINVAL);
    assert_int_equal(aj_plant_parent_order(NULL, 0, order), AJ_OK);
}

/* The demo plant of the repository, when present, imports cleanly and round-trips. */
static void test_demo_plant(void **state) {
    backend *b = *state;
    char path[1024];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *cut = strstr(path, "tests/unit/test_plant.c");
    if (!cut) skip();
    snprintf(cut, sizeof path - (size_t)(cut - path), "plants/demo-chemical.json");
    if (access(path, R_OK) != 0) {
        printf("plant/demo: skipped (%s does not exist)\n", path);
        skip();
    }
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) fail_msg("%s:%d: %s", path, je.line, je.text);
    int expected[AJ_PLANT_FAMILIES] = {0};
    for (int f = 0; f < AJ_PLANT_CERTIFICATES; f++)
        expected[f] = (int)json_array_size(json_object_get(doc, aj_plant_family_name((aj_plant_family)f)));
    size_t i;
    json_t *person;
    json_array_foreach(json_object_get(doc, "people"), i, person) expected[AJ_PLANT_CERTIFICATES] +=
        (int)json_array_size(json_object_get(person, "certificates"));
    aj_plant_report *rep = import_ok(b, b->ent, doc);
    assert_counts(rep, expected, ZERO, ZERO);
    json_t *exported = export_ok(b, b->ent, rep->site_id);
    aj_plant_report_free(rep);
    rep = import_ok(b, b->ent, exported);
    assert_counts(rep, ZERO, ZERO, expected);
    aj_plant_report_free(rep);
    json_decref(exported);
    json_decref(doc);
}

#define PLANT_CASE(fn, b) cmocka_unit_test_prestate_setup_teardown(fn, open_fresh, close_fresh, b)
#define PLANT_CASES(b)                                                                                       \
    {                                                                                                        \
        cmocka_unit_test(test_parent_order), cmocka_unit_test(test_validate_pure),                           \
            cmocka_unit_test(test_too_many_objects), PLANT_CASE(test_import_valid, b),                       \
            PLANT_CASE(test_reimport_changes_nothing, b), PLANT_CASE(test_update_counts, b),                 \
            PLANT_CASE(test_export_round_trip, b), PLANT_CASE(test_refers_to_stored, b),                     \
            PLANT_CASE(test_bad_files, b), PLANT_CASE(test_bad_against_stored, b),                           \
            PLANT_CASE(test_many_errors, b), PLANT_CASE(test_error_cap, b), PLANT_CASE(test_demo_plant, b),  \
    }

int main(void) {
    aj_log_set_level(AJ_LOG_WARN);
    const struct CMUnitTest sqlite_cases[] = PLANT_CASES(&sqlite_backend);
    int n_failed = cmocka_run_group_tests_name("plant/sqlite", sqlite_cases, NULL, NULL);
    const char *pg_url = getenv("ANJIAN_TEST_PG_URL");
    if (!pg_url || !*pg_url) {
        printf("plant/postgres: skipped (ANJIAN_TEST_PG_URL is not set)\n");
        return n_failed;
    }
    snprintf(pg_backend.url, sizeof pg_backend.url, "%s", pg_url);
    const struct CMUnitTest pg_cases[] = PLANT_CASES(&pg_backend);
    n_failed += cmocka_run_group_tests_name("plant/postgres", pg_cases, NULL, NULL);
    return n_failed;
}
