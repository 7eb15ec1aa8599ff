#!/usr/bin/env python3
"""Integration tests: resolver failures -- SERVFAIL (the server refuses),
timeouts (a server that never answers, and a port nobody listens on).

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_failures.py
"""

import os
import socket
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import lookupcheck  # noqa: E402
from lookupcheck import LookupTestCase  # noqa: E402

# --timeout 1000: one question gives up after 1 s.  The whole lookup
# must be over well before 10 s.
TIMEOUT_MS = 1000
WALL_LIMIT = 6.0


# One NSD for the whole module, serving zones/demo and zones/test.
setUpModule = lookupcheck.start_shared_nsd
tearDownModule = lookupcheck.stop_shared_nsd


class Blackhole:
    """A UDP socket and a TCP listener on one loopback port that never
    answer: every DNS question sent there times out."""

    def __enter__(self):
        for _ in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            try:
                self.tcp.bind(("127.0.0.1", self.port))
            except OSError:
                self.udp.close()
                self.tcp.close()
                continue
            self.tcp.listen(16)
            return self
        raise RuntimeError("no free port for the blackhole")

    def __exit__(self, *exc):
        self.udp.close()
        self.tcp.close()
        return False


class Failures(LookupTestCase):

    def test_refused_is_servfail(self):
        # NSD is not authoritative for foo.example: REFUSED -> SERVFAIL
        doc = self.lookup("foo.example", expect_rc=3)
        self.assertEqual(doc["result"], "servfail", doc["_ctx"])
        self.assertEqual(doc["targets"], [])
        first = doc["trace"][0]
        self.assertEqual((first["name"], first["type"], first["status"]),
                         ("foo.example", "NAPTR", "servfail"), doc["_ctx"])
        self.assertIn(first["rcode"], ("SERVFAIL", "REFUSED"), doc["_ctx"])
        self.assertIsNone(first["ttl"], doc["_ctx"])
        self.assertEqual(first["answers"], 0, doc["_ctx"])
        ids = self.finding_ids(doc)
        self.assertIn("DNS_SERVFAIL", ids, doc["_ctx"])
        self.assertIn("error", [f["severity"] for f in doc["findings"]
                                if f["id"] == "DNS_SERVFAIL"],
                      "a SERVFAIL that leaves no route is an error"
                      + doc["_ctx"])
        self.assertNotIn("DOMAIN_NXDOMAIN", ids)
        self.assertNotIn("NO_RECORDS", ids)

    def test_refused_ms_fed(self):
        doc = self.lookup("--profile", "ms-fed", "foo.example", expect_rc=3)
        self.assertEqual(doc["result"], "servfail", doc["_ctx"])

    def test_timeout(self):
        with Blackhole() as bh:
            doc = self.lookup("--timeout", str(TIMEOUT_MS), "lync.test",
                              resolver="127.0.0.1@%d" % bh.port,
                              expect_rc=3, timeout=30)
        self.assertEqual(doc["result"], "timeout", doc["_ctx"])
        self.assertEqual(doc["targets"], [])
        self.assertLess(doc["_seconds"], WALL_LIMIT, doc["_ctx"])
        first = doc["trace"][0]
        self.assertEqual((first["name"], first["type"], first["status"],
                          first["rcode"], first["ttl"], first["answers"]),
                         ("lync.test", "NAPTR", "timeout", None, None, 0),
                         doc["_ctx"])
        # gave up after about --timeout, not much sooner
        self.assertGreaterEqual(first["ms"], 0.9 * TIMEOUT_MS, doc["_ctx"])
        self.assertLess(first["ms"], 3 * TIMEOUT_MS, doc["_ctx"])
        for e in doc["trace"]:
            self.assertEqual(e["status"], "timeout", doc["_ctx"])
        self.assertIn("DNS_TIMEOUT", self.finding_ids(doc), doc["_ctx"])
        self.assertIn("error", [f["severity"] for f in doc["findings"]
                                if f["id"] == "DNS_TIMEOUT"], doc["_ctx"])

    def test_second_resolver_takes_over(self):
        # --resolver is repeatable: with the first server dead, the second
        # answers (within the default 5 s question timeout).  Each is
        # also asked alone: the dead one is reported (an error, but a
        # route remains: exit 1).
        with Blackhole() as bh:
            dead = "127.0.0.1@%d" % bh.port
            doc = self.lookup("--profile", "ms-fed", "lync.test",
                              resolver=None, expect_rc=1, timeout=30,
                              extra=["--resolver", dead,
                                     "--resolver", self.resolver])
        self.assertEqual(sorted(self.summary(doc)),
                         [("sip.lync.test", 5061, "tls"),
                          ("sip2.lync.test", 5061, "tls")], doc["_ctx"])
        for e in doc["trace"]:
            self.assertEqual(e["status"], "answer", doc["_ctx"])
        self.assert_findings(doc, {"RESOLVERS_DISAGREE": ("error", 1)})
        self.assertIn("result timeout / ok", doc["findings"][0]["message"],
                      doc["_ctx"])
        # the dead one was asked over UDP once, and no more
        udp = [c for c in doc["checks"] if c["check"] == "udp-size" and
               c["server"] == dead]
        self.assertEqual([c["status"] for c in udp], ["timeout"],
                         doc["_ctx"])

    def test_nobody_listening(self):
        # a port with no server at all: ICMP port unreachable on loopback.
        # Either "timeout" or "servfail" is a resolver failure (exit 3);
        # what matters is that it ends fast and says so.
        port = nsdharness.free_port()
        doc = self.lookup("--timeout", str(TIMEOUT_MS), "lync.test",
                          resolver="127.0.0.1@%d" % port, expect_rc=3,
                          timeout=30)
        self.assertIn(doc["result"], ("timeout", "servfail"), doc["_ctx"])
        self.assertEqual(doc["targets"], [])
        self.assertLess(doc["_seconds"], WALL_LIMIT, doc["_ctx"])
        self.assertIn(doc["trace"][0]["status"], ("timeout", "servfail"),
                      doc["_ctx"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
