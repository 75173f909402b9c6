/* SPDX-License-Identifier: MIT */
/*
 * Bounds-checked cursor parsing for XDP programs (xtoe modules and the
 * built-ins). Every helper takes a cursor and the end of the frame, checks
 * the header fits before touching it, advances the cursor past it, and
 * returns NULL when the frame is too short or the header is malformed.
 * The verifier sees each check.
 *
 *   struct cursor c = { .pos = (void *)(long)ctx->data };
 *   void *end = (void *)(long)ctx->data_end;
 *   struct ethhdr *eth = parse_eth(&c, end, &proto);
 *
 * VLAN tags are handled in one place: parse_eth skips up to PARSE_VLAN_MAX
 * of them; parse_eth_vlan also reports the outer tag.
 */
#ifndef XTOE_MODULE_PARSE_H
#define XTOE_MODULE_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef PARSE_VLAN_MAX
#define PARSE_VLAN_MAX 2
#endif

struct cursor {
	void *pos;
};

struct parse_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

#define CURSOR_FITS(c, end, size) ((void *)(c)->pos + (size) <= (void *)(end))

static __always_inline int parse_is_vlan(__be16 p)
{
	return p == bpf_htons(ETH_P_8021Q) || p == bpf_htons(ETH_P_8021AD);
}

/* Ethernet header and up to PARSE_VLAN_MAX tags; *proto = EtherType
 * (network order) after the tags; *tci = TCI of the outer tag (host
 * order, 0 when untagged) when tci is not NULL. */
static __always_inline struct ethhdr *parse_eth_vlan(struct cursor *c, void *end,
						     __be16 *proto, __u16 *tci)
{
	struct ethhdr *eth = c->pos;
	__be16 p;
	int i;

	if (!CURSOR_FITS(c, end, sizeof(*eth)))
		return NULL;
	c->pos = eth + 1;
	p = eth->h_proto;
	if (tci)
		*tci = 0;
#pragma unroll
	for (i = 0; i < PARSE_VLAN_MAX; i++) {
		struct parse_vlan_hdr *v = c->pos;

		if (!parse_is_vlan(p))
			break;
		if (!CURSOR_FITS(c, end, sizeof(*v)))
			return NULL;
		if (tci && i == 0)
			*tci = bpf_ntohs(v->tci);
		c->pos = v + 1;
		p = v->proto;
	}
	*proto = p;
	return eth;
}

/* Ethernet header; *proto = EtherType (network order) after VLAN tags. */
static __always_inline struct ethhdr *parse_eth(struct cursor *c, void *end,
						__be16 *proto)
{
	return parse_eth_vlan(c, end, proto, NULL);
}

/* IPv4 header with options; checks version, ihl >= 5 and that the whole
 * header is in the frame. The cursor ends after the options. */
static __always_inline struct iphdr *parse_ipv4(struct cursor *c, void *end)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;

	if (!CURSOR_FITS(c, end, sizeof(*ip)))
		return NULL;
	if (ip->version != 4 || ip->ihl < 5)
		return NULL;
	hlen = ip->ihl * 4;
	if (c->pos + hlen > end)
		return NULL;
	c->pos += hlen;
	return ip;
}

/* An Ethernet frame (VLAN tags skipped) carrying IPv4: its IPv4 header, the
 * cursor after it; NULL for anything else or a malformed header. */
static __always_inline struct iphdr *parse_eth_ipv4(struct cursor *c, void *end)
{
	__be16 proto;

	if (!parse_eth(c, end, &proto) || proto != bpf_htons(ETH_P_IP))
		return NULL;
	return parse_ipv4(c, end);
}

/* true when ip is a fragment (MF set or a non-zero offset). */
static __always_inline int ipv4_is_fragment(const struct iphdr *ip)
{
	return (ip->frag_off & bpf_htons(0x3fff)) != 0;
}

/* TCP header with options; checks doff >= 5 and that it fits. */
static __always_inline struct tcphdr *parse_tcp(struct cursor *c, void *end)
{
	struct tcphdr *tcp = c->pos;
	__u32 hlen;

	if (!CURSOR_FITS(c, end, sizeof(*tcp)))
		return NULL;
	if (tcp->doff < 5)
		return NULL;
	hlen = tcp->doff * 4;
	if (c->pos + hlen > end)
		return NULL;
	c->pos += hlen;
	return tcp;
}

/* UDP header. */
static __always_inline struct udphdr *parse_udp(struct cursor *c, void *end)
{
	struct udphdr *udp = c->pos;

	if (!CURSOR_FITS(c, end, sizeof(*udp)))
		return NULL;
	c->pos = udp + 1;
	return udp;
}

#endif /* XTOE_MODULE_PARSE_H */
