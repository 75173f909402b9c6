/* SPDX-License-Identifier: MIT */
/* libxtoe against an in-process fake daemon (fake_daemon.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xtoe/xtoe.h>

#include "check.h"
#include "fake_daemon.h"

#define PORT 7000

struct env {
	struct fake f;
	struct xtoe_ctx *ctx;
	struct xtoe_listener *l;
	struct xtoe_conn *a, *b; /* a connected to b */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in loop_addr(uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

/* Wait for an event on obj (conn or listener) with any of bits set. */
static uint32_t wait_for(struct xtoe_ctx *ctx, void *obj, uint32_t bits, int *err)
{
	struct xtoe_event evs[16];
	double end = now_s() + 5;

	while (now_s() < end) {
		int n = xtoe_wait(ctx, evs, 16, 1000);

		if (n < 0)
			return 0;
		for (int i = 0; i < n; i++) {
			if ((evs[i].conn == obj || (void *)evs[i].listener == obj) &&
			    (evs[i].events & bits)) {
				if (err)
					*err = evs[i].err;
				return evs[i].events;
			}
		}
	}
	return 0;
}

static void env_open(struct env *e, uint32_t ring)
{
	struct sockaddr_in any = loop_addr(PORT), dst = loop_addr(PORT);
	int err = 0;

	REQUIRE(fake_start(&e->f, ring) == 0);
	REQUIRE(xtoe_ctx_open(&e->ctx, e->f.path) == 0);
	any.sin_addr.s_addr = INADDR_ANY;
	REQUIRE(xtoe_listen(e->ctx, &any, 16, &e->l) == 0);
	REQUIRE(xtoe_connect(e->ctx, &dst, &e->a) == 0);
	CHECK_EQ(xtoe_conn_error(e->a), -EINPROGRESS);
	REQUIRE(wait_for(e->ctx, e->a, XTOE_EV_CONNECTED, &err));
	CHECK_EQ(err, 0);
	CHECK_EQ(xtoe_conn_error(e->a), 0);
	if (xtoe_accept(e->l, &e->b) == -EAGAIN)
		REQUIRE(wait_for(e->ctx, e->l, XTOE_EV_ACCEPTABLE, NULL));
	if (!e->b)
		REQUIRE(xtoe_accept(e->l, &e->b) == 0);
	CHECK_EQ(xtoe_conn_error(e->b), 0);
}

static void env_close(struct env *e)
{
	xtoe_ctx_close(e->ctx);
	fake_stop(&e->f);
}

/* Receive exactly len bytes, waiting as needed. */
static int recv_all(struct env *e, struct xtoe_conn *c, uint8_t *buf, size_t len)
{
	struct xtoe_event evs[16];
	size_t got = 0;

	while (got < len) {
		ssize_t n = xtoe_recv(c, buf + got, len - got);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n != -EAGAIN)
			return (int)n;
		if (xtoe_wait(e->ctx, evs, 16, 2000) <= 0)
			return -ETIMEDOUT;
	}
	return 0;
}

