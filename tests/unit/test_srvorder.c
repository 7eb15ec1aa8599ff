/*
 * test_srvorder.c -- RFC 2782 ordering: priority groups, the weighted
 * draw's distribution, weight 0, reproducibility under a seed.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "srvorder.h"

#define DRAWS 100000

/*
 * Tolerance for an observed frequency of DRAWS trials: six binomial
 * standard deviations, sqrt(p(1-p)/n) <= 0.5/sqrt(100000) = 0.00158, so
 * 0.0095.  A correct implementation fails with probability ~2e-9 per
 * check; a wrong rule (e.g. a draw from [1, sum] instead of [0, sum],
 * or weight 0 never chosen) is off by far more for the weights below.
 */
#define TOLERANCE 0.0095

static void
count_first(const struct fr_srv_weight *recs, size_t n, uint64_t seed,
    double *freq)
{
	struct fr_rng rng;
	size_t order[16], i;
	unsigned long hits[16] = { 0 };
	int d;

	fr_rng_seed(&rng, seed);
	for (d = 0; d < DRAWS; d++) {
		fr_srv_order(recs, n, &rng, order);
		hits[order[0]]++;
	}
	for (i = 0; i < n; i++)
		freq[i] = (double)hits[i] / DRAWS;
}

static void
priorities_ascend(void **state)
{
	const struct fr_srv_weight recs[] = {
		{ 30, 10 }, { 10, 5 }, { 20, 0 }, { 10, 5 }, { 0, 1 },
	};
	struct fr_rng rng;
	size_t order[5];
	int round;

	(void)state;
	fr_rng_seed(&rng, 1);
	for (round = 0; round < 1000; round++) {
		size_t i;

		fr_srv_order(recs, 5, &rng, order);
		for (i = 1; i < 5; i++)
			assert_true(recs[order[i - 1]].priority <=
			    recs[order[i]].priority);
		assert_int_equal(order[0], 4);
		assert_int_equal(order[3], 2);
		assert_int_equal(order[4], 0);
	}
}

static void
is_a_permutation(void **state)
{
	const struct fr_srv_weight recs[] = {
		{ 1, 0 }, { 1, 0 }, { 1, 10 }, { 2, 65535 }, { 1, 65535 },
		{ 2, 0 }, { 1, 1 },
	};
	struct fr_rng rng;
	size_t order[7];
	int round;

	(void)state;
	fr_rng_seed(&rng, 99);
	for (round = 0; round < 1000; round++) {
		int seen[7] = { 0 };
		size_t i;

		fr_srv_order(recs, 7, &rng, order);
		for (i = 0; i < 7; i++) {
			assert_true(order[i] < 7);
			assert_int_equal(seen[order[i]]++, 0);
		}
	}
}

/*
 * First pick: the draw r is uniform on [0, sum]; record i wins for the
 * w_i values of r that fall in its slice of the running sum, and the
 * record arranged first also wins r = 0.  The arrangement is uniformly
 * random, so P(i) = (w_i + 1/n) / (sum + 1): here 10.33/101, 20.33/101,
 * 70.33/101.
 */
static void
weighted_distribution(void **state)
{
	const struct fr_srv_weight recs[] = { { 1, 10 }, { 1, 20 }, { 1, 70 } };
	double f[3];
	int i;

	(void)state;
	count_first(recs, 3, 12345, f);
	for (i = 0; i < 3; i++)
		assert_true(fabs(f[i] - (recs[i].weight + 1.0 / 3) / 101) <
		    TOLERANCE);
}

/* Weight 0 beside non-zero ones: it is placed first in the running sum,
 * so it wins exactly when the draw from [0, sum] is 0: 1/(sum+1). */
static void
weight_zero_small_chance(void **state)
{
	const struct fr_srv_weight recs[] = { { 5, 0 }, { 5, 3 }, { 5, 6 } };
	double f[3];

	(void)state;
	count_first(recs, 3, 777, f);
	assert_true(fabs(f[0] - 1.0 / 10) < TOLERANCE);
	assert_true(fabs(f[1] - 3.0 / 10) < TOLERANCE);
	assert_true(fabs(f[2] - 6.0 / 10) < TOLERANCE);
	assert_true(f[0] > 0.0);
}

