/*
 * test_cache.c -- cache lifetimes with a controllable clock: expiry,
 * clamps, negative and failure TTLs, stale serving limits, prefetch,
 * LRU eviction by entries and bytes, counters.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"

/* A plan whose trace holds answers with these TTLs. */
static struct fr_plan *
plan_with(enum fr_result result, const uint32_t *ttls, size_t n,
    enum fr_dns_status status)
{
	struct fr_plan *p = fr_plan_new(FR_PROFILE_SIP, "example.test");
	size_t i;

	assert_non_null(p);
	p->result = result;
	for (i = 0; i < n; i++) {
		struct fr_trace_entry *te = fr_plan_add_trace(p);

		assert_non_null(te);
		te->status = status;
		te->has_ttl = true;
		te->ttl = ttls[i];
	}
	return p;
}

static struct fr_cache *
cache_with(void (*tweak)(struct fr_cache_conf *))
{
	struct fr_cache_conf conf;
	struct fr_cache *c;

	fr_cache_conf_defaults(&conf);
	if (tweak)
		tweak(&conf);
	c = fr_cache_create(&conf);
	assert_non_null(c);
	return c;
}

static void
no_prefetch(struct fr_cache_conf *conf)
{
	conf->prefetch_percent = 0;
}

/* The smallest TTL of the chain decides; expiry is exact. */
static void
expires_with_smallest_ttl(void **state)
{
	static const uint32_t ttls[] = { 3600, 86400, 240, 280 };
	struct fr_cache *c = cache_with(no_prefetch);
	struct fr_plan *p = plan_with(FR_RESULT_OK, ttls, 4, FR_DNS_ANSWER);
	struct fr_cache_view v;

	(void)state;
	assert_int_equal(fr_cache_ttl_for(c, p), 240);
	assert_int_equal(fr_cache_store(c, "k", p, 1000.0), 0);
	assert_int_equal(fr_cache_lookup(c, "k", 1000.0, &v), FR_CACHE_FRESH);
	assert_true(v.age == 0.0);
	assert_int_equal(fr_cache_lookup(c, "k", 1239.9, &v), FR_CACHE_FRESH);
	assert_true(v.ttl_left > 0 && v.ttl_left < 0.2);
	assert_int_equal(fr_cache_lookup(c, "k", 1240.0, &v), FR_CACHE_EXPIRED);
	assert_int_equal(fr_cache_lookup(c, "other", 1000.0, &v),
	    FR_CACHE_ABSENT);
	assert_int_equal(fr_cache_stats(c)->hits, 2);
	assert_int_equal(fr_cache_stats(c)->misses, 2);
	fr_plan_free(p);
	fr_cache_delete(c);
}

static void
clamp_min60_max600(struct fr_cache_conf *conf)
{
	conf->min_ttl = 60;
	conf->max_ttl = 600;
	conf->max_negative_ttl = 120;
	conf->failure_ttl = 7;
}

static void
clamps(void **state)
{
	static const uint32_t low[] = { 5 }, high[] = { 86400 },
	    neg[] = { 1200 };
	struct fr_cache *c = cache_with(clamp_min60_max600);
	struct fr_plan *p;

	(void)state;
	p = plan_with(FR_RESULT_OK, low, 1, FR_DNS_ANSWER);
	assert_int_equal(fr_cache_ttl_for(c, p), 60);
	fr_plan_free(p);
	p = plan_with(FR_RESULT_OK, high, 1, FR_DNS_ANSWER);
	assert_int_equal(fr_cache_ttl_for(c, p), 600);
	fr_plan_free(p);
	/* RFC 2308: negative answers live as long as their SOA says,
	 * within the negative cap. */
	p = plan_with(FR_RESULT_NXDOMAIN, neg, 1, FR_DNS_NXDOMAIN);
	assert_int_equal(fr_cache_ttl_for(c, p), 120);
	fr_plan_free(p);
	p = plan_with(FR_RESULT_NODATA, low, 1, FR_DNS_NODATA);
	assert_int_equal(fr_cache_ttl_for(c, p), 60);
	fr_plan_free(p);
	fr_cache_delete(c);
}

