#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A server for a daemon restart test (run under xtoe-run): accepts one
connection, echoes 4 bytes, prints "accepted", then reports how its
blocking recv, blocking accept and a select on the listener end once the
daemon is gone, and the CPU time all that took ("cpu SECONDS").
Usage: orphan_server.py PORT"""
import errno
import selectors
import socket
import sys
import time


def attempt(name, fn):
    try:
        fn()
        print(f"{name} returned", flush=True)
    except OSError as e:
        print(f"{name} error {errno.errorcode.get(e.errno, e.errno)}", flush=True)


l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", int(sys.argv[1])))
l.listen()
c, _ = l.accept()
c.sendall(c.recv(4))
print("accepted", flush=True)
t0 = time.process_time()
attempt("recv", lambda: c.recv(10))
attempt("accept", l.accept)
sel = selectors.DefaultSelector()
sel.register(l, selectors.EVENT_READ)
print(f"select {len(sel.select(timeout=2))}", flush=True)
attempt("accept", l.accept)
print(f"cpu {time.process_time() - t0:.2f}", flush=True)
