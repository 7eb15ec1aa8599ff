"""edgeharness -- run fedrouted and the nodes behind it for the tests.

Python 3 standard library only.

    with TcpNode("a", "127.0.0.2") as a, \
         Fedrouted(CONFIG.format(a=a.addr, port=p)) as d:
        s = connect(p)                      # from 127.0.0.1
        assert banner(s).node == "a"

* Fedrouted writes the configuration into a private directory (readable
  by the user the daemon drops to), starts `fedrouted -c FILE` with its
  log on a file, and waits for the "started with" line.  reload() sends
  SIGHUP and waits for the outcome line; stop() sends SIGTERM and waits
  for the exit, SIGKILL after a bound.  Every daemon still running when
  the test process ends is killed (atexit, SIGTERM, PDEATHSIG).
* TcpNode is a small threaded TCP server on a given loopback address
  and a free port: it greets each connection with "NODE name peer\\n",
  then echoes (or behaves as `mode` says).  stop() closes its socket and
  connections, start() binds the same port again.
* conns(log) parses the daemon's one-line-per-connection records.

Environment: FEDROUTED (the daemon), FEDROUTE (the command line tool).
"""

import atexit
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

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nsdharness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
_TOP = os.path.normpath(os.path.join(HERE, "..", ".."))

# Generous bounds: the machine may be loaded; no test waits on these
# unless something is wrong.
START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
WAIT_TIMEOUT = 15.0
IO_TIMEOUT = 10.0


def fedrouted_path():
    return os.path.abspath(os.environ.get("FEDROUTED") or
                           os.path.join(_TOP, "src", "fedrouted"))


def free_port(host="127.0.0.1"):
    """A TCP port free on host now (the socket is closed again)."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def wait_for(pred, timeout=WAIT_TIMEOUT, interval=0.02, what="condition"):
    """Poll pred() until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


_LIVE = set()


def _stop_all():
    for p in list(_LIVE):
        p.kill()


atexit.register(_stop_all)


def _on_sigterm(signum, frame):
    _stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


# ------------------------------------------------------------ connections

CONN_RE = re.compile(
    r"conn client=(?P<client>\S+) listener=(?P<listener>\S+) "
    r"node=(?P<node>\S+) connect_ms=(?P<connect_ms>\S+) "
    r"duration_s=(?P<duration_s>\S+) from_client=(?P<from_client>\d+) "
    r"to_client=(?P<to_client>\d+) attempts=(?P<attempts>\d+): "
    r"(?P<reason>.*)$")


def conns(log):
    """The connection records of a daemon log, as dicts."""
    out = []
    for line in log.splitlines():
        m = CONN_RE.search(line)
        if m:
            d = m.groupdict()
            for k in ("from_client", "to_client", "attempts"):
                d[k] = int(d[k])
            d["client_ip"] = d["client"].rsplit(":", 1)[0].strip("[]")
            out.append(d)
    return out


def connect(port, host="127.0.0.1", src=None, timeout=IO_TIMEOUT):
    """A TCP connection to host:port, from source address src."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        s.settimeout(timeout)
        if src:
            s.bind((src, 0))
        s.connect((host, port))
    except BaseException:
        s.close()
        raise
    return s


class Banner:
    def __init__(self, line):
        parts = line.split()
        if len(parts) != 3 or parts[0] != "NODE":
            raise AssertionError("not a node banner: %r" % line)
        self.node = parts[1]
        self.peer = parts[2]
        self.line = line


def read_line(sock, limit=4096):
    """One line from sock (without the newline); '' at EOF."""
    buf = b""
    while not buf.endswith(b"\n"):
        c = sock.recv(1)
        if not c:
            break
        buf += c
        if len(buf) > limit:
            raise AssertionError("line too long: %r" % buf[:80])
    return buf.decode(errors="replace").rstrip("\r\n")


def banner(sock):
    line = read_line(sock)
    if not line:
        raise AssertionError("connection closed before the node's banner")
    return Banner(line)


def recv_all(sock):
    """Everything until EOF."""
    chunks = []
    while True:
        d = sock.recv(65536)
        if not d:
            return b"".join(chunks)
        chunks.append(d)


def closed_by_peer(sock, timeout=IO_TIMEOUT):
    """True when sock reaches EOF or a reset within timeout, with nothing
    read before it."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


