/* SPDX-License-Identifier: MIT */
/* tcp_parse and tcp_build: header validation (RFC 791, RFC 9293 3.1,
 * RFC 9293 3.2 options, RFC 7323, RFC 1071 checksums). */
#include <arpa/inet.h>

#include "check.h"
#include "core/tcp_csum.h"
#include "tcp_test_util.h"

static uint8_t buf[2048];

static int build_syn(void)
{
	struct tcp_hdrvals h = linux_syn(1000, 77);

	return tcp_build_frame(buf, sizeof(buf), &test_ep_peer, &h, NULL, 0);
}

static enum xtoe_drop_reason parse(int len)
{
	struct tcp_seg s;

	return tcp_parse(buf, (size_t)len, &s, true);
}

/* Recompute checksums after a deliberate corruption of the headers. */
static void refinish(int len)
{
	tcp_frame_finish(buf, (size_t)len);
}

/* Index of TCP option bytes in a frame from build_syn (no IP options). */
#define TH (TCP_ETH_HLEN + TCP_IP_HLEN)
#define OPT (TH + TCP_MIN_HLEN)

/* RFC 9293 3.2: MSS, SACK-permitted, timestamps, window scale parsed. */
static void test_good_syn_with_options(void)
{
	struct tcp_seg s;
	int n = build_syn();

	REQUIRE(n > 0);
	CHECK_EQ(n, TCP_ETH_HLEN + TCP_IP_HLEN + TCP_MIN_HLEN + 20);
	REQUIRE(tcp_parse(buf, (size_t)n, &s, true) == XTOE_DROP_NONE);
	CHECK_EQ(s.flags, TCP_F_SYN);
	CHECK_EQ(s.seq, 1000);
	CHECK_EQ(s.wnd, 64240);
	CHECK(s.has_mss && s.mss == 1460);
	CHECK(s.has_ws && s.wscale == 7);
	CHECK(s.has_ts && s.tsval == 77 && s.tsecr == 0);
	CHECK(s.sack_ok);
	CHECK_EQ(s.len, 0);
	CHECK_EQ(s.saddr, test_ep_peer.saddr);
	CHECK_EQ(s.sport, test_ep_peer.sport);
	CHECK(memcmp(s.smac, test_ep_peer.smac, 6) == 0);
}

/* Data segment with NOP NOP TS, built then parsed: payload intact. */
static void test_data_segment_roundtrip(void)
{
	struct tcp_hdrvals h = { .seq = 5, .ack = 9, .flags = TCP_F_ACK | TCP_F_PSH,
				 .wnd = 100, .ts = true, .tsval = 1, .tsecr = 2,
				 .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, "hello", 5);

	CHECK_EQ(s.len, 5);
	CHECK(s.payload && memcmp(s.payload, "hello", 5) == 0);
	CHECK(s.has_ts && s.tsval == 1 && s.tsecr == 2);
	CHECK(!s.has_mss && !s.has_ws);
	CHECK_EQ(buf[TCP_ETH_HLEN + 8], 64);          /* TTL */
	CHECK_EQ(buf[TCP_ETH_HLEN + 6] & 0x40, 0x40); /* DF */
}

/* RFC 1071: a frame with its checksums folds to zero; odd lengths too. */
static void test_csum_odd_length(void)
{
	struct tcp_hdrvals h = { .seq = 1, .flags = TCP_F_ACK, .wscale = -1 };
	struct tcp_seg s;
	int n = tcp_build_frame(buf, sizeof(buf), &test_ep_peer, &h, "abc", 3);

	REQUIRE(n > 0);
	CHECK(tcp_parse(buf, (size_t)n, &s, true) == XTOE_DROP_NONE);
	CHECK_EQ(s.len, 3);
}

