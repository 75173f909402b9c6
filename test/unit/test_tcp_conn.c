/* SPDX-License-Identifier: MIT */
/* tcp_input / tcp_output_next on a connection built directly in
 * ESTABLISHED (RFC 9293 3.10.7.4, RFC 5961, RFC 7323, RFC 5681). */
#include "check.h"
#include "core/cc.h"
#include "tcp_test_util.h"
#include "core/tcp_conn_int.h"

#define ISS 1000u
#define IRS 50000u
#define RX 4096u
#define TX 8192u

static uint8_t buf[2048];

struct fix {
	struct tcp_conn c;
	struct tcp_test_app shm;
	uint8_t *rx, *tx;
};

static void conn_established(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	f->rx = calloc(1, RX);
	f->tx = calloc(1, TX);
	f->c.ep = test_ep_local;
	f->c.state = TCP_ESTABLISHED;
	f->c.mss = 1000;
	f->c.ts_ok = true;
	f->c.iss = ISS;
	f->c.snd_una = f->c.snd_nxt = f->c.snd_max = f->c.snd_recover = ISS + 1;
	f->c.snd_wnd = f->c.max_snd_wnd = 10000;
	f->c.snd_wl1 = IRS + 1;
	f->c.snd_wl2 = ISS + 1;
	f->c.irs = IRS;
	f->c.rcv_nxt = f->c.last_ack_sent = IRS + 1;
	f->c.rcv_adv = IRS + 1 + RX;
	f->c.ts_recent = 100;
	test_attach(&f->c, &f->shm, f->rx, RX, f->tx, TX);
}

static void fix_free(struct fix *f)
{
	free(f->rx);
	free(f->tx);
}

/* A segment from the peer at time now. */
static struct tcp_result feed_at(struct fix *f, uint64_t now, uint32_t seq,
				 uint32_t ack, uint8_t flags)
{
	struct tcp_hdrvals h = { .seq = seq, .ack = ack, .flags = flags,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, NULL, 0);

	return tcp_input(&f->c, &s, now);
}

/* A segment from the peer. */
static struct tcp_result feed(struct fix *f, uint32_t seq, uint32_t ack,
			      uint8_t flags, const char *data, uint16_t len)
{
	struct tcp_hdrvals h = { .seq = seq, .ack = ack, .flags = flags,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, data, len);

	return tcp_input(&f->c, &s, 5000);
}

static void app_queue(struct fix *f, uint32_t n)
{
	uint32_t t = atomic_load(&f->shm.tx_tail);

	for (uint32_t i = 0; i < n; i++)
		f->tx[(t + i) & (TX - 1)] = (uint8_t)(t + i);
	atomic_store(&f->shm.tx_tail, t + n);
}

/* RFC 9293 3.10.7.4 step 7: in-order data placed, ACKed, rx_tail moved. */
static void test_in_order_data_placed_and_acked(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	CHECK(r.act & TCP_ACT_RX);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK_EQ(r.drop, XTOE_DROP_NONE);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 5);
	CHECK(memcmp(f.rx, "hello", 5) == 0);
	CHECK_EQ(f.c.rcv_nxt, IRS + 6);
	CHECK_EQ(f.c.bytes_in, 5);
	fix_free(&f);
}

/* A segment from the peer placed in the rx ring by tcp_rx_copy (its sum
 * taken in the same pass) before tcp_input, as the data-path does. */
static struct tcp_result feed_placed(struct fix *f, uint32_t seq, const uint8_t *data,
				     uint16_t len, bool *sum_ok)
{
	struct tcp_hdrvals h = { .seq = seq, .ack = ISS + 1, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, data, len);

	CHECK(tcp_rx_direct_ok(&f->c, &s));
	*sum_ok = tcp_seg_csum_ok(&s, tcp_rx_copy(&f->c, &s));
	return tcp_input(&f->c, &s, 5000);
}

/* In-order segments copied into the ring with their checksum summed at
 * once: published once each, in order, across the ring's wrap after an
 * odd number of bytes, and the sums verify. */
static void test_placed_in_order_across_the_wrap(void)
{
	static uint8_t data[3 * RX];
	uint32_t seq = IRS + 1, at = 0, len = 1; /* then 1000: wraps at odd offsets */
	struct fix f;
	int bad = 0;

	conn_established(&f);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	while (at + len <= sizeof(data)) {
		bool ok = false;
		struct tcp_result r = feed_placed(&f, seq, data + at, (uint16_t)len, &ok);

		bad += !ok || !(r.act & TCP_ACT_RX) || r.drop != XTOE_DROP_NONE;
		for (uint32_t i = 0; i < len; i++)
			bad += f.rx[(at + i) & (RX - 1)] != data[at + i];
		at += len;
		seq += len;
		len = 1000;
		atomic_store(&f.shm.rx_head, at); /* the application reads it all */
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), at);
	CHECK_EQ(f.c.rcv_nxt, seq);
	CHECK_EQ(f.c.bytes_in, at);
	fix_free(&f);
}

/* Only the next in-order bytes with room for them, and nothing while
 * out-of-order data is held, go straight into the ring. */
static void test_direct_only_in_order_with_room(void)
{
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ISS + 1, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1 };
	static uint8_t big[RX + 1];
	struct tcp_seg s;
	struct fix f;

	conn_established(&f);
	s = test_seg(buf, sizeof(buf), &h, "abc", 3);
	CHECK(tcp_rx_direct_ok(&f.c, &s));
	h.seq = IRS + 2;
	s = test_seg(buf, sizeof(buf), &h, "abc", 3);
	CHECK(!tcp_rx_direct_ok(&f.c, &s)); /* not at rcv_nxt */
	h.seq = IRS + 1;
	s = test_seg(buf, sizeof(buf), &h, NULL, 0);
	CHECK(!tcp_rx_direct_ok(&f.c, &s)); /* no payload */
	s = test_seg(buf, sizeof(buf), &h, big, 1500);
	s.len = RX + 1; /* more than the ring holds */
	CHECK(!tcp_rx_direct_ok(&f.c, &s));
	feed(&f, IRS + 101, ISS + 1, TCP_F_ACK, "zz", 2); /* held out of order */
	s = test_seg(buf, sizeof(buf), &h, "abc", 3);
	CHECK(!tcp_rx_direct_ok(&f.c, &s));
	fix_free(&f);
}

/* A placed segment tcp_input refuses (PAWS: an old timestamp) publishes
 * nothing: the copied bytes stay free room. */
static void test_placed_but_refused_publishes_nothing(void)
{
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ISS + 1, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 50,
				 .tsecr = 1, .wscale = -1 };
	struct tcp_seg s;
	struct tcp_result r;
	struct fix f;

	conn_established(&f);
	s = test_seg(buf, sizeof(buf), &h, "hello", 5);
	CHECK(tcp_rx_direct_ok(&f.c, &s));
	CHECK(tcp_seg_csum_ok(&s, tcp_rx_copy(&f.c, &s)));
	r = tcp_input(&f.c, &s, 5000);
	CHECK_EQ(r.drop, XTOE_DROP_PAWS);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 0);
	CHECK_EQ(f.c.rcv_nxt, IRS + 1);
	fix_free(&f);
}

