/* SPDX-License-Identifier: MIT */
/*
 * The output half of the data-path TCP core: the next segment to send
 * within the peer's window and the congestion window (SACK holes first,
 * silly-window avoidance, FIN), persist probes, loss probes, go-back-N and
 * the RST of an abortive close.
 *
 * Hot path: no allocation, no system calls, no locks.
 */
#include <string.h>

#include "cc.h"
#include "tcp.h"
#include "tcp_conn_int.h"

/* --- output -------------------------------------------------------------- */

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Count, time and account a segment about to leave [seq, seq + seq_len). */
static void output_account(struct tcp_conn *c, uint32_t seq, uint32_t seq_len,
			   uint16_t len, uint64_t now_us)
{
	bool fresh = !seq_lt(seq, c->snd_max);

	if (c->snd_una == c->snd_nxt)
		c->last_progress_us = now_us;
	if (len) {
		c->data_segs_out++;
		c->last_data_sent_us = now_us;
	}
	if (!fresh) {
		c->retransmits++;
		c->bytes_retrans += len;
		tcpc_undo_rtx(c, seq, seq + seq_len);
	} else if (!c->rtt_timing) {
		c->rtt_timing = true;
		c->rtt_seq = seq + seq_len;
		c->rtt_start_us = now_us;
	}
	tcpc_prr_sent(c, len);
	tcpc_rack_sent(c, seq, seq + seq_len, now_us, fresh);
	c->snd_nxt = seq + seq_len;
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	c->segs_out++;
	c->bytes_out += len;
	if (fresh && seq_len) {
		c->last_seg_seq = seq;
		/* Linux tcp_event_data_sent: a reply soon after data came
		 * makes the connection interactive (delayed ACKs) */
		if (c->ack_seen_data &&
		    now_us - c->last_rcv_us < tcpc_par(c)->ato_us)
			c->pingpong = true;
		tcpc_arm_pto(c, now_us);
	}
}

static void fin_sent_transition(struct tcp_conn *c)
{
	c->fin_sent = true;
	if (c->state == TCP_ESTABLISHED)
		c->state = TCP_FIN_WAIT_1;
	else if (c->state == TCP_CLOSE_WAIT)
		c->state = TCP_LAST_ACK;
}

/* Usable window: what the peer's window allows after snd_nxt. */
static uint32_t usable_window(const struct tcp_conn *c)
{
	uint32_t wnd_end = c->snd_una + c->snd_wnd;

	return seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
}

/* RFC 9293 3.8.6.2.1 sender SWS avoidance: a segment goes out when it is
 * full-sized, carries all queued data, or is at least half the largest
 * window the peer has offered; otherwise the window waits to grow (the
 * persist timer overrides this when nothing is in flight). */
static bool sws_ok(const struct tcp_conn *c, uint32_t len, uint32_t unsent)
{
	return len >= tcpc_payload_max(c) || len == unsent ||
	       len >= c->max_snd_wnd / 2 || c->sws_override;
}

/*
 * A partial segment of new data waits (Linux tcp_nagle_test): when it
 * holds bytes beyond the last pushed write (TCP_CORK, MSG_MORE: the
 * segment is cut there when some of it was pushed), or, with Nagle
 * (RFC 896, Minshall's variant), while an earlier small segment is
 * unacknowledged. A FIN pushes everything.
 */
static bool held_back(const struct tcp_conn *c, uint32_t *len)
{
	uint32_t push = tcpc_push_seq(c);

	if (*len >= tcpc_payload_max(c) || c->fin_queued)
		return false;
	if (seq_gt(c->snd_nxt + *len, push)) {
		if (!seq_gt(push, c->snd_nxt))
			return true; /* corked */
		*len = push - c->snd_nxt;
	}
	return (tcpc_tx_flags(c) & TCP_APP_NAGLE) && seq_gt(c->snd_sml, c->snd_una) &&
	       !seq_gt(c->snd_sml, c->snd_max);
}

