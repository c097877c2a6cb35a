/* test_store.c — the store interface (store.h) against both backends.
 *
 * Every case runs once on SQLite (a fresh file in a temporary directory) and once on
 * PostgreSQL when ANJIAN_TEST_PG_URL names a database (scripts/pg-test-server.sh starts
 * one). The public schema of that database is dropped and recreated before each case,
 * so its name must contain "test", and no other program may use it at the same time.
 * Each case gets a freshly migrated store with POOL_N connections in its state; the cases
 * are backend-blind except where a comment says why.
 */
#include "base/limits.h"
#include "base/log.h"
#include "store/migrations.h"
#include "store/store.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define POOL_N 3

typedef struct backend {
    const char *name;
    aj_db_kind kind;
    char url[1024];
    char dir[256]; /* SQLite: the temporary directory holding the database */
    aj_store *st;  /* open during a case */
} backend;

static backend sqlite_backend = {.name = "sqlite", .kind = AJ_DB_SQLITE};
static backend pg_backend = {.name = "postgres", .kind = AJ_DB_POSTGRES};

/* ---- fixtures ----------------------------------------------------------------------- */

static int n_migrations_of(aj_db_kind kind) {
    return kind == AJ_DB_SQLITE ? aj_n_migrations_sqlite : aj_n_migrations_postgres;
}

static void remove_sqlite_files(backend *b) {
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[512];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s/store.db%s", b->dir, suffixes[i]);
        unlink(path);
    }
}

