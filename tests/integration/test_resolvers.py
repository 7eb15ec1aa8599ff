#!/usr/bin/env python3
"""Integration tests: --resolver given more than once asks each resolver
alone and shows where the answers differ (split DNS).

Two NSDs: the shared one serves zones/demo and zones/test (the public
view of split.test), a second one serves zones/internal (the internal
view of split.test) and rfc3263.test (the same data as the first).  It
does not serve aol.test, so it answers REFUSED there.

The plan itself comes from all resolvers together, as a router with
several forwarders would get it; which one answers a question is up to
libunbound, so for split.test only the comparison is checked, never
which view the plan shows.

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_resolvers.py
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import lookupcheck  # noqa: E402
from lookupcheck import LookupTestCase  # noqa: E402

INTERNAL = None


def setUpModule():
    global INTERNAL
    lookupcheck.start_shared_nsd()
    INTERNAL = nsdharness.NsdServer(
        nsdharness.zone_files("internal") +
        [os.path.join(nsdharness.zones_dir(), "demo", "rfc3263.test.zone")])
    INTERNAL.start()


def tearDownModule():
    try:
        if INTERNAL is not None:
            INTERNAL.stop()
    finally:
        lookupcheck.stop_shared_nsd()


class Compare(LookupTestCase):

    def both(self, *args, expect_rc=None):
        return self.lookup(*args, resolver=None, expect_rc=expect_rc,
                           extra=["--resolver", self.resolver,
                                  "--resolver", INTERNAL.resolver])

    def servers(self, doc):
        r = doc["resolvers"]
        self.assertIsNotNone(r, self.ctx(doc))
        self.assertEqual(set(r), {"servers", "differences"}, self.ctx(doc))
        self.assertEqual([s["server"] for s in r["servers"]],
                         [self.resolver, INTERNAL.resolver], self.ctx(doc))
        for s in r["servers"]:
            self.assertEqual(set(s), {"server", "result", "targets",
                                      "error"}, self.ctx(doc))
        return r

    def diffs(self, doc):
        return {d["subject"]: d["values"]
                for d in doc["resolvers"]["differences"]}

    def test_split_ms_fed(self):
        doc = self.both("--profile", "ms-fed", "split.test", expect_rc=1)
        r = self.servers(doc)
        self.assertEqual([(s["result"], s["targets"], s["error"])
                          for s in r["servers"]],
                         [("ok", 1, None), ("ok", 1, None)], self.ctx(doc))
        # same SRV and the same number of A records: only the address
        # of the one target differs
        self.assertEqual(self.diffs(doc), {
            "target edge.split.test:5061/tls": ["198.51.100.80",
                                                "10.20.0.80"]},
            self.ctx(doc))
        self.assert_findings(doc, {"RESOLVERS_DISAGREE": ("warning", 1)})
        f = doc["findings"][0]
        self.assertIn("the 2 resolvers disagree on 1 point "
                      "(target edge.split.test:5061/tls)", f["message"],
                      self.ctx(doc))
        self.assertIn(doc["targets"][0]["addresses"][0]["address"],
                      ("198.51.100.80", "10.20.0.80"), self.ctx(doc))

    def test_split_sip(self):
        doc = self.both("sips:split.test", expect_rc=1)
        self.servers(doc)
        self.assertEqual(self.diffs(doc), {
            "A edge.split.test": ["1 record", "not asked"],
            "AAAA edge.split.test": ["nodata", "not asked"],
            "A edge-int.split.test": ["not asked", "1 record"],
            "AAAA edge-int.split.test": ["not asked", "nodata"],
            "target edge.split.test:5061/tls": ["198.51.100.80", "none"],
            "target edge-int.split.test:5061/tls": ["none", "10.20.0.81"],
        }, self.ctx(doc))
        self.assert_findings(doc, {"RESOLVERS_DISAGREE": ("warning", 1)})
        self.assertIn("on 6 points", doc["findings"][0]["message"])

    def test_one_resolver_refuses(self):
        # The second does not serve aol.test: REFUSED, a failure.  The
        # plan still comes (libunbound asks the other), but that resolver
        # gives no route at all: an error, exit 1 (a route remains).
        doc = self.both("--profile", "ms-fed", "aol.test", expect_rc=1)
        r = self.servers(doc)
        self.assertEqual(doc["result"], "ok", self.ctx(doc))
        self.assertEqual([s["result"] for s in r["servers"]],
                         ["ok", "servfail"], self.ctx(doc))
        d = self.diffs(doc)
        self.assertEqual(d["result"], ["ok", "servfail"], self.ctx(doc))
        self.assertEqual(d["SRV _sipfederationtls._tcp.aol.test"],
                         ["1 record", "servfail"], self.ctx(doc))
        self.assertEqual(doc["resolvers"]["differences"][0]["subject"],
                         "result", "the result comes first" + self.ctx(doc))
        self.assert_findings(doc, {"RESOLVERS_DISAGREE": ("error", 1)})
        self.assertIn("on 5 points (result ok / servfail, SRV "
                      "_sipfederationtls._tcp.aol.test, A sip.oscar.aol.test, "
                      "...)",
                      doc["findings"][0]["message"], self.ctx(doc))

    def test_agreement(self):
        doc = self.both("--seed", "1", "rfc3263.test", expect_rc=0)
        r = self.servers(doc)
        self.assertEqual([(s["result"], s["targets"]) for s in r["servers"]],
                         [("ok", 9), ("ok", 9)], self.ctx(doc))
        self.assertEqual(r["differences"], [], self.ctx(doc))
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_one_resolver_no_comparison(self):
        doc = self.lookup("--profile", "ms-fed", "split.test", expect_rc=0)
        self.assertIsNone(doc["resolvers"], self.ctx(doc))

    def test_text(self):
        res = nsdharness.run_fedroute(
            ["lookup", "--resolver", self.resolver, "--resolver",
             INTERNAL.resolver, "--profile", "ms-fed", "split.test"])
        self.assertEqual(res[0], 1, res.stdout)
        out = res.stdout
        self.assertIn("\nResolvers, each asked alone\n", out)
        self.assertIn("  Where they differ (values by resolver number):\n"
                      "  target edge.split.test:5061/tls\n"
                      "    1: 198.51.100.80\n"
                      "    2: 10.20.0.80\n", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
