#!/usr/bin/env python3
"""Integration tests: fedrouted routes the nodes' XMPP server-to-server
streams to their foreign domains (RFC 6120, XEP-0368).

Real processes on loopback, started here:
* NSD serves xmppr.test, written at run time with the ports Prosody
  got: chat.xmppr.test has a dead _xmpp-server target first (priority
  10: nothing listens), Prosody's STARTTLS port second, and Prosody's
  direct TLS port under _xmpps-server.
* Prosody plays chat.xmppr.test with a certificate of a test CA.
* The node is an s2s initiator on 127.0.0.2 (a configured node's
  address) on the edge's XMPP federation listener.

Checked: a stream header to chat.xmppr.test reaches Prosody (its own
header and features come back), the dead target is marked down and the
next used; STARTTLS goes through end to end (the node sees Prosody's
certificate, not the edge's); direct TLS is routed by its SNI to the
_xmpps-server target; a domain not allowed gets <policy-violation/>, an
allowed one without servers <remote-server-not-found/>, each with a
<text> that says why; garbage, an oversize header, a header that never
ends, and a ClientHello without SNI each end cleanly while another
stream goes on; a stranger is refused; a bulk stream (to an echo
server under bulk.xmppr.test) comes back whole, its bulk moved by
splice(2) like a PAT session's, and the relay starts with no read that
can only say EAGAIN (strace, when installed).

Run: FEDROUTED=src/fedrouted ZONES_DIR=$PWD/zones python3 tests/integration/test_xmpp_route.py
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
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
from edgeharness import Fedrouted, TcpNode, free_port  # noqa: E402

NODE_IP = "127.0.0.2"
PROSODY_IP = "127.0.9.11"
ECHO_IP = "127.0.9.12"

ZONE = """$ORIGIN xmppr.test.
$TTL 300
@ 3600 IN SOA ns1.xmppr.test. hostmaster.xmppr.test. 2026120701 7200 1800 1209600 60
@ IN NS ns1.xmppr.test.
ns1 IN A 127.0.9.53
_xmpp-server._tcp.chat IN SRV 10 0 {dead} dead.chat.xmppr.test.
_xmpp-server._tcp.chat IN SRV 20 0 {s2s} xmpp.chat.xmppr.test.
_xmpps-server._tcp.chat IN SRV 0 0 {tls} xmpp.chat.xmppr.test.
dead.chat IN A 127.0.9.10
xmpp.chat IN A 127.0.9.11
_xmpp-server._tcp.bulk IN SRV 0 0 {echo} echo.bulk.xmppr.test.
echo.bulk IN A 127.0.9.12
"""

CONFIG = """\
server:
	user: nobody
	log-level: debug
	public-address: 198.51.100.10
	connect-timeout: 1s
	handshake-timeout: 1s
	drain-timeout: 1s
resolver:
	forwarder: {resolver}
	timeout: 2s
node:
	name: xmpp-pub
	address: 127.0.0.2:{node_s2s}
	check: xmpp
	check-domain: enterprise.test
	check-interval: 200ms
	check-timeout: 150ms
	check-rise: 1
# The same server, checked for a domain it does not serve.
node:
	name: xmpp-wrong
	address: 127.0.0.2:{node_s2s}
	check: xmpp
	check-domain: wrong.test
	check-interval: 200ms
	check-timeout: 150ms
	check-fall: 1
# The second node, behind a public port of its own (static PAT).
node:
	name: xmpp-sub
	address: 127.0.0.3:{sub}
	check: none
listener:
	name: xmpp-public
	address: 127.0.0.1:{public}
	protocol: xmpp
	target: node xmpp-pub
listener:
	name: xmpp-public-sub
	address: 127.0.0.1:{public_sub}
	protocol: xmpp
	target: node xmpp-sub
listener:
	name: nodes-xmpp
	address: 127.0.0.1:{fed}
	protocol: xmpp
	target: federation
domain:
	name: chat.xmppr.test
	profile: xmpp-s2s
domain:
	name: gone.xmppr.test
	profile: xmpp-s2s
domain:
	name: sip-only.xmppr.test
	profile: sip
