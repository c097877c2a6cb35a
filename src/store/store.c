/* store.c — backend-independent parts of the storage layer.
 *
 * - aj_result: a materialised query result (cells copied, freed in one go).
 * - transaction wrappers (BEGIN IMMEDIATE on SQLite so writers serialise up front).
 * - the connection pool: a fixed array of connections, a mutex and a condition
 *   variable; acquire blocks until a connection is free (bounded by pool size).
 * - the migrations runner over the embedded, numbered migrations.
 */
#include "store/store.h"

#include "base/limits.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "store/migrations.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- aj_result --------------------------------------------------------------------- */

typedef struct cell {
    aj_val_type type;
    int64_t i;
    double d;
    char *s;    /* text (NUL-terminated) or blob bytes */
    size_t len; /* blob length */
} cell;

struct aj_result {
    int n_cols, n_rows, cap_rows;
    char **col_names;
    cell *cells;     /* n_rows * n_cols */
    char render[64]; /* scratch for aj_result_text of numbers */
};

aj_result *aj_result_new(int n_cols) {
    assert(n_cols >= 0);
    aj_result *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->n_cols = n_cols;
    r->col_names = calloc((size_t)(n_cols ? n_cols : 1), sizeof(char *));
    if (!r->col_names) {
        free(r);
        return NULL;
    }
    return r;
}

aj_err aj_result_set_col_name(aj_result *r, int col, const char *name) {
    assert(col >= 0 && col < r->n_cols);
    free(r->col_names[col]);
    r->col_names[col] = strdup(name ? name : "");
    return r->col_names[col] ? AJ_OK : AJ_ENOMEM;
}

aj_err aj_result_add_row(aj_result *r, const aj_val *cells) {
    if (r->n_rows == r->cap_rows) {
        int cap = r->cap_rows ? r->cap_rows * 2 : 16;
        cell *grown = realloc(r->cells, (size_t)cap * (size_t)(r->n_cols ? r->n_cols : 1) * sizeof(cell));
        if (!grown) return AJ_ENOMEM;
        r->cells = grown;
        r->cap_rows = cap;
    }
    cell *row = r->cells + (size_t)r->n_rows * (size_t)r->n_cols;
    for (int c = 0; c < r->n_cols; c++) {
        row[c] = (cell){.type = cells[c].type, .i = cells[c].i, .d = cells[c].d, .s = NULL};
        if (cells[c].type == AJ_V_BLOB) {
            row[c].len = cells[c].len;
            row[c].s = malloc(cells[c].len ? cells[c].len : 1);
            if (!row[c].s) {
                for (int k = 0; k < c; k++) free(row[k].s);
                return AJ_ENOMEM;
            }
            if (cells[c].len) memcpy(row[c].s, cells[c].s, cells[c].len);
        }
        if (cells[c].type == AJ_V_TEXT) {
            row[c].s = strdup(cells[c].s ? cells[c].s : "");
            if (!row[c].s) {
                for (int k = 0; k < c; k++) free(row[k].s);
                return AJ_ENOMEM;
            }
        }
    }
    r->n_rows++;
    return AJ_OK;
}

void aj_result_free(aj_result *r) {
    if (!r) return;
    for (size_t k = 0; k < (size_t)r->n_rows * (size_t)r->n_cols; k++) free(r->cells[k].s);
    for (int c = 0; c < r->n_cols; c++) free(r->col_names[c]);
    free(r->col_names);
    free(r->cells);
    free(r);
}

static const cell *cell_at(const aj_result *r, int row, int col) {
    assert(row >= 0 && row < r->n_rows && col >= 0 && col < r->n_cols);
    return &r->cells[(size_t)row * (size_t)r->n_cols + (size_t)col];
}

