/* SPDX-License-Identifier: MIT */
/*
 * The data-path half of the TCP core, input side: segments for attached
 * connections in ESTABLISHED and later states (RFC 9293 3.10.7.4, common
 * case), ACK and SACK processing, windows, out-of-order placement. The
 * output side is tcp_output.c.
 *
 * Hot path: no allocation, no system calls, no locks. The application side
 * of the rings (rx_head, tx_tail) is read with acquire and never trusted.
 */
#include <string.h>

#include "cc.h"
#include "tcp.h"
#include "tcp_conn_int.h"
#include "tcp_csum.h"

#define WND_FIELD_MAX 65535u

/* --- rings ------------------------------------------------------------- */

/* tx_tail as far as it can be believed: at most a ring ahead of tx_head. */
uint32_t tcpc_tx_tail(const struct tcp_conn *c)
{
	uint32_t tail = c->b.ops->tx_tail(c->b.app);

	if (tail - c->tx_head > c->b.tx_size)
		tail = c->tx_head + c->b.tx_size;
	return tail;
}

bool tcp_tx_writable(const struct tcp_conn *c)
{
	uint32_t used = tcpc_tx_tail(c) - c->tx_head;
	uint32_t lim = c->sndbuf && c->sndbuf < c->b.tx_size ? c->sndbuf : c->b.tx_size;

	return used <= lim && lim - used >= lim / 3;
}

/* Sequence number where the application's last pushed write ended
 * (never beyond what it queued): beyond it, partial segments wait. */
uint32_t tcpc_push_seq(const struct tcp_conn *c)
{
	uint32_t tail = tcpc_tx_tail(c), push;

	if (!c->b.ops->tx_push)
		return tcpc_tx_seq(c, tail);
	push = c->b.ops->tx_push(c->b.app);
	if (push - c->tx_head > tail - c->tx_head)
		push = tail;
	return tcpc_tx_seq(c, push);
}

uint32_t tcpc_tx_flags(const struct tcp_conn *c)
{
	return c->b.ops->tx_flags ? c->b.ops->tx_flags(c->b.app) : 0;
}

uint32_t tcp_rcv_window(const struct tcp_conn *c)
{
	uint32_t used;

	if (!c->attached)
		return c->rx_size;
	used = c->rx_tail - c->b.ops->rx_head(c->b.app);
	return used > c->rx_size ? 0 : c->rx_size - used;
}

/* Copy len bytes to rx counter pos (ring wrap); does not publish them. */
static void rx_ring_write(struct tcp_conn *c, uint32_t pos, const uint8_t *data,
			  uint32_t len)
{
	uint32_t off = pos & (c->rx_size - 1);
	uint32_t first = c->rx_size - off < len ? c->rx_size - off : len;

	memcpy(c->b.rx + off, data, first);
	memcpy(c->b.rx, data + first, len - first);
}

/* The next n bytes after rx_tail (already in the ring) become readable. */
static void rx_publish(struct tcp_conn *c, uint32_t n)
{
	c->rx_tail += n;
	c->b.ops->rx_tail_set(c->b.app, c->rx_tail);
	c->rcv_nxt += n;
	c->bytes_in += n;
}

uint64_t tcp_tx_copy(const struct tcp_conn *c, uint32_t pos, uint16_t len,
		     uint8_t *dst)
{
	uint32_t off = pos & (c->b.tx_size - 1);
	uint32_t first = c->b.tx_size - off < len ? c->b.tx_size - off : len;

	return csum_copy2(dst, c->b.tx + off, first, dst + first, c->b.tx, len - first);
}

bool tcp_rx_direct_ok(const struct tcp_conn *c, const struct tcp_seg *s,
		      uint32_t ahead)
{
	return c->attached && tcpc_synchronized(c) && c->state != TCP_TIME_WAIT &&
	       c->state != TCP_CLOSED && !c->fin_rcvd && c->ooo.n == 0 &&
	       s->len && s->seq == c->rcv_nxt + ahead &&
	       (uint64_t)ahead + s->len <= tcp_rcv_window(c);
}

uint64_t tcp_rx_copy(struct tcp_conn *c, struct tcp_seg *s, uint32_t ahead)
{
	uint32_t off = (c->rx_tail + ahead) & (c->rx_size - 1), len = s->len;
	uint32_t first = c->rx_size - off < len ? c->rx_size - off : len;

	s->placed = true;
	return csum_copy2(c->b.rx + off, s->payload, first, c->b.rx, s->payload + first,
			  len - first);
}