/* Over what the peer SACKed; in a fast recovery where RACK marks the
 * losses, over what it has not marked lost too (those segments may
 * still arrive: RFC 8985 6.2, Linux tcp_xmit_retransmit_queue resends
 * only lost ones), up to snd_max: above the highest SACKed byte as
 * well, where a segment sent before a delivered retransmission is lost
 * (RFC 6675 IsLost, which takes nothing there as lost, is for the
 * recoveries without RACK's verdicts). Returns where a resend from
 * snd_nxt must stop; *lost tells whether snd_nxt is at a lost record. */
static uint32_t rtx_walk(struct tcp_conn *c, bool *lost)
{
	bool rack = tcpc_in_fast_recovery(c) && tcpc_rack_marks_losses(c);
	uint32_t lost_end;
	int i;

	*lost = false;
	for (;;) {
		while ((i = tcp_ivset_find(&c->sacked, c->snd_nxt)) >= 0)
			c->snd_nxt = c->sacked.iv[i].end;
		if (!rack || !seq_lt(c->snd_nxt, c->snd_max))
			return c->snd_max;
		lost_end = tcpc_rack_lost_end(c, c->snd_nxt);
		if (lost_end != c->snd_nxt) {
			*lost = true;
			return lost_end;
		}
		c->snd_nxt = tcpc_rack_rec_end(c, c->snd_nxt);
	}
}

/* Retransmissions jump over the block the peer SACKed (and, in a RACK
 * recovery, over what is not lost) and stop at its left edge. Returns the
 * most that may be sent from snd_nxt. */
static uint32_t sack_skip(struct tcp_conn *c)
{
	bool lost;
	uint32_t stop = rtx_walk(c, &lost);

	if (c->sacked.n && !c->rto_sweep && !lost &&
	    seq_ge(c->snd_nxt, tcpc_high_sacked(c))) {
		/* RFC 6675 IsLost: only holes below the highest SACKed byte
		 * are taken as lost; what follows is still in flight */
		if (seq_gt(tcpc_high_sacked(c), c->rtx_high))
			c->rtx_high = tcpc_high_sacked(c);
		if (seq_lt(c->snd_nxt, c->snd_max))
			c->snd_nxt = c->snd_max;
		return UINT32_MAX;
	}
	if (!seq_lt(c->snd_nxt, c->snd_max))
		return UINT32_MAX;
	return tcp_ivset_gap(&c->sacked, c->snd_nxt, stop) - c->snd_nxt;
}

void tcpc_rtx_one(struct tcp_conn *c, uint32_t seq)
{
	c->rtx_one = true;
	c->rtx_seq = seq;
}

/* One segment resent from rtx_seq (a partial ACK's snd_una, or the loss
 * probe's latest segment), with the FIN when it reaches it; snd_nxt
 * stays. */
static bool rtx_one_next(struct tcp_conn *c, uint64_t now_us,
			 struct tcp_txseg *seg)
{
	uint32_t end = tcpc_data_end_seq(c), seq = c->rtx_seq, len = 0;
	uint8_t flags = TCP_F_ACK;
	bool fin;

	c->rtx_one = false;
	if (seq_lt(seq, c->snd_una))
		seq = c->snd_una;
	if (!seq_lt(seq, c->snd_max) || tcp_ivset_find(&c->sacked, seq) >= 0)
		return false;
	if (seq_lt(seq, end))
		len = min3(tcpc_payload_max(c), end - seq,
			   tcp_ivset_gap(&c->sacked, seq, c->snd_max) - seq);
	fin = c->fin_queued && seq + len == end && seq_gt(c->snd_max, end);
	if (!len && !fin)
		return false;
	if (fin)
		flags |= TCP_F_FIN;
	else if (seq + len == end)
		flags |= TCP_F_PSH;
	seg->tx_pos = seq - (c->iss + 1);
	seg->len = (uint16_t)len;
	tcpc_data_hdr(c, now_us, &seg->h, seq, flags);
	c->retransmits++;
	c->bytes_retrans += len;
	tcpc_undo_rtx(c, seq, seq + len + fin);
	tcpc_prr_sent(c, len);
	tcpc_rack_sent(c, seq, seq + len + fin, now_us, false);
	c->rtt_timing = false; /* Karn */
	c->segs_out++;
	c->bytes_out += len;
	if (len)
		c->data_segs_out++;
	return true;
}

