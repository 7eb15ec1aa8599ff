#!/usr/bin/env python3
"""Integration tests: fedrouted relaying plain TCP to real sockets.

PAT ports to their nodes, weighted round robin ratios, least
connections, source persistence (across reconnects, a restart, and a
node leaving and coming back), re-dispatch when a connect fails, bytes
both ways intact (copy and splice), half-close, back-pressure with
bounded memory, and the connection log line.

Run: FEDROUTED=src/fedrouted python3 tests/integration/test_relay.py
"""

import hashlib
import os
import socket
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from edgeharness import (Fedrouted, TcpNode, banner, closed_by_peer,  # noqa
                         connect, free_port, read_line, recv_all, wait_for)

SERVER = """\
server:
	user: nobody
	log-level: debug
	connect-timeout: 2s
	drain-timeout: 2s
{extra}
"""

NODE = """\
node:
	name: {name}
	address: {addr}
	weight: {weight}
	check: none
"""


def node_conf(node, weight=1):
    return NODE.format(name=node.name, addr=node.addr, weight=weight)


def listener(port, target, name=None, extra=""):
    return ("listener:\n" + ("\tname: %s\n" % name if name else "") +
            "\taddress: 127.0.0.1:%d\n\ttarget: %s\n%s" % (port, target,
                                                              extra))


def setUpModule():
    from edgeharness import fedrouted_path
    if not os.access(fedrouted_path(), os.X_OK):
        raise RuntimeError("fedrouted not found: %s (set FEDROUTED)"
                           % fedrouted_path())


def node_of(port, src=None):
    """Connect, read the banner, close: the name of the node reached."""
    s = connect(port, src=src)
    try:
        return banner(s).node
    finally:
        s.close()


class Pat(unittest.TestCase):
    """Static PAT: each public port reaches its one node."""

    def test_ports_reach_their_node(self):
        nodes = [TcpNode("publisher", "127.0.0.2"),
                 TcpNode("subscriber", "127.0.0.3"),
                 TcpNode("xmpp-c", "127.0.0.4")]
        ports = [free_port() for _ in nodes]
        pool_port = free_port()
        conf = SERVER.format(extra="") + "".join(node_conf(n) for n in nodes)
        conf += "pool:\n\tname: imp\n\tmember: publisher\n\tmember: subscriber\n"
        for n, p in zip(nodes, ports):
            conf += listener(p, "node " + n.name, name="pat-" + n.name)
        conf += listener(pool_port, "pool imp", name="federation")
        for n in nodes:
            n.start()
        try:
            with Fedrouted(conf) as d:
                for _ in range(5):
                    for n, p in zip(nodes, ports):
                        self.assertEqual(node_of(p), n.name)
                seen = {node_of(pool_port) for _ in range(4)}
                self.assertEqual(seen, {"publisher", "subscriber"})
                recs = d.wait_conns(19)
                for r in recs:
                    if r["listener"].startswith("pat-"):
                        self.assertEqual(r["listener"], "pat-" + r["node"],
                                         r)
                    self.assertEqual(r["attempts"], 1, r)
        finally:
            for n in nodes:
                n.stop()


class Balancing(unittest.TestCase):

    def setUp(self):
        self.a = TcpNode("a", "127.0.0.2").start()
        self.b = TcpNode("b", "127.0.0.3").start()
        self.port = free_port()

    def tearDown(self):
        self.a.stop()
        self.b.stop()

    def config(self, balance, wa=1, wb=1):
        return (SERVER.format(extra="") + node_conf(self.a, wa) +
                node_conf(self.b, wb) +
                "pool:\n\tname: p\n\tbalance: %s\n\tmember: a\n"
                "\tmember: b\n" % balance + listener(self.port, "pool p"))

    def test_weighted_roundrobin_ratio(self):
        with Fedrouted(self.config("roundrobin", 3, 1)):
            picks = [node_of(self.port) for _ in range(40)]
        self.assertEqual(picks.count("a"), 30, picks)
        self.assertEqual(picks.count("b"), 10, picks)
        # Smooth: b comes once in every four, never two b in a row,
        # never four a in a row.
        seq = "".join(picks)
        self.assertNotIn("bb", seq)
        self.assertNotIn("aaaa", seq)

    def test_leastconn_fills_the_emptier_node(self):
        with Fedrouted(self.config("leastconn")) as d:
            held = [connect(self.port) for _ in range(4)]
            names = [banner(s).node for s in held]
            self.assertEqual(sorted(names), ["a", "a", "b", "b"], names)
            # Free both of a's: the next two go to a.
            for s, n in zip(held, names):
                if n == "a":
                    s.close()
            # Both sessions are over once the daemon has logged them.
            d.wait_conns(2)
            more = [connect(self.port) for _ in range(2)]
            self.assertEqual([banner(s).node for s in more], ["a", "a"])
            for s in held + more:
                s.close()


