/* SPDX-License-Identifier: MIT */
/*
 * The reorder step of the pipeline placement (dp_pipe.c): a bounded ring
 * of batch sequence numbers. One thread issues numbers in order and takes
 * them back in the same order; other threads complete them in any order.
 * A number is delivered only once it and every number before it are
 * complete, so a missing one holds the rest; at most size numbers are out
 * (issued, not yet released): then claim fails and the issuer waits
 * (back-pressure, never loss). Pure: no thread, no clock.
 *
 *   issuer:     dp_reorder_claim -> (hand the batch out) ... dp_reorder_next
 *               -> (use the batch) -> dp_reorder_release
 *   completer:  dp_reorder_done(seq)   (release: what it wrote is seen by
 *                                      the issuer's dp_reorder_next)
 */
#ifndef XTOE_DP_REORDER_H
#define XTOE_DP_REORDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct dp_reorder {
	_Atomic uint64_t *done; /* per slot: seq + 1 once seq completed */
	uint32_t mask;          /* size - 1 (size a power of two) */
	uint64_t issued;        /* the next number to hand out */
	uint64_t next;          /* the next number to deliver */
};

/* size: a power of two. 0 or -ENOMEM / -EINVAL. */
int dp_reorder_init(struct dp_reorder *r, uint32_t size);
void dp_reorder_free(struct dp_reorder *r);
/* Numbers issued and not yet released. */
static inline uint32_t dp_reorder_out(const struct dp_reorder *r)
{
	return (uint32_t)(r->issued - r->next);
}
static inline bool dp_reorder_room(const struct dp_reorder *r)
{
	return dp_reorder_out(r) <= r->mask;
}
/* The next number (*seq); false when size numbers are out already. */
bool dp_reorder_claim(struct dp_reorder *r, uint64_t *seq);
/* Any thread: seq is complete. */
void dp_reorder_done(struct dp_reorder *r, uint64_t seq);
/* The next number in order when it is complete (*seq); false while it is
 * not (whatever completed after it waits). */
bool dp_reorder_next(const struct dp_reorder *r, uint64_t *seq);
/* The number dp_reorder_next gave is used: its slot may be reissued. */
void dp_reorder_release(struct dp_reorder *r);
/* Whether a number after the next one completed before it (statistics:
 * the reorder step holds work back). */
bool dp_reorder_holding(const struct dp_reorder *r);

#endif /* XTOE_DP_REORDER_H */
