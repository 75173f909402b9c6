// SPDX-License-Identifier: MIT
/*
 * The daemon's side of the operator tools (xtoectl fw/stats/conns/trace,
 * xtoe-dump): requests answered from what the control plane already has,
 * the shared rings of a capture or trace, and the firewall rules of
 * --fw-file installed at start.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>
#include <unistd.h>

#include "common/cap.h"
#include "common/proto.h"
#include "common/seqlock.h"
#include "common/spinlock.h"
#include "common/trace.h"
#include "common/wake.h"
#include "core/cc.h"
#include "xdp/capture.h"
#include "xdp/fw_ctl.h"
#include "cp.h"
#include "cp_access.h"
#include "common/log.h"

static void req_fw_file(struct cp *cp, struct xtoe_resp *r)
{
	snprintf(r->msg, sizeof(r->msg), "%s", cp->d->cfg.fw_file);
}

/* --- the firewall outlives the daemon when it has rules ------------------ */

/* Keep the chain attached after the daemon exactly when the firewall
 * holds rules (daemon/port/steer.h). Returns the rule count. */
int cp_tools_fw_sync(struct xtoed *d)
{
	int n;

	if (!d->port->pin_dir)
		return 0; /* a port without a module chain */
	n = fwc_live_rules(d->port->pin_dir);
	if (n >= 0)
		port_keep_chain(d->port, n > 0);
	return n;
}

/* Once a second: tools tell the daemon (XTOE_OP_FW_SYNC), this catches a
 * change made without it. */
void cp_tools_tick(struct cp *cp)
{
	uint64_t now = now_ms();

	if (now - cp->tools_sync_ms < 1000)
		return;
	cp->tools_sync_ms = now;
	cp_tools_fw_sync(cp->d);
}

/* true when q was a tools request (r filled in). */
bool cp_tools_request(struct cp *cp, const struct xtoe_req *q, struct xtoe_resp *r)
{
	switch (q->op) {
	case XTOE_OP_FW_FILE:
		req_fw_file(cp, r);
		return true;
	case XTOE_OP_FW_SYNC:
		cp_tools_fw_sync(cp->d);
		return true;
	default:
		return false;
	}
}

/* A tool's shared ring (capture, trace): created at the first use, then
 * kept mapped until the daemon exits (a worker may still look at it in the
 * round in which the tool goes; it writes only while the ring is live). */
static int tool_ring(const char *name, uint64_t bytes, void **mem, int *mfd)
{
	void *p;
	int fd;

	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes) < 0) {
		close(fd);
		return -errno;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	*mem = p;
	*mfd = fd;
	return 0;
}

/* The workers write a tool's ring, one at a time under its lock, only
 * while it is live: set here, under the lock, once the ring is formatted,
 * and cleared when the tool goes; after that no worker writes it, and it
 * may be formatted again at once. */
static void ring_live(_Atomic uint32_t *lock, bool *live, bool on)
{
	spin_lock(lock);
	*live = on;
	spin_unlock(lock);
}

/* The tool's copy of a ring's fd, or -1 with r filled in. */
static int ring_fd(int fd, struct xtoe_resp *r)
{
	int dfd = dup(fd);

	if (dfd < 0) {
		r->err = (uint32_t)errno;
		snprintf(r->msg, sizeof(r->msg), "ring: %s", strerror(errno));
	}
	return dfd;
}

/* --- capture sessions (common/cap.h) -------------------------------------- */

/* A session nobody owns (its ring not live), or -1. */
static int cap_free_slot(struct xtoed *d)
{
	for (int i = 0; i < XTOE_CAP_MAX; i++)
		if (!d->caps[i].owner)
			return i;
	return -1;
}

static void cap_format(struct cap_session *s, uint32_t snaplen)
{
	struct xtoe_cap_shm *sh = s->shm;

	atomic_store_explicit(&sh->drops, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->records, 0, memory_order_relaxed);
	sh->snaplen = snaplen;
	sh->entries = XTOE_CAP_ENTRIES;
	sh->esize = sizeof(struct xtoe_cap_rec);
	spsc_format(&sh->ring);
}

