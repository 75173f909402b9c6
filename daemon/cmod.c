// SPDX-License-Identifier: MIT
/* Load C modules and call their hooks. */
#include "cmod.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp.h"
#include "common/log.h"
#include "common/spinlock.h"

struct msgbuf {
	char *buf;
	size_t len;
};

/* The message on stderr and, for a requester, in mb. */
static int fail(struct msgbuf *mb, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct msgbuf *mb, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s", msg);
	if (mb->buf)
		snprintf(mb->buf, mb->len, "%s", msg);
	return err;
}

static int cmod_open(struct cmod *c, const char *path, const char *args,
		     struct msgbuf *mb)
{
	int err;

	c->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!c->dl)
		return fail(mb, -ENOENT, "cannot load C module %s: %s", path, dlerror());
	c->m = dlsym(c->dl, XTOE_CMODULE_SYMBOL);
	if (!c->m)
		return fail(mb, -ENOEXEC, "%s is not an xtoe C module (no symbol %s; "
			    "define it with XTOE_CMODULE from <xtoe/cmodule.h>)",
			    path, XTOE_CMODULE_SYMBOL);
	if (c->m->abi != XTOE_CMODULE_ABI)
		return fail(mb, -ENOEXEC, "C module %s was built for ABI %u, this "
			    "daemon has %u: rebuild it against this "
			    "<xtoe/cmodule.h>", path, c->m->abi, XTOE_CMODULE_ABI);
	err = c->m->init ? c->m->init(&c->state, args) : 0;
	if (err)
		return fail(mb, err, "C module %s (%s) refused to start: %s", path,
			    c->m->name ? c->m->name : "?", strerror(-err));
	return 0;
}

int cmods_load(struct cmods *cs, const char *spec, char *err_msg, size_t len)
{
	struct msgbuf mb = { err_msg, len };
	int n = atomic_load_explicit(&cs->n, memory_order_relaxed);
	const char *colon = strchr(spec, ':');
	struct cmod c = { 0 };
	char path[4096];
	int err;

	if (n >= CMOD_MAX)
		return fail(&mb, -E2BIG, "at most %d C modules", CMOD_MAX);
	snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	err = cmod_open(&c, path, colon ? colon + 1 : "", &mb);
	if (err) {
		if (c.dl)
			dlclose(c.dl);
		return err;
	}
	cs->v[n] = c;
	atomic_store_explicit(&cs->n, n + 1, memory_order_release); /* publish */
	if (c.m->rx_segment)
		atomic_store_explicit(&cs->any_rx, true, memory_order_release);
	if (c.m->tx_segment)
		atomic_store_explicit(&cs->any_tx, true, memory_order_release);
	if (c.m->conn_event)
		atomic_store_explicit(&cs->any_conn, true, memory_order_release);
	return 0;
}

void cmods_unload(struct cmods *cs)
{
	int n = atomic_load(&cs->n);

	atomic_store(&cs->any_rx, false);
	atomic_store(&cs->any_tx, false);
	atomic_store(&cs->any_conn, false);
	atomic_store(&cs->n, 0);
	while (n > 0) {
		struct cmod *c = &cs->v[--n];

		if (c->m->fini)
			c->m->fini(c->state);
		dlclose(c->dl);
	}
}

/* Modules published so far (pairs with the release store in cmods_load). */
static int published(const struct cmods *cs)
{
	return atomic_load_explicit(&((struct cmods *)cs)->n, memory_order_acquire);
}

static void view(struct xtoe_cm_seg *v, const struct tcp_seg *s,
		 const uint8_t *frame, uint32_t len)
{
	v->frame = frame;
	v->frame_len = len;
	v->saddr = s->saddr;
	v->daddr = s->daddr;
	v->sport = s->sport;
	v->dport = s->dport;
	v->seq = s->seq;
	v->ack = s->ack;
	v->wnd = s->wnd;
	v->flags = s->flags;
	v->payload_len = s->len;
}

/* Segment hooks run one call at a time whichever data-path worker makes
 * it (a module's state is written as by one thread); the wait is one
 * other hook call, never a worker's loop. */
static void seg_enter(const struct cmods *cs)
{
	spin_lock(&((struct cmods *)cs)->seg_busy);
}

static void seg_leave(const struct cmods *cs)
{
	spin_unlock(&((struct cmods *)cs)->seg_busy);
}

void cmods_rx(const struct cmods *cs, const struct tcp_seg *s,
	      const uint8_t *frame, uint32_t len)
{
	struct xtoe_cm_seg v;

	if (!atomic_load_explicit(&((struct cmods *)cs)->any_rx, memory_order_relaxed))
		return;
	view(&v, s, frame, len);
	seg_enter(cs);
	for (int i = 0, n = published(cs); i < n; i++)
		if (cs->v[i].m->rx_segment)
			cs->v[i].m->rx_segment(cs->v[i].state, &v);
	seg_leave(cs);
}

void cmods_tx(const struct cmods *cs, const uint8_t *frame, uint32_t len)
{
	struct xtoe_cm_seg v;
	struct tcp_seg s;

	if (!atomic_load_explicit(&((struct cmods *)cs)->any_tx, memory_order_relaxed) ||
	    tcp_parse(frame, len, &s, false) != XTOE_DROP_NONE)
		return;
	view(&v, &s, frame, len);
	seg_enter(cs);
	for (int i = 0, n = published(cs); i < n; i++)
		if (cs->v[i].m->tx_segment)
			cs->v[i].m->tx_segment(cs->v[i].state, &v);
	seg_leave(cs);
}

void cmods_conn(const struct cmods *cs, enum xtoe_cm_event ev,
		const struct tcp_endpoints *ep)
{
	struct xtoe_cm_conn c = {
		.laddr = ep->saddr, .raddr = ep->daddr,
		.lport = ep->sport, .rport = ep->dport,
	};

	if (!atomic_load_explicit(&((struct cmods *)cs)->any_conn, memory_order_relaxed))
		return;
	for (int i = 0, n = published(cs); i < n; i++)
		if (cs->v[i].m->conn_event)
			cs->v[i].m->conn_event(cs->v[i].state, ev, &c);
}
