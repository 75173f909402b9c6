/* SPDX-License-Identifier: MIT */
/*
 * Maps of the classify module (classify.bpf.c), shared with user space.
 * Configured at run time: which flows xtoe owns, and a class per flow.
 * Addresses and ports in network order; "local" is the receiver's side.
 *
 *   cls_flows  HASH   cls_flow_key (exact 4-tuple)    -> cls_val
 *   cls_ports  HASH   cls_port_key (protocol, local port) -> cls_val
 *   cls_hits   PERCPU_ARRAY class % CLS_HIT_SLOTS     -> __u64 frames
 *
 * A 4-tuple entry wins over a port entry. A hit sets meta->class
 * (XTOE_META_F_CLASS) and, with CLS_F_OWNED, XTOE_META_F_OWNED: the final
 * steering module then hands the frame to xtoe without its own lookup.
 */
#ifndef XTOE_BPF_CLASSIFY_H
#define XTOE_BPF_CLASSIFY_H

#include <linux/types.h>

#define CLS_MAX_FLOWS 65536
#define CLS_MAX_PORTS 4096
#define CLS_HIT_SLOTS 256

struct cls_flow_key {
	__u32 laddr, raddr;
	__u16 lport, rport;
	__u8 proto;
	__u8 pad[3]; /* zero */
};

struct cls_port_key {
	__u16 lport;
	__u8 proto;
	__u8 pad; /* zero */
};

#define CLS_F_OWNED 0x1

struct cls_val {
	__u32 class;
	__u32 flags; /* CLS_F_* */
};

#endif /* XTOE_BPF_CLASSIFY_H */
