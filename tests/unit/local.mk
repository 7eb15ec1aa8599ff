# tests/unit/local.mk -- cmocka unit tests (included from Makefile.am).
UNIT_TESTS = \
	tests/unit/test_srvorder \
	tests/unit/test_naptr \
	tests/unit/test_sipuri \
	tests/unit/test_ctlproto \
	tests/unit/test_ctlanswer \
	tests/unit/test_sipmsg \
	tests/unit/test_sipprobe \
	tests/unit/test_link \
	tests/unit/test_cache \
	tests/unit/test_health \
	tests/unit/test_resolver \
	tests/unit/test_bounds \
	tests/unit/test_htab \
	tests/unit/test_addrscope \
	tests/unit/test_strbuf \
	tests/unit/test_certcheck \
	tests/unit/test_diag \
	tests/unit/test_conf \
	tests/unit/test_balance \
	tests/unit/test_check \
	tests/unit/test_routing \
	tests/unit/test_inputs \
	tests/unit/test_sipmac \
	tests/unit/test_webescape \
	tests/unit/test_stats
# proto/: XMPP stream headers and TLS ClientHellos
UNIT_TESTS += \
	tests/unit/test_xmppstream \
	tests/unit/test_tlshello \
	tests/unit/test_xmppprobe
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_srvorder_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_srvorder_LDADD = $(UNIT_LDADD)
tests_unit_test_naptr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_naptr_LDADD = $(UNIT_LDADD)
tests_unit_test_ctlanswer_SOURCES = tests/unit/test_ctlanswer.c src/ctlanswer.c
tests_unit_test_ctlanswer_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_ctlanswer_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)
tests_unit_test_ctlproto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ctlproto_LDADD = $(UNIT_LDADD)
tests_unit_test_sipuri_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sipuri_LDADD = $(UNIT_LDADD)
tests_unit_test_sipmsg_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sipmsg_LDADD = $(UNIT_LDADD)
tests_unit_test_sipprobe_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sipprobe_LDADD = $(UNIT_LDADD)
tests_unit_test_link_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	-DFR_TEST_ZONES_DIR='"$(abs_top_srcdir)/zones"'
tests_unit_test_link_LDADD = $(UNIT_LDADD)
tests_unit_test_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cache_LDADD = $(UNIT_LDADD)
tests_unit_test_health_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_health_LDADD = $(UNIT_LDADD)
tests_unit_test_resolver_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	-DFR_TEST_ZONES_DIR='"$(abs_top_srcdir)/zones"'
tests_unit_test_resolver_LDADD = $(UNIT_LDADD)
tests_unit_test_bounds_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_bounds_LDADD = $(UNIT_LDADD)
tests_unit_test_htab_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_htab_LDADD = $(UNIT_LDADD)
# Units of the tester (diag/, proto/) are compiled into their test.
tests_unit_test_addrscope_SOURCES = tests/unit/test_addrscope.c \
	diag/addrscope.c
tests_unit_test_addrscope_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_addrscope_LDADD = $(UNIT_LDADD)
tests_unit_test_webescape_SOURCES = tests/unit/test_webescape.c
tests_unit_test_webescape_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_webescape_LDADD = src/libfedweb.a $(UNIT_LDADD)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_stats_LDADD = $(UNIT_LDADD)
tests_unit_test_strbuf_SOURCES = tests/unit/test_strbuf.c proto/strbuf.c
tests_unit_test_strbuf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_strbuf_LDADD = $(UNIT_LDADD)
tests_unit_test_certcheck_SOURCES = tests/unit/test_certcheck.c \
	diag/certcheck.c proto/strbuf.c
tests_unit_test_certcheck_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_certcheck_LDADD = $(UNIT_LDADD) $(OPENSSL_LIBS)
tests_unit_test_diag_SOURCES = tests/unit/test_diag.c diag/diag.c
tests_unit_test_diag_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_diag_LDADD = $(UNIT_LDADD)
# The edge daemon's configuration and router units.
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_LDADD)
tests_unit_test_balance_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_balance_LDADD = $(UNIT_LDADD)
tests_unit_test_check_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_check_LDADD = $(UNIT_LDADD)
tests_unit_test_routing_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_routing_LDADD = $(UNIT_LDADD)
# proto/: XMPP stream headers (expat) and TLS ClientHellos (made by
# OpenSSL in memory).
tests_unit_test_xmppstream_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_xmppstream_LDADD = $(UNIT_LDADD)
tests_unit_test_tlshello_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tlshello_LDADD = $(UNIT_LDADD) $(OPENSSL_LIBS)
tests_unit_test_xmppprobe_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_xmppprobe_LDADD = $(UNIT_LDADD)
tests_unit_test_inputs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_inputs_LDADD = $(UNIT_LDADD)
tests_unit_test_sipmac_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sipmac_LDADD = $(UNIT_LDADD)
