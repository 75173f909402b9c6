/* SPDX-License-Identifier: MIT */
/* SPSC queue, sleep/wake protocol, the data-path flow table and the
 * data-path's notes to the control plane at and past capacity. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "daemon/dp/dp.h"
#include "daemon/dp/flowtab.h"
#include "common/spsc.h"
#include "common/wake.h"

struct q8 {
	struct spsc_shared *sh;
	struct spsc prod, cons;
};

static void q8_init(struct q8 *q, uint32_t entries)
{
	q->sh = aligned_alloc(64, (spsc_bytes(entries, 8) + 63) & ~63ul);
	spsc_format(q->sh);
	spsc_attach(&q->prod, q->sh, entries, 8);
	spsc_attach(&q->cons, q->sh, entries, 8);
}

static void test_spsc_fifo_and_wrap(void)
{
	struct q8 q;
	uint64_t v;

	q8_init(&q, 4);
	for (uint64_t round = 0; round < 10; round++) {
		for (uint64_t i = 0; i < 4; i++)
			CHECK(spsc_push(&q.prod, &(uint64_t){ round * 10 + i }));
		CHECK(!spsc_push(&q.prod, &(uint64_t){ 99 })); /* full */
		CHECK_EQ(spsc_used(&q.prod), 4);
		for (uint64_t i = 0; i < 4; i++) {
			CHECK(spsc_pop(&q.cons, &v));
			CHECK_EQ(v, round * 10 + i);
		}
		CHECK(!spsc_pop(&q.cons, &v)); /* empty */
		CHECK(spsc_empty(&q.cons));
	}
	free(q.sh);
}

/* A producer in another process may scribble over the shared indices: the
 * consumer must never index outside the storage or loop forever. */
static void test_spsc_corrupt_producer_index(void)
{
	struct q8 q;
	uint64_t v;
	int n = 0;

	q8_init(&q, 4);
	atomic_store(&q.sh->prod, 1000000);
	while (spsc_pop(&q.cons, &v) && n < 100)
		n++;
	CHECK_EQ(n, 0);
	free(q.sh);
}

struct stress {
	struct q8 q;
	_Atomic uint32_t sleeping;
	int efd;
	uint64_t items;
	uint64_t sum;
	uint64_t sleeps;
};

static void *producer(void *arg)
{
	struct stress *s = arg;

	for (uint64_t i = 1; i <= s->items; i++) {
		while (!spsc_push(&s->q.prod, &i))
			;
		wake_sleeper(&s->sleeping, s->efd);
	}
	return NULL;
}

/* The consumer sleeps whenever the queue looks empty; with the protocol no
 * wake-up may be lost (a lost one would hang until the poll time-out). */
static void test_wake_protocol_no_lost_wakeup(void)
{
	struct stress s = { .items = 300000 };
	struct pollfd pfd;
	pthread_t th;
	uint64_t v, got = 0, lost = 0;

	q8_init(&s.q, 64);
	s.efd = eventfd(0, EFD_NONBLOCK);
	pfd.fd = s.efd;
	pfd.events = POLLIN;
	pthread_create(&th, NULL, producer, &s);
	while (got < s.items) {
		if (spsc_pop(&s.q.cons, &v)) {
			s.sum += v;
			got++;
			continue;
		}
		wake_announce_sleep(&s.sleeping);
		if (spsc_empty(&s.q.cons)) {
			s.sleeps++;
			if (poll(&pfd, 1, 2000) == 0)
				lost++;
		}
		wake_cancel_sleep(&s.sleeping);
		wake_drain(s.efd);
	}
	pthread_join(th, NULL);
	CHECK_EQ(lost, 0);
	CHECK_EQ(s.sum, s.items * (s.items + 1) / 2);
	free(s.q.sh);
}

/* read syscalls this process made so far (/proc/self/io syscr; the read of
 * the file itself counts once per call) */
static long read_calls(void)
{
	char buf[512], *p;
	int fd = open("/proc/self/io", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "syscr: ");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

/* An eventfd's read returns its whole counter and resets it: draining one
 * that was signalled any number of times costs one read (not a second
 * that fails with EAGAIN), and leaves it empty. */
static void test_wake_drain_one_read(void)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	long r0, r1, self;
	uint64_t v;

	REQUIRE(efd >= 0);
	r0 = read_calls();
	r1 = read_calls();
	REQUIRE(r0 >= 0 && r1 >= 0); /* /proc/self/io: task I/O accounting */
	self = r1 - r0;
	for (int i = 0; i < 3; i++)
		CHECK(wake_signal(efd));
	r0 = read_calls();
	wake_drain(efd);
	r1 = read_calls();
	CHECK_EQ(r1 - r0 - self, 1);
	CHECK_EQ(read(efd, &v, sizeof(v)), -1);
	close(efd);
}

