/* rate.h — points per second of a plant connection (GET /api/v1/connections): counted over
 * windows of AJ_RATE_WINDOW_MS; until the first window is complete, the rate since the
 * start. Not thread-safe: the caller holds the lock that guards the connection's status. */
#ifndef AJ_RATE_H
#define AJ_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define AJ_RATE_WINDOW_MS 10000

typedef struct aj_rate {
    int64_t start_ms;  /* monotonic start of the current window */
    uint64_t n;        /* points in the current window */
    double per_second; /* of the last complete window */
    bool has_rate;     /* a window has completed */
} aj_rate;

/* Starts counting at now_ms (monotonic). */
void aj_rate_start(aj_rate *r, int64_t now_ms);
/* Counts n points at now_ms, closing the window when it is full. */
void aj_rate_add(aj_rate *r, uint64_t n, int64_t now_ms);
/* Points per second at now_ms. */
double aj_rate_get(const aj_rate *r, int64_t now_ms);

#endif
