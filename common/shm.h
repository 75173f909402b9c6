/* SPDX-License-Identifier: MIT */
/*
 * Layout of one application context's shared memory (a memfd created by the
 * daemon, mapped by the daemon and by the application).
 *
 *   [hdr][flow slots x max_flows][dp2app queue][cp2app queue][app2dp queue]
 *   [payload area: per slot, rx ring (rx_size) then tx ring (tx_size)]
 *
 * Offsets and sizes in the header are written by the daemon before the fd is
 * handed over. The daemon never trusts them afterwards: it keeps its own copy.
 *
 * Payload rings use free-running 32-bit byte counters; the byte at counter n
 * lives at offset (n & (size - 1)). Sizes are powers of two.
 *
 *   rx ring: data-path writes bytes then advances rx_tail (release);
 *            the application reads and advances rx_head.
 *   tx ring: the application writes bytes then advances tx_tail (release);
 *            the data-path transmits and, once acknowledged, advances tx_head.
 *
 * Events (struct xtoe_ev) are hints: the counters and the status word in the
 * flow slot are the truth. Every event carries the slot generation; an event
 * whose generation does not match the slot's current one is stale.
 */
#ifndef XTOE_SHM_H
#define XTOE_SHM_H

#include <stdatomic.h>
#include <stdint.h>

#include "spsc.h"

#define XTOE_SHM_MAGIC 0x78746f65u /* "xtoe" */
#define XTOE_SHM_VERSION 2

/* Flow status bits (xtoe_flow_shm.status), written by the daemon. */
enum {
	XTOE_FS_OPEN = 1u << 0,    /* connection established */
	XTOE_FS_RX_FIN = 1u << 1,  /* peer sent FIN: no data after rx_tail */
	XTOE_FS_RESET = 1u << 2,   /* connection reset / failed; see error */
	XTOE_FS_TX_FIN = 1u << 3,  /* our FIN is queued (shutdown or close) */
	XTOE_FS_DONE = 1u << 4,    /* data-path finished with this flow */
};

/* Send hints (xtoe_flow_shm.tx_flags), written by the application. */
enum {
	XTOE_TX_NAGLE = 1u << 0, /* hold small segments while one is unacked
				    (RFC 896; sockets without TCP_NODELAY) */
};

/*
 * What the data-path knows of a connection, for TCP_INFO: written under a
 * sequence lock (seq odd while it writes) each time it services the flow.
 * Sizes in bytes, times in microseconds.
 */
struct xtoe_flow_info {
	_Atomic uint32_t seq;
	uint8_t state;   /* Linux's numbering (TCP_ESTABLISHED 1 ...) */
	uint8_t ca_state, backoff, options;        /* options: XTOE_TI_* */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t reordering;                       /* segments */
	uint32_t rto, ato, snd_mss, adv_mss, pmtu;
	uint32_t unacked, sacked, retrans_out;   /* segments */
	uint32_t rtt, rttvar, min_rtt;
	uint32_t snd_cwnd, snd_ssthresh;          /* bytes */
	uint32_t snd_wnd, rcv_wnd, rcv_space, notsent;
	uint32_t tx_sent;                         /* tx counter sent up to */
	uint32_t total_retrans, total_rto, segs_out, segs_in;
	uint32_t data_segs_out, data_segs_in;
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
	uint64_t last_data_sent, last_data_recv, last_ack_recv, now;
};

enum { XTOE_TI_TS = 1, XTOE_TI_SACK = 2, XTOE_TI_WSCALE = 4, XTOE_TI_ECN = 8 };

struct xtoe_flow_shm {
	/* Written by the data-path / control plane. */
	_Atomic uint32_t rx_tail;
	_Atomic uint32_t tx_head;
	_Atomic uint32_t status;
	_Atomic int32_t error; /* positive errno when XTOE_FS_RESET */
	_Atomic uint32_t gen;  /* slot generation, bumped on each reuse */
	_Atomic uint32_t tx_limit; /* what the application may queue in the
				      tx ring (send-buffer autotuning; it
				      only grows; 0: the whole ring) */
	uint32_t _pad0[10];
	/* Written by the application. */
	_Atomic uint32_t rx_head;
	_Atomic uint32_t tx_tail;
	_Atomic uint32_t tx_push;  /* tx counter where the last write that
				      wants its data sent ended (PSH; beyond
				      it partial segments wait: cork) */
	_Atomic uint32_t tx_flags; /* XTOE_TX_* */
	uint32_t _pad1[12];
	/* Written by the control plane before the flow is announced. */
	uint32_t laddr, raddr; /* network byte order */
	uint16_t lport, rport; /* network byte order */
	uint32_t rx_size, tx_size;
	uint64_t rx_off, tx_off; /* from the start of the mapping */
	uint32_t mss;
	uint32_t _pad2[7];
	/* Written by the data-path. */
	struct xtoe_flow_info info;
} __attribute__((aligned(64)));

