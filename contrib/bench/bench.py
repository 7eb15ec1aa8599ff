#!/usr/bin/env python3
"""bench.py -- fedrouted against HAProxy, side by side, on loopback.

    python3 contrib/bench/bench.py [--rounds 5] [--seconds 5] [--idle 2000]

One run starts one nginx back end (plain HTTP, HTTPS, and HTTPS that
allows no session resumption), one iperf3 server, fedrouted and HAProxy
(both in front of the same back ends), and measures, for each of
"direct" (no relay), "haproxy" and "fedrouted":

  tcp-conn    new connections/s: wrk, one request per connection
  tcp-req     requests/s over kept-alive connections
  tls-resumed TLS handshakes/s, terminated at the relay and re-encrypted
              to the TLS back end; wrk resumes its sessions
  tls-full    the same with resumption refused: every handshake full
  iperf3      TCP throughput, Gbit/s
  idle-pair   resident memory per idle relayed TLS connection pair
              (client-relay TLS + relay-nginx TLS), KiB; N pairs held;
              all of fedrouted's processes counted

The contenders run alternately (round robin, the order rotating each
round) and each figure is the median of the rounds, so that a neighbour
on the machine disturbs all three alike.  Both relays log no line per
connection (fedrouted: log-level notice; HAProxy: no log), relay with
16 KiB buffers, verify the back end's certificate, and resume their own
TLS sessions to it.  HAProxy runs with its default threads (one per
CPU), fedrouted with as many workers (--haproxy-threads and
--fedrouted-workers to change).

This is a script that prints figures, not a test: it passes or fails
nothing.  It needs wrk, haproxy, nginx, iperf3 and openssl
(contrib/install-deps.sh), and the tree built (src/fedrouted).
Everything it starts listens on 127.0.0.1, on free ports, and is
stopped by pid at the end.
"""

import argparse
import json
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import pki  # noqa: E402
from benchlib import (fmt, say, start, stop_all, wait_port,  # noqa: E402
                      which)

CONTENDERS = ("direct", "haproxy", "fedrouted")
METRICS = ("tcp-conn", "tcp-req", "tls-resumed", "tls-full", "iperf3")
UNITS = {"tcp-conn": "conn/s", "tcp-req": "req/s", "tls-resumed": "hs/s",
         "tls-full": "hs/s", "iperf3": "Gbit/s", "idle-pair": "KiB"}
BACKEND_NAME = "nginx.bench.test"

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid):
    """Resident memory of pid and its children (fedrouted's workers)."""
    total = 0
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as fh:
            for child in fh.read().split():
                total += rss_kib(int(child))
    except OSError:
        pass
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return total + int(line.split()[1])
    return total


def established(port):
    """Connections established to 127.0.0.1:port (server side)."""
    want = ":%04X" % port
    n = 0
    with open("/proc/net/tcp") as fh:
        for line in fh.readlines()[1:]:
            f = line.split()
            if f[1].endswith(want) and f[3] == "01":
                n += 1
    return n


# ------------------------------------------------------------- the setup

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
	buffer-size: 16k
	drain-timeout: 1s
node:
	name: http
	address: 127.0.0.1:{http}
	check: none
node:
	name: iperf
	address: 127.0.0.1:{iperf}
	check: none
node:
	name: https
	address: 127.0.0.1:{https}
	transport: tls
	tls-ca: {ca}
	tls-server-name: {name}
	check: none
listener:
	address: 127.0.0.1:{p_tcp}
	target: node http
listener:
	address: 127.0.0.1:{p_iperf}
	target: node iperf
listener:
	address: 127.0.0.1:{p_tls}
	target: node https
	tls: yes
	tls-cert: {cert}
	tls-key: {key}
listener:
	address: 127.0.0.1:{p_tls_full}
	target: node https
	tls: yes
	tls-cert: {cert}
	tls-key: {key}
	tls-resumption: no
"""

HAPROXY_CONF = """\
global
    maxconn 9000
    {nbthread}
    # No session cache: resumption by tickets only, which tls-full
    # turns off; tls-resumed keeps them.
    tune.ssl.cachesize 0
    tune.bufsize 16384
defaults
    mode tcp
    timeout connect 4s
    timeout client 30m
    timeout server 30m
frontend tcp
    bind 127.0.0.1:{p_tcp}
    default_backend http
frontend iperf
    bind 127.0.0.1:{p_iperf}
    default_backend iperf
frontend tls
    bind 127.0.0.1:{p_tls} ssl crt {pem}
    default_backend https
frontend tls_full
    bind 127.0.0.1:{p_tls_full} ssl crt {pem} no-tls-tickets
    default_backend https
backend http
    server s1 127.0.0.1:{http}
backend iperf
    server s1 127.0.0.1:{iperf}
backend https
    server s1 127.0.0.1:{https} ssl verify required ca-file {ca} sni str({name}) verifyhost {name}
