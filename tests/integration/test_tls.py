#!/usr/bin/env python3
"""Integration tests: TLS terminated at the edge and re-established to
the nodes.

The client sees the edge's certificate; the node (a real Kamailio with
TLS, or a TLS echo server) sees a new TLS client coming from the edge.
Also: TLS only on one side, the node's certificate verified (by IP
address or tls-server-name, against tls-ca), client certificates
required, TLS health checks, resumed sessions toward a node, bytes
intact through TLS on both sides, and the client handshake time-out.

Run: FEDROUTED=src/fedrouted python3 tests/integration/test_tls.py
"""

import hashlib
import os
import re
import select
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pki  # noqa: E402
from edgeharness import (Fedrouted, KamailioNode, TcpNode, TlsNode,  # noqa
                         banner, closed_by_peer, connect, free_port,
                         read_line, recv_all, sip_options, tls_client,
                         wait_for)

SERVER = """\
server:
	user: nobody
	log-level: debug
	connect-timeout: 1s
	connect-retries: 0
	handshake-timeout: 500ms
	drain-timeout: 2s
"""


def tls_node(name, addr, ca, extra="", check="none"):
    return ("node:\n\tname: %s\n\taddress: %s\n\ttransport: tls\n"
            "\ttls-ca: %s\n\tcheck: %s\n%s" % (name, addr, ca, check, extra))


def echo_through(s, data, timeout=120):
    """Send data on TLS socket s while reading its echo back, in one
    thread: an SSL object must not be read and written from two threads
    at once (the read side then sees a spurious end of stream).
    Returns what came back, up to len(data) bytes."""
    s.setblocking(False)
    sent, chunks, n = 0, [], 0
    deadline = time.monotonic() + timeout
    while n < len(data) and time.monotonic() < deadline:
        want_w = sent < len(data)
        _, w, _ = select.select([s], [s] if want_w else [], [], 1.0)
        if w:
            try:
                sent += s.send(data[sent:sent + 65536])
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                    BlockingIOError):
                pass
        while True:
            try:
                c = s.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                    BlockingIOError):
                break
            if not c:
                return b"".join(chunks)
            chunks.append(c)
            n += len(c)
    return b"".join(chunks)


def tcp_node(name, addr):
    return "node:\n\tname: %s\n\taddress: %s\n\tcheck: none\n" % (name, addr)


