/* SPDX-License-Identifier: MIT */
/*
 * Memory ordering between threads (and, through shared memory, processes):
 * a producer and a consumer on two threads, many rounds, checking what a
 * weakly ordered machine (arm64) breaks when a release or an acquire is
 * missing or a protocol publishes in the wrong order: a consumer that sees
 * an index before the entry or bytes behind it, an end of stream before the
 * last bytes, a generation before the values it stands for.
 *
 * make test runs it natively, make test-arm64 as arm64 code under
 * qemu-user, make test-arm64-system on an emulated arm64 kernel. Every loop
 * is bounded: each test runs at least a minimum count (whatever the time:
 * a loaded machine only makes it slower), then on until ORDER_SECONDS
 * (default 3) or a maximum count; a hard limit of ORDER_HARD_SECONDS (120)
 * ends a test that makes no progress, and it fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/seqlock.h"
#include "common/shm.h"
#include "common/spsc.h"
#include "core/tcp.h"
#include "core/tcp_conn_int.h"
#include "daemon/cp/cp.h"
#include "daemon/dp/dp.h"
#include "lib/xtoe/xtoe_int.h"

static double order_seconds(void)
{
	const char *s = getenv("ORDER_SECONDS");

	return s && atof(s) > 0 ? atof(s) : 3.0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct bound {
	uint64_t min, max; /* counts */
	double soft, hard; /* CLOCK_MONOTONIC seconds */
};

static struct bound bound(uint64_t min, uint64_t max)
{
	const char *h = getenv("ORDER_HARD_SECONDS");
	double t = now_s();

	return (struct bound){ .min = min, .max = max, .soft = t + order_seconds(),
			       .hard = t + (h && atof(h) > 0 ? atof(h) : 120) };
}

static bool expired(const struct bound *b)
{
	return now_s() >= b->hard;
}

/* Go on after done units of work? */
static bool more(const struct bound *b, uint64_t done)
{
	return done < b->max && (done < b->min || now_s() < b->soft) && !expired(b);
}

/* A pseudo-random but reproducible byte for stream position p. */
static uint8_t stream_byte(uint32_t p)
{
	return (uint8_t)((p * 2654435761u) >> 24);
}

/* --- spsc: every entry whole and in order ----------------------------- */

#define REC_WORDS 8

struct rec {
	uint64_t w[REC_WORDS];
};

struct spsc_run {
	struct spsc_shared *sh;
	struct spsc prod, cons;
	struct bound b;
	_Atomic uint64_t produced;
	_Atomic bool done;
};

/* Fills each entry in place (reserve, write, commit), as the daemon does. */
static void *spsc_producer(void *arg)
{
	struct spsc_run *r = arg;
	uint64_t i;

	for (i = 1; more(&r->b, i - 1); i++) {
		struct rec *e;

		while (!(e = spsc_reserve(&r->prod)))
			if (expired(&r->b))
				goto out;
		for (int k = 0; k < REC_WORDS; k++)
			e->w[k] = i * REC_WORDS + (uint64_t)k;
		spsc_commit(&r->prod);
	}
out:
	atomic_store_explicit(&r->produced, i - 1, memory_order_relaxed);
	atomic_store_explicit(&r->done, true, memory_order_release);
	return NULL;
}

static void test_spsc_entries_whole_and_in_order(void)
{
	struct spsc_run r = { .b = bound(20000, 5000000) };
	uint64_t next = 1, torn = 0;
	pthread_t th;

	r.sh = aligned_alloc(64, (spsc_bytes(16, sizeof(struct rec)) + 63) & ~63ul);
	REQUIRE(r.sh);
	spsc_format(r.sh);
	spsc_attach(&r.prod, r.sh, 16, sizeof(struct rec));
	spsc_attach(&r.cons, r.sh, 16, sizeof(struct rec));
	REQUIRE(pthread_create(&th, NULL, spsc_producer, &r) == 0);
	for (;;) {
		struct rec *e = spsc_peek(&r.cons);

		if (!e) {
			if (expired(&r.b))
				break;
			if (atomic_load_explicit(&r.done, memory_order_acquire) &&
			    spsc_empty(&r.cons))
				break;
			continue;
		}
		for (int k = 0; k < REC_WORDS; k++)
			if (e->w[k] != next * REC_WORDS + (uint64_t)k)
				torn++;
		spsc_release(&r.cons);
		next++;
	}
	pthread_join(th, NULL);
	printf("# spsc: %llu entries, %llu bad words\n", (unsigned long long)(next - 1),
	       (unsigned long long)torn);
	CHECK_EQ(torn, 0);
	CHECK_EQ(next - 1, atomic_load(&r.produced));
	CHECK(next - 1 >= r.b.min);
	free(r.sh);
}

