/* SPDX-License-Identifier: MIT */
/*
 * Maps of the link impairment program (impair.bpf.c), shared by the BPF
 * side and its loader (test/tools/impair.c).
 *
 *   cfg    ARRAY        IMPAIR_EGRESS/INGRESS -> struct impair_cfg
 *   stats  PERCPU_ARRAY dir * IMPAIR_STAT__COUNT + stat -> __u64
 */
#ifndef XTOE_TEST_IMPAIR_H
#define XTOE_TEST_IMPAIR_H

#include <linux/types.h>

/* Probabilities in parts per million, per IPv4/TCP frame. */
struct impair_cfg {
	__u32 loss;
	__u32 dup;
	__u32 reorder;      /* egress only: frame goes to a slower class */
	__u32 corrupt;      /* one data bit and one checksum bit flipped */
	__u32 reorder_prio; /* skb->priority (a qdisc class id) when reordered */
};

enum impair_dir {
	IMPAIR_EGRESS,
	IMPAIR_INGRESS,
	IMPAIR__DIRS,
};

enum impair_stat {
	IMPAIR_SEEN,
	IMPAIR_DROPPED,
	IMPAIR_DUPED,
	IMPAIR_REORDERED,
	IMPAIR_CORRUPTED,
	IMPAIR_STAT__COUNT,
};

/* skb->mark of a duplicate on its second pass through the hook. */
#define IMPAIR_DUP_MARK 0x1dd1e

#endif /* XTOE_TEST_IMPAIR_H */
