/* SPDX-License-Identifier: MIT */
/*
 * xtoed: the xtoe daemon for one interface. Parses options (command line
 * and --config), opens the AF_XDP port (daemon/port/port_xdp.c), installs
 * the kept firewall rules, attaches the chain and runs the daemon
 * (daemon.c) until SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/paths.h"
#include "common/proto.h"
#include "common/version.h"
#include "conf.h"
#include "core/cc.h"
#include "daemon.h"

static const char usage_text[] =
	"Usage: xtoed --iface IF --addr A.B.C.D/NN [options]\n"
	"\n"
	"Serve TCP for the address A.B.C.D on interface IF over AF_XDP. Traffic\n"
	"xtoe does not own (other ports, ARP, ICMP) stays with the kernel.\n"
	"\n"
	"  -i, --iface IF        interface to serve (required)\n"
	"  -a, --addr A/NN       IPv4 address and prefix of IF served by xtoe (required)\n"
	"  -s, --sock PATH       application socket (default /run/xtoe/IF.sock)\n"
	"  -g, --group NAME      group that may use the socket (default xtoe when\n"
	"                        that group exists, else root only; docs/access.md)\n"
	"      --socket-mode MODE  the socket's permissions, octal (default 0660)\n"
	"  -m, --xdp-mode MODE   native (default), skb, or hw (offload, nfp only)\n"
	"  -b, --busy-poll       never sleep: dedicate a core to the data-path\n"
	"      --spin-us N       with no work, poll at most N us before sleeping, and only\n"
	"                        while the measured gap between work is shorter than a\n"
	"                        wake-up (default 50; 0: sleep at once)\n"
	"      --ack-delay-us N  delayed ACK timeout (default 40000, Linux's TCP_ATO_MIN)\n"
	"      --rto-min-ms N    lower bound of the retransmission timeout (default 200)\n"
	"      --rto-init-ms N   retransmission timeout before an RTT sample (default 1000)\n"
	"      --retries N       timeouts before a connection is given up (default 15)\n"
	"      --init-cwnd N     initial congestion window in segments (default 10)\n"
	"      --rx-buf BYTES    receive ring per connection (default 1048576)\n"
	"      --tx-buf BYTES    send ring per connection: the most its autotuned\n"
	"                        send buffer grows to (default 4194304, Linux's\n"
	"                        tcp_wmem[2]; SO_SNDBUF turns autotuning off)\n"
	"      --max-flows N     connections in the daemon (default 65536)\n"
	"      --ctx-flows N     connections per application (default 4096; beyond\n"
	"                        it connect fails with EMFILE, connections to its\n"
	"                        listeners are reset)\n"
	"      --app-listeners N listeners per application (default 256; beyond it\n"
	"                        listen fails with EMFILE)\n"
	"      --mss N           MSS we advertise (default: IF's MTU - 40, as Linux)\n"
	"      --ecn MODE        0 off, 1 ask and answer, 2 answer only (default 2,\n"
	"                        Linux's tcp_ecn; 1 with --cc dctcp)\n"
	"      --rcv-wscale N    window scale we offer (default: Linux's, from its\n"
	"                        tcp_rmem[2] and rmem_max)\n"
	"      --queues LIST     interface queues to serve, one AF_XDP socket each:\n"
	"                        'all' (default) or numbers and ranges, e.g. 0,2-3\n"
	"      --queue N         the same as --queues N\n"
	"      --workers N       data-path workers, each serving the queues\n"
	"                        i, i+N, i+2N... and the connections arriving on\n"
	"                        them (default 1: one thread for every queue, the\n"
	"                        right choice on 2 cores; at most one a queue).\n"
	"                        N is the most threads that run: an idle one\n"
	"                        parks and thread 0 runs its worker until the\n"
	"                        load wants it back (--busy-marks)\n"
	"      --placement MODE  which threads run the data-path's stages: 'thread'\n"
	"                        (default; with --workers N > 1: 'queue'), one\n"
	"                        thread runs every stage, the right choice on 2\n"
	"                        cores; 'queue', a worker per queue (--workers,\n"
	"                        default one a queue); 'pipeline', one heavy\n"
	"                        connection's receive split: parse and checksum\n"
	"                        on --pre-threads threads, the protocol, the copy\n"
	"                        to the application and transmit on one, batches\n"
	"                        put back in arrival order between them\n"
	"      --pre-threads K   pipeline: parse/checksum threads (default 2, at\n"
	"                        most 8)\n"
	"      --busy-marks LOW,HIGH  with --workers: a thread busy under LOW % for\n"
	"                        10 windows in a row parks; thread 0 busy over\n"
	"                        HIGH % for 2 windows, at least LOW % of it for\n"
	"                        parked threads' workers, wakes one (default 10,50;\n"
	"                        0,100: every thread always runs)\n"
	"      --busy-window-ms N  one busy sample (default 100)\n"
	"      --no-sg           no multi-buffer AF_XDP: frames of one UMEM frame,\n"
	"                        segments clamped to them on a jumbo MTU (default:\n"
	"                        multi-buffer where the kernel has it, Linux 6.6)\n"
	"      --tx-gso auto|on|off  send a round's consecutive segments of a flow\n"
	"                        as one GSO frame through a packet socket, that a\n"
	"                        veth peer takes whole or the kernel segments\n"
	"                        (default auto: on when the interface has TSO on\n"
	"                        at start; `xtoectl stats`: xsk_gso_*)\n"
	"      --time-wait-ms N  TIME-WAIT duration (default 60000)\n"
	"      --fin-timeout S   FIN-WAIT-2 of a closed connection whose peer never\n"
	"                        sends its FIN, in seconds (default 60, Linux's\n"
	"                        tcp_fin_timeout); then it is dropped\n"
	"      --cmodule SO[:ARGS]  load a C module (include/xtoe/cmodule.h); repeatable\n"
	"      --fw-file PATH    firewall rules kept here and installed at start\n"
	"                        (default /var/lib/xtoe/IF.rules; 'none': not kept)\n"
	"      --cc NAME         congestion control: newreno, cubic (default) or\n"
	"                        dctcp (which also negotiates ECN)\n"
	"  -c, --config FILE     options from FILE, one per line as NAME [VALUE] with\n"
	"                        the long names above (e.g. 'addr 198.18.0.1/24');\n"
	"                        the command line wins over it\n"
	"  -v, --verbose         log connections and library messages (--log-level info)\n"
	"  -q, --quiet           log errors and warnings only\n"
	"      --log-level LEVEL err, warn, notice (default), info or debug; under\n"
	"                        systemd the lines carry the journal's priority\n"
	"  -V, --version         print the version and exit\n"
	"  -h, --help            print this help and exit\n"
	"\n"
	"When it stops, xtoed takes its XDP program off the interface unless the\n"
	"firewall holds rules: then the chain stays attached, the firewall in force,\n"
	"until the next xtoed takes it over or `xtoectl -i IF detach` removes it.\n"
	"\n"
	"Exit status: 0 stopped by a signal, 1 failed, 2 usage error.\n";

enum { OPT_SPIN = 256, OPT_ACKDELAY, OPT_RTOMIN, OPT_RTOINIT, OPT_RETRIES, OPT_IW, OPT_RXBUF,
       OPT_TXBUF, OPT_MAXFLOWS, OPT_CTXFLOWS, OPT_MSS, OPT_ECN, OPT_WSCALE, OPT_QUEUE, OPT_TW, OPT_FINTO,
       OPT_CMOD, OPT_FWFILE, OPT_CC, OPT_LOGLEVEL, OPT_NOSG, OPT_TXGSO, OPT_APPLISTEN, OPT_SOCKMODE,
       OPT_WORKERS, OPT_BUSYMARKS, OPT_BUSYWIN, OPT_PLACEMENT, OPT_PRETHREADS };

static const struct option long_opts[] = {
	{ "iface", required_argument, NULL, 'i' },
	{ "cmodule", required_argument, NULL, OPT_CMOD },
	{ "fw-file", required_argument, NULL, OPT_FWFILE },
	{ "addr", required_argument, NULL, 'a' },
	{ "sock", required_argument, NULL, 's' },
	{ "group", required_argument, NULL, 'g' },
	{ "socket-mode", required_argument, NULL, OPT_SOCKMODE },
	{ "xdp-mode", required_argument, NULL, 'm' },
	{ "busy-poll", no_argument, NULL, 'b' },
	{ "spin-us", required_argument, NULL, OPT_SPIN },
	{ "ack-delay-us", required_argument, NULL, OPT_ACKDELAY },
	{ "rto-min-ms", required_argument, NULL, OPT_RTOMIN },
	{ "rto-init-ms", required_argument, NULL, OPT_RTOINIT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "init-cwnd", required_argument, NULL, OPT_IW },
	{ "rx-buf", required_argument, NULL, OPT_RXBUF },
	{ "tx-buf", required_argument, NULL, OPT_TXBUF },
	{ "max-flows", required_argument, NULL, OPT_MAXFLOWS },
	{ "ctx-flows", required_argument, NULL, OPT_CTXFLOWS },
	{ "app-listeners", required_argument, NULL, OPT_APPLISTEN },
	{ "mss", required_argument, NULL, OPT_MSS },
	{ "ecn", required_argument, NULL, OPT_ECN },
	{ "rcv-wscale", required_argument, NULL, OPT_WSCALE },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "queues", required_argument, NULL, OPT_QUEUE },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "placement", required_argument, NULL, OPT_PLACEMENT },
	{ "pre-threads", required_argument, NULL, OPT_PRETHREADS },
	{ "busy-marks", required_argument, NULL, OPT_BUSYMARKS },
	{ "busy-window-ms", required_argument, NULL, OPT_BUSYWIN },
	{ "no-sg", no_argument, NULL, OPT_NOSG },
	{ "tx-gso", required_argument, NULL, OPT_TXGSO },
	{ "time-wait-ms", required_argument, NULL, OPT_TW },
	{ "fin-timeout", required_argument, NULL, OPT_FINTO },
	{ "cc", required_argument, NULL, OPT_CC },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "log-level", required_argument, NULL, OPT_LOGLEVEL },
	{ "config", required_argument, NULL, 'c' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	log_err("%s", msg);
	fprintf(stderr, "Try 'xtoed --help'.\n");
	return 2;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* An octal file mode, at most 0777. */
