/* SPDX-License-Identifier: MIT */
/*
 * Data-path service of touched flows: segments out (data, FIN), pure ACKs,
 * application events, and the end of a flow's life.
 */
#include <errno.h>
#include <string.h>

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
	struct xtoe_flow_shm *sh = f->tcp.shm;

	if (err)
		atomic_store_explicit(&sh->error, err, memory_order_relaxed);
	atomic_fetch_or_explicit(&sh->status, bits, memory_order_release);
	f->ev |= DP_EV_STATUS;
}

void dp_send_frame(struct dp *dp, const uint8_t *frame, uint32_t len)
{
	struct xsk_frame fr;

	if (len > xsk_port_frame_size(dp->d->xsk) || !xsk_port_tx_alloc(dp->d->xsk, &fr)) {
		dp->st.drops[XTOE_DROP_NO_UMEM_FRAME]++;
		return;
	}
	memcpy(fr.data, frame, len);
	dp_cap_tx(dp, fr.data, len);
	xsk_port_tx_submit(dp->d->xsk, fr.addr, len);
}

static bool dp_send_hdr(struct dp *dp, struct dp_flow *f, const struct tcp_hdrvals *h)
{
	struct xsk_frame fr;
	int len;

	if (!xsk_port_tx_alloc(dp->d->xsk, &fr)) {
		dp->st.drops[XTOE_DROP_NO_UMEM_FRAME]++;
		return false;
	}
	len = tcp_build_frame(fr.data, xsk_port_frame_size(dp->d->xsk), &f->tcp.ep, h, NULL, 0);
	if (len < 0) {
		xsk_port_free(dp->d->xsk, fr.addr);
		return false;
	}
	cmods_tx(&dp->d->cmods, fr.data, (uint32_t)len); /* C modules */
	dp_cap_tx(dp, fr.data, (uint32_t)len);
	xsk_port_tx_submit(dp->d->xsk, fr.addr, (uint32_t)len);
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
	struct cp_note *n;
	uint32_t idx = dp_flow_idx(dp, f);

	if (!f->in_table)
		return;
	flowtab_remove(&dp->tab, idx);
	f->in_table = false;
	f->done = true;
	atomic_store_explicit(&dp->d->pub[idx].gen, 0, memory_order_relaxed);
	dp_status_set(f, XTOE_FS_DONE, 0);
	n = dp_note_reserve(dp);
	n->type = CP_NOTE_FLOW_DONE;
	n->flow = idx;
	n->ctx = f->ctx;
	n->slot = f->slot;
	n->gen = f->gen;
	n->conn = f->tcp;
	dp_note_commit(dp);
}

static void dp_flow_free(struct dp *dp, struct dp_flow *f)
{
	struct cp_note *n = dp_note_reserve(dp);

	n->type = CP_NOTE_FLOW_FREE;
	n->flow = dp_flow_idx(dp, f);
	n->ctx = f->ctx;
	n->slot = f->slot;
	n->gen = f->gen;
	dp_note_commit(dp);
	f->ctx->slot_flow[f->slot] = 0;
	f->ctx->dp_live_flows--;
	f->in_use = false;
}

/* A segment carrying the current ACK left: nothing is owed any more. */
static void dp_acked(struct dp_flow *f)
{
	f->ack_pending = false;
	f->ack_due = 0;
	f->acked = f->tcp.rcv_nxt;
}

/* Build and queue one data segment; false when out of frames or nothing
 * may be sent. */
