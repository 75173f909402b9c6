// SPDX-License-Identifier: MIT
/*
 * The data-path and the control plane in-process, through the port seam:
 * two daemons joined by the loopback port (loopnet.h), driven by libxtoe.
 * Handshake, data both ways, orderly close, application death, a lossy
 * wire and many connections at once, with no namespace or kernel stack.
 */
#include <stdatomic.h>
#include <sys/wait.h>

#include "core/tcp_csum.h"
#include "daemon/dp/dp.h"
#include "loop_pair.h"

static void test_echo_and_close(void)
{
	struct pair p = { 0 };

	pair_up(&p, 7000);
	echo_once(&p, 7000, 256 * 1024, 1);
	CHECK(conns_drain(&p.w, p.n.a.sock));
	CHECK(conns_drain(&p.w, p.n.b.sock));
	/* the port serves again after a full close */
	echo_once(&p, 7000, 4096, 2);
	pair_down(&p);
}

/* A process connects, writes, and exits without closing anything: its
 * connection is reset, the peer's read ends, and the daemon forgets it. */
static void test_app_death(void)
{
	struct pair p = { 0 };
	struct xtoe_conn *s = NULL;
	uint8_t buf[1000];
	int status = -1;
	pid_t pid;

	pair_up(&p, 7001);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct sockaddr_in dst = loopnet_at(p.n.b_addr, 7001);
		struct loop_waiter w = { 0 };
		struct xtoe_ctx *ctx;
		struct xtoe_conn *c;
		uint8_t msg[1000];

		memset(msg, 7, sizeof(msg));
		if (xtoe_ctx_open(&ctx, p.n.a.sock))
			_exit(2);
		w.ctx[w.n++] = ctx;
		size_t room;
		uint64_t end = now_ms() + T_MS;

		if (loop_connect(&w, ctx, &dst, &c, T_MS))
			_exit(3);
		room = xtoe_tx_space(c);
		if (loop_xfer(&w, c, msg, NULL, NULL, sizeof(msg), T_MS))
			_exit(4);
		/* until the peer acknowledged every byte: what happens to
		 * unsent data at exit is not what this test is about */
		while (xtoe_tx_space(c) < room && now_ms() < end)
			loop_pump(&w);
		_exit(xtoe_tx_space(c) < room ? 5 : 0); /* nothing closed */
	}
	REQUIRE(loop_accept(&p.w, p.l, &s, T_MS) == 0);
	CHECK_EQ(loop_xfer(&p.w, NULL, NULL, s, buf, sizeof(buf), T_MS), 0);
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(loop_recv_end(&p.w, s, T_MS) != -ETIMEDOUT);
	xtoe_close(s);
	CHECK(conns_drain(&p.w, p.n.a.sock));
	CHECK(conns_drain(&p.w, p.n.b.sock));
	pair_down(&p);
}

/* --- a lossy wire (and one that changes bytes) ------------------------------- */

struct impair {
	_Atomic uint32_t seed;
	uint32_t drop_pct, dup_pct, corrupt_pct;
	_Atomic uint64_t dropped, duplicated, corrupted;
};

static enum port_loop_fate impair_frame(void *arg, uint8_t *frame, uint32_t len)
{
	struct impair *im = arg;
	uint32_t s = atomic_load(&im->seed), r;

	s = s * 1664525u + 1013904223u;
	atomic_store(&im->seed, s);
	r = (s >> 8) % 100;
	if (r < im->drop_pct) {
		im->dropped++;
		return PORT_LOOP_DROP;
	}
	if (r < im->drop_pct + im->dup_pct) {
		im->duplicated++;
		return PORT_LOOP_DUP;
	}
	if (r < im->drop_pct + im->dup_pct + im->corrupt_pct && len > 66) {
		frame[len - 1 - s % 16] ^= 0x5a; /* a payload byte */
		im->corrupted++;
	}
	return PORT_LOOP_DELIVER;
}

