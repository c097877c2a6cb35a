/* csv.h — writing CSV for spreadsheets (RFC 4180), safe to open in Excel and WPS.
 *
 * A field is quoted when it holds a comma, a double quote, CR or LF (quotes doubled inside);
 * rows end in CRLF; a file for Excel starts with the UTF-8 byte order mark (AJ_CSV_BOM) so
 * Chinese text is read as UTF-8. Formula injection (OWASP "CSV injection"): a field that
 * starts with = + - @, a tab or CR would be run as a formula by a spreadsheet, so it gets a
 * leading apostrophe ("'=1+2"), which spreadsheets show as text.
 */
#ifndef AJ_CSV_H
#define AJ_CSV_H

#include "base/err.h"
#include "report/rbuf.h"

#include <stdbool.h>

#define AJ_CSV_BOM "\xEF\xBB\xBF"

/* True when s would be taken as a formula (and so gets the apostrophe). */
bool aj_csv_is_formula_like(const char *s);
/* Appends one field (NULL: empty), after a comma unless it is the first of its row. */
aj_err aj_csv_field(aj_rbuf *b, const char *s, bool is_first);
/* Ends the row (CRLF). */
aj_err aj_csv_row_end(aj_rbuf *b);

#endif