/* RFC 1122 4.2.3.2 / RFC 5681 4.2 as Linux: after the quick ACKs of a
 * new flow, in-order data is ACKed once more than one full segment is
 * unacknowledged (every second full segment); one alone waits for the
 * delayed-ACK timer. */
static void test_ack_every_second_full_segment(void)
{
	static const char seg[1000];
	struct tcp_hdrvals h;
	uint32_t seq = IRS + 1;
	int acked[6];
	struct fix f;

	conn_established(&f);
	for (int i = 0; i < 6; i++, seq += sizeof(seg)) {
		struct tcp_result r = feed(&f, seq, ISS + 1, TCP_F_ACK, seg, sizeof(seg));

		acked[i] = !!(r.act & TCP_ACT_ACK);
		if (acked[i])
			tcp_ack_hdr(&f.c, 5000, &h); /* the ACK leaves */
		atomic_store(&f.shm.rx_head, seq + sizeof(seg) - IRS - 1);
	}
	CHECK(acked[0] && acked[1]); /* quick ACKs: 4096 / (2 * 1000) */
	CHECK(!acked[2] && acked[3]);
	CHECK(!acked[4] && acked[5]);
	CHECK(f.c.t.delack != 0 || f.c.last_ack_sent == f.c.rcv_nxt);
	fix_free(&f);
}

/* RFC 9293 3.10.7.4: old bytes trimmed; entire duplicates only ACKed. */
static void test_duplicate_and_overlap_trimmed(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, "hello", 5);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK(!(r.act & TCP_ACT_RX));
	r = feed(&f, IRS + 4, ISS + 1, TCP_F_ACK, "loXY", 4);
	CHECK(r.act & TCP_ACT_RX);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 7);
	CHECK(memcmp(f.rx, "helloXY", 7) == 0);
	fix_free(&f);
}

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

/* Bytes beyond free ring space are dropped; the ACK says how far we got. */
static void test_ring_full(void)
{
	struct fix f;
	struct tcp_result r;
	char d[1000] = { 0 };
	uint32_t seq = IRS + 1;

	conn_established(&f);
	for (int i = 0; i < 4; i++, seq += 1000)
		feed(&f, seq, ISS + 1, TCP_F_ACK, d, 1000);
	r = feed(&f, seq, ISS + 1, TCP_F_ACK, d, 1000);
	CHECK_EQ(r.drop, XTOE_DROP_RX_RING_FULL);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), RX);
	CHECK_EQ(tcp_rcv_window(&f.c), 0);
	atomic_store(&f.shm.rx_head, 2048);
	CHECK(tcp_window_update_due(&f.c));
	fix_free(&f);
}

/* RFC 9293 3.8.6.2.2: the advertised right edge never moves left. */
static void test_window_never_shrinks(void)
{
	struct fix f;
	struct tcp_hdrvals h;
	uint32_t edge;
	char d[1000] = { 0 };

	conn_established(&f);
	tcp_ack_hdr(&f.c, 1, &h);
	edge = f.c.rcv_nxt + h.wnd;
	CHECK_EQ(h.wnd, RX);
	feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, d, 1000);
	tcp_ack_hdr(&f.c, 1, &h);
	CHECK(seq_ge(f.c.rcv_nxt + h.wnd, edge));
	CHECK_EQ(h.wnd, RX - 1000);
	fix_free(&f);
}

/* The app may write anything to rx_head: free space is then 0, never more. */
static void test_corrupt_rx_head_cannot_overflow(void)
{
	struct fix f;
	struct tcp_result r;
	char d[1000];

	memset(d, 0xab, sizeof(d));
	conn_established(&f);
	atomic_store(&f.shm.rx_head, 0x80000000u);
	CHECK_EQ(tcp_rcv_window(&f.c), 0);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, d, 1000);
	CHECK_EQ(r.drop, XTOE_DROP_RX_RING_FULL);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 0);
	atomic_store(&f.shm.rx_head, 1u); /* ahead of rx_tail */
	CHECK_EQ(tcp_rcv_window(&f.c), 0);
	fix_free(&f);
}

/* ACK of new data frees tx space (tx_head) and samples the RTT. */
static void test_ack_advances_tx_head(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ISS + 501,
				 .flags = TCP_F_ACK, .wnd = 10000, .ts = true,
				 .tsval = 200, .wscale = -1 };
	struct tcp_seg s;
	struct tcp_result r;

	conn_established(&f);
	app_queue(&f, 500);
	REQUIRE(tcp_output_next(&f.c, 1000, &seg));
	CHECK_EQ(seg.len, 500);
	CHECK(seg.h.flags & TCP_F_PSH);
	s = test_seg(buf, sizeof(buf), &h, NULL, 0);
	r = tcp_input(&f.c, &s, 3000);
	CHECK(r.act & TCP_ACT_TX_FREED);
	CHECK_EQ(atomic_load(&f.shm.tx_head), 500);
	CHECK_EQ(f.c.snd_una, ISS + 501);
	CHECK_EQ(f.c.srtt_us, 2000);
	CHECK_EQ(f.c.rttvar_us, 1000);
	fix_free(&f);
}

/* A full send ring is writable again (worth a writer's wake-up) once a
 * third of it is free, as Linux's sk_stream_is_writeable; an ACK that
 * frees less is not. */
static void test_tx_writable_after_a_third_is_free(void)
{
	struct fix f;
	struct tcp_seg s;
	struct tcp_result r;
	struct tcp_txseg seg;
	struct tcp_hdrvals h = { .seq = IRS + 1, .flags = TCP_F_ACK, .wnd = 60000,
				 .ts = true, .tsval = 200, .wscale = -1 };

	conn_established(&f);
	f.c.snd_wnd = f.c.max_snd_wnd = 60000;
	f.c.cc_st.cwnd = 60000;
	CHECK(tcp_tx_writable(&f.c)); /* empty */
	app_queue(&f, TX);
	CHECK(!tcp_tx_writable(&f.c)); /* full */
	while (tcp_output_next(&f.c, 1000, &seg))
		;
	h.ack = ISS + 1 + TX / 3 - 100;
	s = test_seg(buf, sizeof(buf), &h, NULL, 0);
	r = tcp_input(&f.c, &s, 3000);
	CHECK(r.act & TCP_ACT_TX_FREED);
	CHECK(!tcp_tx_writable(&f.c)); /* freed, but less than a third */
	h.ack = ISS + 1 + TX / 3 + 1;
	s = test_seg(buf, sizeof(buf), &h, NULL, 0);
	r = tcp_input(&f.c, &s, 3000);
	CHECK(r.act & TCP_ACT_TX_FREED);
	CHECK(tcp_tx_writable(&f.c));
	fix_free(&f);
}

