// SPDX-License-Identifier: MIT
/*
 * The module chain (bpf/chain.bpf.c, xdp/chain.c) through
 * BPF_PROG_TEST_RUN: the entry program reserves struct xtoe_meta, modules
 * run in the order the loader wrote, verdicts end the chain, counters count,
 * and changes made while frames run never lose one (no empty slot).
 *
 * Probe modules (test/bpf/chain_probe.bpf.c) tag meta->user with their id;
 * the final module, probe_sink, records the metadata it sees.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/clock.h"
#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "xdp/chain.h"

static struct xchain *chain;
static struct bpf_object *probe;
static int entry_fd;

static int prog(const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(probe, name);

	return p ? bpf_program__fd(p) : -1;
}

static int add(const char *name, enum xchain_where where, const char *ref)
{
	struct xchain_pos pos = { .where = where, .ref = ref };

	return xchain_insert(chain, prog(name), name, 0, &pos);
}

/* A 60-byte IPv4/TCP frame (contents do not matter to the probes). */
static void frame(uint8_t *f)
{
	memset(f, 0, 60);
	f[12] = 0x08;
	f[14] = 0x45;
	f[23] = 6;
}

struct run_out {
	int act;
	struct xtoe_meta seen;  /* what the sink saw (zero if not reached) */
	uint8_t out[256];
	uint32_t out_len, data_off;
};

/* Run one frame; meta_in (optional) is fed as existing metadata. */
static int run_meta(struct run_out *r, const struct xtoe_meta *meta_in)
{
	uint8_t in[sizeof(struct xtoe_meta) + 60];
	struct xdp_md ctx_in = { 0 }, ctx_out = { 0 };
	uint32_t k = 0, off = meta_in ? sizeof(*meta_in) : 0;
	struct xtoe_meta zero = { 0 };
	int seen_fd = bpf_map__fd(bpf_object__find_map_by_name(probe, "seen"));
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
		    .data_size_in = off + 60, .data_out = r->out,
		    .data_size_out = sizeof(r->out), .ctx_in = &ctx_in,
		    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	int err;

	if (meta_in)
		memcpy(in, meta_in, off);
	frame(in + off);
	ctx_in.data = off;
	ctx_in.data_end = off + 60;
	bpf_map_update_elem(seen_fd, &k, &zero, BPF_ANY);
	err = bpf_prog_test_run_opts(meta_in ? prog("probe_c") : entry_fd, &o);
	if (err)
		return -errno;
	r->act = (int)o.retval;
	r->out_len = o.data_size_out;
	r->data_off = ctx_out.data;
	return bpf_map_lookup_elem(seen_fd, &k, &r->seen) ? -errno : 0;
}

static int run(struct run_out *r)
{
	return run_meta(r, NULL);
}

static uint64_t seen_of(const char *name)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	int i, n = xchain_walk(chain, e, XTOE_CHAIN_SLOTS);

	for (i = 0; i < n; i++)
		if (!strcmp(e[i].info.name, name))
			return e[i].st.seen;
	return 0;
}

static void unlink_all_but_sink(void)
{
	const char *names[] = { "probe_a", "probe_b", "probe_c", "probe_drop" };

	for (size_t i = 0; i < 4; i++)
		if (xchain_find(chain, names[i]) >= 0)
			xchain_unlink(chain, names[i]);
	xchain_reap(chain, 0);
}

/* Only the final module: it sees initialised metadata. */
static void test_entry_meta(void)
{
	struct run_out r;

	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.act, XDP_PASS);
	CHECK_EQ(r.seen.magic, XTOE_META_MAGIC);
	CHECK_EQ(r.seen.hops, 1);
	CHECK_EQ(r.seen.slot, xchain_find(chain, "probe_sink"));
	CHECK_EQ(r.seen.drop, XTOE_DROP_NONE);
	CHECK_EQ(r.seen.user, 0);
}

/* The output frame carries the metadata right before it. */
static void test_meta_before_frame(void)
{
	struct run_out r;
	struct xtoe_meta m;

	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.data_off, sizeof(struct xtoe_meta));
	CHECK_EQ(r.out_len, sizeof(struct xtoe_meta) + 60);
	memcpy(&m, r.out, sizeof(m));
	CHECK_EQ(m.magic, XTOE_META_MAGIC);
	CHECK_EQ(m.verdict_by, xchain_find(chain, "probe_sink"));
	CHECK_EQ(r.out[r.data_off + 12], 0x08);
}

