/* SPDX-License-Identifier: MIT */
/*
 * One enum of drop reasons, shared by the XDP modules, the data-path, the
 * control plane and the tools. Add new reasons at the end of the list; the
 * numeric values appear in maps and counters.
 *
 * Usable from BPF C (no libc) and from user space.
 */
#ifndef XTOE_DROP_H
#define XTOE_DROP_H

#define XTOE_DROP_REASONS(X)                                                   \
	X(NONE, "none")                                                        \
	X(RUNT, "frame shorter than its headers")                              \
	X(NOT_IPV4, "not IPv4")                                                \
	X(IP_HDR, "bad IPv4 header (version, ihl, length)")                   \
	X(IP_FRAG, "IPv4 fragment")                                            \
	X(IP_CSUM, "bad IPv4 header checksum")                                 \
	X(NOT_TCP, "not TCP")                                                  \
	X(TCP_HDR, "bad TCP data offset")                                      \
	X(TCP_OPT, "malformed TCP option")                                     \
	X(TCP_CSUM, "bad TCP checksum")                                        \
	X(TCP_FLAGS, "invalid TCP flag combination")                           \
	X(NOT_MINE, "destination is not this interface's address")             \
	X(NO_FLOW, "no connection or listener for segment")                    \
	X(SEQ_OUT_OF_WINDOW, "sequence number outside receive window")         \
	X(ACK_INVALID, "acknowledges data never sent")                         \
	X(OUT_OF_ORDER, "out-of-order segment")                                \
	X(RX_RING_FULL, "application receive ring full")                       \
	X(NO_UMEM_FRAME, "no free UMEM frame")                                 \
	X(QUEUE_FULL, "internal queue full")                                   \
	X(BAD_STATE, "segment not acceptable in connection state")             \
	X(PAWS, "timestamp older than TS.Recent (PAWS)")                       \
	X(FIREWALL, "firewall rule")                                           \
	X(MODULE, "dropped by a module")                                       \
	X(SYN_RATE, "SYN rate limit (syn_guard module)")                      \
	X(FLOW_IN_USE, "install of a flow index or 4-tuple still in use")

enum xtoe_drop_reason {
#define XTOE_DROP_ENUM(name, text) XTOE_DROP_##name,
	XTOE_DROP_REASONS(XTOE_DROP_ENUM)
#undef XTOE_DROP_ENUM
	XTOE_DROP__COUNT
};

#ifndef __bpf__
/* Short machine name, e.g. "TCP_CSUM". */
const char *xtoe_drop_name(enum xtoe_drop_reason r);
/* Human sentence, e.g. "bad TCP checksum". */
const char *xtoe_drop_text(enum xtoe_drop_reason r);
#endif

#endif /* XTOE_DROP_H */
