#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A slow-paced RPC client: COUNT requests of 64 bytes, one every GAP_MS,
# each echo checked. Prints "requests N".
import socket, sys, time

host, port, count, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(count):
    msg = bytes((i + k) % 256 for k in range(64))
    s.sendall(msg)
    back = b""
    while len(back) < len(msg):
        b = s.recv(len(msg) - len(back))
        if not b:
            sys.exit("echo server closed the connection")
        back += b
    if back != msg:
        sys.exit("echo %d differs" % i)
    time.sleep(gap / 1000.0)
print("requests", count)
