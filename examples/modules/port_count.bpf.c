// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * port_count: per-port packet and byte counters for TCP and UDP, by
 * destination port. Read them with
 *   bpftool map dump pinned /sys/fs/bpf/xtoe/IFACE/port_count/port_stats
 * Never changes a verdict.
 */
#include <xtoe/module.h>

struct port_key {
	__u16 port;   /* destination port, host order */
	__u8 proto;   /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

struct port_val {
	__u64 packets, bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct port_key);
	__type(value, struct port_val);
} port_stats SEC(".maps");

static __always_inline int dst_port(struct xdp_md *ctx, struct port_key *k)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct tcphdr *tcp;
	struct udphdr *udp;
	struct iphdr *ip;

	ip = parse_eth_ipv4(&c, end);
	if (!ip || ipv4_is_fragment(ip))
		return -1;
	k->proto = ip->protocol;
	if (ip->protocol == IPPROTO_TCP && (tcp = parse_tcp(&c, end)))
		k->port = bpf_ntohs(tcp->dest);
	else if (ip->protocol == IPPROTO_UDP && (udp = parse_udp(&c, end)))
		k->port = bpf_ntohs(udp->dest);
	else
		return -1;
	return 0;
}

XTOE_MODULE(port_count)
{
	struct port_key k = {};
	struct port_val *v, init = {};
	__u64 len = ctx->data_end - ctx->data;

	if (dst_port(ctx, &k))
		return XTOE_NEXT;
	v = bpf_map_lookup_elem(&port_stats, &k);
	if (!v) {
		bpf_map_update_elem(&port_stats, &k, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&port_stats, &k);
		if (!v)
			return XTOE_NEXT;
	}
	v->packets++;
	v->bytes += len;
	return XTOE_NEXT;
}
