/* SPDX-License-Identifier: MIT */
/*
 * Several data-path workers: worker 0, the hub, is the only one that
 * reads the control plane's commands and the applications' bumps. What
 * belongs to a flow of another worker goes, in order, to that worker's
 * command queue:
 *   INSTALL, REINJECT, SPLICE  to cmd->worker (the control plane's choice:
 *                              the worker the connection's segments
 *                              arrive on); the hub notes slot -> worker
 *   BUMP, application bumps    to the worker of the slot's last install
 *   CTX_DEAD, STOP             to every worker (the hub first)
 * A queue that is full leaves the command (or bump) where it is until the
 * next round: the hub waits for nobody, and the workers never wait for
 * the hub (they send their notes to the control plane themselves), so the
 * wait-for graph keeps no cycle. A bump that reaches a worker before the
 * install it belongs to is answered as with one worker (CP_NOTE_APP_BUMP,
 * then DP_CMD_BUMP after the install).
 */
#include <string.h>

#include "common/wake.h"
#include "dp.h"

static struct spsc *dp_hub_q(struct dp *dp, uint32_t w)
{
	return &dp->d->wk[w].cmds;
}

/* Hand cmd to worker w (0: the hub itself); false when its queue is full. */
static bool dp_hub_pass(struct dp *dp, uint32_t w, const struct dp_cmd *cmd)
{
	struct dp_cmd *e;

	if (!w) {
		dp_cmd(dp, cmd);
		return true;
	}
	e = spsc_reserve(dp_hub_q(dp, w));
	if (!e)
		return false;
	memcpy(e, cmd, cmd->type == DP_CMD_REINJECT || cmd->type == DP_CMD_TX_FRAME ?
	       offsetof(struct dp_cmd, frame) + cmd->len : sizeof(*e));
	spsc_commit(dp_hub_q(dp, w));
	dp->wake_workers |= 1u << w;
	return true;
}

static uint32_t dp_worker_of(const struct dp *dp, uint32_t w)
{
	return w < dp->d->nworkers ? w : 0;
}

/* A command for every worker: the hub first, then each other in turn,
 * resumed next round where a queue was full. */
static bool dp_hub_all(struct dp *dp, const struct dp_cmd *cmd)
{
	if (!dp->fan_next) {
		dp_cmd(dp, cmd);
		dp->fan_next = 1;
	}
	for (; dp->fan_next < dp->d->nworkers; dp->fan_next++)
		if (!dp_hub_pass(dp, dp->fan_next, cmd))
			return false;
	dp->fan_next = 0;
	return true;
}

bool dp_hub_cmd(struct dp *dp, const struct dp_cmd *cmd)
{
	uint32_t w;

	if (dp->id || dp->d->nworkers <= 1) {
		dp_cmd(dp, cmd);
		return true;
	}
	switch (cmd->type) {
	case DP_CMD_INSTALL:
		w = dp_worker_of(dp, cmd->worker);
		if (!dp_hub_pass(dp, w, cmd))
			return false;
		if (cmd->slot < cmd->ctx->geom.max_flows)
			cmd->ctx->slot_worker[cmd->slot] = (uint8_t)w;
		return true;
	case DP_CMD_REINJECT:
	case DP_CMD_SPLICE:
		return dp_hub_pass(dp, dp_worker_of(dp, cmd->worker), cmd);
	case DP_CMD_BUMP:
		w = cmd->slot < cmd->ctx->geom.max_flows ? cmd->ctx->slot_worker[cmd->slot] : 0;
		return dp_hub_pass(dp, w, cmd);
	case DP_CMD_CTX_DEAD:
	case DP_CMD_STOP:
		return dp_hub_all(dp, cmd);
	default:
		dp_cmd(dp, cmd);
		return true;
	}
}

bool dp_hub_bump(struct dp *dp, struct app_ctx *c, const struct xtoe_bump *b)
{
	uint32_t w = b->flow < c->geom.max_flows && dp->d->nworkers > 1 ?
		     c->slot_worker[b->flow] : 0;
	struct dp_cmd cmd;

	if (!w) {
		dp_bump(dp, c, b);
		return true;
	}
	memset(&cmd, 0, offsetof(struct dp_cmd, conn));
	cmd.type = DP_CMD_APP_BUMP;
	cmd.ctx = c;
	cmd.slot = b->flow;
	cmd.gen = b->gen;
	cmd.bump = b->type;
	return dp_hub_pass(dp, w, &cmd);
}

/* Wake the workers the hub gave work this round. */
void dp_hub_wake(struct dp *dp)
{
	while (dp->wake_workers) {
		uint32_t w = (uint32_t)__builtin_ctz(dp->wake_workers);

		dp->wake_workers &= dp->wake_workers - 1;
		wake_sleeper(&dp->d->wk[w].sleeping, dp->d->wk[w].efd);
	}
}

/* This worker is done with a dead context; the last one hands it back. */
void dp_ctx_let_go(struct dp *dp, struct app_ctx *c)
{
	if (atomic_fetch_sub_explicit(&c->dp_holders, 1, memory_order_acq_rel) == 1)
		dp_note_push(dp, &(struct cp_note){ .type = CP_NOTE_CTX_RELEASED, .ctx = c });
}
