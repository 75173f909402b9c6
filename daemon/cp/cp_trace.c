// SPDX-License-Identifier: MIT
/*
 * The control plane's TCP events for xtoectl trace (common/trace.h, ring 1).
 * The control plane is the ring's only producer; cp_tools.c attaches
 * cp->trace_q when a trace starts.
 */
#include "cp.h"

void cp_trace_put(struct cp *cp, const struct cp_conn *c, uint8_t type,
		  uint32_t a, uint32_t b, uint32_t v)
{
	struct xtoe_trace_rec r = {
		.ts_ns = now_ns(), .laddr = cp->d->cfg.addr, .raddr = c->key.raddr,
		.lport = c->key.lport, .rport = c->key.rport, .type = type,
		.src = 1, .a = a, .b = b, .c = v,
	};

	xtoe_trace_put(cp->d->trace, &cp->trace_q, &r);
}
