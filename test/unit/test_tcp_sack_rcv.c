/* SPDX-License-Identifier: MIT */
/* The receiving side of SACK on a connection built directly in
 * ESTABLISHED: out-of-order data held in the ring, the SACK blocks that
 * report it (RFC 2018), D-SACK (RFC 2883), ACK timing around a gap. */
#include "tcp_conn_fix.h"

/* RFC 5681 4.2 + RFC 9293 3.10.7.4: data after a gap is held in the ring
 * beyond rx_tail (not readable), answered by an immediate duplicate ACK. */
static void test_out_of_order_held_with_dupack(void)
{
	struct fix f;
	struct tcp_result r;
	struct tcp_hdrvals h;

	conn_established(&f);
	r = feed(&f, IRS + 10, ISS + 1, TCP_F_ACK, "later", 5);
	CHECK_EQ(r.drop, XTOE_DROP_NONE);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	CHECK(!(r.act & TCP_ACT_RX));
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 0);
	REQUIRE(f.c.ooo.n == 1);
	CHECK_EQ(f.c.ooo.iv[0].start, IRS + 10);
	CHECK_EQ(f.c.ooo.iv[0].end, IRS + 15);
	CHECK(memcmp(f.rx + 9, "later", 5) == 0);
	tcp_ack_hdr(&f.c, 5000, &h);
	CHECK_EQ(h.ack, IRS + 1);
	fix_free(&f);
}

/* The gap fills: the interval is published with it, one ACK at once. */
static void test_out_of_order_merged_when_gap_fills(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	feed(&f, IRS + 6, ISS + 1, TCP_F_ACK, "world", 5);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	CHECK(r.act & TCP_ACT_RX);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 10);
	CHECK(memcmp(f.rx, "helloworld", 10) == 0);
	CHECK_EQ(f.c.rcv_nxt, IRS + 11);
	CHECK_EQ(f.c.ooo.n, 0);
	fix_free(&f);
}

/* Overlaps on both sides of the interval grow it; the first copy of a byte
 * wins (duplicates trimmed); a filling segment that overlaps the interval
 * does not overwrite it. */
static void test_out_of_order_overlaps_trimmed(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	feed(&f, IRS + 6, ISS + 1, TCP_F_ACK, "DEFG", 4);    /* [6,10) */
	feed(&f, IRS + 4, ISS + 1, TCP_F_ACK, "bcxxx", 5);   /* [4,9) */
	feed(&f, IRS + 8, ISS + 1, TCP_F_ACK, "xxHIJ", 5);   /* [8,13) */
	r = feed(&f, IRS + 6, ISS + 1, TCP_F_ACK, "zz", 2);  /* duplicate */
	CHECK_EQ(r.drop, XTOE_DROP_NONE);
	REQUIRE(f.c.ooo.n == 1);
	CHECK_EQ(f.c.ooo.iv[0].start, IRS + 4);
	CHECK_EQ(f.c.ooo.iv[0].end, IRS + 13);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "123yyyy", 7);
	CHECK(r.act & TCP_ACT_RX);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 12);
	CHECK(memcmp(f.rx, "123bcDEFGHIJ", 12) == 0);
	fix_free(&f);
}

/* Several gaps: each run of data after one is its own interval; one more
 * than TCP_IVSET_MAX is dropped (what was SACKed is never given up, RFC
 * 2018 8 reneging); data touching a held interval still joins it; filling
 * the gaps publishes in order. */
static void test_several_gaps(void)
{
	struct fix f;
	struct tcp_result r;
	uint32_t n = TCP_IVSET_MAX;

	conn_established(&f);
	for (uint32_t i = 1; i <= n; i++)
		feed(&f, IRS + 1 + 10 * i, ISS + 1, TCP_F_ACK, "c", 1);
	CHECK_EQ(f.c.ooo.n, n);
	r = feed(&f, IRS + 1 + 10 * (n + 1), ISS + 1, TCP_F_ACK, "k", 1);
	CHECK_EQ(r.drop, XTOE_DROP_OUT_OF_ORDER);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	r = feed(&f, IRS + 6, ISS + 1, TCP_F_ACK, "b", 1);
	CHECK_EQ(r.drop, XTOE_DROP_OUT_OF_ORDER);
	r = feed(&f, IRS + 7, ISS + 1, TCP_F_ACK, "bbbbc", 5);
	CHECK_EQ(r.drop, XTOE_DROP_NONE);
	CHECK_EQ(f.c.ooo.iv[0].start, IRS + 7);
	CHECK_EQ(f.c.ooo.n, n);
	feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "aaaaab", 6);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 11);
	CHECK(memcmp(f.rx, "aaaaabbbbbc", 11) == 0);
	CHECK_EQ(f.c.ooo.n, n - 1);
	fix_free(&f);
}

