// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * classify: gives TCP/UDP flows a class and tells steering which ones xtoe
 * owns, from maps configured at run time (classify.h). Also leaves a flow
 * hint (meta->flow_hash) for later modules and the data-path. Never
 * changes a verdict.
 */
#include <xtoe/module.h>
#include "classify.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CLS_MAX_FLOWS);
	__type(key, struct cls_flow_key);
	__type(value, struct cls_val);
} cls_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CLS_MAX_PORTS);
	__type(key, struct cls_port_key);
	__type(value, struct cls_val);
} cls_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CLS_HIT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} cls_hits SEC(".maps");

/* The received frame's flow, local side first; -1 if not TCP/UDP over IPv4. */
static __always_inline int flow_of(struct xdp_md *ctx, struct cls_flow_key *k)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct tcphdr *tcp;
	struct udphdr *udp;
	struct iphdr *ip;

	ip = parse_eth_ipv4(&c, end);
	if (!ip || ipv4_is_fragment(ip))
		return -1;
	k->laddr = ip->daddr;
	k->raddr = ip->saddr;
	k->proto = ip->protocol;
	if (ip->protocol == IPPROTO_TCP && (tcp = parse_tcp(&c, end))) {
		k->lport = tcp->dest;
		k->rport = tcp->source;
	} else if (ip->protocol == IPPROTO_UDP && (udp = parse_udp(&c, end))) {
		k->lport = udp->dest;
		k->rport = udp->source;
	} else {
		return -1;
	}
	return 0;
}

static __always_inline __u32 flow_hash(const struct cls_flow_key *k)
{
	__u32 h = k->laddr * 0x9e3779b1u;

	h ^= k->raddr * 0x85ebca6bu;
	h ^= ((__u32)k->lport << 16 | k->rport) * 0xc2b2ae35u;
	h ^= k->proto;
	return h ? h : 1;
}

static __always_inline void apply(struct xtoe_meta *meta, const struct cls_val *v)
{
	__u32 slot = v->class % CLS_HIT_SLOTS;
	__u64 *hits = bpf_map_lookup_elem(&cls_hits, &slot);

	meta->class = v->class;
	meta->flags |= XTOE_META_F_CLASS;
	if (v->flags & CLS_F_OWNED)
		meta->flags |= XTOE_META_F_OWNED;
	if (hits)
		*hits += 1;
}

XTOE_MODULE(classify)
{
	struct cls_flow_key k = {};
	struct cls_port_key pk = {};
	struct cls_val *v;

	if (flow_of(ctx, &k))
		return XTOE_NEXT;
	meta->flow_hash = flow_hash(&k);
	v = bpf_map_lookup_elem(&cls_flows, &k);
	if (!v) {
		pk.lport = k.lport;
		pk.proto = k.proto;
		v = bpf_map_lookup_elem(&cls_ports, &pk);
	}
	if (v)
		apply(meta, v);
	return XTOE_NEXT;
}
