/*
 * test_resolver.c -- the resolver's cache, coalescing, prefetch,
 * per-request draw, affinity and destination health, with a controllable
 * clock.  DNS comes from the demo zone files through libunbound's
 * auth-zone (real resolution, no network).
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "resolver.h"

#define ZONE(name) FR_TEST_ZONES_DIR "/demo/" name ".test.zone"

struct fixture {
	struct ev_loop *loop;
	struct fr_resolver *res;
	double now;
};

static double
fake_clock(void *arg)
{
	return ((struct fixture *)arg)->now;
}

static int
setup(void **state)
{
	static const char *const origins[] = { "lync.test", "aol.test",
		"rfc3263.test" };
	static const char *const files[] = { ZONE("lync"), ZONE("aol"),
		ZONE("rfc3263") };
	struct fr_resolver_conf conf;
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	memset(&conf, 0, sizeof(conf));
	conf.upstream.zone_origins = origins;
	conf.upstream.zone_files = files;
	conf.upstream.nzones = 3;
	conf.clock = fake_clock;
	conf.clock_arg = f;
	f->now = 1000.0;
	f->loop = ev_loop_new(EVFLAG_AUTO);
	f->res = fr_resolver_create(f->loop, &conf, err, sizeof(err));
	if (f->res == NULL)
		fail_msg("resolver: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	fr_resolver_delete(f->res);
	ev_loop_destroy(f->loop);
	free(f);
	return 0;
}

static struct fr_plan *
lookup(struct fixture *f, const char *input, enum fr_profile profile,
    const char *affinity)
{
	struct fr_query q;
	struct fr_plan *p;
	char err[256];

	memset(&q, 0, sizeof(q));
	q.input = input;
	q.profile = profile;
	q.profile_forced = true;
	q.affinity = affinity;
	p = fr_resolve_sync(f->res, &q, err, sizeof(err));
	if (p == NULL)
		fail_msg("%s: %s", input, err);
	return p;
}

static void
miss_then_hit_then_expiry(void **state)
{
	struct fixture *f = *state;
	const struct fr_cache_stats *st = fr_resolver_cache_stats(f->res);
	struct fr_plan *p;

	p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
	assert_int_equal(p->cache, FR_CACHE_MISS);
	assert_int_equal(p->result, FR_RESULT_OK);
	assert_int_equal(p->ntargets, 2);
	assert_true(p->ttl_left == 240.0);	/* A record's TTL */
	fr_plan_free(p);

	f->now += 100;
	p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
	assert_int_equal(p->cache, FR_CACHE_HIT);
	assert_int_equal(p->ntargets, 2);
	assert_true(p->age == 100.0);
	assert_true(p->ttl_left == 140.0);
	assert_true(p->ntrace > 0);		/* the trace of the resolution */
	fr_plan_free(p);
	assert_int_equal(st->hits, 1);
	assert_int_equal(st->misses, 1);

	f->now += 140;			/* exactly expired */
	p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
	assert_int_equal(p->cache, FR_CACHE_MISS);
	fr_plan_free(p);
	/* Another profile of the same domain is another key. */
	p = lookup(f, "lync.test", FR_PROFILE_SIP, NULL);
	assert_int_equal(p->cache, FR_CACHE_MISS);
	assert_int_equal(p->result, FR_RESULT_NODATA);
	fr_plan_free(p);
}

static void
fast_path(void **state)
{
	struct fixture *f = *state;
	struct fr_query q;
	struct fr_plan *p = NULL;
	char err[256];

	memset(&q, 0, sizeof(q));
	q.input = "aol.test";
	q.profile = FR_PROFILE_MSFED;
	q.profile_forced = true;
	assert_int_equal(fr_resolve_cached(f->res, &q, &p, err, sizeof(err)), 0);
	assert_null(p);
	fr_plan_free(lookup(f, "aol.test", FR_PROFILE_MSFED, NULL));
	assert_int_equal(fr_resolve_cached(f->res, &q, &p, err, sizeof(err)), 1);
	assert_non_null(p);
	assert_int_equal(p->cache, FR_CACHE_HIT);
	assert_string_equal(p->targets[0].host, "sip.oscar.aol.test");
	fr_plan_free(p);
	q.input = "sip:[nonsense";
	assert_int_equal(fr_resolve_cached(f->res, &q, &p, err, sizeof(err)), -1);
}

