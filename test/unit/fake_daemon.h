/* SPDX-License-Identifier: MIT */
/*
 * An in-process stand-in for xtoed, for libxtoe's unit tests: it serves the
 * control protocol on a unix socket in a temporary directory and acts as a
 * loopback data-path that moves bytes from a slot's tx ring into the rx ring
 * of its peer slot, with events, bumps and the sleep/wake protocol.
 */
#ifndef XTOE_FAKE_DAEMON_H
#define XTOE_FAKE_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/proto.h"
#include "common/shm.h"
#include "common/spsc.h"

#define FAKE_MAX_FLOWS 16
#define FAKE_MAX_INJECT 16

struct fake_flow {
	bool used, shut, close, fin_sent;
	int peer; /* slot, or -1 */
};

struct fake_inject {
	bool cp; /* cp2app, else dp2app */
	struct xtoe_ev ev;
};

struct fake {
	char dir[64], path[108];
	int lsock, csock, memfd, app_efd, dp_efd;
	uint8_t *base;
	struct xtoe_shm_hdr *hdr;
	struct xtoe_flow_shm *flows;
	struct spsc dp2app, cp2app, app2dp;
	struct fake_flow st[FAKE_MAX_FLOWS];
	uint16_t lports[8]; /* network order; 0 = free; id = index + 1 */
	pthread_t th;
	_Atomic int stop, die;
	pthread_mutex_t mu;
	struct fake_inject inj[FAKE_MAX_INJECT];
	int ninj;
};

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "common/wake.h"

/* Header-only: test binaries are built from one source file each. */

static void fake_push(struct fake *f, struct spsc *q, uint16_t type,
		      uint32_t flow, uint32_t arg)
{
	struct xtoe_ev ev = {
		.type = type, .flow = flow, .arg = arg,
		.gen = atomic_load(&f->flows[flow].gen),
	};

	while (!spsc_push(q, &ev)) {
		wake_sleeper(&f->hdr->app_sleeping, f->app_efd);
		if (atomic_load(&f->stop) || atomic_load(&f->die))
			return;
		sched_yield();
	}
	wake_sleeper(&f->hdr->app_sleeping, f->app_efd);
}

static int fake_alloc(struct fake *f, uint32_t raddr, uint16_t rport)
{
	for (int i = 0; i < FAKE_MAX_FLOWS; i++) {
		struct xtoe_flow_shm *fs = &f->flows[i];

		if (f->st[i].used)
			continue;
		memset(&f->st[i], 0, sizeof(f->st[i]));
		f->st[i].used = true;
		f->st[i].peer = -1;
		atomic_store(&fs->rx_tail, 0);
		atomic_store(&fs->tx_head, 0);
		atomic_store(&fs->rx_head, 0);
		atomic_store(&fs->tx_tail, 0);
		atomic_store(&fs->error, 0);
		fs->laddr = htonl(INADDR_LOOPBACK);
		fs->lport = htons((uint16_t)(40000 + i));
		fs->raddr = raddr;
		fs->rport = rport;
		fs->rx_size = f->hdr->rx_size;
		fs->tx_size = f->hdr->tx_size;
		fs->rx_off = xtoe_shm_rx_off(f->hdr, (uint32_t)i);
		fs->tx_off = xtoe_shm_tx_off(f->hdr, (uint32_t)i);
		atomic_store(&fs->status, XTOE_FS_OPEN);
		atomic_fetch_add(&fs->gen, 1);
		return i;
	}
	return -1;
}

static void fake_free(struct fake *f, int i)
{
	int p = f->st[i].peer;

	if (p >= 0)
		f->st[p].peer = -1;
	f->st[i].used = false;
	atomic_fetch_or(&f->flows[i].status, XTOE_FS_DONE);
	fake_push(f, &f->cp2app, XTOE_EVT_FREED, (uint32_t)i, 0);
}