static void test_lossy_wire(void)
{
	struct impair ia = { .seed = 11, .drop_pct = 3, .dup_pct = 1, .corrupt_pct = 2 };
	struct impair ib = { .seed = 23, .drop_pct = 3, .dup_pct = 1, .corrupt_pct = 2 };
	struct pair p = { 0 };

	pair_up(&p, 7002);
	port_loop_impair(p.n.pa, impair_frame, &ia);
	port_loop_impair(p.n.pb, impair_frame, &ib);
	echo_once(&p, 7002, 1024 * 1024, 3);
	CHECK(ia.dropped > 0 && ib.dropped > 0);
	/* corrupted segments (in order ones land in the ring before their
	 * checksum is known) are dropped and resent: the data is intact */
	CHECK(ia.corrupted > 0 && ib.corrupted > 0);
	CHECK(p.n.a.d.dp->st.drops[XTOE_DROP_TCP_CSUM] > 0);
	CHECK(p.n.b.d.dp->st.drops[XTOE_DROP_TCP_CSUM] > 0);
	port_loop_impair(p.n.pa, NULL, NULL);
	port_loop_impair(p.n.pb, NULL, NULL);
	pair_down(&p);
}

/* --- many connections at once ----------------------------------------------- */

#define MANY 200

static void test_many_connections(void)
{
	struct xtoe_conn *c[MANY] = { 0 }, *s[MANY] = { 0 };
	struct pair p = { 0 };
	struct sockaddr_in dst;
	int up = 0;

	pair_up(&p, 7003);
	dst = loopnet_at(p.n.b_addr, 7003);
	for (int i = 0; i < MANY; i++)
		REQUIRE(xtoe_connect(p.ca, &dst, &c[i]) == 0);
	for (int i = 0; i < MANY; i++) {
		uint64_t end = now_ms() + T_MS;

		while (xtoe_conn_error(c[i]) == -EINPROGRESS && now_ms() < end)
			loop_pump(&p.w);
		up += xtoe_conn_error(c[i]) == 0;
	}
	CHECK_EQ(up, MANY);
	for (int i = 0; i < MANY; i++)
		REQUIRE(loop_accept(&p.w, p.l, &s[i], T_MS) == 0);
	CHECK_EQ(conns_of(p.n.a.sock), MANY);
	CHECK_EQ(conns_of(p.n.b.sock), MANY);
	echo_many(&p, c, s, MANY);
	pair_down(&p);
}

/* --- C modules see every frame the daemon sends --------------------------- */

static char segstat_spec[256], segstat_out[128];

static void tune_segstat(struct xtoed_cfg *c)
{
	if (strcmp(c->ifname, "loopB"))
		return;
	c->cmodules[0] = segstat_spec;
	c->ncmodules = 1;
}

/* B answers A's SYN with a SYN-ACK the control plane builds and the
 * data-path sends: the tx hook sees it (syn counts A's SYN and B's SYN-ACK),
 * and the RST B's daemon sends for an aborted connection. */
static void test_cmodule_sees_control_frames(void)
{
	struct sockaddr_in dst, at;
	struct xtoe_conn *c = NULL, *s = NULL;
	struct pair p = { 0 };
	unsigned long v[12] = { 0 };

	snprintf(segstat_out, sizeof(segstat_out), "/tmp/xtoe-segstat.%d", getpid());
	snprintf(segstat_spec, sizeof(segstat_spec), "%s/examples/cmodules/segstat.so:%s",
		 TEST_BUILD_DIR, segstat_out);
	REQUIRE(loopnet_up(&p.n, tune_segstat) == 0);
	REQUIRE(xtoe_ctx_open(&p.ca, p.n.a.sock) == 0);
	REQUIRE(xtoe_ctx_open(&p.cb, p.n.b.sock) == 0);
	at = loopnet_at(p.n.b_addr, 7004);
	REQUIRE(xtoe_listen(p.cb, &at, 16, &p.l) == 0);
	p.w = (struct loop_waiter){ .ctx = { p.ca, p.cb }, .n = 2 };
	dst = loopnet_at(p.n.b_addr, 7004);
	REQUIRE(loop_connect(&p.w, p.ca, &dst, &c, T_MS) == 0);
	REQUIRE(loop_accept(&p.w, p.l, &s, T_MS) == 0);
	xtoe_abort(s); /* RST from B */
	CHECK(loop_recv_end(&p.w, c, T_MS) < 0);
	xtoe_close(c);
	pair_down(&p); /* segstat writes its line when B's daemon closes */
	CHECK_EQ(segstat_read(segstat_out, v), 9);
	CHECK(v[4] >= 2); /* SYN in, SYN-ACK out */
	CHECK(v[6] >= 1); /* RST out */
	CHECK(v[2] >= 2); /* SYN-ACK and RST at least */
}

