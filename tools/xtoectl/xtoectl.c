// SPDX-License-Identifier: MIT
/*
 * xtoectl: the host loader and operator CLI. Parses arguments and calls the
 * XDP-side library (xdp/chain.h, xdp/module.h).
 *
 *   xtoectl [-i IFACE | -s SOCK] [-j] [-v] NOUN VERB [ARGS] [OPTIONS]
 *
 * Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <xtoe/drop.h>
#include <xtoe/xtoe.h>

#include "xdp/chain.h"
#include "common/ctl.h"
#include "common/log.h"
#include "xdp/module.h"
#include "common/proto.h"

#include "cli.h"

/* One table: getopt's options and --help's text. */
static const struct opt {
	const char *name, *arg, *help;
	int val;
} opts[] = {
	{ "iface", "IFACE", "interface whose chain to change (default: ask the daemon)", 'i' },
	{ "sock", "PATH", "daemon socket (default: $XTOE_SOCK)", 's' },
	{ "json", NULL, "machine-readable output (errors as {\"error\": ...})", 'j' },
	{ "verbose", NULL, "clang's command, the whole verifier log, libbpf's messages", 'v' },
	{ "name", "NAME", "module add: name in the chain (default: the XTOE_MODULE name)", 'n' },
	{ "before", "MODULE", "module add: insert before MODULE", 'B' },
	{ "after", "MODULE", "module add: insert after MODULE", 'A' },
	{ "first", NULL, "module add: insert at the head of the chain", 'F' },
	{ "mode", "MODE", "native|skb|hw: the XDP mode the module is meant for", 'm' },
	{ "count", "N", "module trace: stop after N verdicts (default 10); trace: events", 'c' },
	{ "timeout", "S", "module trace: stop after S seconds (default 10); trace too", 't' },
	{ "handle", "N", "fw add: the new rule's handle (default: the next free)", 'H' },
	{ "state", "S", "conns: only connections in state S (e.g. ESTABLISHED)", 'S' },
	{ "port", "P", "conns, trace: only connections with local or peer port P", 'P' },
	{ "events", "LIST", "trace: only these (state,rtt,cwnd,retx,drop)", 'E' },
	{ "help", NULL, "this text", 'h' },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xtoectl [OPTIONS] NOUN VERB [ARGS]\n\n"
		"  module add FILE.bpf.c|FILE.o|BUILTIN  compile, verify, load, insert into the chain\n"
		"                                 (built-ins: firewall classify trace splice ...)\n"
		"  module list                    modules in chain order, with counters\n"
		"  module del NAME                remove from the chain\n"
		"  module replace NAME FILE       swap the program in NAME's place\n"
		"  module trace [--count N] [--timeout S]  print the chain's verdicts as frames pass\n"
		"  cmodule add FILE.so[:ARGS]     load a C module into the running daemon\n"
		"  fw add [--handle N] RULE       append a firewall rule; RULE is\n"
		"        drop|pass|kernel [proto tcp|udp|icmp|N] [src CIDR] [dst CIDR]\n"
		"        [sport P[-Q]] [dport P[-Q]]   (first match decides; pass: on as\n"
		"        without the rule; kernel: to the kernel stack, bypassing xtoe)\n"
		"  fw del HANDLE | fw flush       remove one rule | all rules\n"
		"  fw list                        rules in order, with packet and byte counters\n"
		"  fw apply FILE                  replace all rules with FILE's (one per line,\n"
		"                                 '#' comments): all or nothing\n"
		"  fw save                        the rules in FILE format (what apply reads)\n"
		"  stats                          data-path, AF_XDP and per-module counters\n"
		"  conns [--state S] [--port P]   connections and listeners (ss-like)\n"
		"  trace [port N] [host A.B.C.D] [--events LIST] [-c N] [-t S]\n"
		"                                 live TCP events: state, rtt, cwnd, retx, drop\n\n"
		"options:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[40];

		if (opts[i].val >= 'a')
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].val,
				 opts[i].name, opts[i].arg ? " " : "",
				 opts[i].arg ? opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, opts[i].help);
	}
	fprintf(f, "\nexit status: 0 done, 1 failed, 2 usage error\n");
}

