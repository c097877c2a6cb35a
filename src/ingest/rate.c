/* rate.c — points per second over windows (rate.h). */
#include "ingest/rate.h"

void aj_rate_start(aj_rate *r, int64_t now_ms) {
    *r = (aj_rate){.start_ms = now_ms};
}

void aj_rate_add(aj_rate *r, uint64_t n, int64_t now_ms) {
    r->n += n;
    if (now_ms - r->start_ms < AJ_RATE_WINDOW_MS) return;
    r->per_second = (double)r->n * 1000.0 / (double)(now_ms - r->start_ms);
    r->has_rate = true;
    r->start_ms = now_ms;
    r->n = 0;
}

double aj_rate_get(const aj_rate *r, int64_t now_ms) {
    if (r->has_rate) return r->per_second;
    return now_ms > r->start_ms ? (double)r->n * 1000.0 / (double)(now_ms - r->start_ms) : 0;
}
