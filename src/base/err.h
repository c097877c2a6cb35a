/* err.h — the one error type of anjian.
 *
 * Every fallible function returns an aj_err; 0 is success. The list below is an
 * X-macro: it yields the enum, the names ("AJ_ENOTFOUND" -> "not_found") used in JSON
 * errors and the HTTP status each code maps to (the one place that mapping lives).
 */
#ifndef AJ_ERR_H
#define AJ_ERR_H

/*       code            api name            http  message */
#define AJ_ERR_MAP(X)                                                                                        \
    X(AJ_OK, "ok", 200, "success")                                                                           \
    X(AJ_EINVAL, "invalid", 400, "invalid input")                                                            \
    X(AJ_EJSON, "bad_json", 400, "malformed JSON")                                                           \
    X(AJ_EUNAUTH, "unauthenticated", 401, "authentication required")                                         \
    X(AJ_EFORBIDDEN, "forbidden", 403, "not permitted")                                                      \
    X(AJ_ENOTFOUND, "not_found", 404, "not found")                                                           \
    X(AJ_EMETHOD, "method_not_allowed", 405, "method not allowed")                                           \
    X(AJ_ECONFLICT, "conflict", 409, "conflicts with existing data")                                         \
    X(AJ_ETOOBIG, "too_large", 413, "request too large")                                                     \
    X(AJ_EMEDIA, "unsupported_media", 415, "unsupported media type")                                         \
    X(AJ_ETHROTTLED, "throttled", 429, "too many attempts")                                                  \
    X(AJ_ENOMEM, "no_memory", 500, "out of memory")                                                          \
    X(AJ_EIO, "io", 500, "input/output error")                                                               \
    X(AJ_EDB, "storage", 500, "storage error")                                                               \
    X(AJ_EINTERNAL, "internal", 500, "internal error")                                                       \
    X(AJ_EUNAVAILABLE, "unavailable", 503, "temporarily unavailable")                                        \
    X(AJ_EAUDIT, "audit_broken", 500, "audit chain broken")

typedef enum {
#define AJ_ERR_ENUM(code, name, http, msg) code,
    AJ_ERR_MAP(AJ_ERR_ENUM)
#undef AJ_ERR_ENUM
        AJ_ERR_COUNT
} aj_err;

/* Stable snake_case name for APIs and logs. Never NULL. */
const char *aj_err_name(aj_err e);
/* Human-readable default message. Never NULL. */
const char *aj_err_message(aj_err e);
/* HTTP status code a request failing with this error answers with. */
int aj_err_http_status(aj_err e);

#endif
