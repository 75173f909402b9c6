/* SPDX-License-Identifier: MIT */
/* Data-path receive: frames from the AF_XDP socket through the TCP core. */
#include <errno.h>
#include <string.h>

#include "dp.h"
#include "core/tcp_csum.h"

#include <xtoe/module.h>

/* The control plane gets the frame as it arrived: the 802.1Q tag the
 * chain popped (vlan >= 0) goes back in, so its replies carry it. */
static uint32_t copy_frame(uint8_t *dst, const uint8_t *data, uint32_t len,
			   int32_t vlan)
{
	if (vlan < 0 || len < 12) {
		memcpy(dst, data, len);
		return len;
	}
	memcpy(dst, data, 12);
	dst[12] = 0x81;
	dst[13] = 0x00;
	dst[14] = (uint8_t)(vlan >> 8);
	dst[15] = (uint8_t)vlan;
	memcpy(dst + 16, data + 12, len - 12);
	return len + 4;
}

static void dp_to_cp(struct dp *dp, const uint8_t *data, uint32_t len,
		     int32_t vlan)
{
	struct spsc *q = dp->notes;
	struct cp_note *n;

	/* Segments are expendable: keep a quarter of the queue for notes
	 * that must not be lost (flow done / free), and never pass notes
	 * still waiting for room (dp.c): the control plane would see a
	 * segment of a flow before the note that it ended. */
	if (len + 4 > XTOE_FRAME_MAX || dp->overflow ||
	    spsc_used(q) > (q->mask + 1) / 4 * 3 || !(n = spsc_reserve(q))) {
		dp->st.drops[XTOE_DROP_QUEUE_FULL]++;
		return;
	}
	n->type = CP_NOTE_FRAME;
	n->worker = dp->id; /* the connection's segments arrive here */
	n->len = copy_frame(n->frame, data, len, vlan);
	spsc_commit(q);
	dp->st.to_cp++;
}

static struct dp_flow *dp_lookup(struct dp *dp, const struct tcp_seg *s)
{
	struct flow_key k = { .raddr = s->saddr, .rport = s->sport, .lport = s->dport };
	uint32_t idx = flowtab_find(&dp->tab, &k);

	return idx == FLOWTAB_NONE ? NULL : &dp->flows[idx];
}

/* What the core asked for after a segment or a timer. */
void dp_apply(struct dp *dp, struct dp_flow *f, uint32_t act)
{
	if (act & TCP_ACT_ACK)
		f->ack_pending = true;
	if (act & TCP_ACT_RX)
		f->ev |= DP_EV_RX;
	if ((act & TCP_ACT_TX_FREED) && tcp_tx_writable(&f->tcp))
		f->ev |= DP_EV_TX; /* one wake-up for a batch of room */
	if (act & TCP_ACT_OUTPUT)
		f->want_output = true;
	if (act & TCP_ACT_WPROBE)
		dp_send_probe(dp, f);
	if (act & TCP_ACT_FIN)
		dp_status_set(f, XTOE_FS_RX_FIN, 0);
	if (act & TCP_ACT_RESET)
		dp_status_set(f, XTOE_FS_RESET, ECONNRESET);
	if (act & (TCP_ACT_RESET | TCP_ACT_DONE))
		dp_flow_finish(dp, f);
	if (act & TCP_ACT_TIMEOUT)
		dp_flow_abort(dp, f, ETIMEDOUT, false);
	dp_queue(dp, dp_flow_idx(dp, f));
}

/*
 * The receive as stages (placements: dp.h):
 *   PRE    parse, checksum verify: the frame alone (dp_rx_pre), then the
 *          flow lookup (dp_lookup: the owner's table)
 *   PROTO  tcp_input and the flow's state, one owner thread (dp_rx_proto)
 *   POST   what the protocol decided: the payload into the application's
 *          ring (inside tcp_input), ACKs and segments out (dp_service),
 *          the application woken (dp_wake_apps)
 * On one thread (dp_rx_batch) PRE copies the payload into the flow's rx
 * ring while it sums it when it continues the in-order data (the bytes
 * are read once), and coalesces runs (below); the pipeline's PRE threads
 * only sum it, tcp_input copies it, and nothing is coalesced.
 */

/* PRE on any thread: parse and checksum, nothing of the flows. */
enum xtoe_drop_reason dp_rx_pre(const uint8_t *data, uint32_t len, struct tcp_seg *seg)
{
	enum xtoe_drop_reason why = tcp_parse(data, len, seg, false);

	if (why != XTOE_DROP_NONE) /* the reason a checking parse gives */
		return tcp_parse(data, len, seg, true);
	if (!tcp_seg_csum_ok(seg, csum_add(0, seg->payload, seg->len)))
		return XTOE_DROP_TCP_CSUM;
	return XTOE_DROP_NONE;
}

/*
 * Receive coalescing, Linux GRO's rule (tcp_gro_receive): consecutive
 * in-order segments of one flow in a receive batch that carry the same
 * ACK, window, TOS, flags (ACK; PSH ends a run) and option bytes (the
 * timestamps too, so the echo stays right) are placed one after the other
 * in the flow's rx ring, each checksummed as it is copied, and go through
 * tcp_input as one segment: the core, its timers and the ACK decision run
 * once per run instead of once per frame (the ACK rule still counts
 * bytes: more than one full segment unacknowledged, Linux's). The frames
 * stay valid until the batch is given back, after the run is input.
 */
