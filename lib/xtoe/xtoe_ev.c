/* SPDX-License-Identifier: MIT */
/* libxtoe: event queues, the ready list and xtoe_wait(). */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/clock.h"
#include "common/wake.h"
#include "xtoe_int.h"

/* --- ready list --------------------------------------------------------- */

void xlib_ready(struct xtoe_ctx *ctx, struct xobj *o, uint32_t bits, int err)
{
	o->bits |= bits;
	if (err)
		o->err = err;
	if (o->next)
		return;
	o->prev = ctx->ready.prev;
	o->next = &ctx->ready;
	ctx->ready.prev->next = o;
	ctx->ready.prev = o;
}

void xlib_unready(struct xobj *o)
{
	if (!o->next)
		return;
	o->prev->next = o->next;
	o->next->prev = o->prev;
	o->next = o->prev = NULL;
}

static bool ready_empty(const struct xtoe_ctx *ctx)
{
	return ctx->ready.next == &ctx->ready;
}

static int emit(struct xtoe_ctx *ctx, struct xtoe_event *evs, int max)
{
	int n = 0;

	while (n < max && !ready_empty(ctx)) {
		struct xobj *o = ctx->ready.next;
		struct xtoe_event *e = &evs[n++];

		memset(e, 0, sizeof(*e));
		e->events = o->bits;
		e->err = o->err;
		if (o->is_listener) {
			e->listener = (struct xtoe_listener *)o;
			e->user = e->listener->user;
		} else {
			e->conn = (struct xtoe_conn *)o;
			e->user = e->conn->user;
		}
		o->bits = 0;
		o->err = 0;
		xlib_unready(o);
	}
	return n;
}

/* --- events from the daemon --------------------------------------------- */

static bool gen_current(struct xtoe_ctx *ctx, const struct xtoe_ev *ev)
{
	return ev->flow < ctx->geo.max_flows &&
	       atomic_load_explicit(&ctx->flows[ev->flow].gen,
				    memory_order_acquire) == ev->gen;
}

static struct xtoe_conn *ev_conn(struct xtoe_ctx *ctx, const struct xtoe_ev *ev)
{
	struct xtoe_conn *c;

	if (!gen_current(ctx, ev))
		return NULL;
	c = ctx->slots[ev->flow];
	return c && c->gen == ev->gen ? c : NULL;
}

static void conn_ready(struct xtoe_conn *c, uint32_t bits, int err)
{
	if (c->accepted)
		xlib_ready(c->ctx, &c->obj, bits, err);
}

static void on_status(struct xtoe_conn *c)
{
	uint32_t st = atomic_load_explicit(&c->fs->status, memory_order_acquire);
	uint32_t bits = 0;
	int err = 0;

	if (st & (XTOE_FS_RX_FIN | XTOE_FS_RESET))
		bits |= XTOE_EV_READABLE | XTOE_EV_HUP;
	if (st & XTOE_FS_RESET) {
		int e = atomic_load_explicit(&c->fs->error, memory_order_relaxed);

		bits |= XTOE_EV_WRITABLE;
		err = e > 0 ? -e : -ECONNRESET;
	}
	if (bits)
		conn_ready(c, bits, err);
}

static void on_accept(struct xtoe_ctx *ctx, const struct xtoe_ev *ev)
{
	struct xtoe_listener *l = xlib_listener_by_id(ctx, ev->arg);
	struct xtoe_conn *c;

	if (!gen_current(ctx, ev) || ev_conn(ctx, ev))
		return; /* stale or repeated */
	if (!l || xlib_conn_new(ctx, ev->flow, ev->gen, &c)) {
		xlib_bump(ctx, XTOE_BUMP_ABORT, ev->flow, ev->gen);
		return;
	}
	if (l->acc_tail)
		l->acc_tail->acc_next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	xlib_ready(ctx, &l->obj, XTOE_EV_ACCEPTABLE, 0);
}

static void on_connected(struct xtoe_conn *c, uint32_t arg)
{
	if (c->state != CONN_CONNECTING)
		return;
	if (!arg) {
		c->state = CONN_OPEN;
		conn_ready(c, XTOE_EV_CONNECTED | XTOE_EV_WRITABLE, 0);
		return;
	}
	xlib_conn_fail(c, arg < 4096 ? -(int)arg : -ECONNREFUSED);
	conn_ready(c, XTOE_EV_CONNECTED | XTOE_EV_HUP, c->err);
}

static void on_event(struct xtoe_ctx *ctx, const struct xtoe_ev *ev)
{
	struct xtoe_conn *c;

	if (ev->type == XTOE_EVT_ACCEPT) {
		on_accept(ctx, ev);
		return;
	}
	c = ev_conn(ctx, ev);
	if (!c)
		return; /* stale: closed handle or reused slot */
	switch (ev->type) {
	case XTOE_EVT_RX:
		conn_ready(c, XTOE_EV_READABLE, 0);
		break;
	case XTOE_EVT_TX:
		conn_ready(c, XTOE_EV_WRITABLE, 0);
		break;
	case XTOE_EVT_STATUS:
		on_status(c);
		break;
	case XTOE_EVT_CONNECTED:
		on_connected(c, ev->arg);
		break;
	case XTOE_EVT_FREED:
		xlib_conn_detach(c, -ECONNRESET);
		conn_ready(c, XTOE_EV_READABLE | XTOE_EV_HUP, -ECONNRESET);
		break;
	}
}

