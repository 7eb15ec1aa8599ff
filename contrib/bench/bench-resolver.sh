#!/bin/sh
# Resolver benchmark: generate a zone of N federation domains, serve it
# from a private NSD on a free loopback port, run resolver_bench against
# it, stop NSD.  Prints figures; run from the top of a built tree.
#   usage: sh contrib/bench/bench-resolver.sh [DOMAINS] [INFLIGHT]
set -eu
cd "$(dirname "$0")/../.."
DOMAINS=${1:-20000}
INFLIGHT=${2:-500}
BENCH=${BENCH:-contrib/bench/resolver_bench}
[ -x "$BENCH" ] || { echo "build first: make $BENCH" >&2; exit 1; }

exec python3 - "$DOMAINS" "$INFLIGHT" "$BENCH" <<'PY'
import os, subprocess, sys, tempfile
sys.path.insert(0, "tests/integration")
import nsdharness

domains, inflight, bench = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
tmp = tempfile.mkdtemp(prefix="fedroute-bench-")
zone = os.path.join(tmp, "bench.test.zone")
with open(zone, "w") as z:
    z.write("$ORIGIN bench.test.\n$TTL 3600\n"
            "@ IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n"
            "@ IN NS ns1\nns1 IN A 127.0.1.53\n")
    # A domain with a whole RFC 3263 cluster, for the cached figures.
    for svc, label, port in (("SIPS+D2T", "_sips._tcp", 5061),
                             ("SIP+D2T", "_sip._tcp", 5060),
                             ("SIP+D2U", "_sip._udp", 5060)):
        z.write('multi IN NAPTR 10 100 "s" "%s" "" %s.multi\n' % (svc, label))
        for e in (1, 2, 3):
            z.write("%s.multi IN SRV %d 1 %d e%d.multi\n"
                    % (label, 1 if e < 3 else 10, port, e))
    for e in (1, 2, 3):
        z.write("e%d.multi IN A 127.0.2.%d\ne%d.multi IN AAAA 2001:db8::%d\n"
                % (e, e, e, e))
    # One NAPTR -> SRV -> A chain per domain: every lookup is cold.
    for i in range(domains):
        z.write('d%d IN NAPTR 10 100 "s" "SIPS+D2T" "" _sips._tcp.d%d\n'
                '_sips._tcp.d%d IN SRV 1 1 5061 edge.d%d\n'
                'edge.d%d IN A 127.0.3.%d\n' % (i, i, i, i, i, 1 + i % 250))
with nsdharness.NsdServer([zone], verbosity=0) as nsd:
    print("NSD on %s serving %d domains; %d CPUs" %
          (nsd.resolver, domains, os.cpu_count()))
    rc = subprocess.call([bench, "--resolver", nsd.resolver,
                          "--domains", str(domains),
                          "--inflight", str(inflight)])
subprocess.call(["rm", "-rf", tmp])
sys.exit(rc)
PY
