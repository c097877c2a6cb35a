/* jsonutil.h — parsing untrusted JSON text with bounded nesting and precise errors. */
#ifndef AJ_JSONUTIL_H
#define AJ_JSONUTIL_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* True when brackets nest no deeper than max_depth (strings are skipped). Linear, no
 * recursion: run before handing text to jansson, whose parser recurses. */
bool aj_json_depth_ok(const char *text, size_t len, int max_depth);
/* Parses text (duplicate keys rejected). On failure returns AJ_EJSON and writes
 * "malformed JSON at line L, column C: reason" (or the depth error) into msg. */
aj_err aj_json_parse(const char *text, size_t len, json_t **out, char *msg, size_t msglen);

#endif
