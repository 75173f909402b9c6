/* SPDX-License-Identifier: MIT */
/*
 * Congestion control behind an ops table, one per daemon (xtoed --cc).
 * The TCP core calls the hooks from tcp_input and the retransmission paths
 * and enforces c->cc_st.cwnd in tcp_output_next; an algorithm only moves
 * cwnd and ssthresh (and keeps its own fields in c->cc_st).
 *
 *   on_init  connection established: initial window (RFC 6928)
 *   on_ack   acked bytes newly acknowledged outside a recovery
 *   on_loss  fast retransmit: entering a recovery (once per window)
 *   on_rto   retransmission timeout
 *   on_ecn   an ACK for acked bytes, ece: it carried ECN-Echo
 */
#ifndef XTOE_CC_H
#define XTOE_CC_H

#include "tcp.h"

struct tcp_cc_ops {
	const char *name;
	void (*on_init)(struct tcp_conn *c, uint64_t now_us);
	void (*on_ack)(struct tcp_conn *c, uint32_t acked, uint64_t now_us);
	void (*on_loss)(struct tcp_conn *c, uint64_t now_us);
	void (*on_rto)(struct tcp_conn *c, uint64_t now_us);
	void (*on_ecn)(struct tcp_conn *c, uint32_t acked, bool ece,
		       uint64_t now_us);
};

extern const struct tcp_cc_ops tcp_cc_newreno, tcp_cc_cubic, tcp_cc_dctcp;

/* The algorithm called name ("newreno", "cubic", "dctcp"), or NULL. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
/* Names for --help: "newreno, cubic, dctcp". */
const char *tcp_cc_names(void);

/* Shared pieces (cc_newreno.c) the other algorithms build on. */
void tcp_cc_reno_init(struct tcp_conn *c, uint64_t now_us);
void tcp_cc_reno_ack(struct tcp_conn *c, uint32_t acked, uint64_t now_us);
void tcp_cc_reno_loss(struct tcp_conn *c, uint64_t now_us);
void tcp_cc_reno_rto(struct tcp_conn *c, uint64_t now_us);
uint32_t tcp_cc_flight(const struct tcp_conn *c);

#endif /* XTOE_CC_H */
