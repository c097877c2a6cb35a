/* fuzz_json_body.c — the request-body JSON parser: bounded depth check + jansson with
 * duplicate keys rejected; an error must come with a message, success with a value. */
#include "base/jsonutil.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *doc = NULL;
    char msg[400] = "";
    aj_err e = aj_json_parse((const char *)data, size, &doc, msg, sizeof msg);
    if (e == AJ_OK) {
        assert(doc != NULL);
        char *text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
        free(text);
        json_decref(doc);
    } else {
        assert(doc == NULL && msg[0] != 0);
    }
    return 0;
}
