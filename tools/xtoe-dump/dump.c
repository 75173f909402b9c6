// SPDX-License-Identifier: MIT
/* A capture session on a running xtoed (see dump.h). */
#include "dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xtoe/drop.h>

#include "bpf/trace.h"
#include "common/cap.h"
#include "xdp/chain.h"
#include "common/ctl.h"
#include "xdp/module.h"
#include "common/proto.h"
#include "common/log.h"

#define DUMP_MOD_NAME "xtoe_dump"
#define DUMP_BATCH 512

#define DUMP_HOLD_NS (20 * 1000 * 1000) /* wait this long for a verdict */

struct pend {
	struct dump_pkt p;
	uint64_t mono_ns;
	bool decided;        /* has its chain verdict (or needs none) */
	uint8_t buf[XTOE_CAP_SNAP_MAX];
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
	/* rx: trace module */
	struct xchain *ch;
	bool linked;
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

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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

static int rx_record(void *ctx, void *data, size_t size)
{
	struct dump *d = ctx;
	const struct trace_rec *r = data;
	struct pend *e;

	if (size < sizeof(*r))
		return 0;
	if (d->npend >= DUMP_BATCH)
		return 1; /* the rest stays in the ring for the next poll */
	e = pend_next(d, r->ts_ns, r->len, r->caplen, r->data);
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

static const char *const verdict_names[XTOE_V__COUNT] = {
	"aborted", "drop", "pass", "tx", "redirect", "next",
};

static const char *slot_name(const struct dump *d, uint32_t slot)
{
	for (int i = 0; i < d->nents; i++)
		if (d->ents[i].slot == slot)
			return d->ents[i].info.name;
	return "?";
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
	n = snprintf(v->text, sizeof(v->text), "%s:%s", slot_name(d, r->slot),
		     r->verdict < XTOE_V__COUNT ? verdict_names[r->verdict] : "?");
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
	uint64_t now = (uint64_t)clock_ns(CLOCK_MONOTONIC);
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

int dump_poll(struct dump *d, int timeout_ms, dump_cb cb, void *arg)
{
	int err = 0;

	if (d->rb) {
		err = ring_buffer__poll(d->rb, timeout_ms);
		if (err < 0 && err != -EINTR)
			return err;
	} else {
		usleep((useconds_t)timeout_ms * 1000);
	}
	if (d->cap)
		tx_drain(d);
	match_verdicts(d);
	return emit(d, cb, arg, false);
}

int dump_flush(struct dump *d, dump_cb cb, void *arg)
{
	return emit(d, cb, arg, true);
}

/* The chain's verdict records, to say how each received frame's chain
 * ended (best effort: matched by addresses, IP id and ports/sequence). */
static int verdicts_open(struct dump *d)
{
	int err;

	d->nents = xchain_walk(d->ch, d->ents, XTOE_CHAIN_SLOTS);
	if (d->nents < 0)
		d->nents = 0;
	d->vs = calloc(DUMP_BATCH, sizeof(*d->vs));
	if (!d->vs)
		return -ENOMEM;
	err = ring_buffer__add(d->rb, xchain_vtrace_fd(d->ch), vt_record, d);
	if (!err)
		err = xchain_trace_verdicts(d->ch, true);
	d->verdicts = !err;
	if (err)
		log_err("no chain verdicts (%s); frames are "
			"shown without them", strerror(-err));
	return 0;
}

/* The trace module, first in the chain (or right before steering). */
static int rx_open(struct dump *d)
{
	struct xchain_pos pos = { .where = d->o.after_chain ? XCHAIN_DEFAULT : XCHAIN_FIRST };
	char dir[256], path[300], snap[32];
	const char *set[] = { snap, NULL };
	struct xmod_opts mo = { .name = DUMP_MOD_NAME, .ifname = d->o.ifname,
				.verbose = d->o.verbose, .set = set };
	int err, fd;

	snprintf(snap, sizeof(snap), "snaplen=%u",
		 d->o.snaplen < TRACE_SNAP_MAX ? d->o.snaplen : TRACE_SNAP_MAX);
	xtoe_pin_path(dir, sizeof(dir), d->o.ifname);
	if ((err = xchain_open(&d->ch, dir)))
		return err;
	/* We hold the daemon's only capture: one left in the chain is stale
	 * (an xtoe-dump that was killed). */
	if (xchain_find(d->ch, DUMP_MOD_NAME) >= 0 && !xmod_del(d->ch, DUMP_MOD_NAME))
		log_notice("removed the trace module an earlier "
			"xtoe-dump left in the chain");
	if ((err = xmod_add(d->ch, "trace", &pos, &mo, NULL))) {
		log_err("cannot link the trace module into the "
			"chain of %s; is build/bpf/trace.bpf.o there (make)?", d->o.ifname);
		return err;
	}
	d->linked = true;
	snprintf(path, sizeof(path), "%s/" DUMP_MOD_NAME "/trace_ring", dir);
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
	snprintf(path, sizeof(path), "%s/" DUMP_MOD_NAME "/trace_stats", dir);
	d->stats_fd = bpf_obj_get(path);
	return verdicts_open(d);
}

/* The daemon's capture ring, for as long as d->sock stays open. */
static int tx_open(struct dump *d)
{
	struct xtoe_resp r;
	int err, fd;
	void *p;

	err = xctl_session_fd(d->o.sock, XTOE_OP_CAPTURE, d->o.snaplen, &r, &d->sock, &fd);
	if (err)
		return err;
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
	if (!o->verbose)
		libbpf_set_print(NULL);
	d->o = *o;
	d->sock = -1;
	d->stats_fd = -1;
	d->mono2real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	d->pend = calloc(DUMP_BATCH, sizeof(*d->pend));
	err = d->pend ? 0 : -ENOMEM;
	if (!err) /* with -Q in too: the daemon's capture is the session's lock */
		err = tx_open(d);
	if (!err && o->rx)
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
	uint32_t key = TRACE_STAT_LOST;
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

void dump_close(struct dump *d, struct dump_counts *c)
{
	if (!d)
		return;
	d->n.rx_lost = rx_lost(d);
	if (d->cap && d->o.tx)
		d->n.tx_lost = atomic_load(&d->cap->drops);
	if (c)
		*c = d->n;
	if (d->verdicts)
		xchain_trace_verdicts(d->ch, false);
	ring_buffer__free(d->rb);
	free(d->vs);
	if (d->stats_fd >= 0)
		close(d->stats_fd);
	if (d->linked && xmod_del(d->ch, DUMP_MOD_NAME))
		log_err("the trace module is still in the chain "
			"of %s; remove it with `xtoectl -i %s module del %s`",
			d->o.ifname, d->o.ifname, DUMP_MOD_NAME);
	if (d->ch)
		xchain_close(d->ch);
	if (d->cap)
		munmap(d->cap, xtoe_cap_bytes());
	if (d->sock >= 0)
		close(d->sock); /* ends the daemon's capture */
	free(d->pend);
	free(d);
}