/* --- a context with one flow, in memory, without a daemon ------------- */

#define RING 4096

struct flowenv {
	struct xtoe_shm_hdr h;
	uint8_t *base;
	struct xtoe_ctx ctx;
	struct xtoe_conn *slots[1];
	struct xtoe_conn *c;
	struct xtoe_flow_shm *fs;
	struct spsc app2dp; /* the data-path's end of the bump queue */
};

static int flowenv_init(struct flowenv *e)
{
	struct xtoe_shm_geom g = { .max_flows = 1, .q_entries = 64,
				   .rx_size = RING, .tx_size = RING };
	struct xtoe_ctx *x = &e->ctx;

	memset(e, 0, sizeof(*e));
	xtoe_shm_layout(&e->h, &g);
	e->base = aligned_alloc(4096, (e->h.size + 4095) & ~4095ul);
	if (!e->base)
		return -1;
	memset(e->base, 0, e->h.size);
	memcpy(e->base, &e->h, sizeof(e->h));
	x->base = e->base;
	x->size = e->h.size;
	x->hdr = (struct xtoe_shm_hdr *)e->base;
	x->geo = e->h;
	x->flows = (struct xtoe_flow_shm *)(e->base + e->h.flows_off);
	x->slots = e->slots;
	x->sock = x->app_efd = -1;
	x->dp_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	x->ready.next = x->ready.prev = &x->ready;
	spsc_format((struct spsc_shared *)(e->base + e->h.app2dp_off));
	spsc_attach(&x->app2dp, (void *)(e->base + e->h.app2dp_off), g.q_entries,
		    sizeof(struct xtoe_bump));
	spsc_attach(&e->app2dp, (void *)(e->base + e->h.app2dp_off), g.q_entries,
		    sizeof(struct xtoe_bump));
	e->fs = &x->flows[0];
	e->fs->rx_size = e->fs->tx_size = RING;
	e->fs->rx_off = xtoe_shm_rx_off(&e->h, 0);
	e->fs->tx_off = xtoe_shm_tx_off(&e->h, 0);
	atomic_store(&e->fs->gen, 1);
	atomic_store(&e->fs->status, XTOE_FS_OPEN);
	return x->dp_efd < 0 || xlib_conn_new(x, 0, 1, &e->c) ? -1 : 0;
}

static void flowenv_free(struct flowenv *e)
{
	xlib_conn_free(e->c);
	close(e->ctx.dp_efd);
	free(e->ctx.ov);
	free(e->base);
}

/* The data-path's side: drop the application's bumps (their content does
 * not matter here, only that the queue keeps moving). */
static void drain_bumps(struct flowenv *e)
{
	struct xtoe_bump b;

	while (spsc_pop(&e->app2dp, &b))
		;
}

/* --- receive: bytes, then FIN; the end never comes early -------------- */

struct rx_run {
	struct flowenv e;
	struct bound b;
	_Atomic bool stop;          /* the application has seen enough */
	_Atomic uint32_t dp_round;  /* round the data-path is in (FIN cleared) */
	_Atomic uint32_t app_round; /* last round the application finished */
	_Atomic uint32_t tail_at_fin; /* rx_tail when FIN was set */
};

/* As the data-path delivers: bytes into the ring, rx_tail (release), then
 * RX_FIN (release). One chunk and a FIN per round. */
