/* SPDX-License-Identifier: MIT */
/*
 * Data-path service of touched flows: segments out (data, FIN), pure ACKs,
 * application events, and the end of a flow's life.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "common/spinlock.h"
#include "dp.h"

void dp_queue(struct dp *dp, uint32_t idx)
{
	struct dp_flow *f = &dp->flows[idx];

	if (f->queued)
		return;
	f->queued = true;
	dp->work[dp->nwork++] = idx;
}

void dp_status_set(struct dp_flow *f, uint32_t bits, int err)
{
	struct xtoe_flow_shm *sh = &f->ctx->slots[f->slot];

	if (err)
		atomic_store_explicit(&sh->error, err, memory_order_relaxed);
	atomic_fetch_or_explicit(&sh->status, bits, memory_order_release);
	f->ev |= DP_EV_STATUS;
}

/* Every frame the data-path sends leaves through here: the C modules' tx
 * hook and the capture see it, then the port queues it. */
static void dp_tx(struct dp *dp, const struct port_frame *fr, uint32_t len)
{
	cmods_tx(&dp->d->cmods, fr->data, len); /* C modules (cmod.h) */
	dp_cap_tx(dp, fr->data, len);
	port_tx_submit(dp->port, fr->addr, len);
}

/* A frame to transmit; false (counted) when the port has none. */
static bool dp_tx_alloc(struct dp *dp, struct port_frame *fr)
{
	if (port_tx_alloc(dp->port, fr))
		return true;
	dp->st.drops[XTOE_DROP_NO_UMEM_FRAME]++;
	return false;
}

/* A frame built elsewhere (the control plane's SYN-ACKs, RSTs, ...). */
void dp_send_frame(struct dp *dp, const uint8_t *frame, uint32_t len)
{
	struct port_frame fr;

	if (len > dp->port->frame_size) {
		dp->st.drops[XTOE_DROP_NO_UMEM_FRAME]++;
		return;
	}
	if (!dp_tx_alloc(dp, &fr))
		return;
	memcpy(fr.data, frame, len);
	dp_tx(dp, &fr, len);
}

static bool dp_send_hdr(struct dp *dp, struct dp_flow *f, const struct tcp_hdrvals *h)
{
	struct port_frame fr;
	int len;

	if (!dp_tx_alloc(dp, &fr))
		return false;
	len = tcp_build_frame(fr.data, dp->port->frame_size, &f->tcp.ep, h, NULL, 0);
	if (len < 0) {
		port_free(dp->port, fr.addr);
		return false;
	}
	dp_tx(dp, &fr, (uint32_t)len);
	return true;
}

/* Persist timer: a window probe, then output may use a small window. */
void dp_send_probe(struct dp *dp, struct dp_flow *f)
{
	struct tcp_hdrvals h;

	tcp_probe_hdr(&f->tcp, dp->now, &h);
	dp_send_hdr(dp, f, &h);
	f->want_output = true;
}

/* The RST answering segment s (RFC 9293 3.10.7.1). */
void dp_rst_reply(struct dp *dp, const struct tcp_seg *s)
{
	struct tcp_endpoints ep = { 0 };
	struct tcp_hdrvals h;
	uint8_t frame[TCP_MAX_HDRS];
	int len;

	if (!tcp_rst_reply(s, &ep, &h))
		return;
	len = tcp_build_frame(frame, sizeof(frame), &ep, &h, NULL, 0);
	if (len > 0) {
		cmods_tx(&dp->d->cmods, frame, (uint32_t)len); /* C modules */
		dp_send_frame(dp, frame, (uint32_t)len);
	}
}

void dp_send_rst(struct dp *dp, struct dp_flow *f)
{
	struct tcp_hdrvals h;

	tcp_abort_hdr(&f->tcp, &h);
	dp_send_hdr(dp, f, &h);
}

/* Flow leaves the 4-tuple table; later segments go to the control plane
 * (TIME-WAIT, RST). The slot stays until the application closes it. */
void dp_flow_finish(struct dp *dp, struct dp_flow *f)
{
	uint32_t idx = dp_flow_idx(dp, f);
	struct cp_note n = { .type = CP_NOTE_FLOW_DONE, .flow = idx, .ctx = f->ctx,
			     .slot = f->slot, .gen = f->gen };

	if (!f->in_table)
		return;
	flowtab_remove(&dp->tab, idx);
	f->in_table = false;
	f->done = true;
	atomic_store_explicit(&dp->d->pub[idx].gen, 0, memory_order_relaxed);
	dp_status_set(f, XTOE_FS_DONE, 0);
	wheel_del(&dp->wheel, &f->tnode);
	n.conn = f->tcp;
	dp_note_push(dp, &n);
}

