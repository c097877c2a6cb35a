/* archive.c — chunk rows in and out of the store (see archive.h). Reads select only the
 * chunks overlapping the asked range (primary key (tag_id, t_first_ns) plus t_last_ns),
 * decode each into a bounded buffer and filter the points by time. */
#include "engine/archive.h"

#include "engine/chunk.h"

#include <stdlib.h>

aj_err aj_archive_put_chunk(aj_db *db, int64_t tag_id, const aj_point *points, size_t n) {
    if (n == 0 || n > AJ_CHUNK_POINTS_MAX)
        return aj_db_fail(db, AJ_EINVAL, "archive: a chunk holds 1..%d points, not %zu", AJ_CHUNK_POINTS_MAX,
                          n);
    size_t cap = AJ_CHUNK_ENCODED_MAX(n), len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return aj_db_fail(db, AJ_ENOMEM, "archive: out of memory");
    aj_err e = aj_chunk_encode(points, n, buf, cap, &len);
    if (e) {
        free(buf);
        return aj_db_fail(db, e, "archive: cannot encode chunk of tag %lld (points out of time order?)",
                          (long long)tag_id);
    }
    aj_val p[5] = {AJ_VINT(tag_id), AJ_VINT(points[0].t_ns), AJ_VINT(points[n - 1].t_ns), AJ_VINT(n),
                   AJ_VBLOB(buf, len)};
    e = aj_db_exec(db,
                   "INSERT INTO archive_chunks (tag_id, t_first_ns, t_last_ns, n_points, data)"
                   " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tag_id, t_first_ns) DO UPDATE SET"
                   " t_last_ns = excluded.t_last_ns, n_points = excluded.n_points, data = excluded.data",
                   p, 5, NULL);
    free(buf);
    return e;
}

/* Decodes the blob of row i of r into pts (cap AJ_CHUNK_POINTS_MAX). */
static aj_err decode_row(aj_db *db, const aj_result *r, int i, int64_t tag_id, aj_point *pts, size_t *n) {
    size_t len;
    const uint8_t *data = aj_result_blob(r, i, 0, &len);
    aj_err e = data ? aj_chunk_decode(data, len, pts, AJ_CHUNK_POINTS_MAX, n) : AJ_EINVAL;
    if (e) return aj_db_fail(db, AJ_EIO, "archive: chunk %d of tag %lld is damaged", i, (long long)tag_id);
    for (size_t k = 0; k < *n; k++) pts[k].tag_id = tag_id;
    return AJ_OK;
}

/* Rows are read a few chunks at a time so memory stays bounded whatever the range. */
#define ARCHIVE_READ_ROWS 16

aj_err aj_archive_read(aj_db *db, int64_t tag_id, int64_t from_ns, int64_t to_ns, size_t max_points,
                       aj_archive_point_fn fn, void *ctx, size_t *n_out, bool *is_truncated) {
    *n_out = 0;
    *is_truncated = false;
    if (from_ns > to_ns) return AJ_OK;
    aj_point *pts = malloc(sizeof *pts * AJ_CHUNK_POINTS_MAX);
    if (!pts) return aj_db_fail(db, AJ_ENOMEM, "archive: out of memory");
    int64_t after_first = INT64_MIN; /* chunks are visited by increasing t_first_ns */
    aj_err e = AJ_OK;
    for (;;) {
        /* Overlap test: a chunk that starts before from_ns but reaches it is included. */
        aj_val p[5] = {AJ_VINT(tag_id), AJ_VINT(to_ns), AJ_VINT(from_ns), AJ_VINT(after_first),
                       AJ_VINT(ARCHIVE_READ_ROWS)};
        aj_result *r;
        e = aj_db_query(db,
                        "SELECT data, t_first_ns FROM archive_chunks WHERE tag_id = ? AND t_first_ns <= ?"
                        " AND t_last_ns >= ? AND t_first_ns > ? ORDER BY t_first_ns LIMIT ?",
                        p, 5, &r);
        if (e) break;
        int rows = aj_result_rows(r);
        for (int i = 0; i < rows && !e && !*is_truncated; i++) {
            size_t n = 0;
            if ((e = decode_row(db, r, i, tag_id, pts, &n))) break;
            for (size_t k = 0; k < n && !e; k++) {
                if (pts[k].t_ns < from_ns || pts[k].t_ns > to_ns) continue;
                if (*n_out == max_points) {
                    *is_truncated = true;
                    break;
                }
                e = fn(ctx, &pts[k]);
                (*n_out)++;
            }
            after_first = aj_result_int(r, i, 1);
        }
        aj_result_free(r);
        if (e || *is_truncated || rows < ARCHIVE_READ_ROWS) break;
    }
    free(pts);
    return e;
}

aj_err aj_archive_prior(aj_db *db, int64_t tag_id, int64_t t_ns, aj_point *out) {
    aj_val p[2] = {AJ_VINT(tag_id), AJ_VINT(t_ns)};
    aj_result *r;
    aj_err e = aj_db_query(db,
                           "SELECT data FROM archive_chunks WHERE tag_id = ? AND t_first_ns <= ?"
                           " ORDER BY t_first_ns DESC LIMIT 1",
                           p, 2, &r);
    if (e) return e;
    if (aj_result_rows(r) == 0) {
        aj_result_free(r);
        return AJ_ENOTFOUND;
    }
    aj_point *pts = malloc(sizeof *pts * AJ_CHUNK_POINTS_MAX);
    size_t n = 0;
    e = pts ? decode_row(db, r, 0, tag_id, pts, &n) : AJ_ENOMEM;
    aj_result_free(r);
    if (!e) {
        e = AJ_ENOTFOUND;
        for (size_t k = n; k-- > 0;) {
            if (pts[k].t_ns <= t_ns) {
                *out = pts[k];
                e = AJ_OK;
                break;
            }
        }
    }
    free(pts);
    return e;
}
