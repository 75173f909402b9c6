/* SPDX-License-Identifier: MIT */
/*
 * Records of the trace module (trace.bpf.c), shared with user space
 * (readers such as a future xtoe-dump / `xtoectl trace`, tests).
 *
 *   trace_ring  RINGBUF  struct trace_rec, one per traced frame
 *   trace_stats ARRAY    TRACE_STAT_* -> __u64 (percpu)
 *
 * Load-time knobs (rodata): snaplen (bytes of the frame kept, at most
 * TRACE_SNAP_MAX), sample (trace one frame in `sample`; 1 = every frame).
 */
#ifndef XTOE_BPF_TRACE_H
#define XTOE_BPF_TRACE_H

#include <linux/types.h>
#include <xtoe/module.h>

#define TRACE_SNAP_MAX  256
#define TRACE_RING_SIZE (1 << 20)

struct trace_rec {
	__u64 ts_ns;          /* bpf_ktime_get_ns() */
	__u32 len;            /* frame length on the wire (after earlier modules) */
	__u32 caplen;         /* bytes of the frame in data[] */
	__u32 rx_queue;
	__u32 rsv;
	struct xtoe_meta meta; /* as the trace module saw it */
	__u8 data[TRACE_SNAP_MAX];
};

enum trace_stat {
	TRACE_STAT_SEEN,    /* frames the module ran on */
	TRACE_STAT_TRACED,  /* records written */
	TRACE_STAT_LOST,    /* ring buffer full */
	TRACE_STAT__COUNT
};

#endif /* XTOE_BPF_TRACE_H */
