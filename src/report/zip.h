/* zip.h — a ZIP archive writer with stored (uncompressed) entries and its CRC-32, for the
 * Office Open XML workbook (xlsx.h). PKWARE APPNOTE 6.3: a local header and the data per
 * entry, then the central directory and its end record; no ZIP64 (an archive stays far below
 * 4 GiB: the caller's maximum), no data descriptors, file times fixed at 1980-01-01 00:00 so
 * the same content gives the same bytes.
 */
#ifndef AJ_ZIP_H
#define AJ_ZIP_H

#include "base/err.h"
#include "report/rbuf.h"

#include <stddef.h>
#include <stdint.h>

/* Entries of one archive: enough for a workbook with a few sheets. */
#define AJ_ZIP_ENTRIES_MAX 16
/* Bytes of an entry name ("xl/worksheets/sheet1.xml"). */
#define AJ_ZIP_NAME_MAX 128

/* CRC-32 (ISO-HDLC, the one of ZIP and PNG) of n bytes, continuing from crc (0 to start):
 * aj_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t aj_crc32(uint32_t crc, const void *data, size_t n);

typedef struct aj_zip {
    aj_rbuf out; /* the archive so far */
    int n_entries;
    struct {
        char name[AJ_ZIP_NAME_MAX];
        uint32_t crc, size, offset;
    } entries[AJ_ZIP_ENTRIES_MAX];
} aj_zip;

/* An empty archive of at most max_bytes (< 4 GiB); aj_zip_clear frees it. */
void aj_zip_init(aj_zip *z, size_t max_bytes);
void aj_zip_clear(aj_zip *z);
/* Adds one stored entry. AJ_EINVAL for a bad name or too many entries, AJ_ETOOBIG past the
 * maximum (the archive is then unusable: clear it). */
aj_err aj_zip_add(aj_zip *z, const char *name, const void *data, size_t n);
/* Same, the entry's bytes given as n_parts pieces written one after the other. */
aj_err aj_zip_add_parts(aj_zip *z, const char *name, const char *const *parts, const size_t *lens,
                        int n_parts);
/* Writes the central directory and hands the archive to the caller (free() it). */
aj_err aj_zip_finish(aj_zip *z, char **out, size_t *len);

#endif
