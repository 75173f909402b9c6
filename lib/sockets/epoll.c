/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: epoll over a mix of xtoe sockets and kernel fds.
 *
 * Kernel fds live in the kernel's epoll instance as usual. xtoe sockets live
 * in a list next to it (struct xs_epoll); the kernel instance additionally
 * holds the context's eventfd and control socket, tagged with XS_EP_TAG, so
 * a blocked epoll_wait wakes when the daemon has news for the process.
 * Level-triggered items are checked against the shared-memory state at every
 * wait; edge-triggered ones report when the socket got a new event since
 * their last report (rx_gen / tx_gen).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "common/clock.h"
#include "xs.h"

#define XS_EP_TAG 0x78746f6573000000ull /* "xtoes": the context's fds */

XS_API int epoll_create1(int flags)
{
	int fd = REAL(epoll_create1)(flags);
	struct xs_epoll *ep;

	if (fd < 0)
		return fd;
	ep = calloc(1, sizeof(*ep));
	if (!ep) {
		REAL(close)(fd);
		return xs_set_errno(-ENOMEM);
	}
	ep->wfd = -1;
	xs_lock();
	xs_set_ep(fd, ep);
	xs_unlock();
	return fd;
}

XS_API int epoll_create(int size)
{
	if (size <= 0)
		return xs_set_errno(-EINVAL);
	return epoll_create1(0);
}

static struct xs_epitem *find(struct xs_epoll *ep, int fd)
{
	for (int i = 0; i < ep->n; i++)
		if (ep->items[i].fd == fd)
			return &ep->items[i];
	return NULL;
}

/* Put the context's fds into the kernel instance once, with this
 * instance's own wake-up eventfd. The context's eventfd is exclusive: one
 * waiter wakes, takes the events and kicks the instances they concern.
 * Locked. */
static void add_ctx(int epfd, struct xs_epoll *ep)
{
	struct xtoe_ctx *ctx = xs_ctx();
	struct epoll_event e = { .events = EPOLLIN | EPOLLEXCLUSIVE };

	if (ep->ctx_added || !ctx || ctx->dead)
		return;
	ep->wfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e.data.u64 = XS_EP_TAG | 1;
	REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, ctx->app_efd, &e);
	e.events = EPOLLIN;
	e.data.u64 = XS_EP_TAG | 2;
	REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, ctx->sock, &e);
	e.data.u64 = XS_EP_TAG | 4;
	if (ep->wfd >= 0)
		REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, ep->wfd, &e);
	ep->ctx_added = true;
}

/* An event for one of ep's items: wake its waiter. Locked. */
void xs_epoll_kick(struct xs_epoll *ep)
{
	uint64_t one = 1;

	if (!ep->sleeping || ep->kicked || ep->wfd < 0)
		return;
	ep->kicked = true;
	if (REAL(write)(ep->wfd, &one, sizeof(one)) < 0)
		ep->kicked = false;
}

static void arm(struct xs_epitem *it, const struct epoll_event *ev)
{
	it->events = ev->events;
	it->data = ev->data;
	it->seen_rx = it->s->rx_gen - 1; /* report the current state once */
	it->seen_tx = it->s->tx_gen - 1;
	it->disabled = false;
}

static int item_add(int epfd, struct xs_epoll *ep, int fd, struct xsock *s,
		    const struct epoll_event *ev)
{
	if (find(ep, fd))
		return -EEXIST;
	if (ep->n == ep->cap) {
		int cap = ep->cap ? ep->cap * 2 : 16;
		struct xs_epitem *n = realloc(ep->items, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ep->items = n;
		ep->cap = cap;
	}
	ep->items[ep->n] = (struct xs_epitem){ .fd = fd, .s = s };
	s->owner_ep = ep;
	arm(&ep->items[ep->n++], ev);
	add_ctx(epfd, ep);
	xs_listener_use(s);
	return 0;
}

static int sock_ctl(int epfd, struct xs_epoll *ep, int op, int fd,
		    struct xsock *s, struct epoll_event *ev)
{
	struct xs_epitem *it;

	if (op == EPOLL_CTL_ADD)
		return ev ? item_add(epfd, ep, fd, s, ev) : -EFAULT;
	it = find(ep, fd);
	if (!it)
		return -ENOENT;
	if (op == EPOLL_CTL_DEL) {
		if (s->owner_ep == ep)
			s->owner_ep = NULL;
		*it = ep->items[--ep->n];
		return 0;
	}
	if (op != EPOLL_CTL_MOD || !ev)
		return -EINVAL;
	arm(it, ev);
	return 0;
}

XS_API int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct xsock *s = xs_sock(fd);
	struct xs_epoll *ep = xs_ep(epfd);
	int rc;

	if (!s || !ep) {
		rc = REAL(epoll_ctl)(epfd, op, fd, ev);
		if (ep && !rc && op == EPOLL_CTL_ADD)
			ep->nkernel++;
		else if (ep && !rc && op == EPOLL_CTL_DEL && ep->nkernel > 0)
			ep->nkernel--;
		return rc;
	}
	xs_lock();
	rc = sock_ctl(epfd, ep, op, fd, s, ev);
	xs_unlock();
	return rc ? xs_set_errno(rc) : 0;
}

