/* SPDX-License-Identifier: MIT */
/* Transmit coalescing (daemon/port/tx_merge.h): one test per rule of what
 * merges into a GSO frame, and the merged frame's headers, whose partial
 * checksum finished as the kernel does makes valid segments. */
#include <string.h>

#include "core/tcp.h"
#include "core/tcp_csum.h"
#include "daemon/port/tx_merge.h"
#include "check.h"

#define MSS 1448u
#define NF 8

static uint8_t bufs[NF][2048];
static struct tx_pkt pkts[NF];

static const struct tcp_endpoints ep = {
	.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
	.saddr = 0x010012c6, .daddr = 0x020012c6, /* 198.18.0.1 -> .2 */
	.sport = 0x3930, .dport = 0x5114,
};

static struct tcp_hdrvals hv(uint32_t seq)
{
	return (struct tcp_hdrvals){ .seq = seq, .ack = 777, .wnd = 500,
				     .flags = TCP_F_ACK, .ts = true, .tsval = 9,
				     .tsecr = 8, .wscale = -1 };
}

/* Frame i: header values h, plen payload bytes (a pattern of its seq). */
static void put(int i, const struct tcp_endpoints *e, struct tcp_hdrvals h, uint32_t plen)
{
	uint8_t pay[MSS];

	for (uint32_t b = 0; b < plen; b++)
		pay[b] = (uint8_t)(h.seq + b);
	pkts[i].data = bufs[i];
	pkts[i].len = (uint32_t)tcp_build_frame(bufs[i], sizeof(bufs[i]), e, &h, pay,
						(uint16_t)plen);
}

/* n full segments from seq 1000 on. */
static void stream(int n)
{
	for (int i = 0; i < n; i++)
		put(i, &ep, hv(1000 + (uint32_t)i * MSS), MSS);
}

static void test_consecutive_full_segments_merge(void)
{
	stream(6);
	CHECK_EQ(tx_merge_run(pkts, 6, TX_MERGE_MAX_IP), 6);
}

static void test_last_may_be_short(void)
{
	stream(3);
	put(3, &ep, hv(1000 + 3 * MSS), 100);
	CHECK_EQ(tx_merge_run(pkts, 4, TX_MERGE_MAX_IP), 4);
}

static void test_short_segment_ends_the_run(void)
{
	stream(4);
	put(1, &ep, hv(1000 + MSS), 100);
	put(2, &ep, hv(1000 + MSS + 100), MSS);
	CHECK_EQ(tx_merge_run(pkts, 4, TX_MERGE_MAX_IP), 2);
}

/* The first payload is the segment size: a longer one after it cannot be
 * cut at it. */
static void test_none_longer_than_the_first(void)
{
	put(0, &ep, hv(1000), 1000);
	put(1, &ep, hv(2000), MSS);
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 1);
	put(1, &ep, hv(2000), 1000);
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 2);
}

static void test_sequence_gap_ends_the_run(void)
{
	stream(4);
	put(2, &ep, hv(1000 + 3 * MSS), MSS); /* a retransmission elsewhere */
	CHECK_EQ(tx_merge_run(pkts, 4, TX_MERGE_MAX_IP), 2);
}

static void test_psh_and_fin_only_on_the_last(void)
{
	struct tcp_hdrvals h = hv(1000 + MSS);

	stream(4);
	h.flags |= TCP_F_PSH;
	put(1, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 4, TX_MERGE_MAX_IP), 2);
	h.flags = TCP_F_ACK | TCP_F_FIN;
	put(1, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 4, TX_MERGE_MAX_IP), 2);
}

static void test_other_flags_never_merge(void)
{
	struct tcp_hdrvals h = hv(1000);

	stream(3);
	h.flags = TCP_F_ACK | TCP_F_RST;
	put(0, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
	h = hv(1000 + MSS);
	h.flags = TCP_F_ACK | TCP_F_URG;
	put(1, &ep, h, MSS);
	put(0, &ep, hv(1000), MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
}

static void test_pure_acks_never_merge(void)
{
	put(0, &ep, hv(1000), 0);
	put(1, &ep, hv(1000), 0);
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 1);
	stream(1);
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 1);
}

