/* fuzz_plant_validate.c — libFuzzer harness for the plant file validator.
 *
 * Parses the input as JSON the way the importer's callers do (duplicate keys rejected)
 * and validates it with no database: every lookup answers "not found", so only the
 * pure path runs (schema, codes, duplicates, file references, cycles, dates). Also
 * renders the report, which must always be valid JSON (UTF-8 paths and messages).
 * Seeds: tests/fuzz/corpus/plant_validate/.
 */
#include "plant/plant_file.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!doc) return 0;
    aj_plant_report *rep = aj_plant_report_new();
    if (!rep) abort();
    aj_err e = aj_plant_validate(doc, NULL, rep);
    if (e != AJ_OK && e != AJ_EINVAL) abort(); /* no lookups, so nothing else may fail */
    if ((e == AJ_OK) != (rep->n_errors == 0) || rep->n_listed > AJ_PLANT_ERRORS_MAX) abort();
    json_t *errors = aj_plant_errors_json(rep);
    if (!errors || (int)json_array_size(errors) != rep->n_listed) abort(); /* invalid UTF-8 would fail here */
    json_decref(errors);
    aj_plant_report_free(rep);
    json_decref(doc);
    return 0;
}
