/* SPDX-License-Identifier: MIT */
/* The hashed timing wheel of wheel.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "wheel.h"

int wheel_init(struct wheel *w, uint32_t slots, uint32_t tick_us, uint64_t now_us)
{
	w->slots = calloc(slots, sizeof(*w->slots));
	w->used = calloc((slots + 63) / 64, sizeof(*w->used));
	if (!w->slots || !w->used) {
		wheel_free(w);
		return -ENOMEM;
	}
	w->looked = 0;
	w->mask = slots - 1;
	w->tick_us = tick_us;
	w->tick = now_us / tick_us;
	w->count = 0;
	return 0;
}

void wheel_free(struct wheel *w)
{
	free(w->slots);
	free(w->used);
	w->slots = NULL;
	w->used = NULL;
}

static void used_set(struct wheel *w, uint32_t s, bool on)
{
	uint64_t bit = 1ull << (s & 63);

	if (on)
		w->used[s >> 6] |= bit;
	else
		w->used[s >> 6] &= ~bit;
}

void wheel_del(struct wheel *w, struct wheel_node *n)
{
	if (!n->pprev)
		return;
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
	w->count--;
	if (!w->slots[n->slot])
		used_set(w, n->slot, false);
}

void wheel_set(struct wheel *w, struct wheel_node *n, uint64_t due)
{
	uint64_t t;
	struct wheel_node **head;

	if (n->pprev && n->due == due)
		return;
	wheel_del(w, n);
	if (!due || due == UINT64_MAX)
		return;
	n->due = due;
	t = due / w->tick_us;
	if (t < w->tick)
		t = w->tick; /* already due: the next run sees it */
	n->slot = (uint32_t)(t & w->mask);
	head = &w->slots[n->slot];
	used_set(w, n->slot, true);
	n->next = *head;
	if (n->next)
		n->next->pprev = &n->next;
	n->pprev = head;
	*head = n;
	w->count++;
}

/* Move the expired nodes of one slot to the list *out. */
static void slot_expire(struct wheel *w, uint32_t s, uint64_t now_us,
			struct wheel_node **out)
{
	struct wheel_node *n = w->slots[s], *next;

	for (; n; n = next) {
		next = n->next;
		if (n->due > now_us)
			continue;
		wheel_del(w, n);
		n->next = *out;
		*out = n;
	}
}

void wheel_run(struct wheel *w, uint64_t now_us,
	       void (*fn)(struct wheel_node *n, void *arg), void *arg)
{
	uint64_t end = now_us / w->tick_us;
	struct wheel_node *due = NULL, *n;

	if (!w->count) {
		w->tick = end;
		return;
	}
	if (end - w->tick > w->mask) { /* a whole turn passed: every slot */
		for (uint32_t s = 0; s <= w->mask; s++)
			slot_expire(w, s, now_us, &due);
	} else {
		for (uint64_t t = w->tick; t <= end; t++)
			slot_expire(w, (uint32_t)(t & w->mask), now_us, &due);
	}
	w->tick = end;
	while ((n = due)) {
		due = n->next;
		n->next = NULL;
		fn(n, arg);
	}
}

/* The first used slot at or after slot s (of the ring), as a distance
 * from s; past the last slot it wraps to slot 0. The ring's size when none. */
static uint32_t used_after(const struct wheel *w, uint32_t s)
{
	uint32_t n = w->mask + 1, d = 0;

	while (d < n) {
		uint32_t i = (s + d) & w->mask, step = 64 - (i & 63);
		uint64_t word = w->used[i >> 6] >> (i & 63);

		if (word)
			return d + (uint32_t)__builtin_ctzll(word);
		d += step < n - i ? step : n - i; /* the next word, or slot 0 */
	}
	return n;
}

uint64_t wheel_next(struct wheel *w)
{
	uint64_t best = UINT64_MAX;
	uint32_t i = 0;

	if (!w->count)
		return best;
	while ((i += used_after(w, (uint32_t)((w->tick + i) & w->mask))) <= w->mask) {
		uint64_t t = w->tick + i;
		uint64_t turn_end = (t + 1) * w->tick_us; /* this slot's span */

		w->looked++;
		for (const struct wheel_node *n = w->slots[t & w->mask]; n; n = n->next)
			if (n->due < best)
				best = n->due;
		if (best < turn_end)
			return best; /* nothing later in the scan comes earlier */
		i++;
	}
	return best;
}
