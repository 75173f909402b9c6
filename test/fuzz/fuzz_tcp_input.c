/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a connection in ESTABLISHED fed a sequence of events
 * decoded from the input, on a virtual clock: segments from the peer
 * (sequence and ACK numbers near the interesting edges, any flags, window,
 * timestamps, SACK blocks, ECN marks, payload), raw frames, time passing, the
 * application reading, writing and lying about its ring indices, output,
 * retransmission timeouts, window probes and shutdown.
 *
 * The peer's payload byte for sequence number q is always pattern(q), so
 * whatever the application can read must be the peer's stream: byte n of
 * the rx ring is pattern(irs + 1 + n). Checked after every event, with the
 * core's invariants (sequence order, held intervals inside the free ring
 * space). Crashes and sanitizer reports end the run.
 */
#include <stdlib.h>
#include <string.h>

#include "core/cc.h"
#include "core/tcp.h"
#include "test/unit/tcp_test_app.h"

#define RING 4096u
#define ISS 0xfffff000u /* both sides wrap their sequence space */
#define IRS 0xffffff00u

struct fz {
	const uint8_t *p;
	size_t n;
};

static uint8_t take8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static uint16_t take16(struct fz *f)
{
	return (uint16_t)(take8(f) | take8(f) << 8);
}

static uint32_t take32(struct fz *f)
{
	return (uint32_t)take16(f) | (uint32_t)take16(f) << 16;
}

static uint8_t pattern(uint32_t seq)
{
	return (uint8_t)(seq * 31 + (seq >> 8));
}

struct world {
	struct tcp_conn c;
	struct tcp_test_app shm;
	uint8_t rx[RING], tx[RING];
	uint32_t app_read, app_written;
	uint64_t now;
	uint32_t peer_ts;
};

static const struct tcp_endpoints ep_local = {
	.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
	.saddr = 0x0100000a, .daddr = 0x0200000a,
	.sport = 0x5000, .dport = 0x3930,
};
static const struct tcp_endpoints ep_peer = {
	.smac = { 2, 0, 0, 0, 0, 2 }, .dmac = { 2, 0, 0, 0, 0, 1 },
	.saddr = 0x0200000a, .daddr = 0x0100000a,
	.sport = 0x3930, .dport = 0x5000,
};

static void world_init(struct world *w, uint8_t opts)
{
	memset(w, 0, sizeof(*w));
	w->c.ep = ep_local;
	test_established(&w->c, ISS, IRS, 3000, RING);
	w->c.mss = 536 + (opts & 0x0f) * 64;
	w->c.ts_ok = opts & 0x10;
	w->c.sack_ok = opts & 0x20;
	w->c.ws_ok = opts & 0x40;
	w->c.rcv_wscale = w->c.ws_ok ? 1 : 0;
	w->c.snd_wscale = w->c.ws_ok ? 3 : 0;
	w->now = 1000000;
	w->peer_ts = 1000;
	w->c.ts_recent = w->peer_ts;
	w->c.ecn_ok = opts & 0x80;
	w->c.cc = opts & 0x80 ? &tcp_cc_dctcp : &tcp_cc_cubic;
	w->c.cc->on_init(&w->c, w->now);
	test_attach(&w->c, &w->shm, w->rx, RING, w->tx, RING);
}

/* Everything the application may read is the peer's stream, in order;
 * sequence numbers keep their order; held data stays in the free space. */
static void check(struct world *w)
{
	const struct tcp_conn *c = &w->c;
	uint32_t tail = atomic_load(&w->shm.rx_tail);
	uint32_t used = tail - w->app_read;

	if (used > RING)
		abort();
	for (uint32_t n = w->app_read; n != tail; n++)
		if (w->rx[n & (RING - 1)] != pattern(IRS + 1 + n))
			abort();
	if (!seq_le(c->snd_una, c->snd_nxt) || !seq_le(c->snd_nxt, c->snd_max))
		abort();
	for (unsigned i = 0; i < c->ooo.n; i++)
		if (!seq_gt(c->ooo.iv[i].start, c->rcv_nxt) ||
		    c->ooo.iv[i].end - c->rcv_nxt > RING - used)
			abort();
	if (c->ooo.n > TCP_IVSET_MAX || c->sacked.n > TCP_IVSET_MAX)
		abort();
}

