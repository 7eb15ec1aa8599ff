#!/usr/bin/env python3
"""Integration tests: server: http: -- /metrics and the status page.

Real processes and sockets on loopback, started here: fedrouted with
http: on a free port; TcpNode echo nodes behind a PAT listener, one
behind a TLS listener (a certificate of a test CA), a node that refuses
connections; a SIP federation listener with a node (127.0.0.2) and a
foreign SIP server over TCP (a thread here), reached by an override
route and, for another domain, by DNS (a private NSD).

Checked: every line of /metrics parses as the Prometheus text format,
every family has HELP and TYPE, counters end in _total; the counters
match the traffic sent exactly (connections by listener and outcome,
bytes each way, TLS handshakes, SIP requests by method and responses by
class, the proxy's own 403, routing decisions by source, one DNS
resolution then the cache, node and pool state); 404 for other
paths, 405 for POST, HEAD answered; an oversize request refused; idle
connections held open do not stop relaying nor the next scrape; a
reload moves the server to a new address (and keeps the old one when
the new one is taken); with workers: 2, worker 1 serves the sum of both
workers' counters, and check-config says so; the page, loaded in headless Chromium,
shows the nodes with their state, the pools and the domains (DOM and a
screenshot in the test's directory).

Run: FEDROUTED=src/fedrouted FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_metrics.py
"""

import http.client
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import peers  # noqa: E402
from edgeharness import (Fedrouted, TcpNode, banner, connect,  # noqa: E402
                         free_port, tls_client, wait_for)

NODE_IP = "127.0.0.2"		# the SIP node, as the federation listener sees it
FOREIGN_IP = "127.0.7.71"

# ---------------------------------------------------------- the format

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE_RE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)?\})? (\S+)$"
                       % (NAME, LABEL, LABEL))
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"')
HELP_RE = re.compile(r"^# HELP (%s) \S.*$" % NAME)
TYPE_RE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|"
                     r"untyped)$" % NAME)


def parse(text, test):
    """{(name, ((label, value), ...)): float}, checking every line."""
    helps, types, out = set(), {}, {}
    test.assertTrue(text.endswith("\n"), "the text ends with a newline")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            m = HELP_RE.match(line)
            test.assertIsNotNone(m, "bad HELP line %r" % line)
            helps.add(m.group(1))
            continue
        if line.startswith("#"):
            m = TYPE_RE.match(line)
            test.assertIsNotNone(m, "bad TYPE line %r" % line)
            test.assertIn(m.group(1), helps, "TYPE before HELP: %r" % line)
            types[m.group(1)] = m.group(2)
            continue
        m = SAMPLE_RE.match(line)
        test.assertIsNotNone(m, "not a sample line: %r" % line)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        family = name
        if name not in types:
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and \
                        types.get(name[:-len(suffix)]) == "histogram":
                    family = name[:-len(suffix)]
        test.assertIn(family, types, "no TYPE for %r" % line)
        test.assertTrue(family.startswith("fedroute_"), line)
        if types[family] == "counter":
            test.assertTrue(family.endswith("_total"), line)
        v = float(value)
        key = (name, tuple(sorted(LABEL_RE.findall(labels))))
        test.assertNotIn(key, out, "sample twice: %r" % line)
        out[key] = v
    return out


def value(metrics, name, **labels):
    return metrics.get((name, tuple(sorted(labels.items()))), 0)


def check_deltas(test, before, after, expected):
    """expected: [(name, {labels}, how much it grew from before)]."""
    for name, labels, want in expected:
        test.assertEqual(value(after, name, **labels) -
                         value(before, name, **labels), want,
                         "%s %r" % (name, labels))


def fetch(port, path="/metrics", method="GET", src=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                   source_address=(src, 0) if src else None)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def answers(port):
    """True when GET /metrics is answered 200 now."""
    try:
        return fetch(port)[0] == 200
    except OSError:
        return False


# ------------------------------------------------------- a foreign server

