// SPDX-License-Identifier: MIT
/*
 * Several data-path workers (xtoed --workers): the hub's routing of
 * commands and bumps to the worker that owns a flow (dp_hub.c), one
 * release of a dead context by the last worker, and whole daemons with two
 * workers over a two-lane loopback port (a lane a worker, frames spread
 * by their 4-tuple as RSS does): data intact both ways, connections on
 * both workers, a lossy wire; proportional cores: the policy alone, and
 * workers handed between threads under traffic. Built twice: with ASan/UBSan
 * (test_workers) and with ThreadSanitizer (test_workers_tsan).
 */
#include <arpa/inet.h>

#include "daemon/dp/dp.h"
#include "daemon/dp/dp_pipe.h"
#include "loop_pair.h"

/* --- the hub's routing, one thread ------------------------------------ */

#define HUB_SLOTS 4
#define HUB_RING 4096

struct hub {
	struct xtoed d;
	struct port *pa, *pb;
	struct app_ctx c;
	uint32_t slot_flow[2][HUB_SLOTS];
	uint8_t slot_worker[HUB_SLOTS];
};

static void queue_new(struct spsc *q, uint32_t entries, uint32_t esize)
{
	q->sh = aligned_alloc(64, (spsc_bytes(entries, esize) + 63) & ~63ul);
	REQUIRE(q->sh);
	spsc_format(q->sh);
	spsc_attach(q, q->sh, entries, esize);
}

/* Two workers over a two-lane loopback port; worker 1's command queue
 * holds two commands, so the test can fill it. */
static void hub_up(struct hub *h)
{
	struct port_loop_cfg ca = { .name = "hubA", .addr = htonl(0xc6120a01), .lanes = 2,
				    .frames = 256, .wire_frames = 256 };
	struct port_loop_cfg cb = { .name = "hubB", .addr = htonl(0xc6120a02),
				    .frames = 256, .wire_frames = 256 };
	struct xtoe_shm_geom g = { .max_flows = HUB_SLOTS, .q_entries = 16,
				   .rx_size = HUB_RING, .tx_size = HUB_RING };

	memset(h, 0, sizeof(*h));
	REQUIRE(port_loop_pair(&h->pa, &ca, &h->pb, &cb) == 0);
	h->d.cfg.max_flows = 16;
	h->d.cfg.tcp = tcp_params_linux;
	h->d.port = h->pa;
	h->d.nworkers = 2;
	h->d.wk[0].efd = h->d.cp_efd = h->d.wk[1].efd = -1;
	h->d.pub = calloc(h->d.cfg.max_flows, sizeof(*h->d.pub));
	REQUIRE(h->d.pub);
	queue_new(&h->d.wk[0].cmds, 16, sizeof(struct dp_cmd));
	queue_new(&h->d.wk[0].notes, 16, sizeof(struct cp_note));
	queue_new(&h->d.wk[1].cmds, 2, sizeof(struct dp_cmd));
	queue_new(&h->d.wk[1].notes, 16, sizeof(struct cp_note));
	REQUIRE(dp_create(&h->d) == 0);
	xtoe_shm_layout(&h->c.geom, &g);
	h->c.base = aligned_alloc(4096, (h->c.geom.size + 4095) & ~4095ul);
	REQUIRE(h->c.base);
	memset(h->c.base, 0, h->c.geom.size);
	h->c.hdr = (struct xtoe_shm_hdr *)h->c.base;
	h->c.slots = (struct xtoe_flow_shm *)(h->c.base + h->c.geom.flows_off);
	h->c.app_efd = -1;
	h->c.w[0].slot_flow = h->slot_flow[0];
	h->c.w[1].slot_flow = h->slot_flow[1];
	h->c.slot_worker = h->slot_worker;
	spsc_format((void *)(h->c.base + h->c.geom.dp2app_off));
	spsc_attach(&h->c.dp2app, (void *)(h->c.base + h->c.geom.dp2app_off), 16,
		    sizeof(struct xtoe_ev));
	spsc_format((void *)(h->c.base + h->c.geom.app2dp_off));
	spsc_attach(&h->c.app2dp, (void *)(h->c.base + h->c.geom.app2dp_off), 16,
		    sizeof(struct xtoe_bump));
}

