/* zip.c — stored-entry ZIP writer (zip.h). Every multi-byte field is little-endian; sizes and
 * offsets are 32-bit, checked against the archive's maximum, which is below 4 GiB. */
#include "report/zip.h"

#include <pthread.h>
#include <string.h>

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_make(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t aj_crc32(uint32_t crc, const void *data, size_t n) {
    pthread_once(&crc_once, crc_table_make);
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static aj_err put16(aj_rbuf *b, uint32_t v) {
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    return aj_rbuf_put(b, x, 2);
}

static aj_err put32(aj_rbuf *b, uint32_t v) {
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return aj_rbuf_put(b, x, 4);
}

enum {
    VERSION = 20,                       /* 2.0: what a stored entry needs */
    DOS_TIME = 0,                       /* 00:00:00 */
    DOS_DATE = (0 << 9) | (1 << 5) | 1, /* 1980-01-01 */
};

void aj_zip_init(aj_zip *z, size_t max_bytes) {
    memset(z, 0, sizeof *z);
    if (max_bytes > 0xFFFFFFF0u) max_bytes = 0xFFFFFFF0u;
    aj_rbuf_init(&z->out, max_bytes);
}

void aj_zip_clear(aj_zip *z) {
    aj_rbuf_clear(&z->out);
    z->n_entries = 0;
}

/* The fields a local header and a central directory entry share, from "version needed". */
static aj_err common_fields(aj_rbuf *b, uint32_t crc, uint32_t size, size_t name_len) {
    aj_err e = AJ_OK;
    const uint32_t f[] = {VERSION, 0 /* flags */, 0 /* stored */, DOS_TIME, DOS_DATE};
    for (size_t i = 0; i < sizeof f / sizeof f[0] && !e; i++) e = put16(b, f[i]);
    if (!e) e = put32(b, crc);
    if (!e) e = put32(b, size); /* compressed = uncompressed */
    if (!e) e = put32(b, size);
    if (!e) e = put16(b, (uint32_t)name_len);
    if (!e) e = put16(b, 0); /* extra field */
    return e;
}

aj_err aj_zip_add_parts(aj_zip *z, const char *name, const char *const *parts, const size_t *lens,
                        int n_parts) {
    size_t name_len = strlen(name), n = 0;
    if (!name_len || name_len >= AJ_ZIP_NAME_MAX || z->n_entries >= AJ_ZIP_ENTRIES_MAX) return AJ_EINVAL;
    uint32_t crc = 0;
    for (int i = 0; i < n_parts; i++) {
        if (lens[i] > z->out.max - n) return AJ_ETOOBIG;
        n += lens[i];
        crc = aj_crc32(crc, parts[i], lens[i]);
    }
    uint32_t offset = (uint32_t)z->out.len;
    aj_err e = put32(&z->out, 0x04034b50u);
    if (!e) e = common_fields(&z->out, crc, (uint32_t)n, name_len);
    if (!e) e = aj_rbuf_put(&z->out, name, name_len);
    for (int i = 0; i < n_parts && !e; i++) e = aj_rbuf_put(&z->out, parts[i], lens[i]);
    if (e) return e;
    memcpy(z->entries[z->n_entries].name, name, name_len + 1);
    z->entries[z->n_entries].crc = crc;
    z->entries[z->n_entries].size = (uint32_t)n;
    z->entries[z->n_entries].offset = offset;
    z->n_entries++;
    return AJ_OK;
}

aj_err aj_zip_add(aj_zip *z, const char *name, const void *data, size_t n) {
    const char *parts[1] = {data};
    return aj_zip_add_parts(z, name, parts, &n, 1);
}

aj_err aj_zip_finish(aj_zip *z, char **out, size_t *len) {
    uint32_t dir_offset = (uint32_t)z->out.len;
    aj_err e = AJ_OK;
    for (int i = 0; i < z->n_entries && !e; i++) {
        size_t name_len = strlen(z->entries[i].name);
        e = put32(&z->out, 0x02014b50u);
        if (!e) e = put16(&z->out, VERSION); /* made by: MS-DOS, 2.0 */
        if (!e) e = common_fields(&z->out, z->entries[i].crc, z->entries[i].size, name_len);
        if (!e) e = put16(&z->out, 0); /* comment */
        if (!e) e = put16(&z->out, 0); /* disk */
        if (!e) e = put16(&z->out, 0); /* internal attributes */
        if (!e) e = put32(&z->out, 0); /* external attributes */
        if (!e) e = put32(&z->out, z->entries[i].offset);
        if (!e) e = aj_rbuf_put(&z->out, z->entries[i].name, name_len);
    }
    uint32_t dir_size = (uint32_t)(z->out.len - dir_offset);
    if (!e) e = put32(&z->out, 0x06054b50u);
    if (!e) e = put16(&z->out, 0); /* this disk */
    if (!e) e = put16(&z->out, 0); /* disk of the directory */
    if (!e) e = put16(&z->out, (uint32_t)z->n_entries);
    if (!e) e = put16(&z->out, (uint32_t)z->n_entries);
    if (!e) e = put32(&z->out, dir_size);
    if (!e) e = put32(&z->out, dir_offset);
    if (!e) e = put16(&z->out, 0); /* comment */
    if (e) return e;
    *out = aj_rbuf_take(&z->out, len);
    z->n_entries = 0;
    return AJ_OK;
}
