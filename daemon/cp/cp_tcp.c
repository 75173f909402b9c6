/* SPDX-License-Identifier: MIT */
/*
 * Control-plane TCP: passive and active opens, handing established
 * connections to the data-path, TIME-WAIT, RSTs for segments nobody owns,
 * and the timers (SYN/SYN-ACK retransmission, RTO, TIME-WAIT expiry).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "cp.h"

#define SYN_RTO_US 1000000u
#define SYN_TRIES 7       /* Linux tcp_syn_retries 6 */
#define SYNACK_TRIES 6    /* Linux tcp_synack_retries 5 */
#define SYN_LINEAR 4      /* Linux tcp_syn_linear_timeouts */
#define RESOLVE_TIMEOUT_US 3000000u
#define RESOLVE_POLL_US 5000u

/* --- the connection table ----------------------------------------------- */

static uint32_t key_hash(const struct cp *cp, const struct flow_key *k)
{
	uint32_t h = k->raddr * 2654435761u ^ ((uint32_t)k->rport << 16 | k->lport) * 40503u;

	return (h ^ h >> 15) & cp->hmask;
}

static struct cp_conn *conn_find(struct cp *cp, const struct flow_key *k)
{
	struct cp_conn *c = cp->hash[key_hash(cp, k)];

	while (c && memcmp(&c->key, k, sizeof(*k)))
		c = c->hnext;
	return c;
}

/* Deliver the connection's 4-tuple to the daemon (on) or stop (off). */
static int conn_steer(struct cp *cp, const struct flow_key *k, bool on)
{
	struct port_tuple t = {
		.laddr = cp->d->cfg.addr, .lport = k->lport, .raddr = k->raddr, .rport = k->rport,
	};

	return port_steer_flow(cp->d->port, &t, on);
}

static struct cp_conn *conn_new(struct cp *cp, const struct flow_key *k)
{
	struct cp_conn *c = calloc(1, sizeof(*c));
	struct cp_conn **head;

	if (!c)
		return NULL;
	c->key = *k;
	c->worker = cp->note_worker; /* a SYN's, or 0 for a connect */
	head = &cp->hash[key_hash(cp, k)];
	c->hnext = *head;
	*head = c;
	c->next = cp->conns;
	if (cp->conns)
		cp->conns->prev = c;
	cp->conns = c;
	return c;
}

/* The connection's next deadline: the state's own, or a neighbour poll
 * while resolving. Installed connections have none here: their timers are
 * the TCP core's, run by the data-path. */
static void conn_timer(struct cp *cp, struct cp_conn *c, uint64_t deadline)
{
	c->deadline = deadline;
	if (c->state == CPC_RESOLVING && deadline > now_us() + RESOLVE_POLL_US)
		deadline = now_us() + RESOLVE_POLL_US;
	wheel_set(&cp->wheel, &c->tnode, deadline);
}

static void conn_remove(struct cp *cp, struct cp_conn *c)
{
	struct cp_conn **pp = &cp->hash[key_hash(cp, &c->key)];

	while (*pp != c)
		pp = &(*pp)->hnext;
	*pp = c->hnext;
	wheel_del(&cp->wheel, &c->tnode);
	if (c->prev)
		c->prev->next = c->next;
	else
		cp->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->lst && c->state == CPC_SYN_RCVD)
		c->lst->half_open--;
	if (c->active || c->steered)
		conn_steer(cp, &c->key, false);
	free(c);
}

void cp_tcp_conn_remove(struct cp *cp, struct cp_conn *c)
{
	conn_remove(cp, c);
}

void cp_tcp_free_all(struct cp *cp)
{
	while (cp->conns)
		conn_remove(cp, cp->conns);
}

static struct flow_key seg_key(const struct tcp_seg *s)
{
	struct flow_key k = { .raddr = s->saddr, .rport = s->sport, .lport = s->dport };

	return k;
}

/* The daemon's open settings, with the MSS lowered to the application's
 * TCP_MAXSEG (Linux user_mss) when it set one. */
