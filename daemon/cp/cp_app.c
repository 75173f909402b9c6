/* SPDX-License-Identifier: MIT */
/*
 * Applications: the unix socket server, per-application shared memory
 * contexts, and the requests an application makes (common/proto.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/proto.h"
#include "cp.h"
#include "cp_access.h"
#include "common/log.h"

#define CTX_QUEUE_ENTRIES 4096

static int mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int cp_app_listen_socket(struct cp *cp)
{
	const char *path = cp->d->cfg.sock_path;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) + 1 >= sizeof(sa.sun_path)) { /* + 1: cp_access_serve's name */
		log_err("socket path %s is too long; choose a shorter --sock", path);
		return -ENAMETOOLONG;
	}
	err = mkdir_parent(path);
	if (err) {
		log_err("cannot create the directory of %s: %s", path, strerror(-err));
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* a stale socket of a daemon that died is replaced; the interface
	 * lock is the XDP attach (cp_access.c: group, mode, then the name) */
	err = cp_access_serve(fd, path, cp->d->cfg.sock_group, cp->d->cfg.sock_mode);
	if (err) {
		log_err("cannot serve on %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	cp->lsock = fd;
	return 0;
}

static const char *const ctx_state_name[] = {
	[CTX_CONNECTED] = "connected", [CTX_HELLO] = "hello", [CTX_LIVE] = "live",
	[CTX_CLOSING] = "closing", [CTX_GONE] = "gone",
};

/* The transitions of enum app_ctx_state (daemon.h), as bits of the states
 * each may go to. */
static const uint8_t ctx_next[] = {
	[CTX_CONNECTED] = 1u << CTX_HELLO | 1u << CTX_GONE,
	[CTX_HELLO] = 1u << CTX_LIVE | 1u << CTX_CLOSING,
	[CTX_LIVE] = 1u << CTX_CLOSING,
	[CTX_CLOSING] = 1u << CTX_GONE,
	[CTX_GONE] = 0,
};

/* Move c to state to; false (and the context left as it is) when that is
 * not a step of its life: a defect of the daemon, reported. */
static bool ctx_move(struct app_ctx *c, enum app_ctx_state to)
{
	if (c->state > CTX_GONE || !(ctx_next[c->state] & (1u << to))) {
		log_err("context %u: no step from %s to %s; the context is left "
			"as it is (please report this defect)", c->id,
			c->state <= CTX_GONE ? ctx_state_name[c->state] : "?",
			ctx_state_name[to]);
		return false;
	}
	c->state = to;
	return true;
}

static void ctx_free(struct app_ctx *c)
{
	if (c->base)
		munmap(c->base, c->geom.size);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->app_efd >= 0)
		close(c->app_efd);
	if (c->sock >= 0)
		close(c->sock);
	free(c->rbuf);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c->w[0].slot_flow);
	free(c->slot_worker);
	free(c->slot_state);
	free(c->slot_gen);
	free(c);
}

static void ctx_attach_queues(struct app_ctx *c)
{
	const struct xtoe_shm_hdr *g = &c->geom;
	struct spsc_shared *dp2app = (void *)(c->base + g->dp2app_off);
	struct spsc_shared *cp2app = (void *)(c->base + g->cp2app_off);
	struct spsc_shared *app2dp = (void *)(c->base + g->app2dp_off);

	spsc_format(dp2app);
	spsc_format(cp2app);
	spsc_format(app2dp);
	spsc_attach(&c->dp2app, dp2app, g->q_entries, sizeof(struct xtoe_ev));
	spsc_attach(&c->cp2app, cp2app, g->q_entries, sizeof(struct xtoe_ev));
	spsc_attach(&c->app2dp, app2dp, g->q_entries, sizeof(struct xtoe_bump));
}

