"""pki -- a throw-away certificate authority for the tests, made with the
openssl command line (EC P-256 keys: quick to make and to use).

    ca = Pki(directory)
    ca.leaf("edge", dns=["edge.enterprise.test"])       -> (cert, key)
    ca.leaf("node2", ip=["127.0.0.2"])
    ca.cert, ca.key                                     the CA itself

Certificates are valid from now for a week; the servers of a test run on
the same clock.
"""

import os
import subprocess

OPENSSL = os.environ.get("OPENSSL") or "openssl"


def _run(args, cwd):
    p = subprocess.run([OPENSSL] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s"
                           % (" ".join(args), p.stderr.decode(errors="replace")))


class Pki:
    def __init__(self, directory, name="fedroute test CA"):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.cert = os.path.join(directory, "ca.pem")
        self.key = os.path.join(directory, "ca.key")
        _run(["req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", self.key,
              "-out", self.cert, "-days", "7", "-subj", "/CN=" + name,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
             directory)
        self._serial = 1

    def leaf(self, name, dns=(), ip=(), client=False):
        """A certificate and key signed by this CA: CN is the first DNS
        name (or name), SANs are dns + ip.  Returns (cert, key) paths."""
        cert = os.path.join(self.dir, name + ".pem")
        key = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        sans = ["DNS:" + d for d in dns] + ["IP:" + a for a in ip]
        with open(ext, "w") as fh:
            fh.write("basicConstraints=CA:FALSE\n")
            fh.write("extendedKeyUsage=%s\n"
                     % ("clientAuth" if client else "serverAuth,clientAuth"))
            if sans:
                fh.write("subjectAltName=%s\n" % ",".join(sans))
        _run(["req", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
              "-out", csr, "-subj", "/CN=" + (list(dns) or [name])[0]],
             self.dir)
        self._serial += 1
        _run(["x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey",
              self.key, "-set_serial", str(self._serial), "-days", "7",
              "-extfile", ext, "-out", cert], self.dir)
        os.unlink(csr)
        os.unlink(ext)
        return cert, key
