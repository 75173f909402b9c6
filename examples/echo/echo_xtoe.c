/* SPDX-License-Identifier: MIT */
/* xtoe-echo on libxtoe: one context, one xtoe_wait() loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <xtoe/xtoe.h>

#include "echo.h"

#define EV_BATCH 64

static ssize_t x_send(void *h, const void *buf, size_t len)
{
	return xtoe_send(h, buf, len);
}

static ssize_t x_recv(void *h, void *buf, size_t len)
{
	return xtoe_recv(h, buf, len);
}

static const struct io_ops xtoe_io = { .send = x_send, .recv = x_recv };

static int open_ctx(struct xtoe_ctx **ctx)
{
	int err = xtoe_ctx_open(ctx, NULL);

	if (err)
		fprintf(stderr, "xtoe-echo: %s\n", xtoe_strerror(NULL));
	return err;
}

/* --- server ------------------------------------------------------------- */

static void accept_all(struct xtoe_listener *l)
{
	struct xtoe_conn *c;

	while (xtoe_accept(l, &c) == 0) {
		struct echo_sess *s = malloc(sizeof(*s));

		if (!s) {
			xtoe_abort(c);
			continue;
		}
		*s = (struct echo_sess){ .h = c, .io = &xtoe_io };
		xtoe_conn_set_user(c, s);
	}
}

static void server_event(const struct xtoe_event *ev)
{
	struct echo_sess *s = ev->user;
	int rc;

	if (ev->listener) {
		accept_all(ev->listener);
		return;
	}
	rc = echo_pump(s);
	if (rc == 1) {
		xtoe_close(ev->conn);
		free(s);
	} else if (rc < 0) {
		xtoe_abort(ev->conn);
		free(s);
	}
}

int xtoe_server(const struct echo_opts *o)
{
	struct xtoe_event evs[EV_BATCH];
	struct xtoe_listener *l;
	struct xtoe_ctx *ctx;
	int n = 0;

	if (open_ctx(&ctx))
		return 1;
	if (xtoe_listen(ctx, &o->addr, 1024, &l)) {
		fprintf(stderr, "xtoe-echo: listen: %s\n", xtoe_strerror(ctx));
		xtoe_ctx_close(ctx);
		return 1;
	}
	while (!echo_stop && (n = xtoe_wait(ctx, evs, EV_BATCH, 500)) >= 0)
		for (int i = 0; i < n; i++)
			server_event(&evs[i]);
	if (n < 0)
		fprintf(stderr, "xtoe-echo: %s\n", xtoe_strerror(ctx));
	xtoe_ctx_close(ctx); /* closes the listener and the connections */
	return n < 0 ? 1 : 0;
}

/* --- active opens ------------------------------------------------------- */

/* Open n connections and wait until all are established. */
static int connect_all(struct xtoe_ctx *ctx, const struct sockaddr_in *dst,
		       struct xtoe_conn **c, int n)
{
	struct xtoe_event evs[EV_BATCH];
	int64_t end = now_ns() + 10000000000ll;
	int pending = n, err;

	for (int i = 0; i < n; i++) {
		if ((err = xtoe_connect(ctx, dst, &c[i]))) {
			fprintf(stderr, "xtoe-echo: connect: %s\n", xtoe_strerror(ctx));
			return err;
		}
	}
	while (pending && now_ns() < end && !echo_stop) {
		int k = xtoe_wait(ctx, evs, EV_BATCH, 100);

		if (k < 0) {
			fprintf(stderr, "xtoe-echo: %s\n", xtoe_strerror(ctx));
			return k;
		}
		pending = 0;
		for (int i = 0; i < n; i++) {
			err = xtoe_conn_error(c[i]);
			if (err && err != -EINPROGRESS) {
				fprintf(stderr, "xtoe-echo: connect %d: %s; is the echo "
					"server running?\n", i, sess_strerror(err));
				return err;
			}
			pending += err == -EINPROGRESS;
		}
	}
	if (pending)
		fprintf(stderr, "xtoe-echo: %d connections still not established; "
			"check the server and the daemon\n", pending);
	return pending ? -ETIMEDOUT : 0;
}

