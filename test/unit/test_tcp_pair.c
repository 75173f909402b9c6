/* SPDX-License-Identifier: MIT */
/*
 * Two TCP cores back to back in one process: every segment is built into a
 * real frame, parsed on the other side and fed to its connection, on a
 * virtual clock. Handshake (RFC 9293 3.5), bulk transfer both ways with
 * verification, loss recovery by go-back-N, and an orderly close from both
 * sides (RFC 9293 3.6).
 */
#include <string.h>

#include "check.h"
#include "core/tcp.h"
#include "tcp_test_app.h"

#define RING 65536u
#define FRAME_CAP 2048
#define QLEN 1024
#define RTO_US 200000

struct frame {
	uint8_t b[FRAME_CAP];
	int len;
};

struct fifo {
	struct frame *f;
	unsigned head, tail;
};

struct side {
	struct tcp_conn c;
	struct tcp_test_app shm;
	uint8_t *rx, *tx;
	uint32_t app_sent, app_rcvd; /* bytes queued / verified by the app */
	uint32_t total;              /* bytes to send */
	uint8_t seed;
	bool got_fin, done, reset;
	struct fifo *out;            /* frames towards the other side */
	unsigned sent_frames;
};

struct net {
	struct side a, b;
	struct fifo ab, ba;
	uint64_t now;
	unsigned drop_every; /* drop every Nth data frame, 0: none */
	unsigned data_frames;
};

static uint8_t pattern(uint8_t seed, uint32_t i)
{
	return (uint8_t)(seed + i * 7 + (i >> 11));
}

static void fifo_init(struct fifo *q)
{
	q->f = calloc(QLEN, sizeof(*q->f));
	q->head = q->tail = 0;
}

static struct frame *fifo_push(struct fifo *q)
{
	REQUIRE(q->tail - q->head < QLEN);
	return &q->f[q->tail++ % QLEN];
}

static const struct tcp_endpoints ep_a = {
	.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
	.saddr = 0x0100000a, .daddr = 0x0200000a,
	.sport = 0x3930, .dport = 0x5000,
};
static const struct tcp_endpoints ep_b = {
	.smac = { 2, 0, 0, 0, 0, 2 }, .dmac = { 2, 0, 0, 0, 0, 1 },
	.saddr = 0x0200000a, .daddr = 0x0100000a,
	.sport = 0x5000, .dport = 0x3930,
};
static const struct tcp_open_cfg cfg = {
	.mss = 1448, .rx_size = RING, .timestamps = true, .wscale = true,
};

static void send_hdr(struct side *s, const struct tcp_hdrvals *h)
{
	struct frame *f = fifo_push(s->out);

	f->len = tcp_build_frame(f->b, FRAME_CAP, &s->c.ep, h, NULL, 0);
	REQUIRE(f->len > 0);
	s->sent_frames++;
}

static void send_ack(struct side *s, uint64_t now)
{
	struct tcp_hdrvals h;

	tcp_ack_hdr(&s->c, now, &h);
	send_hdr(s, &h);
}

static void send_data(struct net *n, struct side *s)
{
	struct tcp_txseg seg;

	while (tcp_output_next(&s->c, n->now, &seg)) {
		struct frame *f = fifo_push(s->out);
		int hl = tcp_build_hdr(f->b, FRAME_CAP, &s->c.ep, &seg.h, seg.len);

		REQUIRE(hl > 0);
		tcp_tx_copy(&s->c, seg.tx_pos, seg.len, f->b + hl);
		f->len = hl + seg.len;
		tcp_frame_finish(f->b, (size_t)f->len);
		s->sent_frames++;
		if (seg.len && n->drop_every &&
		    ++n->data_frames % n->drop_every == 0)
			s->out->tail--; /* lost on the wire */
	}
}

/* The application: queue pattern bytes, consume and verify received ones. */
static void app_step(struct side *s)
{
	uint32_t head = atomic_load(&s->shm.tx_head);
	uint32_t tail = atomic_load(&s->shm.rx_tail);

	while (s->app_sent < s->total && s->app_sent - head < RING) {
		s->tx[s->app_sent & (RING - 1)] = pattern(s->seed, s->app_sent);
		s->app_sent++;
	}
	atomic_store(&s->shm.tx_tail, s->app_sent);
	for (; s->app_rcvd != tail; s->app_rcvd++) {
		uint8_t want = pattern((uint8_t)(s->seed ^ 0xff), s->app_rcvd);

		REQUIRE(s->rx[s->app_rcvd & (RING - 1)] == want);
	}
	atomic_store(&s->shm.rx_head, s->app_rcvd);
}

