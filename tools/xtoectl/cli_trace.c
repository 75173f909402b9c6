// SPDX-License-Identifier: MIT
/*
 * xtoectl trace: live TCP events of the daemon's connections (state
 * changes, RTT samples, cwnd, retransmissions, drops) from the rings it
 * hands over with XTOE_OP_TRACE (common/trace.h). The daemon traces for as
 * long as the request's socket stays open.
 *
 *   trace [port N] [host A.B.C.D] [--events state,rtt,cwnd,retx,drop]
 *         [-c N] [-t S] [-j]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/clock.h"
#include "common/proto.h"
#include "core/tcp_state.h"
#include "common/trace.h"
#include "common/log.h"

#define TRACE_BATCH 1024 /* records taken per ring and poll */

static const char *const type_names[XTOE_TR__COUNT] = {
	[XTOE_TR_STATE] = "state", [XTOE_TR_RTT] = "rtt", [XTOE_TR_CWND] = "cwnd",
	[XTOE_TR_RETX] = "retx", [XTOE_TR_DROP] = "drop",
};
static const char *const retx_names[XTOE_RETX__COUNT] = {
	[XTOE_RETX_FAST] = "fast", [XTOE_RETX_PARTIAL] = "partial",
	[XTOE_RETX_PROBE] = "probe", [XTOE_RETX_RTO] = "rto", [XTOE_RETX_SYN] = "syn",
};

struct tfilter {
	uint16_t port;   /* host order, 0: any */
	uint32_t host;   /* network order, 0: any */
	uint32_t types;  /* bit per enum xtoe_trace_type */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *name_of(const char *const *names, unsigned n, uint32_t v)
{
	return v < n && names[v] ? names[v] : "?";
}

static int parse_events(const char *list, uint32_t *types)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	*types = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i = 1;

		while (i < XTOE_TR__COUNT && strcmp(t, type_names[i]))
			i++;
		if (i == XTOE_TR__COUNT) {
			log_err("--events: state, rtt, cwnd, retx "
				"or drop, not '%s'", t);
			return -EINVAL;
		}
		*types |= 1u << i;
	}
	return 0;
}

static int parse_filter(const struct cli *c, int argc, char **argv, struct tfilter *f)
{
	struct in_addr a;

	f->port = (uint16_t)c->port;
	f->host = 0;
	f->types = ~0u;
	for (int i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return -EINVAL;
		if (!strcmp(argv[i], "port"))
			f->port = (uint16_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "host") && inet_pton(AF_INET, argv[i + 1], &a) == 1)
			f->host = a.s_addr;
		else
			return -EINVAL;
	}
	return c->events ? parse_events(c->events, &f->types) : 0;
}

static bool wanted(const struct tfilter *f, const struct xtoe_trace_rec *r)
{
	if (r->type >= XTOE_TR__COUNT || !(f->types & (1u << r->type)))
		return false;
	if (f->port && ntohs(r->lport) != f->port && ntohs(r->rport) != f->port)
		return false;
	return !f->host || r->laddr == f->host || r->raddr == f->host;
}

static void print_text(const struct xtoe_trace_rec *r)
{
	char la[INET_ADDRSTRLEN], ra[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->laddr, la, sizeof(la));
	inet_ntop(AF_INET, &r->raddr, ra, sizeof(ra));
	printf("%llu.%06llu %s:%u %s:%u %s ", (unsigned long long)(r->ts_ns / 1000000000u),
	       (unsigned long long)(r->ts_ns % 1000000000u / 1000u), la, ntohs(r->lport),
	       ra, ntohs(r->rport), name_of(type_names, XTOE_TR__COUNT, r->type));
	switch (r->type) {
	case XTOE_TR_STATE:
		printf("%s -> %s\n", tcp_state_name(r->a), tcp_state_name(r->b));
		break;
	case XTOE_TR_RTT:
		printf("%u us srtt %u us rttvar %u us\n", r->a, r->b, r->c);
		break;
	case XTOE_TR_CWND:
		printf("%u -> %u ssthresh %u\n", r->c, r->a, r->b);
		break;
	case XTOE_TR_RETX:
		printf("%s seq %u%s%.0u\n", name_of(retx_names, XTOE_RETX__COUNT, r->a),
		       r->b, r->c ? " try " : "", r->c);
		break;
	default:
		printf("%s seq %u\n", xtoe_drop_name(r->a), r->b);
	}
}

