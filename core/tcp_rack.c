/* SPDX-License-Identifier: MIT */
/*
 * RACK (RFC 8985 6): loss detection by time. The core remembers when each
 * stretch of sequence space was last sent (c->rec: contiguous records
 * from snd_una to snd_max; a burst sent at one instant is one record),
 * which of them the peer SACKed, and the send time of the most recently
 * sent one that was delivered (RACK.xmit_ts). A segment sent before it
 * and still not delivered a reordering window plus an RTT later is lost:
 * the recovery starts (or, inside one, goes back to it). The reordering
 * window is a quarter of the minimum RTT, 0 once three segments are
 * SACKed or during a recovery while no reordering was seen (Linux's
 * tcp_rack_reo_wnd); the reorder timer covers segments not lost yet.
 */
#include <string.h>

#include "cc.h"
#include "tcp.h"
#include "tcp_conn_int.h"

static uint32_t rec_start(const struct tcp_conn *c, unsigned i)
{
	return i ? c->rec[i - 1].end : c->snd_una;
}

/* t1 later than t2 (32-bit microsecond clock, wraps every 71 min). */
static bool after32(uint32_t t1, uint32_t t2)
{
	return (int32_t)(t1 - t2) > 0;
}

/* Later of two send times (the 32-bit clock wraps). */
static uint32_t later32(uint32_t t1, uint32_t t2)
{
	return after32(t1, t2) ? t1 : t2;
}

/* Which neighbours merge when the records are full: two SACKed ones
 * first (RACK asks nothing more of them), else the two with the same
 * flags sent closest in time (the later time stands: the earlier one's
 * verdict waits that much longer, never comes sooner); -1 when no two
 * neighbours share their flags. */
static int rec_merge_pick(const struct tcp_conn *c)
{
	uint32_t best_gap = UINT32_MAX;
	int best = -1;

	for (unsigned i = 0; i + 1 < c->nrec; i++) {
		const struct tcp_txrec *a = &c->rec[i], *b = &c->rec[i + 1];
		int32_t d = (int32_t)(a->xmit - b->xmit);
		uint32_t gap = d < 0 ? (uint32_t)-(int64_t)d : (uint32_t)d;

		if (a->flags & b->flags & TCP_REC_SACKED)
			return (int)i;
		if (a->flags == b->flags && gap < best_gap) {
			best_gap = gap;
			best = (int)i;
		}
	}
	return best;
}

/* Two neighbours merge (rec_merge_pick; when none share their flags,
 * the two oldest). A merged record is SACKed or lost only when both
 * were: a mark never spreads over bytes it was not given (a lost mark
 * spread over resent or SACKed bytes counted them out of pipe and held a
 * recovery with nothing in flight until the RTO). */
static void rec_merge(struct tcp_conn *c)
{
	struct tcp_txrec *a, *b;
	int i = rec_merge_pick(c);

	if (i < 0)
		i = 0;
	a = &c->rec[i];
	b = &c->rec[i + 1];
	b->xmit = later32(a->xmit, b->xmit);
	if (a->flags & b->flags & TCP_REC_SACKED)
		b->flags &= a->flags;
	else /* a retransmission's ACK may be its original's (rack_delivered) */
		b->flags = (uint8_t)((a->flags & b->flags) |
				     ((a->flags | b->flags) & TCP_REC_RETRANS));
	memmove(a, b, (c->nrec - (unsigned)i - 1) * sizeof(c->rec[0]));
	c->nrec--;
}

/* Room for n more records. A stretch split at both ends makes room
 * first: a merge between the two splits could join the first one again
 * (its halves share flags and time), and the stretch would not be
 * marked resent (or SACKed) while snd_nxt passed it. */
static void rec_reserve(struct tcp_conn *c, unsigned n)
{
	while (c->nrec + n > TCP_TXREC_MAX)
		rec_merge(c);
}

/* A record boundary at seq (inside [snd_una, snd_max)); returns the index
 * of the record starting there, or -1. */
