/* rules_lex.h — the tokenizer of the rules language (rules_lex.c), used by rules.c only.
 *
 * Lazy and line-oriented: each call to aj_rules_lex_next yields one token of the current
 * line, then AJ_TK_EOL at its end (a newline never sits inside a token), then the next
 * line's tokens, and AJ_TK_EOF at the end of the text. Comments and blanks are skipped.
 * It reads only the len bytes given (no NUL terminator needed), allocates nothing and
 * never fails: bad input yields an AJ_TK_ERROR token with a message at the offending byte.
 */
#ifndef AJ_RULES_LEX_H
#define AJ_RULES_LEX_H

#include "reason/rules.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    AJ_TK_EOF,
    AJ_TK_EOL,
    AJ_TK_IDENT,    /* s/len: the identifier, at most AJ_RULE_ID_MAX - 1 bytes */
    AJ_TK_NUMBER,   /* num: a finite value */
    AJ_TK_DURATION, /* num: the number as written; span_ns: in 1 .. AJ_RULE_SPAN_MAX_NS, or
                     * -1 when not positive, -2 when longer than 7 d (the parser reports it) */
    AJ_TK_PERCENT,  /* num: the number before the % */
    AJ_TK_STRING,   /* str/str_len: decoded, valid UTF-8, 1 .. AJ_RULE_TEXT_MAX - 1 bytes */
    AJ_TK_LPAREN,
    AJ_TK_RPAREN,
    AJ_TK_COMMA,
    AJ_TK_COLON,
    AJ_TK_EQ,
    AJ_TK_GT,
    AJ_TK_GE,
    AJ_TK_LT,
    AJ_TK_LE,
    AJ_TK_ERROR /* message: what is wrong; pos: where */
} aj_tk_kind;

typedef struct aj_rules_lexer {
    const char *text;
    size_t len, at;    /* next byte to read */
    size_t line_start; /* offset of the current line's first byte */
    int line;          /* 1-based number of the current line */
    /* the current token */
    aj_tk_kind kind;
    aj_rule_pos pos; /* of its first byte (of the offending byte for AJ_TK_ERROR) */
    const char *s;   /* its raw bytes in text */
    size_t s_len;
    double num;
    int64_t span_ns;
    char str[AJ_RULE_TEXT_MAX]; /* AJ_TK_STRING: the decoded string, NUL-terminated */
    size_t str_len;
    char message[160];
} aj_rules_lexer;

void aj_rules_lex_init(aj_rules_lexer *lx, const char *text, size_t len);
/* Reads the next token into lx. */
void aj_rules_lex_next(aj_rules_lexer *lx);
/* Skips the rest of the current line; the next token is the first of the next line. */
void aj_rules_lex_skip_line(aj_rules_lexer *lx);
/* Writes a short description of the current token for messages: "\"foo\"", "number 12",
 * "a string", "\"(\"", "end of line", ... */
void aj_rules_lex_describe(const aj_rules_lexer *lx, char *buf, size_t size);

#endif
