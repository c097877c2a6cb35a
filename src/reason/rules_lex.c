/* rules_lex.c — the tokenizer of the rules language (see rules_lex.h, docs/rules.md).
 *
 * A cursor over the text: every read is checked against len, so embedded NUL bytes,
 * invalid UTF-8 and a missing final newline are ordinary input. Tokens never cross a
 * newline (strings may not hold a raw one), so after an error the parser can always
 * resume at the next line. Columns are byte columns, 1-based; a UTF-8 byte order mark at
 * the start of the text is skipped (and counted in the columns of line 1).
 *
 * Numbers are converted with strtod, which reads '.' as the decimal point in the C
 * locale; anjian never calls setlocale.
 */
#include "reason/rules_lex.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_TEXT_MAX 64 /* bytes of a number as written, including its unit */
#define NS_PER_S        1e9

static bool is_ident_start(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ident_char(unsigned char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}

/* The byte at offset i, or 0 past the end (callers never treat 0 as a token character). */
static unsigned char byte_at(const aj_rules_lexer *lx, size_t i) {
    return i < lx->len ? (unsigned char)lx->text[i] : 0;
}

static aj_rule_pos pos_of(const aj_rules_lexer *lx, size_t offset) {
    assert(offset >= lx->line_start);
    return (aj_rule_pos){.line = lx->line, .column = (int)(offset - lx->line_start) + 1};
}

static void fail(aj_rules_lexer *lx, size_t offset, const char *fmt, const char *arg) {
    lx->kind = AJ_TK_ERROR;
    lx->pos = pos_of(lx, offset);
    snprintf(lx->message, sizeof lx->message, fmt, arg);
}

static void fail_byte(aj_rules_lexer *lx, size_t offset, const char *fmt, unsigned char b) {
    char hex[8];
    snprintf(hex, sizeof hex, "0x%02X", b);
    fail(lx, offset, fmt, hex);
}

/* Length of the valid UTF-8 sequence starting at offset i (no overlongs, surrogates or
 * code points above U+10FFFF), or 0. */
static int utf8_len(const aj_rules_lexer *lx, size_t i) {
    unsigned char b0 = byte_at(lx, i), b1 = byte_at(lx, i + 1);
    int n;
    unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        n = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF)
        n = 3;
    else if (b0 >= 0xF0 && b0 <= 0xF4)
        n = 4;
    else
        return 0;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
    if (i + (size_t)n > lx->len || b1 < lo || b1 > hi) return 0;
    for (int k = 2; k < n; k++)
        if ((byte_at(lx, i + (size_t)k) & 0xC0) != 0x80) return 0;
    return n;
}

void aj_rules_lex_init(aj_rules_lexer *lx, const char *text, size_t len) {
    memset(lx, 0, sizeof *lx);
    lx->text = text;
    lx->len = len;
    lx->line = 1;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) lx->at = 3;
    lx->kind = AJ_TK_EOL; /* nothing read yet */
}

static void lex_ident(aj_rules_lexer *lx) {
    size_t start = lx->at;
    while (is_ident_char(byte_at(lx, lx->at))) lx->at++;
    lx->s_len = lx->at - start;
    if (lx->s_len > AJ_RULE_ID_MAX - 1) {
        char max[16];
        snprintf(max, sizeof max, "%d", AJ_RULE_ID_MAX - 1);
        fail(lx, start, "identifier too long (at most %s bytes)", max);
        return;
    }
    lx->kind = AJ_TK_IDENT;
}

/* Consumes digits; returns how many. */
static size_t skip_digits(aj_rules_lexer *lx) {
    size_t start = lx->at;
    while (is_digit(byte_at(lx, lx->at))) lx->at++;
    return lx->at - start;
}

/* After a number: a duration unit (s m h d), a %, or nothing. Returns the seconds per
 * unit, 0 for none, -1 for a percent, -2 when an unknown unit was reported. */
static double lex_unit(aj_rules_lexer *lx) {
    unsigned char c = byte_at(lx, lx->at);
    if (c == '%') {
        lx->at++;
        return -1;
    }
    if (c == '.') {
        fail(lx, lx->at, "unexpected \".\" after a number%s", "");
        return -2;
    }
    if (!is_ident_char(c)) return 0;
    if (!is_ident_char(byte_at(lx, lx->at + 1))) {
        static const char units[] = "smhd";
        static const double seconds[] = {1, 60, 3600, 86400};
        const char *u = c ? strchr(units, c) : NULL;
        if (u) {
            lx->at++;
            return seconds[u - units];
        }
    }
    size_t start = lx->at;
    char unit[NUMBER_TEXT_MAX];
    while (lx->at - start < sizeof unit - 1 && is_ident_char(byte_at(lx, lx->at))) lx->at++;
    snprintf(unit, sizeof unit, "%.*s", (int)(lx->at - start), lx->text + start);
    fail(lx, start, "unknown unit \"%s\" after a number (a duration ends in s, m, h or d)", unit);
    return -2;
}

