/* SPDX-License-Identifier: MIT */
/* Loss recovery on a connection built directly in ESTABLISHED: fast
 * retransmit (RFC 5681), SACK scoreboard (RFC 6675), RACK-TLP (RFC 8985),
 * PRR (RFC 6937), D-SACK and undo (RFC 2883), the RTO episode (RFC 6298). */
#include "tcp_conn_fix.h"

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

/* The 500-byte segment number (from 1) of a segment sent. */
static uint32_t segno(const struct tcp_txseg *seg)
{
	return (seg->h.seq - ISS - 1) / 500 + 1;
}

/* RFC 8985 6.2 with RFC 6675 NextSeg (Linux tcp_xmit_retransmit_queue,
 * then tcp_write_xmit): in a recovery only what RACK marked lost is
 * resent; a hole whose segments were sent too recently to be lost (the
 * reordering window) is neither resent nor counted out of pipe, and what
 * PRR allows beyond the lost ones is new data (rule 3); the hole goes
 * once RACK finds it lost (the reorder timer). On a path seen to reorder
 * (reo_wnd 2.5 ms): segments 1-5 sent at 1, 2-5 SACKed at 5000 (1 may
 * still come), 6-14 sent then; at 7600 8-10 are SACKed: 1 is lost, 6-7
 * not yet. */
static void test_rfc8985_recovery_resends_only_rack_lost(void)
{
	const uint32_t b1[2][2] = { { ISS + 3501, ISS + 5001 },
				    { ISS + 501, ISS + 2501 } };
	const uint32_t b2[2][2] = { { ISS + 5001, ISS + 6001 },
				    { ISS + 3501, ISS + 6001 } };
	const uint32_t b3[2][2] = { { ISS + 6001, ISS + 7001 },
				    { ISS + 3501, ISS + 7001 } };
	struct fix f;
	struct tcp_txseg seg;
	uint64_t reo;

	conn_reno(&f, 10000);
	f.c.rack.reord = true;
	app_queue(&f, 2500);
	CHECK_EQ(send_all(&f, &seg), 5);
	app_queue(&f, 6000);
	feed_sack_at(&f, 5000, ISS + 1, ISS + 501, ISS + 2501);
	CHECK_EQ(f.c.snd_una, f.c.snd_recover); /* no recovery yet */
	while (tcp_output_next(&f.c, 5000, &seg))
		;
	CHECK_EQ(segno(&seg), 14);
	feed_blocks_at(&f, 7600, ISS + 1, b1, 2);
	REQUIRE(tcp_output_next(&f.c, 7600, &seg));
	CHECK_EQ(segno(&seg), 1);
	CHECK_EQ(tcpc_pipe(&f.c), 3500); /* the resend, 6, 7, 11-14 */
	CHECK(!tcp_output_next(&f.c, 7600, &seg)); /* not 6 nor 7 */
	feed_blocks_at(&f, 7700, ISS + 1, b2, 2); /* 11-12 came */
	REQUIRE(tcp_output_next(&f.c, 7700, &seg));
	CHECK_EQ(segno(&seg), 15); /* new data */
	while (tcp_output_next(&f.c, 7700, &seg))
		CHECK(segno(&seg) > 15);
	feed_blocks_at(&f, 10300, ISS + 1, b3, 2); /* 13-14 came */
	reo = f.c.t.reo; /* 6-7 lost a reordering window later */
	CHECK_EQ(reo, 12800);
	CHECK(tcp_timer_fire(&f.c, reo) & TCP_ACT_OUTPUT);
	REQUIRE(tcp_output_next(&f.c, reo, &seg));
	CHECK_EQ(segno(&seg), 6);
	fix_free(&f);
}

/* RFC 8985 6.2 (Linux TCPLostRetransmit): a retransmission is lost when
 * a segment sent after it is delivered and the reordering window (0 in
 * a recovery on a path not seen to reorder) has passed: found by the
 * SACK of new data sent in the recovery, not by the RTO. */
