// SPDX-License-Identifier: MIT
/* Load C modules and call their hooks. */
#include "cmod.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

static int cmod_open(struct cmod *c, const char *path, const char *args)
{
	int err;

	c->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!c->dl) {
		fprintf(stderr, "xtoed: cannot load C module %s: %s\n", path, dlerror());
		return -ENOENT;
	}
	c->m = dlsym(c->dl, XTOE_CMODULE_SYMBOL);
	if (!c->m) {
		fprintf(stderr, "xtoed: %s is not an xtoe C module (no symbol %s; "
			"define it with XTOE_CMODULE from <xtoe/cmodule.h>)\n", path,
			XTOE_CMODULE_SYMBOL);
		return -ENOEXEC;
	}
	if (c->m->abi != XTOE_CMODULE_ABI) {
		fprintf(stderr, "xtoed: C module %s was built for ABI %u, this daemon "
			"has %u: rebuild it against this <xtoe/cmodule.h>\n", path,
			c->m->abi, XTOE_CMODULE_ABI);
		return -ENOEXEC;
	}
	err = c->m->init ? c->m->init(&c->state, args) : 0;
	if (err)
		fprintf(stderr, "xtoed: C module %s (%s) refused to start: %s\n",
			path, c->m->name ? c->m->name : "?", strerror(-err));
	return err;
}

int cmods_load(struct cmods *cs, const char *spec)
{
	char path[4096];
	const char *colon = strchr(spec, ':');
	struct cmod c = { 0 };
	int err;

	if (cs->n >= CMOD_MAX) {
		fprintf(stderr, "xtoed: at most %d C modules\n", CMOD_MAX);
		return -E2BIG;
	}
	snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	err = cmod_open(&c, path, colon ? colon + 1 : "");
	if (err) {
		if (c.dl)
			dlclose(c.dl);
		return err;
	}
	cs->v[cs->n++] = c;
	cs->any_rx |= c.m->rx_segment != NULL;
	cs->any_tx |= c.m->tx_segment != NULL;
	cs->any_conn |= c.m->conn_event != NULL;
	return 0;
}

void cmods_unload(struct cmods *cs)
{
	while (cs->n > 0) {
		struct cmod *c = &cs->v[--cs->n];

		if (c->m->fini)
			c->m->fini(c->state);
		dlclose(c->dl);
	}
	cs->any_rx = cs->any_tx = cs->any_conn = false;
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

void cmods_rx(const struct cmods *cs, const struct tcp_seg *s,
	      const uint8_t *frame, uint32_t len)
{
	struct xtoe_cm_seg v;

	if (!cs->any_rx)
		return;
	view(&v, s, frame, len);
	for (int i = 0; i < cs->n; i++)
		if (cs->v[i].m->rx_segment)
			cs->v[i].m->rx_segment(cs->v[i].state, &v);
}

void cmods_tx(const struct cmods *cs, const uint8_t *frame, uint32_t len)
{
	struct xtoe_cm_seg v;
	struct tcp_seg s;

	if (!cs->any_tx || tcp_parse(frame, len, &s, false) != XTOE_DROP_NONE)
		return;
	view(&v, &s, frame, len);
	for (int i = 0; i < cs->n; i++)
		if (cs->v[i].m->tx_segment)
			cs->v[i].m->tx_segment(cs->v[i].state, &v);
}

void cmods_conn(const struct cmods *cs, enum xtoe_cm_event ev,
		const struct tcp_endpoints *ep)
{
	struct xtoe_cm_conn c = {
		.laddr = ep->saddr, .raddr = ep->daddr,
		.lport = ep->sport, .rport = ep->dport,
	};

	if (!cs->any_conn)
		return;
	for (int i = 0; i < cs->n; i++)
		if (cs->v[i].m->conn_event)
			cs->v[i].m->conn_event(cs->v[i].state, ev, &c);
}
