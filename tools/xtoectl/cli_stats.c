// SPDX-License-Identifier: MIT
/*
 * xtoectl stats and xtoectl conns: the daemon's counters and connection
 * table (XTOE_OP_STATS / XTOE_OP_CONNS, common/tools.h), the chain's
 * per-module counters. Arguments and output only.
 *
 *   stats [-j]
 *   conns [-j] [--state S] [--port P]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "common/proto.h"
#include "common/tools.h"
#include "common/log.h"

/* The daemon's answer to op read into buf (at most len bytes). */
static int fetch(const struct cli *c, uint32_t op, void *buf, size_t len,
		 uint32_t *count)
{
	char sb[128];
	const char *sock = daemon_sock(c, sb, sizeof(sb));
	struct xtoe_resp r;
	ssize_t n;
	int fd, err;

	if (!sock) {
		log_err("which daemon? pass --sock PATH, set "
			"XTOE_SOCK, or -i IFACE for the default socket");
		return -EINVAL;
	}
	err = xctl_ask_fd(sock, op, &r, &fd);
	if (err)
		return err;
	n = read(fd, buf, len);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (count)
		*count = (uint32_t)(n > 0 ? (size_t)n : 0);
	return err;
}

static int fail(const struct cli *c, int err)
{
	if (c->json)
		printf("{\"error\":\"%s\"}\n", strerror(-err));
	return 1;
}

/* --- stats ------------------------------------------------------------- */

#define DP_FIELDS(X) X(rounds) X(sleeps) X(rx_frames) X(rx_segs) X(tx_segs) \
	X(tx_acks) X(to_cp) X(rx_nometa) X(rx_vlan)
#define XSK_FIELDS(X) X(xsk_rx) X(xsk_tx) X(xsk_tx_drops) X(xsk_kicks) \
	X(xsk_rx_dropped) X(xsk_rx_invalid) X(xsk_rx_ring_full) X(xsk_fill_empty) \
	X(frames_free) X(frames_total)

static void stats_json_modules(const struct xchain_ent *e, int n)
{
	static const char *const v[XTOE_V__COUNT] = {
		"aborted", "drop", "pass", "tx", "redirect", "next" };

	printf(",\"modules\":[");
	for (int i = 0; i < n; i++) {
		printf("%s{\"name\":\"%s\",\"seen\":%llu", i ? "," : "",
		       e[i].info.name, (unsigned long long)e[i].st.seen);
		for (int k = 0; k < XTOE_V__COUNT; k++)
			printf(",\"%s\":%llu", v[k], (unsigned long long)e[i].st.v[k]);
		printf("}");
	}
	printf("]");
}

static void jnum(const char *name, uint64_t v, bool *first)
{
	printf("%s\"%s\":%llu", *first ? "" : ",", name, (unsigned long long)v);
	*first = false;
}

static void stats_json(const struct xtoe_stat_dp *s, const struct xchain_ent *e, int n)
{
	bool first = true;

#define J(f) jnum(#f, s->f, &first);
	printf("{\"age_us\":%llu,\"datapath\":{", (unsigned long long)s->age_us);
	DP_FIELDS(J)
	printf("},\"drops\":{");
	first = true;
	for (int r = 1; r < XTOE_DROP__COUNT; r++)
		jnum(xtoe_drop_name(r), s->drops[r], &first);
	printf("},\"af_xdp\":{");
	first = true;
	XSK_FIELDS(J)
	printf("}");
#undef J
	stats_json_modules(e, n);
	printf("}\n");
}

