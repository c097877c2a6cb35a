/* lineproto.c — InfluxDB v1 line protocol parser (see lineproto.h, docs/line-protocol.md).
 *
 * How it works: the buffer is cut at each '\n' (a '\r' before it is dropped); each line is
 * parsed left to right in one pass by small scanners, one per part of the syntax:
 *
 *     [ws] measurement (',' tag_key '=' tag_value)* ' '+ field (',' field)* [' '+ time] [ws]
 *
 * Each scanner copies its element unescaped and NUL-terminated into the scratch buffer
 * and advances the position; on the first problem it records the column and the reason
 * and the line is reported to on_error instead of on_line. Tags are then sorted by key
 * (insertion sort: Telegraf already sends them sorted) and duplicates rejected; a field
 * key seen again replaces the earlier value in place (InfluxDB keeps the last one).
 *
 * Invariants: no recursion; one allocation per aj_lp_parse call (the parser with its
 * scratch buffer); scratch use per line <= 2 * line length + 2 because every element
 * costs at least one input byte and unescaping only shrinks; every error column is in
 * 1 .. line length + 1; reasons are ASCII and never quote the input.
 */
#include "ingest/lineproto.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte classes of names (measurement, tag keys and values, field keys). */
enum { C_PLAIN, C_COMMA, C_SPACE, C_EQUALS, C_BACKSLASH, C_CONTROL, C_HIGH };

static const unsigned char CLASS[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
};

#define SCRATCH_BYTES (2 * (size_t)AJ_LP_LINE_MAX + 64)

typedef enum { NAME_MEASUREMENT, NAME_TAG_KEY, NAME_TAG_VALUE, NAME_FIELD_KEY } name_kind;
static const char *const NAME_WHAT[] = {"measurement", "tag key", "tag value", "field key"};

typedef struct parser {
    const char *s; /* the current line */
    size_t n;      /* its length without the line end */
    char *scratch;
    size_t used; /* bytes of scratch used by the current line */
    aj_lp_precision precision;
    aj_lp_error err;
    int tag_columns[AJ_LP_TAGS_MAX]; /* 0-based column of each tag key, for errors */
    aj_lp_line line;
} parser;

/* ---- small helpers -------------------------------------------------------------------- */

static bool fail(parser *P, size_t pos, const char *fmt, ...) {
    P->err.column = (int)pos + 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(P->err.reason, sizeof P->err.reason, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF). */
static bool utf8_ok(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return false;
        }
        if (n - i <= need) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80) return false;
        i += need + 1;
    }
    return true;
}

/* Whether a backslash before c escapes it in a name of this kind. */
static bool is_escapable(unsigned char c, name_kind kind) {
    return c == ',' || c == ' ' || (c == '=' && kind != NAME_MEASUREMENT);
}

/* ---- scanners ------------------------------------------------------------------------- */

/* Scans a name from *pos up to an unescaped ',' or ' ' (or '=' unless a measurement) or
 * the end of the line, copying it unescaped into scratch. Empty names are the caller's
 * to reject (it knows the better reason). */
static bool scan_name(parser *P, size_t *pos, name_kind kind, const char **out, size_t *out_len) {
    const unsigned char *s = (const unsigned char *)P->s;
    size_t n = P->n, i = *pos;
    char *o0 = P->scratch + P->used, *o = o0;
    bool has_high = false;
    while (i < n) {
        unsigned char c = s[i];
        unsigned k = CLASS[c];
        if (k == C_PLAIN) {
            *o++ = (char)c;
            i++;
        } else if (k == C_HIGH) {
            has_high = true;
            *o++ = (char)c;
            i++;
        } else if (k == C_BACKSLASH) {
            if (i + 1 < n && is_escapable(s[i + 1], kind)) {
                *o++ = (char)s[i + 1];
                i += 2;
            } else {
                *o++ = '\\';
                i++;
            }
        } else if (k == C_EQUALS && kind == NAME_MEASUREMENT) {
            *o++ = '=';
            i++;
        } else if (k == C_CONTROL) {
            return fail(P, i, "control character in %s", NAME_WHAT[kind]);
        } else {
            break; /* unescaped ',', ' ' or '=' */
        }
    }
    size_t len = (size_t)(o - o0);
    if (len > AJ_LP_NAME_MAX)
        return fail(P, *pos, "%s longer than %d bytes", NAME_WHAT[kind], AJ_LP_NAME_MAX);
    if (has_high && !utf8_ok((const unsigned char *)o0, len))
        return fail(P, *pos, "%s is not valid UTF-8", NAME_WHAT[kind]);
    *o = 0;
    P->used += len + 1;
    *out = o0;
    *out_len = len;
    *pos = i;
    return true;
}

