/* rng.c — xoshiro256** (Blackman & Vigna, public domain reference) seeded by splitmix64,
 * and Gaussian deviates by the Marsaglia polar form of Box–Muller.
 *
 * Invariant: the state is never all zero (splitmix64 of any seed cannot produce four
 * zero words in a row). The polar method consumes a variable number of uniforms, which
 * is still deterministic: the stream depends only on the seed and the call sequence.
 */
#include "sim/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void aj_rng_seed(aj_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    r->spare = 0;
    r->has_spare = false;
}

uint64_t aj_rng_next(aj_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double aj_rng_uniform(aj_rng *r) {
    return (double)(aj_rng_next(r) >> 11) * 0x1.0p-53;
}

double aj_rng_gauss(aj_rng *r) {
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    double u, v, q;
    do {
        u = 2.0 * aj_rng_uniform(r) - 1.0;
        v = 2.0 * aj_rng_uniform(r) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    double f = sqrt(-2.0 * log(q) / q);
    r->spare = v * f;
    r->has_spare = true;
    return u * f;
}