static void send_all(struct env *e, struct xtoe_conn *c, const uint8_t *buf, size_t len)
{
	struct xtoe_event evs[16];
	size_t done = 0;

	while (done < len) {
		ssize_t n = xtoe_send(c, buf + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		REQUIRE(n == -EAGAIN);
		REQUIRE(xtoe_wait(e->ctx, evs, 16, 2000) > 0);
	}
}

static void test_open_errors(void)
{
	struct xtoe_ctx *ctx = (void *)1;

	unsetenv(XTOE_SOCK_ENV);
	CHECK_EQ(xtoe_ctx_open(&ctx, NULL), -EINVAL);
	CHECK(ctx == NULL);
	CHECK(strstr(xtoe_strerror(NULL), XTOE_SOCK_ENV) != NULL);
	CHECK_EQ(xtoe_ctx_open(&ctx, "/nonexistent/xtoe.sock"), -ENOENT);
	CHECK(strstr(xtoe_strerror(NULL), "/nonexistent/xtoe.sock") != NULL);
}

static void test_hello_mapping(void)
{
	struct fake f;
	struct xtoe_ctx *ctx;
	struct xtoe_event ev;

	REQUIRE(fake_start(&f, 4096) == 0);
	setenv(XTOE_SOCK_ENV, f.path, 1);
	CHECK_EQ(xtoe_ctx_open(&ctx, NULL), 0);
	unsetenv(XTOE_SOCK_ENV);
	if (ctx) {
		CHECK(xtoe_ctx_fd(ctx) >= 0);
		CHECK_EQ(xtoe_wait(ctx, &ev, 1, 0), 0);
		CHECK_EQ(xtoe_wait(ctx, &ev, 1, 20), 0);
		xtoe_ctx_close(ctx);
	}
	fake_stop(&f);
}

static void test_connect_accept(void)
{
	struct env e = { 0 };
	struct sockaddr_in la, pa, lb, pb;

	env_open(&e, 4096);
	xtoe_conn_addrs(e.a, &la, &pa);
	xtoe_conn_addrs(e.b, &lb, &pb);
	CHECK_EQ(pa.sin_port, htons(PORT));
	CHECK_EQ(lb.sin_port, htons(PORT));
	CHECK_EQ(pb.sin_port, la.sin_port);
	CHECK_EQ(pb.sin_addr.s_addr, la.sin_addr.s_addr);
	env_close(&e);
}

static void test_connect_refused(void)
{
	struct env e = { 0 };
	struct sockaddr_in dst = loop_addr(PORT + 1);
	struct xtoe_conn *c;
	int err = 0;

	env_open(&e, 4096);
	REQUIRE(xtoe_connect(e.ctx, &dst, &c) == 0);
	CHECK(wait_for(e.ctx, c, XTOE_EV_CONNECTED, &err) & XTOE_EV_HUP);
	CHECK_EQ(err, -ECONNREFUSED);
	CHECK_EQ(xtoe_conn_error(c), -ECONNREFUSED);
	CHECK_EQ(xtoe_send(c, "x", 1), -ECONNREFUSED);
	xtoe_close(c);
	env_close(&e);
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((seed + i) * 2654435761u >> 13);
}

static void test_round_trip_wrap(void)
{
	static uint8_t out[3001], in[3001], back[3001];
	struct env e = { 0 };

	env_open(&e, 4096);
	xtoe_conn_set_user(e.a, &e);
	CHECK(xtoe_conn_user(e.a) == &e);
	for (uint32_t r = 0; r < 50; r++) {
		fill(out, sizeof(out), r);
		send_all(&e, e.a, out, sizeof(out));
		REQUIRE(recv_all(&e, e.b, in, sizeof(in)) == 0);
		REQUIRE(memcmp(in, out, sizeof(in)) == 0);
		send_all(&e, e.b, in, sizeof(in));
		REQUIRE(recv_all(&e, e.a, back, sizeof(back)) == 0);
		REQUIRE(memcmp(back, out, sizeof(back)) == 0);
	}
	CHECK_EQ(xtoe_rx_avail(e.a), 0);
	CHECK_EQ(xtoe_tx_space(e.a), 4096);
	env_close(&e);
}

static bool large_step(struct env *e, const uint8_t *src, size_t total,
		       size_t *sent, size_t *rcvd, int *eagain)
{
	static uint8_t buf[1500];
	bool progress = false;
	ssize_t n;

	while (*sent < total && (n = xtoe_send(e->a, src + *sent, total - *sent)) > 0) {
		*sent += (size_t)n;
		progress = true;
	}
	if (*sent < total)
		(*eagain)++;
	while ((n = xtoe_recv(e->b, buf, sizeof(buf))) > 0) {
		REQUIRE(memcmp(buf, src + *rcvd, (size_t)n) == 0);
		*rcvd += (size_t)n;
		progress = true;
	}
	REQUIRE(n == -EAGAIN || *rcvd == total);
	return progress;
}

static void test_large_transfer(void)
{
	const size_t total = 8u << 20;
	uint8_t *src = malloc(total);
	struct xtoe_event evs[16];
	struct env e = { 0 };
	size_t sent = 0, rcvd = 0;
	int eagain = 0, writable = 0;

	REQUIRE(src);
	fill(src, total, 7);
	env_open(&e, 4096);
	while (rcvd < total) {
		int n;

		if (large_step(&e, src, total, &sent, &rcvd, &eagain))
			continue;
		n = xtoe_wait(e.ctx, evs, 16, 2000);
		REQUIRE(n > 0);
		for (int i = 0; i < n; i++)
			writable += evs[i].conn == e.a && (evs[i].events & XTOE_EV_WRITABLE);
	}
	CHECK_EQ(rcvd, total);
	CHECK(eagain > 0);
	CHECK(writable > 0);
	env_close(&e);
	free(src);
}

static void test_eof_after_shutdown(void)
{
	struct env e = { 0 };
	uint8_t buf[16];
	int err = 0;

	env_open(&e, 4096);
	CHECK_EQ(xtoe_send(e.a, "hello", 5), 5);
	CHECK_EQ(xtoe_shutdown(e.a), 0);
	CHECK_EQ(xtoe_send(e.a, "x", 1), -EPIPE);
	REQUIRE(recv_all(&e, e.b, buf, 5) == 0);
	CHECK(memcmp(buf, "hello", 5) == 0);
	if (xtoe_recv(e.b, buf, sizeof(buf)) == -EAGAIN)
		CHECK(wait_for(e.ctx, e.b, XTOE_EV_HUP, &err));
	CHECK_EQ(err, 0);
	CHECK_EQ(xtoe_recv(e.b, buf, sizeof(buf)), 0);
	/* The other direction still works. */
	CHECK_EQ(xtoe_send(e.b, "ok", 2), 2);
	REQUIRE(recv_all(&e, e.a, buf, 2) == 0);
	CHECK(memcmp(buf, "ok", 2) == 0);
	env_close(&e);
}

static void test_reset(void)
{
	struct env e = { 0 };
	uint8_t buf[16];
	int err = 0;

	env_open(&e, 4096);
	xtoe_abort(e.a);
	CHECK(wait_for(e.ctx, e.b, XTOE_EV_HUP, &err) & XTOE_EV_READABLE);
	CHECK_EQ(err, -ECONNRESET);
	CHECK_EQ(xtoe_recv(e.b, buf, sizeof(buf)), -ECONNRESET);
	CHECK_EQ(xtoe_send(e.b, buf, 1), -ECONNRESET);
	CHECK_EQ(xtoe_conn_error(e.b), -ECONNRESET);
	env_close(&e);
}

static void test_daemon_death(void)
{
	struct env e = { 0 };
	struct xtoe_event ev;
	uint8_t buf[4];
	int rc, rounds = 0;

	env_open(&e, 4096);
	fake_die(&e.f);
	/* Events queued before the death come first. */
	while ((rc = xtoe_wait(e.ctx, &ev, 1, 5000)) > 0 && rounds++ < 10)
		;
	CHECK_EQ(rc, -ECONNRESET);
	CHECK(strstr(xtoe_strerror(e.ctx), "daemon") != NULL);
	CHECK_EQ(xtoe_recv(e.b, buf, sizeof(buf)), -ECONNRESET);
	CHECK_EQ(xtoe_send(e.a, buf, 1), -ECONNRESET);
	CHECK_EQ(xtoe_conn_error(e.a), -ECONNRESET);
	CHECK_EQ(xtoe_wait(e.ctx, &ev, 1, 0), -ECONNRESET);
	env_close(&e);
}

static void test_stale_events(void)
{
	struct env e = { 0 };
	struct xtoe_event evs[16];
	struct xtoe_conn *extra;
	uint32_t slot = 1, gen; /* the fake daemon gives b slot 1 */
	uint8_t c;

	env_open(&e, 4096);
	while (xtoe_wait(e.ctx, evs, 16, 50) > 0)
		;
	gen = atomic_load(&e.f.flows[slot].gen);
	fake_inject(&e.f, false, &(struct xtoe_ev){ .type = XTOE_EVT_RX, .flow = slot, .gen = gen + 1 });
	fake_inject(&e.f, false, &(struct xtoe_ev){ .type = XTOE_EVT_STATUS, .flow = slot, .gen = gen - 1 });
	fake_inject(&e.f, true, &(struct xtoe_ev){ .type = XTOE_EVT_FREED, .flow = slot, .gen = gen + 1 });
	fake_inject(&e.f, true, &(struct xtoe_ev){ .type = XTOE_EVT_ACCEPT, .flow = 5, .gen = 77, .arg = 1 });
	fake_inject(&e.f, false, &(struct xtoe_ev){ .type = XTOE_EVT_RX, .flow = 9999, .gen = 1 });
	CHECK_EQ(xtoe_wait(e.ctx, evs, 16, 200), 0);
	CHECK_EQ(xtoe_accept(e.l, &extra), -EAGAIN);
	CHECK_EQ(xtoe_conn_error(e.b), 0);
	/* A current event still gets through. */
	fake_inject(&e.f, false, &(struct xtoe_ev){ .type = XTOE_EVT_RX, .flow = slot, .gen = gen });
	CHECK(wait_for(e.ctx, e.b, XTOE_EV_READABLE, NULL));
	CHECK_EQ(xtoe_send(e.a, "z", 1), 1);
	CHECK_EQ(recv_all(&e, e.b, &c, 1), 0);
	CHECK_EQ(c, 'z');
	env_close(&e);
}

/* The send buffer is the data-path's autotuned limit (the flow slot's
 * tx_limit), not the ring: a write queues up to it and no further;
 * 0 (an older daemon) is the ring. */
static void test_tx_space_is_the_published_limit(void)
{
	static uint8_t out[6000];
	struct env e = { 0 };

	env_open(&e, 65536);
	for (int i = 0; i < FAKE_MAX_FLOWS; i++)
		atomic_store(&e.f.flows[i].tx_limit, 4000);
	CHECK_EQ(xtoe_tx_space(e.a), 4000);
	CHECK_EQ(xtoe_send(e.a, out, sizeof(out)), 4000);
	for (int i = 0; i < FAKE_MAX_FLOWS; i++)
		atomic_store(&e.f.flows[i].tx_limit, 0);
	CHECK(xtoe_tx_space(e.a) >= 65536 - 4000);
	env_close(&e);
}

static void test_ctx_fd_signals(void)
{
	struct env e = { 0 };
	struct xtoe_event evs[16];
	struct pollfd p;

	env_open(&e, 4096);
	p = (struct pollfd){ .fd = xtoe_ctx_fd(e.ctx), .events = POLLIN };
	while (xtoe_wait(e.ctx, evs, 16, 0) > 0)
		;
	CHECK_EQ(xtoe_send(e.a, "q", 1), 1);
	CHECK_EQ(poll(&p, 1, 2000), 1);
	CHECK(xtoe_wait(e.ctx, evs, 16, 0) > 0);
	env_close(&e);
}

static void test_pingpong_no_lost_wakeup(void)
{
	const int iters = 100000;
	struct env e = { 0 };
	double t0;
	uint8_t c = 0;
	int i;

	env_open(&e, 4096);
	xtoe_ctx_set_spin_us(e.ctx, 0);
	t0 = now_s();
	for (i = 0; i < iters && now_s() - t0 < 20; i++) {
		uint8_t x = (uint8_t)i, y;

		REQUIRE(xtoe_send(e.a, &x, 1) == 1);
		REQUIRE(recv_all(&e, e.b, &y, 1) == 0);
		REQUIRE(y == x);
		REQUIRE(xtoe_send(e.b, &y, 1) == 1);
		REQUIRE(recv_all(&e, e.a, &c, 1) == 0);
		REQUIRE(c == x);
	}
	CHECK_EQ(i, iters);
	printf("# pingpong: %d round trips in %.2f s\n", i, now_s() - t0);
	env_close(&e);
}

int main(void)
{
	RUN(test_open_errors);
	RUN(test_hello_mapping);
	RUN(test_connect_accept);
	RUN(test_connect_refused);
	RUN(test_round_trip_wrap);
	RUN(test_large_transfer);
	RUN(test_eof_after_shutdown);
	RUN(test_reset);
	RUN(test_daemon_death);
	RUN(test_stale_events);
	RUN(test_tx_space_is_the_published_limit);
	RUN(test_ctx_fd_signals);
	RUN(test_pingpong_no_lost_wakeup);
	return check_summary();
}
