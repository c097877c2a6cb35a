/* xlsx.c — the one-sheet SpreadsheetML writer (xlsx.h).
 *
 * The worksheet part is <worksheet> <sheetViews> (the frozen header) <cols> (widths)
 * <sheetData> (the rows) </worksheet>, in the order the schema requires; the rows are kept in
 * x->rows and framed at aj_xlsx_finish, which hands the parts to the ZIP writer. Styles:
 * cellXfs 0 plain, 1 bold, 2 wrapped (aj_xlsx_style). Nothing here allocates except the two
 * bounded buffers (the rows, the archive). */
#include "report/xlsx.h"

#include "report/zip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_MAIN  "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL   "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG   "http://schemas.openxmlformats.org/package/2006/relationships"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

static const char CONTENT_TYPES[] = XML_DECL
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    "<Override PartName=\"/xl/worksheets/sheet1.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
    "<Override PartName=\"/xl/styles.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
    "</Types>";

static const char ROOT_RELS[] =
    XML_DECL "<Relationships xmlns=\"" NS_PKG "\">"
             "<Relationship Id=\"rId1\" Type=\"" NS_REL "/officeDocument\" Target=\"xl/workbook.xml\"/>"
             "</Relationships>";

static const char WORKBOOK_RELS[] =
    XML_DECL "<Relationships xmlns=\"" NS_PKG "\">"
             "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
             "<Relationship Id=\"rId2\" Type=\"" NS_REL "/styles\" Target=\"styles.xml\"/>"
             "</Relationships>";

static const char STYLES[] = XML_DECL
    "<styleSheet xmlns=\"" NS_MAIN "\">"
    "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>"
    "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
    "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
    "<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
    "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyAlignment=\"1\">"
    "<alignment vertical=\"top\" wrapText=\"1\"/></xf></cellXfs>"
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
    "</styleSheet>";

void aj_xlsx_init(aj_xlsx *x, size_t max_bytes) {
    memset(x, 0, sizeof *x);
    aj_rbuf_init(&x->rows, max_bytes);
}

void aj_xlsx_clear(aj_xlsx *x) {
    aj_rbuf_clear(&x->rows);
    x->n_rows = x->col = x->n_cols = 0;
}

void aj_xlsx_ref(int col, int row, char *buf, size_t size) {
    char letters[8];
    int n = 0;
    for (int c = col + 1; c > 0 && n < (int)sizeof letters; c = (c - 1) / 26)
        letters[n++] = (char)('A' + (c - 1) % 26);
    char ref[16];
    int k = 0;
    while (n > 0) ref[k++] = letters[--n];
    ref[k] = '\0';
    snprintf(buf, size, "%s%d", ref, row);
}

aj_err aj_xlsx_row(aj_xlsx *x) {
    if (x->n_rows >= AJ_XLSX_ROWS_MAX) return AJ_ETOOBIG;
    aj_err e = x->n_rows ? aj_rbuf_puts(&x->rows, "</row>") : AJ_OK;
    if (!e) e = aj_rbuf_printf(&x->rows, "<row r=\"%d\">", x->n_rows + 1);
    if (e) return e;
    x->n_rows++;
    x->col = 0;
    return AJ_OK;
}

/* Decodes one UTF-8 character of s[0..n); returns its length and the code point, or 0 when
 * the bytes are not a valid, shortest-form encoding of a scalar value. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp) {
    size_t len = s[0] < 0x80                   ? 1
                 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2
                 : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
                 : s[0] >= 0xF0 && s[0] < 0xF5 ? 4
                                               : 0;
    if (!len || len > n) return 0;
    unsigned c = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    static const unsigned least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < least[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return len;
}

static bool is_xml_char(unsigned c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/* "_x" followed by four hex digits and "_": Excel would read it as an escaped character. */
static bool is_excel_escape(const char *s, size_t n) {
    if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_') return false;
    for (int i = 2; i < 6; i++)
        if (!strchr("0123456789ABCDEFabcdef", s[i]) || !s[i]) return false;
    return true;
}

