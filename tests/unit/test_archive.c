/* test_archive.c — the historian archive (src/engine/archive.c) and BLOB values in the
 * store, on SQLite (a fresh file) and, when ANJIAN_TEST_PG_URL names a test database,
 * on PostgreSQL (public schema recreated per case). */
#include "base/log.h"
#include "engine/archive.h"
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
    int64_t tag; /* a tag of the fixture plant */
} backend;

static backend sqlite_backend = {.name = "sqlite", .kind = AJ_DB_SQLITE};
static backend pg_backend = {.name = "postgres", .kind = AJ_DB_POSTGRES};

static int reset_postgres(const char *url) {
    aj_db *raw;
    char errbuf[512] = "";
    if (aj_postgres_open(url, &raw, errbuf, sizeof errbuf)) return -1;
    aj_result *r = NULL;
    aj_err e = raw->ops->query(raw, "SELECT current_database()", NULL, 0, &r);
    if (!e && !strstr(aj_result_text(r, 0, 0), "test")) e = AJ_EINVAL;
    aj_result_free(r);
    if (!e) e = raw->ops->exec_script(raw, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    raw->ops->close(raw);
    return e ? -1 : 0;
}

static int64_t insert_id(aj_db *db, const char *sql) {
    int64_t id = 0;
    if (aj_db_query_int(db, sql, NULL, 0, &id)) fail_msg("%s: %s", sql, aj_db_errmsg(db));
    return id;
}

static int open_fresh(void **state) {
    backend *b = *state;
    if (b->kind == AJ_DB_SQLITE) {
        snprintf(b->dir, sizeof b->dir, "/tmp/aj_test_archive_XXXXXX");
        if (!mkdtemp(b->dir)) return -1;
        snprintf(b->url, sizeof b->url, "sqlite:%s/a.db", b->dir);
    } else if (reset_postgres(b->url) != 0) {
        return -1;
    }
    char errbuf[512] = "";
    if (aj_store_open(b->url, 1, &b->st, errbuf, sizeof errbuf)) {
        fprintf(stderr, "%s: %s\n", b->name, errbuf);
        return -1;
    }
    b->db = aj_store_acquire(b->st);
    char sql[512];
    int64_t ent = insert_id(
        b->db, "INSERT INTO enterprises (code, name, created_ms) VALUES ('E', 'E', 0) RETURNING id");
    snprintf(sql, sizeof sql,
             "INSERT INTO sites (enterprise_id, code, name) VALUES (%lld, 'S', 'S') RETURNING id",
             (long long)ent);
    int64_t site = insert_id(b->db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO tags (enterprise_id, site_id, key, name, kind, range_lo, range_hi)"
             " VALUES (%lld, %lld, 'S.P-1.flow', 'flow', 'flow', 0, 100) RETURNING id",
             (long long)ent, (long long)site);
    b->tag = insert_id(b->db, sql);
    return 0;
}

static int close_fresh(void **state) {
    backend *b = *state;
    aj_store_release(b->st, b->db);
    aj_store_free(b->st);
    if (b->kind == AJ_DB_SQLITE) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->dir);
        if (system(cmd) != 0) return -1;
    }
    return 0;
}

/* Points t0 + i*step_ns with a recognisable value each. */
static void make_points(aj_point *p, size_t n, int64_t t0, int64_t step_ns, double base) {
    for (size_t i = 0; i < n; i++)
        p[i] = (aj_point){.t_ns = t0 + (int64_t)i * step_ns,
                          .value = base + (double)i * 0.25,
                          .type = AJ_VALUE_FLOAT,
                          .quality = i % 7 == 3 ? AJ_QUALITY_BAD : AJ_QUALITY_GOOD,
                          .quality_reasons = i % 7 == 3 ? AJ_QR_OUT_OF_RANGE : 0};
}

typedef struct sink {
    aj_point pts[4096];
    size_t n;
} sink;

static aj_err collect(void *ctx, const aj_point *p) {
    sink *s = ctx;
    if (s->n < sizeof s->pts / sizeof s->pts[0]) s->pts[s->n++] = *p;
    return AJ_OK;
}

