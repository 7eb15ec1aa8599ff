# contrib/bench/local.mk -- benchmark programs (built, never installed).
noinst_PROGRAMS += contrib/bench/resolver_bench
contrib_bench_resolver_bench_SOURCES = contrib/bench/resolver_bench.c
contrib_bench_resolver_bench_LDADD = resolver/libfedresolve.a proto/libfedproto.a \
	$(FR_DEP_LIBS) -lm
EXTRA_DIST += contrib/bench/bench-resolver.sh contrib/bench/bench-sip.py \
	contrib/bench/bench-xmpp.py contrib/bench/benchlib.py
