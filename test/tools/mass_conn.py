#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Open many connections to echo servers, check one echo on each, then
close them all at once; repeat for churn. Linux sockets, or xtoe ones
under xtoe-run.

  mass_conn.py ADDR PORTS N [--rounds R | --seconds S] [--hold FILE] [--tag T]

PORTS is P or P-Q (connections spread round-robin over the ports). Closing
is shutdown(SHUT_WR) on all, then each server's FIN awaited. With
--hold, after the echoes it prints "held N" and waits (at most 600 s)
for FILE to exist before closing. Prints `name value unit` lines:
conns_held, open_rate and close figures; exits 1 on any failure, with
the reason on stderr.
"""
import argparse
import os
import resource
import socket
import sys
import time


def ports_of(spec):
    lo, _, hi = spec.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def open_all(addr, ports, n, tag):
    socks = []
    for i in range(n):
        s = socket.create_connection((addr, ports[i % len(ports)]), timeout=30)
        socks.append(s)
    for i, s in enumerate(socks):
        msg = b"%s-%d\n" % (tag.encode(), i)
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            b = s.recv(len(msg) - len(got))
            if not b:
                raise RuntimeError("connection %d: closed before its echo" % i)
            got += b
        if got != msg:
            raise RuntimeError("connection %d: echo %r != %r" % (i, got, msg))
    return socks


def close_all(socks, limit=120):
    """Our FINs all at once, then each connection's end from the server
    (an orderly close both ways, checked), then the descriptors. Sockets
    are not orphaned while their FIN may still be lost (Linux would give
    orphans up, and reset them, when it holds too many)."""
    for s in socks:
        s.shutdown(socket.SHUT_WR)
    end = time.monotonic() + limit
    for i, s in enumerate(socks):
        s.settimeout(max(1.0, end - time.monotonic()))
        if s.recv(64):
            raise RuntimeError("connection %d: data after the echo" % i)
        s.close()


def wait_for(path, limit=600):
    end = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise RuntimeError("%s did not appear within %d s" % (path, limit))
        time.sleep(0.1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr")
    p.add_argument("ports")
    p.add_argument("n", type=int)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seconds", type=float, help="rounds until S elapsed")
    p.add_argument("--hold")
    p.add_argument("--tag", default="c")
    a = p.parse_args()
    want = a.n + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    ports = ports_of(a.ports)
    t0 = time.monotonic()
    total = 0
    r = 0
    while (r < a.rounds if a.seconds is None else time.monotonic() - t0 < a.seconds):
        r += 1
        socks = open_all(a.addr, ports, a.n, "%s-%d" % (a.tag, r))
        total += len(socks)
        if a.hold:
            print("held %d" % len(socks), flush=True)
            wait_for(a.hold)
        close_all(socks)
    dt = time.monotonic() - t0
    print("conns_held %d connections" % a.n)
    print("conns_total %d connections" % total)
    print("churn_rate %.0f connections/s" % (total / dt if dt > 0 else 0))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, RuntimeError) as e:
        print("mass_conn: %s" % e, file=sys.stderr)
        sys.exit(1)
