/* SPDX-License-Identifier: MIT */
/* The reorder step: batches delivered in the order they were issued. */
#include <errno.h>
#include <stdlib.h>

#include "dp_reorder.h"

int dp_reorder_init(struct dp_reorder *r, uint32_t size)
{
	if (!size || (size & (size - 1)))
		return -EINVAL;
	r->done = calloc(size, sizeof(*r->done));
	if (!r->done)
		return -ENOMEM;
	r->mask = size - 1;
	r->issued = r->next = 0;
	return 0;
}

void dp_reorder_free(struct dp_reorder *r)
{
	free(r->done);
	r->done = NULL;
}

bool dp_reorder_claim(struct dp_reorder *r, uint64_t *seq)
{
	if (!dp_reorder_room(r))
		return false;
	*seq = r->issued++;
	return true;
}

void dp_reorder_done(struct dp_reorder *r, uint64_t seq)
{
	atomic_store_explicit(&r->done[seq & r->mask], seq + 1, memory_order_release);
}

static bool is_done(const struct dp_reorder *r, uint64_t seq)
{
	return atomic_load_explicit(&r->done[seq & r->mask], memory_order_acquire) == seq + 1;
}

bool dp_reorder_next(const struct dp_reorder *r, uint64_t *seq)
{
	if (r->next == r->issued || !is_done(r, r->next))
		return false;
	*seq = r->next;
	return true;
}

void dp_reorder_release(struct dp_reorder *r)
{
	r->next++;
}

bool dp_reorder_holding(const struct dp_reorder *r)
{
	if (r->next == r->issued || is_done(r, r->next))
		return false;
	for (uint64_t s = r->next + 1; s < r->issued; s++)
		if (is_done(r, s))
			return true;
	return false;
}
