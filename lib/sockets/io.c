/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: moving bytes. read/write, the vector and message
 * variants, send/recv(from/to), sendfile, and the _FORTIFY_SOURCE entries.
 * Blocking calls wait on the context; every wait ends when the connection
 * fails, the daemon goes away, a timeout (SO_RCVTIMEO/SO_SNDTIMEO) passes
 * or a signal arrives (EINTR).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs.h"

static int conn_usable(struct xsock *s)
{
	if (s->kind != XS_CONN)
		return -ENOTCONN;
	if (!s->c)
		return s->so_error == EBADFD ? -EBADFD : -ENOTCONN;
	return 0;
}

static ssize_t recv_once(struct xsock *s, const struct iovec *iov, int cnt,
			 int flags)
{
	ssize_t n;

	xs_pump();
	xs_conn_sync(s->c);
	n = flags & MSG_PEEK ? xlib_peekv(s->c, iov, cnt) : xtoe_recvv(s->c, iov, cnt);
	if (n == -EINPROGRESS)
		return -EAGAIN;
	if (n < 0 && n != -EAGAIN) {
		if (s->reset_told)
			return 0; /* like Linux: the error once, then end of stream */
		s->reset_told = true;
		s->so_error = 0;
	}
	return n;
}

static void advance(struct iovec **iov, int *cnt, size_t n);
static size_t iov_total(const struct iovec *iov, int cnt);

/* MSG_WAITALL: wait until the buffer is full, the stream ends, an error
 * comes or (non-blocking) nothing more is there. */
static ssize_t recv_all(struct xsock *s, const struct iovec *iov, int cnt,
			int flags)
{
	struct iovec v[64], *p = v;
	size_t total, done = 0;
	ssize_t n;

	if (cnt > 64)
		cnt = 64;
	memcpy(v, iov, cnt * sizeof(*v));
	total = iov_total(v, cnt);
	while (done < total) {
		n = recv_once(s, p, cnt, flags);
		if (n > 0) {
			done += n;
			advance(&p, &cnt, n);
			continue;
		}
		if (n == 0 || (n != -EAGAIN) || s->nonblock || (flags & MSG_DONTWAIT))
			return done ? (ssize_t)done : n;
		n = xs_wait_sock(s, POLLIN, s->rcvtimeo_ms ? s->rcvtimeo_ms : -1);
		if (n)
			return done ? (ssize_t)done : n == -ETIMEDOUT ? -EAGAIN : n;
	}
	return done;
}

static ssize_t sock_recv(struct xsock *s, const struct iovec *iov, int cnt,
			 int flags)
{
	int err = conn_usable(s);
	ssize_t n;

	if (err)
		return err;
	if (s->rd_shut) { /* Linux: what is queued, then 0, never a wait */
		n = recv_once(s, iov, cnt, flags);
		return n == -EAGAIN ? 0 : n;
	}
	if ((flags & MSG_WAITALL) && !(flags & MSG_PEEK))
		return recv_all(s, iov, cnt, flags);
	for (;;) {
		n = recv_once(s, iov, cnt, flags);
		if (n != -EAGAIN || s->nonblock || (flags & MSG_DONTWAIT))
			return n;
		err = xs_wait_sock(s, POLLIN, s->rcvtimeo_ms ? s->rcvtimeo_ms : -1);
		if (err)
			return err == -ETIMEDOUT ? -EAGAIN : err;
	}
}