/* --- client ------------------------------------------------------------- */

static int client_fail(const struct req_sess *s, int err)
{
	fprintf(stderr, "xtoe-echo: connection %u: %s\n", s->id, sess_strerror(err));
	return 1;
}

static int client_loop(struct xtoe_ctx *ctx, struct req_sess *s, int nconns,
		       struct req_run *run, int64_t *cpu_start)
{
	struct xtoe_event evs[EV_BATCH];
	bool marked = false;
	int64_t now;
	int rc;

	for (int i = 0; i < nconns; i++)
		if ((rc = req_pump(&s[i])))
			return client_fail(&s[i], rc);
	while ((now = now_ns()) < run->stop_at && !echo_stop) {
		int n;

		if (!marked && now >= run->measure_from) {
			*cpu_start = cpu_us();
			marked = true;
		}
		n = xtoe_wait(ctx, evs, EV_BATCH, run->wait_ms);
		if (n < 0) {
			fprintf(stderr, "xtoe-echo: %s\n", xtoe_strerror(ctx));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct req_sess *r = evs[i].user;

			if (r && (rc = req_pump(r)))
				return client_fail(r, rc);
		}
	}
	return 0;
}

static int client_run(struct xtoe_ctx *ctx, const struct echo_opts *o,
		      struct xtoe_conn **c, struct req_sess *s)
{
	static struct hist hist;
	struct req_run run = { .size = o->msg_size, .hist = &hist,
				.wait_ms = o->spin ? 0 : 50 };
	int64_t cpu_start = cpu_us();
	int rc;

	if (connect_all(ctx, &o->addr, c, o->conns))
		return 1;
	run.measure_from = now_ns() + (int64_t)(o->warmup * 1e9);
	run.stop_at = run.measure_from + (int64_t)(o->duration * 1e9);
	for (int i = 0; i < o->conns; i++) {
		if (req_init(&s[i], &run, (uint32_t)i, c[i], &xtoe_io)) {
			fprintf(stderr, "xtoe-echo: out of memory\n");
			return 1;
		}
		xtoe_conn_set_user(c[i], &s[i]);
	}
	rc = client_loop(ctx, s, o->conns, &run, &cpu_start);
	if (!rc)
		client_report(&run, o, cpu_start);
	return rc;
}

int xtoe_client(const struct echo_opts *o)
{
	struct xtoe_conn **c = calloc((size_t)o->conns, sizeof(*c));
	struct req_sess *s = calloc((size_t)o->conns, sizeof(*s));
	struct xtoe_ctx *ctx;
	int rc = 1;

	if (!c || !s)
		fprintf(stderr, "xtoe-echo: out of memory\n");
	else if (!open_ctx(&ctx)) {
		rc = client_run(ctx, o, c, s);
		xtoe_ctx_close(ctx);
	}
	for (int i = 0; s && i < o->conns; i++)
		req_free(&s[i]);
	free(c);
	free(s);
	return rc;
}

/* --- stream ------------------------------------------------------------- */

static int stream_run(struct xtoe_ctx *ctx, const struct echo_opts *o)
{
	static struct stream_sess s;
	struct xtoe_event evs[EV_BATCH];
	struct xtoe_conn *c;
	int64_t t0;
	int rc = 0;

	if (connect_all(ctx, &o->addr, &c, 1))
		return 1;
	stream_init(&s, o->bytes, c, &xtoe_io);
	t0 = now_ns();
	while (!echo_stop && !(rc = stream_pump(&s))) {
		int n = xtoe_wait(ctx, evs, EV_BATCH, 1000);

		if (n < 0) {
			rc = n;
			break;
		}
	}
	return stream_finish(&s, rc, t0);
}

int xtoe_stream(const struct echo_opts *o)
{
	struct xtoe_ctx *ctx;
	int rc;

	if (open_ctx(&ctx))
		return 1;
	rc = stream_run(ctx, o);
	xtoe_ctx_close(ctx);
	return rc;
}
