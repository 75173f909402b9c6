// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * firewall: first matching rule of an ordered set (source and destination
 * CIDR, protocol, source and destination port ranges) decides: accept
 * (next module), drop, or pass to the kernel. No match: next module.
 * Map layout and the lookup scheme: firewall.h.
 */
#include <xtoe/module.h>
#include "firewall.h"

#define LPM_MAP(name)                                                          \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                           \
		__uint(max_entries, FW_MAX_PREFIX);                            \
		__uint(map_flags, BPF_F_NO_PREALLOC);                          \
		__type(key, struct fw_lpm_key);                                \
		__type(value, struct fw_bits);                                 \
	} name SEC(".maps")

#define ARRAY_MAP(name, n, vtype)                                              \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_ARRAY);                              \
		__uint(max_entries, n);                                        \
		__type(key, __u32);                                            \
		__type(value, vtype);                                          \
	} name SEC(".maps")

LPM_MAP(fw_src0);
LPM_MAP(fw_src1);
LPM_MAP(fw_dst0);
LPM_MAP(fw_dst1);
ARRAY_MAP(fw_ports0, FW_PORT_SLOTS, __u16);
ARRAY_MAP(fw_ports1, FW_PORT_SLOTS, __u16);
ARRAY_MAP(fw_class0, FW_MAX_CLASSES, struct fw_bits);
ARRAY_MAP(fw_class1, FW_MAX_CLASSES, struct fw_bits);
ARRAY_MAP(fw_proto0, 256, struct fw_bits);
ARRAY_MAP(fw_proto1, 256, struct fw_bits);
ARRAY_MAP(fw_rules0, FW_MAX_RULES, __u32);
ARRAY_MAP(fw_rules1, FW_MAX_RULES, __u32);
ARRAY_MAP(fw_desc0, FW_MAX_RULES, struct fw_rule);
ARRAY_MAP(fw_desc1, FW_MAX_RULES, struct fw_rule);
ARRAY_MAP(fw_state, 1, struct fw_state);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * FW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct fw_count);
} fw_hits SEC(".maps");

struct fw_hdr {
	__u32 saddr, daddr;
	__u16 sport, dport; /* host order; 0 when not TCP/UDP */
	__u8 proto;
};

static __always_inline int parse(struct xdp_md *ctx, struct fw_hdr *h)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct tcphdr *tcp;
	struct udphdr *udp;
	struct iphdr *ip;

	ip = parse_eth_ipv4(&c, end);
	if (!ip)
		return -1;
	h->saddr = ip->saddr;
	h->daddr = ip->daddr;
	h->proto = ip->protocol;
	h->sport = h->dport = 0;
	if (ipv4_is_fragment(ip))
		return 0;
	if (ip->protocol == IPPROTO_TCP && (tcp = parse_tcp(&c, end))) {
		h->sport = bpf_ntohs(tcp->source);
		h->dport = bpf_ntohs(tcp->dest);
	} else if (ip->protocol == IPPROTO_UDP && (udp = parse_udp(&c, end))) {
		h->sport = bpf_ntohs(udp->source);
		h->dport = bpf_ntohs(udp->dest);
	}
	return 0;
}

static __always_inline int and_bits(struct fw_bits *acc, const struct fw_bits *b)
{
	__u64 any = 0;
	int i;

	if (!b)
		return 0;
#pragma unroll
	for (i = 0; i < FW_WORDS; i++) {
		acc->w[i] &= b->w[i];
		any |= acc->w[i];
	}
	return any != 0;
}

static __always_inline int class_bits(void *ports, void *classes, __u32 slot,
				      struct fw_bits *acc)
{
	__u16 *cls = bpf_map_lookup_elem(ports, &slot);
	__u32 k;

	if (!cls)
		return 0;
	k = *cls;
	return and_bits(acc, bpf_map_lookup_elem(classes, &k));
}

static __always_inline int lowest_bit(__u64 x)
{
	int n = 0;

	if (!(x & 0xffffffffull)) { n += 32; x >>= 32; }
	if (!(x & 0xffffull)) { n += 16; x >>= 16; }
	if (!(x & 0xffull)) { n += 8; x >>= 8; }
	if (!(x & 0xfull)) { n += 4; x >>= 4; }
	if (!(x & 0x3ull)) { n += 2; x >>= 2; }
	if (!(x & 0x1ull)) { n += 1; }
	return n;
}

static __always_inline int first_rule(const struct fw_bits *acc)
{
	int i;

#pragma unroll
	for (i = 0; i < FW_WORDS; i++)
		if (acc->w[i])
			return i * 64 + lowest_bit(acc->w[i]);
	return -1;
}

/* Rule matched by h in one generation's maps, -1 for none. */
#define MATCH_GEN(g, h, acc)                                                   \
	({                                                                     \
		struct fw_lpm_key sk = { 32, (h)->saddr }, dk = { 32, (h)->daddr }; \
		__u32 p = (h)->proto;                                          \
		int ok = 0;                                                    \
		__builtin_memset((acc), 0xff, sizeof(*(acc)));                 \
		ok = and_bits((acc), bpf_map_lookup_elem(&fw_src##g, &sk)) &&  \
		     and_bits((acc), bpf_map_lookup_elem(&fw_dst##g, &dk)) &&  \
		     and_bits((acc), bpf_map_lookup_elem(&fw_proto##g, &p)) && \
		     class_bits(&fw_ports##g, &fw_class##g, (h)->sport, (acc)) && \
		     class_bits(&fw_ports##g, &fw_class##g,                    \
				65536 + (__u32)(h)->dport, (acc));             \
		ok ? first_rule(acc) : -1;                                     \
	})

static __always_inline __u32 rule_action(struct xdp_md *ctx, __u32 gen, __u32 rule)
{
	__u32 *a = gen ? bpf_map_lookup_elem(&fw_rules1, &rule)
		       : bpf_map_lookup_elem(&fw_rules0, &rule);
	__u32 k = gen * FW_MAX_RULES + rule;
	struct fw_count *hits = bpf_map_lookup_elem(&fw_hits, &k);

	if (hits) {
		hits->packets += 1;
		hits->bytes += ctx->data_end - ctx->data;
	}
	return a ? *a : FW_ACCEPT;
}

XTOE_MODULE(firewall)
{
	__u32 zero = 0, gen;
	struct fw_state *st = bpf_map_lookup_elem(&fw_state, &zero);
	struct fw_bits acc;
	struct fw_hdr h;
	int rule;

	if (!st || !st->nrules || parse(ctx, &h))
		return XTOE_NEXT;
	gen = st->gen & 1;
	rule = gen ? MATCH_GEN(1, &h, &acc) : MATCH_GEN(0, &h, &acc);
	if (rule < 0 || rule >= FW_MAX_RULES)
		return XTOE_NEXT;
	switch (rule_action(ctx, gen, (__u32)rule)) {
	case FW_DROP:
		return xtoe_drop(meta, XTOE_DROP_FIREWALL);
	case FW_PASS:
		return XTOE_PASS;
	default:
		return XTOE_NEXT;
	}
}