class ForeignSip:
    """A foreign SIP server over TCP that answers every request 200 (ACK
    apart), copying Via, From, To, Call-ID and CSeq."""

    def __init__(self, ip):
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((ip, 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.requests = []
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _serve(self, c):
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                head, _, rest = buf.partition(b"\r\n\r\n")
                lines = head.decode(errors="replace").split("\r\n")
                clen = 0
                keep = []
                for line in lines[1:]:
                    k = line.partition(":")[0].strip().lower()
                    if k == "content-length":
                        clen = int(line.partition(":")[2])
                    if k in ("via", "from", "to", "call-id", "cseq"):
                        keep.append(line + (";tag=f1" if k == "to" and
                                            "tag=" not in line else ""))
                while len(rest) < clen:
                    rest += c.recv(65536)
                buf = rest[clen:]
                self.requests.append(lines[0].split(" ")[0])
                if lines[0].startswith("ACK "):
                    continue
                c.sendall(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                           "\r\nContent-Length: 0\r\n\r\n").encode())
        except OSError:
            pass

    def stop(self):
        self.lsock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def sip_request(port, method, uri, n):
    """Send one request from the node's address; the status answered."""
    s = socket.socket()
    s.bind((NODE_IP, 0))
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
        local = "%s:%d" % s.getsockname()
        body = "hello" if method == "MESSAGE" else ""
        text = ("%s %s SIP/2.0\r\n"
                "Via: SIP/2.0/TCP %s;branch=z9hG4bKmetrics%d;rport\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:alice@enterprise.test>;tag=m%d\r\n"
                "To: <%s>\r\n"
                "Call-ID: metrics%d-%d@enterprise.test\r\n"
                "CSeq: 1 %s\r\n"
                "Contact: <sip:alice@%s;transport=tcp>\r\n"
                "%s"
                "Content-Length: %d\r\n\r\n%s"
                % (method, uri, local, n, n, uri, n, os.getpid(), method,
                   local, "Content-Type: text/plain\r\n" if body else "",
                   len(body), body))
        s.sendall(text.encode())
        buf = b""
        while b"\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                raise AssertionError("closed before a response")
            buf += d
        return int(buf.split(b" ")[1])
    finally:
        s.close()


# ------------------------------------------------------------- the edge

CONFIG = """\
server:
	user: nobody
	log-level: debug
	public-address: 198.51.100.10
	connect-timeout: 1s
	connect-retries: 0
	drain-timeout: 1s
	http: 127.0.0.1:{http}
resolver:
	forwarder: {resolver}
	timeout: 2s
node:
	name: imp-a
	address: {a}
	check: tcp
	check-interval: 1s
	check-timeout: 500ms
node:
	name: imp-b
	address: {b}
	check: none
node:
	name: gone
	address: 127.0.0.5:{gone}
	check: none
node:
	name: publisher
	address: 127.0.0.2:{pub}
	check: none
pool:
	name: imp
	member: imp-a
	member: imp-b
listener:
	name: pat-a
	address: 127.0.0.1:{pat}
	target: node imp-a
listener:
	name: tls-b
	address: 127.0.0.1:{tls}
	target: node imp-b
	tls: yes
	tls-cert: {cert}
	tls-key: {key}
listener:
	name: pat-gone
	address: 127.0.0.1:{patgone}
	target: node gone
listener:
	name: nodes
	address: 127.0.0.1:{fed}
	protocol: sip
	target: federation
domain:
	name: over.metrics.test
	transport: tcp
domain:
	name: dns.metrics.test
	transport: tcp
route:
	domain: over.metrics.test
	next-hop: {foreign_ip}:{foreign}
	transport: tcp
	mode: override
"""


ZONE = """$ORIGIN metrics.test.
$TTL 300
@ 3600 IN SOA ns1.metrics.test. hostmaster.metrics.test. 2026120701 7200 1800 1209600 60
@ IN NS ns1.metrics.test.
ns1 IN A 127.0.7.53
_sip._tcp.dns IN SRV 0 0 {port} fs.dns.metrics.test.
fs.dns IN A {ip}
"""


def setUpModule():
    global TMP, CERTS, NODE_A, NODE_B, FOREIGN, EDGE, PORTS, NSD
    from edgeharness import fedrouted_path
    if not os.access(fedrouted_path(), os.X_OK):
        raise RuntimeError("fedrouted not found: %s (set FEDROUTED)"
                           % fedrouted_path())
    TMP = tempfile.mkdtemp(prefix="fedroute-metrics-")
    os.chmod(TMP, 0o755)
    f = peers.CertFactory(TMP)
    ca = f.ca("metrics-ca")
    CERTS = {"ca": ca[0], "edge": f.leaf("edge", ca, "edge.enterprise.test",
                                         ["DNS:edge.enterprise.test"])}
    for p in CERTS["edge"]:
        os.chmod(p, 0o644)
    NODE_A = TcpNode("imp-a", "127.0.0.3").start()
    NODE_B = TcpNode("imp-b", "127.0.0.4").start()
    FOREIGN = ForeignSip(FOREIGN_IP)
    zone = os.path.join(TMP, "metrics.test.zone")
    with open(zone, "w") as fh:
        fh.write(ZONE.format(port=FOREIGN.port, ip=FOREIGN_IP))
    NSD = nsdharness.NsdServer([zone])
    NSD.start()
    PORTS = {"http": free_port(), "pat": free_port(), "tls": free_port(),
             "patgone": free_port(), "fed": free_port(),
             "gone": free_port("127.0.0.5"), "pub": free_port(NODE_IP)}
    EDGE = Fedrouted(CONFIG.format(resolver=NSD.resolver,
        a=NODE_A.addr, b=NODE_B.addr, foreign_ip=FOREIGN_IP,
        foreign=FOREIGN.port, cert=CERTS["edge"][0],
        key=CERTS["edge"][1], **PORTS))
    EDGE.start()


def tearDownModule():
    try:
        if EDGE is not None and EDGE.proc is not None:
            EDGE.check_clean_exit(EDGE.stop())
    finally:
        if EDGE is not None:
            EDGE.cleanup()
        for x in (NODE_A, NODE_B, FOREIGN, NSD):
            if x is not None:
                x.stop()
        shutil.rmtree(TMP, ignore_errors=True)


TMP = CERTS = NODE_A = NODE_B = FOREIGN = EDGE = PORTS = NSD = None


def scrape(test, src=None):
    # Polled in tight loops: a connection the server has not yet
    # reaped may still count against the per-address limit (8).
    for attempt in range(3):
        try:
            status, hdrs, body = fetch(PORTS["http"], src=src)
            break
        except (ConnectionResetError, http.client.RemoteDisconnected):
            if attempt == 2:
                raise
            time.sleep(0.1)
    test.assertEqual(status, 200)
    test.assertTrue(hdrs["Content-Type"].startswith("text/plain; "
                                                    "version=0.0.4"), hdrs)
    return parse(body.decode("utf-8"), test)


class Counters(unittest.TestCase):
    """Known traffic, then the counters, exactly."""

    def test_format(self):
        m = scrape(self)
        self.assertEqual(value(m, "fedroute_build_info",
                               version="0.1.0"), 1)
        # Histogram buckets are cumulative and end in +Inf == _count.
        for h in ("fedroute_resolution_duration_seconds",
                  "fedroute_health_check_duration_seconds"):
            buckets = sorted(((float(dict(k[1])["le"]), v)
                              for k, v in m.items()
                              if k[0] == h + "_bucket"))
            self.assertEqual(len(buckets), 13, h)
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), h)
            self.assertEqual(buckets[-1][0], float("inf"))
            self.assertEqual(buckets[-1][1], value(m, h + "_count"))

    def test_relayed_connections_and_bytes(self):
        before = scrape(self)
        n, payload = 5, b"x" * 1000
        sent_back = 0
        for _ in range(n):
            s = connect(PORTS["pat"])
            try:
                b = banner(s)
                sent_back += len(b.line) + 1
                s.sendall(payload)
                got = b""
                while len(got) < len(payload):
                    d = s.recv(65536)
                    self.assertTrue(d)
                    got += d
                sent_back += len(got)
            finally:
                s.close()
        lab = dict(listener="pat-a")

        def done():
            m = scrape(self)
            return value(m, "fedroute_connections_total", outcome="relayed",
                         **lab) - value(before, "fedroute_connections_total",
                                        outcome="relayed", **lab) >= n
        wait_for(done, what="5 relayed connections counted")
        conns, nbytes = "fedroute_connections_total", \
            "fedroute_relayed_bytes_total"
        check_deltas(self, before, scrape(self), [
            (conns, dict(outcome="relayed", **lab), n),
            (nbytes, dict(direction="from_client", **lab), n * len(payload)),
            (nbytes, dict(direction="to_client", **lab), sent_back),
        ] + [(conns, dict(outcome=o, **lab), 0)
             for o in ("no_node", "tls_failed", "refused", "limited",
                       "error", "aborted", "proxied")])

    def test_no_node(self):
        lab = dict(listener="pat-gone", outcome="no_node")
        before = value(scrape(self), "fedroute_connections_total", **lab)
        for _ in range(2):
            s = connect(PORTS["patgone"])
            try:
                s.settimeout(10)
                self.assertEqual(s.recv(1), b"")
            except ConnectionResetError:
                pass
            finally:
                s.close()
        wait_for(lambda: value(scrape(self), "fedroute_connections_total",
                               **lab) >= before + 2,
                 what="2 no_node connections")
        self.assertEqual(value(scrape(self), "fedroute_connections_total",
                               **lab), before + 2)

    def test_tls(self):
        before = scrape(self)
        s = tls_client(PORTS["tls"], CERTS["ca"])
        try:
            self.assertEqual(banner(s).node, "imp-b")
        finally:
            s.close()
        s = connect(PORTS["tls"])	# not TLS at all
        try:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            s.settimeout(10)
            try:
                while s.recv(4096):
                    pass
            except ConnectionResetError:
                pass
        finally:
            s.close()
        conns = "fedroute_connections_total"
        wait_for(lambda: sum(value(scrape(self), conns, listener="tls-b",
                                   outcome=o) for o in ("relayed",
                                                        "tls_failed")) >=
                 sum(value(before, conns, listener="tls-b", outcome=o)
                     for o in ("relayed", "tls_failed")) + 2,
                 what="the TLS connections counted")
        hs = "fedroute_tls_handshakes_total"
        check_deltas(self, before, scrape(self), [
            (conns, dict(listener="tls-b", outcome="relayed"), 1),
            (conns, dict(listener="tls-b", outcome="tls_failed"), 1),
            (hs, dict(role="server", result="ok"), 1),
            (hs, dict(role="server", result="failed"), 1),
        ])

    def test_sip(self):
        before = scrape(self)
        foreign_before = FOREIGN.requests.count("MESSAGE")
        conns = dict(listener="nodes", outcome="proxied")
        self.assertEqual(sip_request(PORTS["fed"], "MESSAGE",
                                     "sip:bob@over.metrics.test", 1), 200)
        self.assertEqual(sip_request(PORTS["fed"], "OPTIONS",
                                     "sip:bob@over.metrics.test", 2), 200)
        self.assertEqual(sip_request(PORTS["fed"], "MESSAGE",
                                     "sip:eve@notallowed.test", 3), 403)
        wait_for(lambda: value(scrape(self), "fedroute_connections_total",
                               **conns) >=
                 value(before, "fedroute_connections_total", **conns) + 3,
                 what="3 SIP connections counted")
        m = scrape(self)
        check_deltas(self, before, m, [
            ("fedroute_connections_total", conns, 3),
            ("fedroute_sip_requests_total", dict(method="MESSAGE"), 2),
            ("fedroute_sip_requests_total", dict(method="OPTIONS"), 1),
            ("fedroute_sip_requests_total", dict(method="INVITE"), 0),
            ("fedroute_sip_responses_total", {"class": "2xx"}, 2),
            ("fedroute_sip_responses_total", {"class": "4xx"}, 0),
            ("fedroute_sip_local_responses_total", {"class": "4xx"}, 1),
            ("fedroute_routing_decisions_total", dict(source="override"), 2),
            ("fedroute_routing_decisions_total", dict(source="refused"), 1),
            ("fedroute_routing_decisions_total", dict(source="dns"), 0),
        ])
        self.assertEqual(FOREIGN.requests.count("MESSAGE") - foreign_before,
                         1)
        # The resolver exists (sip listener): its figures are there.
        self.assertIn(("fedroute_destinations_down", ()), m)
        self.assertIn(("fedroute_resolver_cache_lookups_total",
                       (("result", "hit"),)), m)

    def test_dns(self):
        """Two requests for a domain DNS routes: one resolution, then
        the cache; the page shows the domain's target and its health."""
        before = scrape(self)
        for n in (11, 12):
            self.assertEqual(sip_request(PORTS["fed"], "MESSAGE",
                                         "sip:bob@dns.metrics.test", n), 200)
        m = scrape(self)
        check_deltas(self, before, m, [
            ("fedroute_routing_decisions_total", dict(source="dns"), 2),
            ("fedroute_resolution_duration_seconds_count", {}, 1),
            ("fedroute_resolution_duration_seconds_bucket",
             dict(le="+Inf"), 1),
        ])
        self.assertGreaterEqual(
            value(m, "fedroute_resolver_cache_lookups_total", result="hit") -
            value(before, "fedroute_resolver_cache_lookups_total",
                  result="hit"), 1)
        self.assertGreater(value(m, "fedroute_resolver_cache_entries"), 0)
        page = fetch(PORTS["http"], "/")[2].decode()
        self.assertIn("<td>dns.metrics.test</td>", page)
        self.assertRegex(page, r"fs\.dns\.metrics\.test:%d tcp "
                         r'<span class="up">%s ok</span>'
                         % (FOREIGN.port, re.escape(FOREIGN_IP)))

    def test_health_checks(self):
        # imp-a is checked every second; imp-b is check: none.
        wait_for(lambda: value(scrape(self),
                               "fedroute_health_check_duration_seconds_count")
                 >= 2, what="two health checks")
        m = scrape(self)
        self.assertGreaterEqual(value(m, "fedroute_node_transitions_total",
                                      state="up"), 1)
        self.assertEqual(value(m, "fedroute_health_check_failures_total"), 0)
        # The nodes and pools as they are now (edgeview).
        for node in ("imp-a", "imp-b", "gone", "publisher"):
            self.assertEqual(value(m, "fedroute_node_up", node=node), 1)
            self.assertIn(("fedroute_node_drained", (("node", node),)), m)
            self.assertEqual(value(m, "fedroute_node_drained", node=node),
                             0)
            self.assertEqual(value(m, "fedroute_node_weight", node=node), 1)
        self.assertIn(("fedroute_node_last_check_duration_seconds",
                       (("node", "imp-a"),)), m)
        self.assertNotIn(("fedroute_node_last_check_duration_seconds",
                          (("node", "imp-b"),)), m)	# check: none
        self.assertEqual(value(m, "fedroute_pool_members_usable",
                               pool="imp"), 2)


