#!/usr/bin/env python3
"""Integration tests: `fedroute lookup` for SIP (RFC 3263) and Microsoft
federation against a real NSD serving zones/demo and zones/test.

Checks every zone case field by field against doc/lookup-contract.md:
result, exit status, targets (host, port, transport, priority, weight,
source, naptr, srv, cname, addresses, ttl) in plan order, the trace
(type, status, rcode, answers, ttl) and the findings (id, severity).

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_lookup.py
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import lookupcheck  # noqa: E402
from lookupcheck import LookupTestCase, ALL_TRANSPORTS  # noqa: E402



# One NSD for the whole module, serving zones/demo and zones/test.
setUpModule = lookupcheck.start_shared_nsd
tearDownModule = lookupcheck.stop_shared_nsd


# rfc3263.test: the edges and their addresses
R = "rfc3263.test"
EXPE = {
    "expe1.rfc3263.test": ["127.0.1.31", "2001:db8:3263::31"],
    "expe2.rfc3263.test": ["127.0.1.32", "2001:db8:3263::32"],
    "standby.rfc3263.test": ["127.0.1.33", "2001:db8:3263::33"],
}
NAPTR_OF = {"tls": (10, 100, "s", "SIPS+D2T"),
            "tcp": (12, 100, "s", "SIP+D2T"),
            "udp": (14, 100, "s", "SIP+D2U")}
SRV_OF = {"tls": "_sips._tcp." + R, "tcp": "_sip._tcp." + R,
          "udp": "_sip._udp." + R}
PORT_OF = {"tls": 5061, "tcp": 5060, "udp": 5060}
# A domain with no route: NO_RECORDS is required.  Saying that the A
# fallback was tried and found no address is allowed, nothing else.
NO_ROUTE_NOTES = {"NO_SRV_FALLBACK_A": ("info", None),
                  "SRV_TARGET_NO_ADDRESS": ("warning", None)}


class Rfc3263Demo(LookupTestCase):
    """rfc3263.test: NAPTR -> SRV -> A/AAAA, a cluster and a standby."""

    def check_group(self, doc, group, transport, source="naptr"):
        """Three targets of one SRV set: expe1/expe2 (either order), then
        the standby (priority 10)."""
        self.assertEqual(len(group), 3, self.ctx(doc))
        self.assertEqual({group[0]["host"], group[1]["host"]},
                         {"expe1.rfc3263.test", "expe2.rfc3263.test"},
                         self.ctx(doc))
        self.assertEqual(group[2]["host"], "standby.rfc3263.test",
                         self.ctx(doc))
        for t in group:
            self.assert_target(
                t, doc, port=PORT_OF[transport], transport=transport,
                secure=(transport == "tls"),
                priority=10 if t["host"].startswith("standby") else 1,
                weight=1, source=source,
                naptr=NAPTR_OF[transport] if source == "naptr" else None,
                srv=SRV_OF[transport], cname=None,
                addresses=EXPE[t["host"]], ttl=240)

    def test_naptr_srv_chain(self):
        doc = self.lookup("--seed", "1", R, expect_rc=0)
        self.assertEqual(doc["result"], "ok")
        q = doc["query"]
        self.assertEqual((q["input"], q["profile"], q["domain"], q["sips"],
                          q["port"]), (R, "sip", R, False, None), self.ctx(doc))
        self.assertEqual(set(q["transports"]), ALL_TRANSPORTS, self.ctx(doc))
        t = doc["targets"]
        self.assertEqual(len(t), 9, self.ctx(doc))
        # NAPTR order 10 (TLS), 12 (TCP), 14 (UDP)
        self.check_group(doc, t[0:3], "tls")
        self.check_group(doc, t[3:6], "tcp")
        self.check_group(doc, t[6:9], "udp")
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        # trace: NAPTR first, then the three SRV names, then the edges
        self.assertEqual((doc["trace"][0]["name"], doc["trace"][0]["type"]),
                         (R, "NAPTR"), self.ctx(doc))
        self.assert_trace(doc, R, "NAPTR", "answer", answers=3, ttl=3600)
        for srv in SRV_OF.values():
            self.assert_trace(doc, srv, "SRV", "answer", answers=3, ttl=86400)
        for host in EXPE:
            self.assert_trace(doc, host, "A", "answer", answers=1, ttl=240)
            self.assert_trace(doc, host, "AAAA", "answer", answers=1, ttl=280)
            self.assertGreater(self.trace_index(doc, host, "A"),
                               self.trace_index(doc, SRV_OF["tls"], "SRV"),
                               "an address is asked after the SRV naming it"
                               + self.ctx(doc))
        self.assertLess(self.trace_index(doc, SRV_OF["tls"], "SRV"),
                        self.trace_index(doc, SRV_OF["tcp"], "SRV"))
        self.assertLess(self.trace_index(doc, SRV_OF["tcp"], "SRV"),
                        self.trace_index(doc, SRV_OF["udp"], "SRV"))
        # NAPTR usable: no A fallback, no other names asked
        self.assert_no_question(doc, R, "A")
        self.assert_no_question(doc, R, "AAAA")
        names = {e["name"] for e in doc["trace"]}
        self.assertEqual(names, {R} | set(SRV_OF.values()) | set(EXPE),
                         self.ctx(doc))

    def test_sip_uri_with_user(self):
        doc = self.lookup("--seed", "2", "sip:alice@" + R, expect_rc=0)
        self.assertEqual(doc["query"]["domain"], R, self.ctx(doc))
        self.assertEqual(doc["query"]["profile"], "sip", self.ctx(doc))
        self.assertIs(doc["query"]["sips"], False)
        self.assertEqual([t["transport"] for t in doc["targets"]],
                         ["tls"] * 3 + ["tcp"] * 3 + ["udp"] * 3,
                         self.ctx(doc))

    def test_sips_uri_only_tls(self):
        doc = self.lookup("--seed", "3", "sips:" + R, expect_rc=0)
        self.assertIs(doc["query"]["sips"], True, self.ctx(doc))
        self.assertEqual(doc["query"]["domain"], R, self.ctx(doc))
        self.check_group(doc, doc["targets"], "tls")
        # only "record not usable (transport)" notes are allowed
        for f in doc["findings"]:
            self.assertEqual((f["id"], f["severity"]),
                             ("NAPTR_RECORD_IGNORED", "info"), self.ctx(doc))

    def test_transport_filter_tls_tcp(self):
        doc = self.lookup("--seed", "4", "--transport", "tls,tcp", R,
                          expect_rc=0)
        self.assertEqual(set(doc["query"]["transports"]), {"tls", "tcp"},
                         self.ctx(doc))
        self.check_group(doc, doc["targets"][0:3], "tls")
        self.check_group(doc, doc["targets"][3:6], "tcp")
        self.assertEqual(len(doc["targets"]), 6, self.ctx(doc))
        # the SIP+D2U record is filtered out and not followed
        self.assert_findings(doc, {"NAPTR_RECORD_IGNORED": ("info", 1)})
        self.assert_no_question(doc, SRV_OF["udp"])

    def test_transport_param_skips_naptr(self):
        # RFC 3263 4.1/4.2: a transport parameter means no NAPTR; SRV for
        # that transport only.
        doc = self.lookup("--seed", "5", "sip:%s;transport=tcp" % R,
                          expect_rc=0)
        self.assertEqual(doc["query"]["domain"], R, self.ctx(doc))
        self.check_group(doc, doc["targets"], "tcp", source="srv")
        self.assert_no_question(doc, R, "NAPTR")
        self.assertEqual([e["name"] for e in doc["trace"]
                          if e["type"] == "SRV"], [SRV_OF["tcp"]],
                         self.ctx(doc))
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_sips_transport_tcp_means_tls(self):
        doc = self.lookup("--seed", "6", "sips:%s;transport=tcp" % R,
                          expect_rc=0)
        self.check_group(doc, doc["targets"], "tls", source="srv")
        self.assert_no_question(doc, R, "NAPTR")

    def check_explicit_port(self, doc, port):
        self.assertEqual(doc["query"]["port"], port, self.ctx(doc))
        self.assertEqual(doc["query"]["domain"], R, self.ctx(doc))
        # an explicit port skips NAPTR and SRV: only A/AAAA of the domain
        self.assertEqual({(e["name"], e["type"]) for e in doc["trace"]},
                         {(R, "A"), (R, "AAAA")}, self.ctx(doc))
        self.assert_trace(doc, R, "A", "answer", answers=1, ttl=240)
        self.assert_trace(doc, R, "AAAA", "answer", answers=1, ttl=280)
        self.assertTrue(doc["targets"], self.ctx(doc))
        for t in doc["targets"]:
            self.assert_target(t, doc, host=R, port=port, source="a",
                               priority=None, weight=None, naptr=None,
                               srv=None, cname=None,
                               addresses=["127.0.1.30", "2001:db8:3263::30"],
                               ttl=240)
        # not a fallback: the port was asked for
        self.assertNotIn("NO_SRV_FALLBACK_A", self.finding_ids(doc),
                         self.ctx(doc))

    def test_explicit_port_sip(self):
        doc = self.lookup("sip:%s:5070" % R, expect_rc=0)
        self.check_explicit_port(doc, 5070)
        # RFC 3263 4.1: port but no transport -> UDP for a sip: URI
        self.assertEqual(doc["targets"][0]["transport"], "udp", self.ctx(doc))

    def test_explicit_port_sips(self):
        doc = self.lookup("sips:%s:5071" % R, expect_rc=0)
        self.check_explicit_port(doc, 5071)
        self.assertEqual({t["transport"] for t in doc["targets"]}, {"tls"},
                         self.ctx(doc))

    def test_explicit_port_and_transport(self):
        doc = self.lookup("sip:%s:5070;transport=tcp" % R, expect_rc=0)
        self.check_explicit_port(doc, 5070)
        self.assertEqual(self.summary(doc), [(R, 5070, "tcp")], self.ctx(doc))


class Literals(LookupTestCase):
    """A numeric IP in the URI skips all lookups."""

    def test_ipv4_literal(self):
        doc = self.lookup("sip:127.0.1.10", expect_rc=0)
        self.assertEqual(doc["trace"], [], self.ctx(doc))
        self.assertTrue(doc["targets"], self.ctx(doc))
        for t in doc["targets"]:
            self.assert_target(t, doc, host="127.0.1.10",
                               port=5061 if t["transport"] == "tls" else 5060,
                               source="literal", priority=None, weight=None,
                               naptr=None, srv=None, cname=None,
                               addresses=["127.0.1.10"])
        # RFC 3263 4.1: numeric IP, no transport -> UDP for sip:
        self.assertEqual(self.summary(doc)[0], ("127.0.1.10", 5060, "udp"),
                         self.ctx(doc))

    def test_ipv6_literal_sips_port(self):
        doc = self.lookup("sips:[2001:db8::10]:5071", expect_rc=0)
        self.assertEqual(doc["trace"], [], self.ctx(doc))
        self.assertEqual(doc["query"]["port"], 5071, self.ctx(doc))
        self.assertTrue(doc["targets"], self.ctx(doc))
        for t in doc["targets"]:
            self.assertIn(t["host"], ("2001:db8::10", "[2001:db8::10]"),
                          self.ctx(doc))
            self.assert_target(t, doc, port=5071, transport="tls",
                               secure=True, source="literal",
                               addresses=["2001:db8::10"])

    def test_literal_port_transport(self):
        doc = self.lookup("sip:127.0.1.10:5070;transport=tcp", expect_rc=0)
        self.assertEqual(doc["trace"], [], self.ctx(doc))
        self.assertEqual(self.summary(doc), [("127.0.1.10", 5070, "tcp")],
                         self.ctx(doc))

    def test_literal_transport_filter(self):
        doc = self.lookup("--transport", "tls", "sip:127.0.1.10", expect_rc=0)
        self.assertEqual(self.summary(doc), [("127.0.1.10", 5061, "tls")],
                         self.ctx(doc))


class MicrosoftFederation(LookupTestCase):
    """_sipfederationtls._tcp: lync.test, aol.test, enterprise.test."""

    def test_lync_ms_fed(self):
        doc = self.lookup("--profile", "ms-fed", "--seed", "1", "lync.test",
                          expect_rc=0)
        self.assertEqual(doc["query"]["profile"], "ms-fed", self.ctx(doc))
        self.assertEqual({t["host"] for t in doc["targets"]},
                         {"sip.lync.test", "sip2.lync.test"}, self.ctx(doc))
        self.assertEqual(len(doc["targets"]), 2, self.ctx(doc))
        addrs = {"sip.lync.test": ["127.0.1.21", "2001:db8:1::21"],
                 "sip2.lync.test": ["127.0.1.22", "2001:db8:1::22"]}
        for t in doc["targets"]:
            self.assert_target(t, doc, port=5061, transport="tls",
                               secure=True, priority=0, weight=50,
                               source="srv", naptr=None,
                               srv="_sipfederationtls._tcp.lync.test",
                               cname=None, addresses=addrs[t["host"]],
                               ttl=240)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        self.assert_trace(doc, "_sipfederationtls._tcp.lync.test", "SRV",
                          "answer", answers=2, ttl=1800)
        self.assert_no_question(doc, "_sip._tls.lync.test")

    def test_lync_sip_profile_has_nothing(self):
        # _sip._tls is not an RFC 3263 name; lync.test has no NAPTR, no
        # RFC 3263 SRV and no address.
        doc = self.lookup("sip:lync.test", expect_rc=2)
        self.assertEqual(doc["result"], "nodata", self.ctx(doc))
        self.assertEqual(doc["targets"], [])
        # ... but the tester points at the likely mistake.
        self.assert_findings(doc, {"NO_RECORDS": ("error", None),
                                   "LEGACY_SRV_LABEL": ("warning", 1)},
                             NO_ROUTE_NOTES)
        self.assert_trace(doc, "lync.test", "NAPTR", "nodata", answers=0,
                          ttl=900)
        self.assert_trace(doc, "_sips._tcp.lync.test", "SRV", "nxdomain",
                          answers=0, ttl=900)
        self.assert_no_question(doc, "_sip._tls.lync.test")

    def test_aol_ms_fed(self):
        doc = self.lookup("--profile", "ms-fed", "aol.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.oscar.aol.test", 5061, "tls")], self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, priority=0, weight=0,
                           source="srv", srv="_sipfederationtls._tcp.aol.test",
                           addresses=["127.0.1.41"], ttl=300, cname=None)
        self.assert_trace(doc, "sip.oscar.aol.test", "A", "answer",
                          answers=1, ttl=300)

    def test_aol_sip_profile_nodata(self):
        doc = self.lookup("aol.test", expect_rc=2)
        self.assertEqual(doc["result"], "nodata", self.ctx(doc))
        self.assert_findings(doc, {"NO_RECORDS": ("error", None)},
                             NO_ROUTE_NOTES)
        self.assert_trace(doc, "aol.test", "NAPTR", "nodata", ttl=1500)
        self.assert_trace(doc, "aol.test", "A", "nodata", ttl=1500)

    def test_enterprise_ms_fed(self):
        doc = self.lookup("--profile", "ms-fed", "enterprise.test",
                          expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("edge.enterprise.test", 5061, "tls")],
                         self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, source="srv",
                           srv="_sipfederationtls._tcp.enterprise.test",
                           priority=0, weight=100,
                           addresses=["127.0.1.10", "2001:db8:e::10"])

    def test_enterprise_sip_naptr(self):
        doc = self.lookup("sip:enterprise.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("edge.enterprise.test", 5061, "tls")],
                         self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, source="naptr",
                           naptr=(10, 100, "s", "SIPS+D2T"),
                           srv="_sips._tcp.enterprise.test", priority=0,
                           weight=100, ttl=300)
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_msfed_case_profiles_apart(self):
        doc = self.lookup("--profile", "ms-fed", "msfed.cases.test",
                          expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("fed.msfed.cases.test", 5061, "tls")],
                         self.ctx(doc))
        doc = self.lookup("msfed.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.msfed.cases.test", 5061, "tls")],
                         self.ctx(doc))
        self.assert_no_question(doc, "_sipfederationtls._tcp.msfed.cases.test")

    def test_ms_fed_is_tls_only(self):
        doc = self.lookup("--profile", "ms-fed", "--transport", "tls,tcp",
                          "lync.test", expect_rc=0)
        self.assertEqual({t["transport"] for t in doc["targets"]}, {"tls"},
                         self.ctx(doc))


class SrvCases(LookupTestCase):
    """cases.test: broken and edge SRV data."""

    def test_cname_target(self):
        doc = self.lookup("cname.cases.test", expect_rc=1)
        self.assertEqual(self.summary(doc),
                         [("alias.cname.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        # TTLs along the chain: SRV 300, CNAME 60, A/AAAA 120 -> 60
        self.assert_target(doc["targets"][0], doc, cname="real.cname.cases.test",
                           source="srv", srv="_sip._tcp.cname.cases.test",
                           priority=10, weight=10,
                           addresses=["127.0.2.11", "2001:db8:2::11"], ttl=60)
        self.assert_findings(doc, {"SRV_TARGET_CNAME": ("warning", None)})
        self.assert_trace(doc, "alias.cname.cases.test", "A", "answer",
                          answers=1)
        self.assert_trace(doc, "_sip._tcp.cname.cases.test", "SRV", "answer",
                          answers=1, ttl=300)
        self.assert_trace(doc, "cname.cases.test", "NAPTR", "nodata",
                          answers=0, ttl=420)
        self.assert_trace(doc, "_sips._tcp.cname.cases.test", "SRV",
                          "nxdomain", answers=0, ttl=420)

    def test_all_dot_unavailable(self):
        doc = self.lookup("dot.cases.test", expect_rc=2)
        self.assertEqual(doc["result"], "unavailable", self.ctx(doc))
        self.assertEqual(doc["targets"], [], self.ctx(doc))
        self.assertIn("SERVICE_UNAVAILABLE", self.finding_ids(doc),
                      self.ctx(doc))
        self.assertNotIn("NO_SRV_FALLBACK_A", self.finding_ids(doc))
        for f in doc["findings"]:
            self.assertIn(f["id"], {"SERVICE_UNAVAILABLE", "NO_RECORDS"},
                          self.ctx(doc))
        for srv in ("_sips._tcp", "_sip._tcp", "_sip._udp"):
            self.assert_trace(doc, srv + ".dot.cases.test", "SRV", "answer",
                              answers=1, ttl=300)
        # "." forbids the A fallback, though the domain has an address
        self.assert_no_question(doc, "dot.cases.test", "A")
        self.assert_no_question(doc, "dot.cases.test", "AAAA")

    def test_dot_mixed(self):
        doc = self.lookup("dotmix.cases.test", expect_rc=1)
        self.assertEqual(self.summary(doc),
                         [("edge.dotmix.cases.test", 5061, "tls")],
                         self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, priority=10, weight=10,
                           source="srv", srv="_sips._tcp.dotmix.cases.test",
                           addresses=["127.0.2.21"], ttl=120)
        self.assert_findings(doc, {"SRV_DOT_MIXED": ("warning", None)})
        self.assert_trace(doc, "_sips._tcp.dotmix.cases.test", "SRV",
                          "answer", answers=2)

    def test_target_without_address(self):
        doc = self.lookup("noaddr.cases.test", expect_rc=1)
        self.assertEqual(self.summary(doc),
                         [("good.noaddr.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, priority=20, weight=10,
                           addresses=["127.0.2.31"], ttl=120)
        self.assert_findings(doc, {"SRV_TARGET_NO_ADDRESS": ("warning", None)})
        self.assert_trace(doc, "ghost.noaddr.cases.test", "A", "nxdomain",
                          ttl=420)
        self.assert_trace(doc, "txtonly.noaddr.cases.test", "A", "nodata",
                          ttl=420)
        self.assert_trace(doc, "txtonly.noaddr.cases.test", "AAAA", "nodata",
                          ttl=420)

    def test_nodata(self):
        doc = self.lookup("nodata.cases.test", expect_rc=2)
        self.assertEqual(doc["result"], "nodata", self.ctx(doc))
        self.assertEqual(doc["targets"], [])
        self.assert_findings(doc, {"NO_RECORDS": ("error", None)},
                             NO_ROUTE_NOTES)
        self.assertEqual(doc["trace"][0]["type"], "NAPTR", self.ctx(doc))
        self.assert_trace(doc, "nodata.cases.test", "NAPTR", "nodata",
                          rcode="NOERROR", answers=0, ttl=420)
        for srv in ("_sips._tcp", "_sip._tcp", "_sip._udp"):
            self.assert_trace(doc, srv + ".nodata.cases.test", "SRV",
                              "nxdomain", answers=0, ttl=420)
        self.assert_trace(doc, "nodata.cases.test", "A", "nodata", ttl=420)
        self.assert_trace(doc, "nodata.cases.test", "AAAA", "nodata", ttl=420)

    def test_nxdomain(self):
        doc = self.lookup("nx.cases.test", expect_rc=2)
        self.assertEqual(doc["result"], "nxdomain", self.ctx(doc))
        self.assertEqual(doc["targets"], [])
        self.assert_findings(doc, {"DOMAIN_NXDOMAIN": ("error", None)})
        first = doc["trace"][0]
        self.assertEqual((first["name"], first["type"], first["status"],
                          first["rcode"], first["answers"]),
                         ("nx.cases.test", "NAPTR", "nxdomain", "NXDOMAIN", 0),
                         self.ctx(doc))
        self.assert_ttl(first["ttl"], 420, doc)

    def test_nxdomain_without_naptr(self):
        # An explicit port or transport skips NAPTR; the domain's own A/AAAA
        # answer NXDOMAIN, so the domain does not exist.
        for target in ("sip:nx.cases.test:5070",
                       "sip:nx.cases.test;transport=tcp"):
            with self.subTest(target=target):
                doc = self.lookup(target, expect_rc=2)
                self.assert_trace(doc, "nx.cases.test", "A", "nxdomain",
                                  ttl=420)
                self.assertEqual(doc["result"], "nxdomain", self.ctx(doc))
                self.assertIn("DOMAIN_NXDOMAIN", self.finding_ids(doc),
                              self.ctx(doc))
                self.assertNotIn("NO_RECORDS", self.finding_ids(doc),
                                 self.ctx(doc))

    def test_nxdomain_other_zone_negative_ttl(self):
        doc = self.lookup("nx.rfc3263.test", expect_rc=2)
        self.assertEqual(doc["result"], "nxdomain", self.ctx(doc))
        self.assert_trace(doc, "nx.rfc3263.test", "NAPTR", "nxdomain",
                          ttl=1200)

    def test_priorities(self):
        for seed in range(5):
            doc = self.lookup("--seed", str(seed), "prio.cases.test",
                              expect_rc=0)
            self.assertEqual([t["host"] for t in doc["targets"]],
                             ["p5.prio.cases.test", "p10.prio.cases.test",
                              "p20.prio.cases.test"], self.ctx(doc))
            self.assertEqual([t["priority"] for t in doc["targets"]],
                             [5, 10, 20], self.ctx(doc))

    def test_addresses_sorted_lower_case(self):
        doc = self.lookup("multi.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("pool.multi.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, addresses=[
            "127.0.2.131", "127.0.2.132", "127.0.2.133",
            "2001:db8:2::a", "2001:db8:2::b"])
        self.assert_trace(doc, "pool.multi.cases.test", "A", "answer",
                          answers=3, ttl=120)
        self.assert_trace(doc, "pool.multi.cases.test", "AAAA", "answer",
                          answers=2, ttl=120)

    def test_truncated_rrset_comes_whole_over_tcp(self):
        # The fixture itself: over UDP with a 1232-byte EDNS buffer NSD
        # must answer with TC set (else this test proves nothing).
        r = nsdharness.udp_query("127.0.0.1", lookupcheck.SHARED_NSD.port,
                                 "_sips._tcp.big.cases.test",
                                 nsdharness.TYPE_SRV, timeout=2, edns=1232)
        self.assertIsNotNone(r, "NSD did not answer over UDP")
        rcode, flags, ancount = r
        self.assertTrue(flags & 0x0200, "UDP answer not truncated (TC)")
        self.assertLess(ancount, 40)
        # The resolver fetched it whole over TCP; the tester says that a
        # resolver had to (DNS_TRUNCATED_UDP, a warning: exit 1).
        doc = self.lookup("sips:big.cases.test", expect_rc=1)
        want = [("edge-server-with-a-deliberately-long-host-name-%02d"
                 ".big.cases.test" % i, 5061, "tls") for i in range(1, 41)]
        self.assertEqual(self.summary(doc), want, self.ctx(doc))
        for i, t in enumerate(doc["targets"], 1):
            self.assert_target(t, doc, priority=i, weight=10,
                               srv="_sips._tcp.big.cases.test",
                               addresses=["127.0.3.%d" % i], ttl=120)
        self.assert_trace(doc, "_sips._tcp.big.cases.test", "SRV", "answer",
                          answers=40, ttl=300)
        self.assert_findings(doc, {"DNS_TRUNCATED_UDP": ("warning", 1)})

    def test_a_fallback(self):
        doc = self.lookup("afb.cases.test", expect_rc=0)
        self.assertTrue(doc["targets"], self.ctx(doc))
        for t in doc["targets"]:
            self.assert_target(t, doc, host="afb.cases.test",
                               port=5061 if t["transport"] == "tls" else 5060,
                               source="a", priority=None, weight=None,
                               naptr=None, srv=None, cname=None,
                               addresses=["127.0.2.91", "2001:db8:2::91"],
                               ttl=120)
        # RFC 3263 4.1: no NAPTR, no SRV -> UDP for a sip: target
        self.assertIn("udp", {t["transport"] for t in doc["targets"]},
                      self.ctx(doc))
        self.assert_findings(doc, {"NO_SRV_FALLBACK_A": ("info", 1)})
        self.assert_trace(doc, "afb.cases.test", "NAPTR", "nodata", ttl=420)
        for srv in ("_sips._tcp", "_sip._tcp", "_sip._udp"):
            self.assert_trace(doc, srv + ".afb.cases.test", "SRV", "nxdomain",
                              ttl=420)
        self.assert_trace(doc, "afb.cases.test", "A", "answer", answers=1,
                          ttl=120)
        self.assert_trace(doc, "afb.cases.test", "AAAA", "answer", answers=1,
                          ttl=120)
        self.assertGreater(self.trace_index(doc, "afb.cases.test", "A"),
                           self.trace_index(doc, "_sip._udp.afb.cases.test",
                                            "SRV"), self.ctx(doc))

    def test_a_fallback_transport_filter(self):
        doc = self.lookup("--transport", "tls,tcp", "afb.cases.test",
                          expect_rc=0)
        tr = {t["transport"] for t in doc["targets"]}
        self.assertTrue(tr and tr <= {"tls", "tcp"}, self.ctx(doc))
        for t in doc["targets"]:
            self.assertEqual(t["port"], 5061 if t["transport"] == "tls"
                             else 5060, self.ctx(doc))
        self.assertIn("NO_SRV_FALLBACK_A", self.finding_ids(doc))

    def test_a_fallback_sips(self):
        doc = self.lookup("sips:afb.cases.test", expect_rc=0)
        self.assertEqual({(t["port"], t["transport"]) for t in doc["targets"]},
                         {(5061, "tls")}, self.ctx(doc))

    def test_servfail_on_one_target_is_a_warning(self):
        doc = self.lookup("sfmix.cases.test", expect_rc=1)
        self.assertEqual(self.summary(doc),
                         [("good.sfmix.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        self.assertIn("DNS_SERVFAIL", self.finding_ids(doc), self.ctx(doc))
        for f in doc["findings"]:
            self.assertIn(f["id"], {"DNS_SERVFAIL", "SRV_TARGET_NO_ADDRESS"},
                          self.ctx(doc))
            self.assertEqual(f["severity"], "warning", self.ctx(doc))
        self.assert_trace(doc, "host.elsewhere.example", "A", "servfail",
                          rcode={"SERVFAIL", "REFUSED"})


class NaptrCases(LookupTestCase):

    def test_none_usable_probes_srv(self):
        doc = self.lookup("naptrbad.cases.test", expect_rc=1)
        self.assertEqual(self.summary(doc),
                         [("sip.naptrbad.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        self.assert_target(doc["targets"][0], doc, source="srv", naptr=None,
                           srv="_sip._tcp.naptrbad.cases.test",
                           priority=10, weight=10, addresses=["127.0.2.61"])
        self.assert_findings(doc, {"NAPTR_NONE_USABLE": ("warning", 1),
                                   "NAPTR_RECORD_IGNORED": ("info", 4)})
        self.assert_trace(doc, "naptrbad.cases.test", "NAPTR", "answer",
                          answers=4, ttl=300)
        for srv in ("_sips._tcp", "_sip._tcp", "_sip._udp"):
            self.assertTrue(self.traces(doc, srv + ".naptrbad.cases.test",
                                        "SRV"), self.ctx(doc))
        # the unknown service is not followed
        self.assert_no_question(doc, "_foo._tcp.naptrbad.cases.test")
        self.assert_no_question(doc, "trap.naptrbad.cases.test")

    def test_flag_a(self):
        doc = self.lookup("naptra.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("gw.naptra.cases.test", 5061, "tls"),
                          ("gw.naptra.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        addrs = ["127.0.2.71", "2001:db8:2::71"]
        self.assert_target(doc["targets"][0], doc, source="naptr",
                           naptr=(10, 10, "a", "SIPS+D2T"), srv=None,
                           priority=None, weight=None, secure=True,
                           addresses=addrs, ttl=120)
        self.assert_target(doc["targets"][1], doc, source="naptr",
                           naptr=(20, 10, "a", "SIP+D2T"), srv=None,
                           priority=None, weight=None, secure=False,
                           addresses=addrs, ttl=120)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        # usable NAPTR: no SRV question at all
        self.assertEqual([e for e in doc["trace"] if e["type"] == "SRV"], [],
                         self.ctx(doc))
        self.assert_no_question(doc, "trap.naptra.cases.test")

    def test_case_insensitive_flags_and_services(self):
        doc = self.lookup("naptrcase.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.naptrcase.cases.test", 5061, "tls"),
                          ("sip.naptrcase.cases.test", 5060, "tcp"),
                          ("sip.naptrcase.cases.test", 5060, "udp")],
                         self.ctx(doc))
        want = [(10, 10, "s", "SIPS+D2T"), (20, 10, "s", "SIP+D2T"),
                (30, 10, "s", "SIP+D2U")]
        for t, n in zip(doc["targets"], want):
            self.assert_target(t, doc, source="naptr", naptr=n)
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_order_then_preference(self):
        doc = self.lookup("naptrorder.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("udp.naptrorder.cases.test", 5060, "udp"),
                          ("tcp.naptrorder.cases.test", 5060, "tcp"),
                          ("tls.naptrorder.cases.test", 5061, "tls")],
                         self.ctx(doc))
        want = [(20, 40, "s", "SIP+D2U"), (20, 90, "s", "SIP+D2T"),
                (30, 10, "s", "SIPS+D2T")]
        for t, n in zip(doc["targets"], want):
            self.assert_target(t, doc, source="naptr", naptr=n)

    def test_sctp(self):
        doc = self.lookup("sctp.cases.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.sctp.cases.test", 5061, "sctp"),
                          ("sip.sctp.cases.test", 5060, "sctp"),
                          ("sip.sctp.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        t = doc["targets"]
        self.assert_target(t[0], doc, secure=True,
                           naptr=(10, 10, "s", "SIPS+D2S"),
                           srv="_sips._sctp.sctp.cases.test")
        self.assert_target(t[1], doc, secure=False,
                           naptr=(20, 10, "s", "SIP+D2S"),
                           srv="_sip._sctp.sctp.cases.test")

    def test_sctp_transport_filters(self):
        doc = self.lookup("--transport", "sctp-tls", "sctp.cases.test",
                          expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.sctp.cases.test", 5061, "sctp")],
                         self.ctx(doc))
        self.assertIs(doc["targets"][0]["secure"], True)
        doc = self.lookup("--transport", "tcp", "sctp.cases.test",
                          expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.sctp.cases.test", 5060, "tcp")],
                         self.ctx(doc))
        self.assert_findings(doc, {"NAPTR_RECORD_IGNORED": ("info", 2)})


class Usage(LookupTestCase):
    """Exit status 64 with a reason on stderr."""

    def test_usage_errors(self):
        r = self.resolver
        cases = [
            ["lookup", "--no-such-option", "lync.test"],
            ["lookup", "--json", "--resolver", r],                 # no TARGET
            ["lookup", "--json", "--resolver", r, "sip:"],
            ["lookup", "--json", "--resolver", r, "sip:lync.test:70000"],
            ["lookup", "--json", "--resolver", r, "sip:lync.test:port"],
            ["lookup", "--json", "--resolver", r, "sip:[2001:db8::1"],
            ["lookup", "--json", "--resolver", r, "sip:bad..name.test"],
            ["lookup", "--json", "--profile", "smtp", "lync.test"],
            ["lookup", "--json", "--transport", "tls,carrier-pigeon",
             "lync.test"],
            ["lookup", "--json", "--timeout", "soon", "lync.test"],
            ["lookup", "--json", "--seed", "x", "lync.test"],
            ["lookup", "--json", "--zone", "/nonexistent/dir/no.test.zone",
             "no.test"],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.usage_error(*args)


if __name__ == "__main__":
    unittest.main(verbosity=2)