class Tls(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fedroute-tls-")
        os.chmod(cls.dir, 0o755)
        cls.ca = pki.Pki(os.path.join(cls.dir, "pki"))
        cls.edge = cls.ca.leaf("edge", dns=["edge.enterprise.test"])
        cls.node2 = cls.ca.leaf("node2", dns=["imp-a.enterprise.test"],
                                ip=["127.0.0.2"])
        cls.node3 = cls.ca.leaf("node3", dns=["imp-b.enterprise.test"],
                                ip=["127.0.0.3"])
        cls.client = cls.ca.leaf("partner", dns=["sip.partner.test"],
                                 client=True)
        # A second CA whose certificates the edge must not accept.
        cls.other = pki.Pki(os.path.join(cls.dir, "other"), "other CA")
        cls.stranger = cls.other.leaf("stranger", dns=["sip.stranger.test"],
                                      client=True)
        for root, dirs, files in os.walk(cls.dir):
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def tls_listener(self, port, target, extra=""):
        return ("listener:\n\tname: federation\n\taddress: 127.0.0.1:%d\n"
                "\ttarget: %s\n\ttls: yes\n\ttls-cert: %s\n\ttls-key: %s\n%s"
                % (port, target, self.edge[0], self.edge[1], extra))

    def test_terminated_and_reencrypted_to_kamailio(self):
        kam = KamailioNode("imp-a", "127.0.0.2", cert=self.node2[0],
                           key=self.node2[1])
        port = free_port()
        conf = (SERVER + tls_node("imp-a", kam.tls_addr, self.ca.cert,
                                  check="sip-options") +
                self.tls_listener(port, "node imp-a"))
        with kam, Fedrouted(conf) as d:
            d.wait_log("node imp-a (%s) is up" % kam.tls_addr)
            s = tls_client(port, self.ca.cert)
            try:
                # The client sees the edge's certificate ...
                cert = s.getpeercert()
                self.assertEqual(dict(x[0] for x in cert["subject"])
                                 ["commonName"], "edge.enterprise.test")
                status, headers = sip_options(s, transport="TLS")
            finally:
                s.close()
            self.assertEqual(status, 200)
            self.assertEqual(headers["x-node"], "imp-a")
            # ... and the node a TLS client that is the edge.
            self.assertEqual(headers["x-proto"], "tls")
            self.assertEqual(headers["x-source"], "127.0.0.1")
            rec = d.wait_conns(1)[0]
            self.assertEqual(rec["node"], "imp-a", rec)
            self.assertEqual(rec["reason"], "closed by client", rec)

    def test_tls_on_one_side_only(self):
        plain = TcpNode("plain", "127.0.0.3")
        secure = TlsNode("secure", "127.0.0.2", *self.node2)
        p_term, p_orig = free_port(), free_port()
        conf = (SERVER + tcp_node("plain", plain.addr) +
                tls_node("secure", secure.addr, self.ca.cert) +
                self.tls_listener(p_term, "node plain") +
                "listener:\n\taddress: 127.0.0.1:%d\n\ttarget: node "
                "secure\n" % p_orig)
        with plain, secure, Fedrouted(conf):
            # TLS client, plain node.
            s = tls_client(p_term, self.ca.cert)
            self.assertEqual(banner(s).node, "plain")
            s.sendall(b"over tls\n")
            self.assertEqual(read_line(s), "over tls")
            s.close()
            # Plain client, TLS node.
            s = connect(p_orig)
            self.assertEqual(banner(s).node, "secure")
            s.sendall(b"to tls\n")
            self.assertEqual(read_line(s), "to tls")
            s.close()
            self.assertEqual(secure.handshakes[0][0] in ("TLSv1.2",
                                                          "TLSv1.3"), True)

    def test_node_certificate_is_verified(self):
        node = TlsNode("imp-a", "127.0.0.2", *self.node2)
        ports = [free_port() for _ in range(4)]
        conf = (SERVER +
                # by IP address (the certificate has IP:127.0.0.2)
                tls_node("by-ip", node.addr, self.ca.cert) +
                # by name, right and wrong
                tls_node("by-name", node.addr, self.ca.cert,
                         "\ttls-server-name: imp-a.enterprise.test\n") +
                tls_node("wrong-name", node.addr, self.ca.cert,
                         "\ttls-server-name: imp-b.enterprise.test\n") +
                # signed by a CA we do not trust
                tls_node("wrong-ca", node.addr, self.other.cert) +
                "".join("listener:\n\taddress: 127.0.0.1:%d\n\ttarget: "
                        "node %s\n" % (p, n) for p, n in
                        zip(ports, ("by-ip", "by-name", "wrong-name",
                                    "wrong-ca"))))
        with node, Fedrouted(conf) as d:
            for p in ports[:2]:
                s = connect(p)
                self.assertEqual(banner(s).node, "imp-a")
                s.close()
            for p in ports[2:]:
                s = connect(p)
                self.assertTrue(closed_by_peer(s))
                s.close()
            recs = {r["listener"].split(":")[-1]: r
                    for r in d.wait_conns(4)}
        self.assertRegex(recs[str(ports[2])]["reason"],
                         r"^node wrong-name: TLS handshake failed: "
                         r"certificate verify failed: [Hh]ostname mismatch")
        self.assertRegex(recs[str(ports[3])]["reason"],
                         r"^node wrong-ca: TLS handshake failed: "
                         r"certificate verify failed: unable to get local "
                         r"issuer certificate")

    def test_client_certificate_required(self):
        node = TcpNode("imp-a", "127.0.0.2")
        port = free_port()
        conf = (SERVER + tcp_node("imp-a", node.addr) +
                self.tls_listener(port, "node imp-a",
                                  "\ttls-ca: %s\n\ttls-verify-client: "
                                  "require\n" % self.ca.cert))
        with node, Fedrouted(conf) as d:
            s = tls_client(port, self.ca.cert, cert=self.client[0],
                           key=self.client[1])
            self.assertEqual(banner(s).node, "imp-a")
            s.close()
            for cert in (None, self.stranger):
                try:
                    s = tls_client(port, self.ca.cert,
                                   cert=cert[0] if cert else None,
                                   key=cert[1] if cert else None)
                except (ssl.SSLError, ConnectionResetError):
                    continue
                # TLS 1.3: the refusal comes after the client's side of
                # the handshake is done.
                try:
                    self.assertTrue(closed_by_peer(s))
                except ssl.SSLError:
                    pass
                finally:
                    s.close()
            recs = d.wait_conns(3)
        reasons = sorted(r["reason"] for r in recs)
        self.assertEqual(reasons, [
            "client TLS handshake failed: TLS: peer did not return a "
            "certificate",
            "client TLS handshake failed: certificate verify failed: unable "
            "to get local issuer certificate",
            "closed by client"])

    def test_tls_health_check(self):
        good = TlsNode("good", "127.0.0.2", *self.node2)
        plain = TcpNode("plain", "127.0.0.3")
        # The first check runs at once and decides; its time-out is
        # generous so that a slow machine still sees the handshake fail
        # (on a non-TLS banner) rather than time out.
        check = "tls\n\tcheck-interval: 5s\n\tcheck-timeout: 2s"
        conf = (SERVER + tls_node("good", good.addr, self.ca.cert,
                                  check=check) +
                tls_node("plain", plain.addr, self.ca.cert, check=check) +
                "listener:\n\taddress: 127.0.0.1:%d\n\ttarget: node good\n"
                % free_port())
        with good, plain, Fedrouted(conf) as d:
            d.wait_log("node good (%s) is up" % good.addr)
            d.wait_log("node plain (%s) is down: TLS handshake failed"
                       % plain.addr)

    def test_sessions_to_a_node_are_resumed(self):
        node = TlsNode("imp-a", "127.0.0.2", *self.node2)
        port = free_port()
        conf = SERVER + tls_node("imp-a", node.addr, self.ca.cert) + \
            "listener:\n\taddress: 127.0.0.1:%d\n\ttarget: node imp-a\n" \
            % port
        with node, Fedrouted(conf):
            for _ in range(6):
                s = connect(port)
                banner(s)
                # Keep the connection until the node's ticket is in.
                s.sendall(b"x\n")
                read_line(s)
                s.close()
            reused = [h[1] for h in node.handshakes]
            self.assertEqual(reused, [False] + [True] * 5, node.handshakes)

    def test_clients_resume_unless_told_not_to(self):
        node = TcpNode("imp-a", "127.0.0.2")
        p_yes, p_no = free_port(), free_port()
        conf = (SERVER + tcp_node("imp-a", node.addr) +
                self.tls_listener(p_yes, "node imp-a") +
                self.tls_listener(p_no, "node imp-a",
                                  "\ttls-resumption: no\n").replace(
                                      "name: federation", "name: full"))
        ctx = ssl.create_default_context(cafile=self.ca.cert)

        def twice(port):
            reused, session = [], None
            for _ in range(2):
                s = connect(port)
                t = ctx.wrap_socket(s, server_hostname="edge.enterprise.test",
                                    session=session)
                banner(t)       # the ticket has come by now
                reused.append(t.session_reused)
                session = t.session
                t.close()
            return reused
        with node, Fedrouted(conf):
            self.assertEqual(twice(p_yes), [False, True])
            self.assertEqual(twice(p_no), [False, False])

    def test_clients_resume_on_any_worker(self):
        """Issue 8: workers seal session tickets with one key, so a client
        resumes whichever worker it lands on; after a reload (a new key)
        the tickets sealed before it still open."""
        node = TcpNode("imp-a", "127.0.0.2")
        port = free_port()
        conf = (SERVER + "\tworkers: 2\n" + tcp_node("imp-a", node.addr) +
                self.tls_listener(port, "node imp-a"))
        ctx = ssl.create_default_context(cafile=self.ca.cert)

        def attempt(session):
            s = connect(port)
            t = ctx.wrap_socket(s, server_hostname="edge.enterprise.test",
                                session=session)
            try:
                banner(t)       # the ticket has come by now
                return t.session_reused, t.session
            finally:
                t.close()
        with node, Fedrouted(conf) as d:
            d.wait_log(" started with ", count=2)
            reused, session = attempt(None)
            self.assertFalse(reused)
            results = []
            for _ in range(60):
                reused, session = attempt(session)
                results.append(reused)
            recs = d.wait_conns(61)
            served = set(re.findall(r"fedrouted\[(\d+)\]: info: conn ",
                                    d.log()))
            # Both workers took connections, and every one resumed.
            self.assertEqual(len(served), 2, d.log())
            self.assertEqual(results.count(True), 60, results)
            self.assertEqual(len(recs), 61)
            d.proc.send_signal(signal.SIGHUP)
            d.wait_log("reloaded ", count=2)
            after = [attempt(session)[0] for _ in range(10)]
            self.assertEqual(after, [True] * 10)

    def test_bytes_intact_through_tls_both_sides(self):
        node = TlsNode("imp-a", "127.0.0.2", *self.node2)
        port = free_port()
        size = 4 * 1024 * 1024
        data = os.urandom(size)
        conf = (SERVER + tls_node("imp-a", node.addr, self.ca.cert) +
                self.tls_listener(port, "node imp-a"))
        with node, Fedrouted(conf) as d:
            s = tls_client(port, self.ca.cert)
            greeting = len(banner(s).line) + 1
            got = [echo_through(s, data)]
            s.close()
            rec = d.wait_conns(1)[0]
        self.assertEqual(len(got[0]), size)
        self.assertEqual(hashlib.sha256(got[0]).digest(),
                         hashlib.sha256(data).digest())
        self.assertEqual(rec["from_client"], size, rec)
        self.assertEqual(rec["to_client"], size + greeting, rec)

    def test_client_handshake_times_out(self):
        node = TcpNode("imp-a", "127.0.0.2")
        port = free_port()
        conf = SERVER + tcp_node("imp-a", node.addr) + \
            self.tls_listener(port, "node imp-a")
        with node, Fedrouted(conf) as d:
            s = connect(port)           # and never says hello
            self.assertTrue(closed_by_peer(s, timeout=5))
            s.close()
            rec = d.wait_conns(1)[0]
        self.assertEqual(rec["reason"], "client TLS handshake timed out "
                         "after 500ms", rec)
        self.assertGreaterEqual(float(rec["duration_s"]), 0.45, rec)


if __name__ == "__main__":
    unittest.main(verbosity=2)
