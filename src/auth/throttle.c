/* throttle.c — bounded failure counters for login throttling (see throttle.h).
 *
 * Keys are 64-bit hashes (libsodium shorthash with a per-process random key, so an
 * attacker cannot aim collisions) of "u:<user>\n<addr>" and "U:<user>". The table is
 * open-addressed with a short probe; when a probe finds no free or expired slot, the
 * oldest slot of the probe is reused. Per-user limit is 4x the per-address one, so one
 * account cannot be guessed from many addresses either.
 */
#include "auth/throttle.h"

#include "base/limits.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8

typedef struct slot {
    uint64_t key;
    int64_t window_start_ms;
    int failures;
} slot;

struct aj_throttle {
    pthread_mutex_t lock;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    slot slots[AJ_LOGIN_SLOTS];
};

aj_throttle *aj_throttle_new(void) {
    aj_throttle *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    pthread_mutex_init(&t->lock, NULL);
    crypto_shorthash_keygen(t->hash_key);
    return t;
}

void aj_throttle_free(aj_throttle *t) {
    if (!t) return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static uint64_t key_of(aj_throttle *t, const char *user, const char *addr) {
    char buf[512];
    int n =
        addr ? snprintf(buf, sizeof buf, "u:%s\n%s", user, addr) : snprintf(buf, sizeof buf, "U:%s", user);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)buf, (unsigned long long)n, t->hash_key);
    uint64_t k;
    memcpy(&k, out, sizeof k);
    return k ? k : 1;
}

/* Finds the slot of key, or claims one (free, expired, or the oldest in the probe). */
static slot *lookup(aj_throttle *t, uint64_t key, int64_t now_ms, bool create) {
    const int64_t window_ms = (int64_t)AJ_LOGIN_WINDOW_S * 1000;
    size_t start = (size_t)(key % AJ_LOGIN_SLOTS);
    slot *victim = NULL;
    bool victim_reusable = false;
    for (int i = 0; i < PROBE; i++) {
        slot *s = &t->slots[(start + (size_t)i) % AJ_LOGIN_SLOTS];
        bool expired = now_ms - s->window_start_ms > window_ms;
        if (s->key == key) {
            if (expired) {
                s->failures = 0;
                s->window_start_ms = now_ms;
            }
            return s;
        }
        bool reusable = s->key == 0 || expired;
        if (reusable && !victim_reusable) {
            victim = s;
            victim_reusable = true;
        } else if (!victim_reusable && (!victim || s->window_start_ms < victim->window_start_ms)) {
            victim = s; /* the oldest entry of the probe */
        }
    }
    if (!create) return NULL;
    if (!victim) victim = &t->slots[start];
    *victim = (slot){.key = key, .window_start_ms = now_ms, .failures = 0};
    return victim;
}

static int64_t blocked_for(aj_throttle *t, uint64_t key, int limit, int64_t now_ms) {
    slot *s = lookup(t, key, now_ms, false);
    if (!s || s->failures < limit) return 0;
    int64_t left_ms = s->window_start_ms + (int64_t)AJ_LOGIN_WINDOW_S * 1000 - now_ms;
    return left_ms > 0 ? (left_ms + 999) / 1000 : 0;
}

bool aj_throttle_is_blocked(aj_throttle *t, const char *user, const char *addr, int64_t now_ms,
                            int64_t *retry_after_s) {
    pthread_mutex_lock(&t->lock);
    int64_t a = blocked_for(t, key_of(t, user, addr), AJ_LOGIN_FAILURES_MAX, now_ms);
    int64_t b = blocked_for(t, key_of(t, user, NULL), 4 * AJ_LOGIN_FAILURES_MAX, now_ms);
    pthread_mutex_unlock(&t->lock);
    *retry_after_s = a > b ? a : b;
    return *retry_after_s > 0;
}

void aj_throttle_fail(aj_throttle *t, const char *user, const char *addr, int64_t now_ms) {
    pthread_mutex_lock(&t->lock);
    slot *s = lookup(t, key_of(t, user, addr), now_ms, true);
    s->failures++;
    s = lookup(t, key_of(t, user, NULL), now_ms, true);
    s->failures++;
    pthread_mutex_unlock(&t->lock);
}

void aj_throttle_success(aj_throttle *t, const char *user, const char *addr) {
    pthread_mutex_lock(&t->lock);
    slot *s = lookup(t, key_of(t, user, addr), 0, false);
    if (s) s->failures = 0;
    pthread_mutex_unlock(&t->lock);
}
