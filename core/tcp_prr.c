/* SPDX-License-Identifier: MIT */
/*
 * A fast recovery's sending budget: RFC 6675 pipe (the bytes still in
 * the network) and RFC 6937 Proportional Rate Reduction, as Linux's
 * tcp_cwnd_reduction. Started by tcpc_enter_recovery (tcp_conn.c), fed by
 * each ACK that delivers bytes, spent by every segment sent
 * (tcp_output.c enforces it).
 */
#include "tcp.h"
#include "tcp_conn_int.h"

bool tcpc_in_fast_recovery(const struct tcp_conn *c)
{
	return c->cc && seq_lt(c->snd_una, c->snd_recover) && !c->rto_sweep;
}

/* SACKed bytes above seq. */
uint32_t tcpc_sacked_above(const struct tcp_conn *c, uint32_t seq)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->sacked.n; i++) {
		uint32_t l = c->sacked.iv[i].start, r = c->sacked.iv[i].end;

		if (seq_gt(r, seq))
			n += r - (seq_gt(l, seq) ? l : seq);
	}
	return n;
}

/* RFC 6675 pipe: bytes in flight, less the SACKed ones and the lost ones
 * not resent yet: those RACK marked (Linux packets_out - sacked_out -
 * lost_out + retrans_out), or without RACK's verdicts the holes below the
 * highest SACK not resent yet. */
uint32_t tcpc_pipe(const struct tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una, out = tcpc_sacked_bytes(c);

	if (tcpc_in_fast_recovery(c) && tcpc_rack_marks_losses(c))
		out += tcpc_rack_lost_bytes(c);
	else if (c->sacked.n && seq_lt(c->snd_nxt, tcpc_high_sacked(c)))
		out += tcpc_high_sacked(c) - c->snd_nxt - tcpc_sacked_above(c, c->snd_nxt);
	return flight > out ? flight - out : 0;
}

/* RFC 6937 3 (Linux tcp_init_cwnd_reduction): the recovery begins with
 * the fast retransmit allowed at once. */
void tcpc_prr_start(struct tcp_conn *c)
{
	c->prr_delivered = c->prr_out = 0;
	c->recover_fs = c->snd_max - c->snd_una;
	c->prr_budget = tcpc_payload_max(c);
}

/* RFC 6937 3, on each ACK of a recovery that delivered bytes, the one
 * that began it included (Linux tcp_cwnd_reduction after
 * tcp_enter_recovery): while pipe
 * is above ssthresh, send in proportion (PRR); below it, catch up to
 * ssthresh no faster than slow start (PRR-SSRB). The budget replaces the
 * previous one, as Linux's cwnd = pipe + sndcnt does. */
void tcpc_prr_ack(struct tcp_conn *c, uint32_t delivered)
{
	uint32_t pipe = tcpc_pipe(c), ssthresh = c->cc_st.ssthresh;
	uint32_t mss = tcpc_payload_max(c), sndcnt;

	if (!delivered)
		return;
	c->prr_delivered += delivered;
	if (pipe > ssthresh) {
		uint64_t fs = c->recover_fs ? c->recover_fs : 1;
		uint64_t lim = ((uint64_t)c->prr_delivered * ssthresh + fs - 1) / fs;

		sndcnt = lim > c->prr_out ? (uint32_t)(lim - c->prr_out) : 0;
	} else {
		uint32_t ahead = c->prr_delivered > c->prr_out ?
				 c->prr_delivered - c->prr_out : 0;
		uint32_t lim = (ahead > delivered ? ahead : delivered) + mss;

		sndcnt = ssthresh - pipe < lim ? ssthresh - pipe : lim;
	}
	/* whole segments, the rest carrying over in prr_delivered; but one
	 * at least when anything may go: Linux counts packets, and a sliver
	 * delivered, or of room below ssthresh, is one */
	c->prr_budget = sndcnt > mss ? sndcnt - sndcnt % mss : sndcnt ? mss : 0;
	if (!c->prr_out && c->prr_budget < mss)
		c->prr_budget = mss; /* the fast retransmit goes at once */
}

/* RACK marked bytes lost inside a recovery after the ACK that set the
 * budget: they leave pipe, and Linux's cwnd (pipe + sndcnt at that ACK)
 * lets as much more go (tcp_rack_reo_timeout, tcp_xmit_retransmit_queue)
 * without waiting for an ACK that delivers. Marked before a recovery
 * starts they count in its first ACK's budget (pipe is computed then). */
void tcpc_prr_lost(struct tcp_conn *c, uint32_t bytes)
{
	if (bytes && tcpc_in_fast_recovery(c))
		c->prr_budget += bytes;
}

void tcpc_prr_sent(struct tcp_conn *c, uint32_t len)
{
	if (!tcpc_in_fast_recovery(c))
		return;
	c->prr_out += len;
	c->prr_budget = c->prr_budget > len ? c->prr_budget - len : 0;
}
