/* chunk.h — byte codec for a block of archived points of one tag (one database row).
 *
 * Lossless: time, value bits (NaN payloads, -0.0, inf), value type, quality and reason
 * bits come back exactly; tag_id is not stored (the row carries it) and decodes as 0.
 * Timestamps must be non-decreasing. The format, byte by byte, is at the top of chunk.c
 * and in docs/historian.md. Decoding accepts untrusted bytes: every read is bounded and
 * every loop ends after at most the declared count.
 */
#ifndef AJ_CHUNK_H
#define AJ_CHUNK_H

#include "base/err.h"
#include "engine/point.h"

#include <stddef.h>
#include <stdint.h>

/* Format version written in the first byte; decode rejects any other. */
#define AJ_CHUNK_VERSION 1

/* Points per chunk. A day of a tag archived every ~10 s (8640 points) is about one chunk;
 * the worst-case row (AJ_CHUNK_ENCODED_MAX below, ~232 KiB) stays a comfortable size for
 * one SQLite or PostgreSQL value, and a decode buffer (40 B a point) stays ~320 KiB. */
#define AJ_CHUNK_POINTS_MAX 8192

/* Worst-case encoded size of n points (n <= AJ_CHUNK_POINTS_MAX): 14 header bytes, then per
 * point at most 9 bytes of quality run, 10 of timestamp varint and 10 of value. */
#define AJ_CHUNK_ENCODED_MAX(n) ((size_t)14 + (size_t)29 * (size_t)(n))

/* Encodes points[0..n) into buf[0..cap); *len = bytes written. AJ_EINVAL if n is 0 or
 * above AJ_CHUNK_POINTS_MAX, if a timestamp is earlier than the one before it, or if a
 * type/quality is not one of the enums; AJ_ETOOBIG if cap is too small (cap >=
 * AJ_CHUNK_ENCODED_MAX(n) always suffices). buf is then unspecified. */
aj_err aj_chunk_encode(const aj_point *points, size_t n, uint8_t *buf, size_t cap, size_t *len);

/* Decodes buf[0..len) into out[0..cap); *n = points decoded. AJ_EINVAL for malformed
 * input (wrong version, bad count, truncated, trailing bytes, timestamps that would
 * overflow or decrease, bad enum codes); AJ_ETOOBIG if the chunk holds more than cap
 * points. out is then unspecified. */
aj_err aj_chunk_decode(const uint8_t *buf, size_t len, aj_point *out, size_t cap, size_t *n);

/* Reads only the header: the point count and the first timestamp (for indexing rows). */
aj_err aj_chunk_peek(const uint8_t *buf, size_t len, size_t *n, int64_t *first_t_ns);

#endif
