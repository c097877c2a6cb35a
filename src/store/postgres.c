/* postgres.c — the PostgreSQL backend of the store interface, over libpq.
 *
 * One aj_db per PGconn: a pg_db whose first member is the aj_db, so the two pointers
 * convert. SQL arrives portable, with `?` placeholders; rewrite_placeholders() turns them
 * into $1..$n, leaving alone any `?` inside a 'string', a "quoted identifier", a -- line
 * comment or a block comment. (E'' strings and $$ quoting are not portable to SQLite and
 * are not recognised.)
 *
 * Statements are prepared once per connection and cached by their SQL text, up to
 * AJ_STMT_CACHE of them; beyond that a statement runs unprepared through PQexecParams.
 * Parameters travel as text (NULL as a NULL pointer) and the server infers their types
 * from the statement. Results are copied into an aj_result whose cell types follow the
 * column type OIDs (integers and booleans -> AJ_V_INT, float and numeric -> AJ_V_DOUBLE,
 * the rest text), so callers see the same aj_val types as from SQLite.
 *
 * Errors: the SQLSTATE picks the aj_err (sqlstate_map below); the message is libpq's,
 * flattened to one line. A connection that broke is reset before the next statement and
 * its statement cache forgotten, but never inside a transaction: that transaction is
 * lost, so statements fail with AJ_EUNAVAILABLE until the caller rolls back.
 *
 * Transactions are not this file's business: store.c runs BEGIN/COMMIT/ROLLBACK through
 * exec like any other statement.
 */
#include "base/limits.h"
#include "base/log.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Type OIDs of the columns we convert (from pg_type.dat; stable across versions). */
enum {
    PG_OID_BOOL = 16,
    PG_OID_BYTEA = 17,
    PG_OID_INT8 = 20,
    PG_OID_INT2 = 21,
    PG_OID_INT4 = 23,
    PG_OID_FLOAT4 = 700,
    PG_OID_FLOAT8 = 701,
    PG_OID_NUMERIC = 1700,
};

/* Session settings applied on connect and after every reconnect. Timestamps the server
 * renders (there are few: times are epoch milliseconds) come out in UTC. */
static const char pg_session_sql[] = "SET client_min_messages TO warning; SET TIME ZONE 'UTC'";

/* Longest text of one numeric parameter: "%lld" needs 20 + sign, "%.17g" 24 + NUL. */
#define PG_NUM_TEXT_MAX 32

typedef struct pg_stmt {
    uint64_t hash; /* of sql, to skip most string comparisons */
    char *sql;     /* the key: SQL as the caller wrote it, with ? placeholders */
    int n_params;  /* placeholders it has */
    char name[16]; /* server-side name, "aj_<n>" */
} pg_stmt;

typedef struct pg_db {
    aj_db base; /* first: aj_db* and pg_db* convert */
    PGconn *conn;
    unsigned n_named; /* statements named so far; names are never reused */
    int n_cached;
    pg_stmt cache[AJ_STMT_CACHE];
} pg_db;

/* ---- errors ------------------------------------------------------------------------- */

/* SQLSTATE (or its class prefix) -> aj_err; the first matching prefix wins. */
static const struct {
    const char *prefix;
    aj_err err;
} sqlstate_map[] = {
    {"23505", AJ_ECONFLICT},    /* unique_violation */
    {"23P01", AJ_ECONFLICT},    /* exclusion_violation */
    {"23", AJ_EINVAL},          /* foreign key, not null, check, restrict */
    {"22", AJ_EINVAL},          /* data exception: bad input syntax, out of range, ... */
    {"40001", AJ_EUNAVAILABLE}, /* serialization_failure: worth retrying */
    {"40P01", AJ_EUNAVAILABLE}, /* deadlock_detected: worth retrying */
    {"08", AJ_EUNAVAILABLE},    /* connection exception */
    {"57P0", AJ_EUNAVAILABLE},  /* server shutting down or starting up */
    {"53300", AJ_EUNAVAILABLE}, /* too_many_connections */
};

