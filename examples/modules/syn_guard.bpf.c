// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * syn_guard: at most `burst` SYNs per source address, refilled at `rate`
 * per second (a token bucket per source in an LRU hash). SYNs beyond that
 * are dropped with XTOE_DROP_SYN_RATE; everything else goes on.
 * Knobs are load-time rodata (set them through a skeleton, or edit the
 * defaults and `xtoectl module replace`).
 */
#include <xtoe/module.h>

const volatile __u32 rate = 20;  /* SYNs per second per source */
const volatile __u32 burst = 5;  /* bucket size */

struct bucket {
	__u64 stamp_ns; /* last refill */
	__u32 tokens;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* source address, network order */
	__type(value, struct bucket);
} syn_buckets SEC(".maps");

/* Source address of a TCP SYN (without ACK), 0 for anything else. */
static __always_inline __u32 syn_source(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct tcphdr *tcp;
	struct iphdr *ip;

	ip = parse_eth_ipv4(&c, end);
	if (!ip || ip->protocol != IPPROTO_TCP || ipv4_is_fragment(ip))
		return 0;
	tcp = parse_tcp(&c, end);
	if (!tcp || !tcp->syn || tcp->ack)
		return 0;
	return ip->saddr;
}

/* true when the source still has a token (and takes it). */
static __always_inline int take_token(__u32 src)
{
	__u64 now = bpf_ktime_get_ns(), add;
	struct bucket *b, fresh = { .stamp_ns = now, .tokens = burst };

	b = bpf_map_lookup_elem(&syn_buckets, &src);
	if (!b) {
		bpf_map_update_elem(&syn_buckets, &src, &fresh, BPF_ANY);
		b = bpf_map_lookup_elem(&syn_buckets, &src);
		if (!b)
			return 1;
	}
	add = (now - b->stamp_ns) * rate / 1000000000ull;
	if (add) {
		b->tokens = b->tokens + add > burst ? burst : b->tokens + (__u32)add;
		b->stamp_ns = now;
	}
	if (!b->tokens)
		return 0;
	b->tokens--;
	return 1;
}

XTOE_MODULE(syn_guard)
{
	__u32 src = syn_source(ctx);

	if (src && !take_token(src))
		return xtoe_drop(meta, XTOE_DROP_SYN_RATE);
	return XTOE_NEXT;
}
