// SPDX-License-Identifier: MIT
/*
 * xtoe-dump: tcpdump for an interface xtoed serves. It shows the whole
 * conversation on the interface: frames received (a capture module in the
 * chain), frames xtoe's data-path sends (XDP has no tx hook: the
 * data-path copies them) and frames the kernel sends (tc egress). Its
 * options are tcpdump's; its lines are tcpdump's own (tcpdump reads the
 * pcap stream it is fed) when tcpdump is installed. One table feeds getopt
 * and --help; the man page is generated from --help.
 *
 * Exit: 0 done, 1 failed, 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/ctl.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/proto.h"
#include "dump.h"
#include "dump_out.h"
#include "tools/common/args.h"

#define HINT "xtoe-dump --help"
#define DEFAULT_SNAPLEN 262144 /* tcpdump's */

enum { O_PCAPNG = 256, O_AFTER, O_SOCK, O_PRINT, O_VERDICTS, O_VERSION, O_NUMBER,
       O_LOGLEVEL, O_NANO };

static const struct opt {
	const char *name, *arg, *help;
	int val;
	bool repeat;     /* -v -vv, -t -tt ..., -x -xx */
} opts[] = {
	{ "interface", "IFACE", "the interface xtoed serves", 'i', 0 },
	{ "list-interfaces", NULL, "list the interfaces xtoed serves", 'D', 0 },
	{ NULL, "FILE", "write frames to FILE (- : stdout), pcap (nanosecond times)", 'w', 0 },
	{ NULL, "FILE", "read frames from FILE (pcap or pcapng) instead of capturing",
	  'r', 0 },
	{ "pcapng", NULL, "write pcapng: interface name, direction, where each frame was "
	  "seen and the chain's verdict", O_PCAPNG, 0 },
	{ "print", NULL, "print lines even when writing with -w", O_PRINT, 0 },
	{ NULL, "COUNT", "stop after COUNT frames (after the filter)", 'c', 0 },
	{ "snapshot-length", "SNAPLEN", "bytes kept per frame (default 262144, as tcpdump; "
	  "0: the same; frames are kept whole up to 9216 received, 2048 sent)", 's', 0 },
	{ "direction", "DIR", "in, out or inout (default)", 'Q', 0 },
	{ "packet-buffered", NULL, "flush the file after every frame", 'U', 0 },
	{ NULL, "SIZE", "rotate the file beyond SIZE millions of bytes (k, m, g: KiB, "
	  "MiB, GiB); files FILE, FILE1, FILE2 ...", 'C', 0 },
	{ NULL, "SECONDS", "rotate the file every SECONDS; FILE may hold strftime(3) "
	  "escapes", 'G', 0 },
	{ NULL, "COUNT", "with -C: COUNT files, reused in turn (FILE0 ...); with -G: "
	  "stop after COUNT files", 'W', 0 },
	{ NULL, "FILE", "read the filter expression from FILE", 'F', 0 },
	{ NULL, NULL, "print addresses and ports as numbers", 'n', 0 },
	{ NULL, NULL, "print the link-level header", 'e', 0 },
	{ NULL, NULL, "print each frame in hex (-xx: with its link header)", 'x', 1 },
	{ NULL, NULL, "print each frame in hex and ASCII (-XX: with its link header)",
	  'X', 1 },
	{ NULL, NULL, "print each frame in ASCII", 'A', 0 },
	{ NULL, NULL, "more detail (-vv, -vvv: more still)", 'v', 1 },
	{ NULL, NULL, "quick: less protocol detail", 'q', 0 },
	{ "absolute-tcp-sequence-numbers", NULL, "absolute TCP sequence numbers", 'S', 0 },
	{ NULL, NULL, "no time (-tt: seconds since the epoch, -ttt: since the previous "
	  "frame, -tttt: with the date, -ttttt: since the first frame)", 't', 1 },
	{ "number", NULL, "print the frame's number first", O_NUMBER, 0 },
	{ "time-stamp-precision", "PREC", "micro (default) or nano: times printed",
	  O_NANO, 0 },
	{ NULL, NULL, "line-buffered output (always)", 'l', 0 },
	{ NULL, NULL, "accepted (xtoe-dump never changes the interface's mode)", 'p', 0 },
	{ "verdicts", NULL, "xtoe's annotated lines: direction (In/Out), where each frame "
	  "was seen (rx, dp-tx, kernel-tx) and the chain's verdict", O_VERDICTS, 0 },
	{ "after-chain", NULL, "see received frames after the chain's modules (as the "
	  "data-path gets them), not as they arrived", O_AFTER, 0 },
	{ "sock", "PATH", "the daemon's socket (default: $XTOE_SOCK, else "
	  XTOE_RUN_DIR "/IFACE.sock)", O_SOCK, 0 },
	{ "log-level", "LEVEL", "err, warn, notice (default), info or debug", O_LOGLEVEL, 0 },
	{ "version", NULL, "print the version and exit", O_VERSION, 0 },
	{ "help", NULL, "print this help and exit", 'h', 0 },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

struct cfg {
	struct dump_opts o;
	struct out_opts out;
	const char *rfile, *ffile;
	bool list, nano, numeric, abs_seq;
	long count;
	char *expr;
	int64_t snaplen;
	char *targs[32];   /* for tcpdump */
	int ntargs;
};

static void usage(void)
{
	printf("Usage: xtoe-dump -i IFACE [OPTIONS] [EXPRESSION]\n"
	       "       xtoe-dump -r FILE [OPTIONS] [EXPRESSION]\n"
	       "Capture the frames of an interface xtoed serves, in both directions: "
	       "received,\nsent by xtoe's data-path and sent by the kernel. EXPRESSION "
	       "is a pcap-filter(7)\nexpression; options may follow it, as with "
	       "tcpdump.\n\nOptions:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[48];
		const char *arg = opts[i].arg ? opts[i].arg : "";

		if (opts[i].val < 256 && opts[i].name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].val, opts[i].name,
				 *arg ? " " : "", arg);
		else if (opts[i].val < 256)
			snprintf(left, sizeof(left), "-%c%s%s", opts[i].val, *arg ? " " : "", arg);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name,
				 *arg ? " " : "", arg);
		printf("  %-30s %s\n", left, opts[i].help);
	}
	printf("\nLines are tcpdump's own when tcpdump is installed ($XTOE_TCPDUMP "
	       "names it;\n\"none\": the built-in printer).\n\n"
	       "Examples:\n"
	       "  xtoe-dump -i eth0 -n tcp port 80\n"
	       "  xtoe-dump -i eth0 -w trace.pcap -C 100 -W 5\n"
	       "  xtoe-dump -i eth0 --pcapng -w - | tshark -r -\n"
	       "  xtoe-dump -i eth0 --verdicts icmp\n\n"
	       "Exit status:\n  0 done, 1 failed, 2 usage error.\n");
}