/* RFC 9293 3.10.7.4: ACK of something not yet sent -> ACK, drop. */
static void test_ack_beyond_snd_nxt(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 1, ISS + 100, TCP_F_ACK, "x", 1);
	CHECK_EQ(r.drop, XTOE_DROP_ACK_INVALID);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 0);
	fix_free(&f);
}

/* RFC 5681 3.2: third duplicate ACK -> resend from snd_una (go-back-N). */
static void test_three_dupacks_go_back_n(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r = { 0 };

	conn_established(&f);
	app_queue(&f, 3000);
	while (tcp_output_next(&f.c, 1, &seg))
		;
	CHECK_EQ(f.c.snd_nxt, ISS + 3001);
	for (int i = 0; i < 3; i++)
		r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, NULL, 0);
	CHECK(r.act & TCP_ACT_OUTPUT);
	CHECK_EQ(f.c.snd_nxt, ISS + 1);
	REQUIRE(tcp_output_next(&f.c, 2, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1);
	CHECK_EQ(seg.tx_pos, 0);
	CHECK_EQ(f.c.retransmits, 1);
	fix_free(&f);
}

/* Output is limited by MSS and by the peer's window (RFC 9293 3.8.6.2.1). */
static void test_output_respects_window_and_mss(void)
{
	struct fix f;
	struct tcp_txseg seg;
	uint32_t total = 0;

	conn_established(&f);
	f.c.snd_wnd = 2500;
	app_queue(&f, 5000);
	while (tcp_output_next(&f.c, 1, &seg)) {
		CHECK(seg.len <= 1000);
		CHECK_EQ(seg.h.ack, IRS + 1);
		CHECK(seg.h.ts);
		total += seg.len;
	}
	CHECK_EQ(total, 2000); /* the 500 left wait (sender SWS avoidance) */
	CHECK_EQ(f.c.segs_out, 2);
	f.c.snd_wnd = 0;
	f.c.snd_una = f.c.snd_nxt; /* nothing in flight, window closed */
	CHECK(!tcp_output_next(&f.c, 1, &seg));
	fix_free(&f);
}

/* RFC 9293 3.8.6.1: a zero window with data queued and nothing in flight
 * wants the persist timer; the probe is an ACK at snd_una - 1 carrying no
 * data; the peer's answer that opens the window restarts output. */
static void test_zero_window_persist_probe(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_hdrvals h;
	struct tcp_result r;

	conn_established(&f);
	f.c.snd_wnd = 0;
	CHECK(!tcp_persist_wanted(&f.c)); /* nothing queued */
	app_queue(&f, 3000);
	CHECK(!tcp_output_next(&f.c, 1, &seg));
	CHECK(tcp_persist_wanted(&f.c));
	tcp_probe_hdr(&f.c, 1, &h);
	CHECK_EQ(h.seq, ISS);
	CHECK_EQ(h.ack, IRS + 1);
	CHECK_EQ(h.flags, TCP_F_ACK);
	CHECK(!tcp_output_next(&f.c, 1, &seg)); /* still no window */
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK, NULL, 0); /* wnd 10000 */
	CHECK(r.act & TCP_ACT_OUTPUT);
	CHECK(!tcp_persist_wanted(&f.c));
	CHECK(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.len, 1000);
	fix_free(&f);
}

/* RFC 9293 3.8.6.1: the receiver answers a window probe (an old sequence
 * number, no data) with an ACK carrying its window. */
static void test_window_probe_answered(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS, ISS + 1, TCP_F_ACK, NULL, 0);
	CHECK(r.act & TCP_ACT_ACK);
	fix_free(&f);
}

/* RFC 9293 3.8.6.2.1 sender SWS avoidance: a window of less than an MSS and
 * less than half the largest window seen is not used while data waits for
 * more; the persist timer's override sends one small segment. */
static void test_sender_sws_avoidance(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_hdrvals h;

	conn_established(&f);
	f.c.max_snd_wnd = 10000;
	f.c.snd_wnd = 300;
	app_queue(&f, 5000);
	CHECK(!tcp_output_next(&f.c, 1, &seg));
	CHECK(tcp_persist_wanted(&f.c));
	tcp_probe_hdr(&f.c, 1, &h);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.len, 300);
	CHECK(!tcp_persist_wanted(&f.c)); /* in flight now: the RTO runs */
	fix_free(&f);
	/* all that is queued may go, however small */
	conn_established(&f);
	f.c.max_snd_wnd = 10000;
	f.c.snd_wnd = 300;
	app_queue(&f, 200);
	CHECK(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.len, 200);
	fix_free(&f);
}

/* A SACKing peer's ACK, no data, at time now. */
static struct tcp_result feed_sack_at(struct fix *f, uint64_t now, uint32_t ack,
				      uint32_t l, uint32_t rgt)
{
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ack, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1, .nsack = 1,
				 .sack = { { l, rgt } } };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, NULL, 0);

	return tcp_input(&f->c, &s, now);
}

static struct tcp_result feed_sack(struct fix *f, uint32_t ack, uint32_t l,
				   uint32_t rgt)
{
	return feed_sack_at(f, 5000, ack, l, rgt);
}

/* RFC 8985 6.2 (RACK), RFC 6675 NextSeg: a SACK above a hole is not yet a
 * loss (reordering window: min_rtt / 4); when the window passes (the
 * reorder timer) the hole is resent, and only it: what is above every
 * SACKed byte is still in flight (RFC 6675 IsLost). */
