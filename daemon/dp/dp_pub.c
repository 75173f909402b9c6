// SPDX-License-Identifier: MIT
/*
 * What the data-path publishes for the operator tools (xtoectl stats): a
 * copy of its counters and its AF_XDP port's under a sequence lock, in the
 * round after a reader asked (daemon.h struct dp_stats_pub), at most every
 * DP_PUB_EVERY_US otherwise, and when its worker changes threads. Never
 * before each sleep: the 1 KiB copy and the port's getsockopt cost more
 * than the rest of an idle round. It never waits for a reader.
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
	s->rx_merged = st->rx_merged;
	memcpy(s->drops, st->drops, sizeof(s->drops));
	port_stats(dp->port, &xs);
	s->xsk_rx = xs.rx_frames;
	s->xsk_tx = xs.tx_frames;
	s->xsk_tx_drops = xs.tx_drops;
	s->xsk_kicks = xs.tx_kicks;
	s->xsk_gso_frames = xs.tx_gso_frames;
	s->xsk_gso_segs = xs.tx_gso_segs;
	s->xsk_gso_busy = xs.tx_gso_busy;
	s->xsk_rx_dropped = xs.rx_dropped;
	s->xsk_rx_invalid = xs.rx_invalid;
	s->xsk_rx_ring_full = xs.rx_ring_full;
	s->xsk_fill_empty = xs.fill_empty;
	s->frames_free = xs.frames_free;
	s->frames_total = xs.frames_total;
	s->nworkers = 1;
	s->w[0] = (struct xtoe_stat_worker){ .rounds = st->rounds, .sleeps = st->sleeps,
		.rx_segs = st->rx_segs, .tx_segs = st->tx_segs, .flows = dp->flows_owned,
		.queues = port_lanes(dp->port), .parks = st->parks, .unparks = st->unparks,
		.thread = dp->runner, .busy_pct = dp->runner == dp->id ? dp->prop.busy_pct : 0,
		.pre_threads = dp->pipe ? dp->d->cfg.pre_threads : 0,
		.pipe_batches = st->pipe_batches, .pipe_held = st->pipe_held,
		.pipe_inline = st->pipe_inline };
}

/* Whether a round publishes: a reader asked since the last publication,
 * or the last one is DP_PUB_EVERY_US old. */
bool dp_stats_due(uint32_t asked, uint32_t served, uint64_t now_us, uint64_t last_us)
{
	return asked != served || now_us - last_us >= DP_PUB_EVERY_US;
}

/* Publish, answering every request made before this call. */
static void dp_stats_put(struct dp *dp, uint32_t asked)
{
	struct dp_stats_pub *p = dp->spub;
	uint64_t at = now_us();
	struct xtoe_stat_dp s;

	_Static_assert(sizeof(s) % 8 == 0, "seqlock_put moves 8-byte words");
	memset(&s, 0, sizeof(s));
	dp_stats_fill(dp, &s);
	seqlock_write_begin(&p->seq);
	seqlock_put(&p->at_us, &at, sizeof(at));
	seqlock_put(&p->s, &s, sizeof(s));
	seqlock_write_end(&p->seq);
	atomic_store_explicit(&p->served, asked, memory_order_release);
}

void dp_stats_publish(struct dp *dp)
{
	dp_stats_put(dp, atomic_load_explicit(&dp->spub->asked, memory_order_acquire));
}

/* At the end of each round: publish when due (the worker is the only
 * writer of at_us and served, so it reads them without the lock). */
void dp_stats_round(struct dp *dp)
{
	struct dp_stats_pub *p = dp->spub;
	uint32_t asked = atomic_load_explicit(&p->asked, memory_order_acquire);
	uint64_t last;

	seqlock_get(&last, &p->at_us, sizeof(last));
	if (dp_stats_due(asked, atomic_load_explicit(&p->served, memory_order_relaxed),
			 dp->now, last))
		dp_stats_put(dp, asked);
}

/* Linux's TCP_* state numbers (include/net/tcp_states.h) for TCP_INFO; a
 * socket whose connection reached TIME-WAIT reads as TCP_CLOSE there. */
