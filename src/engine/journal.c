/* journal.c — the ingest journal (see journal.h): segment files, group commit, recovery.
 *
 * Format, version 1 (all integers little-endian). A segment file NNNNNNNNNNNNNNNN.ajj is:
 *
 *   bytes 0..7    magic "ANJIANJL"
 *   bytes 8..11   u32 format version (1)
 *   bytes 12..15  u32 reserved, 0
 *   bytes 16..23  u64 segment number, equal to the one in the file name
 *   then records, back to back, each:
 *     u32 length n, 1..AJ_JOURNAL_RECORD_MAX
 *     u32 CRC32C of the n payload bytes
 *     n payload bytes
 *
 * A record's position is (segment number, offset of its length field). A segment is
 * created whole: its header is written to NNN.ajj.tmp, synced, renamed and the directory
 * synced, so every .ajj file has a complete header (open deletes stale .tmp files).
 *
 * Invariants: only the last segment is ever written; a segment is synced before the next
 * one is created, so every earlier segment ends exactly after its last record. Within the
 * last segment, everything before durable_end is synced; bytes after it belong to a write
 * in progress or to a crash.
 *
 * Recovery (open): the last segment is scanned from its header for records that follow
 * each other and verify. If the scan stops before the end of the file at offset X, the
 * bytes from X on are a torn tail — a crash during an append that was therefore never
 * acknowledged — unless a valid record starts anywhere after X: then a record in the
 * middle was damaged, and open reports AJ_EIO with the position instead of dropping the
 * acknowledged records after it (aj_journal_options.is_repair truncates anyway). The
 * search for a later record tries every offset, so it is quadratic in the worst case; it
 * runs only when the tail is bad, over that tail.
 *
 * Group commit (append): appenders queue a waiter (on their own stack) under mu. Whoever
 * finds no sync in progress becomes the leader: it takes the whole queue, sets
 * is_syncing, drops mu, writes every queued record (rolling over to a new segment when
 * one is full, syncing the old one first), calls fdatasync once, then retakes mu, marks
 * the batch done and wakes everybody. Waiters whose record was queued after the leader
 * took the batch find is_syncing false and one of them leads the next batch. So at most
 * one fdatasync runs at a time and each covers everything queued while the previous one
 * ran. The leader alone touches fd, segment and end while is_syncing is set.
 *
 *   idle --append--> leading (is_syncing) --batch synced--> idle, waiters woken
 *                          \--write/sync error--> failed (sticky: appends give AJ_EIO)
 */
#include "engine/journal.h"

#include "base/limits.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static const uint8_t segment_magic[8] = {'A', 'N', 'J', 'I', 'A', 'N', 'J', 'L'};

#define SEGMENT_NAME_LEN 20 /* 16 hex digits + ".ajj" */
#define SEGMENT_SUFFIX   ".ajj"
#define TMP_SUFFIX       ".tmp"

/* ---- little-endian integers --------------------------------------------------------- */

static uint32_t get_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_le64(const uint8_t *p) {
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}
static void put_le32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- CRC32C, slicing by 8 ------------------------------------------------------------ */

/* crc_table[0] is the classic byte-at-a-time table of the reflected polynomial;
 * crc_table[k][b] is the CRC of byte b followed by k zero bytes, so eight table lookups
 * advance the CRC by eight bytes at once. */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            uint32_t prev = crc_table[t - 1][i];
            crc_table[t][i] = (prev >> 8) ^ crc_table[0][prev & 0xff];
        }
    }
}

uint32_t aj_crc32c(const void *buf, size_t len) {
    pthread_once(&crc_once, crc_init);
    const uint8_t *p = buf;
    uint32_t c = ~0u;
    while (len >= 8) {
        uint32_t lo = c ^ get_le32(p), hi = get_le32(p + 4);
        c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^ crc_table[5][(lo >> 16) & 0xff] ^
            crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
            crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len-- > 0) c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
    return ~c;
}

/* ---- positions ---------------------------------------------------------------------- */

int aj_journal_pos_cmp(aj_journal_pos a, aj_journal_pos b) {
    if (a.segment != b.segment) return a.segment < b.segment ? -1 : 1;
    if (a.offset != b.offset) return a.offset < b.offset ? -1 : 1;
    return 0;
}

/* ---- the journal -------------------------------------------------------------------- */

/* One appender waiting for its record to be durable; lives on the appender's stack. */
typedef struct waiter {
    struct waiter *next;
    const uint8_t *payload;
    size_t len;
    uint32_t crc;
    aj_journal_pos pos; /* set by the leader */
    aj_err err;         /* set by the leader */
    bool is_done;
} waiter;

