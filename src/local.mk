# src/local.mk -- the programs (included from Makefile.am).

# What both programs read: fedrouted.conf and zone files.
noinst_LIBRARIES += src/libfedconf.a
src_libfedconf_a_SOURCES = \
	src/conf.c src/conf.h \
	src/zonefile.c src/zonefile.h

bin_PROGRAMS += src/fedroute
src_fedroute_SOURCES = \
	src/checkconf.c \
	src/commands.h \
	src/fedroute.c \
	src/json.c src/json.h \
	src/lookup.c \
	src/report.c src/report.h
src_fedroute_LDADD = src/libfedconf.a router/libfedrouter.a \
	resolver/libfedresolve.a $(FR_DEP_LIBS) $(OPENSSL_LIBS) -lm

sbin_PROGRAMS += src/fedrouted
src_fedrouted_SOURCES = src/fedrouted.c
src_fedrouted_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFR_CONF_FILE='"$(sysconfdir)/fedrouted.conf"'
src_fedrouted_LDADD = src/libfedconf.a router/libfedrouter.a \
	resolver/libfedresolve.a $(FR_DEP_LIBS) $(OPENSSL_LIBS) -lm
