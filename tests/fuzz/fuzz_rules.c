/* fuzz_rules.c — libFuzzer harness for the failure-mode rule language (src/reason/rules*.c).
 *
 * Parses the input as a rules file, and once more wrapped into the head and end of a mode
 * on a pump (so that a few statements alone make a valid set far more often than whole
 * files do). A set that parses must satisfy every invariant the
 * evaluator relies on (aj_rules_ok: indexes in range, references to earlier evidence only,
 * bounds, warn < diagnose); it is then merged into an empty set and merged again, which
 * must be refused as a duplicate (or as too many modes). A rejected input must leave 1 to
 * AJ_RULES_ERRORS_MAX errors, sorted by position, each with a position inside the input
 * and a NUL-terminated, non-empty message. ASan/UBSan catch reads out of bounds.
 * Seeds: tests/fuzz/corpus/rules/; dictionary: tests/fuzz/rules.dict.
 */
#include "reason/rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_errors(const aj_rules_errors *errs, const uint8_t *data, size_t size) {
    int n_lines = 1;
    for (size_t i = 0; i < size; i++) n_lines += data[i] == '\n';
    if (errs->n < 1 || errs->n > AJ_RULES_ERRORS_MAX) abort();
    for (int i = 0; i < errs->n; i++) {
        const aj_rules_error *e = &errs->items[i];
        if (e->pos.line < 1 || e->pos.line > n_lines || e->pos.column < 1) abort();
        if ((size_t)e->pos.column > size + 1) abort();
        if (!memchr(e->message, 0, sizeof e->message) || !e->message[0]) abort();
        if (i &&
            (e->pos.line < errs->items[i - 1].pos.line ||
             (e->pos.line == errs->items[i - 1].pos.line && e->pos.column < errs->items[i - 1].pos.column)))
            abort();
    }
}

/* The head of a mode the input is appended to in the second pass ("end" follows it). */
static const char HEAD[] = "mode fz\n  name \"N\" zh \"Z\"\n  on asset centrifugal_pump\n  priority high\n"
                           "  signal t = seal_temp\n  signal v = vib_2x\n";

static void check_text(const uint8_t *data, size_t size) {
    static aj_rules_errors errs;
    aj_rules *set = NULL;
    aj_err e = aj_rules_parse((const char *)data, size, &set, &errs);
    if (e != AJ_OK) {
        if (set || (e != AJ_EINVAL && e != AJ_ETOOBIG)) abort();
        check_errors(&errs, data, size);
        return;
    }
    if (!set || errs.n != 0 || set->n_modes < 1 || !aj_rules_ok(set)) abort();
    aj_rules *all = aj_rules_new(), *again = NULL;
    if (!all) abort();
    int n = set->n_modes;
    if (aj_rules_merge(all, set, &errs) != AJ_OK || all->n_modes != n || set->n_modes != 0) abort();
    if (!aj_rules_ok(all)) abort();
    if (aj_rules_parse((const char *)data, size, &again, NULL) != AJ_OK) abort();
    e = aj_rules_merge(all, again, &errs);
    if ((e != AJ_ECONFLICT && e != AJ_ETOOBIG) || errs.n != 1 || all->n_modes != n || again->n_modes != n)
        abort();
    aj_rules_free(again);
    aj_rules_free(all);
    aj_rules_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_text(data, size);
    size_t n = sizeof HEAD - 1 + size + 5;
    uint8_t *wrapped = malloc(n);
    if (!wrapped) return 0;
    memcpy(wrapped, HEAD, sizeof HEAD - 1);
    memcpy(wrapped + sizeof HEAD - 1, data, size);
    memcpy(wrapped + sizeof HEAD - 1 + size, "\nend\n", 5);
    check_text(wrapped, n);
    free(wrapped);
    return 0;
}