static void
prefetch_renews_in_background(void **state)
{
	struct fixture *f = *state;
	const struct fr_cache_stats *st = fr_resolver_cache_stats(f->res);
	struct fr_plan *p;

	fr_plan_free(lookup(f, "lync.test", FR_PROFILE_MSFED, NULL));
	f->now += 230;			/* 10 of 240 s left: last 10% */
	p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
	assert_int_equal(p->cache, FR_CACHE_HIT);
	fr_plan_free(p);
	assert_int_equal(st->prefetches, 1);
	/* Let the renewal finish, then pass the old expiry. */
	while (st->stores < 2)
		ev_run(f->loop, EVRUN_ONCE);
	f->now += 20;
	p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
	assert_int_equal(p->cache, FR_CACHE_HIT);
	assert_true(p->age == 20.0);
	fr_plan_free(p);
}

struct got {
	int calls;
	struct fr_plan *plan;
};

static void
on_plan(void *arg, struct fr_plan *plan)
{
	struct got *g = arg;

	g->calls++;
	fr_plan_free(g->plan);
	g->plan = plan;
}

static void
coalescing_and_cancellation(void **state)
{
	struct fixture *f = *state;
	const struct fr_cache_stats *st = fr_resolver_cache_stats(f->res);
	struct fr_resolve_req *r2;
	struct got g[3];
	struct fr_query q;
	char err[256];
	int i;

	memset(g, 0, sizeof(g));
	memset(&q, 0, sizeof(q));
	q.input = "sip:rfc3263.test";
	for (i = 0; i < 3; i++)
		assert_int_equal(fr_resolve(f->res, &q, on_plan, &g[i],
		    i == 1 ? &r2 : NULL, err, sizeof(err)), 0);
	assert_int_equal(st->coalesced, 2);
	fr_resolve_cancel(r2);		/* must not cancel the others */
	while (g[0].calls == 0 || g[2].calls == 0)
		ev_run(f->loop, EVRUN_ONCE);
	assert_int_equal(g[1].calls, 0);
	assert_int_equal(g[0].plan->cache, FR_CACHE_MISS);
	assert_int_equal(g[2].plan->cache, FR_CACHE_COALESCED);
	assert_int_equal(g[0].plan->ntargets, 9);
	assert_int_equal(g[2].plan->ntargets, 9);
	/* One resolution: one NAPTR question for three requests. */
	assert_int_equal(st->stores, 1);
	fr_plan_free(g[0].plan);
	fr_plan_free(g[2].plan);
}

/* Cached data, fresh draw: both equal edges get first place. */
static void
draw_per_request(void **state)
{
	struct fixture *f = *state;
	int first_sip = 0, i;

	for (i = 0; i < 400; i++) {
		struct fr_plan *p = lookup(f, "lync.test", FR_PROFILE_MSFED,
		    NULL);

		first_sip += strcmp(p->targets[0].host, "sip.lync.test") == 0;
		assert_int_equal(p->cache, i == 0 ? FR_CACHE_MISS :
		    FR_CACHE_HIT);
		fr_plan_free(p);
	}
	/* 50/50 over 400 draws: sd 10; allow 5 sd. */
	assert_true(first_sip > 150 && first_sip < 250);
}

static void
affinity_keeps_first_target(void **state)
{
	struct fixture *f = *state;
	char key[32], first[FR_DNAME_MAX];
	int i, k, firsts_sip = 0;

	for (k = 0; k < 40; k++) {
		snprintf(key, sizeof(key), "192.0.2.%d", k);
		for (i = 0; i < 10; i++) {
			struct fr_plan *p = lookup(f, "lync.test",
			    FR_PROFILE_MSFED, key);

			if (i == 0) {
				strcpy(first, p->targets[0].host);
				firsts_sip += strcmp(first,
				    "sip.lync.test") == 0;
			}
			assert_string_equal(p->targets[0].host, first);
			fr_plan_free(p);
		}
	}
	/* Different clients still spread over both edges. */
	assert_true(firsts_sip > 5 && firsts_sip < 35);
}

