"""peers -- certificates made at run time, and real peers for
`fedroute lookup --connect`.  Python 3 standard library only, plus the
programs it runs: openssl, faketime, kamailio, prosody.

    certs = CertFactory(tmpdir)
    ca = certs.ca("fedroute test CA")
    leaf = certs.leaf("good", ca, cn="sip.good.conn.test",
                      sans=["DNS:good.conn.test", "URI:sip:good.conn.test"])

    kam = Kamailio(listeners=[("tls", "127.0.5.1", 25061, leaf), ...])
    kam.start() ... kam.stop()

Every server runs from a private configuration in a private temporary
directory, listens on private loopback addresses and ports chosen at run
time, is started with PDEATHSIG (it dies with the test), waited for with
real connections (no blind sleeps), and stopped by its pid: SIGTERM,
then SIGKILL after a bound.  Kamailio and Prosody run as the calling
user; when that is root, Prosody is told so (run_as_root).
"""

import base64
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

import nsdharness

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
FAKETIME = shutil.which("faketime") or "/usr/bin/faketime"
KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"
PROSODY = shutil.which("prosody") or "/usr/bin/prosody"


def have(*programs):
    """The programs among those given that are missing."""
    return [p for p in programs if not os.access(p, os.X_OK)]





def wait_tcp(host, port, proc, what, timeout=15.0):
    """Connect to host:port every 50 ms until it works, the process dies,
    or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with status %d before listening "
                               "on %s:%d" % (what, proc.returncode, host,
                                             port))
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("%s not listening on %s:%d after %.0f s"
                               % (what, host, port, timeout))
        time.sleep(0.05)


# ------------------------------------------------------------ certificates

class CertFactory:
    """EC P-256 certificates made with the openssl command: CAs, and
    leaves signed by them with the names, validity and dates asked for.
    Dates in the past or the future are made by running openssl under
    faketime, so the certificate is exactly what a server would present."""

    def __init__(self, directory):
        self.dir = directory
        self.n = 0

    def _run(self, argv, shift_days=None):
        if shift_days:
            argv = [FAKETIME, "-f", "%+dd" % shift_days] + argv
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=self.dir)
        if p.returncode != 0:
            raise RuntimeError("%s failed: %s" % (" ".join(argv),
                                                  p.stderr.decode()))

    def _paths(self, name):
        base = os.path.join(self.dir, name)
        return base + ".pem", base + ".key"

    def ca(self, name, cn=None):
        """A self-signed CA; returns (cert, key)."""
        cert, key = self._paths(name)
        self._run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                   "-out", cert, "-days", "3650", "-subj",
                   "/CN=%s" % (cn or name), "-addext",
                   "basicConstraints=critical,CA:TRUE", "-addext",
                   "keyUsage=critical,keyCertSign,cRLSign"])
        return cert, key

    def leaf(self, name, ca, cn, sans=(), days=365, shift_days=None):
        """A server certificate signed by ca=(cert, key), or self-signed
        when ca is None; sans in OpenSSL syntax ("DNS:x", "URI:sip:x",
        "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.x").
        shift_days moves the clock while signing (-400: long expired).
        Returns (cert, key)."""
        cert, key = self._paths(name)
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as fh:
            fh.write("basicConstraints=CA:FALSE\n"
                     "keyUsage=critical,digitalSignature\n"
                     "extendedKeyUsage=serverAuth,clientAuth\n")
            if sans:
                fh.write("subjectAltName=%s\n" % ",".join(sans))
        self._run([OPENSSL, "req", "-new", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                   "-out", csr, "-subj", "/CN=%s" % cn])
        self.n += 1
        if ca is None:
            sign = ["-signkey", key]
        else:
            sign = ["-CA", ca[0], "-CAkey", ca[1], "-set_serial",
                    str(1000 + self.n)]
        self._run([OPENSSL, "x509", "-req", "-in", csr, "-days", str(days),
                   "-extfile", ext, "-out", cert] + sign,
                  shift_days=shift_days)
        return cert, key


# ---------------------------------------------------------------- processes

class Peer:
    """A server process in a private directory, stopped by its pid."""

    STOP_TIMEOUT = 5.0
    what = "peer"

    def __init__(self):
        self.rundir = tempfile.mkdtemp(prefix="fedroute-%s-" % self.what)
        self.proc = None
        self.log_path = os.path.join(self.rundir, "out.log")

    def spawn(self, argv):
        """Start argv as the leader of a process group of its own, so
        that stop() reaches the workers it forks (Kamailio's outlive
        their parent when it is stopped early)."""
        deathsig = nsdharness._pdeathsig_fn()

        def child():
            os.setpgid(0, 0)
            if deathsig is not None:
                deathsig()
        with open(self.log_path, "w") as out:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, cwd=self.rundir,
                preexec_fn=child)
        nsdharness._LIVE.add(self)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    @staticmethod
    def _group_alive(pgid):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self):
        """SIGTERM the process group we started (its leader is our
        child; the pidfile names the same pid), wait for the leader and
        then for the rest, SIGKILL what is left after STOP_TIMEOUT;
        remove the directory."""
        try:
            if self.proc is not None:
                pgid = self.proc.pid
                if self._group_alive(pgid):
                    os.killpg(pgid, signal.SIGTERM)
                deadline = time.monotonic() + self.STOP_TIMEOUT
                while time.monotonic() < deadline and (
                        self.proc.poll() is None or
                        self._group_alive(pgid)):
                    time.sleep(0.05)
                if self.proc.poll() is None or self._group_alive(pgid):
                    nsdharness._say("peers: %s %d ignored SIGTERM, killing "
                                    "its group\n" % (self.what, pgid))
                    os.killpg(pgid, signal.SIGKILL)
                    self.proc.wait(timeout=self.STOP_TIMEOUT)
        finally:
            nsdharness._LIVE.discard(self)
            shutil.rmtree(self.rundir, ignore_errors=True)
            self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


KAMAILIO_CFG = """#!KAMAILIO
# fedroute test peer (tests/integration/peers.py); generated.
debug=1
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
enable_tls={enable_tls}
{listen}
mpath="{mpath}"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
{tls_module}
request_route {{
{routes}	if (is_method("OPTIONS")) {{
		sl_send_reply("200", "OK");
		exit;
	}}
	sl_send_reply("405", "Method Not Allowed");
}}
"""


class Kamailio(Peer):
    """Kamailio answering SIP from a private config (PITFALLS.md: -DD -E
    -Y RUNDIR -P PIDFILE, small shared memory).

    listeners: [(proto, ip, port, (cert, key) or None)] with proto udp,
    tcp or tls; a tls listener presents its own certificate.
    replies: {ip: (code, reason)} to answer every request received on ip
    with that status, or {ip: None} to answer nothing at all."""

    what = "kamailio"
    MODULES = ["/usr/lib/x86_64-linux-gnu/kamailio/modules",
               "/usr/lib/kamailio/modules", "/usr/lib64/kamailio/modules"]

    def __init__(self, listeners, replies=None):
        super().__init__()
        self.listeners = listeners
        self.replies = replies or {}

    def pidfile(self):
        return os.path.join(self.rundir, "kamailio.pid")

    def write_config(self):
        mpath = next((d for d in self.MODULES
                      if os.path.exists(os.path.join(d, "sl.so"))), None)
        if mpath is None:
            raise RuntimeError("kamailio modules not found in %s"
                               % self.MODULES)
        tls = [l for l in self.listeners if l[0] == "tls"]
        listen = "\n".join("listen=%s:%s:%d" % (p, ip, port)
                           for p, ip, port, _ in self.listeners)
        routes = ""
        for ip, reply in sorted(self.replies.items()):
            if reply is None:
                action = "exit;"
            else:
                action = 'sl_send_reply("%d", "%s"); exit;' % reply
            routes += '\tif ($Ri == "%s") {\n\t\t%s\n\t}\n' % (ip, action)
        tls_module = ""
        if tls:
            tls_cfg = os.path.join(self.rundir, "tls.cfg")
            with open(tls_cfg, "w") as fh:
                first = tls[0][3]
                fh.write("[server:default]\nmethod = TLSv1.2+\n"
                         "certificate = %s\nprivate_key = %s\n"
                         "verify_certificate = no\n"
                         "require_certificate = no\n\n" % first)
                for _, ip, port, (cert, key) in tls:
                    fh.write("[server:%s:%d]\nmethod = TLSv1.2+\n"
                             "certificate = %s\nprivate_key = %s\n"
                             "verify_certificate = no\n"
                             "require_certificate = no\n\n"
                             % (ip, port, cert, key))
                fh.write("[client:default]\nverify_certificate = no\n"
                         "require_certificate = no\n")
            tls_module = ('loadmodule "tls.so"\n'
                          'modparam("tls", "config", "%s")' % tls_cfg)
        cfg = os.path.join(self.rundir, "kamailio.cfg")
        with open(cfg, "w") as fh:
            fh.write(KAMAILIO_CFG.format(
                enable_tls="yes" if tls else "no", listen=listen,
                mpath=mpath, tls_module=tls_module, routes=routes))
        return cfg

    def start(self):
        try:
            cfg = self.write_config()
            self.spawn([KAMAILIO, "-f", cfg, "-DD", "-E", "-Y", self.rundir,
                        "-P", self.pidfile(), "-m", "32", "-M", "8"])
            for proto, ip, port, _ in self.listeners:
                if proto in ("tcp", "tls"):
                    wait_tcp(ip, port, self.proc, "kamailio")
        except BaseException:
            nsdharness._say("peers: kamailio failed; its log:\n%s\n"
                            % self.log())
            self.stop()
            raise
        return self


PROSODY_CFG = """-- fedroute test peer (tests/integration/peers.py); generated.
pidfile = "{rundir}/prosody.pid"
data_path = "{rundir}/data"
certificates = "{rundir}/certs"
run_as_root = {as_root}
daemonize = false
interfaces = {{ "{ip}" }}
s2s_interfaces = {{ "{ip}" }}
s2s_ports = {{ {port} }}
s2s_direct_tls_ports = {{ {tls_port} }}
c2s_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
log = {{ {{ levels = {{ min = "info" }}, to = "file",
          filename = "{rundir}/prosody.log" }} }}
