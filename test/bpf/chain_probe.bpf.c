// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* Probe modules for test_chain.c: each tags the metadata with its id
 * (meta->user = user * 16 + id) so the sink can tell the order they ran
 * in; the sink copies the metadata it sees into `seen`. */
#include <xtoe/module.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xtoe_meta);
} seen SEC(".maps");

static __always_inline int tag(struct xtoe_meta *meta, __u32 id)
{
	meta->user = meta->user * 16 + id;
	return XTOE_NEXT;
}

XTOE_MODULE(probe_a) { return tag(meta, 1); }
XTOE_MODULE(probe_b) { return tag(meta, 2); }
XTOE_MODULE(probe_c) { return tag(meta, 3); }
XTOE_MODULE(probe_drop) { return xtoe_drop(meta, XTOE_DROP_MODULE); }

/* Transmits: the output frame is what the modules before left. */
XTOE_MODULE(probe_tx) { return XTOE_TX; }

XTOE_MODULE(probe_sink)
{
	struct xtoe_meta copy = *meta;
	__u32 k = 0;

	bpf_map_update_elem(&seen, &k, &copy, BPF_ANY);
	return XTOE_PASS;
}