/* What a session added to the chain goes: its capture module, the egress
 * program, the verdict trace. */
static void cap_chain_end(struct cp *cp, struct cap_session *s)
{
	struct xchain *ch;

	xcap_egress_close(s->egress, s->egress_link);
	s->egress = NULL;
	s->egress_link = -1;
	if ((s->module[0] || s->verdicts) && cp->d->port->pin_dir &&
	    !xchain_open(&ch, cp->d->port->pin_dir)) {
		if (s->verdicts)
			xchain_trace_verdicts(ch, false);
		if (xcap_unlink(ch, s->module))
			log_err("capture: the capture module %s stays in the chain; remove it "
				"with `xtoectl module del %s`", s->module, s->module);
		xchain_close(ch);
	}
	s->module[0] = 0;
	s->verdicts = false;
}

/* The session's pieces in the chain; returns the XTOE_CAP_F_* granted, or
 * -errno (r filled in) when the capture module cannot be linked. */
static int cap_chain_parts(struct cp *cp, int i, uint32_t want, uint32_t snaplen,
			   struct xtoe_resp *r)
{
	struct xtoed *d = cp->d;
	struct cap_session *s = &d->caps[i];
	uint32_t got = want & XTOE_CAP_F_TX;
	struct xchain *ch;
	bool held = false;
	int err;

	if (!(want & (XTOE_CAP_F_RX | XTOE_CAP_F_KTX | XTOE_CAP_F_VERDICTS)))
		return (int)got;
	if (!d->port->pin_dir)
		err = -EOPNOTSUPP; /* a port without a module chain */
	else
		err = xchain_open(&ch, d->port->pin_dir);
	if (err)
		goto fail;
	snprintf(s->module, sizeof(s->module), "xtoe_dump%d", i);
	err = xcap_link(ch, s->module, snaplen, want & XTOE_CAP_F_AFTER);
	if (err) {
		s->module[0] = 0;
		xchain_close(ch);
		goto fail;
	}
	got |= want & (XTOE_CAP_F_RX | XTOE_CAP_F_AFTER);
	if ((want & XTOE_CAP_F_KTX) &&
	    !xcap_egress(ch, s->module, snaplen, d->port->ifindex, &s->egress, &s->egress_link))
		got |= XTOE_CAP_F_KTX;
	for (int k = 0; k < XTOE_CAP_MAX; k++)
		held |= d->caps[k].verdicts;
	if ((want & XTOE_CAP_F_VERDICTS) && !held && !xchain_trace_verdicts(ch, true)) {
		s->verdicts = true;
		got |= XTOE_CAP_F_VERDICTS;
	}
	xchain_close(ch);
	return (int)got;
fail:
	r->err = (uint32_t)-err;
	snprintf(r->msg, sizeof(r->msg), "cannot link the capture module: %s", strerror(-err));
	return err;
}

