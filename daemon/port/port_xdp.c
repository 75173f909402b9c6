// SPDX-License-Identifier: MIT
/*
 * The AF_XDP port (port.h): the XDP module chain and steering program on
 * the interface (steer.c), one AF_XDP socket per interface queue it serves
 * (xsk.c; all queues by default), and rtnetlink for routes and neighbours
 * (nl.c).
 *
 * Several queues, one data-path thread: each socket has its own UMEM; a
 * frame's handle carries the index of the socket it belongs to in bits
 * 48..55 (UMEM offsets and big-frame handles stay below and at bit 62), so
 * a frame is freed or sent through its own socket. Receive takes from
 * every socket in turn, starting one further each round; new frames are
 * built in the first socket's UMEM; the data-path sleeps on an epoll fd
 * over all sockets.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "nl.h"
#include "port.h"
#include "steer.h"
#include "xsk.h"

#define XQ_SHIFT 48
#define XDP_FRAME_L2 (14 + 4) /* Ethernet and a VLAN tag around the IP packet */
#define XQ_MASK  (0xffull << XQ_SHIFT)

struct port_xdp {
	struct port p;
	struct xsk_port *xsk[PORT_XDP_MAX_QUEUES];
	uint32_t nq, rx_next;
	bool view;              /* a worker's (xdp_view): its sockets are not its own */
	int epfd;               /* over every socket when there are several */
	struct steer *steer;
	struct nl *nl;
	int ifindex;
	char ifname[IF_NAMESIZE];
};

static struct port_xdp *px(struct port *p)
{
	return (struct port_xdp *)p;
}

static const struct port_xdp *cpx(const struct port *p)
{
	return (const struct port_xdp *)p;
}

static inline uint64_t tag(uint32_t q, uint64_t addr)
{
	return addr | (uint64_t)q << XQ_SHIFT;
}

/* The socket a frame handle belongs to, and the handle it knows. */
static inline struct xsk_port *owner(const struct port_xdp *x, uint64_t addr, uint64_t *inner)
{
	uint32_t q = (uint32_t)((addr & XQ_MASK) >> XQ_SHIFT);

	*inner = addr & ~XQ_MASK;
	return x->xsk[q < x->nq ? q : 0];
}

static uint32_t xdp_rx(struct port *p, struct port_frame *f, uint32_t max)
{
	struct port_xdp *x = px(p);
	uint32_t n = 0;

	for (uint32_t k = 0; k < x->nq && n < max; k++) {
		uint32_t q = (x->rx_next + k) % x->nq;
		uint32_t got = xsk_port_rx(x->xsk[q], f + n, max - n);

		for (uint32_t i = n; q && i < n + got; i++)
			f[i].addr = tag(q, f[i].addr);
		n += got;
	}
	x->rx_next = (x->rx_next + 1) % x->nq;
	return n;
}

static void xdp_free(struct port *p, uint64_t addr)
{
	uint64_t inner;
	struct xsk_port *k = owner(px(p), addr, &inner);

	xsk_port_free(k, inner);
}

static bool xdp_tx_alloc(struct port *p, struct port_frame *f)
{
	return xsk_port_tx_alloc(px(p)->xsk[0], f);
}

static bool xdp_tx_alloc_big(struct port *p, struct port_frame *f)
{
	return xsk_port_tx_alloc_big(px(p)->xsk[0], f);
}

static bool xdp_tx_submit(struct port *p, uint64_t addr, uint32_t len)
{
	uint64_t inner;
	struct xsk_port *k = owner(px(p), addr, &inner);

	return xsk_port_tx_submit(k, inner, len);
}

static void xdp_tx_flush(struct port *p)
{
	struct port_xdp *x = px(p);

	for (uint32_t q = 0; q < x->nq; q++)
		xsk_port_tx_flush(x->xsk[q]);
}

static uint32_t xdp_tx_pending(const struct port *p)
{
	const struct port_xdp *x = cpx(p);
	uint32_t n = 0;

	for (uint32_t q = 0; q < x->nq; q++)
		n += xsk_port_tx_pending(x->xsk[q]);
	return n;
}

static void stats_add(struct port_stats *a, const struct port_stats *b)
{
	a->rx_frames += b->rx_frames;
	a->tx_frames += b->tx_frames;
	a->tx_drops += b->tx_drops;
	a->tx_kicks += b->tx_kicks;
	a->tx_gso_frames += b->tx_gso_frames;
	a->tx_gso_segs += b->tx_gso_segs;
	a->tx_gso_busy += b->tx_gso_busy;
	a->rx_dropped += b->rx_dropped;
	a->rx_invalid += b->rx_invalid;
	a->rx_ring_full += b->rx_ring_full;
	a->fill_empty += b->fill_empty;
	a->frames_free += b->frames_free;
	a->frames_total += b->frames_total;
}