static void hub_down(struct hub *h)
{
	dp_destroy(&h->d);
	port_close(h->pa);
	port_close(h->pb);
	free(h->d.wk[0].cmds.sh);
	free(h->d.wk[0].notes.sh);
	free(h->d.wk[1].cmds.sh);
	free(h->d.wk[1].notes.sh);
	free(h->d.pub);
	free(h->c.base);
}

/* The control plane's command (type, and for INSTALL its flow, slot and
 * worker). */
static void hub_cmd(struct hub *h, uint32_t type, uint32_t flow, uint32_t slot, uint32_t w)
{
	struct dp_cmd *cmd = dp_cmd_reserve(&h->d);

	REQUIRE(cmd);
	memset(cmd, 0, sizeof(*cmd));
	cmd->type = type;
	cmd->ctx = &h->c;
	cmd->flow = flow;
	cmd->slot = slot;
	cmd->gen = 1;
	cmd->worker = w;
	cmd->conn.state = TCP_ESTABLISHED;
	cmd->conn.mss = 1000;
	cmd->conn.ep.saddr = htonl(0xc6120a01);
	cmd->conn.ep.daddr = htonl(0xc6120a02);
	cmd->conn.ep.sport = htons(7000);
	cmd->conn.ep.dport = htons((uint16_t)(40000 + flow));
	dp_cmd_commit(&h->d);
}

/* One round of worker w without its loop: commands, service, release. */
static void hub_round(struct hub *h, uint32_t w)
{
	struct dp *dp = h->d.dps[w];

	dp->now = now_us();
	dp_poll_cmds(dp);
	dp_service(dp);
	dp_wake_apps(dp);
	dp_reap_ctxs(dp);
}

/* Notes of type t in worker w's queue, popped; *from: their worker field. */
static int notes_of(struct hub *h, uint32_t w, uint32_t t, uint32_t *from)
{
	struct spsc *q = w ? &h->d.wk[1].notes : &h->d.wk[0].notes;
	struct cp_note n;
	int k = 0;

	while (spsc_pop(q, &n))
		if (n.type == t) {
			*from = n.worker;
			k++;
		}
	return k;
}

