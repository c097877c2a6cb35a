/* fuzz_journal_scan.c — journal recovery and replay over arbitrary segment bytes.
 *
 * The input becomes segment 0000000000000001.ajj of an otherwise empty journal directory
 * (on /dev/shm when there is one, so syncs are cheap). Open must succeed or report AJ_EIO
 * (bad header, or a bad record with valid ones after it — then an is_repair open must
 * succeed unless the header is bad). After a successful open, replay must deliver records
 * that lie back to back from the header, inside the input, byte-identical to it, whose
 * CRC verifies under an independent bitwise CRC32C; the file must have been cut exactly
 * after the last of them; one more append must replay too. Never a crash, an
 * out-of-bounds read (ASan) or a hang.
 */
#include "engine/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[128];
static char segment[256];

typedef struct check {
    const uint8_t *data;
    size_t size;
    size_t next; /* offset where the next record must start */
    size_t n;
} check;

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32c_bitwise(const uint8_t *p, size_t len) {
    uint32_t c = ~0u;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

/* Checks a replayed record against the input bytes. */
static aj_err check_record(void *ctx, aj_journal_pos pos, const uint8_t *payload, size_t len) {
    check *c = ctx;
    if (pos.segment != 1 || pos.offset != c->next) abort();
    if (len == 0 || len > AJ_JOURNAL_RECORD_MAX) abort();
    if (pos.offset + AJ_JOURNAL_RECORD_HEADER_BYTES + len > c->size) abort();
    const uint8_t *rec = c->data + pos.offset;
    if (le32(rec) != len || memcmp(rec + AJ_JOURNAL_RECORD_HEADER_BYTES, payload, len) != 0) abort();
    if (le32(rec + 4) != crc32c_bitwise(payload, len)) abort();
    c->next = pos.offset + AJ_JOURNAL_RECORD_HEADER_BYTES + len;
    c->n++;
    return AJ_OK;
}

/* Counts records appended after the input's own (they are not in data). */
static aj_err count_record(void *ctx, aj_journal_pos pos, const uint8_t *payload, size_t len) {
    size_t *n = ctx;
    (void)pos;
    if (le32(payload - AJ_JOURNAL_RECORD_HEADER_BYTES + 4) != crc32c_bitwise(payload, len)) abort();
    (*n)++;
    return AJ_OK;
}

static void empty_dir(void);

static void remove_dir(void) {
    empty_dir();
    rmdir(dir);
}

static void setup(void) {
    if (dir[0]) return;
    snprintf(dir, sizeof dir, "/dev/shm/aj-fuzz-journal-XXXXXX");
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "/tmp/aj-fuzz-journal-XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    snprintf(segment, sizeof segment, "%s/0000000000000001.ajj", dir);
    atexit(remove_dir);
}

static void empty_dir(void) {
    DIR *d = opendir(dir);
    if (!d) abort();
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static void write_input(const uint8_t *data, size_t size) {
    int fd = open(segment, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) abort();
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) abort();
        done += (size_t)n;
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    setup();
    empty_dir();
    write_input(data, size);

    aj_journal_options opt = {0}; /* 64 MiB segments: an append never rolls over here */
    aj_journal *j = NULL;
    char err[512];
    aj_err e = aj_journal_open_with(dir, &opt, &j, err, sizeof err);
    if (e == AJ_EIO) {
        opt.is_repair = true;
        e = aj_journal_open_with(dir, &opt, &j, err, sizeof err);
        if (e == AJ_EIO && !strstr(err, "header")) abort();
    }
    if (e) {
        if (e != AJ_EIO || j) abort();
        return 0;
    }

    check c = {.data = data, .size = size, .next = AJ_JOURNAL_SEGMENT_HEADER_BYTES};
    if (aj_journal_replay(j, (aj_journal_pos){0, 0}, check_record, &c, err, sizeof err)) abort();
    struct stat st;
    if (stat(segment, &st) || (size_t)st.st_size != c.next) abort(); /* cut right after the last */

    aj_journal_pos pos;
    if (aj_journal_append(j, "appended", 8, &pos)) abort();
    if (pos.segment != 1 || pos.offset != c.next) abort();
    size_t n = 0;
    if (aj_journal_replay(j, (aj_journal_pos){0, 0}, count_record, &n, err, sizeof err)) abort();
    if (n != c.n + 1) abort();
    aj_journal_close(j);
    return 0;
}
