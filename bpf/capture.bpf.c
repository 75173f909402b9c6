// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * capture: writes a record of each frame (sampled 1 in `sample`) into a ring
 * buffer: time, lengths, rx queue, the metadata as seen here (VLAN, class,
 * drop reason of earlier modules...) and the first `snaplen` bytes, up to
 * a whole jumbo frame. Never changes a verdict. Place it where the view
 * matters: first to see what arrived, last (before steer) to see what
 * earlier modules made of it. capture_egress, a tc program of the same
 * object, records what the kernel sends on the interface into the same
 * ring (xtoe-dump attaches it for a capture).
 */
#include <xtoe/module.h>
#include "capture.h"

#define TC_ACT_UNSPEC (-1) /* tc/tcx: on to the next program */

const volatile __u32 snaplen = 128;
const volatile __u32 sample = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CAPTURE_RING_SIZE);
} capture_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CAPTURE_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} capture_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct capture_rec);
} capture_buf SEC(".maps");

static __always_inline void stat(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&capture_stats, &i);

	if (v)
		*v += 1;
}

static __always_inline int sampled(void)
{
	return sample <= 1 || bpf_get_prandom_u32() % sample == 0;
}

/* min(len, snaplen, CAPTURE_SNAP_MAX), with a bound the verifier sees: the
 * mask (a no-op on these values) is hidden from the compiler in asm. */
static __always_inline __u32 snap_bytes(__u32 len)
{
	__u64 cap = len < snaplen ? len : snaplen;

	if (cap > CAPTURE_SNAP_MAX)
		cap = CAPTURE_SNAP_MAX;
	asm volatile("%0 &= 16383" : "+r"(cap));
	if (cap > CAPTURE_SNAP_MAX)
		cap = CAPTURE_SNAP_MAX;
	return (__u32)cap;
}

/* A record of cap bytes of data into the ring; the checks are kept apart
 * (asm) so the compiler does not fold them into one the verifier cannot
 * follow. */
static __always_inline void submit(struct capture_rec *r, __u64 cap)
{
	asm volatile("" : "+r"(cap));
	if (cap > CAPTURE_SNAP_MAX)
		return; /* cannot happen: the verifier's bound */
	r->caplen = (__u32)cap;
	if (bpf_ringbuf_output(&capture_ring, r, CAPTURE_REC_HDR + cap, 0)) {
		stat(CAPTURE_STAT_LOST);
		return;
	}
	stat(CAPTURE_STAT_COPIED);
}

/* A length known to lie in 1..CAPTURE_SNAP_MAX in a form every verifier
 * follows (xtoe_len_bounded: Linux 6.1's learns no lower bound from
 * cap >= 1), for the load helpers' size. */
static __always_inline __u32 load_len(__u64 cap)
{
	__u32 n = xtoe_len_bounded(cap, 16384);

	return n > CAPTURE_SNAP_MAX ? CAPTURE_SNAP_MAX : n;
}

static __always_inline struct capture_rec *rec_begin(__u32 len, __u16 kind)
{
	__u32 zero = 0;
	struct capture_rec *r = bpf_map_lookup_elem(&capture_buf, &zero);

	if (!r)
		return NULL;
	r->ts_ns = bpf_ktime_get_ns();
	r->len = len;
	r->kind = kind;
	r->rsv = 0;
	return r;
}

XTOE_MODULE(capture)
{
	__u32 len = (__u32)(ctx->data_end - ctx->data);
	struct capture_rec *r;
	__u64 cap;

	stat(CAPTURE_STAT_SEEN);
	if (!sampled() || !(r = rec_begin(len, CAPTURE_RX)))
		return XTOE_NEXT;
	r->rx_queue = ctx->rx_queue_index;
	__builtin_memcpy(&r->meta, meta, sizeof(r->meta));
	cap = snap_bytes(len);
	asm volatile("" : "+r"(cap));
	if (cap > CAPTURE_SNAP_MAX)
		return XTOE_NEXT;
	if (cap < 1 || bpf_xdp_load_bytes(ctx, 0, r->data, load_len(cap)))
		cap = 0;
	submit(r, cap);
	return XTOE_NEXT;
}

SEC("tc")
int capture_egress(struct __sk_buff *skb)
{
	struct capture_rec *r;
	__u64 cap;

	if (skb->mark == CAPTURE_XTOE_TX_MARK)
		return TC_ACT_UNSPEC; /* xtoed's merged frame: its segments were */
	stat(CAPTURE_STAT_SEEN);
	if (!sampled() || !(r = rec_begin(skb->len, CAPTURE_KTX)))
		return TC_ACT_UNSPEC;
	r->rx_queue = 0;
	__builtin_memset(&r->meta, 0, sizeof(r->meta));
	cap = snap_bytes(skb->len);
	asm volatile("" : "+r"(cap));
	if (cap > CAPTURE_SNAP_MAX)
		return TC_ACT_UNSPEC;
	if (cap < 1 || bpf_skb_load_bytes(skb, 0, r->data, load_len(cap)))
		cap = 0;
	submit(r, cap);
	return TC_ACT_UNSPEC;
}
