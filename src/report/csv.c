/* csv.c — RFC 4180 fields with the formula guard (csv.h). No state: each call appends to the
 * caller's bounded buffer and fails with its AJ_ETOOBIG when the report grows too big. */
#include "report/csv.h"

#include <string.h>

bool aj_csv_is_formula_like(const char *s) {
    return s && s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

aj_err aj_csv_field(aj_rbuf *b, const char *s, bool is_first) {
    aj_err e = is_first ? AJ_OK : aj_rbuf_put(b, ",", 1);
    if (e || !s || !*s) return e;
    bool is_guarded = aj_csv_is_formula_like(s);
    bool is_quoted = strpbrk(s, ",\"\r\n") != NULL;
    if (is_quoted) e = aj_rbuf_put(b, "\"", 1);
    if (!e && is_guarded) e = aj_rbuf_put(b, "'", 1);
    for (const char *p = s; *p && !e;) {
        const char *q = is_quoted ? strchr(p, '"') : NULL;
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
        e = aj_rbuf_put(b, p, n);
        if (!e && q) e = aj_rbuf_put(b, "\"", 1); /* the quote doubled */
        p += n;
    }
    if (!e && is_quoted) e = aj_rbuf_put(b, "\"", 1);
    return e;
}

aj_err aj_csv_row_end(aj_rbuf *b) {
    return aj_rbuf_put(b, "\r\n", 2);
}
