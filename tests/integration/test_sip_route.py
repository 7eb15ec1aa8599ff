#!/usr/bin/env python3
"""Integration tests: fedrouted routes the nodes' SIP requests to their
foreign domains.

Real processes on loopback, started here:
* NSD serves sipr.test, a zone written at run time with the ports the
  foreign servers got: partner (two SRV targets by priority), wrong (a
  server whose certificate names another domain, then a good one), subj
  (a server whose certificate names only a peer-subject), nodns (no
  records: a fallback route), over (an override route beats its DNS),
  loop (DNS that leads back to the edge itself).
* Kamailio instances play the foreign domains' edges over TLS with
  certificates of a test CA: each answers every request 200 and echoes
  what it saw (Via, Contact, Record-Route, Route) in X-Seen-* headers,
  so the test sees the request as the foreign side got it.
* The node is a SIP client on 127.0.0.2 (a configured node's address)
  on the edge's federation listener over TCP.

Checked: a MESSAGE goes out and its 200 comes back with the node's own
Via restored; the foreign side sees only the public entry (Via,
Record-Route, Contact with alias=), never the node's address; the
Record-Route that comes back names the edge's internal listener; the
first SRV target down: the second is used and the first marked down;
a certificate for another name: refused, logged, next target; a
peer-subject accepted; fallback and override routes; 403 outside the
allow list, 404 for a domain that does not exist, with Warning: 399;
Max-Forwards 0: 483; a loop: 482; an address that is not a node:
refused; malformed input: 400 or closed, another connection unharmed.

Run: FEDROUTED=src/fedrouted ZONES_DIR=$PWD/zones python3 tests/integration/test_sip_route.py
"""

import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import peers  # noqa: E402
from edgeharness import Fedrouted, free_port, wait_for  # noqa: E402

NODE_IP = "127.0.0.2"
NODE2_IP = "127.0.0.3"
STRANGER_IP = "127.0.0.9"

FOREIGN_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
children=1
tcp_children=1
disable_sctp=yes
auto_aliases=no
dns=no
rev_dns=no
enable_tls={tls}
listen={proto}:{ip}:{port}
mpath="{mpath}"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
{tls_modules}
request_route {{
	if (is_method("ACK")) {{
		exit;
	}}
	append_to_reply("X-Server: {name}\\r\\nX-Seen-Via: $hdr(Via)\\r\\nX-Seen-Contact: $hdr(Contact)\\r\\nX-Seen-RR: $hdr(Record-Route)\\r\\nX-Seen-Route: $hdr(Route)\\r\\nX-Seen-MF: $hdr(Max-Forwards)\\r\\nX-Seen-Proto: $proto\\r\\nX-Seen-RURI: $ru\\r\\nX-Seen-From: $fu\\r\\nX-Seen-CallID: $ci\\r\\n{contact}");
	sl_send_reply("200", "OK");
	exit;
}}
"""


class Foreign(peers.Peer):
    """A foreign domain's SIP edge: Kamailio over TLS with cert."""

    what = "kamailio-foreign"

    def __init__(self, name, ip, cert, contact=None):
        super().__init__()
        self.name = name
        self.ip = ip
        self.port = free_port(ip)
        self.cert = cert
        self.contact = contact

    def start(self):
        mpath = next((d for d in peers.Kamailio.MODULES
                      if os.path.exists(os.path.join(d, "sl.so"))), None)
        tls_modules = ""
        if self.cert is not None:
            tls_cfg = os.path.join(self.rundir, "tls.cfg")
            with open(tls_cfg, "w") as fh:
                fh.write("[server:default]\nmethod = TLSv1.2+\n"
                         "certificate = %s\nprivate_key = %s\n"
                         "verify_certificate = no\n"
                         "require_certificate = no\n" % self.cert)
            tls_modules = ('loadmodule "tls.so"\nmodparam("tls", "config", '
                           '"%s")' % tls_cfg)
        contact = ""
        if self.contact:
            contact = "Contact: <%s>\\r\\n" % self.contact
        cfg = os.path.join(self.rundir, "kamailio.cfg")
        with open(cfg, "w") as fh:
            fh.write(FOREIGN_CFG.format(
                ip=self.ip, port=self.port, mpath=mpath, name=self.name,
                tls="yes" if self.cert else "no",
                proto="tls" if self.cert else "tcp",
                tls_modules=tls_modules, contact=contact))
        try:
            self.spawn([peers.KAMAILIO, "-f", cfg, "-DD", "-E", "-Y",
                        self.rundir, "-P",
                        os.path.join(self.rundir, "kamailio.pid"),
                        "-m", "32", "-M", "8"])
            peers.wait_tcp(self.ip, self.port, self.proc, "kamailio")
        except BaseException:
            nsdharness._say("foreign kamailio failed:\n%s\n" % self.log())
            self.stop()
            raise
        return self