struct dp_gro {
	struct dp_flow *f;   /* NULL: no run held */
	struct tcp_seg seg;  /* the run: its payload placed, len summed */
	const uint8_t *th;   /* the first frame's TCP header */
	const uint8_t *data; /* the first frame, for the control plane */
	uint32_t len;
	int32_t vlan;
};

#define DP_GRO_MAX 65535u /* struct tcp_seg's len, and GRO's 64 KiB */

static bool gro_starts(const struct dp *dp, const struct dp_flow *f,
		       const struct tcp_seg *s)
{
	return f && s->placed && !dp->trace_active && !f->close_req &&
	       (s->flags & ~TCP_F_PSH) == TCP_F_ACK;
}

/* Whether s continues the held run g (before its payload is placed). */
static bool gro_fits(const struct dp_gro *g, const struct dp_flow *f,
		     const struct tcp_seg *s)
{
	const struct tcp_seg *h = &g->seg;

	return g->f == f && s->seq == h->seq + h->len && s->len &&
	       !(h->flags & TCP_F_PSH) && (s->flags & ~TCP_F_PSH) == TCP_F_ACK &&
	       s->ack == h->ack && s->wnd == h->wnd && s->tos == h->tos &&
	       s->hlen == h->hlen && h->len + s->len <= DP_GRO_MAX &&
	       !memcmp(s->payload - s->hlen + 20, g->th + 20, s->hlen - 20u);
}

/* A segment (or a coalesced run) of a flow through the TCP core. */
static void dp_rx_input(struct dp *dp, struct dp_flow *f, struct tcp_seg *seg,
			const uint8_t *data, uint32_t len, int32_t vlan)
{
	struct tcp_result r = tcp_input(&f->tcp, seg, dp->now);

	if (f->close_req && (r.act & TCP_ACT_RX)) {
		/* data for a socket the application closed: Linux resets
		 * (TCPAbortOnData), answering the segment */
		dp_rst_reply(dp, seg);
		dp_flow_abort(dp, f, ECONNRESET, false);
		return;
	}
	if (r.drop != XTOE_DROP_NONE)
		dp->st.drops[r.drop]++;
	dp_trace_input(dp, f, seg->seq, r.drop);
	if (r.act & TCP_ACT_TO_CP)
		dp_to_cp(dp, data, len, vlan);
	/* Duplicate ACKs are not coalesced: the peer counts them for its
	 * fast retransmit. Nor is the ACK of a filled gap. */
	if (r.act & TCP_ACT_ACK_NOW) {
		dp_flow_ack(dp, f);
		r.act &= ~TCP_ACT_ACK;
	}
	dp_apply(dp, f, r.act);
}

/* Input the held run, if any. */
static void dp_gro_flush(struct dp *dp, struct dp_gro *g)
{
	struct dp_flow *f = g->f;

	if (!f)
		return;
	g->f = NULL;
	dp_rx_input(dp, f, &g->seg, g->data, g->len, g->vlan);
}

/* Input the held run before segment s of flow f; f found again when the
 * run was its own (the run's input may have ended the flow). */
static struct dp_flow *dp_gro_flush_before(struct dp *dp, struct dp_gro *g,
					   struct dp_flow *f, const struct tcp_seg *s)
{
	bool own = g->f && g->f == f;

	dp_gro_flush(dp, g);
	return own ? dp_lookup(dp, s) : f;
}

/* Parse a frame and find its flow (*fp, NULL for none). The TCP checksum
 * is summed while the payload is copied into the flow's rx ring when it
 * continues the in-order data (the bytes are read once; after the held
 * run g's bytes when it continues the run), else over the frame; a
 * segment that fails it leaves only unpublished bytes behind. Input the
 * held run first when the frame does not continue it. */
static enum xtoe_drop_reason dp_rx_parse(struct dp *dp, struct dp_gro *g,
					 const uint8_t *data, uint32_t len,
					 struct tcp_seg *seg, struct dp_flow **fp)
{
	enum xtoe_drop_reason why = tcp_parse(data, len, seg, false);
	struct dp_flow *f;
	uint32_t ahead = 0;
	uint64_t psum;

	*fp = NULL;
	if (why != XTOE_DROP_NONE) /* the reason a checking parse gives */
		return tcp_parse(data, len, seg, true);
	f = g->f && seg->saddr == g->seg.saddr && seg->sport == g->seg.sport &&
	    seg->dport == g->seg.dport ? g->f : dp_lookup(dp, seg); /* the run's */
	if (g->f && gro_fits(g, f, seg))
		ahead = g->seg.len;
	else
		f = dp_gro_flush_before(dp, g, f, seg);
	if (f && tcp_rx_direct_ok(&f->tcp, seg, ahead))
		psum = tcp_rx_copy(&f->tcp, seg, ahead);
	else
		psum = csum_add(0, seg->payload, seg->len);
	if (!tcp_seg_csum_ok(seg, psum))
		return XTOE_DROP_TCP_CSUM;
	*fp = f;
	return XTOE_DROP_NONE;
}

