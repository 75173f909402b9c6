/* SPDX-License-Identifier: MIT */
/* libxtoe: connection handles, payload rings and bumps to the data-path. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/wake.h"
#include "xtoe_int.h"

/* --- bumps -------------------------------------------------------------- */

#define BUMP_SPIN 4096

static void wake_dp(struct xtoe_ctx *ctx)
{
	wake_sleeper(&ctx->hdr->dp_sleeping, ctx->dp_efd);
}

static bool ov_append(struct xtoe_ctx *ctx, const struct xtoe_bump *b)
{
	if (ctx->ov_len == ctx->ov_cap) {
		uint32_t cap = ctx->ov_cap ? ctx->ov_cap * 2 : 64;
		struct xtoe_bump *n = realloc(ctx->ov, cap * sizeof(*n));

		if (!n)
			return false;
		ctx->ov = n;
		ctx->ov_cap = cap;
	}
	ctx->ov[ctx->ov_len++] = *b;
	return true;
}

void xlib_flush_bumps(struct xtoe_ctx *ctx)
{
	uint32_t i = 0;

	if (!ctx->ov_len || ctx->dead)
		return;
	while (i < ctx->ov_len && spsc_push(&ctx->app2dp, &ctx->ov[i]))
		i++;
	if (i) {
		memmove(ctx->ov, ctx->ov + i, (ctx->ov_len - i) * sizeof(*ctx->ov));
		ctx->ov_len -= i;
	}
	wake_dp(ctx);
}

/* Push now if there is room (spinning a little while the data-path drains
 * the queue), else keep the bump in order behind earlier ones: never lost. */
void xlib_bump(struct xtoe_ctx *ctx, uint32_t type, uint32_t slot, uint32_t gen)
{
	struct xtoe_bump b = { .type = (uint16_t)type, .flow = slot, .gen = gen };

	if (ctx->dead)
		return;
	if (ctx->ov_len)
		xlib_flush_bumps(ctx);
	if (!ctx->ov_len) {
		for (int i = 0; i < BUMP_SPIN; i++) {
			if (spsc_push(&ctx->app2dp, &b)) {
				wake_dp(ctx);
				return;
			}
			if (!i)
				wake_dp(ctx);
		}
	}
	while (!ov_append(ctx, &b)) {
		wake_dp(ctx); /* out of memory: wait for the data-path */
		xlib_flush_bumps(ctx);
	}
	wake_dp(ctx);
}

/* --- handles ------------------------------------------------------------ */

static bool ring_fits(const struct xtoe_ctx *ctx, uint64_t off, uint32_t size)
{
	return size && !(size & (size - 1)) && off <= ctx->size &&
	       size <= ctx->size - off;
}

int xlib_conn_new(struct xtoe_ctx *ctx, uint32_t slot, uint32_t gen,
		  struct xtoe_conn **out)
{
	struct xtoe_flow_shm *fs;
	struct xtoe_conn *c;

	if (slot >= ctx->geo.max_flows)
		return xlib_err(ctx, -EPROTO, "daemon named flow slot %u of %u; "
				"restart xtoed", slot, ctx->geo.max_flows);
	fs = &ctx->flows[slot];
	if (!ring_fits(ctx, fs->rx_off, fs->rx_size) ||
	    !ring_fits(ctx, fs->tx_off, fs->tx_size))
		return xlib_err(ctx, -EPROTO, "flow slot %u has rings outside the "
				"shared memory; restart xtoed", slot);
	c = calloc(1, sizeof(*c));
	if (!c)
		return xlib_err(ctx, -ENOMEM, "no memory for a connection handle");
	c->ctx = ctx;
	c->fs = fs;
	c->slot = slot;
	c->gen = gen;
	c->rx = ctx->base + fs->rx_off;
	c->tx = ctx->base + fs->tx_off;
	c->rx_size = fs->rx_size;
	c->tx_size = fs->tx_size;
	c->rx_head = atomic_load_explicit(&fs->rx_head, memory_order_relaxed);
	c->tx_tail = atomic_load_explicit(&fs->tx_tail, memory_order_relaxed);
	c->laddr = fs->laddr;
	c->raddr = fs->raddr;
	c->lport = fs->lport;
	c->rport = fs->rport;
	c->state = CONN_OPEN;
	if (ctx->slots[slot]) /* the daemon reused a slot we still hold */
		xlib_conn_detach(ctx->slots[slot], -ECONNRESET);
	ctx->slots[slot] = c;
	*out = c;
	return 0;
}

/* The connection failed: keep the handle until the application closes it. */
void xlib_conn_fail(struct xtoe_conn *c, int err)
{
	if (!c->err)
		c->err = err;
	c->state = CONN_FAILED;
}

/* The daemon released the slot: fail the handle and forget the slot. */
void xlib_conn_detach(struct xtoe_conn *c, int err)
{
	xlib_conn_fail(c, err);
	if (c->ctx->slots[c->slot] == c)
		c->ctx->slots[c->slot] = NULL;
}

