#!/usr/bin/env python3
"""Integration tests: output formats and runs of several targets.

--format text|json|nagios (and --json), several TARGETs and --batch FILE
with the summary, the exit status of a run (the worst lookup: CRITICAL
before UNKNOWN before WARNING before OK), usage errors (64, or UNKNOWN 3
for Nagios), the Nagios status line and performance data, text width and
colour (only on a terminal, never with NO_COLOR).

Run: FEDROUTE=src/fedroute ZONES_DIR=$PWD/zones python3 tests/integration/test_output.py
"""

import json
import os
import pty
import re
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402
import lookupcheck  # noqa: E402
from lookupcheck import LookupTestCase, VERDICTS  # noqa: E402

setUpModule = lookupcheck.start_shared_nsd
tearDownModule = lookupcheck.stop_shared_nsd

OK = "sip:rfc3263.test"                 # 0
WARN = "sips:big.cases.test"            # 1: DNS_TRUNCATED_UDP
CRIT = "nx.cases.test"                  # 2: NXDOMAIN
UNKNOWN = "foo.example"                 # 3: REFUSED -> SERVFAIL
ESC = "\x1b["

# label=value[UOM];[warn];[crit];[min];[max], label quoted
PERF = re.compile(r"'((?:[^']|'')+)'=(-?[0-9.]+)(s|%|B|KB|MB|TB|c)?"
                  r"(;[0-9.:~@-]*){0,4}$")


def parse_perfdata(text):
    """{label: float} from a perfdata string; fails on a bad item."""
    out = {}
    for item in re.findall(r"'(?:[^']|'')+'=\S+", text):
        m = PERF.match(item)
        if not m:
            raise AssertionError("bad perfdata item %r" % item)
        out[m.group(1).replace("''", "'")] = float(m.group(2))
    rest = re.sub(r"'(?:[^']|'')+'=\S+", "", text).strip()
    if rest:
        raise AssertionError("stray text in perfdata: %r" % rest)
    return out


class OutputCase(LookupTestCase):

    def run_cli(self, *args, resolver=True, stdin=None, env=None):
        argv = ["lookup"]
        if resolver:
            argv += ["--resolver", self.resolver]
        argv += list(args)
        p = subprocess.run([nsdharness.fedroute_path()] + argv,
                           input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60, env=env)
        out = p.stdout.decode()
        err = p.stderr.decode()
        ctx = "\n$ fedroute %s\nexit %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(argv), p.returncode, out, err)
        return p.returncode, out, err, ctx


class Formats(OutputCase):

    def test_json_alias(self):
        a = self.lookup(OK, extra=["--seed", "3"])
        rc, out, _, ctx = self.run_cli("--format", "json", "--seed", "3", OK)
        self.assertEqual(rc, 0, ctx)
        b = json.loads(out)
        self.check_schema(b, OK, ctx)
        strip = ("ms", "_ctx", "_seconds")

        def clean(x):
            if isinstance(x, dict):
                return {k: clean(v) for k, v in x.items() if k not in strip}
            if isinstance(x, list):
                return [clean(v) for v in x]
            return x
        self.assertEqual(clean(a), clean(b), ctx)

    def test_text_default(self):
        rc, out, _, ctx = self.run_cli(OK)
        self.assertEqual(rc, 0, ctx)
        self.assertTrue(out.startswith(OK + "  (profile sip"), ctx)
        for head in ("DNS questions, in the order asked",
                     "Targets, in the order they would be tried",
                     "Checks beyond the plan"):
            self.assertIn("\n" + head + "\n", out, ctx)
        self.assertIn("Result: ok, 9 targets; verdict ok (exit 0)", out, ctx)

    def test_text_fits_80_columns(self):
        # big.cases.test has 64-character host names: they get a line of
        # their own
        for target in (OK, WARN, "sip:lync.test", "xmpp:xmpp.test"):
            rc, out, _, ctx = self.run_cli(target)
            for line in out.splitlines():
                self.assertLessEqual(len(line), 80, line + ctx)

    def test_text_findings_with_hints(self):
        rc, out, _, ctx = self.run_cli(WARN)
        self.assertEqual(rc, 1, ctx)
        self.assertRegex(out, r"\n  warning  DNS_TRUNCATED_UDP\n    "
                         r"_sips\._tcp\.big\.cases\.test SRV: ", ctx)
        self.assertIn("\n    fix: allow DNS over TCP port 53", out, ctx)
        self.assertIn("verdict warning (exit 1)", out, ctx)

    def test_bad_format(self):
        rc, out, err, ctx = self.run_cli("--format", "xml", OK)
        self.assertEqual(rc, 64, ctx)
        self.assertIn("--format", err, ctx)


