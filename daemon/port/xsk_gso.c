// SPDX-License-Identifier: MIT
/*
 * Merged transmit: before the local tx batch goes to the AF_XDP ring, each
 * run of one flow's consecutive segments in it (tx_merge.h) is sent as one
 * GSO frame through a packet socket bound to the interface: a
 * virtio_net_hdr, the merged headers, then the segments' payloads gathered
 * straight from their UMEM frames (the kernel copies them once, as the
 * copy-mode AF_XDP transmit would). Its frames are free again when sendmsg
 * returns. A Linux peer on a veth takes the frame whole when our end has
 * TSO; otherwise the kernel segments it (and checksums the segments) at
 * dev_queue_xmit.
 *
 * Order on the wire is kept: frames queued before a run are published to
 * the ring and kicked first (a copy-mode kick sends them in the call), and
 * a run goes out through the packet socket only once the ring is empty;
 * otherwise it stays in the batch and leaves through the ring like the rest.
 */
#include "xsk_gso.h"
#include "xsk_impl.h"
#include "tx_merge.h"
#include "common/log.h"
#include "bpf/capture.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct xsk_gso {
	int fd;
	int ifindex;
	struct tx_pkt pkts[XSK_TX_BATCH];
	uint32_t ndesc[XSK_TX_BATCH]; /* descriptors of each packet */
	struct iovec iov[TX_MERGE_MAX_SEGS + 2];
	uint8_t hdr[TX_MERGE_HDR_MAX];
	struct virtio_net_hdr vh;
};

/* Whether TCP segmentation offload is on for ifname. */
static bool has_tso(int fd, const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GTSO };
	struct ifreq ifr = { .ifr_data = (void *)&ev };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	return !ioctl(fd, SIOCETHTOOL, &ifr) && ev.data;
}

int xsk_gso_open(struct xsk_port *p, bool auto_mode)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct xsk_gso *g;
	int one = 1, err;
	uint32_t mark = CAPTURE_XTOE_TX_MARK;

	/* no PACKET_QDISC_BYPASS: its direct transmit drops a frame the kernel
	 * has to segment (an end without TSO) instead of sending the segments */

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->ifindex = (int)if_nametoindex(p->ifname);
	g->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* 0: receives nothing */
	sll.sll_ifindex = g->ifindex;
	if (!g->ifindex || g->fd < 0 ||
	    setsockopt(g->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    setsockopt(g->fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    bind(g->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		log_warn("xsk: %s: merged transmit (--tx-gso) is off: the packet socket "
			 "for it could not be set up: %s; frames go out one by one "
			 "through AF_XDP", p->ifname, strerror(-err));
		if (g->fd >= 0)
			close(g->fd);
		free(g);
		return err;
	}
	if (auto_mode && !has_tso(g->fd, p->ifname)) {
		log_notice("xsk: %s: merged transmit off: the interface has no TSO "
			   "(ethtool -k; a veth whose peer runs XDP loses it), so the "
			   "kernel would segment again; --tx-gso on forces it", p->ifname);
		close(g->fd);
		free(g);
		return -EOPNOTSUPP;
	}
	p->gso = g;
	return 0;
}

void xsk_gso_close(struct xsk_port *p)
{
	if (!p->gso)
		return;
	close(p->gso->fd);
	free(p->gso);
	p->gso = NULL;
}

/* The local batch as packets (a packet's descriptors together); returns
 * how many. */
static uint32_t batch_packets(struct xsk_port *p, struct xsk_gso *g)
{
	uint32_t np = 0, i = 0;

	while (i < p->txq_n) {
		uint32_t j = i, len = 0;

		while (j < p->txq_n && (p->txq[j].options & XDP_PKT_CONTD))
			len += p->txq[j++].len;
		if (j == p->txq_n)
			break; /* an unfinished packet: never merged */
		len += p->txq[j].len;
		g->pkts[np].data = p->area + p->txq[i].addr;
		g->pkts[np].len = len;
		g->ndesc[np++] = j - i + 1;
		i = j + 1;
	}
	return np;
}

static bool ring_empty(struct xsk_port *p)
{
	return xsk_prod_nb_free(&p->tx, p->ring_size) >= p->ring_size;
}

/* Send pkts[0..k) as one frame; 0 or -errno. */
static int send_run(struct xsk_gso *g, const struct tx_pkt *pkts, uint32_t k)
{
	uint32_t hlen = tx_merge_hdr(pkts, k, g->hdr, &g->vh);
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = g->ifindex,
	};
	struct msghdr m = {
		.msg_name = &sll,
		.msg_namelen = sizeof(sll),
		.msg_iov = g->iov,
		.msg_iovlen = k + 2,
	};

	memcpy(&sll.sll_protocol, g->hdr + 12, 2); /* the frame's EtherType */
	g->iov[0] = (struct iovec){ &g->vh, sizeof(g->vh) };
	g->iov[1] = (struct iovec){ g->hdr, hlen };
	for (uint32_t i = 0; i < k; i++)
		g->iov[i + 2] = (struct iovec){ (void *)(pkts[i].data + hlen),
						pkts[i].len - hlen };
	if (sendmsg(g->fd, &m, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

/* The first nd descriptors of the batch were sent otherwise: their frames
 * are free again. */
static void drop_sent(struct xsk_port *p, uint32_t nd)
{
	for (uint32_t i = 0; i < nd; i++) {
		uint64_t base = frame_base(p, p->txq[i].addr);
		uint32_t fi = frame_idx(p, base);

		if (fi >= p->btx_first)
			btx_done(p, fi);
		else if (move(p, fi, FR_TXQ, FR_FREE))
			push_free(p, base);
	}
	p->txq_n -= nd;
	memmove(p->txq, p->txq + nd, p->txq_n * sizeof(p->txq[0]));
}

/* Frames before a run to the ring, and the ring sent: true when it is
 * empty, so the run can follow through the packet socket. */
static bool ring_sent(struct xsk_port *p, uint32_t before)
{
	if (before && publish_upto(p, before) != before)
		return false;
	if (ring_empty(p))
		return true;
	kick_tx(p);
	return ring_empty(p);
}

/* A send that failed: kept for the ring; a lasting error turns merging
 * off for good (the batch goes through AF_XDP as before). */
static void send_failed(struct xsk_port *p, int err)
{
	if (err == -EAGAIN || err == -ENOBUFS || err == -EINTR || err == -ENETDOWN) {
		p->st.tx_gso_busy++;
		return;
	}
	log_warn("xsk: %s: merged transmit (--tx-gso) turned off: sending a merged "
		 "frame failed: %s; frames go out one by one through AF_XDP",
		 p->ifname, strerror(-err));
	xsk_gso_close(p);
}

void xsk_gso_send_runs(struct xsk_port *p)
{
	struct xsk_gso *g = p->gso;
	uint32_t np = batch_packets(p, g), pi = 0, before = 0, k, nd;
	int err;

	while (pi < np) {
		k = tx_merge_run(g->pkts + pi, np - pi, TX_MERGE_MAX_IP);
		if (k < 2) {
			before += g->ndesc[pi++]; /* to the ring, ahead of a run */
			continue;
		}
		if (!ring_sent(p, before))
			return;
		before = 0;
		err = send_run(g, g->pkts + pi, k);
		if (err) {
			send_failed(p, err);
			return;
		}
		p->st.tx_gso_frames++;
		p->st.tx_gso_segs += k;
		for (nd = 0; k--; pi++)
			nd += g->ndesc[pi];
		drop_sent(p, nd);
	}
}