/* A segment from the peer, numbers chosen relative to the connection. */
static void ev_segment(struct world *w, struct fz *f)
{
	static uint8_t frame[2048], payload[1500];
	uint8_t sel = take8(f);
	int16_t dseq = (int16_t)take16(f), dack = (int16_t)take16(f);
	uint16_t len = take16(f) % 1461;
	struct tcp_hdrvals h = {
		.flags = take8(f), .wnd = take16(f), .wscale = -1,
		.ts = sel & 1, .tsecr = take16(f), .tos = sel >> 6,
	};
	struct tcp_seg s;
	int n;

	h.seq = (sel & 2 ? w->c.rcv_nxt : w->c.irs) + (uint32_t)(int32_t)dseq;
	h.ack = (sel & 4 ? w->c.snd_una : w->c.snd_max) + (uint32_t)(int32_t)dack;
	w->peer_ts += (uint32_t)(int32_t)(int8_t)take8(f);
	h.tsval = w->peer_ts;
	h.nsack = (uint8_t)((sel >> 3) % (TCP_SEND_SACK + 1));
	for (uint8_t i = 0; i < h.nsack; i++) {
		h.sack[i][0] = w->c.snd_una + (uint32_t)(int32_t)(int16_t)take16(f);
		h.sack[i][1] = h.sack[i][0] + take16(f) % 4000;
	}
	for (uint16_t i = 0; i < len; i++)
		payload[i] = pattern(h.seq + i);
	n = tcp_build_frame(frame, sizeof(frame), &ep_peer, &h, payload, len);
	if (n < 0 || tcp_parse(frame, (size_t)n, &s, true) != XTOE_DROP_NONE)
		return;
	tcp_input(&w->c, &s, w->now);
}

/* Raw bytes as a frame (checksum not verified, so they get through). */
static void ev_raw(struct world *w, struct fz *f)
{
	size_t len = take8(f);
	struct tcp_seg s;

	if (len > f->n)
		len = f->n;
	if (tcp_parse(f->p, len, &s, false) == XTOE_DROP_NONE &&
	    !(s.len && s.flags & TCP_F_ACK))
		tcp_input(&w->c, &s, w->now); /* data would break the pattern */
	f->p += len;
	f->n -= len;
}

static void ev_output(struct world *w)
{
	struct tcp_txseg seg;
	uint8_t buf[2048];
	int i = 0;

	while (i++ < 64 && tcp_output_next(&w->c, w->now, &seg)) {
		if (seg.len > w->c.mss || seg.tx_pos - atomic_load(&w->shm.tx_head) >
		    RING)
			abort();
		tcp_tx_copy(&w->c, seg.tx_pos, seg.len, buf);
	}
}

/* The application claims indices of its own choosing while a segment
 * arrives and output runs: a lie can only stall or garble its own data,
 * never move a copy outside a ring. Claiming to have read unread bytes
 * gives them up, so the honest reader skips them afterwards. */
static void ev_lie(struct world *w, struct fz *f)
{
	uint32_t tail = atomic_load(&w->shm.rx_tail);
	uint32_t lie = w->app_read + take16(f) - 0x8000u;

	atomic_store(&w->shm.rx_head, lie);
	atomic_store(&w->shm.tx_tail, take32(f));
	ev_segment(w, f);
	ev_output(w);
	if (lie - w->app_read <= tail - w->app_read)
		w->app_read = lie;
	atomic_store(&w->shm.rx_head, w->app_read);
	atomic_store(&w->shm.tx_tail, w->app_written);
}

static void ev_app(struct world *w, struct fz *f)
{
	uint8_t op = take8(f);
	uint32_t tail = atomic_load(&w->shm.rx_tail);
	uint32_t head = atomic_load(&w->shm.tx_head);

	switch (op & 3) {
	case 0: /* read some */
		w->app_read += (tail - w->app_read) * (op >> 2) / 63;
		atomic_store(&w->shm.rx_head, w->app_read);
		break;
	case 1: /* write some */
		if (seq_lt(w->app_written, head))
			w->app_written = head;
		w->app_written += take16(f) % (RING - (w->app_written - head) + 1);
		atomic_store(&w->shm.tx_tail, w->app_written);
		break;
	case 2:
		ev_lie(w, f);
		break;
	default:
		tcp_app_shutdown(&w->c);
		break;
	}
}

static void ev_timer(struct world *w, struct fz *f)
{
	struct tcp_hdrvals h;
	uint8_t op = take8(f);

	w->now += (uint64_t)take16(f) * (op & 0x80 ? 1000 : 1);
	if ((op & 7) == 1)
		tcp_go_back_n(&w->c, w->now);
	else if ((op & 7) == 2 && tcp_persist_wanted(&w->c))
		tcp_probe_hdr(&w->c, w->now, &h);
	else if ((op & 7) == 3)
		tcp_ack_hdr(&w->c, w->now, &h);
	else if (tcp_timer_next(&w->c) <= w->now &&
		 (tcp_timer_fire(&w->c, w->now) & TCP_ACT_WPROBE))
		tcp_probe_hdr(&w->c, w->now, &h); /* the core's own timers */
	(void)tcp_window_update_due(&w->c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;
	struct fz f = { data, size };

	world_init(&w, take8(&f));
	while (f.n) {
		switch (take8(&f) % 5) {
		case 0:
		case 1:
			ev_segment(&w, &f);
			break;
		case 2:
			ev_app(&w, &f);
			break;
		case 3:
			ev_output(&w);
			ev_timer(&w, &f);
			break;
		default:
			ev_raw(&w, &f);
			break;
		}
		check(&w);
	}
	return 0;
}