void tcp_conn_attach(struct tcp_conn *c, const struct tcp_bufs *b)
{
	c->b = *b;
	c->rx_size = b->rx_size;
	c->attached = true;
	c->rx_tail = 0;
	c->tx_head = 0;
	b->ops->rx_tail_set(b->app, 0);
	b->ops->tx_head_set(b->app, 0);
	tcpc_sndbuf_init(c);
}

/* --- sequence-space helpers -------------------------------------------- */

uint32_t tcpc_tx_seq(const struct tcp_conn *c, uint32_t pos)
{
	return c->iss + 1 + pos;
}

static uint32_t fin_seq(const struct tcp_conn *c)
{
	return tcpc_tx_seq(c, c->fin_pos);
}

static bool fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && seq_gt(c->snd_una, fin_seq(c));
}

/* Sequence number after the last data byte that may be sent. */
uint32_t tcpc_data_end_seq(const struct tcp_conn *c)
{
	return tcpc_tx_seq(c, c->fin_queued ? c->fin_pos : tcpc_tx_tail(c));
}

static bool output_waits(const struct tcp_conn *c)
{
	uint32_t end = tcpc_data_end_seq(c);

	if (c->fin_queued && !c->fin_sent)
		end++;
	return seq_gt(end, c->snd_nxt);
}

/* --- windows we advertise ---------------------------------------------- */

/* The window field to send now. The right edge never moves left
 * (RFC 9293 3.8.6.2.2); like Linux, a would-be shrink is rounded up to the
 * scale granularity. Records rcv_adv and Last.ACK.sent. */
static uint16_t advertise(struct tcp_conn *c)
{
	uint32_t win = tcp_rcv_window(c);
	uint32_t max = WND_FIELD_MAX << c->rcv_wscale;
	uint32_t unit = (1u << c->rcv_wscale) - 1;
	uint32_t field;

	if (win > max)
		win = max;
	if (seq_lt(c->rcv_nxt + win, c->rcv_adv))
		win = (c->rcv_adv - c->rcv_nxt + unit) & ~unit;
	field = win >> c->rcv_wscale;
	if (field > WND_FIELD_MAX)
		field = WND_FIELD_MAX;
	c->rcv_adv = c->rcv_nxt + (field << c->rcv_wscale);
	c->last_ack_sent = c->rcv_nxt;
	return (uint16_t)field;
}

void tcpc_fill_hdr(struct tcp_conn *c, uint64_t now_us,
		     struct tcp_hdrvals *h, uint32_t seq, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	h->seq = seq;
	h->ack = c->rcv_nxt;
	h->flags = flags;
	h->wnd = advertise(c);
	h->wscale = -1;
	h->ts = c->ts_ok;
	h->tsval = (uint32_t)(now_us / 1000);
	h->tsecr = c->ts_recent;
	if (c->ecn_ok && c->ce_state) /* RFC 8257 3.2: echo the CE state */
		h->flags |= TCP_F_ECE;
	c->t.delack = 0; /* this segment carries the ACK */
}

/* A pure ACK carries snd_max, not snd_nxt: after go-back-N snd_nxt may lie
 * below the peer's rcv_nxt, which would make the ACK unacceptable there.
 * Pure ACKs carry the SACK blocks (data segments would outgrow the MSS). */
void tcp_ack_hdr(struct tcp_conn *c, uint64_t now_us, struct tcp_hdrvals *h)
{
	tcpc_fill_hdr(c, now_us, h, c->snd_max, TCP_F_ACK);
	if (c->sack_ok)
		tcpc_sack_blocks(c, h, true);
}

/* Largest payload now: SACK blocks on a data segment take payload room
 * (the MSS leaves room for the timestamp option only). */
uint32_t tcpc_payload_max(const struct tcp_conn *c)
{
	uint32_t n = c->ooo.n < TCP_SEND_SACK ? c->ooo.n : TCP_SEND_SACK;
	uint32_t opt = c->sack_ok && n ? 4 + 8 * n : 0;

	return c->mss > opt + 64 ? c->mss - opt : c->mss;
}

/* A data segment's header: the current ACK, window, timestamps, and the
 * SACK blocks when we hold out-of-order data. */
