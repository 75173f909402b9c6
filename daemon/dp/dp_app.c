/* SPDX-License-Identifier: MIT */
/*
 * Data-path side of applications and of the control plane: bumps from the
 * applications' queues, commands from the control plane, wake-ups.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "common/wake.h"
#include "dp.h"

/* The flow of a slot with generation gen, or NULL. */
static struct dp_flow *dp_slot_flow(struct dp *dp, struct app_ctx *c, uint32_t slot,
				    uint32_t gen)
{
	uint32_t fi = slot < c->geom.max_flows ? dp_cw(dp, c)->slot_flow[slot] : 0;

	if (!fi || dp->flows[fi - 1].gen != gen)
		return NULL;
	return &dp->flows[fi - 1];
}

/*
 * A bump for a slot with no flow here: a connect still in progress or one
 * that failed, or a flow whose install is still in the command queue (the
 * application learns a slot before the data-path sees its install). The
 * control plane knows which; it answers the last kind with DP_CMD_BUMP,
 * queued after the install. Nothing is handled twice or by recursion:
 * TX and RX bumps need no answer (an install sends what is queued).
 */
static void dp_bump_unplaced(struct dp *dp, struct app_ctx *c, const struct xtoe_bump *b)
{
	struct cp_note n = { .type = CP_NOTE_APP_BUMP, .ctx = c, .slot = b->flow,
			     .gen = b->gen, .bump = b->type };

	if (b->type == XTOE_BUMP_CLOSE || b->type == XTOE_BUMP_ABORT ||
	    b->type == XTOE_BUMP_SHUTWR)
		dp_note_push(dp, &n);
}

/* Received bytes the application has not read. */
static bool dp_flow_unread(const struct dp_flow *f)
{
	const struct xtoe_flow_shm *sh = &f->ctx->slots[f->slot];

	return f->in_table &&
	       atomic_load_explicit(&sh->rx_tail, memory_order_relaxed) !=
	       atomic_load_explicit(&sh->rx_head, memory_order_acquire);
}

static void dp_flow_shutdown(struct dp_flow *f)
{
	if (!f->in_table || f->tcp.fin_queued)
		return;
	tcp_app_shutdown(&f->tcp);
	f->want_output = true;
	dp_status_set(f, XTOE_FS_TX_FIN, 0);
}

/* The flow ends with err; rst: tell the peer (an abortive close). */
void dp_flow_abort(struct dp *dp, struct dp_flow *f, int err, bool rst)
{
	if (!f->in_table)
		return;
	if (rst)
		dp_send_rst(dp, f);
	dp_status_set(f, XTOE_FS_RESET, err);
	dp_flow_finish(dp, f);
}

static void dp_bump_flow(struct dp *dp, struct dp_flow *f, const struct xtoe_bump *b)
{
	switch (b->type) {
	case XTOE_BUMP_TX:
		f->want_output = true;
		break;
	case XTOE_BUMP_RX:
		if (f->in_table && tcp_window_update_due(&f->tcp))
			f->ack_pending = true;
		break;
	case XTOE_BUMP_CLOSE:
		f->close_req = true;
		tcp_app_orphan(&f->tcp, dp->now); /* tcp_fin_timeout from here */
		if (dp_flow_unread(f)) { /* RFC 2525 2.17, as Linux: RST */
			dp_flow_abort(dp, f, ECONNABORTED, true);
			break;
		}
		/* fall through */
	case XTOE_BUMP_SHUTWR:
		dp_flow_shutdown(f);
		break;
	case XTOE_BUMP_ABORT:
		f->close_req = true;
		dp_flow_abort(dp, f, ECONNABORTED, true);
		break;
	default:
		return;
	}
	dp_queue(dp, dp_flow_idx(dp, f));
}

void dp_bump(struct dp *dp, struct app_ctx *c, const struct xtoe_bump *b)
{
	struct dp_flow *f;

	if (b->flow >= c->geom.max_flows)
		return;
	f = dp_slot_flow(dp, c, b->flow, b->gen);
	if (f)
		dp_bump_flow(dp, f, b);
	else
		dp_bump_unplaced(dp, c, b);
}

