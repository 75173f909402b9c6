// SPDX-License-Identifier: MIT
/*
 * stall: a C module (include/xtoe/cmodule.h) that breaks the rule "hooks
 * must not block": the first segment carrying data it receives for the
 * port given as its argument stops the data-path inside its round, for
 * good (handshakes pass, so the port can be seen to serve first). The tests
 * use it to wedge the data-path and check that SIGTERM still stops the
 * daemon within a few seconds (test/bats/robust.bats).
 *
 *   xtoed ... --cmodule stall_cmod.so:7000
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <xtoe/cmodule.h>

static int stall_init(void **state, const char *args)
{
	char *end;
	unsigned long port = strtoul(args, &end, 10);

	if (!*args || *end || !port || port > 65535)
		return -EINVAL;
	*state = (void *)(uintptr_t)htons((uint16_t)port);
	return 0;
}

static void stall_rx(void *state, const struct xtoe_cm_seg *s)
{
	if (s->dport != (uint16_t)(uintptr_t)state || !s->payload_len)
		return;
	for (;;)
		pause(); /* the daemon's signals are blocked in this thread */
}

XTOE_CMODULE(.name = "stall", .init = stall_init, .rx_segment = stall_rx);
