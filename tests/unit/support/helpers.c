/* helpers.c — helpers shared by the unit tests (helpers.h). */
#include "helpers.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Walks doc along path to the container of the last step; key/index say which member. */
static json_t *walk(json_t *doc, const char *path, char *key, size_t key_size, size_t *index,
                    bool *is_index) {
    json_t *cur = doc, *parent = NULL;
    const char *p = path;
    while (*p) {
        parent = cur;
        if (*p == '[') {
            *index = strtoul(p + 1, (char **)&p, 10);
            assert_int_equal(*p++, ']');
            *is_index = true;
            cur = json_array_get(parent, *index);
        } else {
            size_t n = strcspn(p, ".[");
            assert_true(n < key_size);
            memcpy(key, p, n);
            key[n] = 0;
            p += n;
            *is_index = false;
            cur = json_object_get(parent, key);
        }
        if (*p == '.') p++;
        if (*p && !cur) fail_msg("no %s in the base document", path);
    }
    return parent;
}

char *aj_test_json_edited(const char *base, const char *path, const char *value) {
    json_error_t je;
    json_t *doc = json_loads(base, 0, &je);
    if (!doc) fail_msg("base document: %s at %d:%d", je.text, je.line, je.column);
    if (path) {
        char key[128];
        size_t index = 0;
        bool is_index = false;
        json_t *parent = walk(doc, path, key, sizeof key, &index, &is_index);
        json_t *v = value ? json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je) : NULL;
        if (value && !v) fail_msg("bad test value %s: %s", value, je.text);
        if (is_index && !v)
            assert_int_equal(json_array_remove(parent, index), 0);
        else if (is_index && index == json_array_size(parent))
            assert_int_equal(json_array_append_new(parent, v), 0);
        else if (is_index)
            assert_int_equal(json_array_set_new(parent, index, v), 0);
        else if (!v)
            assert_int_equal(json_object_del(parent, key), 0);
        else
            assert_int_equal(json_object_set_new(parent, key, v), 0);
    }
    char *text = json_dumps(doc, JSON_PRESERVE_ORDER);
    json_decref(doc);
    assert_non_null(text);
    return text;
}

void aj_test_source_path(char *out, size_t size, const char *file, const char *rel) {
    snprintf(out, size, "%s", file);
    char *slash = strrchr(out, '/');
    assert_non_null(slash);
    snprintf(slash, size - (size_t)(slash - out), "/%s", rel);
}
