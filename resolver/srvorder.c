/*
 * srvorder.c -- RFC 2782 target selection, "Usage rules".
 */
#include "config.h"

#include "srvorder.h"

/* Stable insertion sort of order[] by priority: n is small and bounded. */
static void
sort_by_priority(const struct fr_srv_weight *recs, size_t n, size_t *order)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		size_t v = order[i];

		for (j = i; j > 0 && recs[order[j - 1]].priority >
		    recs[v].priority; j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
}

/* Move order[from] to order[to] (to <= from), shifting the rest right. */
static void
move_to(size_t *order, size_t to, size_t from)
{
	size_t v = order[from];

	for (; from > to; from--)
		order[from] = order[from - 1];
	order[to] = v;
}

/* Order one priority group order[lo..hi-1] in place. */
static void
order_group(const struct fr_srv_weight *recs, size_t *order, size_t lo,
    size_t hi, struct fr_rng *rng)
{
	size_t i, k, zeros;

	/* "Arrange in any order": a random one, so that equal weight-0
	 * records share the load instead of the first always winning. */
	for (i = hi - 1; i > lo; i--) {
		size_t j = lo + (size_t)fr_rng_below(rng, i - lo + 1);
		size_t tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	/* "... except that all those with weight 0 are placed at the
	 * beginning of the list." */
	for (zeros = lo, i = lo; i < hi; i++)
		if (recs[order[i]].weight == 0)
			move_to(order, zeros++, i);

	for (k = lo; k + 1 < hi; k++) {
		uint64_t sum = 0, running = 0, draw;

		for (i = k; i < hi; i++)
			sum += recs[order[i]].weight;
		draw = fr_rng_below(rng, sum + 1);	/* 0 .. sum inclusive */
		for (i = k; i < hi; i++) {
			running += recs[order[i]].weight;
			if (running >= draw)
				break;
		}
		/* Removing the chosen one keeps weight-0 records first. */
		move_to(order, k, i);
	}
}

void
fr_srv_order(const struct fr_srv_weight *recs, size_t n, struct fr_rng *rng,
    size_t *order)
{
	size_t i, lo;

	for (i = 0; i < n; i++)
		order[i] = i;
	sort_by_priority(recs, n, order);
	for (lo = 0; lo < n; ) {
		size_t hi = lo + 1;

		while (hi < n && recs[order[hi]].priority ==
		    recs[order[lo]].priority)
			hi++;
		if (hi - lo > 1)
			order_group(recs, order, lo, hi, rng);
		lo = hi;
	}
}
