// SPDX-License-Identifier: MIT
/*
 * TCP events of installed flows for xtoectl trace (common/trace.h, ring 0).
 * The control plane creates the rings and flips xtoed.trace_on; the
 * data-path looks at the switch once per round (dp_trace_round) and, while
 * on, compares a flow with what it last reported (struct dp_trace_snap)
 * after each segment it takes in, after a command and when it services the
 * flow: state, RTT samples, cwnd/ssthresh, go-backs, drops. The TCP core
 * stays unaware. Every worker writes ring 0 holding xtoed.trace_lock (one
 * producer at a time; time stamped under it, so the ring stays in time
 * order for the tool's merge with ring 1). Never blocks on the reader: a
 * full ring costs a counted drop.
 */
#include "common/spinlock.h"
#include "dp.h"

void dp_trace_sync(struct dp_flow *f)
{
	const struct tcp_conn *c = &f->tcp;

	f->tr = (struct dp_trace_snap){
		.state = c->state, .rtx_one = c->rtx_one,
		.cwnd = c->cc_st.cwnd, .ssthresh = c->cc_st.ssthresh,
		.rtt_samples = c->rtt_samples, .recover = c->snd_recover,
	};
}

/* On: the worker's flows report changes from now on, not the ones made
 * while nobody traced. */
void dp_trace_round(struct dp *dp)
{
	bool on = atomic_load_explicit(&dp->d->trace_on, memory_order_acquire);

	if (on == dp->trace_active)
		return;
	if (on) {
		/* its own flows only: those on its contexts' slots */
		for (struct app_ctx *c = dp->ctxs; c; c = dp_cw(dp, c)->next)
			for (uint32_t s = 0; s < c->geom.max_flows; s++)
				if (dp_cw(dp, c)->slot_flow[s])
					dp_trace_sync(&dp->flows[dp_cw(dp, c)->slot_flow[s] - 1]);
	}
	dp->trace_active = on;
}

static void put(struct dp *dp, const struct dp_flow *f, uint8_t type,
		uint32_t a, uint32_t b, uint32_t c)
{
	const struct tcp_endpoints *ep = &f->tcp.ep;
	struct xtoe_trace_rec r = {
		.laddr = ep->saddr, .raddr = ep->daddr,
		.lport = ep->sport, .rport = ep->dport, .type = type, .src = 0,
		.a = a, .b = b, .c = c,
	};
	struct xtoed *d = dp->d;

	spin_lock(&d->trace_lock);
	if (d->trace_live) {
		r.ts_ns = now_ns();
		xtoe_trace_put(d->trace, &d->trace_q, &r);
	}
	spin_unlock(&d->trace_lock);
}

void dp_trace_drop(struct dp *dp, const struct dp_flow *f, uint32_t seq,
		   enum xtoe_drop_reason why)
{
	put(dp, f, XTOE_TR_DROP, why, seq, 0);
}

static void trace_retx(struct dp *dp, struct dp_flow *f, uint8_t retx)
{
	const struct tcp_conn *c = &f->tcp;

	if (c->snd_recover != f->tr.recover && retx)
		put(dp, f, XTOE_TR_RETX, retx, c->snd_una, 0);
	else if (c->rtx_one && !f->tr.rtx_one)
		put(dp, f, XTOE_TR_RETX, XTOE_RETX_PARTIAL, c->snd_una, 0);
}

void dp_trace_flow(struct dp *dp, struct dp_flow *f, uint8_t retx)
{
	const struct tcp_conn *c = &f->tcp;
	const struct dp_trace_snap *s = &f->tr;

	if (c->rtt_samples != s->rtt_samples)
		put(dp, f, XTOE_TR_RTT, c->rtt_last_us, c->srtt_us, c->rttvar_us);
	trace_retx(dp, f, retx);
	if (c->cc_st.cwnd != s->cwnd || c->cc_st.ssthresh != s->ssthresh)
		put(dp, f, XTOE_TR_CWND, c->cc_st.cwnd, c->cc_st.ssthresh, s->cwnd);
	if (c->state != s->state)
		put(dp, f, XTOE_TR_STATE, s->state, c->state, 0);
	dp_trace_sync(f);
}

/* A retransmission timer fired (RTO or loss probe). */
void dp_trace_timer(struct dp *dp, struct dp_flow *f, uint8_t kind)
{
	put(dp, f, XTOE_TR_RETX, kind, f->tcp.snd_una, f->tcp.t.rto_backoff);
	dp_trace_sync(f);
}