/* Scans a double-quoted string value; *pos is at the opening quote and ends past the
 * closing one. Inside, \" and \\ are escapes; any other backslash is kept. */
static bool scan_string(parser *P, size_t *pos, aj_lp_field *f) {
    const unsigned char *s = (const unsigned char *)P->s;
    size_t n = P->n, start = *pos, i = start + 1;
    char *o0 = P->scratch + P->used, *o = o0;
    bool has_high = false;
    while (i < n && s[i] != '"') {
        unsigned char c = s[i];
        if (c == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
            *o++ = (char)s[i + 1];
            i += 2;
            continue;
        }
        if (c == 0) return fail(P, i, "NUL byte in string value");
        if (c >= 0x80) has_high = true;
        *o++ = (char)c;
        i++;
    }
    if (i >= n) return fail(P, start, "unterminated string value (no closing '\"')");
    size_t len = (size_t)(o - o0);
    if (len > AJ_LP_STRING_MAX) return fail(P, start, "string value longer than %d bytes", AJ_LP_STRING_MAX);
    if (has_high && !utf8_ok((const unsigned char *)o0, len))
        return fail(P, start, "string value is not valid UTF-8");
    *o = 0;
    P->used += len + 1;
    f->type = AJ_LP_STRING;
    f->s = o0;
    f->s_len = len;
    *pos = i + 1;
    return true;
}

/* Accumulates the decimal digits t[0..n) (n >= 1, all digits) into *out; false on
 * overflow of uint64. */