static int parse_mode(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || end == s || v > 0777)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_prefix_addr(const char *s, uint32_t *addr, uint8_t *prefix)
{
	char buf[32];
	char *slash;
	uint32_t p = 32;
	struct in_addr ia;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_u32(slash + 1, 1, 32, &p))
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &ia) != 1)
		return -EINVAL;
	*addr = ia.s_addr;
	*prefix = (uint8_t)p;
	return 0;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* --busy-marks LOW,HIGH: percent, LOW < HIGH. */
static int parse_marks(const char *arg, struct dp_prop_cfg *p)
{
	char low[16];
	const char *comma = strchr(arg, ',');
	uint32_t l, h;

	if (!comma || (size_t)(comma - arg) >= sizeof(low))
		return -EINVAL;
	snprintf(low, sizeof(low), "%.*s", (int)(comma - arg), arg);
	if (parse_u32(low, 0, 99, &l) || parse_u32(comma + 1, 1, 100, &h) || l >= h)
		return -EINVAL;
	p->low_pct = l;
	p->high_pct = h;
	return 0;
}

/* "all", or numbers and ranges: "0", "0,2-3". Each queue once. */
static int parse_queues(const char *arg, struct xtoed_cfg *c)
{
	const char *p = arg;

	c->nqueues = 0;
	if (!strcmp(arg, "all"))
		return 0;
	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p || a >= PORT_XDP_MAX_QUEUES)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a || b >= PORT_XDP_MAX_QUEUES)
				return -EINVAL;
		}
		for (unsigned long q = a; q <= b; q++) {
			for (uint32_t i = 0; i < c->nqueues; i++)
				if (c->queues[i] == q)
					return -EINVAL;
			c->queues[c->nqueues++] = (uint32_t)q;
		}
		if (*end && *end != ',')
			return -EINVAL;
		p = *end ? end + 1 : end;
	}
	return c->nqueues ? 0 : -EINVAL;
}

