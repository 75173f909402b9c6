/* SPDX-License-Identifier: MIT */
/*
 * Connection setup: passive and active open, the SYN-SENT and SYN-RECEIVED
 * rules of RFC 9293 3.10.7.3/3.10.7.4, RSTs for unmatched segments and
 * initial sequence numbers (RFC 6528). No buffers exist yet: a connection
 * is handed to the data-path (tcp_conn_attach) once ESTABLISHED.
 */
#include <string.h>

#include "siphash.h"
#include "cc.h"
#include "tcp.h"
#include "tcp_conn_int.h"

#define TCP_DEFAULT_MSS 536 /* RFC 9293 3.7.1: no MSS option */
/* The smallest MSS a peer may impose (Linux's TCP_MIN_MSS): a tiny one
 * would cut every byte stream into a frame per byte or two. */
#define TCP_MIN_PEER_MSS 88
#define WS_MAX_SHIFT 14
#define WND_FIELD_MAX 65535u

/* Linux tcp_select_initial_window: the shift that lets the 16-bit field
 * cover the largest receive buffer, ilog2(space) - 15, at most 14. */
static uint8_t wscale_for(uint32_t space)
{
	uint8_t log = 0;

	while (log < 31 && (space >> (log + 1)))
		log++;
	return log <= 15 ? 0 : log - 15 > WS_MAX_SHIFT ? WS_MAX_SHIFT : (uint8_t)(log - 15);
}

/* RFC 7323 2.2: the window in a SYN or SYN-ACK is never scaled; like
 * Linux it is a whole number of segments. */
static uint16_t syn_window(uint32_t rx_size, uint16_t seg)
{
	uint32_t w = rx_size < WND_FIELD_MAX ? rx_size : WND_FIELD_MAX;

	if (seg && w > seg)
		w -= w % seg;
	return (uint16_t)w;
}

/* What the peer's SYN or SYN-ACK fixes for the rest of the connection. */
static void negotiate(struct tcp_conn *c, const struct tcp_seg *s)
{
	uint16_t peer_mss = s->has_mss && s->mss ? s->mss : TCP_DEFAULT_MSS;

	if (peer_mss < TCP_MIN_PEER_MSS)
		peer_mss = TCP_MIN_PEER_MSS;
	if (peer_mss < c->mss)
		c->mss = peer_mss;
	c->ts_ok = c->ts_ok && s->has_ts;
	if (c->ts_ok && c->mss > 12 + 64)
		c->mss -= 12; /* the timestamp option rides on every segment */
	if (c->ts_ok)
		c->ts_recent = s->tsval;
	c->ws_ok = c->ws_ok && s->has_ws;
	c->sack_ok = c->sack_ok && s->sack_ok;
	/* RFC 3168 6.1.1: ECE+CWR on the SYN, ECE alone on the SYN-ACK */
	if (s->flags & TCP_F_ACK)
		c->ecn_ok = c->ecn_ok && (s->flags & (TCP_F_ECE | TCP_F_CWR)) ==
					 TCP_F_ECE;
	else
		c->ecn_ok = c->ecn_ok && (s->flags & (TCP_F_ECE | TCP_F_CWR)) ==
					 (TCP_F_ECE | TCP_F_CWR);
	c->snd_wscale = c->ws_ok ? s->wscale : 0;
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->last_ack_sent = c->rcv_nxt;
	c->rcv_adv = c->rcv_nxt + syn_window(c->rx_size, c->mss);
}

/* Fields both opens share; c->mss holds our own MSS until negotiate(). */
static void open_common(struct tcp_conn *c, const struct tcp_endpoints *ep,
			uint32_t iss, const struct tcp_open_cfg *cfg,
			uint64_t now_us)
{
	memset(c, 0, sizeof(*c));
	c->ep = *ep;
	c->iss = iss;
	c->snd_una = iss;
	c->snd_nxt = iss + 1;
	c->snd_max = iss + 1;
	c->snd_sml = iss + 1;
	c->mss = c->adv_mss = cfg->mss ? cfg->mss : TCP_DEFAULT_MSS;
	c->ts_ok = cfg->timestamps;
	c->ws_ok = cfg->wscale;
	c->sack_ok = cfg->sack;
	c->ecn_ok = cfg->ecn;
	c->cc = cfg->cc;
	c->par = cfg->par;
	c->rcv_wscale = cfg->wscale ?
		wscale_for(cfg->wscale_space > cfg->rx_size ? cfg->wscale_space :
			   cfg->rx_size) : 0;
	c->rx_size = cfg->rx_size;
	c->last_progress_us = now_us;
	c->rtt_timing = true; /* the handshake gives the first RTT sample */
	c->rtt_start_us = now_us;
}

