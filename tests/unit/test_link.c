/*
 * test_link.c -- guard for the libunbound + libev link problem.
 *
 * Debian's libev also exports libevent-compatible symbols.  If a binary
 * resolves event_base_new (and friends) to libev, libunbound's resolver
 * thread runs on the wrong library and aborts.  This test is linked
 * exactly like the programs and checks which library the dynamic linker
 * picked, then runs a real libunbound context through its thread.
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

/* A literal needs no DNS, but the context and its thread must start
 * and stop cleanly with libev driving the result pipe. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(libevent_symbols_come_from_libevent),
		cmocka_unit_test(resolver_starts_and_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