static void xdp_stats(struct port *p, struct port_stats *st)
{
	struct port_xdp *x = px(p);

	memset(st, 0, sizeof(*st));
	for (uint32_t q = 0; q < x->nq; q++) {
		struct port_stats one;

		xsk_port_stats(x->xsk[q], &one);
		stats_add(st, &one);
	}
}

static int xdp_steer_listen(struct port *p, uint16_t port, bool on)
{
	return on ? steer_add_listen(px(p)->steer, port) : steer_del_listen(px(p)->steer, port);
}

static int xdp_steer_flow(struct port *p, const struct port_tuple *t, bool on)
{
	struct steer *s = px(p)->steer;

	return on ? steer_add_flow(s, t->laddr, t->lport, t->raddr, t->rport) :
		    steer_del_flow(s, t->laddr, t->lport, t->raddr, t->rport);
}

static int xdp_next_hop(struct port *p, uint32_t daddr, uint8_t mac[6], bool ask)
{
	struct port_xdp *x = px(p);
	uint32_t gw;
	int ifindex, err;

	err = nl_route_nexthop(x->nl, daddr, &gw, &ifindex);
	if (err)
		return err;
	if (ifindex != x->ifindex)
		return -ENETUNREACH;
	err = nl_neigh_lookup(x->nl, ifindex, gw, mac);
	if (err == -ENOENT || err == -EAGAIN || err == -EHOSTUNREACH) {
		if (ask)
			nl_neigh_resolve(x->nl, ifindex, gw);
		return -EAGAIN;
	}
	return err;
}

static int xdp_attach(struct port *p)
{
	return steer_attach(px(p)->steer);
}

static int xdp_keep_chain(struct port *p, bool keep)
{
	return steer_keep_link(px(p)->steer, keep);
}

static void xdp_close(struct port *p)
{
	struct port_xdp *x = px(p);

	for (uint32_t q = 0; q < x->nq && !x->view; q++)
		xsk_port_close(x->xsk[q]);
	if (x->epfd >= 0)
		close(x->epfd);
	if (x->steer)
		steer_close(x->steer);
	if (x->nl)
		nl_close(x->nl);
	free(x);
}

static uint32_t xdp_lanes(const struct port *p)
{
	return cpx(p)->nq;
}

static int rx_fd_setup(struct port_xdp *x);

/* Worker w's queues of n: q % n == w. The view's frame handles are tagged
 * with its own socket indices; a worker's frames never leave its view.
 * It has no steering or rtnetlink of its own (the control plane's). */
static struct port *xdp_view(struct port *p, uint32_t w, uint32_t n)
{
	struct port_xdp *x = px(p), *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->p = x->p;
	v->view = true;
	v->p.rx_fd = -1;
	v->epfd = -1;
	v->ifindex = x->ifindex;
	memcpy(v->ifname, x->ifname, sizeof(v->ifname));
	for (uint32_t q = w; q < x->nq; q += n)
		v->xsk[v->nq++] = x->xsk[q];
	if (!v->nq || rx_fd_setup(v)) {
		xdp_close(&v->p);
		return NULL;
	}
	return &v->p;
}

static const struct port_ops xdp_ops = {
	.rx = xdp_rx,
	.free = xdp_free,
	.tx_alloc = xdp_tx_alloc,
	.tx_alloc_big = xdp_tx_alloc_big,
	.tx_submit = xdp_tx_submit,
	.tx_flush = xdp_tx_flush,
	.tx_pending = xdp_tx_pending,
	.stats = xdp_stats,
	.steer_listen = xdp_steer_listen,
	.steer_flow = xdp_steer_flow,
	.next_hop = xdp_next_hop,
	.attach = xdp_attach,
	.keep_chain = xdp_keep_chain,
	.close = xdp_close,
	.lanes = xdp_lanes,
	.view = xdp_view,
};

int port_xdp_parse_mode(const char *s, enum port_xdp_mode *mode)
{
	enum steer_xdp_mode m;

	if (steer_parse_mode(s, &m))
		return -EINVAL;
	*mode = m == STEER_XDP_HW ? PORT_XDP_HW :
		m == STEER_XDP_SKB ? PORT_XDP_SKB : PORT_XDP_NATIVE;
	return 0;
}

static enum steer_xdp_mode steer_mode(enum port_xdp_mode m)
{
	return m == PORT_XDP_HW ? STEER_XDP_HW :
	       m == PORT_XDP_SKB ? STEER_XDP_SKB : STEER_XDP_NATIVE;
}

static int xdp_identity(struct port_xdp *x, const char *ifname)
{
	int err;

	if (strlen(ifname) >= sizeof(x->ifname)) {
		log_err("interface name '%s' is too long", ifname);
		return -EINVAL;
	}
	strcpy(x->ifname, ifname);
	x->p.name = x->ifname;
	x->ifindex = x->p.ifindex = (int)if_nametoindex(ifname);
	if (!x->ifindex) {
		log_err("no interface '%s'; check 'ip link'", ifname);
		return -ENODEV;
	}
	err = nl_iface_mac(ifname, x->p.mac);
	if (err)
		log_err("cannot read the MAC address of %s: %s", ifname, strerror(-err));
	return err;
}

