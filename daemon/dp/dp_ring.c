/* SPDX-License-Identifier: MIT */
/*
 * The TCP core's view of an application's rings (struct tcp_app_ops): the
 * counters of the flow slot in the context's shared memory
 * (common/shm.h). The application writes rx_head and tx_tail; the core's
 * rx_tail and tx_head are published with release so that the bytes they
 * cover are visible first.
 */
#include "dp.h"

static uint32_t slot_rx_head(void *app)
{
	struct xtoe_flow_shm *sh = app;

	return atomic_load_explicit(&sh->rx_head, memory_order_acquire);
}

static uint32_t slot_tx_tail(void *app)
{
	struct xtoe_flow_shm *sh = app;

	return atomic_load_explicit(&sh->tx_tail, memory_order_acquire);
}

static void slot_rx_tail_set(void *app, uint32_t tail)
{
	struct xtoe_flow_shm *sh = app;

	atomic_store_explicit(&sh->rx_tail, tail, memory_order_release);
}

static void slot_tx_head_set(void *app, uint32_t head)
{
	struct xtoe_flow_shm *sh = app;

	atomic_store_explicit(&sh->tx_head, head, memory_order_release);
}

static void slot_tx_limit_set(void *app, uint32_t limit)
{
	struct xtoe_flow_shm *sh = app;

	atomic_store_explicit(&sh->tx_limit, limit, memory_order_relaxed);
}

static uint32_t slot_tx_push(void *app)
{
	struct xtoe_flow_shm *sh = app;

	return atomic_load_explicit(&sh->tx_push, memory_order_acquire);
}

static uint32_t slot_tx_flags(void *app)
{
	struct xtoe_flow_shm *sh = app;

	return atomic_load_explicit(&sh->tx_flags, memory_order_relaxed) &
	       XTOE_TX_NAGLE ? TCP_APP_NAGLE : 0;
}

static const struct tcp_app_ops slot_ops = {
	.tx_push = slot_tx_push,
	.tx_flags = slot_tx_flags,
	.rx_head = slot_rx_head,
	.tx_tail = slot_tx_tail,
	.rx_tail_set = slot_rx_tail_set,
	.tx_head_set = slot_tx_head_set,
	.tx_limit_set = slot_tx_limit_set,
};

void dp_ring_bufs(struct app_ctx *c, uint32_t slot, struct tcp_bufs *b)
{
	const struct xtoe_shm_hdr *g = &c->geom;

	b->rx = c->base + xtoe_shm_rx_off(g, slot);
	b->tx = c->base + xtoe_shm_tx_off(g, slot);
	b->rx_size = g->rx_size;
	b->tx_size = g->tx_size;
	b->ops = &slot_ops;
	b->app = &c->slots[slot];
}
