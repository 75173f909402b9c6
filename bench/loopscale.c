/* SPDX-License-Identifier: MIT */
/*
 * Data-path scaling with its workers, in one process: two whole daemons
 * over the loopback port (test/unit/loopnet.h; a lane a worker, frames
 * spread by 4-tuple as RSS does), no kernel, namespace or veth. For 1 and
 * 2 workers (both daemons), alternating in every round, four loads:
 *   rpc_one    closed-loop 64-byte RPCs on one connection
 *   rpc_many   the same on CONNS connections
 *   bulk_one   one connection sending as fast as it can, B discarding
 *   bulk_many  CONNS connections doing that
 * Applications: one thread a worker on each side, each with its own
 * context and listener port (so applications scale with the workers).
 * Measured: RPCs/s (rpc) and the receiving daemon's data-path segments/s
 * (rx + tx, every worker: xtoectl stats' sums) for each; the medians over
 * the rounds and the scaling ratio (2 workers / 1).
 * Then one heavy connection (rpc_one, bulk_one) with the placements
 * (xtoed --placement): thread, and pipeline with K = 1 and 2 PRE threads
 * (both daemons), alternating in every round; the medians and the ratios
 * pipeline / thread (loop_place_*).
 *
 *   loopscale [SECONDS [ROUNDS [CONNS [WHAT]]]]   (default 2 3 32 all)
 *   WHAT: workers, placement or all
 * Prints `name value unit` lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/ctl.h"
#include "common/proto.h"
#include "common/tools.h"
#include "loopnet.h"

#define PORT 7400
#define T_MS 20000
#define MAXW 2
#define MAXC 256
#define RPC_SIZE 64

enum load { RPC_ONE, RPC_MANY, BULK_ONE, BULK_MANY, LOADS };
static const char *const load_name[LOADS] = { "rpc_one", "rpc_many", "bulk_one",
					      "bulk_many" };

static uint32_t g_workers, g_pre;
static enum xtoed_placement g_place;

/* The placements one heavy connection is measured with. */
struct setup {
	const char *name;
	enum xtoed_placement place;
	uint32_t pre;
};
static const struct setup setups[] = { { "thread", XTOED_PLACE_THREAD, 0 },
				       { "pipeline_k1", XTOED_PLACE_PIPELINE, 1 },
				       { "pipeline_k2", XTOED_PLACE_PIPELINE, 2 } };
#define SETUPS (int)(sizeof(setups) / sizeof(setups[0]))

static void tune(struct xtoed_cfg *c)
{
	c->workers = g_workers;
	c->placement = g_place;
	c->pre_threads = g_pre;
	c->max_flows = 2048;
	c->ctx_flows = 512;
}

/* One application thread: a context on A (clients) or B (servers). */
struct app {
	struct xtoe_ctx *ctx;
	struct xtoe_listener *l;
	struct xtoe_conn *c[MAXC];
	uint32_t have[MAXC];   /* bytes of the current echo received */
	int n;
	bool client, rpc;
	uint64_t until_ms;
	uint64_t done;         /* RPCs completed */
	int err;
	pthread_t th;
};

static uint8_t g_pat[65536];

/* Bulk: as much as the send ring takes. */
static void bulk_send(struct xtoe_conn *c)
{
	while (xtoe_send(c, g_pat, sizeof(g_pat)) > 0)
		;
}

static void client_readable(struct app *a, int i)
{
	uint8_t buf[4096];
	ssize_t k;

	while ((k = xtoe_recv(a->c[i], buf, sizeof(buf))) > 0) {
		a->have[i] += (uint32_t)k;
		while (a->have[i] >= RPC_SIZE) {
			a->have[i] -= RPC_SIZE;
			a->done++;
			if (xtoe_send(a->c[i], g_pat, RPC_SIZE) != RPC_SIZE)
				a->err = -EIO;
		}
	}
}

/* Server: echo what arrives (rpc) or discard it (bulk). */
static void server_readable(struct app *a, struct xtoe_conn *c)
{
	uint8_t buf[16384];
	ssize_t k;

	while ((k = xtoe_recv(c, buf, sizeof(buf))) > 0)
		if (a->rpc && xtoe_send(c, buf, (size_t)k) != k)
			a->err = -EIO;
}

static void server_accept(struct app *a)
{
	struct xtoe_conn *c;

	while (a->n < MAXC && xtoe_accept(a->l, &c) == 0) {
		a->c[a->n++] = c;
		server_readable(a, c);
	}
}

static void app_event(struct app *a, const struct xtoe_event *e)
{
	int i = (int)(intptr_t)e->user;

	if (e->listener) {
		server_accept(a);
	} else if (!a->client) {
		server_readable(a, e->conn);
	} else if (a->rpc && (e->events & XTOE_EV_READABLE)) {
		client_readable(a, i);
	} else if (!a->rpc && (e->events & XTOE_EV_WRITABLE)) {
		bulk_send(a->c[i]);
	}
}

