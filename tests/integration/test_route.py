#!/usr/bin/env python3
"""Integration tests: `fedroute route` decides where a request for a
foreign domain goes, with the daemon's own routing code and a real NSD
serving zones/test/route.test.zone: the allow list (domain: sections,
policy), override routes before DNS, the DNS plan limited to the
domain's transports, ms-fed after sip, fallback routes when DNS finds
nothing, and no route with the reason -- in text and in JSON, with the
exit status a script can test.

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_route.py
"""

import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402

NSD = None
TMP = None

CONF = """\
server:
	public-address: 198.51.100.10
resolver:
	forwarder: {resolver}
	timeout: 2s
node:
	name: publisher
	address: 127.0.0.2:5062
node:
	name: subscriber
	address: 127.0.0.3:5062
	public-port: 65061
listener:
	name: pat-publisher
	address: 127.0.0.1:{pat}
	protocol: sip
	target: node publisher
listener:
	name: nodes
	address: 127.0.0.1:{fed}
	protocol: sip
	target: federation
	allow-from: 10.10.1.0/24
federation:
	policy: {policy}
domain:
	name: partner.route.test
domain:
	name: both.route.test
	transport: tls, tcp
domain:
	name: tcponly.route.test
domain:
	name: tcpok.route.test
	transport: tcp
domain:
	name: msonly.route.test
	profile: sip, ms-fed
domain:
	name: chat.route.test
	profile: xmpp-s2s
domain:
	name: *.static.route.test
domain:
	name: gone.route.test
domain:
	name: fallback.route.test
domain:
	name: partner-override.route.test
route:
	domain: *.static.route.test
	next-hop: hop.route.test:5061
	mode: override
route:
	domain: partner-override.route.test
	next-hop: 127.0.6.99:5071
	priority: 20
	mode: override
route:
	domain: partner-override.route.test
	next-hop: 127.0.6.98:5061
	priority: 5
	mode: override
route:
	domain: fallback.route.test
	next-hop: 127.0.6.77:5061
	mode: fallback
route:
	domain: gone.route.test
	next-hop: nothere.route.test:5061
	mode: fallback
"""


def setUpModule():
    global NSD, TMP
    NSD = nsdharness.NsdServer(
        [os.path.join(nsdharness.zones_dir(), "test", "route.test.zone")])
    NSD.start()
    TMP = tempfile.mkdtemp(prefix="fedroute-route-")


def tearDownModule():
    try:
        if NSD is not None:
            NSD.stop()
    finally:
        if TMP is not None:
            shutil.rmtree(TMP, ignore_errors=True)


def write_conf(policy="allow-list", extra=""):
    path = os.path.join(TMP, "fedrouted-%s.conf" % policy)
    with open(path, "w") as f:
        f.write(CONF.format(resolver=NSD.resolver, policy=policy,
                            pat=nsdharness.free_port(),
                            fed=nsdharness.free_port()) + extra)
    return path


def route(conf, target, *more):
    return nsdharness.run_fedroute(["route", "-c", conf, "--json"] +
                                   list(more) + [target])