/* SERVFAIL and time-outs are kept only briefly, never as NXDOMAIN. */
static void
failures_are_brief(void **state)
{
	static const uint32_t some[] = { 3600 };
	struct fr_cache *c = cache_with(clamp_min60_max600);
	struct fr_plan *p;
	struct fr_cache_view v;

	(void)state;
	p = plan_with(FR_RESULT_SERVFAIL, NULL, 0, FR_DNS_SERVFAIL);
	fr_plan_add_trace(p)->status = FR_DNS_TIMEOUT;
	assert_int_equal(fr_cache_ttl_for(c, p), 7);
	assert_int_equal(fr_cache_store(c, "f", p, 0.0), 0);
	assert_int_equal(fr_cache_lookup(c, "f", 5.0, &v), FR_CACHE_FRESH);
	assert_int_equal(v.plan->result, FR_RESULT_SERVFAIL);
	assert_int_equal(fr_cache_lookup(c, "f", 7.0, &v), FR_CACHE_EXPIRED);
	fr_plan_free(p);
	/* A partial failure shortens an otherwise long answer. */
	p = plan_with(FR_RESULT_OK, some, 1, FR_DNS_ANSWER);
	fr_plan_add_trace(p)->status = FR_DNS_SERVFAIL;
	assert_int_equal(fr_cache_ttl_for(c, p), 7);
	fr_plan_free(p);
	fr_cache_delete(c);
}

static void
stale_100_retry_10(struct fr_cache_conf *conf)
{
	conf->stale_max = 100;
	conf->stale_retry = 10;
	conf->prefetch_percent = 0;
}

static void
stale_serving_limits(void **state)
{
	static const uint32_t ttls[] = { 50 };
	struct fr_cache *c = cache_with(stale_100_retry_10);
	struct fr_plan *p = plan_with(FR_RESULT_OK, ttls, 1, FR_DNS_ANSWER);
	struct fr_cache_view v;

	(void)state;
	fr_cache_store(c, "s", p, 0.0);
	/* Fresh data is never "stale". */
	assert_false(fr_cache_serve_stale(c, "s", 10.0, &v));
	/* Expired: resolve first; on failure serve stale. */
	assert_int_equal(fr_cache_lookup(c, "s", 60.0, &v), FR_CACHE_EXPIRED);
	assert_true(fr_cache_serve_stale(c, "s", 60.0, &v));
	assert_true(v.ttl_left < 0);
	assert_int_equal(v.plan->result, FR_RESULT_OK);
	/* For stale_retry seconds it is served without asking ... */
	assert_int_equal(fr_cache_lookup(c, "s", 69.0, &v),
	    FR_CACHE_STALE_SERVE);
	/* ... then DNS is tried again. */
	assert_int_equal(fr_cache_lookup(c, "s", 70.0, &v), FR_CACHE_EXPIRED);
	assert_true(fr_cache_serve_stale(c, "s", 140.0, &v));
	/* Never past stale_max after expiry (50 + 100). */
	assert_false(fr_cache_serve_stale(c, "s", 150.0, &v));
	assert_int_equal(fr_cache_lookup(c, "s", 150.0, &v), FR_CACHE_ABSENT);
	assert_int_equal(fr_cache_stats(c)->stale_served, 3);
	assert_int_equal(fr_cache_stats(c)->entries, 0);
	fr_plan_free(p);
	fr_cache_delete(c);
}

static void
no_stale(struct fr_cache_conf *conf)
{
	conf->stale_max = 0;
}

static void
stale_can_be_off(void **state)
{
	static const uint32_t ttls[] = { 50 };
	struct fr_cache *c = cache_with(no_stale);
	struct fr_plan *p = plan_with(FR_RESULT_OK, ttls, 1, FR_DNS_ANSWER);
	struct fr_cache_view v;

	(void)state;
	fr_cache_store(c, "s", p, 0.0);
	assert_false(fr_cache_serve_stale(c, "s", 51.0, &v));
	assert_int_equal(fr_cache_lookup(c, "s", 51.0, &v), FR_CACHE_ABSENT);
	fr_plan_free(p);
	fr_cache_delete(c);
}

