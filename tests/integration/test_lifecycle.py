#!/usr/bin/env python3
"""Integration tests: fedrouted over time.

Idle time-outs (client and node side), connect time-outs with
re-dispatch, the connection limits (overall: clients wait; per source:
refused), SIGHUP reloads under traffic with zero failed connects (same
listening sockets, new pools for new connections, live connections
untouched, bad files and unbindable addresses changing nothing),
SIGTERM draining, privilege dropping, the pidfile, fedrouted -n, and
what the service manager hears (sd_notify: READY=1 after the first
health checks, RELOADING=1, STOPPING=1).

Run: FEDROUTED=src/fedrouted python3 tests/integration/test_lifecycle.py
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from edgeharness import (BlackholeNode, Fedrouted, TcpNode, banner,  # noqa
                         closed_by_peer, connect, fedrouted_path, free_port,
                         listen_inode, proc_status, read_line, wait_for)

DEFAULTS = {"user": "nobody", "log-level": "debug", "connect-timeout": "1s",
            "drain-timeout": "2s"}


def server(**opts):
    """A server: section; keyword arguments (max_connections=3) add to or
    replace the test defaults."""
    merged = dict(DEFAULTS)
    merged.update({k.replace("_", "-"): v for k, v in opts.items()})
    return "server:\n" + "".join("\t%s: %s\n" % kv for kv in merged.items())


def node(n, weight=1, check="none"):
    return ("node:\n\tname: %s\n\taddress: %s\n\tweight: %d\n\tcheck: %s\n"
            % (n.name, n.addr, weight, check))


def listener(port, target, name=None):
    return ("listener:\n" + ("\tname: %s\n" % name if name else "") +
            "\taddress: 127.0.0.1:%d\n\ttarget: %s\n" % (port, target))


def echo(sock, text="ping"):
    sock.sendall(text.encode() + b"\n")
    return read_line(sock)


class Timeouts(unittest.TestCase):

    def test_client_idle(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = server(client_idle_timeout="600ms") + \
                node(a) + listener(port, "node a")
            with Fedrouted(conf) as d:
                # Activity keeps it open past the time-out ...
                s = connect(port)
                banner(s)
                for _ in range(6):
                    time.sleep(0.2)
                    self.assertEqual(echo(s), "ping")
                # ... silence closes it.
                t0 = time.monotonic()
                self.assertTrue(closed_by_peer(s, timeout=5))
                waited = time.monotonic() - t0
                s.close()
                rec = d.wait_conns(1)[0]
        self.assertEqual(rec["reason"], "client idle for 600ms "
                         "(client-idle-timeout)", rec)
        self.assertGreaterEqual(waited, 0.5)
        self.assertGreaterEqual(float(rec["duration_s"]), 1.7, rec)

    def test_node_idle(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = server(server_idle_timeout="500ms") + \
                node(a) + listener(port, "node a")
            with Fedrouted(conf) as d:
                s = connect(port)
                banner(s)
                self.assertTrue(closed_by_peer(s, timeout=5))
                s.close()
                rec = d.wait_conns(1)[0]
        self.assertEqual(rec["reason"], "node idle for 500ms "
                         "(server-idle-timeout)", rec)

    def test_connect_timeout_redispatches(self):
        with BlackholeNode("127.0.0.2") as hole, \
                TcpNode("b", "127.0.0.3") as b:
            port = free_port()
            conf = (server(connect_timeout="300ms") +
                    "node:\n\tname: hole\n\taddress: %s\n\tcheck: none\n"
                    % hole.addr + node(b) +
                    "pool:\n\tname: p\n\tmember: hole\n\tmember: b\n" +
                    listener(port, "pool p"))
            with Fedrouted(conf) as d:
                names = []
                for _ in range(4):
                    s = connect(port)
                    names.append(banner(s).node)
                    s.close()
                recs = d.wait_conns(4)
                log = d.log()
        self.assertEqual(names, ["b"] * 4)
        slow = [r for r in recs if r["attempts"] == 2]
        self.assertEqual(len(slow), 2, recs)
        self.assertEqual(log.count("node hole: connect timed out after "
                                   "300ms; trying another node"), 2, log)
        for r in slow:
            self.assertGreaterEqual(float(r["duration_s"]), 0.25, r)


class Limits(unittest.TestCase):

    def test_max_connections_makes_clients_wait(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = server(max_connections="3") + node(a) + \
                listener(port, "node a")
            with Fedrouted(conf) as d:
                held = [connect(port) for _ in range(3)]
                for s in held:
                    banner(s)
                d.wait_log("3 connections (max-connections): not accepting "
                           "until one ends")
                # The fourth is queued by the kernel, not served ...
                waiting = connect(port)
                waiting.settimeout(0.5)
                self.assertRaises(socket.timeout, waiting.recv, 1)
                self.assertEqual(a.live(), 3)
                # ... until a place is free.
                held.pop().close()
                waiting.settimeout(5)
                self.assertEqual(banner(waiting).node, "a")
                for s in held + [waiting]:
                    s.close()

    def test_max_connections_per_source(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = server(max_connections_per_source="2") + \
                node(a) + listener(port, "node a")
            with Fedrouted(conf) as d:
                held = [connect(port, src="127.0.0.5") for _ in range(2)]
                for s in held:
                    banner(s)
                third = connect(port, src="127.0.0.5")
                self.assertTrue(closed_by_peer(third))
                third.close()
                other = connect(port, src="127.0.0.6")
                self.assertEqual(banner(other).node, "a")
                # A place freed is a place again, once the daemon has
                # closed the session (the refused one is logged too).
                held.pop().close()
                d.wait_conns(2)
                again = connect(port, src="127.0.0.5")
                self.assertEqual(banner(again).node, "a")
                for s in held + [other, again]:
                    s.close()
                log = d.log()
        self.assertEqual(log.count("refused: 2 connections from this address "
                                   "(max-connections-per-source 2)"), 1, log)
        self.assertIn("conn client=127.0.0.5:", log)


class Reload(unittest.TestCase):

    def setUp(self):
        self.a = TcpNode("a", "127.0.0.2").start()
        self.b = TcpNode("b", "127.0.0.3").start()
        self.port = free_port()
        self.extra_port = free_port()

    def tearDown(self):
        self.a.stop()
        self.b.stop()

    def conf(self, members=("a", "b"), wa=1, wb=1, extra_listener=False,
             settings=None):
        text = (server(**(settings or {})) + node(self.a, wa) +
                node(self.b, wb) + "pool:\n\tname: p\n" +
                "".join("\tmember: %s\n" % m for m in members) +
                listener(self.port, "pool p", name="federation"))
        if extra_listener:
            text += listener(self.extra_port, "node b", name="pat-b")
        return text

    def test_reload_under_traffic_loses_no_connection(self):
        with Fedrouted(self.conf()) as d:
            inode = listen_inode(self.port)
            self.assertIsNotNone(inode)
            held = connect(self.port)
            held_node = banner(held).node
            stop = threading.Event()
            results = {"ok": 0, "failed": []}
            lock = threading.Lock()

            def client(i):
                while not stop.is_set():
                    try:
                        s = connect(self.port, src="127.0.3.%d" % (i + 1))
                        try:
                            banner(s)
                            assert echo(s, "r%d" % i) == "r%d" % i
                        finally:
                            s.close()
                        with lock:
                            results["ok"] += 1
                    except (OSError, AssertionError) as e:
                        with lock:
                            results["failed"].append(repr(e))
            threads = [threading.Thread(target=client, args=(i,))
                       for i in range(4)]
            for t in threads:
                t.start()
            try:
                configs = [self.conf(wa=3), self.conf(extra_listener=True),
                           self.conf(members=("a",), extra_listener=True),
                           self.conf(members=("a", "b"), wb=2),
                           self.conf()]
                for text in configs:
                    time.sleep(0.3)
                    d.reload(text)
                time.sleep(0.3)
            finally:
                stop.set()
                for t in threads:
                    t.join(timeout=30)
            self.assertEqual(results["failed"], [])
            self.assertGreater(results["ok"], 40)
            # Same listening socket all along.
            self.assertEqual(listen_inode(self.port), inode)
            # The connection made before the reloads still works.
            self.assertEqual(echo(held, "still"), "still")
            held.close()
            self.assertEqual(d.count("reloaded "), 5)
        self.assertIn(held_node, ("a", "b"))

    def test_new_pools_listeners_and_settings_apply(self):
        with Fedrouted(self.conf()) as d:
            self.assertRaises(ConnectionRefusedError, connect,
                              self.extra_port)
            d.reload(self.conf(members=("a",), extra_listener=True))
            s = connect(self.extra_port)
            self.assertEqual(banner(s).node, "b")
            s.close()
            names = set()
            for _ in range(6):
                s = connect(self.port)
                names.add(banner(s).node)
                s.close()
            self.assertEqual(names, {"a"})
            d.reload(self.conf())
            self.assertRaises(ConnectionRefusedError, connect,
                              self.extra_port)
            # A setting: per-source limit from now on.
            d.reload(self.conf(settings={"max_connections_per_source": 1}))
            s1 = connect(self.port)
            banner(s1)
            s2 = connect(self.port)
            self.assertTrue(closed_by_peer(s2))
            s1.close()
            s2.close()

    @staticmethod
    def big_zone():
        """A zone file of 12 MB: about a second to check."""
        zone = ["$ORIGIN big.test.", "$TTL 300",
                "@ IN SOA ns.big.test. admin.big.test. 1 3600 600 86400 300",
                "@ IN NS ns.big.test.", "ns IN A 127.0.0.1"]
        zone += ["h%d IN A 10.%d.%d.%d" % (i, i >> 16 & 255, i >> 8 & 255,
                                            i & 255) for i in range(500000)]
        return {"big.zone": "\n".join(zone) + "\n"}

    def test_reload_does_not_stall_relays(self):
        """Issue 12 item 9: the file (here with a 12 MB zone file that
        takes about a second to check) is read off the event loop, so
        data keeps flowing through a relayed connection while it is."""
        # Started without it (a sanitizer build takes long to check it),
        # then reloaded with it.
        with Fedrouted(self.conf(), files=self.big_zone()) as d:
            d.write_config(self.conf() +
                           "resolver:\n\tzone-file: big.zone\n")
            s = connect(self.port)
            banner(s)
            self.assertEqual(echo(s), "ping")
            ok0 = d.count("reloaded ")
            t0 = time.monotonic()
            d.proc.send_signal(signal.SIGHUP)
            worst, trips = 0.0, 0
            while d.count("reloaded ") == ok0:
                self.assertLess(time.monotonic() - t0, 120, d.log())
                t = time.monotonic()
                self.assertEqual(echo(s), "ping")
                worst = max(worst, time.monotonic() - t)
                trips += 1
            took = time.monotonic() - t0
            s.close()
        # The reload took long enough to matter; the relay never waited.
        print("reload %.2fs, %d round trips, slowest %.0f ms"
              % (took, trips, worst * 1000), file=sys.stderr)
        self.assertGreater(took, 0.3)
        self.assertLess(worst, 0.3)

    def test_connections_end_while_the_file_is_read(self):
        """The reader child holds none of the daemon's sockets: a
        connection the daemon closes (client idle time-out) while the
        file is being read is closed then, not when the reader exits."""
        settings = {"client_idle_timeout": "300ms"}
        with Fedrouted(self.conf(settings=settings),
                       files=self.big_zone()) as d:
            d.write_config(self.conf(settings=settings) +
                           "resolver:\n\tzone-file: big.zone\n")
            s = connect(self.port)
            banner(s)
            ok0 = d.count("reloaded ")
            t0 = time.monotonic()
            d.proc.send_signal(signal.SIGHUP)
            self.assertTrue(closed_by_peer(s, timeout=30))
            took = time.monotonic() - t0
            reading = d.count("reloaded ") == ok0
            s.close()
            d.wait_log("reloaded ", count=ok0 + 1, timeout=120)
        self.assertTrue(reading, "closed only after the reload, %.2f s" % took)
        self.assertLess(took, 0.8)

    def test_a_changed_worker_count_waits_for_a_restart(self):
        with Fedrouted(self.conf()) as d:
            d.reload(self.conf(settings={"workers": 2}))
            self.assertIn("workers: takes effect at the next start (running "
                          "1, the file says 2)", d.log())
            self.assertNotIn("master:", d.log())

    def test_bad_reload_changes_nothing(self):
        with Fedrouted(self.conf()) as d:
            inode = listen_inode(self.port)
            held = connect(self.port)
            banner(held)
            # A file with an error.
            d.reload("server:\n\tmax-connections: lots\n", expect_ok=False)
            self.assertIn("fedrouted.conf:2: max-connections: expected a "
                          "whole number", d.log())
            # An address that cannot be bound: the whole reload fails,
            # the existing listener is untouched.
            squatter = socket.socket()
            squatter.bind(("127.0.0.1", self.extra_port))
            squatter.listen(1)
            try:
                d.reload(self.conf(members=("a",), extra_listener=True),
                         expect_ok=False)
            finally:
                squatter.close()
            self.assertIn("cannot listen on 127.0.0.1:%d: Address already "
                          "in use; still running the previous configuration"
                          % self.extra_port, d.log())
            self.assertEqual(listen_inode(self.port), inode)
            names = set()
            for _ in range(4):
                s = connect(self.port)
                names.add(banner(s).node)
                s.close()
            self.assertEqual(names, {"a", "b"})
            self.assertEqual(echo(held), "ping")
            held.close()


class Stopping(unittest.TestCase):

    def test_sigterm_drains(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            d = Fedrouted(server(drain_timeout="10s") +
                          node(a) + listener(port, "node a"))
            with d:
                held = connect(port)
                banner(held)
                d.proc.send_signal(signal.SIGTERM)
                d.wait_log("not accepting any more; waiting up to 10000ms "
                           "for 1 connections")
                self.assertRaises(ConnectionRefusedError, connect, port)
                self.assertEqual(echo(held, "during drain"), "during drain")
                t0 = time.monotonic()
                held.close()
                d.proc.wait(timeout=10)
                self.assertLess(time.monotonic() - t0, 3)
                self.assertEqual(d.proc.returncode, 0)
                self.assertIn("all connections closed; exiting", d.log())
                self.assertEqual(d.conns()[0]["reason"], "closed by client")

    def test_drain_timeout_closes_the_rest(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            d = Fedrouted(server(drain_timeout="500ms") +
                          node(a) + listener(port, "node a"))
            with d:
                held = connect(port)
                banner(held)
                t0 = time.monotonic()
                d.proc.send_signal(signal.SIGTERM)
                self.assertTrue(closed_by_peer(held, timeout=5))
                d.proc.wait(timeout=10)
                self.assertLess(time.monotonic() - t0, 3)
                held.close()
                self.assertEqual(d.proc.returncode, 0)
                self.assertEqual(d.conns()[0]["reason"],
                                 "shutdown: drain-timeout reached")


class Workers(unittest.TestCase):

    def setUp(self):
        self.d = self.a = self.b = None

    def start(self, balance="roundrobin", **opts):
        self.a = TcpNode("a", "127.0.0.2").start()
        self.b = TcpNode("b", "127.0.0.3").start()
        self.port = free_port()
        self.d = Fedrouted(server(workers=2, **opts) + node(self.a) +
                           node(self.b) +
                           "pool:\n\tname: p\n\tbalance: %s\n"
                           "\tmember: a\n\tmember: b\n" % balance +
                           listener(self.port, "pool p")).start()
        self.d.wait_log("master: 2 workers")
        self.d.wait_log(" started with ", count=2)
        return self.d

    def tearDown(self):
        if self.d is not None:
            if self.d.proc is not None and self.d.proc.poll() is None:
                self.d.stop()
            self.d.cleanup()
        for n in (self.a, self.b):
            if n is not None:
                n.stop()

    def worker_pids(self):
        return set(int(p) for p in re.findall(
            r"fedrouted\[(\d+)\]: notice: started with .* \(worker [12] "
            r"of 2\)", self.d.log()))

    def test_workers_share_the_port(self):
        d = self.start()
        workers = self.worker_pids()
        self.assertEqual(len(workers), 2)
        self.assertNotIn(d.pid, workers)
        for _ in range(40):
            s = connect(self.port)
            banner(s)
            s.close()
        d.wait_conns(40)
        served = set(int(p) for p in re.findall(
            r"fedrouted\[(\d+)\]: info: conn ", d.log()))
        # The kernel spread the connections over both workers.
        self.assertEqual(served, workers)
        # A reload reaches every worker.
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("SIGHUP: passed on to 2 workers")
        d.wait_log("reloaded ", count=2)
        # So does a stop; the master waits for them.
        self.assertEqual(d.stop(), 0)
        for pid in workers:
            self.assertRaises(ProcessLookupError, os.kill, pid, 0)

    def test_per_source_limit_holds_across_workers(self):
        """Each client address goes to one worker, so the limit one
        worker counts is the limit: 3 of 5 from each address, however
        many workers share the port."""
        d = self.start(max_connections_per_source=3)
        held, refused = [], {}
        for i in range(10):
            src = "127.0.0.%d" % (20 + i)
            refused[src] = 0
            for _ in range(5):
                s = connect(self.port, src=src)
                held.append(s)
                try:
                    banner(s)
                except (OSError, AssertionError):
                    refused[src] += 1
        try:
            self.assertEqual(refused, {src: 2 for src in refused},
                             d.log())
            # Every address's connections went to one worker; the ten
            # addresses were still spread over both.
            by_worker = {}
            for pid, src in re.findall(r"fedrouted\[(\d+)\]: \S+: conn "
                                       r"client=(127\.0\.0\.\d+):",
                                       d.log()):
                by_worker.setdefault(src, set()).add(pid)
            self.assertEqual(sorted(len(p) for p in by_worker.values()),
                             [1] * 10, d.log())
        finally:
            for s in held:
                s.close()
        d.wait_conns(50)
        served = set(re.findall(r"fedrouted\[(\d+)\]: info: conn client="
                                r"127\.0\.0\.\d+:\d+ \S+ node=[ab] ",
                                d.log()))
        self.assertEqual(len(served), 2, d.log())

    def test_workers_run_what_the_master_read(self):
        """Issue 8: the master reads the file once and hands the text to
        the workers.  A worker that is slow to reload (stopped here) still
        runs what the master read, though the file has changed since."""
        d = self.start()
        w1, w2 = sorted(self.worker_pids())
        p2, p3 = free_port(), free_port()
        base = (server(workers=2) + node(self.a) + node(self.b) +
                "pool:\n\tname: p\n\tmember: a\n\tmember: b\n" +
                listener(self.port, "pool p"))
        os.kill(w2, signal.SIGSTOP)
        try:
            d.write_config(base + listener(p2, "node a"))
            d.proc.send_signal(signal.SIGHUP)
            d.wait_log("fedrouted[%d]: notice: reloaded " % w1)
            # Edited right after the master read it.
            d.write_config(base + listener(p2, "node a") +
                           listener(p3, "node b"))
        finally:
            os.kill(w2, signal.SIGCONT)
        d.wait_log("fedrouted[%d]: notice: reloaded " % w2)
        got = re.findall(r"fedrouted\[(\d+)\]: notice: reloaded .*: "
                         r"(\d+) listeners", d.log())
        self.assertEqual(sorted(got), [(str(w1), "2"), (str(w2), "2")],
                         d.log())
        # Both serve the listener that was read, none the later one.
        for _ in range(10):
            s = connect(p2)
            self.assertEqual(banner(s).node, "a")
            s.close()
        self.assertRaises(OSError, connect, p3)

    def test_a_new_worker_count_waits_for_a_restart(self):
        d = self.start()
        d.write_config(d.config.replace("workers: 2", "workers: 3"))
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("workers: takes effect at the next start (running 2, "
                   "the file says 3)")
        d.wait_log("reloaded ", count=2)
        self.assertEqual(len(self.worker_pids()), 2)

    def test_workers_agree_on_node_health(self):
        """Worker 1 checks the nodes and the other follows its verdicts:
        the nodes see one prober, and a node that dies is left out by
        every worker."""
        self.a = TcpNode("a", "127.0.0.2").start()
        self.b = TcpNode("b", "127.0.0.3").start()
        self.port = free_port()
        check = "tcp\n\tcheck-interval: 250ms\n\tcheck-timeout: 200ms"
        d = self.d = Fedrouted(
            server(workers=2) + node(self.a, check=check) +
            node(self.b, check=check) +
            "pool:\n\tname: p\n\tmember: a\n\tmember: b\n" +
            listener(self.port, "pool p")).start()
        d.wait_log("ready: 2 workers")
        # Each worker decided: worker 1 by its checks, worker 2 by them.
        d.wait_log("node a (%s) is up (checked by worker 1)" % self.a.addr)
        self.assertEqual(d.count("node a (%s) is up" % self.a.addr), 2)
        # One prober: about 2 s / 250 ms checks, not twice that.
        before = self.a.accepted
        time.sleep(2)
        probes = self.a.accepted - before
        self.assertLessEqual(probes, 11, "%d checks in 2 s" % probes)
        self.assertGreaterEqual(probes, 5, "%d checks in 2 s" % probes)
        # b dies: both workers take it out.
        self.b.stop()
        d.wait_log("node b (%s) is down after" % self.b.addr)
        d.wait_log("node b (%s) is down: " % self.b.addr)
        self.assertRegex(d.log(), r"node b \(%s\) is down: connect: "
                         r"Connection refused \(checked by worker 1\)"
                         % re.escape(self.b.addr))
        nodes = set()
        for _ in range(20):
            s = connect(self.port)
            nodes.add(banner(s).node)
            s.close()
        self.assertEqual(nodes, {"a"})
        served = set(re.findall(r"fedrouted\[(\d+)\]: info: conn ",
                                d.log()))
        self.assertEqual(len(served), 2, d.log())

    def test_source_persistence_is_the_same_in_every_worker(self):
        self.start(balance="source")
        for i in range(1, 11):
            seen = set()
            for _ in range(6):
                s = connect(self.port, src="127.0.4.%d" % i)
                seen.add(banner(s).node)
                s.close()
            self.assertEqual(len(seen), 1, "client 127.0.4.%d" % i)

    def test_workers_go_with_a_killed_master(self):
        d = self.start()
        workers = self.worker_pids()
        d.proc.kill()
        d.proc.wait()

        def gone():
            for pid in workers:
                try:
                    os.kill(pid, 0)
                    return False
                except ProcessLookupError:
                    pass
            return True
        wait_for(gone, what="the workers of a killed master to exit")

    def test_a_dead_worker_is_replaced(self):
        """Issue 11: a worker killed under traffic is replaced (it used to
        stop the daemon); new connections keep being served, by the
        survivor and then by the replacement too."""
        d = self.start()
        victim, survivor = sorted(self.worker_pids())
        stop = threading.Event()
        results = {"ok": 0, "failed": 0}

        def traffic():
            while not stop.is_set():
                try:
                    s = connect(self.port, timeout=2)
                    banner(s)
                    s.close()
                    results["ok"] += 1
                except (OSError, AssertionError):
                    # Only those the dead worker had taken: reset, or
                    # closed before the node's banner.
                    results["failed"] += 1
        t = threading.Thread(target=traffic)
        t.start()
        try:
            wait_for(lambda: results["ok"] >= 20, what="traffic")
            os.kill(victim, signal.SIGKILL)
            d.wait_log("worker %d was killed by signal 9 (SIGKILL) after "
                       % victim)
            d.wait_log("worker 1 of 2 started again: pid ")
            ok = results["ok"]
            wait_for(lambda: results["ok"] >= ok + 40,
                     what="traffic (%s):\n%s" % (results, d.log()))
        finally:
            stop.set()
            t.join()
        new = int(re.search(r"worker 1 of 2 started again: pid (\d+)",
                            d.log()).group(1))
        self.assertNotIn(new, (victim, survivor))
        self.assertEqual(proc_status(new, "PPid"), [str(d.pid)])
        self.assertLessEqual(results["failed"], 20, results)
        # The replacement serves: its own connection records.
        for _ in range(60):
            s = connect(self.port)
            banner(s)
            s.close()
        wait_for(lambda: new in set(int(p) for p in re.findall(
            r"fedrouted\[(\d+)\]: info: conn ", d.log())),
            what="a connection through the replacement")
        self.assertNotIn("killed by Killed", d.log())
        # The master hands a reload to the replacement as to the others.
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("fedrouted[%d]: notice: reloaded " % new)
        d.wait_log("fedrouted[%d]: notice: reloaded " % survivor)
        print("killed a worker under traffic: %d connections failed"
              % results["failed"], file=sys.stderr)
        # It still stops cleanly, replacement included.
        self.assertEqual(d.stop(), 0)
        for pid in (new, survivor):
            self.assertRaises(ProcessLookupError, os.kill, pid, 0)

    def test_a_worker_that_keeps_dying_backs_off(self):
        d = self.start()
        victim = sorted(self.worker_pids())[0]
        os.kill(victim, signal.SIGKILL)
        d.wait_log("worker 1 of 2 started again: pid ")
        again = int(re.search(r"worker 1 of 2 started again: pid (\d+)",
                              d.log()).group(1))
        # Dead again soon after its start: the next one waits.
        os.kill(again, signal.SIGKILL)
        d.wait_log("worker %d was killed by signal 9 (SIGKILL) after " % again)
        self.assertRegex(d.log(), r"worker %d was killed by signal 9 "
                         r"\(SIGKILL\) after \d+\.\d s; starting another in 1 s "
                         r"\(1 quick deaths in a row\)" % again)
        t0 = time.monotonic()
        d.wait_log("worker 1 of 2 started again: pid ", count=2)
        self.assertGreater(time.monotonic() - t0, 0.5)
        self.assertEqual(d.stop(), 0)

class ServiceManager(unittest.TestCase):
    """Type=notify: what systemd hears, on a NOTIFY_SOCKET the test binds
    (the protocol is one datagram of NAME=value lines per message)."""

    def setUp(self):
        self.d = self.sock = self.tmp = None
        self.hole = BlackholeNode("127.0.0.2").start()
        self.port = free_port()

    def tearDown(self):
        if self.d is not None:
            self.d.cleanup()
        if self.sock is not None:
            self.sock.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.hole.stop()

    def notify_socket(self, abstract):
        """Bind the socket; its NOTIFY_SOCKET value.  The daemon sends
        after dropping to nobody: a path socket must let it write."""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "fedroute-test-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + name)
            return "@" + name
        self.tmp = tempfile.mkdtemp(prefix="fedroute-notify-")
        os.chmod(self.tmp, 0o755)
        path = os.path.join(self.tmp, "notify")
        self.sock.bind(path)
        os.chmod(path, 0o777)
        return path

    def next_message(self, timeout=10.0):
        self.sock.settimeout(timeout)
        return self.sock.recv(4096).decode()

    def config(self, workers=1):
        # A node whose check can only time out: its verdict comes a
        # check-timeout after the start, and readiness must wait for it.
        return (server(workers=workers) +
                "node:\n\tname: silent\n\taddress: %s\n\tcheck: tcp\n"
                "\tcheck-interval: 2s\n\tcheck-timeout: 800ms\n"
                % self.hole.addr + listener(self.port, "node silent"))

    def test_ready_reloading_stopping(self):
        env = self.notify_socket(abstract=True)
        started = time.monotonic()
        self.d = Fedrouted(self.config(), env={"NOTIFY_SOCKET": env}).start()
        msg = self.next_message()
        waited = time.monotonic() - started
        self.assertTrue(msg.startswith("READY=1\n"), msg)
        self.assertIn("STATUS=running %s" % self.d.conf, msg)
        # Not before the node's first check has decided.
        self.assertIn("node silent (%s) is down" % self.hole.addr,
                      self.d.log())
        self.assertGreaterEqual(waited, 0.7)

        self.d.reload()
        msg = self.next_message()
        self.assertRegex(msg, r"^RELOADING=1\nMONOTONIC_USEC=\d+$")
        self.assertEqual(self.next_message(),
                         "READY=1\nSTATUS=running %s (reloaded)" % self.d.conf)

        # A refused file: ready again, on the old configuration, and the
        # status says why, with file and line.
        self.d.reload(self.config() + "listener:\n\taddress: 127.0.0.1:%d"
                      "\n\ttarget: pool imp\n" % free_port(),
                      expect_ok=False)
        self.assertTrue(self.next_message().startswith("RELOADING=1\n"))
        msg = self.next_message()
        self.assertRegex(msg, r"^READY=1\nSTATUS=reload of \S+ failed: "
                         r".*fedrouted\.conf:\d+: .*no pool named imp; "
                         r"running the previous configuration$")

        self.assertEqual(self.d.stop(), 0)
        self.assertEqual(self.next_message(), "STOPPING=1")

    def test_workers_ready_once_all_are(self):
        env = self.notify_socket(abstract=False)
        self.d = Fedrouted(self.config(workers=2),
                           env={"NOTIFY_SOCKET": env}).start()
        msg = self.next_message()
        self.assertEqual(msg, "READY=1\nSTATUS=running %s with 2 workers"
                         % self.d.conf)
        # Both workers had checked the node: the master spoke for them.
        self.assertEqual(self.d.count("node silent (%s) is down"
                                      % self.hole.addr), 2)
        self.assertEqual(self.d.stop(), 0)
        # Workers never speak to the service manager themselves.
        self.assertEqual(self.next_message(), "STOPPING=1")
        self.sock.settimeout(0.3)
        self.assertRaises(socket.timeout, self.sock.recv, 4096)


class Daemon(unittest.TestCase):

    def test_drops_privileges_and_writes_pidfile(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = server(pidfile="fedrouted.pid") + \
                node(a) + listener(port, "node a")
            with Fedrouted(conf) as d:
                uid = proc_status(d.pid, "Uid")
                gid = proc_status(d.pid, "Gid")
                with open(os.path.join(d.dir, "fedrouted.pid")) as fh:
                    self.assertEqual(int(fh.read()), d.pid)
                self.assertIn("running as user nobody", d.log())
        if os.getuid() == 0:
            self.assertEqual(uid, ["65534"] * 4)
            self.assertEqual(gid, ["65534"] * 4)

    @unittest.skipUnless(os.getuid() == 0, "needs root to drop privileges")
    def test_pidfile_removed_or_emptied_after_the_drop(self):
        """Issue 11: the unprivileged daemon removes its pidfile from a
        directory of its own; where it may not (a directory of root's),
        it says so at start and empties the file at exit, so no stale
        number is left."""
        nobody = pwd.getpwnam("nobody")
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = server(pidfile="run/fedrouted.pid") + node(a) + \
                listener(port, "node a")
            d = Fedrouted(conf)
            d.dir = tempfile.mkdtemp(prefix="fedroute-pid-")
            os.chmod(d.dir, 0o755)
            os.mkdir(os.path.join(d.dir, "run"), 0o755)
            os.chown(os.path.join(d.dir, "run"), nobody.pw_uid,
                     nobody.pw_gid)
            d.write_config(conf)
            pidfile = os.path.join(d.dir, "run", "fedrouted.pid")
            with d:
                with open(pidfile) as fh:
                    self.assertEqual(int(fh.read()), d.pid)
                self.assertNotIn("is not writable by user", d.log())
            self.assertFalse(os.path.exists(pidfile))
            # In a directory only root may write: emptied, and said.
            conf = conf.replace("run/fedrouted.pid", "fedrouted.pid")
            with Fedrouted(conf) as d:
                pidfile = os.path.join(d.dir, "fedrouted.pid")
                d.wait_log("pidfile %s: %s is not writable by user nobody"
                           % (pidfile, d.dir))
                d.stop()
                with open(pidfile) as fh:
                    self.assertEqual(fh.read(), "")
                self.assertIn("pidfile %s emptied" % pidfile, d.log())

    def test_unknown_user_stops_start(self):
        if os.getuid() != 0:
            self.skipTest("only root drops privileges")
        port = free_port()
        conf = ("server:\n\tuser: no-such-user-fedroute\n" +
                "node:\n\tname: a\n\taddress: 127.0.0.2:9\n\tcheck: none\n" +
                listener(port, "node a"))
        d = Fedrouted(conf)
        try:
            self.assertRaises(AssertionError, d.start)
            self.assertIn("user no-such-user-fedroute: no such user", d.log())
        finally:
            d.cleanup()

    def test_check_only(self):
        tmp = tempfile.mkdtemp(prefix="fedroute-n-")
        try:
            good = os.path.join(tmp, "good.conf")
            bad = os.path.join(tmp, "bad.conf")
            with open(good, "w") as fh:
                fh.write("node:\n\tname: a\n\taddress: 127.0.0.2:5062\n"
                         "listener:\n\taddress: 127.0.0.1:5061\n"
                         "\ttarget: node a\n")
            with open(bad, "w") as fh:
                fh.write("node:\n\tname: a\n\taddress: 127.0.0.2:5062\n"
                         "listener:\n\taddress: 127.0.0.1:5061\n"
                         "\ttarget: pool imp\n")
            p = subprocess.run([fedrouted_path(), "-n", "-c", good],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual((p.returncode, p.stdout),
                             (0, "%s: configuration OK\n" % good), p.stderr)
            p = subprocess.run([fedrouted_path(), "-n", "-c", bad],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr, "%s:4: listener 127.0.0.1:5061: "
                             "target: no pool named imp\n" % bad)
            p = subprocess.run([fedrouted_path(), "-x"], capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(p.returncode, 64)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
