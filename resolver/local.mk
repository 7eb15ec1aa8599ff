# resolver/local.mk -- libfedresolve (included from Makefile.am).
noinst_LIBRARIES += resolver/libfedresolve.a
resolver_libfedresolve_a_SOURCES = \
	resolver/cache.c resolver/cache.h \
	resolver/chain.c resolver/chain.h \
	resolver/health.c resolver/health.h \
	resolver/naptr.c resolver/naptr.h \
	resolver/plan.c resolver/plan.h \
	resolver/resolver.c resolver/resolver.h \
	resolver/rng.c resolver/rng.h \
	resolver/srvorder.c resolver/srvorder.h \
	resolver/ubev.c resolver/ubev.h \
	resolver/util.c resolver/util.h
resolver_libfedresolve_a_CPPFLAGS = $(FR_RESOLVER_CPPFLAGS)
