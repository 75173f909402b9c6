/* SPDX-License-Identifier: MIT */
/* The control plane: its loop, notes from the data-path, timers, signals. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wake.h"
#include "core/cc.h"
#include "common/notify.h"
#include "cp.h"

#define CP_TICK_NS (5 * 1000 * 1000)
#define CP_WHEEL_SLOTS 1024
#define CP_NOTE_BATCH 256

/* epoll tags for the fixed descriptors; application sockets carry their
 * context pointer. */
enum { TAG_LISTEN = 1, TAG_NOTES, TAG_TIMER, TAG_SIGNAL, TAG_MAX };

void cp_log(const struct cp *cp, const char *fmt, ...)
{
	va_list ap;

	(void)cp;
	va_start(ap, fmt);
	log_vmsg(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
}

static bool cp_signal(struct cp *cp);

/* True once the daemon is to stop: xtoed_request_stop, or a SIGTERM or
 * SIGINT read now (while the control plane waits outside its loop). */
static bool cp_stopping(struct cp *cp)
{
	if (atomic_load(&cp->d->stop))
		return true;
	if (cp->sigfd >= 0 && cp_signal(cp))
		atomic_store(&cp->d->stop, true);
	return atomic_load(&cp->d->stop);
}

/*
 * A free command entry. The data-path never waits for the control plane
 * (its notes overflow into a list, dp.c), so this wait ends while the
 * data-path runs: it is the backpressure of the command queue, and the
 * control plane handles nothing else meanwhile (nothing re-enters). A
 * data-path stuck inside a round (a C module that never returns) would
 * hold it here forever, so the wait watches for the stop: SIGTERM or
 * SIGINT (read from the signalfd, 1 ms at a time) or xtoed_request_stop.
 * Once the daemon stops, commands go to a scratch entry and are dropped
 * (counted): nothing is left to carry them out.
 */
struct dp_cmd *cp_cmd_reserve(struct cp *cp)
{
	struct dp_cmd *c;
	unsigned spins = 0;

	while (!(c = dp_cmd_reserve(cp->d))) {
		if (cp_stopping(cp)) {
			c = &cp->cmd_scratch;
			break;
		}
		wake_sleeper(&cp->d->wk[0].sleeping, cp->d->wk[0].efd);
		if (++spins < 64)
			sched_yield();
		else
			poll(&(struct pollfd){ .fd = cp->sigfd, .events = POLLIN }, 1, 1);
	}
	cp->cmd_scratch_in_use = c == &cp->cmd_scratch;
	memset(c, 0, offsetof(struct dp_cmd, conn));
	return c;
}

void cp_cmd_commit(struct cp *cp)
{
	if (cp->cmd_scratch_in_use) {
		cp->cmd_scratch_in_use = false;
		cp->st.cmds_dropped++;
		return;
	}
	dp_cmd_commit(cp->d);
}

void cp_send_frame(struct cp *cp, const struct tcp_endpoints *ep,
		   const struct tcp_hdrvals *h)
{
	struct dp_cmd *c = cp_cmd_reserve(cp);
	int len = tcp_build_frame(c->frame, sizeof(c->frame), ep, h, NULL, 0);

	if (len < 0)
		return; /* entry stays unused: not committed */
	c->type = DP_CMD_TX_FRAME;
	c->len = (uint32_t)len;
	cp_cmd_commit(cp);
}

bool cp_push_app_event(struct app_ctx *c, uint16_t type, uint32_t slot,
		       uint32_t gen, uint32_t arg)
{
	struct xtoe_ev ev = { .type = type, .flow = slot, .gen = gen, .arg = arg };

	if (!app_ctx_serving(c))
		return false;
	if (!spsc_push(&c->cp2app, &ev))
		return false;
	wake_sleeper(&c->hdr->app_sleeping, c->app_efd);
	return true;
}

static void cp_note(struct cp *cp, const struct cp_note *n)
{
	switch (n->type) {
	case CP_NOTE_FRAME:
		cp_tcp_frame(cp, n->frame, n->len);
		break;
	case CP_NOTE_FLOW_DONE:
		cp_tcp_flow_done(cp, n);
		break;
	case CP_NOTE_FLOW_FREE:
		cp_tcp_flow_free(cp, n);
		break;
	case CP_NOTE_APP_BUMP:
		cp_tcp_app_bump(cp, n);
		break;
	case CP_NOTE_CTX_RELEASED:
		cp_app_released(cp, n->ctx);
		break;
	case CP_NOTE_SPLICED:
		cp_splice_note(cp, n);
		break;
	}
}

/* Worker w's note queue. */
static struct spsc *cp_notes_q(struct cp *cp, uint32_t w)
{
	return &cp->d->wk[w].notes;
}

/* Each worker's notes, in its order (a worker's notes never pass each
 * other; two workers' are about different flows). */
uint32_t cp_poll_notes(struct cp *cp)
{
	struct cp_note *n;
	uint32_t count = 0;

	for (uint32_t w = 0; w < cp->d->nworkers || !w; w++) {
		struct spsc *q = cp_notes_q(cp, w);
		uint32_t k = 0;

		while (k < CP_NOTE_BATCH && (n = spsc_peek(q))) {
			cp->note_worker = w;
			cp_note(cp, n);
			spsc_release(q);
			k++;
		}
		count += k;
	}
	cp->note_worker = 0;
	return count;
}

static bool cp_notes_empty(struct cp *cp)
{
	for (uint32_t w = 0; w < cp->d->nworkers || !w; w++)
		if (!spsc_empty(cp_notes_q(cp, w)))
			return false;
	return true;
}

static int cp_epoll_add(struct cp *cp, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(cp->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int cp_timer_open(struct cp *cp)
{
	struct itimerspec its = {
		.it_interval = { .tv_nsec = CP_TICK_NS },
		.it_value = { .tv_nsec = CP_TICK_NS },
	};

	cp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (cp->tfd < 0 || timerfd_settime(cp->tfd, 0, &its, NULL))
		return -errno;
	return 0;
}

static int cp_signals_open(struct cp *cp)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -EINVAL;
	signal(SIGPIPE, SIG_IGN);
	cp->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return cp->sigfd < 0 ? -errno : 0;
}

static int cp_flows_init(struct cp *cp)
{
	uint32_t n = cp->d->cfg.max_flows;

	cp->free_flows = malloc(sizeof(*cp->free_flows) * n);
	cp->hmask = 1;
	while (cp->hmask < n)
		cp->hmask <<= 1;
	cp->hash = calloc(cp->hmask, sizeof(*cp->hash));
	cp->hmask--;
	cp->flow_held = calloc(n, 1);
	if (!cp->free_flows || !cp->hash || !cp->flow_held)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		cp->free_flows[i] = n - 1 - i;
	cp->nfree = n;
	return 0;
}

int cp_create(struct xtoed *d)
{
	struct cp *cp = calloc(1, sizeof(*cp));
	int err;

	if (!cp)
		return -ENOMEM;
	d->cp = cp;
	cp->d = d;
	cp->epfd = cp->lsock = cp->tfd = cp->sigfd = -1;
	cp->next_port = 61000;
	cp->open_cfg.mss = d->cfg.mss;
	cp->open_cfg.rx_size = d->cfg.rx_size;
	cp->open_cfg.timestamps = true;
	cp->open_cfg.wscale = true;
	cp->open_cfg.sack = true;
	cp->open_cfg.cc = d->cfg.cc;
	cp->open_cfg.ecn = d->cfg.ecn == 1;
	cp->open_cfg.ecn_accept = d->cfg.ecn >= 1;
	cp->open_cfg.wscale_space = d->cfg.wscale_space;
	cp->open_cfg.par = &d->cfg.tcp;
	if (getrandom(cp->isn_key, sizeof(cp->isn_key), 0) != sizeof(cp->isn_key))
		return -errno;
	err = cp_flows_init(cp);
	if (err)
		return err;
	if (wheel_init(&cp->wheel, CP_WHEEL_SLOTS, CP_TICK_NS / 1000, now_us()))
		return -ENOMEM;
	cp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (cp->epfd < 0)
		return -errno;
	if (d->cfg.signals &&
	    ((err = cp_signals_open(cp)) || (err = cp_epoll_add(cp, cp->sigfd, TAG_SIGNAL))))
		return err;
	if ((err = cp_timer_open(cp)) ||
	    (err = cp_epoll_add(cp, cp->tfd, TAG_TIMER)) ||
	    (err = cp_epoll_add(cp, d->cp_efd, TAG_NOTES)))
		return err;
	return 0;
}

/* The unix socket is opened last, once everything serves. */
static int cp_serve(struct cp *cp)
{
	int err = cp_app_listen_socket(cp);

	if (err)
		return err;
	return cp_epoll_add(cp, cp->lsock, TAG_LISTEN);
}

void cp_unlisten(struct xtoed *d)
{
	struct cp *cp = d->cp;

	if (!cp || cp->lsock < 0)
		return;
	close(cp->lsock);
	cp->lsock = -1;
	unlink(d->cfg.sock_path);
}

void cp_destroy(struct xtoed *d)
{
	struct cp *cp = d->cp;

	if (!cp)
		return;
	cp_log(cp, "control plane: syn_dropped %lu rst_sent %lu retx %lu timeouts %lu"
	       " syn_cookies %lu cookies_ok %lu cmds_dropped_at_stop %lu",
	       cp->st.syn_dropped, cp->st.rst_sent, cp->st.retx, cp->st.timeouts,
	       cp->st.syn_cookies, cp->st.cookies_ok, cp->st.cmds_dropped);
	cp_tools_end_all(cp);
	cp_app_close_all(cp);
	cp_splice_free_all(cp);
	cp_tcp_free_all(cp);
	cp_unlisten(d);
	if (cp->epfd >= 0)
		close(cp->epfd);
	if (cp->tfd >= 0)
		close(cp->tfd);
	if (cp->sigfd >= 0)
		close(cp->sigfd);
	free(cp->free_flows);
	free(cp->flow_held);
	free(cp->hash);
	wheel_free(&cp->wheel);
	free(cp);
	d->cp = NULL;
}

static bool cp_signal(struct cp *cp)
{
	struct signalfd_siginfo si;

	if (read(cp->sigfd, &si, sizeof(si)) != sizeof(si))
		return false;
	log_notice("%s, shutting down", strsignal((int)si.ssi_signo));
	return true;
}

static void cp_tick(struct cp *cp)
{
	uint64_t expirations;

	if (read(cp->tfd, &expirations, sizeof(expirations)) <= 0)
		return;
	cp_tcp_timers(cp, now_us());
	cp_splice_timers(cp, now_us());
	cp_tools_tick(cp);
}

static bool cp_dispatch(struct cp *cp, const struct epoll_event *ev)
{
	switch (ev->data.u64) {
	case TAG_SIGNAL:
		return cp_signal(cp);
	case TAG_LISTEN:
		cp_app_accept(cp);
		break;
	case TAG_NOTES:
		wake_drain(cp->d->cp_efd);
		break;
	case TAG_TIMER:
		cp_tick(cp);
		break;
	default:
		cp_app_input(cp, (struct app_ctx *)(uintptr_t)ev->data.u64);
		break;
	}
	return false;
}

/* Announce sleep, re-check the note queue, then wait for events. */
static int cp_wait(struct cp *cp, struct epoll_event *evs, int max)
{
	int n, timeout = 0;

	wake_announce_sleep(&cp->d->cp_sleeping);
	if (cp_notes_empty(cp))
		timeout = -1;
	n = epoll_wait(cp->epfd, evs, max, timeout);
	wake_cancel_sleep(&cp->d->cp_sleeping);
	return n;
}

int cp_run(struct xtoed *d)
{
	struct cp *cp = d->cp;
	struct epoll_event evs[32];
	bool stop = false;
	int err = cp_serve(cp);

	if (err)
		return err;
	log_notice("serving %s on %s", d->cfg.ifname, d->cfg.sock_path);
	service_notify("READY=1");
	while (!stop && !atomic_load(&d->stop)) {
		int n = cp_wait(cp, evs, 32);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n && !stop; i++)
			stop = cp_dispatch(cp, &evs[i]);
		cp_poll_notes(cp);
	}
	return 0;
}