static void test_rfc8985_rack_reordering_window_then_hole(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r;

	conn_established(&f);
	f.c.sack_ok = true;
	f.c.srtt_us = f.c.min_rtt_us = 4000;
	app_queue(&f, 5000);
	while (tcp_output_next(&f.c, 1, &seg))
		;
	r = feed_sack(&f, ISS + 1, ISS + 1001, ISS + 2001); /* at 5000 */
	CHECK(!(r.act & TCP_ACT_OUTPUT));
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(f.c.t.reo, 6000); /* sent at 1, RTT 4999, window 1000 */
	CHECK_EQ(tcp_timer_next(&f.c), 6000);
	CHECK(tcp_timer_fire(&f.c, 6000) & TCP_ACT_OUTPUT);
	REQUIRE(tcp_output_next(&f.c, 6000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1);
	CHECK_EQ(seg.len, 1000);
	CHECK(!tcp_output_next(&f.c, 6000, &seg));
	CHECK_EQ(f.c.snd_nxt, ISS + 5001);
	fix_free(&f);
}

/* RFC 6675 5.1 / Linux tcp_timeout_mark_lost: an RTO keeps what the peer
 * SACKed; the sweep resends the rest only. A peer that SACKed the byte at
 * snd_una without ACKing it reneged (RFC 2018 8): then nothing SACKed is
 * trusted. */
static void test_rfc6675_rto_keeps_sacked_unless_reneged(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_established(&f);
	f.c.sack_ok = true;
	app_queue(&f, 4000);
	while (tcp_output_next(&f.c, 1, &seg))
		;
	feed_sack(&f, ISS + 1, ISS + 1001, ISS + 3001);
	tcp_go_back_n(&f.c, 300000);
	CHECK_EQ(f.c.sacked.n, 1);
	REQUIRE(tcp_output_next(&f.c, 300000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1);
	CHECK_EQ(seg.len, 1000);
	REQUIRE(tcp_output_next(&f.c, 300000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 3001); /* [1001, 3001) not again */
	CHECK(!tcp_output_next(&f.c, 300000, &seg));
	/* reneging: a SACK block that starts at snd_una */
	feed_sack(&f, ISS + 1001, ISS + 1001, ISS + 2001);
	REQUIRE(f.c.sacked.n && f.c.sacked.iv[0].start == ISS + 1001);
	tcp_go_back_n(&f.c, 600000);
	CHECK_EQ(f.c.sacked.n, 0);
	REQUIRE(tcp_output_next(&f.c, 600000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1001);
	fix_free(&f);
}

/* RFC 8985 6.2 with Linux's reo_wnd: three SACKed segments (the classic
 * duplicate-ACK threshold) make the reordering window 0: the hole goes at
 * once; a later SACK that reveals a new hole resends that one, skipping
 * SACKed bytes; a retransmission that is itself lost is found by time. */
static void test_rfc8985_rack_three_sacked_and_lost_retransmission(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r;

	conn_established(&f);
	f.c.sack_ok = true;
	f.c.srtt_us = f.c.min_rtt_us = 4000;
	app_queue(&f, 6000);
	while (tcp_output_next(&f.c, 1, &seg))
		;
	feed_sack(&f, ISS + 1, ISS + 1001, ISS + 2001);
	feed_sack(&f, ISS + 1, ISS + 1001, ISS + 3001);
	r = feed_sack(&f, ISS + 1, ISS + 1001, ISS + 4001);
	CHECK(r.act & TCP_ACT_OUTPUT);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1);
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	/* segment 6 arrives, 5 not: 5 is the new hole */
	r = feed_sack(&f, ISS + 1, ISS + 5001, ISS + 6001);
	CHECK(r.act & TCP_ACT_OUTPUT);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 4001);
	CHECK_EQ(seg.len, 1000);
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	fix_free(&f);
}

/* RFC 8985 7.3: with nothing new to send, the loss probe resends the
 * latest segment (not the first), once; snd_nxt and congestion state stay;
 * nothing is probed when nothing is outstanding. */
static void test_rfc8985_tlp_resends_latest_segment(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_established(&f);
	tcp_loss_probe(&f.c);
	CHECK(!f.c.rtx_one);
	app_queue(&f, 2500);
	while (tcp_output_next(&f.c, 1, &seg))
		;
	tcp_loss_probe(&f.c);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.h.seq, ISS + 2001);
	CHECK_EQ(seg.len, 500);
	CHECK(seg.h.flags & TCP_F_PSH);
	CHECK_EQ(f.c.snd_nxt, ISS + 2501);
	CHECK(!tcp_output_next(&f.c, 1, &seg));
	fix_free(&f);
}

/* RFC 8985 7.3: new data, when the peer's window allows, is the probe. */
static void test_rfc8985_tlp_sends_new_data(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_established(&f);
	f.c.snd_wnd = 2000;
	app_queue(&f, 3000);
	while (tcp_output_next(&f.c, 1, &seg))
		;
	CHECK_EQ(f.c.snd_nxt, ISS + 2001);
	f.c.snd_wnd = 3000; /* the window opened */
	tcp_loss_probe(&f.c);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.h.seq, ISS + 2001);
	CHECK_EQ(seg.len, 1000);
	fix_free(&f);
}

/* RFC 6675 2 (DupAck): with SACK, a segment that SACKs new bytes counts
 * as a duplicate ACK even when it carries data or a different window (a
 * peer that is sending too); one that SACKs nothing new does not. */
static void test_sack_dupacks_with_data(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r;
	uint32_t rcv = IRS + 1;

	conn_established(&f);
	f.c.sack_ok = true;
	f.c.srtt_us = f.c.min_rtt_us = 40000; /* RACK waits: count only */
	app_queue(&f, 5000);
	while (tcp_output_next(&f.c, 1, &seg))
		;
	for (int i = 0; i < 3; i++) {
		struct tcp_hdrvals h = {
			.seq = rcv, .ack = ISS + 1, .flags = TCP_F_ACK,
			.wnd = (uint16_t)(9000 + 100 * i), .ts = true,
			.tsval = 200, .tsecr = 1, .wscale = -1, .nsack = 1,
			.sack = { { ISS + 1001, ISS + 2001 + 1000 * (i == 2) } } };
		struct tcp_seg s = test_seg(buf, sizeof(buf), &h, "data", 4);

		r = tcp_input(&f.c, &s, 5000);
		rcv += 4;
		CHECK(r.act & TCP_ACT_RX);
	}
	CHECK_EQ(f.c.dupacks, 2); /* the second SACKed nothing new */
	CHECK(!(r.act & TCP_ACT_OUTPUT));
	{
		struct tcp_hdrvals h = {
			.seq = rcv, .ack = ISS + 1, .flags = TCP_F_ACK,
			.wnd = 8000, .ts = true, .tsval = 200, .tsecr = 1,
			.wscale = -1, .nsack = 1,
			.sack = { { ISS + 1001, ISS + 4001 } } };
		struct tcp_seg s = test_seg(buf, sizeof(buf), &h, NULL, 0);

		r = tcp_input(&f.c, &s, 5000);
	}
	CHECK(r.act & TCP_ACT_OUTPUT);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1);
	fix_free(&f);
}

/* FIN after data (RFC 9293 3.6): rides on the last segment; FIN-WAIT-1,
 * then FIN-WAIT-2 when acked; tx_head does not count the FIN. */
static void test_fin_after_data(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r;

	conn_established(&f);
	app_queue(&f, 100);
	tcp_app_shutdown(&f.c);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.len, 100);
	CHECK(seg.h.flags & TCP_F_FIN);
	CHECK_EQ(f.c.state, TCP_FIN_WAIT_1);
	CHECK(!tcp_output_next(&f.c, 1, &seg));
	r = feed(&f, IRS + 1, ISS + 102, TCP_F_ACK, NULL, 0);
	CHECK_EQ(f.c.state, TCP_FIN_WAIT_2);
	CHECK_EQ(atomic_load(&f.shm.tx_head), 100);
	CHECK(r.act & TCP_ACT_TX_FREED);
	r = feed(&f, IRS + 1, ISS + 102, TCP_F_ACK | TCP_F_FIN, "bye", 3);
	CHECK(r.act & TCP_ACT_FIN);
	CHECK(r.act & TCP_ACT_DONE);
	CHECK_EQ(f.c.state, TCP_TIME_WAIT);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 3);
	fix_free(&f);
}

