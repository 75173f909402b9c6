/* SPDX-License-Identifier: MIT */
/*
 * Control messages between an application (libxtoe) and the daemon's control
 * plane over the daemon's unix stream socket. Each request gets exactly one
 * response with the same id, in order. A request is a struct xtoe_req and
 * then xtoe_req_data_len() bytes of data (its length is in the header, so
 * the daemon reassembles requests whatever pieces the stream cuts them in). Only setup and teardown travel here;
 * data and per-message notifications use the shared memory queues.
 *
 * HELLO's response carries three fds (SCM_RIGHTS), in this order:
 *   the context memfd, the app eventfd (daemon signals the application),
 *   the daemon eventfd (application signals the data-path).
 */
#ifndef XTOE_PROTO_H
#define XTOE_PROTO_H

#include <stdint.h>

#define XTOE_PROTO_VERSION 1
#define XTOE_CMODULE_SPEC_MAX 4096

enum xtoe_op {
	XTOE_OP_HELLO = 1, /* a: version (b: unused; the daemon takes the
			      client's pid from SO_PEERCRED) */
	XTOE_OP_LISTEN,    /* addr, port, a: backlog, b: XTOE_LISTEN_*, mss
			      (TCP_MAXSEG, 0: the daemon's) -> val: listener id */
	XTOE_OP_UNLISTEN,  /* a: listener id */
	XTOE_OP_CONNECT,   /* addr, port (remote), mss (TCP_MAXSEG, 0: the
			      daemon's) -> val: slot, val2: gen,
			      laddr/lport in the response */
	XTOE_OP_INFO,      /* (no HELLO needed; tools) -> msg: interface name,
			      addr: the daemon's address */
	XTOE_OP_CMODULE_ADD, /* (no HELLO; the daemon's own user only) a: length
			      of FILE.so[:ARGS], which follows the request on
			      the socket (absolute path, no NUL) -> msg: name */
	XTOE_OP_SPLICE,    /* a: sizeof(struct xtoe_splice_args), which follows
			      the request on the socket: two established
			      connections of this context, handed to the splice
			      module; err EBUSY while bytes wait in a ring */
	XTOE_OP_LISTEN_MODE, /* a: listener id, b: 1 standby, 0 active */
	/* --- operator tools (xtoectl fw/stats/conns; no HELLO needed) --- */
	XTOE_OP_FW_FILE = 32, /* -> msg: the daemon's firewall rule file
			      ("" when rules are not kept) */
	XTOE_OP_CAPTURE,      /* a: snaplen, b: XTOE_CAP_F_* -> one fd
			      (SCM_RIGHTS): the tx capture ring; val: the
			      session, val2: the XTOE_CAP_F_* granted, msg: its
			      capture module's name (common/cap.h); capturing
			      until this connection closes. EBUSY when
			      XTOE_CAP_MAX run */
	XTOE_OP_STATS,        /* -> one fd: struct xtoe_stat_dp (common/tools.h) */
	XTOE_OP_CONNS,        /* -> one fd: val struct xtoe_stat_conn rows */
	XTOE_OP_TRACE,        /* -> one fd (SCM_RIGHTS): the TCP event rings
			      (common/trace.h); tracing until this connection
			      closes. EBUSY while another trace runs */
	XTOE_OP_FW_SYNC,      /* a tool changed the firewall: the daemon keeps
			      the chain attached after it exits exactly when
			      there are rules (daemon/port/steer.h) */
	/* --- end of operator tools --- */
};

struct xtoe_splice_args {
	uint32_t slot[2], gen[2];
};

/*
 * LISTEN flags (xtoe_req.b). Several listeners may share a port: all with
 * REUSEPORT (SO_REUSEPORT), or a SHARE listener joining any existing one (a
 * listening socket inherited across fork). New connections go round-robin
 * to the active listeners of the port; standby listeners (a parent that
 * forked workers) get them only when no listener of the port is active.
 */
#define XTOE_LISTEN_REUSEPORT 1u
#define XTOE_LISTEN_SHARE 2u

struct xtoe_req {
	uint32_t op;
	uint32_t id;
	uint32_t addr; /* network byte order */
	uint16_t port; /* network byte order */
	uint16_t mss;  /* LISTEN, CONNECT: the application's TCP_MAXSEG, 0: none */
	uint32_t a, b;
};

/* The data bytes following q, or -1 when q claims more than a request may
 * carry (the stream cannot be followed further). */
static inline long xtoe_req_data_len(const struct xtoe_req *q)
{
	switch (q->op) {
	case XTOE_OP_CMODULE_ADD:
		return q->a <= XTOE_CMODULE_SPEC_MAX ? (long)q->a : -1;
	case XTOE_OP_SPLICE:
		return q->a == sizeof(struct xtoe_splice_args) ? (long)q->a : -1;
	default:
		return 0;
	}
}

/* The longest request, with its data. */
#define XTOE_REQ_MAX (sizeof(struct xtoe_req) + XTOE_CMODULE_SPEC_MAX)

struct xtoe_resp {
	uint32_t op;
	uint32_t id;
	int32_t err; /* 0 or positive errno */
	uint32_t val, val2;
	uint32_t addr; /* local address, network byte order */
	uint16_t port; /* local port, network byte order */
	uint16_t _rsv;
	char msg[100]; /* human message when err != 0 */
};

#endif /* XTOE_PROTO_H */
