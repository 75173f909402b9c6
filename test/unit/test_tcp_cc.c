/* SPDX-License-Identifier: MIT */
/* Congestion control (cc*.c) and its enforcement by the core: RFC 5681
 * NewReno, RFC 9438 CUBIC, RFC 8257 DCTCP, RFC 3168 ECN. */
#include "core/cc.h"
#include "check.h"
#include "tcp_test_util.h"

#define ISS 1000u
#define IRS 50000u
#define RING 65536u
#define MSS 1000u

static uint8_t buf[2048];

struct fix {
	struct tcp_conn c;
	struct tcp_test_app shm;
	uint8_t *rx, *tx;
};

static void conn_cc(struct fix *f, const struct tcp_cc_ops *cc, bool ecn)
{
	memset(f, 0, sizeof(*f));
	f->rx = calloc(1, RING);
	f->tx = calloc(1, RING);
	f->c.ep = test_ep_local;
	test_established(&f->c, ISS, IRS, 60000, RING);
	f->c.mss = MSS;
	f->c.ecn_ok = ecn;
	f->c.cc = cc;
	test_attach(&f->c, &f->shm, f->rx, RING, f->tx, RING);
	cc->on_init(&f->c, 1000);
}

static void fix_free(struct fix *f)
{
	free(f->rx);
	free(f->tx);
}

static void app_queue(struct fix *f, uint32_t n)
{
	atomic_store(&f->shm.tx_tail, atomic_load(&f->shm.tx_tail) + n);
}

static uint32_t send_all(struct fix *f, struct tcp_txseg *last)
{
	struct tcp_txseg seg;
	uint32_t bytes = 0;

	while (tcp_output_next(&f->c, 2000, &seg)) {
		bytes += seg.len;
		if (last)
			*last = seg;
	}
	return bytes;
}

static struct tcp_result ack(struct fix *f, uint32_t ack, uint8_t flags,
			     uint64_t now)
{
	struct tcp_hdrvals h = { .seq = f->c.rcv_nxt, .ack = ack,
				 .flags = TCP_F_ACK | flags, .wnd = 60000,
				 .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, NULL, 0);

	return tcp_input(&f->c, &s, now);
}

/* RFC 6928 initial window; the core sends no more than cwnd. */
static void test_initial_window_enforced(void)
{
	struct fix f;

	conn_cc(&f, &tcp_cc_newreno, false);
	CHECK_EQ(f.c.cc_st.cwnd, 10 * MSS);
	app_queue(&f, 50000);
	CHECK_EQ(send_all(&f, NULL), 10 * MSS);
	fix_free(&f);
}

/* RFC 5681 3.1 slow start (+ RFC 3465 L = 2), then congestion avoidance
 * of about one MSS per window. */
static void test_newreno_growth(void)
{
	struct fix f;

	conn_cc(&f, &tcp_cc_newreno, false);
	app_queue(&f, 60000);
	send_all(&f, NULL);
	ack(&f, ISS + 1 + 5000, 0, 3000);
	CHECK_EQ(f.c.cc_st.cwnd, 12 * MSS); /* +2 MSS for one big ACK */
	f.c.cc_st.ssthresh = f.c.cc_st.cwnd;
	for (uint32_t a = 6000; a <= 10000; a += 1000)
		ack(&f, ISS + 1 + a, 0, 3000);
	CHECK(f.c.cc_st.cwnd <= 13 * MSS);
	fix_free(&f);
}

/* A window of ten segments sent under cc, then three duplicate ACKs:
 * a fast recovery. */
static void fast_recovery(struct fix *f, const struct tcp_cc_ops *cc)
{
	conn_cc(f, cc, false);
	app_queue(f, 60000);
	send_all(f, NULL);
	for (int i = 0; i < 3; i++)
		ack(f, ISS + 1, 0, 3000);
}

/* RFC 5681 3.2: the third duplicate ACK halves the flight into ssthresh;
 * RFC 5681 3.1 (4): an RTO leaves one segment. */