struct aj_journal {
    char dir[AJ_PATH_MAX];
    int dir_fd;
    uint64_t segment_bytes;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    waiter *queue_head, *queue_tail;
    bool is_syncing;
    aj_err failed; /* sticky after a write or sync error */
    aj_journal_pos durable_end;
    uint64_t first_segment;
    uint64_t n_appends, n_syncs, n_segments_new;

    /* the leader's while is_syncing; open's and close's otherwise */
    int fd;
    uint64_t segment;
    uint64_t end;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void segment_path(const aj_journal *j, uint64_t segment, const char *suffix, char *out, size_t cap) {
    snprintf(out, cap, "%s/%016" PRIx64 SEGMENT_SUFFIX "%s", j->dir, segment, suffix);
}

static int pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off) {
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int fsync_retry(int fd, bool is_data_only) {
    int rc;
    do rc = is_data_only ? fdatasync(fd) : fsync(fd);
    while (rc < 0 && errno == EINTR);
    return rc;
}

static void segment_header(uint8_t h[AJ_JOURNAL_SEGMENT_HEADER_BYTES], uint64_t segment) {
    memcpy(h, segment_magic, sizeof segment_magic);
    put_le32(h + 8, AJ_JOURNAL_VERSION);
    put_le32(h + 12, 0);
    put_le64(h + 16, segment);
}

static bool is_segment_header_ok(const uint8_t *h, uint64_t segment) {
    return memcmp(h, segment_magic, sizeof segment_magic) == 0 && get_le32(h + 8) == AJ_JOURNAL_VERSION &&
           get_le32(h + 12) == 0 && get_le64(h + 16) == segment;
}

/* Creates segment number `segment` whole (header written, synced, renamed into place,
 * directory synced). Returns its descriptor, or -1 with err set. */
static int segment_create(aj_journal *j, uint64_t segment, char *err, size_t errlen) {
    char tmp[AJ_PATH_MAX + 64], path[AJ_PATH_MAX + 64];
    segment_path(j, segment, TMP_SUFFIX, tmp, sizeof tmp);
    segment_path(j, segment, "", path, sizeof path);
    uint8_t h[AJ_JOURNAL_SEGMENT_HEADER_BYTES];
    segment_header(h, segment);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        set_err(err, errlen, "journal: create %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (pwrite_all(fd, h, sizeof h, 0) || fsync_retry(fd, true) || rename(tmp, path) ||
        fsync_retry(j->dir_fd, false)) {
        set_err(err, errlen, "journal: create %s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    return fd;
}

/* ---- scanning (pure functions over a segment's bytes) ------------------------------- */

/* Size (header + payload) of the valid record at buf[off..size), or 0 if there is none:
 * too few bytes for a header, a length of 0 or above AJ_JOURNAL_RECORD_MAX, a payload
 * running past size, or a CRC mismatch. Reads only inside buf[0..size). */
static size_t record_at(const uint8_t *buf, size_t size, size_t off) {
    if (off > size || size - off < AJ_JOURNAL_RECORD_HEADER_BYTES) return 0;
    uint32_t len = get_le32(buf + off);
    if (len == 0 || len > AJ_JOURNAL_RECORD_MAX) return 0;
    if (size - off - AJ_JOURNAL_RECORD_HEADER_BYTES < len) return 0;
    if (aj_crc32c(buf + off + AJ_JOURNAL_RECORD_HEADER_BYTES, len) != get_le32(buf + off + 4)) return 0;
    return AJ_JOURNAL_RECORD_HEADER_BYTES + len;
}

/* Offset just after the run of valid records that starts at the segment header. */
static size_t records_end(const uint8_t *buf, size_t size) {
    size_t off = AJ_JOURNAL_SEGMENT_HEADER_BYTES;
    for (;;) {
        size_t n = record_at(buf, size, off);
        if (n == 0) return off;
        off += n;
    }
}

/* Whether a valid record starts anywhere after offset bad. */
static bool has_record_after(const uint8_t *buf, size_t size, size_t bad) {
    for (size_t p = bad + 1; p + AJ_JOURNAL_RECORD_HEADER_BYTES < size; p++) {
        if (record_at(buf, size, p)) return true;
    }
    return false;
}

/* A segment file mapped read-only; size is at most the limit it was mapped with. */
typedef struct mapped_segment {
    int fd;
    uint8_t *buf;
    size_t size;
} mapped_segment;

static void mapped_segment_clear(mapped_segment *m) {
    if (m->buf) munmap(m->buf, m->size);
    if (m->fd >= 0) close(m->fd);
    m->buf = NULL;
    m->fd = -1;
}

/* Maps the first min(file size, limit) bytes of a segment and checks its header. */
static aj_err mapped_segment_init(mapped_segment *m, aj_journal *j, uint64_t segment, uint64_t limit,
                                  bool is_writable, char *err, size_t errlen) {
    char path[AJ_PATH_MAX + 64];
    segment_path(j, segment, "", path, sizeof path);
    m->buf = NULL;
    m->size = 0;
    m->fd = open(path, (is_writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    struct stat st;
    if (m->fd < 0 || fstat(m->fd, &st) < 0) {
        int saved = errno;
        set_err(err, errlen, "journal: open %s: %s", path, strerror(saved));
        mapped_segment_clear(m);
        return saved == ENOENT ? AJ_ENOTFOUND : AJ_EIO;
    }
    uint64_t size = (uint64_t)st.st_size < limit ? (uint64_t)st.st_size : limit;
    if (size < AJ_JOURNAL_SEGMENT_HEADER_BYTES || size > SIZE_MAX) {
        set_err(err, errlen, "journal: %s: %" PRIu64 " bytes, shorter than its header", path, size);
        mapped_segment_clear(m);
        return AJ_EIO;
    }
    void *buf = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, m->fd, 0);
    if (buf == MAP_FAILED) {
        set_err(err, errlen, "journal: mmap %s: %s", path, strerror(errno));
        mapped_segment_clear(m);
        return AJ_EIO;
    }
    m->buf = buf;
    m->size = (size_t)size;
    if (!is_segment_header_ok(m->buf, segment)) {
        set_err(err, errlen, "journal: %s: bad segment header", path);
        mapped_segment_clear(m);
        return AJ_EIO;
    }
    return AJ_OK;
}

/* ---- open --------------------------------------------------------------------------- */

/* Creates dir if missing (and syncs its parent so the new entry is durable). */
static aj_err make_dir(const char *dir, char *err, size_t errlen) {
    if (mkdir(dir, 0750) == 0) {
        char parent[AJ_PATH_MAX];
        snprintf(parent, sizeof parent, "%s", dir);
        size_t n = strlen(parent);
        while (n > 1 && parent[n - 1] == '/') parent[--n] = '\0';
        char *slash = strrchr(parent, '/');
        if (!slash)
            snprintf(parent, sizeof parent, ".");
        else if (slash == parent)
            parent[1] = '\0';
        else
            *slash = '\0';
        int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync_retry(fd, false)) {
            set_err(err, errlen, "journal: sync %s: %s", parent, strerror(errno));
            if (fd >= 0) close(fd);
            return AJ_EIO;
        }
        close(fd);
        return AJ_OK;
    }
    if (errno == EEXIST) return AJ_OK;
    set_err(err, errlen, "journal: mkdir %s: %s", dir, strerror(errno));
    return AJ_EIO;
}

/* Parses "NNNNNNNNNNNNNNNN.ajj" (lower-case hex). */
static bool parse_segment_name(const char *name, uint64_t *segment) {
    if (strlen(name) != SEGMENT_NAME_LEN || strcmp(name + 16, SEGMENT_SUFFIX) != 0) return false;
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char c = name[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *segment = v;
    return true;
}

static bool is_tmp_name(const char *name) {
    uint64_t ignored;
    char base[SEGMENT_NAME_LEN + 1];
    if (strlen(name) != SEGMENT_NAME_LEN + strlen(TMP_SUFFIX) || strcmp(name + SEGMENT_NAME_LEN, TMP_SUFFIX))
        return false;
    memcpy(base, name, SEGMENT_NAME_LEN);
    base[SEGMENT_NAME_LEN] = '\0';
    return parse_segment_name(base, &ignored);
}

/* Finds the lowest and highest segment numbers and their count; deletes stale .tmp files. */
static aj_err list_segments(aj_journal *j, uint64_t *lo, uint64_t *hi, uint64_t *n, char *err,
                            size_t errlen) {
    DIR *d = opendir(j->dir);
    if (!d) {
        set_err(err, errlen, "journal: opendir %s: %s", j->dir, strerror(errno));
        return AJ_EIO;
    }
    *lo = UINT64_MAX;
    *hi = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t s;
        if (parse_segment_name(e->d_name, &s)) {
            if (s < *lo) *lo = s;
            if (s > *hi) *hi = s;
            (*n)++;
        } else if (is_tmp_name(e->d_name)) {
            unlinkat(j->dir_fd, e->d_name, 0); /* a segment never finished; best effort */
        }
    }
    closedir(d);
    return AJ_OK;
}

/* Checks every segment header; a gap in the numbers means a lost segment. */
static aj_err check_segments(aj_journal *j, uint64_t lo, uint64_t hi, uint64_t n, char *err, size_t errlen) {
    if (hi - lo + 1 != n) {
        set_err(err, errlen,
                "journal %s: segments %016" PRIx64 "..%016" PRIx64 " have gaps (%" PRIu64 " files)", j->dir,
                lo, hi, n);
        return AJ_EIO;
    }
    for (uint64_t s = lo; s < hi; s++) { /* the last one is checked when it is mapped */
        char path[AJ_PATH_MAX + 64];
        uint8_t h[AJ_JOURNAL_SEGMENT_HEADER_BYTES];
        segment_path(j, s, "", path, sizeof path);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t got = fd < 0 ? -1 : pread(fd, h, sizeof h, 0);
        if (fd >= 0) close(fd);
        if (got != (ssize_t)sizeof h || !is_segment_header_ok(h, s)) {
            set_err(err, errlen, "journal: %s: missing or bad segment header", path);
            return AJ_EIO;
        }
    }
    return AJ_OK;
}

/* Scans the last segment, cuts off a torn tail, syncs it and keeps it open for appends. */
static aj_err recover_last(aj_journal *j, uint64_t segment, bool is_repair, char *err, size_t errlen) {
    mapped_segment m;
    aj_err e = mapped_segment_init(&m, j, segment, UINT64_MAX, true, err, errlen);
    if (e) return e == AJ_ENOTFOUND ? AJ_EIO : e;
    size_t end = records_end(m.buf, m.size);
    if (end < m.size && !is_repair && has_record_after(m.buf, m.size, end)) {
        set_err(err, errlen,
                "journal %s: corrupt record at %016" PRIx64
                ":%zu (segment:offset) with valid records after it",
                j->dir, segment, end);
        mapped_segment_clear(&m);
        return AJ_EIO;
    }
    size_t size = m.size;
    munmap(m.buf, m.size);
    j->fd = m.fd;
    j->segment = segment;
    j->end = end;
    if ((end < size && ftruncate(j->fd, (off_t)end) < 0) || fsync_retry(j->fd, true) < 0) {
        set_err(err, errlen, "journal %s: truncate segment %016" PRIx64 ": %s", j->dir, segment,
                strerror(errno));
        return AJ_EIO;
    }
    return AJ_OK;
}

aj_err aj_journal_open(const char *dir, aj_journal **out, char *err, size_t errlen) {
    return aj_journal_open_with(dir, NULL, out, err, errlen);
}

aj_err aj_journal_open_with(const char *dir, const aj_journal_options *opt, aj_journal **out, char *err,
                            size_t errlen) {
    *out = NULL;
    static const aj_journal_options defaults = {0};
    if (!opt) opt = &defaults;
    uint64_t segment_bytes = opt->segment_bytes ? opt->segment_bytes : AJ_JOURNAL_SEGMENT_BYTES;
    if (segment_bytes < AJ_JOURNAL_SEGMENT_BYTES_MIN || segment_bytes > AJ_JOURNAL_SEGMENT_BYTES_MAX) {
        set_err(err, errlen, "journal: segment size %" PRIu64 " out of range", segment_bytes);
        return AJ_EINVAL;
    }
    if (!dir || !*dir || strlen(dir) >= AJ_PATH_MAX) {
        set_err(err, errlen, "journal: bad directory name");
        return AJ_EINVAL;
    }
    aj_journal *j = calloc(1, sizeof *j);
    if (!j) return AJ_ENOMEM;
    snprintf(j->dir, sizeof j->dir, "%s", dir);
    j->segment_bytes = segment_bytes;
    j->fd = -1;
    j->dir_fd = -1;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);

    uint64_t lo, hi, n;
    aj_err e = make_dir(dir, err, errlen);
    if (!e) {
        j->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (j->dir_fd < 0) {
            set_err(err, errlen, "journal: open %s: %s", dir, strerror(errno));
            e = AJ_EIO;
        }
    }
    if (!e) e = list_segments(j, &lo, &hi, &n, err, errlen);
    if (!e && n == 0) {
        lo = hi = 1;
        j->fd = segment_create(j, 1, err, errlen);
        j->segment = 1;
        j->end = AJ_JOURNAL_SEGMENT_HEADER_BYTES;
        if (j->fd < 0) e = AJ_EIO;
    } else if (!e) {
        e = check_segments(j, lo, hi, n, err, errlen);
        if (!e) e = recover_last(j, hi, opt->is_repair, err, errlen);
    }
    if (e) {
        aj_journal_close(j);
        return e;
    }
    j->first_segment = lo;
    j->durable_end = (aj_journal_pos){j->segment, j->end};
    *out = j;
    return AJ_OK;
}

/* ---- append (group commit) ---------------------------------------------------------- */

static int write_record(int fd, uint64_t off, const waiter *w) {
    uint8_t h[AJ_JOURNAL_RECORD_HEADER_BYTES];
    put_le32(h, (uint32_t)w->len);
    put_le32(h + 4, w->crc);
    struct iovec iov[2] = {{h, sizeof h}, {(void *)w->payload, w->len}};
    ssize_t n;
    do n = pwritev(fd, iov, 2, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    size_t done = (size_t)n;
    if (done < sizeof h) {
        if (pwrite_all(fd, h + done, sizeof h - done, off + done)) return -1;
        done = sizeof h;
    }
    size_t payload_done = done - sizeof h;
    return pwrite_all(fd, w->payload + payload_done, w->len - payload_done, off + done);
}

/* The leader's work, without mu: writes the batch, rolling over when a segment is full,
 * and makes it durable. Counts syncs and new segments into *n_syncs and *n_new. */
static aj_err write_batch(aj_journal *j, waiter *batch, uint64_t *n_syncs, uint64_t *n_new) {
    bool is_dirty = false;
    for (waiter *w = batch; w; w = w->next) {
        uint64_t size = AJ_JOURNAL_RECORD_HEADER_BYTES + (uint64_t)w->len;
        if (j->end > AJ_JOURNAL_SEGMENT_HEADER_BYTES && j->end + size > j->segment_bytes) {
            if (is_dirty) {
                if (fsync_retry(j->fd, true)) return AJ_EIO;
                (*n_syncs)++;
                is_dirty = false;
            }
            int fd = segment_create(j, j->segment + 1, NULL, 0);
            if (fd < 0) return AJ_EIO;
            close(j->fd);
            j->fd = fd;
            j->segment++;
            j->end = AJ_JOURNAL_SEGMENT_HEADER_BYTES;
            (*n_new)++;
        }
        if (write_record(j->fd, j->end, w)) return AJ_EIO;
        w->pos = (aj_journal_pos){j->segment, j->end};
        j->end += size;
        is_dirty = true;
    }
    if (is_dirty) {
        if (fsync_retry(j->fd, true)) return AJ_EIO;
        (*n_syncs)++;
    }
    return AJ_OK;
}

/* Called with mu held by an appender that found no sync in progress; returns with mu
 * held after the batch it took is done. */
static void lead_batch(aj_journal *j) {
    waiter *batch = j->queue_head;
    j->queue_head = j->queue_tail = NULL;
    j->is_syncing = true;
    aj_err failed = j->failed;
    pthread_mutex_unlock(&j->mu);

    uint64_t n_syncs = 0, n_new = 0, n = 0;
    aj_err e = failed ? failed : write_batch(j, batch, &n_syncs, &n_new);

    pthread_mutex_lock(&j->mu);
    if (e)
        j->failed = AJ_EIO;
    else
        j->durable_end = (aj_journal_pos){j->segment, j->end};
    for (waiter *w = batch, *next; w; w = next) {
        next = w->next; /* w may be gone once it sees is_done (after we unlock) */
        w->err = e;
        w->is_done = true;
        n++;
    }
    if (!e) j->n_appends += n;
    j->n_syncs += n_syncs;
    j->n_segments_new += n_new;
    j->is_syncing = false;
    pthread_cond_broadcast(&j->cv);
}

aj_err aj_journal_append(aj_journal *j, const void *payload, size_t len, aj_journal_pos *pos) {
    if (len == 0) return AJ_EINVAL;
    if (len > AJ_JOURNAL_RECORD_MAX) return AJ_ETOOBIG;
    waiter w = {.payload = payload, .len = len, .crc = aj_crc32c(payload, len)};
    pthread_mutex_lock(&j->mu);
    if (j->failed) {
        aj_err e = j->failed;
        pthread_mutex_unlock(&j->mu);
        return e;
    }
    if (j->queue_tail)
        j->queue_tail->next = &w;
    else
        j->queue_head = &w;
    j->queue_tail = &w;
    while (!w.is_done) {
        if (j->is_syncing)
            pthread_cond_wait(&j->cv, &j->mu);
        else
            lead_batch(j);
    }
    pthread_mutex_unlock(&j->mu);
    if (!w.err && pos) *pos = w.pos;
    return w.err;
}

/* ---- replay, truncate, close -------------------------------------------------------- */

static aj_err replay_segment(aj_journal *j, uint64_t segment, uint64_t limit, aj_journal_pos from,
                             aj_journal_replay_fn fn, void *ctx, char *err, size_t errlen) {
    mapped_segment m;
    aj_err e = mapped_segment_init(&m, j, segment, limit, false, err, errlen);
    if (e) return e == AJ_ENOTFOUND ? AJ_EIO : e;
    if (limit != UINT64_MAX && m.size != limit) {
        set_err(err, errlen, "journal %s: segment %016" PRIx64 " shorter than its durable end", j->dir,
                segment);
        mapped_segment_clear(&m);
        return AJ_EIO;
    }
    size_t off = AJ_JOURNAL_SEGMENT_HEADER_BYTES;
    while (off < m.size) {
        size_t n = record_at(m.buf, m.size, off);
        if (n == 0) {
            set_err(err, errlen, "journal %s: corrupt record at %016" PRIx64 ":%zu (segment:offset)", j->dir,
                    segment, off);
            e = AJ_EIO;
            break;
        }
        aj_journal_pos pos = {segment, off};
        if (aj_journal_pos_cmp(pos, from) >= 0) {
            e = fn(ctx, pos, m.buf + off + AJ_JOURNAL_RECORD_HEADER_BYTES,
                   n - AJ_JOURNAL_RECORD_HEADER_BYTES);
            if (e) break;
        }
        off += n;
    }
    mapped_segment_clear(&m);
    return e;
}

aj_err aj_journal_replay(aj_journal *j, aj_journal_pos from, aj_journal_replay_fn fn, void *ctx, char *err,
                         size_t errlen) {
    pthread_mutex_lock(&j->mu);
    aj_journal_pos end = j->durable_end;
    uint64_t first = j->first_segment;
    pthread_mutex_unlock(&j->mu);
    if (from.segment != 0 && from.segment < first) {
        set_err(err, errlen, "journal %s: segment %016" PRIx64 " already deleted", j->dir, from.segment);
        return AJ_ENOTFOUND;
    }
    for (uint64_t s = from.segment > first ? from.segment : first; s <= end.segment; s++) {
        uint64_t limit = s == end.segment ? end.offset : UINT64_MAX;
        aj_err e = replay_segment(j, s, limit, from, fn, ctx, err, errlen);
        if (e) return e;
    }
    return AJ_OK;
}

aj_err aj_journal_truncate_before(aj_journal *j, aj_journal_pos pos) {
    pthread_mutex_lock(&j->mu);
    uint64_t first = j->first_segment;
    uint64_t upto = pos.segment < j->durable_end.segment ? pos.segment : j->durable_end.segment;
    if (upto > first) j->first_segment = upto;
    pthread_mutex_unlock(&j->mu);
    if (upto <= first) return AJ_OK;
    aj_err e = AJ_OK;
    for (uint64_t s = first; s < upto; s++) { /* oldest first: a crash leaves no gap */
        char path[AJ_PATH_MAX + 64];
        segment_path(j, s, "", path, sizeof path);
        if (unlink(path) < 0 && errno != ENOENT) e = AJ_EIO;
    }
    if (fsync_retry(j->dir_fd, false) < 0) e = AJ_EIO;
    return e;
}

void aj_journal_stats_get(aj_journal *j, aj_journal_stats *out) {
    pthread_mutex_lock(&j->mu);
    out->n_appends = j->n_appends;
    out->n_syncs = j->n_syncs;
    out->n_segments_new = j->n_segments_new;
    out->end = j->durable_end;
    out->first_segment = j->first_segment;
    pthread_mutex_unlock(&j->mu);
}

void aj_journal_close(aj_journal *j) {
    if (!j) return;
    pthread_mutex_lock(&j->mu);
    assert(!j->is_syncing && !j->queue_head); /* the caller stopped its appenders */
    pthread_mutex_unlock(&j->mu);
    if (j->fd >= 0) close(j->fd);
    if (j->dir_fd >= 0) close(j->dir_fd);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}
