/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's reorder step (daemon/dp/dp_reorder.c): batches completed
 * out of order are delivered in the order they were issued; a missing one
 * holds every later one; at most size batches are out; the sequence runs
 * on across many turns of the ring; and, with real threads completing
 * batches in whatever order the scheduler gives, each batch is delivered
 * once, in order, with what its completer wrote.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "check.h"
#include "daemon/dp/dp_reorder.h"

static void test_out_of_order_completion_delivered_in_order(void)
{
	struct dp_reorder r;
	uint64_t s[4], got;

	REQUIRE(dp_reorder_init(&r, 4) == 0);
	for (int i = 0; i < 4; i++)
		REQUIRE(dp_reorder_claim(&r, &s[i]));
	CHECK_EQ(s[0], 0);
	CHECK_EQ(s[3], 3);
	dp_reorder_done(&r, 2);
	dp_reorder_done(&r, 1);
	dp_reorder_done(&r, 3);
	CHECK(!dp_reorder_next(&r, &got)); /* 0 missing: it holds 1..3 */
	CHECK(dp_reorder_holding(&r));
	dp_reorder_done(&r, 0);
	CHECK(!dp_reorder_holding(&r));
	for (uint64_t want = 0; want < 4; want++) {
		REQUIRE(dp_reorder_next(&r, &got));
		CHECK_EQ(got, want);
		dp_reorder_release(&r);
	}
	CHECK(!dp_reorder_next(&r, &got));
	dp_reorder_free(&r);
}

static void test_bounded_and_a_gap_holds_the_rest(void)
{
	struct dp_reorder r;
	uint64_t seq, got;

	REQUIRE(dp_reorder_init(&r, 8) == 0);
	for (int i = 0; i < 8; i++)
		REQUIRE(dp_reorder_claim(&r, &seq));
	CHECK(!dp_reorder_claim(&r, &seq)); /* 8 out: full */
	CHECK(!dp_reorder_room(&r));
	for (uint64_t i = 1; i < 8; i++)
		dp_reorder_done(&r, i);
	CHECK(!dp_reorder_next(&r, &got)); /* 0 never completes yet */
	CHECK(!dp_reorder_claim(&r, &seq)); /* and nothing more goes out */
	dp_reorder_done(&r, 0);
	REQUIRE(dp_reorder_next(&r, &got));
	CHECK_EQ(got, 0);
	dp_reorder_release(&r);
	REQUIRE(dp_reorder_claim(&r, &seq)); /* one slot free again */
	CHECK_EQ(seq, 8);
	CHECK(!dp_reorder_claim(&r, &seq));
	CHECK_EQ(dp_reorder_out(&r), 8);
	dp_reorder_free(&r);
	CHECK_EQ(dp_reorder_init(&r, 6), -EINVAL);
}

/* A slot's done mark of an earlier turn never passes for this one. */
static void test_many_turns_stale_marks_ignored(void)
{
	struct dp_reorder r;
	uint64_t seq, got, next = 0;

	REQUIRE(dp_reorder_init(&r, 4) == 0);
	for (uint32_t turn = 0; turn < 1000; turn++) {
		for (int i = 0; i < 4; i++)
			REQUIRE(dp_reorder_claim(&r, &seq));
		CHECK(!dp_reorder_next(&r, &got)); /* last turn's marks: stale */
		for (int i = 3; i >= 0; i--)
			dp_reorder_done(&r, seq - 3 + (uint64_t)i);
		while (dp_reorder_next(&r, &got)) {
			CHECK_EQ(got, next);
			next++;
			dp_reorder_release(&r);
		}
	}
	CHECK_EQ(next, 4000);
	dp_reorder_free(&r);
}

/* Two completer threads (odd and even numbers, as two PRE threads take
 * batches in turn), one issuing and delivering: every number once, in
 * order, each carrying what its completer wrote. */
#define THREAD_N 50000u
static struct dp_reorder tr;
static uint64_t payload[16];
static _Atomic uint64_t issued_upto; /* numbers below it are out */

static void *completer(void *arg)
{
	uint64_t seq = (uint64_t)(uintptr_t)arg;

	while (seq < THREAD_N) {
		if (atomic_load_explicit(&issued_upto, memory_order_acquire) <= seq) {
			sched_yield(); /* two cores, three threads */
			continue;
		}
		payload[seq & 15] = seq * 7 + 1;
		dp_reorder_done(&tr, seq);
		seq += 2;
	}
	return NULL;
}

static void test_threads_complete_out_of_order(void)
{
	pthread_t th[2];
	uint64_t seq, got, next = 0;
	bool ordered = true, carried = true;

	REQUIRE(dp_reorder_init(&tr, 16) == 0);
	for (uintptr_t i = 0; i < 2; i++)
		REQUIRE(pthread_create(&th[i], NULL, completer, (void *)i) == 0);
	while (next < THREAD_N) {
		sched_yield();
		while (tr.issued < THREAD_N && dp_reorder_claim(&tr, &seq))
			atomic_store_explicit(&issued_upto, seq + 1, memory_order_release);
		while (dp_reorder_next(&tr, &got)) {
			ordered = ordered && got == next;
			carried = carried && payload[got & 15] == got * 7 + 1;
			next++;
			dp_reorder_release(&tr);
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(ordered);
	CHECK(carried);
	CHECK_EQ(next, THREAD_N);
	dp_reorder_free(&tr);
}

int main(void)
{
	RUN(test_out_of_order_completion_delivered_in_order);
	RUN(test_bounded_and_a_gap_holds_the_rest);
	RUN(test_many_turns_stale_marks_ignored);
	RUN(test_threads_complete_out_of_order);
	return check_summary();
}
