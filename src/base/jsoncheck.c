/* jsoncheck.c — strict reading of a JSON document with precise error messages
 * (jsoncheck.h): the first error and its "PATH: message", JSONPath building, quoting of
 * user text, number formatting, and the checks every loader of a data file needs (keys
 * of an object, length of an array, a bounded string, an en/zh text, format and version).
 *
 * Only the first error is kept: aj_jc_fail writes the caller's buffer once, later calls
 * only return their code. The checker owns nothing; strings it copies go to the caller's
 * arena.
 */
#include "base/jsoncheck.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The worst quote: every byte escaped as \xNN, then "..." and the NUL. */
_Static_assert(AJ_JC_QUOTE_BYTES * 4 + 4 <= AJ_JC_QUOTE_LEN, "quote buffer too small");

aj_err aj_jc_fail(aj_jc *c, aj_err code, const char *path, const char *fmt, ...) {
    if (c->first != AJ_OK) return code;
    c->first = code;
    char msg[AJ_JC_MESSAGE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->errlen) snprintf(c->err, c->errlen, "%s: %s", path, msg);
    return code;
}

aj_err aj_jc_nomem(aj_jc *c, const void *p, const char *path) {
    return p ? AJ_OK : aj_jc_fail(c, AJ_ENOMEM, path, "out of memory");
}

