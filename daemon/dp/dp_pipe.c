/* SPDX-License-Identifier: MIT */
/*
 * The pipeline placement (dp_pipe.h). The worker's thread owns the port
 * (rx ring, frames, tx) and every flow; PRE threads only read the frames
 * of the batches handed to them and write their results into the batch.
 * Hand-offs: the worker publishes a batch with a release store of its
 * sequence number (issued), the PRE thread takes it with an acquire load;
 * the PRE thread publishes its results with dp_reorder_done (release),
 * the worker takes them with dp_reorder_next (acquire). Bounded: at most
 * DP_PIPE_DEPTH batches are out; then the worker leaves frames in the rx
 * ring (back-pressure on the wire's queue, as a busy single thread does).
 * Idle PRE threads sleep on their eventfd (common/wake.h): the worker
 * wakes the one it hands a batch to; PRE wakes the worker when a batch is
 * done.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wake.h"
#include "dp_pipe.h"

#define DP_PRE_SPINS 32 /* looks for a batch (yielding the core) before sleeping */

struct dp_pipe *dp_pipe_new(struct dp *dp, uint32_t k)
{
	struct dp_pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->dp = dp;
	p->k = k;
	for (uint32_t i = 0; i < XTOE_PRE_MAX; i++)
		p->pre[i].efd = -1;
	if (dp_reorder_init(&p->ro, DP_PIPE_DEPTH))
		goto fail;
	for (uint32_t i = 0; i < k; i++) {
		p->pre[i] = (struct dp_pre_thread){ .pipe = p, .idx = i };
		p->pre[i].efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (p->pre[i].efd < 0)
			goto fail;
	}
	return p;
fail:
	dp_pipe_free(p);
	return NULL;
}

void dp_pipe_free(struct dp_pipe *p)
{
	if (!p)
		return;
	if (p->ro.done) /* batches issued and never delivered */
		for (uint64_t s = p->ro.next; s < p->ro.issued; s++) {
			struct dp_pipe_batch *b = &p->b[s % DP_PIPE_DEPTH];

			for (uint32_t i = 0; i < b->n; i++)
				port_free(p->dp->port, b->fr[i].addr);
		}
	for (uint32_t i = 0; i < XTOE_PRE_MAX; i++)
		if (p->pre[i].efd >= 0)
			close(p->pre[i].efd);
	dp_reorder_free(&p->ro);
	free(p);
}

/* --- PRE: its own threads ---------------------------------------------- */

static void dp_pre_batch(struct dp_pipe_batch *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		b->res[i].why = (uint8_t)dp_rx_pre(b->fr[i].data, b->fr[i].len, &b->res[i].seg);
}

/* Whether batch seq is handed out yet (acquire: its frames with it). */
static bool dp_pre_ready(struct dp_pipe *p, uint64_t seq)
{
	return atomic_load_explicit(&p->b[seq % DP_PIPE_DEPTH].issued, memory_order_acquire) ==
	       seq + 1;
}

static bool dp_pre_stopping(const struct dp_pipe *p)
{
	return atomic_load_explicit(&p->stop, memory_order_relaxed);
}

/* Sleep until the worker hands it batch seq or the pipeline stops. */
static void dp_pre_sleep(struct dp_pre_thread *t, uint64_t seq)
{
	struct pollfd pfd = { .fd = t->efd, .events = POLLIN };

	wake_announce_sleep(&t->sleeping);
	if (!dp_pre_ready(t->pipe, seq) && !dp_pre_stopping(t->pipe))
		poll(&pfd, 1, -1);
	wake_cancel_sleep(&t->sleeping);
	wake_drain_fired(&pfd);
}

/* PRE thread t: batches t, t + K, t + 2K ... in turn. */
static void *dp_pre_thread(void *arg)
{
	struct dp_pre_thread *t = arg;
	struct dp_pipe *p = t->pipe;
	struct dp *dp = p->dp;
	uint64_t seq = t->idx;
	uint32_t spins = 0;

	while (!dp_pre_stopping(p)) {
		if (!dp_pre_ready(p, seq)) {
			if (++spins < DP_PRE_SPINS)
				sched_yield();
			else
				dp_pre_sleep(t, seq);
			continue;
		}
		spins = 0;
		dp_pre_batch(&p->b[seq % DP_PIPE_DEPTH]);
		dp_reorder_done(&p->ro, seq);
		atomic_fetch_add_explicit(&t->batches, 1, memory_order_relaxed);
		wake_sleeper(dp->sleeping, dp->efd);
		seq += p->k;
	}
	return NULL;
}

