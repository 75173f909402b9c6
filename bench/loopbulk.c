/* SPDX-License-Identifier: MIT */
/*
 * One bulk flow between two whole daemons in one process, over the loopback
 * port (test/unit/loopnet.h): no kernel, namespace or veth, so the figure is
 * xtoe's own work. Run under callgrind by bench/profile.sh for instruction
 * counts per MiB; alone it prints the in-process rate.
 *
 *   loopbulk [MIB]        (default 64)
 * Prints `name value unit` lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "loopnet.h"

#define PORT 7300
#define T_MS 120000

/* No polling spins: callgrind counts work, not waiting. */
static void tune(struct xtoed_cfg *c)
{
	c->spin_us = 0;
	c->busy_poll = false;
	c->rx_size = c->tx_size = 256 * 1024;
}

static int stream(struct loop_waiter *w, struct xtoe_conn *tx, struct xtoe_conn *rx,
		  size_t total)
{
	enum { CHUNK = 1 << 20 };
	uint8_t *src = malloc(CHUNK), *dst = malloc(CHUNK);
	int err = src && dst ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < CHUNK; i++)
		src[i] = (uint8_t)(i * 31 + 7);
	for (size_t done = 0; !err && done < total; done += CHUNK) {
		err = loop_xfer(w, tx, src, rx, dst, CHUNK, T_MS);
		if (!err && memcmp(src, dst, CHUNK))
			err = -EIO;
	}
	free(src);
	free(dst);
	return err;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	struct sockaddr_in dst;
	struct xtoe_listener *l = NULL;
	struct xtoe_conn *c = NULL, *s = NULL;
	struct loop_waiter w = { .n = 2 };
	struct loopnet n;
	uint64_t t0, t1;
	int err;

	if (!mib || mib > 4096) {
		fprintf(stderr, "loopbulk: MIB must be 1..4096\n");
		return 2;
	}
	err = loopnet_up(&n, tune);
	if (!err)
		err = xtoe_ctx_open(&w.ctx[0], n.a.sock) ?: xtoe_ctx_open(&w.ctx[1], n.b.sock);
	dst = loopnet_at(n.b_addr, PORT);
	if (!err)
		err = xtoe_listen(w.ctx[1], &dst, 16, &l);
	if (!err)
		err = loop_connect(&w, w.ctx[0], &dst, &c, T_MS) ?: loop_accept(&w, l, &s, T_MS);
	t0 = now_ms();
	if (!err)
		err = stream(&w, c, s, mib << 20);
	t1 = now_ms();
	if (err) {
		fprintf(stderr, "loopbulk: %s\n", strerror(-err));
	} else {
		printf("loop_bytes %zu MiB\n", mib);
		printf("loop_goodput %.1f Mbit/s\n",
		       (double)(mib << 20) * 8 / 1e3 / (double)(t1 - t0 ? t1 - t0 : 1));
	}
	loop_close_all(&n, &w, l, c, s);
	return err ? 1 : 0;
}
