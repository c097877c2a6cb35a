/* store.h — the storage interface: a pool of connections to SQLite or PostgreSQL.
 *
 * SQL is written once, portable between the two backends, with `?` placeholders
 * (the PostgreSQL backend rewrites them to $1..$n). Results are materialised into an
 * aj_result (bounded by the LIMIT of the query) so callers never hold a cursor open.
 *
 * Ownership: aj_store_open() returns a pool the caller frees with aj_store_free().
 * aj_store_acquire() lends one connection to one thread until aj_store_release().
 * aj_db_query() returns an aj_result the caller frees with aj_result_free().
 * Text passed in aj_val is borrowed for the duration of the call only.
 *
 * Transactions: aj_db_begin() starts a *write* transaction (SQLite: BEGIN IMMEDIATE,
 * which takes the write lock up front so the audit chain is never forked); every
 * multi-row write happens between begin and commit; rollback on any error.
 */
#ifndef AJ_STORE_H
#define AJ_STORE_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { AJ_DB_SQLITE, AJ_DB_POSTGRES } aj_db_kind;

typedef enum { AJ_V_NULL, AJ_V_INT, AJ_V_DOUBLE, AJ_V_TEXT, AJ_V_BLOB } aj_val_type;

/* One SQL parameter or result cell. For AJ_V_TEXT, s is NUL-terminated; for AJ_V_BLOB,
 * s points at len bytes (SQLite BLOB, PostgreSQL BYTEA). */
typedef struct aj_val {
    aj_val_type type;
    int64_t i;
    double d;
    const char *s;
    size_t len;
} aj_val;

#define AJ_VINT(x) ((aj_val){.type = AJ_V_INT, .i = (int64_t)(x)})
#define AJ_VDBL(x) ((aj_val){.type = AJ_V_DOUBLE, .d = (double)(x)})
/* Text parameter; NULL text becomes SQL NULL. */
static inline aj_val aj_vtext(const char *s) {
    aj_val v = {.type = s ? AJ_V_TEXT : AJ_V_NULL, .s = s};
    return v;
}
#define AJ_VTEXT(x)    aj_vtext(x)
#define AJ_VNULL       ((aj_val){.type = AJ_V_NULL})
#define AJ_VBLOB(p, n) ((aj_val){.type = AJ_V_BLOB, .s = (const char *)(p), .len = (n)})

/* ---- results ---------------------------------------------------------------------- */

typedef struct aj_result aj_result;

int aj_result_rows(const aj_result *r);
int aj_result_cols(const aj_result *r);
const char *aj_result_col_name(const aj_result *r, int col);
bool aj_result_is_null(const aj_result *r, int row, int col);
/* Integer value (0 for NULL; text is parsed). */
int64_t aj_result_int(const aj_result *r, int row, int col);
double aj_result_double(const aj_result *r, int row, int col);
/* Bytes of a BLOB/BYTEA cell (NULL and *len 0 for other types). Borrowed from the result. */
const void *aj_result_blob(const aj_result *r, int row, int col, size_t *len);
/* Text value or NULL for SQL NULL; numbers are rendered. Borrowed from the result. */
const char *aj_result_text(const aj_result *r, int row, int col);
/* The row as a JSON object keyed by column name. Integers become JSON integers, reals
 * JSON reals, text strings, NULL null. A column whose name ends in "_json" holds JSON
 * text and is parsed into the key without the suffix (e.g. polygon_json -> polygon).
 * Columns ending in "_bool" become true/false under the name without the suffix.
 * Columns ending in "_ms" hold epoch milliseconds and become RFC 3339 strings under the
 * name without the suffix. Caller owns the returned object. */
json_t *aj_result_row_json(const aj_result *r, int row);
void aj_result_free(aj_result *r);

/* Builder used by the backends. */
aj_result *aj_result_new(int n_cols);
aj_err aj_result_set_col_name(aj_result *r, int col, const char *name);
/* Appends a row of n_cols cells (copied). */
aj_err aj_result_add_row(aj_result *r, const aj_val *cells);

/* ---- connections -------------------------------------------------------------------- */

typedef struct aj_db aj_db;

/* Backend operations (a plug-in point). All return AJ_OK or an error with the message
 * available from aj_db_errmsg(). Constraint violations: unique -> AJ_ECONFLICT,
 * foreign key / check / not null -> AJ_EINVAL. */
typedef struct aj_db_ops {
    aj_err (*exec_script)(aj_db *db, const char *sql); /* several statements, no params */
    aj_err (*exec)(aj_db *db, const char *sql, const aj_val *params, int n_params, int64_t *n_changed);
    aj_err (*query)(aj_db *db, const char *sql, const aj_val *params, int n_params, aj_result **out);
    void (*close)(aj_db *db);
} aj_db_ops;

struct aj_db {
    const aj_db_ops *ops;
    aj_db_kind kind;
    bool in_tx;
    char errmsg[512];
    /* Audit chain head as read (and locked) by the first append of the current
     * transaction; later appends of the same transaction continue from it. Cleared by
     * begin, commit and rollback (see src/audit/audit.c). */
    bool audit_head_known;
    int64_t audit_seq;
    char audit_hash[65];
};

aj_err aj_db_begin(aj_db *db);
aj_err aj_db_commit(aj_db *db);
/* Safe to call when no transaction is open. */
void aj_db_rollback(aj_db *db);
aj_err aj_db_exec(aj_db *db, const char *sql, const aj_val *params, int n_params, int64_t *n_changed);
aj_err aj_db_query(aj_db *db, const char *sql, const aj_val *params, int n_params, aj_result **out);
/* Convenience: first column of the first row as an integer; AJ_ENOTFOUND if no row. */
aj_err aj_db_query_int(aj_db *db, const char *sql, const aj_val *params, int n_params, int64_t *out);
/* Convenience: all rows as a JSON array of objects (see aj_result_row_json). */
aj_err aj_db_query_json(aj_db *db, const char *sql, const aj_val *params, int n_params, json_t **out_array);
const char *aj_db_errmsg(const aj_db *db);
aj_db_kind aj_db_kind_of(const aj_db *db);
/* Sets the error message of db (used by backends). Returns err. */
aj_err aj_db_fail(aj_db *db, aj_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- backends ----------------------------------------------------------------------- */

/* Opens one connection. url: "sqlite:PATH" or "postgres://..." / "postgresql://...".
 * On failure writes a message into errbuf. */
aj_err aj_sqlite_open(const char *path, aj_db **out, char *errbuf, size_t errlen);
aj_err aj_postgres_open(const char *conninfo, aj_db **out, char *errbuf, size_t errlen);

/* ---- pool --------------------------------------------------------------------------- */

typedef struct aj_store aj_store;

/* Opens n_conns connections to url and applies pending migrations. */
aj_err aj_store_open(const char *url, int n_conns, aj_store **out, char *errbuf, size_t errlen);
void aj_store_free(aj_store *st);
/* Borrows a connection, waiting if all are lent. Never NULL. */
aj_db *aj_store_acquire(aj_store *st);
void aj_store_release(aj_store *st, aj_db *db);
aj_db_kind aj_store_kind(const aj_store *st);
/* Highest applied migration number. */
int aj_store_schema_version(aj_store *st);

/* Applies every embedded migration newer than the schema_version table says, each in
 * its own transaction. Used by aj_store_open. */
aj_err aj_store_migrate(aj_db *db, char *errbuf, size_t errlen);

#endif
