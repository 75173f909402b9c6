/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: creating, binding, listening, accepting, connecting,
 * closing and duplicating sockets; fcntl, ioctl and socket names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "xs.h"

static bool is_loopback(uint32_t a)
{
	return (ntohl(a) >> 24) == 127;
}

/* Destinations xtoe serves: unicast IPv4 off the loopback network. */
bool xs_is_xtoe_dst(const struct sockaddr_in *a)
{
	uint32_t h = ntohl(a->sin_addr.s_addr);

	return h && !is_loopback(a->sin_addr.s_addr) && h < 0xe0000000u;
}

static struct xsock *new_sock(int fd, bool nonblock)
{
	struct xsock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refs = 1;
	s->nonblock = nonblock;
	s->addr.sin_family = AF_INET;
	xs_set_sock(fd, s);
	return s;
}

/* The socket turns out to be the kernel's: forget it (locked). */
void xs_drop_fd(int fd)
{
	struct xsock *s = xs_sock(fd);

	xs_set_sock(fd, NULL);
	if (s && --s->refs <= 0)
		free(s);
}

XS_API int socket(int domain, int type, int protocol)
{
	int fd = REAL(socket)(domain, type, protocol);

	if (fd < 0 || domain != AF_INET || (type & 0xf) != SOCK_STREAM ||
	    (protocol && protocol != IPPROTO_TCP) || !xs.sock_path[0])
		return fd;
	xs_lock();
	if (!new_sock(fd, type & SOCK_NONBLOCK)) {
		xs_unlock();
		REAL(close)(fd);
		errno = ENOMEM;
		return -1;
	}
	xs_unlock();
	return fd;
}

static int addr_in(const struct sockaddr *a, socklen_t len,
		   struct sockaddr_in *out)
{
	if (!a || len < sizeof(*out))
		return -EINVAL;
	if (a->sa_family != AF_INET)
		return -EAFNOSUPPORT;
	memcpy(out, a, sizeof(*out));
	return 0;
}