static void test_blob_round_trip(void **state) {
    backend *b = *state;
    unsigned char bytes[512];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 7 + 3); /* every byte value, NULs */
    const char *table = "blobs";
    assert_int_equal(aj_db_exec(b->db,
                                b->kind == AJ_DB_SQLITE
                                    ? "CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)"
                                    : "CREATE TABLE blobs (id BIGINT PRIMARY KEY, b BYTEA)",
                                NULL, 0, NULL),
                     AJ_OK);
    char sql[200];
    snprintf(sql, sizeof sql, "INSERT INTO %s (id, b) VALUES (?, ?)", table);
    aj_val p[2] = {AJ_VINT(1), AJ_VBLOB(bytes, sizeof bytes)};
    assert_int_equal(aj_db_exec(b->db, sql, p, 2, NULL), AJ_OK);
    aj_val q[2] = {AJ_VINT(2), AJ_VBLOB(bytes, 0)};
    assert_int_equal(aj_db_exec(b->db, sql, q, 2, NULL), AJ_OK);
    snprintf(sql, sizeof sql, "SELECT b FROM %s ORDER BY id", table);
    aj_result *r;
    assert_int_equal(aj_db_query(b->db, sql, NULL, 0, &r), AJ_OK);
    assert_int_equal(aj_result_rows(r), 2);
    size_t len;
    const unsigned char *got = aj_result_blob(r, 0, 0, &len);
    assert_non_null(got);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(got, bytes, sizeof bytes);
    got = aj_result_blob(r, 1, 0, &len);
    assert_int_equal(len, 0);
    aj_result_free(r);
}

static void test_put_and_read_ranges(void **state) {
    backend *b = *state;
    static aj_point pts[3000];
    const int64_t t0 = 1796083200000000000LL, step = 1000000000LL; /* 1 s */
    make_points(pts, 3000, t0, step, 10.0);
    /* Three chunks of 1000 points. */
    assert_int_equal(aj_db_begin(b->db), AJ_OK);
    for (int c = 0; c < 3; c++)
        assert_int_equal(aj_archive_put_chunk(b->db, b->tag, pts + c * 1000, 1000), AJ_OK);
    assert_int_equal(aj_db_commit(b->db), AJ_OK);

    static sink s;
    size_t n;
    bool is_truncated;
    /* Whole range, exact points back (tag id filled in). */
    s.n = 0;
    assert_int_equal(
        aj_archive_read(b->db, b->tag, t0, t0 + 2999 * step, 10000, collect, &s, &n, &is_truncated), AJ_OK);
    assert_int_equal(n, 3000);
    assert_false(is_truncated);
    for (size_t i = 0; i < 3000; i++) {
        assert_int_equal(s.pts[i].t_ns, pts[i].t_ns);
        assert_true(s.pts[i].value == pts[i].value);
        assert_int_equal(s.pts[i].quality, pts[i].quality);
        assert_int_equal(s.pts[i].quality_reasons, pts[i].quality_reasons);
        assert_int_equal(s.pts[i].tag_id, b->tag);
    }
    /* A range across a chunk boundary, starting inside the first chunk. */
    s.n = 0;
    assert_int_equal(aj_archive_read(b->db, b->tag, t0 + 990 * step, t0 + 1010 * step, 10000, collect, &s, &n,
                                     &is_truncated),
                     AJ_OK);
    assert_int_equal(n, 21);
    assert_int_equal(s.pts[0].t_ns, t0 + 990 * step);
    assert_int_equal(s.pts[20].t_ns, t0 + 1010 * step);
    /* max_points truncates and says so. */
    s.n = 0;
    assert_int_equal(
        aj_archive_read(b->db, b->tag, t0, t0 + 2999 * step, 1500, collect, &s, &n, &is_truncated), AJ_OK);
    assert_int_equal(n, 1500);
    assert_true(is_truncated);
    assert_int_equal(s.pts[1499].t_ns, t0 + 1499 * step);
    /* Empty ranges: before, after, inverted. */
    assert_int_equal(
        aj_archive_read(b->db, b->tag, t0 - 10 * step, t0 - step, 10, collect, &s, &n, &is_truncated), AJ_OK);
    assert_int_equal(n, 0);
    assert_int_equal(aj_archive_read(b->db, b->tag, t0 + 5000 * step, t0 + 6000 * step, 10, collect, &s, &n,
                                     &is_truncated),
                     AJ_OK);
    assert_int_equal(n, 0);
    assert_int_equal(aj_archive_read(b->db, b->tag, t0 + step, t0, 10, collect, &s, &n, &is_truncated),
                     AJ_OK);
    assert_int_equal(n, 0);
}

