/* SPDX-License-Identifier: MIT */
/*
 * Frame building for the TCP core: Ethernet + IPv4 + TCP headers with
 * options, then checksums once the payload is in place.
 */
#include <errno.h>
#include <string.h>

#include "tcp.h"
#include "tcp_csum.h"

#define IP_TTL_DEFAULT 64
#define IP_DF 0x4000

/* Options of a SYN or SYN-ACK, laid out like Linux (4-byte aligned). */
static size_t put_syn_opts(uint8_t *o, const struct tcp_hdrvals *h)
{
	size_t n = 0;

	if (h->mss) {
		o[n++] = 2;
		o[n++] = 4;
		put_be16(o + n, h->mss);
		n += 2;
	}
	if (h->sack_ok && h->ts) {
		o[n++] = 4;
		o[n++] = 2;
	} else if (h->sack_ok) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
	} else if (h->ts) {
		o[n++] = 1;
		o[n++] = 1;
	}
	if (h->ts) {
		o[n++] = 8;
		o[n++] = 10;
		put_be32(o + n, h->tsval);
		put_be32(o + n + 4, h->tsecr);
		n += 8;
	}
	if (h->wscale >= 0) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = (uint8_t)h->wscale;
	}
	return n;
}

/* NOP NOP TIMESTAMP, then NOP NOP SACK with up to 3 blocks, on segments
 * other than SYNs. */
static size_t put_data_opts(uint8_t *o, const struct tcp_hdrvals *h)
{
	size_t n = 0;

	if (h->ts) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		put_be32(o + n, h->tsval);
		put_be32(o + n + 4, h->tsecr);
		n += 8;
	}
	if (h->nsack && h->nsack <= TCP_SEND_SACK) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 5;
		o[n++] = (uint8_t)(2 + 8 * h->nsack);
		for (uint8_t i = 0; i < h->nsack; i++, n += 8) {
			put_be32(o + n, h->sack[i][0]);
			put_be32(o + n + 4, h->sack[i][1]);
		}
	}
	return n;
}

static size_t put_opts(uint8_t *o, const struct tcp_hdrvals *h)
{
	if (h->flags & TCP_F_SYN)
		return put_syn_opts(o, h);
	return put_data_opts(o, h);
}

/* Ethernet header, with the endpoints' 802.1Q tag if any; returns its length. */
static size_t put_eth(uint8_t *b, const struct tcp_endpoints *ep)
{
	size_t off = 12;

	memcpy(b, ep->dmac, 6);
	memcpy(b + 6, ep->smac, 6);
	if (ep->vlan) {
		put_be16(b + 12, 0x8100);
		put_be16(b + 14, ep->vlan_tci);
		off += TCP_VLAN_HLEN;
	}
	put_be16(b + off, 0x0800);
	return off + 2;
}

/* Length of the Ethernet header (and tag) of a frame we built. */
static size_t eth_len(const uint8_t *frame)
{
	return get_be16(frame + 12) == 0x8100 ? TCP_ETH_HLEN + TCP_VLAN_HLEN
					      : TCP_ETH_HLEN;
}

static void put_ipv4(uint8_t *ip, const struct tcp_endpoints *ep,
		     const struct tcp_hdrvals *h, uint16_t tot_len)
{
	ip[0] = 0x45;
	ip[1] = h->tos;
	put_be16(ip + 2, tot_len);
	put_be16(ip + 4, 0);
	put_be16(ip + 6, IP_DF);
	ip[8] = IP_TTL_DEFAULT;
	ip[9] = 6;
	put_be16(ip + 10, 0);
	memcpy(ip + 12, &ep->saddr, 4);
	memcpy(ip + 16, &ep->daddr, 4);
}

static void put_tcp(uint8_t *th, const struct tcp_endpoints *ep,
		    const struct tcp_hdrvals *h, size_t hlen)
{
	memcpy(th, &ep->sport, 2);
	memcpy(th + 2, &ep->dport, 2);
	put_be32(th + 4, h->seq);
	put_be32(th + 8, h->ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = h->flags;
	put_be16(th + 14, h->wnd);
	put_be16(th + 16, 0);
	put_be16(th + 18, 0);
}

int tcp_build_hdr(uint8_t *buf, size_t cap, const struct tcp_endpoints *ep,
		  const struct tcp_hdrvals *h, uint16_t payload_len)
{
	uint8_t opts[40];
	size_t olen = put_opts(opts, h);
	size_t thlen = TCP_MIN_HLEN + olen;
	size_t eth = TCP_ETH_HLEN + (ep->vlan ? TCP_VLAN_HLEN : 0);
	size_t hdrs = eth + TCP_IP_HLEN + thlen;
	size_t ip_len = TCP_IP_HLEN + thlen + payload_len;

	if (hdrs + payload_len > cap || ip_len > 0xffff)
		return -ENOSPC;
	put_eth(buf, ep);
	put_ipv4(buf + eth, ep, h, (uint16_t)ip_len);
	put_tcp(buf + eth + TCP_IP_HLEN, ep, h, thlen);
	memcpy(buf + eth + TCP_IP_HLEN + TCP_MIN_HLEN, opts, olen);
	return (int)hdrs;
}

/* The IPv4 header checksum of a frame built by tcp_build_hdr; returns its
 * TCP header (checksum field zeroed) with *tcp_len and the pseudo-header's
 * sum, or NULL when the frame is shorter than its headers say. */
static uint8_t *finish_ip(uint8_t *frame, size_t len, size_t *tcp_len, uint64_t *sum)
{
	size_t eth = eth_len(frame);
	uint8_t *ip = frame + eth;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot_len = get_be16(ip + 2);
	uint8_t *th = ip + ihl;
	uint32_t saddr, daddr;
	uint16_t c;

	if (len < eth + tot_len || tot_len < ihl + TCP_MIN_HLEN)
		return NULL;
	memset(ip + 10, 0, 2);
	c = csum_fold(csum_add(0, ip, ihl));
	memcpy(ip + 10, &c, 2);
	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	memset(th + 16, 0, 2);
	*tcp_len = tot_len - ihl;
	*sum = csum_pseudo(saddr, daddr, 6, (uint16_t)*tcp_len);
	return th;
}

void tcp_frame_finish(uint8_t *frame, size_t len)
{
	size_t tl;
	uint64_t sum;
	uint8_t *th = finish_ip(frame, len, &tl, &sum);
	uint16_t c;

	if (!th)
		return;
	c = csum_fold(csum_add(sum, th, tl));
	memcpy(th + 16, &c, 2);
}

void tcp_frame_finish_sum(uint8_t *frame, size_t hlen, size_t plen, uint64_t psum)
{
	size_t tl;
	uint64_t sum;
	uint8_t *th = finish_ip(frame, hlen + plen, &tl, &sum);
	uint16_t c;

	if (!th || tl < plen)
		return;
	c = csum_fold(csum_combine(csum_add(sum, th, tl - plen), psum));
	memcpy(th + 16, &c, 2);
}

int tcp_build_frame(uint8_t *buf, size_t cap, const struct tcp_endpoints *ep,
		    const struct tcp_hdrvals *h, const void *payload,
		    uint16_t payload_len)
{
	int hlen = tcp_build_hdr(buf, cap, ep, h, payload_len);

	if (hlen < 0)
		return hlen;
	if (payload_len)
		memcpy(buf + hlen, payload, payload_len);
	tcp_frame_finish(buf, (size_t)hlen + payload_len);
	return hlen + payload_len;
}
