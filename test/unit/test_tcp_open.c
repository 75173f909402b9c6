/* SPDX-License-Identifier: MIT */
/* Connection setup: RFC 9293 3.5/3.10.7, RFC 7323 negotiation, RFC 6528. */
#include "check.h"
#include "core/siphash.h"
#include "tcp_test_util.h"

static uint8_t buf[2048];
static const struct tcp_open_cfg cfg = {
	.mss = 1460, .rx_size = 1u << 20, .timestamps = true, .wscale = true,
};

static struct tcp_seg syn_seg(const struct tcp_hdrvals *h)
{
	return test_seg(buf, sizeof(buf), h, NULL, 0);
}

/* RFC 9293 3.7.1 MSS = min(peer, ours), less the timestamp option on
 * every segment (Linux's mss_cache); RFC 7323 TS and WS both offered; the
 * SYN-ACK window a whole number of segments, as Linux's. */
static void test_passive_open_linux_syn(void)
{
	struct tcp_hdrvals h = linux_syn(1000, 555), sa;
	struct tcp_seg s = syn_seg(&h);
	struct tcp_conn c;

	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 3000000, &sa);
	CHECK_EQ(c.state, TCP_SYN_RCVD);
	CHECK_EQ(c.mss, 1448);
	CHECK_EQ(c.adv_mss, 1460);
	CHECK(c.ts_ok && c.ws_ok);
	CHECK_EQ(c.rcv_wscale, 5); /* ilog2(1 MiB) - 15 */
	CHECK_EQ(c.snd_wscale, 7);
	CHECK_EQ(c.rcv_nxt, 1001);
	CHECK_EQ(sa.flags, TCP_F_SYN | TCP_F_ACK);
	CHECK_EQ(sa.seq, 5000);
	CHECK_EQ(sa.ack, 1001);
	CHECK_EQ(sa.wnd, 65160); /* RFC 7323 2.2: unscaled; 45 x 1448 */
	CHECK(sa.ts && sa.tsecr == 555 && sa.tsval == 3000);
	CHECK_EQ(sa.wscale, 5);
	CHECK_EQ(sa.mss, 1460);
}

/* No options: MSS 536 (RFC 9293 3.7.1), no TS, no WS. */
static void test_passive_open_bare_syn(void)
{
	struct tcp_hdrvals h = { .seq = 7, .flags = TCP_F_SYN, .wnd = 8192,
				 .wscale = -1 }, sa;
	struct tcp_seg s = syn_seg(&h);
	struct tcp_conn c;

	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 0, &sa);
	CHECK_EQ(c.mss, 536);
	CHECK(!c.ts_ok && !c.ws_ok);
	CHECK_EQ(c.rcv_wscale, 0);
	CHECK_EQ(c.snd_wscale, 0);
	CHECK(!sa.ts);
	CHECK_EQ(sa.wscale, -1);
}

/* A peer's MSS below 88 (Linux's TCP_MIN_MSS) is raised to 88: an MSS of
 * 1 would make a frame of every byte. */
static void test_peer_mss_clamped_to_minimum(void)
{
	struct tcp_hdrvals h = linux_syn(1000, 555), sa;
	struct tcp_seg s;
	struct tcp_conn c;

	h.mss = 1;
	h.ts = false;
	s = syn_seg(&h);
	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 0, &sa);
	CHECK_EQ(c.mss, 88);
	h.mss = 87;
	h.ts = true;
	s = syn_seg(&h);
	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 0, &sa);
	CHECK_EQ(c.mss, 76); /* 88 less the timestamp option */
	h.mss = 89;
	h.ts = false;
	s = syn_seg(&h);
	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 0, &sa);
	CHECK_EQ(c.mss, 89);
}

/* Our side disabled TS/WS: not used even if the peer offers them. */
static void test_passive_open_we_refuse_options(void)
{
	struct tcp_open_cfg off = { .mss = 9000, .rx_size = 4096 };
	struct tcp_hdrvals h = linux_syn(1, 1), sa;
	struct tcp_seg s = syn_seg(&h);
	struct tcp_conn c;

	tcp_passive_open(&c, &s, &test_ep_local, 5000, &off, 0, &sa);
	CHECK_EQ(c.mss, 1460);
	CHECK(!c.ts_ok && !c.ws_ok);
	CHECK_EQ(sa.wnd, 2920); /* whole segments */
	CHECK(!sa.ts);
	CHECK_EQ(sa.wscale, -1);
}

/* RFC 2018 2: SACK is used only when both SYNs carry SACK-permitted; the
 * SYN-ACK offers it only in answer to a SYN that did. */
