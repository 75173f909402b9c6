/* SPDX-License-Identifier: MIT */
/*
 * Records of the capture module (capture.bpf.c), shared with user space
 * (xtoe-dump through the daemon's capture sessions, tests).
 *
 *   capture_ring  RINGBUF  struct capture_rec, one per captured frame; a record
 *                        holds only its caplen bytes of data[]
 *   capture_stats ARRAY    CAPTURE_STAT_* -> __u64 (percpu)
 *   capture_buf   ARRAY    percpu scratch a record is built in
 *
 * Two programs: the module (XDP, in the chain: frames received) and
 * capture_egress (tc egress: frames the kernel sends on the interface),
 * writing into the same ring, so one reader sees both directions.
 * Load-time knobs (rodata): snaplen (bytes of the frame kept, at most
 * CAPTURE_SNAP_MAX), sample (capture one frame in `sample`; 1 = every frame).
 */
#ifndef XTOE_BPF_CAPTURE_H
#define XTOE_BPF_CAPTURE_H

#include <linux/types.h>
#include <xtoe/module.h>

#define CAPTURE_SNAP_MAX  9216    /* a jumbo frame, whole */
/* skb->mark of xtoed's merged frames (daemon/port/xsk_gso.c): the data-path
 * captured their segments already, so capture_egress leaves them out. */
#define CAPTURE_XTOE_TX_MARK 0x78746f65u /* "xtoe" */
#define CAPTURE_RING_SIZE (4 << 20)

enum capture_kind {
	CAPTURE_RX = 0,   /* received (the module, in the chain) */
	CAPTURE_KTX = 1,  /* sent by the kernel stack (tc egress) */
};

struct capture_rec {
	__u64 ts_ns;          /* bpf_ktime_get_ns() */
	__u32 len;            /* frame length on the wire (after earlier modules) */
	__u32 caplen;         /* bytes of the frame in data[] */
	__u32 rx_queue;
	__u16 kind;           /* enum capture_kind */
	__u16 rsv;
	struct xtoe_meta meta; /* as the module saw it (zero for CAPTURE_KTX) */
	__u8 data[CAPTURE_SNAP_MAX];
};

#define CAPTURE_REC_HDR (sizeof(struct capture_rec) - CAPTURE_SNAP_MAX)

enum capture_stat {
	CAPTURE_STAT_SEEN,    /* frames the module ran on */
	CAPTURE_STAT_COPIED,  /* records written */
	CAPTURE_STAT_LOST,    /* ring buffer full */
	CAPTURE_STAT__COUNT
};

#endif /* XTOE_BPF_CAPTURE_H */