static void dp_flow_free(struct dp *dp, struct dp_flow *f)
{
	struct cp_note n = { .type = CP_NOTE_FLOW_FREE, .flow = dp_flow_idx(dp, f),
			     .ctx = f->ctx, .slot = f->slot, .gen = f->gen };

	wheel_del(&dp->wheel, &f->tnode);
	dp_cw(dp, f->ctx)->slot_flow[f->slot] = 0;
	dp_cw(dp, f->ctx)->live_flows--;
	dp->flows_owned--;
	f->in_use = false;
	/* last: once the control plane has the note it may install the index
	 * on another worker, which then owns f */
	dp_note_push(dp, &n);
}

/* A segment carrying the current ACK left: nothing is owed any more. */
static void dp_acked(struct dp_flow *f)
{
	f->ack_pending = false;
	f->acked = f->tcp.rcv_nxt;
}

/* Ethernet with a VLAN tag, IPv4 and TCP with options, at most. */
#define DP_SEG_HDR_MAX (14 + 4 + 20 + 60)

/* A frame for the flow's segments: a big one (port_tx_alloc_big) when its
 * MSS does not fit one of the port's frames (a jumbo MTU). *cap: bytes. */
static bool dp_seg_frame(struct port *x, const struct dp_flow *f,
			 struct port_frame *fr, uint32_t *cap)
{
	if ((uint32_t)f->tcp.mss + DP_SEG_HDR_MAX <= x->frame_size ||
	    x->frame_max <= x->frame_size) {
		*cap = x->frame_size;
		return port_tx_alloc(x, fr);
	}
	*cap = x->frame_max;
	return port_tx_alloc_big(x, fr);
}

/* Build and queue one data segment; false when out of frames or nothing
 * may be sent. */
static bool dp_send_segment(struct dp *dp, struct dp_flow *f)
{
	struct port *x = dp->port;
	struct tcp_txseg seg;
	struct port_frame fr;
	uint64_t psum;
	uint32_t cap;
	int hlen;

	if (!dp_seg_frame(x, f, &fr, &cap))
		return false;
	if (!tcp_output_next(&f->tcp, dp->now, &seg)) {
		port_free(x, fr.addr);
		return false;
	}
	hlen = tcp_build_hdr(fr.data, cap, &f->tcp.ep, &seg.h, seg.len);
	if (hlen < 0 || (uint32_t)hlen + seg.len > cap) {
		port_free(x, fr.addr);
		return false;
	}
	psum = tcp_tx_copy(&f->tcp, seg.tx_pos, seg.len, fr.data + hlen);
	tcp_frame_finish_sum(fr.data, (size_t)hlen, seg.len, psum);
	dp_tx(dp, &fr, (uint32_t)hlen + seg.len);
	dp->st.tx_segs++;
	dp_acked(f);
	return true;
}

static void dp_flow_output(struct dp *dp, struct dp_flow *f)
{
	int n;

	f->want_output = false;
	for (n = 0; n < DP_SEGS_PER_FLOW; n++)
		if (!dp_send_segment(dp, f))
			return;
	f->want_output = true; /* budget spent: more next round */
}

void dp_flow_ack(struct dp *dp, struct dp_flow *f)
{
	struct tcp_hdrvals h;

	tcp_ack_hdr(&f->tcp, dp->now, &h);
	if (dp_send_hdr(dp, f, &h)) {
		dp_acked(f);
		dp->st.tx_acks++;
	}
}

/* dp2app has one producer at a time: the worker holding ev_lock (held
 * for one push, never while waiting for anything else). */
static bool dp_push_event(struct dp *dp, struct app_ctx *c, struct dp_flow *f,
			  uint16_t type)
{
	struct ctx_worker *w = dp_cw(dp, c);
	struct xtoe_ev *e;

	spin_lock(&c->ev_lock);
	e = spsc_reserve(&c->dp2app);
	if (e) {
		e->type = type;
		e->_rsv = 0;
		e->flow = f->slot;
		e->gen = f->gen;
		e->arg = 0;
		spsc_commit(&c->dp2app);
	}
	spin_unlock(&c->ev_lock);
	if (e && !w->wake) {
		w->wake = true;
		w->wake_next = dp->wake_list;
		dp->wake_list = c;
	}
	return e != NULL;
}

