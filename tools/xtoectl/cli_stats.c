// SPDX-License-Identifier: MIT
/*
 * xtoectl stats: the daemon's counters (XTOE_OP_STATS, common/tools.h),
 * the chain's drops by reason and per-module counters. Absolute by
 * default; --delta shows what changed since the last --delta (nstat's
 * convention: a history file per user and interface), --watch S what
 * changed every S seconds. Arguments and output only.
 *
 *   stats [--delta [--reset]] [--watch S [-c N]] [-z] [-j]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/tools.h"

/* --- the counters, flattened: "SECTION NAME" -> value ------------------- */

#define MAX_CTRS 512

struct ctr {
	char sect[16];
	char name[48];
	uint64_t v;
	bool gauge;      /* a level, not a count: never a delta */
};

struct sample {
	int n;
	uint64_t at_ns;  /* CLOCK_MONOTONIC */
	uint64_t age_us; /* of the data-path's publication */
	struct ctr c[MAX_CTRS];
};

static void add(struct sample *s, const char *sect, const char *name, uint64_t v,
		bool gauge)
{
	struct ctr *c;

	if (s->n == MAX_CTRS)
		return;
	c = &s->c[s->n++];
	snprintf(c->sect, sizeof(c->sect), "%s", sect);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->v = v;
	c->gauge = gauge;
}

#define DP_FIELDS(X) X(rounds) X(sleeps) X(rx_frames) X(rx_segs) X(tx_segs) \
	X(tx_acks) X(to_cp) X(rx_nometa) X(rx_vlan) X(rx_merged)
#define XSK_FIELDS(X) X(xsk_rx) X(xsk_tx) X(xsk_tx_drops) X(xsk_kicks) \
	X(xsk_gso_frames) X(xsk_gso_segs) X(xsk_gso_busy) \
	X(xsk_rx_dropped) X(xsk_rx_invalid) X(xsk_rx_ring_full) X(xsk_fill_empty)

static void add_dp(struct sample *s, const struct xtoe_stat_dp *d, const uint64_t *xdp)
{
#define DP(f) add(s, "datapath", #f, d->f, false);
#define XSK(f) add(s, "af_xdp", #f, d->f, false);
	DP_FIELDS(DP)
	XSK_FIELDS(XSK)
#undef DP
#undef XSK
	add(s, "af_xdp", "frames_free", d->frames_free, true);
	add(s, "af_xdp", "frames_total", d->frames_total, true);
	for (uint32_t w = 0; w < d->nworkers && w < XTOE_STAT_WORKERS_MAX; w++) {
		const struct xtoe_stat_worker *k = &d->w[w];
		char sect[16];

		snprintf(sect, sizeof(sect), "worker%u", w);
		add(s, sect, "rounds", k->rounds, false);
		add(s, sect, "sleeps", k->sleeps, false);
		add(s, sect, "rx_segs", k->rx_segs, false);
		add(s, sect, "tx_segs", k->tx_segs, false);
		add(s, sect, "flows", k->flows, true);
		add(s, sect, "queues", k->queues, true);
		add(s, sect, "thread", k->thread, true);
		add(s, sect, "busy_pct", k->busy_pct, true);
		add(s, sect, "parks", k->parks, false);
		add(s, sect, "unparks", k->unparks, false);
		if (k->pre_threads) {
			add(s, sect, "pre_threads", k->pre_threads, true);
			add(s, sect, "pipe_batches", k->pipe_batches, false);
			add(s, sect, "pipe_held", k->pipe_held, false);
			add(s, sect, "pipe_inline", k->pipe_inline, false);
		}
	}
	for (int r = 1; r < XTOE_DROP__COUNT; r++)
		add(s, "drops", xtoe_drop_name(r), d->drops[r] + xdp[r], false);
}

static void add_modules(struct sample *s, const struct xchain_ent *e, int n)
{
	char name[48];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.seen", e[i].info.name);
		add(s, "modules", name, e[i].st.seen, false);
		for (int k = 0; k < XTOE_V__COUNT; k++) {
			snprintf(name, sizeof(name), "%s.%s", e[i].info.name,
				 xtoe_verdict_name((uint32_t)k));
			add(s, "modules", name, e[i].st.v[k], false);
		}
	}
}

