// SPDX-License-Identifier: MIT
/*
 * The classify module (bpf/classify.bpf.c) in a chain entry -> classify ->
 * FINAL through BPF_PROG_TEST_RUN. With probe_sink as FINAL: rows {frame,
 * expected class, flags} from the metadata the sink saw. With the real
 * steering module as FINAL: flows classify marks as owned go to xtoe with
 * no steering entry of their own.
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
#include "xdp/chain.h"
#include "bpf/classify.h"
#include "bpf/steer.h"
#include "classify.skel.h"
#include "steer.skel.h"

static struct xchain *chain;
static struct classify_bpf *cls;
static struct steer_bpf *st;
static struct bpf_object *probe;
static int entry_fd, seen_fd;

/* IPv4 frame from src:sport to 198.18.0.1:dport (proto 6 or 17), or ARP. */
static size_t build(uint8_t *f, const char *src, uint8_t proto, uint16_t sport,
		    uint16_t dport)
{
	uint32_t s = ip4(src), d = ip4("198.18.0.1");
	uint16_t sp = htons(sport), dp = htons(dport);

	memset(f, 0, 128);
	f[0] = 2; f[6] = 2;
	if (!proto) {
		f[12] = 0x08; f[13] = 0x06;
		return 42;
	}
	f[12] = 0x08;
	f[14] = 0x45; f[17] = 40; f[22] = 64; f[23] = proto;
	memcpy(f + 26, &s, 4);
	memcpy(f + 30, &d, 4);
	memcpy(f + 34, &sp, 2);
	memcpy(f + 36, &dp, 2);
	if (proto == IPPROTO_TCP)
		f[46] = 0x50;
	return 54;
}

static struct xtoe_meta run(const char *final, const char *src, uint8_t proto,
			    uint16_t sport, uint16_t dport)
{
	uint8_t in[128], out[256];
	struct xtoe_meta seen = { 0 };
	uint32_t k = 0;
	int fd = !strcmp(final, "steer") ? bpf_program__fd(st->progs.xtoe_steer)
		 : bpf_program__fd(bpf_object__find_program_by_name(probe, final));
	size_t len = build(in, src, proto, sport, dport);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	xchain_swap(chain, "final", fd);
	bpf_map_update_elem(seen_fd, &k, &seen, BPF_ANY);
	bpf_prog_test_run_opts(entry_fd, &o);
	bpf_map_lookup_elem(seen_fd, &k, &seen);
	return seen;
}

static int set_port(uint8_t proto, uint16_t port, uint32_t class, uint32_t flags)
{
	struct cls_port_key k = { .lport = htons(port), .proto = proto };
	struct cls_val v = { class, flags };

	return bpf_map_update_elem(bpf_map__fd(cls->maps.cls_ports), &k, &v, BPF_ANY);
}

static int set_flow(const char *peer, uint16_t rport, uint16_t lport, uint32_t class)
{
	struct cls_flow_key k = {
		.laddr = ip4("198.18.0.1"), .raddr = ip4(peer),
		.lport = htons(lport), .rport = htons(rport), .proto = IPPROTO_TCP,
	};
	struct cls_val v = { class, 0 };

	return bpf_map_update_elem(bpf_map__fd(cls->maps.cls_flows), &k, &v, BPF_ANY);
}

static void test_table(void)
{
	struct xtoe_meta m;

	REQUIRE(set_port(IPPROTO_TCP, 7000, 3, CLS_F_OWNED) == 0);
	REQUIRE(set_flow("198.18.0.9", 5555, 7000, 9) == 0);
	m = run("probe_sink", "198.18.0.2", IPPROTO_TCP, 4000, 7000);
	CHECK_EQ(m.class, 3);
	CHECK_EQ(m.flags & (XTOE_META_F_CLASS | XTOE_META_F_OWNED),
		 XTOE_META_F_CLASS | XTOE_META_F_OWNED);
	CHECK(m.flow_hash != 0);
	m = run("probe_sink", "198.18.0.9", IPPROTO_TCP, 5555, 7000); /* flow wins */
	CHECK_EQ(m.class, 9);
	CHECK_EQ(m.flags & XTOE_META_F_OWNED, 0);
	m = run("probe_sink", "198.18.0.2", IPPROTO_UDP, 4000, 7000); /* other proto */
	CHECK_EQ(m.flags & XTOE_META_F_CLASS, 0);
	m = run("probe_sink", "198.18.0.2", IPPROTO_TCP, 4000, 7001); /* other port */
	CHECK_EQ(m.class, 0);
	CHECK(m.flow_hash != 0);
	m = run("probe_sink", "198.18.0.2", 0, 0, 0); /* ARP */
	CHECK_EQ(m.magic, XTOE_META_MAGIC);
	CHECK_EQ(m.flow_hash, 0);
}

static uint64_t steer_stat(uint32_t i)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(st->maps.stats), &i, v))
		return 0;
	for (int c = 0; c < ncpu; c++)
		sum += v[c];
	return sum;
}

/* Owned by classification: steered to xtoe although steering has no entry. */
static void test_owned_flows_steered(void)
{
	uint64_t xsk = steer_stat(STEER_STAT_TO_XSK), kern = steer_stat(STEER_STAT_TO_KERNEL);

	REQUIRE(set_port(IPPROTO_TCP, 7000, 3, CLS_F_OWNED) == 0);
	run("steer", "198.18.0.2", IPPROTO_TCP, 4000, 7000);
	CHECK_EQ(steer_stat(STEER_STAT_TO_XSK), xsk + 1);
	run("steer", "198.18.0.2", IPPROTO_TCP, 4000, 7001);
	CHECK_EQ(steer_stat(STEER_STAT_TO_KERNEL), kern + 1);
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };

	bpf_test_need_bpf();
	cls = classify_bpf__open();
	st = steer_bpf__open();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!cls || !st || !probe)
		return 1;
	st->rodata->our_addr = ip4("198.18.0.1");
	if (xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, cls->obj) || xchain_reuse_maps(chain, st->obj) ||
	    xchain_reuse_maps(chain, probe) || classify_bpf__load(cls) ||
	    steer_bpf__load(st) || bpf_object__load(probe)) {
		fprintf(stderr, "loading the chain and modules failed (needs root)\n");
		return 1;
	}
	seen_fd = bpf_object__find_map_fd_by_name(probe, "seen");
	if (xchain_insert(chain, bpf_program__fd(st->progs.xtoe_steer), "final",
			  XTOE_MOD_F_FINAL, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(cls->progs.classify), "classify",
			  XTOE_MOD_F_BUILTIN, &pos) < 0)
		return 1;
	RUN(test_table);
	RUN(test_owned_flows_steered);
	classify_bpf__destroy(cls);
	steer_bpf__destroy(st);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