modules_enabled = {{ "tls", "dialback", "s2s_auth_certs" }}
modules_disabled = {{ "c2s", "offline", "register", "posix", "http" }}
s2s_secure_auth = false
s2s_require_encryption = false
{hosts}
"""


class Prosody(Peer):
    """Prosody serving XMPP server-to-server (STARTTLS on port, direct
    TLS, XEP-0368, on tls_port) for the given hosts, from a private
    config.  hosts: {domain: (cert, key), or None: no certificate and
    mod_tls disabled for that host, so its streams offer no STARTTLS}."""

    what = "prosody"

    def __init__(self, ip, port, tls_port, hosts):
        super().__init__()
        self.ip, self.port, self.tls_port = ip, port, tls_port
        self.hosts = hosts

    def pidfile(self):
        return os.path.join(self.rundir, "prosody.pid")

    def start(self):
        try:
            certs = os.path.join(self.rundir, "certs")
            os.mkdir(certs)
            os.mkdir(os.path.join(self.rundir, "data"))
            for host, pair in self.hosts.items():
                if pair is not None:
                    shutil.copy(pair[0], os.path.join(certs, host + ".crt"))
                    shutil.copy(pair[1], os.path.join(certs, host + ".key"))
            cfg = os.path.join(self.rundir, "prosody.cfg.lua")
            with open(cfg, "w") as fh:
                fh.write(PROSODY_CFG.format(
                    rundir=self.rundir, ip=self.ip, port=self.port,
                    tls_port=self.tls_port,
                    as_root="true" if os.geteuid() == 0 else "false",
                    hosts="\n".join(
                        'VirtualHost "%s"%s' % (h, "" if pair else
                                                '\n\tmodules_disabled = '
                                                '{ "tls" }')
                        for h, pair in self.hosts.items())))
            self.spawn([PROSODY, "-F", "--config", cfg])
            wait_tcp(self.ip, self.port, self.proc, "prosody")
            wait_tcp(self.ip, self.tls_port, self.proc, "prosody")
        except BaseException:
            nsdharness._say("peers: prosody failed; its log:\n%s\n%s\n"
                            % (self.log(), self.prosody_log()))
            self.stop()
            raise
        return self

    def prosody_log(self):
        try:
            with open(os.path.join(self.rundir, "prosody.log"),
                      errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""


class XmppClient:
    """A user logged in to an XMPP server over c2s (RFC 6120): STARTTLS
    verified against ca for domain, SASL PLAIN, resource binding, initial
    presence.  Enough to send a chat message and wait for one; stanzas
    are parsed as XML (ElementTree's pull parser), never by pattern.

        alice = XmppClient(ip, port, "enterprise.test", "alice", "pw", ca)
        alice.send_message("bob@chat.xmppr.test", "hello")
        body = alice.wait_message()           # (from, body)
        alice.close()
    """

    STREAMS = "http://etherx.jabber.org/streams"
    TLS = "urn:ietf:params:xml:ns:xmpp-tls"
    SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
    BIND = "urn:ietf:params:xml:ns:xmpp-bind"
    CLIENT = "jabber:client"

    def __init__(self, ip, port, domain, user, password, ca, timeout=15.0):
        self.domain, self.timeout = domain, timeout
        self.sock = socket.create_connection((ip, port), timeout=timeout)
        try:
            self._open()
            self._expect_features("{%s}starttls" % self.TLS)
            self.sock.sendall(("<starttls xmlns='%s'/>" % self.TLS).encode())
            self._expect("{%s}proceed" % self.TLS)
            ctx = ssl.create_default_context(cafile=ca)
            self.sock = ctx.wrap_socket(self.sock, server_hostname=domain)
            self._open()
            self._expect_features("{%s}mechanisms" % self.SASL)
            token = base64.b64encode(("\0%s\0%s" % (user, password))
                                     .encode()).decode()
            self.sock.sendall(("<auth xmlns='%s' mechanism='PLAIN'>%s"
                               "</auth>" % (self.SASL, token)).encode())
            self._expect("{%s}success" % self.SASL)
            self._open()
            self._expect_features("{%s}bind" % self.BIND)
            self.iq("set", "<bind xmlns='%s'><resource>test</resource>"
                    "</bind>" % self.BIND)
            self.sock.sendall(b"<presence/>")
            # A round trip after the presence: once the server answers,
            # it has processed the presence and routes messages to us.
            self.iq("get", "<ping xmlns='urn:xmpp:ping'/>")
        except BaseException:
            self.close()
            raise

    def _open(self):
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.sock.sendall(("<?xml version='1.0'?><stream:stream "
                           "xmlns='%s' xmlns:stream='%s' to='%s' "
                           "version='1.0'>" % (self.CLIENT, self.STREAMS,
                                               self.domain)).encode())

    def stanza(self):
        """The next top-level element the server sends."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event, elem in self.parser.read_events():
                if event == "start":
                    self.depth += 1
                    continue
                self.depth -= 1
                if self.depth == 1:
                    return elem
                if self.depth == 0:
                    raise AssertionError("server closed the stream")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no stanza from the server in %.0f s"
                                     % self.timeout)
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError("server closed the connection")
            self.parser.feed(data)

    def _expect(self, tag):
        elem = self.stanza()
        if elem.tag != tag:
            raise AssertionError("wanted %s, got %s" % (
                tag, ET.tostring(elem, encoding="unicode")))
        return elem

    def _expect_features(self, feature):
        features = self._expect("{%s}features" % self.STREAMS)
        if features.find(feature) is None:
            raise AssertionError("stream features lack %s" % feature)

    def iq(self, kind, payload):
        """Send an iq of kind (get, set) with payload; wait for its
        result."""
        XmppClient._ids = getattr(XmppClient, "_ids", 0) + 1
        iq_id = "q%d" % XmppClient._ids
        self.sock.sendall(("<iq type='%s' id='%s'>%s</iq>"
                           % (kind, iq_id, payload)).encode())
        while True:
            elem = self.stanza()
            if (elem.tag == "{%s}iq" % self.CLIENT
                    and elem.get("id") == iq_id):
                if elem.get("type") != "result":
                    raise AssertionError("iq failed: " + ET.tostring(
                        elem, encoding="unicode"))
                return elem

    def send_message(self, to, body):
        self.sock.sendall(("<message type='chat' to=%s><body>%s</body>"
                           "</message>" % (quoteattr(to), escape(body)))
                          .encode())

    def wait_message(self):
        """(from, body) of the next message with a body; an error bounce
        fails the test with the error it carries."""
        while True:
            elem = self.stanza()
            if elem.tag != "{%s}message" % self.CLIENT:
                continue
            if elem.get("type") == "error":
                raise AssertionError("message bounced: " + ET.tostring(
                    elem, encoding="unicode"))
            body = elem.find("{%s}body" % self.CLIENT)
            if body is not None:
                return elem.get("from"), body.text

    def close(self):
        try:
            self.sock.sendall(b"</stream:stream>")
        except OSError:
            pass
        self.sock.close()