static bool dp_send_segment(struct dp *dp, struct dp_flow *f)
{
	struct xsk_port *x = dp->d->xsk;
	struct tcp_txseg seg;
	struct xsk_frame fr;
	int hlen;

	if (!xsk_port_tx_alloc(x, &fr))
		return false;
	if (!tcp_output_next(&f->tcp, dp->now, &seg)) {
		xsk_port_free(x, fr.addr);
		return false;
	}
	hlen = tcp_build_hdr(fr.data, xsk_port_frame_size(x), &f->tcp.ep, &seg.h, seg.len);
	if (hlen < 0 || (uint32_t)hlen + seg.len > xsk_port_frame_size(x)) {
		xsk_port_free(x, fr.addr);
		return false;
	}
	tcp_tx_copy(&f->tcp, seg.tx_pos, seg.len, fr.data + hlen);
	tcp_frame_finish(fr.data, (size_t)hlen + seg.len);
	cmods_tx(&dp->d->cmods, fr.data, (uint32_t)hlen + seg.len); /* C modules */
	dp_cap_tx(dp, fr.data, (uint32_t)hlen + seg.len);
	xsk_port_tx_submit(x, fr.addr, (uint32_t)hlen + seg.len);
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

static bool dp_push_event(struct app_ctx *c, struct dp_flow *f, uint16_t type)
{
	struct xtoe_ev *e = spsc_reserve(&c->dp2app);

	if (!e)
		return false;
	e->type = type;
	e->_rsv = 0;
	e->flow = f->slot;
	e->gen = f->gen;
	e->arg = 0;
	spsc_commit(&c->dp2app);
	c->dp_wake = true;
	return true;
}

static void dp_flow_events(struct dp_flow *f)
{
	static const struct { uint8_t bit; uint16_t type; } map[] = {
		{ DP_EV_RX, XTOE_EVT_RX },
		{ DP_EV_TX, XTOE_EVT_TX },
		{ DP_EV_STATUS, XTOE_EVT_STATUS },
	};

	if (f->ctx->dp_dead) {
		f->ev = 0;
		return;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((f->ev & map[i].bit) && dp_push_event(f->ctx, f, map[i].type))
			f->ev &= (uint8_t)~map[i].bit;
}

static void dp_publish(struct dp *dp, struct dp_flow *f)
{
	struct flow_pub *p = &dp->d->pub[dp_flow_idx(dp, f)];

	atomic_store_explicit(&p->snd_una, f->tcp.snd_una, memory_order_relaxed);
	atomic_store_explicit(&p->snd_nxt, f->tcp.snd_nxt, memory_order_relaxed);
	atomic_store_explicit(&p->srtt_us, f->tcp.srtt_us, memory_order_relaxed);
	atomic_store_explicit(&p->rttvar_us, f->tcp.rttvar_us, memory_order_relaxed);
	atomic_store_explicit(&p->state, f->tcp.state, memory_order_relaxed);
	atomic_store_explicit(&p->persist, tcp_persist_wanted(&f->tcp),
			      memory_order_relaxed);
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

/* Park a flow whose only duty is an ACK that may still be carried by data;
 * the loop sleeps until the earliest deadline instead of spinning. */
static void dp_delay(struct dp *dp, struct dp_flow *f)
{
	if (!f->delayed) {
		f->delayed = true;
		dp->delayed[dp->ndelayed++] = dp_flow_idx(dp, f);
	}
	if (!dp->next_ack_due || f->ack_due < dp->next_ack_due)
		dp->next_ack_due = f->ack_due;
}

/* Move flows whose deferred ACK is due (or already sent) to the work list. */
void dp_delayed_acks(struct dp *dp)
{
	uint32_t keep = 0;

	if (!dp->next_ack_due || dp->now < dp->next_ack_due)
		return;
	dp->next_ack_due = 0;
	for (uint32_t i = 0; i < dp->ndelayed; i++) {
		struct dp_flow *f = &dp->flows[dp->delayed[i]];

		if (f->ack_due && f->ack_due > dp->now) {
			dp->delayed[keep++] = dp->delayed[i];
			if (!dp->next_ack_due || f->ack_due < dp->next_ack_due)
				dp->next_ack_due = f->ack_due;
			continue;
		}
		f->delayed = false;
		if (f->ack_due)
			dp_queue(dp, dp->delayed[i]);
	}
	dp->ndelayed = keep;
}

static void dp_service_flow(struct dp *dp, struct dp_flow *f)
{
	if (!f->in_use)
		return;
	if (f->in_table && f->want_output)
		dp_flow_output(dp, f);
	if (f->ack_due && dp->now >= f->ack_due)
		f->ack_pending = true;
	if (f->ack_pending)
		dp_flow_ack(dp, f);
	if (f->ev)
		dp_flow_events(f);
	if (f->in_table)
		dp_publish(dp, f);
	if (dp->trace_active && f->in_table)
		dp_trace_flow(dp, f, 0);
	if (f->done && f->close_req) {
		dp_flow_free(dp, f);
		return;
	}
	if (f->want_output || f->ack_pending || f->ev)
		dp_queue(dp, dp_flow_idx(dp, f));
	else if (f->ack_due)
		dp_delay(dp, f);
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
