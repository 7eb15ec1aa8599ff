#!/usr/bin/env python3
"""Integration tests: `fedroute lookup --zone FILE` answers from a local
zone file, with no --resolver and no DNS server running at all.

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_zonefile.py
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
from lookupcheck import LookupTestCase  # noqa: E402

# Everything is answered from the file: no network wait anywhere.
WALL_LIMIT = 5.0


def setUpModule():
    fr = nsdharness.fedroute_path()
    if not os.access(fr, os.X_OK):
        raise RuntimeError("fedroute not found: %s (set FEDROUTE)" % fr)


def zone(sub, origin):
    return os.path.join(nsdharness.zones_dir(), sub, origin + ".zone")


class ZoneFile(LookupTestCase):

    def zlookup(self, *args, **kw):
        doc = self.lookup(*args, resolver=None, **kw)
        self.assertLess(doc["_seconds"], WALL_LIMIT, doc["_ctx"])
        return doc

    def test_ms_fed_from_zone(self):
        doc = self.zlookup("--zone", zone("demo", "lync.test"),
                           "--profile", "ms-fed", "lync.test", expect_rc=0)
        self.assertEqual({t["host"] for t in doc["targets"]},
                         {"sip.lync.test", "sip2.lync.test"}, doc["_ctx"])
        addrs = {"sip.lync.test": ["127.0.1.21", "2001:db8:1::21"],
                 "sip2.lync.test": ["127.0.1.22", "2001:db8:1::22"]}
        for t in doc["targets"]:
            self.assert_target(t, doc, port=5061, transport="tls",
                               priority=0, weight=50, source="zone",
                               srv="_sipfederationtls._tcp.lync.test",
                               addresses=addrs[t["host"]], ttl=240)
        self.assert_trace(doc, "_sipfederationtls._tcp.lync.test", "SRV",
                          "answer", answers=2, ttl=1800)

    def test_rfc3263_from_zone(self):
        doc = self.zlookup("--zone", zone("demo", "rfc3263.test"),
                           "--seed", "3", "rfc3263.test", expect_rc=0)
        self.assertEqual([t["transport"] for t in doc["targets"]],
                         ["tls"] * 3 + ["tcp"] * 3 + ["udp"] * 3, doc["_ctx"])
        for t in doc["targets"]:
            self.assertEqual(t["source"], "zone", doc["_ctx"])
        self.assertEqual([t["host"] for t in doc["targets"]][2::3],
                         ["standby.rfc3263.test"] * 3, doc["_ctx"])
        self.assert_trace(doc, "rfc3263.test", "NAPTR", "answer", answers=3,
                          ttl=3600)

    def test_nxdomain_from_zone(self):
        doc = self.zlookup("--zone", zone("test", "cases.test"),
                           "nx.cases.test", expect_rc=2)
        self.assertEqual(doc["result"], "nxdomain", doc["_ctx"])
        self.assert_trace(doc, "nx.cases.test", "NAPTR", "nxdomain", ttl=420)

    def test_two_zone_files(self):
        doc = self.zlookup("--zone", zone("demo", "aol.test"),
                           "--zone", zone("demo", "xmpp.test"),
                           "xmpp:xmpp.test", expect_rc=0)
        self.assertEqual([(t["host"], t["port"]) for t in doc["targets"]],
                         [("xmpp1.xmpp.test", 5270), ("xmpp1.xmpp.test", 5269),
                          ("xmpp2.xmpp.test", 5270), ("xmpp2.xmpp.test", 5269)],
                         doc["_ctx"])
        doc = self.zlookup("--zone", zone("demo", "aol.test"),
                           "--zone", zone("demo", "xmpp.test"),
                           "--profile", "ms-fed", "aol.test", expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.oscar.aol.test", 5061, "tls")], doc["_ctx"])
        self.assertEqual(doc["targets"][0]["source"], "zone")

    def test_unreadable_zone_is_usage_error(self):
        self.usage_error("lookup", "--json", "--zone",
                         zone("demo", "no-such-zone.test"), "lync.test")


if __name__ == "__main__":
    unittest.main(verbosity=2)
