/* SPDX-License-Identifier: MIT */
/*
 * xtoe-echo: echo server, closed-loop request client and stream checker,
 * on libxtoe or on Linux sockets (--kernel). The per-connection state
 * machines (session.c) are transport-neutral: they see a connection through
 * struct io_ops and are pumped edge-triggered until they would block.
 */
#ifndef XTOE_ECHO_H
#define XTOE_ECHO_H

#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum echo_mode { MODE_SERVER, MODE_CLIENT, MODE_STREAM };

struct echo_opts {
	enum echo_mode mode;
	bool kernel;
	bool spin;           /* client: poll with a zero timeout, never sleep */
	struct sockaddr_in addr; /* server: bind address; others: target */
	int conns;
	size_t msg_size;
	double duration, warmup;
	uint64_t bytes;
	const char *cc;      /* --kernel: the sockets' TCP_CONGESTION, NULL: default */
};

/* Set by SIGINT/SIGTERM. */
extern volatile sig_atomic_t echo_stop;

/* A connection as the sessions see it; both return a count or -errno. */
struct io_ops {
	ssize_t (*send)(void *h, const void *buf, size_t len);
	ssize_t (*recv)(void *h, void *buf, size_t len);
};

int64_t now_ns(void);

/* --- latency histogram and results (stats.c) ---------------------------- */

#define HIST_SUB_BITS 7
#define HIST_BUCKETS (256 + 27 * 128) /* up to ~2^35 ns (34 s) */

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t n;
};

void hist_add(struct hist *h, uint64_t ns);
uint64_t hist_quantile_ns(const struct hist *h, double q);
void hist_merge(struct hist *dst, const struct hist *src);
int64_t cpu_us(void);
void print_client_report(const struct hist *h, double seconds, int64_t cpu_us_used);
void print_stream_report(uint64_t bytes, double seconds);

/* --- sessions (session.c) ----------------------------------------------- */

#define ECHO_BUF (64 * 1024)

/* Echo server side: what comes in goes back out. */
struct echo_sess {
	void *h;
	const struct io_ops *io;
	size_t off, len;
	uint8_t buf[ECHO_BUF];
};
/* 0: keep going; 1: peer closed and all echoed; <0: failure. */
int echo_pump(struct echo_sess *s);

/* Closed-loop client connection. */
struct req_run {
	size_t size;
	int64_t measure_from, stop_at; /* now_ns() bounds */
	struct hist *hist;
	int wait_ms;         /* the event wait's timeout: 0 with --spin */
	uint64_t done;       /* requests completed after warm-up */
};

struct req_sess {
	void *h;
	const struct io_ops *io;
	struct req_run *run;
	uint32_t id;
	uint64_t seq;
	size_t sent, rcvd;
	int64_t t0;
	bool idle;           /* stopped: the run is over */
	uint8_t *tx, *rx;
};
int req_init(struct req_sess *s, struct req_run *run, uint32_t id, void *h,
	     const struct io_ops *io);
void req_free(struct req_sess *s);
/* 0 while fine, -EBADMSG on a mismatch, or the connection's failure. */
int req_pump(struct req_sess *s);

/* Stream checker: send `total` pattern bytes, verify the echo. */
struct stream_sess {
	void *h;
	const struct io_ops *io;
	uint64_t total, sent, rcvd;
	uint64_t win_off;    /* pattern offset of tx[0] */
	size_t win_len;
	uint8_t tx[ECHO_BUF], rx[ECHO_BUF];
};
void stream_init(struct stream_sess *s, uint64_t total, void *h,
		 const struct io_ops *io);
/* 0 while running, 1 when every byte came back, <0 failure. */
int stream_pump(struct stream_sess *s);

/* --- transports --------------------------------------------------------- */

int kernel_server(const struct echo_opts *o);
int kernel_client(const struct echo_opts *o);
int kernel_stream(const struct echo_opts *o);
int xtoe_server(const struct echo_opts *o);
int xtoe_client(const struct echo_opts *o);
int xtoe_stream(const struct echo_opts *o);

/* Shared by both client drivers: reporting and failure messages. */
void client_report(const struct req_run *run, const struct echo_opts *o,
		   int64_t cpu_start);
const char *sess_strerror(int err);
/* Report a finished stream (rc 1) or its failure; returns the exit code. */
int stream_finish(const struct stream_sess *s, int rc, uint64_t t0_ns);

#endif /* XTOE_ECHO_H */
