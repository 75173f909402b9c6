/* SPDX-License-Identifier: MIT */
/*
 * Send-buffer autotuning as Linux's (tcp_init_buffer_space,
 * tcp_should_expand_sndbuf, tcp_sndbuf_expand in net/ipv4/tcp_input.c).
 * The send ring is the largest the buffer may grow to; what the
 * application may queue in it is a soft limit (c->sndbuf) that starts at
 * room for twice the initial window and grows with cwnd, with the
 * reordering the peer showed and with the peer's window, never shrinking.
 * The limit is published to the application (tcp_app_ops.tx_limit_set),
 * which stops queueing there; the core itself trusts only the ring. An
 * application that sets its own limit (SO_SNDBUF) ignores this one, as
 * Linux's SOCK_SNDBUF_LOCK.
 */
#include "tcp.h"
#include "tcp_conn_int.h"

/* Linux's per-segment cost in tcp_sndbuf_expand: the segment with
 * MAX_TCP_HEADER (320 on x86-64) and skb_shared_info (320), rounded up to
 * a power of two, plus the sk_buff (256): 4352 for an MSS of 1448. Linux
 * counts it against sk_sndbuf in truesize; here the same number of bytes
 * is payload, so the ring holds at least what Linux's queue holds. */
#define SNDBUF_SKB_HDRS (320u + 320u)
#define SNDBUF_SKB_STRUCT 256u
/* Linux tcp_reordering (the initial reordering degree, segments) and
 * tcp_max_reordering. */
#define TCP_REORDERING_INIT 3u
#define TCP_REORDERING_MAX 300u

static uint32_t pow2_up(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

uint32_t tcpc_sndbuf_per_mss(uint16_t mss)
{
	return pow2_up(mss + SNDBUF_SKB_HDRS) + SNDBUF_SKB_STRUCT;
}

uint32_t tcp_reordering(const struct tcp_conn *c)
{
	return c->reordering ? c->reordering : TCP_REORDERING_INIT;
}

/* Linux tcp_check_sack_reordering: a segment delivered metric bytes below
 * the highest delivered one, never resent: the peer reorders that far. */
void tcpc_reordering_seen(struct tcp_conn *c, uint32_t metric)
{
	uint32_t mss = tcpc_payload_max(c), segs;

	if (!mss || metric <= tcp_reordering(c) * mss)
		return;
	segs = (metric + mss - 1) / mss;
	c->reordering = (uint16_t)(segs < TCP_REORDERING_MAX ? segs : TCP_REORDERING_MAX);
}

/* Linux tcp_sndbuf_expand: twice (fast recovery: CUBIC needs 1.7) the
 * larger of the initial window, cwnd and reordering + 1, in segments of
 * tcpc_sndbuf_per_mss bytes; plus the peer's largest window, which Linux
 * does not add: in a recovery the ring holds all the peer may have SACKed
 * above a hole and must still have room for new data (Linux gets there
 * under loss through its reordering degree, which its SACK processing
 * raises to hundreds of segments); at most the ring. Published when it
 * grows. */
static void sndbuf_expand(struct tcp_conn *c)
{
	uint32_t mss = c->mss, segs = tcpc_par(c)->init_cwnd;
	uint64_t want;

	if (c->cc && mss && c->cc_st.cwnd / mss > segs)
		segs = c->cc_st.cwnd / mss;
	if (tcp_reordering(c) + 1 > segs)
		segs = tcp_reordering(c) + 1;
	want = 2ull * segs * tcpc_sndbuf_per_mss(c->mss) + c->max_snd_wnd;
	if (!c->cc || want > c->b.tx_size)
		want = c->b.tx_size; /* no cwnd to size it by: the ring */
	if (want <= c->sndbuf)
		return;
	c->sndbuf = (uint32_t)want;
	if (c->b.ops->tx_limit_set)
		c->b.ops->tx_limit_set(c->b.app, c->sndbuf);
}

/* Linux tcp_init_buffer_space: once established. */
void tcpc_sndbuf_init(struct tcp_conn *c)
{
	c->sndbuf = 0;
	sndbuf_expand(c);
}

/* Linux tcp_new_space after an ACK freed sent data: expand unless the
 * congestion window is full (tcp_should_expand_sndbuf). */
void tcpc_sndbuf_acked(struct tcp_conn *c)
{
	if (c->cc && tcpc_pipe(c) >= c->cc_st.cwnd)
		return;
	sndbuf_expand(c);
}