class SServer(Peer):
    """openssl s_server on ip:port with extra options (for example a
    protocol version our client refuses)."""

    what = "s_server"

    def __init__(self, ip, port, cert, options=()):
        super().__init__()
        self.ip, self.port, self.cert = ip, port, cert
        self.options = list(options)

    def start(self):
        try:
            self.spawn([OPENSSL, "s_server", "-accept",
                        "%s:%d" % (self.ip, self.port), "-cert",
                        self.cert[0], "-key", self.cert[1], "-quiet"] +
                       self.options)
            wait_tcp(self.ip, self.port, self.proc, "openssl s_server")
        except BaseException:
            nsdharness._say("peers: s_server failed; its log:\n%s\n"
                            % self.log())
            self.stop()
            raise
        return self


class Silent:
    """A TCP listener that accepts and then says nothing (a handshake
    that never ends), or, with full=True, whose accept queue is full so
    that new connections are never even accepted (SYNs dropped: connect
    times out)."""

    def __init__(self, ip, full=False):
        self.ip, self.full = ip, full
        self.sock = None
        self.held = []

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((self.ip, 0))
        self.port = self.sock.getsockname()[1]
        if self.full:
            self.sock.listen(0)
            for _ in range(3):      # fill the queue; nobody accepts
                c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                c.setblocking(False)
                try:
                    c.connect((self.ip, self.port))
                except BlockingIOError:
                    pass
                self.held.append(c)
        else:
            self.sock.listen(16)     # the kernel accepts; we never read
        return self

    def __exit__(self, *exc):
        for c in self.held:
            c.close()
        self.sock.close()
        return False