/* Our FIN sent and acknowledged at time `at`: FIN-WAIT-2. */
static void fin_wait_2(struct fix *f, uint64_t at)
{
	struct tcp_txseg seg;

	conn_established(f);
	tcp_app_shutdown(&f->c);
	REQUIRE(tcp_output_next(&f->c, at, &seg));
	feed_at(f, at, IRS + 1, ISS + 2, TCP_F_ACK);
	REQUIRE(f->c.state == TCP_FIN_WAIT_2);
}

/* Linux tcp_fin_timeout: once the application closed its handle, a peer
 * that never sends its FIN holds the connection fin_timeout at most, then
 * it ends without a RST (TCP_ACT_TIMEOUT, CLOSED); after shutdown(SHUT_WR)
 * alone FIN-WAIT-2 lasts (the application may still read). */
static void test_orphan_fin_wait_2_times_out(void)
{
	struct tcp_params p = tcp_params_linux;
	struct fix f;

	CHECK_EQ(p.fin_timeout_us, 60000000);
	fin_wait_2(&f, 1000);
	CHECK_EQ(tcp_timer_next(&f.c), UINT64_MAX);
	CHECK_EQ(tcp_timer_fire(&f.c, 3600000000ull) & TCP_ACT_TIMEOUT, 0);
	CHECK_EQ(f.c.state, TCP_FIN_WAIT_2);
	tcp_app_orphan(&f.c, 3600000000ull);
	CHECK_EQ(tcp_timer_next(&f.c), 3600000000ull + 60000000);
	CHECK_EQ(tcp_timer_fire(&f.c, 3660000000ull - 1) & TCP_ACT_TIMEOUT, 0);
	CHECK_EQ(f.c.state, TCP_FIN_WAIT_2);
	CHECK(tcp_timer_fire(&f.c, 3660000000ull) & TCP_ACT_TIMEOUT);
	CHECK_EQ(f.c.state, TCP_CLOSED);
	CHECK_EQ(tcp_timer_next(&f.c), UINT64_MAX);
	fix_free(&f);
	/* closed first (FIN-WAIT-1), FIN acknowledged later: from then on,
	 * with a configured fin_timeout */
	p.fin_timeout_us = 2000000;
	conn_established(&f);
	f.c.par = &p;
	tcp_app_shutdown(&f.c);
	tcp_app_orphan(&f.c, 1000);
	CHECK_EQ(f.c.t.linger, 0);
	REQUIRE(tcp_output_next(&f.c, 1000, &(struct tcp_txseg){ 0 }));
	feed_at(&f, 50000, IRS + 1, ISS + 2, TCP_F_ACK);
	CHECK_EQ(f.c.state, TCP_FIN_WAIT_2);
	CHECK_EQ(tcp_timer_next(&f.c), 50000 + 2000000);
	CHECK(tcp_timer_fire(&f.c, 50000 + 2000000) & TCP_ACT_TIMEOUT);
	fix_free(&f);
}

/* An orphan's retransmissions give up after tcp_orphan_retries (8) RTOs,
 * not tcp_retries2 (15). */
static void test_orphan_retransmissions_give_up_sooner(void)
{
	for (int orphan = 0; orphan < 2; orphan++) {
		struct fix f;
		struct tcp_txseg seg;
		uint64_t now = 1000;
		uint32_t act = 0;
		int rtos = 0;

		conn_established(&f);
		app_queue(&f, 500);
		tcp_app_shutdown(&f.c);
		REQUIRE(tcp_output_next(&f.c, now, &seg));
		if (orphan)
			tcp_app_orphan(&f.c, now);
		while (!(act & TCP_ACT_TIMEOUT) && rtos < 100) {
			now = f.c.t.rto;
			act = tcp_timer_fire(&f.c, now);
			rtos += !(act & TCP_ACT_TIMEOUT);
			while (tcp_output_next(&f.c, now, &seg))
				;
		}
		CHECK_EQ(rtos, orphan ? 8 : 15);
		fix_free(&f);
	}
}

/* Peer FIN in ESTABLISHED -> CLOSE-WAIT; our FIN -> LAST-ACK -> CLOSED. */
static void test_fin_passive_close(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK | TCP_F_FIN, NULL, 0);
	CHECK(r.act & TCP_ACT_FIN);
	CHECK_EQ(f.c.state, TCP_CLOSE_WAIT);
	CHECK_EQ(f.c.rcv_nxt, IRS + 2);
	tcp_app_shutdown(&f.c);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(f.c.state, TCP_LAST_ACK);
	r = feed(&f, IRS + 2, ISS + 2, TCP_F_ACK, NULL, 0);
	CHECK(r.act & TCP_ACT_DONE);
	CHECK_EQ(f.c.state, TCP_CLOSED);
	fix_free(&f);
}

/* FIN-WAIT-1 + peer FIN before our FIN is acked -> CLOSING -> TIME-WAIT. */
static void test_fin_simultaneous_closing(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r;

	conn_established(&f);
	tcp_app_shutdown(&f.c);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK | TCP_F_FIN, NULL, 0);
	CHECK_EQ(f.c.state, TCP_CLOSING);
	r = feed(&f, IRS + 2, ISS + 2, TCP_F_ACK, NULL, 0);
	CHECK(r.act & TCP_ACT_DONE);
	CHECK_EQ(f.c.state, TCP_TIME_WAIT);
	/* a retransmitted FIN in TIME-WAIT is ACKed again */
	r = feed(&f, IRS + 1, ISS + 2, TCP_F_ACK | TCP_F_FIN, NULL, 0);
	CHECK(r.act & TCP_ACT_ACK);
	fix_free(&f);
}

/* FIN with data beyond ring space is not consumed (the data is incomplete). */
static void test_fin_not_taken_when_data_dropped(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	atomic_store(&f.shm.rx_head, 0x80000000u);
	r = feed(&f, IRS + 1, ISS + 1, TCP_F_ACK | TCP_F_FIN, "abc", 3);
	CHECK(!(r.act & TCP_ACT_FIN));
	CHECK_EQ(f.c.state, TCP_ESTABLISHED);
	fix_free(&f);
}

/* RFC 5961 3.2: RST at exactly rcv_nxt resets; elsewhere in the window it
 * only draws a challenge ACK; outside the window it is ignored. */
static void test_rst_exact_vs_in_window(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 5, 0, TCP_F_RST, NULL, 0);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK(!(r.act & TCP_ACT_RESET));
	r = feed(&f, IRS + 100000, 0, TCP_F_RST, NULL, 0);
	CHECK_EQ(r.act, 0);
	CHECK_EQ(f.c.state, TCP_ESTABLISHED);
	r = feed(&f, IRS + 1, 0, TCP_F_RST, NULL, 0);
	CHECK(r.act & TCP_ACT_RESET);
	CHECK_EQ(f.c.state, TCP_CLOSED);
	fix_free(&f);
}

