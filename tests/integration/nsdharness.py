"""nsdharness -- run a private NSD on a free loopback port for the tests.

Python 3 standard library only.

    with NsdServer([zone_file, ...]) as nsd:
        rc, doc, err = run_fedroute(["lookup", "--json",
                                     "--resolver", nsd.resolver, "foo.test"])

* The NSD configuration is made from zones/nsd.conf.in into a private
  temporary directory (never into the source tree, which is read-only under
  `make distcheck`).  A zone's origin is its file name without ".zone".
* The port is picked at run time (free for both UDP and TCP on 127.0.0.1).
* Readiness is a real DNS query (SOA of the first zone over UDP), repeated
  every 50 ms for at most 10 s; no blind sleeps.
* NSD is stopped by the pid in its pidfile: SIGTERM, wait for the process
  to go and the pidfile to disappear, SIGKILL after a bound; then the
  temporary directory is removed.  On any failure NSD's log is printed.

Environment: NSD (path to nsd, default /usr/sbin/nsd), FEDROUTE (path to
the fedroute CLI), ZONES_DIR (the zones/ directory).
"""

import atexit
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Defaults for a plain `python3 tests/integration/test_x.py` in the source
# tree; under `make check` the environment always sets all three.
_TOP = os.path.normpath(os.path.join(HERE, "..", ".."))


def zones_dir():
    return os.path.abspath(os.environ.get("ZONES_DIR") or
                           os.path.join(_TOP, "zones"))


def nsd_path():
    return os.environ.get("NSD") or "/usr/sbin/nsd"


def fedroute_path():
    return os.environ.get("FEDROUTE") or os.path.join(_TOP, "src", "fedroute")


def zone_files(*subdirs):
    """Every <origin>.zone file under zones/<subdir> for each subdir."""
    out = []
    for sub in subdirs:
        d = os.path.join(zones_dir(), sub)
        out.extend(os.path.join(d, f) for f in sorted(os.listdir(d))
                   if f.endswith(".zone"))
    return out


def origin_of(zone_file):
    """Origin of a zone file, from its name: lync.test.zone -> lync.test"""
    base = os.path.basename(zone_file)
    if not base.endswith(".zone"):
        raise ValueError("zone file name must end in .zone: %s" % zone_file)
    return base[:-len(".zone")]


def free_port(host="127.0.0.1", tries=50):
    """A port on which nothing listens now, neither over UDP nor TCP.

    Binds TCP to port 0, then checks that UDP can bind the same number.
    The sockets are closed before returning, so there is a (tiny) race
    with other programs; NSD fails loudly in that case.
    """
    for _ in range(tries):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind((host, 0))
            port = t.getsockname()[1]
            try:
                u.bind((host, port))
            except OSError:
                continue
            return port
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free loopback port found")


# --------------------------------------------------------------------- DNS

TYPE_A, TYPE_NS, TYPE_SOA, TYPE_AAAA, TYPE_SRV, TYPE_NAPTR = 1, 2, 6, 28, 33, 35


def build_query(name, qtype, qid=None, rd=False, edns=None):
    """A DNS query packet (RFC 1035 4.1) for name/qtype, class IN; with
    edns=SIZE an OPT record (RFC 6891) advertising that UDP payload size.
    Returns (packet, id)."""
    if qid is None:
        qid = random.randrange(0, 65536)
    flags = 0x0100 if rd else 0
    header = struct.pack("!HHHHHH", qid, flags, 1, 0, 0,
                         1 if edns else 0)
    qname = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            qname += struct.pack("!B", len(raw)) + raw
    qname += b"\x00"
    opt = b""
    if edns:
        # root owner, TYPE OPT (41), CLASS = payload size, TTL 0, RDLEN 0
        opt = b"\x00" + struct.pack("!HHIH", 41, edns, 0, 0)
    return header + qname + struct.pack("!HH", qtype, 1) + opt, qid


def parse_header(packet):
    """(id, flags, qdcount, ancount, nscount, arcount) of a DNS message."""
    if len(packet) < 12:
        raise ValueError("short DNS message")
    return struct.unpack("!HHHHHH", packet[:12])


def udp_query(host, port, name, qtype, timeout=0.5, edns=None):
    """Send one query over UDP; return (rcode, flags, ancount) or None.
    flags & 0x0200 is TC (truncated), flags & 0x0400 AA."""
    pkt, qid = build_query(name, qtype, edns=edns)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(pkt, (host, port))
        while True:
            data, _ = s.recvfrom(65535)
            hid, flags, _, an, _, _ = parse_header(data)
            if hid == qid and flags & 0x8000:
                return flags & 0x000F, flags, an
    except (socket.timeout, ConnectionRefusedError, OSError):
        return None
    finally:
        s.close()