static void *rx_datapath(void *arg)
{
	struct rx_run *r = arg;
	struct xtoe_flow_shm *fs = r->e.fs;
	uint8_t *ring = r->e.base + fs->rx_off;
	uint32_t tail = 0, seed = 1;

	for (uint32_t round = 1;; round++) {
		uint32_t len, head;

		seed = seed * 1103515245u + 12345u;
		len = 1 + (seed >> 16) % 700;
		do {
			drain_bumps(&r->e);
			head = atomic_load_explicit(&fs->rx_head, memory_order_acquire);
		} while (RING - (tail - head) < len && !expired(&r->b) &&
			 !atomic_load(&r->stop));
		for (uint32_t i = 0; i < len; i++)
			ring[(tail + i) & (RING - 1)] = stream_byte(tail + i);
		tail += len;
		atomic_store_explicit(&fs->rx_tail, tail, memory_order_release);
		atomic_store_explicit(&r->tail_at_fin, tail, memory_order_relaxed);
		atomic_fetch_or_explicit(&fs->status, XTOE_FS_RX_FIN, memory_order_release);
		/* next round once the application has seen this one end */
		while (atomic_load_explicit(&r->app_round, memory_order_acquire) != round) {
			drain_bumps(&r->e);
			if (expired(&r->b) || atomic_load(&r->stop))
				return NULL;
		}
		atomic_store_explicit(&fs->status, XTOE_FS_OPEN, memory_order_release);
		atomic_store_explicit(&r->dp_round, round + 1, memory_order_release);
	}
}

/* One round as an application reads: peek, then receive, until the end.
 * Returns the number of ends reported while bytes were still unread. */
static uint32_t rx_round(struct rx_run *r, uint32_t *pos, uint32_t *bad)
{
	struct xtoe_conn *c = r->e.c;
	uint8_t buf[512];
	uint32_t early = 0;

	for (;;) {
		struct iovec v = { buf, 1 + *pos % sizeof(buf) };
		ssize_t n = xlib_peekv(c, &v, 1);

		if (n == 0 && xtoe_rx_avail(c))
			early++; /* peek said "end of stream" with bytes waiting */
		for (ssize_t i = 0; i < n; i++)
			*bad += buf[i] != stream_byte(*pos + (uint32_t)i);
		n = xtoe_recv(c, buf, 1 + (*pos * 7) % sizeof(buf));
		if (n == 0) {
			uint32_t t = atomic_load(&r->tail_at_fin);

			if (*pos != t)
				early++; /* receive said "end of stream" before the last byte */
			*pos = t;
			return early;
		}
		if (n < 0) {
			if (n != -EAGAIN)
				return early + 1;
			if (expired(&r->b))
				return early + 1;
			continue;
		}
		for (ssize_t i = 0; i < n; i++)
			*bad += buf[i] != stream_byte(*pos + (uint32_t)i);
		*pos += (uint32_t)n;
	}
}

static void test_rx_stream_ends_after_its_last_byte(void)
{
	struct rx_run r = { .b = bound(300, 1000000), .dp_round = 1 };
	uint32_t pos = 0, bad = 0, early = 0, round;
	pthread_t th;

	REQUIRE(flowenv_init(&r.e) == 0);
	REQUIRE(pthread_create(&th, NULL, rx_datapath, &r) == 0);
	for (round = 1; more(&r.b, round - 1); round++) {
		while (atomic_load_explicit(&r.dp_round, memory_order_acquire) != round)
			if (expired(&r.b))
				goto out;
		early += rx_round(&r, &pos, &bad);
		atomic_store_explicit(&r.app_round, round, memory_order_release);
	}
out:
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	printf("# rx: %u streams, %u bytes, %u early ends, %u bad bytes\n",
	       round - 1, pos, early, bad);
	CHECK_EQ(early, 0);
	CHECK_EQ(bad, 0);
	CHECK(round - 1 >= r.b.min);
	flowenv_free(&r.e);
}

/* --- send: the data-path reads only bytes the application published ---- */

struct tx_run {
	struct flowenv e;
	struct tcp_conn tcp; /* the data-path's view, attached to the slot */
	struct bound b;
	_Atomic uint64_t bytes; /* sent, once the application stopped */
	_Atomic uint64_t checked;
	uint32_t bad;
};

/* As the data-path transmits: tx_tail (acquire, tcpc_tx_tail), the bytes
 * (tcp_tx_copy), then tx_head (release) once "acknowledged". */