/* The interface's receive queues (ethtool channels; 1 when the driver
 * does not say). */
static uint32_t iface_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t n = 1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	if (fd >= 0 && !ioctl(fd, SIOCETHTOOL, &ifr) && ch.rx_count + ch.combined_count)
		n = ch.rx_count + ch.combined_count;
	if (fd >= 0)
		close(fd);
	return n;
}

/* The queues to serve: the configured ones, or every queue. */
static int pick_queues(const struct port_xdp_cfg *cfg, uint32_t *qs, uint32_t *nq)
{
	uint32_t have = iface_queues(cfg->ifname);

	if (!cfg->nqueues) {
		*nq = have < PORT_XDP_MAX_QUEUES ? have : PORT_XDP_MAX_QUEUES;
		for (uint32_t i = 0; i < *nq; i++)
			qs[i] = i;
		if (have > *nq)
			log_warn("%s: serving its first %u of %u queues; frames of the "
				 "others go to the kernel", cfg->ifname, *nq, have);
		return 0;
	}
	for (uint32_t i = 0; i < cfg->nqueues; i++)
		if (cfg->queues[i] >= have) {
			log_err("%s has %u queue%s (ethtool -l); there is no queue %u",
				cfg->ifname, have, have == 1 ? "" : "s", cfg->queues[i]);
			return -EINVAL;
		}
	*nq = cfg->nqueues;
	memcpy(qs, cfg->queues, *nq * sizeof(*qs));
	return 0;
}

/* One fd that is readable when any socket has frames. */
static int rx_fd_setup(struct port_xdp *x)
{
	if (x->nq == 1) {
		x->p.rx_fd = xsk_port_fd(x->xsk[0]);
		return 0;
	}
	x->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x->epfd < 0)
		return -errno;
	for (uint32_t q = 0; q < x->nq; q++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = q };

		if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, xsk_port_fd(x->xsk[q]), &ev))
			return -errno;
	}
	x->p.rx_fd = x->epfd;
	return 0;
}

static int open_queue(struct port_xdp *x, const struct port_xdp_cfg *cfg, uint32_t queue)
{
	struct xsk_port_cfg xc;
	struct xsk_port *k;
	int err;

	xsk_port_cfg_default(&xc);
	xc.queue = queue;
	xc.sg = !cfg->no_sg;
	xc.gso = cfg->tx_gso;
	if (x->nq >= 2) /* memory: fewer frames a socket when there are many */
		xc.num_frames = 4096;
	if (xc.sg && cfg->mtu + XDP_FRAME_L2 > xsk_port_cfg_room(&xc)) {
		/* jumbo frames: half as many UMEM frames of twice the size,
		 * so a 9000-byte packet is three descriptors, not six (the
		 * kernel gives each descriptor after the first a page of its
		 * own in copy mode). Without multi-buffer a packet must fit
		 * one page of the veth's XDP buffer: frames stay 2048. */
		xc.frame_size = 4096;
		xc.num_frames /= 2;
		xc.ring_size = xc.num_frames / 2;
	}
	err = xsk_port_open(&k, cfg->ifname, &xc);
	if (err)
		return err;
	x->xsk[x->nq++] = k;
	return steer_set_xsk(x->steer, queue, xsk_port_fd(k));
}

static int xdp_setup(struct port_xdp *x, const struct port_xdp_cfg *cfg)
{
	uint32_t qs[PORT_XDP_MAX_QUEUES], nq = 0;
	int err;

	err = steer_open(&x->steer, cfg->ifname, cfg->addr, steer_mode(cfg->mode)) ?:
	      pick_queues(cfg, qs, &nq);
	if (err)
		return err;
	x->p.pin_dir = steer_pin_dir(x->steer);
	for (uint32_t i = 0; i < nq && !err; i++)
		err = open_queue(x, cfg, qs[i]);
	if (err)
		return err;
	x->p.frame_size = xsk_port_frame_size(x->xsk[0]);
	x->p.frame_max = xsk_port_frame_max(x->xsk[0]);
	for (uint32_t q = 1; q < x->nq; q++)
		if (xsk_port_frame_max(x->xsk[q]) < x->p.frame_max)
			x->p.frame_max = xsk_port_frame_max(x->xsk[q]);
	if (nq > 1)
		log_info("%s: serving %u queues", cfg->ifname, nq);
	return rx_fd_setup(x);
}

int port_xdp_open(struct port **out, const struct port_xdp_cfg *cfg)
{
	struct port_xdp *x = calloc(1, sizeof(*x));
	int err;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->p.ops = &xdp_ops;
	x->p.kernel_shared = true;
	x->p.rx_fd = -1;
	x->epfd = -1;
	err = xdp_identity(x, cfg->ifname) ?: nl_open(&x->nl) ?: xdp_setup(x, cfg);
	if (err) {
		xdp_close(&x->p);
		return err;
	}
	*out = &x->p;
	return 0;
}
