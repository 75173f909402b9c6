/* SPDX-License-Identifier: MIT */
/*
 * The XDP steering program (bpf/steer.bpf.c) from user space: load, attach
 * through a bpf_link the daemon owns (the program goes away with the daemon),
 * pin its maps under /sys/fs/bpf/xtoe/<ifname>/, and keep the sets of flows
 * xtoe owns: listening ports, and the 4-tuples of connections it opened.
 * Everything else passes to the kernel stack.
 */
#ifndef XTOE_STEER_H
#define XTOE_STEER_H

#include <stdint.h>

struct steer;

enum steer_xdp_mode {
	STEER_XDP_NATIVE, /* driver mode (veth supports it) */
	STEER_XDP_SKB,    /* generic mode */
	STEER_XDP_HW,     /* hardware offload (nfp); refused elsewhere */
};

/* Parse "native" / "skb" / "hw"; -EINVAL otherwise. */
int steer_parse_mode(const char *s, enum steer_xdp_mode *mode);

/*
 * Load and attach on ifname for traffic to addr (network order). Removes a
 * stale pin directory left by a daemon that died. -errno with a message on
 * stderr that says what failed and what to try.
 */
int steer_open(struct steer **out, const char *ifname, uint32_t addr,
	       enum steer_xdp_mode mode);
/* Detach, unpin, free. */
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
