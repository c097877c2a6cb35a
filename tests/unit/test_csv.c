/* test_csv.c — CSV fields for spreadsheets (src/report/csv.c): RFC 4180 quoting (comma,
 * quote, CR, LF), the formula guard for every trigger character and not for others, empty
 * and NULL fields, CRLF rows, the byte bound.
 */
#include "report/csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void one(const char *in, const char *want) {
    aj_rbuf b;
    aj_rbuf_init(&b, 4096);
    assert_int_equal(aj_csv_field(&b, in, true), AJ_OK);
    assert_string_equal(b.data ? b.data : "", want);
    aj_rbuf_clear(&b);
}

static void test_fields(void **state) {
    (void)state;
    one("plain", "plain");
    one("泄漏 P-102", "泄漏 P-102");
    one("a,b", "\"a,b\"");
    one("say \"hi\"", "\"say \"\"hi\"\"\"");
    one("\"", "\"\"\"\"");
    one("line1\nline2", "\"line1\nline2\"");
    one("cr\rhere", "\"cr\rhere\"");
    one("", "");
    one(NULL, "");
    one(" spaced ", " spaced ");
    one("a'b", "a'b");
}

static void test_formula_guard(void **state) {
    (void)state;
    one("=1+2", "'=1+2");
    one("+1", "'+1");
    one("-1", "'-1");
    one("@SUM(A1)", "'@SUM(A1)");
    one("\tTAB", "'\tTAB");
    one("\rX", "\"'\rX\"");
    one("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    one("=a,b", "\"'=a,b\"");
    one("a=1", "a=1");
    one("1-2", "1-2");
    one("'=already", "'=already");
    assert_true(aj_csv_is_formula_like("="));
    assert_false(aj_csv_is_formula_like(""));
    assert_false(aj_csv_is_formula_like(NULL));
    assert_false(aj_csv_is_formula_like("YH-1"));
}

static void test_rows(void **state) {
    (void)state;
    aj_rbuf b;
    aj_rbuf_init(&b, 4096);
    assert_int_equal(aj_rbuf_puts(&b, AJ_CSV_BOM), AJ_OK);
    assert_int_equal(aj_csv_field(&b, "编号", true), AJ_OK);
    assert_int_equal(aj_csv_field(&b, "描述", false), AJ_OK);
    assert_int_equal(aj_csv_row_end(&b), AJ_OK);
    assert_int_equal(aj_csv_field(&b, "YH-1", true), AJ_OK);
    assert_int_equal(aj_csv_field(&b, NULL, false), AJ_OK);
    assert_int_equal(aj_csv_field(&b, "a,\"b\"", false), AJ_OK);
    assert_int_equal(aj_csv_row_end(&b), AJ_OK);
    assert_string_equal(b.data, "\xEF\xBB\xBF编号,描述\r\nYH-1,,\"a,\"\"b\"\"\"\r\n");
    aj_rbuf_clear(&b);
    aj_rbuf_init(&b, 8);
    assert_int_equal(aj_csv_field(&b, "12345678", true), AJ_OK);
    assert_int_equal(aj_csv_field(&b, "x", false), AJ_ETOOBIG);
    assert_int_equal(aj_csv_row_end(&b), AJ_ETOOBIG);
    aj_rbuf_clear(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_formula_guard),
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
