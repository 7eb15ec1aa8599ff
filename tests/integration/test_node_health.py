#!/usr/bin/env python3
"""Integration tests: health checks and what they change.

Real Kamailio nodes on 127.0.0.2 and 127.0.0.3 answer the edge's
sip-options checks and the SIP clients that come through it; a node
killed is taken down after check-fall failures (logged once), gets no
new connections, and is reinstated after check-rise successes when it
returns.  Also: a 5xx answer is down unless check-sip-status says
otherwise, tcp checks, an unreachable node at start-up (a warning, not
a failure), existing connections left alone or closed (on-down), and a
pool with no node up.

Run: FEDROUTED=src/fedrouted python3 tests/integration/test_node_health.py
"""

import os
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from edgeharness import (Fedrouted, KamailioNode, TcpNode, banner,  # noqa
                         closed_by_peer, connect, free_port, read_line,
                         sip_options, wait_for)

SERVER = """\
server:
	user: nobody
	log-level: debug
	connect-timeout: 1s
	drain-timeout: 2s
"""

# Fast checks, so that the tests wait a second or two at most.
CHECKS = """\
	check-interval: 200ms
	check-timeout: 150ms
	check-rise: 2
	check-fall: 2
"""


def node(name, addr, check="tcp", extra=""):
    return ("node:\n\tname: %s\n\taddress: %s\n\tcheck: %s\n%s%s"
            % (name, addr, check, CHECKS, extra))


def pool(name, members, balance="roundrobin"):
    return ("pool:\n\tname: %s\n\tbalance: %s\n" % (name, balance) +
            "".join("\tmember: %s\n" % m for m in members))


def listener(port, target):
    return "listener:\n\taddress: 127.0.0.1:%d\n\ttarget: %s\n" % (port,
                                                                   target)


def sip_node_reached(port):
    """Send OPTIONS through the edge; the name of the Kamailio that
    answered."""
    s = connect(port)
    try:
        status, headers = sip_options(s)
        assert status == 200, (status, headers)
        return headers["x-node"]
    finally:
        s.close()


def tcp_node_reached(port):
    s = connect(port)
    try:
        return banner(s).node
    finally:
        s.close()


class SipOptionsFailover(unittest.TestCase):

    def test_killed_node_goes_down_once_and_comes_back(self):
        a = KamailioNode("a", "127.0.0.2")
        b = KamailioNode("b", "127.0.0.3")
        port = free_port()
        conf = (SERVER + node("a", a.addr, "sip-options") +
                node("b", b.addr, "sip-options") + pool("imp", ["a", "b"]) +
                listener(port, "pool imp"))
        with a, b, Fedrouted(conf) as d:
            d.wait_log("node a (%s) is up" % a.addr)
            d.wait_log("node b (%s) is up" % b.addr)
            self.assertEqual({sip_node_reached(port) for _ in range(4)},
                             {"a", "b"})

            b.stop()
            down = "node b (%s) is down after 2 failed checks: " % b.addr
            d.wait_log(down)
            # Down is said once, however many checks fail after it.
            time.sleep(0.6)
            self.assertEqual(d.count(down), 1, d.log())
            self.assertEqual(d.count("node b (%s) is down" % b.addr), 1)
            before = len(d.conns())
            self.assertEqual([sip_node_reached(port) for _ in range(10)],
                             ["a"] * 10)
            recs = d.wait_conns(before + 10)[before:]
            # Not one connect was even tried toward the down node.
            self.assertEqual([r["attempts"] for r in recs], [1] * 10, recs)

            b.start()
            up = "node b (%s) is up after 2 passed checks" % b.addr
            d.wait_log(up)
            self.assertEqual({sip_node_reached(port) for _ in range(4)},
                             {"a", "b"})
            self.assertEqual(d.count(up), 1)
            log = d.log()
        # The checks were real OPTIONS exchanges, answered 200.
        self.assertIn("connect: Connection refused", log)

    def test_5xx_is_down_unless_configured_alive(self):
        busy = KamailioNode("busy", "127.0.0.4", code=503,
                            reason="Service Unavailable")
        port = free_port()
        with busy:
            conf = (SERVER + node("busy", busy.addr, "sip-options") +
                    listener(port, "node busy"))
            with Fedrouted(conf) as d:
                d.wait_log("node busy (%s) is down: OPTIONS answered "
                           "with status 503 (alive: 200-499)" % busy.addr)
                s = connect(port)
                self.assertTrue(closed_by_peer(s))
                s.close()
                rec = d.wait_conns(1)[0]
                self.assertEqual(rec["reason"], "node busy is down", rec)
                self.assertEqual(rec["attempts"], 0, rec)
            conf = (SERVER + node("busy", busy.addr, "sip-options",
                                  "\tcheck-sip-status: 200-599\n") +
                    listener(port, "node busy"))
            with Fedrouted(conf) as d:
                d.wait_log("node busy (%s) is up" % busy.addr)