/* After a poll the eventfd did not end (another fd or the time-out), the
 * sleeper reads nothing; after one it ended, it drains it in one read. */
static void test_wake_drain_only_when_fired(void)
{
	struct pollfd p = { .fd = eventfd(0, EFD_NONBLOCK), .events = POLLIN };
	long r0, r1, self;

	REQUIRE(p.fd >= 0);
	r0 = read_calls();
	r1 = read_calls();
	REQUIRE(r0 >= 0 && r1 >= 0);
	self = r1 - r0;
	CHECK_EQ(poll(&p, 1, 0), 0);
	r0 = read_calls();
	wake_drain_fired(&p);
	r1 = read_calls();
	CHECK_EQ(r1 - r0 - self, 0);
	CHECK(wake_signal(p.fd));
	CHECK_EQ(poll(&p, 1, 0), 1);
	r0 = read_calls();
	wake_drain_fired(&p);
	r1 = read_calls();
	CHECK_EQ(r1 - r0 - self, 1);
	CHECK_EQ(poll(&p, 1, 0), 0);
	close(p.fd);
}

static void test_flowtab_insert_find_remove(void)
{
	struct flowtab t;
	struct flow_key k;

	REQUIRE(flowtab_init(&t, 1000) == 0);
	for (uint32_t i = 0; i < 1000; i++) {
		k = (struct flow_key){ .raddr = i * 7919, .rport = (uint16_t)i, .lport = 80 };
		flowtab_insert(&t, i, &k);
	}
	for (uint32_t i = 0; i < 1000; i++) {
		k = (struct flow_key){ .raddr = i * 7919, .rport = (uint16_t)i, .lport = 80 };
		CHECK_EQ(flowtab_find(&t, &k), i);
	}
	for (uint32_t i = 0; i < 1000; i += 2)
		CHECK(flowtab_remove(&t, i));
	CHECK(!flowtab_remove(&t, 0));
	for (uint32_t i = 0; i < 1000; i++) {
		k = (struct flow_key){ .raddr = i * 7919, .rport = (uint16_t)i, .lport = 80 };
		CHECK_EQ(flowtab_find(&t, &k), i % 2 ? i : FLOWTAB_NONE);
	}
	k = (struct flow_key){ .raddr = 1, .rport = 1, .lport = 81 };
	CHECK_EQ(flowtab_find(&t, &k), FLOWTAB_NONE);
	flowtab_free(&t);
}

/* A consumer that releases an entry twice (a nested loop handling the same
 * entry) once moved its index past the producer's: the queue then looked
 * holding more than it can, or empty forever (its producer full forever).
 * A release past the producer is ignored and the queue keeps serving. */
static void test_spsc_double_release_keeps_indices(void)
{
	struct q8 q;
	uint64_t v;

	q8_init(&q, 4);
	CHECK(spsc_push(&q.prod, &(uint64_t){ 1 }));
	CHECK(spsc_peek(&q.cons));
	spsc_release(&q.cons);
	spsc_release(&q.cons); /* nothing peeked */
	CHECK_EQ(spsc_used(&q.cons), 0);
	for (uint64_t round = 0; round < 3; round++) {
		for (uint64_t i = 0; i < 4; i++)
			CHECK(spsc_push(&q.prod, &(uint64_t){ 10 + i }));
		CHECK(!spsc_push(&q.prod, &(uint64_t){ 99 }));
		CHECK(spsc_used(&q.cons) <= 4);
		for (uint64_t i = 0; i < 4; i++) {
			CHECK(spsc_pop(&q.cons, &v));
			CHECK_EQ(v, 10 + i);
		}
		spsc_release(&q.cons); /* extra releases of a drained queue */
		spsc_release(&q.cons);
		CHECK_EQ(spsc_used(&q.prod), 0);
		CHECK(!spsc_pop(&q.cons, &v));
	}
	free(q.sh);
}

/* The daemon's cp2dp and dp2cp: ONE view used by both threads. Each side
 * must cache the other's index in a field of its own; with one shared
 * field the consumer's last seen prod passed for the producer's last seen
 * cons, the producer overwrote entries not yet read and the indices ended
 * more than a queue apart (16,000 connections closed at once). */
struct shared_view {
	struct spsc q;
	uint64_t items;
};

static void *shared_view_producer(void *arg)
{
	struct shared_view *s = arg;

	for (uint64_t i = 1; i <= s->items; i++)
		while (!spsc_push(&s->q, &i))
			;
	return NULL;
}