class ReusingServer:
    """A foreign SIP server (TLS) that, like Lync and OCS, answers the
    edge's request and then sends its own request back over the same
    connection (RFC 5923), to the Contact it was given."""

    def __init__(self, cert):
        import ssl
        import threading
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(*cert)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.7.61", 0))
        self.lsock.listen(4)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.answers = []
        self.done = threading.Event()
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def read_msg(t):
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = t.recv(65536)
            if not d:
                raise EOFError(buf)
            buf += d
        head, _, rest = buf.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^(?:content-length|l):\s*(\d+)", head)
        n = int(m.group(1)) if m else 0
        while len(rest) < n:
            rest += t.recv(65536)
        return head.decode(errors="replace")

    def serve(self):
        while not self.stopping:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                continue
            try:
                c.settimeout(10)
                t = self.ctx.wrap_socket(c, server_side=True)
                req = self.read_msg(t)
                hdr = {}
                for line in req.split("\r\n")[1:]:
                    k, _, v = line.partition(":")
                    hdr.setdefault(k.strip().lower(), []).append(v.strip())
                copy = "".join("Via: %s\r\n" % v for v in hdr["via"])
                for k in ("from", "to", "call-id", "cseq"):
                    copy += "%s: %s\r\n" % (k, hdr[k][0])
                t.sendall(("SIP/2.0 200 OK\r\n%sContent-Length: 0\r\n"
                           "\r\n" % copy).encode())
                contact = hdr["contact"][0].strip("<>")
                t.sendall(("NOTIFY %s SIP/2.0\r\n"
                           "Via: SIP/2.0/TLS 127.0.7.61:%d;branch=z9hG4bKre1"
                           "\r\nMax-Forwards: 70\r\n"
                           "From: <sip:x@reuse.sipr.test>;tag=r9\r\n"
                           "To: <sip:alice@enterprise.test>;tag=a1\r\n"
                           "Call-ID: reuse-1\r\nCSeq: 1 NOTIFY\r\n"
                           "Event: presence\r\nContent-Length: 0\r\n\r\n"
                           % (contact, self.port)).encode())
                self.answers.append(self.read_msg(t))
                self.done.set()
                t.close()
            except (OSError, EOFError, KeyError):
                c.close()

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.lsock.close()


ZONE = """$ORIGIN sipr.test.
$TTL 300
@ 3600 IN SOA ns1.sipr.test. hostmaster.sipr.test. 2026120701 7200 1800 1209600 60
@ IN NS ns1.sipr.test.
ns1 IN A 127.0.7.53
; partner: priority 10 has nothing listening; priority 20 answers
_sips._tcp.partner IN SRV 10 0 {dead_port} dead.partner.sipr.test.
_sips._tcp.partner IN SRV 20 0 {p_port} edge.partner.sipr.test.
dead.partner IN A 127.0.7.10
edge.partner IN A 127.0.7.11
; down1, down2: a dead first target of their own, then partner's edge
_sips._tcp.down1 IN SRV 10 0 {dead2_port} dead2.partner.sipr.test.
_sips._tcp.down1 IN SRV 20 0 {p_port} edge.partner.sipr.test.
_sips._tcp.down2 IN SRV 10 0 {dead2_port} dead2.partner.sipr.test.
_sips._tcp.down2 IN SRV 20 0 {p_port} edge.partner.sipr.test.
dead2.partner IN A 127.0.7.12
; wrong: the first server's certificate names another domain
_sips._tcp.wrong IN SRV 10 0 {w_port} bad.wrong.sipr.test.
_sips._tcp.wrong IN SRV 20 0 {wg_port} good.wrong.sipr.test.
bad.wrong IN A 127.0.7.21
good.wrong IN A 127.0.7.22
; subj: a server whose certificate names only a peer-subject
_sips._tcp.subj IN SRV 0 0 {s_port} pool.subj.sipr.test.
pool.subj IN A 127.0.7.31
; over: DNS says the dead server; the override route says otherwise
_sips._tcp.over IN SRV 0 0 {dead_port} dead.partner.sipr.test.
; loop: back at the edge's own federation listener
_sip._tcp.loop IN SRV 0 0 {fed_port} edge.loop.sipr.test.
edge.loop IN A 127.0.0.1
"""


