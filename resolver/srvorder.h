/*
 * srvorder.h -- the order in which SRV targets are tried (RFC 2782).
 *
 * Priority groups ascending; inside a group, a weighted random draw:
 * the not-yet-ordered records are arranged with weight-0 records first,
 * a number is drawn uniformly from [0, sum of weights], and the first
 * record whose running sum of weights is >= that number goes next.
 * So weight-0 records have a small chance (they are picked only when
 * the draw is 0), and a group of only weight-0 records comes out in
 * uniformly random order.
 */
#ifndef FR_SRVORDER_H
#define FR_SRVORDER_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

struct fr_srv_weight {
	uint16_t priority;
	uint16_t weight;
};

/*
 * Write into order[0..n-1] a permutation of 0..n-1: the order in which
 * the records recs[0..n-1] are to be tried.  Records should be given in
 * a canonical order (the caller sorts them, since DNS answers come in
 * varying order) so that a given seed reproduces a given order.
 */
void fr_srv_order(const struct fr_srv_weight *recs, size_t n,
    struct fr_rng *rng, size_t *order);

#endif /* FR_SRVORDER_H */
