# src/local.mk -- the fedroute command line (included from Makefile.am).
bin_PROGRAMS += src/fedroute
src_fedroute_SOURCES = \
	src/addrscope.c src/addrscope.h \
	src/batch.c src/batch.h \
	src/certcheck.c src/certcheck.h \
	src/commands.h \
	src/connect.c src/connect.h \
	src/diag.c src/diag.h \
	src/dnscheck.c src/dnscheck.h \
	src/fedroute.c \
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
src_fedroute_LDADD = resolver/libfedresolve.a $(FR_DEP_LIBS) $(OPENSSL_LIBS) -lm
