# src/local.mk -- the fedroute command line (included from Makefile.am).
#
# Everything but main() is in libfedtester.a, so that test programs can
# link the same modules the command uses.
noinst_LIBRARIES += src/libfedtester.a
src_libfedtester_a_SOURCES = \
	src/addrscope.c src/addrscope.h \
	src/batch.c src/batch.h \
	src/certcheck.c src/certcheck.h \
	src/commands.h \
	src/connect.c src/connect.h \
	src/diag.c src/diag.h \
	src/dnscheck.c src/dnscheck.h \
	src/json.c src/json.h \
	src/lookup.c \
	src/nagios.c src/nagios.h \
	src/probe.c src/probe.h \
	src/report.c src/report.h \
	src/resdiff.c src/resdiff.h \
	src/selfcheck.c src/selfcheck.h \
	src/sipprobe.c src/sipprobe.h \
	src/strbuf.c src/strbuf.h \
	src/tester.c src/tester.h \
	src/xmppprobe.c src/xmppprobe.h \
	src/zonefile.c src/zonefile.h
FR_TESTER_LIBS = src/libfedtester.a resolver/libfedresolve.a $(FR_DEP_LIBS) \
	$(OPENSSL_LIBS) -lm

bin_PROGRAMS += src/fedroute
src_fedroute_SOURCES = src/fedroute.c
src_fedroute_LDADD = $(FR_TESTER_LIBS)