/* --- the counters' publication (xtoectl stats) --------------------------- */

/* The rule alone: a request not answered yet, or the last publication a
 * whole DP_PUB_EVERY_US old; nothing else (not a sleep, not a round count). */
static void test_stats_due(void)
{
	CHECK(dp_stats_due(1, 0, 100, 100));
	CHECK(dp_stats_due(0, UINT32_MAX, 100, 100)); /* asked wrapped */
	CHECK(!dp_stats_due(5, 5, 100, 99));
	CHECK(!dp_stats_due(5, 5, 100 + DP_PUB_EVERY_US - 1, 100));
	CHECK(dp_stats_due(5, 5, 100 + DP_PUB_EVERY_US, 100));
	CHECK(dp_stats_due(0, 0, DP_PUB_EVERY_US, 0)); /* never published */
}

static void tune_nospin(struct xtoed_cfg *c)
{
	c->spin_us = 0;
}

/* B's data-path, which never spins here, sleeps between the bursts of an
 * echo without publishing its counters each time; a stats request still
 * reads current figures (the data-path publishes in the round after it),
 * the closed connection gone from them. */
static void test_stats_on_request(void)
{
	struct xtoe_stat_dp s0, s1;
	struct dp_stats_pub *pub;
	struct pair p = { 0 };
	uint64_t sleeps, pubs, t0, t1;
	uint32_t seq0, seq1;

	REQUIRE(loopnet_up(&p.n, tune_nospin) == 0);
	pair_open(&p, 7005);
	pub = &p.n.b.d.wk[0].spub;
	REQUIRE(worker_stats(p.n.b.sock, &s0));
	seq0 = atomic_load(&pub->seq);
	t0 = now_us();
	echo_once(&p, 7005, 1024 * 1024, 5);
	CHECK(conns_drain(&p.w, p.n.b.sock));
	seq1 = atomic_load(&pub->seq);
	t1 = now_us();
	REQUIRE(worker_stats(p.n.b.sock, &s1));
	sleeps = s1.sleeps - s0.sleeps;
	pubs = (seq1 - seq0) / 2;
	printf("# B's data-path: %llu sleeps, %llu publications nobody asked for\n",
	       (unsigned long long)sleeps, (unsigned long long)pubs);
	CHECK(sleeps >= 20);
	/* one a DP_PUB_EVERY_US at most, not one a sleep */
	CHECK(pubs <= 1 + (t1 - t0) / DP_PUB_EVERY_US);
	CHECK(pubs < sleeps);
	CHECK(atomic_load(&pub->seq) > seq1);
	CHECK(s1.rx_segs > s0.rx_segs && s1.tx_segs > s0.tx_segs);
	CHECK_EQ(s1.w[0].flows, 0);
	pair_down(&p);
}

/* --- receive coalescing ----------------------------------------------------- */

/* The receiver's segments of one bulk flow, from xtoectl conns. */
static uint64_t conn_segs_in(const char *sock, uint32_t *mss)
{
	struct xtoe_resp r;
	struct xtoe_stat_conn c;
	uint64_t segs = 0;
	int fd;

	if (xctl_ask_fd(sock, XTOE_OP_CONNS, &r, &fd) || fd < 0)
		return 0;
	for (uint32_t i = 0; i < r.val; i++)
		if (pread(fd, &c, sizeof(c), (off_t)(i * sizeof(c))) == sizeof(c) &&
		    !strcmp(c.state, "ESTABLISHED")) {
			segs = c.segs_in;
			*mss = c.mss;
		}
	close(fd);
	return segs;
}

