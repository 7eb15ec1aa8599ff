#!/usr/bin/env python3
"""Integration tests: the control socket and `fedroute ctl`.

A real fedrouted with TCP nodes on loopback (one pool over two live
nodes, one dead node), and `fedroute ctl` against its socket:
status, nodes (state, last check, live connections), pools and
listeners in text and JSON; drain takes a node out of the pool for new
connections while its live one goes on, enable brings it back, and the
state survives a reload; reload answers with the outcome, FILE:LINE
when the file is broken; exit status 1 for a refused command and 2 when
no daemon answers; the socket's mode keeps other users out; a
malformed, oversize or silent client is answered or dropped while other
clients are served at once; too many clients at once are told so.
With workers: 2 every worker answers and the answer is one: connections
summed, a drain applied by each.

(The commands about foreign domains -- domains, cache, health, lookup --
run against a daemon that routes SIP, in test_sip_route.py.)

Run: FEDROUTED=src/fedrouted FEDROUTE=src/fedroute python3 tests/integration/test_control.py
"""

import json
import os
import pwd
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from edgeharness import (Fedrouted, TcpNode, banner, connect,  # noqa: E402
                         free_port, wait_for)
from nsdharness import fedroute_path  # noqa: E402

DEAD = "127.0.0.9:%d"


def config(port, a, b, dead_port, sock, extra=""):
    return """\
server:
	user: nobody
	log-level: debug
	control: %s
	connect-timeout: 1s
	connect-retries: 0
	drain-timeout: 1s
%snode:
	name: imp-a
	address: %s
	check: tcp
	check-interval: 500ms
	check-timeout: 400ms
node:
	name: imp-b
	address: %s
	check: tcp
	check-interval: 500ms
	check-timeout: 400ms
node:
	name: imp-dead
	address: %s
	check: tcp
	check-interval: 500ms
	check-timeout: 400ms
pool:
	name: im
	balance: roundrobin
	member: imp-a
	member: imp-b
listener:
	name: public
	address: 127.0.0.1:%d
	target: pool im
""" % (sock, extra, a.addr, b.addr, DEAD % dead_port, port)


def ctl(sock, *args, user=None, timeout=30):
    """(exit status, stdout, stderr) of `fedroute ctl -s SOCK ARGS`."""
    def become():
        pw = pwd.getpwnam(user)
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    p = subprocess.run([fedroute_path(), "ctl", "-s", sock] + list(args),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout,
                       preexec_fn=become if user else None)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def ctl_json(sock, *args):
    rc, out, err = ctl(sock, "--json", *args)
    try:
        doc = json.loads(out)
    except ValueError:
        raise AssertionError("not JSON (exit %d): %r %r" % (rc, out, err))
    return rc, doc


