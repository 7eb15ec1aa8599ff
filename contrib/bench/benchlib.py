"""benchlib -- what the benchmark scripts share: the programs they need,
the processes they start (and stop by pid), ports on loopback, and
figures from /proc.  Python 3 standard library only.

A script imports it from its own directory (contrib/bench/); messages
name the script that runs.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

PROG = os.path.basename(sys.argv[0]) or "bench"

# Every process start() started, in order; stop_all() stops them.
procs = []


def say(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def which(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        sys.exit("%s: %s not found (contrib/install-deps.sh)" % (PROG, name))
    return path


def start(argv, log, **kw):
    """argv started with its output in the file log; remembered."""
    fh = open(log, "w")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fh,
                         stderr=subprocess.STDOUT, **kw)
    fh.close()
    procs.append(p)
    return p


def stop_all():
    """SIGTERM to each process start() started, by its pid, the last
    first; SIGKILL to those still there after 10 s."""
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_port(port, what, proc=None, host="127.0.0.1", timeout=15):
    """Until host:port accepts a connection; exits when proc (what
    listens there) has exited or after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            sys.exit("%s: %s exited (%d) before listening"
                     % (PROG, what, proc.returncode))
        try:
            socket.create_connection((host, port), 1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("%s: %s did not listen on %s:%d"
                         % (PROG, what, host, port))
            time.sleep(0.05)


def tree(pid):
    """pid and all its descendants."""
    out = [pid]
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as fh:
            for child in fh.read().split():
                out.extend(tree(int(child)))
    except OSError:
        pass
    return out


def cpu_seconds(pid):
    """utime + stime of pid and its descendants, seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/stat" % p) as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def fmt(v):
    """A figure for a table: two decimals below 100, none above."""
    if v is None:
        return "-"
    return "%.2f" % v if v < 100 else "%.0f" % v
