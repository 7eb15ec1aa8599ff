#!/usr/bin/env python3
"""Integration tests: `fedroute check-config` on real files, certificates
and keys included: exit status, FILE:LINE messages that say what was
expected, files named when they cannot be used, relative paths, and the
printed effective configuration.

Run: FEDROUTE=src/fedroute python3 tests/integration/test_config.py
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
import pki  # noqa: E402

TLS_CONF = """\
server:
	user: nobody
node:
	name: publisher
	address: 127.0.0.2:5062
	transport: tls
	tls-ca: pki/ca.pem
	tls-server-name: pub.enterprise.test
listener:
	name: federation
	address: 127.0.0.1:5061
	target: node publisher
	tls: yes
	tls-cert: {cert}
	tls-key: {key}
"""


def setUpModule():
    fr = nsdharness.fedroute_path()
    if not os.access(fr, os.X_OK):
        raise RuntimeError("fedroute not found: %s (set FEDROUTE)" % fr)


class CheckConfig(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fedroute-conf-")
        cls.ca = pki.Pki(os.path.join(cls.dir, "pki"))
        cls.edge = cls.ca.leaf("edge", dns=["edge.enterprise.test"])
        cls.other = cls.ca.leaf("other", dns=["other.enterprise.test"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, text, name="fedrouted.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as fh:
            fh.write(text)
        return path

    def check(self, *args, cwd=None):
        p = subprocess.run([os.path.abspath(nsdharness.fedroute_path()),
                            "check-config"] +
                           list(args), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30, cwd=cwd)
        out = p.stdout.decode(errors="replace")
        err = p.stderr.decode(errors="replace")
        ctx = "\n$ fedroute check-config %s\nexit %d\nstdout:\n%s\nstderr:\n%s" \
            % (" ".join(args), p.returncode, out, err)
        return p.returncode, out, err, ctx

    def tls_conf(self, cert=None, key=None):
        return TLS_CONF.format(cert=cert or self.edge[0],
                               key=key or self.edge[1])

    def test_valid_with_certificates(self):
        path = self.write(self.tls_conf())
        rc, out, err, ctx = self.check(path)
        self.assertEqual(rc, 0, ctx)
        self.assertEqual(out, "%s: configuration OK\n" % path, ctx)
        self.assertEqual(err, "", ctx)

    def test_relative_paths_from_the_file_directory(self):
        # tls-ca: pki/ca.pem is relative; run from elsewhere.
        path = self.write(self.tls_conf(cert="pki/edge.pem",
                                        key="pki/edge.key"))
        rc, out, err, ctx = self.check(path, cwd="/")
        self.assertEqual(rc, 0, ctx)

    def test_missing_certificate_names_the_file(self):
        missing = os.path.join(self.dir, "nowhere", "edge.pem")
        path = self.write(self.tls_conf(cert=missing))
        rc, out, err, ctx = self.check(path)
        self.assertEqual(rc, 1, ctx)
        self.assertEqual(out, "", ctx)
        self.assertIn("%s:9: listener federation: tls-cert %s: No such file or "
                      "directory" % (path, missing), err, ctx)

    def test_key_that_does_not_match(self):
        path = self.write(self.tls_conf(key=self.other[1]))
        rc, out, err, ctx = self.check(path)
        self.assertEqual(rc, 1, ctx)
        self.assertIn("tls-key %s does not match tls-cert %s"
                      % (self.other[1], self.edge[0]), err, ctx)

    def test_not_a_certificate(self):
        path = self.write(self.tls_conf(cert=self.edge[1]))
        rc, out, err, ctx = self.check(path)
        self.assertEqual(rc, 1, ctx)
        self.assertIn("tls-cert %s: not a PEM certificate chain"
                      % self.edge[1], err, ctx)

    def test_node_ca_that_is_not_pem(self):
        self.write("not a certificate\n", name="junk.pem")
        path = self.write(self.tls_conf().replace("pki/ca.pem", "junk.pem"))
        rc, out, err, ctx = self.check(path)
        self.assertEqual(rc, 1, ctx)
        self.assertIn("%s:3: node publisher: tls-ca %s/junk.pem: no PEM "
                      "certificate" % (path, os.path.realpath(self.dir)),
                      err, ctx)

    def test_no_tls_skips_loading(self):
        path = self.write(self.tls_conf(cert="/nonexistent/edge.pem"))
        rc, out, err, ctx = self.check("--no-tls", path)
        self.assertEqual(rc, 0, ctx)

    def test_every_problem_with_file_and_line(self):
        path = self.write("server:\n"
                          "\tconnect-timeout: soon\n"
                          "node:\n"
                          "\tname: a\n"
                          "\taddress: 127.0.0.2:5062\n"
                          "\tweigth: 2\n"
                          "listener:\n"
                          "\taddress: 127.0.0.1:99999\n"
                          "\ttarget: node a\n")
        rc, out, err, ctx = self.check(path)
        self.assertEqual(rc, 1, ctx)
        lines = err.splitlines()
        self.assertEqual(len(lines), 3, ctx)
        self.assertTrue(lines[0].startswith(
            "%s:2: connect-timeout: expected a duration" % path), ctx)
        self.assertEqual(lines[1], "%s:6: unknown option weigth: in node: "
                         "(did you mean weight:?)" % path, ctx)
        self.assertEqual(lines[2], "%s:8: address: expected a port between "
                         "1 and 65535 after the ':', not \"127.0.0.1:99999\""
                         % path, ctx)

    def test_unreadable_file(self):
        path = os.path.join(self.dir, "absent.conf")
        rc, out, err, ctx = self.check(path)
        self.assertEqual(rc, 1, ctx)
        self.assertEqual(err, "%s: No such file or directory\n" % path, ctx)

    def test_usage(self):
        rc, out, err, ctx = self.check()
        self.assertEqual(rc, 64, ctx)
        self.assertIn("no FILE given", err, ctx)
        rc, out, err, ctx = self.check("--frobnicate", "x")
        self.assertEqual(rc, 64, ctx)

    def test_contrib_configurations(self):
        top = os.environ.get("FR_SRCDIR") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..")
        for name in ("fedrouted.conf", "demo.conf"):
            path = os.path.join(top, "contrib", name)
            rc, out, err, ctx = self.check("--no-tls", path)
            self.assertEqual(rc, 0, ctx)
        # The sample has the seeds' ports and where each one goes.
        rc, out, err, ctx = self.check("--no-tls", "--print",
                                       os.path.join(top, "contrib",
                                                    "fedrouted.conf"))
        self.assertEqual(rc, 0, ctx)
        pat = {}
        for block in out.split("\n\n"):
            if block.startswith("listener:"):
                kv = dict(line.strip().split(": ", 1)
                          for line in block.splitlines()[1:])
                pat[kv["address"]] = kv["target"]
        pub = "198.51.100.10:%d"
        self.assertEqual(pat, {pub % 5061: "pool imp",
                               pub % 55061: "node publisher",
                               pub % 65061: "node subscriber",
                               pub % 5269: "node xmpp-pub",
                               pub % 15269: "node xmpp-sub1",
                               pub % 25269: "node xmpp-sub2",
                               # The nodes' side, on the inside.
                               "10.10.1.5:5062": "federation",
                               "10.10.1.5:5269": "federation"}, ctx)

    def test_print_shows_defaults(self):
        path = self.write(self.tls_conf())
        rc, out, err, ctx = self.check("--print", path)
        self.assertEqual(rc, 0, ctx)
        for line in ("\tconnect-timeout: 4s\n", "\tclient-idle-timeout: 30m\n",
                     "\tconnect-retries: 2\n", "\tcheck: tcp\n",
                     "\ttarget: node publisher\n",
                     "\ttls-ca: %s/pki/ca.pem\n" % os.path.realpath(self.dir)):
            self.assertIn(line, out, ctx)


if __name__ == "__main__":
    unittest.main(verbosity=2)
