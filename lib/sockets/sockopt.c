/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: socket options. The ones xtoe acts on or answers itself
 * (SO_ERROR, SO_LINGER, SO_REUSEPORT, SO_RCVTIMEO/SO_SNDTIMEO,
 * SO_ACCEPTCONN, TCP_NODELAY, TCP_CORK, TCP_INFO, TCP_MAXSEG) are handled
 * here; all others are also stored on the placeholder kernel socket, which
 * answers getsockopt with Linux's own values and errors (SO_KEEPALIVE,
 * TCP_KEEP*, SO_RCVBUF/SO_SNDBUF, TCP_CONGESTION, SO_TYPE, ...).
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/time.h>

#include "xs.h"

static int put_int(int v, void *val, socklen_t *len)
{
	if (!val || !len || *len < sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int get_int(const void *val, socklen_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int tv_ms(const void *val, socklen_t len, int *ms)
{
	struct timeval tv;

	if (!val || len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	*ms = (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	return 0;
}

static uint8_t tcp_state(struct xsock *s)
{
	struct xtoe_flow_info in;
	int err;

	if (s->kind == XS_LISTEN)
		return TCP_LISTEN;
	if (s->kind == XS_NEW || !s->c)
		return TCP_CLOSE;
	err = xtoe_conn_error(s->c);
	if (err == -EINPROGRESS)
		return TCP_SYN_SENT;
	if (err || (atomic_load(&s->c->fs->status) & XTOE_FS_DONE))
		return TCP_CLOSE;
	if (xlib_conn_info(s->c, &in) || !in.snd_mss)
		return TCP_ESTABLISHED; /* not serviced yet */
	return in.state; /* the data-path gives Linux's numbering */
}

/*
 * Linux's current struct tcp_info (include/uapi/linux/tcp.h, 6.18: 280
 * bytes, AccECN counters last). The system's headers may be older, so the
 * layout is spelled out here; fields xtoe does not track stay 0, as Linux
 * leaves fields it has no value for.
 */
struct xs_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale, app_limited;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd;
	uint32_t advmss, reordering, rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt;
	uint32_t data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd, rcv_wnd, rehash;
	uint16_t total_rto, total_rto_recoveries;
	uint32_t total_rto_time;
	uint32_t received_ce, delivered_e1_bytes, delivered_e0_bytes;
	uint32_t delivered_ce_bytes, received_e1_bytes, received_e0_bytes;
	uint32_t received_ce_bytes;
	uint16_t accecn_fail_mode, accecn_opt_seen;
};
_Static_assert(sizeof(struct xs_tcp_info) == 280, "Linux 6.18 struct tcp_info");

/* Linux's option bits (TCPI_OPT_*). */
static uint8_t ti_options(uint8_t o)
{
	return (o & XTOE_TI_TS ? 1 : 0) | (o & XTOE_TI_SACK ? 2 : 0) |
	       (o & XTOE_TI_WSCALE ? 4 : 0) | (o & XTOE_TI_ECN ? 8 : 0);
}

static uint32_t ago_ms(uint64_t now, uint64_t t)
{
	return t && now > t ? (uint32_t)((now - t) / 1000) : 0;
}

static uint32_t pkts(uint32_t bytes, uint32_t mss)
{
	return mss ? bytes / mss : 0;
}

/* The data-path's values of an established connection. */
static void tcp_info_conn(struct xsock *s, struct xs_tcp_info *ti)
{
	struct xtoe_flow_info in;
	uint32_t mss;

	if (xlib_conn_info(s->c, &in) || !in.snd_mss)
		return;
	mss = in.snd_mss;
	ti->ca_state = in.ca_state;
	ti->retransmits = ti->backoff = in.backoff;
	ti->options = ti_options(in.options);
	ti->wscale = (uint8_t)(in.snd_wscale | in.rcv_wscale << 4);
	ti->rto = in.rto;
	ti->ato = in.ato;
	ti->snd_mss = ti->rcv_mss = mss;
	ti->unacked = in.unacked;
	ti->sacked = in.sacked;
	ti->retrans = in.retrans_out;
	ti->last_data_sent = ago_ms(in.now, in.last_data_sent);
	ti->last_data_recv = ago_ms(in.now, in.last_data_recv);
	ti->last_ack_recv = ago_ms(in.now, in.last_ack_recv);
	ti->pmtu = in.pmtu;
	ti->rcv_ssthresh = in.rcv_wnd;
	ti->rtt = in.rtt;
	ti->rttvar = in.rttvar;
	ti->snd_ssthresh = in.snd_ssthresh >= 0x7fffffffu ? 0x7fffffffu :
			   pkts(in.snd_ssthresh, mss);
	ti->snd_cwnd = pkts(in.snd_cwnd, mss);
	ti->advmss = in.adv_mss;
	ti->reordering = in.reordering;
	ti->rcv_space = in.rcv_space;
	ti->total_retrans = in.total_retrans;
	ti->bytes_acked = in.bytes_acked;
	ti->bytes_received = in.bytes_received;
	ti->segs_out = in.segs_out;
	ti->segs_in = in.segs_in;
	ti->notsent_bytes = in.notsent;
	ti->min_rtt = in.min_rtt;
	ti->data_segs_in = in.data_segs_in;
	ti->data_segs_out = in.data_segs_out;
	ti->bytes_sent = in.bytes_sent;
	ti->bytes_retrans = in.bytes_retrans;
	ti->snd_wnd = in.snd_wnd;
	ti->rcv_wnd = in.rcv_wnd;
	ti->total_rto = (uint16_t)in.total_rto;
}

/* TCP_INFO: Linux's layout, as long as the caller's buffer allows. */
static int tcp_info(struct xsock *s, void *val, socklen_t *len)
{
	struct xs_tcp_info ti;

	memset(&ti, 0, sizeof(ti));
	ti.state = tcp_state(s);
	ti.reordering = 3; /* Linux's initial tp->reordering, in every state */
	if (s->kind == XS_CONN && s->c && ti.state != TCP_SYN_SENT)
		tcp_info_conn(s, &ti);
	if (!val || !len)
		return -EFAULT;
	memcpy(val, &ti, *len < sizeof(ti) ? *len : sizeof(ti));
	if (*len > sizeof(ti))
		*len = sizeof(ti);
	return 0;
}

static int so_error(struct xsock *s)
{
	int e = s->so_error;

	if (s->kind == XS_CONN && s->c && !e) {
		int err = xtoe_conn_error(s->c);

		e = err == -EINPROGRESS || s->reset_told ? 0 : -err;
	}
	s->so_error = 0;
	if (e && s->kind == XS_CONN)
		s->reset_told = true; /* reported: later reads see end of stream */
	return e == EBADFD ? 0 : e;
}

/* 1: ask the kernel placeholder. Locked. */
int xs_getsockopt(struct xsock *s, int fd, int level, int name, void *val,
		  socklen_t *len)
{
	(void)fd;
	xs_pump();
	if (level == SOL_SOCKET && name == SO_ERROR)
		return put_int(so_error(s), val, len);
	if (level == SOL_SOCKET && name == SO_ACCEPTCONN)
		return put_int(s->kind == XS_LISTEN, val, len);
	if (level == IPPROTO_TCP && name == TCP_INFO)
		return tcp_info(s, val, len);
	if (level == IPPROTO_TCP && name == TCP_MAXSEG && s->kind == XS_CONN && s->c)
		return put_int(s->c->fs->mss ? (int)s->c->fs->mss : 1460, val, len);
	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		return put_int(s->nodelay, val, len);
	if (level == IPPROTO_TCP && name == TCP_CORK)
		return put_int(s->cork, val, len);
	return 1;
}

/* 1: also store on the kernel placeholder. Locked. */
int xs_setsockopt(struct xsock *s, int fd, int level, int name,
		  const void *val, socklen_t len)
{
	int v = 0, err = 0;

	(void)fd;
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger lg;

		if (!val || len < sizeof(lg))
			return -EINVAL;
		memcpy(&lg, val, sizeof(lg));
		s->linger0 = lg.l_onoff && !lg.l_linger;
		return 1;
	}
	if (level == SOL_SOCKET && name == SO_RCVTIMEO)
		return (err = tv_ms(val, len, &s->rcvtimeo_ms)) ? err : 1;
	if (level == SOL_SOCKET && name == SO_SNDTIMEO)
		return (err = tv_ms(val, len, &s->sndtimeo_ms)) ? err : 1;
	if (level == SOL_SOCKET && name == SO_REUSEPORT)
		return (err = get_int(val, len, &v)) ? err : (s->reuseport = v, 1);
	if (level == SOL_SOCKET && name == SO_SNDBUF) {
		if ((err = get_int(val, len, &v)))
			return err;
		/* Linux doubles the request (room for its overhead) */
		s->sndbuf = v <= 0 ? 4608 : (uint32_t)v > 0x3fffffff ? 0x7ffffffe :
			    2u * (uint32_t)v < 4608 ? 4608 : 2u * (uint32_t)v;
		xs_sndbuf_apply(s);
		return 1;
	}
	if (level == IPPROTO_TCP && name == TCP_NOTSENT_LOWAT) {
		if ((err = get_int(val, len, &v)))
			return err;
		s->notsent_lowat = (uint32_t)v;
		return 1;
	}
	if (level == IPPROTO_TCP && name == TCP_MAXSEG && s->kind == XS_NEW) {
		/* Linux: 88 (TCP_MIN_MSS) to 65535 (MAX_TCP_WINDOW) */
		if ((err = get_int(val, len, &v)))
			return err;
		if (v && (v < 88 || v > 65535))
			return -EINVAL;
		s->user_mss = (uint16_t)v;
		return 1;
	}
	if (level == IPPROTO_TCP && (name == TCP_NODELAY || name == TCP_CORK)) {
		if ((err = get_int(val, len, &v)))
			return err;
		if (name == TCP_NODELAY)
			s->nodelay = v;
		else
			s->cork = v;
		xs_tx_mode(s);
		return 1; /* also on the placeholder: kept if it falls back to the kernel */
	}
	return 1;
}

/* SO_SNDBUF, when set, is the connection's send buffer and turns the
 * autotuning off (Linux SOCK_SNDBUF_LOCK). */
void xs_sndbuf_apply(struct xsock *s)
{
	if (s->kind == XS_CONN && s->c)
		s->c->tx_lock = s->sndbuf;
}

/* What a write may queue: the autotuned send buffer, or SO_SNDBUF. */
size_t xs_tx_limit(const struct xsock *s)
{
	return xlib_tx_limit(s->c);
}

size_t xs_tx_room(const struct xsock *s)
{
	return xtoe_tx_space(s->c);
}

/* TCP_NOTSENT_LOWAT: fewer unsent bytes than the mark (the data-path's
 * count, plus what was queued since it last looked). */
bool xs_notsent_ok(const struct xsock *s)
{
	struct xtoe_flow_info in;

	if (!s->notsent_lowat || xlib_conn_info(s->c, &in) || !in.snd_mss)
		return true;
	return s->c->tx_tail - in.tx_sent < s->notsent_lowat;
}

/* Nagle unless TCP_NODELAY; with neither TCP_CORK nor TCP_NODELAY's push
 * pending, what was queued may go (Linux: setting TCP_NODELAY or clearing
 * TCP_CORK pushes). Locked. */
void xs_tx_mode(struct xsock *s)
{
	if (s->kind != XS_CONN || !s->c || xtoe_conn_error(s->c))
		return;
	xlib_tx_flags(s->c, s->nodelay ? 0 : XTOE_TX_NAGLE);
	if (!s->cork)
		xlib_push(s->c);
}

XS_API int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct xsock *s = xs_sock(fd);
	int rc;

	if (!s)
		return REAL(getsockopt)(fd, level, name, val, len);
	xs_lock();
	rc = xs_getsockopt(s, fd, level, name, val, len);
	xs_unlock();
	if (rc == 1)
		return REAL(getsockopt)(fd, level, name, val, len);
	return rc ? xs_set_errno(rc) : 0;
}

XS_API int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct xsock *s = xs_sock(fd);
	int rc;

	if (!s)
		return REAL(setsockopt)(fd, level, name, val, len);
	xs_lock();
	rc = xs_setsockopt(s, fd, level, name, val, len);
	xs_unlock();
	if (rc == 1)
		return REAL(setsockopt)(fd, level, name, val, len);
	return rc ? xs_set_errno(rc) : 0;
}
