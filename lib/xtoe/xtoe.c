/* SPDX-License-Identifier: MIT */
/* libxtoe: contexts, shared memory mapping, listeners and active opens. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/paths.h"
#include "xtoe_int.h"

static __thread char open_msg[256];

int xlib_err(struct xtoe_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	return err;
}

void xlib_open_err(int err, const char *fmt, ...)
{
	va_list ap;

	(void)err;
	va_start(ap, fmt);
	vsnprintf(open_msg, sizeof(open_msg), fmt, ap);
	va_end(ap);
}

const char *xtoe_strerror(const struct xtoe_ctx *ctx)
{
	if (!ctx)
		return open_msg[0] ? open_msg : "no error";
	return ctx->msg[0] ? ctx->msg : "no error";
}

static bool queue_ok(const struct xtoe_shm_hdr *h, uint64_t off, uint32_t esize)
{
	uint64_t bytes = spsc_bytes(h->q_entries, esize);

	return !(off & 63) && off <= h->size && bytes <= h->size - off;
}

static int check_geometry(struct xtoe_ctx *ctx, const struct xtoe_shm_hdr *h)
{
	uint64_t flows = (uint64_t)h->max_flows * sizeof(struct xtoe_flow_shm);

	if (h->magic != XTOE_SHM_MAGIC || h->version != XTOE_SHM_VERSION)
		return xlib_err(ctx, -EPROTO, "shared memory has magic %#x version %u, "
				"expected %#x version %u; use matching xtoed and libxtoe",
				h->magic, h->version, XTOE_SHM_MAGIC, XTOE_SHM_VERSION);
	if (!h->q_entries || (h->q_entries & (h->q_entries - 1)) || !h->max_flows ||
	    (h->flows_off & 63) || h->flows_off > h->size ||
	    flows > h->size - h->flows_off ||
	    !queue_ok(h, h->dp2app_off, sizeof(struct xtoe_ev)) ||
	    !queue_ok(h, h->cp2app_off, sizeof(struct xtoe_ev)) ||
	    !queue_ok(h, h->app2dp_off, sizeof(struct xtoe_bump)))
		return xlib_err(ctx, -EPROTO, "shared memory header is inconsistent "
				"(size %llu); restart xtoed",
				(unsigned long long)h->size);
	return 0;
}

static int map_shm(struct xtoe_ctx *ctx, int memfd)
{
	struct xtoe_shm_hdr *h;
	int err;

	h = mmap(NULL, sizeof(*h), PROT_READ, MAP_SHARED, memfd, 0);
	if (h == MAP_FAILED)
		return xlib_err(ctx, -errno, "mmap of the daemon's memfd header: %s",
				strerror(errno));
	ctx->geo = *h;
	munmap(h, sizeof(*h));
	err = check_geometry(ctx, &ctx->geo);
	if (err)
		return err;
	ctx->base = mmap(NULL, ctx->geo.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 memfd, 0);
	if (ctx->base == MAP_FAILED) {
		ctx->base = NULL;
		return xlib_err(ctx, -errno, "mmap of %llu bytes of shared memory: %s",
				(unsigned long long)ctx->geo.size, strerror(errno));
	}
	ctx->size = ctx->geo.size;
	ctx->hdr = (struct xtoe_shm_hdr *)ctx->base;
	ctx->flows = (struct xtoe_flow_shm *)(ctx->base + ctx->geo.flows_off);
	return 0;
}

static void attach_queues(struct xtoe_ctx *ctx)
{
	const struct xtoe_shm_hdr *g = &ctx->geo;

	spsc_attach(&ctx->dp2app, (struct spsc_shared *)(ctx->base + g->dp2app_off),
		    g->q_entries, sizeof(struct xtoe_ev));
	spsc_attach(&ctx->cp2app, (struct spsc_shared *)(ctx->base + g->cp2app_off),
		    g->q_entries, sizeof(struct xtoe_ev));
	spsc_attach(&ctx->app2dp, (struct spsc_shared *)(ctx->base + g->app2dp_off),
		    g->q_entries, sizeof(struct xtoe_bump));
}

static unsigned int env_spin_us(void)
{
	const char *s = getenv(XTOE_SPIN_ENV);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return XTOE_DEFAULT_SPIN_US;
	v = strtoul(s, &end, 10);
	return *end || v > 1000000 ? XTOE_DEFAULT_SPIN_US : (unsigned int)v;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int ctx_setup(struct xtoe_ctx *ctx)
{
	int fds[3], err;

	err = xlib_hello(ctx, fds);
	if (err)
		return err;
	ctx->app_efd = fds[1];
	ctx->dp_efd = fds[2];
	err = map_shm(ctx, fds[0]);
	close(fds[0]);
	if (err)
		return err;
	attach_queues(ctx);
	err = set_nonblock(ctx->app_efd);
	if (err)
		return xlib_err(ctx, err, "making the app eventfd non-blocking: %s",
				strerror(-err));
	ctx->slots = calloc(ctx->geo.max_flows, sizeof(*ctx->slots));
	if (!ctx->slots)
		return xlib_err(ctx, -ENOMEM, "no memory for %u flow handles",
				ctx->geo.max_flows);
	return 0;
}

int xtoe_ctx_open(struct xtoe_ctx **out, const char *sock_path)
{
	struct xtoe_ctx *ctx;
	int err;

	*out = NULL;
	open_msg[0] = '\0';
	if (!sock_path || !*sock_path)
		sock_path = getenv(XTOE_SOCK_ENV);
	if (!sock_path || !*sock_path) {
		xlib_open_err(-EINVAL, "no daemon socket given; set %s to xtoed's "
			      "socket (e.g. %s/<iface>.sock)", XTOE_SOCK_ENV,
			      XTOE_RUN_DIR);
		return -EINVAL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->app_efd = ctx->dp_efd = -1;
	ctx->ready.next = ctx->ready.prev = &ctx->ready;
	ctx->spin_us = env_spin_us();
	spinwait_init(&ctx->sw, ctx->spin_us);
	err = xlib_connect_sock(sock_path, &ctx->sock);
	if (err) {
		free(ctx);
		return err;
	}
	err = ctx_setup(ctx);
	if (err) {
		xlib_open_err(err, "%s: %s", sock_path, ctx->msg);
		xtoe_ctx_close(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

void xtoe_ctx_close(struct xtoe_ctx *ctx)
{
	if (!ctx)
		return;
	while (ctx->listeners)
		xtoe_listener_close(ctx->listeners);
	for (uint32_t i = 0; ctx->slots && i < ctx->geo.max_flows; i++)
		if (ctx->slots[i])
			xtoe_close(ctx->slots[i]);
	/* Give the data-path a moment to take bumps still waiting for room. */
	for (int i = 0; i < 1000 && ctx->ov_len && !ctx->dead; i++) {
		xlib_flush_bumps(ctx);
		usleep(100);
	}
	/* ... and to take them: a CLOSE still queued when the control socket
	 * closes would turn into a reset instead of a FIN after the data. */
	for (int i = 0; i < 1000 && !ctx->dead && ctx->base &&
	     spsc_used(&ctx->app2dp); i++)
		usleep(100);
	if (ctx->base)
		munmap(ctx->base, ctx->size);
	if (ctx->app_efd >= 0)
		close(ctx->app_efd);
	if (ctx->dp_efd >= 0)
		close(ctx->dp_efd);
	close(ctx->sock);
	free(ctx->slots);
	free(ctx->ov);
	free(ctx);
}