/* RFC 5961 4.2: SYN in a synchronized state -> challenge ACK, drop. */
static void test_syn_in_established_challenge_ack(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 1, 0, TCP_F_SYN, NULL, 0);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK(r.drop != XTOE_DROP_NONE);
	CHECK_EQ(f.c.state, TCP_ESTABLISHED);
	fix_free(&f);
}

/* RFC 5961 7: challenge ACKs (in-window RST, SYN) are limited per
 * connection to TCP_CHALLENGE_ACK_LIMIT a second. */
static void test_challenge_ack_rate_limited(void)
{
	struct fix f;
	unsigned acks = 0;

	conn_established(&f);
	for (unsigned i = 0; i < 2 * TCP_CHALLENGE_ACK_LIMIT; i++) {
		uint8_t fl = i & 1 ? TCP_F_SYN : TCP_F_RST;

		if (feed_at(&f, 2000000 + i, IRS + 5, 0, fl).act & TCP_ACT_ACK)
			acks++;
	}
	CHECK_EQ(acks, TCP_CHALLENGE_ACK_LIMIT);
	CHECK_EQ(f.c.state, TCP_ESTABLISHED);
	CHECK(feed_at(&f, 3100000, IRS + 5, 0, TCP_F_SYN).act & TCP_ACT_ACK);
	fix_free(&f);
}

/* RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND is discarded with a
 * challenge ACK; one within that range is an old duplicate and the segment
 * is processed. */
static void test_ack_too_old_discarded(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 1, ISS + 1 - 20000, TCP_F_ACK, "x", 1);
	CHECK_EQ(r.drop, XTOE_DROP_ACK_INVALID);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK(!(r.act & TCP_ACT_RX));
	r = feed(&f, IRS + 1, ISS + 1 - 5000, TCP_F_ACK, "x", 1);
	CHECK(r.act & TCP_ACT_RX);
	fix_free(&f);
}

/* RFC 7323 5.3: a segment whose TSval is older than TS.Recent is dropped
 * and ACKed; a newer one updates TS.Recent. */
static void test_paws(void)
{
	struct fix f;
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ISS + 1,
				 .flags = TCP_F_ACK, .wnd = 100, .ts = true,
				 .tsval = 50, .wscale = -1 };
	struct tcp_seg s;
	struct tcp_result r;

	conn_established(&f);
	s = test_seg(buf, sizeof(buf), &h, "old", 3);
	r = tcp_input(&f.c, &s, 1);
	CHECK_EQ(r.drop, XTOE_DROP_PAWS);
	CHECK(r.act & TCP_ACT_ACK);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 0);
	h.tsval = 300;
	s = test_seg(buf, sizeof(buf), &h, "new", 3);
	r = tcp_input(&f.c, &s, 1);
	CHECK(r.act & TCP_ACT_RX);
	CHECK_EQ(f.c.ts_recent, 300);
	fix_free(&f);
}

/* A segment without ACK in a synchronized state is dropped. */
static void test_no_ack_dropped(void)
{
	struct fix f;
	struct tcp_result r;

	conn_established(&f);
	r = feed(&f, IRS + 1, 0, TCP_F_PSH, "x", 1);
	CHECK(r.drop != XTOE_DROP_NONE);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 0);
	fix_free(&f);
}

/* RFC 896 (Nagle, Minshall's variant as Linux): a small segment waits
 * while an earlier small one is unacknowledged; a full one goes; the ACK
 * lets the small one out. */
static void test_rfc896_nagle_holds_small_segment(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_established(&f);
	f.shm.hints = true;
	f.shm.tx_flags = TCP_APP_NAGLE;
	app_queue(&f, 100);
	f.shm.tx_push = 100;
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.len, 100);
	CHECK(seg.h.flags & TCP_F_PSH);
	app_queue(&f, 1100);
	f.shm.tx_push = 1200;
	REQUIRE(tcp_output_next(&f.c, 1, &seg)); /* a full segment goes */
	CHECK_EQ(seg.len, 1000);
	CHECK(!tcp_output_next(&f.c, 1, &seg)); /* 100 bytes wait */
	feed(&f, IRS + 1, ISS + 101, TCP_F_ACK, NULL, 0);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1101);
	CHECK_EQ(seg.len, 100);
	CHECK(seg.h.flags & TCP_F_PSH);
	fix_free(&f);
}

/* Linux TCP_CORK / MSG_MORE: bytes beyond the last pushed write wait as
 * partial segments, full ones go; PSH where a pushed write ends. */
static void test_cork_holds_unpushed_partial(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_established(&f);
	f.shm.hints = true;
	app_queue(&f, 2500); /* nothing pushed */
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.len, 1000);
	CHECK(!(seg.h.flags & TCP_F_PSH));
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK(!tcp_output_next(&f.c, 1, &seg));
	f.shm.tx_push = 2300; /* pushed up to here: cut there */
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	CHECK_EQ(seg.len, 300);
	CHECK(seg.h.flags & TCP_F_PSH);
	CHECK(!tcp_output_next(&f.c, 1, &seg));
	fix_free(&f);
}

/* Segments sent now (drained). */
static unsigned send_all(struct fix *f, struct tcp_txseg *last)
{
	unsigned n = 0;

	while (tcp_output_next(&f->c, 1, last))
		n++;
	return n;
}

/* A SACK connection under NewReno, 500-byte segments, RTT rtt_us. */
static void conn_reno(struct fix *f, uint32_t rtt_us)
{
	conn_established(f);
	f->c.cc = &tcp_cc_newreno;
	f->c.sack_ok = true;
	f->c.srtt_us = f->c.min_rtt_us = rtt_us;
	f->c.mss = 500;
	tcp_cc_reno_init(&f->c, 0);
}

/* RFC 6937 3: in a fast recovery with pipe above ssthresh (half the
 * flight), PRR sends in proportion to what is delivered: one segment per
 * two SACKed, the fast retransmit counted first; not a burst. */
static void test_rfc6937_prr_proportional_reduction(void)
{
	struct fix f;
	struct tcp_txseg seg;
	unsigned sent = 0;

	conn_reno(&f, 40000);
	f.c.cc_st.cwnd = 20000;
	f.c.snd_wnd = 6000;
	app_queue(&f, 8000);
	CHECK_EQ(send_all(&f, &seg), 12);
	for (uint32_t k = 1; k <= 3; k++)
		feed_sack(&f, ISS + 1, ISS + 501, ISS + 501 + 500 * k);
	CHECK_EQ(f.c.cc_st.ssthresh, 3000);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg)); /* the fast retransmit */
	CHECK_EQ(seg.h.seq, ISS + 1);
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	for (uint32_t k = 4; k <= 7; k++) {
		feed_sack(&f, ISS + 1, ISS + 501, ISS + 501 + 500 * k);
		while (tcp_output_next(&f.c, 5000, &seg))
			sent++;
	}
	CHECK_EQ(sent, 1); /* 4 delivered x 3000/6000, less the retransmit */
	CHECK_EQ(f.c.prr_out, 1000);
	fix_free(&f);
}

