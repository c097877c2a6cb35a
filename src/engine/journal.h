/* journal.h — the ingest journal: an append-only, crash-safe log of ingest batches.
 *
 * "Acknowledged means durable" (docs/design/realtime-engine.md): aj_journal_append()
 * returns only after the record and everything before it are on stable storage
 * (fdatasync), so a kill -9 or a power loss never loses an acknowledged batch. Concurrent
 * appenders share one fdatasync (group commit). On start the engine replays the journal
 * from its archive checkpoint; once checkpoints pass whole segments they are deleted.
 *
 * A journal is a directory of segment files NNNNNNNNNNNNNNNN.ajj (16 lower-case hex digits,
 * the segment number, starting at 1). Each file is a 24-byte header followed by records
 * (u32 length, u32 CRC32C of the payload, payload). The format byte by byte, the recovery
 * rules and measured figures are in docs/journal.md and at the top of journal.c.
 *
 * Threads: append may be called from any number of threads at once. open, replay,
 * truncate_before and close are for one thread at a time; replay and truncate_before may
 * run while other threads append (replay sees the records durable when it starts), but
 * close must not (the caller stops its appenders first).
 *
 * Bounds: how many appenders may wait for one fdatasync is the caller's business (the
 * HTTP layer bounds its connections, AJ_HTTP_CONNECTIONS_MAX, and its queue); each waits
 * with its own payload in memory, so memory is at most (waiters x AJ_JOURNAL_RECORD_MAX).
 */
#ifndef AJ_JOURNAL_H
#define AJ_JOURNAL_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Segment size at which a new segment file is started. 64 MiB is ~1 min of a busy
 * server's ingest: few files, and a checkpoint frees disk space in steps of that size.
 * A record never spans segments; a record larger than the room left starts a new one. */
#define AJ_JOURNAL_SEGMENT_BYTES (64u * 1024u * 1024u)
/* Bounds of the segment-size option (tests use small segments to roll over often). The
 * upper bound keeps file offsets far from any 32-bit or mmap trouble. */
#define AJ_JOURNAL_SEGMENT_BYTES_MIN 64u
#define AJ_JOURNAL_SEGMENT_BYTES_MAX (1024u * 1024u * 1024u)

/* Largest payload of one record: one ingest batch, which is one request body, so it is
 * the default --body-max (AJ_BODY_MAX_DEFAULT). The scanner rejects larger lengths, so a
 * corrupt length field never makes it read (or allocate) more than this. */
#define AJ_JOURNAL_RECORD_MAX (16u * 1024u * 1024u)

/* Bytes before the first record of a segment, and before each payload. */
#define AJ_JOURNAL_SEGMENT_HEADER_BYTES 24u
#define AJ_JOURNAL_RECORD_HEADER_BYTES  8u
/* Format version in the segment header; open rejects any other. */
#define AJ_JOURNAL_VERSION 1u

/* A place in the journal: a segment number and a byte offset in that segment file.
 * Positions are totally ordered by (segment, offset); {0, 0} is before every record. */
typedef struct aj_journal_pos {
    uint64_t segment;
    uint64_t offset;
} aj_journal_pos;

/* <0, 0, >0 as a is before, at, after b. */
int aj_journal_pos_cmp(aj_journal_pos a, aj_journal_pos b);

/* The position just after a record at pos with a payload of len bytes: what a checkpoint
 * stores once that record is reflected in the archive (replay from it skips the record). */
static inline aj_journal_pos aj_journal_pos_after(aj_journal_pos pos, size_t len) {
    aj_journal_pos next = {pos.segment, pos.offset + AJ_JOURNAL_RECORD_HEADER_BYTES + len};
    return next;
}

typedef struct aj_journal aj_journal;

typedef struct aj_journal_options {
    /* Start a new segment when a record would make the current one larger than this;
     * 0 means AJ_JOURNAL_SEGMENT_BYTES; else AJ_JOURNAL_SEGMENT_BYTES_MIN..._MAX. */
    uint64_t segment_bytes;
    /* Operator-confirmed repair: truncate the last segment at its first bad record even
     * when valid records follow it (normally that is reported as corruption). */
    bool is_repair;
} aj_journal_options;

/* Counters since open (for tests and metrics). */
typedef struct aj_journal_stats {
    uint64_t n_appends;      /* records appended */
    uint64_t n_syncs;        /* fdatasync calls made for appends (incl. at segment rollover) */
    uint64_t n_segments_new; /* segment files created */
    aj_journal_pos end;      /* position after the last durable record */
    uint64_t first_segment;  /* oldest segment still on disk */
} aj_journal_stats;

/* Opens (creating the directory and the first segment if needed) the journal in dir with
 * default options. The last segment is scanned: a torn tail (an incomplete record, or a
 * record failing its CRC with nothing valid after it — a crash during append) is cut off
 * and synced, so appends continue cleanly. A bad record with valid records after it, a
 * gap in the segment numbers or a bad segment header is AJ_EIO with the file and
 * position in err. AJ_EINVAL for a bad option, AJ_ENOMEM, AJ_EIO for system errors.
 * *j is freed by aj_journal_close(). err (may be NULL) gets a message on failure. */
aj_err aj_journal_open(const char *dir, aj_journal **j, char *err, size_t errlen);
/* The same with options (NULL: the defaults). */
aj_err aj_journal_open_with(const char *dir, const aj_journal_options *opt, aj_journal **j, char *err,
                            size_t errlen);

/* Appends payload[0..len) as one record and returns once it is durable; *pos (may be
 * NULL) gets its position. Thread-safe; concurrent callers share fdatasync calls.
 * AJ_EINVAL for len 0, AJ_ETOOBIG above AJ_JOURNAL_RECORD_MAX. AJ_EIO if writing or
 * syncing failed: the record is not acknowledged, and since the state of the file is then
 * unknown every later append fails with AJ_EIO too, until the journal is reopened. */
aj_err aj_journal_append(aj_journal *j, const void *payload, size_t len, aj_journal_pos *pos);

/* Called by replay for each record; payload is valid only during the call. A non-zero
 * return stops the replay, which returns it. */
typedef aj_err (*aj_journal_replay_fn)(void *ctx, aj_journal_pos pos, const uint8_t *payload, size_t len);

/* Calls fn for every durable record at or after from (positions need not be record
 * boundaries), in order, across segments. Every record's CRC is checked first: a bad
 * record is AJ_EIO with its position in err (may be NULL), after the calls for the
 * records before it. AJ_ENOTFOUND if from is in a segment already deleted. */
aj_err aj_journal_replay(aj_journal *j, aj_journal_pos from, aj_journal_replay_fn fn, void *ctx, char *err,
                         size_t errlen);

/* Deletes the segments that lie entirely before pos (numbers < pos.segment), never the
 * one being appended to, and syncs the directory. */
aj_err aj_journal_truncate_before(aj_journal *j, aj_journal_pos pos);

void aj_journal_stats_get(aj_journal *j, aj_journal_stats *out);

/* Closes the files and frees j (NULL is fine). No append may be in progress. */
void aj_journal_close(aj_journal *j);

/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78, initial and final XOR ~0) of
 * buf[0..len); crc32c("123456789") = 0xE3069283. */
uint32_t aj_crc32c(const void *buf, size_t len);

#endif