static void advance(struct iovec **iov, int *cnt, size_t n)
{
	while (*cnt && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*cnt)--;
	}
	if (*cnt) {
		(*iov)->iov_base = (char *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

static ssize_t send_error(struct xsock *s, ssize_t err, int flags)
{
	if (err == -ECONNRESET || err == -ETIMEDOUT || err == -ECONNREFUSED) {
		if (!s->reset_told) {
			s->reset_told = true;
			s->so_error = 0;
			return err;
		}
		err = -EPIPE;
	}
	if (err == -EPIPE && !(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	return err;
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t t = 0;

	for (int i = 0; i < cnt; i++)
		t += iov[i].iov_len;
	return t;
}

/* Send hints of a connection that was connecting when they were set. */
static void tx_mode_sync(struct xsock *s)
{
	if (s->tx_mode_due && !xtoe_conn_error(s->c)) {
		s->tx_mode_due = false;
		xs_tx_mode(s);
	}
}

/* The bytes queued may go as partial segments: at the end of a write
 * (Linux tcp_push), unless TCP_CORK or MSG_MORE hold them, and always
 * before the write blocks. */
static ssize_t send_done(struct xsock *s, ssize_t ret, bool push)
{
	if (push)
		xlib_push(s->c);
	return ret;
}


static ssize_t send_loop(struct xsock *s, struct iovec *iov, int cnt, int flags)
{
	size_t total = iov_total(iov, cnt), done = 0;
	bool nb = s->nonblock || (flags & MSG_DONTWAIT);
	bool push = !(flags & MSG_MORE) && !s->cork;
	ssize_t n;
	int err;

	tx_mode_sync(s);
	for (;;) {
		xs_pump();
		xs_conn_sync(s->c);
		n = xtoe_conn_error(s->c) == -EINPROGRESS ? -EAGAIN :
		    s->wr_shut ? -EPIPE : xlib_sendv(s->c, iov, cnt, false);
		if (n > 0) {
			done += n;
			advance(&iov, &cnt, n);
		}
		if (done == total && (n >= 0 || done))
			return send_done(s, done, push);
		if (n < 0 && n != -EAGAIN)
			return done ? send_done(s, done, push) : send_error(s, n, flags);
		if (nb)
			return done ? send_done(s, done, push) : -EAGAIN;
		if (done)
			xlib_push(s->c);
		err = xs_wait_sock(s, POLLOUT, s->sndtimeo_ms ? s->sndtimeo_ms : -1);
		if (err)
			return done ? (ssize_t)done : err == -ETIMEDOUT ? -EAGAIN : err;
	}
}

static ssize_t sock_send(struct xsock *s, const struct iovec *iov, int cnt,
			 int flags)
{
	struct iovec stack[64], *v = stack;
	int err = conn_usable(s);
	ssize_t n;

	if (err)
		return send_error(s, err == -ENOTCONN ? -EPIPE : err, flags);
	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (cnt > 64 && !(v = malloc(cnt * sizeof(*v))))
		return -ENOMEM;
	memcpy(v, iov, cnt * sizeof(*v));
	n = send_loop(s, v, cnt, flags);
	if (v != stack)
		free(v);
	return n;
}

/* --- entry points ----------------------------------------------------------- */

static ssize_t do_recv(int fd, const struct iovec *iov, int cnt, int flags)
{
	struct xsock *s = xs_sock(fd);
	ssize_t n;

	xs_lock();
	n = s ? sock_recv(s, iov, cnt, flags) : -EBADF;
	xs_unlock();
	return n < 0 ? xs_set_errno((int)n) : n;
}

static ssize_t do_send(int fd, const struct iovec *iov, int cnt, int flags)
{
	struct xsock *s = xs_sock(fd);
	ssize_t n;

	xs_lock();
	n = s ? sock_send(s, iov, cnt, flags) : -EBADF;
	xs_unlock();
	return n < 0 ? xs_set_errno((int)n) : n;
}

XS_API ssize_t read(int fd, void *buf, size_t len)
{
	struct iovec v = { buf, len };

	if (!xs_sock(fd))
		return REAL(read)(fd, buf, len);
	return do_recv(fd, &v, 1, 0);
}

XS_API ssize_t write(int fd, const void *buf, size_t len)
{
	struct iovec v = { (void *)buf, len };

	if (!xs_sock(fd))
		return REAL(write)(fd, buf, len);
	return do_send(fd, &v, 1, 0);
}

XS_API ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	if (!xs_sock(fd))
		return REAL(readv)(fd, iov, cnt);
	return do_recv(fd, iov, cnt, 0);
}

XS_API ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (!xs_sock(fd))
		return REAL(writev)(fd, iov, cnt);
	return do_send(fd, iov, cnt, 0);
}

XS_API ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			struct sockaddr *addr, socklen_t *alen)
{
	struct iovec v = { buf, len };

	if (!xs_sock(fd))
		return REAL(recvfrom)(fd, buf, len, flags, addr, alen);
	if (alen)
		*alen = 0;
	return do_recv(fd, &v, 1, flags);
}

XS_API ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return recvfrom(fd, buf, len, flags, NULL, NULL);
}

XS_API ssize_t sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *addr, socklen_t alen)
{
	struct iovec v = { (void *)buf, len };

	if (!xs_sock(fd))
		return REAL(sendto)(fd, buf, len, flags, addr, alen);
	return do_send(fd, &v, 1, flags);
}

XS_API ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

XS_API ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n;

	if (!xs_sock(fd))
		return REAL(recvmsg)(fd, msg, flags);
	n = do_recv(fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
	if (n >= 0) {
		msg->msg_namelen = 0;
		msg->msg_controllen = 0;
		msg->msg_flags = 0;
	}
	return n;
}

XS_API ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!xs_sock(fd))
		return REAL(sendmsg)(fd, msg, flags);
	return do_send(fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
}

XS_API ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		abort();
	return read(fd, buf, len);
}

XS_API ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		abort();
	return recv(fd, buf, len, flags);
}

XS_API ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
			      int flags, struct sockaddr *addr, socklen_t *alen)
{
	if (len > buflen)
		abort();
	return recvfrom(fd, buf, len, flags, addr, alen);
}

/* --- sendfile ------------------------------------------------------------- */

/* Read up to room bytes of the file straight into the send ring (one copy,
 * where Linux has none). */
