/* limits.h — every bound anjian enforces, in one place, with the reason for it.
 *
 * Untrusted input (HTTP requests, plant files, cursors) is checked against these before
 * any work is done, so memory and time per request stay bounded.
 */
#ifndef AJ_LIMITS_H
#define AJ_LIMITS_H

/* Largest request body accepted by default (bytes). A full plant file of a large site
 * (~20k tags) is about 8 MiB; anything larger is split or uploaded in parts. */
#define AJ_BODY_MAX_DEFAULT (16u * 1024u * 1024u)
#define AJ_BODY_MAX_MIN     (4u * 1024u)
#define AJ_BODY_MAX_MAX     (256u * 1024u * 1024u)

/* Total size of request headers (libmicrohttpd's per-connection memory pool). Browsers
 * send < 4 KiB; 32 KiB leaves room for long cookies and tokens. */
#define AJ_HEADER_POOL_BYTES (32u * 1024u)

/* Concurrent HTTP connections (one thread each); beyond --max-connections new ones are
 * refused. The upper bound of that setting: */
#define AJ_HTTP_CONNECTIONS_MAX 1024u
/* Stack of a connection thread. Handlers keep at most a few 10 KiB of buffers on it. */
#define AJ_HTTP_THREAD_STACK_BYTES (1024u * 1024u)

/* Paging: default and maximum page size of list endpoints. */
#define AJ_PAGE_LIMIT_DEFAULT 50
#define AJ_PAGE_LIMIT_MAX     1000

/* Strings in the plant model (names, codes, units). Codes are identifiers. */
#define AJ_CODE_LEN_MAX     64
#define AJ_NAME_LEN_MAX     200
#define AJ_TEXT_LEN_MAX     4000
#define AJ_PASSWORD_LEN_MIN 10
#define AJ_PASSWORD_LEN_MAX 256

/* Plant file: objects per family and polygon vertices per area. */
#define AJ_PLANT_OBJECTS_MAX  200000
#define AJ_POLYGON_POINTS_MAX 1000
/* Validation errors reported for one plant file (the rest are counted). */
#define AJ_PLANT_ERRORS_MAX 200
/* Nesting depth of JSON accepted anywhere (jansson parses recursively). */
#define AJ_JSON_DEPTH_MAX 32

/* Login throttling: failures per (user, address) within the window before refusing. */
#define AJ_LOGIN_FAILURES_MAX 5
#define AJ_LOGIN_WINDOW_S     900
/* Slots in the in-memory throttling table (bounded; oldest entry is reused). */
#define AJ_LOGIN_SLOTS 4096

/* Sessions: token bytes (before encoding) and lifetime bounds. */
#define AJ_TOKEN_BYTES           32
#define AJ_SESSION_TTL_S_DEFAULT (12 * 3600)

/* Database connections in the pool (each HTTP worker thread borrows one). */
#define AJ_DB_POOL_MAX 64
/* Prepared statements cached per SQLite connection. */
#define AJ_STMT_CACHE 128
/* Parameters of one SQL statement. */
#define AJ_SQL_PARAMS_MAX 32

/* Static files served from the console directory. */
#define AJ_STATIC_FILE_MAX (8u * 1024u * 1024u)
#define AJ_PATH_MAX        1024

#endif
