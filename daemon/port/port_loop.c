// SPDX-License-Identifier: MIT
/*
 * The loopback port (port.h): two ports joined by an in-process wire, so
 * the data-path and the control plane run in unit tests and in the
 * in-process load generator with no kernel in the way.
 *
 * Each port has a pool of frames (its "UMEM", data XDP_HEADROOM bytes into
 * each frame, like AF_XDP) and a bounded queue of frames on the wire
 * towards it (an spsc: the peer's data-path thread produces, ours
 * consumes). A flush copies every submitted frame onto the peer's wire
 * queue, through the optional impairment (drop, duplicate, or change the
 * bytes), and returns the frame to the pool at once: transmission
 * completes immediately. A full wire drops the frame, as a full NIC ring.
 *
 * Lanes (port_loop_cfg.lanes, for several data-path workers): an end has
 * up to LOOP_LANES_MAX lanes, each a port of its own (port_view) with its
 * frame pool, its eventfd and a wire queue from each of the peer's lanes
 * (so every queue keeps one producer and one consumer). A frame goes to
 * the lane its 4-tuple hashes to among the lanes in use, as RSS spreads a
 * NIC's flows over its queues: a connection's frames always take one lane.
 *
 * Steering is enforced the way the XDP program does it: a frame reaches
 * the receiving daemon only when its destination port is a steered
 * listening port or its 4-tuple a steered flow; anything else would go to
 * the kernel stack and is counted and dropped here.
 *
 * Waking: rx_fd is an eventfd the sender signals after each flush that
 * delivered frames. rx drains it only when it finds the wire empty and
 * then looks again, so a frame that arrives meanwhile always leaves the
 * eventfd readable: poll(rx_fd) never sleeps over a waiting frame.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/spsc.h"
#include "common/wake.h"
#include "port.h"

#define LOOP_FRAME 2048u
#define LOOP_HEADROOM 256u
#define LOOP_MTU_FRAME (LOOP_FRAME - LOOP_HEADROOM)
#define LOOP_TX_BATCH 64u
#define LOOP_FLOWS 4096u   /* steered 4-tuples a port can hold */
#define LOOP_LANES_MAX 16u

struct loop_wire_slot {
	uint32_t len;
	uint8_t data[LOOP_MTU_FRAME];
};

struct loop_steer {
	pthread_mutex_t mu;
	uint64_t listen[65536 / 64];      /* bit per port (network order) */
	struct port_tuple flow[LOOP_FLOWS]; /* open addressing; lport 0: free */
	uint32_t nflows;
};

struct loop_end;

/* One lane of an end: what one data-path thread uses. */
struct port_loop {
	struct port p;
	struct loop_end *end;
	uint32_t lane;
	/* frames arriving from the peer's lane i (consumer: our data-path) */
	struct spsc in[LOOP_LANES_MAX];
	uint32_t rx_next;
	uint32_t wake_peer;    /* bit per peer lane given frames this flush */
	uint32_t sent_steered; /* frames put on the wire (port_loop_misroute) */
	int efd;
	/* our frame pool */
	uint8_t *area;
	uint64_t *free_stack;
	uint32_t nfree, nframes;
	/* submitted, not yet flushed */
	uint64_t txq[LOOP_TX_BATCH];
	uint32_t txq_len[LOOP_TX_BATCH];
	uint32_t ntxq;
	_Atomic(port_loop_impair_fn) impair; /* set from any thread: arg */
	void *_Atomic impair_arg;            /* first, then fn (release) */
	struct port_stats st;
};

struct loop_end {
	struct port_loop lane[LOOP_LANES_MAX];
	uint32_t nlanes;
	_Atomic uint32_t served;   /* lanes in use (port_view), 1 at first */
	uint32_t addr;
	struct loop_end *peer;
	int index;                 /* which end of its pair */
	struct loop_steer steer;
	_Atomic uint64_t to_kernel;
	_Atomic uint32_t misroute; /* every Nth frame to the next lane; 0: none */
	char name[32];
};

static struct port_loop *pl(struct port *p)
{
	return (struct port_loop *)p;
}

static const struct port_loop *cpl(const struct port *p)
{
	return (const struct port_loop *)p;
}

/* --- steering -------------------------------------------------------------- */

