/* vibration_block.h — the JSON body of POST /api/v1/vibration-blocks (docs/vibration.md).
 *
 *     {"asset": "P-101" | "asset_id": 42,
 *      "t": "2026-12-01T08:00:00Z" | "t_ns": 1796112000000000000,
 *      "sample_rate_hz": 5120,
 *      "running_speed_hz": 24.75 | "rpm": 1485,
 *      "unit": "mm/s" | "m/s2",
 *      "samples": [0.12, -0.53, ...]}
 *
 * Pure: works on a document jansson already parsed (aj_json_parse), no I/O. Checks every
 * field and the block as a whole (3 x running speed below Nyquist, at least
 * AJ_SPECTRUM_REVOLUTIONS_MIN revolutions, every sample finite and bounded); the first
 * problem found becomes the one error, with its JSON path ("$.samples[17]").
 */
#ifndef AJ_VIBRATION_BLOCK_H
#define AJ_VIBRATION_BLOCK_H

#include "base/err.h"
#include "ingest/spectrum.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of an asset code (same bound as AJ_CODE_LEN_MAX in base/limits.h). */
#define AJ_VB_ASSET_CODE_MAX 64

typedef struct aj_vb_block {
    const char *asset_code;  /* points into the document (lives as long as it); NULL with asset_id */
    int64_t asset_id;        /* 0 with asset_code */
    int64_t t_ns;            /* the block's first sample */
    int64_t mid_ns;          /* t_ns + half the block's duration: the time of the amplitudes */
    const char *speed_path;  /* "$.running_speed_hz" or "$.rpm": where the speed was given */
    aj_spectrum_input input; /* input.samples == samples */
    double *samples;         /* owned: aj_vb_block_clear frees it */
} aj_vb_block;

typedef struct aj_vb_error {
    char path[80];    /* "$.samples[65535]"; an unknown key is cut to 48 bytes */
    char reason[240]; /* English, ASCII only */
} aj_vb_error;

/* Checks doc and fills *out. AJ_OK, AJ_EINVAL with *err set (out holds nothing to free),
 * or AJ_ENOMEM. On AJ_OK the caller frees out with aj_vb_block_clear. */
aj_err aj_vb_parse(const json_t *doc, aj_vb_block *out, aj_vb_error *err);

/* Frees what a block owns; safe on a zeroed or cleared block. */
void aj_vb_block_clear(aj_vb_block *b);

/* The unit's name as the API spells it: "mm/s" or "m/s2". */
const char *aj_vb_unit_name(aj_spectrum_unit unit);

#endif