/* What congestion control lets go from snd_nxt. In a fast recovery, what
 * PRR allows (RFC 6937). New data: cwnd less the bytes in flight (SACKed
 * ones are not). Retransmissions after an RTO or without SACK: cwnd less
 * what was resent since, SACKed bytes skipped over not counted. */
static uint32_t cwnd_room(const struct tcp_conn *c)
{
	uint32_t cwnd = c->cc_st.cwnd, pipe;

	if (!c->cc)
		return UINT32_MAX;
	if (tcpc_in_fast_recovery(c))
		return c->prr_budget;
	if (seq_lt(c->snd_nxt, c->snd_max)) {
		if (c->sacked.n && !c->rto_sweep)
			return UINT32_MAX;
		pipe = c->snd_nxt - c->snd_una - (tcpc_sacked_bytes(c) -
						   tcpc_sacked_above(c, c->snd_nxt));
		return cwnd > pipe ? cwnd - pipe : 0;
	}
	pipe = c->snd_max - c->snd_una - tcpc_sacked_bytes(c);
	return cwnd > pipe ? cwnd - pipe : 0;
}

static bool output_next(struct tcp_conn *c, uint64_t now_us, struct tcp_txseg *seg)
{
	uint32_t end, unsent, usable, len, room;
	uint8_t flags = TCP_F_ACK;
	bool fin, probe;

	if (c->rtx_one && rtx_one_next(c, now_us, seg))
		return true;
	end = tcpc_data_end_seq(c);
	len = sack_skip(c);
	unsent = seq_gt(end, c->snd_nxt) ? end - c->snd_nxt : 0;
	usable = usable_window(c);
	len = min3(tcpc_payload_max(c), usable, unsent < len ? unsent : len);
	room = cwnd_room(c);
	probe = c->probe_new && seq_ge(c->snd_nxt, c->snd_max);
	if (probe && room < len)
		room = len; /* RFC 8985 7.3: the probe ignores cwnd (and Nagle) */
	c->probe_new = false;
	if (len > room)
		len = room;
	fin = c->fin_queued && !c->fin_sent && c->snd_nxt + len == end &&
	      usable > len;
	if (len == 0 && !fin)
		return false;
	if (len && seq_ge(c->snd_nxt, c->snd_max)) { /* new data only */
		if (!sws_ok(c, len, unsent))
			return false; /* retransmissions fill holes */
		if (!probe && !fin && held_back(c, &len))
			return false;
	}
	c->sws_override = false;
	if (len && (c->snd_nxt + len == tcpc_push_seq(c) || c->snd_nxt + len == end))
		flags |= TCP_F_PSH; /* where a write ended (Linux tcp_push) */
	if (len && len < tcpc_payload_max(c) && seq_ge(c->snd_nxt, c->snd_max))
		c->snd_sml = c->snd_nxt + len;
	if (fin)
		flags |= TCP_F_FIN;
	seg->tx_pos = c->snd_nxt - (c->iss + 1);
	seg->len = (uint16_t)len;
	tcpc_data_hdr(c, now_us, &seg->h, c->snd_nxt, flags);
	output_account(c, c->snd_nxt, len + fin, (uint16_t)len, now_us);
	if (fin)
		fin_sent_transition(c);
	return true;
}

bool tcp_output_next(struct tcp_conn *c, uint64_t now_us, struct tcp_txseg *seg)
{
	bool sent;

	if (!tcpc_synchronized(c) || !c->attached)
		return false;
	sent = output_next(c, now_us, seg);
	tcpc_timers_update(c, now_us);
	return sent;
}

/* --- zero windows ---------------------------------------------------------- */

