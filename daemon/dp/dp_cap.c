// SPDX-License-Identifier: MIT
/*
 * Capture of transmitted frames for xtoe-dump (common/cap.h). The control
 * plane creates a session's ring and sets its bit in xtoed.cap_on; the
 * data-path reads the switch once per round (dp_cap_round), says which
 * rings it writes this round (xtoed.cap_seen), and, for every session on,
 * copies the head of every frame it queues for transmission (dp_cap_tx).
 * Never blocks: a full ring costs a counted drop.
 */
#include <string.h>

#include "dp.h"

_Static_assert(XTOE_CAP_SNAP_MAX >= XTOE_FRAME_MAX, "a capture holds whole frames");

void dp_cap_round(struct dp *dp)
{
	struct xtoed *d = dp->d;
	uint32_t on = atomic_load_explicit(&d->cap_on, memory_order_acquire);
	uint32_t fresh = on & ~dp->cap_active;

	if (dp->id)
		return; /* a capture ring has one producer: the hub's frames only */

	for (int i = 0; fresh && i < XTOE_CAP_MAX; i++)
		if (fresh & (1u << i))
			spsc_attach(&dp->cap_q[i], &d->caps[i].shm->ring, XTOE_CAP_ENTRIES,
				    sizeof(struct xtoe_cap_rec));
	dp->cap_active = on;
	atomic_store_explicit(&d->cap_seen, on, memory_order_release);
}

static void cap_one(struct xtoe_cap_shm *sh, struct spsc *q, const uint8_t *frame,
		    uint32_t len, uint64_t ts)
{
	struct xtoe_cap_rec *r = spsc_reserve(q);
	uint32_t snap = sh->snaplen < XTOE_CAP_SNAP_MAX ? sh->snaplen : XTOE_CAP_SNAP_MAX;

	if (!r) {
		atomic_fetch_add_explicit(&sh->drops, 1, memory_order_relaxed);
		return;
	}
	r->ts_ns = ts;
	r->len = len;
	r->caplen = len < snap ? len : snap;
	memcpy(r->data, frame, r->caplen);
	spsc_commit(q);
	atomic_fetch_add_explicit(&sh->records, 1, memory_order_relaxed);
}

void dp_cap_frame(struct dp *dp, const uint8_t *frame, uint32_t len)
{
	uint64_t ts = now_ns();

	for (int i = 0; i < XTOE_CAP_MAX; i++)
		if (dp->cap_active & (1u << i))
			cap_one(dp->d->caps[i].shm, &dp->cap_q[i], frame, len, ts);
}