static void test_hub_routes_to_the_owner(void)
{
	static struct hub h;
	struct xtoe_bump b = { .type = XTOE_BUMP_TX, .flow = 1, .gen = 1 };
	uint32_t from = 99;

	hub_up(&h);
	hub_cmd(&h, DP_CMD_CTX_ADD, 0, 0, 0);
	hub_cmd(&h, DP_CMD_INSTALL, 5, 1, 1); /* slot 1 on worker 1 */
	hub_round(&h, 0);
	CHECK_EQ(h.slot_worker[1], 1);
	CHECK_EQ(spsc_used(&h.d.wk[1].cmds), 1);
	CHECK_EQ(h.d.dps[0]->flows_owned, 0);
	/* the application's bump for slot 1 follows its install */
	CHECK(dp_hub_bump(h.d.dps[0], &h.c, &b));
	CHECK_EQ(spsc_used(&h.d.wk[1].cmds), 2);
	CHECK(!dp_hub_bump(h.d.dps[0], &h.c, &b)); /* full: stays with the app */
	hub_cmd(&h, DP_CMD_INSTALL, 6, 2, 0); /* slot 2 on the hub */
	hub_round(&h, 0);
	CHECK_EQ(h.d.dps[0]->flows_owned, 1);
	CHECK_EQ(h.slot_flow[0][2], 7);
	CHECK_EQ(h.slot_flow[1][2], 0);
	/* the application dies while worker 1's queue is full: the hub does
	 * its part once and keeps the command until worker 1 has room */
	hub_cmd(&h, DP_CMD_CTX_DEAD, 0, 0, 0);
	hub_round(&h, 0);
	CHECK(h.c.w[0].dead);
	CHECK_EQ(spsc_used(&h.d.wk[0].cmds), 1);
	hub_round(&h, 0);
	CHECK_EQ(spsc_used(&h.d.wk[0].cmds), 1);
	CHECK_EQ(h.d.dps[0]->flows_owned, 0); /* its flow aborted and freed */
	CHECK_EQ(notes_of(&h, 0, CP_NOTE_CTX_RELEASED, &from), 0); /* worker 1 holds it */
	hub_round(&h, 1); /* install and bump of slot 1 */
	CHECK_EQ(h.d.dps[1]->flows_owned, 1);
	CHECK_EQ(h.slot_flow[1][1], 6);
	CHECK(!h.c.w[1].dead);
	hub_round(&h, 0); /* CTX_DEAD reaches worker 1 now, once */
	CHECK_EQ(spsc_used(&h.d.wk[0].cmds), 0);
	CHECK_EQ(spsc_used(&h.d.wk[1].cmds), 1);
	hub_round(&h, 1);
	CHECK(h.c.w[1].dead);
	CHECK_EQ(h.d.dps[1]->flows_owned, 0);
	/* the last worker to let go hands the context back, once */
	CHECK_EQ(notes_of(&h, 1, CP_NOTE_CTX_RELEASED, &from), 1);
	CHECK_EQ(from, 1);
	hub_round(&h, 0);
	hub_round(&h, 1);
	CHECK_EQ(notes_of(&h, 0, CP_NOTE_CTX_RELEASED, &from) +
		 notes_of(&h, 1, CP_NOTE_CTX_RELEASED, &from), 0);
	hub_down(&h);
}

/* --- whole daemons with two workers ------------------------------------ */

static void tune_two(struct xtoed_cfg *c)
{
	c->workers = 2;
}

/* Until both workers of the daemon at sock own flows; their sum then. */
static uint32_t flows_on_both(struct loop_waiter *w, const char *sock, uint32_t want)
{
	uint64_t end = now_ms() + T_MS;
	struct xtoe_stat_dp s;

	do {
		loop_pump(w);
		if (worker_stats(sock, &s) && s.nworkers == 2 && s.w[0].flows &&
		    s.w[1].flows && s.w[0].flows + s.w[1].flows == want)
			break;
	} while (now_ms() < end);
	printf("# %s: worker0 %u flows, worker1 %u flows\n", sock, s.w[0].flows, s.w[1].flows);
	return s.w[0].flows && s.w[1].flows ? s.w[0].flows + s.w[1].flows : 0;
}

#define MANY 64

static void test_two_workers_many_connections(void)
{
	struct xtoe_conn *c[MANY] = { 0 }, *s[MANY] = { 0 };
	struct pair p = { 0 };
	struct sockaddr_in dst;

	REQUIRE(loopnet_up(&p.n, tune_two) == 0);
	CHECK_EQ(p.n.a.d.nworkers, 2);
	pair_open(&p, 7010);
	dst = loopnet_at(p.n.b_addr, 7010);
	for (int i = 0; i < MANY; i++)
		REQUIRE(loop_connect(&p.w, p.ca, &dst, &c[i], T_MS) == 0);
	for (int i = 0; i < MANY; i++)
		REQUIRE(loop_accept(&p.w, p.l, &s[i], T_MS) == 0);
	CHECK_EQ(flows_on_both(&p.w, p.n.a.sock, MANY), MANY);
	CHECK_EQ(flows_on_both(&p.w, p.n.b.sock, MANY), MANY);
	echo_many(&p, c, s, MANY);
	pair_down(&p);
}

/* A wire that drops one frame in 30 and duplicates one in 50. */
static enum port_loop_fate lossy(void *arg, uint8_t *frame, uint32_t len)
{
	_Atomic uint32_t *n = arg;
	uint32_t k = atomic_fetch_add(n, 1);

