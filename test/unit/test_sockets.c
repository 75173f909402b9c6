/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets against the in-process fake daemon: the interposed calls
 * are linked into this test, so plain socket()/read()/poll()/epoll_wait()
 * calls below go through them, as in a preloaded program.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "check.h"
#include "fake_daemon.h"
#include "lib/sockets/xs.h"

#define PORT 7000

struct env {
	struct fake f;
	int lfd, cfd, afd; /* listener, client, accepted */
};

static struct sockaddr_in addr(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listener, a non-blocking client connected to it, the accepted socket. */
static void env_open(struct env *e)
{
	struct sockaddr_in any = addr("0.0.0.0", PORT), dst = addr("198.18.0.1", PORT);
	struct pollfd p;
	int err = -1;
	socklen_t len = sizeof(err);

	REQUIRE(fake_start(&e->f, 1 << 16) == 0);
	snprintf(xs.sock_path, sizeof(xs.sock_path), "%s", e->f.path);
	xs.ctx_failed = false;
	e->lfd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(e->lfd >= 0 && xs_sock(e->lfd));
	REQUIRE(bind(e->lfd, (struct sockaddr *)&any, sizeof(any)) == 0);
	REQUIRE(listen(e->lfd, 16) == 0);
	e->cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	REQUIRE(e->cfd >= 0);
	CHECK_EQ(connect(e->cfd, (struct sockaddr *)&dst, sizeof(dst)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	p = (struct pollfd){ .fd = e->cfd, .events = POLLOUT };
	CHECK_EQ(poll(&p, 1, 2000), 1);
	CHECK(p.revents & POLLOUT);
	CHECK_EQ(getsockopt(e->cfd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	e->afd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC);
	REQUIRE(e->afd >= 0);
}

/* Close what is left and forget the context (the fake goes with it). */
static void env_close(struct env *e)
{
	int fds[] = { e->lfd, e->cfd, e->afd };

	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	xs_lock();
	if (xs.ctx)
		xtoe_ctx_close(xs.ctx);
	xs.ctx = NULL;
	xs_unlock();
	xs.sh = NULL; /* leaks one page per test: fine */
	fake_stop(&e->f);
}

static void test_kernel_sockets_untouched(void)
{
	int u = socket(AF_UNIX, SOCK_STREAM, 0), s6 = socket(AF_INET6, SOCK_STREAM, 0);

	CHECK(u >= 0 && !xs_sock(u));
	CHECK(s6 >= 0 && !xs_sock(s6));
	close(u);
	close(s6);
}

static void test_connect_accept_names(void)
{
	struct env e;
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int v = 0;

	env_open(&e);
	CHECK_EQ(getsockname(e.lfd, (struct sockaddr *)&a, &len), 0);
	CHECK_EQ(ntohs(a.sin_port), PORT);
	len = sizeof(a);
	CHECK_EQ(getpeername(e.lfd, (struct sockaddr *)&a, &len), -1);
	CHECK_EQ(errno, ENOTCONN);
	len = sizeof(v);
	CHECK_EQ(getsockopt(e.lfd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len), 0);
	CHECK_EQ(v, 1);
	len = sizeof(a);
	CHECK_EQ(getpeername(e.cfd, (struct sockaddr *)&a, &len), 0);
	CHECK_EQ(ntohs(a.sin_port), PORT);
	CHECK_EQ(connect(e.cfd, (struct sockaddr *)&a, sizeof(a)), -1);
	CHECK_EQ(errno, EISCONN);
	fcntl(e.lfd, F_SETFL, O_NONBLOCK);
	CHECK_EQ(accept(e.lfd, NULL, NULL), -1);
	CHECK_EQ(errno, EAGAIN);
	env_close(&e);
}

/* Move all of src from fd a to fd b (both non-blocking), two iovecs a time. */
static size_t pump_through(int a, int b, const char *src, char *dst, size_t len)
{
	size_t sent = 0, got = 0;
	int64_t end = now_ms() + 5000;

	while (got < len && now_ms() < end) {
		size_t half = (len - sent) / 2;
		struct iovec iov[2] = { { (char *)src + sent, half },
					{ (char *)src + sent + half, len - sent - half } };
		ssize_t n = sent < len ? writev(a, iov, 2) : 0;
		struct iovec in = { dst + got, len - got };

		if (n > 0)
			sent += (size_t)n;
		n = readv(b, &in, 1);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = b, .events = POLLIN };

			poll(&p, 1, 100);
		}
	}
	return got;
}

static void test_data_both_ways(void)
{
	struct env e;
	static char big[200000], back[200000];
	char buf[16];
	int n = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	env_open(&e);
	CHECK_EQ(write(e.cfd, "hello", 5), 5);
	{
		struct pollfd p = { .fd = e.afd, .events = POLLIN };

		CHECK_EQ(poll(&p, 1, 2000), 1);
	}
	CHECK_EQ(ioctl(e.afd, FIONREAD, &n), 0);
	CHECK_EQ(n, 5);
	CHECK_EQ(recv(e.afd, buf, sizeof(buf), MSG_PEEK), 5);
	CHECK_EQ(read(e.afd, buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "hello", 5));
	fcntl(e.afd, F_SETFL, fcntl(e.afd, F_GETFL) | O_NONBLOCK);
	/* 200 kB through 64 kB rings, each way */
	CHECK_EQ(pump_through(e.afd, e.cfd, big, back, sizeof(big)), sizeof(big));
	CHECK(!memcmp(back, big, sizeof(big)));
	memset(back, 0, sizeof(back));
	CHECK_EQ(pump_through(e.cfd, e.afd, big, back, sizeof(big)), sizeof(big));
	CHECK(!memcmp(back, big, sizeof(big)));
	env_close(&e);
}

/* What a write may queue is the data-path's autotuned send buffer (the
 * flow slot's tx_limit) until SO_SNDBUF sets one (doubled, as Linux):
 * that one stands, whatever the data-path publishes (Linux
 * SOCK_SNDBUF_LOCK). */
static void test_sndbuf_turns_autotuning_off(void)
{
	struct env e;
	int v = 16384;

	env_open(&e);
	for (int i = 0; i < FAKE_MAX_FLOWS; i++)
		atomic_store(&e.f.flows[i].tx_limit, 4000);
	xs_lock();
	CHECK_EQ(xs_tx_limit(xs_sock(e.cfd)), 4000);
	xs_unlock();
	CHECK_EQ(setsockopt(e.cfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	for (int i = 0; i < FAKE_MAX_FLOWS; i++)
		atomic_store(&e.f.flows[i].tx_limit, 8000);
	xs_lock();
	CHECK_EQ(xs_tx_limit(xs_sock(e.cfd)), 32768);
	CHECK_EQ(xs_tx_limit(xs_sock(e.afd)), 8000);
	xs_unlock();
	env_close(&e);
}

static void test_epoll_edge_level_and_pipe(void)
{
	struct env e;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[4];
	int ep = epoll_create1(0), pfd[2];
	char b[8];

	REQUIRE(ep >= 0 && pipe(pfd) == 0);
	env_open(&e);
	ev.data.fd = e.afd;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, e.afd, &ev), 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, e.afd, &ev), -1);
	CHECK_EQ(errno, EEXIST);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = pfd[0] };
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev), 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 50), 0);
	CHECK_EQ(write(e.cfd, "x", 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 2000), 1);
	CHECK_EQ(out[0].data.fd, e.afd);
	CHECK_EQ(epoll_wait(ep, out, 4, 50), 0); /* edge: once */
	CHECK_EQ(write(pfd[1], "p", 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 2000), 1);
	CHECK_EQ(out[0].data.fd, pfd[0]);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.fd = e.afd };
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, e.afd, &ev), 0);
	CHECK_EQ(read(pfd[0], b, 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 2000), 1); /* level after MOD, oneshot */
	CHECK_EQ(epoll_wait(ep, out, 4, 50), 0);
	close(e.afd);
	e.afd = -1;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, 12345, &ev), -1);
	close(ep);
	close(pfd[0]);
	close(pfd[1]);
	env_close(&e);
}