static const struct tcp_open_cfg *open_cfg(struct cp *cp, uint16_t user_mss,
					   struct tcp_open_cfg *tmp)
{
	if (!user_mss || user_mss >= cp->open_cfg.mss)
		return &cp->open_cfg;
	*tmp = cp->open_cfg;
	tmp->mss = user_mss;
	return tmp;
}

/* --- sending -------------------------------------------------------------- */

static void send_handshake(struct cp *cp, struct cp_conn *c)
{
	struct tcp_hdrvals h;

	tcp_handshake_hdr(&c->tcp, &cp->open_cfg, now_us(), &h);
	cp_send_frame(cp, &c->tcp.ep, &h);
}

static void send_rst_for(struct cp *cp, const struct tcp_seg *s)
{
	struct tcp_endpoints ep = { 0 };
	struct tcp_hdrvals h;

	if (!tcp_rst_reply(s, &ep, &h))
		return;
	memcpy(ep.smac, cp->d->port->mac, 6);
	memcpy(ep.dmac, s->smac, 6);
	cp_send_frame(cp, &ep, &h);
	cp->st.rst_sent++;
}

/* An ACK from TIME-WAIT state: seq = snd_nxt, ack = rcv_nxt. */
static void send_tw_ack(struct cp *cp, struct cp_conn *c)
{
	struct tcp_hdrvals h = {
		.seq = c->tcp.snd_nxt, .ack = c->tcp.rcv_nxt, .flags = TCP_F_ACK,
		.ts = c->tcp.ts_ok, .tsval = (uint32_t)(now_us() / 1000),
		.tsecr = c->tcp.ts_recent, .wscale = -1,
	};

	cp_send_frame(cp, &c->tcp.ep, &h);
}

/* --- handing over to the data-path ----------------------------------------- */

static void slot_identity(struct app_ctx *a, uint32_t slot, const struct tcp_conn *t)
{
	struct xtoe_flow_shm *sh = &a->slots[slot];

	sh->laddr = t->ep.saddr;
	sh->lport = t->ep.sport;
	sh->raddr = t->ep.daddr;
	sh->rport = t->ep.dport;
	sh->mss = t->mss;
}

static int install(struct cp *cp, struct cp_conn *c, bool ack, const uint8_t *frame,
		   uint32_t len)
{
	struct dp_cmd *cmd;

	if (!cp->nfree)
		return -ENOBUFS;
	c->flow = cp->free_flows[--cp->nfree];
	cp->flow_held[c->flow] = 1;
	slot_identity(c->ctx, c->slot, &c->tcp);
	atomic_fetch_or(&c->ctx->slots[c->slot].status, XTOE_FS_OPEN);
	c->ctx->slot_state[c->slot] = CPS_OPEN;
	cmd = cp_cmd_reserve(cp);
	cmd->type = DP_CMD_INSTALL;
	cmd->flow = c->flow;
	cmd->ctx = c->ctx;
	cmd->slot = c->slot;
	cmd->gen = c->gen;
	cmd->flags = ack ? DP_INSTALL_ACK : 0;
	cmd->worker = c->worker;
	cmd->conn = c->tcp;
	cp_cmd_commit(cp);
	cmods_conn(&cp->d->cmods, XTOE_CM_CONN_OPEN, &c->tcp.ep); /* C modules */
	if (frame) {
		cmd = cp_cmd_reserve(cp);
		cmd->type = DP_CMD_REINJECT;
		cmd->worker = c->worker;
		cmd->len = len;
		memcpy(cmd->frame, frame, len);
		cp_cmd_commit(cp);
	}
	c->state = CPC_INSTALLED;
	wheel_del(&cp->wheel, &c->tnode); /* the data-path times it now */
	return 0;
}