void tcpc_data_hdr(struct tcp_conn *c, uint64_t now_us, struct tcp_hdrvals *h,
		     uint32_t seq, uint8_t flags)
{
	tcpc_fill_hdr(c, now_us, h, seq, flags);
	if (c->sack_ok && tcpc_payload_max(c) != c->mss)
		tcpc_sack_blocks(c, h, false);
	if (c->ecn_ok && seq_ge(seq, c->snd_max)) { /* RFC 3168 6.1.2/6.1.5 */
		h->tos = (uint8_t)((h->tos & ~3u) | TCP_ECN_ECT0);
		if (c->cwr_pending)
			h->flags |= TCP_F_CWR;
		c->cwr_pending = false;
	}
}

bool tcp_window_update_due(const struct tcp_conn *c)
{
	uint32_t adv = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t now = tcp_rcv_window(c);
	uint32_t max = WND_FIELD_MAX << c->rcv_wscale;
	uint32_t thresh = 2u * c->mss;

	if (now > max)
		now = max;
	now &= ~((1u << c->rcv_wscale) - 1); /* what the field can say */
	if (now <= adv)
		return false;
	if (adv == 0)
		return true;
	if (thresh > c->rx_size / 2)
		thresh = c->rx_size / 2;
	return now - adv >= thresh;
}

/* --- input: checks before the segment's content is used ---------------- */

bool tcpc_synchronized(const struct tcp_conn *c)
{
	return c->state >= TCP_ESTABLISHED && c->state <= TCP_LAST_ACK;
}

/* RFC 5961 7: challenge ACKs are rate limited per connection, so that
 * forged segments cannot turn the connection into an ACK source. */
static void challenge_ack(struct tcp_conn *c, uint64_t now_us,
			  struct tcp_result *r)
{
	if (now_us - c->chack_since_us >= 1000000) {
		c->chack_since_us = now_us;
		c->chack_count = 0;
	}
	if (c->chack_count >= TCP_CHALLENGE_ACK_LIMIT)
		return;
	c->chack_count++;
	r->act |= TCP_ACT_ACK;
}

/* RFC 7323 5.3 R1: SEG.TSval < TS.Recent makes the segment unacceptable. */
static bool paws_reject(const struct tcp_conn *c, const struct tcp_seg *s)
{
	return c->ts_ok && s->has_ts && !(s->flags & TCP_F_RST) &&
	       seq_lt(s->tsval, c->ts_recent);
}

/* RFC 9293 3.10.7.4 first check, with Linux's leniency at the right edge:
 * a segment may start at rcv_nxt + window (so an ACK is acceptable even when
 * the window is closed or exactly used up). A segment must reach rcv_nxt:
 * one that only repeats old data is answered with an ACK. */
static bool seq_acceptable(const struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t seg_len = s->len + !!(s->flags & TCP_F_FIN);

	if (seq_gt(s->seq, c->rcv_nxt + wnd))
		return false;
	if (seg_len == 0)
		return seq_ge(s->seq, c->rcv_nxt);
	return seq_gt(s->seq + seg_len, c->rcv_nxt);
}

/* RFC 7323 4.3: TS.Recent follows segments that start at or before
 * Last.ACK.sent. */
static void ts_recent_update(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (c->ts_ok && s->has_ts && seq_le(s->seq, c->last_ack_sent) &&
	    seq_ge(s->tsval, c->ts_recent))
		c->ts_recent = s->tsval;
}

/* --- input: ACK field --------------------------------------------------- */

/* RFC 6298 2.2/2.3, in microseconds. */
void tcpc_rtt_sample(struct tcp_conn *c, uint64_t now_us)
{
	uint64_t r64 = now_us - c->rtt_start_us;
	uint32_t r = r64 > UINT32_MAX ? UINT32_MAX : (uint32_t)(r64 ? r64 : 1);

	c->rtt_timing = false;
	c->rtt_last_us = r;
	c->rtt_samples++;
	if (!c->min_rtt_us || r < c->min_rtt_us)
		c->min_rtt_us = r;
	if (c->srtt_us == 0) {
		c->srtt_us = r;
		c->rttvar_us = r / 2;
		return;
	}
	uint32_t err = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

	c->rttvar_us = c->rttvar_us - c->rttvar_us / 4 + err / 4;
	c->srtt_us = c->srtt_us - c->srtt_us / 8 + r / 8;
	if (c->srtt_us == 0)
		c->srtt_us = 1;
}

/* Our FIN acknowledged: RFC 9293 3.10.7.4 ACK processing per state. */
static void fin_acked_transition(struct tcp_conn *c, struct tcp_result *r)
{
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		c->state = TCP_FIN_WAIT_2;
		break;
	case TCP_CLOSING:
		c->state = TCP_TIME_WAIT;
		r->act |= TCP_ACT_DONE;
		break;
	case TCP_LAST_ACK:
		c->state = TCP_CLOSED;
		r->act |= TCP_ACT_DONE;
		break;
	default:
		break;
	}
}