static bool digits_u64(const char *t, size_t n, uint64_t *out) {
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned d = (unsigned)(t[k] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool all_digits(const char *t, size_t n) {
    if (n == 0) return false;
    for (size_t k = 0; k < n; k++)
        if (!is_digit(t[k])) return false;
    return true;
}

/* -?digits followed by 'i'; t[0..n) excludes the 'i'. */
static bool parse_int(parser *P, size_t pos, const char *t, size_t n, aj_lp_field *f) {
    bool neg = n > 0 && t[0] == '-';
    uint64_t mag;
    if (!all_digits(t + neg, n - neg)) return fail(P, pos, "invalid integer value");
    if (!digits_u64(t + neg, n - neg, &mag) || mag > (uint64_t)INT64_MAX + neg)
        return fail(P, pos, "integer value out of range");
    f->type = AJ_LP_INT;
    f->i = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    return true;
}

/* digits followed by 'u'; t[0..n) excludes the 'u'. */
static bool parse_uint(parser *P, size_t pos, const char *t, size_t n, aj_lp_field *f) {
    if (!all_digits(t, n)) return fail(P, pos, "invalid unsigned integer value");
    if (!digits_u64(t, n, &f->u)) return fail(P, pos, "unsigned integer value out of range");
    f->type = AJ_LP_UINT;
    return true;
}

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* -?(d+(.d*)?|.d+)([eE][+-]?d+)? — checked here; converted exactly by the fast path when
 * the mantissa fits 53 bits and |exponent| <= 22 (one correctly rounded operation),
 * otherwise by strtod on a NUL-terminated copy. Infinite results are rejected. */
static bool parse_float(parser *P, size_t pos, const char *t, size_t n, aj_lp_field *f) {
    size_t k = 0;
    bool neg = t[0] == '-', mant_overflow = false;
    k += neg;
    uint64_t mant = 0;
    int n_digits = 0, exp10 = 0;
    for (; k < n && is_digit(t[k]); k++, n_digits++) {
        if (mant <= (UINT64_MAX - 9) / 10)
            mant = mant * 10 + (unsigned)(t[k] - '0');
        else
            mant_overflow = true;
    }
    if (k < n && t[k] == '.') {
        for (k++; k < n && is_digit(t[k]); k++, n_digits++) {
            if (mant <= (UINT64_MAX - 9) / 10) {
                mant = mant * 10 + (unsigned)(t[k] - '0');
                exp10--;
            } else {
                mant_overflow = true;
            }
        }
    }
    if (n_digits == 0) return fail(P, pos, "invalid float value");
    if (k < n && (t[k] == 'e' || t[k] == 'E')) {
        k++;
        bool eneg = k < n && (t[k] == '-' || t[k] == '+') ? t[k++] == '-' : false;
        if (k >= n || !is_digit(t[k])) return fail(P, pos, "invalid float value");
        int e = 0;
        for (; k < n && is_digit(t[k]); k++)
            if (e < 100000) e = e * 10 + (t[k] - '0');
        exp10 += eneg ? -e : e;
    }
    if (k != n) return fail(P, pos, "invalid float value");
    double v;
    if (!mant_overflow && mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        v = (double)mant;
        v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
        if (neg) v = -v;
    } else {
        char *copy = P->scratch + P->used; /* scratch has room: the token is in the line */
        memcpy(copy, t, n);
        copy[n] = 0;
        v = strtod(copy, NULL);
    }
    if (!isfinite(v)) return fail(P, pos, "float value out of range");
    f->type = AJ_LP_FLOAT;
    f->f = v;
    return true;
}

/* t, T, true, True, TRUE, f, F, false, False, FALSE. */
static bool parse_bool(parser *P, size_t pos, const char *t, size_t n, aj_lp_field *f) {
    static const char *const TRUE_WORDS[] = {"t", "T", "true", "True", "TRUE"};
    static const char *const FALSE_WORDS[] = {"f", "F", "false", "False", "FALSE"};
    for (int k = 0; k < 5; k++) {
        if (strlen(TRUE_WORDS[k]) == n && memcmp(TRUE_WORDS[k], t, n) == 0) {
            f->type = AJ_LP_BOOL;
            f->b = true;
            return true;
        }
        if (strlen(FALSE_WORDS[k]) == n && memcmp(FALSE_WORDS[k], t, n) == 0) {
            f->type = AJ_LP_BOOL;
            f->b = false;
            return true;
        }
    }
    return fail(P, pos, "invalid boolean value");
}

/* Scans a field value at *pos (just past the '='). */
static bool scan_value(parser *P, size_t *pos, aj_lp_field *f) {
    const char *s = P->s;
    size_t n = P->n, i = *pos;
    if (i >= n || s[i] == ',' || s[i] == ' ') return fail(P, i, "missing field value");
    if (s[i] == '"') return scan_string(P, pos, f);
    size_t j = i;
    while (j < n && s[j] != ',' && s[j] != ' ') j++;
    const char *t = s + i;
    size_t len = j - i;
    *pos = j;
    char c = s[i];
    if (is_digit(c) || c == '-' || c == '.') {
        char last = t[len - 1];
        if (last == 'i') return parse_int(P, i, t, len - 1, f);
        if (last == 'u') return parse_uint(P, i, t, len - 1, f);
        return parse_float(P, i, t, len, f);
    }
    if (c == 't' || c == 'T' || c == 'f' || c == 'F') return parse_bool(P, i, t, len, f);
    return fail(P, i, "invalid field value (expected a number, boolean or double-quoted string)");
}

static int64_t precision_ns(aj_lp_precision p) {
    static const int64_t NS[] = {1, 1000, 1000000, 1000000000, 60000000000, 3600000000000};
    return (p >= AJ_LP_NS && p <= AJ_LP_HOUR) ? NS[p] : 1;
}

/* Scans the optional timestamp and trailing blanks from *pos (just past the fields). */
static bool scan_time(parser *P, size_t pos) {
    const char *s = P->s;
    size_t n = P->n, i = pos;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i >= n) return true;
    size_t start = i;
    bool neg = s[i] == '-';
    i += neg;
    while (i < n && s[i] != ' ' && s[i] != '\t') i++;
    const char *t = s + start + neg;
    size_t len = i - start - neg;
    if (!all_digits(t, len)) return fail(P, start, "invalid timestamp (expected an integer)");
    uint64_t mag;
    int64_t v = 0;
    bool ok = digits_u64(t, len, &mag) && mag <= (uint64_t)INT64_MAX;
    if (ok) ok = !__builtin_mul_overflow(neg ? -(int64_t)mag : (int64_t)mag, precision_ns(P->precision), &v);
    if (!ok || v < AJ_LP_TIME_NS_MIN || v > AJ_LP_TIME_NS_MAX)
        return fail(P, start, "timestamp out of range");
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i < n) return fail(P, i, "unexpected text after the timestamp");
    P->line.t_ns = v;
    P->line.has_time = true;
    return true;
}