"""

TMP = NSD = PROSODY = NODE = EDGE = FED_PORT = PUBLIC_PORT = CA = None
ECHO = SUB = SUB_PORT = None


def setUpModule():
    global TMP, NSD, PROSODY, NODE, EDGE, FED_PORT, PUBLIC_PORT, CA, ECHO
    global SUB, SUB_PORT
    try:
        TMP = tempfile.mkdtemp(prefix="fedroute-xmppr-")
        os.chmod(TMP, 0o755)
        certs = peers.CertFactory(TMP)
        ca = certs.ca("xmpp-ca")
        CA = ca[0]
        chat = certs.leaf("chat", ca, "chat.xmppr.test",
                          ["DNS:chat.xmppr.test"])
        PROSODY = peers.Prosody(PROSODY_IP, free_port(PROSODY_IP),
                                free_port(PROSODY_IP),
                                {"chat.xmppr.test": chat})
        PROSODY.start()
        # The enterprise's node, behind the public XMPP port.
        ent = certs.leaf("ent", ca, "enterprise.test",
                         ["DNS:enterprise.test"])
        NODE = peers.Prosody(NODE_IP, free_port(NODE_IP),
                             free_port(NODE_IP), {"enterprise.test": ent})
        NODE.start()
        ECHO = TcpNode("echo", ECHO_IP, mode="echo").start()
        # The second node: it greets with its name and echoes what it
        # gets, so a test sees which node a port reached and what the
        # edge replayed to it.
        SUB = TcpNode("sub", "127.0.0.3", mode="echo").start()
        zone = os.path.join(TMP, "xmppr.test.zone")
        with open(zone, "w") as fh:
            fh.write(ZONE.format(dead=free_port("127.0.9.10"),
                                 s2s=PROSODY.port, tls=PROSODY.tls_port,
                                 echo=ECHO.port))
        NSD = nsdharness.NsdServer([zone])
        NSD.start()
        FED_PORT = free_port("127.0.0.1")
        PUBLIC_PORT = free_port("127.0.0.1")
        SUB_PORT = free_port("127.0.0.1")
        EDGE = Fedrouted(CONFIG.format(resolver=NSD.resolver, fed=FED_PORT,
                                       public=PUBLIC_PORT,
                                       node_s2s=NODE.port,
                                       public_sub=SUB_PORT, sub=SUB.port))
        EDGE.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    try:
        if EDGE is not None and EDGE.proc is not None:
            rc = EDGE.stop()
            sys.stderr.write("fedrouted log:\n%s\n" % EDGE.log()[-20000:])
            EDGE.check_clean_exit(rc)
    finally:
        try:
            if EDGE is not None:
                EDGE.cleanup()
        finally:
            try:
                for p in (PROSODY, NODE, ECHO, SUB):
                    if p is not None:
                        p.stop()
            finally:
                if NSD is not None:
                    NSD.stop()
                shutil.rmtree(TMP, ignore_errors=True)


def node_socket(ip=NODE_IP):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((ip, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", FED_PORT))
    return s


def header(to, frm="enterprise.test"):
    return ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
            "xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns:db='jabber:server:dialback' to='%s' from='%s' "
            "version='1.0'>" % (to, frm)).encode()


def read_until(s, pattern, limit=65536):
    """Bytes read until the regex pattern matches them, or EOF."""
    buf = b""
    while not re.search(pattern, buf) and len(buf) < limit:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    return buf


class Outbound(unittest.TestCase):
    def test_stream_reaches_the_foreign_server(self):
        s = node_socket()
        try:
            s.sendall(header("chat.xmppr.test"))
            got = read_until(s, rb"</stream:features>")
        finally:
            s.close()
        # Prosody's own header and features, through the edge.
        self.assertIn(b"from='chat.xmppr.test'", got.replace(b'"', b"'"))
        self.assertIn(b"<starttls", got)
        EDGE.wait_log("to=chat.xmppr.test target=xmpp.chat.xmppr.test:%d"
                      % PROSODY.port)
        log = EDGE.log()
        self.assertRegex(log, r"chat\.xmppr\.test: dead\.chat\.xmppr\.test:"
                         r"\d+/tcp at 127\.0\.9\.10 failed, marked down")
        self.assertRegex(log, r"xmpp client=127\.0\.0\.2:\d+ listener="
                         r"nodes-xmpp node=xmpp-pub to=chat\.xmppr\.test ")

    def test_starttls_end_to_end(self):
        s = node_socket()
        try:
            s.sendall(header("chat.xmppr.test"))
            read_until(s, rb"</stream:features>")
            s.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            self.assertIn(b"<proceed", read_until(s, rb"<proceed[^>]*>"))
            ctx = ssl.create_default_context(cafile=CA)
            t = ctx.wrap_socket(s, server_hostname="chat.xmppr.test")
            # The certificate is Prosody's: TLS is the servers' own.
            cn = dict(x[0] for x in t.getpeercert()["subject"])
            self.assertEqual(cn["commonName"], "chat.xmppr.test")
            t.sendall(header("chat.xmppr.test"))
            self.assertIn(b"stream:features",
                          read_until(t, rb"</stream:features>"))
            t.close()
        finally:
            s.close()

    def test_direct_tls_by_sni(self):
        s = node_socket()
        try:
            ctx = ssl.create_default_context(cafile=CA)
            t = ctx.wrap_socket(s, server_hostname="chat.xmppr.test")
            cn = dict(x[0] for x in t.getpeercert()["subject"])
            self.assertEqual(cn["commonName"], "chat.xmppr.test")
            t.sendall(header("chat.xmppr.test"))
            got = read_until(t, rb"</stream:features>")
            self.assertIn(b"stream:features", got)
            t.close()
        finally:
            s.close()
        EDGE.wait_log("to=chat.xmppr.test (tls) target=xmpp.chat.xmppr.test:"
                      "%d" % PROSODY.tls_port)

    def stream_error(self, to):
        s = node_socket()
        try:
            s.sendall(header(to))
            got = read_until(s, rb"</stream:stream>")
            self.assertEqual(s.recv(100), b"")
        finally:
            s.close()
        return got.decode()

    def test_not_allowed_policy_violation(self):
        got = self.stream_error("evil.test")
        self.assertIn("<policy-violation xmlns='urn:ietf:params:xml:ns:"
                      "xmpp-streams'/>", got)
        self.assertIn("evil.test is not in the allow list", got)
        got = self.stream_error("sip-only.xmppr.test")
        self.assertIn("<policy-violation", got)
        self.assertIn("does not federate by xmpp-s2s", got)

    def test_unknown_domain_remote_server_not_found(self):
        got = self.stream_error("gone.xmppr.test")
        self.assertIn("<remote-server-not-found xmlns='urn:ietf:params:xml:"
                      "ns:xmpp-streams'/>", got)
        self.assertIn("no route to gone.xmppr.test: nxdomain", got)

    def test_stranger_refused(self):
        s = node_socket(ip="127.0.0.9")
        try:
            s.sendall(header("chat.xmppr.test"))
            got = s.recv(100)
        except ConnectionResetError:
            got = b""
        finally:
            s.close()
        self.assertEqual(got, b"")
        EDGE.wait_log("xmpp: 127.0.0.9:")
        self.assertIn("not a node's address, nor in allow-from", EDGE.log())


BULK_CONFIG = """\
server:
	user: nobody
	log-level: info
	splice: yes
