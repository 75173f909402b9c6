// SPDX-License-Identifier: MIT
/*
 * 802.1Q tags in the TCP core's frames: endpoints with a tag build tagged
 * frames with correct checksums; the parser reads one tag (control-plane
 * copies of tagged frames) and a reset reply keeps it.
 */
#include "check.h"
#include "tcp_test_util.h"

static struct tcp_endpoints tagged(uint16_t tci)
{
	struct tcp_endpoints ep = test_ep_peer;

	ep.vlan = true;
	ep.vlan_tci = tci;
	return ep;
}

/* Tagged frame: tag after the MACs, 4 bytes longer, checksums valid. */
static void test_build_tagged(void)
{
	struct tcp_hdrvals h = { .seq = 7, .ack = 9, .flags = TCP_F_ACK, .wnd = 100, .wscale = -1 };
	struct tcp_endpoints ep = tagged(0x2064);
	uint8_t plain[256], buf[256];
	struct tcp_seg s;
	int n0 = tcp_build_frame(plain, sizeof(plain), &test_ep_peer, &h, "abc", 3);
	int n = tcp_build_frame(buf, sizeof(buf), &ep, &h, "abc", 3);

	REQUIRE(n0 > 0 && n == n0 + TCP_VLAN_HLEN);
	CHECK_EQ(buf[12], 0x81);
	CHECK_EQ(buf[13], 0x00);
	CHECK_EQ(buf[14], 0x20);
	CHECK_EQ(buf[15], 0x64);
	CHECK(!memcmp(buf + 16, plain + 12, (size_t)n0 - 12)); /* same headers, same checksums */
	CHECK_EQ(tcp_parse(buf, (size_t)n, &s, true), XTOE_DROP_NONE);
	CHECK(s.vlan);
	CHECK_EQ(s.vlan_tci, 0x2064);
	CHECK_EQ(s.len, 3);
	CHECK(!memcmp(s.payload, "abc", 3));
}

static void test_untagged_parse_has_no_vlan(void)
{
	struct tcp_hdrvals h = { .seq = 1, .flags = TCP_F_ACK, .wscale = -1 };
	uint8_t buf[128];
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, NULL, 0);

	CHECK(!s.vlan);
	CHECK_EQ(s.vlan_tci, 0);
}

static void test_truncated_tag(void)
{
	uint8_t f[17] = { [12] = 0x81, [13] = 0x00 };
	struct tcp_seg s;

	CHECK_EQ(tcp_parse(f, sizeof(f), &s, true), XTOE_DROP_RUNT);
}

/* An RST for a tagged stray goes back with the same tag. */
static void test_rst_reply_keeps_tag(void)
{
	struct tcp_hdrvals h = { .seq = 5, .flags = TCP_F_SYN, .wscale = -1 }, rh;
	struct tcp_endpoints ep = tagged(100), rep;
	uint8_t buf[128];
	struct tcp_seg s;
	int n = tcp_build_frame(buf, sizeof(buf), &ep, &h, NULL, 0);

	REQUIRE(n > 0 && tcp_parse(buf, (size_t)n, &s, true) == XTOE_DROP_NONE);
	memset(&rep, 0, sizeof(rep));
	REQUIRE(tcp_rst_reply(&s, &rep, &rh));
	CHECK(rep.vlan);
	CHECK_EQ(rep.vlan_tci, 100);
}

int main(void)
{
	RUN(test_build_tagged);
	RUN(test_untagged_parse_has_no_vlan);
	RUN(test_truncated_tag);
	RUN(test_rst_reply_keeps_tag);
	return check_summary();
}