int dp_pipe_start(struct xtoed *d)
{
	struct dp_pipe *p = d->dps[0]->pipe;
	int err;

	for (uint32_t i = 0; p && i < p->k; i++) {
		err = -pthread_create(&p->pre[i].th, NULL, dp_pre_thread, &p->pre[i]);
		if (err) {
			log_err("pipeline: cannot start PRE thread %u: %s; lower --pre-threads",
				i, strerror(-err));
			return err;
		}
		p->pre[i].started = true;
	}
	return 0;
}

void dp_pipe_stop(struct xtoed *d)
{
	struct dp_pipe *p = d->dps[0] ? d->dps[0]->pipe : NULL;

	if (!p)
		return;
	atomic_store_explicit(&p->stop, true, memory_order_relaxed);
	for (uint32_t i = 0; i < p->k; i++) {
		if (!p->pre[i].started)
			continue;
		wake_signal(p->pre[i].efd);
		pthread_join(p->pre[i].th, NULL);
		p->pre[i].started = false;
	}
}

/* --- the worker's side -------------------------------------------------- */

/* PROTO and POST of the batches PRE finished, in sequence order. */
static uint32_t dp_pipe_deliver(struct dp *dp, struct dp_pipe *p)
{
	uint32_t done = 0;
	uint64_t seq;

	while (dp_reorder_next(&p->ro, &seq)) {
		struct dp_pipe_batch *b = &p->b[seq % DP_PIPE_DEPTH];

		for (uint32_t i = 0; i < b->n; i++) {
			int32_t vlan;

			if (dp_rx_meta(dp, &b->fr[i], &vlan))
				dp_rx_proto(dp, &b->fr[i], vlan, &b->res[i].seg,
					    (enum xtoe_drop_reason)b->res[i].why);
			port_free(dp->port, b->fr[i].addr);
		}
		done += b->n;
		dp->st.pipe_batches++;
		dp_reorder_release(&p->ro);
	}
	if (dp_reorder_holding(&p->ro))
		dp->st.pipe_held++;
	return done;
}

/* Batches from the rx ring to the PRE threads, while there is room. A
 * batch of at most DP_PIPE_INLINE frames while no batch is out runs every
 * stage here, in a row: its order is kept (all before it went through
 * PROTO), and two hand-offs, each a wake-up of a sleeping thread, cost
 * more than such a batch's parse and checksum (closed-loop RPCs, ACKs). */
static uint32_t dp_pipe_issue(struct dp *dp, struct dp_pipe *p)
{
	uint32_t got = 0;
	uint64_t seq;

	while (dp_reorder_room(&p->ro)) {
		struct dp_pipe_batch *b = &p->b[p->ro.issued % DP_PIPE_DEPTH];
		struct dp_pre_thread *t;
		uint32_t n = port_rx(dp->port, b->fr, DP_RX_BATCH);

		if (!n)
			break;
		got += n;
		if (!dp_reorder_out(&p->ro) && n <= DP_PIPE_INLINE) {
			/* nothing out: in order on this thread, no hand-off */
			dp_rx_batch(dp, b->fr, n);
			dp->st.pipe_inline++;
			continue;
		}
		dp->st.rx_frames += n;
		b->n = n;
		dp_reorder_claim(&p->ro, &seq);
		atomic_store_explicit(&b->issued, seq + 1, memory_order_release);
		t = &p->pre[seq % p->k];
		wake_sleeper(&t->sleeping, t->efd);
	}
	return got;
}

uint32_t dp_pipe_poll(struct dp *dp)
{
	struct dp_pipe *p = dp->pipe;
	uint32_t work = dp_pipe_deliver(dp, p);

	work += dp_pipe_issue(dp, p);
	return work + dp_pipe_deliver(dp, p);
}

bool dp_pipe_ready(const struct dp_pipe *p)
{
	uint64_t seq;

	return dp_reorder_next(&p->ro, &seq);
}

bool dp_pipe_room(const struct dp_pipe *p)
{
	return dp_reorder_room(&p->ro);
}
