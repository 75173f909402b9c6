/* SPDX-License-Identifier: MIT */
/* Send-buffer autotuning as Linux's (net/ipv4/tcp_input.c:
 * tcp_init_buffer_space, tcp_should_expand_sndbuf, tcp_sndbuf_expand,
 * tcp_check_sack_reordering): the limit the application may fill in the
 * send ring, published through tcp_app_ops.tx_limit_set. */
#include "tcp_conn_fix.h"

#define BIG_TX (4u << 20)
/* Linux's per-segment cost for an MSS of 1000: roundup_pow_of_two(1000 +
 * MAX_TCP_HEADER 320 + skb_shared_info 320) + sk_buff 256. */
#define PER_MSS 2304u
#define PEER_WND (10000u << 7)

/* A NewReno connection (MSS 1000) on a 4 MiB send ring, attached once
 * established with cwnd set (as the data-path attaches it); the peer's
 * window never limits. */
static void conn_big(struct fix *f)
{
	conn_reno(f, 10000);
	f->c.mss = 1000;
	tcp_cc_reno_init(&f->c, 0);
	free(f->tx);
	f->tx = calloc(1, BIG_TX);
	f->c.snd_wscale = 7; /* the peer's 10000 is 1.28 MB */
	f->c.snd_wnd = f->c.max_snd_wnd = PEER_WND;
	test_attach(&f->c, &f->shm, f->rx, RX, f->tx, BIG_TX);
}

/* Linux's rule for n segments, plus the peer's largest window. */
static uint32_t want(uint32_t n)
{
	return 2 * n * PER_MSS + PEER_WND;
}

static uint32_t published(struct fix *f)
{
	return atomic_load(&f->shm.tx_limit);
}

/* Linux tcp_init_buffer_space -> tcp_sndbuf_expand: once established,
 * room for twice the initial window (10 segments) of per-MSS cost (and,
 * not Linux's, the peer's window). */
static void test_linux_init_buffer_space_twice_initial_window(void)
{
	struct fix f;

	conn_big(&f);
	CHECK_EQ(tcpc_sndbuf_per_mss(1000), PER_MSS);
	CHECK_EQ(tcpc_sndbuf_per_mss(1448), 4352); /* Linux's for 1448 */
	CHECK_EQ(f.c.sndbuf, want(10));
	CHECK_EQ(published(&f), want(10));
	fix_free(&f);
}

/* Queue and send n bytes, then the peer ACKs the first `acked`. */
static void send_then_ack(struct fix *f, uint32_t n, uint32_t acked)
{
	struct tcp_txseg seg;
	uint32_t una = f->c.snd_una;

	app_queue(f, n);
	send_all(f, &seg);
	feed(f, IRS + 1, una + acked, TCP_F_ACK, NULL, 0);
}

/* Linux tcp_new_space -> tcp_sndbuf_expand: an ACK that frees sent data
 * with the congestion window not full grows the limit to twice cwnd in
 * segments; never beyond the ring (tcp_wmem[2]: --tx-buf). */
static void test_linux_sndbuf_expand_follows_cwnd_up_to_the_ring(void)
{
	struct fix f;

	conn_big(&f);
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 100 * 1000;
	send_then_ack(&f, 20000, 1000);
	CHECK_EQ(f.c.sndbuf, want(100));
	CHECK_EQ(published(&f), want(100));
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 5000 * 1000;
	send_then_ack(&f, 1000, 1000);
	CHECK_EQ(f.c.sndbuf, BIG_TX);
	CHECK_EQ(published(&f), BIG_TX);
	fix_free(&f);
}

/* Linux tcp_should_expand_sndbuf: "If we filled the congestion window, do
 * not expand"; and the limit never shrinks when cwnd is cut. */
static void test_linux_sndbuf_not_expanded_with_cwnd_full_nor_shrunk(void)
{
	struct fix f;

	conn_big(&f);
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 40 * 1000;
	app_queue(&f, 40000);
	{
		struct tcp_txseg seg;

		CHECK_EQ(send_all(&f, &seg), 40);
	}
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 20 * 1000;
	feed(&f, IRS + 1, ISS + 1 + 1000, TCP_F_ACK, NULL, 0);
	CHECK_EQ(f.c.sndbuf, want(10)); /* 39000 in flight >= cwnd */
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 60 * 1000;
	feed(&f, IRS + 1, ISS + 1 + 2000, TCP_F_ACK, NULL, 0);
	CHECK_EQ(f.c.sndbuf, want(60));
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 11 * 1000;
	feed(&f, IRS + 1, ISS + 1 + 30000, TCP_F_ACK, NULL, 0);
	CHECK_EQ(f.c.sndbuf, want(60));
	fix_free(&f);
}

