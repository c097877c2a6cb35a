/* test_journal.c — the ingest journal (src/engine/journal.c).
 *
 * CRC32C vectors; append/replay round trips across many segment rollovers (small segments),
 * replay from a middle position, truncate_before, reopen; a torn tail written by hand is
 * cut off and appends continue; a bad record in the middle, a bad earlier segment and a
 * missing segment are reported; 8 threads append concurrently through group commit; a
 * child process appending as fast as it can is killed with SIGKILL and every record it
 * acknowledged must be back, intact, after reopening. Journals live in a temporary
 * directory under the working directory (the build directory, a real disk, so that the
 * fdatasync figures mean something). Syncs per append and appends/s are printed, never
 * asserted.
 */
#include "engine/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define PAYLOAD_MAX 400

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- temporary directories ---------------------------------------------------------- */

typedef struct scratch {
    char root[256];
    char dir[300]; /* the journal, root/j (open creates it) */
} scratch;

static void scratch_init(scratch *s) {
    snprintf(s->root, sizeof s->root, "journal-test-XXXXXX");
    assert_non_null(mkdtemp(s->root));
    snprintf(s->dir, sizeof s->dir, "%s/j", s->root);
}

static void remove_files(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[600];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static void scratch_clear(scratch *s) {
    remove_files(s->dir);
    rmdir(s->dir);
    rmdir(s->root);
}

static int count_segments(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len == 20 && strcmp(e->d_name + 16, ".ajj") == 0) n++;
    }
    closedir(d);
    return n;
}

static void segment_file(const scratch *s, uint64_t segment, char *out, size_t cap) {
    snprintf(out, cap, "%s/%016" PRIx64 ".ajj", s->dir, segment);
}