	(void)frame;
	(void)len;
	return k % 30 == 7 ? PORT_LOOP_DROP : k % 50 == 3 ? PORT_LOOP_DUP : PORT_LOOP_DELIVER;
}

/* TIME-WAIT long enough for the peer's last FIN resent after a lost ACK:
 * the loopback wire drops what the daemon no longer steers (a kernel
 * would answer it with a RST), so a shorter one leaves the peer in
 * LAST-ACK. */
static void tune_two_lossy(struct xtoed_cfg *c)
{
	c->workers = 2;
	c->time_wait_ms = 5000;
}

static void test_two_workers_echo_lossy(void)
{
	static _Atomic uint32_t na, nb;
	struct pair p = { 0 };

	REQUIRE(loopnet_up(&p.n, tune_two_lossy) == 0);
	pair_open(&p, 7011);
	for (uint32_t i = 0; i < 4; i++) /* connections on either worker */
		echo_once(&p, 7011, 128 * 1024, i);
	port_loop_impair(p.n.pa, lossy, &na);
	port_loop_impair(p.n.pb, lossy, &nb);
	for (uint32_t i = 0; i < 4; i++)
		echo_once(&p, 7011, 256 * 1024, 10 + i);
	port_loop_impair(p.n.pa, NULL, NULL);
	port_loop_impair(p.n.pb, NULL, NULL);
	CHECK(conns_drain(&p.w, p.n.a.sock));
	CHECK(conns_drain(&p.w, p.n.b.sock));
	pair_down(&p);
}

/* A segment that arrives at the worker that does not own its connection
 * (the peer moved it to another queue) goes to the owner through the
 * control plane: late, so the receiver sees it out of order, but nothing
 * is lost and the application reads every byte in order. */
static void test_two_workers_segments_on_the_wrong_worker(void)
{
	struct xtoe_stat_dp sa, sb;
	struct pair p = { 0 };

	REQUIRE(loopnet_up(&p.n, tune_two) == 0);
	pair_open(&p, 7012);
	port_loop_misroute(p.n.pa, 5);
	port_loop_misroute(p.n.pb, 7);
	for (uint32_t i = 0; i < 4; i++)
		echo_once(&p, 7012, 256 * 1024, 20 + i);
	port_loop_misroute(p.n.pa, 0);
	port_loop_misroute(p.n.pb, 0);
	CHECK(conns_drain(&p.w, p.n.a.sock));
	CHECK(conns_drain(&p.w, p.n.b.sock));
	REQUIRE(worker_stats(p.n.a.sock, &sa) && worker_stats(p.n.b.sock, &sb));
	printf("# segments through the control plane: A %llu, B %llu\n",
	       (unsigned long long)sa.to_cp, (unsigned long long)sb.to_cp);
	CHECK(sa.to_cp > 20 && sb.to_cp > 20);
	pair_down(&p);
}

/* --- the pipeline placement ------------------------------------------- */

/* What one end put on the wire: its data segments' sequence numbers in
 * wire order (a number below the highest end sent is a resend or a
 * reorder) and the SACK blocks of its ACKs (sent only for a hole: the
 * receiver's tcp_input saw a segment before one that arrived earlier). */
struct wire_order {
	bool seen;
	uint32_t high;            /* end of the highest data sent */
	_Atomic uint32_t data, behind, sacks;
};

static enum port_loop_fate wire_watch(void *arg, uint8_t *frame, uint32_t len)
{
	struct wire_order *w = arg;
	struct tcp_seg seg;

	if (tcp_parse(frame, len, &seg, false) != XTOE_DROP_NONE)
		return PORT_LOOP_DELIVER;
	if (seg.nsack)
		atomic_fetch_add(&w->sacks, 1);
	if (!seg.len)
		return PORT_LOOP_DELIVER;
	atomic_fetch_add(&w->data, 1);
	if (w->seen && seq_lt(seg.seq, w->high))
		atomic_fetch_add(&w->behind, 1);
	if (!w->seen || seq_gt(seg.seq + seg.len, w->high))
		w->high = seg.seq + seg.len;
	w->seen = true;
	return PORT_LOOP_DELIVER;
}