def raw(sock, data, read=True, timeout=5):
    """Send data on a fresh connection to the socket; what comes back."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock)
    try:
        if data:
            try:
                s.sendall(data)
            except BrokenPipeError:
                pass    # refused before it read: the answer is queued
        if not read:
            return s
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                return out.decode(errors="replace")
            out += d
    finally:
        if read:
            s.close()


def node_of(port):
    s = connect(port)
    try:
        return banner(s).node
    finally:
        s.close()


class Control(unittest.TestCase):

    def setUp(self):
        self.a = TcpNode("imp-a", "127.0.0.2").start()
        self.b = TcpNode("imp-b", "127.0.0.3").start()
        self.port = free_port()
        self.dead = free_port("127.0.0.9")
        self.d = None

    def tearDown(self):
        try:
            if self.d is not None:
                rc = self.d.stop()
                self.d.check_clean_exit(rc)
                self.d.cleanup()
        finally:
            self.a.stop()
            self.b.stop()

    def start(self, extra=""):
        # The socket's directory belongs to the daemon's user, so that
        # it can remove the socket when it stops.
        self.d = Fedrouted("")
        self.d.dir = tempfile.mkdtemp(prefix="fedroute-ctl-")
        os.chmod(self.d.dir, 0o755)
        run = os.path.join(self.d.dir, "run")
        os.mkdir(run, 0o750)
        nobody = pwd.getpwnam("nobody")
        os.chown(run, nobody.pw_uid, nobody.pw_gid)
        self.sock = os.path.join(run, "control.sock")
        self.text = config(self.port, self.a, self.b, self.dead, self.sock,
                           extra)
        self.d.config = self.text
        self.d.write_config(self.text)
        self.d.start()
        self.d.wait_log("node imp-dead (%s) is down" % (DEAD % self.dead))
        self.d.wait_log("node imp-b (%s) is up" % self.b.addr)
        self.d.wait_log("node imp-a (%s) is up" % self.a.addr)

    def test_status_nodes_pools_listeners(self):
        self.start()
        rc, out, err = ctl(self.sock, "status")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"^fedrouted \S+, pid %d, up \d+s\n"
                         % self.d.pid)
        self.assertIn("configuration  %s, loaded " % self.d.conf, out)
        rc, doc = ctl_json(self.sock, "status")
        self.assertEqual(rc, 0)
        self.assertEqual(doc["version"], 1)
        self.assertEqual(doc["pid"], self.d.pid)
        self.assertEqual(doc["config"], self.d.conf)
        self.assertIsNone(doc["last_reload"])
        self.assertEqual(doc["connections"], 0)

        held = connect(self.port)
        first = banner(held).node
        rc, out, err = ctl(self.sock, "nodes")
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^NODE\s+ADDRESS\s+TP\s+STATE\s+ACTIVE")
        dead = [ln for ln in lines if ln.startswith("imp-dead ")][0]
        self.assertRegex(dead, r"\bdown\b.*\bfailed \d+s ago in \d+ms: "
                         r"connect: Connection refused$")
        rc, doc = ctl_json(self.sock, "nodes")
        nodes = {n["name"]: n for n in doc["nodes"]}
        self.assertEqual(nodes["imp-a"]["state"], "up")
        self.assertEqual(nodes["imp-dead"]["state"], "down")
        self.assertEqual(nodes[first]["active"], 1)
        self.assertEqual(nodes["imp-dead"]["active"], 0)
        self.assertEqual(nodes["imp-a"]["last_check"]["result"], "connect")
        self.assertTrue(nodes["imp-a"]["last_check"]["ok"])
        self.assertLess(nodes["imp-a"]["last_check"]["took_s"], 1.0)
        self.assertLess(abs(nodes["imp-a"]["last_check"]["at"] -
                            time.time()), 5)
        self.assertEqual(nodes["imp-b"]["address"], self.b.addr)
        held.close()

        rc, doc = ctl_json(self.sock, "pools")
        self.assertEqual(doc["pools"], [{
            "name": "im", "balance": "roundrobin", "size": 2, "usable": 2,
            "members": ["imp-a", "imp-b"]}])
        rc, out, err = ctl(self.sock, "listeners")
        self.assertRegex(out, r"\npublic\s+127\.0\.0\.1:%d\s+tcp\s+no\s+"
                         r"pool im\s+accepting\n" % self.port)
        self.d.wait_log("control: listeners")

    def test_drain_and_enable(self):
        self.start()
        # A live connection to imp-b before the drain ...
        live = None
        for _ in range(4):
            s = connect(self.port)
            if banner(s).node == "imp-b":
                live = s
                break
            s.close()
        self.assertIsNotNone(live)
        rc, out, err = ctl(self.sock, "drain", "imp-b")
        self.assertEqual((rc, out), (0, "node imp-b drained\n"), err)
        self.d.wait_log("node imp-b: drained: no new connections or "
                        "dialogs; its 1 live connections stay")
        # ... goes on, and new ones all go to imp-a.
        self.assertEqual([node_of(self.port) for _ in range(6)],
                         ["imp-a"] * 6)
        live.sendall(b"still here\n")
        self.assertEqual(live.recv(100), b"still here\n")
        rc, doc = ctl_json(self.sock, "pools")
        self.assertEqual(doc["pools"][0]["usable"], 1)
        rc, doc = ctl_json(self.sock, "nodes")
        self.assertTrue({n["name"]: n for n in doc["nodes"]}["imp-b"]
                        ["drained"])
        # Again: nothing changes, and it says so.
        self.assertEqual(ctl(self.sock, "drain", "imp-b")[:2],
                         (0, "node imp-b was already drained\n"))
        # A reload keeps the node, so it stays drained.
        rc, out, err = ctl(self.sock, "reload")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(out, "reloaded %s\n" % self.d.conf)
        self.assertEqual({node_of(self.port) for _ in range(4)}, {"imp-a"})
        rc, out, err = ctl(self.sock, "enable", "imp-b")
        self.assertEqual((rc, out), (0, "node imp-b enabled\n"))
        self.assertEqual({node_of(self.port) for _ in range(4)},
                         {"imp-a", "imp-b"})
        live.close()
        # A node that does not exist: refused, exit 1, said on stderr.
        rc, out, err = ctl(self.sock, "drain", "imp-x")
        self.assertEqual((rc, out, err), (1, "", "drain: no node imp-x\n"))
        rc, doc = ctl_json(self.sock, "enable", "imp-x")
        self.assertEqual(rc, 1)
        self.assertEqual(doc, {"version": 1, "command": "enable",
                               "ok": False, "message": "enable: no node "
                               "imp-x"})

    def test_reload_answers_with_the_outcome(self):
        self.start()
        broken = self.text.replace("\tcheck-interval: 500ms\n",
                                   "\tcheck-interval: soon\n", 1)
        self.d.write_config(broken)
        rc, out, err = ctl(self.sock, "reload")
        self.assertEqual(rc, 1, out + err)
        line = self.text.split("\n").index("\tcheck-interval: 500ms") + 1
        self.assertIn("reload of %s failed: %s:%d: check-interval: "
                      % (self.d.conf, self.d.conf, line), err)
        rc, doc = ctl_json(self.sock, "status")
        self.assertFalse(doc["last_reload"]["ok"])
        self.assertIn(":%d: check-interval" % line,
                      doc["last_reload"]["error"])
        # Still serving the previous configuration.
        self.assertIn(node_of(self.port), ("imp-a", "imp-b"))
        self.d.write_config(self.text)
        rc, doc = ctl_json(self.sock, "reload")
        self.assertEqual(rc, 0)
        self.assertEqual(doc, {"version": 1, "command": "reload", "ok": True,
                               "message": "reloaded %s" % self.d.conf})
        rc, doc = ctl_json(self.sock, "status")
        self.assertEqual(doc["last_reload"], {"ok": True, "error": None})

    def test_socket_follows_a_reload(self):
        """A reload that moves the control socket answers on the old one
        and serves on the new one; new permissions apply in place; and
        no control: any more closes it."""
        self.start()
        moved = os.path.join(os.path.dirname(self.sock), "moved.sock")
        self.d.write_config(self.text.replace(
            "\tcontrol: %s\n" % self.sock,
            "\tcontrol: %s\n\tcontrol-mode: 0600\n" % moved))
        rc, out, err = ctl(self.sock, "reload")
        self.assertEqual((rc, out), (0, "reloaded %s\n" % self.d.conf), err)
        self.assertFalse(os.path.exists(self.sock))
        self.assertEqual(os.stat(moved).st_mode & 0o777, 0o600)
        self.assertEqual(ctl(moved, "status")[0], 0)
        self.d.wait_log("control socket %s (mode 0600) instead of %s"
                        % (moved, self.sock))
        # Same path, new mode: changed in place.
        self.d.write_config(self.text.replace(
            "\tcontrol: %s\n" % self.sock,
            "\tcontrol: %s\n\tcontrol-mode: 0640\n" % moved))
        self.assertEqual(ctl(moved, "reload")[0], 0)
        self.assertEqual(os.stat(moved).st_mode & 0o777, 0o640)
        # None any more.
        self.d.write_config(self.text.replace("\tcontrol: %s\n" % self.sock,
                                              ""))
        self.assertEqual(ctl(moved, "reload")[0], 0)
        self.assertFalse(os.path.exists(moved))
        self.d.wait_log("control socket %s closed (no control: any more)"
                        % moved)

    def test_exit_status_and_permissions(self):
        self.start()
        # No daemon there: 2.
        rc, out, err = ctl(os.path.join(self.d.dir, "nothing.sock"),
                           "status")
        self.assertEqual(rc, 2)
        self.assertIn("cannot reach fedrouted at", err)
        # A usage error, found before asking: 64.
        self.assertEqual(ctl(self.sock, "frobnicate")[0], 64)
        self.assertEqual(ctl(self.sock, "drain")[0], 64)
        # 0660, owned by the daemon's user: another user is kept out.
        st = os.stat(self.sock)
        self.assertEqual(st.st_mode & 0o777, 0o660)
        self.assertEqual(st.st_uid, pwd.getpwnam("nobody").pw_uid)
        rc, out, err = ctl(self.sock, "status", user="daemon")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("Permission denied", err)

    def test_hostile_clients_never_stall_the_loop(self):
        self.start()
        # Malformed: answered with what is wrong.
        self.assertEqual(raw(self.sock, b"text frobnicate\n"),
                         "1\nunknown command \"frobnicate\" (status, nodes, "
                         "pools, listeners, domains, cache, cache flush, "
                         "health, health clear, drain, enable, reload, "
                         "lookup)\n")
        self.assertTrue(raw(self.sock, b"text drain \x1b]0;x\x07\n")
                        .startswith("1\nbyte 12 of the request is 0x1b"))
        # Oversize: refused at the bound, not read on forever.
        self.assertEqual(raw(self.sock, b"text " + b"x" * 5000),
                         "1\nrequest too long\n")
        # Silent clients hold nothing up: the others are answered at once.
        silent = [raw(self.sock, b"text sta", read=False) for _ in range(3)]
        t0 = time.monotonic()
        self.assertEqual(ctl(self.sock, "status")[0], 0)
        self.assertLess(time.monotonic() - t0, 1.5)
        self.assertEqual(node_of(self.port) in ("imp-a", "imp-b"), True)
        # ... and are closed after the read time-out.
        for s in silent:
            s.settimeout(5)
            self.assertEqual(s.recv(200), b"1\nthe request did not come "
                             b"whole in time\n")
            s.close()
        self.d.wait_log("control: request not complete after 2 s; closed",
                        count=3)
        # Too many at once: the 17th is told so.
        held = [raw(self.sock, b"", read=False) for _ in range(16)]
        self.assertEqual(raw(self.sock, b"text status\n"),
                         "1\nbusy: too many control clients at once\n")
        for s in held:
            s.close()
        wait_for(lambda: ctl(self.sock, "status")[0] == 0,
                 what="the control socket to serve again")
        self.d.wait_log("control: 16 clients at once already")

    def test_workers_answer_as_one(self):
        """With two workers every command about the edge reaches both,
        and the answer is one: connections summed, the shared verdicts
        once, a drain applied by each."""
        self.start("\tworkers: 2\n")
        self.d.wait_log(" started with ", count=2)
        rc, out, err = ctl(self.sock, "status")
        self.assertEqual(rc, 0, err)
        self.assertIn("workers        2 running of 2\n", out)
        # Live connections through both workers, all to imp-a.
        rc, out, err = ctl(self.sock, "drain", "imp-b")
        self.assertEqual((rc, out), (0, "node imp-b drained\n(on each of 2 "
                                        "workers)\n"), err)
        held = []
        for _ in range(12):
            s = connect(self.port)
            self.assertEqual(banner(s).node, "imp-a")
            held.append(s)
        rc, doc = ctl_json(self.sock, "nodes")
        self.assertEqual(rc, 0)
        self.assertEqual(doc["version"], 1)
        self.assertEqual(doc["workers"], 2)
        nodes = {n["name"]: n for n in doc["nodes"]}
        self.assertEqual(list(nodes), ["imp-a", "imp-b", "imp-dead"])
        self.assertEqual(nodes["imp-a"]["active"], 12)
        self.assertTrue(nodes["imp-b"]["drained"])
        self.assertEqual(nodes["imp-dead"]["state"], "down")
        rc, out, err = ctl(self.sock, "nodes")
        self.assertRegex(out, r"\nimp-a\s+\S+\s+tcp\s+up\s+12\s+1\s+tcp ")
        self.assertIn("(ACTIVE summed over 2 workers", out)
        for s in held:
            s.close()
        self.d.wait_conns(12)
        # Both workers took some of the twelve.
        pids = set(re.findall(r"fedrouted\[(\d+)\]: info: conn ",
                              self.d.log()))
        self.assertEqual(len(pids), 2, self.d.log())
        rc, doc = ctl_json(self.sock, "pools")
        self.assertEqual(doc["pools"][0]["usable"], 1)
        rc, out, err = ctl(self.sock, "drain", "imp-x")
        self.assertEqual((rc, out, err), (1, "", "drain: no node imp-x\n"))
        self.assertEqual(ctl(self.sock, "enable", "imp-b")[:2],
                         (0, "node imp-b enabled\n(on each of 2 workers)\n"))
        rc, doc = ctl_json(self.sock, "reload")
        self.assertEqual(rc, 0)
        self.assertEqual(doc["message"], "%s read and checked, and passed to "
                         "2 workers" % self.d.conf)


if __name__ == "__main__":
    unittest.main(verbosity=2)
