// SPDX-License-Identifier: MIT
/* Transmit coalescing rules and the merged frame's headers (tx_merge.h). */
#include "tx_merge.h"

#include <stdbool.h>
#include <string.h>

#include "core/tcp_csum.h"

#define ETH_HLEN_    14u
#define VLAN_HLEN_   4u
#define ETYPE_IP     0x0800
#define ETYPE_VLAN   0x8100
#define IP_DF_       0x4000
#define IP_FRAG_BITS 0x3fff /* MF and the offset */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_LAST_ONLY (TH_PSH | TH_FIN)

/* A frame's parsed headers; ok false when it is not a TCP/IPv4 segment
 * that could merge at all. */
struct seg {
	bool ok;
	uint32_t l2, hlen, plen; /* Ethernet (+VLAN), all headers, payload */
	uint32_t seq;
	uint16_t ip_id;
	uint8_t flags;
	bool df;
};

static struct seg parse(const struct tx_pkt *p)
{
	struct seg s = { 0 };
	const uint8_t *d = p->data, *ip, *th;
	uint32_t l2 = ETH_HLEN_, thl, tot;

	if (p->len < ETH_HLEN_ + 20 + 20)
		return s;
	if (get_be16(d + 12) == ETYPE_VLAN)
		l2 += VLAN_HLEN_;
	if (get_be16(d + l2 - 2) != ETYPE_IP || p->len < l2 + 20 + 20)
		return s;
	ip = d + l2;
	tot = get_be16(ip + 2);
	if (ip[0] != 0x45 || ip[9] != 6 || (get_be16(ip + 6) & IP_FRAG_BITS) ||
	    tot > p->len - l2 || tot < 40)
		return s;
	th = ip + 20;
	thl = (uint32_t)(th[12] >> 4) * 4;
	if (thl < 20 || 20 + thl > tot)
		return s;
	s.l2 = l2;
	s.hlen = l2 + 20 + thl;
	s.plen = tot - 20 - thl;
	s.seq = get_be32(th + 4);
	s.ip_id = get_be16(ip + 4);
	s.flags = th[13];
	s.df = get_be16(ip + 6) & IP_DF_;
	/* ACK only (PSH/FIN are checked by position); no urgent pointer use */
	s.ok = (s.flags & ~TH_LAST_ONLY) == TH_ACK && s.plen > 0;
	return s;
}

/* Whether b's headers equal a's where they must: the Ethernet header and
 * VLAN tag, IP version..TOS, TTL, protocol and addresses, TCP ports,
 * acknowledgment, header length, window and options. */
static bool same_headers(const uint8_t *a, const uint8_t *b, const struct seg *sa,
			 const struct seg *sb)
{
	const uint8_t *ia = a + sa->l2, *ib = b + sb->l2;
	uint32_t thl = sa->hlen - sa->l2 - 20;

	return sa->hlen == sb->hlen && sa->l2 == sb->l2 &&
	       !memcmp(a, b, sa->l2) &&
	       ia[1] == ib[1] && ia[8] == ib[8] &&     /* TOS, TTL */
	       !memcmp(ia + 12, ib + 12, 8) &&          /* addresses */
	       !memcmp(ia + 20, ib + 20, 4) &&          /* ports */
	       !memcmp(ia + 28, ib + 28, 4) &&          /* acknowledgment */
	       !memcmp(ia + 34, ib + 34, 2) &&          /* window */
	       !memcmp(ia + 38, ib + 38, 2 + thl - 20); /* urgent ptr, options */
}

/* Whether b may follow a (the frame before it) in a run. */
static bool follows(const struct seg *a, const struct seg *b, uint32_t mss)
{
	if (!b->ok || (a->flags & TH_LAST_ONLY) || a->plen != mss || b->plen > mss)
		return false;
	if (b->seq != a->seq + a->plen || a->df != b->df)
		return false;
	return a->df || b->ip_id == (uint16_t)(a->ip_id + 1);
}

uint32_t tx_merge_run(const struct tx_pkt *pkts, uint32_t n, uint32_t max_ip)
{
	struct seg first, prev, cur;
	uint32_t k, ip_len;

	if (!n)
		return 0;
	first = parse(&pkts[0]);
	if (!first.ok)
		return 1;
	if (max_ip > TX_MERGE_MAX_IP)
		max_ip = TX_MERGE_MAX_IP;
	if (n > TX_MERGE_MAX_SEGS)
		n = TX_MERGE_MAX_SEGS;
	prev = first;
	ip_len = first.hlen - first.l2 + first.plen;
	for (k = 1; k < n; k++) {
		cur = parse(&pkts[k]);
		if (!follows(&prev, &cur, first.plen) ||
		    !same_headers(pkts[0].data, pkts[k].data, &first, &cur) ||
		    ip_len + cur.plen > max_ip)
			break;
		ip_len += cur.plen;
		prev = cur;
	}
	return k;
}

uint32_t tx_merge_hdr(const struct tx_pkt *pkts, uint32_t k, uint8_t *hdr,
		      struct virtio_net_hdr *vh)
{
	struct seg first = parse(&pkts[0]), last = parse(&pkts[k - 1]);
	uint32_t tcp_len = first.hlen - first.l2 - 20, i, sa, da;
	uint8_t *ip = hdr + first.l2, *th = ip + 20;
	uint16_t c;

	for (i = 0; i < k; i++)
		tcp_len += parse(&pkts[i]).plen;
	memcpy(hdr, pkts[0].data, first.hlen);
	put_be16(ip + 2, (uint16_t)(20 + tcp_len));
	memset(ip + 10, 0, 2);
	c = csum_fold(csum_add(0, ip, 20));
	memcpy(ip + 10, &c, 2);
	th[13] = (uint8_t)(TH_ACK | (last.flags & TH_LAST_ONLY));
	/* the pseudo-header sum, not complemented: the kernel adds the rest */
	memcpy(&sa, ip + 12, 4);
	memcpy(&da, ip + 16, 4);
	c = (uint16_t)~csum_fold(csum_pseudo(sa, da, 6, (uint16_t)tcp_len));
	memcpy(th + 16, &c, 2);
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = (uint16_t)first.hlen;
	vh->gso_size = (uint16_t)first.plen;
	vh->csum_start = (uint16_t)(first.l2 + 20);
	vh->csum_offset = 16;
	return first.hlen;
}
