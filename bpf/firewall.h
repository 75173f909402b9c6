/* SPDX-License-Identifier: MIT */
/*
 * Maps of the firewall module (firewall.bpf.c), shared by the BPF side and
 * the loader (xdp/firewall.c). Rules are numbered 0..n-1 by priority
 * (0 first). Each header field maps to the set of rules it matches, as a
 * bitmap; a frame's match is the AND of its five sets, and the rule is the
 * lowest bit set. A rule's own sets of values (dport { 22, 80 }) and
 * their negation (src != 10.0.0.0/8) are folded into these bitmaps by the
 * loader, so they cost the data-path nothing. Lookups: two LPM tries (addresses), two array reads
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
#define FW_SET_MAX     16    /* values in one set: dport { 22, 80, ... } */
#define FW_COMMENT_MAX 64
/* All rules together, per direction (source / destination): */
#define FW_MAX_RANGES  2048  /* port ranges */
#define FW_MAX_CLASSES (2 * (2 * FW_MAX_RANGES + 1))
#define FW_MAX_PREFIX  (2048 + 1) /* distinct prefixes, and 0/0 */

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

/* The fields a rule matches on; a rule's set for a field is "any" (no
 * values), one value or several (a frame matches when any value does),
 * and may be negated (a frame matches when no value does). */
enum fw_field { FW_F_PROTO, FW_F_SRC, FW_F_DST, FW_F_SPORT, FW_F_DPORT, FW_F__COUNT };

struct fw_prefix {
	__u32 addr;   /* network order, host bits clear */
	__u8 len;     /* 0..32 */
	__u8 rsv[3];
};

struct fw_range {
	__u16 lo, hi; /* inclusive */
};

/* One rule as tools write it (fw_desc: read by tools only). */
struct fw_rule {
	__u32 handle;               /* the tools' name for the rule; 0 = none */
	__u8 action;                /* enum fw_action */
	__u8 neg;                   /* bit (1 << enum fw_field): negated */
	__u8 n[FW_F__COUNT];        /* values per field; 0 = any */
	__u8 rsv;
	__u8 proto[FW_SET_MAX];     /* IP protocol numbers */
	struct fw_prefix src[FW_SET_MAX], dst[FW_SET_MAX];
	struct fw_range sport[FW_SET_MAX], dport[FW_SET_MAX];
	char comment[FW_COMMENT_MAX]; /* NUL-terminated, "" = none */
};

struct fw_count {
	__u64 packets, bytes;
};

struct fw_state {
	__u32 gen;    /* live generation, 0 or 1 */
	__u32 nrules; /* in the live generation; 0: the module does nothing */
};

#endif /* XTOE_BPF_FIREWALL_H */