static void deliver(struct net *n, struct side *to, struct frame *f)
{
	struct tcp_seg seg;
	struct tcp_result r;

	REQUIRE(tcp_parse(f->b, (size_t)f->len, &seg, true) == XTOE_DROP_NONE);
	r = tcp_input(&to->c, &seg, n->now);
	if (r.act & TCP_ACT_FIN)
		to->got_fin = true;
	if (r.act & TCP_ACT_DONE)
		to->done = true;
	if (r.act & TCP_ACT_RESET)
		to->reset = true;
	if (r.act & TCP_ACT_ACK)
		send_ack(to, n->now);
}

static void attach(struct side *s)
{
	s->rx = calloc(1, RING);
	s->tx = calloc(1, RING);
	memset(&s->shm, 0, sizeof(s->shm));
	test_attach(&s->c, &s->shm, s->rx, RING, s->tx, RING);
}

static bool pop(struct fifo *q, struct frame **f)
{
	if (q->head == q->tail)
		return false;
	*f = &q->f[q->head++ % QLEN];
	return true;
}

/* Three-way handshake through real frames; both sides end up attached. */
static void handshake(struct net *n)
{
	struct tcp_hdrvals h;
	struct tcp_seg seg;
	struct tcp_hs_out o;
	struct frame *f;
	uint8_t key[16] = { 1, 2, 3 };

	n->a.out = &n->ab;
	n->b.out = &n->ba;
	tcp_active_open(&n->a.c, &ep_a, tcp_isn(&ep_a, key, n->now), &cfg,
			n->now, &h);
	send_hdr(&n->a, &h);
	REQUIRE(pop(&n->ab, &f));
	REQUIRE(tcp_parse(f->b, (size_t)f->len, &seg, true) == XTOE_DROP_NONE);
	tcp_passive_open(&n->b.c, &seg, &ep_b, 0xfffff000u, &cfg, n->now, &h);
	send_hdr(&n->b, &h);
	n->now += 50;
	REQUIRE(pop(&n->ba, &f));
	REQUIRE(tcp_parse(f->b, (size_t)f->len, &seg, true) == XTOE_DROP_NONE);
	o = tcp_handshake_input(&n->a.c, &seg, n->now);
	REQUIRE(o.res == TCP_HS_ESTABLISHED && o.send_ack);
	attach(&n->a);
	send_ack(&n->a, n->now);
	n->now += 50;
	REQUIRE(pop(&n->ab, &f));
	REQUIRE(tcp_parse(f->b, (size_t)f->len, &seg, true) == XTOE_DROP_NONE);
	o = tcp_handshake_input(&n->b.c, &seg, n->now);
	REQUIRE(o.res == TCP_HS_ESTABLISHED);
	attach(&n->b);
	tcp_input(&n->b.c, &seg, n->now);
	CHECK(n->a.c.ts_ok && n->b.c.ts_ok);
	CHECK_EQ(n->a.c.rcv_wscale, 1);
	CHECK_EQ(n->b.c.snd_wscale, 1);
}

/* The core's timers, as the data-path runs them. */
static void timers(struct net *n, struct side *s)
{
	uint32_t act;

	if (tcp_timer_next(&s->c) > n->now)
		return;
	act = tcp_timer_fire(&s->c, n->now);
	if (act & TCP_ACT_ACK)
		send_ack(s, n->now);
	if (act & TCP_ACT_WPROBE) {
		struct tcp_hdrvals h;

		tcp_probe_hdr(&s->c, n->now, &h);
		send_hdr(s, &h);
	}
	REQUIRE(!(act & TCP_ACT_TIMEOUT));
}

/* One round: applications, output, then every frame in flight. */
static void step(struct net *n)
{
	struct frame *f;

	app_step(&n->a);
	app_step(&n->b);
	send_data(n, &n->a);
	send_data(n, &n->b);
	while (pop(&n->ab, &f) || pop(&n->ba, &f)) {
		bool to_b = f >= n->ab.f && f < n->ab.f + QLEN;

		n->now += 10;
		deliver(n, to_b ? &n->b : &n->a, f);
	}
	if (tcp_window_update_due(&n->a.c))
		send_ack(&n->a, n->now);
	if (tcp_window_update_due(&n->b.c))
		send_ack(&n->b, n->now);
	n->now += 100;
	timers(n, &n->a);
	timers(n, &n->b);
}