static struct fr_address
addr(int family, const char *s)
{
	struct fr_address a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	assert_int_equal(inet_pton(family, s, &a.u), 1);
	return a;
}

static size_t
index_of(const struct fr_plan *p, const char *host)
{
	size_t i;

	for (i = 0; i < p->ntargets; i++)
		if (strcmp(p->targets[i].host, host) == 0)
			return i;
	fail_msg("%s not in plan", host);
	return SIZE_MAX;
}

static void
health_moves_down_targets_last(void **state)
{
	struct fixture *f = *state;
	struct fr_health *h = fr_resolver_health(f->res);
	struct fr_address sip4 = addr(AF_INET, "127.0.1.21");
	struct fr_address sip6 = addr(AF_INET6, "2001:db8:1::21");
	struct fr_address sip24 = addr(AF_INET, "127.0.1.22");
	struct fr_address sip26 = addr(AF_INET6, "2001:db8:1::22");
	struct fr_plan *p;
	int i;

	/* One address of sip.lync.test down: only that address moves. */
	fr_health_failure(h, &sip4, 5061, FR_TRANSPORT_TLS, "refused", 0,
	    f->now);
	for (i = 0; i < 20; i++) {
		const struct fr_target *t;

		p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
		t = &p->targets[index_of(p, "sip.lync.test")];
		assert_false(t->down);
		assert_int_equal(t->ndown, 1);
		assert_int_equal(t->addrs[0].family, AF_INET6);
		assert_int_equal(t->addrs[1].family, AF_INET);
		fr_plan_free(p);
	}
	/* The same address on another port is not down. */
	p = lookup(f, "sip:127.0.1.21:5062;transport=tls", FR_PROFILE_SIP,
	    NULL);
	assert_int_equal(p->targets[0].ndown, 0);
	fr_plan_free(p);

	/* Both addresses down: the whole target goes last, every time. */
	fr_health_failure(h, &sip6, 5061, FR_TRANSPORT_TLS, "refused", 0,
	    f->now);
	for (i = 0; i < 20; i++) {
		p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
		assert_string_equal(p->targets[0].host, "sip2.lync.test");
		assert_true(p->targets[1].down);
		assert_true(p->targets[1].down_for > 0);
		assert_string_equal(p->targets[1].down_reason, "refused");
		fr_plan_free(p);
	}
	/* A domain sharing nothing with it is unaffected. */
	p = lookup(f, "aol.test", FR_PROFILE_MSFED, NULL);
	assert_false(p->targets[0].down);
	assert_int_equal(p->targets[0].ndown, 0);
	fr_plan_free(p);

	/* Everything down: kept, the one that failed longest ago first. */
	f->now += 1;
	fr_health_failure(h, &sip24, 5061, FR_TRANSPORT_TLS, "timeout", 0,
	    f->now);
	fr_health_failure(h, &sip26, 5061, FR_TRANSPORT_TLS, "timeout", 0,
	    f->now);
	p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
	assert_int_equal(p->ntargets, 2);
	assert_string_equal(p->targets[0].host, "sip.lync.test");
	assert_string_equal(p->targets[1].host, "sip2.lync.test");
	assert_true(p->targets[0].down && p->targets[1].down);
	fr_plan_free(p);

	/* Back-off over (2 s): the normal draw again. */
	f->now += 5;
	p = lookup(f, "lync.test", FR_PROFILE_MSFED, NULL);
	assert_false(p->targets[0].down || p->targets[1].down);
	fr_plan_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(miss_then_hit_then_expiry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(fast_path, setup, teardown),
		cmocka_unit_test_setup_teardown(prefetch_renews_in_background,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(coalescing_and_cancellation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(draw_per_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(affinity_keeps_first_target,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(health_moves_down_targets_last,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