static void test_runt_and_not_ipv4(void)
{
	int n = build_syn();

	CHECK(parse(10) == XTOE_DROP_RUNT);
	CHECK(parse(TCP_ETH_HLEN + 10) == XTOE_DROP_RUNT);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	CHECK(parse(n) == XTOE_DROP_NOT_IPV4);
	build_syn();
	buf[12] = 0x81; /* VLAN tag: not handled here */
	buf[13] = 0x00;
	CHECK(parse(n) == XTOE_DROP_NOT_IPV4);
}

/* RFC 791: version 4, IHL >= 5, total length within the frame. */
static void test_bad_ip_header(void)
{
	int n = build_syn();

	buf[TCP_ETH_HLEN] = 0x65;
	CHECK(parse(n) == XTOE_DROP_IP_HDR);
	build_syn();
	buf[TCP_ETH_HLEN] = 0x44;
	CHECK(parse(n) == XTOE_DROP_IP_HDR);
	build_syn();
	put_be16(buf + TCP_ETH_HLEN + 2, (uint16_t)(n - TCP_ETH_HLEN + 1));
	CHECK(parse(n) == XTOE_DROP_IP_HDR);
	CHECK(parse(n - 1) == XTOE_DROP_IP_HDR); /* truncated frame */
}

static void test_bad_ip_csum(void)
{
	int n = build_syn();

	buf[TCP_ETH_HLEN + 10] ^= 1;
	CHECK(parse(n) == XTOE_DROP_IP_CSUM);
}

/* RFC 791: MF set or a fragment offset: not reassembled, dropped. */
static void test_fragments(void)
{
	int n = build_syn();

	put_be16(buf + TCP_ETH_HLEN + 6, 0x2000);
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_IP_FRAG);
	put_be16(buf + TCP_ETH_HLEN + 6, 0x0010);
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_IP_FRAG);
	put_be16(buf + TCP_ETH_HLEN + 6, 0x4000); /* DF alone is fine */
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_NONE);
}

static void test_not_tcp(void)
{
	int n = build_syn();

	buf[TCP_ETH_HLEN + 9] = 17;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_NOT_TCP);
}

static void test_bad_tcp_csum(void)
{
	struct tcp_seg s;
	int n = build_syn();

	buf[TH + 4] ^= 0x80;
	CHECK(parse(n) == XTOE_DROP_TCP_CSUM);
	CHECK(tcp_parse(buf, (size_t)n, &s, false) == XTOE_DROP_NONE);
}

/* RFC 9293 3.1: data offset >= 5 and within the segment. */
static void test_bad_data_offset(void)
{
	int n = build_syn();

	buf[TH + 12] = 4 << 4;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_HDR);
	buf[TH + 12] = 15 << 4;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_HDR);
}

/* RFC 9293 3.2: an option whose length is < 2 or runs past the header. */
static void test_option_overruns(void)
{
	int n = build_syn();

	buf[OPT + 1] = 1; /* MSS length 1 */
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_OPT);
	build_syn();
	buf[OPT + 1] = 40; /* runs past the options */
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_OPT);
	build_syn();
	buf[OPT + 16] = 1; /* NOP NOP NOP then a lone kind byte */
	buf[OPT + 17] = 1;
	buf[OPT + 18] = 1;
	buf[OPT + 19] = 30;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_OPT);
	build_syn();
	buf[OPT + 1] = 3; /* MSS with a wrong length */
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_OPT);
}

/* RFC 2018 3: SACK option of 1 to 4 blocks; other lengths are malformed. */
static void test_sack_option(void)
{
	struct tcp_hdrvals h = { .seq = 5, .ack = 9, .flags = TCP_F_ACK,
				 .wscale = -1, .ts = true, .nsack = 2,
				 .sack = { { 100, 200 }, { 300, 400 } } };
	struct tcp_seg s;
	int n = tcp_build_frame(buf, sizeof(buf), &test_ep_peer, &h, NULL, 0);

	REQUIRE(n > 0);
	REQUIRE(tcp_parse(buf, (size_t)n, &s, true) == XTOE_DROP_NONE);
	CHECK_EQ(s.nsack, 2);
	CHECK_EQ(s.sack[0][0], 100);
	CHECK_EQ(s.sack[1][1], 400);
	CHECK(s.has_ts);
	buf[OPT + 15] = 11; /* SACK length not 2 + 8n */
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_OPT);
	buf[OPT + 15] = 2; /* no block */
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_OPT);
}