static int parse_size(const char *s, uint64_t *bytes)
{
	unsigned long n;
	char num[32], *end;
	uint64_t unit = 1000000;

	snprintf(num, sizeof(num), "%s", s);
	end = num + strspn(num, "0123456789");
	if (*end) {
		unit = strchr("kK", *end) ? 1024 : strchr("mM", *end) ? 1 << 20 :
		       strchr("gG", *end) ? 1 << 30 : 0;
		if (!unit || end[1])
			return -EINVAL;
		*end = 0;
	}
	if (arg_ulong(num, 1, 1000000000ul, &n))
		return -EINVAL;
	*bytes = n * unit;
	return 0;
}

/* An option tcpdump's printer should see too. */
static void pass_on(struct cfg *c, const char *arg)
{
	if (c->ntargs < 31)
		c->targs[c->ntargs++] = (char *)arg;
}

static int parse_num(const char *s, const char *what, unsigned long min,
		     unsigned long max, unsigned long *v)
{
	if (arg_ulong(s, min, max, v))
		return usage_error(HINT, "%s: %lu to %lu, not '%s'", what, min, max, s);
	return 0;
}

/* Options that print (passed on to tcpdump, and to the built-in printer). */
static int print_opt(int ch, struct cfg *c)
{
	struct print_opts *po = &c->out.po;

	switch (ch) {
	case 'n': c->numeric = true; pass_on(c, "-n"); break;
	case 'e': po->link = true; pass_on(c, "-e"); break;
	case 'x': po->hex = po->hex == 1 ? 2 : 1; pass_on(c, "-x"); break;
	case 'X': po->hex = po->hex == 3 ? 4 : 3; pass_on(c, "-X"); break;
	case 'A': po->ascii = true; pass_on(c, "-A"); break;
	case 'v': po->verbose++; pass_on(c, "-v"); break;
	case 'q': po->quick = true; pass_on(c, "-q"); break;
	case 'S': c->abs_seq = true; pass_on(c, "-S"); break;
	case 't': po->tstamp = po->tstamp ? po->tstamp + 1 : 1; pass_on(c, "-t"); break;
	case O_NUMBER: po->number = true; pass_on(c, "-#"); break;
	default: return 1;
	}
	return 0;
}