static int ctx_map(struct cp *cp, struct app_ctx *c)
{
	struct xtoe_shm_geom geom = {
		.max_flows = cp->d->cfg.ctx_flows,
		.q_entries = CTX_QUEUE_ENTRIES,
		.rx_size = cp->d->cfg.rx_size,
		.tx_size = cp->d->cfg.tx_size,
	};

	xtoe_shm_layout(&c->geom, &geom);
	c->memfd = memfd_create("xtoe-ctx", MFD_CLOEXEC);
	if (c->memfd < 0 || ftruncate(c->memfd, (off_t)c->geom.size))
		return -errno;
	c->base = mmap(NULL, c->geom.size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
	if (c->base == MAP_FAILED) {
		c->base = NULL;
		return -errno;
	}
	c->hdr = (struct xtoe_shm_hdr *)c->base;
	memcpy(c->hdr, &c->geom, sizeof(c->geom));
	c->slots = (struct xtoe_flow_shm *)(c->base + c->geom.flows_off);
	ctx_attach_queues(c);
	return 0;
}

/* The data-path workers' slot maps: one array each, all in one block,
 * and the hub's slot -> worker. */
static bool ctx_workers_alloc(const struct cp *cp, struct app_ctx *c, uint32_t n)
{
	uint32_t k = cp->d->nworkers ? cp->d->nworkers : 1;
	uint32_t *sf = calloc((size_t)n * k, sizeof(*sf));

	c->slot_worker = calloc(n, sizeof(*c->slot_worker));
	if (!sf || !c->slot_worker) {
		free(sf);
		return false;
	}
	for (uint32_t w = 0; w < k; w++)
		c->w[w].slot_flow = sf + (size_t)w * n;
	return true;
}

static struct app_ctx *ctx_create(struct cp *cp, int sock, const struct ucred *cred)
{
	struct app_ctx *c = calloc(1, sizeof(*c));
	uint32_t n = cp->d->cfg.ctx_flows;

	if (!c)
		return NULL;
	c->memfd = c->app_efd = -1;
	c->sock = sock;
	c->cred = *cred;
	c->pid = cred->pid;
	c->state = CTX_CONNECTED;
	c->pidfd = cp_access_pidfd(sock, cred->pid);
	c->id = ++cp->next_ctx_id;
	c->slot_state = calloc(n, sizeof(*c->slot_state));
	c->slot_gen = calloc(n, sizeof(*c->slot_gen));
	c->rbuf = malloc(XTOE_REQ_MAX);
	c->app_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!ctx_workers_alloc(cp, c, n) || !c->slot_state || !c->slot_gen || !c->rbuf ||
	    c->app_efd < 0 || ctx_map(cp, c)) {
		c->sock = -1; /* the caller closes it */
		ctx_free(c);
		return NULL;
	}
	return c;
}