/* Unknown options are skipped by length; EOL ends the list. */
static void test_unknown_option_and_eol(void)
{
	struct tcp_seg s;
	int n = build_syn();

	buf[OPT + 16] = 30; /* replace NOP WS(3,3,7) by kind 30 len 4 */
	buf[OPT + 17] = 4;
	refinish(n);
	REQUIRE(tcp_parse(buf, (size_t)n, &s, true) == XTOE_DROP_NONE);
	CHECK(!s.has_ws && s.has_ts && s.has_mss);
	build_syn();
	buf[OPT + 4] = 0; /* EOL after MSS: the rest is ignored */
	buf[OPT + 5] = 0xff;
	refinish(n);
	REQUIRE(tcp_parse(buf, (size_t)n, &s, true) == XTOE_DROP_NONE);
	CHECK(s.has_mss && !s.has_ts && !s.sack_ok);
}

/* RFC 7323 2.3: a shift above 14 is used as 14. */
static void test_wscale_clamped(void)
{
	struct tcp_seg s;
	int n = build_syn();

	buf[OPT + 19] = 20;
	refinish(n);
	REQUIRE(tcp_parse(buf, (size_t)n, &s, true) == XTOE_DROP_NONE);
	CHECK_EQ(s.wscale, 14);
}

static void test_flag_combinations(void)
{
	int n = build_syn();

	buf[TH + 13] = TCP_F_SYN | TCP_F_FIN;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_FLAGS);
	buf[TH + 13] = TCP_F_SYN | TCP_F_RST;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_FLAGS);
	buf[TH + 13] = 0;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_TCP_FLAGS);
	buf[TH + 13] = TCP_F_RST | TCP_F_ACK;
	refinish(n);
	CHECK(parse(n) == XTOE_DROP_NONE);
}

/* Ethernet pads short frames to 60 bytes: the IP total length rules. */
static void test_ethernet_padding(void)
{
	struct tcp_hdrvals h = { .seq = 1, .ack = 2, .flags = TCP_F_ACK,
				 .wscale = -1 };
	struct tcp_seg s;
	int n = tcp_build_frame(buf, sizeof(buf), &test_ep_peer, &h, "x", 1);

	REQUIRE(n == 55);
	memset(buf + n, 0xee, 60 - (size_t)n);
	REQUIRE(tcp_parse(buf, 60, &s, true) == XTOE_DROP_NONE);
	CHECK_EQ(s.len, 1);
	CHECK_EQ(s.payload[0], 'x');
}

static void test_build_nospace(void)
{
	struct tcp_hdrvals h = linux_syn(1, 1);

	CHECK(tcp_build_hdr(buf, 40, &test_ep_peer, &h, 0) < 0);
	CHECK(tcp_build_hdr(buf, 74, &test_ep_peer, &h, 1) < 0);
	CHECK_EQ(tcp_build_hdr(buf, 74, &test_ep_peer, &h, 0), 74);
}

int main(void)
{
	RUN(test_good_syn_with_options);
	RUN(test_data_segment_roundtrip);
	RUN(test_csum_odd_length);
	RUN(test_runt_and_not_ipv4);
	RUN(test_bad_ip_header);
	RUN(test_bad_ip_csum);
	RUN(test_fragments);
	RUN(test_not_tcp);
	RUN(test_bad_tcp_csum);
	RUN(test_bad_data_offset);
	RUN(test_option_overruns);
	RUN(test_sack_option);
	RUN(test_unknown_option_and_eol);
	RUN(test_wscale_clamped);
	RUN(test_flag_combinations);
	RUN(test_ethernet_padding);
	RUN(test_build_nospace);
	return check_summary();
}
