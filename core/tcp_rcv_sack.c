/* SPDX-License-Identifier: MIT */
/*
 * The receiver's SACK option and its duplicate reports: the blocks of
 * held out-of-order data (RFC 2018 4) and the D-SACK block of data that
 * arrived twice (RFC 2883), as Linux's tcp_dsack_set / tcp_send_dupack.
 * A duplicate is reported once, first on the next pure ACK, which goes
 * out at once; the receiver then ACKs every segment for a while
 * (Linux's quick-ACK mode), so the sender learns at once that its
 * retransmission was needless and can undo it.
 */
#include "tcp.h"
#include "tcp_conn_int.h"

/* Linux tcp_enter_quickack_mode: the next segments are ACKed at once,
 * as many as half the window holds full segments (at most quickacks). */
void tcpc_quickack_enter(struct tcp_conn *c)
{
	uint32_t q = tcp_rcv_window(c) / (2u * (c->mss ? c->mss : 1));
	uint8_t max = tcpc_par(c)->quickacks;

	c->ack_seen_data = true;
	c->quick = (uint8_t)(q < 2 ? 2 : q > max ? max : q);
	c->pingpong = false;
}

/* RFC 2883 4 (Linux tcp_dsack_set): [seq, end) arrived before; the next
 * ACK reports it. A later duplicate before that ACK replaces it. */
void tcpc_dsack_note(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	if (!c->sack_ok || !seq_lt(seq, end))
		return;
	c->dsack_out = true;
	c->dsack[0] = seq;
	c->dsack[1] = end;
}

/* A segment refused whole, [seq, seq + len) with its FIN (Linux
 * tcp_send_dupack: an old segment, or one PAWS refused): what of it lies
 * below rcv_nxt came before; ACKs go at once for a while. */
void tcpc_dsack_old(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t end = seq + len;

	if (!len || !seq_lt(seq, c->rcv_nxt))
		return;
	tcpc_quickack_enter(c);
	tcpc_dsack_note(c, seq, seq_gt(end, c->rcv_nxt) ? c->rcv_nxt : end);
}

/* Out-of-order data [seq, end): its first stretch already held is a
 * duplicate (Linux tcp_data_queue_ofo). */
void tcpc_dsack_ooo(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	for (unsigned i = 0; i < c->ooo.n; i++) {
		uint32_t l = c->ooo.iv[i].start, r = c->ooo.iv[i].end;

		if (!seq_lt(seq, r) || !seq_lt(l, end))
			continue;
		tcpc_dsack_note(c, seq_gt(seq, l) ? seq : l, seq_lt(end, r) ? end : r);
		return;
	}
}

/* RFC 2883 4: the D-SACK block first (once), then the block holding the
 * latest out-of-order segment (RFC 2018 4), then the others from the
 * lowest, as many as fit. Only pure ACKs carry the D-SACK block. */
void tcpc_sack_blocks(struct tcp_conn *c, struct tcp_hdrvals *h, bool pure_ack)
{
	int first = tcp_ivset_find(&c->ooo, c->ooo_last);

	if (pure_ack && c->dsack_out) {
		h->sack[0][0] = c->dsack[0];
		h->sack[0][1] = c->dsack[1];
		h->nsack = 1;
		c->dsack_out = false;
	}
	if (first >= 0) {
		h->sack[h->nsack][0] = c->ooo.iv[first].start;
		h->sack[h->nsack][1] = c->ooo.iv[first].end;
		h->nsack++;
	}
	for (int i = 0; i < c->ooo.n && h->nsack < TCP_SEND_SACK; i++) {
		if (i == first)
			continue;
		h->sack[h->nsack][0] = c->ooo.iv[i].start;
		h->sack[h->nsack][1] = c->ooo.iv[i].end;
		h->nsack++;
	}
}