static off_t file_size(const char *path) {
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void append_bytes(const char *path, const void *buf, size_t len) {
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static void patch_bytes(const char *path, off_t off, const void *buf, size_t len) {
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

/* ---- payloads: a key and bytes derived from it -------------------------------------- */

static size_t payload_make(uint64_t key, uint8_t *buf) {
    size_t len = 8 + (size_t)((key * 2654435761u) % (PAYLOAD_MAX - 8));
    memcpy(buf, &key, 8);
    for (size_t i = 8; i < len; i++) buf[i] = (uint8_t)((key + i) * 31u);
    return len;
}

static bool is_payload_ok(const uint8_t *payload, size_t len, uint64_t *key) {
    uint8_t want[PAYLOAD_MAX];
    if (len < 8) return false;
    memcpy(key, payload, 8);
    size_t want_len = payload_make(*key, want);
    return want_len == len && memcmp(want, payload, len) == 0;
}

static aj_journal_pos append_key(aj_journal *j, uint64_t key) {
    uint8_t buf[PAYLOAD_MAX];
    size_t len = payload_make(key, buf);
    aj_journal_pos pos = {0, 0};
    assert_int_equal(aj_journal_append(j, buf, len, &pos), AJ_OK);
    return pos;
}

/* ---- replay collector ----------------------------------------------------------------- */

typedef struct collected {
    size_t n, cap;
    uint64_t *keys;
    aj_journal_pos *pos;
    size_t n_bad; /* payloads that do not match their key */
} collected;

static aj_err collect(void *ctx, aj_journal_pos pos, const uint8_t *payload, size_t len) {
    collected *c = ctx;
    uint64_t key = UINT64_MAX;
    if (!is_payload_ok(payload, len, &key)) c->n_bad++;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->keys = realloc(c->keys, c->cap * sizeof *c->keys);
        c->pos = realloc(c->pos, c->cap * sizeof *c->pos);
        assert_non_null(c->keys);
        assert_non_null(c->pos);
    }
    if (c->n > 0) assert_true(aj_journal_pos_cmp(c->pos[c->n - 1], pos) < 0);
    c->keys[c->n] = key;
    c->pos[c->n] = pos;
    c->n++;
    return AJ_OK;
}

static void collected_clear(collected *c) {
    free(c->keys);
    free(c->pos);
    memset(c, 0, sizeof *c);
}

static void replay_all(aj_journal *j, aj_journal_pos from, collected *c) {
    char err[512];
    memset(c, 0, sizeof *c);
    aj_err e = aj_journal_replay(j, from, collect, c, err, sizeof err);
    if (e) fprintf(stderr, "replay: %s\n", err);
    assert_int_equal(e, AJ_OK);
    assert_int_equal(c->n_bad, 0);
}

static aj_journal *open_small(const scratch *s, uint64_t segment_bytes) {
    aj_journal_options opt = {.segment_bytes = segment_bytes};
    aj_journal *j = NULL;
    char err[512];
    aj_err e = aj_journal_open_with(s->dir, &opt, &j, err, sizeof err);
    if (e) fprintf(stderr, "open: %s\n", err);
    assert_int_equal(e, AJ_OK);
    return j;
}

/* ---- tests ---------------------------------------------------------------------------- */

static uint32_t crc32c_bitwise(const uint8_t *p, size_t len) {
    uint32_t c = ~0u;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

static void test_crc32c(void **state) {
    (void)state;
    uint8_t buf[1000];
    assert_int_equal(aj_crc32c("123456789", 9), 0xE3069283u);
    assert_int_equal(aj_crc32c("", 0), 0);
    memset(buf, 0, 32);
    assert_int_equal(aj_crc32c(buf, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
    memset(buf, 0xff, 32);
    assert_int_equal(aj_crc32c(buf, 32), 0x62A8AB43u);
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 131 + 7);
    for (size_t off = 0; off < 9; off++) {
        for (size_t len = 0; len + off <= sizeof buf; len += 37) {
            assert_int_equal(aj_crc32c(buf + off, len), crc32c_bitwise(buf + off, len));
        }
    }
}

static void test_bad_arguments(void **state) {
    (void)state;
    scratch s;
    scratch_init(&s);
    aj_journal *j = NULL;
    aj_journal_options opt = {.segment_bytes = 10};
    assert_int_equal(aj_journal_open_with(s.dir, &opt, &j, NULL, 0), AJ_EINVAL);
    assert_null(j);
    j = open_small(&s, 0);
    uint8_t b = 1;
    assert_int_equal(aj_journal_append(j, &b, 0, NULL), AJ_EINVAL);
    assert_int_equal(aj_journal_append(j, &b, (size_t)AJ_JOURNAL_RECORD_MAX + 1, NULL), AJ_ETOOBIG);
    aj_journal_stats st;
    aj_journal_stats_get(j, &st);
    assert_int_equal(st.n_appends, 0);
    assert_int_equal(st.end.segment, 1);
    assert_int_equal(st.end.offset, AJ_JOURNAL_SEGMENT_HEADER_BYTES);
    aj_journal_close(j);
    scratch_clear(&s);
}

#define N_ROUND 600

static void test_roundtrip_rollover(void **state) {
    (void)state;
    scratch s;
    scratch_init(&s);
    aj_journal *j = open_small(&s, 2048);
    aj_journal_pos pos[N_ROUND + 2];
    for (uint64_t k = 0; k < N_ROUND; k++) {
        pos[k] = append_key(j, k);
        if (k > 0) assert_true(aj_journal_pos_cmp(pos[k - 1], pos[k]) < 0);
    }
    /* A record larger than a whole segment gets a segment of its own. */
    uint8_t *big = malloc(5000);
    assert_non_null(big);
    memset(big, 0xab, 5000);
    aj_journal_pos big_pos;
    assert_int_equal(aj_journal_append(j, big, 5000, &big_pos), AJ_OK);
    assert_int_equal(big_pos.segment, pos[N_ROUND - 1].segment + 1);
    assert_int_equal(big_pos.offset, AJ_JOURNAL_SEGMENT_HEADER_BYTES);
    free(big);
    pos[N_ROUND] = append_key(j, N_ROUND);
    assert_int_equal(pos[N_ROUND].segment, big_pos.segment + 1);

    aj_journal_stats st;
    aj_journal_stats_get(j, &st);
    assert_int_equal(st.n_appends, N_ROUND + 2);
    assert_true(st.n_segments_new > 50);
    assert_int_equal(count_segments(s.dir), (int)st.end.segment);

    /* Everything; the big record's payload has no key, so it counts as one "bad". */
    collected c = {0};
    assert_int_equal(aj_journal_replay(j, (aj_journal_pos){0, 0}, collect, &c, NULL, 0), AJ_OK);
    assert_int_equal(c.n, N_ROUND + 2);
    assert_int_equal(c.n_bad, 1);
    for (size_t k = 0; k < N_ROUND; k++)
        assert_true(c.keys[k] == k && aj_journal_pos_cmp(c.pos[k], pos[k]) == 0);
    collected_clear(&c);

    /* From a record, from just after the one before, and from inside that one. */
    size_t mid = N_ROUND / 2;
    uint8_t scratch_payload[PAYLOAD_MAX];
    size_t before_len = payload_make(mid - 1, scratch_payload);
    aj_journal_pos froms[3] = {pos[mid],
                               aj_journal_pos_after(pos[mid - 1], before_len),
                               {pos[mid - 1].segment, pos[mid - 1].offset + 1}};
    for (int f = 0; f < 3; f++) {
        memset(&c, 0, sizeof c);
        assert_int_equal(aj_journal_replay(j, froms[f], collect, &c, NULL, 0), AJ_OK);
        assert_int_equal(c.n, N_ROUND + 2 - mid);
        assert_int_equal(c.keys[0], mid);
        assert_true(aj_journal_pos_cmp(c.pos[0], pos[mid]) == 0);
        assert_int_equal(c.n_bad, 1);
        collected_clear(&c);
    }
    /* From the end: nothing. */
    memset(&c, 0, sizeof c);
    assert_int_equal(aj_journal_replay(j, st.end, collect, &c, NULL, 0), AJ_OK);
    assert_int_equal(c.n, 0);
    collected_clear(&c);
    aj_journal_close(j);

    /* Reopen: same records, appends continue after them. */
    j = open_small(&s, 2048);
    memset(&c, 0, sizeof c);
    assert_int_equal(aj_journal_replay(j, (aj_journal_pos){0, 0}, collect, &c, NULL, 0), AJ_OK);
    assert_int_equal(c.n, N_ROUND + 2);
    for (size_t k = 0; k < N_ROUND; k++) {
        assert_int_equal(c.keys[k], k);
        assert_true(aj_journal_pos_cmp(c.pos[k], pos[k]) == 0);
    }
    collected_clear(&c);
    aj_journal_pos next = append_key(j, N_ROUND + 1);
    assert_true(aj_journal_pos_cmp(next, pos[N_ROUND]) > 0);
    aj_journal_close(j);
    scratch_clear(&s);
}

static void test_truncate_before(void **state) {
    (void)state;
    scratch s;
    scratch_init(&s);
    aj_journal *j = open_small(&s, 1024);
    aj_journal_pos pos[300];
    for (uint64_t k = 0; k < 300; k++) pos[k] = append_key(j, k);
    int n_before = count_segments(s.dir);
    aj_journal_pos cut = pos[150];
    assert_int_equal(aj_journal_truncate_before(j, cut), AJ_OK);
    assert_int_equal(count_segments(s.dir), n_before - (int)(cut.segment - 1));
    char path[600];
    segment_file(&s, cut.segment - 1, path, sizeof path);
    assert_int_equal(access(path, F_OK), -1);

    collected c;
    replay_all(j, cut, &c);
    assert_int_equal(c.n, 150);
    assert_int_equal(c.keys[0], 150);
    collected_clear(&c);
    /* From the beginning: what is left, starting with the first record of cut's segment. */
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    assert_true(c.n >= 150);
    assert_int_equal(c.pos[0].segment, cut.segment);
    collected_clear(&c);
    memset(&c, 0, sizeof c);
    assert_int_equal(aj_journal_replay(j, pos[0], collect, &c, NULL, 0), AJ_ENOTFOUND);
    collected_clear(&c);

    /* Never deletes the segment being appended to. */
    aj_journal_stats st;
    aj_journal_stats_get(j, &st);
    assert_int_equal(aj_journal_truncate_before(j, (aj_journal_pos){st.end.segment + 5, 0}), AJ_OK);
    assert_int_equal(count_segments(s.dir), 1);
    aj_journal_pos p = append_key(j, 300);
    aj_journal_close(j);

    j = open_small(&s, 1024);
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    assert_true(c.n >= 1);
    assert_int_equal(c.keys[c.n - 1], 300);
    assert_true(aj_journal_pos_cmp(c.pos[c.n - 1], p) == 0);
    collected_clear(&c);
    aj_journal_close(j);
    scratch_clear(&s);
}

/* Writes 10 records, closes, appends `tail` by hand, reopens: the tail must be cut off,
 * the 10 records replay, and a new append lands exactly where the tail began. */
static void check_torn_tail(const uint8_t *tail, size_t tail_len) {
    scratch s;
    scratch_init(&s);
    aj_journal *j = open_small(&s, 0);
    for (uint64_t k = 0; k < 10; k++) append_key(j, k);
    aj_journal_stats st;
    aj_journal_stats_get(j, &st);
    aj_journal_close(j);
    char path[600];
    segment_file(&s, st.end.segment, path, sizeof path);
    append_bytes(path, tail, tail_len);
    assert_int_equal(file_size(path), (off_t)(st.end.offset + tail_len));

    j = open_small(&s, 0);
    assert_int_equal(file_size(path), (off_t)st.end.offset);
    collected c;
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    assert_int_equal(c.n, 10);
    collected_clear(&c);
    aj_journal_pos p = append_key(j, 10);
    assert_true(aj_journal_pos_cmp(p, st.end) == 0);
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    assert_int_equal(c.n, 11);
    collected_clear(&c);
    aj_journal_close(j);
    scratch_clear(&s);
}

static void test_torn_tail(void **state) {
    (void)state;
    uint8_t buf[4096];
    uint8_t rec[PAYLOAD_MAX + 8];

    check_torn_tail((const uint8_t *)"\x10\x00\x00", 3); /* partial length field */

    size_t len = payload_make(99, rec + 8); /* whole header, half the payload */
    uint32_t len32 = (uint32_t)len, crc = aj_crc32c(rec + 8, len);
    memcpy(rec, &len32, 4);
    memcpy(rec + 4, &crc, 4);
    check_torn_tail(rec, 8 + len / 2);
    check_torn_tail(rec, 6); /* length and half the CRC */

    rec[8 + len - 1] ^= 0x40; /* complete record, CRC fails, at the end */
    check_torn_tail(rec, 8 + len);

    memset(buf, 0, sizeof buf); /* zero-filled (preallocated or unwritten) pages */
    check_torn_tail(buf, sizeof buf);

    uint32_t x = 12345; /* random garbage */
    for (size_t i = 0; i < 300; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    check_torn_tail(buf, 300);

    len32 = 0xffffffffu; /* absurd length */
    memcpy(buf, &len32, 4);
    check_torn_tail(buf, 100);
}

/* Ten records in one segment; returns the positions. */
static aj_journal_pos ten_records(const scratch *s, aj_journal_pos pos[10]) {
    aj_journal *j = open_small(s, 0);
    for (uint64_t k = 0; k < 10; k++) pos[k] = append_key(j, k);
    aj_journal_stats st;
    aj_journal_stats_get(j, &st);
    aj_journal_close(j);
    return st.end;
}

static void check_corrupt_middle(bool is_length) {
    scratch s;
    scratch_init(&s);
    aj_journal_pos pos[10];
    aj_journal_pos end = ten_records(&s, pos);
    char path[600], err[512] = "", want[64];
    segment_file(&s, 1, path, sizeof path);
    uint8_t bad[4] = {0xff, 0xff, 0xff, 0x7f};
    if (is_length)
        patch_bytes(path, (off_t)pos[4].offset, bad, 4);
    else
        patch_bytes(path, (off_t)pos[4].offset + 9, bad, 1);

    aj_journal *j = NULL;
    aj_journal_options opt = {0};
    assert_int_equal(aj_journal_open_with(s.dir, &opt, &j, err, sizeof err), AJ_EIO);
    assert_null(j);
    snprintf(want, sizeof want, "%016" PRIx64 ":%" PRIu64, pos[4].segment, pos[4].offset);
    assert_non_null(strstr(err, want));
    assert_int_equal(file_size(path), (off_t)end.offset); /* nothing dropped */

    /* The operator's repair keeps what is before the damage. */
    opt.is_repair = true;
    assert_int_equal(aj_journal_open_with(s.dir, &opt, &j, err, sizeof err), AJ_OK);
    collected c;
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    assert_int_equal(c.n, 4);
    collected_clear(&c);
    aj_journal_close(j);
    scratch_clear(&s);
}

static void test_corrupt_middle(void **state) {
    (void)state;
    check_corrupt_middle(false);
    check_corrupt_middle(true);
}

static void test_corrupt_earlier_segment(void **state) {
    (void)state;
    scratch s;
    scratch_init(&s);
    aj_journal *j = open_small(&s, 1024);
    aj_journal_pos pos[40];
    for (uint64_t k = 0; k < 40; k++) pos[k] = append_key(j, k);
    aj_journal_close(j);
    assert_true(pos[39].segment >= 3);
    assert_int_equal(pos[1].segment, 1);

    /* A flipped byte in segment 1: open (which scans the last segment) succeeds, replay
     * delivers the records before the damage and then reports it. */
    char path[600], err[512] = "", want[64];
    segment_file(&s, 1, path, sizeof path);
    uint8_t flip = 0x5a;
    patch_bytes(path, (off_t)pos[1].offset + 9, &flip, 1);
    j = open_small(&s, 1024);
    collected c;
    memset(&c, 0, sizeof c);
    assert_int_equal(aj_journal_replay(j, (aj_journal_pos){0, 0}, collect, &c, err, sizeof err), AJ_EIO);
    assert_int_equal(c.n, 1);
    snprintf(want, sizeof want, "%016" PRIx64 ":%" PRIu64, pos[1].segment, pos[1].offset);
    assert_non_null(strstr(err, want));
    collected_clear(&c);
    aj_journal_close(j);

    /* A missing segment in the middle is a gap. */
    segment_file(&s, 2, path, sizeof path);
    assert_int_equal(unlink(path), 0);
    aj_journal_options opt = {.segment_bytes = 1024};
    assert_int_equal(aj_journal_open_with(s.dir, &opt, &j, err, sizeof err), AJ_EIO);
    assert_non_null(strstr(err, "gap"));

    /* A bad segment header. */
    remove_files(s.dir);
    ten_records(&s, pos);
    segment_file(&s, 1, path, sizeof path);
    patch_bytes(path, 0, "X", 1);
    assert_int_equal(aj_journal_open_with(s.dir, &opt, &j, err, sizeof err), AJ_EIO);
    assert_non_null(strstr(err, "header"));
    scratch_clear(&s);
}

/* ---- concurrency ---------------------------------------------------------------------- */

#define N_THREADS          8
#define APPENDS_PER_THREAD 2000

typedef struct appender {
    aj_journal *j;
    uint64_t id;
    aj_journal_pos pos[APPENDS_PER_THREAD];
    int n_failed;
} appender;

static void *appender_run(void *arg) {
    appender *a = arg;
    uint8_t buf[PAYLOAD_MAX];
    for (uint64_t i = 0; i < APPENDS_PER_THREAD; i++) {
        size_t len = payload_make(a->id << 32 | i, buf);
        if (aj_journal_append(a->j, buf, len, &a->pos[i])) a->n_failed++;
    }
    return NULL;
}

static void test_concurrent_group_commit(void **state) {
    (void)state;
    scratch s;
    scratch_init(&s);
    aj_journal *j = open_small(&s, 64 * 1024);
    static appender apps[N_THREADS];
    pthread_t threads[N_THREADS];
    double t0 = now_s();
    for (int t = 0; t < N_THREADS; t++) {
        apps[t] = (appender){.j = j, .id = (uint64_t)t};
        assert_int_equal(pthread_create(&threads[t], NULL, appender_run, &apps[t]), 0);
    }
    for (int t = 0; t < N_THREADS; t++) pthread_join(threads[t], NULL);
    double dt = now_s() - t0;

    aj_journal_stats st;
    aj_journal_stats_get(j, &st);
    assert_int_equal(st.n_appends, N_THREADS * APPENDS_PER_THREAD);
    printf("journal: %d threads x %d appends: %" PRIu64 " fdatasync for %" PRIu64
           " appends (%.3f syncs/append, %.1f appends/sync), %.0f appends/s, %" PRIu64 " segments\n",
           N_THREADS, APPENDS_PER_THREAD, st.n_syncs, st.n_appends, (double)st.n_syncs / (double)st.n_appends,
           (double)st.n_appends / (double)st.n_syncs, (double)st.n_appends / dt, st.end.segment);

    collected c;
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    assert_int_equal(c.n, N_THREADS * APPENDS_PER_THREAD);
    static bool seen[N_THREADS][APPENDS_PER_THREAD];
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < c.n; k++) {
        uint64_t t = c.keys[k] >> 32, i = c.keys[k] & 0xffffffffu;
        assert_true(t < N_THREADS && i < APPENDS_PER_THREAD);
        assert_false(seen[t][i]);
        seen[t][i] = true;
        assert_true(aj_journal_pos_cmp(c.pos[k], apps[t].pos[i]) == 0);
    }
    for (int t = 0; t < N_THREADS; t++) {
        assert_int_equal(apps[t].n_failed, 0);
        for (int i = 1; i < APPENDS_PER_THREAD; i++) {
            assert_true(aj_journal_pos_cmp(apps[t].pos[i - 1], apps[t].pos[i]) < 0);
        }
    }
    collected_clear(&c);
    aj_journal_close(j);

    /* One thread, for comparison: every append pays its own fdatasync. */
    remove_files(s.dir);
    j = open_small(&s, 64 * 1024);
    t0 = now_s();
    for (uint64_t k = 0; k < 500; k++) append_key(j, k);
    dt = now_s() - t0;
    aj_journal_stats_get(j, &st);
    printf("journal: 1 thread x 500 appends: %" PRIu64 " fdatasync, %.0f appends/s\n", st.n_syncs, 500 / dt);
    aj_journal_close(j);
    scratch_clear(&s);
}

/* Replay (and truncate_before) while other threads append: each replay sees a growing
 * prefix of whole, valid records. */
typedef struct busy_appender {
    aj_journal *j;
    uint64_t id;
    int n_failed;
} busy_appender;

static void *busy_appender_run(void *arg) {
    busy_appender *a = arg;
    uint8_t buf[PAYLOAD_MAX];
    for (uint64_t i = 0; i < 500; i++) {
        size_t len = payload_make(a->id << 32 | i, buf);
        if (aj_journal_append(a->j, buf, len, NULL)) a->n_failed++;
    }
    return NULL;
}

static void test_replay_while_appending(void **state) {
    (void)state;
    scratch s;
    scratch_init(&s);
    aj_journal *j = open_small(&s, 4096);
    busy_appender apps[4];
    pthread_t threads[4];
    for (int t = 0; t < 4; t++) {
        apps[t] = (busy_appender){.j = j, .id = (uint64_t)t};
        assert_int_equal(pthread_create(&threads[t], NULL, busy_appender_run, &apps[t]), 0);
    }
    size_t n_last = 0;
    int n_replays = 0;
    aj_journal_stats st;
    do {
        aj_journal_stats_get(j, &st);
        collected c;
        replay_all(j, (aj_journal_pos){0, 0}, &c);
        assert_true(c.n >= n_last);
        n_last = c.n;
        n_replays++;
        collected_clear(&c);
    } while (st.n_appends < 2000);
    for (int t = 0; t < 4; t++) {
        pthread_join(threads[t], NULL);
        assert_int_equal(apps[t].n_failed, 0);
    }
    collected c;
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    assert_int_equal(c.n, 2000);
    collected_clear(&c);
    assert_true(n_replays >= 1);
    aj_journal_close(j);
    scratch_clear(&s);
}

/* ---- crash durability ----------------------------------------------------------------- */

typedef struct ack {
    uint64_t key;
    aj_journal_pos pos;
} ack;

/* The child: appends keys 0, 1, 2, ... and reports each acknowledged one, until killed. */
static void crash_child(const char *dir, int ack_fd) {
    aj_journal_options opt = {.segment_bytes = 256 * 1024};
    aj_journal *j = NULL;
    if (aj_journal_open_with(dir, &opt, &j, NULL, 0)) _exit(2);
    uint8_t buf[PAYLOAD_MAX];
    for (uint64_t k = 0;; k++) {
        size_t len = payload_make(k, buf);
        ack a = {.key = k};
        if (aj_journal_append(j, buf, len, &a.pos)) _exit(3);
        if (write(ack_fd, &a, sizeof a) != (ssize_t)sizeof a) _exit(4);
    }
}

/* Reads whole acks from fd into acks (growing), until the deadline (or EOF if deadline is 0). */
static size_t read_acks(int fd, ack **acks, size_t n, size_t *cap, uint8_t *part, size_t *n_part,
                        double deadline) {
    for (;;) {
        if (deadline > 0) {
            int wait_ms = (int)((deadline - now_s()) * 1000);
            if (wait_ms <= 0) return n;
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, wait_ms) <= 0) continue;
        }
        ssize_t got = read(fd, part + *n_part, sizeof(ack) * 64 - *n_part);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return n;
        *n_part += (size_t)got;
        size_t whole = *n_part / sizeof(ack);
        if (n + whole > *cap) {
            *cap = 2 * (n + whole);
            *acks = realloc(*acks, *cap * sizeof **acks);
            assert_non_null(*acks);
        }
        memcpy(*acks + n, part, whole * sizeof(ack));
        n += whole;
        memmove(part, part + whole * sizeof(ack), *n_part - whole * sizeof(ack));
        *n_part -= whole * sizeof(ack);
    }
}

static void crash_once(int round) {
    scratch s;
    scratch_init(&s);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        crash_child(s.dir, fds[1]);
    }
    close(fds[1]);
    ack *acks = NULL;
    size_t n = 0, cap = 0, n_part = 0;
    uint8_t part[sizeof(ack) * 64];
    n = read_acks(fds[0], &acks, n, &cap, part, &n_part, now_s() + 0.3);
    assert_int_equal(kill(child, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL); /* it did not fail by itself */
    n = read_acks(fds[0], &acks, n, &cap, part, &n_part, 0);         /* acks still in the pipe */
    close(fds[0]);
    assert_true(n > 0);

    aj_journal *j = open_small(&s, 256 * 1024);
    collected c;
    replay_all(j, (aj_journal_pos){0, 0}, &c);
    printf("journal: crash round %d: %zu acknowledged, %zu replayed after SIGKILL\n", round, n, c.n);
    assert_true(c.n >= n);
    for (size_t k = 0; k < c.n; k++) assert_int_equal(c.keys[k], k); /* intact, in order, no gaps */
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(acks[k].key, k);
        assert_true(aj_journal_pos_cmp(acks[k].pos, c.pos[k]) == 0);
    }
    aj_journal_pos p = append_key(j, c.n);
    assert_true(aj_journal_pos_cmp(p, c.pos[c.n - 1]) > 0);
    collected_clear(&c);
    aj_journal_close(j);
    free(acks);
    scratch_clear(&s);
}

static void test_crash_durability(void **state) {
    (void)state;
    for (int round = 1; round <= 4; round++) crash_once(round);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_roundtrip_rollover),
        cmocka_unit_test(test_truncate_before),
        cmocka_unit_test(test_torn_tail),
        cmocka_unit_test(test_corrupt_middle),
        cmocka_unit_test(test_corrupt_earlier_segment),
        cmocka_unit_test(test_concurrent_group_commit),
        cmocka_unit_test(test_replay_while_appending),
        cmocka_unit_test(test_crash_durability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
