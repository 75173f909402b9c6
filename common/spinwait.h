/* SPDX-License-Identifier: MIT */
/*
 * Adaptive waiting: spin only while it pays. A thread that runs out of
 * work either polls a little longer (a message on its way costs no
 * wake-up) or sleeps at once (no core burnt at low load). This decides
 * which, from the measured gaps between the moment the thread ran out of
 * work and the moment work came again: an EWMA per waiting thread. When
 * the expected gap is shorter than the spin's bound (at least what a sleep
 * and wake-up cost, SPINWAIT_WAKE_US), spin up to the bound; otherwise
 * sleep at once (with the caller's race-free announce/recheck protocol,
 * common/wake.h). The bound, not the wake-up alone, is the threshold
 * because waiting threads form chains (the data-path waits for the
 * application, which waits for the peer through the data-path): a gap one
 * thread measures holds the other's wake-up when that one sleeps, so
 * comparing with one wake-up would keep both asleep for good, where a spin
 * up to the bound would catch the gap.
 *
 * Samples are clamped at four times the threshold: a long idle period
 * says only "long", so one pause in a busy exchange does not stop its
 * spinning, a few in a row do.
 *
 * A gap that ended in a sleep is measured from idle to the wake-up, which
 * includes the wake-up's own latency: that cost is taken off. Where a
 * wake-up costs more than that, a sleeping thread would keep measuring
 * short gaps as long ones and never spin again; so one idle period in
 * SPINWAIT_PROBE that would sleep spins its full bound instead (a probe):
 * a gap a probe catches is measured exactly and replaces the estimate.
 *
 * A spin also watches whether it keeps its core: it looks at its queues
 * every microsecond or so (a sched_yield with nobody else runnable returns
 * at once, and one that hands the core to a woken thread gets it back
 * after that thread's turn), so a look that comes more than
 * SPINWAIT_LOST_US after the previous one means the spinner waited for a
 * core that others hold for whole scheduler slices (more threads that do
 * not yield than cores: three spinners on two): its spin then costs them
 * their core and everyone's round trip a slice. That period's spin ends at
 * once (the thread sleeps); when
 * SPINWAIT_LOST_ROW spinning periods in a row lost the core, the thread
 * sleeps at once for the next SPINWAIT_PROBE idle periods, then tries
 * again. One preemption alone (a timer's thread) does not stop spinning.
 *
 * Pure: times are passed in (microseconds), so the unit test
 * (test/unit/test_spinwait.c) drives it without a clock.
 *
 *   spinwait_init(&w, bound_us);
 *   idle:   spinwait_idle(&w, now);            (starts the period)
 *           while (spinwait_spin(&w, now)) { look; sched_yield(); now = ...; }
 *   work:   spinwait_work(&w, now, slept);     (once per idle period)
 */
#ifndef XTOE_SPINWAIT_H
#define XTOE_SPINWAIT_H

#include <stdbool.h>
#include <stdint.h>

/* What one sleep and cross-CPU wake-up costs (about 20 us measured on a
 * 2-vCPU VM, issue 17): the least expected gap below which a spin pays. */
#define SPINWAIT_WAKE_US 20
/* Every this many idle periods that would sleep, one spins (a probe). */
#define SPINWAIT_PROBE 32
/* EWMA weight of a new sample: 1 / 2^SPINWAIT_SHIFT. */
#define SPINWAIT_SHIFT 3
/* A spin's looks this far apart: the spinner waited for its core (another
 * thread that does not yield had it) far longer than a woken thread's turn
 * (a few to tens of us, which a yielding spin hands over at little cost). */
#define SPINWAIT_LOST_US 200
/* Spinning periods in a row that lost the core before the thread stops
 * spinning for SPINWAIT_PROBE periods. */
#define SPINWAIT_LOST_ROW 2

struct spinwait {
	uint32_t bound_us;   /* never spin longer (0: never spin) */
	uint32_t limit_us;   /* spin when the expected gap is shorter */
	uint32_t gap8;       /* EWMA of the gaps, times 2^SPINWAIT_SHIFT */
	uint64_t idle_since; /* when the current idle period began */
	uint32_t budget;     /* of the current idle period */
	uint32_t sleeps;     /* idle periods that slept since the last probe */
	uint64_t last;       /* the spin's previous look */
	uint32_t lost_row;   /* spinning periods in a row that lost the core */
	uint32_t hold;       /* idle periods left that sleep at once */
	bool idle;
	bool probe;          /* the current idle period is a probe */
	bool lost;           /* the current period's spin lost the core */
};

void spinwait_init(struct spinwait *w, uint32_t bound_us);
/* The thread ran out of work at now: how long to spin before sleeping (0:
 * sleep at once). Called again while still idle, it keeps the period's
 * start and returns the same budget. */
uint32_t spinwait_idle(struct spinwait *w, uint64_t now);
/* While idle, at each look at the queues: true while the spin may go on
 * (within the period's budget, and no other thread took the core since the
 * previous look); false: sleep now. */
bool spinwait_spin(struct spinwait *w, uint64_t now);
/* Work came at now, after an idle period (a no-op when not idle); slept:
 * the thread slept during it. */
void spinwait_work(struct spinwait *w, uint64_t now, bool slept);
/* Change the bound (and the threshold with it). */
void spinwait_set_bound(struct spinwait *w, uint32_t bound_us);
/* The expected gap (us). */
uint32_t spinwait_gap(const struct spinwait *w);

#endif /* XTOE_SPINWAIT_H */
