/* test_xlsx.c — the report writers' ZIP and workbook (src/report/zip.c, xlsx.c, rbuf.c): the
 * CRC-32 check value and its continuation, the archive read back through its central
 * directory (signatures, sizes, CRCs and offsets checked against the data), the workbook's
 * parts, cell references past Z, XML escaping (markup, CR, invalid UTF-8, forbidden control
 * characters, Excel's _xHHHH_), the cut of a long cell at a character boundary, sheet-name
 * rules and every bound (rows, columns, bytes).
 */
#include "report/rbuf.h"
#include "report/xlsx.h"
#include "report/zip.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint32_t rd16(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t rd32(const unsigned char *p) {
    return rd16(p) | rd16(p + 2) << 16;
}

/* A bit-by-bit CRC-32, independent of the table in zip.c. */
static uint32_t crc_slow(const void *data, size_t n) {
    const unsigned char *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

typedef struct entry {
    char name[128];
    const unsigned char *data;
    uint32_t size;
} entry;

/* Reads the archive back the way an unzip tool does: end record → central directory →
 * local headers; checks every field it can. Returns the number of entries. */
static int read_zip(const unsigned char *z, size_t len, entry *out, int max) {
    assert_true(len >= 22);
    const unsigned char *end = z + len - 22;
    assert_int_equal(rd32(end), 0x06054b50u);
    int n = (int)rd16(end + 10);
    assert_int_equal(rd16(end + 8), (uint32_t)n);
    uint32_t dir_size = rd32(end + 12), dir_off = rd32(end + 16);
    assert_int_equal(dir_off + dir_size, len - 22);
    assert_true(n <= max);
    const unsigned char *d = z + dir_off;
    for (int i = 0; i < n; i++) {
        assert_int_equal(rd32(d), 0x02014b50u);
        assert_int_equal(rd16(d + 10), 0); /* stored */
        uint32_t crc = rd32(d + 16), csize = rd32(d + 20), size = rd32(d + 24);
        uint32_t name_len = rd16(d + 28), extra = rd16(d + 30), comment = rd16(d + 32);
        uint32_t off = rd32(d + 42);
        assert_int_equal(csize, size);
        const unsigned char *l = z + off;
        assert_int_equal(rd32(l), 0x04034b50u);
        assert_int_equal(rd32(l + 14), crc);
        assert_int_equal(rd32(l + 22), size);
        assert_int_equal(rd16(l + 26), name_len);
        assert_memory_equal(l + 30, d + 46, name_len);
        const unsigned char *data = l + 30 + name_len + rd16(l + 28);
        assert_true(data + size <= z + dir_off);
        assert_int_equal(crc_slow(data, size), crc);
        memcpy(out[i].name, d + 46, name_len);
        out[i].name[name_len] = '\0';
        out[i].data = data;
        out[i].size = size;
        d += 46 + name_len + extra + comment;
    }
    return n;
}

static char *part(entry *es, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(es[i].name, name)) {
            char *s = malloc(es[i].size + 1);
            memcpy(s, es[i].data, es[i].size);
            s[es[i].size] = '\0';
            return s;
        }
    fail_msg("no part %s", name);
    return NULL;
}

