/* SPDX-License-Identifier: MIT */
/*
 * NewReno window growth and reduction (RFC 5681, RFC 6582 for the
 * recovery the core runs): slow start with appropriate byte counting
 * (RFC 3465, L = 2 segments), congestion avoidance by one MSS per window,
 * ssthresh at half the flight on loss, one segment after an RTO.
 */
#include "cc.h"

uint32_t tcp_cc_flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/* Linux TCP_INIT_CWND (RFC 6928): 10 segments, or the configured number. */
void tcp_cc_reno_init(struct tcp_conn *c, uint64_t now_us)
{
	uint32_t n = c->par && c->par->init_cwnd ? c->par->init_cwnd : 10;

	(void)now_us;
	c->cc_st.cwnd = n * c->mss;
	c->cc_st.ssthresh = UINT32_MAX;
	c->cc_st.acc = 0;
}

void tcp_cc_reno_ack(struct tcp_conn *c, uint32_t acked, uint64_t now_us)
{
	struct tcp_cc_state *s = &c->cc_st;

	(void)now_us;
	if (s->cwnd < s->ssthresh) { /* RFC 5681 3.1 + RFC 3465 */
		s->cwnd += acked < 2u * c->mss ? acked : 2u * c->mss;
		return;
	}
	s->acc += acked; /* RFC 5681 3.1: about one MSS per window */
	if (s->acc >= s->cwnd) {
		s->acc -= s->cwnd;
		s->cwnd += c->mss;
	}
}

static uint32_t half_flight(const struct tcp_conn *c)
{
	uint32_t h = tcp_cc_flight(c) / 2;

	return h > 2u * c->mss ? h : 2u * c->mss;
}

/* RFC 5681 3.2 step 2 (and RFC 6582: cwnd stays at ssthresh through the
 * recovery; the core does not inflate it). */
void tcp_cc_reno_loss(struct tcp_conn *c, uint64_t now_us)
{
	(void)now_us;
	c->cc_st.ssthresh = half_flight(c);
	c->cc_st.cwnd = c->cc_st.ssthresh;
	c->cc_st.acc = 0;
}

/* RFC 5681 3.1 (4): after an RTO, one segment (the loss window). */
void tcp_cc_reno_rto(struct tcp_conn *c, uint64_t now_us)
{
	(void)now_us;
	c->cc_st.ssthresh = half_flight(c);
	c->cc_st.cwnd = c->mss;
	c->cc_st.acc = 0;
}

static void reno_ecn(struct tcp_conn *c, uint32_t acked, bool ece,
		     uint64_t now_us)
{
	(void)acked;
	if (ece && !seq_lt(c->snd_una, c->cc_st.ecn_recover)) {
		tcp_cc_reno_loss(c, now_us); /* RFC 3168 6.1.2: as a loss, */
		c->cc_st.ecn_recover = c->snd_max; /* once per window */
		c->cwr_pending = true;
	}
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.on_init = tcp_cc_reno_init,
	.on_ack = tcp_cc_reno_ack,
	.on_loss = tcp_cc_reno_loss,
	.on_rto = tcp_cc_reno_rto,
	.on_ecn = reno_ecn,
};