/* DP_CMD_BUMP: a bump the control plane placed after its flow's install.
 * No flow now means the slot was reused since: nothing to do. */
static void dp_cmd_bump(struct dp *dp, const struct dp_cmd *cmd)
{
	struct xtoe_bump b = { .type = (uint16_t)cmd->bump, .flow = cmd->slot,
			       .gen = cmd->gen };
	struct dp_flow *f = dp_slot_flow(dp, cmd->ctx, cmd->slot, cmd->gen);

	if (f)
		dp_bump_flow(dp, f, &b);
}

/* The hub takes the bumps; one for a flow of another worker goes to that
 * worker's queue (dp_hub_bump), and stays here while that queue is full. */
static uint32_t dp_poll_app(struct dp *dp, struct app_ctx *c)
{
	struct xtoe_bump *b;
	uint32_t n = 0;

	while (n < DP_BUMP_BATCH && (b = spsc_peek(&c->app2dp))) {
		struct xtoe_bump copy = *b; /* the app may rewrite it */

		if (!dp_hub_bump(dp, c, &copy))
			break;
		spsc_release(&c->app2dp);
		n++;
	}
	return n;
}

uint32_t dp_poll_apps(struct dp *dp)
{
	uint32_t n = 0;

	if (dp_notes_backlogged(dp))
		return 0; /* backpressure: the control plane is behind (dp.c) */
	for (struct app_ctx *c = dp->ctxs; c; c = dp_cw(dp, c)->next)
		if (!dp_cw(dp, c)->dead)
			n += dp_poll_app(dp, c);
	return n;
}

void dp_wake_apps(struct dp *dp)
{
	while (dp->wake_list) {
		struct app_ctx *c = dp->wake_list;

		dp->wake_list = dp_cw(dp, c)->wake_next;
		dp_cw(dp, c)->wake = false;
		wake_sleeper(&c->hdr->app_sleeping, c->app_efd);
	}
}

/* Contexts whose application died and whose flows are all gone are handed
 * back to the control plane. */
void dp_reap_ctxs(struct dp *dp)
{
	struct app_ctx **pp = &dp->ctxs;

	while (*pp) {
		struct app_ctx *c = *pp;

		if (!dp_cw(dp, c)->dead || dp_cw(dp, c)->live_flows) {
			pp = &dp_cw(dp, c)->next;
			continue;
		}
		*pp = dp_cw(dp, c)->next;
		dp_ctx_let_go(dp, c);
	}
}

static void dp_ctx_dead(struct dp *dp, struct app_ctx *c)
{
	/* Requests the application queued before it went away come first:
	 * a close there is an orderly close, not an abort. At most one
	 * queue's worth: a child that kept the memory may still be pushing. */
	struct ctx_worker *w = dp_cw(dp, c);

	for (uint32_t i = 0; !dp->id && i <= c->geom.q_entries / DP_BUMP_BATCH &&
	     dp_poll_app(dp, c); i++)
		;
	if (dp->id) { /* the others keep only dead contexts on their list */
		w->next = dp->ctxs;
		dp->ctxs = c;
	}
	w->dead = true;
	for (uint32_t s = 0; s < c->geom.max_flows; s++) {
		struct dp_flow *f;

		if (!w->slot_flow[s])
			continue;
		f = &dp->flows[w->slot_flow[s] - 1];
		if (!f->close_req) {
			f->close_req = true;
			dp_flow_abort(dp, f, ECONNABORTED, true);
		}
		dp_queue(dp, dp_flow_idx(dp, f));
	}
}

/* An install the table cannot take (its index or 4-tuple still in use):
 * refused and reported, never linked twice. */