static void *tx_datapath(void *arg)
{
	struct tx_run *r = arg;
	uint32_t head = 0;
	uint8_t seg[1460];

	while (atomic_load_explicit(&r->checked, memory_order_relaxed) <
		       atomic_load(&r->bytes) && !expired(&r->b)) {
		uint32_t tail = tcpc_tx_tail(&r->tcp), n = tail - head;

		drain_bumps(&r->e);
		if (n > sizeof(seg))
			n = sizeof(seg);
		if (!n)
			continue;
		tcp_tx_copy(&r->tcp, head, (uint16_t)n, seg);
		for (uint32_t i = 0; i < n; i++)
			r->bad += seg[i] != stream_byte(head + i);
		head += n;
		r->tcp.tx_head = head; /* as the core does on an ACK */
		r->tcp.b.ops->tx_head_set(r->tcp.b.app, head); /* release */
		atomic_fetch_add_explicit(&r->checked, n, memory_order_relaxed);
	}
	return NULL;
}

static void test_tx_stream_whole_bytes(void)
{
	struct tx_run r = { .b = bound(2u << 20, 256u << 20), .bytes = UINT64_MAX };
	uint64_t sent = 0;
	uint8_t buf[3000];
	pthread_t th;
	struct app_ctx ac;
	struct tcp_bufs bufs;

	REQUIRE(flowenv_init(&r.e) == 0);
	/* the daemon's own view of the slot's rings (dp_ring.c) */
	memset(&ac, 0, sizeof(ac));
	ac.base = r.e.base;
	ac.geom = r.e.h;
	ac.slots = r.e.fs;
	dp_ring_bufs(&ac, 0, &bufs);
	tcp_conn_attach(&r.tcp, &bufs);
	REQUIRE(pthread_create(&th, NULL, tx_datapath, &r) == 0);
	while (more(&r.b, sent)) {
		size_t len = 1 + (sent * 13) % sizeof(buf);
		ssize_t n;

		for (size_t i = 0; i < len; i++)
			buf[i] = stream_byte((uint32_t)(sent + i));
		n = xtoe_send(r.e.c, buf, len);
		if (n > 0)
			sent += (uint64_t)n;
		else if (n != -EAGAIN)
			break;
	}
	atomic_store(&r.bytes, sent); /* the data-path stops once it checked it all */
	pthread_join(th, NULL);
	printf("# tx: %llu bytes sent, %llu checked, %u bad\n", (unsigned long long)sent,
	       (unsigned long long)atomic_load(&r.checked), r.bad);
	CHECK_EQ(r.bad, 0);
	CHECK_EQ(atomic_load(&r.checked), sent);
	CHECK(sent >= r.b.min);
	flowenv_free(&r.e);
}

/* --- seqlock: a reader accepts only whole snapshots ------------------- */

#define SNAP_WORDS 32

struct seq_run {
	_Atomic uint32_t seq;
	uint64_t w[SNAP_WORDS];
	struct bound b;
	_Atomic bool stop;
};

/* As the data-path publishes its counters (dp_pub.c): every word of one
 * publication carries the same number. */
static void *seq_writer(void *arg)
{
	struct seq_run *r = arg;

	for (uint64_t k = 1; !atomic_load_explicit(&r->stop, memory_order_relaxed) &&
			     !expired(&r->b); k++) {
		seqlock_write_begin(&r->seq);
		for (int i = 0; i < SNAP_WORDS; i++)
			r->w[i] = k;
		seqlock_write_end(&r->seq);
	}
	return NULL;
}

static void test_seqlock_snapshots_whole(void)
{
	struct seq_run r = { .b = bound(20000, 50000000) };
	uint64_t snaps = 0, torn = 0, retries = 0, copy[SNAP_WORDS];
	pthread_t th;

	REQUIRE(pthread_create(&th, NULL, seq_writer, &r) == 0);
	while (more(&r.b, snaps)) {
		uint32_t s = seqlock_read_begin(&r.seq);

		memcpy(copy, r.w, sizeof(copy));
		if (seqlock_read_retry(&r.seq, s)) {
			retries++;
			continue;
		}
		for (int i = 1; i < SNAP_WORDS; i++)
			torn += copy[i] != copy[0];
		snaps++;
	}
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	printf("# seqlock: %llu snapshots, %llu retries, %llu torn\n",
	       (unsigned long long)snaps, (unsigned long long)retries,
	       (unsigned long long)torn);
	CHECK_EQ(torn, 0);
	CHECK(snaps >= r.b.min);
}