static void *app_thread(void *arg)
{
	struct app *a = arg;
	struct xtoe_event ev[64];

	if (a->l)
		server_accept(a); /* those that came while the clients connected */
	for (int i = 0; a->client && i < a->n; i++) {
		if (a->rpc)
			a->err = xtoe_send(a->c[i], g_pat, RPC_SIZE) == RPC_SIZE ? a->err : -EIO;
		else
			bulk_send(a->c[i]);
	}
	while (!a->err && now_ms() < a->until_ms) {
		int n = xtoe_wait(a->ctx, ev, 64, 10);

		if (n < 0)
			a->err = n;
		for (int k = 0; k < n; k++)
			app_event(a, &ev[k]);
	}
	return NULL;
}

/* The daemon's data-path segments (rx + tx, all workers) so far. */
static uint64_t dp_segs(const char *sock)
{
	struct xtoe_stat_dp s;
	struct xtoe_resp r;
	uint64_t v = 0;
	int fd;

	if (xctl_ask_fd(sock, XTOE_OP_STATS, &r, &fd) || fd < 0)
		return 0;
	if (pread(fd, &s, sizeof(s), 0) == sizeof(s))
		v = s.rx_segs + s.tx_segs;
	close(fd);
	return v;
}

/* cl's conns connections to sv's listener at port. */
static int connect_all(struct loopnet *n, struct app *cl, struct app *sv, uint16_t port,
		       int conns)
{
	struct sockaddr_in dst = loopnet_at(n->b_addr, port);
	struct loop_waiter w = { .ctx = { cl->ctx, sv->ctx }, .n = 2 };
	int err = 0;

	for (int i = 0; i < conns && !err; i++) {
		err = loop_connect(&w, cl->ctx, &dst, &cl->c[i], T_MS);
		if (!err)
			xtoe_conn_set_user(cl->c[i], (void *)(intptr_t)i);
		cl->n = i + 1;
	}
	return err;
}

struct result {
	double rps, segs;   /* per second */
};

/* Thread t's contexts, listener and connections (conns of them). */
static int apps_open(struct loopnet *n, struct app *cl, struct app *sv, uint32_t t,
		     int conns, bool rpc)
{
	struct sockaddr_in at = loopnet_at(n->b_addr, (uint16_t)(PORT + t));
	int err = xtoe_ctx_open(&cl->ctx, n->a.sock) ?: xtoe_ctx_open(&sv->ctx, n->b.sock);

	cl->client = true;
	cl->rpc = sv->rpc = rpc;
	if (!err)
		err = xtoe_listen(sv->ctx, &at, MAXC, &sv->l);
	return err ?: connect_all(n, cl, sv, (uint16_t)(PORT + t), conns);
}

static void apps_close(struct app *a)
{
	for (int i = 0; i < a->n; i++)
		xtoe_close(a->c[i]);
	if (a->l)
		xtoe_listener_close(a->l);
	if (a->ctx)
		xtoe_ctx_close(a->ctx);
}