static uint32_t tuple_hash(const struct port_tuple *t)
{
	uint32_t h = t->raddr * 2654435761u ^ ((uint32_t)t->rport << 16 | t->lport);

	return (h ^ h >> 15) & (LOOP_FLOWS - 1);
}

static bool tuple_eq(const struct port_tuple *a, const struct port_tuple *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
	       a->rport == b->rport;
}

/* The slot holding t, or the free slot where it would go; -1 when full. */
static int steer_slot(const struct loop_steer *s, const struct port_tuple *t)
{
	uint32_t i = tuple_hash(t);

	for (uint32_t n = 0; n < LOOP_FLOWS; n++, i = (i + 1) & (LOOP_FLOWS - 1))
		if (!s->flow[i].lport || tuple_eq(&s->flow[i], t))
			return (int)i;
	return -1;
}

/* Remove slot i, moving later entries of its cluster back (no tombstones). */
static void steer_unslot(struct loop_steer *s, uint32_t i)
{
	uint32_t j = i;

	s->flow[i].lport = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & (LOOP_FLOWS - 1);
		if (!s->flow[j].lport)
			return;
		home = tuple_hash(&s->flow[j]);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			s->flow[i] = s->flow[j];
			s->flow[j].lport = 0;
			i = j;
		}
	}
}

