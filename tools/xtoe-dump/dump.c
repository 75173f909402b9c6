// SPDX-License-Identifier: MIT
/* A capture session on a running xtoed (see dump.h). */
#include "dump.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xtoe/drop.h>

#include "bpf/capture.h"
#include "common/cap.h"
#include "xdp/chain.h"
#include "common/ctl.h"
#include "xdp/module.h"
#include "common/proto.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/paths.h"

#define DUMP_BATCH 512

#define DUMP_HOLD_NS (20 * 1000 * 1000) /* wait this long for a verdict */

struct pend {
	struct dump_pkt p;
	uint64_t mono_ns;
	bool decided;        /* has its chain verdict (or needs none) */
	uint8_t buf[CAPTURE_SNAP_MAX];
};

/* A verdict record of the chain, to be matched with a traced frame. */
struct verdict {
	struct pkt_key key;
	uint64_t ts_ns;
	char text[32];       /* "MODULE:VERDICT[:REASON]" */
};

struct dump {
	struct dump_opts o;
	int64_t mono2real;            /* ns to add to CLOCK_MONOTONIC */
	uint32_t granted;             /* XTOE_CAP_F_* the daemon gave */
	char module[XTOE_MOD_NAME_MAX]; /* the session's capture module */
	bool gone;                    /* the daemon ended the session */
	/* rx and kernel tx: the capture module's ring */
	struct xchain *ch;
	struct ring_buffer *rb;
	int stats_fd;
	bool verdicts;                /* we switched the chain's verdicts on */
	struct xchain_ent ents[XTOE_CHAIN_SLOTS];
	int nents;
	struct verdict *vs;           /* this poll's verdict records */
	uint32_t nvs;
	/* tx: the daemon's ring */
	int sock;
	struct xtoe_cap_shm *cap;
	struct spsc q;
	/* this poll's frames */
	struct pend *pend;
	uint32_t npend;
	struct dump_counts n;
};

static struct pend *pend_next(struct dump *d, uint64_t mono_ns, uint32_t len,
			      uint32_t caplen, const void *data)
{
	struct pend *e = &d->pend[d->npend++];

	memset(&e->p, 0, sizeof(e->p));
	if (caplen > d->o.snaplen)
		caplen = d->o.snaplen;
	if (caplen > sizeof(e->buf))
		caplen = sizeof(e->buf);
	memcpy(e->buf, data, caplen);
	e->mono_ns = mono_ns;
	e->decided = !d->verdicts;
	e->p.ts_ns = (uint64_t)((int64_t)mono_ns + d->mono2real);
	e->p.len = len;
	e->p.caplen = caplen;
	return e;
}

static void rx_note(const struct dump *d, const struct xtoe_meta *m, char *buf,
		    size_t len)
{
	int n = snprintf(buf, len, "%s", d->o.after_chain ? "chain" : "rx");

	if (m->drop && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " drop:%s",
			      xtoe_drop_name(m->drop));
	if ((m->flags & XTOE_META_F_CLASS) && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " class:%u", m->class);
	if ((m->flags & XTOE_META_F_VLAN) && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " vlan:%u", m->vlan_tci & 0xfff);
}

/* A record of the capture module (received) or its egress program (sent
 * by the kernel). */
static int rx_record(void *ctx, void *data, size_t size)
{
	struct dump *d = ctx;
	const struct capture_rec *r = data;
	struct pend *e;

	if (size < CAPTURE_REC_HDR || r->caplen > size - CAPTURE_REC_HDR)
		return 0;
	if (d->npend >= DUMP_BATCH)
		return 1; /* the rest stays in the ring for the next poll */
	if (r->kind == CAPTURE_KTX && !d->o.tx)
		return 0;
	if (r->kind != CAPTURE_KTX && !d->o.rx)
		return 0;
	e = pend_next(d, r->ts_ns, r->len, r->caplen, r->data);
	if (r->kind == CAPTURE_KTX) {
		e->p.dir = DUMP_OUT;
		e->decided = true;
		snprintf(e->p.note, sizeof(e->p.note), "kernel-tx");
		d->n.tx++;
		return 0;
	}
	e->p.dir = DUMP_IN;
	rx_note(d, &r->meta, e->p.note, sizeof(e->p.note));
	d->n.rx++;
	return 0;
}

static void tx_drain(struct dump *d)
{
	const struct xtoe_cap_rec *r;
	struct pend *e;

	while (!d->o.tx && spsc_peek(&d->q))
		spsc_release(&d->q);
	while (d->npend < DUMP_BATCH && (r = spsc_peek(&d->q))) {
		uint32_t caplen = r->caplen < XTOE_CAP_SNAP_MAX ? r->caplen : XTOE_CAP_SNAP_MAX;

		e = pend_next(d, r->ts_ns, r->len, caplen, r->data);
		e->p.dir = DUMP_OUT;
		e->decided = true;
		snprintf(e->p.note, sizeof(e->p.note), "dp-tx");
		spsc_release(&d->q);
		d->n.tx++;
	}
}

