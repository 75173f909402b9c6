// SPDX-License-Identifier: MIT
/*
 * The splice module (bpf/splice.bpf.c) in a chain entry -> splice -> sink
 * through BPF_PROG_TEST_RUN. Input and expected output frames are built by
 * the TCP core's frame builder (full checksums): a spliced segment must come
 * out byte for byte as if built for the other connection, with XDP_TX;
 * SYN/FIN/RST and other flows continue down the chain untouched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "core/tcp.h"
#include "xdp/chain.h"
#include "bpf/splice.h"
#include "splice.skel.h"

static struct xchain *chain;
static struct splice_bpf *sp;
static struct bpf_object *probe;
static int entry_fd, seen_fd;

/* client -> xtoe (received), xtoe -> server (sent) */
static struct tcp_endpoints ep_in, ep_out;

static void endpoints(void)
{
	ep_in = (struct tcp_endpoints){
		.smac = { 2, 0, 0, 0, 0, 2 }, .dmac = { 2, 0, 0, 0, 0, 1 },
		.saddr = ip4("198.18.0.2"), .daddr = ip4("198.18.0.1"),
		.sport = htons(40000), .dport = htons(7000),
	};
	ep_out = (struct tcp_endpoints){
		.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 3 },
		.saddr = ip4("198.18.0.1"), .daddr = ip4("198.18.0.3"),
		.sport = htons(61000), .dport = htons(8000),
	};
}

#define SEQ_DELTA 0x10000000u
#define ACK_DELTA 0xf0000123u

static int add_pair(void)
{
	struct splice_key k = { ep_in.saddr, ep_in.daddr, ep_in.sport, ep_in.dport };
	struct splice_rw rw = {
		.saddr = ep_out.saddr, .daddr = ep_out.daddr,
		.sport = ep_out.sport, .dport = ep_out.dport,
		.seq_delta = SEQ_DELTA, .ack_delta = ACK_DELTA,
	};

	memcpy(rw.smac, ep_out.smac, 6);
	memcpy(rw.dmac, ep_out.dmac, 6);
	return bpf_map_update_elem(bpf_map__fd(sp->maps.splice_pairs), &k, &rw, BPF_ANY);
}

struct out {
	int act;
	int sink;
	uint8_t frame[256];
	uint32_t len;
};

static void run(const uint8_t *in, int len, struct out *r)
{
	uint8_t buf[512];
	struct xtoe_meta seen = { 0 };
	uint32_t k = 0;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = buf, .data_size_out = sizeof(buf), .repeat = 1);

	bpf_map_update_elem(seen_fd, &k, &seen, BPF_ANY);
	REQUIRE(bpf_prog_test_run_opts(entry_fd, &o) == 0);
	bpf_map_lookup_elem(seen_fd, &k, &seen);
	r->act = (int)o.retval;
	r->sink = seen.magic == XTOE_META_MAGIC;
	r->len = o.data_size_out - (uint32_t)sizeof(struct xtoe_meta);
	memcpy(r->frame, buf + sizeof(struct xtoe_meta), r->len);
}

struct row {
	const char *name;
	uint32_t seq, ack;
	uint8_t flags;
	bool ts;
	const char *payload;
};

static void check_spliced(const struct row *w)
{
	struct tcp_hdrvals h = { .seq = w->seq, .ack = w->ack, .flags = w->flags,
				 .wnd = 5000, .wscale = -1, .ts = w->ts,
				 .tsval = 77, .tsecr = 66 };
	uint16_t plen = (uint16_t)strlen(w->payload);
	uint8_t in[256], want[256];
	struct tcp_seg s;
	struct out r;
	int n = tcp_build_frame(in, sizeof(in), &ep_in, &h, w->payload, plen), m;

	h.seq += SEQ_DELTA;
	h.ack += ACK_DELTA;
	m = tcp_build_frame(want, sizeof(want), &ep_out, &h, w->payload, plen);
	REQUIRE(n > 0 && m == n);
	run(in, n, &r);
	if (r.act != XDP_TX || r.sink || r.len != (uint32_t)m || memcmp(r.frame, want, (size_t)m) ||
	    tcp_parse(r.frame, r.len, &s, true) != XTOE_DROP_NONE) {
		fprintf(stderr, "  row \"%s\": action %d, sink %d, len %u/%d, same %d\n",
			w->name, r.act, r.sink, r.len, m, !memcmp(r.frame, want, (size_t)m));
		check_failed_now = 1;
	}
}

