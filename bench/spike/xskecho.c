/* SPDX-License-Identifier: MIT */
/*
 * SPIKE (issue 17: a measurement tool, not a placement): the floor of
 * "the TCP data-path in the application's own thread". This process owns
 * an AF_XDP socket on the interface (xtoe's steering program delivers the
 * port's frames to it; everything else passes to the kernel) and answers a
 * closed-loop TCP echo client in its one thread, turning each received
 * segment into its reply in place: SYN -> SYN-ACK, data -> the same bytes
 * back with the ACK, FIN -> FIN-ACK. No retransmission, options, windows
 * or congestion control: a best case, for a clean veth only.
 *
 *   xskecho IFNAME ADDR PORT [--spin] [--tx xsk|progrun] [-t SECONDS]
 *
 * Waiting: blocked in poll() on the socket (default), or --spin (never
 * sleeps). Transmit: xsk (the socket's own tx ring and a sendto kick: the
 * direct mode, no check), or progrun: every reply goes through a checker
 * XDP program (bench/spike/txcheck.bpf.c: source address and port must be
 * ours) run by BPF_PROG_RUN with live frames, which transmits it on the
 * interface (the XDP-receive placement's checked transmit; needs CAP_BPF
 * and CAP_NET_ADMIN, so an unprivileged application could not do it).
 * Prints `ready` when serving; at the end `name value unit` counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/tcp.h"
#include "daemon/port/steer.h"
#include "daemon/port/xsk.h"

#define MAX_FLOWS 64
#define HDR_LEN (14 + 20 + 20)

struct flow {
	uint32_t raddr;
	uint16_t rport;
	bool used;
	uint32_t rcv_nxt, snd_nxt;
};

struct spike {
	struct xsk_port *x;
	struct steer *s;
	uint32_t addr;
	uint16_t port;          /* network order */
	int ifindex;
	int chk_fd;             /* the checker program (--tx progrun), else -1 */
	struct bpf_object *chk;
	bool spin;
	struct flow flows[MAX_FLOWS];
	uint64_t replies, tx_fail, waits;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct flow *flow_find(struct spike *sp, uint32_t raddr, uint16_t rport, bool add)
{
	struct flow *free_f = NULL;

	for (int i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &sp->flows[i];

		if (f->used && f->raddr == raddr && f->rport == rport)
			return f;
		if (!f->used && !free_f)
			free_f = f;
	}
	if (!add || !free_f)
		return NULL;
	*free_f = (struct flow){ .raddr = raddr, .rport = rport, .used = true };
	return free_f;
}

/* The reply's header values for segment g of flow f; false: no reply. */
static bool reply_for(struct flow *f, const struct tcp_seg *g, struct tcp_hdrvals *h)
{
	*h = (struct tcp_hdrvals){ .wnd = 65535, .wscale = -1, .flags = TCP_F_ACK };
	if (g->flags & TCP_F_RST) {
		f->used = false;
		return false;
	}
	if (g->flags & TCP_F_SYN) {
		f->rcv_nxt = g->seq + 1;
		f->snd_nxt = 0x5eed0000;
		h->flags |= TCP_F_SYN;
		h->mss = 1460;
		h->seq = f->snd_nxt++;
		h->ack = f->rcv_nxt;
		return true;
	}
	if (!g->len && !(g->flags & TCP_F_FIN))
		return false; /* a pure ACK */
	if (g->seq != f->rcv_nxt) /* out of order: repeat our ACK */
		g = NULL;
	else
		f->rcv_nxt += g->len + !!(g->flags & TCP_F_FIN);
	h->seq = f->snd_nxt;
	h->ack = f->rcv_nxt;
	if (g && g->len)
		h->flags |= TCP_F_PSH;
	if (g && (g->flags & TCP_F_FIN)) {
		h->flags |= TCP_F_FIN;
		f->used = false;
	}
	return true;
}

/* Rewrite frame fr into the reply to it in place; its length or 0. */
static uint32_t answer(struct spike *sp, struct port_frame *fr)
{
	struct tcp_seg g;
	struct tcp_hdrvals h;
	struct tcp_endpoints ep = { .saddr = sp->addr, .sport = sp->port };
	struct flow *f;
	uint16_t plen;

	if (tcp_parse(fr->data, fr->len, &g, false) != XTOE_DROP_NONE || g.dport != sp->port)
		return 0;
	f = flow_find(sp, g.saddr, g.sport, g.flags & TCP_F_SYN);
	if (!f || !reply_for(f, &g, &h))
		return 0;
	plen = (h.flags & TCP_F_PSH) ? g.len : 0;
	memcpy(ep.dmac, fr->data + 6, 6);
	memcpy(ep.smac, fr->data, 6);
	ep.daddr = g.saddr;
	ep.dport = g.sport;
	if (plen)
		memmove(fr->data + HDR_LEN + (h.mss ? 4 : 0), g.payload, plen);
	f->snd_nxt += plen + !!(h.flags & TCP_F_FIN);
	if (tcp_build_hdr(fr->data, 2048, &ep, &h, plen) < 0)
		return 0;
	fr->len = HDR_LEN + (h.mss ? 4 : 0) + plen;
	tcp_frame_finish(fr->data, fr->len);
	return fr->len;
}

