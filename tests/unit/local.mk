# tests/unit/local.mk -- cmocka unit tests (included from Makefile.am).
UNIT_TESTS = \
	tests/unit/test_srvorder \
	tests/unit/test_naptr \
	tests/unit/test_uri \
	tests/unit/test_link \
	tests/unit/test_cache \
	tests/unit/test_health \
	tests/unit/test_resolver
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_srvorder_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_srvorder_LDADD = $(UNIT_LDADD)
tests_unit_test_naptr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_naptr_LDADD = $(UNIT_LDADD)
tests_unit_test_uri_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_uri_LDADD = $(UNIT_LDADD)
tests_unit_test_link_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_link_LDADD = $(UNIT_LDADD)
tests_unit_test_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cache_LDADD = $(UNIT_LDADD)
tests_unit_test_health_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_health_LDADD = $(UNIT_LDADD)
tests_unit_test_resolver_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	-DFR_TEST_ZONES_DIR='"$(abs_top_srcdir)/zones"'
tests_unit_test_resolver_LDADD = $(UNIT_LDADD)
