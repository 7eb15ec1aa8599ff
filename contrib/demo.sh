#!/bin/sh
# The quick start: install what is needed, build, run the edge of the
# demo federation on loopback -- fedrouted in front of two Kamailio
# nodes, as in contrib/demo.conf -- and send SIP through it; then
# resolve the demo federation's domains from the bundled zone files.
# Nothing leaves the machine; everything started here is stopped here.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
	sh contrib/install-deps.sh
fi
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

for tool in kamailio openssl timeout; do
	if ! command -v "$tool" >/dev/null 2>&1 &&
	    [ ! -x "/usr/sbin/$tool" ]; then
		echo "demo.sh: $tool is missing (run as root to install it)" >&2
		exit 1
	fi
done
PATH="$PATH:/usr/sbin:/sbin"

RUN=contrib/demo-run
PIDS=""
cleanup() {
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$RUN"
mkdir -p "$RUN/ctl"
chmod 755 "$RUN"
# The control socket's directory belongs to the daemon's user, so that
# the daemon can remove the socket when it stops.
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$RUN/ctl"
fi

# ---- 1. certificates: a demo CA, the edge, one per node ---------------
ssl() { openssl "$@" >/dev/null 2>&1; }
EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# shellcheck disable=SC2086
ssl req -x509 $EC -keyout "$RUN/ca.key" -out "$RUN/ca.pem" -days 2 \
	-subj "/CN=fedroute demo CA" \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign
leaf() {	# name dns-name ip
	printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:%s,IP:%s\n' \
	    "$2" "$3" > "$RUN/$1.ext"
	# shellcheck disable=SC2086
	ssl req $EC -keyout "$RUN/$1.key" -out "$RUN/$1.csr" -subj "/CN=$2"
	ssl x509 -req -in "$RUN/$1.csr" -CA "$RUN/ca.pem" -CAkey "$RUN/ca.key" \
	    -CAcreateserial -days 2 -extfile "$RUN/$1.ext" -out "$RUN/$1.pem"
}
leaf edge edge.enterprise.test 127.0.1.10
leaf publisher imp-pub.enterprise.test 127.0.0.2
leaf subscriber imp-sub1.enterprise.test 127.0.0.3
leaf partner partner.test 127.0.1.61
chmod 644 "$RUN"/*

# ---- 2. the IM&P nodes: Kamailio answering OPTIONS over TLS -----------
MODULES=$(dirname "$(ls /usr/lib/*/kamailio/modules/sl.so \
	/usr/lib/kamailio/modules/sl.so 2>/dev/null | head -n 1)")
node() {	# name address [port]
	cat > "$RUN/$1.tls.cfg" <<-EOF
	[server:default]
	method = TLSv1.2+
	certificate = $PWD/$RUN/$1.pem
	private_key = $PWD/$RUN/$1.key
	EOF
	cat > "$RUN/$1.cfg" <<-EOF
	#!KAMAILIO
	debug=1
	log_stderror=yes
	children=1
	tcp_children=1
	disable_sctp=yes
	auto_aliases=no
	dns=no
	rev_dns=no
	enable_tls=yes
	listen=tls:$2:${3:-5062}
	mpath="$MODULES"
	loadmodule "sl.so"
	loadmodule "textops.so"
	loadmodule "pv.so"
	loadmodule "tls.so"
	modparam("tls", "config", "$PWD/$RUN/$1.tls.cfg")
	request_route {
		append_to_reply("X-Node: $1\r\nX-Proto: \$proto\r\nX-Source: \$si\r\n");
		sl_send_reply("200", "OK");
		exit;
	}
	EOF
	kamailio -f "$RUN/$1.cfg" -DD -E -Y "$PWD/$RUN" -P "$PWD/$RUN/$1.pid" \
	    -m 32 -M 4 > "$RUN/$1.log" 2>&1 &
	PIDS="$PIDS $!"
}
listening() {	# address port: something accepts TCP connections there
	python3 -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' \
	    "$1" "$2" 2>/dev/null
}
node publisher 127.0.0.2
node subscriber 127.0.0.3
# partner.test's SIP edge, which the demo's edge reaches by a static route.
node partner 127.0.1.61 5061
i=0
until listening 127.0.0.2 5062 && listening 127.0.0.3 5062 &&
    listening 127.0.1.61 5061; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo.sh: Kamailio did not start:" >&2
		cat "$RUN"/publisher.log "$RUN"/subscriber.log \
		    "$RUN"/partner.log >&2
		exit 1
	fi
	sleep 0.1
done

