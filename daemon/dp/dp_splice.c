/* SPDX-License-Identifier: MIT */
/*
 * Data-path side of connection splicing: DP_CMD_SPLICE hands two
 * established, quiescent flows over to the splice module. Quiescent means
 * nothing of the byte streams lives in xtoe any more: every received byte
 * was read by the application, every byte it queued was acknowledged, and
 * no out-of-order bytes are held. Then the two flows leave the flow table
 * (the pending ACK goes out first) and their final state goes to the
 * control plane, which writes the splice map; otherwise the answer says
 * why not and nothing changes.
 */
#include <string.h>

#include "dp.h"

static enum dp_splice_why dp_splice_check(struct dp *dp, const struct dp_splice_req *q,
					  int i, uint32_t *bytes)
{
	const struct dp_flow *f;
	const struct xtoe_flow_shm *sh;
	uint32_t unread, queued;

	if (q->flow[i] >= dp->d->cfg.max_flows)
		return DPS_GONE;
	f = &dp->flows[q->flow[i]];
	if (!f->in_use || !f->in_table || f->gen != q->gen[i] || f->close_req)
		return DPS_GONE;
	if (f->tcp.state != TCP_ESTABLISHED || f->tcp.fin_queued)
		return DPS_STATE;
	sh = &f->ctx->slots[f->slot];
	unread = atomic_load(&sh->rx_tail) - atomic_load(&sh->rx_head);
	if (unread) {
		*bytes = unread;
		return DPS_RX_UNREAD;
	}
	if (f->tcp.ooo.n)
		return DPS_RX_OOO;
	queued = atomic_load(&sh->tx_tail) - atomic_load(&sh->tx_head);
	if (queued || f->tcp.snd_nxt != f->tcp.snd_una) {
		*bytes = queued ? queued : f->tcp.snd_nxt - f->tcp.snd_una;
		return DPS_TX_UNACKED;
	}
	return DPS_OK;
}

/* The flow leaves the table without a status change: the application
 * learns the end of the pair from the control plane. Its slot stays until
 * the application closes the handle (done + close_req frees it). */
static void dp_splice_freeze(struct dp *dp, struct dp_flow *f)
{
	uint32_t idx = dp_flow_idx(dp, f);

	if (f->acked != f->tcp.rcv_nxt || f->ack_pending)
		dp_flow_ack(dp, f);
	flowtab_remove(&dp->tab, idx);
	f->in_table = false;
	f->done = true;
	f->want_output = f->ack_pending = false;
	wheel_del(&dp->wheel, &f->tnode);
	atomic_store_explicit(&dp->d->pub[idx].gen, 0, memory_order_relaxed);
}

void dp_splice(struct dp *dp, const struct dp_splice_req *q)
{
	struct cp_note n = { .type = CP_NOTE_SPLICED };
	struct dp_splice_rep *r = &n.splice;

	r->id = q->id;
	for (int i = 0; i < 2 && r->why == DPS_OK; i++) {
		r->why = (uint8_t)dp_splice_check(dp, q, i, &r->bytes);
		r->which = (uint8_t)i;
	}
	if (r->why == DPS_OK && q->flow[0] == q->flow[1])
		r->why = DPS_GONE;
	if (r->why == DPS_OK) {
		for (int i = 0; i < 2; i++) {
			struct dp_flow *f = &dp->flows[q->flow[i]];

			dp_splice_freeze(dp, f);
			r->conn[i] = f->tcp;
		}
	}
	dp_note_push(dp, &n);
}