/* Consecutive in-order segments of a flow in one receive batch go through
 * the TCP core as one (dp_rx.c): the stream arrives intact, the flow
 * still counts every segment, and some were coalesced. */
static void test_rx_coalesced(void)
{
	enum { LEN = 2 << 20 };
	struct sockaddr_in dst;
	struct xtoe_conn *c = NULL, *s = NULL;
	struct xtoe_stat_dp st;
	struct pair p = { 0 };
	uint8_t *out = malloc(LEN), *in = malloc(LEN);
	uint32_t mss = 0;
	uint64_t segs;

	REQUIRE(out && in);
	pair_up(&p, 7006);
	dst = loopnet_at(p.n.b_addr, 7006);
	fill(out, LEN, 5);
	REQUIRE(loop_connect(&p.w, p.ca, &dst, &c, T_MS) == 0);
	REQUIRE(loop_accept(&p.w, p.l, &s, T_MS) == 0);
	CHECK_EQ(loop_xfer(&p.w, c, out, s, in, LEN, T_MS), 0);
	CHECK(!memcmp(out, in, LEN));
	REQUIRE(worker_stats(p.n.b.sock, &st));
	CHECK(st.rx_merged > 0);
	CHECK(st.rx_merged < st.rx_segs);
	segs = conn_segs_in(p.n.b.sock, &mss);
	CHECK(mss > 0 && segs >= LEN / mss);
	xtoe_close(c);
	CHECK_EQ(loop_recv_end(&p.w, s, T_MS), 0);
	xtoe_close(s);
	pair_down(&p);
	free(out);
	free(in);
}

/* PSH on every data segment A sends (the TCP checksum updated as RFC 1624
 * says): PSH ends a run, so none is coalesced, and the data is intact. */
static enum port_loop_fate push_every_segment(void *arg, uint8_t *frame, uint32_t len)
{
	uint8_t *th = frame + 14 + (frame[14] & 0x0f) * 4;
	uint16_t old, neu;
	uint32_t sum;

	(void)arg;
	if (len < 14 + 20 + 20 || frame[14 + 9] != 6 ||
	    (size_t)(th - frame) + (th[12] >> 4) * 4u >= len) /* no payload */
		return PORT_LOOP_DELIVER;
	old = get_be16(th + 12);
	neu = old | TCP_F_PSH;
	sum = (uint16_t)~get_be16(th + 16) + (uint16_t)~old + neu;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	put_be16(th + 12, neu);
	put_be16(th + 16, (uint16_t)~sum);
	return PORT_LOOP_DELIVER;
}

static void test_rx_push_ends_a_run(void)
{
	struct pair p = { 0 };
	struct xtoe_stat_dp st;

	pair_up(&p, 7007);
	port_loop_impair(p.n.pa, push_every_segment, NULL);
	echo_once(&p, 7007, 1024 * 1024, 7);
	port_loop_impair(p.n.pa, NULL, NULL);
	REQUIRE(worker_stats(p.n.b.sock, &st));
	CHECK(st.rx_segs > 500); /* 1 MiB of data segments, some ACKs */
	CHECK_EQ(st.rx_merged, 0);
	CHECK_EQ(st.drops[XTOE_DROP_TCP_CSUM], 0);
	pair_down(&p);
}

int main(void)
{
	RUN(test_echo_and_close);
	RUN(test_app_death);
	RUN(test_lossy_wire);
	RUN(test_many_connections);
	RUN(test_cmodule_sees_control_frames);
	RUN(test_stats_due);
	RUN(test_stats_on_request);
	RUN(test_rx_coalesced);
	RUN(test_rx_push_ends_a_run);
	return check_summary();
}