void xlib_conn_free(struct xtoe_conn *c)
{
	if (c->ctx->slots[c->slot] == c)
		c->ctx->slots[c->slot] = NULL;
	xlib_unready(&c->obj);
	free(c);
}

static bool conn_live(const struct xtoe_conn *c)
{
	return c->ctx->slots[c->slot] == c && !c->ctx->dead &&
	       atomic_load_explicit(&c->fs->gen, memory_order_acquire) == c->gen;
}

/* 0 while usable, else the failure (negative errno). */
static int conn_check(struct xtoe_conn *c, uint32_t st)
{
	if (c->ctx->dead)
		return -ECONNRESET;
	if (c->err)
		return c->err;
	if (st & XTOE_FS_RESET) {
		int e = atomic_load_explicit(&c->fs->error, memory_order_relaxed);

		return e > 0 ? -e : -ECONNRESET;
	}
	if (!conn_live(c))
		return -ECONNRESET;
	return 0;
}

int xtoe_conn_error(const struct xtoe_conn *c)
{
	if (c->state == CONN_CONNECTING && !c->ctx->dead)
		return -EINPROGRESS;
	return conn_check((struct xtoe_conn *)c,
			  atomic_load_explicit(&c->fs->status, memory_order_acquire));
}

/* --- send --------------------------------------------------------------- */

static void ring_put(uint8_t *ring, uint32_t size, uint32_t pos,
		     const uint8_t *src, uint32_t len)
{
	uint32_t off = pos & (size - 1), first = size - off;

	if (first > len)
		first = len;
	memcpy(ring + off, src, first);
	memcpy(ring, src + first, len - first);
}

static void ring_get(const uint8_t *ring, uint32_t size, uint32_t pos,
		     uint8_t *dst, uint32_t len)
{
	uint32_t off = pos & (size - 1), first = size - off;

	if (first > len)
		first = len;
	memcpy(dst, ring + off, first);
	memcpy(dst + first, ring, len - first);
}

/* The send buffer: the data-path's autotuned limit (Linux's sk_sndbuf
 * growing with cwnd), or the application's own (tx_lock, SO_SNDBUF, which
 * turns autotuning off as on Linux); never more than the ring. */
uint32_t xlib_tx_limit(const struct xtoe_conn *c)
{
	uint32_t lim = c->tx_lock ? c->tx_lock :
		       atomic_load_explicit(&c->fs->tx_limit, memory_order_relaxed);

	return !lim || lim > c->tx_size ? c->tx_size : lim;
}

uint32_t xlib_tx_used(const struct xtoe_conn *c)
{
	uint32_t head = atomic_load_explicit(&c->fs->tx_head, memory_order_acquire);
	uint32_t used = c->tx_tail - head;

	return used > c->tx_size ? c->tx_size : used;
}

size_t xtoe_tx_space(const struct xtoe_conn *c)
{
	uint32_t used = xlib_tx_used(c), lim = xlib_tx_limit(c);

	return used >= lim ? 0 : lim - used;
}

ssize_t xtoe_sendv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt)
{
	return xlib_sendv(c, iov, iovcnt, true);
}

/* The data-path may send what was queued up to here as partial segments
 * (with PSH on the last). */
void xlib_push(struct xtoe_conn *c)
{
	if (atomic_load_explicit(&c->fs->tx_push, memory_order_relaxed) == c->tx_tail)
		return;
	atomic_store_explicit(&c->fs->tx_push, c->tx_tail, memory_order_release);
	xlib_bump(c->ctx, XTOE_BUMP_TX, c->slot, c->gen);
}

void xlib_tx_flags(struct xtoe_conn *c, uint32_t flags)
{
	atomic_store_explicit(&c->fs->tx_flags, flags, memory_order_relaxed);
	xlib_bump(c->ctx, XTOE_BUMP_TX, c->slot, c->gen);
}

int xlib_conn_info(const struct xtoe_conn *c, struct xtoe_flow_info *out)
{
	const struct xtoe_flow_info *in = &c->fs->info;

	for (int i = 0; i < 1000; i++) {
		uint32_t s1 = atomic_load_explicit(&in->seq, memory_order_acquire);

		if (s1 & 1)
			continue;
		memcpy((char *)out + sizeof(out->seq), (const char *)in + sizeof(in->seq),
		       sizeof(*out) - sizeof(out->seq));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&in->seq, memory_order_relaxed) == s1)
			return 0;
	}
	return -EAGAIN;
}

ssize_t xlib_sendv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt, bool push)
{
	uint32_t st = atomic_load_explicit(&c->fs->status, memory_order_acquire);
	uint32_t space, done = 0;
	int err = c->spliced ? -EPIPE : conn_check(c, st);

	xlib_flush_bumps(c->ctx);
	if (err)
		return err;
	if (c->shut_wr)
		return -EPIPE;
	space = (uint32_t)xtoe_tx_space(c);
	if (!space)
		return -EAGAIN;
	for (int i = 0; i < iovcnt && done < space; i++) {
		uint32_t n = space - done;

		if (iov[i].iov_len < n)
			n = (uint32_t)iov[i].iov_len;
		ring_put(c->tx, c->tx_size, c->tx_tail + done, iov[i].iov_base, n);
		done += n;
	}
	if (!done)
		return 0;
	c->tx_tail += done;
	atomic_store_explicit(&c->fs->tx_tail, c->tx_tail, memory_order_release);
	if (push)
		atomic_store_explicit(&c->fs->tx_push, c->tx_tail, memory_order_release);
	xlib_bump(c->ctx, XTOE_BUMP_TX, c->slot, c->gen);
	return done;
}

