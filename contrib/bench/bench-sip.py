#!/usr/bin/env python3
"""bench-sip.py -- fedrouted's SIP routing against Kamailio's stateless
forward(), side by side, on loopback.

    python3 contrib/bench/bench-sip.py [--rounds 5] [--seconds 10]
                                       [--rate 2000] [--pin CPU]

One run starts:
  * NSD serving bench.test: 200 foreign domains d0 .. d199, each with a
    NAPTR SIP+D2T -> _sip._tcp.dN SRV -> sip.dN A, all leading to
  * one foreign Kamailio (TCP, several readers) that answers every
    request 200 statelessly (sl_send_reply), and measures, for each of

  direct     SIPp straight to the foreign Kamailio (no proxy): the
             ceiling of the load generator and the foreign server
  kamailio   Kamailio as a stateless proxy: forward() with NAPTR/SRV
             (dns_try_naptr=yes, its DNS cache on), Max-Forwards checked
  fedrouted  fedrouted, workers: 1, a federation listener over TCP,
             forwarder = the NSD, domain *.bench.test transport: tcp,
             log-level notice (no line per request)

the node being on 127.0.0.2, over one TCP connection, sending MESSAGE
to sip:user@dN.bench.test for the 200 domains in turn, expecting 200:

  saturation SIPp (sip-tester, -t t1, the domains from an injection
             file) as fast as it goes for --seconds, at most
             --outstanding calls in flight: requests/s answered (after
             a 1 s ramp), and the proxy's CPU time per request
  cold       the first pass over the 200 domains right after the proxy
             started (empty DNS cache, no connection to the foreign
             side yet), at --rate: latency p50/p90/p99 (ms)
  warm       --rate requests/s for --seconds: latency p50/p90/p99 (ms)

The latencies come from a small client here (Python, one TCP
connection from 127.0.0.2, the same MESSAGE, each answer timed to the
microsecond): SIPp's response times (rtd, -trace_rtt) come in steps of
its clock tick, 4 ms on this kind of machine, coarser than a loopback
round trip.

Each round restarts the proxies (so that "cold" is cold) and measures
them one after the other, the order rotating each round; each figure is
the median of the rounds.  Failed calls (timeouts, unexpected answers)
are counted and printed.  After the last round: the resident memory of
each proxy (all its processes; PSS, so that Kamailio's shared memory
counts once).

Kamailio cannot be held to one process: it runs here with one TCP
reader (tcp_children=1, the process that parses and forwards), plus its
TCP main process (which owns the connections and writes when a reader
cannot at once), its timers and its main process.  fedrouted runs one
process.  --pin CPU puts both proxies (every process) on that one CPU.

Kamailio has no setting for a DNS server: it reads /etc/resolv.conf.
It runs here in a private mount namespace (unshare -m, which needs
root) with a resolv.conf of its own bound over /etc/resolv.conf, naming
the NSD, which also listens on 127.0.1.53 port 53 for it.

This is a script that prints figures, not a test: it passes or fails
nothing.  It needs nsd, kamailio, sipp and unshare (root), and the tree
built (src/fedrouted).  Everything it starts listens on loopback, on
free ports (but 127.0.1.53:53), and is stopped by pid at the end.
"""

import argparse
import os
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import nsdharness  # noqa: E402
from benchlib import cpu_seconds, say, tree, which  # noqa: E402

CONTENDERS = ("direct", "kamailio", "fedrouted")
PROXIES = ("kamailio", "fedrouted")
NDOMAINS = 200
NODE_IP = "127.0.0.2"
FOREIGN_IP = "127.0.8.1"
DNS_IP = "127.0.1.53"
KAMAILIO_MODULES = ("/usr/lib/x86_64-linux-gnu/kamailio/modules",
                    "/usr/lib/kamailio/modules", "/usr/lib64/kamailio/modules")

procs = {}


def start(name, argv, log, **kw):
    fh = open(log, "a")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fh,
                         stderr=subprocess.STDOUT, **kw)
    fh.close()
    procs[name] = p
    return p


def stop(name):
    """SIGTERM to the process we started, by its pid; SIGKILL after 10 s."""
    p = procs.pop(name, None)
    if p is None:
        return
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def stop_all():
    for name in list(reversed(list(procs))):
        stop(name)


