/* rules_vocab.h — the signal roles of each asset template, for the rules checker.
 *
 * The checker runs without a database (`anjian rules check` on a laptop, the fuzzer), so the
 * roles that src/store/migrations/sqlite/0002_seed_roles_templates.sql seeds into
 * asset_templates.signal_roles_json are repeated here as a const table; docs/plant-file.md
 * section "assets" lists the same. test_rules.c checks that every template of
 * aj_vocab_templates has an entry. */
#ifndef AJ_RULES_VOCAB_H
#define AJ_RULES_VOCAB_H

#include <stdbool.h>

/* The NULL-terminated signal roles of template name, or NULL when it is no template. The
 * lists are static: never freed. */
const char *const *aj_rules_template_roles(const char *template_name);

/* Whether s is an entry of the NULL-terminated list. */
bool aj_rules_vocab_has(const char *const *list, const char *s);

/* Writes "a, b, c" of the NULL-terminated list into buf (size > 0), ending in ", ..." when
 * the whole list does not fit. Always NUL-terminates. */
void aj_rules_vocab_join(const char *const *list, char *buf, int size);

#endif
