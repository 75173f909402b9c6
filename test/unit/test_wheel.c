/* SPDX-License-Identifier: MIT */
/* The timing wheel (daemon/wheel.c) that runs the TCP core's timers. */
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

int main(void)
{
	RUN(test_wheel_fires_due_only);
	RUN(test_wheel_move_cancel_and_past);
	return check_summary();
}
