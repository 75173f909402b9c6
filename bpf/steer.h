/* SPDX-License-Identifier: MIT */
/*
 * Maps of the steering program (steer.bpf.c), shared by the BPF side and
 * user space (daemon/port/steer.c, tests). All addresses and ports are in
 * network byte order.
 *
 *   flows   HASH     steer_flow_key   -> __u8 (1)   connections xtoe owns
 *   listen  HASH     steer_listen_key -> __u8 (1)   listening ports
 *   xsks    XSKMAP   rx queue index   -> AF_XDP socket
 *   stats   PERCPU_ARRAY STEER_STAT_*  -> __u64
 */
#ifndef XTOE_BPF_STEER_H
#define XTOE_BPF_STEER_H

#include <linux/types.h>

#define STEER_MAX_FLOWS   65536
#define STEER_MAX_LISTEN  1024
#define STEER_MAX_QUEUES  64

struct steer_flow_key {
	__u32 laddr;
	__u32 raddr;
	__u16 lport;
	__u16 rport;
};

struct steer_listen_key {
	__u32 addr;
	__u16 port;
	__u16 pad; /* must be zero */
};

enum steer_stat {
	STEER_STAT_FRAMES,    /* every frame seen */
	STEER_STAT_TO_XSK,    /* redirected to the AF_XDP socket */
	STEER_STAT_TO_KERNEL, /* passed to the kernel stack */
	STEER_STAT_NO_XSK,    /* steered, but no socket on the rx queue:
				 passed to the kernel instead (also counted
				 in TO_XSK, not in TO_KERNEL) */
	STEER_STAT__COUNT
};

/* Pinned map names, as in the BPF object. */
#define STEER_MAP_FLOWS  "flows"
#define STEER_MAP_LISTEN "listen"
#define STEER_MAP_XSKS   "xsks"
#define STEER_MAP_STATS  "stats"

#ifndef __bpf__
static inline const char *steer_stat_name(unsigned int i)
{
	static const char *const names[STEER_STAT__COUNT] = {
		"frames", "to_xsk", "to_kernel", "no_xsk",
	};
	return i < STEER_STAT__COUNT ? names[i] : "?";
}
#endif

#endif /* XTOE_BPF_STEER_H */