static int loop_steer_listen(struct port *p, uint16_t port, bool on)
{
	struct loop_steer *s = &pl(p)->end->steer;
	uint64_t bit = 1ull << (port % 64);

	pthread_mutex_lock(&s->mu);
	if (on)
		s->listen[port / 64] |= bit;
	else
		s->listen[port / 64] &= ~bit;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int loop_steer_flow(struct port *p, const struct port_tuple *t, bool on)
{
	struct loop_steer *s = &pl(p)->end->steer;
	int err = 0, i;

	pthread_mutex_lock(&s->mu);
	i = steer_slot(s, t);
	if (on && i < 0) {
		err = -ENOSPC;
	} else if (on && !s->flow[i].lport) {
		s->flow[i] = *t;
		s->nflows++;
	} else if (!on && i >= 0 && s->flow[i].lport) {
		steer_unslot(s, (uint32_t)i);
		s->nflows--;
	}
	pthread_mutex_unlock(&s->mu);
	return err;
}

/* Ethernet + IPv4 + TCP/UDP: the 4-tuple as the receiver sees it. */
static bool frame_tuple(const uint8_t *f, uint32_t len, struct port_tuple *t)
{
	uint32_t ihl;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return false;
	ihl = (f[14] & 15u) * 4;
	if (ihl < 20 || len < 14 + ihl + 4)
		return false;
	memcpy(&t->raddr, f + 14 + 12, 4);
	memcpy(&t->laddr, f + 14 + 16, 4);
	memcpy(&t->rport, f + 14 + ihl, 2);
	memcpy(&t->lport, f + 14 + ihl + 2, 2);
	return f[14 + 9] == 6; /* TCP only: xtoe owns nothing else */
}

static bool steered(struct loop_end *l, const uint8_t *f, uint32_t len,
		    struct port_tuple *out)
{
	struct loop_steer *s = &l->steer;
	struct port_tuple t;
	bool yes;
	int i;

	if (!frame_tuple(f, len, &t) || t.laddr != l->addr)
		return false;
	*out = t;
	pthread_mutex_lock(&s->mu);
	yes = s->listen[t.lport / 64] & (1ull << (t.lport % 64));
	if (!yes) {
		i = steer_slot(s, &t);
		yes = i >= 0 && s->flow[i].lport;
	}
	pthread_mutex_unlock(&s->mu);
	return yes;
}

bool port_loop_steered_listen(const struct port *p, uint16_t port)
{
	struct loop_steer *s = &pl((struct port *)p)->end->steer;
	bool yes;

	pthread_mutex_lock(&s->mu);
	yes = s->listen[port / 64] & (1ull << (port % 64));
	pthread_mutex_unlock(&s->mu);
	return yes;
}

bool port_loop_steered_flow(const struct port *p, const struct port_tuple *t)
{
	struct loop_steer *s = &pl((struct port *)p)->end->steer;
	bool yes;
	int i;

	pthread_mutex_lock(&s->mu);
	i = steer_slot(s, t);
	yes = i >= 0 && s->flow[i].lport;
	pthread_mutex_unlock(&s->mu);
	return yes;
}

/* --- frames ---------------------------------------------------------------- */

static uint8_t *frame_data(struct port_loop *l, uint64_t addr)
{
	return l->area + addr + LOOP_HEADROOM;
}

static void loop_free(struct port *p, uint64_t addr)
{
	struct port_loop *l = pl(p);

	addr &= ~(uint64_t)(LOOP_FRAME - 1);
	if (addr < (uint64_t)l->nframes * LOOP_FRAME && l->nfree < l->nframes)
		l->free_stack[l->nfree++] = addr;
}

static bool loop_tx_alloc(struct port *p, struct port_frame *f)
{
	struct port_loop *l = pl(p);

	if (!l->nfree)
		return false;
	f->addr = l->free_stack[--l->nfree];
	f->data = frame_data(l, f->addr);
	f->len = 0;
	memset(f->data - LOOP_HEADROOM, 0, LOOP_HEADROOM); /* no chain metadata */
	return true;
}

static bool loop_in_empty(const struct port_loop *l)
{
	for (uint32_t i = 0; i < l->end->peer->nlanes; i++)
		if (!spsc_empty(&l->in[i]))
			return false;
	return true;
}

static uint32_t loop_rx(struct port *p, struct port_frame *f, uint32_t max)
{
	struct port_loop *l = pl(p);
	uint32_t n = 0, lanes = l->end->peer->nlanes;

	for (uint32_t k = 0; k < lanes; k++) {
		struct spsc *in = &l->in[(l->rx_next + k) % lanes];
		struct loop_wire_slot *w;

		while (n < max && l->nfree && (w = spsc_peek(in))) {
			struct port_frame *fr = &f[n++];

			loop_tx_alloc(p, fr);
			fr->len = w->len <= LOOP_MTU_FRAME ? w->len : LOOP_MTU_FRAME;
			memcpy(fr->data, w->data, fr->len);
			spsc_release(in);
		}
	}
	l->rx_next = (l->rx_next + 1) % lanes;
	if (!n && loop_in_empty(l)) {
		wake_drain(l->efd);
		if (!loop_in_empty(l))
			wake_signal(l->efd);
	}
	l->st.rx_frames += n;
	return n;
}

static bool loop_tx_submit(struct port *p, uint64_t addr, uint32_t len)
{
	struct port_loop *l = pl(p);

	if (l->ntxq == LOOP_TX_BATCH)
		port_tx_flush(p);
	if (len > LOOP_MTU_FRAME) {
		loop_free(p, addr);
		l->st.tx_drops++;
		return false;
	}
	l->txq[l->ntxq] = addr & ~(uint64_t)(LOOP_FRAME - 1);
	l->txq_len[l->ntxq++] = len;
	return true;
}

/* The lane of the peer a connection's frames go to (RSS); with
 * port_loop_misroute, every Nth frame of l's to the next lane instead. */
static struct port_loop *wire_lane(struct port_loop *l, struct loop_end *to,
				   const struct port_tuple *t)
{
	uint32_t n = atomic_load_explicit(&to->served, memory_order_relaxed);
	uint32_t every = atomic_load_explicit(&l->end->misroute, memory_order_relaxed);
	uint32_t skew = every && ++l->sent_steered % every == 0;
	uint32_t h = t->raddr ^ t->laddr ^ ((uint32_t)t->rport << 16 | t->lport);

	h ^= h >> 16; /* murmur3's finaliser: every input bit moves the lane */
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return &to->lane[n > 1 ? (h + skew) % n : 0];
}

/* One frame onto the peer's wire queue; false when the wire is full. */
static bool wire_put(struct port_loop *l, const uint8_t *data, uint32_t len)
{
	struct port_tuple t;
	struct port_loop *to;
	struct loop_wire_slot *w;

	if (!steered(l->end->peer, data, len, &t)) {
		atomic_fetch_add_explicit(&l->end->peer->to_kernel, 1, memory_order_relaxed);
		return true;
	}
	to = wire_lane(l, l->end->peer, &t);
	w = spsc_reserve(&to->in[l->lane]);
	if (!w) {
		l->st.tx_drops++;
		to->st.rx_ring_full++;
		return false;
	}
	w->len = len;
	memcpy(w->data, data, len);
	spsc_commit(&to->in[l->lane]);
	l->wake_peer |= 1u << to->lane;
	return true;
}

static void loop_tx_flush(struct port *p)
{
	struct port_loop *l = pl(p);
	uint32_t sent = 0;

	for (uint32_t i = 0; i < l->ntxq; i++) {
		uint8_t *data = frame_data(l, l->txq[i]);
		uint32_t len = l->txq_len[i];
		enum port_loop_fate fate = PORT_LOOP_DELIVER;

		port_loop_impair_fn fn = atomic_load_explicit(&l->impair, memory_order_acquire);

		if (fn)
			fate = fn(atomic_load_explicit(&l->impair_arg, memory_order_relaxed),
				  data, len);
		if (fate != PORT_LOOP_DROP && wire_put(l, data, len))
			sent++;
		if (fate == PORT_LOOP_DUP && wire_put(l, data, len))
			sent++;
		loop_free(p, l->txq[i]);
	}
	l->st.tx_frames += l->ntxq;
	l->ntxq = 0;
	if (sent)
		l->st.tx_kicks++;
	while (l->wake_peer) {
		uint32_t k = (uint32_t)__builtin_ctz(l->wake_peer);

		l->wake_peer &= l->wake_peer - 1;
		wake_signal(l->end->peer->lane[k].efd);
	}
}

static uint32_t loop_tx_pending(const struct port *p)
{
	return cpl(p)->ntxq;
}

static void loop_stats(struct port *p, struct port_stats *st)
{
	struct port_loop *l = pl(p);

	*st = l->st;
	st->frames_free = l->nfree;
	st->frames_total = l->nframes;
}

static int loop_next_hop(struct port *p, uint32_t daddr, uint8_t mac[6], bool ask)
{
	struct port_loop *l = pl(p);

	(void)ask;
	if (daddr != l->end->peer->addr)
		return -ENETUNREACH;
	memcpy(mac, l->end->peer->lane[0].p.mac, 6);
	return 0;
}

static void lane_fini(struct port_loop *l)
{
	if (l->efd >= 0)
		close(l->efd);
	for (uint32_t i = 0; i < LOOP_LANES_MAX; i++)
		free(l->in[i].sh);
	free(l->area);
	free(l->free_stack);
}

static void loop_fini(struct loop_end *e)
{
	for (uint32_t i = 0; i < LOOP_LANES_MAX; i++)
		lane_fini(&e->lane[i]);
	pthread_mutex_destroy(&e->steer.mu);
}

/* Both ends in one allocation: a port's data-path may write to the other
 * end until that end's daemon stopped, so the pair goes with the last close. */
struct loop_pair {
	struct loop_end end[2];
	_Atomic int open;
};

/* Closing lane 0 (the port) closes the end; another lane is a view. */
static void loop_close(struct port *p)
{
	struct port_loop *l = pl(p);
	struct loop_pair *pair = (struct loop_pair *)(l->end - l->end->index);

	if (l->lane || atomic_fetch_sub(&pair->open, 1) != 1)
		return;
	loop_fini(&pair->end[0]);
	loop_fini(&pair->end[1]);
	free(pair);
}

static uint32_t loop_lanes(const struct port *p)
{
	return cpl(p)->end->nlanes;
}

/* Worker w of n: lane w; frames spread over n lanes from now on. */
static struct port *loop_view(struct port *p, uint32_t w, uint32_t n)
{
	struct loop_end *e = pl(p)->end;

	if (n > e->nlanes || w >= n)
		return NULL;
	atomic_store_explicit(&e->served, n, memory_order_relaxed);
	return &e->lane[w].p;
}

static const struct port_ops loop_ops = {
	.rx = loop_rx,
	.free = loop_free,
	.tx_alloc = loop_tx_alloc,
	.tx_submit = loop_tx_submit,
	.tx_flush = loop_tx_flush,
	.tx_pending = loop_tx_pending,
	.stats = loop_stats,
	.steer_listen = loop_steer_listen,
	.steer_flow = loop_steer_flow,
	.next_hop = loop_next_hop,
	.close = loop_close,
	.lanes = loop_lanes,
	.view = loop_view,
};

static int lane_init(struct port_loop *l, const struct port_loop_cfg *c, uint32_t peer_lanes)
{
	uint32_t nf = c->frames ? c->frames : 4096;
	uint32_t nw = c->wire_frames ? c->wire_frames : 4096;
	size_t wire = spsc_bytes(nw, sizeof(struct loop_wire_slot));

	if ((nf & (nf - 1)) || (nw & (nw - 1)))
		return -EINVAL;
	l->area = aligned_alloc(LOOP_FRAME, (size_t)nf * LOOP_FRAME);
	l->free_stack = calloc(nf, sizeof(*l->free_stack));
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!l->area || !l->free_stack || l->efd < 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < peer_lanes; i++) {
		l->in[i].sh = aligned_alloc(64, (wire + 63) & ~(size_t)63);
		if (!l->in[i].sh)
			return -ENOMEM;
		spsc_format(l->in[i].sh);
		spsc_attach(&l->in[i], l->in[i].sh, nw, sizeof(struct loop_wire_slot));
	}
	l->nframes = nf;
	for (uint32_t i = 0; i < nf; i++)
		l->free_stack[l->nfree++] = (uint64_t)(nf - 1 - i) * LOOP_FRAME;
	l->p.ops = &loop_ops;
	l->p.name = l->end->name;
	memcpy(l->p.mac, c->mac, 6);
	l->p.frame_size = LOOP_MTU_FRAME;
	l->p.frame_max = LOOP_MTU_FRAME;
	l->p.rx_fd = l->efd;
	l->p.pin_dir = NULL;
	return 0;
}

