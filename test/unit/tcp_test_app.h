/* SPDX-License-Identifier: MIT */
/*
 * The application side of a connection's rings for tests, the simulator
 * and the fuzzer: plain counters behind struct tcp_app_ops, named as in
 * the daemon's flow slot.
 */
#ifndef XTOE_TCP_TEST_APP_H
#define XTOE_TCP_TEST_APP_H

#include <stdatomic.h>

#include "core/tcp.h"

struct tcp_test_app {
	_Atomic uint32_t rx_tail, tx_head; /* the core's */
	_Atomic uint32_t rx_head, tx_tail; /* the application's */
	bool hints;                        /* tx_push/tx_flags below count */
	_Atomic uint32_t tx_push, tx_flags;
	_Atomic uint32_t tx_limit;         /* the core's (autotuning) */
};

static uint32_t test_app_rx_head(void *a)
{
	return atomic_load(&((struct tcp_test_app *)a)->rx_head);
}

static uint32_t test_app_tx_tail(void *a)
{
	return atomic_load(&((struct tcp_test_app *)a)->tx_tail);
}

static void test_app_rx_tail_set(void *a, uint32_t v)
{
	atomic_store(&((struct tcp_test_app *)a)->rx_tail, v);
}

static void test_app_tx_head_set(void *a, uint32_t v)
{
	atomic_store(&((struct tcp_test_app *)a)->tx_head, v);
}

static uint32_t test_app_tx_push(void *a)
{
	struct tcp_test_app *t = a;

	return t->hints ? atomic_load(&t->tx_push) : atomic_load(&t->tx_tail);
}

static uint32_t test_app_tx_flags(void *a)
{
	struct tcp_test_app *t = a;

	return t->hints ? atomic_load(&t->tx_flags) : 0;
}

static void test_app_tx_limit_set(void *a, uint32_t v)
{
	atomic_store(&((struct tcp_test_app *)a)->tx_limit, v);
}

static const struct tcp_app_ops test_app_ops = {
	.tx_limit_set = test_app_tx_limit_set,
	.tx_push = test_app_tx_push,
	.tx_flags = test_app_tx_flags,
	.rx_head = test_app_rx_head,
	.tx_tail = test_app_tx_tail,
	.rx_tail_set = test_app_rx_tail_set,
	.tx_head_set = test_app_tx_head_set,
};

/* Attach c to rings rx (rx_size) and tx (tx_size) with counters in a. */
static inline void test_attach(struct tcp_conn *c, struct tcp_test_app *a,
			       uint8_t *rx, uint32_t rx_size, uint8_t *tx,
			       uint32_t tx_size)
{
	struct tcp_bufs b = { .rx = rx, .tx = tx, .rx_size = rx_size,
			      .tx_size = tx_size, .ops = &test_app_ops, .app = a };

	tcp_conn_attach(c, &b);
}

/* c in ESTABLISHED right after a handshake of iss and irs: every send
 * and receive sequence variable at the first data byte, the peer's window
 * snd_wnd, ours the whole receive ring of rx_size bytes. */
static inline void test_established(struct tcp_conn *c, uint32_t iss, uint32_t irs,
				    uint32_t snd_wnd, uint32_t rx_size)
{
	c->state = TCP_ESTABLISHED;
	c->iss = iss;
	c->snd_una = c->snd_nxt = c->snd_max = c->snd_recover = iss + 1;
	c->snd_wnd = c->max_snd_wnd = snd_wnd;
	c->snd_wl1 = irs + 1;
	c->snd_wl2 = iss + 1;
	c->irs = irs;
	c->rcv_nxt = c->last_ack_sent = irs + 1;
	c->rcv_adv = irs + 1 + rx_size;
}

#endif /* XTOE_TCP_TEST_APP_H */
