// SPDX-License-Identifier: MIT
/*
 * xsk_probe: exercise the AF_XDP port, the steering program and the
 * rtnetlink helper on a real interface (used by test/bats/xsk.bats).
 *
 *   xsk_probe syn IFNAME ADDR PORT MODE [TIMEOUT_S]
 *	Attach steering (MODE native|skb), open an XSK on queue 0, listen on
 *	ADDR:PORT, answer the first SYN with a SYN-ACK built in place in the
 *	received frame, wait for its completion, print counters and check
 *	that every UMEM frame is accounted for. Prints "ready" when set up.
 *   xsk_probe burst IFNAME N
 *	Open an XSK (no steering), queue N frames of an unused EtherType to
 *	the broadcast address in one round, flush once, wait for every
 *	completion; print the kicks it took and the kernel's per-kick budget.
 *   xsk_probe neigh IFNAME ADDR [TIMEOUT_S]
 *	Route lookup, then neighbour resolution until the MAC is known.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/port/nl.h"
#include "daemon/port/steer.h"
#include "daemon/port/xsk.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

/* Turn a received SYN into a SYN-ACK in place; returns the new length or
 * 0 when the frame is not a SYN to port. */
static uint32_t make_synack(uint8_t *f, uint32_t len, uint16_t port)
{
	struct ethhdr eth;
	struct iphdr ip;
	struct tcphdr tcp;
	uint8_t mac[ETH_ALEN];
	uint32_t a, sum, seq;
	uint16_t p;
	uint8_t pseudo[12];

	if (len < sizeof(eth) + sizeof(ip) + sizeof(tcp))
		return 0;
	memcpy(&eth, f, sizeof(eth));
	memcpy(&ip, f + sizeof(eth), sizeof(ip));
	if (eth.h_proto != htons(ETH_P_IP) || ip.protocol != IPPROTO_TCP ||
	    ip.ihl < 5 || len < sizeof(eth) + ip.ihl * 4u + sizeof(tcp))
		return 0;
	memcpy(&tcp, f + sizeof(eth) + ip.ihl * 4, sizeof(tcp));
	if (!tcp.syn || tcp.ack || tcp.dest != htons(port))
		return 0;

	memcpy(mac, eth.h_dest, ETH_ALEN);
	memcpy(eth.h_dest, eth.h_source, ETH_ALEN);
	memcpy(eth.h_source, mac, ETH_ALEN);
	a = ip.saddr; ip.saddr = ip.daddr; ip.daddr = a;
	ip.ihl = 5;
	ip.tot_len = htons(sizeof(ip) + sizeof(tcp));
	ip.frag_off = htons(0x4000);
	ip.ttl = 64;
	ip.check = 0;
	ip.check = htons(csum_fold(csum_add(0, &ip, sizeof(ip))));

	seq = ntohl(tcp.seq);
	p = tcp.source; tcp.source = tcp.dest; tcp.dest = p;
	tcp.ack_seq = htonl(seq + 1);
	tcp.seq = htonl(0x12345678);
	memset((uint8_t *)&tcp + 12, 0, 2); /* doff + flags */
	tcp.doff = 5;
	tcp.syn = 1;
	tcp.ack = 1;
	tcp.window = htons(65535);
	tcp.urg_ptr = 0;
	tcp.check = 0;
	memcpy(pseudo, &ip.saddr, 4);
	memcpy(pseudo + 4, &ip.daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = sizeof(tcp);
	sum = csum_add(0, pseudo, sizeof(pseudo));
	sum = csum_add(sum, &tcp, sizeof(tcp));
	tcp.check = htons(csum_fold(sum));

	memcpy(f, &eth, sizeof(eth));
	memcpy(f + sizeof(eth), &ip, sizeof(ip));
	memcpy(f + sizeof(eth) + sizeof(ip), &tcp, sizeof(tcp));
	return sizeof(eth) + sizeof(ip) + sizeof(tcp);
}

static int do_syn(const char *ifname, const char *addr_s, int port,
		  const char *mode_s, double timeout)
{
	struct xsk_port_cfg cfg;
	struct xsk_port *x = NULL;
	struct steer *s = NULL;
	struct steer_stats ss;
	struct port_stats xs;
	enum steer_xdp_mode mode;
	struct in_addr addr;
	double end = now() + timeout;
	int answered = 0, rc = 1;

	if (inet_pton(AF_INET, addr_s, &addr) != 1 ||
	    steer_parse_mode(mode_s, &mode)) {
		fprintf(stderr, "bad address or mode\n");
		return 2;
	}
	if (steer_open(&s, ifname, addr.s_addr, mode))
		return 1;
	xsk_port_cfg_default(&cfg);
	cfg.num_frames = 4096;
	cfg.ring_size = 1024;
	if (xsk_port_open(&x, ifname, &cfg) ||
	    steer_set_xsk(s, 0, xsk_port_fd(x)) ||
	    steer_add_listen(s, htons((uint16_t)port)) || steer_attach(s))
		goto out;
	printf("ready pin=%s\n", steer_pin_dir(s));
	fflush(stdout);

	while (now() < end && (!answered || xsk_port_tx_pending(x))) {
		struct pollfd pfd = { .fd = xsk_port_fd(x), .events = POLLIN };
		struct port_frame fr[16];
		uint32_t n, i;

		poll(&pfd, 1, 10);
		n = xsk_port_rx(x, fr, 16);
		for (i = 0; i < n; i++) {
			uint32_t len = answered ? 0 : make_synack(fr[i].data, fr[i].len,
								  (uint16_t)port);
			if (len && xsk_port_tx_submit(x, fr[i].addr, len)) {
				answered = 1;
				printf("syn-ack sent\n");
			} else if (!len) {
				xsk_port_free(x, fr[i].addr);
			}
		}
		xsk_port_tx_flush(x);
	}
	/* give the peer's ACK a moment, then drain */
	for (end = now() + 0.2; now() < end;) {
		struct port_frame fr[16];
		uint32_t n = xsk_port_rx(x, fr, 16);

		for (uint32_t i = 0; i < n; i++)
			xsk_port_free(x, fr[i].addr);
		xsk_port_tx_flush(x);
	}
	xsk_port_stats(x, &xs);
	steer_stats(s, &ss);
	printf("xsk rx=%llu tx=%llu drops=%llu kicks=%llu free=%u/%u kdrop=%llu\n",
	       (unsigned long long)xs.rx_frames, (unsigned long long)xs.tx_frames,
	       (unsigned long long)xs.tx_drops, (unsigned long long)xs.tx_kicks,
	       xs.frames_free, xs.frames_total, (unsigned long long)xs.rx_dropped);
	printf("steer frames=%llu to_xsk=%llu to_kernel=%llu\n",
	       (unsigned long long)ss.frames, (unsigned long long)ss.to_xsk,
	       (unsigned long long)ss.to_kernel);
	printf("accounted=%s\n", xsk_port_frames_accounted(x) ? "yes" : "no");
	rc = answered && xsk_port_frames_accounted(x) && ss.to_xsk >= 1 ? 0 : 1;
out:
	xsk_port_close(x);
	steer_close(s);
	return rc;
}

static int do_neigh(const char *ifname, const char *addr_s, double timeout)
{
	struct in_addr addr;
	struct nl *n;
	uint32_t gw;
	uint8_t mac[6];
	int ifindex, err, tries = 0;
	double end = now() + timeout;

	if (inet_pton(AF_INET, addr_s, &addr) != 1)
		return 2;
	if (nl_open(&n))
		return 1;
	err = nl_route_nexthop(n, addr.s_addr, &gw, &ifindex);
	if (err) {
		printf("route: %s\n", strerror(-err));
		nl_close(n);
		return 1;
	}
	printf("route: gw=%s oif=%d (%s expected %u)\n", inet_ntoa(*(struct in_addr *)&gw),
	       ifindex, ifname, if_nametoindex(ifname));
	err = nl_neigh_lookup(n, ifindex, gw, mac);
	printf("lookup before: %s\n", err ? strerror(-err) : "resolved");
	while (now() < end) {
		if (tries++ == 0 || err == -ENOENT || err == -EHOSTUNREACH) {
			int r = nl_neigh_resolve(n, ifindex, gw);
			printf("resolve: %s\n", r ? strerror(-r) : "requested");
		}
		err = nl_neigh_lookup(n, ifindex, gw, mac);
		if (!err)
			break;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (!err)
		printf("mac %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1],
		       mac[2], mac[3], mac[4], mac[5]);
	else
		printf("lookup: %s\n", strerror(-err));
	nl_close(n);
	return err ? 1 : 0;
}

/* N frames queued in one round, one flush, then completions only. */
static int do_burst(const char *ifname, uint32_t n)
{
	static const uint8_t hdr[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5 };
	struct xsk_port_cfg cfg;
	struct xsk_port *x = NULL;
	struct port_stats xs;
	double end = now() + 5.0;
	uint32_t i, sent = 0;
	int rc = 1;

	xsk_port_cfg_default(&cfg);
	cfg.num_frames = 4096;
	cfg.ring_size = 1024;
	cfg.bind = XSK_BIND_COPY;
	if (xsk_port_open(&x, ifname, &cfg))
		return 1;
	for (i = 0; i < n; i++) {
		struct port_frame f;

		if (!xsk_port_tx_alloc(x, &f))
			break;
		memcpy(f.data, hdr, sizeof(hdr));
		memset(f.data + sizeof(hdr), 0, 60 - sizeof(hdr));
		sent += xsk_port_tx_submit(x, f.addr, 60);
	}
	xsk_port_tx_flush(x);
	while (xsk_port_tx_pending(x) && now() < end) {
		struct timespec ts = { 0, 1000 * 1000 };

		nanosleep(&ts, NULL);
		xsk_port_tx_flush(x);
	}
	xsk_port_stats(x, &xs);
	printf("burst frames=%u tx=%llu kicks=%llu budget=%u pending=%u\n", sent,
	       (unsigned long long)xs.tx_frames, (unsigned long long)xs.tx_kicks,
	       xsk_port_tx_budget(x), xsk_port_tx_pending(x));
	printf("accounted=%s\n", xsk_port_frames_accounted(x) ? "yes" : "no");
	rc = sent == n && !xsk_port_tx_pending(x) && xsk_port_frames_accounted(x) ? 0 : 1;
	xsk_port_close(x);
	return rc;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "syn"))
		return do_syn(argv[2], argv[3], atoi(argv[4]), argv[5],
			      argc > 6 ? atof(argv[6]) : 5.0);
	if (argc >= 4 && !strcmp(argv[1], "burst"))
		return do_burst(argv[2], (uint32_t)atoi(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "neigh"))
		return do_neigh(argv[2], argv[3], argc > 4 ? atof(argv[4]) : 3.0);
	fprintf(stderr, "usage: xsk_probe syn IFNAME ADDR PORT native|skb [TIMEOUT]\n"
			"       xsk_probe burst IFNAME N\n"
			"       xsk_probe neigh IFNAME ADDR [TIMEOUT]\n");
	return 2;
}