static void test_sack_permitted_negotiation(void)
{
	struct tcp_open_cfg on = cfg;
	struct tcp_hdrvals h = linux_syn(1, 1), sa;
	struct tcp_seg s;
	struct tcp_conn c;

	on.sack = true;
	s = syn_seg(&h);
	tcp_passive_open(&c, &s, &test_ep_local, 5000, &on, 0, &sa);
	CHECK(c.sack_ok && sa.sack_ok);
	h.sack_ok = false;
	s = syn_seg(&h);
	tcp_passive_open(&c, &s, &test_ep_local, 5000, &on, 0, &sa);
	CHECK(!c.sack_ok && !sa.sack_ok);
	h.sack_ok = true;
	s = syn_seg(&h);
	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 0, &sa);
	CHECK(!c.sack_ok && !sa.sack_ok);
	tcp_active_open(&c, &test_ep_local, 9000, &on, 0, &h);
	CHECK(h.sack_ok);
}

/* RFC 4987 3.6: a SYN cookie comes back in the ACK and rebuilds the
 * connection, with the MSS it encodes; a wrong peer ISN, a forged cookie
 * or one older than two 64 s ticks is refused. */
static void test_syn_cookie_roundtrip(void)
{
	uint8_t key[16] = { 9, 8, 7 };
	struct tcp_hdrvals h = linux_syn(1000, 5), sa;
	struct tcp_seg syn = syn_seg(&h), ack;
	uint64_t now = 500000000;
	uint32_t iss = tcp_cookie_isn(&test_ep_local, 1000, 1460, key, now);
	struct tcp_conn c;

	tcp_cookie_synack(&syn, iss, &cfg, &sa);
	CHECK_EQ(sa.seq, iss);
	CHECK_EQ(sa.ack, 1001);
	CHECK(!sa.ts && sa.wscale == -1 && !sa.sack_ok && sa.mss == 1460);
	CHECK_EQ(tcp_cookie_check(&test_ep_local, 1000, iss, key, now + 70000000),
		 1460);
	CHECK_EQ(tcp_cookie_check(&test_ep_local, 1001, iss, key, now), 0);
	CHECK_EQ(tcp_cookie_check(&test_ep_local, 1000, iss ^ 4, key, now), 0);
	CHECK_EQ(tcp_cookie_check(&test_ep_local, 1000, iss, key,
				  now + 3 * 64000000ull), 0);
	CHECK_EQ(tcp_cookie_check(&test_ep_local, 1000,
				  tcp_cookie_isn(&test_ep_local, 1000, 600, key, now),
				  key, now), 536);
	h = (struct tcp_hdrvals){ .seq = 1001, .ack = iss + 1,
				  .flags = TCP_F_ACK, .wnd = 500, .wscale = -1 };
	ack = syn_seg(&h);
	CHECK_EQ(tcp_cookie_open(&c, &ack, &test_ep_local, 1460, &cfg, now), 0);
	CHECK_EQ(c.state, TCP_ESTABLISHED);
	CHECK_EQ(c.iss, iss);
	CHECK_EQ(c.rcv_nxt, 1001);
	CHECK_EQ(c.mss, 1460); /* no timestamps after a cookie */
	CHECK(!c.ts_ok && !c.ws_ok && !c.sack_ok);
}

/* RFC 9293 3.10.7.4 SYN-RECEIVED: ACK of our SYN establishes; the segment's
 * data is left for tcp_input. */
static void test_syn_rcvd_ack_establishes(void)
{
	struct tcp_hdrvals h = linux_syn(1000, 555), sa;
	struct tcp_seg s = syn_seg(&h);
	struct tcp_conn c;
	struct tcp_hs_out o;

	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 0, &sa);
	h = (struct tcp_hdrvals){ .seq = 1001, .ack = 5001, .flags = TCP_F_ACK,
				  .wnd = 100, .ts = true, .tsval = 556,
				  .wscale = -1 };
	s = test_seg(buf, sizeof(buf), &h, "data", 4);
	o = tcp_handshake_input(&c, &s, 10);
	CHECK_EQ(o.res, TCP_HS_ESTABLISHED);
	CHECK_EQ(c.state, TCP_ESTABLISHED);
	CHECK_EQ(c.snd_una, 5001);
	CHECK_EQ(c.rcv_nxt, 1001); /* data not consumed */
	CHECK_EQ(c.snd_wnd, 100u << 7);
}

/* RFC 9293 3.10.7.4: a retransmitted SYN gets the SYN-ACK again; a bad
 * ACK gets a RST; an in-window RST aborts. */
static void test_syn_rcvd_dup_syn_bad_ack_rst(void)
{
	struct tcp_hdrvals h = linux_syn(1000, 555), sa;
	struct tcp_seg s = syn_seg(&h);
	struct tcp_conn c;

	tcp_passive_open(&c, &s, &test_ep_local, 5000, &cfg, 0, &sa);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_RESEND);
	h = (struct tcp_hdrvals){ .seq = 1001, .ack = 4000, .flags = TCP_F_ACK,
				  .wscale = -1 };
	s = syn_seg(&h);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_SEND_RST);
	CHECK_EQ(c.state, TCP_SYN_RCVD);
	h = (struct tcp_hdrvals){ .seq = 1001, .flags = TCP_F_RST, .wscale = -1 };
	s = syn_seg(&h);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_ABORTED);
	CHECK_EQ(c.state, TCP_CLOSED);
}