bool tcp_persist_wanted(const struct tcp_conn *c)
{
	uint32_t end, unsent, usable;

	if (!tcpc_synchronized(c) || !c->attached || c->snd_una != c->snd_max)
		return false;
	end = tcpc_data_end_seq(c);
	unsent = seq_gt(end, c->snd_nxt) ? end - c->snd_nxt : 0;
	if (unsent == 0)
		return c->fin_queued && !c->fin_sent && usable_window(c) == 0;
	usable = usable_window(c);
	return usable == 0 || !sws_ok(c, min3(c->mss, usable, unsent), unsent);
}

void tcp_probe_hdr(struct tcp_conn *c, uint64_t now_us, struct tcp_hdrvals *h)
{
	tcpc_fill_hdr(c, now_us, h, c->snd_una - 1, TCP_F_ACK);
	c->sws_override = true;
}

/* --- application requests and retransmission ------------------------------ */

void tcp_app_shutdown(struct tcp_conn *c)
{
	uint32_t pos;

	if (c->fin_queued)
		return;
	pos = c->attached ? tcpc_tx_tail(c) : 0;
	if (seq_lt(tcpc_tx_seq(c, pos), c->snd_nxt))
		pos = c->snd_nxt - (c->iss + 1); /* tx_tail moved back */
	c->fin_pos = pos;
	c->fin_queued = true;
}

void tcp_app_orphan(struct tcp_conn *c, uint64_t now_us)
{
	c->orphan = true;
	tcpc_linger_update(c, now_us);
}

void tcp_loss_probe(struct tcp_conn *c)
{
	uint32_t end = tcpc_data_end_seq(c);

	if (c->snd_una == c->snd_max)
		return;
	if (seq_gt(end, c->snd_nxt) && usable_window(c) > 0) {
		c->probe_new = true; /* new data, whatever cwnd says */
		return;
	}
	tcpc_rtx_one(c, seq_lt(c->last_seg_seq, c->snd_una) ? c->snd_una :
			c->last_seg_seq);
}

/* The congestion response to an RTO: cwnd one segment; ssthresh set
 * once per loss episode, as Linux's tcp_enter_loss: not by an RTO inside
 * a fast recovery (which cut it already) nor by one repeated with nothing
 * acknowledged since the last (a second cut for the same losses). */
static void rto_cc(struct tcp_conn *c, uint64_t now_us)
{
	struct tcp_cc_state kept = c->cc_st;

	c->cc->on_rto(c, now_us);
	if (tcpc_in_fast_recovery(c) || (c->rto_sweep && c->t.rto_backoff)) {
		c->cc_st.ssthresh = kept.ssthresh;
		c->cc_st.w_max = kept.w_max;
	}
}

/* The caller's RTO. What the peer SACKed stands, as Linux keeps it
 * (tcp_timeout_mark_lost; RFC 6675 5.1 lets SACK information be used
 * after a timeout): the sweep resends only what was not SACKed. Unless
 * the peer reneged, SACKing the very byte at snd_una without ACKing it
 * (RFC 2018 8): then every SACK is forgotten. */
void tcp_go_back_n(struct tcp_conn *c, uint64_t now_us)
{
	bool reneged = c->sacked.n && c->sacked.iv[0].start == c->snd_una;
	uint8_t forget = reneged ? TCP_REC_SACKED | TCP_REC_LOST : TCP_REC_LOST;

	if (c->cc && c->snd_una != c->snd_max)
		rto_cc(c, now_us);
	c->undo_ok = false; /* a timeout is not undone here (no Eifel) */
	if (reneged)
		c->sacked.n = 0;
	for (unsigned i = 0; i < c->nrec; i++)
		c->rec[i].flags &= (uint8_t)~forget;
	tcpc_go_back(c);
	c->rto_sweep = true;
}

void tcp_abort_hdr(const struct tcp_conn *c, struct tcp_hdrvals *h)
{
	memset(h, 0, sizeof(*h));
	h->seq = c->snd_max;
	h->ack = c->rcv_nxt;
	h->flags = TCP_F_RST | TCP_F_ACK;
	h->wscale = -1;
}
