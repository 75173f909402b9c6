#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hostile client of xtoed's unix socket (common/proto.h), for the tests.

Usage: hostile.py SOCKET SCENARIO...
Each scenario prints one line "SCENARIO ok" or "SCENARIO FAIL: why" and the
exit status is 1 when any failed. Scenarios:
  pid0        HELLO claiming pid 0 (b), twice, then LISTEN and disconnect
  rehello     HELLO three times on one connection (EALREADY after the first)
  early       every request before HELLO (EPROTO "HELLO first")
  truncated   half a request, then disconnect; and a header whose data
              never comes
  split       HELLO and LISTEN each cut over three writes
  toolong     a request claiming more data than it may carry (EPROTO, then
              the daemon ends the connection)
  random      64 KiB of seeded random bytes, before and after a HELLO
"""
import array
import errno
import random
import socket
import struct
import sys
import time

REQ = struct.Struct("<IIIHHII")          # struct xtoe_req
RESP = struct.Struct("<IIiIIIHH100s")    # struct xtoe_resp
OP_HELLO, OP_LISTEN, OP_UNLISTEN, OP_CONNECT, OP_INFO, OP_CMODULE_ADD, \
    OP_SPLICE, OP_LISTEN_MODE = range(1, 9)
VERSION = 1


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def req(op, rid=1, a=0, b=0, addr=0, port=0):
    return REQ.pack(op, rid, addr, port, 0, a, b)


def resp(s):
    """(err, msg, nfds) of one response; fds are closed."""
    fds = array.array("i")
    data, anc, _, _ = s.recvmsg(RESP.size, socket.CMSG_LEN(4 * fds.itemsize))
    for level, typ, cdata in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(cdata[:len(cdata) - len(cdata) % fds.itemsize])
    while len(data) < RESP.size:
        more = s.recv(RESP.size - len(data))
        if not more:
            raise ConnectionResetError("daemon closed mid-response")
        data += more
    for fd in fds:
        socket.close(fd)
    r = RESP.unpack(data)
    return r[2], r[8].split(b"\0", 1)[0].decode(errors="replace"), len(fds)


def ask(s, data):
    s.sendall(data)
    return resp(s)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def pid0(path):
    s = connect(path)
    err, msg, nfds = ask(s, req(OP_HELLO, 1, VERSION, 0))
    expect(err == 0 and nfds == 3, f"HELLO: err {err} {msg} fds {nfds}")
    err, msg, _ = ask(s, req(OP_HELLO, 2, VERSION, 0))
    expect(err == errno.EALREADY, f"second HELLO: err {err} {msg}")
    err, msg, _ = ask(s, req(OP_LISTEN, 3, 16, 0, 0, socket.htons(7390)))
    expect(err == 0, f"LISTEN: err {err} {msg}")
    s.close()


def rehello(path):
    s = connect(path)
    for i in range(3):
        err, msg, nfds = ask(s, req(OP_HELLO, i + 1, VERSION))
        want = 0 if i == 0 else errno.EALREADY
        expect(err == want, f"HELLO #{i + 1}: err {err} {msg}")
    s.close()


def early(path):
    s = connect(path)
    for op in (OP_LISTEN, OP_UNLISTEN, OP_CONNECT, OP_LISTEN_MODE, 99):
        err, msg, _ = ask(s, req(op, op, 0, 0, 0x0200a8c6, socket.htons(9)))
        expect(err in (errno.EPROTO,), f"op {op} before HELLO: err {err} {msg}")
    err, msg, _ = ask(s, req(OP_SPLICE, 5, 16) + bytes(16))
    expect(err == errno.EPROTO, f"SPLICE before HELLO: err {err} {msg}")
    s.close()


def truncated(path):
    s = connect(path)
    s.sendall(req(OP_HELLO, 1, VERSION)[:10])
    s.close()
    s = connect(path)
    s.sendall(req(OP_CMODULE_ADD, 1, 4000) + b"/tmp/x")
    s.close()


def split(path):
    s = connect(path)
    msg = req(OP_HELLO, 1, VERSION)
    for a, b in ((0, 3), (3, 11), (11, len(msg))):
        s.sendall(msg[a:b])
        time.sleep(0.05)
    err, text, nfds = resp(s)
    expect(err == 0 and nfds == 3, f"split HELLO: err {err} {text} fds {nfds}")
    msg = req(OP_LISTEN, 2, 16, 0, 0, socket.htons(7391))
    for a, b in ((0, 1), (1, 20), (20, len(msg))):
        s.sendall(msg[a:b])
        time.sleep(0.05)
    err, text, _ = resp(s)
    expect(err == 0, f"split LISTEN: err {err} {text}")
    s.close()


def toolong(path):
    s = connect(path)
    err, msg, _ = ask(s, req(OP_CMODULE_ADD, 1, 1 << 30))
    expect(err == errno.EPROTO, f"CMODULE_ADD of 1 GiB: err {err} {msg}")
    expect(s.recv(1) == b"", "the daemon kept a connection it cannot follow")
    s.close()


def random_bytes(path):
    rng = random.Random(10)
    for hello in (False, True):
        s = connect(path)
        if hello:
            err, msg, _ = ask(s, req(OP_HELLO, 1, VERSION))
            expect(err == 0, f"HELLO: err {err} {msg}")
        try:
            s.sendall(bytes(rng.getrandbits(8) for _ in range(64 * 1024)))
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):  # answers, until the daemon hangs up
                pass
        except (ConnectionResetError, BrokenPipeError):
            pass
        s.close()


SCENARIOS = {"pid0": pid0, "rehello": rehello, "early": early,
             "truncated": truncated, "split": split, "toolong": toolong,
             "random": random_bytes}


def main():
    if len(sys.argv) < 3 or any(a not in SCENARIOS for a in sys.argv[2:]):
        sys.exit(f"usage: {sys.argv[0]} SOCKET {{{'|'.join(SCENARIOS)}}}...")
    failed = False
    for name in sys.argv[2:]:
        try:
            SCENARIOS[name](sys.argv[1])
            print(f"{name} ok", flush=True)
        except (AssertionError, OSError) as e:
            print(f"{name} FAIL: {e}", flush=True)
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
