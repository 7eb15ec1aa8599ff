"""lookupcheck -- shared checks of `fedroute lookup --json` output against
doc/lookup-contract.md.  Python 3 standard library only.

LookupTestCase.lookup() runs the CLI, validates the whole document against
the contract's schema (every field, its type and its allowed values, the
address order, the exit status that the result and findings imply), and
returns the parsed document for the field-by-field checks of each test.
"""

import ipaddress
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402

ALL_TRANSPORTS = {"udp", "tcp", "tls", "sctp", "sctp-tls"}
WIRE_TRANSPORTS = {"udp", "tcp", "tls", "sctp"}
RESULTS = {"ok", "nxdomain", "nodata", "unavailable", "servfail", "timeout",
           "bogus"}
SOURCES = {"naptr", "srv", "a", "literal", "zone"}
TYPES = {"NAPTR", "SRV", "A", "AAAA"}
STATUSES = {"answer", "nodata", "nxdomain", "servfail", "timeout", "bogus"}
SEVERITIES = {"info", "warning", "error"}
# Stable finding ids and their severity (contract table).
FINDINGS = {
    "SRV_TARGET_CNAME": {"warning"},
    "SRV_TARGET_NO_ADDRESS": {"warning"},
    # error when it leaves no route, info when another service is used
    "SERVICE_UNAVAILABLE": {"error", "info"},
    "SRV_DOT_MIXED": {"warning"},
    "NAPTR_NONE_USABLE": {"warning"},
    "NAPTR_RECORD_IGNORED": {"info"},
    "NO_SRV_FALLBACK_A": {"info"},
    "DOMAIN_NXDOMAIN": {"error"},
    "NO_RECORDS": {"error"},
    "DNS_SERVFAIL": {"warning", "error"},
    "DNS_TIMEOUT": {"warning", "error"},
    "DNSSEC_BOGUS": {"error"},
    # info when _xmpp-server is used, error when that leaves no route
    "XMPPS_UNAVAILABLE": {"info", "error"},
    "PLAN_TRUNCATED": {"warning"},
    "RESOLVER_BUSY": {"error"},
    # the tester's own checks (diag/diag.c)
    # info while the profile's own records route, warning when they do not
    "LEGACY_SRV_LABEL": {"info", "warning"},
    "NAPTR_EQUAL_PREFERENCE": {"warning"},
    "TTL_LOW": {"warning"},
    "DNS_TRUNCATED_UDP": {"warning"},
    # error when no target has a public address
    "ADDRESS_NOT_PUBLIC": {"warning", "error"},
    # error when the results differ, warning when only records do
    "RESOLVERS_DISAGREE": {"warning", "error"},
    # --connect
    "CONNECT_REFUSED": {"error"},
    "CONNECT_TIMEOUT": {"error"},
    "CONNECT_FAILED": {"error"},
    "TLS_HANDSHAKE_FAILED": {"error"},
    "CERT_UNTRUSTED": {"error"},
    "CERT_EXPIRED": {"error"},
    "CERT_NOT_YET_VALID": {"error"},
    "CERT_EXPIRING": {"warning"},
    # warning when only the other name (domain / SRV target) matches
    "CERT_NAME_MISMATCH": {"warning", "error"},
    "PLAIN_ON_TLS_PORT": {"error"},
    "TLS_ON_PLAIN_PORT": {"error"},
    "SIP_OPTIONS_NO_ANSWER": {"error"},
    # warning for 3xx/4xx (there, but refuses us), error for 5xx/6xx
    "SIP_OPTIONS_ERROR": {"warning", "error"},
    "XMPP_STREAM_FAILED": {"error"},
    "XMPP_NO_STARTTLS": {"error"},
    "NO_TARGET_USABLE": {"error"},
    "SELF_RECORD_MISSING": {"error"},
    "CONNECT_DEADLINE": {"warning"},
}
# Findings that, as errors, mean no route is left although DNS gave
# targets: the lookup exits 2.
NO_ROUTE_FINDINGS = {"ADDRESS_NOT_PUBLIC", "NO_TARGET_USABLE",
                     "SELF_RECORD_MISSING"}
CHECK_KINDS = {"legacy-label", "naptr", "udp-size"}
VERDICTS = {0: "ok", 1: "warning", 2: "critical", 3: "unknown"}
EXIT_BY_RESULT = {"nxdomain": 2, "nodata": 2, "unavailable": 2,
                  "servfail": 3, "timeout": 3, "bogus": 3}