"""


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="fedroute-bench-")
        os.chmod(self.dir, 0o755)
        self.ports = {k: free_port() for k in (
            "http", "https", "https_full", "iperf")}
        self.front = {c: {k: free_port() for k in (
            "p_tcp", "p_iperf", "p_tls", "p_tls_full")}
            for c in ("haproxy", "fedrouted")}
        self.front["direct"] = {"p_tcp": self.ports["http"],
                                "p_iperf": self.ports["iperf"],
                                "p_tls": self.ports["https"],
                                "p_tls_full": self.ports["https_full"]}
        self.pid = {}

    def setup(self):
        d = self.dir
        ca = pki.Pki(os.path.join(d, "pki"), "bench CA")
        self.ca = ca.cert
        self.edge = ca.leaf("edge", dns=["edge.bench.test"])
        backend = ca.leaf("nginx", dns=[BACKEND_NAME])
        pem = os.path.join(d, "pki", "edge-combined.pem")
        with open(pem, "w") as out:
            for f in self.edge:
                with open(f) as fh:
                    out.write(fh.read())
        for root, dirs, files in os.walk(d):
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o755)

        with open(os.path.join(d, "nginx.conf"), "w") as fh:
            fh.write(NGINX_CONF.format(
                dir=d, cert=backend[0], key=backend[1],
                workers=self.args.nginx_workers, **self.ports))
        p = start([which("nginx"), "-c", os.path.join(d, "nginx.conf"),
                   "-p", d, "-g", "daemon off;"],
                  os.path.join(d, "nginx.log"))
        self.pid["nginx"] = p.pid
        p = start([which("iperf3"), "-s", "-B", "127.0.0.1", "-p",
                   str(self.ports["iperf"])], os.path.join(d, "iperf3.log"))
        self.pid["iperf3"] = p.pid

        with open(os.path.join(d, "fedrouted.conf"), "w") as fh:
            fh.write(FEDROUTED_CONF.format(
                ca=self.ca, name=BACKEND_NAME, cert=self.edge[0],
                key=self.edge[1], workers=self.args.fedrouted_workers,
                **self.ports, **self.front["fedrouted"]))
        p = start([self.args.fedrouted, "-c",
                   os.path.join(d, "fedrouted.conf")],
                  os.path.join(d, "fedrouted.log"))
        self.pid["fedrouted"] = p.pid

        nbthread = ("nbthread %d" % self.args.haproxy_threads
                    if self.args.haproxy_threads else "")
        with open(os.path.join(d, "haproxy.cfg"), "w") as fh:
            fh.write(HAPROXY_CONF.format(
                ca=self.ca, name=BACKEND_NAME, pem=pem, nbthread=nbthread,
                **self.ports, **self.front["haproxy"]))
        p = start([which("haproxy"), "-db", "-f",
                   os.path.join(d, "haproxy.cfg")],
                  os.path.join(d, "haproxy.log"))
        self.pid["haproxy"] = p.pid

        for name, port in list(self.ports.items()):
            wait_port(port, name)
        for c in ("haproxy", "fedrouted"):
            for port in self.front[c].values():
                wait_port(port, c)

    # ---------------------------------------------------------- measures

    def wrk(self, url, close):
        argv = [which("wrk"), "-t", str(self.args.wrk_threads), "-c",
                str(self.args.connections), "-d",
                "%ds" % self.args.seconds, url]
        if close:
            argv[1:1] = ["-H", "Connection: close"]
        out = subprocess.run(argv, capture_output=True, text=True,
                             timeout=self.args.seconds + 60).stdout
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        errors = re.search(r"Socket errors: (.*)", out)
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if m is None:
            say("wrk said:\n" + out)
            return None
        if errors or bad:
            say("  (%s%s%s)" % (url, " socket errors: " + errors.group(1)
                                if errors else "",
                                " non-2xx: " + bad.group(1) if bad else ""))
        return float(m.group(1))

    def iperf(self, port):
        out = subprocess.run(
            [which("iperf3"), "-c", "127.0.0.1", "-p", str(port), "-t",
             str(self.args.seconds), "-J"], capture_output=True, text=True,
            timeout=self.args.seconds + 60).stdout
        try:
            doc = json.loads(out)
            return doc["end"]["sum_received"]["bits_per_second"] / 1e9
        except (ValueError, KeyError):
            say("iperf3 said:\n" + out[-2000:])
            return None

    def measure(self, metric, contender):
        f = self.front[contender]
        if metric == "tcp-conn":
            return self.wrk("http://127.0.0.1:%d/" % f["p_tcp"], True)
        if metric == "tcp-req":
            return self.wrk("http://127.0.0.1:%d/" % f["p_tcp"], False)
        if metric == "tls-resumed":
            return self.wrk("https://127.0.0.1:%d/" % f["p_tls"], True)
        if metric == "tls-full":
            return self.wrk("https://127.0.0.1:%d/" % f["p_tls_full"], True)
        if metric == "iperf3":
            return self.iperf(f["p_iperf"])
        raise ValueError(metric)

    def idle_pairs(self, contender):
        """KiB of the relay's RSS per idle TLS pair, N pairs held."""
        n = self.args.idle
        port = self.front[contender]["p_tls"]
        backend = self.ports["https"]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        pid = self.pid[contender]
        base_backend = established(backend)
        # Warm up: pools and caches the relay keeps for good.
        for _ in range(50):
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
            s.close()
        time.sleep(0.5)
        before = rss_kib(pid)
        held = []
        try:
            for _ in range(n):
                held.append(ctx.wrap_socket(
                    socket.create_connection(("127.0.0.1", port), 10)))
            deadline = time.monotonic() + 30
            while established(backend) - base_backend < n and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            pairs = established(backend) - base_backend
            time.sleep(1.0)
            after = rss_kib(pid)
        finally:
            for s in held:
                s.close()
        if pairs < n:
            say("  %s: only %d of %d pairs reached the back end"
                % (contender, pairs, n))
        time.sleep(1.0)
        return (after - before) / max(pairs, 1)

    # --------------------------------------------------------------- run

    def run(self):
        results = {m: {c: [] for c in CONTENDERS} for m in METRICS}
        order = list(CONTENDERS)
        for r in range(self.args.rounds):
            for metric in self.args.only:
                if metric == "idle-pair":
                    continue
                for c in order:
                    v = self.measure(metric, c)
                    if v is not None:
                        results[metric][c].append(v)
                    say("round %d %-11s %-9s %s" % (r + 1, metric, c,
                                                    fmt(v)))
            order = order[1:] + order[:1]
        mem = {}
        if "idle-pair" in self.args.only:
            for c in ("haproxy", "fedrouted"):
                mem[c] = self.idle_pairs(c)
                say("idle-pair %-9s %.1f KiB" % (c, mem[c]))
        return results, mem


