// SPDX-License-Identifier: MIT
/*
 * The trace module (bpf/trace.bpf.c) in a chain entry -> trace -> sink
 * through BPF_PROG_TEST_RUN: each frame gives one ring-buffer record with
 * its length, the first snaplen bytes and the metadata; the frame itself
 * goes on unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "xdp/chain.h"
#include "bpf/trace.h"
#include "trace.skel.h"

#define SNAPLEN 96

static struct xchain *chain;
static struct trace_bpf *tr;
static struct bpf_object *probe;
static struct ring_buffer *rb;
static int entry_fd;

static struct trace_rec recs[8];
static int nrecs;

static int on_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct trace_rec) && nrecs < 8)
		memcpy(&recs[nrecs++], data, sizeof(struct trace_rec));
	return 0;
}

static int run(const uint8_t *in, size_t len, uint8_t *out, uint32_t *out_len)
{
	uint8_t buf[2048];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = buf, .data_size_out = sizeof(buf), .repeat = 1);

	if (bpf_prog_test_run_opts(entry_fd, &o))
		return -errno;
	*out_len = o.data_size_out - (uint32_t)sizeof(struct xtoe_meta);
	memcpy(out, buf + sizeof(struct xtoe_meta), *out_len);
	return (int)o.retval;
}

static void fill(uint8_t *f, size_t len)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	f[12] = 0x08;
	f[13] = 0x00;
}

/* A long frame: cut at snaplen; a short one: whole. */
static void test_records(void)
{
	const size_t lens[] = { 300, 60 };
	uint8_t in[300], out[2048];
	uint32_t out_len;

	nrecs = 0;
	for (int i = 0; i < 2; i++) {
		fill(in, lens[i]);
		CHECK_EQ(run(in, lens[i], out, &out_len), XDP_PASS);
		CHECK_EQ(out_len, lens[i]);
		CHECK(!memcmp(out, in, lens[i]));
	}
	REQUIRE(ring_buffer__consume(rb) >= 0);
	REQUIRE(nrecs == 2);
	CHECK_EQ(recs[0].len, 300);
	CHECK_EQ(recs[0].caplen, SNAPLEN);
	CHECK_EQ(recs[1].len, 60);
	CHECK_EQ(recs[1].caplen, 60);
	fill(in, 300);
	CHECK(!memcmp(recs[0].data, in, SNAPLEN));
	CHECK_EQ(recs[0].meta.magic, XTOE_META_MAGIC);
	CHECK_EQ(recs[0].meta.slot, xchain_find(chain, "trace"));
	CHECK(recs[1].ts_ns >= recs[0].ts_ns && recs[0].ts_ns > 0);
}

static void test_stats(void)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu], seen = 0, traced = 0;
	uint32_t k;

	k = TRACE_STAT_SEEN;
	REQUIRE(bpf_map_lookup_elem(bpf_map__fd(tr->maps.trace_stats), &k, v) == 0);
	for (int i = 0; i < ncpu; i++)
		seen += v[i];
	k = TRACE_STAT_TRACED;
	REQUIRE(bpf_map_lookup_elem(bpf_map__fd(tr->maps.trace_stats), &k, v) == 0);
	for (int i = 0; i < ncpu; i++)
		traced += v[i];
	CHECK_EQ(seen, 2);
	CHECK_EQ(traced, 2);
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };

	bpf_test_need_bpf();
	tr = trace_bpf__open();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!tr || !probe)
		return 1;
	tr->rodata->snaplen = SNAPLEN;
	if (xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, tr->obj) || xchain_reuse_maps(chain, probe) ||
	    trace_bpf__load(tr) || bpf_object__load(probe)) {
		fprintf(stderr, "loading the chain, trace and probes failed (needs root)\n");
		return 1;
	}
	if (xchain_insert(chain, bpf_program__fd(bpf_object__find_program_by_name(probe, "probe_sink")),
			  "sink", XTOE_MOD_F_FINAL, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(tr->progs.trace), "trace", XTOE_MOD_F_BUILTIN, &pos) < 0)
		return 1;
	rb = ring_buffer__new(bpf_map__fd(tr->maps.trace_ring), on_rec, NULL, NULL);
	if (!rb)
		return 1;
	RUN(test_records);
	RUN(test_stats);
	ring_buffer__free(rb);
	trace_bpf__destroy(tr);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
