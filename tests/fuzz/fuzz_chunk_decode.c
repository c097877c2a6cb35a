/* fuzz_chunk_decode.c — the historian chunk decoder: any bytes give AJ_OK or an error,
 * never a crash, an out-of-bounds access or a hang. A chunk that decodes must re-encode
 * (within AJ_CHUNK_ENCODED_MAX) to bytes that decode to the very same points. */
#include "engine/chunk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static aj_point first[AJ_CHUNK_POINTS_MAX];
static aj_point second[AJ_CHUNK_POINTS_MAX];
static uint8_t encoded[AJ_CHUNK_ENCODED_MAX(AJ_CHUNK_POINTS_MAX)];

static int same_points(const aj_point *a, const aj_point *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i].t_ns != b[i].t_ns || memcmp(&a[i].value, &b[i].value, sizeof(double)) != 0) return 0;
        if (a[i].type != b[i].type || a[i].quality != b[i].quality) return 0;
        if (a[i].quality_reasons != b[i].quality_reasons || b[i].tag_id != 0) return 0;
        if (i > 0 && a[i].t_ns < a[i - 1].t_ns) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t n = 0, len = 0, m = 0;
    aj_err e = aj_chunk_decode(data, size, first, AJ_CHUNK_POINTS_MAX, &n);
    if (e) {
        if (e != AJ_EINVAL) abort(); /* the cap is the maximum, so only malformed input fails */
        return 0;
    }
    if (n == 0 || n > AJ_CHUNK_POINTS_MAX) abort();
    size_t peek_n;
    int64_t peek_t;
    if (aj_chunk_peek(data, size, &peek_n, &peek_t) || peek_n != n || peek_t != first[0].t_ns) abort();
    if (aj_chunk_encode(first, n, encoded, AJ_CHUNK_ENCODED_MAX(n), &len)) abort();
    if (aj_chunk_decode(encoded, len, second, AJ_CHUNK_POINTS_MAX, &m) || m != n) abort();
    if (!same_points(first, second, n)) abort();
    return 0;
}