/* The epoll instance's fd is being closed. Locked. */
void xs_epoll_free(struct xs_epoll *ep)
{
	for (int i = 0; i < ep->n; i++)
		if (ep->items[i].s->owner_ep == ep)
			ep->items[i].s->owner_ep = NULL;
	if (ep->wfd >= 0)
		REAL(close)(ep->wfd);
	free(ep->items);
	free(ep);
}

/* fd is being closed: drop it from every epoll instance. Locked. */
void xs_epoll_forget_fd(int fd, struct xsock *s)
{
	for (int e = 0; e < xs.nfds; e++) {
		struct xs_epoll *ep = xs.epolls[e];
		struct xs_epitem *it;

		if (ep && (it = find(ep, fd)) && it->s == s)
			*it = ep->items[--ep->n];
	}
}

static uint32_t to_epoll(short rev)
{
	return (rev & POLLIN ? EPOLLIN : 0) | (rev & POLLOUT ? EPOLLOUT : 0) |
	       (rev & POLLERR ? EPOLLERR : 0) | (rev & POLLHUP ? EPOLLHUP : 0) |
	       (rev & POLLRDHUP ? EPOLLRDHUP : 0) |
	       (rev & POLLRDNORM ? EPOLLRDNORM : 0) |
	       (rev & POLLWRNORM ? EPOLLWRNORM : 0);
}

#define ET_RX_BITS (EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLHUP | EPOLLERR)
#define ET_TX_BITS (EPOLLOUT | EPOLLWRNORM)

/* An edge that came while the direction was not ready is spent: like
 * Linux, an edge-triggered item reports the next change after which the
 * direction is ready, not one from before (an accept-time or earlier event
 * would otherwise be reported together with the data, and the data's own
 * event a second time). */
static void forget_idle_edges(struct xs_epitem *it, uint32_t rev)
{
	if (!(rev & ET_RX_BITS))
		it->seen_rx = it->s->rx_gen;
	if (!(rev & ET_TX_BITS))
		it->seen_tx = it->s->tx_gen;
}

static uint32_t item_events(struct xs_epitem *it)
{
	struct xsock *s = it->s;
	uint32_t want = it->events | EPOLLERR | EPOLLHUP;
	uint32_t rev = to_epoll(xs_revents(s)) & want;

	if (it->events & EPOLLET)
		forget_idle_edges(it, rev);
	if (!rev || it->disabled)
		return 0;
	if (it->events & EPOLLET) {
		if (s->rx_gen == it->seen_rx)
			rev &= ~ET_RX_BITS;
		if (s->tx_gen == it->seen_tx)
			rev &= ~ET_TX_BITS;
		if (!rev)
			return 0;
		it->seen_rx = s->rx_gen;
		it->seen_tx = s->tx_gen;
	}
	if (it->events & EPOLLONESHOT)
		it->disabled = true;
	return rev;
}

/* Collect ready xtoe items into out[0..max). Locked. */
static int scan(struct xs_epoll *ep, struct epoll_event *out, int max)
{
	int n = 0;

	xs_pump();
	for (int i = 0; i < ep->n && n < max; i++) {
		struct xs_epitem *it = &ep->items[i];
		uint32_t rev;

		if (it->s->standby || (it->s->kind == XS_LISTEN && !it->s->l))
			xs_listener_use(it->s);
		rev = item_events(it);
		if (rev)
			out[n++] = (struct epoll_event){ .events = rev, .data = it->data };
	}
	/* rotate, so a busy first item cannot hide the rest when max is small */
	if (ep->n > 1 && n == max) {
		struct xs_epitem first = ep->items[0];

		memmove(ep->items, ep->items + 1, (ep->n - 1) * sizeof(first));
		ep->items[ep->n - 1] = first;
	}
	return n;
}