/* ---- line ----------------------------------------------------------------------------- */

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb) {
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* Sorts the tags by key (insertion sort, stable) and rejects duplicate keys. */
static bool sort_tags(parser *P) {
    aj_lp_line *L = &P->line;
    for (int i = 1; i < L->n_tags; i++) {
        aj_lp_tag t = L->tags[i];
        int col = P->tag_columns[i], j = i;
        while (j > 0 && cmp_bytes(L->tags[j - 1].key, L->tags[j - 1].key_len, t.key, t.key_len) > 0) {
            L->tags[j] = L->tags[j - 1];
            P->tag_columns[j] = P->tag_columns[j - 1];
            j--;
        }
        L->tags[j] = t;
        P->tag_columns[j] = col;
    }
    for (int i = 1; i < L->n_tags; i++) {
        const aj_lp_tag *a = &L->tags[i - 1], *b = &L->tags[i];
        if (a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0) {
            int col = P->tag_columns[i] > P->tag_columns[i - 1] ? P->tag_columns[i] : P->tag_columns[i - 1];
            return fail(P, (size_t)col, "duplicate tag key");
        }
    }
    return true;
}

/* Scans ',' tag_key '=' tag_value pairs; *pos is at the ',' after the measurement. */
static bool scan_tags(parser *P, size_t *pos) {
    aj_lp_line *L = &P->line;
    const char *s = P->s;
    size_t n = P->n, i = *pos;
    while (i < n && s[i] == ',') {
        i++;
        if (L->n_tags >= AJ_LP_TAGS_MAX) return fail(P, i, "more than %d tags", AJ_LP_TAGS_MAX);
        aj_lp_tag *t = &L->tags[L->n_tags];
        size_t key_pos = i;
        if (!scan_name(P, &i, NAME_TAG_KEY, &t->key, &t->key_len)) return false;
        if (t->key_len == 0) return fail(P, key_pos, "missing tag key");
        if (i >= n || s[i] != '=') return fail(P, i, "missing tag value (tag key without '=')");
        i++;
        size_t value_pos = i;
        if (!scan_name(P, &i, NAME_TAG_VALUE, &t->value, &t->value_len)) return false;
        if (i < n && s[i] == '=') return fail(P, i, "unescaped '=' in tag value");
        if (t->value_len == 0) return fail(P, value_pos, "missing tag value");
        P->tag_columns[L->n_tags++] = (int)key_pos;
    }
    *pos = i;
    return true;
}

/* Adds f, or replaces the value of an earlier field of the same key (last one wins). */
static void add_field(aj_lp_line *L, const aj_lp_field *f) {
    for (int k = 0; k < L->n_fields; k++) {
        aj_lp_field *g = &L->fields[k];
        if (g->key_len == f->key_len && memcmp(g->key, f->key, f->key_len) == 0) {
            const char *key = g->key;
            *g = *f;
            g->key = key;
            return;
        }
    }
    L->fields[L->n_fields++] = *f;
}

/* Scans field (',' field)*; *pos is at the first byte of the first field key. */
static bool scan_fields(parser *P, size_t *pos) {
    aj_lp_line *L = &P->line;
    const char *s = P->s;
    size_t n = P->n, i = *pos;
    for (;;) {
        aj_lp_field f;
        memset(&f, 0, sizeof f);
        size_t key_pos = i;
        if (!scan_name(P, &i, NAME_FIELD_KEY, &f.key, &f.key_len)) return false;
        if (f.key_len == 0) return fail(P, key_pos, "missing field key");
        if (i >= n || s[i] != '=') return fail(P, i, "missing field value (field key without '=')");
        i++;
        if (!scan_value(P, &i, &f)) return false;
        if (L->n_fields >= AJ_LP_FIELDS_MAX) {
            bool is_dup = false;
            for (int k = 0; k < L->n_fields && !is_dup; k++)
                is_dup = L->fields[k].key_len == f.key_len && memcmp(L->fields[k].key, f.key, f.key_len) == 0;
            if (!is_dup) return fail(P, key_pos, "more than %d fields", AJ_LP_FIELDS_MAX);
        }
        add_field(L, &f);
        if (i >= n || s[i] == ' ') break;
        if (s[i] != ',') return fail(P, i, "unexpected character after field value");
        i++;
    }
    *pos = i;
    return true;
}

/* Parses the line P->s[0..P->n) (not blank, not a comment) into P->line. */
static bool parse_line(parser *P, int64_t default_t_ns) {
    aj_lp_line *L = &P->line;
    const char *s = P->s;
    size_t n = P->n, i = 0;
    L->n_tags = 0;
    L->n_fields = 0;
    L->has_time = false;
    L->t_ns = default_t_ns;
    P->used = 0;
    if (n > AJ_LP_LINE_MAX) return fail(P, AJ_LP_LINE_MAX, "line longer than %d bytes", AJ_LP_LINE_MAX);
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i < n && s[i] == ',') return fail(P, i, "missing measurement");
    if (!scan_name(P, &i, NAME_MEASUREMENT, &L->measurement, &L->measurement_len)) return false;
    if (!scan_tags(P, &i)) return false;
    if (!sort_tags(P)) return false;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i >= n) return fail(P, n, "missing fields");
    if (!scan_fields(P, &i)) return false;
    return scan_time(P, i);
}