int aj_result_rows(const aj_result *r) {
    return r->n_rows;
}
int aj_result_cols(const aj_result *r) {
    return r->n_cols;
}
const char *aj_result_col_name(const aj_result *r, int col) {
    assert(col >= 0 && col < r->n_cols);
    return r->col_names[col];
}
bool aj_result_is_null(const aj_result *r, int row, int col) {
    return cell_at(r, row, col)->type == AJ_V_NULL;
}
int64_t aj_result_int(const aj_result *r, int row, int col) {
    const cell *c = cell_at(r, row, col);
    switch (c->type) {
    case AJ_V_INT:
        return c->i;
    case AJ_V_DOUBLE:
        return (int64_t)c->d;
    case AJ_V_TEXT:
        return strtoll(c->s, NULL, 10);
    default:
        return 0;
    }
}
double aj_result_double(const aj_result *r, int row, int col) {
    const cell *c = cell_at(r, row, col);
    switch (c->type) {
    case AJ_V_INT:
        return (double)c->i;
    case AJ_V_DOUBLE:
        return c->d;
    case AJ_V_TEXT:
        return strtod(c->s, NULL);
    default:
        return 0;
    }
}
const void *aj_result_blob(const aj_result *r, int row, int col, size_t *len) {
    const cell *c = cell_at(r, row, col);
    *len = c->type == AJ_V_BLOB ? c->len : 0;
    return c->type == AJ_V_BLOB ? c->s : NULL;
}

const char *aj_result_text(const aj_result *r, int row, int col) {
    const cell *c = cell_at(r, row, col);
    aj_result *rw = (aj_result *)r; /* scratch only; results are used by one thread */
    switch (c->type) {
    case AJ_V_TEXT:
        return c->s;
    case AJ_V_INT:
        snprintf(rw->render, sizeof rw->render, "%lld", (long long)c->i);
        return rw->render;
    case AJ_V_DOUBLE:
        snprintf(rw->render, sizeof rw->render, "%.17g", c->d);
        return rw->render;
    default:
        return NULL;
    }
}

static bool ends_with(const char *s, const char *suffix, size_t *stem_len) {
    size_t n = strlen(s), m = strlen(suffix);
    if (n <= m || strcmp(s + n - m, suffix) != 0) return false;
    *stem_len = n - m;
    return true;
}