static void established_passive(struct cp *cp, struct cp_conn *c, const struct tcp_seg *s,
				bool ack, const uint8_t *frame, uint32_t len)
{
	struct cp_listener *l = c->lst;
	bool carries = s->len || (s->flags & TCP_F_FIN);

	l->half_open--;
	c->lst = NULL;
	c->ctx = l->ctx;
	if (cp_slot_alloc(cp, c->ctx, &c->slot)) {
		cp_log(cp, "listener %u: its context has --ctx-flows connections "
		       "already; connection reset", l->id);
		send_rst_for(cp, s);
		conn_remove(cp, c);
		return;
	}
	c->gen = c->ctx->slot_gen[c->slot];
	if (install(cp, c, ack, carries ? frame : NULL, len)) {
		cp_slot_free(cp, c->ctx, c->slot);
		send_rst_for(cp, s);
		conn_remove(cp, c);
		return;
	}
	/* steered by 4-tuple too, so it survives its listener (close, fork) */
	c->steered = !conn_steer(cp, &c->key, true);
	cp_push_app_event(c->ctx, XTOE_EVT_ACCEPT, c->slot, c->gen, l->id);
}

static void connect_failed(struct cp *cp, struct cp_conn *c, int err)
{
	struct xtoe_flow_shm *sh = &c->ctx->slots[c->slot];

	atomic_store(&sh->error, err);
	atomic_fetch_or(&sh->status, XTOE_FS_RESET | XTOE_FS_DONE);
	c->ctx->slot_state[c->slot] = CPS_FAILED;
	cp_push_app_event(c->ctx, XTOE_EVT_CONNECTED, c->slot, c->gen, (uint32_t)err);
	conn_remove(cp, c);
}

static void established_active(struct cp *cp, struct cp_conn *c, bool ack)
{
	if (install(cp, c, ack, NULL, 0)) {
		connect_failed(cp, c, ENOBUFS);
		return;
	}
	cp_push_app_event(c->ctx, XTOE_EVT_CONNECTED, c->slot, c->gen, 0);
}

/* --- segments -------------------------------------------------------------- */

static void handshake_segment(struct cp *cp, struct cp_conn *c, const struct tcp_seg *s,
			      const uint8_t *frame, uint32_t len)
{
	uint8_t old = c->tcp.state;
	struct tcp_hs_out o = tcp_handshake_input(&c->tcp, s, now_us());

	if (o.res == TCP_HS_DROP)
		cp_trace(cp, c, XTOE_TR_DROP, o.drop, s->seq, 0);
	else if (o.res == TCP_HS_REFUSED || o.res == TCP_HS_ABORTED)
		cp_trace(cp, c, XTOE_TR_STATE, old, TCP_CLOSED, 0);
	else if (c->tcp.state != old)
		cp_trace(cp, c, XTOE_TR_STATE, old, c->tcp.state, 0);
	switch (o.res) {
	case TCP_HS_DROP:
		break;
	case TCP_HS_ESTABLISHED:
		if (c->active)
			established_active(cp, c, o.send_ack);
		else
			established_passive(cp, c, s, o.send_ack, frame, len);
		break;
	case TCP_HS_REFUSED:
		connect_failed(cp, c, ECONNREFUSED);
		break;
	case TCP_HS_ABORTED:
		conn_remove(cp, c);
		break;
	case TCP_HS_SEND_RST:
		send_rst_for(cp, s);
		break;
	case TCP_HS_RESEND:
		send_handshake(cp, c);
		break;
	}
}

static void time_wait_segment(struct cp *cp, struct cp_conn *c, const struct tcp_seg *s,
			      const uint8_t *frame, uint32_t len);

/* Our side of the segment's connection, as frames we send see it. */
static void reply_endpoints(struct cp *cp, const struct tcp_seg *s,
			    struct tcp_endpoints *ep)
{
	memcpy(ep->smac, cp->d->port->mac, 6);
	memcpy(ep->dmac, s->smac, 6); /* the peer, or the router before it */
	ep->vlan = s->vlan;           /* replies carry the SYN's 802.1Q tag */
	ep->vlan_tci = s->vlan_tci;
	ep->saddr = s->daddr;
	ep->daddr = s->saddr;
	ep->sport = s->dport;
	ep->dport = s->sport;
}

