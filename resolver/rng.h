/*
 * rng.h -- a small seeded pseudo-random generator (xoshiro256**).
 *
 * Used only to draw the RFC 2782 weighted order, where reproducibility
 * under a given seed matters (fedroute lookup --seed) and cryptographic
 * strength does not.
 */
#ifndef FR_RNG_H
#define FR_RNG_H

#include <stdint.h>

struct fr_rng {
	uint64_t s[4];
};

/* Seed deterministically; any seed, 0 included, gives a good state. */
void fr_rng_seed(struct fr_rng *rng, uint64_t seed);
/* Seed from the kernel (getrandom), falling back to time and pid. */
void fr_rng_seed_random(struct fr_rng *rng);
uint64_t fr_rng_next(struct fr_rng *rng);
/* Uniform integer in [0, bound), without modulo bias; bound > 0. */
uint64_t fr_rng_below(struct fr_rng *rng, uint64_t bound);

#endif /* FR_RNG_H */