static void lex_number(aj_rules_lexer *lx) {
    size_t start = lx->at;
    if (byte_at(lx, lx->at) == '-') lx->at++;
    skip_digits(lx);
    if (byte_at(lx, lx->at) == '.') {
        lx->at++;
        if (!skip_digits(lx)) {
            fail(lx, lx->at, "a digit must follow the decimal point%s", "");
            return;
        }
    }
    unsigned char e = byte_at(lx, lx->at), sign = byte_at(lx, lx->at + 1);
    if ((e == 'e' || e == 'E') &&
        (is_digit(sign) || ((sign == '+' || sign == '-') && is_digit(byte_at(lx, lx->at + 2))))) {
        lx->at += 2;
        skip_digits(lx);
    }
    size_t end = lx->at;
    double unit = lex_unit(lx);
    if (unit == -2) return;
    lx->s = lx->text + start;
    lx->s_len = lx->at - start;
    char buf[NUMBER_TEXT_MAX];
    if (end - start > sizeof buf - 1) {
        fail(lx, start, "number too long (at most %s characters)", "63");
        return;
    }
    memcpy(buf, lx->text + start, end - start);
    buf[end - start] = 0;
    lx->num = strtod(buf, NULL);
    if (!isfinite(lx->num)) {
        fail(lx, start, "number out of range: %s", buf);
        return;
    }
    if (unit == 0) {
        lx->kind = AJ_TK_NUMBER;
    } else if (unit < 0) {
        lx->kind = AJ_TK_PERCENT;
    } else {
        double ns = lx->num * unit * NS_PER_S;
        lx->kind = AJ_TK_DURATION;
        if (!(ns >= 0.5))
            lx->span_ns = -1;
        else if (ns > (double)AJ_RULE_SPAN_MAX_NS)
            lx->span_ns = -2;
        else
            lx->span_ns = llround(ns);
    }
}

/* An escape after a backslash at offset i; appends the decoded byte. False on error. */
static bool lex_escape(aj_rules_lexer *lx, size_t i, char *out) {
    unsigned char c = byte_at(lx, i + 1);
    if (c == '"' || c == '\\')
        *out = (char)c;
    else if (c == 'n')
        *out = '\n';
    else if (i + 1 >= lx->len || c == '\n')
        return false; /* unterminated: caller reports */
    else if (c > 0x20 && c < 0x7F) {
        char esc[3] = {'\\', (char)c, 0};
        fail(lx, i, "invalid escape \"%s\" (only \\\", \\\\ and \\n)", esc);
        return false;
    } else {
        fail_byte(lx, i, "invalid escape: backslash before byte %s (only \\\", \\\\ and \\n)", c);
        return false;
    }
    return true;
}

static void lex_string(aj_rules_lexer *lx) {
    size_t start = lx->at++;
    lx->str_len = 0;
    for (;;) {
        unsigned char c = byte_at(lx, lx->at);
        if (lx->at >= lx->len || c == '\n') {
            fail(lx, start, "unterminated string (a string ends on its line with \")%s", "");
            return;
        }
        if (c == '"') break;
        char one[4];
        int n = 1;
        if (c == '\\') {
            if (!lex_escape(lx, lx->at, one)) {
                if (lx->kind != AJ_TK_ERROR)
                    fail(lx, start, "unterminated string (a string ends on its line with \")%s", "");
                return;
            }
            lx->at++; /* the backslash; the escaped byte below */
        } else if (c < 0x20 && c != '\t') {
            fail_byte(lx, lx->at, "control character %s in a string", c);
            return;
        } else if (c == 0x7F) {
            fail_byte(lx, lx->at, "control character %s in a string", c);
            return;
        } else {
            n = utf8_len(lx, lx->at);
            if (!n) {
                fail_byte(lx, lx->at, "invalid UTF-8 in a string (byte %s)", c);
                return;
            }
            memcpy(one, lx->text + lx->at, (size_t)n);
        }
        if (lx->str_len + (size_t)n > AJ_RULE_TEXT_MAX - 1) {
            char max[16];
            snprintf(max, sizeof max, "%d", AJ_RULE_TEXT_MAX - 1);
            fail(lx, start, "string too long (at most %s bytes)", max);
            return;
        }
        memcpy(lx->str + lx->str_len, one, (size_t)n);
        lx->str_len += (size_t)n;
        lx->at += (size_t)n;
    }
    lx->at++; /* the closing quote */
    lx->str[lx->str_len] = 0;
    if (!lx->str_len) {
        fail(lx, start, "empty string%s", "");
        return;
    }
    lx->kind = AJ_TK_STRING;
}

