// SPDX-License-Identifier: MIT
/*
 * vlan_strip (bpf/vlan_strip.bpf.c) in a chain entry -> vlan_strip -> FINAL
 * through BPF_PROG_TEST_RUN. Rows: {input frame, final module, expected
 * verdict, expected output frame, expected metadata}. With probe_sink
 * (XTOE_PASS) the kernel must get the frame back as it arrived; with
 * probe_tx (XTOE_TX) the output shows the stripped frame.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "xdp/chain.h"
#include "vlan_strip.skel.h"

static struct xchain *chain;
static struct vlan_strip_bpf *vs;
static struct bpf_object *probe;
static int entry_fd, seen_fd;

/* MACs, optional tags (TPID, TCI), EtherType 0x0800, 46 bytes of IPv4-ish. */
static size_t frame(uint8_t *f, const uint16_t *tags, int ntags)
{
	size_t off = 12;

	for (int i = 0; i < 12; i++)
		f[i] = (uint8_t)(i + 1);
	for (int t = 0; t < ntags; t++) {
		f[off] = (uint8_t)(tags[2 * t] >> 8);
		f[off + 1] = (uint8_t)tags[2 * t];
		f[off + 2] = (uint8_t)(tags[2 * t + 1] >> 8);
		f[off + 3] = (uint8_t)tags[2 * t + 1];
		off += 4;
	}
	f[off] = 0x08;
	f[off + 1] = 0x00;
	off += 2;
	for (int i = 0; i < 46; i++)
		f[off + (size_t)i] = (uint8_t)(0x45 + i);
	return off + 46;
}

struct result {
	int act;
	uint8_t out[256];
	uint32_t len;   /* of the frame, without metadata */
	struct xtoe_meta seen, out_meta;
};

static void run(const char *final, const uint8_t *in, size_t len, struct result *r)
{
	struct bpf_program *p = bpf_object__find_program_by_name(probe, final);
	uint8_t buf[sizeof(r->out) + sizeof(struct xtoe_meta)];
	struct xtoe_meta zero = { 0 };
	uint32_t k = 0;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = buf, .data_size_out = sizeof(buf), .repeat = 1);

	REQUIRE(p && xchain_swap(chain, "final", bpf_program__fd(p)) == 0);
	bpf_map_update_elem(seen_fd, &k, &zero, BPF_ANY);
	REQUIRE(bpf_prog_test_run_opts(entry_fd, &o) == 0);
	r->act = (int)o.retval;
	memcpy(&r->out_meta, buf, sizeof(r->out_meta));
	r->len = o.data_size_out - (uint32_t)sizeof(struct xtoe_meta);
	memcpy(r->out, buf + sizeof(struct xtoe_meta), r->len);
	bpf_map_lookup_elem(seen_fd, &k, &r->seen);
}

/* A tagged frame: the next module sees it untagged with the TCI in the
 * metadata; a transmitted frame leaves untagged. */
static void test_strip(void)
{
	const uint16_t tag[] = { 0x8100, 0xa064 }; /* PCP 5, VID 100 */
	uint8_t in[128], plain[128];
	size_t len = frame(in, tag, 1), plen = frame(plain, NULL, 0);
	struct result r;

	run("probe_tx", in, len, &r);
	CHECK_EQ(r.act, XDP_TX);
	CHECK_EQ(r.len, plen);
	CHECK(!memcmp(r.out, plain, plen));
	CHECK_EQ(r.out_meta.vlan_tci, 0xa064);
	CHECK(r.out_meta.flags & XTOE_META_F_VLAN);
}

/* Handed to the kernel: the tag goes back, the frame is as it arrived. */
static void test_pass_restores_tag(void)
{
	const uint16_t tag[] = { 0x8100, 0x0064 };
	uint8_t in[128];
	size_t len = frame(in, tag, 1);
	struct result r;

	run("probe_sink", in, len, &r);
	CHECK_EQ(r.act, XDP_PASS);
	CHECK_EQ(r.seen.vlan_tci, 0x0064); /* what the sink saw */
	CHECK(r.seen.flags & XTOE_META_F_VLAN);
	CHECK_EQ(r.len, len);
	CHECK(!memcmp(r.out, in, len));
	CHECK(!(r.out_meta.flags & XTOE_META_F_VLAN));
}

static void test_untagged_and_qinq_untouched(void)
{
	const uint16_t qinq[] = { 0x88a8, 0x0010, 0x8100, 0x0064 };
	uint8_t in[128];
	size_t len;
	struct result r;

	len = frame(in, NULL, 0);
	run("probe_tx", in, len, &r);
	CHECK_EQ(r.len, len);
	CHECK(!memcmp(r.out, in, len));
	CHECK_EQ(r.out_meta.flags & XTOE_META_F_VLAN, 0);
	len = frame(in, qinq, 2);
	run("probe_tx", in, len, &r);
	CHECK_EQ(r.len, len);
	CHECK(!memcmp(r.out, in, len));
	CHECK_EQ(r.out_meta.flags & XTOE_META_F_VLAN, 0);
}

/* A tag with nothing behind it (18 bytes) is popped; shorter frames are not. */
static void test_short_frames(void)
{
	uint8_t in[18] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0, 0, 7, 8, 0 };
	struct result r;

	run("probe_tx", in, sizeof(in), &r);
	CHECK_EQ(r.len, 14);
	CHECK_EQ(r.out_meta.vlan_tci, 7);
	run("probe_tx", in, 16, &r);
	CHECK_EQ(r.len, 16);
	CHECK_EQ(r.out_meta.flags & XTOE_META_F_VLAN, 0);
}

static int print_warn(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return l == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };

	bpf_test_need_bpf();
	libbpf_set_print(print_warn);
	vs = vlan_strip_bpf__open();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!vs || !probe || xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, vs->obj) || xchain_reuse_maps(chain, probe) ||
	    vlan_strip_bpf__load(vs) || bpf_object__load(probe)) {
		fprintf(stderr, "loading the chain, vlan_strip and probes failed (needs root)\n");
		return 1;
	}
	seen_fd = bpf_object__find_map_fd_by_name(probe, "seen");
	if (xchain_insert(chain, bpf_program__fd(bpf_object__find_program_by_name(probe, "probe_sink")),
			  "final", XTOE_MOD_F_FINAL, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(vs->progs.vlan_strip), "vlan_strip",
			  XTOE_MOD_F_BUILTIN, &pos) < 0)
		return 1;
	RUN(test_strip);
	RUN(test_pass_restores_tag);
	RUN(test_untagged_and_qinq_untouched);
	RUN(test_short_frames);
	vlan_strip_bpf__destroy(vs);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
