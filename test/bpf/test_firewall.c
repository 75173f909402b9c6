// SPDX-License-Identifier: MIT
/*
 * The firewall module (bpf/firewall.bpf.c) in a chain (entry -> firewall ->
 * probe_sink) through BPF_PROG_TEST_RUN, with rule sets installed by
 * xdp/firewall.c. Table rows: {input frame, expected verdict, expected
 * output frame (unchanged), expected metadata}. NEXT shows as the sink
 * having seen the frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "xdp/chain.h"
#include "xdp/firewall.h"
#include "firewall.skel.h"

static struct xchain *chain;
static struct firewall_bpf *fw;
static struct bpf_object *probe;
static struct fw_maps maps;
static int entry_fd, seen_fd;

struct pkt {
	const char *src, *dst;
	uint8_t proto;   /* 0: TCP */
	uint16_t sport, dport;
	int vlan;
	int arp;
};

/* Ethernet (+ optional 802.1Q) / IPv4 / TCP or UDP, 64 bytes or so. */
static size_t build(uint8_t *f, const struct pkt *p)
{
	size_t off = 12;
	uint8_t proto = p->proto ? p->proto : IPPROTO_TCP;
	uint32_t s = ip4(p->src ? p->src : "198.18.9.9");
	uint32_t d = ip4(p->dst ? p->dst : "198.18.0.1");
	uint16_t sp = htons(p->sport ? p->sport : 40000), dp = htons(p->dport);

	memset(f, 0, 128);
	f[0] = 2; f[6] = 2; f[11] = 2;
	if (p->vlan) {
		f[off] = 0x81; f[off + 1] = 0; f[off + 3] = 100;
		off += 4;
	}
	if (p->arp) {
		f[off] = 0x08; f[off + 1] = 0x06;
		return off + 2 + 28;
	}
	f[off] = 0x08;
	off += 2;
	f[off] = 0x45; f[off + 3] = 40; f[off + 8] = 64; f[off + 9] = proto;
	memcpy(f + off + 12, &s, 4);
	memcpy(f + off + 16, &d, 4);
	off += 20;
	memcpy(f + off, &sp, 2);
	memcpy(f + off + 2, &dp, 2);
	if (proto == IPPROTO_TCP)
		f[off + 12] = 0x50;
	return off + 20;
}

enum want { NEXT, DROP, PASS };

/* Runs one frame; checks verdict, unchanged frame and metadata. */
static void expect(const char *what, const struct pkt *p, enum want w)
{
	uint8_t in[128], out[256];
	struct xtoe_meta seen = { 0 }, m;
	uint32_t k = 0;
	size_t len = build(in, p);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	bpf_map_update_elem(seen_fd, &k, &seen, BPF_ANY);
	REQUIRE(bpf_prog_test_run_opts(entry_fd, &o) == 0);
	bpf_map_lookup_elem(seen_fd, &k, &seen);
	memcpy(&m, out, sizeof(m));
	if ((int)o.retval != (w == DROP ? XDP_DROP : XDP_PASS) ||
	    (seen.magic == XTOE_META_MAGIC) != (w == NEXT) ||
	    m.drop != (w == DROP ? XTOE_DROP_FIREWALL : XTOE_DROP_NONE) ||
	    o.data_size_out != len + sizeof(m) ||
	    memcmp(out + sizeof(m), in, len)) {
		fprintf(stderr, "  %s: action %u, sink %s, drop %u; want %s\n", what,
			o.retval, seen.magic ? "reached" : "not reached", m.drop,
			w == NEXT ? "next" : w == DROP ? "drop" : "pass");
		check_failed_now = 1;
	}
}

static const struct fw_rule base_rules[] = {
	/* 0 */ { .src_len = 24, .proto = IPPROTO_TCP, .sport_lo = 0, .sport_hi = 65535,
		  .dport_lo = 22, .dport_hi = 22, .action = FW_PASS },
	/* 1 */ { .src_len = 32, .sport_hi = 65535, .dport_hi = 65535, .action = FW_ACCEPT },
	/* 2 */ { .src_len = 16, .proto = IPPROTO_TCP, .sport_hi = 65535,
		  .dport_lo = 1000, .dport_hi = 2000, .action = FW_DROP },
	/* 3 */ { .dst_len = 32, .proto = IPPROTO_UDP, .sport_lo = 53, .sport_hi = 53,
		  .dport_hi = 65535, .action = FW_DROP },
};

static void install_base(void)
{
	struct fw_rule r[4];

	memcpy(r, base_rules, sizeof(r));
	r[0].src = ip4("198.18.5.0");
	r[1].src = ip4("198.18.5.7");
	r[2].src = ip4("198.18.0.0");
	r[3].dst = ip4("198.18.0.1");
	REQUIRE(fw_replace(&maps, r, 4) == 0);
}

static void test_table(void)
{
	install_base();
	expect("rule 0: /24 tcp 22 -> kernel", &(struct pkt){ .src = "198.18.5.7", .dport = 22 }, PASS);
	expect("rule 1 before rule 2", &(struct pkt){ .src = "198.18.5.7", .dport = 1500 }, NEXT);
	expect("rule 2: /16 tcp 1000-2000", &(struct pkt){ .dport = 1500 }, DROP);
	expect("rule 2 low edge", &(struct pkt){ .dport = 1000 }, DROP);
	expect("rule 2 high edge", &(struct pkt){ .dport = 2000 }, DROP);
	expect("past rule 2's range", &(struct pkt){ .dport = 2001 }, NEXT);
	expect("udp is not rule 2's proto", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 1500 }, NEXT);
	expect("outside 198.18/16", &(struct pkt){ .src = "10.0.0.1", .dport = 1500 }, NEXT);
	expect("rule 3: udp from port 53", &(struct pkt){ .proto = IPPROTO_UDP, .sport = 53, .dport = 999 }, DROP);
	expect("rule 3 other dst", &(struct pkt){ .proto = IPPROTO_UDP, .sport = 53, .dst = "198.18.0.2" }, NEXT);
	expect("ARP is not filtered", &(struct pkt){ .arp = 1 }, NEXT);
	expect("802.1Q-tagged, rule 2", &(struct pkt){ .vlan = 1, .dport = 1500 }, DROP);
}

