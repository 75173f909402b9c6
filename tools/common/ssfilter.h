/* SPDX-License-Identifier: MIT */
/*
 * Connection filters as ss(8) writes them, for `xtoectl conns`:
 *
 *   [state STATE | exclude STATE]... [EXPRESSION]
 *
 * STATE: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,
 * time-wait, closed, close-wait, last-ack, listening (listen), closing,
 * or a group: all, connected (all but listening and closed),
 * synchronized (connected but syn-sent), bucket (syn-recv, time-wait),
 * big (all but bucket). EXPRESSION: terms
 *
 *   sport|dport [OP] [ADDR]:PORT    OP: = == eq != ne < lt > gt <= le >= ge
 *   src|dst ADDR[/N][:PORT]         ADDR A.B.C.D or *; PORT a number or name
 *
 * joined by and (&&, or nothing), or (||), not (!) and parentheses. sport
 * and src are the local end, dport and dst the peer's, as in ss.
 * Pure functions; errors as -EINVAL with the reason in err.
 */
#ifndef XTOE_TOOLS_SSFILTER_H
#define XTOE_TOOLS_SSFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a filter sees of a connection (addresses network order, ports host
 * order, state as tcp_state_name() writes it: "ESTABLISHED", "LISTEN"...). */
struct ss_conn {
	const char *state;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

struct ss_filter;

int ss_filter_parse(int argc, char *const *argv, struct ss_filter **out,
		    char *err, size_t errlen);
bool ss_filter_match(const struct ss_filter *f, const struct ss_conn *c);
void ss_filter_free(struct ss_filter *f);

/* The RFC name of an ss state name ("syn-recv" -> "SYN-RECEIVED"), NULL
 * when it is none (groups neither). */
const char *ss_state_name(const char *ss);

#endif /* XTOE_TOOLS_SSFILTER_H */
