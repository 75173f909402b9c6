// SPDX-License-Identifier: MIT
/*
 * Capture of transmitted frames for xtoe-dump (common/cap.h). The control
 * plane creates the ring and flips xtoed.cap_on; the data-path looks at the
 * switch once per round (dp_cap_round) and, while on, copies the head of
 * every frame it queues for transmission (dp_cap_tx). Never blocks: a full
 * ring costs a counted drop. A round that began with the switch on may
 * still write after the control plane turned it off, so the data-path
 * answers every change in xtoed.cap_used (release): only once that reads
 * false may the control plane format the ring for the next capture.
 */
#include <string.h>

#include "dp.h"

void dp_cap_round(struct dp *dp)
{
	struct xtoed *d = dp->d;
	bool on = atomic_load_explicit(&d->cap_on, memory_order_acquire);

	if (on == dp->cap_active)
		return;
	if (on)
		spsc_attach(&dp->cap_q, &d->cap->ring, XTOE_CAP_ENTRIES,
			    sizeof(struct xtoe_cap_rec));
	dp->cap_active = on;
	atomic_store_explicit(&d->cap_used, on, memory_order_release);
}

void dp_cap_frame(struct dp *dp, const uint8_t *frame, uint32_t len)
{
	struct xtoe_cap_shm *sh = dp->d->cap;
	struct xtoe_cap_rec *r = spsc_reserve(&dp->cap_q);
	uint32_t snap = sh->snaplen < XTOE_CAP_SNAP_MAX ? sh->snaplen : XTOE_CAP_SNAP_MAX;

	if (!r) {
		atomic_fetch_add_explicit(&sh->drops, 1, memory_order_relaxed);
		return;
	}
	r->ts_ns = now_ns();
	r->len = len;
	r->caplen = len < snap ? len : snap;
	memcpy(r->data, frame, r->caplen);
	spsc_commit(&dp->cap_q);
	atomic_fetch_add_explicit(&sh->records, 1, memory_order_relaxed);
}