json_t *aj_result_row_json(const aj_result *r, int row) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    for (int col = 0; col < r->n_cols; col++) {
        const cell *c = cell_at(r, row, col);
        const char *name = r->col_names[col];
        char key[128];
        size_t stem;
        json_t *v = NULL;
        if (ends_with(name, "_json", &stem) && stem < sizeof key) {
            memcpy(key, name, stem), key[stem] = 0;
            v = c->type == AJ_V_TEXT ? json_loads(c->s, JSON_DECODE_ANY, NULL) : NULL;
            if (!v) v = json_null();
        } else if (ends_with(name, "_bool", &stem) && stem < sizeof key) {
            memcpy(key, name, stem), key[stem] = 0;
            v = c->type == AJ_V_NULL ? json_null() : json_boolean(aj_result_int(r, row, col) != 0);
        } else if (ends_with(name, "_ms", &stem) && stem < sizeof key) {
            memcpy(key, name, stem), key[stem] = 0;
            if (c->type == AJ_V_NULL) {
                v = json_null();
            } else {
                char buf[40];
                aj_time_format_ms(aj_result_int(r, row, col), buf, sizeof buf);
                v = json_string(buf);
            }
        } else {
            snprintf(key, sizeof key, "%s", name);
            switch (c->type) {
            case AJ_V_INT:
                v = json_integer(c->i);
                break;
            case AJ_V_DOUBLE:
                v = json_real(c->d);
                break;
            case AJ_V_TEXT:
                v = json_string(c->s);
                break;
            case AJ_V_BLOB: /* binary data is not JSON: its size stands in */
                v = json_integer((json_int_t)c->len);
                break;
            default:
                v = json_null();
                break;
            }
        }
        if (!v || json_object_set_new(obj, key, v) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

/* ---- connections ------------------------------------------------------------------- */

aj_err aj_db_fail(aj_db *db, aj_err err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
    va_end(ap);
    return err;
}

const char *aj_db_errmsg(const aj_db *db) {
    return db->errmsg;
}
aj_db_kind aj_db_kind_of(const aj_db *db) {
    return db->kind;
}

aj_err aj_db_begin(aj_db *db) {
    assert(!db->in_tx);
    const char *sql = db->kind == AJ_DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN";
    aj_err e = db->ops->exec(db, sql, NULL, 0, NULL);
    if (e == AJ_OK) db->in_tx = true;
    db->audit_head_known = false;
    return e;
}

aj_err aj_db_commit(aj_db *db) {
    assert(db->in_tx);
    aj_err e = db->ops->exec(db, "COMMIT", NULL, 0, NULL);
    if (e != AJ_OK) {
        aj_db_rollback(db);
        return e;
    }
    db->in_tx = false;
    db->audit_head_known = false;
    return AJ_OK;
}

void aj_db_rollback(aj_db *db) {
    if (!db->in_tx) return;
    char saved[sizeof db->errmsg];
    memcpy(saved, db->errmsg, sizeof saved); /* keep the error that caused the rollback */
    db->ops->exec(db, "ROLLBACK", NULL, 0, NULL);
    memcpy(db->errmsg, saved, sizeof saved);
    db->in_tx = false;
    db->audit_head_known = false;
}

aj_err aj_db_exec(aj_db *db, const char *sql, const aj_val *params, int n_params, int64_t *n_changed) {
    assert(n_params >= 0 && n_params <= AJ_SQL_PARAMS_MAX);
    if (n_changed) *n_changed = 0;
    return db->ops->exec(db, sql, params, n_params, n_changed);
}

aj_err aj_db_query(aj_db *db, const char *sql, const aj_val *params, int n_params, aj_result **out) {
    assert(n_params >= 0 && n_params <= AJ_SQL_PARAMS_MAX);
    *out = NULL;
    return db->ops->query(db, sql, params, n_params, out);
}

aj_err aj_db_query_int(aj_db *db, const char *sql, const aj_val *params, int n_params, int64_t *out) {
    aj_result *r;
    aj_err e = aj_db_query(db, sql, params, n_params, &r);
    if (e) return e;
    if (aj_result_rows(r) == 0 || aj_result_cols(r) == 0) {
        aj_result_free(r);
        return AJ_ENOTFOUND;
    }
    *out = aj_result_int(r, 0, 0);
    aj_result_free(r);
    return AJ_OK;
}

aj_err aj_db_query_json(aj_db *db, const char *sql, const aj_val *params, int n_params, json_t **out_array) {
    aj_result *r;
    *out_array = NULL;
    aj_err e = aj_db_query(db, sql, params, n_params, &r);
    if (e) return e;
    json_t *arr = json_array();
    for (int i = 0; arr && i < aj_result_rows(r); i++) {
        json_t *row = aj_result_row_json(r, i);
        if (!row || json_array_append_new(arr, row) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    aj_result_free(r);
    if (!arr) return AJ_ENOMEM;
    *out_array = arr;
    return AJ_OK;
}

/* ---- migrations -------------------------------------------------------------------- */

aj_err aj_store_migrate(aj_db *db, char *errbuf, size_t errlen) {
    const aj_migration *list = db->kind == AJ_DB_SQLITE ? aj_migrations_sqlite : aj_migrations_postgres;
    aj_err e = db->ops->exec_script(db, "CREATE TABLE IF NOT EXISTS schema_version ("
                                        " version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
                                        " applied_ms BIGINT NOT NULL)");
    if (e) {
        snprintf(errbuf, errlen, "schema_version: %s", db->errmsg);
        return e;
    }
    for (const aj_migration *m = list; m->sql; m++) {
        int64_t found;
        /* Lock first so that two processes starting together do not both migrate. */
        if ((e = aj_db_begin(db))) break;
        if (db->kind == AJ_DB_POSTGRES &&
            (e = aj_db_exec(db, "LOCK TABLE schema_version IN EXCLUSIVE MODE", NULL, 0, NULL)))
            break;
        aj_val v = AJ_VINT(m->version);
        e = aj_db_query_int(db, "SELECT version FROM schema_version WHERE version = ?", &v, 1, &found);
        if (e == AJ_OK) {
            aj_db_rollback(db);
            continue;
        }
        if (e != AJ_ENOTFOUND) break;
        if ((e = db->ops->exec_script(db, m->sql))) break;
        aj_val p[3] = {AJ_VINT(m->version), AJ_VTEXT(m->name), AJ_VINT(aj_time_now_ms())};
        if ((e = aj_db_exec(db, "INSERT INTO schema_version (version, name, applied_ms) VALUES (?, ?, ?)", p,
                            3, NULL)))
            break;
        if ((e = aj_db_commit(db))) break;
        aj_info("store: applied migration %s", m->name);
    }
    if (e) {
        snprintf(errbuf, errlen, "migration: %s", db->errmsg);
        aj_db_rollback(db);
    }
    return e;
}

/* ---- pool -------------------------------------------------------------------------- */

struct aj_store {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int n_conns, n_free;
    aj_db *conns[AJ_DB_POOL_MAX];
    aj_db *free_list[AJ_DB_POOL_MAX];
    aj_db_kind kind;
};

static aj_err open_one(const char *url, aj_db **out, char *errbuf, size_t errlen) {
    if (strncmp(url, "sqlite:", 7) == 0) return aj_sqlite_open(url + 7, out, errbuf, errlen);
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return aj_postgres_open(url, out, errbuf, errlen);
    snprintf(errbuf, errlen, "database URL must start with sqlite: or postgres:// (got \"%.40s\")", url);
    return AJ_EINVAL;
}

aj_err aj_store_open(const char *url, int n_conns, aj_store **out, char *errbuf, size_t errlen) {
    *out = NULL;
    if (n_conns < 1 || n_conns > AJ_DB_POOL_MAX) {
        snprintf(errbuf, errlen, "pool size %d outside 1..%d", n_conns, AJ_DB_POOL_MAX);
        return AJ_EINVAL;
    }
    aj_store *st = calloc(1, sizeof *st);
    if (!st) return AJ_ENOMEM;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->freed, NULL);
    aj_err e = AJ_OK;
    for (int i = 0; i < n_conns && !e; i++) {
        e = open_one(url, &st->conns[i], errbuf, errlen);
        if (!e) {
            st->n_conns++;
            /* The first connection applies migrations before the others open. */
            if (i == 0) e = aj_store_migrate(st->conns[0], errbuf, errlen);
        }
    }
    if (e) {
        aj_store_free(st);
        return e;
    }
    st->kind = st->conns[0]->kind;
    for (int i = 0; i < st->n_conns; i++) st->free_list[i] = st->conns[i];
    st->n_free = st->n_conns;
    *out = st;
    return AJ_OK;
}

void aj_store_free(aj_store *st) {
    if (!st) return;
    for (int i = 0; i < st->n_conns; i++) st->conns[i]->ops->close(st->conns[i]);
    pthread_cond_destroy(&st->freed);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

aj_db *aj_store_acquire(aj_store *st) {
    pthread_mutex_lock(&st->lock);
    while (st->n_free == 0) pthread_cond_wait(&st->freed, &st->lock);
    aj_db *db = st->free_list[--st->n_free];
    pthread_mutex_unlock(&st->lock);
    assert(!db->in_tx);
    db->errmsg[0] = 0;
    return db;
}

void aj_store_release(aj_store *st, aj_db *db) {
    if (db->in_tx) aj_db_rollback(db); /* a handler that forgot to finish: undo */
    pthread_mutex_lock(&st->lock);
    assert(st->n_free < st->n_conns);
    st->free_list[st->n_free++] = db;
    pthread_cond_signal(&st->freed);
    pthread_mutex_unlock(&st->lock);
}

aj_db_kind aj_store_kind(const aj_store *st) {
    return st->kind;
}

int aj_store_schema_version(aj_store *st) {
    aj_db *db = aj_store_acquire(st);
    int64_t v = 0;
    aj_db_query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL, 0, &v);
    aj_store_release(st, db);
    return (int)v;
}
