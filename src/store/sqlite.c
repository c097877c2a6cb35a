/* sqlite.c — the embedded SQLite backend of the store interface.
 *
 * One aj_db per sqlite3 connection, opened in WAL mode with foreign keys on and a busy
 * timeout, so several pooled connections read concurrently while writers serialise on
 * BEGIN IMMEDIATE. Prepared statements are cached per connection (up to AJ_STMT_CACHE,
 * keyed by SQL text); beyond that, statements are prepared and finalised per call.
 */
#include "base/limits.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stmt_slot {
    char *sql;
    sqlite3_stmt *stmt;
} stmt_slot;

typedef struct sqlite_db {
    aj_db base; /* first: aj_db* and sqlite_db* convert */
    sqlite3 *conn;
    int n_cached;
    stmt_slot cache[AJ_STMT_CACHE];
} sqlite_db;

static aj_err map_rc(sqlite_db *s, int rc) {
    int ext = sqlite3_extended_errcode(s->conn);
    aj_err e = AJ_EDB;
    if (rc == SQLITE_CONSTRAINT) {
        e = (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) ? AJ_ECONFLICT
                                                                                     : AJ_EINVAL;
    } else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        e = AJ_EUNAVAILABLE;
    } else if (rc == SQLITE_FULL || rc == SQLITE_IOERR) {
        e = AJ_EIO;
    } else if (rc == SQLITE_NOMEM) {
        e = AJ_ENOMEM;
    }
    return aj_db_fail(&s->base, e, "sqlite: %s", sqlite3_errmsg(s->conn));
}

/* Returns a reset statement for sql; *is_cached tells whether the caller must finalise. */
static aj_err prepare(sqlite_db *s, const char *sql, sqlite3_stmt **out, int *is_cached) {
    for (int i = 0; i < s->n_cached; i++) {
        if (strcmp(s->cache[i].sql, sql) == 0) {
            *out = s->cache[i].stmt;
            *is_cached = 1;
            return AJ_OK;
        }
    }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v3(s->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) return map_rc(s, rc);
    if (!st) return aj_db_fail(&s->base, AJ_EINVAL, "sqlite: empty statement");
    *is_cached = 0;
    if (s->n_cached < AJ_STMT_CACHE) {
        char *copy = strdup(sql);
        if (copy) {
            s->cache[s->n_cached++] = (stmt_slot){copy, st};
            *is_cached = 1;
        }
    }
    *out = st;
    return AJ_OK;
}

static void done(sqlite3_stmt *st, int is_cached) {
    if (is_cached) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

static aj_err bind_all(sqlite_db *s, sqlite3_stmt *st, const aj_val *p, int n) {
    if (sqlite3_bind_parameter_count(st) != n)
        return aj_db_fail(&s->base, AJ_EINTERNAL, "sqlite: statement has %d parameters, %d given",
                          sqlite3_bind_parameter_count(st), n);
    for (int i = 0; i < n; i++) {
        int rc;
        switch (p[i].type) {
        case AJ_V_INT:
            rc = sqlite3_bind_int64(st, i + 1, p[i].i);
            break;
        case AJ_V_DOUBLE:
            rc = sqlite3_bind_double(st, i + 1, p[i].d);
            break;
        case AJ_V_TEXT:
            rc = sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_STATIC);
            break;
        case AJ_V_BLOB:
            rc = sqlite3_bind_blob64(st, i + 1, p[i].len ? p[i].s : "", (sqlite3_uint64)p[i].len,
                                     SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(st, i + 1);
            break;
        }
        if (rc != SQLITE_OK) return map_rc(s, rc);
    }
    return AJ_OK;
}

static aj_err sq_exec_script(aj_db *db, const char *sql) {
    sqlite_db *s = (sqlite_db *)db;
    char *msg = NULL;
    int rc = sqlite3_exec(s->conn, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        aj_err e = map_rc(s, rc);
        if (msg) aj_db_fail(db, e, "sqlite: %s", msg);
        sqlite3_free(msg);
        return e;
    }
    return AJ_OK;
}

static aj_err sq_exec(aj_db *db, const char *sql, const aj_val *p, int n, int64_t *n_changed) {
    sqlite_db *s = (sqlite_db *)db;
    sqlite3_stmt *st;
    int is_cached;
    aj_err e = prepare(s, sql, &st, &is_cached);
    if (e) return e;
    if ((e = bind_all(s, st, p, n)) == AJ_OK) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        }
        if (rc != SQLITE_DONE)
            e = map_rc(s, rc);
        else if (n_changed)
            *n_changed = sqlite3_changes64(s->conn);
    }
    done(st, is_cached);
    return e;
}