int xtoe_ctx_fd(const struct xtoe_ctx *ctx)
{
	/* From now on an idle xtoe_wait(..., 0) leaves the sleep flag raised
	 * so the daemon signals this fd. */
	((struct xtoe_ctx *)ctx)->fd_armed = true;
	return ctx->app_efd;
}

void xtoe_ctx_set_spin_us(struct xtoe_ctx *ctx, unsigned int us)
{
	ctx->spin_us = us;
	spinwait_set_bound(&ctx->sw, us);
}

/* --- listeners ---------------------------------------------------------- */

int xtoe_listen(struct xtoe_ctx *ctx, const struct sockaddr_in *addr,
		int backlog, struct xtoe_listener **out)
{
	return xlib_listen(ctx, addr, backlog, 0, 0, out);
}

int xlib_listen_mode(struct xtoe_listener *l, bool standby)
{
	struct xtoe_req req = { .op = XTOE_OP_LISTEN_MODE, .a = l->id, .b = standby };
	struct xtoe_resp resp;

	return xlib_request(l->ctx, &req, &resp);
}

int xlib_listen(struct xtoe_ctx *ctx, const struct sockaddr_in *addr,
		int backlog, uint32_t flags, uint16_t mss, struct xtoe_listener **out)
{
	struct xtoe_req req = {
		.op = XTOE_OP_LISTEN, .addr = addr->sin_addr.s_addr,
		.port = addr->sin_port, .a = backlog > 0 ? (uint32_t)backlog : 128,
		.b = flags, .mss = mss,
	};
	struct xtoe_resp resp;
	struct xtoe_listener *l;
	int err;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return xlib_err(ctx, -ENOMEM, "no memory for a listener");
	err = xlib_request(ctx, &req, &resp);
	if (err) {
		free(l);
		return err;
	}
	l->obj.is_listener = true;
	l->ctx = ctx;
	l->id = resp.val;
	l->addr = resp.addr;
	l->port = resp.port;
	l->next = ctx->listeners;
	ctx->listeners = l;
	*out = l;
	return 0;
}

