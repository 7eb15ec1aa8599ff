#!/usr/bin/env python3
"""Integration tests: every input bounded, every peer's text escaped
(issue 12, and issue 8's "text from peers").

What a careless administrator or a hostile peer can hand fedroute and
fedrouted, and what must come of it:
* a directory, a FIFO or /dev/zero named as a zone file, a trust anchor,
  a certificate, the configuration itself or a --batch list: refused at
  once, before any library reads it (check-config, lookup, and a SIGHUP
  reload that leaves the daemon serving and obedient to SIGTERM);
* a node or a static route that points back at one of the edge's own
  listeners: refused by the check;
* an endless or huge configuration, and --batch input with NUL bytes or
  no end: a FILE:LINE error, bounded work;
* a zone that libunbound would refuse (a TTL past 2^31 - 1), a trust
  anchor that is not DS/DNSKEY: FILE:LINE, and no libunbound noise;
* a SIP peer whose reason phrase and Server header carry terminal escape
  sequences, bidirectional overrides and broken UTF-8: the text output
  shows them escaped and the JSON stays valid UTF-8;
* --resolver values that are not IP[@PORT]: exit 64 at once;
* a reload that fails on a zone syntax error, many times: no leak (the
  sanitizer build's LeakSanitizer reads the daemon's log at exit);
* small things: --self "", workers: changed on reload.

Run: FEDROUTE=src/fedroute FEDROUTED=src/fedrouted python3 tests/integration/test_inputs.py
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
from edgeharness import (Fedrouted, TcpNode, banner, connect,  # noqa: E402
                         fedrouted_path, free_port, read_line)

# Every refusal below is immediate; a hang is the bug.
QUICK = 10

ZONE = """\
$ORIGIN {origin}.
$TTL 300
@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 300
@ IN NS ns
ns IN A 127.0.0.1
{extra}
"""

ANCHOR = ("signed.test. 3600 IN DS 12345 13 2 "
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n")


def run(argv, stdin=subprocess.DEVNULL, timeout=QUICK):
    """Run a program; (rc, stdout bytes, stderr bytes, seconds)."""
    t0 = time.monotonic()
    p = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def fedroute(*args, **kw):
    return run([os.path.abspath(nsdharness.fedroute_path())] + list(args),
               **kw)


def ctx(argv, rc, out, err):
    return "\n$ %s\nexit %d\nstdout:\n%s\nstderr:\n%s" % (
        " ".join(argv), rc, out.decode(errors="replace"),
        err.decode(errors="replace"))


def setUpModule():
    for p in (nsdharness.fedroute_path(), fedrouted_path()):
        if not os.access(p, os.X_OK):
            raise RuntimeError("not found: %s (set FEDROUTE, FEDROUTED)" % p)


class Files(unittest.TestCase):
    """Item 1, 3 and 5: what a file must be before anything reads it."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fedroute-bounds-")
        self.fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(self.fifo)
        self.subdir = os.path.join(self.dir, "sub")
        os.mkdir(self.subdir)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as fh:
            fh.write(text)
        return path

    def conf(self, resolver="", node_extra="", listener_extra=""):
        return ("resolver:\n" + resolver +
                "node:\n\tname: a\n\taddress: 127.0.0.2:5999\n" + node_extra +
                "listener:\n\taddress: 127.0.0.1:5998\n\ttarget: node a\n" +
                listener_extra)

    def check_config(self, text, *opts):
        path = self.write("fedrouted.conf", text)
        argv = ["check-config"] + list(opts) + [path]
        rc, out, err, secs = fedroute(*argv)
        return rc, err.decode(errors="replace"), secs, ctx(argv, rc, out, err)

    def test_zone_file_not_regular(self):
        for bad, kind in ((self.fifo, "a FIFO"), (self.subdir, "a directory"),
                          ("/dev/zero", "a character device")):
            rc, err, secs, c = self.check_config(
                self.conf("\tzone-file: %s\n" % bad))
            self.assertEqual(rc, 1, c)
            self.assertIn("fedrouted.conf:2: zone-file: %s: %s, not a "
                          "regular file" % (bad, kind), err, c)
            self.assertLess(secs, 5, c)

    def test_trust_anchor_not_regular_and_its_line(self):
        rc, err, _, c = self.check_config(
            self.conf("\ttimeout: 2s\n\ttrust-anchor-file: %s\n" % self.fifo))
        self.assertEqual(rc, 1, c)
        self.assertIn("fedrouted.conf:3: trust-anchor-file: %s: a FIFO"
                      % self.fifo, err, c)
        # A missing file says the line it was named on.
        rc, err, _, c = self.check_config(
            self.conf("\ttrust-anchor-file: no-such.ds\n"))
        self.assertEqual(rc, 1, c)
        self.assertIn("fedrouted.conf:2: trust-anchor-file: ", err, c)
        self.assertIn("No such file or directory", err, c)

    def test_trust_anchor_contents(self):
        bad = self.write("bad.ds", "signed.test. 300 IN A 127.0.0.1\n")
        rc, err, _, c = self.check_config(
            self.conf("\ttrust-anchor-file: %s\n" % bad))
        self.assertEqual(rc, 1, c)
        self.assertIn("fedrouted.conf:2: trust-anchor-file: %s:1: a trust "
                      "anchor is a DS or DNSKEY record" % bad, err, c)
        empty = self.write("empty.ds", "; nothing\n")
        rc, err, _, c = self.check_config(
            self.conf("\ttrust-anchor-file: %s\n" % empty))
        self.assertEqual(rc, 1, c)
        self.assertIn("no DS or DNSKEY record", err, c)
        good = self.write("good.ds", ANCHOR)
        rc, err, _, c = self.check_config(
            self.conf("\ttrust-anchor-file: %s\n" % good), "--no-tls")
        self.assertEqual(rc, 0, c)

    def test_tls_files_not_regular(self):
        rc, err, secs, c = self.check_config(self.conf(
            listener_extra="\ttls: yes\n\ttls-cert: %s\n\ttls-key: %s\n"
            % (self.fifo, "/dev/zero")))
        self.assertEqual(rc, 1, c)
        self.assertIn("fedrouted.conf:5: listener 127.0.0.1:5998: tls-cert "
                      "%s: a FIFO, not a regular file" % self.fifo, err, c)
        self.assertIn("tls-key /dev/zero: a character device", err, c)
        self.assertLess(secs, 5, c)

    def test_configuration_itself(self):
        for bad in ("/dev/zero", self.fifo, self.subdir):
            for argv in ([os.path.abspath(nsdharness.fedroute_path()),
                          "check-config", bad],
                         [fedrouted_path(), "-n", "-c", bad]):
                rc, out, err, secs = run(argv)
                c = ctx(argv, rc, out, err)
                self.assertNotEqual(rc, 0, c)
                self.assertIn(b"not a regular file", err, c)
                self.assertLess(secs, 5, c)

    def test_configuration_size_and_lines(self):
        big = "server:\n\tworkers: 1\n" + ("#" * 1000 + "\n") * 4300
        rc, err, _, c = self.check_config(big)
        self.assertEqual(rc, 1, c)
        self.assertRegex(err, r"fedrouted.conf: \d+ bytes; at most 4194304",
                         c)
        rc, err, _, c = self.check_config(
            "server:\n\tuser: " + "x" * 5000 + "\n" + self.conf())
        self.assertEqual(rc, 1, c)
        self.assertIn("fedrouted.conf:2: line longer than 4096 characters",
                      err, c)
        rc, err, _, c = self.check_config("server:\n\tuser: a\0b\n")
        self.assertEqual(rc, 1, c)
        self.assertIn("fedrouted.conf:2: a NUL byte", err, c)

    def test_lookup_files_not_regular(self):
        for opt in ("--zone", "--trust-anchor", "--batch", "--ca"):
            for bad in (self.fifo, "/dev/zero", self.subdir):
                argv = ["lookup", opt, bad, "example.test"]
                rc, out, err, secs = fedroute(*argv)
                c = ctx(argv, rc, out, err)
                self.assertEqual(rc, 64, c)
                self.assertIn(b"not a regular file", err, c)
                self.assertLess(secs, 5, c)

    def test_zone_ttl_libunbound_refuses(self):
        zone = self.write("big-ttl.zone", ZONE.format(
            origin="ttl.test",
            extra="_sip._tcp 99999999999 IN SRV 10 10 5060 ns"))
        rc, err, _, c = self.check_config(
            self.conf("\tzone-file: %s\n" % zone))
        self.assertEqual(rc, 1, c)
        self.assertIn("fedrouted.conf:2: zone-file: %s:6: TTL 99999999999 "
                      "is larger than 2147483647" % zone, err, c)
        argv = ["lookup", "--zone", zone, "ttl.test"]
        rc, out, err, _ = fedroute(*argv)
        c = ctx(argv, rc, out, err)
        self.assertEqual(rc, 64, c)
        self.assertIn(b"big-ttl.zone:6: TTL", err, c)
        self.assertNotIn(b"libunbound", err, c)
        # $TTL, units, and a record with no owner.
        for extra, line in (("$TTL 3000000000", 6), ("$TTL 1w99999d", 6),
                            (" IN 2147483648 TXT x", 6),
                            ("x 2 3", 6)):
            zone = self.write("t.zone", ZONE.format(origin="ttl.test",
                                                     extra=extra))
            argv = ["lookup", "--zone", zone, "ttl.test"]
            rc, out, err, _ = fedroute(*argv)
            c = ctx(argv, rc, out, err)
            self.assertEqual(rc, 64, c)
            self.assertIn(b"t.zone:%d: " % line, err, c)
            self.assertNotIn(b"libunbound", err, c)
        # The largest TTL RFC 2181 allows is fine.
        zone = self.write("ok.zone", ZONE.format(
            origin="ttl.test", extra="_sip._tcp 2147483647 IN SRV 1 1 5060 ns"))
        argv = ["lookup", "--json", "--zone", zone, "ttl.test"]
        rc, out, err, _ = fedroute(*argv)
        self.assertNotIn(b"libunbound", err, ctx(argv, rc, out, err))
        self.assertEqual(json.loads(out)["result"], "ok",
                         ctx(argv, rc, out, err))