static int take_sample(struct cli *c, struct sample *s)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	uint64_t xdp[XTOE_DROP__COUNT] = { 0 };
	struct xtoe_stat_dp d;
	struct xchain *ch;
	int n = 0, err;

	memset(&d, 0, sizeof(d));
	s->n = 0;
	err = cli_fetch(c, XTOE_OP_STATS, &d, sizeof(d), NULL);
	if (err)
		return err;
	s->at_ns = now_ns();
	s->age_us = d.age_us;
	if (!find_iface(c) && !xchain_open(&ch, c->pin_dir)) {
		n = xchain_walk(ch, e, XTOE_CHAIN_SLOTS);
		xchain_drops(ch, xdp, XTOE_DROP__COUNT);
		xchain_close(ch);
	}
	add_dp(s, &d, xdp);
	add_modules(s, e, n < 0 ? 0 : n);
	return 0;
}

/* --- deltas ---------------------------------------------------------------- */

static const struct ctr *find(const struct sample *s, const struct ctr *k)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].sect, k->sect) && !strcmp(s->c[i].name, k->name))
			return &s->c[i];
	return NULL;
}

/* now - before, counter by counter (gauges stay; a counter that went
 * back, a restarted daemon, counts from zero). */
static void subtract(struct sample *now, const struct sample *before)
{
	for (int i = 0; i < now->n; i++) {
		const struct ctr *b = find(before, &now->c[i]);

		if (b && !now->c[i].gauge)
			now->c[i].v = now->c[i].v >= b->v ? now->c[i].v - b->v : now->c[i].v;
	}
}

/* nstat's place: $XDG_RUNTIME_DIR, else /tmp; per user and interface. */
static void history_path(const struct cli *c, char *buf, size_t len)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");

	snprintf(buf, len, "%s/.xtoectl-stats.u%u.%s", dir && *dir ? dir : "/tmp",
		 (unsigned)getuid(), c->ifname);
}

/* The last sample, if there is one of ours (never follows a link). */
static bool history_read(const char *path, struct sample *s)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	unsigned long long v;
	struct stat st;
	struct ctr k;
	char g[2];

	s->n = 0;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (fstat(fd, &st) || st.st_uid != getuid() || fscanf(f, "%llu\n", &v) != 1) {
		fclose(f);
		return false;
	}
	s->at_ns = v;
	while (s->n < MAX_CTRS && fscanf(f, "%15s %47s %llu %1s\n", k.sect, k.name, &v,
					 g) == 4)
		add(s, k.sect, k.name, v, g[0] == 'g');
	fclose(f);
	return true;
}

