/* fuzz_lineproto.c — libFuzzer harness for the line protocol parser (src/ingest/lineproto.c).
 *
 * Parses the input twice (ns, and the precision chosen by the first byte) and checks
 * what the parser promises: every error names an existing line and a column within it
 * (1 .. length + 1), reasons are printable ASCII; every good line has a measurement,
 * 1..AJ_LP_FIELDS_MAX fields with unique keys, tags sorted with unique keys, lengths
 * that match the NUL-terminated copies, finite floats and times in range; lines are
 * reported once, in order; the counts add up. The tag key mapping runs on every field
 * with a small and a large buffer. Seeds: tests/fuzz/corpus/lineproto/, dictionary
 * tests/fuzz/lineproto.dict.
 */
#include "ingest/lineproto.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct check {
    const char *buf;
    size_t len;
    size_t *line_len; /* length of each line without its line end */
    int n_lines;
    int last_line; /* last line reported, to check order */
    int n_ok, n_errors;
} check;

static void must(int cond) {
    if (!cond) abort();
}

static aj_err on_error(void *ctx, const aj_lp_error *e) {
    check *c = ctx;
    must(e->line > c->last_line && e->line <= c->n_lines);
    c->last_line = e->line;
    must(e->column >= 1 && (size_t)e->column <= c->line_len[e->line - 1] + 1);
    size_t n = strnlen(e->reason, sizeof e->reason);
    must(n > 0 && n < sizeof e->reason);
    for (size_t k = 0; k < n; k++) must(e->reason[k] >= 0x20 && e->reason[k] < 0x7f);
    c->n_errors++;
    return AJ_OK;
}

static aj_err on_line(void *ctx, const aj_lp_line *L) {
    check *c = ctx;
    must(L->line_no > c->last_line && L->line_no <= c->n_lines);
    c->last_line = L->line_no;
    must(L->measurement_len > 0 && L->measurement_len <= AJ_LP_NAME_MAX);
    must(strlen(L->measurement) == L->measurement_len);
    must(L->n_tags >= 0 && L->n_tags <= AJ_LP_TAGS_MAX);
    for (int k = 0; k < L->n_tags; k++) {
        const aj_lp_tag *t = &L->tags[k];
        must(t->key_len > 0 && strlen(t->key) == t->key_len && t->key_len <= AJ_LP_NAME_MAX);
        must(t->value_len > 0 && strlen(t->value) == t->value_len && t->value_len <= AJ_LP_NAME_MAX);
        if (k > 0) must(strcmp(L->tags[k - 1].key, t->key) < 0); /* no NUL inside: strcmp is exact */
    }
    must(L->n_fields >= 1 && L->n_fields <= AJ_LP_FIELDS_MAX);
    char small[16], big[8 * AJ_LP_NAME_MAX];
    for (int k = 0; k < L->n_fields; k++) {
        const aj_lp_field *f = &L->fields[k];
        must(f->key_len > 0 && strlen(f->key) == f->key_len);
        for (int j = 0; j < k; j++) must(strcmp(L->fields[j].key, f->key) != 0);
        if (f->type == AJ_LP_FLOAT) must(isfinite(f->f));
        if (f->type == AJ_LP_STRING) must(strlen(f->s) == f->s_len && f->s_len <= AJ_LP_STRING_MAX);
        if (aj_lp_tag_key(L, k, small, sizeof small))
            must(strlen(small) < sizeof small);
        else
            must(small[0] == 0);
        if (aj_lp_tag_key(L, k, big, sizeof big)) must(strlen(big) < sizeof big);
    }
    if (L->has_time) must(L->t_ns >= AJ_LP_TIME_NS_MIN && L->t_ns <= AJ_LP_TIME_NS_MAX);
    c->n_ok++;
    return AJ_OK;
}

static void run(const char *buf, size_t len, size_t *line_len, int n_lines, aj_lp_precision prec) {
    check c = {.buf = buf, .len = len, .line_len = line_len, .n_lines = n_lines};
    aj_lp_callbacks cb = {.ctx = &c, .on_line = on_line, .on_error = on_error};
    aj_lp_stats st;
    aj_err e = aj_lp_parse(buf, len, prec, 1700000000123456789LL, &cb, &st);
    must(e == (st.n_errors ? AJ_EINVAL : AJ_OK));
    must(st.n_lines == n_lines && st.n_lines == st.n_skipped + st.n_ok + st.n_errors);
    must(st.n_ok == c.n_ok && st.n_errors == c.n_errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *buf = (const char *)data;
    int n_lines = 0;
    for (size_t k = 0; k < size; k++) n_lines += data[k] == '\n';
    if (size > 0 && data[size - 1] != '\n') n_lines++;
    size_t *line_len = malloc(sizeof *line_len * (size_t)(n_lines + 1));
    if (!line_len) abort();
    size_t start = 0;
    for (int k = 0; k < n_lines; k++) {
        const char *nl = memchr(buf + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - buf) : size;
        line_len[k] = end - start - (end > start && buf[end - 1] == '\r');
        start = end + 1;
    }
    run(buf, size, line_len, n_lines, AJ_LP_NS);
    if (size > 0) run(buf, size, line_len, n_lines, (aj_lp_precision)(data[0] % 6));
    free(line_len);
    return 0;
}