/* Drop the tagged entries of the context's fds from a kernel result; note
 * which fired in *tags (bit 1: eventfd, bit 2: control socket). */
static int untag(struct epoll_event *ev, int n, unsigned int *tags)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		if ((ev[i].data.u64 & ~0xffull) == XS_EP_TAG)
			*tags |= (unsigned int)(ev[i].data.u64 & 0xff);
		else
			ev[k++] = ev[i];
	}
	return k;
}

/* Kernel events without blocking, after n xtoe ones. While xtoe items keep
 * being ready the kernel fds are looked at every 50 us, not at every call:
 * a system call per request is what xtoe is there to save. */
static int kernel_now(int epfd, struct xs_epoll *ep, struct epoll_event *ev,
		      int n, int max)
{
	unsigned int tags = 0;
	int64_t now;
	int k;

	if (n >= max || !ep->nkernel)
		return n;
	now = (int64_t)now_us();
	if (now - ep->kernel_checked_us < 50)
		return n;
	ep->kernel_checked_us = now;
	k = REAL(epoll_pwait)(epfd, ev + n, max - n, 0, NULL);
	return n + (k > 0 ? untag(ev + n, k, &tags) : 0);
}

/* One blocking round with the sleep flag raised: the xtoe items are checked
 * once more after raising it, so no wake-up is lost. Locked; returns the
 * events found (>0), 0, or -errno. */
static int block_round(int epfd, struct xs_epoll *ep, struct epoll_event *ev,
		       int max, int tmo, const sigset_t *mask)
{
	unsigned int tags = 0;
	int k, err = 0;

	if (xs.sleepers && (tmo < 0 || tmo > 20))
		tmo = 20; /* another thread sleeps on the same eventfd */
	if ((xs.ndeferred || xs.foreign) && (tmo < 0 || tmo > 100))
		tmo = xs.foreign ? 2 : 100; /* see holders.c, xs_block */
	xs_sleep_begin();
	k = scan(ep, ev, max);
	if (k) {
		xs_sleep_end();
		return k;
	}
	ep->sleeping = true;
	xs_unlock();
	k = REAL(epoll_pwait)(epfd, ev, max, tmo, mask);
	if (k < 0)
		err = -errno;
	xs_lock();
	ep->sleeping = false;
	k = err ? 0 : untag(ev, k, &tags);
	if (tags & 4) {
		uint64_t v;

		REAL(read)(ep->wfd, &v, sizeof(v));
	}
	ep->kicked = false;
	if (tags & 3)
		xs_ctx_news(tags & 2);
	xs_sleep_end();
	if (err)
		return err;
	if (k > 0)
		k += scan(ep, ev + k, max - k);
	return k;
}

struct spin_scan {
	struct xs_epoll *ep;
	struct epoll_event *ev;
	int max, n;
};

static bool spin_scan(void *arg)
{
	struct spin_scan *sc = arg;

	sc->n = scan(sc->ep, sc->ev, sc->max);
	return sc->n > 0;
}

static int ep_wait(int epfd, struct xs_epoll *ep, struct epoll_event *ev,
		   int max, int timeout, const sigset_t *mask)
{
	int64_t deadline = timeout < 0 ? -1 : xs_now_ms() + timeout;
	int n, k;

	struct spin_scan sc = { ep, ev, max, 0 };

	xs_lock();
	n = scan(ep, ev, max);
	if (n || (timeout && ep->n && xs_spin(spin_scan, &sc) && (n = sc.n))) {
		xs_unlock();
		return kernel_now(epfd, ep, ev, n, max);
	}
	for (;;) {
		k = block_round(epfd, ep, ev, max, xs_left(deadline), mask);
		if (k || (deadline >= 0 && xs_now_ms() >= deadline)) {
			xs_unlock();
			return k < 0 ? xs_set_errno(k) : k;
		}
	}
}

XS_API int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
		       const sigset_t *mask)
{
	struct xs_epoll *ep = xs_ep(epfd);

	if (max <= 0)
		return xs_set_errno(-EINVAL);
	if (!ep || (!ep->n && !ep->ctx_added))
		return REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
	return ep_wait(epfd, ep, ev, max, timeout, mask);
}

XS_API int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	return epoll_pwait(epfd, ev, max, timeout, NULL);
}
