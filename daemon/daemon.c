// SPDX-License-Identifier: MIT
/*
 * The daemon's life, shared by xtoed's main and by in-process tests: the
 * links between the two threads, the control plane, the data-path thread,
 * and the order they are set up and taken down in. The port (the wire) is
 * made by the caller: the AF_XDP port in xtoed, a loopback port in tests.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/wake.h"
#include "core/cc.h"
#include "common/log.h"
#include "daemon.h"

#define Q_CMD_ENTRIES 1024
#define Q_NOTE_ENTRIES 2048
#define DP_STOP_WAIT_S 3 /* SIGTERM to exit: a few seconds whatever happens */

void xtoed_cfg_defaults(struct xtoed_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->xdp_mode = PORT_XDP_NATIVE;
	c->tx_gso = PORT_TX_GSO_AUTO;
	c->spin_us = 50;
	c->tcp = tcp_params_linux;
	/* 1 MiB: a 256 KiB window capped a bulk flow from a Linux sender
	 * (rwnd-limited a fifth of the time; Linux's own receive buffer
	 * grows to tcp_rmem[2]) */
	c->rx_size = 1024 * 1024;
	c->tx_size = 4u << 20; /* Linux tcp_wmem[2]: the send buffer grows to it */
	c->max_flows = 65536;
	c->ctx_flows = 4096;
	c->app_listeners = 256;
	c->mss = 0;         /* from the interface MTU (xtoed_cfg_tcp) */
	c->ecn = -1;        /* 2, or 1 with dctcp */
	c->rcv_wscale = -1; /* Linux's rule */
	c->time_wait_ms = 60000;
	c->cc = &tcp_cc_cubic;
	c->signals = true;
	c->sock_mode = 0660;
	/* park after 1 s under 10 % busy; wake after 0.2 s over 50 % */
	c->prop = (struct dp_prop_cfg){ .low_pct = 10, .high_pct = 50, .window_us = 100000,
					.grow_windows = 2, .shrink_windows = 10 };
}

void xtoed_cfg_tcp(struct xtoed_cfg *c, uint32_t mtu, uint64_t rmem_max)
{
	if (!c->mss)
		c->mss = (uint16_t)(mtu > 65535 ? 65495 : mtu - 40);
	if (c->rcv_wscale >= 0)
		c->wscale_space = 1u << (c->rcv_wscale + 15 > 31 ? 31 : c->rcv_wscale + 15);
	else
		c->wscale_space = (uint32_t)(rmem_max > UINT32_MAX ? UINT32_MAX : rmem_max);
	if (c->ecn < 0)
		c->ecn = c->cc == &tcp_cc_dctcp ? 1 : 2;
}

static void *queue_alloc(struct spsc *q, uint32_t entries, uint32_t esize)
{
	struct spsc_shared *sh = aligned_alloc(64, (spsc_bytes(entries, esize) + 63) & ~63ul);

	if (sh) {
		spsc_format(sh);
		spsc_attach(q, sh, entries, esize);
	}
	return sh;
}

/* Every worker's links: commands (from the control plane for the hub,
 * from the hub for the others), notes to the control plane, a wake-up
 * eventfd each. */
static int worker_links_open(struct xtoed *d)
{
	for (uint32_t w = 0; w < d->nworkers; w++) {
		struct xtoed_worker *k = &d->wk[w];

		k->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (k->efd < 0)
			return -errno;
		if (!queue_alloc(&k->cmds, Q_CMD_ENTRIES, sizeof(struct dp_cmd)) ||
		    !queue_alloc(&k->notes, Q_NOTE_ENTRIES, sizeof(struct cp_note)))
			return -ENOMEM;
	}
	return 0;
}

static void worker_links_close(struct xtoed *d)
{
	for (uint32_t w = 0; w < d->nworkers; w++) {
		struct xtoed_worker *k = &d->wk[w];

		free(k->cmds.sh);
		free(k->notes.sh);
		k->cmds.sh = k->notes.sh = NULL;
		if (k->efd >= 0)
			close(k->efd);
		k->efd = -1;
	}
}

/* --workers, at most one a queue (each queue has one thread); --placement
 * queue without it: one a queue; thread and pipeline: one. */
