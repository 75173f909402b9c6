// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * impair: a lossy, duplicating, reordering and corrupting link for tests,
 * as tc programs on a Linux peer's veth (the kernel here has no netem).
 * Egress impairs what Linux sends, ingress what it receives. Only IPv4/TCP
 * frames are touched.
 *
 * - loss: TC_ACT_SHOT.
 * - duplication: bpf_clone_redirect to the same hook; the clone carries
 *   IMPAIR_DUP_MARK and passes untouched.
 * - reordering (egress): skb->priority names a slow qdisc class set up by
 *   the caller (e.g. htb), so the frame falls behind later ones.
 * - corruption: one bit of the TCP payload (or of the window field when
 *   there is none) and one bit of the checksum field. On egress the
 *   checksum is often still partial (filled in after this hook by
 *   skb_checksum_help); flipping the field too keeps the final checksum
 *   wrong, so the receiver must notice. The two flips cannot cancel: one
 *   is in the high byte of a 16-bit word, the other in the low byte.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "impair.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IMPAIR__DIRS);
	__type(key, __u32);
	__type(value, struct impair_cfg);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IMPAIR__DIRS * IMPAIR_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 dir, __u32 stat)
{
	__u32 k = dir * IMPAIR_STAT__COUNT + stat;
	__u64 *v = bpf_map_lookup_elem(&stats, &k);

	if (v)
		(*v)++;
}

static __always_inline int chance(__u32 ppm)
{
	return ppm && bpf_get_prandom_u32() % 1000000 < ppm;
}

static __always_inline void flip(struct __sk_buff *skb, __u32 off, __u8 bit)
{
	__u8 b;

	if (bpf_skb_load_bytes(skb, off, &b, 1) == 0) {
		b ^= bit;
		bpf_skb_store_bytes(skb, off, &b, 1, 0);
	}
}

/* tcp: offset of the TCP header; tot: IPv4 total length; ihl in bytes. */
static __always_inline void corrupt(struct __sk_buff *skb, __u32 tcp,
				    __u32 tot, __u32 ihl)
{
	__u8 doff_byte;
	__u32 doff, plen, off;

	if (bpf_skb_load_bytes(skb, tcp + 12, &doff_byte, 1))
		return;
	doff = (__u32)(doff_byte >> 4) * 4;
	plen = tot > ihl + doff ? tot - ihl - doff : 0;
	if (plen >= 2)
		off = tcp + doff + ((bpf_get_prandom_u32() % plen) & ~1u);
	else
		off = tcp + 14; /* window, high byte */
	flip(skb, off, 0x01);
	flip(skb, tcp + 17, 0x01); /* checksum, low byte */
}

static __always_inline int impair(struct __sk_buff *skb, __u32 dir)
{
	struct impair_cfg *c = bpf_map_lookup_elem(&cfg, &dir);
	struct iphdr ip;
	__u32 ihl;

	if (!c || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (skb->mark == IMPAIR_DUP_MARK) {
		skb->mark = 0;
		return TC_ACT_OK;
	}
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) ||
	    ip.protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	count(dir, IMPAIR_SEEN);
	if (chance(c->loss)) {
		count(dir, IMPAIR_DROPPED);
		return TC_ACT_SHOT;
	}
	if (chance(c->dup)) {
		skb->mark = IMPAIR_DUP_MARK;
		if (bpf_clone_redirect(skb, skb->ifindex,
				       dir == IMPAIR_INGRESS ? BPF_F_INGRESS : 0) == 0)
			count(dir, IMPAIR_DUPED);
		skb->mark = 0;
	}
	ihl = (__u32)ip.ihl * 4;
	if (chance(c->corrupt)) {
		corrupt(skb, ETH_HLEN + ihl, bpf_ntohs(ip.tot_len), ihl);
		count(dir, IMPAIR_CORRUPTED);
	}
	if (dir == IMPAIR_EGRESS && chance(c->reorder)) {
		skb->priority = c->reorder_prio;
		count(dir, IMPAIR_REORDERED);
	}
	return TC_ACT_OK;
}

SEC("tc")
int impair_egress(struct __sk_buff *skb)
{
	return impair(skb, IMPAIR_EGRESS);
}

SEC("tc")
int impair_ingress(struct __sk_buff *skb)
{
	return impair(skb, IMPAIR_INGRESS);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
