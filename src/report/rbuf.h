/* rbuf.h — a growing byte buffer with a maximum, for the report writers (CSV, XLSX).
 *
 * A report is built in memory and sent whole, so its size is bounded from the start: every
 * append that would take the buffer past max fails with AJ_ETOOBIG and leaves the bytes
 * already written untouched. The buffer owns its bytes; aj_rbuf_clear frees them,
 * aj_rbuf_take hands them to the caller (who frees them with free()).
 */
#ifndef AJ_RBUF_H
#define AJ_RBUF_H

#include "base/err.h"

#include <stddef.h>

typedef struct aj_rbuf {
    char *data; /* NUL-terminated after every append (the NUL is not counted in len) */
    size_t len, cap, max;
} aj_rbuf;

/* An empty buffer that holds at most max bytes. */
void aj_rbuf_init(aj_rbuf *b, size_t max);
/* Frees the bytes; the buffer is empty again (same max). */
void aj_rbuf_clear(aj_rbuf *b);
/* Appends n bytes. AJ_ETOOBIG past max, AJ_ENOMEM when memory runs out. */
aj_err aj_rbuf_put(aj_rbuf *b, const void *data, size_t n);
/* Appends a NUL-terminated string. */
aj_err aj_rbuf_puts(aj_rbuf *b, const char *s);
/* Appends a formatted string (at most 1 KiB). */
aj_err aj_rbuf_printf(aj_rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (free() them; never NULL after a successful append, may be
 * NULL for an empty buffer) and leaves the buffer empty. */
char *aj_rbuf_take(aj_rbuf *b, size_t *len);

#endif