/* RFC 4987 3.6: the backlog is full; answer with a SYN cookie and keep
 * nothing. */
static void cookie_synack(struct cp *cp, const struct tcp_seg *s,
			  const struct tcp_endpoints *ep, uint64_t now)
{
	struct tcp_hdrvals h;
	uint32_t iss = tcp_cookie_isn(ep, s->seq, s->has_mss ? s->mss : 536,
				      cp->isn_key, now);

	tcp_cookie_synack(s, iss, &cp->open_cfg, &h);
	cp_send_frame(cp, ep, &h);
	cp->st.syn_cookies++;
}

/* A bare ACK for a listener with no connection: the end of a handshake
 * answered with a cookie? Returns false when it is not. */
static bool cookie_ack(struct cp *cp, struct cp_listener *l, const struct tcp_seg *s,
		       const uint8_t *frame, uint32_t len)
{
	struct flow_key k = seg_key(s);
	struct tcp_endpoints ep = { 0 };
	struct cp_conn *c;
	uint64_t now = now_us();
	uint16_t mss;

	reply_endpoints(cp, s, &ep);
	mss = tcp_cookie_check(&ep, s->seq - 1, s->ack - 1, cp->isn_key, now);
	if (!mss || !(c = conn_new(cp, &k)))
		return false;
	if (tcp_cookie_open(&c->tcp, s, &ep, mss, &cp->open_cfg, now)) {
		conn_remove(cp, c);
		return false;
	}
	cp->st.cookies_ok++;
	c->state = CPC_SYN_RCVD;
	cp_trace(cp, c, XTOE_TR_STATE, TCP_LISTEN, TCP_ESTABLISHED, 0); /* cookie */
	c->lst = l;
	l->half_open++;
	established_passive(cp, c, s, false, frame, len);
	return true;
}

static void passive_open(struct cp *cp, struct cp_listener *l, const struct tcp_seg *s)
{
	struct flow_key k = seg_key(s);
	struct tcp_endpoints ep = { 0 };
	struct tcp_open_cfg cfg;
	struct tcp_hdrvals h;
	struct cp_conn *c;
	uint64_t now = now_us();

	reply_endpoints(cp, s, &ep);
	if (l->half_open >= l->backlog) {
		cookie_synack(cp, s, &ep, now);
		return;
	}
	c = conn_new(cp, &k);
	if (!c) {
		cp->st.syn_dropped++;
		return;
	}
	tcp_passive_open(&c->tcp, s, &ep, tcp_isn(&ep, cp->isn_key, now),
			 open_cfg(cp, l->mss, &cfg), now, &h);
	c->state = CPC_SYN_RCVD;
	cp_trace(cp, c, XTOE_TR_STATE, TCP_LISTEN, TCP_SYN_RCVD, 0);
	c->lst = l;
	l->half_open++;
	conn_timer(cp, c, now + SYN_RTO_US);
	cp_send_frame(cp, &ep, &h);
}