/* The ACK's SACK blocks are exactly want[0..n), relative to IRS. */
static void expect_blocks(const struct tcp_hdrvals *h, const uint32_t want[][2],
			  unsigned n)
{
	REQUIRE(h->nsack == n);
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(h->sack[i][0], IRS + want[i][0]);
		CHECK_EQ(h->sack[i][1], IRS + want[i][1]);
	}
}

/* RFC 2018 4: ACKs carry SACK blocks for the held intervals, the one with
 * the latest segment first, at most three next to the timestamps. */
static void test_sack_blocks_sent(void)
{
	struct fix f;
	struct tcp_hdrvals h;
	struct tcp_seg s;

	conn_established(&f);
	f.c.sack_ok = true;
	feed(&f, IRS + 11, ISS + 1, TCP_F_ACK, "cc", 2);
	feed(&f, IRS + 21, ISS + 1, TCP_F_ACK, "e", 1);
	feed(&f, IRS + 31, ISS + 1, TCP_F_ACK, "g", 1);
	feed(&f, IRS + 41, ISS + 1, TCP_F_ACK, "i", 1);
	feed(&f, IRS + 22, ISS + 1, TCP_F_ACK, "ee", 2);
	tcp_ack_hdr(&f.c, 5000, &h);
	expect_blocks(&h, (const uint32_t[][2]){ { 21, 24 }, { 11, 13 }, { 31, 32 } }, 3);
	/* 40 option bytes, and they survive building and parsing */
	s = test_seg(buf, sizeof(buf), &h, NULL, 0);
	REQUIRE(s.nsack == 3);
	CHECK(s.has_ts);
	CHECK_EQ(s.sack[2][1], IRS + 32);
	CHECK_EQ(buf[TCP_ETH_HLEN + TCP_IP_HLEN + 12] >> 4, 15);
	fix_free(&f);
}

/* The next pure ACK carries exactly the SACK blocks want[0..n). */
static void expect_ack(struct fix *f, const uint32_t want[][2], unsigned n)
{
	struct tcp_hdrvals h;

	tcp_ack_hdr(&f->c, 5000, &h);
	expect_blocks(&h, want, n);
}

/* RFC 2883 4.1.1 (Linux tcp_send_dupack): a segment received before is
 * reported as the first SACK block of an immediate ACK, once; the
 * receiver then ACKs at once for a while (quick-ACK mode). */
static void test_rfc2883_dsack_reports_old_segment_once(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	f.c.sack_ok = true;
	feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	f.c.quick = 0;
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	CHECK(f.c.quick > 0);
	expect_ack(&f, (const uint32_t[][2]){ { 1, 6 } }, 1);
	expect_ack(&f, NULL, 0); /* reported once */
	/* without SACK, no block */
	f.c.sack_ok = false;
	feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	f.c.sack_ok = true;
	expect_ack(&f, NULL, 0);
	fix_free(&f);
}

/* RFC 2883 4.1.1: the part of a segment below rcv_nxt is the duplicate;
 * the rest is taken. */
static void test_rfc2883_dsack_reports_overlap_below_rcv_nxt(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	f.c.sack_ok = true;
	feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	r = feed(&f, IRS + 4, ISS + 1, TCP_F_ACK, "loXY", 4);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	CHECK(r.act & TCP_ACT_RX);
	expect_ack(&f, (const uint32_t[][2]){ { 4, 6 } }, 1);
	fix_free(&f);
}

/* RFC 2883 4.1.2: out-of-order data held already is reported first,
 * then the block that holds it (RFC 2018 4). */
static void test_rfc2883_dsack_reports_out_of_order_duplicate(void)
{
	struct fix f;
	struct tcp_hdrvals h;

	conn_established(&f);
	f.c.sack_ok = true;
	feed(&f, IRS + 21, ISS + 1, TCP_F_ACK, "gg", 2);
	feed(&f, IRS + 10, ISS + 1, TCP_F_ACK, "later", 5);
	feed(&f, IRS + 21, ISS + 1, TCP_F_ACK, "ggh", 3);
	tcp_ack_hdr(&f.c, 5000, &h);
	expect_blocks(&h, (const uint32_t[][2]){ { 21, 23 }, { 21, 24 }, { 10, 15 } }, 3);
	tcp_ack_hdr(&f.c, 5000, &h); /* reported once */
	expect_blocks(&h, (const uint32_t[][2]){ { 21, 24 }, { 10, 15 } }, 2);
	fix_free(&f);
}

