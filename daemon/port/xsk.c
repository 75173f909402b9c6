// SPDX-License-Identifier: MIT
/*
 * AF_XDP port over libxdp's ring helpers.
 *
 * Frame layout: every UMEM frame is frame_size bytes at a multiple of
 * frame_size. The kernel writes received packets XSK_DATA_OFF bytes into
 * the frame (XDP_PACKET_HEADROOM; metadata, if any, just before); frames
 * from xsk_port_tx_alloc get their data pointer at the same offset, so a
 * received frame can be turned around in place. xsk_port_tx_submit takes
 * either the frame start (the packet then starts where the frame's data
 * pointer was) or the exact UMEM address of the packet start.
 *
 * Accounting: each frame has a one-byte state (where it is), and a
 * counter per state is kept, so misuse (double free, submitting a frame
 * the caller does not hold) is caught and counted instead of corrupting
 * the rings; xsk_port_frames_accounted() checks both.
 */
#include "xsk.h"
#include "xsk_impl.h"
#include "xsk_gso.h"
#include "common/log.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_xdp.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	return log_library((int)level, fmt, ap);
}

void xsk_port_cfg_default(struct xsk_port_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->queue = 0;
	cfg->num_frames = 8192;
	cfg->frame_size = 2048;
	cfg->ring_size = 2048;
	cfg->bind = XSK_BIND_AUTO;
	cfg->need_wakeup = true;
	cfg->sg = true;
}

uint32_t xsk_port_cfg_room(const struct xsk_port_cfg *cfg)
{
	return cfg->frame_size - XSK_DATA_OFF;
}

/* One descriptor of a big tx slot's packet completed. */
void btx_done(struct xsk_port *p, uint32_t fi)
{
	uint32_t s = btx_slot(p, fi);

	if (s >= XSK_BTX_SLOTS || !p->btx_out[s] || p->btx_out[s] == XSK_BTX_HELD) {
		p->misuse++;
		return;
	}
	p->btx_inflight--;
	if (--p->btx_out[s] == 0)
		p->btx_free[p->nbtx_free++] = (uint8_t)s;
}

/* Move completed tx frames back to the free stack. */
static void reap_completions(struct xsk_port *p)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&p->comp, p->ring_size, &idx);
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		uint64_t base = frame_base(p, *xsk_ring_cons__comp_addr(&p->comp, idx + i));

		if (frame_idx(p, base) >= p->btx_first)
			btx_done(p, frame_idx(p, base));
		else if (move(p, frame_idx(p, base), FR_TX, FR_FREE))
			push_free(p, base);
	}
	xsk_ring_cons__release(&p->comp, n);
}

/* Top the fill ring up in batches, leaving fill_reserve frames for tx. */
static void refill(struct xsk_port *p)
{
	uint32_t room, n, idx, i;

	if (p->nfree <= p->fill_reserve)
		return;
	room = xsk_prod_nb_free(&p->fill, p->ring_size);
	n = p->nfree - p->fill_reserve;
	if (n > room)
		n = room;
	if (n < XSK_FILL_BATCH && room < p->ring_size)
		return; /* wait for a full batch unless the ring is empty */
	if (!n || xsk_ring_prod__reserve(&p->fill, n, &idx) != n)
		return;
	for (i = 0; i < n; i++) {
		uint64_t base = p->free_stack[--p->nfree];

		p->where[frame_idx(p, base)] = FR_FILL;
		*xsk_ring_prod__fill_addr(&p->fill, idx + i) = base;
	}
	p->count[FR_FREE] -= n;
	p->count[FR_FILL] += n;
	xsk_ring_prod__submit(&p->fill, n);
}

static inline bool is_big(uint64_t addr)
{
	return addr >= XSK_BIG_BASE;
}

static void big_put(struct xsk_port *p, uint64_t addr)
{
	uint64_t slot = addr - XSK_BIG_BASE;

	if (!p->big || slot >= XSK_BIG_SLOTS || p->nbig_free == XSK_BIG_SLOTS) {
		p->misuse++;
		return;
	}
	p->big_free[p->nbig_free++] = (uint32_t)slot;
}

static bool big_get(struct xsk_port *p, struct port_frame *f)
{
	uint32_t slot;

	if (!p->big || !p->nbig_free)
		return false;
	slot = p->big_free[--p->nbig_free];
	f->addr = XSK_BIG_BASE + slot;
	f->data = p->big + (size_t)slot * XSK_BIG_STRIDE + XSK_BIG_HEAD;
	f->len = 0;
	return true;
}

