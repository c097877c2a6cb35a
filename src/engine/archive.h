/* archive.h — the historian's durable archive: chunks of compressed points per tag in
 * the store (table archive_chunks, migration 0003), written and read through the chunk
 * codec (chunk.h). Pure storage: which points to archive is the compressor's decision.
 *
 * Chunks of one tag never overlap in time: a chunk is keyed by (tag, first time) and
 * writing the same key again replaces it (so replaying the ingest journal after a crash
 * rewrites rather than duplicates). Callers write inside their own transaction when the
 * chunk must commit together with other rows (checkpoint, alarm journal).
 */
#ifndef AJ_ARCHIVE_H
#define AJ_ARCHIVE_H

#include "engine/point.h"
#include "store/store.h"

#include <stddef.h>

/* Encodes n (1..AJ_CHUNK_POINTS_MAX) points of one tag, in non-decreasing time order,
 * and stores them as one chunk. */
aj_err aj_archive_put_chunk(aj_db *db, int64_t tag_id, const aj_point *points, size_t n);

typedef aj_err (*aj_archive_point_fn)(void *ctx, const aj_point *p);

/* Calls fn, in time order, for every archived point of tag_id with from_ns <= t <= to_ns,
 * at most max_points of them (*n_out says how many; *is_truncated when more existed).
 * A non-zero return of fn stops the read and is returned. */
aj_err aj_archive_read(aj_db *db, int64_t tag_id, int64_t from_ns, int64_t to_ns, size_t max_points,
                       aj_archive_point_fn fn, void *ctx, size_t *n_out, bool *is_truncated);

/* The last archived point of tag_id at or before t_ns; AJ_ENOTFOUND when none. */
aj_err aj_archive_prior(aj_db *db, int64_t tag_id, int64_t t_ns, aj_point *out);

#endif
