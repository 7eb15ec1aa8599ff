#!/usr/bin/env python3
"""bench-xmpp.py -- fedrouted's XMPP s2s routing against HAProxy, side by
side, on loopback.

    python3 contrib/bench/bench-xmpp.py [--rounds 5] [--seconds 5]
                                        [--workers 1]

One run starts NSD serving bench.test, one nginx as the foreign XMPP
server's stand-in (HTTPS with a certificate for the routed domains, and
plain HTTP), fedrouted and HAProxy in front of it, and measures with
wrk, for each of "direct" (straight to nginx: the ceiling), "haproxy"
and "fedrouted":

Direct TLS (XEP-0368): the edge reads the ClientHello's SNI, routes by
it and relays the TLS bytes untouched (it never terminates the TLS).
wrk's URL host is the routed domain, which sets the SNI (a Lua
wrk.resolve sends it to 127.0.0.1).

  tls-conn   new TLS connections/s, one request per connection; nginx
             and wrk resume their sessions (SNI chat.bench.test)
  tls-full   the same, nginx refusing resumption: every handshake full
             (SNI full.bench.test)
  tls-req    requests/s over kept-alive TLS connections
  tls-bulk   relayed throughput, Gbit/s: kept-alive GETs of a 1 MiB
             file over TLS

  fedrouted  a listener "protocol: xmpp, target: federation", allow-from
             127.0.0.0/8; chat.bench.test and full.bench.test allowed
             (profile xmpp-s2s), _xmpps-server._tcp SRV records from
             the NSD (through the resolver's forwarder) naming nginx
  haproxy    mode tcp, tcp-request inspect-delay, accept on
             req_ssl_hello_type 1, use_backend by req.ssl_sni -i DOMAIN

Plain stream header (STARTTLS case): the node opens its stream in
clear; the edge reads the header with expat, routes its "to" and
replays it, then relays the rest.  HAProxy cannot route by the
stream's "to": its frontend here is mode tcp to a fixed back end, with
no inspection at all, so this row shows what reading and routing the
header costs.

  xmpp-conn  new streams/s: each connection sends a stream header to
             xmpp.bench.test (_xmpp-server._tcp SRV to nginx's HTTP
             port); nginx, the stand-in, answers the header (not HTTP)
             at once with a 400 and closes, as a server that answers
             with a stream error would.  wrk counts those answers
             (its "non-2xx" note is expected here).

After a stream is set up the relay is the same for both cases (bytes
moved untouched), so tls-req and tls-bulk stand for a STARTTLS
stream's relaying as well.

For each relay the CPU time it used during each measure (all its
processes, from /proc) is divided by the requests served: "cpu us/req"
rows.  On a machine where wrk, nginx and the relay share few CPUs this
says more than the rate.

The contenders run alternately (the order rotating each round) and
each figure is the median of the rounds.  Both relays log no line per
connection (fedrouted: log-level notice; HAProxy: no log), and relay
with 16 KiB buffers; HAProxy runs --workers threads (nbthread),
fedrouted as many workers (default 1 each: on a small machine wrk and
nginx need the other CPUs).

This is a script that prints figures, not a test: it passes or fails
nothing.  It needs wrk, haproxy, nginx, nsd and openssl
(contrib/install-deps.sh), and the tree built (src/fedrouted).
Everything it starts listens on 127.0.0.1, on free ports, and is
stopped by pid at the end.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import nsdharness  # noqa: E402
import pki  # noqa: E402
from benchlib import (cpu_seconds, fmt, say, start, stop_all,  # noqa: E402
                      wait_port, which)

CONTENDERS = ("direct", "haproxy", "fedrouted")
RELAYS = ("haproxy", "fedrouted")
METRICS = ("tls-conn", "tls-full", "tls-req", "tls-bulk", "xmpp-conn")
UNITS = {"tls-conn": "conn/s", "tls-full": "conn/s", "tls-req": "req/s",
         "tls-bulk": "Gbit/s", "xmpp-conn": "conn/s"}
DOMAIN = "chat.bench.test"          # direct TLS, resumed handshakes
DOMAIN_FULL = "full.bench.test"     # direct TLS, full handshakes
DOMAIN_PLAIN = "xmpp.bench.test"    # a stream header in clear
BIG = 1 << 20


# ------------------------------------------------------------- the setup

ZONE = """\
$ORIGIN bench.test.
$TTL 3600
@ IN SOA ns1.bench.test. hostmaster.bench.test. 2026120701 7200 1800 1209600 3600
@ IN NS ns1.bench.test.
ns1 IN A 127.0.0.1
_xmpps-server._tcp.chat IN SRV 0 0 {https} nginx.bench.test.
_xmpps-server._tcp.full IN SRV 0 0 {https_full} nginx.bench.test.
_xmpp-server._tcp.xmpp IN SRV 0 0 {http} nginx.bench.test.
nginx IN A 127.0.0.1
"""

NGINX_CONF = """\
worker_processes {workers};
error_log {dir}/nginx.error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_header_timeout 300s;
    sendfile on;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    server {{
        listen 127.0.0.1:{http};
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{https} ssl;
        ssl_session_cache shared:bench:10m;
        ssl_session_tickets on;
        location = /big {{ alias {dir}/big.bin; }}
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{https_full} ssl;
        ssl_session_cache off;
        ssl_session_tickets off;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""

FEDROUTED_CONF = """\
server:
	workers: {workers}
	user: nobody
	log-level: notice
	max-connections: 9000
	connect-timeout: 4s
	handshake-timeout: 5s
	buffer-size: 16k
	drain-timeout: 1s
	splice: {splice}
resolver:
	forwarder: {resolver}
	timeout: 2s
listener:
	name: nodes-xmpp
	address: 127.0.0.1:{port}
	protocol: xmpp
	target: federation
	allow-from: 127.0.0.0/8
domain:
	name: {domain}
	profile: xmpp-s2s
domain:
	name: {domain_full}
	profile: xmpp-s2s
domain:
	name: {domain_plain}
	profile: xmpp-s2s
"""

HAPROXY_CONF = """\
global
    maxconn 9000
    nbthread {threads}
    tune.bufsize 16384
defaults
    mode tcp
    timeout connect 4s
    timeout client 30m
    timeout server 30m
frontend sni
    bind 127.0.0.1:{p_tls}
    tcp-request inspect-delay 5s
    tcp-request content accept if {{ req_ssl_hello_type 1 }}
    use_backend xmpps if {{ req.ssl_sni -i {domain} }}
    use_backend xmpps_full if {{ req.ssl_sni -i {domain_full} }}
frontend plain
    bind 127.0.0.1:{p_plain}
    default_backend xmpp
backend xmpps
    server s1 127.0.0.1:{https}
backend xmpps_full
    server s1 127.0.0.1:{https_full}
backend xmpp
    server s1 127.0.0.1:{http}
"""

# wrk connects where the URL's host says and sets the SNI to it: the
# routed domain must be the host, and point at loopback.
RESOLVE_LUA = """\
function wrk.resolve(host, service)
   wrk.addrs = wrk.lookup("127.0.0.1", service)
end
"""

# Each connection sends a stream header (then a blank line, so that
# nginx, the stand-in, answers at once).  wrk checks, in its first
# thread's Lua state and before any connection, that request() returns
# HTTP: that one call gets HTTP, never sent; every other one the header.
HEADER_LUA = RESOLVE_LUA + """\
local header = "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
   .. "xmlns:stream='http://etherx.jabber.org/streams' "
   .. "xmlns:db='jabber:server:dialback' to='%s' "
   .. "from='enterprise.test' version='1.0'>\\r\\n\\r\\n"
local threads = 0
function setup(thread)
   thread:set("checked", threads > 0)
   threads = threads + 1
end
request = function()
   if not checked then
      checked = true
      return "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
   end
   return header
end
"""


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="fedroute-bench-xmpp-")
        os.chmod(self.dir, 0o755)
        fp = nsdharness.free_port
        self.ports = {k: fp() for k in ("http", "https", "https_full")}
        fed = fp()
        self.front = {
            "direct": {"p_tls": self.ports["https"],
                       "p_tls_full": self.ports["https_full"],
                       "p_plain": self.ports["http"]},
            "haproxy": {"p_tls": fp(), "p_plain": fp()},
            # One federation listener reads either a ClientHello or a
            # stream header.
            "fedrouted": {"p_tls": fed, "p_tls_full": fed, "p_plain": fed},
        }
        self.front["haproxy"]["p_tls_full"] = self.front["haproxy"]["p_tls"]
        self.pid = {}
        self.nsd = None

    def path(self, name):
        return os.path.join(self.dir, name)

    def setup(self):
        d = self.dir
        ca = pki.Pki(self.path("pki"), "bench CA")
        cert = ca.leaf("nginx", dns=[DOMAIN, DOMAIN_FULL])
        for root, dirs, files in os.walk(d):
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o755)
        with open(self.path("big.bin"), "wb") as fh:
            fh.write(os.urandom(BIG))
        with open(self.path("resolve.lua"), "w") as fh:
            fh.write(RESOLVE_LUA)
        with open(self.path("header.lua"), "w") as fh:
            fh.write(HEADER_LUA % DOMAIN_PLAIN)
        with open(self.path("bench.test.zone"), "w") as fh:
            fh.write(ZONE.format(**self.ports))

        self.nsd = nsdharness.NsdServer([self.path("bench.test.zone")])
        self.nsd.start()

        with open(self.path("nginx.conf"), "w") as fh:
            fh.write(NGINX_CONF.format(
                dir=d, cert=cert[0], key=cert[1],
                workers=self.args.nginx_workers, **self.ports))
        p = start([which("nginx"), "-c", self.path("nginx.conf"), "-p", d,
                   "-g", "daemon off;"], self.path("nginx.log"))
        self.pid["nginx"] = p.pid
        for name, port in self.ports.items():
            wait_port(port, "nginx", p)

        with open(self.path("fedrouted.conf"), "w") as fh:
            fh.write(FEDROUTED_CONF.format(
                workers=self.args.workers, splice=self.args.splice,
                resolver=self.nsd.resolver,
                port=self.front["fedrouted"]["p_tls"], domain=DOMAIN,
                domain_full=DOMAIN_FULL, domain_plain=DOMAIN_PLAIN))
        p = start([self.args.fedrouted, "-c", self.path("fedrouted.conf")],
                  self.path("fedrouted.log"))
        self.pid["fedrouted"] = p.pid
        wait_port(self.front["fedrouted"]["p_tls"], "fedrouted", p)

        with open(self.path("haproxy.cfg"), "w") as fh:
            fh.write(HAPROXY_CONF.format(
                threads=self.args.workers, domain=DOMAIN,
                domain_full=DOMAIN_FULL, **self.ports,
                **self.front["haproxy"]))
        p = start([which("haproxy"), "-db", "-f", self.path("haproxy.cfg")],
                  self.path("haproxy.log"))
        self.pid["haproxy"] = p.pid
        for port in set(self.front["haproxy"].values()):
            wait_port(port, "haproxy", p)

    # ---------------------------------------------------------- measures

    def wrk(self, url, script, close=False, connections=None):
        """One wrk run: (requests/s, bytes/s), or None."""
        argv = [which("wrk"), "-t", str(self.args.wrk_threads), "-c",
                str(connections or self.args.connections), "-d",
                "%ds" % self.args.seconds, "-s", self.path(script), url]
        if close:
            argv[1:1] = ["-H", "Connection: close"]
        out = subprocess.run(argv, capture_output=True, text=True,
                             timeout=self.args.seconds + 60).stdout
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        t = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", out)
        errors = re.search(r"Socket errors: (.*)", out)
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if m is None or t is None:
            say("wrk said:\n" + out)
            return None
        if errors or (bad and script != "header.lua"):
            say("  (%s%s%s)" % (url, " socket errors: " + errors.group(1)
                                if errors else "",
                                " non-2xx: " + bad.group(1) if bad else ""))
        scale = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30,
                 "TB": 1 << 40}[t.group(2)]
        return float(m.group(1)), float(t.group(1)) * scale

    def measure(self, metric, contender):
        """(the figure, requests/s) of one measure."""
        f = self.front[contender]
        if metric == "tls-conn":
            r = self.wrk("https://%s:%d/" % (DOMAIN, f["p_tls"]),
                         "resolve.lua", close=True)
        elif metric == "tls-full":
            r = self.wrk("https://%s:%d/" % (DOMAIN_FULL, f["p_tls_full"]),
                         "resolve.lua", close=True)
        elif metric == "tls-req":
            r = self.wrk("https://%s:%d/" % (DOMAIN, f["p_tls"]),
                         "resolve.lua")
        elif metric == "tls-bulk":
            r = self.wrk("https://%s:%d/big" % (DOMAIN, f["p_tls"]),
                         "resolve.lua",
                         connections=self.args.bulk_connections)
            if r is not None:
                return r[1] * 8 / 1e9, r[0]
        elif metric == "xmpp-conn":
            r = self.wrk("http://%s:%d/" % (DOMAIN_PLAIN, f["p_plain"]),
                         "header.lua")
        else:
            raise ValueError(metric)
        return (r[0], r[0]) if r is not None else (None, None)

    # --------------------------------------------------------------- run

    def run(self):
        results = {m: {c: [] for c in CONTENDERS} for m in METRICS}
        cpu = {m: {c: [] for c in RELAYS} for m in METRICS}
        order = list(CONTENDERS)
        for r in range(self.args.rounds):
            for metric in self.args.only:
                for c in order:
                    before = cpu_seconds(self.pid[c]) if c in RELAYS else 0
                    v, rate = self.measure(metric, c)
                    used = ""
                    if v is not None:
                        results[metric][c].append(v)
                        if c in RELAYS and rate:
                            us = ((cpu_seconds(self.pid[c]) - before) * 1e6
                                  / (rate * self.args.seconds))
                            cpu[metric][c].append(us)
                            used = "  %.1f cpu us/req" % us
                    say("round %d %-9s %-9s %s%s" % (r + 1, metric, c,
                                                     fmt(v), used))
            order = order[1:] + order[:1]
        return results, cpu


