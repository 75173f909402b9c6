#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Socket calls for the conformance runner (test/conf/run.py).

Runs in the stack's namespace, plain (Linux) or under xtoe-run (xtoe), and
reads one call per line on stdin:  ID NAME ARGS...  Each call runs in its own
thread; its result is printed as  ID RESULT  where RESULT is a number, a
string, or -ENAME for an error. One listening socket (ls) and one connection
(s) are kept; `socket` makes an unconnected one, `accept` replaces s.
"""
import errno
import os
import select
import socket
import struct
import sys
import threading

PEER = os.environ.get("CONF_PEER", "198.18.0.2")
PORT = int(os.environ.get("CONF_PORT", "8000"))
SOL_TCP = socket.IPPROTO_TCP
OPTS = {
    "TCP_NODELAY": (SOL_TCP, socket.TCP_NODELAY),
    "TCP_CORK": (SOL_TCP, socket.TCP_CORK),
    "TCP_MAXSEG": (SOL_TCP, socket.TCP_MAXSEG),
    "TCP_NOTSENT_LOWAT": (SOL_TCP, 25),
    "SO_SNDBUF": (socket.SOL_SOCKET, socket.SO_SNDBUF),
    "SO_RCVBUF": (socket.SOL_SOCKET, socket.SO_RCVBUF),
    "SO_KEEPALIVE": (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    "SO_ERROR": (socket.SOL_SOCKET, socket.SO_ERROR),
}
# struct tcp_info (include/uapi/linux/tcp.h): name -> (offset, format)
TCPI = {
    "state": (0, "B"), "ca_state": (1, "B"), "retransmits": (2, "B"),
    "probes": (3, "B"), "backoff": (4, "B"), "options": (5, "B"),
    "wscale": (6, "B"), "rto": (8, "I"), "ato": (12, "I"),
    "snd_mss": (16, "I"), "rcv_mss": (20, "I"), "unacked": (24, "I"),
    "sacked": (28, "I"), "lost": (32, "I"), "retrans": (36, "I"),
    "pmtu": (60, "I"), "rcv_ssthresh": (64, "I"), "rtt": (68, "I"),
    "rttvar": (72, "I"), "snd_ssthresh": (76, "I"), "snd_cwnd": (80, "I"),
    "advmss": (84, "I"), "reordering": (88, "I"), "rcv_space": (96, "I"),
    "total_retrans": (100, "I"), "bytes_acked": (120, "Q"),
    "bytes_received": (128, "Q"), "segs_out": (136, "I"), "segs_in": (140, "I"),
    "notsent_bytes": (144, "I"), "data_segs_in": (152, "I"),
    "data_segs_out": (156, "I"), "delivered": (192, "I"),
    "bytes_sent": (200, "Q"), "bytes_retrans": (208, "Q"),
    "snd_wnd": (228, "I"), "rcv_wnd": (232, "I"),
}

state = {"ls": None, "s": None}
out_lock = threading.Lock()


def reply(cid, res):
    with out_lock:
        sys.stdout.write("%s %s\n" % (cid, res))
        sys.stdout.flush()


def err(e):
    return "-" + errno.errorcode.get(e.errno, str(e.errno))


def sock():
    if state["s"] is None:
        raise OSError(errno.ENOTCONN, "no socket")
    return state["s"]


def pattern(n, start=0):
    return bytes((start + i) * 7 & 0xFF for i in range(n))


def c_socket(_):
    state["s"] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    return 0


def c_listen(a):
    ls = state["s"] or socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    state["s"] = None  # options set on it (socket; setsockopt) apply
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", PORT))
    ls.listen(int(a[0]) if a else 16)
    state["ls"] = ls
    return 0


def c_accept(a):
    ls = state["ls"]
    if a and a[0] == "nonblock":
        ls.setblocking(False)
    c, _ = ls.accept()
    c.setblocking(True)
    state["s"] = c
    return 0


def c_connect(a):
    if state["s"] is None:
        c_socket(a)
    r = state["s"].connect_ex((PEER, PORT))
    return 0 if r == 0 else "-" + errno.errorcode.get(r, str(r))


def c_write(a):
    n = int(a[0])
    flags = socket.MSG_MORE if "more" in a[1:] else 0
    if "dontwait" in a[1:]:
        flags |= socket.MSG_DONTWAIT
    return sock().send(pattern(n), flags)


def c_read(a):
    flags = socket.MSG_DONTWAIT if "dontwait" in a[1:] else 0
    return len(sock().recv(int(a[0]), flags))


def c_readall(a):
    want, got = int(a[0]), 0
    while got < want:
        b = sock().recv(want - got)
        if not b:
            break
        got += len(b)
    return got


def c_close(_):
    if state["s"] is not None:
        state["s"].close()
    state["s"] = None
    return 0


def c_lclose(_):
    state["ls"].close()
    return 0


def c_shutdown(a):
    how = {"RD": socket.SHUT_RD, "WR": socket.SHUT_WR, "RDWR": socket.SHUT_RDWR}[a[0]]
    sock().shutdown(how)
    return 0


def c_setsockopt(a):
    if a[0] == "SO_LINGER":
        sock().setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack("ii", 1, int(a[1])))
        return 0
    lvl, name = OPTS[a[0]]
    sock().setsockopt(lvl, name, int(a[1]))
    return 0


def c_getsockopt(a):
    lvl, name = OPTS[a[0]]
    return sock().getsockopt(lvl, name)


def c_tcpinfo(a):
    b = sock().getsockopt(SOL_TCP, socket.TCP_INFO, 512)
    if a[0] == "len":
        return len(b)
    off, fmt = TCPI[a[0]]
    return struct.unpack_from(fmt, b, off)[0]


def c_poll(a):
    ev = {"in": select.POLLIN, "out": select.POLLOUT, "rdhup": 0x2000}
    want = 0
    for k in a[0].split(","):
        want |= ev[k]
    p = select.poll()
    p.register(sock(), want)
    r = p.poll(int(a[1]) if len(a) > 1 else 0)
    got = r[0][1] if r else 0
    names = [n for n, v in (("in", 1), ("out", 4), ("err", 8), ("hup", 16),
                            ("rdhup", 0x2000)) if got & v]
    return ",".join(names) or "none"


def c_splice_in(a):
    """splice(s -> pipe) of up to N bytes; returns the count."""
    r, w = os.pipe()
    try:
        return os.splice(sock().fileno(), w, int(a[0]))
    finally:
        os.close(r)
        os.close(w)


def c_splice_out(a):
    """splice(pipe -> s) of N bytes; returns the count."""
    r, w = os.pipe()
    try:
        os.write(w, pattern(int(a[0])))
        return os.splice(r, sock().fileno(), int(a[0]))
    finally:
        os.close(r)
        os.close(w)


CALLS = {k[2:]: v for k, v in globals().items() if k.startswith("c_")}


def run(cid, name, args):
    try:
        res = CALLS[name](args)
    except OSError as e:
        res = err(e)
    except Exception as e:  # a script error: say so
        res = "!%s:%s" % (type(e).__name__, e)
    reply(cid, res)


def main():
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        threading.Thread(target=run, args=(f[0], f[1], f[2:]), daemon=True).start()


if __name__ == "__main__":
    main()