/* A descriptor the kernel returned: its frame is held by the caller now
 * (by definition no longer in the fill ring; counted held even if its
 * state was odd). Returns the frame's base. */
static uint64_t take_rx(struct xsk_port *p, const struct xdp_desc *d)
{
	uint64_t base = frame_base(p, xsk_umem__add_offset_to_addr(d->addr));
	uint32_t fi = frame_idx(p, base);

	if (!move(p, fi, FR_FILL, FR_HELD) && fi < p->num_frames) {
		p->count[p->where[fi]]--;
		p->count[FR_HELD]++;
		p->where[fi] = FR_HELD;
	}
	return base;
}

/* Descriptors first..last of one packet into a big frame; their UMEM
 * frames go back at once. false (counted) when it cannot be taken. */
static bool gather(struct xsk_port *p, uint32_t idx, uint32_t first, uint32_t last,
		   struct port_frame *f)
{
	bool ok = big_get(p, f);

	for (uint32_t i = first; i <= last; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&p->rx, idx + i);
		uint64_t base = take_rx(p, d);

		const uint8_t *src = p->area + xsk_umem__add_offset_to_addr(d->addr);

		if (ok && i == first) /* the chain's metadata lies before it */
			memcpy(f->data - XSK_BIG_HEAD, src - XSK_BIG_HEAD, XSK_BIG_HEAD);
		if (ok && f->len + d->len <= XSK_BIG_SIZE)
			memcpy(f->data + f->len, src, d->len);
		else if (ok) {
			big_put(p, f->addr);
			ok = false;
		}
		f->len += d->len;
		xsk_port_free(p, base);
	}
	if (!ok)
		p->big_drops++;
	return ok;
}

uint32_t xsk_port_rx(struct xsk_port *p, struct port_frame *frames, uint32_t max)
{
	uint32_t idx, n, i = 0, out = 0;

	reap_completions(p);
	refill(p);
	n = xsk_ring_cons__peek(&p->rx, max + XSK_MAX_FRAGS, &idx);
	if (!n) {
		if (p->need_wakeup && xsk_ring_prod__needs_wakeup(&p->fill))
			recvfrom(p->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	while (i < n && out < max) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&p->rx, idx + i);
		uint32_t last = i;

		while (last < n && (xsk_ring_cons__rx_desc(&p->rx, idx + last)->options &
				    XDP_PKT_CONTD))
			last++;
		if (last == n)
			break; /* the rest of this packet is not here yet */
		if (last == i) {
			frames[out].addr = take_rx(p, d);
			frames[out].data = p->area + xsk_umem__add_offset_to_addr(d->addr);
			frames[out++].len = d->len;
		} else if (gather(p, idx, i, last, &frames[out])) {
			out++;
		}
		i = last + 1;
	}
	xsk_ring_cons__cancel(&p->rx, n - i);
	xsk_ring_cons__release(&p->rx, i);
	p->st.rx_frames += out;
	refill(p);
	return out;
}

/* A big tx slot given back unsent. */
static void btx_put(struct xsk_port *p, uint32_t fi)
{
	uint32_t s = btx_slot(p, fi);

	if (s >= XSK_BTX_SLOTS || p->btx_out[s] != XSK_BTX_HELD) {
		p->misuse++;
		return;
	}
	p->btx_out[s] = 0;
	p->btx_free[p->nbtx_free++] = (uint8_t)s;
}

void xsk_port_free(struct xsk_port *p, uint64_t addr)
{
	uint64_t base = frame_base(p, addr);

	if (is_big(addr)) {
		big_put(p, addr);
		return;
	}
	if (frame_idx(p, base) >= p->btx_first) {
		btx_put(p, frame_idx(p, base));
		return;
	}
	if (move(p, frame_idx(p, base), FR_HELD, FR_FREE))
		push_free(p, base);
}

bool xsk_port_tx_alloc(struct xsk_port *p, struct port_frame *f)
{
	uint64_t base;

	if (!p->nfree) {
		reap_completions(p);
		if (!p->nfree)
			return false;
	}
	base = p->free_stack[--p->nfree];
	p->where[frame_idx(p, base)] = FR_HELD;
	p->count[FR_FREE]--;
	p->count[FR_HELD]++;
	f->addr = base;
	f->data = p->area + base + XSK_DATA_OFF;
	f->len = 0;
	return true;
}

