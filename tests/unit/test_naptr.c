/*
 * test_naptr.c -- RFC 3263 NAPTR usability and ordering.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "naptr.h"

static struct fr_naptr_rec
rec(uint16_t order, uint16_t pref, const char *flags, const char *service,
    const char *regexp, const char *replacement)
{
	struct fr_naptr_rec r;

	memset(&r, 0, sizeof(r));
	r.order = order;
	r.preference = pref;
	strcpy(r.flags, flags);
	strcpy(r.service, service);
	strcpy(r.regexp, regexp);
	strcpy(r.replacement, replacement);
	return r;
}

static void
services_map_to_transports(void **state)
{
	static const struct { const char *svc; enum fr_transport t; } cases[] = {
		{ "SIPS+D2T", FR_TRANSPORT_TLS },
		{ "SIP+D2T", FR_TRANSPORT_TCP },
		{ "SIP+D2U", FR_TRANSPORT_UDP },
		{ "SIPS+D2S", FR_TRANSPORT_SCTP_TLS },
		{ "SIP+D2S", FR_TRANSPORT_SCTP },
		{ "sips+d2t", FR_TRANSPORT_TLS },	/* case-insensitive */
		{ "Sip+D2u", FR_TRANSPORT_UDP },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fr_naptr_rec r = rec(10, 10, "s", cases[i].svc, "",
		    "_x._tcp.example.test");
		enum fr_transport t;
		enum fr_naptr_kind k;
		const char *why = NULL;

		assert_true(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t,
		    &k, &why));
		assert_int_equal(t, cases[i].t);
		assert_int_equal(k, FR_NAPTR_SRV);
	}
}

static void
flags(void **state)
{
	struct fr_naptr_rec r;
	enum fr_transport t;
	enum fr_naptr_kind k;
	const char *why;

	(void)state;
	r = rec(1, 1, "A", "SIP+D2T", "", "host.example.test");
	assert_true(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	assert_int_equal(k, FR_NAPTR_HOST);
	r = rec(1, 1, "S", "SIP+D2T", "", "_sip._tcp.example.test");
	assert_true(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	assert_int_equal(k, FR_NAPTR_SRV);
	/* An extension letter beside the terminal flag is tolerated. */
	r = rec(1, 1, "se", "SIP+D2T", "", "_sip._tcp.example.test");
	assert_true(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));

	r = rec(1, 1, "u", "E2U+sip", "!^.*$!sip:bob@example.test!", "");
	assert_false(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	r = rec(1, 1, "u", "SIP+D2T", "!^.*$!sip:bob@example.test!", "");
	assert_false(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	assert_non_null(strstr(why, "flag u"));
	r = rec(1, 1, "", "SIP+D2T", "", "next.example.test");
	assert_false(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	r = rec(1, 1, "sa", "SIP+D2T", "", "next.example.test");
	assert_false(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	r = rec(1, 1, "s", "SIP+D2T", "!x!y!", "next.example.test");
	assert_false(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	r = rec(1, 1, "s", "SIP+D2T", "", "");
	assert_false(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	r = rec(1, 1, "s", "XMPP+D2T", "", "_x._tcp.example.test");
	assert_false(fr_naptr_usable(&r, false, FR_TRANSPORTS_ALL, &t, &k, &why));
	assert_non_null(strstr(why, "service"));
}

static void
sips_and_filter(void **state)
{
	struct fr_naptr_rec tcp = rec(1, 1, "s", "SIP+D2T", "", "_sip._tcp.e.test");
	struct fr_naptr_rec tls = rec(1, 1, "s", "SIPS+D2T", "", "_sips._tcp.e.test");
	struct fr_naptr_rec udp = rec(1, 1, "s", "SIP+D2U", "", "_sip._udp.e.test");
	unsigned tls_tcp = FR_TRANSPORT_BIT(FR_TRANSPORT_TLS) |
	    FR_TRANSPORT_BIT(FR_TRANSPORT_TCP);
	enum fr_transport t;
	enum fr_naptr_kind k;
	const char *why;

	(void)state;
	assert_false(fr_naptr_usable(&tcp, true, FR_TRANSPORTS_ALL, &t, &k, &why));
	assert_non_null(strstr(why, "sips"));
	assert_true(fr_naptr_usable(&tls, true, FR_TRANSPORTS_ALL, &t, &k, &why));
	assert_false(fr_naptr_usable(&udp, false, tls_tcp, &t, &k, &why));
	assert_non_null(strstr(why, "filter"));
	assert_true(fr_naptr_usable(&tcp, false, tls_tcp, &t, &k, &why));
}

static void
sorted_by_order_then_preference(void **state)
{
	struct fr_naptr_rec r[5];

	(void)state;
	r[0] = rec(20, 10, "s", "SIP+D2U", "", "a");
	r[1] = rec(10, 50, "s", "SIP+D2T", "", "b");
	r[2] = rec(10, 5, "s", "SIPS+D2T", "", "c");
	r[3] = rec(20, 1, "s", "SIP+D2T", "", "d");
	r[4] = rec(10, 50, "s", "SIP+D2T", "", "e");	/* ties keep order */
	fr_naptr_sort(r, 5);
	assert_string_equal(r[0].replacement, "c");
	assert_string_equal(r[1].replacement, "b");
	assert_string_equal(r[2].replacement, "e");
	assert_string_equal(r[3].replacement, "d");
	assert_string_equal(r[4].replacement, "a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(services_map_to_transports),
		cmocka_unit_test(flags),
		cmocka_unit_test(sips_and_filter),
		cmocka_unit_test(sorted_by_order_then_preference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
