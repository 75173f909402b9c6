/* SPDX-License-Identifier: MIT */
/* tcp_input / tcp_output_next on a connection built directly in
 * ESTABLISHED (RFC 9293 3.10.7.4, RFC 5961, RFC 7323, RFC 5681); loss
 * recovery is in test_tcp_recovery.c, the receiving side of SACK in
 * test_tcp_sack_rcv.c. */
#include "tcp_conn_fix.h"

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

	CHECK(tcp_rx_direct_ok(&f->c, &s, 0));
	*sum_ok = tcp_seg_csum_ok(&s, tcp_rx_copy(&f->c, &s, 0));
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
	CHECK(tcp_rx_direct_ok(&f.c, &s, 0));
	h.seq = IRS + 2;
	s = test_seg(buf, sizeof(buf), &h, "abc", 3);
	CHECK(!tcp_rx_direct_ok(&f.c, &s, 0)); /* not at rcv_nxt */
	h.seq = IRS + 1;
	s = test_seg(buf, sizeof(buf), &h, NULL, 0);
	CHECK(!tcp_rx_direct_ok(&f.c, &s, 0)); /* no payload */
	s = test_seg(buf, sizeof(buf), &h, big, 1500);
	s.len = RX + 1; /* more than the ring holds */
	CHECK(!tcp_rx_direct_ok(&f.c, &s, 0));
	feed(&f, IRS + 101, ISS + 1, TCP_F_ACK, "zz", 2); /* held out of order */
	s = test_seg(buf, sizeof(buf), &h, "abc", 3);
	CHECK(!tcp_rx_direct_ok(&f.c, &s, 0));
	fix_free(&f);
}

/* A run of in-order segments placed one after the other (each after the
 * bytes of the ones before, not yet input) goes through tcp_input as one
 * segment of their summed length: all bytes published at once, every
 * segment counted, one ACK owed. A segment that does not start right
 * after the run is not placed. */
static void test_placed_run_input_as_one(void)
{
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ISS + 1, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1 };
	static uint8_t data[3000], frame[3][1600];
	struct tcp_seg s[3], run;
	struct tcp_result r;
	uint32_t ahead = 0;
	struct fix f;

	conn_established(&f);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	for (int i = 0; i < 3; i++) {
		h.seq = IRS + 1 + ahead;
		s[i] = test_seg(frame[i], sizeof(frame[i]), &h, data + ahead, 1000);
		CHECK(!tcp_rx_direct_ok(&f.c, &s[i], ahead + 1)); /* a gap */
		CHECK(tcp_rx_direct_ok(&f.c, &s[i], ahead));
		CHECK(tcp_seg_csum_ok(&s[i], tcp_rx_copy(&f.c, &s[i], ahead)));
		ahead += 1000;
	}
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 0); /* nothing published yet */
	run = s[0];
	run.len = 3000;
	run.segs = 3;
	r = tcp_input(&f.c, &run, 5000);
	CHECK_EQ(r.drop, XTOE_DROP_NONE);
	CHECK(r.act & TCP_ACT_RX);
	CHECK_EQ(atomic_load(&f.shm.rx_tail), 3000);
	CHECK(memcmp(f.rx, data, 3000) == 0);
	CHECK_EQ(f.c.rcv_nxt, IRS + 3001);
	CHECK_EQ(f.c.data_segs_in, 3);
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
	CHECK(tcp_rx_direct_ok(&f.c, &s, 0));
	CHECK(tcp_seg_csum_ok(&s, tcp_rx_copy(&f.c, &s, 0)));
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

int main(void)
{
	RUN(test_in_order_data_placed_and_acked);
	RUN(test_placed_in_order_across_the_wrap);
	RUN(test_ack_every_second_full_segment);
	RUN(test_tx_writable_after_a_third_is_free);
	RUN(test_direct_only_in_order_with_room);
	RUN(test_placed_but_refused_publishes_nothing);
	RUN(test_placed_run_input_as_one);
	RUN(test_duplicate_and_overlap_trimmed);
	RUN(test_ring_full);
	RUN(test_window_never_shrinks);
	RUN(test_corrupt_rx_head_cannot_overflow);
	RUN(test_ack_advances_tx_head);
	RUN(test_ack_beyond_snd_nxt);
	RUN(test_output_respects_window_and_mss);
	RUN(test_zero_window_persist_probe);
	RUN(test_window_probe_answered);
	RUN(test_sender_sws_avoidance);
	RUN(test_rfc896_nagle_holds_small_segment);
	RUN(test_cork_holds_unpushed_partial);
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