static int capture_opt(int ch, struct cfg *c)
{
	unsigned long v;
	int l;

	switch (ch) {
	case 'i': c->o.ifname = optarg; break;
	case 'D': c->list = true; break;
	case 'w': c->out.wfile = optarg; break;
	case 'r': c->rfile = optarg; break;
	case 'F': c->ffile = optarg; break;
	case O_PCAPNG: c->out.ng = true; break;
	case O_PRINT: c->out.print = true; break;
	case O_AFTER: c->o.after_chain = true; break;
	case O_SOCK: c->o.sock = optarg; break;
	case O_VERDICTS: c->out.po.notes = c->out.builtin = c->o.verdicts = true; break;
	case 'U': c->out.flush = true; break;
	case 'l': case 'p': break;
	case 'c':
		if (parse_num(optarg, "-c", 1, LONG_MAX, &v))
			return EXIT_USAGE;
		c->count = (long)v;
		break;
	case 's':
		if (parse_num(optarg, "-s", 0, INT32_MAX, &v))
			return EXIT_USAGE;
		c->snaplen = v ? (int64_t)v : DEFAULT_SNAPLEN;
		break;
	case 'Q':
		c->o.rx = !strcmp(optarg, "in") || !strcmp(optarg, "inout");
		c->o.tx = !strcmp(optarg, "out") || !strcmp(optarg, "inout");
		if (!c->o.rx && !c->o.tx)
			return usage_error(HINT, "-Q: in, out or inout, not '%s'", optarg);
		break;
	case 'C':
		if (parse_size(optarg, &c->out.rotate_bytes))
			return usage_error(HINT, "-C: a size (millions of bytes, or with k, m, "
					   "g), not '%s'", optarg);
		break;
	case 'G':
		if (parse_num(optarg, "-G", 1, 86400 * 366, &v))
			return EXIT_USAGE;
		c->out.rotate_secs = (unsigned)v;
		break;
	case 'W':
		if (parse_num(optarg, "-W", 1, 1000000, &v))
			return EXIT_USAGE;
		c->out.files = (unsigned)v;
		break;
	case O_NANO:
		if (strcmp(optarg, "micro") && strcmp(optarg, "nano"))
			return usage_error(HINT, "--time-stamp-precision: micro or nano, not "
					   "'%s'", optarg);
		c->nano = !strcmp(optarg, "nano");
		break;
	case O_LOGLEVEL:
		if ((l = log_level_parse(optarg)) < 0)
			return usage_error(HINT, "--log-level: err, warn, notice, info or "
					   "debug, not '%s'", optarg);
		log_set_level((enum log_level)l);
		break;
	case 'h': usage(); exit(0);
	case O_VERSION: print_version(); exit(0);
	default:
		return print_opt(ch, c) ? usage_error(HINT, "unknown option") : 0;
	}
	return 0;
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

static char *read_filter_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n;

	if (!f) {
		log_err("-F %s: %s", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strdup(buf);
}

/* What the options say together. */
static int check_cfg(struct cfg *c)
{
	if (c->list)
		return 0;
	if (!c->o.ifname && !c->rfile)
		return usage_error(HINT, "which interface? -i IFACE (-D lists them), or -r "
				   "FILE");
	if (c->o.ifname && c->rfile)
		return usage_error(HINT, "-i and -r: capture or read, not both");
	if ((c->out.rotate_bytes || c->out.rotate_secs || c->out.files) &&
	    (!c->out.wfile || !strcmp(c->out.wfile, "-")))
		return usage_error(HINT, "-C, -G and -W rotate a file given with -w FILE");
	if (c->out.files && !c->out.rotate_bytes && !c->out.rotate_secs)
		return usage_error(HINT, "-W needs -C or -G");
	c->out.print = c->out.print || !c->out.wfile;
	if (c->out.print && c->out.wfile && !strcmp(c->out.wfile, "-"))
		return usage_error(HINT, "--print and -w -: both on stdout");
	if (c->nano)
		pass_on(c, "--time-stamp-precision=nano");
	c->out.tcpdump_args = c->targs;
	c->out.snaplen = (uint32_t)c->snaplen;
	c->o.snaplen = (uint32_t)c->snaplen;
	return 0;
}

static int parse_args(int argc, char **argv, struct cfg *c)
{
	struct option lo[NOPTS + 1];
	char shorts[128] = ":";
	int ch, n = 0, err;

	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].name)
			lo[n++] = (struct option){ opts[i].name, opts[i].arg ? required_argument :
						   no_argument, NULL, opts[i].val };
		if (opts[i].val < 256)
			snprintf(shorts + strlen(shorts), sizeof(shorts) - strlen(shorts),
				 "%c%s", opts[i].val, opts[i].arg ? ":" : "");
	}
	strcat(shorts, "#");
	opterr = 0;
	/* tcpdump's options may follow the expression: getopt permutes */
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (ch == '?' || ch == ':')
			return usage_error(HINT, "%s '%s'", ch == '?' ? "unknown option" :
					   "missing value for option", argv[optind - 1]);
		if (ch == '#')
			ch = O_NUMBER;
		if ((err = capture_opt(ch, c)))
			return err;
	}
	if (c->ffile)
		c->expr = read_filter_file(c->ffile);
	else if (optind < argc)
		c->expr = join_args(argc - optind, argv + optind);
	if ((c->ffile || optind < argc) && !c->expr)
		return 1;
	return check_cfg(c);
}