static void workers_pick(struct xtoed *d)
{
	uint32_t want = d->cfg.workers ? d->cfg.workers : 1, lanes = port_lanes(d->port);

	if (d->cfg.placement == XTOED_PLACE_QUEUE && !d->cfg.workers)
		want = lanes;
	if (d->cfg.placement == XTOED_PLACE_THREAD || d->cfg.placement == XTOED_PLACE_PIPELINE)
		want = 1;
	if (d->cfg.placement == XTOED_PLACE_PIPELINE && !d->cfg.pre_threads)
		d->cfg.pre_threads = 2;

	if (want > XTOE_WORKERS_MAX)
		want = XTOE_WORKERS_MAX;
	if (want > lanes) {
		log_warn("%s: %u data-path workers asked, the port serves %u queue%s: "
			 "running %u (see --queues)", d->port->name, want, lanes,
			 lanes == 1 ? "" : "s", lanes);
		want = lanes;
	}
	d->nworkers = want;
}

static int links_open(struct xtoed *d)
{
	d->cp_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->cp_efd < 0)
		return -errno;
	d->pub = calloc(d->cfg.max_flows, sizeof(*d->pub));
	if (!d->pub)
		return -ENOMEM;
	return worker_links_open(d);
}

int xtoed_load_cmodules(struct xtoed *d)
{
	if (atomic_load(&d->cmods.n))
		return 0; /* loaded already */
	for (int i = 0; i < d->cfg.ncmodules; i++) {
		int err = cmods_load(&d->cmods, d->cfg.cmodules[i], NULL, 0);

		if (err)
			return err;
	}
	return 0;
}

/* A segment must fit in one of the port's frames: Ethernet and a VLAN tag,
 * IPv4 and TCP headers (options come off the MSS per connection). The
 * advertised MSS bounds what peers send, the negotiated one what xtoe
 * sends, so clamping it here covers both directions. */
static void mss_fit_frames(struct xtoed_cfg *c, const struct port *port)
{
	uint32_t max = port->frame_max;
	uint32_t cap = max > 14 + 4 + 40 ? max - 14 - 4 - 40 : 0;

	if (!cap || c->mss <= cap)
		return;
	log_warn("%s: segments are limited to %u bytes (MSS %u): its MTU wants "
		 "MSS %u, more than the port's %u-byte frames carry%s",
		 port->name, cap, cap, c->mss, max,
		 port->frame_max > port->frame_size ? "" :
		 " (no multi-buffer AF_XDP: Linux 6.6 and native XDP give it)");
	c->mss = (uint16_t)cap;
}

int xtoed_open(struct xtoed *d, struct port *port)
{
	d->port = port;
	mss_fit_frames(&d->cfg, port);
	d->cp_efd = -1;
	for (uint32_t w = 0; w < XTOE_WORKERS_MAX; w++)
		d->wk[w].efd = -1;
	workers_pick(d);
	/* the control plane before any thread: it blocks the signals */
	return xtoed_load_cmodules(d) ?: links_open(d) ?: cp_create(d) ?: dp_create(d);
}

/* The data-path sees d->stop at its next round (woken if it sleeps). One
 * stuck inside a round (a C module that never returns) is left behind
 * after DP_STOP_WAIT_S: the daemon exits without the cleanup that would
 * pull memory from under it (xtoed_close), and the kernel releases the
 * rest with the process. */
static int dp_stop(struct xtoed *d, const pthread_t *th, uint32_t n)
{
	struct timespec until;
	uint32_t joined = 0;

	atomic_store(&d->stop, true);
	dp_wake_threads(d);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DP_STOP_WAIT_S;
	while (joined < n && !pthread_timedjoin_np(th[joined], NULL, &until))
		joined++;
	if (joined == n)
		return 0;
	d->dp_stuck = true;
	log_err("data-path: did not stop within %d s (stuck inside a round: "
		"a C module that does not return?); exiting without its cleanup",
		DP_STOP_WAIT_S);
	return -ETIMEDOUT;
}

int xtoed_run(struct xtoed *d)
{
	pthread_t th[XTOE_WORKERS_MAX];
	uint32_t n = 0;
	int err = 0;

	while (n < d->nworkers && !(err = -pthread_create(&th[n], NULL, dp_thread, d->dps[n])))
		n++;
	if (!err)
		err = dp_pipe_start(d);
	if (!err)
		err = cp_run(d);
	err = dp_stop(d, th, n) ?: err;
	dp_pipe_stop(d);
	return err;
}

void xtoed_request_stop(struct xtoed *d)
{
	atomic_store(&d->stop, true);
	wake_signal(d->cp_efd);
}

void xtoed_close(struct xtoed *d)
{
	if (d->dp_stuck) { /* its thread may still use all of it */
		cp_unlisten(d);
		return;
	}
	cp_destroy(d);
	dp_destroy(d);
	port_close(d->port);
	d->port = NULL;
	cmods_unload(&d->cmods);
	worker_links_close(d);
	free(d->pub);
	if (d->cp_efd >= 0)
		close(d->cp_efd);
	d->cp_efd = -1;
}