class Nagios(OutputCase):

    def check_line(self, target, rc_want, state):
        rc, out, err, ctx = self.run_cli("--format", "nagios", target)
        self.assertEqual(rc, rc_want, ctx)
        lines = out.splitlines()
        head, _, perf = lines[0].partition(" | ")
        self.assertTrue(head.startswith("FEDROUTE %s - %s: "
                                        % (state, target)), ctx)
        p = parse_perfdata(perf)
        self.assertEqual(set(p), {"targets", "warnings", "errors", "time"},
                         ctx)
        return lines, p, ctx

    def test_ok(self):
        lines, p, ctx = self.check_line(OK, 0, "OK")
        self.assertEqual(lines[0].split(" | ")[0],
                         "FEDROUTE OK - sip:rfc3263.test: 9 targets", ctx)
        self.assertEqual((p["targets"], p["warnings"], p["errors"]),
                         (9, 0, 0), ctx)
        self.assertGreater(p["time"], 0, ctx)
        self.assertEqual(len(lines), 1, ctx)

    def test_warning_with_long_output(self):
        lines, p, ctx = self.check_line(WARN, 1, "WARNING")
        self.assertIn("40 targets; warnings: DNS_TRUNCATED_UDP", lines[0],
                      ctx)
        self.assertEqual((p["targets"], p["warnings"]), (40, 1), ctx)
        self.assertEqual(len(lines), 2, ctx)
        self.assertTrue(lines[1].startswith(
            "warning DNS_TRUNCATED_UDP: _sips._tcp.big.cases.test SRV"), ctx)

    def test_critical_nxdomain(self):
        lines, p, ctx = self.check_line(CRIT, 2, "CRITICAL")
        self.assertIn("nxdomain; errors: DOMAIN_NXDOMAIN", lines[0], ctx)
        self.assertEqual((p["targets"], p["errors"]), (0, 1), ctx)

    def test_unknown_servfail(self):
        lines, _, ctx = self.check_line(UNKNOWN, 3, "UNKNOWN")
        self.assertIn("servfail; errors: DNS_SERVFAIL", lines[0], ctx)

    def test_usage_error_is_unknown(self):
        for args in (["--format", "nagios", "--timeout", "soon", OK],
                     ["--timeout", "soon", "--format", "nagios", OK],
                     ["--format", "nagios"],
                     ["--format", "nagios", "sip:bad..name"]):
            with self.subTest(args=args):
                rc, out, _, ctx = self.run_cli(*args)
                self.assertEqual(rc, 3, ctx)
                self.assertEqual(len(out.splitlines()), 1, ctx)
                self.assertTrue(out.startswith("FEDROUTE UNKNOWN - "), ctx)


