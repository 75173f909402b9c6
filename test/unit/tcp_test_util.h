/* SPDX-License-Identifier: MIT */
/* Shared fixtures for the TCP core unit tests. */
#ifndef XTOE_TCP_TEST_UTIL_H
#define XTOE_TCP_TEST_UTIL_H

#include <string.h>

#include "core/tcp.h"
#include "tcp_test_app.h"

static const struct tcp_endpoints test_ep_local = {
	.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
	.saddr = 0x0100000a, .daddr = 0x0200000a,
	.sport = 0x5000, .dport = 0x3930,
};

/* The peer's view of the same connection. */
static const struct tcp_endpoints test_ep_peer = {
	.smac = { 2, 0, 0, 0, 0, 2 }, .dmac = { 2, 0, 0, 0, 0, 1 },
	.saddr = 0x0200000a, .daddr = 0x0100000a,
	.sport = 0x3930, .dport = 0x5000,
};

/* Build a frame from the peer and parse it back: a segment as tcp_input
 * sees it. The frame lives in buf. */
static inline struct tcp_seg test_seg(uint8_t *buf, size_t cap,
				      const struct tcp_hdrvals *h,
				      const void *data, uint16_t len)
{
	struct tcp_seg s;
	int n = tcp_build_frame(buf, cap, &test_ep_peer, h, data, len);

	memset(&s, 0, sizeof(s));
	if (n > 0)
		tcp_parse(buf, (size_t)n, &s, true);
	return s;
}

/* A Linux-like SYN: MSS 1460, SACK_PERM, TS, WS 7. */
static inline struct tcp_hdrvals linux_syn(uint32_t seq, uint32_t tsval)
{
	struct tcp_hdrvals h = {
		.seq = seq, .flags = TCP_F_SYN, .wnd = 64240, .ts = true,
		.tsval = tsval, .mss = 1460, .wscale = 7, .sack_ok = true,
	};

	return h;
}

#endif /* XTOE_TCP_TEST_UTIL_H */