static void test_spsc_one_view_both_threads(void)
{
	struct shared_view s = { .items = 2000000 };
	struct spsc_shared *sh = aligned_alloc(64, (spsc_bytes(8, 8) + 63) & ~63ul);
	uint64_t v, next = 1, bad = 0, over = 0;
	pthread_t th;

	spsc_format(sh);
	spsc_attach(&s.q, sh, 8, 8);
	pthread_create(&th, NULL, shared_view_producer, &s);
	while (next <= s.items && bad < 10) {
		over += spsc_used(&s.q) > 8;
		if (!spsc_pop(&s.q, &v))
			continue;
		bad += v != next;
		next = v + 1;
	}
	if (bad)
		pthread_cancel(th);
	pthread_join(th, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(over, 0);
	free(sh);
}

/* A data-path with only its note queue (QN entries) attached. */
#define QN 8u
static struct xtoed notes_d;

static struct dp *notes_dp(void)
{
	memset(&notes_d, 0, sizeof(notes_d));
	notes_d.cfg.max_flows = 4;
	notes_d.wk[0].notes.sh = aligned_alloc(64, (spsc_bytes(QN, sizeof(struct cp_note)) + 63) &
					       ~63ul);
	if (!notes_d.wk[0].notes.sh || dp_create(&notes_d))
		return NULL;
	spsc_format(notes_d.wk[0].notes.sh);
	spsc_attach(&notes_d.wk[0].notes, notes_d.wk[0].notes.sh, QN, sizeof(struct cp_note));
	return notes_d.dp;
}

static void notes_free(void)
{
	dp_destroy(&notes_d);
	free(notes_d.wk[0].notes.sh);
}

/* The overflow list is a FIFO whose tail is the last node (O(1) append). */
static bool overflow_tail_ok(const struct dp *dp)
{
	const struct dp_note_overflow *last = NULL;
	uint64_t n = 0;

	for (const struct dp_note_overflow *o = dp->overflow; o; o = o->next) {
		last = o;
		n++;
	}
	return n == dp->st.note_overflow && (!last || last == dp->overflow_tail);
}

/* The same at a step of a long drain: the tail ends the list, in O(1);
 * the whole walk every 1,000 steps (walking 32,000 nodes at each of 32,000
 * steps took 90 s under qemu-user). */
static bool overflow_tail_ok_at(const struct dp *dp, uint32_t step)
{
	if (dp->overflow && (!dp->overflow_tail || dp->overflow_tail->next))
		return false;
	return step % 1000 || overflow_tail_ok(dp);
}

/* 16,000 flows closed at once send two notes each, far past the queue:
 * the queue's indices stay within its size, every note arrives once and
 * in order, and past DP_NOTE_BACKLOG waiting notes the applications'
 * bumps wait (backpressure) until the control plane catches up. */
static void test_notes_past_capacity_none_lost(void)
{
	const uint32_t total = 32000;
	struct dp *dp = notes_dp();
	struct cp_note n;
	uint32_t next = 0, bad = 0;

	REQUIRE(dp);
	for (uint32_t i = 0; i < total; i++) {
		struct cp_note w = { .type = CP_NOTE_FLOW_DONE, .flow = i };

		w.conn.ep.dport = (uint16_t)i; /* the key the control plane looks up */
		w.conn.ep.daddr = i * 7;
		w.conn.state = TCP_TIME_WAIT;
		dp_note_push(dp, &w);
		bad += spsc_used(&notes_d.wk[0].notes) > QN;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(spsc_used(&notes_d.wk[0].notes), QN);
	CHECK_EQ(dp->st.note_overflow, total - QN);
	CHECK(overflow_tail_ok(dp));
	CHECK(dp_notes_backlogged(dp));
	CHECK_EQ(dp_poll_apps(dp), 0);
	while (spsc_pop(&notes_d.wk[0].notes, &n) || (dp_flush_overflow(dp), spsc_pop(&notes_d.wk[0].notes, &n))) {
		bad += n.type != CP_NOTE_FLOW_DONE || n.flow != next ||
		       n.conn.ep.dport != (uint16_t)next || n.conn.ep.daddr != next * 7 ||
		       n.conn.state != TCP_TIME_WAIT;
		next++;
		bad += spsc_used(&notes_d.wk[0].notes) > QN || !overflow_tail_ok_at(dp, next);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(next, total);
	CHECK_EQ(dp->st.note_overflow, 0);
	CHECK_EQ(dp->st.note_overflow_peak, total - QN);
	CHECK(!dp_notes_backlogged(dp));
	CHECK(!dp->overflow);
	notes_free();
}

int main(void)
{
	alarm(120); /* a queue that never drains fails, never hangs */
	RUN(test_spsc_fifo_and_wrap);
	RUN(test_spsc_corrupt_producer_index);
	RUN(test_wake_protocol_no_lost_wakeup);
	RUN(test_wake_drain_one_read);
	RUN(test_wake_drain_only_when_fired);
	RUN(test_flowtab_insert_find_remove);
	RUN(test_spsc_double_release_keeps_indices);
	RUN(test_spsc_one_view_both_threads);
	RUN(test_notes_past_capacity_none_lost);
	return check_summary();
}