static bool transfer_done(const struct net *n)
{
	return n->a.app_rcvd == n->b.total && n->b.app_rcvd == n->a.total &&
	       n->a.c.snd_una == n->a.c.snd_max &&
	       n->b.c.snd_una == n->b.c.snd_max;
}

static void net_init(struct net *n, uint32_t total, unsigned drop_every)
{
	memset(n, 0, sizeof(*n));
	fifo_init(&n->ab);
	fifo_init(&n->ba);
	n->now = 1000000;
	n->drop_every = drop_every;
	n->a.total = n->b.total = total;
	n->a.seed = 0x11;
	n->b.seed = 0x11 ^ 0xff;
}

static void net_free(struct net *n)
{
	free(n->ab.f);
	free(n->ba.f);
	free(n->a.rx);
	free(n->a.tx);
	free(n->b.rx);
	free(n->b.tx);
}

static void run_transfer(struct net *n, unsigned max_steps)
{
	unsigned i;

	for (i = 0; i < max_steps && !transfer_done(n); i++)
		step(n);
	CHECK(transfer_done(n));
}

/* Orderly close: A shuts down first (FIN-WAIT-1/2, TIME-WAIT), B follows
 * after reading the FIN (CLOSE-WAIT, LAST-ACK, CLOSED). */
static void orderly_close(struct net *n)
{
	unsigned i;

	tcp_app_shutdown(&n->a.c);
	for (i = 0; i < 100 && !n->b.got_fin; i++)
		step(n);
	CHECK(n->b.got_fin);
	CHECK_EQ(n->b.c.state, TCP_CLOSE_WAIT);
	CHECK_EQ(n->a.c.state, TCP_FIN_WAIT_2);
	tcp_app_shutdown(&n->b.c);
	for (i = 0; i < 100 && !(n->a.done && n->b.done); i++)
		step(n);
	CHECK(n->a.got_fin);
	CHECK_EQ(n->a.c.state, TCP_TIME_WAIT);
	CHECK_EQ(n->b.c.state, TCP_CLOSED);
	CHECK(n->a.done && n->b.done);
	CHECK(!n->a.reset && !n->b.reset);
}

/* RFC 9293 3.5 + 3.6: 1 MiB each way, then both sides close. */
static void test_pair_1mib_each_way_then_close(void)
{
	struct net n;

	net_init(&n, 1u << 20, 0);
	handshake(&n);
	run_transfer(&n, 100000);
	CHECK_EQ(n.a.c.retransmits, 0);
	CHECK_EQ(n.a.c.bytes_out, 1u << 20);
	CHECK(n.a.c.srtt_us > 0);
	orderly_close(&n);
	net_free(&n);
}

/* RFC 5681 3.2 (fast retransmit, here go-back-N) and RFC 6298 (RTO): every
 * 37th data frame is lost; the data still arrives intact. */
static void test_pair_lossy_go_back_n(void)
{
	struct net n;

	net_init(&n, 512u << 10, 37);
	handshake(&n);
	run_transfer(&n, 200000);
	CHECK(n.a.c.retransmits > 0);
	n.drop_every = 0;
	orderly_close(&n);
	net_free(&n);
}

/* RFC 9293 3.6 case 3: both sides close at once (FIN-WAIT-1 -> CLOSING ->
 * TIME-WAIT on both ends). */
static void test_pair_simultaneous_close(void)
{
	struct net n;
	unsigned i;

	net_init(&n, 10000, 0);
	handshake(&n);
	run_transfer(&n, 1000);
	tcp_app_shutdown(&n.a.c);
	tcp_app_shutdown(&n.b.c);
	send_data(&n, &n.a);
	send_data(&n, &n.b);
	CHECK_EQ(n.a.c.state, TCP_FIN_WAIT_1);
	CHECK_EQ(n.b.c.state, TCP_FIN_WAIT_1);
	for (i = 0; i < 10 && !(n.a.done && n.b.done); i++)
		step(&n);
	CHECK_EQ(n.a.c.state, TCP_TIME_WAIT);
	CHECK_EQ(n.b.c.state, TCP_TIME_WAIT);
	net_free(&n);
}

int main(void)
{
	RUN(test_pair_1mib_each_way_then_close);
	RUN(test_pair_lossy_go_back_n);
	RUN(test_pair_simultaneous_close);
	return check_summary();
}
