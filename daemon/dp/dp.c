/* SPDX-License-Identifier: MIT */
/* The data-path thread: its loop, idling, and its links to the control plane. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/spinwait.h"
#include "common/wake.h"
#include "dp.h"
#include "common/log.h"

/* Worker w's links: the hub uses the daemon's (struct xtoed), the others
 * their own (struct xtoed_worker). */
static void dp_links(struct dp *dp, struct xtoed *d, uint32_t w)
{
	dp->id = w;
	if (!w) {
		dp->cmds = &d->cp2dp;
		dp->notes = &d->dp2cp;
		dp->efd = d->dp_efd;
		dp->sleeping = &d->dp_sleeping;
		dp->spub = &d->spub;
		return;
	}
	dp->cmds = &d->wk[w].cmds;
	dp->notes = &d->wk[w].notes;
	dp->efd = d->wk[w].efd;
	dp->sleeping = &d->wk[w].sleeping;
	dp->spub = &d->wk[w].spub;
}

static void dp_free_one(struct dp *dp)
{
	while (dp->overflow) { /* notes the control plane will never read */
		struct dp_note_overflow *o = dp->overflow;

		dp->overflow = o->next;
		free(o);
	}
	if (dp->id) {
		if (dp->port)
			port_close(dp->port); /* its view of the port */
	} else {
		free(dp->flows);
	}
	flowtab_free(&dp->tab);
	wheel_free(&dp->wheel);
	free(dp->work);
	free(dp);
}

/* Worker w; flows: the hub's array, shared by index (NULL for the hub). */
static struct dp *dp_new(struct xtoed *d, uint32_t w, struct dp_flow *flows)
{
	struct dp *dp = calloc(1, sizeof(*dp));
	uint32_t n = d->cfg.max_flows;

	if (!dp)
		return NULL;
	dp->d = d;
	dp_links(dp, d, w);
	dp->flows = flows ? flows : calloc(n, sizeof(*dp->flows));
	dp->work = calloc(n, sizeof(*dp->work));
	dp->port = d->port ? port_view(d->port, w, d->nworkers) : NULL;
	if (!dp->flows || !dp->work || (d->port && !dp->port) || flowtab_init(&dp->tab, n) ||
	    wheel_init(&dp->wheel, DP_WHEEL_SLOTS, DP_WHEEL_TICK_US, now_us())) {
		dp_free_one(dp);
		return NULL;
	}
	return dp;
}

int dp_create(struct xtoed *d)
{
	if (!d->nworkers)
		d->nworkers = 1;
	for (uint32_t w = 0; w < d->nworkers; w++) {
		d->dps[w] = dp_new(d, w, w ? d->dps[0]->flows : NULL);
		if (!d->dps[w]) {
			log_err("cannot allocate data-path worker %u's flow table for "
				"%u flows; lower --max-flows or --workers", w,
				d->cfg.max_flows);
			dp_destroy(d);
			return -ENOMEM;
		}
	}
	d->dp = d->dps[0];
	return 0;
}

void dp_destroy(struct xtoed *d)
{
	for (uint32_t w = XTOE_WORKERS_MAX; w-- > 0;)
		if (d->dps[w]) {
			dp_free_one(d->dps[w]);
			d->dps[w] = NULL;
		}
	d->dp = NULL;
}

/* Control-plane side of the command queue. */
struct dp_cmd *dp_cmd_reserve(struct xtoed *d)
{
	return spsc_reserve(&d->cp2dp);
}

void dp_cmd_commit(struct xtoed *d)
{
	spsc_commit(&d->cp2dp);
	wake_sleeper(&d->dp_sleeping, d->dp_efd);
}

/*
 * Notes to the control plane. A note is built whole by its caller and
 * pushed in one call (no reservation stays open while other code runs, so
 * a nested note can never claim the same entry). When the queue is full,
 * or notes already wait, it goes to the tail of a FIFO overflow list (O(1)
 * append), moved into the queue as room appears: notes are never lost and
 * the data-path never waits for the control plane, so the control plane
 * may always wait on the data-path (cp_cmd_reserve). The list is accounted
 * (dp->st.note_overflow, note_overflow_peak) and bounded by backpressure:
 * at DP_NOTE_BACKLOG waiting notes the data-path stops taking the
 * applications' bumps (the only source of notes not bounded by the number
 * of flows) until the control plane catches up.
 */
