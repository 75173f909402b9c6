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

#ifndef XDP_PACKET_HEADROOM
#define XDP_PACKET_HEADROOM 256
#endif
#define XSK_DATA_OFF   XDP_PACKET_HEADROOM
#define XSK_TX_BATCH   64   /* local tx batch published with one submit */
#define XSK_FILL_BATCH 64   /* fill ring top-up granularity */
#define XSK_TX_BUDGET  32   /* frames the kernel sends per copy-mode kick */
/* Multi-buffer (XDP_USE_SG, Linux 6.6): a frame larger than a UMEM frame
 * comes and goes as a chain of descriptors, all but the last marked
 * XDP_PKT_CONTD. The port gathers a received chain into a big frame and
 * scatters a big frame into a chain, so the data-path always sees one
 * contiguous frame. Big frames are addressed above every UMEM address. */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif
#define XSK_BIG_SIZE   16384u   /* bytes of one big frame */
#define XSK_BIG_HEAD   64u      /* before it: the first fragment's metadata */
#define XSK_BIG_STRIDE (XSK_BIG_HEAD + XSK_BIG_SIZE)
#define XSK_BIG_SLOTS  128u     /* big frames held or being built at once */
#define XSK_BIG_BASE   (1ull << 62)
#define XSK_MAX_FRAGS  16u      /* descriptors of one packet, at most */

enum frame_where {
	FR_FREE,  /* free stack */
	FR_FILL,  /* fill ring or rx ring: the kernel's */
	FR_HELD,  /* caller: received or allocated */
	FR_TXQ,   /* local tx batch */
	FR_TX,    /* tx ring or completion ring */
	FR__COUNT
};

struct xsk_port {
	/* hot: rings and the free stack */
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	uint8_t *area;
	uint64_t *free_stack;
	uint32_t nfree;
	uint32_t txq_n;
	uint32_t count[FR__COUNT];
	uint32_t fill_reserve; /* frames fill never takes (kept for tx) */
	uint32_t frame_shift;
	bool need_wakeup;
	bool kick_pending;
	int fd;
	uint32_t num_frames, frame_size, ring_size;
	uint8_t *where;        /* enum frame_where per frame */
	uint64_t misuse;       /* double frees and other bad calls */
	struct xdp_desc txq[XSK_TX_BATCH];
	struct port_stats st;
	/* big frames (multi-buffer); big == NULL when the socket has no SG */
	uint8_t *big;
	uint32_t big_free[XSK_BIG_SLOTS];
	uint32_t nbig_free;
	uint64_t big_drops;    /* received chains that did not fit */
	/* cold */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	size_t area_len;
	char ifname[IF_NAMESIZE];
};

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

static inline uint32_t frame_idx(const struct xsk_port *p, uint64_t addr)
{
	return (uint32_t)(addr >> p->frame_shift);
}

static inline uint64_t frame_base(const struct xsk_port *p, uint64_t addr)
{
	return addr & ~(uint64_t)(p->frame_size - 1);
}

/* Move frame idx from state a to b; false (and counted) if it was not in a. */
static inline bool move(struct xsk_port *p, uint32_t idx, enum frame_where a,
			enum frame_where b)
{
	if (__builtin_expect(idx >= p->num_frames || p->where[idx] != a, 0)) {
		p->misuse++;
		return false;
	}
	p->where[idx] = (uint8_t)b;
	p->count[a]--;
	p->count[b]++;
	return true;
}