class SelfLoops(unittest.TestCase):
    """Item 2: a node or a route that points back at a listener."""

    def check(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as fh:
            fh.write(text)
            fh.flush()
            rc, out, err, _ = fedroute("check-config", "--no-tls", fh.name)
            return rc, err.decode(), ctx(["check-config", fh.name], rc, out,
                                         err)

    def test_node_is_a_listener(self):
        rc, err, c = self.check(
            "listener:\n\taddress: 127.0.0.1:5060\n\ttarget: node self\n"
            "node:\n\tname: self\n\taddress: 127.0.0.1:5060\n")
        self.assertEqual(rc, 1, c)
        self.assertIn(":4: node self: address 127.0.0.1:5060 is the edge's "
                      "own listener (line 1)", err, c)

    def test_wildcard_listener(self):
        for lsn, addr in (("0.0.0.0:5060", "127.0.0.1:5060"),
                          ("0.0.0.0:5060", "127.0.0.9:5060"),
                          ("[::]:5060", "[::1]:5060"),
                          ("127.0.0.1:5060", "0.0.0.0:5060")):
            rc, err, c = self.check(
                "listener:\n\taddress: %s\n\ttarget: node n\n"
                "node:\n\tname: n\n\taddress: %s\n" % (lsn, addr))
            self.assertEqual(rc, 1, c)
            self.assertIn("is the edge's own listener", err, c)
        # Another port, or another loopback address, is someone else.
        for lsn, addr in (("0.0.0.0:5060", "127.0.0.1:5061"),
                          ("127.0.0.1:5060", "127.0.0.2:5060")):
            rc, err, c = self.check(
                "listener:\n\taddress: %s\n\ttarget: node n\n"
                "node:\n\tname: n\n\taddress: %s\n" % (lsn, addr))
            self.assertEqual(rc, 0, c)

    def test_route_next_hop(self):
        rc, err, c = self.check(
            "listener:\n\taddress: 127.0.0.1:5061\n\ttarget: node n\n"
            "node:\n\tname: n\n\taddress: 127.0.0.2:5061\n"
            "route:\n\tdomain: partner.example\n"
            "\tnext-hop: 127.0.0.1:5061\n")
        self.assertEqual(rc, 1, c)
        self.assertIn(":7: route partner.example: next-hop 127.0.0.1:5061 is "
                      "the edge's own listener (line 1)", err, c)


class Batch(unittest.TestCase):
    """Item 4: --batch with NUL bytes, endless input, long lines."""

    def batch(self, data, path="-"):
        argv = ["lookup", "--batch", path]
        if isinstance(data, str):
            with open(data, "rb") as stdin:
                rc, out, err, secs = fedroute(*argv, stdin=stdin)
        else:
            p = subprocess.run(
                [os.path.abspath(nsdharness.fedroute_path())] + argv,
                input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                timeout=QUICK)
            rc, out, err, secs = p.returncode, p.stdout, p.stderr, 0
        return rc, err.decode(errors="replace"), secs, ctx(argv, rc, out, err)

    def test_nul_bytes_are_named(self):
        rc, err, _, c = self.batch(b"a.test\n" + b"\0" * 10 + b"\nb.test\n")
        self.assertEqual(rc, 64, c)
        self.assertIn("-:2: a NUL byte; this is not a text file", err, c)
        rc, err, _, c = self.batch(b"a.test\nb\0.test\n")
        self.assertIn("-:2: a NUL byte", err, c)

    def test_endless_standard_input_stops(self):
        rc, err, secs, c = self.batch("/dev/zero")
        self.assertEqual(rc, 64, c)
        self.assertIn("-:1: a NUL byte", err, c)
        self.assertLess(secs, 5, c)
        # Endless blank lines: stopped by the byte bound.
        with subprocess.Popen(["yes", ""], stdout=subprocess.PIPE) as yes:
            try:
                rc, out, err, secs = fedroute("lookup", "--batch", "-",
                                              stdin=yes.stdout, timeout=60)
            finally:
                yes.kill()
        c = ctx(["lookup", "--batch", "-"], rc, out, err)
        self.assertEqual(rc, 64, c)
        self.assertIn(b"more than 16777216 bytes", err, c)

    def test_long_line(self):
        rc, err, _, c = self.batch(b"a.test\n" + b"x" * 2000 + b"\n")
        self.assertEqual(rc, 64, c)
        self.assertIn("-:2: line longer than 1024 characters", err, c)


class ResolverValues(unittest.TestCase):
    """Item 7: --resolver and forwarder: are IP[@PORT], checked at once."""

    def test_bad_resolver_is_usage_error(self):
        for bad in ("localhost", "", "999.1.1.1", "127.0.0.1@0",
                    "127.0.0.1@99999", "127.0.0.1@", "127.0.0.1@53x"):
            argv = ["lookup", "--resolver", bad, "example.test"]
            rc, out, err, secs = fedroute(*argv)
            c = ctx(argv, rc, out, err)
            self.assertEqual(rc, 64, c)
            self.assertIn(b"bad --resolver", err, c)
            self.assertNotIn(b"libunbound", err, c)
            self.assertLess(secs, 3, c)

    def test_bad_forwarder_in_config(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as fh:
            fh.write("resolver:\n\tforwarder: localhost\n"
                     "\tforwarder: 127.0.0.1@0\n\tforwarder: ::1@5353\n")
            fh.flush()
            rc, out, err, _ = fedroute("check-config", "--no-tls", fh.name)
        c = ctx(["check-config"], rc, out, err)
        self.assertIn(b":2: forwarder: expected IP or IP@PORT", err, c)
        self.assertIn(b":3: forwarder: expected IP or IP@PORT", err, c)
        self.assertNotIn(b":4: forwarder", err, c)


class HostileSipPeer:
    """A SIP peer over TCP whose answer to OPTIONS carries terminal escape
    sequences, a bidirectional override and bytes that are not UTF-8 in
    its reason phrase and Server header."""

    REASON = b"OK \x1b]0;pwned\x07\x1b[2J\xe2\x80\xaeevil \xc3"
    SERVER = b"evil/1.0 \x1b[31mred\x9b1m \xff\xfe \xe2\x80\x8f end"

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with c:
                c.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    got = c.recv(4096)
                    if not got:
                        break
                    data += got
                heads = [h for h in data.split(b"\r\n")[1:]
                         if h.split(b":")[0].strip().lower() in
                         (b"via", b"v", b"from", b"f", b"to", b"t",
                          b"call-id", b"i", b"cseq")]
                reply = (b"SIP/2.0 200 " + self.REASON + b"\r\n" +
                         b"\r\n".join(heads) + b"\r\nServer: " + self.SERVER +
                         b"\r\nContent-Length: 0\r\n\r\n")
                try:
                    c.sendall(reply)
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


class PeerText(unittest.TestCase):
    """Item 6 and issue 8: what a peer writes reaches no terminal raw."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fedroute-peertext-")
        cls.peer = HostileSipPeer()
        cls.zone = os.path.join(cls.dir, "hostile.test.zone")
        with open(cls.zone, "w") as fh:
            fh.write(ZONE.format(
                origin="hostile.test",
                extra="_sip._tcp IN SRV 10 10 %d sip\nsip IN A 127.0.0.1\n"
                % cls.peer.port))

    @classmethod
    def tearDownClass(cls):
        cls.peer.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def probe(self, fmt):
        argv = ["lookup", "--zone", self.zone, "--connect", "--transport",
                "tcp", "--connect-timeout", "3000", "--format", fmt,
                "--color", "always", "sip:hostile.test"]
        rc, out, err, _ = fedroute(*argv, timeout=30)
        return out, err, ctx(argv, rc, out, err)

    def assert_harmless(self, data, c):
        # No control character but our own colour codes and newlines.
        stripped = data
        for sgr in (b"\x1b[0m", b"\x1b[31m", b"\x1b[32m", b"\x1b[33m",
                    b"\x1b[36m", b"\x1b[1m"):
            stripped = stripped.replace(sgr, b"")
        text = stripped.decode("utf-8")         # strict: valid UTF-8
        for ch in text:
            self.assertFalse((ord(ch) < 0x20 and ch != "\n") or
                             0x7f <= ord(ch) <= 0x9f or
                             ch in "\u200e\u200f\u202a\u202b\u202c\u202d"
                             "\u202e\u2066\u2067\u2068\u2069",
                             "raw control U+%04X in output%s" % (ord(ch), c))
        self.assertNotIn(b"\x07", data, c)
        self.assertNotIn(b"]0;pwned\x07", data, c)

    def test_text_output_escapes_peer_text(self):
        out, err, c = self.probe("text")
        self.assertIn(b"SIP OPTIONS", out, c)
        self.assert_harmless(out, c)
        self.assert_harmless(err, c)
        self.assertIn(b"\\x1b]0;pwned\\x07", out, c)
        self.assertIn(b"\\u{202e}evil", out, c)
        self.assertIn(b"evil/1.0 \\x1b[31mred\\x9b1m \\xff\\xfe", out, c)

    def test_json_output_is_valid_utf8(self):
        out, err, c = self.probe("json")
        self.assertNotIn(b"\x1b", out, c)
        doc = json.loads(out.decode("utf-8"))   # strict UTF-8, valid JSON
        sip = doc["targets"][0]["connect"][0]["sip"]
        self.assertEqual(sip["status"], 200, c)
        self.assertEqual(sip["reason"],
                         "OK \x1b]0;pwned\x07\x1b[2J\u202eevil \ufffd", c)
        self.assertEqual(sip["server"],
                         "evil/1.0 \x1b[31mred\ufffd1m \ufffd\ufffd "
                         "\u200f end", c)

    def test_nagios_output(self):
        out, err, c = self.probe("nagios")
        self.assert_harmless(out, c)
        # A bad target: UNKNOWN, with the target escaped.
        argv = ["lookup", "--format", "nagios", "sip:a\x1b]0;x\x07.test"]
        rc, out, err, _ = fedroute(*argv)
        c = ctx(argv, rc, out, err)
        self.assertEqual(rc, 3, c)
        self.assertIn(b"FEDROUTE UNKNOWN", out, c)
        self.assertIn(b"\\x1b]0;x\\x07", out, c)
        self.assert_harmless(out, c)

    def test_bad_target_is_escaped(self):
        for target, shown in (("a\x1b[2Jb.test", b"'\\x1b'"),
                              ("sip:\u00e9t\u00e9.test", "'\u00e9'".encode()),
                              ("sip:a\u202eb.test", b"'\\u{202e}'")):
            argv = ["lookup", target]
            rc, out, err, _ = fedroute(*argv)
            c = ctx(argv, rc, out, err)
            self.assertEqual(rc, 64, c)
            self.assertIn(b"character " + shown + b" not allowed", err, c)
            self.assert_harmless(err, c)
        # Bytes that are not UTF-8 at all, as a shell may pass them.
        argv = [os.path.abspath(nsdharness.fedroute_path()).encode(),
                b"lookup", b"a\xc3.test"]
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=QUICK)
        self.assertEqual(p.returncode, 64, p.stderr)
        self.assertIn(b"character '\\xc3' not allowed", p.stderr)
        self.assert_harmless(p.stderr, repr(p.stderr))


def node(n):
    return "node:\n\tname: %s\n\taddress: %s\n\tcheck: none\n" % (n.name,
                                                                  n.addr)


def listener(port, target):
    return "listener:\n\taddress: 127.0.0.1:%d\n\ttarget: %s\n" % (port,
                                                                  target)


SERVER = "server:\n\tuser: nobody\n\tlog-level: debug\n\tdrain-timeout: 1s\n"


class Reload(unittest.TestCase):
    """Items 1, 8 and 12 on a running daemon."""

    def conf(self, a, port, resolver=""):
        return SERVER + ("resolver:\n" + resolver if resolver else "") + \
            node(a) + listener(port, "node a")

    def relays(self, port):
        s = connect(port)
        try:
            self.assertEqual(banner(s).node, "a")
            s.sendall(b"ping\n")
            self.assertEqual(read_line(s), "ping")
        finally:
            s.close()

    def test_reload_with_a_fifo_zone_keeps_serving(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            with Fedrouted(self.conf(a, port)) as d:
                fifo = os.path.join(d.dir, "zone.fifo")
                os.mkfifo(fifo, 0o644)
                self.relays(port)
                t0 = time.monotonic()
                d.reload(self.conf(a, port, "\tzone-file: %s\n" % fifo),
                         expect_ok=False)
                self.assertLess(time.monotonic() - t0, 5)
                d.reload(self.conf(a, port, "\tzone-file: /dev/zero\n"),
                         expect_ok=False)
                self.assertIn("a FIFO, not a regular file", d.log())
                self.assertIn("a character device, not a regular file",
                              d.log())
                self.relays(port)
            # Leaving the with block sent SIGTERM and checked a clean exit.

    def test_failed_zone_reloads_do_not_leak(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            with Fedrouted(self.conf(a, port)) as d:
                zone = os.path.join(d.dir, "bad.zone")
                with open(zone, "w") as fh:
                    fh.write(ZONE.format(
                        origin="bad.test",
                        extra="x IN A 10.0.0.1\ny IN A 10.0.0.2\n"
                        "z IN A 1.2.3.4.5\n"))
                os.chmod(zone, 0o644)
                for _ in range(5):
                    d.reload(self.conf(a, port, "\tzone-file: %s\n" % zone),
                             expect_ok=False)
                self.assertIn("bad.zone:", d.log())
                self.relays(port)
            # The sanitizer build: LeakSanitizer's report at exit would be
            # in the log, and check_clean_exit() fails on it.

    def test_workers_change_is_said(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            with Fedrouted(self.conf(a, port)) as d:
                d.reload(SERVER + "\tworkers: 2\n" + node(a) +
                         listener(port, "node a"))
                d.wait_log("workers: takes effect at the next start")


class Small(unittest.TestCase):
    """Item 12: small things."""

    def test_self_empty(self):
        rc, out, err, _ = fedroute("lookup", "--self", "")
        c = ctx(["lookup", "--self", "''"], rc, out, err)
        self.assertEqual(rc, 64, c)
        self.assertIn(b"--self wants a domain, not an empty string", err, c)
        self.assertNotIn(b"too long", err, c)

    def test_manual_states_the_limits(self):
        src = os.environ.get("FR_SRCDIR",
                             os.path.join(os.path.dirname(__file__), "..",
                                          ".."))
        with open(os.path.join(src, "doc", "fedroute.1")) as fh:
            man1 = fh.read()
        with open(os.path.join(src, "doc", "fedrouted.conf.5")) as fh:
            man5 = fh.read()
        for text in ("10000", "1024", "16 MiB", "64 MiB", "2147483647"):
            self.assertIn(text, man1, text)
        for text in ("4096", "4 MiB", "64 MiB", "2147483647"):
            self.assertIn(text, man5, text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