static int parse_num_opt(int opt, const char *arg, struct xtoed_cfg *c)
{
	uint32_t v;
	int err;

	switch (opt) {
	case OPT_SPIN: err = parse_u32(arg, 0, 10000000, &c->spin_us); break;
	case OPT_ACKDELAY: err = parse_u32(arg, 0, 500000, &c->tcp.ato_us); break;
	case OPT_RTOMIN: err = parse_u32(arg, 1, 120000, &v); c->tcp.rto_min_us = v * 1000; break;
	case OPT_RTOINIT: err = parse_u32(arg, 1, 120000, &v); c->tcp.rto_init_us = v * 1000; break;
	case OPT_RETRIES: err = parse_u32(arg, 1, 255, &v); c->tcp.retries = (uint8_t)v; break;
	case OPT_IW: err = parse_u32(arg, 1, 255, &v); c->tcp.init_cwnd = (uint8_t)v; break;
	case OPT_RXBUF: err = parse_u32(arg, 4096, 1u << 30, &c->rx_size); break;
	case OPT_TXBUF: err = parse_u32(arg, 4096, 1u << 30, &c->tx_size); break;
	case OPT_MAXFLOWS: err = parse_u32(arg, 1, 1u << 22, &c->max_flows); break;
	case OPT_CTXFLOWS: err = parse_u32(arg, 1, 1u << 20, &c->ctx_flows); break;
	case OPT_APPLISTEN: err = parse_u32(arg, 1, 65536, &c->app_listeners); break;
	case OPT_MSS: err = parse_u32(arg, 536, 65495, &v); c->mss = (uint16_t)v; break;
	case OPT_ECN: err = parse_u32(arg, 0, 2, &v); c->ecn = (int)v; break;
	case OPT_WSCALE: err = parse_u32(arg, 0, 14, &v); c->rcv_wscale = (int)v; break;
	case OPT_TW: err = parse_u32(arg, 0, 600000, &c->time_wait_ms); break;
	case OPT_WORKERS: err = parse_u32(arg, 1, XTOE_WORKERS_MAX, &c->workers); break;
	case OPT_PRETHREADS: err = parse_u32(arg, 1, XTOE_PRE_MAX, &c->pre_threads); break;
	case OPT_BUSYWIN: err = parse_u32(arg, 1, 10000, &v); c->prop.window_us = v * 1000; break;
	case OPT_FINTO: err = parse_u32(arg, 1, 3600, &v); c->tcp.fin_timeout_us = v * 1000000; break;
	default: return -EINVAL;
	}
	return err;
}

