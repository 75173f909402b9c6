/* SPDX-License-Identifier: MIT */
/* Transport-neutral connection state machines: echo, request, stream. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"

const char *sess_strerror(int err)
{
	if (err == -EBADMSG)
		return "echoed bytes differ from the bytes sent";
	if (err == -ENOTCONN)
		return "peer closed the connection early";
	return strerror(-err);
}

/* --- echo --------------------------------------------------------------- */

int echo_pump(struct echo_sess *s)
{
	for (;;) {
		ssize_t n;

		while (s->off < s->len) {
			n = s->io->send(s->h, s->buf + s->off, s->len - s->off);
			if (n == -EAGAIN)
				return 0;
			if (n < 0)
				return (int)n;
			s->off += (size_t)n;
		}
		n = s->io->recv(s->h, s->buf, sizeof(s->buf));
		if (n == -EAGAIN)
			return 0;
		if (n == 0)
			return 1;
		if (n < 0)
			return (int)n;
		s->off = 0;
		s->len = (size_t)n;
	}
}

/* --- closed-loop requests ----------------------------------------------- */

/* Content unique to (connection, request): a counter-seeded word sequence. */
static void req_fill(uint8_t *p, size_t len, uint32_t id, uint64_t seq)
{
	uint64_t x = ((uint64_t)id << 40) ^ (seq * 0x9e3779b97f4a7c15ull);
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x += 0x9e3779b97f4a7c15ull;
		memcpy(p + i, &x, 8);
	}
	x += 0x9e3779b97f4a7c15ull;
	memcpy(p + i, &x, len - i);
}

static void req_start(struct req_sess *s, int64_t now)
{
	s->seq++;
	req_fill(s->tx, s->run->size, s->id, s->seq);
	s->sent = s->rcvd = 0;
	s->t0 = now;
}

int req_init(struct req_sess *s, struct req_run *run, uint32_t id, void *h,
	     const struct io_ops *io)
{
	memset(s, 0, sizeof(*s));
	s->run = run;
	s->id = id;
	s->h = h;
	s->io = io;
	s->tx = malloc(run->size);
	s->rx = malloc(run->size);
	if (!s->tx || !s->rx)
		return -ENOMEM;
	req_start(s, now_ns());
	return 0;
}

void req_free(struct req_sess *s)
{
	free(s->tx);
	free(s->rx);
	s->tx = s->rx = NULL;
}

static int req_complete(struct req_sess *s)
{
	struct req_run *run = s->run;
	int64_t now = now_ns();

	if (memcmp(s->rx, s->tx, run->size))
		return -EBADMSG;
	if (now >= run->measure_from && now < run->stop_at) {
		hist_add(run->hist, (uint64_t)(now - s->t0));
		run->done++;
	}
	if (now >= run->stop_at)
		s->idle = true;
	else
		req_start(s, now);
	return 0;
}

int req_pump(struct req_sess *s)
{
	size_t size = s->run->size;

	while (!s->idle) {
		ssize_t n;

		while (s->sent < size) {
			n = s->io->send(s->h, s->tx + s->sent, size - s->sent);
			if (n == -EAGAIN)
				break;
			if (n < 0)
				return (int)n;
			s->sent += (size_t)n;
		}
		n = s->io->recv(s->h, s->rx + s->rcvd, size - s->rcvd);
		if (n == -EAGAIN)
			return 0;
		if (n == 0)
			return -ENOTCONN;
		if (n < 0)
			return (int)n;
		s->rcvd += (size_t)n;
		if (s->rcvd == size && (n = req_complete(s)) < 0)
			return (int)n;
	}
	return 0;
}

/* --- stream ------------------------------------------------------------- */

static inline uint8_t pat(uint64_t i)
{
	return (uint8_t)(i ^ (i >> 8) * 0x3b ^ (i >> 16) * 0x5d ^ (i >> 24) * 0x71);
}

void stream_init(struct stream_sess *s, uint64_t total, void *h,
		 const struct io_ops *io)
{
	memset(s, 0, sizeof(*s));
	s->total = total;
	s->h = h;
	s->io = io;
}

static void stream_window(struct stream_sess *s)
{
	uint64_t left = s->total - s->sent;

	s->win_off = s->sent;
	s->win_len = left < sizeof(s->tx) ? (size_t)left : sizeof(s->tx);
	for (size_t i = 0; i < s->win_len; i++)
		s->tx[i] = pat(s->win_off + i);
}

static int stream_send(struct stream_sess *s)
{
	ssize_t n;

	if (s->sent == s->total)
		return 0;
	if (s->sent >= s->win_off + s->win_len)
		stream_window(s);
	n = s->io->send(s->h, s->tx + (s->sent - s->win_off),
			(size_t)(s->win_off + s->win_len - s->sent));
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return (int)n;
	s->sent += (uint64_t)n;
	return 1;
}

static int stream_recv(struct stream_sess *s)
{
	uint64_t left = s->total - s->rcvd;
	ssize_t n;

	if (!left)
		return 0;
	n = s->io->recv(s->h, s->rx, left < sizeof(s->rx) ? (size_t)left : sizeof(s->rx));
	if (n == -EAGAIN)
		return 0;
	if (n == 0)
		return -ENOTCONN;
	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n; i++) {
		if (s->rx[i] != pat(s->rcvd + (uint64_t)i)) {
			fprintf(stderr, "stream: byte %llu is %#x, expected %#x\n",
				(unsigned long long)(s->rcvd + (uint64_t)i),
				s->rx[i], pat(s->rcvd + (uint64_t)i));
			return -EBADMSG;
		}
	}
	s->rcvd += (uint64_t)n;
	return 1;
}

int stream_pump(struct stream_sess *s)
{
	for (;;) {
		int a = stream_send(s), b;

		if (a < 0)
			return a;
		b = stream_recv(s);
		if (b < 0)
			return b;
		if (s->rcvd == s->total)
			return 1;
		if (!a && !b)
			return 0;
	}
}

int stream_finish(const struct stream_sess *s, int rc, uint64_t t0_ns)
{
	if (rc != 1) {
		fprintf(stderr, "xtoe-echo: stream: %s\n",
			rc ? sess_strerror(rc) : "interrupted");
		return 1;
	}
	print_stream_report(s->rcvd, (double)(now_ns() - t0_ns) / 1e9);
	return 0;
}
