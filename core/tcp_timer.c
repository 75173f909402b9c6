/* SPDX-License-Identifier: MIT */
/*
 * The core's timers: retransmission timeout (RFC 6298, with Linux's floor
 * and backoff), tail loss probe (RFC 8985 7), persist (RFC 9293 3.8.6.1)
 * and delayed ACK (RFC 1122 4.2.3.2, Linux's quick-ACK and ping-pong
 * modes). Deadlines live in c->t; the core arms and clears them as
 * segments come and go, the caller asks tcp_timer_next() when to call
 * tcp_timer_fire(). Values: struct tcp_params (Linux's defaults).
 */
#include <string.h>

#include "tcp.h"
#include "tcp_conn_int.h"

/* Linux 6.x with HZ=250 (docs/tcp-core.md: include/net/tcp.h,
 * net/ipv4/tcp_timer.c, Documentation/networking/ip-sysctl.rst). */
const struct tcp_params tcp_params_linux = {
	.rto_min_us = 200000,
	.rto_max_us = 120000000,
	.rto_init_us = 1000000,
	.ato_us = 40000,
	.probe_min_us = 8000,
	.quickacks = 16,
	.init_cwnd = 10,
	.retries = 15,
	.orphan_retries = 8,     /* tcp_orphan_retries 0 means 8 */
	.fin_timeout_us = 60000000,
	.tlp = true,
};

const struct tcp_params *tcpc_par(const struct tcp_conn *c)
{
	return c->par ? c->par : &tcp_params_linux;
}

/* Linux's __tcp_set_rto: SRTT + max(4 RTTVAR, rto_min), at most rto_max. */
uint32_t tcp_rto_us(const struct tcp_conn *c)
{
	const struct tcp_params *p = tcpc_par(c);
	uint64_t var, rto;

	if (!c->srtt_us)
		return p->rto_init_us;
	var = 4ull * c->rttvar_us;
	if (var < p->rto_min_us)
		var = p->rto_min_us;
	rto = c->srtt_us + var;
	return rto > p->rto_max_us ? p->rto_max_us : (uint32_t)rto;
}

/* base << shift, at most rto_max. */
static uint64_t backed_off(const struct tcp_conn *c, uint32_t base,
			   uint8_t shift)
{
	uint64_t v = (uint64_t)base << (shift > 20 ? 20 : shift);
	uint32_t max = tcpc_par(c)->rto_max_us;

	return v > max ? max : v;
}

static bool in_flight(const struct tcp_conn *c)
{
	return c->snd_una != c->snd_max;
}

/* Open state (RFC 8985 7.2): no recovery under way. */
static bool ca_open(const struct tcp_conn *c)
{
	return !seq_lt(c->snd_una, c->snd_recover) && !c->rto_sweep;
}

/*
 * RFC 8985 7.2 / Linux tcp_schedule_loss_probe: after new data goes out
 * or an ACK advances, in the open state with SACK, the probe timeout is
 * 2 SRTT, plus rto_min when one segment is in flight (the peer may be
 * delaying its ACK), plus probe_min otherwise; never later than the RTO.
 */
void tcpc_arm_pto(struct tcp_conn *c, uint64_t now_us)
{
	const struct tcp_params *p = tcpc_par(c);
	uint64_t pto;

	c->t.pto = 0;
	if (!p->tlp || !c->sack_ok || !in_flight(c) || !ca_open(c) ||
	    c->tlp_out)
		return;
	if (!c->srtt_us) {
		pto = p->rto_init_us;
	} else {
		pto = 2ull * c->srtt_us;
		pto += c->snd_max - c->snd_una <= tcpc_payload_max(c) + 1u ?
		       p->rto_min_us : p->probe_min_us;
	}
	if (!c->t.rto)
		c->t.rto = now_us + backed_off(c, tcp_rto_us(c), c->t.rto_backoff);
	if (now_us + pto > c->t.rto)
		pto = c->t.rto > now_us ? c->t.rto - now_us : 0;
	c->t.pto = now_us + pto;
}

/* RFC 6298 5.3: an ACK of new data restarts the timer (and ends backoff). */
void tcpc_rto_restart(struct tcp_conn *c, uint64_t now_us)
{
	c->t.rto_backoff = 0;
	c->t.rtx_since = 0;
	c->t.rto = in_flight(c) ? now_us + tcp_rto_us(c) : 0;
}

void tcpc_linger_update(struct tcp_conn *c, uint64_t now_us)
{
	if (!c->orphan || c->state != TCP_FIN_WAIT_2)
		c->t.linger = 0;
	else if (!c->t.linger)
		c->t.linger = now_us + tcpc_par(c)->fin_timeout_us;
}

/* After any change: RTO armed while something is in flight (5.1, 5.2),
 * persist while the peer's window holds output back, an orphan's
 * FIN-WAIT-2 deadline. */