bool xsk_port_tx_alloc_big(struct xsk_port *p, struct port_frame *f)
{
	uint32_t s;

	if (!p->nbtx_free)
		reap_completions(p);
	if (!p->nbtx_free)
		return false;
	s = p->btx_free[--p->nbtx_free];
	p->btx_out[s] = XSK_BTX_HELD;
	f->addr = btx_base(p, s);
	f->data = p->area + f->addr + XSK_DATA_OFF;
	f->len = 0;
	return true;
}

uint32_t xsk_port_frame_max(const struct xsk_port *p)
{
	return p->big ? XSK_BIG_SIZE : xsk_port_frame_size(p);
}

void kick_tx(struct xsk_port *p)
{
	uint32_t tries = p->ring_size / p->tx_budget + 1;

	if (p->need_wakeup && !xsk_ring_prod__needs_wakeup(&p->tx)) {
		p->kick_pending = false;
		return;
	}
	/* A copy-mode kick sends at most tx_budget frames and returns
	 * EAGAIN when more are queued: kick again while that happens. */
	while (tries--) {
		p->st.tx_kicks++;
		if (sendto(p->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0) {
			p->kick_pending = false;
			return;
		}
		if (errno != EAGAIN)
			break;
	}
	/* EAGAIN/EBUSY/ENOBUFS (or a down link): retry on the next flush */
	p->kick_pending = true;
}

/* Move the first limit descriptors of the local batch to the tx ring, as
 * many as it has room for (a packet's descriptors together); no kick.
 * Returns how many moved. */
uint32_t publish_upto(struct xsk_port *p, uint32_t limit)
{
	uint32_t n = limit, idx, i, k = 0; /* k: frames of the free pool */

	if (n) {
		uint32_t room = xsk_prod_nb_free(&p->tx, n);

		if (n > room)
			n = room;
		while (n && (p->txq[n - 1].options & XDP_PKT_CONTD))
			n--; /* a packet's descriptors go to the kernel together */
	}
	if (!n || xsk_ring_prod__reserve(&p->tx, n, &idx) != n)
		return 0;
	for (i = 0; i < n; i++) {
		uint32_t fi = frame_idx(p, p->txq[i].addr);

		*xsk_ring_prod__tx_desc(&p->tx, idx + i) = p->txq[i];
		if (fi < p->btx_first) {
			p->where[fi] = FR_TX;
			k++;
		}
	}
	xsk_ring_prod__submit(&p->tx, n);
	p->count[FR_TXQ] -= k;
	p->count[FR_TX] += k;
	p->st.tx_frames += n;
	p->txq_n -= n;
	if (p->txq_n)
		memmove(p->txq, p->txq + n, p->txq_n * sizeof(p->txq[0]));
	return n;
}

/* The local batch to the wire: merged runs through the packet socket
 * (xsk_gso.c) when that is on, the rest to the tx ring. True when some
 * went to the ring (it needs a kick). */
static bool publish_txq(struct xsk_port *p)
{
	if (p->gso)
		xsk_gso_send_runs(p);
	return publish_upto(p, p->txq_n) > 0;
}

void xsk_port_tx_flush(struct xsk_port *p)
{
	reap_completions(p);
	if (publish_txq(p))
		p->kick_pending = true;
	if (p->kick_pending)
		kick_tx(p);
}

/* Room for n more descriptors in the local batch. A full batch goes to
 * the tx ring without a kick: the round's flush kicks once for all it
 * queued (up to tx_budget frames a kick). Only a full ring is kicked
 * here, to make room. */
static void txq_make_room(struct xsk_port *p, uint32_t n)
{
	if (p->txq_n + n <= XSK_TX_BATCH)
		return;
	if (publish_txq(p))
		p->kick_pending = true;
	if (p->txq_n + n <= XSK_TX_BATCH)
		return;
	kick_tx(p);
	reap_completions(p);
	if (publish_txq(p))
		p->kick_pending = true;
}

/* Queue one descriptor (room checked by the caller). */
static void txq_push(struct xsk_port *p, uint64_t data, uint32_t len, uint32_t options)
{
	p->txq[p->txq_n].addr = data;
	p->txq[p->txq_n].len = len;
	p->txq[p->txq_n].options = options;
	p->txq_n++;
}

/* A big tx slot's packet: one descriptor per UMEM frame it covers
 * (XDP_PKT_CONTD on all but the last), queued together. */
static bool submit_btx(struct xsk_port *p, uint64_t base, uint32_t len)
{
	uint32_t s = btx_slot(p, frame_idx(p, base));
	uint64_t at = base + XSK_DATA_OFF, end = at + len;
	uint32_t n = len ? (uint32_t)((end - 1 - base) >> p->frame_shift) + 1 : 0;

	if (s >= XSK_BTX_SLOTS || p->btx_out[s] != XSK_BTX_HELD || !n || n > p->btx_per) {
		p->misuse++;
		return false;
	}
	txq_make_room(p, n);
	if (p->txq_n + n > XSK_TX_BATCH) {
		p->st.tx_drops++;
		btx_put(p, frame_idx(p, base));
		return false;
	}
	for (; at < end; at = frame_base(p, at) + p->frame_size) {
		uint64_t stop = frame_base(p, at) + p->frame_size;
		uint32_t k = (uint32_t)((stop < end ? stop : end) - at);

		txq_push(p, at, k, at + k < end ? XDP_PKT_CONTD : 0);
	}
	p->btx_out[s] = (uint8_t)n;
	p->btx_inflight += n;
	return true;
}

bool xsk_port_tx_submit(struct xsk_port *p, uint64_t addr, uint32_t len)
{
	uint64_t base = frame_base(p, addr);
	uint32_t fi = frame_idx(p, base);
	uint64_t data = addr == base ? base + XSK_DATA_OFF : addr;

	if (is_big(addr)) { /* received big frames are not sent */
		big_put(p, addr);
		p->misuse++;
		return false;
	}
	if (fi >= p->btx_first && fi < p->num_frames)
		return submit_btx(p, base, len);
	if (__builtin_expect(fi >= p->num_frames || p->where[fi] != FR_HELD, 0)) {
		p->misuse++;
		return false;
	}
	txq_make_room(p, 1);
	if (p->txq_n == XSK_TX_BATCH || data - base + len > p->frame_size) {
		p->st.tx_drops++;
		xsk_port_free(p, base);
		return false;
	}
	move(p, fi, FR_HELD, FR_TXQ);
	txq_push(p, data, len, 0);
	return true;
}

uint32_t xsk_port_tx_pending(const struct xsk_port *p)
{
	return p->count[FR_TXQ] + p->count[FR_TX] + p->btx_inflight;
}

uint32_t xsk_port_tx_budget(const struct xsk_port *p)
{
	return p->tx_budget;
}

uint32_t xsk_port_frame_size(const struct xsk_port *p)
{
	return p->frame_size - XSK_DATA_OFF;
}

int xsk_port_fd(const struct xsk_port *p)
{
	return p->fd;
}

void xsk_port_stats(struct xsk_port *p, struct port_stats *st)
{
	struct xdp_statistics xs;
	socklen_t len = sizeof(xs);

	*st = p->st;
	if (getsockopt(p->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) == 0) {
		st->rx_dropped = xs.rx_dropped + p->big_drops;
		st->rx_invalid = xs.rx_invalid_descs;
		st->rx_ring_full = xs.rx_ring_full;
		st->fill_empty = xs.rx_fill_ring_empty_descs;
	}
	st->frames_free = p->nfree;
	st->frames_total = p->num_frames;
}

/* Descriptors of big tx slots in the local batch. */
static uint32_t btx_queued(const struct xsk_port *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->txq_n; i++)
		n += frame_idx(p, p->txq[i].addr) >= p->btx_first;
	return n;
}

