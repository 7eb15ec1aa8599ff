# tests/integration/local.mk -- included from the top-level Makefile.am.
#
# Integration tests: a real NSD on a free loopback port serving zones/,
# and the fedroute CLI checked against doc/lookup-contract.md; fedrouted
# with real nodes behind it (edgeharness.py), on loopback only.
# The top level sets TEST_EXTENSIONS = .py .sh, PY_LOG_COMPILER = $(PYTHON3),
# SH_LOG_COMPILER = $(SHELL), and exports FEDROUTE, FEDROUTED, ZONES_DIR,
# NSD and FR_SRCDIR in AM_TESTS_ENVIRONMENT.  The tests write only to
# private temporary directories, so they also run from a read-only source
# tree (distcheck).

TESTS += \
	zones/check-zones.sh \
	tests/integration/test_lookup.py \
	tests/integration/test_xmpp.py \
	tests/integration/test_order.py \
	tests/integration/test_failures.py \
	tests/integration/test_zonefile.py \
	tests/integration/test_dnssec.py \
	tests/integration/test_checks.py \
	tests/integration/test_output.py \
	tests/integration/test_resolvers.py \
	tests/integration/test_connect.py \
	tests/integration/test_config.py \
	tests/integration/test_relay.py \
	tests/integration/test_node_health.py \
	tests/integration/test_tls.py \
	tests/integration/test_lifecycle.py \
	tests/integration/test_control.py \
	tests/integration/test_route.py \
	tests/integration/test_sip_route.py \
	tests/integration/test_xmpp_route.py \
	tests/integration/test_xmpp_e2e.py \
	tests/integration/test_inputs.py \
	tests/integration/test_metrics.py

EXTRA_DIST += \
	tests/integration/test_metrics.py \
	tests/integration/test_control.py \
	tests/integration/test_route.py \
	tests/integration/test_sip_route.py \
	tests/integration/test_xmpp_route.py \
	tests/integration/test_xmpp_e2e.py \
	tests/integration/test_inputs.py \
	zones/test/route.test.zone \
	tests/integration/test_lifecycle.py \
	tests/integration/test_tls.py \
	tests/integration/test_node_health.py \
	tests/integration/edgeharness.py \
	tests/integration/test_relay.py \
	tests/integration/nsdharness.py \
	tests/integration/pki.py \
	tests/integration/test_config.py \
	tests/integration/lookupcheck.py \
	tests/integration/test_lookup.py \
	tests/integration/test_xmpp.py \
	tests/integration/test_order.py \
	tests/integration/test_failures.py \
	tests/integration/test_zonefile.py \
	tests/integration/test_dnssec.py \
	tests/integration/test_checks.py \
	tests/integration/test_output.py \
	tests/integration/test_resolvers.py \
	tests/integration/test_connect.py \
	tests/integration/peers.py \
	zones/nsd.conf.in \
	zones/check-zones.sh \
	zones/demo/aol.test.zone \
	zones/demo/partner.test.zone \
	zones/demo/enterprise.test.zone \
	zones/demo/lync.test.zone \
	zones/demo/rfc3263.test.zone \
	zones/demo/xmpp.test.zone \
	zones/test/cases.test.zone \
	zones/test/checks.test.zone \
	zones/test/split.test.zone \
	zones/internal/split.test.zone

# A long-running resolver driven over stdin (cache and health tests).
check_PROGRAMS += tests/integration/resolver_driver
tests_integration_resolver_driver_SOURCES = \
	tests/integration/resolver_driver.c
tests_integration_resolver_driver_LDADD = $(FR_TESTER_LIBS)
TESTS += tests/integration/test_cache.py
# Hostile zones (written at run time) against the resolver's bounds.
TESTS += tests/integration/test_bounds.py
EXTRA_DIST += tests/integration/test_bounds.py
EXTRA_DIST += tests/integration/test_cache.py zones/test/cache.test.zone