static int req_capture(struct cp *cp, const struct app_ctx *c,
		       const struct xtoe_req *q, struct xtoe_resp *r)
{
	struct xtoed *d = cp->d;
	uint32_t want = q->b ? q->b : XTOE_CAP_F_RX | XTOE_CAP_F_TX | XTOE_CAP_F_KTX;
	uint32_t snaplen = q->a ? q->a : UINT32_MAX;
	int i = cap_free_slot(d), err, fd, got;
	struct cap_session *s;

	if (i < 0) {
		r->err = EBUSY;
		snprintf(r->msg, sizeof(r->msg), "%d captures run already, the most at "
			 "once; stop one first", XTOE_CAP_MAX);
		return -1;
	}
	s = &d->caps[i];
	/* a slot's ring is made once and formatted again for each session:
	 * a free slot's is not live, so no worker writes it */
	if (!s->shm &&
	    (err = tool_ring("xtoe-capture", xtoe_cap_bytes(), (void **)&s->shm, &s->fd))) {
		r->err = (uint32_t)-err;
		snprintf(r->msg, sizeof(r->msg), "capture ring: %s", strerror(-err));
		return -1;
	}
	cap_format(s, snaplen < XTOE_CAP_SNAP_MAX ? snaplen : XTOE_CAP_SNAP_MAX);
	s->egress_link = -1;
	got = cap_chain_parts(cp, i, want, snaplen, r);
	fd = got < 0 ? -1 : ring_fd(s->fd, r);
	if (fd < 0) {
		cap_chain_end(cp, s);
		return -1;
	}
	s->owner = c;
	if (got & XTOE_CAP_F_TX) {
		spsc_attach(&s->q, &s->shm->ring, XTOE_CAP_ENTRIES, sizeof(struct xtoe_cap_rec));
		ring_live(&s->lock, &s->live, true);
		atomic_fetch_or_explicit(&d->cap_on, 1u << i, memory_order_release);
	}
	r->val = (uint32_t)i;
	r->val2 = (uint32_t)got;
	snprintf(r->msg, sizeof(r->msg), "%s", s->module);
	cp_log(cp, "capture %d started (snaplen %u, flags %#x)", i, snaplen, (unsigned)got);
	return fd;
}

/* The session's owner went: everything it added goes; once its ring is
 * no longer live no worker writes it, and the slot is free. */
static void cap_end(struct cp *cp, int i)
{
	struct xtoed *d = cp->d;
	struct cap_session *s = &d->caps[i];

	ring_live(&s->lock, &s->live, false);
	atomic_fetch_and_explicit(&d->cap_on, ~(1u << i), memory_order_release);
	cap_chain_end(cp, s);
	s->owner = NULL;
	cp_log(cp, "capture %d stopped: %lu records, %lu dropped", i,
	       (unsigned long)atomic_load(&s->shm->records),
	       (unsigned long)atomic_load(&s->shm->drops));
}

/* The daemon stops: no session outlives it (nor stays in a kept chain). */
void cp_tools_end_all(struct cp *cp)
{
	for (int i = 0; i < XTOE_CAP_MAX; i++)
		if (cp->d->caps[i].owner)
			cap_end(cp, i);
}

/* The trace rings: both formatted; the control plane attaches its own,
 * ring 1; ring 0, the workers', goes live. */
static int req_trace(struct cp *cp, const struct app_ctx *c, struct xtoe_resp *r)
{
	struct xtoed *d = cp->d;
	int err, fd;

	if (d->trace_owner) {
		r->err = EBUSY;
		snprintf(r->msg, sizeof(r->msg), "another trace is running; "
			 "stop it first");
		return -1;
	}
	if (!d->trace &&
	    (err = tool_ring("xtoe-trace", xtoe_trace_bytes(), (void **)&d->trace,
			     &d->trace_fd))) {
		r->err = -err;
		snprintf(r->msg, sizeof(r->msg), "trace ring: %s", strerror(-err));
		return -1;
	}
	memset(d->trace, 0, sizeof(*d->trace));
	d->trace->entries = XTOE_TRACE_ENTRIES;
	d->trace->esize = sizeof(struct xtoe_trace_rec);
	for (int i = 0; i < 2; i++)
		spsc_format(xtoe_trace_ring(d->trace, i));
	if ((fd = ring_fd(d->trace_fd, r)) < 0)
		return -1;
	spsc_attach(&cp->trace_q, xtoe_trace_ring(d->trace, 1), XTOE_TRACE_ENTRIES,
		    sizeof(struct xtoe_trace_rec));
	spsc_attach(&d->trace_q, xtoe_trace_ring(d->trace, 0), XTOE_TRACE_ENTRIES,
		    sizeof(struct xtoe_trace_rec));
	ring_live(&d->trace_lock, &d->trace_live, true);
	d->trace_owner = c;
	atomic_store_explicit(&d->trace_on, true, memory_order_release);
	cp_log(cp, "trace started");
	return fd;
}