static void test_counters(void)
{
	struct fw_count h0, h2, h3;

	install_base(); /* counters start at zero with a new set */
	expect("r0", &(struct pkt){ .src = "198.18.5.7", .dport = 22 }, PASS);
	expect("r2", &(struct pkt){ .dport = 1500 }, DROP);
	expect("r2", &(struct pkt){ .dport = 1600 }, DROP);
	REQUIRE(fw_rule_hits(&maps, 0, &h0) == 0);
	REQUIRE(fw_rule_hits(&maps, 2, &h2) == 0);
	REQUIRE(fw_rule_hits(&maps, 3, &h3) == 0);
	CHECK_EQ(h0.packets, 1);
	CHECK_EQ(h2.packets, 2);
	CHECK_EQ(h3.packets, 0);
	CHECK(h2.bytes > 2 * 40);
}

/* A new set replaces the old one whole; an empty set filters nothing. */
static void test_replace(void)
{
	struct fw_rule all = { .sport_hi = 65535, .dport_hi = 65535, .action = FW_DROP };

	install_base();
	expect("base", &(struct pkt){ .src = "10.0.0.1", .dport = 80 }, NEXT);
	REQUIRE(fw_replace(&maps, &all, 1) == 0);
	expect("drop-all set", &(struct pkt){ .src = "10.0.0.1", .dport = 80 }, DROP);
	expect("drop-all set, udp", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 80 }, DROP);
	REQUIRE(fw_replace(&maps, NULL, 0) == 0);
	expect("empty set", &(struct pkt){ .dport = 1500 }, NEXT);
	CHECK_EQ(fw_replace(&maps, &all, FW_MAX_RULES + 1), -E2BIG);
}

/* Rules with a handle keep their counters across a replace. */
static void test_counters_follow_handles(void)
{
	struct fw_rule r[2] = {
		{ .handle = 7, .proto = IPPROTO_UDP, .sport_hi = 65535, .dport_hi = 65535,
		  .action = FW_DROP },
		{ .handle = 9, .proto = IPPROTO_TCP, .sport_hi = 65535, .dport_lo = 80,
		  .dport_hi = 80, .action = FW_DROP },
	};
	struct fw_count c;

	REQUIRE(fw_replace(&maps, r, 2) == 0);
	expect("udp", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 5 }, DROP);
	expect("tcp 80", &(struct pkt){ .dport = 80 }, DROP);
	expect("tcp 80", &(struct pkt){ .dport = 80 }, DROP);
	REQUIRE(fw_replace(&maps, &r[1], 1) == 0); /* handle 9 is now rule 0 */
	REQUIRE(fw_rule_hits(&maps, 0, &c) == 0);
	CHECK_EQ(c.packets, 2);
	REQUIRE(fw_replace(&maps, NULL, 0) == 0);
}

/* 1000 rules: each /32 source with its own port range; the last decides. */
static void test_many_rules(void)
{
	static struct fw_rule r[1000];
	char a[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(a, sizeof(a), "198.19.%d.%d", i / 250, i % 250 + 1);
		r[i] = (struct fw_rule){ .src = ip4(a), .src_len = 32, .proto = IPPROTO_TCP,
			.sport_hi = 65535, .dport_lo = (uint16_t)(1000 + i),
			.dport_hi = (uint16_t)(1000 + i), .action = FW_DROP };
	}
	REQUIRE(fw_replace(&maps, r, 1000) == 0);
	expect("rule 999", &(struct pkt){ .src = "198.19.3.250", .dport = 1999 }, DROP);
	expect("rule 999's source, rule 0's port", &(struct pkt){ .src = "198.19.3.250", .dport = 1000 }, NEXT);
	expect("rule 0", &(struct pkt){ .src = "198.19.0.1", .dport = 1000 }, DROP);
	REQUIRE(fw_replace(&maps, NULL, 0) == 0);
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };
	struct bpf_program *sink;

	bpf_test_need_bpf();
	fw = firewall_bpf__open();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!fw || !probe || xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, fw->obj) || xchain_reuse_maps(chain, probe) ||
	    firewall_bpf__load(fw) || bpf_object__load(probe) ||
	    fw_maps_from_obj(fw->obj, &maps)) {
		fprintf(stderr, "loading the chain, firewall and probes failed (needs root)\n");
		return 1;
	}
	sink = bpf_object__find_program_by_name(probe, "probe_sink");
	seen_fd = bpf_object__find_map_fd_by_name(probe, "seen");
	if (xchain_insert(chain, bpf_program__fd(sink), "sink", XTOE_MOD_F_FINAL, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(fw->progs.firewall), "firewall",
			  XTOE_MOD_F_BUILTIN, &pos) < 0)
		return 1;
	RUN(test_table);
	RUN(test_counters);
	RUN(test_replace);
	RUN(test_counters_follow_handles);
	RUN(test_many_rules);
	firewall_bpf__destroy(fw);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