static void test_prior_and_rewrite(void **state) {
    backend *b = *state;
    aj_point pts[100];
    const int64_t t0 = 1000000000000LL, step = 500000000LL;
    make_points(pts, 100, t0, step, 1.0);
    assert_int_equal(aj_archive_put_chunk(b->db, b->tag, pts, 50), AJ_OK);
    assert_int_equal(aj_archive_put_chunk(b->db, b->tag, pts + 50, 50), AJ_OK);
    aj_point p;
    assert_int_equal(aj_archive_prior(b->db, b->tag, t0 - 1, &p), AJ_ENOTFOUND);
    assert_int_equal(aj_archive_prior(b->db, b->tag, t0, &p), AJ_OK);
    assert_int_equal(p.t_ns, t0);
    assert_int_equal(aj_archive_prior(b->db, b->tag, t0 + 49 * step + 1, &p), AJ_OK);
    assert_int_equal(p.t_ns, t0 + 49 * step);
    assert_int_equal(aj_archive_prior(b->db, b->tag, t0 + 10000 * step, &p), AJ_OK);
    assert_int_equal(p.t_ns, t0 + 99 * step);
    /* Writing the same chunk key again replaces it (journal replay is idempotent). */
    for (int i = 0; i < 50; i++) pts[i].value += 1000;
    assert_int_equal(aj_archive_put_chunk(b->db, b->tag, pts, 50), AJ_OK);
    int64_t n_rows = 0;
    assert_int_equal(aj_db_query_int(b->db, "SELECT COUNT(*) FROM archive_chunks", NULL, 0, &n_rows), AJ_OK);
    assert_int_equal(n_rows, 2);
    assert_int_equal(aj_archive_prior(b->db, b->tag, t0, &p), AJ_OK);
    assert_true(p.value == 1001.0);
    /* Refusals: empty chunk, points out of time order; nothing written. */
    assert_int_equal(aj_archive_put_chunk(b->db, b->tag, pts, 0), AJ_EINVAL);
    aj_point bad[2] = {pts[1], pts[0]};
    assert_int_not_equal(aj_archive_put_chunk(b->db, b->tag, bad, 2), AJ_OK);
    assert_int_equal(aj_db_query_int(b->db, "SELECT COUNT(*) FROM archive_chunks", NULL, 0, &n_rows), AJ_OK);
    assert_int_equal(n_rows, 2);
}

static void test_damaged_chunk_reported(void **state) {
    backend *b = *state;
    aj_point pts[10];
    make_points(pts, 10, 5000, 1000, 2.0);
    assert_int_equal(aj_archive_put_chunk(b->db, b->tag, pts, 10), AJ_OK);
    unsigned char junk[7] = {0xff, 1, 2, 3, 4, 5, 6};
    aj_val p[2] = {AJ_VBLOB(junk, sizeof junk), AJ_VINT(b->tag)};
    assert_int_equal(aj_db_exec(b->db, "UPDATE archive_chunks SET data = ? WHERE tag_id = ?", p, 2, NULL),
                     AJ_OK);
    static sink s;
    size_t n;
    bool is_truncated;
    assert_int_equal(aj_archive_read(b->db, b->tag, 0, 100000, 100, collect, &s, &n, &is_truncated), AJ_EIO);
    aj_point out;
    assert_int_equal(aj_archive_prior(b->db, b->tag, 100000, &out), AJ_EIO);
}

#define CASES(b)                                                                                             \
    {                                                                                                        \
        cmocka_unit_test_prestate_setup_teardown(test_blob_round_trip, open_fresh, close_fresh, b),          \
            cmocka_unit_test_prestate_setup_teardown(test_put_and_read_ranges, open_fresh, close_fresh, b),  \
            cmocka_unit_test_prestate_setup_teardown(test_prior_and_rewrite, open_fresh, close_fresh, b),    \
            cmocka_unit_test_prestate_setup_teardown(test_damaged_chunk_reported, open_fresh, close_fresh,   \
                                                     b)                                                      \
    }

int main(void) {
    aj_log_set_level(AJ_LOG_WARN);
    const struct CMUnitTest sqlite_cases[] = CASES(&sqlite_backend);
    int n_failed = cmocka_run_group_tests_name("archive/sqlite", sqlite_cases, NULL, NULL);
    const char *pg_url = getenv("ANJIAN_TEST_PG_URL");
    if (!pg_url || !*pg_url) {
        printf("archive/postgres: skipped (ANJIAN_TEST_PG_URL is not set)\n");
        return n_failed;
    }
    snprintf(pg_backend.url, sizeof pg_backend.url, "%s", pg_url);
    const struct CMUnitTest pg_cases[] = CASES(&pg_backend);
    n_failed += cmocka_run_group_tests_name("archive/postgres", pg_cases, NULL, NULL);
    return n_failed;
}
