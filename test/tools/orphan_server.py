#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Servers for a daemon restart test (run under xtoe-run).

orphan_server.py PORT
    accepts one connection, echoes 4 bytes, prints "accepted", then reports
    how its blocking recv, blocking accept, a select on the listener and a
    last accept end once the daemon is gone, and the CPU time all that took
    ("cpu SECONDS").
orphan_server.py PORT asyncio STOPFILE
    an asyncio echo server (the event loop logs a failed accept and goes
    on): prints "accepted" after its first echo, then, once STOPFILE
    exists, "accept errors N" (how often its loop saw accept fail) and
    "cpu SECONDS".
"""
import asyncio
import errno
import os
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


def blocking(port):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", port))
    lsock.listen()
    c, _ = lsock.accept()
    c.sendall(c.recv(4))
    print("accepted", flush=True)
    t0 = time.process_time()
    attempt("recv", lambda: c.recv(10))
    attempt("accept", lsock.accept)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    print(f"select {len(sel.select(timeout=1))}", flush=True)
    attempt("accept", lsock.accept)
    print(f"cpu {time.process_time() - t0:.2f}", flush=True)


async def evloop(port, stopfile):
    errors = 0
    accepted = asyncio.Event()

    def on_error(loop, context):
        nonlocal errors
        errors += 1

    async def handle(r, w):
        w.write(await r.read(4))
        await w.drain()
        accepted.set()
        try:
            await r.read()
        except OSError:
            pass

    asyncio.get_running_loop().set_exception_handler(on_error)
    await asyncio.start_server(handle, "0.0.0.0", port)
    await accepted.wait()
    print("accepted", flush=True)
    t0 = time.process_time()
    while not os.path.exists(stopfile):
        await asyncio.sleep(0.05)
    print(f"accept errors {errors}", flush=True)
    print(f"cpu {time.process_time() - t0:.2f}", flush=True)


if len(sys.argv) == 4 and sys.argv[2] == "asyncio":
    asyncio.run(evloop(int(sys.argv[1]), sys.argv[3]))
else:
    blocking(int(sys.argv[1]))