void cp_tcp_frame(struct cp *cp, const uint8_t *frame, uint32_t len)
{
	struct tcp_seg s;
	struct flow_key k;
	struct cp_conn *c;
	struct cp_listener *l;

	if (tcp_parse(frame, len, &s, false) != XTOE_DROP_NONE)
		return;
	k = seg_key(&s);
	c = conn_find(cp, &k);
	if (c) {
		switch (c->state) {
		case CPC_SYN_SENT:
		case CPC_SYN_RCVD:
			/* installed on the worker its segments arrive on */
			c->worker = cp->note_worker;
			handshake_segment(cp, c, &s, frame, len);
			return;
		case CPC_INSTALLED: { /* raced with the install: hand it over */
			struct dp_cmd *cmd = cp_cmd_reserve(cp);

			cmd->type = DP_CMD_REINJECT;
			cmd->worker = c->worker;
			cmd->len = len;
			memcpy(cmd->frame, frame, len);
			cp_cmd_commit(cp);
			return;
		}
		case CPC_TIME_WAIT:
			time_wait_segment(cp, c, &s, frame, len);
			return;
		case CPC_RESOLVING:
			return;
		case CPC_SPLICED:
			cp_splice_frame(cp, c, &s, frame, len);
			return;
		}
	}
	l = cp_listener_find(cp, s.dport);
	if (l && (s.flags & (TCP_F_SYN | TCP_F_ACK | TCP_F_RST)) == TCP_F_SYN)
		passive_open(cp, l, &s);
	else if (!(l && (s.flags & (TCP_F_SYN | TCP_F_ACK | TCP_F_RST)) == TCP_F_ACK &&
		   cookie_ack(cp, l, &s, frame, len)))
		send_rst_for(cp, &s);
}

/* RFC 9293 3.10.7.4 in TIME-WAIT: acknowledge a retransmitted FIN; a new SYN
 * with a higher sequence number may reopen the pair (as Linux allows). */
static void time_wait_segment(struct cp *cp, struct cp_conn *c, const struct tcp_seg *s,
			      const uint8_t *frame, uint32_t len)
{
	if (s->flags & TCP_F_RST) {
		conn_remove(cp, c);
		return;
	}
	if ((s->flags & TCP_F_SYN) && !(s->flags & TCP_F_ACK) &&
	    seq_gt(s->seq, c->tcp.rcv_nxt) && !c->active) {
		conn_remove(cp, c);
		cp_tcp_frame(cp, frame, len);
		return;
	}
	if (s->flags & (TCP_F_FIN | TCP_F_SYN))
		send_tw_ack(cp, c);
}

/* --- active open ------------------------------------------------------------ */

static bool port_in_use(struct cp *cp, uint32_t daddr, uint16_t dport, uint16_t lport)
{
	struct flow_key k = { .raddr = daddr, .rport = dport, .lport = lport };

	return conn_find(cp, &k) || cp_listener_find(cp, lport);
}

/* Ephemeral ports above Linux's default range (32768-60999), so the kernel's
 * own connections on the same address never collide with xtoe's. */
static uint16_t pick_port(struct cp *cp, uint32_t daddr, uint16_t dport)
{
	for (int i = 0; i < 4536; i++) {
		uint16_t p = htons(cp->next_port);

		cp->next_port = cp->next_port >= 65535 ? 61000 : cp->next_port + 1;
		if (!port_in_use(cp, daddr, dport, p))
			return p;
	}
	return 0;
}

static void send_syn(struct cp *cp, struct cp_conn *c, const uint8_t mac[6])
{
	struct tcp_endpoints ep = c->tcp.ep; /* tcp_active_open resets c->tcp */
	struct tcp_open_cfg cfg;
	struct tcp_hdrvals h;
	uint64_t now = now_us();

	memcpy(ep.dmac, mac, 6);
	tcp_active_open(&c->tcp, &ep, tcp_isn(&ep, cp->isn_key, now),
			open_cfg(cp, c->user_mss, &cfg), now, &h);
	c->state = CPC_SYN_SENT;
	cp_trace(cp, c, XTOE_TR_STATE, TCP_CLOSED, TCP_SYN_SENT, 0);
	conn_timer(cp, c, now + SYN_RTO_US);
	cp_send_frame(cp, &c->tcp.ep, &h);
}

/* Look the next hop up; send the SYN when its MAC is known. */
static int resolve_and_send(struct cp *cp, struct cp_conn *c)
{
	uint8_t mac[6];
	int err = port_next_hop(cp->d->port, c->key.raddr, mac, c->tries++ % 20 == 0);

	if (!err)
		send_syn(cp, c, mac);
	return err;
}