void aj_jc_path(char out[AJ_JC_PATH_LEN], const char *base, const char *fmt, ...) {
    int n = snprintf(out, AJ_JC_PATH_LEN, "%s", base);
    if (n < 0 || n >= AJ_JC_PATH_LEN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, AJ_JC_PATH_LEN - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t utf8_len(unsigned char c) {
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

const char *aj_jc_quote(const char *s, char buf[AJ_JC_QUOTE_LEN]) {
    size_t o = 0, i = 0, len = strlen(s);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = utf8_len(c);
        if (n > len - i) n = len - i;
        if (i + n > AJ_JC_QUOTE_BYTES) break;
        if (c < 0x20 || c == 0x7F) {
            o += (size_t)snprintf(buf + o, AJ_JC_QUOTE_LEN - o, "\\x%02X", c);
        } else {
            if (c == '"' || c == '\\') buf[o++] = '\\';
            memcpy(buf + o, s + i, n);
            o += n;
        }
        i += n;
    }
    if (i < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

const char *aj_jc_num(double v, char buf[AJ_JC_NUM_LEN]) {
    static const int precisions[] = {6, 15, 17};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, AJ_JC_NUM_LEN, "%.*g", precisions[i], v);
        if (isnan(v) || strtod(buf, NULL) == v) break;
    }
    return buf;
}

const char *aj_jc_kind_of(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

/* Each kind: its name in messages and the (one or two) JSON types that hold it. */
static const struct {
    const char *name;
    json_type type, other_type;
} KINDS[] = {
    [AJ_JC_STRING] = {"a string", JSON_STRING, JSON_STRING},
    [AJ_JC_INTEGER] = {"an integer", JSON_INTEGER, JSON_INTEGER},
    [AJ_JC_NUMBER] = {"a number", JSON_INTEGER, JSON_REAL},
    [AJ_JC_BOOL] = {"a boolean", JSON_TRUE, JSON_FALSE},
    [AJ_JC_OBJECT] = {"an object", JSON_OBJECT, JSON_OBJECT},
    [AJ_JC_ARRAY] = {"an array", JSON_ARRAY, JSON_ARRAY},
};

static bool has_kind(const json_t *j, aj_jc_kind k) {
    assert((size_t)k < sizeof KINDS / sizeof KINDS[0]);
    json_type t = json_typeof(j);
    return t == KINDS[k].type || t == KINDS[k].other_type;
}

static bool is_listed(const char *key, const aj_jc_key *keys, int n_keys) {
    for (int i = 0; i < n_keys; i++)
        if (strcmp(key, keys[i].key) == 0) return true;
    return false;
}

aj_err aj_jc_object(aj_jc *c, const json_t *j, const char *path, const aj_jc_key *keys, int n_keys) {
    if (!json_is_object(j))
        return aj_jc_fail(c, AJ_EINVAL, path, "must be an object, not %s", aj_jc_kind_of(j));
    const char *key;
    const json_t *value;
    char q[AJ_JC_QUOTE_LEN];
    json_object_foreach((json_t *)j, key, value) {
        if (!is_listed(key, keys, n_keys))
            return aj_jc_fail(c, AJ_EINVAL, path, "unknown key \"%s\"", aj_jc_quote(key, q));
    }
    for (int i = 0; i < n_keys; i++) {
        value = json_object_get(j, keys[i].key);
        if (!value && keys[i].is_required)
            return aj_jc_fail(c, AJ_EINVAL, path, "missing key \"%s\"", keys[i].key);
        if (value && !has_kind(value, keys[i].kind)) {
            char sub[AJ_JC_PATH_LEN];
            aj_jc_path(sub, path, ".%s", keys[i].key);
            return aj_jc_fail(c, AJ_EINVAL, sub, "must be %s, not %s", KINDS[keys[i].kind].name,
                              aj_jc_kind_of(value));
        }
    }
    return AJ_OK;
}

aj_err aj_jc_count(aj_jc *c, const json_t *j, const char *path, const char *what, int n_min, int n_max) {
    size_t n = json_array_size(j);
    if (n > (size_t)n_max)
        return aj_jc_fail(c, AJ_ETOOBIG, path, "too many %s (%zu; at most %d)", what, n, n_max);
    if (n < (size_t)n_min && n_min == 1) return aj_jc_fail(c, AJ_EINVAL, path, "must not be empty");
    if (n < (size_t)n_min) return aj_jc_fail(c, AJ_EINVAL, path, "needs at least %d %s", n_min, what);
    return AJ_OK;
}

aj_err aj_jc_string(aj_jc *c, const json_t *j, const char *path, size_t max_len, const char **out) {
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    if (!s || strlen(s) != len) return aj_jc_fail(c, AJ_EINVAL, path, "must not contain a NUL character");
    if (len == 0) return aj_jc_fail(c, AJ_EINVAL, path, "must not be empty");
    if (len > max_len) return aj_jc_fail(c, AJ_ETOOBIG, path, "longer than %zu bytes (%zu)", max_len, len);
    *out = c->arena ? aj_arena_strdup(c->arena, s) : s;
    return aj_jc_nomem(c, *out, path);
}

aj_err aj_jc_text(aj_jc *c, const json_t *j, const char *path, size_t max_len, const char **en,
                  const char **zh) {
    static const aj_jc_key keys[] = {{"en", AJ_JC_STRING, true}, {"zh", AJ_JC_STRING, true}};
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(c, j, path, keys, 2);
    if (!e) aj_jc_path(sub, path, ".en");
    if (!e) e = aj_jc_string(c, json_object_get(j, "en"), sub, max_len, en);
    if (!e) aj_jc_path(sub, path, ".zh");
    if (!e) e = aj_jc_string(c, json_object_get(j, "zh"), sub, max_len, zh);
    return e;
}

aj_err aj_jc_format_version(aj_jc *c, const json_t *doc, const char *format, int version) {
    const json_t *jformat = json_object_get(doc, "format");
    const char *s = json_string_value(jformat);
    char q[AJ_JC_QUOTE_LEN];
    if (strcmp(s, format) != 0 || json_string_length(jformat) != strlen(format))
        return aj_jc_fail(c, AJ_EINVAL, "$.format", "must be \"%s\", not \"%s\"", format, aj_jc_quote(s, q));
    json_int_t v = json_integer_value(json_object_get(doc, "version"));
    if (v != version)
        return aj_jc_fail(c, AJ_EINVAL, "$.version", "unsupported version %lld (this build reads %d)",
                          (long long)v, version);
    return AJ_OK;
}
