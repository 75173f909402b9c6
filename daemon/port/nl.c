// SPDX-License-Identifier: MIT
/*
 * rtnetlink requests over libmnl: route next hop, neighbour lookup and
 * resolution. One request at a time; each call waits for its answer.
 */
#include "nl.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[32768]; /* >= MNL_SOCKET_BUFFER_SIZE (8 KiB on 4 KiB pages) */
};

int nl_open(struct nl **out)
{
	struct nl *n;
	int err;

	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!n->sock || mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		log_err("nl: opening an rtnetlink socket failed: %s",
			strerror(-err));
		if (n->sock)
			mnl_socket_close(n->sock);
		free(n);
		return err;
	}
	n->portid = mnl_socket_get_portid(n->sock);
	n->seq = (unsigned int)time(NULL);
	*out = n;
	return 0;
}

void nl_close(struct nl *n)
{
	if (!n)
		return;
	mnl_socket_close(n->sock);
	free(n);
}

/* Send the request in n->buf and run cb over the answers until the
 * kernel's ack/done. Returns 0 or the kernel's -errno. */
static int nl_talk(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = ++n->seq;
	ssize_t len;
	int ret;

	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(n->sock, n->buf, sizeof(n->buf));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(n->buf, (size_t)len, seq, n->portid, cb, data);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

int nl_iface_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, err = 0;

	if (!ifname || strlen(ifname) >= IF_NAMESIZE)
		return -EINVAL;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		err = -EPFNOSUPPORT;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	if (err)
		log_err("nl: %s: reading the MAC address failed: %s",
			ifname, strerror(-err));
	return err;
}

/* --- routes ------------------------------------------------------------ */

struct route_ans {
	bool found;
	unsigned char type;
	uint32_t gw;
	int oif;
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct route_ans *r = data;

	switch (mnl_attr_get_type(a)) {
	case RTA_GATEWAY:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->gw = mnl_attr_get_u32(a);
		break;
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->oif = (int)mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_ans *r = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	r->found = true;
	r->type = rtm->rtm_type;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr, r);
	return MNL_CB_STOP;
}

int nl_route_nexthop(struct nl *n, uint32_t dst, uint32_t *gw, int *ifindex)
{
	struct route_ans r = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf);
	struct rtmsg *rtm;
	int err;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put_u32(nlh, RTA_DST, dst);

	err = nl_talk(n, nlh, route_cb, &r);
	if (err == -ENETUNREACH || err == -EHOSTUNREACH || err == -ESRCH)
		return -ENETUNREACH;
	if (err)
		return err;
	if (!r.found || !r.oif)
		return -ENETUNREACH;
	switch (r.type) {
	case RTN_UNICAST:
	case RTN_LOCAL:
		break;
	default: /* unreachable, blackhole, prohibit, ... */
		return -ENETUNREACH;
	}
	*gw = r.gw ? r.gw : dst;
	*ifindex = r.oif;
	return 0;
}

/* --- neighbours -------------------------------------------------------- */

struct neigh_ans {
	bool found;
	bool has_mac;
	uint16_t state;
	uint8_t mac[6];
};

static int neigh_attr(const struct nlattr *a, void *data)
{
	struct neigh_ans *r = data;

	if (mnl_attr_get_type(a) == NDA_LLADDR &&
	    mnl_attr_get_payload_len(a) == 6) {
		memcpy(r->mac, mnl_attr_get_payload(a), 6);
		r->has_mac = true;
	}
	return MNL_CB_OK;
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct neigh_ans *r = data;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || ndm->ndm_family != AF_INET)
		return MNL_CB_OK;
	r->found = true;
	r->state = ndm->ndm_state;
	mnl_attr_parse(nlh, sizeof(*ndm), neigh_attr, r);
	return MNL_CB_STOP;
}

static struct nlmsghdr *neigh_msg(struct nl *n, uint16_t type, uint16_t flags,
				  int ifindex, uint32_t ip)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put_u32(nlh, NDA_DST, ip);
	return nlh;
}

int nl_neigh_lookup(struct nl *n, int ifindex, uint32_t ip, uint8_t mac[6])
{
	struct neigh_ans r = { 0 };
	int err;

	err = nl_talk(n, neigh_msg(n, RTM_GETNEIGH, 0, ifindex, ip), neigh_cb, &r);
	if (err)
		return err == -ENOENT || err == -ENODEV ? -ENOENT : err;
	if (!r.found)
		return -ENOENT;
	if (r.state & NUD_FAILED)
		return -EHOSTUNREACH;
	if ((r.state & (NUD_REACHABLE | NUD_STALE | NUD_PERMANENT | NUD_DELAY |
			NUD_PROBE | NUD_NOARP)) && r.has_mac) {
		memcpy(mac, r.mac, 6);
		return 0;
	}
	return -EAGAIN; /* NUD_INCOMPLETE, NUD_NONE: resolution pending */
}

/* Make the kernel resolve ip by routing one datagram to it through
 * ifindex (to the discard port). */
static int poke_udp(int ifindex, uint32_t ip)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = ip,
	};
	char ifname[IF_NAMESIZE];
	int fd, err = 0;

	if (!if_indextoname((unsigned int)ifindex, ifname))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname) + 1) < 0 ||
	    (sendto(fd, "", 0, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	     errno != EAGAIN))
		err = -errno;
	close(fd);
	return err;
}

int nl_neigh_resolve(struct nl *n, int ifindex, uint32_t ip)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int err;

	/* NTF_USE on an entry (created if missing) runs neigh_event_send(),
	 * which sends an ARP request for an entry that is not valid. */
	nlh = neigh_msg(n, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_ACK, ifindex, ip);
	ndm = mnl_nlmsg_get_payload(nlh);
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;
	err = nl_talk(n, nlh, NULL, NULL);
	if (err == 0)
		return 0;
	return poke_udp(ifindex, ip);
}
