/* err.c — tables behind aj_err: names, messages, HTTP statuses, from AJ_ERR_MAP. */
#include "base/err.h"

static const char *const err_names[] = {
#define X(code, name, http, msg) name,
    AJ_ERR_MAP(X)
#undef X
};
static const char *const err_messages[] = {
#define X(code, name, http, msg) msg,
    AJ_ERR_MAP(X)
#undef X
};
static const int err_http[] = {
#define X(code, name, http, msg) http,
    AJ_ERR_MAP(X)
#undef X
};

const char *aj_err_name(aj_err e) {
    return (e >= 0 && e < AJ_ERR_COUNT) ? err_names[e] : "internal";
}
const char *aj_err_message(aj_err e) {
    return (e >= 0 && e < AJ_ERR_COUNT) ? err_messages[e] : "internal error";
}
int aj_err_http_status(aj_err e) {
    return (e >= 0 && e < AJ_ERR_COUNT) ? err_http[e] : 500;
}