def start_module():
    global TMP, PKI, NSD, FOREIGN, EDGE, FED_PORT, PAT_PORT, PAT2_PORT
    global REUSE, CTL
    TMP = tempfile.mkdtemp(prefix="fedroute-siproute-")
    os.chmod(TMP, 0o755)
    certs = peers.CertFactory(TMP)
    ca = certs.ca("foreign-ca")
    edge_cert = certs.leaf("edge", ca, "edge.enterprise.test",
                           ["DNS:edge.enterprise.test"])
    PKI = {"ca": ca[0], "edge": edge_cert}
    FOREIGN = {
        "partner": Foreign("partner", "127.0.7.11", certs.leaf(
            "partner", ca, "partner.sipr.test",
            ["DNS:partner.sipr.test"])),
        "bad": Foreign("bad", "127.0.7.21", certs.leaf(
            "bad", ca, "somewhere.else.test", ["DNS:somewhere.else.test"])),
        "good": Foreign("good", "127.0.7.22", certs.leaf(
            "good", ca, "wrong.sipr.test", ["URI:sip:wrong.sipr.test"])),
        "subj": Foreign("subj", "127.0.7.31", certs.leaf(
            "subj", ca, "pool.subj.sipr.test",
            ["DNS:pool.subj.sipr.test"])),
        "static": Foreign("static", "127.0.7.41", certs.leaf(
            "static", ca, "nodns.sipr.test", ["DNS:nodns.sipr.test"])),
        "over": Foreign("over", "127.0.7.51", certs.leaf(
            "over", ca, "over.sipr.test", ["DNS:over.sipr.test"])),
    }
    FOREIGN["node"] = Foreign("publisher", NODE_IP, None,
                              contact="sip:pub@%s:5062;transport=tcp"
                              % NODE_IP)
    FOREIGN["node2"] = Foreign("subscriber", NODE2_IP, None,
                               contact="sip:sub@%s:5062;transport=tcp"
                               % NODE2_IP)
    PKI["partner-client"] = certs.leaf("partner-client", ca,
                                       "partner.sipr.test",
                                       ["DNS:partner.sipr.test"])
    for f in FOREIGN.values():
        f.start()
    FED_PORT = free_port("127.0.0.1")
    REUSE = ReusingServer(certs.leaf("reuse", ca, "reuse.sipr.test",
                                     ["DNS:reuse.sipr.test"]))
    zone = os.path.join(TMP, "sipr.test.zone")
    with open(zone, "w") as fh:
        fh.write(ZONE.format(dead_port=free_port("127.0.7.10"),
                             dead2_port=free_port("127.0.7.12"),
                             p_port=FOREIGN["partner"].port,
                             w_port=FOREIGN["bad"].port,
                             wg_port=FOREIGN["good"].port,
                             s_port=FOREIGN["subj"].port,
                             fed_port=FED_PORT))
    NSD = nsdharness.NsdServer([zone])
    NSD.start()
    PAT_PORT = free_port("127.0.0.1")
    PAT2_PORT = free_port("127.0.0.1")
    # The control socket, in a directory of the daemon's user.
    run = os.path.join(TMP, "run")
    os.mkdir(run, 0o750)
    nobody = pwd.getpwnam("nobody")
    os.chown(run, nobody.pw_uid, nobody.pw_gid)
    CTL = os.path.join(run, "control.sock")
    EDGE = Fedrouted(CONFIG.format(
        ctl=CTL,
        resolver=NSD.resolver, fed=FED_PORT, pat=PAT_PORT,
        ca=PKI["ca"], cert=PKI["edge"][0], key=PKI["edge"][1],
        static=FOREIGN["static"].port, over=FOREIGN["over"].port,
        node_port=FOREIGN["node"].port, pat2=PAT2_PORT,
        reuse=REUSE.port,
        node2_port=FOREIGN["node2"].port))
    EDGE.start()


CONFIG = """\
server:
	user: nobody
	log-level: debug
	control: {ctl}
	public-address: 198.51.100.10
	connect-timeout: 1s
	drain-timeout: 1s
resolver:
	forwarder: {resolver}
	timeout: 2s
node:
	name: publisher
	address: 127.0.0.2:{node_port}
	check: none
listener:
	name: pat-publisher
	address: 127.0.0.1:{pat}
	protocol: sip
	target: node publisher
	tls: yes
	tls-cert: {cert}
	tls-key: {key}
	tls-ca: {ca}
	tls-verify-client: optional
node:
	name: subscriber
	address: 127.0.0.3:{node2_port}
	check: none
listener:
	name: pat-subscriber
	address: 127.0.0.1:{pat2}
	protocol: sip
	target: node subscriber
	tls: yes
	tls-cert: {cert}
	tls-key: {key}
	tls-ca: {ca}
	tls-verify-client: optional
listener:
	name: nodes
	address: 127.0.0.1:{fed}
	protocol: sip
	target: federation
	allow-from: 127.0.0.1
federation:
	tls-cert: {cert}
	tls-key: {key}
	tls-ca: {ca}
domain:
	name: partner.sipr.test
domain:
	name: down1.sipr.test
	peer-subject: partner.sipr.test
domain:
	name: down2.sipr.test
	peer-subject: partner.sipr.test
domain:
	name: wrong.sipr.test
domain:
	name: subj.sipr.test
	peer-subject: pool.subj.sipr.test
domain:
	name: nodns.sipr.test
domain:
	name: over.sipr.test
domain:
	name: gone.sipr.test
domain:
	name: loop.sipr.test
	transport: tcp
domain:
	name: reuse.sipr.test
route:
	domain: reuse.sipr.test
	next-hop: 127.0.7.61:{reuse}
	mode: override
route:
	domain: nodns.sipr.test
	next-hop: 127.0.7.41:{static}
	mode: fallback
route:
	domain: over.sipr.test
	next-hop: 127.0.7.51:{over}
	mode: override
"""


