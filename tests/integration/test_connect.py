#!/usr/bin/env python3
"""Integration tests: `fedroute lookup --connect` -- TCP, TLS, the
certificate (trust, dates, names under RFC 5922, RFC 6125/6120 and the
SRV target), SIP OPTIONS over UDP, TCP and TLS, XMPP STARTTLS and stream
features, and ports that speak plain text where TLS is published (or
the other way round), against real peers.

The peers, all on private loopback addresses with ports picked now:
* Kamailio with one TLS listener per certificate case (127.0.5.1-20),
  each presenting a certificate made by this test (peers.CertFactory):
  right names, wrong names, only the SRV target, only the domain, a
  wildcard, CN only, expired and not yet valid (signed under faketime),
  expiring in 10 days, from a CA we do not trust, self-signed; and plain
  UDP+TCP listeners answering OPTIONS with 200 (127.0.5.21), 503 (.22),
  403 (.23) or nothing at all (.24);
* Prosody (XMPP s2s, STARTTLS and XEP-0368 direct TLS) serving domains
  with a DNS-ID certificate, an SRV-ID-only certificate, a certificate
  for another name, and no certificate at all;
* openssl s_server offering only TLS 1.1 (our client refuses it);
* a listener that accepts and never speaks, and one whose accept queue
  is full (connect times out);
* an address where nothing listens (refused).
NSD serves a zone made for these ports (conn.test), written at run time.

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_connect.py
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import peers  # noqa: E402
from lookupcheck import LookupTestCase  # noqa: E402

D = "conn.test"
TIMEOUT = "3000"            # --connect-timeout for the cases that answer

# Certificate cases for SIP: name -> leaf arguments.  The target host of
# case X is sip.X.conn.test, its domain X.conn.test.
SIP_CASES = {
    "good": dict(sans=["DNS:good.conn.test", "URI:sip:good.conn.test",
                       "DNS:sip.good.conn.test"]),
    "wrongname": dict(sans=["DNS:other.example", "DNS:sip.other.example"]),
    "targetonly": dict(sans=["DNS:sip.targetonly.conn.test"]),
    "domainonly": dict(sans=["URI:sip:domainonly.conn.test"]),
    "wildcard": dict(sans=["DNS:*.wildcard.conn.test"]),
    "cnonly": dict(sans=[], cn="cnonly.conn.test"),
    "expired": dict(sans=["DNS:expired.conn.test",
                          "DNS:sip.expired.conn.test"],
                    days=30, shift_days=-400),
    "notyet": dict(sans=["DNS:notyet.conn.test", "DNS:sip.notyet.conn.test"],
                   days=365, shift_days=10),
    "expiring": dict(sans=["DNS:expiring.conn.test",
                           "DNS:sip.expiring.conn.test"], days=10),
    "untrusted": dict(sans=["DNS:untrusted.conn.test",
                            "DNS:sip.untrusted.conn.test"], ca="stranger"),
    "selfsigned": dict(sans=["DNS:selfsigned.conn.test",
                             "DNS:sip.selfsigned.conn.test"], ca=None),
    "failover": dict(sans=["DNS:failover.conn.test",
                           "DNS:sip.failover.conn.test"]),
    # --self: our own edge, for the domains self and partial
    "self": dict(sans=["DNS:self.conn.test", "URI:sip:self.conn.test",
                       "DNS:edge.self.conn.test", "DNS:partial.conn.test",
                       "DNS:edge.partial.conn.test"],
                 cn="edge.self.conn.test"),
}
XMPP_HOST = "127.0.5.40"
# domains whose XMPP records are written by hand below
XMPP_OWN_RECORDS = ("xplain.conn.test", "xtlsport.conn.test",
                    "self.conn.test", "xonly.conn.test")
XMPP_CASES = {          # domain -> SANs, or None for no certificate
    "xgood.conn.test": ["DNS:xgood.conn.test"],
    "self.conn.test": ["DNS:self.conn.test"],
    "xonly.conn.test": ["DNS:xonly.conn.test"],
    "xplain.conn.test": ["DNS:xplain.conn.test"],
    "xtlsport.conn.test": ["DNS:xtlsport.conn.test"],
    "xsrv.conn.test": ["otherName:1.3.6.1.5.5.7.8.7;IA5STRING:"
                       "_xmpp-server.xsrv.conn.test"],
    "xbad.conn.test": ["DNS:elsewhere.example"],
    "xnotls.conn.test": None,
}

S = {}                  # module state: servers, files, addresses


def missing_peers():
    missing = peers.have(peers.OPENSSL, peers.FAKETIME, peers.KAMAILIO,
                         peers.PROSODY)
    if missing:
        return "not installed: %s (contrib/install-deps.sh)" % \
            ", ".join(missing)
    return None


def setUpModule():
    why = missing_peers()
    if why:
        raise unittest.SkipTest(why)
    S["tmp"] = tempfile.mkdtemp(prefix="fedroute-connect-")
    certs = peers.CertFactory(S["tmp"])
    ca = certs.ca("ca", "fedroute test CA")
    stranger = certs.ca("stranger", "stranger CA")
    S["ca"] = ca[0]
    S["stranger"] = stranger[0]
    cas = {"ca": ca, "stranger": stranger, None: None}

    listeners, zone = [], []
    S["ip"] = {}
    for i, (case, args) in enumerate(sorted(SIP_CASES.items()), 1):
        args = dict(args)
        signer = cas[args.pop("ca", "ca")]
        cn = args.pop("cn", "sip.%s.%s" % (case, D))
        leaf = certs.leaf(case, signer, cn, **args)
        ip = "127.0.5.%d" % i
        port = nsdharness.free_port(ip)
        S["ip"][case] = (ip, port)
        listeners.append(("tls", ip, port, leaf))
        if case == "self":
            continue        # its records are written below
        for srv in ("_sips._tcp", "_sipfederationtls._tcp"):
            prio = 10 if case == "failover" else 0
            zone.append("%s.%s IN SRV %d 0 %d sip.%s.%s." % (
                srv, case, prio, port, case, D))
        zone.append("sip.%s 120 IN A %s" % (case, ip))

    # plain SIP over TCP and UDP, one address per way of answering
    replies = {}
    for ip, name, reply in (("127.0.5.21", "plain", (200, "OK")),
                            ("127.0.5.22", "err503",
                             (503, "Service Unavailable")),
                            ("127.0.5.23", "err403", (403, "Forbidden")),
                            ("127.0.5.24", "nosip", None)):
        port = nsdharness.free_port(ip)
        S["ip"][name] = (ip, port)
        listeners += [("tcp", ip, port, None), ("udp", ip, port, None)]
        if reply != (200, "OK"):
            replies[ip] = reply
        zone.append("_sip._tcp.%s IN SRV 0 0 %d sip.%s.%s."
                    % (name, port, name, D))
        zone.append("_sip._udp.%s IN SRV 0 0 %d sip.%s.%s."
                    % (name, port, name, D))
        zone.append("sip.%s 120 IN A %s" % (name, ip))
    # a TLS record naming the plain port, a plain one naming a TLS port
    zone.append("_sips._tcp.plainontls IN SRV 0 0 %d sip.plainontls.%s."
                % (S["ip"]["plain"][1], D))
    zone.append("sip.plainontls 120 IN A %s" % S["ip"]["plain"][0])
    zone.append("_sip._tcp.tlsonplain IN SRV 0 0 %d sip.tlsonplain.%s."
                % (S["ip"]["good"][1], D))
    zone.append("sip.tlsonplain 120 IN A %s" % S["ip"]["good"][0])
    # UDP to a port where nothing listens: ICMP port unreachable
    zone.append("_sip._udp.udpdead IN SRV 0 0 5060 sip.udpdead.%s." % D)
    zone.append("sip.udpdead 120 IN A 127.0.5.99")

    # --self: self publishes all three records; partial only _sips._tcp;
    # xonly only _xmpps-server (direct TLS), not _xmpp-server
    edge = S["ip"]["self"]
    for line in ("_sipfederationtls._tcp.self IN SRV 0 0 %d edge.self.%s.",
                 "_sips._tcp.self IN SRV 0 0 %d edge.self.%s.",
                 "_sips._tcp.partial IN SRV 0 0 %d edge.partial.%s."):
        zone.append(line % (edge[1], D))
    zone.append("edge.partial 120 IN A %s" % edge[0])
    zone.append("edge.self 120 IN A %s" % edge[0])

    # failover: first a dead address, then the good listener above
    dead = "127.0.5.99"
    S["dead"] = dead
    zone.append("_sips._tcp.failover IN SRV 0 0 %d dead.failover.%s."
                % (S["ip"]["failover"][1], D))
    zone.append("dead.failover 120 IN A %s" % dead)
    zone.append("_sips._tcp.refused IN SRV 0 0 5061 sip.refused.%s." % D)
    zone.append("sip.refused 120 IN A %s" % dead)

    # TLS 1.1 only: the client's defaults refuse it
    old = certs.leaf("old", ca, "sip.oldtls.%s" % D,
                     sans=["DNS:oldtls.%s" % D, "DNS:sip.oldtls.%s" % D])
    S["oldtls"] = ("127.0.5.30", nsdharness.free_port("127.0.5.30"))
    zone.append("_sips._tcp.oldtls IN SRV 0 0 %d sip.oldtls.%s."
                % (S["oldtls"][1], D))
    zone.append("sip.oldtls 120 IN A %s" % S["oldtls"][0])

    # a listener that never speaks, one that never accepts
    S["silent"] = peers.Silent("127.0.5.31").__enter__()
    S["full"] = peers.Silent("127.0.5.32", full=True).__enter__()
    for name, sil in (("silent", S["silent"]), ("full", S["full"])):
        zone.append("_sips._tcp.%s IN SRV 0 0 %d sip.%s.%s."
                    % (name, sil.port, name, D))
        zone.append("sip.%s 120 IN A %s" % (name, sil.ip))

    # tarpits: 40 targets, in priority order, whose connects time out;
    # and a plan whose first target is a slow tarpit, its second a fast
    # refusal
    for i in range(1, 41):
        zone.append("_sips._tcp.tarpit IN SRV %d 0 %d t%d.tarpit.%s."
                    % (i, S["full"].port, i, D))
        zone.append("t%d.tarpit 120 IN A %s" % (i, S["full"].ip))
    zone.append("_sips._tcp.mixed IN SRV 1 0 %d slow.mixed.%s."
                % (S["full"].port, D))
    zone.append("_sips._tcp.mixed IN SRV 2 0 5061 dead.mixed.%s." % D)
    zone.append("slow.mixed 120 IN A %s" % S["full"].ip)
    zone.append("dead.mixed 120 IN A %s" % dead)

    # XMPP: Prosody, STARTTLS and direct TLS
    xport = nsdharness.free_port(XMPP_HOST)
    xtls = nsdharness.free_port(XMPP_HOST)
    S["xmpp"] = (xport, xtls)
    hosts = {}
    for dom, sans in XMPP_CASES.items():
        hosts[dom] = None if sans is None else certs.leaf(
            "xmpp-" + dom.split(".")[0], ca, dom if sans[0].startswith("DNS:" + dom)
            else "x", sans=sans)
        label = dom[:-len("." + D)]
        if dom in XMPP_OWN_RECORDS:
            continue
        zone.append("_xmpp-server._tcp.%s IN SRV 0 0 %d xmpp.%s.%s."
                    % (label, xport, label, D))
        zone.append("_xmpps-server._tcp.%s IN SRV 5 0 %d xmpp.%s.%s."
                    % (label, xtls, label, D))
        zone.append("xmpp.%s 120 IN A %s" % (label, XMPP_HOST))
    # the plain port published for direct TLS, the TLS port for STARTTLS
    zone.append("_xmpps-server._tcp.xplain IN SRV 0 0 %d xmpp.xplain.%s."
                % (xport, D))
    zone.append("_xmpp-server._tcp.xtlsport IN SRV 0 0 %d xmpp.xtlsport.%s."
                % (xtls, D))
    for label in ("xplain", "xtlsport"):
        zone.append("xmpp.%s 120 IN A %s" % (label, XMPP_HOST))
    zone.append("_xmpp-server._tcp.self IN SRV 0 0 %d xmpp.self.%s."
                % (xport, D))
    zone.append("_xmpps-server._tcp.xonly IN SRV 0 0 %d xmpp.xonly.%s."
                % (xtls, D))
    for label in ("self", "xonly"):
        zone.append("xmpp.%s 120 IN A %s" % (label, XMPP_HOST))
    # a domain Prosody does not serve
    zone.append("_xmpp-server._tcp.xunknown IN SRV 0 0 %d xmpp.xunknown.%s."
                % (xport, D))
    zone.append("xmpp.xunknown 120 IN A %s" % XMPP_HOST)

    zfile = os.path.join(S["tmp"], D + ".zone")
    with open(zfile, "w") as fh:
        fh.write("$ORIGIN %s.\n$TTL 300\n"
                 "@ 3600 IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n"
                 "@ IN NS ns1\nns1 IN A 127.0.5.53\n" % D)
        fh.write("\n".join(zone) + "\n")

    try:
        S["kam"] = peers.Kamailio(listeners, replies).start()
        S["s_server"] = peers.SServer(
            S["oldtls"][0], S["oldtls"][1], old,
            ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]).start()
        S["prosody"] = peers.Prosody(XMPP_HOST, xport, xtls, hosts).start()
        S["nsd"] = nsdharness.NsdServer([zfile])
        S["nsd"].start()
        LookupTestCase.resolver = S["nsd"].resolver
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    for key in ("nsd", "prosody", "s_server", "kam"):
        if S.get(key) is not None:
            try:
                S[key].stop()
            except Exception as e:        # go on stopping the others
                nsdharness._say("stopping %s: %s\n" % (key, e))
            S[key] = None
    for key in ("silent", "full"):
        if S.get(key) is not None:
            S[key].__exit__(None, None, None)
            S[key] = None
    if S.get("tmp"):
        shutil.rmtree(S["tmp"], ignore_errors=True)


class ConnectCase(LookupTestCase):

    def connect(self, *args, ca=True, timeout=TIMEOUT, expect_rc=None):
        extra = ["--connect", "--connect-timeout", timeout]
        if ca:
            extra += ["--ca", S["ca"] if ca is True else ca]
        return self.lookup(*args, extra=extra, expect_rc=expect_rc)

    def probes(self, doc, ti=0):
        c = doc["targets"][ti]["connect"]
        self.assertIsInstance(c, list, self.ctx(doc))
        self.assertEqual(len(c), len(doc["targets"][ti]["addresses"]),
                         "one probe per address" + self.ctx(doc))
        return c

    def check_probe_schema(self, p, doc):
        self.assertEqual(set(p), {"address", "skipped", "tcp", "starttls",
                                  "tls", "sip", "xmpp", "port_speaks",
                                  "usable"}, self.ctx(doc))
        if p["sip"] is not None:
            self.assertEqual(set(p["sip"]), {"ok", "ms", "error", "status",
                                             "reason", "status_line",
                                             "server"}, self.ctx(doc))
            self.assertEqual(p["sip"]["status"] is not None,
                             p["sip"]["status_line"] is not None,
                             self.ctx(doc))
        self.assertIn(p["port_speaks"], (None, "plain", "tls"),
                      self.ctx(doc))
        for k in ("tcp", "starttls"):
            if p[k] is not None:
                self.assertEqual(set(p[k]), {"ok", "ms", "error"},
                                 self.ctx(doc))
                self.assertEqual(p[k]["error"] is None, p[k]["ok"],
                                 self.ctx(doc))
                self.assertGreaterEqual(p[k]["ms"], 0, self.ctx(doc))
        if p["tls"] is not None:
            self.assertEqual(set(p["tls"]), {"ok", "ms", "error", "protocol",
                                             "cipher", "certificate"},
                             self.ctx(doc))
            c = p["tls"]["certificate"]
            if c is not None:
                self.assertEqual(set(c), {
                    "chain", "names", "trusted", "verify_error", "expired",
                    "not_yet_valid", "days_left", "rfc5922", "rfc6125",
                    "srv_target"}, self.ctx(doc))
                for k in ("rfc5922", "rfc6125", "srv_target"):
                    self.assertIn(c[k], (None, "match", "mismatch"),
                                  self.ctx(doc))
                self.assertEqual(c["verify_error"] is None, c["trusted"],
                                 self.ctx(doc))
                for cert in c["chain"]:
                    self.assertEqual(set(cert), {"subject", "issuer",
                                                 "not_before", "not_after"},
                                     self.ctx(doc))
                    self.assertRegex(cert["not_after"],
                                     r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def one_probe(self, doc):
        ps = self.probes(doc)
        self.assertEqual(len(ps), 1, self.ctx(doc))
        self.check_probe_schema(ps[0], doc)
        return ps[0]

    def cert(self, doc):
        p = self.one_probe(doc)
        self.assertTrue(p["tls"]["ok"], self.ctx(doc))
        return p["tls"]["certificate"]

    def finding(self, doc, fid):
        fs = [f for f in doc["findings"] if f["id"] == fid]
        self.assertTrue(fs, "no %s%s" % (fid, self.ctx(doc)))
        return fs[0]


class Tls(ConnectCase):

    def test_good_sip(self):
        doc = self.connect("sips:good." + D, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        p = self.one_probe(doc)
        ip, port = S["ip"]["good"]
        self.assertEqual((p["address"], p["skipped"], p["usable"]),
                         (ip, None, True), self.ctx(doc))
        self.assertTrue(p["tcp"]["ok"], self.ctx(doc))
        self.assertIsNone(p["starttls"], self.ctx(doc))
        self.assertIsNone(p["xmpp"], self.ctx(doc))
        self.assertIsNone(p["port_speaks"], self.ctx(doc))
        sip = p["sip"]
        self.assertEqual((sip["ok"], sip["status"], sip["reason"],
                          sip["status_line"], sip["error"]),
                         (True, 200, "OK", "SIP/2.0 200 OK", None),
                         self.ctx(doc))
        self.assertIn("kamailio", (sip["server"] or "").lower(),
                      self.ctx(doc))
        t = p["tls"]
        self.assertEqual((t["ok"], t["error"]), (True, None), self.ctx(doc))
        self.assertIn(t["protocol"], ("TLSv1.2", "TLSv1.3"), self.ctx(doc))
        self.assertTrue(t["cipher"], self.ctx(doc))
        c = t["certificate"]
        self.assertEqual(c["names"], ["DNS:good.conn.test",
                                      "URI:sip:good.conn.test",
                                      "DNS:sip.good.conn.test",
                                      "CN:sip.good.conn.test"],
                         self.ctx(doc))
        self.assertEqual((c["trusted"], c["expired"], c["not_yet_valid"]),
                         (True, False, False), self.ctx(doc))
        self.assertIn(c["days_left"], (364, 365), self.ctx(doc))
        self.assertEqual((c["rfc5922"], c["rfc6125"], c["srv_target"]),
                         ("match", None, "match"), self.ctx(doc))
        self.assertEqual(c["chain"][0]["subject"], "CN=sip.good.conn.test",
                         self.ctx(doc))
        self.assertEqual(c["chain"][0]["issuer"], "CN=fedroute test CA",
                         self.ctx(doc))

    def test_good_ms_fed(self):
        doc = self.connect("--profile", "ms-fed", "good." + D, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_without_connect_no_probe(self):
        doc = self.lookup("sips:good." + D, expect_rc=0)
        self.assertIsNone(doc["targets"][0]["connect"], self.ctx(doc))

    def test_untrusted_ca(self):
        doc = self.connect("sips:untrusted." + D, expect_rc=2)
        self.assert_findings(doc, {"CERT_UNTRUSTED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        c = self.cert(doc)
        self.assertEqual((c["trusted"], c["rfc5922"]), (False, "match"),
                         self.ctx(doc))
        self.assertIn("unable to get local issuer certificate",
                      c["verify_error"], self.ctx(doc))
        self.assertIn("stranger CA", self.finding(doc, "CERT_UNTRUSTED")
                      ["message"], self.ctx(doc))
        self.assertEqual(self.finding(doc, "CERT_UNTRUSTED")["target"], 0)
        # the same certificate is fine for whoever trusts its CA
        doc = self.connect("sips:untrusted." + D, ca=S["stranger"],
                           expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_self_signed(self):
        doc = self.connect("sips:selfsigned." + D, expect_rc=2)
        self.assert_findings(doc, {"CERT_UNTRUSTED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        self.assertIn("self-signed", self.cert(doc)["verify_error"],
                      self.ctx(doc))

    def test_system_store_does_not_know_our_ca(self):
        doc = self.connect("sips:good." + D, ca=False, expect_rc=2)
        self.assert_findings(doc, {"CERT_UNTRUSTED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})

    def test_expired(self):
        doc = self.connect("sips:expired." + D, expect_rc=2)
        self.assert_findings(doc, {"CERT_EXPIRED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        c = self.cert(doc)
        self.assertEqual((c["expired"], c["trusted"]), (True, True),
                         self.ctx(doc))
        self.assertLess(c["days_left"], -360, self.ctx(doc))

    def test_not_yet_valid(self):
        doc = self.connect("sips:notyet." + D, expect_rc=2)
        self.assert_findings(doc, {"CERT_NOT_YET_VALID": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        self.assertTrue(self.cert(doc)["not_yet_valid"], self.ctx(doc))

    def test_expiring(self):
        doc = self.connect("sips:expiring." + D, expect_rc=1)
        self.assert_findings(doc, {"CERT_EXPIRING": ("warning", 1)})
        c = self.cert(doc)
        self.assertIn(c["days_left"], (9, 10), self.ctx(doc))
        self.assertIn("expires in %d day" % c["days_left"],
                      self.finding(doc, "CERT_EXPIRING")["message"])
        self.assertTrue(self.one_probe(doc)["usable"], self.ctx(doc))


class Nagios(ConnectCase):

    def nagios(self, target, rc_want):
        res = nsdharness.run_fedroute(
            ["lookup", "--format", "nagios", "--resolver", self.resolver,
             "--connect", "--connect-timeout", TIMEOUT, "--ca", S["ca"],
             target])
        ctx = "\nexit %d\n%s%s" % (res[0], res.stdout, res[2])
        self.assertEqual(res[0], rc_want, ctx)
        head, _, perf = res.stdout.splitlines()[0].partition(" | ")
        items = dict(i.split("=", 1) for i in perf.split())
        return head, items, ctx

    def test_cert_days_in_perfdata(self):
        head, perf, ctx = self.nagios("sips:expiring." + D, 1)
        self.assertTrue(head.startswith("FEDROUTE WARNING - "), ctx)
        self.assertEqual(perf["'usable'"], "1;;;0;1", ctx)
        days, warn, crit = perf["'cert_days'"].split(";")
        self.assertIn(days, ("9", "10"), ctx)
        self.assertEqual((warn, crit), ("30:", "0:"), ctx)

    def test_no_cert_no_cert_days(self):
        head, perf, ctx = self.nagios("sips:refused." + D, 2)
        self.assertEqual(perf["'usable'"], "0;;;0;1", ctx)
        self.assertNotIn("'cert_days'", perf, ctx)


class Names(ConnectCase):

    def test_wrong_name(self):
        for args in (["sips:wrongname." + D],
                     ["--profile", "ms-fed", "wrongname." + D]):
            with self.subTest(args=args):
                doc = self.connect(*args, expect_rc=2)
                self.assert_findings(doc, {
                    "CERT_NAME_MISMATCH": ("error", 1),
                    "NO_TARGET_USABLE": ("error", 1)})
                c = self.cert(doc)
                self.assertEqual((c["rfc5922"], c["srv_target"]),
                                 ("mismatch", "mismatch"), self.ctx(doc))
                self.assertIn("DNS:other.example", self.finding(
                    doc, "CERT_NAME_MISMATCH")["message"], self.ctx(doc))

    def test_target_only(self):
        # SIP wants the domain (RFC 5922): a warning, some peers accept
        doc = self.connect("sips:targetonly." + D, expect_rc=1)
        self.assert_findings(doc, {"CERT_NAME_MISMATCH": ("warning", 1)})
        c = self.cert(doc)
        self.assertEqual((c["rfc5922"], c["srv_target"]),
                         ("mismatch", "match"), self.ctx(doc))
        # Microsoft federation checks the SRV target: fine
        doc = self.connect("--profile", "ms-fed", "targetonly." + D,
                           expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))

    def test_domain_only(self):
        doc = self.connect("sips:domainonly." + D, expect_rc=0)
        c = self.cert(doc)
        self.assertEqual((c["rfc5922"], c["srv_target"]),
                         ("match", "mismatch"), self.ctx(doc))
        doc = self.connect("--profile", "ms-fed", "domainonly." + D,
                           expect_rc=1)
        self.assert_findings(doc, {"CERT_NAME_MISMATCH": ("warning", 1)})

    def test_wildcard(self):
        # RFC 5922: no wildcards; the SRV target matches *.wildcard
        doc = self.connect("sips:wildcard." + D, expect_rc=1)
        self.assert_findings(doc, {"CERT_NAME_MISMATCH": ("warning", 1)})
        c = self.cert(doc)
        self.assertEqual((c["rfc5922"], c["srv_target"]),
                         ("mismatch", "match"), self.ctx(doc))

    def test_cn_only(self):
        # no subjectAltName at all: RFC 5922 falls back to the CN
        doc = self.connect("sips:cnonly." + D, expect_rc=0)
        c = self.cert(doc)
        self.assertEqual(c["names"], ["CN:cnonly.conn.test"], self.ctx(doc))
        self.assertEqual((c["rfc5922"], c["srv_target"]),
                         ("match", "mismatch"), self.ctx(doc))


class Connect(ConnectCase):

    def test_refused(self):
        doc = self.connect("sips:refused." + D, expect_rc=2)
        self.assert_findings(doc, {"CONNECT_REFUSED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        p = self.one_probe(doc)
        self.assertEqual((p["tcp"]["ok"], p["tls"], p["usable"]),
                         (False, None, False), self.ctx(doc))
        self.assertIn("connection refused", p["tcp"]["error"])
        self.assertIn("sip.refused.conn.test %s:5061/tls" % S["dead"],
                      self.finding(doc, "CONNECT_REFUSED")["message"])

    def test_failover_leaves_a_route(self):
        doc = self.connect("sips:failover." + D, expect_rc=1)
        self.assertEqual([t["host"] for t in doc["targets"]],
                         ["dead.failover.conn.test",
                          "sip.failover.conn.test"], self.ctx(doc))
        self.assert_findings(doc, {"CONNECT_REFUSED": ("error", 1)})
        self.assertEqual(self.finding(doc, "CONNECT_REFUSED")["target"], 0)
        self.assertEqual([t["connect"][0]["usable"] for t in doc["targets"]],
                         [False, True], self.ctx(doc))

    def test_connect_timeout(self):
        doc = self.connect("sips:full." + D, timeout="400", expect_rc=2)
        self.assert_findings(doc, {"CONNECT_TIMEOUT": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        p = self.one_probe(doc)
        self.assertGreaterEqual(p["tcp"]["ms"], 390, self.ctx(doc))
        self.assertIn("no answer within 400 ms", p["tcp"]["error"])

    def tarpits(self, *extra):
        t0 = time.monotonic()
        doc = self.lookup("sips:tarpit." + D, expect_rc=2, extra=[
            "--connect", "--connect-timeout", "300", "--ca", S["ca"]] +
            list(extra))
        took = time.monotonic() - t0
        hosts = [t["host"] for t in doc["targets"]]
        self.assertEqual(hosts, ["t%d.tarpit.%s" % (i, D)
                                 for i in range(1, 41)], self.ctx(doc))
        return doc, took

    def test_tarpits_are_probed_at_once(self):
        """Issue 12 item 10: 40 addresses whose connect times out, 8 at a
        time: about 5 x 300 ms, not 40 x 300 ms."""
        doc, took = self.tarpits()
        print("40 tarpits at 300 ms: %.1f s" % took, file=sys.stderr)
        self.assertLess(took, 6, self.ctx(doc))
        self.assert_findings(doc, {"CONNECT_TIMEOUT": ("error", 40),
                                   "NO_TARGET_USABLE": ("error", 1)},
                             {"DNS_TRUNCATED_UDP": ("warning", None)})
        # Findings come in plan order, whatever order the probes ended in.
        targets = [f["target"] for f in doc["findings"]
                   if f["id"] == "CONNECT_TIMEOUT"]
        self.assertEqual(targets, list(range(40)), self.ctx(doc))

    def test_deadline(self):
        doc, took = self.tarpits("--deadline", "1000")
        print("40 tarpits at 300 ms, --deadline 1000: %.1f s" % took,
              file=sys.stderr)
        self.assertLess(took, 3, self.ctx(doc))
        cut = [f for f in doc["findings"] if f["id"] == "CONNECT_DEADLINE"]
        skipped = [i for i, t in enumerate(doc["targets"])
                   if t["connect"][0]["skipped"] is not None]
        # 3 rounds of 8 fit in 1000 ms; the rest were cut or not probed.
        self.assertGreaterEqual(len(cut), 8, self.ctx(doc))
        self.assertLessEqual(len(cut), 40 - 16, self.ctx(doc))
        self.assertTrue(skipped, self.ctx(doc))
        for i in skipped:
            self.assertEqual(doc["targets"][i]["connect"][0]["skipped"],
                             "the --deadline was reached first")
            self.assertIsNone(doc["targets"][i]["connect"][0]["tcp"])
        for f in cut:
            self.assertEqual(f["severity"], "warning")
            self.assertIn("t%d.tarpit.%s %s:%d/tls: " % (
                f["target"] + 1, D, S["full"].ip, S["full"].port),
                f["message"])
            self.assertRegex(f["message"], "(not probed: the --deadline of "
                             "1000 ms was reached first|probe cut short by "
                             "the --deadline of 1000 ms)$")
        self.assertEqual(sorted(f["target"] for f in cut),
                         [f["target"] for f in cut], self.ctx(doc))
        self.assertEqual(sorted(i for i in skipped),
                         [f["target"] for f in cut
                          if "not probed" in f["message"]], self.ctx(doc))
        self.assertEqual(doc["findings"][-1]["id"], "NO_TARGET_USABLE")

    def test_plan_order_kept(self):
        """The refusal of target 2 comes back long before the time-out of
        target 1; the report keeps plan order."""
        doc = self.connect("sips:mixed." + D, timeout="600", expect_rc=2)
        self.assertEqual([t["host"] for t in doc["targets"]],
                         ["slow.mixed." + D, "dead.mixed." + D])
        self.assertEqual(self.finding_ids(doc), [
            "CONNECT_TIMEOUT", "CONNECT_REFUSED", "NO_TARGET_USABLE"],
            self.ctx(doc))
        self.assertEqual([f["target"] for f in doc["findings"]], [0, 1, None])

    def test_bad_deadline(self):
        for bad in ("0", "x", "3600001"):
            res = nsdharness.run_fedroute(["lookup", "--connect",
                                           "--deadline", bad, "x.test"])
            self.assertEqual(res[0], 64, res)
            self.assertIn("bad --deadline", res[2])

    def test_handshake_timeout(self):
        doc = self.connect("sips:silent." + D, timeout="400", expect_rc=2)
        self.assert_findings(doc, {"TLS_HANDSHAKE_FAILED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        p = self.one_probe(doc)
        self.assertTrue(p["tcp"]["ok"], self.ctx(doc))
        self.assertEqual(p["tls"]["ok"], False, self.ctx(doc))
        self.assertIn("timed out", p["tls"]["error"], self.ctx(doc))

    def test_old_protocol(self):
        doc = self.connect("sips:oldtls." + D, expect_rc=2)
        self.assert_findings(doc, {"TLS_HANDSHAKE_FAILED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        p = self.one_probe(doc)
        self.assertIsNone(p["tls"]["certificate"], self.ctx(doc))
        self.assertTrue(p["tls"]["error"].startswith("TLS handshake: "),
                        self.ctx(doc))

    def test_text(self):
        res = nsdharness.run_fedroute(
            ["lookup", "--resolver", self.resolver, "--connect", "--ca",
             S["ca"], "sips:good." + D])
        self.assertEqual(res[0], 0, res.stdout + res[2])
        out = res.stdout
        ip = S["ip"]["good"][0]
        self.assertIn("\nConnections, in plan order\n  1  sip.good.conn.test"
                      ":%d/tls\n     %s  usable\n" % (S["ip"]["good"][1], ip),
                      out)
        for line in ("       certificate  CN=sip.good.conn.test\n",
                     "       issuer       CN=fedroute test CA\n",
                     "       name check   RFC 5922 domain match, SRV target "
                     "match\n", "  1 of 1 address probed usable\n"):
            self.assertIn(line, out)
        for line in out.splitlines():
            self.assertLessEqual(len(line), 80, line)


class Sip(ConnectCase):

    def sip_probes(self, doc):
        out = {}
        for t in doc["targets"]:
            self.assertEqual(len(t["connect"]), 1, self.ctx(doc))
            p = t["connect"][0]
            self.check_probe_schema(p, doc)
            self.assertIsNone(p["tls"], self.ctx(doc))
            out[t["transport"]] = p
        self.assertEqual(set(out), {"tcp", "udp"}, self.ctx(doc))
        return out

    def test_tcp_and_udp(self):
        doc = self.connect("sip:plain." + D, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        p = self.sip_probes(doc)
        self.assertTrue(p["tcp"]["tcp"]["ok"], self.ctx(doc))
        self.assertIsNone(p["udp"]["tcp"], "no handshake on UDP"
                          + self.ctx(doc))
        for pr in p.values():
            self.assertEqual((pr["sip"]["status"], pr["usable"]),
                             (200, True), self.ctx(doc))

    def test_server_error(self):
        doc = self.connect("sip:err503." + D, expect_rc=2)
        self.assert_findings(doc, {"SIP_OPTIONS_ERROR": ("error", 2),
                                   "NO_TARGET_USABLE": ("error", 1)})
        for pr in self.sip_probes(doc).values():
            self.assertEqual(pr["sip"]["status_line"],
                             "SIP/2.0 503 Service Unavailable",
                             self.ctx(doc))
        self.assertIn("SIP/2.0 503 Service Unavailable", self.finding(
            doc, "SIP_OPTIONS_ERROR")["message"], self.ctx(doc))

    def test_refused_request(self):
        # 403: the server is there but refuses us -- a warning
        doc = self.connect("sip:err403." + D, expect_rc=1)
        self.assert_findings(doc, {"SIP_OPTIONS_ERROR": ("warning", 2)})
        for pr in self.sip_probes(doc).values():
            self.assertEqual((pr["sip"]["status"], pr["usable"]),
                             (403, True), self.ctx(doc))

    def test_no_answer(self):
        doc = self.connect("sip:nosip." + D, timeout="600", expect_rc=2)
        self.assert_findings(doc, {"SIP_OPTIONS_NO_ANSWER": ("error", 2),
                                   "NO_TARGET_USABLE": ("error", 1)})
        for pr in self.sip_probes(doc).values():
            self.assertEqual((pr["sip"]["ok"], pr["sip"]["status"]),
                             (False, None), self.ctx(doc))
            self.assertIn("no final response in time", pr["sip"]["error"],
                          self.ctx(doc))
            self.assertGreaterEqual(pr["sip"]["ms"], 590, self.ctx(doc))

    def test_udp_port_unreachable(self):
        doc = self.connect("sip:udpdead." + D, expect_rc=2)
        self.assert_findings(doc, {"CONNECT_REFUSED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        self.assertIn("port unreachable", self.finding(
            doc, "CONNECT_REFUSED")["message"], self.ctx(doc))

    def test_plain_sip_on_tls_port(self):
        # Kamailio waits for the end of a SIP message that a ClientHello
        # never brings: the handshake times out, then plain text works
        doc = self.connect("sips:plainontls." + D, timeout="1000",
                           expect_rc=2)
        self.assert_findings(doc, {"PLAIN_ON_TLS_PORT": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        p = self.one_probe(doc)
        self.assertEqual((p["tls"]["ok"], p["port_speaks"]),
                         (False, "plain"), self.ctx(doc))
        self.assertIn('"SIP/2.0 200 OK"', self.finding(
            doc, "PLAIN_ON_TLS_PORT")["message"], self.ctx(doc))

    def test_tls_on_plain_port(self):
        doc = self.connect("sip:tlsonplain.%s;transport=tcp" % D,
                           expect_rc=2)
        self.assert_findings(doc, {"TLS_ON_PLAIN_PORT": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        p = self.one_probe(doc)
        self.assertEqual((p["sip"]["ok"], p["tls"], p["port_speaks"]),
                         (False, None, "tls"), self.ctx(doc))


class Self(ConnectCase):
    """--self DOMAIN: our own records, connected to, as a foreign edge
    would: one lookup each for _sipfederationtls._tcp, _sips._tcp and
    _xmpp-server._tcp."""

    def self_check(self, domain, *extra, expect_rc):
        res = nsdharness.run_fedroute(
            ["lookup", "--json", "--resolver", self.resolver, "--ca",
             S["ca"], "--connect-timeout", TIMEOUT, "--self", domain] +
            list(extra), expect_json=True)
        rc, doc, err = res
        ctx = "\nexit %d\n%s\n%s" % (rc, res.stdout, err)
        self.assertEqual(rc, expect_rc, ctx)
        self.assertEqual(set(doc), {"version", "lookups", "summary"}, ctx)
        for d in doc["lookups"]:
            self.check_schema(d, d["query"]["input"], ctx)
            # --self implies --connect
            for t in d["targets"]:
                self.assertIsNotNone(t["connect"], ctx)
        return doc["lookups"], doc["summary"], ctx

    def ids(self, d):
        return sorted(f["id"] for f in d["findings"])

    def test_all_published(self):
        lks, summary, ctx = self.self_check("self." + D, expect_rc=0)
        self.assertEqual([(d["query"]["input"], d["query"]["profile"])
                          for d in lks],
                         [("self.conn.test", "ms-fed"),
                          ("sips:self.conn.test;transport=tls", "sip"),
                          ("xmpp:self.conn.test", "xmpp-s2s")], ctx)
        for d in lks:
            self.assertEqual((d["result"], d["findings"], d["exit"]),
                             ("ok", [], 0), ctx)
        self.assertEqual(summary["ok"], 3, ctx)
        sip = lks[1]["targets"][0]["connect"][0]
        self.assertEqual((sip["sip"]["status"], sip["tls"]["certificate"]
                          ["rfc5922"]), (200, "match"), ctx)

    def test_missing_records(self):
        lks, summary, ctx = self.self_check("partial." + D, expect_rc=2)
        msfed, sips, xmpp = lks
        self.assertIn("SELF_RECORD_MISSING", self.ids(msfed), ctx)
        self.assertIn("NO_RECORDS", self.ids(msfed), ctx)
        self.assertEqual((sips["exit"], sips["findings"]), (0, []), ctx)
        self.assertIn("SELF_RECORD_MISSING", self.ids(xmpp), ctx)
        m = [f["message"] for f in msfed["findings"]
             if f["id"] == "SELF_RECORD_MISSING"][0]
        self.assertIn("_sipfederationtls._tcp.partial.conn.test SRV is not "
                      "published (nxdomain)", m, ctx)
        self.assertIn("Microsoft", m, ctx)
        self.assertEqual((summary["ok"], summary["critical"]), (1, 2), ctx)

    def test_xmpps_only_is_not_enough(self):
        # a route through _xmpps-server exists, but RFC 6120 peers ask
        # _xmpp-server: an error that leaves no route for them (exit 2)
        lks, _, ctx = self.self_check("xonly." + D, "--profile",
                                      "xmpp-s2s", expect_rc=2)
        self.assertEqual(len(lks), 1, ctx)
        d = lks[0]
        self.assertEqual(d["result"], "ok", ctx)
        self.assertEqual(self.ids(d), ["SELF_RECORD_MISSING"], ctx)
        self.assertTrue(d["targets"][0]["connect"][0]["usable"], ctx)

    def test_one_profile(self):
        lks, _, ctx = self.self_check("self." + D, "--profile", "ms-fed",
                                      expect_rc=0)
        self.assertEqual([d["query"]["profile"] for d in lks], ["ms-fed"],
                         ctx)

    def test_bad_domain(self):
        res = nsdharness.run_fedroute(["lookup", "--self", "sip:x.test"])
        self.assertEqual(res[0], 64, res[2])
        self.assertIn("--self wants a domain", res[2])


class Xmpp(ConnectCase):

    def xprobes(self, doc):
        """{transport: probe} of an XMPP plan: tcp (STARTTLS), tls."""
        out = {}
        for t in doc["targets"]:
            self.assertEqual(len(t["connect"]), 1, self.ctx(doc))
            self.check_probe_schema(t["connect"][0], doc)
            out[t["transport"]] = t["connect"][0]
        self.assertEqual(set(out), {"tcp", "tls"}, self.ctx(doc))
        return out

    def test_starttls_and_direct_tls(self):
        doc = self.connect("xmpp:xgood." + D, expect_rc=0)
        self.assertEqual(doc["findings"], [], self.ctx(doc))
        p = self.xprobes(doc)
        st = p["tcp"]
        self.assertTrue(st["starttls"]["ok"], self.ctx(doc))
        before = st["xmpp"]["before_tls"]
        self.assertEqual((before["starttls"], before["dialback"]),
                         (True, True), self.ctx(doc))
        after = st["xmpp"]["after_tls"]
        self.assertTrue(st["xmpp"]["ok"], self.ctx(doc))
        self.assertEqual((after["starttls"], after["dialback"],
                          after["stream_error"]),
                         (False, True, None), self.ctx(doc))
        for pr in p.values():
            c = pr["tls"]["certificate"]
            self.assertEqual((c["rfc6125"], c["rfc5922"], c["trusted"]),
                             ("match", None, True), self.ctx(doc))
            self.assertTrue(pr["usable"], self.ctx(doc))
        direct = p["tls"]
        self.assertIsNone(direct["starttls"], self.ctx(doc))
        self.assertIsNone(direct["xmpp"]["before_tls"], self.ctx(doc))
        self.assertTrue(direct["xmpp"]["after_tls"]["dialback"],
                        self.ctx(doc))

    def test_srv_id(self):
        doc = self.connect("xmpp:xsrv." + D, expect_rc=0)
        for pr in self.xprobes(doc).values():
            c = pr["tls"]["certificate"]
            self.assertEqual(c["names"][0],
                             "SRV:_xmpp-server.xsrv.conn.test", self.ctx(doc))
            self.assertEqual(c["rfc6125"], "match", self.ctx(doc))

    def test_name_mismatch(self):
        doc = self.connect("xmpp:xbad." + D, expect_rc=2)
        self.assert_findings(doc, {"CERT_NAME_MISMATCH": ("error", 2),
                                   "NO_TARGET_USABLE": ("error", 1)})
        self.assertIn("RFC 6125", self.finding(doc, "CERT_NAME_MISMATCH")
                      ["message"], self.ctx(doc))

    def test_no_starttls(self):
        # Prosody has no TLS for this domain: its streams offer no
        # STARTTLS; direct TLS gets another domain's certificate
        doc = self.connect("xmpp:xnotls." + D, expect_rc=2)
        self.assert_findings(doc, {"XMPP_NO_STARTTLS": ("error", 1),
                                   "CERT_NAME_MISMATCH": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)},
                             {"XMPP_STREAM_FAILED": ("error", 1)})
        st = self.xprobes(doc)["tcp"]
        self.assertEqual((st["starttls"]["ok"],
                          st["xmpp"]["before_tls"]["starttls"],
                          st["xmpp"]["before_tls"]["dialback"]),
                         (False, False, True), self.ctx(doc))

    def test_plain_on_direct_tls_port(self):
        doc = self.connect("xmpp:xplain." + D, expect_rc=2)
        self.assert_findings(doc, {"PLAIN_ON_TLS_PORT": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        self.assertIn("an XMPP stream header", self.finding(
            doc, "PLAIN_ON_TLS_PORT")["message"], self.ctx(doc))
        self.assertEqual(self.one_probe(doc)["port_speaks"], "plain",
                         self.ctx(doc))

    def test_tls_on_starttls_port(self):
        doc = self.connect("xmpp:xtlsport." + D, expect_rc=2)
        self.assert_findings(doc, {"TLS_ON_PLAIN_PORT": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        self.assertEqual(self.one_probe(doc)["port_speaks"], "tls",
                         self.ctx(doc))

    def test_unknown_host(self):
        doc = self.connect("xmpp:xunknown." + D, expect_rc=2)
        self.assert_findings(doc, {"XMPP_STREAM_FAILED": ("error", 1),
                                   "NO_TARGET_USABLE": ("error", 1)})
        self.assertIn("host-unknown", self.finding(
            doc, "XMPP_STREAM_FAILED")["message"], self.ctx(doc))


if __name__ == "__main__":
    # Without the peers, tell `make check` SKIP (77), not PASS.
    if missing_peers():
        print("SKIP:", missing_peers())
        sys.exit(77)
    unittest.main(verbosity=2)
