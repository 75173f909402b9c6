#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# One raw request to xtoed (common/proto.h: struct xtoe_req / xtoe_resp),
# for requests no tool sends on its own. Prints "err N: MESSAGE".
# Usage: xtoe_req.py SOCKET OP
import socket
import struct
import sys

path, op = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(struct.pack("<IIIHHII", op, 1, 0, 0, 0, 0, 0))
r = b""
while len(r) < 128:
    b = s.recv(128 - len(r))
    if not b:
        break
    r += b
_, _, err = struct.unpack_from("<IIi", r)
msg = r[28:128].split(b"\0")[0].decode()
print(f"err {err}: {msg}")