/* Empties the PostgreSQL database: drops and recreates the public schema. */
static int reset_postgres(const char *url) {
    aj_db *raw;
    char errbuf[512] = "";
    aj_err e = aj_postgres_open(url, &raw, errbuf, sizeof errbuf);
    if (e) {
        fprintf(stderr, "cannot open %s: %s\n", url, errbuf);
        return -1;
    }
    /* A guard against pointing the tests at a database someone cares about. */
    aj_result *r = NULL;
    e = raw->ops->query(raw, "SELECT current_database()", NULL, 0, &r);
    const char *name = e ? "?" : aj_result_text(r, 0, 0);
    if (!e && !strstr(name, "test")) {
        aj_db_fail(raw, AJ_EINVAL, "refusing to empty database \"%s\": its name lacks \"test\"", name);
        e = AJ_EINVAL;
    }
    aj_result_free(r);
    if (!e) e = raw->ops->exec_script(raw, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    if (e) fprintf(stderr, "cannot reset %s: %s\n", url, aj_db_errmsg(raw));
    raw->ops->close(raw);
    return e ? -1 : 0;
}

static int open_fresh(void **state) {
    backend *b = *state;
    if (b->kind == AJ_DB_SQLITE) {
        const char *tmp = getenv("TMPDIR");
        snprintf(b->dir, sizeof b->dir, "%s/aj_test_store_XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(b->dir)) return -1;
        snprintf(b->url, sizeof b->url, "sqlite:%s/store.db", b->dir);
    } else if (reset_postgres(b->url) != 0) {
        return -1;
    }
    char errbuf[512] = "";
    aj_err e = aj_store_open(b->url, POOL_N, &b->st, errbuf, sizeof errbuf);
    if (e) {
        fprintf(stderr, "%s: aj_store_open: %s: %s\n", b->name, aj_err_name(e), errbuf);
        return -1;
    }
    return 0;
}

static int close_fresh(void **state) {
    backend *b = *state;
    aj_store_free(b->st);
    b->st = NULL;
    if (b->kind == AJ_DB_SQLITE) {
        remove_sqlite_files(b);
        rmdir(b->dir);
    }
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static void sleep_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t count_rows(aj_db *db, const char *table) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    int64_t n = -1;
    aj_err e = aj_db_query_int(db, sql, NULL, 0, &n);
    if (e) fail_msg("%s: %s", sql, aj_db_errmsg(db));
    return n;
}

static aj_err add_enterprise(aj_db *db, const char *code, int64_t *id) {
    aj_val p[3] = {AJ_VTEXT(code), AJ_VTEXT("Enterprise"), AJ_VINT(1767323045678)};
    return aj_db_query_int(db,
                           "INSERT INTO enterprises (code, name, created_ms) VALUES (?, ?, ?)"
                           " RETURNING id",
                           p, 3, id);
}

static int64_t must_add_enterprise(aj_db *db, const char *code) {
    int64_t id = 0;
    aj_err e = add_enterprise(db, code, &id);
    if (e) fail_msg("add_enterprise %s: %s: %s", code, aj_err_name(e), aj_db_errmsg(db));
    return id;
}

static int64_t must_add_site(aj_db *db, int64_t enterprise_id, const char *code) {
    aj_val p[3] = {AJ_VINT(enterprise_id), AJ_VTEXT(code), AJ_VTEXT("Site")};
    int64_t id = 0;
    aj_err e = aj_db_query_int(db,
                               "INSERT INTO sites (enterprise_id, code, name) VALUES (?, ?, ?)"
                               " RETURNING id",
                               p, 3, &id);
    if (e) fail_msg("add_site %s: %s: %s", code, aj_err_name(e), aj_db_errmsg(db));
    return id;
}

/* ---- migrations and seeds ----------------------------------------------------------- */

static void test_migrations_applied(void **state) {
    backend *b = *state;
    int n = n_migrations_of(b->kind);
    assert_int_equal(n, 12); /* 0001 foundation, 0002 seeds, 0003 archive, 0004 data.write, 0005 alarms, 0006
                               incidents, 0007 permits, 0008 hazards, 0009 risk register, 0010
                               inspections, 0011 major hazard sources, 0012 connection maps */
    assert_int_equal(aj_n_migrations_sqlite, aj_n_migrations_postgres);
    const aj_migration *list = b->kind == AJ_DB_SQLITE ? aj_migrations_sqlite : aj_migrations_postgres;
    assert_int_equal(list[n - 1].version, n);
    assert_null(list[n].sql);
    assert_int_equal(aj_store_kind(b->st), b->kind);
    assert_int_equal(aj_store_schema_version(b->st), n);

    aj_db *db = aj_store_acquire(b->st);
    assert_int_equal(aj_db_kind_of(db), b->kind);
    assert_int_equal(count_rows(db, "schema_version"), n);
    int64_t applied_ms = 0;
    assert_int_equal(aj_db_query_int(db, "SELECT MAX(applied_ms) FROM schema_version", NULL, 0, &applied_ms),
                     AJ_OK);
    char errbuf[512] = "";
    assert_int_equal(aj_store_migrate(db, errbuf, sizeof errbuf), AJ_OK); /* nothing to do */
    aj_store_release(b->st, db);

    /* A second open applies nothing: same rows, same times, seeds not duplicated. */
    aj_store_free(b->st);
    b->st = NULL;
    assert_int_equal(aj_store_open(b->url, 2, &b->st, errbuf, sizeof errbuf), AJ_OK);
    assert_int_equal(aj_store_schema_version(b->st), n);
    db = aj_store_acquire(b->st);
    assert_int_equal(count_rows(db, "schema_version"), n);
    int64_t applied_again_ms = 0;
    assert_int_equal(
        aj_db_query_int(db, "SELECT MAX(applied_ms) FROM schema_version", NULL, 0, &applied_again_ms), AJ_OK);
    assert_int_equal(applied_again_ms, applied_ms);
    assert_int_equal(count_rows(db, "roles"), 10);
    aj_store_release(b->st, db);
}

static void test_seeds_present(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    assert_int_equal(count_rows(db, "roles"), 10); /* 9 + collector (0004) */
    assert_int_equal(count_rows(db, "permissions"), 24);
    assert_int_equal(count_rows(db, "role_permissions"), 93);
    assert_int_equal(count_rows(db, "asset_templates"), 10);
    assert_int_equal(count_rows(db, "audit_head"), 1);

    aj_result *r;
    aj_val role = AJ_VTEXT("admin");
    assert_int_equal(aj_db_query(db, "SELECT name_zh FROM roles WHERE name = ?", &role, 1, &r), AJ_OK);
    assert_int_equal(aj_result_rows(r), 1);
    assert_string_equal(aj_result_text(r, 0, 0), "系统管理员"); /* UTF-8 survives */
    aj_result_free(r);

    json_t *rows;
    assert_int_equal(aj_db_query_json(db,
                                      "SELECT code, signal_roles_json FROM asset_templates"
                                      " WHERE code = 'valve'",
                                      NULL, 0, &rows),
                     AJ_OK);
    assert_int_equal(json_array_size(rows), 1);
    json_t *roles = json_object_get(json_array_get(rows, 0), "signal_roles");
    assert_true(json_is_array(roles));
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(json_string_value(json_array_get(roles, 0)), "position");
    json_decref(rows);

    int64_t seq = -1;
    assert_int_equal(aj_db_query_int(db, "SELECT seq FROM audit_head WHERE id = 1", NULL, 0, &seq), AJ_OK);
    assert_int_equal(seq, 0);
    aj_store_release(b->st, db);
}

/* ---- writes and reads --------------------------------------------------------------- */

static void test_insert_returning_id(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    assert_int_equal(must_add_enterprise(db, "acme"), 1);
    assert_int_equal(must_add_enterprise(db, "globex"), 2);
    assert_int_equal(must_add_site(db, 2, "north"), 1);

    int64_t n_changed = -1;
    aj_val p[3] = {AJ_VTEXT("Renamed"), AJ_VINT(1), AJ_VINT(2)};
    assert_int_equal(aj_db_exec(db, "UPDATE enterprises SET name = ? WHERE id IN (?, ?)", p, 3, &n_changed),
                     AJ_OK);
    assert_int_equal(n_changed, 2);
    aj_val none = AJ_VINT(99);
    assert_int_equal(aj_db_exec(db, "DELETE FROM enterprises WHERE id = ?", &none, 1, &n_changed), AJ_OK);
    assert_int_equal(n_changed, 0);
    assert_int_equal(aj_db_exec(db, "DELETE FROM sites", NULL, 0, &n_changed), AJ_OK);
    assert_int_equal(n_changed, 1);

    /* RETURNING through aj_db_query gives the whole row. */
    aj_result *r;
    aj_val q[3] = {AJ_VTEXT("initech"), AJ_VTEXT("Initech"), AJ_VINT(5)};
    assert_int_equal(aj_db_query(db,
                                 "INSERT INTO enterprises (code, name, created_ms) VALUES (?, ?, ?)"
                                 " RETURNING id, code",
                                 q, 3, &r),
                     AJ_OK);
    assert_int_equal(aj_result_rows(r), 1);
    assert_int_equal(aj_result_cols(r), 2);
    assert_int_equal(aj_result_int(r, 0, 0), 3);
    assert_string_equal(aj_result_text(r, 0, 1), "initech");
    aj_result_free(r);

    /* Upsert: the same statement inserts, then updates through excluded. */
    const char *upsert = "INSERT INTO asset_templates (code, name, name_en, signal_roles_json)"
                         " VALUES (?, ?, 'pump', '[]')"
                         " ON CONFLICT (code) DO UPDATE SET name = excluded.name";
    aj_val u1[2] = {AJ_VTEXT("pump"), AJ_VTEXT("泵")}, u2[2] = {AJ_VTEXT("pump"), AJ_VTEXT("水泵")};
    assert_int_equal(aj_db_exec(db, upsert, u1, 2, &n_changed), AJ_OK);
    assert_int_equal(n_changed, 1);
    assert_int_equal(aj_db_exec(db, upsert, u2, 2, &n_changed), AJ_OK);
    assert_int_equal(n_changed, 1);
    assert_int_equal(aj_db_query(db, "SELECT name FROM asset_templates WHERE code = 'pump'", NULL, 0, &r),
                     AJ_OK);
    assert_string_equal(aj_result_text(r, 0, 0), "水泵");
    aj_result_free(r);
    assert_int_equal(count_rows(db, "asset_templates"), 11);
    aj_store_release(b->st, db);
}

static void test_query_types(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    const int64_t big = 9007199254740993; /* 2^53 + 1: not exact as a double */
    aj_val e[3] = {AJ_VTEXT("acme"), AJ_VTEXT("Acme"), AJ_VINT(big)};
    assert_int_equal(
        aj_db_exec(db, "INSERT INTO enterprises (code, name, created_ms) VALUES (?, ?, ?)", e, 3, NULL),
        AJ_OK);
    aj_val s[5] = {AJ_VINT(1), AJ_VTEXT("north"), AJ_VTEXT("北厂"), AJ_VDBL(31.234567890123457), AJ_VNULL};
    assert_int_equal(aj_db_exec(db,
                                "INSERT INTO sites (enterprise_id, code, name, lat, lon)"
                                " VALUES (?, ?, ?, ?, ?)",
                                s, 5, NULL),
                     AJ_OK);

    aj_result *r;
    assert_int_equal(aj_db_query(db,
                                 "SELECT s.id, s.code, s.name, s.lat, s.lon, s.name_en, e.created_ms"
                                 " FROM sites s JOIN enterprises e ON e.id = s.enterprise_id",
                                 NULL, 0, &r),
                     AJ_OK);
    assert_int_equal(aj_result_rows(r), 1);
    assert_int_equal(aj_result_cols(r), 7);
    assert_string_equal(aj_result_col_name(r, 0), "id");
    assert_string_equal(aj_result_col_name(r, 6), "created_ms");
    assert_int_equal(aj_result_int(r, 0, 0), 1);
    assert_string_equal(aj_result_text(r, 0, 0), "1");
    assert_string_equal(aj_result_text(r, 0, 1), "north");
    assert_string_equal(aj_result_text(r, 0, 2), "北厂");
    assert_true(aj_result_double(r, 0, 3) == 31.234567890123457);
    assert_true(aj_result_is_null(r, 0, 4));
    assert_null(aj_result_text(r, 0, 4));
    assert_true(aj_result_is_null(r, 0, 5));
    assert_false(aj_result_is_null(r, 0, 6));
    assert_true(aj_result_int(r, 0, 6) == big);
    aj_result_free(r);

    /* An empty result still knows its columns. */
    assert_int_equal(aj_db_query(db, "SELECT id, code FROM sites WHERE 1 = 0", NULL, 0, &r), AJ_OK);
    assert_int_equal(aj_result_rows(r), 0);
    assert_int_equal(aj_result_cols(r), 2);
    aj_result_free(r);
    aj_store_release(b->st, db);
}

static void test_row_json_conventions(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    int64_t enterprise_id = must_add_enterprise(db, "acme"); /* created_ms 1767323045678 */
    int64_t site_id = must_add_site(db, enterprise_id, "north");
    aj_val a[5] = {AJ_VINT(enterprise_id), AJ_VINT(site_id), AJ_VTEXT("unit-1"),
                   AJ_VTEXT("[[121.5,31.2],[121.6,31.3]]"), AJ_VDBL(-0.5)};
    assert_int_equal(aj_db_exec(db,
                                "INSERT INTO areas (enterprise_id, site_id, code, name, polygon_json, lat)"
                                " VALUES (?, ?, ?, 'Unit 1', ?, ?)",
                                a, 5, NULL),
                     AJ_OK);

    /* Comparisons are booleans on PostgreSQL and integers on SQLite: both read as _bool. */
    json_t *rows;
    assert_int_equal(aj_db_query_json(db,
                                      "SELECT a.id, a.code, a.lat, a.name_en, a.polygon_json,"
                                      " a.kind AS kind_json, (a.lat < 0) AS south_bool,"
                                      " (1 = 0) AS never_bool, e.created_ms"
                                      " FROM areas a JOIN enterprises e ON e.id = a.enterprise_id",
                                      NULL, 0, &rows),
                     AJ_OK);
    assert_int_equal(json_array_size(rows), 1);
    json_t *row = json_array_get(rows, 0);
    assert_true(json_is_integer(json_object_get(row, "id")));
    assert_int_equal(json_integer_value(json_object_get(row, "id")), 1);
    assert_string_equal(json_string_value(json_object_get(row, "code")), "unit-1");
    assert_true(json_is_real(json_object_get(row, "lat")));
    assert_true(json_real_value(json_object_get(row, "lat")) == -0.5);
    assert_true(json_is_null(json_object_get(row, "name_en")));
    json_t *polygon = json_object_get(row, "polygon");
    assert_true(json_is_array(polygon));
    assert_int_equal(json_array_size(polygon), 2);
    assert_true(json_real_value(json_array_get(json_array_get(polygon, 1), 0)) == 121.6);
    assert_null(json_object_get(row, "polygon_json"));
    assert_true(json_is_null(json_object_get(row, "kind"))); /* NULL _json -> null */
    assert_true(json_is_true(json_object_get(row, "south")));
    assert_true(json_is_false(json_object_get(row, "never")));
    assert_string_equal(json_string_value(json_object_get(row, "created")), "2026-01-02T03:04:05.678Z");
    assert_null(json_object_get(row, "created_ms"));
    assert_int_equal(json_object_size(row), 9);
    json_decref(rows);
    aj_store_release(b->st, db);
}

static void test_params_round_trip(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    aj_val p[6] = {AJ_VINT(INT64_MIN),
                   AJ_VINT(INT64_MAX),
                   AJ_VDBL(1e-300),
                   AJ_VDBL(-2.5),
                   AJ_VTEXT("it's \"quoted\" \\ 温度 ?"),
                   AJ_VNULL};
    aj_result *r;
    assert_int_equal(aj_db_query(db,
                                 "SELECT CAST(? AS BIGINT) AS lo, CAST(? AS BIGINT) AS hi,"
                                 " CAST(? AS DOUBLE PRECISION) AS tiny, CAST(? AS DOUBLE PRECISION) AS neg,"
                                 " CAST(? AS TEXT) AS t, CAST(? AS TEXT) AS n",
                                 p, 6, &r),
                     AJ_OK);
    assert_true(aj_result_int(r, 0, 0) == INT64_MIN);
    assert_true(aj_result_int(r, 0, 1) == INT64_MAX);
    assert_true(aj_result_double(r, 0, 2) == 1e-300);
    assert_true(aj_result_double(r, 0, 3) == -2.5);
    assert_string_equal(aj_result_text(r, 0, 4), "it's \"quoted\" \\ 温度 ?");
    assert_true(aj_result_is_null(r, 0, 5));
    aj_result_free(r);

    /* Paging parameters, and the portable way to test a parameter for NULL: PostgreSQL
     * cannot type a bare "? IS NULL", so it is written CAST(? AS TEXT) IS NULL. */
    aj_val page[2] = {AJ_VINT(2), AJ_VINT(1)};
    assert_int_equal(
        aj_db_query(db, "SELECT code FROM asset_templates ORDER BY code LIMIT ? OFFSET ?", page, 2, &r),
        AJ_OK);
    assert_int_equal(aj_result_rows(r), 2);
    assert_string_equal(aj_result_text(r, 0, 0), "compressor");
    aj_result_free(r);
    const char *filter = "SELECT COUNT(*) FROM roles WHERE (CAST(? AS TEXT) IS NULL OR name = ?)";
    aj_val any[2] = {AJ_VNULL, AJ_VNULL}, one[2] = {AJ_VTEXT("admin"), AJ_VTEXT("admin")};
    int64_t n = 0;
    assert_int_equal(aj_db_query_int(db, filter, any, 2, &n), AJ_OK);
    assert_int_equal(n, 10); /* 9 roles + collector (0004) */
    assert_int_equal(aj_db_query_int(db, filter, one, 2, &n), AJ_OK);
    assert_int_equal(n, 1);
    aj_store_release(b->st, db);
}

/* ---- constraint violations ---------------------------------------------------------- */

static void test_unique_violation_is_conflict(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    int64_t id = must_add_enterprise(db, "acme");
    int64_t dup_id = 0;
    assert_int_equal(add_enterprise(db, "acme", &dup_id), AJ_ECONFLICT);
    assert_true(strlen(aj_db_errmsg(db)) > 0);

    /* A composite UNIQUE and a primary key conflict the same way. */
    aj_val o[2] = {AJ_VINT(id), AJ_VTEXT("ops")};
    const char *org_sql = "INSERT INTO organisations (enterprise_id, code, name, kind)"
                          " VALUES (?, ?, 'Operations', 'department')";
    assert_int_equal(aj_db_exec(db, org_sql, o, 2, NULL), AJ_OK);
    assert_int_equal(aj_db_exec(db, org_sql, o, 2, NULL), AJ_ECONFLICT);
    assert_int_equal(aj_db_exec(db,
                                "INSERT INTO roles (name, name_zh, description)"
                                " VALUES ('admin', 'x', 'y')",
                                NULL, 0, NULL),
                     AJ_ECONFLICT);

    /* The connection is still good. */
    assert_int_equal(count_rows(db, "enterprises"), 1);
    assert_int_equal(count_rows(db, "organisations"), 1);
    aj_store_release(b->st, db);
}

static void test_other_violations_are_invalid(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    int64_t id = must_add_enterprise(db, "acme");
    const char *org_sql = "INSERT INTO organisations (enterprise_id, code, name, kind) VALUES (?, ?, ?, ?)";

    aj_val fk[4] = {AJ_VINT(999), AJ_VTEXT("ops"), AJ_VTEXT("Ops"), AJ_VTEXT("department")};
    assert_int_equal(aj_db_exec(db, org_sql, fk, 4, NULL), AJ_EINVAL); /* foreign key */
    assert_true(strlen(aj_db_errmsg(db)) > 0);
    aj_val check[4] = {AJ_VINT(id), AJ_VTEXT("ops"), AJ_VTEXT("Ops"), AJ_VTEXT("bogus")};
    assert_int_equal(aj_db_exec(db, org_sql, check, 4, NULL), AJ_EINVAL); /* CHECK */
    aj_val not_null[4] = {AJ_VINT(id), AJ_VTEXT("ops"), AJ_VNULL, AJ_VTEXT("department")};
    assert_int_equal(aj_db_exec(db, org_sql, not_null, 4, NULL), AJ_EINVAL); /* NOT NULL */
    assert_int_equal(aj_db_exec(db, "DELETE FROM enterprises", NULL, 0, NULL), AJ_OK);

    /* Nothing went in, and the same cached statement still works. */
    assert_int_equal(count_rows(db, "organisations"), 0);
    id = must_add_enterprise(db, "acme2");
    aj_val ok[4] = {AJ_VINT(id), AJ_VTEXT("ops"), AJ_VTEXT("Ops"), AJ_VTEXT("department")};
    assert_int_equal(aj_db_exec(db, org_sql, ok, 4, NULL), AJ_OK);
    aj_store_release(b->st, db);
}

/* ---- transactions ------------------------------------------------------------------- */

static void test_rollback_leaves_nothing(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    assert_int_equal(aj_db_begin(db), AJ_OK);
    int64_t id = must_add_enterprise(db, "acme");
    must_add_site(db, id, "north");
    must_add_enterprise(db, "globex");
    aj_db_rollback(db);
    aj_db_rollback(db); /* harmless without a transaction */
    assert_int_equal(count_rows(db, "enterprises"), 0);
    assert_int_equal(count_rows(db, "sites"), 0);

    /* An error inside a transaction: roll back, keep what was committed before. */
    must_add_enterprise(db, "acme");
    assert_int_equal(aj_db_begin(db), AJ_OK);
    must_add_enterprise(db, "globex");
    int64_t dup_id;
    assert_int_equal(add_enterprise(db, "acme", &dup_id), AJ_ECONFLICT);
    char saved[sizeof db->errmsg];
    snprintf(saved, sizeof saved, "%s", aj_db_errmsg(db));
    aj_db_rollback(db);
    assert_string_equal(aj_db_errmsg(db), saved); /* rollback keeps the cause */
    assert_int_equal(count_rows(db, "enterprises"), 1);

    /* Statements first prepared inside the rolled-back transaction still run. */
    assert_int_equal(must_add_enterprise(db, "initech") > 0, 1);
    assert_int_equal(count_rows(db, "enterprises"), 2);
    aj_store_release(b->st, db);
}

static void test_commit_keeps_all_rows(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    aj_db *other = aj_store_acquire(b->st);
    assert_ptr_not_equal(db, other);

    assert_int_equal(aj_db_begin(db), AJ_OK);
    const char *codes[] = {"acme", "globex", "initech"};
    for (int i = 0; i < 3; i++) {
        int64_t id = must_add_enterprise(db, codes[i]);
        must_add_site(db, id, "main");
    }
    /* Uncommitted rows are invisible to another connection. */
    assert_int_equal(count_rows(other, "enterprises"), 0);
    assert_int_equal(aj_db_commit(db), AJ_OK);
    assert_false(db->in_tx);

    assert_int_equal(count_rows(other, "enterprises"), 3);
    assert_int_equal(count_rows(other, "sites"), 3);
    aj_store_release(b->st, other);
    aj_store_release(b->st, db);
}

/* PostgreSQL only: a failed statement aborts the whole transaction there, and COMMIT
 * then only rolls back; that must be reported, not passed off as a commit. (SQLite keeps
 * the transaction going after a failed statement and COMMIT keeps the other rows, which
 * is why callers roll back on any error.) */
static void test_commit_after_error_fails(void **state) {
    backend *b = *state;
    if (b->kind != AJ_DB_POSTGRES) skip();
    aj_db *db = aj_store_acquire(b->st);
    must_add_enterprise(db, "acme");
    assert_int_equal(aj_db_begin(db), AJ_OK);
    must_add_enterprise(db, "globex");
    int64_t dup_id;
    assert_int_equal(add_enterprise(db, "acme", &dup_id), AJ_ECONFLICT);
    assert_int_not_equal(add_enterprise(db, "initech", &dup_id), AJ_OK); /* aborted */
    assert_int_not_equal(aj_db_commit(db), AJ_OK);
    assert_false(db->in_tx);
    assert_int_equal(count_rows(db, "enterprises"), 1);
    aj_store_release(b->st, db);
}

/* A transaction a handler forgot to finish is rolled back when the connection returns. */
static void test_release_rolls_back(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    assert_int_equal(aj_db_begin(db), AJ_OK);
    must_add_enterprise(db, "acme");
    aj_store_release(b->st, db);
    db = aj_store_acquire(b->st);
    assert_false(db->in_tx);
    assert_int_equal(count_rows(db, "enterprises"), 0);
    aj_store_release(b->st, db);
}

/* ---- SQL text ----------------------------------------------------------------------- */

static void test_placeholders_outside_quotes_only(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    aj_val p[3] = {AJ_VTEXT("acme"), AJ_VTEXT("Acme?"), AJ_VINT(7)};
    assert_int_equal(aj_db_exec(db,
                                "INSERT INTO enterprises (code, name, \"name_en\", created_ms)"
                                " -- a comment? it has no parameters\n"
                                " VALUES (?, 'why? -- not a comment', /* nor ? here */ ?, ?)",
                                p, 3, NULL),
                     AJ_OK);

    aj_result *r;
    aj_val code = AJ_VTEXT("acme");
    assert_int_equal(aj_db_query(db,
                                 "SELECT name, name_en, 'it''s?' AS s, created_ms FROM enterprises"
                                 " WHERE code = ? AND name LIKE '%?%'",
                                 &code, 1, &r),
                     AJ_OK);
    assert_int_equal(aj_result_rows(r), 1);
    assert_string_equal(aj_result_text(r, 0, 0), "why? -- not a comment");
    assert_string_equal(aj_result_text(r, 0, 1), "Acme?");
    assert_string_equal(aj_result_text(r, 0, 2), "it's?");
    assert_int_equal(aj_result_int(r, 0, 3), 7);
    aj_result_free(r);

    /* Too few or too many parameters is an error, not a crash. */
    assert_int_not_equal(aj_db_query(db, "SELECT ? + ?", &code, 1, &r), AJ_OK);
    assert_null(r);
    assert_int_not_equal(aj_db_query(db, "SELECT '?'", &code, 1, &r), AJ_OK);
    assert_null(r);
    aj_store_release(b->st, db);
}

/* More distinct statements than the cache holds: the overflow runs uncached. */
static void test_statement_cache_overflow(void **state) {
    backend *b = *state;
    aj_db *db = aj_store_acquire(b->st);
    const int n = AJ_STMT_CACHE + 20;
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < n; k++) {
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT ? + %d", k);
            aj_val p = AJ_VINT(1000);
            int64_t v = 0;
            aj_err e = aj_db_query_int(db, sql, &p, 1, &v);
            if (e) fail_msg("%s: %s", sql, aj_db_errmsg(db));
            assert_int_equal(v, 1000 + k);
        }
    }
    if (b->kind == AJ_DB_POSTGRES) { /* the server holds exactly the cached statements */
        assert_int_equal(count_rows(db, "pg_prepared_statements"), AJ_STMT_CACHE);
    }
    aj_store_release(b->st, db);
}