int cp_tcp_connect(struct cp *cp, struct app_ctx *a, uint32_t daddr, uint16_t dport,
		   uint16_t mss, uint32_t *slot, uint16_t *lport)
{
	struct flow_key k = { .raddr = daddr, .rport = dport };
	struct cp_conn *c;
	int err;

	if (!daddr || !dport)
		return -EINVAL;
	k.lport = pick_port(cp, daddr, dport);
	if (!k.lport)
		return -EADDRNOTAVAIL;
	err = cp_slot_alloc(cp, a, slot);
	if (err)
		return err;
	c = conn_new(cp, &k);
	if (!c) {
		cp_slot_free(cp, a, *slot);
		return -ENOMEM;
	}
	c->active = true;
	c->user_mss = mss;
	c->ctx = a;
	c->slot = *slot;
	c->gen = a->slot_gen[*slot];
	memcpy(c->tcp.ep.smac, cp->d->port->mac, 6);
	c->tcp.ep.saddr = cp->d->cfg.addr;
	c->tcp.ep.sport = k.lport;
	c->tcp.ep.daddr = daddr;
	c->tcp.ep.dport = dport;
	c->state = CPC_RESOLVING;
	conn_timer(cp, c, now_us() + RESOLVE_TIMEOUT_US);
	/* registered with the classifier before the SYN leaves */
	err = conn_steer(cp, &k, true);
	if (!err) {
		err = resolve_and_send(cp, c);
		if (err == -EAGAIN)
			err = 0;
	}
	if (err) {
		conn_remove(cp, c);
		a->slot_state[*slot] = CPS_CONNECTING; /* let cp_slot_free work */
		cp_slot_free(cp, a, *slot);
		return err;
	}
	*lport = k.lport;
	return 0;
}

/* --- notes from the data-path ------------------------------------------------ */

void cp_tcp_flow_done(struct cp *cp, const struct cp_note *n)
{
	struct flow_key k = {
		.raddr = n->conn.ep.daddr, .rport = n->conn.ep.dport, .lport = n->conn.ep.sport,
	};
	struct cp_conn *c = conn_find(cp, &k);

	if (!c || c->state != CPC_INSTALLED)
		return;
	cmods_conn(&cp->d->cmods, XTOE_CM_CONN_CLOSE, &n->conn.ep); /* C modules */
	if (n->conn.state == TCP_TIME_WAIT) {
		c->state = CPC_TIME_WAIT;
		c->tcp = n->conn;
		conn_timer(cp, c, now_us() + (uint64_t)cp->d->cfg.time_wait_ms * 1000);
		return;
	}
	conn_remove(cp, c);
}

void cp_tcp_flow_free(struct cp *cp, const struct cp_note *n)
{
	if (n->flow >= cp->d->cfg.max_flows || !cp->flow_held[n->flow]) {
		log_err("flow %u: freed twice or never handed out; ignored "
			"(the free list keeps each index once)", n->flow);
		return;
	}
	cp->flow_held[n->flow] = 0;
	cp->free_flows[cp->nfree++] = n->flow;
	if (n->ctx->slot_gen[n->slot] == n->gen)
		cp_slot_free(cp, n->ctx, n->slot);
}

static struct cp_conn *conn_of_slot(struct cp *cp, struct app_ctx *a, uint32_t slot)
{
	for (struct cp_conn *c = cp->conns; c; c = c->next)
		if (c->ctx == a && c->slot == slot && c->state != CPC_TIME_WAIT &&
		    c->state != CPC_INSTALLED)
			return c;
	return NULL;
}

/* The data-path met a bump for a slot it has no flow of: the install is
 * still queued (answered with DP_CMD_BUMP, queued after it), or a connect
 * still in progress or one that failed (closed here). A dead context's
 * flows are aborted by DP_CMD_CTX_DEAD, queued after every install. */
static void app_bump_installed(struct cp *cp, const struct cp_note *n)
{
	struct dp_cmd *cmd;

	if (!app_ctx_serving(n->ctx))
		return;
	cmd = cp_cmd_reserve(cp);
	cmd->type = DP_CMD_BUMP;
	cmd->ctx = n->ctx;
	cmd->slot = n->slot;
	cmd->gen = n->gen;
	cmd->bump = n->bump;
	cp_cmd_commit(cp);
}