static int by_time(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;

	return x->p.ts_ns < y->p.ts_ns ? -1 : x->p.ts_ns > y->p.ts_ns;
}

static int vt_record(void *ctx, void *data, size_t size)
{
	struct dump *d = ctx;
	const struct xtoe_verdict_rec *r = data;
	struct verdict *v;
	int n;

	if (size < sizeof(*r) || d->nvs >= DUMP_BATCH)
		return 0;
	v = &d->vs[d->nvs];
	if (!pkt_key(r->data, r->caplen < XTOE_VTRACE_SNAP ? r->caplen : XTOE_VTRACE_SNAP,
		     &v->key))
		return 0;
	v->ts_ns = r->ts_ns;
	n = snprintf(v->text, sizeof(v->text), "%s:%s",
		     xchain_slot_name(d->ents, d->nents, r->slot), xtoe_verdict_name(r->verdict));
	if (r->meta.drop && n > 0 && (size_t)n < sizeof(v->text))
		snprintf(v->text + n, sizeof(v->text) - (size_t)n, ":%s",
			 xtoe_drop_name(r->meta.drop));
	d->nvs++;
	return 0;
}

/* Give each verdict to the oldest undecided received frame it matches. */
static void match_verdicts(struct dump *d)
{
	for (uint32_t i = 0; i < d->nvs; i++) {
		const struct verdict *v = &d->vs[i];

		for (uint32_t j = 0; j < d->npend; j++) {
			struct pend *e = &d->pend[j];
			struct pkt_key k;
			size_t n = strlen(e->p.note);

			if (e->decided || e->mono_ns > v->ts_ns ||
			    !pkt_key(e->buf, e->p.caplen, &k) || memcmp(&k, &v->key, sizeof(k)))
				continue;
			snprintf(e->p.note + n, sizeof(e->p.note) - n, " %s", v->text);
			e->decided = true;
			break;
		}
	}
	d->nvs = 0;
}

/* Hand over, in time order, the frames that need not wait any longer;
 * the rest stay for the next poll (all of them when flush is set). */
static int emit(struct dump *d, dump_cb cb, void *arg, bool flush)
{
	uint64_t now = now_ns();
	uint32_t i;
	int err = 0;

	qsort(d->pend, d->npend, sizeof(*d->pend), by_time);
	for (i = 0; i < d->npend && !err; i++) {
		struct pend *e = &d->pend[i];

		if (!flush && !e->decided && now - e->mono_ns < DUMP_HOLD_NS)
			break;
		e->p.data = e->buf; /* moved by the sort */
		err = cb(&e->p, arg);
	}
	memmove(d->pend, d->pend + i, (d->npend - i) * sizeof(*d->pend));
	d->npend -= i;
	return err ? err : (int)i;
}

/* The daemon closes the session when it stops. */
static void check_daemon(struct dump *d)
{
	struct pollfd p = { .fd = d->sock, .events = POLLIN };
	char c;

	if (!d->gone && poll(&p, 1, 0) > 0 &&
	    recv(d->sock, &c, 1, MSG_DONTWAIT | MSG_PEEK) <= 0)
		d->gone = true;
}

int dump_poll(struct dump *d, int timeout_ms, dump_cb cb, void *arg)
{
	int err = 0;

	if (d->rb) {
		err = ring_buffer__poll(d->rb, timeout_ms);
		if (err < 0 && err != -EINTR)
			return err;
	} else {
		struct pollfd p = { .fd = d->sock, .events = POLLIN };

		poll(&p, 1, timeout_ms);
	}
	check_daemon(d);
	if (d->cap)
		tx_drain(d);
	match_verdicts(d);
	return emit(d, cb, arg, false);
}

int dump_flush(struct dump *d, dump_cb cb, void *arg)
{
	return emit(d, cb, arg, true);
}

bool dump_daemon_gone(const struct dump *d)
{
	return d->gone;
}

/* The chain's verdict records, to say how each received frame's chain
 * ended (best effort: matched by addresses, IP id and ports/sequence). */
static int verdicts_open(struct dump *d)
{
	d->nents = xchain_walk(d->ch, d->ents, XTOE_CHAIN_SLOTS);
	if (d->nents < 0)
		d->nents = 0;
	d->vs = calloc(DUMP_BATCH, sizeof(*d->vs));
	if (!d->vs)
		return -ENOMEM;
	d->verdicts = !ring_buffer__add(d->rb, xchain_vtrace_fd(d->ch), vt_record, d);
	return 0;
}

