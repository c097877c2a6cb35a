/* helpers.h — helpers shared by the unit tests (tests/unit/support/, linked into every
 * unit test): a known-good JSON document with one edit, so each case of a data-parser test
 * names only what it changes ("types[1].grades[0].validity_h", "-3"), and the path of a
 * test's data file next to its source. Both fail the running cmocka test on misuse (a path
 * that does not exist in the document, a malformed value). */
#ifndef AJ_TEST_HELPERS_H
#define AJ_TEST_HELPERS_H

/* base with path set to the JSON value (appended when the last index is one past the end
 * of its array) or deleted (value NULL), as text the caller frees. path NULL: base itself
 * (re-serialised). Paths are "key.key[3].key". */
char *aj_test_json_edited(const char *base, const char *path, const char *value);

#include <stddef.h>
/* The path of rel relative to the directory of source file `file` (pass __FILE__), so tests
 * find their data (tests/fuzz/corpus/...) wherever the tree is. */
void aj_test_source_path(char *out, size_t size, const char *file, const char *rel);

#endif