class Decisions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conf = write_conf()

    def decide(self, target, *more, exit_code=0):
        rc, doc, err = route(self.conf, target, *more)
        self.assertEqual(rc, exit_code, "%s: exit %d\n%s" % (target, rc, err))
        self.assertEqual(doc["version"], 1)
        return doc

    def hosts(self, doc):
        return [(t["host"], t["port"], t["transport"]) for t in doc["targets"]]

    def test_dns_tls_only_by_default(self):
        doc = self.decide("sip:alice@partner.route.test")
        self.assertEqual(doc["domain"], "partner.route.test")
        self.assertTrue(doc["allowed"])
        self.assertEqual(doc["allowed_by"]["domain"], "partner.route.test")
        self.assertEqual(doc["decision"], "dns")
        self.assertEqual(doc["dns"]["profile"], "sip")
        # RFC 2782: priority 10 before 20; the TCP NAPTR is not a route
        # for a domain whose transport: is tls (the default).
        self.assertEqual(self.hosts(doc), [
            ("edge1.partner.route.test", 5061, "tls"),
            ("edge2.partner.route.test", 5061, "tls")])
        self.assertEqual(doc["targets"][0]["addresses"], ["127.0.6.11"])
        self.assertEqual(sorted(doc["targets"][1]["addresses"]),
                         ["127.0.6.12", "2001:db8:6::12"])
        self.assertIsNone(doc["targets"][0]["route_line"])

    def test_transport_tcp_only_when_listed(self):
        # SIP over TCP only, for a domain whose transport: is tls.
        doc = self.decide("sip:tcponly.route.test", exit_code=2)
        self.assertEqual(doc["decision"], "none")
        self.assertIn("no route to tcponly.route.test", doc["reason"])
        self.assertEqual(doc["targets"], [])
        # The same server for a domain that lists tcp.
        doc = self.decide("sip:tcpok.route.test")
        self.assertEqual(self.hosts(doc),
                         [("sip.tcponly.route.test", 5060, "tcp")])
        # tls, tcp: TLS first (NAPTR order), then TCP.
        doc = self.decide("sip:both.route.test")
        self.assertEqual(self.hosts(doc), [
            ("edge1.partner.route.test", 5061, "tls"),
            ("edge2.partner.route.test", 5061, "tls"),
            ("edge1.partner.route.test", 5060, "tcp")])

    def test_msfed_after_sip(self):
        doc = self.decide("sip:bob@msonly.route.test")
        self.assertEqual(doc["decision"], "dns")
        self.assertEqual(doc["dns"]["profile"], "ms-fed")
        self.assertEqual(self.hosts(doc),
                         [("sip.msonly.route.test", 5061, "tls")])
        self.assertIn("sip", doc["reason"])

    def test_override_wins_over_dns(self):
        doc = self.decide("sip:partner-override.route.test")
        self.assertEqual(doc["decision"], "override")
        self.assertIsNone(doc["dns"])
        # By priority: 5 before 20, whatever the file's order.
        self.assertEqual(self.hosts(doc), [("127.0.6.98", 5061, "tls"),
                                           ("127.0.6.99", 5071, "tls")])
        self.assertIsNotNone(doc["targets"][0]["route_line"])

    def test_override_next_hop_by_name(self):
        doc = self.decide("sip:a.static.route.test")
        self.assertEqual(doc["decision"], "override")
        self.assertEqual(self.hosts(doc), [("hop.route.test", 5061, "tls")])
        self.assertEqual(sorted(doc["targets"][0]["addresses"]),
                         ["127.0.6.91", "2001:db8:6::91"])
        self.assertEqual(doc["allowed_by"]["domain"], "*.static.route.test")

    def test_fallback_when_dns_finds_nothing(self):
        doc = self.decide("sip:fallback.route.test")
        self.assertEqual(doc["decision"], "fallback")
        self.assertEqual(doc["dns"]["result"], "nxdomain")
        self.assertIn("nxdomain", doc["reason"])
        self.assertEqual(self.hosts(doc), [("127.0.6.77", 5061, "tls")])

    def test_no_route_names_the_reason(self):
        doc = self.decide("sip:gone.route.test", exit_code=2)
        self.assertEqual(doc["decision"], "none")
        self.assertIn("no route to gone.route.test: nxdomain", doc["reason"])
        # The fallback route's next hop does not resolve either.
        self.assertIn("nothere.route.test has no address", doc["reason"])

    def test_not_in_allow_list(self):
        doc = self.decide("sip:partner.example.test", exit_code=2)
        self.assertFalse(doc["allowed"])
        self.assertEqual(doc["decision"], "refused")
        self.assertIn("not in the allow list", doc["reason"])
        self.assertEqual(doc["targets"], [])
        # The wildcard covers subdomains only, never its own apex.
        doc = self.decide("sip:static.route.test", exit_code=2)
        self.assertEqual(doc["decision"], "refused")

    def test_profile_not_allowed(self):
        doc = self.decide("sip:chat.route.test", exit_code=2)
        self.assertEqual(doc["decision"], "refused")
        self.assertIn("does not federate by sip", doc["reason"])
        doc = self.decide("xmpp:msonly.route.test", exit_code=2)
        self.assertEqual(doc["decision"], "refused")
        self.assertIn("does not federate by xmpp-s2s", doc["reason"])

    def test_xmpp(self):
        doc = self.decide("xmpp:juliet@chat.route.test")
        self.assertEqual(doc["service"], "xmpp")
        self.assertEqual(doc["decision"], "dns")
        self.assertEqual(doc["dns"]["profile"], "xmpp-s2s")
        self.assertEqual(self.hosts(doc),
                         [("xmpp.chat.route.test", 5269, "tcp")])

    def test_from_node_public_entry(self):
        doc = self.decide("sip:partner.route.test", "--from", "subscriber")
        rewrite = doc["from"].pop("rewrite")
        self.assertEqual(doc["from"], {"node": "subscriber",
                                       "public_address": "198.51.100.10",
                                       "public_port": 65061})
        # What the proxy writes, in its own formats: the public entry
        # outside, the node's address only in alias=, the internal
        # entry for the node.
        self.assertEqual(rewrite["record_route"],
                         "<sip:198.51.100.10:65061;transport=tls;lr;x-fr>")
        self.assertEqual(rewrite["contact"],
                         "<sip:USER@198.51.100.10:65061;transport=tls;"
                         "alias=127.0.0.3~5062~2>")
        self.assertTrue(rewrite["via"].startswith(
            "SIP/2.0/TLS 198.51.100.10:65061;branch=z9hG4bK"))
        self.assertRegex(rewrite["record_route_to_node"],
                         r"^<sip:127\.0\.0\.1:\d+;transport=tcp;lr;x-fr>$")
        doc = self.decide("sip:partner.route.test", "--from", "publisher")
        # No public-port: the port of the sip listener aimed at it alone.
        self.assertEqual(doc["from"]["public_port"],
                         int(self.conf_port("pat-publisher")))

    def conf_port(self, name):
        with open(self.conf) as f:
            lines = f.read().split("\n")
        i = lines.index("\tname: %s" % name)
        return lines[i + 1].rsplit(":", 1)[1]

    def test_text_output(self):
        res = nsdharness.run_fedroute(
            ["route", "-c", self.conf, "sip:partner-override.route.test"])
        self.assertEqual(res[0], 0, res[2])
        out = res.stdout
        self.assertIn("decision     override", out)
        self.assertIn("1  127.0.6.98:5061/tls  (route, line", out)
        self.assertIn("Result: forwarded", out)

    def test_usage_errors(self):
        rc, doc, err = nsdharness.run_fedroute(["route", "-c", self.conf])
        self.assertEqual(rc, 64)
        rc, doc, err = nsdharness.run_fedroute(
            ["route", "-c", self.conf, "--from", "nosuch", "partner.test"])
        self.assertEqual(rc, 64)
        self.assertIn("--from nosuch", err)
        rc, doc, err = nsdharness.run_fedroute(
            ["route", "-c", self.conf, "sip:bad..name"])
        self.assertEqual(rc, 64)
        rc, doc, err = nsdharness.run_fedroute(
            ["route", "-c", os.path.join(TMP, "missing.conf"), "a.test"])
        self.assertEqual(rc, 1)
        self.assertIn("missing.conf", err)


class OpenPolicy(unittest.TestCase):
    def test_open_routes_any_domain_by_dns(self):
        conf = write_conf(policy="open")
        # No domain: section names it: A/AAAA on 5061 (RFC 3263 4.2).
        rc, doc, err = route(conf, "sip:edge1.partner.route.test")
        self.assertEqual(rc, 0, err)
        self.assertTrue(doc["allowed"])
        self.assertIsNone(doc["allowed_by"])
        self.assertEqual(doc["decision"], "dns")
        self.assertEqual([(t["host"], t["port"], t["transport"])
                          for t in doc["targets"]],
                         [("edge1.partner.route.test", 5061, "tls")])
        # An unknown domain is allowed, and then has no route.
        rc, doc, err = route(conf, "sip:nowhere.route.test")
        self.assertEqual(rc, 2, err)
        self.assertTrue(doc["allowed"])
        self.assertEqual(doc["decision"], "none")


if __name__ == "__main__":
    unittest.main(verbosity=2)