/* A group of only weight-0 records shares load evenly. */
static void
all_weight_zero_uniform(void **state)
{
	const struct fr_srv_weight recs[] = {
		{ 1, 0 }, { 1, 0 }, { 1, 0 }, { 1, 0 },
	};
	double f[4];
	int i;

	(void)state;
	count_first(recs, 4, 4242, f);
	for (i = 0; i < 4; i++)
		assert_true(fabs(f[i] - 0.25) < TOLERANCE);
}

/* Equal weights (a cluster of edges) share load evenly. */
static void
equal_weights_uniform(void **state)
{
	const struct fr_srv_weight recs[] = { { 1, 50 }, { 1, 50 } };
	double f[2];

	(void)state;
	count_first(recs, 2, 9, f);
	assert_true(fabs(f[0] - 0.5) < TOLERANCE);
	assert_true(fabs(f[1] - 0.5) < TOLERANCE);
}

/* Second place, given the first: the draw repeats over the rest. */
static void
second_place_conditional(void **state)
{
	const struct fr_srv_weight recs[] = { { 1, 60 }, { 1, 30 }, { 1, 10 } };
	struct fr_rng rng;
	size_t order[3];
	unsigned long first0 = 0, second1 = 0;
	int d;

	(void)state;
	fr_rng_seed(&rng, 5);
	for (d = 0; d < DRAWS; d++) {
		fr_srv_order(recs, 3, &rng, order);
		if (order[0] == 0) {
			first0++;
			second1 += order[1] == 1;
		}
	}
	/* P(1 second | 0 first) = (30 + 1/2) / 41, as above. */
	assert_true(fabs((double)second1 / first0 - 30.5 / 41) <
	    2 * TOLERANCE);
}

static void
same_seed_same_order(void **state)
{
	const struct fr_srv_weight recs[] = {
		{ 1, 10 }, { 1, 10 }, { 1, 10 }, { 1, 10 }, { 2, 5 }, { 2, 5 },
	};
	struct fr_rng a, b;
	size_t oa[6], ob[6];
	int round, differ = 0;

	(void)state;
	fr_rng_seed(&a, 2026);
	fr_rng_seed(&b, 2026);
	for (round = 0; round < 100; round++) {
		fr_srv_order(recs, 6, &a, oa);
		fr_srv_order(recs, 6, &b, ob);
		assert_memory_equal(oa, ob, sizeof(oa));
	}
	fr_rng_seed(&b, 2027);
	for (round = 0; round < 100; round++) {
		fr_srv_order(recs, 6, &a, oa);
		fr_srv_order(recs, 6, &b, ob);
		differ += memcmp(oa, ob, sizeof(oa)) != 0;
	}
	assert_true(differ > 50);
}

static void
single_and_empty(void **state)
{
	const struct fr_srv_weight recs[] = { { 7, 0 } };
	struct fr_rng rng;
	size_t order[1] = { 99 };

	(void)state;
	fr_rng_seed(&rng, 0);
	fr_srv_order(recs, 0, &rng, order);
	assert_int_equal(order[0], 99);
	fr_srv_order(recs, 1, &rng, order);
	assert_int_equal(order[0], 0);
}

static void
rng_below_bounds(void **state)
{
	struct fr_rng rng;
	unsigned long hits[3] = { 0 };
	int i;

	(void)state;
	fr_rng_seed(&rng, 3);
	for (i = 0; i < 30000; i++) {
		uint64_t v = fr_rng_below(&rng, 3);

		assert_true(v < 3);
		hits[v]++;
	}
	for (i = 0; i < 3; i++)
		assert_true(hits[i] > 9500 && hits[i] < 10500);
	assert_int_equal(fr_rng_below(&rng, 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(priorities_ascend),
		cmocka_unit_test(is_a_permutation),
		cmocka_unit_test(weighted_distribution),
		cmocka_unit_test(weight_zero_small_chance),
		cmocka_unit_test(all_weight_zero_uniform),
		cmocka_unit_test(equal_weights_uniform),
		cmocka_unit_test(second_place_conditional),
		cmocka_unit_test(same_seed_same_order),
		cmocka_unit_test(single_and_empty),
		cmocka_unit_test(rng_below_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
