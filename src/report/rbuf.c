/* rbuf.c — the bounded growing buffer of the report writers (rbuf.h). Capacity doubles up to
 * max + 1 (room for the trailing NUL), so appending n bytes in total costs O(n). */
#include "report/rbuf.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aj_rbuf_init(aj_rbuf *b, size_t max) {
    assert(max < (size_t)-1 / 2);
    memset(b, 0, sizeof *b);
    b->max = max;
}

void aj_rbuf_clear(aj_rbuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

aj_err aj_rbuf_put(aj_rbuf *b, const void *data, size_t n) {
    if (n > b->max - b->len) return AJ_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap = cap > (b->max + 1) / 2 ? b->max + 1 : cap * 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return AJ_ENOMEM;
        b->data = grown;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return AJ_OK;
}

aj_err aj_rbuf_puts(aj_rbuf *b, const char *s) {
    return aj_rbuf_put(b, s, strlen(s));
}

aj_err aj_rbuf_printf(aj_rbuf *b, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) return AJ_EINVAL;
    return aj_rbuf_put(b, tmp, (size_t)n);
}

char *aj_rbuf_take(aj_rbuf *b, size_t *len) {
    char *out = b->data;
    *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}