void dp_note_push(struct dp *dp, const struct cp_note *n)
{
	struct cp_note *q = NULL;
	struct dp_note_overflow *o;

	if (!dp->overflow)
		q = spsc_reserve(dp->notes);
	if (q) {
		memcpy(q, n, DP_NOTE_SMALL);
		q->worker = dp->id;
		spsc_commit(dp->notes);
		dp->cp_wake = true;
		return;
	}
	o = malloc(sizeof(*o));
	if (!o)
		abort(); /* out of memory while the control plane is stuck */
	o->next = NULL;
	memcpy(o->note, n, DP_NOTE_SMALL);
	((struct cp_note *)o->note)->worker = dp->id;
	*(dp->overflow ? &dp->overflow_tail->next : &dp->overflow) = o;
	dp->overflow_tail = o;
	if (++dp->st.note_overflow > dp->st.note_overflow_peak)
		dp->st.note_overflow_peak = dp->st.note_overflow;
	atomic_store_explicit(&dp->backlog, dp->st.note_overflow, memory_order_relaxed);
	dp->cp_wake = true;
}

/* Any worker's notes wait (the hub takes the bumps for all of them). */
bool dp_notes_backlogged(const struct dp *dp)
{
	if (dp->st.note_overflow >= DP_NOTE_BACKLOG)
		return true;
	for (uint32_t w = 1; w < dp->d->nworkers; w++)
		if (atomic_load_explicit(&dp->d->dps[w]->backlog, memory_order_relaxed) >=
		    DP_NOTE_BACKLOG)
			return true;
	return false;
}

void dp_flush_overflow(struct dp *dp)
{
	struct cp_note *n;

	while (dp->overflow && (n = spsc_reserve(dp->notes))) {
		struct dp_note_overflow *o = dp->overflow;

		memcpy(n, o->note, DP_NOTE_SMALL);
		spsc_commit(dp->notes);
		dp->overflow = o->next;
		dp->st.note_overflow--;
		free(o);
		dp->cp_wake = true;
	}
	atomic_store_explicit(&dp->backlog, dp->st.note_overflow, memory_order_relaxed);
}

static bool dp_queues_empty(struct dp *dp)
{
	if (!spsc_empty(dp->cmds))
		return false;
	for (struct app_ctx *c = dp->ctxs; c; c = dp_cw(dp, c)->next)
		if (!dp_cw(dp, c)->dead && !spsc_empty(&c->app2dp))
			return false;
	return true;
}

static void dp_set_sleeping(struct dp *dp, bool on)
{
	for (struct app_ctx *c = dp->ctxs; c && !dp->id; c = dp_cw(dp, c)->next) {
		if (on)
			wake_announce_sleep(&c->hdr->dp_sleeping);
		else
			wake_cancel_sleep(&c->hdr->dp_sleeping);
	}
	if (on)
		wake_announce_sleep(dp->sleeping);
	else
		wake_cancel_sleep(dp->sleeping);
}

/* How long the loop may block: until the earliest TCP timer, at most 1 ms
 * while the kernel still owes tx completions or notes wait in the overflow
 * list, else 1 s (a safety net). */
static struct timespec dp_sleep_time(struct dp *dp)
{
	uint64_t us = 1000000, next = wheel_next(&dp->wheel);

	if (port_tx_pending(dp->port) || dp->overflow)
		us = 1000; /* tx completions owed, or notes wait for room */
	if (next != UINT64_MAX) {
		uint64_t left = next > dp->now ? next - dp->now : 0;

		if (left < us)
			us = left;
	}
	return (struct timespec){ .tv_sec = (time_t)(us / 1000000),
				  .tv_nsec = (long)(us % 1000000) * 1000 };
}

/* Announce the intent to sleep, re-check every queue, then block on the
 * AF_XDP socket and the wake-up eventfd. */