resolver:
	forwarder: {resolver}
	timeout: 2s
listener:
	name: nodes-xmpp
	address: 127.0.0.1:{fed}
	protocol: xmpp
	target: federation
	allow-from: 127.0.0.0/8
domain:
	name: bulk.xmppr.test
	profile: xmpp-s2s
"""


def pipes(pid):
    """Pipes open in process pid (the relay's splice pipes, kept in its
    pool once used)."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("pipe:"):
                n += 1
        except OSError:
            pass
    return n


def bulk_socket(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((NODE_IP, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


class Bulk(unittest.TestCase):
    """Megabytes on an s2s stream (as after STARTTLS or in direct
    TLS: bytes the edge does not read) come back whole, and go by
    splice(2), without a copy through the edge, as a PAT session's do.
    An edge of its own, so that no other test's pipes are counted."""

    def test_bulk_stream_whole_and_spliced(self):
        size = 8 * 1024 * 1024
        data = os.urandom(size)
        port = free_port("127.0.0.1")
        with Fedrouted(BULK_CONFIG.format(resolver=NSD.resolver,
                                          fed=port)) as edge:
            self.assertEqual(pipes(edge.pid), 0)
            s = bulk_socket(port)
            s.settimeout(30)
            got = []

            def reader():
                buf = []
                try:
                    while True:
                        d = s.recv(1 << 16)
                        if not d:
                            break
                        buf.append(d)
                finally:
                    got.append(b"".join(buf))
            t = threading.Thread(target=reader)
            t.start()
            head = header("bulk.xmppr.test")
            s.sendall(head + data)
            s.shutdown(socket.SHUT_WR)
            t.join(timeout=60)
            s.close()
            edge.wait_log("to=bulk.xmppr.test target=echo.bulk.xmppr.test")
            spliced = pipes(edge.pid)
        # The echo server's greeting line, then all we sent, in order.
        line, _, rest = got[0].partition(b"\n")
        self.assertTrue(line.startswith(b"NODE echo "), line)
        self.assertEqual(len(rest), len(head) + size)
        self.assertEqual(hashlib.sha256(rest).hexdigest(),
                         hashlib.sha256(head + data).hexdigest())
        self.assertGreater(spliced, 0, "no splice pipe was ever used")


@unittest.skipUnless(shutil.which("strace"), "strace not installed")
class NoVainReads(unittest.TestCase):
    """When the relay starts, the foreign server has not had the header
    yet and the node waits for its answer: a read tried on either end
    then can only say EAGAIN, two syscalls lost per stream (at
    thousands of streams/s, a part of the edge's CPU).  The edge waits
    for the read events instead."""

    def test_no_eagain_read_on_a_stream(self):
        port = free_port("127.0.0.1")
        with Fedrouted(BULK_CONFIG.format(resolver=NSD.resolver,
                                          fed=port)) as edge:
            # Routed once first, so that DNS is not in the trace.
            s = bulk_socket(port)
            s.sendall(header("bulk.xmppr.test"))
            read_until(s, rb"version='1.0'>")
            s.close()
            edge.wait_log("to=bulk.xmppr.test target=echo.bulk.xmppr.test")
            trace = os.path.join(edge.dir, "strace.out")
            st = subprocess.Popen(
                [shutil.which("strace"), "-f", "-e",
                 "trace=read,recvfrom,recvmsg", "-o", trace, "-p",
                 str(edge.pid)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                # strace says "Process N attached" once it traces.
                line = st.stderr.readline()
                if b"attached" not in line:
                    # A container without CAP_SYS_PTRACE, say: the
                    # machine cannot watch, which says nothing of the
                    # edge.
                    self.skipTest("strace cannot attach here: %s"
                                  % line.decode(errors="replace").strip())
                s = bulk_socket(port)
                s.sendall(header("bulk.xmppr.test"))
                # The echo server's greeting, then our header back.
                got = read_until(s, rb"version='1.0'>")
                self.assertIn(b"NODE echo ", got)
                s.close()
                edge.wait_log("to=bulk.xmppr.test target=echo.bulk.xmppr."
                              "test", count=2)
            finally:
                st.send_signal(signal.SIGINT)
                try:
                    st.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    st.kill()
                    st.wait()
                st.stderr.close()
            with open(trace) as fh:
                text = fh.read()
        self.assertIn("recvfrom(", text)
        self.assertNotIn("EAGAIN", text, text)


class Inbound(unittest.TestCase):
    """The public XMPP port: a foreign server's stream header is read
    and its from checked against the allow list before the node sees
    any of it; then it is replayed to the node."""

    def foreign(self, frm, port=None):
        s = socket.create_connection(("127.0.0.1", port or PUBLIC_PORT),
                                     timeout=10)
        try:
            s.sendall(header("enterprise.test", frm) if frm else
                      header("enterprise.test").replace(
                          b" from='enterprise.test'", b""))
            return read_until(s, rb"</stream:(features|stream)>").decode()
        finally:
            s.close()

    def test_allowed_foreign_server_reaches_the_node(self):
        got = self.foreign("chat.xmppr.test").replace('"', "'")
        # The node's (Prosody's) own header and features.
        self.assertIn("from='enterprise.test'", got)
        self.assertIn("stream:features", got)

    def test_each_public_port_reaches_its_node(self):
        # Static PAT: the second public port leads to the second node,
        # which sees the foreign header replayed whole, after the same
        # allow-list check.
        s = socket.create_connection(("127.0.0.1", SUB_PORT), timeout=10)
        try:
            s.sendall(header("enterprise.test", "chat.xmppr.test"))
            got = read_until(s, rb"version='1.0'>").decode()
        finally:
            s.close()
        self.assertTrue(got.startswith("NODE sub "), got)
        self.assertIn(header("enterprise.test", "chat.xmppr.test").decode(),
                      got)
        # And the first port still reaches the first node (Prosody).
        self.assertIn("from='enterprise.test'",
                      self.foreign("chat.xmppr.test").replace('"', "'"))
        # Refused on the second port too, before the node sees a byte.
        got = self.foreign("evil.test", port=SUB_PORT)
        self.assertIn("<policy-violation", got)
        self.assertNotIn("NODE sub", got)

    def test_no_from_is_let_through(self):
        # RFC 6120 4.7.1: from is optional on the initiating stream.
        got = self.foreign(None).replace('"', "'")
        self.assertIn("from='enterprise.test'", got)

    def test_foreign_domain_not_allowed(self):
        got = self.foreign("evil.test")
        self.assertIn("<policy-violation xmlns='urn:ietf:params:xml:ns:"
                      "xmpp-streams'/>", got)
        self.assertIn("evil.test is not in the allow list", got)
        self.assertNotIn("enterprise.test", got)
        EDGE.wait_log("refused: evil.test is not in the allow list")


class HealthCheck(unittest.TestCase):
    def test_xmpp_check_sees_features(self):
        # check: xmpp opens a stream to the node's domain: Prosody's
        # header and features mean up; a stream error (host-unknown for
        # a domain it does not serve) means down.
        EDGE.wait_log("node xmpp-pub")
        EDGE.wait_log("node xmpp-wrong")
        log = EDGE.log()
        self.assertRegex(log, r"node xmpp-pub \([\d.:]+\) is up")
        self.assertRegex(log, r"node xmpp-wrong \([\d.:]+\) is down: stream "
                         r"error host-unknown")


class Hostile(unittest.TestCase):
    def test_bad_input_alone_is_hurt(self):
        # A stream that works, kept open while the others fail.
        good = node_socket()
        good.sendall(header("chat.xmppr.test"))
        self.assertIn(b"stream:features",
                      read_until(good, rb"</stream:features>"))
        cases = [
            ("garbage", b"<stream:stream xmlns:stream='x' <<>>\x00\r\n",
             b"not-well-formed"),
            ("no to", b"<?xml version='1.0'?><stream:stream xmlns='jabber:"
             b"server' xmlns:stream='http://etherx.jabber.org/streams' "
             b"version='1.0'>", b"improper-addressing"),
            ("oversize", b"<stream:stream xmlns='jabber:server' "
             b"xmlns:stream='http://etherx.jabber.org/streams' " +
             b" ".join(b"a%d='x'" % i for i in range(4000)), None),
        ]
        for what, data, condition in cases:
            with self.subTest(what):
                s = node_socket()
                try:
                    try:
                        s.sendall(data)
                    except OSError:
                        pass
                    got = b""
                    try:
                        while True:
                            d = s.recv(4096)
                            if not d:
                                break
                            got += d
                    except ConnectionResetError:
                        pass
                finally:
                    s.close()
                if condition is not None:
                    self.assertIn(condition, got)
                self.assertIn(b"</stream:stream>", got)
        # A header that never ends: cut at handshake-timeout (1 s).
        s = node_socket()
        try:
            s.sendall(b"<stream:stream xmlns='jabber:server' to='chat.")
            t0 = time.monotonic()
            got = read_until(s, rb"</stream:stream>")
            self.assertLess(time.monotonic() - t0, 5)
            self.assertIn(b"connection-timeout", got)
        finally:
            s.close()
        # A ClientHello without SNI: closed, nothing said in clear.
        s = node_socket()
        try:
            ctx = ssl.create_default_context(cafile=CA)
            ctx.check_hostname = False
            with self.assertRaises((ssl.SSLError, OSError)):
                ctx.wrap_socket(s, server_hostname=None)
        finally:
            s.close()
        EDGE.wait_log("a TLS ClientHello without a server name (SNI)")
        # The first stream is unharmed: STARTTLS still goes through.
        good.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.assertIn(b"<proceed", read_until(good, rb"<proceed[^>]*>"))
        good.close()
        self.assertIsNone(EDGE.proc.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
