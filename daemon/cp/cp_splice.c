/* SPDX-License-Identifier: MIT */
/*
 * Connection splicing, control-plane side (XTOE_OP_SPLICE).
 *
 * Set-up: an application names two established connections of its
 * context. The data-path freezes both when they are quiescent (dp_splice.c;
 * else EBUSY naming the bytes still in a ring), hands over their final
 * state, and the control plane writes one splice map entry per direction
 * (bpf/splice.h): addresses, ports, MACs, sequence and acknowledgment
 * deltas, the window rescale between the two connections' window scales,
 * and timestamp deltas that map each peer's clock onto the one the other
 * peer saw from us (so PAWS holds on both sides). From then on the splice
 * module rewrites and transmits the pair's segments in the XDP hook.
 *
 * Teardown: SYN, FIN and RST of a spliced connection reach the control
 * plane (the module hands them on). A FIN (with any data on it) is
 * forwarded translated, so each side's orderly close, half-closes included,
 * travels end to end; once both FINs went through, both handles report
 * HUP and the map entries stay for TIME-WAIT (final ACKs and retransmitted
 * FINs), then go. A RST is forwarded translated and ends the pair at once:
 * entries removed, handles HUP with ECONNRESET. Segments that arrive
 * between the freeze and the map write are dropped (the peers retransmit).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpf/splice.h"
#include "common/proto.h"
#include "cp.h"
#include "core/tcp_csum.h"

struct cp_splice {
	struct cp_splice *next;
	struct cp_conn *conn[2];
	struct app_ctx *ctx;        /* NULL once the application went away */
	uint32_t id;                /* of DP_CMD_SPLICE, while pending */
	uint32_t req_id;            /* of the application's request, answered
				       when CP_NOTE_SPLICED arrives */
	uint32_t slot[2], gen[2];
	struct splice_key key[2];   /* segments received on conn[i] */
	struct splice_rw rw[2];     /* ... become segments of conn[!i] */
	bool live;                  /* map entries written */
	bool fin[2];                /* conn[i]'s peer sent FIN (forwarded) */
	bool hup;                   /* the handles were told */
	uint64_t linger;            /* both FINs: entries go at this time */
};

struct cp_splicer {
	int map_fd;
	uint32_t next_id;
	struct cp_splice *pairs;
	struct cp_splice *pending;  /* wait for CP_NOTE_SPLICED (never blocking) */
	uint64_t spliced, ended, fins, resets;
};

static struct cp_splicer *splicer(struct cp *cp)
{
	if (!cp->spl) {
		cp->spl = calloc(1, sizeof(*cp->spl));
		if (cp->spl)
			cp->spl->map_fd = -1;
	}
	return cp->spl;
}

/* The map of the splice module in this interface's chain (reopened on
 * every request: a `module replace` may have given it new maps). */
static int open_map(struct cp *cp, struct cp_splicer *sp, char *msg, size_t msglen)
{
	char path[256];
	int fd;

	if (!cp->d->port->pin_dir) {
		snprintf(msg, msglen, "%s has no module chain: splicing needs the XDP port",
			 cp->d->port->name);
		return -EOPNOTSUPP;
	}
	snprintf(path, sizeof(path), "%s/splice/splice_pairs", cp->d->port->pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(msg, msglen, "no splice module on %s (%s): run xtoectl module add splice",
			 cp->d->cfg.ifname, strerror(errno));
		return -ENOENT;
	}
	if (sp->map_fd >= 0)
		close(sp->map_fd);
	sp->map_fd = fd;
	return 0;
}

static struct cp_conn *installed_conn(struct cp *cp, struct app_ctx *a, uint32_t slot,
				      uint32_t gen)
{
	for (struct cp_conn *c = cp->conns; c; c = c->next)
		if (c->ctx == a && c->slot == slot && c->gen == gen &&
		    c->state == CPC_INSTALLED)
			return c;
	return NULL;
}

/* --- map entries ------------------------------------------------------- */

