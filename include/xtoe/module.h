/* SPDX-License-Identifier: MIT */
/*
 * The xtoe module contract (docs/modules.md): per-packet metadata, verdicts
 * and the chain every XDP module runs in. Included by BPF C (modules, the
 * built-ins in bpf/) and by user space (loader, data-path, tests).
 *
 *   #include <xtoe/module.h>
 *
 *   XTOE_MODULE(count_syn)   // int count_syn(struct xdp_md *, struct xtoe_meta *)
 *   {
 *           ...
 *           return XTOE_NEXT; // or XTOE_DROP, XTOE_PASS, XTOE_TX, XTOE_REDIRECT
 *   }
 *
 * Chain: an entry program (bpf/chain.bpf.c) reserves struct xtoe_meta in
 * front of the frame (bpf_xdp_adjust_meta) and tail-calls the first module.
 * Modules live in the slots of the program array xtoe_chain; xtoe_next[s]
 * is the slot that runs after slot s, xtoe_next[XTOE_SLOT_HEAD] the first
 * one. The loader changes the order by single writes into xtoe_next, so a
 * frame in flight always finds a program (see docs/modules.md).
 */
#ifndef XTOE_MODULE_H
#define XTOE_MODULE_H

#include <linux/types.h>
#include <xtoe/drop.h>

#define XTOE_META_MAGIC   0x7e0e
#define XTOE_CHAIN_SLOTS  64
#define XTOE_SLOT_HEAD    0  /* holds no program: xtoe_next[0] = first module */
#define XTOE_SLOT_END     0  /* xtoe_next value: end of chain */
#define XTOE_MOD_NAME_MAX 32

/* Pinned names under /sys/fs/bpf/xtoe/IFACE/ */
#define XTOE_MAP_CHAIN  "xtoe_chain"
#define XTOE_MAP_NEXT   "xtoe_next"
#define XTOE_MAP_MSTATS "xtoe_mstats"
#define XTOE_MAP_MODS   "xtoe_mods"
#define XTOE_MAP_CTL    "xtoe_ctl"
#define XTOE_MAP_VTRACE "xtoe_vtrace"
#define XTOE_MAP_DROPS  "xtoe_drops"

/* Per-packet metadata, right before the frame (32 bytes, the kernel's
 * limit). The AF_XDP data-path reads it at data - sizeof(struct xtoe_meta). */
struct xtoe_meta {
	__u16 magic;      /* XTOE_META_MAGIC: written by the entry program */
	__u8 slot;        /* chain slot of the module running now */
	__u8 hops;        /* modules run before this one */
	__u16 vlan_tci;   /* host order: TCI of the tag vlan_strip popped */
	__u16 flags;      /* XTOE_META_F_* */
	__u32 class;      /* flow class (classify); 0 = default */
	__u32 flow_hash;  /* flow hint: 0 or a hash of the 4-tuple */
	__u16 drop;       /* enum xtoe_drop_reason behind a DROP verdict */
	__u16 verdict_by; /* slot that gave the final verdict */
	__u32 mark;       /* free for user modules */
	__u32 user;       /* free for user modules */
	__u32 rsv;
};

#define XTOE_META_F_VLAN  0x1 /* vlan_tci holds a popped 802.1Q tag */
#define XTOE_META_F_OWNED 0x2 /* a module decided xtoe owns the flow */
#define XTOE_META_F_CLASS 0x4 /* class was set by a classifier */

/* Verdicts: XDP actions, plus "run the next module". */
enum xtoe_verdict {
	XTOE_ABORTED = 0, /* XDP_ABORTED */
	XTOE_DROP = 1,    /* XDP_DROP */
	XTOE_PASS = 2,    /* XDP_PASS: to the kernel stack */
	XTOE_TX = 3,      /* XDP_TX: back out of the interface */
	XTOE_REDIRECT = 4,/* XDP_REDIRECT (after bpf_redirect*) */
	XTOE_NEXT = 5,    /* continue with the next module */
	XTOE_V__COUNT
};

