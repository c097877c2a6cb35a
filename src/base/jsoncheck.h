/* jsoncheck.h — strict reading of a JSON document with precise error messages, shared by
 * the loaders of data files (permit catalogue, risk bands, major hazard table).
 *
 * Every check takes the JSONPath of the value it looks at ("$.types[2].code") and, on a
 * problem, records "PATH: message" as the first error of the checker; later errors are
 * ignored, so callers just return the code they get and the first problem in reading
 * order is the one reported. User text in messages goes through aj_jc_quote, so a
 * message stays short, printable and valid UTF-8 whatever the file holds.
 */
#ifndef AJ_JSONCHECK_H
#define AJ_JSONCHECK_H

#include "base/arena.h"
#include "base/err.h"
#include "base/limits.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* One reading of one document. Embedded and set up by the caller, e.g.
 * aj_jc c = {.arena = a, .err = err, .errlen = errlen}; nothing to clear. */
typedef struct aj_jc {
    aj_arena *arena; /* where aj_jc_string copies strings; NULL: they stay in the document */
    char *err;       /* the caller's buffer for the first error */
    size_t errlen;
    aj_err first; /* first error; AJ_OK while none */
} aj_jc;

/* What a key of an object must hold. */
typedef enum aj_jc_kind {
    AJ_JC_STRING,
    AJ_JC_INTEGER,
    AJ_JC_NUMBER, /* integer or real */
    AJ_JC_BOOL,
    AJ_JC_OBJECT,
    AJ_JC_ARRAY,
} aj_jc_kind;

/* One allowed key of an object. */
typedef struct aj_jc_key {
    const char *key;
    aj_jc_kind kind;
    bool is_required;
} aj_jc_key;

/* Records "PATH: message" as the first error (if none yet) and returns code. */
aj_err aj_jc_fail(aj_jc *c, aj_err code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reports AJ_ENOMEM ("out of memory") at path when p is NULL. */
aj_err aj_jc_nomem(aj_jc *c, const void *p, const char *path);

/* out = base + printf(fmt, ...), e.g. aj_jc_path(out, "$.types", "[%d]", i). */
void aj_jc_path(char out[AJ_JC_PATH_LEN], const char *base, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* s made safe for quoting in a message: at most AJ_JC_QUOTE_BYTES bytes (cut at a UTF-8
 * boundary, "..." added), quotes, backslashes and control characters escaped. Returns buf. */
const char *aj_jc_quote(const char *s, char buf[AJ_JC_QUOTE_LEN]);
/* v as short as it can be written and still read back the same: 70, 0.5, 70.000001,
 * 0.19999999999999996 (so a message never shows two different numbers alike). Returns buf. */
const char *aj_jc_num(double v, char buf[AJ_JC_NUM_LEN]);
/* "an object", "a string", ... for messages. */
const char *aj_jc_kind_of(const json_t *j);

/* Checks that j is an object whose keys are all in keys (the first unknown key in
 * document order is reported), that every required key is present and that each present
 * key holds its kind (both in table order). */
aj_err aj_jc_object(aj_jc *c, const json_t *j, const char *path, const aj_jc_key *keys, int n_keys);
/* Checks that the array j has n_min to n_max items (more than n_max: AJ_ETOOBIG); what
 * names the items in messages ("types"). */
aj_err aj_jc_count(aj_jc *c, const json_t *j, const char *path, const char *what, int n_min, int n_max);
/* Checks that the string j is non-empty, holds no NUL and has at most max_len bytes, and
 * sets *out to a copy in c->arena or, without an arena, to j's own string (valid while
 * j is). A j that is not a string is reported as holding a NUL: check kinds first. */
aj_err aj_jc_string(aj_jc *c, const json_t *j, const char *path, size_t max_len, const char **out);
/* Reads {"en": "...", "zh": "..."} (both strings as aj_jc_string reads them). */
aj_err aj_jc_text(aj_jc *c, const json_t *j, const char *path, size_t max_len, const char **en,
                  const char **zh);
/* Checks $.format and $.version of doc (already known to be a string and an integer)
 * against the format name and the version this build reads. */
aj_err aj_jc_format_version(aj_jc *c, const json_t *doc, const char *format, int version);

#endif
