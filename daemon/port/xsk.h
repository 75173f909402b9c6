/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP port: one XDP socket bound to one queue of an interface, its UMEM,
 * and the four rings. Used by exactly one data-path thread (not thread-safe).
 *
 * Frame ownership: every UMEM frame is at any time in exactly one place:
 * the free stack, the fill ring (kernel), the rx ring / held by the caller
 * after xsk_port_rx, a tx frame the caller allocated, the tx ring, or the
 * completion ring. xsk_port_frames_accounted() checks that nothing leaked.
 */
#ifndef XTOE_XSK_H
#define XTOE_XSK_H

#include <stdbool.h>
#include <stdint.h>

#include "port.h"

struct xsk_port;

enum xsk_bind_mode {
	XSK_BIND_AUTO,  /* try zero-copy, fall back to copy */
	XSK_BIND_COPY,
	XSK_BIND_ZEROCOPY,
};

struct xsk_port_cfg {
	uint32_t queue;        /* interface queue id */
	uint32_t num_frames;   /* UMEM frames (power of two), e.g. 8192 */
	uint32_t frame_size;   /* 2048 or 4096 */
	uint32_t ring_size;    /* rx/tx/fill/completion entries, e.g. 2048 */
	enum xsk_bind_mode bind;
	bool need_wakeup;      /* XDP_USE_NEED_WAKEUP (default true) */
	bool sg;               /* multi-buffer frames when the kernel has them
				  (XDP_USE_SG; default true) */
	enum port_tx_gso gso;  /* merge runs of consecutive segments into GSO
				  frames sent through a packet socket
				  (xsk_gso.c; default off) */
};

void xsk_port_cfg_default(struct xsk_port_cfg *cfg);
/* Bytes of a packet one UMEM frame of cfg holds (after the headroom). */
uint32_t xsk_port_cfg_room(const struct xsk_port_cfg *cfg);

/* Frames (struct port_frame, port.h): data points into the UMEM; give a
 * received frame back with xsk_port_free() (or reuse it for tx with
 * xsk_port_tx_submit). */

/*
 * Create the UMEM and socket on ifname/queue. The port does not load any
 * XDP program (xtoe attaches its own and registers the socket fd in its
 * XSKMAP). Errors: -errno with a message on stderr naming the interface.
 */
int xsk_port_open(struct xsk_port **out, const char *ifname,
		  const struct xsk_port_cfg *cfg);
void xsk_port_close(struct xsk_port *p);
/* The socket fd: for the XSKMAP and for poll(POLLIN). */
int xsk_port_fd(const struct xsk_port *p);

/* Receive up to max frames (also refills the fill ring and reaps
 * completions). Returns the count. */
uint32_t xsk_port_rx(struct xsk_port *p, struct port_frame *frames, uint32_t max);
/* Return a received frame (or an unused tx frame) to the free stack. */
void xsk_port_free(struct xsk_port *p, uint64_t addr);

/* Allocate a frame to build a packet in; false when none is free. */
bool xsk_port_tx_alloc(struct xsk_port *p, struct port_frame *f);
/* Queue a frame (allocated or received) of len bytes for transmission.
 * Queued frames are handed to the kernel by xsk_port_tx_flush (and, when
 * the local batch is full, automatically). Returns false if the tx ring is
 * full (the frame is then freed and counted as a tx drop). */
bool xsk_port_tx_submit(struct xsk_port *p, uint64_t addr, uint32_t len);
/* Publish queued tx frames and kick the kernel if it needs a wakeup. */
void xsk_port_tx_flush(struct xsk_port *p);
/* Frames queued or in flight that the kernel has not completed yet. */
uint32_t xsk_port_tx_pending(const struct xsk_port *p);
/* Frames the kernel sends per copy-mode kick (XDP_MAX_TX_SKB_BUDGET). */
uint32_t xsk_port_tx_budget(const struct xsk_port *p);

/* The frame size (usable bytes per frame, from data start). */
uint32_t xsk_port_frame_size(const struct xsk_port *p);
/* The largest frame the port carries: a big frame's size with multi-buffer,
 * else the frame size. */
uint32_t xsk_port_frame_max(const struct xsk_port *p);
/* A big frame (frame_max bytes) to build a packet in, for what does not fit
 * one UMEM frame: a slot of consecutive UMEM frames, submitted in place as
 * a chain of descriptors (no copy). false when none is free (until its
 * descriptors complete) or the socket has no multi-buffer. */
bool xsk_port_tx_alloc_big(struct xsk_port *p, struct port_frame *f);

void xsk_port_stats(struct xsk_port *p, struct port_stats *st);

/* true when every frame is accounted for (see top of file). */
bool xsk_port_frames_accounted(const struct xsk_port *p);

#endif /* XTOE_XSK_H */