/* Hold s as a new run, or add it to the held one (which it fits). */
static void dp_gro_add(struct dp *dp, struct dp_gro *g, struct dp_flow *f,
		       const struct tcp_seg *s, const uint8_t *data,
		       uint32_t len, int32_t vlan)
{
	if (g->f) {
		g->seg.len = (uint16_t)(g->seg.len + s->len);
		g->seg.flags = s->flags;
		g->seg.segs++;
		dp->st.rx_merged++;
	} else {
		*g = (struct dp_gro){ .f = f, .seg = *s, .th = s->payload - s->hlen,
				      .data = data, .len = len, .vlan = vlan };
		g->seg.segs = 1;
	}
	if (s->flags & TCP_F_PSH)
		dp_gro_flush(dp, g);
}

static void dp_rx_one(struct dp *dp, struct dp_gro *g, const uint8_t *data,
		      uint32_t len, int32_t vlan)
{
	struct tcp_seg seg;
	struct dp_flow *f;
	enum xtoe_drop_reason why;

	why = dp_rx_parse(dp, g, data, len, &seg, &f);
	if (why != XTOE_DROP_NONE) {
		dp->st.drops[why]++;
		return;
	}
	dp->st.rx_segs++;
	cmods_rx(&dp->d->cmods, &seg, data, len); /* C modules (cmod.h) */
	if (f && gro_starts(dp, f, &seg)) {
		dp_gro_add(dp, g, f, &seg, data, len, vlan);
		return;
	}
	if (f) /* a run of this flow goes first */
		f = dp_gro_flush_before(dp, g, f, &seg);
	if (!f) {
		dp_to_cp(dp, data, len, vlan);
		return;
	}
	dp_rx_input(dp, f, &seg, data, len, vlan);
}

void dp_rx_frame(struct dp *dp, const uint8_t *data, uint32_t len, int32_t vlan)
{
	struct dp_gro g = { 0 };

	dp_rx_one(dp, &g, data, len, vlan);
	dp_gro_flush(dp, &g);
}

/* --- module chain metadata (docs/modules.md) --------------------------- */
/* The XDP chain leaves struct xtoe_meta right before the frame. A drop
 * reason set by a module that still let the frame through asks the
 * data-path to drop it and count it under that reason. Returns false when
 * the frame is to be dropped; *vlan: the popped tag's TCI, -1 for none. */
bool dp_rx_meta(struct dp *dp, const struct port_frame *fr, int32_t *vlan)
{
	struct xtoe_meta m;

	*vlan = -1;
	memcpy(&m, fr->data - sizeof(m), sizeof(m));
	if (m.magic != XTOE_META_MAGIC) {
		dp->st.rx_nometa++;
		return true;
	}
	if (m.flags & XTOE_META_F_VLAN) {
		dp->st.rx_vlan++;
		*vlan = m.vlan_tci;
	}
	if (m.drop != XTOE_DROP_NONE && m.drop < XTOE_DROP__COUNT) {
		dp->st.drops[m.drop]++;
		return false;
	}
	return true;
}

/* PROTO of a frame PRE took apart elsewhere (the pipeline: nothing
 * coalesced, the payload copied by tcp_input). */
void dp_rx_proto(struct dp *dp, const struct port_frame *fr, int32_t vlan,
		 struct tcp_seg *seg, enum xtoe_drop_reason why)
{
	struct dp_flow *f;

	if (why != XTOE_DROP_NONE) {
		dp->st.drops[why]++;
		return;
	}
	dp->st.rx_segs++;
	cmods_rx(&dp->d->cmods, seg, fr->data, fr->len); /* C modules (cmod.h) */
	f = dp_lookup(dp, seg);
	if (!f) {
		dp_to_cp(dp, fr->data, fr->len, vlan);
		return;
	}
	dp_rx_input(dp, f, seg, fr->data, fr->len, vlan);
}

/* Every stage of n received frames on this thread, in a row; the frames
 * go back to the port once the last run coalesced from them (dp_gro) is
 * input. */
void dp_rx_batch(struct dp *dp, const struct port_frame *fr, uint32_t n)
{
	struct dp_gro g = { 0 };

	for (uint32_t i = 0; i < n; i++) {
		int32_t vlan;

		if (dp_rx_meta(dp, &fr[i], &vlan))
			dp_rx_one(dp, &g, fr[i].data, fr[i].len, vlan);
	}
	dp_gro_flush(dp, &g);
	for (uint32_t i = 0; i < n; i++)
		port_free(dp->port, fr[i].addr);
	dp->st.rx_frames += n;
}

uint32_t dp_poll_rx(struct dp *dp)
{
	struct port_frame fr[DP_RX_BATCH];
	uint32_t n;

	if (dp->pipe)
		return dp_pipe_poll(dp);
	n = port_rx(dp->port, fr, DP_RX_BATCH);
	dp_rx_batch(dp, fr, n);
	return n;
}
