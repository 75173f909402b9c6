/* SPDX-License-Identifier: MIT */
/*
 * CUBIC (RFC 9438): after a reduction to beta * W_max the window follows
 * W(t) = C (t - K)^3 + W_max, in segments and seconds, never below what
 * Reno would reach (the Reno-friendly region, 4.3); fast convergence
 * (4.7); a timeout as a loss for ssthresh (4.8); slow start as NewReno.
 */
#include <math.h>

#include "cc.h"

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

static void cubic_epoch_start(struct tcp_conn *c, uint64_t now_us)
{
	struct tcp_cc_state *s = &c->cc_st;
	double wmax = (double)s->w_max / c->mss, cw = (double)s->cwnd / c->mss;

	s->epoch_us = now_us ? now_us : 1;
	s->k_us = wmax > cw ? (uint64_t)(cbrt((wmax - cw) / CUBIC_C) * 1e6) : 0;
	s->w_est = s->cwnd;
	if (s->w_max < s->cwnd)
		s->w_max = s->cwnd;
}

/* The target for one RTT ahead (4.2), clamped to [cwnd, 1.5 cwnd]. */
static double cubic_target(const struct tcp_conn *c, uint64_t now_us)
{
	const struct tcp_cc_state *s = &c->cc_st;
	double t = (double)(now_us - s->epoch_us + c->srtt_us) / 1e6;
	double d = t - (double)s->k_us / 1e6;
	double w = (CUBIC_C * d * d * d + (double)s->w_max / c->mss) * c->mss;

	if (w < s->cwnd)
		w = s->cwnd;
	if (w > 1.5 * s->cwnd)
		w = 1.5 * s->cwnd;
	return w;
}

static void cubic_ack(struct tcp_conn *c, uint32_t acked, uint64_t now_us)
{
	struct tcp_cc_state *s = &c->cc_st;
	double target, inc;

	if (s->cwnd < s->ssthresh) {
		tcp_cc_reno_ack(c, acked, now_us);
		return;
	}
	if (!s->epoch_us)
		cubic_epoch_start(c, now_us);
	/* 4.3: W_est grows by alpha segments per window of acked bytes */
	s->w_est += (uint32_t)(CUBIC_ALPHA * c->mss * acked / s->cwnd);
	target = cubic_target(c, now_us);
	if (target < s->w_est)
		target = s->w_est;
	inc = (target - s->cwnd) * acked / s->cwnd;
	s->acc += (uint32_t)inc;
	if (s->acc >= c->mss / 4) { /* apply in small steps */
		s->cwnd += s->acc;
		s->acc = 0;
	}
}

/* 4.6 multiplicative decrease, 4.7 fast convergence. */
static void cubic_loss(struct tcp_conn *c, uint64_t now_us)
{
	struct tcp_cc_state *s = &c->cc_st;
	uint32_t w = s->cwnd;

	(void)now_us;
	s->w_max = w < s->w_max ? (uint32_t)(w * (1.0 + CUBIC_BETA) / 2) : w;
	w = (uint32_t)(w * CUBIC_BETA);
	s->cwnd = s->ssthresh = w > 2u * c->mss ? w : 2u * c->mss;
	s->epoch_us = 0;
	s->acc = 0;
}

/* 4.8: a timeout sets ssthresh (and W_max) as a loss does (Linux
 * tcp_enter_loss asks cubictcp_recalc_ssthresh); cwnd is one segment. */
static void cubic_rto(struct tcp_conn *c, uint64_t now_us)
{
	cubic_loss(c, now_us);
	c->cc_st.cwnd = c->mss;
}

static void cubic_ecn(struct tcp_conn *c, uint32_t acked, bool ece,
		      uint64_t now_us)
{
	(void)acked;
	if (ece && !seq_lt(c->snd_una, c->cc_st.ecn_recover)) {
		cubic_loss(c, now_us);
		c->cc_st.ecn_recover = c->snd_max;
		c->cwr_pending = true;
	}
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.on_init = tcp_cc_reno_init,
	.on_ack = cubic_ack,
	.on_loss = cubic_loss,
	.on_rto = cubic_rto,
	.on_ecn = cubic_ecn,
};