/* Event types, daemon -> application. */
enum xtoe_ev_type {
	XTOE_EVT_RX = 1,      /* rx_tail advanced */
	XTOE_EVT_TX,          /* tx_head advanced: space freed */
	XTOE_EVT_STATUS,      /* status word changed (FIN, RESET, DONE) */
	XTOE_EVT_ACCEPT,      /* new connection on listener arg (slot = flow) */
	XTOE_EVT_CONNECTED,   /* active open finished; arg = errno or 0 */
	XTOE_EVT_FREED,       /* slot released; the app may forget it */
};

struct xtoe_ev {
	uint16_t type;
	uint16_t _rsv;
	uint32_t flow; /* slot index */
	uint32_t gen;
	uint32_t arg;
};

/* Bump types, application -> data-path. */
enum xtoe_bump_type {
	XTOE_BUMP_TX = 1, /* tx_tail advanced */
	XTOE_BUMP_RX,     /* rx_head advanced: receive window may reopen */
	XTOE_BUMP_SHUTWR, /* send FIN after queued data */
	XTOE_BUMP_CLOSE,  /* application is done with the slot (implies SHUTWR) */
	XTOE_BUMP_ABORT,  /* send RST, drop queued data */
};

struct xtoe_bump {
	uint16_t type;
	uint16_t _rsv;
	uint32_t flow;
	uint32_t gen;
	uint32_t _rsv2;
};

struct xtoe_shm_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t max_flows;
	uint32_t q_entries; /* entries in each of the three queues */
	uint32_t rx_size, tx_size; /* per-flow ring sizes */
	uint64_t size;      /* total mapping size */
	uint64_t flows_off;
	uint64_t dp2app_off, cp2app_off, app2dp_off;
	uint64_t buf_off;
	/* Sleep flags (see wake.h). */
	_Atomic uint32_t app_sleeping __attribute__((aligned(64)));
	_Atomic uint32_t dp_sleeping __attribute__((aligned(64)));
	uint8_t _pad[60];
};

struct xtoe_shm_geom {
	uint32_t max_flows, q_entries, rx_size, tx_size;
};

/* Compute offsets into *hdr (magic..buf_off, size) for the given geometry. */
static inline void xtoe_shm_layout(struct xtoe_shm_hdr *h,
				   const struct xtoe_shm_geom *g)
{
	uint64_t off = sizeof(*h);

	h->magic = XTOE_SHM_MAGIC;
	h->version = XTOE_SHM_VERSION;
	h->max_flows = g->max_flows;
	h->q_entries = g->q_entries;
	h->rx_size = g->rx_size;
	h->tx_size = g->tx_size;
	h->flows_off = off;
	off += (uint64_t)g->max_flows * sizeof(struct xtoe_flow_shm);
	h->dp2app_off = off;
	off += spsc_bytes(g->q_entries, sizeof(struct xtoe_ev));
	h->cp2app_off = off;
	off += spsc_bytes(g->q_entries, sizeof(struct xtoe_ev));
	h->app2dp_off = off;
	off += spsc_bytes(g->q_entries, sizeof(struct xtoe_bump));
	off = (off + 4095) & ~(uint64_t)4095;
	h->buf_off = off;
	off += (uint64_t)g->max_flows * (g->rx_size + g->tx_size);
	h->size = off;
}

static inline uint64_t xtoe_shm_rx_off(const struct xtoe_shm_hdr *h, uint32_t slot)
{
	return h->buf_off + (uint64_t)slot * (h->rx_size + h->tx_size);
}

static inline uint64_t xtoe_shm_tx_off(const struct xtoe_shm_hdr *h, uint32_t slot)
{
	return xtoe_shm_rx_off(h, slot) + h->rx_size;
}

#endif /* XTOE_SHM_H */
