#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Play one conformance script against one TCP stack (docs/conformance.md).

    run.py --iface IF --stack-mac MAC --agent "CMD..." [--port P] SCRIPT

Runs in the peer's namespace. The peer is this program: it injects frames
on IF (AF_PACKET) from CONF_PEER (198.18.0.2, an address the peer's kernel
does not own, so the kernel never answers) and reads what the stack sends.
The stack is driven through AGENT (test/conf/agent.py, started by the
given command in the stack's namespace). Prints PASS or FAIL with the line
and every segment seen; exit status 0 on PASS.
"""
import argparse
import os
import queue
import random
import re
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time

PEER_IP = "198.18.0.2"
STACK_IP = "198.18.0.1"
ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003
FLAG = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, ".": 0x10, "U": 0x20,
        "E": 0x40, "W": 0x80}
TOS = {"ect0": 2, "ect1": 1, "ce": 3, "notect": 0}


class Fail(Exception):
    pass


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def flags_str(f):
    s = "".join(k for k in "SFRPUEW" if f & FLAG[k])
    return s + ("." if f & 0x10 else "")


class Seg:
    """A parsed TCP segment (from the stack) or one to send."""

    def __init__(self):
        self.flags = 0
        self.seq = self.ack = self.win = 0
        self.payload = b""
        self.opts = {}
        self.tos = 0
        self.t = 0.0

    @staticmethod
    def parse(frame):
        if len(frame) < 54 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
            return None
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        tot = struct.unpack("!H", ip[2:4])[0]
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        t = ip[ihl:tot]
        s = Seg()
        s.src, s.dst, s.tos = src, dst, ip[1] & 3
        s.sport, s.dport, s.seq, s.ack, off, s.flags, s.win = struct.unpack(
            "!HHIIBBH", t[:16])
        hl = (off >> 4) * 4
        s.payload = t[hl:]
        o, i = t[20:hl], 0
        while i < len(o):
            k = o[i]
            if k == 0:
                break
            if k == 1:
                i += 1
                continue
            ln = o[i + 1] if i + 1 < len(o) else 0
            if ln < 2:
                break
            v = o[i + 2:i + ln]
            if k == 2:
                s.opts["mss"] = struct.unpack("!H", v)[0]
            elif k == 3:
                s.opts["ws"] = v[0]
            elif k == 4:
                s.opts["sackOK"] = True
            elif k == 5:
                s.opts["sack"] = [struct.unpack("!II", v[j:j + 8])
                                  for j in range(0, len(v), 8)]
            elif k == 8:
                s.opts["ts"] = struct.unpack("!II", v)
            i += ln
        return s


def build(smac, dmac, src, dst, sport, dport, seq, ack, flags, win, opts,
          payload, tos):
    o = b""
    for k, v in opts:
        if k == "mss":
            o += struct.pack("!BBH", 2, 4, v)
        elif k == "ws":
            o += struct.pack("!BBB", 3, 3, v)
        elif k == "sackOK":
            o += b"\x04\x02"
        elif k == "nop":
            o += b"\x01"
        elif k == "ts":
            o += struct.pack("!BBII", 8, 10, v[0] & 0xFFFFFFFF, v[1] & 0xFFFFFFFF)
        elif k == "sack":
            o += struct.pack("!BB", 5, 2 + 8 * len(v))
            for a, b in v:
                o += struct.pack("!II", a & 0xFFFFFFFF, b & 0xFFFFFFFF)
    while len(o) % 4:
        o += b"\x01" if len(o) % 4 != 3 else b"\x00"
    hl = 20 + len(o)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, (hl // 4) << 4, flags, win, 0, 0) + o + payload
    ps = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ps + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(tcp), random.randrange(65536),
                     0x4000, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + struct.pack("!H", ETH_P_IP) + ip + tcp


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


class Stack:
    """The link to the stack under test: frames both ways, the agent."""

    def __init__(self, a):
        self.a = a
        self.sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sk.bind((a.iface, 0))
        self.my_mac = self.sk.getsockname()[4]
        self.stack_mac = mac_bytes(a.stack_mac)
        self.rxq = queue.Queue()
        self.log = []
        self.t0 = time.monotonic()
        threading.Thread(target=self.rx_loop, daemon=True).start()
        env = dict(os.environ, CONF_PEER=PEER_IP, CONF_PORT=str(a.port))
        self.agent = subprocess.Popen(shlex.split(a.agent) + [os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "agent.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            bufsize=1)
        self.results = {}
        self.res_cv = threading.Condition()
        threading.Thread(target=self.agent_loop, daemon=True).start()

    def now(self):
        return time.monotonic() - self.t0

    def rx_loop(self):
        while True:
            frame, addr = self.sk.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            s = Seg.parse(frame)
            if not s or s.src != STACK_IP or s.dst != PEER_IP:
                continue
            s.t = self.now()
            self.rxq.put(s)

    def agent_loop(self):
        for line in self.agent.stdout:
            f = line.split(None, 1)
            if len(f) == 2:
                with self.res_cv:
                    self.results[f[0]] = f[1].strip()
                    self.res_cv.notify_all()

    def call(self, cid, text):
        self.agent.stdin.write("%s %s\n" % (cid, text))
        self.agent.stdin.flush()

    def result(self, cid, timeout):
        end = time.monotonic() + timeout
        with self.res_cv:
            while cid not in self.results:
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.res_cv.wait(left)
            return self.results.pop(cid)

    def send(self, frame):
        self.sk.send(frame)


class Player:
    def __init__(self, a, st, lines):
        self.a, self.st, self.lines = a, st, lines
        self.peer_isn = 1000000
        self.stack_isn = None
        self.peer_port = a.peer_port  # server mode: the stack listens on a.port
        self.stack_port = a.port
        self.last_t = 0.0
        self.last_ack_seen = None
        self.ts_recent = 0
        self.ts_base = random.randrange(1 << 30)
        self.ncall = 0
        self.bg = {}
        self.auto_ts = False

    # --- segments -------------------------------------------------------
    def rel_stack(self, v):
        return (v - (self.stack_isn or 0)) & 0xFFFFFFFF

    def rel_peer(self, v):
        return (v - self.peer_isn) & 0xFFFFFFFF

    def fmt(self, s):
        ln = len(s.payload)
        sq = self.rel_stack(s.seq) if self.stack_isn is not None else s.seq
        txt = "%.3f > %s %d:%d(%d)" % (s.t, flags_str(s.flags), sq, sq + ln, ln)
        if s.flags & 0x10:
            txt += " ack %d" % self.rel_peer(s.ack)
        txt += " win %d" % s.win
        if s.tos:
            txt += " tos %d" % s.tos
        o = []
        for k, v in s.opts.items():
            if k == "sack":
                o.append("sack " + " ".join("%d:%d" % (self.rel_peer(x), self.rel_peer(y))
                                            for x, y in v))
            elif k == "ts":
                o.append("ts")
            else:
                o.append(k if v is True else "%s %s" % (k, v))
        return txt + (" <%s>" % ",".join(o) if o else "")

    def parse_seg(self, toks):
        """FLAGS SEQ[:END] [ack N] [win N] [tos X] [<opts>] -> dict"""
        d = {"flags": 0, "optflags": 0, "opts": [], "checks": []}
        f = toks[0]
        for i, ch in enumerate(f):
            if ch == "?":
                continue
            if i + 1 < len(f) and f[i + 1] == "?":  # may or may not be set
                d["optflags"] |= FLAG[ch]
            else:
                d["flags"] |= FLAG[ch]
        m = re.match(r"^(\d+)(?::(\d+))?$", toks[1])
        if not m:
            raise Fail("bad sequence %r" % toks[1])
        d["seq"] = int(m.group(1))
        d["len"] = int(m.group(2)) - d["seq"] if m.group(2) else 0
        i = 2
        rest = " ".join(toks[2:])
        om = re.search(r"<(.*)>", rest)
        if om:
            for o in om.group(1).split(","):
                f = o.split()
                if f:
                    d["opts"].append(f)
            rest = rest[:om.start()] + rest[om.end():]
        f = rest.split()
        i = 0
        while i < len(f):
            k = f[i]
            if k in ("ack", "win", "tos"):
                d[k] = f[i + 1]
                i += 2
            else:
                raise Fail("unknown segment field %r" % k)
        return d

    def inject(self, d):
        if d.get("win") is None:
            d["win"] = "65535"
        opts = []
        for o in d["opts"]:
            if o[0] == "mss":
                opts.append(("mss", int(o[1])))
            elif o[0] == "ws":
                opts.append(("ws", int(o[1])))
            elif o[0] in ("sackOK", "nop"):
                opts.append((o[0], None))
            elif o[0] == "ts":
                val = self.ts_base + int(self.st.now() * 1000)
                ecr = self.ts_recent
                if len(o) > 2 and o[1] == "val":
                    val += int(o[2])
                if "ecr" in o:
                    ecr = int(o[o.index("ecr") + 1])
                opts.append(("ts", (val, ecr)))
            elif o[0] == "-ts":
                pass
            elif o[0] == "sack":
                opts.append(("sack", [(self.peer_isn_abs(x), self.peer_isn_abs(y))
                                      for x, y in (b.split(":") for b in o[1:])]))
            else:
                raise Fail("unknown option %r" % o[0])
        if self.auto_ts and not d["flags"] & FLAG["S"] and \
                not any(o[0] in ("ts", "-ts") for o in d["opts"]):
            opts.append(("ts", (self.ts_base + int(self.st.now() * 1000), self.ts_recent)))
        seq = self.peer_isn + d["seq"]
        ack = 0
        if "ack" in d:
            ack = (self.stack_isn or 0) + int(d["ack"].split("|")[0])
        payload = bytes((i * 13 + d["seq"]) & 0xFF for i in range(d["len"]))
        frame = build(self.st.my_mac, self.st.stack_mac, PEER_IP, STACK_IP,
                      self.peer_port, self.stack_port, seq, ack, d["flags"], int(d["win"]),
                      opts, payload, TOS[d.get("tos", "notect")])
        self.st.send(frame)
        self.st.log.append("%.3f < %s %d:%d(%d)%s" % (self.st.now(), flags_str(d["flags"]),
                           d["seq"], d["seq"] + d["len"], d["len"],
                           " ack %s" % d["ack"] if "ack" in d else ""))

    def peer_isn_abs(self, rel):
        # SACK blocks name the stack's sequence space (data we received)
        return (self.stack_isn or 0) + int(rel)

    def skippable(self, s):
        """A pure ACK repeating the last acknowledgment (a window update
        or a duplicate) may come at any time on either stack."""
        return (s.flags == 0x10 and not s.payload and
                self.last_ack_seen is not None and s.ack == self.last_ack_seen and
                "sack" not in s.opts)

    def ours(self, s):
        """A segment of this script's connection (old ones may linger)."""
        return s.dport == self.peer_port and \
            (self.stack_port is None or s.sport == self.stack_port)

    def note(self, s):
        if s.flags & 0x10:
            self.last_ack_seen = s.ack
        if "ts" in s.opts:
            self.ts_recent = s.opts["ts"][0]
        if s.flags & 0x02 and self.stack_isn is None:
            self.stack_isn = s.seq
        if self.stack_port is None:
            self.stack_port = s.sport
        self.st.log.append(self.fmt(s))

    def match(self, d, s):
        why = []
        if s.flags & ~d.get("optflags", 0) != d["flags"]:
            why.append("flags %s" % flags_str(s.flags))
        if self.rel_stack(s.seq) != d["seq"] and not (s.flags & 0x02):
            why.append("seq %d" % self.rel_stack(s.seq))
        if len(s.payload) != d["len"]:
            why.append("len %d" % len(s.payload))
        if "ack" in d and str(self.rel_peer(s.ack)) not in d["ack"].split("|"):
            why.append("ack %d" % self.rel_peer(s.ack))
        if "win" in d:
            w = d["win"]
            if w.startswith(">="):
                if s.win < int(w[2:]):
                    why.append("win %d" % s.win)
            elif s.win != int(w):
                why.append("win %d" % s.win)
        if "tos" in d and s.tos != TOS[d["tos"]]:
            why.append("tos %d" % s.tos)
        for o in d["opts"]:
            k = o[0]
            if k.startswith("-"):
                if k[1:] in s.opts:
                    why.append("has %s" % k[1:])
            elif k == "sack":
                want = [tuple(int(x) for x in b.split(":")) for b in o[1:]]
                got = [(self.rel_peer(x), self.rel_peer(y)) for x, y in s.opts.get("sack", [])]
                if got != want:
                    why.append("sack %s" % got)
            elif k not in s.opts:
                why.append("no %s" % k)
            elif len(o) > 1 and str(s.opts[k]) != o[1]:
                why.append("%s %s" % (k, s.opts[k]))
        return why

    def expect(self, d, lo, hi):
        start = self.last_t
        while True:
            left = start + hi - self.st.now()
            try:
                s = self.st.rxq.get(timeout=max(0.0, left))
            except queue.Empty:
                raise Fail("no segment within %.3f s" % hi)
            if not self.ours(s):
                continue
            self.note(s)
            why = self.match(d, s)
            if why and self.skippable_before(s):
                continue
            if why:
                raise Fail("got %s (%s)" % (self.fmt(s), ", ".join(why)))
            if lo > 0 and s.t - start < lo:
                raise Fail("segment %.3f s after the previous event, expected >= %.3f"
                           % (s.t - start, lo))
            self.last_t = s.t
            return s

    def skippable_before(self, s):
        return s.flags == 0x10 and not s.payload and "sack" not in s.opts and \
            len(self.st.log) > 1 and self.prev_ack_equal(s)

    def prev_ack_equal(self, s):
        return self.prev_ack is not None and s.ack == self.prev_ack

    def nothing(self, t):
        end = self.last_t + t
        while True:
            left = end - self.st.now()
            if left <= 0:
                return
            try:
                s = self.st.rxq.get(timeout=left)
            except queue.Empty:
                return
            if not self.ours(s):
                continue
            self.note(s)
            if not self.skippable_before(s):
                raise Fail("unexpected %s" % self.fmt(s))

    # --- lines ----------------------------------------------------------
    def check_result(self, got, want, what):
        if got is None:
            raise Fail("%s: no result" % what)
        if want == "~" or got == want:
            return
        if want.startswith(">=") and got.lstrip("-").isdigit() and int(got) >= int(want[2:]):
            return
        if want.startswith("<=") and got.lstrip("-").isdigit() and int(got) <= int(want[2:]):
            return
        if "|" in want and got in want.split("|"):
            return
        raise Fail("%s = %s, expected %s" % (what, got, want))

    def line(self, text):
        lo, hi = 0.0, 1.0
        m = re.match(r"^\+([\d.]+)(?:~([\d.]+))?\s+(.*)$", text)
        if m:
            lo = float(m.group(1))
            hi = float(m.group(2)) if m.group(2) else lo
            text = m.group(3)
            timed = True
        else:
            timed = False
        toks = text.split()
        k = toks[0]
        if k == "<":
            if timed:
                self.sleep_until(self.last_t + lo)
            self.inject(self.parse_seg(toks[1:]))
            self.last_t = self.st.now()
        elif k == ">":
            self.prev_ack = self.last_ack_seen
            self.expect(self.parse_seg(toks[1:]), lo if timed else 0.0,
                        hi if timed and m.group(2) else (lo + 1.0 if timed else 1.0))
        elif k == "!>":
            self.prev_ack = self.last_ack_seen
            self.nothing(lo if timed else 0.3)
        elif k in ("open", "connect"):
            self.handshake(k, toks[1:])
        elif k == "mode":
            if toks[1] == "client":  # the stack connects to the peer
                self.peer_port, self.stack_port = self.a.port, None
        elif k == "drain":  # wait, ignoring what the stack sends meanwhile
            end = self.st.now() + float(toks[1])
            while self.st.now() < end:
                try:
                    x = self.st.rxq.get(timeout=max(0.0, end - self.st.now()))
                    if self.ours(x):
                        self.note(x)
                except queue.Empty:
                    pass
            self.last_t = self.st.now()
        elif k == "sleep":
            self.sleep_until(self.st.now() + float(toks[1]))
            self.last_t = self.st.now()
        elif k in ("call", "bg"):
            self.ncall += 1
            cid = "c%d" % self.ncall
            body = toks[1:] if k == "call" else toks[2:]
            want = None
            if "=" in body:
                i = body.index("=")
                body, want = body[:i], " ".join(body[i + 1:])
            if timed:
                self.sleep_until(self.last_t + lo)
            self.st.call(cid, " ".join(body))
            if k == "bg":
                self.bg[toks[1]] = (cid, " ".join(body))
            elif want is not None:
                self.check_result(self.st.result(cid, 5.0), want, " ".join(body))
            self.last_t = self.st.now()
        elif k == "wait":
            cid, what = self.bg.pop(toks[1])
            self.check_result(self.st.result(cid, hi if timed else 5.0),
                              " ".join(toks[3:]), what)
            self.last_t = self.st.now()
        else:
            raise Fail("unknown line %r" % text)

    def handshake(self, k, flags):
        """open: the stack listens and accepts a Linux-like SYN; connect:
        the stack connects and the peer answers like Linux. Flags nots,
        nosack, nows, nomss leave the option out; ecn asks for ECN."""
        o = [x for x, f in (("mss 1460", "nomss"), ("sackOK", "nosack"),
                              ("ts", "nots"), ("ws 7", "nows")) if f not in flags]
        opts = "<%s>" % ",".join(o) if o else ""
        ecn = "EW" if k == "open" else "E"
        if k == "open":
            self.line("call listen = 0")
            self.line("< S%s 0:0 win 65535 %s" % (ecn if "ecn" in flags else "", opts))
            self.line("> S%s. 0:0 ack 1" % ("E" if "ecn" in flags else ""))
            self.auto_ts = "nots" not in flags
            self.line("< . 1:1 ack 1")
            self.line("call accept = 0")
        else:
            self.line("mode client")
            self.line("bg conn connect")
            self.line("> S 0:0")
            self.line("< S.%s 0:0 ack 1 win 65535 %s" % ("E" if "ecn" in flags else "", opts))
            self.auto_ts = "nots" not in flags
            self.line("> . 1:1 ack 1")
            self.line("wait conn = 0")

    def sleep_until(self, t):
        d = t - self.st.now()
        if d > 0:
            time.sleep(d)

    def play(self, stack):
        self.prev_ack = None
        for no, raw in self.lines:
            text = raw
            m = re.match(r"^\[(\w+)\]\s+(.*)$", text)
            if m:
                if m.group(1) != stack:
                    continue
                text = m.group(2)
            try:
                self.line(text)
            except Fail as e:
                raise Fail("line %d: %s: %s" % (no, raw, e))


def load(path):
    lines, meta = [], {"deviation": []}
    for no, raw in enumerate(open(path), 1):
        t = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("deviation") else raw.strip()
        if not t:
            continue
        if t.startswith("deviation:"):
            meta["deviation"].append(t[10:].strip())
            continue
        lines.append((no, t))
    if any(re.match(r"^\[(xtoe|linux)\]", t) for _, t in lines) and not meta["deviation"]:
        raise SystemExit("%s: [xtoe]/[linux] lines need a 'deviation: REASON' line" % path)
    return lines, meta


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--stack-mac", required=True)
    p.add_argument("--agent", required=True)
    p.add_argument("--stack", choices=("linux", "xtoe"), required=True)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--peer-port", type=int, default=0)
    p.add_argument("script")
    a = p.parse_args()
    if not a.peer_port:
        a.peer_port = random.randrange(20000, 30000)
    lines, meta = load(a.script)
    st = Stack(a)
    pl = Player(a, st, lines)
    name = os.path.basename(a.script)
    try:
        time.sleep(0.2)  # the agent starts
        pl.play(a.stack)
        print("PASS %s %s" % (a.stack, name))
        rc = 0
    except Fail as e:
        print("FAIL %s %s: %s" % (a.stack, name, e))
        print("  segments:\n    " + "\n    ".join(st.log))
        rc = 1
    st.agent.stdin.close()
    try:
        st.agent.wait(timeout=2)
    except subprocess.TimeoutExpired:
        st.agent.kill()
    sys.stdout.flush()
    os._exit(rc)


if __name__ == "__main__":
    main()
