#!/usr/bin/env python3
"""Integration tests: fedrouted over time.

Idle time-outs (client and node side), connect time-outs with
re-dispatch, the connection limits (overall: clients wait; per source:
refused), SIGHUP reloads under traffic with zero failed connects (same
listening sockets, new pools for new connections, live connections
untouched, bad files and unbindable addresses changing nothing),
SIGTERM draining, privilege dropping, the pidfile, and fedrouted -n.

Run: FEDROUTED=src/fedrouted python3 tests/integration/test_lifecycle.py
"""

import os
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

    def start(self, balance="roundrobin"):
        self.a = TcpNode("a", "127.0.0.2").start()
        self.b = TcpNode("b", "127.0.0.3").start()
        self.port = free_port()
        self.d = Fedrouted(server(workers=2) + node(self.a) + node(self.b) +
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

    def test_a_dead_worker_stops_the_daemon(self):
        d = self.start()
        victim = sorted(self.worker_pids())[0]
        os.kill(victim, signal.SIGKILL)
        d.proc.wait(timeout=15)
        self.assertEqual(d.proc.returncode, 1)
        log = d.log()
        self.assertIn("worker %d killed by signal 9 (Killed)" % victim, log)
        self.assertIn("stopping the other 1 workers", log)
        for pid in self.worker_pids():
            self.assertRaises(ProcessLookupError, os.kill, pid, 0)


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