/* --- capture ring: a new capture holds only its own frames, from every
 * worker ---------------------------------------------------------------- */

#define CAP_WORKERS 2

struct cap_run {
	struct xtoed *d;
	struct dp *dp[CAP_WORKERS];
	struct bound b;
	_Atomic uint64_t produced[CAP_WORKERS]; /* frames each worker sent so far */
	_Atomic bool stop;
};

struct cap_worker {
	struct cap_run *r;
	int w;
};

static uint32_t frame_len(uint64_t k)
{
	return 60 + (uint32_t)(k % 200);
}

/* As a worker's rounds: look at the switch, then send (and, while
 * capturing, copy) a few frames, numbered per worker (the worker in the
 * number's top byte). */
static void *cap_datapath(void *arg)
{
	struct cap_worker *cw = arg;
	struct cap_run *r = cw->r;
	uint8_t frame[300];
	uint64_t k = 0;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed) && !expired(&r->b)) {
		dp_cap_round(r->dp[cw->w]);
		for (int j = 0; j < 8; j++) {
			uint32_t len = frame_len(++k);
			uint64_t id = (uint64_t)cw->w << 56 | k;

			memcpy(frame, &id, sizeof(id));
			memset(frame + sizeof(id), (int)(k & 0xff), len - sizeof(id));
			atomic_store_explicit(&r->produced[cw->w], k, memory_order_release);
			dp_cap_tx(r->dp[cw->w], frame, len);
		}
	}
	return NULL;
}

/* A record of a capture session that began when each worker had counted
 * start[w] frames: its worker's frame k >= start[w] (frame start[w] may be
 * in flight as the session begins; older ones are another session's),
 * newer than that worker's last one, whole; seen[w] counts them. */
static bool cap_rec_ok(const struct xtoe_cap_rec *rec, const uint64_t *start,
		       uint64_t *last, uint64_t *seen)
{
	uint64_t k;
	int w;

	if (rec->caplen < sizeof(k) || rec->caplen > XTOE_CAP_SNAP_MAX)
		return false;
	memcpy(&k, rec->data, sizeof(k));
	w = (int)(k >> 56);
	k &= (1ull << 56) - 1;
	if (w >= CAP_WORKERS || k < start[w] || k <= last[w] || rec->len != frame_len(k) ||
	    rec->caplen != (rec->len < 128 ? rec->len : 128))
		return false;
	for (uint32_t i = sizeof(k); i < rec->caplen; i++)
		if (rec->data[i] != (uint8_t)(k & 0xff))
			return false;
	last[w] = k;
	seen[w]++;
	return true;
}

/* Two workers copy their frames into each session's one ring at once
 * (the ring has one producer at a time); every session's records are its
 * own and whole, and both workers' frames reach the tool. */