static int rec_split(struct tcp_conn *c, uint32_t seq)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < c->nrec; i++) {
			uint32_t s = rec_start(c, i);

			if (s == seq)
				return (int)i;
			if (!seq_gt(seq, s) || !seq_lt(seq, c->rec[i].end))
				continue;
			if (c->nrec == TCP_TXREC_MAX) {
				rec_reserve(c, 1);
				break; /* indexes moved: look again */
			}
			memmove(&c->rec[i + 1], &c->rec[i],
				(c->nrec - i) * sizeof(c->rec[0]));
			c->nrec++;
			c->rec[i].end = seq;
			return (int)i + 1;
		}
	}
	return -1;
}

void tcpc_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t end, uint64_t now_us,
		    bool fresh)
{
	uint32_t t = (uint32_t)now_us;
	int i;

	if (!seq_lt(seq, end))
		return;
	if (fresh) {
		struct tcp_txrec *last = c->nrec ? &c->rec[c->nrec - 1] : NULL;

		if (last && last->end == seq && last->xmit == t && !last->flags) {
			last->end = end;
			return;
		}
		rec_reserve(c, 1);
		c->rec[c->nrec++] = (struct tcp_txrec){ .end = end, .xmit = t };
		return;
	}
	/* a retransmission: its records get the new time */
	rec_reserve(c, 2);
	if (rec_split(c, end) < 0 && seq_lt(end, c->snd_max))
		return;
	i = rec_split(c, seq);
	if (i < 0) {
		if (seq != c->snd_una)
			return;
		i = 0;
	}
	for (; (unsigned)i < c->nrec && seq_le(c->rec[i].end, end); i++) {
		c->rec[i].xmit = t;
		c->rec[i].flags = (uint8_t)((c->rec[i].flags & TCP_REC_SACKED) |
					    TCP_REC_RETRANS);
	}
}

/* RFC 8985 6.2 steps 1-3: a delivered record. A retransmitted one whose
 * ACK came sooner than the minimum RTT acknowledges the original: no
 * sample. Delivered out of order (below the highest delivered) without
 * having been resent: the path reorders. */
static void rack_delivered(struct tcp_conn *c, unsigned i, uint32_t start,
			   uint64_t now_us)
{
	const struct tcp_txrec *r = &c->rec[i];
	uint32_t now = (uint32_t)now_us;

	if ((r->flags & TCP_REC_RETRANS) && c->min_rtt_us &&
	    now - r->xmit < c->min_rtt_us)
		return;
	if (!(r->flags & TCP_REC_RETRANS) && c->rack.fack_valid &&
	    seq_lt(r->end, c->rack.fack)) {
		c->rack.reord = true;
		tcpc_reordering_seen(c, c->rack.fack - start);
	}
	if (!c->rack.fack_valid || seq_gt(r->end, c->rack.fack)) {
		c->rack.fack = r->end;
		c->rack.fack_valid = true;
	}
	if (!c->rack.valid || after32(r->xmit, c->rack.xmit) ||
	    (r->xmit == c->rack.xmit && seq_gt(r->end, c->rack.end))) {
		c->rack.xmit = r->xmit;
		c->rack.end = r->end;
		c->rack.rtt = now - r->xmit;
		c->rack.valid = true;
	}
}

/* The cumulative ACK moved from old_una to snd_una: those records were
 * delivered and leave (the first started at old_una). */
void tcpc_rack_acked(struct tcp_conn *c, uint32_t old_una, uint64_t now_us)
{
	unsigned n = 0;

	while (n < c->nrec && seq_le(c->rec[n].end, c->snd_una)) {
		if (!(c->rec[n].flags & TCP_REC_SACKED))
			rack_delivered(c, n, n ? c->rec[n - 1].end : old_una,
				       now_us);
		n++;
	}
	if (n) {
		memmove(&c->rec[0], &c->rec[n], (c->nrec - n) * sizeof(c->rec[0]));
		c->nrec = (uint8_t)(c->nrec - n);
	}
}