static void dp_flow_events(struct dp *dp, struct dp_flow *f)
{
	static const struct { uint8_t bit; uint16_t type; } map[] = {
		{ DP_EV_RX, XTOE_EVT_RX },
		{ DP_EV_TX, XTOE_EVT_TX },
		{ DP_EV_STATUS, XTOE_EVT_STATUS },
	};

	if (dp_cw(dp, f->ctx)->dead) {
		f->ev = 0;
		return;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((f->ev & map[i].bit) && dp_push_event(dp, f->ctx, f, map[i].type))
			f->ev &= (uint8_t)~map[i].bit;
}

void dp_flow_publish(struct dp *dp, const struct dp_flow *f)
{
	struct flow_pub *p = &dp->d->pub[dp_flow_idx(dp, f)];

	atomic_store_explicit(&p->snd_una, f->tcp.snd_una, memory_order_relaxed);
	atomic_store_explicit(&p->snd_nxt, f->tcp.snd_nxt, memory_order_relaxed);
	atomic_store_explicit(&p->srtt_us, f->tcp.srtt_us, memory_order_relaxed);
	atomic_store_explicit(&p->rttvar_us, f->tcp.rttvar_us, memory_order_relaxed);
	atomic_store_explicit(&p->state, f->tcp.state, memory_order_relaxed);
	atomic_store_explicit(&p->retransmits, (uint32_t)f->tcp.retransmits,
			      memory_order_relaxed);
	atomic_store_explicit(&p->cwnd, f->tcp.cc_st.cwnd, memory_order_relaxed);
	atomic_store_explicit(&p->ssthresh, f->tcp.cc_st.ssthresh, memory_order_relaxed);
	atomic_store_explicit(&p->snd_wnd, f->tcp.snd_wnd, memory_order_relaxed);
	atomic_store_explicit(&p->bytes_out, f->tcp.bytes_out, memory_order_relaxed);
	atomic_store_explicit(&p->bytes_in, f->tcp.bytes_in, memory_order_relaxed);
	atomic_store_explicit(&p->segs_out, f->tcp.segs_out, memory_order_relaxed);
	atomic_store_explicit(&p->segs_in, f->tcp.segs_in, memory_order_relaxed);
}

/* The flow's next TCP deadline goes on the wheel (or off it). */
void dp_timer_arm(struct dp *dp, struct dp_flow *f)
{
	wheel_set(&dp->wheel, &f->tnode, f->in_table ? tcp_timer_next(&f->tcp) :
		  UINT64_MAX);
}

static void dp_timer_expired(struct wheel_node *n, void *arg)
{
	struct dp *dp = arg;
	struct dp_flow *f = (struct dp_flow *)((char *)n - offsetof(struct dp_flow, tnode));
	const struct tcp_conn *c = &f->tcp;
	bool rto = c->t.rto && c->t.rto <= dp->now;
	bool pto = !rto && c->t.pto && c->t.pto <= dp->now;
	uint32_t act;

	if (!f->in_table)
		return;
	act = tcp_timer_fire(&f->tcp, dp->now);
	if (dp->trace_active && (act & TCP_ACT_OUTPUT) && (rto || pto))
		dp_trace_timer(dp, f, rto ? XTOE_RETX_RTO : XTOE_RETX_PROBE);
	dp_apply(dp, f, act);
}

/* Timers of installed flows whose deadline passed; their flows are
 * serviced this round (and their next deadline armed then). */
void dp_timers(struct dp *dp)
{
	wheel_run(&dp->wheel, dp->now, dp_timer_expired, dp);
}

static void dp_service_flow(struct dp *dp, struct dp_flow *f)
{
	if (!f->in_use)
		return;
	if (f->in_table && f->want_output)
		dp_flow_output(dp, f);
	if (f->ack_pending)
		dp_flow_ack(dp, f);
	if (f->ev)
		dp_flow_events(dp, f);
	if (f->in_table) {
		dp_flow_publish(dp, f);
		dp_info_publish(dp, f);
	}
	if (dp->trace_active && f->in_table)
		dp_trace_flow(dp, f, 0);
	if (f->done && f->close_req) {
		dp_flow_free(dp, f);
		return;
	}
	dp_timer_arm(dp, f);
	if (f->want_output || f->ack_pending || f->ev)
		dp_queue(dp, dp_flow_idx(dp, f));
}

/* Service the flows queued before this call; flows queued while doing so
 * (or needing more) wait for the next round. */
void dp_service(struct dp *dp)
{
	uint32_t n = dp->nwork;

	for (uint32_t i = 0; i < n; i++) {
		struct dp_flow *f = &dp->flows[dp->work[i]];

		f->queued = false;
		dp_service_flow(dp, f);
	}
	memmove(dp->work, dp->work + n, (dp->nwork - n) * sizeof(*dp->work));
	dp->nwork -= n;
}
