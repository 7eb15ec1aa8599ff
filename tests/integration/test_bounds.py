#!/usr/bin/env python3
"""Integration tests: the resolver's bounds against hostile zones served
by a real NSD (issue 8, "Bounded DNS work"; issue 12 item 11).

The hostile zone is written at run time (a few thousand records; kept
out of zones/test/ so that other tests' NSDs do not load it):

* many.hostile.test: 1000 SRV targets, each with an A record.  A lookup
  resolves at most 64 targets (the default bound) and says what it cut.
* Between fedroute and NSD sits a counting relay (UDP and TCP) that
  holds each answer 20 ms and counts the questions that reach NSD: one
  lookup of that zone asked over 1500 before the bounds, about 200 now.
  (Questions in flight per chain are bounded too, but libunbound queues
  on its own, so the relay cannot see that bound: test_bounds.c can.)
* huge.hostile.test: 2000 SRV records, too large for any DNS message.
  NSD answers TC even over TCP; through libunbound's auth-zone (--zone)
  the lookup used to say "nodata" and fall back to the A record.  Both
  paths now fail the question and say so.
"""

import os
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402

ORIGIN = "hostile.test"
MANY = 1000
HUGE = 2000
HOLD = 0.02          # seconds the relay holds each answer


def write_zone(path):
    lines = ["$ORIGIN %s." % ORIGIN, "$TTL 300",
             "@ IN SOA ns admin 1 3600 600 86400 300", "@ IN NS ns",
             "ns IN A 127.0.0.1"]
    for i in range(MANY):
        lines.append("_sips._tcp.many IN SRV %d 10 5061 h%d.many"
                     % (i % 100, i))
        lines.append("h%d.many IN A 127.0.%d.%d"
                     % (i, 4 + i // 250, 1 + i % 250))
    for i in range(HUGE):
        lines.append("_sips._tcp.huge IN SRV 0 0 5061 "
                     "a-longer-target-name-%d.huge" % i)
    lines.append("huge IN A 127.0.10.1")
    with open(path, "w") as fp:
        fp.write("\n".join(lines) + "\n")


class CountingRelay:
    """DNS relay on a free loopback port to an upstream ADDR@PORT, over
    UDP and TCP, that holds each answer HOLD seconds and counts the
    questions in flight.  Every loop is bounded by socket time-outs and
    the stop flag; stop() joins the threads."""

    def __init__(self, upstream):
        host, port = upstream.split("@")
        self.upstream = (host, int(port))
        self.port = nsdharness.free_port()
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.total = 0
        self.stopping = False
        self.threads = []
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(64)
        self.tcp.settimeout(0.2)

    @property
    def resolver(self):
        return "127.0.0.1@%d" % self.port

    def _enter(self):
        with self.lock:
            self.now += 1
            self.total += 1
            self.peak = max(self.peak, self.now)

    def _leave(self):
        with self.lock:
            self.now -= 1

    def _spawn(self, fn, *args):
        t = threading.Thread(target=fn, args=args, daemon=True)
        self.threads.append(t)
        t.start()

    def _udp_one(self, query, client):
        self._enter()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(2)
                s.sendto(query, self.upstream)
                answer = s.recv(65535)
            time.sleep(HOLD)
            self.udp.sendto(answer, client)
        except OSError:
            pass
        finally:
            self._leave()

    def _udp_loop(self):
        while not self.stopping:
            try:
                query, client = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self._spawn(self._udp_one, query, client)

    @staticmethod
    def _read_msg(conn):
        head = b""
        while len(head) < 2:
            got = conn.recv(2 - len(head))
            if not got:
                return None
            head += got
        (n,) = struct.unpack("!H", head)
        body = b""
        while len(body) < n:
            got = conn.recv(n - len(body))
            if not got:
                return None
            body += got
        return body

    def _tcp_conn(self, conn):
        conn.settimeout(5)
        with conn:
            for _ in range(1000):
                try:
                    query = self._read_msg(conn)
                except OSError:
                    return
                if query is None:
                    return
                self._enter()
                try:
                    with socket.create_connection(self.upstream, 2) as up:
                        up.sendall(struct.pack("!H", len(query)) + query)
                        answer = self._read_msg(up)
                    if answer is None:
                        return
                    time.sleep(HOLD)
                    conn.sendall(struct.pack("!H", len(answer)) + answer)
                except OSError:
                    return
                finally:
                    self._leave()

    def _tcp_loop(self):
        while not self.stopping:
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._spawn(self._tcp_conn, conn)

    def __enter__(self):
        self._spawn(self._udp_loop)
        self._spawn(self._tcp_loop)
        return self

    def __exit__(self, *exc):
        self.stopping = True
        for t in list(self.threads):
            t.join(6)
        self.udp.close()
        self.tcp.close()


def finding(doc, fid, needle=""):
    for f in doc["findings"]:
        if f["id"] == fid and needle in f["message"]:
            return f
    return None


class Bounds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fr-bounds-")
        cls.zone = os.path.join(cls.tmp.name, ORIGIN + ".zone")
        write_zone(cls.zone)
        cls.nsd = nsdharness.NsdServer([cls.zone])
        cls.nsd.start()

    @classmethod
    def tearDownClass(cls):
        cls.nsd.stop()
        cls.tmp.cleanup()

    def test_many_targets_cut_and_questions_bounded(self):
        with CountingRelay(self.nsd.resolver) as relay:
            r = nsdharness.run_fedroute(
                ["lookup", "--json", "--resolver", relay.resolver,
                 "sips:many." + ORIGIN], timeout=120)
        rc, doc, err = r
        self.assertEqual(doc["result"], "ok", err)
        self.assertEqual(len(doc["targets"]), 64)
        f = finding(doc, "PLAN_TRUNCATED", "has 1000 records: the 64 of "
                    "the best priority are used, 936 ignored")
        self.assertIsNotNone(f, doc["findings"])
        self.assertEqual(f["severity"], "warning")
        self.assertLessEqual(len(doc["trace"]), 2 + 2 * 64)
        print("# many: %d questions reached NSD, at most %d in flight at "
              "once, %.2f s" % (relay.total, relay.peak, r.seconds))
        # The chain's own (<= 130) and the tester's checks beyond the
        # plan, plus libunbound's retries over TCP.
        self.assertLessEqual(relay.total, 300)

    def test_rrset_too_large_through_nsd(self):
        rc, doc, err = nsdharness.run_fedroute(
            ["lookup", "--json", "--resolver", self.nsd.resolver,
             "sips:huge." + ORIGIN], timeout=60)
        self.assertNotEqual(doc["result"], "nodata", doc)
        self.assertNotEqual(doc["result"], "ok", doc)
        self.assertIsNone(finding(doc, "NO_SRV_FALLBACK_A"), doc)

    def test_rrset_too_large_through_zone_file(self):
        rc, doc, err = nsdharness.run_fedroute(
            ["lookup", "--json", "--zone", self.zone,
             "sips:huge." + ORIGIN], timeout=60)
        self.assertEqual(doc["result"], "servfail", doc)
        self.assertIsNone(finding(doc, "NO_SRV_FALLBACK_A"), doc)
        self.assertIsNotNone(finding(
            doc, "PLAN_TRUNCATED", "_sips._tcp.huge.%s SRV: the answer is "
            "too large for one DNS message" % ORIGIN), doc)
        srv = [t for t in doc["trace"] if t["type"] == "SRV"]
        self.assertEqual(srv[0]["status"], "servfail", srv)


if __name__ == "__main__":
    unittest.main()
