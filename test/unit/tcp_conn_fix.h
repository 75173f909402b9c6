/* SPDX-License-Identifier: MIT */
/* A connection built directly in ESTABLISHED, and segments from its peer:
 * the fixture of test_tcp_conn.c and test_tcp_recovery.c. */
#ifndef XTOE_TCP_CONN_FIX_H
#define XTOE_TCP_CONN_FIX_H

#include "check.h"
#include "core/cc.h"
#include "tcp_test_util.h"
#include "core/tcp_conn_int.h"

#define ISS 1000u
#define IRS 50000u
#define RX 4096u
#define TX 8192u

static uint8_t buf[2048];

struct fix {
	struct tcp_conn c;
	struct tcp_test_app shm;
	uint8_t *rx, *tx;
};

static inline void conn_established(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	f->rx = calloc(1, RX);
	f->tx = calloc(1, TX);
	f->c.ep = test_ep_local;
	test_established(&f->c, ISS, IRS, 10000, RX);
	f->c.mss = 1000;
	f->c.ts_ok = true;
	f->c.ts_recent = 100;
	test_attach(&f->c, &f->shm, f->rx, RX, f->tx, TX);
}

static inline void fix_free(struct fix *f)
{
	free(f->rx);
	free(f->tx);
}

/* A segment from the peer at time now. */
static inline struct tcp_result feed_at(struct fix *f, uint64_t now,
					uint32_t seq, uint32_t ack,
					uint8_t flags)
{
	struct tcp_hdrvals h = { .seq = seq, .ack = ack, .flags = flags,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, NULL, 0);

	return tcp_input(&f->c, &s, now);
}

/* A segment from the peer. */
static inline struct tcp_result feed(struct fix *f, uint32_t seq,
				     uint32_t ack, uint8_t flags,
				     const char *data, uint16_t len)
{
	struct tcp_hdrvals h = { .seq = seq, .ack = ack, .flags = flags,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1 };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, data, len);

	return tcp_input(&f->c, &s, 5000);
}

static inline void app_queue(struct fix *f, uint32_t n)
{
	uint32_t t = atomic_load(&f->shm.tx_tail);

	for (uint32_t i = 0; i < n; i++)
		f->tx[(t + i) & (TX - 1)] = (uint8_t)(t + i);
	atomic_store(&f->shm.tx_tail, t + n);
}

/* A SACKing peer's ACK, no data, at time now. */
static inline struct tcp_result feed_sack_at(struct fix *f, uint64_t now,
					     uint32_t ack, uint32_t l,
					     uint32_t rgt)
{
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ack, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1, .nsack = 1,
				 .sack = { { l, rgt } } };
	struct tcp_seg s = test_seg(buf, sizeof(buf), &h, NULL, 0);

	return tcp_input(&f->c, &s, now);
}

static inline struct tcp_result feed_sack(struct fix *f, uint32_t ack,
					  uint32_t l, uint32_t rgt)
{
	return feed_sack_at(f, 5000, ack, l, rgt);
}

/* A SACKing peer's ACK at time now with the blocks blk[0..n) (the first
 * a D-SACK when it lies below ack or inside the second, RFC 2883). */
static inline void feed_blocks_at(struct fix *f, uint64_t now, uint32_t ack,
				  const uint32_t blk[][2], unsigned n)
{
	struct tcp_hdrvals h = { .seq = IRS + 1, .ack = ack, .flags = TCP_F_ACK,
				 .wnd = 10000, .ts = true, .tsval = 200,
				 .tsecr = 1, .wscale = -1, .nsack = (uint8_t)n };
	struct tcp_seg s;

	memcpy(h.sack, blk, n * sizeof(blk[0]));
	s = test_seg(buf, sizeof(buf), &h, NULL, 0);
	tcp_input(&f->c, &s, now);
}

/* Segments sent now (drained). */
static inline unsigned send_all(struct fix *f, struct tcp_txseg *last)
{
	unsigned n = 0;

	while (tcp_output_next(&f->c, 1, last))
		n++;
	return n;
}

/* A SACK connection under NewReno, 500-byte segments, RTT rtt_us. */
static inline void conn_reno(struct fix *f, uint32_t rtt_us)
{
	conn_established(f);
	f->c.cc = &tcp_cc_newreno;
	f->c.sack_ok = true;
	f->c.srtt_us = f->c.min_rtt_us = rtt_us;
	f->c.mss = 500;
	tcp_cc_reno_init(&f->c, 0);
}

#endif /* XTOE_TCP_CONN_FIX_H */