/* Segments received on `in` leave on `out`. */
static void make_rw(const struct tcp_conn *in, const struct tcp_conn *out, uint32_t t,
		    struct splice_key *k, struct splice_rw *rw)
{
	*k = (struct splice_key){ .saddr = in->ep.daddr, .daddr = in->ep.saddr,
				  .sport = in->ep.dport, .dport = in->ep.sport };
	memset(rw, 0, sizeof(*rw));
	memcpy(rw->smac, out->ep.smac, 6);
	memcpy(rw->dmac, out->ep.dmac, 6);
	rw->saddr = out->ep.saddr;
	rw->daddr = out->ep.daddr;
	rw->sport = out->ep.sport;
	rw->dport = out->ep.dport;
	rw->seq_delta = out->snd_nxt - in->rcv_nxt;
	rw->ack_delta = out->rcv_nxt - in->snd_nxt;
	rw->wnd_shift = (int8_t)((in->ws_ok ? in->snd_wscale : 0) -
				 (out->ws_ok ? out->rcv_wscale : 0));
	if (in->ts_ok && out->ts_ok) {
		rw->flags = SPLICE_F_TS;
		rw->tsval_delta = t - in->ts_recent;   /* in's peer clock -> ours */
		rw->tsecr_delta = out->ts_recent - t;  /* ours -> out's peer clock */
	}
}