aj_err aj_xlsx_xml_text(aj_rbuf *b, const char *s, size_t max_bytes) {
    size_t n = strlen(s);
    if (n > max_bytes) n = max_bytes;
    aj_err e = AJ_OK;
    for (size_t i = 0; i < n && !e;) {
        unsigned cp = 0;
        size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!len || !is_xml_char(cp)) {
            e = aj_rbuf_puts(b, "\xEF\xBF\xBD"); /* U+FFFD */
            i += len ? len : 1;
            continue;
        }
        switch (cp) {
        case '&':
            e = aj_rbuf_puts(b, "&amp;");
            break;
        case '<':
            e = aj_rbuf_puts(b, "&lt;");
            break;
        case '>':
            e = aj_rbuf_puts(b, "&gt;");
            break;
        case '"':
            e = aj_rbuf_puts(b, "&quot;");
            break;
        case '\r':
            e = aj_rbuf_puts(b, "&#13;");
            break; /* a parser would turn a raw CR into LF */
        case '_':
            e = aj_rbuf_puts(b, is_excel_escape(s + i, n - i) ? "_x005F_" : "_");
            break;
        default:
            e = aj_rbuf_put(b, s + i, len);
        }
        i += len;
    }
    return e;
}

/* Text cut at max_bytes never splits a character: back up to the start of the last one. */
static size_t cut_at_char(const char *s, size_t max_bytes) {
    size_t n = strlen(s);
    if (n <= max_bytes) return n;
    n = max_bytes;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

static aj_err cell_open(aj_xlsx *x, aj_xlsx_style style, const char *type) {
    if (!x->n_rows) return AJ_EINVAL;
    if (x->col >= AJ_XLSX_COLS_MAX) return AJ_EINVAL;
    char ref[16];
    aj_xlsx_ref(x->col, x->n_rows, ref, sizeof ref);
    aj_err e = aj_rbuf_printf(&x->rows, "<c r=\"%s\"", ref);
    if (!e && style != AJ_XLSX_PLAIN) e = aj_rbuf_printf(&x->rows, " s=\"%d\"", (int)style);
    if (!e && type) e = aj_rbuf_printf(&x->rows, " t=\"%s\"", type);
    if (!e) e = aj_rbuf_puts(&x->rows, ">");
    return e;
}

static void cell_done(aj_xlsx *x) {
    x->col++;
    if (x->col > x->n_cols) x->n_cols = x->col;
}

aj_err aj_xlsx_text(aj_xlsx *x, const char *s, aj_xlsx_style style) {
    if (!x->n_rows || x->col >= AJ_XLSX_COLS_MAX) return AJ_EINVAL;
    if (!s || !*s) {
        cell_done(x);
        return AJ_OK;
    }
    aj_err e = cell_open(x, style, "inlineStr");
    if (!e) e = aj_rbuf_puts(&x->rows, "<is><t xml:space=\"preserve\">");
    if (!e) e = aj_xlsx_xml_text(&x->rows, s, cut_at_char(s, AJ_XLSX_CELL_BYTES_MAX));
    if (!e) e = aj_rbuf_puts(&x->rows, "</t></is></c>");
    if (!e) cell_done(x);
    return e;
}

aj_err aj_xlsx_number(aj_xlsx *x, double v, aj_xlsx_style style) {
    if (!x->n_rows || x->col >= AJ_XLSX_COLS_MAX) return AJ_EINVAL;
    if (!isfinite(v)) {
        cell_done(x);
        return AJ_OK;
    }
    aj_err e = cell_open(x, style, NULL);
    if (!e) e = aj_rbuf_printf(&x->rows, "<v>%.17g</v></c>", v);
    if (!e) cell_done(x);
    return e;
}

void aj_xlsx_freeze_rows(aj_xlsx *x, int n) {
    x->n_frozen_rows = n < 0 ? 0 : n > 100 ? 100 : n;
}

void aj_xlsx_col_width(aj_xlsx *x, int col, int chars) {
    if (col < 0 || col >= AJ_XLSX_COLS_MAX) return;
    x->widths[col] = chars < 1 ? 1 : chars > 255 ? 255 : chars;
}

/* Excel refuses a sheet name that is empty, longer than 31 characters or holds []:*?/\ . */
static bool sheet_name_ok(const char *name) {
    size_t n = strlen(name), chars = 0;
    if (!n || strpbrk(name, "[]:*?/\\")) return false;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t len = utf8_decode((const unsigned char *)name + i, n - i, &cp);
        if (!len || !is_xml_char(cp) || cp < 0x20) return false;
        i += len;
        chars++;
    }
    return chars <= AJ_XLSX_SHEET_NAME_MAX && name[0] != '\'' && name[n - 1] != '\'';
}

