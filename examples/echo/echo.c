/* SPDX-License-Identifier: MIT */
/* xtoe-echo: command line, signal handling and dispatch. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"
#include "common/version.h"

volatile sig_atomic_t echo_stop;

static const char *const usage_text[] = {
	[MODE_SERVER] =
	"usage: xtoe-echo server -p PORT [-a ADDR] [--kernel [--cc NAME]]\n"
	"  Echo every byte back on every connection until SIGINT/SIGTERM.\n"
	"  -p, --port PORT    port to listen on\n"
	"  -a, --addr ADDR    address to listen on (default: any)\n"
	"      --kernel       use Linux sockets instead of xtoe\n"
	"      --cc NAME      with --kernel: congestion control of the sockets\n"
	"                     (default: net.ipv4.tcp_congestion_control)\n",
	[MODE_CLIENT] =
	"usage: xtoe-echo client -c HOST:PORT [-n CONNS] [-s MSGSIZE] [-d SECONDS]\n"
	"                        [--warmup SECONDS] [--spin] [--kernel [--cc NAME]]\n"
	"  Closed loop: each connection sends MSGSIZE bytes, waits for the echo,\n"
	"  checks it and repeats. Prints rps, p50, p99, p999, p9999, requests,\n"
	"  cpu_us_per_req.\n"
	"  -c, --connect HOST:PORT  echo server\n"
	"  -n, --conns N        connections (default 1)\n"
	"  -s, --size BYTES     request size (default 64)\n"
	"  -d, --duration SEC   measured time (default 10)\n"
	"      --warmup SEC     unmeasured time before (default 0)\n"
	"      --spin           poll without sleeping (a busy-polling client: one\n"
	"                       core stays busy); default: block in epoll/xtoe_wait\n"
	"      --kernel         use Linux sockets instead of xtoe\n"
	"      --cc NAME        with --kernel: congestion control of the sockets\n",
	[MODE_STREAM] =
	"usage: xtoe-echo stream -c HOST:PORT -b BYTES [--kernel [--cc NAME]]\n"
	"  Send BYTES of a pattern on one connection, read the echo concurrently\n"
	"  and check every byte. Prints bytes and gbps.\n"
	"  -c, --connect HOST:PORT  echo server\n"
	"  -b, --bytes N        bytes to send (suffix K, M, G: powers of 1024)\n"
	"      --kernel         use Linux sockets instead of xtoe\n"
	"      --cc NAME        with --kernel: congestion control of the socket\n",
};

/* One line and a hint, not the whole help. */
static int usage_err(enum echo_mode m, const char *fmt, const char *arg)
{
	static const char *const mode[] = { [MODE_SERVER] = "server",
					    [MODE_CLIENT] = "client",
					    [MODE_STREAM] = "stream" };

	fprintf(stderr, "xtoe-echo: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'xtoe-echo %s --help' for more information.\n", mode[m]);
	return 2;
}

static int resolve(const char *host, struct sockaddr_in *sa)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;

	if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
		return 0;
	if (getaddrinfo(host, NULL, &hints, &res))
		return -1;
	sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static int parse_port(const char *s, struct sockaddr_in *sa)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || !v || v > 65535)
		return -1;
	sa->sin_port = htons((uint16_t)v);
	return 0;
}

static int parse_hostport(const char *s, struct sockaddr_in *sa)
{
	char host[256];
	const char *colon = strrchr(s, ':');

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	return resolve(host, sa) || parse_port(colon + 1, sa) ? -1 : 0;
}

static int parse_u64(const char *s, uint64_t *out, bool suffix)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || errno || *s == '-')
		return -1;
	if (suffix && *end) {
		int shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 :
			    *end == 'G' || *end == 'g' ? 30 : -1;

		if (shift < 0 || end[1])
			return -1;
		v <<= shift;
		end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_secs(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || v < 0 || v > 1e6)
		return -1;
	*out = v;
	return 0;
}

enum { OPT_KERNEL = 256, OPT_WARMUP, OPT_SPIN, OPT_CC };

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "kernel", no_argument, NULL, OPT_KERNEL },
	{ "cc", required_argument, NULL, OPT_CC },
	{ "port", required_argument, NULL, 'p' },
	{ "addr", required_argument, NULL, 'a' },
	{ "connect", required_argument, NULL, 'c' },
	{ "conns", required_argument, NULL, 'n' },
	{ "size", required_argument, NULL, 's' },
	{ "duration", required_argument, NULL, 'd' },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "spin", no_argument, NULL, OPT_SPIN },
	{ "bytes", required_argument, NULL, 'b' },
	{ 0 },
};