class SeveralTargets(OutputCase):

    def test_worst_status_wins(self):
        cases = [([OK], 0), ([OK, WARN], 1), ([WARN, UNKNOWN], 3),
                 ([UNKNOWN, CRIT], 2), ([CRIT, OK, WARN, UNKNOWN], 2)]
        for targets, want in cases:
            with self.subTest(targets=targets):
                rc, out, _, ctx = self.run_cli("--json", *targets)
                self.assertEqual(rc, want, ctx)

    def test_json_document(self):
        targets = [OK, WARN, CRIT, UNKNOWN]
        rc, out, _, ctx = self.run_cli("--json", *targets)
        self.assertEqual(rc, 2, ctx)
        doc = json.loads(out)
        self.assertEqual(set(doc), {"version", "lookups", "summary"}, ctx)
        self.assertEqual(doc["version"], 1, ctx)
        self.assertEqual([d["query"]["input"] for d in doc["lookups"]],
                         targets, ctx)
        for d in doc["lookups"]:
            self.check_schema(d, d["query"]["input"], ctx)
            self.assertEqual(d["exit"], lookupcheck.expected_exit(d), ctx)
        self.assertEqual([d["exit"] for d in doc["lookups"]], [0, 1, 2, 3],
                         ctx)
        self.assertEqual(doc["summary"], {"ok": 1, "warning": 1,
                                          "critical": 1, "unknown": 1,
                                          "verdict": "critical", "exit": 2},
                         ctx)

    def test_text_summary(self):
        rc, out, _, ctx = self.run_cli(OK, WARN, CRIT)
        self.assertEqual(rc, 2, ctx)
        # each report in full, then the table
        self.assertEqual(out.count("\nDNS questions, in the order asked\n"),
                         3, ctx)
        tail = out[out.index("\nSummary of 3 lookups\n"):]
        rows = [l.split() for l in tail.splitlines()[3:6]]
        self.assertEqual(rows, [
            [OK, "ok", "9", "0", "0", "ok"],
            [WARN, "ok", "40", "1", "0", "warning"],
            [CRIT, "nxdomain", "0", "0", "1", "critical"]], ctx)
        self.assertTrue(tail.rstrip().endswith(
            "Overall: critical (exit 2)"), ctx)

    def test_nagios_several(self):
        rc, out, _, ctx = self.run_cli("--format", "nagios", OK, WARN, CRIT)
        self.assertEqual(rc, 2, ctx)
        lines = out.splitlines()
        head, _, perf = lines[0].partition(" | ")
        self.assertEqual(head, "FEDROUTE CRITICAL - 3 lookups: 1 critical, "
                         "1 warning, 0 unknown, 1 ok", ctx)
        p = parse_perfdata(perf)
        self.assertEqual((p[OK + " targets"], p[WARN + " warnings"],
                          p[CRIT + " errors"]), (9, 1, 1), ctx)
        self.assertEqual(lines[1:], [
            "OK sip:rfc3263.test: 9 targets",
            "WARNING sips:big.cases.test: 40 targets; warnings: "
            "DNS_TRUNCATED_UDP",
            "CRITICAL nx.cases.test: nxdomain; errors: DOMAIN_NXDOMAIN"],
            ctx)


