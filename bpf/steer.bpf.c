// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * xtoe_steer: deliver the TCP segments xtoe owns to its AF_XDP socket and
 * pass everything else to the kernel stack.
 *
 * A segment is xtoe's when it is IPv4/TCP, not a fragment, addressed to
 * our_addr, and either its 4-tuple is in `flows` (a connection xtoe opened
 * or accepted) or its destination (address, port) is in `listen`. Such a
 * frame is redirected to the socket in `xsks` at the frame's rx queue.
 *
 * It is the last module of the chain (docs/modules.md): it never continues,
 * and it honours the decisions of the modules before it: a frame a
 * classifier marked XTOE_META_F_OWNED is xtoe's without a lookup.
 */
#include <xtoe/module.h>
#include "steer.h"

const volatile __u32 our_addr = 0; /* network order; set before load */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_MAX_FLOWS);
	__type(key, struct steer_flow_key);
	__type(value, __u8);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_MAX_LISTEN);
	__type(key, struct steer_listen_key);
	__type(value, __u8);
} listen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, STEER_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

/* true when the frame is a TCP segment xtoe owns. */
static __always_inline int is_ours(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct steer_listen_key lk = {};
	struct steer_flow_key fk;
	struct tcphdr *tcp;
	struct iphdr *ip;

	ip = parse_eth_ipv4(&c, end);
	if (!ip || ip->protocol != IPPROTO_TCP || ipv4_is_fragment(ip))
		return 0;
	if (ip->daddr != our_addr)
		return 0;
	tcp = parse_tcp(&c, end);
	if (!tcp)
		return 0;

	fk.laddr = ip->daddr;
	fk.raddr = ip->saddr;
	fk.lport = tcp->dest;
	fk.rport = tcp->source;
	if (bpf_map_lookup_elem(&flows, &fk))
		return 1;

	lk.addr = ip->daddr;
	lk.port = tcp->dest;
	return bpf_map_lookup_elem(&listen, &lk) != NULL;
}

XTOE_MODULE(xtoe_steer)
{
	long act;

	count(STEER_STAT_FRAMES);
	if (!(meta->flags & XTOE_META_F_OWNED) && !is_ours(ctx)) {
		count(STEER_STAT_TO_KERNEL);
		return XTOE_PASS;
	}
	count(STEER_STAT_TO_XSK);
	act = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	if (act != XDP_REDIRECT)
		count(STEER_STAT_NO_XSK);
	return (int)act;
}
