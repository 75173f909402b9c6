/* SPDX-License-Identifier: MIT */
/*
 * Proportional cores (TAS-style): with several workers, how many data-path
 * threads run follows the load. Every thread measures its busy fraction
 * (the time of its rounds that did work) over windows; a thread other than
 * thread 0 below the low mark for cfg.shrink_windows parks, handing its
 * worker to thread 0; thread 0 above the high mark for cfg.grow_windows
 * hands a worker back and wakes its thread, but only while the workers it
 * runs for others keep it at least low-mark busy (so the woken thread does
 * not park again at once: hysteresis between the marks). Thread 0 never
 * parks: one thread at idle; never more threads than workers. These two
 * functions are the policy alone (no clock, no thread: test_workers.c);
 * dp.c measures and moves the workers.
 */
#include "dp.h"

static uint32_t pct(uint64_t part, uint64_t whole)
{
	return part >= whole ? 100 : (uint32_t)(part * 100 / whole);
}

bool dp_prop_tick(const struct dp_prop_cfg *c, struct dp_prop *p, uint64_t now, bool worked,
		  uint32_t *windows)
{
	uint64_t elapsed;

	if (!p->win_start) {
		p->win_start = p->last = now;
		p->worked = worked;
		p->busy_us = p->other_us = 0;
		return false;
	}
	if (p->worked && now > p->last)
		p->busy_us += now - p->last;
	p->last = now;
	p->worked = worked;
	elapsed = now > p->win_start ? now - p->win_start : 0;
	if (!elapsed || elapsed < c->window_us)
		return false;
	p->busy_pct = pct(p->busy_us, elapsed);
	p->other_pct = pct(p->other_us, elapsed);
	*windows = c->window_us ? (uint32_t)(elapsed / c->window_us) : 1;
	if (!*windows)
		*windows = 1;
	p->win_start = now;
	p->busy_us = p->other_us = 0;
	return true;
}

static uint32_t run_add(uint32_t run, uint32_t windows)
{
	return run + windows < run ? UINT32_MAX : run + windows;
}

enum dp_prop_act dp_prop_decide(const struct dp_prop_cfg *c, struct dp_prop *p, bool hub,
				uint32_t windows, bool others_held)
{
	bool high = p->busy_pct > c->high_pct && (!hub || p->other_pct >= c->low_pct);

	if (high) {
		p->high_run = run_add(p->high_run, windows);
		p->low_run = 0;
	} else if (p->busy_pct < c->low_pct) {
		p->low_run = run_add(p->low_run, windows);
		p->high_run = 0;
	} else {
		p->high_run = p->low_run = 0;
	}
	if (hub && others_held && p->high_run >= c->grow_windows) {
		p->high_run = 0;
		return DP_PROP_GROW;
	}
	if (!hub && p->low_run >= c->shrink_windows) {
		p->low_run = 0;
		return DP_PROP_SHRINK;
	}
	return DP_PROP_KEEP;
}
