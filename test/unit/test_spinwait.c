/* SPDX-License-Identifier: MIT */
/* Adaptive waiting's decision (common/spinwait.c): spin only while the
 * measured gap between messages is shorter than a wake-up. */
#include "check.h"
#include "common/spinwait.h"

struct sim {
	struct spinwait w;
	uint64_t t;
	int spun;     /* idle periods with a spin budget */
	int caught;   /* ... in which the work came while spinning */
};

/* n idle periods, work coming gap us after each begins; a thread that
 * did not spin long enough sleeps and sees it wake us later. */
static void run(struct sim *s, int n, uint32_t gap, uint32_t wake)
{
	s->spun = s->caught = 0;
	for (int i = 0; i < n; i++) {
		uint32_t b = spinwait_idle(&s->w, s->t);

		s->spun += b > 0;
		if (gap <= b) {
			s->caught++;
			s->t += gap;
			spinwait_work(&s->w, s->t, false);
		} else {
			s->t += gap + wake;
			spinwait_work(&s->w, s->t, true);
		}
		s->t += 3; /* the work itself */
	}
}

static void sim_init(struct sim *s, uint32_t bound)
{
	spinwait_init(&s->w, bound);
	s->t = 1000;
}

/* With no history, a thread sleeps at once: no core burnt before it knows. */
static void test_spinwait_starts_sleeping(void)
{
	struct spinwait w;

	spinwait_init(&w, 50);
	CHECK_EQ(spinwait_idle(&w, 1000), 0);
}

/* Messages 5 us apart: spin, up to the bound. */
static void test_spinwait_spins_for_short_gaps(void)
{
	struct sim s;

	sim_init(&s, 50);
	run(&s, 64, 5, SPINWAIT_WAKE_US);
	CHECK(spinwait_gap(&s.w) <= 6);
	run(&s, 16, 5, SPINWAIT_WAKE_US);
	CHECK_EQ(s.caught, 16);
	CHECK_EQ(spinwait_idle(&s.w, s.t), 50);
	sim_init(&s, 4); /* a bound shorter than the gaps: sleeps, learns */
	run(&s, 64, 5, SPINWAIT_WAKE_US);
	CHECK_EQ(spinwait_idle(&s.w, s.t), 4);
}

/* Low load (a message every 10 ms): sleep at once but for one probe in
 * SPINWAIT_PROBE periods; a bound of 0 never spins. */
static void test_spinwait_sleeps_at_low_load(void)
{
	struct sim s;

	sim_init(&s, 50);
	run(&s, 64, 5, SPINWAIT_WAKE_US);
	run(&s, 8 * SPINWAIT_PROBE, 10000, SPINWAIT_WAKE_US);
	CHECK(spinwait_gap(&s.w) >= 50);
	run(&s, 8 * SPINWAIT_PROBE, 10000, SPINWAIT_WAKE_US);
	CHECK_EQ(s.spun, 8);
	CHECK_EQ(s.caught, 0);
	sim_init(&s, 0);
	run(&s, 4 * SPINWAIT_PROBE, 1, SPINWAIT_WAKE_US);
	CHECK_EQ(s.spun, 0);
}

/* A thread that sleeps through short gaps learns they were short (the
 * wake-up's latency is not counted) and spins again. */
static void test_spinwait_learns_while_sleeping(void)
{
	struct sim s;

	sim_init(&s, 50);
	run(&s, 64, 6, SPINWAIT_WAKE_US);
	run(&s, 16, 6, SPINWAIT_WAKE_US);
	CHECK_EQ(s.caught, 16);
}

/* Where a wake-up costs much more than SPINWAIT_WAKE_US, sleeping alone
 * would keep the short gaps looking long: the probes find them. */
static void test_spinwait_probes_find_short_gaps(void)
{
	struct sim s;

	sim_init(&s, 20);
	run(&s, 16 * SPINWAIT_PROBE, 8, 5 * SPINWAIT_WAKE_US);
	run(&s, 100, 8, 5 * SPINWAIT_WAKE_US);
	CHECK(s.caught >= 95);
}

/* One long pause does not stop the spinning of a busy exchange, and a
 * load that goes away turns it off within two periods. */
static void test_spinwait_adapts_both_ways(void)
{
	struct sim s;
	int n = 0;

	sim_init(&s, 50);
	run(&s, 64, 4, SPINWAIT_WAKE_US);
	run(&s, 1, 1000, SPINWAIT_WAKE_US);
	run(&s, 1, 4, SPINWAIT_WAKE_US);
	CHECK_EQ(s.caught, 1);
	run(&s, 64, 4, SPINWAIT_WAKE_US);
	do {
		run(&s, 1, 1000, SPINWAIT_WAKE_US);
		n++;
	} while (spinwait_idle(&s.w, s.t) > 0 && n < 100);
	CHECK_EQ(n, 2);
}

