/* fuzz_vibration_block.c — libFuzzer harness for the vibration block parser
 * (src/ingest/vibration_block.c) and, on the blocks it accepts, the spectrum
 * (src/ingest/spectrum.c).
 *
 * Parses the input as JSON the way the endpoint does (duplicate keys rejected) and checks:
 * a refused block has one error whose path starts with "$" (a sample's names an index
 * inside the array) and whose reason is non-empty printable ASCII, and owns no memory; an
 * accepted block is within every bound (asset xor asset_id, sample count, rate, speed,
 * 3x below Nyquist, 8 revolutions, finite bounded samples, its middle after its start),
 * aj_spectrum_check agrees, and — for blocks up to 4096 samples, to keep executions fast —
 * the spectrum's outputs are finite, non-negative, in their bands and the lines sorted.
 * Seeds: tests/fuzz/corpus/vibration_block/; dictionary: tests/fuzz/vibration_block.dict.
 */
#include "ingest/lineproto.h"
#include "ingest/spectrum.h"
#include "ingest/vibration_block.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Blocks up to this many samples also go through the spectrum. */
#define SPECTRUM_SAMPLES_FUZZED 4096

static void must(int cond) {
    if (!cond) abort();
}

static void check_error(const json_t *doc, const aj_vb_error *err) {
    must(err->path[0] == '$');
    size_t n = strnlen(err->reason, sizeof err->reason);
    must(n > 0 && n < sizeof err->reason);
    for (size_t k = 0; k < n; k++) must(err->reason[k] >= 0x20 && err->reason[k] < 0x7f);
    unsigned long index;
    if (sscanf(err->path, "$.samples[%lu]", &index) == 1)
        must(index < json_array_size(json_object_get(doc, "samples")));
}

static void check_spectrum(const aj_spectrum_input *in) {
    aj_spectrum_result r;
    must(aj_spectrum_compute(in, &r) == AJ_OK);
    double nyquist = in->sample_rate_hz / 2;
    must(r.n_samples == in->n_samples && r.resolution_hz > 0 && r.revolutions >= AJ_SPECTRUM_REVOLUTIONS_MIN);
    for (int h = 0; h < AJ_SPECTRUM_HARMONICS; h++) {
        const aj_spectrum_harmonic *hm = &r.harmonics[h];
        must(hm->order == h + 1 && isfinite(hm->rms_mm_s) && hm->rms_mm_s >= 0);
        must(isfinite(hm->frequency_hz) && hm->frequency_hz > 0 && hm->frequency_hz <= nyquist + 1e-9);
    }
    must(isfinite(r.overall_rms_mm_s) && r.overall_rms_mm_s >= 0);
    must(r.overall_hi_hz <= AJ_SPECTRUM_OVERALL_HI_HZ && r.overall_hi_hz <= nyquist + 1e-9);
    must(r.n_lines >= 0 && r.n_lines <= AJ_SPECTRUM_LINES_MAX);
    for (int i = 0; i < r.n_lines; i++) {
        must(isfinite(r.lines[i].rms_mm_s) && r.lines[i].rms_mm_s > 0);
        must(r.lines[i].frequency_hz > 0 && r.lines[i].frequency_hz <= nyquist + 1e-9);
        if (i > 0) must(r.lines[i].rms_mm_s <= r.lines[i - 1].rms_mm_s);
    }
}

static void check_block(const json_t *doc, const aj_vb_block *b) {
    must((b->asset_code != NULL) != (b->asset_id != 0));
    if (b->asset_code) {
        size_t n = strlen(b->asset_code);
        must(n > 0 && n <= AJ_VB_ASSET_CODE_MAX);
        must(b->asset_code == json_string_value(json_object_get(doc, "asset")));
    } else {
        must(b->asset_id > 0);
    }
    const aj_spectrum_input *in = &b->input;
    must(in->samples == b->samples && in->n_samples == json_array_size(json_object_get(doc, "samples")));
    must(in->n_samples >= AJ_SPECTRUM_SAMPLES_MIN && in->n_samples <= AJ_SPECTRUM_SAMPLES_MAX);
    must(in->sample_rate_hz >= AJ_SPECTRUM_RATE_MIN_HZ && in->sample_rate_hz <= AJ_SPECTRUM_RATE_MAX_HZ);
    must(in->running_speed_hz >= AJ_SPECTRUM_SPEED_MIN_HZ &&
         in->running_speed_hz <= AJ_SPECTRUM_SPEED_MAX_HZ);
    must(3 * in->running_speed_hz < in->sample_rate_hz / 2);
    must(in->running_speed_hz * (double)in->n_samples / in->sample_rate_hz >= AJ_SPECTRUM_REVOLUTIONS_MIN);
    for (size_t i = 0; i < in->n_samples; i++) must(fabs(in->samples[i]) <= AJ_SPECTRUM_SAMPLE_ABS_MAX);
    must(b->t_ns >= AJ_LP_TIME_NS_MIN && b->mid_ns > b->t_ns && b->mid_ns <= AJ_LP_TIME_NS_MAX);
    must(!strcmp(b->speed_path, "$.running_speed_hz") || !strcmp(b->speed_path, "$.rpm"));
    must(aj_spectrum_check(in, NULL) == AJ_SPECTRUM_INPUT_OK);
    if (in->n_samples <= SPECTRUM_SAMPLES_FUZZED) check_spectrum(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!doc) return 0;
    aj_vb_block b;
    aj_vb_error err;
    aj_err e = aj_vb_parse(doc, &b, &err);
    must(e == AJ_OK || e == AJ_EINVAL);
    if (e == AJ_OK) {
        check_block(doc, &b);
        aj_vb_block_clear(&b);
        must(b.samples == NULL);
    } else {
        check_error(doc, &err);
        must(b.samples == NULL);
    }
    json_decref(doc);
    return 0;
}
