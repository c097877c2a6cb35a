/* catalogue_read.c — the values only a permit catalogue has (ids, en/zh texts into
 * aj_permit_text, bounded integers with a unit), read with precise error paths on top of
 * the generic checks of base/jsoncheck.h (catalogue_read.h).
 *
 * Messages quote user strings through aj_jc_quote, so an error stays short, printable
 * and valid UTF-8 whatever the file holds. Only the first error is kept.
 */
#include "permit/catalogue_read.h"

#include "base/limits.h"

#include <string.h>

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

aj_err aj_pcat_id(aj_jc *c, const json_t *j, const char *path, const char **out) {
    const char *s = json_string_value(j);
    char q[AJ_JC_QUOTE_LEN];
    if (!s || strlen(s) != json_string_length(j))
        return aj_jc_fail(c, AJ_EINVAL, path, "must not contain a NUL character");
    if (!aj_pcat_is_id(s))
        return aj_jc_fail(c, AJ_EINVAL, path, "\"%s\" is not an id (1 to %d letters, digits or _)",
                          aj_jc_quote(s, q), AJ_PERMIT_ID_LEN_MAX);
    *out = aj_arena_strdup(c->arena, s);
    return aj_jc_nomem(c, *out, path);
}

aj_err aj_pcat_text(aj_jc *c, const json_t *j, const char *path, size_t max_len, aj_permit_text *out) {
    return aj_jc_text(c, j, path, max_len, &out->en, &out->zh);
}

aj_err aj_pcat_int(aj_jc *c, const json_t *j, const char *path, int min, int max, const char *unit,
                   int *out) {
    json_int_t v = json_integer_value(j);
    if (v < min || v > max)
        return aj_jc_fail(c, AJ_EINVAL, path, "must be from %d to %d %s, not %lld", min, max, unit,
                          (long long)v);
    *out = (int)v;
    return AJ_OK;
}

int aj_pcat_find(const char *const *ids, int n, const char *id) {
    for (int i = 0; i < n; i++)
        if (ids[i] && strcmp(ids[i], id) == 0) return i;
    return -1;
}
