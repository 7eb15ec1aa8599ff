/*
 * test_bounds.c -- the resolver's bounds against hostile zones: targets
 * and SRV names per plan, addresses per target, questions per chain,
 * resolutions at once, RRsets too large for DNS; and the shared plan
 * (views) those bounds keep small.
 *
 * The hostile zone is written at run time into a temporary file and
 * answered by libunbound's auth-zone (real resolution, no network).
 * The figures (bytes per plan, time per cached lookup of the largest
 * plan) are printed, never asserted on.
 */
#include "config.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "resolver.h"
#include "util.h"

#define ORIGIN		"hostile.test"
#define MANY		1000	/* SRV records of many.hostile.test */
#define HUGE		2000	/* more than a DNS message holds */
#define FAT_ADDRS	100	/* A records of one host */
#define NAPTRS		300

static char zone_path[] = "/tmp/fr-test-bounds-XXXXXX";

/* many: MANY SRV targets, each with an address; fat: one target with
 * FAT_ADDRS addresses; huge: HUGE SRV records; naptr: NAPTRS NAPTR
 * records, each to its own SRV name. */
static int
write_zone(void)
{
	FILE *fp;
	int fd, i;

	if ((fd = mkstemp(zone_path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(fp, "$ORIGIN " ORIGIN ".\n$TTL 300\n"
	    "@ IN SOA ns admin 1 3600 600 86400 300\n@ IN NS ns\n"
	    "ns IN A 127.0.0.1\n");
	for (i = 0; i < MANY; i++)
		fprintf(fp, "_sips._tcp.many IN SRV %d 10 5061 h%d.many\n"
		    "h%d.many IN A 127.0.%d.%d\n", i % 100, i, i, 4 + i / 250,
		    1 + i % 250);
	fprintf(fp, "_sips._tcp.fat IN SRV 0 0 5061 h.fat\n");
	for (i = 0; i < FAT_ADDRS; i++)
		fprintf(fp, "h.fat IN A 127.0.9.%d\nh.fat IN AAAA ::%x\n",
		    1 + i, 1 + i);
	for (i = 0; i < HUGE; i++)
		fprintf(fp, "_sips._tcp.huge IN SRV 0 0 5061 "
		    "a-longer-target-name-%d.huge\n", i);
	fprintf(fp, "huge IN A 127.0.10.1\n");
	for (i = 0; i < NAPTRS; i++)
		fprintf(fp, "naptr IN NAPTR %d 0 \"s\" \"SIPS+D2T\" \"\" "
		    "_sips._tcp.n%d.naptr\n_sips._tcp.n%d.naptr IN SRV 0 0 "
		    "5061 h.fat\n", i, i, i);
	return fclose(fp);
}

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

static struct fixture *
make(const struct fr_resolver_conf *bounds)
{
	static const char *origins[] = { ORIGIN };
	static const char *files[] = { zone_path };
	struct fr_resolver_conf conf;
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	if (bounds != NULL)
		conf = *bounds;
	else
		memset(&conf, 0, sizeof(conf));
	conf.upstream.zone_origins = origins;
	conf.upstream.zone_files = files;
	conf.upstream.nzones = 1;
	conf.clock = fake_clock;
	conf.clock_arg = f;
	conf.seeded = true;
	conf.seed = 7;
	f->now = 1000.0;
	f->loop = ev_loop_new(EVFLAG_AUTO);
	f->res = fr_resolver_create(f->loop, &conf, err, sizeof(err));
	if (f->res == NULL)
		fail_msg("resolver: %s", err);
	return f;
}

static void
unmake(struct fixture *f)
{
	fr_resolver_delete(f->res);
	ev_loop_destroy(f->loop);
	free(f);
}

static struct fr_plan *
lookup(struct fixture *f, const char *input)
{
	struct fr_query q;
	struct fr_plan *p;
	char err[256];

	memset(&q, 0, sizeof(q));
	q.input = input;
	q.profile = FR_PROFILE_SIP;
	p = fr_resolve_sync(f->res, &q, err, sizeof(err));
	if (p == NULL)
		fail_msg("%s: %s", input, err);
	return p;
}

/* The message of the first finding id that contains needle, or NULL. */
static const char *
finding_with(const struct fr_plan *p, enum fr_finding_id id,
    const char *needle)
{
	size_t i;

	for (i = 0; i < p->nfindings; i++)
		if (p->findings[i].id == id &&
		    strstr(p->findings[i].message, needle) != NULL)
			return p->findings[i].message;
	return NULL;
}

/*
 * 1000 SRV targets: the plan has the default 64, of the best priority,
 * the chain asks at most 2 + 2 * 64 questions, and a finding says what
 * was cut.  Cached lookups of it are views: small, and timed (printed).
 */
static void
many_srv_targets_are_cut(void **state)
{
	struct fixture *f = make(NULL);
	struct fr_plan *p, *q;
	struct fr_resolver_load load;
	char err[256];
	struct fr_query fq;
	size_t i, n = 2000;
	double t0, each;

	(void)state;
	p = lookup(f, "sips:many." ORIGIN);
	fr_resolver_load(f->res, &load);
	assert_true(load.questions_peak <= FR_DEFAULT_MAX_INFLIGHT);
	assert_true(load.questions_peak > 1);	/* still in parallel */
	assert_int_equal(load.questions, p->ntrace);
	assert_int_equal(load.questions_inflight, 0);
	assert_int_equal(p->result, FR_RESULT_OK);
	assert_int_equal(p->ntargets, FR_PLAN_DEFAULT_TARGETS);
	assert_true(p->ntrace <= 2 + 2 * FR_PLAN_DEFAULT_TARGETS);
	assert_non_null(finding_with(p, FR_FIND_PLAN_TRUNCATED,
	    "has 1000 records: the 64 of the best priority are used, "
	    "936 ignored"));
	/* Best priority first: 1000 records at priorities 0..99, ten
	 * each, so the 64 kept have priorities 0..6. */
	for (i = 0; i < p->ntargets; i++)
		assert_true(p->targets[i].priority <= 6);
	printf("# many: canonical plan %zu bytes (a full copy), view %zu "
	    "bytes, %zu questions\n", fr_plan_bytes(p->base ? p->base : p),
	    fr_plan_view_bytes(p), p->ntrace);
	assert_true(fr_plan_view_bytes(p) < fr_plan_bytes(p) / 4);

	memset(&fq, 0, sizeof(fq));
	fq.input = "sips:many." ORIGIN;
	t0 = fr_now_ms();
	for (i = 0; i < n; i++) {
		assert_int_equal(fr_resolve_cached(f->res, &fq, &q, err,
		    sizeof(err)), 1);
		/* Every view shares one canonical plan. */
		assert_ptr_equal(q->base, p->base);
		assert_ptr_equal(q->trace, p->trace);
		fr_plan_free(q);
	}
	each = (fr_now_ms() - t0) / 1e3 / (double)n;
	printf("# many: %.1f us per cached lookup of a %zu-target plan\n",
	    each * 1e6, p->ntargets);
	fr_plan_free(p);
	unmake(f);
}

/* The bounds are settings: 8 targets when asked for 8. */
static void
bounds_are_configurable(void **state)
{
	struct fr_resolver_conf conf;
	struct fr_resolver_load load;
	struct fixture *f;
	struct fr_plan *p;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.max_targets = 8;
	conf.max_addrs = 3;
	conf.max_inflight = 1;
	f = make(&conf);
	p = lookup(f, "sips:many." ORIGIN);
	fr_resolver_load(f->res, &load);
	assert_int_equal(load.questions_peak, 1);
	assert_int_equal(p->ntargets, 8);
	assert_true(p->ntrace <= 2 + 2 * 8);
	assert_non_null(finding_with(p, FR_FIND_PLAN_TRUNCATED,
	    "the 8 of the best priority are used, 992 ignored "
	    "(max-targets 8)"));
	fr_plan_free(p);
	p = lookup(f, "sips:fat." ORIGIN);
	assert_int_equal(p->ntargets, 1);
	assert_int_equal(p->targets[0].naddrs, 3);
	fr_plan_free(p);
	unmake(f);
}

/* 200 addresses on one host: 16 kept, IPv4 and IPv6 alike. */
static void
addresses_per_target_are_cut(void **state)
{
	struct fixture *f = make(NULL);
	struct fr_plan *p = lookup(f, "sips:fat." ORIGIN);
	size_t i, v4 = 0;

	(void)state;
	assert_int_equal(p->result, FR_RESULT_OK);
	assert_int_equal(p->ntargets, 1);
	assert_int_equal(p->targets[0].naddrs, FR_PLAN_DEFAULT_ADDRS);
	for (i = 0; i < p->targets[0].naddrs; i++)
		v4 += p->targets[0].addrs[i].family == AF_INET;
	assert_int_equal(v4, FR_PLAN_DEFAULT_ADDRS / 2);
	assert_non_null(finding_with(p, FR_FIND_PLAN_TRUNCATED,
	    "1 target(s) have more than 16 addresses"));
	fr_plan_free(p);
	unmake(f);
}

/* 300 NAPTR records, each to its own SRV name: 64 records read, 64 SRV
 * names asked, not 300. */
static void
naptr_records_are_cut(void **state)
{
	struct fixture *f = make(NULL);
	struct fr_plan *p = lookup(f, "sips:naptr." ORIGIN);
	size_t i, srv = 0;

	(void)state;
	assert_int_equal(p->result, FR_RESULT_OK);
	for (i = 0; i < p->ntrace; i++)
		srv += p->trace[i].type == LDNS_RR_TYPE_SRV;
	assert_int_equal(srv, FR_PLAN_DEFAULT_TARGETS);
	assert_non_null(finding_with(p, FR_FIND_PLAN_TRUNCATED,
	    "NAPTR naptr." ORIGIN " has 300 records: the 64 of the best "
	    "order and preference are used, 236 ignored"));
	fr_plan_free(p);
	unmake(f);
}

/*
 * Issue 12 item 11: an SRV RRset too large for any DNS message came back
 * as "nodata", and the chain fell back to the domain's A record as if
 * there were no SRV.  It is a failed question now, and says why.
 */
static void
too_large_rrset_is_reported(void **state)
{
	struct fixture *f = make(NULL);
	struct fr_plan *p = lookup(f, "sips:huge." ORIGIN);
	size_t i;

	(void)state;
	assert_int_equal(p->result, FR_RESULT_SERVFAIL);
	assert_int_equal(p->ntargets, 0);
	assert_null(finding_with(p, FR_FIND_NO_SRV_FALLBACK_A, ""));
	assert_non_null(finding_with(p, FR_FIND_PLAN_TRUNCATED,
	    "_sips._tcp.huge." ORIGIN " SRV: the answer is too large for "
	    "one DNS message"));
	for (i = 0; i < p->ntrace; i++)
		if (p->trace[i].type == LDNS_RR_TYPE_SRV)
			assert_int_equal(p->trace[i].status, FR_DNS_SERVFAIL);
	fr_plan_free(p);
	unmake(f);
}

static void
count_done(void *arg, struct fr_plan *plan)
{
	struct fr_plan **slot = arg;

	*slot = plan;
}

/*
 * One resolution at a time and one more waiting: the third distinct
 * query is refused at once with a plan that says so; the second still
 * resolves when the first is done.
 */
static void
resolutions_are_bounded(void **state)
{
	static const char *const names[] = { "sips:many." ORIGIN,
		"sips:fat." ORIGIN, "sips:naptr." ORIGIN };
	struct fr_resolver_conf conf;
	struct fr_plan *got[3] = { NULL, NULL, NULL };
	struct fr_resolver_load load;
	struct fixture *f;
	struct fr_query q;
	char err[256];
	size_t i;
	int rounds;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.max_resolutions = 1;
	conf.max_queued = 1;
	f = make(&conf);
	for (i = 0; i < 3; i++) {
		memset(&q, 0, sizeof(q));
		q.input = names[i];
		assert_int_equal(fr_resolve(f->res, &q, count_done, &got[i],
		    NULL, err, sizeof(err)), 0);
	}
	for (rounds = 0; rounds < 100000 &&
	    (got[0] == NULL || got[1] == NULL || got[2] == NULL); rounds++)
		ev_run(f->loop, EVRUN_ONCE);
	for (i = 0; i < 3; i++)
		assert_non_null(got[i]);
	assert_int_equal(got[0]->result, FR_RESULT_OK);
	assert_int_equal(got[1]->result, FR_RESULT_OK);
	assert_int_equal(got[2]->result, FR_RESULT_SERVFAIL);
	assert_non_null(finding_with(got[2], FR_FIND_RESOLVER_BUSY,
	    "the resolver is busy (1 resolutions running, 1 waiting"));
	assert_int_equal(got[2]->ntrace, 0);
	fr_resolver_load(f->res, &load);
	assert_int_equal(load.refused, 1);
	assert_int_equal(load.running + load.waiting, 0);
	for (i = 0; i < 3; i++)
		fr_plan_free(got[i]);
	unmake(f);
}

/* A view outlives the cache entry it was made from. */
static void
view_outlives_its_resolver(void **state)
{
	struct fixture *f = make(NULL);
	struct fr_plan *p = lookup(f, "sips:fat." ORIGIN);

	(void)state;
	unmake(f);
	assert_string_equal(p->targets[0].host, "h.fat." ORIGIN);
	assert_string_equal(p->targets[0].srv, "_sips._tcp.fat." ORIGIN);
	assert_string_equal(p->targets[0].cname, "");
	assert_true(p->ntrace >= 3);
	fr_plan_free(p);
}

/* fr_array_grow doubles: 100000 appends see few distinct capacities
 * (one per doubling, give or take the allocator's rounding), where
 * growing by one element each time saw one per append. */
static void
array_grow_doubles(void **state)
{
	uint32_t *arr = NULL, *e;
	size_t n = 0, i, last = 0, changes = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		e = fr_array_grow(&arr, &n, sizeof(*arr));
		assert_non_null(e);
		assert_int_equal(*e, 0);	/* zeroed */
		*e = (uint32_t)i;
		if (malloc_usable_size(arr) != last) {
			last = malloc_usable_size(arr);
			changes++;
		}
	}
	assert_int_equal(n, 100000);
	for (i = 0; i < n; i++)
		assert_int_equal(arr[i], i);
	assert_true(changes <= 40);
	free(arr);
}

static int
group_setup(void **state)
{
	(void)state;
	return write_zone();
}

static int
group_teardown(void **state)
{
	(void)state;
	return unlink(zone_path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(many_srv_targets_are_cut),
		cmocka_unit_test(bounds_are_configurable),
		cmocka_unit_test(addresses_per_target_are_cut),
		cmocka_unit_test(naptr_records_are_cut),
		cmocka_unit_test(too_large_rrset_is_reported),
		cmocka_unit_test(resolutions_are_bounded),
		cmocka_unit_test(view_outlives_its_resolver),
		cmocka_unit_test(array_grow_doubles),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
