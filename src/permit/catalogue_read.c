/* catalogue_read.c — checked reading of catalogue JSON with precise error paths
 * (catalogue_read.h).
 *
 * Messages quote user strings through aj_pcat_quote, so an error stays short, printable
 * and valid UTF-8 whatever the file holds. Only the first error is kept.
 */
#include "permit/catalogue_read.h"

#include "base/limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define QUOTE_BYTES_MAX 40

aj_err aj_pcat_fail(aj_pcat *c, aj_err code, const char *path, const char *fmt, ...) {
    if (c->first != AJ_OK) return code;
    c->first = code;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->errlen) snprintf(c->err, c->errlen, "%s: %s", path, msg);
    return code;
}

aj_err aj_pcat_nomem(aj_pcat *c, const void *p, const char *path) {
    return p ? AJ_OK : aj_pcat_fail(c, AJ_ENOMEM, path, "out of memory");
}

void aj_pcat_path(char out[AJ_PCAT_PATH_LEN], const char *base, const char *fmt, ...) {
    int n = snprintf(out, AJ_PCAT_PATH_LEN, "%s", base);
    if (n < 0 || n >= AJ_PCAT_PATH_LEN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, AJ_PCAT_PATH_LEN - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t utf8_len(unsigned char c) {
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

const char *aj_pcat_quote(const char *s, char buf[200]) {
    size_t o = 0, i = 0, len = strlen(s);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = utf8_len(c);
        if (n > len - i) n = len - i;
        if (i + n > QUOTE_BYTES_MAX) break;
        if (c < 0x20 || c == 0x7F) {
            o += (size_t)snprintf(buf + o, 200 - o, "\\x%02X", c);
        } else if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else {
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

const char *aj_pcat_kind_of(const json_t *j) {
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

static const char *kind_name(aj_pcat_kind k) {
    static const char *const names[] = {"a string",  "an integer", "a number",
                                        "a boolean", "an object",  "an array"};
    return names[k];
}

static bool has_kind(const json_t *j, aj_pcat_kind k) {
    switch (k) {
    case AJ_PCAT_STRING:
        return json_is_string(j);
    case AJ_PCAT_INTEGER:
        return json_is_integer(j);
    case AJ_PCAT_NUMBER:
        return json_is_number(j);
    case AJ_PCAT_BOOL:
        return json_is_boolean(j);
    case AJ_PCAT_OBJECT:
        return json_is_object(j);
    case AJ_PCAT_ARRAY:
        return json_is_array(j);
    }
    return false;
}

static bool in_table(const char *key, const aj_pcat_key *table, int n_table) {
    for (int i = 0; i < n_table; i++)
        if (strcmp(key, table[i].key) == 0) return true;
    return false;
}

aj_err aj_pcat_object(aj_pcat *c, const json_t *j, const char *path, const aj_pcat_key *table, int n_table) {
    if (!json_is_object(j))
        return aj_pcat_fail(c, AJ_EINVAL, path, "must be an object, not %s", aj_pcat_kind_of(j));
    const char *key;
    const json_t *value;
    char q[200];
    json_object_foreach((json_t *)j, key, value) {
        if (!in_table(key, table, n_table))
            return aj_pcat_fail(c, AJ_EINVAL, path, "unknown key \"%s\"", aj_pcat_quote(key, q));
    }
    for (int i = 0; i < n_table; i++) {
        value = json_object_get(j, table[i].key);
        if (!value && table[i].is_required)
            return aj_pcat_fail(c, AJ_EINVAL, path, "missing key \"%s\"", table[i].key);
        if (value && !has_kind(value, table[i].kind)) {
            char sub[AJ_PCAT_PATH_LEN];
            aj_pcat_path(sub, path, ".%s", table[i].key);
            return aj_pcat_fail(c, AJ_EINVAL, sub, "must be %s, not %s", kind_name(table[i].kind),
                                aj_pcat_kind_of(value));
        }
    }
    return AJ_OK;
}

aj_err aj_pcat_count(aj_pcat *c, const json_t *j, const char *path, const char *what, int n_min, int n_max) {
    size_t n = json_array_size(j);
    if (n > (size_t)n_max)
        return aj_pcat_fail(c, AJ_ETOOBIG, path, "too many %s (%zu; at most %d)", what, n, n_max);
    if (n < (size_t)n_min && n_min == 1) return aj_pcat_fail(c, AJ_EINVAL, path, "must not be empty");
    if (n < (size_t)n_min) return aj_pcat_fail(c, AJ_EINVAL, path, "needs at least %d %s", n_min, what);
    return AJ_OK;
}

bool aj_pcat_is_id(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > AJ_PERMIT_ID_LEN_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
        if (!ok) return false;
    }
    return true;
}

/* The string of j, or NULL when it holds a NUL character. */
static const char *str_of(const json_t *j) {
    const char *s = json_string_value(j);
    return s && strlen(s) == json_string_length(j) ? s : NULL;
}

aj_err aj_pcat_id(aj_pcat *c, const json_t *j, const char *path, const char **out) {
    const char *s = str_of(j);
    char q[200];
    if (!s) return aj_pcat_fail(c, AJ_EINVAL, path, "must not contain a NUL character");
    if (!aj_pcat_is_id(s))
        return aj_pcat_fail(c, AJ_EINVAL, path, "\"%s\" is not an id (1 to %d letters, digits or _)",
                            aj_pcat_quote(s, q), AJ_PERMIT_ID_LEN_MAX);
    *out = aj_arena_strdup(c->arena, s);
    return aj_pcat_nomem(c, *out, path);
}

aj_err aj_pcat_string(aj_pcat *c, const json_t *j, const char *path, size_t max_len, const char **out) {
    const char *s = str_of(j);
    if (!s) return aj_pcat_fail(c, AJ_EINVAL, path, "must not contain a NUL character");
    if (!s[0]) return aj_pcat_fail(c, AJ_EINVAL, path, "must not be empty");
    if (strlen(s) > max_len)
        return aj_pcat_fail(c, AJ_ETOOBIG, path, "longer than %zu bytes (%zu)", max_len, strlen(s));
    *out = aj_arena_strdup(c->arena, s);
    return aj_pcat_nomem(c, *out, path);
}

aj_err aj_pcat_text(aj_pcat *c, const json_t *j, const char *path, size_t max_len, aj_permit_text *out) {
    static const aj_pcat_key keys[] = {{"en", AJ_PCAT_STRING, true}, {"zh", AJ_PCAT_STRING, true}};
    aj_err e = aj_pcat_object(c, j, path, keys, 2);
    char sub[AJ_PCAT_PATH_LEN];
    if (!e) aj_pcat_path(sub, path, ".en");
    if (!e) e = aj_pcat_string(c, json_object_get(j, "en"), sub, max_len, &out->en);
    if (!e) aj_pcat_path(sub, path, ".zh");
    if (!e) e = aj_pcat_string(c, json_object_get(j, "zh"), sub, max_len, &out->zh);
    return e;
}

aj_err aj_pcat_int(aj_pcat *c, const json_t *j, const char *path, int min, int max, const char *unit,
                   int *out) {
    json_int_t v = json_integer_value(j);
    if (v < min || v > max)
        return aj_pcat_fail(c, AJ_EINVAL, path, "must be from %d to %d %s, not %lld", min, max, unit,
                            (long long)v);
    *out = (int)v;
    return AJ_OK;
}

int aj_pcat_find(const char *const *ids, int n, const char *id) {
    for (int i = 0; i < n; i++)
        if (ids[i] && strcmp(ids[i], id) == 0) return i;
    return -1;
}
