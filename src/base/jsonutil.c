/* jsonutil.c — bounded, precise JSON parsing for request bodies and files. */
#include "base/jsonutil.h"

#include "base/limits.h"

#include <stdio.h>

bool aj_json_depth_ok(const char *s, size_t n, int max_depth) {
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) return false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

aj_err aj_json_parse(const char *text, size_t len, json_t **out, char *msg, size_t msglen) {
    *out = NULL;
    if (!aj_json_depth_ok(text, len, AJ_JSON_DEPTH_MAX)) {
        snprintf(msg, msglen, "JSON nested deeper than %d levels", AJ_JSON_DEPTH_MAX);
        return AJ_EJSON;
    }
    json_error_t jerr;
    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!*out) {
        /* jansson quotes the bytes near the error, which may be half a UTF-8 character:
         * the message goes into JSON answers and logs, so keep its quote ASCII */
        for (char *c = jerr.text; *c; c++)
            if ((unsigned char)*c >= 0x80) *c = '?';
        snprintf(msg, msglen, "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        return AJ_EJSON;
    }
    return AJ_OK;
}
