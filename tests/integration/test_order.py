#!/usr/bin/env python3
"""Integration tests: RFC 2782 weighted order and `--seed`.

Distribution checks run seeds 0..N-1 and count how often a record comes
first.  Each bound is the binomial mean +- 4 standard deviations
(sd = sqrt(N p (1 - p))): a correct implementation fails one of these
checks with probability about 6e-5 per check for a random-looking seed
sequence, while each typical mistake (uniform instead of weighted, weight 0
never or always first, draw from 1..sum or 0..sum-1) lands far outside.

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_order.py
"""

import math
import os
import sys
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import lookupcheck  # noqa: E402
from lookupcheck import LookupTestCase, expected_exit  # noqa: E402

N = 400                  # seeds 0..399
SIGMAS = 4


# One NSD for the whole module, serving zones/demo and zones/test.
setUpModule = lookupcheck.start_shared_nsd
tearDownModule = lookupcheck.stop_shared_nsd


def bounds(p, n=N, k=SIGMAS):
    """[lo, hi] for the count of an event of probability p in n draws."""
    mean = n * p
    sd = math.sqrt(n * p * (1 - p))
    return math.floor(mean - k * sd), math.ceil(mean + k * sd)


class Order(LookupTestCase):

    def hosts(self, domain, seed):
        doc = self.lookup("--seed", str(seed), domain, expect_rc=0)
        return [t["host"] for t in doc["targets"]]

    def many(self, domain, seeds=range(N), repeat=1):
        """Host order for every seed: {seed: [host, ...]}, or with repeat > 1
        {seed: [[host, ...] per run]}.  The CLI runs in parallel; the full
        document of each run is still checked against the schema."""
        def one(job):
            seed, _ = job
            res = nsdharness.run_fedroute(
                ["lookup", "--json", "--resolver", self.resolver,
                 "--seed", str(seed), domain], expect_json=True)
            return seed, res
        jobs = [(seed, r) for seed in seeds for r in range(repeat)]
        out = {}
        workers = min(8, 2 * (os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as ex:
            for seed, res in ex.map(one, jobs):
                rc, doc, err = res
                ctx = "\nseed %d: exit %d\n%s\n%s" % (seed, rc, res.stdout,
                                                      err)
                self.check_schema(doc, domain, ctx)
                self.assertEqual(rc, expected_exit(doc), ctx)
                self.assertEqual(rc, 0, ctx)
                out.setdefault(seed, []).append(
                    [(t["host"], t["port"], t["transport"])
                     for t in doc["targets"]])
        if repeat == 1:
            return {seed: [h for h, _, _ in runs[0]]
                    for seed, runs in out.items()}
        return out

    def assert_count(self, count, p, what, n=N):
        lo, hi = bounds(p, n)
        self.assertTrue(lo <= count <= hi,
                        "%s: %d of %d, expected %.1f (p=%.4f), allowed "
                        "[%d, %d] (+-%d sd)" % (what, count, n, n * p, p, lo,
                                                hi, SIGMAS))

    # ----------------------------------------------------------- seeding
    def test_same_seed_same_order(self):
        # The plan for one seed must depend on nothing else.  Answers come
        # back from libunbound in an RR order that changes from one second
        # to the next (PITFALLS: "sort yourself"), so each (domain, seed)
        # is run RUNS times spread over SPREAD seconds; all plans must be
        # equal.  The jobs run side by side, so this takes about SPREAD s.
        RUNS, SPREAD = 6, 2.5
        domains = ("equal.cases.test", "weighted.cases.test",
                   "w0mix.cases.test", "allzero.cases.test",
                   "rfc3263.test", "xmpp:enterprise.test")
        seeds = (0, 7, 4242)

        def job(ds):
            domain, seed = ds
            plans = []
            for i in range(RUNS):
                if i:
                    time.sleep(SPREAD / (RUNS - 1))
                res = nsdharness.run_fedroute(
                    ["lookup", "--json", "--resolver", self.resolver,
                     "--seed", str(seed), domain], expect_json=True)
                rc, doc, err = res
                plans.append((rc, tuple((t["host"], t["port"], t["transport"])
                                        for t in doc["targets"])))
            return domain, seed, plans

        jobs = [(d, s) for d in domains for s in seeds]
        with ThreadPoolExecutor(max_workers=len(jobs)) as ex:
            results = list(ex.map(job, jobs))
        for domain, seed, plans in results:
            with self.subTest(domain=domain, seed=seed):
                self.assertEqual({rc for rc, _ in plans}, {0})
                distinct = sorted({p for _, p in plans})
                self.assertEqual(len(distinct), 1,
                                 "--seed %d gave %d different plans for %s "
                                 "in %d runs:\n%s"
                                 % (seed, len(distinct), domain, RUNS,
                                    "\n".join(map(str, distinct))))

    def test_seed_changes_order(self):
        # with equal weights, 40 seeds all giving one order would mean the
        # seed is ignored (probability 2 * 2^-40 if it is used)
        orders = {tuple(h) for h in self.many("equal.cases.test",
                                              range(40)).values()}
        self.assertEqual(len(orders), 2, orders)

    # ------------------------------------------------------ distribution
    def test_weights_20_80(self):
        runs = self.many("weighted.cases.test")
        light = sum(1 for h in runs.values()
                    if h[0] == "light.weighted.cases.test")
        for seed, h in runs.items():
            self.assertEqual(sorted(h[:2]), ["heavy.weighted.cases.test",
                                             "light.weighted.cases.test"],
                             "seed %d: %s" % (seed, h))
            # priority 20 always after priority 10
            self.assertEqual(h[2], "standby.weighted.cases.test",
                             "seed %d: %s" % (seed, h))
        # p(light first) = 20/100: mean 80, sd 8, allowed [48, 112]
        self.assert_count(light, 20 / 100, "weight 20 first")

    def test_equal_weights(self):
        runs = self.many("equal.cases.test", range(200))
        a = sum(1 for h in runs.values() if h[0] == "a.equal.cases.test")
        # 200 seeds, p = 1/2: mean 100, sd 7.1, allowed [71, 129]
        self.assert_count(a, 1 / 2, "a first of two equal", n=200)

    def test_weight_zero_among_nonzero(self):
        runs = self.many("w0mix.cases.test")
        zero = "zero.w0mix.cases.test"
        first = sum(1 for h in runs.values() if h[0] == zero)
        last = sum(1 for h in runs.values() if h[-1] == zero)
        # RFC 2782: the weight-0 record is first in the running sum, and
        # is chosen when the draw from 0..100 is 0: p(first) = 1/101.
        # mean 4.0, sd 2.0, allowed [0, 12]; uniform order would give 133.
        self.assert_count(first, 1 / 101, "weight 0 first of (0, 50, 50)")
        # last: not first (100/101) and then not first of (0, 50) (50/51)
        # mean 388.3, sd 3.4, allowed [374, 400]; uniform would give 133.
        self.assert_count(last, (100 / 101) * (50 / 51),
                          "weight 0 last of (0, 50, 50)")

    def test_weight_zero_can_come_first(self):
        runs = self.many("w0one.cases.test")
        zero = sum(1 for h in runs.values()
                   if h[0] == "zero.w0one.cases.test")
        # weights (0, 1): draw from 0..1, 0 picks the weight-0 record:
        # p = 1/2, mean 200, sd 10, allowed [160, 240].  "Never" (draw
        # from 1..sum) gives 0, draw from 0..sum-1 gives 400.
        self.assert_count(zero, 1 / 2, "weight 0 first of (0, 1)")

    def test_all_weights_zero_keeps_all(self):
        runs = self.many("allzero.cases.test", range(20))
        for seed, h in runs.items():
            self.assertEqual(sorted(h), ["z1.allzero.cases.test",
                                         "z2.allzero.cases.test",
                                         "z3.allzero.cases.test"],
                             "seed %d: %s" % (seed, h))

    def test_cluster_pair_and_standby(self):
        # rfc3263.test: expe1/expe2 share priority 1 (weight 1 each), the
        # standby (priority 10) is last in every SRV set, for every seed.
        runs = self.many("sips:rfc3263.test", range(40))
        firsts = set()
        for seed, h in runs.items():
            self.assertEqual(sorted(h[:2]), ["expe1.rfc3263.test",
                                             "expe2.rfc3263.test"], h)
            self.assertEqual(h[2], "standby.rfc3263.test", h)
            firsts.add(h[0])
        self.assertEqual(len(firsts), 2, "both edges come first sometimes")


if __name__ == "__main__":
    unittest.main(verbosity=2)