/* A SACK block [l, r): the records inside it were delivered. */
void tcpc_rack_sacked(struct tcp_conn *c, uint32_t l, uint32_t r, uint64_t now_us)
{
	if (seq_lt(l, c->snd_una))
		l = c->snd_una;
	if (!seq_lt(l, r) || seq_gt(r, c->snd_max))
		return;
	rec_reserve(c, 2);
	rec_split(c, r);
	rec_split(c, l);
	for (unsigned i = 0; i < c->nrec; i++) {
		uint32_t s = rec_start(c, i);

		if (seq_lt(s, l) || seq_gt(c->rec[i].end, r) ||
		    (c->rec[i].flags & TCP_REC_SACKED))
			continue;
		c->rec[i].flags |= TCP_REC_SACKED;
		c->rec[i].flags &= (uint8_t)~TCP_REC_LOST;
		rack_delivered(c, i, s, now_us);
	}
}

/* RFC 8985 6.2 step 4 (Linux tcp_dsack_seen, tcp_rack_update_reo_wnd): a
 * D-SACK of [l, r) says a retransmission was spurious: on a path seen to
 * reorder, widen the reordering window by a step, at most once per round
 * trip; it stays wide for 16 recoveries. D-SACKs of more segments than
 * were ever resent (duplicates the network made) and of a loss probe
 * tell nothing of reordering. */
/* Linux tcp_sacktag_one: a D-SACK of a retransmission whose original
 * was SACKed already (the resend was needless): the peer reorders as far
 * as from there to the highest delivered byte. */
static void rack_dsack_reordering(struct tcp_conn *c, uint32_t l, uint32_t r)
{
	if (!c->rack.fack_valid || seq_lt(l, c->snd_una) || !seq_lt(l, c->rack.fack))
		return;
	for (unsigned i = 0; i < c->nrec; i++) {
		if (seq_le(c->rec[i].end, l) || !seq_lt(rec_start(c, i), r))
			continue;
		if ((c->rec[i].flags & (TCP_REC_SACKED | TCP_REC_RETRANS)) !=
		    (TCP_REC_SACKED | TCP_REC_RETRANS))
			return;
	}
	tcpc_reordering_seen(c, c->rack.fack - l);
}

void tcpc_rack_dsack(struct tcp_conn *c, uint32_t l, uint32_t r, uint64_t now_us)
{
	uint32_t mss = tcpc_payload_max(c);

	if (!seq_lt(l, r))
		return;
	rack_dsack_reordering(c, l, r);
	c->rack.dsack_dups += (r - l + mss - 1) / mss;
	if (c->rack.dsack_dups > c->retransmits || !c->rack.reord ||
	    (c->tlp_high_seq && r == c->tlp_high_seq))
		return;
	if (c->rack.dsack_us && now_us - c->rack.dsack_us < c->srtt_us)
		return;
	c->rack.dsack_us = now_us;
	if (c->rack.reo_steps < UINT8_MAX)
		c->rack.reo_steps = (uint8_t)(c->rack.reo_steps ? c->rack.reo_steps + 1 : 2);
	c->rack.reo_persist = 16;
}

/* A recovery begins: a window widened by D-SACKs narrows back after 16. */
static void rack_recovery_started(struct tcp_conn *c)
{
	if (c->rack.reo_persist && !--c->rack.reo_persist)
		c->rack.reo_steps = 1;
}

/* Linux tcp_rack_reo_wnd: 0 while no reordering was seen and a recovery
 * runs or three segments were SACKed (the duplicate-ACK threshold); else
 * min_rtt / 4 per step, at most SRTT. */
static uint32_t reo_wnd(const struct tcp_conn *c)
{
	uint32_t w = c->min_rtt_us / 4 * (c->rack.reo_steps ? c->rack.reo_steps : 1);

	if (!c->rack.reord && (tcpc_in_fast_recovery(c) ||
			       tcpc_sacked_bytes(c) >= 3u * tcpc_payload_max(c)))
		return 0;
	return c->srtt_us && w > c->srtt_us ? c->srtt_us : w;
}