def report(args, results, mem):
    load = open("/proc/loadavg").read().split()[:3]
    print("fedroute bench: %d rounds x %ds, wrk -t%d -c%d, nginx %d worker, "
          "HAProxy %s threads, fedrouted %d workers, %d CPUs, load %s"
          % (args.rounds, args.seconds, args.wrk_threads, args.connections,
             args.nginx_workers, args.haproxy_threads or "default",
             args.fedrouted_workers, os.cpu_count(), " ".join(load)))
    print()
    print("%-22s %10s %10s %10s   %9s %9s %9s"
          % ("median", "direct", "haproxy", "fedrouted", "fr/hap",
             "hap/dir", "fr/dir"))
    for m in METRICS:
        if m not in args.only:
            continue
        med = {c: statistics.median(results[m][c]) if results[m][c] else None
               for c in CONTENDERS}

        def ratio(a, b):
            return "%.2fx" % (med[a] / med[b]) if med[a] and med[b] else "-"
        print("%-22s %10s %10s %10s   %9s %9s %9s"
              % ("%s (%s)" % (m, UNITS[m]), fmt(med["direct"]),
                 fmt(med["haproxy"]), fmt(med["fedrouted"]),
                 ratio("fedrouted", "haproxy"), ratio("haproxy", "direct"),
                 ratio("fedrouted", "direct")))
    if mem:
        print("%-22s %10s %10s %10s   %9s"
              % ("idle-pair (KiB)", "-", "%.1f" % mem["haproxy"],
                 "%.1f" % mem["fedrouted"],
                 "%.2fx" % (mem["fedrouted"] / mem["haproxy"])
                 if mem["haproxy"] > 0 else "-"))
    print()
    print("fr/hap above 1 means fedrouted is faster (for idle-pair: uses "
          "more memory).")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--idle", type=int, default=2000,
                    help="idle TLS pairs for the memory figure")
    ap.add_argument("--connections", type=int, default=64,
                    help="wrk connections")
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--nginx-workers", type=int, default=1)
    ap.add_argument("--haproxy-threads", type=int, default=0,
                    help="nbthread; 0: HAProxy's default (one per CPU)")
    ap.add_argument("--fedrouted-workers", type=int,
                    default=os.cpu_count() or 1,
                    help="fedrouted's workers (default: one per CPU, as "
                    "HAProxy's threads)")
    ap.add_argument("--only", default=",".join(METRICS + ("idle-pair",)),
                    help="comma list of " + ", ".join(METRICS + (
                        "idle-pair",)))
    ap.add_argument("--fedrouted", default=os.path.join(TOP, "src",
                                                        "fedrouted"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the working directory (logs, configs)")
    args = ap.parse_args()
    args.only = args.only.split(",")
    for m in args.only:
        if m not in METRICS + ("idle-pair",):
            ap.error("unknown measure %s" % m)
    if not os.access(args.fedrouted, os.X_OK):
        sys.exit("bench.py: %s not found: build first" % args.fedrouted)
    b = Bench(args)
    try:
        b.setup()
        results, mem = b.run()
    finally:
        stop_all()
        if args.keep:
            say("working directory: %s" % b.dir)
        else:
            shutil.rmtree(b.dir, ignore_errors=True)
    report(args, results, mem)


if __name__ == "__main__":
    main()