/* Asked for in the last 10% of its life: serve, and renew. */
static void
prefetch_window(void **state)
{
	static const uint32_t ttls[] = { 100 };
	struct fr_cache *c = cache_with(NULL);
	struct fr_plan *p = plan_with(FR_RESULT_OK, ttls, 1, FR_DNS_ANSWER);
	struct fr_cache_view v;

	(void)state;
	fr_cache_store(c, "p", p, 0.0);
	assert_int_equal(fr_cache_lookup(c, "p", 89.0, &v), FR_CACHE_FRESH);
	assert_int_equal(fr_cache_lookup(c, "p", 90.5, &v),
	    FR_CACHE_FRESH_RENEW);
	/* Storing the renewal starts a new life. */
	fr_cache_store(c, "p", p, 95.0);
	assert_int_equal(fr_cache_lookup(c, "p", 96.0, &v), FR_CACHE_FRESH);
	assert_true(v.age > 0.9 && v.age < 1.1);
	fr_plan_free(p);
	fr_cache_delete(c);
}

static void
three_entries(struct fr_cache_conf *conf)
{
	conf->max_entries = 3;
}

static void
lru_eviction_by_entries(void **state)
{
	static const uint32_t ttls[] = { 1000 };
	struct fr_cache *c = cache_with(three_entries);
	struct fr_plan *p = plan_with(FR_RESULT_OK, ttls, 1, FR_DNS_ANSWER);
	struct fr_cache_view v;

	(void)state;
	fr_cache_store(c, "a", p, 0.0);
	fr_cache_store(c, "b", p, 1.0);
	fr_cache_store(c, "c", p, 2.0);
	/* Using "a" makes "b" the least recently used. */
	assert_int_equal(fr_cache_lookup(c, "a", 3.0, &v), FR_CACHE_FRESH);
	fr_cache_store(c, "d", p, 4.0);
	assert_int_equal(fr_cache_stats(c)->entries, 3);
	assert_int_equal(fr_cache_stats(c)->evictions, 1);
	assert_int_equal(fr_cache_lookup(c, "b", 5.0, &v), FR_CACHE_ABSENT);
	assert_int_equal(fr_cache_lookup(c, "a", 5.0, &v), FR_CACHE_FRESH);
	assert_int_equal(fr_cache_lookup(c, "c", 5.0, &v), FR_CACHE_FRESH);
	assert_int_equal(fr_cache_lookup(c, "d", 5.0, &v), FR_CACHE_FRESH);
	/* Replacing a key is not an eviction. */
	fr_cache_store(c, "d", p, 6.0);
	assert_int_equal(fr_cache_stats(c)->evictions, 1);
	assert_int_equal(fr_cache_stats(c)->entries, 3);
	fr_plan_free(p);
	fr_cache_delete(c);
}

static size_t byte_cap;

static void
byte_capped(struct fr_cache_conf *conf)
{
	conf->max_bytes = byte_cap;
}

static void
lru_eviction_by_bytes(void **state)
{
	static const uint32_t ttls[] = { 1000 };
	struct fr_plan *p = plan_with(FR_RESULT_OK, ttls, 1, FR_DNS_ANSWER);
	struct fr_cache *c;
	struct fr_cache_view v;
	char key[16];
	int i;

	(void)state;
	/* Room for a little over four entries. */
	byte_cap = 4 * (fr_plan_bytes(p) + 200) + 100;
	c = cache_with(byte_capped);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		fr_cache_store(c, key, p, (double)i);
		assert_true(fr_cache_stats(c)->bytes <= byte_cap);
	}
	assert_true(fr_cache_stats(c)->entries >= 3);
	assert_true(fr_cache_stats(c)->entries <= 5);
	assert_int_equal(fr_cache_lookup(c, "k0", 11.0, &v), FR_CACHE_ABSENT);
	assert_int_equal(fr_cache_lookup(c, "k9", 11.0, &v), FR_CACHE_FRESH);
	assert_int_equal(fr_cache_stats(c)->evictions +
	    fr_cache_stats(c)->entries, 10);
	fr_plan_free(p);
	fr_cache_delete(c);
}

/* Plans without any TTL (no DNS: an IP literal) are not kept. */
static void
nothing_without_ttl(void **state)
{
	struct fr_cache_conf conf;
	struct fr_cache *c;
	struct fr_plan *p = plan_with(FR_RESULT_OK, NULL, 0, FR_DNS_ANSWER);
	struct fr_cache_view v;

	(void)state;
	fr_cache_conf_defaults(&conf);
	conf.failure_ttl = 0;
	c = fr_cache_create(&conf);
	assert_int_equal(fr_cache_store(c, "lit", p, 0.0), 0);
	assert_int_equal(fr_cache_lookup(c, "lit", 0.0, &v), FR_CACHE_ABSENT);
	fr_plan_free(p);
	fr_cache_delete(c);
}