static void history_write(const char *path, const struct sample *s)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		log_warn("stats: cannot keep the history in %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%llu\n", (unsigned long long)s->at_ns);
	for (int i = 0; i < s->n; i++)
		fprintf(f, "%s %s %llu %s\n", s->c[i].sect, s->c[i].name,
			(unsigned long long)s->c[i].v, s->c[i].gauge ? "g" : "c");
	if (fclose(f) || rename(tmp, path)) {
		log_warn("stats: cannot keep the history in %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

/* --- output ------------------------------------------------------------------ */

/* What a printed sample is: absolute counters, the changes over an
 * interval, or the first --delta (no history yet: since the daemon began). */
enum view { V_ABS, V_DELTA, V_FIRST };

static bool shown(const struct cli *c, const struct ctr *k, enum view v)
{
	return c->zeros || k->v || (v == V_ABS && strcmp(k->sect, "drops") &&
				    strcmp(k->sect, "modules"));
}

/* "modules": [{"name": M, "seen": N, ...}] from the counters "M.seen" ... */
static void modules_json(json_t *o, const struct sample *s)
{
	json_t *arr = json_array(), *m = NULL;
	char name[48] = "";

	for (int i = 0; i < s->n; i++) {
		const char *dot = strrchr(s->c[i].name, '.');
		int len = dot ? (int)(dot - s->c[i].name) : 0;

		if (strcmp(s->c[i].sect, "modules") || !dot)
			continue;
		if (!m || strncmp(name, s->c[i].name, (size_t)len) || name[len]) {
			snprintf(name, sizeof(name), "%.*s", len, s->c[i].name);
			m = json_object();
			jset_str(m, "name", name);
			json_array_append_new(arr, m);
		}
		jset_u64(m, dot + 1, s->c[i].v);
	}
	jset(o, "modules", arr);
}

static int print_json(struct cli *c, const struct sample *s, enum view v,
		      double interval_s)
{
	json_t *o = json_object(), *sect = NULL;
	const char *cur = "";

	jset_u64(o, "age_us", s->age_us);
	if (v == V_DELTA)
		jset(o, "interval_s", json_real(interval_s));
	if (v == V_FIRST)
		jset_str(o, "history", "new: counters since the daemon started");
	for (int i = 0; i < s->n; i++) {
		if (!strcmp(s->c[i].sect, "modules"))
			continue;
		if (strcmp(cur, s->c[i].sect)) {
			cur = s->c[i].sect;
			sect = json_object();
			jset(o, cur, sect);
		}
		if (v == V_ABS || shown(c, &s->c[i], v))
			jset_u64(sect, s->c[i].name, s->c[i].v);
	}
	modules_json(o, s);
	return cli_json(c, o);
}

static void text_header(const struct sample *s, enum view v, double interval_s)
{
	if (v == V_DELTA)
		printf("changes over %.1f s (unchanged counters hidden; -z shows them):\n",
		       interval_s);
	else if (v == V_FIRST)
		printf("no history yet: counters since xtoed started (the next "
		       "--delta shows changes):\n");
	else
		printf("data-path counters published %llu us ago\n",
		       (unsigned long long)s->age_us);
}

static int print_text(const struct cli *c, const struct sample *s, enum view v,
		      double interval_s)
{
	const char *cur = "";
	int in_sect = 0;

	text_header(s, v, interval_s);
	for (int i = 0; i <= s->n; i++) {
		if (i == s->n || strcmp(cur, s->c[i].sect)) {
			if (*cur && !in_sect)
				printf("  (none)\n");
			if (i == s->n)
				break;
			cur = s->c[i].sect;
			in_sect = 0;
			printf("%s:\n", !strcmp(cur, "drops") ? "drops (data-path and XDP "
			       "chain, by reason)" : cur);
		}
		if (!shown(c, &s->c[i], v))
			continue;
		printf("  %-26s %llu\n", s->c[i].name, (unsigned long long)s->c[i].v);
		in_sect++;
	}
	return fflush(stdout) ? 1 : 0;
}

static int print(struct cli *c, const struct sample *s, enum view v, double interval_s)
{
	return c->json ? print_json(c, s, v, interval_s) : print_text(c, s, v, interval_s);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Every watch_s seconds: what changed since the last print. */
static int watch(struct cli *c, struct sample *prev, struct sample *now)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int err = take_sample(c, prev);
	long printed = 0;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!err && !stop) {
		struct timespec ts = { (time_t)c->watch_s,
				       (long)((c->watch_s - (double)(time_t)c->watch_s) * 1e9) };

		if (nanosleep(&ts, NULL) && stop)
			break;
		if ((err = take_sample(c, now)))
			break;
		{
			struct sample cur = *now;

			subtract(now, prev);
			if (print(c, now, V_DELTA, (double)(now->at_ns - prev->at_ns) / 1e9))
				return 1;
			*prev = cur;
			if (c->count > 0 && ++printed >= c->count)
				break;
		}
	}
	return err ? cli_fail(c, err) : 0;
}

int cli_stats(struct cli *c, int argc, char **argv)
{
	struct sample *s = calloc(3, sizeof(*s)), *before = s + 1;
	char path[PATH_MAX];
	enum view v = V_ABS;
	double interval = 0;
	int err;

	(void)argv;
	if (!s)
		return cli_fail(c, -ENOMEM);
	if (argc != 1) {
		free(s);
		return usage_error(CLI_HINT, "stats takes options only (--delta, --watch "
				   "S, -z, --reset)");
	}
	if (c->watch_s > 0) {
		err = watch(c, s, s + 2);
		free(s);
		return err;
	}
	err = take_sample(c, s);
	if (!err && c->delta) {
		history_path(c, path, sizeof(path));
		s[2] = *s;
		v = V_FIRST;
		if (!c->reset && history_read(path, before)) {
			interval = (double)(s->at_ns - before->at_ns) / 1e9;
			subtract(s, before);
			v = V_DELTA;
		}
		history_write(path, &s[2]);
	}
	err = err ? cli_fail(c, err) : print(c, s, v, interval);
	free(s);
	return err;
}