/* Congestion control for bytes newly acknowledged: growth outside a fast
 * recovery (RFC 6582: cwnd stays at ssthresh until recover is passed), and
 * after an RTO from its one segment by slow start on every ACK, before the
 * recovery point too (RFC 5681 3.1; Linux grows cwnd in CA_Loss); every
 * such ACK reports its ECN-Echo (RFC 3168, RFC 8257). */
static void cc_acked(struct tcp_conn *c, const struct tcp_seg *s,
		     uint32_t acked, uint64_t now_us)
{
	if (!c->cc)
		return;
	if (!seq_lt(s->ack, c->snd_recover) || c->rto_sweep)
		c->cc->on_ack(c, acked, now_us);
	if (c->ecn_ok)
		c->cc->on_ecn(c, acked, s->flags & TCP_F_ECE, now_us);
}

/* snd_una < ack <= snd_max: free acknowledged data (the FIN is not data). */
static void ack_advance(struct tcp_conn *c, uint32_t ack, uint64_t now_us,
			struct tcp_result *r)
{
	uint32_t head = ack - (c->iss + 1);

	if (c->fin_queued && seq_gt(ack, fin_seq(c)))
		head = c->fin_pos;
	c->bytes_acked += ack - c->snd_una;
	c->snd_una = ack;
	if (seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->dupacks = 0;
	if (c->rto_sweep && !seq_lt(ack, c->snd_recover))
		c->rto_sweep = false; /* the timeout's episode ends (Linux:
					 CA_Loss until high_seq is passed) */
	/* RFC 6582 3.2 step 3: without SACK, a partial ACK inside a recovery
	 * resends the first unacknowledged segment (if already sent again
	 * since). With SACK, RACK says what is lost (Linux: only a Reno
	 * connection resends on partial ACKs). */
	if (!c->sack_ok && seq_lt(ack, c->snd_recover) && seq_lt(ack, c->snd_nxt)) {
		tcpc_rtx_one(c, c->snd_una);
		r->act |= TCP_ACT_OUTPUT;
	}
	c->last_progress_us = now_us;
	if (c->rtt_timing && seq_ge(ack, c->rtt_seq))
		tcpc_rtt_sample(c, now_us);
	if (c->tlp_out && seq_ge(ack, c->tlp_high_seq))
		c->tlp_out = false; /* RFC 8985 7.4: the probe's episode ends */
	tcpc_rto_restart(c, now_us);
	tcpc_arm_pto(c, now_us);
	if (head != c->tx_head) {
		c->tx_head = head;
		c->b.ops->tx_head_set(c->b.app, head);
		r->act |= TCP_ACT_TX_FREED;
	}
	if (fin_acked(c)) {
		c->fin_sent = true;
		fin_acked_transition(c, r);
	}
	if (output_waits(c))
		r->act |= TCP_ACT_OUTPUT;
}

static bool is_dupack(const struct tcp_conn *c, const struct tcp_seg *s,
		      uint32_t wnd)
{
	return s->ack == c->snd_una && s->len == 0 &&
	       !(s->flags & (TCP_F_SYN | TCP_F_FIN)) && wnd == c->snd_wnd &&
	       c->snd_max != c->snd_una;
}

/* RFC 5681 3.2 fast retransmit on the third duplicate ACK, here as
 * go-back-N; once per window (RFC 6582 "recover"), so the duplicate ACKs of
 * segments sent before the retransmission do not trigger it again. */
void tcpc_go_back(struct tcp_conn *c)
{
	c->snd_nxt = c->snd_una;
	c->rtx_high = c->snd_una;
	c->rto_sweep = false;
	if (c->fin_sent && !fin_acked(c))
		c->fin_sent = false;
	c->snd_recover = c->snd_max;
	c->rtt_timing = false;
	c->dupacks = 0;
	c->rtx_one = false;
}

/* RFC 5681 3.2 / RFC 6675 5: the recovery starts, once per window. */
void tcpc_enter_recovery(struct tcp_conn *c, uint64_t now_us)
{
	tcpc_undo_start(c);
	if (c->cc)
		c->cc->on_loss(c, now_us);
	tcpc_go_back(c);
	tcpc_prr_start(c);
}

/* Without SACK, duplicate ACKs tell of a loss (with SACK, RACK does:
 * tcp_rack.c). */
static void dupack(struct tcp_conn *c, uint64_t now_us, struct tcp_result *r)
{
	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	if (c->sack_ok)
		return;
	if (c->dupacks == 3 && seq_ge(c->snd_una, c->snd_recover)) {
		tcpc_enter_recovery(c, now_us);
		r->act |= TCP_ACT_OUTPUT;
	} else if (c->dupacks % 3 == 0 && seq_lt(c->snd_una, c->snd_recover)) {
		tcpc_rtx_one(c, c->snd_una);
		r->act |= TCP_ACT_OUTPUT;
	}
}

/* --- input: SACK blocks (RFC 2018) ------------------------------------------ */

uint32_t tcpc_sacked_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->sacked.n; i++)
		n += c->sacked.iv[i].end - c->sacked.iv[i].start;
	return n;
}