static aj_err map_sqlstate(const char *state) {
    if (!state) return AJ_EDB;
    for (size_t i = 0; i < sizeof sqlstate_map / sizeof sqlstate_map[0]; i++) {
        const char *prefix = sqlstate_map[i].prefix;
        if (strncmp(state, prefix, strlen(prefix)) == 0) return sqlstate_map[i].err;
    }
    return AJ_EDB;
}

/* Copies msg into out as one line: runs of white space become one space, ends trimmed. */
static void flatten(const char *msg, char *out, size_t size) {
    size_t n = 0;
    bool is_space_pending = false;
    for (const char *p = msg; *p && n + 2 < size; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
            is_space_pending = n > 0;
            continue;
        }
        if (is_space_pending) out[n++] = ' ';
        is_space_pending = false;
        out[n++] = *p;
    }
    out[n] = 0;
}

/* Records why res (which may be NULL) failed; returns the matching aj_err. */
static aj_err fail_result(pg_db *pg, const PGresult *res) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg[0]) msg = PQerrorMessage(pg->conn);
    if (!msg[0]) msg = res ? PQresStatus(PQresultStatus(res)) : "no result";
    aj_err e = PQstatus(pg->conn) == CONNECTION_BAD ? AJ_EUNAVAILABLE : map_sqlstate(state);
    char line[sizeof pg->base.errmsg];
    flatten(msg, line, sizeof line);
    return aj_db_fail(&pg->base, e, "postgres [%s]: %s", state ? state : "-----", line);
}

/* AJ_OK when res is the result of a statement that ran; otherwise records the error. */
static aj_err check_result(pg_db *pg, const PGresult *res) {
    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
        return AJ_OK;
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
        return aj_db_fail(&pg->base, AJ_EINTERNAL, "postgres: COPY is not supported");
    default:
        return fail_result(pg, res);
    }
}

/* ---- connection --------------------------------------------------------------------- */

/* Server notices at or above client_min_messages (warnings) go to the log, except the
 * one a ROLLBACK after a failed COMMIT draws (the transaction had already ended). */
static void on_notice(void *arg, const PGresult *res) {
    (void)arg;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    char line[512];
    flatten(PQresultErrorMessage(res), line, sizeof line);
    if (state && strcmp(state, "25P01") == 0)
        aj_debug("postgres: %s", line);
    else
        aj_warn("postgres: %s", line);
}

static aj_err setup_session(pg_db *pg) {
    PQsetNoticeReceiver(pg->conn, on_notice, NULL);
    PGresult *res = PQexec(pg->conn, pg_session_sql);
    aj_err e = check_result(pg, res);
    PQclear(res);
    return e;
}

/* Drops the cache; the server side is either gone (reset) or going (close). */
static void forget_statements(pg_db *pg) {
    for (int i = 0; i < pg->n_cached; i++) free(pg->cache[i].sql);
    pg->n_cached = 0;
}

/* Reconnects a broken connection, unless a transaction was open on it. */
static aj_err ensure_connected(pg_db *pg) {
    if (PQstatus(pg->conn) == CONNECTION_OK) return AJ_OK;
    if (pg->base.in_tx)
        return aj_db_fail(&pg->base, AJ_EUNAVAILABLE, "postgres: connection lost inside a transaction");
    aj_warn("postgres: connection lost; reconnecting");
    forget_statements(pg);
    PQreset(pg->conn);
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        char line[sizeof pg->base.errmsg];
        flatten(PQerrorMessage(pg->conn), line, sizeof line);
        return aj_db_fail(&pg->base, AJ_EUNAVAILABLE, "postgres: reconnect failed: %s", line);
    }
    return setup_session(pg);
}

/* ---- statements --------------------------------------------------------------------- */

/* Counts the ? placeholders of sql outside quotes and comments; when out is not NULL,
 * also writes sql there with the i-th of them replaced by $i. out must hold
 * strlen(sql) + 10 * count + 1 bytes. */