bool xsk_port_frames_accounted(const struct xsk_port *p)
{
	uint32_t seen[FR__COUNT] = { 0 };
	uint32_t i, sum = 0;

	for (i = 0; i < p->num_frames; i++) {
		if (p->where[i] >= FR__COUNT)
			return false;
		seen[p->where[i]]++;
	}
	for (i = 0; i < FR__COUNT; i++) {
		if (seen[i] != p->count[i])
			return false;
		sum += p->count[i];
	}
	return !p->misuse && sum == p->num_frames &&
	       p->nfree == p->count[FR_FREE] &&
	       p->txq_n == p->count[FR_TXQ] + btx_queued(p);
}

static bool pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

static int check_cfg(const char *ifname, const struct xsk_port_cfg *c)
{
	const char *bad = NULL;

	if (!pow2(c->num_frames))
		bad = "num_frames must be a power of two";
	else if (c->frame_size != 2048 && c->frame_size != 4096)
		bad = "frame_size must be 2048 or 4096";
	else if (!pow2(c->ring_size))
		bad = "ring_size must be a power of two";
	else if (c->num_frames < 2 * c->ring_size)
		bad = "num_frames must be at least twice ring_size";
	if (bad) {
		log_err("xsk: %s: %s", ifname, bad);
		return -EINVAL;
	}
	return 0;
}

