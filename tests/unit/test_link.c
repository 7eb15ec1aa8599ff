/*
 * test_link.c -- guard for the libunbound + libev link problem.
 *
 * Debian's libev also exports libevent-compatible symbols.  If a binary
 * resolves event_base_new (and friends) to libev, libunbound runs on the
 * wrong library and aborts.  This test is linked exactly like the
 * programs and checks which library the dynamic linker picked, then
 * resolves a name through a real libunbound context driven by the libev
 * loop (libunbound's pluggable event base, resolver/ubev.c: no thread),
 * answered from a local zone file (no network).
 */
#include "config.h"

#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <ev.h>

#include "resolver.h"

static void
libevent_symbols_come_from_libevent(void **state)
{
	static const char *const syms[] = {
		"event_base_new", "event_add", "event_del", "event_base_dispatch",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(RTLD_DEFAULT, syms[i]);
		Dl_info info;

		assert_non_null(p);
		assert_int_not_equal(dladdr(p, &info), 0);
		assert_non_null(info.dli_fname);
		if (strstr(info.dli_fname, "libevent") == NULL)
			fail_msg("%s resolves to %s, not libevent: fix the "
			    "link order (see Makefile.am)", syms[i],
			    info.dli_fname);
	}
}

/* A literal needs no DNS: the context must still start and stop
 * cleanly on the libev loop. */
static void
resolver_starts_and_stops(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fr_resolver_conf conf;
	struct fr_resolver *res;
	struct fr_query q;
	struct fr_plan *plan;
	char err[256];

	(void)state;
	memset(&conf, 0, sizeof(conf));
	memset(&q, 0, sizeof(q));
	assert_non_null(loop);
	res = fr_resolver_create(loop, &conf, err, sizeof(err));
	assert_non_null(res);
	q.input = "sip:127.0.0.1:5062;transport=tcp";
	plan = fr_resolve_sync(res, &q, err, sizeof(err));
	assert_non_null(plan);
	assert_int_equal(plan->result, FR_RESULT_OK);
	assert_int_equal(plan->ntargets, 1);
	assert_int_equal(plan->targets[0].port, 5062);
	assert_int_equal(plan->targets[0].transport, FR_TRANSPORT_TCP);
	assert_int_equal(plan->targets[0].source, FR_SOURCE_LITERAL);
	assert_int_equal(plan->ntrace, 0);
	fr_plan_free(plan);
	fr_resolver_delete(res);
	ev_loop_destroy(loop);
}

/* A name, so the questions go through libunbound (its mesh, its auth-
 * zone, its events on libev) and come back answered. */
static void
resolves_through_libunbound(void **state)
{
	static const char *const origins[] = { "lync.test" };
	static const char *const files[] = {
		FR_TEST_ZONES_DIR "/demo/lync.test.zone" };
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fr_resolver_conf conf;
	struct fr_resolver *res;
	struct fr_resolver_load load;
	struct fr_query q;
	struct fr_plan *plan;
	char err[256];
	size_t i, answered = 0;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	memset(&q, 0, sizeof(q));
	conf.upstream.zone_origins = origins;
	conf.upstream.zone_files = files;
	conf.upstream.nzones = 1;
	assert_non_null(loop);
	res = fr_resolver_create(loop, &conf, err, sizeof(err));
	if (res == NULL)
		fail_msg("resolver: %s", err);
	q.input = "lync.test";
	q.profile = FR_PROFILE_MSFED;
	plan = fr_resolve_sync(res, &q, err, sizeof(err));
	assert_non_null(plan);
	assert_int_equal(plan->result, FR_RESULT_OK);
	assert_int_equal(plan->ntargets, 2);
	assert_int_equal(plan->targets[0].source, FR_SOURCE_ZONE);
	assert_true(plan->targets[0].naddrs > 0);
	for (i = 0; i < plan->ntrace; i++) {
		assert_true(plan->trace[i].rcode == 0);	/* an answer came */
		answered += plan->trace[i].status == FR_DNS_ANSWER;
	}
	assert_true(answered >= 3);	/* SRV, and A of both targets */
	fr_resolver_load(res, &load);
	assert_int_equal(load.questions, plan->ntrace);
	assert_int_equal(load.questions_inflight, 0);
	fr_plan_free(plan);
	fr_resolver_delete(res);
	ev_loop_destroy(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(libevent_symbols_come_from_libevent),
		cmocka_unit_test(resolver_starts_and_stops),
		cmocka_unit_test(resolves_through_libunbound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