static int rewrite_placeholders(const char *sql, char *out) {
    enum { CODE, STRING, IDENT, LINE_COMMENT, BLOCK_COMMENT } state = CODE;
    int n = 0;
    for (const char *p = sql; *p; p++) {
        switch (state) {
        case CODE:
            if (*p == '?') {
                n++;
                if (out) out += sprintf(out, "$%d", n);
                continue;
            }
            if (*p == '\'')
                state = STRING;
            else if (*p == '"')
                state = IDENT;
            else if (p[0] == '-' && p[1] == '-')
                state = LINE_COMMENT;
            else if (p[0] == '/' && p[1] == '*')
                state = BLOCK_COMMENT;
            break;
        case STRING: /* '' inside a string leaves and re-enters: same effect */
            if (*p == '\'') state = CODE;
            break;
        case IDENT:
            if (*p == '"') state = CODE;
            break;
        case LINE_COMMENT:
            if (*p == '\n') state = CODE;
            break;
        case BLOCK_COMMENT:
            if (p[0] == '*' && p[1] == '/') {
                if (out)
                    *out++ = *p++;
                else
                    p++;
                state = CODE;
            }
            break;
        }
        if (out) *out++ = *p;
    }
    if (out) *out = 0;
    return n;
}

static uint64_t hash_sql(const char *sql) {
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static const pg_stmt *find_statement(const pg_db *pg, const char *sql, uint64_t hash) {
    for (int i = 0; i < pg->n_cached; i++) {
        if (pg->cache[i].hash == hash && strcmp(pg->cache[i].sql, sql) == 0) return &pg->cache[i];
    }
    return NULL;
}

/* Prepares sql (already rewritten to $n as pg_sql) under a new name and caches it.
 * Returns NULL without an error when the cache is full or a copy cannot be made: the
 * caller then runs the statement unprepared. */
static const pg_stmt *prepare_statement(pg_db *pg, const char *sql, uint64_t hash, const char *pg_sql,
                                        int n_params, aj_err *err) {
    *err = AJ_OK;
    if (pg->n_cached == AJ_STMT_CACHE) return NULL;
    pg_stmt *st = &pg->cache[pg->n_cached];
    st->sql = strdup(sql);
    if (!st->sql) return NULL;
    st->hash = hash;
    st->n_params = n_params;
    snprintf(st->name, sizeof st->name, "aj_%u", pg->n_named++);
    PGresult *res = PQprepare(pg->conn, st->name, pg_sql, n_params, NULL);
    *err = check_result(pg, res);
    PQclear(res);
    if (*err) {
        free(st->sql);
        st->sql = NULL;
        return NULL;
    }
    pg->n_cached++;
    return st;
}

/* Renders params for libpq: numbers as text into bufs, text borrowed, NULL as NULL; blobs
 * go in binary format (raw bytes, with their length), everything else as text. */
static void params_as_text(const aj_val *params, int n, char bufs[][PG_NUM_TEXT_MAX], const char **values,
                           int *lengths, int *formats) {
    for (int i = 0; i < n; i++) {
        lengths[i] = 0;
        formats[i] = 0;
        if (params[i].type == AJ_V_BLOB) {
            values[i] = params[i].len ? params[i].s : "";
            lengths[i] = (int)params[i].len;
            formats[i] = 1;
            continue;
        }
        switch (params[i].type) {
        case AJ_V_INT:
            snprintf(bufs[i], PG_NUM_TEXT_MAX, "%lld", (long long)params[i].i);
            values[i] = bufs[i];
            break;
        case AJ_V_DOUBLE:
            snprintf(bufs[i], PG_NUM_TEXT_MAX, "%.17g", params[i].d);
            values[i] = bufs[i];
            break;
        case AJ_V_TEXT:
            values[i] = params[i].s;
            break;
        default:
            values[i] = NULL;
            break;
        }
    }
}

/* Runs a statement not yet in the cache: rewrites its placeholders, then prepares and
 * caches it when there is room, or runs it unprepared when there is not. *res is the
 * result (maybe failed, maybe NULL) unless an error is returned before it ran. */
static aj_err run_new(pg_db *pg, const char *sql, uint64_t hash, const char *const *values,
                      const int *lengths, const int *formats, int n_params, PGresult **res) {
    int n_marks = rewrite_placeholders(sql, NULL);
    if (n_marks != n_params)
        return aj_db_fail(&pg->base, AJ_EINTERNAL, "postgres: statement has %d parameters, %d given", n_marks,
                          n_params);
    char *pg_sql = malloc(strlen(sql) + 10 * (size_t)n_marks + 1);
    if (!pg_sql) return aj_db_fail(&pg->base, AJ_ENOMEM, "postgres: out of memory");
    rewrite_placeholders(sql, pg_sql);
    aj_err e;
    const pg_stmt *st = prepare_statement(pg, sql, hash, pg_sql, n_params, &e);
    if (st)
        *res = PQexecPrepared(pg->conn, st->name, n_params, values, lengths, formats, 0);
    else if (!e)
        *res = PQexecParams(pg->conn, pg_sql, n_params, NULL, values, lengths, formats, 0);
    free(pg_sql);
    return e;
}

/* Runs sql with params; *out gets the result (to PQclear) when AJ_OK is returned. */
static aj_err run(pg_db *pg, const char *sql, const aj_val *params, int n_params, PGresult **out) {
    *out = NULL;
    if (n_params < 0 || n_params > AJ_SQL_PARAMS_MAX)
        return aj_db_fail(&pg->base, AJ_EINTERNAL, "postgres: %d parameters (at most %d)", n_params,
                          AJ_SQL_PARAMS_MAX);
    aj_err e = ensure_connected(pg);
    if (e) return e;

    char bufs[AJ_SQL_PARAMS_MAX][PG_NUM_TEXT_MAX];
    const char *values[AJ_SQL_PARAMS_MAX + 1] = {NULL};
    int lengths[AJ_SQL_PARAMS_MAX + 1] = {0}, formats[AJ_SQL_PARAMS_MAX + 1] = {0};
    params_as_text(params, n_params, bufs, values, lengths, formats);

    uint64_t hash = hash_sql(sql);
    const pg_stmt *st = find_statement(pg, sql, hash);
    PGresult *res = NULL;
    if (!st) {
        e = run_new(pg, sql, hash, values, lengths, formats, n_params, &res);
    } else if (st->n_params != n_params) {
        e = aj_db_fail(&pg->base, AJ_EINTERNAL, "postgres: statement has %d parameters, %d given",
                       st->n_params, n_params);
    } else {
        res = PQexecPrepared(pg->conn, st->name, n_params, values, lengths, formats, 0);
    }
    if (!e) e = check_result(pg, res);
    if (e) {
        PQclear(res);
        return e;
    }
    *out = res;
    return AJ_OK;
}

/* ---- results ------------------------------------------------------------------------ */

static aj_val cell_of(const PGresult *res, int row, int col) {
    if (PQgetisnull(res, row, col)) return AJ_VNULL;
    const char *s = PQgetvalue(res, row, col);
    switch (PQftype(res, col)) {
    case PG_OID_INT2:
    case PG_OID_INT4:
    case PG_OID_INT8:
        return AJ_VINT(strtoll(s, NULL, 10));
    case PG_OID_FLOAT4:
    case PG_OID_FLOAT8:
    case PG_OID_NUMERIC:
        return AJ_VDBL(strtod(s, NULL)); /* also reads NaN, Infinity, -Infinity */
    case PG_OID_BOOL:
        return AJ_VINT(s[0] == 't');
    case PG_OID_BYTEA: /* hex text; materialise() decodes it */
        return (aj_val){.type = AJ_V_BLOB, .s = s, .len = (size_t)PQgetlength(res, row, col)};
    default:
        return (aj_val){.type = AJ_V_TEXT, .s = s};
    }
}

/* Copies every row of res into a new aj_result. */
static aj_err materialise(pg_db *pg, const PGresult *res, aj_result **out) {
    int n_cols = PQnfields(res), n_rows = PQntuples(res);
    aj_result *r = aj_result_new(n_cols);
    aj_val *cells = malloc(sizeof(aj_val) * (size_t)(n_cols ? n_cols : 1));
    aj_err e = r && cells ? AJ_OK : AJ_ENOMEM;
    for (int c = 0; !e && c < n_cols; c++) e = aj_result_set_col_name(r, c, PQfname(res, c));
    for (int row = 0; !e && row < n_rows; row++) {
        for (int c = 0; c < n_cols; c++) {
            cells[c] = cell_of(res, row, c);
            if (cells[c].type == AJ_V_BLOB) { /* text format "\\x0a1b..." -> bytes */
                size_t n = 0;
                unsigned char *bytes = PQunescapeBytea((const unsigned char *)cells[c].s, &n);
                if (!bytes) e = AJ_ENOMEM;
                cells[c] = AJ_VBLOB(bytes, n);
            }
        }
        if (!e) e = aj_result_add_row(r, cells);
        for (int c = 0; c < n_cols; c++)
            if (cells[c].type == AJ_V_BLOB && cells[c].s) PQfreemem((void *)cells[c].s);
    }
    free(cells);
    if (e) {
        aj_result_free(r);
        return aj_db_fail(&pg->base, e, "postgres: out of memory copying %d rows", n_rows);
    }
    *out = r;
    return AJ_OK;
}

/* ---- operations --------------------------------------------------------------------- */

static aj_err pg_exec_script(aj_db *db, const char *sql) {
    pg_db *pg = (pg_db *)db;
    aj_err e = ensure_connected(pg);
    if (e) return e;
    PGresult *res = PQexec(pg->conn, sql); /* several statements: the last result, or the error */
    e = check_result(pg, res);
    PQclear(res);
    return e;
}

static aj_err pg_exec(aj_db *db, const char *sql, const aj_val *params, int n_params, int64_t *n_changed) {
    pg_db *pg = (pg_db *)db;
    PGresult *res;
    aj_err e = run(pg, sql, params, n_params, &res);
    if (e) return e;
    /* COMMIT of a transaction in which a statement failed succeeds with the tag
     * ROLLBACK: the caller must hear that nothing was committed. */
    if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0 && strncasecmp(sql, "COMMIT", 6) == 0)
        e = aj_db_fail(db, AJ_EDB,
                       "postgres: COMMIT rolled back the transaction,"
                       " as a statement in it had failed");
    if (n_changed) *n_changed = strtoll(PQcmdTuples(res), NULL, 10); /* "" -> 0 */
    PQclear(res);
    return e;
}

