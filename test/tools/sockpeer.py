#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux-side peer for test/tools/sockcheck.py: on ADDR, port P echoes,
P+1 reads a line then resets (SO_LINGER 0), P+2 reports how each
connection ended ("fin" or "rst") on stdout."""
import socket
import struct
import sys
import threading


def echo(c):
    with c:
        while True:
            try:
                b = c.recv(65536)
            except OSError:
                return
            if not b:
                return
            c.sendall(b)


def reset(c):
    c.recv(100)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def watch(c):
    try:
        while c.recv(65536):
            pass
        print("fin", flush=True)
    except ConnectionResetError:
        print("rst", flush=True)
    c.close()


def serve(addr, port, fn):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    for i, fn in enumerate((echo, reset)):
        threading.Thread(target=serve, args=(addr, port + i, fn), daemon=True).start()
    serve(addr, port + 2, watch)


main()