static void stats_text(const struct xtoe_stat_dp *s, const struct xchain_ent *e, int n)
{
#define T(f) printf("  %-18s %llu\n", #f, (unsigned long long)s->f);
	printf("data-path (published %llu us ago):\n", (unsigned long long)s->age_us);
	DP_FIELDS(T)
	printf("drops:\n");
	for (int r = 1; r < XTOE_DROP__COUNT; r++)
		if (s->drops[r])
			printf("  %-18s %llu\n", xtoe_drop_name(r),
			       (unsigned long long)s->drops[r]);
	printf("af_xdp:\n");
	XSK_FIELDS(T)
#undef T
	printf("modules:\n");
	for (int i = 0; i < n; i++)
		printf("  %-18s seen %llu drop %llu pass %llu redirect %llu\n",
		       e[i].info.name, (unsigned long long)e[i].st.seen,
		       (unsigned long long)e[i].st.v[XTOE_DROP],
		       (unsigned long long)e[i].st.v[XTOE_PASS],
		       (unsigned long long)e[i].st.v[XTOE_REDIRECT]);
}

int cli_stats(struct cli *c)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	struct xtoe_stat_dp s;
	struct xchain *ch;
	int n = 0, err;

	memset(&s, 0, sizeof(s));
	err = fetch(c, XTOE_OP_STATS, &s, sizeof(s), NULL);
	if (!err && !find_iface(c) && !xchain_open(&ch, c->pin_dir)) {
		n = xchain_walk(ch, e, XTOE_CHAIN_SLOTS);
		xchain_close(ch);
	}
	if (err)
		return fail(c, err);
	if (c->json)
		stats_json(&s, e, n < 0 ? 0 : n);
	else
		stats_text(&s, e, n < 0 ? 0 : n);
	return 0;
}

/* --- conns ------------------------------------------------------------- */

static bool conn_wanted(const struct cli *c, const struct xtoe_stat_conn *k)
{
	if (c->state && strcasecmp(c->state, k->state))
		return false;
	return !c->port || ntohs(k->lport) == c->port || ntohs(k->rport) == c->port;
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

static void conn_json(const struct xtoe_stat_conn *k, bool first)
{
	char l[32], p[32];

	addr_port(l, sizeof(l), k->laddr, k->lport);
	addr_port(p, sizeof(p), k->raddr, k->rport);
	printf("%s{\"state\":\"%.*s\",\"recv_q\":%u,\"send_q\":%u,\"local\":\"%s\","
	       "\"peer\":\"%s\",\"srtt_us\":%u,\"rttvar_us\":%u,\"retransmits\":%u,"
	       "\"pid\":%d}", first ? "" : ",", (int)sizeof(k->state), k->state,
	       k->recv_q, k->send_q, l, p, k->srtt_us, k->rttvar_us,
	       k->retransmits, k->pid);
}

static void conn_text(const struct xtoe_stat_conn *k)
{
	char l[32], p[32];

	addr_port(l, sizeof(l), k->laddr, k->lport);
	addr_port(p, sizeof(p), k->raddr, k->rport);
	printf("%-12.*s %7u %7u %-21s %-21s %8.3f %5u %7d\n", (int)sizeof(k->state),
	       k->state, k->recv_q, k->send_q, l, p, k->srtt_us / 1000.0,
	       k->retransmits, k->pid);
}

int cli_conns(struct cli *c)
{
	size_t max = XTOE_STAT_CONNS_MAX * sizeof(struct xtoe_stat_conn);
	struct xtoe_stat_conn *rows = malloc(max);
	uint32_t bytes = 0, n, shown = 0;
	int err = rows ? fetch(c, XTOE_OP_CONNS, rows, max, &bytes) : -ENOMEM;

	if (err) {
		free(rows);
		return fail(c, err);
	}
	n = bytes / sizeof(*rows);
	if (c->json)
		printf("{\"conns\":[");
	else
		printf("%-12s %7s %7s %-21s %-21s %8s %5s %7s\n", "State", "Recv-Q",
		       "Send-Q", "Local", "Peer", "rtt(ms)", "retx", "pid");
	for (uint32_t i = 0; i < n; i++) {
		if (!conn_wanted(c, &rows[i]))
			continue;
		if (c->json)
			conn_json(&rows[i], !shown);
		else
			conn_text(&rows[i]);
		shown++;
	}
	if (c->json)
		printf("]}\n");
	free(rows);
	return 0;
}