/* One load with w workers on both daemons for secs seconds. */
static int run_case(enum load ld, uint32_t w, uint32_t secs, int conns, struct result *r)
{
	static struct app cl[MAXW], sv[MAXW];
	bool rpc = ld == RPC_ONE || ld == RPC_MANY;
	int per = ld == RPC_ONE || ld == BULK_ONE ? 1 : conns / (int)w, err = 0;
	uint64_t s0, s1, t0, t1, done = 0;
	struct loopnet n;

	g_workers = w;
	memset(cl, 0, sizeof(cl));
	memset(sv, 0, sizeof(sv));
	err = loopnet_up(&n, tune);
	for (uint32_t t = 0; !err && t < w; t++)
		err = apps_open(&n, &cl[t], &sv[t], t, t && per == 1 ? 0 : per, rpc);
	s0 = dp_segs(n.b.sock);
	t0 = now_ms();
	for (uint32_t t = 0; !err && t < w; t++) {
		cl[t].until_ms = sv[t].until_ms = t0 + secs * 1000ull;
		pthread_create(&cl[t].th, NULL, app_thread, &cl[t]);
		pthread_create(&sv[t].th, NULL, app_thread, &sv[t]);
	}
	for (uint32_t t = 0; !err && t < w; t++) {
		pthread_join(cl[t].th, NULL);
		pthread_join(sv[t].th, NULL);
		err = cl[t].err ?: sv[t].err;
		done += cl[t].done;
	}
	t1 = now_ms();
	usleep(20000); /* the workers publish their counters when idle */
	s1 = dp_segs(n.b.sock);
	for (uint32_t t = 0; t < w; t++) {
		apps_close(&cl[t]);
		apps_close(&sv[t]);
	}
	loopnet_down(&n);
	r->rps = (double)done * 1e3 / (double)(t1 - t0 ? t1 - t0 : 1);
	r->segs = (double)(s1 - s0) * 1e3 / (double)(t1 - t0 ? t1 - t0 : 1);
	return err;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_ROUNDS 15

static void report(const char *name, double one, double two, const char *unit)
{
	printf("loop_%s_w1 %.0f %s\n", name, one, unit);
	printf("loop_%s_w2 %.0f %s\n", name, two, unit);
	printf("loop_%s_scaling %.2f x\n", name, one > 0 ? two / one : 0);
}

static void report_place(const char *load, const char *what, double v[SETUPS],
			 const char *unit)
{
	for (int k = 0; k < SETUPS; k++)
		printf("loop_place_%s_%s_%s %.0f %s\n", load, what, setups[k].name, v[k], unit);
	for (int k = 1; k < SETUPS; k++)
		printf("loop_place_%s_%s_%s_vs_thread %.2f x\n", load, what, setups[k].name,
		       v[0] > 0 ? v[k] / v[0] : 0);
}

/* Every load with 1 and 2 workers, alternating. */
static int run_workers(uint32_t secs, int rounds, int conns)
{
	static double rps[LOADS][MAXW][MAX_ROUNDS], segs[LOADS][MAXW][MAX_ROUNDS];

	g_place = XTOED_PLACE_DEFAULT;
	g_pre = 0;
	for (int r = 0; r < rounds; r++)
		for (int ld = 0; ld < LOADS; ld++)
			for (int k = 0; k < MAXW; k++) {
				uint32_t w = (uint32_t)((k + r) % MAXW) + 1; /* alternate */
				struct result res;
				int err = run_case((enum load)ld, w, secs, conns, &res);

				if (err) {
					fprintf(stderr, "loopscale: %s with %u workers: %s\n",
						load_name[ld], w, strerror(-err));
					return 1;
				}
				rps[ld][w - 1][r] = res.rps;
				segs[ld][w - 1][r] = res.segs;
			}
	printf("loop_conns_many %d conns\n", conns);
	for (int ld = 0; ld < LOADS; ld++) {
		char name[32];

		if (ld == RPC_ONE || ld == RPC_MANY) {
			snprintf(name, sizeof(name), "%s_rpcs", load_name[ld]);
			report(name, median(rps[ld][0], rounds), median(rps[ld][1], rounds),
			       "req/s");
		}
		snprintf(name, sizeof(name), "%s_segs", load_name[ld]);
		report(name, median(segs[ld][0], rounds), median(segs[ld][1], rounds), "seg/s");
	}
	return 0;
}

/* One heavy connection with each placement, alternating. */
static int run_placements(uint32_t secs, int rounds)
{
	static const enum load loads[] = { RPC_ONE, BULK_ONE };
	static double rps[2][SETUPS][MAX_ROUNDS], segs[2][SETUPS][MAX_ROUNDS];
	double m[SETUPS];

	g_workers = 1;
	for (int r = 0; r < rounds; r++)
		for (int l = 0; l < 2; l++)
			for (int i = 0; i < SETUPS; i++) {
				int k = (i + r) % SETUPS; /* a different one first each round */
				struct result res;
				int err;

				g_place = setups[k].place;
				g_pre = setups[k].pre;
				err = run_case(loads[l], 1, secs, 1, &res);
				if (err) {
					fprintf(stderr, "loopscale: %s with placement %s: %s\n",
						load_name[loads[l]], setups[k].name, strerror(-err));
					return 1;
				}
				rps[l][k][r] = res.rps;
				segs[l][k][r] = res.segs;
			}
	for (int l = 0; l < 2; l++) {
		if (loads[l] == RPC_ONE) {
			for (int k = 0; k < SETUPS; k++)
				m[k] = median(rps[l][k], rounds);
			report_place(load_name[loads[l]], "rpcs", m, "req/s");
		}
		for (int k = 0; k < SETUPS; k++)
			m[k] = median(segs[l][k], rounds);
		report_place(load_name[loads[l]], "segs", m, "seg/s");
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t secs = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 2;
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	int conns = argc > 3 ? atoi(argv[3]) : 32;
	const char *what = argc > 4 ? argv[4] : "all";
	bool all = !strcmp(what, "all");

	if (!secs || secs > 60 || rounds < 1 || rounds > MAX_ROUNDS || conns < 2 ||
	    conns > MAXC || (!all && strcmp(what, "workers") && strcmp(what, "placement"))) {
		fprintf(stderr, "loopscale: SECONDS 1..60, ROUNDS 1..%d, CONNS 2..%d, "
			"WHAT workers, placement or all\n", MAX_ROUNDS, MAXC);
		return 2;
	}
	for (size_t i = 0; i < sizeof(g_pat); i++)
		g_pat[i] = (uint8_t)(i * 31 + 7);
	printf("loop_cpus %ld cpus\n", sysconf(_SC_NPROCESSORS_ONLN));
	if ((all || !strcmp(what, "workers")) && run_workers(secs, rounds, conns))
		return 1;
	if ((all || !strcmp(what, "placement")) && run_placements(secs, rounds))
		return 1;
	return 0;
}