static void test_another_flow_ends_the_run(void)
{
	struct tcp_endpoints e = ep;

	stream(3);
	e.dport = 0x5214;
	put(1, &e, hv(1000 + MSS), MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
	e = ep;
	e.daddr = 0x030012c6;
	put(1, &e, hv(1000 + MSS), MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
}

static void test_another_mac_or_vlan_ends_the_run(void)
{
	struct tcp_endpoints e = ep;

	stream(3);
	e.dmac[5] = 3;
	put(1, &e, hv(1000 + MSS), MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
	e = ep;
	e.vlan = true;
	e.vlan_tci = 7;
	put(0, &e, hv(1000), MSS);
	put(1, &e, hv(1000 + MSS), MSS);
	put(2, &ep, hv(1000 + 2 * MSS), MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 2); /* tagged ones merge */
}

static void test_ack_window_and_options_must_be_equal(void)
{
	struct tcp_hdrvals h = hv(1000 + MSS);

	stream(3);
	h.ack++;
	put(1, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
	h = hv(1000 + MSS);
	h.wnd++;
	put(1, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
	h = hv(1000 + MSS);
	h.tsval++;
	put(1, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
	h = hv(1000 + MSS);
	h.nsack = 1;
	h.sack[0][0] = 5;
	h.sack[0][1] = 9;
	put(1, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
}

static void test_tos_must_be_equal(void)
{
	struct tcp_hdrvals h = hv(1000 + MSS);

	stream(3);
	h.tos = 3; /* ECN CE on one segment */
	put(1, &ep, h, MSS);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 1);
}

/* Clear DF and set the IP ID of frame i. */
static void no_df(int i, uint16_t id)
{
	uint8_t *ip = bufs[i] + 14;

	put_be16(ip + 4, id);
	put_be16(ip + 6, 0);
}

static void test_ip_ids_consecutive_without_df(void)
{
	stream(3);
	no_df(0, 10);
	no_df(1, 11);
	no_df(2, 13);
	CHECK_EQ(tx_merge_run(pkts, 3, TX_MERGE_MAX_IP), 2);
	stream(2);
	no_df(1, 1);
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 1); /* DF on one only */
	no_df(0, 0);
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 2);
}

static void test_fragments_and_ip_options_never_merge(void)
{
	stream(2);
	bufs[0][14 + 6] |= 0x20; /* MF */
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 1);
	stream(2);
	bufs[0][14] = 0x46;
	CHECK_EQ(tx_merge_run(pkts, 2, TX_MERGE_MAX_IP), 1);
}

static void test_size_limit(void)
{
	uint32_t one = 20 + 32 + MSS; /* IP packet of a full segment (timestamps) */

	stream(6);
	CHECK_EQ(tx_merge_run(pkts, 6, one + 2 * MSS), 3);
	CHECK_EQ(tx_merge_run(pkts, 6, one + 2 * MSS - 1), 2);
	CHECK_EQ(tx_merge_run(pkts, 6, one), 1);
}

/* The merged frame: IP length and checksum, flags of the last segment, the
 * virtio_net_hdr; its TCP checksum finished from csum_start (as the kernel
 * does for CHECKSUM_PARTIAL) verifies as one big segment. */
static void test_merged_frame_checksums_finish(void)
{
	static uint8_t big[70000];
	struct tcp_hdrvals h = hv(1000 + 3 * MSS);
	struct virtio_net_hdr vh;
	struct tcp_seg s;
	uint32_t hl, off, i;
	uint16_t c;

	stream(3);
	h.flags |= TCP_F_PSH;
	put(3, &ep, h, 200);
	REQUIRE(tx_merge_run(pkts, 4, TX_MERGE_MAX_IP) == 4);
	hl = tx_merge_hdr(pkts, 4, big, &vh);
	CHECK_EQ(hl, 14 + 20 + 32);
	CHECK_EQ(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(vh.gso_size, MSS);
	CHECK_EQ(vh.hdr_len, hl);
	CHECK_EQ(vh.csum_start, 34);
	CHECK_EQ(vh.csum_offset, 16);
	for (off = hl, i = 0; i < 4; i++) {
		memcpy(big + off, pkts[i].data + hl, pkts[i].len - hl);
		off += pkts[i].len - hl;
	}
	CHECK_EQ(get_be16(big + 14 + 2), off - 14);
	c = csum_fold(csum_add(0, big + vh.csum_start, off - vh.csum_start));
	memcpy(big + vh.csum_start + vh.csum_offset, &c, 2);
	REQUIRE(tcp_parse(big, off, &s, true) == XTOE_DROP_NONE);
	CHECK_EQ(s.seq, 1000);
	CHECK_EQ(s.len, 3 * MSS + 200);
	CHECK_EQ(s.flags, TCP_F_ACK | TCP_F_PSH);
	CHECK_EQ(s.tsval, 9);
	CHECK(!memcmp(s.payload + 3 * MSS, pkts[3].data + hl, 200));
}

int main(void)
{
	RUN(test_consecutive_full_segments_merge);
	RUN(test_last_may_be_short);
	RUN(test_short_segment_ends_the_run);
	RUN(test_none_longer_than_the_first);
	RUN(test_sequence_gap_ends_the_run);
	RUN(test_psh_and_fin_only_on_the_last);
	RUN(test_other_flags_never_merge);
	RUN(test_pure_acks_never_merge);
	RUN(test_another_flow_ends_the_run);
	RUN(test_another_mac_or_vlan_ends_the_run);
	RUN(test_ack_window_and_options_must_be_equal);
	RUN(test_tos_must_be_equal);
	RUN(test_ip_ids_consecutive_without_df);
	RUN(test_fragments_and_ip_options_never_merge);
	RUN(test_size_limit);
	RUN(test_merged_frame_checksums_finish);
	return check_summary();
}