static inline void push_free(struct xsk_port *p, uint64_t base)
{
	p->free_stack[p->nfree++] = base;
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

		if (move(p, frame_idx(p, base), FR_TX, FR_FREE))
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

void xsk_port_free(struct xsk_port *p, uint64_t addr)
{
	uint64_t base = frame_base(p, addr);

	if (is_big(addr)) {
		big_put(p, addr);
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
	return big_get(p, f);
}

uint32_t xsk_port_frame_max(const struct xsk_port *p)
{
	return p->big ? XSK_BIG_SIZE : xsk_port_frame_size(p);
}

static void kick_tx(struct xsk_port *p)
{
	uint32_t tries = p->ring_size / XSK_TX_BUDGET + 1;

	if (p->need_wakeup && !xsk_ring_prod__needs_wakeup(&p->tx)) {
		p->kick_pending = false;
		return;
	}
	/* A copy-mode kick sends at most XSK_TX_BUDGET frames and returns
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

void xsk_port_tx_flush(struct xsk_port *p)
{
	uint32_t n, idx, i;

	reap_completions(p);
	n = p->txq_n;
	if (n) {
		uint32_t room = xsk_prod_nb_free(&p->tx, n);

		if (n > room)
			n = room;
		while (n && (p->txq[n - 1].options & XDP_PKT_CONTD))
			n--; /* a packet's descriptors go to the kernel together */
	}
	if (n && xsk_ring_prod__reserve(&p->tx, n, &idx) == n) {
		for (i = 0; i < n; i++) {
			*xsk_ring_prod__tx_desc(&p->tx, idx + i) = p->txq[i];
			p->where[frame_idx(p, p->txq[i].addr)] = FR_TX;
		}
		xsk_ring_prod__submit(&p->tx, n);
		p->count[FR_TXQ] -= n;
		p->count[FR_TX] += n;
		p->st.tx_frames += n;
		p->txq_n -= n;
		if (p->txq_n)
			memmove(p->txq, p->txq + n, p->txq_n * sizeof(p->txq[0]));
		p->kick_pending = true;
	}
	if (p->kick_pending)
		kick_tx(p);
}

/* Queue one descriptor of a frame the caller holds. */
static void txq_add(struct xsk_port *p, uint64_t base, uint64_t data, uint32_t len,
		    uint32_t options)
{
	move(p, frame_idx(p, base), FR_HELD, FR_TXQ);
	p->txq[p->txq_n].addr = data;
	p->txq[p->txq_n].len = len;
	p->txq[p->txq_n].options = options;
	p->txq_n++;
}

/* A big frame as a chain of UMEM frames (XDP_PKT_CONTD on all but the
 * last), queued together; the big frame goes back at once. */
static bool submit_big(struct xsk_port *p, uint64_t addr, uint32_t len)
{
	uint32_t piece = xsk_port_frame_size(p), n = (len + piece - 1) / piece;
	const uint8_t *src = p->big + (addr - XSK_BIG_BASE) * XSK_BIG_STRIDE + XSK_BIG_HEAD;
	bool ok = len <= XSK_BIG_SIZE && n <= XSK_MAX_FRAGS;

	if (ok && p->txq_n + n > XSK_TX_BATCH)
		xsk_port_tx_flush(p);
	if (ok && p->txq_n + n > XSK_TX_BATCH)
		ok = false;
	if (ok && p->nfree < n)
		reap_completions(p);
	ok = ok && p->nfree >= n;
	for (uint32_t i = 0; ok && i < n; i++) {
		struct port_frame fr;
		uint32_t k = i + 1 < n ? piece : len - i * piece;

		xsk_port_tx_alloc(p, &fr);
		memcpy(fr.data, src + (size_t)i * piece, k);
		txq_add(p, fr.addr, fr.addr + XSK_DATA_OFF, k, i + 1 < n ? XDP_PKT_CONTD : 0);
	}
	big_put(p, addr);
	if (!ok)
		p->st.tx_drops++;
	return ok;
}

bool xsk_port_tx_submit(struct xsk_port *p, uint64_t addr, uint32_t len)
{
	uint64_t base = frame_base(p, addr);
	uint32_t fi = frame_idx(p, base);
	uint64_t data = addr == base ? base + XSK_DATA_OFF : addr;

	if (is_big(addr))
		return submit_big(p, addr, len);
	if (__builtin_expect(fi >= p->num_frames || p->where[fi] != FR_HELD, 0)) {
		p->misuse++;
		return false;
	}
	if (p->txq_n == XSK_TX_BATCH)
		xsk_port_tx_flush(p);
	if (p->txq_n == XSK_TX_BATCH || data - base + len > p->frame_size) {
		p->st.tx_drops++;
		xsk_port_free(p, base);
		return false;
	}
	txq_add(p, base, data, len, 0);
	return true;
}

uint32_t xsk_port_tx_pending(const struct xsk_port *p)
{
	return p->count[FR_TXQ] + p->count[FR_TX];
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
	       p->nfree == p->count[FR_FREE] && p->txq_n == p->count[FR_TXQ];
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
	return 0;
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