/* Repeated idle calls keep the period's start and budget: the gap is
 * measured from the first; work without an idle period changes nothing. */
static void test_spinwait_period_start_kept(void)
{
	struct sim s;
	uint32_t g8, b;

	sim_init(&s, 50);
	run(&s, 64, 5, SPINWAIT_WAKE_US);
	g8 = s.w.gap8;
	spinwait_work(&s.w, 9999999, true); /* not idle: ignored */
	CHECK_EQ(s.w.gap8, g8);
	b = spinwait_idle(&s.w, 100000);
	CHECK_EQ(spinwait_idle(&s.w, 100004), b);
	spinwait_work(&s.w, 100005, false);
	CHECK_EQ(s.w.gap8, g8 - (g8 >> SPINWAIT_SHIFT) + 5);
}

/* One idle period whose spin looks every `step` us until work comes `gap`
 * us after it began (or the spin ends and the thread sleeps, woken
 * SPINWAIT_WAKE_US after the work). Returns whether it caught the work. */
static bool spin_period(struct sim *s, uint32_t gap, uint32_t step)
{
	uint64_t start = s->t, now = s->t;
	bool caught = false;

	spinwait_idle(&s->w, now);
	while (spinwait_spin(&s->w, now)) {
		if (now - start >= gap) {
			caught = true;
			break;
		}
		now += step;
	}
	if (caught)
		spinwait_work(&s->w, now, false);
	else
		spinwait_work(&s->w, start + gap + SPINWAIT_WAKE_US, true);
	s->t = (caught ? now : start + gap + SPINWAIT_WAKE_US) + 3;
	return caught;
}

/* A spin that keeps its core (looks 1 us apart) spins to the work; one
 * whose looks come more than SPINWAIT_LOST_US apart (it waited for its
 * core) stops at once. One such period does not stop the next spin;
 * SPINWAIT_LOST_ROW in a row make the next SPINWAIT_PROBE periods sleep at
 * once, after which it spins again. */
static void test_spinwait_backs_off_when_the_core_is_lost(void)
{
	struct sim s;
	int spun = 0;

	sim_init(&s, 50);
	run(&s, 64, 5, SPINWAIT_WAKE_US);
	CHECK(spin_period(&s, 20, 1));
	CHECK(!spin_period(&s, 20, SPINWAIT_LOST_US + 5));
	CHECK(spin_period(&s, 20, 1)); /* one loss alone: spins on */
	for (int i = 0; i < SPINWAIT_LOST_ROW; i++)
		CHECK(!spin_period(&s, 20, SPINWAIT_LOST_US + 5));
	for (int i = 0; i < SPINWAIT_PROBE; i++) {
		spun += spinwait_idle(&s.w, s.t) > 0;
		spinwait_work(&s.w, s.t + 5 + SPINWAIT_WAKE_US, true);
		s.t += 5 + SPINWAIT_WAKE_US + 3;
	}
	CHECK_EQ(spun, 0);
	CHECK(spin_period(&s, 20, 1));
	CHECK(spin_period(&s, 20, 1));
}

/* Looks just within SPINWAIT_LOST_US of each other keep spinning (a woken
 * thread's turn on the core); the spin still ends at the budget; a thread
 * not idle does not spin. */
static void test_spinwait_spin_bounds(void)
{
	const uint32_t bound = 4 * SPINWAIT_LOST_US;
	struct sim s;
	uint64_t t;

	sim_init(&s, bound);
	run(&s, 64, 5, SPINWAIT_WAKE_US);
	CHECK(spin_period(&s, 2 * SPINWAIT_LOST_US, SPINWAIT_LOST_US));
	CHECK(spin_period(&s, 40, 15));
	CHECK(!spin_period(&s, 2 * bound, 1));
	CHECK(!spinwait_spin(&s.w, s.t));
	t = s.t;
	CHECK_EQ(spinwait_idle(&s.w, t), bound);
	for (uint64_t now = t; now < t + bound; now++)
		CHECK(spinwait_spin(&s.w, now));
	CHECK(!spinwait_spin(&s.w, t + bound));
}

int main(void)
{
	RUN(test_spinwait_starts_sleeping);
	RUN(test_spinwait_spins_for_short_gaps);
	RUN(test_spinwait_sleeps_at_low_load);
	RUN(test_spinwait_learns_while_sleeping);
	RUN(test_spinwait_probes_find_short_gaps);
	RUN(test_spinwait_adapts_both_ways);
	RUN(test_spinwait_period_start_kept);
	RUN(test_spinwait_backs_off_when_the_core_is_lost);
	RUN(test_spinwait_spin_bounds);
	return check_summary();
}