void tcp_passive_open(struct tcp_conn *c, const struct tcp_seg *syn,
		      const struct tcp_endpoints *ep, uint32_t iss,
		      const struct tcp_open_cfg *cfg, uint64_t now_us,
		      struct tcp_hdrvals *synack)
{
	open_common(c, ep, iss, cfg, now_us);
	c->state = TCP_SYN_RCVD;
	c->ecn_ok = cfg->ecn || cfg->ecn_accept; /* Linux tcp_ecn=2 */
	negotiate(c, syn);
	c->snd_wnd = c->max_snd_wnd = syn->wnd;
	tcp_handshake_hdr(c, cfg, now_us, synack);
}

void tcp_active_open(struct tcp_conn *c, const struct tcp_endpoints *ep,
		     uint32_t iss, const struct tcp_open_cfg *cfg,
		     uint64_t now_us, struct tcp_hdrvals *syn)
{
	open_common(c, ep, iss, cfg, now_us);
	c->state = TCP_SYN_SENT;
	tcp_handshake_hdr(c, cfg, now_us, syn);
}

void tcp_handshake_hdr(const struct tcp_conn *c, const struct tcp_open_cfg *cfg,
		       uint64_t now_us, struct tcp_hdrvals *h)
{
	bool syn_sent = c->state == TCP_SYN_SENT;

	memset(h, 0, sizeof(*h));
	h->seq = c->iss;
	h->flags = syn_sent ? TCP_F_SYN : TCP_F_SYN | TCP_F_ACK;
	h->ack = syn_sent ? 0 : c->rcv_nxt;
	h->mss = c->adv_mss;
	h->wnd = syn_window(cfg->rx_size, syn_sent ? c->adv_mss : c->mss);
	h->wscale = c->ws_ok ? (int8_t)c->rcv_wscale : -1;
	h->ts = c->ts_ok;
	h->tsval = (uint32_t)(now_us / 1000);
	h->tsecr = syn_sent ? 0 : c->ts_recent;
	h->sack_ok = c->sack_ok;
	if (c->ecn_ok)
		h->flags |= syn_sent ? TCP_F_ECE | TCP_F_CWR : TCP_F_ECE;
}

/* Both handshake states end here: RFC 9293 3.10.7.3 / 3.10.7.4 step 5. */
static void establish(struct tcp_conn *c, const struct tcp_seg *s,
		      uint32_t wnd, uint64_t now_us)
{
	c->state = TCP_ESTABLISHED;
	c->snd_una = c->iss + 1;
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->iss + 1;
	c->snd_recover = c->iss + 1;
	c->rcv_nxt = c->irs + 1;
	c->snd_wnd = c->max_snd_wnd = wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->last_progress_us = now_us;
	if (c->rtt_timing) /* not after a SYN retransmission (Karn) */
		tcpc_rtt_sample(c, now_us);
	c->rtt_timing = false;
	if (c->cc)
		c->cc->on_init(c, now_us);
}

static struct tcp_hs_out hs_drop(enum xtoe_drop_reason why)
{
	return (struct tcp_hs_out){ .res = TCP_HS_DROP, .drop = why };
}

static struct tcp_hs_out hs_result(enum tcp_hs_result res)
{
	return (struct tcp_hs_out){ .res = res };
}

/* RFC 9293 3.10.7.3: SEGMENT ARRIVES in SYN-SENT. */
static struct tcp_hs_out syn_sent_input(struct tcp_conn *c,
					const struct tcp_seg *s,
					uint64_t now_us)
{
	bool has_ack = s->flags & TCP_F_ACK;
	struct tcp_hs_out out;

	if (has_ack && (seq_le(s->ack, c->iss) || seq_gt(s->ack, c->snd_nxt))) {
		if (s->flags & TCP_F_RST)
			return hs_drop(XTOE_DROP_ACK_INVALID);
		out = hs_result(TCP_HS_SEND_RST);
		out.drop = XTOE_DROP_ACK_INVALID;
		return out;
	}
	if (s->flags & TCP_F_RST) {
		if (!has_ack)
			return hs_drop(XTOE_DROP_BAD_STATE);
		c->state = TCP_CLOSED;
		return hs_result(TCP_HS_REFUSED);
	}
	/* Simultaneous open (SYN without ACK) is not supported. */
	if (!(s->flags & TCP_F_SYN) || !has_ack)
		return hs_drop(XTOE_DROP_BAD_STATE);
	negotiate(c, s);
	establish(c, s, s->wnd, now_us); /* SYN-ACK window: unscaled */
	out = hs_result(TCP_HS_ESTABLISHED);
	out.send_ack = true;
	return out;
}

