/* SPDX-License-Identifier: MIT */
/*
 * Closed-loop RPC over one connection between two whole daemons in one
 * process, over the loopback port (test/unit/loopnet.h): host A's
 * application sends SIZE bytes, host B's application echoes them, A checks
 * the echo, N times. No kernel, namespace or veth: the figure is xtoe's own
 * work. bench/rpcprofile.sh runs it under callgrind for instructions per
 * request; alone it prints the in-process round trip.
 *
 *   looprpc [REQUESTS [SIZE]]     (default 10000 64)
 * Prints `name value unit` lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "loopnet.h"

#define PORT 7301
#define T_MS 120000

/* No polling spins anywhere: callgrind counts work, not waiting. */
static void tune(struct xtoed_cfg *c)
{
	c->spin_us = 0;
	c->busy_poll = false;
}

/* Send all of buf (it fits the send ring: the previous echo emptied it). */
static int send_all(struct xtoe_conn *c, const uint8_t *buf, size_t len)
{
	ssize_t k = xtoe_send(c, buf, len);

	return k == (ssize_t)len ? 0 : k < 0 ? (int)k : -EMSGSIZE;
}

/* Receive len bytes on c, sleeping in its context's xtoe_wait between:
 * one wake-up per message, as an application blocking on it. */
static int recv_all(struct xtoe_ctx *ctx, struct xtoe_conn *c, uint8_t *buf, size_t len)
{
	uint64_t end = now_ms() + T_MS;
	struct xtoe_event ev[8];
	size_t got = 0;

	while (got < len && now_ms() < end) {
		ssize_t k = xtoe_recv(c, buf + got, len - got);

		if (k > 0)
			got += (size_t)k;
		else if (k == 0)
			return -ECONNRESET;
		else if (k != -EAGAIN)
			return (int)k;
		else if (xtoe_wait(ctx, ev, 8, 100) < 0)
			return -EIO;
	}
	return got < len ? -ETIMEDOUT : 0;
}

/* One request and its echo, checked. */
static int one_rpc(struct loop_waiter *w, struct xtoe_conn *c, struct xtoe_conn *s,
		   uint8_t *req, uint8_t *mid, uint8_t *back, size_t size)
{
	int err = send_all(c, req, size) ?: recv_all(w->ctx[1], s, mid, size) ?:
		  send_all(s, mid, size) ?: recv_all(w->ctx[0], c, back, size);

	return err ?: memcmp(req, back, size) ? -EIO : 0;
}

static int rpcs(struct loop_waiter *w, struct xtoe_conn *c, struct xtoe_conn *s,
		unsigned long n, size_t size)
{
	uint8_t *req = malloc(size), *mid = malloc(size), *back = malloc(size);
	int err = req && mid && back ? 0 : -ENOMEM;

	for (unsigned long i = 0; !err && i < n; i++) {
		for (size_t k = 0; k < size; k++)
			req[k] = (uint8_t)(i * 131 + k);
		err = one_rpc(w, c, s, req, mid, back, size);
	}
	free(req);
	free(mid);
	free(back);
	return err;
}

static int open_pair(struct loopnet *n, struct loop_waiter *w, struct xtoe_listener **l,
		     struct xtoe_conn **c, struct xtoe_conn **s)
{
	struct sockaddr_in dst = loopnet_at(n->b_addr, PORT);
	int err = xtoe_ctx_open(&w->ctx[0], n->a.sock) ?: xtoe_ctx_open(&w->ctx[1], n->b.sock);

	if (err)
		return err;
	xtoe_ctx_set_spin_us(w->ctx[0], 0);
	xtoe_ctx_set_spin_us(w->ctx[1], 0);
	return xtoe_listen(w->ctx[1], &dst, 16, l) ?:
	       loop_connect(w, w->ctx[0], &dst, c, T_MS) ?: loop_accept(w, *l, s, T_MS);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	struct xtoe_listener *l = NULL;
	struct xtoe_conn *c = NULL, *s = NULL;
	struct loop_waiter w = { .n = 2 };
	struct loopnet net;
	uint64_t t0, t1;
	int err;

	if (!n || n > 10000000 || !size || size > 65536) {
		fprintf(stderr, "looprpc: REQUESTS must be 1..10000000, SIZE 1..65536\n");
		return 2;
	}
	err = loopnet_up(&net, tune);
	if (!err)
		err = open_pair(&net, &w, &l, &c, &s);
	t0 = now_ms();
	if (!err)
		err = rpcs(&w, c, s, n, size);
	t1 = now_ms();
	if (err)
		fprintf(stderr, "looprpc: %s\n", strerror(-err));
	else
		printf("loop_rpc_rtt %.1f us\n", (double)(t1 - t0) * 1e3 / (double)n);
	loop_close_all(&net, &w, l, c, s);
	return err ? 1 : 0;
}
