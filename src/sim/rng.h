/* rng.h — the simulator's deterministic PRNG: xoshiro256** seeded by splitmix64, with
 * uniform doubles and standard normal deviates (Box–Muller, polar form). Never libc rand:
 * the sequence depends on the seed only, identical on every platform and compiler. */
#ifndef AJ_SIM_RNG_H
#define AJ_SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct aj_rng {
    uint64_t s[4];
    double spare; /* second deviate of the last Box–Muller pair */
    bool has_spare;
} aj_rng;

/* Seeds the state from one 64-bit seed (splitmix64 expands it; any seed is fine). */
void aj_rng_seed(aj_rng *r, uint64_t seed);
/* Next 64 random bits (xoshiro256**). */
uint64_t aj_rng_next(aj_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double aj_rng_uniform(aj_rng *r);
/* Standard normal deviate (mean 0, sd 1). */
double aj_rng_gauss(aj_rng *r);

#endif
