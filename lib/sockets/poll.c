/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: readiness of xtoe sockets, waiting for one socket, and
 * poll/ppoll/select/pselect over a mix of xtoe sockets and kernel fds.
 *
 * A mixed set is split: xtoe sockets are checked against the shared-memory
 * state (no system call); kernel fds go to the kernel's poll together with
 * the context's eventfd and control socket, which wake the wait when the
 * daemon has news or goes away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

/* glibc declares poll()'s array write-only (access attribute); our poll
 * reads the caller's events, as the kernel does. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

static short conn_revents(struct xsock *s)
{
	struct xtoe_conn *c = s->c;
	uint32_t st;
	short rev = 0;
	int err;

	if (!c)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	xs_conn_sync(c);
	err = xtoe_conn_error(c);
	if (err == -EINPROGRESS)
		return 0;
	if (err)
		return POLLIN | POLLRDNORM | POLLOUT | POLLHUP | POLLRDHUP |
		       (s->so_error ? POLLERR : 0);
	st = atomic_load_explicit(&c->fs->status, memory_order_acquire);
	if (xtoe_rx_avail(c) || (st & XTOE_FS_RX_FIN) || s->rd_shut)
		rev |= POLLIN | POLLRDNORM;
	if (st & XTOE_FS_RX_FIN)
		rev |= POLLRDHUP;
	/* like Linux, writable once a fair part of the buffer is free and
	 * fewer than TCP_NOTSENT_LOWAT bytes wait unsent */
	if (s->wr_shut || (xs_tx_room(s) >= xs_tx_limit(s) / 8 && xs_notsent_ok(s)))
		rev |= POLLOUT | POLLWRNORM;
	if ((st & XTOE_FS_RX_FIN) && s->wr_shut)
		rev |= POLLHUP;
	return rev;
}

/* What poll would report for s (locked, after xs_pump). */
short xs_revents(struct xsock *s)
{
	switch (s->kind) {
	case XS_NEW:
		return POLLOUT | POLLHUP;
	case XS_LISTEN:
		/* no daemon: ready until accept said why, then quiet (an
		 * event loop that logs the error must not spin on it) */
		if ((s->l && s->l->ctx->dead) || (!s->l && xs.ctx_failed))
			return s->dead_told ? 0 : POLLIN | POLLERR;
		return s->l && s->l->acc_head ? POLLIN | POLLRDNORM : 0;
	case XS_CONN:
		return conn_revents(s);
	}
	return 0;
}

struct want {
	struct xsock *s;
	short events;
};

static bool sock_ready(void *arg)
{
	struct want *w = arg;

	return xs_revents(w->s) & w->events;
}

/* Wait until s reports one of events (or an error / hang-up). Locked.
 * 0, -ETIMEDOUT or -EINTR. */
