#!/bin/sh
# Install every Debian package that fedroute's build, tests and
# benchmarks need.  The peers of `lookup --connect`'s tests: openssl and
# faketime make certificates, Kamailio answers SIP (TLS module apart),
# Prosody (with lua-sec for TLS) answers XMPP server-to-server.
# Kamailio and OpenSSL also serve as the IM&P nodes of the daemon's
# integration tests; HAProxy, nginx, wrk and iperf3 are
# contrib/bench/bench.py's contenders, back end and load.  clang builds
# the libFuzzer targets (tests/fuzz); expat parses XMPP stream headers;
# SIPp (sip-tester) and sipsak send SIP through the edge in tests and
# benchmarks; strace counts the edge's reads in test_xmpp_route; jansson
# holds the control socket's answers while the master merges its
# workers' (src/ctlanswer.c); libmicrohttpd serves server: http:
# (/metrics and the status page), and headless chromium loads that page
# in test_metrics.
# Run as root on Debian 12 (bookworm) or later.
set -eu

PACKAGES="
  build-essential autoconf automake pkg-config
  libldns-dev libunbound-dev libevent-dev nettle-dev
  libssl-dev libev-dev libcmocka-dev
  nsd ldnsutils bind9-dnsutils python3
  openssl faketime kamailio kamailio-tls-modules prosody lua-sec
  haproxy nginx-light wrk iperf3
  clang libexpat1-dev sip-tester sipsak strace libjansson-dev
  libmicrohttpd-dev chromium
"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get needs it)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $PACKAGES
