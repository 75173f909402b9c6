// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * splice: segments of a spliced pair (splice.h) get new MACs, addresses,
 * ports, sequence and acknowledgment numbers, checksums updated
 * incrementally (RFC 1624), and go back out with XDP_TX. SYN, FIN and RST
 * continue down the chain to the control plane, which owns the pair's
 * set-up and teardown. TCP options (timestamps, SACK blocks) pass through
 * as they are: the control plane splices connections with matching options.
 */
#include <xtoe/module.h>
#include "splice.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SPLICE_MAX_PAIRS);
	__type(key, struct splice_key);
	__type(value, struct splice_rw);
} splice_pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SPLICE_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} splice_stats SEC(".maps");

static __always_inline void stat(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&splice_stats, &i);

	if (v)
		*v += 1;
}

static __always_inline __u16 fold(__u32 c)
{
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	return (__u16)c;
}

/* RFC 1624: checksum *sum after a 32-bit field changed from `from` to
 * `to` (raw memory words: the one's-complement sum is byte-order free). */
static __always_inline void csum_replace4(__u16 *sum, __u32 from, __u32 to)
{
	__u32 c = (__u16)~*sum;

	c += (__u16)~(from & 0xffff);
	c += (__u16)~(from >> 16);
	c += to & 0xffff;
	c += to >> 16;
	*sum = (__u16)~fold(c);
}

static __always_inline void csum_replace2(__u16 *sum, __u16 from, __u16 to)
{
	__u32 c = (__u16)~*sum;

	c += (__u16)~from;
	c += to;
	*sum = (__u16)~fold(c);
}

static __always_inline void rewrite_ip(struct iphdr *ip, struct tcphdr *tcp,
				       const struct splice_rw *rw)
{
	csum_replace4(&ip->check, ip->saddr, rw->saddr);
	csum_replace4(&ip->check, ip->daddr, rw->daddr);
	csum_replace4(&tcp->check, ip->saddr, rw->saddr); /* pseudo header */
	csum_replace4(&tcp->check, ip->daddr, rw->daddr);
	ip->saddr = rw->saddr;
	ip->daddr = rw->daddr;
}

static __always_inline void rewrite_tcp(struct tcphdr *tcp, const struct splice_rw *rw)
{
	__u32 seq = bpf_htonl(bpf_ntohl(tcp->seq) + rw->seq_delta);
	__u32 ack = bpf_htonl(bpf_ntohl(tcp->ack_seq) + rw->ack_delta);

	csum_replace2(&tcp->check, tcp->source, rw->sport);
	csum_replace2(&tcp->check, tcp->dest, rw->dport);
	csum_replace4(&tcp->check, tcp->seq, seq);
	csum_replace4(&tcp->check, tcp->ack_seq, ack);
	tcp->source = rw->sport;
	tcp->dest = rw->dport;
	tcp->seq = seq;
	tcp->ack_seq = ack;
}

XTOE_MODULE(splice)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct splice_key k = {};
	struct splice_rw *rw;
	struct tcphdr *tcp;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be16 proto;

	eth = parse_eth(&c, end, &proto);
	if (!eth || proto != bpf_htons(ETH_P_IP) || (void *)(eth + 1) != c.pos)
		return XTOE_NEXT; /* tagged frames: vlan_strip first */
	ip = parse_ipv4(&c, end);
	if (!ip || ip->protocol != IPPROTO_TCP || ipv4_is_fragment(ip))
		return XTOE_NEXT;
	tcp = parse_tcp(&c, end);
	if (!tcp)
		return XTOE_NEXT;
	k.saddr = ip->saddr;
	k.daddr = ip->daddr;
	k.sport = tcp->source;
	k.dport = tcp->dest;
	rw = bpf_map_lookup_elem(&splice_pairs, &k);
	if (!rw)
		return XTOE_NEXT;
	if (tcp->syn || tcp->fin || tcp->rst) {
		stat(SPLICE_STAT_TO_CP);
		return XTOE_NEXT;
	}
	rewrite_ip(ip, tcp, rw);
	rewrite_tcp(tcp, rw);
	__builtin_memcpy(eth->h_source, rw->smac, 6);
	__builtin_memcpy(eth->h_dest, rw->dmac, 6);
	stat(SPLICE_STAT_TX);
	return XTOE_TX;
}