# ---- 3. the edge ------------------------------------------------------
echo "\$ fedrouted -c contrib/demo.conf"
src/fedrouted -c contrib/demo.conf 2> "$RUN/fedrouted.log" &
PIDS="$PIDS $!"
i=0
until [ "$(grep -c ') is up' "$RUN/fedrouted.log")" -ge 2 ]; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo.sh: the nodes did not come up:" >&2
		cat "$RUN/fedrouted.log" "$RUN"/publisher.log >&2
		exit 1
	fi
	sleep 0.1
done
sed 's/^[^ ]* //' "$RUN/fedrouted.log"
echo

# ---- 4. SIP over TLS through the edge ---------------------------------
options() {	# port
	echo "\$ OPTIONS over TLS to edge.enterprise.test (127.0.1.10:$1)"
	{
		printf 'OPTIONS sip:enterprise.test SIP/2.0\r\n'
		printf 'Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKdemo%s;rport\r\n' "$1"
		printf 'Max-Forwards: 70\r\nFrom: <sip:demo@partner.test>;tag=1\r\n'
		printf 'To: <sip:enterprise.test>\r\nCall-ID: demo-%s-%s\r\n' "$1" "$$"
		printf 'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
		sleep 0.5	# for the answer; then EOF closes the connection
	} | timeout 10 openssl s_client -quiet -no_ign_eof \
	    -connect "127.0.1.10:$1" -servername edge.enterprise.test \
	    -verify_hostname edge.enterprise.test -verify_return_error \
	    -CAfile "$RUN/ca.pem" 2>&1 |
	    grep -E '^(depth|SIP/2.0|X-)' | sed 's/\r$//; s/^/    /' ||
	    true
	echo
}
options 5061
options 5061
options 55061
options 65061

echo "What the edge logged, one line per request:"
sleep 0.2
grep ' sip OPTIONS ' "$RUN/fedrouted.log" | sed 's/^[^ ]* //; s/^/    /' ||
    true
echo

# ---- 5. the resolver tester on the demo zones -------------------------
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

# ---- 6. routing: a node's request goes out to a foreign domain ----------
echo "A MESSAGE from the publisher (127.0.0.2) to carol@partner.test, sent"
echo "to the edge's nodes' listener; the edge routes it (partner.test has"
echo "no SIP records: its static fallback route), verifies partner.test's"
echo "certificate, and brings the answer back:"
python3 - "$RUN" <<'PYEOF' || true
import socket, sys
s = socket.socket()
s.bind(("127.0.0.2", 0))
s.settimeout(10)
s.connect(("127.0.1.10", 5070))
me = "%s:%d" % s.getsockname()
s.sendall(("MESSAGE sip:carol@partner.test SIP/2.0\r\n"
           "Via: SIP/2.0/TCP %s;branch=z9hG4bKdemo1\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:alice@enterprise.test>;tag=1\r\n"
           "To: <sip:carol@partner.test>\r\nCall-ID: demo-route\r\n"
           "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
           "Content-Length: 5\r\n\r\nhello" % me).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
for line in buf.decode(errors="replace").split("\r\n"):
    if line.startswith(("SIP/2.0", "Via:", "X-")):
        print("    " + line)
PYEOF
sleep 0.2
echo "What the edge logged for it:"
grep ' sip MESSAGE ' "$RUN/fedrouted.log" | sed 's/^[^ ]* //; s/^/    /' || true
echo

# ---- 7. routing: what the edge would do, explained ----------------------
route() {
	echo "\$ fedroute route -c contrib/demo.conf $*"
	src/fedroute route -c contrib/demo.conf "$@" || true
	echo
}
route --from publisher sip:alice@rfc3263.test
route sip:bob@lync.test
route sip:carol@partner.test
route sip:mallory@evil.test

# ---- 8. operating the running edge: fedroute ctl -------------------------
ctl() {
	echo "\$ fedroute ctl -c contrib/demo.conf $*"
	src/fedroute ctl -c contrib/demo.conf "$@" || true
	echo
}
ctl status
ctl nodes
ctl lookup sip:carol@partner.test
ctl drain subscriber
ctl pools
ctl enable subscriber

# ---- 9. what Prometheus scrapes, summed over the edge's work so far -----
echo "\$ curl http://127.0.0.1:9464/metrics   (its non-zero counters of"
echo "  connections, SIP requests, routing decisions, and the node states)"
python3 - <<'PYEOF' || true
import urllib.request
text = urllib.request.urlopen("http://127.0.0.1:9464/metrics",
                              timeout=5).read().decode()
for line in text.splitlines():
    if line.startswith(("fedroute_connections_total",
                        "fedroute_sip_requests_total",
                        "fedroute_routing_decisions_total",
                        "fedroute_node_up")) and \
            not line.endswith(" 0"):
        print("    " + line)
PYEOF
echo "(the status page is http://127.0.0.1:9464/ while the edge runs)"