/* The copy a cache keeps is complete and independent. */
static void
plan_copy_is_deep(void **state)
{
	struct fr_plan *p = fr_plan_new(FR_PROFILE_XMPP_S2S, "xmpp:x.test");
	char stale[] = "stale";
	struct fr_finding extra = { FR_FIND_CACHE_STALE, FR_SEV_WARNING,
		stale };
	struct fr_target t;
	struct fr_address a[2];
	struct fr_plan *q;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(a, 0, sizeof(a));
	t.host = "h.x.test";
	a[0].family = AF_INET;
	a[1].family = AF_INET6;
	t.addrs = a;
	t.naddrs = 2;
	assert_int_equal(fr_plan_add_target(p, &t), 0);
	assert_int_equal(fr_plan_add_finding(p, FR_FIND_NO_RECORDS,
	    FR_SEV_ERROR, "msg %d", 1), 0);
	q = fr_plan_copy_with(p, &extra, 1, NULL);
	fr_plan_free(p);
	assert_non_null(q);
	assert_true(q->arena);
	assert_string_equal(q->input, "xmpp:x.test");
	assert_int_equal(q->ntargets, 1);
	assert_string_equal(q->targets[0].host, "h.x.test");
	assert_int_equal(q->targets[0].naddrs, 2);
	assert_int_equal(q->targets[0].addrs[1].family, AF_INET6);
	assert_int_equal(q->nfindings, 2);
	assert_string_equal(q->findings[0].message, "msg 1");
	assert_string_equal(q->findings[1].message, "stale");
	fr_plan_free(q);
}

struct seen {
	char domains[4][FR_DNAME_MAX];
	double ttl_left[4];
	size_t n;
};

static void
each_entry(void *arg, const struct fr_cache_view *view, double stale_left)
{
	struct seen *s = arg;

	(void)stale_left;
	assert_true(s->n < 4);
	snprintf(s->domains[s->n], sizeof(s->domains[0]), "%s",
	    view->plan->domain);
	s->ttl_left[s->n++] = view->ttl_left;
}

/* Listing counts no hit or miss; a flush takes one domain's entries
 * (all its keys) or everything. */
static void
list_and_flush(void **state)
{
	static const uint32_t ttl[] = { 300 };
	struct fr_cache *c = cache_with(no_prefetch);
	const char *doms[] = { "a.test", "b.test", "a.test" };
	const char *keys[] = { "0|a.test", "0|b.test", "1|a.test" };
	struct seen s;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct fr_plan *p = plan_with(FR_RESULT_OK, ttl, 1,
		    FR_DNS_ANSWER);

		snprintf(p->domain, sizeof(p->domain), "%s", doms[i]);
		assert_int_equal(fr_cache_store(c, keys[i], p, 100.0 + i), 0);
		fr_plan_free(p);
	}
	memset(&s, 0, sizeof(s));
	fr_cache_each(c, 200.0, each_entry, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.domains[0], "a.test");
	assert_string_equal(s.domains[1], "b.test");
	assert_true(s.ttl_left[1] == 201.0);
	assert_int_equal(fr_cache_stats(c)->hits, 0);
	assert_int_equal(fr_cache_stats(c)->misses, 0);
	assert_int_equal(fr_cache_flush(c, "a.test"), 2);
	assert_int_equal(fr_cache_flush(c, "a.test"), 0);
	assert_int_equal(fr_cache_stats(c)->entries, 1);
	memset(&s, 0, sizeof(s));
	fr_cache_each(c, 200.0, each_entry, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.domains[0], "b.test");
	assert_int_equal(fr_cache_flush(c, NULL), 1);
	assert_int_equal(fr_cache_stats(c)->entries, 0);
	assert_int_equal(fr_cache_stats(c)->bytes, 0);
	fr_cache_delete(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expires_with_smallest_ttl),
		cmocka_unit_test(clamps),
		cmocka_unit_test(failures_are_brief),
		cmocka_unit_test(stale_serving_limits),
		cmocka_unit_test(stale_can_be_off),
		cmocka_unit_test(prefetch_window),
		cmocka_unit_test(lru_eviction_by_entries),
		cmocka_unit_test(lru_eviction_by_bytes),
		cmocka_unit_test(nothing_without_ttl),
		cmocka_unit_test(plan_copy_is_deep),
		cmocka_unit_test(list_and_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
