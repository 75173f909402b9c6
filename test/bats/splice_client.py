#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Connect, wait (so a splicing proxy finds the pair quiescent), then send
# BYTES of random data while reading the echo; compare SHA-256 both ways.
import hashlib, os, socket, sys, threading, time

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
s = socket.create_connection((host, port))
time.sleep(delay)
sent, got = hashlib.sha256(), hashlib.sha256()
def reader():
    n = 0
    while n < total:
        b = s.recv(1 << 16)
        if not b:
            break
        got.update(b)
        n += len(b)
    reader.n = n
reader.n = 0
t = threading.Thread(target=reader)
t.start()
t0 = time.time()
left = total
while left:
    b = os.urandom(min(left, 1 << 16))
    s.sendall(b)
    sent.update(b)
    left -= len(b)
t.join(60)
dt = time.time() - t0
s.close()
ok = reader.n == total and sent.digest() == got.digest()
print("bytes %d B" % reader.n)
print("sha256 %s" % ("match" if ok else "MISMATCH"))
print("gbps %.3f Gb/s" % (8 * total / dt / 1e9))
sys.exit(0 if ok else 1)
