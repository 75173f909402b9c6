/* SPDX-License-Identifier: MIT */
/*
 * libxtoe internals shared by lib/xtoe*.c: the context, connection and
 * listener structures, the ready list and the bump path.
 */
#ifndef XTOE_INT_H
#define XTOE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <xtoe/xtoe.h>

#include "common/spinwait.h"
#include "common/proto.h"
#include "common/shm.h"
#include "common/spsc.h"

/* Internal symbols stay out of libxtoe.so's dynamic symbol table. */
#pragma GCC visibility push(hidden)

#define XTOE_DEFAULT_SPIN_US 50
#define XTOE_SPIN_ENV "XTOE_SPIN_US"

/* An object that can be reported by xtoe_wait(): on the ready list at most once. */
struct xobj {
	struct xobj *prev, *next; /* ready list links; both NULL when not queued */
	uint32_t bits;            /* pending XTOE_EV_* */
	int err;
	bool is_listener;
};

enum conn_state { CONN_CONNECTING, CONN_OPEN, CONN_FAILED };

struct xtoe_conn {
	struct xobj obj;                /* first: xobj* converts to conn */
	struct xtoe_ctx *ctx;
	struct xtoe_flow_shm *fs;
	uint8_t *rx, *tx;
	uint32_t rx_size, tx_size;
	uint32_t rx_head, tx_tail;      /* our private copies (we write them) */
	uint32_t tx_lock;               /* the application's own send-buffer
					   limit (SO_SNDBUF), 0: autotuned */
	uint32_t slot, gen;
	enum conn_state state;
	int err;                        /* negative errno once failed */
	bool shut_wr;
	bool accepted;                  /* handed to the application */
	bool spliced;                   /* bytes bypass the rings (xtoe_splice) */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	void *user;
	struct xtoe_conn *acc_next;     /* listener's accept queue */
};

struct xtoe_listener {
	struct xobj obj;
	struct xtoe_ctx *ctx;
	uint32_t id;
	void *user;
	struct xtoe_conn *acc_head, *acc_tail;
	struct xtoe_listener *next;     /* ctx's listener list */
	uint32_t addr;                  /* as the daemon answered (network order) */
	uint16_t port;
};

struct xtoe_ctx {
	int sock, app_efd, dp_efd;
	uint8_t *base;
	uint64_t size;
	struct xtoe_shm_hdr *hdr;       /* shared: only the sleep flags are used */
	struct xtoe_shm_hdr geo;        /* trusted copy taken at open */
	struct xtoe_flow_shm *flows;
	struct spsc dp2app, cp2app, app2dp;
	struct xtoe_conn **slots;       /* live handle per slot, or NULL */
	struct xtoe_listener *listeners;
	struct xobj ready;              /* ready list head (circular) */
	struct xtoe_bump *ov;           /* bumps waiting for room in app2dp */
	uint32_t ov_len, ov_cap;
	uint32_t next_id;
	unsigned int spin_us;   /* the bound of a spin in xtoe_wait */
	struct spinwait sw;     /* whether a spin pays (common/spinwait.h) */
	bool dead;                      /* daemon went away */
	bool fd_armed;                  /* xtoe_ctx_fd() handed out */
	char msg[256];
};

/* Errors. */
int xlib_err(struct xtoe_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xlib_open_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Control socket (xtoe_ctl.c). */
int xlib_hello(struct xtoe_ctx *ctx, int fds[3]);
int xlib_request(struct xtoe_ctx *ctx, struct xtoe_req *req,
		 struct xtoe_resp *resp);
/* The same, with len (<= XTOE_REQ_DATA_MAX) bytes of data following the
 * request in the same write. */
#define XTOE_REQ_DATA_MAX 64
int xlib_request_data(struct xtoe_ctx *ctx, struct xtoe_req *req, const void *data,
		      size_t len, struct xtoe_resp *resp);
int xlib_connect_sock(const char *path, int *out);

/* Bumps (xtoe_conn.c). */
void xlib_bump(struct xtoe_ctx *ctx, uint32_t type, uint32_t slot, uint32_t gen);
void xlib_flush_bumps(struct xtoe_ctx *ctx);

/* Connections (xtoe_conn.c). */
int xlib_conn_new(struct xtoe_ctx *ctx, uint32_t slot, uint32_t gen,
		  struct xtoe_conn **out);
void xlib_conn_free(struct xtoe_conn *c);
void xlib_conn_fail(struct xtoe_conn *c, int err);
void xlib_conn_detach(struct xtoe_conn *c, int err);
/* xtoe_recvv without consuming (MSG_PEEK): the same checks and order. */
ssize_t xlib_peekv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt);
struct xtoe_listener *xlib_listener_by_id(struct xtoe_ctx *ctx, uint32_t id);

/* Sending for the sockets library (xtoe_conn.c): push false leaves the
 * bytes corked (TCP_CORK, MSG_MORE) until xlib_push; xlib_tx_flags sets
 * XTOE_TX_* (Nagle); xlib_conn_info reads the data-path's TCP_INFO values
 * (0, or -EAGAIN while it writes them). */
ssize_t xlib_sendv(struct xtoe_conn *c, const struct iovec *iov, int iovcnt, bool push);
/* What may be queued in the send ring (xtoe_tx_space is what is left of
 * it), and what is queued now. */
uint32_t xlib_tx_limit(const struct xtoe_conn *c);
uint32_t xlib_tx_used(const struct xtoe_conn *c);
void xlib_push(struct xtoe_conn *c);
void xlib_tx_flags(struct xtoe_conn *c, uint32_t flags);
int xlib_conn_info(const struct xtoe_conn *c, struct xtoe_flow_info *out);

/* Listeners with XTOE_LISTEN_* flags, and standby mode (xtoe.c); used by
 * the sockets library (lib/sockets/). */
int xlib_listen(struct xtoe_ctx *ctx, const struct sockaddr_in *addr,
		int backlog, uint32_t flags, uint16_t mss, struct xtoe_listener **out);
/* Connect with the application's TCP_MAXSEG (0: none). */
int xlib_connect(struct xtoe_ctx *ctx, const struct sockaddr_in *dst,
		 uint16_t mss, struct xtoe_conn **out);
int xlib_listen_mode(struct xtoe_listener *l, bool standby);

/* Ready list (xtoe_ev.c). */
void xlib_ready(struct xtoe_ctx *ctx, struct xobj *o, uint32_t bits, int err);
void xlib_unready(struct xobj *o);
int xlib_drain(struct xtoe_ctx *ctx);

#pragma GCC visibility pop

#endif /* XTOE_INT_H */
