// SPDX-License-Identifier: MIT
/*
 * Capture of transmitted frames for xtoe-dump (common/cap.h). The control
 * plane creates a session's ring, makes it live and sets its bit in
 * xtoed.cap_on; every worker reads the switch once per round
 * (dp_cap_round) and, for every session on, copies the head of every frame
 * it queues for transmission (dp_cap_tx) into the session's one ring,
 * holding the session's lock (one producer at a time; the time stamp is
 * taken under it, so the ring stays in time order). Never blocks on the
 * reader: a full ring costs a counted drop.
 */
#include <string.h>

#include "common/spinlock.h"
#include "dp.h"

_Static_assert(XTOE_CAP_SNAP_MAX >= XTOE_FRAME_MAX, "a capture holds whole frames");

void dp_cap_round(struct dp *dp)
{
	dp->cap_active = atomic_load_explicit(&dp->d->cap_on, memory_order_acquire);
}

/* Holding s->lock, the session live. */
static void cap_put(struct cap_session *s, const uint8_t *frame, uint32_t len)
{
	struct xtoe_cap_shm *sh = s->shm;
	struct xtoe_cap_rec *r = spsc_reserve(&s->q);
	uint32_t snap = sh->snaplen < XTOE_CAP_SNAP_MAX ? sh->snaplen : XTOE_CAP_SNAP_MAX;

	if (!r) {
		atomic_fetch_add_explicit(&sh->drops, 1, memory_order_relaxed);
		return;
	}
	r->ts_ns = now_ns();
	r->len = len;
	r->caplen = len < snap ? len : snap;
	memcpy(r->data, frame, r->caplen);
	spsc_commit(&s->q);
	atomic_fetch_add_explicit(&sh->records, 1, memory_order_relaxed);
}

void dp_cap_frame(struct dp *dp, const uint8_t *frame, uint32_t len)
{
	for (int i = 0; i < XTOE_CAP_MAX; i++) {
		struct cap_session *s = &dp->d->caps[i];

		if (!(dp->cap_active & (1u << i)))
			continue;
		spin_lock(&s->lock);
		if (s->live)
			cap_put(s, frame, len);
		spin_unlock(&s->lock);
	}
}
