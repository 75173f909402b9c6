#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Send one hand-made TCP segment and print the flags of the answer.

    rawtcp.py SRC DST DPORT FLAGS [--seq N] [--ack N] [--sport P] [--wait S]

FLAGS is a string of S, A, F, R, P (e.g. "A" for a bare ACK). Prints the
answer's flags as letters (e.g. "R"), with seq and ack, or "none" when
nothing came back within --wait seconds. Needs root (raw sockets).
"""
import argparse
import random
import select
import socket
import struct
import sys
import time

FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10}


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, seq, ack, flags):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    c = csum(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


def letters(flags):
    return "".join(k for k, v in FLAG_BITS.items() if flags & v) or "."


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("dport", type=int)
    p.add_argument("flags")
    p.add_argument("--seq", type=int, default=random.randrange(1 << 32))
    p.add_argument("--ack", type=int, default=random.randrange(1 << 32))
    p.add_argument("--sport", type=int, default=random.randrange(40000, 50000))
    p.add_argument("--wait", type=float, default=2.0)
    a = p.parse_args()
    flags = 0
    for ch in a.flags:
        flags |= FLAG_BITS[ch]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.sendto(segment(a.src, a.dst, a.sport, a.dport, a.seq, a.ack, flags), (a.dst, 0))
    end = time.time() + a.wait
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if not r:
            break
        pkt, (addr, _) = s.recvfrom(65535)
        ihl = (pkt[0] & 0x0F) * 4
        sp, dp, seq, ack, _, fl = struct.unpack("!HHIIBB", pkt[ihl:ihl + 14])
        if addr == a.dst and sp == a.dport and dp == a.sport:
            print(letters(fl), "seq", seq, "ack", ack)
            return 0
    print("none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