static int parse_placement(const char *s, enum xtoed_placement *out)
{
	static const char *const names[] = { [XTOED_PLACE_THREAD] = "thread",
					     [XTOED_PLACE_QUEUE] = "queue",
					     [XTOED_PLACE_PIPELINE] = "pipeline" };

	for (int i = XTOED_PLACE_THREAD; i <= XTOED_PLACE_PIPELINE; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum xtoed_placement)i;
			return 0;
		}
	return -EINVAL;
}

/* --placement against --workers and --pre-threads. */
static int check_placement(const struct xtoed_cfg *c)
{
	if (c->placement == XTOED_PLACE_THREAD && c->workers > 1)
		return usage_error("%s", "--placement thread runs one worker: drop --workers "
				   "or use --placement queue");
	if (c->placement == XTOED_PLACE_PIPELINE && c->workers > 1)
		return usage_error("%s", "--placement pipeline has one protocol worker: drop "
				   "--workers (its PRE threads: --pre-threads)");
	if (c->pre_threads && c->placement != XTOED_PLACE_PIPELINE)
		return usage_error("%s", "--pre-threads is for --placement pipeline");
	return 0;
}

/* One option (from the command line or the configuration file). */
static int apply_opt(int opt, const char *arg, struct xtoed_cfg *c)
{
	int l;

	switch (opt) {
	case 'i': c->ifname = arg; break;
	case 'a':
		if (parse_prefix_addr(arg, &c->addr, &c->prefix))
			return usage_error("bad --addr '%s': expected A.B.C.D/NN", arg);
		break;
	case 's': c->sock_path = arg; break;
	case 'g': c->sock_group = arg; break;
	case OPT_SOCKMODE:
		if (parse_mode(arg, &c->sock_mode))
			return usage_error("bad --socket-mode '%s': octal, e.g. 0660", arg);
		break;
	case 'm':
		if (port_xdp_parse_mode(arg, &c->xdp_mode))
			return usage_error("bad --xdp-mode '%s': native, skb or hw", arg);
		break;
	case 'b': c->busy_poll = true; break;
	case OPT_BUSYMARKS:
		if (parse_marks(arg, &c->prop))
			return usage_error("bad --busy-marks '%s': LOW,HIGH percent, "
					   "LOW < HIGH, e.g. 10,50", arg);
		break;
	case OPT_QUEUE:
		if (parse_queues(arg, c))
			return usage_error("bad --queues '%s': 'all' or queue numbers "
					   "and ranges such as 0,2-3", arg);
		break;
	case OPT_PLACEMENT:
		if (parse_placement(arg, &c->placement))
			return usage_error("bad --placement '%s': thread, queue or pipeline", arg);
		break;
	case OPT_NOSG: c->no_sg = true; break;
	case OPT_TXGSO:
		if (!strcmp(arg, "on"))
			c->tx_gso = PORT_TX_GSO_ON;
		else if (!strcmp(arg, "off"))
			c->tx_gso = PORT_TX_GSO_OFF;
		else if (!strcmp(arg, "auto"))
			c->tx_gso = PORT_TX_GSO_AUTO;
		else
			return usage_error("bad --tx-gso '%s': auto, on or off", arg);
		break;
	case OPT_CC:
		if (!(c->cc = tcp_cc_find(arg)))
			return usage_error("bad --cc '%s': newreno, cubic or dctcp", arg);
		break;
	case 'v': c->verbose = true; break;
	case 'q': log_set_level(LOG_LVL_WARN); break;
	case OPT_LOGLEVEL:
		if ((l = log_level_parse(arg)) < 0)
			return usage_error("bad --log-level '%s': err, warn, notice, info "
					   "or debug", arg);
		log_set_level((enum log_level)l);
		break;
	case 'c': break; /* read first (config_file) */
	case OPT_CMOD:
		if (c->ncmodules >= CMOD_MAX)
			return usage_error("%s", "at most 8 --cmodule");
		c->cmodules[c->ncmodules++] = arg;
		break;
	case OPT_FWFILE:
		if (strlen(arg) >= sizeof(c->fw_file))
			return usage_error("--fw-file '%s': path too long", arg);
		snprintf(c->fw_file, sizeof(c->fw_file), "%s", strcmp(arg, "none") ? arg : "");
		c->fw_file_set = true;
		break;
	case 'h': fputs(usage_text, stdout); exit(0);
	case 'V': printf("xtoed (xtoe) %s\n", XTOE_VERSION); exit(0);
	case '?': return usage_error("%s", "unknown option or missing value");
	default:
		if (parse_num_opt(opt, arg, c))
			return usage_error("bad value '%s'", arg);
	}
	return 0;
}