static void tune_pipeline(struct xtoed_cfg *c)
{
	c->placement = XTOED_PLACE_PIPELINE;
	c->pre_threads = 2;
}

#define HEAVY (4u << 20)

/*
 * One heavy connection A -> B, both daemons in the pipeline placement
 * with two PRE threads, on a wire that neither drops nor reorders (its
 * drops are checked to be 0). Every byte is checked, and on the wire:
 * A never sends a segment behind one it sent (no resend) and B's ACKs
 * carry no SACK block. A batch PROTO took before an earlier one (the
 * reorder step bypassed) makes B see a hole, SACK it and A resend.
 */
static void test_pipeline_one_connection_in_order(void)
{
	static struct wire_order ab, ba;
	struct pair p = { 0 };
	struct sockaddr_in dst;
	struct xtoe_conn *c = NULL, *sv = NULL;
	struct port_stats pa, pb;
	uint8_t *out = malloc(HEAVY), *in = malloc(HEAVY);
	const struct dp_stats *st;

	REQUIRE(out && in);
	memset(&ab, 0, sizeof(ab));
	memset(&ba, 0, sizeof(ba));
	REQUIRE(loopnet_up(&p.n, tune_pipeline) == 0);
	CHECK_EQ(p.n.b.d.nworkers, 1);
	REQUIRE(p.n.b.d.dps[0]->pipe);
	pair_open(&p, 7020);
	dst = loopnet_at(p.n.b_addr, 7020);
	port_loop_impair(p.n.pa, wire_watch, &ab);
	port_loop_impair(p.n.pb, wire_watch, &ba);
	fill(out, HEAVY, 13);
	REQUIRE(loop_connect(&p.w, p.ca, &dst, &c, T_MS) == 0);
	REQUIRE(loop_accept(&p.w, p.l, &sv, T_MS) == 0);
	CHECK_EQ(loop_xfer(&p.w, c, out, sv, in, HEAVY, 2 * T_MS), 0);
	CHECK(!memcmp(out, in, HEAVY));
	xtoe_close(c);
	CHECK_EQ(loop_recv_end(&p.w, sv, T_MS), 0);
	xtoe_close(sv);
	port_loop_impair(p.n.pa, NULL, NULL);
	port_loop_impair(p.n.pb, NULL, NULL);
	printf("# wire A->B: %u data segments, %u behind; B->A: %u with SACK\n",
	       ab.data, ab.behind, ba.sacks);
	CHECK(ab.data >= HEAVY / 1500);
	CHECK_EQ(ab.behind, 0);
	CHECK_EQ(ba.sacks, 0);
	pair_close(&p);
	loopd_stop(&p.n.a);
	loopd_stop(&p.n.b);
	port_stats(p.n.pa, &pa); /* their threads stopped */
	port_stats(p.n.pb, &pb);
	CHECK_EQ(pa.tx_drops + pb.tx_drops, 0); /* the premise: a lossless wire */
	st = &p.n.b.d.dps[0]->st;
	printf("# B's pipeline: %lu batches, the reorder step held finished ones back "
	       "%lu times\n", st->pipe_batches, st->pipe_held);
	CHECK(st->pipe_batches > 0);
	loopnet_down(&p.n);
	free(out);
	free(in);
}

/* --- proportional cores ------------------------------------------------ */

static const struct dp_prop_cfg prop_cfg = { .low_pct = 10, .high_pct = 50, .window_us = 100000,
					     .grow_windows = 2, .shrink_windows = 10 };

static enum dp_prop_act decide(struct dp_prop *p, bool hub, uint32_t busy, uint32_t other,
			       uint32_t windows, bool others_held)
{
	p->busy_pct = busy;
	p->other_pct = other;
	return dp_prop_decide(&prop_cfg, p, hub, windows, others_held);
}

