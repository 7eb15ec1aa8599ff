#!/usr/bin/env python3
"""Integration tests: `fedroute lookup` for XMPP server-to-server
(RFC 6120 3.2, XEP-0368) against a real NSD serving zones/demo and
zones/test.

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_xmpp.py
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import lookupcheck  # noqa: E402
from lookupcheck import LookupTestCase  # noqa: E402



# One NSD for the whole module, serving zones/demo and zones/test.
setUpModule = lookupcheck.start_shared_nsd
tearDownModule = lookupcheck.stop_shared_nsd


XMPPS = "_xmpps-server._tcp."
XMPP = "_xmpp-server._tcp."


class Xmpp(LookupTestCase):

    def check_merge(self, doc):
        # XEP-0368: both RRsets ordered as one by priority
        self.assertEqual(self.summary(doc),
                         [("xmpp1.xmpp.test", 5270, "tls"),
                          ("xmpp1.xmpp.test", 5269, "tcp"),
                          ("xmpp2.xmpp.test", 5270, "tls"),
                          ("xmpp2.xmpp.test", 5269, "tcp")], self.ctx(doc))
        a1 = ["127.0.1.51", "2001:db8:5::51"]
        a2 = ["127.0.1.52"]
        t = doc["targets"]
        self.assert_target(t[0], doc, priority=5, weight=0, secure=True,
                           source="srv", naptr=None, srv=XMPPS + "xmpp.test",
                           cname=None, addresses=a1, ttl=300)
        self.assert_target(t[1], doc, priority=10, weight=0, secure=False,
                           source="srv", naptr=None, srv=XMPP + "xmpp.test",
                           cname=None, addresses=a1, ttl=300)
        self.assert_target(t[2], doc, priority=20, weight=0, secure=True,
                           source="srv", srv=XMPPS + "xmpp.test",
                           addresses=a2, ttl=300)
        self.assert_target(t[3], doc, priority=30, weight=0, secure=False,
                           source="srv", srv=XMPP + "xmpp.test",
                           addresses=a2, ttl=300)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        self.assert_trace(doc, XMPPS + "xmpp.test", "SRV", "answer",
                          answers=2, ttl=3600)
        self.assert_trace(doc, XMPP + "xmpp.test", "SRV", "answer",
                          answers=2, ttl=3600)
        self.assert_trace(doc, "xmpp2.xmpp.test", "AAAA", "nodata", ttl=1800)
        # no NAPTR for XMPP, no A fallback
        self.assertEqual({e["type"] for e in doc["trace"]},
                         {"SRV", "A", "AAAA"}, self.ctx(doc))
        self.assert_no_question(doc, "xmpp.test")

    def test_xmpp_uri_merge(self):
        doc = self.lookup("xmpp:juliet@xmpp.test", expect_rc=0)
        q = doc["query"]
        self.assertEqual((q["profile"], q["domain"]),
                         ("xmpp-s2s", "xmpp.test"), self.ctx(doc))
        self.check_merge(doc)

    def test_profile_xmpp_s2s_merge(self):
        for seed in ("0", "1"):
            doc = self.lookup("--profile", "xmpp-s2s", "--seed", seed,
                              "xmpp.test", expect_rc=0)
            self.assertEqual(doc["query"]["profile"], "xmpp-s2s")
            self.check_merge(doc)

    def test_transport_filter(self):
        doc = self.lookup("--transport", "tcp", "xmpp:xmpp.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("xmpp1.xmpp.test", 5269, "tcp"),
                          ("xmpp2.xmpp.test", 5269, "tcp")], self.ctx(doc))

    def test_enterprise_one_public_ip(self):
        doc = self.lookup("--seed", "9", "xmpp:enterprise.test", expect_rc=0)
        self.assertEqual(sorted(self.summary(doc)),
                         [("imp-pub.enterprise.test", 5269, "tcp"),
                          ("imp-sub1.enterprise.test", 15269, "tcp"),
                          ("imp-sub2.enterprise.test", 25269, "tcp")],
                         self.ctx(doc))
        for t in doc["targets"]:
            self.assert_target(t, doc, priority=0, weight=10, source="srv",
                               srv=XMPP + "enterprise.test",
                               addresses=["127.0.1.10"], ttl=300)
        # no _xmpps-server published: not unavailable, just absent
        self.assert_trace(doc, XMPPS + "enterprise.test", "SRV", "nxdomain",
                          ttl=600)
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_xmpps_dot_uses_xmpp_server(self):
        doc = self.lookup("xmpp:xnotls.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("x1.xnotls.cases.test", 5269, "tcp")],
                         self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, source="srv",
                           srv=XMPP + "xnotls.cases.test",
                           addresses=["127.0.2.101"], ttl=120)
        self.assert_findings(doc, {"XMPPS_UNAVAILABLE": ("info", 1)})
        self.assert_trace(doc, XMPPS + "xnotls.cases.test", "SRV", "answer",
                          answers=1)
        self.assert_no_question(doc, "xnotls.cases.test")

    def test_no_srv_a_fallback(self):
        doc = self.lookup("xmpp:xafb.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("xafb.cases.test", 5269, "tcp")], self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, source="a", priority=None,
                           weight=None, srv=None, naptr=None, secure=False,
                           addresses=["127.0.2.110", "2001:db8:2::110"],
                           ttl=120)
        self.assert_findings(doc, {"NO_SRV_FALLBACK_A": ("info", 1)})
        self.assert_trace(doc, XMPPS + "xafb.cases.test", "SRV", "nxdomain",
                          ttl=420)
        self.assert_trace(doc, XMPP + "xafb.cases.test", "SRV", "nxdomain",
                          ttl=420)

    def test_both_dot_unavailable(self):
        doc = self.lookup("xmpp:xdot.cases.test", expect_rc=2)
        self.assertEqual(doc["result"], "unavailable", self.ctx(doc))
        self.assertEqual(doc["targets"], [])
        self.assertIn("SERVICE_UNAVAILABLE", self.finding_ids(doc),
                      self.ctx(doc))
        self.assertNotIn("NO_SRV_FALLBACK_A", self.finding_ids(doc))
        self.assert_no_question(doc, "xdot.cases.test")

    def test_xmpps_dot_without_xmpp_no_fallback(self):
        # XEP-0368: after "." the initiating party MUST NOT fall back to A
        doc = self.lookup("xmpp:xdotonly.cases.test", expect_rc=2)
        self.assertIn(doc["result"], ("unavailable", "nodata"), self.ctx(doc))
        self.assertEqual(doc["targets"], [])
        self.assertNotIn("NO_SRV_FALLBACK_A", self.finding_ids(doc))
        self.assert_no_question(doc, "xdotonly.cases.test")

    def test_nxdomain(self):
        doc = self.lookup("xmpp:nx.xmpp.test", expect_rc=2)
        self.assertEqual(doc["result"], "nxdomain", self.ctx(doc))
        self.assertIn("DOMAIN_NXDOMAIN", self.finding_ids(doc))


if __name__ == "__main__":
    unittest.main(verbosity=2)