/* Default position: before the final module, in the order added. */
static void test_default_order(void)
{
	struct run_out r;

	REQUIRE(add("probe_a", XCHAIN_DEFAULT, NULL) > 0);
	REQUIRE(add("probe_b", XCHAIN_DEFAULT, NULL) > 0);
	REQUIRE(add("probe_c", XCHAIN_DEFAULT, NULL) > 0);
	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.seen.user, 0x123);
	CHECK_EQ(r.seen.hops, 4);
	unlink_all_but_sink();
}

static void test_before_after_first(void)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	struct run_out r;

	REQUIRE(add("probe_a", XCHAIN_DEFAULT, NULL) > 0);
	REQUIRE(add("probe_b", XCHAIN_BEFORE, "probe_a") > 0);
	REQUIRE(add("probe_c", XCHAIN_AFTER, "probe_b") > 0);
	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.seen.user, 0x231);
	REQUIRE(xchain_walk(chain, e, XTOE_CHAIN_SLOTS) == 4);
	CHECK(!strcmp(e[0].info.name, "probe_b"));
	CHECK(!strcmp(e[3].info.name, "probe_sink"));
	CHECK_EQ(e[3].pos, 3);
	REQUIRE(xchain_unlink(chain, "probe_c") == 0);
	REQUIRE(add("probe_c", XCHAIN_FIRST, NULL) > 0);
	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.seen.user, 0x321);
	unlink_all_but_sink();
}

/* An unlinked module keeps its program and next pointer until reaped:
 * a frame already in it carries on down the chain. */
static void test_unlink_keeps_in_flight(void)
{
	struct xtoe_meta m = { .magic = XTOE_META_MAGIC };
	struct run_out r;
	int c;

	REQUIRE(add("probe_a", XCHAIN_DEFAULT, NULL) > 0);
	REQUIRE((c = add("probe_c", XCHAIN_BEFORE, "probe_a")) > 0);
	REQUIRE(xchain_unlink(chain, "probe_c") == 0);
	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.seen.user, 0x1);
	m.slot = (uint8_t)c; /* a frame that was in probe_c */
	REQUIRE(run_meta(&r, &m) == 0);
	CHECK_EQ(r.act, XDP_PASS);
	CHECK_EQ(r.seen.user, 0x31);
	xchain_reap(chain, XCHAIN_GRACE_NS); /* too young: kept */
	REQUIRE(run_meta(&r, &m) == 0);
	CHECK_EQ(r.seen.user, 0x31);
	unlink_all_but_sink();
}

/* DROP ends the chain, with the reason in the metadata. */
static void test_drop_verdict(void)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	struct run_out r;
	struct xtoe_meta m;
	uint64_t sink = seen_of("probe_sink");

	REQUIRE(add("probe_drop", XCHAIN_DEFAULT, NULL) > 0);
	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.act, XDP_DROP);
	CHECK_EQ(r.seen.magic, 0);
	CHECK_EQ(seen_of("probe_sink"), sink);
	memcpy(&m, r.out, sizeof(m));
	CHECK_EQ(m.drop, XTOE_DROP_MODULE);
	CHECK_EQ(m.verdict_by, xchain_find(chain, "probe_drop"));
	REQUIRE(xchain_walk(chain, e, XTOE_CHAIN_SLOTS) == 2);
	CHECK_EQ(e[0].st.seen, 1);
	CHECK_EQ(e[0].st.v[XTOE_DROP], 1);
	unlink_all_but_sink();
}

/* Replace: one write of the slot, same place in the chain. */
static void test_swap(void)
{
	struct run_out r;
	int s;

	REQUIRE((s = add("probe_a", XCHAIN_DEFAULT, NULL)) > 0);
	REQUIRE(add("probe_b", XCHAIN_DEFAULT, NULL) > 0);
	REQUIRE(xchain_swap(chain, "probe_a", prog("probe_c")) == 0);
	CHECK_EQ(xchain_find(chain, "probe_a"), s);
	REQUIRE(run(&r) == 0);
	CHECK_EQ(r.seen.user, 0x32);
	unlink_all_but_sink();
}

static void test_refusals(void)
{
	struct xchain_pos pos = { .where = XCHAIN_AFTER, .ref = "probe_sink" };

	REQUIRE(add("probe_a", XCHAIN_DEFAULT, NULL) > 0);
	CHECK_EQ(add("probe_a", XCHAIN_DEFAULT, NULL), -EEXIST);
	CHECK_EQ(add("probe_b", XCHAIN_BEFORE, "nosuch"), -ENOENT);
	CHECK_EQ(xchain_insert(chain, prog("probe_b"), "probe_b", 0, &pos), -EINVAL);
	CHECK_EQ(xchain_unlink(chain, "probe_sink"), -EPERM);
	CHECK_EQ(xchain_unlink(chain, "nosuch"), -ENOENT);
	unlink_all_but_sink();
}

