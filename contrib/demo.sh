#!/bin/sh
# The quick start: install what is needed, build, and resolve the demo
# federation's domains from the bundled zone files (no network needed).
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
	sh contrib/install-deps.sh
fi
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

ZONES=""
for z in zones/demo/*.zone; do
	ZONES="$ZONES --zone $z"
done

run() {
	echo "\$ fedroute lookup$ZONES $*"
	# shellcheck disable=SC2086
	src/fedroute lookup $ZONES --seed 1 "$@" || true
	echo
}
run sip:rfc3263.test
run --profile ms-fed lync.test
run xmpp:xmpp.test
