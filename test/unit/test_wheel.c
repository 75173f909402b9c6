/* SPDX-License-Identifier: MIT */
/* The timing wheel (daemon/wheel.c) that runs the TCP core's timers. */
#include <string.h>

#include "check.h"
#include "daemon/wheel.h"

struct item {
	struct wheel_node n;
	int fired;
};

static void on_fire(struct wheel_node *n, void *arg)
{
	(void)arg;
	((struct item *)n)->fired++;
}

/* Deadlines fire once, at or after their time, never before. */
static void test_wheel_fires_due_only(void)
{
	struct wheel w;
	struct item a = { 0 }, b = { 0 }, c = { 0 };

	REQUIRE(wheel_init(&w, 16, 100, 1000) == 0);
	wheel_set(&w, &a.n, 1050);
	wheel_set(&w, &b.n, 1500);
	wheel_set(&w, &c.n, 1000 + 16 * 100 * 3 + 7); /* three turns ahead */
	CHECK_EQ(wheel_next(&w), 1050);
	wheel_run(&w, 1049, on_fire, NULL);
	CHECK_EQ(a.fired, 0);
	wheel_run(&w, 1050, on_fire, NULL);
	CHECK_EQ(a.fired, 1);
	CHECK(!wheel_on(&a.n));
	CHECK_EQ(wheel_next(&w), 1500);
	wheel_run(&w, 3000, on_fire, NULL);
	CHECK_EQ(b.fired, 1);
	CHECK_EQ(c.fired, 0);
	CHECK_EQ(wheel_next(&w), 1000 + 16 * 100 * 3 + 7);
	wheel_run(&w, 100000, on_fire, NULL);
	CHECK_EQ(c.fired, 1);
	CHECK_EQ(w.count, 0);
	CHECK_EQ(wheel_next(&w), UINT64_MAX);
	wheel_free(&w);
}

/* Moving and cancelling; a deadline already past fires on the next run. */
static void test_wheel_move_cancel_and_past(void)
{
	struct wheel w;
	struct item a = { 0 }, b = { 0 };

	REQUIRE(wheel_init(&w, 8, 10, 0) == 0);
	wheel_set(&w, &a.n, 500);
	wheel_set(&w, &a.n, 50);
	wheel_set(&w, &b.n, 60);
	wheel_set(&w, &b.n, UINT64_MAX); /* off */
	CHECK_EQ(w.count, 1);
	wheel_run(&w, 40, on_fire, NULL);
	wheel_set(&w, &b.n, 5); /* in the past */
	wheel_run(&w, 41, on_fire, NULL);
	CHECK_EQ(b.fired, 1);
	CHECK_EQ(a.fired, 0);
	wheel_del(&w, &a.n);
	wheel_run(&w, 1000, on_fire, NULL);
	CHECK_EQ(a.fired, 0);
	wheel_free(&w);
}

/* The earliest deadline by looking at every node: what wheel_next must say. */
static uint64_t brute_next(struct item *it, int n)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < n; i++)
		if (wheel_on(&it[i].n) && it[i].n.due < best)
			best = it[i].n.due;
	return best;
}

/* wheel_next agrees with a look at every node through random sets, moves,
 * cancels and runs, on a ring smaller than a bitmap word and on the
 * data-path's (past deadlines, several turns ahead, wrapping). */
static void test_wheel_next_matches_every_node(void)
{
	static const uint32_t sizes[] = { 8, 4096 };
	static struct item it[64];
	uint64_t rng = 0x9e3779b97f4a7c15ull, now;
	struct wheel w;

	for (int z = 0; z < 2; z++) {
		uint32_t span = sizes[z] * 10;

		REQUIRE(wheel_init(&w, sizes[z], 10, 12345) == 0);
		memset(it, 0, sizeof(it));
		now = 12345;
		for (int step = 0; step < 20000; step++) {
			struct item *x = &it[(rng >> 33) % 64];

			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			switch ((rng >> 40) % 5) {
			case 0:
				wheel_del(&w, &x->n);
				break;
			case 1:
				now += (rng >> 20) % 200;
				wheel_run(&w, now, on_fire, NULL);
				break;
			default:
				wheel_set(&w, &x->n, now - 50 + (rng >> 16) % (3 * span));
			}
			CHECK_EQ(wheel_next(&w), brute_next(it, 64));
		}
		wheel_free(&w);
	}
}

/* wheel_next looks into no empty slot: one far deadline alone on the
 * data-path's wheel (4096 slots) costs one look, not a scan of the turn. */
static void test_wheel_next_skips_empty_slots(void)
{
	struct wheel w;
	struct item a = { 0 };

	REQUIRE(wheel_init(&w, 4096, 250, 1000000) == 0);
	wheel_set(&w, &a.n, 1000000 + 4000 * 250);
	CHECK_EQ(wheel_next(&w), 1000000 + 4000 * 250);
	CHECK_EQ(w.looked, 1);
	wheel_set(&w, &a.n, 1000000 + 7 * 4096 * 250 + 100); /* turns ahead */
	CHECK_EQ(wheel_next(&w), 1000000 + 7 * 4096 * 250 + 100);
	CHECK_EQ(w.looked, 2);
	wheel_free(&w);
}

int main(void)
{
	RUN(test_wheel_fires_due_only);
	RUN(test_wheel_move_cancel_and_past);
	RUN(test_wheel_next_matches_every_node);
	RUN(test_wheel_next_skips_empty_slots);
	return check_summary();
}