/* PostgreSQL only (SQLite has no server to lose): a connection the server dropped fails
 * its next statement and is reset before the one after; inside a transaction it is not
 * reset until the caller has rolled back, so no statement runs outside the transaction
 * it was meant for. */
static void terminate_backend_of(aj_db *victim, aj_db *killer) {
    int64_t pid = 0, is_done = 0;
    assert_int_equal(aj_db_query_int(victim, "SELECT pg_backend_pid()", NULL, 0, &pid), AJ_OK);
    aj_val p = AJ_VINT(pid);
    assert_int_equal(aj_db_query_int(killer, "SELECT pg_terminate_backend(?)", &p, 1, &is_done), AJ_OK);
    assert_int_equal(is_done, 1);
    sleep_ms(50);
}

static void test_lost_connection_is_reset(void **state) {
    backend *b = *state;
    if (b->kind != AJ_DB_POSTGRES) skip();
    aj_db *db = aj_store_acquire(b->st);
    aj_db *killer = aj_store_acquire(b->st);
    must_add_enterprise(db, "acme");

    terminate_backend_of(db, killer);
    int64_t dummy;
    assert_int_equal(add_enterprise(db, "globex", &dummy), AJ_EUNAVAILABLE);
    assert_int_equal(must_add_enterprise(db, "globex"), 2); /* reconnected, re-prepared */

    assert_int_equal(aj_db_begin(db), AJ_OK);
    must_add_enterprise(db, "initech");
    terminate_backend_of(db, killer);
    assert_int_equal(add_enterprise(db, "umbrella", &dummy), AJ_EUNAVAILABLE);
    assert_int_equal(add_enterprise(db, "umbrella", &dummy), AJ_EUNAVAILABLE);
    assert_non_null(strstr(aj_db_errmsg(db), "transaction"));
    aj_db_rollback(db);
    assert_int_equal(count_rows(db, "enterprises"), 2); /* initech went with the transaction */
    aj_store_release(b->st, killer);
    aj_store_release(b->st, db);
}

