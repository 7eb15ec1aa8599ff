#!/usr/bin/env python3
"""Write the seed corpus of tests/fuzz/dnsplan_fuzz.c into
tests/fuzz/corpus/dnsplan/: real DNS answers (NAPTR, SRV, A, AAAA,
CNAME, NXDOMAIN with SOA, truncated) in the target's input format:
query byte, options byte, then per question (sel, 16-bit length, msg).
Python 3 standard library only; run it again after changing the format.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "dnsplan")


def name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=300):
    return name(owner) + struct.pack("!HHIH", rtype, 1, ttl,
                                     len(rdata)) + rdata


def msg(qname, qtype, answers=(), authority=(), rcode=0, tc=False):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    head = struct.pack("!HHHHHH", 0x1234, flags, 1, len(answers),
                       len(authority), 0)
    return (head + name(qname) + struct.pack("!HH", qtype, 1) +
            b"".join(answers) + b"".join(authority))


def srv(prio, weight, port, target):
    return struct.pack("!HHH", prio, weight, port) + name(target)


def naptr(order, pref, flags, service, repl):
    def cs(s):
        return bytes([len(s)]) + s.encode()
    return (struct.pack("!HH", order, pref) + cs(flags) + cs(service) +
            cs("") + name(repl))


def soa(zone):
    return rr(zone, 6, name("ns." + zone) + name("admin." + zone) +
              struct.pack("!IIIII", 1, 3600, 600, 86400, 60))


A, AAAA, CNAME, SRV, NAPTR = 1, 28, 5, 33, 35
D = "example.test"


def chunk(m, sel=0):
    return bytes([sel]) + struct.pack("!H", len(m)) + m


def a(host, last=1):
    return msg(host, A, [rr(host, A, bytes([192, 0, 2, last]))])


def aaaa(host):
    return msg(host, AAAA, [rr(host, AAAA, b"\x20\x01\x0d\xb8" + b"\0" *
                                11 + b"\1")])


def nodata(q, t):
    return msg(q, t, authority=[soa(D)])


seeds = {
    # sips:, NAPTR -> SRV -> A/AAAA
    "naptr-srv": bytes([0, 0]) + chunk(msg(D, NAPTR, [
        rr(D, NAPTR, naptr(10, 0, "s", "SIPS+D2T", "_sips._tcp." + D)),
        rr(D, NAPTR, naptr(20, 0, "s", "SIP+D2U", "_sip._udp." + D))])) +
    chunk(msg("_sips._tcp." + D, SRV, [
        rr("_sips._tcp." + D, SRV, srv(0, 10, 5061, "a." + D)),
        rr("_sips._tcp." + D, SRV, srv(0, 20, 5061, "b." + D))])) +
    chunk(a("a." + D)) + chunk(aaaa("a." + D)) + chunk(a("b." + D, 2)) +
    chunk(nodata("b." + D, AAAA)),
    # no NAPTR: SRV probes, one ".", one CNAME target
    "srv-probe": bytes([1, 0]) + chunk(nodata(D, NAPTR)) +
    chunk(msg("_sips._tcp." + D, SRV, [
        rr("_sips._tcp." + D, SRV, srv(0, 0, 0, "."))])) +
    chunk(msg("_sip._tcp." + D, SRV, [
        rr("_sip._tcp." + D, SRV, srv(1, 0, 5060, "alias." + D))])) +
    chunk(nodata("_sip._udp." + D, SRV)) +
    chunk(msg("alias." + D, A, [rr("alias." + D, CNAME, name("real." + D)),
                                 rr("real." + D, A, bytes([192, 0, 2, 9]))])) +
    chunk(nodata("alias." + D, AAAA)),
    # NXDOMAIN with SOA
    "nxdomain": bytes([2, 0]) + chunk(msg(D, NAPTR, authority=[soa("test")],
                                          rcode=3)),
    # xmpp: both services, small bounds, health
    "xmpp": bytes([4, 3]) +
    chunk(msg("_xmpps-server._tcp." + D, SRV, [
        rr("_xmpps-server._tcp." + D, SRV, srv(0, 5, 5270, "x1." + D)),
        rr("_xmpps-server._tcp." + D, SRV, srv(0, 5, 5270, "x2." + D))])) +
    chunk(msg("_xmpp-server._tcp." + D, SRV, [
        rr("_xmpp-server._tcp." + D, SRV, srv(1, 5, 5269, "x3." + D))])) +
    chunk(a("x1." + D)) + chunk(aaaa("x1." + D)) + chunk(a("x2." + D, 3)) +
    chunk(aaaa("x2." + D)) + chunk(a("x3." + D, 4)) +
    chunk(aaaa("x3." + D)),
    # truncated with no record (too large), then failures
    "truncated": bytes([0, 0]) + chunk(nodata(D, NAPTR)) +
    chunk(msg("_sips._tcp." + D, SRV, tc=True)) + chunk(b"", 0x0f),
    # explicit port: A/AAAA only, bogus and secure answers
    "port": bytes([5, 2]) + chunk(a(D), 0x10) + chunk(aaaa(D), 0x20),
}

os.makedirs(OUT, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(OUT, k), "wb") as fp:
        fp.write(v)
print("wrote %d seeds to %s" % (len(seeds), OUT))