static int parse_vector(int argc, char **argv, struct xtoed_cfg *c)
{
	int opt, err;

	optind = 0; /* a fresh scan: the configuration file's, then argv's */
	while ((opt = getopt_long(argc, argv, "i:a:s:g:m:bvqc:Vh", long_opts, NULL)) != -1)
		if ((err = apply_opt(opt, optarg, c)))
			return err;
	return 0;
}

/* --config FILE / -c FILE / --config=FILE on the command line, if any. */
static const char *config_file(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}

static int parse_args(int argc, char **argv, struct xtoed_cfg *c, char *sock, size_t socklen)
{
	const char *conf = config_file(argc, argv);
	char **cav;
	int cac, err;

	xtoed_cfg_defaults(c);
	if (conf) {
		if (conf_argv(conf, argv[0], long_opts, &cac, &cav))
			return 2;
		if ((err = parse_vector(cac, cav, c)))
			return err;
		if (optind < cac)
			return usage_error("%s: stray words in the file", conf);
	}
	if ((err = parse_vector(argc, argv, c)))
		return err;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!c->ifname || !c->addr)
		return usage_error("%s", "--iface and --addr are required");
	if ((err = check_placement(c)))
		return err;
	if (!is_pow2(c->rx_size) || !is_pow2(c->tx_size))
		return usage_error("%s", "--rx-buf and --tx-buf must be powers of two");
	if (!c->fw_file_set)
		xtoe_rules_path(c->fw_file, sizeof(c->fw_file), c->ifname);
	if (!c->sock_path) {
		xtoe_sock_path(sock, socklen, c->ifname);
		c->sock_path = sock;
	}
	return 0;
}

