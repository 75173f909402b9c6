/* SPDX-License-Identifier: MIT */
/*
 * TCP events for xtoectl trace, shared between the daemon and the tool
 * through a memfd the daemon hands over with XTOE_OP_TRACE (common/proto.h):
 *
 *   [struct xtoe_trace_shm][ring 0: data-path][ring 1: control plane]
 *
 * Each ring is an spsc ring of XTOE_TRACE_ENTRIES struct xtoe_trace_rec with
 * one producer: the data-path thread writes ring 0 (installed flows: state
 * changes, RTT samples, cwnd, fast retransmits, drops), the control plane
 * ring 1 (handshakes, SYN retransmits, RTO and loss probe decisions,
 * TIME-WAIT). Neither waits: a record that finds its ring full is counted in
 * drops[ring] and lost. The tool consumes both and orders them by ts_ns.
 * Tracing ends when the tool's connection to the daemon closes.
 */
#ifndef XTOE_TRACE_H
#define XTOE_TRACE_H

#include <stdatomic.h>
#include <stdint.h>

#include "spsc.h"

#define XTOE_TRACE_ENTRIES 8192 /* per ring; power of two */

enum xtoe_trace_type {
	XTOE_TR_STATE = 1, /* a: old state, b: new state (enum tcp_state) */
	XTOE_TR_RTT,       /* a: sample us, b: srtt us, c: rttvar us */
	XTOE_TR_CWND,      /* a: cwnd bytes, b: ssthresh bytes, c: old cwnd */
	XTOE_TR_RETX,      /* a: enum xtoe_trace_retx, b: seq, c: backoff/try */
	XTOE_TR_DROP,      /* a: enum xtoe_drop_reason, b: seq */
	XTOE_TR__COUNT
};

enum xtoe_trace_retx {
	XTOE_RETX_FAST = 1, /* third duplicate ACK: go back to snd_una */
	XTOE_RETX_PARTIAL,  /* partial ACK in recovery: resend at snd_una */
	XTOE_RETX_PROBE,    /* loss probe before the RTO */
	XTOE_RETX_RTO,      /* retransmission timeout: go-back-N */
	XTOE_RETX_SYN,      /* SYN or SYN-ACK sent again */
	XTOE_RETX__COUNT
};

struct xtoe_trace_rec {
	uint64_t ts_ns;          /* CLOCK_MONOTONIC */
	uint32_t laddr, raddr;   /* network order */
	uint16_t lport, rport;   /* network order */
	uint8_t type;            /* enum xtoe_trace_type */
	uint8_t src;             /* ring: 0 data-path, 1 control plane */
	uint16_t _rsv;
	uint32_t a, b, c;
};

struct xtoe_trace_shm {
	_Atomic uint64_t drops[2];   /* records lost: ring full */
	_Atomic uint64_t records[2]; /* records written */
	uint32_t entries, esize;
	uint8_t _pad[24];
};

static inline uint64_t xtoe_trace_ring_bytes(void)
{
	return spsc_bytes(XTOE_TRACE_ENTRIES, sizeof(struct xtoe_trace_rec));
}

static inline uint64_t xtoe_trace_bytes(void)
{
	return sizeof(struct xtoe_trace_shm) + 2 * xtoe_trace_ring_bytes();
}

static inline struct spsc_shared *xtoe_trace_ring(struct xtoe_trace_shm *sh, int i)
{
	return (struct spsc_shared *)((uint8_t *)(sh + 1) + i * xtoe_trace_ring_bytes());
}

/* Producer side (data-path or control plane): one record, never waiting. */
static inline void xtoe_trace_put(struct xtoe_trace_shm *sh, struct spsc *q,
				  const struct xtoe_trace_rec *r)
{
	if (!spsc_push(q, r)) {
		atomic_fetch_add_explicit(&sh->drops[r->src], 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&sh->records[r->src], 1, memory_order_relaxed);
}

#endif /* XTOE_TRACE_H */