/* Blocks that cover sent data above snd_una join the scoreboard; D-SACKs
 * (at or below snd_una) and blocks beyond snd_max are ignored. Returns
 * true when the segment SACKed bytes not SACKed before. */
static bool sack_input(struct tcp_conn *c, const struct tcp_seg *s,
		       uint64_t now_us)
{
	uint32_t before;

	tcp_ivset_trim(&c->sacked, c->snd_una);
	if (!c->sack_ok || !s->nsack)
		return false;
	before = tcpc_sacked_bytes(c);
	/* RFC 2883 4: the first block reports a duplicate when it lies below
	 * the ACK or inside the second block */
	if (seq_le(s->sack[0][1], s->ack) ||
	    (s->nsack > 1 && seq_ge(s->sack[0][0], s->sack[1][0]) &&
	     seq_le(s->sack[0][1], s->sack[1][1]))) {
		tcpc_rack_dsack(c, s->sack[0][0], s->sack[0][1], now_us);
		tcpc_undo_dsack(c, s->sack[0][0], s->sack[0][1]);
	}
	for (uint8_t i = 0; i < s->nsack && i < TCP_MAX_SACK; i++) {
		uint32_t l = s->sack[i][0], rgt = s->sack[i][1];

		if (!seq_lt(l, rgt) || !seq_lt(c->snd_una, rgt) ||
		    seq_gt(rgt, c->snd_max))
			continue;
		tcp_ivset_add(&c->sacked, seq_lt(l, c->snd_una) ? c->snd_una : l,
			      rgt);
		tcpc_rack_sacked(c, l, rgt, now_us);
	}
	return tcpc_sacked_bytes(c) != before;
}

uint32_t tcpc_high_sacked(const struct tcp_conn *c)
{
	return c->sacked.iv[c->sacked.n - 1].end;
}

/* Inside a SACK recovery, new blocks above what the retransmissions have
 * covered reveal new holes: go back to resend them (RFC 6675 NextSeg). */
static void sack_rewind(struct tcp_conn *c, struct tcp_result *r)
{
	if (!c->sacked.n || c->rto_sweep || !seq_lt(c->snd_una, c->snd_recover) ||
	    seq_lt(c->snd_nxt, c->snd_max) || !seq_gt(tcpc_high_sacked(c), c->rtx_high))
		return;
	c->snd_nxt = seq_gt(c->rtx_high, c->snd_una) ? c->rtx_high : c->snd_una;
	r->act |= TCP_ACT_OUTPUT;
}

/* RFC 9293 3.10.7.4 fifth check (window update rule with SND.WL1/WL2). */
static void window_update(struct tcp_conn *c, const struct tcp_seg *s,
			  uint32_t wnd, struct tcp_result *r)
{
	if (!(seq_lt(c->snd_wl1, s->seq) ||
	      (c->snd_wl1 == s->seq && seq_le(c->snd_wl2, s->ack))))
		return;
	if (wnd > c->snd_wnd && output_waits(c))
		r->act |= TCP_ACT_OUTPUT;
	c->snd_wnd = wnd;
	if (wnd > c->max_snd_wnd)
		c->max_snd_wnd = wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
}