/* Per-slot counters (PERCPU_ARRAY xtoe_mstats, one per slot). Slot 0
 * (the entry) counts every frame in `seen` and v[XTOE_NEXT], frames it
 * passed itself (no room for metadata, empty chain, failed tail call) in
 * v[XTOE_PASS], and failed tail calls anywhere in v[XTOE_ABORTED]. */
struct xtoe_mstat {
	__u64 seen;
	__u64 v[XTOE_V__COUNT];
};

/* Registry of slots (ARRAY xtoe_mods), written by the loader only. */
enum xtoe_mod_state {
	XTOE_MOD_FREE = 0,
	XTOE_MOD_LIVE,    /* linked into the chain */
	XTOE_MOD_RETIRED, /* unlinked; program kept until frames in flight left */
};
#define XTOE_MOD_F_BUILTIN 0x1
#define XTOE_MOD_F_FINAL   0x2 /* the steering module: always last */
#define XTOE_MOD_F_PROTECTED 0x4 /* the daemon's or the firewall's own: not
				     removed or replaced with `module del/replace` */

/* Chain-wide switches (ARRAY xtoe_ctl, one entry), written by tools. */
struct xtoe_chain_ctl {
	__u32 trace_verdicts; /* non-zero: a record per final verdict */
	__u32 rsv;
};

/* Verdict trace (RINGBUF xtoe_vtrace): one record per frame whose chain
 * ended with a verdict, when xtoe_ctl.trace_verdicts is set. */
#define XTOE_VTRACE_SNAP 64
#define XTOE_VTRACE_SIZE (256 * 1024)
struct xtoe_verdict_rec {
	__u64 ts_ns;
	__u32 len;            /* frame length at the verdict */
	__u32 caplen;         /* bytes in data[] */
	__u32 verdict;        /* enum xtoe_verdict */
	__u32 slot;           /* module that gave it (= meta.verdict_by) */
	struct xtoe_meta meta;
	__u8 data[XTOE_VTRACE_SNAP];
};

struct xtoe_mod_info {
	char name[XTOE_MOD_NAME_MAX];
	__u32 prog_id;
	__u32 state;     /* enum xtoe_mod_state */
	__u32 flags;     /* XTOE_MOD_F_* */
	__u32 rsv;
	__u64 retired_ns; /* CLOCK_MONOTONIC when unlinked */
};

#ifdef __bpf__
#include <xtoe/module_parse.h>

/* The chain's maps. Every module object declares them; the loader makes
 * them the pinned maps of the interface (bpf_map__reuse_fd) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, XTOE_CHAIN_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} xtoe_chain SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XTOE_CHAIN_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} xtoe_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XTOE_CHAIN_SLOTS);
	__type(key, __u32);
	__type(value, struct xtoe_mstat);
} xtoe_mstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xtoe_chain_ctl);
} xtoe_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XTOE_VTRACE_SIZE);
} xtoe_vtrace SEC(".maps");

/* Frames the chain dropped, by reason (enum xtoe_drop_reason; a drop
 * without one counts as XTOE_DROP_MODULE): xtoectl stats adds them to the
 * data-path's. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XTOE_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} xtoe_drops SEC(".maps");

/* The metadata block, or NULL when the frame has none (not run behind
 * the entry program). Packet pointers, and so this one, are invalid after
 * bpf_xdp_adjust_head/meta/tail: fetch it again. */
static __always_inline struct xtoe_meta *xtoe_meta_get(struct xdp_md *ctx)
{
	struct xtoe_meta *m;

	/* Read ctx afresh on every path: a load shared between paths gets a
	 * zero-extension the verifier refuses on a packet pointer. */
	asm volatile("" ::: "memory");
	m = (void *)(long)ctx->data_meta;

	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return NULL;
	return m;
}

/* One frame seen by slot, with verdict v (seen_too = 0: verdict only). */
/* --- 802.1Q tags: popped into the metadata, pushed back for the kernel - */

/* Pop the outer 802.1Q tag (TPID 0x8100) into meta->vlan_tci and set
 * XTOE_META_F_VLAN. Returns 0 popped, 1 no such tag, -1 on error. Packet
 * pointers are stale afterwards. */
