/*
 * test_addrscope.c -- which addresses the internet cannot reach.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addrscope.h"

static const char *
scope(const char *text)
{
	struct fr_address a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a.family, text, &a.u), 1);
	return fr_address_nonpublic(&a);
}

static void
ipv4_ranges(void **state)
{
	static const struct { const char *ip, *want; } cases[] = {
		{ "10.0.0.1", "private" },
		{ "10.255.255.255", "private" },
		{ "172.16.0.1", "private" },
		{ "172.31.255.254", "private" },
		{ "172.15.255.255", NULL },
		{ "172.32.0.0", NULL },
		{ "192.168.0.1", "private" },
		{ "192.169.0.1", NULL },
		{ "100.64.0.1", "shared" },
		{ "100.127.255.255", "shared" },
		{ "100.128.0.0", NULL },
		{ "127.0.0.1", "loopback" },
		{ "127.255.0.9", "loopback" },
		{ "169.254.1.1", "link-local" },
		{ "0.0.0.0", "this network" },
		{ "224.0.0.1", "multicast" },
		{ "240.0.0.1", "reserved" },
		{ "255.255.255.255", "reserved" },
		{ "8.8.8.8", NULL },
		{ "198.51.100.10", NULL },	/* documentation: public here */
		{ "203.0.113.7", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = scope(cases[i].ip);

		if (cases[i].want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
	}
}

static void
ipv6_ranges(void **state)
{
	static const struct { const char *ip, *want; } cases[] = {
		{ "::1", "loopback" },
		{ "::", "unspecified" },
		{ "::2", "reserved" },
		{ "fe80::1", "link-local" },
		{ "febf::1", "link-local" },
		{ "fec0::1", NULL },
		{ "fc00::1", "unique-local" },
		{ "fd12:3456::1", "unique-local" },
		{ "ff02::1", "multicast" },
		{ "::ffff:10.1.2.3", "private" },
		{ "::ffff:127.0.0.1", "loopback" },
		{ "::ffff:8.8.8.8", NULL },
		{ "2001:db8::10", NULL },	/* documentation: public here */
		{ "2a00:1450::1", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = scope(cases[i].ip);

		if (cases[i].want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_ranges),
		cmocka_unit_test(ipv6_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
