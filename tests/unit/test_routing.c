/*
 * test_routing.c -- the allow list's matching (exact name before the
 * longest *.suffix, a wildcard never matching its own apex), the CIDRs
 * of allow-from, and the decisions known without DNS: refused, and
 * override routes to literal next hops.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "routing.h"

static void
domain_match(void **state)
{
	(void)state;
	assert_true(fr_domain_match("a.example", "a.example"));
	assert_false(fr_domain_match("a.example", "b.a.example"));
	assert_true(fr_domain_match("*.a.example", "b.a.example"));
	assert_true(fr_domain_match("*.a.example", "c.b.a.example"));
	assert_false(fr_domain_match("*.a.example", "a.example"));
	assert_false(fr_domain_match("*.a.example", "ba.example"));
	assert_false(fr_domain_match("*.a.example", "xa.example"));
}

static void
cidr(void **state)
{
	struct fr_sockaddr a;
	struct fr_cidr c;

	(void)state;
	assert_int_equal(fr_cidr_parse("10.10.1.0/24", &c), 0);
	assert_int_equal(fr_ip_parse("10.10.1.77", &a), 0);
	assert_true(fr_cidr_match(&c, &a));
	assert_int_equal(fr_ip_parse("10.10.2.1", &a), 0);
	assert_false(fr_cidr_match(&c, &a));
	/* Host bits are ignored; the network is what counts. */
	assert_int_equal(fr_cidr_parse("10.10.1.99/24", &c), 0);
	assert_int_equal(fr_ip_parse("10.10.1.1", &a), 0);
	assert_true(fr_cidr_match(&c, &a));
	/* One address, and an odd prefix. */
	assert_int_equal(fr_cidr_parse("192.0.2.1", &c), 0);
	assert_true(fr_ip_parse("192.0.2.1", &a) == 0 && fr_cidr_match(&c, &a));
	assert_true(fr_ip_parse("192.0.2.2", &a) == 0 && !fr_cidr_match(&c, &a));
	assert_int_equal(fr_cidr_parse("192.0.2.0/25", &c), 0);
	assert_true(fr_ip_parse("192.0.2.127", &a) == 0 && fr_cidr_match(&c, &a));
	assert_true(fr_ip_parse("192.0.2.128", &a) == 0 && !fr_cidr_match(&c, &a));
	/* IPv6, and IPv4 never matching an IPv6 network by accident. */
	assert_int_equal(fr_cidr_parse("2001:db8::/32", &c), 0);
	assert_true(fr_ip_parse("2001:db8:1::5", &a) == 0 && fr_cidr_match(&c, &a));
	assert_true(fr_ip_parse("2001:db9::5", &a) == 0 && !fr_cidr_match(&c, &a));
	assert_true(fr_ip_parse("10.0.0.1", &a) == 0 && !fr_cidr_match(&c, &a));
	assert_int_equal(fr_cidr_parse("0.0.0.0/0", &c), 0);
	assert_true(fr_ip_parse("10.0.0.1", &a) == 0 && fr_cidr_match(&c, &a));
	assert_true(fr_ip_parse("::1", &a) == 0 && !fr_cidr_match(&c, &a));
	/* Malformed. */
	assert_int_equal(fr_cidr_parse("10.0.0.0/33", &c), -1);
	assert_int_equal(fr_cidr_parse("10.0.0.0/", &c), -1);
	assert_int_equal(fr_cidr_parse("10.0.0.0/-1", &c), -1);
	assert_int_equal(fr_cidr_parse("/8", &c), -1);
	assert_int_equal(fr_cidr_parse("::/129", &c), -1);
	assert_int_equal(fr_cidr_parse("host.example", &c), -1);
}

/* Writable strings: the configuration's fields are char *. */
static char d_example[] = "*.example", d_partner[] = "*.partner.example",
    d_sip[] = "sip.partner.example", hop4[] = "192.0.2.2",
    hop6[] = "2001:db8::1";