static void test_rfc8985_lost_retransmission_found_by_later_sack(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_reno(&f, 10000);
	app_queue(&f, 2500);
	CHECK_EQ(send_all(&f, &seg), 5);
	app_queue(&f, 2000);
	feed_sack_at(&f, 5000, ISS + 1, ISS + 501, ISS + 2501);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(segno(&seg), 1);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg)); /* PRR-SSRB: new data */
	CHECK_EQ(segno(&seg), 6);
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	feed_sack_at(&f, 9000, ISS + 1, ISS + 501, ISS + 3001);
	REQUIRE(tcp_output_next(&f.c, 9000, &seg));
	CHECK_EQ(segno(&seg), 1); /* its resend was lost */
	CHECK_EQ(f.c.total_rto, 0);
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

/* RFC 6937 with RFC 8985 6.3 as Linux (tcp_cwnd_reduction sets cwnd to
 * pipe + sndcnt; tcp_rack_reo_timeout then resends what it marks lost):
 * a segment RACK finds lost after the ACK that set the budget leaves
 * pipe, so it is resent without waiting for another ACK that delivers.
 * Path seen to reorder (reo_wnd 2.5 ms): 1 sent at 1, 2 at 1000, 3-6 at
 * 3000; at 13100 3-6 are SACKed: 1 is lost, 2 not yet; the budget goes
 * to 1 and new data (7); at 13600 2 is lost too and goes at once. */
static void test_rfc6937_loss_found_later_leaves_pipe(void)
{
	const uint32_t blk[1][2] = { { ISS + 1001, ISS + 3001 } };
	struct fix f;
	struct tcp_txseg seg;

	conn_reno(&f, 10000);
	f.c.rack.reord = true;
	app_queue(&f, 500);
	REQUIRE(tcp_output_next(&f.c, 1, &seg));
	app_queue(&f, 500);
	REQUIRE(tcp_output_next(&f.c, 1000, &seg));
	app_queue(&f, 2000);
	while (tcp_output_next(&f.c, 3000, &seg))
		;
	CHECK_EQ(segno(&seg), 6);
	app_queue(&f, 2000);
	feed_blocks_at(&f, 13100, ISS + 1, blk, 1);
	REQUIRE(tcp_output_next(&f.c, 13100, &seg));
	CHECK_EQ(segno(&seg), 1);
	REQUIRE(tcp_output_next(&f.c, 13100, &seg));
	CHECK_EQ(segno(&seg), 7);
	CHECK(!tcp_output_next(&f.c, 13100, &seg));
	CHECK_EQ(f.c.t.reo, 13600);
	CHECK(tcp_timer_fire(&f.c, 13600) & TCP_ACT_OUTPUT);
	REQUIRE(tcp_output_next(&f.c, 13600, &seg));
	CHECK_EQ(segno(&seg), 2);
	CHECK(!tcp_output_next(&f.c, 13600, &seg));
	fix_free(&f);
}

/* RFC 8985 6.1 with bounded records (TCP_TXREC_MAX): when they are full,
 * two neighbours merge, and a loss mark never spreads over bytes RACK
 * did not find lost. 33 stretches of 100 bytes sent one by one (1-33, at
 * times 1-33: the two oldest merge); 3, 5 and 7 SACKed; when the
 * reordering window passes, 1-2, 4 and 6 are lost (400 bytes). A new
 * stretch (34) needs a record: merging the oldest two (lost 1-2 and
 * SACKed 3) made 1-3 lost, SACKed bytes counted out of pipe as lost. */
static void test_rfc8985_full_records_never_spread_a_loss_mark(void)
{
	const uint32_t blk[3][2] = { { ISS + 201, ISS + 301 },
				     { ISS + 401, ISS + 501 },
				     { ISS + 601, ISS + 701 } };
	struct fix f;

	conn_reno(&f, 100);
	f.c.snd_nxt = f.c.snd_max = ISS + 1 + 3300;
	for (uint32_t i = 0; i < 33; i++)
		tcpc_rack_sent(&f.c, ISS + 1 + i * 100, ISS + 1 + (i + 1) * 100,
			       1 + i, true);
	CHECK_EQ(f.c.nrec, TCP_TXREC_MAX);
	feed_blocks_at(&f, 200, ISS + 1, blk, 3);
	REQUIRE(f.c.t.reo);
	tcp_timer_fire(&f.c, f.c.t.reo);
	REQUIRE(tcpc_in_fast_recovery(&f.c));
	CHECK_EQ(tcpc_rack_lost_bytes(&f.c), 400);
	tcpc_rack_sent(&f.c, ISS + 3301, ISS + 3401, 300, true);
	f.c.snd_max = ISS + 3401;
	CHECK_EQ(tcpc_rack_lost_bytes(&f.c), 400);
	CHECK_EQ(tcpc_pipe(&f.c), 3400 - 300 - 400);
	CHECK_EQ(tcpc_rack_lost_end(&f.c, ISS + 1), ISS + 201);
	CHECK_EQ(tcpc_rack_lost_end(&f.c, ISS + 301), ISS + 401);
	fix_free(&f);
}

