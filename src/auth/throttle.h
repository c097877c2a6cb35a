/* throttle.h — login throttling: failures counted per (user, address) and per user in a
 * fixed-size table; after AJ_LOGIN_FAILURES_MAX failures within AJ_LOGIN_WINDOW_S the
 * key is refused until the window passes. Memory is bounded (AJ_LOGIN_SLOTS). */
#ifndef AJ_THROTTLE_H
#define AJ_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct aj_throttle aj_throttle;

aj_throttle *aj_throttle_new(void);
void aj_throttle_free(aj_throttle *t);
/* True when this login must be refused now; *retry_after_s says for how long. */
bool aj_throttle_is_blocked(aj_throttle *t, const char *user, const char *addr, int64_t now_ms,
                            int64_t *retry_after_s);
void aj_throttle_fail(aj_throttle *t, const char *user, const char *addr, int64_t now_ms);
void aj_throttle_success(aj_throttle *t, const char *user, const char *addr);

#endif