void cp_app_accept(struct cp *cp)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct app_ctx *c;
	int fd;

	while ((fd = accept4(cp->lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);

		/* Who the client is comes from the kernel, never from a message. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
			close(fd);
			continue;
		}
		c = ctx_create(cp, fd, &cred);
		if (!c) {
			log_err("cannot create an application context "
				"(%s); the application is refused", strerror(errno));
			close(fd);
			continue;
		}
		ev.data.u64 = (uintptr_t)c;
		if (epoll_ctl(cp->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			ctx_free(c);
			continue;
		}
		c->cp_next = cp->ctxs;
		cp->ctxs = c;
	}
}

static int send_resp(struct app_ctx *c, const struct xtoe_resp *r, const int *fds, int nfds)
{
	struct iovec iov = { .iov_base = (void *)r, .iov_len = sizeof(*r) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(c->sock, &msg, MSG_NOSIGNAL) == sizeof(*r) ? 0 : -EIO;
}

void cp_app_reply(struct app_ctx *c, const struct xtoe_resp *r)
{
	if (c->sock >= 0)
		send_resp(c, r, NULL, 0);
}

#define resp_error cp_resp_error /* cp_access.c */

static void req_hello(struct cp *cp, struct app_ctx *c, const struct xtoe_req *q,
		      struct xtoe_resp *r)
{
	int fds[3] = { c->memfd, c->app_efd, cp->d->wk[0].efd };
	struct dp_cmd *cmd;

	if (q->a != XTOE_PROTO_VERSION) {
		resp_error(r, EPROTO, "protocol version %u, daemon speaks %u: "
			   "use the libxtoe built with this xtoed", q->a, XTOE_PROTO_VERSION);
		send_resp(c, r, NULL, 0);
		return;
	}
	if (c->state != CTX_CONNECTED) {
		resp_error(r, EALREADY, "context %u already said HELLO; one per "
			   "connection to the daemon", c->id);
		send_resp(c, r, NULL, 0);
		return;
	}
	if (!ctx_move(c, CTX_HELLO))
		return;
	cmd = cp_cmd_reserve(cp);
	cmd->type = DP_CMD_CTX_ADD;
	cmd->ctx = c;
	cp_cmd_commit(cp);
	r->addr = cp->d->cfg.addr;
	send_resp(c, r, fds, 3);
	ctx_move(c, CTX_LIVE);
	cp_log(cp, "context %u: pid %d uid %u", c->id, c->pid, c->cred.uid);
}

/* --- listeners: SO_REUSEPORT groups (several listeners per port) ------- */

static bool listener_better(const struct cp_listener *a, const struct cp_listener *b)
{
	if (a->standby != b->standby)
		return !a->standby;
	return a->picks < b->picks;
}

/* The listener that takes the next connection on port: round-robin over the
 * port's active listeners (standby ones only when none is active), or NULL. */
struct cp_listener *cp_listener_find(struct cp *cp, uint16_t port)
{
	struct cp_listener *best = NULL;

	for (struct cp_listener *l = cp->listeners; l; l = l->next)
		if (l->port == port && (!best || listener_better(l, best)))
			best = l;
	if (best)
		best->picks++;
	return best;
}

static struct cp_listener *listener_any(struct cp *cp, uint16_t port)
{
	for (struct cp_listener *l = cp->listeners; l; l = l->next)
		if (l->port == port)
			return l;
	return NULL;
}

/* EADDRINUSE unless the port is free or the new listener may join. */
static bool listener_may_join(struct cp *cp, uint16_t port, uint32_t flags)
{
	struct cp_listener *first = listener_any(cp, port);

	if (!first || (flags & XTOE_LISTEN_SHARE))
		return true;
	if (!(flags & XTOE_LISTEN_REUSEPORT))
		return false;
	for (struct cp_listener *l = cp->listeners; l; l = l->next)
		if (l->port == port && !(l->flags & XTOE_LISTEN_REUSEPORT))
			return false;
	return true;
}

static uint64_t listener_min_picks(struct cp *cp, uint16_t port)
{
	uint64_t m = 0;
	bool any = false;

	for (struct cp_listener *l = cp->listeners; l; l = l->next)
		if (l->port == port && (!any || l->picks < m)) {
			m = l->picks;
			any = true;
		}
	return m;
}

static uint16_t pick_listen_port(struct cp *cp)
{
	for (int i = 0; i < 4536; i++) {
		uint16_t p = htons(cp->next_port);

		cp->next_port = cp->next_port >= 65535 ? 61000 : cp->next_port + 1;
		if (!listener_any(cp, p))
			return p;
	}
	return 0;
}

static void req_listen(struct cp *cp, struct app_ctx *c, const struct xtoe_req *q,
		       struct xtoe_resp *r)
{
	struct cp_listener *l;
	uint16_t port = q->port;
	int err;

	if (q->addr && q->addr != cp->d->cfg.addr) {
		resp_error(r, EADDRNOTAVAIL, "xtoed serves only its own address on %s",
			   cp->d->cfg.ifname);
		return;
	}
	if (!port && !(port = pick_listen_port(cp))) {
		resp_error(r, EADDRINUSE, "no free port left");
		return;
	}
	if (c->listeners >= cp->d->cfg.app_listeners) {
		resp_error(r, EMFILE, "context %u has %u listeners, the most "
			   "--app-listeners allows", c->id, c->listeners);
		return;
	}
	if (cp_access_listen_denied(cp, c, port, q->b, r)) /* cp_access.c */
		return;
	if (!listener_may_join(cp, port, q->b)) {
		resp_error(r, EADDRINUSE, "port %u already has a listener", ntohs(port));
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		cp_access_unlisten(cp, port);
		resp_error(r, ENOMEM, "out of memory");
		return;
	}
	err = port_steer_listen(cp->d->port, port, true);
	if (err) {
		free(l);
		cp_access_unlisten(cp, port);
		resp_error(r, -err, "cannot steer port %u to xtoe", ntohs(port));
		return;
	}
	l->id = ++cp->next_lid;
	l->port = port;
	l->backlog = q->a ? q->a : 128;
	l->ctx = c;
	l->flags = q->b & (XTOE_LISTEN_REUSEPORT | XTOE_LISTEN_SHARE);
	l->mss = q->mss;
	l->picks = listener_min_picks(cp, port); /* a newcomer gets no backlog */
	l->next = cp->listeners;
	cp->listeners = l;
	c->listeners++;
	r->val = l->id;
	r->addr = cp->d->cfg.addr;
	r->port = port;
	cp_log(cp, "context %u listens on port %u", c->id, ntohs(port));
}

static void listener_remove(struct cp *cp, struct cp_listener *l)
{
	struct cp_listener **pp = &cp->listeners;

	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
	l->ctx->listeners--;
	if (!listener_any(cp, l->port))
		port_steer_listen(cp->d->port, l->port, false);
	cp_access_unlisten(cp, l->port); /* the kernel may have it again */
	cp_tcp_drop_listener(cp, l);
	free(l);
}

static void req_unlisten(struct cp *cp, struct app_ctx *c, const struct xtoe_req *q,
			 struct xtoe_resp *r)
{
	for (struct cp_listener *l = cp->listeners; l; l = l->next) {
		if (l->id == q->a && l->ctx == c) {
			listener_remove(cp, l);
			return;
		}
	}
	resp_error(r, EBADF, "no listener %u in this context", q->a);
}

static void req_listen_mode(struct cp *cp, struct app_ctx *c,
			    const struct xtoe_req *q, struct xtoe_resp *r)
{
	for (struct cp_listener *l = cp->listeners; l; l = l->next) {
		if (l->id == q->a && l->ctx == c) {
			l->standby = q->b != 0;
			if (!l->standby)
				l->picks = listener_min_picks(cp, l->port);
			return;
		}
	}
	resp_error(r, EBADF, "no listener %u in this context", q->a);
}

static void req_connect(struct cp *cp, struct app_ctx *c, const struct xtoe_req *q,
			struct xtoe_resp *r)
{
	uint32_t slot;
	uint16_t lport;
	int err = cp_tcp_connect(cp, c, q->addr, q->port, q->mss, &slot, &lport);

	if (err == -EMFILE) {
		resp_error(r, EMFILE, "context %u has %u connections, the most "
			   "--ctx-flows allows", c->id, c->slots_used);
		return;
	}
	if (err) {
		resp_error(r, -err, "cannot connect: %s", strerror(-err));
		return;
	}
	r->val = slot;
	r->val2 = c->slot_gen[slot];
	r->addr = cp->d->cfg.addr;
	r->port = lport;
}

/* xtoectl cmodule add: load a C module into the running daemon. Only the
 * daemon's own user may: it runs code in the daemon. */
static void req_cmodule_add(struct cp *cp, struct app_ctx *c,
			    const struct xtoe_req *q, const uint8_t *data,
			    struct xtoe_resp *r)
{
	char spec[XTOE_CMODULE_SPEC_MAX + 1];
	int err;

	if (!q->a) {
		resp_error(r, EINVAL, "empty C module path");
		return;
	}
	memcpy(spec, data, q->a);
	spec[q->a] = 0;
	if (cp_access_op_denied(c, q->op, r)) /* cp_access.c */
		return;
	if (c->cred.uid != geteuid()) {
		resp_error(r, EPERM, "only the daemon's user may load C modules");
		return;
	}
	err = cmods_load(&cp->d->cmods, spec, r->msg, sizeof(r->msg));
	if (err)
		r->err = -err;
	else
		snprintf(r->msg, sizeof(r->msg), "%s",
			 cp->d->cmods.v[atomic_load(&cp->d->cmods.n) - 1].m->name ?: "?");
}

/* --- XTOE_OP_SPLICE (cp_splice.c) -------------------------------------- */
/* True when the answer comes later, with the data-path's (cp_splice_note). */
static bool req_splice(struct cp *cp, struct app_ctx *c, const struct xtoe_req *q,
		       const uint8_t *data, struct xtoe_resp *r)
{
	struct xtoe_splice_args args;
	int err;

	memcpy(&args, data, sizeof(args)); /* length: xtoe_req_data_len */
	err = cp_splice_request(cp, c, &args, q->id, r->msg, sizeof(r->msg));
	r->err = -err;
	return !err;
}
/* --- end of XTOE_OP_SPLICE ------------------------------------------------ */

/* Tools (xtoectl) ask which interface this daemon serves. */
static void req_info(struct cp *cp, struct xtoe_resp *r)
{
	snprintf(r->msg, sizeof(r->msg), "%s", cp->d->cfg.ifname);
	r->addr = cp->d->cfg.addr;
}

static void app_request(struct cp *cp, struct app_ctx *c, const struct xtoe_req *q,
			const uint8_t *data)
{
	struct xtoe_resp r = { .op = q->op, .id = q->id };

	if (q->op == XTOE_OP_INFO) {
		req_info(cp, &r);
	} else if (q->op != XTOE_OP_CMODULE_ADD && cp_access_op_denied(c, q->op, &r)) {
		/* operator requests (cp_access.c); a C module's path is read first */
	} else if (cp_tools_request(cp, q, &r)) { /* operator tools: cp_tools.c */
	} else if (cp_tools_fd_op(q->op)) { /* tools answered with an fd: cp_tools.c */
		int fd = cp_tools_fd_request(cp, c, q, &r);

		send_resp(c, &r, &fd, fd >= 0);
		if (fd >= 0)
			close(fd);
		return;
	} else if (q->op == XTOE_OP_CMODULE_ADD) {
		req_cmodule_add(cp, c, q, data, &r);
	} else if (q->op != XTOE_OP_HELLO && c->state != CTX_LIVE) {
		resp_error(&r, EPROTO, "request %u before HELLO; HELLO first", q->op);
	} else {
		switch (q->op) {
		case XTOE_OP_HELLO:
			req_hello(cp, c, q, &r);
			return; /* sends its own response (with fds) */
		case XTOE_OP_LISTEN:
			req_listen(cp, c, q, &r);
			break;
		case XTOE_OP_UNLISTEN:
			req_unlisten(cp, c, q, &r);
			break;
		case XTOE_OP_LISTEN_MODE:
			req_listen_mode(cp, c, q, &r);
			break;
		case XTOE_OP_CONNECT:
			req_connect(cp, c, q, &r);
			break;
		case XTOE_OP_SPLICE:
			if (req_splice(cp, c, q, data, &r))
				return;
			break;
		default:
			resp_error(&r, EOPNOTSUPP, "unknown request %u", q->op);
		}
	}
	send_resp(c, &r, NULL, 0);
}

static void ctx_unlink_free(struct cp *cp, struct app_ctx *c)
{
	struct app_ctx **pp = &cp->ctxs;

	while (*pp && *pp != c)
		pp = &(*pp)->cp_next;
	if (*pp)
		*pp = c->cp_next;
	ctx_free(c);
}

/* The application went away: stop serving it; the data-path aborts its
 * flows that were not closing and hands the context back when empty. */
static void app_gone(struct cp *cp, struct app_ctx *c)
{
	struct cp_listener *l = cp->listeners, *next;
	bool in_dp = c->state != CTX_CONNECTED;
	struct dp_cmd *cmd;

	cp_log(cp, "context %u (pid %d) closed", c->id, c->pid);
	cp_tools_gone(cp, c); /* a capture it ran */
	epoll_ctl(cp->epfd, EPOLL_CTL_DEL, c->sock, NULL);
	close(c->sock);
	c->sock = -1;
	if (!ctx_move(c, in_dp ? CTX_CLOSING : CTX_GONE))
		return;
	for (; l; l = next) {
		next = l->next;
		if (l->ctx == c)
			listener_remove(cp, l);
	}
	cp_tcp_drop_ctx(cp, c);
	cp_splice_drop_ctx(cp, c);
	if (!in_dp) { /* never reached the data-path */
		ctx_unlink_free(cp, c);
		return;
	}
	cmd = cp_cmd_reserve(cp);
	cmd->type = DP_CMD_CTX_DEAD;
	cmd->ctx = c;
	cp_cmd_commit(cp);
}

/* A request whose data length cannot be: answered, and the connection
 * ends (the stream cannot be followed past it). */
static void app_bad_length(struct app_ctx *c, const struct xtoe_req *q)
{
	struct xtoe_resp r = { .op = q->op, .id = q->id };

	resp_error(&r, EPROTO, "request %u claims %u bytes of data, more than it "
		   "may carry; use the libxtoe built with this xtoed", q->op, q->a);
	send_resp(c, &r, NULL, 0);
}

/* Serve the complete requests in c->rbuf and keep the rest; -EPROTO when
 * one cannot be framed. */
static int app_requests(struct cp *cp, struct app_ctx *c)
{
	uint32_t off = 0;
	int err = 0;

	while (c->rlen - off >= sizeof(struct xtoe_req)) {
		struct xtoe_req q;
		long data;

		memcpy(&q, c->rbuf + off, sizeof(q));
		data = xtoe_req_data_len(&q);
		if (data < 0) {
			app_bad_length(c, &q);
			err = -EPROTO;
			break;
		}
		if (c->rlen - off < sizeof(q) + (uint32_t)data)
			break; /* the rest is still on its way */
		app_request(cp, c, &q, c->rbuf + off + sizeof(q));
		off += (uint32_t)(sizeof(q) + (size_t)data);
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return err;
}

/* Reads per wake-up, so one busy client cannot hold the control plane
 * (the socket stays readable: epoll reports it again). */
#define CP_APP_READS 16

void cp_app_input(struct cp *cp, struct app_ctx *c)
{
	for (int i = 0; i < CP_APP_READS; i++) {
		/* never full here: what is left is less than one request */
		ssize_t n = recv(c->sock, c->rbuf + c->rlen, XTOE_REQ_MAX - c->rlen, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break; /* end of stream, or an error */
		c->rlen += (uint32_t)n;
		if (app_requests(cp, c))
			break;
		if (i == CP_APP_READS - 1)
			return; /* more at the next wake-up */
	}
	app_gone(cp, c);
}

/* The data-path let go of c (CP_NOTE_CTX_RELEASED). */
void cp_app_released(struct cp *cp, struct app_ctx *c)
{
	if (ctx_move(c, CTX_GONE))
		ctx_unlink_free(cp, c);
}

/* Shutdown: the data-path has stopped, so contexts are freed directly. */
void cp_app_close_all(struct cp *cp)
{
	while (cp->listeners)
		listener_remove(cp, cp->listeners);
	while (cp->ctxs) {
		struct app_ctx *c = cp->ctxs;

		cp->ctxs = c->cp_next;
		ctx_free(c);
	}
}

int cp_slot_alloc(struct cp *cp, struct app_ctx *c, uint32_t *slot)
{
	for (uint32_t s = 0; s < c->geom.max_flows; s++) {
		struct xtoe_flow_shm *sh = &c->slots[s];

		if (c->slot_state[s] != CPS_FREE)
			continue;
		c->slot_state[s] = CPS_CONNECTING;
		c->slot_gen[s]++;
		memset(sh, 0, sizeof(*sh));
		atomic_store(&sh->gen, c->slot_gen[s]);
		sh->rx_size = c->geom.rx_size;
		sh->tx_size = c->geom.tx_size;
		sh->rx_off = xtoe_shm_rx_off(&c->geom, s);
		sh->tx_off = xtoe_shm_tx_off(&c->geom, s);
		c->slots_used++;
		*slot = s;
		return 0;
	}
	(void)cp;
	return -EMFILE; /* as a process out of file descriptors */
}

/* Give the slot back and the pages of its rings to the system. */
void cp_slot_free(struct cp *cp, struct app_ctx *c, uint32_t slot)
{
	uint32_t gen = c->slot_gen[slot];

	(void)cp;
	if (c->slot_state[slot] == CPS_FREE)
		return;
	c->slot_state[slot] = CPS_FREE;
	c->slots_used--;
	fallocate(c->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)xtoe_shm_rx_off(&c->geom, slot),
		  (off_t)(c->geom.rx_size + c->geom.tx_size));
	cp_push_app_event(c, XTOE_EVT_FREED, slot, gen, 0);
}