static void active_open(struct tcp_conn *c, struct tcp_hdrvals *syn)
{
	tcp_active_open(c, &test_ep_local, 9000, &cfg, 2000000, syn);
}

/* Active open: SYN offers MSS, TS, WS; SYN-ACK negotiates. */
static void test_active_open_negotiation(void)
{
	struct tcp_hdrvals syn, h;
	struct tcp_seg s;
	struct tcp_conn c;
	struct tcp_hs_out o;

	active_open(&c, &syn);
	CHECK_EQ(c.state, TCP_SYN_SENT);
	CHECK_EQ(syn.flags, TCP_F_SYN);
	CHECK_EQ(syn.seq, 9000);
	CHECK(syn.ts && syn.tsval == 2000 && syn.tsecr == 0);
	CHECK_EQ(syn.wscale, 5);
	CHECK_EQ(syn.mss, 1460);
	h = linux_syn(300, 42);
	h.flags = TCP_F_SYN | TCP_F_ACK;
	h.ack = 9001;
	h.mss = 1400;
	h.wscale = 9;
	s = syn_seg(&h);
	o = tcp_handshake_input(&c, &s, 2000100);
	CHECK_EQ(o.res, TCP_HS_ESTABLISHED);
	CHECK(o.send_ack);
	CHECK_EQ(c.state, TCP_ESTABLISHED);
	CHECK_EQ(c.mss, 1388); /* 1400 less the timestamp option */
	CHECK_EQ(c.snd_wscale, 9);
	CHECK_EQ(c.snd_wnd, 64240); /* SYN-ACK window is not scaled */
	CHECK_EQ(c.rcv_nxt, 301);
	CHECK_EQ(c.snd_una, 9001);
	CHECK_EQ(c.ts_recent, 42);
}

/* SYN-ACK without WS/TS: both off (RFC 7323 1.3: both must offer). */
static void test_active_open_peer_without_options(void)
{
	struct tcp_hdrvals syn, h = { .seq = 300, .ack = 9001, .wnd = 1000,
				      .flags = TCP_F_SYN | TCP_F_ACK,
				      .wscale = -1 };
	struct tcp_seg s;
	struct tcp_conn c;

	active_open(&c, &syn);
	s = syn_seg(&h);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_ESTABLISHED);
	CHECK(!c.ts_ok && !c.ws_ok);
	CHECK_EQ(c.rcv_wscale, 0);
	CHECK_EQ(c.mss, 536);
}

/* RFC 9293 3.10.7.3: unacceptable ACK -> RST (not for a RST); RST with an
 * acceptable ACK -> connection refused; RST without ACK ignored. */
static void test_syn_sent_rst_and_bad_ack(void)
{
	struct tcp_hdrvals syn, h = { .seq = 300, .ack = 9000,
				      .flags = TCP_F_SYN | TCP_F_ACK,
				      .wscale = -1 };
	struct tcp_seg s;
	struct tcp_conn c;

	active_open(&c, &syn);
	s = syn_seg(&h);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_SEND_RST);
	h.flags = TCP_F_RST | TCP_F_ACK;
	s = syn_seg(&h);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_DROP);
	h.flags = TCP_F_RST;
	s = syn_seg(&h);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_DROP);
	CHECK_EQ(c.state, TCP_SYN_SENT);
	h.flags = TCP_F_RST | TCP_F_ACK;
	h.ack = 9001;
	s = syn_seg(&h);
	CHECK_EQ(tcp_handshake_input(&c, &s, 1).res, TCP_HS_REFUSED);
	CHECK_EQ(c.state, TCP_CLOSED);
}

/* RFC 9293 3.10.7.1: RST for a segment with ACK has seq = SEG.ACK; without
 * ACK, seq 0 and ack = SEG.SEQ + SEG.LEN (SYN counts). */
static void test_rst_reply(void)
{
	struct tcp_hdrvals h = { .seq = 100, .ack = 777, .flags = TCP_F_ACK,
				 .wscale = -1 }, r;
	struct tcp_endpoints ep = { 0 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, "abc", 3);

	REQUIRE(tcp_rst_reply(&s, &ep, &r));
	CHECK_EQ(r.flags, TCP_F_RST);
	CHECK_EQ(r.seq, 777);
	CHECK_EQ(ep.saddr, test_ep_local.saddr);
	CHECK_EQ(ep.dport, test_ep_peer.sport);
	h = linux_syn(100, 1);
	s = syn_seg(&h);
	REQUIRE(tcp_rst_reply(&s, &ep, &r));
	CHECK_EQ(r.flags, TCP_F_RST | TCP_F_ACK);
	CHECK_EQ(r.seq, 0);
	CHECK_EQ(r.ack, 101);
	h = (struct tcp_hdrvals){ .seq = 1, .flags = TCP_F_RST, .wscale = -1 };
	s = syn_seg(&h);
	CHECK(!tcp_rst_reply(&s, &ep, &r));
}

