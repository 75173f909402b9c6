/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: tcp_parse on arbitrary frames, with and without the
 * checksum check (random bytes rarely carry a valid checksum, so the
 * unchecked pass is the one that reaches the option parser). Whatever it
 * accepts must describe bytes inside the frame, and must build back into a
 * frame that parses again to the same values.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tcp.h"

static void check_seg(const uint8_t *data, size_t size, const struct tcp_seg *s)
{
	if (s->payload < data || s->payload + s->len > data + size)
		abort();
	if (s->nsack > TCP_MAX_SACK || (s->has_ws && s->wscale > 14))
		abort();
}

/* Header values from a parsed segment, built and parsed again. */
static void roundtrip(const struct tcp_seg *s)
{
	static uint8_t buf[4096];
	struct tcp_endpoints ep = { 0 };
	struct tcp_hdrvals h = { .seq = s->seq, .ack = s->ack, .wnd = s->wnd,
				 .flags = s->flags, .tos = s->tos,
				 .ts = s->has_ts, .tsval = s->tsval,
				 .tsecr = s->tsecr, .wscale = -1 };
	struct tcp_seg t;
	int n;

	memcpy(ep.smac, s->smac, 6);
	memcpy(ep.dmac, s->dmac, 6);
	ep.saddr = s->saddr;
	ep.daddr = s->daddr;
	ep.sport = s->sport;
	ep.dport = s->dport;
	if (!(s->flags & TCP_F_SYN)) {
		h.nsack = s->nsack > TCP_SEND_SACK ? TCP_SEND_SACK : s->nsack;
		memcpy(h.sack, s->sack, sizeof(h.sack[0]) * h.nsack);
	}
	n = tcp_build_frame(buf, sizeof(buf), &ep, &h, s->payload, s->len);
	if (n < 0)
		return; /* payload too large for buf */
	if (tcp_parse(buf, (size_t)n, &t, true) != XTOE_DROP_NONE)
		abort();
	if (t.seq != s->seq || t.ack != s->ack || t.flags != s->flags ||
	    t.len != s->len || t.nsack != h.nsack ||
	    memcmp(t.payload, s->payload, s->len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_seg s;

	if (tcp_parse(data, size, &s, true) == XTOE_DROP_NONE)
		check_seg(data, size, &s);
	if (tcp_parse(data, size, &s, false) == XTOE_DROP_NONE) {
		check_seg(data, size, &s);
		roundtrip(&s);
	}
	return 0;
}