static int drain_queue(struct xtoe_ctx *ctx, struct spsc *q)
{
	struct xtoe_ev ev;
	int n = 0;

	while (n <= (int)ctx->geo.q_entries && spsc_pop(q, &ev)) {
		on_event(ctx, &ev);
		n++;
	}
	return n;
}

int xlib_drain(struct xtoe_ctx *ctx)
{
	return drain_queue(ctx, &ctx->cp2app) + drain_queue(ctx, &ctx->dp2app);
}

/* --- waiting ------------------------------------------------------------ */

static int daemon_gone(struct xtoe_ctx *ctx)
{
	ctx->dead = true;
	for (uint32_t i = 0; i < ctx->geo.max_flows; i++)
		if (ctx->slots[i])
			xlib_conn_fail(ctx->slots[i], -ECONNRESET);
	return xlib_err(ctx, -ECONNRESET, "daemon closed the control socket; "
			"all connections are reset; restart xtoed and reopen the context");
}

/* Anything readable on the control socket outside a request means EOF or a
 * protocol violation: either way the daemon is gone for us. */
static bool sock_event(const struct pollfd *p)
{
	char b;

	if (p->revents & (POLLHUP | POLLERR))
		return true;
	if (!(p->revents & POLLIN))
		return false;
	return recv(p->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != -1 || errno != EAGAIN;
}

static bool collect(struct xtoe_ctx *ctx)
{
	xlib_flush_bumps(ctx);
	xlib_drain(ctx);
	return !ready_empty(ctx);
}

/* Nothing to report: poll a little longer, yielding the core to runnable
 * threads (cores are scarce), at most spin_us and only while the measured
 * gap between events is shorter than that and the spin keeps its core
 * (common/spinwait.h). */
static bool spin(struct xtoe_ctx *ctx)
{
	uint64_t now = now_us();

	spinwait_idle(&ctx->sw, now);
	for (; spinwait_spin(&ctx->sw, now); now = now_us()) {
		if (collect(ctx)) {
			spinwait_work(&ctx->sw, now, false);
			return true;
		}
		sched_yield();
	}
	return false;
}

/* Block until an event, the daemon's exit or the deadline (-1: none).
 * Returns 1 when a signal interrupted the wait. */
static int block(struct xtoe_ctx *ctx, int64_t deadline)
{
	struct pollfd p[2] = {
		{ .fd = ctx->app_efd, .events = POLLIN },
		{ .fd = ctx->sock, .events = POLLIN },
	};
	int tmo = -1, rc;

	if (deadline >= 0) {
		int64_t left = deadline - (int64_t)now_us();

		tmo = left <= 0 ? 0 : (int)((left + 999) / 1000);
	}
	if (ctx->ov_len && (tmo < 0 || tmo > 1))
		tmo = 1; /* bumps still wait for room: come back soon */
	wake_announce_sleep(&ctx->hdr->app_sleeping);
	if (collect(ctx)) {
		wake_cancel_sleep(&ctx->hdr->app_sleeping);
		return 0;
	}
	rc = poll(p, 2, tmo);
	wake_cancel_sleep(&ctx->hdr->app_sleeping);
	wake_drain_fired(&p[0]);
	if (rc < 0 && errno == EINTR)
		return 1; /* a signal: let the caller look at its flags */
	if (rc < 0)
		return xlib_err(ctx, -errno, "poll on the app eventfd: %s", strerror(errno));
	if (rc > 0 && sock_event(&p[1]))
		return daemon_gone(ctx);
	return 0;
}

/* Timeout 0 after xtoe_ctx_fd(): leave the sleep flag raised so the daemon
 * signals the fd when the next event arrives. */
static void arm_fd(struct xtoe_ctx *ctx)
{
	wake_announce_sleep(&ctx->hdr->app_sleeping);
	if (collect(ctx))
		wake_cancel_sleep(&ctx->hdr->app_sleeping);
}

int xtoe_wait(struct xtoe_ctx *ctx, struct xtoe_event *evs, int max,
	      int timeout_ms)
{
	int64_t deadline = -1;
	int err;

	if (max <= 0)
		return xlib_err(ctx, -EINVAL, "xtoe_wait needs room for at least one event");
	if (ctx->dead)
		return -ECONNRESET;
	if (ctx->fd_armed) {
		wake_cancel_sleep(&ctx->hdr->app_sleeping);
		wake_drain(ctx->app_efd);
	}
	if (collect(ctx))
		return emit(ctx, evs, max);
	if (timeout_ms == 0) {
		if (ctx->fd_armed)
			arm_fd(ctx);
		return emit(ctx, evs, max);
	}
	if (spin(ctx))
		return emit(ctx, evs, max);
	if (timeout_ms > 0)
		deadline = (int64_t)now_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		err = block(ctx, deadline);
		if (err)
			return err < 0 ? err : emit(ctx, evs, max);
		if (collect(ctx)) {
			spinwait_work(&ctx->sw, now_us(), true);
			return emit(ctx, evs, max);
		}
		if (deadline >= 0 && (int64_t)now_us() >= deadline)
			return 0;
	}
}