int xs_wait_sock(struct xsock *s, short events, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : xs_now_ms() + timeout_ms;
	short want = events | POLLERR | POLLHUP;
	struct want w = { s, want };
	int rc;

	xs_pump();
	if (xs_revents(s) & want)
		return 0;
	if (xs_spin(sock_ready, &w))
		return 0;
	for (;;) {
		xs_pump();
		if (xs_revents(s) & want)
			return 0;
		xs_sleep_begin();
		xs_pump();
		if (xs_revents(s) & want) {
			xs_sleep_end();
			return 0;
		}
		rc = xs_block(NULL, 0, xs_left(deadline), NULL);
		xs_sleep_end();
		if (rc == -EINTR)
			return rc;
		if (deadline >= 0 && xs_now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}

/* Fill revents of the xtoe entries; count the ready ones. Locked. */
static int scan(struct pollfd *fds, nfds_t n)
{
	int ready = 0;

	xs_pump();
	for (nfds_t i = 0; i < n; i++) {
		struct xsock *s = xs_sock(fds[i].fd);

		if (!s)
			continue;
		xs_listener_use(s);
		fds[i].revents = xs_revents(s) &
				 (fds[i].events | POLLERR | POLLHUP | POLLNVAL);
		ready += fds[i].revents != 0;
	}
	return ready;
}

static int merge(struct pollfd *fds, const struct pollfd *k, nfds_t n)
{
	int ready = 0;

	for (nfds_t i = 0; i < n; i++) {
		if (k[i].fd >= 0 || fds[i].fd < 0)
			fds[i].revents = k[i].revents;
		ready += fds[i].revents != 0;
	}
	return ready;
}

static bool has_kernel(const struct pollfd *k, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (k[i].fd >= 0)
			return true;
	return false;
}

static int poll_loop(struct pollfd *fds, struct pollfd *k, nfds_t n,
		     int timeout, const sigset_t *mask)
{
	int64_t deadline = timeout < 0 ? -1 : xs_now_ms() + timeout;
	int rc;

	xs_lock();
	for (;;) {
		if (scan(fds, n)) {
			xs_unlock();
			if (has_kernel(k, n))
				REAL(poll)(k, n, 0);
			return merge(fds, k, n);
		}
		xs_sleep_begin();
		if (scan(fds, n)) {
			xs_sleep_end();
			continue;
		}
		rc = xs_block(k, (int)n, xs_left(deadline), mask);
		xs_sleep_end();
		if (rc < 0) {
			xs_unlock();
			return xs_set_errno(rc);
		}
		if (rc > 0 || (deadline >= 0 && xs_now_ms() >= deadline)) {
			scan(fds, n);
			xs_unlock();
			return merge(fds, k, n);
		}
	}
}

static bool has_xtoe(const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (xs_sock(fds[i].fd))
			return true;
	return false;
}

static int xpoll(struct pollfd *fds, nfds_t n, int timeout, const sigset_t *mask)
{
	struct pollfd stack[64], *k = stack;
	int rc;

	if (n > 64 && !(k = malloc(n * sizeof(*k))))
		return xs_set_errno(-ENOMEM);
	for (nfds_t i = 0; i < n; i++) {
		k[i] = fds[i];
		k[i].revents = 0;
		if (xs_sock(fds[i].fd)) {
			k[i].fd = -1;
			fds[i].revents = 0;
		}
	}
	rc = poll_loop(fds, k, n, timeout, mask);
	if (k != stack)
		free(k);
	return rc;
}

static int ts_ms(const struct timespec *ts)
{
	if (!ts)
		return -1;
	if (ts->tv_sec > 1000000)
		return 1000000000;
	return (int)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000);
}

XS_API int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!has_xtoe(fds, n))
		return REAL(poll)(fds, n, timeout);
	return xpoll(fds, n, timeout, NULL);
}

XS_API int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t len)
{
	if (len / sizeof(*fds) < n)
		abort();
	return poll(fds, n, timeout);
}

XS_API int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		 const sigset_t *mask)
{
	if (!has_xtoe(fds, n))
		return REAL(ppoll)(fds, n, ts, mask);
	return xpoll(fds, n, ts_ms(ts), mask);
}

/* --- select ---------------------------------------------------------------- */

static bool sets_have_xtoe(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) ||
		     (e && FD_ISSET(fd, e))) && xs_sock(fd))
			return true;
	return false;
}

static int sets_to_poll(int nfds, fd_set *r, fd_set *w, fd_set *e,
			struct pollfd *p)
{
	int n = 0;

	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
		short ev = (r && FD_ISSET(fd, r) ? POLLIN : 0) |
			   (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
			   (e && FD_ISSET(fd, e) ? POLLPRI : 0);

		if (ev)
			p[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	return n;
}

static int poll_to_sets(const struct pollfd *p, int n, fd_set *r, fd_set *w,
			fd_set *e)
{
	int count = 0;

	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	for (int i = 0; i < n; i++) {
		short rev = p[i].revents;

		if (r && (p[i].events & POLLIN) && (rev & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(p[i].fd, r);
			count++;
		}
		if (w && (p[i].events & POLLOUT) && (rev & (POLLOUT | POLLERR))) {
			FD_SET(p[i].fd, w);
			count++;
		}
		if (e && (p[i].events & POLLPRI) && (rev & POLLPRI)) {
			FD_SET(p[i].fd, e);
			count++;
		}
	}
	return count;
}

static int xselect(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout,
		   const sigset_t *mask)
{
	struct pollfd *p = malloc(FD_SETSIZE * sizeof(*p));
	int n, rc;

	if (!p)
		return xs_set_errno(-ENOMEM);
	n = sets_to_poll(nfds, r, w, e, p);
	rc = xpoll(p, n, timeout, mask);
	if (rc >= 0)
		rc = poll_to_sets(p, n, r, w, e);
	free(p);
	return rc;
}

XS_API int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	if (!sets_have_xtoe(nfds, r, w, e))
		return REAL(select)(nfds, r, w, e, tv);
	return xselect(nfds, r, w, e,
		       tv ? (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000) : -1,
		       NULL);
}

XS_API int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
		   const struct timespec *ts, const sigset_t *mask)
{
	if (!sets_have_xtoe(nfds, r, w, e))
		return REAL(pselect)(nfds, r, w, e, ts, mask);
	return xselect(nfds, r, w, e, ts_ms(ts), mask);
}
