/* SPDX-License-Identifier: MIT */
/* xtoe-echo on Linux sockets: non-blocking, edge-triggered epoll. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"

#define EV_BATCH 64
#define ET_FLAGS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

static ssize_t k_send(void *h, const void *buf, size_t len)
{
	ssize_t n = send(*(int *)h, buf, len, MSG_NOSIGNAL);

	return n < 0 ? (errno == EWOULDBLOCK ? -EAGAIN : -errno) : n;
}

static ssize_t k_recv(void *h, void *buf, size_t len)
{
	ssize_t n = recv(*(int *)h, buf, len, 0);

	return n < 0 ? (errno == EWOULDBLOCK ? -EAGAIN : -errno) : n;
}

static const struct io_ops kernel_io = { .send = k_send, .recv = k_recv };

static const char *addr_str(const struct sockaddr_in *sa)
{
	static char buf[32];
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(buf, sizeof(buf), "%s:%u", ip, ntohs(sa->sin_port));
	return buf;
}

static void tune(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int fcntl_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) ? -1 : 0;
}

static int epoll_add(int ep, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* TCP_CONGESTION NAME on fd (NULL: the namespace's default). */
static int set_cc(int fd, const char *cc)
{
	if (!cc || !setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc)))
		return 0;
	fprintf(stderr, "xtoe-echo: congestion control '%s': %s; see "
		"net.ipv4.tcp_available_congestion_control\n", cc, strerror(errno));
	return -1;
}

/* --- server ------------------------------------------------------------- */

struct kconn {
	int fd;
	struct echo_sess s;
};

static int listen_on(const struct sockaddr_in *sa, const char *cc)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	if (set_cc(fd, cc)) { /* accepted sockets inherit it */
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) || listen(fd, 1024)) {
		fprintf(stderr, "xtoe-echo: listen on %s: %s; is the port in use?\n",
			addr_str(sa), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void kconn_close(struct kconn *k)
{
	close(k->fd);
	free(k);
}

static void accept_all(int ep, int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct kconn *k = malloc(sizeof(*k));

		if (!k) {
			close(fd);
			continue;
		}
		tune(fd);
		k->fd = fd;
		k->s = (struct echo_sess){ .h = &k->fd, .io = &kernel_io };
		if (epoll_add(ep, fd, ET_FLAGS, k) || echo_pump(&k->s))
			kconn_close(k);
	}
}

int kernel_server(const struct echo_opts *o)
{
	struct epoll_event evs[EV_BATCH];
	int lfd = listen_on(&o->addr, o->cc), ep;

	if (lfd < 0)
		return 1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_add(ep, lfd, EPOLLIN, NULL)) {
		perror("xtoe-echo: epoll");
		return 1;
	}
	while (!echo_stop) {
		int n = epoll_wait(ep, evs, EV_BATCH, 500);

		for (int i = 0; i < n; i++) {
			struct kconn *k = evs[i].data.ptr;

			if (!k)
				accept_all(ep, lfd);
			else if (echo_pump(&k->s))
				kconn_close(k);
		}
	}
	close(ep);
	close(lfd);
	return 0;
}

/* --- clients ------------------------------------------------------------ */

static int connect_to(const struct sockaddr_in *sa, const char *cc)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && set_cc(fd, cc)) {
		close(fd);
		return -1;
	}
	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		fprintf(stderr, "xtoe-echo: connect to %s: %s; is the echo server running?\n",
			addr_str(sa), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	tune(fd);
	if (fcntl_nonblock(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct kcl {
	int fd;
	struct req_sess s;
};

static int client_fail(int id, int err)
{
	fprintf(stderr, "xtoe-echo: connection %d: %s\n", id, sess_strerror(err));
	return 1;
}

static int client_open(const struct echo_opts *o, int ep, struct kcl *c,
		       struct req_run *run)
{
	for (int i = 0; i < o->conns; i++) {
		c[i].fd = connect_to(&o->addr, o->cc);
		if (c[i].fd < 0)
			return 1;
		if (req_init(&c[i].s, run, (uint32_t)i, &c[i].fd, &kernel_io) ||
		    epoll_add(ep, c[i].fd, ET_FLAGS, &c[i])) {
			perror("xtoe-echo: client setup");
			return 1;
		}
	}
	return 0;
}

static int client_loop(int ep, struct kcl *c, int nconns, struct req_run *run,
		       int64_t *cpu_start)
{
	struct epoll_event evs[EV_BATCH];
	bool marked = false;
	int64_t now;
	int rc;

	for (int i = 0; i < nconns; i++)
		if ((rc = req_pump(&c[i].s)))
			return client_fail(i, rc);
	while ((now = now_ns()) < run->stop_at && !echo_stop) {
		int n;

		if (!marked && now >= run->measure_from) {
			*cpu_start = cpu_us();
			marked = true;
		}
		n = epoll_wait(ep, evs, EV_BATCH, run->wait_ms);
		for (int i = 0; i < n; i++) {
			struct kcl *k = evs[i].data.ptr;

			if ((rc = req_pump(&k->s)))
				return client_fail((int)(k - c), rc);
		}
	}
	return 0;
}

int kernel_client(const struct echo_opts *o)
{
	static struct hist hist;
	struct req_run run = { .size = o->msg_size, .hist = &hist,
				.wait_ms = o->spin ? 0 : 50 };
	struct kcl *c = calloc((size_t)o->conns, sizeof(*c));
	int ep = epoll_create1(EPOLL_CLOEXEC), rc;
	int64_t cpu_start = cpu_us();

	if (!c || ep < 0) {
		perror("xtoe-echo: client");
		return 1;
	}
	run.measure_from = now_ns() + (int64_t)(o->warmup * 1e9);
	run.stop_at = run.measure_from + (int64_t)(o->duration * 1e9);
	rc = client_open(o, ep, c, &run);
	if (!rc)
		rc = client_loop(ep, c, o->conns, &run, &cpu_start);
	if (!rc)
		client_report(&run, o, cpu_start);
	for (int i = 0; i < o->conns; i++) {
		if (c[i].fd > 0)
			close(c[i].fd);
		req_free(&c[i].s);
	}
	free(c);
	close(ep);
	return rc;
}

int kernel_stream(const struct echo_opts *o)
{
	static struct stream_sess s;
	struct epoll_event ev;
	int fd = connect_to(&o->addr, o->cc), ep, rc = 0;
	int64_t t0;

	if (fd < 0)
		return 1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_add(ep, fd, ET_FLAGS, NULL)) {
		perror("xtoe-echo: epoll");
		return 1;
	}
	stream_init(&s, o->bytes, &fd, &kernel_io);
	t0 = now_ns();
	while (!echo_stop && !(rc = stream_pump(&s)))
		epoll_wait(ep, &ev, 1, 1000);
	close(ep);
	close(fd);
	return stream_finish(&s, rc, t0);
}
