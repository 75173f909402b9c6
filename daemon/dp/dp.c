/* SPDX-License-Identifier: MIT */
/* The data-path thread: its loop, idling, and its links to the control plane. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/spinwait.h"
#include "common/wake.h"
#include "dp.h"
#include "common/log.h"

/* Worker w's links (struct xtoed_worker). */
static void dp_links(struct dp *dp, struct xtoed *d, uint32_t w)
{
	dp->id = w;
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
	dp->running = true;
	dp->owner = dp->runner = w; /* each thread starts running its own */
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
	return spsc_reserve(&d->wk[0].cmds);
}

void dp_cmd_commit(struct xtoed *d)
{
	spsc_commit(&d->wk[0].cmds);
	wake_sleeper(&d->wk[0].sleeping, d->wk[0].efd);
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

/* How long worker dp may block (us): until its earliest TCP timer, at
 * most 1 ms while the kernel still owes tx completions or notes wait in
 * the overflow list, else 1 s (a safety net). */
static uint64_t dp_sleep_us(struct dp *dp)
{
	uint64_t us = 1000000, next = wheel_next(&dp->wheel);

	if (port_tx_pending(dp->port) || dp->overflow)
		us = 1000; /* tx completions owed, or notes wait for room */
	if (next != UINT64_MAX) {
		uint64_t left = next > dp->now ? next - dp->now : 0;

		if (left < us)
			us = left;
	}
	return us;
}

/*
 * Whether thread t runs worker dp now. A worker moves only between its
 * own thread and thread 0: its own thread parks it (owner 0), thread 0
 * hands it back (owner = its index). Each giver stops touching the worker
 * before its release store; the taker's acquire load sees all it wrote.
 */
static bool dp_runs(const struct dp *dp, uint32_t t)
{
	return atomic_load_explicit(&dp->owner, memory_order_acquire) == t;
}

/* The workers (bit per index) thread home->id runs now: thread 0 its own
 * and those of parked threads; any other its own, or none when parked. */
static uint32_t dp_held(const struct dp *home)
{
	const struct xtoed *d = home->d;
	uint32_t m = 0;

	if (home->id)
		return dp_runs(home, home->id) ? 1u << home->id : 0;
	for (uint32_t w = 0; w < d->nworkers; w++)
		if (dp_runs(d->dps[w], 0))
			m |= 1u << w;
	return m;
}

#define DP_EACH(m, w, held) \
	for (uint32_t m = (held), w; m && ((w = (uint32_t)__builtin_ctz(m)), 1); m &= m - 1)

/* Announce the intent to sleep on every worker it runs, re-check their
 * queues (and that no worker was handed to it meanwhile: thread 0 reads
 * the owners after announcing, the parking thread wakes it after storing
 * one), then block on their AF_XDP sockets and wake-up eventfds. */
static void dp_sleep(struct dp *home, uint32_t held)
{
	struct pollfd pfd[2 * XTOE_WORKERS_MAX];
	struct xtoed *d = home->d;
	uint64_t us = UINT64_MAX;
	bool empty = true;
	nfds_t n = 0;

	DP_EACH(m, w, held)
		dp_set_sleeping(d->dps[w], true);
	if (dp_held(home) != held)
		empty = false;
	DP_EACH(m, w, held) {
		struct dp *dp = d->dps[w];
		uint64_t u = dp_sleep_us(dp);

		empty = empty && dp_queues_empty(dp);
		us = u < us ? u : us;
		pfd[n++] = (struct pollfd){ .fd = dp->efd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = dp->port->rx_fd, .events = POLLIN };
	}
	if (empty) {
		struct timespec ts = { .tv_sec = (time_t)(us / 1000000),
				       .tv_nsec = (long)(us % 1000000) * 1000 };

		DP_EACH(m, w, held)
			d->dps[w]->st.sleeps++;
		ppoll(pfd, n, &ts, NULL);
	} else {
		for (nfds_t i = 0; i < n; i += 2)
			pfd[i].revents = POLLIN; /* a producer may have signalled */
	}
	n = 0;
	DP_EACH(m, w, held) {
		dp_set_sleeping(d->dps[w], false);
		wake_drain_fired(&pfd[n]);
		n += 2;
	}
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
	dp->st.rounds++;
	dp_stats_round(dp);
	return work;
}

static void dp_futex(_Atomic uint32_t *word, int op, uint32_t val)
{
	syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

static void dp_unpark(struct dp *dp)
{
	atomic_fetch_add_explicit(&dp->park_seq, 1, memory_order_release);
	dp_futex(&dp->park_seq, FUTEX_WAKE_PRIVATE, 1);
}

void dp_wake_threads(struct xtoed *d)
{
	for (uint32_t w = 0; w < d->nworkers; w++) {
		if (!d->dps[w])
			continue;
		wake_signal(d->dps[w]->efd);
		dp_unpark(d->dps[w]);
	}
}

/* Thread 0 hands worker dp back to its own thread and wakes it. */
static void dp_give_back(struct dp *dp)
{
	dp->st.unparks++;
	dp->runner = dp->id;
	dp_stats_publish(dp);
	atomic_store_explicit(&dp->owner, dp->id, memory_order_release);
	dp_unpark(dp);
}

/* Its own thread hands worker dp to thread 0 (woken if it sleeps: it
 * reads the owners again after announcing its sleep). */
static void dp_park(struct dp *dp)
{
	struct dp *hub = dp->d->dps[0];

	dp->st.parks++;
	dp->runner = 0;
	dp_stats_publish(dp);
	atomic_store_explicit(&dp->owner, 0, memory_order_release);
	wake_sleeper(hub->sleeping, hub->efd);
}

/* A parked thread blocks until handed its worker back or stopped; the
 * sequence word makes a hand-back between the checks and the wait wake
 * it at once. Never spins. */
static void dp_park_wait(struct dp *home)
{
	uint32_t seq = atomic_load_explicit(&home->park_seq, memory_order_acquire);

	if (dp_runs(home, home->id) || atomic_load_explicit(&home->d->stop, memory_order_relaxed))
		return;
	dp_futex(&home->park_seq, FUTEX_WAIT_PRIVATE, seq);
}

/* A round of every worker thread home->id runs (its own first). Returns
 * the work done; *other_us: how long the rounds of others' workers that
 * did work took (thread 0). */
static uint32_t dp_rounds(struct dp *home, uint32_t held, uint64_t *other_us)
{
	struct xtoed *d = home->d;
	uint32_t work = 0, other = 0;
	uint64_t start = 0;

	DP_EACH(m, w, held) {
		struct dp *dp = d->dps[w];
		uint32_t k = dp_round(dp) + dp->nwork;

		if (w != home->id && !start)
			start = dp->now;
		other += w != home->id ? k : 0;
		work += k;
		if (w != home->id && !dp->running)
			dp_give_back(dp); /* its STOP: its own thread leaves */
	}
	*other_us = other ? now_us() - start : 0;
	return work;
}

/* After a round: sample the thread's busy fraction, then park its worker
 * or hand one back as the policy says (dp_prop.c). The sample closed at
 * this round's start; the time of the others' rounds in it counts in the
 * next, as its own time does. */
static void dp_balance(struct dp *home, uint32_t held, bool worked, uint64_t other_us)
{
	const struct dp_prop_cfg *c = &home->d->cfg.prop;
	enum dp_prop_act act = DP_PROP_KEEP;
	uint32_t windows;

	if (home->d->nworkers < 2)
		return;
	if (dp_prop_tick(c, &home->prop, home->now, worked, &windows))
		act = dp_prop_decide(c, &home->prop, !home->id, windows, held & ~1u);
	home->prop.other_us += other_us;
	if (act == DP_PROP_GROW)
		dp_give_back(home->d->dps[__builtin_ctz(held & ~1u)]);
	else if (act == DP_PROP_SHRINK)
		dp_park(home);
}

/* Thread 0 leaving: the workers it runs go back to their threads. */
static void dp_hand_all_back(struct dp *home)
{
	if (!home->id)
		DP_EACH(m, w, dp_held(home) & ~1u)
			dp_give_back(home->d->dps[w]);
}

/*
 * Thread home->id: a round over every worker it runs, then, idle, spin
 * (yielding the core to runnable threads: cores are scarce) up to
 * --spin-us, only while the measured gap between work is shorter than that
 * bound and the spin keeps its core (common/spinwait.h); else sleep at
 * once. Parked, it blocks until
 * thread 0 hands its worker back.
 */
void *dp_thread(void *arg)
{
	struct dp *home = arg;
	struct xtoed *d = home->d;
	struct spinwait sw;
	uint32_t held, work;
	uint64_t now, other_us;
	bool slept = false;

	spinwait_init(&sw, d->cfg.spin_us);
	while (!atomic_load_explicit(&d->stop, memory_order_relaxed)) {
		held = dp_held(home);
		if (!held) {
			dp_park_wait(home);
			home->prop.win_start = 0; /* a new sample after the park */
			slept = true;
			continue;
		}
		if (!home->running)
			break;
		work = dp_rounds(home, held, &other_us);
		now = home->now; /* dp_balance may park home: not touched after */
		dp_balance(home, held, work, other_us);
		if (work) {
			spinwait_work(&sw, now, slept);
			slept = false;
			continue;
		}
		spinwait_idle(&sw, now); /* first: it starts the period */
		if (d->cfg.busy_poll || (!slept && spinwait_spin(&sw, now))) {
			sched_yield();
			continue;
		}
		held = dp_held(home); /* not parked by dp_balance */
		if (held)
			dp_sleep(home, held);
		slept = true;
	}
	dp_hand_all_back(home);
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
	if (dp->id)
		fprintf(out, "thread parked %lu times, handed back %lu\n", st->parks, st->unparks);
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