class Batch(OutputCase):

    def batch_file(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
        self.addCleanup(os.unlink, f.name)
        f.write(text)
        f.close()
        return f.name

    def test_file_with_comments_and_profiles(self):
        path = self.batch_file("# partners\n\n  %s  \nms-fed lync.test\n"
                               "xmpp-s2s\txmpp.test\n" % OK)
        rc, out, _, ctx = self.run_cli("--json", "--batch", path)
        self.assertEqual(rc, 0, ctx)
        doc = json.loads(out)
        got = [(d["query"]["input"], d["query"]["profile"])
               for d in doc["lookups"]]
        self.assertEqual(got, [(OK, "sip"), ("lync.test", "ms-fed"),
                               ("xmpp.test", "xmpp-s2s")], ctx)
        self.assertEqual([len(d["targets"]) for d in doc["lookups"]],
                         [9, 2, 4], ctx)

    def test_profile_in_labels(self):
        # a bare domain of another profile is labelled as --batch reads it
        path = self.batch_file("ms-fed lync.test\n" + OK + "\n")
        rc, out, _, ctx = self.run_cli("--format", "nagios", "--batch", path)
        self.assertEqual(rc, 0, ctx)
        lines = out.splitlines()
        self.assertIn("'ms-fed lync.test targets'=2;;;0", lines[0], ctx)
        self.assertEqual(lines[1:], ["OK ms-fed lync.test: 2 targets",
                                     "OK sip:rfc3263.test: 9 targets"], ctx)
        rc, out, _, ctx = self.run_cli("--batch", path)
        self.assertRegex(out, r"\n  ms-fed lync.test +ok +2 +0 +0  ok\n",
                         ctx)

    def test_stdin_and_command_line(self):
        rc, out, _, ctx = self.run_cli("--json", "--batch", "-", CRIT,
                                       stdin=("%s\n" % OK).encode())
        self.assertEqual(rc, 2, ctx)
        doc = json.loads(out)
        self.assertEqual([d["query"]["input"] for d in doc["lookups"]],
                         [OK, CRIT], ctx)

    def test_one_line_batch_is_a_list(self):
        # --batch always gives the document of several lookups
        path = self.batch_file(OK + "\n")
        rc, out, _, ctx = self.run_cli("--json", "--batch", path)
        self.assertEqual(rc, 0, ctx)
        self.assertIn("lookups", json.loads(out), ctx)

    def test_bad_lines(self):
        cases = [("%s\nsip:bad..name\n" % OK, ":2: 'sip:bad..name'"),
                 ("smtp foo.test\n", ":1: unknown profile 'smtp'"),
                 ("sip a.test b.test\n", ":1: one target per line"),
                 ("x" * 2000 + "\n", ":1: line longer than 1024")]
        for text, want in cases:
            with self.subTest(text=text[:40]):
                path = self.batch_file(text)
                rc, out, err, ctx = self.run_cli("--json", "--batch", path)
                self.assertEqual(rc, 64, ctx)
                self.assertEqual(out, "", "no lookup ran" + ctx)
                self.assertIn(path + want, err, ctx)
                rc, out, err, ctx = self.run_cli("--format", "nagios",
                                                 "--batch", path)
                self.assertEqual(rc, 3, ctx)
                self.assertIn("FEDROUTE UNKNOWN - " + path + want, out, ctx)

    def test_missing_file(self):
        rc, _, err, ctx = self.run_cli("--batch", "/nonexistent/list.txt")
        self.assertEqual(rc, 64, ctx)
        self.assertIn("/nonexistent/list.txt: No such file", err, ctx)


class Colour(OutputCase):

    def run_pty(self, *args, env_extra=None):
        """Run fedroute with stdout on a pseudo-terminal."""
        env = dict(os.environ, TERM="xterm")
        env.pop("NO_COLOR", None)
        env.update(env_extra or {})
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen(
                [nsdharness.fedroute_path(), "lookup", "--resolver",
                 self.resolver] + list(args),
                stdin=subprocess.DEVNULL, stdout=slave,
                stderr=subprocess.PIPE, env=env)
            os.close(slave)
            slave = None
            chunks = []
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:          # EIO: the child closed the pty
                    break
                if not data:
                    break
                chunks.append(data)
            p.wait(timeout=60)
            p.stderr.close()
            return p.returncode, b"".join(chunks).decode()
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)

    def test_terminal_gets_colour(self):
        rc, out = self.run_pty(WARN)
        self.assertEqual(rc, 1, out)
        self.assertIn(ESC + "33mwarning" + ESC + "0m", out)

    def test_no_color_env(self):
        rc, out = self.run_pty(WARN, env_extra={"NO_COLOR": "1"})
        self.assertEqual(rc, 1, out)
        self.assertNotIn(ESC, out)

    def test_dumb_terminal(self):
        rc, out = self.run_pty(WARN, env_extra={"TERM": "dumb"})
        self.assertNotIn(ESC, out)

    def test_pipe_gets_none(self):
        rc, out, _, ctx = self.run_cli(WARN)
        self.assertNotIn(ESC, out, ctx)

    def test_forced(self):
        rc, out, _, ctx = self.run_cli("--color", "always", WARN)
        self.assertIn(ESC + "33mwarning" + ESC + "0m", out, ctx)
        rc, out = self.run_pty("--color", "never", WARN)
        self.assertNotIn(ESC, out)

    def test_json_never(self):
        rc, out, _, ctx = self.run_cli("--color", "always", "--json", WARN)
        self.assertNotIn(ESC, out, ctx)


if __name__ == "__main__":
    unittest.main(verbosity=2)