/* A memfd holding len bytes from p, read from the start by the tool. */
static int blob_fd(const void *p, size_t len, struct xtoe_resp *r)
{
	int fd = memfd_create("xtoe-tools", MFD_CLOEXEC);

	if (fd >= 0 && (write(fd, p, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		r->err = errno ?: EIO;
		snprintf(r->msg, sizeof(r->msg), "answer: %s", strerror((int)r->err));
	}
	return fd;
}

/* Ask every worker to publish (daemon.h struct dp_stats_pub): its eventfd
 * wakes it if it sleeps, and a signal that comes while it goes to sleep
 * still wakes it. */
static void stats_ask(struct xtoed *d, uint32_t n)
{
	for (uint32_t w = 0; w < n; w++) {
		atomic_fetch_add_explicit(&d->wk[w].spub.asked, 1, memory_order_release);
		wake_signal(d->wk[w].efd);
	}
}

/* Only this thread asks: a worker answered once it served its asked. */
static bool stats_answered(struct xtoed *d, uint32_t n)
{
	for (uint32_t w = 0; w < n; w++)
		if (atomic_load_explicit(&d->wk[w].spub.served, memory_order_acquire) !=
		    atomic_load_explicit(&d->wk[w].spub.asked, memory_order_relaxed))
			return false;
	return true;
}

/* Until every worker published after the request, at most 500 ms (a
 * worker runs a round within microseconds of its wake-up; a stopped one
 * leaves its last figures, and age_us says how old they are). */
static void stats_fresh(struct xtoed *d, uint32_t n)
{
	uint64_t end = now_us() + 500000;
	struct timespec nap = { .tv_nsec = 20000 };

	stats_ask(d, n);
	for (int i = 0; !stats_answered(d, n); i++) {
		if (atomic_load_explicit(&d->stop, memory_order_relaxed) || now_us() > end)
			return;
		if (i < 64)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
}

/* A worker's last publication (sequence lock; bounded retries). */
static bool stats_read(struct dp_stats_pub *p, struct xtoe_stat_dp *s, uint64_t *at)
{
	bool torn = true;

	for (int i = 0; i < 1000 && torn; i++) {
		uint32_t seq = seqlock_read_begin(&p->seq);

		seqlock_get(s, &p->s, sizeof(*s));
		seqlock_get(at, &p->at_us, sizeof(*at));
		torn = seqlock_read_retry(&p->seq, seq);
	}
	return !torn;
}

/* The sums of the counters (not the worker records) of one worker's. */
static void stats_sum(struct xtoe_stat_dp *t, const struct xtoe_stat_dp *s)
{
	const uint64_t *a = &s->rounds;
	uint64_t *b = &t->rounds;

	for (size_t i = 0; i < (offsetof(struct xtoe_stat_dp, frames_free) -
				offsetof(struct xtoe_stat_dp, rounds)) / sizeof(uint64_t); i++)
		b[i] += a[i];
	t->frames_free += s->frames_free;
	t->frames_total += s->frames_total;
}

/* Every worker's publication: the sums, and each worker's record. */
static int req_stats(struct cp *cp, struct xtoe_resp *r)
{
	struct xtoed *d = cp->d;
	uint32_t n = d->nworkers ? d->nworkers : 1;
	struct xtoe_stat_dp t, s;
	uint64_t at, oldest = UINT64_MAX;

	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	stats_fresh(d, n);
	for (uint32_t w = 0; w < n; w++) {
		if (!stats_read(&d->wk[w].spub, &s, &at)) {
			r->err = EAGAIN;
			snprintf(r->msg, sizeof(r->msg), "data-path worker %u's counters "
				 "kept changing; try again", w);
			return -1;
		}
		stats_sum(&t, &s);
		t.w[w] = s.w[0];
		if (at < oldest)
			oldest = at;
	}
	t.nworkers = n;
	t.age_us = oldest && oldest != UINT64_MAX ? now_us() - oldest : 0;
	return blob_fd(&t, sizeof(t), r);
}

static void conn_queues(const struct cp_conn *k, struct xtoe_stat_conn *o)
{
	const struct xtoe_flow_shm *sh;

	if (!k->ctx || !app_ctx_serving(k->ctx) || k->slot >= k->ctx->geom.max_flows)
		return;
	sh = &k->ctx->slots[k->slot];
	o->recv_q = atomic_load(&sh->rx_tail) - atomic_load(&sh->rx_head);
	o->send_q = atomic_load(&sh->tx_tail) - atomic_load(&sh->tx_head);
}

/* ss -i's fields of an installed flow, as the data-path last published. */
static void conn_live(const struct flow_pub *p, struct xtoe_stat_conn *o)
{
	o->srtt_us = atomic_load(&p->srtt_us);
	o->rttvar_us = atomic_load(&p->rttvar_us);
	o->retransmits = atomic_load(&p->retransmits);
	o->cwnd = atomic_load(&p->cwnd);
	o->ssthresh = atomic_load(&p->ssthresh);
	o->snd_wnd = atomic_load(&p->snd_wnd);
	o->bytes_sent = atomic_load(&p->bytes_out);
	o->bytes_received = atomic_load(&p->bytes_in);
	o->segs_out = atomic_load(&p->segs_out);
	o->segs_in = atomic_load(&p->segs_in);
}

/* The same from the control plane's own copy (handshakes, TIME-WAIT). */
static void conn_copy(const struct tcp_conn *t, struct xtoe_stat_conn *o)
{
	o->srtt_us = t->srtt_us;
	o->rttvar_us = t->rttvar_us;
	o->retransmits = (uint32_t)t->retransmits;
	o->cwnd = t->cc_st.cwnd;
	o->ssthresh = t->cc_st.ssthresh;
	o->snd_wnd = t->snd_wnd;
	o->bytes_sent = t->bytes_out;
	o->bytes_received = t->bytes_in;
	o->segs_out = t->segs_out;
	o->segs_in = t->segs_in;
}

static void conn_row(struct cp *cp, const struct cp_conn *k, struct xtoe_stat_conn *o)
{
	const struct flow_pub *p = &cp->d->pub[k->flow];
	uint32_t state = k->tcp.state, una = k->tcp.snd_una;
	bool live = k->state == CPC_INSTALLED &&
		    atomic_load_explicit(&p->gen, memory_order_acquire);

	memset(o, 0, sizeof(*o));
	if (live) {
		state = atomic_load(&p->state);
		una = atomic_load(&p->snd_una);
		conn_live(p, o);
		conn_queues(k, o);
	} else {
		conn_copy(&k->tcp, o);
		if (k->state == CPC_TIME_WAIT)
			state = TCP_TIME_WAIT;
	}
	snprintf(o->state, sizeof(o->state), "%s", tcp_state_name(state));
	o->laddr = cp->d->cfg.addr;
	o->lport = k->key.lport;
	o->raddr = k->key.raddr;
	o->rport = k->key.rport;
	/* a TIME-WAIT connection belongs to no one (its application may be
	 * gone, and its context with it) */
	o->pid = k->ctx && state != TCP_TIME_WAIT ? k->ctx->pid : 0;
	o->mss = k->tcp.mss;
	o->bytes_acked = una - k->tcp.iss - (state >= TCP_ESTABLISHED ? 1 : 0);
	snprintf(o->cc, sizeof(o->cc), "%s", k->tcp.cc ? k->tcp.cc->name : "none");
}

/* Connections a non-operator may see: its own user's (cp_access.c); a
 * TIME-WAIT connection belongs to no one. */
static bool conn_seen(const struct app_ctx *c, bool admin, const struct cp_conn *k)
{
	return admin || (k->state != CPC_TIME_WAIT && cp_access_sees(c, admin, k->ctx));
}

static int req_conns(struct cp *cp, const struct app_ctx *c, struct xtoe_resp *r)
{
	bool admin = cp_access_admin(c);
	struct xtoe_stat_conn *rows;
	uint32_t n = 0;
	int fd;

	rows = calloc(XTOE_STAT_CONNS_MAX, sizeof(*rows));
	if (!rows) {
		r->err = ENOMEM;
		return -1;
	}
	for (struct cp_listener *l = cp->listeners; l && n < XTOE_STAT_CONNS_MAX; l = l->next) {
		if (!cp_access_sees(c, admin, l->ctx))
			continue;
		snprintf(rows[n].state, sizeof(rows[n].state), "LISTEN");
		snprintf(rows[n].cc, sizeof(rows[n].cc), "%s", cp->d->cfg.cc->name);
		rows[n].laddr = cp->d->cfg.addr;
		rows[n].lport = l->port;
		rows[n++].pid = l->ctx ? l->ctx->pid : 0;
	}
	for (struct cp_conn *k = cp->conns; k && n < XTOE_STAT_CONNS_MAX; k = k->next)
		if (conn_seen(c, admin, k))
			conn_row(cp, k, &rows[n++]);
	fd = blob_fd(rows, n * sizeof(*rows), r);
	r->val = n;
	free(rows);
	return fd;
}

bool cp_tools_fd_op(uint32_t op)
{
	return op == XTOE_OP_CAPTURE || op == XTOE_OP_STATS || op == XTOE_OP_CONNS ||
	       op == XTOE_OP_TRACE;
}

int cp_tools_fd_request(struct cp *cp, const struct app_ctx *c,
			const struct xtoe_req *q, struct xtoe_resp *r)
{
	switch (q->op) {
	case XTOE_OP_CAPTURE:
		return req_capture(cp, c, q, r);
	case XTOE_OP_STATS:
		return req_stats(cp, r);
	case XTOE_OP_TRACE:
		return req_trace(cp, c, r);
	default:
		return req_conns(cp, c, r);
	}
}

static void trace_gone(struct cp *cp, const struct app_ctx *c)
{
	struct xtoed *d = cp->d;

	if (!d->trace_owner || d->trace_owner != c)
		return;
	ring_live(&d->trace_lock, &d->trace_live, false);
	atomic_store_explicit(&d->trace_on, false, memory_order_release);
	d->trace_owner = NULL;
	cp_log(cp, "trace stopped: %lu events, %lu dropped",
	       (unsigned long)(atomic_load(&d->trace->records[0]) +
			       atomic_load(&d->trace->records[1])),
	       (unsigned long)(atomic_load(&d->trace->drops[0]) +
			       atomic_load(&d->trace->drops[1])));
}

void cp_tools_gone(struct cp *cp, const struct app_ctx *c)
{
	trace_gone(cp, c);
	for (int i = 0; i < XTOE_CAP_MAX; i++)
		if (cp->d->caps[i].owner == c)
			cap_end(cp, i);
}

int cp_tools_fw_restore(struct xtoed *d)
{
	const char *path = d->cfg.fw_file;
	struct fw_rule *rules;
	struct xchain *ch;
	struct fwc f;
	int n, err;

	if (!path[0])
		return 0;
	rules = calloc(FW_MAX_RULES, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	n = fw_file_load(path, rules, FW_MAX_RULES);
	err = n < 0 ? n : 0;
	if (n > 0 && !d->port->pin_dir) {
		log_err("%s has no module chain for the firewall rules of %s",
			d->port->name, path);
		err = -EOPNOTSUPP;
	}
	if (n > 0 && !err && !(err = xchain_open(&ch, d->port->pin_dir))) {
		err = fwc_open(&f, ch, NULL) ?: fwc_apply(&f, rules, n);
		fwc_close(&f);
		xchain_close(ch);
	}
	if (err)
		log_err("the firewall rules of %s were not installed; "
			"fix the file or start with --fw-file none", path);
	else if (n > 0)
		log_info("%d firewall rules from %s", n, path);
	free(rules);
	return err;
}
