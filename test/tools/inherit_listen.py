#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A listener on xtoe that crosses a fork into a child that cannot reach
# the daemon (test/bats/access.bats): the child's accept must fail with an
# error, never wait forever, and a new listener must fail too (not go to
# the kernel while the inherited one is on xtoe). Usage: inherit_listen.py PORT READY_FILE GO_FILE
import os
import socket
import sys
import time

port, ready, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("0.0.0.0", port))
s.listen(8)
open(ready, "w").close()
for _ in range(200):  # at most 10 s for the test to take access away
    if os.path.exists(go):
        break
    time.sleep(0.05)
pid = os.fork()
if pid == 0:
    try:
        s.accept()
        print("child: accept returned a connection", flush=True)
        os._exit(1)
    except OSError as e:
        print(f"child: accept: {e}", flush=True)
    # a new listener does not go to the kernel half-way either
    n = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    n.bind(("0.0.0.0", port + 1))
    try:
        n.listen(8)
        print("child: new listener on the kernel", flush=True)
        os._exit(1)
    except OSError as e:
        print(f"child: listen: {e}", flush=True)
        os._exit(0)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
