#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Open N non-blocking connections to ADDR PORT as fast as they are taken
(run under xtoe-run) and print the count after each, so a test sees where
the daemon stopped answering; then hold them until killed.

  connect_many.py ADDR PORT N
"""
import signal
import socket
import sys

addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((addr, port))
    held.append(s)
    print(i + 1, flush=True)
signal.pause()