static __always_inline int xtoe_vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct parse_vlan_hdr *v = data + ETH_ALEN * 2 + 2;
	struct xtoe_meta *meta = xtoe_meta_get(ctx);
	__u8 macs[ETH_ALEN * 2];

	if (!meta || (void *)(v + 1) > end ||
	    ((struct ethhdr *)data)->h_proto != bpf_htons(ETH_P_8021Q))
		return 1;
	/* the metadata moves with the head: fill it in first */
	meta->vlan_tci = bpf_ntohs(v->tci);
	meta->flags |= XTOE_META_F_VLAN;
	__builtin_memcpy(macs, data, sizeof(macs));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(*v))) {
		meta = xtoe_meta_get(ctx);
		if (meta)
			meta->flags &= ~XTOE_META_F_VLAN;
		return -1;
	}
	data = (void *)(long)ctx->data;
	if (data + ETH_HLEN > (void *)(long)ctx->data_end)
		return -1; /* cannot happen: the frame had the tag */
	__builtin_memcpy(data, macs, sizeof(macs)); /* EtherType is in place */
	return 0;
}

/* Put a tag popped by xtoe_vlan_pop back (frames handed to the kernel see
 * what arrived). Returns 0, or -1 on error. */
static __always_inline int xtoe_vlan_push(struct xdp_md *ctx)
{
	struct xtoe_meta *meta = xtoe_meta_get(ctx);
	__u8 macs[ETH_ALEN * 2];
	__be16 *tag;
	void *data;
	__u16 tci;

	if (!meta || !(meta->flags & XTOE_META_F_VLAN))
		return 0;
	tci = meta->vlan_tci;
	data = (void *)(long)ctx->data;
	if (data + ETH_HLEN > (void *)(long)ctx->data_end)
		return -1;
	__builtin_memcpy(macs, data, sizeof(macs));
	if (bpf_xdp_adjust_head(ctx, -4))
		return -1;
	data = (void *)(long)ctx->data;
	tag = data + ETH_ALEN * 2; /* TPID, TCI; the old EtherType follows */
	if ((void *)(tag + 3) > (void *)(long)ctx->data_end)
		return -1;
	__builtin_memcpy(data, macs, sizeof(macs));
	tag[0] = bpf_htons(ETH_P_8021Q);
	tag[1] = bpf_htons(tci);
	meta = xtoe_meta_get(ctx);
	if (meta)
		meta->flags &= ~XTOE_META_F_VLAN;
	return 0;
}

static __always_inline void xtoe_count_v(__u32 slot, __u32 v, int seen_too)
{
	struct xtoe_mstat *st = bpf_map_lookup_elem(&xtoe_mstats, &slot);

	if (!st)
		return;
	if (seen_too)
		st->seen++;
	if (v < XTOE_V__COUNT)
		st->v[v]++;
}

static __always_inline void xtoe_count(__u32 slot, __u32 v)
{
	xtoe_count_v(slot, v, 1);
}

static __always_inline void xtoe_count_drop(__u32 why)
{
	__u32 k = why && why < XTOE_DROP__COUNT ? why : XTOE_DROP_MODULE;
	__u64 *n = bpf_map_lookup_elem(&xtoe_drops, &k);

	if (n)
		*n += 1;
}

/* Tail-call the module after meta->slot; falls through (returns) only
 * when the chain ends or a slot is empty, which the loader never lets
 * happen to a live chain. */
static __always_inline void xtoe_chain_next(struct xdp_md *ctx,
					    struct xtoe_meta *meta)
{
	__u32 slot = meta->slot, *next;

	next = bpf_map_lookup_elem(&xtoe_next, &slot);
	if (!next || *next == XTOE_SLOT_END || *next >= XTOE_CHAIN_SLOTS)
		return;
	meta->slot = (__u8)*next;
	meta->hops++;
	bpf_tail_call(ctx, &xtoe_chain, *next);
	xtoe_count_v(XTOE_SLOT_HEAD, XTOE_ABORTED, 0); /* empty slot */
}

/* A length already known to lie in 1..max (max a power of two), rebuilt
 * as ((len - 1) & (max - 1)) + 1: the same value, in a range every verifier
 * follows. Verifiers before Linux 6.8 (Debian 12's 6.1, for one) learn no
 * lower bound from `len != 0` and refuse it as the size of a helper such as
 * bpf_xdp_load_bytes(); the empty asm keeps the compiler from folding the
 * expression back into len. */
