/* SPDX-License-Identifier: MIT */
/* The hashed timing wheel of wheel.h. */
#include <errno.h>
#include <stdlib.h>

#include "wheel.h"

int wheel_init(struct wheel *w, uint32_t slots, uint32_t tick_us, uint64_t now_us)
{
	w->slots = calloc(slots, sizeof(*w->slots));
	if (!w->slots)
		return -ENOMEM;
	w->mask = slots - 1;
	w->tick_us = tick_us;
	w->tick = now_us / tick_us;
	w->count = 0;
	return 0;
}

void wheel_free(struct wheel *w)
{
	free(w->slots);
	w->slots = NULL;
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
	head = &w->slots[t & w->mask];
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

uint64_t wheel_next(const struct wheel *w)
{
	uint64_t best = UINT64_MAX;

	if (!w->count)
		return best;
	for (uint32_t i = 0; i <= w->mask; i++) {
		uint64_t t = w->tick + i;
		uint64_t turn_end = (t + 1) * w->tick_us; /* this slot's span */

		for (const struct wheel_node *n = w->slots[t & w->mask]; n; n = n->next)
			if (n->due < best)
				best = n->due;
		if (best < turn_end)
			return best; /* nothing later in the scan comes earlier */
	}
	return best;
}