/* --- frames: filter, count, out ------------------------------------------ */

struct run {
	const struct cfg *c;
	struct out *out;
	bool have_filter;
	struct bpf_program prog;
	long seen, matched;
	int err;            /* from the output: -EPIPE, or 1 (-G/-W done) */
};

static int compile_filter(struct run *r)
{
	pcap_t *p;
	int err = 0;

	if (!r->c->expr)
		return 0;
	p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)r->c->snaplen,
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

/* !0 stops: -c reached, or the output is done or gone. */
static int on_pkt(const struct dump_pkt *p, void *arg)
{
	struct run *r = arg;

	r->seen++;
	if (!filter_match(r, p))
		return 0;
	r->err = out_frame(r->out, p);
	if (r->err)
		return 1;
	r->matched++;
	return r->c->count && r->matched >= r->c->count ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void handle_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* a reader that goes away (| head) is an EPIPE: the capture ends and
	 * the daemon takes its module out, as on any end */
	signal(SIGPIPE, SIG_IGN);
}

static bool done(const struct run *r)
{
	return stop || r->err || (r->c->count && r->matched >= r->c->count);
}

static int capture(struct run *r)
{
	const struct cfg *c = r->c;
	struct dump_counts n;
	struct dump *d;
	int err;

	err = dump_open(&d, &c->o);
	if (err)
		return err;
	out_capture_started(r->out);
	log_notice("listening on %s, link-type EN10MB (Ethernet), snapshot length %lld "
		   "bytes, %s", c->o.ifname, (long long)c->snaplen,
		   c->o.rx && c->o.tx ? "in and out" : c->o.rx ? "in" : "out");
	while (!done(r) && !dump_daemon_gone(d)) {
		err = dump_poll(d, 50, on_pkt, r);
		if (err < 0 && err != -EINTR)
			break;
		err = 0;
		if (!r->err)
			r->err = out_flush(r->out);
		if (!r->err && out_reader_gone(r->out))
			r->err = -EPIPE; /* | head is done: do not wait for a frame */
	}
	if (dump_daemon_gone(d))
		log_err("xtoed on %s stopped: the capture ends", c->o.ifname);
	if (!err && !done(r))
		err = dump_flush(d, on_pkt, r) < 0 ? -EIO : 0;
	dump_close(d, &n);
	fprintf(stderr, "%ld packets captured\n%ld packets received by filter\n"
		"%llu packets dropped (capture rings full)\n", r->matched, r->seen,
		(unsigned long long)(n.rx_lost + n.tx_lost));
	return err;
}

