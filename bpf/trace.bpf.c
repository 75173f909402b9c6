// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * trace: writes a record of each frame (sampled 1 in `sample`) into a ring
 * buffer: time, lengths, rx queue, the metadata as seen here (VLAN, class,
 * drop reason of earlier modules...) and the first `snaplen` bytes. Never
 * changes a verdict. Place it where the view matters: first to see what
 * arrived, last (before steer) to see what earlier modules made of it.
 */
#include <xtoe/module.h>
#include "trace.h"

const volatile __u32 snaplen = 128;
const volatile __u32 sample = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TRACE_RING_SIZE);
} trace_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} trace_stats SEC(".maps");

static __always_inline void stat(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&trace_stats, &i);

	if (v)
		*v += 1;
}

static __always_inline int sampled(void)
{
	return sample <= 1 || bpf_get_prandom_u32() % sample == 0;
}

/* min(len, snaplen, TRACE_SNAP_MAX), with a bound the verifier sees: the
 * mask (a no-op on these values) is hidden from the compiler in asm. */
static __always_inline __u32 snap_bytes(__u32 len)
{
	__u64 cap = len < snaplen ? len : snaplen;

	if (cap > TRACE_SNAP_MAX)
		cap = TRACE_SNAP_MAX;
	asm volatile("%0 &= 511" : "+r"(cap));
	if (cap > TRACE_SNAP_MAX)
		cap = TRACE_SNAP_MAX;
	return (__u32)cap;
}

/* The first cap bytes into r->data. */
_Static_assert((TRACE_SNAP_MAX & (TRACE_SNAP_MAX - 1)) == 0,
	       "TRACE_SNAP_MAX must be a power of two");
static __always_inline int load_snap(struct xdp_md *ctx, struct trace_rec *r,
				     __u64 cap)
{
	if (cap < 1)
		return 0;
	if (cap > TRACE_SNAP_MAX)
		return -1;
	return bpf_xdp_load_bytes(ctx, 0, r->data, xtoe_len_bounded(cap, TRACE_SNAP_MAX));
}

XTOE_MODULE(trace)
{
	__u32 len = (__u32)(ctx->data_end - ctx->data), cap;
	struct trace_rec *r;

	stat(TRACE_STAT_SEEN);
	if (!sampled())
		return XTOE_NEXT;
	r = bpf_ringbuf_reserve(&trace_ring, sizeof(*r), 0);
	if (!r) {
		stat(TRACE_STAT_LOST);
		return XTOE_NEXT;
	}
	cap = snap_bytes(len);
	r->ts_ns = bpf_ktime_get_ns();
	r->len = len;
	r->rx_queue = ctx->rx_queue_index;
	r->rsv = 0;
	__builtin_memcpy(&r->meta, meta, sizeof(r->meta));
	if (load_snap(ctx, r, cap))
		cap = 0;
	r->caplen = cap;
	bpf_ringbuf_submit(r, 0);
	stat(TRACE_STAT_TRACED);
	return XTOE_NEXT;
}
