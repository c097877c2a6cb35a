/* xlsx.h — a minimal Office Open XML workbook (ECMA-376, SpreadsheetML) with one sheet of
 * text and number cells, written without a library: the parts [Content_Types].xml,
 * _rels/.rels, xl/workbook.xml, xl/_rels/workbook.xml.rels, xl/styles.xml and
 * xl/worksheets/sheet1.xml (inline strings, no shared-string table) in a stored ZIP (zip.h).
 *
 * Rows are added one after the other, cells left to right; the sheet XML grows in a bounded
 * buffer (max_bytes), so a caller past its limit gets AJ_ETOOBIG instead of running out of
 * memory. Text is escaped for XML, invalid UTF-8 and characters XML 1.0 forbids become
 * U+FFFD, "_xHHHH_" is protected from Excel's unescaping, and a cell keeps at most
 * AJ_XLSX_CELL_BYTES_MAX bytes (Excel's limit is 32,767 characters).
 *
 *   aj_xlsx x;  aj_xlsx_init(&x, max);
 *   aj_xlsx_row(&x); aj_xlsx_text(&x, "编号", AJ_XLSX_BOLD); ...
 *   aj_xlsx_finish(&x, "隐患台账", &bytes, &len);  ...  free(bytes);  aj_xlsx_clear(&x);
 */
#ifndef AJ_XLSX_H
#define AJ_XLSX_H

#include "base/err.h"
#include "report/rbuf.h"

#include <stdbool.h>
#include <stddef.h>

#define AJ_XLSX_COLS_MAX       64      /* columns of the sheet (Excel: 16,384) */
#define AJ_XLSX_ROWS_MAX       1048576 /* Excel's limit */
#define AJ_XLSX_CELL_BYTES_MAX 32767   /* bytes of text kept per cell */
#define AJ_XLSX_SHEET_NAME_MAX 31      /* characters of a sheet name (Excel) */

typedef enum aj_xlsx_style {
    AJ_XLSX_PLAIN = 0,
    AJ_XLSX_BOLD = 1, /* header rows */
    AJ_XLSX_WRAP = 2, /* long text: wrapped, top-aligned */
} aj_xlsx_style;

typedef struct aj_xlsx {
    aj_rbuf rows; /* the <row> elements so far */
    int n_rows;   /* rows started */
    int col;      /* cells in the current row */
    int n_cols;   /* widest row */
    int n_frozen_rows;
    int widths[AJ_XLSX_COLS_MAX]; /* column widths in characters, 0: default */
} aj_xlsx;

/* An empty sheet whose XML may take max_bytes; aj_xlsx_clear frees it. */
void aj_xlsx_init(aj_xlsx *x, size_t max_bytes);
void aj_xlsx_clear(aj_xlsx *x);
/* Starts the next row. AJ_ETOOBIG past the rows or bytes allowed. */
aj_err aj_xlsx_row(aj_xlsx *x);
/* The next cell of the row: text (NULL or "" leaves the cell empty) or a number (a
 * non-finite one leaves it empty). AJ_EINVAL before the first row or past the columns. */
aj_err aj_xlsx_text(aj_xlsx *x, const char *s, aj_xlsx_style style);
aj_err aj_xlsx_number(aj_xlsx *x, double v, aj_xlsx_style style);
/* Keeps the first n rows in view when scrolling (header rows). */
void aj_xlsx_freeze_rows(aj_xlsx *x, int n);
/* Width of column col (0-based) in characters (1..255). */
void aj_xlsx_col_width(aj_xlsx *x, int col, int chars);
/* The workbook with the sheet named sheet_name (1 to 31 characters, none of []:*?/\), handed
 * to the caller (free() it). AJ_EINVAL for a bad name; AJ_ETOOBIG past the bytes allowed. */
aj_err aj_xlsx_finish(aj_xlsx *x, const char *sheet_name, char **out, size_t *len);

/* Cell reference of a 0-based column and 1-based row ("A1", "AB12"); buf >= 16. */
void aj_xlsx_ref(int col, int row, char *buf, size_t size);
/* Appends s escaped as XML character data per the rules above, at most max_bytes of s. */
aj_err aj_xlsx_xml_text(aj_rbuf *b, const char *s, size_t max_bytes);

#endif
