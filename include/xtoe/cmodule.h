/* SPDX-License-Identifier: MIT */
/*
 * C modules: native hooks inside the daemon's stages, loaded as shared
 * objects at start (xtoed --cmodule FILE.so[:ARGS], repeatable).
 *
 *   #include <xtoe/cmodule.h>
 *   static void rx(void *st, const struct xtoe_cm_seg *s) { ... }
 *   XTOE_CMODULE(.name = "segstat", .init = init, .rx_segment = rx, ...);
 *
 * Threads: rx_segment and tx_segment run on a data-path thread, inside
 * its loop, one call at a time (with xtoed --workers N, on any of the N,
 * never two at once): they must not block, allocate per call, or take
 * locks shared with other threads. conn_event runs on the control-plane thread. init
 * and fini run before the threads start and after they stopped. Hooks see
 * read-only views; they cannot change or drop segments (XDP modules do).
 */
#ifndef XTOE_CMODULE_H
#define XTOE_CMODULE_H

#include <stdint.h>

#define XTOE_CMODULE_ABI 1
#define XTOE_CMODULE_SYMBOL "xtoe_cmodule"

/* One TCP segment, as received (after the XDP chain) or as sent. */
struct xtoe_cm_seg {
	const uint8_t *frame;  /* whole frame, Ethernet header first */
	uint32_t frame_len;
	uint32_t saddr, daddr; /* network order */
	uint16_t sport, dport; /* network order */
	uint32_t seq, ack;     /* host order */
	uint16_t wnd;          /* raw window field */
	uint8_t flags;         /* TCP flags byte (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10) */
	uint16_t payload_len;
};

enum xtoe_cm_event {
	XTOE_CM_CONN_OPEN,  /* handshake done, connection handed to the data-path */
	XTOE_CM_CONN_CLOSE, /* the data-path finished with the connection */
};

struct xtoe_cm_conn {
	uint32_t laddr, raddr; /* network order */
	uint16_t lport, rport; /* network order */
};

struct xtoe_cmodule {
	uint32_t abi; /* XTOE_CMODULE_ABI */
	const char *name;
	/* args: the text after ':' in --cmodule FILE.so:ARGS, or "". Return
	 * 0, or -errno to refuse the start (the daemon exits). */
	int (*init)(void **state, const char *args);
	void (*fini)(void *state);
	void (*rx_segment)(void *state, const struct xtoe_cm_seg *s);
	void (*tx_segment)(void *state, const struct xtoe_cm_seg *s);
	void (*conn_event)(void *state, enum xtoe_cm_event ev,
			   const struct xtoe_cm_conn *c);
};

/* Defines the module's descriptor under the symbol the daemon looks up. */
#define XTOE_CMODULE(...)                                                      \
	__attribute__((visibility("default")))                                 \
	const struct xtoe_cmodule xtoe_cmodule = { .abi = XTOE_CMODULE_ABI,     \
						   __VA_ARGS__ }

#endif /* XTOE_CMODULE_H */