/* RFC 8985 6.2 step 4 / RFC 2883 (Linux tcp_dsack_seen): on a path seen
 * to reorder, a D-SACK of a retransmission widens the reordering window by
 * a step (min_rtt / 4 more), at most once per RTT. A D-SACK tells nothing
 * of reordering when none was seen, nor when more segments were D-SACKed
 * than ever resent (a duplicate the network made). */
static void test_rfc8985_dsack_widens_reordering_window(void)
{
	struct fix f;
	struct tcp_txseg seg;
	uint64_t t = 1;

	conn_established(&f);
	f.c.sack_ok = true;
	f.c.srtt_us = f.c.min_rtt_us = 4000;
	app_queue(&f, 5000);
	while (tcp_output_next(&f.c, t, &seg))
		t++; /* a record each */
	feed_sack(&f, ISS + 1001, ISS + 1, ISS + 1001); /* a D-SACK, none resent */
	CHECK(!f.c.rack.reord);
	CHECK_EQ(f.c.rack.reo_steps, 0);
	feed_sack(&f, ISS + 1001, ISS + 4001, ISS + 5001);
	feed_sack(&f, ISS + 2001, ISS + 4001, ISS + 5001); /* 2 came late */
	REQUIRE(f.c.rack.reord);
	REQUIRE(f.c.t.reo);
	tcp_timer_fire(&f.c, f.c.t.reo); /* [2001, 4001) resent */
	while (tcp_output_next(&f.c, 8000, &seg))
		;
	REQUIRE(f.c.retransmits >= 2);
	feed_sack(&f, ISS + 5001, ISS + 2001, ISS + 3001); /* spurious */
	CHECK_EQ(f.c.rack.reo_steps, 2);
	feed_sack(&f, ISS + 5001, ISS + 3001, ISS + 4001); /* same RTT */
	CHECK_EQ(f.c.rack.reo_steps, 2);
	feed_sack_at(&f, 20000, ISS + 5001, ISS + 1, ISS + 1001); /* never resent */
	CHECK_EQ(f.c.rack.reo_steps, 2);
	fix_free(&f);
}

/* A recovery on 3 SACKed segments above a hole, its fast retransmit sent:
 * newreno, 500-byte segments, cwnd 20000 before the cut. */
static void undo_setup(struct fix *f)
{
	struct tcp_txseg seg;

	conn_reno(f, 40000);
	f->c.cc_st.cwnd = 20000;
	f->c.snd_wnd = 6000;
	app_queue(f, 6000);
	send_all(f, &seg);
	for (uint32_t k = 1; k <= 3; k++)
		feed_sack(f, ISS + 1, ISS + 501, ISS + 501 + 500 * k);
	REQUIRE(seq_lt(f->c.snd_una, f->c.snd_recover));
	REQUIRE(tcp_output_next(&f->c, 5000, &seg)); /* the fast retransmit */
	REQUIRE(seg.h.seq == ISS + 1);
}

/* RFC 6937 PRR-SSRB in segments, as Linux counts packets: an ACK that
 * leaves pipe below ssthresh by less than a segment still lets one
 * segment go (with byte counts rounded down to whole segments nothing
 * went, and with nothing else in flight the recovery waited for the RTO). */
static void test_rfc6937_prr_sliver_below_ssthresh_is_a_segment(void)
{
	struct fix f;
	struct tcp_txseg seg;

	undo_setup(&f); /* ssthresh 3000, the fast retransmit sent */
	f.c.snd_wnd = 20000;
	app_queue(&f, 2000);
	feed_sack(&f, ISS + 1, ISS + 501, ISS + 3601); /* pipe 2900 */
	REQUIRE(tcpc_in_fast_recovery(&f.c));
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 6001); /* new data */
	CHECK_EQ(seg.len, 500);
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	fix_free(&f);
}

/* RFC 6298 5 / RFC 8985 (Linux: CA_Loss ends when snd_una passes the
 * RTO's high_seq): once everything outstanding at a timeout is
 * acknowledged the connection is open again: loss probes are armed, and
 * a later loss starts a fast recovery (PRR, only the holes resent), not
 * another sweep to snd_max at the timeout's window. */
static void test_rfc6298_rto_episode_ends_when_acked(void)
{
	struct fix f;
	struct tcp_txseg seg;
	uint64_t t;

	conn_reno(&f, 1000);
	app_queue(&f, 2000);
	send_all(&f, &seg);
	REQUIRE(f.c.t.pto);
	tcp_timer_fire(&f.c, f.c.t.pto); /* the probe, lost */
	while (tcp_output_next(&f.c, f.c.t.pto, &seg))
		;
	REQUIRE(f.c.t.rto);
	CHECK(tcp_timer_fire(&f.c, f.c.t.rto) & TCP_ACT_OUTPUT);
	CHECK(f.c.rto_sweep);
	while (tcp_output_next(&f.c, 300000, &seg))
		;
	feed_at(&f, 301000, IRS + 1, ISS + 2001, TCP_F_ACK);
	CHECK(!f.c.rto_sweep);
	app_queue(&f, 3000);
	REQUIRE(tcp_output_next(&f.c, 302000, &seg));
	CHECK(f.c.t.pto); /* open: a loss probe is armed */
	while (tcp_output_next(&f.c, 302000, &seg))
		;
	feed_sack_at(&f, 303000, ISS + 2001, ISS + 2501, ISS + 3501);
	t = f.c.t.reo;
	REQUIRE(t);
	tcp_timer_fire(&f.c, t); /* RACK: [2001, 2501) is lost */
	CHECK(tcpc_in_fast_recovery(&f.c));
	REQUIRE(tcp_output_next(&f.c, t, &seg));
	CHECK_EQ(seg.h.seq, ISS + 2001);
	fix_free(&f);
}

/* RFC 6937 3 (Linux tcp_cwnd_reduction right after tcp_enter_recovery):
 * what the ACK that starts a recovery delivered counts, so with pipe
 * below ssthresh new data goes out with the fast retransmit; were that
 * retransmission lost, the new data's SACKs would show it (RACK) before
 * the RTO. */
static void test_rfc6937_prr_counts_the_ack_that_starts_recovery(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_reno(&f, 40000);
	f.c.cc_st.cwnd = 20000;
	f.c.snd_wnd = 40000;
	app_queue(&f, 6000);
	send_all(&f, &seg); /* 12 segments */
	app_queue(&f, 2000);
	feed_sack(&f, ISS + 1, ISS + 501, ISS + 6001); /* all but the first */
	REQUIRE(tcpc_in_fast_recovery(&f.c));
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 6001); /* new data with it */
	fix_free(&f);
}