class SourcePersistence(unittest.TestCase):
    CLIENTS = ["127.0.1.%d" % i for i in range(1, 41)]

    def setUp(self):
        self.nodes = [TcpNode(n, "127.0.0.%d" % (2 + i)).start()
                      for i, n in enumerate(("a", "b", "c"))]
        self.port = free_port()
        self.conf = (SERVER.format(extra="") +
                     "".join(node_conf(n) for n in self.nodes) +
                     "pool:\n\tname: p\n\tbalance: source\n"
                     "\tmember: a\n\tmember: b\n\tmember: c\n" +
                     listener(self.port, "pool p"))

    def tearDown(self):
        for n in self.nodes:
            n.stop()

    def mapping(self):
        return {c: node_of(self.port, src=c) for c in self.CLIENTS}

    def test_same_node_across_reconnects_and_restart(self):
        with Fedrouted(self.conf):
            first = self.mapping()
            for _ in range(2):
                self.assertEqual(self.mapping(), first)
        # Every node gets clients: the hash spreads them.
        self.assertEqual(set(first.values()), {"a", "b", "c"}, first)
        # A new daemon (nothing shared with the old one) agrees.
        with Fedrouted(self.conf):
            self.assertEqual(self.mapping(), first)

    def test_only_the_lost_nodes_clients_move(self):
        with Fedrouted(self.conf) as d:
            before = self.mapping()
            c = self.nodes[2]
            c.stop()
            during = self.mapping()
            for client, node in before.items():
                if node == "c":
                    self.assertIn(during[client], ("a", "b"))
                else:
                    self.assertEqual(during[client], node, client)
            # Those that moved were re-dispatched, not refused.  Each
            # record is logged when the daemon sees its client close:
            # wait for the last ones.
            lost = list(before.values()).count("c")
            redispatched = lambda: [r for r in d.conns()  # noqa: E731
                                    if r["attempts"] == 2]
            d.wait_conns(2 * len(before))
            wait_for(lambda: len(redispatched()) >= lost,
                     what="%d re-dispatched connections" % lost)
            self.assertEqual(len(redispatched()), lost)
            c.start()
            self.assertEqual(self.mapping(), before)


class Redispatch(unittest.TestCase):

    def test_connect_failure_goes_to_another_node(self):
        dead_port = free_port("127.0.0.2")     # nothing listens there
        with TcpNode("b", "127.0.0.3") as b:
            port = free_port()
            conf = (SERVER.format(extra="") +
                    NODE.format(name="a", addr="127.0.0.2:%d" % dead_port,
                                weight=1) + node_conf(b) +
                    "pool:\n\tname: p\n\tmember: a\n\tmember: b\n" +
                    listener(port, "pool p"))
            with Fedrouted(conf) as d:
                self.assertEqual([node_of(port) for _ in range(6)],
                                 ["b"] * 6)
                recs = d.wait_conns(6)
                log = d.log()
            # Round robin offers a first to every other client.
            tried_a = [r for r in recs if r["attempts"] == 2]
            self.assertEqual(len(tried_a), 3, recs)
            self.assertEqual(log.count("node a: connect: Connection refused; "
                                       "trying another node"), 3, log)

    def test_gives_up_when_no_retry_is_left(self):
        dead_port = free_port("127.0.0.2")
        dead2 = free_port("127.0.0.3")
        port = free_port()
        conf = (SERVER.format(extra="\tconnect-retries: 1") +
                NODE.format(name="a", addr="127.0.0.2:%d" % dead_port,
                            weight=1) +
                NODE.format(name="b", addr="127.0.0.3:%d" % dead2, weight=1) +
                "pool:\n\tname: p\n\tmember: a\n\tmember: b\n" +
                listener(port, "pool p"))
        with Fedrouted(conf) as d:
            s = connect(port)
            self.assertTrue(closed_by_peer(s))
            s.close()
            rec = d.wait_conns(1)[0]
        self.assertEqual(rec["attempts"], 2, rec)
        self.assertEqual(rec["node"], "-", rec)
        self.assertRegex(rec["reason"], r"^node [ab]: connect: Connection "
                         r"refused; (no other node is up|gave up after 2 "
                         r"attempts)$")