class Http(unittest.TestCase):
    """What the server answers, and what it refuses."""

    def test_other_paths_404(self):
        for path in ("/metricsx", "/index.html", "/../etc/passwd",
                     "/metrics/"):
            self.assertEqual(fetch(PORTS["http"], path)[0], 404, path)

    def test_methods(self):
        status, hdrs, body = fetch(PORTS["http"], "/metrics", "POST")
        self.assertEqual(status, 405)
        self.assertEqual(hdrs.get("Allow"), "GET, HEAD")
        self.assertEqual(fetch(PORTS["http"], "/", "DELETE")[0], 405)
        status, hdrs, body = fetch(PORTS["http"], "/metrics", "HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        status, hdrs, body = fetch(PORTS["http"], "/")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'none'", hdrs["Content-Security-Policy"])

    def test_oversize_request_refused(self):
        s = connect(PORTS["http"])
        try:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                      b"a" * 100000 + b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass	# refused before it was all sent
        try:
            s.settimeout(10)
            reply = b""
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    reply += d
            except ConnectionResetError:
                pass
            self.assertFalse(reply.startswith(b"HTTP/1.1 200"), reply[:80])
            if reply:
                self.assertRegex(reply[:12].decode(), r"HTTP/1\.1 4\d\d")
        finally:
            s.close()
        self.assertEqual(fetch(PORTS["http"])[0], 200)

    def test_idle_connections_do_not_block(self):
        idle = []
        try:
            # More than the server takes, some with half a request.
            for i in range(40):
                try:
                    s = connect(PORTS["http"])
                except OSError:
                    break
                if i % 2:
                    try:
                        s.sendall(b"GET /metr")
                    except OSError:
                        pass
                idle.append(s)
            # Relaying goes on ...
            t0 = time.monotonic()
            s = connect(PORTS["pat"])
            try:
                self.assertEqual(banner(s).node, "imp-a")
                s.sendall(b"ping")
                self.assertEqual(s.recv(4), b"ping")
            finally:
                s.close()
            self.assertLess(time.monotonic() - t0, 2)
            # ... and a scrape from another address is answered.
            self.assertEqual(fetch(PORTS["http"], src="127.0.0.6")[0], 200)
        finally:
            for s in idle:
                s.close()
        # Once they are gone, this address is served again.
        wait_for(lambda: answers(PORTS["http"]),
                 what="the server to take 127.0.0.1 again")


