// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * splice: segments of a spliced pair (splice.h) get new MACs, addresses,
 * ports, sequence and acknowledgment numbers, checksums updated
 * incrementally (RFC 1624), and go back out with XDP_TX. SYN, FIN and RST
 * continue down the chain to the control plane, which owns the pair's
 * set-up and teardown. Options: the window field is rescaled between the
 * two connections' window scales; with SPLICE_F_TS the timestamp option
 * in the place every Linux segment has it (NOP, NOP, TS first) gets
 * TSval/TSecr deltas, so each peer sees one monotonic clock (PAWS), and
 * SACK blocks right after it move with the ack delta. Options in any other
 * layout pass unchanged.
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

static __always_inline void rewrite_wnd(struct tcphdr *tcp, const struct splice_rw *rw)
{
	__u32 w = bpf_ntohs(tcp->window);
	__u16 nw;

	if (!rw->wnd_shift)
		return;
	if (rw->wnd_shift > 0)
		w <<= rw->wnd_shift & 15;
	else
		w >>= -rw->wnd_shift & 15;
	nw = bpf_htons(w > 0xffff ? 0xffff : (__u16)w);
	csum_replace2(&tcp->check, tcp->window, nw);
	tcp->window = nw;
}

static __always_inline void add32(__u16 *sum, __u32 *field, __u32 delta)
{
	__u32 v = bpf_htonl(bpf_ntohl(*field) + delta);

	csum_replace4(sum, *field, v);
	*field = v;
}

/* SACK blocks after the timestamp option: NOP, NOP, kind 5, length. */
static __always_inline void rewrite_sack(struct tcphdr *tcp, __u8 *o, void *end,
					 __u32 delta)
{
	__u32 *b = (__u32 *)(o + 4);
	__u32 optend = (__u32)tcp->doff * 4 - sizeof(*tcp) - 12;

	if ((void *)(o + 4) > end || o[0] != 1 || o[1] != 1 || o[2] != 5 ||
	    o[3] < 10 || o[3] + 2u > optend)
		return;
#pragma unroll
	for (int i = 0; i < 6; i++) {
		if (i >= (o[3] - 2) / 4 || (void *)(b + i + 1) > end)
			return;
		add32(&tcp->check, b + i, delta);
	}
}

static __always_inline void rewrite_opts(struct tcphdr *tcp, void *end,
					 const struct splice_rw *rw)
{
	__u8 *o = (__u8 *)(tcp + 1);

	if (!(rw->flags & SPLICE_F_TS) || tcp->doff < 8 || (void *)(o + 12) > end)
		return;
	if (o[0] != 1 || o[1] != 1 || o[2] != 8 || o[3] != 10)
		return;
	add32(&tcp->check, (__u32 *)(o + 4), rw->tsval_delta);
	add32(&tcp->check, (__u32 *)(o + 8), rw->tsecr_delta);
	rewrite_sack(tcp, o + 12, end, rw->ack_delta);
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
	rewrite_wnd(tcp, rw);
	rewrite_opts(tcp, end, rw);
	__builtin_memcpy(eth->h_source, rw->smac, 6);
	__builtin_memcpy(eth->h_dest, rw->dmac, 6);
	stat(SPLICE_STAT_TX);
	return XTOE_TX;
}
