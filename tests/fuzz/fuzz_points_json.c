/* fuzz_points_json.c — libFuzzer harness for the JSON points batch (src/ingest/points_json.c).
 *
 * Parses the input as JSON the way the endpoint does (duplicate keys rejected) and walks
 * it, checking: every error path starts with "$" (a point's with "$.points[<index>]"),
 * reasons are non-empty ASCII; good points have a non-empty key without control bytes,
 * matching lengths, finite floats and times in range; points come once, in order; the
 * counts add up. The raw input also goes through the RFC 3339 parser (length-bounded,
 * not NUL-terminated), whose results must be in range. Seeds: tests/fuzz/corpus/points_json/.
 */
#include "ingest/lineproto.h"
#include "ingest/points_json.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct check {
    int last_index;
    int n_ok, n_errors;
} check;

static void must(int cond) {
    if (!cond) abort();
}

static aj_err on_point(void *ctx, const aj_pj_point *p) {
    check *c = ctx;
    must(p->index > c->last_index);
    c->last_index = p->index;
    must(p->key_len > 0 && p->key_len <= AJ_PJ_KEY_MAX && strlen(p->key) == p->key_len);
    for (size_t k = 0; k < p->key_len; k++) must((unsigned char)p->key[k] >= 0x20 && p->key[k] != 0x7f);
    must(p->t_ns >= AJ_LP_TIME_NS_MIN && p->t_ns <= AJ_LP_TIME_NS_MAX);
    if (p->type == AJ_VALUE_FLOAT) must(isfinite(p->f));
    if (p->type == AJ_VALUE_STRING) must(strlen(p->s) == p->s_len && p->s_len <= AJ_PJ_STRING_MAX);
    must(p->quality == AJ_QUALITY_GOOD || p->quality == AJ_QUALITY_UNCERTAIN || p->quality == AJ_QUALITY_BAD);
    c->n_ok++;
    return AJ_OK;
}

static aj_err on_error(void *ctx, const aj_pj_error *e) {
    check *c = ctx;
    must(e->path[0] == '$');
    if (e->index >= 0) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "$.points[%d]", e->index);
        must(strncmp(e->path, prefix, strlen(prefix)) == 0);
        must(e->index > c->last_index);
        c->last_index = e->index;
    }
    size_t n = strnlen(e->reason, sizeof e->reason);
    must(n > 0 && n < sizeof e->reason);
    for (size_t k = 0; k < n; k++) must(e->reason[k] >= 0x20 && e->reason[k] < 0x7f);
    c->n_errors++;
    return AJ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t ns;
    if (aj_pj_time_parse((const char *)data, size, &ns))
        must(ns >= AJ_LP_TIME_NS_MIN && ns <= AJ_LP_TIME_NS_MAX);
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!doc) return 0;
    check c = {.last_index = -1};
    aj_pj_callbacks cb = {.ctx = &c, .on_point = on_point, .on_error = on_error};
    aj_pj_stats st;
    aj_err e = aj_pj_parse(doc, &cb, &st);
    must(st.n_ok == c.n_ok && st.n_errors == c.n_errors);
    if (e == AJ_OK)
        must(st.n_errors == 0 && st.n_ok == st.n_points);
    else if (e == AJ_ETOOBIG)
        must(st.n_points == 0 && st.n_errors == 1);
    else
        must(e == AJ_EINVAL && st.n_errors > 0);
    must(st.n_points == st.n_ok + st.n_errors || (st.n_points == 0 && st.n_errors == 1));
    json_decref(doc);
    return 0;
}
