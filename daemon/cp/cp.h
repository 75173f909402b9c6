/* SPDX-License-Identifier: MIT */
/*
 * Control-plane internals (cp_*.c): the unix socket server and application
 * contexts (cp_app.c), connection setup, TIME-WAIT and timers (cp_tcp.c),
 * and the loop tying them together (cp.c). Runs on the daemon's main thread.
 */
#ifndef XTOE_CP_H
#define XTOE_CP_H

#include "daemon/daemon.h"
#include "daemon/flow_key.h"
#include "daemon/wheel.h"
#include "common/trace.h"

enum cp_slot_state {
	CPS_FREE = 0,
	CPS_CONNECTING, /* handed to the app, handshake running */
	CPS_OPEN,       /* installed in the data-path */
	CPS_FAILED,     /* connect failed; waits for the app's close */
};

enum cp_conn_state {
	CPC_RESOLVING,  /* active open waiting for the next hop's MAC */
	CPC_SYN_SENT,
	CPC_SYN_RCVD,
	CPC_INSTALLED,  /* owned by the data-path */
	CPC_TIME_WAIT,
	CPC_SPLICED,    /* half of a spliced pair (cp_splice.c) */
};

struct cp_listener {
	struct cp_listener *next;
	uint32_t id;
	uint16_t port;         /* network order */
	uint32_t backlog;
	uint32_t half_open;    /* connections in SYN-RECEIVED */
	struct app_ctx *ctx;
	uint32_t flags;        /* XTOE_LISTEN_* */
	uint16_t mss;          /* the application's TCP_MAXSEG, 0: none */
	bool standby;          /* only when no listener of the port is active */
	uint64_t picks;        /* connections given, for round-robin */
};

struct cp_conn {
	struct cp_conn *hnext;           /* hash chain */
	struct cp_conn *next, *prev;     /* all connections, for timers */
	struct flow_key key;
	uint8_t state;                   /* enum cp_conn_state */
	bool active;                     /* we opened it: steered by 4-tuple */
	bool steered;                    /* passive, 4-tuple steered once
					    established: outlives its listener */
	struct tcp_conn tcp;
	struct cp_listener *lst;         /* passive, until installed */
	struct app_ctx *ctx;
	uint32_t slot, gen, flow;
	uint64_t deadline;               /* the state's deadline */
	struct wheel_node tnode;         /* on cp->wheel (handshake, TIME-WAIT) */
	uint32_t tries;
	uint32_t worker;                 /* the data-path worker its segments
					    arrive on (installed there) */
	uint16_t user_mss;               /* active open: TCP_MAXSEG, 0: none */
	struct cp_splice *splice;        /* with CPC_SPLICED */
};

struct cp_pending_stats {
	uint64_t syn_dropped, rst_sent, retx, timeouts;
	uint64_t syn_cookies, cookies_ok; /* cookie SYN-ACKs sent / accepted */
	uint64_t cmds_dropped;            /* commands made after the stop */
};

struct cp {
	struct xtoed *d;
	uint32_t note_worker;            /* the worker of the note in hand */
	int epfd, lsock, tfd, sigfd;
	struct app_ctx *ctxs;
	uint32_t next_ctx_id;
	struct cp_listener *listeners;
	uint32_t next_lid;
	struct cp_conn **hash;
	uint32_t hmask;
	struct cp_conn *conns;           /* list head */
	struct wheel wheel;              /* deadlines of connections not installed */
	uint32_t *free_flows, nfree;     /* data-path flow indices */
	uint8_t *flow_held;              /* per index: handed to the data-path */
	uint8_t isn_key[16];
	uint16_t next_port;              /* host order */
	struct tcp_open_cfg open_cfg;
	struct cp_pending_stats st;
	struct cp_splicer *spl;          /* spliced pairs (cp_splice.c) */
	struct spsc trace_q;             /* xtoectl trace, ring 1 (cp_trace.c) */
	uint64_t tools_sync_ms;          /* cp_tools_tick's last look */
	struct cp_kresv *kresv;          /* ports held for xtoe (cp_kport.c) */
	struct dp_cmd cmd_scratch;       /* cp_cmd_reserve once stopping */
	bool cmd_scratch_in_use;
};