int xtoe_accept(struct xtoe_listener *l, struct xtoe_conn **out)
{
	struct xtoe_conn *c = l->acc_head;
	uint32_t st;

	xlib_flush_bumps(l->ctx);
	*out = NULL;
	if (!c)
		return l->ctx->dead ? -ECONNRESET : -EAGAIN;
	l->acc_head = c->acc_next;
	if (!l->acc_head)
		l->acc_tail = NULL;
	c->acc_next = NULL;
	c->accepted = true;
	/* RX events may have come before ACCEPT: report it readable once. */
	st = atomic_load_explicit(&c->fs->status, memory_order_acquire);
	xlib_ready(l->ctx, &c->obj, XTOE_EV_READABLE | XTOE_EV_WRITABLE |
		   (st & (XTOE_FS_RX_FIN | XTOE_FS_RESET) ? XTOE_EV_HUP : 0), 0);
	*out = c;
	return 0;
}

static void unlink_listener(struct xtoe_listener *l)
{
	struct xtoe_listener **pp = &l->ctx->listeners;

	while (*pp && *pp != l)
		pp = &(*pp)->next;
	if (*pp)
		*pp = l->next;
}

void xtoe_listener_close(struct xtoe_listener *l)
{
	struct xtoe_ctx *ctx;
	struct xtoe_req req = { .op = XTOE_OP_UNLISTEN };
	struct xtoe_resp resp;

	if (!l)
		return;
	ctx = l->ctx;
	req.a = l->id;
	if (!ctx->dead)
		xlib_request(ctx, &req, &resp);
	while (l->acc_head) {
		struct xtoe_conn *c = l->acc_head;

		l->acc_head = c->acc_next;
		xtoe_abort(c);
	}
	xlib_unready(&l->obj);
	unlink_listener(l);
	free(l);
}

void xtoe_listener_set_user(struct xtoe_listener *l, void *user)
{
	l->user = user;
}

struct xtoe_listener *xlib_listener_by_id(struct xtoe_ctx *ctx, uint32_t id)
{
	for (struct xtoe_listener *l = ctx->listeners; l; l = l->next)
		if (l->id == id)
			return l;
	return NULL;
}

/* --- active open -------------------------------------------------------- */

int xtoe_connect(struct xtoe_ctx *ctx, const struct sockaddr_in *dst,
		 struct xtoe_conn **out)
{
	return xlib_connect(ctx, dst, 0, out);
}

int xlib_connect(struct xtoe_ctx *ctx, const struct sockaddr_in *dst,
		 uint16_t mss, struct xtoe_conn **out)
{
	struct xtoe_req req = {
		.op = XTOE_OP_CONNECT, .addr = dst->sin_addr.s_addr,
		.port = dst->sin_port, .mss = mss,
	};
	struct xtoe_resp resp;
	struct xtoe_conn *c;
	int err;

	*out = NULL;
	xlib_flush_bumps(ctx);
	err = xlib_request(ctx, &req, &resp);
	if (err)
		return err;
	err = xlib_conn_new(ctx, resp.val, resp.val2, &c);
	if (err)
		return err;
	c->state = CONN_CONNECTING;
	c->accepted = true;
	c->laddr = resp.addr;
	c->lport = resp.port;
	c->raddr = dst->sin_addr.s_addr;
	c->rport = dst->sin_port;
	*out = c;
	return 0;
}
