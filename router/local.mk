# router/local.mk -- libfedrouter: listeners, pools, health checks, relay
# (included from Makefile.am).  src/ uses edge.h, edgeconf.h and
# edgeview.h (and routing.h's decisions, for explaining them); the
# other headers are the library's own.
noinst_LIBRARIES += router/libfedrouter.a
router_libfedrouter_a_SOURCES = \
	router/addr.c router/addr.h \
	router/buffer.c router/buffer.h \
	router/edge.c router/edge.h router/edgeint.h \
	router/edgeconf.h \
	router/edgeview.c router/edgeview.h \
	router/checker.c router/checker.h \
	router/dialer.c router/dialer.h \
	router/listener.c router/listener.h \
	router/log.c router/log.h \
	router/node.c router/node.h \
	router/pool.c router/pool.h \
	router/relay.c router/relay.h \
	router/routing.c router/routing.h \
	router/session.c router/session.h \
	router/sipconn.c router/sipconn.h \
	router/sipin.c \
	router/sipint.h \
	router/sipmac.c router/sipmac.h \
	router/sipout.c \
	router/sipproxy.c router/sipproxy.h \
	router/srclimit.c router/srclimit.h \
	router/stats.c router/stats.h \
	router/strlist.c router/strlist.h \
	router/tls.c router/tls.h \
	router/verdicts.c router/verdicts.h \
	router/xmppout.c router/xmppout.h
router_libfedrouter_a_CPPFLAGS = $(FR_ROUTER_CPPFLAGS)