static int parse_opts(int argc, char **argv, struct cli *c)
{
	struct option lo[NOPTS + 1];
	int ch;

	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < NOPTS; i++)
		lo[i] = (struct option){ opts[i].name,
			opts[i].arg ? required_argument : no_argument, NULL, opts[i].val };
	while ((ch = getopt_long(argc, argv, "i:s:jvn:m:c:t:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'i': c->iface = optarg; break;
		case 's': c->sock = optarg; break;
		case 'j': c->json = true; break;
		case 'v': c->verbose = true; break;
		case 'n': c->mo.name = optarg; break;
		case 'B': c->pos = (struct xchain_pos){ XCHAIN_BEFORE, optarg }; break;
		case 'A': c->pos = (struct xchain_pos){ XCHAIN_AFTER, optarg }; break;
		case 'F': c->pos = (struct xchain_pos){ XCHAIN_FIRST, NULL }; break;
		case 'c': c->count = strtol(optarg, NULL, 10); break;
		case 't': c->timeout_s = strtol(optarg, NULL, 10); break;
		case 'H': c->handle = optarg; break;
		case 'S': c->state = optarg; break;
		case 'P': c->port = strtoul(optarg, NULL, 10); break;
		case 'E': c->events = optarg; break;
		case 'm':
			if (xmod_parse_mode(optarg, &c->mo.mode)) {
				log_err("--mode: native, skb or hw, "
					"not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'h': usage(stdout); exit(0);
		default: return -EINVAL;
		}
	}
	return 0;
}

/* The interface: -i, else ask the daemon at --sock / $XTOE_SOCK. */
int find_iface(struct cli *c)
{
	const char *sock = c->sock ? c->sock : getenv(XTOE_SOCK_ENV);
	int err;

	if (c->iface) {
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

static const char *const verdict_names[XTOE_V__COUNT] = {
	"aborted", "drop", "pass", "tx", "redirect", "next",
};

static void list_json(const struct cli *c, const struct xchain_ent *e, int n,
		      const struct xtoe_mstat *entry)
{
	printf("{\"iface\":\"%s\",\"entry\":{\"frames\":%llu,\"passed\":%llu,"
	       "\"failed_tail_calls\":%llu},\"modules\":[", c->ifname,
	       (unsigned long long)entry->seen,
	       (unsigned long long)entry->v[XTOE_PASS],
	       (unsigned long long)entry->v[XTOE_ABORTED]);
	for (int i = 0; i < n; i++) {
		printf("%s{\"pos\":%u,\"name\":\"%s\",\"slot\":%u,\"prog_id\":%u,"
		       "\"builtin\":%s,\"final\":%s,\"seen\":%llu,\"verdicts\":{",
		       i ? "," : "", e[i].pos, e[i].info.name, e[i].slot,
		       e[i].info.prog_id,
		       e[i].info.flags & XTOE_MOD_F_BUILTIN ? "true" : "false",
		       e[i].info.flags & XTOE_MOD_F_FINAL ? "true" : "false",
		       (unsigned long long)e[i].st.seen);
		for (int v = 0; v < XTOE_V__COUNT; v++)
			printf("%s\"%s\":%llu", v ? "," : "", verdict_names[v],
			       (unsigned long long)e[i].st.v[v]);
		printf("}}");
	}
	printf("]}\n");
}

static void list_text(const struct xchain_ent *e, int n,
		      const struct xtoe_mstat *entry)
{
	printf("entry: %llu frames, %llu passed by the entry itself, %llu failed "
	       "tail calls\n", (unsigned long long)entry->seen,
	       (unsigned long long)entry->v[XTOE_PASS],
	       (unsigned long long)entry->v[XTOE_ABORTED]);
	printf("%-3s %-20s %4s %7s %10s %10s %10s %10s %10s %10s\n", "POS",
	       "NAME", "SLOT", "PROG", "SEEN", "NEXT", "DROP", "PASS", "TX",
	       "REDIRECT");
	for (int i = 0; i < n; i++)
		printf("%-3u %-20s %4u %7u %10llu %10llu %10llu %10llu %10llu %10llu%s\n",
		       e[i].pos, e[i].info.name, e[i].slot, e[i].info.prog_id,
		       (unsigned long long)e[i].st.seen,
		       (unsigned long long)e[i].st.v[XTOE_NEXT],
		       (unsigned long long)e[i].st.v[XTOE_DROP],
		       (unsigned long long)e[i].st.v[XTOE_PASS],
		       (unsigned long long)e[i].st.v[XTOE_TX],
		       (unsigned long long)e[i].st.v[XTOE_REDIRECT],
		       e[i].info.flags & XTOE_MOD_F_FINAL ? "  (final)" :
		       e[i].info.flags & XTOE_MOD_F_BUILTIN ? "  (built-in)" : "");
}

static int cmd_list(struct cli *c, struct xchain *ch)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	struct xtoe_mstat entry;
	int n = xchain_walk(ch, e, XTOE_CHAIN_SLOTS);

	if (n < 0)
		return n;
	if (xchain_entry_stats(ch, &entry))
		memset(&entry, 0, sizeof(entry));
	if (c->json)
		list_json(c, e, n, &entry);
	else
		list_text(e, n, &entry);
	return 0;
}

/* --- module trace: verdict records (xtoe_vtrace) ------------------------ */

struct vtrace {
	const struct cli *cli;
	struct xchain_ent ents[XTOE_CHAIN_SLOTS];
	int nents;
	long seen;
};

static const char *slot_name(const struct vtrace *t, uint32_t slot)
{
	for (int i = 0; i < t->nents; i++)
		if (t->ents[i].slot == slot)
			return t->ents[i].info.name;
	return "?";
}

static int on_verdict(void *ctx, void *data, size_t size)
{
	struct vtrace *t = ctx;
	const struct xtoe_verdict_rec *r = data;
	const char *v = r->verdict < XTOE_V__COUNT ? verdict_names[r->verdict] : "?";

	if (size < sizeof(*r) || t->seen >= t->cli->count)
		return 0;
	t->seen++;
	if (t->cli->json)
		printf("{\"ts_ns\":%llu,\"module\":\"%s\",\"verdict\":\"%s\","
		       "\"drop\":\"%s\",\"len\":%u,\"vlan\":%d,\"class\":%u}\n",
		       (unsigned long long)r->ts_ns, slot_name(t, r->slot), v,
		       xtoe_drop_name(r->meta.drop), r->len,
		       r->meta.flags & XTOE_META_F_VLAN ? r->meta.vlan_tci & 0xfff : -1,
		       r->meta.class);
	else
		printf("%llu.%06llu %-16s %-8s len %-5u drop %-10s vlan %d class %u\n",
		       (unsigned long long)(r->ts_ns / 1000000000ull),
		       (unsigned long long)(r->ts_ns % 1000000000ull / 1000),
		       slot_name(t, r->slot), v, r->len,
		       xtoe_drop_name(r->meta.drop),
		       r->meta.flags & XTOE_META_F_VLAN ? r->meta.vlan_tci & 0xfff : -1,
		       r->meta.class);
	fflush(stdout);
	return 0;
}

static int cmd_trace(struct cli *c, struct xchain *ch)
{
	struct vtrace t = { .cli = c };
	struct ring_buffer *rb;
	struct timespec t0, now;
	int err;

	if (c->count <= 0)
		c->count = 10;
	if (c->timeout_s <= 0)
		c->timeout_s = 10;
	t.nents = xchain_walk(ch, t.ents, XTOE_CHAIN_SLOTS);
	rb = ring_buffer__new(xchain_vtrace_fd(ch), on_verdict, &t, NULL);
	if (!rb)
		return -errno;
	err = xchain_trace_verdicts(ch, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!err && t.seen < c->count) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= c->timeout_s)
			break;
		err = ring_buffer__poll(rb, 100);
		err = err < 0 && err != -EINTR ? err : 0;
	}
	xchain_trace_verdicts(ch, false);
	ring_buffer__free(rb);
	return err;
}

static int done(const struct cli *c, const char *what, const char *name)
{
	if (c->json)
		printf("{\"%s\":\"%s\"}\n", what, name);
	else
		printf("module %s: %s\n", name, what);
	return 0;
}

/* argv: module VERB ARGS... */
static int cmd_module(struct cli *c, struct xchain *ch, int argc, char **argv)
{
	const char *verb = argv[1];
	char name[XTOE_MOD_NAME_MAX];
	int err;

	if (!strcmp(verb, "list") && argc == 2)
		return cmd_list(c, ch);
	if (!strcmp(verb, "trace") && argc == 2)
		return cmd_trace(c, ch);
	if (!strcmp(verb, "add") && argc == 3) {
		err = xmod_add(ch, argv[2], &c->pos, &c->mo, name);
		return err ?: done(c, "added", name);
	}
	if (!strcmp(verb, "del") && argc == 3) {
		err = xmod_del(ch, argv[2]);
		return err ?: done(c, "removed", argv[2]);
	}
	if (!strcmp(verb, "replace") && argc == 4) {
		err = xmod_replace(ch, argv[2], argv[3], &c->mo);
		return err ?: done(c, "replaced", argv[2]);
	}
	return -EINVAL - 1000; /* usage */
}

/* The daemon's socket: --sock, $XTOE_SOCK, or the default for -i IFACE. */
const char *daemon_sock(const struct cli *c, char *buf, size_t len)
{
	const char *s = c->sock ? c->sock : getenv(XTOE_SOCK_ENV);

	if (s || !c->iface)
		return s;
	xtoe_sock_path(buf, len, c->iface);
	return buf;
}

static int cmd_cmodule(struct cli *c, int argc, char **argv)
{
	char buf[128], name[100];
	const char *sock = daemon_sock(c, buf, sizeof(buf));
	int err;

	if (argc != 3 || strcmp(argv[1], "add")) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!sock) {
		log_err("which daemon? pass --sock PATH, set "
			"XTOE_SOCK, or -i IFACE for the default socket");
		return EXIT_USAGE;
	}
	err = xctl_cmodule_add(sock, argv[2], name, sizeof(name));
	if (err) {
		if (c->json)
			printf("{\"error\":\"%s\"}\n", strerror(-err));
		return 1;
	}
	if (c->json)
		printf("{\"cmodule\":\"%s\"}\n", name);
	else
		printf("cmodule %s: loaded\n", name);
	return 0;
}