def stop_module():
    try:
        if EDGE is not None and EDGE.proc is not None:
            # A clean exit (no sanitizer report, no leak), and the
            # daemon's side of the story in the test's log.
            rc = EDGE.stop()
            sys.stderr.write("fedrouted log:\n%s\n" % EDGE.log()[-20000:])
            EDGE.check_clean_exit(rc)
    finally:
        try:
            if EDGE is not None:
                EDGE.cleanup()
        finally:
            stop_peers()


def stop_peers():
    if REUSE is not None:
        REUSE.stop()
    try:
        for f in (FOREIGN or {}).values():
            f.stop()
    finally:
        if NSD is not None:
            NSD.stop()
        shutil.rmtree(TMP, ignore_errors=True)


TMP = PKI = NSD = FOREIGN = EDGE = FED_PORT = PAT_PORT = PAT2_PORT = None
REUSE = CTL = None


def setUpModule():
    try:
        start_module()
    except BaseException:
        stop_module()
        raise


def tearDownModule():
    stop_module()


# ------------------------------------------------------------ a SIP node

class Node:
    """The node's side of one TCP connection to the federation listener."""

    n = 0

    def __init__(self, ip=NODE_IP):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", FED_PORT))
        self.local = "%s:%d" % self.sock.getsockname()
        self.buf = b""

    def close(self):
        self.sock.close()

    def request(self, method, uri, to=None, extra="", max_forwards=70,
                contact=True, to_tag=None):
        Node.n += 1
        n = Node.n
        to = to or uri
        lines = ["%s %s SIP/2.0" % (method, uri),
                 "Via: SIP/2.0/TCP %s;branch=z9hG4bKnode%d;rport" %
                 (self.local, n)]
        if max_forwards is not None:
            lines.append("Max-Forwards: %d" % max_forwards)
        lines += ["From: <sip:alice@enterprise.test>;tag=a%d" % n,
                  "To: <%s>%s" % (to, ";tag=%s" % to_tag if to_tag else ""),
                  # A node writes its own address there (RFC 3261
                  # 8.1.1.4), as IM&P does.
                  "Call-ID: call%d-%d@%s" % (n, os.getpid(),
                                             self.local.split(":")[0]),
                  "CSeq: 1 %s" % method]
        if contact:
            lines.append("Contact: <sip:alice@%s;transport=tcp>" % self.local)
        body = "hello" if method == "MESSAGE" else ""
        if body:
            lines.append("Content-Type: text/plain")
        text = "\r\n".join(lines) + "\r\n" + extra + \
            "Content-Length: %d\r\n\r\n%s" % (len(body), body)
        self.sock.sendall(text.encode())
        return "z9hG4bKnode%d" % n

    def response(self):
        """(status, {header: [values]}, raw) of the next response."""
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise AssertionError("closed before a response: %r"
                                     % self.buf)
            self.buf += d
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        text = head.decode(errors="replace")
        lines = text.split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        clen = int(hdrs.get("content-length", ["0"])[0])
        while len(rest) < clen:
            rest += self.sock.recv(65536)
        self.buf = rest[clen:]
        return int(lines[0].split(" ")[1]), hdrs, text


def send(method, uri, ip=NODE_IP, **kw):
    node = Node(ip)
    try:
        branch = node.request(method, uri, **kw)
        status, hdrs, raw = node.response()
        return status, hdrs, raw, branch
    finally:
        node.close()