/* cp.c */
struct dp_cmd *cp_cmd_reserve(struct cp *cp);
void cp_cmd_commit(struct cp *cp);
void cp_send_frame(struct cp *cp, const struct tcp_endpoints *ep,
		   const struct tcp_hdrvals *h);
bool cp_push_app_event(struct app_ctx *c, uint16_t type, uint32_t slot,
		       uint32_t gen, uint32_t arg);
void cp_log(const struct cp *cp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint32_t cp_poll_notes(struct cp *cp);

/* cp_app.c */
int cp_app_listen_socket(struct cp *cp);
struct xtoe_resp;
void cp_app_reply(struct app_ctx *c, const struct xtoe_resp *r); /* a deferred answer */
void cp_app_accept(struct cp *cp);
void cp_app_input(struct cp *cp, struct app_ctx *c);
void cp_app_released(struct cp *cp, struct app_ctx *c);
void cp_app_close_all(struct cp *cp);
int cp_slot_alloc(struct cp *cp, struct app_ctx *c, uint32_t *slot);
void cp_slot_free(struct cp *cp, struct app_ctx *c, uint32_t slot);
struct cp_listener *cp_listener_find(struct cp *cp, uint16_t port);

/* cp_tcp.c */
void cp_tcp_frame(struct cp *cp, const uint8_t *frame, uint32_t len);
int cp_tcp_connect(struct cp *cp, struct app_ctx *c, uint32_t daddr,
		   uint16_t dport, uint16_t mss, uint32_t *slot, uint16_t *lport);
void cp_tcp_flow_done(struct cp *cp, const struct cp_note *n);
void cp_tcp_flow_free(struct cp *cp, const struct cp_note *n);
void cp_tcp_app_bump(struct cp *cp, const struct cp_note *n);
void cp_tcp_timers(struct cp *cp, uint64_t now);
void cp_tcp_drop_ctx(struct cp *cp, struct app_ctx *c);
void cp_tcp_drop_listener(struct cp *cp, struct cp_listener *l);
void cp_tcp_free_all(struct cp *cp);
void cp_tcp_conn_remove(struct cp *cp, struct cp_conn *c);

/* cp_splice.c: connection splicing (XTOE_OP_SPLICE) */
struct xtoe_splice_args;
int cp_splice_request(struct cp *cp, struct app_ctx *a, const struct xtoe_splice_args *args,
		      uint32_t req_id, char *msg, size_t msglen);
void cp_splice_note(struct cp *cp, const struct cp_note *n);
void cp_splice_frame(struct cp *cp, struct cp_conn *c, const struct tcp_seg *s,
		     const uint8_t *frame, uint32_t len);
void cp_splice_timers(struct cp *cp, uint64_t now);
void cp_splice_drop_ctx(struct cp *cp, struct app_ctx *a);
void cp_splice_free_all(struct cp *cp);

/* cp_tools.c: requests of the operator tools (xtoectl fw/stats/conns) */
struct xtoe_req;
struct xtoe_resp;
bool cp_tools_request(struct cp *cp, const struct xtoe_req *q, struct xtoe_resp *r);
/* Requests answered with an fd (XTOE_OP_CAPTURE, STATS, CONNS): the fd to
 * hand over and close, or -1 (r->err set). */
bool cp_tools_fd_op(uint32_t op);
int cp_tools_fd_request(struct cp *cp, const struct app_ctx *c,
			const struct xtoe_req *q, struct xtoe_resp *r);
/* A connection closed: ends the capture or trace it owned. */
void cp_tools_gone(struct cp *cp, const struct app_ctx *c);
/* The daemon stops: every capture session ends. */
void cp_tools_end_all(struct cp *cp);
/* The timer's tick: the firewall's keep-attached state (once a second). */
void cp_tools_tick(struct cp *cp);

/* cp_trace.c: the control plane's TCP events for xtoectl trace (handshake
 * states, SYN retransmits, RTO and loss probe decisions, TIME-WAIT). Cost
 * one test while no trace runs. */
void cp_trace_put(struct cp *cp, const struct cp_conn *c, uint8_t type,
		  uint32_t a, uint32_t b, uint32_t v);
static inline void cp_trace(struct cp *cp, const struct cp_conn *c, uint8_t type,
			    uint32_t a, uint32_t b, uint32_t v)
{
	if (cp->d->trace_owner)
		cp_trace_put(cp, c, type, a, b, v);
}

#endif /* XTOE_CP_H */