static void test_shutdown_epipe_eof(void)
{
	struct env e;
	struct timeval tv = { .tv_sec = 2 };
	char b[4];

	env_open(&e);
	CHECK_EQ(setsockopt(e.afd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(shutdown(e.cfd, SHUT_WR), 0);
	CHECK_EQ(send(e.cfd, "x", 1, MSG_NOSIGNAL), -1);
	CHECK_EQ(errno, EPIPE);
	CHECK_EQ(read(e.afd, b, sizeof(b)), 0); /* blocking read sees the FIN */
	env_close(&e);
}

static void test_rcvtimeo_and_dup(void)
{
	struct env e;
	struct timeval tv = { .tv_usec = 100000 };
	int64_t t0;
	char b[4];
	int d;

	env_open(&e);
	CHECK_EQ(setsockopt(e.afd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	t0 = now_ms();
	CHECK_EQ(read(e.afd, b, sizeof(b)), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(now_ms() - t0 >= 90);
	d = dup(e.cfd);
	REQUIRE(d >= 0 && xs_sock(d) == xs_sock(e.cfd));
	close(e.cfd);
	e.cfd = d;
	CHECK_EQ(write(d, "dup", 3), 3);
	CHECK_EQ(read(e.afd, b, sizeof(b)), 3);
	env_close(&e);
}

static void *late_writer(void *arg)
{
	usleep(50000);
	if (write(*(int *)arg, "def", 3) != 3)
		abort();
	return NULL;
}

static void test_waitall_across_writes(void)
{
	struct env e;
	pthread_t th;
	char b[8] = "";

	env_open(&e);
	CHECK_EQ(write(e.cfd, "abc", 3), 3);
	REQUIRE(pthread_create(&th, NULL, late_writer, &e.cfd) == 0);
	CHECK_EQ(recv(e.afd, b, 6, MSG_WAITALL), 6);
	CHECK(!memcmp(b, "abcdef", 6));
	pthread_join(th, NULL);
	env_close(&e);
}

static void test_daemon_death_wakes_reader(void)
{
	struct env e;
	char b[4];

	env_open(&e);
	fake_die(&e.f);
	CHECK_EQ(read(e.afd, b, sizeof(b)), -1); /* blocking: must not hang */
	CHECK_EQ(errno, ECONNRESET);
	env_close(&e);
}

int main(void)
{
	RUN(test_kernel_sockets_untouched);
	RUN(test_connect_accept_names);
	RUN(test_data_both_ways);
	RUN(test_sndbuf_turns_autotuning_off);
	RUN(test_epoll_edge_level_and_pipe);
	RUN(test_shutdown_epipe_eof);
	RUN(test_rcvtimeo_and_dup);
	RUN(test_waitall_across_writes);
	RUN(test_daemon_death_wakes_reader);
	return check_summary();
}