/* ---- public --------------------------------------------------------------------------- */

static int64_t truncate_ns(int64_t t, int64_t unit) {
    int64_t r = ((t % unit) + unit) % unit, out;
    return __builtin_sub_overflow(t, r, &out) ? t : out;
}

aj_err aj_lp_parse(const char *buf, size_t len, aj_lp_precision precision, int64_t default_t_ns,
                   const aj_lp_callbacks *cb, aj_lp_stats *stats) {
    aj_lp_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (len > INT_MAX) return AJ_ETOOBIG;
    parser *P = malloc(sizeof *P);
    /* a line's copies take at most 2 * its length + 2 bytes (and the line at most len) */
    char *scratch = malloc(len < AJ_LP_LINE_MAX ? 2 * len + 64 : SCRATCH_BYTES);
    if (!P || !scratch) {
        free(P);
        free(scratch);
        return AJ_ENOMEM;
    }
    P->scratch = scratch;
    P->precision = precision;
    int64_t default_t = truncate_ns(default_t_ns, precision_ns(precision));
    aj_err rc = AJ_OK;
    size_t pos = 0;
    while (pos < len && rc == AJ_OK) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t next = nl ? end + 1 : len;
        size_t n = end - pos;
        if (n > 0 && buf[end - 1] == '\r') n--;
        stats->n_lines++;
        P->s = buf + pos;
        P->n = n;
        pos = next;
        size_t k = 0;
        while (k < n && (P->s[k] == ' ' || P->s[k] == '\t')) k++;
        if (k == n || P->s[k] == '#') {
            stats->n_skipped++;
            continue;
        }
        P->line.line_no = stats->n_lines;
        if (parse_line(P, default_t)) {
            stats->n_ok++;
            stats->n_fields += P->line.n_fields;
            if (cb && cb->on_line) rc = cb->on_line(cb->ctx, &P->line);
        } else {
            stats->n_errors++;
            P->err.line = stats->n_lines;
            if (cb && cb->on_error) rc = cb->on_error(cb->ctx, &P->err);
        }
    }
    free(scratch);
    free(P);
    if (rc != AJ_OK) return rc;
    return stats->n_errors ? AJ_EINVAL : AJ_OK;
}