/* Linux tcp_check_sack_reordering + tcp_sndbuf_expand (nr_segs at least
 * tp->reordering + 1): a segment the peer delivers 32 segments below the
 * highest SACKed byte, never resent, raises the reordering degree to 32
 * and the limit with it. */
static void test_linux_reordering_degree_expands_sndbuf(void)
{
	struct fix f;

	conn_big(&f);
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 15 * 1000;
	CHECK_EQ(tcp_reordering(&f.c), 3);
	app_queue(&f, 1000);
	send_all(&f, &(struct tcp_txseg){ 0 });
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 100 * 1000;
	app_queue(&f, 31000);
	send_all(&f, &(struct tcp_txseg){ 0 });
	feed_sack(&f, ISS + 1, ISS + 1001, ISS + 32001);
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 15 * 1000;
	feed_sack(&f, ISS + 1001, ISS + 1001, ISS + 32001);
	CHECK_EQ(tcp_reordering(&f.c), 32); /* (32001 - 1) / 1000 */
	CHECK_EQ(f.c.sndbuf, want(33));
	fix_free(&f);
}

/* Linux tcp_sacktag_one: a D-SACK of a retransmission whose original was
 * SACKed already says the resend was needless: the peer reordered that
 * segment as far as the highest delivered byte (40001 - 1001: 39). */
static void test_linux_dsack_of_sacked_retransmission_is_reordering(void)
{
	struct fix f;
	struct tcp_txseg seg;
	const uint32_t sack[1][2] = { { ISS + 2001, ISS + 40001 } };
	const uint32_t late[1][2] = { { ISS + 1001, ISS + 40001 } };
	const uint32_t dsack[2][2] = { { ISS + 1001, ISS + 2001 },
				       { ISS + 1001, ISS + 40001 } };

	conn_big(&f);
	f.c.cc_st.cwnd = f.c.cc_st.ssthresh = 50 * 1000;
	app_queue(&f, 40000);
	CHECK_EQ(send_all(&f, &seg), 40);
	feed_blocks_at(&f, 5000, ISS + 1, sack, 1); /* 1 and 1001 lost */
	CHECK_EQ(send_all(&f, &seg), 2);   /* both resent */
	CHECK_EQ(tcp_reordering(&f.c), 3);
	feed_blocks_at(&f, 5000, ISS + 1, late, 1); /* 1001 came */
	CHECK_EQ(tcp_reordering(&f.c), 3); /* it was resent: no verdict */
	feed_blocks_at(&f, 5000, ISS + 1, dsack, 2); /* its resend too */
	CHECK_EQ(tcp_reordering(&f.c), 39);
	fix_free(&f);
}

/* Linux sk_stream_is_writeable on the autotuned limit: a writer is woken
 * once a third of the limit (not of the ring) is free. */
static void test_linux_writable_on_the_limit(void)
{
	struct fix f;
	uint32_t lim;

	conn_big(&f);
	lim = f.c.sndbuf;
	app_queue(&f, lim - lim / 3 + 1);
	CHECK(!tcp_tx_writable(&f.c));
	atomic_store(&f.shm.tx_tail, atomic_load(&f.shm.tx_tail) - 1);
	CHECK(tcp_tx_writable(&f.c));
	fix_free(&f);
}

int main(void)
{
	RUN(test_linux_init_buffer_space_twice_initial_window);
	RUN(test_linux_sndbuf_expand_follows_cwnd_up_to_the_ring);
	RUN(test_linux_sndbuf_not_expanded_with_cwnd_full_nor_shrunk);
	RUN(test_linux_reordering_degree_expands_sndbuf);
	RUN(test_linux_dsack_of_sacked_retransmission_is_reordering);
	RUN(test_linux_writable_on_the_limit);
	return check_summary();
}