static bool lex_punct(aj_rules_lexer *lx, unsigned char c) {
    static const char chars[] = "(),:=";
    static const aj_tk_kind kinds[] = {AJ_TK_LPAREN, AJ_TK_RPAREN, AJ_TK_COMMA, AJ_TK_COLON, AJ_TK_EQ};
    const char *p = c ? strchr(chars, c) : NULL;
    if (p) {
        lx->kind = kinds[p - chars];
        lx->at++;
        return true;
    }
    if (c != '<' && c != '>') return false;
    bool has_eq = byte_at(lx, lx->at + 1) == '=';
    if (c == '<')
        lx->kind = has_eq ? AJ_TK_LE : AJ_TK_LT;
    else
        lx->kind = has_eq ? AJ_TK_GE : AJ_TK_GT;
    lx->at += has_eq ? 2 : 1;
    return true;
}

static void lex_unexpected(aj_rules_lexer *lx, unsigned char c) {
    if (c > 0x20 && c < 0x7F) {
        char ch[2] = {(char)c, 0};
        fail(lx, lx->at, "unexpected character \"%s\"", ch);
    } else if (c >= 0x80) {
        fail_byte(lx, lx->at, "unexpected byte %s (text other than ASCII belongs in a string)", c);
    } else {
        fail_byte(lx, lx->at, "unexpected control character %s", c);
    }
}

/* Skips blanks and a comment; stops at a newline, a token or the end. */
static void skip_space(aj_rules_lexer *lx) {
    for (;;) {
        unsigned char c = byte_at(lx, lx->at);
        if (lx->at >= lx->len) return;
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->at++;
        } else if (c == '#') {
            const char *nl = memchr(lx->text + lx->at, '\n', lx->len - lx->at);
            lx->at = nl ? (size_t)(nl - lx->text) : lx->len;
        } else {
            return;
        }
    }
}

void aj_rules_lex_next(aj_rules_lexer *lx) {
    assert(lx->at <= lx->len);
    if (lx->kind == AJ_TK_EOL && lx->at > 0 && lx->text[lx->at - 1] == '\n') {
        lx->line++; /* the newline was the previous token */
        lx->line_start = lx->at;
    }
    skip_space(lx);
    size_t start = lx->at;
    unsigned char c = byte_at(lx, start);
    lx->pos = pos_of(lx, start);
    lx->s = lx->text + start;
    lx->s_len = 0;
    lx->message[0] = 0;
    if (start >= lx->len) {
        lx->kind = AJ_TK_EOF;
        return;
    }
    if (c == '\n') {
        lx->kind = AJ_TK_EOL;
        lx->at++;
    } else if (is_ident_start(c)) {
        lex_ident(lx);
    } else if (is_digit(c) || (c == '-' && is_digit(byte_at(lx, start + 1)))) {
        lex_number(lx);
    } else if (c == '"') {
        lex_string(lx);
    } else if (!lex_punct(lx, c)) {
        lex_unexpected(lx, c);
    }
    if (lx->kind != AJ_TK_ERROR && lx->kind != AJ_TK_EOL && !lx->s_len) lx->s_len = lx->at - start;
}

void aj_rules_lex_skip_line(aj_rules_lexer *lx) {
    if (lx->kind == AJ_TK_EOL || lx->kind == AJ_TK_EOF) return;
    const char *nl = lx->at < lx->len ? memchr(lx->text + lx->at, '\n', lx->len - lx->at) : NULL;
    lx->at = nl ? (size_t)(nl - lx->text) : lx->len;
    aj_rules_lex_next(lx); /* the newline (or the end) */
}

void aj_rules_lex_describe(const aj_rules_lexer *lx, char *buf, size_t size) {
    static const char *const punct[] = {"(", ")", ",", ":", "=", ">", ">=", "<", "<="};
    switch (lx->kind) {
    case AJ_TK_EOF:
        snprintf(buf, size, "end of file");
        break;
    case AJ_TK_EOL:
        snprintf(buf, size, "end of line");
        break;
    case AJ_TK_IDENT:
        snprintf(buf, size, "\"%.*s\"", (int)lx->s_len, lx->s);
        break;
    case AJ_TK_NUMBER:
        snprintf(buf, size, "number %.*s", (int)lx->s_len, lx->s);
        break;
    case AJ_TK_DURATION:
        snprintf(buf, size, "duration %.*s", (int)lx->s_len, lx->s);
        break;
    case AJ_TK_PERCENT:
        snprintf(buf, size, "percentage %.*s", (int)lx->s_len, lx->s);
        break;
    case AJ_TK_STRING:
        snprintf(buf, size, "a string");
        break;
    case AJ_TK_ERROR:
        snprintf(buf, size, "%s", lx->message);
        break;
    default:
        assert(lx->kind >= AJ_TK_LPAREN && lx->kind <= AJ_TK_LE);
        snprintf(buf, size, "\"%s\"", punct[lx->kind - AJ_TK_LPAREN]);
    }
}
