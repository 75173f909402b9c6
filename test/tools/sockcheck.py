#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Socket semantics an unmodified program relies on, checked through
libxtoe-sockets (run under xtoe-run) against test/tools/sockpeer.py.

  sockcheck.py ADDR PORT CHECK    runs one check; prints "ok CHECK"
"""
import errno
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import termios
import threading
import time

ADDR, PORT = sys.argv[1], int(sys.argv[2])
ECHO, RESET, WATCH = (ADDR, PORT), (ADDR, PORT + 1), (ADDR, PORT + 2)


def conn(dst=ECHO):
    return socket.create_connection(dst, timeout=5)


def echo_once(s, data=b"ping"):
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        b = s.recv(65536)
        assert b, "unexpected end of stream"
        got += b
    assert got == data, (got[:20], data[:20])


def check_basic():
    s = conn()
    echo_once(s, os.urandom(300000))
    local, peer = s.getsockname(), s.getpeername()
    assert local[0] == ADDR.rsplit(".", 1)[0] + ".1" and local[1] > 0, local
    assert peer == ECHO, peer
    info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    assert info[0] == 1, "TCP_INFO state %d, want ESTABLISHED" % info[0]
    assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG) > 500
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_STREAM
    s.sendall(b"abc")
    time.sleep(0.2)
    n = struct.unpack("i", fcntl.ioctl(s, termios.FIONREAD, b"\0\0\0\0"))[0]
    assert n == 3, n
    assert s.recv(10, socket.MSG_PEEK) == b"abc"
    assert s.recv(10) == b"abc"
    s.close()


def check_nonblocking_connect():
    s = socket.socket()
    s.setblocking(False)
    assert s.connect_ex(ECHO) == errno.EINPROGRESS
    p = select.poll()
    p.register(s, select.POLLOUT)
    assert p.poll(5000), "connect did not finish"
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    try:
        s.recv(10)
        raise AssertionError("recv on an idle socket did not fail")
    except BlockingIOError:
        pass
    s.close()


def check_refused():
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((ADDR, PORT + 7))
    select.select([], [s], [], 5)
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == errno.ECONNREFUSED
    s.close()
    try:
        socket.create_connection((ADDR, PORT + 7), timeout=5)
        raise AssertionError("connect to a closed port succeeded")
    except ConnectionRefusedError:
        pass


def check_mixed_poll_select():
    s = conn()
    r, w = os.pipe()
    p = select.poll()
    p.register(s, select.POLLIN)
    p.register(r, select.POLLIN)
    assert p.poll(100) == []
    os.write(w, b"x")
    assert p.poll(1000) == [(r, select.POLLIN)]
    os.read(r, 1)
    s.sendall(b"hi")
    assert p.poll(2000) == [(s.fileno(), select.POLLIN)]
    assert select.select([s, r], [], [], 2)[0] == [s]
    s.recv(10)
    assert select.select([s, r], [], [], 0.1)[0] == []
    os.write(w, b"y")
    assert select.select([s, r], [], [], 2)[0] == [r]


def check_epoll():
    s = conn()
    r, w = os.pipe()
    ep = select.epoll()
    ep.register(s, select.EPOLLIN | select.EPOLLET)
    ep.register(r, select.EPOLLIN)
    assert ep.poll(0.1) == []
    s.sendall(b"one")
    assert ep.poll(2) == [(s.fileno(), select.EPOLLIN)]
    assert ep.poll(0.1) == [], "edge-triggered fired twice"
    s.recv(10)
    os.write(w, b"x")
    assert ep.poll(2) == [(r, select.EPOLLIN)]
    assert ep.poll(0.1) == [(r, select.EPOLLIN)], "level-triggered pipe"
    os.read(r, 1)
    ep.modify(s, select.EPOLLIN | select.EPOLLONESHOT)
    s.sendall(b"two")
    assert ep.poll(2) == [(s.fileno(), select.EPOLLIN)]
    assert ep.poll(0.1) == [], "oneshot fired twice"
    ep.modify(s, select.EPOLLIN | select.EPOLLRDHUP)
    assert ep.poll(1) == [(s.fileno(), select.EPOLLIN)], "level-triggered socket"
    s.recv(10)
    ep.unregister(s)
    t = conn(RESET)
    ep.register(t, select.EPOLLIN | select.EPOLLRDHUP)
    t.sendall(b"bye\n")
    ev = ep.poll(5)
    assert ev and ev[0][1] & (select.EPOLLHUP | select.EPOLLERR), ev


def check_reset_and_epipe():
    t = conn(RESET)
    t.sendall(b"bye\n")
    time.sleep(0.3)
    try:
        t.recv(10)
        raise AssertionError("no reset")
    except ConnectionResetError:
        pass
    s = conn()
    s.shutdown(socket.SHUT_WR)
    try:
        s.send(b"x", socket.MSG_NOSIGNAL)
        raise AssertionError("send after shutdown worked")
    except BrokenPipeError:
        pass
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        try:
            s.send(b"x")
        finally:
            os._exit(3)
    _, st = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGPIPE, "no SIGPIPE"
    assert s.recv(10) == b"", "no end of stream after the peer's FIN"


def check_dup_fork_threads():
    s = conn()
    d = socket.socket(fileno=os.dup(s.fileno()))
    d.settimeout(5)
    s.close()
    echo_once(d)
    pid = os.fork()
    if pid == 0:
        try:
            echo_once(d, b"from-child")
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, st = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(st) == 0, "child could not use the inherited socket"
    echo_once(d, b"parent-again")
    errs = []

    def worker():
        try:
            c = conn()
            for i in range(200):
                echo_once(c, b"t%d" % i)
            c.close()
        except BaseException as e:
            errs.append(e)
    ts = [threading.Thread(target=worker) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errs, errs


def check_fallthrough():
    a = socket.socket()
    a.bind(("127.0.0.1", 0))
    a.listen(1)
    b = socket.create_connection(a.getsockname(), timeout=5)
    c, _ = a.accept()
    b.sendall(b"lo")
    assert c.recv(2) == b"lo"
    u = socket.socketpair()
    u[0].send(b"u")
    assert u[1].recv(1) == b"u"
    l1 = socket.socket()
    l1.bind(("0.0.0.0", 0))
    l1.listen(8)
    port = l1.getsockname()[1]
    assert port > 0
    l2 = socket.socket()
    l2.bind(("0.0.0.0", port))
    try:
        l2.listen(8)
        raise AssertionError("two listeners on one port")
    except OSError as e:
        assert e.errno == errno.EADDRINUSE, e


def check_exec():
    """A socket kept across exec fails clearly in the new program."""
    s = conn()
    echo_once(s)
    s.set_inheritable(True)
    prog = ("import os, socket, sys\n"
            "s = socket.socket(fileno=int(sys.argv[1]))\n"
            "try:\n"
            "    s.send(b'x', socket.MSG_NOSIGNAL)\n"
            "    print('send worked')\n"
            "except OSError as e:\n"
            "    print('errno', e.errno)\n")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        os.execv(sys.executable, [sys.executable, "-c", prog, str(s.fileno())])
    os.close(w)
    _, st = os.waitpid(pid, 0)
    out = os.read(r, 100).decode().strip()
    assert out in ("errno %d" % errno.ENOTCONN, "errno %d" % errno.EPIPE), out
    echo_once(s, b"still-mine")


def check_hold():
    """Connect to the watching port, then wait to be killed."""
    s = conn(WATCH)
    s.sendall(b"x" * 1000)
    print("holding", flush=True)
    time.sleep(60)


def check_block_recv():
    """Block in recv until the daemon goes away: must not hang."""
    s = conn()
    s.settimeout(None)
    print("blocking", flush=True)
    try:
        b = s.recv(10)
        print("recv returned %r" % b)
    except ConnectionResetError:
        print("reset")


CHECKS = {n[6:]: f for n, f in globals().items() if n.startswith("check_")}
CHECKS[sys.argv[3]]()
print("ok", sys.argv[3])