class Page(unittest.TestCase):
    """The status page, as a person sees it in Chromium."""

    @staticmethod
    def chromium():
        for name in ("chromium", "chromium-browser", "google-chrome"):
            path = shutil.which(name)
            if path:
                return path
        return None

    def run_chromium(self, args, out_dir):
        # A private profile, no sandbox (root in CI), bounded in time.
        cmd = [self.chromium(), "--headless", "--disable-gpu",
               "--no-sandbox", "--disable-dev-shm-usage",
               "--no-first-run", "--user-data-dir=" +
               os.path.join(out_dir, "profile")] + args
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=out_dir,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.communicate()
            raise AssertionError("chromium took more than 90 s")
        return p.returncode, out.decode(errors="replace"), \
            err.decode(errors="replace")

    def test_page_in_chromium(self):
        if self.chromium() is None:
            self.skipTest("chromium is not installed (Debian package "
                          "chromium; contrib/install-deps.sh installs it)")
        wait_for(lambda: b'class="up">up<' in fetch(PORTS["http"], "/")[2],
                 what="imp-a checked up on the page")
        out_dir = os.path.join(TMP, "chromium")
        os.makedirs(out_dir, exist_ok=True)
        url = "http://127.0.0.1:%d/" % PORTS["http"]
        rc, dom, err = self.run_chromium(["--dump-dom", url], out_dir)
        self.assertEqual(rc, 0, err[-2000:])
        text = re.sub(r"<[^>]+>", " ", dom)
        text = re.sub(r"\s+", " ", text)
        for want in ("fedroute status", "imp-a", "imp-b", "gone",
                     "publisher", "imp", "pat-a", "tls-b",
                     "over.metrics.test", "Federated domains",
                     "Recent failures"):
            self.assertIn(want, text, want)
        # Nodes with their state, as rows read.
        self.assertRegex(text, r"imp-a 127\.0\.0\.3:\d+ tcp up in service")
        self.assertRegex(text, r"imp-b 127\.0\.0\.4:\d+ tcp up in service")
        # The pool: both members usable.
        self.assertRegex(text, r"imp roundrobin 2 of 2 usable imp-a imp-b")
        shot = os.path.join(out_dir, "status.png")
        rc, _, err = self.run_chromium(["--screenshot=" + shot,
                                        "--window-size=1200,900", url],
                                       out_dir)
        self.assertEqual(rc, 0, err[-2000:])
        with open(shot, "rb") as fh:
            png = fh.read()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        self.assertEqual((width, height), (1200, 900))
        # A page with tables and text compresses to some kilobytes; a
        # blank one to a few hundred bytes.
        self.assertGreater(len(png), 8000, "a blank screenshot?")
        # The temporary directory goes at the end; FR_TEST_OUTPUT names
        # a directory to keep the screenshot in (CI artifacts).
        keep = os.environ.get("FR_TEST_OUTPUT")
        if keep:
            os.makedirs(keep, exist_ok=True)
            shot = shutil.copy(shot, os.path.join(keep, "status-page.png"))
        sys.stderr.write("status page screenshot: %s (%d bytes)\n"
                         % (shot, len(png)))


