// SPDX-License-Identifier: MIT
/*
 * SPIKE (issue 17): the checked transmit of the XDP-receive placement as a
 * stock kernel allows it. Run by BPF_PROG_RUN with live frames
 * (bench/spike/xskecho.c --tx progrun): a frame leaves (XDP_TX: out of the
 * interface given as ingress_ifindex) only when it is IPv4/TCP from the
 * owner's address and port (map `owner`: addr << 16 | port, network
 * order); anything else is dropped.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} owner SEC(".maps");

SEC("xdp")
int txcheck(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	__u32 k = 0;
	__u64 *o = bpf_map_lookup_elem(&owner, &k);

	if (!o || (void *)(tcp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_TCP)
		return XDP_DROP;
	if (((__u64)ip->saddr << 16 | tcp->source) != *o)
		return XDP_DROP;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