ssize_t xtoe_send(struct xtoe_conn *c, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return xtoe_sendv(c, &iov, 1);
}

/* --- receive ------------------------------------------------------------ */

static uint32_t rx_avail(const struct xtoe_conn *c)
{
	uint32_t tail = atomic_load_explicit(&c->fs->rx_tail, memory_order_acquire);
	uint32_t avail = tail - c->rx_head;

	return avail > c->rx_size ? c->rx_size : avail;
}

size_t xtoe_rx_avail(const struct xtoe_conn *c)
{
	return c->ctx->slots[c->slot] == c ? rx_avail(c) : 0;
}

/*
 * Copy from the receive ring into iov; consume: advance rx_head too (else a
 * peek). The status word is read before rx_tail, never after: the data-path
 * publishes the last byte (rx_tail, release) before it sets RX_FIN, so a
 * FIN seen first guarantees the rx_tail read next is final, and "no bytes,
 * FIN" is the true end of the stream. Read the other way round, a FIN that
 * arrived between the two reads, with bytes before it, would end the
 * stream early.
 */
static ssize_t rx_copy(struct xtoe_conn *c, const struct iovec *iov, int iovcnt,
		       bool consume)
{
	uint32_t st = atomic_load_explicit(&c->fs->status, memory_order_acquire);
	uint32_t avail, done = 0;
	int err = conn_check(c, st);

	xlib_flush_bumps(c->ctx);
	/* like Linux, bytes received before a reset are read first */
	avail = !c->ctx->dead && conn_live(c) ? rx_avail(c) : 0;
	if (err && !(avail && (st & XTOE_FS_RESET)))
		return err;
	if (!avail)
		return st & XTOE_FS_RX_FIN ? 0 : -EAGAIN;
	for (int i = 0; i < iovcnt && done < avail; i++) {
		uint32_t n = avail - done;

		if (iov[i].iov_len < n)
			n = (uint32_t)iov[i].iov_len;
		ring_get(c->rx, c->rx_size, c->rx_head + done, iov[i].iov_base, n);
		done += n;
	}
	if (!done || !consume)
		return done;
	c->rx_head += done;
	atomic_store_explicit(&c->fs->rx_head, c->rx_head, memory_order_release);
	if (avail > c->rx_size / 4) /* the peer's window may need reopening */
		xlib_bump(c->ctx, XTOE_BUMP_RX, c->slot, c->gen);
	return done;
}

ssize_t xtoe_recvv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt)
{
	return rx_copy(c, iov, iovcnt, true);
}

ssize_t xlib_peekv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt)
{
	return rx_copy(c, iov, iovcnt, false);
}

ssize_t xtoe_recv(struct xtoe_conn *c, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return xtoe_recvv(c, &iov, 1);
}

/* --- teardown ----------------------------------------------------------- */

int xtoe_shutdown(struct xtoe_conn *c)
{
	uint32_t st = atomic_load_explicit(&c->fs->status, memory_order_acquire);
	int err = conn_check(c, st);

	if (err)
		return err;
	if (!c->shut_wr) {
		c->shut_wr = true;
		xlib_bump(c->ctx, XTOE_BUMP_SHUTWR, c->slot, c->gen);
	}
	return 0;
}

static void conn_release(struct xtoe_conn *c, uint32_t bump)
{
	if (!c)
		return;
	if (c->ctx->slots[c->slot] == c && !c->ctx->dead)
		xlib_bump(c->ctx, bump, c->slot, c->gen);
	xlib_conn_free(c);
}

void xtoe_close(struct xtoe_conn *c)
{
	conn_release(c, XTOE_BUMP_CLOSE);
}

void xtoe_abort(struct xtoe_conn *c)
{
	conn_release(c, XTOE_BUMP_ABORT);
}

/* --- accessors ---------------------------------------------------------- */

void xtoe_conn_addrs(const struct xtoe_conn *c, struct sockaddr_in *local,
		     struct sockaddr_in *peer)
{
	if (local)
		*local = (struct sockaddr_in){ .sin_family = AF_INET,
			.sin_addr.s_addr = c->laddr, .sin_port = c->lport };
	if (peer)
		*peer = (struct sockaddr_in){ .sin_family = AF_INET,
			.sin_addr.s_addr = c->raddr, .sin_port = c->rport };
}

void xtoe_conn_set_user(struct xtoe_conn *c, void *user)
{
	c->user = user;
}

void *xtoe_conn_user(const struct xtoe_conn *c)
{
	return c->user;
}
