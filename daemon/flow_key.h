/* SPDX-License-Identifier: MIT */
/* A connection of the daemon's address, as both threads key it. */
#ifndef XTOE_FLOW_KEY_H
#define XTOE_FLOW_KEY_H

#include <stdint.h>

struct flow_key {
	uint32_t raddr;        /* network order */
	uint16_t rport, lport; /* network order */
};

#endif /* XTOE_FLOW_KEY_H */