static void test_crc32(void **state) {
    (void)state;
    assert_int_equal(aj_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(aj_crc32(0, "", 0), 0);
    const char *s = "隐患台账 hidden-danger ledger";
    uint32_t whole = aj_crc32(0, s, strlen(s));
    assert_int_equal(whole, crc_slow(s, strlen(s)));
    assert_int_equal(aj_crc32(aj_crc32(0, s, 7), s + 7, strlen(s) - 7), whole);
}

static void test_zip_roundtrip(void **state) {
    (void)state;
    aj_zip z;
    aj_zip_init(&z, 1 << 20);
    assert_int_equal(aj_zip_add(&z, "a.txt", "hello", 5), AJ_OK);
    const char *parts[3] = {"one ", "two ", "three"};
    const size_t lens[3] = {4, 4, 5};
    assert_int_equal(aj_zip_add_parts(&z, "dir/b.xml", parts, lens, 3), AJ_OK);
    assert_int_equal(aj_zip_add(&z, "empty", "", 0), AJ_OK);
    assert_int_equal(aj_zip_add(&z, "", "x", 1), AJ_EINVAL);
    char *out;
    size_t len;
    assert_int_equal(aj_zip_finish(&z, &out, &len), AJ_OK);
    entry es[8];
    int n = read_zip((unsigned char *)out, len, es, 8);
    assert_int_equal(n, 3);
    assert_string_equal(es[0].name, "a.txt");
    assert_int_equal(es[0].size, 5);
    assert_memory_equal(es[0].data, "hello", 5);
    assert_string_equal(es[1].name, "dir/b.xml");
    assert_memory_equal(es[1].data, "one two three", 13);
    assert_int_equal(es[2].size, 0);
    free(out);
    aj_zip_clear(&z);
}

static void test_zip_bounds(void **state) {
    (void)state;
    aj_zip z;
    aj_zip_init(&z, 100);
    char big[200];
    memset(big, 'x', sizeof big);
    assert_int_equal(aj_zip_add(&z, "big", big, sizeof big), AJ_ETOOBIG);
    aj_zip_clear(&z);
    aj_zip_init(&z, 1 << 16);
    for (int i = 0; i < AJ_ZIP_ENTRIES_MAX; i++) assert_int_equal(aj_zip_add(&z, "e", "1", 1), AJ_OK);
    assert_int_equal(aj_zip_add(&z, "one too many", "1", 1), AJ_EINVAL);
    char name[AJ_ZIP_NAME_MAX + 1];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    aj_zip_clear(&z);
    assert_int_equal(aj_zip_add(&z, name, "1", 1), AJ_EINVAL);
    aj_zip_clear(&z);
}

static void test_refs(void **state) {
    (void)state;
    char b[16];
    const struct {
        int col, row;
        const char *ref;
    } cases[] = {{0, 1, "A1"},       {25, 2, "Z2"},           {26, 3, "AA3"},  {27, 10, "AB10"},
                 {51, 1, "AZ1"},     {52, 1, "BA1"},          {701, 7, "ZZ7"}, {702, 1, "AAA1"},
                 {16383, 1, "XFD1"}, {0, 1048576, "A1048576"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aj_xlsx_ref(cases[i].col, cases[i].row, b, sizeof b);
        assert_string_equal(b, cases[i].ref);
    }
}

static void escaped(const char *in, const char *want) {
    aj_rbuf b;
    aj_rbuf_init(&b, 1 << 16);
    assert_int_equal(aj_xlsx_xml_text(&b, in, strlen(in)), AJ_OK);
    assert_string_equal(b.data ? b.data : "", want);
    aj_rbuf_clear(&b);
}

static void test_xml_escaping(void **state) {
    (void)state;
    escaped("a & b < c > d \"e\" 'f'", "a &amp; b &lt; c &gt; d &quot;e&quot; 'f'");
    escaped("line1\r\nline2\ttab", "line1&#13;\nline2\ttab");
    escaped("泄漏 P-102", "泄漏 P-102");
    escaped("bad \xFF byte", "bad \xEF\xBF\xBD byte");               /* not UTF-8 */
    escaped("ctl \x01\x1F end", "ctl \xEF\xBF\xBD\xEF\xBF\xBD end"); /* XML 1.0 forbids them */
    escaped("over \xC0\xAF long", "over \xEF\xBF\xBD\xEF\xBF\xBD long");
    escaped("surrogate \xED\xA0\x80", "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* each byte */
    escaped("cut \xE6\xB3", "cut \xEF\xBF\xBD\xEF\xBF\xBD");
    escaped("nonchar \xEF\xBF\xBF", "nonchar \xEF\xBF\xBD");
    escaped("emoji \xF0\x9F\x94\xA5", "emoji \xF0\x9F\x94\xA5");
    escaped("_x0041_ and _x00zz_ and _x", "_x005F_x0041_ and _x00zz_ and _x");
}

static void test_workbook(void **state) {
    (void)state;
    aj_xlsx x;
    aj_xlsx_init(&x, 1 << 20);
    assert_int_equal(aj_xlsx_text(&x, "before a row", AJ_XLSX_PLAIN), AJ_EINVAL);
    assert_int_equal(aj_xlsx_row(&x), AJ_OK);
    assert_int_equal(aj_xlsx_text(&x, "编号", AJ_XLSX_BOLD), AJ_OK);
    assert_int_equal(aj_xlsx_text(&x, "描述", AJ_XLSX_BOLD), AJ_OK);
    assert_int_equal(aj_xlsx_text(&x, "数量", AJ_XLSX_BOLD), AJ_OK);
    assert_int_equal(aj_xlsx_row(&x), AJ_OK);
    assert_int_equal(aj_xlsx_text(&x, "YH-20260301-0001", AJ_XLSX_PLAIN), AJ_OK);
    assert_int_equal(aj_xlsx_text(&x, NULL, AJ_XLSX_WRAP), AJ_OK); /* empty: no <c>, next is C2 */
    assert_int_equal(aj_xlsx_number(&x, 2.5, AJ_XLSX_PLAIN), AJ_OK);
    assert_int_equal(aj_xlsx_row(&x), AJ_OK);
    assert_int_equal(aj_xlsx_text(&x, "=HYPERLINK(\"x\") & <b>", AJ_XLSX_WRAP), AJ_OK);
    aj_xlsx_freeze_rows(&x, 1);
    aj_xlsx_col_width(&x, 1, 40);
    assert_int_equal(aj_xlsx_finish(&x, "a/b", &(char *){0}, &(size_t){0}), AJ_EINVAL);
    char *out;
    size_t len;
    assert_int_equal(aj_xlsx_finish(&x, "隐患台账", &out, &len), AJ_OK);
    entry es[8];
    int n = read_zip((unsigned char *)out, len, es, 8);
    assert_int_equal(n, 6);
    const char *names[] = {"[Content_Types].xml",        "_rels/.rels",   "xl/workbook.xml",
                           "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"};
    for (int i = 0; i < 6; i++) assert_string_equal(es[i].name, names[i]);
    char *ct = part(es, n, "[Content_Types].xml");
    assert_non_null(strstr(ct, "PartName=\"/xl/worksheets/sheet1.xml\""));
    free(ct);
    char *wb = part(es, n, "xl/workbook.xml");
    assert_non_null(strstr(wb, "<sheet name=\"隐患台账\" sheetId=\"1\" r:id=\"rId1\"/>"));
    free(wb);
    char *sh = part(es, n, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sh, "<dimension ref=\"A1:C3\"/>"));
    assert_non_null(
        strstr(sh, "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"));
    assert_non_null(strstr(sh, "<col min=\"2\" max=\"2\" width=\"40\" customWidth=\"1\"/>"));
    assert_non_null(strstr(
        sh,
        "<row r=\"1\"><c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t xml:space=\"preserve\">编号</t></is></c>"));
    assert_non_null(
        strstr(sh, "<c r=\"A2\" t=\"inlineStr\"><is><t xml:space=\"preserve\">YH-20260301-0001</t></is></c>"
                   "<c r=\"C2\"><v>2.5</v></c></row>"));
    assert_null(strstr(sh, "r=\"B2\""));
    assert_non_null(
        strstr(sh, "<c r=\"A3\" s=\"2\" t=\"inlineStr\"><is><t xml:space=\"preserve\">"
                   "=HYPERLINK(&quot;x&quot;) &amp; &lt;b&gt;</t></is></c></row></sheetData></worksheet>"));
    free(sh);
    free(out);
    aj_xlsx_clear(&x);
}

static void test_empty_workbook_and_names(void **state) {
    (void)state;
    aj_xlsx x;
    aj_xlsx_init(&x, 4096);
    char *out;
    size_t len;
    assert_int_equal(aj_xlsx_finish(&x, "Sheet1", &out, &len), AJ_OK);
    entry es[8];
    int n = read_zip((unsigned char *)out, len, es, 8);
    char *sh = part(es, n, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sh, "<sheetData></sheetData></worksheet>"));
    free(sh);
    free(out);
    const char *bad[] = {"",   "a[1]",        "x:y",      "q?",
                         "s*", "back\\slash", "'quoted'", "0123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(aj_xlsx_finish(&x, bad[i], &out, &len), AJ_EINVAL);
    /* 31 characters of Chinese (93 bytes) is a valid name, 32 is not */
    char name[200] = "";
    for (int i = 0; i < 31; i++) strcat(name, "隐");
    assert_int_equal(aj_xlsx_finish(&x, name, &out, &len), AJ_OK);
    free(out);
    strcat(name, "隐");
    assert_int_equal(aj_xlsx_finish(&x, name, &out, &len), AJ_EINVAL);
    aj_xlsx_clear(&x);
}

static void test_bounds(void **state) {
    (void)state;
    aj_xlsx x;
    aj_xlsx_init(&x, 1 << 20);
    assert_int_equal(aj_xlsx_row(&x), AJ_OK);
    for (int i = 0; i < AJ_XLSX_COLS_MAX; i++) assert_int_equal(aj_xlsx_number(&x, i, AJ_XLSX_PLAIN), AJ_OK);
    assert_int_equal(aj_xlsx_number(&x, 1, AJ_XLSX_PLAIN), AJ_EINVAL);
    assert_int_equal(aj_xlsx_text(&x, "x", AJ_XLSX_PLAIN), AJ_EINVAL);
    aj_xlsx_clear(&x);
    /* a byte budget: rows stop with AJ_ETOOBIG, and so does the finish */
    aj_xlsx_init(&x, 2000);
    aj_err e = AJ_OK;
    int rows = 0;
    for (; rows < 1000 && !e; rows++) {
        e = aj_xlsx_row(&x);
        if (!e) e = aj_xlsx_text(&x, "some text in a cell", AJ_XLSX_PLAIN);
    }
    assert_int_equal(e, AJ_ETOOBIG);
    assert_true(rows < 1000);
    assert_true(x.rows.len <= 2000);
    aj_xlsx_clear(&x);
    /* a long cell is cut at AJ_XLSX_CELL_BYTES_MAX, never inside a character */
    size_t n = AJ_XLSX_CELL_BYTES_MAX + 10;
    char *big = malloc(n + 1);
    big[0] = 'a';
    for (size_t i = 1; i + 3 <= n; i += 3) memcpy(big + i, "隐", 3);
    big[n] = '\0';
    big[n - (n - 1) % 3] = '\0';
    aj_xlsx_init(&x, 1 << 20);
    assert_int_equal(aj_xlsx_row(&x), AJ_OK);
    assert_int_equal(aj_xlsx_text(&x, big, AJ_XLSX_PLAIN), AJ_OK);
    const char *t = strstr(x.rows.data, "preserve\">") + 10;
    size_t kept = (size_t)(strstr(t, "</t>") - t);
    assert_true(kept <= AJ_XLSX_CELL_BYTES_MAX && kept > AJ_XLSX_CELL_BYTES_MAX - 3);
    assert_int_equal((kept - 1) % 3, 0);
    assert_null(strstr(t, "\xEF\xBF\xBD"));
    free(big);
    aj_xlsx_clear(&x);
}

static void test_rbuf(void **state) {
    (void)state;
    aj_rbuf b;
    aj_rbuf_init(&b, 10);
    assert_int_equal(aj_rbuf_puts(&b, "12345"), AJ_OK);
    assert_int_equal(aj_rbuf_puts(&b, "67890"), AJ_OK);
    assert_int_equal(aj_rbuf_puts(&b, "x"), AJ_ETOOBIG);
    assert_string_equal(b.data, "1234567890");
    size_t len;
    char *s = aj_rbuf_take(&b, &len);
    assert_int_equal(len, 10);
    assert_null(b.data);
    free(s);
    assert_int_equal(aj_rbuf_printf(&b, "%d-%s", 7, "ok"), AJ_OK);
    assert_string_equal(b.data, "7-ok");
    aj_rbuf_clear(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_zip_roundtrip),
        cmocka_unit_test(test_zip_bounds),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_xml_escaping),
        cmocka_unit_test(test_workbook),
        cmocka_unit_test(test_empty_workbook_and_names),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_rbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
