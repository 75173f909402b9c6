// SPDX-License-Identifier: MIT
/*
 * What the data-path publishes for the operator tools (xtoectl stats): a
 * copy of its counters and its AF_XDP port's under a sequence lock, every
 * 1024 rounds and before it sleeps. It never waits for a reader.
 */
#include "common/seqlock.h"
#include "dp.h"

static void dp_stats_fill(struct dp *dp, struct xtoe_stat_dp *s)
{
	const struct dp_stats *st = &dp->st;
	struct port_stats xs;

	s->rounds = st->rounds;
	s->sleeps = st->sleeps;
	s->rx_frames = st->rx_frames;
	s->rx_segs = st->rx_segs;
	s->tx_segs = st->tx_segs;
	s->tx_acks = st->tx_acks;
	s->to_cp = st->to_cp;
	s->rx_nometa = st->rx_nometa;
	s->rx_vlan = st->rx_vlan;
	memcpy(s->drops, st->drops, sizeof(s->drops));
	port_stats(dp->d->port, &xs);
	s->xsk_rx = xs.rx_frames;
	s->xsk_tx = xs.tx_frames;
	s->xsk_tx_drops = xs.tx_drops;
	s->xsk_kicks = xs.tx_kicks;
	s->xsk_rx_dropped = xs.rx_dropped;
	s->xsk_rx_invalid = xs.rx_invalid;
	s->xsk_rx_ring_full = xs.rx_ring_full;
	s->xsk_fill_empty = xs.fill_empty;
	s->frames_free = xs.frames_free;
	s->frames_total = xs.frames_total;
}

void dp_stats_publish(struct dp *dp)
{
	struct dp_stats_pub *p = &dp->d->spub;

	seqlock_write_begin(&p->seq);
	p->at_us = now_us();
	dp_stats_fill(dp, &p->s);
	seqlock_write_end(&p->seq);
}