/* Returns false when the segment must be dropped (ACK of unsent data). */
static bool ack_input(struct tcp_conn *c, const struct tcp_seg *s,
		      uint64_t now_us, struct tcp_result *r)
{
	uint32_t wnd = (uint32_t)s->wnd << c->snd_wscale, delivered;

	if (seq_gt(s->ack, c->snd_max)) {
		r->act |= TCP_ACT_ACK;
		r->drop = XTOE_DROP_ACK_INVALID;
		return false;
	}
	if (seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) {
		/* RFC 5961 5.2: older than any window the peer could have
		 * seen: discard, with a (rate-limited) challenge ACK */
		challenge_ack(c, now_us, r);
		r->drop = XTOE_DROP_ACK_INVALID;
		return false;
	}
	if (seq_lt(s->ack, c->snd_una))
		return true; /* old duplicate: ignore the ACK field */
	delivered = c->snd_una + tcpc_sacked_bytes(c);
	if (seq_gt(s->ack, c->snd_una)) {
		uint32_t acked = s->ack - c->snd_una, old_una = c->snd_una;

		ack_advance(c, s->ack, now_us, r);
		tcpc_rack_acked(c, old_una, now_us);
		cc_acked(c, s, acked, now_us);
		sack_input(c, s, now_us);
		tcpc_sndbuf_acked(c);
	} else {
		bool sacked = sack_input(c, s, now_us);

		/* RFC 6675 2: with SACK, any segment that SACKs new bytes
		 * counts, whatever its window or payload */
		if (sacked || is_dupack(c, s, wnd)) {
			if (c->snd_max != c->snd_una)
				dupack(c, now_us, r);
			sack_rewind(c, r);
		}
		/* SACKed bytes left the network: the room they make in cwnd
		 * is for new data now (RFC 6675 5, Linux tcp_data_snd_check
		 * after every ACK), not after the next cumulative ACK */
		if (sacked && output_waits(c))
			r->act |= TCP_ACT_OUTPUT;
	}
	if (c->sack_ok && tcpc_rack_recover(c, tcpc_rack_detect(c, now_us), now_us))
		r->act |= TCP_ACT_OUTPUT; /* RFC 8985 6.2: a loss by time */
	if (tcpc_in_fast_recovery(c)) { /* the ACK that began it too */
		tcpc_prr_ack(c, c->snd_una + tcpc_sacked_bytes(c) - delivered);
		r->act |= TCP_ACT_OUTPUT;
	}
	window_update(c, s, wnd, r);
	return true;
}

/* --- input: payload and FIN --------------------------------------------- */

static void peer_fin(struct tcp_conn *c, struct tcp_result *r)
{
	c->rcv_nxt++;
	c->fin_rcvd = true;
	r->act |= TCP_ACT_FIN | TCP_ACT_ACK;
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		c->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		c->state = TCP_TIME_WAIT;
		r->act |= TCP_ACT_DONE;
		break;
	default:
		break;
	}
}

/*
 * Received bytes go straight into the rx ring. In-order bytes are published
 * by moving rx_tail; bytes after a gap are written beyond rx_tail, inside the
 * ring's free space, and remembered in the out-of-order intervals (c->ooo).
 * When a gap fills, the interval after it is published with it. Bytes
 * already held are never written again (the first copy wins), so
 * duplicates and overlaps are trimmed.
 */

/* Write the bytes of [seq, end) that no interval holds yet; data is the
 * byte at seq, rx counter tail is rcv_nxt. */
static void rx_place(struct tcp_conn *c, uint32_t seq, uint32_t end,
		     const uint8_t *data)
{
	uint32_t tail = c->rx_tail, pos = seq;

	while (seq_lt(pos, end)) {
		int i = tcp_ivset_find(&c->ooo, pos);
		uint32_t stop;

		if (i >= 0) {
			pos = c->ooo.iv[i].end;
			continue;
		}
		stop = tcp_ivset_gap(&c->ooo, pos, end);
		rx_ring_write(c, tail + (pos - c->rcv_nxt), data + (pos - seq),
			      stop - pos);
		pos = stop;
	}
}

static void ooo_fin_check(struct tcp_conn *c)
{
	if (c->ooo_fin && (c->ooo.n == 0 ||
			   c->ooo.iv[c->ooo.n - 1].end != c->ooo_fin_seq))
		c->ooo_fin = false; /* its interval was given up */
}

/* Data after a gap (seq > rcv_nxt). RFC 5681 4.2: the duplicate ACK that
 * tells the peer where the gap is goes out at once. */