/* RFC 7323 5.3 R1 with RFC 2883 (Linux tcp_validate_incoming): the
 * original of a retransmission that came first is refused by PAWS (its
 * timestamp is older); its data is still reported as a duplicate. */
static void test_rfc2883_dsack_reports_paws_refused_original(void)
{
	struct fix f;
	struct tcp_result r;
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ISS + 1, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 300,
				 .tsecr = 1, .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, "hello", 5);

	conn_established(&f);
	f.c.sack_ok = true;
	tcp_input(&f.c, &s, 5000); /* the retransmission, tsval 300 */
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5); /* tsval 200 */
	CHECK_EQ(r.drop, XTOE_DROP_PAWS);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	expect_ack(&f, (const uint32_t[][2]){ { 1, 6 } }, 1);
	fix_free(&f);
}

/* RFC 5681 4.2 (Linux __tcp_ack_snd_check): in-order data is ACKed at
 * once while out-of-order data is held, not after the delayed-ACK time. */
static void test_rfc5681_in_order_acked_at_once_while_gap_open(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	f.c.sack_ok = true;
	feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "a", 1); /* quick-ACKs start */
	f.c.quick = 0;
	r = feed(&f, IRS + 2, ISS + 1, TCP_F_ACK, "b", 1);
	CHECK(!(r.act & TCP_ACT_ACK)); /* delayed: nothing held */
	feed(&f, IRS + 20, ISS + 1, TCP_F_ACK, "z", 1);
	r = feed(&f, IRS + 3, ISS + 1, TCP_F_ACK, "c", 1);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	fix_free(&f);
}

/* Held data never goes beyond the ring's free space (the window we can
 * honour), whatever the peer sends. */
static void test_out_of_order_within_free_space(void)
{
	struct fix f;
	char big[1000];
	struct tcp_result r;

	conn_established(&f);
	memset(big, 'q', sizeof(big));
	atomic_store(&f.shm.rx_head, 0);
	f.c.rcv_adv = IRS + 1 + RX + 2000; /* as if the window had been larger */
	r = feed(&f, IRS + 1 + RX - 500, ISS + 1, TCP_F_ACK, big, 1000);
	CHECK_EQ(f.c.ooo.iv[0].end - f.c.ooo.iv[0].start, 500);
	r = feed(&f, IRS + 1 + RX, ISS + 1, TCP_F_ACK, big, 100);
	CHECK_EQ(r.drop, XTOE_DROP_RX_RING_FULL);
	CHECK_EQ(f.c.ooo.iv[0].end - f.c.ooo.iv[0].start, 500);
	fix_free(&f);
}

/* A FIN after held data is taken when the gap fills (RFC 9293 3.10.7.4
 * eighth check, in sequence order). */
static void test_out_of_order_fin_taken_at_merge(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 4, ISS + 1, TCP_F_ACK | TCP_F_FIN, "end", 3);
	CHECK(!(r.act & TCP_ACT_FIN));
	CHECK(f.c.ooo_fin);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "the", 3);
	CHECK(r.act & TCP_ACT_FIN);
	CHECK_EQ(f.c.state, TCP_CLOSE_WAIT);
	CHECK_EQ(f.c.rcv_nxt, IRS + 8);
	CHECK(memcmp(f.rx, "theend", 6) == 0);
	fix_free(&f);
}

int main(void)
{
	RUN(test_out_of_order_held_with_dupack);
	RUN(test_out_of_order_merged_when_gap_fills);
	RUN(test_out_of_order_overlaps_trimmed);
	RUN(test_several_gaps);
	RUN(test_sack_blocks_sent);
	RUN(test_rfc2883_dsack_reports_old_segment_once);
	RUN(test_rfc2883_dsack_reports_overlap_below_rcv_nxt);
	RUN(test_rfc2883_dsack_reports_out_of_order_duplicate);
	RUN(test_rfc2883_dsack_reports_paws_refused_original);
	RUN(test_rfc5681_in_order_acked_at_once_while_gap_open);
	RUN(test_out_of_order_within_free_space);
	RUN(test_out_of_order_fin_taken_at_merge);
	return check_summary();
}