static void test_newreno_loss_and_rto(void)
{
	struct fix f;

	fast_recovery(&f, &tcp_cc_newreno);
	CHECK_EQ(f.c.cc_st.ssthresh, 5 * MSS);
	CHECK_EQ(f.c.cc_st.cwnd, 5 * MSS);
	tcp_go_back_n(&f.c, 4000);
	CHECK_EQ(f.c.cc_st.cwnd, MSS);
	fix_free(&f);
}

/* RFC 9438 4.6: a loss leaves beta = 0.7 of the window; 4.2: the window
 * then grows back to W_max around K and beyond it. */
static void test_cubic_reduction_and_regrowth(void)
{
	struct fix f;
	uint64_t now = 10000;

	conn_cc(&f, &tcp_cc_cubic, false);
	f.c.srtt_us = 1000;
	f.c.cc_st.cwnd = 100 * MSS;
	f.c.snd_wnd = f.c.max_snd_wnd = 1u << 30;
	tcp_cc_cubic.on_loss(&f.c, now);
	CHECK_EQ(f.c.cc_st.cwnd, 70 * MSS);
	CHECK_EQ(f.c.cc_st.w_max, 100 * MSS);
	for (int i = 0; i < 20000 && f.c.cc_st.cwnd < 100 * MSS; i++) {
		now += 1000;
		tcp_cc_cubic.on_ack(&f.c, MSS, now);
	}
	CHECK(f.c.cc_st.cwnd >= 100 * MSS);
	/* K = cbrt(30 / 0.4) = 4.2 s; Reno-friendly growth is slower */
	CHECK(now - 10000 > 2000000);
	CHECK(now - 10000 < 6000000);
	fix_free(&f);
}

/* An RTO at now: it leaves ssthresh and one segment of cwnd. */
static void rto_leaves(struct fix *f, uint64_t now, uint32_t ssthresh)
{
	tcp_go_back_n(&f->c, now);
	CHECK_EQ(f->c.cc_st.ssthresh, ssthresh);
	CHECK_EQ(f->c.cc_st.cwnd, MSS);
}

/* RFC 9438 4.8 (Linux tcp_enter_loss with cubictcp_recalc_ssthresh): a
 * timeout sets ssthresh with CUBIC's beta (0.7 cwnd), not Reno's half
 * of the flight; cwnd is one segment. */
static void test_rfc9438_timeout_ssthresh_uses_beta_cubic(void)
{
	struct fix f;

	conn_cc(&f, &tcp_cc_cubic, false);
	app_queue(&f, 60000);
	CHECK_EQ(send_all(&f, NULL), 10 * MSS);
	rto_leaves(&f, 4000, 7 * MSS);
	fix_free(&f);
}

/* Linux tcp_enter_loss: ssthresh is set once per loss episode: an RTO
 * inside a fast recovery keeps the recovery's (it cut already), and so
 * does an RTO repeated with nothing acknowledged since the last; cwnd is
 * one segment each time. */
static void test_linux_rto_sets_ssthresh_once_per_episode(void)
{
	struct fix f;

	fast_recovery(&f, &tcp_cc_cubic);
	CHECK_EQ(f.c.cc_st.ssthresh, 7 * MSS);
	rto_leaves(&f, 4000, 7 * MSS);
	f.c.t.rto_backoff = 1; /* the next one, nothing acknowledged */
	rto_leaves(&f, 300000, 7 * MSS);
	fix_free(&f);
}

/* RFC 8257 3.3: with every byte marked alpha stays 1 and the window halves
 * once per window; unmarked windows decay alpha by g = 1/16. */
static void test_dctcp_alpha_and_reduction(void)
{
	struct fix f;
	uint32_t w;

	conn_cc(&f, &tcp_cc_dctcp, true);
	app_queue(&f, 60000);
	send_all(&f, NULL);
	w = f.c.cc_st.cwnd + 2 * MSS; /* slow start counts the ACK first */
	ack(&f, ISS + 1 + 2000, TCP_F_ECE, 3000);
	CHECK_EQ(f.c.cc_st.cwnd, w / 2);
	CHECK(f.c.cwr_pending);
	ack(&f, ISS + 1 + 4000, TCP_F_ECE, 3000); /* same window: no more */
	CHECK_EQ(f.c.cc_st.cwnd, w / 2);
	CHECK_EQ(f.c.cc_st.alpha, 1024);
	/* the window ends: 2000 of 8000 bytes marked, F = 1/4 */
	ack(&f, ISS + 1 + 10000, 0, 3000);
	CHECK_EQ(f.c.cc_st.alpha, 1024 - 1024 / 16 + 256 / 16);
	fix_free(&f);
}

