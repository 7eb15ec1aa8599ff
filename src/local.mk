# src/local.mk -- the programs (included from Makefile.am).

# What both programs read: fedrouted.conf, and the zone files it names.
noinst_LIBRARIES += src/libfedconf.a
src_libfedconf_a_SOURCES = \
	src/conf.c src/conf.h \
	src/textfile.c src/textfile.h \
	src/zonefile.c src/zonefile.h

# What both programs show of routing and speak to each other: a routing
# decision explained (fedroute route, fedroute ctl lookup) and the
# control socket's protocol.
noinst_LIBRARIES += src/libfedops.a
src_libfedops_a_SOURCES = \
	src/ctlproto.c src/ctlproto.h \
	src/routeprint.c src/routeprint.h

# The fedroute command line: its subcommands, apart from main(), so
# that test programs can link the same modules the command uses.
noinst_LIBRARIES += src/libfedcli.a
src_libfedcli_a_SOURCES = \
	src/batch.c src/batch.h \
	src/checkconf.c \
	src/commands.h \
	src/ctl.c \
	src/lookup.c \
	src/route.c
src_libfedcli_a_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFR_CONF_FILE='"$(sysconfdir)/fedrouted.conf"'
FR_TESTER_LIBS = src/libfedcli.a src/libfedops.a src/libfedconf.a \
	diag/libfeddiag.a \
	router/libfedrouter.a resolver/libfedresolve.a proto/libfedproto.a \
	$(FR_DEP_LIBS) $(OPENSSL_LIBS) -lm

bin_PROGRAMS += src/fedroute
src_fedroute_SOURCES = src/fedroute.c
src_fedroute_LDADD = $(FR_TESTER_LIBS)

# What server: http: serves: the Prometheus text and the status page,
# apart from the HTTP server so that unit tests link them alone.
noinst_LIBRARIES += src/libfedweb.a
src_libfedweb_a_SOURCES = \
	src/metrics.c src/metrics.h \
	src/statuspage.c src/statuspage.h

# The edge daemon.
sbin_PROGRAMS += src/fedrouted
src_fedrouted_SOURCES = src/fedrouted.c \
	src/confload.c src/confload.h \
	src/control.c src/control.h \
	src/ctlanswer.c src/ctlanswer.h \
	src/ctlcmd.c src/ctlcmd.h \
	src/fanout.c src/fanout.h \
	src/handoff.c src/handoff.h \
	src/httpd.c src/httpd.h \
	src/sdnotify.c src/sdnotify.h
src_fedrouted_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) \
	-DFR_CONF_FILE='"$(sysconfdir)/fedrouted.conf"'
src_fedrouted_LDADD = src/libfedops.a src/libfedweb.a src/libfedconf.a \
	diag/libfeddiag.a router/libfedrouter.a \
	resolver/libfedresolve.a proto/libfedproto.a $(MHD_LIBS) \
	$(FR_DEP_LIBS) $(OPENSSL_LIBS) $(JANSSON_LIBS) -lm