static struct fr_domain_conf domains[] = {
	{ .name = d_example, .line = 10,
	  .profiles = FR_FED_SIP | FR_FED_XMPP },
	{ .name = d_partner, .line = 20,
	  .profiles = FR_FED_XMPP },
	{ .name = d_sip, .line = 30,
	  .profiles = FR_FED_SIP },
};
static struct fr_route_conf routes[] = {
	{ .domain = d_example, .line = 40,
	  .next_hop = { hop4, 5071 },
	  .transport = FR_TRANSPORT_TLS, .priority = 20,
	  .mode = FR_ROUTE_OVERRIDE },
	{ .domain = d_example, .line = 50,
	  .next_hop = { hop6, 5061 },
	  .transport = FR_TRANSPORT_TLS, .priority = 10,
	  .mode = FR_ROUTE_OVERRIDE },
};

static struct fr_routing *
routing(struct ev_loop *loop)
{
	struct fr_edge_conf conf;
	struct fr_routing *rt;
	char err[256];

	memset(&conf, 0, sizeof(conf));
	conf.domains = domains;
	conf.ndomains = 3;
	conf.routes = routes;
	conf.nroutes = 2;
	for (size_t i = 0; i < conf.ndomains; i++)
		domains[i].transports = FR_TRANSPORT_BIT(FR_TRANSPORT_TLS);
	rt = fr_routing_create(loop, &conf, err, sizeof(err));
	if (rt == NULL)
		fail_msg("fr_routing_create: %s", err);
	return rt;
}

static void
most_specific_domain(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fr_routing *rt = routing(loop);

	(void)state;
	assert_int_equal(fr_routing_domain(rt, "sip.partner.example")->line,
	    30);
	assert_int_equal(fr_routing_domain(rt, "xmpp.partner.example")->line,
	    20);
	assert_int_equal(fr_routing_domain(rt, "partner.example")->line, 10);
	assert_null(fr_routing_domain(rt, "example"));
	assert_null(fr_routing_domain(rt, "other.test"));
	fr_routing_delete(rt);
	ev_loop_destroy(loop);
}

/* What is known without DNS comes back at once, without a callback. */
static void
never_called(void *arg, struct fr_route_result *r)
{
	(void)arg;
	(void)r;
	fail_msg("callback for a decision known at once");
}

static void
decided_at_once(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fr_routing *rt = routing(loop);
	struct fr_route_result *r;
	char err[256];

	(void)state;
	/* Not in the allow list. */
	assert_int_equal(fr_routing_decide(rt, "other.test", FR_SERVICE_SIP,
	    never_called, NULL, &r, NULL, err, sizeof(err)), 1);
	assert_int_equal(r->decision, FR_DECISION_REFUSED);
	assert_non_null(strstr(r->why, "not in the allow list"));
	fr_route_result_free(r);
	/* In it, but not for SIP. */
	assert_int_equal(fr_routing_decide(rt, "xmpp.partner.example",
	    FR_SERVICE_SIP, never_called, NULL, &r, NULL, err,
	    sizeof(err)), 1);
	assert_int_equal(r->decision, FR_DECISION_REFUSED);
	assert_int_equal(r->domain_line, 20);
	fr_route_result_free(r);
	/* Override routes to literals: by priority, then file order. */
	assert_int_equal(fr_routing_decide(rt, "a.Example.", FR_SERVICE_SIP,
	    never_called, NULL, &r, NULL, err, sizeof(err)), 1);
	assert_int_equal(r->decision, FR_DECISION_OVERRIDE);
	assert_string_equal(r->domain, "a.example");
	assert_int_equal(r->ntargets, 2);
	assert_int_equal(r->targets[0].route_line, 50);
	assert_int_equal(r->targets[0].port, 5061);
	assert_int_equal(r->targets[0].addrs[0].family, AF_INET6);
	assert_int_equal(r->targets[1].route_line, 40);
	fr_route_result_free(r);
	/* Malformed names are the caller's error. */
	assert_int_equal(fr_routing_decide(rt, "a..example", FR_SERVICE_SIP,
	    never_called, NULL, &r, NULL, err, sizeof(err)), -1);
	assert_null(r);
	ev_run(loop, EVRUN_NOWAIT);
	fr_routing_delete(rt);
	ev_loop_destroy(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(domain_match),
		cmocka_unit_test(cidr),
		cmocka_unit_test(most_specific_domain),
		cmocka_unit_test(decided_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