/* RFC 3168 6.1.2 and RFC 8257 3.2: new data carries ECT(0), the segment
 * after a reduction CWR; a CE-marked arrival is echoed with ECE at once,
 * until unmarked data arrives. */
static void test_ecn_marks_and_echo(void)
{
	struct fix f;
	struct tcp_txseg seg;
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ISS + 1,
				 .flags = TCP_F_ACK, .wnd = 60000,
				 .wscale = -1, .tos = TCP_ECN_CE };
	struct tcp_seg s;
	struct tcp_result r;

	conn_cc(&f, &tcp_cc_dctcp, true);
	app_queue(&f, 3000);
	f.c.cwr_pending = true;
	REQUIRE(tcp_output_next(&f.c, 2000, &seg));
	CHECK_EQ(seg.h.tos & 3, TCP_ECN_ECT0);
	CHECK(seg.h.flags & TCP_F_CWR);
	REQUIRE(tcp_output_next(&f.c, 2000, &seg));
	CHECK(!(seg.h.flags & TCP_F_CWR));
	s = test_seg(buf, sizeof(buf), &h, "x", 1);
	r = tcp_input(&f.c, &s, 3000);
	CHECK(r.act & TCP_ACT_ACK_NOW);
	tcp_ack_hdr(&f.c, 3000, &h);
	CHECK(h.flags & TCP_F_ECE);
	CHECK_EQ(h.tos & 3, 0); /* pure ACKs are not ECN-capable */
	h = (struct tcp_hdrvals){ .seq = IRS + 2, .ack = ISS + 1,
				  .flags = TCP_F_ACK, .wnd = 60000, .wscale = -1 };
	s = test_seg(buf, sizeof(buf), &h, "y", 1);
	tcp_input(&f.c, &s, 3000);
	tcp_ack_hdr(&f.c, 3000, &h);
	CHECK(!(h.flags & TCP_F_ECE));
	fix_free(&f);
}

/* RFC 3168 6.1.1: ECE+CWR on the SYN, ECE on the SYN-ACK; ECN only when
 * both sides ask for it. */
static void test_ecn_negotiation(void)
{
	struct tcp_open_cfg cfg = { .mss = 1448, .rx_size = RING, .ecn = true,
				    .cc = &tcp_cc_dctcp };
	struct tcp_hdrvals syn, sa;
	struct tcp_conn a, b;
	struct tcp_seg s;

	tcp_active_open(&a, &test_ep_local, 1, &cfg, 0, &syn);
	CHECK_EQ(syn.flags & (TCP_F_ECE | TCP_F_CWR), TCP_F_ECE | TCP_F_CWR);
	s = test_seg(buf, sizeof(buf), &syn, NULL, 0);
	tcp_passive_open(&b, &s, &test_ep_local, 7, &cfg, 0, &sa);
	CHECK(b.ecn_ok);
	CHECK_EQ(sa.flags & (TCP_F_ECE | TCP_F_CWR), TCP_F_ECE);
	syn.flags = TCP_F_SYN; /* a peer that does not ask */
	s = test_seg(buf, sizeof(buf), &syn, NULL, 0);
	tcp_passive_open(&b, &s, &test_ep_local, 7, &cfg, 0, &sa);
	CHECK(!b.ecn_ok);
	CHECK(!(sa.flags & TCP_F_ECE));
}

int main(void)
{
	RUN(test_initial_window_enforced);
	RUN(test_newreno_growth);
	RUN(test_newreno_loss_and_rto);
	RUN(test_cubic_reduction_and_regrowth);
	RUN(test_rfc9438_timeout_ssthresh_uses_beta_cubic);
	RUN(test_linux_rto_sets_ssthresh_once_per_episode);
	RUN(test_dctcp_alpha_and_reduction);
	RUN(test_ecn_marks_and_echo);
	RUN(test_ecn_negotiation);
	return check_summary();
}
