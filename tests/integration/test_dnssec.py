#!/usr/bin/env python3
"""Integration tests: DNSSEC validation with --trust-anchor.

A small zone signed.test is made in a private temporary directory, given a
KSK with ldns-keygen (ECDSAP256SHA256) and signed with ldns-signzone.  Two
NSD instances serve it: one the correctly signed zone, one a copy where an
SRV port was changed after signing (its RRSIG no longer matches).

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_dnssec.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
from lookupcheck import LookupTestCase  # noqa: E402

ORIGIN = "signed.test"
ZONE = """\
; signed.test -- made and signed by test_dnssec.py
$ORIGIN signed.test.
$TTL 300
@        3600 IN SOA  ns1.signed.test. hostmaster.signed.test. (
                      1 7200 1800 1209600 360 )   ; negative TTL 360
@             IN NS   ns1.signed.test.
ns1           IN A    127.0.4.53
_sips._tcp    IN SRV  0 0 5061 sip.signed.test.
sip           IN A    127.0.4.1
sip           IN AAAA 2001:db8:4::1
"""

TMP = None
GOOD = None        # NsdServer with the signed zone
BAD = None         # NsdServer with the tampered zone
DS = DNSKEY = OTHER_DS = None


def tool(env, name):
    path = os.environ.get(env) or shutil.which(name) or "/usr/bin/" + name
    if not os.access(path, os.X_OK):
        raise RuntimeError("%s not found (set %s)" % (name, env))
    return path


def run(argv, cwd):
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv),
                                                   p.returncode,
                                                   p.stderr.decode()))
    return p.stdout.decode().strip()


def keygen(cwd):
    """A KSK for signed.test; returns the key base name (no extension)."""
    return run([tool("LDNS_KEYGEN", "ldns-keygen"), "-a", "ECDSAP256SHA256",
                "-k", ORIGIN], cwd)


def setUpModule():
    global TMP, GOOD, BAD, DS, DNSKEY, OTHER_DS
    fr = nsdharness.fedroute_path()
    if not os.access(fr, os.X_OK):
        raise RuntimeError("fedroute not found: %s (set FEDROUTE)" % fr)
    TMP = tempfile.mkdtemp(prefix="fedroute-dnssec-")
    try:
        with open(os.path.join(TMP, "unsigned.zone"), "w") as fh:
            fh.write(ZONE)
        key = keygen(TMP)
        run([tool("LDNS_SIGNZONE", "ldns-signzone"), "-f",
             os.path.join(TMP, "signed.out"), "-o", ORIGIN,
             os.path.join(TMP, "unsigned.zone"), key], TMP)
        DS = os.path.join(TMP, key + ".ds")
        DNSKEY = os.path.join(TMP, key + ".key")
        # an unrelated key: as an anchor, nothing validates against it
        os.mkdir(os.path.join(TMP, "other"))
        other = keygen(os.path.join(TMP, "other"))
        OTHER_DS = os.path.join(TMP, "other", other + ".ds")

        with open(os.path.join(TMP, "signed.out")) as fh:
            signed = fh.read()
        for d in ("good", "bad"):
            os.mkdir(os.path.join(TMP, d))
        with open(os.path.join(TMP, "good", ORIGIN + ".zone"), "w") as fh:
            fh.write(signed)
        # Tamper: the SRV port 5061 -> 5062, the RRSIG left as it was.
        lines = signed.splitlines(True)
        hit = [i for i, l in enumerate(lines)
               if l.split()[3:4] == ["SRV"] and "5061" in l]
        if len(hit) != 1:
            raise RuntimeError("expected one SRV line in the signed zone")
        lines[hit[0]] = lines[hit[0]].replace(" 5061 ", " 5062 ")
        with open(os.path.join(TMP, "bad", ORIGIN + ".zone"), "w") as fh:
            fh.write("".join(lines))

        GOOD = nsdharness.NsdServer([os.path.join(TMP, "good",
                                                  ORIGIN + ".zone")]).start()
        BAD = nsdharness.NsdServer([os.path.join(TMP, "bad",
                                                 ORIGIN + ".zone")]).start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    for s in (GOOD, BAD):
        if s is not None:
            s.stop()
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


class Dnssec(LookupTestCase):

    def check_ok(self, doc, secure):
        self.assertEqual(self.summary(doc),
                         [("sip.signed.test", 5061, "tls")], doc["_ctx"])
        self.assert_target(doc["targets"][0], doc, source="srv",
                           srv="_sips._tcp.signed.test",
                           addresses=["127.0.4.1", "2001:db8:4::1"], ttl=300)
        self.assertTrue(doc["trace"], doc["_ctx"])
        for e in doc["trace"]:
            self.assertIs(e["secure"], secure, doc["_ctx"])
        self.assert_trace(doc, "_sips._tcp.signed.test", "SRV", "answer",
                          answers=1, ttl=300, secure=secure)
        self.assert_trace(doc, "signed.test", "NAPTR", "nodata", ttl=360,
                          secure=secure)
        self.assertEqual(doc["findings"], [], doc["_ctx"])

    def test_signed_with_ds_anchor(self):
        doc = self.lookup("--trust-anchor", DS, "signed.test",
                          resolver=GOOD.resolver, expect_rc=0)
        self.check_ok(doc, True)

    def test_signed_with_dnskey_anchor(self):
        doc = self.lookup("--trust-anchor", DNSKEY, "signed.test",
                          resolver=GOOD.resolver, expect_rc=0)
        self.check_ok(doc, True)

    def test_signed_without_anchor_is_insecure(self):
        doc = self.lookup("signed.test", resolver=GOOD.resolver, expect_rc=0)
        self.check_ok(doc, False)

    def test_tampered_is_bogus(self):
        doc = self.lookup("--trust-anchor", DS, "signed.test",
                          resolver=BAD.resolver, expect_rc=3)
        self.assertEqual(doc["result"], "bogus", doc["_ctx"])
        self.assertEqual(doc["targets"], [], doc["_ctx"])
        self.assert_findings(doc, {"DNSSEC_BOGUS": ("error", None)})
        self.assert_trace(doc, "_sips._tcp.signed.test", "SRV", "bogus",
                          secure=False)
        self.assert_no_question(doc, "sip.signed.test")
        # the untouched answers still validate
        self.assert_trace(doc, "signed.test", "NAPTR", "nodata", secure=True)

    def test_tampered_without_anchor_is_believed(self):
        # no anchor, no validation: the forged port goes through
        doc = self.lookup("signed.test", resolver=BAD.resolver, expect_rc=0)
        self.assertEqual(self.summary(doc),
                         [("sip.signed.test", 5062, "tls")], doc["_ctx"])

    def test_wrong_anchor_is_bogus(self):
        doc = self.lookup("--trust-anchor", OTHER_DS, "signed.test",
                          resolver=GOOD.resolver, expect_rc=3)
        self.assertEqual(doc["result"], "bogus", doc["_ctx"])
        self.assertIn("DNSSEC_BOGUS", self.finding_ids(doc), doc["_ctx"])
        for e in doc["trace"]:
            self.assertEqual(e["status"], "bogus", doc["_ctx"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
