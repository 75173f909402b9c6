// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * XDP_PASS for the Linux side of a test veth pair. A frame that xtoe sends
 * with XDP_TX (the splice module) lands in the peer veth's XDP ring, and
 * the kernel (veth_xdp_flush) schedules the peer's NAPI to deliver it only
 * when the peer has an XDP program of its own: without one, such frames sit
 * in the ring until some ordinary transmission wakes it up, and TCP on the
 * Linux side stalls in retransmission timeouts. Physical NICs send XDP_TX
 * frames onto the wire and need nothing of the kind.
 */
#include <linux/bpf.h>

__attribute__((section("xdp"), used)) int peer_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char _license[] __attribute__((section("license"), used)) = "Dual MIT/GPL";