class Bytes(unittest.TestCase):
    """What goes in comes out, both ways, whole."""

    def run_bulk(self, splice):
        size = 8 * 1024 * 1024
        data = os.urandom(size)
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = (SERVER.format(extra="\tsplice: %s" % splice) +
                    node_conf(a) + listener(port, "node a"))
            with Fedrouted(conf) as d:
                s = connect(port)
                greeting = len(banner(s).line) + 1
                got = []

                def reader():
                    got.append(recv_all(s))
                t = threading.Thread(target=reader)
                t.start()
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                t.join(timeout=60)
                s.close()
                rec = d.wait_conns(1)[0]
        self.assertEqual(len(got[0]), size)
        self.assertEqual(hashlib.sha256(got[0]).hexdigest(),
                         hashlib.sha256(data).hexdigest())
        self.assertEqual(rec["from_client"], size, rec)
        self.assertEqual(rec["to_client"], size + greeting, rec)
        self.assertEqual(rec["reason"], "closed by client", rec)

    def test_bulk_with_splice(self):
        self.run_bulk("yes")

    def test_bulk_with_copy(self):
        self.run_bulk("no")

    def test_half_close_both_ways(self):
        with TcpNode("a", "127.0.0.2", mode="reply") as a:
            port = free_port()
            conf = SERVER.format(extra="") + node_conf(a) + \
                listener(port, "node a")
            with Fedrouted(conf) as d:
                s = connect(port)
                banner(s)
                s.sendall(b"x" * 100000)
                # Our FIN reaches the node, which only then answers;
                # its answer and its FIN come back through.
                s.shutdown(socket.SHUT_WR)
                self.assertEqual(read_line(s), "got 100000")
                self.assertEqual(s.recv(1), b"")
                s.close()
                rec = d.wait_conns(1)[0]
        self.assertEqual(rec["reason"], "closed by client", rec)
        self.assertEqual(rec["from_client"], 100000, rec)

    def test_back_pressure_keeps_memory_bounded(self):
        with TcpNode("a", "127.0.0.2", mode="sink") as a:
            port = free_port()
            conf = SERVER.format(extra="") + node_conf(a) + \
                listener(port, "node a")
            with Fedrouted(conf) as d:
                rss0 = rss_kib(d.pid)
                s = connect(port)
                banner(s)
                s.settimeout(2.0)
                sent, chunk = 0, b"y" * 65536
                try:
                    while sent < 256 * 1024 * 1024:
                        sent += s.send(chunk)
                except socket.timeout:
                    pass
                grown = rss_kib(d.pid) - rss0
                s.close()
        # The stuck node's data stalls in socket buffers and one relay
        # buffer, never in a growing heap.
        self.assertLess(sent, 64 * 1024 * 1024, "nothing pushed back")
        self.assertLess(grown, 2048, "RSS grew %d KiB for %d bytes in "
                        "flight" % (grown, sent))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


class LogLine(unittest.TestCase):

    def test_one_line_per_connection_with_its_numbers(self):
        with TcpNode("a", "127.0.0.2") as a:
            port = free_port()
            conf = SERVER.format(extra="") + node_conf(a) + \
                listener(port, "node a", name="pat-a")
            with Fedrouted(conf) as d:
                s = connect(port, src="127.0.0.9")
                b = banner(s)
                s.sendall(b"hello\n")
                self.assertEqual(read_line(s), "hello")
                s.close()
                recs = d.wait_conns(1)
                time.sleep(0.2)
                self.assertEqual(len(d.conns()), 1)
        r = recs[0]
        self.assertEqual(r["client_ip"], "127.0.0.9", r)
        self.assertEqual(r["listener"], "pat-a", r)
        self.assertEqual(r["node"], "a", r)
        self.assertEqual(r["from_client"], 6, r)
        self.assertEqual(r["to_client"], len(b.line) + 1 + 6, r)
        self.assertGreaterEqual(float(r["connect_ms"]), 0.0, r)
        self.assertGreaterEqual(float(r["duration_s"]), 0.0, r)
        self.assertEqual(r["reason"], "closed by client", r)


if __name__ == "__main__":
    unittest.main(verbosity=2)
