/* SPDX-License-Identifier: MIT */
/*
 * libxtoe: the low-level application interface of xtoe.
 *
 * An application opens a context (one per thread that does I/O; a context is
 * not thread-safe), which connects to the daemon `xtoed` over its unix socket
 * and maps shared memory holding per-connection payload rings and event
 * queues. Sending and receiving copy bytes into / out of those rings and,
 * while the daemon is busy, cost no system call.
 *
 * All functions return 0 (or a byte count) on success and a negative errno
 * on failure; xtoe_strerror() gives the context's last detailed message.
 *
 * Events are edge-triggered hints, like EPOLLET: after XTOE_EV_READABLE read
 * until -EAGAIN; after XTOE_EV_WRITABLE write until -EAGAIN.
 */
#ifndef XTOE_XTOE_H
#define XTOE_XTOE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xtoe_ctx;
struct xtoe_conn;
struct xtoe_listener;

/* Environment variable naming the daemon's socket; default /run/xtoe/<iface>.sock
 * can't be guessed, so either this or an explicit path is needed. */
#define XTOE_SOCK_ENV "XTOE_SOCK"

/*
 * Open a context. sock_path NULL means $XTOE_SOCK. Fails with -ENOENT or
 * -ECONNREFUSED when no daemon serves there.
 */
int xtoe_ctx_open(struct xtoe_ctx **out, const char *sock_path);
/* Close every connection and listener of the context and free it. */
void xtoe_ctx_close(struct xtoe_ctx *ctx);
/* Last error message of this context (never NULL); with ctx NULL, the
 * message of this thread's last failed xtoe_ctx_open(). */
const char *xtoe_strerror(const struct xtoe_ctx *ctx);
/*
 * A file descriptor that becomes readable when xtoe_wait() has something to
 * report; for integration in an application's own poll/epoll loop. Call
 * xtoe_wait(ctx, ..., 0) when it fires.
 */
int xtoe_ctx_fd(const struct xtoe_ctx *ctx);
/* Microseconds xtoe_wait() polls at most before it blocks (default 50); it
 * polls only while the measured gap between events is shorter than a
 * wake-up, else it blocks at once. */
void xtoe_ctx_set_spin_us(struct xtoe_ctx *ctx, unsigned int us);

/* Listen on addr (INADDR_ANY means the daemon's address) and port. */
int xtoe_listen(struct xtoe_ctx *ctx, const struct sockaddr_in *addr,
		int backlog, struct xtoe_listener **out);
/* Take one established connection; -EAGAIN when none is waiting. */
int xtoe_accept(struct xtoe_listener *l, struct xtoe_conn **out);
/* Stop listening; connections already accepted stay open. */
void xtoe_listener_close(struct xtoe_listener *l);

/*
 * Start an active open. Returns 0 with *out set; the connection completes
 * asynchronously: XTOE_EV_CONNECTED (with err) is reported by xtoe_wait(), and
 * xtoe_conn_error() returns -EINPROGRESS until then.
 */
int xtoe_connect(struct xtoe_ctx *ctx, const struct sockaddr_in *dst,
		 struct xtoe_conn **out);
/* 0 once established, -EINPROGRESS while connecting, or the failure. */
int xtoe_conn_error(const struct xtoe_conn *c);

/*
 * Queue up to len bytes for sending. Returns the count queued (possibly
 * short), -EAGAIN when the send ring is full, -EPIPE after shutdown,
 * -ECONNRESET / -ETIMEDOUT when the connection failed.
 */
ssize_t xtoe_send(struct xtoe_conn *c, const void *buf, size_t len);
ssize_t xtoe_sendv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt);
/*
 * Copy out up to len received bytes. Returns the count, 0 at end of stream
 * (peer closed), -EAGAIN when nothing is there, -ECONNRESET on reset.
 */
ssize_t xtoe_recv(struct xtoe_conn *c, void *buf, size_t len);
ssize_t xtoe_recvv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt);
/* Bytes waiting to be read; bytes that may be queued now (free room in
 * the send buffer: the daemon's autotuned limit within the send ring). */
size_t xtoe_rx_avail(const struct xtoe_conn *c);
size_t xtoe_tx_space(const struct xtoe_conn *c);

/* Send FIN after the queued data; receiving continues. */
int xtoe_shutdown(struct xtoe_conn *c);
/* Orderly close (FIN after queued data); the handle is freed. */
void xtoe_close(struct xtoe_conn *c);
/* Abortive close (RST); the handle is freed. */
void xtoe_abort(struct xtoe_conn *c);

/*
 * Splice two established connections of the same context: from then on
 * the bytes of each flow to the other peer in the XDP hook (the splice
 * module, `xtoectl module add splice`), reaching neither the application
 * nor the data-path; sequence and acknowledgment numbers, windows and TCP
 * timestamps are translated between the two connections. The handles stay
 * open but carry no data (send fails with -EPIPE, recv returns -EAGAIN);
 * they report XTOE_EV_HUP when the spliced pair ends: 0 after both peers'
 * FINs went through (each peer's close travels to the other), -ECONNRESET
 * when either peer reset. Close them afterwards (closing earlier does not
 * stop the pair). The pair outlives the application.
 *
 * Both connections must be quiescent: every received byte read and every
 * byte sent acknowledged. Otherwise -EBUSY, and nothing changed: read (and
 * relay) what arrived, wait for XTOE_EV_WRITABLE, and call again.
 * -ENOTCONN when one is not established or already closing, -ENOENT when
 * the interface has no splice module, -EOPNOTSUPP when only one of them
 * uses TCP timestamps. xtoe_strerror() names the connection and the reason.
 */
int xtoe_splice(struct xtoe_conn *a, struct xtoe_conn *b);

/* Addresses of a connection (either pointer may be NULL). */
void xtoe_conn_addrs(const struct xtoe_conn *c, struct sockaddr_in *local,
		     struct sockaddr_in *peer);
/* Application cookies, returned in events. */
void xtoe_conn_set_user(struct xtoe_conn *c, void *user);
void *xtoe_conn_user(const struct xtoe_conn *c);
void xtoe_listener_set_user(struct xtoe_listener *l, void *user);

enum xtoe_event_type {
	XTOE_EV_READABLE = 1 << 0,   /* data, end of stream or error to read */
	XTOE_EV_WRITABLE = 1 << 1,   /* send space freed */
	XTOE_EV_ACCEPTABLE = 1 << 2, /* listener has a connection to accept */
	XTOE_EV_CONNECTED = 1 << 3,  /* active open finished (see err) */
	XTOE_EV_HUP = 1 << 4,        /* peer closed or connection failed */
};

struct xtoe_event {
	uint32_t events;  /* XTOE_EV_* bits */
	int err;          /* with CONNECTED/HUP: 0 or negative errno */
	struct xtoe_conn *conn;         /* NULL for listener events */
	struct xtoe_listener *listener; /* NULL for connection events */
	void *user;       /* the object's cookie */
};

/*
 * Collect up to max events. timeout_ms: 0 returns at once, -1 waits forever.
 * Polls (at most the context's spin time, only while it pays) before
 * blocking. Returns the number of
 * events, 0 on timeout or when a signal interrupted the wait, or a negative
 * errno (-ECONNRESET if the daemon went away).
 */
int xtoe_wait(struct xtoe_ctx *ctx, struct xtoe_event *evs, int max,
	      int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* XTOE_XTOE_H */