/* RFC 6528: the ISN depends on the 4-tuple and advances with a 4 us clock. */
static void test_isn(void)
{
	uint8_t key[16] = { 9, 8, 7 };
	struct tcp_endpoints other = test_ep_local;
	uint32_t a = tcp_isn(&test_ep_local, key, 1000);

	other.sport = 0x5100;
	CHECK(a != tcp_isn(&other, key, 1000));
	CHECK_EQ(tcp_isn(&test_ep_local, key, 1000), a);
	CHECK_EQ(tcp_isn(&test_ep_local, key, 1400), a + 100);
	key[15] = 1;
	CHECK(a != tcp_isn(&test_ep_local, key, 1000));
}

/* SipHash-2-4 reference vectors (paper appendix A, test vectors 0 and 15). */
static void test_siphash_vectors(void)
{
	uint8_t key[16], msg[15];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	CHECK(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	CHECK(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
}

static void test_state_names(void)
{
	CHECK(strcmp(tcp_state_name(TCP_SYN_RCVD), "SYN-RECEIVED") == 0);
	CHECK(strcmp(tcp_state_name(TCP_TIME_WAIT), "TIME-WAIT") == 0);
	CHECK(strcmp(tcp_state_name((enum tcp_state)99), "UNKNOWN") == 0);
}

/* Linux tcp_select_initial_window: the window scale covers the largest
 * receive buffer (ilog2(space) - 15, at most 14), not just the ring. */
static void test_wscale_from_largest_receive_buffer(void)
{
	struct tcp_open_cfg big = cfg;
	struct tcp_hdrvals syn;
	struct tcp_conn c;

	big.rx_size = 256 * 1024;
	big.wscale_space = 32u << 20; /* Linux 6.x tcp_rmem[2] */
	tcp_active_open(&c, &test_ep_local, 1, &big, 0, &syn);
	CHECK_EQ(syn.wscale, 10);
	CHECK_EQ(syn.wnd, 64240); /* 44 x 1460, as Linux's SYN */
	big.wscale_space = 6u << 20; /* older Linux: 6 MiB */
	tcp_active_open(&c, &test_ep_local, 1, &big, 0, &syn);
	CHECK_EQ(syn.wscale, 7);
	big.wscale_space = 1u << 31;
	tcp_active_open(&c, &test_ep_local, 1, &big, 0, &syn);
	CHECK_EQ(syn.wscale, 14); /* RFC 7323 2.3 */
}

/* Linux tcp_ecn=2: an ECN-setup SYN is answered with ECE (RFC 3168
 * 6.1.1) whatever the congestion control; our own SYNs do not ask. */
static void test_ecn_setup_syn_answered_by_default(void)
{
	struct tcp_open_cfg acc = cfg;
	struct tcp_hdrvals h = linux_syn(1000, 555), sa, syn;
	struct tcp_seg s;
	struct tcp_conn c;

	acc.ecn_accept = true;
	h.flags |= TCP_F_ECE | TCP_F_CWR;
	s = syn_seg(&h);
	tcp_passive_open(&c, &s, &test_ep_local, 5000, &acc, 0, &sa);
	CHECK(c.ecn_ok);
	CHECK_EQ(sa.flags, TCP_F_SYN | TCP_F_ACK | TCP_F_ECE);
	tcp_active_open(&c, &test_ep_local, 1, &acc, 0, &syn);
	CHECK_EQ(syn.flags, TCP_F_SYN);
}

int main(void)
{
	RUN(test_passive_open_linux_syn);
	RUN(test_passive_open_bare_syn);
	RUN(test_peer_mss_clamped_to_minimum);
	RUN(test_passive_open_we_refuse_options);
	RUN(test_sack_permitted_negotiation);
	RUN(test_syn_cookie_roundtrip);
	RUN(test_syn_rcvd_ack_establishes);
	RUN(test_syn_rcvd_dup_syn_bad_ack_rst);
	RUN(test_active_open_negotiation);
	RUN(test_active_open_peer_without_options);
	RUN(test_syn_sent_rst_and_bad_ack);
	RUN(test_rst_reply);
	RUN(test_isn);
	RUN(test_siphash_vectors);
	RUN(test_state_names);
	RUN(test_wscale_from_largest_receive_buffer);
	RUN(test_ecn_setup_syn_answered_by_default);
	return check_summary();
}

