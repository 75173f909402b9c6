/* SPDX-License-Identifier: MIT */
/* SPSC queue, sleep/wake protocol and the data-path flow table. */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>

#include "check.h"
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

int main(void)
{
	RUN(test_spsc_fifo_and_wrap);
	RUN(test_spsc_corrupt_producer_index);
	RUN(test_wake_protocol_no_lost_wakeup);
	RUN(test_flowtab_insert_find_remove);
	return check_summary();
}
