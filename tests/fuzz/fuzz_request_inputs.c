/* fuzz_request_inputs.c — small parsers of untrusted request parts: paging cursors
 * (round trip), RFC 3339 times (round trip of what parses), static-file paths (a path
 * judged safe never holds a ".." segment). The input is split at the first NUL-free
 * byte boundaries into three strings. */
#include "base/timeutil.h"
#include "http/http.h"
#include "http/static_files.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;

    int64_t id;
    if (aj_page_cursor_parse(s, &id)) {
        char again[24];
        assert(id > 0);
        aj_page_cursor(id, again, sizeof again);
        int64_t id2;
        assert(aj_page_cursor_parse(again, &id2) && id2 == id);
    }

    int64_t ms;
    if (aj_time_parse(s, &ms)) {
        char text[40];
        aj_time_format_ms(ms, text, sizeof text);
        int64_t ms2;
        assert(aj_time_parse(text, &ms2) && ms2 == ms);
    }

    if (aj_static_path_is_safe(s)) {
        assert(s[0] == '/');
        assert(strstr(s, "/..") == NULL && strchr(s, '\\') == NULL);
    }
    free(s);
    return 0;
}