static int fake_send_fds(struct fake *f, const struct xtoe_resp *resp)
{
	int fds[3] = { f->memfd, f->app_efd, f->dp_efd };
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { .iov_base = (void *)resp, .iov_len = sizeof(*resp) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cb.buf, .msg_controllen = sizeof(cb.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	return sendmsg(f->csock, &mh, MSG_NOSIGNAL) == sizeof(*resp) ? 0 : -1;
}

static int fake_listener(struct fake *f, uint16_t port)
{
	for (int i = 0; i < 8; i++)
		if (f->lports[i] == port)
			return i + 1;
	return 0;
}

static void fake_connect(struct fake *f, const struct xtoe_req *req,
			 struct xtoe_resp *resp)
{
	int lid = fake_listener(f, req->port);
	int c = fake_alloc(f, req->addr, req->port), s;

	if (c < 0) {
		resp->err = ENOSPC;
		snprintf(resp->msg, sizeof(resp->msg), "no free flow slot");
		return;
	}
	resp->val = (uint32_t)c;
	resp->val2 = atomic_load(&f->flows[c].gen);
	resp->addr = f->flows[c].laddr;
	resp->port = f->flows[c].lport;
	s = lid ? fake_alloc(f, f->flows[c].laddr, f->flows[c].lport) : -1;
	if (s < 0) {
		atomic_store(&f->flows[c].error, ECONNREFUSED);
		atomic_store(&f->flows[c].status, XTOE_FS_RESET);
		return;
	}
	f->flows[s].laddr = req->addr;
	f->flows[s].lport = req->port;
	f->st[c].peer = s;
	f->st[s].peer = c;
}

/* After the response: announce the outcome. */
static void fake_connect_events(struct fake *f, const struct xtoe_resp *resp)
{
	uint32_t c = resp->val;
	int s = f->st[c].peer;

	if (resp->err)
		return;
	if (s >= 0)
		fake_push(f, &f->cp2app, XTOE_EVT_ACCEPT, (uint32_t)s,
			  (uint32_t)fake_listener(f, f->flows[s].lport));
	fake_push(f, &f->cp2app, XTOE_EVT_CONNECTED, c, s >= 0 ? 0 : ECONNREFUSED);
}

static void fake_listen(struct fake *f, const struct xtoe_req *req,
			struct xtoe_resp *resp)
{
	for (int i = 0; i < 8; i++) {
		if (!f->lports[i]) {
			f->lports[i] = req->port;
			resp->val = (uint32_t)i + 1;
			return;
		}
	}
	resp->err = EADDRINUSE;
	snprintf(resp->msg, sizeof(resp->msg), "too many listeners");
}

static int fake_request(struct fake *f)
{
	struct xtoe_req req;
	struct xtoe_resp resp;
	ssize_t n = recv(f->csock, &req, sizeof(req), MSG_WAITALL);

	if (n != sizeof(req))
		return -1;
	memset(&resp, 0, sizeof(resp));
	resp.op = req.op;
	resp.id = req.id;
	if (req.op == XTOE_OP_HELLO)
		return fake_send_fds(f, &resp);
	if (req.op == XTOE_OP_LISTEN)
		fake_listen(f, &req, &resp);
	else if (req.op == XTOE_OP_UNLISTEN && req.a >= 1 && req.a <= 8)
		f->lports[req.a - 1] = 0;
	else if (req.op == XTOE_OP_CONNECT)
		fake_connect(f, &req, &resp);
	if (send(f->csock, &resp, sizeof(resp), MSG_NOSIGNAL) != sizeof(resp))
		return -1;
	if (req.op == XTOE_OP_CONNECT)
		fake_connect_events(f, &resp);
	return 0;
}

static void fake_abort(struct fake *f, int i)
{
	int p = f->st[i].peer;

	if (p >= 0) {
		atomic_store(&f->flows[p].error, ECONNRESET);
		atomic_fetch_or(&f->flows[p].status, XTOE_FS_RESET);
		fake_push(f, &f->dp2app, XTOE_EVT_STATUS, (uint32_t)p, 0);
	}
	fake_free(f, i);
}

static int fake_bumps(struct fake *f)
{
	struct xtoe_bump b;
	int n = 0;

	while (spsc_pop(&f->app2dp, &b)) {
		n++;
		if (b.flow >= FAKE_MAX_FLOWS || !f->st[b.flow].used ||
		    b.gen != atomic_load(&f->flows[b.flow].gen))
			continue;
		if (b.type == XTOE_BUMP_SHUTWR)
			f->st[b.flow].shut = true;
		else if (b.type == XTOE_BUMP_CLOSE)
			f->st[b.flow].shut = f->st[b.flow].close = true;
		else if (b.type == XTOE_BUMP_ABORT)
			fake_abort(f, (int)b.flow);
	}
	return n;
}

static uint32_t fake_copy(struct fake *f, int i, int p)
{
	struct xtoe_flow_shm *a = &f->flows[i], *b = &f->flows[p];
	uint32_t head = atomic_load(&a->tx_head), tail = atomic_load(&a->tx_tail);
	uint32_t rt = atomic_load(&b->rx_tail), rh = atomic_load(&b->rx_head);
	uint32_t n = tail - head, room = b->rx_size - (rt - rh);

	if (n > room)
		n = room;
	for (uint32_t k = 0; k < n; k++)
		f->base[b->rx_off + ((rt + k) & (b->rx_size - 1))] =
			f->base[a->tx_off + ((head + k) & (a->tx_size - 1))];
	if (!n)
		return 0;
	atomic_store(&b->rx_tail, rt + n);
	atomic_store(&a->tx_head, head + n);
	fake_push(f, &f->dp2app, XTOE_EVT_RX, (uint32_t)p, 0);
	fake_push(f, &f->dp2app, XTOE_EVT_TX, (uint32_t)i, 0);
	return n;
}

static int fake_move(struct fake *f)
{
	int work = 0;

	for (int i = 0; i < FAKE_MAX_FLOWS; i++) {
		struct fake_flow *s = &f->st[i];
		struct xtoe_flow_shm *fs = &f->flows[i];

		if (!s->used)
			continue;
		if (s->peer >= 0)
			work += fake_copy(f, i, s->peer) > 0;
		else
			atomic_store(&fs->tx_head, atomic_load(&fs->tx_tail));
		if (s->shut && !s->fin_sent &&
		    atomic_load(&fs->tx_head) == atomic_load(&fs->tx_tail)) {
			s->fin_sent = true;
			atomic_fetch_or(&fs->status, XTOE_FS_TX_FIN);
			if (s->peer >= 0) {
				atomic_fetch_or(&f->flows[s->peer].status, XTOE_FS_RX_FIN);
				fake_push(f, &f->dp2app, XTOE_EVT_STATUS,
					  (uint32_t)s->peer, 0);
			}
			work++;
		}
		if (s->close && s->fin_sent) {
			fake_free(f, i);
			work++;
		}
	}
	return work;
}

static int fake_inject_pending(struct fake *f)
{
	int n;

	pthread_mutex_lock(&f->mu);
	n = f->ninj;
	for (int i = 0; i < n; i++) {
		struct xtoe_ev *e = &f->inj[i].ev;

		spsc_push(f->inj[i].cp ? &f->cp2app : &f->dp2app, e);
	}
	f->ninj = 0;
	pthread_mutex_unlock(&f->mu);
	if (n)
		wake_sleeper(&f->hdr->app_sleeping, f->app_efd);
	return n;
}

static int fake_step(struct fake *f)
{
	return fake_bumps(f) + fake_move(f) + fake_inject_pending(f);
}

/* Returns -1 when the control socket closed. */
static int fake_poll(struct fake *f, int tmo)
{
	struct pollfd p[2] = {
		{ .fd = f->dp_efd, .events = POLLIN },
		{ .fd = f->csock, .events = POLLIN },
	};

	if (poll(p, 2, tmo) <= 0)
		return 0;
	wake_drain(f->dp_efd);
	if (p[1].revents && fake_request(f) < 0)
		return -1;
	return 0;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	f->csock = accept4(f->lsock, NULL, NULL, SOCK_CLOEXEC);
	while (f->csock >= 0 && !atomic_load(&f->stop) && !atomic_load(&f->die)) {
		if (fake_step(f)) {
			if (fake_poll(f, 0) < 0)
				break;
			continue;
		}
		wake_announce_sleep(&f->hdr->dp_sleeping);
		if (fake_step(f)) {
			wake_cancel_sleep(&f->hdr->dp_sleeping);
			continue;
		}
		if (fake_poll(f, 1000) < 0)
			break;
		wake_cancel_sleep(&f->hdr->dp_sleeping);
	}
	if (f->csock >= 0)
		close(f->csock);
	f->csock = -1;
	return NULL;
}

static int fake_shm(struct fake *f, uint32_t ring_size)
{
	struct xtoe_shm_geom g = {
		.max_flows = FAKE_MAX_FLOWS, .q_entries = 256,
		.rx_size = ring_size, .tx_size = ring_size,
	};
	struct xtoe_shm_hdr h;

	memset(&h, 0, sizeof(h));
	xtoe_shm_layout(&h, &g);
	f->memfd = memfd_create("xtoe-fake", MFD_CLOEXEC);
	if (f->memfd < 0 || ftruncate(f->memfd, (off_t)h.size) < 0)
		return -1;
	f->base = mmap(NULL, h.size, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, 0);
	if (f->base == MAP_FAILED)
		return -1;
	f->hdr = (struct xtoe_shm_hdr *)f->base;
	memcpy(f->hdr, &h, sizeof(h));
	f->flows = (struct xtoe_flow_shm *)(f->base + h.flows_off);
	spsc_format((struct spsc_shared *)(f->base + h.dp2app_off));
	spsc_format((struct spsc_shared *)(f->base + h.cp2app_off));
	spsc_format((struct spsc_shared *)(f->base + h.app2dp_off));
	spsc_attach(&f->dp2app, (void *)(f->base + h.dp2app_off), g.q_entries,
		    sizeof(struct xtoe_ev));
	spsc_attach(&f->cp2app, (void *)(f->base + h.cp2app_off), g.q_entries,
		    sizeof(struct xtoe_ev));
	spsc_attach(&f->app2dp, (void *)(f->base + h.app2dp_off), g.q_entries,
		    sizeof(struct xtoe_bump));
	return 0;
}

static int fake_socket(struct fake *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(f->dir, "/tmp/xtoe-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	strcpy(sa.sun_path, f->path);
	f->lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lsock < 0 || bind(f->lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->lsock, 4) < 0)
		return -1;
	return 0;
}

static inline int fake_start(struct fake *f, uint32_t ring_size)
{
	memset(f, 0, sizeof(*f));
	f->csock = -1;
	pthread_mutex_init(&f->mu, NULL);
	if (fake_shm(f, ring_size) < 0 || fake_socket(f) < 0)
		return -1;
	f->app_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f->dp_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->app_efd < 0 || f->dp_efd < 0)
		return -1;
	return pthread_create(&f->th, NULL, fake_main, f) ? -1 : 0;
}

static inline void fake_kick(struct fake *f)
{
	uint64_t one = 1;

	if (write(f->dp_efd, &one, sizeof(one)) != sizeof(one))
		perror("fake_kick");
}

static inline void fake_die(struct fake *f)
{
	atomic_store(&f->die, 1);
	fake_kick(f);
	pthread_join(f->th, NULL);
	f->th = 0;
}

static inline void fake_stop(struct fake *f)
{
	if (f->th) {
		atomic_store(&f->stop, 1);
		shutdown(f->lsock, SHUT_RDWR); /* unblocks accept() */
		fake_kick(f);
		pthread_join(f->th, NULL);
	}
	close(f->lsock);
	unlink(f->path);
	rmdir(f->dir);
	munmap(f->base, f->hdr->size);
	close(f->memfd);
	close(f->app_efd);
	close(f->dp_efd);
	pthread_mutex_destroy(&f->mu);
}

static inline void fake_inject(struct fake *f, bool cp, const struct xtoe_ev *ev)
{
	pthread_mutex_lock(&f->mu);
	if (f->ninj < FAKE_MAX_INJECT)
		f->inj[f->ninj++] = (struct fake_inject){ .cp = cp, .ev = *ev };
	pthread_mutex_unlock(&f->mu);
	fake_kick(f);
}

#endif /* XTOE_FAKE_DAEMON_H */