# ------------------------------------------------------------------ nodes

class TcpNode:
    """A threaded TCP server standing in for an IM&P node.

    modes: "echo"  greet, then echo everything back;
           "reply" greet, read until EOF, answer "got N\\n", close;
           "sink"  greet, then never read (a stuck node);
           "mute"  accept, say nothing, echo (for the silent-node cases).
    """

    def __init__(self, name, host="127.0.0.2", port=None, mode="echo"):
        self.name = name
        self.host = host
        self.port = port or free_port(host)
        self.mode = mode
        self.sock = None
        self.conns = set()
        self.accepted = 0
        self.lock = threading.Lock()
        self.thread = None

    @property
    def addr(self):
        return "%s:%d" % (self.host, self.port)

    def start(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + WAIT_TIMEOUT
        while True:
            try:
                s.bind((self.host, self.port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    s.close()
                    raise
                time.sleep(0.05)
        s.listen(128)
        self.sock = s
        self.thread = threading.Thread(target=self._accept, args=(s,),
                                       daemon=True)
        self.thread.start()
        return self

    def _accept(self, lsock):
        while True:
            try:
                c, peer = lsock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.add(c)
            threading.Thread(target=self._serve, args=(c, peer),
                             daemon=True).start()

    def _wrap(self, c):
        """The connection as the node speaks it (TlsNode: TLS)."""
        return c

    def _serve(self, c, peer):
        try:
            c = self._wrap(c)
            if self.mode != "mute":
                c.sendall(("NODE %s %s:%d\n" % (self.name, peer[0],
                                                peer[1])).encode())
            if self.mode in ("echo", "mute"):
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    c.sendall(d)
            elif self.mode == "reply":
                n = 0
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    n += len(d)
                c.sendall(("got %d\n" % n).encode())
            elif self.mode == "sink":
                while self.sock is not None and c in self.conns:
                    time.sleep(0.05)
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.discard(c)
            try:
                c.close()
            except OSError:
                pass

    def live(self):
        with self.lock:
            return len(self.conns)

    def stop_listening(self):
        """Refuse new connections; live ones go on."""
        s, self.sock = self.sock, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def stop(self):
        """Close the listening socket and every connection (a node that
        dies: new connects are refused, live ones reset)."""
        self.stop_listening()
        with self.lock:
            conns, self.conns = list(self.conns), set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class BlackholeNode:
    """An address where TCP handshakes never complete: a listening
    socket whose accept queue is full, so that the kernel drops further
    SYNs (tcp_abort_on_overflow is 0 by default).  For connect
    time-outs, on loopback."""

    def __init__(self, host="127.0.0.2"):
        self.host = host
        self.sock = None
        self.fillers = []
        self.port = None

    @property
    def addr(self):
        return "%s:%d" % (self.host, self.port)

    def start(self):
        self.sock = socket.socket()
        self.sock.bind((self.host, 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        for _ in range(3):
            f = socket.socket()
            f.setblocking(False)
            try:
                f.connect((self.host, self.port))
            except BlockingIOError:
                pass
            self.fillers.append(f)
        # Proof that it swallows connects.
        probe = socket.socket()
        probe.settimeout(0.2)
        try:
            probe.connect((self.host, self.port))
            raise RuntimeError("BlackholeNode: a connect went through")
        except socket.timeout:
            pass
        finally:
            probe.close()
        return self

    def stop(self):
        for f in self.fillers:
            f.close()
        self.fillers = []
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def listen_inode(port, host="127.0.0.1"):
    """The inode of the socket listening on host:port (IPv4), from
    /proc/net/tcp, or None."""
    want = "%08X:%04X" % (int.from_bytes(socket.inet_aton(host), "little"),
                          port)
    with open("/proc/net/tcp") as fh:
        for line in fh.readlines()[1:]:
            f = line.split()
            if f[1] == want and f[3] == "0A":
                return int(f[9])
    return None


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].split()
    raise AssertionError("no %s for %d" % (field, pid))


class TlsNode(TcpNode):
    """A TcpNode that speaks TLS with cert/key; it remembers how each
    connection was made in .handshakes: (TLS version, session reused,
    client certificate subject or None)."""

    def __init__(self, name, host, cert, key, port=None, mode="echo",
                 client_ca=None):
        super().__init__(name, host, port, mode)
        import ssl
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        if client_ca:
            self.ctx.load_verify_locations(client_ca)
            self.ctx.verify_mode = ssl.CERT_OPTIONAL
        self.handshakes = []

    def _wrap(self, c):
        t = self.ctx.wrap_socket(c, server_side=True)
        peer = t.getpeercert()
        subject = dict(x[0] for x in peer["subject"])["commonName"] \
            if peer else None
        with self.lock:
            self.conns.discard(c)
            self.conns.add(t)
            self.handshakes.append((t.version(), t.session_reused, subject))
        return t


def tls_client(port, ca, name="edge.enterprise.test", cert=None, key=None,
               src=None):
    """A TLS connection to the edge on 127.0.0.1:port, verifying its
    certificate for name against ca."""
    import ssl
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    s = connect(port, src=src)
    try:
        return ctx.wrap_socket(s, server_hostname=name)
    except BaseException:
        s.close()
        raise


# ------------------------------------------------------------- the daemon

class Fedrouted:
    """fedrouted on a configuration text, in a private directory."""

    def __init__(self, config, name="fedrouted.conf", args=(), files=None,
                 env=None):
        self.config = config
        self.name = name
        self.args = list(args)
        self.files = files or {}
        self.env = env  # variables added to the daemon's environment
        self.dir = None
        self.proc = None
        self.logfh = None

    @property
    def conf(self):
        return os.path.join(self.dir, self.name)

    @property
    def logfile(self):
        return os.path.join(self.dir, "fedrouted.log")

    def write_config(self, text):
        tmp = self.conf + ".new"
        with open(tmp, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.conf)

    def log(self):
        try:
            with open(self.logfile, errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def conns(self):
        return conns(self.log())

    def count(self, text):
        return self.log().count(text)

    def wait_log(self, text, count=1, timeout=WAIT_TIMEOUT):
        """Wait until text appears count times in the log."""
        return wait_for(lambda: self.count(text) >= count, timeout=timeout,
                        what="%d x %r in the fedrouted log:\n%s"
                        % (count, text, self.log()))

    def wait_conns(self, n, timeout=WAIT_TIMEOUT):
        """Wait for at least n connection records; return them all."""
        wait_for(lambda: len(self.conns()) >= n, timeout=timeout,
                 what="%d connection records in:\n%s" % (n, self.log()))
        return self.conns()

    def start(self):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="fedroute-edge-")
            # The daemon drops to an unprivileged user, who must read
            # its configuration and certificates for a reload.
            os.chmod(self.dir, 0o755)
            for fname, text in self.files.items():
                with open(os.path.join(self.dir, fname), "w") as fh:
                    fh.write(text)
            self.write_config(self.config)
        before = self.count("started with")
        self.logfh = open(self.logfile, "a")
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
        main = threading.current_thread() is threading.main_thread()
        self.proc = subprocess.Popen(
            [fedrouted_path(), "-c", self.conf] + self.args,
            stdin=subprocess.DEVNULL, stdout=self.logfh,
            stderr=subprocess.STDOUT, cwd=self.dir,
            env=dict(os.environ, **self.env) if self.env else None,
            preexec_fn=nsdharness._pdeathsig_fn() if main else None)
        _LIVE.add(self)
        try:
            wait_for(lambda: self.count("started with") > before or
                     self.proc.poll() is not None, timeout=START_TIMEOUT,
                     what="fedrouted to start")
            if self.proc.poll() is not None:
                raise AssertionError("fedrouted exited with %d at start:\n%s"
                                     % (self.proc.returncode, self.log()))
        except BaseException:
            self.kill()
            raise
        return self

    @property
    def pid(self):
        return self.proc.pid

    def reload(self, text=None, expect_ok=True):
        """Write text (when given) as the new configuration, send SIGHUP,
        wait for the outcome; True when the daemon reloaded."""
        if text is not None:
            self.write_config(text)
        ok0 = self.count("reloaded ")
        bad0 = self.count("reload of ")
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.count("reloaded ") > ok0 or
                 self.count("reload of ") > bad0,
                 what="the outcome of a reload in:\n%s" % self.log())
        ok = self.count("reloaded ") > ok0
        if expect_ok is not None and ok != expect_ok:
            raise AssertionError("reload %s, expected %s:\n%s"
                                 % ("succeeded" if ok else "failed",
                                    "success" if expect_ok else "failure",
                                    self.log()))
        return ok

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM; wait for the exit.  Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("fedrouted ignored SIGTERM for %.0f s"
                                     % timeout)
        rc = self.proc.returncode
        self._closed()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._closed()

    def _closed(self):
        _LIVE.discard(self)
        if self.logfh is not None:
            self.logfh.close()
            self.logfh = None

    def cleanup(self):
        self.kill()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def check_clean_exit(self, rc):
        """The daemon must exit 0 and its log hold no sanitizer report."""
        log = self.log()
        if rc != 0 or "AddressSanitizer" in log or "runtime error:" in log \
                or "LeakSanitizer" in log:
            raise AssertionError("fedrouted exited with %s:\n%s" % (rc, log))

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                sys.stderr.write("fedrouted log at failure:\n%s\n"
                                 % self.log())
            if self.proc is not None:
                rc = self.stop()
                if exc_type is None:
                    self.check_clean_exit(rc)
        finally:
            self.cleanup()
        return False


# --------------------------------------------------------------- SIP / Kamailio

def kamailio_path():
    return os.environ.get("KAMAILIO") or shutil.which("kamailio") or \
        "/usr/sbin/kamailio"


def _kamailio_modules():
    for d in ("/usr/lib/x86_64-linux-gnu/kamailio/modules",
              "/usr/lib/aarch64-linux-gnu/kamailio/modules",
              "/usr/lib64/kamailio/modules", "/usr/lib/kamailio/modules"):
        if os.path.exists(os.path.join(d, "sl.so")):
            return d
    import glob
    found = glob.glob("/usr/lib/*/kamailio/modules/sl.so")
    if found:
        return os.path.dirname(found[0])
    raise RuntimeError("no Kamailio modules found (install kamailio and "
                       "kamailio-tls-modules)")


KAMAILIO_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=1
tcp_children=2
disable_sctp=yes
auto_aliases=no
dns=no
rev_dns=no
{tls_global}
listen=tcp:{host}:{port}
{tls_listen}
mpath="{mpath}"
loadmodule "sl.so"
loadmodule "textops.so"
loadmodule "pv.so"
{tls_modules}
request_route {{
	if (is_method("OPTIONS")) {{
		append_to_reply("X-Node: {name}\\r\\nX-Proto: $proto\\r\\nX-Source: $si\\r\\n");
		sl_send_reply("{code}", "{reason}");
		exit;
	}}
	sl_send_reply("405", "Method Not Allowed");
}}
"""

KAMAILIO_TLS = """[server:default]
method = TLSv1.2+
certificate = {cert}
private_key = {key}
verify_certificate = no
require_certificate = no
"""


def sip_options(sock, uri="sip:node.enterprise.test", transport="TCP"):
    """Send one OPTIONS on a connected socket (plain or TLS); return
    (status, headers) of the response, header names lower-cased."""
    local = sock.getsockname()
    req = ("OPTIONS %s SIP/2.0\r\n"
           "Via: SIP/2.0/%s %s:%d;branch=z9hG4bK%08x;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:test@enterprise.test>;tag=%08x\r\n"
           "To: <%s>\r\n"
           "Call-ID: %08x@test\r\n"
           "CSeq: 1 OPTIONS\r\n"
           "Content-Length: 0\r\n\r\n"
           % (uri, transport, local[0], local[1], os.getpid(),
              time.monotonic_ns() & 0xffffffff, uri,
              time.monotonic_ns() & 0xffffffff))
    sock.sendall(req.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(4096)
        if not d:
            raise AssertionError("connection closed before a SIP "
                                 "response: %r" % buf)
        buf += d
    head = buf.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    lines = head.split("\r\n")
    parts = lines[0].split(" ", 2)
    if parts[0] != "SIP/2.0":
        raise AssertionError("not a SIP response: %r" % lines[0])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(parts[1]), headers


class KamailioNode:
    """A real Kamailio answering OPTIONS on host:port (TCP), and on
    tls_port with TLS when given a certificate: status `code`, with
    X-Node (its name), X-Proto (tcp or tls as it saw the request) and
    X-Source (the address it came from)."""

    def __init__(self, name, host, port=None, code=200, reason="OK",
                 cert=None, key=None, tls_port=None):
        self.name = name
        self.host = host
        self.port = port or free_port(host)
        self.code = code
        self.reason = reason
        self.cert, self.key = cert, key
        self.tls_port = tls_port or (free_port(host) if cert else None)
        self.dir = None
        self.proc = None

    @property
    def addr(self):
        return "%s:%d" % (self.host, self.port)

    @property
    def tls_addr(self):
        return "%s:%d" % (self.host, self.tls_port)

    def log(self):
        try:
            with open(os.path.join(self.dir, "kamailio.log"),
                      errors="replace") as fh:
                return fh.read()
        except (OSError, TypeError):
            return ""

    def write_config(self):
        tls = self.cert is not None
        if tls:
            with open(os.path.join(self.dir, "tls.cfg"), "w") as fh:
                fh.write(KAMAILIO_TLS.format(cert=self.cert, key=self.key))
        text = KAMAILIO_CFG.format(
            name=self.name, host=self.host, port=self.port, code=self.code,
            reason=self.reason, mpath=_kamailio_modules(),
            tls_global="enable_tls=yes" if tls else "",
            tls_listen="listen=tls:%s:%d" % (self.host, self.tls_port)
            if tls else "",
            tls_modules='loadmodule "tls.so"\nmodparam("tls", "config", '
            '"%s")' % os.path.join(self.dir, "tls.cfg") if tls else "")
        with open(os.path.join(self.dir, "kamailio.cfg"), "w") as fh:
            fh.write(text)

    def start(self):
        if not os.access(kamailio_path(), os.X_OK):
            raise RuntimeError("kamailio not found: %s (install kamailio, "
                               "or set KAMAILIO)" % kamailio_path())
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="fedroute-kam-")
            self.write_config()
        out = open(os.path.join(self.dir, "kamailio.log"), "a")
        try:
            self.proc = subprocess.Popen(
                [kamailio_path(), "-f", os.path.join(self.dir, "kamailio.cfg"),
                 "-DD", "-E", "-Y", self.dir, "-P",
                 os.path.join(self.dir, "kamailio.pid"), "-m", "64", "-M",
                 "8"], stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, cwd=self.dir,
                start_new_session=True)
        finally:
            out.close()
        _LIVE.add(self)
        try:
            wait_for(self._answers, timeout=START_TIMEOUT,
                     what="kamailio %s to answer OPTIONS" % self.name)
        except BaseException:
            sys.stderr.write("kamailio log:\n%s\n" % self.log())
            self.kill()
            raise
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError("kamailio exited with %d:\n%s"
                                 % (self.proc.returncode, self.log()))
        try:
            s = connect(self.port, host=self.host, timeout=1.0)
        except OSError:
            return False
        try:
            status, headers = sip_options(s)
            return headers.get("x-node") == self.name
        except (OSError, AssertionError):
            return False
        finally:
            s.close()

    def stop(self):
        """SIGTERM to the process group, wait, SIGKILL after a bound."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reap_group()
        _LIVE.discard(self)

    def _reap_group(self):
        # Its children go with it; make sure none is left behind.
        if self.proc is None:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def kill(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        _LIVE.discard(self)

    def cleanup(self):
        self.stop()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False
