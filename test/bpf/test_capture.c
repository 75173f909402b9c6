// SPDX-License-Identifier: MIT
/*
 * The capture module (bpf/capture.bpf.c) in a chain entry -> capture -> sink
 * through BPF_PROG_TEST_RUN: each frame gives one ring-buffer record with
 * its length, the first snaplen bytes and the metadata; the frame itself
 * goes on unchanged. With a snaplen as tcpdump's (262144) a record holds
 * the whole frame; the tc egress program records into the same ring.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "xdp/chain.h"
#include "bpf/capture.h"
#include "capture.skel.h"

#define SNAPLEN 96

static struct xchain *chain;
static struct capture_bpf *tr, *full;
static struct bpf_object *probe;
static struct ring_buffer *rb;
static int entry_fd;

static struct capture_rec recs[8];
static size_t sizes[8];
static int nrecs;

/* A record is its header and caplen bytes, no more. */
static int on_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= CAPTURE_REC_HDR && size <= sizeof(struct capture_rec) && nrecs < 8) {
		sizes[nrecs] = size;
		memcpy(&recs[nrecs++], data, size);
	}
	return 0;
}

static int run(const uint8_t *in, size_t len, uint8_t *out, uint32_t *out_len)
{
	uint8_t buf[4096];
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
	CHECK_EQ(sizes[0], CAPTURE_REC_HDR + SNAPLEN);
	CHECK_EQ(recs[0].kind, CAPTURE_RX);
	CHECK_EQ(recs[1].len, 60);
	CHECK_EQ(recs[1].caplen, 60);
	fill(in, 300);
	CHECK(!memcmp(recs[0].data, in, SNAPLEN));
	CHECK_EQ(recs[0].meta.magic, XTOE_META_MAGIC);
	CHECK_EQ(recs[0].meta.slot, xchain_find(chain, "capture"));
	CHECK(recs[1].ts_ns >= recs[0].ts_ns && recs[0].ts_ns > 0);
}

/* snaplen 262144 (tcpdump's default): a 1514-byte frame, whole. */
static void test_full_frame(void)
{
	struct ring_buffer *frb = ring_buffer__new(bpf_map__fd(full->maps.capture_ring), on_rec,
						   NULL, NULL);
	uint8_t in[1514], out[4096];
	uint32_t out_len;

	REQUIRE(frb);
	REQUIRE(ring_buffer__consume(frb) >= 0); /* the earlier tests' frames */
	nrecs = 0;
	fill(in, sizeof(in));
	CHECK_EQ(run(in, sizeof(in), out, &out_len), XDP_PASS);
	REQUIRE(ring_buffer__consume(frb) >= 0);
	ring_buffer__free(frb);
	REQUIRE(nrecs == 1);
	CHECK_EQ(recs[0].len, 1514);
	CHECK_EQ(recs[0].caplen, 1514);
	CHECK(!memcmp(recs[0].data, in, sizeof(in)));
	REQUIRE(ring_buffer__consume(rb) >= 0); /* the short capture's record */
}

/* The tc egress program: a record of what the kernel sends, same ring. */
static void test_egress(void)
{
	uint8_t in[200];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = sizeof(in),
		    .repeat = 1);

	fill(in, sizeof(in));
	nrecs = 0;
	REQUIRE(bpf_prog_test_run_opts(bpf_program__fd(tr->progs.capture_egress), &o) == 0);
	CHECK_EQ((int)o.retval, -1); /* TC_ACT_UNSPEC: on to the next */
	REQUIRE(ring_buffer__consume(rb) >= 0);
	REQUIRE(nrecs == 1);
	CHECK_EQ(recs[0].kind, CAPTURE_KTX);
	CHECK_EQ(recs[0].len, sizeof(in));
	CHECK_EQ(recs[0].caplen, SNAPLEN);
	CHECK(!memcmp(recs[0].data, in, SNAPLEN));
	CHECK_EQ(recs[0].meta.magic, 0);
}

static void test_stats(void)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu], seen = 0, copied = 0;
	uint32_t k;

	k = CAPTURE_STAT_SEEN;
	REQUIRE(bpf_map_lookup_elem(bpf_map__fd(tr->maps.capture_stats), &k, v) == 0);
	for (int i = 0; i < ncpu; i++)
		seen += v[i];
	k = CAPTURE_STAT_COPIED;
	REQUIRE(bpf_map_lookup_elem(bpf_map__fd(tr->maps.capture_stats), &k, v) == 0);
	for (int i = 0; i < ncpu; i++)
		copied += v[i];
	CHECK_EQ(seen, 4);   /* two frames, the full one, the egress one */
	CHECK_EQ(copied, 4);
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };

	bpf_test_need_bpf();
	tr = capture_bpf__open();
	full = capture_bpf__open();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!tr || !full || !probe)
		return 1;
	tr->rodata->snaplen = SNAPLEN;
	full->rodata->snaplen = 262144;
	if (xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, tr->obj) || xchain_reuse_maps(chain, probe) ||
	    xchain_reuse_maps(chain, full->obj) || capture_bpf__load(full) ||
	    capture_bpf__load(tr) || bpf_object__load(probe)) {
		fprintf(stderr, "loading the chain, capture and probes failed (needs root)\n");
		return 1;
	}
	if (xchain_insert(chain, bpf_program__fd(bpf_object__find_program_by_name(probe, "probe_sink")),
			  "sink", XTOE_MOD_F_FINAL, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(tr->progs.capture), "capture", XTOE_MOD_F_BUILTIN, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(full->progs.capture), "full", XTOE_MOD_F_BUILTIN, &pos) < 0)
		return 1;
	rb = ring_buffer__new(bpf_map__fd(tr->maps.capture_ring), on_rec, NULL, NULL);
	if (!rb)
		return 1;
	RUN(test_records);
	RUN(test_full_frame);
	RUN(test_egress);
	RUN(test_stats);
	ring_buffer__free(rb);
	capture_bpf__destroy(tr);
	capture_bpf__destroy(full);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
