/* SPDX-License-Identifier: MIT */
/*
 * Two in-process daemons (loopnet.h) with a libxtoe context on each, a
 * listener on B, and a checked echo A -> B -> A: what the in-process
 * daemon tests share.
 */
#ifndef XTOE_TEST_LOOP_PAIR_H
#define XTOE_TEST_LOOP_PAIR_H

#include "check.h"
#include "common/ctl.h"
#include "common/proto.h"
#include "common/tools.h"
#include "loopnet.h"

#define T_MS 20000 /* any single wait; generous for a loaded machine */

/* Connections (not listeners) the daemon at sock still lists. */
static inline int conns_of(const char *sock)
{
	struct xtoe_resp r;
	int fd, n = -1;

	if (xctl_ask_fd(sock, XTOE_OP_CONNS, &r, &fd))
		return -1;
	if (fd >= 0) {
		struct xtoe_stat_conn c;

		n = 0;
		for (uint32_t i = 0; i < r.val; i++)
			if (pread(fd, &c, sizeof(c), (off_t)(i * sizeof(c))) == sizeof(c) &&
			    strcmp(c.state, "LISTEN"))
				n++;
		close(fd);
	}
	return n;
}

/* The daemon at sock's counters (xtoectl stats): its data-path's sums
 * and per-worker records. */
static inline bool worker_stats(const char *sock, struct xtoe_stat_dp *s)
{
	struct xtoe_resp r;
	int fd;
	bool ok;

	if (xctl_ask_fd(sock, XTOE_OP_STATS, &r, &fd) || fd < 0)
		return false;
	ok = pread(fd, s, sizeof(*s), 0) == sizeof(*s);
	close(fd);
	return ok;
}

/* Until the daemon lists no connection (TIME-WAIT is 100 ms here). */
static inline bool conns_drain(struct loop_waiter *w, const char *sock)
{
	uint64_t end = now_ms() + T_MS;

	while (conns_of(sock) != 0 && now_ms() < end) {
		if (w)
			loop_pump(w);
		else
			usleep(2000);
	}
	return conns_of(sock) == 0;
}

static inline void fill(uint8_t *b, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

struct pair {
	struct loopnet n;
	struct xtoe_ctx *ca, *cb;
	struct xtoe_listener *l;
	struct loop_waiter w;
};

/* Contexts on both daemons of p->n (already up), a listener on B. */
static inline void pair_open(struct pair *p, uint16_t port)
{
	struct sockaddr_in at;

	REQUIRE(xtoe_ctx_open(&p->ca, p->n.a.sock) == 0);
	REQUIRE(xtoe_ctx_open(&p->cb, p->n.b.sock) == 0);
	at = loopnet_at(p->n.b_addr, port);
	REQUIRE(xtoe_listen(p->cb, &at, 128, &p->l) == 0);
	p->w = (struct loop_waiter){ .ctx = { p->ca, p->cb }, .n = 2 };
}

static inline void pair_up(struct pair *p, uint16_t port)
{
	REQUIRE(loopnet_up(&p->n, NULL) == 0);
	pair_open(p, port);
}

/* Contexts and listener closed, daemons left running. */
static inline void pair_close(struct pair *p)
{
	if (p->l)
		xtoe_listener_close(p->l);
	if (p->ca)
		xtoe_ctx_close(p->ca);
	if (p->cb)
		xtoe_ctx_close(p->cb);
	p->l = NULL;
	p->ca = p->cb = NULL;
}

static inline void pair_down(struct pair *p)
{
	pair_close(p);
	loopnet_down(&p->n);
}

/* One connection A -> B, checked both ways, then closed from both ends. */
static inline void echo_once(struct pair *p, uint16_t port, size_t len, uint32_t seed)
{
	struct sockaddr_in dst = loopnet_at(p->n.b_addr, port);
	struct xtoe_conn *c = NULL, *s = NULL;
	uint8_t *out = malloc(len), *mid = malloc(len), *back = malloc(len);

	REQUIRE(out && mid && back);
	fill(out, len, seed);
	REQUIRE(loop_connect(&p->w, p->ca, &dst, &c, T_MS) == 0);
	REQUIRE(loop_accept(&p->w, p->l, &s, T_MS) == 0);
	CHECK_EQ(loop_xfer(&p->w, c, out, s, mid, len, T_MS), 0);
	CHECK(!memcmp(out, mid, len));
	CHECK_EQ(loop_xfer(&p->w, s, mid, c, back, len, T_MS), 0);
	CHECK(!memcmp(out, back, len));
	xtoe_close(c);                           /* FIN from A */
	CHECK_EQ(loop_recv_end(&p->w, s, T_MS), 0); /* B reads the end */
	xtoe_close(s);
	free(out);
	free(mid);
	free(back);
}

/* The line examples/cmodules/segstat.c wrote at path (then removed) into
 * v[9]: rx_segs rx_bytes tx_segs tx_bytes syn fin rst opens closes. The
 * number of values read (9) or -1. */
static inline int segstat_read(const char *path, unsigned long *v)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "segstat rx_segs %lu rx_bytes %lu tx_segs %lu tx_bytes %lu "
		   "syn %lu fin %lu rst %lu opens %lu closes %lu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]);
	fclose(f);
	unlink(path);
	return n;
}

/* n connections c[i] (A) accepted as s[i] (B), in any order: A sends
 * each its own bytes, B echoes, A checks them (so each pair is matched by
 * its data, every byte in order); then all closed and drained. */
static inline void echo_many(struct pair *p, struct xtoe_conn **c, struct xtoe_conn **s,
			     int n)
{
	uint8_t out[1024], in[1024];

	for (int i = 0; i < n; i++) {
		fill(out, sizeof(out), (uint32_t)i);
		CHECK_EQ(loop_xfer(&p->w, c[i], out, NULL, NULL, sizeof(out), T_MS), 0);
	}
	for (int i = 0; i < n; i++) {
		CHECK_EQ(loop_xfer(&p->w, NULL, NULL, s[i], in, sizeof(in), T_MS), 0);
		CHECK_EQ(loop_xfer(&p->w, s[i], in, NULL, NULL, sizeof(in), T_MS), 0);
	}
	for (int i = 0; i < n; i++) {
		CHECK_EQ(loop_xfer(&p->w, NULL, NULL, c[i], in, sizeof(in), T_MS), 0);
		fill(out, sizeof(out), (uint32_t)i);
		CHECK(!memcmp(in, out, sizeof(in)));
	}
	for (int i = 0; i < n; i++) {
		xtoe_close(c[i]);
		xtoe_close(s[i]);
	}
	CHECK(conns_drain(&p->w, p->n.a.sock));
	CHECK(conns_drain(&p->w, p->n.b.sock));
}

#endif /* XTOE_TEST_LOOP_PAIR_H */