def wait_tcp(host, port, name, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        p = procs.get(name)
        if p is not None and p.poll() is not None:
            sys.exit("bench-sip.py: %s exited (%d) before listening"
                     % (name, p.returncode))
        try:
            socket.create_connection((host, port), 1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("bench-sip.py: %s did not listen on %s:%d"
                         % (name, host, port))
            time.sleep(0.05)


def memory_kib(pid):
    """(RSS, PSS) in KiB of pid and its descendants."""
    rss = pss = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/smaps_rollup" % p) as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def percentile(values, q):
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


# ------------------------------------------------------------- the setup

NSD_CONF = """\
server:
	ip-address: 127.0.0.1@{port}
	ip-address: {dns_ip}@53
	do-ip6: no
	server-count: 1
	reuseport: no
	verbosity: 1
	database: ""
	zonesdir: "{dir}"
	zonelistfile: "{dir}/zone.list"
	xfrdfile: ""
	xfrdir: "{dir}/xfr"
	pidfile: "{dir}/nsd.pid"
	logfile: "{dir}/nsd.log"
	username: ""
	chroot: ""
	zonefiles-write: 0
	rrl-ratelimit: 0
	hide-version: yes
remote-control:
	control-enable: no
zone:
	name: "bench.test"
	zonefile: "{dir}/bench.test.zone"
"""

FOREIGN_CFG = """#!KAMAILIO
debug=0
log_stderror=yes
children=1
tcp_children={children}
disable_sctp=yes
auto_aliases=no
dns=no
rev_dns=no
tcp_connection_lifetime=3600
tcp_max_connections=4096
listen=tcp:{ip}:{port}
mpath="{mpath}"
loadmodule "sl.so"
request_route {{
	if (method == "ACK") {{
		exit;
	}}
	sl_send_reply("200", "OK");
	exit;
}}
"""

# One TCP reader: the process that parses and forwards.  RFC 3263 by
# NAPTR, then SRV, then A, through Kamailio's own DNS cache.
PROXY_CFG = """#!KAMAILIO
debug=0
log_stderror=yes
children=1
tcp_children=1
disable_sctp=yes
auto_aliases=no
dns=no
rev_dns=no
use_dns_cache=yes
dns_try_naptr=yes
dns_try_ipv6=no
dns_use_search_list=no
dns_srv_lb=no
use_dns_failover=no
tcp_connection_lifetime=3600
tcp_max_connections=4096
listen=tcp:127.0.0.1:{port}
mpath="{mpath}"
loadmodule "sl.so"
loadmodule "maxfwd.so"
request_route {{
	if (!mf_process_maxfwd_header("70")) {{
		sl_send_reply("483", "Too Many Hops");
		exit;
	}}
	forward();
	exit;
}}
"""

FEDROUTED_CONF = """\
server:
	workers: 1
	user: nobody
	log-level: notice
	public-address: 198.51.100.10
	max-connections: 9000
	connect-timeout: 2s
	drain-timeout: 1s
resolver:
	forwarder: 127.0.0.1@{nsd}
	timeout: 2s
node:
	name: node
	address: {node_ip}:5060
	check: none
listener:
	name: nodes
	address: 127.0.0.1:{port}
	protocol: sip
	target: federation
domain:
	name: *.bench.test
	transport: tcp
"""

SCENARIO = """\
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bench-sip MESSAGE">
  <send start_rtd="1">
    <![CDATA[

      MESSAGE sip:user@[field0] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:node@enterprise.test>;tag=[call_number]
      To: <sip:user@[field0]>
      Call-ID: [call_id]
      CSeq: 1 MESSAGE
      Max-Forwards: 70
      Content-Type: text/plain
      Content-Length: [len]

      hello [call_number]
    ]]>
  </send>
  <recv response="200" rtd="1"/>
</scenario>
"""


def latency_run(host, port, rate, count, wait=5.0):
    """Send count MESSAGEs at rate/s over one TCP connection from NODE_IP,
    to d0 .. d199 in turn, and time each answer (perf_counter, so to the
    microsecond: SIPp's response times come in steps of its clock tick,
    4 ms here, too coarse for loopback).  Returns (latencies in ms of the
    200 OKs, failed: other answers, and none within wait seconds)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((NODE_IP, 0))
    s.settimeout(5)
    s.connect((host, port))
    s.setblocking(False)
    local = "%s:%d" % s.getsockname()
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    sent = {}
    lat = []
    failed = 0
    buf = b""
    interval = 1.0 / rate
    t0 = time.perf_counter()
    i = 0
    out = b""
    deadline = None
    while True:
        now = time.perf_counter()
        while i < count and t0 + i * interval <= now:
            dom = "d%d.bench.test" % (i % NDOMAINS)
            body = "hello %d\r\n" % i
            out += ("MESSAGE sip:user@{d} SIP/2.0\r\n"
                    "Via: SIP/2.0/TCP {l};branch=z9hG4bK-{i};rport\r\n"
                    "From: <sip:node@enterprise.test>;tag={i}\r\n"
                    "To: <sip:user@{d}>\r\n"
                    "Call-ID: lat-{i}\r\n"
                    "CSeq: 1 MESSAGE\r\n"
                    "Max-Forwards: 70\r\n"
                    "Content-Type: text/plain\r\n"
                    "Content-Length: {n}\r\n\r\n{b}").format(
                        d=dom, l=local, i=i, n=len(body),
                        b=body).encode()
            sent["lat-%d" % i] = now
            i += 1
        if out:
            try:
                n = s.send(out)
                out = out[n:]
            except BlockingIOError:
                pass
        if i >= count and not out and not sent:
            break
        if i >= count and deadline is None:
            deadline = now + wait
        if deadline is not None and now > deadline:
            break
        timeout = 0.05 if i >= count else max(0.0, t0 + i * interval - now)
        for _ in sel.select(timeout):
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                deadline = now
                break
            buf += data
        got = time.perf_counter()
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end].decode("latin-1")
            m = re.search(r"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)",
                          head)
            total = end + 4 + (int(m.group(1)) if m else 0)
            if len(buf) < total:
                break
            buf = buf[total:]
            cid = re.search(r"(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)", head)
            t = sent.pop(cid.group(1), None) if cid else None
            if t is None:
                continue
            if head.startswith("SIP/2.0 200 "):
                lat.append((got - t) * 1e3)
            else:
                failed += 1
    sel.close()
    s.close()
    return lat, failed + len(sent) + (count - i)


def zone(foreign_port):
    out = ["$ORIGIN bench.test.", "$TTL 3600",
           "@ IN SOA ns1.bench.test. hostmaster.bench.test. 1 7200 1800 "
           "1209600 3600", "@ IN NS ns1", "ns1 IN A %s" % DNS_IP]
    for i in range(NDOMAINS):
        out.append('d%d IN NAPTR 10 0 "s" "SIP+D2T" "" _sip._tcp.d%d'
                   % (i, i))
        out.append("_sip._tcp.d%d IN SRV 0 0 %d sip.d%d"
                   % (i, foreign_port, i))
        out.append("sip.d%d IN A %s" % (i, FOREIGN_IP))
    return "\n".join(out) + "\n"


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="fedroute-bench-sip-")
        os.chmod(self.dir, 0o755)
        self.mpath = next((d for d in KAMAILIO_MODULES if os.path.exists(
            os.path.join(d, "sl.so"))), None)
        if self.mpath is None:
            sys.exit("bench-sip.py: Kamailio's modules not found")
        self.nsd_port = nsdharness.free_port()
        self.foreign_port = nsdharness.free_port(FOREIGN_IP)
        self.port = {"direct": self.foreign_port,
                     "kamailio": nsdharness.free_port(),
                     "fedrouted": nsdharness.free_port()}
        self.host = {"direct": FOREIGN_IP, "kamailio": "127.0.0.1",
                     "fedrouted": "127.0.0.1"}
        self.memory = {c: [] for c in PROXIES}
        self.cpu = {c: [] for c in PROXIES}
        self.nprocs = {c: 0 for c in PROXIES}

    def path(self, name):
        return os.path.join(self.dir, name)

    def setup(self):
        d = self.dir
        os.mkdir(self.path("xfr"))
        with open(self.path("bench.test.zone"), "w") as fh:
            fh.write(zone(self.foreign_port))
        with open(self.path("nsd.conf"), "w") as fh:
            fh.write(NSD_CONF.format(port=self.nsd_port, dns_ip=DNS_IP,
                                     dir=d))
        with open(self.path("resolv.conf"), "w") as fh:
            fh.write("nameserver %s\noptions attempts:2 timeout:1\n"
                     % DNS_IP)
        with open(self.path("domains.csv"), "w") as fh:
            fh.write("SEQUENTIAL\n")
            for i in range(NDOMAINS):
                fh.write("d%d.bench.test\n" % i)
        with open(self.path("message.xml"), "w") as fh:
            fh.write(SCENARIO)
        with open(self.path("foreign.cfg"), "w") as fh:
            fh.write(FOREIGN_CFG.format(ip=FOREIGN_IP, port=self.foreign_port,
                                        mpath=self.mpath,
                                        children=self.args.foreign_children))
        with open(self.path("kamailio.cfg"), "w") as fh:
            fh.write(PROXY_CFG.format(port=self.port["kamailio"],
                                      mpath=self.mpath))
        with open(self.path("fedrouted.conf"), "w") as fh:
            fh.write(FEDROUTED_CONF.format(nsd=self.nsd_port,
                                           node_ip=NODE_IP,
                                           port=self.port["fedrouted"]))

        start("nsd", [which("nsd"), "-d", "-c", self.path("nsd.conf")],
              self.path("nsd.out"), cwd=d)
        deadline = time.monotonic() + 10
        while True:
            ok = [nsdharness.udp_query(ip, port, "d0.bench.test", 35,
                                       timeout=0.1)
                  for ip, port in (("127.0.0.1", self.nsd_port),
                                   (DNS_IP, 53))]
            if all(r is not None and r[0] == 0 and r[2] >= 1 for r in ok):
                break
            if procs["nsd"].poll() is not None or \
                    time.monotonic() > deadline:
                with open(self.path("nsd.out")) as fh:
                    say(fh.read())
                sys.exit("bench-sip.py: NSD did not answer (is %s:53 "
                         "taken?)" % DNS_IP)
            time.sleep(0.05)

        self.kamailio("foreign", self.path("foreign.cfg"), 64, False)
        wait_tcp(FOREIGN_IP, self.foreign_port, "foreign")

    def kamailio(self, name, cfg, shm, private_dns):
        rundir = self.path(name + ".run")
        os.makedirs(rundir, exist_ok=True)
        argv = [which("kamailio"), "-f", cfg, "-DD", "-E", "-Y", rundir,
                "-P", os.path.join(rundir, "kamailio.pid"), "-m", str(shm),
                "-M", "8"]
        if private_dns:
            # sh execs kamailio: the pid we hold is Kamailio's.
            argv = [which("unshare"), "-m", "sh", "-c",
                    'mount --bind "$0" /etc/resolv.conf && exec "$@"',
                    self.path("resolv.conf")] + argv
        return start(name, self.pin(argv), self.path(name + ".log"))

    def pin(self, argv):
        if self.args.pin is None:
            return argv
        return [which("taskset"), "-c", str(self.args.pin)] + argv

    def start_proxy(self, c):
        if c == "kamailio":
            self.kamailio("kamailio", self.path("kamailio.cfg"), 64, True)
        elif c == "fedrouted":
            start("fedrouted", self.pin([self.args.fedrouted, "-c",
                                         self.path("fedrouted.conf")]),
                  self.path("fedrouted.log"))
        if c in PROXIES:
            wait_tcp("127.0.0.1", self.port[c], c)

    # ---------------------------------------------------------- measures

    def sipp(self, c, tag, rate, calls=None, seconds=None):
        """One SIPp run against contender c.  Returns (answered, failed,
        latencies in ms, the (time, latency) samples)."""
        work = self.path("sipp-%s-%s" % (c, tag))
        shutil.rmtree(work, ignore_errors=True)
        os.mkdir(work)
        argv = [which("sipp"), "%s:%d" % (self.host[c], self.port[c]),
                "-sf", self.path("message.xml"),
                "-inf", self.path("domains.csv"),
                "-t", "t1", "-i", NODE_IP, "-p",
                str(nsdharness.free_port(NODE_IP)), "-nostdin",
                "-r", str(rate), "-l", str(self.args.outstanding),
                "-recv_timeout", "5000",
                "-trace_stat", "-stf", os.path.join(work, "stat.csv"),
                "-fd", "1", "-trace_rtt", "-rtt_freq", "1000"]
        if calls is not None:
            argv += ["-m", str(calls)]
        if seconds is not None:
            argv += ["-timeout", "%ds" % seconds]
        bound = (seconds or calls / rate + 10) + 30
        with open(os.path.join(work, "sipp.out"), "w") as out:
            p = subprocess.Popen(argv, cwd=work, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.STDOUT)
            try:
                p.wait(timeout=bound)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                say("  sipp did not finish within %d s" % bound)
        samples = []
        for f in os.listdir(work):
            if f.endswith("_rtt.csv"):
                with open(os.path.join(work, f)) as fh:
                    for line in fh:
                        x = line.strip().split(";")
                        try:
                            samples.append((float(x[0]), float(x[1])))
                        except (ValueError, IndexError):
                            pass
        ok, failed = self.counts(os.path.join(work, "stat.csv"))
        if failed is None:
            with open(os.path.join(work, "sipp.out"), errors="replace") as fh:
                say("  sipp said: " + fh.read()[-1500:])
        return samples, ok, failed

    @staticmethod
    def counts(stat):
        """(successful, failed) calls from SIPp's statistics file."""
        try:
            with open(stat) as fh:
                lines = [x for x in fh.read().splitlines() if x.strip()]
            head = lines[0].split(";")
            last = lines[-1].split(";")
            return (int(last[head.index("SuccessfulCall(C)")]),
                    int(last[head.index("FailedCall(C)")]))
        except (OSError, IndexError, ValueError):
            return None, None

    def cold(self, c):
        lat, failed = latency_run(self.host[c], self.port[c],
                                  self.args.rate, NDOMAINS)
        return lat, failed, len(lat)

    def warm(self, c):
        lat, failed = latency_run(self.host[c], self.port[c],
                                  self.args.rate,
                                  self.args.rate * self.args.seconds)
        return lat, failed, len(lat)

    def saturation(self, c):
        """(requests/s, failed, answered, proxy CPU microseconds per
        answered request)."""
        pid = procs[c].pid if c in PROXIES else None
        cpu0 = cpu_seconds(pid) if pid else 0
        samples, ok, failed = self.sipp(c, "sat", self.args.sat_rate,
                                        seconds=self.args.seconds)
        cpu = (cpu_seconds(pid) - cpu0) * 1e6 / ok if pid and ok else None
        if not samples:
            return None, failed, 0, cpu
        # rtt lines are written when the answer comes: count those after
        # the first second (SIPp's ramp), up to the last one.
        times = sorted(s[0] for s in samples)
        start_t = times[0] + 1000.0
        end_t = times[-1]
        n = sum(1 for t in times if t > start_t)
        rate = n * 1e3 / (end_t - start_t) if end_t > start_t else None
        return rate, failed, ok, cpu

    # --------------------------------------------------------------- run

    def run(self):
        a = self.args
        res = {k: {c: [] for c in CONTENDERS} for k in (
            "sat", "cold50", "cold90", "cold99", "warm50", "warm90",
            "warm99", "fail-cold", "fail-warm", "fail-sat")}
        order = list(CONTENDERS)
        for r in range(a.rounds):
            for c in order:
                self.start_proxy(c)
                lat, failed, n = self.cold(c)
                keep_latencies(res, c, "cold", lat, failed)
                lat, failedw, nw = self.warm(c)
                keep_latencies(res, c, "warm", lat, failedw)
                rate, faileds, ns, cpu = self.saturation(c)
                if rate is not None:
                    res["sat"][c].append(rate)
                res["fail-sat"][c].append(faileds or 0)
                if c in PROXIES:
                    pid = procs[c].pid
                    if cpu is not None:
                        self.cpu[c].append(cpu)
                    self.memory[c].append(memory_kib(pid))
                    self.nprocs[c] = len(tree(pid))
                say("round %d %-9s cold p50 %s ms (%d ok, %s failed); "
                    "warm p50 %s p99 %s ms (%d ok, %s failed); "
                    "saturation %s req/s (%s failed)"
                    % (r + 1, c, fmt(res["cold50"][c][-1] if
                                     res["cold50"][c] else None), n, failed,
                       fmt(res["warm50"][c][-1] if res["warm50"][c]
                           else None),
                       fmt(res["warm99"][c][-1] if res["warm99"][c]
                           else None), nw, failedw, fmt(rate), faileds))
                if c in PROXIES:
                    stop(c)
            order = order[1:] + order[:1]
        return res


def keep_latencies(res, c, run, lat, failed):
    """Note run's p50/p90/p99 and failed calls for contender c."""
    if lat:
        for q, k in ((.5, "50"), (.9, "90"), (.99, "99")):
            res[run + k][c].append(percentile(lat, q))
    res["fail-" + run][c].append(failed or 0)


def fmt(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def report(args, b, res):
    load = open("/proc/loadavg").read().split()[:3]
    print("fedroute bench-sip: %d rounds, %d domains, MESSAGE over TCP, "
          "SIPp -t t1 from %s; warm %d req/s x %ds; saturation %ds with "
          "<= %d in flight; fedrouted workers: 1, Kamailio tcp_children=1; "
          "foreign Kamailio tcp_children=%d; pinned: %s; %d CPUs, load %s"
          % (args.rounds, NDOMAINS, NODE_IP, args.rate, args.seconds,
             args.seconds, args.outstanding, args.foreign_children,
             "CPU %d" % args.pin if args.pin is not None else "no",
             os.cpu_count(), " ".join(load)))
    print()
    print("%-26s %10s %10s %10s   %9s" % ("median", "direct", "kamailio",
                                         "fedrouted", "fr/kam"))
    rows = (("sat", "saturation (req/s)"),
            ("cold50", "cold p50 (ms)"), ("cold90", "cold p90 (ms)"),
            ("cold99", "cold p99 (ms)"),
            ("warm50", "warm p50 (ms)"), ("warm90", "warm p90 (ms)"),
            ("warm99", "warm p99 (ms)"))
    for k, label in rows:
        med = {c: statistics.median(res[k][c]) if res[k][c] else None
               for c in CONTENDERS}
        ratio = ("%.2fx" % (med["fedrouted"] / med["kamailio"])
                 if med["fedrouted"] and med["kamailio"] else "-")
        print("%-26s %10s %10s %10s   %9s" % (
            label, fmt(med["direct"]), fmt(med["kamailio"]),
            fmt(med["fedrouted"]), ratio))
    for k, label in (("fail-cold", "failed calls, cold (sum)"),
                     ("fail-warm", "failed calls, warm (sum)"),
                     ("fail-sat", "failed calls, sat. (sum)")):
        print("%-26s %10s %10s %10s" % (label, *(
            "%d" % sum(res[k][c]) for c in CONTENDERS)))
    cpu = {c: statistics.median(b.cpu[c]) if b.cpu[c] else None
           for c in PROXIES}
    print("%-26s %10s %10s %10s   %9s" % (
        "CPU/request, sat. (us)", "-", fmt(cpu["kamailio"]),
        fmt(cpu["fedrouted"]), "%.2fx" % (cpu["fedrouted"] / cpu["kamailio"])
        if cpu["kamailio"] and cpu["fedrouted"] else "-"))
    mem = {c: b.memory[c][-1] if b.memory[c] else (0, 0) for c in PROXIES}
    print("%-26s %10s %10d %10d   %9s" % (
        "RSS after run (KiB)", "-", mem["kamailio"][0], mem["fedrouted"][0],
        "%.2fx" % (mem["fedrouted"][0] / mem["kamailio"][0])
        if mem["kamailio"][0] else "-"))
    print("%-26s %10s %10d %10d   %9s" % (
        "PSS after run (KiB)", "-", mem["kamailio"][1], mem["fedrouted"][1],
        "%.2fx" % (mem["fedrouted"][1] / mem["kamailio"][1])
        if mem["kamailio"][1] else "-"))
    print()
    print("fr/kam above 1: fedrouted more requests/s, or more ms, or more "
          "memory.  Memory: every process of the proxy (Kamailio: %d, "
          "its -m 64 MiB shared memory counted once in PSS)."
          % b.nprocs["kamailio"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=10,
                    help="length of the warm and saturation runs")
    ap.add_argument("--rate", type=int, default=2000,
                    help="requests/s of the cold and warm runs")
    ap.add_argument("--sat-rate", type=int, default=200000,
                    help="SIPp's rate for saturation (capped by "
                    "--outstanding)")
    ap.add_argument("--outstanding", type=int, default=200,
                    help="calls in flight at most (SIPp -l)")
    ap.add_argument("--foreign-children", type=int, default=4,
                    help="TCP readers of the foreign Kamailio")
    ap.add_argument("--pin", type=int, default=None,
                    help="run both proxies on this CPU only (taskset)")
    ap.add_argument("--fedrouted", default=os.path.join(TOP, "src",
                                                        "fedrouted"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the working directory (logs, configs)")
    args = ap.parse_args()
    if not os.access(args.fedrouted, os.X_OK):
        sys.exit("bench-sip.py: %s not found: build first" % args.fedrouted)
    if os.geteuid() != 0:
        sys.exit("bench-sip.py: needs root (Kamailio's private "
                 "/etc/resolv.conf is a bind mount in its own namespace)")
    for prog in ("nsd", "kamailio", "sipp", "unshare"):
        which(prog)
    b = Bench(args)
    try:
        b.setup()
        res = b.run()
    finally:
        stop_all()
        if args.keep:
            say("working directory: %s" % b.dir)
        else:
            shutil.rmtree(b.dir, ignore_errors=True)
    report(args, b, res)


if __name__ == "__main__":
    main()
