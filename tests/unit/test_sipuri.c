/*
 * test_uri.c -- parsing what a lookup is asked about.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdbool.h>
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

static struct fr_sip_uri
sok(const char *in)
{
	struct fr_sip_uri u;
	struct fr_span s = { in, strlen(in) };
	char err[256] = "";

	if (fr_sip_uri_parse(s, &u, err, sizeof(err)) != 0)
		fail_msg("%s: %s", in, err);
	return u;
}

static void
sbad(const char *in, const char *expect)
{
	struct fr_sip_uri u;
	struct fr_span s = { in, strlen(in) };
	char err[256] = "";

	assert_int_equal(fr_sip_uri_parse(s, &u, err, sizeof(err)), -1);
	if (strstr(err, expect) == NULL)
		fail_msg("%s: error '%s' does not mention '%s'", in, err, expect);
}

static void
proxy_uris(void **state)
{
	struct fr_sip_uri u;
	struct fr_span v;

	(void)state;
	u = sok("sip:alice:secret@Example.TEST:5071;transport=TLS;lr;"
	    "alias=10.0.0.5~5062~3;maddr=239.255.255.1?subject=x&h=y");
	assert_int_equal(u.scheme, FR_SCHEME_SIP);
	assert_true(u.has_user);
	assert_true(fr_span_eq(u.user, "alice"));
	assert_true(u.has_password);
	assert_true(fr_span_eq(u.password, "secret"));
	assert_true(fr_span_eq(u.host, "Example.TEST"));	/* as written */
	assert_int_equal(u.host_kind, FR_HOST_NAME);
	assert_int_equal(u.port, 5071);
	assert_true(u.lr);
	assert_true(fr_span_eq(u.transport, "TLS"));
	assert_true(fr_span_eq(u.maddr, "239.255.255.1"));
	assert_true(fr_sip_param(u.params, "ALIAS", &v));
	assert_true(fr_span_eq(v, "10.0.0.5~5062~3"));
	assert_false(fr_sip_param(u.params, "ttl", &v));
	assert_true(fr_span_eq(u.headers, "subject=x&h=y"));

	u = sok("SIPS:[2001:db8::5]:5061");
	assert_int_equal(u.scheme, FR_SCHEME_SIPS);
	assert_int_equal(u.host_kind, FR_HOST_IPV6);
	assert_true(fr_span_eq(u.host, "2001:db8::5"));
	assert_int_equal(u.port, 5061);
	assert_false(u.has_user);
	assert_false(u.lr);

	u = sok("sip:+1-212-555-1212;phone-context=x@192.0.2.4;user=phone");
	assert_int_equal(u.host_kind, FR_HOST_IPV4);
	assert_true(fr_span_eq(u.user, "+1-212-555-1212;phone-context=x"));
	assert_true(fr_sip_param(u.params, "user", &v));
	assert_true(fr_span_eq(v, "phone"));

	u = sok("sip:edge.test.;lr");
	assert_true(u.lr);
	assert_int_equal(u.port, -1);

	sbad("tel:+15551234", "tel:");
	sbad("mailto:a@b", "not a sip");
	sbad("sip:", "no host");
	sbad("sip:a@", "no host");
	sbad("sip:@x.test", "empty user");
	sbad("sip:x.test:0", "port");
	sbad("sip:x.test:65536", "port");
	sbad("sip:x.test:50a", "port");
	sbad("sip:[2001:db8::5", "IPv6");
	sbad("sip:[zz::1]", "IPv6");
	sbad("sip:a b@x.test", "space");
	sbad("sip:x\r\n.test", "control byte");
	sbad("sip:x..test", "host");
	sbad("sip:x.test;=1", "no name");
	sbad("sip:x.test>junk", "host");
}

static bool
dm(const char *host, const char *pattern)
{
	struct fr_span h = { host, strlen(host) };

	return fr_sip_domain_match(h, pattern);
}

static void
domain_patterns(void **state)
{
	(void)state;
	assert_true(dm("example.com", "example.com"));
	assert_true(dm("EXAMPLE.com.", "Example.COM"));
	assert_false(dm("a.example.com", "example.com"));
	assert_false(dm("badexample.com", "example.com"));
	assert_true(dm("a.example.com", "*.example.com"));
	assert_true(dm("x.y.Example.com", "*.EXAMPLE.com"));
	assert_false(dm("example.com", "*.example.com"));
	assert_false(dm("badexample.com", "*.example.com"));
	assert_false(dm(".example.com", "*.example.com"));
	assert_false(dm("", "example.com"));
	assert_false(dm("example.com", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(domains),
		cmocka_unit_test(sip_uris),
		cmocka_unit_test(literals),
		cmocka_unit_test(xmpp_uris),
		cmocka_unit_test(proxy_uris),
		cmocka_unit_test(domain_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