/* The session's capture module ring (frames received, and sent by the
 * kernel), pinned where the daemon linked the module. */
static int rx_open(struct dump *d)
{
	char dir[256], path[320];
	int err, fd;

	xtoe_pin_path(dir, sizeof(dir), d->o.ifname);
	if ((err = xchain_open(&d->ch, dir)))
		return err;
	snprintf(path, sizeof(path), "%s/%s/capture_ring", dir, d->module);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		log_err("%s: %s", path, strerror(-err));
		return err;
	}
	d->rb = ring_buffer__new(fd, rx_record, d, NULL);
	close(fd);
	if (!d->rb)
		return -errno ?: -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s/capture_stats", dir, d->module);
	d->stats_fd = bpf_obj_get(path);
	return d->granted & XTOE_CAP_F_VERDICTS ? verdicts_open(d) : 0;
}

static uint32_t wanted_flags(const struct dump_opts *o)
{
	uint32_t f = XTOE_CAP_F_TX; /* the session's ring, even for -Q in */

	if (o->rx)
		f |= XTOE_CAP_F_RX;
	if (o->tx)
		f |= XTOE_CAP_F_KTX;
	if (o->rx && o->after_chain)
		f |= XTOE_CAP_F_AFTER;
	if (o->rx && o->verdicts)
		f |= XTOE_CAP_F_VERDICTS;
	return f;
}

/* The session: the daemon's answer and its ring of frames sent. */
static int session_open(struct dump *d)
{
	uint32_t want = wanted_flags(&d->o);
	struct xtoe_resp r;
	int err, fd;
	void *p;

	err = xctl_session_fd(d->o.sock, XTOE_OP_CAPTURE, d->o.snaplen, want, &r,
			      &d->sock, &fd);
	if (err)
		return err;
	d->granted = r.val2;
	snprintf(d->module, sizeof(d->module), "%.*s", (int)sizeof(d->module) - 1, r.msg);
	if ((want & XTOE_CAP_F_KTX) && !(d->granted & XTOE_CAP_F_KTX))
		log_warn("frames the kernel sends on %s are not captured (see the "
			 "daemon's log)", d->o.ifname);
	if ((want & XTOE_CAP_F_VERDICTS) && !(d->granted & XTOE_CAP_F_VERDICTS))
		log_notice("another capture holds the chain's verdicts: frames are "
			   "shown without them");
	p = mmap(NULL, xtoe_cap_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	d->cap = p;
	spsc_attach(&d->q, &d->cap->ring, XTOE_CAP_ENTRIES, sizeof(struct xtoe_cap_rec));
	return 0;
}

int dump_open(struct dump **out, const struct dump_opts *o)
{
	struct dump *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	d->o = *o;
	d->sock = -1;
	d->stats_fd = -1;
	d->mono2real = clock_real_offset_ns();
	d->pend = calloc(DUMP_BATCH, sizeof(*d->pend));
	err = d->pend ? session_open(d) : -ENOMEM;
	if (!err && d->module[0])
		err = rx_open(d);
	if (err) {
		dump_close(d, NULL);
		return err;
	}
	*out = d;
	return 0;
}

static uint64_t rx_lost(const struct dump *d)
{
	uint32_t key = CAPTURE_STAT_LOST;
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *v;

	if (d->stats_fd < 0 || ncpu <= 0 || !(v = calloc((size_t)ncpu, sizeof(*v))))
		return 0;
	if (!bpf_map_lookup_elem(d->stats_fd, &key, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* Tell the daemon we are done and wait for it to close the connection:
 * it has removed the module and the egress program by then. */
static void session_end(struct dump *d)
{
	struct pollfd p = { .fd = d->sock, .events = POLLIN };
	uint64_t end = now_ms() + 3000;
	char buf[64];

	if (shutdown(d->sock, SHUT_WR))
		return;
	while (now_ms() < end && poll(&p, 1, 100) >= 0)
		if ((p.revents & (POLLIN | POLLHUP)) && recv(d->sock, buf, sizeof(buf), 0) <= 0)
			break;
}

void dump_close(struct dump *d, struct dump_counts *c)
{
	if (!d)
		return;
	d->n.rx_lost = rx_lost(d);
	if (d->cap && d->o.tx)
		d->n.tx_lost = atomic_load(&d->cap->drops);
	if (c)
		*c = d->n;
	ring_buffer__free(d->rb);
	free(d->vs);
	if (d->stats_fd >= 0)
		close(d->stats_fd);
	if (d->ch)
		xchain_close(d->ch);
	if (d->cap)
		munmap(d->cap, xtoe_cap_bytes());
	if (d->sock >= 0) {
		session_end(d);
		close(d->sock);
	}
	free(d->pend);
	free(d);
}