aj_err aj_lp_precision_parse(const char *s, aj_lp_precision *out) {
    static const struct {
        const char *name;
        aj_lp_precision p;
    } NAMES[] = {{"", AJ_LP_NS},   {"n", AJ_LP_NS}, {"ns", AJ_LP_NS}, {"u", AJ_LP_US},  {"us", AJ_LP_US},
                 {"ms", AJ_LP_MS}, {"s", AJ_LP_S},  {"m", AJ_LP_MIN}, {"h", AJ_LP_HOUR}};
    if (!s) s = "";
    for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++) {
        if (strcmp(s, NAMES[k].name) == 0) {
            *out = NAMES[k].p;
            return AJ_OK;
        }
    }
    return AJ_EINVAL;
}

static bool put(char *out, size_t outlen, size_t *o, const char *p, size_t n) {
    if (n >= outlen - *o) return false;
    memcpy(out + *o, p, n);
    *o += n;
    return true;
}

bool aj_lp_tag_key(const aj_lp_line *L, int field_index, char *out, size_t outlen) {
    if (outlen == 0) return false;
    out[0] = 0;
    if (field_index < 0 || field_index >= L->n_fields) return false;
    const aj_lp_field *f = &L->fields[field_index];
    const aj_lp_tag *aj_key = NULL;
    for (int k = 0; k < L->n_tags && !aj_key; k++)
        if (L->tags[k].key_len == 6 && memcmp(L->tags[k].key, "aj_key", 6) == 0) aj_key = &L->tags[k];
    bool is_value = f->key_len == 5 && memcmp(f->key, "value", 5) == 0;
    size_t o = 0;
    bool ok;
    if (aj_key) {
        ok = put(out, outlen, &o, aj_key->value, aj_key->value_len);
    } else {
        ok = put(out, outlen, &o, L->measurement, L->measurement_len);
        for (int k = 0; ok && k < L->n_tags; k++) {
            ok = put(out, outlen, &o, ".", 1) && put(out, outlen, &o, L->tags[k].value, L->tags[k].value_len);
        }
    }
    if (ok && !is_value) ok = put(out, outlen, &o, ".", 1) && put(out, outlen, &o, f->key, f->key_len);
    out[ok ? o : 0] = 0;
    return ok;
}

bool aj_lp_field_value(const aj_lp_field *f, double *value, aj_value_type *type) {
    switch (f->type) {
    case AJ_LP_FLOAT:
        *value = f->f, *type = AJ_VALUE_FLOAT;
        return true;
    case AJ_LP_INT:
        *value = (double)f->i, *type = AJ_VALUE_INT;
        return true;
    case AJ_LP_UINT:
        *value = (double)f->u, *type = AJ_VALUE_INT;
        return true;
    case AJ_LP_BOOL:
        *value = f->b ? 1 : 0, *type = AJ_VALUE_BOOL;
        return true;
    default:
        return false;
    }
}