static aj_err sheet_head(const aj_xlsx *x, aj_rbuf *b) {
    char last[16];
    aj_xlsx_ref(x->n_cols ? x->n_cols - 1 : 0, x->n_rows ? x->n_rows : 1, last, sizeof last);
    aj_err e = aj_rbuf_puts(b, XML_DECL "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">");
    if (!e) e = aj_rbuf_printf(b, "<dimension ref=\"A1:%s\"/>", last);
    if (!e && x->n_frozen_rows) {
        char top[16];
        aj_xlsx_ref(0, x->n_frozen_rows + 1, top, sizeof top);
        e = aj_rbuf_printf(
            b,
            "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"%d\" topLeftCell=\"%s\" "
            "activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>",
            x->n_frozen_rows, top);
    }
    bool has_widths = false;
    for (int i = 0; i < AJ_XLSX_COLS_MAX; i++) has_widths = has_widths || x->widths[i];
    if (!e && has_widths) {
        e = aj_rbuf_puts(b, "<cols>");
        for (int i = 0; i < AJ_XLSX_COLS_MAX && !e; i++)
            if (x->widths[i])
                e = aj_rbuf_printf(b, "<col min=\"%d\" max=\"%d\" width=\"%d\" customWidth=\"1\"/>", i + 1,
                                   i + 1, x->widths[i]);
        if (!e) e = aj_rbuf_puts(b, "</cols>");
    }
    if (!e) e = aj_rbuf_puts(b, "<sheetData>");
    return e;
}

aj_err aj_xlsx_finish(aj_xlsx *x, const char *sheet_name, char **out, size_t *len) {
    if (!sheet_name_ok(sheet_name)) return AJ_EINVAL;
    aj_rbuf head, workbook;
    aj_rbuf_init(&head, 64 * 1024);
    aj_rbuf_init(&workbook, 4096);
    aj_err e = sheet_head(x, &head);
    if (!e)
        e = aj_rbuf_puts(&workbook, XML_DECL "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL
                                             "\"><sheets><sheet name=\"");
    if (!e) e = aj_xlsx_xml_text(&workbook, sheet_name, strlen(sheet_name));
    if (!e) e = aj_rbuf_puts(&workbook, "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
    const char *tail = x->n_rows ? "</row></sheetData></worksheet>" : "</sheetData></worksheet>";
    aj_zip z;
    aj_zip_init(&z, x->rows.max + head.max + 64 * 1024);
    if (!e) e = aj_zip_add(&z, "[Content_Types].xml", CONTENT_TYPES, sizeof CONTENT_TYPES - 1);
    if (!e) e = aj_zip_add(&z, "_rels/.rels", ROOT_RELS, sizeof ROOT_RELS - 1);
    if (!e) e = aj_zip_add(&z, "xl/workbook.xml", workbook.data, workbook.len);
    if (!e) e = aj_zip_add(&z, "xl/_rels/workbook.xml.rels", WORKBOOK_RELS, sizeof WORKBOOK_RELS - 1);
    if (!e) e = aj_zip_add(&z, "xl/styles.xml", STYLES, sizeof STYLES - 1);
    if (!e) {
        const char *parts[3] = {head.data, x->rows.data ? x->rows.data : "", tail};
        const size_t lens[3] = {head.len, x->rows.len, strlen(tail)};
        e = aj_zip_add_parts(&z, "xl/worksheets/sheet1.xml", parts, lens, 3);
    }
    if (!e) e = aj_zip_finish(&z, out, len);
    aj_zip_clear(&z);
    aj_rbuf_clear(&head);
    aj_rbuf_clear(&workbook);
    return e;
}