void tcpc_timers_update(struct tcp_conn *c, uint64_t now_us)
{
	tcpc_linger_update(c, now_us);
	if (!tcpc_synchronized(c) || !c->attached) {
		c->t.rto = c->t.pto = c->t.persist = c->t.reo = 0;
		if (c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT)
			c->t.delack = 0;
		return;
	}
	if (!in_flight(c)) {
		c->t.rto = c->t.pto = c->t.reo = 0;
		c->t.rto_backoff = 0;
		c->t.rtx_since = 0;
		c->tlp_out = false;
	} else if (!c->t.rto) {
		c->t.rto = now_us + backed_off(c, tcp_rto_us(c), c->t.rto_backoff);
	}
	if (!tcp_persist_wanted(c)) {
		c->t.persist = 0;
		c->t.persist_backoff = 0;
	} else if (!c->t.persist) {
		c->t.persist = now_us + backed_off(c, tcp_rto_us(c),
						   c->t.persist_backoff);
	}
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

uint64_t tcp_timer_next(const struct tcp_conn *c)
{
	uint64_t t = earliest(earliest(earliest(c->t.rto, c->t.pto),
				       earliest(c->t.persist, c->t.delack)),
			      earliest(c->t.reo, c->t.linger));

	return t ? t : UINT64_MAX;
}

/* RFC 6298 5.4-5.7: go back, back off; give up after `retries`. */
static uint32_t rto_fire(struct tcp_conn *c, uint64_t now_us)
{
	const struct tcp_params *p = tcpc_par(c);

	c->t.rto = 0;
	c->t.pto = 0;
	if (!in_flight(c))
		return 0;
	if (c->t.rto_backoff >= (c->orphan ? p->orphan_retries : p->retries)) {
		c->t.persist = c->t.delack = 0;
		return TCP_ACT_TIMEOUT;
	}
	if (!c->t.rtx_since)
		c->t.rtx_since = now_us;
	tcp_go_back_n(c, now_us);
	c->tlp_out = false;
	c->total_rto++;
	c->t.rto_backoff++;
	c->t.rto = now_us + backed_off(c, tcp_rto_us(c), c->t.rto_backoff);
	return TCP_ACT_OUTPUT;
}

/* RFC 8985 7.3: one probe, then the RTO stands (rearmed from now). */
static uint32_t pto_fire(struct tcp_conn *c, uint64_t now_us)
{
	c->t.pto = 0;
	if (!in_flight(c) || !ca_open(c))
		return 0;
	tcp_loss_probe(c);
	c->tlp_out = true;
	c->tlp_high_seq = c->snd_max;
	c->t.rto = now_us + backed_off(c, tcp_rto_us(c), c->t.rto_backoff);
	return TCP_ACT_OUTPUT;
}

static uint32_t persist_fire(struct tcp_conn *c, uint64_t now_us)
{
	c->t.persist = 0;
	if (!tcp_persist_wanted(c))
		return 0;
	if (c->t.persist_backoff < 30)
		c->t.persist_backoff++;
	c->t.persist = now_us + backed_off(c, tcp_rto_us(c), c->t.persist_backoff);
	return TCP_ACT_WPROBE;
}

/* Linux tcp_delack_timer_handler: the ACK goes out; an interactive
 * connection whose reply did not come in time leaves ping-pong mode. */
static uint32_t delack_fire(struct tcp_conn *c)
{
	c->t.delack = 0;
	c->pingpong = false;
	return TCP_ACT_ACK;
}

/* Linux tcp_fin_timeout: an orphan's FIN-WAIT-2 ends, silently. */
static uint32_t linger_fire(struct tcp_conn *c)
{
	memset(&c->t, 0, sizeof(c->t));
	c->state = TCP_CLOSED;
	return TCP_ACT_TIMEOUT;
}

uint32_t tcp_timer_fire(struct tcp_conn *c, uint64_t now_us)
{
	uint32_t act = 0;

	if (c->t.linger && now_us >= c->t.linger)
		return linger_fire(c);

	if (c->t.delack && now_us >= c->t.delack)
		act |= delack_fire(c);
	if (c->t.reo && now_us >= c->t.reo && /* RFC 8985 6.3 */
	    tcpc_rack_recover(c, tcpc_rack_detect(c, now_us), now_us))
		act |= TCP_ACT_OUTPUT;
	/* the probe, when due, comes first: it rearms the RTO (Linux keeps
	 * one of the two pending) */
	if (c->t.pto && now_us >= c->t.pto && (!c->t.rto || c->t.pto <= c->t.rto))
		act |= pto_fire(c, now_us);
	else if (c->t.rto && now_us >= c->t.rto)
		act |= rto_fire(c, now_us);
	if (c->t.persist && now_us >= c->t.persist)
		act |= persist_fire(c, now_us);
	if (!(act & TCP_ACT_TIMEOUT))
		tcpc_timers_update(c, now_us);
	return act;
}

/*
 * Whether the ACK for in-order data goes now or waits (Linux
 * __tcp_ack_snd_check): at once in quick-ACK mode (the first segments of a
 * connection, unless it is interactive) and when more than one full
 * segment is unacknowledged; otherwise after ato, unless data carries it.
 */
bool tcpc_ack_now(struct tcp_conn *c, uint64_t now_us)
{
	const struct tcp_params *p = tcpc_par(c);

	if (!c->ack_seen_data) {
		uint32_t q = tcp_rcv_window(c) / (2u * c->mss);

		c->ack_seen_data = true;
		c->quick = (uint8_t)(q < 2 ? 2 : q > p->quickacks ? p->quickacks : q);
	}
	c->last_rcv_us = now_us;
	if (c->quick && !c->pingpong) {
		c->quick--;
		return true;
	}
	if (c->rcv_nxt - c->last_ack_sent > c->mss || !p->ato_us)
		return true;
	if (!c->t.delack)
		c->t.delack = now_us + p->ato_us;
	return false;
}

uint32_t tcp_ato_us(const struct tcp_conn *c)
{
	return tcpc_par(c)->ato_us;
}

uint32_t tcp_sacked_bytes(const struct tcp_conn *c)
{
	return tcpc_sacked_bytes(c);
}

uint32_t tcp_unsent_bytes(const struct tcp_conn *c)
{
	uint32_t end = c->attached ? tcpc_data_end_seq(c) : c->snd_max;

	return seq_gt(end, c->snd_max) ? end - c->snd_max : 0;
}