static aj_err sq_query(aj_db *db, const char *sql, const aj_val *p, int n, aj_result **out) {
    sqlite_db *s = (sqlite_db *)db;
    sqlite3_stmt *st;
    int is_cached;
    aj_err e = prepare(s, sql, &st, &is_cached);
    if (e) return e;
    int n_cols = sqlite3_column_count(st);
    aj_result *r = aj_result_new(n_cols);
    if (!r) e = AJ_ENOMEM;
    for (int c = 0; !e && c < n_cols; c++) e = aj_result_set_col_name(r, c, sqlite3_column_name(st, c));
    if (!e) e = bind_all(s, st, p, n);
    aj_val cells[64];
    if (!e && n_cols > 64) e = aj_db_fail(db, AJ_EINTERNAL, "sqlite: more than 64 result columns");
    int rc = SQLITE_DONE;
    while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < n_cols; c++) {
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_INTEGER:
                cells[c] = AJ_VINT(sqlite3_column_int64(st, c));
                break;
            case SQLITE_FLOAT:
                cells[c] = AJ_VDBL(sqlite3_column_double(st, c));
                break;
            case SQLITE_NULL:
                cells[c] = AJ_VNULL;
                break;
            case SQLITE_BLOB:
                cells[c] = AJ_VBLOB(sqlite3_column_blob(st, c), (size_t)sqlite3_column_bytes(st, c));
                break;
            default:
                cells[c] = AJ_VTEXT((const char *)sqlite3_column_text(st, c));
                break;
            }
        }
        e = aj_result_add_row(r, cells);
    }
    if (!e && rc != SQLITE_DONE) e = map_rc(s, rc);
    done(st, is_cached);
    if (e) {
        aj_result_free(r);
        return e;
    }
    *out = r;
    return AJ_OK;
}

static void sq_close(aj_db *db) {
    sqlite_db *s = (sqlite_db *)db;
    for (int i = 0; i < s->n_cached; i++) {
        sqlite3_finalize(s->cache[i].stmt);
        free(s->cache[i].sql);
    }
    sqlite3_close_v2(s->conn);
    free(s);
}

static const aj_db_ops sqlite_ops = {
    .exec_script = sq_exec_script, .exec = sq_exec, .query = sq_query, .close = sq_close};

aj_err aj_sqlite_open(const char *path, aj_db **out, char *errbuf, size_t errlen) {
    *out = NULL;
    sqlite_db *s = calloc(1, sizeof *s);
    if (!s) return AJ_ENOMEM;
    s->base.ops = &sqlite_ops;
    s->base.kind = AJ_DB_SQLITE;
    int rc = sqlite3_open_v2(path, &s->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "sqlite: cannot open %s: %s", path,
                 s->conn ? sqlite3_errmsg(s->conn) : sqlite3_errstr(rc));
        sqlite3_close_v2(s->conn);
        free(s);
        return AJ_EIO;
    }
    sqlite3_busy_timeout(s->conn, 10000);
    /* WAL: readers never block the writer; synchronous=NORMAL in WAL is durable across
     * application crashes (kill -9) and loses at most the last commits on power loss;
     * FULL makes every commit survive power loss. We choose FULL: acknowledged = durable. */
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
    if (sq_exec_script(&s->base, pragmas) != AJ_OK) {
        snprintf(errbuf, errlen, "sqlite: %s: %s", path, s->base.errmsg);
        sq_close(&s->base);
        return AJ_EIO;
    }
    *out = &s->base;
    return AJ_OK;
}