static uint8_t linux_state(uint8_t st)
{
	static const uint8_t map[] = {
		[TCP_CLOSED] = 7, [TCP_LISTEN] = 10, [TCP_SYN_SENT] = 2,
		[TCP_SYN_RCVD] = 3, [TCP_ESTABLISHED] = 1, [TCP_FIN_WAIT_1] = 4,
		[TCP_FIN_WAIT_2] = 5, [TCP_CLOSE_WAIT] = 8, [TCP_CLOSING] = 11,
		[TCP_LAST_ACK] = 9, [TCP_TIME_WAIT] = 7,
	};

	return st < sizeof(map) ? map[st] : 7;
}

/* Linux's tcp_ca_state from where the core's recovery stands. */
static uint8_t ca_state(const struct tcp_conn *c)
{
	if (c->rto_sweep)
		return 4; /* TCP_CA_Loss */
	if (seq_lt(c->snd_una, c->snd_recover))
		return 3; /* TCP_CA_Recovery */
	if (c->sacked.n || c->dupacks)
		return 1; /* TCP_CA_Disorder */
	return 0;
}

static uint32_t segs(uint32_t bytes, uint32_t mss)
{
	return mss ? (bytes + mss - 1) / mss : 0;
}

/* TCP_INFO for the application (common/shm.h struct xtoe_flow_info),
 * under the slot's sequence lock; the library reads it without a call. */
void dp_info_publish(struct dp *dp, struct dp_flow *f)
{
	const struct tcp_conn *c = &f->tcp;
	struct xtoe_flow_info *i = &f->ctx->slots[f->slot].info;
	uint32_t seq = atomic_load_explicit(&i->seq, memory_order_relaxed);
	uint32_t unacked = c->snd_max - c->snd_una;

	atomic_store_explicit(&i->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	i->state = linux_state(c->state);
	i->ca_state = ca_state(c);
	i->backoff = c->t.rto_backoff;
	i->options = (c->ts_ok ? XTOE_TI_TS : 0) | (c->sack_ok ? XTOE_TI_SACK : 0) |
		     (c->ws_ok ? XTOE_TI_WSCALE : 0) | (c->ecn_ok ? XTOE_TI_ECN : 0);
	i->snd_wscale = c->snd_wscale;
	i->rcv_wscale = c->rcv_wscale;
	i->reordering = (uint16_t)tcp_reordering(c);
	i->rto = tcp_rto_us(c);
	i->ato = tcp_ato_us(c);
	i->snd_mss = c->mss;
	i->adv_mss = c->adv_mss;
	i->pmtu = c->adv_mss + 40u;
	i->unacked = segs(unacked, c->mss);
	i->sacked = segs(tcp_sacked_bytes(c), c->mss);
	i->retrans_out = seq_lt(c->snd_nxt, c->snd_max) ? 1 : 0;
	i->rtt = c->srtt_us;
	i->rttvar = c->rttvar_us;
	i->min_rtt = c->min_rtt_us;
	i->snd_cwnd = c->cc ? c->cc_st.cwnd : 0;
	i->snd_ssthresh = c->cc ? c->cc_st.ssthresh : UINT32_MAX;
	i->snd_wnd = c->snd_wnd;
	i->rcv_wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	i->rcv_space = c->rx_size;
	i->notsent = tcp_unsent_bytes(c);
	i->tx_sent = c->snd_max - (c->iss + 1);
	if (c->fin_queued && seq_gt(c->snd_max, c->iss + 1 + c->fin_pos))
		i->tx_sent = c->fin_pos;
	i->total_retrans = (uint32_t)c->retransmits;
	i->total_rto = c->total_rto;
	i->segs_out = (uint32_t)c->segs_out;
	i->segs_in = (uint32_t)c->segs_in;
	i->data_segs_out = c->data_segs_out;
	i->data_segs_in = c->data_segs_in;
	i->bytes_acked = c->bytes_acked;
	i->bytes_received = c->bytes_in;
	i->bytes_sent = c->bytes_out;
	i->bytes_retrans = c->bytes_retrans;
	i->last_data_sent = c->last_data_sent_us;
	i->last_data_recv = c->last_rcv_us;
	i->last_ack_recv = c->last_ack_rcv_us;
	i->now = dp->now;
	atomic_store_explicit(&i->seq, seq + 2, memory_order_release);
}
