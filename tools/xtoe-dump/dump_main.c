// SPDX-License-Identifier: MIT
/*
 * xtoe-dump: tcpdump for an xtoe interface. Frames received (a trace
 * module in the chain while it runs) and frames xtoe's data-path transmits
 * (XDP has no tx hook: the data-path copies them into a ring).
 *
 *   xtoe-dump -i IFACE [-w FILE|-] [--pcapng] [-c N] [-s SNAPLEN] [-U]
 *             [-Q in|out|inout] [-n] [--after-chain] [--sock PATH] [EXPR]
 *
 * Exit: 0 done, 1 failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "common/paths.h"
#include "common/proto.h"
#include "common/log.h"

struct cfg {
	struct dump_opts o;
	const char *wfile;
	bool ng, flush;
	long count;
	char *expr;
};

struct run {
	const struct cfg *c;
	struct pcapw w;
	bool have_filter;
	struct bpf_program prog;
	long seen;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xtoe-dump -i IFACE [options] [EXPRESSION]\n"
		"  -i IFACE          interface xtoed serves\n"
		"  -w FILE|-         write frames to FILE (- : stdout) instead of lines\n"
		"      --pcapng      write pcapng (direction flags, verdict comments)\n"
		"  -c COUNT          stop after COUNT frames (after the filter)\n"
		"  -s SNAPLEN        bytes kept per frame (default and max 256)\n"
		"  -U                flush the file after every frame\n"
		"  -Q in|out|inout   direction (default inout)\n"
		"  -n                accepted (names are never resolved)\n"
		"      --after-chain trace received frames after the chain's modules\n"
		"      --sock PATH   daemon socket (default: $XTOE_SOCK or "
		XTOE_RUN_DIR "/IFACE.sock)\n"
		"  EXPRESSION        a pcap-filter(7) expression\n");
}

static int parse_dir(const char *s, struct dump_opts *o)
{
	o->rx = !strcmp(s, "in") || !strcmp(s, "inout");
	o->tx = !strcmp(s, "out") || !strcmp(s, "inout");
	return o->rx || o->tx ? 0 : -EINVAL;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		strcat(s, argv[i]);
		if (i + 1 < argc)
			strcat(s, " ");
	}
	return s;
}

static int parse_args(int argc, char **argv, struct cfg *c)
{
	static const struct option lopts[] = {
		{ "pcapng", no_argument, NULL, 'N' },
		{ "after-chain", no_argument, NULL, 'A' },
		{ "sock", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "+i:w:c:s:UQ:nvh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'i': c->o.ifname = optarg; break;
		case 'w': c->wfile = optarg; break;
		case 'N': c->ng = true; break;
		case 'A': c->o.after_chain = true; break;
		case 'S': c->o.sock = optarg; break;
		case 'U': c->flush = true; break;
		case 'n': break;
		case 'v': c->o.verbose = true; break;
		case 'c':
			c->count = strtol(optarg, &end, 0);
			if (*end || c->count <= 0)
				return -EINVAL;
			break;
		case 's':
			c->o.snaplen = (uint32_t)strtoul(optarg, &end, 0);
			if (*end)
				return -EINVAL;
			break;
		case 'Q':
			if (parse_dir(optarg, &c->o))
				return -EINVAL;
			break;
		case 'h': usage(stdout); exit(0);
		default: return -EINVAL;
		}
	}
	if (!c->o.ifname)
		return -EINVAL;
	if (!c->o.snaplen || c->o.snaplen > 256)
		c->o.snaplen = 256;
	if (optind < argc && !(c->expr = join_args(argc - optind, argv + optind)))
		return -ENOMEM;
	return 0;
}

static int compile_filter(struct run *r)
{
	pcap_t *p;
	int err = 0;

	if (!r->c->expr)
		return 0;
	p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)r->c->o.snaplen,
						 PCAP_TSTAMP_PRECISION_NANO);
	if (!p)
		return -ENOMEM;
	if (pcap_compile(p, &r->prog, r->c->expr, 1, PCAP_NETMASK_UNKNOWN)) {
		log_err("filter '%s': %s", r->c->expr, pcap_geterr(p));
		err = -EINVAL;
	}
	r->have_filter = !err;
	pcap_close(p);
	return err;
}

static bool filter_match(const struct run *r, const struct dump_pkt *p)
{
	struct pcap_pkthdr h = { .caplen = p->caplen, .len = p->len };

	return !r->have_filter || pcap_offline_filter(&r->prog, &h, p->data);
}

static int on_pkt(const struct dump_pkt *p, void *arg)
{
	struct run *r = arg;
	char line[256];

	if (!filter_match(r, p))
		return 0;
	if (r->w.f) {
		if (pcapw_write(&r->w, p))
			return -EIO;
	} else {
		pkt_summary(p, line, sizeof(line));
		printf("%s\n", line);
	}
	r->seen++;
	return r->c->count && r->seen >= r->c->count ? 1 : 0;
}

static int open_output(struct run *r)
{
	const struct cfg *c = r->c;
	FILE *f;
	int err;

	if (!c->wfile) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		return 0;
	}
	f = strcmp(c->wfile, "-") ? fopen(c->wfile, "wb") : stdout;
	if (!f) {
		err = -errno;
		log_err("%s: %s", c->wfile, strerror(-err));
		return err;
	}
	err = pcapw_open(&r->w, f, c->ng, c->o.snaplen, c->flush);
	if (err)
		log_err("writing %s: %s", c->wfile, strerror(-err));
	return err;
}

static void handle_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int capture(struct run *r)
{
	struct dump_counts n;
	struct dump *d;
	int err;

	err = dump_open(&d, &r->c->o);
	if (err)
		return err;
	log_notice("capturing on %s (%s), snaplen %u",
		r->c->o.ifname, r->c->o.rx && r->c->o.tx ? "in+out" :
		r->c->o.rx ? "in" : "out", r->c->o.snaplen);
	while (!stop) {
		err = dump_poll(d, 50, on_pkt, r);
		if (err < 0 && err != -EINTR)
			break;
		if (err == 1 && r->c->count && r->seen >= r->c->count)
			break;
		err = 0;
	}
	if (!(r->c->count && r->seen >= r->c->count) && (err >= 0 || err == -EINTR))
		err = dump_flush(d, on_pkt, r) < 0 ? -EIO : 0;
	dump_close(d, &n);
	if (r->w.f && fflush(r->w.f))
		err = err ?: -errno;
	fprintf(stderr, "%ld packets captured\n%lu records dropped\n", r->seen,
		(unsigned long)(n.rx_lost + n.tx_lost));
	if (err < 0)
		log_err("%s", strerror(-err));
	return err < 0 ? err : 0;
}

int main(int argc, char **argv)
{
	struct cfg c = { .o = { .rx = true, .tx = true } };
	struct run r = { .c = &c };
	char sock[108];
	int err;

	if (parse_args(argc, argv, &c)) {
		usage(stderr);
		return 2;
	}
	if (!c.o.sock)
		c.o.sock = getenv("XTOE_SOCK");
	if (!c.o.sock) {
		xtoe_sock_path(sock, sizeof(sock), c.o.ifname);
		c.o.sock = sock;
	}
	handle_signals();
	err = compile_filter(&r) ?: open_output(&r) ?: capture(&r);
	if (r.have_filter)
		pcap_freecode(&r.prog);
	if (r.w.f && r.w.f != stdout)
		fclose(r.w.f);
	free(c.expr);
	return err ? 1 : 0;
}