static bool syn_rcvd_seq_ok(const struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;

	if (wnd == 0)
		wnd = 1;
	return seq_ge(s->seq, c->rcv_nxt) && seq_lt(s->seq, c->rcv_nxt + wnd);
}

/* RFC 9293 3.10.7.4 for SYN-RECEIVED. The segment that completes the
 * handshake is not consumed: its data and FIN go through tcp_input. */
static struct tcp_hs_out syn_rcvd_input(struct tcp_conn *c,
					const struct tcp_seg *s,
					uint64_t now_us)
{
	struct tcp_hs_out out;

	if (s->flags & TCP_F_RST) {
		if (!syn_rcvd_seq_ok(c, s))
			return hs_drop(XTOE_DROP_SEQ_OUT_OF_WINDOW);
		c->state = TCP_CLOSED;
		return hs_result(TCP_HS_ABORTED);
	}
	if (s->flags & TCP_F_SYN) {
		if (s->seq == c->irs)
			return hs_result(TCP_HS_RESEND);
		return hs_drop(XTOE_DROP_BAD_STATE);
	}
	if (!syn_rcvd_seq_ok(c, s)) {
		out = hs_drop(XTOE_DROP_SEQ_OUT_OF_WINDOW);
		out.send_ack = true;
		return out;
	}
	if (!(s->flags & TCP_F_ACK))
		return hs_drop(XTOE_DROP_BAD_STATE);
	if (s->ack != c->iss + 1) {
		out = hs_result(TCP_HS_SEND_RST);
		out.drop = XTOE_DROP_ACK_INVALID;
		return out;
	}
	establish(c, s, (uint32_t)s->wnd << c->snd_wscale, now_us);
	return hs_result(TCP_HS_ESTABLISHED);
}

struct tcp_hs_out tcp_handshake_input(struct tcp_conn *c,
				      const struct tcp_seg *s, uint64_t now_us)
{
	c->segs_in++;
	if (c->state == TCP_SYN_SENT)
		return syn_sent_input(c, s, now_us);
	if (c->state == TCP_SYN_RCVD)
		return syn_rcvd_input(c, s, now_us);
	return hs_drop(XTOE_DROP_BAD_STATE);
}

bool tcp_rst_reply(const struct tcp_seg *s, struct tcp_endpoints *ep,
		   struct tcp_hdrvals *h)
{
	if (s->flags & TCP_F_RST)
		return false;
	memcpy(ep->smac, s->dmac, 6);
	memcpy(ep->dmac, s->smac, 6);
	ep->vlan = s->vlan;
	ep->vlan_tci = s->vlan_tci;
	ep->saddr = s->daddr;
	ep->daddr = s->saddr;
	ep->sport = s->dport;
	ep->dport = s->sport;
	memset(h, 0, sizeof(*h));
	h->wscale = -1;
	h->tos = s->tos;
	if (s->flags & TCP_F_ACK) {
		h->seq = s->ack;
		h->flags = TCP_F_RST;
	} else {
		h->seq = 0;
		h->ack = s->seq + s->len + !!(s->flags & TCP_F_SYN) +
			 !!(s->flags & TCP_F_FIN);
		h->flags = TCP_F_RST | TCP_F_ACK;
	}
	return true;
}

uint32_t tcp_isn(const struct tcp_endpoints *ep, const uint8_t key[16],
		 uint64_t now_us)
{
	uint8_t tuple[12];

	memcpy(tuple, &ep->saddr, 4);
	memcpy(tuple + 4, &ep->daddr, 4);
	memcpy(tuple + 8, &ep->sport, 2);
	memcpy(tuple + 10, &ep->dport, 2);
	return (uint32_t)siphash24(key, tuple, sizeof(tuple)) +
	       (uint32_t)(now_us / 4);
}

void tcp_handshake_resent(struct tcp_conn *c)
{
	c->rtt_timing = false;
}
