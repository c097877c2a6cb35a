/* lineproto.h — parser of InfluxDB v1 line protocol (the body of POST /write).
 *
 * Pure: no I/O, no allocation per line or field (one heap block per aj_lp_parse call).
 * The accepted syntax, the types, the precisions, the error reporting and the few ways
 * this differs from InfluxDB 1.x are in docs/line-protocol.md.
 *
 *     measurement[,tag_key=tag_value...] field_key=field_value[,...] [timestamp]
 *
 * aj_lp_parse() walks a buffer line by line and calls on_line for each valid line and
 * on_error for each invalid one, then goes on with the next line. Every string a line
 * hands out (measurement, tag keys and values, field keys, string values) is an
 * unescaped, NUL-terminated copy in the parser's scratch buffer, valid only during the
 * on_line call; copy what must outlive it.
 */
#ifndef AJ_LINEPROTO_H
#define AJ_LINEPROTO_H

#include "base/err.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- bounds (to move into base/limits.h) ---------------------------------------------- */

/* Bytes of one line (without its line end). Telegraf's lines are well under 4 KiB; this
 * leaves room for a full tag set and a string field of AJ_LP_STRING_MAX. Longer lines are
 * reported as an error and skipped; the scratch buffer of a parse is twice this size. */
#define AJ_LP_LINE_MAX (256 * 1024)
/* Tags per line. Telegraf's widest inputs (docker, kubernetes) carry ~20 tags. */
#define AJ_LP_TAGS_MAX 64
/* Fields per line. Telegraf's mysql/nstat inputs send a few hundred fields per line. */
#define AJ_LP_FIELDS_MAX 1024
/* Bytes of a measurement, tag key, tag value or field key (after unescaping). anjian tag
 * keys are built from these and must stay short enough to index and show. */
#define AJ_LP_NAME_MAX 1024
/* Bytes of a string field value (after unescaping): InfluxDB 1.x's limit, 64 KiB - 1. */
#define AJ_LP_STRING_MAX 65535
/* Timestamps in ns accepted, as in InfluxDB 1.x (models.MinNanoTime / MaxNanoTime). */
#define AJ_LP_TIME_NS_MIN (INT64_MIN + 2)
#define AJ_LP_TIME_NS_MAX (INT64_MAX - 1)

/* ---- types ---------------------------------------------------------------------------- */

typedef enum { AJ_LP_FLOAT, AJ_LP_INT, AJ_LP_UINT, AJ_LP_BOOL, AJ_LP_STRING } aj_lp_type;

/* Unit of the timestamps of a request (?precision= of /write). */
typedef enum { AJ_LP_NS, AJ_LP_US, AJ_LP_MS, AJ_LP_S, AJ_LP_MIN, AJ_LP_HOUR } aj_lp_precision;

typedef struct aj_lp_field {
    const char *key; /* unescaped, NUL-terminated */
    size_t key_len;
    aj_lp_type type;
    double f;      /* AJ_LP_FLOAT (always finite) */
    int64_t i;     /* AJ_LP_INT */
    uint64_t u;    /* AJ_LP_UINT */
    bool b;        /* AJ_LP_BOOL */
    const char *s; /* AJ_LP_STRING: unescaped, NUL-terminated (may hold no NUL itself) */
    size_t s_len;
} aj_lp_field;

typedef struct aj_lp_tag {
    const char *key, *value; /* unescaped, NUL-terminated */
    size_t key_len, value_len;
} aj_lp_tag;

typedef struct aj_lp_line {
    const char *measurement; /* unescaped, NUL-terminated */
    size_t measurement_len;
    int n_tags;
    aj_lp_tag tags[AJ_LP_TAGS_MAX]; /* sorted by key, byte-wise; keys unique */
    int n_fields;
    aj_lp_field fields[AJ_LP_FIELDS_MAX]; /* in line order; keys unique (last value wins) */
    int64_t t_ns;                         /* event time in ns */
    bool has_time;                        /* false: t_ns is the default time */
    int line_no;                          /* 1-based */
} aj_lp_line;

typedef struct aj_lp_error {
    int line;         /* 1-based */
    int column;       /* 1-based byte offset in the line; at most line length + 1 */
    char reason[160]; /* English, ASCII only, never quotes the input */
} aj_lp_error;

/* Both callbacks may be NULL. A callback that returns anything but AJ_OK stops the
 * parse, and aj_lp_parse returns that code. */
typedef struct aj_lp_callbacks {
    void *ctx;
    aj_err (*on_line)(void *ctx, const aj_lp_line *line);
    aj_err (*on_error)(void *ctx, const aj_lp_error *err);
} aj_lp_callbacks;

typedef struct aj_lp_stats {
    int n_lines;      /* lines seen, including blank and comment lines */
    int n_skipped;    /* blank and comment lines */
    int n_ok;         /* lines delivered to on_line */
    int n_errors;     /* lines delivered to on_error */
    int64_t n_fields; /* fields of the lines delivered to on_line */
} aj_lp_stats;

/* ---- functions ------------------------------------------------------------------------ */

/* Parses buf (len bytes; need not be NUL-terminated). Lines without a timestamp get
 * default_t_ns truncated to the precision (as InfluxDB does). stats (may be NULL) is
 * zeroed first; n_lines == n_skipped + n_ok + n_errors always holds.
 * Returns AJ_OK when every line parsed, AJ_EINVAL when at least one line was bad (all
 * lines were still processed), AJ_ETOOBIG when len > INT_MAX, AJ_ENOMEM, or the code of a
 * callback that stopped the parse. */
aj_err aj_lp_parse(const char *buf, size_t len, aj_lp_precision precision, int64_t default_t_ns,
                   const aj_lp_callbacks *cb, aj_lp_stats *stats);

/* "n"/"ns", "u"/"us", "ms", "s", "m", "h"; NULL or "" mean ns (as /write without
 * ?precision=). Anything else is AJ_EINVAL. */
aj_err aj_lp_precision_parse(const char *s, aj_lp_precision *out);

/* The anjian tag key of line->fields[field_index] (see docs/line-protocol.md):
 *  - the line has a tag aj_key=K: K for field "value", else K.<field>;
 *  - otherwise <measurement>, then .<tag value> per tag in key order (aj_key excluded),
 *    then .<field> unless the field is "value".
 * Writes it NUL-terminated into out; false when it does not fit in outlen bytes (out is
 * then ""). */
bool aj_lp_tag_key(const aj_lp_line *line, int field_index, char *out, size_t outlen);

/* The tag value a field carries (docs/line-protocol.md "Types"): float as is, integers
 * (i and u) as doubles typed AJ_VALUE_INT, booleans as 0/1 typed AJ_VALUE_BOOL. false for
 * a string field: strings are not stored as tag values. */
bool aj_lp_field_value(const aj_lp_field *field, double *value, aj_value_type *type);

#endif