void cp_tcp_app_bump(struct cp *cp, const struct cp_note *n)
{
	struct app_ctx *a = n->ctx;
	struct cp_conn *c;

	if (n->slot >= a->geom.max_flows || a->slot_gen[n->slot] != n->gen)
		return;
	if (a->slot_state[n->slot] == CPS_OPEN) {
		app_bump_installed(cp, n);
		return;
	}
	if (n->bump == XTOE_BUMP_SHUTWR)
		return; /* ENOTCONN in the library */
	if (a->slot_state[n->slot] == CPS_CONNECTING) {
		c = conn_of_slot(cp, a, n->slot);
		if (c)
			conn_remove(cp, c);
		cp_slot_free(cp, a, n->slot);
	} else if (a->slot_state[n->slot] == CPS_FAILED) {
		cp_slot_free(cp, a, n->slot);
	}
}

void cp_tcp_drop_ctx(struct cp *cp, struct app_ctx *a)
{
	struct cp_conn *c = cp->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->ctx == a && (c->state == CPC_RESOLVING || c->state == CPC_SYN_SENT))
			conn_remove(cp, c);
	}
}

void cp_tcp_drop_listener(struct cp *cp, struct cp_listener *l)
{
	struct cp_conn *c = cp->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->lst == l)
			conn_remove(cp, c);
	}
}

/* --- timers ------------------------------------------------------------------ */

static void handshake_timer(struct cp *cp, struct cp_conn *c, uint64_t now)
{
	uint32_t limit = c->state == CPC_SYN_SENT ? SYN_TRIES : SYNACK_TRIES;

	if (++c->tries >= limit) {
		cp_trace(cp, c, XTOE_TR_STATE, c->tcp.state, TCP_CLOSED, 0);
		if (c->active)
			connect_failed(cp, c, ETIMEDOUT);
		else
			conn_remove(cp, c);
		return;
	}
	conn_timer(cp, c, now + ((uint64_t)SYN_RTO_US <<
				 (c->tries > SYN_LINEAR ? c->tries - SYN_LINEAR : 0)));
	cp_trace(cp, c, XTOE_TR_RETX, XTOE_RETX_SYN, c->tcp.iss, c->tries);
	tcp_handshake_resent(&c->tcp);
	send_handshake(cp, c);
}

static void resolve_timer(struct cp *cp, struct cp_conn *c, uint64_t now)
{
	int err = resolve_and_send(cp, c);

	if (!err) {
		c->tries = 0;
		return;
	}
	if (err != -EAGAIN || now >= c->deadline)
		connect_failed(cp, c, EHOSTUNREACH);
	else
		conn_timer(cp, c, c->deadline);
}

static void conn_expired(struct wheel_node *n, void *arg)
{
	struct cp *cp = arg;
	struct cp_conn *c = (struct cp_conn *)((char *)n - offsetof(struct cp_conn, tnode));
	uint64_t now = now_us();

	switch (c->state) {
	case CPC_RESOLVING:
		resolve_timer(cp, c, now);
		break;
	case CPC_SYN_SENT:
	case CPC_SYN_RCVD:
		handshake_timer(cp, c, now);
		break;
	case CPC_TIME_WAIT:
		cp_trace(cp, c, XTOE_TR_STATE, TCP_TIME_WAIT, TCP_CLOSED, 0);
		conn_remove(cp, c);
		break;
	case CPC_INSTALLED: /* the data-path's */
	case CPC_SPLICED:   /* cp_splice_timers */
		break;
	}
}

/* Deadlines that passed, from the wheel: no scan of every connection. */
void cp_tcp_timers(struct cp *cp, uint64_t now)
{
	wheel_run(&cp->wheel, now, conn_expired, cp);
}