static void print_json(const struct xtoe_trace_rec *r)
{
	char la[INET_ADDRSTRLEN], ra[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->laddr, la, sizeof(la));
	inet_ntop(AF_INET, &r->raddr, ra, sizeof(ra));
	printf("{\"ts\":%llu.%06llu,\"laddr\":\"%s\",\"lport\":%u,\"raddr\":\"%s\","
	       "\"rport\":%u,\"src\":\"%s\",\"event\":\"%s\",",
	       (unsigned long long)(r->ts_ns / 1000000000u),
	       (unsigned long long)(r->ts_ns % 1000000000u / 1000u), la, ntohs(r->lport),
	       ra, ntohs(r->rport), r->src ? "cp" : "dp",
	       name_of(type_names, XTOE_TR__COUNT, r->type));
	switch (r->type) {
	case XTOE_TR_STATE:
		printf("\"from\":\"%s\",\"to\":\"%s\"}\n", tcp_state_name(r->a),
		       tcp_state_name(r->b));
		break;
	case XTOE_TR_RTT:
		printf("\"rtt_us\":%u,\"srtt_us\":%u,\"rttvar_us\":%u}\n", r->a, r->b, r->c);
		break;
	case XTOE_TR_CWND:
		printf("\"cwnd\":%u,\"old_cwnd\":%u,\"ssthresh\":%u}\n", r->a, r->c, r->b);
		break;
	case XTOE_TR_RETX:
		printf("\"kind\":\"%s\",\"seq\":%u,\"try\":%u}\n",
		       name_of(retx_names, XTOE_RETX__COUNT, r->a), r->b, r->c);
		break;
	default:
		printf("\"reason\":\"%s\",\"seq\":%u}\n", xtoe_drop_name(r->a), r->b);
	}
}

struct tsession {
	const struct cli *cli;
	struct tfilter f;
	struct xtoe_trace_shm *sh;
	struct spsc q[2];
	struct xtoe_trace_rec *buf;
	long printed;
};

/* One record if it passes the filter; false once -c is reached. */
static bool emit(struct tsession *t, const struct xtoe_trace_rec *r)
{
	if (!wanted(&t->f, r))
		return true;
	(t->cli->json ? print_json : print_text)(r);
	return !(t->cli->count > 0 && ++t->printed >= t->cli->count);
}

/* Both rings drained and merged in time order (each ring is in order);
 * false once -c is reached. */
static bool drain(struct tsession *t)
{
	size_t n0 = 0, n = 0, i, j;
	bool more = true;

	while (n0 < TRACE_BATCH && spsc_pop(&t->q[0], &t->buf[n0]))
		n0++;
	n = n0;
	while (n < 2 * TRACE_BATCH && spsc_pop(&t->q[1], &t->buf[n]))
		n++;
	for (i = 0, j = n0; more && (i < n0 || j < n);) {
		if (j == n || (i < n0 && t->buf[i].ts_ns <= t->buf[j].ts_ns))
			more = emit(t, &t->buf[i++]);
		else
			more = emit(t, &t->buf[j++]);
	}
	fflush(stdout);
	return more;
}

/* Until -c, -t, a signal, or the daemon going away. */
static void trace_loop(struct tsession *t, int sock)
{
	uint64_t end = t->cli->timeout_s > 0 ? now_ms() + (uint64_t)t->cli->timeout_s * 1000u : 0;
	struct pollfd p = { .fd = sock, .events = POLLIN };

	while (!stop && drain(t)) {
		if (end && now_ms() >= end)
			break;
		if (poll(&p, 1, 20) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			drain(t);
			log_err("the daemon ended the trace");
			break;
		}
	}
}

static int trace_run(struct cli *c, const struct tfilter *f, int fd, int sock)
{
	struct tsession t = { .cli = c, .f = *f };
	void *p = mmap(NULL, xtoe_trace_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	uint64_t lost;

	t.buf = calloc(2 * TRACE_BATCH, sizeof(*t.buf));
	if (p == MAP_FAILED || !t.buf) {
		free(t.buf);
		return p == MAP_FAILED ? -errno : -ENOMEM;
	}
	t.sh = p;
	for (int i = 0; i < 2; i++)
		spsc_attach(&t.q[i], xtoe_trace_ring(t.sh, i), XTOE_TRACE_ENTRIES,
			    sizeof(struct xtoe_trace_rec));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	trace_loop(&t, sock);
	lost = atomic_load(&t.sh->drops[0]) + atomic_load(&t.sh->drops[1]);
	if (lost)
		log_err("%llu events dropped (ring full)",
			(unsigned long long)lost);
	munmap(p, xtoe_trace_bytes());
	free(t.buf);
	return 0;
}

int cli_trace(struct cli *c, int argc, char **argv)
{
	char sb[128];
	const char *sock = daemon_sock(c, sb, sizeof(sb));
	struct xtoe_resp r;
	struct tfilter f;
	int err, fd, s;

	if (parse_filter(c, argc, argv, &f))
		return CLI_USAGE;
	if (!sock) {
		log_err("which daemon? pass --sock PATH, set "
			"XTOE_SOCK, or -i IFACE for the default socket");
		return EXIT_USAGE;
	}
	err = xctl_session_fd(sock, XTOE_OP_TRACE, 0, &r, &s, &fd);
	if (!err) {
		err = trace_run(c, &f, fd, s);
		close(fd);
	}
	if (s >= 0)
		close(s); /* ends the daemon's trace */
	if (err && c->json)
		printf("{\"error\":\"%s\"}\n", strerror(-err));
	return err ? 1 : 0;
}
