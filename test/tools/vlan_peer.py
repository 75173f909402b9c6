#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A TCP client speaking through an 802.1Q tag, for a peer without VLAN
devices (no 8021q module): hand-made tagged frames on an AF_PACKET socket.

    vlan_peer.py IFACE VID SRC DST DPORT DST_MAC [--msg TEXT] [--wait S]

Opens a connection to DST:DPORT with tagged frames (VID, priority 0), sends
TEXT, expects it echoed back, and resets the connection. Prints one line per
step with the VLAN id each answer carried ("none" when untagged):
    synack vlan 100
    echo vlan 100 ok
Exit status 0 when every answer came tagged with VID and the echo matched.
"""
import argparse
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Peer:
    def __init__(self, a):
        self.a = a
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((a.iface, ETH_P_ALL))
        self.sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.mac = self.sock.getsockname()[4]
        self.dmac = bytes.fromhex(a.dst_mac.replace(":", ""))
        self.sport = 20000 + int(time.time() * 1000) % 20000
        self.seq = 1000
        self.ack = 0
        self.tsecr = 0

    def frame(self, flags, payload=b""):
        a = self.a
        opts = struct.pack("!BBHBBBBII", 2, 4, 1460, 1, 1, 8, 10,
                           int(time.monotonic() * 1000) & 0xFFFFFFFF, self.tsecr)
        if not flags & F_SYN:
            opts = opts[4:]  # MSS only on the SYN
        th = struct.pack("!HHIIBBHHH", self.sport, a.dport, self.seq, self.ack,
                         (20 + len(opts)) // 4 << 4, flags, 65535, 0, 0) + opts
        src, dst = socket.inet_aton(a.src), socket.inet_aton(a.dst)
        seg = th + payload
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(seg)) + seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        tag = struct.pack("!HH", 0x8100, a.vid)
        return self.dmac + self.mac + tag + struct.pack("!H", 0x0800) + ip + seg

    def send(self, flags, payload=b""):
        self.sock.send(self.frame(flags, payload))

    def vlan_of(self, data, anc):
        """(vid or None, frame without a tag) of a received frame."""
        if struct.unpack("!H", data[12:14])[0] == 0x8100:
            return struct.unpack("!H", data[14:16])[0] & 0xFFF, data[:12] + data[16:]
        for level, typ, cdata in anc:
            if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID:
                    return tci & 0xFFF, data
        return None, data

    def recv(self, want):
        """Next segment from DST:DPORT to us with a flag in want."""
        end = time.time() + self.a.wait
        while time.time() < end:
            r, _, _ = select.select([self.sock], [], [], max(0, end - time.time()))
            if not r:
                break
            data, anc, _, addr = self.sock.recvmsg(4096, socket.CMSG_SPACE(32))
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            vid, f = self.vlan_of(data, anc)
            if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
                continue
            ihl = (f[14] & 0xF) * 4
            t = f[14 + ihl:]
            sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
            if sport != self.a.dport or dport != self.sport or not flags & want:
                continue
            tot = struct.unpack("!H", f[16:18])[0]
            payload = t[(off >> 4) * 4:tot - ihl]
            opts = t[20:(off >> 4) * 4]
            i = opts.find(b"\x08\x0a")
            if i >= 0:
                self.tsecr = struct.unpack("!I", opts[i + 2:i + 6])[0]
            return vid, seq, flags, payload
        return None


def main():
    p = argparse.ArgumentParser()
    for n in ("iface", "vid", "src", "dst", "dport", "dst_mac"):
        p.add_argument(n, type=int if n in ("vid", "dport") else str)
    p.add_argument("--msg", default="hello through vlan")
    p.add_argument("--wait", type=float, default=3.0)
    a = p.parse_args()
    peer = Peer(a)
    ok = True
    peer.send(F_SYN)
    r = peer.recv(F_SYN)
    if not r:
        print("synack none")
        return 1
    vid, seq, flags, _ = r
    print("synack vlan %s" % vid)
    ok &= vid == a.vid
    peer.seq += 1
    peer.ack = seq + 1
    msg = a.msg.encode()
    peer.send(F_ACK | F_PSH, msg)
    peer.seq += len(msg)
    got = b""
    vids = set()
    while len(got) < len(msg):
        r = peer.recv(F_ACK)
        if not r:
            break
        vid, seq, flags, payload = r
        vids.add(vid)
        if payload:
            got += payload
            peer.ack = seq + len(payload)
            peer.send(F_ACK)
    good = got == msg and vids == {a.vid}
    print("echo vlan %s %s" % (",".join(str(v) for v in sorted(vids, key=str)) or "none",
                               "ok" if good else "bad (%r)" % got))
    peer.send(F_RST | F_ACK)
    return 0 if ok and good else 1


if __name__ == "__main__":
    sys.exit(main())
