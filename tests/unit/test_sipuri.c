/*
 * test_uri.c -- parsing what a lookup is asked about.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sipuri.h"

static struct fr_uri
ok(const char *in)
{
	struct fr_uri u;
	char err[256] = "";

	if (fr_uri_parse(in, &u, err, sizeof(err)) != 0)
		fail_msg("%s: %s", in, err);
	return u;
}

static void
bad(const char *in, const char *expect)
{
	struct fr_uri u;
	char err[256] = "";

	assert_int_equal(fr_uri_parse(in, &u, err, sizeof(err)), -1);
	if (strstr(err, expect) == NULL)
		fail_msg("%s: error '%s' does not mention '%s'", in, err, expect);
}

static void
domains(void **state)
{
	struct fr_uri u;

	(void)state;
	u = ok("Foreign.Example.TEST.");
	assert_int_equal(u.scheme, FR_SCHEME_NONE);
	assert_string_equal(u.host, "foreign.example.test");
	assert_false(u.literal);
	assert_int_equal(u.port, -1);
	bad("", "no host");
	bad("a..b", "empty label");
	bad("exa mple.test", "not allowed");
	bad("x.0123456789012345678901234567890123456789012345678901234567890123.test",
	    "63");
	bad("ftp:x.test", "scheme");
}

static void
sip_uris(void **state)
{
	struct fr_uri u;

	(void)state;
	u = ok("sip:alice@Example.test");
	assert_int_equal(u.scheme, FR_SCHEME_SIP);
	assert_string_equal(u.host, "example.test");
	assert_int_equal(u.port, -1);
	assert_false(u.has_transport);

	u = ok("SIPS:bob:secret@example.test:5071;transport=tcp;lr?subject=x");
	assert_int_equal(u.scheme, FR_SCHEME_SIPS);
	assert_int_equal(u.port, 5071);
	assert_true(u.has_transport);
	assert_int_equal(u.transport, FR_TRANSPORT_TCP);

	u = ok("sip:example.test;maddr=proxy.other.test;transport=UDP");
	assert_string_equal(u.host, "proxy.other.test");
	assert_int_equal(u.transport, FR_TRANSPORT_UDP);

	bad("sip:example.test:0", "port");
	bad("sip:example.test:65536", "port");
	bad("sip:example.test:50x", "port");
	bad("sip:example.test;transport=quic", "transport");
	bad("sips:example.test;transport=udp", "udp");
	bad("sip:", "host");
}

static void
literals(void **state)
{
	struct fr_uri u;
	struct in6_addr v6;

	(void)state;
	u = ok("sip:192.0.2.7:5062");
	assert_true(u.literal);
	assert_int_equal(u.addr.family, AF_INET);
	assert_int_equal(u.port, 5062);

	u = ok("sips:[2001:db8::5]:5061");
	assert_true(u.literal);
	assert_int_equal(u.addr.family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::5", &v6);
	assert_memory_equal(&u.addr.u.v6, &v6, sizeof(v6));
	assert_int_equal(u.port, 5061);

	u = ok("::1");
	assert_true(u.literal);
	assert_int_equal(u.addr.family, AF_INET6);
	u = ok("127.0.0.1");
	assert_true(u.literal);

	bad("sip:[2001:db8::5", "unterminated");
	bad("sip:[nonsense]", "IPv6");
}

static void
xmpp_uris(void **state)
{
	struct fr_uri u;

	(void)state;
	u = ok("xmpp:juliet@Capulet.test/balcony?message");
	assert_int_equal(u.scheme, FR_SCHEME_XMPP);
	assert_string_equal(u.host, "capulet.test");
	assert_int_equal(u.port, -1);
	u = ok("xmpp:capulet.test");
	assert_string_equal(u.host, "capulet.test");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(domains),
		cmocka_unit_test(sip_uris),
		cmocka_unit_test(literals),
		cmocka_unit_test(xmpp_uris),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
