/* points_json.h — the JSON batch of POST /api/v1/points (see docs/points-json.md).
 *
 *     {"points": [{"key": "JS01.P-101.seal_temp",
 *                  "t": "2026-11-29T10:00:00.123456789Z" | "t_ns": 1790000000000000000,
 *                  "value": 71.2 | 3 | true | "text",
 *                  "quality": "good" | "uncertain" | "bad"}, ...]}
 *
 * Pure: works on a document jansson already parsed (aj_json_parse), no I/O. Good points
 * go to on_point in batch order; each bad point gives exactly one error (the first
 * problem found, with its JSON path) and the batch goes on. Strings a point hands out
 * point into the document and live as long as it does.
 */
#ifndef AJ_POINTS_JSON_H
#define AJ_POINTS_JSON_H

#include "base/err.h"
#include "engine/point.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- bounds (to move into base/limits.h) ---------------------------------------------- */

/* Points per batch. 10k points is ~1 MiB of JSON and a few ms of work; collectors that
 * send more split their batches (InfluxData recommends 5k-10k points per write too). */
#define AJ_PJ_POINTS_MAX 10000
/* Bytes of a key: same bound as a line-protocol name (AJ_LP_NAME_MAX). */
#define AJ_PJ_KEY_MAX 1024
/* Bytes of a string value: same bound as a line-protocol string field. */
#define AJ_PJ_STRING_MAX 65535

typedef struct aj_pj_point {
    int index;       /* position in $.points */
    const char *key; /* NUL-terminated, valid UTF-8, no control characters */
    size_t key_len;
    int64_t t_ns;
    aj_value_type type;
    double f;      /* the value as a double for every type but STRING (bool: 0/1) */
    int64_t i;     /* AJ_VALUE_INT */
    bool b;        /* AJ_VALUE_BOOL */
    const char *s; /* AJ_VALUE_STRING (NUL-terminated, may contain no NUL) */
    size_t s_len;
    aj_quality quality; /* AJ_QUALITY_GOOD when absent */
} aj_pj_point;

typedef struct aj_pj_error {
    int index;        /* position in $.points, -1 for an error of the whole batch */
    char path[160];   /* "$.points[12].value"; an unknown key is cut to 48 bytes */
    char reason[160]; /* English, ASCII only */
} aj_pj_error;

/* Both callbacks may be NULL; one that returns anything but AJ_OK stops the parse and
 * aj_pj_parse returns its code. */
typedef struct aj_pj_callbacks {
    void *ctx;
    aj_err (*on_point)(void *ctx, const aj_pj_point *p);
    aj_err (*on_error)(void *ctx, const aj_pj_error *e);
} aj_pj_callbacks;

typedef struct aj_pj_stats {
    int n_points; /* entries of $.points looked at */
    int n_ok;     /* delivered to on_point */
    int n_errors; /* errors delivered to on_error (n_points == n_ok + n_errors unless the
                     batch itself was bad, then n_points == 0 and n_errors == 1) */
} aj_pj_stats;

/* Walks doc. Returns AJ_OK when every point was good, AJ_EINVAL when at least one was
 * bad or the batch itself is malformed (not an object, unknown top-level key, no
 * "points" array), AJ_ETOOBIG when there are more than AJ_PJ_POINTS_MAX points (one error
 * at "$.points", no point delivered), or a callback's code. stats may be NULL. */
aj_err aj_pj_parse(const json_t *doc, const aj_pj_callbacks *cb, aj_pj_stats *stats);

/* RFC 3339 date-time ("2026-11-29T10:00:00.123456789Z", 'T' or 't', 0..9 fraction digits,
 * 'Z'/'z' or +hh:mm/-hh:mm) to ns since the epoch; the whole s[0..len) must match. False
 * when malformed or outside the int64 ns range (1677-09-21 .. 2262-04-11). Leap second
 * :60 is accepted and counts as :59 + 1 s, like timeutil's parser. */
bool aj_pj_time_parse(const char *s, size_t len, int64_t *out_ns);

#endif