/* Which options each mode takes. */
static bool opt_allowed(enum echo_mode m, int c)
{
	switch (c) {
	case 'h': case OPT_KERNEL: case OPT_CC: return true;
	case 'p': case 'a': return m == MODE_SERVER;
	case 'c': return m != MODE_SERVER;
	case 'n': case 's': case 'd': case OPT_WARMUP: case OPT_SPIN: return m == MODE_CLIENT;
	case 'b': return m == MODE_STREAM;
	}
	return false;
}

/* 0 ok, 1 --help printed, -1 bad value. */
static int apply_opt(struct echo_opts *o, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'h': printf("%s", usage_text[o->mode]); return 1;
	case OPT_KERNEL: o->kernel = true; return 0;
	case OPT_CC: o->cc = arg; return *arg && strlen(arg) < 16 ? 0 : -1; /* TCP_CA_NAME_MAX */
	case 'p': return parse_port(arg, &o->addr);
	case 'a': return resolve(arg, &o->addr);
	case 'c': return parse_hostport(arg, &o->addr);
	case 'n':
		if (parse_u64(arg, &v, false) || !v || v > 100000)
			return -1;
		o->conns = (int)v;
		return 0;
	case 's':
		if (parse_u64(arg, &v, false) || !v || v > (64u << 20))
			return -1;
		o->msg_size = (size_t)v;
		return 0;
	case 'd': return parse_secs(arg, &o->duration) || o->duration <= 0 ? -1 : 0;
	case OPT_WARMUP: return parse_secs(arg, &o->warmup);
	case OPT_SPIN: o->spin = true; return 0;
	case 'b': return parse_u64(arg, &o->bytes, true) || !o->bytes ? -1 : 0;
	}
	return -1;
}

static int parse_args(struct echo_opts *o, int argc, char **argv)
{
	int c, rc;

	optind = 2;
	while ((c = getopt_long(argc, argv, "hp:a:c:n:s:d:b:", long_opts, NULL)) != -1) {
		if (c == '?' || !opt_allowed(o->mode, c))
			return usage_err(o->mode, "%s: option not valid here", argv[optind - 1]);
		rc = apply_opt(o, c, optarg);
		if (rc > 0)
			return 0;
		if (rc < 0)
			return usage_err(o->mode, "bad value '%s'", optarg);
	}
	if (optind < argc)
		return usage_err(o->mode, "unexpected argument '%s'", argv[optind]);
	if (o->mode == MODE_SERVER && !o->addr.sin_port)
		return usage_err(o->mode, "%s", "missing -p PORT");
	if (o->mode != MODE_SERVER && !o->addr.sin_port)
		return usage_err(o->mode, "%s", "missing -c HOST:PORT");
	if (o->mode == MODE_STREAM && !o->bytes)
		return usage_err(o->mode, "%s", "missing -b BYTES");
	if (o->cc && !o->kernel)
		return usage_err(o->mode, "%s", "--cc needs --kernel (xtoe's is xtoed's --cc)");
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	echo_stop = 1;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int run(const struct echo_opts *o)
{
	static int (*const fns[][2])(const struct echo_opts *) = {
		[MODE_SERVER] = { xtoe_server, kernel_server },
		[MODE_CLIENT] = { xtoe_client, kernel_client },
		[MODE_STREAM] = { xtoe_stream, kernel_stream },
	};

	return fns[o->mode][o->kernel](o);
}

int main(int argc, char **argv)
{
	struct echo_opts o = {
		.addr.sin_family = AF_INET, .conns = 1, .msg_size = 64, .duration = 10,
	};
	int rc;

	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("xtoe-echo (xtoe) %s\n", XTOE_VERSION);
		return 0;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "usage: xtoe-echo server|client|stream [options]; "
			"xtoe-echo MODE --help for details\n");
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "server"))
		o.mode = MODE_SERVER;
	else if (!strcmp(argv[1], "client"))
		o.mode = MODE_CLIENT;
	else if (!strcmp(argv[1], "stream"))
		o.mode = MODE_STREAM;
	else {
		fprintf(stderr, "xtoe-echo: unknown mode '%s'; use server, client or stream\n",
			argv[1]);
		return 2;
	}
	rc = parse_args(&o, argc, argv);
	if (rc >= 0)
		return rc;
	setup_signals();
	return run(&o);
}
