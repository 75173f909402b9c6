/* SPDX-License-Identifier: MIT */
/*
 * Frame parsing for the TCP core: Ethernet (no VLAN), IPv4, TCP and its
 * options, each step bounds-checked against what the previous one proved.
 */
#include <string.h>

#include "tcp.h"
#include "tcp_csum.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_8021Q 0x8100
#define IPPROTO_TCP_NUM 6
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_PERM 4
#define OPT_SACK 5
#define OPT_TS 8
#define WS_MAX_SHIFT 14 /* RFC 7323 2.3 */

/* The IPv4 header at ip; on success *l4 and *l4_len are the TCP bytes. */
static enum xtoe_drop_reason parse_ipv4(const uint8_t *ip, size_t avail,
					struct tcp_seg *s, const uint8_t **l4,
					size_t *l4_len)
{
	size_t ihl, tot_len;

	if (avail < TCP_IP_HLEN)
		return XTOE_DROP_RUNT;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot_len = get_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < TCP_IP_HLEN || tot_len < ihl ||
	    tot_len > avail)
		return XTOE_DROP_IP_HDR;
	if (csum_fold(csum_add(0, ip, ihl)) != 0)
		return XTOE_DROP_IP_CSUM;
	if (get_be16(ip + 6) & (IP_MF | IP_OFFMASK))
		return XTOE_DROP_IP_FRAG;
	if (ip[9] != IPPROTO_TCP_NUM)
		return XTOE_DROP_NOT_TCP;
	s->tos = ip[1];
	memcpy(&s->saddr, ip + 12, 4);
	memcpy(&s->daddr, ip + 16, 4);
	*l4 = ip + ihl;
	*l4_len = tot_len - ihl; /* ignores Ethernet padding */
	return XTOE_DROP_NONE;
}

/* RFC 2018 3: 1 to 4 blocks of two sequence numbers. */
static bool parse_sack(const uint8_t *o, uint8_t olen, struct tcp_seg *s)
{
	uint8_t n = (uint8_t)((olen - 2) / 8);

	if (olen < 10 || (olen - 2) % 8 || n > TCP_MAX_SACK)
		return false;
	for (uint8_t i = 0; i < n; i++) {
		s->sack[i][0] = get_be32(o + 2 + 8 * i);
		s->sack[i][1] = get_be32(o + 6 + 8 * i);
	}
	s->nsack = n;
	return true;
}

/* One known option with its exact length; unknown ones are skipped. */
static bool parse_one_opt(const uint8_t *o, uint8_t olen, struct tcp_seg *s)
{
	switch (o[0]) {
	case OPT_MSS:
		if (olen != 4)
			return false;
		s->has_mss = true;
		s->mss = get_be16(o + 2);
		return true;
	case OPT_WS:
		if (olen != 3)
			return false;
		s->has_ws = true;
		s->wscale = o[2] > WS_MAX_SHIFT ? WS_MAX_SHIFT : o[2];
		return true;
	case OPT_SACK_PERM:
		if (olen != 2)
			return false;
		s->sack_ok = true;
		return true;
	case OPT_SACK:
		return parse_sack(o, olen, s);
	case OPT_TS:
		if (olen != 10)
			return false;
		s->has_ts = true;
		s->tsval = get_be32(o + 2);
		s->tsecr = get_be32(o + 6);
		return true;
	default:
		return true;
	}
}

static enum xtoe_drop_reason parse_options(const uint8_t *o, size_t len,
					   struct tcp_seg *s)
{
	size_t i = 0;

	/* what every segment of a connection with timestamps carries
	 * (Linux's layout: NOP, NOP, timestamps) */
	if (len == 12 && o[0] == OPT_NOP && o[1] == OPT_NOP && o[2] == OPT_TS &&
	    o[3] == 10)
		return parse_one_opt(o + 2, 10, s) ? XTOE_DROP_NONE : XTOE_DROP_TCP_OPT;

	while (i < len) {
		uint8_t olen;

		if (o[i] == OPT_EOL)
			break;
		if (o[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return XTOE_DROP_TCP_OPT;
		olen = o[i + 1];
		if (olen < 2 || olen > len - i)
			return XTOE_DROP_TCP_OPT;
		if (!parse_one_opt(o + i, olen, s))
			return XTOE_DROP_TCP_OPT;
		i += olen;
	}
	return XTOE_DROP_NONE;
}

static bool flags_valid(uint8_t f)
{
	if (f == 0)
		return false;
	if ((f & TCP_F_SYN) && (f & (TCP_F_FIN | TCP_F_RST)))
		return false;
	return true;
}

bool tcp_seg_csum_ok(const struct tcp_seg *s, uint64_t payload_sum)
{
	uint64_t sum = csum_pseudo(s->saddr, s->daddr, IPPROTO_TCP_NUM,
				   (uint16_t)(s->hlen + s->len));

	sum = csum_add(sum, s->payload - s->hlen, s->hlen);
	return csum_fold(csum_combine(sum, payload_sum)) == 0;
}

static enum xtoe_drop_reason parse_tcp(const uint8_t *th, size_t len,
				       struct tcp_seg *s, bool verify_csum)
{
	size_t doff;
	enum xtoe_drop_reason r;

	if (len < TCP_MIN_HLEN)
		return XTOE_DROP_TCP_HDR;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_MIN_HLEN || doff > len)
		return XTOE_DROP_TCP_HDR;
	memcpy(&s->sport, th, 2);
	memcpy(&s->dport, th + 2, 2);
	s->seq = get_be32(th + 4);
	s->ack = get_be32(th + 8);
	s->flags = th[13];
	s->wnd = get_be16(th + 14);
	r = parse_options(th + TCP_MIN_HLEN, doff - TCP_MIN_HLEN, s);
	if (r != XTOE_DROP_NONE)
		return r;
	s->payload = th + doff;
	s->len = (uint16_t)(len - doff);
	s->hlen = (uint8_t)doff;
	if (verify_csum && !tcp_seg_csum_ok(s, csum_add(0, s->payload, s->len)))
		return XTOE_DROP_TCP_CSUM;
	if (!flags_valid(s->flags))
		return XTOE_DROP_TCP_FLAGS;
	return XTOE_DROP_NONE;
}

enum xtoe_drop_reason tcp_parse(const uint8_t *frame, size_t len,
				struct tcp_seg *s, bool verify_csum)
{
	const uint8_t *l4;
	size_t l4_len;
	enum xtoe_drop_reason r;

	size_t eth = TCP_ETH_HLEN;

	memset(s, 0, sizeof(*s));
	if (len < TCP_ETH_HLEN)
		return XTOE_DROP_RUNT;
	memcpy(s->dmac, frame, 6);
	memcpy(s->smac, frame + 6, 6);
	if (get_be16(frame + 12) == ETHERTYPE_8021Q) {
		if (len < TCP_ETH_HLEN + TCP_VLAN_HLEN)
			return XTOE_DROP_RUNT;
		s->vlan = true;
		s->vlan_tci = get_be16(frame + 14);
		eth += TCP_VLAN_HLEN;
	}
	if (get_be16(frame + eth - 2) != ETHERTYPE_IPV4)
		return XTOE_DROP_NOT_IPV4;
	r = parse_ipv4(frame + eth, len - eth, s, &l4, &l4_len);
	if (r != XTOE_DROP_NONE)
		return r;
	return parse_tcp(l4, l4_len, s, verify_csum);
}