SMALL = """\
server:
	user: nobody
	workers: {workers}
	drain-timeout: 1s
	http: 127.0.0.1:{http}
node:
	name: n1
	address: 127.0.0.3:{node}
	check: none
listener:
	name: pat
	address: 127.0.0.1:{pat}
	target: node n1
"""


class Lifecycle(unittest.TestCase):
    """Reloads and workers."""

    def test_reload_moves_the_server(self):
        node = TcpNode("n1", "127.0.0.3").start()
        p1, p2, pat = free_port(), free_port(), free_port()
        conf = dict(workers=1, node=node.port, pat=pat)
        try:
            with Fedrouted(SMALL.format(http=p1, **conf)) as d:
                wait_for(lambda: fetch(p1)[0] == 200, what="http up")
                d.reload(SMALL.format(http=p2, **conf))
                self.assertEqual(fetch(p2)[0], 200)
                self.assertRaises(OSError, fetch, p1)
                # A new address that is taken: the old one serves on.
                taken = socket.socket()
                try:
                    taken.bind(("127.0.0.1", 0))
                    taken.listen(1)
                    p3 = taken.getsockname()[1]
                    d.reload(SMALL.format(http=p3, **conf))
                    d.wait_log("still serving on 127.0.0.1:%d" % p2)
                    self.assertEqual(fetch(p2)[0], 200)
                finally:
                    taken.close()
                # Taken away: no server at all.
                d.reload(SMALL.format(http=p2, **conf).replace(
                    "\thttp: 127.0.0.1:%d\n" % p2, ""))
                self.assertRaises(OSError, fetch, p2)
        finally:
            node.stop()

    def test_workers_summed(self):
        """workers: 2 -- worker 1 serves; the counters are the sum over
        both workers, whichever took the connections."""
        node = TcpNode("n1", "127.0.0.3").start()
        http, pat = free_port(), free_port()
        text = SMALL.format(workers=2, http=http, node=node.port, pat=pat)
        n = 24
        try:
            with Fedrouted(text) as d:
                fedroute = os.environ.get("FEDROUTE", "src/fedroute")
                p = subprocess.run([fedroute, "check-config", "--no-tls",
                                    d.conf], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=30)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn(b"http: is served by worker 1: counters are "
                              b"summed over the 2 workers", p.stderr)
                d.wait_log("http: served by worker 1: counters summed")
                wait_for(lambda: d.count("started with") == 2,
                         what="both workers started")
                self.assertEqual(d.count("http: /metrics and the status "
                                         "page on"), 1)
                wait_for(lambda: answers(http), what="http up")
                for _ in range(n):
                    s = connect(pat)
                    try:
                        banner(s)
                    finally:
                        s.close()
                recs = d.wait_conns(n)
                pids = {re.search(r"fedrouted\[(\d+)\]", line).group(1)
                        for line in d.log().splitlines()
                        if " conn client=" in line}
                key = ("fedroute_connections_total",
                       (("listener", "pat"), ("outcome", "relayed")))
                # Each worker publishes once a second.
                wait_for(lambda: parse(fetch(http)[2].decode(), self).get(
                    key) == n, what="%d relayed in the sum" % n)
                m = parse(fetch(http)[2].decode(), self)
                self.assertEqual(m[key], n, recs)
                self.assertEqual(value(m, "fedroute_processes_counted"), 2)
                self.assertEqual(len(pids), 2,
                                 "all %d connections on one worker?" % n)
                page = fetch(http, "/")[2]
                self.assertIn(b"worker 1 of 2", page)
                self.assertIn(b"<td>%d" % n, page)
                # The other worker dies and is replaced: the sum does
                # not go back (the replacement starts from its slot).
                server = re.search(r"fedrouted\[(\d+)\]: notice: http: "
                                   r"/metrics", d.log()).group(1)
                other = int((pids - {server}).pop())
                with open("/proc/%d/stat" % other) as fh:
                    self.assertEqual(int(fh.read().rsplit(")", 1)[1].split()[1]),
                                     d.pid)	# a worker of this daemon
                os.kill(other, signal.SIGKILL)
                d.wait_log("started again")
                d.wait_log("started with", count=3)
                # It publishes at once, then every second: past that,
                # a replacement that started from zero would show.
                time.sleep(1.5)
                self.assertEqual(parse(fetch(http)[2].decode(), self)[key],
                                 n)
        finally:
            node.stop()

    def test_check_config_refuses_a_listener_address(self):
        pat = free_port()
        text = SMALL.format(workers=1, http=pat, node=1, pat=pat)
        tmp = tempfile.mkdtemp(prefix="fedroute-metrics-conf-")
        try:
            path = os.path.join(tmp, "f.conf")
            with open(path, "w") as fh:
                fh.write(text)
            fedroute = os.environ.get("FEDROUTE", "src/fedroute")
            p = subprocess.run([fedroute, "check-config", "--no-tls", path],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn(("%s:5: http: 127.0.0.1:%d overlaps the listener "
                           "on line 10" % (path, pat)).encode(), p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
