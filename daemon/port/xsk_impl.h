/* SPDX-License-Identifier: MIT */
/*
 * The AF_XDP port's inside, shared by its files: xsk.c (rings, frames,
 * accounting) and xsk_gso.c (merged frames through a packet socket).
 */
#ifndef XTOE_XSK_IMPL_H
#define XTOE_XSK_IMPL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "port.h"

struct xsk_gso;

#ifndef XDP_PACKET_HEADROOM
#define XDP_PACKET_HEADROOM 256
#endif
#define XSK_DATA_OFF   XDP_PACKET_HEADROOM
#define XSK_TX_BATCH   64   /* local tx batch published with one submit */
#define XSK_FILL_BATCH 64   /* fill ring top-up granularity */
#define XSK_TX_BUDGET  32   /* frames the kernel sends per copy-mode kick */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9 /* Linux 6.17: raise that per socket */
#endif
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
/* Big frames to send are built in place in the UMEM: slots of consecutive
 * UMEM frames at its top, never given to the fill ring, so a packet is
 * contiguous where the data-path writes it and goes out as descriptors
 * of whole frames (no copy). A slot is free again once every descriptor
 * of its packet has completed. */
#define XSK_BTX_SLOTS  64u
#define XSK_BTX_HELD   0xffu    /* btx_out: allocated, not submitted */

enum frame_where {
	FR_FREE,  /* free stack */
	FR_FILL,  /* fill ring or rx ring: the kernel's */
	FR_HELD,  /* caller: received or allocated */
	FR_TXQ,   /* local tx batch */
	FR_TX,    /* tx ring or completion ring */
	FR_BTX,   /* in a big-frame tx slot (for good) */
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
	uint32_t tx_budget;    /* frames the kernel sends per kick */
	uint32_t num_frames, frame_size, ring_size;
	uint8_t *where;        /* enum frame_where per frame */
	uint64_t misuse;       /* double frees and other bad calls */
	struct xdp_desc txq[XSK_TX_BATCH];
	struct port_stats st;
	struct xsk_gso *gso;   /* merged transmit (xsk_gso.c); NULL: off */
	/* big frames (multi-buffer); big == NULL when the socket has no SG */
	uint8_t *big;
	uint32_t big_free[XSK_BIG_SLOTS];
	uint32_t nbig_free;
	uint64_t big_drops;    /* received chains that did not fit */
	/* big tx slots (XSK_BTX_SLOTS when the socket has multi-buffer) */
	uint32_t btx_first;    /* frame index of slot 0; num_frames: none */
	uint32_t btx_per;      /* UMEM frames a slot */
	uint32_t nbtx_free, btx_inflight;
	uint8_t btx_free[XSK_BTX_SLOTS];
	uint8_t btx_out[XSK_BTX_SLOTS]; /* descriptors not completed, or HELD */
	/* cold */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	size_t area_len;
	char ifname[IF_NAMESIZE];
};

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

static inline uint64_t btx_base(const struct xsk_port *p, uint32_t slot)
{
	return (uint64_t)(p->btx_first + slot * p->btx_per) * p->frame_size;
}

/* The big tx slot of frame index fi (>= btx_first). */
static inline uint32_t btx_slot(const struct xsk_port *p, uint32_t fi)
{
	return (fi - p->btx_first) / p->btx_per;
}

/* One descriptor of a big tx slot's packet completed (or sent otherwise). */
void btx_done(struct xsk_port *p, uint32_t fi);
/* Move the first limit descriptors of the local batch to the tx ring
 * (those it has room for); returns how many. */
uint32_t publish_upto(struct xsk_port *p, uint32_t limit);
/* Kick the kernel to send the tx ring (copy mode: at once, in the call). */
void kick_tx(struct xsk_port *p);

#endif /* XTOE_XSK_IMPL_H */
