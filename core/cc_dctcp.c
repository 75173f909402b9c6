/* SPDX-License-Identifier: MIT */
/*
 * DCTCP (RFC 8257): alpha, the running fraction of ECN-marked bytes
 * (g = 1/16, updated once per window of data), scales the reduction on
 * ECN-Echo: cwnd * (1 - alpha / 2), once per window. Growth and losses
 * as NewReno.
 */
#include "cc.h"

#define DCTCP_SHIFT 10 /* alpha in 1/1024 */
#define DCTCP_G_SHIFT 4

static void dctcp_init(struct tcp_conn *c, uint64_t now_us)
{
	tcp_cc_reno_init(c, now_us);
	c->cc_st.alpha = 1u << DCTCP_SHIFT; /* RFC 8257 4.2: start at 1 */
	c->cc_st.win_end = c->snd_nxt;
	c->cc_st.bytes_acked = c->cc_st.bytes_marked = 0;
}

/* RFC 8257 3.3: once per window, alpha = (1 - g) alpha + g F. */
static void dctcp_alpha(struct tcp_conn *c)
{
	struct tcp_cc_state *s = &c->cc_st;
	uint64_t f = s->bytes_acked ?
		     ((uint64_t)s->bytes_marked << DCTCP_SHIFT) / s->bytes_acked : 0;

	s->alpha = s->alpha - (s->alpha >> DCTCP_G_SHIFT) +
		   (uint32_t)(f >> DCTCP_G_SHIFT);
	s->bytes_acked = s->bytes_marked = 0;
	s->win_end = c->snd_max;
}

static void dctcp_ecn(struct tcp_conn *c, uint32_t acked, bool ece,
		      uint64_t now_us)
{
	struct tcp_cc_state *s = &c->cc_st;

	(void)now_us;
	s->bytes_acked += acked;
	if (ece)
		s->bytes_marked += acked;
	if (!seq_lt(c->snd_una, s->win_end))
		dctcp_alpha(c);
	if (ece && !seq_lt(c->snd_una, s->ecn_recover)) { /* 3.3 */
		uint64_t w = (uint64_t)s->cwnd *
			     ((2u << DCTCP_SHIFT) - s->alpha) >> (DCTCP_SHIFT + 1);

		s->cwnd = w > c->mss ? (uint32_t)w : c->mss;
		s->ssthresh = s->cwnd;
		s->ecn_recover = c->snd_max;
		c->cwr_pending = true;
	}
}

const struct tcp_cc_ops tcp_cc_dctcp = {
	.name = "dctcp",
	.on_init = dctcp_init,
	.on_ack = tcp_cc_reno_ack,
	.on_loss = tcp_cc_reno_loss,
	.on_rto = tcp_cc_reno_rto,
	.on_ecn = dctcp_ecn,
};
