#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A server that drops privileges after listening (test/bats/access.bats):
# it keeps its port below 1024, may not take a new one, may take a high
# one. Usage: drop_privs.py LOW_PORT NEW_LOW_PORT HIGH_PORT
import os
import socket
import sys

low, new_low, high = (int(a) for a in sys.argv[1:4])


def listen(port):
    s = socket.socket()
    s.bind(("0.0.0.0", port))
    s.listen(8)
    return s


keep = listen(low)
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
for port in (new_low, high):
    try:
        listen(port)
        print(f"{port}: listening", flush=True)
    except OSError as e:
        print(f"{port}: {e.strerror}", flush=True)
keep.settimeout(10)
c, _ = keep.accept()
print(f"{low}: got {c.recv(100).decode().strip()}", flush=True)