static void test_spliced_segments(void)
{
	static const struct row rows[] = {
		{ "pure ACK", 1000, 2000, TCP_F_ACK, false, "" },
		{ "data", 1000, 2000, TCP_F_ACK | TCP_F_PSH, false, "hello, spliced world" },
		{ "data with timestamps", 5, 6, TCP_F_ACK, true, "x" },
		{ "sequence wraps", 0xfffffff0u, 0x0fffff00u, TCP_F_ACK, false, "wrap" },
	};

	REQUIRE(add_pair() == 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_spliced(&rows[i]);
}

/* Timestamps get per-direction deltas, SACK blocks move with the ack delta
 * and the window is rescaled (here 1 << 5 on the way in, 1 << 3 out). */
static void test_options_rewritten(void)
{
	struct splice_key k = { ep_in.saddr, ep_in.daddr, ep_in.sport, ep_in.dport };
	struct splice_rw rw = {
		.saddr = ep_out.saddr, .daddr = ep_out.daddr,
		.sport = ep_out.sport, .dport = ep_out.dport,
		.seq_delta = SEQ_DELTA, .ack_delta = ACK_DELTA,
		.tsval_delta = 1000, .tsecr_delta = (uint32_t)-7,
		.wnd_shift = 2, .flags = SPLICE_F_TS,
	};
	struct tcp_hdrvals h = { .seq = 9, .ack = 100, .flags = TCP_F_ACK, .wnd = 20000,
				 .wscale = -1, .ts = true, .tsval = 500, .tsecr = 50,
				 .nsack = 2, .sack = { { 200, 300 }, { 400, 0xfffffff0u } } };
	uint8_t in[256], want[256];
	struct out r;
	int n, m;

	memcpy(rw.smac, ep_out.smac, 6);
	memcpy(rw.dmac, ep_out.dmac, 6);
	REQUIRE(bpf_map_update_elem(bpf_map__fd(sp->maps.splice_pairs), &k, &rw, BPF_ANY) == 0);
	n = tcp_build_frame(in, sizeof(in), &ep_in, &h, "ts", 2);
	h.seq += SEQ_DELTA;
	h.ack += ACK_DELTA;
	h.tsval += 1000;
	h.tsecr -= 7;
	h.wnd = 0xffff; /* 80000: capped */
	for (int i = 0; i < 2; i++) {
		h.sack[i][0] += ACK_DELTA;
		h.sack[i][1] += ACK_DELTA;
	}
	m = tcp_build_frame(want, sizeof(want), &ep_out, &h, "ts", 2);
	REQUIRE(n > 0 && m == n);
	run(in, n, &r);
	CHECK_EQ(r.act, XDP_TX);
	CHECK_EQ(r.len, (uint32_t)m);
	CHECK(!memcmp(r.frame, want, (size_t)m));
	rw.wnd_shift = -3;
	REQUIRE(bpf_map_update_elem(bpf_map__fd(sp->maps.splice_pairs), &k, &rw, BPF_ANY) == 0);
	h.wnd = 20000 >> 3;
	m = tcp_build_frame(want, sizeof(want), &ep_out, &h, "ts", 2);
	run(in, n, &r);
	CHECK(!memcmp(r.frame, want, (size_t)m));
}

/* Set-up and teardown segments, and other flows, go on unchanged. */
static void test_control_segments_continue(void)
{
	const uint8_t flags[] = { TCP_F_SYN, TCP_F_FIN | TCP_F_ACK, TCP_F_RST };
	struct tcp_hdrvals h = { .seq = 1, .ack = 2, .wnd = 100, .wscale = -1 };
	struct tcp_endpoints other = ep_in;
	uint8_t in[256];
	struct out r;
	int n;

	REQUIRE(add_pair() == 0);
	for (size_t i = 0; i < sizeof(flags); i++) {
		h.flags = flags[i];
		n = tcp_build_frame(in, sizeof(in), &ep_in, &h, NULL, 0);
		run(in, n, &r);
		CHECK_EQ(r.act, XDP_PASS);
		CHECK(r.sink);
		CHECK(!memcmp(r.frame, in, (size_t)n));
	}
	other.sport = htons(40001);
	h.flags = TCP_F_ACK;
	n = tcp_build_frame(in, sizeof(in), &other, &h, "abc", 3);
	run(in, n, &r);
	CHECK(r.sink);
	CHECK(!memcmp(r.frame, in, (size_t)n));
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };

	bpf_test_need_bpf();
	endpoints();
	sp = splice_bpf__open();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!sp || !probe || xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, sp->obj) || xchain_reuse_maps(chain, probe) ||
	    splice_bpf__load(sp) || bpf_object__load(probe)) {
		fprintf(stderr, "loading the chain, splice and probes failed (needs root)\n");
		return 1;
	}
	seen_fd = bpf_object__find_map_fd_by_name(probe, "seen");
	if (xchain_insert(chain, bpf_program__fd(bpf_object__find_program_by_name(probe, "probe_sink")),
			  "sink", XTOE_MOD_F_FINAL, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(sp->progs.splice), "splice",
			  XTOE_MOD_F_BUILTIN, &pos) < 0)
		return 1;
	RUN(test_spliced_segments);
	RUN(test_options_rewritten);
	RUN(test_control_segments_continue);
	splice_bpf__destroy(sp);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