def report(args, results, cpu):
    load = open("/proc/loadavg").read().split()[:3]
    print("fedroute XMPP bench: %d rounds x %ds, wrk -t%d -c%d (tls-bulk "
          "-c%d), nginx %d worker, HAProxy nbthread %d, fedrouted %d "
          "workers (splice: %s), %d CPUs, load %s"
          % (args.rounds, args.seconds, args.wrk_threads, args.connections,
             args.bulk_connections, args.nginx_workers, args.workers,
             args.workers, args.splice, os.cpu_count(), " ".join(load)))
    print()
    print("%-22s %10s %10s %10s   %9s %9s %9s"
          % ("median", "direct", "haproxy", "fedrouted", "fr/hap",
             "hap/dir", "fr/dir"))

    def med(values):
        return statistics.median(values) if values else None

    for m in METRICS:
        if m not in args.only:
            continue
        md = {c: med(results[m][c]) for c in CONTENDERS}

        def ratio(a, b):
            return "%.2fx" % (md[a] / md[b]) if md[a] and md[b] else "-"
        print("%-22s %10s %10s %10s   %9s %9s %9s"
              % ("%s (%s)" % (m, UNITS[m]), fmt(md["direct"]),
                 fmt(md["haproxy"]), fmt(md["fedrouted"]),
                 ratio("fedrouted", "haproxy"), ratio("haproxy", "direct"),
                 ratio("fedrouted", "direct")))
    print()
    print("%-22s %10s %10s %10s   %9s" % ("relay cpu us/req", "", "haproxy",
                                          "fedrouted", "fr/hap"))
    for m in METRICS:
        if m not in args.only:
            continue
        h, f = med(cpu[m]["haproxy"]), med(cpu[m]["fedrouted"])
        print("%-22s %10s %10s %10s   %9s"
              % (m, "", fmt(h), fmt(f),
                 "%.2fx" % (f / h) if h and f else "-"))
    print()
    print("fr/hap above 1 means fedrouted is faster (for cpu us/req: uses "
          "more CPU per request).")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=64,
                    help="wrk connections")
    ap.add_argument("--bulk-connections", type=int, default=8,
                    help="wrk connections for tls-bulk")
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--nginx-workers", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1,
                    help="HAProxy's nbthread and fedrouted's workers")
    ap.add_argument("--splice", choices=("yes", "no"), default="yes",
                    help="fedrouted's splice: (its default: yes)")
    ap.add_argument("--only", default=",".join(METRICS),
                    help="comma list of " + ", ".join(METRICS))
    ap.add_argument("--fedrouted", default=os.path.join(TOP, "src",
                                                        "fedrouted"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the working directory (logs, configs)")
    args = ap.parse_args()
    args.only = args.only.split(",")
    for m in args.only:
        if m not in METRICS:
            ap.error("unknown measure %s" % m)
    if not os.access(args.fedrouted, os.X_OK):
        sys.exit("bench-xmpp.py: %s not found: build first" % args.fedrouted)
    b = Bench(args)
    try:
        b.setup()
        results, cpu = b.run()
    finally:
        stop_all()
        if b.nsd is not None:
            b.nsd.stop()
        if args.keep:
            say("working directory: %s" % b.dir)
        else:
            shutil.rmtree(b.dir, ignore_errors=True)
    report(args, results, cpu)


if __name__ == "__main__":
    main()
