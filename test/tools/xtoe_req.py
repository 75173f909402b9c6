#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Raw requests to xtoed (common/proto.h: struct xtoe_req / xtoe_resp), for
# what no tool or library sends on its own. Prints "err N: MESSAGE".
# Usage: xtoe_req.py SOCKET OP              one request without HELLO
#        xtoe_req.py SOCKET listen PORT FLAGS  HELLO, then LISTEN with
#                                              XTOE_LISTEN_* FLAGS
import array
import socket
import struct
import sys

OP_HELLO, OP_LISTEN, PROTO_VERSION = 1, 2, 1


def ask(s, op, port=0, a=0, b=0):
    s.sendall(struct.pack("<IIIHHII", op, 1, 0, socket.htons(port), 0, a, b))
    fds = array.array("i")
    r, anc, _, _ = s.recvmsg(128, socket.CMSG_SPACE(4 * fds.itemsize))
    while len(r) < 128:
        b2 = s.recv(128 - len(r))
        if not b2:
            break
        r += b2
    _, _, err = struct.unpack_from("<IIi", r)
    return err, r[28:128].split(b"\0")[0].decode()


s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
if sys.argv[2] == "listen":
    err, msg = ask(s, OP_HELLO, a=PROTO_VERSION)
    if not err:
        err, msg = ask(s, OP_LISTEN, port=int(sys.argv[3]), a=16, b=int(sys.argv[4]))
else:
    err, msg = ask(s, int(sys.argv[2]))
print(f"err {err}: {msg}")