/* ---- pool --------------------------------------------------------------------------- */

typedef struct waiter {
    aj_store *st;
    atomic_int has_db;
    aj_db *db;
} waiter;

static void *acquire_one(void *arg) {
    waiter *w = arg;
    w->db = aj_store_acquire(w->st);
    atomic_store(&w->has_db, 1);
    return NULL;
}

static void test_pool_hands_out_n(void **state) {
    backend *b = *state;
    aj_db *dbs[POOL_N];
    for (int i = 0; i < POOL_N; i++) {
        dbs[i] = aj_store_acquire(b->st);
        assert_non_null(dbs[i]);
        for (int k = 0; k < i; k++) assert_ptr_not_equal(dbs[i], dbs[k]);
        int64_t v = 0;
        assert_int_equal(aj_db_query_int(dbs[i], "SELECT 40 + 2", NULL, 0, &v), AJ_OK);
        assert_int_equal(v, 42);
    }

    /* All lent: the next borrower waits until one comes back. */
    waiter w = {.st = b->st};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, acquire_one, &w), 0);
    sleep_ms(100);
    assert_int_equal(atomic_load(&w.has_db), 0);
    aj_store_release(b->st, dbs[1]);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(atomic_load(&w.has_db), 1);
    assert_ptr_equal(w.db, dbs[1]);

    aj_store_release(b->st, w.db);
    aj_store_release(b->st, dbs[0]);
    aj_store_release(b->st, dbs[2]);
}

