/* SPDX-License-Identifier: MIT */
/*
 * Transmit coalescing (GSO in the port): a run of one flow's consecutive
 * TCP segments the data-path queued in one round becomes one super-frame
 * with a virtio_net_hdr, that the kernel segments again (or a Linux peer
 * on a veth takes whole, as it takes Linux's own GSO skbs). GRO in reverse:
 * the TCP core never sees it.
 *
 * A run merges when every frame has the same Ethernet header (and VLAN
 * tag), an IPv4 header without options or fragmentation, the same
 * addresses, TOS and TTL, DF set on all or on none and then IP IDs
 * consecutive; the same ports,
 * acknowledgment, window, header length and options (timestamps equal);
 * flags ACK only, PSH or FIN allowed on the last frame alone; sequence
 * numbers contiguous; a payload of the first frame's size (the MSS) on
 * every frame but the last, which may be shorter and not empty; and the
 * merged IP packet within the byte limit.
 */
#ifndef XTOE_TX_MERGE_H
#define XTOE_TX_MERGE_H

#include <stdint.h>

#include <linux/virtio_net.h>

/* One frame as queued: Ethernet header first. */
struct tx_pkt {
	const uint8_t *data;
	uint32_t len;
};

/* The largest IPv4 packet a merged frame may carry. */
#define TX_MERGE_MAX_IP 65535u
/* The most frames one merged frame takes. */
#define TX_MERGE_MAX_SEGS 64u
/* Bytes of the merged frame's headers, at most (Ethernet, VLAN, IPv4, TCP). */
#define TX_MERGE_HDR_MAX (18u + 20u + 60u)

/* How many frames from pkts[0] (of n) merge into one frame whose IP packet
 * is at most max_ip bytes: 1 when pkts[0] merges with nothing. */
uint32_t tx_merge_run(const struct tx_pkt *pkts, uint32_t n, uint32_t max_ip);

/* The headers of the merged frame of pkts[0..k) (a run tx_merge_run
 * found, k >= 2) into hdr (TX_MERGE_HDR_MAX bytes): the first frame's,
 * with the whole IP length, the flags of the last frame, a fresh IP
 * checksum and the TCP pseudo-header sum for the kernel to finish; and the
 * virtio_net_hdr that asks for TCPv4 segmentation at the first frame's
 * payload size. Returns the header length (each frame's payload starts
 * that far in). */
uint32_t tx_merge_hdr(const struct tx_pkt *pkts, uint32_t k, uint8_t *hdr,
		      struct virtio_net_hdr *vh);

#endif /* XTOE_TX_MERGE_H */