static void test_capture_restart_holds_only_its_own_frames(void)
{
	static struct xtoed d;
	struct cap_run r = { .d = &d, .b = bound(300, 1000000) };
	struct xtoe_req q = { .op = XTOE_OP_CAPTURE, .a = 128, .b = XTOE_CAP_F_TX };
	struct cap_worker cw[CAP_WORKERS];
	struct app_ctx tool;
	struct cp *cp = calloc(1, sizeof(*cp));
	uint64_t sessions = 0, records = 0, bad = 0, seen[CAP_WORKERS] = { 0 };
	pthread_t th[CAP_WORKERS];

	memset(&d, 0, sizeof(d));
	memset(&tool, 0, sizeof(tool));
	d.wk[0].efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(cp && d.wk[0].efd >= 0);
	cp->d = &d;
	for (int w = 0; w < CAP_WORKERS; w++) {
		REQUIRE((r.dp[w] = calloc(1, sizeof(*r.dp[w]))));
		r.dp[w]->d = &d;
		r.dp[w]->id = (uint32_t)w;
		cw[w] = (struct cap_worker){ .r = &r, .w = w };
		REQUIRE(pthread_create(&th[w], NULL, cap_datapath, &cw[w]) == 0);
	}
	/* at least the bound's sessions, and until both workers were seen */
	while (more(&r.b, sessions) || ((!seen[0] || !seen[1]) && !expired(&r.b))) {
		uint64_t start[CAP_WORKERS], last[CAP_WORKERS] = { 0 };
		struct xtoe_resp resp = { 0 };
		struct xtoe_cap_rec *rec;
		struct spsc q_tool;
		int fd;

		for (int w = 0; w < CAP_WORKERS; w++)
			start[w] = atomic_load_explicit(&r.produced[w], memory_order_acquire);
		fd = cp_tools_fd_request(cp, &tool, &q, &resp);
		if (fd < 0) {
			printf("# capture refused: %s\n", resp.msg);
			bad++;
			break;
		}
		close(fd);
		/* the tool's end, as xtoe-dump attaches it */
		spsc_attach(&q_tool, &d.caps[resp.val].shm->ring, XTOE_CAP_ENTRIES,
			    sizeof(*rec));
		for (int polls = 0; polls < 200; polls++) {
			while ((rec = spsc_peek(&q_tool))) {
				if (!cap_rec_ok(rec, start, last, seen))
					bad++;
				records++;
				spsc_release(&q_tool);
			}
		}
		cp_tools_gone(cp, &tool);
		sessions++;
	}
	atomic_store(&r.stop, true);
	for (int w = 0; w < CAP_WORKERS; w++)
		pthread_join(th[w], NULL);
	printf("# capture: %llu sessions, %llu records (worker 0 %llu, worker 1 %llu), "
	       "%llu not of their session\n", (unsigned long long)sessions,
	       (unsigned long long)records, (unsigned long long)seen[0],
	       (unsigned long long)seen[1], (unsigned long long)bad);
	CHECK_EQ(bad, 0);
	CHECK(sessions >= r.b.min);
	CHECK(seen[0] > 0 && seen[1] > 0);
	close(d.wk[0].efd);
	for (int w = 0; w < CAP_WORKERS; w++)
		free(r.dp[w]);
	free(cp);
}

/* --- flow_pub: a generation vouches for its flow's values ------------- */

/* The control plane (xtoectl conns) trusts pub[flow] once pub.gen equals
 * its flow's generation. At install the data-path must have written the new
 * flow's values before that generation, not leave those of the flow that
 * held the index before until its next output. */
static void test_flow_pub_install_publishes_values_before_gen(void)
{
	struct xtoe_shm_geom g = { .max_flows = 1, .q_entries = 16,
				   .rx_size = RING, .tx_size = RING };
	static struct xtoed d;
	struct app_ctx c;
	struct dp_cmd *cmd;
	struct flow_pub *p;
	uint32_t slot_flow[1] = { 0 };

	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	d.cfg.max_flows = 4;
	d.wk[0].efd = d.cp_efd = -1;
	d.pub = calloc(d.cfg.max_flows, sizeof(*d.pub));
	d.wk[0].cmds.sh = aligned_alloc(64, (spsc_bytes(4, sizeof(struct dp_cmd)) + 63) & ~63ul);
	REQUIRE(d.pub && d.wk[0].cmds.sh && dp_create(&d) == 0);
	spsc_format(d.wk[0].cmds.sh);
	spsc_attach(&d.wk[0].cmds, d.wk[0].cmds.sh, 4, sizeof(struct dp_cmd));
	xtoe_shm_layout(&c.geom, &g);
	c.base = aligned_alloc(4096, (c.geom.size + 4095) & ~4095ul);
	REQUIRE(c.base);
	memset(c.base, 0, c.geom.size);
	c.slots = (struct xtoe_flow_shm *)(c.base + c.geom.flows_off);
	c.w[0].slot_flow = slot_flow;
	/* what an earlier flow at index 2 left behind when it finished */
	p = &d.pub[2];
	atomic_store(&p->snd_una, 5);
	atomic_store(&p->snd_nxt, 900);
	atomic_store(&p->srtt_us, 250000);
	atomic_store(&p->state, TCP_FIN_WAIT_1);

	cmd = dp_cmd_reserve(&d);
	REQUIRE(cmd);
	memset(cmd, 0, offsetof(struct dp_cmd, conn));
	cmd->type = DP_CMD_INSTALL;
	cmd->flow = 2;
	cmd->ctx = &c;
	cmd->slot = 0;
	cmd->gen = 7;
	memset(&cmd->conn, 0, sizeof(cmd->conn));
	cmd->conn.state = TCP_ESTABLISHED;
	cmd->conn.snd_una = cmd->conn.snd_nxt = 123456;
	cmd->conn.srtt_us = 300;
	dp_cmd_commit(&d);
	CHECK_EQ(dp_poll_cmds(d.dp), 1);

	CHECK_EQ(atomic_load(&p->gen), 7);
	CHECK_EQ(atomic_load(&p->snd_una), 123456);
	CHECK_EQ(atomic_load(&p->snd_nxt), 123456);
	CHECK_EQ(atomic_load(&p->srtt_us), 300);
	CHECK_EQ(atomic_load(&p->state), TCP_ESTABLISHED);
	dp_destroy(&d);
	free(d.wk[0].cmds.sh);
	free(d.pub);
	free(c.base);
}

