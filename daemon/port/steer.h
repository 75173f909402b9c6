/* SPDX-License-Identifier: MIT */
/*
 * The XDP steering program (bpf/steer.bpf.c) from user space: load, attach
 * through a bpf_link the daemon owns, pin its maps under
 * /sys/fs/bpf/xtoe/<ifname>/, and keep the sets of flows xtoe owns:
 * listening ports, and the 4-tuples of connections it opened. Everything
 * else passes to the kernel stack.
 *
 * The link is the daemon's alone (the chain goes away with it) unless the
 * firewall holds rules: then it is pinned (STEER_LINK_PIN) so the chain,
 * firewall included, stays attached while no daemon runs (a crash
 * included; the AF_XDP socket's entry leaves with the socket, so steering
 * hands everything to the kernel). The next daemon adopts the pinned link
 * and swaps its own chain in with one bpf_link_update: the firewall never
 * lapses. `xtoectl detach` removes a kept chain.
 */
#ifndef XTOE_STEER_H
#define XTOE_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/paths.h"

struct steer;

enum steer_xdp_mode {
	STEER_XDP_NATIVE, /* driver mode (veth supports it) */
	STEER_XDP_SKB,    /* generic mode */
	STEER_XDP_HW,     /* hardware offload (nfp); refused elsewhere */
};

/* Parse "native" / "skb" / "hw"; -EINVAL otherwise. */
int steer_parse_mode(const char *s, enum steer_xdp_mode *mode);

#define STEER_LINK_PIN XTOE_PIN_LINK /* in the pin directory (common/paths.h) */

/*
 * Load for traffic to addr (network order) on ifname, ready to attach.
 * Removes a stale pin directory left by a daemon that died, adopting the
 * link it kept. -errno with a message on stderr that says what failed and
 * what to try.
 */
int steer_open(struct steer **out, const char *ifname, uint32_t addr,
	       enum steer_xdp_mode mode);
/* Attach the chain: a new link, or the adopted one updated in place. */
int steer_attach(struct steer *s);
/* Keep the chain attached after the daemon (pin the link), or not. */
int steer_keep_link(struct steer *s, bool keep);
/* Detach (unless the link is kept pinned), unpin (all but what a kept
 * chain needs), free. */
void steer_close(struct steer *s);

/* Deliver frames arriving on queue to the AF_XDP socket fd. */
int steer_set_xsk(struct steer *s, uint32_t queue, int xsk_fd);

/* Listening port (network order) on our address. */
int steer_add_listen(struct steer *s, uint16_t port);
int steer_del_listen(struct steer *s, uint16_t port);
/* A connection's 4-tuple (network order; l = local). */
int steer_add_flow(struct steer *s, uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport);
int steer_del_flow(struct steer *s, uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport);

struct steer_stats {
	uint64_t frames, to_xsk, to_kernel;
};
int steer_stats(struct steer *s, struct steer_stats *st);

/* Pin directory, e.g. /sys/fs/bpf/xtoe/veth0 */
const char *steer_pin_dir(const struct steer *s);

#endif /* XTOE_STEER_H */