/* The top of the UMEM becomes the big tx slots (taken off the free stack,
 * where the highest frames lie at the bottom). Only with multi-buffer. */
static int btx_open(struct xsk_port *p)
{
	uint32_t per = (XSK_BIG_SIZE + XSK_DATA_OFF + p->frame_size - 1) / p->frame_size;
	uint32_t r = per * XSK_BTX_SLOTS;

	if (r > p->num_frames / 4 || p->nfree != p->num_frames)
		return -EINVAL;
	memmove(p->free_stack, p->free_stack + r, (p->nfree - r) * sizeof(*p->free_stack));
	p->nfree -= r;
	p->count[FR_FREE] -= r;
	p->count[FR_BTX] += r;
	p->btx_first = p->num_frames - r;
	p->btx_per = per;
	memset(p->where + p->btx_first, FR_BTX, r);
	for (uint32_t s = XSK_BTX_SLOTS; s-- > 0;)
		p->btx_free[p->nbtx_free++] = (uint8_t)s;
	return 0;
}

static int big_open(struct xsk_port *p)
{
	p->big = mmap(NULL, (size_t)XSK_BIG_SLOTS * XSK_BIG_STRIDE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->big == MAP_FAILED) {
		p->big = NULL;
		return -errno;
	}
	for (uint32_t i = XSK_BIG_SLOTS; i-- > 0;)
		p->big_free[p->nbig_free++] = i;
	return btx_open(p);
}

static int create_socket_flags(struct xsk_port *p, const struct xsk_port_cfg *cfg,
				uint16_t mode_flag)
{
	struct xsk_socket_config sc = {
		.rx_size = cfg->ring_size,
		.tx_size = cfg->ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = mode_flag | (cfg->need_wakeup ? XDP_USE_NEED_WAKEUP : 0),
	};

	int err;

	/* A socket on this queue whose process just exited is released by
	 * the kernel a moment later: a quick restart waits for it (3 s). */
	for (int i = 0;; i++) {
		err = xsk_socket__create(&p->xsk, p->ifname, cfg->queue, p->umem,
					 &p->rx, &p->tx, &sc);
		if (err != -EBUSY || i == 300)
			return err;
		usleep(10000);
	}
}

/* Multi-buffer when the kernel has it (Linux 6.6), else frames of one
 * UMEM frame only; the big frames' memory comes with it. */
static int create_socket(struct xsk_port *p, const struct xsk_port_cfg *cfg,
			 uint16_t mode_flag)
{
	int err = -EINVAL;

	if (cfg->sg) {
		err = create_socket_flags(p, cfg, mode_flag | XDP_USE_SG);
		if (!err)
			return big_open(p);
	}
	if (err == -EINVAL || err == -EOPNOTSUPP)
		err = create_socket_flags(p, cfg, mode_flag);
	return err;
}

/* Let one copy-mode kick send the whole tx ring (Linux 6.17); older
 * kernels send XSK_TX_BUDGET frames a kick, and kick_tx repeats. */
static void set_tx_budget(struct xsk_port *p)
{
	uint32_t b = p->ring_size;

	p->tx_budget = XSK_TX_BUDGET;
	if (b <= XSK_TX_BUDGET)
		return;
	if (!setsockopt(p->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &b, sizeof(b)))
		p->tx_budget = b;
	else
		log_debug("xsk: %s: the kernel keeps %u frames per transmit kick "
			  "(XDP_MAX_TX_SKB_BUDGET: %s; Linux 6.17 raises it)",
			  p->ifname, XSK_TX_BUDGET, strerror(errno));
}

