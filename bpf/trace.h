/* SPDX-License-Identifier: MIT */
/*
 * Records of the trace module (trace.bpf.c), shared with user space
 * (xtoe-dump through the daemon's capture sessions, tests).
 *
 *   trace_ring  RINGBUF  struct trace_rec, one per traced frame; a record
 *                        holds only its caplen bytes of data[]
 *   trace_stats ARRAY    TRACE_STAT_* -> __u64 (percpu)
 *   trace_buf   ARRAY    percpu scratch a record is built in
 *
 * Two programs: the module (XDP, in the chain: frames received) and
 * trace_egress (tc egress: frames the kernel sends on the interface),
 * writing into the same ring, so one reader sees both directions.
 * Load-time knobs (rodata): snaplen (bytes of the frame kept, at most
 * TRACE_SNAP_MAX), sample (trace one frame in `sample`; 1 = every frame).
 */
#ifndef XTOE_BPF_TRACE_H
#define XTOE_BPF_TRACE_H

#include <linux/types.h>
#include <xtoe/module.h>

#define TRACE_SNAP_MAX  9216    /* a jumbo frame, whole */
#define TRACE_RING_SIZE (4 << 20)

enum trace_kind {
	TRACE_RX = 0,   /* received (the module, in the chain) */
	TRACE_KTX = 1,  /* sent by the kernel stack (tc egress) */
};

struct trace_rec {
	__u64 ts_ns;          /* bpf_ktime_get_ns() */
	__u32 len;            /* frame length on the wire (after earlier modules) */
	__u32 caplen;         /* bytes of the frame in data[] */
	__u32 rx_queue;
	__u16 kind;           /* enum trace_kind */
	__u16 rsv;
	struct xtoe_meta meta; /* as the module saw it (zero for TRACE_KTX) */
	__u8 data[TRACE_SNAP_MAX];
};

#define TRACE_REC_HDR (sizeof(struct trace_rec) - TRACE_SNAP_MAX)

enum trace_stat {
	TRACE_STAT_SEEN,    /* frames the module ran on */
	TRACE_STAT_TRACED,  /* records written */
	TRACE_STAT_LOST,    /* ring buffer full */
	TRACE_STAT__COUNT
};

#endif /* XTOE_BPF_TRACE_H */
