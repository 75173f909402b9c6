/* SPDX-License-Identifier: MIT */
/*
 * Undo of a recovery its D-SACKs show needless (RFC 2883, Linux
 * tcp_try_undo_dsack): the congestion state from before the cut and the
 * ranges the recovery retransmitted are kept until every retransmitted
 * byte was D-SACKed (the window comes back) or the chance ends: a new
 * recovery, an RTO (no Eifel undo here) or more than 16 resent ranges.
 */
#include "tcp.h"
#include "tcp_conn_int.h"

/* A fast recovery begins: remember the window it is about to cut. */
void tcpc_undo_start(struct tcp_conn *c)
{
	c->undo_cc = c->cc_st;
	c->undo_rtx.n = 0;
	c->undo_sent = false;
	c->undo_ok = c->cc != NULL;
}

/* A retransmission of the recovery: a D-SACK may later show it needless. */
void tcpc_undo_rtx(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	if (!c->undo_ok || !tcpc_in_fast_recovery(c))
		return; /* a probe or an RTO's resend belongs to no recovery */
	c->undo_sent = true;
	if (!tcp_ivset_add(&c->undo_rtx, seq, end))
		c->undo_ok = false; /* too scattered to follow */
}

/* A D-SACK for [l, rgt): only bytes the recovery resent count (one of a
 * duplicate the network made does not). Once every resent byte was
 * D-SACKed, the loss was reordering or delay, not congestion: the window
 * comes back (its growth since kept) and the recovery ends. */
void tcpc_undo_dsack(struct tcp_conn *c, uint32_t l, uint32_t rgt)
{
	if (!c->undo_ok || !c->undo_sent || !seq_lt(l, rgt))
		return;
	tcp_ivset_take(&c->undo_rtx, l, rgt);
	if (c->undo_rtx.n)
		return;
	if (c->cc_st.cwnd > c->undo_cc.cwnd)
		c->undo_cc.cwnd = c->cc_st.cwnd;
	if (c->cc_st.ssthresh > c->undo_cc.ssthresh)
		c->undo_cc.ssthresh = c->cc_st.ssthresh;
	c->cc_st = c->undo_cc;
	if (seq_lt(c->snd_una, c->snd_recover))
		c->snd_recover = c->snd_una;
	c->undo_ok = false;
	c->undos++;
}
