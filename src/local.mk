# src/local.mk -- the programs (included from Makefile.am).

# What both programs read: fedrouted.conf, and the zone files it names.
noinst_LIBRARIES += src/libfedconf.a
src_libfedconf_a_SOURCES = \
	src/conf.c src/conf.h \
	src/zonefile.c src/zonefile.h

# The fedroute command line.  Everything but main() is in
# libfedtester.a, so that test programs can link the same modules the
# command uses.
noinst_LIBRARIES += src/libfedtester.a
src_libfedtester_a_SOURCES = \
	src/addrscope.c src/addrscope.h \
	src/batch.c src/batch.h \
	src/certcheck.c src/certcheck.h \
	src/checkconf.c \
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
	src/xmppprobe.c src/xmppprobe.h
FR_TESTER_LIBS = src/libfedtester.a src/libfedconf.a router/libfedrouter.a \
	resolver/libfedresolve.a $(FR_DEP_LIBS) $(OPENSSL_LIBS) -lm

bin_PROGRAMS += src/fedroute
src_fedroute_SOURCES = src/fedroute.c
src_fedroute_LDADD = $(FR_TESTER_LIBS)

# The edge daemon.
sbin_PROGRAMS += src/fedrouted
src_fedrouted_SOURCES = src/fedrouted.c
src_fedrouted_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFR_CONF_FILE='"$(sysconfdir)/fedrouted.conf"'
src_fedrouted_LDADD = src/libfedconf.a router/libfedrouter.a \
	resolver/libfedresolve.a $(FR_DEP_LIBS) $(OPENSSL_LIBS) -lm