/* -r: frames from a file, through the same filter and outputs. */
static int read_file(struct run *r)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(r->c->rfile,
							    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (!p) {
		log_err("%s", ebuf);
		return -EINVAL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		log_err("%s: link type %s; xtoe-dump reads Ethernet captures", r->c->rfile,
			pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return -EINVAL;
	}
	while (!done(r) && (rc = pcap_next_ex(p, &h, &data)) == 1) {
		struct dump_pkt pk = { .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
					       (uint64_t)h->ts.tv_usec,
				       .len = h->len, .caplen = h->caplen, .data = data };

		on_pkt(&pk, r);
	}
	if (!r->err)
		r->err = out_flush(r->out);
	pcap_close(p);
	return 0;
}

/* One line of -D when a daemon answers at path. */
static void list_one(const char *path, int *n)
{
	char ifname[64];

	if (!xctl_daemon_iface(path, ifname, sizeof(ifname)))
		printf("%d.%s [xtoed, %s]\n", ++*n, ifname, path);
}

/* -D: the interfaces xtoed serves (its sockets in XTOE_RUN_DIR, and
 * $XTOE_SOCK's). */
static int list_interfaces(void)
{
	struct dirent *de;
	DIR *dir = opendir(XTOE_RUN_DIR);
	const char *env = getenv("XTOE_SOCK");
	char path[PATH_MAX];
	int n = 0, level = log_level();

	log_set_level(LOG_LVL_ERR - 1); /* a stale socket is just not listed */
	if (env && *env && strncmp(env, XTOE_RUN_DIR "/", sizeof(XTOE_RUN_DIR)))
		list_one(env, &n);
	while (dir && (de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".sock"))
			continue;
		snprintf(path, sizeof(path), XTOE_RUN_DIR "/%s", de->d_name);
		list_one(path, &n);
	}
	log_set_level((enum log_level)level);
	if (dir)
		closedir(dir);
	if (!n)
		log_err("no xtoed serves an interface here (%s/*.sock)", XTOE_RUN_DIR);
	return n ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct cfg c = { .o = { .rx = true, .tx = true }, .snaplen = DEFAULT_SNAPLEN };
	struct run r = { .c = &c };
	char sock[108];
	int err;

	if ((err = parse_args(argc, argv, &c)))
		return err;
	if (c.list)
		return list_interfaces();
	if (!c.rfile && !c.o.sock)
		c.o.sock = getenv("XTOE_SOCK");
	if (!c.rfile && !c.o.sock && xtoe_sock_path(sock, sizeof(sock), c.o.ifname))
		c.o.sock = sock;
	c.out.ifname = c.o.ifname ? c.o.ifname : "file";
	handle_signals();
	err = compile_filter(&r) ?: out_open(&r.out, &c.out);
	if (!err)
		err = c.rfile ? read_file(&r) : capture(&r);
	err = out_close(r.out) ?: err;
	if (r.have_filter)
		pcap_freecode(&r.prog);
	free(c.expr);
	if (r.err < 0 && r.err != -EPIPE)
		log_err("writing: %s", strerror(-r.err));
	if (err < 0 && err != -EPIPE && !log_error_count())
		log_err("%s", strerror(-err));
	return (err < 0 && err != -EPIPE) || (r.err < 0 && r.err != -EPIPE) ? 1 : 0;
}
