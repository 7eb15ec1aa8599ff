#!/bin/sh
# Install every Debian package that fedroute's build, tests and
# benchmarks need.  Run as root on Debian 12 (bookworm) or later.
# Kamailio (with its TLS module) and OpenSSL serve as the IM&P nodes of
# the daemon's integration tests; HAProxy, nginx, wrk and iperf3 are
# contrib/bench/bench.py's contenders, back end and load.
set -eu

PACKAGES="
  build-essential autoconf automake pkg-config
  libldns-dev libunbound-dev libevent-dev nettle-dev
  libssl-dev libev-dev libcmocka-dev
  nsd ldnsutils bind9-dnsutils python3
  kamailio kamailio-tls-modules openssl
  haproxy nginx-light wrk iperf3
"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get needs it)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $PACKAGES
