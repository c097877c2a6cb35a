/* helpers.h — helpers shared by the unit tests (tests/unit/support/, linked into every
 * unit test): a known-good JSON document with one edit, so each case of a data-parser test
 * names only what it changes ("types[1].grades[0].validity_h", "-3"), the path of a
 * test's data file next to its source, and the replay of a fuzz corpus (every file of
 * tests/fuzz/corpus/NAME/ through one parser check). Both fail the running cmocka test on misuse (a path
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

#include <stdbool.h>
/* A corpus directory holds at most this many files (a bound on the replay, not a limit
 * anyone should reach: the seed corpora have tens). */
#define AJ_TEST_CORPUS_FILES_MAX 10000

/* Called once per corpus file with its name (no directory), its bytes and their length
 * (at most max_bytes + 1, so a parser can see that a file is too large; the bytes are not
 * NUL-terminated) and ctx. Returns whether the input parsed; the function itself asserts
 * what must hold either way (a valid result passes its invariant checker, a refusal has a
 * message). */
typedef bool (*aj_test_corpus_fn)(const char *name, const char *bytes, size_t len, void *ctx);

/* The fuzz-corpus replay: calls fn for every regular file of directory rel (relative to
 * the directory of source file `file`: pass __FILE__) in name order, skipping dot files.
 * Returns the number of files, -1 when the directory cannot be opened (the caller decides:
 * skip() or fail), and sets *n_valid (may be NULL) to the number for which fn returned
 * true. Prints "fuzz corpus REL: N inputs, M valid". Fails the running test on a file that
 * cannot be read or more than AJ_TEST_CORPUS_FILES_MAX files. */
int aj_test_corpus_each(const char *file, const char *rel, size_t max_bytes, aj_test_corpus_fn fn, void *ctx,
                        int *n_valid);

#endif
