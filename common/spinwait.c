// SPDX-License-Identifier: MIT
/* Adaptive waiting: the decision (common/spinwait.h). */
#include "common/spinwait.h"

void spinwait_set_bound(struct spinwait *w, uint32_t bound_us)
{
	w->bound_us = bound_us;
	w->limit_us = bound_us > SPINWAIT_WAKE_US ? bound_us : SPINWAIT_WAKE_US;
}

void spinwait_init(struct spinwait *w, uint32_t bound_us)
{
	*w = (struct spinwait){ 0 };
	spinwait_set_bound(w, bound_us);
	/* no history yet: assume long gaps (sleep) until shown otherwise */
	w->gap8 = (4 * w->limit_us) << SPINWAIT_SHIFT;
}

uint32_t spinwait_gap(const struct spinwait *w)
{
	return w->gap8 >> SPINWAIT_SHIFT;
}

static uint32_t budget(struct spinwait *w)
{
	if (w->hold) { /* spinning lost the core: sleep for a while */
		w->hold--;
		return 0;
	}
	if (spinwait_gap(w) >= w->limit_us) {
		if (++w->sleeps < SPINWAIT_PROBE)
			return 0;
		w->sleeps = 0;
		w->probe = true;
		return w->bound_us;
	}
	/* the whole bound: gaps vary around their mean (a request's reply
	 * comes sooner than the next request), and a spin cut at the mean
	 * would miss the longer half */
	return w->bound_us;
}

uint32_t spinwait_idle(struct spinwait *w, uint64_t now)
{
	if (!w->idle) {
		w->idle = true;
		w->idle_since = now;
		w->last = now;
		w->probe = false;
		w->lost = false;
		w->budget = budget(w);
	}
	return w->budget;
}

bool spinwait_spin(struct spinwait *w, uint64_t now)
{
	uint64_t last = w->last;

	w->last = now;
	if (!w->idle || !w->budget)
		return false;
	if (now > last + SPINWAIT_LOST_US) { /* it waited that long for its core */
		w->lost = true;
		w->budget = 0;
		return false;
	}
	return now < w->idle_since + w->budget;
}

/* A spinning period ended: count the ones in a row that lost the core. */
static void lost_count(struct spinwait *w)
{
	if (!w->budget && !w->lost)
		return; /* it did not spin */
	if (!w->lost) {
		w->lost_row = 0;
		return;
	}
	if (++w->lost_row >= SPINWAIT_LOST_ROW) {
		w->lost_row = 0;
		w->hold = SPINWAIT_PROBE;
	}
}

void spinwait_work(struct spinwait *w, uint64_t now, bool slept)
{
	uint64_t gap;

	if (!w->idle)
		return;
	w->idle = false;
	lost_count(w);
	gap = now > w->idle_since ? now - w->idle_since : 0;
	if (slept) /* the wake-up's own latency is not part of the gap */
		gap = gap > SPINWAIT_WAKE_US ? gap - SPINWAIT_WAKE_US : 0;
	if (gap > 4 * w->limit_us)
		gap = 4 * w->limit_us;
	if (w->probe && !slept) /* an exact gap beats inferred ones */
		w->gap8 = (uint32_t)gap << SPINWAIT_SHIFT;
	else
		w->gap8 = w->gap8 - (w->gap8 >> SPINWAIT_SHIFT) + (uint32_t)gap;
}
