/* fileread.c — read a whole bounded file (fileread.h). */
#include "base/fileread.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aj_err aj_file_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen) {
    *out = NULL;
    *len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return AJ_EIO;
    }
    size_t cap = max < 65536 ? max + 1 : 65536, n = 0;
    char *buf = malloc(cap + 1);
    aj_err e = buf ? AJ_OK : AJ_ENOMEM;
    int read_errno = 0;
    while (!e) { /* reads up to max + 1 bytes: one more than allowed tells a larger file */
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n < cap) {
            if (ferror(f)) read_errno = errno ? errno : EIO;
            break;
        }
        if (n > max) break;
        size_t next = cap * 2 > max + 1 ? max + 1 : cap * 2;
        char *grown = realloc(buf, next + 1);
        if (!grown)
            e = AJ_ENOMEM;
        else
            buf = grown, cap = next;
    }
    if (!is_stdin) fclose(f);
    if (!e && read_errno) e = AJ_EIO;
    if (!e && n > max) e = AJ_ETOOBIG;
    if (e) {
        free(buf);
        if (e == AJ_ETOOBIG)
            snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
        else if (e == AJ_EIO)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(read_errno));
        else
            snprintf(err, errlen, "%s: out of memory", path);
        return e;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return AJ_OK;
}

bool aj_file_read_secret(const char *path, char *out, size_t outlen, char *err, size_t errlen) {
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    if (!fgets(out, (int)outlen, f)) out[0] = 0;
    fclose(f);
    out[strcspn(out, "\r\n")] = 0;
    return true;
}
