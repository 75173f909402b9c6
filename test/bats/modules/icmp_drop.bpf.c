// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* Test module: drops every IPv4 ICMP frame, lets the rest go on. */
#include <xtoe/module.h>
XTOE_MODULE(icmp_drop)
{
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = (void *)(long)ctx->data };
	struct iphdr *ip;
	__be16 proto;

	if (!parse_eth(&c, end, &proto) || proto != bpf_htons(ETH_P_IP))
		return XTOE_NEXT;
	ip = parse_ipv4(&c, end);
	if (ip && ip->protocol == IPPROTO_ICMP)
		return xtoe_drop(meta, XTOE_DROP_MODULE);
	return XTOE_NEXT;
}