static aj_err pg_query(aj_db *db, const char *sql, const aj_val *params, int n_params, aj_result **out) {
    pg_db *pg = (pg_db *)db;
    PGresult *res;
    aj_err e = run(pg, sql, params, n_params, &res);
    if (e) return e;
    e = materialise(pg, res, out);
    PQclear(res);
    return e;
}

static void pg_close(aj_db *db) {
    pg_db *pg = (pg_db *)db;
    forget_statements(pg);
    PQfinish(pg->conn);
    free(pg);
}

static const aj_db_ops pg_ops = {
    .exec_script = pg_exec_script, .exec = pg_exec, .query = pg_query, .close = pg_close};

aj_err aj_postgres_open(const char *conninfo, aj_db **out, char *errbuf, size_t errlen) {
    *out = NULL;
    pg_db *pg = calloc(1, sizeof *pg);
    if (!pg) {
        snprintf(errbuf, errlen, "postgres: out of memory");
        return AJ_ENOMEM;
    }
    pg->base.ops = &pg_ops;
    pg->base.kind = AJ_DB_POSTGRES;
    /* conninfo (a URL or key=value list) is expanded in place of dbname: it may override
     * connect_timeout, listed before it, but not application_name, listed after. */
    const char *const keys[] = {"connect_timeout", "dbname", "application_name", NULL};
    const char *const values[] = {"10", conninfo, "anjian", NULL};
    pg->conn = PQconnectdbParams(keys, values, 1);
    if (!pg->conn) {
        free(pg);
        snprintf(errbuf, errlen, "postgres: out of memory");
        return AJ_ENOMEM;
    }
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        char line[512];
        flatten(PQerrorMessage(pg->conn), line, sizeof line);
        snprintf(errbuf, errlen, "postgres: cannot connect: %s", line);
        pg_close(&pg->base);
        return AJ_EUNAVAILABLE;
    }
    aj_err e = setup_session(pg);
    if (e) {
        snprintf(errbuf, errlen, "%s", pg->base.errmsg);
        pg_close(&pg->base);
        return e;
    }
    *out = &pg->base;
    return AJ_OK;
}
