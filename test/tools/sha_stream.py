#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bulk streams checked by SHA-256, for the lossy-link tests.

  sha_stream.py client HOST PORT BYTES
      send BYTES pseudo-random bytes to an echo server while reading the
      echo; prints "sent SHA", "received SHA", "bytes N", "seconds T";
      exits 0 when the two digests are equal.
  sha_stream.py server PORT [--pattern BYTES]
      accept a connection, echo everything back until end of stream
      (connections that send nothing are skipped as port probes),
      print "received SHA" (and "expected SHA" of the xtoe-echo stream
      pattern with --pattern); exits 0 when they match (or no --pattern).
"""
import hashlib
import random
import socket
import sys
import threading
import time

CHUNK = 1 << 16


def client(host, port, total):
    data = random.Random(4).randbytes(total)
    s = socket.create_connection((host, port), timeout=60)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.monotonic()

    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)

    th = threading.Thread(target=send)
    th.start()
    h, got = hashlib.sha256(), 0
    while got < total:
        b = s.recv(CHUNK)
        if not b:
            break
        h.update(b)
        got += len(b)
    th.join()
    secs = time.monotonic() - t0
    s.close()
    sent = hashlib.sha256(data).hexdigest()
    print("sent", sent)
    print("received", h.hexdigest())
    print("bytes", got)
    print("seconds %.3f" % secs)
    return 0 if got == total and sent == h.hexdigest() else 1


def pattern_sha(total):
    """SHA-256 of xtoe-echo's stream pattern (examples/echo/session.c pat):
    byte i is the low byte of i ^ (i>>8)*0x3b ^ (i>>16)*0x5d ^ (i>>24)*0x71,
    i.e. each 256-byte block is 0..255 XOR a per-block constant."""
    base = bytes(range(256))
    blocks = [bytes(b ^ c for b in base) for c in range(256)]
    h = hashlib.sha256()
    for hi in range(total // 256):
        c = (hi * 0x3b ^ (hi >> 8) * 0x5d ^ (hi >> 16) * 0x71) & 0xff
        h.update(blocks[c])
    hi = total // 256
    c = (hi * 0x3b ^ (hi >> 8) * 0x5d ^ (hi >> 16) * 0x71) & 0xff
    h.update(blocks[c][: total % 256])
    return h.hexdigest()


def server(port, pattern):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    print("listening", flush=True)
    got = 0
    while got == 0:  # connections that send nothing are port probes
        s, _ = ls.accept()
        h = hashlib.sha256()
        while True:
            b = s.recv(CHUNK)
            if not b:
                break
            h.update(b)
            got += len(b)
            s.sendall(b)
        s.close()
    print("received", h.hexdigest())
    print("bytes", got)
    if pattern is None:
        return 0
    exp = pattern_sha(pattern)
    print("expected", exp)
    return 0 if got == pattern and exp == h.hexdigest() else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "client":
        return client(argv[2], int(argv[3]), int(argv[4]))
    if len(argv) in (3, 5) and argv[1] == "server":
        pat = int(argv[4]) if len(argv) == 5 and argv[3] == "--pattern" else None
        return server(int(argv[2]), pat)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
