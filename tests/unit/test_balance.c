/*
 * test_balance.c -- the three balancing algorithms on many clients:
 * smooth weighted round robin, least connections, and weighted
 * rendezvous hashing (proportions, stability, minimal disruption).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pool.h"

#define NCLIENTS 30000

static struct fr_node *
node(const char *name, unsigned weight)
{
	struct fr_node_conf nc;
	struct fr_node_settings *set;
	struct fr_node *n;
	char err[256];

	memset(&nc, 0, sizeof(nc));
	nc.name = (char *)(uintptr_t)name;
	nc.weight = weight;
	nc.transport = FR_NODE_TCP;
	assert_int_equal(fr_ip_parse("192.0.2.1", &nc.addr), 0);
	set = fr_node_settings_new(&nc, err, sizeof(err));
	assert_non_null(set);
	n = fr_node_create(&nc, set);
	assert_non_null(n);
	return n;
}

static struct fr_sockaddr
client(unsigned i)
{
	struct fr_sockaddr a;
	char ip[32];

	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (i >> 16) & 255,
	    (i >> 8) & 255, i & 255);
	assert_int_equal(fr_ip_parse(ip, &a), 0);
	return a;
}

static struct fr_pool *
pool3(enum fr_balance b, struct fr_node **n)
{
	struct fr_pool *p = fr_pool_create("p", b, n, 3);

	assert_non_null(p);
	return p;
}

static void
unref3(struct fr_pool *p, struct fr_node **n)
{
	fr_pool_unref(p);
	fr_node_unref(n[0]);
	fr_node_unref(n[1]);
	fr_node_unref(n[2]);
}

static void
roundrobin_is_smooth_and_weighted(void **state)
{
	struct fr_node *n[3] = { node("a", 5), node("b", 1), node("c", 1) };
	struct fr_pool *p = pool3(FR_BALANCE_ROUNDROBIN, n);
	struct fr_sockaddr c = client(1);
	char seq[8] = "";
	unsigned count[3] = { 0, 0, 0 }, i;
	size_t idx;

	(void)state;
	/* nginx's example: weights 5, 1, 1 give a a b a c a a. */
	for (i = 0; i < 7; i++) {
		assert_non_null(fr_pool_pick(p, &c, 0, &idx));
		seq[i] = n[idx]->name[0];
	}
	assert_string_equal(seq, "aabacaa");
	for (i = 0; i < 700; i++) {
		assert_non_null(fr_pool_pick(p, &c, 0, &idx));
		count[idx]++;
	}
	assert_int_equal(count[0], 500);
	assert_int_equal(count[1], 100);
	assert_int_equal(count[2], 100);
	/* Down and tried nodes are passed over. */
	n[0]->up = false;
	for (i = 0; i < 10; i++) {
		assert_non_null(fr_pool_pick(p, &c, UINT64_C(1) << 1, &idx));
		assert_int_equal(idx, 2);
	}
	assert_null(fr_pool_pick(p, &c, UINT64_C(6), &idx));
	unref3(p, n);
}

static void
leastconn_per_weight(void **state)
{
	struct fr_node *n[3] = { node("a", 2), node("b", 1), node("c", 1) };
	struct fr_pool *p = pool3(FR_BALANCE_LEASTCONN, n);
	struct fr_sockaddr c = client(1);
	unsigned i;
	size_t idx;

	(void)state;
	/* Picks that become connections fill a to twice the others. */
	for (i = 0; i < 400; i++) {
		struct fr_node *got = fr_pool_pick(p, &c, 0, &idx);

		assert_non_null(got);
		got->active++;
	}
	assert_int_equal(n[0]->active, 200);
	assert_int_equal(n[1]->active, 100);
	assert_int_equal(n[2]->active, 100);
	n[2]->active = 0;
	assert_ptr_equal(fr_pool_pick(p, &c, 0, &idx), n[2]);
	n[0]->active = n[1]->active = n[2]->active = 0;
	unref3(p, n);
}

/* Proportional to weight, the same every time, and a node that goes
 * moves only its own clients; they come back with it. */
static void
rendezvous(void **state)
{
	struct fr_node *n[3] = { node("publisher", 1), node("subscriber", 1),
	    node("subscriber2", 2) };
	struct fr_pool *p = pool3(FR_BALANCE_SOURCE, n);
	static size_t first[NCLIENTS];
	unsigned count[3] = { 0, 0, 0 }, i;
	struct fr_sockaddr c;
	size_t idx;

	(void)state;
	for (i = 0; i < NCLIENTS; i++) {
		c = client(i);
		assert_non_null(fr_pool_pick(p, &c, 0, &first[i]));
		count[first[i]]++;
		assert_non_null(fr_pool_pick(p, &c, 0, &idx));
		assert_int_equal(idx, first[i]);
	}
	/* 1:1:2 within 3% of the clients. */
	assert_in_range(count[0], NCLIENTS / 4 - 900, NCLIENTS / 4 + 900);
	assert_in_range(count[1], NCLIENTS / 4 - 900, NCLIENTS / 4 + 900);
	assert_in_range(count[2], NCLIENTS / 2 - 900, NCLIENTS / 2 + 900);

	n[1]->up = false;
	for (i = 0; i < NCLIENTS; i++) {
		c = client(i);
		assert_non_null(fr_pool_pick(p, &c, 0, &idx));
		if (first[i] != 1)
			assert_int_equal(idx, first[i]);
		else
			assert_int_not_equal(idx, 1);
	}
	n[1]->up = true;
	for (i = 0; i < NCLIENTS; i++) {
		c = client(i);
		assert_non_null(fr_pool_pick(p, &c, 0, &idx));
		assert_int_equal(idx, first[i]);
	}
	unref3(p, n);
}

/* The score is a pure function: the same on every host and run. */
static void
rendezvous_score_is_fixed(void **state)
{
	uint8_t ip[16];
	struct fr_sockaddr a;
	double s;

	(void)state;
	assert_int_equal(fr_ip_parse("198.51.100.7", &a), 0);
	fr_addr_ip16(&a, ip);
	assert_int_equal(ip[10], 0xff);
	assert_int_equal(ip[15], 7);
	s = fr_rendezvous_score(ip, fr_node_key("publisher"), 1);
	assert_true(s > 0.0);
	assert_true(s == fr_rendezvous_score(ip, fr_node_key("publisher"), 1));
	assert_true(fr_rendezvous_score(ip, fr_node_key("publisher"), 3) ==
	    3 * s);
	assert_true(fr_node_key("publisher") != fr_node_key("subscriber"));
	assert_true(fr_node_key("a") == 0xaf63dc4c8601ec8cULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundrobin_is_smooth_and_weighted),
		cmocka_unit_test(leastconn_per_weight),
		cmocka_unit_test(rendezvous),
		cmocka_unit_test(rendezvous_score_is_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