/* Frames run in a second thread while modules are inserted, unlinked,
 * reaped and swapped: every frame reaches the sink, no tail call fails. */
static atomic_int stop_runs;
static atomic_long runs, lost;

static void *runner(void *arg)
{
	struct run_out r;

	(void)arg;
	while (!atomic_load(&stop_runs)) {
		if (run(&r) || r.act != XDP_PASS || r.seen.magic != XTOE_META_MAGIC)
			atomic_fetch_add(&lost, 1);
		atomic_fetch_add(&runs, 1);
	}
	return NULL;
}

/* A grace period counted in frames, not time: once the runner has
 * finished a frame it began after the unlinks, no frame can still be on
 * the old slots, so they may go. (A wall-clock grace is a guess under a
 * loaded or emulated CPU.) Bounded: 10 s. */
static void reap_after_a_frame(void)
{
	long seen = atomic_load(&runs);
	uint64_t end = now_ms() + 10000;

	while (atomic_load(&runs) < seen + 2 && now_ms() < end)
		sched_yield();
	xchain_reap(chain, 0);
}

static void test_changes_under_traffic(void)
{
	struct xtoe_mstat before, after;
	pthread_t th;

	REQUIRE(xchain_entry_stats(chain, &before) == 0);
	REQUIRE(pthread_create(&th, NULL, runner, NULL) == 0);
	for (int i = 0; i < 300; i++) {
		add("probe_a", XCHAIN_DEFAULT, NULL);
		add("probe_b", XCHAIN_FIRST, NULL);
		xchain_swap(chain, "probe_a", prog("probe_c"));
		xchain_unlink(chain, "probe_a");
		xchain_unlink(chain, "probe_b");
		reap_after_a_frame();
	}
	atomic_store(&stop_runs, 1);
	pthread_join(th, NULL);
	REQUIRE(xchain_entry_stats(chain, &after) == 0);
	CHECK(atomic_load(&runs) > 0);
	CHECK_EQ(atomic_load(&lost), 0);
	CHECK_EQ(after.v[XTOE_ABORTED] - before.v[XTOE_ABORTED], 0);
	unlink_all_but_sink();
}

static struct xtoe_verdict_rec vrecs[4];
static int nvrecs;

static int on_verdict(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct xtoe_verdict_rec) && nvrecs < 4)
		memcpy(&vrecs[nvrecs++], data, sizeof(struct xtoe_verdict_rec));
	return 0;
}

/* With xtoe_ctl.trace_verdicts, each final verdict leaves a record: which
 * module, what verdict, the metadata and the frame's first bytes. */
static void test_verdict_trace(void)
{
	struct ring_buffer *rb = ring_buffer__new(xchain_vtrace_fd(chain), on_verdict, NULL, NULL);
	struct run_out r;
	int drop;

	REQUIRE(rb);
	nvrecs = 0;
	REQUIRE(run(&r) == 0); /* off: no record */
	REQUIRE(xchain_trace_verdicts(chain, true) == 0);
	REQUIRE(run(&r) == 0);
	REQUIRE((drop = add("probe_drop", XCHAIN_DEFAULT, NULL)) > 0);
	REQUIRE(run(&r) == 0);
	REQUIRE(xchain_trace_verdicts(chain, false) == 0);
	REQUIRE(run(&r) == 0);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	REQUIRE(nvrecs == 2);
	CHECK_EQ(vrecs[0].verdict, XTOE_PASS);
	CHECK_EQ(vrecs[0].slot, xchain_find(chain, "probe_sink"));
	CHECK_EQ(vrecs[0].len, 60);
	CHECK_EQ(vrecs[0].caplen, 60);
	CHECK_EQ(vrecs[0].data[12], 0x08);
	CHECK_EQ(vrecs[1].verdict, XTOE_DROP);
	CHECK_EQ(vrecs[1].slot, drop);
	CHECK_EQ(vrecs[1].meta.drop, XTOE_DROP_MODULE);
	unlink_all_but_sink();
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };

	bpf_test_need_bpf();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!probe || xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, probe) || bpf_object__load(probe)) {
		fprintf(stderr, "loading the chain and the probes failed (needs root)\n");
		return 1;
	}
	if (xchain_insert(chain, prog("probe_sink"), "probe_sink",
			  XTOE_MOD_F_FINAL, &pos) < 0)
		return 1;
	RUN(test_entry_meta);
	RUN(test_meta_before_frame);
	RUN(test_default_order);
	RUN(test_before_after_first);
	RUN(test_unlink_keeps_in_flight);
	RUN(test_drop_verdict);
	RUN(test_swap);
	RUN(test_refusals);
	RUN(test_changes_under_traffic);
	RUN(test_verdict_trace);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
