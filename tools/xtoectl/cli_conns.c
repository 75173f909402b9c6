// SPDX-License-Identifier: MIT
/*
 * xtoectl conns: the daemon's connections and listeners (XTOE_OP_CONNS,
 * common/tools.h), shown and filtered as ss(8) does. Arguments and output
 * only.
 *
 *   conns [--info] [--state S] [--port P] [-j] [FILTER]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/tools.h"
#include "tools/common/ssfilter.h"

/* ss's short state names. */
static const char *ss_short(const char *rfc)
{
	static const struct { const char *rfc, *ss; } names[] = {
		{ "ESTABLISHED", "ESTAB" }, { "SYN-RECEIVED", "SYN-RECV" },
		{ "CLOSED", "UNCONN" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(rfc, names[i].rfc))
			return names[i].ss;
	return rfc;
}

/* The program's name from /proc (what ss shows in users:(...)). */
static void comm_of(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static void addr_port(char *buf, size_t len, uint32_t a, uint16_t p)
{
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	if (p)
		snprintf(buf, len, "%s:%u", s, ntohs(p));
	else
		snprintf(buf, len, "%s:*", s);
}

static uint32_t segs(uint32_t bytes, uint32_t mss)
{
	return mss ? (bytes + mss - 1) / mss : 0;
}

static json_t *conn_json(const struct xtoe_stat_conn *k)
{
	json_t *o = json_object();
	char l[32], p[32], comm[64];

	addr_port(l, sizeof(l), k->laddr, k->lport);
	addr_port(p, sizeof(p), k->raddr, k->rport);
	jset_str(o, "state", k->state);
	jset_u64(o, "recv_q", k->recv_q);
	jset_u64(o, "send_q", k->send_q);
	jset_str(o, "local", l);
	jset_str(o, "peer", p);
	jset_u64(o, "srtt_us", k->srtt_us);
	jset_u64(o, "rttvar_us", k->rttvar_us);
	jset_u64(o, "retransmits", k->retransmits);
	jset_int(o, "pid", k->pid);
	if (k->pid > 0) {
		comm_of(k->pid, comm, sizeof(comm));
		jset_str(o, "program", comm);
	}
	jset_str(o, "cc", k->cc);
	jset_u64(o, "mss", k->mss);
	jset_u64(o, "cwnd_bytes", k->cwnd);
	jset_u64(o, "ssthresh_bytes", k->ssthresh);
	jset_u64(o, "snd_wnd", k->snd_wnd);
	jset_u64(o, "bytes_sent", k->bytes_sent);
	jset_u64(o, "bytes_acked", k->bytes_acked);
	jset_u64(o, "bytes_received", k->bytes_received);
	jset_u64(o, "segs_out", k->segs_out);
	jset_u64(o, "segs_in", k->segs_in);
	return o;
}

static void conn_text(const struct xtoe_stat_conn *k)
{
	char l[32], p[32], comm[64], users[96] = "";

	addr_port(l, sizeof(l), k->laddr, k->lport);
	addr_port(p, sizeof(p), k->raddr, k->rport);
	if (k->pid > 0) {
		comm_of(k->pid, comm, sizeof(comm));
		snprintf(users, sizeof(users), "users:((\"%s\",pid=%d))", comm, k->pid);
	}
	printf("%-10.*s %7u %7u %-22s %-22s %s\n", (int)sizeof(k->state),
	       ss_short(k->state), k->recv_q, k->send_q, l, p, users);
}

/* ss -i's second line. */
static void conn_info(const struct xtoe_stat_conn *k)
{
	if (!strcmp(k->state, "LISTEN")) {
		printf("\t %s\n", k->cc);
		return;
	}
	printf("\t %s mss:%u rtt:%.3f/%.3f cwnd:%u", k->cc, k->mss, k->srtt_us / 1000.0,
	       k->rttvar_us / 1000.0, segs(k->cwnd, k->mss));
	if (k->ssthresh && k->ssthresh < 0x7fffffff)
		printf(" ssthresh:%u", segs(k->ssthresh, k->mss));
	printf(" bytes_sent:%llu bytes_acked:%u bytes_received:%llu segs_out:%llu "
	       "segs_in:%llu snd_wnd:%u retrans:%u\n",
	       (unsigned long long)k->bytes_sent, k->bytes_acked,
	       (unsigned long long)k->bytes_received, (unsigned long long)k->segs_out,
	       (unsigned long long)k->segs_in, k->snd_wnd, k->retransmits);
}

static struct ss_conn ss_view(const struct xtoe_stat_conn *k)
{
	return (struct ss_conn){ .state = k->state, .laddr = k->laddr, .raddr = k->raddr,
				 .lport = ntohs(k->lport), .rport = ntohs(k->rport) };
}

/* The filter: FILTER words, with --state and --port in ss's words:
 * state words first, then ( the port ) and ( the expression ). */
static int make_filter(struct cli *c, int argc, char **argv, struct ss_filter **f)
{
	char *words[300], port[24], err[160];
	int n = 0, i = 0;

	if (argc > 250)
		return usage_error(CLI_HINT, "conns: the filter is too long");
	if (c->state) {
		words[n++] = "state";
		words[n++] = (char *)c->state;
	}
	while (i < argc && (!strcmp(argv[i], "state") || !strcmp(argv[i], "exclude"))) {
		if (i + 1 == argc)
			return usage_error(CLI_HINT, "conns: '%s' needs a state "
					   "(established, listening, time-wait ...)", argv[i]);
		words[n++] = argv[i++];
		words[n++] = argv[i++];
	}
	if (c->port) {
		static char *const clause[] = { "(", "sport", NULL, "or", "dport", NULL, ")" };

		snprintf(port, sizeof(port), ":%lu", c->port);
		for (size_t k = 0; k < sizeof(clause) / sizeof(clause[0]); k++)
			words[n++] = clause[k] ? clause[k] : port;
	}
	if (i < argc) {
		words[n++] = "(";
		while (i < argc)
			words[n++] = argv[i++];
		words[n++] = ")";
	}
	if (ss_filter_parse(n, words, f, err, sizeof(err)))
		return usage_error(CLI_HINT, "conns: %s", err);
	return 0;
}

int cli_conns(struct cli *c, int argc, char **argv)
{
	struct xtoe_stat_conn *rows = malloc(XTOE_STAT_CONNS_MAX * sizeof(*rows));
	struct ss_filter *f = NULL;
	json_t *o = NULL, *arr = NULL;
	uint32_t n = 0;
	int err;

	if (!rows)
		return cli_fail(c, -ENOMEM);
	if ((err = make_filter(c, argc - 1, argv + 1, &f))) {
		free(rows);
		return err;
	}
	err = cli_fetch(c, XTOE_OP_CONNS, rows, XTOE_STAT_CONNS_MAX * sizeof(*rows), &n);
	n /= sizeof(*rows);
	if (err) {
		err = cli_fail(c, err);
		goto out;
	}
	if (c->json) {
		o = json_object();
		arr = json_array();
	} else {
		printf("%-10s %7s %7s %-22s %-22s %s\n", "State", "Recv-Q", "Send-Q",
		       "Local Address:Port", "Peer Address:Port", "Process");
	}
	for (uint32_t i = 0; i < n; i++) {
		struct ss_conn v = ss_view(&rows[i]);

		if (!ss_filter_match(f, &v))
			continue;
		if (c->json) {
			json_array_append_new(arr, conn_json(&rows[i]));
			continue;
		}
		conn_text(&rows[i]);
		if (c->info)
			conn_info(&rows[i]);
	}
	if (o) {
		jset(o, "conns", arr);
		err = cli_json(c, o);
	} else {
		err = fflush(stdout) ? 1 : 0;
	}
out:
	ss_filter_free(f);
	free(rows);
	return err;
}
