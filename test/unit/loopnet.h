/* SPDX-License-Identifier: MIT */
/*
 * Two whole daemons in one process, joined by the loopback port
 * (daemon/port/port_loop.c): host A (198.18.10.1) and host B
 * (198.18.10.2), each with its control plane and data-path threads and its
 * unix socket in a temporary directory, so tests drive them through libxtoe
 * exactly as applications do, with no kernel, namespace or veth involved.
 *
 *   struct loopnet n;
 *   REQUIRE(loopnet_up(&n, NULL) == 0);
 *   xtoe_ctx_open(&ctx, n.b.sock) ... xtoe_connect(ctx, &n.b_addr...) ...
 *   loopnet_down(&n);
 *
 * Plus small blocking helpers over xtoe_wait() with deadlines, so no test
 * waits for ever.
 */
#ifndef XTOE_TEST_LOOPNET_H
#define XTOE_TEST_LOOPNET_H

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xtoe/xtoe.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/daemon.h"

#define LOOPNET_A_ADDR "198.18.10.1"
#define LOOPNET_B_ADDR "198.18.10.2"

struct loopd {
	struct xtoed d;
	pthread_t th;
	int run_err;
	bool running;
	char sock[108];
};

struct loopnet {
	char dir[64];
	struct port *pa, *pb;
	struct loopd a, b;
	struct sockaddr_in a_addr, b_addr; /* port 0: set sin_port to use */
};

static inline void *loopd_thread(void *arg)
{
	struct loopd *l = arg;

	l->run_err = xtoed_run(&l->d);
	return NULL;
}

/* Small defaults: tests open few connections and want quick TIME-WAITs. */
static inline void loopd_cfg(struct loopd *l, const char *dir, const char *name, uint32_t addr)
{
	struct xtoed_cfg *c = &l->d.cfg;

	xtoed_cfg_defaults(c);
	c->signals = false;
	c->ifname = name;
	c->addr = addr;
	c->prefix = 24;
	c->max_flows = 1024;
	c->ctx_flows = 256;
	c->rx_size = c->tx_size = 64 * 1024;
	c->time_wait_ms = 100;
	c->fw_file[0] = '\0';
	snprintf(l->sock, sizeof(l->sock), "%s/%s.sock", dir, name);
	c->sock_path = l->sock;
}

static inline int loopd_start(struct loopd *l, struct port *p)
{
	int err = xtoed_open(&l->d, p);

	if (err)
		return err;
	err = -pthread_create(&l->th, NULL, loopd_thread, l);
	if (err)
		return err;
	l->running = true;
	/* serving once the socket exists */
	for (int i = 0; i < 5000 && access(l->sock, F_OK); i++)
		usleep(1000);
	return access(l->sock, F_OK) ? -ETIMEDOUT : 0;
}

static inline void loopd_stop(struct loopd *l)
{
	if (l->running) {
		xtoed_request_stop(&l->d);
		pthread_join(l->th, NULL);
		l->running = false;
	}
}

/* tune: adjust both daemons' configuration before they start (or NULL). */
static inline int loopnet_up(struct loopnet *n, void (*tune)(struct xtoed_cfg *))
{
	struct port_loop_cfg ca = { .name = "loopA", .mac = { 2, 0, 0, 0, 0, 0xa } };
	struct port_loop_cfg cb = { .name = "loopB", .mac = { 2, 0, 0, 0, 0, 0xb } };
	int err;

	memset(n, 0, sizeof(*n));
	if (log_level() == LOG_LVL_NOTICE)
		log_set_level(LOG_LVL_WARN);
	snprintf(n->dir, sizeof(n->dir), "/tmp/xtoe-loopnet.XXXXXX");
	if (!mkdtemp(n->dir))
		return -errno;
	n->a_addr.sin_family = n->b_addr.sin_family = AF_INET;
	inet_pton(AF_INET, LOOPNET_A_ADDR, &n->a_addr.sin_addr);
	inet_pton(AF_INET, LOOPNET_B_ADDR, &n->b_addr.sin_addr);
	ca.addr = n->a_addr.sin_addr.s_addr;
	cb.addr = n->b_addr.sin_addr.s_addr;
	loopd_cfg(&n->a, n->dir, "loopA", ca.addr);
	loopd_cfg(&n->b, n->dir, "loopB", cb.addr);
	if (tune) {
		tune(&n->a.d.cfg);
		tune(&n->b.d.cfg);
	}
	ca.lanes = n->a.d.cfg.workers; /* a lane (queue) a worker */
	cb.lanes = n->b.d.cfg.workers;
	err = port_loop_pair(&n->pa, &ca, &n->pb, &cb);
	if (err)
		return err;
	/* an Ethernet link, Linux's default largest receive buffer */
	xtoed_cfg_tcp(&n->a.d.cfg, 1500, 6 << 20);
	xtoed_cfg_tcp(&n->b.d.cfg, 1500, 6 << 20);
	return loopd_start(&n->a, n->pa) ?: loopd_start(&n->b, n->pb);
}

