// SPDX-License-Identifier: MIT
/*
 * xtoectl: the host loader and operator CLI. Parses arguments and calls the
 * XDP-side library (xdp/chain.h, xdp/module.h, xdp/fw_ctl.h) or asks the
 * daemon (common/ctl.h). One table of options feeds getopt and --help;
 * the man page is generated from --help (mk/install.mk).
 *
 *   xtoectl [-i IFACE | -s SOCK] [-j] [-v] NOUN VERB [ARGS] [OPTIONS]
 *
 * Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xtoe/xtoe.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/proto.h"

#include "cli.h"

enum { O_BEFORE = 256, O_AFTER, O_FIRST, O_HANDLE, O_STATE, O_PORT, O_EVENTS,
       O_INFO, O_DELTA, O_RESET, O_WATCH, O_LOGLEVEL, O_VERSION };

/* One table: getopt's options and --help's text. */
static const struct opt {
	const char *name, *arg, *help;
	int val;
} opts[] = {
	{ "iface", "IFACE", "interface to operate on (default: the daemon's at --sock)", 'i' },
	{ "sock", "PATH", "the daemon's socket (default: $XTOE_SOCK, else "
	  XTOE_RUN_DIR "/IFACE.sock)", 's' },
	{ "json", NULL, "JSON output, one object per line; errors as {\"error\": ...}", 'j' },
	{ "pretty", NULL, "JSON output, indented (implies -j)", 'p' },
	{ "verbose", NULL, "more messages: clang's command, the whole verifier log, "
	  "libbpf's messages", 'v' },
	{ "quiet", NULL, "errors and warnings only", 'q' },
	{ "log-level", "LEVEL", "err, warn, notice (default), info or debug", O_LOGLEVEL },
	{ "name", "NAME", "module add: the module's name in the chain (default: its "
	  "XTOE_MODULE name)", 'n' },
	{ "before", "MODULE", "module add: insert before MODULE", O_BEFORE },
	{ "after", "MODULE", "module add: insert after MODULE", O_AFTER },
	{ "first", NULL, "module add: insert at the head of the chain", O_FIRST },
	{ "mode", "MODE", "module add: native, skb or hw, the XDP mode it is meant for", 'm' },
	{ "count", "N", "module trace, trace: stop after N records; stats --watch: "
	  "after N intervals", 'c' },
	{ "timeout", "S", "module trace, trace: stop after S seconds", 't' },
	{ "handle", "N", "fw add, fw insert: the new rule's handle (default: the next free)",
	  O_HANDLE },
	{ "state", "STATE", "conns: only connections in STATE (as `conns state STATE`)",
	  O_STATE },
	{ "port", "P", "conns, trace: only connections with local or peer port P", O_PORT },
	{ "info", NULL, "conns: a second line per connection with its TCP details "
	  "(ss -i): cc, mss, rtt, cwnd, ssthresh, bytes, retransmissions", O_INFO },
	{ "events", "LIST", "trace: only these events (state,rtt,cwnd,retx,drop)", O_EVENTS },
	{ "delta", NULL, "stats: changes since the last `stats --delta` (nstat style; "
	  "history in $XDG_RUNTIME_DIR or /tmp)", O_DELTA },
	{ "reset", NULL, "stats: start the delta history afresh", O_RESET },
	{ "zeros", NULL, "stats: show counters that are zero too", 'z' },
	{ "watch", "S", "stats: print the changes every S seconds until interrupted", O_WATCH },
	{ "version", NULL, "print the version and exit", O_VERSION },
	{ "help", NULL, "print this help and exit", 'h' },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static void usage(void)
{
	printf("Usage: xtoectl [OPTIONS] NOUN VERB [ARGS]\n"
	       "Operate an interface served by xtoed: its XDP module chain, "
	       "firewall,\nconnections, counters and TCP events.\n\n"
	       "Commands:\n"
	       "  module list                  modules in chain order, with counters\n"
	       "  module add FILE|BUILTIN      compile (FILE.bpf.c), verify, load and insert a\n"
	       "                               module (built-ins: classify, trace, splice)\n"
	       "  module del NAME              remove a module (the daemon's own are protected)\n"
	       "  module replace NAME FILE     swap the program in NAME's place\n"
	       "  module trace                 print the chain's verdicts as frames pass\n"
	       "  cmodule add FILE.so[:ARGS]   load a C module into the running daemon\n"
	       "  fw list                      rules in order, with handles, counters, comments\n"
	       "  fw add [position H] RULE     append a rule (after rule H)\n"
	       "  fw insert [position H] RULE  insert a rule first (before rule H)\n"
	       "  fw del HANDLE | fw flush     remove one rule | all rules (and the module)\n"
	       "  fw apply FILE                replace all rules with FILE's: all or nothing\n"
	       "  fw check FILE                report every error in FILE, change nothing\n"
	       "  fw save                      the rules as a rule file\n"
	       "  stats                        data-path, AF_XDP, drop and module counters\n"
	       "  conns [FILTER]               connections and listeners, like ss -t\n"
	       "  trace [port P] [host A]      live TCP events: state, rtt, cwnd, retx, drop\n"
	       "  detach                       remove the XDP chain a stopped xtoed left\n"
	       "                               attached to keep its firewall\n\n"
	       "Firewall rules:\n"
	       "  [handle N] ACTION [MATCH...] [comment TEXT]; ACTION drop, pass (or accept:\n"
	       "  on as without the rule) or kernel (to the kernel stack, bypassing xtoe);\n"
	       "  MATCH KEY [!=] VALUE or KEY [!=] { VALUE, ... } with KEY proto (tcp, udp,\n"
	       "  icmp, a number), src or dst (A.B.C.D[/N]), sport or dport (P, P-Q or a\n"
	       "  service name). The first rule that matches decides.\n\n"
	       "Connection filters (ss):\n"
	       "  state STATE (established, listen, time-wait, connected, all ...),\n"
	       "  exclude STATE, sport|dport OP [ADDR]:PORT with OP = != < > <= >=,\n"
	       "  src|dst ADDR[/N][:PORT], joined by and, or, not and parentheses.\n\n"
	       "Options:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[40];

		if (opts[i].val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].val,
				 opts[i].name, opts[i].arg ? " " : "",
				 opts[i].arg ? opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		printf("  %-24s %s\n", left, opts[i].help);
	}
	printf("\nExamples:\n"
	       "  xtoectl -i eth0 fw add drop proto tcp dport { 22, 23 } comment \"no telnet\"\n"
	       "  xtoectl -i eth0 conns state established '( sport = :http or dport = :http )'\n"
	       "  xtoectl -i eth0 stats --delta\n"
	       "  xtoectl -i eth0 module add examples/modules/port_count.bpf.c --first\n\n"
	       "Exit status:\n"
	       "  0 done, 1 failed, 2 usage error.\n");
}

static int parse_count(const char *s, const char *what, long *out)
{
	unsigned long v;

	if (arg_ulong(s, 1, 1000000000ul, &v))
		return usage_error(CLI_HINT, "%s: a positive number, not '%s'", what, s);
	*out = (long)v;
	return 0;
}

static int parse_opt(int ch, struct cli *c)
{
	unsigned long v;
	char *end;
	int l;

	switch (ch) {
	case 'i': c->iface = optarg; break;
	case 's': c->sock = optarg; break;
	case 'p': c->pretty = true; /* fall through */
	case 'j': c->json = true; break;
	case 'v': c->verbose = true; break;
	case 'q': log_set_level(LOG_LVL_WARN); break;
	case 'n': c->mo.name = optarg; break;
	case O_BEFORE: c->pos = (struct xchain_pos){ XCHAIN_BEFORE, optarg }; break;
	case O_AFTER: c->pos = (struct xchain_pos){ XCHAIN_AFTER, optarg }; break;
	case O_FIRST: c->pos = (struct xchain_pos){ XCHAIN_FIRST, NULL }; break;
	case 'c': return parse_count(optarg, "--count", &c->count);
	case 't': return parse_count(optarg, "--timeout", &c->timeout_s);
	case O_HANDLE: c->handle = optarg; break;
	case O_STATE: c->state = optarg; break;
	case O_EVENTS: c->events = optarg; break;
	case O_INFO: c->info = true; break;
	case O_DELTA: c->delta = true; break;
	case O_RESET: c->reset = c->delta = true; break;
	case 'z': c->zeros = true; break;
	case O_PORT:
		if (arg_ulong(optarg, 1, 65535, &v))
			return usage_error(CLI_HINT, "--port: 1 to 65535, not '%s'", optarg);
		c->port = v;
		break;
	case O_WATCH:
		c->watch_s = strtod(optarg, &end);
		if (*end || end == optarg || !(c->watch_s >= 0.1 && c->watch_s <= 86400))
			return usage_error(CLI_HINT, "--watch: seconds from 0.1 to 86400, "
					   "not '%s'", optarg);
		c->delta = true;
		break;
	case O_LOGLEVEL:
		if ((l = log_level_parse(optarg)) < 0)
			return usage_error(CLI_HINT, "--log-level: err, warn, notice, "
					   "info or debug, not '%s'", optarg);
		log_set_level((enum log_level)l);
		break;
	case 'm':
		if (xmod_parse_mode(optarg, &c->mo.mode))
			return usage_error(CLI_HINT, "--mode: native, skb or hw, not '%s'",
					   optarg);
		break;
	case 'h': usage(); exit(0);
	case O_VERSION: print_version(); exit(0);
	default:
		return usage_error(CLI_HINT, "unknown option");
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct cli *c)
{
	struct option lo[NOPTS + 1];
	int ch, err;

	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < NOPTS; i++)
		lo[i] = (struct option){ opts[i].name,
			opts[i].arg ? required_argument : no_argument, NULL, opts[i].val };
	/* -j first, so that usage errors of the other options are JSON too */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			jout_begin();
	opterr = 0; /* our own one-line messages */
	while ((ch = getopt_long(argc, argv, ":i:s:jpvqn:m:c:t:zh", lo, NULL)) != -1) {
		if (ch == '?' || ch == ':')
			return usage_error(CLI_HINT, "%s '%s'", ch == '?' ? "unknown option" :
					   "missing value for option", argv[optind - 1]);
		if ((err = parse_opt(ch, c)))
			return err;
	}
	return 0;
}

int find_iface(struct cli *c)
{
	const char *sock = c->sock ? c->sock : getenv(XTOE_SOCK_ENV);
	int err;

	if (c->iface) {
		if (strlen(c->iface) >= IF_NAMESIZE) {
			log_err("'%s' is not an interface name (at most %d characters)",
				c->iface, IF_NAMESIZE - 1);
			return -EINVAL;
		}
		snprintf(c->ifname, sizeof(c->ifname), "%s", c->iface);
	} else if (sock) {
		err = xctl_daemon_iface(sock, c->ifname, sizeof(c->ifname));
		if (err)
			return err;
	} else {
		log_err("which interface? pass -i IFACE, or "
			"--sock PATH / XTOE_SOCK for the daemon's socket");
		return -EINVAL;
	}
	xtoe_pin_path(c->pin_dir, sizeof(c->pin_dir), c->ifname);
	c->mo.ifname = c->ifname;
	return 0;
}

const char *daemon_sock(const struct cli *c, char *buf, size_t len)
{
	const char *s = c->sock ? c->sock : getenv(XTOE_SOCK_ENV);

	if (s || !c->iface)
		return s;
	return xtoe_sock_path(buf, len, c->iface);
}

const char *need_sock(const struct cli *c, char *buf, size_t len)
{
	const char *s = daemon_sock(c, buf, len);

	if (!s)
		log_err("which daemon? pass -i IFACE for its default socket, "
			"--sock PATH, or set XTOE_SOCK");
	return s;
}

int cli_fetch(const struct cli *c, uint32_t op, void *buf, size_t len, uint32_t *bytes)
{
	char sb[128];
	const char *sock = need_sock(c, sb, sizeof(sb));
	struct xtoe_resp r;
	size_t got = 0;
	ssize_t n = 0;
	int fd, err;

	if (!sock)
		return -EINVAL;
	err = xctl_ask_fd(sock, op, &r, &fd);
	if (err)
		return err;
	while (got < len && (n = read(fd, (char *)buf + got, len - got)) > 0)
		got += (size_t)n;
	err = n < 0 ? -errno : 0;
	close(fd);
	if (bytes)
		*bytes = (uint32_t)got;
	return err;
}

int cli_fail(const struct cli *c, int err)
{
	if (c->json)
		jout_error(strerror(err < 0 ? -err : err));
	else if (!log_error_count())
		log_err("%s", strerror(err < 0 ? -err : err));
	return 1;
}

int cli_json(const struct cli *c, json_t *o)
{
	int err = 0;

	if (!o)
		return 1;
	if (c->pretty) {
		if (json_dumpf(o, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF ||
		    fflush(stdout))
			err = -EIO;
		json_decref(o);
	} else {
		err = jout_print(o);
	}
	return err ? 1 : 0;
}

void cli_time_text(uint64_t mono_ns, char *buf, size_t len)
{
	int64_t real = (int64_t)mono_ns + clock_real_offset_ns();
	time_t t = (time_t)(real / 1000000000);
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(real % 1000000000 / 1000));
}

double cli_time_epoch(uint64_t mono_ns)
{
	return (double)((int64_t)mono_ns + clock_real_offset_ns()) / 1e9;
}

static const struct noun {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
} nouns[] = {
	{ "module", cli_module }, { "cmodule", cli_cmodule }, { "fw", cli_fw },
	{ "stats", cli_stats }, { "conns", cli_conns }, { "trace", cli_trace },
	{ "detach", cli_detach },
};

static int run(struct cli *c, int argc, char **argv)
{
	if (argc < 1)
		return usage_error(CLI_HINT, "a command is missing (module, fw, stats, "
				   "conns, trace ...)");
	for (size_t i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
		if (!strcmp(argv[0], nouns[i].name))
			return nouns[i].run(c, argc, argv);
	return usage_error(CLI_HINT, "unknown command '%s' (module, cmodule, fw, stats, "
			   "conns, trace, detach)", argv[0]);
}

int main(int argc, char **argv)
{
	struct cli c;
	int err;

	memset(&c, 0, sizeof(c));
	c.pos.where = XCHAIN_DEFAULT;
	err = parse_opts(argc, argv, &c);
	if (err)
		return err;
	c.mo.verbose = c.verbose;
	if (c.verbose && log_level() < LOG_LVL_INFO)
		log_set_level(LOG_LVL_INFO);
	xchain_log_setup();
	return run(&c, argc - optind, argv + optind);
}