# --------------------------------------------------------------------- NSD

_LIVE = set()            # started servers, stopped at exit whatever happens


def _stop_all():
    for srv in list(_LIVE):
        srv.stop()


def _on_sigterm(signum, frame):
    _stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


atexit.register(_stop_all)


def _pdeathsig_fn():
    """A preexec_fn that makes the child get SIGTERM when the thread that
    started it dies (even by SIGKILL), so no NSD outlives a killed test;
    None where that is not available (non-Linux).  libc is loaded here, in
    the parent: the child runs only the prctl() call."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None
    PR_SET_PDEATHSIG = 1

    def fn():
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    return fn


def _say(text):
    """Write to stderr; a closed stderr must not stop the clean-up."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


class NsdError(RuntimeError):
    pass


class NsdServer:
    """A private NSD serving the given zone files on 127.0.0.1:<free port>.

    Use as a context manager, or call start() / stop() yourself.
    Attributes once started: port, resolver ("127.0.0.1@PORT"), rundir.
    """

    READY_TIMEOUT = 10.0     # seconds until NSD must answer
    POLL = 0.05              # readiness poll interval
    STOP_TIMEOUT = 5.0       # seconds after SIGTERM before SIGKILL

    def __init__(self, zones, template=None, port=None, verbosity=1,
                 nsd=None):
        if not zones:
            raise ValueError("NsdServer needs at least one zone file")
        self.zones = [os.path.abspath(z) for z in zones]
        for z in self.zones:
            origin_of(z)
            if not os.path.isfile(z):
                raise ValueError("no such zone file: %s" % z)
        self.template = template or os.path.join(zones_dir(), "nsd.conf.in")
        self.wanted_port = port
        self.verbosity = verbosity
        self.nsd = nsd or nsd_path()
        self.port = None
        self.rundir = None
        self.proc = None
        self.pid = None

    # -- paths
    @property
    def conf(self):
        return os.path.join(self.rundir, "nsd.conf")

    @property
    def pidfile(self):
        return os.path.join(self.rundir, "nsd.pid")

    @property
    def logfile(self):
        return os.path.join(self.rundir, "nsd.log")

    @property
    def resolver(self):
        return "127.0.0.1@%d" % self.port

    def log(self):
        """NSD's log file plus whatever it wrote to stdout/stderr."""
        text = ""
        if not self.rundir:
            return text
        for f in (self.logfile, os.path.join(self.rundir, "nsd.out")):
            try:
                with open(f, errors="replace") as fh:
                    text += fh.read()
            except (OSError, TypeError):
                pass
        return text

    def write_config(self):
        with open(self.template) as fh:
            tpl = fh.read()
        clauses = []
        for z in self.zones:
            clauses.append('zone:\n\tname: "%s"\n\tzonefile: "%s"\n'
                           % (origin_of(z), z))
        values = {"@PORT@": str(self.port), "@RUNDIR@": self.rundir,
                  "@VERBOSITY@": str(self.verbosity),
                  "@ZONES@": "\n".join(clauses)}
        lines = []
        for line in tpl.splitlines():
            if not line.lstrip().startswith("#"):   # comments stay as they are
                for key, val in values.items():
                    line = line.replace(key, val)
                left = re.search(r"@[A-Z_]+@", line)
                if left:
                    raise NsdError("unknown placeholder %s in %s"
                                   % (left.group(0), self.template))
            lines.append(line)
        text = "\n".join(lines) + "\n"
        with open(self.conf, "w") as fh:
            fh.write(text)

    def start(self, attempts=3):
        """Start NSD and wait until it answers.  When the port was picked
        here and NSD dies at start (another program took the port in the
        meantime), try again with a new port, at most `attempts` times."""
        if not os.access(self.nsd, os.X_OK):
            raise NsdError("nsd not executable: %s (set NSD)" % self.nsd)
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once()
            except NsdError as e:
                if self.wanted_port or attempt == attempts or \
                        "exited" not in str(e):
                    raise
                _say("nsdharness: %s; retrying on a new port\n" % e)

    def _start_once(self):
        self.rundir = tempfile.mkdtemp(prefix="fedroute-nsd-")
        try:
            os.mkdir(os.path.join(self.rundir, "xfr"))
            self.port = self.wanted_port or free_port()
            self.write_config()
            out = open(os.path.join(self.rundir, "nsd.out"), "w")
            try:
                if threading.current_thread() is threading.main_thread() \
                        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                    signal.signal(signal.SIGTERM, _on_sigterm)
                # PDEATHSIG follows the starting thread: only from main
                main = threading.current_thread() is threading.main_thread()
                self.proc = subprocess.Popen(
                    [self.nsd, "-d", "-c", self.conf],
                    stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, cwd=self.rundir,
                    preexec_fn=_pdeathsig_fn() if main else None)
                _LIVE.add(self)
            finally:
                out.close()
            self._wait_ready()
        except BaseException:
            try:
                _say("nsdharness: NSD failed to start; its log:\n%s\n"
                     % self.log())
            finally:
                self.stop()
            raise
        return self

    def _wait_ready(self):
        origin = origin_of(self.zones[0])
        deadline = time.monotonic() + self.READY_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise NsdError("nsd exited with status %d before it was ready"
                               % self.proc.returncode)
            r = udp_query("127.0.0.1", self.port, origin, TYPE_SOA,
                          timeout=self.POLL)
            if r is not None:
                rcode, flags, ancount = r
                if rcode == 0 and flags & 0x0400 and ancount >= 1:
                    break          # authoritative SOA answer: zone loaded
            if time.monotonic() > deadline:
                raise NsdError("nsd did not answer SOA %s on port %d within "
                               "%.0f s" % (origin, self.port,
                                           self.READY_TIMEOUT))
            time.sleep(self.POLL)
        # The pidfile is written before NSD serves; read it once ready.
        self.pid = self._read_pidfile()

    def _read_pidfile(self):
        try:
            with open(self.pidfile) as fh:
                return int(fh.read().strip())
        except (OSError, ValueError):
            return None

    @staticmethod
    def _alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self):
        """Stop NSD (pidfile pid; SIGTERM then SIGKILL) and clean up."""
        try:
            pid = self._read_pidfile() or self.pid
            if pid is None and self.proc is not None and \
                    self.proc.poll() is None:
                pid = self.proc.pid   # died before writing its pidfile?
            if pid is not None and self._alive(pid):
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + self.STOP_TIMEOUT
                while time.monotonic() < deadline:
                    gone = (self.proc.poll() is not None
                            if self.proc is not None and pid == self.proc.pid
                            else not self._alive(pid))
                    if gone and not os.path.exists(self.pidfile):
                        break
                    time.sleep(self.POLL)
                else:
                    _say("nsdharness: nsd %d ignored SIGTERM, killing it\n"
                         % pid)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if self.proc is not None:
                try:
                    self.proc.wait(timeout=self.STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            self.proc = None
            _LIVE.discard(self)
            if self.rundir and os.path.isdir(self.rundir):
                shutil.rmtree(self.rundir, ignore_errors=True)
            self.rundir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None and self.rundir:
                _say("nsdharness: NSD log at failure:\n%s\n" % self.log())
        finally:
            self.stop()     # whatever happened, NSD must not outlive us
        return False


# ---------------------------------------------------------------- fedroute

class FedrouteResult(tuple):
    """(exit code, parsed JSON or None, stderr) plus .stdout and .seconds."""

    def __new__(cls, rc, doc, stderr, stdout, seconds, argv):
        self = super().__new__(cls, (rc, doc, stderr))
        self.stdout = stdout
        self.seconds = seconds
        self.argv = argv
        return self


def run_fedroute(args, timeout=30, expect_json=None, env=None):
    """Run `fedroute ARGS`; return (exit code, parsed JSON, stderr).

    The JSON is None when stdout is empty.  When expect_json is true (the
    default when "--json" is among the args and the exit code is not 64)
    and stdout does not parse, AssertionError says what came out.
    The returned tuple also has .stdout, .seconds and .argv.
    """
    argv = [fedroute_path()] + list(args)
    t0 = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=env)
    seconds = time.monotonic() - t0
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if expect_json is None:
        expect_json = "--json" in args and p.returncode != 64
    doc = None
    if out.strip():
        try:
            doc = json.loads(out)
        except ValueError as e:
            if expect_json:
                raise AssertionError(
                    "%s: stdout is not one JSON object (%s)\nexit %d\n"
                    "stdout:\n%s\nstderr:\n%s"
                    % (" ".join(argv), e, p.returncode, out, err))
    elif expect_json:
        raise AssertionError("%s: no JSON on stdout (exit %d)\nstderr:\n%s"
                             % (" ".join(argv), p.returncode, err))
    return FedrouteResult(p.returncode, doc, err, out, seconds, argv)