static __always_inline __u32 xtoe_len_bounded(__u64 len, __u64 max)
{
	asm volatile("" : "+r"(len));
	return (__u32)(((len - 1) & (max - 1)) + 1);
}

/* The first min(len, XTOE_VTRACE_SNAP) bytes of the frame into buf;
 * returns how many. */
_Static_assert((XTOE_VTRACE_SNAP & (XTOE_VTRACE_SNAP - 1)) == 0,
	       "XTOE_VTRACE_SNAP must be a power of two");
static __always_inline __u32 xtoe_load_head(struct xdp_md *ctx, void *buf, __u32 len)
{
	__u32 n = len < XTOE_VTRACE_SNAP ? len : XTOE_VTRACE_SNAP;

	if (n < 1)
		return 0;
	n = xtoe_len_bounded(n, XTOE_VTRACE_SNAP);
	return bpf_xdp_load_bytes(ctx, 0, buf, n) ? 0 : n;
}

/* A verdict record, when tools asked for them (xtoe_ctl.trace_verdicts). */
static __always_inline void xtoe_trace_verdict(struct xdp_md *ctx,
					       struct xtoe_meta *meta, int v)
{
	__u32 zero = 0, len = (__u32)(ctx->data_end - ctx->data);
	struct xtoe_chain_ctl *ctl = bpf_map_lookup_elem(&xtoe_ctl, &zero);
	struct xtoe_verdict_rec *r;

	if (!ctl || !ctl->trace_verdicts)
		return;
	r = bpf_ringbuf_reserve(&xtoe_vtrace, sizeof(*r), 0);
	if (!r)
		return;
	r->ts_ns = bpf_ktime_get_ns();
	r->len = len;
	r->verdict = (__u32)v;
	r->slot = meta->slot;
	__builtin_memcpy(&r->meta, meta, sizeof(r->meta));
	r->caplen = xtoe_load_head(ctx, r->data, len);
	bpf_ringbuf_submit(r, 0);
}

/* Count the verdict of the module in meta->slot and act on it: NEXT
 * continues the chain (XDP_PASS at its end), the rest end it. */
static __always_inline int xtoe_chain_verdict(struct xdp_md *ctx, int v)
{
	struct xtoe_meta *meta = xtoe_meta_get(ctx);

	if (!meta)
		return v == XTOE_NEXT ? XDP_PASS : v;
	xtoe_count(meta->slot, (__u32)v);
	if (v == XTOE_DROP)
		xtoe_count_drop(meta->drop);
	if (v != XTOE_NEXT) {
		meta->verdict_by = meta->slot;
		xtoe_trace_verdict(ctx, meta, v);
		if (v == XTOE_PASS && (meta->flags & XTOE_META_F_VLAN))
			xtoe_vlan_push(ctx); /* the kernel gets the frame as it came */
		return v;
	}
	xtoe_chain_next(ctx, meta);
	return XDP_PASS;
}

/* Drop with a reason the data-path and the tools can print. */
static __always_inline int xtoe_drop(struct xtoe_meta *meta,
				     enum xtoe_drop_reason why)
{
	meta->drop = (__u16)why;
	return XTOE_DROP;
}

#define XTOE_MODULE(name)                                                      \
	static __always_inline int name##__body(struct xdp_md *ctx,            \
						struct xtoe_meta *meta);       \
	SEC("xdp") int name(struct xdp_md *ctx)                                \
	{                                                                      \
		struct xtoe_meta *meta = xtoe_meta_get(ctx);                   \
                                                                               \
		if (!meta)                                                     \
			return XDP_PASS; /* not behind the entry program */    \
		return xtoe_chain_verdict(ctx, name##__body(ctx, meta));       \
	}                                                                      \
	static __always_inline int name##__body(struct xdp_md *ctx,            \
						struct xtoe_meta *meta)

#ifndef XTOE_NO_LICENSE
char _xtoe_license[] SEC("license") = "Dual MIT/GPL";
#endif

#endif /* __bpf__ */
#endif /* XTOE_MODULE_H */
