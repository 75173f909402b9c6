// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * port_class: a custom classifier. Sets meta->class from the destination
 * port of TCP segments, using the map port_classes (port, host order ->
 * class), which an operator fills at run time:
 *   bpftool map update pinned /sys/fs/bpf/xtoe/IFACE/port_class/port_classes \
 *           key 0x50 0x00 value 7 0 0 0       # port 80 -> class 7
 * Later modules and the data-path see the class (flags XTOE_META_F_CLASS).
 * Counts frames per class in class_hits.
 */
#include <xtoe/module.h>

#define PORT_CLASS_MAX 16

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u32);
} port_classes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PORT_CLASS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} class_hits SEC(".maps");

static __always_inline int tcp_dport(struct xdp_md *ctx, __u16 *port)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct tcphdr *tcp;
	struct iphdr *ip;

	ip = parse_eth_ipv4(&c, end);
	if (!ip || ip->protocol != IPPROTO_TCP || ipv4_is_fragment(ip))
		return -1;
	tcp = parse_tcp(&c, end);
	if (!tcp)
		return -1;
	*port = bpf_ntohs(tcp->dest);
	return 0;
}

XTOE_MODULE(port_class)
{
	__u32 *cls, k;
	__u64 *hits;
	__u16 port;

	if (tcp_dport(ctx, &port))
		return XTOE_NEXT;
	cls = bpf_map_lookup_elem(&port_classes, &port);
	if (!cls)
		return XTOE_NEXT;
	meta->class = *cls;
	meta->flags |= XTOE_META_F_CLASS;
	k = *cls % PORT_CLASS_MAX;
	hits = bpf_map_lookup_elem(&class_hits, &k);
	if (hits)
		*hits += 1;
	return XTOE_NEXT;
}