/* RFC 8985 6.2 with Linux tcp_xmit_retransmit_queue: a segment above
 * the highest SACKed byte is lost too when it was sent before a
 * retransmission that was delivered; it is resent with the other lost
 * ones (RFC 6675 IsLost, which takes nothing above the highest SACK as
 * lost, is for recoveries without RACK). 1-6 sent at 1; at 5000 3-5 are
 * SACKed: 1 and 2 are lost and resent; at 9000 the resend of 2 is SACKed,
 * not that of 1: 1 is lost again, and 6, sent before the resends. */
static void test_rfc8985_lost_above_highest_sack_is_resent(void)
{
	struct fix f;
	struct tcp_txseg seg;

	conn_reno(&f, 1000);
	app_queue(&f, 3000);
	CHECK_EQ(send_all(&f, &seg), 6);
	feed_sack_at(&f, 5000, ISS + 1, ISS + 1001, ISS + 2501);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(segno(&seg), 1);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(segno(&seg), 2);
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	feed_sack_at(&f, 9000, ISS + 1, ISS + 501, ISS + 2501);
	REQUIRE(tcp_output_next(&f.c, 9000, &seg));
	CHECK_EQ(segno(&seg), 1);
	REQUIRE(tcp_output_next(&f.c, 9000, &seg));
	CHECK_EQ(segno(&seg), 6);
	CHECK(!tcp_output_next(&f.c, 9000, &seg));
	CHECK_EQ(f.c.total_rto, 0);
	fix_free(&f);
}

/* RFC 6675 5 (Linux tcp_data_snd_check after every ACK): an ACK that
 * only SACKs takes those bytes out of pipe, and the room they make in
 * cwnd is for new data at once: the core asks for output. Before, it
 * asked only inside a recovery or on a cumulative ACK, and a
 * connection whose application was blocked sent nothing until the
 * reorder timer began a recovery with room for the resend alone. */
static void test_rfc6675_sack_makes_room_for_new_data(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_result r;

	conn_reno(&f, 10000);
	app_queue(&f, 6000);
	CHECK_EQ(send_all(&f, &seg), 10); /* cwnd: 10 segments */
	CHECK_EQ(segno(&seg), 10);
	r = feed_sack_at(&f, 5000, ISS + 1, ISS + 501, ISS + 1001);
	CHECK(!tcpc_in_fast_recovery(&f.c)); /* one SACKed: not lost yet */
	CHECK(r.act & TCP_ACT_OUTPUT);
	REQUIRE(tcp_output_next(&f.c, 5000, &seg));
	CHECK_EQ(segno(&seg), 11);
	CHECK(!tcp_output_next(&f.c, 5000, &seg));
	fix_free(&f);
}

int main(void)
{
	RUN(test_three_dupacks_go_back_n);
	RUN(test_rfc8985_rack_reordering_window_then_hole);
	RUN(test_rfc6675_rto_keeps_sacked_unless_reneged);
	RUN(test_rfc8985_rack_three_sacked_and_lost_retransmission);
	RUN(test_rfc8985_recovery_resends_only_rack_lost);
	RUN(test_rfc8985_lost_retransmission_found_by_later_sack);
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
	RUN(test_rfc8985_tlp_resends_latest_segment);
	RUN(test_rfc8985_tlp_sends_new_data);
	RUN(test_rfc6937_loss_found_later_leaves_pipe);
	RUN(test_rfc8985_full_records_never_spread_a_loss_mark);
	RUN(test_rfc8985_lost_above_highest_sack_is_resent);
	RUN(test_rfc6675_sack_makes_room_for_new_data);
	return check_summary();
}