class Outbound(unittest.TestCase):
    def test_message_out_and_back(self):
        status, hdrs, raw, branch = send("MESSAGE",
                                         "sip:bob@partner.sipr.test")
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["partner"])
        # The node's own Via, restored; nothing of ours left.
        self.assertEqual(len(hdrs["via"]), 1, raw)
        self.assertIn(branch, hdrs["via"][0])
        self.assertIn(NODE_IP, hdrs["via"][0])
        # The foreign side saw the public entry only, over TLS.
        seen = hdrs["x-seen-via"][0]
        self.assertIn("198.51.100.10:", seen)
        self.assertNotIn("127.0.0.2", seen)
        self.assertEqual(hdrs["x-seen-proto"], ["tls"])
        self.assertEqual(hdrs["x-seen-mf"], ["69"])
        # The node's address in its Call-ID is the public one outside,
        # and the node's own again on the way back.
        self.assertRegex(hdrs["x-seen-callid"][0], r"@198\.51\.100\.10$")
        self.assertRegex(hdrs["call-id"][0], r"@127\.0\.0\.2$")
        EDGE.wait_log("sip MESSAGE node publisher from enterprise.test to "
                      "partner.sipr.test route dns target "
                      "edge.partner.sipr.test:%d/tls status 200"
                      % FOREIGN["partner"].port)

    def test_foreign_request_on_our_connection(self):
        # Lync/OCS reuse the connection the edge opened (RFC 5923): the
        # foreign server's NOTIFY comes back over it, reaches the node
        # the Contact's alias= names, and the node's 200 goes back on
        # the same connection.
        status, hdrs, raw, _ = send("SUBSCRIBE", "sip:x@reuse.sipr.test",
                                    extra="Event: presence\r\n")
        self.assertEqual(status, 200, raw)
        self.assertTrue(REUSE.done.wait(10), EDGE.log())
        answer = REUSE.answers[0]
        self.assertTrue(answer.startswith("SIP/2.0 200 "), answer)
        self.assertIn("X-Server: publisher", answer)
        self.assertIn("Via: SIP/2.0/TLS 127.0.7.61:%d;branch=z9hG4bKre1"
                      % REUSE.port, answer)

    def test_first_target_down_second_used(self):
        # Priority 10 refuses; the edge marks it down and goes on.
        status, hdrs, raw, _ = send("MESSAGE", "sip:carol@down1.sipr.test")
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["partner"])
        EDGE.wait_log("down1.sipr.test route dns target edge.partner")
        self.assertRegex(EDGE.log(), r"down1\.sipr\.test: dead2\.partner\."
                         r"sipr\.test:\d+/tls at 127\.0\.7\.12 failed, "
                         r"marked down: connect: Connection refused")
        self.assertRegex(EDGE.log(), r"connected to edge\.partner\.sipr\."
                         r"test:\d+/tls for down1\.sipr\.test in [\d.]+ms "
                         r"after 2 attempt")
        # Marked down (for 2 s first): a new connection for another
        # domain with the same servers tries the live one first.
        status, hdrs, raw, _ = send("MESSAGE", "sip:c@down2.sipr.test")
        self.assertEqual(status, 200, raw)
        self.assertRegex(EDGE.log(), r"connected to edge\.partner\.sipr\."
                         r"test:\d+/tls for down2\.sipr\.test in [\d.]+ms "
                         r"after 1 attempt")

    def test_dialog_rewriting(self):
        status, hdrs, raw, _ = send("SUBSCRIBE", "sip:bob@partner.sipr.test",
                                    extra="Event: presence\r\n")
        self.assertEqual(status, 200, raw)
        seen_rr = hdrs["x-seen-rr"][0]
        seen_contact = hdrs["x-seen-contact"][0]
        # The node's public entry: the port of the sip listener aimed
        # at it alone.
        self.assertEqual(seen_rr, "<sip:198.51.100.10:%d;transport=tls;lr;"
                         "x-fr>" % PAT_PORT)
        self.assertRegex(seen_contact, r"^<sip:alice@198\.51\.100\.10:%d;"
                         r"transport=tls;alias=127\.0\.0\.2~\d+~2>$"
                         % PAT_PORT)
        for h in ("x-seen-via", "x-seen-contact", "x-seen-rr",
                  "x-seen-route", "x-seen-callid"):
            for v in hdrs.get(h, []):
                self.assertNotIn("127.0.0.2", v.split("alias=")[0], h)
        # Kamailio's 200 copies the Record-Route (RFC 3261 12.1.1): the
        # node gets the edge's internal entry instead of the public one.
        self.assertEqual(hdrs["record-route"], [
            "<sip:127.0.0.1:%d;transport=tcp;lr;x-fr>" % FED_PORT])

    def test_certificate_name_mismatch_next_target(self):
        status, hdrs, raw, _ = send("MESSAGE", "sip:dan@wrong.sipr.test")
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["good"])
        EDGE.wait_log("wrong.sipr.test: bad.wrong.sipr.test:%d/tls at "
                      "127.0.7.21 failed, marked down: certificate name "
                      "mismatch: it names somewhere.else.test, not "
                      "wrong.sipr.test" % FOREIGN["bad"].port)

    def test_peer_subject_accepted(self):
        status, hdrs, raw, _ = send("MESSAGE", "sip:erin@subj.sipr.test")
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["subj"])

    def test_fallback_route(self):
        status, hdrs, raw, _ = send("MESSAGE", "sip:fred@nodns.sipr.test")
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["static"])
        EDGE.wait_log("to nodns.sipr.test route fallback")

    def test_override_wins(self):
        status, hdrs, raw, _ = send("MESSAGE", "sip:gina@over.sipr.test")
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["over"])
        EDGE.wait_log("to over.sipr.test route override")

    def test_not_allowed_403(self):
        status, hdrs, raw, _ = send("MESSAGE", "sip:mallory@evil.test")
        self.assertEqual(status, 403, raw)
        self.assertIn("not in the allow list", hdrs["warning"][0])
        self.assertTrue(hdrs["warning"][0].startswith("399 "))

    def test_no_such_domain_404(self):
        status, hdrs, raw, _ = send("MESSAGE", "sip:h@gone.sipr.test")
        self.assertEqual(status, 404, raw)
        self.assertIn("nxdomain", hdrs["warning"][0])

    def test_max_forwards_zero_483(self):
        status, hdrs, raw, _ = send("MESSAGE", "sip:bob@partner.sipr.test",
                                    max_forwards=0)
        self.assertEqual(status, 483, raw)

    def test_loop_482(self):
        # loop.sipr.test leads back to this very listener: the second
        # pass sees our own Via and says 482, which comes back as such.
        status, hdrs, raw, _ = send("MESSAGE", "sip:i@loop.sipr.test")
        self.assertEqual(status, 482, raw)

    def test_stranger_refused(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((STRANGER_IP, 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", FED_PORT))
        try:
            s.sendall(b"OPTIONS sip:partner.sipr.test SIP/2.0\r\n\r\n")
            got = s.recv(100)
        except ConnectionResetError:
            got = b""
        self.assertEqual(got, b"")
        s.close()
        EDGE.wait_log("%s" % STRANGER_IP)
        self.assertIn("not a node's address, nor in allow-from", EDGE.log())


def ctl(*args):
    """(exit status, stdout, stderr) of `fedroute ctl` on the edge."""
    p = subprocess.run([nsdharness.fedroute_path(), "ctl", "-s", CTL] +
                       list(args), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def ctl_json(*args):
    rc, out, err = ctl("--json", *args)
    return rc, json.loads(out)


class RuntimeControl(unittest.TestCase):
    """`fedroute ctl` on the routing daemon: a live lookup through its
    cache, the cached domains with their targets and health, the cache
    counters and flush, destination health and its clearing."""

    def test_lookup_domains_cache_health(self):
        # A dead first target: the edge records it in its health table.
        status, hdrs, raw, _ = send("MESSAGE", "sip:carol@down1.sipr.test")
        self.assertEqual(status, 200, raw)
        rc, doc = ctl_json("health")
        self.assertEqual(rc, 0)
        dead = [h for h in doc["destinations"]
                if h["address"] == "127.0.7.12"]
        self.assertEqual(len(dead), 1, doc)
        self.assertEqual(dead[0]["transport"], "tls")
        self.assertGreaterEqual(dead[0]["failures"], 1)
        self.assertIn("refused", dead[0]["reason"])
        rc, out, err = ctl("health")
        self.assertRegex(out, r"\n127\.0\.7\.12\s+\d+\s+tls\s+")

        # The domain is in the cache, its targets in priority order,
        # with the dead address's health beside it.
        rc, doc = ctl_json("domains")
        self.assertEqual(rc, 0)
        entry = [d for d in doc["domains"]
                 if d["domain"] == "down1.sipr.test"]
        self.assertEqual(len(entry), 1, doc)
        self.assertEqual(entry[0]["profile"], "sip")
        self.assertEqual(entry[0]["result"], "ok")
        self.assertFalse(entry[0]["stale"])
        self.assertGreater(entry[0]["ttl_left_s"], 0)
        hosts = [t["host"] for t in entry[0]["targets"]]
        self.assertEqual(hosts, ["dead2.partner.sipr.test",
                                 "edge.partner.sipr.test"])
        self.assertEqual(entry[0]["targets"][0]["priority"], 10)
        self.assertEqual(entry[0]["targets"][0]["addresses"][0]["address"],
                         "127.0.7.12")
        rc, out, err = ctl("domains")
        self.assertRegex(out, r"\ndown1\.sipr\.test\s+sip\s+ok\s+\d+s\s+")
        self.assertIn("dead2.partner.sipr.test:", out)

        # A live lookup: what `fedroute route` explains, from the
        # daemon's cache.
        before = ctl_json("cache")[1]["cache"]
        rc, doc = ctl_json("lookup", "sip:bob@down1.sipr.test")
        self.assertEqual(rc, 0, doc)
        self.assertEqual(doc["decision"], "dns")
        self.assertEqual(doc["domain"], "down1.sipr.test")
        # The dead target goes last while it is marked down (2 s at
        # first: a slow machine may see it tried again).
        targets = [(t["host"], t["down"]) for t in doc["targets"]]
        self.assertEqual(sorted(h for h, _ in targets),
                         ["dead2.partner.sipr.test", "edge.partner.sipr.test"])
        if dict(targets)["dead2.partner.sipr.test"]:
            self.assertEqual(targets[-1][0], "dead2.partner.sipr.test")
        after = ctl_json("cache")[1]["cache"]
        self.assertGreater(after["hits"], before["hits"])
        rc, out, err = ctl("lookup", "sip:x@elsewhere.example")
        self.assertEqual(rc, 0, err)
        self.assertIn("decision     refused", out)

        # Flush one domain, and clear the dead destination.
        rc, out, err = ctl("cache", "flush", "DOWN1.sipr.test.")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"^flushed [1-9]\d* cache entr(y|ies) of "
                         r"down1\.sipr\.test\n$")
        rc, doc = ctl_json("domains")
        self.assertNotIn("down1.sipr.test",
                         [d["domain"] for d in doc["domains"]])
        rc, out, err = ctl("health", "clear", "127.0.7.12")
        self.assertEqual((rc, out), (0, "cleared 1 destination record\n"))
        rc, doc = ctl_json("health")
        self.assertNotIn("127.0.7.12",
                         [h["address"] for h in doc["destinations"]])
        rc, out, err = ctl("health", "clear", "not-an-address")
        self.assertEqual(rc, 1)
        self.assertIn("is not all, an IP address", err)


class Foreigner:
    """A foreign domain's server on the edge's public port, over TLS with
    a client certificate for partner.sipr.test."""

    n = 0

    def __init__(self, cert=True, port=None):
        import ssl
        ctx = ssl.create_default_context(cafile=PKI["ca"])
        ctx.check_hostname = False
        if cert:
            ctx.load_cert_chain(*PKI["partner-client"])
        raw = socket.create_connection(("127.0.0.1", port or PAT_PORT),
                                       timeout=10)
        self.sock = ctx.wrap_socket(raw)
        self.node = Node.__new__(Node)
        self.node.sock = self.sock
        self.node.buf = b""

    def send(self, method, ruri, frm="sip:bob@partner.sipr.test",
             route=None, to_tag=None):
        Foreigner.n += 1
        n = Foreigner.n
        lines = ["%s %s SIP/2.0" % (method, ruri),
                 "Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bKfor%d" % n,
                 "Max-Forwards: 70",
                 "From: <%s>;tag=f%d" % (frm, n),
                 "To: <sip:alice@enterprise.test>%s"
                 % (";tag=%s" % to_tag if to_tag else ""),
                 "Call-ID: in%d-%d@partner" % (n, os.getpid()),
                 "CSeq: 1 %s" % method,
                 "Contact: <sip:bob@203.0.113.5:5061;transport=tls>"]
        if route:
            lines.append("Route: %s" % route)
        if method in ("SUBSCRIBE", "NOTIFY"):
            lines.append("Event: presence")
        text = "\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n"
        self.sock.sendall(text.encode())
        return self.node.response()

    def close(self):
        self.sock.close()


class Inbound(unittest.TestCase):
    def test_notify_in_dialog_reaches_the_node(self):
        # The node subscribes out; the foreign side's NOTIFY comes back
        # to the node's public port with the route set it was given.
        status, hdrs, raw, _ = send("SUBSCRIBE", "sip:bob@partner.sipr.test",
                                    extra="Event: presence\r\n")
        self.assertEqual(status, 200, raw)
        contact = hdrs["x-seen-contact"][0].strip("<>")
        route = hdrs["x-seen-rr"][0]
        f = Foreigner()
        try:
            status, hdrs, raw = f.send("NOTIFY", contact, route=route,
                                       to_tag="a1")
        finally:
            f.close()
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["publisher"])
        # The node got its own Contact back as the Request-URI, and no
        # Route of ours.
        self.assertRegex(hdrs["x-seen-ruri"][0],
                         r"^sip:alice@127\.0\.0\.2:\d+;transport=tcp$")
        self.assertEqual(hdrs.get("x-seen-route", ["<null>"]), ["<null>"])
        # The foreign side gets its own Via back, nothing of ours.
        self.assertEqual(hdrs["via"], ["SIP/2.0/TLS 203.0.113.5:5061;"
                                       "branch=z9hG4bKfor%d" % Foreigner.n])
        EDGE.wait_log("sip NOTIFY node publisher from partner.sipr.test to "
                      "enterprise.test route inbound target pat-publisher "
                      "status 200")

    def test_subscriber_dialog_through_its_own_port(self):
        # The subscriber's dialog: its public port is 65061's stand-in,
        # and the foreign NOTIFY reaches the subscriber, not the
        # publisher.
        status, hdrs, raw, _ = send("SUBSCRIBE", "sip:bob@partner.sipr.test",
                                    ip=NODE2_IP,
                                    extra="Event: presence\r\n")
        self.assertEqual(status, 200, raw)
        route = hdrs["x-seen-rr"][0]
        contact = hdrs["x-seen-contact"][0].strip("<>")
        self.assertEqual(route, "<sip:198.51.100.10:%d;transport=tls;lr;"
                         "x-fr>" % PAT2_PORT)
        self.assertIn("alias=127.0.0.3~", contact)
        f = Foreigner(port=PAT2_PORT)
        try:
            status, hdrs, raw = f.send("NOTIFY", contact, route=route,
                                       to_tag="s1")
        finally:
            f.close()
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["subscriber"])
        self.assertRegex(hdrs["x-seen-ruri"][0],
                         r"^sip:alice@127\.0\.0\.3:\d+;transport=tcp$")

    def test_new_dialog_from_foreign(self):
        f = Foreigner()
        try:
            status, hdrs, raw = f.send("SUBSCRIBE",
                                       "sip:alice@enterprise.test")
        finally:
            f.close()
        self.assertEqual(status, 200, raw)
        self.assertEqual(hdrs["x-server"], ["publisher"])
        # The node sees the edge's internal entry; the foreign side the
        # public one (the node's public port), never the node.
        self.assertEqual(hdrs["x-seen-rr"], ["<sip:127.0.0.1:%d;"
                                             "transport=tcp;lr;x-fr>"
                                             % FED_PORT])
        self.assertEqual(hdrs["record-route"], [
            "<sip:198.51.100.10:%d;transport=tls;lr;x-fr>" % PAT_PORT])
        self.assertRegex(hdrs["contact"][0], r"^<sip:pub@198\.51\.100\.10:"
                         r"%d;transport=tls;alias=127\.0\.0\.2~5062~2>$"
                         % PAT_PORT)

    def test_foreign_domain_not_allowed(self):
        f = Foreigner(cert=False)
        try:
            status, hdrs, raw = f.send("MESSAGE", "sip:alice@enterprise.test",
                                       frm="sip:eve@evil.test")
        finally:
            f.close()
        self.assertEqual(status, 403, raw)
        self.assertIn("evil.test is not in the allow list",
                      hdrs["warning"][0])

    def test_certificate_must_name_the_from_domain(self):
        f = Foreigner()
        try:
            status, hdrs, raw = f.send("MESSAGE", "sip:alice@enterprise.test",
                                       frm="sip:dan@wrong.sipr.test")
        finally:
            f.close()
        self.assertEqual(status, 403, raw)
        self.assertIn("certificate name mismatch", hdrs["warning"][0])


class Malformed(unittest.TestCase):
    CASES = [
        ("no Content-Length", b"MESSAGE sip:b@partner.sipr.test SIP/2.0\r\n"
         b"Via: SIP/2.0/TCP 127.0.0.2:1;branch=z9hG4bKx\r\n"
         b"From: <sip:a@e.test>;tag=1\r\nTo: <sip:b@partner.sipr.test>\r\n"
         b"Call-ID: x\r\nCSeq: 1 MESSAGE\r\n\r\n"),
        ("negative Content-Length", b"MESSAGE sip:b@x SIP/2.0\r\n"
         b"Content-Length: -5\r\n\r\n"),
        ("huge Content-Length", b"MESSAGE sip:b@x SIP/2.0\r\n"
         b"Content-Length: 99999999999\r\n\r\n"),
        ("bad start line", b"HELLO WORLD\r\nContent-Length: 0\r\n\r\n"),
        ("NUL byte", b"MESSAGE sip:b@x SIP/2.0\r\nVia: a\x00b\r\n"
         b"Content-Length: 0\r\n\r\n"),
        ("oversize header", b"MESSAGE sip:b@x SIP/2.0\r\nX-Big: " +
         b"a" * 70000 + b"\r\nContent-Length: 0\r\n\r\n"),
        ("10,000 headers", b"MESSAGE sip:b@x SIP/2.0\r\n" +
         b"X-H: 1\r\n" * 10000 + b"Content-Length: 0\r\n\r\n"),
    ]

    def test_catalogue(self):
        bystander = Node()
        try:
            for what, data in self.CASES:
                with self.subTest(what):
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.bind((NODE_IP, 0))
                    s.settimeout(10)
                    s.connect(("127.0.0.1", FED_PORT))
                    try:
                        s.sendall(data)
                    except OSError:
                        pass
                    got = b""
                    try:
                        while True:
                            d = s.recv(65536)
                            if not d:
                                break
                            got += d
                    except OSError:
                        pass
                    s.close()
                    # A 400 when an answer can be given, then the end.
                    if got:
                        self.assertTrue(got.startswith(b"SIP/2.0 400 "), got)
            # The connection that waited is served as ever.
            bystander.request("MESSAGE", "sip:bob@partner.sipr.test")
            status, hdrs, raw = bystander.response()
            self.assertEqual(status, 200, raw)
        finally:
            bystander.close()
        self.assertIsNone(EDGE.proc.poll())

    def test_400_says_what_was_wrong(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((NODE_IP, 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", FED_PORT))
        try:
            s.sendall(b"MESSAGE sip:b@partner.sipr.test SIP/2.0\r\n"
                      b"Via: SIP/2.0/TCP 127.0.0.2:1;branch=z9hG4bKx\r\n"
                      b"From: <sip:a@enterprise.test>;tag=1\r\n"
                      b"To: <sip:b@partner.sipr.test>\r\nCall-ID: y\r\n"
                      b"CSeq: 1 MESSAGE\r\nMax-Forwards: lots\r\n"
                      b"Content-Length: 0\r\n\r\n")
            got = s.recv(4096)
        finally:
            s.close()
        status_line = got.split(b"\r\n", 1)[0].decode()
        self.assertRegex(status_line, r"^SIP/2\.0 400 .*Max-Forwards")

    def test_truncated_body_closed(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((NODE_IP, 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", FED_PORT))
        s.sendall(b"MESSAGE sip:b@partner.sipr.test SIP/2.0\r\n"
                  b"Content-Length: 50\r\n\r\nshort")
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(s.recv(100), b"")
        s.close()
        EDGE.wait_log("closed by the peer in the middle of a message")


if __name__ == "__main__":
    unittest.main(verbosity=2)
