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
	uint32_t st;
	int err;

	if (s->kind == XS_LISTEN)
		return TCP_LISTEN;
	if (s->kind == XS_NEW || !s->c)
		return TCP_CLOSE;
	err = xtoe_conn_error(s->c);
	if (err == -EINPROGRESS)
		return TCP_SYN_SENT;
	if (err)
		return TCP_CLOSE;
	st = atomic_load(&s->c->fs->status);
	if ((st & XTOE_FS_RX_FIN) && s->wr_shut)
		return TCP_LAST_ACK;
	if (st & XTOE_FS_RX_FIN)
		return TCP_CLOSE_WAIT;
	return s->wr_shut ? TCP_FIN_WAIT1 : TCP_ESTABLISHED;
}

/* TCP_INFO with the fields xtoe knows; the rest stay 0 as on a fresh socket. */
static int tcp_info(struct xsock *s, void *val, socklen_t *len)
{
	struct tcp_info ti;
	struct xtoe_conn *c = s->c;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = tcp_state(s);
	if (s->kind == XS_CONN && c) {
		uint32_t mss = c->fs->mss ? c->fs->mss : 1460;

		ti.tcpi_snd_mss = ti.tcpi_rcv_mss = ti.tcpi_advmss = mss;
		ti.tcpi_pmtu = mss + 40;
		ti.tcpi_snd_cwnd = c->tx_size / mss;
		ti.tcpi_rcv_space = c->rx_size;
		ti.tcpi_snd_ssthresh = 0x7fffffff;
		ti.tcpi_unacked = (c->tx_tail - atomic_load(&c->fs->tx_head)) / mss;
		ti.tcpi_rto = 200000;
		ti.tcpi_ato = 40000;
	}
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
	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		return (err = get_int(val, len, &v)) ? err : (s->nodelay = v, 0);
	if (level == IPPROTO_TCP && name == TCP_CORK)
		return (err = get_int(val, len, &v)) ? err : (s->cork = v, 0);
	return 1;
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
