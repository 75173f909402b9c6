/* SPDX-License-Identifier: MIT */
/*
 * SYN cookies (RFC 4987 3.6) for a listener whose backlog of half-open
 * connections is full: the SYN-ACK's ISN carries everything needed to
 * build the connection from the ACK that completes the handshake, and
 * nothing is kept meanwhile.
 *
 *   ISN = t (5 bits, 64 s ticks) | MSS index (2 bits) | MAC (25 bits)
 *   MAC = SipHash(key, 4-tuple, peer's ISN, t)
 *
 * A cookie is good for two ticks. Options that cannot be encoded
 * (timestamps, window scaling, SACK) are neither offered nor used on such
 * a connection; the SYN-ACK carries the MSS only.
 */
#include <errno.h>
#include <string.h>

#include "siphash.h"
#include "tcp.h"

#define TICK_US (64ull * 1000000)
#define T_BITS 5
#define MAC_BITS 25
#define MAC_MASK ((1u << MAC_BITS) - 1)

static const uint16_t mss_table[4] = { 536, 1220, 1440, 1460 };

static uint32_t cookie_mac(const struct tcp_endpoints *ep, uint32_t peer_isn,
			   uint32_t t, const uint8_t key[16])
{
	uint8_t m[20];

	memcpy(m, &ep->saddr, 4);
	memcpy(m + 4, &ep->daddr, 4);
	memcpy(m + 8, &ep->sport, 2);
	memcpy(m + 10, &ep->dport, 2);
	memcpy(m + 12, &peer_isn, 4);
	memcpy(m + 16, &t, 4);
	return (uint32_t)siphash24(key, m, sizeof(m)) & MAC_MASK;
}

static uint32_t tick(uint64_t now_us)
{
	return (uint32_t)(now_us / TICK_US) & ((1u << T_BITS) - 1);
}

uint32_t tcp_cookie_isn(const struct tcp_endpoints *ep, uint32_t peer_isn,
			uint16_t peer_mss, const uint8_t key[16], uint64_t now_us)
{
	uint32_t t = tick(now_us), idx = 0;

	for (uint32_t i = 0; i < 4; i++)
		if (mss_table[i] <= peer_mss)
			idx = i;
	return t << 27 | idx << 25 | cookie_mac(ep, peer_isn, t, key);
}

uint16_t tcp_cookie_check(const struct tcp_endpoints *ep, uint32_t peer_isn,
			  uint32_t cookie, const uint8_t key[16], uint64_t now_us)
{
	uint32_t t = cookie >> 27, now = tick(now_us);
	uint32_t age = (now - t) & ((1u << T_BITS) - 1);

	if (age > 1 || cookie_mac(ep, peer_isn, t, key) != (cookie & MAC_MASK))
		return 0;
	return mss_table[(cookie >> 25) & 3];
}

void tcp_cookie_synack(const struct tcp_seg *syn, uint32_t iss,
		       const struct tcp_open_cfg *cfg, struct tcp_hdrvals *h)
{
	uint16_t mss = cfg->mss ? cfg->mss : 536;

	memset(h, 0, sizeof(*h));
	h->seq = iss;
	h->ack = syn->seq + 1;
	h->flags = TCP_F_SYN | TCP_F_ACK;
	h->wnd = (uint16_t)(cfg->rx_size < 65535 ? cfg->rx_size : 65535);
	h->mss = mss;
	h->wscale = -1;
}

int tcp_cookie_open(struct tcp_conn *c, const struct tcp_seg *ack,
		    const struct tcp_endpoints *ep, uint16_t mss,
		    const struct tcp_open_cfg *cfg, uint64_t now_us)
{
	struct tcp_open_cfg plain = *cfg;
	struct tcp_seg syn = { 0 };
	struct tcp_hdrvals h;

	plain.timestamps = plain.wscale = plain.sack = plain.ecn = false;
	syn.seq = ack->seq - 1;
	syn.flags = TCP_F_SYN;
	syn.has_mss = true;
	syn.mss = mss;
	tcp_passive_open(c, &syn, ep, ack->ack - 1, &plain, now_us, &h);
	return tcp_handshake_input(c, ack, now_us).res == TCP_HS_ESTABLISHED ?
	       0 : -EINVAL;
}