static int write_entries(struct cp_splicer *sp, struct cp_splice *p)
{
	if (bpf_map_update_elem(sp->map_fd, &p->key[0], &p->rw[0], BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(sp->map_fd, &p->key[1], &p->rw[1], BPF_ANY)) {
		int err = -errno;

		bpf_map_delete_elem(sp->map_fd, &p->key[0]);
		return err;
	}
	return 0;
}

static void delete_entries(struct cp_splicer *sp, struct cp_splice *p)
{
	if (!p->live || sp->map_fd < 0)
		return;
	bpf_map_delete_elem(sp->map_fd, &p->key[0]);
	bpf_map_delete_elem(sp->map_fd, &p->key[1]);
	p->live = false;
}

/* --- the end of a pair ------------------------------------------------- */

static void tell_handles(struct cp_splice *p, int err)
{
	struct app_ctx *a = p->ctx;

	if (p->hup || !a)
		return;
	p->hup = true;
	for (int i = 0; i < 2; i++) {
		struct xtoe_flow_shm *sh = &a->slots[p->slot[i]];

		if (a->slot_gen[p->slot[i]] != p->gen[i] || a->slot_state[p->slot[i]] != CPS_OPEN)
			continue; /* already closed by the application */
		if (err)
			atomic_store(&sh->error, err);
		atomic_fetch_or(&sh->status, (err ? XTOE_FS_RESET : XTOE_FS_RX_FIN) | XTOE_FS_DONE);
		cp_push_app_event(a, XTOE_EVT_STATUS, p->slot[i], p->gen[i], 0);
	}
}

static void pair_unlink(struct cp_splicer *sp, struct cp_splice *p)
{
	struct cp_splice **pp = &sp->pairs;

	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
}

static void pair_end(struct cp *cp, struct cp_splice *p, int err)
{
	struct cp_splicer *sp = cp->spl;

	delete_entries(sp, p);
	tell_handles(p, err);
	for (int i = 0; i < 2; i++)
		cp_tcp_conn_remove(cp, p->conn[i]);
	pair_unlink(sp, p);
	sp->ended++;
	cp_log(cp, "splice: pair of slots %u and %u ended%s", p->slot[0], p->slot[1],
	       err ? " by a reset" : "");
	free(p);
}

/* --- segments the module handed on ---------------------------------------- */

static void rewrite_opts(uint8_t *o, uint32_t olen, const struct splice_rw *rw)
{
	for (uint32_t i = 0; i < olen;) {
		uint8_t kind = o[i], l = i + 1 < olen ? o[i + 1] : 0;

		if (kind == 0)
			return;
		if (kind == 1) {
			i++;
			continue;
		}
		if (l < 2 || i + l > olen)
			return;
		if (kind == 8 && l == 10 && (rw->flags & SPLICE_F_TS)) {
			put_be32(o + i + 2, get_be32(o + i + 2) + rw->tsval_delta);
			put_be32(o + i + 6, get_be32(o + i + 6) + rw->tsecr_delta);
		} else if (kind == 5 && (rw->flags & SPLICE_F_TS)) {
			for (uint32_t b = i + 2; b + 4 <= i + l; b += 4)
				put_be32(o + b, get_be32(o + b) + rw->ack_delta);
		}
		i += l;
	}
}

/* The same rewrite as the module's (bpf/splice.bpf.c), checksums computed
 * afresh. Untagged IPv4 only, as in the module. */
static bool rewrite_frame(uint8_t *f, uint32_t len, const struct splice_rw *rw)
{
	uint8_t *ip = f + TCP_ETH_HLEN, *th;
	uint32_t ihl, doff, w;

	if (len < TCP_ETH_HLEN + TCP_IP_HLEN + TCP_MIN_HLEN || f[12] != 0x08 || f[13] != 0)
		return false;
	ihl = (uint32_t)(ip[0] & 15) * 4;
	th = ip + ihl;
	doff = (uint32_t)(th[12] >> 4) * 4;
	if (TCP_ETH_HLEN + ihl + doff > len || doff < TCP_MIN_HLEN)
		return false;
	memcpy(f, rw->dmac, 6);
	memcpy(f + 6, rw->smac, 6);
	memcpy(ip + 12, &rw->saddr, 4);
	memcpy(ip + 16, &rw->daddr, 4);
	memcpy(th, &rw->sport, 2);
	memcpy(th + 2, &rw->dport, 2);
	put_be32(th + 4, get_be32(th + 4) + rw->seq_delta);
	put_be32(th + 8, get_be32(th + 8) + rw->ack_delta);
	w = get_be16(th + 14);
	w = rw->wnd_shift >= 0 ? w << rw->wnd_shift : w >> -rw->wnd_shift;
	put_be16(th + 14, (uint16_t)(w > 0xffff ? 0xffff : w));
	rewrite_opts(th + TCP_MIN_HLEN, doff - TCP_MIN_HLEN, rw);
	tcp_frame_finish(f, len);
	return true;
}

static void forward(struct cp *cp, const struct cp_splice *p, int i, const uint8_t *frame,
		    uint32_t len)
{
	struct dp_cmd *cmd = cp_cmd_reserve(cp);

	memcpy(cmd->frame, frame, len);
	if (!rewrite_frame(cmd->frame, len, &p->rw[i]))
		return; /* entry stays unused: not committed */
	cmd->type = DP_CMD_TX_FRAME;
	cmd->len = len;
	cp_cmd_commit(cp);
}

void cp_splice_frame(struct cp *cp, struct cp_conn *c, const struct tcp_seg *s,
		     const uint8_t *frame, uint32_t len)
{
	struct cp_splice *p = c->splice;
	int i;

	if (!p || !p->live || (s->flags & TCP_F_SYN) || len > XTOE_FRAME_MAX)
		return; /* not yet in the map: the peer retransmits */
	i = c == p->conn[1];
	forward(cp, p, i, frame, len);
	if (s->flags & TCP_F_RST) {
		cp->spl->resets++;
		pair_end(cp, p, ECONNRESET);
		return;
	}
	if (!(s->flags & TCP_F_FIN) || p->fin[i])
		return;
	p->fin[i] = true;
	cp->spl->fins++;
	if (p->fin[!i]) {
		tell_handles(p, 0);
		p->linger = now_us() + (uint64_t)cp->d->cfg.time_wait_ms * 1000;
	}
}

/* --- set-up ----------------------------------------------------------------- */

static const char *why_text(uint8_t why)
{
	switch (why) {
	case DPS_GONE: return "is not established in the data-path";
	case DPS_STATE: return "is closing";
	case DPS_RX_UNREAD: return "has received bytes not read yet: read them and splice again";
	case DPS_RX_OOO: return "holds out-of-order bytes: splice again later";
	case DPS_TX_UNACKED: return "has bytes not acknowledged yet: splice again later";
	}
	return "?";
}

static int activate(struct cp_splicer *sp, struct cp_splice *p,
		    const struct dp_splice_rep *r, char *msg, size_t msglen)
{
	uint32_t t = (uint32_t)now_ms() + 1;
	int err;

	for (int i = 0; i < 2; i++) {
		p->conn[i]->tcp = r->conn[i];
		p->conn[i]->state = CPC_SPLICED;
		p->conn[i]->splice = p;
	}
	make_rw(&r->conn[0], &r->conn[1], t, &p->key[0], &p->rw[0]);
	make_rw(&r->conn[1], &r->conn[0], t, &p->key[1], &p->rw[1]);
	err = write_entries(sp, p);
	if (err) {
		snprintf(msg, msglen, "cannot write the splice map: %s; "
			 "both connections were reset", strerror(-err));
		return err;
	}
	p->live = true;
	p->next = sp->pairs;
	sp->pairs = p;
	sp->spliced++;
	return 0;
}

/* The application's request gets its answer now, from the data-path's. */
static void reply(struct cp_splice *p, int err, const char *msg)
{
	struct xtoe_resp r = { .op = XTOE_OP_SPLICE, .id = p->req_id, .err = -err };

	if (!p->ctx)
		return; /* went away while the data-path answered */
	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	cp_app_reply(p->ctx, &r);
}

/* The data-path's answer to DP_CMD_SPLICE. */
void cp_splice_note(struct cp *cp, const struct cp_note *n)
{
	struct cp_splicer *sp = cp->spl;
	const struct dp_splice_rep *r = &n->splice;
	struct cp_splice *p, **pp;
	char msg[sizeof(((struct xtoe_resp *)0)->msg)] = "";
	int err;

	if (!sp)
		return;
	for (pp = &sp->pending; *pp && (*pp)->id != r->id; pp = &(*pp)->next)
		;
	if (!(p = *pp))
		return;
	*pp = p->next;
	p->next = NULL;
	if (r->why != DPS_OK) {
		snprintf(msg, sizeof(msg), "connection in slot %u %s (%u bytes)",
			 p->slot[r->which], why_text(r->why), r->bytes);
		reply(p, r->why == DPS_GONE || r->why == DPS_STATE ? -ENOTCONN : -EBUSY, msg);
		free(p);
		return;
	}
	err = activate(sp, p, r, msg, sizeof(msg));
	reply(p, err, msg);
	if (err) {
		for (int i = 0; i < 2; i++) { /* the streams cannot be resumed */
			struct tcp_hdrvals h;

			tcp_abort_hdr(&p->conn[i]->tcp, &h);
			cp_send_frame(cp, &p->conn[i]->tcp.ep, &h);
		}
		p->next = sp->pairs;
		sp->pairs = p;
		pair_end(cp, p, ECONNRESET);
		return;
	}
	cp_log(cp, "splice: slots %u and %u", p->slot[0], p->slot[1]);
}

static int check_pair(struct cp *cp, struct app_ctx *a, const struct xtoe_splice_args *q,
		      struct cp_splice *p, char *msg, size_t msglen)
{
	for (int i = 0; i < 2; i++) {
		if (q->slot[i] >= a->geom.max_flows ||
		    !(p->conn[i] = installed_conn(cp, a, q->slot[i], q->gen[i]))) {
			snprintf(msg, msglen, "connection in slot %u is not established "
				 "(or was closed)", q->slot[i]);
			return -ENOTCONN;
		}
		p->slot[i] = q->slot[i];
		p->gen[i] = q->gen[i];
	}
	if (p->conn[0] == p->conn[1]) {
		snprintf(msg, msglen, "cannot splice a connection with itself");
		return -EINVAL;
	}
	if (p->conn[0]->worker != p->conn[1]->worker) {
		snprintf(msg, msglen, "the connections are served by two data-path "
			 "workers: splicing needs both on one (xtoed --workers 1)");
		return -EXDEV;
	}
	if (p->conn[0]->tcp.ts_ok != p->conn[1]->tcp.ts_ok) {
		snprintf(msg, msglen, "one connection uses TCP timestamps, the other does not: "
			 "their segments cannot be spliced");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Checks the pair and asks the data-path to freeze it; the control plane
 * goes on serving meanwhile. 0: the answer to request req_id goes to the
 * application when the data-path's note arrives (cp_splice_note); else the
 * error to answer at once, explained in msg. */
int cp_splice_request(struct cp *cp, struct app_ctx *a, const struct xtoe_splice_args *q,
		      uint32_t req_id, char *msg, size_t msglen)
{
	struct cp_splicer *sp = splicer(cp);
	struct cp_splice *p = calloc(1, sizeof(*p));
	struct dp_cmd *cmd;
	int err;

	if (!sp || !p) {
		free(p);
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	p->ctx = a;
	err = check_pair(cp, a, q, p, msg, msglen) ?: open_map(cp, sp, msg, msglen);
	for (struct cp_splice *o = sp->pending; !err && o; o = o->next)
		for (int i = 0; i < 2; i++)
			if (o->conn[i] == p->conn[0] || o->conn[i] == p->conn[1]) {
				snprintf(msg, msglen, "connection in slot %u is being spliced "
					 "already", p->slot[o->conn[i] == p->conn[1]]);
				err = -EALREADY;
				break;
			}
	if (err) {
		free(p);
		return err;
	}
	p->id = ++sp->next_id;
	p->req_id = req_id;
	p->next = sp->pending;
	sp->pending = p;
	cmd = cp_cmd_reserve(cp);
	cmd->type = DP_CMD_SPLICE;
	cmd->worker = p->conn[0]->worker;
	cmd->splice = (struct dp_splice_req){ .id = p->id,
		.flow = { p->conn[0]->flow, p->conn[1]->flow }, .gen = { q->gen[0], q->gen[1] } };
	cp_cmd_commit(cp);
	return 0;
}

/* --- timers, applications going away, shutdown ------------------------------- */

void cp_splice_timers(struct cp *cp, uint64_t now)
{
	struct cp_splice *p, *next;

	if (!cp->spl)
		return;
	for (p = cp->spl->pairs; p; p = next) {
		next = p->next;
		if (p->linger && now >= p->linger)
			pair_end(cp, p, 0);
	}
}

/* Pairs outlive the application that spliced them; they just have no
 * handles to tell any more. */
void cp_splice_drop_ctx(struct cp *cp, struct app_ctx *a)
{
	if (!cp->spl)
		return;
	for (struct cp_splice *p = cp->spl->pairs; p; p = p->next)
		if (p->ctx == a)
			p->ctx = NULL;
	for (struct cp_splice *p = cp->spl->pending; p; p = p->next)
		if (p->ctx == a)
			p->ctx = NULL;
}

void cp_splice_free_all(struct cp *cp)
{
	struct cp_splicer *sp = cp->spl;

	if (!sp)
		return;
	cp_log(cp, "splice: pairs %lu ended %lu fins %lu resets %lu", sp->spliced, sp->ended,
	       sp->fins, sp->resets);
	while (sp->pairs) {
		struct cp_splice *p = sp->pairs;

		sp->pairs = p->next;
		delete_entries(sp, p);
		free(p);
	}
	while (sp->pending) {
		struct cp_splice *p = sp->pending;

		sp->pending = p->next;
		free(p);
	}
	if (sp->map_fd >= 0)
		close(sp->map_fd);
	free(sp);
	cp->spl = NULL;
}
