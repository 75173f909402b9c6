// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * xtoe_entry: the program attached to the interface. Reserves the
 * per-packet metadata (struct xtoe_meta) in front of the frame, fills in
 * its defaults and tail-calls the first module of the chain
 * (xtoe_next[XTOE_SLOT_HEAD]). The chain's maps are declared in
 * <xtoe/module.h>; this object creates them, the daemon pins them, every
 * module object reuses them. xtoe_mods is the loader's registry of slots.
 *
 * When the metadata cannot be reserved or the chain is empty the frame
 * goes to the kernel stack (counted in slot 0: v[XTOE_PASS]).
 * Metadata fails only on drivers without metadata support; the frame
 * then still goes to the kernel, never through the chain without it.
 */
#include <xtoe/module.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XTOE_CHAIN_SLOTS);
	__type(key, __u32);
	__type(value, struct xtoe_mod_info);
} xtoe_mods SEC(".maps");

static __always_inline void meta_init(struct xtoe_meta *m)
{
	__builtin_memset(m, 0, sizeof(*m));
	m->magic = XTOE_META_MAGIC;
	m->slot = XTOE_SLOT_HEAD;
}

SEC("xdp")
int xtoe_entry(struct xdp_md *ctx)
{
	struct xtoe_meta *meta;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct xtoe_meta)))
		goto pass;
	meta = xtoe_meta_get(ctx);
	if (!meta)
		goto pass;
	meta_init(meta);
	xtoe_count(XTOE_SLOT_HEAD, XTOE_NEXT);
	xtoe_chain_next(ctx, meta);
pass:
	xtoe_count_v(XTOE_SLOT_HEAD, XTOE_PASS, 0);
	return XDP_PASS;
}
