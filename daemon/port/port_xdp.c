// SPDX-License-Identifier: MIT
/*
 * The AF_XDP port (port.h): the XDP module chain and steering program on
 * the interface (steer.c), one AF_XDP socket bound to one of its queues
 * (xsk.c), and rtnetlink for routes and neighbours (nl.c).
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "nl.h"
#include "port.h"
#include "steer.h"
#include "xsk.h"

struct port_xdp {
	struct port p;
	struct xsk_port *xsk;
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

static uint32_t xdp_rx(struct port *p, struct port_frame *f, uint32_t max)
{
	return xsk_port_rx(px(p)->xsk, f, max);
}

static void xdp_free(struct port *p, uint64_t addr)
{
	xsk_port_free(px(p)->xsk, addr);
}

static bool xdp_tx_alloc(struct port *p, struct port_frame *f)
{
	return xsk_port_tx_alloc(px(p)->xsk, f);
}

static bool xdp_tx_alloc_big(struct port *p, struct port_frame *f)
{
	return xsk_port_tx_alloc_big(px(p)->xsk, f);
}

static bool xdp_tx_submit(struct port *p, uint64_t addr, uint32_t len)
{
	return xsk_port_tx_submit(px(p)->xsk, addr, len);
}

static void xdp_tx_flush(struct port *p)
{
	xsk_port_tx_flush(px(p)->xsk);
}

static uint32_t xdp_tx_pending(const struct port *p)
{
	return xsk_port_tx_pending(cpx(p)->xsk);
}

static void xdp_stats(struct port *p, struct port_stats *st)
{
	xsk_port_stats(px(p)->xsk, st);
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

	if (x->xsk)
		xsk_port_close(x->xsk);
	if (x->steer)
		steer_close(x->steer);
	if (x->nl)
		nl_close(x->nl);
	free(x);
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

static int xdp_setup(struct port_xdp *x, const struct port_xdp_cfg *cfg)
{
	struct xsk_port_cfg xc;
	int err;

	err = steer_open(&x->steer, cfg->ifname, cfg->addr, steer_mode(cfg->mode));
	if (err)
		return err;
	x->p.pin_dir = steer_pin_dir(x->steer);
	xsk_port_cfg_default(&xc);
	xc.queue = cfg->queue;
	xc.sg = !cfg->no_sg;
	err = xsk_port_open(&x->xsk, cfg->ifname, &xc);
	if (err)
		return err;
	x->p.frame_size = xsk_port_frame_size(x->xsk);
	x->p.frame_max = xsk_port_frame_max(x->xsk);
	x->p.rx_fd = xsk_port_fd(x->xsk);
	return steer_set_xsk(x->steer, cfg->queue, x->p.rx_fd);
}

int port_xdp_open(struct port **out, const struct port_xdp_cfg *cfg)
{
	struct port_xdp *x = calloc(1, sizeof(*x));
	int err;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->p.ops = &xdp_ops;
	x->p.rx_fd = -1;
	err = xdp_identity(x, cfg->ifname) ?: nl_open(&x->nl) ?: xdp_setup(x, cfg);
	if (err) {
		xdp_close(&x->p);
		return err;
	}
	*out = &x->p;
	return 0;
}