/* The busy fraction: the time of rounds that did work over a window. */
static void test_prop_samples_busy_time(void)
{
	struct dp_prop p = { 0 };
	uint32_t n = 0;

	CHECK(!dp_prop_tick(&prop_cfg, &p, 1000, true, &n));  /* a round with work */
	CHECK(!dp_prop_tick(&prop_cfg, &p, 31000, false, &n)); /* ran 30 ms */
	CHECK(!dp_prop_tick(&prop_cfg, &p, 51000, true, &n));  /* idle 20 ms */
	CHECK(dp_prop_tick(&prop_cfg, &p, 101000, false, &n)); /* ran 50 ms */
	CHECK_EQ(p.busy_pct, 80);
	CHECK_EQ(n, 1);
	/* a second asleep spans ten windows of nothing */
	CHECK(dp_prop_tick(&prop_cfg, &p, 1101000, false, &n));
	CHECK_EQ(p.busy_pct, 0);
	CHECK_EQ(n, 10);
}

/* A thread other than 0 parks after shrink_windows below the low mark in
 * a row; a window between the marks starts the count again. */
static void test_prop_parks_an_idle_thread_with_hysteresis(void)
{
	struct dp_prop p = { 0 };

	for (int i = 0; i < 9; i++)
		CHECK_EQ(decide(&p, false, 5, 0, 1, false), DP_PROP_KEEP);
	CHECK_EQ(decide(&p, false, 30, 0, 1, false), DP_PROP_KEEP); /* between */
	for (int i = 0; i < 9; i++)
		CHECK_EQ(decide(&p, false, 5, 0, 1, false), DP_PROP_KEEP);
	CHECK_EQ(decide(&p, false, 5, 0, 1, false), DP_PROP_SHRINK);
	CHECK_EQ(decide(&p, false, 0, 0, 10, false), DP_PROP_SHRINK); /* a long sleep */
	/* busy, even very: it never wakes another (only thread 0 does) */
	for (int i = 0; i < 20; i++)
		CHECK_EQ(decide(&p, false, 100, 100, 1, false), DP_PROP_KEEP);
}

/* Thread 0 never parks (one thread at idle), wakes a thread only while it
 * runs another's worker (never more threads than workers), and only when
 * that worker keeps it at least low-mark busy (so the woken thread does
 * not park again at once). */
static void test_prop_thread0_grows_only_with_work_for_another(void)
{
	struct dp_prop p = { 0 };

	for (int i = 0; i < 100; i++)
		CHECK_EQ(decide(&p, true, 0, 0, 10, true), DP_PROP_KEEP);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(decide(&p, true, 100, 0, 1, false), DP_PROP_KEEP); /* none held */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(decide(&p, true, 90, 5, 1, true), DP_PROP_KEEP); /* its own load */
	CHECK_EQ(decide(&p, true, 90, 40, 1, true), DP_PROP_KEEP);
	CHECK_EQ(decide(&p, true, 90, 40, 1, true), DP_PROP_GROW);
	CHECK_EQ(decide(&p, true, 90, 40, 1, true), DP_PROP_KEEP); /* counts again */
	CHECK_EQ(decide(&p, true, 40, 30, 1, true), DP_PROP_KEEP); /* between: reset */
	CHECK_EQ(decide(&p, true, 90, 40, 1, true), DP_PROP_KEEP);
	CHECK_EQ(decide(&p, true, 90, 40, 1, true), DP_PROP_GROW);
}

/* Marks that move worker 1 between its thread and thread 0 whenever it
 * has a round without work, and back as soon as it has work: hand-offs
 * all the time under traffic (a window is a round). */
static void tune_two_flapping(struct xtoed_cfg *c)
{
	c->workers = 2;
	c->prop = (struct dp_prop_cfg){ .low_pct = 1, .high_pct = 0, .window_us = 1,
					.grow_windows = 1, .shrink_windows = 1 };
}

/* Workers handed back and forth between threads while connections on
 * both carry data: every byte arrives, in order, both ways (and with
 * ThreadSanitizer, no race in a hand-off). */