class TcpChecks(unittest.TestCase):

    def test_unreachable_at_start_is_a_warning(self):
        a = TcpNode("a", "127.0.0.2")
        dead = "127.0.0.3:%d" % free_port("127.0.0.3")
        port = free_port()
        conf = (SERVER + node("a", a.addr) + node("b", dead) +
                pool("p", ["a", "b"]) + listener(port, "pool p"))
        with a, Fedrouted(conf) as d:
            d.wait_log("warning: node b (%s) is down: connect: Connection "
                       "refused" % dead)
            d.wait_log("node a (%s) is up" % a.addr)
            self.assertEqual([tcp_node_reached(port) for _ in range(4)],
                             ["a"] * 4)
            self.assertTrue(all(r["attempts"] == 1 for r in d.conns()))

    def test_no_node_up_refuses_and_says_so(self):
        a = TcpNode("a", "127.0.0.2")
        port = free_port()
        conf = SERVER + node("a", a.addr) + pool("p", ["a"]) + \
            listener(port, "pool p")
        with a, Fedrouted(conf) as d:
            d.wait_log("node a (%s) is up" % a.addr)
            a.stop()
            d.wait_log("pool p: no node is up; its connections are refused")
            s = connect(port)
            self.assertTrue(closed_by_peer(s))
            s.close()
            self.assertEqual(d.wait_conns(1)[0]["reason"],
                             "no node of pool p is up")
            a.start()
            d.wait_log("pool p: a node is up again")
            self.assertEqual(tcp_node_reached(port), "a")

    def node_goes_down_under_a_client(self, on_down, then):
        """A client held on b; b stops accepting (its live connection
        stays) and is taken down; then(d, held) runs while all is up."""
        a = TcpNode("a", "127.0.0.2")
        b = TcpNode("b", "127.0.0.3")
        port = free_port()
        conf = (SERVER + node("a", a.addr) +
                node("b", b.addr, extra="\ton-down: %s\n" % on_down) +
                pool("p", ["a", "b"], balance="source") +
                listener(port, "pool p"))
        with a, b, Fedrouted(conf) as d:
            d.wait_log("node b (%s) is up" % b.addr)
            # A client that the hash sends to b.
            src = next(c for c in ("127.0.2.%d" % i for i in range(1, 60))
                       if self._reached(port, c) == "b")
            held = connect(port, src=src)
            try:
                self.assertEqual(banner(held).node, "b")
                b.stop_listening()
                d.wait_log("node b (%s) is down after 2 failed checks"
                           % b.addr)
                # New connections from the same client go elsewhere.
                self.assertEqual(self._reached(port, src), "a")
                then(d, held)
            finally:
                held.close()

    def _reached(self, port, src):
        s = connect(port, src=src)
        try:
            return banner(s).node
        finally:
            s.close()

    def test_existing_connection_kept_by_default(self):
        def then(d, held):
            held.sendall(b"still there\n")
            self.assertEqual(read_line(held), "still there")
        self.node_goes_down_under_a_client("keep", then)

    def test_existing_connection_closed_with_on_down_close(self):
        def then(d, held):
            self.assertTrue(closed_by_peer(held))
            wait_for(lambda: any(r["reason"] == "node b went down "
                                 "(on-down: close)" for r in d.conns()),
                     what="the closed connection's record")
        self.node_goes_down_under_a_client("close", then)


if __name__ == "__main__":
    unittest.main(verbosity=2)
