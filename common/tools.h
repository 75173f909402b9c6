/* SPDX-License-Identifier: MIT */
/*
 * Answers of the daemon to the operator tools' XTOE_OP_STATS and
 * XTOE_OP_CONNS (common/proto.h): a memfd handed over with the response,
 * holding one struct xtoe_stat_dp, or resp.val struct xtoe_stat_conn rows.
 */
#ifndef XTOE_TOOLS_H
#define XTOE_TOOLS_H

#include <stdint.h>

#include <xtoe/drop.h>

/* The data-path's counters as it last published them (every 1024 rounds
 * and before it sleeps), and its AF_XDP port's. */
/* One data-path worker (xtoed --workers): its loop and what it owns. */
struct xtoe_stat_worker {
	uint64_t rounds, sleeps, rx_segs, tx_segs;
	uint32_t flows, queues; /* flows installed on it; queues it serves */
	uint64_t parks;         /* times its thread parked, handing it to thread 0 */
	uint64_t unparks;       /* times thread 0 handed it back */
	uint32_t thread;        /* the thread running it: its own, 0 while parked */
	uint32_t busy_pct;      /* its own thread's last busy sample (percent) */
	uint32_t pre_threads;   /* --placement pipeline: its PRE threads (0: none) */
	uint64_t pipe_batches;  /* pipeline: batches PRE passed to PROTO */
	uint64_t pipe_held;     /* pipeline: polls the reorder step held
				   finished batches behind a missing one */
	uint64_t pipe_inline;   /* pipeline: small batches, none out, run in
				   a row on the worker */
};

#define XTOE_STAT_WORKERS_MAX 16

/* The daemon's counters: the sums over its workers, then each worker's. */
struct xtoe_stat_dp {
	uint64_t age_us;   /* since the data-path published them (the
			      oldest worker's publication) */
	uint64_t rounds, sleeps, rx_frames, rx_segs, tx_segs, tx_acks, to_cp;
	uint64_t rx_nometa, rx_vlan;
	uint64_t rx_merged; /* segments coalesced into the one before */
	uint64_t drops[XTOE_DROP__COUNT];
	uint64_t xsk_rx, xsk_tx, xsk_tx_drops, xsk_kicks;
	uint64_t xsk_gso_frames, xsk_gso_segs, xsk_gso_busy; /* --tx-gso */
	uint64_t xsk_rx_dropped, xsk_rx_invalid, xsk_rx_ring_full, xsk_fill_empty;
	uint32_t frames_free, frames_total;
	uint32_t nworkers;
	struct xtoe_stat_worker w[XTOE_STAT_WORKERS_MAX];
};

/* One connection or listener of the control plane's table. */
struct xtoe_stat_conn {
	char state[16];          /* RFC 9293 name, "LISTEN" for listeners */
	uint32_t laddr, raddr;   /* network order */
	uint16_t lport, rport;   /* network order */
	uint32_t recv_q, send_q; /* bytes: unread by the app; not yet acked */
	uint32_t srtt_us, rttvar_us, retransmits;
	int32_t pid;             /* the owning application's; 0: none (a
				    TIME-WAIT connection belongs to no one) */
	/* what ss -i shows */
	char cc[16];             /* congestion control */
	uint32_t mss;            /* bytes per segment we send */
	uint32_t cwnd, ssthresh; /* bytes; 0: none yet */
	uint32_t snd_wnd;        /* the peer's window, bytes */
	uint32_t bytes_acked;    /* modulo 2^32 */
	uint64_t bytes_sent, bytes_received, segs_out, segs_in;
};

#define XTOE_STAT_CONNS_MAX 65536

#endif /* XTOE_TOOLS_H */
