/* SPDX-License-Identifier: MIT */
/*
 * Maps of the splice module (splice.bpf.c), shared with user space. A
 * spliced pair joins two TCP connections that the control plane set up
 * (client <-> xtoe, xtoe <-> server): segments of one are rewritten into
 * the other and sent straight back out (XDP_TX), without the data-path.
 * Each direction is one entry, keyed by the received segment's 4-tuple.
 * Addresses and ports in network order; deltas in host order, added mod 2^32.
 *
 *   splice_pairs  HASH  splice_key -> splice_rw
 *   splice_stats  PERCPU_ARRAY SPLICE_STAT_* -> __u64
 */
#ifndef XTOE_BPF_SPLICE_H
#define XTOE_BPF_SPLICE_H

#include <linux/types.h>

#define SPLICE_MAX_PAIRS 16384

struct splice_key {
	__u32 saddr, daddr; /* as received */
	__u16 sport, dport;
};

/* splice_rw.flags */
#define SPLICE_F_TS 1u /* rewrite TSval/TSecr of a leading NOP,NOP,TS option */

struct splice_rw {
	__u8 smac[6], dmac[6];      /* of the frame sent */
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u32 seq_delta, ack_delta; /* seq += seq_delta, ack += ack_delta;
				       SACK blocks (after the timestamps) move
				       with ack_delta */
	__u32 tsval_delta, tsecr_delta; /* with SPLICE_F_TS */
	__s8 wnd_shift;             /* window field << shift (>> -shift), at most
				       0xffff: the two connections' scales */
	__u8 flags;                 /* SPLICE_F_* */
	__u16 _pad;
};

enum splice_stat {
	SPLICE_STAT_TX,      /* rewritten and transmitted */
	SPLICE_STAT_TO_CP,   /* SYN/FIN/RST of a spliced flow: left to the chain */
	SPLICE_STAT__COUNT
};

#endif /* XTOE_BPF_SPLICE_H */