/* The kernel must own the address too: it answers ARP for it. */
static void warn_missing_addr(const struct xtoed_cfg *c)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, c->ifname) &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == c->addr)
			found = true;
	freeifaddrs(ifa);
	if (!found)
		log_warn("%s does not carry the address given with "
			"--addr; peers will not resolve it (ARP). Add it with "
			"'ip addr add ADDR/NN dev %s'", c->ifname, c->ifname);
}

/* The AF_XDP port on --iface, and the firewall rules kept for it. */
static int open_port(struct xtoed *d, struct port **port)
{
	struct port_xdp_cfg pc = {
		.ifname = d->cfg.ifname, .addr = d->cfg.addr,
		.queues = d->cfg.queues, .nqueues = d->cfg.nqueues,
		.mode = d->cfg.xdp_mode,
		.no_sg = d->cfg.no_sg,
		.tx_gso = d->cfg.tx_gso,
		.mtu = d->cfg.mss + 40u, /* tcp_defaults: the MTU, or --mss */
	};

	warn_missing_addr(&d->cfg);
	return port_xdp_open(port, &pc);
}

static uint64_t read_sysctl_last(const char *path)
{
	unsigned long long v = 0, x;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fscanf(f, "%llu", &x) == 1)
		v = x;
	fclose(f);
	return v;
}

/* What a peer sees from Linux on this interface (docs/tcp-core.md): the
 * MSS from its MTU, the window scale from the largest receive buffer
 * (tcp_rmem[2], rmem_max) as tcp_select_initial_window computes it. */
static void tcp_defaults(struct xtoed *d)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t r2 = read_sysctl_last("/proc/sys/net/ipv4/tcp_rmem");
	uint64_t rmax = read_sysctl_last("/proc/sys/net/core/rmem_max");
	uint32_t mtu = 1500;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", d->cfg.ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFMTU, &ifr) && ifr.ifr_mtu > 576)
		mtu = (uint32_t)ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	xtoed_cfg_tcp(&d->cfg, mtu, r2 > rmax ? r2 : rmax);
}

int main(int argc, char **argv)
{
	static struct xtoed d;
	struct port *port = NULL;
	char sock[108];
	int err;

	err = parse_args(argc, argv, &d.cfg, sock, sizeof(sock));
	if (err)
		return err;
	if (d.cfg.verbose && log_level() < LOG_LVL_INFO)
		log_set_level(LOG_LVL_INFO);
	d.cp_efd = -1;
	tcp_defaults(&d);
	err = xtoed_load_cmodules(&d) ?: open_port(&d, &port);
	if (err) {
		port_close(port);
		goto out;
	}
	/* the firewall is in the chain before the chain is attached */
	err = xtoed_open(&d, port) ?: cp_tools_fw_restore(&d) ?: port_attach(d.port);
	if (err)
		goto out;
	cp_tools_fw_sync(&d);
	err = xtoed_run(&d);
	if (d.cfg.verbose)
		dp_print_stats(&d, stderr);
	cp_tools_fw_sync(&d); /* the rules as they are now decide: the chain stays or goes */
out:
	if (err && err != -EINTR)
		log_err("%s: %s", d.cfg.ifname, strerror(-err));
	xtoed_close(&d);
	return err ? 1 : 0;
}