/* Hand an XS_NEW socket back to the kernel, replaying its bind. Locked. */
static int to_kernel(int fd, struct xsock *s)
{
	struct sockaddr_in a = s->addr;
	bool bound = s->bound;

	xs_drop_fd(fd);
	if (bound && REAL(bind)(fd, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	return 0;
}

XS_API int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct xsock *s = xs_sock(fd);
	struct sockaddr_in a;
	int err;

	if (!s)
		return REAL(bind)(fd, addr, len);
	xs_lock();
	err = addr_in(addr, len, &a);
	if (!err && (s->kind != XS_NEW || s->bound))
		err = -EINVAL;
	if (!err && is_loopback(a.sin_addr.s_addr)) {
		xs_drop_fd(fd);
		xs_unlock();
		return REAL(bind)(fd, addr, len);
	}
	if (!err) {
		s->addr = a;
		s->bound = true;
	}
	xs_unlock();
	return err ? xs_set_errno(err) : 0;
}

static int do_listen(int fd, struct xsock *s, int backlog)
{
	struct xtoe_ctx *ctx;
	uint32_t flags = s->reuseport ? XTOE_LISTEN_REUSEPORT : 0;
	int err;

	if (s->kind == XS_LISTEN)
		return 0;
	if (s->kind != XS_NEW)
		return -EINVAL;
	if (!(ctx = xs_ctx())) {
		if (xs.ctx_half)
			return xs.ctx_err;
		err = to_kernel(fd, s);
		return err ? err : REAL(listen)(fd, backlog) ? -errno : 0;
	}
	err = xlib_listen(ctx, &s->addr, backlog, flags, s->user_mss, &s->l);
	if (err == -EACCES || err == -EPERM) /* the daemon says which right is missing */
		fprintf(stderr, "libxtoe-sockets: listen: %s\n", xtoe_strerror(ctx));
	if (err)
		return err;
	xtoe_listener_set_user(s->l, s);
	s->kind = XS_LISTEN;
	s->backlog = backlog;
	if (!s->addr.sin_port)
		s->addr.sin_port = s->l->port;
	return 0;
}

/* An IPv6 listener stays with the kernel: say so once, since a dual-stack
 * server (iperf3 without -4) would otherwise quietly bypass xtoe. */
static void note_ipv6_listener(int fd)
{
	static bool told;
	struct sockaddr_in6 a;
	socklen_t len = sizeof(a);

	if (told || !xs.sock_path[0] ||
	    REAL(getsockname)(fd, (struct sockaddr *)&a, &len) || a.sin6_family != AF_INET6)
		return;
	told = true;
	fprintf(stderr, "libxtoe-sockets: IPv6 listener on port %u stays on the "
		"kernel's TCP; listen on IPv4 (e.g. iperf3 -4) to serve it on xtoe\n",
		ntohs(a.sin6_port));
}

XS_API int listen(int fd, int backlog)
{
	struct xsock *s = xs_sock(fd);
	int err;

	if (!s) {
		note_ipv6_listener(fd);
		return REAL(listen)(fd, backlog);
	}
	xs_lock();
	err = do_listen(fd, s, backlog);
	xs_unlock();
	return err ? xs_set_errno(err) : 0;
}

static void put_addr(const struct sockaddr_in *a, struct sockaddr *out,
		     socklen_t *len)
{
	if (!out || !len)
		return;
	memcpy(out, a, *len < sizeof(*a) ? *len : sizeof(*a));
	*len = sizeof(*a);
}

/* A socket for an accepted connection. Locked. */
static int accepted_fd(struct xsock *ls, struct xtoe_conn *c, int flags,
		       struct sockaddr *addr, socklen_t *len)
{
	int nfd = REAL(socket)(AF_INET, SOCK_STREAM |
			       (flags & (SOCK_NONBLOCK | SOCK_CLOEXEC)), 0);
	struct xsock *ns;

	if (nfd < 0 || !(ns = new_sock(nfd, flags & SOCK_NONBLOCK))) {
		int err = nfd < 0 ? -errno : -ENOMEM;

		if (nfd >= 0)
			REAL(close)(nfd);
		xtoe_abort(c);
		return err;
	}
	ns->kind = XS_CONN;
	ns->c = c;
	ns->nodelay = ls->nodelay; /* inherited from the listener, as Linux */
	ns->sndbuf = ls->sndbuf;
	xs_sndbuf_apply(ns);
	xs_conn_owned(ns);
	xs_tx_mode(ns);
	xtoe_conn_set_user(c, ns);
	xtoe_conn_addrs(c, &ns->addr, &ns->peer);
	put_addr(&ns->peer, addr, len);
	return nfd;
}

/* The daemon is gone: accept fails, and the listener stops reporting
 * itself ready once it did (an event loop that logs the error and goes on
 * would otherwise spin on it). */
static int listener_lost(struct xsock *s, int err)
{
	if (!s->dead_told)
		fprintf(stderr, "libxtoe-sockets: the listener on port %u lost xtoed "
			"and accepts no more connections; restart the application "
			"once xtoed runs again\n", ntohs(s->addr.sin_port));
	s->dead_told = true;
	return err;
}

static int do_accept(struct xsock *s, int flags, struct sockaddr *addr,
		     socklen_t *len)
{
	struct xtoe_conn *c;
	int err;

	if (s->kind != XS_LISTEN)
		return -EINVAL;
	for (;;) {
		xs_listener_use(s);
		xs_pump();
		if (!s->l) { /* not listening in this process: said on stderr */
			s->dead_told = xs.ctx_failed;
			return xs.ctx_err ? xs.ctx_err : -EINVAL;
		}
		err = xtoe_accept(s->l, &c);
		if (!err)
			return accepted_fd(s, c, flags, addr, len);
		if (s->l->ctx->dead)
			return listener_lost(s, err);
		if (err != -EAGAIN || s->nonblock)
			return err;
		err = xs_wait_sock(s, POLLIN, -1);
		if (err)
			return err;
	}
}

XS_API int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct xsock *s = xs_sock(fd);
	int rc;

	if (!s)
		return REAL(accept4)(fd, addr, len, flags);
	xs_lock();
	rc = do_accept(s, flags, addr, len);
	xs_unlock();
	return rc < 0 ? xs_set_errno(rc) : rc;
}