static void ooo_input(struct tcp_conn *c, uint32_t seq, const uint8_t *data,
		      uint32_t len, bool fin, struct tcp_result *r)
{
	uint32_t end = seq + len;
	uint32_t limit = c->rcv_nxt + tcp_rcv_window(c);

	r->act |= TCP_ACT_ACK_NOW;
	if (c->ooo_fin && seq_gt(end, c->ooo_fin_seq)) {
		end = c->ooo_fin_seq; /* nothing follows the FIN */
		fin = false;
	}
	if (seq_gt(end, limit)) {
		end = limit;
		fin = false;
	}
	if (!seq_lt(seq, end)) {
		r->drop = len ? XTOE_DROP_RX_RING_FULL : XTOE_DROP_OUT_OF_ORDER;
		return;
	}
	tcpc_dsack_ooo(c, seq, end); /* RFC 2883 4.1.2 */
	rx_place(c, seq, end, data);
	if (!tcp_ivset_add(&c->ooo, seq, end)) {
		r->drop = XTOE_DROP_OUT_OF_ORDER; /* no interval left */
		return;
	}
	c->ooo_last = seq;
	ooo_fin_check(c);
	if (fin && !c->ooo_fin && end == c->ooo.iv[c->ooo.n - 1].end) {
		c->ooo_fin = true;
		c->ooo_fin_seq = end;
	}
}

/* rcv_nxt reached held intervals: publish them (within the free space, in
 * case the application moved rx_head back). Returns true when a held FIN
 * is due. */
static bool ooo_merge(struct tcp_conn *c)
{
	while (c->ooo.n && seq_le(c->ooo.iv[0].start, c->rcv_nxt)) {
		uint32_t end = c->ooo.iv[0].end, room = tcp_rcv_window(c);
		uint32_t n = seq_gt(end, c->rcv_nxt) ? end - c->rcv_nxt : 0;

		if (n > room) { /* rx_head moved back: give the rest up */
			rx_publish(c, room);
			c->ooo.n = 0;
			c->ooo_fin = false;
			return false;
		}
		rx_publish(c, n);
		tcp_ivset_trim(&c->ooo, c->rcv_nxt);
	}
	if (c->ooo_fin && c->ooo.n == 0 && c->rcv_nxt == c->ooo_fin_seq) {
		c->ooo_fin = false;
		return true;
	}
	return false;
}

/* In-order bytes at rcv_nxt, as far as the ring has room; the parts held
 * in intervals are already there. */
static void inorder_input(struct tcp_conn *c, const uint8_t *data,
			  uint32_t len, bool fin, bool placed, struct tcp_result *r)
{
	uint32_t room = tcp_rcv_window(c);
	uint32_t take = len < room ? len : room;
	bool touches = c->ooo.n && seq_le(c->ooo.iv[0].start, c->rcv_nxt + take);
	bool fin_due;

	if (c->ooo.n) /* RFC 5681 4.2: a gap filled, or one still open
			 (Linux __tcp_ack_snd_check: out-of-order data held) */
		r->act |= TCP_ACT_ACK_NOW;
	if (!placed) /* tcp_rx_copy put it there already */
		rx_place(c, c->rcv_nxt, c->rcv_nxt + take, data);
	rx_publish(c, take);
	/* A FIN on this segment stands only when no held data follows it. */
	fin_due = touches ? ooo_merge(c) : fin && c->ooo.n == 0;
	if (take)
		r->act |= TCP_ACT_RX;
	if (take < len) {
		r->drop = XTOE_DROP_RX_RING_FULL;
		return;
	}
	if (fin_due)
		peer_fin(c, r);
}

/* Payload and FIN: old bytes trimmed, then in order or after a gap. Every
 * segment with content is ACKed. */
static void payload_input(struct tcp_conn *c, const struct tcp_seg *s,
			  struct tcp_result *r)
{
	const uint8_t *data = s->payload;
	uint32_t len = s->len, seq = s->seq;
	bool fin = s->flags & TCP_F_FIN;

	if (len == 0 && !fin)
		return;
	r->act |= TCP_ACT_ACK;
	if (c->fin_rcvd || c->state == TCP_CLOSED)
		return; /* nothing may follow the peer's FIN */
	if (seq_lt(seq, c->rcv_nxt)) {
		uint32_t trim = c->rcv_nxt - seq;

		tcpc_dsack_note(c, seq, c->rcv_nxt); /* RFC 2883 4.1.1 */
		trim = trim > len ? len : trim;
		data += trim;
		len -= trim;
		seq += trim;
	}
	if (seq == c->rcv_nxt)
		inorder_input(c, data, len, fin, s->placed && seq == s->seq, r);
	else
		ooo_input(c, seq, data, len, fin, r);
}

/* --- input: the whole segment -------------------------------------------- */