static int run(struct cli *c, int argc, char **argv)
{
	struct xchain *ch;
	int err;

	if (argc >= 1 && !strcmp(argv[0], "cmodule"))
		return cmd_cmodule(c, argc, argv);
	if (argc == 1 && !strcmp(argv[0], "stats"))
		return cli_stats(c);
	if (argc == 1 && !strcmp(argv[0], "conns"))
		return cli_conns(c);
	if (argc >= 1 && !strcmp(argv[0], "trace")) {
		err = cli_trace(c, argc - 1, argv + 1);
		if (err == CLI_USAGE)
			usage(stderr);
		return err == CLI_USAGE ? EXIT_USAGE : err;
	}
	if (argc >= 2 && !strcmp(argv[0], "fw")) {
		err = cli_fw(c, argc, argv);
		if (err == CLI_USAGE)
			usage(stderr);
		return err == CLI_USAGE ? EXIT_USAGE : err;
	}
	if (argc < 2 || strcmp(argv[0], "module")) {
		usage(stderr);
		return EXIT_USAGE;
	}
	err = find_iface(c) ?: xchain_open(&ch, c->pin_dir);
	if (err)
		goto fail;
	err = cmd_module(c, ch, argc, argv);
	xchain_close(ch);
	if (err == -EINVAL - 1000) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!err)
		return 0;
fail:
	if (c->json)
		printf("{\"error\":\"%s\"}\n", strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	struct cli c;

	memset(&c, 0, sizeof(c));
	c.pos.where = XCHAIN_DEFAULT;
	if (parse_opts(argc, argv, &c)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c.mo.verbose = c.verbose;
	if (c.verbose)
		log_set_level(LOG_LVL_INFO);
	xchain_log_setup();
	return run(&c, argc - optind, argv + optind);
}
