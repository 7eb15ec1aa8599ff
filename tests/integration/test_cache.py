#!/usr/bin/env python3
"""Integration tests: the resolver cache and destination health against a
real NSD that the test stops and restarts.

One long-running resolver (tests/integration/resolver_driver) keeps its
cache between lookups.  zones/test/cache.test.zone has 2-second TTLs.  The
driver runs with --fake-clock: the resolver's cache and health table read
a clock that only the test moves ("advance"), and libunbound keeps no
cache of its own, so entries expire when the test says, with no sleeping;
"DNS not asked" is checked by counting questions, not by timing them:

* NSD stopped: a cached domain keeps resolving, served stale and flagged;
  a domain never asked fails fast with a clear result.
* NSD back: fresh answers again.
* A destination reported down moves to the end of its domain's plan, for
  that address only; other domains are unaffected.
"""

import json
import os
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402

TTL = 2.0           # every record of short.cache.test
TIMEOUT_MS = 700    # per DNS question, for the dead-NSD cases
STALE_RETRY = 3     # seconds a stale entry is served without asking


def driver_path():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("RESOLVER_DRIVER",
                          os.path.join(here, "resolver_driver"))


class Driver:
    """The resolver driver process: send a command, read its answer."""

    def __init__(self, resolver):
        self.proc = subprocess.Popen(
            [driver_path(), "--resolver", resolver,
             "--timeout", str(TIMEOUT_MS),
             "--stale-retry", str(STALE_RETRY), "--fake-clock"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = []
        while True:
            got = self.proc.stdout.readline()
            if got == "":
                raise RuntimeError("driver died during: " + line)
            if got == ".\n":
                break
            out.append(got)
        return "".join(out)

    def lookup(self, target, profile="ms-fed"):
        t0 = time.monotonic()
        text = self.cmd("lookup %s %s" % (profile, target))
        took = time.monotonic() - t0
        try:
            return json.loads(text), took
        except ValueError:
            raise AssertionError("not JSON for %s: %r" % (target, text))

    def advance(self, seconds):
        """Move the resolver's clock forward."""
        out = self.cmd("advance %r" % seconds)
        if out.strip() != "ok":
            raise AssertionError("advance %r: %r" % (seconds, out))

    def questions(self):
        """DNS questions the resolver has asked so far."""
        return json.loads(self.cmd("stats"))["questions"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def zones():
    return nsdharness.zone_files("test")


class CacheAgainstNsd(unittest.TestCase):

    def setUp(self):
        self.nsd = nsdharness.NsdServer(zones())
        self.nsd.start()
        self.port = self.nsd.port
        self.drv = Driver(self.nsd.resolver)

    def tearDown(self):
        self.drv.close()
        if self.nsd is not None:
            self.nsd.stop()

    def restart_nsd(self):
        self.nsd = nsdharness.NsdServer(zones(), port=self.port)
        self.nsd.start()

    def ids(self, doc):
        return [f["id"] for f in doc["findings"]]

    def test_stale_while_dns_down_then_fresh(self):
        doc, _ = self.drv.lookup("short.cache.test")
        self.assertEqual(doc["result"], "ok")
        self.assertEqual(doc["cache"]["status"], "miss")
        self.assertEqual(doc["cache"]["ttl_left"], TTL)
        hosts = sorted(t["host"] for t in doc["targets"])
        self.assertEqual(hosts, ["sip1.short.cache.test",
                                 "sip2.short.cache.test"])

        # Still fresh: answered from the cache.
        doc, _ = self.drv.lookup("short.cache.test")
        self.assertEqual(doc["cache"]["status"], "hit")
        self.assertNotIn("CACHE_STALE", self.ids(doc))

        self.nsd.stop()
        self.nsd = None
        self.drv.advance(TTL + 1.5)

        # Expired and DNS is down: the old answer, flagged stale.
        doc, took = self.drv.lookup("short.cache.test")
        self.assertEqual(doc["result"], "ok", doc)
        self.assertEqual(doc["cache"]["status"], "stale")
        self.assertLess(doc["cache"]["ttl_left"], 0)
        self.assertEqual(sorted(t["host"] for t in doc["targets"]), hosts)
        stale = [f for f in doc["findings"] if f["id"] == "CACHE_STALE"]
        self.assertEqual(len(stale), 1)
        self.assertEqual(stale[0]["severity"], "warning")
        self.assertIn("short.cache.test", stale[0]["message"])
        # No longer than one failed round of questions.
        self.assertLess(took, 4 * TIMEOUT_MS / 1000.0 + 1.0)

        # Within the recheck interval: stale at once, DNS not asked.
        asked = self.drv.questions()
        doc, took = self.drv.lookup("short.cache.test")
        self.assertEqual(doc["cache"]["status"], "stale")
        self.assertEqual(self.drv.questions(), asked)

        # Never asked before: fails fast and says why.
        doc, took = self.drv.lookup("other.cache.test")
        self.assertIn(doc["result"], ("timeout", "servfail"), doc)
        self.assertEqual(doc["cache"]["status"], "miss")
        self.assertEqual(doc["targets"], [])
        self.assertTrue({"DNS_TIMEOUT", "DNS_SERVFAIL"} & set(self.ids(doc)))
        self.assertLess(took, 4 * TIMEOUT_MS / 1000.0 + 1.0)

        stats = json.loads(self.drv.cmd("stats"))
        self.assertEqual(stats["stale_served"], 2)

        # DNS back: after the recheck interval the stale domain is fresh
        # again, and the failure of the other one (kept 5 s) is gone.
        self.restart_nsd()
        self.drv.advance(STALE_RETRY + 0.2)
        doc, _ = self.drv.lookup("short.cache.test")
        self.assertEqual(doc["result"], "ok", doc)
        self.assertEqual(doc["cache"]["status"], "miss")
        # Fresh data; at a whole-second boundary libunbound may hand a
        # record over with 0 s left, so only the range is certain.
        self.assertTrue(0 <= doc["cache"]["ttl_left"] <= TTL, doc["cache"])
        self.assertNotIn("CACHE_STALE", self.ids(doc))
        self.drv.advance(max(0.0, 5.2 - STALE_RETRY - 0.2))
        doc, _ = self.drv.lookup("other.cache.test")
        self.assertEqual(doc["result"], "ok", doc)
        self.assertEqual(doc["cache"]["status"], "miss")
        self.assertNotIn("CACHE_STALE", self.ids(doc))
        self.assertEqual(doc["targets"][0]["host"], "sip.other.cache.test")

    def test_down_destination_moves_last_for_that_address_only(self):
        doc, _ = self.drv.lookup("short.cache.test")
        self.assertEqual(len(doc["targets"]), 2)
        out = self.drv.cmd("fail 127.0.1.61 5061 tls")
        self.assertEqual(out.strip(), "ok")

        # sip1 has another address (IPv6): only the IPv4 one moves last.
        for _ in range(10):
            doc, _ = self.drv.lookup("short.cache.test")
            t = {x["host"]: x for x in doc["targets"]}
            sip1 = t["sip1.short.cache.test"]
            self.assertEqual([a["address"] for a in sip1["addresses"]],
                             ["2001:db8:61::1", "127.0.1.61"])
            self.assertEqual([a["down"] for a in sip1["addresses"]],
                             [False, True])
            self.assertEqual(sip1["health"]["addresses_down"], 1)
            self.assertIs(sip1["health"]["down"], False)
            self.assertIsNone(t["sip2.short.cache.test"]["health"])
            self.assertIn("TARGET_DOWN", self.ids(doc))

        # sip2 (one address) down: it goes last, every time.
        self.drv.cmd("fail 127.0.1.62 5061 tls")
        for _ in range(10):
            doc, _ = self.drv.lookup("short.cache.test")
            self.assertEqual(doc["targets"][-1]["host"],
                             "sip2.short.cache.test")
            self.assertIs(doc["targets"][-1]["health"]["down"], True)
            self.assertGreater(doc["targets"][-1]["health"]["retry_in"], 0)

        # The same address on another port or transport is not down,
        # and a domain sharing nothing with it is untouched.
        doc, _ = self.drv.lookup("sip:127.0.1.62:5062;transport=tls", "sip")
        self.assertIsNone(doc["targets"][0]["health"])
        doc, _ = self.drv.lookup("lone.cache.test")
        self.assertEqual(doc["result"], "ok")
        self.assertIsNone(doc["targets"][0]["health"])
        self.assertNotIn("TARGET_DOWN", self.ids(doc))

        # A success forgets the failure.
        self.drv.cmd("ok 127.0.1.62 5061 tls")
        doc, _ = self.drv.lookup("short.cache.test")
        t = {x["host"]: x for x in doc["targets"]}
        self.assertIsNone(t["sip2.short.cache.test"]["health"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