/* RFC 5961 3.2: only an exact match resets; in-window gets a challenge ACK. */
static void rst_input(struct tcp_conn *c, const struct tcp_seg *s,
		      uint64_t now_us, struct tcp_result *r)
{
	if (s->seq == c->rcv_nxt) {
		c->state = TCP_CLOSED;
		r->act |= TCP_ACT_RESET;
		return;
	}
	challenge_ack(c, now_us, r);
	r->drop = XTOE_DROP_SEQ_OUT_OF_WINDOW;
}

/* TIME-WAIT: acknowledge a retransmitted FIN (RFC 9293 3.10.7.4), ignore
 * RSTs (RFC 1337) and pure ACKs (answering those could ping-pong with a
 * peer in TIME-WAIT too). */
static struct tcp_result time_wait_input(const struct tcp_seg *s)
{
	struct tcp_result r = { .drop = XTOE_DROP_BAD_STATE };

	if (!(s->flags & TCP_F_RST) && (s->len || (s->flags & TCP_F_FIN)))
		r.act |= TCP_ACT_ACK;
	return r;
}

/* RFC 8257 3.2: the receiver echoes the CE state of the latest data
 * segment; a change is acknowledged at once. */
static void ecn_input(struct tcp_conn *c, const struct tcp_seg *s,
		      struct tcp_result *r)
{
	bool ce = (s->tos & 3) == TCP_ECN_CE;

	if (!c->ecn_ok || !s->len || ce == c->ce_state)
		return;
	c->ce_state = ce;
	r->act |= TCP_ACT_ACK | TCP_ACT_ACK_NOW;
}

/* Checks that may stop the segment before its ACK field is used. Returns
 * false when processing ends. */
static bool input_gate(struct tcp_conn *c, const struct tcp_seg *s,
		       uint64_t now_us, struct tcp_result *r)
{
	uint32_t seg_len = s->len + !!(s->flags & TCP_F_FIN);

	if (paws_reject(c, s)) {
		r->act |= TCP_ACT_ACK;
		r->drop = XTOE_DROP_PAWS;
		tcpc_dsack_old(c, s->seq, seg_len);
		return false;
	}
	if (!seq_acceptable(c, s)) {
		if (!(s->flags & TCP_F_RST)) {
			r->act |= TCP_ACT_ACK;
			tcpc_dsack_old(c, s->seq, seg_len);
		}
		r->drop = XTOE_DROP_SEQ_OUT_OF_WINDOW;
		return false;
	}
	if (s->flags & TCP_F_RST) {
		rst_input(c, s, now_us, r);
		return false;
	}
	if (s->flags & TCP_F_SYN) { /* RFC 5961 4.2: challenge ACK */
		challenge_ack(c, now_us, r);
		r->drop = XTOE_DROP_BAD_STATE;
		return false;
	}
	if (!(s->flags & TCP_F_ACK)) {
		r->drop = XTOE_DROP_BAD_STATE;
		return false;
	}
	return true;
}

/* RFC 2883: a D-SACK goes out at once, on a pure ACK. */
static struct tcp_result dsack_ack(const struct tcp_conn *c, struct tcp_result r)
{
	if (c->dsack_out)
		r.act |= TCP_ACT_ACK | TCP_ACT_ACK_NOW;
	return r;
}

struct tcp_result tcp_input(struct tcp_conn *c, const struct tcp_seg *s,
			    uint64_t now_us)
{
	struct tcp_result r = { 0 };

	c->segs_in += s->segs ? s->segs : 1;
	if (s->len)
		c->data_segs_in += s->segs ? s->segs : 1;
	if (s->flags & TCP_F_ACK)
		c->last_ack_rcv_us = now_us;
	if (c->state == TCP_TIME_WAIT)
		return time_wait_input(s);
	if (!tcpc_synchronized(c) || !c->attached) {
		r.drop = XTOE_DROP_BAD_STATE;
		return r;
	}
	if (!input_gate(c, s, now_us, &r))
		return dsack_ack(c, r);
	ts_recent_update(c, s);
	ecn_input(c, s, &r);
	if (ack_input(c, s, now_us, &r))
		payload_input(c, s, &r);
	r = dsack_ack(c, r);
	/* in-order data alone may wait for a delayed ACK */
	if ((r.act & (TCP_ACT_ACK | TCP_ACT_ACK_NOW | TCP_ACT_RX | TCP_ACT_FIN)) ==
	    (TCP_ACT_ACK | TCP_ACT_RX) && r.drop == XTOE_DROP_NONE &&
	    !tcpc_ack_now(c, now_us))
		r.act &= ~TCP_ACT_ACK;
	tcpc_timers_update(c, now_us);
	return r;
}

