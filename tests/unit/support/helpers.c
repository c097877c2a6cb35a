/* helpers.c — helpers shared by the unit tests (helpers.h): JSON edits, source-relative
 * paths, the fuzz-corpus replay. */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* scandir filter: every name but dot files (".", "..", editor droppings). */
static int is_corpus_file(const struct dirent *de) {
    return de->d_name[0] != '.';
}

int aj_test_corpus_each(const char *file, const char *rel, size_t max_bytes, aj_test_corpus_fn fn, void *ctx,
                        int *n_valid) {
    char dir[1024];
    aj_test_source_path(dir, sizeof dir, file, rel);
    struct dirent **names = NULL;
    int n_names = scandir(dir, &names, is_corpus_file, alphasort);
    if (n_names < 0) return -1;
    if (n_names > AJ_TEST_CORPUS_FILES_MAX)
        fail_msg("%s: %d files, more than %d", dir, n_names, AJ_TEST_CORPUS_FILES_MAX);
    char *buf = malloc(max_bytes + 1);
    assert_non_null(buf);
    int n_files = 0, n_ok = 0;
    for (int i = 0; i < n_names; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            FILE *f = fopen(path, "rb");
            if (!f) fail_msg("%s: cannot open: %s", path, strerror(errno));
            size_t len = fread(buf, 1, max_bytes + 1, f);
            bool is_read_error = ferror(f) != 0;
            fclose(f);
            if (is_read_error) fail_msg("%s: read error", path);
            n_files++;
            if (fn(names[i]->d_name, buf, len, ctx)) n_ok++;
        }
        free(names[i]);
    }
    free(names);
    free(buf);
    printf("fuzz corpus %s: %d inputs, %d valid\n", rel, n_files, n_ok);
    if (n_valid) *n_valid = n_ok;
    return n_files;
}
