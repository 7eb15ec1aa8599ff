# router/local.mk -- libfedrouter: listeners, pools, health checks, relay
# (included from Makefile.am).
noinst_LIBRARIES += router/libfedrouter.a
router_libfedrouter_a_SOURCES = \
	router/addr.c router/addr.h \
	router/edgeconf.h \
	router/log.c router/log.h \
	router/tls.c router/tls.h