/*
 * RFC 8985 6.2 step 5 (RACK_detect_loss): returns the lowest sequence
 * number found lost (and marks it), or snd_max when none; arms the
 * reorder timer for records that may still be lost.
 */
uint32_t tcpc_rack_detect(struct tcp_conn *c, uint64_t now_us)
{
	uint32_t now = (uint32_t)now_us, wnd = reo_wnd(c), lost = c->snd_max;
	uint32_t marked = 0;
	int64_t wait = 0;

	c->t.reo = 0;
	if (!c->rack.valid || !c->sack_ok)
		return lost;
	for (unsigned i = 0; i < c->nrec; i++) {
		struct tcp_txrec *r = &c->rec[i];
		int64_t left;

		if (r->flags & (TCP_REC_SACKED | TCP_REC_LOST))
			continue;
		if (!(after32(c->rack.xmit, r->xmit) ||
		      (r->xmit == c->rack.xmit && seq_lt(r->end, c->rack.end))))
			continue; /* sent after the newest delivered one */
		left = (int64_t)(int32_t)(r->xmit + c->rack.rtt + wnd - now);
		if (left <= 0) {
			r->flags |= TCP_REC_LOST;
			marked += r->end - rec_start(c, i);
			if (seq_lt(rec_start(c, i), lost))
				lost = rec_start(c, i);
		} else if (left > wait) {
			wait = left;
		}
	}
	if (wait)
		c->t.reo = now_us + (uint64_t)wait;
	tcpc_prr_lost(c, marked);
	return lost;
}

/* The record holding seq (in flight), or -1. */
static int rec_find(const struct tcp_conn *c, uint32_t seq)
{
	for (unsigned i = 0; i < c->nrec; i++)
		if (seq_ge(seq, rec_start(c, i)) && seq_lt(seq, c->rec[i].end))
			return (int)i;
	return -1;
}

bool tcpc_rack_marks_losses(const struct tcp_conn *c)
{
	return c->sack_ok && c->rack.valid && !c->rto_sweep;
}

uint32_t tcpc_rack_lost_end(const struct tcp_conn *c, uint32_t seq)
{
	int i = rec_find(c, seq);

	if (i < 0)
		return seq; /* no record: nothing known lost */
	if ((c->rec[i].flags & (TCP_REC_LOST | TCP_REC_SACKED)) != TCP_REC_LOST)
		return seq;
	return c->rec[i].end;
}

uint32_t tcpc_rack_rec_end(const struct tcp_conn *c, uint32_t seq)
{
	int i = rec_find(c, seq);

	return i < 0 ? c->snd_max : c->rec[i].end;
}

uint32_t tcpc_rack_lost_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nrec; i++) {
		uint32_t s = rec_start(c, i), e = c->rec[i].end;

		if ((c->rec[i].flags & (TCP_REC_LOST | TCP_REC_SACKED)) != TCP_REC_LOST)
			continue;
		/* a record split by fewer SACK edges than it holds blocks */
		n += e - s - (tcpc_sacked_above(c, s) - tcpc_sacked_above(c, e));
	}
	return n;
}

/* Loss found at seq: start the recovery, or inside one send from seq
 * again (its earlier retransmission was lost too). */
bool tcpc_rack_recover(struct tcp_conn *c, uint32_t seq, uint64_t now_us)
{
	if (!seq_lt(seq, c->snd_max))
		return false;
	if (!seq_lt(c->snd_una, c->snd_recover) && !c->rto_sweep) {
		rack_recovery_started(c);
		tcpc_enter_recovery(c, now_us);
		return true;
	}
	if (seq_lt(seq, c->snd_nxt)) {
		c->snd_nxt = seq;
		if (seq_lt(seq, c->rtx_high))
			c->rtx_high = seq;
	}
	return true;
}