# Unbound hands out cached TTLs counted down in whole seconds; an answer
# stored just before a second boundary and read just after it is one
# second lower.  Every TTL check allows exactly that, nothing more.
TTL_SLACK = 1


def addr_key(a):
    return ipaddress.ip_address(a["address"])


def expected_exit(doc):
    if doc["result"] != "ok":
        return EXIT_BY_RESULT[doc["result"]]
    if any(f["id"] in NO_ROUTE_FINDINGS and f["severity"] == "error"
           for f in doc["findings"]):
        return 2
    if any(f["severity"] in ("warning", "error") for f in doc["findings"]):
        return 1
    return 0


class LookupTestCase(unittest.TestCase):
    """Base class: self.resolver must be set (or passed to lookup)."""

    maxDiff = None
    resolver = None

    # ------------------------------------------------------------ running
    def lookup(self, *args, resolver=True, expect_rc=None, timeout=30,
               extra=()):
        """Run `fedroute lookup --json [--resolver R] EXTRA ARGS`, validate the
        document, check the exit code (expect_rc, and always the one the
        result and findings imply), return the document."""
        argv = ["lookup", "--json"]
        if resolver is True:
            resolver = self.resolver
        if resolver:
            argv += ["--resolver", resolver]
        argv += list(extra) + list(args)
        res = nsdharness.run_fedroute(argv, timeout=timeout, expect_json=True)
        rc, doc, err = res
        ctx = "\n$ fedroute %s\nexit %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(argv), rc, res.stdout, err)
        self._ctx = ctx
        self.assertIsInstance(doc, dict, ctx)
        self.check_schema(doc, args[-1], ctx)
        self.assertEqual(rc, expected_exit(doc),
                         "exit status does not match result/findings" + ctx)
        self.assertEqual((doc["exit"], doc["verdict"]), (rc, VERDICTS[rc]),
                         "exit and verdict in the document" + ctx)
        if expect_rc is not None:
            self.assertEqual(rc, expect_rc, "exit status" + ctx)
        doc["_ctx"] = ctx
        doc["_seconds"] = res.seconds
        return doc

    def usage_error(self, *args):
        """Run fedroute with ARGS; it must exit 64 with a reason on stderr."""
        res = nsdharness.run_fedroute(list(args), timeout=30,
                                      expect_json=False)
        rc, _, err = res
        ctx = "\n$ fedroute %s\nexit %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(args), rc, res.stdout, err)
        self.assertEqual(rc, 64, "usage error must exit 64" + ctx)
        self.assertTrue(err.strip(), "usage error must say why on stderr" + ctx)
        return res

    # ------------------------------------------------------------- schema
    def check_schema(self, doc, target_arg, ctx):
        """Every field of the contract, with its type and allowed values."""
        a = self
        a.assertEqual(set(doc), {"version", "query", "result", "cache",
                                 "targets", "trace", "findings", "checks",
                                 "resolvers", "verdict", "exit"},
                      "top-level keys" + ctx)
        a.assertEqual(doc["version"], 1, ctx)
        # A one-shot lookup resolves now: "miss", or "none" for a literal
        # (no DNS); its data is as old as the lookup.
        c = doc["cache"]
        a.assertEqual(set(c), {"status", "age", "ttl_left"}, ctx)
        a.assertEqual(c["status"], "none" if not doc["trace"] else "miss",
                      "cache status" + ctx)
        a.assertEqual(c["age"], 0, ctx)

        q = doc["query"]
        a.assertEqual(set(q), {"input", "profile", "domain", "sips", "port",
                               "transports"}, "query keys" + ctx)
        a.assertEqual(q["input"], target_arg, "query.input is verbatim" + ctx)
        a.assertIn(q["profile"], {"sip", "ms-fed", "xmpp-s2s"}, ctx)
        a.assertIsInstance(q["domain"], str, ctx)
        a.assertIsInstance(q["sips"], bool, ctx)
        a.assertTrue(q["port"] is None or
                     (type(q["port"]) is int and 0 < q["port"] < 65536), ctx)
        a.assertIsInstance(q["transports"], list, ctx)
        a.assertTrue(set(q["transports"]) <= ALL_TRANSPORTS, ctx)

        a.assertIn(doc["result"], RESULTS, ctx)
        a.assertIsInstance(doc["targets"], list, ctx)
        a.assertIsInstance(doc["trace"], list, ctx)
        a.assertIsInstance(doc["findings"], list, ctx)
        # ok <=> at least one usable target
        a.assertEqual(doc["result"] == "ok", len(doc["targets"]) > 0,
                      "result ok iff targets" + ctx)

        for t in doc["targets"]:
            a.assertEqual(set(t), {"host", "port", "transport", "secure",
                                   "priority", "weight", "source", "naptr",
                                   "srv", "cname", "addresses", "health",
                                   "ttl", "connect"},
                          "target keys" + ctx)
            # Nothing reports health into a one-shot lookup.
            a.assertIsNone(t["health"], "no destination down" + ctx)
            h = t["host"]
            a.assertIsInstance(h, str, ctx)
            a.assertEqual(h, h.lower(), "host lower case" + ctx)
            a.assertFalse(h.endswith("."), "host without trailing dot" + ctx)
            a.assertTrue(type(t["port"]) is int and 0 < t["port"] < 65536, ctx)
            a.assertIn(t["transport"], WIRE_TRANSPORTS, ctx)
            a.assertIsInstance(t["secure"], bool, ctx)
            if t["transport"] != "sctp":
                a.assertEqual(t["secure"], t["transport"] == "tls",
                              "secure iff tls" + ctx)
            a.assertIn(t["source"], SOURCES, ctx)
            # priority/weight are the SRV fields: null iff no SRV
            for k in ("priority", "weight"):
                v = t[k]
                a.assertTrue(v is None or (type(v) is int and 0 <= v < 65536),
                             ctx)
                a.assertEqual(v is None, t["srv"] is None,
                              "%s null iff srv null" % k + ctx)
            if t["srv"] is not None:
                a.assertIsInstance(t["srv"], str, ctx)
                a.assertEqual(t["srv"], t["srv"].lower(), ctx)
                a.assertFalse(t["srv"].endswith("."), ctx)
            if t["source"] == "naptr":
                a.assertIsNotNone(t["naptr"], "source naptr has naptr" + ctx)
            if t["source"] in ("srv", "a", "literal"):
                a.assertIsNone(t["naptr"], ctx)
            if t["source"] in ("a", "literal"):
                a.assertIsNone(t["srv"], ctx)
            if t["naptr"] is not None:
                n = t["naptr"]
                a.assertEqual(set(n), {"order", "preference", "flags",
                                       "service"}, ctx)
                a.assertIsInstance(n["order"], int, ctx)
                a.assertIsInstance(n["preference"], int, ctx)
                a.assertIsInstance(n["flags"], str, ctx)
                a.assertIsInstance(n["service"], str, ctx)
            if t["cname"] is not None:
                a.assertIsInstance(t["cname"], str, ctx)
                a.assertEqual(t["cname"], t["cname"].lower(), ctx)
                a.assertFalse(t["cname"].endswith("."), ctx)
            addrs = t["addresses"]
            a.assertIsInstance(addrs, list, ctx)
            a.assertTrue(addrs, "a usable target has addresses" + ctx)
            fams = []
            for ad in addrs:
                a.assertEqual(set(ad), {"family", "address", "down"}, ctx)
                a.assertIs(ad["down"], False, ctx)
                a.assertIn(ad["family"], {"inet", "inet6"}, ctx)
                ip = ipaddress.ip_address(ad["address"])
                a.assertEqual(ip.version, 4 if ad["family"] == "inet" else 6,
                              ctx)
                a.assertEqual(ad["address"], str(ip), "canonical text" + ctx)
                fams.append(ad["family"])
            a.assertEqual(fams, sorted(fams), "A before AAAA" + ctx)
            for fam in ("inet", "inet6"):
                lst = [{k: ad[k] for k in ("family", "address")}
                       for ad in addrs if ad["family"] == fam]
                a.assertEqual(lst, sorted(lst, key=addr_key),
                              "addresses sorted" + ctx)
            if t["source"] == "literal":   # no DNS, so no TTL to speak of
                a.assertTrue(t["ttl"] is None or type(t["ttl"]) is int, ctx)
            else:
                a.assertTrue(type(t["ttl"]) is int and t["ttl"] >= 0,
                             "ttl" + ctx)

        for e in doc["trace"]:
            a.assertEqual(set(e), {"name", "type", "status", "rcode",
                                   "answers", "ttl", "ms", "secure"},
                          "trace keys" + ctx)
            a.assertIsInstance(e["name"], str, ctx)
            a.assertFalse(e["name"].endswith("."), ctx)
            a.assertIn(e["type"], TYPES, ctx)
            a.assertIn(e["status"], STATUSES, ctx)
            if e["status"] == "timeout":
                a.assertIsNone(e["rcode"], "rcode null on timeout" + ctx)
            else:
                a.assertIsInstance(e["rcode"], str, ctx)
            if e["status"] == "nxdomain":
                a.assertEqual(e["rcode"], "NXDOMAIN", ctx)
            if e["status"] in ("answer", "nodata"):
                a.assertEqual(e["rcode"], "NOERROR", ctx)
            a.assertTrue(type(e["answers"]) is int and e["answers"] >= 0, ctx)
            if e["status"] == "answer":
                a.assertGreater(e["answers"], 0, "answer has records" + ctx)
                a.assertIs(type(e["ttl"]), int, "answer has a ttl" + ctx)
            elif e["status"] in ("nodata", "nxdomain", "timeout"):
                a.assertEqual(e["answers"], 0, "no records" + ctx)
            a.assertTrue(e["ttl"] is None or
                         (type(e["ttl"]) is int and e["ttl"] >= 0), ctx)
            if e["status"] in ("servfail", "timeout"):
                a.assertIsNone(e["ttl"], ctx)
            a.assertIsInstance(e["ms"], (int, float), ctx)
            a.assertGreaterEqual(e["ms"], 0, ctx)
            a.assertIsInstance(e["secure"], bool, ctx)

        for f in doc["findings"]:
            a.assertEqual(set(f), {"id", "severity", "message", "hint",
                                   "target"}, ctx)
            a.assertIn(f["id"], FINDINGS, "stable finding id" + ctx)
            a.assertIn(f["severity"], FINDINGS[f["id"]],
                       "severity of %s" % f["id"] + ctx)
            a.assertIsInstance(f["message"], str, ctx)
            a.assertTrue(f["message"].strip(), ctx)
            a.assertIsInstance(f["hint"], str, ctx)
            a.assertTrue(f["hint"].strip(), "every finding has a hint" + ctx)
            a.assertNotIn("\n", f["hint"], "a hint is one line" + ctx)
            a.assertTrue(f["target"] is None or
                         (type(f["target"]) is int and
                          0 <= f["target"] < len(doc["targets"])),
                         "finding target indexes targets" + ctx)

        for c in doc["checks"]:
            a.assertEqual(set(c), {"check", "name", "type", "server",
                                   "status", "answers", "ttl", "size",
                                   "truncated", "authoritative", "ms"},
                          "check keys" + ctx)
            a.assertIn(c["check"], CHECK_KINDS, ctx)
            a.assertIn(c["type"], TYPES, ctx)
            a.assertIn(c["status"], STATUSES, ctx)
            a.assertEqual(c["server"] is None, c["check"] != "udp-size",
                          "server iff udp-size" + ctx)
            if c["check"] != "udp-size":
                a.assertIsNone(c["size"], ctx)
            if c["size"] is None:
                a.assertIsNone(c["truncated"], ctx)
                a.assertIsNone(c["authoritative"], ctx)
            else:
                a.assertIsInstance(c["truncated"], bool, ctx)
                a.assertIsInstance(c["authoritative"], bool, ctx)
                a.assertGreater(c["size"], 0, ctx)

    # ------------------------------------------------------------ helpers
    def ctx(self, doc):
        return doc.get("_ctx", "")

    @staticmethod
    def summary(doc):
        """[(host, port, transport), ...] in plan order."""
        return [(t["host"], t["port"], t["transport"]) for t in doc["targets"]]

    @staticmethod
    def finding_ids(doc):
        return [f["id"] for f in doc["findings"]]

    def assert_findings(self, doc, expected, optional=None):
        """expected: {id: (severity, count or None for >= 1)}, each present;
        optional: {id: (severity, count or None)} that may be absent; no
        other ids."""
        ids = set(self.finding_ids(doc))
        optional = optional or {}
        self.assertTrue(set(expected) <= ids <= set(expected) | set(optional),
                        "finding ids %s, want %s (optional %s)%s"
                        % (sorted(ids), sorted(expected), sorted(optional),
                           self.ctx(doc)))
        for fid, (sev, count) in list(expected.items()) + [
                (k, v) for k, v in optional.items() if k in ids]:
            fs = [f for f in doc["findings"] if f["id"] == fid]
            for f in fs:
                self.assertEqual(f["severity"], sev,
                                 "severity of %s" % fid + self.ctx(doc))
            if count is not None:
                self.assertEqual(len(fs), count,
                                 "number of %s" % fid + self.ctx(doc))

    def traces(self, doc, name, qtype):
        return [e for e in doc["trace"]
                if e["name"] == name and e["type"] == qtype]

    def trace_index(self, doc, name, qtype):
        for i, e in enumerate(doc["trace"]):
            if e["name"] == name and e["type"] == qtype:
                return i
        self.fail("no %s %s question in the trace%s"
                  % (name, qtype, self.ctx(doc)))

    def assert_trace(self, doc, name, qtype, status, rcode=None,
                     answers=None, ttl=None, secure=False):
        """Every question name/qtype in the trace (at least one) has these
        values; ttl allows TTL_SLACK seconds of count-down; ttl=None with
        status servfail/timeout means null."""
        es = self.traces(doc, name, qtype)
        self.assertTrue(es, "no %s %s question in the trace%s"
                        % (name, qtype, self.ctx(doc)))
        if rcode is None:
            rcode = {"answer": "NOERROR", "nodata": "NOERROR",
                     "nxdomain": "NXDOMAIN"}.get(status)
        for e in es:
            what = "%s %s: " % (name, qtype)
            self.assertEqual(e["status"], status, what + "status" +
                             self.ctx(doc))
            if rcode is not None:
                if isinstance(rcode, (set, tuple)):
                    self.assertIn(e["rcode"], rcode, what + "rcode" +
                                  self.ctx(doc))
                else:
                    self.assertEqual(e["rcode"], rcode, what + "rcode" +
                                     self.ctx(doc))
            if answers is not None:
                self.assertEqual(e["answers"], answers, what + "answers" +
                                 self.ctx(doc))
            if ttl is not None:
                self.assert_ttl(e["ttl"], ttl, doc, what + "ttl")
            if secure is not None:
                self.assertEqual(e["secure"], secure, what + "secure" +
                                 self.ctx(doc))
        return es

    def assert_ttl(self, got, want, doc, what="ttl"):
        self.assertIsNotNone(got, what + self.ctx(doc))
        self.assertTrue(want - TTL_SLACK <= got <= want,
                        "%s: %r, want %d (at most %d s counted down)%s"
                        % (what, got, want, TTL_SLACK, self.ctx(doc)))

    def assert_no_question(self, doc, name, qtype=None):
        es = [e for e in doc["trace"] if e["name"] == name and
              (qtype is None or e["type"] == qtype)]
        self.assertEqual(es, [], "unexpected question %s %s%s"
                         % (name, qtype or "", self.ctx(doc)))

    def assert_target(self, t, doc, **want):
        """Field-by-field: every given field must equal; addresses given as
        a list of address strings (family derived) in the expected order;
        ttl with TTL_SLACK."""
        for k, v in want.items():
            if k == "addresses":
                exp = [{"family": "inet6" if ":" in s else "inet",
                        "address": s} for s in v]
                # "down" is checked (always false here) by check_schema.
                got = [{k: ad[k] for k in ("family", "address")}
                       for ad in t["addresses"]]
                self.assertEqual(got, exp, "addresses of %s%s"
                                 % (t["host"], self.ctx(doc)))
            elif k == "ttl":
                self.assert_ttl(t["ttl"], v, doc, "ttl of %s" % t["host"])
            elif k == "naptr" and v is not None:
                n = t["naptr"]
                self.assertIsNotNone(n, "naptr of %s%s"
                                     % (t["host"], self.ctx(doc)))
                self.assertEqual(
                    (n["order"], n["preference"], n["flags"].lower(),
                     n["service"].upper()),
                    (v[0], v[1], v[2].lower(), v[3].upper()),
                    "naptr of %s%s" % (t["host"], self.ctx(doc)))
            else:
                self.assertEqual(t[k], v, "%s of %s%s"
                                 % (k, t["host"], self.ctx(doc)))


# ---- module fixture --------------------------------------------------------

SHARED_NSD = None


def start_shared_nsd():
    """setUpModule for a test module: one NSD serving zones/demo and
    zones/test, used as the resolver of every LookupTestCase."""
    global SHARED_NSD
    fr = nsdharness.fedroute_path()
    if not os.access(fr, os.X_OK):
        raise RuntimeError("fedroute not found: %s (set FEDROUTE)" % fr)
    SHARED_NSD = nsdharness.NsdServer(nsdharness.zone_files("demo", "test"))
    SHARED_NSD.start()
    LookupTestCase.resolver = SHARED_NSD.resolver


def stop_shared_nsd():
    """tearDownModule to match start_shared_nsd."""
    if SHARED_NSD is not None:
        SHARED_NSD.stop()