static bool dp_install_refused(struct dp *dp, const struct dp_cmd *cmd,
			       const struct flow_key *k)
{
	uint32_t other;

	if (cmd->flow < dp->tab.cap && !dp->flows[cmd->flow].in_use &&
	    (other = flowtab_find(&dp->tab, k)) == FLOWTAB_NONE)
		return false;
	log_err("flow %u: install refused: its index or 4-tuple is still in use "
		"(control plane and data-path disagree); the connection is dropped",
		cmd->flow);
	dp->st.drops[XTOE_DROP_FLOW_IN_USE]++;
	return true;
}

static void dp_install(struct dp *dp, const struct dp_cmd *cmd)
{
	struct dp_flow *f = &dp->flows[cmd->flow];
	struct app_ctx *c = cmd->ctx;
	struct tcp_bufs b;
	struct flow_key k = { .raddr = cmd->conn.ep.daddr, .rport = cmd->conn.ep.dport,
			      .lport = cmd->conn.ep.sport };

	if (dp_install_refused(dp, cmd, &k))
		return;
	memset(f, 0, sizeof(*f));
	f->tcp = cmd->conn;
	dp_ring_bufs(c, cmd->slot, &b);
	tcp_conn_attach(&f->tcp, &b);
	f->ctx = c;
	f->slot = cmd->slot;
	f->gen = cmd->gen;
	f->in_use = f->in_table = true;
	f->want_output = true;
	f->ack_pending = cmd->flags & DP_INSTALL_ACK;
	f->acked = f->tcp.rcv_nxt;
	dp_trace_sync(f);
	flowtab_insert(&dp->tab, cmd->flow, &k); /* checked above */
	dp_cw(dp, c)->slot_flow[cmd->slot] = cmd->flow + 1;
	dp_cw(dp, c)->live_flows++;
	dp->flows_owned++;
	/* the new flow's values first, then the generation that vouches for
	 * them (release; the control plane reads it with acquire) */
	dp_flow_publish(dp, f);
	atomic_store_explicit(&dp->d->pub[cmd->flow].gen, cmd->gen, memory_order_release);
	if (dp_cw(dp, c)->dead) {
		f->close_req = true;
		dp_flow_abort(dp, f, ECONNABORTED, true);
	}
	dp_queue(dp, cmd->flow);
}

void dp_cmd(struct dp *dp, const struct dp_cmd *cmd)
{
	switch (cmd->type) {
	case DP_CMD_CTX_ADD: /* the hub's: the others see it only dead */
		atomic_store_explicit(&cmd->ctx->dp_holders, dp->d->nworkers,
				      memory_order_relaxed);
		dp_cw(dp, cmd->ctx)->next = dp->ctxs;
		dp->ctxs = cmd->ctx;
		break;
	case DP_CMD_CTX_DEAD:
		dp_ctx_dead(dp, cmd->ctx);
		break;
	case DP_CMD_INSTALL:
		dp_install(dp, cmd);
		break;
	case DP_CMD_TX_FRAME:
		dp_send_frame(dp, cmd->frame, cmd->len);
		break;
	case DP_CMD_REINJECT:
		dp_rx_frame(dp, cmd->frame, cmd->len, -1); /* tag still in it */
		break;
	case DP_CMD_STOP:
		dp->running = false;
		break;
	case DP_CMD_SPLICE:
		dp_splice(dp, &cmd->splice);
		break;
	case DP_CMD_BUMP:
		dp_cmd_bump(dp, cmd);
		break;
	case DP_CMD_APP_BUMP: {
		struct xtoe_bump b = { .type = (uint16_t)cmd->bump, .flow = cmd->slot,
				       .gen = cmd->gen };

		dp_bump(dp, cmd->ctx, &b);
		break;
	}
	}
}

uint32_t dp_poll_cmds(struct dp *dp)
{
	struct dp_cmd *cmd;
	uint32_t n = 0;

	while ((cmd = spsc_peek(dp->cmds))) {
		if (!dp_hub_cmd(dp, cmd))
			break; /* its worker's queue is full: next round */
		spsc_release(dp->cmds);
		n++;
	}
	return n;
}