/* RFC 6675 / RFC 8985 (Linux resends on partial ACKs only without
 * SACK): with SACK, a partial ACK inside a recovery is no loss signal;
 * the segment now at snd_una, in flight and never found lost, is not
 * resent. */
static void test_rfc6675_partial_ack_with_sack_resends_nothing(void)
{
	struct fix f;
	struct tcp_txseg seg;

	undo_setup(&f); /* [1, 501) resent, [501, 2001) SACKed */
	while (tcp_output_next(&f.c, 5000, &seg))
		;
	feed_at(&f, 5000, IRS + 1, ISS + 2001, TCP_F_ACK);
	REQUIRE(tcpc_in_fast_recovery(&f.c));
	CHECK(!tcp_output_next(&f.c, 5000, &seg) || seg.h.seq != ISS + 2001);
	fix_free(&f);
}

/* RFC 5681 3.1 (Linux: tcp_cong_avoid runs in CA_Loss): after an RTO the
 * window restarts at one segment and grows by slow start on every ACK of
 * new data, also before the timeout's recovery point is passed; the
 * RFC 6582 hold at ssthresh is for a fast recovery only. With the window
 * held at one segment, every hole of the sweep took a round trip of its
 * own, and a lost resend had nothing after it to reveal it: another RTO,
 * backed off (the 5 % mixed-impairment bench: RTO after RTO). */
static void test_rfc5681_slow_start_after_rto_before_recovery_point(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_reno(&f, 1000);
	app_queue(&f, 5000);
	CHECK_EQ(send_all(&f, &seg), 10);
	tcp_go_back_n(&f.c, 300000); /* an RTO: all ten unacknowledged */
	CHECK_EQ(f.c.cc_st.cwnd, 500);
	REQUIRE(tcp_output_next(&f.c, 300000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1);
	CHECK(!tcp_output_next(&f.c, 300000, &seg));
	feed_at(&f, 301000, IRS + 1, ISS + 501, TCP_F_ACK); /* partial */
	CHECK(f.c.rto_sweep);
	CHECK_EQ(f.c.cc_st.cwnd, 1000);
	REQUIRE(tcp_output_next(&f.c, 301000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 501);
	REQUIRE(tcp_output_next(&f.c, 301000, &seg));
	CHECK_EQ(seg.h.seq, ISS + 1001);
	CHECK(!tcp_output_next(&f.c, 301000, &seg));
	fix_free(&f);
}

/* RFC 2883 (Linux tcp_try_undo_dsack): the original of the retransmitted
 * segment was only late; the peer D-SACKs the retransmission, so the cut
 * was for nothing: the window comes back and the recovery ends. */
static void test_rfc2883_dsack_undoes_needless_recovery(void)
{
	struct fix f;

	undo_setup(&f);
	CHECK_EQ(f.c.cc_st.cwnd < 20000, true);
	feed_sack(&f, ISS + 6001, ISS + 501, ISS + 6001); /* the original came */
	feed_sack(&f, ISS + 6001, ISS + 1, ISS + 501);    /* D-SACK: the resend */
	CHECK_EQ(f.c.undos, 1);
	CHECK(f.c.cc_st.cwnd >= 20000);
	CHECK(!seq_lt(f.c.snd_una, f.c.snd_recover));
	fix_free(&f);
}

/* A D-SACK for bytes the recovery never resent (a duplicate the network
 * made) undoes nothing; nor does one after a timeout. */
static void test_rfc2883_dsack_of_a_network_duplicate_keeps_the_cut(void)
{
	struct fix f;
	uint32_t cut;

	undo_setup(&f);
	cut = f.c.cc_st.cwnd;
	feed_sack(&f, ISS + 6001, ISS + 501, ISS + 6001);
	feed_sack(&f, ISS + 6001, ISS + 1001, ISS + 1501); /* never resent */
	CHECK_EQ(f.c.undos, 0);
	CHECK(f.c.cc_st.cwnd <= cut + 1000);
	fix_free(&f);

	undo_setup(&f);
	tcp_go_back_n(&f.c, 6000); /* an RTO */
	feed_sack(&f, ISS + 6001, ISS + 1, ISS + 501);
	CHECK_EQ(f.c.undos, 0);
	fix_free(&f);
}

int main(void)
{
	RUN(test_in_order_data_placed_and_acked);
	RUN(test_placed_in_order_across_the_wrap);
	RUN(test_ack_every_second_full_segment);
	RUN(test_tx_writable_after_a_third_is_free);
	RUN(test_direct_only_in_order_with_room);
	RUN(test_placed_but_refused_publishes_nothing);
	RUN(test_duplicate_and_overlap_trimmed);
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
	RUN(test_ring_full);
	RUN(test_window_never_shrinks);
	RUN(test_corrupt_rx_head_cannot_overflow);
	RUN(test_ack_advances_tx_head);
	RUN(test_ack_beyond_snd_nxt);
	RUN(test_three_dupacks_go_back_n);
	RUN(test_output_respects_window_and_mss);
	RUN(test_zero_window_persist_probe);
	RUN(test_window_probe_answered);
	RUN(test_sender_sws_avoidance);
	RUN(test_rfc8985_rack_reordering_window_then_hole);
	RUN(test_rfc6675_rto_keeps_sacked_unless_reneged);
	RUN(test_rfc8985_rack_three_sacked_and_lost_retransmission);
	RUN(test_sack_dupacks_with_data);
	RUN(test_rfc6937_prr_proportional_reduction);
	RUN(test_rfc8985_dsack_widens_reordering_window);
	RUN(test_rfc2883_dsack_undoes_needless_recovery);
	RUN(test_rfc6675_partial_ack_with_sack_resends_nothing);
	RUN(test_rfc6937_prr_counts_the_ack_that_starts_recovery);
	RUN(test_rfc6298_rto_episode_ends_when_acked);
	RUN(test_rfc5681_slow_start_after_rto_before_recovery_point);
	RUN(test_rfc6937_prr_sliver_below_ssthresh_is_a_segment);
	RUN(test_rfc2883_dsack_of_a_network_duplicate_keeps_the_cut);
	RUN(test_rfc896_nagle_holds_small_segment);
	RUN(test_cork_holds_unpushed_partial);
	RUN(test_rfc8985_tlp_resends_latest_segment);
	RUN(test_rfc8985_tlp_sends_new_data);
	RUN(test_fin_after_data);
	RUN(test_orphan_fin_wait_2_times_out);
	RUN(test_orphan_retransmissions_give_up_sooner);
	RUN(test_fin_passive_close);
	RUN(test_fin_simultaneous_closing);
	RUN(test_fin_not_taken_when_data_dropped);
	RUN(test_rst_exact_vs_in_window);
	RUN(test_syn_in_established_challenge_ack);
	RUN(test_challenge_ack_rate_limited);
	RUN(test_ack_too_old_discarded);
	RUN(test_paws);
	RUN(test_no_ack_dropped);
	return check_summary();
}
