#!/usr/bin/env python3
"""Integration tests: the tester's DNS checks beyond the plan
(src/dnscheck.c) against a real NSD serving zones/demo and zones/test.

Each finding has a case that produces it and one that does not:
LEGACY_SRV_LABEL, NAPTR_EQUAL_PREFERENCE, TTL_LOW, DNS_TRUNCATED_UDP,
ADDRESS_NOT_PUBLIC (with --public).  The zone cases are in
zones/test/checks.test.zone.

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_checks.py
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import lookupcheck  # noqa: E402
from lookupcheck import LookupTestCase  # noqa: E402

setUpModule = lookupcheck.start_shared_nsd
tearDownModule = lookupcheck.stop_shared_nsd

C = "checks.test"
# A domain with no route may also say that the A fallback found nothing.
NO_ROUTE_NOTES = {"NO_SRV_FALLBACK_A": ("info", None),
                  "SRV_TARGET_NO_ADDRESS": ("warning", None)}


def checks(doc, kind, name=None, qtype=None):
    return [c for c in doc["checks"] if c["check"] == kind and
            (name is None or c["name"] == name) and
            (qtype is None or c["type"] == qtype)]


def findings(doc, fid):
    return [f for f in doc["findings"] if f["id"] == fid]


class LegacyLabels(LookupTestCase):

    def test_only_wrong_names(self):
        d = "legacy." + C
        doc = self.lookup("sip:" + d, expect_rc=2)
        self.assertEqual(doc["result"], "nodata", self.ctx(doc))
        self.assert_findings(doc, {"NO_RECORDS": ("error", None),
                                   "LEGACY_SRV_LABEL": ("warning", 2)},
                             NO_ROUTE_NOTES)
        msgs = sorted(f["message"] for f in findings(doc, "LEGACY_SRV_LABEL"))
        self.assertIn("_sip._tls." + d, msgs[0], self.ctx(doc))
        self.assertIn("_sips._tls." + d, msgs[1], self.ctx(doc))
        for m in msgs:
            self.assertIn("sip.legacy.checks.test:5061", m, self.ctx(doc))
            self.assertIn("_sips._tcp." + d, m, self.ctx(doc))
        for f in findings(doc, "LEGACY_SRV_LABEL"):
            self.assertIsNone(f["target"], self.ctx(doc))
        for name in ("_sip._tls." + d, "_sips._tls." + d):
            c = checks(doc, "legacy-label", name, "SRV")
            self.assertEqual(len(c), 1, self.ctx(doc))
            self.assertEqual((c[0]["status"], c[0]["answers"]),
                             ("answer", 1), self.ctx(doc))
            # the router itself never asks a wrong name
            self.assert_no_question(doc, name)

    def test_wrong_name_beside_the_right_one(self):
        doc = self.lookup("sip:legacyok." + C, expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.legacyok.checks.test", 5061, "tls")],
                         self.ctx(doc))
        self.assert_findings(doc, {"LEGACY_SRV_LABEL": ("info", 1)})

    def test_xmpp_wrong_names(self):
        d = "xlegacy." + C
        doc = self.lookup("xmpp:" + d, expect_rc=2)
        self.assert_findings(doc, {"NO_RECORDS": ("error", None),
                                   "LEGACY_SRV_LABEL": ("warning", 2)},
                             NO_ROUTE_NOTES)
        msgs = " ".join(f["message"]
                        for f in findings(doc, "LEGACY_SRV_LABEL"))
        self.assertIn("_xmpp-server._udp." + d, msgs, self.ctx(doc))
        self.assertIn("_jabber._tcp." + d, msgs, self.ctx(doc))
        self.assertIn("_xmpp-server._tcp." + d, msgs, self.ctx(doc))

    def test_no_wrong_names(self):
        doc = self.lookup("sip:rfc3263.test", expect_rc=0)
        self.assertNotIn("LEGACY_SRV_LABEL", self.finding_ids(doc))
        # the check did ask: each wrong name is NXDOMAIN there
        c = checks(doc, "legacy-label")
        self.assertEqual({(x["name"], x["status"]) for x in c},
                         {("_sip._tls.rfc3263.test", "nxdomain"),
                          ("_sips._tls.rfc3263.test", "nxdomain")},
                         self.ctx(doc))

    def test_lync_client_record_is_not_a_mistake(self):
        # _sip._tls is Lync's client sign-in record: not reported for
        # the federation profile, whose own wrong names are asked instead.
        doc = self.lookup("--profile", "ms-fed", "lync.test", expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        self.assertEqual({x["name"] for x in checks(doc, "legacy-label")},
                         {"_sips._tls.lync.test",
                          "_sipfederationtls._tls.lync.test"},
                         self.ctx(doc))


class NaptrTies(LookupTestCase):

    def test_tls_and_udp_tie(self):
        doc = self.lookup("--seed", "1", "naptrtie." + C, expect_rc=1)
        self.assert_findings(doc, {"NAPTR_EQUAL_PREFERENCE": ("warning", 1)})
        m = findings(doc, "NAPTR_EQUAL_PREFERENCE")[0]["message"]
        for word in ("SIPS+D2T", "SIP+D2U", "order 10", "preference 100",
                     "naptrtie." + C):
            self.assertIn(word, m, self.ctx(doc))
        self.assertNotIn("SIP+D2T,", m, self.ctx(doc))
        self.assertEqual(len(checks(doc, "naptr", "naptrtie." + C,
                                    "NAPTR")), 1, self.ctx(doc))

    def test_same_transport_twice_is_no_tie(self):
        doc = self.lookup("naptrsame." + C, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        c = checks(doc, "naptr", "naptrsame." + C, "NAPTR")
        self.assertEqual([(x["status"], x["answers"]) for x in c],
                         [("answer", 2)], self.ctx(doc))

    def test_distinct_orders(self):
        doc = self.lookup("rfc3263.test", expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        self.assertEqual(len(checks(doc, "naptr")), 1, self.ctx(doc))

    def test_no_naptr_no_question(self):
        doc = self.lookup("sip:legacyok." + C, expect_rc=0)
        self.assertEqual(checks(doc, "naptr"), [], self.ctx(doc))


class Ttls(LookupTestCase):

    def test_srv_ttl_30(self):
        doc = self.lookup("sips:lowttl." + C, expect_rc=1)
        self.assert_findings(doc, {"TTL_LOW": ("warning", 1)})
        m = findings(doc, "TTL_LOW")[0]["message"]
        self.assertIn("_sips._tcp.lowttl.checks.test SRV", m, self.ctx(doc))
        self.assertIn("30 s", m, self.ctx(doc))
        # judged from an authoritative direct answer
        c = checks(doc, "udp-size", "_sips._tcp.lowttl." + C, "SRV")
        self.assertEqual([(x["authoritative"], x["ttl"]) for x in c],
                         [(True, 30)], self.ctx(doc))

    def test_limit_59_reported(self):
        doc = self.lookup("sips:ttl59." + C, expect_rc=1)
        self.assert_findings(doc, {"TTL_LOW": ("warning", 1)})
        self.assertIn("sip.ttl59.checks.test A",
                      findings(doc, "TTL_LOW")[0]["message"], self.ctx(doc))

    def test_limit_60_not_reported(self):
        doc = self.lookup("sips:ttl60." + C, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_zone_file_ttl(self):
        # From a local zone file the TTL is the published one, no
        # --resolver needed.
        zone = os.path.join(nsdharness.zones_dir(), "test", C + ".zone")
        doc = self.lookup("--zone", zone, "sips:lowttl." + C, resolver=None,
                          expect_rc=1)
        self.assert_findings(doc, {"TTL_LOW": ("warning", 1)})
        self.assertEqual(checks(doc, "udp-size"), [], self.ctx(doc))


class UdpTruncation(LookupTestCase):

    def test_big_rrset_truncated(self):
        name = "_sips._tcp.big.cases.test"
        doc = self.lookup("sips:big.cases.test", expect_rc=1)
        self.assert_findings(doc, {"DNS_TRUNCATED_UDP": ("warning", 1)})
        m = findings(doc, "DNS_TRUNCATED_UDP")[0]["message"]
        self.assertIn(name + " SRV", m, self.ctx(doc))
        self.assertIn(self.resolver, m, self.ctx(doc))
        c = checks(doc, "udp-size", name, "SRV")
        self.assertEqual(len(c), 1, self.ctx(doc))
        self.assertEqual((c[0]["server"], c[0]["truncated"],
                          c[0]["authoritative"]),
                         (self.resolver, True, True), self.ctx(doc))
        self.assertLessEqual(c[0]["size"], 1232, self.ctx(doc))
        # the 40 address answers fit
        small = [x for x in checks(doc, "udp-size") if x["type"] == "A"]
        self.assertEqual(len(small), 40, self.ctx(doc))
        self.assertFalse(any(x["truncated"] for x in small), self.ctx(doc))

    def test_every_answer_fits(self):
        doc = self.lookup("rfc3263.test", expect_rc=0)
        c = checks(doc, "udp-size")
        # one direct question per answered plan question: NAPTR, 3 SRV,
        # A and AAAA of 3 hosts
        self.assertEqual(len(c), 10, self.ctx(doc))
        for x in c:
            self.assertEqual((x["server"], x["status"], x["truncated"],
                              x["authoritative"]),
                             (self.resolver, "answer", False, True),
                             self.ctx(doc))
        self.assertNotIn("DNS_TRUNCATED_UDP", self.finding_ids(doc))


class PublicAddresses(LookupTestCase):

    def test_public_only(self):
        doc = self.lookup("--public", "sips:public." + C, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        self.assert_target(doc["targets"][0], doc,
                           addresses=["198.51.100.10", "2001:db8:4::10"])

    def test_private_only(self):
        doc = self.lookup("--public", "--seed", "1", "sips:private." + C,
                          expect_rc=2)
        self.assertEqual(doc["result"], "ok", self.ctx(doc))
        self.assert_findings(doc, {"ADDRESS_NOT_PUBLIC": ("error", 2)})
        fs = findings(doc, "ADDRESS_NOT_PUBLIC")
        self.assertEqual([f["target"] for f in fs], [0, 1], self.ctx(doc))
        self.assertIn("10.1.2.3 (private)", fs[0]["message"])
        for word in ("192.168.1.3 (private)", "fe80::3 (link-local)",
                     "fd00::3 (unique-local)"):
            self.assertIn(word, fs[1]["message"], self.ctx(doc))

    def test_one_private_target(self):
        doc = self.lookup("--public", "sips:mixed." + C, expect_rc=1)
        self.assert_findings(doc, {"ADDRESS_NOT_PUBLIC": ("warning", 1)})
        f = findings(doc, "ADDRESS_NOT_PUBLIC")[0]
        self.assertEqual(doc["targets"][f["target"]]["host"],
                         "in.mixed.checks.test", self.ctx(doc))
        self.assertIn("172.16.5.5 (private)", f["message"], self.ctx(doc))

    def test_loopback_demo(self):
        doc = self.lookup("--public", "--profile", "ms-fed", "aol.test",
                          expect_rc=2)
        self.assertIn("127.0.1.41 (loopback)",
                      findings(doc, "ADDRESS_NOT_PUBLIC")[0]["message"],
                      self.ctx(doc))

    def test_not_asked(self):
        doc = self.lookup("sips:private." + C, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))


if __name__ == "__main__":
    unittest.main(verbosity=2)