static void test_two_workers_handed_between_threads_under_traffic(void)
{
	struct xtoe_stat_dp sa = { 0 }, sb = { 0 };
	struct pair p = { 0 };
	uint32_t i;

	REQUIRE(loopnet_up(&p.n, tune_two_flapping) == 0);
	pair_open(&p, 7014);
	for (i = 0; i < 32; i++) {
		echo_once(&p, 7014, 128 * 1024, 40 + i);
		REQUIRE(worker_stats(p.n.a.sock, &sa) && worker_stats(p.n.b.sock, &sb));
		if (i >= 3 && sa.w[1].parks >= 4 && sa.w[1].unparks >= 4 &&
		    sb.w[1].parks >= 4 && sb.w[1].unparks >= 4)
			break;
	}
	printf("# %u transfers; worker 1 parked/handed back: A %llu/%llu, B %llu/%llu\n",
	       i + 1, (unsigned long long)sa.w[1].parks, (unsigned long long)sa.w[1].unparks,
	       (unsigned long long)sb.w[1].parks, (unsigned long long)sb.w[1].unparks);
	CHECK(sa.w[1].parks >= 4 && sa.w[1].unparks >= 4);
	CHECK(sb.w[1].parks >= 4 && sb.w[1].unparks >= 4);
	CHECK(conns_drain(&p.w, p.n.a.sock));
	CHECK(conns_drain(&p.w, p.n.b.sock));
	pair_down(&p);
}

/* --- a C module's segment hooks with two workers ------------------------ */

static char ss_spec[256], ss_out[128];

#ifndef TEST_CMOD_DIR /* the ThreadSanitizer build has its own segstat */
#define TEST_CMOD_DIR TEST_BUILD_DIR "/examples/cmodules"
#endif

static void tune_two_segstat(struct xtoed_cfg *c)
{
	c->workers = 2;
	if (strcmp(c->ifname, "loopB"))
		return;
	c->cmodules[0] = ss_spec;
	c->ncmodules = 1;
}

/* Both of B's workers call segstat's hooks (its counters are plain: one
 * call at a time, or ThreadSanitizer reports them); each connection's
 * SYN in and SYN-ACK out counted. */
static void test_two_workers_cmodule_hooks_one_at_a_time(void)
{
	struct pair p = { 0 };
	unsigned long v[9] = { 0 };

	snprintf(ss_out, sizeof(ss_out), "/tmp/xtoe-segstat-w.%d", getpid());
	snprintf(ss_spec, sizeof(ss_spec), "%s/segstat.so:%s", TEST_CMOD_DIR, ss_out);
	REQUIRE(loopnet_up(&p.n, tune_two_segstat) == 0);
	pair_open(&p, 7013);
	for (uint32_t i = 0; i < 8; i++)
		echo_once(&p, 7013, 64 * 1024, 30 + i);
	CHECK(conns_drain(&p.w, p.n.b.sock));
	pair_down(&p); /* segstat writes its line when B's daemon closes */
	CHECK_EQ(segstat_read(ss_out, v), 9);
	printf("# segstat: rx_segs %lu tx_segs %lu syn %lu\n", v[0], v[2], v[4]);
	CHECK(v[4] >= 16);
	CHECK(v[1] >= 8 * 64 * 1024 && v[3] >= 8 * 64 * 1024); /* both ways */
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_hub_routes_to_the_owner);
	RUN(test_two_workers_many_connections);
	RUN(test_two_workers_echo_lossy);
	RUN(test_two_workers_segments_on_the_wrong_worker);
	RUN(test_two_workers_cmodule_hooks_one_at_a_time);
	RUN(test_prop_samples_busy_time);
	RUN(test_prop_parks_an_idle_thread_with_hysteresis);
	RUN(test_prop_thread0_grows_only_with_work_for_another);
	RUN(test_two_workers_handed_between_threads_under_traffic);
	RUN(test_pipeline_one_connection_in_order);
	return check_summary();
}
