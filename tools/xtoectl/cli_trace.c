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
		if (i == XTOE_TR__COUNT)
			return usage_error(CLI_HINT, "--events: state, rtt, cwnd, retx "
					   "or drop, not '%s'", t);
		*types |= 1u << i;
	}
	return *types ? 0 : usage_error(CLI_HINT, "--events: an empty list");
}

/* port P | host A.B.C.D, each at most once. */
static int parse_filter(const struct cli *c, int argc, char **argv, struct tfilter *f)
{
	struct in_addr a;
	bool port = false;

	f->port = (uint16_t)c->port;
	f->host = 0;
	f->types = ~0u;
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(k, "port") && strcmp(k, "host"))
			return usage_error(CLI_HINT, "trace: unknown filter '%s' (port P, "
					   "host A.B.C.D)", k);
		if (!v)
			return usage_error(CLI_HINT, "trace: '%s' needs a value", k);
		if (!strcmp(k, "port")) {
			if (port || c->port)
				return usage_error(CLI_HINT, "trace: port given twice");
			if (arg_port(v, "tcp", &f->port))
				return usage_error(CLI_HINT, "trace: port: 1 to 65535 or a "
						   "service name, not '%s'", v);
			port = true;
		} else {
			if (f->host)
				return usage_error(CLI_HINT, "trace: host given twice");
			if (inet_pton(AF_INET, v, &a) != 1)
				return usage_error(CLI_HINT, "trace: host: an IPv4 address "
						   "A.B.C.D, not '%s'", v);
			f->host = a.s_addr;
		}
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
	char la[INET_ADDRSTRLEN], ra[INET_ADDRSTRLEN], ts[32];

	inet_ntop(AF_INET, &r->laddr, la, sizeof(la));
	inet_ntop(AF_INET, &r->raddr, ra, sizeof(ra));
	cli_time_text(r->ts_ns, ts, sizeof(ts));
	printf("%s %s:%u %s:%u %s ", ts, la, ntohs(r->lport), ra, ntohs(r->rport),
	       name_of(type_names, XTOE_TR__COUNT, r->type));
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

static json_t *rec_json(const struct xtoe_trace_rec *r)
{
	char la[INET_ADDRSTRLEN], ra[INET_ADDRSTRLEN];
	json_t *o = json_object();

	inet_ntop(AF_INET, &r->laddr, la, sizeof(la));
	inet_ntop(AF_INET, &r->raddr, ra, sizeof(ra));
	jset(o, "ts", json_real(cli_time_epoch(r->ts_ns)));
	jset_str(o, "laddr", la);
	jset_u64(o, "lport", ntohs(r->lport));
	jset_str(o, "raddr", ra);
	jset_u64(o, "rport", ntohs(r->rport));
	jset_str(o, "src", r->src ? "cp" : "dp");
	jset_str(o, "event", name_of(type_names, XTOE_TR__COUNT, r->type));
	switch (r->type) {
	case XTOE_TR_STATE:
		jset_str(o, "from", tcp_state_name(r->a));
		jset_str(o, "to", tcp_state_name(r->b));
		break;
	case XTOE_TR_RTT:
		jset_u64(o, "rtt_us", r->a);
		jset_u64(o, "srtt_us", r->b);
		jset_u64(o, "rttvar_us", r->c);
		break;
	case XTOE_TR_CWND:
		jset_u64(o, "cwnd", r->a);
		jset_u64(o, "old_cwnd", r->c);
		jset_u64(o, "ssthresh", r->b);
		break;
	case XTOE_TR_RETX:
		jset_str(o, "kind", name_of(retx_names, XTOE_RETX__COUNT, r->a));
		jset_u64(o, "seq", r->b);
		jset_u64(o, "try", r->c);
		break;
	default:
		jset_str(o, "reason", xtoe_drop_name(r->a));
		jset_u64(o, "seq", r->b);
	}
	return o;
}

struct tsession {
	const struct cli *cli;
	bool out_failed;         /* stdout went away (| head) */
	struct tfilter f;
	struct xtoe_trace_shm *sh;
	struct spsc q[2];
	struct xtoe_trace_rec *buf;
	long printed;
};

/* One record if it passes the filter; false once -c is reached or
 * stdout failed. */
static bool emit(struct tsession *t, const struct xtoe_trace_rec *r)
{
	if (!wanted(&t->f, r))
		return true;
	if (t->cli->json)
		t->out_failed = cli_json(t->cli, rec_json(r)) != 0;
	else
		print_text(r);
	return !t->out_failed && !(t->cli->count > 0 && ++t->printed >= t->cli->count);
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
	if (fflush(stdout))
		t->out_failed = true;
	return more && !t->out_failed;
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
			if (drain(t))
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
	signal(SIGPIPE, SIG_IGN); /* a closed stdout ends the loop: EPIPE */
	trace_loop(&t, sock);
	lost = atomic_load(&t.sh->drops[0]) + atomic_load(&t.sh->drops[1]);
	if (lost)
		log_err("%llu events dropped (ring full)",
			(unsigned long long)lost);
	munmap(p, xtoe_trace_bytes());
	free(t.buf);
	return 0; /* a reader that went away (| head) is no failure */
}

int cli_trace(struct cli *c, int argc, char **argv)
{
	char sb[128];
	const char *sock;
	struct xtoe_resp r;
	struct tfilter f;
	int err, fd, s;

	if ((err = parse_filter(c, argc - 1, argv + 1, &f)))
		return err;
	sock = need_sock(c, sb, sizeof(sb));
	if (!sock)
		return cli_fail(c, -EINVAL);
	err = xctl_session_fd(sock, XTOE_OP_TRACE, 0, 0, &r, &s, &fd);
	if (!err) {
		err = trace_run(c, &f, fd, s);
		close(fd);
	}
	if (s >= 0)
		close(s); /* ends the daemon's trace */
	return err ? cli_fail(c, err) : 0;
}