static inline void loopnet_down(struct loopnet *n)
{
	char path[128];

	loopd_stop(&n->a);
	loopd_stop(&n->b);
	xtoed_close(&n->a.d); /* closes its port; the pair goes with the second */
	xtoed_close(&n->b.d);
	snprintf(path, sizeof(path), "%s/loopA.sock", n->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/loopB.sock", n->dir);
	unlink(path);
	rmdir(n->dir);
}

static inline struct sockaddr_in loopnet_at(struct sockaddr_in a, uint16_t port)
{
	a.sin_port = htons(port);
	return a;
}

/* --- blocking helpers over xtoe_wait (deadline in ms; -ETIMEDOUT) ---------- */

struct loop_waiter {
	struct xtoe_ctx *ctx[4];
	int n;
};

/* Let every context process its events once (up to 1 ms each). */
static inline void loop_pump(struct loop_waiter *w)
{
	struct xtoe_event ev[32];

	for (int i = 0; i < w->n; i++)
		xtoe_wait(w->ctx[i], ev, 32, 1);
}

static inline int loop_connect(struct loop_waiter *w, struct xtoe_ctx *ctx,
			const struct sockaddr_in *dst, struct xtoe_conn **out, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	int err = xtoe_connect(ctx, dst, out);

	if (err)
		return err;
	while ((err = xtoe_conn_error(*out)) == -EINPROGRESS && now_ms() < end)
		loop_pump(w);
	return err == -EINPROGRESS ? -ETIMEDOUT : err;
}

static inline int loop_accept(struct loop_waiter *w, struct xtoe_listener *l,
		       struct xtoe_conn **out, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	int err;

	while ((err = xtoe_accept(l, out)) == -EAGAIN && now_ms() < end)
		loop_pump(w);
	return err == -EAGAIN ? -ETIMEDOUT : err;
}

/* Move len bytes from src into a's send ring and b's bytes into dst,
 * pumping until done; each side may be NULL. Returns 0 or -errno. */
static inline int loop_xfer(struct loop_waiter *w, struct xtoe_conn *tx, const uint8_t *src,
		     struct xtoe_conn *rx, uint8_t *dst, size_t len, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	size_t sent = tx ? 0 : len, got = rx ? 0 : len;

	while ((sent < len || got < len) && now_ms() < end) {
		ssize_t k;

		if (sent < len) {
			k = xtoe_send(tx, src + sent, len - sent);
			if (k > 0)
				sent += (size_t)k;
			else if (k != -EAGAIN)
				return (int)k;
		}
		if (got < len) {
			k = xtoe_recv(rx, dst + got, len - got);
			if (k > 0)
				got += (size_t)k;
			else if (k == 0)
				return -ECONNRESET; /* end of stream too early */
			else if (k != -EAGAIN)
				return (int)k;
		}
		loop_pump(w);
	}
	return sent < len || got < len ? -ETIMEDOUT : 0;
}

/* Close what a one-connection run opened (each may be NULL), then the
 * waiter's contexts and both daemons. */
static inline void loop_close_all(struct loopnet *n, struct loop_waiter *w,
				  struct xtoe_listener *l, struct xtoe_conn *c,
				  struct xtoe_conn *s)
{
	if (c)
		xtoe_close(c);
	if (s)
		xtoe_close(s);
	if (l)
		xtoe_listener_close(l);
	for (int i = 0; i < w->n; i++)
		xtoe_ctx_close(w->ctx[i]);
	loopnet_down(n);
}

/* Wait until recv on c stops saying -EAGAIN: 0 (end of stream) or -errno. */
static inline ssize_t loop_recv_end(struct loop_waiter *w, struct xtoe_conn *c, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	uint8_t b[256];
	ssize_t k;

	while ((k = xtoe_recv(c, b, sizeof(b))) == -EAGAIN && now_ms() < end)
		loop_pump(w);
	return k == -EAGAIN ? -ETIMEDOUT : k;
}

#endif /* XTOE_TEST_LOOPNET_H */