/* BPF_PROG_RUN with live frames: the checker transmits the frame. */
static int tx_progrun(struct spike *sp, const struct port_frame *fr)
{
	/* the kernel wants data_end to be the frame's length */
	struct xdp_md ctx = { .ingress_ifindex = (uint32_t)sp->ifindex, .data_end = fr->len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fr->data, .data_size_in = fr->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = 1);

	return bpf_prog_test_run_opts(sp->chk_fd, &o);
}

static void handle(struct spike *sp, struct port_frame *fr)
{
	uint32_t len = answer(sp, fr);

	if (!len) {
		xsk_port_free(sp->x, fr->addr);
		return;
	}
	sp->replies++;
	if (sp->chk_fd >= 0) {
		if (tx_progrun(sp, fr) && !sp->tx_fail++)
			fprintf(stderr, "xskecho: BPF_PROG_RUN: %s\n", strerror(errno));
		xsk_port_free(sp->x, fr->addr);
	} else if (!xsk_port_tx_submit(sp->x, fr->addr, len)) {
		sp->tx_fail++;
	}
}

static void serve(struct spike *sp, double secs)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		struct port_frame fr[32];
		uint32_t n = xsk_port_rx(sp->x, fr, 32);

		for (uint32_t i = 0; i < n; i++)
			handle(sp, &fr[i]);
		xsk_port_tx_flush(sp->x);
		if (n || sp->spin)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (secs > 0 && (double)(t.tv_sec - t0.tv_sec) > secs)
			break;
		sp->waits++;
		poll(&(struct pollfd){ .fd = xsk_port_fd(sp->x), .events = POLLIN }, 1, 200);
	}
}

static int load_checker(struct spike *sp, const char *obj)
{
	struct bpf_program *p;
	struct bpf_map *m;
	uint32_t k = 0;
	uint64_t v = (uint64_t)sp->addr << 16 | sp->port;

	sp->chk = bpf_object__open_file(obj, NULL);
	if (!sp->chk || bpf_object__load(sp->chk)) {
		fprintf(stderr, "xskecho: cannot load %s: %s (built by make; needs CAP_BPF)\n",
			obj, strerror(errno));
		return -1;
	}
	p = bpf_object__next_program(sp->chk, NULL);
	m = bpf_object__find_map_by_name(sp->chk, "owner");
	if (!p || !m || bpf_map_update_elem(bpf_map__fd(m), &k, &v, 0)) {
		fprintf(stderr, "xskecho: %s has no program or owner map\n", obj);
		return -1;
	}
	sp->chk_fd = bpf_program__fd(p);
	return 0;
}

static int setup(struct spike *sp, const char *ifname)
{
	struct xsk_port_cfg cfg;

	sp->ifindex = (int)if_nametoindex(ifname);
	if (!sp->ifindex) {
		fprintf(stderr, "xskecho: no interface %s\n", ifname);
		return -1;
	}
	if (steer_open(&sp->s, ifname, sp->addr, STEER_XDP_NATIVE))
		return -1;
	xsk_port_cfg_default(&cfg);
	cfg.num_frames = 4096;
	cfg.ring_size = 1024;
	return xsk_port_open(&sp->x, ifname, &cfg) ||
	       steer_set_xsk(sp->s, 0, xsk_port_fd(sp->x)) ||
	       steer_add_listen(sp->s, sp->port) || steer_attach(sp->s) ? -1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: xskecho IFNAME ADDR PORT [--spin] [--tx xsk|progrun] "
		"[--checker OBJ] [-t SECONDS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spin", no_argument, NULL, 's' }, { "tx", required_argument, NULL, 'x' },
		{ "checker", required_argument, NULL, 'c' }, { 0 } };
	struct spike sp = { .chk_fd = -1 };
	const char *tx = "xsk", *obj = "build/bpf/bench/spike/txcheck.bpf.o";
	struct in_addr a;
	double secs = 0;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 's')
			sp.spin = true;
		else if (c == 'x')
			tx = optarg;
		else if (c == 'c')
			obj = optarg;
		else if (c == 't')
			secs = atof(optarg);
		else
			return usage();
	}
	if (argc - optind != 3 || inet_pton(AF_INET, argv[optind + 1], &a) != 1 ||
	    atoi(argv[optind + 2]) <= 0 || atoi(argv[optind + 2]) > 65535 ||
	    (strcmp(tx, "xsk") && strcmp(tx, "progrun")))
		return usage();
	sp.addr = a.s_addr;
	sp.port = htons((uint16_t)atoi(argv[optind + 2]));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!setup(&sp, argv[optind]) && (strcmp(tx, "progrun") || !load_checker(&sp, obj))) {
		printf("ready\n");
		fflush(stdout);
		serve(&sp, secs);
		printf("spike_replies %llu frames\nspike_tx_fail %llu frames\nspike_waits %llu polls\n",
		       (unsigned long long)sp.replies, (unsigned long long)sp.tx_fail,
		       (unsigned long long)sp.waits);
		rc = 0;
	}
	if (sp.chk)
		bpf_object__close(sp.chk);
	xsk_port_close(sp.x);
	steer_close(sp.s);
	return rc;
}