XS_API int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}

static int connect_state(struct xsock *s)
{
	int err;

	if (s->kind == XS_LISTEN)
		return -EISCONN;
	if (!s->c)
		return s->so_error ? -s->so_error : -ENOTCONN;
	err = xtoe_conn_error(s->c);
	if (err == -EINPROGRESS)
		return -EALREADY;
	if (err) {
		s->so_error = 0;
		return err;
	}
	return -EISCONN;
}

static int do_connect(int fd, struct xsock *s, const struct sockaddr *addr,
		      socklen_t alen)
{
	struct sockaddr_in dst;
	struct xtoe_ctx *ctx;
	int err;

	if (s->kind != XS_NEW)
		return connect_state(s);
	err = addr_in(addr, alen, &dst);
	if (err == -EAFNOSUPPORT || (!err && !xs_is_xtoe_dst(&dst)) ||
	    (!err && !(ctx = xs_ctx()))) {
		if (!err && xs.ctx_half && xs_is_xtoe_dst(&dst))
			return xs.ctx_err;
		err = to_kernel(fd, s);
		return err ? err : 1; /* 1: the kernel connects */
	}
	if (err)
		return err;
	err = xlib_connect(ctx, &dst, s->user_mss, &s->c);
	if (err)
		return err;
	s->kind = XS_CONN;
	xs_sndbuf_apply(s);
	xs_conn_owned(s);
	xtoe_conn_set_user(s->c, s);
	xtoe_conn_addrs(s->c, &s->addr, &s->peer);
	s->tx_mode_due = true; /* set once established */
	if (s->nonblock)
		return -EINPROGRESS;
	err = xs_wait_sock(s, POLLOUT, s->sndtimeo_ms ? s->sndtimeo_ms : -1);
	if (err)
		return err == -ETIMEDOUT ? -EINPROGRESS : err;
	err = xtoe_conn_error(s->c);
	if (err == -EINPROGRESS)
		return -EINPROGRESS;
	s->so_error = 0;
	return err;
}

XS_API int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct xsock *s = xs_sock(fd);
	int rc;

	if (!s)
		return REAL(connect)(fd, addr, len);
	xs_lock();
	rc = do_connect(fd, s, addr, len);
	xs_unlock();
	if (rc == 1)
		return REAL(connect)(fd, addr, len);
	return rc ? xs_set_errno(rc) : 0;
}

XS_API int shutdown(int fd, int how)
{
	struct xsock *s = xs_sock(fd);
	int err = 0;

	if (!s)
		return REAL(shutdown)(fd, how);
	xs_lock();
	if (how < SHUT_RD || how > SHUT_RDWR)
		err = -EINVAL;
	else if (s->kind != XS_CONN || !s->c)
		err = s->kind == XS_LISTEN ? 0 : -ENOTCONN;
	if (!err && s->kind == XS_CONN) {
		if (how != SHUT_WR)
			s->rd_shut = true;
		if (how != SHUT_RD && !s->wr_shut) {
			s->wr_shut = true;
			err = xtoe_shutdown(s->c);
		}
		s->rx_gen++;
		s->tx_gen++;
	}
	xs_unlock();
	return err ? xs_set_errno(err) : 0;
}

/* Forget fd's socket or epoll instance (locked). */
static void forget_fd(int fd)
{
	struct xsock *s = xs_sock(fd);
	struct xs_epoll *ep = xs_ep(fd);

	if (s) {
		xs_set_sock(fd, NULL);
		xs_epoll_forget_fd(fd, s);
		xs_release(s);
	}
	if (ep) {
		xs_set_ep(fd, NULL);
		xs_epoll_free(ep);
	}
}

