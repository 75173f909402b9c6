/* SPDX-License-Identifier: MIT */
/*
 * Maps of the firewall module (firewall.bpf.c), shared by the BPF side and
 * the loader (xdp/firewall.c). Rules are numbered 0..n-1 by priority
 * (0 first). Each header field maps to the set of rules it matches, as a
 * bitmap; a frame's match is the AND of its five sets, and the rule is the
 * lowest bit set. Lookups: two LPM tries (addresses), two array reads
 * (ports, through elementary port-interval classes), one array read
 * (protocol): the cost does not grow with the number of rules beyond the
 * bitmap words.
 *
 * Two generations of every map; fw_state.gen says which one is live. The
 * loader writes the other one whole and flips gen: an atomic replace of the
 * whole rule set.
 *
 *   fw_src{0,1}   LPM   fw_lpm_key (source prefix)  -> fw_bits
 *   fw_dst{0,1}   LPM   fw_lpm_key (dest prefix)    -> fw_bits
 *   fw_ports{0,1} ARRAY port (sport) / 65536 + port (dport) -> __u16 class
 *   fw_class{0,1} ARRAY class -> fw_bits
 *   fw_proto{0,1} ARRAY IP protocol -> fw_bits
 *   fw_rules{0,1} ARRAY rule -> fw_action
 *   fw_desc{0,1}  ARRAY rule -> struct fw_rule (read by tools only: the set
 *                 as it was written, with the handles `xtoectl fw` shows)
 *   fw_hits       PERCPU_ARRAY gen * FW_MAX_RULES + rule -> struct fw_count
 *   fw_state      ARRAY 0 -> struct fw_state
 */
#ifndef XTOE_BPF_FIREWALL_H
#define XTOE_BPF_FIREWALL_H

#include <linux/types.h>

#define FW_MAX_RULES   1024
#define FW_WORDS       (FW_MAX_RULES / 64)
#define FW_PORT_SLOTS  (2 * 65536)
#define FW_MAX_CLASSES (2 * (2 * FW_MAX_RULES + 1))
#define FW_MAX_PREFIX  (FW_MAX_RULES + 1)

struct fw_bits {
	__u64 w[FW_WORDS];
};

struct fw_lpm_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

enum fw_action {
	FW_ACCEPT = 0, /* continue with the next module */
	FW_DROP,       /* drop (XTOE_DROP_FIREWALL) */
	FW_PASS,       /* hand to the kernel stack, skipping the rest */
};

/* One rule as tools write it (addresses in network order, ports inclusive). */
struct fw_rule {
	__u32 src, dst;             /* network order */
	__u8 src_len, dst_len;      /* prefix lengths; 0 = any */
	__u8 proto;                 /* IP protocol; 0 = any */
	__u8 action;                /* enum fw_action */
	__u16 sport_lo, sport_hi;   /* 0..65535 = any */
	__u16 dport_lo, dport_hi;
	__u32 handle;               /* the tools' name for the rule; 0 = none */
};

struct fw_count {
	__u64 packets, bytes;
};

struct fw_state {
	__u32 gen;    /* live generation, 0 or 1 */
	__u32 nrules; /* in the live generation; 0: the module does nothing */
};

#endif /* XTOE_BPF_FIREWALL_H */