static void dp_sleep(struct dp *dp)
{
	struct pollfd pfd[2] = {
		{ .fd = dp->efd, .events = POLLIN },
		{ .fd = dp->port->rx_fd, .events = POLLIN },
	};
	struct timespec ts = dp_sleep_time(dp);

	dp_set_sleeping(dp, true);
	if (dp_queues_empty(dp)) {
		dp->st.sleeps++;
		ppoll(pfd, pfd[1].fd >= 0 ? 2 : 1, &ts, NULL);
	} else {
		pfd[0].revents = POLLIN; /* a producer may have signalled */
	}
	dp_set_sleeping(dp, false);
	wake_drain_fired(&pfd[0]);
}

static uint32_t dp_round(struct dp *dp)
{
	uint32_t work;

	dp->now = now_us();
	dp_cap_round(dp);
	dp_trace_round(dp);
	work = dp_poll_cmds(dp);
	work += dp_poll_rx(dp);
	work += dp_poll_apps(dp);
	dp_timers(dp);
	work += dp->nwork;
	dp_service(dp);
	port_tx_flush(dp->port);
	dp_wake_apps(dp);
	dp_reap_ctxs(dp);
	dp_flush_overflow(dp);
	dp_hub_wake(dp);
	if (dp->cp_wake) {
		dp->cp_wake = false;
		wake_sleeper(&dp->d->cp_sleeping, dp->d->cp_efd);
	}
	if ((dp->st.rounds++ & 1023) == 0)
		dp_stats_publish(dp);
	return work;
}

/* Idle: spin (yielding the core to runnable threads: cores are scarce),
 * up to --spin-us, only while the measured gap between work is shorter
 * than that bound and the spin keeps its core (common/spinwait.h); else
 * sleep at once. */
void *dp_thread(void *arg)
{
	struct dp *dp = arg;
	struct xtoed *d = dp->d;
	struct spinwait sw;
	bool slept = false;

	spinwait_init(&sw, d->cfg.spin_us);
	dp->running = true;
	while (dp->running && !atomic_load_explicit(&d->stop, memory_order_relaxed)) {
		if (dp_round(dp) || dp->nwork) {
			spinwait_work(&sw, dp->now, slept);
			slept = false;
			continue;
		}
		spinwait_idle(&sw, dp->now); /* first: it starts the period */
		if (d->cfg.busy_poll || (!slept && spinwait_spin(&sw, dp->now))) {
			sched_yield();
			continue;
		}
		dp_stats_publish(dp);
		dp_sleep(dp);
		slept = true;
	}
	return NULL;
}

/* Print the data-path's counters (after the thread stopped). */
static void dp_print_one(const struct dp *dp, FILE *out)
{
	const struct dp_stats *st = &dp->st;

	if (dp->d->nworkers > 1)
		fprintf(out, "data-path worker %u (flows %u):\n", dp->id, dp->flows_owned);
	fprintf(out, "data-path: rounds %lu sleeps %lu rx_frames %lu rx_segs %lu "
		"tx_segs %lu tx_acks %lu to_cp %lu\n",
		st->rounds, st->sleeps, st->rx_frames, st->rx_segs, st->tx_segs,
		st->tx_acks, st->to_cp);
	fprintf(out, "notes to the control plane waiting for room: %lu (peak %lu)\n",
		st->note_overflow, st->note_overflow_peak);
	fprintf(out, "module chain: rx without metadata %lu, vlan-tagged %lu\n",
		st->rx_nometa, st->rx_vlan);
	for (int r = 1; r < XTOE_DROP__COUNT; r++)
		if (st->drops[r])
			fprintf(out, "  drop %-18s %lu (%s)\n", xtoe_drop_name(r),
				st->drops[r], xtoe_drop_text(r));
}

void dp_print_stats(const struct xtoed *d, FILE *out)
{
	struct port_stats xs;

	for (uint32_t w = 0; w < d->nworkers; w++)
		dp_print_one(d->dps[w], out);
	port_stats(d->port, &xs);
	fprintf(out, "af_xdp: rx %lu tx %lu tx_drops %lu kicks %lu kernel: rx_dropped %lu "
		"rx_invalid %lu rx_ring_full %lu fill_empty %lu frames free %u/%u\n",
		xs.rx_frames, xs.tx_frames, xs.tx_drops, xs.tx_kicks, xs.rx_dropped,
		xs.rx_invalid, xs.rx_ring_full, xs.fill_empty, xs.frames_free, xs.frames_total);
}