XS_API int close(int fd)
{
	if (xs_sock(fd) || xs_ep(fd)) {
		xs_lock();
		forget_fd(fd);
		xs_unlock();
	}
	return REAL(close)(fd);
}

/* newfd now refers to what oldfd does (locked). */
static void dup_to(int oldfd, int newfd)
{
	struct xsock *s = xs_sock(oldfd);

	if (newfd < 0 || newfd == oldfd || !s)
		return;
	s->refs++;
	xs_set_sock(newfd, s);
}

XS_API int dup(int fd)
{
	int nfd;

	if (!xs_sock(fd))
		return REAL(dup)(fd);
	xs_lock();
	nfd = REAL(dup)(fd);
	dup_to(fd, nfd);
	xs_unlock();
	return nfd;
}

XS_API int dup3(int oldfd, int newfd, int flags)
{
	int rc;

	if (!xs_sock(oldfd) && !xs_sock(newfd) && !xs_ep(newfd))
		return REAL(dup3)(oldfd, newfd, flags);
	xs_lock();
	if (oldfd != newfd)
		forget_fd(newfd);
	rc = REAL(dup3)(oldfd, newfd, flags);
	if (rc >= 0)
		dup_to(oldfd, rc);
	xs_unlock();
	return rc;
}

XS_API int dup2(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return REAL(dup2)(oldfd, newfd);
	return dup3(oldfd, newfd, 0);
}

static int do_fcntl(int fd, int cmd, long arg)
{
	struct xsock *s = xs_sock(fd);
	int rc;

	if (!s)
		return REAL(fcntl)(fd, cmd, arg);
	xs_lock();
	rc = REAL(fcntl)(fd, cmd, arg);
	if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		dup_to(fd, rc);
	if (rc >= 0 && cmd == F_SETFL)
		s->nonblock = arg & O_NONBLOCK;
	xs_unlock();
	return rc;
}

XS_API int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

/* Same call under its large-file name. */
XS_API int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

static int sock_ioctl(struct xsock *s, unsigned long req, int *arg)
{
	if (req == FIONBIO) {
		s->nonblock = *arg != 0;
		return 1; /* and the kernel's flag too */
	}
	if (s->kind != XS_CONN || (req != FIONREAD && req != SIOCOUTQ))
		return 1;
	if (!s->c)
		return -ENOTCONN;
	xs_pump();
	xs_conn_sync(s->c);
	if (req == FIONREAD)
		*arg = (int)xtoe_rx_avail(s->c);
	else
		*arg = (int)xlib_tx_used(s->c);
	return 0;
}

XS_API int ioctl(int fd, unsigned long req, ...)
{
	struct xsock *s = xs_sock(fd);
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!s || !arg)
		return REAL(ioctl)(fd, req, arg);
	xs_lock();
	rc = sock_ioctl(s, req, arg);
	xs_unlock();
	if (rc == 1)
		return REAL(ioctl)(fd, req, arg);
	return rc ? xs_set_errno(rc) : 0;
}

XS_API int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct xsock *s = xs_sock(fd);
	struct sockaddr_in a;

	if (!s)
		return REAL(getsockname)(fd, addr, len);
	xs_lock();
	a = s->addr;
	xs_unlock();
	put_addr(&a, addr, len);
	return 0;
}

XS_API int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct xsock *s = xs_sock(fd);
	struct sockaddr_in a;
	bool conn;

	if (!s)
		return REAL(getpeername)(fd, addr, len);
	xs_lock();
	a = s->peer;
	conn = s->kind == XS_CONN && s->c && xtoe_conn_error(s->c) == 0;
	xs_unlock();
	if (!conn)
		return xs_set_errno(-ENOTCONN);
	put_addr(&a, addr, len);
	return 0;
}
