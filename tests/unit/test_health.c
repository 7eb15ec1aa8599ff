/*
 * test_health.c -- destination health: back-off, Retry-After, success,
 * independence of destinations, bounded size.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "health.h"

static struct fr_address
v4(const char *s)
{
	struct fr_address a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, s, &a.u.v4), 1);
	return a;
}

static void
backoff_doubles_to_cap(void **state)
{
	struct fr_health_conf conf = { 2.0, 30.0, 600.0, 100 };
	struct fr_health *h = fr_health_create(&conf);
	struct fr_address a = v4("127.0.1.1");
	struct fr_health_state st;
	static const double expect[] = { 2, 4, 8, 16, 30, 30 };
	size_t i;

	(void)state;
	assert_false(fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS, 0, &st));
	for (i = 0; i < 6; i++) {
		double now = 100.0 * (double)i;

		fr_health_failure(h, &a, 5061, FR_TRANSPORT_TLS, "refused", 0,
		    now);
		assert_true(fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS, now,
		    &st));
		assert_true(st.down);
		assert_int_equal(st.failures, i + 1);
		assert_true(st.down_until - now == expect[i]);
		assert_string_equal(st.reason, "refused");
		/* Down until then, and up (to be tried) after. */
		assert_true(fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS,
		    now + expect[i] - 0.01, &st) && st.down);
		assert_true(fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS,
		    now + expect[i], &st) && !st.down);
	}
	fr_health_success(h, &a, 5061, FR_TRANSPORT_TLS);
	assert_false(fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS, 1e6, &st));
	assert_int_equal(fr_health_count(h), 0);
	fr_health_delete(h);
}

static void
retry_after_overrides_and_is_capped(void **state)
{
	struct fr_health_conf conf = { 2.0, 30.0, 600.0, 100 };
	struct fr_health *h = fr_health_create(&conf);
	struct fr_address a = v4("127.0.1.2");
	struct fr_health_state st;

	(void)state;
	fr_health_failure(h, &a, 5061, FR_TRANSPORT_TLS, "503", 120, 10.0);
	fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS, 10.0, &st);
	assert_true(st.down_until == 130.0);
	fr_health_failure(h, &a, 5061, FR_TRANSPORT_TLS, "503", 86400, 20.0);
	fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS, 20.0, &st);
	assert_true(st.down_until == 620.0);
	fr_health_delete(h);
}

/* One failed destination says nothing about its neighbours. */
static void
keyed_by_address_port_transport(void **state)
{
	struct fr_health *h = fr_health_create(NULL);
	struct fr_address a = v4("127.0.1.3"), b = v4("127.0.1.4");
	struct fr_address a6;
	struct fr_health_state st;

	(void)state;
	memset(&a6, 0, sizeof(a6));
	a6.family = AF_INET6;
	memcpy(&a6.u.v6, &a.u.v4, sizeof(a.u.v4));	/* same bytes */
	fr_health_failure(h, &a, 5061, FR_TRANSPORT_TLS, "timeout", 0, 0);
	assert_true(fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS, 0, &st));
	assert_false(fr_health_get(h, &a, 5060, FR_TRANSPORT_TLS, 0, &st));
	assert_false(fr_health_get(h, &a, 5061, FR_TRANSPORT_TCP, 0, &st));
	assert_false(fr_health_get(h, &b, 5061, FR_TRANSPORT_TLS, 0, &st));
	assert_false(fr_health_get(h, &a6, 5061, FR_TRANSPORT_TLS, 0, &st));
	fr_health_delete(h);
}

static void
bounded_oldest_forgotten(void **state)
{
	struct fr_health_conf conf = { 1.0, 10.0, 60.0, 3 };
	struct fr_health *h = fr_health_create(&conf);
	struct fr_address a[4] = { v4("127.0.2.1"), v4("127.0.2.2"),
		v4("127.0.2.3"), v4("127.0.2.4") };
	struct fr_health_state st;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		fr_health_failure(h, &a[i], 5061, FR_TRANSPORT_TLS, "x", 0, i);
	/* A new failure of a[0] makes a[1] the oldest. */
	fr_health_failure(h, &a[0], 5061, FR_TRANSPORT_TLS, "x", 0, 5);
	fr_health_failure(h, &a[3], 5061, FR_TRANSPORT_TLS, "x", 0, 6);
	assert_int_equal(fr_health_count(h), 3);
	assert_false(fr_health_get(h, &a[1], 5061, FR_TRANSPORT_TLS, 6, &st));
	assert_true(fr_health_get(h, &a[0], 5061, FR_TRANSPORT_TLS, 6, &st));
	assert_int_equal(st.failures, 2);
	assert_true(fr_health_get(h, &a[2], 5061, FR_TRANSPORT_TLS, 6, &st));
	assert_true(fr_health_get(h, &a[3], 5061, FR_TRANSPORT_TLS, 6, &st));
	fr_health_delete(h);
}

static void
count_down(void *arg, const struct fr_address *addr, uint16_t port,
    enum fr_transport tp, const struct fr_health_state *st)
{
	unsigned *n = arg;

	(void)addr;
	(void)port;
	(void)tp;
	if (st->down)
		n[0]++;
	n[1]++;
}

/* Listing says which records are down now; clearing takes one
 * address (one port, or all of them) or everything. */
static void
list_and_clear(void **state)
{
	struct fr_health_conf conf = { 10.0, 100.0, 600.0, 100 };
	struct fr_health *h = fr_health_create(&conf);
	struct fr_address a = v4("127.0.3.1"), b = v4("127.0.3.2");
	struct fr_health_state st;
	unsigned n[2] = { 0, 0 };

	(void)state;
	fr_health_failure(h, &a, 5061, FR_TRANSPORT_TLS, "x", 0, 0);
	fr_health_failure(h, &a, 5269, FR_TRANSPORT_TCP, "x", 0, 0);
	fr_health_failure(h, &a, 5062, FR_TRANSPORT_TLS, "x", 0, 0);
	fr_health_failure(h, &b, 5061, FR_TRANSPORT_TLS, "x", 0, 5);
	fr_health_each(h, 12.0, count_down, n);
	assert_int_equal(n[0], 1);	/* b: down until 15 */
	assert_int_equal(n[1], 4);
	assert_int_equal(fr_health_clear(h, &a, 5062), 1);
	assert_int_equal(fr_health_clear(h, &a, 5062), 0);
	assert_true(fr_health_get(h, &a, 5061, FR_TRANSPORT_TLS, 1, &st));
	assert_int_equal(fr_health_clear(h, &a, 0), 2);
	assert_int_equal(fr_health_count(h), 1);
	assert_true(fr_health_get(h, &b, 5061, FR_TRANSPORT_TLS, 1, &st));
	assert_int_equal(fr_health_clear(h, NULL, 0), 1);
	assert_int_equal(fr_health_count(h), 0);
	fr_health_delete(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_doubles_to_cap),
		cmocka_unit_test(retry_after_overrides_and_is_capped),
		cmocka_unit_test(keyed_by_address_port_transport),
		cmocka_unit_test(bounded_oldest_forgotten),
		cmocka_unit_test(list_and_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