static void socket_error(const struct xsk_port *p, const struct xsk_port_cfg *cfg,
			 int err)
{
	const char *hint = "";

	if (err == -EOPNOTSUPP && cfg->bind == XSK_BIND_ZEROCOPY)
		hint = "; the driver has no zero-copy AF_XDP: use copy mode";
	else if (err == -EBUSY)
		hint = "; another AF_XDP socket is bound to this queue";
	else if (err == -EINVAL)
		hint = "; check that the queue exists (ethtool -l) and the "
		       "interface is up";
	else if (err == -EPERM)
		hint = "; AF_XDP needs root (CAP_NET_RAW, CAP_BPF)";
	log_err("xsk: %s queue %u: creating the AF_XDP socket failed: "
		"%s%s", p->ifname, cfg->queue, strerror(-err), hint);
}

int xsk_port_open(struct xsk_port **out, const char *ifname,
		  const struct xsk_port_cfg *cfg)
{
	struct xsk_umem_config uc;
	struct xsk_port *p;
	uint32_t i;
	int err;

	*out = NULL;
	libxdp_set_print(libxdp_print);
	if (!ifname || strlen(ifname) >= IF_NAMESIZE) {
		log_err("xsk: bad interface name");
		return -EINVAL;
	}
	err = check_cfg(ifname, cfg);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	p->fd = -1;
	p->num_frames = cfg->num_frames;
	p->btx_first = cfg->num_frames; /* no big tx slots (btx_open) */
	p->frame_size = cfg->frame_size;
	p->frame_shift = (uint32_t)__builtin_ctz(cfg->frame_size);
	p->ring_size = cfg->ring_size;
	p->need_wakeup = cfg->need_wakeup;
	p->fill_reserve = cfg->num_frames / 8;
	p->free_stack = calloc(cfg->num_frames, sizeof(*p->free_stack));
	p->where = calloc(cfg->num_frames, 1);
	if (!p->free_stack || !p->where) {
		err = -ENOMEM;
		goto fail;
	}
	p->area_len = (size_t)cfg->num_frames * cfg->frame_size;
	p->area = mmap(NULL, p->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p->area == MAP_FAILED) {
		err = -errno;
		p->area = NULL;
		log_err("xsk: %s: mapping a %zu-byte UMEM failed: %s",
			ifname, p->area_len, strerror(-err));
		goto fail;
	}
	for (i = cfg->num_frames; i-- > 0;)
		push_free(p, (uint64_t)i * cfg->frame_size);
	p->count[FR_FREE] = cfg->num_frames;

	uc = (struct xsk_umem_config){
		.fill_size = cfg->ring_size,
		.comp_size = cfg->ring_size,
		.frame_size = cfg->frame_size,
		.frame_headroom = 0,
		.flags = 0,
	};
	err = xsk_umem__create(&p->umem, p->area, p->area_len, &p->fill,
			       &p->comp, &uc);
	if (err) {
		log_err("xsk: %s: registering the UMEM failed: %s "
			"(locked-memory limit? try `ulimit -l unlimited`)",
			ifname, strerror(-err));
		p->umem = NULL;
		goto fail;
	}
	switch (cfg->bind) {
	case XSK_BIND_COPY:
		err = create_socket(p, cfg, XDP_COPY);
		break;
	case XSK_BIND_ZEROCOPY:
		err = create_socket(p, cfg, XDP_ZEROCOPY);
		break;
	case XSK_BIND_AUTO:
	default:
		err = create_socket(p, cfg, XDP_ZEROCOPY);
		if (err == -EOPNOTSUPP || err == -EPROTONOSUPPORT)
			err = create_socket(p, cfg, XDP_COPY);
		break;
	}
	if (err) {
		socket_error(p, cfg, err);
		p->xsk = NULL;
		goto fail;
	}
	p->fd = xsk_socket__fd(p->xsk);
	set_tx_budget(p);
	if (cfg->gso != PORT_TX_GSO_OFF) /* on failure: frames go one by one */
		xsk_gso_open(p, cfg->gso == PORT_TX_GSO_AUTO);
	refill(p);
	*out = p;
	return 0;
fail:
	xsk_port_close(p);
	return err;
}

void xsk_port_close(struct xsk_port *p)
{
	if (!p)
		return;
	xsk_gso_close(p);
	if (p->xsk)
		xsk_socket__delete(p->xsk);
	if (p->umem)
		xsk_umem__delete(p->umem);
	if (p->area)
		munmap(p->area, p->area_len);
	if (p->big)
		munmap(p->big, (size_t)XSK_BIG_SLOTS * XSK_BIG_STRIDE);
	free(p->free_stack);
	free(p->where);
	free(p);
}