static uint32_t cfg_lanes(const struct port_loop_cfg *c)
{
	return c->lanes < 1 ? 1 : c->lanes > LOOP_LANES_MAX ? LOOP_LANES_MAX : c->lanes;
}

static int loop_init(struct loop_end *e, const struct port_loop_cfg *c,
		     const struct port_loop_cfg *peer, int index)
{
	int err = 0;

	e->index = index;
	e->nlanes = cfg_lanes(c);
	atomic_init(&e->served, 1);
	e->addr = c->addr;
	snprintf(e->name, sizeof(e->name), "%s", c->name ? c->name : "loop");
	for (uint32_t i = 0; i < e->nlanes && !err; i++)
		err = lane_init(&e->lane[i], c, cfg_lanes(peer));
	return err;
}

int port_loop_pair(struct port **a, const struct port_loop_cfg *ca,
		   struct port **b, const struct port_loop_cfg *cb)
{
	struct loop_pair *pair = calloc(1, sizeof(*pair));
	int err;

	if (!pair)
		return -ENOMEM;
	atomic_init(&pair->open, 2);
	for (int k = 0; k < 2; k++) {
		pthread_mutex_init(&pair->end[k].steer.mu, NULL);
		pair->end[k].peer = &pair->end[!k];
		for (uint32_t i = 0; i < LOOP_LANES_MAX; i++) {
			pair->end[k].lane[i].efd = -1;
			pair->end[k].lane[i].end = &pair->end[k];
			pair->end[k].lane[i].lane = i;
		}
	}
	err = loop_init(&pair->end[0], ca, cb, 0) ?: loop_init(&pair->end[1], cb, ca, 1);
	if (err) {
		loop_fini(&pair->end[0]);
		loop_fini(&pair->end[1]);
		free(pair);
		return err;
	}
	*a = &pair->end[0].lane[0].p;
	*b = &pair->end[1].lane[0].p;
	return 0;
}

void port_loop_misroute(struct port *p, uint32_t every)
{
	atomic_store_explicit(&pl(p)->end->misroute, every, memory_order_relaxed);
}

/* Every lane of p's end (the function then runs on each lane's thread). */
void port_loop_impair(struct port *p, port_loop_impair_fn fn, void *arg)
{
	struct loop_end *e = pl(p)->end;

	for (uint32_t i = 0; i < e->nlanes; i++) {
		atomic_store_explicit(&e->lane[i].impair, NULL, memory_order_relaxed);
		atomic_store_explicit(&e->lane[i].impair_arg, arg, memory_order_relaxed);
		atomic_store_explicit(&e->lane[i].impair, fn, memory_order_release);
	}
}