static ssize_t sendfile_once(struct xsock *s, int in, off_t *off, size_t count)
{
	struct xtoe_conn *c = s->c;
	size_t room = xtoe_tx_space(c);
	uint32_t pos = c->tx_tail & (c->tx_size - 1), first = c->tx_size - pos;
	struct iovec v[2];
	ssize_t r;

	if (room > count)
		room = count;
	if (!room)
		return -EAGAIN;
	if (first > room)
		first = (uint32_t)room;
	v[0] = (struct iovec){ c->tx + pos, first };
	v[1] = (struct iovec){ c->tx, room - first };
	r = off ? preadv(in, v, 2, *off) : REAL(readv)(in, v, 2);
	if (r <= 0)
		return r < 0 ? -errno : 0;
	c->tx_tail += (uint32_t)r;
	atomic_store_explicit(&c->fs->tx_tail, c->tx_tail, memory_order_release);
	xlib_bump(c->ctx, XTOE_BUMP_TX, c->slot, c->gen);
	if (off)
		*off += r;
	return r;
}

static ssize_t sock_sendfile(struct xsock *s, int in, off_t *off, size_t count)
{
	size_t done = 0;
	ssize_t n;
	int err = conn_usable(s);

	if (err)
		return send_error(s, err == -ENOTCONN ? -EPIPE : err, 0);
	tx_mode_sync(s);
	while (done < count) {
		xs_pump();
		xs_conn_sync(s->c);
		err = xtoe_conn_error(s->c);
		if (err && err != -EINPROGRESS)
			return done ? (ssize_t)done : send_error(s, err, 0);
		n = err || s->wr_shut ? (s->wr_shut ? -EPIPE : -EAGAIN) :
		    sendfile_once(s, in, off, count - done);
		if (n == 0)
			break; /* end of file */
		if (n > 0) {
			done += n;
			continue;
		}
		if (n != -EAGAIN || s->nonblock || done)
			return done ? (ssize_t)done : send_error(s, n, 0);
		xlib_push(s->c);
		err = xs_wait_sock(s, POLLOUT, s->sndtimeo_ms ? s->sndtimeo_ms : -1);
		if (err)
			return err == -ETIMEDOUT ? -EAGAIN : err;
	}
	return send_done(s, done, !s->cork);
}

XS_API ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	struct xsock *s = xs_sock(out);
	ssize_t n;

	if (!s)
		return REAL(sendfile)(out, in, off, count);
	if (xs_sock(in))
		return xs_set_errno(-EINVAL);
	xs_lock();
	n = sock_sendfile(s, in, off, count);
	xs_unlock();
	return n < 0 ? xs_set_errno((int)n) : n;
}

XS_API ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	return sendfile(out, in, off, count);
}

/* --- splice ---------------------------------------------------------------- */

/* Free room in a pipe (F_GETPIPE_SZ less what it holds). */
static size_t pipe_room(int fd)
{
	int size = REAL(fcntl)(fd, F_GETPIPE_SZ), queued = 0;

	if (size <= 0 || REAL(ioctl)(fd, FIONREAD, &queued) || queued >= size)
		return 0;
	return (size_t)(size - queued);
}

/* splice(2) with an xtoe socket on one side and a pipe on the other: the
 * bytes go through a buffer (one copy each way; Linux moves pages). */
static ssize_t splice_sock(int in, int out, size_t len, unsigned int flags)
{
	struct xsock *si = xs_sock(in), *so = xs_sock(out);
	size_t room = len > 65536 ? 65536 : len;
	char buf[65536];
	struct iovec v = { buf, 0 };
	int mflags = flags & SPLICE_F_NONBLOCK ? MSG_DONTWAIT : 0;
	ssize_t n, w;

	if (si) {
		size_t pr = pipe_room(out);

		if (!pr)
			return -EAGAIN;
		v.iov_len = room < pr ? room : pr;
		n = do_recv(in, &v, 1, mflags);
		if (n <= 0)
			return n < 0 ? -errno : 0;
		w = REAL(write)(out, buf, (size_t)n); /* fits: room was checked */
		return w < 0 ? -errno : w;
	}
	(void)so;
	n = REAL(read)(in, buf, room);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	v.iov_len = (size_t)n;
	w = do_send(out, &v, 1, mflags | MSG_NOSIGNAL);
	return w < 0 ? -errno : w; /* a short write loses the rest, as a pipe read would */
}

XS_API ssize_t splice(int in, loff_t *off_in, int out, loff_t *off_out,
		      size_t len, unsigned int flags)
{
	ssize_t n;

	if (!xs_sock(in) && !xs_sock(out))
		return REAL(splice)(in, off_in, out, off_out, len, flags);
	if ((xs_sock(in) && xs_sock(out)) || (xs_sock(in) && off_in) ||
	    (xs_sock(out) && off_out))
		return xs_set_errno(-EINVAL);
	n = splice_sock(in, out, len, flags);
	return n < 0 ? xs_set_errno((int)n) : n;
}