/* --- dp -> cp: segments never overtake notes waiting for room --------- */

/* When the note queue was full, notes wait in the data-path's overflow
 * list; a segment for the control plane that arrives while they wait must
 * not go ahead of them (a FLOW_DONE, then a segment of the flow it ended). */
static void test_segments_to_cp_stay_behind_waiting_notes(void)
{
	static struct xtoed d;
	struct tcp_endpoints ep = { .saddr = htonl(0xc6120002), .daddr = htonl(0xc6120001),
				    .sport = htons(40000), .dport = htons(7000) };
	struct tcp_hdrvals h = { .seq = 1, .flags = TCP_F_SYN, .wnd = 65535, .wscale = -1 };
	struct cp_note n;
	uint8_t frame[128];
	int len, notes = 0, i;

	memset(&d, 0, sizeof(d));
	d.cfg.max_flows = 4;
	d.wk[0].notes.sh = aligned_alloc(64, (spsc_bytes(8, sizeof(struct cp_note)) + 63) & ~63ul);
	REQUIRE(d.wk[0].notes.sh && dp_create(&d) == 0);
	spsc_format(d.wk[0].notes.sh);
	spsc_attach(&d.wk[0].notes, d.wk[0].notes.sh, 8, sizeof(struct cp_note));
	for (i = 0; i < 10; i++) { /* 8 fit, 2 wait */
		dp_note_push(d.dp, &(struct cp_note){ .type = CP_NOTE_FLOW_DONE,
						      .flow = (uint32_t)i });
	}
	for (i = 0; i < 8; i++) /* the control plane drains the queue */
		CHECK(spsc_pop(&d.wk[0].notes, &n));
	len = tcp_build_frame(frame, sizeof(frame), &ep, &h, NULL, 0);
	REQUIRE(len > 0);
	dp_rx_frame(d.dp, frame, (uint32_t)len, -1);
	/* what the control plane sees next: the waiting notes come first */
	while (spsc_pop(&d.wk[0].notes, &n)) {
		if (n.type == CP_NOTE_FLOW_DONE)
			notes++;
		else
			CHECK_EQ(notes, 2); /* a segment only after both notes */
	}
	CHECK_EQ(d.dp->st.drops[XTOE_DROP_QUEUE_FULL], 1); /* expendable */
	dp_destroy(&d);
	free(d.wk[0].notes.sh);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_spsc_entries_whole_and_in_order);
	RUN(test_rx_stream_ends_after_its_last_byte);
	RUN(test_tx_stream_whole_bytes);
	RUN(test_seqlock_snapshots_whole);
	RUN(test_capture_restart_holds_only_its_own_frames);
	RUN(test_flow_pub_install_publishes_values_before_gen);
	RUN(test_segments_to_cp_stay_behind_waiting_notes);
	return check_summary();
}