/* ---- main --------------------------------------------------------------------------- */

#define STORE_CASE(fn, b) cmocka_unit_test_prestate_setup_teardown(fn, open_fresh, close_fresh, b)
#define STORE_CASES(b)                                                                                       \
    {                                                                                                        \
        STORE_CASE(test_migrations_applied, b), STORE_CASE(test_seeds_present, b),                           \
            STORE_CASE(test_insert_returning_id, b), STORE_CASE(test_query_types, b),                        \
            STORE_CASE(test_row_json_conventions, b), STORE_CASE(test_params_round_trip, b),                 \
            STORE_CASE(test_unique_violation_is_conflict, b),                                                \
            STORE_CASE(test_other_violations_are_invalid, b), STORE_CASE(test_rollback_leaves_nothing, b),   \
            STORE_CASE(test_commit_keeps_all_rows, b), STORE_CASE(test_commit_after_error_fails, b),         \
            STORE_CASE(test_release_rolls_back, b), STORE_CASE(test_placeholders_outside_quotes_only, b),    \
            STORE_CASE(test_statement_cache_overflow, b), STORE_CASE(test_pool_hands_out_n, b),              \
            STORE_CASE(test_lost_connection_is_reset, b),                                                    \
    }

int main(void) {
    aj_log_set_level(AJ_LOG_WARN); /* not every applied migration */
    const struct CMUnitTest sqlite_cases[] = STORE_CASES(&sqlite_backend);
    int n_failed = cmocka_run_group_tests_name("store/sqlite", sqlite_cases, NULL, NULL);

    const char *pg_url = getenv("ANJIAN_TEST_PG_URL");
    if (!pg_url || !*pg_url) {
        printf("store/postgres: skipped (ANJIAN_TEST_PG_URL is not set; "
               "see scripts/pg-test-server.sh)\n");
        return n_failed;
    }
    snprintf(pg_backend.url, sizeof pg_backend.url, "%s", pg_url);
    const struct CMUnitTest pg_cases[] = STORE_CASES(&pg_backend);
    n_failed += cmocka_run_group_tests_name("store/postgres", pg_cases, NULL, NULL);
    return n_failed;
}
